//! The only place that creates, replaces, locks or chmods files.
//!
//! Every write that replaces a file is atomic and durable: a temporary file in the same
//! directory (created 0600 by `tempfile`), the bytes, `fsync`, the final mode, `rename`
//! over the target, `fsync` of the directory. A crash or a full disk at any instant leaves
//! either the old file or the new one, never a half-written or missing file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The directory a path lives in (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A new version of a file, written and fsynced beside it, not yet in place. Dropping
/// it removes the temporary file. Used to prepare every file of a rotation before
/// replacing any, so a full disk fails the rotation before it changes anything.
///
/// Its temporary file is in the registry of live temporary files from before its first
/// byte until it is renamed into place or removed, so a signal removes it ([`signals`]).
#[derive(Debug)]
pub struct Staged {
    tmp: Option<tempfile::TempPath>,
    target: PathBuf,
}

impl Staged {
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Rename into place. The caller fsyncs the directory ([`sync_dir`]).
    pub fn commit(mut self) -> io::Result<()> {
        let tmp = self.tmp.take().expect("a staged file is committed once");
        let path = tmp.to_path_buf();
        // On failure the temporary file comes back in the error and is removed with it.
        let done = tmp.persist(&self.target).map_err(|e| e.error);
        signals::forget(&path);
        done
    }

    /// Link into place only if the target does not exist (`AlreadyExists` otherwise).
    pub fn commit_new(mut self) -> io::Result<()> {
        let tmp = self.tmp.take().expect("a staged file is committed once");
        let path = tmp.to_path_buf();
        let done = tmp.persist_noclobber(&self.target).map_err(|e| e.error);
        signals::forget(&path);
        done
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let path = tmp.to_path_buf();
            drop(tmp); // removes the file; only then is it out of the registry
            signals::forget(&path);
        }
    }
}

/// The longest file name most file systems take (`NAME_MAX`).
pub const NAME_MAX: usize = 255;

/// How many bytes of a target's name go into its temporary file's name: the rest is
/// `.` + `.` + 6 random characters + `.tmp`, so the temporary name always fits in
/// [`NAME_MAX`] even when the target's own name is 255 bytes long.
const TEMP_NAME_KEEP: usize = NAME_MAX - 12 - 8;

/// `name` cut to at most `max` bytes, at a character boundary.
fn cut(name: &str, max: usize) -> &str {
    if name.len() <= max {
        return name;
    }
    let mut end = max;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// Write `bytes` to a temporary file beside `path`, fsync it and give it `mode`.
pub fn stage(path: &Path, bytes: &[u8], mode: u32) -> io::Result<Staged> {
    stage_parts(path, &[bytes], mode)
}

/// [`stage`] for content held in pieces (as the multi-threaded encoders produce it),
/// written one after the other without joining them first.
pub fn stage_parts(path: &Path, parts: &[&[u8]], mode: u32) -> io::Result<Staged> {
    let (staged, ()) = stage_with(path, mode, |file| {
        parts.iter().try_for_each(|part| file.write_all(part))
    })?;
    Ok(staged)
}

/// [`stage`] for content produced while it is written: `write` fills the temporary file
/// (and may write at any offset of it); the file is then fsynced and given `mode`. On an
/// error the temporary file is removed.
pub fn stage_with<T, E: From<io::Error>>(
    path: &Path,
    mode: u32,
    write: impl FnOnce(&mut File) -> Result<T, E>,
) -> Result<(Staged, T), E> {
    // A symlinked target is written through: the new file goes beside the link's target
    // and replaces it there, and the link stays a link (renaming over the link itself
    // would detach it, leaving the real file as it was).
    let path = &resolve_links(path);
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{}.", cut(&name, TEMP_NAME_KEEP));
    let (mut file, tmp) = signals::create_temp(|| {
        tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".tmp")
            .tempfile_in(dir)
    })?;
    // From here on, dropping `staged` (an error below) removes the file and forgets it.
    let staged = Staged {
        tmp: Some(tmp),
        target: path.to_owned(),
    };
    let made = write(&mut file)?;
    file.sync_all()?;
    file.set_permissions(fs::Permissions::from_mode(mode))?;
    Ok((staged, made))
}

/// The file `path` names once symbolic links are followed (the path itself when it is not
/// a link; the last link's target when that does not exist yet). Relative link targets
/// are taken from the link's directory; a loop stops after 40 links (as the kernel does,
/// and the write then fails on the link).
pub fn resolve_links(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => match fs::read_link(&current) {
                Ok(target) => current = parent_dir(&current).join(target),
                Err(_) => return current,
            },
            _ => return current,
        }
    }
    current
}

/// Temporary files that hold plaintext or key material, and what happens to them on
/// SIGINT, SIGTERM, SIGHUP and a file-size limit.
///
/// Every temporary file envseal writes is created while holding the registry's lock and
/// entered in it before a byte is written; it leaves the registry once renamed into place
/// or removed. A thread waits for the signals: on one it takes the lock (so no file is
/// created or forgotten meanwhile, and none can be created after), removes every file in
/// the registry, and ends the process by the same signal (the shell's 130, 143, 129).
/// SIGXFSZ gets a handler that does nothing, so a write past `ulimit -f` fails with EFBIG,
/// an I/O error (exit 6) whose clean-up is the ordinary error path; unlike an ignored
/// signal, a handled one is reset to the default by exec, so the commands `run` and `edit`
/// start get the usual behaviour.
pub mod signals {
    use std::io;
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGXFSZ};

    struct Live {
        paths: Vec<PathBuf>,
        /// A signal is being handled: no new temporary file.
        closing: bool,
    }

    static LIVE: Mutex<Live> = Mutex::new(Live {
        paths: Vec::new(),
        closing: false,
    });

    /// While set, SIGINT/SIGTERM/SIGHUP are left to a command envseal waits for (the
    /// editor of `edit`, which gets them too); the caller notices them itself.
    static DEFERRED: AtomicBool = AtomicBool::new(false);

    fn live() -> MutexGuard<'static, Live> {
        LIVE.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Create a temporary file with `make` and enter it in the registry, atomically with
    /// respect to a signal's clean-up.
    pub(super) fn create_temp(
        make: impl FnOnce() -> io::Result<tempfile::NamedTempFile>,
    ) -> io::Result<(std::fs::File, tempfile::TempPath)> {
        let mut live = live();
        if live.closing {
            return Err(io::Error::new(
                io::ErrorKind::Interrupted,
                "interrupted by a signal",
            ));
        }
        let (file, path) = make()?.into_parts();
        live.paths.push(path.to_path_buf());
        Ok((file, path))
    }

    /// Enter a temporary file made elsewhere (`edit`'s private copy) in the registry; it
    /// is forgotten when the returned guard is dropped.
    pub fn track(path: &Path) -> Tracked {
        live().paths.push(path.to_owned());
        Tracked(path.to_owned())
    }

    /// A registry entry for a file made elsewhere ([`track`]).
    #[derive(Debug)]
    pub struct Tracked(PathBuf);

    impl Drop for Tracked {
        fn drop(&mut self) {
            forget(&self.0);
        }
    }

    /// The file is in place or removed: nothing to clean up on a signal any more.
    pub(super) fn forget(path: &Path) {
        let mut live = live();
        if let Some(i) = live.paths.iter().rposition(|p| p == path) {
            live.paths.swap_remove(i);
        }
    }

    /// How many temporary files are live (for tests).
    pub fn live_count() -> usize {
        live().paths.len()
    }

    /// Leave SIGINT, SIGTERM and SIGHUP to a command envseal waits for, until the guard
    /// is dropped.
    pub fn defer() -> Deferred {
        DEFERRED.store(true, Ordering::SeqCst);
        Deferred(())
    }

    #[derive(Debug)]
    pub struct Deferred(());

    impl Drop for Deferred {
        fn drop(&mut self) {
            DEFERRED.store(false, Ordering::SeqCst);
        }
    }

    /// Install the handlers and the thread (once, at start-up).
    pub fn install() -> io::Result<()> {
        signal_hook::flag::register(SIGXFSZ, Arc::new(AtomicBool::new(false)))?;
        // A signal ignored when envseal started stays ignored (`nohup envseal rotate`, a
        // background job of a non-interactive shell), as for any well-behaved program.
        let ignored = ignored_at_start();
        let wanted: Vec<i32> = [SIGINT, SIGTERM, SIGHUP]
            .into_iter()
            .filter(|&s| ignored & (1 << (s - 1)) == 0)
            .collect();
        let mut signals = signal_hook::iterator::Signals::new(wanted)?;
        std::thread::Builder::new()
            .name("envseal-signals".into())
            .spawn(move || {
                for sig in signals.forever() {
                    if DEFERRED.load(Ordering::SeqCst) {
                        continue;
                    }
                    clean_up_and_die(sig);
                }
            })?;
        Ok(())
    }

    /// The signals this process ignores, as a mask (bit n-1 for signal n), from
    /// `/proc/self/status` (no unsafe code needed); none when it cannot be read.
    fn ignored_at_start() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| {
                let line = status.lines().find_map(|l| l.strip_prefix("SigIgn:"))?;
                u64::from_str_radix(line.trim(), 16).ok()
            })
            .unwrap_or(0)
    }

    fn clean_up_and_die(sig: i32) -> ! {
        // The lock is held until the process ends: nothing is created or renamed after.
        let mut live = live();
        live.closing = true;
        for path in live.paths.drain(..) {
            let _ = std::fs::remove_file(&path);
        }
        let _ = signal_hook::low_level::emulate_default_handler(sig);
        std::process::exit(128 + sig);
    }
}

/// Replace (or create) `path` with `bytes`, atomically and durably, with `mode`.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    write_atomic_parts(path, &[bytes], mode)
}

/// [`write_atomic`] for content held in pieces, written in order.
pub fn write_atomic_parts(path: &Path, parts: &[&[u8]], mode: u32) -> io::Result<()> {
    let staged = stage_parts(path, parts, mode)?;
    let dir = parent_dir(staged.target()).to_path_buf();
    staged.commit()?;
    sync_dir(&dir)
}

/// [`write_atomic`] for content written as it is made ([`stage_with`]).
pub fn write_atomic_with(
    path: &Path,
    mode: u32,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let staged = stage_with(path, mode, write)?.0;
    let dir = parent_dir(staged.target()).to_path_buf();
    staged.commit()?;
    sync_dir(&dir)
}

/// Create `path` with `bytes` only if it does not exist yet, durably. The bytes go to a
/// temporary file first, so a crash never leaves a half-written key, and are then linked
/// into place without replacing anything.
pub fn write_new(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    create_new(path, bytes, mode)?;
    sync_dir(parent_dir(path))
}

/// [`write_new`] without the directory fsync, for a batch of files in a few directories:
/// the caller fsyncs each directory once ([`sync_dirs`]) before relying on the files.
pub fn create_new(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let dir = parent_dir(path);
    fs::create_dir_all(dir)?;
    stage(path, bytes, mode)?.commit_new()
}

/// A second name `dst` (created new, never replacing anything) for the bytes `expected`
/// that `src` holds: a hard link when the file system has them and `src` still holds
/// exactly `expected` (no data written: the bytes are the ones already on disk), else
/// (symlink, no hard links on this file system, changed since read) a copy
/// ([`create_new`]). Either way the caller fsyncs `dst`'s directory.
pub fn link_or_copy_new(src: &Path, dst: &Path, expected: &[u8], mode: u32) -> io::Result<()> {
    // A symlink would be linked itself and later show whatever replaces its target.
    if !fs::symlink_metadata(src).is_ok_and(|m| m.file_type().is_file()) {
        return create_new(dst, expected, mode);
    }
    match fs::hard_link(src, dst) {
        Ok(()) => {
            if fs::read(dst).is_ok_and(|b| b == expected) {
                return Ok(());
            }
            // Changed since it was read: keep the bytes the caller means, not these.
            fs::remove_file(dst)?;
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
        Err(_) => {} // no hard links here (FAT, some network file systems): copy
    }
    create_new(dst, expected, mode)
}

/// `fsync` a directory so a rename in it is durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// `fsync` several directories, in parallel ([`in_parallel`]).
pub fn sync_dirs(dirs: &[PathBuf]) -> io::Result<()> {
    in_parallel(dirs, |d| sync_dir(d)).into_iter().collect()
}

/// How many files [`in_parallel`] works on at once. fsync, rename and create wait for the
/// disk's journal, not the CPU: concurrent ones share journal commits, so a batch of N
/// files costs a few commits instead of N (about 15x faster for 200 small files on
/// ext4), whatever the number of cores.
pub const PARALLEL_IO: usize = 16;

/// `f` on every item, on up to [`PARALLEL_IO`] threads; the results in input order.
pub fn in_parallel<T: Send, R: Send>(
    items: impl IntoIterator<Item = T>,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let items: Vec<T> = items.into_iter().collect();
    let threads = PARALLEL_IO.min(items.len());
    if threads <= 1 {
        return items.into_iter().map(f).collect();
    }
    let queue = Mutex::new(items.into_iter().enumerate());
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        // A worker that panicked re-panics below; the queue stays usable.
                        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
                        let Some((i, item)) = next else {
                            return out;
                        };
                        out.push((i, f(item)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| match w.join() {
                Ok(out) => out,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Create a directory (and parents) with `mode` for the ones it creates.
pub fn create_dir_private(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Make sure `path` exists, creating it empty with mode 0600 when it does not; an
/// existing file is left as it is (never truncated, its mode kept). For files that
/// another library fills in place (the ledger: SQLite would create it 0644).
pub fn ensure_private_file(path: &Path) -> io::Result<()> {
    fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map(drop)
}

/// Give an existing file `mode` (following a symlink, as chmod does).
pub fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

/// The permission bits of a file, if it can be stat'ed.
pub fn mode(path: &Path) -> Option<u32> {
    fs::metadata(path).ok().map(|m| m.permissions().mode())
}

/// An exclusive advisory lock on a lock file, released on drop.
#[derive(Debug)]
pub struct Lock {
    file: File,
    path: PathBuf,
}

impl Lock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Take an exclusive lock on `path` (created 0600 if missing), waiting up to `wait`.
/// `Ok(None)` when another process still holds it after that.
pub fn lock(path: &Path, wait: Duration) -> io::Result<Option<Lock>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dir_private(dir)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(path)?;
    let deadline = Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => {
                return Ok(Some(Lock {
                    file,
                    path: path.to_owned(),
                }))
            }
            Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(fs::TryLockError::WouldBlock) => return Ok(None),
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_sets_mode_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        write_atomic(&p, b"one", 0o600).unwrap();
        assert_eq!(mode(&p).unwrap() & 0o777, 0o600);
        write_atomic(&p, b"two", 0o644).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(mode(&p).unwrap() & 0o777, 0o644);
        // no temp files left behind
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn stage_with_writes_at_offsets_and_cleans_up_on_error() {
        use std::os::unix::fs::FileExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let (staged, n) = stage_with(&p, 0o640, |f| -> io::Result<u8> {
            f.write_all(b"hello _____!")?;
            f.write_all_at(b"world", 6)?;
            Ok(7)
        })
        .unwrap();
        assert_eq!(n, 7);
        assert!(!p.exists(), "nothing in place before commit");
        staged.commit().unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"hello world!");
        assert_eq!(mode(&p).unwrap() & 0o777, 0o640);
        let err = stage_with(&p, 0o644, |f| -> io::Result<()> {
            f.write_all(b"half")?;
            Err(io::Error::other("boom"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "boom");
        assert_eq!(fs::read(&p).unwrap(), b"hello world!");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temp file removed"
        );
    }

    #[test]
    fn write_new_refuses_existing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        write_new(&p, b"a", 0o600).unwrap();
        assert!(write_new(&p, b"b", 0o600).is_err());
        assert_eq!(fs::read(&p).unwrap(), b"a");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn in_parallel_keeps_input_order() {
        let items: Vec<u32> = (0..100).collect();
        let out = in_parallel(&items, |i| i * 2);
        assert_eq!(in_parallel(items.clone(), |i| i * 2), out);
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(in_parallel(&[] as &[u32], |i| *i).is_empty());
        assert_eq!(in_parallel([7], |i| i + 1), [8]);
    }

    #[test]
    fn create_new_then_sync_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = (0..20).map(|i| dir.path().join(format!("f{i}"))).collect();
        let written = in_parallel(&paths, |p| create_new(p, b"x", 0o600));
        assert!(written.into_iter().all(|r| r.is_ok()));
        sync_dirs(&[dir.path().to_owned()]).unwrap();
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 20);
        assert!(create_new(&paths[0], b"y", 0o600).is_err());
        assert_eq!(fs::read(&paths[0]).unwrap(), b"x");
    }

    #[test]
    fn link_or_copy_new_links_the_same_bytes_and_copies_others() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let (src, a, b) = (
            dir.path().join("s"),
            dir.path().join("a"),
            dir.path().join("b"),
        );
        fs::write(&src, b"old").unwrap();
        link_or_copy_new(&src, &a, b"old", 0o644).unwrap();
        assert_eq!(
            fs::metadata(&a).unwrap().ino(),
            fs::metadata(&src).unwrap().ino()
        );
        // src no longer holds what the caller read: a copy of the expected bytes instead.
        link_or_copy_new(&src, &b, b"what was read", 0o600).unwrap();
        assert_ne!(
            fs::metadata(&b).unwrap().ino(),
            fs::metadata(&src).unwrap().ino()
        );
        assert_eq!(fs::read(&b).unwrap(), b"what was read");
        assert_eq!(mode(&b).unwrap() & 0o777, 0o600);
        let err = link_or_copy_new(&src, &a, b"old", 0o644).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        // Replacing src (as a rotation does, by rename) leaves the link's bytes alone.
        write_atomic(&src, b"new", 0o644).unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"old");
    }

    #[test]
    fn lock_is_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("l");
        let held = lock(&p, Duration::ZERO).unwrap().unwrap();
        assert!(lock(&p, Duration::from_millis(60)).unwrap().is_none());
        drop(held);
        assert!(lock(&p, Duration::ZERO).unwrap().is_some());
    }
}
