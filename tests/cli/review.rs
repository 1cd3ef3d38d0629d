//! A hostile review of the merged features together (issues 9, 10, 13, 14, 15): where one
//! feature's promise is broken by another. Real binary, real git, real processes.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::common::{Run, Sandbox};
use crate::flow::git;
use crate::set_get::set;

/// An editor script that runs `script` (sh) on the file it is given as "$1".
fn editor(sb: &Sandbox, script: &str) -> String {
    let path = sb.path("editor.sh");
    fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

fn edit(sb: &Sandbox, script: &str) -> Run {
    let ed = editor(sb, script);
    sb.run_env(&["edit"], &[("EDITOR", &ed), ("VISUAL", "")])
}

fn status_sync(sb: &Sandbox) -> String {
    let out = sb.run(&["status", "--json"]).ok().stdout_text();
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    v["files"][0]["sync"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A git repository with a keyring key, `.env` = `env`, encrypted (with `opts`).
fn sealed_repo(env: &str, opts: &[&str]) -> Sandbox {
    let sb = Sandbox::new();
    git(&sb, &["init", "-q"]);
    sb.run(&["generate-key", "-q"]).ok();
    sb.write(".env", env);
    let mut args = vec!["encrypt", "-q"];
    args.extend_from_slice(opts);
    sb.run(&args).ok();
    sb
}

const COMMENTED: &str = "# the billing account is acct-hidden-4711\nA=1\nB=2\n";

#[test]
fn edit_of_a_file_encrypted_with_encrypt_comments_keeps_its_comments_hidden() {
    let sb = sealed_repo(COMMENTED, &["--encrypt-comments"]);
    assert!(!crate::common::contains(
        &sb.read(".env.encrypted"),
        b"acct-hidden-4711"
    ));
    edit(&sb, "sed -i 's/^B=2/B=3/' \"$1\"").ok();
    let sealed = sb.read(".env.encrypted");
    assert!(
        !crate::common::contains(&sealed, b"acct-hidden-4711"),
        "edit wrote the hidden comment out readable:\n{}",
        String::from_utf8_lossy(&sealed)
    );
    let plain = sb.run(&["decrypt", "--stdout"]).ok().stdout_text();
    assert_eq!(plain, COMMENTED.replace("B=2", "B=3"));
}

#[test]
fn rotate_of_a_file_encrypted_with_encrypt_comments_keeps_its_comments_hidden() {
    let sb = sealed_repo(COMMENTED, &["--encrypt-comments"]);
    sb.run(&["rotate", "--yes", "-q"]).ok();
    let sealed = sb.read(".env.encrypted");
    assert!(
        !crate::common::contains(&sealed, b"acct-hidden-4711"),
        "rotate wrote the hidden comment out readable:\n{}",
        String::from_utf8_lossy(&sealed)
    );
    let plain = sb.run(&["decrypt", "--stdout"]).ok().stdout_text();
    assert_eq!(plain, COMMENTED);
}

#[test]
fn edit_of_a_file_with_visible_comments_keeps_them_visible() {
    let sb = sealed_repo(COMMENTED, &[]);
    edit(&sb, "sed -i 's/^B=2/B=3/' \"$1\"").ok();
    assert!(crate::common::contains(
        &sb.read(".env.encrypted"),
        b"# the billing account is acct-hidden-4711"
    ));
}

#[test]
fn edit_warns_about_an_unterminated_quote_with_file_line_column_and_no_text() {
    let sb = sealed_repo("A=1\nB=2\n", &[]);
    let run = edit(&sb, "printf 'TOKEN=\"tok-secret-0042\\nC=3\\n' >> \"$1\"");
    run.ok().no_leak(&["tok-secret-0042"]);
    assert!(
        run.stderr.contains(".env.encrypted:3:7"),
        "no file:line:column warning: {}",
        run.stderr
    );
    // Stored whole, byte for byte.
    let plain = sb.run(&["decrypt", "--stdout"]).ok().stdout_text();
    assert_eq!(plain, "A=1\nB=2\nTOKEN=\"tok-secret-0042\nC=3\n");
}

#[test]
fn after_set_and_unset_status_recommends_decrypt_and_encrypt_refuses_to_revert() {
    let sb = sealed_repo("A=1\nB=2\nC=3\n", &[]);
    assert_eq!(status_sync(&sb), "in_sync");
    set(&sb, "B", "two-set-value", &[]).ok();
    assert_eq!(status_sync(&sb), "encrypted_changed");
    let check = sb.run(&["status", "--check"]);
    check.code(1);
    assert!(
        check.stdout_text().contains("run: envseal decrypt"),
        "{}",
        check.stdout_text()
    );
    let before = sb.read(".env.encrypted");
    let refused = sb.run(&["encrypt"]);
    refused.code(8).no_leak(&["two-set-value"]);
    assert!(refused.stderr.contains('B'), "{}", refused.stderr);
    assert_eq!(sb.read(".env.encrypted"), before);

    sb.run(&["unset", "C"]).ok();
    assert_eq!(status_sync(&sb), "encrypted_changed");
    sb.run(&["encrypt"]).code(8);
    sb.run(&["decrypt", "-q"]).ok();
    assert_eq!(sb.read(".env"), b"A=1\nB=two-set-value\n");
    assert_eq!(status_sync(&sb), "in_sync");
}

#[test]
fn set_in_a_clone_without_a_sync_record_starts_one_like_edit() {
    // .env decrypted by hand with --stdout (no record), then `set`: the plaintext held
    // the content before the set, so encrypt must not silently revert it.
    let sb = Sandbox::new();
    git(&sb, &["init", "-q"]);
    sb.run(&["generate-key", "-q"]).ok();
    sb.write(".env", "A=1\nB=2\n");
    sb.run(&["encrypt", "-q", "--ledger", "other.db"]).ok();
    set(&sb, "B", "two-set-value", &[]).ok();
    assert_eq!(status_sync(&sb), "encrypted_changed");
    sb.run(&["encrypt"]).code(8);
}

#[test]
fn run_with_dotenvy_does_not_expand_the_master_key_into_a_value() {
    let sb = Sandbox::new();
    let key = crate::common::test_key(9);
    let kf = sb.key_file("k.key", &key);
    sb.write(".env", "LEAK=${SECRETS_MASTER_KEY}\nPLAIN=ok\n");
    sb.run(&["encrypt", "-q", "--key-file", &kf]).ok();
    fs::remove_file(sb.path(".env")).unwrap();
    let text = key.expose_text().to_string();
    let out = sb.run_env(
        &[
            "run",
            "--dialect",
            "dotenvy",
            "--",
            "sh",
            "-c",
            "printf '%s|%s' \"$LEAK\" \"$PLAIN\"",
        ],
        &[("SECRETS_MASTER_KEY", &text)],
    );
    out.ok();
    assert_eq!(out.stdout_text(), "|ok");
    assert!(!out.stderr.contains(&text));
}

#[test]
fn get_and_export_do_not_expand_the_master_key_into_a_value() {
    let sb = Sandbox::new();
    let key = crate::common::test_key(9);
    let kf = sb.key_file("k.key", &key);
    sb.write(".env", "LEAK=${SECRETS_MASTER_KEY}\nPLAIN=ok\n");
    sb.run(&["encrypt", "-q", "--key-file", &kf]).ok();
    fs::remove_file(sb.path(".env")).unwrap();
    let text = key.expose_text().to_string();
    let env = [("SECRETS_MASTER_KEY", text.as_str())];
    for dialect in ["python", "dotenvy"] {
        let got = sb.run_env(&["get", "LEAK", "--dialect", dialect], &env);
        got.ok().no_leak(&[&text]);
        for fmt in ["json", "shell", "docker", "github", "k8s"] {
            let out = sb.run_env(&["export", "--as", fmt, "--dialect", dialect], &env);
            out.ok().no_leak(&[&text]);
        }
    }
}
