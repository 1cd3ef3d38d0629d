//! One ledger per repository, out of git's way: in the common git directory, shared by
//! linked worktrees, untouched by `git clean -fdx` and `git stash --all`, migrated from
//! the old `.envseal/ledger.db`; `.envseal/config.toml` stays in the work tree.

use std::fs;

use crate::common::Sandbox;
use crate::flow::{git, init_repo};

#[test]
fn the_ledger_lives_in_the_common_git_dir_and_is_migrated_shared_and_kept() {
    let sb = Sandbox::new();
    init_repo(&sb);
    sb.write(".gitignore", "/keyring/\n/home/\n/xdg/\n");
    fs::create_dir_all(sb.path(".envseal")).unwrap();
    sb.write(".envseal/config.toml", "rotation_interval_days = 30\n");
    sb.run(&["generate-key", "-q"]).ok();
    sb.write(".env", "API_TOKEN=tok-0123456789abcdef\n");
    // The old layout: a ledger in .envseal/ (as earlier versions made it).
    let old = [("ENVSEAL_LEDGER", ".envseal/ledger.db")];
    sb.run_env(&["encrypt", "-q"], &old).ok();
    sb.run_env(
        &[
            "rotate",
            "--reason",
            "before the move",
            "--force",
            "--no-backup",
        ],
        &old,
    )
    .ok();
    assert!(sb.path(".envseal/ledger.db").exists());
    git(
        &sb,
        &[
            "add",
            ".gitignore",
            ".env.encrypted",
            ".envseal/config.toml",
        ],
    );
    git(&sb, &["commit", "-q", "--no-verify", "-m", "init"]);

    // First use without an override: moved into .git/envseal/, history intact.
    let hist = sb.run(&["status", "--history"]);
    hist.ok();
    assert!(
        hist.stdout_text().contains("before the move"),
        "{}",
        hist.stdout_text()
    );
    assert!(!sb.path(".envseal/ledger.db").exists(), "migrated away");
    assert!(sb.path(".git/envseal/ledger.db").exists());
    assert!(
        sb.path(".envseal/config.toml").exists(),
        "the shared settings stay"
    );

    // A linked worktree sees the same ledger: the rotation is not "never".
    let other = Sandbox::new();
    let wt = other.path("wt");
    git(&sb, &["worktree", "add", "-q", wt.to_str().unwrap()]);
    let out = sb
        .command()
        .current_dir(&wt)
        .arg("status")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(!text.contains("last rotation never"), "{text}");
    assert!(text.contains(".git/envseal/ledger.db"), "{text}");

    // git's own cleaning leaves it alone.
    git(&sb, &["clean", "-fdxq"]);
    git(&sb, &["stash", "--all", "-q"]);
    let hist = sb.run(&["status", "--history"]);
    assert!(
        hist.stdout_text().contains("before the move"),
        "{}",
        hist.stdout_text()
    );
}

#[test]
fn outside_git_and_with_an_override_the_ledger_is_where_it_was() {
    let sb = Sandbox::new();
    sb.run(&["generate-key", "-q"]).ok();
    sb.write(".env", "API_TOKEN=tok-0123456789abcdef\n");
    sb.run(&["encrypt", "-q"]).ok();
    assert!(sb.path(".envseal/ledger.db").exists());
    init_repo(&sb);
    sb.run_env(&["status"], &[("ENVSEAL_LEDGER", "elsewhere.db")])
        .ok();
    assert!(
        sb.path(".envseal/ledger.db").exists(),
        "an override moves nothing"
    );
    assert!(!sb.path(".git/envseal").exists());
}
