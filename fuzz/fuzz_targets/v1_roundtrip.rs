//! Structured v1 target: reaches past the MAC, which random bytes never forge.
//!
//! Input: byte 0 = options, bytes 1..3 = where to tamper, byte 3 = how, the rest = a
//! dotenv file. For every file the parser accepts:
//! - decrypt(encrypt(x)) == x byte for byte;
//! - re-encrypting with the previous file open reuses every ciphertext, so the output is
//!   identical (the minimal-diff promise);
//! - any single-byte change anywhere in the encrypted file is rejected.
#![no_main]

use chrono::{TimeZone, Utc};
use envseal::format::{v1, FormatError};
use envseal::key::Key;
use libfuzzer_sys::fuzz_target;

/// Deterministic "random" bytes (a fuzzer needs reproducible runs; nonce quality is not
/// what is tested here).
fn counter_rng(seed: u8) -> impl FnMut(&mut [u8]) -> Result<(), FormatError> {
    let mut state = u64::from(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move |buf: &mut [u8]| {
        for b in buf {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *b = state as u8;
        }
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (ctl, body) = data.split_at(4);
    let Ok(doc) = envseal::dotenv::parse_bytes(body) else {
        return;
    };
    let key = Key::from_bytes([7; 32]);
    let opts = v1::Options {
        encrypt_comments: ctl[0] & 1 == 1,
    };
    let now = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
    let mut rng = counter_rng(ctl[0]);
    let sealed = v1::encrypt(&doc, &key, None, opts, now, &mut rng).expect("encrypt");
    let opened = v1::decrypt(&sealed, &key).expect("decrypt of a fresh encryption");
    assert_eq!(
        opened.plaintext.as_bytes(),
        body,
        "decrypt(encrypt(x)) != x"
    );

    let again = v1::encrypt(&doc, &key, Some(&opened), opts, now, &mut rng).expect("re-encrypt");
    assert_eq!(again, sealed, "re-encrypting an unchanged file changed it");

    let wrong = Key::from_bytes([8; 32]);
    assert!(
        v1::decrypt(&sealed, &wrong).is_err(),
        "a wrong key decrypted"
    );

    let mut tampered = sealed.into_bytes();
    let at = usize::from(u16::from_le_bytes([ctl[1], ctl[2]])) % tampered.len();
    let xor = if ctl[3] == 0 { 1 } else { ctl[3] };
    tampered[at] ^= xor;
    if let Ok(t) = std::str::from_utf8(&tampered) {
        assert!(v1::decrypt(t, &key).is_err(), "a modified file decrypted");
    }
});
