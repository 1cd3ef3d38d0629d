//! Asking git about files: is this path inside a work tree, ignored, tracked, staged.
//! Runs the `git` binary (no libgit2: one less C dependency, and exactly the rules the
//! user's git applies, .gitignore, info/exclude and core.excludesFile included).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// The top of the work tree holding `dir`, if any (and if git is installed).
pub fn toplevel(dir: &Path) -> Option<PathBuf> {
    let out = git(dir)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim_end_matches('\n')))
}

/// Is `file` ignored by git's rules? `None` outside a work tree.
pub fn is_ignored(file: &Path) -> Option<bool> {
    let dir = crate::fsutil::parent_dir(file);
    toplevel(dir)?;
    let name = file.file_name()?;
    let status = git(dir)
        .args(["check-ignore", "-q", "--no-index", "--"])
        .arg(name)
        .stdout(Stdio::null())
        .status()
        .ok()?;
    Some(status.success())
}

/// Is `file` tracked (in the index)?
pub fn is_tracked(file: &Path) -> bool {
    let dir = crate::fsutil::parent_dir(file);
    let Some(name) = file.file_name() else {
        return false;
    };
    git(dir)
        .args(["ls-files", "--error-unmatch", "--"])
        .arg(name)
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Add `pattern` to the `.gitignore` in `dir` (created if missing), atomically, unless a
/// line equal to it is there already. Returns whether the file changed.
pub fn add_ignore(dir: &Path, pattern: &str) -> std::io::Result<bool> {
    let path = dir.join(".gitignore");
    let mut text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    if text.lines().any(|l| l.trim() == pattern) {
        return Ok(false);
    }
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(pattern);
    text.push('\n');
    let mode = crate::fsutil::mode(&path).map_or(0o644, |m| m & 0o777);
    crate::fsutil::write_atomic(&path, text.as_bytes(), mode)?;
    Ok(true)
}

/// [`add_ignore`] in `root`'s `.gitignore`, only when `root` is in a git work tree and git
/// does not ignore `probe`-like names already.
pub fn add_ignore_if_repo(root: &Path, pattern: &str) -> std::io::Result<bool> {
    if toplevel(root).is_none() {
        return Ok(false);
    }
    add_ignore(root, pattern)
}

/// Every file git tracks under `root` (relative paths); `None` outside a work tree.
pub fn tracked_files(root: &Path) -> Option<Vec<PathBuf>> {
    let out = git(root).args(["ls-files", "-z"]).output().ok()?;
    out.status.success().then(|| {
        out.stdout
            .split(|&b| b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| PathBuf::from(String::from_utf8_lossy(s).into_owned()))
            .collect()
    })
}
