//! Concurrent invocations: the rotation lock, and the ledger under parallel writers.

use std::process::Stdio;

use envseal::key::KeyId;
use envseal::ledger::{Operation, Outcome, RotationStatus};

use super::support::*;
use crate::common::{exit_code, Code};

/// Three files under one key, which is both in the keyring and in `old.key`.
fn three_files(p: &Project, rng: &mut Rng) -> (envseal::key::Key, Vec<(String, Vec<u8>)>) {
    let key = p.add_key();
    let mut files = Vec::new();
    for plain in [".env", ".env.staging", "sub/.env"] {
        let body = dotenv(rng, "TOKEN", 20, 100);
        p.seal(plain, body.as_bytes(), &key, &[]);
        files.push((format!("{plain}.encrypted"), body.into_bytes()));
    }
    std::fs::copy(p.keyring_path(&key.id()), p.home.join("old.key")).unwrap();
    (key, files)
}

#[test]
fn two_rotations_at_once_one_wins_the_other_fails_cleanly() {
    let mut rng = Rng::new(seed("two rotations at once"));
    let p = Project::git();
    let (old, files) = three_files(&p, &mut rng);
    let old_key = p.home.join("old.key");
    let spawn = || {
        p.cmd([
            "rotate",
            "--force",
            "--json",
            "--reason",
            "race",
            "--key-file",
            old_key.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let winners: Vec<_> = outs
        .iter()
        .filter(|o| code(o) == exit_code(Code::Ok))
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "{}\n{}",
        describe(&outs[0]),
        describe(&outs[1])
    );
    let loser = outs
        .iter()
        .find(|o| code(o) != exit_code(Code::Ok))
        .unwrap();
    // 9: still locked after 2 s; 4: it got the lock after the winner finished and found
    // no file under the old key any more. Either way it changed nothing.
    assert!(
        [4, 9].contains(&code(loser)),
        "the loser failed unexpectedly:\n{}",
        describe(loser)
    );
    assert!(!stderr(loser).contains("panicked"), "{}", describe(loser));
    let report = json(winners[0]);
    let new_id = KeyId::parse(report["new_key_id"].as_str().unwrap()).unwrap();
    let new = p
        .keyring_key(&new_id)
        .expect("the winner's key is in the keyring");
    for (enc, plain) in &files {
        let bytes = p.read(enc);
        assert_eq!(kid_of(&bytes), Some(new_id.clone()), "{enc}");
        assert_eq!(open(&bytes, &new).as_deref(), Some(&plain[..]), "{enc}");
        assert!(open(&bytes, &old).is_none());
    }
    let ledger = p.ledger().unwrap();
    let history = ledger.history(10).unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0].status, RotationStatus::Completed);
    assert!(ledger.unfinished().unwrap().is_empty());
    // The loser created no key: the keyring holds the old and the winner's key only.
    assert_eq!(p.keyring_files().len(), 2, "{:?}", p.keyring_files());
}

#[test]
fn rotate_while_the_rotation_lock_is_held_exits_busy_and_changes_nothing() {
    let mut rng = Rng::new(seed("lock held"));
    let p = Project::git();
    let (_, files) = three_files(&p, &mut rng);
    let before: Vec<Vec<u8>> = files.iter().map(|(f, _)| p.read(f)).collect();
    let keys = p.keyring_files();
    let lock = envseal::fsutil::lock(
        &p.root.join(".envseal/rotate.lock"),
        std::time::Duration::ZERO,
    )
    .unwrap()
    .expect("nobody else holds it");
    let out = p.run(["rotate", "--force"]);
    drop(lock);
    assert_eq!(code(&out), exit_code(Code::Busy), "{}", describe(&out));
    assert!(stderr(&out).contains("another envseal rotation is running"));
    for ((f, _), b) in files.iter().zip(&before) {
        assert!(p.read(f) == *b, "{f} changed");
    }
    assert_eq!(p.keyring_files(), keys, "a key was created");
    assert!(backups_of(&p, ".env.encrypted").is_empty());
}

#[test]
fn parallel_decrypts_record_every_event_and_keep_the_ledger_intact() {
    const THREADS: usize = 8;
    const EACH: usize = 20;
    let mut rng = Rng::new(seed("parallel decrypts"));
    let p = Project::git();
    let key = p.add_key();
    let body = dotenv(&mut rng, "API_TOKEN", 10, 40);
    p.seal(".env", body.as_bytes(), &key, &[]);
    // encrypt created the ledger, so every decrypt to a file is recorded (`--stdout` is
    // a read-only view and records nothing: checked at the end).
    let before = p
        .ledger()
        .expect("encrypt creates the ledger")
        .event_count()
        .unwrap();

    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (p, body) = (&p, &body);
            s.spawn(move || {
                for i in 0..EACH {
                    let dest = format!("out-{t}-{i}.env");
                    let out = p.run(["decrypt", ".env.encrypted", "-o", dest.as_str()]);
                    assert_eq!(
                        code(&out),
                        exit_code(Code::Ok),
                        "thread {t} run {i}:\n{}",
                        describe(&out)
                    );
                    assert!(p.read(&dest) == body.as_bytes(), "thread {t} run {i}");
                    assert!(
                        !stderr(&out).contains("ledger was not updated"),
                        "thread {t} run {i}: {}",
                        stderr(&out)
                    );
                }
            });
        }
    });

    let out = p.run(["decrypt", ".env.encrypted", "--stdout"]);
    assert_eq!(code(&out), exit_code(Code::Ok), "{}", describe(&out));
    let ledger = p.ledger().unwrap();
    assert_eq!(
        ledger.event_count().unwrap(),
        before + (THREADS * EACH) as u64
    );
    let events = ledger.events(THREADS * EACH).unwrap();
    assert!(events.iter().all(|e| e.operation == Operation::Decrypt
        && e.outcome == Outcome::Ok
        && e.file == ".env.encrypted"
        && e.key_id == Some(key.id())));
    drop(ledger);
    let conn = rusqlite::Connection::open(p.ledger_path()).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}
