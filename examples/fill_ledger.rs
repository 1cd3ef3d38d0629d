//! Fill a ledger with many rows, through the library's own API (no SQL here), for the
//! `envseal status` benchmark in `scripts/bench-rotate.sh`.
//!
//! ```text
//! cargo run --release --example fill_ledger -- LEDGER [ROTATIONS] [EVENTS] [LAST_KEY_ID]
//! ```
//! Writes ROTATIONS rotations (default 100,000; a chain of made-up key ids, mostly
//! `completed`, some `failed` or `rolled_back`) and EVENTS events (default 100,000). The
//! last rotation ends on LAST_KEY_ID, so `status` finds a real "last rotation" for the
//! project's key. Every write is its own durable transaction, as in real use: put LEDGER on
//! a tmpfs (`/dev/shm`) to fill it in seconds, then move it into place.

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use envseal::key::KeyId;
use envseal::ledger::{Ledger, NewEvent, NewRotation, Operation, Outcome};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .ok_or("usage: fill_ledger LEDGER [ROTATIONS] [EVENTS] [LAST_KEY_ID]")?,
    );
    let rotations: u64 = args.next().map_or(Ok(100_000), |s| s.parse())?;
    let events: u64 = args.next().map_or(Ok(100_000), |s| s.parse())?;
    let last_key: Option<KeyId> = args.next().map(|s| s.parse()).transpose()?;
    let started = Instant::now();
    let ledger = Ledger::open(&path)?;
    let kid = |i: u64| -> KeyId {
        format!("sha256:{:016x}", 0x5eed_0000_0000_0000_u64 + i)
            .parse()
            .expect("a key id")
    };
    for i in 0..rotations {
        let new_key_id = match &last_key {
            Some(k) if i + 1 == rotations => k.clone(),
            _ => kid(i + 1),
        };
        let id = ledger.begin_rotation(&NewRotation {
            old_key_id: kid(i),
            new_key_id,
            reason: format!("scheduled rotation {i}"),
            files: (0..3)
                .map(|f| format!("svc{:03}/.env.e{f}.encrypted", i % 100))
                .collect(),
            new_key_location: format!("/home/ops/.config/envseal/keys/{i:016x}.key"),
        })?;
        match i % 50 {
            0 if i + 1 != rotations => ledger.fail(id, "I/O error (disk full or permissions)")?,
            1 if i + 1 != rotations => ledger.roll_back(id, "aborted by the user")?,
            _ => {
                ledger.set_in_progress(id)?;
                ledger.complete(id, "3/3 files verified with the new key")?;
            }
        }
    }
    let operations = [Operation::Encrypt, Operation::Decrypt, Operation::Rotate];
    for i in 0..events {
        ledger.record_event(&NewEvent {
            operation: operations[(i % 3) as usize],
            file: format!("svc{:03}/.env.e{}.encrypted", i % 100, i % 3),
            key_id: Some(kid(i % rotations.max(1))),
            outcome: if i % 97 == 0 {
                Outcome::Failed
            } else {
                Outcome::Ok
            },
            detail: (i % 97 == 0).then(|| "wrong key".to_owned()),
        })?;
    }
    eprintln!(
        "{}: {} rotations, {} events in {:.1} s",
        path.display(),
        ledger.rotation_count()?,
        ledger.event_count()?,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
