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
use std::ops::Range;

use aes_gcm::aead::{Aead, AeadInPlace, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::FormatError;
use crate::dotenv::{self, Document};
use crate::key::{Key, KeyId};

pub mod seal;
pub mod slot;

pub const MAGIC: &str = "#envseal:v1 ";
const SLOT_PREFIX: &str = "#envseal:key ";
const MAC_PREFIX: &str = "#envseal:mac hmac-sha256=";
const TOKEN_OPEN: &str = "ENC[v1:";
const HKDF_SALT: &[u8] = b"envseal v1";
const WRAP_AAD: &[u8] = b"envseal v1 wrap\0";
const VALUE_AAD: &[u8] = b"envseal v1 value\0";
const LINE_AAD: &[u8] = b"envseal v1 line";
const MAC_DOMAIN: &[u8] = b"envseal v1 mac\0";
/// Unpadded base64 of a 32-byte HMAC.
const MAC_B64_LEN: usize = 43;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A file's 256-bit data key. Unprintable; zeroized on drop.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    /// A data key from its 32 bytes (a key-slot implementation's unwrap ends here).
    pub fn from_bytes(bytes: Zeroizing<[u8; 32]>) -> DataKey {
        DataKey(bytes)
    }

    /// The 32 bytes, for a key-slot implementation to wrap. Every use is a place the data
    /// key leaves its type (`grep expose_`).
    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

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

/// One body entry as decrypted: what it was and the token it was stored as, as ranges
/// into the [`Opened`] arenas (three allocations per value were most of the cost of
/// opening a large file for re-encryption).
#[derive(Clone)]
struct Entry {
    /// The key name in `Opened::public`; `None` for a whole encrypted line.
    aad_name: Option<Range<usize>>,
    /// In `Opened::values`.
    plaintext: Range<usize>,
    /// In `Opened::public`.
    token: Range<usize>,
}

/// A decrypted v1 file.
pub struct Opened {
    pub header: Header,
    pub plaintext: Zeroizing<String>,
    data_key: DataKey,
    slot_line: String,
    entries: Vec<Entry>,
    /// The plaintext of every entry, back to back (secret: wiped on drop).
    values: Zeroizing<String>,
    /// Key names and tokens, back to back (both are in the encrypted file anyway).
    public: String,
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
    encrypt_reusing(doc, key, previous, &[], opts, now, random)
}

/// [`encrypt`], also reusing the ciphertexts of `also` (other versions of the file, such
/// as the other side of a merge) where they share `previous`' data key: a merged file's
/// diff against each side then shows only the other side's changes.
pub fn encrypt_reusing<'a>(
    doc: &'a Document,
    key: &Key,
    previous: Option<&'a Opened>,
    also: &[&'a Opened],
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
        // Tokens are taken from the end of each list: `previous`' own go in last.
        let same_key = |o: &&&Opened| o.data_key.0[..] == prev.data_key.0[..];
        for other in also.iter().filter(same_key) {
            for e in other.entries.iter().rev() {
                let name = e.aad_name.clone().map(|r| &other.public[r]);
                reuse
                    .entry((name, &other.values[e.plaintext.clone()]))
                    .or_default()
                    .push(&other.public[e.token.clone()]);
            }
        }
        for e in prev.entries.iter().rev() {
            let name = e.aad_name.clone().map(|r| &prev.public[r]);
            reuse
                .entry((name, &prev.values[e.plaintext.clone()]))
                .or_default()
                .push(&prev.public[e.token.clone()]);
        }
    }
    let value_key = hkdf32(&*data_key.0, b"value");
    let mut sealer = seal::ValueSealer::new(&value_key);
    let mut seal =
        |out: &mut String, name: Option<&'a str>, plain: &'a str| -> Result<(), FormatError> {
            if let Some(token) = reuse.get_mut(&(name, plain)).and_then(|v| v.pop()) {
                out.push_str(token);
                return Ok(());
            }
            let mut nonce = [0u8; 12];
            random(&mut nonce)?;
            sealer.seal(out, name, plain, &nonce)
        };

    // The output is built in one buffer: header, a MAC placeholder of the MAC's exact
    // length, the body; the MAC (over everything but its own line) is written in last.
    let first = format!("{MAGIC}bom={}\n", u8::from(doc.bom));
    let body_len: usize = doc
        .lines
        .iter()
        .map(|l| seal::sealed_len(&l.as_line_ref(), opts))
        .sum();
    let mut out = String::with_capacity(
        first.len() + slot_line.len() + MAC_PREFIX.len() + MAC_B64_LEN + 1 + body_len,
    );
    out.push_str(&first);
    out.push_str(&slot_line);
    out.push_str(MAC_PREFIX);
    let mac_at = out.len();
    out.extend(std::iter::repeat_n('A', MAC_B64_LEN));
    out.push('\n');
    let body_start = out.len();
    for line in &doc.lines {
        seal::seal_line(&mut out, &line.as_line_ref(), opts, &mut seal)?;
    }
    let mac = compute_mac(
        &data_key,
        [first.as_str(), slot_line.as_str()],
        &out[body_start..],
    );
    out.replace_range(mac_at..mac_at + MAC_B64_LEN, &B64.encode(mac));
    Ok(out)
}

/// Make room for `n` bytes in an empty secret buffer without leaving a copy behind:
/// growing a `Vec` in place would free the old allocation unwiped.
fn reserve_zeroizing(buf: &mut Zeroizing<Vec<u8>>, n: usize) {
    if buf.capacity() < n {
        *buf = Zeroizing::new(Vec::with_capacity(n.max(2 * buf.capacity())));
    }
}

/// The associated data of a value: bound to its key name, or marked as a whole line.
fn aad_into(buf: &mut Vec<u8>, name: Option<&str>) {
    buf.clear();
    match name {
        Some(n) => {
            buf.extend_from_slice(VALUE_AAD);
            buf.extend_from_slice(n.as_bytes());
        }
        None => buf.extend_from_slice(LINE_AAD),
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
    let count =
        header.iter().map(|h| Lines::new(h).count()).sum::<usize>() + Lines::new(body).count();
    let lines = header
        .into_iter()
        .flat_map(Lines::new)
        .chain(Lines::new(body));
    mac_over(&mac_key, count, lines)
}

/// HMAC over the line count, then each line length-prefixed. `count` must be the number
/// of items `lines` yields (the count comes first, so the lines are walked twice rather
/// than collected).
fn mac_over<'a>(
    mac_key: &[u8; 32],
    count: usize,
    lines: impl Iterator<Item = &'a str>,
) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(mac_key).expect("HMAC takes any key length");
    mac.update(MAC_DOMAIN);
    mac.update(&(count as u64).to_be_bytes());
    let mut seen = 0;
    for l in lines {
        mac.update(&(l.len() as u64).to_be_bytes());
        mac.update(l.as_bytes());
        seen += 1;
    }
    debug_assert_eq!(seen, count);
    mac.finalize().into_bytes().into()
}

/// Split text into lines, each with its terminator (`\n`, `\r\n` or `\r`).
#[cfg(test)]
fn split_lines(text: &str) -> Vec<&str> {
    Lines::new(text).collect()
}

/// The lines of a text, each with its terminator (`\n`, `\r\n` or `\r`); a last line
/// without one is yielded as it is.
#[derive(Clone)]
struct Lines<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines { text, pos: 0 }
    }

    /// Where the lines not yet yielded start.
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        if start >= bytes.len() {
            return None;
        }
        self.pos = match memchr::memchr2(b'\n', b'\r', &bytes[start..]) {
            None => bytes.len(),
            Some(i) if bytes[start + i] == b'\r' && bytes.get(start + i + 1) == Some(&b'\n') => {
                start + i + 2
            }
            Some(i) => start + i + 1,
        };
        Some(&self.text[start..self.pos])
    }
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
    /// The lines before the MAC line (covered by the MAC).
    header_lines: Vec<&'a str>,
    /// 0-based index of the MAC line.
    mac_index: usize,
    mac: Vec<u8>,
    /// Everything after the MAC line.
    body: &'a str,
}

/// Parse the header only: reading it (for `status`, for finding the key) does not walk
/// the body.
fn parse(text: &str) -> Result<Parsed<'_>, FormatError> {
    if !text.starts_with(MAGIC) {
        return Err(FormatError::NotEncrypted);
    }
    let mut lines = Lines::new(text);
    let first = lines.next().unwrap_or_default();
    let bom = match first {
        "#envseal:v1 bom=0\n" => false,
        "#envseal:v1 bom=1\n" => true,
        _ => return Err(corrupt("line 1: malformed envseal header")),
    };
    let mut header_lines = vec![first];
    let mut slots = Vec::new();
    let mut next = lines.next();
    while let Some(line) = next.filter(|l| l.starts_with(SLOT_PREFIX)) {
        slots.push(parse_slot(line).ok_or_else(|| {
            corrupt(format!(
                "line {}: malformed key slot",
                header_lines.len() + 1
            ))
        })?);
        header_lines.push(line);
        next = lines.next();
    }
    if slots.is_empty() {
        return Err(corrupt("line 2: the header has no key slot"));
    }
    let mac_index = header_lines.len();
    let mac = next
        .and_then(|l| l.strip_prefix(MAC_PREFIX))
        .and_then(|l| l.strip_suffix('\n'))
        .and_then(|b| B64.decode(b).ok())
        .filter(|m| m.len() == 32)
        .ok_or_else(|| {
            corrupt(format!(
                "line {}: missing or malformed MAC line",
                mac_index + 1
            ))
        })?;
    Ok(Parsed {
        header: Header { bom, slots },
        header_lines,
        mac_index,
        mac,
        body: lines.rest(),
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
    tolerant(text, None, |t| parse(t).map(|p| p.header))
}

/// Is `text` a well-formed v1 file, judged without a key? The header parses, and every
/// body line is kept text (blank, a comment), a whole-line `#ENC[v1:...]`, or an
/// assignment ending in `ENC[v1:...]`. A hand-resolved merge conflict (`<<<<<<<`,
/// `=======`) or a value typed in by hand fails here; what this cannot see (a changed
/// token, a reordered line) the MAC catches when the key is at hand.
pub fn check_structure(text: &str) -> Result<(), FormatError> {
    let parsed = parse(text)?;
    let first_line = parsed.mac_index + 2;
    let token_ok = |t: &str| {
        t.strip_prefix(TOKEN_OPEN)
            .and_then(|t| t.strip_suffix(']'))
            .is_some_and(|b| {
                !b.is_empty()
                    && b.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
            })
    };
    for (k, line) in Lines::new(parsed.body).enumerate() {
        let line_no = first_line + k;
        let (content, _) = strip_eol(line);
        let trimmed = content.trim_start_matches(dotenv::is_hspace);
        let ok = if let Some(token) = content
            .strip_prefix('#')
            .filter(|t| t.starts_with(TOKEN_OPEN))
        {
            token_ok(token)
        } else if trimmed.is_empty() || trimmed.starts_with('#') {
            true
        } else {
            rfind_token(content).is_some_and(|at| token_ok(&content[at..]))
        };
        if !ok {
            return Err(corrupt(format!(
                "line {line_no}: neither kept text nor an encrypted value"
            )));
        }
    }
    Ok(())
}

fn unwrap_slot(slot: &Slot, key: &Key) -> Option<DataKey> {
    unwrap_slot_as(slot, key, &slot.kid)
}

/// [`unwrap_slot`] with `kid` in the associated data instead of the slot's own.
fn unwrap_slot_as(slot: &Slot, key: &Key, kid: &KeyId) -> Option<DataKey> {
    let wrap = slot.line.trim_end().rsplit_once(" wrap=")?.1;
    let raw = B64.decode(wrap).ok()?;
    if raw.len() < 12 + 16 {
        return None; // a slot of another type: its wrap need not be ours
    }
    let (nonce, ct) = raw.split_at(12);
    let kek = hkdf32(key.expose_bytes(), b"wrap");
    let created = timestamp(slot.created);
    let dk = Zeroizing::new(
        gcm(&kek)
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: &wrap_aad(kid, &created),
                },
            )
            .ok()?,
    );
    let arr: [u8; 32] = dk.as_slice().try_into().ok()?;
    Some(DataKey(Zeroizing::new(arr)))
}

/// Decrypt a v1 file: find the slot for `key`, check the MAC over the whole document,
/// then decrypt every entry. The result keeps what [`encrypt`] needs to re-encrypt with
/// minimal diffs; to read the plaintext only, [`decrypt_plaintext`] is faster and
/// lighter.
pub fn decrypt(text: &str, key: &Key) -> Result<Opened, FormatError> {
    tolerant(text, Some(key), |t| open_file(t, key, true))
}

/// Open `text`, or, if it fails its integrity check, the readings of it before a
/// line-ending conversion by git ([`before_conversion`]): the MAC decides which reading
/// is the file that was written, so a converted file decrypts byte for byte, and a
/// tampered one still fails (with the error of the file as it is).
fn tolerant<T>(
    text: &str,
    key: Option<&Key>,
    open: impl Fn(&str) -> Result<T, FormatError>,
) -> Result<T, FormatError> {
    match open(text) {
        Err(e @ FormatError::Integrity(_)) => {
            for reading in before_conversion(text) {
                // With a key, a reading is opened only once its MAC verifies: a damaged
                // file costs one MAC pass per reading, not a decryption.
                if key.is_some_and(|k| !mac_verifies(&reading, k)) {
                    continue;
                }
                if let Ok(done) = open(&reading) {
                    return Ok(done);
                }
            }
            Err(e)
        }
        other => other,
    }
}

/// Whether a reading of `text` before a git line-ending conversion verifies under `key`
/// (for the streamed decoder, which reads the file as it is: it hands such a file to
/// [`decrypt_plaintext`]).
pub fn verifies_after_conversion(text: &str, key: &Key) -> bool {
    before_conversion(text)
        .iter()
        .any(|reading| mac_verifies(reading, key))
}

/// Whether `text`'s header parses and its MAC verifies under `key`'s data key.
fn mac_verifies(text: &str, key: &Key) -> bool {
    use subtle::ConstantTimeEq;
    let Ok(parsed) = parse(text) else {
        return false;
    };
    let Ok((_, data_key)) = find_slot(&parsed.header, key) else {
        return false;
    };
    let mac_key = hkdf32(&*data_key.0, b"mac");
    let count = parsed.header_lines.len() + Lines::new(parsed.body).count();
    let expected = mac_over(
        &mac_key,
        count,
        parsed
            .header_lines
            .iter()
            .copied()
            .chain(Lines::new(parsed.body)),
    );
    bool::from(expected.ct_eq(&parsed.mac[..]))
}

/// What a v1 file may have been before git converted its line endings (docs/FORMAT.md,
/// "Line endings"). envseal writes header lines with `\n` and body lines with the
/// plaintext's terminators; git's conversions (`core.autocrlf`, `text=auto`, `eol=`)
/// turn every `\r\n` into `\n` on commit and every `\n` into `\r\n` on checkout, and
/// never touch a lone `\r`. So the candidates are: every `\r\n` back to `\n` (a file
/// whose plaintext ends its lines with `\n`), and that with the body's `\n` as `\r\n`
/// (a CRLF plaintext). A plaintext that mixes `\n` and `\r\n` cannot be told back from
/// its converted file: `.gitattributes` with `-text` (written by `envseal hook install`)
/// keeps git from converting it.
fn before_conversion(text: &str) -> Vec<String> {
    let lf = text.replace("\r\n", "\n");
    let mut header_end = 0;
    for line in lf.split_inclusive('\n') {
        if !line.starts_with("#envseal:") {
            break;
        }
        header_end += line.len();
    }
    let (header, body) = lf.split_at(header_end);
    let crlf = format!("{header}{}", body.replace('\n', "\r\n"));
    let mut out = Vec::new();
    for reading in [lf.clone(), crlf] {
        if reading != text && !out.contains(&reading) {
            out.push(reading);
        }
    }
    out
}

/// Decrypt a v1 file for reading only: the same checks and the same plaintext as
/// [`decrypt`], without keeping a copy of every value and token for re-encryption
/// (on a 100,000-key file those copies were most of the time and memory).
pub fn decrypt_plaintext(text: &str, key: &Key) -> Result<Zeroizing<String>, FormatError> {
    Ok(tolerant(text, Some(key), |t| open_file(t, key, false))?.plaintext)
}

/// Body size from which the MAC is computed on a second thread (thread start-up costs
/// more than the MAC below this).
const PARALLEL_MAC_FROM: usize = 256 * 1024;

/// The master slot for `key` and the data key it wraps.
fn find_slot<'h>(header: &'h Header, key: &Key) -> Result<(&'h Slot, DataKey), FormatError> {
    let kid = key.id();
    let masters: Vec<&Slot> = header.slots.iter().filter(|s| s.kind == "master").collect();
    match masters.iter().find(|s| s.kid == kid) {
        Some(slot) => {
            let dk = unwrap_slot(slot, key)
                .ok_or_else(|| corrupt("the key slot does not open with its own key"))?;
            Ok((slot, dk))
        }
        None => {
            if let Some(what) = altered_slot(header, key) {
                return Err(corrupt(what));
            }
            // Never an empty list: without a master slot, the ids the slots name.
            let named = if masters.is_empty() {
                header.slots.iter().collect()
            } else {
                masters
            };
            Err(FormatError::WrongKey {
                file: named.iter().map(|s| s.kid.clone()).collect(),
                given: kid,
            })
        }
    }
}

/// Does `key` open a slot whose header fields no longer say so? The wrap's associated
/// data binds the key id (and the creation time), so a slot whose `kid=` was edited opens
/// only when unwrapped as the key's own id; a `type=` edit (`master` → `Master`) leaves a
/// slot that opens but is not a master slot. Either way the key at hand is the right
/// one and the header was altered: an integrity failure, not a wrong or missing key.
pub fn altered_slot(header: &Header, key: &Key) -> Option<&'static str> {
    let kid = key.id();
    header.slots.iter().find_map(|s| {
        if s.kind == "master" && s.kid == kid {
            return None; // the slot for this key, unaltered in these fields
        }
        unwrap_slot_as(s, key, &kid).map(|_| {
            if s.kid != kid {
                "a key slot's key id was altered"
            } else {
                "a key slot's type was altered"
            }
        })
    })
}

fn open_file(text: &str, key: &Key, keep_entries: bool) -> Result<Opened, FormatError> {
    let parsed = parse(text)?;
    let (slot, data_key) = find_slot(&parsed.header, key)?;
    let mac_key = hkdf32(&*data_key.0, b"mac");
    let mac_matches = || {
        use subtle::ConstantTimeEq;
        let body_count = Lines::new(parsed.body).count();
        let expected = mac_over(
            &mac_key,
            parsed.header_lines.len() + body_count,
            parsed
                .header_lines
                .iter()
                .copied()
                .chain(Lines::new(parsed.body)),
        );
        bool::from(expected.ct_eq(&parsed.mac[..]))
    };
    let mac_failed = || corrupt("the MAC does not match the file's content");
    // A small file is checked before anything is decrypted. A large one is checked on a
    // second thread while this one decrypts (the MAC over 10 MB costs as much as the
    // AES-GCM work); nothing decrypted leaves this function unless the MAC matches, and a
    // MAC failure is reported before any value's failure, as if it had been checked first.
    let parallel = parsed.body.len() >= PARALLEL_MAC_FROM;
    if !parallel && !mac_matches() {
        return Err(mac_failed());
    }
    let value_key = hkdf32(&*data_key.0, b"value");
    let first_line = parsed.mac_index + 2;
    // Values shrink by about half (base64 and nonce and tag gone); the buffer grows
    // without leaving copies behind if the guess is short.
    let mut plaintext = SecretText::with_capacity(text.len() / 2 + text.len() / 8);
    if parsed.header.bom {
        plaintext.push_str("\u{feff}");
    }
    let mut entries = Vec::new();
    let mut values = SecretText::with_capacity(if keep_entries { text.len() / 3 } else { 0 });
    let mut public = String::new();
    let decoded = if keep_entries {
        let mut record = |name: Option<&str>, plain: &str, token: &str| {
            let mut push = |s: &str| {
                public.push_str(s);
                public.len() - s.len()..public.len()
            };
            let aad_name = name.map(&mut push);
            let token = push(token);
            values.push_str(plain);
            entries.push(Entry {
                aad_name,
                plaintext: values.0.len() - plain.len()..values.0.len(),
                token,
            });
        };
        let mut decode = || {
            decode_part(
                parsed.body,
                first_line,
                &value_key,
                &mut plaintext,
                &mut record,
            )
        };
        if parallel {
            std::thread::scope(|scope| {
                let mac = scope.spawn(mac_matches);
                let decoded = decode();
                // A panic in the MAC thread counts as a mismatch.
                (mac.join().unwrap_or(false), decoded)
            })
        } else {
            (true, decode())
        }
    } else if parallel {
        // Plaintext only: the second half of the body is decrypted on a thread of its
        // own, beside the MAC's, and appended after the first.
        let (first, second) = split_body(parsed.body);
        let second_line = first_line + Lines::new(first).count();
        std::thread::scope(|scope| {
            let mac = scope.spawn(mac_matches);
            let tail = scope.spawn(|| {
                let mut out = SecretText::with_capacity(second.len() / 2 + second.len() / 8);
                decode_part(second, second_line, &value_key, &mut out, &mut |_, _, _| {})
                    .map(|()| out)
            });
            let head = decode_part(
                first,
                first_line,
                &value_key,
                &mut plaintext,
                &mut |_, _, _| {},
            );
            let tail = tail
                .join()
                .unwrap_or_else(|_| Err(corrupt("decryption failed")));
            let decoded = head.and_then(|()| {
                plaintext.push_str(&tail?.0);
                Ok(())
            });
            (mac.join().unwrap_or(false), decoded)
        })
    } else {
        let mut decode = || {
            decode_part(
                parsed.body,
                first_line,
                &value_key,
                &mut plaintext,
                &mut |_, _, _| {},
            )
        };
        (true, decode())
    };
    match decoded {
        (false, _) => return Err(mac_failed()),
        (true, Err(e)) => return Err(e),
        (true, Ok(())) => {}
    }
    let slot_line = slot.line.clone();
    Ok(Opened {
        header: parsed.header,
        plaintext: plaintext.0,
        data_key,
        slot_line,
        entries,
        values: values.0,
        public,
    })
}

/// Split a body near its middle, just after a `\n` (always the end of a line, whatever
/// the terminators), so each part is whole lines.
fn split_body(body: &str) -> (&str, &str) {
    let mid = body.len() / 2;
    match memchr::memchr(b'\n', &body.as_bytes()[mid..]) {
        Some(i) => body.split_at(mid + i + 1),
        None => (body, ""),
    }
}

/// Decrypt the body lines of `part` (the first at physical line `first_line`), appending
/// the plaintext to `out`; `record` sees each entry (key name, plaintext, token).
fn decode_part(
    part: &str,
    first_line: usize,
    value_key: &[u8; 32],
    out: &mut SecretText,
    record: &mut dyn FnMut(Option<&str>, &str, &str),
) -> Result<(), FormatError> {
    let mut opener = Opener {
        cipher: gcm(value_key),
        aad: Vec::new(),
        scratch: Zeroizing::new(Vec::new()),
    };
    let mut name_buf = String::new();
    for (k, line) in Lines::new(part).enumerate() {
        let line_no = first_line + k;
        let (content, eol) = strip_eol(line);
        let trimmed = content.trim_start_matches(dotenv::is_hspace);
        if let Some(token) = content
            .strip_prefix('#')
            .filter(|t| t.starts_with(TOKEN_OPEN))
        {
            let plain = opener.open(None, token, line_no)?;
            out.push_str(plain);
            record(None, plain, token);
        } else if trimmed.is_empty() || trimmed.starts_with('#') {
            out.push_str(content);
        } else {
            let at = rfind_token(content).ok_or_else(|| {
                corrupt(format!(
                    "line {line_no}: an assignment without an encrypted value"
                ))
            })?;
            let (prefix, token) = content.split_at(at);
            // The key is what the dotenv parser reads from the prefix followed by a value;
            // the common `KEY=` and `export KEY=` are read without it.
            let name = match simple_key(prefix) {
                Some(name) => name,
                None => {
                    name_buf.clear();
                    name_buf.push_str(prefix);
                    name_buf.push('x');
                    let malformed = || corrupt(format!("line {line_no}: malformed assignment"));
                    dotenv::line_key(&name_buf)
                        .map_err(|_| malformed())?
                        .ok_or_else(malformed)?
                }
            };
            let plain = opener.open(Some(name), token, line_no)?;
            out.push_str(prefix);
            out.push_str(plain);
            record(Some(name), plain, token);
        }
        out.push_str(eol);
    }
    Ok(())
}

/// The key of an assignment prefix of the plainest forms, `KEY=` and `export KEY=` with
/// `KEY` made of ASCII letters, digits, `_` and `.`: what [`dotenv::line_key`] reads from
/// the prefix followed by a value (a property test checks that), without its general
/// parse, which was a twentieth of decrypting a 100,000-key file. `None` for any other
/// prefix.
fn simple_key(prefix: &str) -> Option<&str> {
    let rest = prefix.strip_prefix("export ").unwrap_or(prefix);
    let key = rest.strip_suffix('=')?;
    let plain = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
    (!key.is_empty() && key.bytes().all(plain)).then_some(key)
}

/// Where the last `ENC[v1:` of a line starts (what `str::rfind` answers, found by
/// looking back from each `[`: faster on these short lines than a general search).
fn rfind_token(content: &str) -> Option<usize> {
    let bytes = content.as_bytes();
    let mut end = bytes.len();
    while let Some(bracket) = memchr::memrchr(b'[', &bytes[..end]) {
        let start = bracket.checked_sub(3)?;
        if bytes[start..].starts_with(TOKEN_OPEN.as_bytes()) {
            return Some(start);
        }
        end = bracket;
    }
    None
}

/// A plaintext buffer that never reallocates in place: growing copies into a new buffer
/// and wipes the old one, so no unwiped copy of a secret is left on the heap.
struct SecretText(Zeroizing<String>);

impl SecretText {
    fn with_capacity(n: usize) -> Self {
        SecretText(Zeroizing::new(String::with_capacity(n)))
    }

    fn push_str(&mut self, s: &str) {
        let need = self.0.len() + s.len();
        if need > self.0.capacity() {
            let mut grown = String::with_capacity(need.max(2 * self.0.capacity()));
            grown.push_str(&self.0);
            self.0 = Zeroizing::new(grown);
        }
        self.0.push_str(s);
    }
}

/// Decrypts value tokens with buffers reused from one value to the next.
struct Opener {
    cipher: Aes256Gcm,
    aad: Vec<u8>,
    scratch: Zeroizing<Vec<u8>>,
}

impl Opener {
    /// The plaintext of one `ENC[v1:…]` token (valid until the next call).
    fn open(
        &mut self,
        name: Option<&str>,
        token: &str,
        line_no: usize,
    ) -> Result<&str, FormatError> {
        let bad = || {
            corrupt(format!(
                "line {line_no}: an encrypted value does not decrypt"
            ))
        };
        let b64 = token
            .strip_prefix(TOKEN_OPEN)
            .and_then(|t| t.strip_suffix(']'))
            .ok_or_else(bad)?;
        // base64-simd: on 100,000 short tokens the scalar decoder was a tenth of the
        // time. It is as strict (canonical, unpadded, URL-safe alphabet only).
        let raw_len = b64.len() / 4 * 3 + (b64.len() % 4).saturating_sub(1);
        if raw_len < 12 + 16 {
            return Err(bad());
        }
        self.scratch.clear();
        reserve_zeroizing(&mut self.scratch, raw_len);
        self.scratch.resize(raw_len, 0);
        let n = base64_simd::URL_SAFE_NO_PAD
            .decode(
                b64.as_bytes(),
                base64_simd::Out::from_slice(&mut self.scratch[..]),
            )
            .map_err(|_| bad())?
            .len();
        if n != raw_len {
            return Err(bad());
        }
        aad_into(&mut self.aad, name);
        let (nonce, rest) = self.scratch.split_at_mut(12);
        let (ct, tag) = rest.split_at_mut(rest.len() - 16);
        self.cipher
            .decrypt_in_place_detached(
                Nonce::from_slice(nonce),
                &self.aad,
                ct,
                Tag::from_slice(tag),
            )
            .map_err(|_| bad())?;
        std::str::from_utf8(ct).map_err(|_| bad())
    }
}

pub mod stream;
#[cfg(test)]
mod tests;
