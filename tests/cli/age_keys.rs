//! `envseal generate-key --age`: a new age identity in the identities directory, its
//! recipient on stdout, usable by the real `age` command.

use std::fs;
use std::process::{Command, Stdio};

use crate::common::{ci, mode, Sandbox};

fn age_installed() -> bool {
    let found = Command::new("age")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(!ci(), "the `age` command is missing (Debian package `age`)");
        eprintln!("SKIPPED: the `age` command is not installed");
    }
    found
}

#[test]
fn generate_key_age_writes_a_private_identity_and_prints_its_recipient() {
    let sb = Sandbox::new();
    let run = sb.run(&["generate-key", "--age"]);
    run.ok();
    let recipient = run.stdout_text().trim_end().to_owned();
    assert!(
        recipient.starts_with("age1") && recipient.len() == 62,
        "{recipient}"
    );
    assert_eq!(run.stdout_text(), format!("{recipient}\n"));
    // Into the keyring's identities directory ($ENVSEAL_KEYRING/identities here).
    let dir = sb.keyring().join("identities");
    let files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    let file = &files[0];
    assert_eq!(mode(file) & 0o777, 0o600);
    let text = fs::read_to_string(file).unwrap();
    let secret = text
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .expect("an age identity line")
        .to_owned();
    assert!(text.contains(&format!("# public key: {recipient}\n")));
    assert!(
        run.stderr.contains(&file.display().to_string()),
        "{}",
        run.stderr
    );
    run.no_leak(&[&secret, &secret["AGE-SECRET-KEY-1".len()..]]);

    // A second one never replaces the first; --json says where it went.
    let second = sb.run(&["generate-key", "--age", "--json"]);
    second.ok();
    let v: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_ne!(v["recipient"].as_str().unwrap(), recipient);
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 2);
    assert_eq!(fs::read_to_string(file).unwrap(), text);

    // --out an existing file is refused, whatever it holds, and the file is unchanged.
    let out = sb.write("mine.txt", "keep me\n");
    sb.run(&["generate-key", "--age", "--out", "mine.txt"])
        .code(sb.run(&["generate-key", "--out", "mine.txt"]).code);
    assert_eq!(fs::read_to_string(&out).unwrap(), "keep me\n");
    assert_ne!(
        sb.run(&["generate-key", "--age", "--out", "mine.txt"]).code,
        0
    );
    sb.run(&["generate-key", "--age", "--force"]).code(2);
    sb.run(&["generate-key", "--age", "--stdout"]).code(2);

    // The real age command encrypts to the recipient and decrypts with the file.
    if !age_installed() {
        return;
    }
    let plain = sb.write("plain.txt", "thirty-two bytes of a data key!!");
    let enc = sb.path("x.age");
    let st = Command::new("age")
        .args(["-r", &recipient, "-o"])
        .arg(&enc)
        .arg(&plain)
        .status()
        .unwrap();
    assert!(st.success());
    let dec = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(file)
        .arg(&enc)
        .output()
        .unwrap();
    assert!(dec.status.success());
    assert_eq!(dec.stdout, b"thirty-two bytes of a data key!!");
}
