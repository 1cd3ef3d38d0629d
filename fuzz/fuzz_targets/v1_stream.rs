//! Untrusted bytes into the streaming v1 decoder (`v1::stream`, used for files of 1 MiB
//! and more), with a chunk size from the input so chunk boundaries land anywhere: it must
//! never panic, and must agree with the whole-file decoder — the same plaintext when that
//! one succeeds, an error when it fails. Seed it like `v1_decrypt` (`fuzz/seed.sh`).
#![no_main]

use envseal::format::v1;
use envseal::key::Key;
use libfuzzer_sys::fuzz_target;

/// The same key `fuzz/seed.sh` encrypts the seed corpus with.
const KEY: [u8; 32] = [7; 32];

fuzz_target!(|data: &[u8]| {
    let Some((&size, file)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(size) + 1;
    let key = Key::from_bytes(KEY);
    let (mut counter, mut src) = (std::io::Cursor::new(file), std::io::Cursor::new(file));
    let streamed =
        v1::stream::decrypt_chunked(&mut counter, &mut src, &[&key], chunk).map(|p| p.to_vec());
    let whole = std::str::from_utf8(file)
        .ok()
        .and_then(|text| v1::decrypt_plaintext(text, &key).ok());
    match (streamed, whole) {
        (Ok(s), Some(w)) => assert_eq!(&s[..], w.as_bytes()),
        (Err(_), None) => {}
        (s, w) => panic!(
            "stream ok: {}, whole-file ok: {}",
            s.is_ok(),
            w.is_some()
        ),
    }
});
