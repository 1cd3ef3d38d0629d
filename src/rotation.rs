//! The crash-safe rotation engine: backups, staging, the renames, the directory syncs
//! and the verification of many files, in the order that keeps every file openable with
//! the old or the new key at every instant (the order is written at the top of
//! `commands/rotate.rs`, which drives it: the lock, the new key, the ledger rows, the
//! wording and the confirmation live there).
//!
//! What this module owns: the steps between "every file is decrypted in memory and the
//! new key is on disk" and "every file is replaced and verified", and the names of the
//! files those steps leave beside a target (`FILE.backup_<UTC time>`, `.FILE.XXXXXX.tmp`).
//! What it must not do: know a format or a key (the caller passes `seal` and `open`),
//! print (warnings go to a callback), or touch the ledger. Errors are [`RotationError`];
//! the caller's own errors pass through unchanged (`E: From<RotationError>`).

use std::io;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::format::Format;
use crate::fsutil;

/// One file of a rotation, decrypted in memory.
pub struct Item {
    pub path: PathBuf,
    /// The path relative to the project root, as messages and the ledger show it.
    pub rel: String,
    pub format: Format,
    /// The encrypted bytes under the old key (what a backup holds).
    pub original: Vec<u8>,
    pub plaintext: Zeroizing<Vec<u8>>,
    pub mode: u32,
}

/// A step of the engine that failed. Never holds file content.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error("{file}: the re-encrypted file does not decrypt to the same content")]
    Differs { file: String },
    #[error("cannot write the backup {}", path.display())]
    Backup { path: PathBuf, source: io::Error },
    #[error("cannot write a backup of {file}: {file}.backup_{stamp} and its -2 to -100 variants all exist; move old backups away")]
    BackupsExhausted { file: String, stamp: String },
    #[error("cannot write the new version of {file}")]
    Stage { file: String, source: io::Error },
    #[error("cannot sync the backups to disk")]
    SyncBackups { source: io::Error },
    #[error("cannot replace {file}")]
    Replace { file: String, source: io::Error },
    #[error("{file} does not verify after the rotation")]
    NotVerified { file: String },
    /// Syncing the directories after the renames, or reading a file back to verify it.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// How many bytes a backup name adds to its file's: `.backup_` + a 16-byte UTC stamp +
/// up to `-100` ([`write_backup`]).
pub const BACKUP_SUFFIX_MAX: usize = ".backup_".len() + "20260101T000000Z".len() + "-100".len();

/// The files whose backup name would not fit in a file name ([`fsutil::NAME_MAX`]): the
/// caller refuses them before anything changes rather than failing half-way.
pub fn backup_names_too_long(items: &[Item]) -> Vec<&str> {
    items
        .iter()
        .filter(|i| {
            i.path.file_name().map_or(0, |n| n.len()) + BACKUP_SUFFIX_MAX > fsutil::NAME_MAX
        })
        .map(|i| i.rel.as_str())
        .collect()
}

/// Backups, staging, renames, verification, for every item: `seal` makes an item's new
/// encrypted bytes, `open` decrypts bytes with the new key. Nothing is replaced until
/// every file is sealed, checked, backed up and staged. On error, also returns how many
/// files had already been replaced (0: every file is unchanged, and this run's backups
/// were removed again).
pub fn replace_all<E, S, O>(
    root: &Path,
    items: &[Item],
    backup: bool,
    seal: S,
    open: O,
    warn: &mut dyn FnMut(String),
) -> Result<usize, (E, usize)>
where
    E: From<RotationError> + Send,
    S: Fn(&Item) -> Result<Vec<u8>, E> + Sync,
    O: Fn(&Path, &[u8]) -> Result<Zeroizing<Vec<u8>>, E> + Sync,
{
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    // The staged files (`.FILE.XXXXXX.tmp`) outlive a crash until --resume or --abort
    // removes them: git is told to ignore them meanwhile.
    if let Err(e) = crate::git::add_ignore_if_repo(root, ".*.encrypted.*.tmp") {
        warn(format!(
            "could not add .*.encrypted.*.tmp to .gitignore: {e}"
        ));
    }
    // Each file on its own: seal, check, back up, stage. In parallel, so the fsyncs of a
    // thousand files overlap instead of queueing; nothing is replaced until all are done.
    let prepared = fsutil::in_parallel(
        items,
        |item| -> (Option<PathBuf>, Result<fsutil::Staged, E>) {
            let mut backup_path = None;
            let staged = (|| {
                let sealed = seal(item)?;
                let check = open(&item.path, &sealed)?;
                if *check != *item.plaintext {
                    return Err(RotationError::Differs {
                        file: item.rel.clone(),
                    }
                    .into());
                }
                if backup {
                    backup_path = Some(write_backup(item, &stamp)?);
                }
                fsutil::stage(&item.path, &sealed, item.mode).map_err(|source| {
                    RotationError::Stage {
                        file: item.rel.clone(),
                        source,
                    }
                    .into()
                })
            })();
            (backup_path, staged)
        },
    );
    let (backups, staged): (Vec<_>, Vec<_>) = prepared.into_iter().unzip();
    // The first failure in file order; dropping the other staged files removes them, and
    // this run's backups go too: every file is unchanged, so they are mere duplicates.
    let staged: Vec<fsutil::Staged> = match staged.into_iter().collect::<Result<_, E>>() {
        Ok(s) => s,
        Err(e) => {
            for b in backups.iter().flatten() {
                let _ = std::fs::remove_file(b);
            }
            return Err((e, 0));
        }
    };
    let mut dirs: Vec<PathBuf> = Vec::new();
    for s in &staged {
        let dir = fsutil::parent_dir(s.target()).to_path_buf();
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    if backup {
        // The backups' directory entries are durable before any file is replaced.
        fsutil::sync_dirs(&dirs)
            .map_err(|source| (RotationError::SyncBackups { source }.into(), 0))?;
        if let Err(e) = crate::git::add_ignore_if_repo(root, "*.backup_*") {
            warn(format!("could not add *.backup_* to .gitignore: {e}"));
        }
    }
    // The renames too wait on the journal: in parallel. Any order is as safe as another
    // (each file is old or new until the directories are synced and the ledger says
    // `completed`).
    let pause = pause_after_first_rename();
    let renamed = fsutil::in_parallel(
        staged.into_iter().zip(items).enumerate(),
        |(i, (s, item))| {
            if let Some(marker) = pause.as_deref().filter(|_| i > 0) {
                pause_after_first(marker);
            }
            let done = s.commit().map_err(|source| RotationError::Replace {
                file: item.rel.clone(),
                source,
            });
            if pause.is_some() && i == 0 {
                first_renamed(&dirs);
            }
            done
        },
    );
    let committed = renamed.iter().filter(|r| r.is_ok()).count();
    if let Some(e) = renamed.into_iter().find_map(Result::err) {
        return Err((e.into(), committed));
    }
    fsutil::sync_dirs(&dirs).map_err(|e| (RotationError::from(e).into(), items.len()))?;
    let checked = fsutil::in_parallel(items, |item| -> Result<(), E> {
        let bytes = std::fs::read(&item.path).map_err(RotationError::from)?;
        let plain = open(&item.path, &bytes)?;
        if *plain != *item.plaintext {
            return Err(RotationError::NotVerified {
                file: item.rel.clone(),
            }
            .into());
        }
        Ok(())
    });
    for r in checked {
        r.map_err(|e| (e, items.len()))?;
    }
    Ok(items.len())
}

/// Tests only (debug builds): `ENVSEAL_TEST_PAUSE_AFTER_RENAME=MARKER` makes the renames
/// stop after the first file's, leaving the others staged, so a test can kill the process
/// at a known point of a rotation. Release builds ignore it.
fn pause_after_first_rename() -> Option<PathBuf> {
    if cfg!(debug_assertions) {
        std::env::var_os("ENVSEAL_TEST_PAUSE_AFTER_RENAME").map(PathBuf::from)
    } else {
        None
    }
}

static FIRST_RENAMED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Under [`pause_after_first_rename`]: the first file is in place, durably.
fn first_renamed(dirs: &[PathBuf]) {
    let _ = fsutil::sync_dirs(dirs);
    FIRST_RENAMED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Under [`pause_after_first_rename`], every rename but the first: wait until the first
/// file is in place, create `marker`, and sleep until the test kills the process (a
/// minute at most, then go on).
fn pause_after_first(marker: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !FIRST_RENAMED.load(std::sync::atomic::Ordering::SeqCst)
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = std::fs::write(marker, b"paused\n");
    std::thread::sleep(std::time::Duration::from_secs(60));
}

/// `FILE.backup_<stamp>`, or `FILE.backup_<stamp>-2`, `-3`, ... when that name is taken:
/// the stamp has one-second resolution, and a second rotation within the same second
/// (rotate, --abort, rotate again) must not fail on, or overwrite, the first one's backup.
///
/// The backup is a hard link to the file being replaced when possible: the old bytes are
/// on disk already, so it costs no data write and no fsync of its own (the caller fsyncs
/// the directory); the rename that replaces the file leaves the link with the old bytes.
pub fn write_backup(item: &Item, stamp: &str) -> Result<PathBuf, RotationError> {
    for n in 1..=100 {
        let mut name = item.path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".backup_{stamp}"));
        if n > 1 {
            name.push(format!("-{n}"));
        }
        let path = item.path.with_file_name(name);
        if path.symlink_metadata().is_ok() {
            continue;
        }
        match fsutil::link_or_copy_new(&item.path, &path, &item.original, item.mode) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Ok(()) => return Ok(path),
            Err(source) => return Err(RotationError::Backup { path, source }),
        }
    }
    Err(RotationError::BackupsExhausted {
        file: item.rel.clone(),
        stamp: stamp.to_owned(),
    })
}

/// `FILE.backup_*` beside `path`, newest first (the UTC timestamp sorts by name).
pub fn backups_newest_first(path: &Path) -> Vec<PathBuf> {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    let prefix = format!("{name}.backup_");
    let Ok(entries) = std::fs::read_dir(fsutil::parent_dir(path)) else {
        return Vec::new();
    };
    let mut backups: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .collect();
    backups.sort();
    backups.reverse();
    backups
}

/// Is `name` a temporary file envseal stages beside `target_name`:
/// `.NAME.XXXXXX.tmp`, where NAME may be cut short so that a long target's temporary name
/// still fits in NAME_MAX (at least its first 200 bytes are kept)?
pub fn is_temp_of(name: &str, target_name: &str) -> bool {
    let Some(middle) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    let Some((kept, random)) = middle.rsplit_once('.') else {
        return false;
    };
    random.len() == 6
        && random.bytes().all(|b| b.is_ascii_alphanumeric())
        && target_name.starts_with(kept)
        && kept.len() >= target_name.len().min(200)
}

/// The temporary files beside `target` (after following links: staging happens beside
/// the real file).
pub fn temps_of(target: &Path) -> Vec<PathBuf> {
    let real = fsutil::resolve_links(target);
    let Some(name) = real.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(fsutil::parent_dir(&real)) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| e.file_name().to_str().is_some_and(|n| is_temp_of(n, name)))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::is_temp_of;

    #[test]
    fn temp_names_of_a_target_are_recognised_and_others_are_not() {
        assert!(is_temp_of("..env.encrypted.Ab3dE9.tmp", ".env.encrypted"));
        assert!(!is_temp_of("..env.encrypted.Ab3dE9.tmp", ".env"));
        assert!(!is_temp_of(
            "..env.staging.encrypted.Ab3dE9.tmp",
            ".env.encrypted"
        ));
        assert!(!is_temp_of(".unrelated.tmp", ".env.encrypted"));
        assert!(!is_temp_of(".env.encrypted.backup_x", ".env.encrypted"));
        let long = "x".repeat(250);
        assert!(is_temp_of(&format!(".{}.Q1w2E3.tmp", &long[..235]), &long));
    }
}
