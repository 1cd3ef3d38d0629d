//! Crash injection: SIGKILL `envseal rotate` at random instants spread over a whole
//! rotation, check the safety invariants of DESIGN.md ("after a crash at any instant ...")
//! on what is left, then recover with `--resume` or `--abort` (alternately) and go on
//! rotating from wherever that left the project.
//!
//! `ENVSEAL_CRASH_TRIALS` sets the number of trials (default 100); `ENVSEAL_TEST_SEED`
//! replays a run (the seed is printed on stderr; `cargo test -- --nocapture` shows it).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use envseal::key::KeyId;
use envseal::ledger::RotationStatus;

use super::support::*;
use crate::common::{exit_code, Code};

/// Plaintext, encrypted name, number of values, value length. Sized so that one debug-build
/// rotation takes some tens of milliseconds here (its fsyncs dominate); bigger files only
/// make the suite slower without opening new windows.
const FILES: [(&str, &str, usize, usize); 3] = [
    (".env", ".env.encrypted", 30, 200),
    (".env.staging", ".env.staging.encrypted", 60, 200),
    ("sub/.env", "sub/.env.encrypted", 30, 200),
];

/// Where a kill landed, judged from what is on disk and in the ledger afterwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    /// Every file old, no new key file, no unfinished rotation.
    BeforeKeySaved,
    /// Every file old, the new key saved, no ledger row yet.
    KeySavedNoLedgerRow,
    /// Every file old, the ledger shows the rotation unfinished (backups, staging).
    StartedAllOld,
    /// Some files new, some old.
    Mixed,
    /// Every file new, the rotation not yet marked completed (verification).
    AllNewNotCompleted,
    /// Every file new, the rotation completed.
    Completed,
}

/// One encrypted file after a kill.
#[derive(Debug, PartialEq, Eq)]
enum FileState {
    /// Byte for byte the file before the trial.
    Old,
    /// Under this key (found in the keyring), decrypting to the original plaintext.
    New(KeyId),
}

#[test]
fn sigkill_at_any_instant_leaves_every_file_decryptable_and_the_rotation_recoverable() {
    let trials: usize = std::env::var("ENVSEAL_CRASH_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let seed = seed("crash injection");
    let mut rng = Rng::new(seed);
    let p = Project::git();
    let first = p.add_key();
    let mut plaintexts = Vec::new();
    for (plain, _, n, len) in FILES {
        let body = dotenv(&mut rng, "SECRET", n, len);
        p.seal(plain, body.as_bytes(), &first, &[]);
        plaintexts.push(body.into_bytes());
    }
    let mut current = first.id();

    // A full rotation, timed the way the trials start it (spawn to exit), three times.
    let mut full = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let status = p
            .cmd(["rotate", "--force", "--reason", "calibration"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        full.push(t.elapsed());
        assert!(status.success());
        remove_backups(&p);
    }
    // The fastest run: the first ones share the machine with the other tests starting up.
    let fastest = *full.iter().min().unwrap();
    current = kid_of(&p.read(FILES[0].1)).unwrap_or(current);
    let max_delay = fastest.mul_f64(1.2);
    eprintln!(
        "crash injection: a full rotation takes {fastest:?} (fastest of {full:?}); {trials} kills uniform in [0, {max_delay:?}]"
    );

    let mut histogram: BTreeMap<Phase, usize> = BTreeMap::new();
    let mut leftover_trials = 0;
    let mut recoveries = [0usize; 2]; // resume, abort
    let mut resume_next = true;
    for trial in 0..trials {
        let old_bytes: Vec<Vec<u8>> = FILES.iter().map(|f| p.read(f.1)).collect();
        let keys_before = p.keyring_files();
        let delay = Duration::from_micros(rng.below(max_delay.as_micros() as u64 + 1));
        let ctx = format!("trial {trial} (seed {seed}, kill after {delay:?})");

        let mut child = p
            .cmd(["rotate", "--force", "--reason", "t"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL; harmless if it already exited
        let exit = child.wait().unwrap();

        // Every file: the old bytes, or the original plaintext under a key in the keyring.
        let states: Vec<FileState> = FILES
            .iter()
            .zip(&plaintexts)
            .zip(&old_bytes)
            .map(|((f, plain), old)| file_state(&p, f.1, plain, old, &current, &ctx))
            .collect();
        let new_ids: Vec<&KeyId> = states
            .iter()
            .filter_map(|s| match s {
                FileState::New(k) => Some(k),
                FileState::Old => None,
            })
            .collect();
        assert!(
            new_ids.windows(2).all(|w| w[0] == w[1]),
            "{ctx}: files under different new keys: {states:?}"
        );
        let ledger = p.ledger().expect("the calibration created the ledger");
        let unfinished = ledger.unfinished().unwrap();
        assert!(unfinished.len() <= 1, "{ctx}: {unfinished:?}");
        let pending = unfinished.first();
        if let Some(r) = pending {
            // The ledger names the rotation's keys; its new key is durably where it says.
            assert_eq!(r.old_key_id.as_str(), current.as_str(), "{ctx}");
            let new_id = r.new_key_id.clone();
            let saved = envseal::key::read_key_file(Path::new(&r.new_key_location), &mut |_| {})
                .unwrap_or_else(|e| {
                    panic!("{ctx}: the new key is not at {}: {e}", r.new_key_location)
                });
            assert_eq!(saved.id(), new_id, "{ctx}");
            if let Some(k) = new_ids.first() {
                assert_eq!(
                    **k, new_id,
                    "{ctx}: a file is under a key the ledger does not name"
                );
            }
        }
        let new_key_files: Vec<String> = p
            .keyring_files()
            .into_iter()
            .filter(|f| !keys_before.contains(f) && f.ends_with(".key"))
            .collect();
        let phase = match (new_ids.len(), pending) {
            (0, None) if new_key_files.is_empty() => Phase::BeforeKeySaved,
            (0, None) => Phase::KeySavedNoLedgerRow,
            (0, Some(_)) => Phase::StartedAllOld,
            (n, Some(_)) if n < FILES.len() => Phase::Mixed,
            (n, None) if n < FILES.len() => {
                panic!("{ctx}: files mixed but the ledger shows no unfinished rotation: {states:?}")
            }
            (_, Some(_)) => Phase::AllNewNotCompleted,
            (_, None) => {
                let done = ledger
                    .last_completed(Some(new_ids[0]))
                    .unwrap()
                    .unwrap_or_else(|| {
                        panic!("{ctx}: every file is new but the ledger has neither an unfinished nor a completed rotation to that key")
                    });
                assert_eq!(done.old_key_id.as_str(), current.as_str(), "{ctx}");
                assert_eq!(done.status, RotationStatus::Completed);
                Phase::Completed
            }
        };
        if exit.success() {
            assert_eq!(phase, Phase::Completed, "{ctx}: exit 0 but {phase:?}");
        }
        *histogram.entry(phase).or_default() += 1;

        // SIGKILL can leave temp files (staged files, a half-written backup or key); they
        // never replace anything (checked above) and are never taken for encrypted files.
        if remove_leftovers(&p, &ctx) > 0 {
            leftover_trials += 1;
        }

        // Recover, alternating between finishing and undoing.
        if let Some(r) = pending {
            let new_id = r.new_key_id.clone();
            let (flag, want) = if resume_next {
                ("--resume", RotationStatus::Completed)
            } else {
                ("--abort", RotationStatus::RolledBack)
            };
            let out = p.run(["rotate", flag, "--force"]);
            assert_eq!(
                code(&out),
                exit_code(Code::Ok),
                "{ctx}: rotate {flag}:\n{}",
                describe(&out)
            );
            for ((f, plain), old) in FILES.iter().zip(&plaintexts).zip(&old_bytes) {
                let now = p.read(f.1);
                if resume_next {
                    assert_eq!(
                        kid_of(&now).as_ref(),
                        Some(&new_id),
                        "{ctx}: {flag}: {}",
                        f.1
                    );
                    let key = p.keyring_key(&new_id).unwrap();
                    assert_eq!(
                        open(&now, &key).as_deref(),
                        Some(&plain[..]),
                        "{ctx}: {}",
                        f.1
                    );
                } else {
                    assert!(
                        now == *old,
                        "{ctx}: {flag} did not restore {} byte for byte",
                        f.1
                    );
                }
            }
            let row = ledger
                .history(10)
                .unwrap()
                .into_iter()
                .find(|x| x.id == r.id)
                .unwrap();
            assert_eq!(row.status, want, "{ctx}: {flag}");
            assert!(ledger.unfinished().unwrap().is_empty(), "{ctx}: {flag}");
            if resume_next {
                current = new_id;
                recoveries[0] += 1;
            } else {
                recoveries[1] += 1;
            }
            resume_next = !resume_next;
        } else if phase == Phase::Completed {
            current = new_ids[0].clone();
        }
        remove_backups(&p);
    }

    eprintln!("crash injection: phases hit over {trials} kills (seed {seed}):");
    for (phase, n) in &histogram {
        eprintln!("  {phase:?}: {n}");
    }
    eprintln!(
        "crash injection: recovered {} with --resume, {} with --abort; temp files left by SIGKILL in {leftover_trials} trials (removed)",
        recoveries[0], recoveries[1]
    );
    assert!(
        histogram.len() >= 3,
        "the kills hit only {histogram:?}: the delays do not cover the rotation (seed {seed})"
    );

    // The binary agrees: status sees no unfinished rotation, every file decrypts.
    let out = p.ok(["status", "--json"]);
    assert_eq!(json(&out)["unfinished_rotations"], serde_json::json!([]));
    for ((_, enc, _, _), plain) in FILES.iter().zip(&plaintexts) {
        let out = p.ok(["decrypt", enc, "--stdout"]);
        assert!(out.stdout == *plain, "{enc}");
    }
}

fn file_state(
    p: &Project,
    rel: &str,
    plaintext: &[u8],
    old: &[u8],
    current: &KeyId,
    ctx: &str,
) -> FileState {
    let bytes = std::fs::read(p.path(rel)).unwrap_or_else(|e| panic!("{ctx}: {rel} is gone: {e}"));
    if bytes == old {
        return FileState::Old;
    }
    let kid = kid_of(&bytes).unwrap_or_else(|| panic!("{ctx}: {rel} is not a v1 file any more"));
    assert_ne!(
        &kid, current,
        "{ctx}: {rel} changed but is still under the old key"
    );
    let key = p
        .keyring_key(&kid)
        .unwrap_or_else(|| panic!("{ctx}: {rel} uses {kid}, which is not in the keyring"));
    assert_eq!(
        key.id(),
        kid,
        "{ctx}: the keyring file for {kid} holds another key"
    );
    assert!(
        open(&bytes, &key).as_deref() == Some(plaintext),
        "{ctx}: {rel} does not decrypt to its original plaintext with {kid}"
    );
    FileState::New(kid)
}

/// Remove temp files a killed process left (`.NAME.*.tmp` from staging and atomic writes,
/// `.envseal.*` from create-new writes); returns how many. Anything else unexpected in the
/// project fails the test.
fn remove_leftovers(p: &Project, ctx: &str) -> usize {
    let mut n = 0;
    let dirs = [
        p.root.clone(),
        p.path("sub"),
        p.path(".envseal"),
        p.keyring.clone(),
    ];
    for dir in &dirs {
        for e in std::fs::read_dir(dir).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let temp = name.ends_with(".tmp") || name.starts_with(".envseal.");
            if temp {
                std::fs::remove_file(dir.join(&name)).unwrap();
                n += 1;
                continue;
            }
            let expected = name.ends_with(".key")
                || name == ".git"
                || name == "sub"
                || name == ".envseal"
                || name == ".gitignore"
                || name.starts_with("ledger.db")
                || name == "rotate.lock"
                || name.contains(".backup_")
                || FILES.iter().any(|f| {
                    Path::new(f.0).file_name().unwrap() == name.as_str()
                        || Path::new(f.1).file_name().unwrap() == name.as_str()
                });
            assert!(
                expected,
                "{ctx}: unexpected file {} in {}",
                name,
                dir.display()
            );
        }
    }
    n
}

fn remove_backups(p: &Project) {
    for (_, enc, _, _) in FILES {
        for b in backups_of(p, enc) {
            std::fs::remove_file(b).unwrap();
        }
    }
}
