//! Untrusted bytes as the previous file of a streamed re-encryption (`v1::restream`: what
//! `encrypt` does over an existing output of 1 MiB and more), with chunk sizes from the
//! input so chunk boundaries land anywhere. It must never panic; it must succeed only
//! when the previous file verifies (the whole-file decoder opens it); what it writes must
//! decrypt to the new plaintext, and be the previous file byte for byte when it says
//! nothing changed. Seed it like `v1_decrypt` (`fuzz/seed.sh`).
#![no_main]

use std::io::Write;

use envseal::format::v1;
use envseal::key::Key;
use libfuzzer_sys::fuzz_target;

/// The same key `fuzz/seed.sh` encrypts the seed corpus with.
const KEY: [u8; 32] = [7; 32];

fuzz_target!(|data: &[u8]| {
    let Some((&sizes, previous)) = data.split_first() else {
        return;
    };
    let key = Key::from_bytes(KEY);
    let opened = std::str::from_utf8(previous)
        .ok()
        .and_then(|text| v1::decrypt_plaintext(text, &key).ok());
    // The new plaintext: the previous one (nothing to change), or with a line added, so
    // that tokens are kept; a small file of its own when the previous does not open.
    let new_text = match &opened {
        Some(p) if sizes & 0x80 == 0 => p.to_string(),
        Some(p) => format!("{}\nADDED=fuzz\n", p.as_str()),
        None => "A=1\nB=two\n".to_owned(),
    };
    let file = |bytes: &[u8]| {
        let mut f = tempfile::tempfile().expect("a temporary file");
        f.write_all(bytes).expect("written");
        f
    };
    let (input, prev) = (file(new_text.as_bytes()), file(previous));
    let sizes = v1::restream::Sizes {
        old_chunk: usize::from(sizes & 0x0f) * 13 + 1,
        new_chunk: usize::from((sizes >> 4) & 0x07) * 29 + 1,
        reach: 64,
    };
    let mut out = v1::seal::Parts::default();
    let done = v1::restream::reencrypt_stream(
        &input,
        &prev,
        &[&key],
        v1::Options::default(),
        &mut out,
        None,
        None,
        sizes,
    );
    match (done, opened) {
        (Ok(done), Some(_)) => {
            let out = out.0.concat();
            let back = v1::decrypt_plaintext(&out, &key).expect("the output opens");
            assert_eq!(back.as_str(), new_text);
            if done.unchanged {
                assert_eq!(out.as_bytes(), previous);
            }
        }
        (Ok(_), None) => panic!("re-encrypted over a previous file that does not verify"),
        (Err(_), _) => {}
    }
});
