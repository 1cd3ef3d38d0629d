//! Untrusted bytes into the v1 decoder (header parser, slot unwrapping, MAC check, body
//! decoder) with a fixed key: errors are fine, panics are not. Seed it with real v1 files
//! made under this key (`fuzz/seed.sh`) so mutations start from valid headers.
#![no_main]

use envseal::format::v1;
use envseal::key::Key;
use libfuzzer_sys::fuzz_target;

/// The same key `fuzz/seed.sh` encrypts the seed corpus with.
const KEY: [u8; 32] = [7; 32];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let key = Key::from_bytes(KEY);
    let _ = v1::header(text);
    let _ = envseal::format::detect(data);
    if let Ok(opened) = v1::decrypt(text, &key) {
        // Whatever decrypts must be a document the encrypter can take again.
        let _ = envseal::dotenv::parse(&opened.plaintext);
    }
});
