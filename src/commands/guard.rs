//! The project's write lock: one lock file (`.envseal/rotate.lock`) that `rotate` holds
//! for the whole rotation and every other command that replaces an encrypted file holds
//! while it replaces it, so an `edit` or `encrypt` cannot write a file back under the key
//! a rotation just retired.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::exit::{Code, Failure};
use crate::fsutil;
use crate::project::Project;

/// How long `edit` and `encrypt` wait for a running rotation before giving up (exit 9).
/// A second `rotate` waits 2 s only: it has nothing to finish.
pub const WRITER_WAIT: Duration = Duration::from_secs(30);

/// The lock file.
pub fn lock_path(project: &Project) -> PathBuf {
    project.state_dir().join("rotate.lock")
}

/// Take the project's write lock, waiting up to `wait`; busy (exit 9) after that. The
/// state directory gets its `.gitignore` (the lock is local) if it has none yet.
pub fn write_lock(project: &Project, wait: Duration, what: &str) -> Result<fsutil::Lock> {
    let path = lock_path(project);
    let state = project.state_dir();
    let fresh = !state.exists();
    let lock = fsutil::lock(&path, wait)
        .with_context(|| format!("cannot take the project's write lock {}", path.display()))?
        .ok_or_else(|| {
            Failure::new(
                Code::Busy,
                format!(
                    "{what}: a rotation is running in this project (lock {} is held); wait for it to finish and try again",
                    path.display()
                ),
            )
        })?;
    if fresh || !state.join(".gitignore").exists() {
        let _ = fsutil::write_new(
            &state.join(".gitignore"),
            b"# envseal: the ledger and locks are local; config.toml is shared\nledger.db*\n*.lock\n",
            0o644,
        );
    }
    Ok(lock)
}
