//! Untrusted bytes into the Fernet decoder and its sniffers (`looks_like`, `timestamp`):
//! no panics. Also: what the fixed key encrypts it decrypts, and the sniffers agree with
//! the decoder on envseal's own tokens.
#![no_main]

use envseal::format::fernet;
use envseal::key::Key;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = Key::from_bytes([7; 32]);
    let looks = fernet::looks_like(data);
    let ts = fernet::timestamp(data);
    if looks {
        assert!(ts.is_some(), "looks like a token but has no timestamp");
    }
    let _ = fernet::decrypt(data, &key);

    // Round trip with the input as plaintext.
    let token = fernet::encrypt(data, &key);
    assert!(fernet::looks_like(token.as_bytes()));
    assert!(fernet::timestamp(token.as_bytes()).is_some());
    let plain = fernet::decrypt(token.as_bytes(), &key).expect("own token decrypts");
    assert_eq!(&plain[..], data);
});
