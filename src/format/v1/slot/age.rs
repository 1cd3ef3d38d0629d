//! age and SSH key slots (`type=age`, `type=ssh`) on the key-slot joint.
//!
//! Each slot's `wrap=` is a standard binary age file whose plaintext is the 32-byte data
//! key, so `age -d -i IDENTITY` (an age identity file, or an OpenSSH private key for an
//! ssh slot) recovers the data key without envseal. The encryption itself is the `age`
//! crate's (rage's library); this module only names the slots and checks the result.
//!
//! - `type=age kid=age1...`: the kid is the recipient itself (public).
//! - `type=ssh kid=SHA256:...`: the kid is the key's SHA-256 fingerprint as
//!   `ssh-keygen -l` prints it (standard base64 of the SHA-256 of the key blob, no
//!   padding); the slot also carries `recipient=<ssh-ed25519|ssh-rsa>:<base64url of the
//!   key blob, no padding>`, so a new data key can be wrapped for it (by `rotate`,
//!   `recipients remove`) without anyone's private key ([`recipient_from_slot`]).
//! - Either may carry `name=<[A-Za-z0-9._@-]+>` (`--name alice`), written before
//!   `recipient=`.
//!
//! Never prints; errors never hold key text (a malformed recipient or identity is named
//! by where it came from, never echoed).

use std::io::{Read, Write};

use ::age::secrecy::ExposeSecret;
use base64::Engine;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{Identity, Recipient, SlotError, SlotLine, AGE, SSH};
use crate::format::v1::{DataKey, Random};

const STD_NO_PAD: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD_NO_PAD;
const URL_NO_PAD: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Is `name` acceptable as a slot's `name=` (`--name`)? `[A-Za-z0-9._@-]+`, at most 64.
pub fn name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b))
}

fn check_name(name: Option<&str>) -> Result<Option<String>, SlotError> {
    match name {
        None => Ok(None),
        Some(n) if name_ok(n) => Ok(Some(n.to_owned())),
        Some(_) => Err(SlotError::Invalid(
            "a recipient's name may use only letters, digits and . _ @ - (at most 64)".to_owned(),
        )),
    }
}

/// The SHA-256 fingerprint of an OpenSSH public key blob, as `ssh-keygen -l` prints it.
pub fn ssh_fingerprint(blob: &[u8]) -> String {
    format!("SHA256:{}", STD_NO_PAD.encode(Sha256::digest(blob)))
}

/// Wrap `dk` in a binary age file for `recipient`.
fn age_wrap(recipient: &dyn ::age::Recipient, dk: &DataKey) -> Result<Vec<u8>, SlotError> {
    let internal = |e: &dyn std::fmt::Display| SlotError::Internal(format!("age: {e}"));
    let encryptor =
        ::age::Encryptor::with_recipients(std::iter::once(recipient)).map_err(|e| internal(&e))?;
    let mut out = Vec::with_capacity(256);
    let mut writer = encryptor.wrap_output(&mut out).map_err(|e| internal(&e))?;
    writer
        .write_all(dk.expose_bytes())
        .map_err(|e| internal(&e))?;
    writer.finish().map_err(|e| internal(&e))?;
    Ok(out)
}

/// Open the age file in `slot.wrap` with `identity`; exactly 32 bytes or `Refused`.
fn age_unwrap(identity: &dyn ::age::Identity, slot: &SlotLine) -> Result<DataKey, SlotError> {
    let refused = |why: String| SlotError::Refused {
        slot: slot.describe(),
        why,
    };
    let decryptor = ::age::Decryptor::new_buffered(slot.wrap.as_slice())
        .map_err(|e| refused(format!("its wrapped key is not a valid age file: {e}")))?;
    let mut reader = decryptor
        .decrypt(std::iter::once(identity))
        .map_err(|e| refused(format!("age: {e}")))?;
    let mut plain = Zeroizing::new(Vec::with_capacity(33));
    // Read at most 33 bytes: anything but exactly 32 is refused without reading more.
    (&mut reader)
        .take(33)
        .read_to_end(&mut plain)
        .map_err(|e| refused(format!("age payload: {e}")))?;
    if plain.len() != 32 {
        return Err(refused(format!(
            "its age file holds {} bytes, not a 32-byte data key",
            plain.len()
        )));
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    bytes.copy_from_slice(&plain);
    Ok(DataKey::from_bytes(bytes))
}

fn extra(name: &Option<String>, recipient: Option<String>) -> Vec<(String, String)> {
    let mut extra = Vec::new();
    if let Some(n) = name {
        extra.push(("name".to_owned(), n.clone()));
    }
    if let Some(r) = recipient {
        extra.push(("recipient".to_owned(), r));
    }
    extra
}

/// An age X25519 recipient (`age1...`), with an optional name.
#[derive(Clone)]
pub struct AgeRecipient {
    inner: ::age::x25519::Recipient,
    name: Option<String>,
}

impl AgeRecipient {
    /// From its `age1...` text; `name` is checked with [`name_ok`].
    pub fn parse(text: &str, name: Option<&str>) -> Result<AgeRecipient, SlotError> {
        let inner = text
            .trim()
            .parse::<::age::x25519::Recipient>()
            .map_err(|_| {
                SlotError::Invalid(
                    "not a valid age recipient (expected age1... as age-keygen prints it)"
                        .to_owned(),
                )
            })?;
        Ok(AgeRecipient {
            inner,
            name: check_name(name)?,
        })
    }

    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl Recipient for AgeRecipient {
    fn kind(&self) -> &'static str {
        AGE
    }

    fn kid(&self) -> String {
        self.inner.to_string()
    }

    fn wrap(
        &self,
        dk: &DataKey,
        created: DateTime<Utc>,
        _random: Random,
    ) -> Result<SlotLine, SlotError> {
        Ok(SlotLine {
            kind: AGE.to_owned(),
            kid: self.kid(),
            created,
            extra: extra(&self.name, None),
            wrap: age_wrap(&self.inner, dk)?,
        })
    }
}

/// An OpenSSH `ssh-ed25519` or `ssh-rsa` public key, with an optional name.
#[derive(Clone)]
pub struct SshRecipient {
    inner: ::age::ssh::Recipient,
    name: Option<String>,
}

fn ssh_parts(r: &::age::ssh::Recipient) -> (&'static str, &[u8]) {
    match r {
        ::age::ssh::Recipient::SshRsa(blob, _) => ("ssh-rsa", blob),
        ::age::ssh::Recipient::SshEd25519(blob, _) => ("ssh-ed25519", blob),
    }
}

fn ssh_parse_error(e: ::age::ssh::ParseRecipientKeyError) -> SlotError {
    use ::age::ssh::ParseRecipientKeyError as E;
    SlotError::Invalid(match e {
        E::RsaModulusTooSmall => "an ssh-rsa key under 2048 bits is refused (too weak)".to_owned(),
        E::RsaModulusTooLarge => "an ssh-rsa key over 4096 bits is not supported".to_owned(),
        E::Unsupported(kind) if kind.bytes().all(|b| b.is_ascii_graphic()) && kind.len() < 64 => {
            format!("SSH key type {kind} is not supported: use ssh-ed25519, ssh-rsa or an age recipient")
        }
        _ => "not a valid OpenSSH public key (expected one `ssh-ed25519 AAAA...` or `ssh-rsa AAAA...` line)".to_owned(),
    })
}

impl SshRecipient {
    /// From an OpenSSH public key line (`ssh-ed25519 AAAA... comment`); the comment is
    /// dropped (it is not part of the key). `name` is checked with [`name_ok`].
    pub fn parse(line: &str, name: Option<&str>) -> Result<SshRecipient, SlotError> {
        // age's parser takes `type base64` only: drop a trailing comment.
        let mut words = line.split_whitespace();
        let (kind, b64) = match (words.next(), words.next()) {
            (Some(k), Some(b)) => (k, b),
            _ => return Err(ssh_parse_error(::age::ssh::ParseRecipientKeyError::Ignore)),
        };
        let inner = format!("{kind} {b64}")
            .parse::<::age::ssh::Recipient>()
            .map_err(ssh_parse_error)?;
        Ok(SshRecipient {
            inner,
            name: check_name(name)?,
        })
    }

    fn from_blob(kind: &str, blob: &[u8], name: Option<&str>) -> Result<SshRecipient, SlotError> {
        let line = format!(
            "{kind} {}",
            base64::engine::general_purpose::STANDARD.encode(blob)
        );
        SshRecipient::parse(&line, name)
    }

    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The public key as an OpenSSH line without comment (`ssh-ed25519 AAAA...`).
    pub fn openssh(&self) -> String {
        self.inner.to_string()
    }

    /// The `recipient=` field: `<type>:<base64url of the blob, no padding>`.
    fn field(&self) -> String {
        let (kind, blob) = ssh_parts(&self.inner);
        format!("{kind}:{}", URL_NO_PAD.encode(blob))
    }
}

impl Recipient for SshRecipient {
    fn kind(&self) -> &'static str {
        SSH
    }

    fn kid(&self) -> String {
        ssh_fingerprint(ssh_parts(&self.inner).1)
    }

    fn wrap(
        &self,
        dk: &DataKey,
        created: DateTime<Utc>,
        _random: Random,
    ) -> Result<SlotLine, SlotError> {
        Ok(SlotLine {
            kind: SSH.to_owned(),
            kid: self.kid(),
            created,
            extra: extra(&self.name, Some(self.field())),
            wrap: age_wrap(&self.inner, dk)?,
        })
    }
}

/// A recipient given in its public form: `age1...`, an OpenSSH public key line
/// (`ssh-ed25519 AAAA... comment`), or the path of a file holding one (`id_ed25519.pub`).
/// A file is read only when the text is neither of the first two.
pub fn parse_recipient(text: &str, name: Option<&str>) -> Result<Box<dyn Recipient>, SlotError> {
    let t = text.trim();
    if t.starts_with("age1") {
        return Ok(Box::new(AgeRecipient::parse(t, name)?));
    }
    if t.starts_with("ssh-") {
        return Ok(Box::new(SshRecipient::parse(t, name)?));
    }
    let path = std::path::Path::new(t);
    // An identity pasted where the recipient goes is never echoed.
    let shown = crate::key::shown_path(path);
    let content = std::fs::read(path).map_err(|e| {
        SlotError::Invalid(format!(
            "{shown}: not an age recipient (age1...), an OpenSSH public key, or a readable .pub file ({})",
            e.kind()
        ))
    })?;
    let content = String::from_utf8(content)
        .map_err(|_| SlotError::Invalid(format!("{shown}: not a text file")))?;
    // A .pub file: the first line that is not blank or a comment. A private key given by
    // mistake is refused without a word of it.
    let line = content
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or_else(|| SlotError::Invalid(format!("{shown}: no public key in it")))?;
    let described = |e: SlotError| match e {
        SlotError::Invalid(why) => SlotError::Invalid(format!("{shown}: {why}")),
        other => other,
    };
    if line.starts_with("age1") {
        AgeRecipient::parse(line, name)
            .map(|r| Box::new(r) as Box<dyn Recipient>)
            .map_err(described)
    } else if line.starts_with("ssh-") {
        SshRecipient::parse(line, name)
            .map(|r| Box::new(r) as Box<dyn Recipient>)
            .map_err(described)
    } else if line.starts_with("-----BEGIN") || line.starts_with("AGE-SECRET-KEY-") {
        Err(SlotError::Invalid(format!(
            "{shown} is a private key: give the public key (the .pub file, or age1...)"
        )))
    } else {
        Err(SlotError::Invalid(format!(
            "{shown}: not an age recipient or an OpenSSH public key"
        )))
    }
}

/// The public recipient recorded in an age or ssh slot, to wrap a new data key for it
/// without any private key (`rotate`, `recipients remove`). `None` for another kind, or
/// when the slot's public key is malformed or does not match its kid.
pub fn recipient_from_slot(slot: &SlotLine) -> Option<Box<dyn Recipient>> {
    let name = slot.field("name").filter(|n| name_ok(n));
    match slot.kind.as_str() {
        AGE => {
            let r = AgeRecipient::parse(&slot.kid, name).ok()?;
            Some(Box::new(r))
        }
        SSH => {
            let (kind, b64) = slot.field("recipient")?.split_once(':')?;
            let blob = URL_NO_PAD.decode(b64).ok()?;
            let r = SshRecipient::from_blob(kind, &blob, name).ok()?;
            (r.kid() == slot.kid && r.field() == slot.field("recipient")?)
                .then(|| Box::new(r) as Box<dyn Recipient>)
        }
        _ => None,
    }
}

/// The public form of an age or ssh slot's key, as a user would give it: `age1...` or
/// `ssh-ed25519 AAAA...` (for `recipients list`). `None` for another kind.
pub fn public_form(slot: &SlotLine) -> Option<String> {
    match slot.kind.as_str() {
        AGE => Some(slot.kid.clone()),
        SSH => {
            let (kind, b64) = slot.field("recipient")?.split_once(':')?;
            let blob = URL_NO_PAD.decode(b64).ok()?;
            Some(SshRecipient::from_blob(kind, &blob, None).ok()?.openssh())
        }
        _ => None,
    }
}

/// An age X25519 identity (`AGE-SECRET-KEY-1...`). Unprintable.
pub struct AgeIdentity {
    inner: ::age::x25519::Identity,
    source: String,
}

impl AgeIdentity {
    /// From one `AGE-SECRET-KEY-1...` line. The error never holds the text.
    pub fn parse(line: &str, source: impl Into<String>) -> Result<AgeIdentity, SlotError> {
        let source = source.into();
        let inner = line
            .trim()
            .parse::<::age::x25519::Identity>()
            .map_err(|_| SlotError::Invalid(format!("{source}: not a valid age identity")))?;
        Ok(AgeIdentity { inner, source })
    }

    /// A new identity from the OS generator.
    pub fn generate(source: impl Into<String>) -> AgeIdentity {
        AgeIdentity {
            inner: ::age::x25519::Identity::generate(),
            source: source.into(),
        }
    }

    /// Its recipient (`age1...`), which is also its kid.
    pub fn recipient(&self) -> AgeRecipient {
        AgeRecipient {
            inner: self.inner.to_public(),
            name: None,
        }
    }

    /// The identity's text (`AGE-SECRET-KEY-1...`), to save it. Every use is a place a
    /// private key leaves its type (`grep expose_`).
    pub fn expose_text(&self) -> Zeroizing<String> {
        Zeroizing::new(self.inner.to_string().expose_secret().to_owned())
    }
}

impl std::fmt::Debug for AgeIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AgeIdentity({}, {})", self.kid(), self.source)
    }
}

impl Identity for AgeIdentity {
    fn kind(&self) -> &'static str {
        AGE
    }

    fn kid(&self) -> String {
        self.inner.to_public().to_string()
    }

    fn source(&self) -> String {
        self.source.clone()
    }

    fn unwrap(&self, slot: &SlotLine) -> Result<DataKey, SlotError> {
        age_unwrap(&self.inner, slot)
    }
}

/// How an OpenSSH private key file reads.
pub enum SshKeyFile {
    /// An unencrypted `ssh-ed25519` or `ssh-rsa` key.
    Key(SshIdentity),
    /// A passphrase-protected key; its fingerprint (public) is known.
    Encrypted { kid: String },
    /// A key type age cannot use (ecdsa, a hardware key, ...).
    Unsupported,
}

/// An unencrypted OpenSSH private key (`ssh-ed25519` or `ssh-rsa`). Unprintable.
pub struct SshIdentity {
    inner: ::age::ssh::Identity,
    kid: String,
    source: String,
}

impl SshIdentity {
    /// Read an OpenSSH private key (the text of `~/.ssh/id_ed25519`). `Err` when the text
    /// is not one; the error never holds the text.
    pub fn parse(text: &str, source: impl Into<String>) -> Result<SshKeyFile, SlotError> {
        let source = source.into();
        let invalid = || SlotError::Invalid(format!("{source}: not a valid OpenSSH private key"));
        let inner = ::age::ssh::Identity::from_buffer(text.as_bytes(), Some(source.clone()))
            .map_err(|_| invalid())?;
        let public = match ::age::ssh::Recipient::try_from(inner.clone()) {
            Ok(public) => public,
            Err(_) => return Ok(SshKeyFile::Unsupported),
        };
        let kid = ssh_fingerprint(ssh_parts(&public).1);
        Ok(match inner {
            ::age::ssh::Identity::Unencrypted(_) => {
                SshKeyFile::Key(SshIdentity { inner, kid, source })
            }
            ::age::ssh::Identity::Encrypted(_) => SshKeyFile::Encrypted { kid },
            ::age::ssh::Identity::Unsupported(_) => SshKeyFile::Unsupported,
        })
    }
}

impl std::fmt::Debug for SshIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SshIdentity({}, {})", self.kid, self.source)
    }
}

impl Identity for SshIdentity {
    fn kind(&self) -> &'static str {
        SSH
    }

    fn kid(&self) -> String {
        self.kid.clone()
    }

    fn source(&self) -> String {
        self.source.clone()
    }

    fn unwrap(&self, slot: &SlotLine) -> Result<DataKey, SlotError> {
        age_unwrap(&self.inner, slot)
    }
}

#[cfg(test)]
pub(crate) mod tests;
