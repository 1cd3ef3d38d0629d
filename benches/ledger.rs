//! The ledger's status queries on a ledger of 100,000 rows (50,000 rotations, 50,000
//! events). `envseal status --check` runs in a pre-commit hook: these must stay in the
//! microseconds, not grow with the ledger.
//!
//! Run: `cargo bench --bench ledger`. The ledger is filled once per run through the public
//! API (in `/dev/shm` when it exists, so the fill is not bound by fsync) and removed at exit.

use std::path::PathBuf;
use std::sync::OnceLock;

use divan::Bencher;
use envseal::key::KeyId;
use envseal::ledger::{Ledger, NewEvent, NewRotation, Operation, Outcome};

const ROTATIONS: u64 = 50_000;
const EVENTS: u64 = 50_000;

fn fp(n: u64) -> KeyId {
    format!("sha256:{n:016x}").parse().expect("a key id")
}

static LEDGER: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();

fn filled() -> Ledger {
    let (_, path) = LEDGER.get_or_init(|| {
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::tempdir_in(shm)
        } else {
            tempfile::tempdir()
        }
        .expect("temporary directory");
        let path = dir.path().join("ledger.db");
        let started = std::time::Instant::now();
        fill(&Ledger::open(&path).expect("open"));
        eprintln!(
            "filled {} rotations + {} events in {:.1?}",
            ROTATIONS,
            EVENTS,
            started.elapsed()
        );
        (dir, path)
    });
    Ledger::open(path).expect("open the filled ledger")
}

/// A chain of rotations (key k → k+1): most completed, every 10th failed, the last three
/// left unfinished; events interleaved.
fn fill(l: &Ledger) {
    let per_rotation = EVENTS / ROTATIONS;
    for k in 0..ROTATIONS {
        let id = l
            .begin_rotation(&NewRotation {
                old_key_id: fp(k),
                new_key_id: fp(k + 1),
                reason: format!("scheduled rotation {k}"),
                files: vec![".env.encrypted".into(), ".env.production.encrypted".into()],
                new_key_location: "/home/dev/.config/envseal/keys/new.key".into(),
            })
            .expect("begin");
        if k + 3 >= ROTATIONS {
            if k % 2 == 0 {
                l.set_in_progress(id).expect("in progress");
            }
        } else if k % 10 == 9 {
            l.fail(id, "verification failed").expect("fail");
        } else {
            l.set_in_progress(id).expect("in progress");
            l.complete(id, "2/2 files verified").expect("complete");
        }
        for e in 0..per_rotation {
            l.record_event(&NewEvent {
                operation: if e % 2 == 0 {
                    Operation::Encrypt
                } else {
                    Operation::Decrypt
                },
                file: ".env.encrypted".into(),
                key_id: Some(fp(k)),
                outcome: Outcome::Ok,
                detail: None,
            })
            .expect("event");
        }
    }
    assert_eq!(l.rotation_count().expect("count"), ROTATIONS);
    assert_eq!(l.event_count().expect("count"), EVENTS);
}

/// What `envseal status` asks: the last 20 rotations, the current key's last rotation, the
/// newest completed rotation, and any unfinished one.
#[divan::bench]
fn status_queries(bencher: Bencher) {
    let l = filled();
    let key = fp(ROTATIONS / 2);
    bencher.bench_local(|| {
        let h = l.history(20).expect("history");
        let any = l.last_completed(None).expect("last completed");
        let mine = l
            .last_completed(Some(&key))
            .expect("last completed for key");
        let open = l.unfinished().expect("unfinished");
        (h.len(), any.is_some(), mine.is_some(), open.len())
    });
}

#[divan::bench]
fn history_20(bencher: Bencher) {
    let l = filled();
    bencher.bench_local(|| l.history(20).expect("history").len());
}

#[divan::bench]
fn last_completed(bencher: Bencher) {
    let l = filled();
    let key = fp(ROTATIONS / 2);
    bencher.bench_local(|| {
        let any = l.last_completed(None).expect("last completed");
        let mine = l
            .last_completed(Some(&key))
            .expect("last completed for key");
        (any.is_some(), mine.is_some())
    });
}

#[divan::bench]
fn unfinished(bencher: Bencher) {
    let l = filled();
    bencher.bench_local(|| l.unfinished().expect("unfinished").len());
}

#[divan::bench]
fn events_20(bencher: Bencher) {
    let l = filled();
    bencher.bench_local(|| l.events(20).expect("events").len());
}

/// Opening an existing ledger (every command pays this once).
#[divan::bench]
fn open_existing(bencher: Bencher) {
    let path = {
        drop(filled());
        LEDGER.get().expect("filled").1.clone()
    };
    bencher.bench_local(|| Ledger::open(&path).expect("open"));
}

fn main() {
    drop(filled()); // fill before divan prints its table
    divan::main();
    // A static is never dropped: remove the filled ledger here.
    if let Some((dir, _)) = LEDGER.get() {
        let _ = std::fs::remove_dir_all(dir.path());
    }
}
