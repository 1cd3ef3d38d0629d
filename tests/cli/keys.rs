//! Where keys come from: `--key-file`, then `SECRETS_MASTER_KEY_<ENV>`, then
//! `SECRETS_MASTER_KEY`, then the keyring (found by the header's key id), never argv.

use envseal::format::v1;
use envseal::key::KeyId;

use crate::common::{exit_code, Code};
use crate::common::{test_key, Sandbox};

/// The key id a v1 file's header names.
fn header_kid(sb: &Sandbox, file: &str) -> KeyId {
    let text = String::from_utf8(sb.read(file)).unwrap();
    v1::header(&text).unwrap().master().unwrap().kid.clone()
}

#[test]
fn sources_are_tried_in_the_documented_order() {
    let sb = Sandbox::new();
    let (file_key, env_key, generic_key) = (test_key(20), test_key(21), test_key(22));
    let kf = sb.key_file("file.key", &file_key);
    let env_text = env_key.expose_text().to_string();
    let generic_text = generic_key.expose_text().to_string();
    let both = [
        ("SECRETS_MASTER_KEY_PRODUCTION", env_text.as_str()),
        ("SECRETS_MASTER_KEY", generic_text.as_str()),
    ];
    sb.write(".env.production", "A=precedence-value\n");

    sb.run_env(
        &[
            "encrypt",
            ".env.production",
            "-o",
            "file.encrypted",
            "--key-file",
            &kf,
        ],
        &both,
    )
    .ok();
    assert_eq!(header_kid(&sb, "file.encrypted"), file_key.id());

    sb.run_env(&["encrypt", ".env.production"], &both).ok();
    assert_eq!(header_kid(&sb, ".env.production.encrypted"), env_key.id());

    // `.env` has no environment name: the generic variable is used.
    sb.write(".env", "A=precedence-value\n");
    sb.run_env(&["encrypt"], &both).ok();
    assert_eq!(header_kid(&sb, ".env.encrypted"), generic_key.id());

    // The production file needs its own key; the generic one is the wrong key.
    sb.run_env(
        &["decrypt", ".env.production.encrypted", "--stdout"],
        &[("SECRETS_MASTER_KEY", generic_text.as_str())],
    )
    .code(exit_code(Code::WrongKey));
    let run = sb.run_env(&["decrypt", ".env.production.encrypted", "--stdout"], &both);
    run.ok().no_leak(&[&env_text, &generic_text]);
    assert_eq!(run.stdout, b"A=precedence-value\n");
}

#[test]
fn keyring_keys_are_found_by_the_header_key_id() {
    let sb = Sandbox::new();
    let first = sb.run(&["generate-key"]);
    first.ok();
    let first_id = first.stdout_text().trim().to_owned();
    sb.write(".env", "A=keyring-value\n");
    sb.run(&["encrypt"]).ok();
    sb.run(&["encrypt", "--format", "fernet", "-o", "f.encrypted"])
        .ok();
    let second = sb.run(&["generate-key"]);
    second.ok();
    let second_id = second.stdout_text().trim().to_owned();
    assert_ne!(first_id, second_id);

    // v1 names its key; Fernet names none, so each keyring key is tried.
    for file in [".env.encrypted", "f.encrypted"] {
        let run = sb.run(&["decrypt", file, "--stdout"]);
        run.ok();
        assert_eq!(run.stdout, b"A=keyring-value\n", "{file}");
    }
    // A fresh encryption with two keys and nothing saying which: refused (3)...
    sb.run(&["encrypt", "-o", "new.encrypted"])
        .code(exit_code(Code::KeyMissing));
    assert!(!sb.path("new.encrypted").exists());
    // ...unless --key-id picks one.
    sb.run(&["encrypt", "-o", "new.encrypted", "--key-id", &second_id])
        .ok();
    assert_eq!(header_kid(&sb, "new.encrypted").as_str(), second_id);
    // A key id that is not in the keyring.
    sb.run(&[
        "decrypt",
        "new.encrypted",
        "--stdout",
        "--key-id",
        "sha256:0000000000000000",
    ])
    .code(exit_code(Code::KeyMissing));
    // The file's key removed from the keyring: no key (3), and the message says which.
    let hex = second_id.strip_prefix("sha256:").unwrap();
    std::fs::remove_file(sb.keyring().join(format!("{hex}.key"))).unwrap();
    let run = sb.run(&["decrypt", "new.encrypted", "--stdout"]);
    run.code(exit_code(Code::KeyMissing));
    assert!(run.stderr.contains(&second_id), "{}", run.stderr);
}
