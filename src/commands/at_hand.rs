//! Keys at hand without asking, and opening an encrypted blob with whichever of them it
//! names: what the hook, `status --check` and textconv share. None of this prompts.
//!
//! "At hand" means: `--key-file`, every `SECRETS_MASTER_KEY*` variable, every keyring
//! key. A v1 file is opened with the key whose id its header names (so an exported new
//! key does not shadow the old one in the keyring after a rotation); a Fernet token, which
//! names no key, with each in turn. A v1 file no master key at hand opens is opened
//! with the local age and ssh identities its slots name (`--identity`, the environment,
//! the identities directory, `~/.ssh`): never through KMS, so the hook, `status` and
//! textconv never call a key service.

use std::path::Path;

use crate::format::{self, v1, Format, FormatError};
use crate::key::{self, Key, Loaded};

/// Every key at hand, without a prompt, each once (by key id). Unreadable or malformed
/// sources are skipped: this is for checks that must not fail on someone else's setup.
pub fn keys(key_file: Option<&Path>) -> Vec<Loaded> {
    let mut quiet = |_m: String| {};
    let mut out: Vec<Loaded> = Vec::new();
    let push = |l: Loaded, out: &mut Vec<Loaded>| {
        if out.iter().all(|o| o.key.id() != l.key.id()) {
            out.push(l);
        }
    };
    if let Some(p) = key_file {
        if let Ok(k) = key::read_key_file(p, &mut quiet) {
            push(
                Loaded {
                    key: k,
                    source: key::Source::File(p.to_owned()),
                },
                &mut out,
            );
        }
    }
    let mut vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k.starts_with("SECRETS_MASTER_KEY"))
        .collect();
    vars.sort();
    for (name, value) in vars {
        let value = zeroize::Zeroizing::new(value);
        if let Ok(k) = Key::from_text(value.trim()) {
            push(
                Loaded {
                    key: k,
                    source: key::Source::Env(name),
                },
                &mut out,
            );
        }
    }
    for l in key::keyring::all(&mut quiet).unwrap_or_default() {
        push(l, &mut out);
    }
    out
}

/// What opening an encrypted blob with the keys at hand gave.
pub enum Opened {
    /// The plaintext (wiped on drop), and the master key that opened it (`None`: a local
    /// age or ssh identity did).
    Plain(zeroize::Zeroizing<Vec<u8>>, Option<crate::key::Key>),
    /// No key at hand is the one it needs (a v1 header names `needs`).
    NoKey { needs: Option<String> },
    /// Not well-formed, or a key at hand opened it and the content fails its integrity
    /// check: corrupt, or edited by hand.
    Corrupt(String),
    /// Not an encrypted file at all.
    NotEncrypted,
}

/// Check `bytes` without a key (structure) and then with the keys at hand.
pub fn open(bytes: &[u8], keys: &[Loaded]) -> Opened {
    open_using(bytes, keys, &[])
}

/// [`open`], with `--identity` files tried first among the local identities.
pub fn open_using(bytes: &[u8], keys: &[Loaded], identity_files: &[std::path::PathBuf]) -> Opened {
    match format::detect(bytes) {
        None => Opened::NotEncrypted,
        Some(Format::V1) => {
            let Ok(text) = std::str::from_utf8(bytes) else {
                return Opened::Corrupt("the file is not valid UTF-8".to_owned());
            };
            if let Err(e) = v1::check_structure(text) {
                return Opened::Corrupt(reason(&e));
            }
            let Ok(header) = v1::header(text) else {
                return Opened::Corrupt("malformed header".to_owned());
            };
            let ids: Vec<_> = header.masters().iter().map(|s| s.kid.clone()).collect();
            let Some(loaded) = keys.iter().find(|l| ids.contains(&l.key.id())) else {
                return open_local(text, &header, identity_files).unwrap_or_else(|| {
                    Opened::NoKey {
                        needs: ids.first().map(|k| k.to_string()),
                    }
                });
            };
            match v1::decrypt_plaintext(text, &loaded.key) {
                Ok(mut plain) => Opened::Plain(
                    zeroize::Zeroizing::new(std::mem::take(&mut *plain).into_bytes()),
                    Some(loaded.key.clone()),
                ),
                Err(e) => Opened::Corrupt(reason(&e)),
            }
        }
        Some(Format::Fernet) => {
            // The format layer's one way in, the keys at hand its candidates in order.
            let refs: Vec<&dyn v1::slot::Identity> = keys.iter().map(|l| &l.key as _).collect();
            let opened = format::Sealed::read(format::Source::Bytes(bytes))
                .and_then(|sealed| sealed.open(&refs, format::Keep::Plaintext));
            match opened {
                Ok(o) => Opened::Plain(
                    o.plaintext.into_whole(),
                    o.identity.and_then(|i| keys.get(i)).map(|l| l.key.clone()),
                ),
                // A Fernet token cannot tell a wrong key from a modified file; no key at
                // all is no key too.
                Err(format::open::OpenError::Format {
                    error: FormatError::FernetAuth { .. } | FormatError::Slot(_),
                    ..
                }) => Opened::NoKey { needs: None },
                Err(format::open::OpenError::Format { error, .. }) => {
                    Opened::Corrupt(reason(&error))
                }
                Err(format::open::OpenError::Io(e)) => Opened::Corrupt(e.to_string()),
            }
        }
    }
}

/// The v1 file `text` opened with a local age or ssh identity one of its slots names;
/// `None` when no local identity is named (or a source cannot be read: these checks
/// must not fail on someone else's setup). Never a KMS identity.
fn open_local(
    text: &str,
    header: &v1::Header,
    identity_files: &[std::path::PathBuf],
) -> Option<Opened> {
    use v1::slot::{AGE, SSH};
    let local: Vec<&v1::slot::SlotLine> = header
        .slots
        .iter()
        .filter(|s| s.kind == AGE || s.kind == SSH)
        .collect();
    if local.is_empty() {
        return None;
    }
    let mut ids = crate::identities::Identities::new(identity_files);
    let mut found = false;
    for s in &local {
        found |= ids.find(s, &mut |_| {}).ok().flatten().is_some();
    }
    if !found {
        return None;
    }
    let refs: Vec<&dyn v1::slot::Identity> = local.iter().filter_map(|s| ids.found(s)).collect();
    Some(match v1::decrypt_plaintext_with(text, &refs) {
        Ok(mut plain) => Opened::Plain(
            zeroize::Zeroizing::new(std::mem::take(&mut *plain).into_bytes()),
            None,
        ),
        Err(e) => Opened::Corrupt(reason(&e)),
    })
}

/// An unencrypted PEM private key in `bytes` (see [`holds_key`]).
fn holds_private_key(bytes: &[u8]) -> Option<&'static str> {
    use base64::Engine;
    const OPENSSH: &[u8] = b"-----BEGIN OPENSSH PRIVATE KEY-----";
    const END: &[u8] = b"-----END";
    for at in memchr::memmem::find_iter(bytes, OPENSSH) {
        let body = &bytes[at + OPENSSH.len()..];
        let body = &body[..memchr::memmem::find(body, END).unwrap_or(body.len())];
        let b64: Vec<u8> = body
            .iter()
            .copied()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(&b64) else {
            continue;
        };
        let raw = zeroize::Zeroizing::new(raw);
        // openssh-key-v1\0, then the cipher name as a u32-length-prefixed string.
        let Some(rest) = raw.strip_prefix(b"openssh-key-v1\0") else {
            continue;
        };
        if rest.len() >= 8 && rest[..4] == [0, 0, 0, 4] && &rest[4..8] == b"none" {
            return Some("an unencrypted OpenSSH private key");
        }
    }
    for begin in [
        &b"-----BEGIN RSA PRIVATE KEY-----"[..],
        b"-----BEGIN EC PRIVATE KEY-----",
        b"-----BEGIN DSA PRIVATE KEY-----",
        b"-----BEGIN PRIVATE KEY-----",
    ] {
        for at in memchr::memmem::find_iter(bytes, begin) {
            let body = &bytes[at + begin.len()..];
            let body = &body[..memchr::memmem::find(body, END).unwrap_or(body.len())];
            if memchr::memmem::find(body, b"ENCRYPTED").is_none() && body.len() > 64 {
                return Some("an unencrypted private key (PEM)");
            }
        }
    }
    None
}

/// A format error's reason, without any file content (format errors never hold any).
fn reason(e: &FormatError) -> String {
    match e {
        FormatError::Integrity(what) => what.clone(),
        other => other.to_string(),
    }
}

/// Does `bytes` hold a key? Returns what kind: the text of a key at hand, a file that is
/// a key (as `generate-key --out` writes one), a `SECRETS_MASTER_KEY*` assignment with a
/// key as value, an age identity (`AGE-SECRET-KEY-1...`), or an unencrypted private key
/// in PEM form (an OpenSSH key with cipher `none`, a PKCS#1/PKCS#8/SEC1 key without an
/// `ENCRYPTED` mark): what `--identity` and `~/.ssh/id_ed25519` hold. A
/// passphrase-protected key is not reported (it is as safe as its passphrase).
pub fn holds_key(bytes: &[u8], keys: &[Loaded]) -> Option<&'static str> {
    if let Some(what) = holds_private_key(bytes) {
        return Some(what);
    }
    const AGE: &[u8] = b"AGE-SECRET-KEY-1";
    const BECH32: &[u8] = b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";
    for at in memchr::memmem::find_iter(bytes, AGE) {
        let rest = &bytes[at + AGE.len()..];
        if rest.len() >= 58 && rest[..58].iter().all(|c| BECH32.contains(c)) {
            return Some("an age identity (AGE-SECRET-KEY-1...)");
        }
    }
    for l in keys {
        let text = l.key.expose_text();
        if memchr::memmem::find(bytes, text.as_bytes()).is_some() {
            return Some("an envseal master key");
        }
    }
    if bytes.len() <= 256 {
        if let Ok(text) = std::str::from_utf8(bytes) {
            if Key::from_text(text.trim()).is_ok() {
                return Some("an envseal master key");
            }
        }
    }
    for at in memchr::memmem::find_iter(bytes, b"SECRETS_MASTER_KEY") {
        let rest = &bytes[at..bytes.len().min(at + 200)];
        let Some(eq) = rest.iter().position(|&c| c == b'=' || c == b':') else {
            continue;
        };
        let value: Vec<u8> = rest[eq + 1..]
            .iter()
            .copied()
            .skip_while(|c| matches!(c, b' ' | b'"' | b'\''))
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'='))
            .collect();
        let value = zeroize::Zeroizing::new(value);
        if std::str::from_utf8(&value).is_ok_and(|v| Key::from_text(v).is_ok()) {
            return Some("an envseal master key");
        }
    }
    None
}
