//! `git diff` of encrypted files through a textconv driver: the plaintext lines that
//! changed, in `git diff` and `git log -p`.

use crate::common::Sandbox;
use crate::flow::{git, init_repo};

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
