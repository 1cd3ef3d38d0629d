//! `git diff` of encrypted files through a textconv driver: the plaintext lines that
//! changed, in `git diff` and `git log -p`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use crate::common::Sandbox;
use crate::flow::{git, init_repo, Pty};

#[test]
fn git_diff_and_log_show_the_plaintext_change() {
    let sb = Sandbox::new();
    init_repo(&sb);
    sb.write(".gitignore", "/keyring/\n/home/\n/xdg/\n");
    sb.write(".gitattributes", "*.encrypted diff=envseal\n");
    git(
        &sb,
        &[
            "config",
            "diff.envseal.textconv",
            "envseal decrypt --stdout",
        ],
    );
    sb.run(&["generate-key", "-q"]).ok();
    sb.write(".env", "API_TOKEN=old-token-1111\nDEBUG=false\n");
    sb.run(&["encrypt", "-q"]).ok();
    git(
        &sb,
        &["add", ".gitignore", ".gitattributes", ".env.encrypted"],
    );
    git(&sb, &["commit", "-q", "--no-verify", "-m", "init"]);

    sb.write(".env", "API_TOKEN=new-token-2222\nDEBUG=false\n");
    sb.run(&["encrypt", "-q"]).ok();
    let diff = git(&sb, &["diff", "--", ".env.encrypted"]);
    assert!(diff.contains("\n-API_TOKEN=old-token-1111\n"), "{diff}");
    assert!(diff.contains("\n+API_TOKEN=new-token-2222\n"), "{diff}");
    assert!(
        !diff.contains("\n-DEBUG") && !diff.contains("\n+DEBUG"),
        "{diff}"
    );
    assert!(!diff.contains("ENC["), "ciphertext in the diff: {diff}");
    // Without the driver the same diff is ciphertext (the driver is what decrypts).
    let raw = git(&sb, &["diff", "--no-textconv", "--", ".env.encrypted"]);
    assert!(
        !raw.contains("old-token-1111") && raw.contains("ENC["),
        "{raw}"
    );

    git(&sb, &["commit", "-q", "--no-verify", "-am", "rotate token"]);
    let log = git(&sb, &["log", "-p", "--format=commit %s"]);
    let at = log.find("commit rotate token").expect("newest commit");
    let newest = &log[at..log.find("commit init").expect("first commit")];
    assert!(newest.contains("\n-API_TOKEN=old-token-1111\n"), "{log}");
    assert!(newest.contains("\n+API_TOKEN=new-token-2222\n"), "{log}");
    assert!(
        log.contains("+DEBUG=false"),
        "the first commit shows its plaintext: {log}"
    );
}

/// A repository whose `.env.encrypted` has two commits (API_TOKEN changed), with the
/// given textconv configured.
fn history(textconv: &str) -> Sandbox {
    let sb = Sandbox::new();
    init_repo(&sb);
    sb.write(".gitignore", "/keyring/\n/home/\n/xdg/\n/editor.sh\n");
    sb.write(".gitattributes", "*.encrypted diff=envseal\n");
    git(&sb, &["config", "diff.envseal.textconv", textconv]);
    sb.run(&["generate-key", "-q"]).ok();
    sb.write(".env", "API_TOKEN=old-token-1111aaaa\nDEBUG=false\n");
    sb.run(&["encrypt", "-q"]).ok();
    git(
        &sb,
        &["add", ".gitignore", ".gitattributes", ".env.encrypted"],
    );
    git(&sb, &["commit", "-q", "--no-verify", "-m", "init"]);
    sb.write(".env", "API_TOKEN=new-token-2222bbbb\nDEBUG=false\n");
    sb.run(&["encrypt", "-q"]).ok();
    git(&sb, &["commit", "-q", "--no-verify", "-am", "change token"]);
    sb
}

#[test]
fn masked_textconv_shows_which_values_changed_never_the_values() {
    let sb = history("envseal mask --textconv");
    let log = git(&sb, &["log", "-p", "--format=commit %s"]);
    assert!(
        log.contains("\n-API_TOKEN=") && log.contains("\n+API_TOKEN="),
        "{log}"
    );
    for secret in ["old-token-1111aaaa", "new-token-2222bbbb"] {
        assert!(!log.contains(secret), "a value in git log -p: {log}");
    }
    assert!(
        !log.contains("ENC["),
        "it was decrypted (and masked): {log}"
    );
}

#[test]
fn textconv_without_a_key_shows_the_file_as_it_is_and_never_prompts() {
    for textconv in ["envseal mask --textconv", "envseal decrypt --textconv"] {
        let sb = history(textconv);
        fs::remove_dir_all(sb.keyring()).unwrap();
        // git log -p, git show and git diff --cached all succeed and show the ciphertext.
        let log = git(&sb, &["log", "-p", "--format=commit %s"]);
        assert!(log.contains("ENC[v1:"), "{textconv}: {log}");
        git(&sb, &["show", "HEAD"]);
        sb.write(".env.encrypted", "#envseal:v1 bom=0\ngarbage\n");
        git(&sb, &["add", ".env.encrypted"]);
        let cached = git(&sb, &["diff", "--cached"]);
        assert!(
            cached.contains("+garbage"),
            "{textconv}: corrupt shown as is: {cached}"
        );
        git(&sb, &["reset", "-q", "--hard"]);
        // On a terminal: no prompt, done well within the deadline.
        if !crate::flow::have_script() {
            continue;
        }
        let path = crate::flow::path_with_bin();
        let pty = Pty::spawn_shell(
            &sb,
            "git --no-pager log -p",
            &[
                ("PATH", path.to_str().unwrap()),
                ("GIT_CONFIG_GLOBAL", "/dev/null"),
                ("GIT_CONFIG_NOSYSTEM", "1"),
            ],
        );
        let (code, out) = pty.finish(Duration::from_secs(20));
        assert!(!out.contains("Master key"), "{textconv} prompted: {out:?}");
        assert_eq!(code, 0, "{textconv}: {out:?}");
    }
}

#[test]
fn after_a_rotation_an_exported_new_key_does_not_hide_the_old_one() {
    let sb = history("envseal mask --textconv");
    sb.run(&[
        "rotate",
        "--new-key-file",
        "new.key",
        "--reason",
        "test",
        "--force",
        "--no-backup",
    ])
    .ok();
    git(&sb, &["commit", "-q", "--no-verify", "-am", "rotated"]);
    let new_key = fs::read_to_string(sb.path("new.key")).unwrap();
    let out = crate::flow::git_cmd(&sb)
        .env("SECRETS_MASTER_KEY", new_key.trim())
        .args(["log", "-p", "--format=commit %s"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let log = String::from_utf8_lossy(&out.stdout);
    // Every commit's blob opened: the old ones with the keyring's old key, the newest
    // with the exported new one.
    assert!(!log.contains("ENC[v1:"), "{log}");
    assert!(log.contains("+DEBUG=false"), "{log}");
}

#[test]
fn commit_v_with_the_recommended_textconv_leaves_no_value_in_commit_editmsg() {
    let sb = history("envseal mask --textconv");
    sb.write(".env", "API_TOKEN=third-token-3333cccc\nDEBUG=false\n");
    sb.run(&["encrypt", "-q"]).ok();
    git(&sb, &["add", ".env.encrypted"]);
    // The editor writes a message and leaves the verbose diff as git wrote it.
    let editor = sb.write("editor.sh", "#!/bin/sh\nprintf 'verbose commit\\n' | cat - \"$1\" > \"$1.new\" && mv \"$1.new\" \"$1\"\n");
    fs::set_permissions(&editor, fs::Permissions::from_mode(0o755)).unwrap();
    let out = crate::flow::git_cmd(&sb)
        .env("GIT_EDITOR", &editor)
        .args(["commit", "-v", "--no-verify"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let msg = String::from_utf8_lossy(&sb.read(".git/COMMIT_EDITMSG")).into_owned();
    assert!(
        msg.contains("+API_TOKEN="),
        "the verbose diff is there: {msg}"
    );
    for secret in ["new-token-2222bbbb", "third-token-3333cccc"] {
        assert!(!msg.contains(secret), "a value in COMMIT_EDITMSG: {msg}");
    }
}
