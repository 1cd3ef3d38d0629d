//! Issue 12, the writing side of team keys: `encrypt --age/--ssh/--aws-kms` for a new
//! file, `recipients add/list/remove`, the ledger's recipient events. Real binary, real
//! `age`/`age-keygen`/`ssh-keygen` commands, real git, a real moto server for KMS.
//!
//! Until the readers take identities (`decrypt --identity`, another branch), the values
//! are read back through the library's `v1::decrypt_plaintext_with` with identities read
//! by `envseal::identities::read_file` from the same files the commands use, and through
//! `age -d` of the slot's wrapped data key.

use std::path::{Path, PathBuf};
use std::process::Command;

#[cfg(feature = "aws-kms")]
use base64::Engine;
use envseal::format::v1::{self, slot::Identity, slot::SlotLine};

use crate::common::{exit_code, Code, Sandbox};
use crate::flow::{git, init_repo};

const ENV: &str = "API_TOKEN=tok-0123456789abcdef\nDB_PASSWORD=hunter2-long-password\n# OLD_SECRET=retired-value\n";

/// A new age identity file `name.txt` in the sandbox: (path, its recipient).
pub fn age_identity(sb: &Sandbox, name: &str) -> (PathBuf, String) {
    let path = sb.path(&format!("{name}.txt"));
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(&path)
        .output()
        .expect("age-keygen (Debian package age)");
    assert!(out.status.success());
    let out = Command::new("age-keygen")
        .arg("-y")
        .arg(&path)
        .output()
        .unwrap();
    (
        path,
        String::from_utf8(out.stdout).unwrap().trim().to_owned(),
    )
}

/// Open `text` with the identities in `file`, as the commands read them.
pub fn open_as(text: &str, file: &Path) -> Result<String, envseal::format::FormatError> {
    let ids = envseal::identities::read_file(file, "test").expect("identity file");
    let refs: Vec<&dyn Identity> = ids.iter().map(|b| &**b).collect();
    v1::decrypt_plaintext_with(text, &refs).map(|p| p.to_string())
}

fn slots(text: &str) -> Vec<SlotLine> {
    v1::header(text).unwrap().slots
}

fn read_text(sb: &Sandbox, rel: &str) -> String {
    String::from_utf8(sb.read(rel)).unwrap()
}

/// `age -d -i IDENTITY` of a slot's wrapped data key: the 32-byte data key.
fn age_d(sb: &Sandbox, slot: &SlotLine, identity: &Path) -> Vec<u8> {
    let f = sb.path("slot.age");
    std::fs::write(&f, &slot.wrap).unwrap();
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg(&f)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "age -d: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn encrypt_for_age_recipients_writes_one_named_slot_each_and_needs_no_master_key() {
    let sb = Sandbox::new();
    let (alice_id, alice) = age_identity(&sb, "alice");
    let (bob_id, bob) = age_identity(&sb, "bob");
    sb.write(".env", ENV);
    // No SECRETS_MASTER_KEY (the sandbox removes it) and an empty keyring.
    sb.run(&["encrypt", "--age", &format!("alice={alice}"), "--age", &bob])
        .ok()
        .no_leak(&["tok-0123456789abcdef", "hunter2"]);
    assert!(!sb.keyring().exists() || std::fs::read_dir(sb.keyring()).unwrap().count() == 0);
    let text = read_text(&sb, ".env.encrypted");
    let s = slots(&text);
    assert_eq!(s.len(), 2, "{text}");
    assert!(s.iter().all(|s| s.kind == "age"));
    assert_eq!(
        (s[0].kid.as_str(), s[0].field("name")),
        (alice.as_str(), Some("alice"))
    );
    assert_eq!(
        (s[1].kid.as_str(), s[1].field("name")),
        (bob.as_str(), None)
    );
    // Both open it, to the plaintext byte for byte; each slot is a standard age file.
    assert_eq!(open_as(&text, &alice_id).unwrap(), ENV);
    assert_eq!(open_as(&text, &bob_id).unwrap(), ENV);
    assert_eq!(age_d(&sb, &s[0], &alice_id), age_d(&sb, &s[1], &bob_id));
    assert_eq!(age_d(&sb, &s[0], &alice_id).len(), 32);
    // A recipient flag for an existing output is refused, pointing at `recipients add`.
    let (_, carol) = age_identity(&sb, "carol");
    let r = sb.run(&["encrypt", "--age", &carol]);
    r.code(exit_code(Code::Usage));
    assert!(r.stderr.contains("recipients add"), "{}", r.stderr);
    assert_eq!(read_text(&sb, ".env.encrypted"), text);
}

#[test]
fn encrypt_for_an_ssh_key_and_with_master_round_trips() {
    let sb = Sandbox::new();
    let key = sb.path("id_ed25519");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "dev@laptop", "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success());
    sb.write(".env", ENV);
    sb.run(&["generate-key", "-q"]).ok();
    sb.run(&["encrypt", "--ssh", "dev=id_ed25519.pub", "--master"])
        .ok();
    let text = read_text(&sb, ".env.encrypted");
    let s = slots(&text);
    assert_eq!(
        s.iter().map(|s| s.kind.as_str()).collect::<Vec<_>>(),
        ["master", "ssh"]
    );
    assert_eq!(s[1].field("name"), Some("dev"));
    assert_eq!(open_as(&text, &key).unwrap(), ENV);
    // The master slot opens it too (decrypt with the keyring key).
    let r = sb.run(&["decrypt", "--stdout"]);
    r.ok();
    assert_eq!(r.stdout, ENV.as_bytes());
    // An SSH key given to --age is refused, and says which flag to use.
    let r = sb.run(&["encrypt", "other.env", "--age", "id_ed25519.pub"]);
    r.code(exit_code(Code::Usage));
}

#[test]
fn recipients_add_changes_the_new_slot_line_and_the_mac_line_only() {
    let sb = Sandbox::new();
    let (alice_id, alice) = age_identity(&sb, "alice");
    let (carol_id, carol) = age_identity(&sb, "carol");
    sb.write(".env", ENV);
    sb.run(&["encrypt", "--age", &format!("alice={alice}")])
        .ok();
    let before = read_text(&sb, ".env.encrypted");
    // Without a key that opens the file: exit 3, naming the slot, nothing written.
    let r = sb.run(&["recipients", "add", "--age", &carol, "--name", "carol"]);
    r.code(exit_code(Code::KeyMissing));
    assert!(r.stderr.contains(&alice), "{}", r.stderr);
    assert_eq!(read_text(&sb, ".env.encrypted"), before);
    sb.run(&[
        "recipients",
        "add",
        "--age",
        &carol,
        "--name",
        "carol",
        "--identity",
        alice_id.to_str().unwrap(),
    ])
    .ok();
    let after = read_text(&sb, ".env.encrypted");
    let (b, a): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    assert_eq!(a.len(), b.len() + 1);
    // Line 0 (magic) and 1 (alice's slot) unchanged; 2 is carol's; the MAC changed; the
    // body is byte for byte the same.
    assert_eq!(a[..2], b[..2]);
    assert!(a[2].contains(&carol) && a[2].contains("name=carol"));
    assert!(b[2].starts_with("#envseal:mac ") && a[3].starts_with("#envseal:mac "));
    assert_ne!(a[3], b[2]);
    assert_eq!(a[4..], b[3..]);
    assert_eq!(open_as(&after, &carol_id).unwrap(), ENV);
    // Adding her again is a no-op with a message (exit 0), the file untouched.
    let r = sb.run_env(
        &["recipients", "add", "--age", &carol],
        &[("ENVSEAL_AGE_KEY_FILE", alice_id.to_str().unwrap())],
    );
    r.ok();
    assert!(r.stderr.contains("already has"), "{}", r.stderr);
    assert_eq!(read_text(&sb, ".env.encrypted"), after);
}

#[test]
fn a_removed_recipient_cannot_open_the_next_version_but_git_history_still_opens() {
    let sb = Sandbox::new();
    init_repo(&sb);
    let (alice_id, alice) = age_identity(&sb, "alice");
    let (bob_id, bob) = age_identity(&sb, "bob");
    sb.write(".env", ENV);
    sb.run(&[
        "encrypt",
        "--age",
        &format!("alice={alice}"),
        "--age",
        &format!("bob={bob}"),
    ])
    .ok();
    git(&sb, &["add", ".env.encrypted", ".gitignore"]);
    git(&sb, &["commit", "-qm", "team file"]);
    let old = read_text(&sb, ".env.encrypted");
    // No terminal and no --yes: refused, nothing changed.
    let env = [("ENVSEAL_AGE_KEY_FILE", alice_id.to_str().unwrap())];
    let r = sb.run_env(&["recipients", "remove", "bob"], &env);
    r.code(exit_code(Code::Refused));
    assert_eq!(read_text(&sb, ".env.encrypted"), old);
    let r = sb.run_env(&["recipients", "remove", "bob", "--yes"], &env);
    r.ok()
        .no_leak(&["tok-0123456789abcdef", "hunter2", "retired-value"]);
    // The names of the values bob has seen, never the values.
    assert!(r.stderr.contains("API_TOKEN, DB_PASSWORD"), "{}", r.stderr);
    git(&sb, &["commit", "-qam", "offboard bob"]);
    let new = read_text(&sb, ".env.encrypted");
    let s = slots(&new);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].kid, alice);
    // Every value was encrypted again under a new data key.
    let tokens = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.contains("ENC[v1:"))
            .map(str::to_owned)
            .collect()
    };
    assert!(tokens(&old).iter().all(|t| !tokens(&new).contains(t)));
    // Bob cannot open the new version; alice can; bob still opens the old one from git.
    assert!(open_as(&new, &bob_id).is_err());
    assert_eq!(open_as(&new, &alice_id).unwrap(), ENV);
    let from_history = git(&sb, &["show", "HEAD~1:.env.encrypted"]);
    assert_eq!(open_as(&from_history, &bob_id).unwrap(), ENV);
    // Bob's old data key (from his slot in history) does not open the new file's MAC:
    // the new data key differs.
    let old_dk = age_d(&sb, &slots(&old)[1], &bob_id);
    let new_dk = age_d(&sb, &s[0], &alice_id);
    assert_ne!(old_dk, new_dk);
    // The ledger shows the removal and the re-wrap, with the data key replaced.
    let h = sb.run(&["status", "--history"]);
    let out = format!("{}{}", h.stdout_text(), h.stderr);
    assert!(
        out.contains("recipient removed") && out.contains("(bob)"),
        "{out}"
    );
    assert!(
        out.contains("recipient rewrapped") && out.contains("data key replaced"),
        "{out}"
    );
    // Removing the last slot is refused.
    let r = sb.run_env(&["recipients", "remove", &alice, "--yes"], &env);
    r.code(exit_code(Code::Refused));
    assert_eq!(read_text(&sb, ".env.encrypted"), new);
}

#[test]
fn a_hand_edited_slot_is_an_integrity_failure() {
    let sb = Sandbox::new();
    let (alice_id, alice) = age_identity(&sb, "alice");
    let (_, bob) = age_identity(&sb, "bob");
    let (_, carol) = age_identity(&sb, "carol");
    sb.write(".env", ENV);
    sb.run(&[
        "encrypt",
        "--age",
        &format!("alice={alice}"),
        "--age",
        &format!("bob={bob}"),
    ])
    .ok();
    let text = read_text(&sb, ".env.encrypted");
    // Renaming bob's slot by hand (the MAC covers every slot line).
    sb.write(".env.encrypted", text.replace("name=bob", "name=eve"));
    let r = sb.run_env(
        &["recipients", "add", "--age", &carol],
        &[("ENVSEAL_AGE_KEY_FILE", alice_id.to_str().unwrap())],
    );
    r.code(exit_code(Code::Integrity));
    // Dropping bob's slot line by hand: the same.
    let dropped: String = text
        .split_inclusive('\n')
        .filter(|l| !l.contains(&bob))
        .collect();
    sb.write(".env.encrypted", &dropped);
    let r = sb.run_env(
        &["recipients", "remove", "alice", "--yes"],
        &[("ENVSEAL_AGE_KEY_FILE", alice_id.to_str().unwrap())],
    );
    // The only slot: refused before any key is needed.
    r.code(exit_code(Code::Refused));
    let r = sb.run_env(
        &["recipients", "add", "--age", &carol],
        &[("ENVSEAL_AGE_KEY_FILE", alice_id.to_str().unwrap())],
    );
    r.code(exit_code(Code::Integrity));
}

#[test]
fn recipients_list_json_needs_no_key() {
    let sb = Sandbox::new();
    let (_, alice) = age_identity(&sb, "alice");
    let key = sb.path("dev_ed25519");
    assert!(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap()
        .success());
    let pubkey = std::fs::read_to_string(sb.path("dev_ed25519.pub")).unwrap();
    sb.write(".env", ENV);
    sb.run(&[
        "encrypt",
        "--age",
        &format!("alice={alice}"),
        "--ssh",
        "dev_ed25519.pub",
    ])
    .ok();
    // No key anywhere: no identity file in reach, no master key.
    let r = sb.run(&["recipients", "list", "--json"]);
    r.ok();
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["schema"], 1);
    let f = &v["files"][0];
    assert_eq!(f["file"], ".env.encrypted");
    assert_eq!(f["format"], "v1");
    let s = f["slots"].as_array().unwrap();
    assert_eq!(s[0]["type"], "age");
    assert_eq!(s[0]["kid"], alice.as_str());
    assert_eq!(s[0]["name"], "alice");
    assert_eq!(s[0]["public"], alice.as_str());
    assert!(s[0]["created"].as_str().unwrap().ends_with('Z'));
    assert_eq!(s[1]["type"], "ssh");
    assert!(s[1]["kid"].as_str().unwrap().starts_with("SHA256:"));
    assert!(s[1]["name"].is_null());
    let words: Vec<&str> = pubkey.split_whitespace().take(2).collect();
    assert_eq!(s[1]["public"], words.join(" ").as_str());
    // The human listing on stdout, one line per slot.
    let r = sb.run(&["recipients", "list"]);
    r.ok();
    let out = r.stdout_text();
    assert!(
        out.starts_with(".env.encrypted\n") && out.contains("alice"),
        "{out}"
    );
    // Removing by the .pub file picks the SSH slot (here: dry of a terminal, refused).
    let r = sb.run(&["recipients", "remove", "dev_ed25519.pub"]);
    r.code(exit_code(Code::Refused));
    assert!(r.stderr.contains("ssh slot SHA256:"), "{}", r.stderr);
}

#[cfg(feature = "aws-kms")]
#[test]
fn a_kms_slot_round_trips_and_opens_the_file_when_no_local_key_does() {
    use crate::moto::{moto, new_key};
    let Some(moto) = moto() else { return };
    let (arn, _) = new_key(&moto, "envseal-recipients");
    let sb = Sandbox::new();
    let (dave_id, dave) = age_identity(&sb, "dave");
    let aws = [
        ("AWS_ENDPOINT_URL", moto.url.as_str()),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    sb.write(".env", ENV);
    sb.run_env(&["encrypt", "--aws-kms", &arn], &aws).ok();
    let text = read_text(&sb, ".env.encrypted");
    let s = slots(&text);
    assert_eq!(
        (s.len(), s[0].kind.as_str(), s[0].kid.as_str()),
        (1, "aws-kms", arn.as_str())
    );
    // Without credentials for KMS nothing opens it.
    let mut unreachable = aws;
    unreachable[0] = ("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    let r = sb.run_env(&["recipients", "add", "--age", &dave], &unreachable);
    assert_ne!(r.code, 0);
    assert_eq!(read_text(&sb, ".env.encrypted"), text);
    // No local identity: the KMS slot opens it (one Decrypt), and dave gets a slot.
    sb.run_env(
        &[
            "recipients",
            "add",
            "--age",
            dave.as_str(),
            "--name",
            "dave",
        ],
        &aws,
    )
    .ok();
    let after = read_text(&sb, ".env.encrypted");
    assert_eq!(open_as(&after, &dave_id).unwrap(), ENV);
    // The KMS slot's data key is the one dave's age slot wraps.
    let kms_dk = {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&slots(&after)[0].wrap);
        let v = crate::moto::boto3(
            &moto,
            &format!(
                "r = kms.decrypt(CiphertextBlob=base64.b64decode('{b64}'), EncryptionContext={{'envseal': 'v1 data key'}})\nprint(json.dumps(base64.b64encode(r['Plaintext']).decode()))"
            ),
        );
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap()
    };
    assert_eq!(kms_dk, age_d(&sb, &slots(&after)[1], &dave_id));
}

#[test]
fn a_fernet_file_in_the_project_is_passed_by_unless_named() {
    let sb = Sandbox::new();
    let (alice_id, alice) = age_identity(&sb, "alice");
    let (_, carol) = age_identity(&sb, "carol");
    sb.run(&["generate-key", "-q"]).ok();
    sb.write(".env", ENV);
    sb.write(".env.legacy", ENV);
    sb.run(&["encrypt", "--age", &alice]).ok();
    sb.run(&["encrypt", ".env.legacy", "--format", "fernet"])
        .ok();
    let legacy = sb.read(".env.legacy.encrypted");
    let env = [("ENVSEAL_AGE_KEY_FILE", alice_id.to_str().unwrap())];
    let r = sb.run_env(&["recipients", "add", "--age", &carol], &env);
    r.ok();
    assert!(
        r.stderr.contains("Fernet file has no key slots"),
        "{}",
        r.stderr
    );
    assert_eq!(sb.read(".env.legacy.encrypted"), legacy);
    assert_eq!(slots(&read_text(&sb, ".env.encrypted")).len(), 2);
    // Named, it is an error saying why (exit 7), and nothing changes.
    let r = sb.run_env(
        &[
            "recipients",
            "add",
            "--age",
            &carol,
            ".env.legacy.encrypted",
        ],
        &env,
    );
    r.code(exit_code(Code::BadInput));
    assert!(r.stderr.contains("v1 format"), "{}", r.stderr);
    assert_eq!(sb.read(".env.legacy.encrypted"), legacy);
}

#[test]
fn recipients_remove_asks_on_a_terminal_and_a_no_changes_nothing() {
    use crate::flow::Pty;
    use std::time::Duration;
    let sb = Sandbox::new();
    let (alice_id, alice) = age_identity(&sb, "alice");
    let (_, bob) = age_identity(&sb, "bob");
    sb.write(".env", ENV);
    sb.run(&["encrypt", "--age", &alice, "--age", &format!("bob={bob}")])
        .ok();
    let before = sb.read(".env.encrypted");
    let env = [("ENVSEAL_AGE_KEY_FILE", alice_id.to_str().unwrap())];
    let mut pty = Pty::spawn(&sb, &["recipients", "remove", "bob"], &env);
    pty.expect("Remove this recipient?", Duration::from_secs(10));
    pty.send("n");
    let (code, out) = pty.finish(Duration::from_secs(10));
    assert_eq!(code, exit_code(Code::Refused), "{out}");
    assert_eq!(sb.read(".env.encrypted"), before);
    let mut pty = Pty::spawn(&sb, &["recipients", "remove", "bob"], &env);
    pty.expect("Remove this recipient?", Duration::from_secs(10));
    pty.send("y");
    let (code, out) = pty.finish(Duration::from_secs(10));
    assert_eq!(code, 0, "{out}");
    assert_eq!(slots(&read_text(&sb, ".env.encrypted")).len(), 1);
}
