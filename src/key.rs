//! Master keys: generation, text form, fingerprints, and where a key is found.
//!
//! A [`Key`] is 32 random bytes from the OS. Its text form is a Fernet key (URL-safe
//! base64, 44 characters), so one key serves both formats and an existing
//! `SECRETS_MASTER_KEY` works unchanged. A `Key` cannot be printed: it has no `Display`,
//! its `Debug` shows the fingerprint only, and its bytes are zeroized on drop. Every place
//! a key leaves its type is a call to a method named `expose_*` (`grep expose_`).
//!
//! The [`KeyId`] is a fingerprint: `sha256:` + the first 16 hex digits of
//! SHA-256("envseal key id v1\0" || key). Fingerprints go to headers, the ledger and
//! messages; keys never do.
//!
//! Sources, first match wins ([`resolve`]): `--key-file PATH`; `SECRETS_MASTER_KEY_<ENV>`
//! for `.env.<env>`; `SECRETS_MASTER_KEY`; the keyring (`$XDG_CONFIG_HOME/envseal/keys/`,
//! one 0600 file per key id); a hidden prompt when stdin is a terminal. Never argv.

use std::fmt;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::fsutil;

/// A 256-bit master key. Unprintable; zeroized on drop.
#[derive(Clone)]
pub struct Key {
    bytes: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({})", self.id())
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.bytes.ct_eq(&*other.bytes).into()
    }
}

impl Key {
    /// A fresh key from the OS CSPRNG.
    pub fn generate() -> Result<Key, KeyError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(&mut *bytes).map_err(|_| KeyError::Rng)?;
        Ok(Key { bytes })
    }

    /// Wrap raw bytes (known-answer tests, decoded slots).
    pub fn from_bytes(raw: [u8; 32]) -> Key {
        let mut raw = raw;
        let key = Key {
            bytes: Zeroizing::new(raw),
        };
        raw.zeroize();
        key
    }

    /// Parse a key's text form: Fernet's URL-safe base64, or the standard alphabet
    /// (Python's `urlsafe_b64decode` accepts both), padding optional, surrounding white
    /// space ignored. Errors never contain the text.
    pub fn from_text(text: &str) -> Result<Key, KeyError> {
        let trimmed = text.trim();
        let normal: Zeroizing<String> = Zeroizing::new(
            trimmed
                .trim_end_matches('=')
                .chars()
                .map(|c| match c {
                    '+' => '-',
                    '/' => '_',
                    c => c,
                })
                .collect(),
        );
        let decoded = Zeroizing::new(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(normal.as_bytes())
                .map_err(|_| KeyError::Malformed)?,
        );
        let raw: [u8; 32] = decoded
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::Malformed)?;
        Ok(Key::from_bytes(raw))
    }

    /// The Fernet text form (URL-safe base64 with padding, 44 characters).
    pub fn expose_text(&self) -> Zeroizing<String> {
        Zeroizing::new(base64::engine::general_purpose::URL_SAFE.encode(*self.bytes))
    }

    /// The raw 32 bytes, for key derivation.
    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    pub fn id(&self) -> KeyId {
        let mut h = Sha256::new();
        h.update(b"envseal key id v1\0");
        h.update(*self.bytes);
        let digest = h.finalize();
        let mut hex = String::with_capacity(16);
        for b in &digest[..8] {
            hex.push_str(&format!("{b:02x}"));
        }
        KeyId(format!("sha256:{hex}"))
    }
}

/// A key fingerprint: `sha256:` and 16 lowercase hex digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

/// A text that is not a key id. It holds none of the text: what was given in place of
/// an id may be a key pasted by mistake.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a key id: a key id is `sha256:` and 16 lowercase hex digits, such as sha256:3f9a0c1d2e4b5a6c (`envseal key list` shows them)")]
pub struct KeyIdError;

/// The one validation of a key id's text; every boundary (`--key-id`, a v1 header, the
/// config file, the ledger) goes through it, and the rest of the code holds a [`KeyId`].
impl std::str::FromStr for KeyId {
    type Err = KeyIdError;

    fn from_str(s: &str) -> Result<KeyId, KeyIdError> {
        let hex = s.strip_prefix("sha256:").ok_or(KeyIdError)?;
        (hex.len() == 16 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| KeyId(s.to_owned()))
            .ok_or(KeyIdError)
    }
}

impl KeyId {
    /// [`str::parse`] for callers that only need to know whether it is an id.
    pub fn parse(s: &str) -> Option<KeyId> {
        s.parse().ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hex part, used as the keyring file name.
    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Serialised as its text (`status --json`).
impl serde::Serialize for KeyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// The ledger stores key ids as text and reads them back through [`KeyId`]'s parser, so a
/// row that is not an id is an error where it is read, never a string passed around.
impl rusqlite::types::ToSql for KeyId {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::from(self.0.as_str()))
    }
}

impl rusqlite::types::FromSql for KeyId {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
    }
}

/// Where a key came from, for messages ("from SECRETS_MASTER_KEY").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Env(String),
    Keyring(PathBuf),
    Prompt,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(p) => write!(f, "key file {}", shown_path(p)),
            Source::Env(v) => write!(f, "${v}"),
            Source::Keyring(p) => write!(f, "keyring file {}", p.display()),
            Source::Prompt => f.write_str("the prompt"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the operating system's random number generator failed")]
    Rng,
    #[error("not a valid key (a key is 32 bytes in URL-safe base64, 44 characters, as `envseal generate-key` writes)")]
    Malformed,
    #[error("{source_desc} does not hold a valid key (a key is 32 bytes in URL-safe base64, 44 characters, as `envseal generate-key` writes)")]
    MalformedAt { source_desc: String },
    #[error("key file {} does not hold a valid key: {what} (a key is 32 bytes in URL-safe base64, 44 characters, as `envseal generate-key` writes)", shown_path(path))]
    MalformedFile { path: PathBuf, what: String },
    #[error("cannot read key file {}: {err}", shown_path(path))]
    Read { path: PathBuf, err: std::io::Error },
    #[error("no key found{for_what}: {hint}")]
    Missing { for_what: String, hint: String },
    #[error("the keyring holds {count} keys ({}) and nothing says which to use: pass --key-file, set SECRETS_MASTER_KEY, pick one with --key-id, or set key_id in .envseal/config.toml", ids.iter().map(KeyId::as_str).collect::<Vec<_>>().join(", "))]
    Ambiguous { count: usize, ids: Vec<KeyId> },
    #[error("no key with id {0} in the keyring ({1})")]
    NotInKeyring(KeyId, String),
    #[error("cannot write key file {}: {err}", shown_path(path))]
    Write { path: PathBuf, err: std::io::Error },
}

/// A path argument as messages show it. A key pasted where a path goes
/// (`--key-file "$KEY"`) must never be printed: a path whose text, or one of whose
/// components, reads as a key (or as 40+ characters of base64) is shown as a description.
pub fn shown_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let keyish = |s: &str| {
        Key::from_text(s).is_ok()
            || (s.len() >= 40
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_+/=".contains(&b)))
    };
    if keyish(&text) || path.iter().any(|c| keyish(&c.to_string_lossy())) {
        "(the path given looks like a key itself, so it is not shown: pass the path of a file that holds the key)".to_owned()
    } else {
        text.into_owned()
    }
}

/// What a command asks for when it needs a key.
#[derive(Clone, Debug, Default)]
pub struct Request<'a> {
    /// `--key-file`.
    pub key_file: Option<&'a Path>,
    /// The file being worked on: names the `SECRETS_MASTER_KEY_<ENV>` variable.
    pub for_file: Option<&'a Path>,
    /// The key id a header names (v1), to pick it from the keyring.
    pub wanted: Option<&'a KeyId>,
    /// `--key-id`: pick this one from the keyring.
    pub key_id: Option<&'a KeyId>,
    /// Ask on a terminal as a last resort.
    pub allow_prompt: bool,
}

/// A key and where it came from.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub key: Key,
    pub source: Source,
}

/// Environment name of a file: `.env.production(.encrypted)` → `PRODUCTION`.
pub fn env_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let name = name.strip_suffix(".encrypted").unwrap_or(name);
    let env = name.strip_prefix(".env.")?;
    (!env.is_empty()).then(|| {
        env.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    })
}

/// The variables consulted for a file, most specific first.
pub fn env_vars_for(path: Option<&Path>) -> Vec<String> {
    let mut vars = Vec::new();
    if let Some(env) = path.and_then(env_name) {
        vars.push(format!("SECRETS_MASTER_KEY_{env}"));
    }
    vars.push("SECRETS_MASTER_KEY".to_owned());
    vars
}

/// Read a key file; warns (through `warn`) when it is readable by group or others.
pub fn read_key_file(path: &Path, warn: &mut dyn FnMut(String)) -> Result<Key, KeyError> {
    let text = read_key_text(path)?;
    if let Some(mode) = fsutil::mode(path) {
        if mode & 0o077 != 0 {
            warn(format!(
                "key file {} is readable by others (mode {:o}); run: chmod 600 {}",
                shown_path(path),
                mode & 0o777,
                shown_path(path)
            ));
        }
    }
    Key::from_text(&text).map_err(|_| KeyError::MalformedFile {
        path: path.to_owned(),
        what: key_text_problem(&text),
    })
}

/// The most a key file is read of: a key is 44 characters; white space and a comment
/// line or two fit many times over. `--key-file /dev/zero` (or a log file given by
/// mistake) stops here instead of filling the memory.
pub const KEY_FILE_MAX: u64 = 4096;

/// A key file's text: at most [`KEY_FILE_MAX`] bytes, UTF-8. A longer file or one that
/// is not text is a malformed key (exit 3), said without any of its content.
fn read_key_text(path: &Path) -> Result<Zeroizing<String>, KeyError> {
    use std::io::Read;
    let read_err = |err| KeyError::Read {
        path: path.to_owned(),
        err,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(128));
    file.take(KEY_FILE_MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    let malformed = |what: String| KeyError::MalformedFile {
        path: path.to_owned(),
        what,
    };
    if bytes.len() as u64 > KEY_FILE_MAX {
        return Err(malformed(format!(
            "it is larger than {KEY_FILE_MAX} bytes, far more than a key"
        )));
    }
    match std::str::from_utf8(&bytes) {
        Ok(text) => Ok(Zeroizing::new(text.to_owned())),
        Err(e) => Err(malformed(format!(
            "it is not text (byte {} is not UTF-8)",
            e.valid_up_to() + 1
        ))),
    }
}

/// What is wrong with a key's text, said without the text: for a message only.
fn key_text_problem(text: &str) -> String {
    let t = text.trim().trim_end_matches('=');
    if t.is_empty() {
        return "it is empty".to_owned();
    }
    if t.chars().any(char::is_whitespace) {
        return "it holds more than one word (a key file holds only the key)".to_owned();
    }
    if let Some(i) = t
        .chars()
        .position(|c| !(c.is_ascii_alphanumeric() || "-_+/".contains(c)))
    {
        return format!("character {} is not base64", i + 1);
    }
    format!(
        "{} base64 characters encode {} bytes, not 32",
        t.chars().count(),
        t.chars().count() * 3 / 4
    )
}

/// Find a key: the first source that has one wins. Candidates that need trying (several
/// keyring keys for a Fernet file, which names no key) come from [`candidates`].
pub fn resolve(req: &Request, warn: &mut dyn FnMut(String)) -> Result<Loaded, KeyError> {
    let mut all = candidates(req, warn)?;
    if all.len() > 1 {
        return Err(KeyError::Ambiguous {
            count: all.len(),
            ids: all.iter().map(|l| l.key.id()).collect(),
        });
    }
    all.pop().ok_or_else(|| missing(req))
}

fn missing(req: &Request) -> KeyError {
    let vars = env_vars_for(req.for_file).join(" or ");
    let for_what = match (req.for_file, req.wanted) {
        (Some(p), Some(id)) => format!(" for {} (it needs {id})", p.display()),
        (Some(p), None) => format!(" for {}", p.display()),
        (None, Some(id)) => format!(" (need {id})"),
        (None, None) => String::new(),
    };
    KeyError::Missing {
        for_what,
        hint: format!(
            "pass --key-file PATH, set {vars}, or put the key in the keyring ({}){}",
            keyring::dir().display(),
            if std::io::stdin().is_terminal() || !req.allow_prompt {
                ""
            } else {
                "; no terminal to ask on"
            }
        ),
    }
}

/// The key, or the keys to try in order. More than one only when the request names no
/// key id and the keyring holds several (the caller may try each on a Fernet file).
pub fn candidates(req: &Request, warn: &mut dyn FnMut(String)) -> Result<Vec<Loaded>, KeyError> {
    if let Some(path) = req.key_file {
        let key = read_key_file(path, warn)?;
        return Ok(vec![Loaded {
            key,
            source: Source::File(path.to_owned()),
        }]);
    }
    for var in env_vars_for(req.for_file) {
        if let Some(value) = std::env::var_os(&var) {
            let value = Zeroizing::new(value.to_string_lossy().into_owned());
            if value.trim().is_empty() {
                continue;
            }
            let key = Key::from_text(&value).map_err(|_| KeyError::MalformedAt {
                source_desc: format!("${var}"),
            })?;
            return Ok(vec![Loaded {
                key,
                source: Source::Env(var),
            }]);
        }
    }
    if let Some(id) = req.key_id.or(req.wanted) {
        if let Some(found) = keyring::find(id, warn)? {
            return Ok(vec![found]);
        }
        if req.key_id.is_some() {
            return Err(KeyError::NotInKeyring(
                id.clone(),
                keyring::dir().display().to_string(),
            ));
        }
    } else {
        let all = keyring::all(warn)?;
        if !all.is_empty() {
            return Ok(all);
        }
    }
    if req.allow_prompt && std::io::stdin().is_terminal() {
        let what = match (req.for_file, req.wanted) {
            (Some(p), Some(id)) => format!("{} ({id})", p.display()),
            (Some(p), None) => p.display().to_string(),
            (None, Some(id)) => id.to_string(),
            (None, None) => "envseal".to_owned(),
        };
        let text = Zeroizing::new(
            match rpassword::prompt_password(format!("Master key for {what}: ")) {
                Ok(text) => text,
                // End of input at the prompt (Ctrl-D, a pseudo-terminal with nothing to
                // give): no key was given, which is "no key found" (exit 3), not an I/O error.
                Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Err(missing(req))
                }
                Err(err) => {
                    return Err(KeyError::Read {
                        path: PathBuf::from("/dev/tty"),
                        err,
                    })
                }
            },
        );
        if text.trim().is_empty() {
            return Err(missing(req));
        }
        let key = Key::from_text(&text).map_err(|_| KeyError::MalformedAt {
            source_desc: "the key typed at the prompt".to_owned(),
        })?;
        return Ok(vec![Loaded {
            key,
            source: Source::Prompt,
        }]);
    }
    Err(missing(req))
}

/// The user's keyring: one 0600 file per key, named by its id's hex digits.
pub mod keyring {
    use super::*;

    /// `$ENVSEAL_KEYRING`, else `$XDG_CONFIG_HOME/envseal/keys`, else `~/.config/envseal/keys`.
    pub fn dir() -> PathBuf {
        if let Some(d) = std::env::var_os("ENVSEAL_KEYRING").filter(|d| !d.is_empty()) {
            return PathBuf::from(d);
        }
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .unwrap_or_else(|| PathBuf::from(".config"));
        config.join("envseal").join("keys")
    }

    pub fn path_for(id: &KeyId) -> PathBuf {
        dir().join(format!("{}.key", id.hex()))
    }

    /// Save a key (0600, durable). Returns its path.
    pub fn save(key: &Key) -> Result<PathBuf, KeyError> {
        let path = path_for(&key.id());
        write_key_file(&path, key, true)?;
        Ok(path)
    }

    /// The key with id `id`: its id-named file when that holds it, else any keyring file
    /// whose content is that key, whatever the file is called (`dev.key`, `prod`).
    pub fn find(id: &KeyId, warn: &mut dyn FnMut(String)) -> Result<Option<Loaded>, KeyError> {
        check_dir(warn);
        let path = path_for(id);
        if path.exists() {
            let key = read_key_file(&path, warn)?;
            if &key.id() == id {
                return Ok(Some(Loaded {
                    key,
                    source: Source::Keyring(path),
                }));
            }
        }
        // A misnamed id-named file is warned about by `entries`.
        Ok(by_content(warn).into_iter().find(|l| &l.key.id() == id))
    }

    /// Every key in the keyring, found by content: each regular file in the directory
    /// (not hidden, not a temporary file) that holds a key, sorted by file name, one entry
    /// per distinct key. A file that holds no key is skipped with a warning.
    pub fn all(warn: &mut dyn FnMut(String)) -> Result<Vec<Loaded>, KeyError> {
        Ok(by_content(warn))
    }

    /// The keyring's files that hold a key, with their modification time.
    pub fn entries(warn: &mut dyn FnMut(String)) -> Vec<(Loaded, Option<std::time::SystemTime>)> {
        let Ok(entries) = std::fs::read_dir(dir()) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()))
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    !n.starts_with('.') && !n.ends_with(".tmp") && !n.ends_with('~')
                })
            })
            .collect();
        paths.sort();
        if !paths.is_empty() {
            check_dir(warn);
        }
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for path in paths {
            let key = match read_key_file(&path, warn) {
                Ok(key) => key,
                Err(e) => {
                    warn(format!("{e}; skipped"));
                    continue;
                }
            };
            check_name(&path, &key, warn);
            if seen.insert(key.id()) {
                let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
                out.push((
                    Loaded {
                        key,
                        source: Source::Keyring(path),
                    },
                    modified,
                ));
            }
        }
        out
    }

    /// For a file that needs key `id` (its header says it started protecting the file at
    /// `created`) when no source has it: what the keyring holds instead, and, when every
    /// key there is older than that, that the file was probably rotated away from them.
    pub fn explain_missing(id: &KeyId, created: chrono::DateTime<chrono::Utc>) -> Option<String> {
        let held = entries(&mut |_| {});
        if held.is_empty() {
            return None;
        }
        let ids = held
            .iter()
            .map(|(l, _)| l.key.id().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let date = created.format("%Y-%m-%d");
        let all_older = held.iter().all(|(_, modified)| {
            modified.is_some_and(|m| chrono::DateTime::<chrono::Utc>::from(m) <= created)
        });
        Some(if all_older {
            format!(
                "it needs {id}, created {date}; your keyring holds {ids} from before that: the file was probably rotated — ask for the new key"
            )
        } else {
            format!("it needs {id}, created {date}; your keyring holds {ids}")
        })
    }

    fn by_content(warn: &mut dyn FnMut(String)) -> Vec<Loaded> {
        entries(warn).into_iter().map(|(l, _)| l).collect()
    }

    /// Warn (once per process) when the keyring directory is writable by group or
    /// others: anyone who can write there can plant a key that envseal then encrypts
    /// with, or swap one.
    fn check_dir(warn: &mut dyn FnMut(String)) {
        use std::sync::atomic::{AtomicBool, Ordering};
        static WARNED: AtomicBool = AtomicBool::new(false);
        let dir = dir();
        let Some(mode) = fsutil::mode(&dir) else {
            return;
        };
        if mode & 0o022 != 0 && !WARNED.swap(true, Ordering::Relaxed) {
            warn(format!(
                "keyring directory {} is writable by group or others (mode {:o}): anyone who can write there can plant or swap a key; run: chmod 700 {}",
                dir.display(),
                mode & 0o777,
                dir.display()
            ));
        }
    }

    /// Warn when a file named like a key id (`<16 hex digits>.key`) holds another key:
    /// the name promises a key it does not hold (renamed, copied over, or planted).
    fn check_name(path: &Path, key: &Key, warn: &mut dyn FnMut(String)) {
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            return;
        };
        let id_named = stem.len() == 16 && stem.bytes().all(|b| b.is_ascii_hexdigit());
        let id = key.id();
        if id_named && !stem.eq_ignore_ascii_case(id.hex()) {
            warn(format!(
                "keyring file {} holds key {id}, not sha256:{stem} as its name says; rename it to {}.key (or remove it if you did not put it there)",
                path.display(),
                id.hex()
            ));
        }
    }
}

/// Write a key's text form to `path`: 0600, atomic and durable. Refuses to replace an
/// existing file unless `overwrite`.
pub fn write_key_file(path: &Path, key: &Key, overwrite: bool) -> Result<(), KeyError> {
    let mut text = Zeroizing::new(key.expose_text().to_string());
    text.push('\n');
    let res = if overwrite {
        fsutil::write_atomic(path, text.as_bytes(), 0o600)
    } else {
        fsutil::write_new(path, text.as_bytes(), 0o600)
    };
    res.map_err(|err| KeyError::Write {
        path: path.to_owned(),
        err,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip_and_alphabets() {
        let key = Key::from_bytes([0xfb; 32]);
        let text = key.expose_text();
        assert_eq!(text.len(), 44);
        assert!(text.contains('-') || text.contains('_'));
        assert_eq!(Key::from_text(&text).unwrap(), key);
        let standard = text.replace('-', "+").replace('_', "/");
        assert_eq!(Key::from_text(&standard).unwrap(), key);
        assert_eq!(Key::from_text(text.trim_end_matches('=')).unwrap(), key);
        assert_eq!(Key::from_text(&format!("  {}\n", *text)).unwrap(), key);
        assert!(Key::from_text("too-short").is_err());
    }

    #[test]
    fn debug_shows_only_the_id() {
        let key = Key::from_bytes([7; 32]);
        let dbg = format!("{key:?}");
        assert!(dbg.starts_with("Key(sha256:"));
        assert!(!dbg.contains(key.expose_text().as_str()));
    }

    #[test]
    fn ids_are_stable_fingerprints() {
        let id = Key::from_bytes([0; 32]).id();
        assert!(KeyId::parse(id.as_str()).is_some());
        assert_ne!(id, Key::from_bytes([1; 32]).id());
        assert_eq!(id, Key::from_bytes([0; 32]).id());
    }

    #[test]
    fn env_names() {
        let n = |p: &str| env_name(Path::new(p));
        assert_eq!(
            n(".env.production.encrypted").as_deref(),
            Some("PRODUCTION")
        );
        assert_eq!(n("dir/.env.staging-eu").as_deref(), Some("STAGING_EU"));
        assert_eq!(n(".env"), None);
        assert_eq!(n(".env.encrypted"), None);
    }
}
