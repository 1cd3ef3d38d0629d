//! Repository boundaries and git's environment: a submodule is another repository
//! (`status` and `rotate` stop there unless `--recurse-submodules`), `GIT_DIR` /
//! `GIT_WORK_TREE` name the work tree, and an untracked plaintext env file that git does
//! not ignore fails `status --check`.

use crate::common::Sandbox;
use crate::common::{exit_code, Code};
use crate::flow::{git, init_repo};

#[test]
fn status_and_rotate_stop_at_a_submodule_unless_asked() {
    // The submodule's own repository, encrypted with the same keyring key.
    let sub = Sandbox::new();
    init_repo(&sub);
    sub.write(".gitignore", "/keyring/\n/home/\n/xdg/\n");
    let sb = Sandbox::new();
    init_repo(&sb);
    sb.write(".gitignore", "/keyring/\n/home/\n/xdg/\n");
    sb.run(&["generate-key", "-q"]).ok();
    std::fs::create_dir_all(sub.keyring()).unwrap();
    for e in std::fs::read_dir(sb.keyring()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), sub.keyring().join(e.file_name())).unwrap();
    }
    sub.write(".env", "SUB_TOKEN=sub-secret-0123456789\n");
    sub.run(&["encrypt", "-q"]).ok();
    git(&sub, &["add", ".gitignore", ".env.encrypted"]);
    git(&sub, &["commit", "-q", "--no-verify", "-m", "sub"]);

    sb.write(".env", "API_TOKEN=tok-0123456789abcdef\n");
    sb.run(&["encrypt", "-q"]).ok();
    git(
        &sb,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            sub.root().to_str().unwrap(),
            "vendor/sub",
        ],
    );
    git(&sb, &["add", ".gitignore", ".env.encrypted"]);
    git(&sb, &["commit", "-q", "--no-verify", "-m", "super"]);
    assert!(sb.path("vendor/sub/.env.encrypted").exists());

    let st = sb.run(&["status", "--json"]);
    st.ok();
    let text = st.stdout_text();
    assert!(!text.contains("vendor/sub/.env.encrypted"), "{text}");
    let st = sb.run(&["status", "--json", "--recurse-submodules"]);
    assert!(
        st.stdout_text().contains("vendor/sub/.env.encrypted"),
        "{}",
        st.stdout_text()
    );

    let before = sb.read("vendor/sub/.env.encrypted");
    let top = sb.read(".env.encrypted");
    sb.run(&["rotate", "--reason", "t", "--force", "--no-backup"])
        .ok();
    assert_ne!(sb.read(".env.encrypted"), top, "the project's file rotated");
    assert_eq!(
        sb.read("vendor/sub/.env.encrypted"),
        before,
        "the submodule's file is another repository's"
    );
}

#[test]
fn git_dir_and_git_work_tree_name_the_project() {
    let sb = Sandbox::new();
    init_repo(&sb);
    sb.write(".gitignore", "/keyring/\n/home/\n/xdg/\n");
    sb.write(".env.production", "API_TOKEN=tok-0123456789abcdef\n");
    git(&sb, &["add", ".gitignore", ".env.production"]);
    git(&sb, &["commit", "-q", "--no-verify", "-m", "oops"]);
    let elsewhere = Sandbox::new();
    let out = sb
        .command()
        .current_dir(elsewhere.root())
        .env("GIT_DIR", sb.path(".git"))
        .env("GIT_WORK_TREE", sb.root())
        .args(["status", "--check"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(exit_code(Code::CheckFailed)),
        "{text}"
    );
    assert!(
        text.contains(".env.production: a plaintext env file is tracked by git"),
        "{text}"
    );
}

#[test]
fn an_untracked_plaintext_env_file_git_does_not_ignore_fails_status_check() {
    let sb = Sandbox::new();
    init_repo(&sb);
    sb.write(".gitignore", "/keyring/\n/home/\n/xdg/\n");
    sb.run(&["status", "--check"]).ok();
    sb.write(".env.local", "API_TOKEN=tok-0123456789abcdef\n");
    let st = sb.run(&["status", "--check"]);
    st.code(exit_code(Code::CheckFailed));
    assert!(
        st.stdout_text()
            .contains(".env.local: a plaintext env file that git does not ignore"),
        "{}",
        st.stdout_text()
    );
    sb.write(".gitignore", "/keyring/\n/home/\n/xdg/\n/.env.local\n");
    sb.run(&["status", "--check"]).ok();
}
