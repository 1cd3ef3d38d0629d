//! Issue 9, process, file-system and decoder hardening: nothing leaks, nothing is
//! silently accepted. Each test is named for the defect it pins.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::common::{test_key, Sandbox};

/// A config value of the wrong type: `file:line:column` and the expected type, never the
/// value, and a usage error (2), not an I/O error (6).
#[test]
fn config_error_gives_position_and_expected_type_not_text_exit_2() {
    let sb = Sandbox::new();
    fs::create_dir_all(sb.path(".git")).unwrap();
    fs::create_dir_all(sb.path(".envseal")).unwrap();
    for (text, want) in [
        (
            "rotation_interval_days = \"hunter2-secretish\"\n",
            "config.toml:1:26: invalid type, expected u32",
        ),
        (
            "plaintext = [\".env\", 31337]\n",
            "config.toml:1:22: invalid type, expected a string",
        ),
    ] {
        sb.write(".envseal/config.toml", text);
        let run = sb.run(&["status"]);
        run.code(2);
        assert!(run.stderr.contains(want), "{text:?}: {}", run.stderr);
        assert!(
            !run.stderr.contains("hunter2") && !run.stderr.contains("31337"),
            "{text:?}: the offending text was echoed: {}",
            run.stderr
        );
    }
}

/// `--key-file /dev/zero` used to read until out of memory: a bounded read, then a
/// malformed key (3) that says what is wrong.
#[test]
fn key_file_dev_zero_is_read_bounded_and_is_a_malformed_key() {
    let sb = Sandbox::new();
    sb.write(".env", "A=1\n");
    let run = sb.run(&["encrypt", ".env", "--key-file", "/dev/zero"]);
    run.code(3);
    assert!(
        run.stderr.contains("/dev/zero") && run.stderr.contains("larger than 4096 bytes"),
        "{}",
        run.stderr
    );
    assert!(!sb.path(".env.encrypted").exists());
}

/// A key file that is not UTF-8 was an I/O error (6): it is a malformed key (3), said
/// without its content; so is a file of the wrong length or alphabet.
#[test]
fn key_file_not_utf8_or_not_a_key_is_malformed_exit_3_without_content() {
    let sb = Sandbox::new();
    sb.write(".env", "A=1\n");
    let key = test_key(1);
    let mut latin1 = key.expose_text().as_bytes().to_vec();
    latin1[10] = 0xe9;
    for (bytes, what) in [
        (latin1, "byte 11 is not UTF-8"),
        (b"c2VjcmV0LXNlY3JldC1zZWNyZXQ=\n".to_vec(), "not 32"),
        (b"secret!secret!\n".to_vec(), "character 7 is not base64"),
        (b"\n".to_vec(), "it is empty"),
    ] {
        fs::write(sb.path("bad.key"), &bytes).unwrap();
        fs::set_permissions(sb.path("bad.key"), fs::Permissions::from_mode(0o600)).unwrap();
        let run = sb.run(&["encrypt", ".env", "--key-file", "bad.key"]);
        run.code(3);
        assert!(run.stderr.contains(what), "{what}: {}", run.stderr);
        assert!(
            !run.stderr.contains("secret") && !run.stderr.contains("c2Vj"),
            "{}",
            run.stderr
        );
    }
}
