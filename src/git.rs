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

/// Which of `paths` (relative to `root`) git's rules ignore, in one `git check-ignore`.
/// `None` outside a work tree (or without git).
pub fn ignored_among(root: &Path, paths: &[&str]) -> Option<std::collections::HashSet<String>> {
    use std::io::Write;
    if paths.is_empty() {
        return Some(Default::default());
    }
    let mut child = git(root)
        .args(["check-ignore", "--no-index", "--stdin", "-z"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let input: Vec<u8> = paths.iter().flat_map(|p| p.bytes().chain([0])).collect();
    child.stdin.take()?.write_all(&input).ok()?;
    let out = child.wait_with_output().ok()?;
    // 0: some ignored, 1: none ignored, 128: not a work tree (or another fatal error).
    match out.status.code() {
        Some(0) | Some(1) => Some(
            out.stdout
                .split(|&b| b == 0)
                .filter(|p| !p.is_empty())
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect(),
        ),
        _ => None,
    }
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

/// A key file just written at `path`: when it is inside a git work tree and git's rules
/// do not ignore it yet, add it (anchored: `/NAME`) to the `.gitignore` beside it.
/// Returns that `.gitignore` when it changed.
pub fn ignore_key_file(path: &Path) -> std::io::Result<Option<PathBuf>> {
    if is_ignored(path) != Some(false) {
        return Ok(None);
    }
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Ok(None);
    };
    let mut pattern = String::from("/");
    for c in name.chars() {
        if matches!(c, '\\' | '*' | '?' | '[' | '!' | '#' | ' ') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    let dir = crate::fsutil::parent_dir(path);
    Ok(add_ignore(dir, &pattern)?.then(|| dir.join(".gitignore")))
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

/// The blob of every path the next commit adds or changes: (path, blob id).
/// Always the blobs in git's object database, never the work tree: a file marked
/// `--assume-unchanged` or `--skip-worktree`, one behind a clean filter (git-crypt) or an
/// LFS pointer, and an entry outside a sparse checkout are checked as git will commit them.
/// Type changes count (a committed symlink replaced by a regular file of secrets); only
/// deletions, symlinks and submodules have no content of ours to check.
/// Two git processes whatever the number of files: `diff --cached --raw` for the blob ids
/// (here), one `cat-file --batch` for their contents ([`for_each_blob`], which streams a
/// large blob instead of holding it).
pub fn staged_entries(root: &Path) -> std::io::Result<Vec<(String, String)>> {
    let out = git(root)
        .args([
            "diff",
            "--cached",
            "--raw",
            "-z",
            "--no-abbrev",
            "--no-renames",
            "--no-ext-diff",
            "--diff-filter=ACMT",
        ])
        .output()?;
    if !out.status.success() {
        return Err(std::io::Error::other("git diff --cached failed"));
    }
    // Records: ":100644 100644 <old> <new> M\0path\0"
    let mut entries = Vec::new();
    let mut fields = out.stdout.split(|&b| b == 0).filter(|f| !f.is_empty());
    while let (Some(meta), Some(path)) = (fields.next(), fields.next()) {
        let meta = String::from_utf8_lossy(meta);
        let mut parts = meta.split(' ');
        let (Some(_), Some(new_mode), Some(_), Some(new_id)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if !new_mode.starts_with("100") {
            continue; // submodule (160000) or symlink (120000): no content of ours to scan
        }
        entries.push((
            String::from_utf8_lossy(path).into_owned(),
            new_id.to_owned(),
        ));
    }
    Ok(entries)
}

/// Blobs larger than this are handed out as a stream by [`for_each_blob`] (unless the
/// caller wants them whole by name): a 50 MB binary is never held in memory.
pub const STREAM_OVER: u64 = 1 << 20;

/// One blob as [`for_each_blob`] hands it out.
pub enum Blob<'a> {
    /// The whole content: at most [`STREAM_OVER`] bytes, or wanted whole by name.
    Whole(Vec<u8>),
    /// A reader of the content (its size in bytes first). The caller may stop early;
    /// the rest is skipped.
    Stream(u64, &'a mut dyn std::io::Read),
}

/// Calls `f` with every entry's (path, content) in order, through one `git cat-file
/// --batch` whatever the number of entries. A blob over [`STREAM_OVER`] bytes is passed
/// as a stream unless `whole(path)`; memory then stays constant whatever its size (git
/// itself streams a loose or undeltified object).
pub fn for_each_blob(
    root: &Path,
    entries: &[(String, String)],
    whole: impl Fn(&str) -> bool,
    mut f: impl FnMut(&str, Blob<'_>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::{BufRead, BufReader, Read, Write};
    if entries.is_empty() {
        return Ok(());
    }
    let mut child = git(root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| std::io::Error::other("no stdin"))?;
    let ids: String = entries.iter().map(|(_, id)| format!("{id}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(ids.as_bytes()));
    let mut reader = BufReader::new(
        child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("no stdout"))?,
    );
    let mut result = Ok(());
    for (path, _) in entries {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let size: u64 = header
            .trim_end()
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other("unexpected git cat-file output"))?;
        let mut content = (&mut reader).take(size);
        if size <= STREAM_OVER || whole(path) {
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            content.read_to_end(&mut bytes)?;
            result = f(path, Blob::Whole(bytes));
        } else {
            result = f(path, Blob::Stream(size, &mut content));
            std::io::copy(&mut content, &mut std::io::sink())?;
        }
        if result.is_err() {
            break;
        }
        if content.limit() > 0 {
            return Err(std::io::Error::other("git cat-file output ended early"));
        }
        let mut nl = [0u8; 1];
        reader.read_exact(&mut nl)?;
    }
    drop(reader);
    if result.is_err() {
        let _ = child.kill(); // stopped early: git need not finish
    }
    let _ = writer.join();
    child.wait()?;
    result
}

/// The index's version of every tracked file whose name satisfies `want`: (path, bytes),
/// from the object database (entries outside a sparse checkout included).
pub fn index_blobs(
    root: &Path,
    want: impl Fn(&str) -> bool,
) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let out = git(root).args(["ls-files", "-s", "-z"]).output()?;
    if !out.status.success() {
        return Err(std::io::Error::other("git ls-files failed"));
    }
    // Records: "<mode> <id> <stage>\t<path>\0"
    let entries = out
        .stdout
        .split(|&b| b == 0)
        .filter_map(|rec| {
            let rec = String::from_utf8_lossy(rec);
            let (meta, path) = rec.split_once('\t')?;
            let mut parts = meta.split(' ');
            let (mode, id) = (parts.next()?, parts.next()?);
            (mode.starts_with("100") && want(path)).then(|| (path.to_owned(), id.to_owned()))
        })
        .collect();
    cat_blobs(root, entries)
}

/// The hooks directory git uses for the repository around `dir` (`core.hooksPath`
/// honoured), absolute; `None` outside a repository.
pub fn hooks_dir(dir: &Path) -> Option<PathBuf> {
    let out = git(dir)
        .args(["rev-parse", "--git-path", "hooks"])
        .output()
        .ok()?;
    out.status.success().then(|| {
        dir.join(PathBuf::from(
            String::from_utf8_lossy(&out.stdout).trim_end_matches('\n'),
        ))
    })
}

/// Is a merge being concluded in the repository around `dir`? During `git merge` and
/// `git pull` (the `pre-merge-commit` hook) git sets `GIT_REFLOG_ACTION`; a merge that
/// stopped and is committed with `git commit` leaves `MERGE_HEAD`.
pub fn merging(dir: &Path) -> bool {
    let action = std::env::var("GIT_REFLOG_ACTION").unwrap_or_default();
    if action.starts_with("merge") || action.starts_with("pull") {
        return true;
    }
    git(dir)
        .args(["rev-parse", "-q", "--verify", "MERGE_HEAD"])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The repository's common git directory (shared by every linked worktree), absolute;
/// `None` outside a repository.
pub fn common_dir(dir: &Path) -> Option<PathBuf> {
    let out = git(dir)
        .args(["rev-parse", "--path-format=absolute", "--git-common-dir"])
        .output()
        .ok()?;
    out.status.success().then(|| {
        dir.join(PathBuf::from(
            String::from_utf8_lossy(&out.stdout).trim_end_matches('\n'),
        ))
    })
}

/// Contents of blobs by id, whole, through one `git cat-file --batch` ([`for_each_blob`]).
fn cat_blobs(
    root: &Path,
    entries: Vec<(String, String)>,
) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut blobs = Vec::with_capacity(entries.len());
    for_each_blob(
        root,
        &entries,
        |_| true,
        |path, blob| match blob {
            Blob::Whole(bytes) => {
                blobs.push((path.to_owned(), bytes));
                Ok(())
            }
            Blob::Stream(..) => Err(std::io::Error::other("a blob wanted whole was streamed")),
        },
    )?;
    Ok(blobs)
}
