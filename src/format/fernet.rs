//! The Fernet whole-file format, byte-compatible with Python's `cryptography.fernet`.
//!
//! Fernet is AES-128-CBC with PKCS#7 padding and HMAC-SHA256 (the master key's first 16
//! bytes sign, the last 16 encrypt): not AES-256, whatever the legacy docs said. envseal
//! writes the token followed by `\n`; it reads a token with or without surrounding white
//! space, in either base64 alphabet, as Python does. Like `Fernet.decrypt` without a
//! `ttl`, it ignores the token's timestamp (the `fernet` crate rejects tokens dated more
//! than 60 s in the future; envseal passes a far-future "now" so a writer whose clock ran
//! ahead is still read, as Python reads it).

use std::borrow::Cow;

use base64::Engine;
use zeroize::Zeroizing;

use super::FormatError;
use crate::key::Key;

/// Version byte + timestamp + IV + one AES block + HMAC.
const MIN_TOKEN_BYTES: usize = 1 + 8 + 16 + 16 + 32;

/// The token text in the URL-safe alphabet, or `None` if these bytes cannot be one.
/// Borrowed unless the standard alphabet's `+` or `/` must be mapped: tokens are
/// megabytes for large files, and this runs for every file `detect` looks at.
fn normalise(bytes: &[u8]) -> Option<Cow<'_, str>> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    if text.is_empty() {
        return None;
    }
    let mut standard_alphabet = false;
    for &b in text.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'=' => {}
            b'+' | b'/' => standard_alphabet = true,
            _ => return None,
        }
    }
    Some(if standard_alphabet {
        Cow::Owned(text.replace('+', "-").replace('/', "_"))
    } else {
        Cow::Borrowed(text)
    })
}

fn decode_normalised(token: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .ok()
}

fn decode(bytes: &[u8]) -> Option<Vec<u8>> {
    decode_normalised(&normalise(bytes)?)
}

fn is_token(raw: &[u8]) -> bool {
    raw.len() >= MIN_TOKEN_BYTES && raw[0] == 0x80
}

/// Does this look like a Fernet token (version byte 0x80, long enough)?
pub fn looks_like(bytes: &[u8]) -> bool {
    decode(bytes).is_some_and(|raw| is_token(&raw))
}

/// When the token says it was made (seconds since the epoch).
pub fn timestamp(bytes: &[u8]) -> Option<u64> {
    let raw = decode(bytes)?;
    let ts: [u8; 8] = raw.get(1..9)?.try_into().ok()?;
    Some(u64::from_be_bytes(ts))
}

fn fernet_for(key: &Key) -> fernet::Fernet {
    // A Key always holds 32 bytes, which is all Fernet::new checks.
    fernet::Fernet::new(&key.expose_text()).expect("a 32-byte key is a valid Fernet key")
}

/// Encrypt a whole file into a token, followed by `\n`.
pub fn encrypt(plaintext: &[u8], key: &Key) -> String {
    let mut token = fernet_for(key).encrypt(plaintext);
    token.push('\n');
    token
}

/// Decrypt a token (whatever its timestamp).
pub fn decrypt(bytes: &[u8], key: &Key) -> Result<Zeroizing<Vec<u8>>, FormatError> {
    let token = normalise(bytes).ok_or(FormatError::NotEncrypted)?;
    // u64::MAX - 60 disables the crate's clock-skew check without overflowing it.
    match fernet_for(key).decrypt_at_time(&token, None, u64::MAX - 60) {
        Ok(plaintext) => Ok(Zeroizing::new(plaintext)),
        // Only now tell a malformed token from a failed check: decoding a large token
        // up front as well cost as much as the decryption. (A token the crate accepts
        // always passes `is_token`: it holds at least one cipher block.)
        Err(_) if !decode_normalised(&token).is_some_and(|raw| is_token(&raw)) => Err(
            FormatError::Integrity("the Fernet token is truncated or malformed".to_owned()),
        ),
        Err(_) => Err(FormatError::FernetAuth { given: key.id() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vectors(name: &str) -> Vec<serde_json::Value> {
        let path = format!(
            "{}/../shared/vectors/fernet/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap()
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
}
