//! One file per subcommand; wording and outcomes live here. Shared here: how messages
//! reach the user, reading inputs, finding keys, asking before an overwrite.
//!
//! One way into an encrypted file: [`open`] (a path or bytes, and [`How`]: keep for
//! re-encryption, prompt, call a key service). The format layer tells the format and
//! chooses whole or streamed ([`crate::format::Sealed`]); the keys come from the one
//! builder of candidate identities, [`candidates`] (a Fernet token's keyring keys, a v1
//! file's master key, age/SSH identities and KMS keys by the slots its header names, and,
//! with [`Lookup::rewrap`], every master key at hand for a command that re-wraps slots).
//! `open_encrypted`, `read_encrypted` and friends are [`open`] with a preset [`How`].
//! Failures are classed where they are made ([`OpenError::is_no_key`]), never read back
//! from an error chain's exit code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cli::KeyArgs;
use crate::exit::{Code, Failure};
use crate::key::{self, KeyId};

pub mod at_hand;
pub mod decrypt;
pub mod edit;
pub mod encrypt;
pub mod export;
pub mod generate_key;
pub mod guard;
pub mod hook;
pub mod keys;
pub mod mask;
pub mod merge;
pub mod recipients;
pub mod rotate;
pub mod run;
pub mod set;
pub mod status;
pub mod sync;
pub mod textconv;
pub mod updatekeys;
pub mod values;

/// Messages to the user: stderr, never stdout (stdout is for data).
#[derive(Clone, Copy, Debug)]
pub struct Ui {
    pub quiet: bool,
    pub verbose: bool,
    pub color: bool,
}

impl Ui {
    pub fn new(quiet: bool, verbose: bool) -> Ui {
        let color = std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Ui {
            quiet,
            verbose,
            color,
        }
    }

    pub fn info(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr(), "{}", msg.as_ref());
        }
    }

    pub fn detail(&self, msg: impl AsRef<str>) {
        if self.verbose && !self.quiet {
            let _ = writeln!(std::io::stderr(), "{}", msg.as_ref());
        }
    }

    pub fn warn(&self, msg: impl AsRef<str>) {
        let label = if self.color {
            "\x1b[33mwarning:\x1b[0m"
        } else {
            "warning:"
        };
        let _ = writeln!(std::io::stderr(), "{label} {}", msg.as_ref());
    }

    pub fn error_label(&self) -> &'static str {
        if self.color {
            "\x1b[31merror:\x1b[0m"
        } else {
            "error:"
        }
    }

    /// Ask a yes/no question: the one way envseal asks for a confirmation. Asked only
    /// when both stdin and stderr are a terminal (where the question and the answer go);
    /// `Ok(None)` when there is no terminal to ask on, so the caller refuses and names
    /// the option that goes on without asking (`--force`, `--yes`). Not silenced by
    /// `--quiet`: a question is not chatter. An associated function, so that places
    /// holding no `Ui` (an overwrite check deep in a command) ask the same way.
    pub fn confirm(question: &str, default: bool) -> Result<Option<bool>> {
        if !interactive() {
            return Ok(None);
        }
        dialoguer::Confirm::new()
            .with_prompt(question)
            .default(default)
            .interact()
            .map(Some)
            .context("cannot read the answer from the terminal")
    }

    /// Go on only with a yes: `yes` (`--yes`) skips the question; a no, or no terminal
    /// to ask on, is exit 8 with `no_terminal` saying what to pass instead.
    pub fn confirm_or_refuse(yes: bool, question: &str, no_terminal: &str) -> Result<()> {
        if yes {
            return Ok(());
        }
        match Ui::confirm(question, false)? {
            Some(true) => Ok(()),
            Some(false) => {
                Err(Failure::new(Code::Refused, "cancelled; nothing was changed").into())
            }
            None => Err(Failure::new(Code::Refused, no_terminal.to_owned()).into()),
        }
    }

    /// A sink for warnings from core modules.
    pub fn warner(&self) -> impl FnMut(String) + '_ {
        move |m| self.warn(m)
    }
}

/// Both ends of a prompt are a terminal.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Read a whole input file; a missing file says which and what to do.
pub fn read_input(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {what} {}", path.display()))
}

/// Ask before replacing `path`, or refuse when there is no terminal to ask on.
pub fn confirm_overwrite(path: &Path, force: bool, why: &str) -> Result<()> {
    if force {
        return Ok(());
    }
    let question = format!("{} exists and {why}. Overwrite it?", path.display());
    match Ui::confirm(&question, false)? {
        Some(true) => return Ok(()),
        Some(false) => {
            return Err(
                Failure::new(Code::Refused, format!("left {} unchanged", path.display())).into(),
            )
        }
        None => {}
    }
    Err(Failure::new(
        Code::Refused,
        format!(
            "{} exists and {why}; not overwriting it without --force (no terminal to ask on)",
            path.display()
        ),
    )
    .into())
}

/// The key id given with --key-id (clap parsed it, once: [`crate::cli::KeyIdParser`]).
pub fn key_id_arg(args: &KeyArgs) -> Option<&KeyId> {
    args.key_id.as_ref()
}

/// The one way to build a request for a key: the command line's key options
/// (`--key-file`, `--key-id`), the file worked on (names `SECRETS_MASTER_KEY_<ENV>`), the
/// key id a header names, if any, and whether a terminal prompt may be the last source.
/// A caller that picks the keyring key by other means (encrypt's project key) replaces
/// `key_id` with struct update syntax.
pub fn key_request<'a>(
    args: &'a KeyArgs,
    file: impl Into<Option<&'a Path>>,
    wanted: Option<&'a KeyId>,
    allow_prompt: bool,
) -> key::Request<'a> {
    key::Request {
        key_file: args.key_file.as_deref(),
        for_file: file.into(),
        wanted,
        key_id: key_id_arg(args),
        allow_prompt,
    }
}

/// `FILE` or the legacy `--env-path`/`--encrypted-path`, else the default.
pub fn input_path(
    positional: &Option<PathBuf>,
    legacy: &Option<PathBuf>,
    default: &str,
) -> PathBuf {
    positional
        .clone()
        .or_else(|| legacy.clone())
        .unwrap_or_else(|| PathBuf::from(default))
}

/// Write data to stdout; a closed pipe surfaces as `BrokenPipe` for `main` to treat as
/// success.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    write_stdout_parts(&[bytes])
}

/// [`write_stdout`] for content held in pieces, written in order.
pub fn write_stdout_parts(parts: &[&[u8]]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    for part in parts {
        out.write_all(part)?;
    }
    out.flush()?;
    Ok(())
}

/// An encrypted file opened in memory.
pub struct OpenedFile {
    pub format: crate::format::Format,
    pub plaintext: zeroize::Zeroizing<Vec<u8>>,
    /// The master key that opened it; `None` when an age, SSH or KMS slot did (a file
    /// with only public-key slots needs no master key anywhere).
    pub key: Option<key::Loaded>,
    /// The decrypted v1 document, kept for re-encryption with minimal diffs (`None`
    /// from [`read_encrypted`]).
    pub v1: Option<crate::format::v1::Opened>,
}

impl OpenedFile {
    /// The master key that opened the file, for what needs one (a Fernet file, the sync
    /// record, a merge's fingerprints); an error saying so when another slot opened it.
    pub fn master(&self, path: &Path) -> Result<&key::Loaded> {
        self.key.as_ref().ok_or_else(|| {
            Failure::new(
                Code::KeyMissing,
                format!(
                    "{} was opened through an age, ssh or aws-kms slot, and this needs its master key: supply it with --key-file or {}",
                    path.display(),
                    key::env_vars_for(Some(path)).join(" / ")
                ),
            )
            .into()
        })
    }

    /// The id of the master key that opened the file, for the ledger.
    pub fn key_id(&self) -> Option<KeyId> {
        self.key.as_ref().map(|l| l.key.id())
    }
}

impl From<Decrypted> for OpenedFile {
    fn from(d: Decrypted) -> Self {
        OpenedFile {
            format: d.format,
            plaintext: d.plaintext.into_whole(),
            key: d.key,
            v1: d.v1,
        }
    }
}

/// An encrypted file decrypted by [`open`]: the plaintext as the format layer gave it
/// (in pieces when it was streamed), and the master key that opened it.
pub struct Decrypted {
    pub format: crate::format::Format,
    pub plaintext: crate::format::Plaintext,
    /// As [`OpenedFile::key`].
    pub key: Option<key::Loaded>,
    /// As [`OpenedFile::v1`].
    pub v1: Option<crate::format::v1::Opened>,
}

/// How a command opens an encrypted file: what it keeps and where keys may come from.
/// The strategy (whole or streamed) is the format layer's choice, never the command's.
#[derive(Clone, Copy, Debug)]
pub struct How {
    /// Keep what re-encryption with minimal diffs needs ([`OpenedFile::v1`]).
    pub keep: bool,
    /// A terminal prompt may be the last source of the master key.
    pub prompt: bool,
    /// A key service (AWS KMS) may be called when nothing local opens the file.
    pub remote: bool,
}

impl How {
    /// Reading the plaintext only.
    pub const READ: How = How {
        keep: false,
        prompt: true,
        remote: true,
    };
    /// Opening for a change (kept for re-encryption).
    pub const EDIT: How = How {
        keep: true,
        prompt: true,
        remote: true,
    };
}

/// Why [`open`] failed: the error as the user sees it, and whether it is that no key at
/// hand opens the file (exit 3), set where the error is made, from its type, so a caller
/// can branch without reading exit codes back from an error chain.
#[derive(Debug)]
pub struct OpenError {
    error: anyhow::Error,
    kind: OpenKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OpenKind {
    /// No key source gives a key, or none that a slot names.
    NoKey,
    /// A key at hand opens a slot whose kind or key id was edited: the header was altered.
    Altered,
    Other,
}

impl OpenError {
    /// A typed error, classed by its own exit code ([`crate::exit::ExitCode`]).
    fn typed<E>(error: E) -> OpenError
    where
        E: crate::exit::ExitCode + std::error::Error + Send + Sync + 'static,
    {
        let kind = if error.code() == Code::KeyMissing {
            OpenKind::NoKey
        } else {
            OpenKind::Other
        };
        OpenError {
            error: anyhow::Error::new(error),
            kind,
        }
    }

    fn other(error: anyhow::Error) -> OpenError {
        OpenError {
            error,
            kind: OpenKind::Other,
        }
    }

    fn context(mut self, what: String) -> OpenError {
        self.error = self.error.context(what);
        self
    }

    /// No key at hand opens the file (a key that opens it could be supplied).
    pub fn is_no_key(&self) -> bool {
        self.kind == OpenKind::NoKey
    }
}

impl From<OpenError> for anyhow::Error {
    fn from(e: OpenError) -> Self {
        e.error
    }
}

/// The one way a command opens an encrypted file (v1 or Fernet, on disk or in memory):
/// the format layer reads what the keys are chosen from ([`crate::format::Sealed`]), the
/// one builder gathers the candidate identities ([`candidates`]), the format layer
/// decrypts with them, choosing whole or streamed itself. Errors name `path`, and where
/// a wrong master key came from.
pub fn open(
    path: &Path,
    source: crate::format::Source,
    args: &KeyArgs,
    ui: &Ui,
    how: How,
) -> std::result::Result<Decrypted, OpenError> {
    let sealed = crate::format::Sealed::read(source).map_err(|e| read_failed(path, e))?;
    open_sealed(path, sealed, args, ui, how)
}

/// Why the format layer could not read `path`'s header, as [`open`] reports it.
fn read_failed(path: &Path, e: crate::format::open::OpenError) -> OpenError {
    use crate::format::open::OpenError as Failed;
    match e {
        Failed::Io(e) => OpenError::other(
            anyhow::Error::new(e).context(format!("cannot read encrypted file {}", path.display())),
        ),
        Failed::Format { error, .. } => {
            OpenError::typed(error).context(format!("cannot decrypt {}", path.display()))
        }
    }
}

/// [`open`] of a whole file's bytes that the caller gives away: a v1 file kept for
/// re-encryption ([`How::EDIT`]) keeps them as its text instead of a copy of its body
/// (`encrypt` over a large existing output).
pub fn open_owned(
    path: &Path,
    bytes: Vec<u8>,
    args: &KeyArgs,
    ui: &Ui,
    how: How,
) -> std::result::Result<Decrypted, OpenError> {
    let sealed = crate::format::Sealed::read_owned(bytes).map_err(|e| read_failed(path, e))?;
    open_sealed(path, sealed, args, ui, how)
}

/// [`open`] of a file whose format and header the caller has read already (to ask
/// [`crate::format::Sealed::streamed`] first).
pub fn open_sealed(
    path: &Path,
    sealed: crate::format::Sealed,
    args: &KeyArgs,
    ui: &Ui,
    how: How,
) -> std::result::Result<Decrypted, OpenError> {
    use crate::format::{open::OpenError as Failed, Keep};
    let lookup = Lookup {
        prompt: how.prompt,
        remote: how.remote,
        rewrap: false,
    };
    let candidates = candidates(path, sealed.format(), sealed.header(), args, ui, lookup)?;
    let refs = candidates.refs(sealed.header());
    let keep = if how.keep {
        Keep::Entries
    } else {
        Keep::Plaintext
    };
    let opened = sealed.open(&refs, keep);
    drop(refs);
    match opened {
        Ok(opened) => {
            let key = candidates.into_opener(opened.identity);
            Ok(Decrypted {
                format: opened.format,
                plaintext: opened.plaintext,
                key,
                v1: opened.v1,
            })
        }
        Err(Failed::Io(e)) => Err(OpenError::other(
            anyhow::Error::new(e).context(format!("cannot read encrypted file {}", path.display())),
        )),
        Err(Failed::Format { error, identity }) => Err(candidates.error(error, identity, path)),
    }
}

/// Decrypt `bytes` (the content of `path`) with the key the sources give, kept for
/// re-encryption: [`open`] with [`How::EDIT`].
pub fn open_encrypted(path: &Path, bytes: &[u8], args: &KeyArgs, ui: &Ui) -> Result<OpenedFile> {
    open_bytes(path, bytes, args, ui, How::EDIT)
}

/// [`open_encrypted`] for reading the plaintext only: `v1` is `None` (nothing kept for
/// re-encryption), which makes decrypting a large v1 file much faster and lighter.
pub fn read_encrypted(path: &Path, bytes: &[u8], args: &KeyArgs, ui: &Ui) -> Result<OpenedFile> {
    open_bytes(path, bytes, args, ui, How::READ)
}

/// [`read_encrypted`], choosing whether a terminal prompt may be the last key source
/// (the leak check and the hook never prompt). Without a prompt, no key service is
/// called either: the leak check runs in the pre-commit hook, which never calls KMS.
pub fn open_encrypted_opts(
    path: &Path,
    bytes: &[u8],
    args: &KeyArgs,
    ui: &Ui,
    allow_prompt: bool,
) -> Result<OpenedFile> {
    let how = How {
        keep: false,
        prompt: allow_prompt,
        remote: allow_prompt,
    };
    open_bytes(path, bytes, args, ui, how)
}

/// [`open_encrypted`] (kept for re-encryption) without a terminal prompt: the merge
/// driver runs under git, where a prompt would hang a merge.
pub fn open_encrypted_noprompt(
    path: &Path,
    bytes: &[u8],
    args: &KeyArgs,
    ui: &Ui,
) -> Result<OpenedFile> {
    let how = How {
        prompt: false,
        ..How::EDIT
    };
    open_bytes(path, bytes, args, ui, how)
}

/// [`open`] of bytes in memory, the plaintext in one buffer.
fn open_bytes(path: &Path, bytes: &[u8], args: &KeyArgs, ui: &Ui, how: How) -> Result<OpenedFile> {
    let source = crate::format::Source::Bytes(bytes);
    Ok(open(path, source, args, ui, how)?.into())
}

/// Where [`candidates`] may look for keys, and what for.
#[derive(Clone, Copy, Debug)]
pub struct Lookup {
    /// A terminal prompt may be the last source of the master key.
    pub prompt: bool,
    /// A key service (AWS KMS) may be called when nothing local opens the file.
    pub remote: bool,
    /// For a command that changes a file's key slots (`recipients`, `updatekeys`): every
    /// master key at hand is gathered too, to re-wrap the master slots that stay
    /// ([`Candidates::masters`]); never a prompt.
    pub rewrap: bool,
}

/// The candidate identities for one encrypted file, built by [`candidates`]: the one
/// place every command gets the keys that open a file from.
pub struct Candidates {
    /// The master key, when a v1 header has a master slot and a key source gives it.
    pub master: Option<key::Loaded>,
    /// The master keys tried in order on a Fernet token (which names no key), or, with
    /// [`Lookup::rewrap`], every master key at hand.
    keys: Vec<key::Loaded>,
    identities: Option<crate::identities::Identities>,
    /// With [`Lookup::rewrap`]: the one age/SSH slot a local identity opens.
    chosen: Option<crate::format::v1::slot::SlotLine>,
    kms: Vec<Box<dyn crate::format::v1::slot::Identity>>,
    rewrap: bool,
}

impl Candidates {
    fn empty(rewrap: bool) -> Candidates {
        Candidates {
            master: None,
            keys: Vec::new(),
            identities: None,
            chosen: None,
            kms: Vec::new(),
            rewrap,
        }
    }

    /// The candidates in the order they are tried. A reader: the master key, the local
    /// identities the header's slots name, a Fernet token's keys, then the KMS keys. A
    /// writer ([`Lookup::rewrap`]): the local identity, the master keys, then KMS.
    pub fn refs(
        &self,
        header: Option<&crate::format::v1::Header>,
    ) -> Vec<&dyn crate::format::v1::slot::Identity> {
        let mut out: Vec<&dyn crate::format::v1::slot::Identity> = Vec::new();
        if self.rewrap {
            if let (Some(ids), Some(s)) = (&self.identities, &self.chosen) {
                out.extend(ids.found(s));
            }
            out.extend(
                self.keys
                    .iter()
                    .map(|l| &l.key as &dyn crate::format::v1::slot::Identity),
            );
            out.extend(self.kms.iter().map(|k| &**k));
            return out;
        }
        if let Some(m) = &self.master {
            out.push(&m.key);
        }
        if let (Some(ids), Some(header)) = (&self.identities, header) {
            for slot in &header.slots {
                if let Some(id) = ids.found(slot) {
                    if !out
                        .iter()
                        .any(|o| o.kind() == id.kind() && o.kid() == id.kid())
                    {
                        out.push(id);
                    }
                }
            }
        }
        out.extend(
            self.keys
                .iter()
                .map(|l| &l.key as &dyn crate::format::v1::slot::Identity),
        );
        out.extend(self.kms.iter().map(|k| &**k));
        out
    }

    /// The master keys at hand ([`Lookup::rewrap`]), to re-wrap master slots with.
    pub fn masters(&self) -> &[key::Loaded] {
        &self.keys
    }

    /// The master key that opened the file: a v1 file's master key, or the Fernet key
    /// at `identity` (the candidate the format layer says opened it).
    fn into_opener(mut self, identity: Option<usize>) -> Option<key::Loaded> {
        match identity {
            Some(i) if i < self.keys.len() => Some(self.keys.swap_remove(i)),
            _ => self.master,
        }
    }

    /// A format error from opening `path` with these candidates, with where the key came
    /// from when it was a master key: the Fernet key at `identity`, or a v1 file's master
    /// key.
    fn error(
        &self,
        e: crate::format::FormatError,
        identity: Option<usize>,
        path: &Path,
    ) -> OpenError {
        let loaded = if self.keys.is_empty() || self.rewrap {
            self.master.as_ref()
        } else {
            identity.and_then(|i| self.keys.get(i))
        };
        let kind = if crate::exit::ExitCode::code(&e) == Code::KeyMissing {
            OpenKind::NoKey
        } else {
            OpenKind::Other
        };
        let error = match loaded {
            Some(loaded) => with_source_hint(e, loaded, path),
            None => anyhow::Error::new(e).context(format!("cannot decrypt {}", path.display())),
        };
        OpenError { error, kind }
    }
}

/// The one builder of candidate identities for the encrypted file `path`: a Fernet
/// token's master keys (each keyring key, tried in order: a token names none), a v1
/// file's identities chosen from its `header`'s slots ([`v1_candidates`]), or, with
/// [`Lookup::rewrap`], what a command that changes key slots needs ([`rewrap_candidates`]).
pub fn candidates(
    path: &Path,
    format: crate::format::Format,
    header: Option<&crate::format::v1::Header>,
    args: &KeyArgs,
    ui: &Ui,
    lookup: Lookup,
) -> std::result::Result<Candidates, OpenError> {
    let Some(header) = header.filter(|_| format == crate::format::Format::V1) else {
        let mut out = Candidates::empty(false);
        out.keys = key::candidates(
            &key_request(args, path, None, lookup.prompt),
            &mut ui.warner(),
        )
        .map_err(OpenError::typed)?;
        return Ok(out);
    };
    if lookup.rewrap {
        return rewrap_candidates(path, header, args, ui);
    }
    v1_candidates(path, header, args, ui, lookup.prompt, lookup.remote)
}

/// The candidate identities for the v1 file `path` with this header.
///
/// A file with master slots only: the master key sources, as they always were (a
/// terminal prompt the last source when `allow_prompt`). A file with other slots too:
/// the master key sources without a prompt; when they give no key, the local identities
/// (`--identity`, `ENVSEAL_AGE_KEY`, `ENVSEAL_AGE_KEY_FILE`, the identities directory,
/// `~/.ssh`) matched by each age/ssh slot's key id; when none is named, and `remote`, an
/// AWS KMS identity for each `aws-kms` slot (so KMS is contacted only when nothing local
/// opens the file, once per file); last, the prompt for the master key. Nothing found:
/// an error naming the file's slots and every identity tried (by key id and source).
fn v1_candidates(
    path: &Path,
    header: &crate::format::v1::Header,
    args: &KeyArgs,
    ui: &Ui,
    allow_prompt: bool,
    remote: bool,
) -> std::result::Result<Candidates, OpenError> {
    use crate::format::v1::slot::{self, AGE, AWS_KMS, MASTER, SSH};
    let mut out = Candidates::empty(false);
    if header.slots.iter().all(|s| s.kind == MASTER) {
        out.master = Some(resolve_v1_key(path, header, args, ui, allow_prompt)?);
        return Ok(out);
    }
    let has_master = header.master().is_some();
    let mut master_error = None;
    if has_master {
        match resolve_v1_key(path, header, args, ui, false) {
            Ok(loaded) => {
                out.master = Some(loaded);
                return Ok(out);
            }
            // A header edited by hand is said at once, whatever else could open it.
            Err(e) if e.kind == OpenKind::Altered => return Err(e),
            Err(e) => master_error = Some(e.error),
        }
    }
    let mut ids = crate::identities::Identities::new(&args.identity);
    let mut local = false;
    for s in header
        .slots
        .iter()
        .filter(|s| s.kind == AGE || s.kind == SSH)
    {
        let found = ids.find(s, &mut ui.warner()).map_err(|e| {
            OpenError::typed(e).context(format!("cannot decrypt {}", path.display()))
        })?;
        local |= found.is_some();
    }
    let tried = ids.tried();
    out.identities = Some(ids);
    if local {
        return Ok(out);
    }
    let mut kms_errors = Vec::new();
    if remote {
        for s in header.slots.iter().filter(|s| s.kind == AWS_KMS) {
            match slot::aws_kms_identity(s) {
                Ok(id) => out.kms.push(id),
                Err(e) => kms_errors.push(e.to_string()),
            }
        }
        if !out.kms.is_empty() {
            return Ok(out);
        }
    }
    if has_master && allow_prompt && interactive() {
        out.master = Some(resolve_v1_key(path, header, args, ui, true)?);
        return Ok(out);
    }
    if !has_master {
        // No master slot, yet a master key at hand opens a slot whose type or kid was
        // edited (`type=laster`): the header was altered, which is not a missing key.
        let given = key::resolve(&key_request(args, path, None, false), &mut |_| {}).ok();
        let keyring = key::keyring::all(&mut |_| {}).unwrap_or_default();
        for loaded in given.iter().chain(keyring.iter()) {
            if let Some(what) = crate::format::v1::altered_slot(header, &loaded.key) {
                return Err(altered(what, path));
            }
        }
    }
    let slots: Vec<String> = header.slots.iter().map(|s| s.describe()).collect();
    let mut why = Vec::new();
    if let Some(e) = master_error {
        why.push(format!("master key: {e:#}"));
    }
    if tried.is_empty() {
        why.push("no age or ssh identity found (--identity, ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory, ~/.ssh/id_ed25519, ~/.ssh/id_rsa)".to_owned());
    } else {
        let list: Vec<String> = tried
            .iter()
            .map(|(kid, source)| format!("{kid} ({source})"))
            .collect();
        why.push(format!(
            "identities tried, none named by a slot: {}",
            list.join(", ")
        ));
    }
    why.extend(kms_errors);
    if !remote && header.slots.iter().any(|s| s.kind == AWS_KMS) {
        why.push("aws-kms slots are not tried here (no key service is called)".to_owned());
    }
    Err(OpenError::typed(Failure::new(
        Code::KeyMissing,
        format!(
            "no key at hand opens {} (its slots: {}); {}. Supply an identity a slot names with --identity FILE or ENVSEAL_AGE_KEY_FILE{}",
            path.display(),
            slots.join(", "),
            why.join("; "),
            if has_master {
                format!(", or the master key with --key-file or {}", key::env_vars_for(Some(path)).join(" / "))
            } else {
                String::new()
            }
        ),
    )))
}

/// The identities at hand that open the v1 file `path` (header `header`) for a command
/// that changes its key slots, and the master keys at hand (to re-wrap a master slot).
/// The slot is chosen by key id: an age/SSH identity whose key id a slot names, the
/// master key a master slot names, and, only when none of those is at hand, the file's
/// first `aws-kms` slot through the SDK's default credential chain. No key at all: exit
/// 3, naming the slots and the identities tried (key ids and sources, never a key).
fn rewrap_candidates(
    path: &Path,
    header: &crate::format::v1::Header,
    keys: &KeyArgs,
    ui: &Ui,
) -> std::result::Result<Candidates, OpenError> {
    use crate::format::v1::slot::{self, SlotLine};
    let mut out = Candidates::empty(true);
    // Master keys are looked for only when a master slot or --key-file asks for one.
    if !header.masters().is_empty() || keys.key_file.is_some() {
        match key::candidates(&key_request(keys, path, None, false), &mut ui.warner()) {
            Ok(found) => out.keys = found,
            Err(e) if keys.key_file.is_some() => return Err(OpenError::typed(e)),
            Err(_) => {}
        }
    }
    let master_opens = header
        .masters()
        .iter()
        .any(|m| out.keys.iter().any(|l| l.key.id() == m.kid));
    let mut local = crate::identities::Identities::new(&keys.identity);
    for s in header
        .slots
        .iter()
        .filter(|s| s.kind == slot::AGE || s.kind == slot::SSH)
    {
        if local
            .find(s, &mut ui.warner())
            .map_err(OpenError::typed)?
            .is_some()
        {
            out.chosen = Some(s.clone());
            break;
        }
    }
    let tried = local.tried();
    out.identities = Some(local);
    if out.chosen.is_none() && !master_opens {
        let kms = header.slots.iter().find(|s| s.kind == slot::AWS_KMS);
        if let Some(s) = kms {
            let id = slot::aws_kms_identity(s).map_err(|e| {
                OpenError::typed(e).context(format!("cannot open {}", path.display()))
            })?;
            out.kms.push(id);
        }
    }
    if out.chosen.is_none() && !master_opens && out.kms.is_empty() {
        let slots: Vec<String> = header.slots.iter().map(SlotLine::describe).collect();
        let tried: Vec<String> = tried
            .iter()
            .map(|(kid, src)| format!("{kid} from {src}"))
            .chain(
                out.keys
                    .iter()
                    .map(|l| format!("{} from {}", l.key.id(), l.source)),
            )
            .collect();
        return Err(OpenError::typed(Failure::new(
            Code::KeyMissing,
            format!(
                "no key at hand opens {} (its slots: {}; tried: {}); give an identity with --identity FILE or ENVSEAL_AGE_KEY_FILE, or the master key with --key-file or {}",
                path.display(),
                slots.join(", "),
                if tried.is_empty() { "none found".to_owned() } else { tried.join(", ") },
                key::env_vars_for(Some(path)).join(" / ")
            ),
        )));
    }
    Ok(out)
}

/// A key at hand opens a slot whose kind or key id was edited.
fn altered(what: &str, path: &Path) -> OpenError {
    OpenError {
        error: anyhow::Error::new(crate::format::FormatError::Integrity(what.to_owned()))
            .context(format!("cannot decrypt {}", path.display())),
        kind: OpenKind::Altered,
    }
}

/// The key for a v1 file with this header, from the key sources (the header names the
/// key id it needs).
fn resolve_v1_key(
    path: &Path,
    header: &crate::format::v1::Header,
    args: &KeyArgs,
    ui: &Ui,
    allow_prompt: bool,
) -> std::result::Result<key::Loaded, OpenError> {
    let key_id = key_id_arg(args);
    let wanted = header.master().map(|s| s.kid.clone());
    match key::resolve(
        &key_request(args, path, wanted.as_ref(), allow_prompt),
        &mut ui.warner(),
    ) {
        Ok(loaded) => Ok(loaded),
        Err(
            e @ (key::KeyError::Missing { .. }
            | key::KeyError::NotInKeyring(..)
            | key::KeyError::Ambiguous { .. }),
        ) => {
            // The id the header names is in no key source; if a keyring key opens a
            // slot anyway, the header was edited: say that, not "no key".
            for loaded in key::keyring::all(&mut |_| {}).unwrap_or_default() {
                if let Some(what) = crate::format::v1::altered_slot(header, &loaded.key) {
                    return Err(altered(what, path));
                }
            }
            match e {
                // A teammate whose keyring holds only keys from before a rotation is told so.
                key::KeyError::Missing { hint, .. } if key_id.is_none() => {
                    let slot = header.master();
                    let why = slot.and_then(|s| key::keyring::explain_missing(&s.kid, s.created));
                    let for_what = match (why, slot) {
                        (Some(why), _) => format!(" for {} ({why})", path.display()),
                        (None, Some(s)) => format!(" for {} (it needs {})", path.display(), s.kid),
                        (None, None) => format!(" for {}", path.display()),
                    };
                    Err(OpenError::typed(key::KeyError::Missing { for_what, hint }))
                }
                e => Err(OpenError::typed(e)),
            }
        }
        Err(e) => Err(OpenError::typed(e)),
    }
}

/// Add where the wrong key came from and what to do to a format error.
pub fn with_source_hint(
    e: crate::format::FormatError,
    loaded: &key::Loaded,
    path: &Path,
) -> anyhow::Error {
    use crate::format::FormatError;
    let hint = match &e {
        FormatError::WrongKey { .. } | FormatError::FernetAuth { .. } => format!(
            "the key came from {}; supply the right one with --key-file or {}",
            loaded.source,
            key::env_vars_for(Some(path)).join(" / ")
        ),
        _ => return anyhow::Error::new(e).context(format!("cannot decrypt {}", path.display())),
    };
    anyhow::Error::new(e).context(format!("cannot decrypt {} ({hint})", path.display()))
}

/// Decrypt `bytes` with one given key (no key sources): rotation and status know which
/// key they mean.
pub fn open_with(
    path: &Path,
    bytes: &[u8],
    key: &key::Key,
) -> Result<(crate::format::Format, zeroize::Zeroizing<Vec<u8>>)> {
    use crate::format::{self, fernet, v1, Format, FormatError};
    let ctx = || format!("cannot decrypt {}", path.display());
    let fmt = format::detect(bytes)
        .ok_or(FormatError::NotEncrypted)
        .with_context(ctx)?;
    let plain = match fmt {
        Format::V1 => {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| FormatError::Integrity("the file is not valid UTF-8".to_owned()))
                .with_context(ctx)?;
            let opened = v1::decrypt(text, key).with_context(ctx)?;
            zeroize::Zeroizing::new(opened.plaintext.as_bytes().to_vec())
        }
        Format::Fernet => fernet::decrypt(bytes, key).with_context(ctx)?,
    };
    Ok((fmt, plain))
}

/// Decrypt the v1 file `bytes` (the content of `path`, which has no master slot) through
/// an identity at hand that one of its slots names: the candidates [`open`] builds, without a terminal prompt (there is no master key to ask for), an AWS KMS slot
/// only when nothing local opens the file. `rotate` opens a file with no master slot this
/// way, and verifies its new version the same way (the same identities open it).
pub fn open_through_slots(
    path: &Path,
    bytes: &[u8],
    args: &KeyArgs,
    ui: &Ui,
) -> Result<(crate::format::Format, zeroize::Zeroizing<Vec<u8>>)> {
    let how = How {
        keep: false,
        prompt: false,
        remote: true,
    };
    let opened = open(path, crate::format::Source::Bytes(bytes), args, ui, how)?;
    Ok((opened.format, opened.plaintext.into_whole()))
}

/// Encrypt a plaintext afresh under a new data key, wrapped for every slot of the v1 file
/// `previous` (which has no master slot) through the slots' public fields: the
/// data-key-only rotation of a file whose slots are all age, SSH or AWS KMS (public keys
/// need no private key; a KMS slot needs the Encrypt right). Comments stay hidden when
/// `previous` shows none, as [`reencrypt`] does.
pub fn reseal_for_slots(plaintext: &[u8], previous: &[u8]) -> Result<String> {
    use crate::format::{self, v1, v1::slot::Recipient};
    let slots = rewrappable_slots(previous)?;
    if slots.is_empty() {
        return Err(Failure::new(
            Code::CheckFailed,
            "a file with no slot cannot be given a new data key",
        )
        .into());
    }
    let doc = crate::dotenv::parse_bytes(plaintext)?;
    let recipients: Vec<&dyn Recipient> = slots.iter().map(|r| &**r).collect();
    let mut random = |b: &mut [u8]| format::os_random(b);
    Ok(v1::seal(
        &doc,
        &recipients,
        v1::Options {
            encrypt_comments: !encrypt::shows_a_comment(previous),
        },
        chrono::Utc::now(),
        &mut random,
    )?)
}

/// The recipients that re-wrap a new data key for every slot of the v1 file `bytes`
/// other than its first master slot (which the caller gives a key of its own), rebuilt
/// from the slots' public fields. A slot this build cannot re-wrap (another master key,
/// a kind it does not know) is refused, naming the slot: re-encrypting without it would
/// drop it. Not a v1 file: none.
pub fn rewrappable_slots(bytes: &[u8]) -> Result<Vec<Box<dyn crate::format::v1::slot::Recipient>>> {
    use crate::format::v1::{self, slot};
    let Some(header) = std::str::from_utf8(bytes)
        .ok()
        .and_then(|t| v1::header(t).ok())
    else {
        return Ok(Vec::new());
    };
    let first_master = header.slots.iter().position(|s| s.kind == slot::MASTER);
    let mut out = Vec::new();
    for (i, s) in header.slots.iter().enumerate() {
        if Some(i) == first_master {
            continue;
        }
        match slot::recipient_from_slot(s) {
            Some(r) => out.push(r),
            None => {
                return Err(crate::exit::Failure::new(
                    crate::exit::Code::Refused,
                    format!(
                        "{} cannot be re-wrapped for a new data key by this build ({}), and re-encrypting without it would drop it; remove that slot first, or use a build that knows its kind",
                        s.describe(),
                        if s.kind == slot::MASTER {
                            "a master slot needs its own key"
                        } else {
                            "a slot kind it does not know"
                        }
                    ),
                )
                .into())
            }
        }
    }
    Ok(out)
}

/// Encrypt a plaintext afresh (new data key for v1) in the given format. `previous` is the
/// encrypted file this replaces: when it shows no comment, comments stay hidden (a file
/// written with --encrypt-comments keeps that choice through a rotation).
pub fn reencrypt(
    fmt: crate::format::Format,
    plaintext: &[u8],
    key: &key::Key,
    previous: &[u8],
) -> Result<String> {
    use crate::format::v1::slot::Recipient;
    use crate::format::{self, fernet, v1, Format};
    Ok(match fmt {
        Format::V1 => {
            let doc = crate::dotenv::parse_bytes(plaintext)?;
            // Every slot but the master slot is re-wrapped for the new data key.
            let others = rewrappable_slots(previous)?;
            let mut recipients: Vec<&dyn Recipient> = vec![key];
            recipients.extend(others.iter().map(|r| &**r));
            let mut random = |b: &mut [u8]| format::os_random(b);
            v1::seal(
                &doc,
                &recipients,
                v1::Options {
                    encrypt_comments: !encrypt::shows_a_comment(previous),
                },
                chrono::Utc::now(),
                &mut random,
            )?
        }
        Format::Fernet => fernet::encrypt(plaintext, key),
    })
}

/// The project's ledger: `--ledger`, `$ENVSEAL_LEDGER`, else the default of
/// [`crate::project::ledger_path`] (the git common directory, or `.envseal/ledger.db`). With `create` false, `None` when it does not exist yet (status and
/// decrypt never create one). A new ledger directory gets a `.gitignore` for the
/// database and locks, so `.envseal/config.toml` can be committed beside them.
pub fn open_ledger(
    project: &crate::project::Project,
    global: &crate::cli::Global,
    create: bool,
) -> Result<Option<crate::ledger::Ledger>> {
    use crate::ledger::{self, Ledger};
    let cli = global
        .ledger
        .as_ref()
        .map(|p| std::env::current_dir().unwrap_or_default().join(p));
    let overridden =
        cli.is_some() || std::env::var_os("ENVSEAL_LEDGER").is_some_and(|v| !v.is_empty());
    let path = if overridden {
        ledger::resolve_path(cli.as_deref(), &project.root)
    } else {
        crate::project::ledger_path(project, &mut |m| ui_warn(&m))
    };
    if !create {
        return Ok(Ledger::open_if_exists(&path)?);
    }
    let ledger = Ledger::open(&path)?;
    let state = project.state_dir();
    if state.is_dir() && !state.join(".gitignore").exists() {
        let _ = crate::fsutil::write_new(&state.join(".gitignore"), b"# envseal: the ledger and locks are local; config.toml is shared\nledger.db*\n*.lock\n", 0o644);
    }
    Ok(Some(ledger))
}

/// Note in the ledger what a command did to `file`: the one way commands record their
/// event. The outcome comes from `result`, and a failure is recorded by its kind (the
/// exit code's name), never its text. `create` makes the ledger on success (encrypt);
/// otherwise an event is recorded only where the project already has one.
pub fn ledger_note<T>(
    global: &crate::cli::Global,
    ui: &Ui,
    op: crate::ledger::Operation,
    file: &Path,
    key_id: Option<&KeyId>,
    result: &Result<T>,
    create: bool,
) {
    use crate::ledger::Outcome;
    let (outcome, detail) = match result {
        Ok(_) => (Outcome::Ok, None),
        Err(e) => (Outcome::Failed, Some(crate::exit::code_for(e).name())),
    };
    let create = create && result.is_ok();
    record_event(global, ui, create, op, file, key_id, outcome, detail);
}

/// Record an event with its own detail (`set` names the key it changed) when the project
/// has a ledger; [`ledger_note`] is the usual way in.
/// The ledger is an audit trail: failing to write it warns, never fails the command.
#[allow(clippy::too_many_arguments)]
pub fn record_event(
    global: &crate::cli::Global,
    ui: &Ui,
    create: bool,
    op: crate::ledger::Operation,
    file: &Path,
    key_id: Option<&KeyId>,
    outcome: crate::ledger::Outcome,
    detail: Option<&str>,
) {
    let Ok(project) = crate::project::Project::discover() else {
        return;
    };
    let result = open_ledger(&project, global, create).and_then(|l| {
        if let Some(l) = l {
            l.record_event(&crate::ledger::NewEvent {
                operation: op,
                file: project.relative(file).display().to_string(),
                key_id: key_id.cloned(),
                outcome,
                detail: detail.map(str::to_owned),
            })?;
        }
        Ok(())
    });
    if let Err(e) = result {
        ui.warn(format!("the ledger was not updated: {e:#}"));
    }
}

/// `text` quoted for a POSIX shell when it needs it (single quotes; a `'` inside becomes
/// `'\''`), so a suggested command still works when pasted with a path holding a space.
pub fn shell_quote(text: &str) -> std::borrow::Cow<'_, str> {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/+=:@%,".contains(&b));
    if plain {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(format!("'{}'", text.replace('\'', "'\\''")))
    }
}

/// A warning from a place that has no [`Ui`] at hand.
fn ui_warn(msg: &str) {
    Ui::new(false, false).warn(msg);
}
