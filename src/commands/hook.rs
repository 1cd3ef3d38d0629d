//! `envseal hook`: the git pre-commit hook — install, uninstall, and the check it runs.
//!
//! The installed hook is a block between marker lines, added to `pre-commit` in the hooks
//! directory git uses (`core.hooksPath` honoured), so an existing hook keeps working and
//! installing twice changes nothing. The block runs `envseal hook run`, which refuses a
//! commit that stages
//! - a plaintext env file (a name matching the project's plaintext patterns, content that
//!   parses as dotenv and is not encrypted);
//! - an encrypted file that does not match its plaintext in the work tree (needs the key,
//!   found without prompting; skipped without one);
//! - content holding a known secret value (the leak check of `envseal mask --check
//!   --staged`).
//!
//! It never prompts, and reads the staged content once (`git diff --cached` + one
//! `git cat-file --batch`), whatever the number of files; the leak check reuses it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

use super::{open_encrypted_opts, Ui};
use crate::cli::{Hook, HookAction};
use crate::exit::{Code, Failure};
use crate::format;
use crate::project::{self, Project};

const BEGIN: &str = "# >>> envseal >>>";
const END: &str = "# <<< envseal <<<";

pub fn run(args: &Hook, ui: &Ui) -> Result<()> {
    match &args.action {
        HookAction::Install => install(ui),
        HookAction::Uninstall => uninstall(ui),
        HookAction::Run(a) => check(a, ui),
    }
}

/// The pre-commit hook file git runs in this repository.
fn hook_path() -> Result<PathBuf> {
    let out = Command::new("git")
        .args(["rev-parse", "--git-path", "hooks"])
        .stderr(Stdio::null())
        .output()
        .context("cannot run git")?;
    if !out.status.success() {
        return Err(Failure::new(
            Code::Usage,
            "not in a git repository; run this inside the repository to protect",
        )
        .into());
    }
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim_end());
    Ok(dir.join("pre-commit"))
}

fn block() -> String {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "envseal".to_owned());
    format!(
        "{BEGIN} (added by `envseal hook install`; remove with `envseal hook uninstall`)\n\
         envseal_bin=$(command -v envseal || echo '{}')\n\
         \"$envseal_bin\" hook run || exit $?\n\
         {END}\n",
        exe.replace('\'', "'\\''")
    )
}

fn install(ui: &Ui) -> Result<()> {
    let path = hook_path()?;
    super::merge::install_driver(ui)?;
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    let mut text = strip_block(&existing);
    if text.trim().is_empty() {
        text = "#!/bin/sh\n".to_owned();
    } else if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&block());
    if text == existing {
        ui.info(format!(
            "the envseal pre-commit hook is already installed in {}",
            path.display()
        ));
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::fsutil::write_atomic(&path, text.as_bytes(), 0o755)
        .with_context(|| format!("cannot write {}", path.display()))?;
    ui.info(format!(
        "installed the envseal pre-commit hook in {}{}",
        path.display(),
        if existing.trim().is_empty() {
            ""
        } else {
            " (added to the existing hook)"
        }
    ));
    Ok(())
}

fn uninstall(ui: &Ui) -> Result<()> {
    let path = hook_path()?;
    super::merge::uninstall_driver(ui)?;
    let Ok(existing) = std::fs::read_to_string(&path) else {
        ui.info("no pre-commit hook installed");
        return Ok(());
    };
    let rest = strip_block(&existing);
    if rest == existing {
        ui.info(format!("{} has no envseal block", path.display()));
        return Ok(());
    }
    let only_shebang = rest
        .lines()
        .all(|l| l.trim().is_empty() || l.starts_with("#!"));
    if only_shebang {
        std::fs::remove_file(&path)?;
    } else {
        crate::fsutil::write_atomic(
            &path,
            rest.as_bytes(),
            crate::fsutil::mode(&path).map_or(0o755, |m| m & 0o777),
        )?;
    }
    ui.info(format!(
        "removed the envseal pre-commit hook from {}",
        path.display()
    ));
    Ok(())
}

/// The hook text without our block.
fn strip_block(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for line in text.split_inclusive('\n') {
        if line.starts_with(BEGIN) {
            inside = true;
        } else if inside && line.starts_with(END) {
            inside = false;
        } else if !inside {
            out.push_str(line);
        }
    }
    out
}

fn check(args: &crate::cli::HookRun, ui: &Ui) -> Result<()> {
    let project = Project::discover()?;
    let root = crate::git::toplevel(&project.root)
        .ok_or_else(|| Failure::new(Code::Usage, "not in a git work tree"))?;
    let staged =
        crate::git::staged_blobs(&root).context("cannot read the staged content from git")?;
    // Every encrypted file in the index is compared with its plaintext, not only the ones
    // this commit changes: committing while .env has edits that .env.encrypted lacks would
    // leave teammates without them.
    let mut checked: Vec<(String, Vec<u8>)> =
        crate::git::index_blobs(&root, |p| p.ends_with(".encrypted"))
            .context("cannot read the index from git")?;
    for (rel, bytes) in &staged {
        if !checked.iter().any(|(p, _)| p == rel) {
            checked.push((rel.clone(), bytes.clone()));
        }
    }
    let mut problems = Vec::new();
    for (rel, bytes) in &checked {
        let path = root.join(rel);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let encrypted = format::detect(bytes).is_some();
        if !encrypted
            && project.config.is_plaintext_name(name)
            && crate::dotenv::parse_bytes(bytes).is_ok()
        {
            problems.push(format!(
                "{rel}: a plaintext env file is staged; run: git restore --staged {q} && envseal encrypt {q}",
                q = super::shell_quote(rel)
            ));
        }
        if encrypted {
            if let Some(plain) = project::plaintext_for(&path).filter(|p| p.is_file()) {
                if let Ok(opened) = open_encrypted_opts(Path::new(rel), bytes, &args.key, ui, false)
                {
                    let on_disk = std::fs::read(&plain).ok();
                    if let Some(on_disk) = on_disk.filter(|p| *p != *opened.plaintext) {
                        let plain_rel = plain
                            .strip_prefix(&root)
                            .unwrap_or(&plain)
                            .display()
                            .to_string();
                        problems.extend(super::sync::hook_problem(
                            ui,
                            &plain,
                            &path,
                            &opened.key.key,
                            &on_disk,
                            &opened.plaintext,
                            &plain_rel,
                            rel,
                        ));
                    }
                } else {
                    ui.detail(format!(
                        "{rel}: no key at hand; not checked against its plaintext"
                    ));
                }
            }
        }
    }
    if !args.no_leak_check {
        for hit in super::mask::staged_leaks(&project, &args.key, ui, &root, &staged)? {
            problems.push(format!(
                "{hit}: a secret value is staged; remove it (use a variable or `envseal run`)"
            ));
        }
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
            "commit blocked by envseal: {} problem(s) (bypass once with git commit --no-verify)",
            problems.len()
        ),
    )
    .into())
}
