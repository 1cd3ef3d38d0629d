//! `envseal hook`: the git hooks — install, uninstall, and the check they run.
//!
//! `install` puts a block between marker lines into `pre-commit` and `pre-merge-commit`
//! (a clean automatic merge runs only the latter) in the hooks directory git uses
//! (`core.hooksPath` honoured). The block finds `envseal` on `PATH` when it runs — a
//! shared `.githooks/` works for every teammate — and when it is missing says, in one
//! line, how to install it and how to bypass once. It goes right after the shebang of an
//! existing shell hook, so a hook that ends in `exec` or `exit` still runs it. A hook
//! envseal cannot safely extend (a symlink, not a shell script, one owned by a hook
//! manager such as the pre-commit framework, husky or lefthook) is left alone, and
//! `install` refuses (exit 8) with the exact alternative; nothing is written then.
//! `uninstall` finds the block wherever `install` put it, including `pre-commit.legacy`
//! where the pre-commit framework moves a hook it wraps.
//!
//! The block runs `envseal hook run`, which refuses a commit whose staged blobs hold
//! - a plaintext env file: a plaintext env name whose content is not an envseal or Fernet
//!   encrypted file, whether or not it parses;
//! - an encrypted file that is not well-formed (judged without a key), or that fails its
//!   integrity check with the key at hand (corrupt, or edited by hand);
//! - an encrypted file that does not match its plaintext in the work tree (key at hand);
//! - a key: an envseal key's text, a key file, an age identity;
//! - a known secret value (the leak check of `envseal mask --check --staged`).
//!
//! It never prompts, and reads exactly the blobs the commit will contain, from git's
//! object database (`git diff --cached` + one `git cat-file --batch`, whatever the number
//! of files): never the work tree, whatever the index flags, filters and entry types.
//! A blob over 1 MiB is streamed through the key and leak checks, never held whole,
//! unless its name or its first bytes say it is an env or encrypted file.
//!
//! Rebases, cherry-picks and `git commit -n` run no pre-commit hook; see the README.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::at_hand::{self, Opened};
use super::Ui;
use crate::cli::{Hook, HookAction};
use crate::exit::{Code, Failure};
use crate::format;
use crate::project::{self, Project};

const BEGIN: &str = "# >>> envseal >>>";
const END: &str = "# <<< envseal <<<";
/// The hooks envseal installs: `pre-merge-commit` is what a clean automatic merge runs.
const HOOKS: [&str; 2] = ["pre-commit", "pre-merge-commit"];

pub fn run(args: &Hook, ui: &Ui) -> Result<()> {
    match &args.action {
        HookAction::Install => install(ui),
        HookAction::Uninstall => uninstall(ui),
        HookAction::Run(a) => check(a, ui),
    }
}

/// The hooks directory git runs hooks from in this repository.
fn hooks_dir() -> Result<PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    crate::git::hooks_dir(&cwd).ok_or_else(|| {
        Failure::new(
            Code::Usage,
            "not in a git repository; run this inside the repository to protect",
        )
        .into()
    })
}

/// The block: envseal from `PATH` at commit time (never the installer's own path, which
/// a teammate sharing the hooks directory does not have).
fn block() -> String {
    format!(
        "{BEGIN} (added by `envseal hook install`; remove with `envseal hook uninstall`)\n\
         if command -v envseal >/dev/null 2>&1; then envseal hook run || exit $?; \
         else echo 'envseal: not found on PATH, so this commit was not checked; install it \
         (cargo install --path <envseal checkout>) or bypass once: git commit --no-verify' >&2; \
         exit 1; fi\n\
         {END}\n"
    )
}

/// What installing into one hook file would do.
enum Plan {
    /// The block is there, as it is today.
    Unchanged(PathBuf),
    /// The pre-commit framework runs the hook it wrapped, which holds our block.
    Wrapped(PathBuf),
    /// Write this text.
    Write {
        path: PathBuf,
        text: String,
        mode: u32,
        added_to_existing: bool,
    },
}

/// Set up envseal in this repository, one step after another: the hooks (all checked
/// before any is written). Further set-up steps (merge driver) go after the hooks.
fn install(ui: &Ui) -> Result<()> {
    let dir = hooks_dir()?;
    let plans = HOOKS
        .iter()
        .map(|name| plan_install(&dir, name))
        .collect::<Result<Vec<_>>>()?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for plan in plans {
        match plan {
            Plan::Unchanged(path) => ui.info(format!(
                "the envseal hook is already installed in {}",
                path.display()
            )),
            Plan::Wrapped(path) => ui.info(format!(
                "the envseal hook is already installed in {} (run by the pre-commit framework)",
                path.display()
            )),
            Plan::Write {
                path,
                text,
                mode,
                added_to_existing,
            } => {
                crate::fsutil::write_atomic(&path, text.as_bytes(), mode)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                ui.info(format!(
                    "installed the envseal hook in {}{}",
                    path.display(),
                    if added_to_existing {
                        " (added at the top of the existing hook)"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
    super::merge::install_driver(ui)?;
    if !on_path("envseal") {
        ui.warn(
            "envseal is not on PATH, and the hook runs it from there: until it is, the hook \
             refuses every commit (install it with: cargo install --path <envseal checkout>)",
        );
    }
    Ok(())
}

fn on_path(name: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p).any(|d| {
            std::fs::metadata(d.join(name))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// The exact alternative for a hook managed by a known hook manager, by its text.
fn manager_alternative(text: &str) -> Option<String> {
    if text.contains("pre-commit.com") {
        return Some(
            "it is managed by the pre-commit framework; add envseal there instead, in \
             .pre-commit-config.yaml: the hooks `envseal-check` and `envseal-leak-check` of \
             envseal's .pre-commit-hooks.yaml, or without a repository URL:\n\
             - repo: local\n  hooks:\n  - {id: envseal-check, name: envseal, entry: envseal hook run, \
             language: system, pass_filenames: false, stages: [pre-commit, pre-merge-commit]}\n\
             then: pre-commit install -t pre-commit -t pre-merge-commit"
                .to_owned(),
        );
    }
    if text.contains("husky") {
        return Some(
            "it is managed by husky; add the line `envseal hook run` to .husky/pre-commit instead"
                .to_owned(),
        );
    }
    if text.contains("lefthook") {
        return Some(
            "it is managed by lefthook; add to lefthook.yml instead:\n\
             pre-commit:\n  commands:\n    envseal:\n      run: envseal hook run"
                .to_owned(),
        );
    }
    if text.contains("overcommit") {
        return Some(
            "it is managed by overcommit; add `envseal hook run` as a PreCommit hook in \
             .overcommit.yml instead"
                .to_owned(),
        );
    }
    None
}

/// Is this hook text a shell script we can add lines to? No shebang (git runs it with
/// sh), or a shebang naming a POSIX-family shell.
fn is_shell(text: &str) -> bool {
    let Some(first) = text.lines().next().filter(|l| l.starts_with("#!")) else {
        return true;
    };
    let mut words = first[2..].split_whitespace();
    let mut prog = words.next().unwrap_or_default();
    if prog.ends_with("/env") {
        prog = words.find(|w| !w.starts_with('-')).unwrap_or_default();
    }
    let base = prog.rsplit('/').next().unwrap_or_default();
    matches!(
        base,
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "ash" | "busybox"
    )
}

fn plan_install(dir: &Path, name: &str) -> Result<Plan> {
    let path = dir.join(name);
    let refuse = |why: String| -> anyhow::Error {
        Failure::new(
            Code::Refused,
            format!(
                "not installing into {}: {why}\nnothing was changed",
                path.display()
            ),
        )
        .into()
    };
    if let Ok(meta) = std::fs::symlink_metadata(&path) {
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).unwrap_or_default();
            if std::fs::read_to_string(&path).is_ok_and(|t| t.contains(BEGIN)) {
                return Ok(Plan::Unchanged(path));
            }
            return Err(refuse(format!(
                "it is a symlink (to {}), which envseal will not replace; add the line \
                 `envseal hook run || exit $?` near the top of the file it points to",
                target.display()
            )));
        }
    }
    let existing = match std::fs::read(&path) {
        Ok(b) => Some(String::from_utf8(b).map_err(|_| {
            refuse("it is not a text file; add a call to `envseal hook run` to it yourself".into())
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!("cannot read {}", path.display())))
        }
    };
    let Some(existing) = existing.filter(|t| !t.trim().is_empty()) else {
        return Ok(Plan::Write {
            path,
            text: format!("#!/bin/sh\n{}", block()),
            mode: 0o755,
            added_to_existing: false,
        });
    };
    let mode = crate::fsutil::mode(&path).map_or(0o755, |m| (m & 0o777) | 0o111);
    if existing.contains(BEGIN) {
        // Ours already. An older version appended its block at the end (after a possible
        // `exec`) and baked in its own path: put today's block right after the shebang.
        let rest = strip_block(&existing);
        let text = if rest
            .lines()
            .all(|l| l.trim().is_empty() || l.starts_with("#!"))
        {
            format!("#!/bin/sh\n{}", block())
        } else {
            after_shebang(&rest)
        };
        if text == existing {
            return Ok(Plan::Unchanged(path));
        }
        return Ok(Plan::Write {
            path,
            text,
            mode,
            added_to_existing: false,
        });
    }
    let legacy = dir.join(format!("{name}.legacy"));
    if std::fs::read_to_string(&legacy).is_ok_and(|t| t.contains(BEGIN))
        && manager_alternative(&existing).is_some()
    {
        return Ok(Plan::Wrapped(legacy));
    }
    if let Some(alt) = manager_alternative(&existing) {
        return Err(refuse(alt));
    }
    if !is_shell(&existing) {
        return Err(refuse(
            "it is not a shell script, so envseal cannot add lines to it; call \
             `envseal hook run` from it (exit status 1 means block the commit)"
                .into(),
        ));
    }
    Ok(Plan::Write {
        path,
        text: after_shebang(&existing),
        mode,
        added_to_existing: true,
    })
}

/// A shell hook with the block right after its shebang: it runs before anything that
/// could `exec` or `exit`.
fn after_shebang(existing: &str) -> String {
    let (shebang, rest) = match existing.strip_prefix("#!") {
        Some(_) => existing.split_once('\n').unwrap_or((existing, "")),
        None => ("#!/bin/sh", existing),
    };
    format!("{shebang}\n{}{rest}", block())
}

/// `text` with its envseal block replaced by `new` (at the same place).
fn replace_block(text: &str, new: &str) -> String {
    let mut out = String::with_capacity(text.len() + new.len());
    let mut inside = false;
    for line in text.split_inclusive('\n') {
        if line.starts_with(BEGIN) {
            inside = true;
            out.push_str(new);
        } else if inside && line.starts_with(END) {
            inside = false;
        } else if !inside {
            out.push_str(line);
        }
    }
    out
}

/// Remove the block from every hook file `install` (or the pre-commit framework moving
/// our hook aside) can have put it in.
fn uninstall(ui: &Ui) -> Result<()> {
    let dir = hooks_dir()?;
    super::merge::uninstall_driver(ui)?;
    let mut removed = 0;
    for name in HOOKS {
        for file in [name.to_owned(), format!("{name}.legacy")] {
            let path = dir.join(&file);
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
                continue; // never ours to rewrite
            }
            let Ok(existing) = std::fs::read_to_string(&path) else {
                continue;
            };
            if !existing.contains(BEGIN) {
                continue;
            }
            let rest = strip_block(&existing);
            let only_shebang = rest
                .lines()
                .all(|l| l.trim().is_empty() || l.starts_with("#!"));
            if only_shebang {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            } else {
                crate::fsutil::write_atomic(
                    &path,
                    rest.as_bytes(),
                    crate::fsutil::mode(&path).map_or(0o755, |m| m & 0o777),
                )
                .with_context(|| format!("cannot write {}", path.display()))?;
            }
            removed += 1;
            ui.info(format!("removed the envseal hook from {}", path.display()));
        }
    }
    if removed == 0 {
        ui.info(format!(
            "no envseal hook found in {} (pre-commit, pre-merge-commit)",
            dir.display()
        ));
    }
    Ok(())
}

/// The hook text without our block.
fn strip_block(text: &str) -> String {
    replace_block(text, "")
}

/// A path as a shell word, for commands the user pastes.
fn shq(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"._-/+=:@,".contains(&c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn check(args: &crate::cli::HookRun, ui: &Ui) -> Result<()> {
    let project = Project::discover()?;
    let root = crate::git::toplevel(&project.root)
        .ok_or_else(|| Failure::new(Code::Usage, "not in a git work tree"))?;
    let staged =
        crate::git::staged_entries(&root).context("cannot read the staged content from git")?;
    let keys = at_hand::keys(args.key.key_file.as_deref());
    // A merge brings in others' encrypted files: comparing them with this clone's
    // plaintext says nothing about the merge (status still reports a stale pair).
    let compare = !crate::git::merging(&root);
    let mut leaks = if args.no_leak_check {
        None
    } else {
        Some(super::mask::staged_scan(&project, &args.key, ui, &root)?)
    };
    let mut problems = Vec::new();
    // Each blob is checked as it is read. Env and encrypted files by name are read whole
    // (they are small); any other blob over 1 MiB is streamed through the key and leak
    // checks in constant memory, and read whole only when it starts like an encrypted file.
    let whole = |rel: &str| {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        name.ends_with(".encrypted") || project.config.is_plaintext_name(name)
    };
    crate::git::for_each_blob(&root, &staged, whole, |rel, blob| {
        let bytes = match blob {
            crate::git::Blob::Whole(bytes) => bytes,
            crate::git::Blob::Stream(_, rest) => {
                let mut head = super::mask::read_head(rest)?;
                if super::mask::looks_encrypted(&head) {
                    rest.read_to_end(&mut head)?;
                    head
                } else {
                    let mut none = super::mask::LeakScan::none();
                    let scan = leaks.as_mut().unwrap_or(&mut none);
                    if let Some(what) = scan.scan_stream(rel, &head, rest, Some(&keys))? {
                        problems.push(key_problem(rel, what));
                    }
                    return Ok(());
                }
            }
        };
        check_blob(
            &project,
            &root,
            rel,
            &bytes,
            &keys,
            true,
            compare,
            ui,
            &mut problems,
        );
        if let Some(scan) = leaks.as_mut() {
            scan.scan_staged(rel, &bytes);
        }
        Ok(())
    })
    .context("cannot read the staged content from git")?;
    // Every encrypted file in the index is compared with its plaintext, not only the ones
    // this commit changes: committing while .env has edits that .env.encrypted lacks would
    // leave teammates without them.
    let staged_paths: HashSet<&str> = staged.iter().map(|(p, _)| p.as_str()).collect();
    let indexed = crate::git::index_blobs(&root, |p| {
        p.ends_with(".encrypted") && !staged_paths.contains(p)
    })
    .context("cannot read the index from git")?;
    for (rel, bytes) in &indexed {
        check_blob(
            &project,
            &root,
            rel,
            bytes,
            &keys,
            false,
            compare,
            ui,
            &mut problems,
        );
    }
    for hit in leaks.map(|l| l.hits).unwrap_or_default() {
        problems.push(format!(
            "{hit}: a secret value is staged; remove it (use a variable or `envseal run`)"
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    let mut out = String::new();
    for p in &problems {
        out.push_str(p);
        out.push('\n');
    }
    // The hook's output is its message to the committer: stderr.
    eprint!("{out}");
    Err(Failure::new(
        Code::CheckFailed,
        format!(
            "commit blocked by envseal: {} problem{} (bypass once with git commit --no-verify)",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        ),
    )
    .into())
}

/// A staged blob holds a key (`what` from [`at_hand::holds_key`]).
fn key_problem(rel: &str, what: &str) -> String {
    let q = shq(rel);
    format!(
        "{rel}: holds {what}; run: git restore --staged {q}, keep it out of git (.gitignore), and rotate the key if it was ever pushed"
    )
}

/// The checks of one blob the commit will hold (`staged`), or of an encrypted file the
/// index already holds (only compared with its plaintext, and only when `compare`).
#[allow(clippy::too_many_arguments)]
fn check_blob(
    project: &Project,
    root: &Path,
    rel: &str,
    bytes: &[u8],
    keys: &[crate::key::Loaded],
    staged: bool,
    compare: bool,
    ui: &Ui,
    problems: &mut Vec<String>,
) {
    let path = root.join(rel);
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let q = shq(rel);
    let encrypted = format::detect(bytes).is_some();
    if staged && !encrypted && project.config.is_plaintext_name(name) {
        // Whatever the content: one that does not parse (an unterminated quote, a Latin-1
        // byte) holds secrets just the same.
        problems.push(format!(
            "{rel}: a plaintext env file is staged; run: git restore --staged {q} && envseal encrypt {q}"
        ));
        return;
    }
    if staged && !encrypted {
        if let Some(what) = at_hand::holds_key(bytes, keys) {
            problems.push(key_problem(rel, what));
            return;
        }
    }
    if !encrypted && !name.ends_with(".encrypted") {
        return;
    }
    // A creation rule with `require_secret_slot`: a staged file anyone with the public
    // keys could have written is blocked, judged from its header (no key, no KMS call).
    if staged && encrypted {
        let rel_to_project = project.relative(&path);
        problems.extend(super::status::authorship_of(
            &project.config,
            &rel_to_project,
            bytes,
        ));
    }
    match at_hand::open(bytes, keys) {
        Opened::Plain(..) if !compare => {}
        Opened::Plain(plain, key) => {
            // Opened through an age or ssh slot: compared all the same, the sync record
            // keyed by the file's data key (`crate::sync`).
            let Some(key) = key.or_else(|| super::sync::record_key_local(bytes, &[])) else {
                return;
            };
            let Some(plain_path) = project::plaintext_for(&path).filter(|p| p.is_file()) else {
                return;
            };
            if let Some(on_disk) = std::fs::read(&plain_path).ok().filter(|p| *p != *plain) {
                let plain_rel = plain_path
                    .strip_prefix(root)
                    .unwrap_or(&plain_path)
                    .display()
                    .to_string();
                // Which side moved since this clone's last sync decides the advice (and a
                // plaintext that is only behind a pulled file is a note, not a block).
                problems.extend(super::sync::hook_problem(
                    ui,
                    &plain_path,
                    &path,
                    &key,
                    &on_disk,
                    &plain,
                    &plain_rel,
                    rel,
                ));
            }
        }
        Opened::NoKey { needs } => ui.detail(format!(
            "{rel}: no key at hand{}; not checked against its plaintext",
            needs.map(|k| format!(" (it needs {k})")).unwrap_or_default()
        )),
        Opened::Corrupt(why) if staged => problems.push(format!(
            "{rel}: corrupt or edited by hand ({why}); nobody could decrypt it. Restore it (git checkout HEAD -- {q}) and make changes with envseal edit or envseal encrypt"
        )),
        Opened::NotEncrypted if staged => problems.push(format!(
            "{rel}: not an encrypted file (corrupt or edited by hand, e.g. a merge conflict resolved in the file); restore it (git checkout HEAD -- {q}) and re-create it with envseal encrypt"
        )),
        Opened::Corrupt(_) | Opened::NotEncrypted => {}
    }
}
