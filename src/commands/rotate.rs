//! `envseal rotate`: the quarterly key-rotation runbook, made crash-safe.
//!
//! Order of work, and why it is safe at every instant:
//! 1. take the project's rotation lock (a second `rotate` waits 2 s, then fails: exit 9);
//! 2. decrypt every file with the old key — a failure stops here, nothing changed;
//! 3. generate the new key and save it durably (0600, fsync file and directory): from here
//!    on, any file under the new key can be opened;
//! 4. record the rotation in the ledger (`initiated`, then `in_progress`);
//! 5. for every file, on parallel threads so that their fsyncs overlap: re-encrypt and
//!    verify in memory, back up the old encrypted bytes as `FILE.backup_<UTC time>` (a
//!    hard link where possible), stage the new file beside its target (written,
//!    fsynced); then fsync each directory once, making the backups durable — a full disk
//!    fails here, before any file is replaced (this run's backups are removed again);
//! 6. rename each staged file over its target (atomic), fsync each directory once;
//! 7. re-read every file and verify it with the new key; mark the rotation `completed`.
//!
//! A crash after 4 leaves the ledger showing an unfinished rotation, and each file either
//! old (opens with the old key) or new (opens with the new key, which is on disk).
//! `--resume` re-encrypts whatever is still old; `--abort` puts whatever is new back under
//! the old key (restoring the backup bytes where they match).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use zeroize::Zeroizing;

use std::collections::HashSet;

use super::{
    key_request, open_ledger, open_through_slots, open_with, reencrypt, reseal_for_slots,
    write_stdout, Ui,
};
use crate::cli::{Global, Rotate};
use crate::exit::{Code, Failure};
use crate::format;
use crate::fsutil;
use crate::key::{self, Key, KeyId};
use crate::ledger::{self, Ledger, NewRotation, Rotation};
use crate::project::Project;
use crate::rotation::{self, Item};

pub fn run(args: &Rotate, global: &Global, ui: &Ui) -> Result<()> {
    let mut project = Project::discover()?;
    project.recurse_submodules = args.recurse_submodules;
    let lock_path = super::guard::lock_path(&project);
    let _lock = fsutil::lock(&lock_path, Duration::from_secs(2))
        .with_context(|| format!("cannot take the rotation lock {}", lock_path.display()))?
        .ok_or_else(|| {
            Failure::new(
                Code::Busy,
                format!(
                    "another envseal rotation is running in this project (lock {} is held); wait for it to finish",
                    lock_path.display()
                ),
            )
        })?;
    let ledger = open_ledger(&project, global, true)?.context("cannot open the ledger")?;
    let unfinished = ledger.unfinished()?;
    if args.resume || args.abort {
        let Some(rotation) = unfinished.into_iter().next() else {
            ui.info("no unfinished rotation in the ledger; nothing to do");
            return Ok(());
        };
        return finish(&project, &ledger, rotation, args, ui);
    }
    if let Some(r) = unfinished.first() {
        return Err(Failure::new(
            Code::Busy,
            format!(
                "rotation #{} ({} -> {}, started {}) is unfinished: run `envseal rotate --resume` to finish it or `envseal rotate --abort` to undo it",
                r.id,
                r.old_key_id,
                r.new_key_id,
                r.started_at.format("%Y-%m-%d %H:%M UTC")
            ),
        )
        .into());
    }

    // 2. Find the files and the current key; decrypt everything before changing anything.
    let explicit = !args.files.is_empty();
    let candidates = if explicit {
        args.files.clone()
    } else {
        project.encrypted_files()
    };
    if candidates.is_empty() {
        return Err(Failure::new(
            Code::BadInput,
            format!(
                "no encrypted files found under {}; name them: envseal rotate FILE...",
                project.root.display()
            ),
        )
        .into());
    }
    // Decision (README): a file with a master slot (or a Fernet file) is rotated to a new
    // master key, as ever; a file with no master slot (only age, ssh or aws-kms slots) gets
    // a new data key, wrapped again for each of its slots through their public fields (a
    // public key needs no private key; a KMS slot needs the Encrypt right), after being
    // opened through whichever identity at hand a slot names. No master key is looked for
    // or generated when no file to rotate has a master slot.
    let slot_only_file = |path: &Path| std::fs::read(path).is_ok_and(|b| !has_master_slot(&b));
    let master_files: Vec<&PathBuf> = candidates.iter().filter(|p| !slot_only_file(p)).collect();
    let old = if master_files.is_empty() {
        None
    } else {
        let first_kid = master_files.iter().find_map(|p| {
            let bytes = std::fs::read(p).ok()?;
            let text = std::str::from_utf8(&bytes).ok()?;
            format::v1::header(text)
                .ok()?
                .master()
                .map(|s| s.kid.clone())
        });
        Some(key::resolve(
            &key_request(
                &args.key,
                master_files.first().map(|p| p.as_path()),
                first_kid.as_ref(),
                true,
            ),
            &mut ui.warner(),
        )?)
    };
    let old_id = old.as_ref().map(|o| o.key.id());
    let mut items = Vec::new();
    let mut slot_only = HashSet::new();
    let mut skipped = Vec::new();
    let mut no_identity = Vec::new();
    for path in &candidates {
        let original =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let by_slots = !has_master_slot(&original);
        let opened = match &old {
            Some(old) if !by_slots => open_with(path, &original, &old.key),
            _ => open_through_slots(path, &original, &args.key, ui),
        };
        match opened {
            Ok((format, plaintext)) => {
                // A slot the new data key cannot be wrapped for stops the rotation
                // before anything changed.
                super::rewrappable_slots(&original).with_context(|| {
                    format!("rotation stopped before anything changed: {}", path.display())
                })?;
                if by_slots {
                    slot_only.insert(path.clone());
                }
                items.push(Item {
                    rel: project.relative(path).display().to_string(),
                    path: path.clone(),
                    format,
                    mode: fsutil::mode(path).map_or(0o644, |m| m & 0o777),
                    original,
                    plaintext,
                })
            }
            Err(e) if explicit => return Err(e.context("nothing was changed")),
            // Only a file that names another key (or, with no master slot, whose slots
            // name no identity at hand) is left alone: a corrupt or tampered one (or any
            // other failure) stops the rotation before anything changed, or it would
            // stay behind under a key the rotation retires.
            Err(e) if !by_slots && names_another_key(&e) => skipped.push(path.clone()),
            Err(e) if by_slots && no_identity_at_hand(&e) => no_identity.push(path.clone()),
            Err(e) => {
                return Err(e.context(format!(
                    "rotation stopped before anything changed: {} cannot be decrypted (fix or restore it, or name the files to rotate: envseal rotate FILE...)",
                    project.relative(path).display()
                )))
            }
        }
    }
    if items.is_empty() {
        return Err(match (&old, &old_id) {
            (Some(old), Some(old_id)) => Failure::new(
                Code::WrongKey,
                format!(
                    "no encrypted file in the project uses key {old_id} (from {}), and no identity at hand opens a file with no master slot; nothing to rotate",
                    old.source
                ),
            ),
            _ => Failure::new(
                Code::KeyMissing,
                "no identity at hand (--identity, ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory, ~/.ssh, AWS KMS) opens any of the encrypted files, which have no master slot; nothing to rotate",
            ),
        }
        .into());
    }
    let has_master_items = items.iter().any(|i| !slot_only.contains(&i.path));

    if !args.no_backup {
        refuse_backup_names_too_long(&items)?;
    }

    // Say what will happen; ask on a terminal.
    let target = match &args.new_key_file {
        Some(p) => p.display().to_string(),
        None => format!("the keyring ({})", key::keyring::dir().display()),
    };
    match (&old_id, has_master_items) {
        (Some(old_id), true) => ui.info(format!(
            "Rotating {} from key {old_id} to a new key, saved to {target}:",
            super::mask::counted(items.len(), "file", "files")
        )),
        _ => ui.info(format!(
            "Giving {} a new data key, wrapped again for each of their slots (no master slot: no master key changes):",
            super::mask::counted(items.len(), "file", "files")
        )),
    }
    let listed: Vec<(&str, &str)> = items
        .iter()
        .map(|i| {
            let how = if slot_only.contains(&i.path) {
                "v1, no master slot: new data key only"
            } else {
                i.format.name()
            };
            (i.rel.as_str(), how)
        })
        .collect();
    for line in plan_lines(&listed) {
        ui.info(line);
    }
    for path in &skipped {
        ui.info(format!(
            "  (not rotated: {} uses another key)",
            project.relative(path).display()
        ));
    }
    for path in &no_identity {
        ui.info(format!(
            "  (not rotated: {} has no master slot and no identity at hand opens it)",
            project.relative(path).display()
        ));
    }
    ui.info(if args.no_backup {
        "  no backups (--no-backup)".to_owned()
    } else {
        "  backups: FILE.backup_<UTC time>".to_owned()
    });
    if !args.force {
        match Ui::confirm("Rotate now?", false)? {
            Some(true) => {}
            Some(false) => {
                return Err(
                    Failure::new(Code::Refused, "rotation cancelled; nothing was changed").into(),
                )
            }
            None => return Err(Failure::new(Code::Refused, "not rotating without confirmation: pass --force (or --yes) when there is no terminal").into()),
        }
    }
    let (Some(old_id), true) = (old_id, has_master_items) else {
        if let Some(p) = &args.new_key_file {
            ui.warn(format!(
                "no file to rotate has a master slot: no new master key is made, and {} is not written",
                p.display()
            ));
        }
        return rotate_data_keys(&project, &ledger, &items, &slot_only, args, ui);
    };

    // 3. The new key, durably on disk before anything else changes.
    let new = Key::generate()?;
    let new_id = new.id();
    let location = match &args.new_key_file {
        Some(p) => {
            key::write_key_file(p, &new, false)
                .with_context(|| "the new key was not saved; nothing was changed")?;
            super::generate_key::keep_out_of_git(p, ui);
            // Absolute: the ledger's location must still lead to the key when --resume
            // runs from another directory.
            std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())
        }
        None => {
            fsutil::create_dir_private(&key::keyring::dir())?;
            key::keyring::save(&new)?
        }
    };

    // 4. The ledger row. It lists every file of the run, those with no master slot too
    // (their slots' `created=` after the row's start says they were done: `--resume`).
    let started = Instant::now();
    let rotation_id = ledger.begin_rotation(&NewRotation {
        old_key_id: old_id.clone(),
        new_key_id: new_id.clone(),
        reason: args.reason.clone(),
        files: items.iter().map(|i| i.rel.clone()).collect(),
        new_key_location: location.display().to_string(),
    })?;
    ledger.set_in_progress(rotation_id)?;

    // 5.–7.
    let outcome = replace_all(
        &project,
        &items,
        Some(&new),
        &slot_only,
        !args.no_backup,
        args,
        ui,
    );
    match outcome {
        Ok(verified) => {
            let verification = format!("{verified}/{} files verified with the new key", items.len());
            let rewrapped =
                rewrapped_events(items.iter().map(|i| (i.path.as_path(), i.rel.as_str())));
            ledger.complete_with_recipient_events(rotation_id, &verification, &rewrapped)?;
            record_rotate_events(&ledger, &items, &slot_only, Some(&new_id), ledger::Outcome::Ok, None);
            report(args, &items, Some((&old_id, &new_id, &location)), started.elapsed(), ui)?;
            say_seen_values(&items, &slot_only);
            Ok(())
        }
        Err((e, 0)) => {
            let _ = ledger.fail(rotation_id, &short_reason(&e));
            record_rotate_events(
                &ledger,
                &items,
                &slot_only,
                Some(&old_id),
                ledger::Outcome::Failed,
                Some(&short_reason(&e)),
            );
            Err(e.context(format!(
                "rotation failed before any file was replaced: every file is unchanged under key {old_id} (the unused new key {new_id} is in {})",
                location.display()
            )))
        }
        Err((e, committed)) => Err(e.context(format!(
            "rotation stopped after replacing {committed} of {} files; every file opens with the old or the new key. Run `envseal rotate --resume` to finish or `envseal rotate --abort` to undo",
            items.len()
        ))),
    }
}

/// A rotation in which no file has a master slot: no master key is generated, no key id
/// changes, so no rotation row is written (a row records a master key's change, and
/// `status` ages keys by it). Each file gets a new data key through the same engine
/// (backups, staging, verification in memory and after the renames, which wait until
/// every file is staged), verified by reopening it with the identities that opened it.
/// The ledger records it as `rewrapped` recipient events with the data key replaced, and
/// a `rotate` event per file. A crash leaves each file old or new (both open for the same
/// recipients, with the old or the new data key): running `rotate` again finishes it,
/// and removes the staged files the crash left.
fn rotate_data_keys(
    project: &Project,
    ledger: &Ledger,
    items: &[Item],
    slot_only: &HashSet<PathBuf>,
    args: &Rotate,
    ui: &Ui,
) -> Result<()> {
    // What an interrupted data-key-only rotation left: with no ledger row, this run is
    // the one that finishes it (every envseal writer holds the lock this run holds).
    for tmp in items.iter().flat_map(|i| rotation::temps_of(&i.path)) {
        if std::fs::remove_file(&tmp).is_ok() {
            ui.info(format!(
                "removed {} (a temporary file an interrupted run left)",
                tmp.display()
            ));
        }
    }
    let started = Instant::now();
    let outcome = replace_all(project, items, None, slot_only, !args.no_backup, args, ui);
    match outcome {
        Ok(_) => {
            let rewrapped =
                rewrapped_events(items.iter().map(|i| (i.path.as_path(), i.rel.as_str())));
            ledger
                .record_recipient_events(&rewrapped)
                .context("the files were rotated, but the ledger could not record it")?;
            record_rotate_events(ledger, items, slot_only, None, ledger::Outcome::Ok, None);
            report(args, items, None, started.elapsed(), ui)?;
            say_seen_values(items, slot_only);
            Ok(())
        }
        Err((e, 0)) => {
            record_rotate_events(
                ledger,
                items,
                slot_only,
                None,
                ledger::Outcome::Failed,
                Some(&short_reason(&e)),
            );
            Err(e.context(
                "rotation failed before any file was replaced: every file is unchanged",
            ))
        }
        Err((e, committed)) => Err(e.context(format!(
            "rotation stopped after replacing {committed} of {} files; each file has its old or its new data key and opens for the same recipients as before. Run `envseal rotate` again to give every file a new data key",
            items.len()
        ))),
    }
}

/// What `recipients remove` says of a removed recipient, said of whoever held the old
/// data key of a file with no master slot (names only, never values).
fn say_seen_values(items: &[Item], slot_only: &HashSet<PathBuf>) {
    for item in items.iter().filter(|i| slot_only.contains(&i.path)) {
        let mut names: Vec<String> = crate::dotenv::parse_bytes(&item.plaintext)
            .map(|doc| {
                doc.lines
                    .iter()
                    .filter(|l| l.expose_raw_value().is_some())
                    .filter_map(|l| l.key_name().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        names.dedup();
        eprintln!(
            "envseal: whoever held the old data key of {} could read these values of it and can still read them in git history: {}. If that key may have leaked, change them at their providers, then `envseal set` the new values.",
            item.rel,
            if names.is_empty() { "(none)".to_owned() } else { names.join(", ") }
        );
    }
}

/// Did opening a file with the old master key fail because it names another key?
fn names_another_key(e: &anyhow::Error) -> bool {
    use crate::format::FormatError;
    matches!(
        e.downcast_ref::<FormatError>(),
        Some(FormatError::WrongKey { .. } | FormatError::FernetAuth { .. })
    )
}

/// Did opening a file with no master slot fail because no identity at hand is named by
/// its slots (not because it is corrupt, or a key service failed)?
fn no_identity_at_hand(e: &anyhow::Error) -> bool {
    e.downcast_ref::<Failure>()
        .is_some_and(|f| f.code == Code::KeyMissing)
}

/// Does the encrypted file `bytes` hold a master slot (a Fernet file is the master key's
/// alone)? A header that does not parse counts as one: opening it reports what is wrong.
fn has_master_slot(bytes: &[u8]) -> bool {
    match format::detect(bytes) {
        Some(format::Format::V1) => std::str::from_utf8(bytes)
            .ok()
            .and_then(|t| format::v1::header(t).ok())
            .is_none_or(|h| h.master().is_some()),
        _ => true,
    }
}

/// The `rewrapped` recipient events of a completed rotation: one per slot other than
/// the master slot of each v1 file as it is now (re-wrapped for the new data key through
/// its public side), each with the data key replaced. Read back from the files, so the ledger says what they hold.
fn rewrapped_events<'a>(
    files: impl Iterator<Item = (&'a Path, &'a str)>,
) -> Vec<ledger::NewRecipientEvent> {
    let mut out = Vec::new();
    for (path, rel) in files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Some(header) = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|t| format::v1::header(t).ok())
        else {
            continue; // Fernet: no slots
        };
        // The master slot's change is the rotation itself (its own ledger row).
        for slot in header
            .slots
            .iter()
            .filter(|s| s.kind != format::v1::slot::MASTER)
        {
            out.push(ledger::NewRecipientEvent::for_slot(
                rel,
                ledger::RecipientAction::Rewrapped,
                slot,
                true,
            ));
        }
    }
    out
}

/// The ledger's short kind of a failed rotation, from the typed error of the engine step
/// that failed (or the format's verdict on the re-sealed file).
fn short_reason(e: &anyhow::Error) -> String {
    use crate::format::FormatError;
    use crate::rotation::RotationError;
    let io = "I/O error (disk full or permissions)".to_owned();
    let verification = "verification failed".to_owned();
    if let Some(r) = e.downcast_ref::<RotationError>() {
        return match r {
            RotationError::Differs { .. } | RotationError::NotVerified { .. } => verification,
            _ => io,
        };
    }
    match e.downcast_ref::<FormatError>() {
        Some(FormatError::Integrity(_)) => verification,
        Some(FormatError::Rng) => io,
        Some(_) => "failed".to_owned(),
        None if e.downcast_ref::<std::io::Error>().is_some() => io,
        None => "failed".to_owned(),
    }
}

/// One event per file, in one ledger transaction. The ledger is an audit trail here: the
/// rotation's own row already says what happened, so a failure to write these is ignored.
fn record_rotate_events(
    ledger: &Ledger,
    items: &[Item],
    slot_only: &HashSet<PathBuf>,
    kid: Option<&KeyId>,
    outcome: ledger::Outcome,
    detail: Option<&str>,
) {
    let events: Vec<ledger::NewEvent> = items
        .iter()
        .map(|item| ledger::NewEvent {
            operation: ledger::Operation::Rotate,
            file: item.rel.clone(),
            // A file with no master slot uses no master key.
            key_id: kid.filter(|_| !slot_only.contains(&item.path)).cloned(),
            outcome,
            detail: detail.map(str::to_owned),
        })
        .collect();
    let _ = ledger.record_events(&events);
}

/// A file whose backup name would not fit in a file name (255 bytes) is refused before
/// anything is changed (no key made, nothing in the ledger), rather than failing half-way.
/// Backups keep the file's whole name so `--resume`/`--abort` and people find them.
fn refuse_backup_names_too_long(items: &[Item]) -> Result<()> {
    let long = rotation::backup_names_too_long(items);
    if long.is_empty() {
        return Ok(());
    }
    Err(Failure::new(
        Code::Refused,
        format!(
            "nothing was changed: the backup name FILE.backup_<UTC time> of {} would be longer than the {}-byte limit of a file name (names up to {} bytes can be backed up); rename the file, or rotate with --no-backup",
            long.join(", "),
            fsutil::NAME_MAX,
            fsutil::NAME_MAX - rotation::BACKUP_SUFFIX_MAX
        ),
    )
    .into())
}

/// Steps 5–7 through the engine, with this command's formats: each file re-sealed in its
/// own format (comments hidden as before), opened with the new key to verify; a file with
/// no master slot (`slot_only`) re-sealed under a new data key for its slots alone, and
/// verified through the identities at hand that opened it.
fn replace_all(
    project: &Project,
    items: &[Item],
    new: Option<&Key>,
    slot_only: &HashSet<PathBuf>,
    backup: bool,
    args: &Rotate,
    ui: &Ui,
) -> Result<usize, (anyhow::Error, usize)> {
    let no_master_key = || {
        anyhow::Error::new(Failure::new(
            Code::CheckFailed,
            "a file with a master slot in a rotation without a new master key",
        ))
    };
    rotation::replace_all(
        &project.root,
        items,
        backup,
        |item: &Item| -> Result<Vec<u8>> {
            if slot_only.contains(&item.path) {
                return Ok(reseal_for_slots(&item.plaintext, &item.original)?.into_bytes());
            }
            let new = new.ok_or_else(no_master_key)?;
            Ok(reencrypt(item.format, &item.plaintext, new, &item.original)?.into_bytes())
        },
        |path: &Path, bytes: &[u8]| -> Result<Zeroizing<Vec<u8>>> {
            if slot_only.contains(path) {
                return Ok(open_through_slots(path, bytes, &args.key, ui)?.1);
            }
            Ok(open_with(path, bytes, new.ok_or_else(no_master_key)?)?.1)
        },
        &mut ui.warner(),
    )
}

/// The outcome, said; `keys` is (old, new, where the new one is) when the master key
/// changed (`None`: a data-key-only rotation).
fn report(
    args: &Rotate,
    items: &[Item],
    keys: Option<(&KeyId, &KeyId, &Path)>,
    took: Duration,
    ui: &Ui,
) -> Result<()> {
    if args.json {
        let v = serde_json::json!({
            "status": "completed",
            "old_key_id": keys.map(|k| k.0.as_str()),
            "new_key_id": keys.map(|k| k.1.as_str()),
            "new_key_location": keys.map(|k| k.2.display().to_string()),
            "files": items.iter().map(|i| i.rel.clone()).collect::<Vec<_>>(),
            "duration_ms": took.as_millis() as u64,
        });
        write_stdout(format!("{v}\n").as_bytes())?;
    }
    let Some((old_id, new_id, location)) = keys else {
        ui.info(format!(
            "Gave {} a new data key in {:.1} s; every slot was wrapped again for it, and no master key changed. Commit the re-encrypted files.",
            super::mask::counted(items.len(), "file", "files"),
            took.as_secs_f64(),
        ));
        return Ok(());
    };
    ui.info(format!(
        "Rotated {} in {:.1} s: {old_id} -> {new_id}. The new key is in {} (mode 0600).",
        super::mask::counted(items.len(), "file", "files"),
        took.as_secs_f64(),
        location.display()
    ));
    let paths: Vec<&Path> = items.iter().map(|i| i.path.as_path()).collect();
    ui.info(format!(
        "Next: put the new key ({}) wherever the old one is used — the CI secrets and environment variables {}, Kubernetes secrets, teammates' keyrings (`envseal key import`) — then commit the re-encrypted files.",
        location.display(),
        variables_to_update(&paths, old_id).join(", "),
    ));
    Ok(())
}

/// The plan's file lines: each file when there are few, else a count per directory, so a
/// rotation of hundreds of files fits on a screen before the prompt.
fn plan_lines(files: &[(&str, &str)]) -> Vec<String> {
    const LIST_UP_TO: usize = 20;
    if files.len() <= LIST_UP_TO {
        return files
            .iter()
            .map(|(rel, format)| format!("  {rel} ({format})"))
            .collect();
    }
    let mut per_dir: std::collections::BTreeMap<String, usize> = Default::default();
    for (rel, _) in files {
        let dir = Path::new(rel)
            .parent()
            .map(|d| d.display().to_string())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| ".".to_owned());
        *per_dir.entry(dir).or_default() += 1;
    }
    per_dir
        .into_iter()
        .map(|(dir, n)| format!("  {dir}/: {}", super::mask::counted(n, "file", "files")))
        .collect()
}

/// Every environment variable that held the rotated key, by name (never its value): the
/// `SECRETS_MASTER_KEY*` variables set here to it, and the names by which each rotated
/// file looks for its key (`SECRETS_MASTER_KEY_STAGING` for `.env.staging.encrypted`,
/// then `SECRETS_MASTER_KEY`), as CI sets them.
fn variables_to_update(files: &[&Path], old: &KeyId) -> Vec<String> {
    let mut names = std::collections::BTreeSet::new();
    for (name, value) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("SECRETS_MASTER_KEY") {
            let value = zeroize::Zeroizing::new(value.to_string_lossy().into_owned());
            if Key::from_text(&value).is_ok_and(|k| k.id() == *old) {
                names.insert(name);
            }
        }
    }
    for file in files {
        names.extend(key::env_vars_for(Some(file)));
    }
    names.into_iter().collect()
}

/// `--resume` / `--abort` of the unfinished rotation.
fn finish(project: &Project, ledger: &Ledger, r: Rotation, args: &Rotate, ui: &Ui) -> Result<()> {
    let mut warn = ui.warner();
    let new_path = PathBuf::from(&r.new_key_location);
    // A crash can leave a complete copy of the new key in the temporary file it was
    // written through: put it back in place when the key file itself is gone.
    recover_new_key(&new_path, &r, ui);
    let new = match read_new_key(&new_path, &r, &mut warn) {
        Ok(k) => Some(k),
        // Undoing needs the new key only to open files that use it; whether any does is
        // decided file by file below (and their backups are restored).
        Err(e) if args.abort => {
            ui.warn(format!(
                "{e:#}; undoing without it: files under the new key are restored from their backups"
            ));
            None
        }
        Err(e) => {
            return Err(e.context(format!(
                "cannot finish rotation #{}; to undo it instead: envseal rotate --abort",
                r.id
            )))
        }
    };
    clean_leftovers(project, &r, &new_path, new.is_some(), ui);
    let old_id = r.old_key_id.clone();
    let paths: Vec<PathBuf> = r.files.iter().map(|f| project.root.join(f)).collect();
    let old = key::resolve(
        &key_request(
            &args.key,
            paths.first().map(PathBuf::as_path),
            Some(&old_id),
            true,
        ),
        &mut warn,
    )?;
    if old.key.id() != old_id {
        return Err(Failure::new(
            Code::WrongKey,
            format!(
                "rotation #{} needs the old key {old_id}; the key from {} is {}",
                r.id,
                old.source,
                old.key.id()
            ),
        )
        .into());
    }
    if !args.abort && r.status == ledger::RotationStatus::Initiated {
        // A crash between the ledger's two first writes: the rotation never reached
        // `in_progress`, and only an in-progress rotation can become `completed`.
        ledger.set_in_progress(r.id)?;
    }
    let started = Instant::now();
    let Some(new) = new else {
        return abort_without_new_key(ledger, &r, &paths, &old.key, &old_id, args, ui);
    };
    let (from, to) = if args.abort {
        (&new, &old.key)
    } else {
        (&old.key, &new)
    };
    let mut changed = 0;
    for (path, rel) in paths.iter().zip(&r.files) {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        if !has_master_slot(&bytes) {
            changed += usize::from(finish_slot_file(path, rel, &bytes, &r, args, ui)?);
            continue;
        }
        if open_with(path, &bytes, to).is_ok() {
            continue; // already where it should be
        }
        let (format, plaintext) = open_with(path, &bytes, from)
            .with_context(|| format!("{rel} opens with neither key"))?;
        let restored = if args.abort {
            matching_backup(path, &plaintext, to)
        } else {
            None
        };
        let sealed = match restored {
            Some(b) => b,
            None => reencrypt(format, &plaintext, to, &bytes)?.into_bytes(),
        };
        let (_, check) = open_with(path, &sealed, to)?;
        if *check != *plaintext {
            return Err(Failure::new(
                Code::Integrity,
                format!("{rel}: the re-encrypted file does not verify"),
            )
            .into());
        }
        let mode = fsutil::mode(path).map_or(0o644, |m| m & 0o777);
        fsutil::write_atomic(path, &sealed, mode)
            .with_context(|| format!("cannot replace {rel}"))?;
        changed += 1;
    }
    if args.abort {
        ledger.roll_back(r.id, "aborted by the user")?;
        ui.info(format!(
            "Rotation #{} undone: {changed} file(s) put back under {old_id}. The unused new key stays in {}.",
            r.id,
            new_path.display()
        ));
    } else {
        let rewrapped = rewrapped_events(
            paths
                .iter()
                .map(PathBuf::as_path)
                .zip(r.files.iter().map(String::as_str)),
        );
        ledger.complete_with_recipient_events(
            r.id,
            &format!(
                "{}/{} files verified with the new key (resumed)",
                r.files.len(),
                r.files.len()
            ),
            &rewrapped,
        )?;
        ui.info(format!(
            "Rotation #{} finished: {changed} more file(s) re-encrypted in {:.1} s; every file now uses {}.",
            r.id,
            started.elapsed().as_secs_f64(),
            r.new_key_id
        ));
    }
    Ok(())
}

/// `--resume`/`--abort` of a file with no master slot in rotation `r`: it has its old data
/// key or its new one, and opens for the same recipients either way. Which one is told by
/// this rotation's backup of it (`FILE.backup_<stamp>`, stamped no earlier than the
/// rotation's start: no later rotation can have begun while this one is unfinished):
/// the file is old while it is byte for byte its backup. With no such backup
/// (`--no-backup`, or a crash before the backups), by its slots' `created=` times.
/// `--resume` gives an old one a new data key now; `--abort` puts back the backup of a
/// new one, or, with none, leaves it with its new data key and says so. Returns whether
/// the file was rewritten.
fn finish_slot_file(
    path: &Path,
    rel: &str,
    bytes: &[u8],
    r: &Rotation,
    args: &Rotate,
    ui: &Ui,
) -> Result<bool> {
    let backup = this_rotations_backup(path, r);
    let mode = fsutil::mode(path).map_or(0o644, |m| m & 0o777);
    if args.abort {
        return match backup {
            Some(old) if old != bytes => {
                fsutil::write_atomic(path, &old, mode)
                    .with_context(|| format!("cannot restore {rel}"))?;
                Ok(true)
            }
            Some(_) => Ok(false),
            None => {
                if written_since(bytes, r.started_at, false) {
                    ui.info(format!(
                        "{rel} keeps its new data key: it has no master slot and no backup from rotation #{}; it opens for the same recipients as before",
                        r.id
                    ));
                }
                Ok(false)
            }
        };
    }
    let done = match &backup {
        Some(old) => old != bytes,
        // `created=` has one-second resolution: a file counts as done only when its slots
        // are from a later second than the rotation's start (one written in the same
        // second gets a new data key once more, which is harmless).
        None => written_since(bytes, r.started_at, true),
    };
    if done {
        return Ok(false);
    }
    let (_, plaintext) = open_through_slots(path, bytes, &args.key, ui)?;
    let sealed = reseal_for_slots(&plaintext, bytes)?.into_bytes();
    let (_, check) = open_through_slots(path, &sealed, &args.key, ui)?;
    if *check != *plaintext {
        return Err(Failure::new(
            Code::Integrity,
            format!("{rel}: the re-encrypted file does not verify"),
        )
        .into());
    }
    fsutil::write_atomic(path, &sealed, mode).with_context(|| format!("cannot replace {rel}"))?;
    Ok(true)
}

/// The newest backup of `path` written by rotation `r` (its stamp no earlier than the
/// rotation's start, to the second), and its bytes.
fn this_rotations_backup(path: &Path, r: &Rotation) -> Option<Vec<u8>> {
    let since = r.started_at.format("%Y%m%dT%H%M%SZ").to_string();
    let name = path.file_name()?.to_str()?.to_owned();
    rotation::backups_newest_first(path)
        .into_iter()
        .find_map(|b| {
            let stamp = b
                .file_name()?
                .to_str()?
                .strip_prefix(&name)?
                .strip_prefix(".backup_")?
                .get(..since.len())?
                .to_owned();
            if stamp < since {
                return None;
            }
            std::fs::read(&b).ok()
        })
}

/// Were all the slots of the v1 file `bytes` written after `since` (`strict`: in a later
/// second), or in the same second or later (to the second, the precision of `created=`)?
fn written_since(bytes: &[u8], since: chrono::DateTime<chrono::Utc>, strict: bool) -> bool {
    use chrono::SubsecRound;
    let since = since.trunc_subsecs(0);
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|t| format::v1::header(t).ok())
        .is_some_and(|h| {
            h.slots.iter().all(|s| {
                if strict {
                    s.created > since
                } else {
                    s.created >= since
                }
            })
        })
}

/// The rotation's new key, from where the ledger says it was saved.
fn read_new_key(path: &Path, r: &Rotation, warn: &mut dyn FnMut(String)) -> Result<Key> {
    let new = key::read_key_file(path, warn).map_err(|e| {
        let code = if path.exists() {
            crate::exit::ExitCode::code(&e)
        } else {
            Code::KeyMissing
        };
        Failure::new(
            code,
            format!(
                "rotation #{}: the new key {} is not readable at {}",
                r.id,
                r.new_key_id,
                path.display()
            ),
        )
    })?;
    if new.id() != r.new_key_id {
        return Err(Failure::new(
            Code::WrongKey,
            format!(
                "{} holds key {}, not the rotation's new key {}",
                path.display(),
                new.id(),
                r.new_key_id
            ),
        )
        .into());
    }
    Ok(new)
}

/// When the new key file is gone but a crash left a complete copy of it in its
/// temporary file, put that copy in place (never replacing anything).
fn recover_new_key(path: &Path, r: &Rotation, ui: &Ui) {
    if path.exists() {
        return;
    }
    let mut quiet = |_: String| {};
    for tmp in rotation::temps_of(path) {
        let Ok(k) = key::read_key_file(&tmp, &mut quiet) else {
            continue;
        };
        if k.id() == r.new_key_id && key::write_key_file(path, &k, false).is_ok() {
            let _ = std::fs::remove_file(&tmp);
            ui.info(format!(
                "the new key {} was missing from {}; restored it from the temporary file a crash left ({})",
                r.new_key_id,
                path.display(),
                tmp.display()
            ));
            return;
        }
    }
}

/// Remove what a crashed rotation left: staged `.FILE.*.tmp` files beside its files and,
/// when the new key is safely in place, temporary copies of it. Every envseal writer
/// holds the project's write lock, which this run holds: none of them is in use.
fn clean_leftovers(project: &Project, r: &Rotation, new_key: &Path, key_in_place: bool, ui: &Ui) {
    let mut temps: Vec<PathBuf> = r
        .files
        .iter()
        .flat_map(|f| rotation::temps_of(&project.root.join(f)))
        .collect();
    if key_in_place {
        temps.extend(rotation::temps_of(new_key));
    }
    for tmp in temps {
        match std::fs::remove_file(&tmp) {
            Ok(()) => ui.info(format!(
                "removed {} (a temporary file the interrupted rotation #{} left)",
                tmp.display(),
                r.id
            )),
            Err(e) => ui.warn(format!(
                "could not remove {} (a temporary file the interrupted rotation #{} left): {e}",
                tmp.display(),
                r.id
            )),
        }
    }
}

/// `--abort` when the new key is gone: a file that opens with the old key is left as it
/// is; one that does not (it was rewritten under the missing key) gets back its newest
/// backup that opens with the old key. A file with no such backup is named, and the
/// rotation stays unfinished.
fn abort_without_new_key(
    ledger: &Ledger,
    r: &Rotation,
    paths: &[PathBuf],
    old: &Key,
    old_id: &KeyId,
    args: &Rotate,
    ui: &Ui,
) -> Result<()> {
    let mut restored = Vec::new();
    let mut lost = Vec::new();
    for (path, rel) in paths.iter().zip(&r.files) {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        if !has_master_slot(&bytes) {
            // The missing new master key has no part in it.
            if finish_slot_file(path, rel, &bytes, r, args, ui)? {
                restored.push(format!("{rel} (its data key from before the rotation)"));
            }
            continue;
        }
        if open_with(path, &bytes, old).is_ok() {
            continue;
        }
        match newest_backup_under(path, old) {
            Some((backup, content)) => {
                let mode = fsutil::mode(path).map_or(0o644, |m| m & 0o777);
                fsutil::write_atomic(path, &content, mode)
                    .with_context(|| format!("cannot restore {rel}"))?;
                restored.push(format!("{rel} (from {})", backup.display()));
            }
            None => lost.push(rel.clone()),
        }
    }
    for line in &restored {
        ui.info(format!("restored {line}"));
    }
    if !lost.is_empty() {
        return Err(Failure::new(
            Code::KeyMissing,
            format!(
                "cannot undo rotation #{}: {} use the missing new key {} and have no backup that opens with the old key {old_id}; put the new key back at {} and run `envseal rotate --abort` (or --resume) again",
                r.id,
                lost.join(", "),
                r.new_key_id,
                r.new_key_location
            ),
        )
        .into());
    }
    ledger.roll_back(
        r.id,
        "aborted by the user (the new key was missing; files restored from backups)",
    )?;
    ui.info(format!(
        "Rotation #{} undone without its missing new key {}: {} file(s) restored from backups; every file uses {old_id}.",
        r.id,
        r.new_key_id,
        restored.len()
    ));
    Ok(())
}

/// The newest `FILE.backup_*` that opens with `key` (whatever its plaintext), and its
/// bytes.
fn newest_backup_under(path: &Path, key: &Key) -> Option<(PathBuf, Vec<u8>)> {
    rotation::backups_newest_first(path)
        .into_iter()
        .find_map(|b| {
            let bytes = std::fs::read(&b).ok()?;
            open_with(&b, &bytes, key).ok()?;
            Some((b, bytes))
        })
}

/// The newest `FILE.backup_*` that opens with `key` to exactly `plaintext`.
fn matching_backup(path: &Path, plaintext: &[u8], key: &Key) -> Option<Vec<u8>> {
    rotation::backups_newest_first(path)
        .into_iter()
        .find_map(|b| {
            let bytes = std::fs::read(&b).ok()?;
            let (_, plain) = open_with(&b, &bytes, key).ok()?;
            (*plain == *plaintext).then_some(bytes)
        })
}
