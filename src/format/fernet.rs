//! The Fernet whole-file format, byte-compatible with Python's `cryptography.fernet`.
//!
//! Fernet is AES-128-CBC with PKCS#7 padding and HMAC-SHA256 (the master key's first 16
//! bytes sign, the last 16 encrypt): not AES-256, whatever the legacy docs said. envseal
//! writes the token followed by `\n`; it reads a token with or without surrounding white
//! space, in either base64 alphabet, as Python does. Like `Fernet.decrypt` without a
//! `ttl`, it ignores the token's timestamp (a writer whose clock ran ahead is still read,
//! as Python reads it).
//!
//! Written on `aes`, `cbc`, `hmac` and `sha2` (the generation the `fernet` crate uses)
//! rather than through that crate, which decodes, copies and decrypts into three more
//! buffers: here a token is decoded and decrypted in the buffer the file was read into
//! ([`Token`]) and written as it is made ([`encrypt_to`]), so a 7 MB file costs one copy
//! of itself, not four. The `fernet` crate is the reference the tests check both
//! directions against, beside the spec's vectors and Python's `cryptography`.

use std::io::{self, Write};

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::FormatError;
use crate::format::v1::slot::Identity;
use crate::key::Key;

/// Version byte + timestamp + IV + one AES block + HMAC.
const MIN_TOKEN_BYTES: usize = 1 + 8 + 16 + 16 + 32;
/// Version byte + timestamp + IV: what precedes the ciphertext.
const HEAD: usize = 1 + 8 + 16;

type Encryptor = cbc::Encryptor<aes::Aes128>;
type Decryptor = cbc::Decryptor<aes::Aes128>;

/// Token text is decoded this many characters at a time (a multiple of 4) through a
/// scratch copy where the standard alphabet's `+` `/` become `-` `_`.
const DECODE_BLOCK: usize = 16 * 1024;

/// The token text: `bytes` without surrounding white space and without trailing `=`
/// padding, as Python's `urlsafe_b64decode` reads it. `None` if it cannot be a token.
fn token_text(bytes: &[u8]) -> Option<&[u8]> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    let text = text.trim_end_matches('=');
    (!text.is_empty()).then_some(text.as_bytes())
}

/// Decode token text (either base64 alphabet, mixed as Python allows; unpadded) block by
/// block, handing each decoded block to `sink`. `false` if it is not canonical base64.
/// No allocation: `detect` runs this over every file it looks at, and a token is
/// megabytes for a large file.
fn decode_blocks(text: &[u8], mut sink: impl FnMut(&[u8])) -> bool {
    if text.len() % 4 == 1 {
        return false;
    }
    let mut scratch = [0u8; DECODE_BLOCK];
    let mut out = [0u8; DECODE_BLOCK / 4 * 3];
    for block in text.chunks(DECODE_BLOCK) {
        let scratch = &mut scratch[..block.len()];
        for (d, &c) in scratch.iter_mut().zip(block) {
            *d = match c {
                b'+' => b'-',
                b'/' => b'_',
                c => c,
            };
        }
        match base64_simd::URL_SAFE_NO_PAD.decode(scratch, base64_simd::Out::from_slice(&mut out)) {
            Ok(decoded) => sink(decoded),
            Err(_) => return false,
        }
    }
    true
}

/// A byte of token text: either base64 alphabet, or padding.
fn is_token_char(c: &u8) -> bool {
    c.is_ascii_alphanumeric() || b"-_+/=".contains(c)
}

/// Could a file whose first bytes are `head` be a Fernet token (token text with white
/// space around)? [`looks_like`] decides on the whole file; this only rules tokens out,
/// for a caller that reads no more than the start of a large file.
pub fn may_start_a_token(head: &[u8]) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        // Cut inside a character: the part before it.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    text.trim().bytes().all(|c| is_token_char(&c))
}

fn is_token(first: Option<u8>, len: usize) -> bool {
    len >= MIN_TOKEN_BYTES && first == Some(0x80)
}

/// Whether `bytes` are a Fernet token (before any key is tried): base64 of at least a
/// version byte, timestamp, IV, one block and an HMAC, starting with version `0x80`.
pub fn looks_like(bytes: &[u8]) -> bool {
    let Some(text) = token_text(bytes) else {
        return false;
    };
    let (mut first, mut len) = (None, 0);
    decode_blocks(text, |d| {
        first = first.or(d.first().copied());
        len += d.len();
    }) && is_token(first, len)
}

/// The token's timestamp (seconds since the epoch), without a key.
pub fn timestamp(bytes: &[u8]) -> Option<u64> {
    let text = token_text(bytes)?;
    // The timestamp is in the first 12 characters (9 bytes); the rest must still decode.
    let mut head = Vec::with_capacity(HEAD);
    let ok = decode_blocks(text, |d| {
        let want = HEAD.saturating_sub(head.len()).min(d.len());
        head.extend_from_slice(&d[..want]);
    });
    let ts: [u8; 8] = head.get(1..9)?.try_into().ok()?;
    ok.then_some(u64::from_be_bytes(ts))
}

/// Encrypt `plaintext` into a token, as `Fernet(key).encrypt(plaintext)` does, followed
/// by `\n`.
pub fn encrypt(plaintext: &[u8], key: &Key) -> String {
    let mut out = Vec::with_capacity(encrypted_len(plaintext.len()));
    encrypt_into(plaintext, key, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("base64 and a newline are ASCII")
}

/// [`encrypt`], the token written to `out` as it is made (a random IV, the time now).
pub fn encrypt_into(plaintext: &[u8], key: &Key, out: &mut dyn Write) -> io::Result<()> {
    let mut iv = [0u8; 16];
    getrandom::getrandom(&mut iv)
        .map_err(|_| io::Error::other("the operating system's random number generator failed"))?;
    encrypt_to(plaintext, key, now(), &iv, out)
}

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// The length of [`encrypt`]'s output for `n` plaintext bytes.
pub fn encrypted_len(n: usize) -> usize {
    let raw = HEAD + (n / 16 + 1) * 16 + 32;
    raw.div_ceil(3) * 4 + 1
}

/// Write the token for `plaintext` (timestamp `time`, IV `iv`) and `\n` to `out`, as it
/// is made: AES-128-CBC block by block, the HMAC over everything before it, base64 with
/// padding (what Python writes). Nothing is held but a few KiB at a time, so encrypting a
/// large file costs no copy of it (the `fernet` crate made three).
pub fn encrypt_to(
    plaintext: &[u8],
    key: &Key,
    time: u64,
    iv: &[u8; 16],
    out: &mut dyn Write,
) -> io::Result<()> {
    let bytes = key.expose_bytes();
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(&bytes[..16]).expect("HMAC takes any key length");
    let mut cbc = Encryptor::new(bytes[16..].into(), iv.into());
    let mut enc = Base64Out::new(out);
    let mut head = [0u8; HEAD];
    head[0] = 0x80;
    head[1..9].copy_from_slice(&time.to_be_bytes());
    head[9..].copy_from_slice(iv);
    mac.update(&head);
    enc.write(&head)?;
    // Whole blocks straight from the plaintext; the last one padded (PKCS#7: 1 to 16
    // bytes of the pad length, a whole block when the length is a multiple of 16).
    let whole = plaintext.len() / 16 * 16;
    let mut buf = Zeroizing::new([0u8; 4096]);
    for chunk in plaintext[..whole].chunks(buf.len()) {
        let block_buf = &mut buf[..chunk.len()];
        block_buf.copy_from_slice(chunk);
        for block in block_buf.chunks_exact_mut(16) {
            cbc.encrypt_block_mut(block.into());
        }
        mac.update(block_buf);
        enc.write(block_buf)?;
    }
    let rest = &plaintext[whole..];
    let pad = 16 - rest.len();
    let last = &mut buf[..16];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()..].fill(pad as u8);
    cbc.encrypt_block_mut(last.into());
    mac.update(last);
    enc.write(last)?;
    enc.write(&mac.finalize().into_bytes())?;
    enc.finish()?;
    out.write_all(b"\n")
}

/// Padded URL-safe base64 written through a buffer, whole groups of three at a time.
struct Base64Out<'a> {
    out: &'a mut dyn Write,
    pending: Vec<u8>,
    text: Vec<u8>,
}

impl<'a> Base64Out<'a> {
    const BATCH: usize = 48 * 1024;

    fn new(out: &'a mut dyn Write) -> Self {
        Base64Out {
            out,
            pending: Vec::with_capacity(Self::BATCH + 64),
            text: vec![0; Self::BATCH / 3 * 4 + 4],
        }
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= Self::BATCH {
            let n = self.pending.len() / 3 * 3;
            self.emit(n)?;
        }
        Ok(())
    }

    fn emit(&mut self, n: usize) -> io::Result<()> {
        let need = n.div_ceil(3) * 4;
        if self.text.len() < need {
            self.text.resize(need, 0);
        }
        let text = base64_simd::URL_SAFE.encode(
            &self.pending[..n],
            base64_simd::Out::from_slice(&mut self.text[..]),
        );
        self.out.write_all(text)?;
        self.pending.drain(..n);
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        self.emit(self.pending.len())
    }
}

/// A decoded Fernet token, its key not yet known (Fernet names no key: each candidate is
/// tried with [`Token::verifies`]). Decoded in place, in the buffer the text was read
/// into, and decrypted in place: a large file is held once.
pub struct Token {
    raw: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token({} bytes)", self.raw.len())
    }
}

impl Token {
    /// Decode the token text in `bytes` (the whole file), reusing its buffer.
    pub fn decode(mut bytes: Vec<u8>) -> Result<Token, FormatError> {
        let malformed =
            || FormatError::Integrity("the Fernet token is truncated or malformed".to_owned());
        // Not a token at all (text outside the base64 alphabets) or a damaged one: the
        // first is "not encrypted", the second an integrity failure.
        let Some(text) = token_text(&bytes) else {
            let blank_or_not_text =
                std::str::from_utf8(&bytes).map_or(true, |t| t.trim().is_empty());
            return Err(if blank_or_not_text {
                FormatError::NotEncrypted
            } else {
                malformed()
            });
        };
        let start = text.as_ptr() as usize - bytes.as_ptr() as usize;
        let end = start + text.len();
        // Decoded bytes never overtake the text still to decode (3 bytes per 4
        // characters, written from the buffer's start), so each block is decoded from
        // a copy into the buffer behind it.
        let mut at = 0;
        let mut read = start;
        let mut ok = true;
        let mut block = Vec::with_capacity(DECODE_BLOCK);
        while read < end && ok {
            let n = (end - read).min(DECODE_BLOCK);
            block.clear();
            block.extend_from_slice(&bytes[read..read + n]);
            let mut decoded_len = 0;
            let buf = &mut bytes;
            ok = decode_blocks(&block, |d| {
                buf[at + decoded_len..at + decoded_len + d.len()].copy_from_slice(d);
                decoded_len += d.len();
            });
            let base64_text = || {
                block.iter().all(is_token_char) && bytes[read + n..end].iter().all(is_token_char)
            };
            if !ok && !base64_text() {
                // (What came before this block decoded, so it was base64 text.)
                return Err(FormatError::NotEncrypted);
            }
            at += decoded_len;
            read += n;
        }
        bytes.truncate(at);
        let raw = Zeroizing::new(bytes);
        if !ok || !is_token(raw.first().copied(), raw.len()) {
            return Err(malformed());
        }
        Ok(Token { raw })
    }

    /// Whether the token's HMAC verifies under `key` (constant time).
    fn verifies(&self, key: &Key) -> bool {
        let bytes = key.expose_bytes();
        let (signed, tag) = self.raw.split_at(self.raw.len() - 32);
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&bytes[..16]).expect("HMAC takes any key length");
        mac.update(signed);
        mac.verify_slice(tag).is_ok()
    }

    /// Decrypt with `key`, in place, if the token's HMAC verifies under it; otherwise
    /// the token comes back untouched for the next key to try.
    pub fn try_key(mut self, key: &Key) -> Attempt {
        if !self.verifies(key) {
            return Attempt::NotThisKey(self);
        }
        let bytes = key.expose_bytes();
        let end = self.raw.len() - 32;
        let iv: [u8; 16] = self.raw[9..HEAD].try_into().expect("checked by decode");
        // Authentic, so a bad length or padding means a broken writer, not tampering;
        // Fernet has one error for both, and so does Python.
        let Ok(n) = Decryptor::new(bytes[16..].into(), (&iv).into())
            .decrypt_padded_mut::<cbc::cipher::block_padding::Pkcs7>(&mut self.raw[HEAD..end])
            .map(|p| p.len())
        else {
            return Attempt::Failed(FormatError::FernetAuth { given: key.id() });
        };
        self.raw.copy_within(HEAD..HEAD + n, 0);
        // What is left past the plaintext is wiped with the rest of the buffer.
        self.raw.truncate(n);
        Attempt::Opened(self.raw)
    }
}

/// What trying one key on a [`Token`] gave.
#[derive(Debug)]
pub enum Attempt {
    Opened(Zeroizing<Vec<u8>>),
    /// The HMAC does not verify under this key: the wrong key, or a modified token.
    NotThisKey(Token),
    Failed(FormatError),
}

/// Why [`open`] failed, and which of the identities it is about (where the key came
/// from is part of the message the caller writes).
#[derive(Debug)]
pub struct OpenError {
    pub error: FormatError,
    /// The identity the error is about (the last tried, for a token no key verifies);
    /// `None` when the token did not decode or no master key was among the candidates.
    pub identity: Option<usize>,
}

/// Open a Fernet file (its bytes, taken: decoded and decrypted in their buffer) with the
/// candidate identities, the same path as v1's: a token names no key, so each candidate
/// master key is tried in order (identities of other kinds cannot open a Fernet file and
/// are skipped). `Ok` with the plaintext and the index of the identity that opened it.
pub fn open(
    bytes: Vec<u8>,
    identities: &[&dyn Identity],
) -> Result<(Zeroizing<Vec<u8>>, usize), OpenError> {
    let mut token = Token::decode(bytes).map_err(|error| OpenError {
        error,
        identity: None,
    })?;
    let mut last = None;
    for (i, ident) in identities.iter().enumerate() {
        let Some(key) = ident.master_key() else {
            continue;
        };
        token = match token.try_key(key) {
            Attempt::Opened(plaintext) => return Ok((plaintext, i)),
            Attempt::Failed(error) => {
                return Err(OpenError {
                    error,
                    identity: Some(i),
                })
            }
            Attempt::NotThisKey(token) => {
                last = Some((i, key.id()));
                token
            }
        };
    }
    Err(match last {
        Some((i, given)) => OpenError {
            error: FormatError::FernetAuth { given },
            identity: Some(i),
        },
        None => OpenError {
            error: FormatError::Slot(crate::format::v1::slot::SlotError::Unavailable {
                slot: "a Fernet file".to_owned(),
                why: "only a master key opens it, and none was given".to_owned(),
            }),
            identity: None,
        },
    })
}

/// Decrypt a token (the whole file's bytes) with `key`.
pub fn decrypt(bytes: &[u8], key: &Key) -> Result<Zeroizing<Vec<u8>>, FormatError> {
    match Token::decode(bytes.to_vec())?.try_key(key) {
        Attempt::Opened(plaintext) => Ok(plaintext),
        Attempt::NotThisKey(_) => Err(FormatError::FernetAuth { given: key.id() }),
        Attempt::Failed(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Fernet spec's vectors, read from `../shared/` beside the checkout (never
    /// copied into the repository). Absent, the tests say so and check nothing, except
    /// under `CI=true`, where they fail (as the integration tests do).
    fn vectors(name: &str) -> Vec<serde_json::Value> {
        let path = format!(
            "{}/../shared/vectors/fernet/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).unwrap(),
            Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
                eprintln!("SKIPPED: the Fernet spec vectors are not at {path} ({e})");
                Vec::new()
            }
            Err(e) => panic!("{path}: {e} (CI needs ../shared beside the checkout)"),
        }
    }

    #[test]
    fn spec_vectors_decrypt_and_invalid_ones_fail() {
        for v in vectors("verify.json") {
            let key = Key::from_text(v["secret"].as_str().unwrap()).unwrap();
            let token = v["token"].as_str().unwrap().as_bytes();
            assert!(looks_like(token));
            let plain = decrypt(token, &key).unwrap();
            assert_eq!(&plain[..], v["src"].as_str().unwrap().as_bytes());
        }
        for v in vectors("invalid.json") {
            // Ignoring timestamps (as Python does without a ttl), some "invalid" vectors
            // (expired, from the future) decrypt; the rest must fail, never panic.
            let key = Key::from_text(v["secret"].as_str().unwrap()).unwrap();
            let _ = decrypt(v["token"].as_str().unwrap().as_bytes(), &key);
        }
    }

    /// The error kind depends on the token, whether or not it is checked up front.
    /// The spec's generate vectors, made byte for byte from their time and IV (envseal
    /// adds the newline).
    #[test]
    fn spec_generate_vectors_are_made_exactly() {
        for v in vectors("generate.json") {
            let key = Key::from_text(v["secret"].as_str().unwrap()).unwrap();
            let now = chrono::DateTime::parse_from_rfc3339(v["now"].as_str().unwrap()).unwrap();
            let iv: Vec<u8> = v["iv"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b.as_u64().unwrap() as u8)
                .collect();
            let mut out = Vec::new();
            let src = v["src"].as_str().unwrap().as_bytes();
            encrypt_to(
                src,
                &key,
                now.timestamp() as u64,
                &iv.try_into().unwrap(),
                &mut out,
            )
            .unwrap();
            assert_eq!(
                out,
                format!("{}\n", v["token"].as_str().unwrap()).into_bytes()
            );
            assert_eq!(out.len(), encrypted_len(src.len()));
        }
    }

    /// The project's own known-answer vector (made with Python's `cryptography` at a
    /// fixed time and IV), byte for byte.
    #[test]
    fn own_known_answer_vector_is_made_exactly() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fernet");
        let key = Key::from_text(&std::fs::read_to_string(dir.join("kat1.key")).unwrap()).unwrap();
        let plain = std::fs::read(dir.join("kat1.plain.env")).unwrap();
        let token = std::fs::read(dir.join("kat1.token")).unwrap();
        let iv: [u8; 16] = std::array::from_fn(|i| i as u8);
        let mut out = Vec::new();
        encrypt_to(&plain, &key, 1_767_225_600, &iv, &mut out).unwrap();
        assert_eq!(out.trim_ascii_end(), token.trim_ascii_end());
    }

    #[test]
    fn error_kinds() {
        let key = Key::from_bytes([7; 32]);
        let token = encrypt(b"A=1\n", &key);
        let wrong = Key::from_bytes([8; 32]);
        assert!(matches!(
            decrypt(token.as_bytes(), &wrong),
            Err(FormatError::FernetAuth { .. })
        ));
        assert!(matches!(
            decrypt(b"# c\nA=1\n", &key),
            Err(FormatError::NotEncrypted)
        ));
        // Only token characters: read as a (malformed) token.
        assert!(matches!(
            decrypt(b"A=1\n", &key),
            Err(FormatError::Integrity(_))
        ));
        let short = &token.trim_end()[..60];
        assert!(matches!(
            decrypt(short.as_bytes(), &key),
            Err(FormatError::Integrity(_))
        ));
        let inner_pad = format!("{}={}", &token[..40], &token[41..]);
        assert!(matches!(
            decrypt(inner_pad.as_bytes(), &key),
            Err(FormatError::Integrity(_))
        ));
        // The standard alphabet and surrounding white space are accepted, as in Python.
        let standard = format!("  {}  ", token.trim().replace('-', "+").replace('_', "/"));
        assert_eq!(&decrypt(standard.as_bytes(), &key).unwrap()[..], b"A=1\n");
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn both_alphabets_and_white_space_are_read() {
        let key = Key::from_bytes([0xfe; 32]);
        let token = encrypt(b"A=1\n", &key);
        assert!(token.ends_with('\n'));
        let standard = token.trim().replace('-', "+").replace('_', "/");
        for t in [
            token.as_str(),
            token.trim(),
            &standard,
            &format!("  {standard}\r\n"),
        ] {
            assert_eq!(&decrypt(t.as_bytes(), &key).unwrap()[..], b"A=1\n");
        }
        assert!(timestamp(token.as_bytes()).is_some());
    }

    #[test]
    fn a_future_timestamp_is_still_read_as_python_reads_it() {
        // Forge a token dated far in the future with the spec's construction.
        let key = Key::from_bytes([0x11; 32]);
        let f = fernet::Fernet::new(&key.expose_text()).unwrap();
        let token = f.encrypt_at_time(b"x", 4_000_000_000);
        assert_eq!(&decrypt(token.as_bytes(), &key).unwrap()[..], b"x");
    }

    proptest! {
        #[test]
        fn round_trip(data in prop::collection::vec(any::<u8>(), 0..2000)) {
            let key = Key::from_bytes([0x22; 32]);
            let token = encrypt(&data, &key);
            prop_assert!(looks_like(token.as_bytes()));
            prop_assert_eq!(&decrypt(token.as_bytes(), &key).unwrap()[..], &data[..]);
        }

        /// Both ways against the `fernet` crate, the reference: what one writes the
        /// other reads, at sizes around the block and base64 group boundaries and the
        /// encoder's batches.
        #[test]
        fn agrees_with_the_fernet_crate(
            data in prop::collection::vec(any::<u8>(), 0..200),
            repeat in prop::sample::select(vec![1usize, 7, 400]),
        ) {
            let data = data.repeat(repeat);
            let key = Key::from_bytes([0x55; 32]);
            let reference = fernet::Fernet::new(&key.expose_text()).unwrap();
            let ours = encrypt(&data, &key);
            prop_assert_eq!(reference.decrypt(ours.trim_end()).unwrap(), data.clone());
            let theirs = reference.encrypt(&data);
            prop_assert_eq!(&decrypt(theirs.as_bytes(), &key).unwrap()[..], &data[..]);
            prop_assert_eq!(ours.len(), encrypted_len(data.len()));
            prop_assert_eq!(timestamp(ours.as_bytes()).is_some(), true);
        }

        /// Damaged tokens: envseal accepts exactly what the reference accepts once the
        /// standard alphabet's `+` `/` are read as `-` `_` (Python's `urlsafe_b64decode`
        /// reads both alphabets, mixed; the `fernet` crate refuses the standard one), and
        /// reads the same plaintext. Without that mapping the property failed whenever a
        /// flip turned `-` into `+` or `_` into `/` (about 3% of runs).
        #[test]
        fn refuses_what_the_fernet_crate_refuses(
            pos in any::<prop::sample::Index>(),
            flip in 1u8..=255,
        ) {
            let key = Key::from_bytes([0x66; 32]);
            let token = encrypt(&b"SECRET=value\n".repeat(5), &key).into_bytes();
            let i = pos.index(token.len());
            let (ours, theirs) = flipped_token_readings(&key, token, i, flip);
            prop_assert_eq!(ours, theirs);
        }

        #[test]
        fn decoder_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let key = Key::from_bytes([0x33; 32]);
            let _ = looks_like(&bytes);
            let _ = timestamp(&bytes);
            let _ = decrypt(&bytes, &key);
        }

        #[test]
        fn any_single_byte_change_fails(pos in 0usize..200, flip in 1u8..=255) {
            let key = Key::from_bytes([0x44; 32]);
            let token = encrypt(b"SECRET=value\n", &key);
            let mut t = token.into_bytes();
            let i = pos % (t.len() - 1); // not the final newline
            t[i] ^= flip;
            // Some flips only change base64 padding bits that decode to the same bytes;
            // what matters is that nothing but the original plaintext ever comes out.
            if let Ok(p) = decrypt(&t, &key) {
                prop_assert_eq!(&p[..], b"SECRET=value\n");
            }
        }
    }

    /// (envseal's reading, the reference's reading) of `token` with the byte at `i`
    /// xor `flip`. The reference reads the token with the standard alphabet's `+` `/`
    /// mapped to `-` `_`, as Python does.
    fn flipped_token_readings(
        key: &Key,
        mut token: Vec<u8>,
        i: usize,
        flip: u8,
    ) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
        let reference = fernet::Fernet::new(&key.expose_text()).unwrap();
        token[i] ^= flip;
        let theirs = std::str::from_utf8(&token).ok().and_then(|s| {
            let s = s.replace('+', "-").replace('/', "_");
            reference
                .decrypt_at_time(s.trim(), None, u64::MAX - 60)
                .ok()
        });
        let ours = decrypt(&token, key).ok().map(|p| p.to_vec());
        (ours, theirs)
    }

    /// The case that made `refuses_what_the_fernet_crate_refuses` fail in ~3% of runs:
    /// a `-` turned into `+` (or `_` into `/`) is still the same token for envseal and
    /// Python, though the `fernet` crate refuses it.
    #[test]
    fn a_url_safe_char_turned_standard_is_read_as_python_reads_it() {
        let key = Key::from_bytes([0x66; 32]);
        let plain = b"SECRET=value\n".repeat(5);
        for (from, to) in [(b'-', b'+'), (b'_', b'/')] {
            // Tokens are random: take the first of a few that holds the character.
            let (token, i) = (0..1000)
                .map(|_| encrypt(&plain, &key).into_bytes())
                .find_map(|t| t.iter().position(|&c| c == from).map(|i| (t, i)))
                .expect("some token holds the character");
            let (ours, theirs) = flipped_token_readings(&key, token, i, from ^ to);
            assert_eq!(ours.as_deref(), Some(&plain[..]));
            assert_eq!(ours, theirs);
        }
    }
}
