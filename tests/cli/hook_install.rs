//! `envseal hook install` among the hooks a team already has: the pre-commit framework
//! (installed for real, before and after envseal), a Python hook, a symlinked hook, a
//! shell hook that ends in `exec`, a shared `core.hooksPath`, and a clean automatic merge
//! (`pre-merge-commit`).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::Sandbox;
use crate::common::{exit_code, Code};
use crate::flow::{git, git_cmd, init_repo, output_within, path_with_bin};
use crate::hook::{commit, pre_commit, repo};

const HOOK: &str = ".git/hooks/pre-commit";

/// A repository with a key, `.env` encrypted and committed, no hook yet.
fn bare_repo() -> Sandbox {
    let sb = Sandbox::new();
    init_repo(&sb);
    sb.write(".gitignore", "/keyring/\n/home/\n/xdg/\n/hook.log\n");
    sb.write(".env", "API_TOKEN=tok-0123456789abcdef\nDEBUG=true\n");
    sb.run(&["generate-key", "-q"]).ok();
    sb.run(&["encrypt", "-q"]).ok();
    git(&sb, &["add", ".gitignore", ".env.encrypted"]);
    git(&sb, &["commit", "-q", "--no-verify", "-m", "init"]);
    sb
}

/// `python3 -m pre_commit ARGS` in the sandbox; (exit code, stdout + stderr).
fn framework(sb: &Sandbox, args: &[&str]) -> (i32, String) {
    let mut c = Command::new("python3");
    sb.setup(&mut c);
    c.arg("-m")
        .arg("pre_commit")
        .args(args)
        .env("PATH", path_with_bin())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = output_within(c.spawn().unwrap(), Duration::from_secs(60), "pre-commit");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn stage_plaintext(sb: &Sandbox) {
    git(sb, &["add", "-f", ".env"]);
}

#[test]
fn with_the_pre_commit_framework_installed_first_envseal_refuses_with_the_exact_alternative() {
    if pre_commit().is_none() {
        return;
    }
    let sb = bare_repo();
    sb.write(".pre-commit-config.yaml", "repos: []\n");
    git(&sb, &["add", ".pre-commit-config.yaml"]);
    let (code, out) = framework(&sb, &["install"]);
    assert_eq!(code, 0, "{out}");
    let before = sb.read(HOOK);
    let run = sb.run(&["hook", "install"]);
    run.code(exit_code(Code::Refused));
    for want in [
        "pre-commit framework",
        "envseal-check",
        "repo: local",
        "nothing was changed",
    ] {
        assert!(run.stderr.contains(want), "{want}: {}", run.stderr);
    }
    assert_eq!(sb.read(HOOK), before, "the framework's hook is untouched");
    assert!(!sb.path(".git/hooks/pre-merge-commit").exists());

    // Following the advice works: the framework runs envseal and blocks a plaintext .env.
    sb.write(
        ".pre-commit-config.yaml",
        "repos:\n- repo: local\n  hooks:\n  - {id: envseal-check, name: envseal, entry: envseal hook run, language: system, pass_filenames: false, stages: [pre-commit, pre-merge-commit]}\n",
    );
    git(&sb, &["add", ".pre-commit-config.yaml"]);
    let (code, out) = framework(
        &sb,
        &["install", "-t", "pre-commit", "-t", "pre-merge-commit"],
    );
    assert_eq!(code, 0, "{out}");
    commit(&sb, "config").ok();
    stage_plaintext(&sb);
    let c = commit(&sb, "plaintext");
    assert_ne!(c.code, 0, "the framework let a plaintext .env through");
    assert!(
        c.stderr.contains(".env: a plaintext env file is staged"),
        "{}",
        c.stderr
    );
}

#[test]
fn installed_before_the_framework_wraps_it_envseal_still_runs_and_uninstall_finds_it() {
    if pre_commit().is_none() {
        return;
    }
    let sb = bare_repo();
    sb.run(&["hook", "install"]).ok();
    sb.write(".pre-commit-config.yaml", "repos: []\n");
    git(&sb, &["add", ".pre-commit-config.yaml"]);
    let (code, out) = framework(&sb, &["install"]);
    assert_eq!(code, 0, "{out}");
    assert!(sb.path(".git/hooks/pre-commit.legacy").exists(), "{out}");
    commit(&sb, "config").ok();
    // The framework runs the hook it moved aside: envseal still blocks.
    stage_plaintext(&sb);
    commit(&sb, "plaintext").blocked(".env: a plaintext env file is staged");
    // Installing again says where it is; uninstall finds it there.
    let run = sb.run(&["hook", "install"]);
    run.ok();
    assert!(run.stderr.contains("pre-commit.legacy"), "{}", run.stderr);
    let run = sb.run(&["hook", "uninstall"]);
    run.ok();
    assert!(
        run.stderr.contains("removed the envseal hook from")
            && run.stderr.contains("pre-commit.legacy"),
        "{}",
        run.stderr
    );
    let legacy = fs::read_to_string(sb.path(".git/hooks/pre-commit.legacy")).unwrap_or_default();
    assert!(!legacy.contains("envseal"), "{legacy}");
    commit(&sb, "now unchecked").ok();
}

#[test]
fn a_hook_envseal_cannot_extend_is_left_alone_and_one_ending_in_exec_still_runs_it() {
    let sb = bare_repo();
    fs::create_dir_all(sb.path(".git/hooks")).unwrap();
    // A Python hook: appending shell lines would break every commit.
    let python = "#!/usr/bin/env python3\nimport sys\nsys.exit(0)\n";
    sb.write(HOOK, python);
    fs::set_permissions(sb.path(HOOK), fs::Permissions::from_mode(0o755)).unwrap();
    let run = sb.run(&["hook", "install"]);
    run.code(exit_code(Code::Refused));
    assert!(run.stderr.contains("not a shell script"), "{}", run.stderr);
    assert_eq!(sb.read(HOOK), python.as_bytes());
    sb.write("a.txt", "a\n");
    git(&sb, &["add", "a.txt"]);
    commit(&sb, "python hook still works").ok();

    // A symlinked hook: not replaced by a regular file.
    fs::remove_file(sb.path(HOOK)).unwrap();
    sb.write("team-hook.sh", "#!/bin/sh\nexit 0\n");
    std::os::unix::fs::symlink("../../team-hook.sh", sb.path(HOOK)).unwrap();
    let run = sb.run(&["hook", "install"]);
    run.code(exit_code(Code::Refused));
    assert!(run.stderr.contains("symlink"), "{}", run.stderr);
    assert!(fs::symlink_metadata(sb.path(HOOK))
        .unwrap()
        .file_type()
        .is_symlink());
    fs::remove_file(sb.path(HOOK)).unwrap();

    // A shell hook that ends in `exec`: the block goes before it, and runs.
    let exec_hook = "#!/bin/sh\necho ran >> hook.log\nexec true\n";
    sb.write(HOOK, exec_hook);
    fs::set_permissions(sb.path(HOOK), fs::Permissions::from_mode(0o755)).unwrap();
    sb.run(&["hook", "install"]).ok();
    stage_plaintext(&sb);
    commit(&sb, "plaintext").blocked(".env: a plaintext env file is staged");
    git(&sb, &["rm", "-q", "--cached", ".env"]);
    sb.write("b.txt", "b\n");
    git(&sb, &["add", "b.txt"]);
    commit(&sb, "clean").ok();
    assert_eq!(sb.read("hook.log"), b"ran\n", "the team's hook still runs");
    sb.run(&["hook", "uninstall"]).ok();
    assert_eq!(sb.read(HOOK), exec_hook.as_bytes());
}

#[test]
fn a_shared_hooks_path_finds_envseal_on_path_or_says_how_to_get_it() {
    let sb = bare_repo();
    git(&sb, &["config", "core.hooksPath", ".githooks"]);
    sb.run(&["hook", "install"]).ok();
    let hook = String::from_utf8(sb.read(".githooks/pre-commit")).unwrap();
    let bin_dir = crate::common::bin().parent().unwrap().display().to_string();
    assert!(
        !hook.contains(&bin_dir),
        "the installer's path is baked in: {hook}"
    );
    assert!(sb.path(".githooks/pre-merge-commit").exists());
    // A teammate with envseal on PATH: checked.
    stage_plaintext(&sb);
    commit(&sb, "plaintext").blocked(".env: a plaintext env file is staged");
    // A teammate without it: one line that says how to install it and how to bypass.
    let out = git_cmd(&sb)
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .args(["commit", "-q", "-m", "no envseal"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.contains("envseal"))
        .unwrap_or_default();
    assert!(
        line.contains("not found on PATH")
            && line.contains("cargo install")
            && line.contains("--no-verify"),
        "{err}"
    );
}

#[test]
fn a_clean_automatic_merge_runs_the_envseal_check() {
    let sb = repo();
    assert!(sb.path(".git/hooks/pre-merge-commit").exists());
    git(&sb, &["checkout", "-q", "-b", "feature"]);
    sb.write(".env.local", "API_TOKEN=tok-0123456789abcdef\n");
    git(&sb, &["add", "-f", ".env.local"]);
    git(&sb, &["commit", "-q", "--no-verify", "-m", "oops"]);
    git(&sb, &["checkout", "-q", "main"]);
    sb.write("a.txt", "a\n");
    git(&sb, &["add", "a.txt"]);
    commit(&sb, "unrelated").ok();
    let out = git_cmd(&sb)
        .args(["merge", "--no-edit", "feature"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the merge was committed: {err}");
    assert!(
        err.contains(".env.local: a plaintext env file is staged"),
        "{err}"
    );
    assert!(
        sb.path(".git/MERGE_HEAD").exists(),
        "the merge is not concluded"
    );
}

#[test]
fn merging_a_teammates_re_encrypted_file_is_not_blocked_as_stale() {
    let sb = repo();
    git(&sb, &["checkout", "-q", "-b", "teammate"]);
    sb.write(".env", "API_TOKEN=tok-0123456789abcdef\nDEBUG=false\n");
    sb.run(&["encrypt", "-q"]).ok();
    git(&sb, &["commit", "-q", "--no-verify", "-am", "DEBUG off"]);
    git(&sb, &["checkout", "-q", "main"]);
    // This clone's .env is the old one (the teammate's change is not decrypted yet).
    sb.write(".env", "API_TOKEN=tok-0123456789abcdef\nDEBUG=true\n");
    sb.write("a.txt", "a\n");
    git(&sb, &["add", "a.txt"]);
    commit(&sb, "unrelated").ok();
    let out = git_cmd(&sb)
        .args(["merge", "--no-edit", "teammate"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_older_block_appended_after_exec_is_moved_to_the_top() {
    let sb = bare_repo();
    fs::create_dir_all(sb.path(".git/hooks")).unwrap();
    // What earlier versions wrote: the block appended, after the hook's `exec`, with the
    // installer's absolute path baked in.
    let old = "#!/bin/sh\necho ran >> hook.log\nexec true\n# >>> envseal >>> (added by `envseal hook install`; remove with `envseal hook uninstall`)\nenvseal_bin=$(command -v envseal || echo '/nowhere/envseal')\n\"$envseal_bin\" hook run || exit $?\n# <<< envseal <<<\n";
    sb.write(HOOK, old);
    fs::set_permissions(sb.path(HOOK), fs::Permissions::from_mode(0o755)).unwrap();
    stage_plaintext(&sb);
    commit(&sb, "the old block never ran").ok();
    git(&sb, &["rm", "-q", "--cached", ".env"]);
    sb.run(&["hook", "install"]).ok();
    let text = String::from_utf8(sb.read(HOOK)).unwrap();
    assert!(!text.contains("/nowhere/envseal"), "{text}");
    assert!(text.starts_with("#!/bin/sh\n# >>> envseal >>>"), "{text}");
    assert!(
        text.ends_with("# <<< envseal <<<\necho ran >> hook.log\nexec true\n"),
        "{text}"
    );
    sb.write(".env", "API_TOKEN=tok-0123456789abcdef\nDEBUG=false\n");
    stage_plaintext(&sb);
    commit(&sb, "plaintext").blocked(".env: a plaintext env file is staged");
}
