//! Any bytes into the dotenv parser: it must not panic, and whatever it accepts must
//! render back byte for byte (the lossless-model promise the encrypter relies on).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = envseal::dotenv::parse_bytes(data) else {
        return;
    };
    assert_eq!(doc.expose_text().as_bytes(), data, "render(parse(x)) != x");
    let mut last_number = 0;
    for line in &doc.lines {
        // Derived views must not panic on any accepted line.
        let _ = line.key_name();
        let _ = line.expose_value();
        let _ = line.prefix();
        let _ = line.is_commented_assignment();
        assert!(line.number > last_number, "line numbers must increase");
        last_number = line.number;
    }
    let _ = doc.expose_pairs().count();
});
