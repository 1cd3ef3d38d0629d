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

use super::{key_request, open_ledger, open_with, reencrypt, write_stdout, Ui};
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
    // Decision (README): rotate replaces the master key and re-wraps the files it
    // protects; a file no master key protects has nothing to rotate here (said before a
    // key is looked for: it needs none).
    let no_master_slot = |path: &Path| {
        let bytes = std::fs::read(path).ok()?;
        (!has_master_slot(&bytes)).then(|| format!(
            "{} has no master slot (only age, ssh or aws-kms slots): `envseal rotate` replaces the master key, so it leaves this file as it is; to give it a new data key, remove a recipient from it (every remaining slot is re-wrapped)",
            project.relative(path).display()
        ))
    };
    if explicit {
        if let Some(why) = candidates.iter().find_map(|p| no_master_slot(p)) {
            return Err(Failure::new(Code::WrongKey, format!("{why}; nothing was changed")).into());
        }
    }
    let first_kid = candidates.iter().find_map(|p| {
        let bytes = std::fs::read(p).ok()?;
        let text = std::str::from_utf8(&bytes).ok()?;
        format::v1::header(text)
            .ok()?
            .master()
            .map(|s| s.kid.clone())
    });
    let old = key::resolve(
        &key_request(
            &args.key,
            candidates.first().map(PathBuf::as_path),
            first_kid.as_ref(),
            true,
        ),
        &mut ui.warner(),
    )?;
    let old_id = old.key.id();
    let mut items = Vec::new();
    let mut skipped = Vec::new();
    let mut no_master = Vec::new();
    for path in &candidates {
        let original =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        if let Some(why) = no_master_slot(path) {
            no_master.push(why);
            continue;
        }
        match open_with(path, &original, &old.key) {
            Ok((format, plaintext)) => {
                // A slot the new data key cannot be wrapped for stops the rotation
                // before anything changed.
                super::rewrappable_slots(&original).with_context(|| {
                    format!("rotation stopped before anything changed: {}", path.display())
                })?;
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
            // Only a file that names another key is left alone: a corrupt or tampered
            // one (or any other failure) stops the rotation before anything changed, or
            // it would stay behind under a key the rotation retires.
            Err(e) if crate::exit::code_for(&e) == Code::WrongKey => skipped.push(path.clone()),
            Err(e) => {
                return Err(e.context(format!(
                    "rotation stopped before anything changed: {} cannot be decrypted (fix or restore it, or name the files to rotate: envseal rotate FILE...)",
                    project.relative(path).display()
                )))
            }
        }
    }
    if items.is_empty() {
        return Err(Failure::new(
            Code::WrongKey,
            format!(
                "no encrypted file in the project uses key {old_id} (from {}); nothing to rotate",
                old.source
            ),
        )
        .into());
    }

    if !args.no_backup {
        refuse_backup_names_too_long(&items)?;
    }

    // Say what will happen; ask on a terminal.
    let target = match &args.new_key_file {
        Some(p) => p.display().to_string(),
        None => format!("the keyring ({})", key::keyring::dir().display()),
    };
    ui.info(format!(
        "Rotating {} from key {old_id} to a new key, saved to {target}:",
        super::mask::counted(items.len(), "file", "files")
    ));
    let listed: Vec<(&str, &str)> = items
        .iter()
        .map(|i| (i.rel.as_str(), i.format.name()))
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
    for why in &no_master {
        ui.info(format!("  (not rotated: {why})"));
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

    // 4. The ledger row.
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
    let outcome = replace_all(&project, &items, &new, !args.no_backup, ui);
    match outcome {
        Ok(verified) => {
            let verification = format!("{verified}/{} files verified with the new key", items.len());
            let rewrapped =
                rewrapped_events(items.iter().map(|i| (i.path.as_path(), i.rel.as_str())));
            ledger.complete_with_recipient_events(rotation_id, &verification, &rewrapped)?;
            record_rotate_events(&ledger, &items, &new_id, ledger::Outcome::Ok, None);
            report(args, &items, &old_id, &new_id, &location, started.elapsed(), ui)
        }
        Err((e, 0)) => {
            let _ = ledger.fail(rotation_id, &short_reason(&e));
            record_rotate_events(
                &ledger,
                &items,
                &old_id,
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

fn short_reason(e: &anyhow::Error) -> String {
    match crate::exit::code_for(e) {
        Code::Io => "I/O error (disk full or permissions)".to_owned(),
        Code::Integrity => "verification failed".to_owned(),
        _ => "failed".to_owned(),
    }
}

/// One event per file, in one ledger transaction. The ledger is an audit trail here: the
/// rotation's own row already says what happened, so a failure to write these is ignored.
fn record_rotate_events(
    ledger: &Ledger,
    items: &[Item],
    kid: &KeyId,
    outcome: ledger::Outcome,
    detail: Option<&str>,
) {
    let events: Vec<ledger::NewEvent> = items
        .iter()
        .map(|item| ledger::NewEvent {
            operation: ledger::Operation::Rotate,
            file: item.rel.clone(),
            key_id: Some(kid.clone()),
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
/// own format (comments hidden as before), opened with the new key to verify.
fn replace_all(
    project: &Project,
    items: &[Item],
    new: &Key,
    backup: bool,
    ui: &Ui,
) -> Result<usize, (anyhow::Error, usize)> {
    rotation::replace_all(
        &project.root,
        items,
        backup,
        |item: &Item| -> Result<Vec<u8>> {
            Ok(reencrypt(item.format, &item.plaintext, new, &item.original)?.into_bytes())
        },
        |path: &Path, bytes: &[u8]| -> Result<Zeroizing<Vec<u8>>> {
            Ok(open_with(path, bytes, new)?.1)
        },
        &mut ui.warner(),
    )
}

fn report(
    args: &Rotate,
    items: &[Item],
    old_id: &KeyId,
    new_id: &KeyId,
    location: &Path,
    took: Duration,
    ui: &Ui,
) -> Result<()> {
    if args.json {
        let v = serde_json::json!({
            "status": "completed",
            "old_key_id": old_id.as_str(),
            "new_key_id": new_id.as_str(),
            "new_key_location": location.display().to_string(),
            "files": items.iter().map(|i| i.rel.clone()).collect::<Vec<_>>(),
            "duration_ms": took.as_millis() as u64,
        });
        write_stdout(format!("{v}\n").as_bytes())?;
    }
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
        return abort_without_new_key(ledger, &r, &paths, &old.key, &old_id, ui);
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
    ui: &Ui,
) -> Result<()> {
    let mut restored = Vec::new();
    let mut lost = Vec::new();
    for (path, rel) in paths.iter().zip(&r.files) {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
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
