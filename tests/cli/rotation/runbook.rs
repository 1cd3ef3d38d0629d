//! The runbook's promises, one at a time: confirmation, refusing mixed keys, formats
//! kept, backups, and recovery from every state an interrupted rotation can leave.

use envseal::key::Key;
use envseal::ledger::{Ledger, NewRotation, RotationId, RotationStatus};

use super::support::*;
use crate::common::{exit_code, Code};

const FILES: [&str; 3] = [".env", ".env.staging", "sub/.env"];

/// Three v1 files under one keyring key. Returns the key and (encrypted name, plaintext).
fn project(p: &Project, rng: &mut Rng) -> (Key, Vec<(String, Vec<u8>)>) {
    let key = p.add_key();
    let mut files = Vec::new();
    for plain in FILES {
        let body = dotenv(rng, "PASSWORD", 8, 32);
        p.seal(plain, body.as_bytes(), &key, &[]);
        files.push((format!("{plain}.encrypted"), body.into_bytes()));
    }
    (key, files)
}

fn snapshot(p: &Project, files: &[(String, Vec<u8>)]) -> Vec<Vec<u8>> {
    files.iter().map(|(f, _)| p.read(f)).collect()
}

fn assert_unchanged(p: &Project, files: &[(String, Vec<u8>)], before: &[Vec<u8>]) {
    for ((f, _), b) in files.iter().zip(before) {
        assert!(p.read(f) == *b, "{f} changed");
        assert!(backups_of(p, f).is_empty(), "{f} was backed up");
    }
}

fn rotation_count(p: &Project) -> u64 {
    p.ledger().map_or(0, |l| l.rotation_count().unwrap())
}

#[test]
fn rotate_without_force_and_without_a_terminal_refuses_and_changes_nothing() {
    let p = Project::git();
    let (_, files) = project(&p, &mut Rng::new(1));
    let before = snapshot(&p, &files);
    let keys = p.keyring_files();
    let out = p.run(["rotate"]);
    assert_eq!(code(&out), exit_code(Code::Refused), "{}", describe(&out));
    assert!(stderr(&out).contains("--force"), "{}", describe(&out));
    assert_unchanged(&p, &files, &before);
    assert_eq!(p.keyring_files(), keys, "a key was created");
    assert_eq!(rotation_count(&p), 0);
}

#[test]
fn rotate_named_files_one_under_another_key_fails_before_changing_anything() {
    let p = Project::git();
    let (key, mut files) = project(&p, &mut Rng::new(2));
    let other = p.add_key();
    p.seal(".env.other", "OTHER_TOKEN=abc\n", &other, &[]);
    files.push((".env.other.encrypted".into(), b"OTHER_TOKEN=abc\n".to_vec()));
    let before = snapshot(&p, &files);
    let keys = p.keyring_files();
    let out = p.run([
        "rotate",
        "--force",
        "--key-file",
        p.keyring_path(&key.id()).to_str().unwrap(),
        ".env.encrypted",
        ".env.other.encrypted",
    ]);
    assert_eq!(code(&out), exit_code(Code::WrongKey), "{}", describe(&out));
    assert!(
        stderr(&out).contains("nothing was changed"),
        "{}",
        describe(&out)
    );
    assert_unchanged(&p, &files, &before);
    assert_eq!(p.keyring_files(), keys, "a key was created");
    assert_eq!(rotation_count(&p), 0);

    // Without FILE arguments the file under the other key is skipped, left as it is.
    let out = p.ok([
        "rotate",
        "--force",
        "--no-backup",
        "--key-file",
        p.keyring_path(&key.id()).to_str().unwrap(),
    ]);
    assert!(stderr(&out).contains("not rotated: .env.other.encrypted uses another key"));
    assert!(p.read(".env.other.encrypted") == before[3]);
    assert_ne!(kid_of(&p.read(".env.encrypted")), Some(key.id()));
}

#[test]
fn rotating_a_fernet_file_keeps_it_fernet() {
    let p = Project::git();
    let key = p.add_key();
    let plain = b"DJANGO_SECRET_KEY=legacy-value\nDEBUG=False\n";
    p.seal(".env", plain, &key, &["--format", "fernet"]);
    let out = p.ok([
        "rotate",
        "--force",
        "--json",
        "--key-file",
        p.keyring_path(&key.id()).to_str().unwrap(),
    ]);
    let report = json(&out);
    let new_path = report["new_key_location"].as_str().unwrap();
    let new = envseal::key::read_key_file(new_path.as_ref(), &mut |_| {}).unwrap();
    assert_eq!(new.id().as_str(), report["new_key_id"]);
    let bytes = p.read(".env.encrypted");
    assert_eq!(
        envseal::format::detect(&bytes),
        Some(envseal::format::Format::Fernet)
    );
    assert_eq!(open(&bytes, &new).as_deref(), Some(&plain[..]));
    assert!(open(&bytes, &key).is_none());
    // And the binary decrypts it with the new key.
    let out = p.ok([
        "decrypt",
        ".env.encrypted",
        "--stdout",
        "--key-file",
        new_path,
    ]);
    assert_eq!(out.stdout, plain);
}

#[test]
fn backups_hold_the_old_bytes_and_are_gitignored() {
    let p = Project::git();
    let (_, files) = project(&p, &mut Rng::new(3));
    let before = snapshot(&p, &files);
    p.ok(["rotate", "--force"]);
    for ((f, _), old) in files.iter().zip(&before) {
        let b = backups_of(&p, f);
        assert_eq!(b.len(), 1, "{f}: {b:?}");
        assert!(std::fs::read(&b[0]).unwrap() == *old, "{f}: backup differs");
        let name = b[0].file_name().unwrap().to_str().unwrap().to_owned();
        let stamp = name.rsplit_once(".backup_").unwrap().1;
        assert!(
            chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ").is_ok(),
            "{name}"
        );
    }
    let gitignore = String::from_utf8(p.read(".gitignore")).unwrap();
    assert!(gitignore.lines().any(|l| l == "*.backup_*"), "{gitignore}");
    let status = std::process::Command::new("git")
        .args(["check-ignore", "-q", "sub/.env.encrypted.backup_x"])
        .current_dir(&p.root)
        .status()
        .unwrap();
    assert!(status.success(), "backups are not ignored by git");

    // --no-backup writes none (the first rotation's backups stay as they were).
    p.ok(["rotate", "--force", "--no-backup"]);
    for (f, _) in &files {
        assert_eq!(backups_of(&p, f).len(), 1, "{f}");
    }
}

#[test]
fn no_backup_in_a_plain_directory_touches_no_gitignore() {
    let p = Project::plain();
    let (_, files) = project(&p, &mut Rng::new(4));
    let gitignore_before = std::fs::read(p.path(".gitignore")).ok();
    p.ok(["rotate", "--force", "--no-backup"]);
    for (f, _) in &files {
        assert!(backups_of(&p, f).is_empty());
    }
    assert_eq!(std::fs::read(p.path(".gitignore")).ok(), gitignore_before);
}

/// Regression: the backup name has one-second resolution, so a second rotation within
/// the same second (rotate, --abort, rotate again; or two quick scripted rotations) found
/// its backup name taken and failed with an I/O error.
#[test]
fn a_backup_name_already_taken_does_not_fail_the_rotation() {
    let p = Project::git();
    let (key, files) = project(&p, &mut Rng::new(5));
    let before = snapshot(&p, &files);
    // Occupy the names for this second and the next few.
    let now = chrono::Utc::now();
    let mut taken = Vec::new();
    for s in 0..5 {
        let stamp = (now + chrono::Duration::seconds(s)).format("%Y%m%dT%H%M%SZ");
        for (f, _) in &files {
            let path = p.path(&format!("{f}.backup_{stamp}"));
            std::fs::write(&path, b"an earlier backup").unwrap();
            taken.push(path);
        }
    }
    let out = p.run(["rotate", "--force"]);
    assert_eq!(code(&out), exit_code(Code::Ok), "{}", describe(&out));
    for path in &taken {
        assert_eq!(std::fs::read(path).unwrap(), b"an earlier backup");
    }
    for ((f, _), old) in files.iter().zip(&before) {
        let fresh: Vec<_> = backups_of(&p, f)
            .into_iter()
            .filter(|b| !taken.contains(b))
            .collect();
        assert_eq!(fresh.len(), 1, "{f}: {fresh:?}");
        assert!(std::fs::read(&fresh[0]).unwrap() == *old);
        assert_ne!(kid_of(&p.read(f)), Some(key.id()));
    }
}

/// An unfinished rotation from `old` to a new keyring key, as a crash leaves it: the ledger
/// row (`initiated`, or `in_progress` when `started`), and `.env.staging.encrypted`
/// already under the new key when `mixed` (no backup of it, so --abort must re-encrypt).
fn interrupted(
    p: &Project,
    started: bool,
    mixed: bool,
) -> (Key, Key, Vec<(String, Vec<u8>)>, RotationId) {
    let (old, files) = project(p, &mut Rng::new(6));
    let new = p.add_key();
    let ledger = Ledger::open(&p.ledger_path()).unwrap();
    let id = ledger
        .begin_rotation(&NewRotation {
            old_key_id: old.id(),
            new_key_id: new.id(),
            reason: "interrupted".into(),
            files: files.iter().map(|(f, _)| f.clone()).collect(),
            new_key_location: p.keyring_path(&new.id()).display().to_string(),
        })
        .unwrap();
    if started {
        ledger.set_in_progress(id).unwrap();
    }
    if mixed {
        let new_file = p.keyring_path(&new.id());
        p.ok([
            "encrypt",
            ".env.staging",
            "--force",
            "--key-file",
            new_file.to_str().unwrap(),
        ]);
    }
    (old, new, files, id)
}

fn status_of(p: &Project, id: RotationId) -> RotationStatus {
    let l = p.ledger().unwrap();
    l.history(100)
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap()
        .status
}

fn assert_all_under(p: &Project, files: &[(String, Vec<u8>)], key: &Key) {
    for (f, plain) in files {
        let bytes = p.read(f);
        assert_eq!(kid_of(&bytes), Some(key.id()), "{f}");
        assert_eq!(open(&bytes, key).as_deref(), Some(&plain[..]), "{f}");
    }
}

#[test]
fn resume_finishes_a_mixed_rotation() {
    let p = Project::git();
    let (_, new, files, id) = interrupted(&p, true, true);
    let out = p.run(["rotate", "--force"]);
    assert_eq!(
        code(&out),
        9,
        "a new rotation must not start: {}",
        describe(&out)
    );
    assert!(stderr(&out).contains("--resume"));
    let out = p.run(["rotate", "--resume", "--force"]);
    assert_eq!(code(&out), exit_code(Code::Ok), "{}", describe(&out));
    assert_all_under(&p, &files, &new);
    assert_eq!(status_of(&p, id), RotationStatus::Completed);
    assert_eq!(
        p.run(["status", "--check"]).status.code(),
        Some(exit_code(Code::Ok))
    );
}

#[test]
fn abort_undoes_a_mixed_rotation() {
    let p = Project::git();
    let (old, _, files, id) = interrupted(&p, true, true);
    let untouched = [p.read(&files[0].0), p.read(&files[2].0)];
    let out = p.run(["rotate", "--abort", "--force"]);
    assert_eq!(code(&out), exit_code(Code::Ok), "{}", describe(&out));
    assert_all_under(&p, &files, &old);
    assert!(p.read(&files[0].0) == untouched[0] && p.read(&files[2].0) == untouched[1]);
    assert_eq!(status_of(&p, id), RotationStatus::RolledBack);
}

/// Regression: a crash between the ledger's `initiated` and `in_progress` writes left a
/// rotation `--resume` could not finish (`initiated → completed` is not a transition), so
/// it re-encrypted every file and then failed, and kept failing.
#[test]
fn resume_finishes_a_rotation_that_crashed_before_in_progress() {
    let p = Project::git();
    let (_, new, files, id) = interrupted(&p, false, false);
    let out = p.run(["rotate", "--resume", "--force"]);
    assert_eq!(code(&out), exit_code(Code::Ok), "{}", describe(&out));
    assert_all_under(&p, &files, &new);
    assert_eq!(status_of(&p, id), RotationStatus::Completed);
}

#[test]
fn abort_of_a_rotation_that_crashed_before_in_progress_changes_no_file() {
    let p = Project::git();
    let (_, _, files, id) = interrupted(&p, false, false);
    let before = snapshot(&p, &files);
    let out = p.run(["rotate", "--abort", "--force"]);
    assert_eq!(code(&out), exit_code(Code::Ok), "{}", describe(&out));
    assert_unchanged(&p, &files, &before);
    assert_eq!(status_of(&p, id), RotationStatus::RolledBack);
}

#[test]
fn resume_or_abort_with_nothing_unfinished_does_nothing() {
    let p = Project::git();
    let (_, files) = project(&p, &mut Rng::new(7));
    let before = snapshot(&p, &files);
    for flag in ["--resume", "--abort"] {
        let out = p.run(["rotate", flag, "--force"]);
        assert_eq!(code(&out), exit_code(Code::Ok), "{}", describe(&out));
        assert!(stderr(&out).contains("nothing to do"));
    }
    assert_unchanged(&p, &files, &before);
}

/// Regression: `--new-key-file` was recorded as typed, so a relative path in the ledger
/// pointed nowhere when `--resume` ran from another directory.
#[test]
fn the_ledger_records_where_the_new_key_is_as_an_absolute_path() {
    let p = Project::git();
    let (_, files) = project(&p, &mut Rng::new(8));
    let out = p
        .cmd_in(
            &p.root.join("sub"),
            [
                "rotate",
                "--force",
                "--json",
                "--new-key-file",
                "../next.key",
            ],
        )
        .output()
        .unwrap();
    assert_eq!(code(&out), exit_code(Code::Ok), "{}", describe(&out));
    let expected = p.root.join("next.key");
    assert_eq!(
        json(&out)["new_key_location"],
        expected.display().to_string()
    );
    let last = &p.ledger().unwrap().history(1).unwrap()[0];
    assert_eq!(std::path::Path::new(&last.new_key_location), expected);
    let new = envseal::key::read_key_file(&expected, &mut |_| {}).unwrap();
    assert_all_under(&p, &files, &new);
}
