use super::*;
use std::collections::HashMap;

fn fixed_random() -> impl FnMut(&mut [u8]) -> Result<(), FormatError> {
    let mut counter = 0u8;
    move |buf: &mut [u8]| {
        for b in buf.iter_mut() {
            *b = counter;
            counter = counter.wrapping_add(1);
        }
        Ok(())
    }
}

fn seal(text: &str, key: &Key) -> String {
    let doc = dotenv::parse(text).unwrap();
    let mut r = |b: &mut [u8]| super::super::os_random(b);
    encrypt(&doc, key, None, Options::default(), Utc::now(), &mut r).unwrap()
}

#[test]
fn round_trip_is_byte_exact() {
    let key = Key::from_bytes([3; 32]);
    for text in [
        "",
        "\n\n",
        "\u{feff}A=1\r\nB='x\r\ny' # c\r\n# plain\r\n#OLD=hunter2\rlol$wut\nC",
        "export K = \"v\\\"w\"  # trailing\n  \n",
    ] {
        let sealed = seal(text, &key);
        let opened = decrypt(&sealed, &key).unwrap();
        assert_eq!(opened.plaintext.as_str(), text);
    }
}

#[test]
fn no_value_leaks() {
    let key = Key::from_bytes([3; 32]);
    let sealed = seal(
        "A=hunter2\nB=\"multi\n#hunter3\nline\"\n#OLD_PASSWORD=hunter4\nhunter5\n# keep me\n",
        &key,
    );
    for s in ["hunter2", "hunter3", "hunter4", "hunter5", "multi"] {
        assert!(!sealed.contains(s), "{s} leaked:\n{sealed}");
    }
    assert!(sealed.contains("# keep me\n"));
    assert!(sealed.contains("\nA=ENC[v1:"));
}

#[test]
fn every_single_byte_change_is_detected() {
    let key = Key::from_bytes([9; 32]);
    let text = "# c\nA=1\nexport B = 'two'\n\nC=\n#D=x\n";
    let sealed = seal(text, &key);
    let bytes = sealed.as_bytes();
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x20, 0x80] {
            let mut t = bytes.to_vec();
            t[i] ^= flip;
            let Ok(s) = String::from_utf8(t) else {
                continue;
            };
            match decrypt(&s, &key) {
                Err(_) => {}
                Ok(o) => panic!(
                    "byte {i} ^ {flip:#x} undetected, got {:?}",
                    o.plaintext.len()
                ),
            }
        }
    }
    // deletion of any one line, and truncation at every length
    let lines = split_lines(&sealed);
    for skip in 0..lines.len() {
        let s: String = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| *l)
            .collect();
        assert!(
            decrypt(&s, &key).is_err(),
            "deleting line {skip} undetected"
        );
    }
    for len in 0..sealed.len() {
        if sealed.is_char_boundary(len) {
            assert!(
                decrypt(&sealed[..len], &key).is_err(),
                "truncation at {len} undetected"
            );
        }
    }
}

#[test]
fn swapped_values_fail() {
    let key = Key::from_bytes([1; 32]);
    let sealed = seal("A=x\nB=y\n", &key);
    let a = sealed.lines().find(|l| l.starts_with("A=")).unwrap()[2..].to_owned();
    let b = sealed.lines().find(|l| l.starts_with("B=")).unwrap()[2..].to_owned();
    let swapped = sealed.replace(&a, "@@").replace(&b, &a).replace("@@", &b);
    assert!(matches!(
        decrypt(&swapped, &key),
        Err(FormatError::Integrity(_))
    ));
}

#[test]
fn wrong_key_names_both_ids() {
    let key = Key::from_bytes([1; 32]);
    let other = Key::from_bytes([2; 32]);
    let sealed = seal("A=x\n", &key);
    match decrypt(&sealed, &other) {
        Err(FormatError::WrongKey { file, given }) => {
            assert_eq!(file, vec![key.id().to_string()]);
            assert_eq!(given, vec![other.id().to_string()]);
        }
        r => panic!("expected WrongKey, got {r:?}"),
    }
}

/// A file that verifies only as its reading before a git line-ending conversion
/// (here: a CRLF plaintext's file checked out with its header's `\n` turned into
/// `\r\n`) opens from an owned text too, keeping the reading that verified.
#[test]
fn an_owned_open_of_a_converted_file_keeps_the_reading_that_verified() {
    let key = Key::from_bytes([8; 32]);
    let text = "A=1\r\nB=2\r\n";
    let sealed = seal(text, &key);
    let converted = sealed.replace("\r\n", "\n").replace('\n', "\r\n");
    assert_ne!(converted, sealed);
    let owned = decrypt_owned(converted.clone(), &[&key]).unwrap();
    assert_eq!(owned.plaintext.as_str(), text);
    assert_eq!(owned.text(), sealed);
    let borrowed = decrypt_with(&converted, &[&key]).unwrap();
    assert_eq!(owned.body(), borrowed.body());
}

#[test]
fn reencrypting_keeps_unchanged_ciphertexts() {
    let key = Key::from_bytes([5; 32]);
    let first = seal("A=1\nB=2\nC=3\n", &key);
    let prev = decrypt(&first, &key).unwrap();
    let doc = dotenv::parse("A=1\nB=changed\nC=3\n").unwrap();
    let mut r = |b: &mut [u8]| super::super::os_random(b);
    let second = encrypt(
        &doc,
        &key,
        Some(&prev),
        Options::default(),
        Utc::now(),
        &mut r,
    )
    .unwrap();
    let changed: Vec<(&str, &str)> = first
        .lines()
        .zip(second.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 2, "only the MAC and B lines: {changed:?}");
    assert!(changed[0].0.starts_with(MAC_PREFIX));
    assert!(changed[1].0.starts_with("B="));
    assert_eq!(
        decrypt(&second, &key).unwrap().plaintext.as_str(),
        "A=1\nB=changed\nC=3\n"
    );
}

/// The token of each assignment line of a v1 file, by key name.
fn tokens_by_name(sealed: &str) -> HashMap<String, String> {
    sealed
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn reencrypt(doc_text: &str, key: &Key, prev: &Opened, also: &[&Opened]) -> String {
    let doc = dotenv::parse(doc_text).unwrap();
    let mut r = |b: &mut [u8]| super::super::os_random(b);
    encrypt_reusing(
        &doc,
        key,
        Some(prev),
        also,
        Options::default(),
        Utc::now(),
        &mut r,
    )
    .unwrap()
}

/// Entries are matched by position first, then (after a line inserted, removed or
/// moved) by name and plaintext: every unchanged value keeps its token whatever moved
/// around it, a changed one gets a new token.
#[test]
fn reencrypting_after_insert_remove_and_move_keeps_every_unchanged_token() {
    let key = Key::from_bytes([6; 32]);
    let lines: Vec<String> = (0..50).map(|i| format!("K{i}=value{i}\n")).collect();
    let first = seal(&lines.concat(), &key);
    let prev = decrypt(&first, &key).unwrap();
    let mut edited = lines.clone();
    edited[10] = "K10=changed\n".to_owned();
    edited.remove(20); // K20
    edited.insert(30, "NEW=inserted\n".to_owned()); // after K30 (K20 is gone)
    let at = edited.iter().position(|l| l.starts_with("K40=")).unwrap();
    let moved = edited.remove(at);
    edited.insert(0, moved);
    let second = reencrypt(&edited.concat(), &key, &prev, &[]);
    let (before, after) = (tokens_by_name(&first), tokens_by_name(&second));
    for i in (0..50).filter(|i| ![10, 20].contains(i)) {
        let k = format!("K{i}");
        assert_eq!(before[&k], after[&k], "{k} kept its token");
    }
    assert_ne!(before["K10"], after["K10"]);
    assert!(!after.contains_key("K20") && after.contains_key("NEW"));
    assert_eq!(
        decrypt(&second, &key).unwrap().plaintext.as_str(),
        edited.concat()
    );
}

/// A token is used at most once: two equal entries keep their two tokens (a reused
/// token would show that they are equal), and a third equal entry gets a new one.
#[test]
fn reencrypting_uses_each_token_once() {
    let key = Key::from_bytes([6; 32]);
    let first = seal("A=1\nA=1\n", &key);
    let prev = decrypt(&first, &key).unwrap();
    assert_eq!(reencrypt("A=1\nA=1\n", &key, &prev, &[]), first);
    let third = reencrypt("A=1\nA=1\nA=1\n", &key, &prev, &[]);
    let tokens: Vec<&str> = third.lines().filter(|l| l.starts_with("A=")).collect();
    assert_eq!(tokens.len(), 3);
    assert!(tokens[0] != tokens[1] && tokens[1] != tokens[2] && tokens[0] != tokens[2]);
    assert_eq!(
        &tokens[..2],
        &first
            .lines()
            .filter(|l| l.starts_with("A="))
            .collect::<Vec<_>>()[..]
    );
}

/// A value changed in place takes the token of another version sharing the data key
/// (the other side of a merge) when that version holds the same value, so the merged
/// file's diff against that side does not show the value.
#[test]
fn reencrypting_takes_a_changed_value_from_another_version() {
    let key = Key::from_bytes([6; 32]);
    let base = seal("A=1\nB=2\n", &key);
    let prev = decrypt(&base, &key).unwrap();
    let theirs = reencrypt("A=1\nB=3\n", &key, &prev, &[]);
    let theirs_opened = decrypt(&theirs, &key).unwrap();
    let merged = reencrypt("A=1\nB=3\n", &key, &prev, &[&theirs_opened]);
    assert_eq!(merged, theirs);
}

#[test]
fn deterministic_with_fixed_randomness() {
    let key = Key::from_bytes([7; 32]);
    let doc = dotenv::parse("A=1\n").unwrap();
    let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let a = encrypt(
        &doc,
        &key,
        None,
        Options::default(),
        now,
        &mut fixed_random(),
    )
    .unwrap();
    let b = encrypt(
        &doc,
        &key,
        None,
        Options::default(),
        now,
        &mut fixed_random(),
    )
    .unwrap();
    assert_eq!(a, b);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// The shared dotenv generator (`crate::dotenv::arbitrary`), at a size whose cases
    /// stay cheap.
    fn text() -> impl Strategy<Value = String> {
        crate::dotenv::arbitrary::dotenv_text_of(0..30)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(150))]
        /// A file whose text the caller gives away ([`decrypt_owned`], what `encrypt`
        /// over a large output uses) opens as [`decrypt_with`] opens it: the same
        /// plaintext, the same text and body, and re-encrypting a changed document
        /// over either (same random bytes) writes the same file, so the same tokens
        /// are reused.
        #[test]
        fn an_owned_open_is_the_borrowed_open(
            a in crate::dotenv::arbitrary::dotenv_file_of(0..20),
            b in crate::dotenv::arbitrary::dotenv_file_of(0..20),
        ) {
            let key = Key::from_bytes([6; 32]);
            let (Ok(old), Ok(new)) = (dotenv::parse(&a), dotenv::parse(&b)) else {
                return Ok(());
            };
            let sealed = encrypt(&old, &key, None, Options::default(), Utc::now(), &mut fixed_random()).unwrap();
            let borrowed = decrypt_with(&sealed, &[&key]).unwrap();
            let owned = decrypt_owned(sealed.clone(), &[&key]).unwrap();
            prop_assert_eq!(owned.plaintext.as_str(), borrowed.plaintext.as_str());
            prop_assert_eq!(owned.text(), borrowed.text());
            prop_assert_eq!(owned.body(), borrowed.body());
            // The new document after the old one's lines, so that tokens are reused.
            let both = dotenv::parse(&format!("{a}\n{b}")).unwrap_or(new);
            let again = |prev: &Opened| {
                encrypt(&both, &key, Some(prev), Options::default(), Utc::now(), &mut fixed_random()).unwrap()
            };
            prop_assert_eq!(again(&owned), again(&borrowed));
        }

        #[test]
        fn encrypt_then_decrypt_is_identity(t in text()) {
            let key = Key::from_bytes([4; 32]);
            if let Ok(doc) = dotenv::parse(&t) {
                let mut r = |b: &mut [u8]| super::super::super::os_random(b);
                let sealed = encrypt(&doc, &key, None, Options::default(), Utc::now(), &mut r).unwrap();
                let opened = decrypt(&sealed, &key).unwrap();
                prop_assert_eq!(opened.plaintext.as_str(), t.as_str());
            }
        }

        /// Re-encrypting an unchanged document keeps every token (the walk over the
        /// previous body and plaintext in step agrees with the decoder on every line
        /// shape): the file comes back byte for byte.
        #[test]
        fn reencrypting_an_unchanged_document_gives_the_same_file(
            t in crate::dotenv::arbitrary::dotenv_file_of(0..30),
            comments in any::<bool>(),
        ) {
            let key = Key::from_bytes([4; 32]);
            if let Ok(doc) = dotenv::parse(&t) {
                let opts = Options { encrypt_comments: comments };
                let mut r = |b: &mut [u8]| super::super::super::os_random(b);
                let sealed = encrypt(&doc, &key, None, opts, Utc::now(), &mut r).unwrap();
                let prev = decrypt(&sealed, &key).unwrap();
                let again = encrypt(&doc, &key, Some(&prev), opts, Utc::now(), &mut r).unwrap();
                prop_assert_eq!(again, sealed);
            }
        }

        /// The decoder's shortcut for plain prefixes reads the key the dotenv parser
        /// reads.
        #[test]
        fn simple_key_agrees_with_the_parser(t in text()) {
            if let Some(k) = simple_key(&t) {
                let line = format!("{t}x");
                prop_assert_eq!(dotenv::line_key(&line), Ok(Some(k)));
            }
        }

        #[test]
        fn decoder_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let key = Key::from_bytes([4; 32]);
            let mut t = b"#envseal:v1 bom=0\n".to_vec();
            t.extend(bytes);
            if let Ok(s) = String::from_utf8(t) {
                let _ = decrypt(&s, &key);
            }
        }
    }
}

/// Known-answer vectors in `fixtures/vectors/v1/*.json`, a fixed master key, data key,
/// time and nonces each. `UPDATE_VECTORS=1 cargo test --lib known_answer` rewrites the
/// expected output (review the diff: a change means the format changed).
mod known_answer {
    use super::*;
    use std::path::PathBuf;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/vectors/v1")
    }

    #[test]
    fn vectors_match() {
        let mut checked = 0;
        let mut paths: Vec<_> = std::fs::read_dir(dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for path in paths
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
        {
            let text = std::fs::read_to_string(&path).unwrap();
            let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let key = Key::from_text(v["master_key"].as_str().unwrap()).unwrap();
            assert_eq!(key.id().as_str(), v["key_id"].as_str().unwrap(), "{path:?}");
            let plaintext = v["plaintext"].as_str().unwrap().to_owned();
            let now = DateTime::parse_from_rfc3339(v["created"].as_str().unwrap())
                .unwrap()
                .with_timezone(&Utc);
            // Random bytes are consumed in this order: data key, wrap nonce, then one
            // nonce per encrypted entry in document order.
            let mut stream = hex(v["data_key"].as_str().unwrap());
            stream.extend(hex(v["wrap_nonce"].as_str().unwrap()));
            for n in v["value_nonces"].as_array().unwrap() {
                stream.extend(hex(n.as_str().unwrap()));
            }
            let mut pos = 0;
            let mut random = |buf: &mut [u8]| {
                buf.copy_from_slice(&stream[pos..pos + buf.len()]);
                pos += buf.len();
                Ok(())
            };
            let doc = dotenv::parse(&plaintext).unwrap();
            let sealed = encrypt(&doc, &key, None, Options::default(), now, &mut random).unwrap();
            if std::env::var_os("UPDATE_VECTORS").is_some() {
                v["encrypted"] = serde_json::Value::String(sealed.clone());
                std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
            } else {
                assert_eq!(
                    sealed,
                    v["encrypted"].as_str().unwrap(),
                    "{path:?}: encrypt differs"
                );
            }
            assert_eq!(pos, stream.len(), "{path:?}: every listed nonce is used");
            let opened = decrypt(&sealed, &key).unwrap();
            assert_eq!(opened.plaintext.as_str(), plaintext);
            checked += 1;
        }
        assert!(checked >= 3, "expected the vectors in {:?}", dir());
    }
}

/// Pins the exact bytes `encrypt` writes (fixed randomness and time) for a file with
/// every line shape: the hot-path rewrite (scratch buffers, one output buffer, MAC
/// placeholder) must not change a single byte. The digests were taken from the
/// implementation before that rewrite.
#[test]
fn output_bytes_are_pinned() {
    use sha2::Digest;
    let text = "\u{feff}# plain\r\nA=1\r\nexport B = 'two' # c\n\n  \nBARE\nnot assignment\n\
                #OLD_PASSWORD=x\n'q k'=v\nM=\"multi\nline\"\nT=`back\ntick`\rLAST=no newline";
    let key = Key::from_bytes([7; 32]);
    let doc = dotenv::parse(text).unwrap();
    let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let mut digests = Vec::new();
    for encrypt_comments in [false, true] {
        let opts = Options { encrypt_comments };
        let sealed = encrypt(&doc, &key, None, opts, now, &mut fixed_random()).unwrap();
        assert_eq!(decrypt(&sealed, &key).unwrap().plaintext.as_str(), text);
        let hex: String = sha2::Sha256::digest(sealed.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        digests.push(hex);
    }
    assert_eq!(
        digests,
        [
            "497c1a546d2c33834b59744f443066085e0d523fb64cf16b3b90c44444e36715",
            "2b38f5c709778abb725041b2fc495e8a034d5f8d363e5c915c1499dca815611e",
        ]
    );
}

#[test]
fn plaintext_only_decrypt_agrees_with_full_decrypt() {
    let key = Key::from_bytes([9; 32]);
    let text = "\u{feff}# c\r\nA=1\nexport B = 'two'\n\nC=\n#D=x\nBARE\nM=\"a\nb\"";
    let sealed = seal(text, &key);
    assert_eq!(decrypt_plaintext(&sealed, &key).unwrap().as_str(), text);
    let bytes = sealed.as_bytes();
    for i in 0..bytes.len() {
        let mut t = bytes.to_vec();
        t[i] ^= 0x01;
        let Ok(s) = String::from_utf8(t) else {
            continue;
        };
        assert_eq!(
            decrypt(&s, &key).map(|o| o.plaintext.to_string()).ok(),
            decrypt_plaintext(&s, &key).map(|p| p.to_string()).ok(),
            "byte {i}"
        );
    }
    let wrong = Key::from_bytes([1; 32]);
    assert!(matches!(
        decrypt_plaintext(&sealed, &wrong),
        Err(FormatError::WrongKey { .. })
    ));
}

#[test]
fn simple_key_reads_only_plain_prefixes() {
    for (prefix, key) in [
        ("A=", Some("A")),
        ("export A_1.b=", Some("A_1.b")),
        ("export=", Some("export")),
        ("export export=", Some("export")),
        ("exportA=", Some("exportA")),
        ("=", None),
        ("export =", None),
        ("A =", None),
        (" A=", None),
        ("'A'=", None),
        ("A-B=", None),
        ("é=", None),
    ] {
        assert_eq!(simple_key(prefix), key, "{prefix:?}");
        if let Some(k) = key {
            assert_eq!(dotenv::line_key(&format!("{prefix}x")), Ok(Some(k)));
        }
    }
}

#[test]
fn rfind_token_is_rfind() {
    for s in [
        "",
        "[",
        "ENC[v1:",
        "A=ENC[v1:abc]",
        "A=ENC[v1:x[y]",
        "ENC[v1:ENC[v1:",
        "NC[v1:",
        "[[[ENC[v1:a]ENC[x",
        "é=ENC[v1:ü[",
    ] {
        assert_eq!(rfind_token(s), s.rfind(TOKEN_OPEN), "{s:?}");
    }
}

#[test]
fn secret_text_grows_without_losing_bytes() {
    let mut t = SecretText::with_capacity(1);
    for piece in ["ab", "", "cdefgh", "\u{feff}", "ij"] {
        t.push_str(piece);
    }
    assert_eq!(t.0.as_str(), "abcdefgh\u{feff}ij");
}

/// Files of several decoder chunks are decrypted on two threads while a third checks
/// the MAC: a change anywhere must still fail, and with the MAC error, not a value's.
#[test]
fn large_files_check_the_mac_in_parallel() {
    let key = Key::from_bytes([6; 32]);
    let mut text = String::new();
    for i in 0..12_000 {
        text.push_str(&format!(
            "# comment {i}\nKEY_{i}=value-{i}-{}\n",
            "x".repeat(10)
        ));
    }
    let sealed = seal(&text, &key);
    assert!(sealed.len() > stream::CHUNK);
    assert_eq!(decrypt(&sealed, &key).unwrap().plaintext.as_str(), text);
    assert_eq!(decrypt_plaintext(&sealed, &key).unwrap().as_str(), text);
    let bytes = sealed.as_bytes();
    let n = bytes.len();
    for i in [n / 3, n / 2, n - 5, 200] {
        let mut t = bytes.to_vec();
        t[i] ^= 0x01;
        let s = String::from_utf8(t).unwrap();
        for r in [
            decrypt(&s, &key).map(|_| ()),
            decrypt_plaintext(&s, &key).map(|_| ()),
        ] {
            match r {
                Err(FormatError::Integrity(m)) => {
                    assert!(m.contains("MAC") || i == 200, "byte {i}: {m}")
                }
                other => panic!("byte {i}: {other:?}"),
            }
        }
    }
    // A comment edited: only the MAC can see it.
    let edited = sealed.replacen("# comment 5000\n", "# comment 5001\n", 1);
    assert!(matches!(
        decrypt_plaintext(&edited, &key),
        Err(FormatError::Integrity(_))
    ));
}

/// The decoder cuts a large body into chunks decrypted on two threads: whatever the
/// terminators and line shapes around the cuts, the plaintext is the file's, in both
/// modes (keeping entries for re-encryption or not).
#[test]
fn chunked_decrypt_gives_the_whole_plaintext() {
    let key = Key::from_bytes([8; 32]);
    let unit = "A=1\r\nB=\"multi\r\nline\"\r# c\rexport C = 'x' # note\n\nBARE\n#OLD=secret\n";
    for shift in ["", "X=1\n", "Y=22\r", "Z=333\r\n"] {
        let text = format!("\u{feff}{shift}{}T=`tick\ntock`", unit.repeat(5000));
        let sealed = seal(&text, &key);
        assert!(sealed.len() > 2 * stream::CHUNK);
        assert_eq!(decrypt_plaintext(&sealed, &key).unwrap().as_str(), text);
        assert_eq!(decrypt(&sealed, &key).unwrap().plaintext.as_str(), text);
    }
}

#[test]
fn check_structure_accepts_every_sealed_shape_and_refuses_hand_edits() {
    let key = Key::from_bytes([5; 32]);
    for text in [
        "",
        "\n\n",
        "\u{feff}A=1\r\nB='x\r\ny' # c\r\n# plain\r\n#OLD=hunter2\rlol$wut\nC",
        "export K = \"v\\\"w\"  # trailing\n  \n",
        "A=hunter2\nB=\"multi\n#hunter3\nline\"\n#OLD_PASSWORD=hunter4\nhunter5\n# keep me\n",
        "a: b\nDB_PASSWORD: pw\n\t# tabbed comment\nE=\n",
    ] {
        let sealed = seal(text, &key);
        check_structure(&sealed).unwrap_or_else(|e| panic!("{e}: {sealed}"));
    }
    let sealed = seal("A=1\nB=2\n", &key);
    let mut lines: Vec<&str> = sealed.split_inclusive('\n').collect();
    let n = lines.len();
    lines.insert(n - 1, "<<<<<<< HEAD\n");
    assert!(check_structure(&lines.concat()).is_err());
    assert!(check_structure(&format!("{sealed}=======\n")).is_err());
    assert!(check_structure(&format!("{sealed}C=plain-value\n")).is_err());
    assert!(check_structure(&format!("{sealed}C=ENC[v1:not base64!]\n")).is_err());
    assert!(check_structure(&sealed.replacen("bom=0", "bom=2", 1)).is_err());
}
