//! `rotate` over files with mixed key slots (issue 12): master + age + AWS KMS (a real
//! moto server). A rotation gives each file a new data key, the master slot the new
//! master key, and re-wraps every other slot through its public side (no private key;
//! KMS through kms:Encrypt); it records `rewrapped` recipient events; SIGKILL at spread
//! instants then `--resume` / `--abort` leaves every file openable by every recipient;
//! a file with no master slot gets a new data key (`data_keys.rs`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use envseal::format::v1::slot::age::AgeIdentity;
use envseal::format::v1::slot::Recipient;
use envseal::format::v1::{self, Options};
use envseal::key::Key;

use super::support::*;

const FILES: [&str; 3] = [
    ".env.encrypted",
    ".env.staging.encrypted",
    "sub/.env.encrypted",
];

fn body(i: usize) -> String {
    let mut s = String::new();
    for n in 0..20 {
        s.push_str(&format!("SECRET_{n}=value-{i}-{n}-abcdefghijklmnop\n"));
    }
    s
}

/// The recipients beside the master key: an age identity (saved to `me.txt` in HOME),
/// and a KMS key on moto when moto is there.
struct Team {
    age: AgeIdentity,
    age_file: std::path::PathBuf,
    kms_env: Vec<(&'static str, String)>,
    kms: Option<Box<dyn Recipient>>,
    _moto: Option<crate::moto::Moto>,
}

fn team(p: &Project) -> Team {
    let age = AgeIdentity::generate("test");
    let age_file = p.home.join("me.txt");
    std::fs::write(&age_file, format!("{}\n", age.expose_text().as_str())).unwrap();
    #[cfg(feature = "aws-kms")]
    if let Some(moto) = crate::moto::moto() {
        let (arn, _) = crate::moto::new_key(&moto, "h12e-rotate");
        let kms = crate::moto::kms_key(&moto, &arn);
        let kms_env = vec![
            ("AWS_ENDPOINT_URL", moto.url.clone()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ];
        return Team {
            age,
            age_file,
            kms_env,
            kms: Some(Box::new(kms)),
            _moto: Some(moto),
        };
    }
    Team {
        age,
        age_file,
        kms_env: Vec::new(),
        kms: None,
        _moto: None,
    }
}

fn seal(p: &Project, rel: &str, plain: &str, recipients: &[&dyn Recipient]) {
    let doc = envseal::dotenv::parse(plain).unwrap();
    let mut random = |b: &mut [u8]| envseal::format::os_random(b);
    let now = chrono::Utc::now();
    let text = v1::seal(&doc, recipients, Options::default(), now, &mut random).unwrap();
    if let Some(dir) = p.path(rel).parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    p.write(rel, text);
}

fn mixed_project() -> (Project, Team, Key) {
    let p = Project::git();
    let master = p.add_key();
    let t = team(&p);
    let age_r = t.age.recipient();
    for (i, rel) in FILES.iter().enumerate() {
        let mut rs: Vec<&dyn Recipient> = vec![&master, &age_r];
        if let Some(k) = &t.kms {
            rs.push(&**k);
        }
        seal(&p, rel, &body(i), &rs);
    }
    (p, t, master)
}

fn cmd(p: &Project, t: &Team, args: &[&str]) -> Command {
    let mut c = p.cmd(args);
    for (k, v) in &t.kms_env {
        c.env(k, v);
    }
    c
}

/// Every file opens, to its plaintext, through each recipient alone: the master key in
/// the keyring, the age identity (no keyring), KMS (no keyring, no identity).
fn every_recipient_opens_every_file(p: &Project, t: &Team, ctx: &str) {
    let empty = p.home.join("empty-keyring");
    std::fs::create_dir_all(&empty).unwrap();
    for (i, rel) in FILES.iter().enumerate() {
        let want = body(i);
        let mut ways: Vec<(&str, Command)> = Vec::new();
        ways.push(("master key", cmd(p, t, &["decrypt", "--stdout", rel])));
        let mut c = cmd(
            p,
            t,
            &[
                "decrypt",
                "--stdout",
                rel,
                "--identity",
                t.age_file.to_str().unwrap(),
            ],
        );
        c.env("ENVSEAL_KEYRING", &empty);
        ways.push(("age identity", c));
        if t.kms.is_some() {
            let mut c = cmd(p, t, &["decrypt", "--stdout", rel]);
            c.env("ENVSEAL_KEYRING", &empty);
            ways.push(("KMS", c));
        }
        for (how, mut c) in ways {
            let out = c.stdin(Stdio::null()).output().unwrap();
            assert!(
                out.status.success() && out.stdout == want.as_bytes(),
                "{ctx}: {rel} through the {how}: {}",
                describe(&out)
            );
        }
    }
}

fn slot_lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| l.starts_with("#envseal:key "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn rotate_rewraps_every_slot_of_several_mixed_files_and_records_it() {
    let (p, t, master) = mixed_project();
    every_recipient_opens_every_file(&p, &t, "before");
    let before: Vec<Vec<String>> = FILES.iter().map(|f| slot_lines(&p.read(f))).collect();
    let out = cmd(&p, &t, &["rotate", "--force", "--reason", "mixed"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    for (rel, old) in FILES.iter().zip(&before) {
        let now = slot_lines(&p.read(rel));
        assert_eq!(now.len(), old.len(), "{rel}: a slot was dropped or added");
        for (a, b) in now.iter().zip(old) {
            // Every slot line changed: a new data key in each (the master slot's kid too).
            assert_ne!(a, b, "{rel}: a slot was not re-wrapped");
        }
        assert_ne!(kid_of(&p.read(rel)), Some(master.id()), "{rel}");
    }
    every_recipient_opens_every_file(&p, &t, "after");

    // The ledger: one `rewrapped` event per slot of each file, data key replaced.
    let status = p.ok(["status", "--json"]);
    let v = json(&status);
    let events = v["recipient_events"].as_array().expect("recipient_events");
    // The master slot's change is the rotation's own row: no event.
    let kinds = if t.kms.is_some() { 2 } else { 1 };
    assert_eq!(events.len(), FILES.len() * kinds, "{v}");
    for e in events {
        assert_eq!(e["action"], "rewrapped", "{e}");
        assert_eq!(e["data_key_replaced"], true, "{e}");
        assert!(e["rotation_id"].is_number(), "{e}");
    }
    let age_kid = t.age.recipient().kid();
    for rel in FILES {
        assert!(
            events.iter().any(|e| e["file"] == rel
                && e["slot_type"] == "age"
                && e["slot_kid"] == age_kid.as_str()),
            "{rel}: no age event in {v}"
        );
    }
}

#[test]
fn sigkill_during_a_mixed_slot_rotation_then_resume_or_abort_leaves_every_file_open_to_all() {
    let (p, t, _) = mixed_project();
    // A full rotation, timed the way the trials start it.
    let mut fastest = Duration::MAX;
    for _ in 0..2 {
        let started = Instant::now();
        let out = cmd(&p, &t, &["rotate", "--force", "--no-backup"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", describe(&out));
        fastest = fastest.min(started.elapsed());
    }
    // Kills spread evenly over the rotation (deterministic: no seed to replay).
    const TRIALS: u32 = 8;
    let mut resume_next = true;
    for trial in 0..TRIALS {
        let delay = fastest.mul_f64(f64::from(trial) / f64::from(TRIALS - 1) * 1.1);
        let ctx = format!("trial {trial} (kill after {delay:?} of {fastest:?})");
        let mut child = cmd(&p, &t, &["rotate", "--force", "--no-backup"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        let pending = p
            .ledger()
            .and_then(|l| l.unfinished().unwrap().into_iter().next());
        if pending.is_some() {
            let flag = if resume_next { "--resume" } else { "--abort" };
            resume_next = !resume_next;
            let out = cmd(&p, &t, &["rotate", flag, "--force"]).output().unwrap();
            assert_eq!(code(&out), 0, "{ctx}: rotate {flag}: {}", describe(&out));
        }
        // Leftover temporary files of the killed process are not encrypted files.
        remove_tmp(&p.root);
        every_recipient_opens_every_file(&p, &t, &ctx);
    }
}

fn remove_tmp(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let path = e.path();
        if e.file_name() == ".git" {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            remove_tmp(&path);
        } else if e.file_name().to_string_lossy().ends_with(".tmp") {
            std::fs::remove_file(path).unwrap();
        }
    }
}
