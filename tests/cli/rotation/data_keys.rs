//! `rotate` of files with no master slot (issue 12): each gets a new data key, wrapped
//! again for every one of its slots through their public fields, with no master key
//! anywhere; mixed with master-slot files in one run; AWS KMS slots through a real moto
//! server; killed mid-way (a real SIGKILL at a known point: the debug build's
//! `ENVSEAL_TEST_PAUSE_AFTER_RENAME` stops the renames after the first file), then
//! `--resume` / `--abort` or a plain re-run.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use envseal::format::v1::slot::age::AgeIdentity;
use envseal::format::v1::slot::{Identity, Recipient, SlotError, SlotLine};
use envseal::format::v1::DataKey;
use envseal::format::v1::{self, Options};
use envseal::key::Key;
use zeroize::Zeroizing;

use super::support::*;

fn body(i: usize) -> String {
    let mut s = String::new();
    for n in 0..12 {
        s.push_str(&format!("SECRET_{i}_{n}=value-{i}-{n}-abcdefghijklmnop\n"));
    }
    s
}

fn seal(p: &Project, rel: &str, plain: &str, recipients: &[&dyn Recipient]) {
    let doc = envseal::dotenv::parse(plain).unwrap();
    let mut random = |b: &mut [u8]| envseal::format::os_random(b);
    let text = v1::seal(
        &doc,
        recipients,
        Options::default(),
        chrono::Utc::now(),
        &mut random,
    )
    .unwrap();
    if let Some(dir) = p.path(rel).parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    p.write(rel, text);
}

/// An age identity saved in HOME (`NAME.txt`).
fn identity(p: &Project, name: &str) -> (AgeIdentity, PathBuf) {
    let id = AgeIdentity::generate(name);
    let path = p.home.join(format!("{name}.txt"));
    std::fs::write(&path, format!("{}\n", id.expose_text().as_str())).unwrap();
    (id, path)
}

fn slots(bytes: &[u8]) -> Vec<SlotLine> {
    v1::header(std::str::from_utf8(bytes).unwrap())
        .unwrap()
        .slots
}

fn slot_lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| l.starts_with("#envseal:key "))
        .map(str::to_owned)
        .collect()
}

/// `age -d -i IDENTITY` of a slot's wrapped data key (the `age` command): the data key.
fn age_d(p: &Project, slot: &SlotLine, identity: &Path) -> [u8; 32] {
    let f = p.home.join("slot.age");
    std::fs::write(&f, &slot.wrap).unwrap();
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg(&f)
        .output()
        .expect("the age command (Debian package age)");
    assert!(
        out.status.success(),
        "age -d: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .as_slice()
        .try_into()
        .expect("a 32-byte data key")
}

/// Someone holding a data key (recovered from a slot): answers every slot of its kind
/// and kid with that key.
struct HeldDataKey {
    kind: &'static str,
    kid: String,
    dk: [u8; 32],
}

impl Identity for HeldDataKey {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn kid(&self) -> String {
        self.kid.clone()
    }
    fn source(&self) -> String {
        "a data key recovered with age -d".to_owned()
    }
    fn unwrap(&self, _: &SlotLine) -> Result<DataKey, SlotError> {
        Ok(DataKey::from_bytes(Zeroizing::new(self.dk)))
    }
}

fn opens_with_data_key(bytes: &[u8], held: &HeldDataKey) -> bool {
    v1::decrypt_plaintext_with(std::str::from_utf8(bytes).unwrap(), &[held]).is_ok()
}

/// `decrypt --stdout REL` through this identity file alone (an empty keyring).
fn opens_through(p: &Project, rel: &str, identity: &Path, env: &[(&str, String)]) -> Vec<u8> {
    let empty = p.home.join("empty-keyring");
    std::fs::create_dir_all(&empty).unwrap();
    let mut c = p.cmd(["decrypt", "--stdout", rel, "--identity"]);
    c.arg(identity).env("ENVSEAL_KEYRING", &empty);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "{rel}: {}", describe(&out));
    out.stdout
}

#[test]
fn rotating_an_age_only_file_with_no_master_key_anywhere_gives_it_a_new_data_key() {
    let p = Project::git();
    let (alice, alice_file) = identity(&p, "alice");
    let (bob, bob_file) = identity(&p, "bob");
    seal(
        &p,
        ".env.encrypted",
        &body(0),
        &[&alice.recipient(), &bob.recipient()],
    );
    let old = p.read(".env.encrypted");
    let old_slots = slots(&old);
    let held = HeldDataKey {
        kind: "age",
        kid: alice.recipient().kid(),
        dk: age_d(&p, &old_slots[0], &alice_file),
    };
    assert!(opens_with_data_key(&old, &held), "the recovered data key");
    assert!(p.keyring_files().is_empty(), "no master key anywhere");

    let mut c = p.cmd(["rotate", "--force", "--json"]);
    c.env("ENVSEAL_AGE_KEY_FILE", &alice_file);
    let out = c.output().unwrap();
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let err = stderr(&out);
    assert!(err.contains("new data key"), "{err}");
    // What `recipients remove` says, said of the old data key (names only).
    assert!(
        err.contains("whoever held the old data key of .env.encrypted")
            && err.contains("SECRET_0_0, SECRET_0_1")
            && !err.contains("value-0-0"),
        "{err}"
    );
    let v = json(&out);
    assert_eq!(v["status"], "completed", "{v}");
    assert!(v["new_key_id"].is_null(), "{v}");
    assert_eq!(v["files"][0], ".env.encrypted", "{v}");
    // No master key was generated or looked for.
    assert!(p.keyring_files().is_empty(), "{:?}", p.keyring_files());

    let new = p.read(".env.encrypted");
    let new_slots = slots(&new);
    assert_eq!(new_slots.len(), 2);
    for (a, b) in new_slots.iter().zip(&old_slots) {
        assert_eq!(
            (&a.kind, &a.kid),
            (&b.kind, &b.kid),
            "same recipients, in order"
        );
        assert_ne!(a.wrap, b.wrap, "every slot re-wrapped");
    }
    // The old data key no longer opens it; the new one is another key; both open it.
    assert!(
        !opens_with_data_key(&new, &held),
        "the old data key opens the new file"
    );
    assert_ne!(age_d(&p, &new_slots[0], &alice_file), held.dk);
    assert_eq!(
        age_d(&p, &new_slots[0], &alice_file),
        age_d(&p, &new_slots[1], &bob_file)
    );
    for f in [&alice_file, &bob_file] {
        assert_eq!(
            opens_through(&p, ".env.encrypted", f, &[]),
            body(0).as_bytes()
        );
    }
    // A backup of the old version, as for any rotation.
    assert_eq!(backups_of(&p, ".env.encrypted").len(), 1);

    // The ledger: no rotation row (no master key changed); one `rewrapped` recipient
    // event per slot with the data key replaced.
    let v = json(&p.ok(["status", "--json"]));
    let events = v["recipient_events"].as_array().expect("recipient_events");
    assert_eq!(events.len(), 2, "{v}");
    for e in events {
        assert_eq!(e["action"], "rewrapped", "{e}");
        assert_eq!(e["data_key_replaced"], true, "{e}");
        assert!(e["rotation_id"].is_null(), "{e}");
        assert_eq!(e["file"], ".env.encrypted", "{e}");
    }
    let h = p.ok(["status", "--history"]);
    let shown = format!("{}{}", stdout(&h), stderr(&h));
    assert!(
        shown.contains("recipient rewrapped") && shown.contains("data key replaced"),
        "{shown}"
    );
    let ledger = p.ledger().expect("a ledger");
    assert!(ledger.history(10).unwrap().is_empty());
    assert!(ledger.unfinished().unwrap().is_empty());

    // Named explicitly, without an identity at hand: refused, nothing changed.
    let out = p.run(["rotate", "--force", ".env.encrypted"]);
    assert_eq!(
        code(&out),
        crate::common::exit_code(crate::common::Code::KeyMissing),
        "{}",
        describe(&out)
    );
    assert_eq!(p.read(".env.encrypted"), new);
}

/// Files of every kind: master only, master + age, age only (two recipients).
const MIXED: [&str; 3] = [
    "master.env.encrypted",
    "both.env.encrypted",
    "team.env.encrypted",
];

fn mixed(p: &Project) -> (Key, AgeIdentity, PathBuf, AgeIdentity, PathBuf) {
    let master = p.add_key();
    let (alice, alice_file) = identity(p, "alice");
    let (bob, bob_file) = identity(p, "bob");
    seal(p, MIXED[0], &body(0), &[&master]);
    seal(p, MIXED[1], &body(1), &[&master, &alice.recipient()]);
    seal(
        p,
        MIXED[2],
        &body(2),
        &[&alice.recipient(), &bob.recipient()],
    );
    (master, alice, alice_file, bob, bob_file)
}

#[test]
fn one_rotation_gives_master_and_age_only_files_new_keys() {
    let p = Project::git();
    let (master, alice, alice_file, _, bob_file) = mixed(&p);
    let before: Vec<Vec<u8>> = MIXED.iter().map(|f| p.read(f)).collect();
    let held = HeldDataKey {
        kind: "age",
        kid: alice.recipient().kid(),
        dk: age_d(&p, &slots(&before[2])[0], &alice_file),
    };

    let mut c = p.cmd(["rotate", "--force", "--reason", "mixed"]);
    c.env("ENVSEAL_AGE_KEY_FILE", &alice_file);
    let out = c.output().unwrap();
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let err = stderr(&out);
    assert!(
        err.contains("team.env.encrypted (v1, no master slot"),
        "{err}"
    );

    let ledger = p.ledger().unwrap();
    let rotations = ledger.history(10).unwrap();
    assert_eq!(rotations.len(), 1);
    let r = &rotations[0];
    assert_eq!(r.old_key_id, master.id());
    assert_eq!(r.status, envseal::ledger::RotationStatus::Completed);
    assert_eq!(r.files.len(), 3, "{:?}", r.files);
    let new_master = p.keyring_key(&r.new_key_id).expect("the new master key");
    for (i, rel) in MIXED.iter().enumerate() {
        let now = p.read(rel);
        for (a, b) in slot_lines(&now).iter().zip(slot_lines(&before[i])) {
            assert_ne!(a, &b, "{rel}: a slot was not re-wrapped");
        }
        assert_eq!(slots(&now).len(), slots(&before[i]).len(), "{rel}");
        if i < 2 {
            assert_eq!(kid_of(&now), Some(new_master.id()), "{rel}");
            assert_eq!(
                open(&now, &new_master).unwrap(),
                body(i).as_bytes(),
                "{rel}"
            );
        } else {
            assert!(slots(&now).iter().all(|s| s.kind == "age"), "{rel}");
        }
    }
    assert!(!opens_with_data_key(&p.read(MIXED[2]), &held));
    assert_eq!(
        opens_through(&p, MIXED[1], &alice_file, &[]),
        body(1).as_bytes()
    );
    for f in [&alice_file, &bob_file] {
        assert_eq!(opens_through(&p, MIXED[2], f, &[]), body(2).as_bytes());
    }
    // Recipient events for the age-only file's slots (data key replaced), tied to the
    // rotation's row.
    let v = json(&p.ok(["status", "--json"]));
    let events = v["recipient_events"].as_array().unwrap();
    let team: Vec<_> = events.iter().filter(|e| e["file"] == MIXED[2]).collect();
    assert_eq!(team.len(), 2, "{v}");
    assert!(team
        .iter()
        .all(|e| e["data_key_replaced"] == true && e["rotation_id"].is_number()));
}

/// A rotate (or updatekeys) run that pauses after its first rename, stopped there with
/// `signal` once it says so.
fn run_paused(p: &Project, args: &[&str], env: &[(&str, &Path)], signal: &str) {
    let marker = p.home.join("paused");
    let _ = std::fs::remove_file(&marker);
    let mut c = p.cmd(args);
    c.env("ENVSEAL_TEST_PAUSE_AFTER_RENAME", &marker)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child: Child = c.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !marker.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{args:?} ended before the pause: {status}");
        }
        assert!(Instant::now() < deadline, "{args:?} never paused");
        std::thread::sleep(Duration::from_millis(10));
    }
    let ok = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(ok.success());
    let status = child.wait().unwrap();
    assert!(!status.success(), "{args:?} survived SIG{signal}");
}

pub(super) fn temps(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_name() == ".git" {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            out.extend(temps(&e.path()));
        } else if e.file_name().to_string_lossy().ends_with(".tmp") {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn sigkill_mid_way_through_a_mixed_rotation_then_resume_finishes_every_file() {
    let p = Project::git();
    let (master, _, alice_file, _, bob_file) = mixed(&p);
    let before: Vec<Vec<u8>> = MIXED.iter().map(|f| p.read(f)).collect();
    // The age-only file first: it is the one replaced before the kill.
    let args = ["rotate", "--force", MIXED[2], MIXED[0], MIXED[1]];
    run_paused(&p, &args, &[("ENVSEAL_AGE_KEY_FILE", &alice_file)], "KILL");
    let ledger = p.ledger().unwrap();
    assert_eq!(ledger.unfinished().unwrap().len(), 1);
    assert_ne!(p.read(MIXED[2]), before[2], "the first file was replaced");
    assert_eq!(p.read(MIXED[0]), before[0], "the others were not");
    assert_eq!(p.read(MIXED[1]), before[1]);
    assert!(
        !temps(&p.root).is_empty(),
        "the staged files a SIGKILL leaves"
    );
    // Every file opens for every recipient meanwhile.
    assert_eq!(
        open(&p.read(MIXED[0]), &master).unwrap(),
        body(0).as_bytes()
    );
    for f in [&alice_file, &bob_file] {
        assert_eq!(opens_through(&p, MIXED[2], f, &[]), body(2).as_bytes());
    }
    let replaced = p.read(MIXED[2]);

    let mut c = p.cmd(["rotate", "--resume", "--force"]);
    c.env("ENVSEAL_AGE_KEY_FILE", &alice_file);
    let out = c.output().unwrap();
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert!(temps(&p.root).is_empty(), "{:?}", temps(&p.root));
    let r = &ledger.history(1).unwrap()[0];
    assert_eq!(r.status, envseal::ledger::RotationStatus::Completed);
    let new_master = p.keyring_key(&r.new_key_id).unwrap();
    for (i, rel) in MIXED.iter().enumerate().take(2) {
        assert_eq!(open(&p.read(rel), &new_master).unwrap(), body(i).as_bytes());
    }
    // The age-only file was done before the kill (it differs from this rotation's backup
    // of it): --resume leaves it as the rotation wrote it.
    assert_eq!(p.read(MIXED[2]), replaced);
    for f in [&alice_file, &bob_file] {
        assert_eq!(opens_through(&p, MIXED[2], f, &[]), body(2).as_bytes());
    }
}

#[test]
fn sigkill_mid_way_through_a_mixed_rotation_then_abort_puts_every_file_back() {
    let p = Project::git();
    let (master, _, alice_file, _, bob_file) = mixed(&p);
    let before: Vec<Vec<u8>> = MIXED.iter().map(|f| p.read(f)).collect();
    let args = ["rotate", "--force", MIXED[2], MIXED[0], MIXED[1]];
    run_paused(&p, &args, &[("ENVSEAL_AGE_KEY_FILE", &alice_file)], "KILL");
    assert_ne!(p.read(MIXED[2]), before[2]);

    let mut c = p.cmd(["rotate", "--abort", "--force"]);
    c.env("ENVSEAL_AGE_KEY_FILE", &alice_file);
    let out = c.output().unwrap();
    assert_eq!(code(&out), 0, "{}", describe(&out));
    // Byte for byte as before: the age-only file from its backup.
    for (i, rel) in MIXED.iter().enumerate() {
        assert_eq!(p.read(rel), before[i], "{rel}");
    }
    assert!(temps(&p.root).is_empty(), "{:?}", temps(&p.root));
    let ledger = p.ledger().unwrap();
    assert_eq!(
        ledger.history(1).unwrap()[0].status,
        envseal::ledger::RotationStatus::RolledBack
    );
    assert_eq!(
        open(&p.read(MIXED[0]), &master).unwrap(),
        body(0).as_bytes()
    );
    for f in [&alice_file, &bob_file] {
        assert_eq!(opens_through(&p, MIXED[2], f, &[]), body(2).as_bytes());
    }
}

#[test]
fn sigkill_mid_way_through_a_data_key_only_rotation_then_a_rerun_finishes_it() {
    let p = Project::git();
    let (alice, alice_file) = identity(&p, "alice");
    let (bob, bob_file) = identity(&p, "bob");
    let files = ["a.env.encrypted", "b.env.encrypted", "c.env.encrypted"];
    for (i, rel) in files.iter().enumerate() {
        seal(&p, rel, &body(i), &[&alice.recipient(), &bob.recipient()]);
    }
    let before: Vec<Vec<u8>> = files.iter().map(|f| p.read(f)).collect();
    let mut args = vec!["rotate", "--force"];
    args.extend(files);
    run_paused(&p, &args, &[("ENVSEAL_AGE_KEY_FILE", &alice_file)], "KILL");
    let changed = files
        .iter()
        .enumerate()
        .filter(|(i, f)| p.read(f) != before[*i])
        .count();
    assert_eq!(changed, 1, "one file replaced before the kill");
    assert!(!temps(&p.root).is_empty());
    for (i, rel) in files.iter().enumerate() {
        assert_eq!(opens_through(&p, rel, &bob_file, &[]), body(i).as_bytes());
    }
    // No master key changed: nothing unfinished in the ledger; a plain re-run finishes.
    let out = p.run(["rotate", "--resume", "--force"]);
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert!(
        stderr(&out).contains("no unfinished rotation"),
        "{}",
        describe(&out)
    );
    let mut c = p.cmd(["rotate", "--force"]);
    c.env("ENVSEAL_AGE_KEY_FILE", &alice_file);
    let out = c.output().unwrap();
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert!(temps(&p.root).is_empty(), "{:?}", temps(&p.root));
    for (i, rel) in files.iter().enumerate() {
        let now = p.read(rel);
        for (a, b) in slot_lines(&now).iter().zip(slot_lines(&before[i])) {
            assert_ne!(a, &b, "{rel}");
        }
        for f in [&alice_file, &bob_file] {
            assert_eq!(opens_through(&p, rel, f, &[]), body(i).as_bytes());
        }
    }
    assert!(p.keyring_files().is_empty());
}

/// A file whose only slot is an AWS KMS key (a real moto server): no local identity, so
/// rotate opens it through KMS (Decrypt) and wraps its new data key through KMS
/// (Encrypt); mixed with an age-only file in the same run.
#[cfg(feature = "aws-kms")]
#[test]
fn a_kms_only_file_is_rewrapped_through_kms_on_moto() {
    let Some(moto) = crate::moto::moto() else {
        eprintln!("skipped: no moto server (pip install 'moto[server]')");
        return;
    };
    let p = Project::git();
    let (arn, _) = crate::moto::new_key(&moto, "h12g-rotate");
    let kms = crate::moto::kms_key(&moto, &arn);
    seal(&p, "kms.env.encrypted", &body(0), &[&kms]);
    let before = p.read("kms.env.encrypted");
    let env = [
        ("AWS_ENDPOINT_URL", moto.url.clone()),
        ("AWS_ACCESS_KEY_ID", "test".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
    ];
    let mut c = p.cmd(["rotate", "--force"]);
    for (k, v) in &env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let now = p.read("kms.env.encrypted");
    let (a, b) = (slots(&now), slots(&before));
    assert_eq!(a.len(), 1);
    assert_eq!((&a[0].kind, &a[0].kid), (&b[0].kind, &b[0].kid));
    assert_ne!(a[0].wrap, b[0].wrap, "the KMS slot was re-wrapped");
    assert!(p.keyring_files().is_empty());
    // Through KMS alone, to the same plaintext; the old data key (unwrapped from the old
    // slot through KMS) does not open the new file.
    let mut c = p.cmd(["decrypt", "--stdout", "kms.env.encrypted"]);
    for (k, v) in &env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(out.stdout, body(0).as_bytes());
    let held = HeldDataKey {
        kind: b[0].kind.clone().leak(),
        kid: b[0].kid.clone(),
        dk: *kms.unwrap(&b[0]).unwrap().expose_bytes(),
    };
    assert!(opens_with_data_key(&before, &held));
    assert!(
        !opens_with_data_key(&now, &held),
        "the old data key opens the new file"
    );
}

/// One run over every kind of file: master only, master + age, age only, age + KMS, KMS
/// only (a real moto server). Each gets a new data key; the master files the new master
/// key; the KMS slots are re-wrapped through kms:Encrypt; every recipient opens each.
#[cfg(feature = "aws-kms")]
#[test]
fn one_rotation_over_master_age_and_kms_files_on_moto() {
    let Some(moto) = crate::moto::moto() else {
        eprintln!("skipped: no moto server (pip install 'moto[server]')");
        return;
    };
    let p = Project::git();
    let (master, alice, alice_file, _, bob_file) = mixed(&p);
    let (arn, _) = crate::moto::new_key(&moto, "h12g-mixed");
    let kms = crate::moto::kms_key(&moto, &arn);
    seal(
        &p,
        "cloud.env.encrypted",
        &body(3),
        &[&alice.recipient(), &kms],
    );
    seal(&p, "kms.env.encrypted", &body(4), &[&kms]);
    let all = [
        MIXED[0],
        MIXED[1],
        MIXED[2],
        "cloud.env.encrypted",
        "kms.env.encrypted",
    ];
    let before: Vec<Vec<u8>> = all.iter().map(|f| p.read(f)).collect();
    let env = [
        ("AWS_ENDPOINT_URL", moto.url.clone()),
        ("AWS_ACCESS_KEY_ID", "test".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
    ];
    let mut c = p.cmd(["rotate", "--force"]);
    c.env("ENVSEAL_AGE_KEY_FILE", &alice_file);
    for (k, v) in &env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let r = &p.ledger().unwrap().history(1).unwrap()[0];
    assert_eq!(r.old_key_id, master.id());
    assert_eq!(r.files.len(), all.len());
    let new_master = p.keyring_key(&r.new_key_id).unwrap();
    for (i, rel) in all.iter().enumerate() {
        let now = p.read(rel);
        let (a, b) = (slot_lines(&now), slot_lines(&before[i]));
        assert_eq!(a.len(), b.len(), "{rel}");
        for (x, y) in a.iter().zip(&b) {
            assert_ne!(x, y, "{rel}: a slot was not re-wrapped");
        }
        if i < 2 {
            assert_eq!(
                open(&now, &new_master).unwrap(),
                body(i).as_bytes(),
                "{rel}"
            );
        }
    }
    let kms_env: Vec<(&str, String)> = env.to_vec();
    for (i, rel) in all.iter().enumerate().skip(1) {
        if i != 4 {
            assert_eq!(opens_through(&p, rel, &alice_file, &[]), body(i).as_bytes());
        }
    }
    assert_eq!(
        opens_through(&p, MIXED[2], &bob_file, &[]),
        body(2).as_bytes()
    );
    // Through KMS alone (an empty keyring, an identity no slot names).
    let (_, stranger) = identity(&p, "stranger");
    for (i, rel) in all.iter().enumerate().skip(3) {
        assert_eq!(
            opens_through(&p, rel, &stranger, &kms_env),
            body(i).as_bytes()
        );
    }
}
