//! The one way in (`format::Sealed` and `commands::open`): the format layer chooses
//! whole or streamed, and the keys are looked up once per file, whatever path the
//! decryption takes.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use envseal::exit::Code;

use crate::common::{exit_code, test_key, Sandbox};
use crate::flow::git;

/// A plaintext of over 1 MiB encrypted (the streamed side of the threshold), LF only.
fn large_lf_env() -> String {
    let mut s = String::new();
    for i in 0..20_000 {
        s.push_str(&format!("KEY_{i}=value-number-{i}\n"));
    }
    s
}

/// A large file whose line endings git converted (a clone with `core.autocrlf=true`)
/// fails the streamed check and is opened whole from the same candidates: before, the
/// command looked its key up a second time for the whole-file reading, which showed
/// every key warning twice (and would have asked a terminal prompt, or a key service,
/// twice).
#[test]
fn a_large_file_git_converted_to_crlf_is_decrypted_with_one_key_lookup() {
    let sb = Sandbox::new();
    let key = test_key(7);
    let key_file = sb.key_file("ci.key", &key);
    // Readable by others: every lookup of this key file warns.
    fs::set_permissions(sb.path(&key_file), fs::Permissions::from_mode(0o644)).unwrap();
    let plain = large_lf_env();
    fs::create_dir(sb.path("w")).unwrap();
    fs::write(sb.path("w/.env"), &plain).unwrap();
    sb.run(&["encrypt", "-q", "--key-file", "ci.key", "w/.env"])
        .ok();
    let w = sb.path("w");
    let w = w.to_str().unwrap();
    git(&sb, &["init", "-q", "-b", "main", w]);
    git(&sb, &["-C", w, "add", ".env.encrypted"]);
    git(
        &sb,
        &[
            "-C",
            w,
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "commit",
            "-q",
            "-m",
            "x",
        ],
    );
    let clone = sb.path("windows");
    let clone = clone.to_str().unwrap();
    git(&sb, &["clone", "-q", "-c", "core.autocrlf=true", w, clone]);
    let converted = fs::read(sb.path("windows/.env.encrypted")).unwrap();
    assert!(
        converted.windows(2).any(|p| p == b"\r\n") && converted.len() > 1024 * 1024,
        "git did not convert the large encrypted file to CRLF"
    );

    let run = sb.run(&[
        "decrypt",
        "--stdout",
        "--key-file",
        "ci.key",
        "windows/.env.encrypted",
    ]);
    assert_eq!(run.code, exit_code(Code::Ok), "{}", run.stderr);
    assert!(run.stdout == plain.as_bytes(), "not byte for byte");
    let warnings = run.stderr.matches("is readable by others").count();
    assert_eq!(
        warnings, 1,
        "the key was looked up {warnings} times: {}",
        run.stderr
    );
}
