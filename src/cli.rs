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
    Set(Set),
    Unset(Unset),
    Get(Get),
    Export(Export),
    Key(KeyCommand),
    Completions(Completions),
    Sync(Sync),
    Merge(Merge),
    Recipients(RecipientsCommand),
    Updatekeys(Updatekeys),
}

/// Manage the keyring: import a key someone gave you, list the keys you hold.
///
/// The keyring is $ENVSEAL_KEYRING, else $XDG_CONFIG_HOME/envseal/keys, else
/// ~/.config/envseal/keys. Keys in it are found by their content, whatever their files
/// are called; `import` saves a key as <id>.key (mode 0600). No command here ever prints
/// a key: only key ids, file names and dates.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal key import ~/Downloads/prod.key
  some-secret-store get envseal-prod | envseal key import -
  envseal key list
  envseal key list --json")]
pub struct KeyCommand {
    #[command(subcommand)]
    pub action: KeyAction,
}

#[derive(Debug, Subcommand)]
pub enum KeyAction {
    /// Save a key (from FILE, or `-` for stdin; hidden prompt on a terminal) into the
    /// keyring as <id>.key, mode 0600; prints its key id.
    Import(KeyImport),
    /// List the keyring's keys: key id, when its file was written, file. Never the key.
    List(KeyList),
}

#[derive(Debug, Args)]
pub struct KeyImport {
    /// A file holding the key, or `-` to read it from stdin.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct KeyList {
    /// Print JSON: `{"schema": 1, "keys": [{"id", "file", "created"}]}` (`created`: when
    /// the key file was written, RFC 3339 UTC).
    #[arg(long)]
    pub json: bool,
}

/// Generate a new master key (32 random bytes from the OS), or with --age an age identity.
///
/// By default the key goes into the keyring ($XDG_CONFIG_HOME/envseal/keys/<id>.key,
/// mode 0600) and its key id is printed on stdout. The key itself is printed only with
/// --stdout.
///
/// With --age, a new age X25519 identity goes into the identities directory
/// ($XDG_CONFIG_HOME/envseal/identities/<recipient>.txt, or $ENVSEAL_KEYRING/identities,
/// mode 0600, never replacing a file) or to --out, in the format age-keygen writes; its
/// public recipient (age1...) is printed on stdout, to be shared with whoever encrypts.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal generate-key
  envseal generate-key --out ~/.config/envseal/keys/dev.key
  envseal generate-key --stdout | some-secret-store put envseal-prod
  envseal generate-key --age
  envseal generate-key --age --out ci-identity.txt --json")]
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
    /// Print {"key_id": ..., "path": ...} on stdout ({"recipient": ..., "path": ...}
    /// with --age).
    #[arg(long, conflicts_with = "stdout")]
    pub json: bool,
    /// Generate an age identity (a private key; its recipient age1... is public) instead
    /// of a master key. Never replaces an existing file.
    #[arg(long, conflicts_with_all = ["stdout", "force"])]
    pub age: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Per value, AES-256-GCM, diff-friendly (default).
    V1,
    /// Whole file as one Fernet token (AES-128-CBC + HMAC-SHA256), Python-compatible.
    Fernet,
}

/// Whose reading of a `.env` file gives the values (see the README, "Dialects").
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    /// python-dotenv (load_dotenv, dotenv_values).
    Python,
    /// node's dotenv package (dotenv.config, dotenv.parse).
    Node,
    /// The dotenvy crate (dotenvy::dotenv, from_path).
    Dotenvy,
}

impl From<DialectArg> for crate::dialect::Dialect {
    fn from(d: DialectArg) -> Self {
        match d {
            DialectArg::Python => crate::dialect::Dialect::Python,
            DialectArg::Node => crate::dialect::Dialect::Node,
            DialectArg::Dotenvy => crate::dialect::Dialect::Dotenvy,
        }
    }
}

/// Where a key comes from, for commands that need one.
#[derive(Debug, Args, Clone, Default)]
pub struct KeyArgs {
    /// Read the master key from this file.
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// Use this key from the keyring (sha256:...).
    #[arg(long, value_name = "ID", value_parser = KeyIdParser)]
    pub key_id: Option<crate::key::KeyId>,
    /// An age identity file or an unencrypted OpenSSH private key that opens the file's
    /// age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE,
    /// the identities directory and ~/.ssh/id_ed25519, id_rsa).
    #[arg(long = "identity", value_name = "PATH")]
    pub identity: Vec<PathBuf>,
}

/// `--key-id` is parsed here, once, into a [`crate::key::KeyId`]. A text that is not an
/// id is a usage error that does not echo it (clap's own message would, and what was
/// typed there may be a key pasted in the wrong place).
#[derive(Clone, Copy, Debug)]
pub struct KeyIdParser;

impl clap::builder::TypedValueParser for KeyIdParser {
    type Value = crate::key::KeyId;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<crate::key::KeyId, clap::Error> {
        value.to_str().and_then(|s| s.parse().ok()).ok_or_else(|| {
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("--key-id: {}\n", crate::key::KeyIdError),
            )
            .with_cmd(cmd)
        })
    }
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
  envseal encrypt --format fernet
  envseal encrypt --age alice=age1... --age bob=age1...    # team keys: no shared secret
  envseal encrypt .env.ci --aws-kms arn:aws:kms:eu-west-1:123456789012:alias/ci --master")]
pub struct Encrypt {
    /// The plaintext file [default: .env].
    #[arg(value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Same as FILE (legacy name). `-f` means `--file` in every command; `--force` has
    /// no short form.
    #[arg(
        long,
        short = 'f',
        visible_alias = "file",
        value_name = "FILE",
        conflicts_with = "input"
    )]
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
    #[arg(long, visible_alias = "yes")]
    pub force: bool,
    #[command(flatten)]
    pub key: KeyArgs,
    /// For a NEW output: wrap its data key for this age recipient (`age1...`), one slot
    /// each; `NAME=age1...` names the slot (for `recipients list` and `remove`).
    /// Repeatable. No master slot is written unless --master is given. An existing
    /// output keeps its slots: change them with `envseal recipients add/remove`.
    #[arg(long, value_name = "[NAME=]age1...")]
    pub age: Vec<String>,
    /// For a NEW output: a slot for this OpenSSH public key (`ssh-ed25519 AAAA...` or a
    /// .pub file; `NAME=...` names it). Repeatable.
    #[arg(long, value_name = "[NAME=]KEY|FILE.pub")]
    pub ssh: Vec<String>,
    /// For a NEW output: a slot for this AWS KMS key (key ARN or alias ARN; wrapping
    /// needs kms:Encrypt on it). Repeatable.
    #[arg(long = "aws-kms", value_name = "ARN")]
    pub aws_kms: Vec<String>,
    /// With --age/--ssh/--aws-kms: also write a master-key slot (the master key from the
    /// usual sources).
    #[arg(long)]
    pub master: bool,
}

/// Manage who can decrypt: the key slots of encrypted v1 files.
///
/// Each slot wraps the file's data key for one recipient: an age X25519 key, an OpenSSH
/// ed25519/rsa key, an AWS KMS key, or the master key. `add` wraps the existing data key
/// (the diff is the new slot line and the MAC line); `remove` writes a new data key and
/// re-encrypts every value, so the removed person cannot read what is committed next;
/// `list` needs no key. FILE defaults to every encrypted file of the project.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal recipients list
  envseal recipients list --json
  envseal recipients add --age age1... --name carol
  envseal recipients add --ssh ~/.ssh/id_ed25519.pub --name me .env.encrypted
  envseal recipients add --aws-kms arn:aws:kms:eu-west-1:123456789012:alias/ci
  envseal recipients remove bob --yes")]
pub struct RecipientsCommand {
    #[command(subcommand)]
    pub action: RecipientsAction,
}

#[derive(Debug, Subcommand)]
pub enum RecipientsAction {
    /// Wrap each file's existing data key for one more recipient (needs a key that opens
    /// the file). A recipient already there is left as it is.
    Add(RecipientsAdd),
    /// List each file's key slots: kind, key id, name, public form, created. Needs no key.
    List(RecipientsList),
    /// Remove a recipient: a new data key, every value encrypted again, the other slots
    /// re-wrapped. Then rotate the values it names at their providers: git history stays
    /// readable to the removed person.
    Remove(RecipientsRemove),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("who").required(true).args(["age", "ssh", "aws_kms"])))]
pub struct RecipientsAdd {
    /// An age recipient (age1...).
    #[arg(long, value_name = "age1...")]
    pub age: Option<String>,
    /// An OpenSSH public key (`ssh-ed25519 AAAA...`) or a .pub file.
    #[arg(long, value_name = "KEY|FILE.pub")]
    pub ssh: Option<String>,
    /// An AWS KMS key ARN or alias ARN (needs kms:Encrypt on it).
    #[arg(long = "aws-kms", value_name = "ARN")]
    pub aws_kms: Option<String>,
    /// A name for the slot (letters, digits, `.`, `_`, `-`, `@`), shown by `list` and
    /// accepted by `remove`. Not for --aws-kms (its ARN names it).
    #[arg(long, value_name = "NAME", conflicts_with = "aws_kms")]
    pub name: Option<String>,
    /// Encrypted files [default: every encrypted file of the project].
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub key: KeyArgs,
}

#[derive(Debug, Args)]
pub struct RecipientsList {
    /// Encrypted files [default: every encrypted file of the project].
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print JSON (schema in the README, "Team keys").
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RecipientsRemove {
    /// Who: an age recipient, an OpenSSH public key or .pub file, a KMS ARN, a slot's key
    /// id, or a slot's name.
    #[arg(value_name = "RECIPIENT")]
    pub who: String,
    /// Encrypted files [default: every encrypted file of the project].
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Do not ask for confirmation (needed without a terminal).
    #[arg(long, visible_alias = "force")]
    pub yes: bool,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// Make each file's key slots match its [[creation_rules]] rule in .envseal/config.toml.
///
/// Like `sops updatekeys`: recipients the rule names and the file lacks are added (the
/// existing data key wrapped for them); slots the rule does not name are removed (a new
/// data key, every value encrypted again); the master slot is kept, added or removed as
/// the rule's `master` says. The plan is printed first and asked on a terminal. A file
/// matching no rule is left alone.
///
/// All or nothing: every new file is made, checked and staged before any replaces its
/// target, so a failure changes no file; after a crash mid-way each file is old or new,
/// and running updatekeys again finishes (and removes the staged files left behind).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal updatekeys --dry-run
  envseal updatekeys --yes
  envseal updatekeys .env.production.encrypted")]
pub struct Updatekeys {
    /// Encrypted files [default: every encrypted file of the project].
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Do not ask for confirmation (needed without a terminal).
    #[arg(long, visible_alias = "force")]
    pub yes: bool,
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
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
    /// Same as FILE (legacy name). `-f` means `--file` in every command; `--force` has
    /// no short form.
    #[arg(
        long,
        short = 'f',
        visible_alias = "file",
        value_name = "FILE",
        conflicts_with = "input"
    )]
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
    #[arg(long, visible_alias = "yes")]
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
///
/// A file with no master slot (age, ssh or aws-kms slots only) gets a new data key in the
/// same run, every slot re-wrapped for it from its public side (no private key; a KMS
/// slot needs kms:Encrypt): it is opened and verified through an identity at hand that a
/// slot names (--identity, ENVSEAL_AGE_KEY_FILE, ...). When no file has a master slot, no
/// master key is needed or generated; the ledger records the re-wrapped slots, and a
/// crash is finished by running rotate again.
///
/// Only a file that names another key is left out; any other failure to decrypt (a
/// corrupt or hand-edited file) stops the rotation before anything changes. --abort
/// works without the new key too (files that use it get their backups back), and
/// --resume/--abort remove the temporary files a crash left. `edit` and `encrypt` wait
/// for a running rotation (the lock .envseal/rotate.lock).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal rotate --reason \"Q4 2026 rotation\"
  envseal rotate .env.encrypted .env.staging.encrypted --no-backup --force
  envseal rotate --key-file current.key --new-key-file new.key --reason \"...\" --force
  envseal rotate --resume          # after a crash: finish the unfinished rotation
  envseal rotate --abort           # or put every file back under the old key
  ENVSEAL_AGE_KEY_FILE=me.txt envseal rotate team.env.encrypted --force   # age-only: new data key")]
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
    #[arg(long, visible_alias = "yes")]
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
    /// plaintext env file is tracked by git or not ignored by it, a rotation is
    /// unfinished, or a file lacks the secret slot its creation rule requires
    /// (require_secret_slot); print one line per problem.
    #[arg(long)]
    pub check: bool,
    /// Show the rotation history from the ledger, newest first, with the key-slot
    /// (recipient) changes merged in by time.
    #[arg(long)]
    pub history: bool,
    /// How many history rows (rotations and recipient changes together).
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
/// _SID, plus [mask] rules in .envseal/config.toml; the password in a URL is always masked,
/// and so are lines that are not assignments (a pasted token, `DB_PASSWORD: pw`), which
/// the v1 format encrypts whole.
///
/// Filter: with --secrets, stdin is copied to stdout with every occurrence of every value
/// of those files (at least --min-len bytes) replaced by `***` (or `[MASKED:KEY]` with
/// --named), in constant memory; line-buffered on a terminal or with --line-buffered.
///
/// Check: with --check, files and directories (honouring .gitignore), or with --staged
/// the content staged in git, are searched for secret values: the values of sensitive
/// names (as in the view), URL passwords and lines that are not assignments (--all-values:
/// every value). Each hit prints `path:line: KEY` (never the value); the exit code is 1 on
/// a hit. Names in `[mask] allow` are never reported; a line of source containing
/// `envseal:allow` is skipped (one deliberate occurrence).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal mask .env
  envseal mask .env.encrypted
  envseal mask --all .env
  ./deploy.sh 2>&1 | envseal mask --secrets .env.encrypted
  envseal mask --check --secrets .env src/ config/ docs/README.md
  envseal mask --check --staged
  envseal mask --check --all-values src/    # every value, not only sensitive names")]
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
    /// With --check: look for every value of the secrets files, not only the values of
    /// sensitive names, URL passwords and lines that are not assignments.
    #[arg(long, requires = "check")]
    pub all_values: bool,
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
    /// Whose reading of the --secrets files gives the values to mask (filter, --check):
    /// python, node or dotenvy [default: `dialect` in .envseal/config.toml, else python].
    /// The view masks the file's text as written, whatever the dialect.
    #[arg(long, value_enum, value_name = "LOADER")]
    pub dialect: Option<DialectArg>,
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
/// The file is decrypted in memory and read the way the application's own loader reads
/// it: --dialect python (python-dotenv, the default), node (node dotenv) or dotenvy (the
/// Rust crate): quotes, escapes, comments, `export`, duplicate keys and what is skipped
/// are that loader's (README, "Dialects"). ${VAR} is expanded where that loader expands
/// by default: python-dotenv (${VAR}, ${VAR:-default}; --no-expand turns it off, as
/// interpolate=False) and dotenvy ($VAR, ${VAR}; always); node dotenv never expands.
/// Command substitution `$(...)` is never run. Variables already in the environment win
/// unless --override. A file the chosen loader rejects (dotenvy) runs nothing and the
/// error names file:line:column. envseal then replaces itself with the command (exec),
/// so signals reach it directly and its exit status is envseal's. A missing or wrong
/// key, or a tampered file, runs nothing (fail closed).
/// The variables a key is read from (SECRETS_MASTER_KEY, SECRETS_MASTER_KEY_<ENV>) are
/// removed from the command's environment, unless the file itself sets that name.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal run -- ./manage.py migrate
  envseal run -f .env.production.encrypted --key-file prod.key -- ./deploy.sh
  SECRETS_MASTER_KEY=... envseal run -- env
  envseal run --dialect node -- node server.js")]
pub struct Run {
    /// The encrypted file [default: .env.encrypted].
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Values from the file replace variables already set in the environment.
    #[arg(long)]
    pub r#override: bool,
    /// Expand ${VAR} (the default of the python and dotenvy dialects; kept for scripts
    /// written when expansion was opt-in).
    #[arg(long)]
    pub expand: bool,
    /// Keep ${VAR} as written (python dialect: python-dotenv's interpolate=False).
    #[arg(long, conflicts_with = "expand")]
    pub no_expand: bool,
    /// Whose reading gives the values: python, node or dotenvy [default: `dialect` in
    /// .envseal/config.toml, else python].
    #[arg(long, value_enum, value_name = "LOADER")]
    pub dialect: Option<DialectArg>,
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
///
/// vim, nvim, nano and emacs are started with their history (viminfo), swap, backup and
/// undo files off. Without a terminal, $VISUAL or $EDITOR must name the editor. The new
/// version is written under the project's write lock and only if the file did not change
/// while the editor was open (a rotation, another edit): otherwise the edit is kept and
/// its place named (exit 8).
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

/// Set one value in an encrypted file, in place; the value never goes on the command line.
///
/// The value comes from a hidden prompt on a terminal (typed twice), else from stdin
/// (one final newline removed), or with --from-file from a file, byte for byte
/// (multi-line values such as PEM keys). The file changes by that key's line and the MAC
/// line only: every other ciphertext, comment and the order are kept; a new key is
/// appended, or placed after --after KEY. The value is quoted so that python-dotenv (and
/// `envseal run`) reads it back exactly. Fernet files are re-encrypted whole. The ledger
/// records the key name, never the value.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal set STRIPE_SECRET_KEY                      # hidden prompt on a terminal
  printf '%s' \"$NEW\" | envseal set STRIPE_SECRET_KEY -f .env.production.encrypted
  envseal set --from-file TLS_KEY server.key        # multi-line value, exact bytes
  envseal set NEW_FLAG --after DEBUG < value.txt

A value given as an argument (envseal set KEY value) is refused: argv is visible to
every user of the machine (ps, /proc) and stays in the shell history.")]
pub struct Set {
    /// The key to set.
    #[arg(value_name = "KEY")]
    pub key: String,
    /// With --from-file: the file that holds the value. Anything else here is refused.
    #[arg(value_name = "PATH")]
    pub arg: Option<std::ffi::OsString>,
    /// Read the value from the file PATH, byte for byte (a final newline is kept).
    #[arg(long)]
    pub from_file: bool,
    /// The encrypted file [default: .env.encrypted].
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Put a new key after this one (a key that exists stays where it is).
    #[arg(long, value_name = "KEY")]
    pub after: Option<String>,
    #[command(flatten)]
    pub key_args: KeyArgs,
}

/// Remove one key from an encrypted file, in place.
///
/// Every assignment of KEY is removed; the other lines and their ciphertexts are kept,
/// so the diff is the removed line(s) and the MAC line. Exit 1 when KEY is not in the
/// file (nothing is written). The ledger records the key name.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal unset OLD_TOKEN
  envseal unset OLD_TOKEN -f .env.production.encrypted --key-file prod.key")]
pub struct Unset {
    /// The key to remove.
    #[arg(value_name = "KEY")]
    pub key: String,
    /// The encrypted file [default: .env.encrypted].
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub key_args: KeyArgs,
}

/// Print one decrypted value, raw (no newline added), on stdout.
///
/// The value is read as `envseal run` reads it (python-dotenv's rules; the last
/// assignment wins). Exit 1 when the key is not set. On a terminal envseal asks before
/// printing a secret (--yes to skip); without a terminal to ask on it refuses.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal get DATABASE_URL | psql -f - ...
  envseal get STRIPE_SECRET_KEY --json | jq -r .value
  token=$(envseal get API_TOKEN -f .env.production.encrypted)")]
pub struct Get {
    /// The key to print.
    #[arg(value_name = "KEY")]
    pub key: String,
    /// The encrypted file [default: .env.encrypted].
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Print {"key": ..., "value": ...} and a newline.
    #[arg(long)]
    pub json: bool,
    /// Print on a terminal without asking.
    #[arg(long, visible_alias = "yes")]
    pub force: bool,
    /// Whose reading gives the values: python, node or dotenvy [default: `dialect` in
    /// .envseal/config.toml, else python] (README, "Dialects").
    #[arg(long, value_enum, value_name = "LOADER")]
    pub dialect: Option<DialectArg>,
    /// Keep ${VAR} as written (python dialect: python-dotenv's interpolate=False).
    #[arg(long)]
    pub no_expand: bool,
    #[command(flatten)]
    pub key_args: KeyArgs,
}

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One JSON object, string values.
    Json,
    /// `export KEY='...'` lines, safe to eval in any POSIX shell.
    Shell,
    /// `docker run --env-file` lines (raw values; a multi-line value is refused).
    Docker,
    /// A Kubernetes v1 Secret manifest (base64 data).
    K8s,
    /// Lines for $GITHUB_ENV; `::add-mask::` commands for sensitive values on stderr.
    Github,
}

/// Write the decrypted variables to stdout in a format another tool reads.
///
/// The values are the ones `envseal run` would set (python-dotenv's rules; the last
/// assignment of a key wins; a bare KEY sets nothing), in file order. Meant for pipes: on a
/// terminal envseal asks first (--yes to skip). A key or value the format cannot carry is
/// refused, naming the key, and nothing is written.
///
/// github: the `KEY=value` / `KEY<<DELIMITER` lines go to stdout (append them to
/// $GITHUB_ENV); the `::add-mask::` command for each line of each sensitive value goes to
/// stderr, before any value is written: the runner reads workflow commands from both
/// streams, and $GITHUB_ENV would reject them. Sensitive = the rules of `envseal mask`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal export --as json | jq .
  eval \"$(envseal export --as shell)\"
  envseal export --as docker > /dev/shm/app.env && docker run --env-file /dev/shm/app.env app
  envseal export --as k8s --name app-secrets --namespace prod | kubectl apply -f -
  envseal export --as github -f .env.ci.encrypted >> \"$GITHUB_ENV\"")]
pub struct Export {
    /// The output format.
    #[arg(long = "as", value_enum, value_name = "FORMAT")]
    pub format: ExportFormat,
    /// The encrypted file [default: .env.encrypted].
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// k8s: the Secret's name [default: from the file name, e.g. env-production].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// k8s: the Secret's namespace [default: none, kubectl's current one].
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Write to a terminal without asking.
    #[arg(long, visible_alias = "yes")]
    pub force: bool,
    /// Whose reading gives the values: python, node or dotenvy [default: `dialect` in
    /// .envseal/config.toml, else python] (README, "Dialects").
    #[arg(long, value_enum, value_name = "LOADER")]
    pub dialect: Option<DialectArg>,
    /// Keep ${VAR} as written (python dialect: python-dotenv's interpolate=False).
    #[arg(long)]
    pub no_expand: bool,
    #[command(flatten)]
    pub key_args: KeyArgs,
}

/// Reconcile a .env file and its encrypted file when both changed since the last sync.
///
/// Each clone records, in its ledger, the last time a plaintext file and its encrypted
/// file held the same content (keyed fingerprints only). `sync` merges key by key from
/// there: a key changed on one side only takes that change, on both sides; added and
/// removed keys and comments too. A key changed differently on both sides is a conflict:
/// each side keeps its own value, the key is named (never its value), and the exit code
/// is 1; settle it with `envseal encrypt --force` (keep .env) or `envseal decrypt
/// --force` (keep the encrypted file). Without a sync record (a fresh clone) nothing can
/// tell which side changed: `sync` says so and changes nothing.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal sync
  envseal sync .env.staging --key-file staging.key")]
pub struct Sync {
    /// The plaintext file [default: .env]; its encrypted file is FILE.encrypted.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub key: KeyArgs,
}

/// Git merge driver: merge three versions of an encrypted file key by key.
///
/// Set up by `envseal hook install` (`*.encrypted merge=envseal -text` in .gitattributes
/// and `merge.envseal.driver = envseal merge %O %A %B %P` in .git/config). Decrypts the
/// three versions in memory, merges key by key, and writes the result into OURS, keeping
/// the ciphertext of every value that did not change. A key changed differently on both
/// sides keeps our value, is named on stderr, and the exit code is 1 (git reports a
/// conflict); finish with `envseal edit FILE` and `git add FILE`. Without a key for all
/// three versions OURS is left as it is (a valid encrypted file) and the exit code is 3.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  envseal merge base.encrypted ours.encrypted theirs.encrypted .env.encrypted
  git config merge.envseal.driver 'envseal merge %O %A %B %P'   # what hook install sets")]
pub struct Merge {
    /// The common ancestor's version (git's %O).
    #[arg(value_name = "BASE")]
    pub base: PathBuf,
    /// Our version (git's %A); the result is written here.
    #[arg(value_name = "OURS")]
    pub ours: PathBuf,
    /// Their version (git's %B).
    #[arg(value_name = "THEIRS")]
    pub theirs: PathBuf,
    /// The file's path in the repository (git's %P): for messages and for finding the key.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
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
    files.push(("man/envseal.1".to_owned(), man_page(root.clone())));
    for sub in root.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("envseal-{}", sub.get_name());
        let cmd = sub
            .clone()
            .name(name.clone())
            .bin_name(format!("envseal {}", sub.get_name()));
        files.push((format!("man/{name}.1"), man_page(cmd)));
    }
    files
}

/// One man page: clap_mangen's sections, then EXAMPLES (from the `Examples:` part of the
/// help's epilogue), NOTES (the rest of it) and EXIT STATUS (the exit-code table) as man
/// pages have them. The `help` subcommand is left out: it has no page of its own.
fn man_page(cmd: clap::Command) -> Vec<u8> {
    let cmd = cmd.disable_help_subcommand(true);
    let after = cmd
        .get_after_help()
        .map(|h| h.to_string())
        .unwrap_or_default();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    // Rendering into a Vec cannot fail.
    let _ = man.render_title(&mut out);
    let _ = man.render_name_section(&mut out);
    let _ = man.render_synopsis_section(&mut out);
    let _ = man.render_description_section(&mut out);
    let _ = man.render_options_section(&mut out);
    if cmd.has_subcommands() {
        let _ = man.render_subcommands_section(&mut out);
    }
    let mut examples = String::new();
    let mut notes = String::new();
    for para in after
        .split("\n\n")
        .map(str::trim_end)
        .filter(|p| !p.is_empty())
    {
        if let Some(body) = para.strip_prefix("Examples:\n") {
            examples.push_str(body);
        } else if !para.starts_with("Exit codes:") {
            if !notes.is_empty() {
                notes.push_str("\n.PP\n");
            }
            notes.push_str(&roff_text(para));
        }
    }
    let mut roff = String::new();
    if !examples.is_empty() {
        roff.push_str(".SH EXAMPLES\n.nf\n");
        for line in examples.lines() {
            roff.push_str(&roff_text(line.strip_prefix("  ").unwrap_or(line)));
            roff.push('\n');
        }
        roff.push_str(".fi\n");
    }
    if !notes.is_empty() {
        roff.push_str(".SH NOTES\n");
        roff.push_str(&notes);
        roff.push('\n');
    }
    roff.push_str(".SH \"EXIT STATUS\"\n");
    for line in crate::exit::TABLE.lines().skip(1) {
        if let Some((code, meaning)) = line.trim().split_once("  ") {
            roff.push_str(&format!(
                ".TP\n\\fB{}\\fR\n{}\n",
                code,
                roff_text(meaning.trim())
            ));
        }
    }
    out.extend_from_slice(roff.as_bytes());
    if cmd.get_version().is_some() || cmd.get_long_version().is_some() {
        let _ = man.render_version_section(&mut out);
    }
    out
}

/// Text for roff: backslashes and hyphens escaped, no line read as a request.
fn roff_text(text: &str) -> String {
    text.lines()
        .map(|l| {
            let l = l.replace('\\', "\\e").replace('-', "\\-");
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
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

    /// Issue 10 §6: man pages have EXAMPLES and EXIT STATUS sections and name no
    /// `envseal-help(1)` page (there is none).
    #[test]
    fn man_pages_have_examples_and_exit_status_and_no_help_page() {
        let files = super::generated_files();
        let pages: Vec<_> = files
            .iter()
            .filter(|(p, _)| p.starts_with("man/"))
            .collect();
        assert!(pages.len() > 5);
        for (path, bytes) in pages {
            let text = String::from_utf8_lossy(bytes);
            assert!(text.contains("\n.SH EXAMPLES\n"), "{path}");
            assert!(text.contains("\n.SH \"EXIT STATUS\"\n"), "{path}");
            assert!(text.contains("\\fB127\\fR"), "{path}");
            assert!(!text.contains("envseal\\-help"), "{path}");
            assert!(!text.contains(".SH EXTRA"), "{path}");
        }
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
