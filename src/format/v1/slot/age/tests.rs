//! age and ssh slots against real keys (`ssh-keygen -N ''`) and the real `age` command.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use zeroize::Zeroizing;

use super::*;
use crate::format::FormatError;

pub(crate) fn created() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub(crate) fn dk(byte: u8) -> DataKey {
    DataKey::from_bytes(Zeroizing::new([byte; 32]))
}

fn no_random(_: &mut [u8]) -> Result<(), FormatError> {
    panic!("age slots draw their own randomness")
}

pub(crate) fn wrap(r: &dyn Recipient, key: &DataKey) -> SlotLine {
    r.wrap(key, created(), &mut no_random).unwrap()
}

/// A new OpenSSH key pair made by the real `ssh-keygen` (no passphrase): (private, .pub).
pub(crate) fn ssh_keygen(dir: &Path, kind: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("id_{kind}"));
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-t", kind, "-N", "", "-C", "test@envseal", "-f"])
        .arg(&key);
    if kind == "rsa" {
        cmd.args(["-b", "2048"]);
    }
    let st = cmd.stdin(Stdio::null()).status().expect("ssh-keygen runs");
    assert!(st.success());
    let public = key.with_extension("pub");
    (key, public)
}

/// The real `age` command, or `None` (a skip, said on stderr) outside CI; under
/// `CI=true` a missing `age` fails the test.
pub(crate) fn age_command() -> Option<&'static str> {
    let found = Command::new("age")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return Some("age");
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the `age` command is missing (Debian package `age`; .ci/run installs it)");
    }
    eprintln!("skipping: the `age` command is not installed (apt-get install age)");
    None
}

/// `age -d -i identity` on `wrap`, its stdout.
fn age_decrypt(age: &str, identity: &Path, wrap: &[u8], dir: &Path) -> Vec<u8> {
    let file = dir.join("wrap.age");
    std::fs::write(&file, wrap).unwrap();
    let out = Command::new(age)
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg(&file)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "age -d: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `age <args>` encrypting `plain`, the binary age file.
fn age_encrypt(age: &str, args: &[&std::ffi::OsStr], plain: &[u8], dir: &Path) -> Vec<u8> {
    let input = dir.join("plain.bin");
    let output = dir.join("out.age");
    let _ = std::fs::remove_file(&output);
    std::fs::write(&input, plain).unwrap();
    let st = Command::new(age)
        .args(args)
        .arg("-o")
        .arg(&output)
        .arg(&input)
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::read(&output).unwrap()
}

fn age_identity_file(dir: &Path) -> (AgeIdentity, PathBuf) {
    let id = AgeIdentity::generate("test");
    let path = dir.join("id.txt");
    std::fs::write(
        &path,
        format!(
            "# created: test\n# public key: {}\n{}\n",
            id.kid(),
            *id.expose_text()
        ),
    )
    .unwrap();
    (id, path)
}

fn ssh_identity(path: &Path) -> SshIdentity {
    let text = std::fs::read_to_string(path).unwrap();
    match SshIdentity::parse(&text, path.display().to_string()).unwrap() {
        SshKeyFile::Key(id) => id,
        _ => panic!("an unencrypted key"),
    }
}

fn ssh_recipient(public: &Path, name: Option<&str>) -> SshRecipient {
    SshRecipient::parse(&std::fs::read_to_string(public).unwrap(), name).unwrap()
}

#[test]
fn age_slot_round_trips_and_names_its_recipient() {
    let id = AgeIdentity::generate("test");
    let r = AgeRecipient::parse(&id.kid(), Some("alice")).unwrap();
    let slot = wrap(&r, &dk(7));
    assert_eq!(slot.kind, "age");
    assert!(slot.kid.starts_with("age1"));
    assert_eq!(slot.kid, id.kid());
    assert_eq!(slot.field("name"), Some("alice"));
    assert_eq!(id.unwrap(&slot).unwrap().expose_bytes(), &[7; 32]);
    // The wrap is a binary age file.
    assert!(slot.wrap.starts_with(b"age-encryption.org/v1\n-> X25519 "));
}

#[test]
fn ssh_ed25519_and_rsa_slots_round_trip_with_the_ssh_keygen_fingerprint_as_kid() {
    let dir = tempfile::tempdir().unwrap();
    for kind in ["ed25519", "rsa"] {
        let (private, public) = ssh_keygen(dir.path(), kind);
        let r = ssh_recipient(&public, None);
        let slot = wrap(&r, &dk(9));
        assert_eq!(slot.kind, "ssh");
        // `ssh-keygen -l -f key.pub` prints `2048 SHA256:... comment (RSA)`.
        let out = Command::new("ssh-keygen")
            .args(["-l", "-E", "sha256", "-f"])
            .arg(&public)
            .output()
            .unwrap();
        let printed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            slot.kid,
            printed.split_whitespace().nth(1).unwrap(),
            "{kind}"
        );
        let prefix = if kind == "rsa" {
            "ssh-rsa:"
        } else {
            "ssh-ed25519:"
        };
        assert!(slot.field("recipient").unwrap().starts_with(prefix));
        let id = ssh_identity(&private);
        assert_eq!(id.kid(), slot.kid);
        assert_eq!(id.unwrap(&slot).unwrap().expose_bytes(), &[9; 32], "{kind}");
        // The line is grammar-valid and parses back to itself.
        assert_eq!(SlotLine::parse(&slot.render()), Some(slot.clone()));
    }
}

#[test]
fn our_age_and_ssh_slots_open_with_the_age_command() {
    let Some(age) = age_command() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (id, id_path) = age_identity_file(dir.path());
    let slot = wrap(&id.recipient(), &dk(0x5a));
    assert_eq!(
        age_decrypt(age, &id_path, &slot.wrap, dir.path()),
        [0x5a; 32]
    );
    for kind in ["ed25519", "rsa"] {
        let (private, public) = ssh_keygen(dir.path(), kind);
        let slot = wrap(&ssh_recipient(&public, None), &dk(0xa5));
        assert_eq!(
            age_decrypt(age, &private, &slot.wrap, dir.path()),
            [0xa5; 32],
            "{kind}"
        );
    }
}

#[test]
fn files_the_age_command_made_open_as_our_slots() {
    let Some(age) = age_command() else { return };
    let dir = tempfile::tempdir().unwrap();
    let plain = [0x3cu8; 32];
    let id = AgeIdentity::generate("test");
    let wrapped = age_encrypt(age, &["-r".as_ref(), id.kid().as_ref()], &plain, dir.path());
    let slot = SlotLine {
        kind: AGE.to_owned(),
        kid: id.kid(),
        created: created(),
        extra: vec![],
        wrap: wrapped,
    };
    assert_eq!(id.unwrap(&slot).unwrap().expose_bytes(), &plain);
    for kind in ["ed25519", "rsa"] {
        let (private, public) = ssh_keygen(dir.path(), kind);
        let wrapped = age_encrypt(
            age,
            &["-R".as_ref(), public.as_os_str()],
            &plain,
            dir.path(),
        );
        let r = ssh_recipient(&public, None);
        let slot = SlotLine {
            kind: SSH.to_owned(),
            kid: r.kid(),
            created: created(),
            extra: vec![("recipient".to_owned(), r.field())],
            wrap: wrapped,
        };
        let id = ssh_identity(&private);
        assert_eq!(id.unwrap(&slot).unwrap().expose_bytes(), &plain, "{kind}");
    }
    // An age file whose plaintext is not 32 bytes is refused, not truncated or padded.
    for len in [0usize, 31, 33, 64] {
        let wrapped = age_encrypt(
            age,
            &["-r".as_ref(), id.kid().as_ref()],
            &vec![1u8; len],
            dir.path(),
        );
        let slot = SlotLine {
            kind: AGE.to_owned(),
            kid: id.kid(),
            created: created(),
            extra: vec![],
            wrap: wrapped,
        };
        assert!(
            matches!(id.unwrap(&slot), Err(SlotError::Refused { .. })),
            "{len}"
        );
    }
}

#[test]
fn every_altered_byte_of_a_wrap_is_refused_never_a_panic() {
    let id = AgeIdentity::generate("test");
    let slot = wrap(&id.recipient(), &dk(1));
    for i in 0..slot.wrap.len() {
        for flip in [0x01u8, 0x80] {
            let mut bad = slot.clone();
            bad.wrap[i] ^= flip;
            match id.unwrap(&bad) {
                Err(SlotError::Refused { slot: named, .. }) => {
                    assert!(named.contains(&slot.kid))
                }
                other => panic!("byte {i} ^ {flip:#x}: {:?}", other.map(|_| ())),
            }
        }
    }
    for cut in [0, 1, 20, slot.wrap.len() - 1] {
        let mut bad = slot.clone();
        bad.wrap.truncate(cut);
        assert!(matches!(id.unwrap(&bad), Err(SlotError::Refused { .. })));
    }
    let mut longer = slot.clone();
    longer.wrap.push(0);
    assert!(matches!(id.unwrap(&longer), Err(SlotError::Refused { .. })));
}

#[test]
fn a_slot_wrapped_for_another_identity_is_refused() {
    let alice = AgeIdentity::generate("alice");
    let bob = AgeIdentity::generate("bob");
    let mut slot = wrap(&alice.recipient(), &dk(2));
    // A slot relabelled with Bob's kid (a hand edit) does not open with Bob's key.
    slot.kid = bob.kid();
    assert!(matches!(bob.unwrap(&slot), Err(SlotError::Refused { .. })));
}

#[test]
fn recipient_from_slot_rewraps_without_a_private_key() {
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = ssh_keygen(dir.path(), "ed25519");
    let ssh_slot = wrap(&ssh_recipient(&public, Some("bob_laptop")), &dk(3));
    let age_id = AgeIdentity::generate("t");
    let age_slot = wrap(
        &AgeRecipient::parse(&age_id.kid(), Some("alice@example.com")).unwrap(),
        &dk(3),
    );
    // A new data key for both slots, from the slot lines alone.
    let ssh_again = recipient_from_slot(&ssh_slot).unwrap();
    let age_again = recipient_from_slot(&age_slot).unwrap();
    let s2 = wrap(ssh_again.as_ref(), &dk(4));
    let a2 = wrap(age_again.as_ref(), &dk(4));
    assert_eq!(
        (s2.kid.as_str(), s2.field("name")),
        (ssh_slot.kid.as_str(), Some("bob_laptop"))
    );
    assert_eq!(s2.field("recipient"), ssh_slot.field("recipient"));
    assert_eq!(a2.field("name"), Some("alice@example.com"));
    assert_eq!(
        ssh_identity(&private).unwrap(&s2).unwrap().expose_bytes(),
        &[4; 32]
    );
    assert_eq!(age_id.unwrap(&a2).unwrap().expose_bytes(), &[4; 32]);
    assert_eq!(
        public_form(&ssh_slot).unwrap(),
        std::fs::read_to_string(&public)
            .unwrap()
            .rsplit_once(' ')
            .unwrap()
            .0
    );
    assert_eq!(public_form(&age_slot).unwrap(), age_id.kid());
    // A recipient= that does not match the kid (another key pasted in) is not trusted.
    let (_, other) = ssh_keygen(&dir.path().join(""), "rsa");
    let other_slot = wrap(&ssh_recipient(&other, None), &dk(3));
    let mut forged = ssh_slot.clone();
    forged.extra = other_slot.extra.clone();
    assert!(recipient_from_slot(&forged).is_none());
    let mut master = ssh_slot.clone();
    master.kind = "master".to_owned();
    assert!(recipient_from_slot(&master).is_none());
}

#[test]
fn recipients_parse_from_their_public_forms_and_errors_never_echo_text() {
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = ssh_keygen(dir.path(), "ed25519");
    let line = std::fs::read_to_string(&public).unwrap();
    let by_path = parse_recipient(public.to_str().unwrap(), Some("carol")).unwrap();
    let by_line = parse_recipient(&line, None).unwrap();
    assert_eq!(by_path.kind(), "ssh");
    assert_eq!(by_path.kid(), by_line.kid());
    let id = AgeIdentity::generate("t");
    assert_eq!(parse_recipient(&id.kid(), None).unwrap().kid(), id.kid());
    // A private key given where the public one goes is refused without a word of it.
    let secret = std::fs::read_to_string(&private).unwrap();
    let err = parse_recipient(private.to_str().unwrap(), None)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("private key"), "{err}");
    for line in secret.lines().filter(|l| l.len() > 8) {
        assert!(!err.contains(line));
    }
    let age_secret = id.expose_text();
    let age_file = dir.path().join("secret.txt");
    std::fs::write(&age_file, format!("{}\n", *age_secret)).unwrap();
    let err = parse_recipient(age_file.to_str().unwrap(), None)
        .err()
        .unwrap()
        .to_string();
    assert!(
        !err.contains(age_secret.as_str()) && err.contains("private key"),
        "{err}"
    );
    // Malformed public forms and names.
    let mut broken = id.kid();
    broken.pop();
    for bad in [
        broken.as_str(),
        "ssh-ed25519 AAAAnotbase64!",
        "ssh-dss AAAAB3NzaC1kc3M=",
    ] {
        let err = parse_recipient(bad, None).err().unwrap().to_string();
        assert!(!err.contains(bad), "{err}");
    }
    // An identity pasted where a recipient goes is not echoed either.
    let err = parse_recipient(&age_secret, None)
        .err()
        .unwrap()
        .to_string();
    assert!(!err.contains(&age_secret[16..]), "{err}");
    for bad in ["", "a b", "x=y", "é", &"n".repeat(65)] {
        assert!(
            AgeRecipient::parse(&id.kid(), Some(bad)).is_err(),
            "{bad:?}"
        );
    }
    assert!(AgeRecipient::parse(&id.kid(), Some("A-z_0.9@x")).is_ok());
}

#[test]
fn an_age_identity_error_never_holds_its_text() {
    let id = AgeIdentity::generate("t");
    let mut text = id.expose_text().to_string();
    text.replace_range(20..21, if &text[20..21] == "Q" { "P" } else { "Q" });
    let err = AgeIdentity::parse(&text, "ENVSEAL_AGE_KEY")
        .unwrap_err()
        .to_string();
    assert!(!err.contains(&text[16..]), "{err}");
    assert!(err.contains("ENVSEAL_AGE_KEY"));
    // Nor does a Debug print of an identity.
    let shown = format!("{id:?}");
    assert!(!shown.contains("AGE-SECRET-KEY"), "{shown}");
}

fn fixed_ssh_recipient() -> &'static SshRecipient {
    static KEY: std::sync::OnceLock<SshRecipient> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let (_, public) = ssh_keygen(dir.path(), "ed25519");
        ssh_recipient(&public, None)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn age_and_ssh_slot_lines_render_and_parse_back(
        name in proptest::option::of("[A-Za-z0-9._@-]{1,64}"),
        secs in 0i64..4_000_000_000,
        byte in any::<u8>(),
        ssh in any::<bool>(),
    ) {
        let when = DateTime::from_timestamp(secs, 0).unwrap();
        let slot = if ssh {
            let mut r = fixed_ssh_recipient().clone();
            r.name = name.clone();
            r.wrap(&dk(byte), when, &mut no_random).unwrap()
        } else {
            let id = AgeIdentity::generate("t");
            AgeRecipient::parse(&id.kid(), name.as_deref()).unwrap()
                .wrap(&dk(byte), when, &mut no_random).unwrap()
        };
        let line = slot.render();
        prop_assert_eq!(SlotLine::parse(&line), Some(slot.clone()));
        prop_assert_eq!(slot.field("name"), name.as_deref());
        let again = recipient_from_slot(&slot).unwrap();
        prop_assert_eq!(again.kid(), slot.kid);
    }
}

/// The known-answer vector `fixtures/vectors/v1-age/001_age_and_ssh.json` (made once:
/// age wraps are random): a v1 file with a master, an age and an ssh slot over one data
/// key. Each slot opens with the vector's identity through envseal and through the `age`
/// command, the MAC (computed here from docs/FORMAT.md) covers the slot lines, and the
/// independent Python decoder reads the whole file through each identity.
#[test]
fn the_age_and_ssh_vector_opens_with_envseal_the_age_command_and_the_reference_decoder() {
    use hmac::Mac;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("fixtures/vectors/v1-age/001_age_and_ssh.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let text = |k: &str| v[k].as_str().unwrap().to_owned();
    let hex = |s: &str| {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect::<Vec<u8>>()
    };
    let data_key = hex(&text("data_key"));
    let encrypted = text("encrypted");
    let lines: Vec<&str> = encrypted.split_inclusive('\n').collect();
    let slots: Vec<SlotLine> = lines
        .iter()
        .filter(|l| {
            l.starts_with("#envseal:key type=age ") || l.starts_with("#envseal:key type=ssh ")
        })
        .map(|l| SlotLine::parse(l).expect("a grammar-valid slot line"))
        .collect();
    assert_eq!(slots.len(), 2);
    assert_eq!(slots[0].kid, text("age_recipient"));

    // envseal: each identity finds its slot by kid and unwraps the data key.
    let mut ids = crate::identities::parse(&text("age_identity"), "vector").unwrap();
    ids.extend(crate::identities::parse(&text("ssh_private_key"), "vector").unwrap());
    for slot in &slots {
        let id = ids
            .iter()
            .find(|i| i.kind() == slot.kind && i.kid() == slot.kid)
            .expect("an identity for each slot");
        assert_eq!(&id.unwrap(slot).unwrap().expose_bytes()[..], &data_key[..]);
        let again = recipient_from_slot(slot).unwrap();
        assert_eq!(again.kid(), slot.kid);
    }
    assert_eq!(
        public_form(&slots[1]).unwrap(),
        text("ssh_public_key").rsplit_once(' ').unwrap().0
    );

    // The MAC, from the spec: HMAC-SHA256 under HKDF(data key, "envseal v1", "mac") over
    // the count and the length-prefixed lines, every slot line included.
    let mac_at = lines
        .iter()
        .position(|l| l.starts_with("#envseal:mac "))
        .unwrap();
    let mut mk = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(b"envseal v1"), &data_key)
        .expand(b"mac", &mut mk)
        .unwrap();
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&mk).unwrap();
    mac.update(b"envseal v1 mac\0");
    mac.update(&(lines.len() as u64 - 1).to_be_bytes());
    for (_, l) in lines.iter().enumerate().filter(|(i, _)| *i != mac_at) {
        mac.update(&(l.len() as u64).to_be_bytes());
        mac.update(l.as_bytes());
    }
    let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    assert_eq!(lines[mac_at], format!("#envseal:mac hmac-sha256={tag}\n"));

    let dir = tempfile::tempdir().unwrap();
    let age_id = dir.path().join("age.txt");
    let ssh_id = dir.path().join("id_ed25519");
    crate::fsutil::write_new(&age_id, text("age_identity").as_bytes(), 0o600).unwrap();
    crate::fsutil::write_new(&ssh_id, text("ssh_private_key").as_bytes(), 0o600).unwrap();
    if let Some(age) = age_command() {
        assert_eq!(
            age_decrypt(age, &age_id, &slots[0].wrap, dir.path()),
            data_key
        );
        assert_eq!(
            age_decrypt(age, &ssh_id, &slots[1].wrap, dir.path()),
            data_key
        );
    } else {
        return;
    }

    // The independent decoder, through each identity and through the master key.
    let have_python = Command::new("python3")
        .args(["-c", "import cryptography"])
        .status()
        .is_ok_and(|s| s.success());
    if !have_python {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "python3 with cryptography is missing"
        );
        eprintln!("skipping the reference decoder: python3 with cryptography is missing");
        return;
    }
    let file = dir.path().join("v.encrypted");
    std::fs::write(&file, &encrypted).unwrap();
    let master = dir.path().join("master.key");
    std::fs::write(&master, text("master_key")).unwrap();
    let script = root.join("scripts/v1_reference.py");
    for args in [
        vec!["--identity".as_ref(), age_id.as_os_str()],
        vec!["--identity".as_ref(), ssh_id.as_os_str()],
        vec![master.as_os_str()],
    ] {
        let out = Command::new("python3")
            .arg(&script)
            .args(&args)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8(out.stdout).unwrap(), text("plaintext"));
    }
    // A slot line altered by hand fails the reference decoder's MAC check.
    std::fs::write(&file, encrypted.replace("name=alice", "name=mallory")).unwrap();
    let out = Command::new("python3")
        .arg(&script)
        .arg("--identity")
        .arg(&age_id)
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
}
