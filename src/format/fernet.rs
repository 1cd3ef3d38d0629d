//! The Fernet whole-file format, byte-compatible with Python's `cryptography.fernet`.
//!
//! Fernet is AES-128-CBC with PKCS#7 padding and HMAC-SHA256 (the master key's first 16
//! bytes sign, the last 16 encrypt): not AES-256, whatever the legacy docs said. envseal
//! writes the token followed by `\n`; it reads a token with or without surrounding white
//! space, in either base64 alphabet, as Python does. Like `Fernet.decrypt` without a
//! `ttl`, it ignores the token's timestamp (the `fernet` crate rejects tokens dated more
//! than 60 s in the future; envseal passes a far-future "now" so a writer whose clock ran
//! ahead is still read, as Python reads it).

use base64::Engine;
use zeroize::Zeroizing;

use super::FormatError;
use crate::key::Key;

/// Version byte + timestamp + IV + one AES block + HMAC.
const MIN_TOKEN_BYTES: usize = 1 + 8 + 16 + 16 + 32;

fn normalise(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    if text.is_empty()
        || !text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'/' | b'='))
    {
        return None;
    }
    Some(text.replace('+', "-").replace('/', "_"))
}

fn decode(bytes: &[u8]) -> Option<Vec<u8>> {
    let token = normalise(bytes)?;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .ok()
}

/// Does this look like a Fernet token (version byte 0x80, long enough)?
pub fn looks_like(bytes: &[u8]) -> bool {
    decode(bytes).is_some_and(|raw| raw.len() >= MIN_TOKEN_BYTES && raw[0] == 0x80)
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
    if !looks_like(token.as_bytes()) {
        return Err(FormatError::Integrity(
            "the Fernet token is truncated or malformed".to_owned(),
        ));
    }
    // u64::MAX - 60 disables the crate's clock-skew check without overflowing it.
    fernet_for(key)
        .decrypt_at_time(&token, None, u64::MAX - 60)
        .map(Zeroizing::new)
        .map_err(|_| FormatError::FernetAuth { given: key.id() })
}

#[cfg(test)]
mod tests {
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
