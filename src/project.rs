//! The project: its root (the nearest ancestor holding `.git`, else the current
//! directory), its settings, and the env files in it.

use std::path::{Path, PathBuf};

use crate::config::{self, Config};

#[derive(Clone, Debug)]
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    /// Walk into git submodules (other repositories); off unless asked for.
    pub recurse_submodules: bool,
}

/// The nearest ancestor of `start` (itself included) holding `.git`, else `start`.
pub fn root_of(start: &Path) -> PathBuf {
    start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(start)
        .to_path_buf()
}

impl Project {
    /// The project around the current directory.
    pub fn discover() -> Result<Project, config::ConfigError> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        // With GIT_DIR / GIT_WORK_TREE set, the work tree is where git says, not where a
        // `.git` is found.
        let from_git = (std::env::var_os("GIT_DIR").is_some()
            || std::env::var_os("GIT_WORK_TREE").is_some())
        .then(|| crate::git::toplevel(&cwd))
        .flatten();
        let root = from_git.unwrap_or_else(|| root_of(&cwd));
        let config = config::load(&root)?;
        Ok(Project {
            root,
            config,
            recurse_submodules: false,
        })
    }

    /// `.envseal/` under the root: config, ledger, locks.
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(".envseal")
    }

    /// Every encrypted env file under the root: names ending in `.encrypted` whose content
    /// is an envseal format, found by a walk that honours .gitignore and skips `.git`.
    /// Sorted, relative to nothing (paths as found from the root).
    pub fn encrypted_files(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self
            .encrypted_names()
            .into_iter()
            .filter(|p| is_encrypted_file(p))
            .collect();
        out.sort();
        out
    }

    /// Every file under the root whose name ends in `.encrypted`, whatever its content
    /// (a corrupt one included), by the same walk as [`Project::encrypted_files`].
    pub fn encrypted_names(&self) -> Vec<PathBuf> {
        self.files_named(|n| n.ends_with(".encrypted"))
    }

    /// Every file under the root whose name satisfies `want`: a walk that honours
    /// .gitignore, skips `.git` and `.envseal`, and stops at submodules (nested
    /// repositories) unless `recurse_submodules`.
    pub fn files_named(&self, want: impl Fn(&str) -> bool) -> Vec<PathBuf> {
        let recurse = self.recurse_submodules;
        let mut out: Vec<PathBuf> = ignore::WalkBuilder::new(&self.root)
            .hidden(false)
            .require_git(false)
            .filter_entry(move |e| {
                e.file_name() != ".git"
                    && e.file_name() != ".envseal"
                    // A submodule (or any nested repository) is another project.
                    && (recurse
                        || e.depth() == 0
                        || !e.file_type().is_some_and(|t| t.is_dir())
                        || !e.path().join(".git").exists())
            })
            .build()
            .filter_map(Result::ok)
            // A link to an encrypted file counts too (writes go through it to its target).
            .filter(|e| {
                e.file_type()
                    .is_some_and(|t| t.is_file() || (t.is_symlink() && e.path().is_file()))
            })
            .map(|e| e.into_path())
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&want))
            .collect();
        out.sort();
        // One file reached by two names (a link beside its target) is one file: the
        // first name in sorted order stands for it.
        let mut seen = Vec::new();
        out.retain(|p| {
            let real = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
            let first = !seen.contains(&real);
            seen.push(real);
            first
        });
        out
    }

    /// `path` relative to the root, for display and the ledger.
    pub fn relative<'a>(&self, path: &'a Path) -> std::borrow::Cow<'a, Path> {
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(path)
        };
        match abs.strip_prefix(&self.root) {
            Ok(rel) => std::borrow::Cow::Owned(rel.to_path_buf()),
            Err(_) => std::borrow::Cow::Borrowed(path),
        }
    }
}

/// Does the file start like an envseal format? Reads at most 4 KiB for v1, the whole
/// (small) file for a Fernet token.
pub fn is_encrypted_file(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| crate::format::detect(&b).is_some())
}

/// The plaintext file an encrypted file stands for (`X.encrypted` → `X`).
pub fn plaintext_for(encrypted: &Path) -> Option<PathBuf> {
    let name = encrypted.file_name()?.to_str()?;
    let stem = name.strip_suffix(".encrypted").filter(|s| !s.is_empty())?;
    Some(encrypted.with_file_name(stem))
}

/// Where the project's ledger lives by default. In a git repository: `envseal/ledger.db`
/// in the repository's common git directory (`git rev-parse --git-common-dir`), so every
/// linked worktree shares one ledger and `git clean -fdx`, `git stash --all` and
/// `git sparse-checkout` never touch it; an existing `.envseal/ledger.db` (where earlier
/// versions kept it) is moved there on first use. Outside git: `.envseal/ledger.db` in
/// the project root. (`--ledger` and `ENVSEAL_LEDGER` are handled by the caller.)
pub fn ledger_path(project: &Project, warn: &mut dyn FnMut(String)) -> PathBuf {
    let old = crate::ledger::default_path(&project.root);
    let Some(common) = crate::git::common_dir(&project.root) else {
        return old;
    };
    let new = common.join("envseal").join("ledger.db");
    if old.exists() && !new.exists() {
        if let Err(e) = migrate_ledger(&old, &new) {
            warn(format!(
                "could not move the ledger from {} to {} ({e}); using it where it is",
                old.display(),
                new.display()
            ));
            return old;
        }
    }
    new
}

/// Move a SQLite ledger with its WAL and shared-memory files (renames: the files stay
/// consistent with each other, and a process that has them open keeps working on them).
fn migrate_ledger(old: &Path, new: &Path) -> std::io::Result<()> {
    if let Some(dir) = new.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let with = |p: &Path, suffix: &str| {
        let mut s = p.as_os_str().to_owned();
        s.push(suffix);
        PathBuf::from(s)
    };
    for suffix in ["-wal", "-shm", ""] {
        let from = with(old, suffix);
        if from.exists() {
            std::fs::rename(&from, with(new, suffix))?;
        }
    }
    Ok(())
}
