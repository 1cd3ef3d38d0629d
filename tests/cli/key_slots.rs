//! The key-slot joint in the v1 header: every slot line survives re-encryption (`encrypt`,
//! `edit`, `set`), `rotate` refuses rather than drop a slot it cannot re-wrap, the MAC
//! covers every slot line, and the library's add / remove / rewrap keep the file's shape.
//!
//! A slot of a kind this build does not know (`type=future-kms`) is written through the
//! library's own `add_slot` (so its MAC is valid); a test kind that can wrap and unwrap
//! (`type=test-sym`, a second symmetric key) exercises remove and rewrap.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use chrono::{DateTime, Utc};
use envseal::format::v1::slot::{Identity, Recipient, SlotError, SlotLine};
use envseal::format::v1::{self, DataKey, Options};
use envseal::format::{os_random, FormatError};
use envseal::key::Key;
use zeroize::Zeroizing;

use crate::common::{test_key, Sandbox};

const ENV: &str = "# settings\nAPI_TOKEN=old-token-value-123\nDEBUG=false\n";

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-01T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// A slot kind this build does not know: it can be written (here), never opened.
pub struct Foreign;

impl Recipient for Foreign {
    fn kind(&self) -> &'static str {
        "future-kms"
    }
    fn kid(&self) -> String {
        "x".to_owned()
    }
    fn wrap(
        &self,
        _dk: &DataKey,
        created: DateTime<Utc>,
        _random: v1::Random,
    ) -> Result<SlotLine, SlotError> {
        Ok(SlotLine {
            kind: "future-kms".to_owned(),
            kid: "x".to_owned(),
            created,
            extra: vec![("name".to_owned(), "ops".to_owned())],
            wrap: vec![7; 40],
        })
    }
}

/// A second kind that can wrap and unwrap: AES-256-GCM under its own 32-byte key.
struct TestSym([u8; 32], &'static str);

impl Recipient for TestSym {
    fn kind(&self) -> &'static str {
        "test-sym"
    }
    fn kid(&self) -> String {
        self.1.to_owned()
    }
    fn wrap(
        &self,
        dk: &DataKey,
        created: DateTime<Utc>,
        random: v1::Random,
    ) -> Result<SlotLine, SlotError> {
        let mut nonce = [0u8; 12];
        random(&mut nonce).map_err(|e| SlotError::Internal(e.to_string()))?;
        let ct = Aes256Gcm::new(&self.0.into())
            .encrypt(Nonce::from_slice(&nonce), &dk.expose_bytes()[..])
            .unwrap();
        Ok(SlotLine {
            kind: "test-sym".to_owned(),
            kid: self.1.to_owned(),
            created,
            extra: Vec::new(),
            wrap: [&nonce[..], &ct].concat(),
        })
    }
}

impl Identity for TestSym {
    fn kind(&self) -> &'static str {
        "test-sym"
    }
    fn kid(&self) -> String {
        self.1.to_owned()
    }
    fn source(&self) -> String {
        "the test".to_owned()
    }
    fn unwrap(&self, slot: &SlotLine) -> Result<DataKey, SlotError> {
        let refused = || SlotError::Refused {
            slot: slot.describe(),
            why: "does not decrypt".to_owned(),
        };
        let (nonce, ct) = slot.wrap.split_at(12.min(slot.wrap.len()));
        let pt = Aes256Gcm::new(&self.0.into())
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| refused())?;
        let arr: [u8; 32] = pt.as_slice().try_into().map_err(|_| refused())?;
        Ok(DataKey::from_bytes(Zeroizing::new(arr)))
    }
}

fn random() -> impl FnMut(&mut [u8]) -> Result<(), FormatError> {
    |b: &mut [u8]| os_random(b)
}

fn slot_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("#envseal:key "))
        .map(str::to_owned)
        .collect()
}

fn foreign_line(text: &str) -> String {
    slot_lines(text)
        .into_iter()
        .find(|l| l.contains("type=future-kms"))
        .unwrap_or_else(|| panic!("no foreign slot in:\n{text}"))
}

/// `.env.encrypted` under `key` with a foreign slot added through the library.
fn with_foreign_slot(sb: &Sandbox, key: &Key) -> String {
    let text = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    let added = v1::add_slot(&text, &[key], &Foreign, now(), &mut random()).unwrap();
    sb.write(".env.encrypted", &added);
    foreign_line(&added)
}

#[test]
fn every_slot_line_survives_encrypt_edit_and_set() {
    let sb = Sandbox::new();
    let key = test_key(90);
    let kf = sb.key_file("k.key", &key);
    sb.write(".env", ENV);
    sb.run(&["encrypt", "-q", "--key-file", &kf]).ok();
    let foreign = with_foreign_slot(&sb, &key);
    let master = slot_lines(&String::from_utf8(sb.read(".env.encrypted")).unwrap())[0].clone();

    // encrypt again after a change to .env: the file is re-encrypted in place.
    sb.write(".env", ENV.replace("false", "true"));
    sb.run(&["encrypt", "-q", "--key-file", &kf, "--force"])
        .ok();
    let after = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    assert_eq!(slot_lines(&after), [master.clone(), foreign.clone()]);

    // edit
    let ed = sb.write(
        "editor.sh",
        "#!/bin/sh\nsed -i 's/old-token-value-123/new-token-value-456/' \"$1\"\n",
    );
    fs::set_permissions(&ed, fs::Permissions::from_mode(0o755)).unwrap();
    let editor = ed.display().to_string();
    sb.run_env(
        &["edit", "--key-file", &kf],
        &[("EDITOR", &editor), ("VISUAL", "")],
    )
    .ok();
    let after = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    assert_eq!(slot_lines(&after), [master.clone(), foreign.clone()]);

    // set
    sb.write("value.txt", "set-value-789\n");
    sb.run(&[
        "set",
        "NEW_KEY",
        "--from-file",
        "value.txt",
        "--key-file",
        &kf,
    ])
    .ok();
    let after = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    assert_eq!(slot_lines(&after), [master, foreign]);
    let run = sb.run(&["decrypt", "--stdout", "--key-file", &kf]);
    run.ok();
    let plain = run.stdout_text();
    assert!(plain.contains("API_TOKEN=new-token-value-456\n"), "{plain}");
    assert!(plain.contains("DEBUG=true\n"), "{plain}");
    assert!(plain.contains("NEW_KEY='set-value-789\n'"), "{plain}");
}

#[test]
fn rotate_refuses_to_drop_a_slot_it_cannot_rewrap_and_names_it() {
    let sb = Sandbox::new();
    let key = test_key(91);
    let kf = sb.key_file("k.key", &key);
    sb.write(".env", ENV);
    sb.run(&["encrypt", "-q", "--key-file", &kf]).ok();
    with_foreign_slot(&sb, &key);
    let before = sb.read(".env.encrypted");
    let run = sb.run(&[
        "rotate",
        ".env.encrypted",
        "--key-file",
        &kf,
        "--new-key-file",
        "new.key",
        "--force",
    ]);
    run.code(8);
    assert!(
        run.stderr.contains("future-kms slot x (ops)"),
        "{}",
        run.stderr
    );
    assert_eq!(sb.read(".env.encrypted"), before, "changed before refusing");
    assert!(
        !sb.path("new.key").exists(),
        "a new key was made before refusing"
    );
}

#[test]
fn a_wrong_key_message_names_every_slot() {
    let sb = Sandbox::new();
    let key = test_key(92);
    let kf = sb.key_file("k.key", &key);
    let other = sb.key_file("other.key", &test_key(93));
    sb.write(".env", ENV);
    sb.run(&["encrypt", "-q", "--key-file", &kf]).ok();
    with_foreign_slot(&sb, &key);
    let run = sb.run(&["decrypt", "--stdout", "--key-file", &other]);
    run.code(4);
    assert!(run.stderr.contains(key.id().as_str()), "{}", run.stderr);
    assert!(
        run.stderr.contains("future-kms slot x (ops)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(test_key(93).id().as_str()),
        "{}",
        run.stderr
    );
}

#[test]
fn adding_removing_or_altering_a_slot_line_by_hand_is_an_integrity_failure() {
    let sb = Sandbox::new();
    let key = test_key(94);
    let kf = sb.key_file("k.key", &key);
    sb.write(".env", ENV);
    sb.run(&["encrypt", "-q", "--key-file", &kf]).ok();
    let plain_file = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    let foreign = with_foreign_slot(&sb, &key);
    let with_slot = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    let mac_line = |t: &str| {
        t.lines()
            .find(|l| l.starts_with("#envseal:mac"))
            .unwrap()
            .to_owned()
    };
    let cases = [
        // removed, keeping the MAC of the file that had it
        with_slot.replace(&format!("{foreign}\n"), ""),
        // added, keeping the MAC of the file without it
        plain_file.replacen(
            &format!("{}\n", mac_line(&plain_file)),
            &format!("{foreign}\n{}\n", mac_line(&plain_file)),
            1,
        ),
        // altered
        with_slot.replace("kid=x ", "kid=y "),
        with_slot.replace("name=ops", "name=dev"),
    ];
    for (i, case) in cases.iter().enumerate() {
        assert_ne!(case, &with_slot, "case {i} changed nothing");
        sb.write("case.encrypted", case);
        let run = sb.run(&["decrypt", "case.encrypted", "--stdout", "--key-file", &kf]);
        run.code(5);
        assert!(run.stdout.is_empty(), "case {i}");
    }
}

#[test]
fn add_slot_changes_the_slot_and_mac_lines_only() {
    let key = test_key(95);
    let doc = envseal::dotenv::parse(ENV).unwrap();
    let sealed = v1::encrypt(&doc, &key, None, Options::default(), now(), &mut random()).unwrap();
    let other = TestSym([3; 32], "sym-a");
    let added = v1::add_slot(&sealed, &[&key], &other, now(), &mut random()).unwrap();
    let (a, b): (Vec<&str>, Vec<&str>) = (sealed.lines().collect(), added.lines().collect());
    assert_eq!(b.len(), a.len() + 1);
    // magic, master slot: unchanged; then the new slot; the MAC; the body unchanged.
    assert_eq!(a[..2], b[..2]);
    assert!(b[2].starts_with("#envseal:key type=test-sym kid=sym-a "));
    assert_ne!(a[2], b[3]);
    assert_eq!(a[3..], b[4..]);
    // Either slot opens it to the same plaintext.
    let by_master = v1::decrypt_plaintext(&added, &key).unwrap();
    let by_other = v1::decrypt_plaintext_with(&added, &[&other]).unwrap();
    assert_eq!(*by_master, ENV);
    assert_eq!(*by_other, ENV);
    // Adding it twice is refused.
    assert!(v1::add_slot(&added, &[&key], &other, now(), &mut random()).is_err());
}

#[test]
fn remove_slots_rewraps_the_rest_and_never_drops_one_silently() {
    let key = test_key(96);
    let (a, b) = (TestSym([4; 32], "sym-a"), TestSym([5; 32], "sym-b"));
    let doc = envseal::dotenv::parse(ENV).unwrap();
    let recipients: [&dyn Recipient; 3] = [&key, &a, &b];
    let sealed = v1::seal(&doc, &recipients, Options::default(), now(), &mut random()).unwrap();
    assert_eq!(slot_lines(&sealed).len(), 3);
    let gone_b = |s: &SlotLine| s.kid == "sym-b";
    // The remaining recipients must be given: a staying slot without one is refused.
    let missing: [&dyn Recipient; 1] = [&key];
    let err = v1::remove_slots(
        &sealed,
        &[&a],
        &gone_b,
        &missing,
        Options::default(),
        now(),
        &mut random(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("test-sym slot sym-a"), "{err}");
    let later = now() + chrono::Duration::days(3);
    let remaining: [&dyn Recipient; 2] = [&key, &a];
    let removed = v1::remove_slots(
        &sealed,
        &[&a],
        &gone_b,
        &remaining,
        Options::default(),
        later,
        &mut random(),
    )
    .unwrap();
    let kept = slot_lines(&removed);
    assert_eq!(kept.len(), 2);
    // Each remaining slot keeps its time (the master key's age is unchanged).
    assert!(kept
        .iter()
        .all(|l| l.contains("created=2026-06-01T12:00:00Z")));
    assert_eq!(*v1::decrypt_plaintext(&removed, &key).unwrap(), ENV);
    assert_eq!(*v1::decrypt_plaintext_with(&removed, &[&a]).unwrap(), ENV);
    // The removed slot's identity no longer opens it, and no value's ciphertext is kept.
    assert!(matches!(
        v1::decrypt_plaintext_with(&removed, &[&b]),
        Err(FormatError::WrongKey { .. })
    ));
    let token = |t: &str| {
        t.lines()
            .find(|l| l.starts_with("API_TOKEN="))
            .unwrap()
            .to_owned()
    };
    assert_ne!(token(&sealed), token(&removed));

    // rewrap: a new master key, the other slot re-wrapped, every slot created now.
    let new_key = test_key(97);
    let recipients: [&dyn Recipient; 2] = [&new_key, &a];
    let rewrapped = v1::rewrap(
        &removed,
        &[&key],
        &recipients,
        Options::default(),
        later,
        &mut random(),
    )
    .unwrap();
    assert_eq!(*v1::decrypt_plaintext(&rewrapped, &new_key).unwrap(), ENV);
    assert_eq!(*v1::decrypt_plaintext_with(&rewrapped, &[&a]).unwrap(), ENV);
    assert!(v1::decrypt_plaintext(&rewrapped, &key).is_err());
    assert!(slot_lines(&rewrapped)
        .iter()
        .all(|l| l.contains("created=2026-06-04T12:00:00Z")));
}

#[test]
fn a_slot_is_chosen_by_key_id_not_by_trying_each_identity() {
    // An identity whose kid names no slot is never asked to unwrap: with a wrong-kid
    // identity first and the right one second, the file opens through the right one.
    let key = test_key(98);
    let a = TestSym([6; 32], "sym-a");
    let decoy = TestSym([6; 32], "sym-decoy"); // the same secret under another kid
    let doc = envseal::dotenv::parse(ENV).unwrap();
    let recipients: [&dyn Recipient; 2] = [&key, &a];
    let sealed = v1::seal(&doc, &recipients, Options::default(), now(), &mut random()).unwrap();
    match v1::decrypt_plaintext_with(&sealed, &[&decoy]) {
        Err(FormatError::WrongKey { file, given }) => {
            assert_eq!(
                file,
                vec![key.id().to_string(), "test-sym slot sym-a".to_owned()]
            );
            assert_eq!(given, vec!["sym-decoy".to_owned()]);
        }
        r => panic!("expected WrongKey, got {:?}", r.map(|_| ())),
    }
    assert_eq!(
        *v1::decrypt_plaintext_with(&sealed, &[&decoy, &a]).unwrap(),
        ENV
    );
}

#[test]
fn a_fernet_file_is_opened_through_the_same_candidate_identities() {
    use envseal::format::fernet;
    let (wrong, right) = (test_key(99), test_key(100));
    let token = fernet::encrypt(ENV.as_bytes(), &right);
    let other_kind = TestSym([7; 32], "sym-a");
    // Each master key is tried in order; an identity of another kind is skipped.
    let (plain, i) =
        fernet::open(token.clone().into_bytes(), &[&other_kind, &wrong, &right]).unwrap();
    assert_eq!((plain.as_slice(), i), (ENV.as_bytes(), 2));
    // No key verifies: the error is about the last key tried.
    let err = fernet::open(token.clone().into_bytes(), &[&wrong, &other_kind]).unwrap_err();
    assert!(
        matches!(err.error, FormatError::FernetAuth { .. }),
        "{err:?}"
    );
    assert_eq!(err.identity, Some(0));
    // Only identities that cannot open a Fernet file: said so, not "wrong key".
    let err = fernet::open(token.into_bytes(), &[&other_kind]).unwrap_err();
    assert!(matches!(err.error, FormatError::Slot(_)), "{err:?}");
}

#[test]
fn an_internal_failure_is_not_reported_as_a_modified_file() {
    let e = anyhow::Error::new(FormatError::Internal(
        "a decryption thread failed".to_owned(),
    ));
    let code = envseal::exit::code_for(&e);
    assert_ne!(code, envseal::exit::Code::Integrity);
    assert!(!e.to_string().contains("modified"), "{e}");
    assert!(e.to_string().starts_with("internal error"), "{e}");
}
