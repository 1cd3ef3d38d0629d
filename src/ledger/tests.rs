//! Ledger tests, on real SQLite files in temporary directories.

use super::*;
use tempfile::TempDir;

fn fp(n: u64) -> KeyId {
    format!("sha256:{n:016x}").parse().expect("a key id")
}

fn temp_ledger() -> (TempDir, Ledger) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = Ledger::open(&dir.path().join(".envseal/ledger.db")).expect("open");
    (dir, ledger)
}

fn new_rotation(old: u64, new: u64) -> NewRotation {
    NewRotation {
        old_key_id: fp(old),
        new_key_id: fp(new),
        reason: "Q4 2026".into(),
        files: vec![".env.encrypted".into(), "api/.env.encrypted".into()],
        new_key_location: "~/.config/envseal/keys/new.key".into(),
    }
}

fn event(op: Operation, key: Option<u64>) -> NewEvent {
    NewEvent {
        operation: op,
        file: ".env.encrypted".into(),
        key_id: key.map(fp),
        outcome: Outcome::Ok,
        detail: None,
    }
}

/// A rotation driven all the way to `completed`.
fn completed(l: &Ledger, old: u64, new: u64) -> RotationId {
    let id = l.begin_rotation(&new_rotation(old, new)).expect("begin");
    l.set_in_progress(id).expect("in progress");
    l.complete(id, "2/2 files verified").expect("complete");
    id
}

#[cfg(unix)]
#[test]
fn open_creates_private_dir_and_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("project/.envseal/ledger.db");
    let ledger = Ledger::open(&path).expect("open");
    ledger
        .record_event(&event(Operation::Encrypt, Some(1)))
        .expect("write");
    let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().expect("parent")), 0o700);
    // SQLite copies the database's mode to its side files.
    assert_eq!(mode(&path.with_extension("db-wal")), 0o600);
    assert_eq!(mode(&path.with_extension("db-shm")), 0o600);
}

#[test]
fn reopening_is_idempotent_and_keeps_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ledger.db");
    let id = completed(&Ledger::open(&path).expect("open"), 1, 2);
    for _ in 0..3 {
        let l = Ledger::open(&path).expect("reopen");
        let version: i64 = l
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(version, SCHEMA_VERSION);
        let mode: String = l
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("mode");
        assert_eq!(mode, "wal");
        assert_eq!(l.rotation_count().expect("count"), 1);
        assert_eq!(l.history(5).expect("history")[0].id, id);
    }
}

#[test]
fn a_newer_schema_is_refused() {
    let (dir, l) = temp_ledger();
    l.conn
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("bump");
    drop(l);
    let path = dir.path().join(".envseal/ledger.db");
    let err = Ledger::open(&path).expect_err("must refuse");
    assert!(
        matches!(err, LedgerError::TooNew { found, supported, .. }
            if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("upgrade envseal"), "{msg}");
}

#[test]
fn foreign_files_are_refused_not_altered() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Another application's SQLite database.
    let other = dir.path().join("other.db");
    let conn = Connection::open(&other).expect("open other");
    conn.execute_batch("CREATE TABLE t (x)").expect("create");
    drop(conn);
    let err = Ledger::open(&other).expect_err("foreign database");
    assert!(matches!(err, LedgerError::NotALedger { .. }), "{err:?}");
    // Not a database at all.
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "x".repeat(4096)).expect("write");
    let err = Ledger::open(&text).expect_err("not a database");
    assert!(matches!(err, LedgerError::Open { .. }), "{err:?}");
    assert!(err.to_string().contains("--ledger"), "{err}");
}

#[test]
fn open_if_exists_creates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(".envseal/ledger.db");
    assert!(Ledger::open_if_exists(&path).expect("probe").is_none());
    assert!(!path.parent().expect("parent").exists());
    drop(Ledger::open(&path).expect("open"));
    assert!(Ledger::open_if_exists(&path).expect("probe").is_some());
}

#[test]
fn rotation_lifecycle() {
    let (_dir, l) = temp_ledger();
    let id = l.begin_rotation(&new_rotation(1, 2)).expect("begin");
    let r = &l.unfinished().expect("unfinished")[0];
    assert_eq!((r.id, r.status), (id, RotationStatus::Initiated));
    assert_eq!(r.files, [".env.encrypted", "api/.env.encrypted"]);
    assert_eq!(r.finished_at, None);
    assert!(r.actor.contains('@'), "{}", r.actor);
    assert_eq!(r.tool_version, env!("CARGO_PKG_VERSION"));

    l.set_in_progress(id).expect("in progress");
    assert_eq!(
        l.unfinished().expect("unfinished")[0].status,
        RotationStatus::InProgress
    );

    l.complete(id, "2/2 files verified").expect("complete");
    assert!(l.unfinished().expect("unfinished").is_empty());
    let r = l.last_completed(None).expect("query").expect("one");
    assert_eq!(r.status, RotationStatus::Completed);
    assert_eq!(r.verification.as_deref(), Some("2/2 files verified"));
    assert_eq!(r.failure_reason, None);
    let finished = r.finished_at.expect("finished_at");
    assert!(finished >= r.started_at);
    assert_eq!(
        r.duration_ms,
        Some((finished - r.started_at).num_milliseconds())
    );
    assert_eq!(r.new_key_location, "~/.config/envseal/keys/new.key");

    // Serialises for `status --json`, times as RFC 3339 UTC.
    let json = serde_json::to_value(&r).expect("json");
    assert_eq!(json["status"], "completed");
    assert_eq!(json["id"], id.0);
    assert!(json["started_at"].as_str().expect("str").ends_with('Z'));

    // failed and rolled_back record the reason.
    let f = l.begin_rotation(&new_rotation(2, 3)).expect("begin");
    l.set_in_progress(f).expect("in progress");
    l.fail(f, "verification failed").expect("fail");
    let b = l.begin_rotation(&new_rotation(2, 4)).expect("begin");
    l.set_status(b, RotationStatus::RolledBack, Some("resumed: rolled back"))
        .expect("roll back");
    let h = l.history(10).expect("history");
    assert_eq!(h[0].status, RotationStatus::RolledBack);
    assert_eq!(h[0].failure_reason.as_deref(), Some("resumed: rolled back"));
    assert_eq!(h[1].status, RotationStatus::Failed);
    assert_eq!(h[1].failure_reason.as_deref(), Some("verification failed"));
    assert!(h[1].finished_at.is_some() && h[1].duration_ms.is_some());
}

#[test]
fn invalid_transitions_are_rejected() {
    let (_dir, l) = temp_ledger();
    let err = l.complete(RotationId(42), "x").expect_err("unknown");
    assert!(matches!(
        err,
        LedgerError::UnknownRotation {
            id: RotationId(42),
            ..
        }
    ));

    let id = l.begin_rotation(&new_rotation(1, 2)).expect("begin");
    // completing must go through in_progress
    let err = l.complete(id, "x").expect_err("initiated -> completed");
    assert!(matches!(
        err,
        LedgerError::InvalidTransition {
            from: RotationStatus::Initiated,
            to: RotationStatus::Completed,
            ..
        }
    ));
    let err = l
        .set_status(id, RotationStatus::Initiated, None)
        .expect_err("to initiated");
    assert!(matches!(err, LedgerError::InvalidTransition { .. }));
    l.set_in_progress(id).expect("in progress");
    assert!(l.set_in_progress(id).is_err(), "in_progress twice");
    l.complete(id, "2/2 files verified").expect("complete");
    // end states are final
    for attempt in [
        l.complete(id, "again"),
        l.fail(id, "late"),
        l.roll_back(id, "late"),
        l.set_in_progress(id),
    ] {
        let err = attempt.expect_err("finished rotation");
        assert!(
            matches!(
                err,
                LedgerError::InvalidTransition {
                    from: RotationStatus::Completed,
                    ..
                }
            ),
            "{err:?}"
        );
    }
    // the rejected attempts changed nothing
    let r = l.last_completed(None).expect("query").expect("one");
    assert_eq!(r.verification.as_deref(), Some("2/2 files verified"));
    assert_eq!(r.failure_reason, None);
}

#[test]
fn one_unfinished_rotation_per_key() {
    let (_dir, l) = temp_ledger();
    let first = l.begin_rotation(&new_rotation(1, 2)).expect("begin");
    let err = l
        .begin_rotation(&new_rotation(1, 3))
        .expect_err("second rotation of key 1");
    assert!(matches!(err, LedgerError::RotationPending { id, .. } if id == first));
    assert!(err.to_string().contains(fp(1).as_str()), "{err}");
    // another key (another environment) may rotate meanwhile
    l.begin_rotation(&new_rotation(7, 8)).expect("other key");
    l.roll_back(first, "aborted").expect("roll back");
    l.begin_rotation(&new_rotation(1, 3))
        .expect("after roll back");
}

#[test]
fn unfinished_and_history_ordering() {
    let (_dir, l) = temp_ledger();
    let a = completed(&l, 1, 2);
    let b = l.begin_rotation(&new_rotation(10, 11)).expect("begin");
    let c = l.begin_rotation(&new_rotation(20, 21)).expect("begin");
    l.set_in_progress(c).expect("in progress");
    let d = completed(&l, 2, 3);

    let unfinished: Vec<_> = l
        .unfinished()
        .expect("unfinished")
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(unfinished, [b, c], "oldest first");
    let history: Vec<_> = l
        .history(10)
        .expect("history")
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(history, [d, c, b, a], "newest first");
    let two: Vec<_> = l
        .history(2)
        .expect("history")
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(two, [d, c]);
    assert!(l.history(0).expect("history").is_empty());
    assert_eq!(l.rotation_count().expect("count"), 4);
}

#[test]
fn last_completed_by_key() {
    let (_dir, l) = temp_ledger();
    assert!(l.last_completed(None).expect("query").is_none());
    let first = completed(&l, 1, 2);
    let second = completed(&l, 2, 3);
    let failed = l.begin_rotation(&new_rotation(3, 4)).expect("begin");
    l.fail(failed, "key file not writable").expect("fail");
    assert_eq!(l.last_completed(None).expect("q").expect("some").id, second);
    assert_eq!(
        l.last_completed(Some(&fp(2))).expect("q").expect("some").id,
        first
    );
    assert_eq!(
        l.last_completed(Some(&fp(3))).expect("q").expect("some").id,
        second
    );
    // a failed rotation to key 4 does not make key 4 current
    assert!(l.last_completed(Some(&fp(4))).expect("q").is_none());
}

#[test]
fn events_round_trip() {
    let (_dir, l) = temp_ledger();
    let ok = l
        .record_event(&event(Operation::Encrypt, Some(1)))
        .expect("record");
    let failed = l
        .record_event(&NewEvent {
            operation: Operation::Decrypt,
            file: ".env.production.encrypted".into(),
            key_id: Some(fp(9)),
            outcome: Outcome::Failed,
            detail: Some("wrong key".into()),
        })
        .expect("record");
    l.record_event(&event(Operation::Run, None))
        .expect("record");
    assert_eq!(l.event_count().expect("count"), 3);
    let events = l.events(2).expect("events");
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].operation, Operation::Run);
    assert_eq!(events[0].key_id, None);
    let e = &events[1];
    assert_eq!(e.id, failed);
    assert_eq!(
        (e.operation, e.outcome),
        (Operation::Decrypt, Outcome::Failed)
    );
    assert_eq!(e.detail.as_deref(), Some("wrong key"));
    assert_eq!(e.key_id, Some(fp(9)));
    assert!(ok < failed);
    let json = serde_json::to_value(e).expect("json");
    assert_eq!(json["operation"], "decrypt");
    assert_eq!(json["outcome"], "failed");
}

#[test]
fn a_batch_of_events_is_all_or_nothing() {
    let (_dir, l) = temp_ledger();
    let batch: Vec<NewEvent> = (1..=3).map(|k| event(Operation::Rotate, Some(k))).collect();
    let ids = l.record_events(&batch).expect("record");
    assert_eq!(ids.len(), 3);
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let events = l.events(10).expect("events");
    assert_eq!(
        events
            .iter()
            .rev()
            .map(|e| e.key_id.clone())
            .collect::<Vec<_>>(),
        batch.iter().map(|e| e.key_id.clone()).collect::<Vec<_>>()
    );
    // One failing insert refuses the whole batch; nothing is written.
    let mut bad = batch.clone();
    bad[1].file = "refused".into();
    l.conn
        .execute_batch(
            "CREATE TEMP TRIGGER refuse BEFORE INSERT ON events WHEN NEW.file = 'refused'
             BEGIN SELECT RAISE(ABORT, 'refused'); END;",
        )
        .expect("trigger");
    assert!(matches!(
        l.record_events(&bad),
        Err(LedgerError::Sql { .. })
    ));
    assert_eq!(l.event_count().expect("count"), 3);
    assert!(l.record_events(&[]).expect("empty").is_empty());
}

/// Key ids are typed: key text never becomes a [`KeyId`] (so no ledger call can take
/// one), the refusal does not echo it, and a row whose stored id is not one (edited by
/// hand, or written by something else) reads as a corrupt ledger, not as a string.
#[test]
fn key_ids_are_typed_at_the_boundary() {
    let key_text = "q6Bvx2RuV0pBpQ2dC3xJ1nqS8mFhK8YQe2Tz1mLrGZk=";
    let err = key_text.parse::<KeyId>().expect_err("key text as key id");
    assert!(
        !err.to_string().contains(key_text),
        "the error must not echo it"
    );
    for bad in [
        "",
        "sha256:",
        "sha256:1234567",
        "sha256:ABCDEF0123456789",
        "sha256:0123456789abcdef0",
        "md5:0123456789abcdef",
    ] {
        assert!(bad.parse::<KeyId>().is_err(), "{bad}");
    }
    assert!("sha256:3f9a0c1d2e4b5a6c".parse::<KeyId>().is_ok());

    let (_dir, l) = temp_ledger();
    completed(&l, 1, 2);
    l.record_event(&event(Operation::Encrypt, Some(1)))
        .expect("record");
    l.conn
        .execute_batch(&format!(
            "UPDATE rotations SET new_key_id = '{key_text}'; UPDATE events SET key_id = 'nope';"
        ))
        .expect("tamper");
    let err = l.history(10).expect_err("a rotation row with key text");
    assert!(matches!(err, LedgerError::Corrupt { .. }), "{err:?}");
    assert!(!err.to_string().contains(key_text), "{err}");
    assert!(matches!(l.events(10), Err(LedgerError::Corrupt { .. })));
}

#[test]
fn default_and_resolved_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("repo");
    let deep = root.join("services/api");
    std::fs::create_dir_all(&deep).expect("mkdir");
    // no .git anywhere below the temp dir: start_dir itself
    // (the temp dir may sit inside a git checkout; only assert when it does not)
    if !dir.path().ancestors().any(|a| a.join(".git").exists()) {
        assert_eq!(default_path(&deep), deep.join(".envseal/ledger.db"));
    }
    std::fs::create_dir(root.join(".git")).expect("mkdir .git");
    assert_eq!(default_path(&deep), root.join(".envseal/ledger.db"));
    assert_eq!(default_path(&root), root.join(".envseal/ledger.db"));
    // a worktree or submodule has a .git *file*
    std::fs::write(deep.join(".git"), "gitdir: ../../.git/worktrees/api\n").expect("write");
    assert_eq!(default_path(&deep), deep.join(".envseal/ledger.db"));

    let cli = Path::new("/var/lib/envseal/cli.db");
    let env = Some(std::ffi::OsString::from("env.db"));
    assert_eq!(resolve_path_from(Some(cli), env.clone(), &root), cli);
    assert_eq!(resolve_path_from(None, env, &root), root.join("env.db"));
    let empty = Some(std::ffi::OsString::new());
    assert_eq!(resolve_path_from(None, empty, &deep), default_path(&deep));
    assert_eq!(resolve_path_from(None, None, &deep), default_path(&deep));
}

/// Eight writers at once, each committing 30 events and 3 rotations (one fsync each),
/// several times what eight envseal commands started together write: none fails, no row
/// is lost. The claim holds while every writer gets its turn within [`BUSY_TIMEOUT`]; the
/// writes here take well under a second on a quiet machine. With 200 events per writer
/// the run itself took about 5 s, so at a load average of 17 one writer was once starved
/// past the timeout: that measured the machine, not the ledger.
#[test]
fn concurrent_writers_never_fail_or_lose_rows() {
    const THREADS: u64 = 8;
    const EVENTS: u64 = 30;
    const ROTATIONS: u64 = 3;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(".envseal/ledger.db");
    let barrier = std::sync::Barrier::new(THREADS as usize);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (path, barrier) = (&path, &barrier);
            s.spawn(move || {
                barrier.wait(); // every thread opens the fresh file at once
                let l = Ledger::open(path).expect("open");
                for i in 0..EVENTS {
                    l.record_event(&event(Operation::Encrypt, Some(t * 1000 + i)))
                        .expect("record");
                    if i % (EVENTS / ROTATIONS) == 0 && i / (EVENTS / ROTATIONS) < ROTATIONS {
                        completed(&l, t * 1000 + i, t * 1000 + i + 1);
                    }
                }
            });
        }
    });
    let l = Ledger::open(&path).expect("open");
    assert_eq!(l.event_count().expect("count"), THREADS * EVENTS);
    assert_eq!(l.rotation_count().expect("count"), THREADS * ROTATIONS);
    assert!(l.unfinished().expect("unfinished").is_empty());
    let files: i64 = l
        .conn
        .query_row("SELECT count(*) FROM rotation_files", [], |r| r.get(0))
        .expect("files");
    assert_eq!(files as u64, THREADS * ROTATIONS * 2);
    let check: String = l
        .conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok");
}

/// Documents the invariant that the ledger never holds a key or a value: no function takes
/// one, and the bytes of the key and the value used in this "session" appear nowhere in the
/// database or its write-ahead log, while the fingerprint (the sanity check that the scan
/// sees the data) does.
#[test]
fn no_key_or_value_reaches_the_file() {
    use sha2::{Digest, Sha256};
    let key_text = "q6Bvx2RuV0pBpQ2dC3xJ1nqS8mFhK8YQe2Tz1mLrGZk=";
    let value = "sk_live_51HqLyjWDarjtT1zdp7dcXpR0";
    let digest = Sha256::digest(key_text.as_bytes());
    let key_id: KeyId = format!(
        "sha256:{}",
        digest[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
    .parse()
    .expect("a key id");

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(".envseal/ledger.db");
    let l = Ledger::open(&path).expect("open");
    for op in [Operation::Encrypt, Operation::Decrypt, Operation::Run] {
        let mut e = event(op, None);
        e.key_id = Some(key_id.clone());
        l.record_event(&e).expect("record");
    }
    let id = l
        .begin_rotation(&NewRotation {
            old_key_id: key_id.clone(),
            new_key_id: fp(0xfeed),
            reason: "STRIPE_SECRET_KEY leaked in a screenshot".into(),
            files: vec![".env.production.encrypted".into()],
            new_key_location: "/home/dev/.config/envseal/keys/new.key".into(),
        })
        .expect("begin");
    l.set_in_progress(id).expect("in progress");
    l.fail(id, "wrong key").expect("fail");

    let needles: [(&str, &[u8]); 3] = [
        ("key text", key_text.as_bytes()),
        ("value", value.as_bytes()),
        ("raw key digest", &digest[..]),
    ];
    let wal = path.with_extension("db-wal");
    // Returns whether the fingerprint was seen, to prove the scan looks at the rows.
    let scan = |file: &Path| -> bool {
        let bytes = std::fs::read(file).expect("read the ledger bytes");
        for (what, needle) in needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "the {what} was found in {}",
                file.display()
            );
        }
        bytes
            .windows(key_id.as_str().len())
            .any(|w| w == key_id.as_str().as_bytes())
    };
    // While open, the rows sit in the write-ahead log.
    let in_wal = scan(&wal);
    let in_db = scan(&path);
    assert!(
        in_wal || in_db,
        "the scan must see the recorded fingerprint"
    );
    // The last close checkpoints the log into the database file.
    drop(l);
    assert!(scan(&path), "after close the rows are in the database file");
    if wal.exists() {
        scan(&wal);
    }
    assert_eq!(
        Ledger::open(&path)
            .expect("reopen")
            .event_count()
            .expect("count"),
        3
    );
}

/// The status queries must walk an index, never the whole table, and never sort it.
#[test]
fn status_queries_use_indexes() {
    let (_dir, l) = temp_ledger();
    // The ledger never runs ANALYZE, so the planner works from the schema alone, as here.
    for k in 0..50 {
        completed(&l, k, k + 1);
        l.record_event(&event(Operation::Encrypt, Some(k)))
            .expect("record");
    }
    let key = fp(3);
    let cases: [(&str, &[&dyn rusqlite::ToSql]); 7] = [
        (SQL_HISTORY, &[&20_i64]),
        (SQL_UNFINISHED, &[]),
        (SQL_LAST_COMPLETED, &[]),
        (SQL_LAST_COMPLETED_FOR_KEY, &[&key]),
        (SQL_PENDING_FOR_KEY, &[&key]),
        (SQL_ROTATION_FILES, &[&1_i64]),
        (SQL_EVENTS, &[&20_i64]),
    ];
    for (sql, params) in cases {
        let mut stmt = l
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("explain");
        let plan: Vec<String> = stmt
            .query_map(params, |r| r.get(3))
            .expect("plan")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        let text = plan.join(" | ");
        assert!(
            text.contains("USING INDEX")
                || text.contains("USING COVERING INDEX")
                || text.contains("USING PRIMARY KEY"),
            "no index for {sql}: {text}"
        );
        println!("{sql}\n    -> {text}");
        for line in &plan {
            // `SCAN t USING INDEX i` under a LIMIT is an ordered index walk that stops
            // after LIMIT rows; a bare `SCAN t` reads the whole table.
            assert!(
                !line.starts_with("SCAN") || line.contains("USING INDEX"),
                "full scan in {sql}: {text}"
            );
            if line.starts_with("SCAN") {
                // ...and must stop early, or walk the partial index of unfinished rows.
                assert!(
                    sql.contains("LIMIT") || line.contains("USING INDEX rotations_unfinished"),
                    "unbounded index walk in {sql}: {text}"
                );
            }
            assert!(!line.contains("TEMP B-TREE"), "sort in {sql}: {text}");
        }
    }
}

/// The same property measured instead of read from the plan: a status query's work does
/// not grow with the table (SQLite's own step counter, not a clock).
#[test]
fn status_query_work_does_not_grow_with_the_table() {
    let (_dir, l) = temp_ledger();
    let work =
        |l: &Ledger, rows: u64| {
            let tx =
                Transaction::new_unchecked(&l.conn, TransactionBehavior::Immediate).expect("tx");
            let base = l.rotation_count().expect("count");
            for k in base..base + rows {
                tx.execute(
                "INSERT INTO rotations (status, old_key_id, new_key_id, reason, new_key_location,
                 started_at, finished_at, actor, tool_version)
                 VALUES ('completed', ?1, ?2, '', '', ?3, ?3, 'a@b', '0')",
                params![fp(k), fp(k + 1), format!("2026-01-01T00:00:00.{:03}Z", k % 1000)],
            )
            .expect("insert");
            }
            tx.commit().expect("commit");
            let mut steps = 0;
            for (sql, params) in [
                (SQL_HISTORY, &[&20_i64 as &dyn rusqlite::ToSql][..]),
                (SQL_UNFINISHED, &[]),
                (SQL_LAST_COMPLETED, &[]),
            ] {
                let mut stmt = l.conn.prepare(sql).expect("prepare");
                let mut rows = stmt.query(params).expect("query");
                while rows.next().expect("step").is_some() {}
                drop(rows);
                steps += stmt.get_status(rusqlite::StatementStatus::VmStep);
            }
            steps
        };
    let small = work(&l, 100);
    let large = work(&l, 5_000);
    assert!(
        large <= small + 50,
        "work grew from {small} to {large} VM steps"
    );
}
