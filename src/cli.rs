//! The command line, as clap derive types. Doc comments are the help and man text.
//! No I/O here: `commands` turns these into work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Examples:
  envseal generate-key                 # new key into the keyring; prints its id
  envseal encrypt                      # .env -> .env.encrypted (v1)
  envseal decrypt                      # .env.encrypted -> .env (mode 0600)
  SECRETS_MASTER_KEY=... envseal decrypt --stdout   # CI: no prompt, nothing on disk

Keys are found in this order: --key-file, $SECRETS_MASTER_KEY_<ENV> (for .env.<env>),
$SECRETS_MASTER_KEY, the keyring ($XDG_CONFIG_HOME/envseal/keys), a hidden prompt on a
terminal. A key is never accepted on the command line.
";

/// Make .env files safe to commit: encrypt them per value (AES-256-GCM) or whole
/// (Fernet), rotate keys, mask secrets.
#[derive(Debug, Parser)]
#[command(name = "envseal", version, about, after_help = format!("{AFTER_HELP}\n{}", crate::exit::TABLE))]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Print nothing on stderr but errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Say more about what is done (never secrets).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git
    /// common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the
    /// project root].
    #[arg(long, global = true, value_name = "PATH")]
    pub ledger: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    GenerateKey(GenerateKey),
    Encrypt(Encrypt),
    Decrypt(Decrypt),
    Rotate(Rotate),
    Status(Status),
    Mask(Mask),
    Hook(Hook),
    Run(Run),
    Edit(Edit),
    Completions(Completions),
}

/// Generate a new master key (32 random bytes from the OS).
///
/// By default the key goes into the keyring ($XDG_CONFIG_HOME/envseal/keys/<id>.key,
/// mode 0600) and its key id is printed on stdout. The key itself is printed only with
/// --stdout.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal generate-key
  envseal generate-key --out ~/.config/envseal/keys/dev.key
  envseal generate-key --stdout | some-secret-store put envseal-prod")]
pub struct GenerateKey {
    /// Write the key to this file (mode 0600) instead of the keyring.
    #[arg(long, value_name = "PATH", conflicts_with = "stdout")]
    pub out: Option<PathBuf>,
    /// Print the key itself on stdout (for a secret store); nothing is saved.
    #[arg(long)]
    pub stdout: bool,
    /// Replace an existing --out file.
    #[arg(long)]
    pub force: bool,
    /// Print {"key_id": ..., "path": ...} on stdout.
    #[arg(long, conflicts_with = "stdout")]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Per value, AES-256-GCM, diff-friendly (default).
    V1,
    /// Whole file as one Fernet token (AES-128-CBC + HMAC-SHA256), Python-compatible.
    Fernet,
}

/// Where a key comes from, for commands that need one.
#[derive(Debug, Args, Clone, Default)]
pub struct KeyArgs {
    /// Read the master key from this file.
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// Use this key from the keyring (sha256:...).
    #[arg(long, value_name = "ID")]
    pub key_id: Option<String>,
}

/// Encrypt a .env file into a committable .env.encrypted.
///
/// The v1 format keeps keys, comments and layout readable and encrypts each value;
/// re-encrypting keeps the ciphertext of unchanged values so a one-value change is a
/// one-line diff. Updating an output encrypted with the same key needs no --force.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal encrypt
  envseal encrypt .env.production -o .env.production.encrypted --key-file prod.key
  envseal encrypt --format fernet")]
pub struct Encrypt {
    /// The plaintext file [default: .env].
    #[arg(value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Same as FILE (legacy name).
    #[arg(long, value_name = "FILE", conflicts_with = "input")]
    pub env_path: Option<PathBuf>,
    /// Where to write [default: FILE.encrypted].
    #[arg(short, long, value_name = "PATH", conflicts_with = "stdout")]
    pub output: Option<PathBuf>,
    /// Write the encrypted file to stdout.
    #[arg(long)]
    pub stdout: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "v1")]
    pub format: FormatArg,
    /// Encrypt every comment too (by default only comments that read like
    /// assignments, such as #OLD_PASSWORD=..., are encrypted).
    #[arg(long)]
    pub encrypt_comments: bool,
    /// Overwrite an output that is not this file under this key (other key, other
    /// format, not encrypted) without asking.
    #[arg(long, short = 'f', visible_alias = "yes")]
    pub force: bool,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// Decrypt an encrypted file (v1 or Fernet, told apart by content).
///
/// The output is created with mode 0600. An existing, different output is replaced
/// only with --force (on a terminal, envseal asks).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal decrypt
  envseal decrypt .env.encrypted --stdout
  SECRETS_MASTER_KEY=... envseal decrypt")]
pub struct Decrypt {
    /// The encrypted file [default: .env.encrypted].
    #[arg(value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Same as FILE (legacy name).
    #[arg(long, value_name = "FILE", conflicts_with = "input")]
    pub encrypted_path: Option<PathBuf>,
    /// Where to write [default: FILE without .encrypted].
    #[arg(short, long, value_name = "PATH", conflicts_with = "stdout")]
    pub output: Option<PathBuf>,
    /// Write the plaintext to stdout instead of a file.
    #[arg(long)]
    pub stdout: bool,
    /// For git's textconv, showing PLAINTEXT values (opt-in; `envseal mask --textconv`
    /// shows masked ones): FILE to stdout, never a prompt, every key at hand tried by key
    /// id, and a file no key at hand opens shown as it is (exit 0). Beware: `git commit
    /// -v` then writes decrypted values into .git/COMMIT_EDITMSG.
    #[arg(long, conflicts_with_all = ["output", "force"])]
    pub textconv: bool,
    /// Replace an existing, different output without asking.
    #[arg(long, short = 'f', visible_alias = "yes")]
    pub force: bool,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// Rotate the master key: re-encrypt every file under the current key with a new one.
///
/// The new key is saved durably (0600) before any file changes; each file is
/// re-encrypted with a new data key, backed up as FILE.backup_<UTC time> (unless
/// --no-backup), verified with the new key, and replaced atomically; the ledger records
/// the rotation. A crash at any instant leaves every file decryptable with the old or the
/// new key and the rotation marked unfinished: --resume finishes it, --abort undoes it.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal rotate --reason \"Q4 2026 rotation\"
  envseal rotate .env.encrypted .env.staging.encrypted --no-backup --force
  envseal rotate --key-file current.key --new-key-file new.key --reason \"...\" --force
  envseal rotate --resume          # after a crash: finish the unfinished rotation
  envseal rotate --abort           # or put every file back under the old key")]
pub struct Rotate {
    /// Encrypted files to rotate [default: every encrypted file in the project under the
    /// current key].
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Why (recorded in the ledger).
    #[arg(long, default_value = "scheduled rotation")]
    pub reason: String,
    /// Do not keep FILE.backup_<time> copies of the old encrypted files.
    #[arg(long)]
    pub no_backup: bool,
    /// Do not ask for confirmation (needed without a terminal).
    #[arg(long, short = 'f', visible_alias = "yes")]
    pub force: bool,
    /// Save the new key to this file (mode 0600) instead of the keyring.
    #[arg(long, value_name = "PATH")]
    pub new_key_file: Option<PathBuf>,
    /// Finish the unfinished rotation the ledger shows.
    #[arg(long, conflicts_with_all = ["abort", "files"])]
    pub resume: bool,
    /// Undo the unfinished rotation: every file back under the old key (from the backups
    /// where they match).
    #[arg(long, conflicts_with_all = ["resume", "files"])]
    pub abort: bool,
    /// Print the outcome as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Also rotate the encrypted files of git submodules (other repositories; by
    /// default the project stops at a submodule's boundary).
    #[arg(long)]
    pub recurse_submodules: bool,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// Show the project's encrypted files, key ages, due rotations and problems.
///
/// For each encrypted file: format, key id, key age, last rotation, next due date
/// (rotation_interval_days in .envseal/config.toml, 90 by default), and whether it
/// matches its plaintext (needs the key, found without prompting). Plaintext env files
/// tracked by git are flagged. With --check, exit 1 when anything needs action, one
/// line per problem.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal status
  envseal status --check                  # pre-commit / CI gate
  envseal status --json | jq .problems
  envseal status --history")]
pub struct Status {
    /// Exit 1 when a file is stale, corrupt or edited by hand, a key is overdue, a
    /// plaintext env file is tracked by git or not ignored by it, or a rotation is
    /// unfinished; print one line per problem.
    #[arg(long)]
    pub check: bool,
    /// Show the rotation history from the ledger, newest first.
    #[arg(long)]
    pub history: bool,
    /// How many history rows.
    #[arg(long, default_value_t = 20, requires = "history")]
    pub limit: usize,
    /// Machine-readable output (schema in the README).
    #[arg(long)]
    pub json: bool,
    /// Also look into git submodules (by default the project stops at a submodule's
    /// boundary: its files belong to another repository).
    #[arg(long)]
    pub recurse_submodules: bool,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// Mask secrets: a masked view of a .env file, a streaming filter, or a leak check.
///
/// View: `envseal mask FILE` prints the file (plaintext, or encrypted and decrypted in
/// memory) with sensitive values masked (`my-s...2345`; values under 12 characters as
/// `****`); layout and comments unchanged. Sensitive: the legacy names
/// (DJANGO_SECRET_KEY, STRIPE_SECRET_KEY, AWS_SECRET_ACCESS_KEY, ...), names containing
/// SECRET, PASSWORD, PASSWD, PWD, TOKEN, PRIVATE or CREDENTIAL, names ending in _KEY or
/// _SID, plus [mask] rules in .envseal/config.toml; the password in a URL is always masked.
///
/// Filter: with --secrets, stdin is copied to stdout with every occurrence of every value
/// of those files (at least --min-len bytes) replaced by `***` (or `[MASKED:KEY]` with
/// --named), in constant memory; line-buffered on a terminal or with --line-buffered.
///
/// Check: with --check, files and directories (honouring .gitignore), or with --staged
/// the content staged in git, are searched for the secret values; each hit prints
/// `path:line: KEY` (never the value) and the exit code is 1.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal mask .env
  envseal mask .env.encrypted
  envseal mask --all .env
  ./deploy.sh 2>&1 | envseal mask --secrets .env.encrypted
  envseal mask --check --secrets .env src/ config/ docs/README.md
  envseal mask --check --staged")]
pub struct Mask {
    /// The file to show (view), or the files and directories to search (--check).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Mask every value, not only the sensitive ones (view).
    #[arg(long)]
    pub all: bool,
    /// Where the secret values come from (.env or .env.encrypted; repeatable). With
    /// --check it defaults to the project's env files.
    #[arg(long, value_name = "FILE")]
    pub secrets: Vec<PathBuf>,
    /// Search for secret values instead of printing; exit 1 on a hit.
    #[arg(long)]
    pub check: bool,
    /// With --check: search the content staged in git (for a pre-commit hook).
    #[arg(long, requires = "check", conflicts_with = "paths")]
    pub staged: bool,
    /// Replace with [MASKED:KEY_NAME] instead of ***.
    #[arg(long)]
    pub named: bool,
    /// For git's textconv (diff.envseal.textconv "envseal mask --textconv"): the masked
    /// view of FILE, never a prompt; every key at hand is tried by key id, and a file
    /// no key at hand opens is shown as it is (exit 0), so `git log -p` never breaks.
    #[arg(long, conflicts_with_all = ["check", "secrets"])]
    pub textconv: bool,
    /// Values shorter than this many bytes are not treated as secrets (true, 1, ...).
    #[arg(long, default_value_t = crate::mask::DEFAULT_MIN_LEN, value_name = "BYTES")]
    pub min_len: usize,
    /// Flush each line as soon as it is complete (automatic when stdout is a terminal).
    #[arg(long)]
    pub line_buffered: bool,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// Install, remove or run the git hooks (pre-commit and pre-merge-commit).
///
/// The hook checks exactly the blobs the commit will hold (never the work tree) and
/// blocks a plaintext env file (whatever its content), an encrypted file that is corrupt
/// or edited by hand or does not match its plaintext, a key, or a known secret value;
/// each refusal says what to run. It never prompts. `install` adds a marked block (which
/// finds envseal on PATH) right after the shebang of .git/hooks/pre-commit and
/// pre-merge-commit (core.hooksPath honoured; an existing shell hook keeps its lines;
/// installing twice changes nothing); it refuses (exit 8, nothing changed) a symlinked
/// hook, a hook that is not a shell script, or one owned by a hook manager (the
/// pre-commit framework, husky, lefthook), and says what to do instead. `uninstall`
/// removes the block wherever install put it (pre-commit.legacy included).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal hook install
  envseal hook uninstall
  envseal hook run            # what the hook runs; exit 1 blocks the commit")]
pub struct Hook {
    #[command(subcommand)]
    pub action: HookAction,
}

#[derive(Debug, Subcommand)]
pub enum HookAction {
    /// Add the envseal block to the repository's pre-commit and pre-merge-commit hooks.
    Install,
    /// Remove the envseal block (and a hook file if nothing else is in it).
    Uninstall,
    /// Check the staged content (what the hook runs).
    Run(HookRun),
}

#[derive(Debug, Args)]
pub struct HookRun {
    /// Skip the secret-value leak check (plaintext and stale checks only).
    #[arg(long)]
    pub no_leak_check: bool,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// Run a command with the decrypted variables in its environment; nothing is written to
/// disk.
///
/// The file is decrypted in memory and read with python-dotenv's rules (quotes, escapes,
/// inline comments; a bare KEY sets nothing). Variables already in the environment win
/// unless --override. ${VAR} and ${VAR:-default} are expanded only with --expand (a
/// password containing `$` stays intact by default); command substitution `$(...)` is
/// never run. envseal then replaces itself with the command (exec), so signals reach it
/// directly and its exit status is envseal's. A missing or wrong key, or a tampered
/// file, runs nothing (fail closed).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal run -- ./manage.py migrate
  envseal run -f .env.production.encrypted --key-file prod.key -- ./deploy.sh
  SECRETS_MASTER_KEY=... envseal run -- env")]
pub struct Run {
    /// The encrypted file [default: .env.encrypted].
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Values from the file replace variables already set in the environment.
    #[arg(long)]
    pub r#override: bool,
    /// Expand ${VAR} and ${VAR:-default} in unquoted and double-quoted values.
    #[arg(long)]
    pub expand: bool,
    #[command(flatten)]
    pub key: KeyArgs,
    /// The command and its arguments (after --).
    #[arg(required = true, last = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
}

/// Edit an encrypted file in $VISUAL / $EDITOR and re-encrypt it on save.
///
/// The plaintext goes to a 0600 temporary file (in /dev/shm when it exists, so it never
/// reaches a disk), removed afterwards, on error and on Ctrl-C too. An unchanged file is
/// not rewritten; re-encryption keeps unchanged values' ciphertext (minimal diff). If the
/// edited text cannot be parsed, envseal reopens the editor on a terminal, and otherwise
/// keeps the temporary file and says where.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal edit
  EDITOR=nano envseal edit .env.production.encrypted --key-file prod.key")]
pub struct Edit {
    /// The encrypted file [default: .env.encrypted].
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// Print a shell completion script (also committed under completions/).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal completions bash > ~/.local/share/bash-completion/completions/envseal
  envseal completions zsh > \"${fpath[1]}/_envseal\"
  envseal completions fish > ~/.config/fish/completions/envseal.fish")]
pub struct Completions {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The clap command, for completions and man pages.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command()
}

/// Completion scripts and man pages, rendered from the definitions above. Committed under
/// `completions/` and `man/`; `UPDATE_GENERATED=1 cargo test --lib generated` rewrites
/// them, and the test fails when they drift from the code.
pub fn generated_files() -> Vec<(String, Vec<u8>)> {
    use clap_complete::Shell;
    let mut files = Vec::new();
    for (shell, name) in [
        (Shell::Bash, "envseal.bash"),
        (Shell::Zsh, "_envseal"),
        (Shell::Fish, "envseal.fish"),
        (Shell::PowerShell, "_envseal.ps1"),
        (Shell::Elvish, "envseal.elv"),
    ] {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut command(), "envseal", &mut out);
        files.push((format!("completions/{name}"), out));
    }
    let root = command();
    let mut out = Vec::new();
    // Rendering into a Vec cannot fail.
    let _ = clap_mangen::Man::new(root.clone()).render(&mut out);
    files.push(("man/envseal.1".to_owned(), out));
    for sub in root.get_subcommands() {
        let name = format!("envseal-{}", sub.get_name());
        let cmd = sub
            .clone()
            .name(name.clone())
            .bin_name(format!("envseal {}", sub.get_name()));
        let mut out = Vec::new();
        let _ = clap_mangen::Man::new(cmd).render(&mut out);
        files.push((format!("man/{name}.1"), out));
    }
    files
}

#[cfg(test)]
mod generated {
    #[test]
    fn completions_and_man_pages_match_the_code() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let update = std::env::var_os("UPDATE_GENERATED").is_some();
        let mut stale = Vec::new();
        for (rel, bytes) in super::generated_files() {
            let path = root.join(&rel);
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &bytes).unwrap();
            } else if std::fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
                stale.push(rel);
            }
        }
        assert!(
            stale.is_empty(),
            "out of date: {stale:?}; run UPDATE_GENERATED=1 cargo test --lib generated and commit the result"
        );
    }

    #[test]
    fn every_subcommand_has_examples() {
        let cmd = super::command();
        for sub in cmd.get_subcommands() {
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                help.contains("Examples:"),
                "{} --help has no examples",
                sub.get_name()
            );
        }
    }
}
