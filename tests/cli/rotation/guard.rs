//! Issue 9's rotation holes, each pinned by a test that failed before its fix: a
//! concurrent `edit`/`encrypt` undoing a rotation (9.5), a corrupt file skipped and a
//! retired key left unreported (9.6), an unfinished rotation whose new key is gone
//! (9.11), symlinked encrypted files detached (9.12), temporary files a crash left
//! (9.15). Real processes, real SQLite ledgers, real FIFOs and symlinks.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use envseal::key::Key;
use envseal::ledger::{NewRotation, RotationStatus};

use super::support::*;
use crate::common::{exit_code, Code};

const PLAIN: &str = "API_TOKEN=value-one-123456\nDB_PASSWORD=pw-two-abcdef\n";
const STAGING: &str = "API_TOKEN=staging-value-777\n";

/// A project with `.env.encrypted` and `.env.staging.encrypted` under one keyring key.
fn two_files() -> (Project, Key) {
    let p = Project::plain();
    let k = p.add_key();
    p.seal(".env", PLAIN, &k, &[]);
    p.seal(".env.staging", STAGING, &k, &[]);
    (p, k)
}

fn wait_for(path: &Path, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !path.exists() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_concurrent_edit_does_not_write_a_file_back_under_the_key_a_rotation_retired() {
    let (p, old) = two_files();
    let fifo = p.home.join("release");
    let mark = p.home.join("editing");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    // The editor changes a value, says so, then blocks until the test releases it.
    let editor = p.home.join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nsed -i 's/value-one-123456/edited-value-999/' \"$1\"\n: > \"$MARK\"\ncat \"$FIFO\" > /dev/null\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let edit = p
        .cmd(["edit"])
        .env("EDITOR", &editor)
        .env("MARK", &mark)
        .env("FIFO", &fifo)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&mark, "the editor to start");
    // The rotation completes while the editor is open (edit holds no lock meanwhile).
    p.ok(["rotate", "--force", "--reason", "while editing"]);
    let new_id = kid_of(&p.read(".env.encrypted")).unwrap();
    assert_ne!(new_id, old.id());
    std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .unwrap()
        .write_all(b"go\n")
        .unwrap();
    let out = edit.wait_with_output().unwrap();
    assert_eq!(code(&out), exit_code(Code::Refused), "{}", describe(&out));
    let err = stderr(&out);
    assert!(err.contains("changed while it was being edited"), "{err}");
    // The edit is kept, and the message says where.
    let kept = err
        .split("Your edit is kept in ")
        .nth(1)
        .and_then(|r| r.split(" (plaintext").next())
        .unwrap_or_else(|| panic!("no kept path in: {err}"));
    let kept_text = std::fs::read_to_string(kept).unwrap();
    std::fs::remove_file(kept).unwrap();
    assert!(kept_text.contains("edited-value-999"));
    assert!(!err.contains("edited-value-999") && !err.contains("pw-two-abcdef"));
    // The file stays rotated: under the new key, with the rotated content.
    let now = p.read(".env.encrypted");
    assert_eq!(kid_of(&now), Some(new_id.clone()));
    let new = p.keyring_key(&new_id).unwrap();
    assert_eq!(open(&now, &new).unwrap(), PLAIN.as_bytes());
    p.ok(["status", "--check"]);
}

#[test]
fn encrypt_waits_for_the_project_write_lock_a_rotation_holds() {
    let (p, k) = two_files();
    let before = p.read(".env.encrypted");
    p.write(".env", "API_TOKEN=changed-while-locked\n");
    let lock = envseal::fsutil::lock(&p.root.join(".envseal/rotate.lock"), Duration::ZERO)
        .unwrap()
        .unwrap();
    let mut child = p
        .cmd(["encrypt", ".env"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert!(
        child.try_wait().unwrap().is_none(),
        "encrypt finished while the rotation lock was held"
    );
    assert_eq!(p.read(".env.encrypted"), before, "written under the lock");
    drop(lock);
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), exit_code(Code::Ok), "{}", describe(&out));
    assert_eq!(
        open(&p.read(".env.encrypted"), &k).unwrap(),
        b"API_TOKEN=changed-while-locked\n"
    );
}

#[test]
fn rotate_stops_before_anything_changes_when_a_file_fails_its_integrity_check() {
    let (p, _) = two_files();
    // A hand edit: a key renamed in the staging file (the MAC no longer matches).
    let tampered = String::from_utf8(p.read(".env.staging.encrypted"))
        .unwrap()
        .replace("API_TOKEN=", "API_TOKEM=");
    p.write(".env.staging.encrypted", &tampered);
    let before = (p.read(".env.encrypted"), p.keyring_files());
    let out = p.run(["rotate", "--force", "--reason", "q4"]);
    assert_eq!(code(&out), exit_code(Code::Integrity), "{}", describe(&out));
    let err = stderr(&out);
    assert!(err.contains(".env.staging.encrypted"), "{err}");
    assert!(err.contains("before anything changed"), "{err}");
    assert_eq!((p.read(".env.encrypted"), p.keyring_files()), before);
    assert_eq!(p.read(".env.staging.encrypted"), tampered.as_bytes());
    assert_eq!(p.ledger().unwrap().rotation_count().unwrap(), 0);
    assert!(backups_of(&p, ".env.encrypted").is_empty());
}

#[test]
fn status_check_reports_a_file_left_under_a_key_a_rotation_retired() {
    let (p, old) = two_files();
    p.ok(["rotate", "--force", "--reason", "q4"]);
    // Someone puts the old version back (from the backup, or a stale branch).
    let backup = backups_of(&p, ".env.staging.encrypted").pop().unwrap();
    std::fs::copy(&backup, p.path(".env.staging.encrypted")).unwrap();
    let out = p.run(["status", "--check"]);
    assert_eq!(
        code(&out),
        exit_code(Code::CheckFailed),
        "{}",
        describe(&out)
    );
    let text = stdout(&out);
    assert!(text.contains(".env.staging.encrypted"), "{text}");
    assert!(
        text.contains(&format!("still under key {}", old.id())),
        "{text}"
    );
    assert!(!text.contains(".env.encrypted:"), "{text}");
    let out = p.run(["status", "--json"]);
    let problems = json(&out)["problems"].clone();
    assert!(
        problems
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["kind"] == "retired_key" && x["path"] == ".env.staging.encrypted"),
        "{problems}"
    );
}

#[test]
fn status_check_does_not_report_files_a_partial_rotation_left_out() {
    let (p, old) = two_files();
    p.ok([
        "rotate",
        ".env.encrypted",
        "--force",
        "--reason",
        "just one",
    ]);
    assert_eq!(kid_of(&p.read(".env.staging.encrypted")), Some(old.id()));
    let out = p.run(["status", "--check"]);
    assert_eq!(code(&out), exit_code(Code::Ok), "{}", describe(&out));
}

/// What a rotation killed after replacing `.env.encrypted` (but not the staging file)
/// leaves: the ledger row in progress, the new key at `home/new.key`, the backup, and
/// (with `temps`) the staged and key temporary files of the killed process.
fn crashed_rotation(backup: bool, temps: bool) -> (Project, Key, Key, PathBuf) {
    let (p, old) = two_files();
    let (new, new_path) = p.key_file("new.key");
    let ledger = p.ledger().unwrap();
    let id = ledger
        .begin_rotation(&NewRotation {
            old_key_id: old.id(),
            new_key_id: new.id(),
            reason: "crashed".into(),
            files: vec![".env.encrypted".into(), ".env.staging.encrypted".into()],
            new_key_location: new_path.display().to_string(),
        })
        .unwrap();
    ledger.set_in_progress(id).unwrap();
    if backup {
        std::fs::copy(
            p.path(".env.encrypted"),
            p.path(".env.encrypted.backup_20261201T000000Z"),
        )
        .unwrap();
    }
    p.ok([
        "encrypt",
        ".env",
        "--key-file",
        new_path.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(kid_of(&p.read(".env.encrypted")), Some(new.id()));
    if temps {
        p.write(
            "..env.staging.encrypted.Xa9Q2w.tmp",
            "staged, never renamed",
        );
        p.write("..env.encrypted.r7TbQ1.tmp", "staged, never renamed");
        let key_tmp = p.home.join(".new.key.Kq3ZpT.tmp");
        std::fs::write(&key_tmp, format!("{}\n", *new.expose_text())).unwrap();
        p.write(".unrelated.tmp", "not envseal's");
    }
    (p, old, new, new_path)
}

#[test]
fn abort_works_when_the_new_key_of_an_unfinished_rotation_is_gone_and_no_file_uses_it() {
    let (p, _old) = two_files();
    let (new, new_path) = p.key_file("new.key");
    let old_id = kid_of(&p.read(".env.encrypted")).unwrap();
    let ledger = p.ledger().unwrap();
    let id = ledger
        .begin_rotation(&NewRotation {
            old_key_id: old_id.clone(),
            new_key_id: new.id(),
            reason: "crashed early".into(),
            files: vec![".env.encrypted".into(), ".env.staging.encrypted".into()],
            new_key_location: new_path.display().to_string(),
        })
        .unwrap();
    ledger.set_in_progress(id).unwrap();
    std::fs::remove_file(&new_path).unwrap();
    let before = (p.read(".env.encrypted"), p.read(".env.staging.encrypted"));
    let out = p.run(["rotate", "--abort", "--force"]);
    assert_eq!(code(&out), exit_code(Code::Ok), "{}", describe(&out));
    assert_eq!(
        (p.read(".env.encrypted"), p.read(".env.staging.encrypted")),
        before
    );
    assert!(ledger.unfinished().unwrap().is_empty());
    p.ok(["rotate", "--force", "--reason", "again"]);
}

#[test]
fn abort_without_the_new_key_restores_the_files_that_use_it_from_their_backups() {
    let (p, old, _new, new_path) = crashed_rotation(true, false);
    std::fs::remove_file(&new_path).unwrap();
    let original = p.read(".env.encrypted.backup_20261201T000000Z");
    // --resume cannot finish without the key: it says so and points at --abort.
    let out = p.run(["rotate", "--resume", "--force"]);
    assert_eq!(
        code(&out),
        exit_code(Code::KeyMissing),
        "{}",
        describe(&out)
    );
    assert!(stderr(&out).contains("--abort"), "{}", describe(&out));
    let out = p.run(["rotate", "--abort", "--force"]);
    assert_eq!(code(&out), exit_code(Code::Ok), "{}", describe(&out));
    assert!(
        stderr(&out).contains("restored .env.encrypted"),
        "{}",
        describe(&out)
    );
    assert_eq!(p.read(".env.encrypted"), original);
    assert_eq!(
        open(&p.read(".env.encrypted"), &old).unwrap(),
        PLAIN.as_bytes()
    );
    let ledger = p.ledger().unwrap();
    assert!(ledger.unfinished().unwrap().is_empty());
    assert_eq!(
        ledger.history(1).unwrap()[0].status,
        RotationStatus::RolledBack
    );
    // No longer stuck: the next rotation runs.
    p.ok(["rotate", "--force", "--reason", "again"]);
}

#[test]
fn abort_without_the_new_key_and_without_a_backup_names_the_files_and_changes_nothing() {
    let (p, _old, _new, new_path) = crashed_rotation(false, false);
    std::fs::remove_file(&new_path).unwrap();
    let before = p.read(".env.encrypted");
    let out = p.run(["rotate", "--abort", "--force"]);
    assert_eq!(
        code(&out),
        exit_code(Code::KeyMissing),
        "{}",
        describe(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains(".env.encrypted use the missing new key"),
        "{err}"
    );
    assert!(!err.contains(".env.staging.encrypted use"), "{err}");
    assert_eq!(p.read(".env.encrypted"), before);
    assert_eq!(p.ledger().unwrap().unfinished().unwrap().len(), 1);
}

fn leftovers_are_removed(flag: &str) {
    let (p, old, new, _) = crashed_rotation(true, true);
    let out = p.run(["rotate", flag, "--force"]);
    assert_eq!(code(&out), exit_code(Code::Ok), "{}", describe(&out));
    let err = stderr(&out);
    for name in [
        "..env.staging.encrypted.Xa9Q2w.tmp",
        "..env.encrypted.r7TbQ1.tmp",
    ] {
        assert!(!p.path(name).exists(), "{flag}: {name} left");
        assert!(
            err.contains(name),
            "{flag}: removal of {name} not said: {err}"
        );
    }
    assert!(!p.home.join(".new.key.Kq3ZpT.tmp").exists(), "{flag}");
    assert!(err.contains(".new.key.Kq3ZpT.tmp"), "{err}");
    assert!(
        p.path(".unrelated.tmp").exists(),
        "{flag}: removed a stranger"
    );
    let want = if flag == "--resume" { &new } else { &old };
    for (f, plain) in [
        (".env.encrypted", PLAIN),
        (".env.staging.encrypted", STAGING),
    ] {
        assert_eq!(
            open(&p.read(f), want).unwrap(),
            plain.as_bytes(),
            "{flag}: {f}"
        );
    }
}

#[test]
fn resume_removes_the_temporary_files_a_crashed_rotation_left() {
    leftovers_are_removed("--resume");
}

#[test]
fn abort_removes_the_temporary_files_a_crashed_rotation_left() {
    leftovers_are_removed("--abort");
}

#[test]
fn resume_puts_back_a_new_key_found_only_in_its_temporary_file() {
    let (p, _old, new, new_path) = crashed_rotation(true, true);
    std::fs::remove_file(&new_path).unwrap();
    let out = p.run(["rotate", "--resume", "--force"]);
    assert_eq!(code(&out), exit_code(Code::Ok), "{}", describe(&out));
    let back = envseal::key::read_key_file(&new_path, &mut |_| {}).unwrap();
    assert_eq!(back.id(), new.id());
    assert_eq!(
        open(&p.read(".env.staging.encrypted"), &new).unwrap(),
        STAGING.as_bytes()
    );
}

/// `.env.encrypted` is a link to a file kept outside the project.
fn linked() -> (Project, Key, PathBuf) {
    let p = Project::plain();
    let k = p.add_key();
    let real_dir = p.home.join("secrets");
    std::fs::create_dir_all(&real_dir).unwrap();
    p.seal(".env", PLAIN, &k, &[]);
    let real = real_dir.join(".env.encrypted");
    std::fs::rename(p.path(".env.encrypted"), &real).unwrap();
    std::os::unix::fs::symlink("../home/secrets/.env.encrypted", p.path(".env.encrypted")).unwrap();
    (p, k, real)
}

fn still_a_link(p: &Project) {
    let meta = std::fs::symlink_metadata(p.path(".env.encrypted")).unwrap();
    assert!(
        meta.file_type().is_symlink(),
        "the link was replaced by a file"
    );
}

#[test]
fn rotate_writes_through_a_symlinked_encrypted_file() {
    let (p, old, real) = linked();
    p.ok(["rotate", "--force", "--reason", "linked"]);
    still_a_link(&p);
    let new_id = kid_of(&std::fs::read(&real).unwrap()).unwrap();
    assert_ne!(
        new_id,
        old.id(),
        "the link's target stayed under the old key"
    );
    let new = p.keyring_key(&new_id).unwrap();
    assert_eq!(
        open(&std::fs::read(&real).unwrap(), &new).unwrap(),
        PLAIN.as_bytes()
    );
    // The staged file went beside the target, and nothing is left there.
    let names: Vec<String> = std::fs::read_dir(real.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [".env.encrypted"], "{names:?}");
}

#[test]
fn encrypt_writes_through_a_symlinked_encrypted_file() {
    let (p, k, real) = linked();
    p.write(".env", "API_TOKEN=changed-value-42\n");
    p.ok(["encrypt", ".env"]);
    still_a_link(&p);
    assert_eq!(
        open(&std::fs::read(&real).unwrap(), &k).unwrap(),
        b"API_TOKEN=changed-value-42\n"
    );
}

#[test]
fn the_temporary_files_a_rotation_stages_are_gitignored() {
    let p = Project::git();
    let k = p.add_key();
    p.seal(".env", PLAIN, &k, &[]);
    p.ok(["rotate", "--force", "--reason", "q4"]);
    // What a crash would leave until --resume/--abort: ignored by git meanwhile.
    p.write("..env.encrypted.Ab3dE9.tmp", "staged");
    let out = std::process::Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=all"])
        .current_dir(&p.root)
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(!status.contains(".tmp"), "{status}");
}
