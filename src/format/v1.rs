//! The v1 per-value format. The byte-level spec is `docs/FORMAT.md`; in short:
//!
//! ```text
//! #envseal:v1 bom=0
//! #envseal:key type=master kid=sha256:… created=2026-11-23T17:50:44Z wrap=<b64>
//! #envseal:mac hmac-sha256=<b64>
//! <body: one output line per logical plaintext line, same terminators>
//! ```
//!
//! Body lines: blank lines and plain comments verbatim; an assignment keeps its prefix
//! (`export KEY = `) and its raw value becomes `ENC[v1:<b64>]`; any other line (a bare
//! key, a line that is not an assignment, a commented-out assignment) becomes
//! `#ENC[v1:<b64>]` whole. Values are AES-256-GCM under a key derived from the file's
//! random data key, with the key name as associated data. The MAC is HMAC-SHA256 over a
//! length-prefixed encoding of every other output line, header included.

use std::collections::HashMap;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::FormatError;
use crate::dotenv::{self, Document, Kind};
use crate::key::{Key, KeyId};

pub const MAGIC: &str = "#envseal:v1 ";
const SLOT_PREFIX: &str = "#envseal:key ";
const MAC_PREFIX: &str = "#envseal:mac hmac-sha256=";
const TOKEN_OPEN: &str = "ENC[v1:";
const HKDF_SALT: &[u8] = b"envseal v1";
const WRAP_AAD: &[u8] = b"envseal v1 wrap\0";
const VALUE_AAD: &[u8] = b"envseal v1 value\0";
const LINE_AAD: &[u8] = b"envseal v1 line";
const MAC_DOMAIN: &[u8] = b"envseal v1 mac\0";

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A file's 256-bit data key. Unprintable; zeroized on drop.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

fn hkdf32(ikm: &[u8], info: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    hkdf::Hkdf::<Sha256>::new(Some(HKDF_SALT), ikm)
        .expand(info, &mut *out)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    out
}

fn gcm(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(key.into())
}

/// A key slot: the data key wrapped for one master key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub kind: String,
    pub kid: KeyId,
    /// When this master key started protecting the file (first encryption or rotation).
    pub created: DateTime<Utc>,
    line: String,
}

/// The header of a v1 file, readable without a key.
#[derive(Clone, Debug)]
pub struct Header {
    pub bom: bool,
    pub slots: Vec<Slot>,
}

impl Header {
    /// The master-key slot (the one envseal writes today).
    pub fn master(&self) -> Option<&Slot> {
        self.slots.iter().find(|s| s.kind == "master")
    }
}

/// One body entry as decrypted: what it was and the token it was stored as.
#[derive(Clone)]
struct Entry {
    aad_name: Option<String>,
    plaintext: Zeroizing<String>,
    token: String,
}

/// A decrypted v1 file.
pub struct Opened {
    pub header: Header,
    pub plaintext: Zeroizing<String>,
    data_key: DataKey,
    slot_line: String,
    entries: Vec<Entry>,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

/// Options for [`encrypt`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Encrypt every comment line, not only the ones that read like assignments.
    pub encrypt_comments: bool,
}

/// Where random bytes come from: the OS in use, a fixed sequence in known-answer tests.
pub type Random<'a> = &'a mut dyn FnMut(&mut [u8]) -> Result<(), FormatError>;

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Encrypt a parsed dotenv document.
///
/// With `previous` (the same file, opened with the same master key) the data key, the key
/// slot and the ciphertext of every unchanged entry are kept, so re-encrypting after a
/// one-value edit changes that value's line and the MAC line only.
pub fn encrypt<'a>(
    doc: &'a Document,
    key: &Key,
    previous: Option<&'a Opened>,
    opts: Options,
    now: DateTime<Utc>,
    random: Random,
) -> Result<String, FormatError> {
    let (data_key, slot_line) = match previous {
        Some(prev) => (prev.data_key.clone(), prev.slot_line.clone()),
        None => {
            let mut dk = Zeroizing::new([0u8; 32]);
            random(&mut *dk)?;
            let dk = DataKey(dk);
            let line = wrap(&dk, key, now, random)?;
            (dk, line)
        }
    };
    let mut reuse: HashMap<(Option<&'a str>, &'a str), Vec<&'a str>> = HashMap::new();
    if let Some(prev) = previous {
        for e in prev.entries.iter().rev() {
            reuse
                .entry((e.aad_name.as_deref(), e.plaintext.as_str()))
                .or_default()
                .push(&e.token);
        }
    }
    let value_key = hkdf32(&*data_key.0, b"value");
    let cipher = gcm(&value_key);
    let mut seal = |name: Option<&'a str>, plain: &'a str| -> Result<String, FormatError> {
        if let Some(token) = reuse.get_mut(&(name, plain)).and_then(|v| v.pop()) {
            return Ok(token.to_owned());
        }
        let mut nonce = [0u8; 12];
        random(&mut nonce)?;
        let aad = aad(name);
        let ct = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| FormatError::Integrity("encryption failed".to_owned()))?;
        let mut raw = nonce.to_vec();
        raw.extend_from_slice(&ct);
        Ok(format!("{TOKEN_OPEN}{}]", B64.encode(raw)))
    };

    let mut body = String::with_capacity(doc.lines.iter().map(|l| l.text.len() + 48).sum());
    for line in &doc.lines {
        match &line.kind {
            Kind::Blank => body.push_str(&line.text),
            Kind::Comment if !opts.encrypt_comments && is_plain_comment(line) => {
                body.push_str(&line.text)
            }
            Kind::Assignment { key, value } => {
                body.push_str(&line.text[..value.start]);
                body.push_str(&seal(
                    Some(&line.text[key.clone()]),
                    &line.text[value.clone()],
                )?);
            }
            _ => {
                body.push('#');
                body.push_str(&seal(None, &line.text)?);
            }
        }
        body.push_str(line.eol.as_str());
    }
    let first = format!("{MAGIC}bom={}\n", u8::from(doc.bom));
    let mac = compute_mac(&data_key, [first.as_str(), slot_line.as_str()], &body);
    Ok(format!(
        "{first}{slot_line}{MAC_PREFIX}{}\n{body}",
        B64.encode(mac)
    ))
}

/// A comment that may stay readable: not one that reads like an assignment, and not one
/// the decoder would take for an encrypted line.
fn is_plain_comment(line: &dotenv::Line) -> bool {
    let body = line.text.trim_start_matches(dotenv::is_hspace);
    !line.is_commented_assignment() && !body.starts_with("#ENC[") && !body.starts_with("#envseal:")
}

fn aad(name: Option<&str>) -> Vec<u8> {
    match name {
        Some(n) => [VALUE_AAD, n.as_bytes()].concat(),
        None => LINE_AAD.to_vec(),
    }
}

fn wrap_aad(kid: &KeyId, created: &str) -> Vec<u8> {
    [WRAP_AAD, kid.as_str().as_bytes(), b"\0", created.as_bytes()].concat()
}

fn wrap(
    dk: &DataKey,
    key: &Key,
    now: DateTime<Utc>,
    random: Random,
) -> Result<String, FormatError> {
    let kid = key.id();
    let created = timestamp(now);
    let kek = hkdf32(key.expose_bytes(), b"wrap");
    let mut nonce = [0u8; 12];
    random(&mut nonce)?;
    let ct = gcm(&kek)
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &*dk.0,
                aad: &wrap_aad(&kid, &created),
            },
        )
        .map_err(|_| FormatError::Integrity("key wrapping failed".to_owned()))?;
    let mut raw = nonce.to_vec();
    raw.extend_from_slice(&ct);
    Ok(format!(
        "{SLOT_PREFIX}type=master kid={kid} created={created} wrap={}\n",
        B64.encode(raw)
    ))
}

fn compute_mac(dk: &DataKey, header: [&str; 2], body: &str) -> [u8; 32] {
    let mac_key = hkdf32(&*dk.0, b"mac");
    let mut lines: Vec<&str> = Vec::new();
    for h in header {
        lines.extend(split_lines(h));
    }
    lines.extend(split_lines(body));
    mac_over(&mac_key, &lines)
}

fn mac_over(mac_key: &[u8; 32], lines: &[&str]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(mac_key).expect("HMAC takes any key length");
    mac.update(MAC_DOMAIN);
    mac.update(&(lines.len() as u64).to_be_bytes());
    for l in lines {
        mac.update(&(l.len() as u64).to_be_bytes());
        mac.update(l.as_bytes());
    }
    mac.finalize().into_bytes().into()
}

/// Split text into lines, each with its terminator (`\n`, `\r\n` or `\r`).
fn split_lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                out.push(&text[start..=i]);
                start = i + 1;
            }
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                i += 1;
                out.push(&text[start..=i]);
                start = i + 1;
            }
            b'\r' => {
                out.push(&text[start..=i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < bytes.len() {
        out.push(&text[start..]);
    }
    out
}

fn strip_eol(line: &str) -> (&str, &str) {
    let content = line.trim_end_matches(['\r', '\n']);
    (content, &line[content.len()..])
}

fn corrupt(what: impl Into<String>) -> FormatError {
    FormatError::Integrity(what.into())
}

/// The parsed header and where the MAC line and body start.
struct Parsed<'a> {
    header: Header,
    lines: Vec<&'a str>,
    mac_index: usize,
    mac: Vec<u8>,
}

fn parse(text: &str) -> Result<Parsed<'_>, FormatError> {
    if !text.starts_with(MAGIC) {
        return Err(FormatError::NotEncrypted);
    }
    let lines = split_lines(text);
    let bom = match lines[0] {
        "#envseal:v1 bom=0\n" => false,
        "#envseal:v1 bom=1\n" => true,
        _ => return Err(corrupt("line 1: malformed envseal header")),
    };
    let mut slots = Vec::new();
    let mut i = 1;
    while let Some(line) = lines.get(i).filter(|l| l.starts_with(SLOT_PREFIX)) {
        slots.push(
            parse_slot(line)
                .ok_or_else(|| corrupt(format!("line {}: malformed key slot", i + 1)))?,
        );
        i += 1;
    }
    if slots.is_empty() {
        return Err(corrupt("line 2: the header has no key slot"));
    }
    let mac = lines
        .get(i)
        .and_then(|l| l.strip_prefix(MAC_PREFIX))
        .and_then(|l| l.strip_suffix('\n'))
        .and_then(|b| B64.decode(b).ok())
        .filter(|m| m.len() == 32)
        .ok_or_else(|| corrupt(format!("line {}: missing or malformed MAC line", i + 1)))?;
    Ok(Parsed {
        header: Header { bom, slots },
        lines,
        mac_index: i,
        mac,
    })
}

fn parse_slot(line: &str) -> Option<Slot> {
    let rest = line.strip_prefix(SLOT_PREFIX)?.strip_suffix('\n')?;
    let mut fields = rest.split(' ');
    let kind = fields.next()?.strip_prefix("type=")?.to_owned();
    let kid = KeyId::parse(fields.next()?.strip_prefix("kid=")?)?;
    let created_text = fields.next()?.strip_prefix("created=")?;
    let created = DateTime::parse_from_rfc3339(created_text)
        .ok()?
        .with_timezone(&Utc);
    if timestamp(created) != created_text {
        return None;
    }
    let wrap = fields.next()?.strip_prefix("wrap=")?;
    if kind == "master" && (fields.next().is_some() || B64.decode(wrap).ok()?.len() != 12 + 32 + 16)
    {
        return None;
    }
    Some(Slot {
        kind,
        kid,
        created,
        line: line.to_owned(),
    })
}

/// Read a v1 header without a key (for `status` and for finding the key).
pub fn header(text: &str) -> Result<Header, FormatError> {
    parse(text).map(|p| p.header)
}

fn unwrap_slot(slot: &Slot, key: &Key) -> Option<DataKey> {
    let wrap = slot.line.trim_end().rsplit_once(" wrap=")?.1;
    let raw = B64.decode(wrap).ok()?;
    let (nonce, ct) = raw.split_at(12);
    let kek = hkdf32(key.expose_bytes(), b"wrap");
    let created = timestamp(slot.created);
    let dk = Zeroizing::new(
        gcm(&kek)
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: &wrap_aad(&slot.kid, &created),
                },
            )
            .ok()?,
    );
    let arr: [u8; 32] = dk.as_slice().try_into().ok()?;
    Some(DataKey(Zeroizing::new(arr)))
}

/// Decrypt a v1 file: find the slot for `key`, check the MAC over the whole document,
/// then decrypt every entry.
pub fn decrypt(text: &str, key: &Key) -> Result<Opened, FormatError> {
    let parsed = parse(text)?;
    let kid = key.id();
    let masters: Vec<&Slot> = parsed
        .header
        .slots
        .iter()
        .filter(|s| s.kind == "master")
        .collect();
    let (slot, data_key) = match masters.iter().find(|s| s.kid == kid) {
        Some(slot) => {
            let dk = unwrap_slot(slot, key)
                .ok_or_else(|| corrupt("the key slot does not open with its own key"))?;
            (*slot, dk)
        }
        None => {
            // A slot that opens although its key id differs means the id was edited.
            if masters.iter().any(|s| unwrap_slot(s, key).is_some()) {
                return Err(corrupt("a key slot's key id was altered"));
            }
            return Err(FormatError::WrongKey {
                file: masters.iter().map(|s| s.kid.clone()).collect(),
                given: kid,
            });
        }
    };
    let mut covered: Vec<&str> = parsed.lines[..parsed.mac_index].to_vec();
    covered.extend_from_slice(&parsed.lines[parsed.mac_index + 1..]);
    let expected = mac_over(&hkdf32(&*data_key.0, b"mac"), &covered);
    {
        use subtle::ConstantTimeEq;
        if !bool::from(expected.ct_eq(&parsed.mac[..])) {
            return Err(corrupt("the MAC does not match the file's content"));
        }
    }
    let value_key = hkdf32(&*data_key.0, b"value");
    let cipher = gcm(&value_key);
    let open = |name: Option<&str>,
                token: &str,
                line_no: usize|
     -> Result<Zeroizing<String>, FormatError> {
        let bad = || {
            corrupt(format!(
                "line {line_no}: an encrypted value does not decrypt"
            ))
        };
        let b64 = token
            .strip_prefix(TOKEN_OPEN)
            .and_then(|t| t.strip_suffix(']'))
            .ok_or_else(bad)?;
        let raw = B64.decode(b64).map_err(|_| bad())?;
        if raw.len() < 12 + 16 {
            return Err(bad());
        }
        let (nonce, ct) = raw.split_at(12);
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    Nonce::from_slice(nonce),
                    Payload {
                        msg: ct,
                        aad: &aad(name),
                    },
                )
                .map_err(|_| bad())?,
        );
        let s = std::str::from_utf8(&plain).map_err(|_| bad())?;
        Ok(Zeroizing::new(s.to_owned()))
    };

    let mut plaintext = Zeroizing::new(String::with_capacity(text.len()));
    if parsed.header.bom {
        plaintext.push('\u{feff}');
    }
    let mut entries = Vec::new();
    for (i, line) in parsed.lines.iter().enumerate().skip(parsed.mac_index + 1) {
        let line_no = i + 1;
        let (content, eol) = strip_eol(line);
        let trimmed = content.trim_start_matches(dotenv::is_hspace);
        if let Some(token) = content
            .strip_prefix('#')
            .filter(|t| t.starts_with(TOKEN_OPEN))
        {
            let plain = open(None, token, line_no)?;
            plaintext.push_str(&plain);
            entries.push(Entry {
                aad_name: None,
                plaintext: plain,
                token: token.to_owned(),
            });
        } else if trimmed.is_empty() || trimmed.starts_with('#') {
            plaintext.push_str(content);
        } else {
            let at = content.rfind(TOKEN_OPEN).ok_or_else(|| {
                corrupt(format!(
                    "line {line_no}: an assignment without an encrypted value"
                ))
            })?;
            let (prefix, token) = content.split_at(at);
            let prefix_doc = dotenv::parse_body(&format!("{prefix}x"), false)
                .map_err(|_| corrupt(format!("line {line_no}: malformed assignment")))?;
            let name = prefix_doc
                .lines
                .first()
                .and_then(|l| l.raw_key())
                .ok_or_else(|| corrupt(format!("line {line_no}: malformed assignment")))?
                .to_owned();
            let plain = open(Some(&name), token, line_no)?;
            plaintext.push_str(prefix);
            plaintext.push_str(&plain);
            entries.push(Entry {
                aad_name: Some(name),
                plaintext: plain,
                token: token.to_owned(),
            });
        }
        plaintext.push_str(eol);
    }
    let slot_line = slot.line.clone();
    Ok(Opened {
        header: parsed.header,
        plaintext,
        data_key,
        slot_line,
        entries,
    })
}

#[cfg(test)]
mod tests;
