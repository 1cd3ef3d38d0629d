//! Fernet spec vectors (`../shared/vectors/fernet/`, from github.com/fernet/spec) and our
//! own known-answer vector (`fixtures/fernet/`, made with Python `cryptography`).

use std::fs;

use base64::Engine;
use envseal::format::fernet;
use envseal::key::Key;
use serde_json::Value;

use crate::common::{exit_code, Code};
use crate::common::{fixtures, shared_dir, Sandbox};

fn vectors(name: &str) -> Option<Vec<Value>> {
    let dir = shared_dir("vectors/fernet")?;
    let v: Value =
        serde_json::from_slice(&fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")))
            .expect("vector file is JSON");
    let list = v.as_array().expect("a list of vectors").clone();
    assert!(!list.is_empty(), "{name} holds no vectors");
    Some(list)
}

fn epoch(rfc3339: &str) -> u64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("vector time")
        .timestamp() as u64
}

fn field<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str()
        .unwrap_or_else(|| panic!("vector lacks {k}: {v}"))
}

fn check_decrypts_to_src(file: &str) {
    let Some(list) = vectors(file) else {
        return;
    };
    for v in list {
        let key = Key::from_text(field(&v, "secret")).expect("spec key parses");
        let token = field(&v, "token");
        let plain = fernet::decrypt(token.as_bytes(), &key)
            .unwrap_or_else(|e| panic!("{file}: {token}: {e}"));
        assert_eq!(plain.as_slice(), field(&v, "src").as_bytes(), "{file}");
        // The token was made at (generate) or just before (verify) the vector's "now".
        let ts = fernet::timestamp(token.as_bytes()).expect("timestamp");
        let now = epoch(field(&v, "now"));
        assert!(
            ts <= now && now - ts <= 60,
            "{file}: timestamp {ts} vs now {now}"
        );
        if let Some(iv) = v["iv"].as_array() {
            let raw = base64::engine::general_purpose::URL_SAFE
                .decode(token)
                .expect("token base64");
            let iv: Vec<u8> = iv.iter().map(|b| b.as_u64().unwrap() as u8).collect();
            assert_eq!(&raw[9..25], iv.as_slice(), "{file}: IV");
        }
    }
}

#[test]
fn spec_generate_vectors_decrypt() {
    check_decrypts_to_src("generate.json");
}

#[test]
fn spec_verify_vectors_decrypt() {
    check_decrypts_to_src("verify.json");
}

/// Invalid vectors that are invalid only because of time. envseal ignores a token's
/// timestamp, as Python's `Fernet.decrypt(token)` does without a `ttl` (the legacy tool
/// never passed one, and an encrypted .env is meant to be read long after it was written),
/// so these DECRYPT — to the empty message they hold, as `cryptography` 48 also reads
/// them. Every other invalid vector must fail.
const TIME_ONLY: &[&str] = &["far-future TS (unacceptable clock skew)", "expired TTL"];

#[test]
fn spec_invalid_vectors_fail_except_time_only_ones() {
    let Some(list) = vectors("invalid.json") else {
        return;
    };
    let mut seen_time_only = Vec::new();
    for v in &list {
        let desc = field(v, "desc");
        let key = Key::from_text(field(v, "secret")).expect("spec key parses");
        let token = field(v, "token");
        let result = fernet::decrypt(token.as_bytes(), &key);
        if TIME_ONLY.contains(&desc) {
            // Confirm the vector really is about time: outside now ± ttl / clock skew.
            let ts = fernet::timestamp(token.as_bytes()).expect("timestamp") as i64;
            let now = epoch(field(v, "now")) as i64;
            let ttl = v["ttl_sec"].as_i64().expect("ttl_sec");
            assert!(
                ts > now + 60 || ts + ttl < now,
                "{desc}: not a time-only vector"
            );
            let plain = result.unwrap_or_else(|e| panic!("{desc}: should decrypt: {e}"));
            assert_eq!(plain.as_slice(), b"", "{desc}");
            seen_time_only.push(desc);
        } else {
            assert!(result.is_err(), "invalid vector {desc:?} decrypted");
        }
    }
    seen_time_only.sort();
    let mut want = TIME_ONLY.to_vec();
    want.sort();
    assert_eq!(
        seen_time_only, want,
        "time-only vectors missing from invalid.json"
    );
    assert!(
        list.len() > TIME_ONLY.len(),
        "no invalid vector left to fail"
    );
}

#[test]
fn spec_vectors_through_the_binary() {
    let Some(list) = vectors("generate.json") else {
        return;
    };
    let sb = Sandbox::new();
    let v = &list[0];
    let key = Key::from_text(field(v, "secret")).unwrap();
    let kf = sb.key_file("spec.key", &key);
    sb.write("spec.token", field(v, "token"));
    let run = sb.run(&["decrypt", "spec.token", "--stdout", "--key-file", &kf]);
    run.ok();
    assert_eq!(run.stdout, field(v, "src").as_bytes());
    // Another key: Fernet cannot tell a wrong key from a modified token; exit 4.
    let other = sb.key_file("other.key", &crate::common::test_key(9));
    sb.run(&["decrypt", "spec.token", "--stdout", "--key-file", &other])
        .code(exit_code(Code::WrongKey))
        .no_leak(&[field(v, "src"), field(v, "secret")]);
}

#[test]
fn own_known_answer_vector() {
    let dir = fixtures("fernet");
    let key_text = fs::read_to_string(dir.join("kat1.key")).expect("kat1.key");
    let plain = fs::read(dir.join("kat1.plain.env")).expect("kat1.plain.env");
    let token = fs::read(dir.join("kat1.token")).expect("kat1.token");
    let key = Key::from_text(&key_text).expect("kat key");
    let got = fernet::decrypt(&token, &key).expect("kat decrypts");
    assert_eq!(got.as_slice(), plain.as_slice());
    let raw = base64::engine::general_purpose::URL_SAFE
        .decode(String::from_utf8(token.clone()).unwrap().trim())
        .unwrap();
    assert_eq!(raw[0], 0x80, "version byte");
    assert_eq!(fernet::timestamp(&token), Some(1_767_225_600));
    assert_eq!(&raw[9..25], (0u8..16).collect::<Vec<_>>().as_slice(), "IV");

    let sb = Sandbox::new();
    let kf = sb.key_file("kat.key", &key);
    sb.write("kat1.token", &token);
    let run = sb.run(&["decrypt", "kat1.token", "--stdout", "--key-file", &kf]);
    run.ok();
    assert_eq!(run.stdout, plain);
}
