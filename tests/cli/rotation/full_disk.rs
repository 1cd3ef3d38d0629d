//! A full disk during a rotation, simulated with `ulimit -f` (the file-size limit; SIGXFSZ
//! ignored so a write past it fails with EFBIG instead of killing the process). The limit
//! is chosen so the ledger's writes fit but the big file's new version does not: the
//! rotation must fail before replacing anything and say so in the ledger.

use std::process::Command;

use envseal::ledger::RotationStatus;

use super::support::*;
use crate::common::{exit_code, Code};

/// Limit in KiB (bash's `ulimit -f` unit). The ledger's WAL for one failed rotation stays
/// well under it; the big file is several times over.
const LIMIT_KIB: u64 = 160;

struct Setup {
    p: Project,
    files: Vec<(String, Vec<u8>, Vec<u8>)>, // encrypted name, plaintext, encrypted bytes
}

fn setup(rng: &mut Rng) -> Setup {
    let p = Project::git();
    let key = p.add_key();
    let mut files = Vec::new();
    // Sorted order is the rotation order: the big file comes last, so the two small
    // ones are usually staged before the write that fails (and must be cleaned up).
    for (plain, n, len) in [
        (".env", 10, 50),
        (".env.staging", 10, 50),
        ("sub/.env", 30, 10_000),
    ] {
        let body = dotenv(rng, "BLOB", n, len);
        p.seal(plain, body.as_bytes(), &key, &[]);
        let enc = format!("{plain}.encrypted");
        let bytes = p.read(&enc);
        files.push((enc, body.into_bytes(), bytes));
    }
    assert!(files[2].2.len() as u64 > 2 * LIMIT_KIB * 1024);
    assert!(p.ledger_path().exists(), "encrypt creates the ledger");
    Setup { p, files }
}

fn rotate_with_file_limit(p: &Project, extra: &[&str]) -> std::process::Output {
    let mut c = Command::new("bash");
    c.arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {LIMIT_KIB}; exec \"$0\" rotate --force --reason 'disk full' \"$@\""
        ))
        .arg(BIN)
        .args(extra);
    // Same clean environment as every other run.
    let base = p.cmd(["unused"]);
    c.env_clear();
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    c.current_dir(&p.root)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn assert_failed_cleanly(s: &Setup, out: &std::process::Output) {
    let p = &s.p;
    assert_eq!(code(out), exit_code(Code::Io), "{}", describe(out));
    assert!(
        stderr(out).contains("before any file was replaced"),
        "{}",
        describe(out)
    );
    for (enc, _, bytes) in &s.files {
        assert!(p.read(enc) == *bytes, "{enc} changed");
    }
    let temps: Vec<String> = p
        .tree()
        .into_iter()
        .filter(|f| f.ends_with(".tmp") || f.contains("/.envseal.") || f.starts_with(".envseal."))
        .collect();
    assert!(temps.is_empty(), "temp files left behind: {temps:?}");
    let keyring_temps: Vec<String> = p
        .keyring_files()
        .into_iter()
        .filter(|f| !f.ends_with(".key"))
        .collect();
    assert!(keyring_temps.is_empty(), "{keyring_temps:?}");

    let hist = p.ok(["status", "--history", "--json"]);
    let rotations = json(&hist)["rotations"].as_array().unwrap().clone();
    assert_eq!(rotations.len(), 1, "{rotations:?}");
    assert_eq!(rotations[0]["status"], "failed");
    assert_eq!(rotations[0]["reason"], "disk full");
    assert!(rotations[0]["failure_reason"]
        .as_str()
        .unwrap()
        .contains("I/O error"));
    assert!(p.ledger().unwrap().unfinished().unwrap().is_empty());
    let conn = rusqlite::Connection::open(p.ledger_path()).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

/// Then, with space again, a normal rotation goes through.
fn assert_recovers(s: &Setup) {
    let p = &s.p;
    let out = p.ok(["rotate", "--force", "--no-backup", "--json"]);
    let id = envseal::key::KeyId::parse(json(&out)["new_key_id"].as_str().unwrap()).unwrap();
    let key = p.keyring_key(&id).unwrap();
    for (enc, plain, _) in &s.files {
        assert_eq!(
            open(&p.read(enc), &key).as_deref(),
            Some(&plain[..]),
            "{enc}"
        );
    }
    let last = p.ledger().unwrap().history(1).unwrap();
    assert_eq!(last[0].status, RotationStatus::Completed);
}

#[test]
fn full_disk_while_staging_fails_before_replacing_anything() {
    let s = setup(&mut Rng::new(seed("full disk, staging")));
    let out = rotate_with_file_limit(&s.p, &["--no-backup"]);
    assert_failed_cleanly(&s, &out);
    assert!(s
        .files
        .iter()
        .all(|(f, _, _)| backups_of(&s.p, f).is_empty()));
    assert_recovers(&s);
}

#[test]
fn full_disk_with_backups_fails_before_replacing_anything_and_keeps_no_backup() {
    let s = setup(&mut Rng::new(seed("full disk, backups")));
    let out = rotate_with_file_limit(&s.p, &[]);
    assert_failed_cleanly(&s, &out);
    // Backups cost no space (hard links), so staging the big file is what fails; every
    // file being unchanged, the rotation removes the backups it made.
    for (enc, _, _) in &s.files {
        assert!(backups_of(&s.p, enc).is_empty(), "{enc}");
    }
    assert_recovers(&s);
}
