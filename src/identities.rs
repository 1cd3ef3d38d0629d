//! Where age and SSH identities (private keys) come from, first match wins:
//!
//! 1. `--identity FILE` (each, in the order given): an age identity file (any number of
//!    `AGE-SECRET-KEY-1...` lines, `#` comments, blank lines) or an unencrypted OpenSSH
//!    private key;
//! 2. `ENVSEAL_AGE_KEY`: the same, as text;
//! 3. `ENVSEAL_AGE_KEY_FILE`: the same, as a file;
//! 4. the keyring's identities directory ([`dir`]): every file in it, by name order;
//! 5. `~/.ssh/id_ed25519`, then `~/.ssh/id_rsa` (`HOME` from the environment; skipped
//!    silently when absent, a warning when unreadable or malformed).
//!
//! Sources are read lazily, in that order, only until one yields the identity a slot
//! names by its kid ([`Identities::find`]); `~/.ssh` is never read for an age slot (it
//! holds no age identity), and nothing at all is read for a file without age or ssh slots.
//! A passphrase-protected SSH key is never prompted for: given with `--identity` it is an
//! error at once; in `~/.ssh` it is an error only when it is the key a slot names.
//!
//! Never prints (warnings go through a callback); errors name the source and line, never
//! key text.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::format::v1::slot::age::{AgeIdentity, SshIdentity, SshKeyFile};
use crate::format::v1::slot::{Identity, SlotLine, AGE, SSH};

/// The environment variables identities are read from (for `run`, which removes them
/// from the environment of the command it starts).
pub const ENV_VARS: [&str; 2] = ["ENVSEAL_AGE_KEY", "ENVSEAL_AGE_KEY_FILE"];

/// Why identities could not be loaded. Never holds key text.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("cannot read identity file {path}: {err}; check the path and its permissions")]
    Read { path: String, err: std::io::Error },
    #[error("{origin}:{line}: not an age identity (AGE-SECRET-KEY-1...), a comment or a blank line; an identity file is what age-keygen or `envseal generate-key --age` writes, or an unencrypted OpenSSH private key")]
    Malformed { origin: String, line: usize },
    #[error("{origin} is a passphrase-protected SSH key: envseal does not prompt for its passphrase; use an unencrypted key or an age identity (envseal generate-key --age)")]
    Encrypted { origin: String },
    #[error("{origin}: {what}")]
    Unsupported { origin: String, what: String },
    #[error("{origin} holds no identity")]
    Empty { origin: String },
}

/// The identities directory: `$ENVSEAL_KEYRING/identities` when `ENVSEAL_KEYRING` is set,
/// else `identities/` beside the keyring (`$XDG_CONFIG_HOME/envseal/identities`, else
/// `~/.config/envseal/identities`), where `age-keygen -o` can write.
pub fn dir() -> PathBuf {
    let keys = crate::key::keyring::dir();
    if std::env::var_os("ENVSEAL_KEYRING").is_some_and(|d| !d.is_empty()) {
        return keys.join("identities");
    }
    match keys.parent() {
        Some(envseal) => envseal.join("identities"),
        None => keys.join("identities"),
    }
}

/// Parse identity text (an age identity file or an OpenSSH private key) from `origin`.
pub fn parse(text: &str, origin: &str) -> Result<Vec<Box<dyn Identity>>, IdentityError> {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    let Some(first) = first else {
        return Err(IdentityError::Empty {
            origin: origin.to_owned(),
        });
    };
    if first.starts_with("-----BEGIN") {
        return match SshIdentity::parse(text, origin) {
            Ok(SshKeyFile::Key(id)) => Ok(vec![Box::new(id)]),
            Ok(SshKeyFile::Encrypted { .. }) => Err(IdentityError::Encrypted {
                origin: origin.to_owned(),
            }),
            Ok(SshKeyFile::Unsupported) => Err(IdentityError::Unsupported {
                origin: origin.to_owned(),
                what: "this SSH key type is not supported: use ssh-ed25519, ssh-rsa or an age identity".to_owned(),
            }),
            Err(_) => Err(IdentityError::Malformed {
                origin: origin.to_owned(),
                line: 1,
            }),
        };
    }
    let mut out: Vec<Box<dyn Identity>> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("AGE-PLUGIN-") {
            return Err(IdentityError::Unsupported {
                origin: format!("{origin}:{}", i + 1),
                what: "age plugin identities are not supported".to_owned(),
            });
        }
        match AgeIdentity::parse(line, origin) {
            Ok(id) => out.push(Box::new(id)),
            Err(_) => {
                return Err(IdentityError::Malformed {
                    origin: origin.to_owned(),
                    line: i + 1,
                })
            }
        }
    }
    Ok(out)
}

/// Read and [`parse`] an identity file; `origin` names it in messages and as the
/// identities' source (`--identity ci.txt`).
pub fn read_file(path: &Path, origin: &str) -> Result<Vec<Box<dyn Identity>>, IdentityError> {
    let shown = origin.to_owned();
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|err| IdentityError::Read {
        path: shown.clone(),
        err,
    })?);
    let text = std::str::from_utf8(&bytes).map_err(|_| IdentityError::Malformed {
        origin: shown.clone(),
        line: 1 + bytes
            .iter()
            .take(
                std::str::from_utf8(&bytes)
                    .err()
                    .map_or(0, |e| e.valid_up_to()),
            )
            .filter(|&&b| b == b'\n')
            .count(),
    })?;
    parse(text, &shown)
}

enum Source {
    Flag(PathBuf),
    EnvText(Zeroizing<String>),
    EnvFile(PathBuf),
    Dir(PathBuf),
    Ssh(PathBuf),
}

/// The identities a command may use, loaded lazily in precedence order (module doc).
pub struct Identities {
    pending: Vec<Source>,
    loaded: Vec<Box<dyn Identity>>,
    /// Passphrase-protected keys seen in `~/.ssh`: (kid, path).
    encrypted: Vec<(String, String)>,
}

impl Identities {
    /// The sources, read from `explicit` (`--identity`), the environment and `HOME`. Reads
    /// no file.
    pub fn new(explicit: &[PathBuf]) -> Identities {
        Identities::with_env(explicit, dir(), &|name| std::env::var_os(name))
    }

    /// [`Identities::new`] with the identities directory and the environment given (tests).
    pub fn with_env(
        explicit: &[PathBuf],
        identities_dir: PathBuf,
        env: &dyn Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Identities {
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let mut pending: Vec<Source> = explicit.iter().cloned().map(Source::Flag).collect();
        if let Some(text) = env("ENVSEAL_AGE_KEY") {
            // Not UTF-8: an empty text, reported as holding no identity.
            pending.push(Source::EnvText(Zeroizing::new(
                text.into_string().unwrap_or_default(),
            )));
        }
        if let Some(f) = env("ENVSEAL_AGE_KEY_FILE") {
            pending.push(Source::EnvFile(PathBuf::from(f)));
        }
        pending.push(Source::Dir(identities_dir));
        if let Some(home) = env("HOME") {
            let ssh = PathBuf::from(home).join(".ssh");
            pending.push(Source::Ssh(ssh.join("id_ed25519")));
            pending.push(Source::Ssh(ssh.join("id_rsa")));
        }
        pending.reverse(); // popped from the end
        Identities {
            pending,
            loaded: Vec::new(),
            encrypted: Vec::new(),
        }
    }

    /// The identity that opens `slot` (same kind and kid), reading sources in order only
    /// until one yields it. `Ok(None)`: none here (see [`Identities::tried`]); `Err`: a
    /// source given explicitly is unusable, or the key the slot names is
    /// passphrase-protected.
    pub fn find(
        &mut self,
        slot: &SlotLine,
        warn: &mut dyn FnMut(String),
    ) -> Result<Option<&dyn Identity>, IdentityError> {
        if slot.kind != AGE && slot.kind != SSH {
            return Ok(None);
        }
        loop {
            if let Some(i) = self
                .loaded
                .iter()
                .position(|id| id.kind() == slot.kind && id.kid() == slot.kid)
            {
                return Ok(Some(self.loaded[i].as_ref()));
            }
            // `~/.ssh` holds no age identity: an age slot never reads it.
            if slot.kind == AGE && matches!(self.pending.last(), Some(Source::Ssh(_))) {
                return Ok(None);
            }
            match self.pending.pop() {
                Some(source) => self.load(source, warn)?,
                None => break,
            }
        }
        if let Some((_, path)) = self.encrypted.iter().find(|(kid, _)| *kid == slot.kid) {
            return Err(IdentityError::Encrypted {
                origin: path.clone(),
            });
        }
        Ok(None)
    }

    /// Read every source (for a command that lists identities or checks them all).
    pub fn load_all(
        &mut self,
        warn: &mut dyn FnMut(String),
    ) -> Result<&[Box<dyn Identity>], IdentityError> {
        while let Some(source) = self.pending.pop() {
            self.load(source, warn)?;
        }
        Ok(&self.loaded)
    }

    /// The identity already read that opens `slot` (same kind and kid), without reading
    /// another source: after [`Identities::find`] said one is there.
    pub fn found(&self, slot: &SlotLine) -> Option<&dyn Identity> {
        self.loaded
            .iter()
            .find(|id| id.kind() == slot.kind && id.kid() == slot.kid)
            .map(|id| id.as_ref())
    }

    /// The identities read so far, as `(kid, source)`, for "tried ..." in messages.
    pub fn tried(&self) -> Vec<(String, String)> {
        self.loaded.iter().map(|i| (i.kid(), i.source())).collect()
    }

    fn load(&mut self, source: Source, warn: &mut dyn FnMut(String)) -> Result<(), IdentityError> {
        match source {
            Source::Flag(path) => {
                let origin = format!("--identity {}", crate::key::shown_path(&path));
                let ids = read_file(&path, &origin)?;
                self.loaded.extend(ids);
            }
            Source::EnvText(text) => {
                self.loaded.extend(parse(&text, "ENVSEAL_AGE_KEY")?);
            }
            Source::EnvFile(path) => {
                let origin = format!("ENVSEAL_AGE_KEY_FILE={}", crate::key::shown_path(&path));
                let ids = read_file(&path, &origin)?;
                self.loaded.extend(ids);
            }
            Source::Dir(dir) => {
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    return Ok(());
                };
                let mut paths: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok())
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()))
                    .map(|e| e.path())
                    .filter(|p| {
                        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                            !n.starts_with('.')
                                && !n.ends_with(".tmp")
                                && !n.ends_with('~')
                                && !n.ends_with(".pub")
                        })
                    })
                    .collect();
                paths.sort();
                for path in paths {
                    match read_file(&path, &path.display().to_string()) {
                        Ok(ids) => self.loaded.extend(ids),
                        Err(e) => warn(format!("skipping identity file: {e}")),
                    }
                }
            }
            Source::Ssh(path) => {
                let shown = path.display().to_string();
                let bytes = match std::fs::read(&path) {
                    Ok(b) => Zeroizing::new(b),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                    Err(e) => {
                        warn(format!("cannot read {shown} ({e}); skipping it"));
                        return Ok(());
                    }
                };
                let Ok(text) = std::str::from_utf8(&bytes) else {
                    warn(format!(
                        "{shown} is not an OpenSSH private key; skipping it"
                    ));
                    return Ok(());
                };
                match SshIdentity::parse(text, shown.clone()) {
                    Ok(SshKeyFile::Key(id)) => self.loaded.push(Box::new(id)),
                    Ok(SshKeyFile::Encrypted { kid }) => self.encrypted.push((kid, shown)),
                    Ok(SshKeyFile::Unsupported) => {}
                    Err(_) => warn(format!(
                        "{shown} is not an OpenSSH private key; skipping it"
                    )),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
