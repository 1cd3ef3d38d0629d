//! A hostile review of the merged features together (issues 9, 10, 13, 14, 15): where one
//! feature's promise is broken by another. Real binary, real git, real processes.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::common::{exit_code, Code};
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
    check.code(exit_code(Code::CheckFailed));
    assert!(
        check.stdout_text().contains("run: envseal decrypt"),
        "{}",
        check.stdout_text()
    );
    let before = sb.read(".env.encrypted");
    let refused = sb.run(&["encrypt"]);
    refused
        .code(exit_code(Code::Refused))
        .no_leak(&["two-set-value"]);
    assert!(refused.stderr.contains('B'), "{}", refused.stderr);
    assert_eq!(sb.read(".env.encrypted"), before);

    sb.run(&["unset", "C"]).ok();
    assert_eq!(status_sync(&sb), "encrypted_changed");
    sb.run(&["encrypt"]).code(exit_code(Code::Refused));
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
    sb.run(&["encrypt"]).code(exit_code(Code::Refused));
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

// ---- The merge driver under the installed pre-merge-commit hook ------------------------

/// git in `dir` of the sandbox (no global config, the binary first in PATH).
fn git_in(sb: &Sandbox, dir: &str, args: &[&str]) -> std::process::Output {
    let mut c = crate::flow::git_cmd(sb);
    c.current_dir(sb.path(dir)).env_remove("CI").args(args);
    c.output().expect("run git")
}

fn git_ok(sb: &Sandbox, dir: &str, args: &[&str]) -> String {
    let out = git_in(sb, dir, args);
    assert!(
        out.status.success(),
        "git {} in {dir}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn envseal_in(sb: &Sandbox, dir: &str, args: &[&str]) -> Run {
    let out = sb
        .command()
        .current_dir(sb.path(dir))
        .env_remove("CI")
        .args(args)
        .output()
        .expect("run envseal");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        what: format!("envseal {} (in {dir})", args.join(" ")),
    }
}

fn clone(sb: &Sandbox, name: &str) {
    git_ok(sb, ".", &["clone", "-q", "origin.git", name]);
    git_ok(sb, name, &["symbolic-ref", "HEAD", "refs/heads/main"]);
    git_ok(sb, name, &["config", "user.name", "Envseal Test"]);
    git_ok(sb, name, &["config", "user.email", "test@example.invalid"]);
    git_ok(sb, name, &["config", "commit.gpgsign", "false"]);
}

/// Change one value of `dir`'s `.env`, encrypt, commit (through the installed hook).
fn change_and_commit(sb: &Sandbox, dir: &str, from: &str, to: &str) {
    let p = format!("{dir}/.env");
    let env = String::from_utf8(sb.read(&p)).unwrap();
    sb.write(&p, env.replace(from, to));
    envseal_in(sb, dir, &["encrypt", "-q"]).ok();
    git_ok(sb, dir, &["commit", "-q", "-am", to]);
}

/// alice and bob, each with `envseal hook install` (pre-commit, pre-merge-commit and the
/// merge driver), change different keys; bob's `git pull` merges with the driver and
/// commits the merge through the pre-merge-commit hook.
fn merged_by_the_driver_under_the_hook(bob_local_edit: bool) -> (Sandbox, std::process::Output) {
    let sb = Sandbox::new();
    sb.run(&["generate-key", "-q"]).ok();
    git_ok(
        &sb,
        ".",
        &["init", "-q", "--bare", "-b", "main", "origin.git"],
    );
    clone(&sb, "alice");
    sb.write("alice/.env", "A=alpha-0001\nB=beta-0002\nC=gamma-0003\n");
    envseal_in(&sb, "alice", &["encrypt", "-q"]).ok();
    envseal_in(&sb, "alice", &["hook", "install"]).ok();
    git_ok(
        &sb,
        "alice",
        &["add", ".gitattributes", ".gitignore", ".env.encrypted"],
    );
    git_ok(&sb, "alice", &["commit", "-q", "-m", "init"]);
    git_ok(&sb, "alice", &["push", "-q", "origin", "main"]);
    clone(&sb, "bob");
    envseal_in(&sb, "bob", &["hook", "install"]).ok();
    envseal_in(&sb, "bob", &["decrypt", "-q"]).ok();
    for hook in ["pre-commit", "pre-merge-commit"] {
        let text = fs::read_to_string(sb.path(&format!("bob/.git/hooks/{hook}"))).unwrap();
        assert!(text.contains("envseal"), "{hook}: {text}");
    }

    change_and_commit(&sb, "alice", "alpha-0001", "alpha-alice");
    git_ok(&sb, "alice", &["push", "-q", "origin", "main"]);
    change_and_commit(&sb, "bob", "gamma-0003", "gamma-bob");
    if bob_local_edit {
        let env = String::from_utf8(sb.read("bob/.env")).unwrap();
        sb.write("bob/.env", env.replace("beta-0002", "beta-local"));
    }
    let pull = git_in(&sb, "bob", &["pull", "-q", "--no-rebase", "origin", "main"]);
    (sb, pull)
}

#[test]
fn a_clean_driver_merge_commits_through_the_installed_pre_merge_commit_hook() {
    let (sb, pull) = merged_by_the_driver_under_the_hook(false);
    assert!(
        pull.status.success(),
        "the merge commit was refused: {}",
        String::from_utf8_lossy(&pull.stderr)
    );
    // A real merge commit (two parents), not a fast-forward.
    git_ok(&sb, "bob", &["rev-parse", "--verify", "HEAD^2"]);
    let plain = envseal_in(&sb, "bob", &["decrypt", "--stdout"])
        .ok()
        .stdout_text();
    assert_eq!(plain, "A=alpha-alice\nB=beta-0002\nC=gamma-bob\n");
    // The pulled side is ahead of bob's .env: decrypt is what to run.
    let check = envseal_in(&sb, "bob", &["status", "--check"]);
    assert!(
        check.stdout_text().contains("envseal decrypt"),
        "{}",
        check.stdout_text()
    );
}

#[test]
fn a_clean_driver_merge_commits_with_an_unrelated_unencrypted_local_edit() {
    // bob's uncommitted .env tweak is not in the merge and is lost by nobody: the merge
    // commit goes through, and afterwards `status` says both sides moved (sync).
    let (sb, pull) = merged_by_the_driver_under_the_hook(true);
    assert!(
        pull.status.success(),
        "the merge commit was refused: {}",
        String::from_utf8_lossy(&pull.stderr)
    );
    git_ok(&sb, "bob", &["rev-parse", "--verify", "HEAD^2"]);
    let check = envseal_in(&sb, "bob", &["status", "--check"]);
    assert!(
        check.stdout_text().contains("envseal sync"),
        "{}",
        check.stdout_text()
    );
}

// ---- The sync record across rotate, and a set committed through the hook ---------------

#[test]
fn after_rotate_a_local_edit_is_still_told_from_a_set() {
    let sb = sealed_repo("A=1\nB=2\nC=3\n", &[]);
    sb.run(&["rotate", "--yes", "-q"]).ok();
    assert_eq!(status_sync(&sb), "in_sync");
    set(&sb, "B", "two-after-rotate", &[]).ok();
    assert_eq!(status_sync(&sb), "encrypted_changed");
    sb.run(&["encrypt"])
        .code(exit_code(Code::Refused))
        .no_leak(&["two-after-rotate"]);
    sb.run(&["decrypt", "-q"]).ok();
    sb.write(".env", "A=1\nB=two-after-rotate\nC=local\n");
    assert_eq!(status_sync(&sb), "stale");
    sb.run(&["decrypt"])
        .code(exit_code(Code::Refused))
        .no_leak(&["local"]);
}

#[test]
fn a_set_value_commits_through_the_hook_without_a_prior_sync_record() {
    let sb = Sandbox::new();
    git(&sb, &["init", "-q"]);
    git(&sb, &["config", "user.name", "Envseal Test"]);
    git(&sb, &["config", "user.email", "test@example.invalid"]);
    sb.run(&["generate-key", "-q"]).ok();
    sb.write(".env", "A=1\nB=2\n");
    // Encrypted with its record elsewhere: this clone's ledger has none.
    sb.run(&["encrypt", "-q", "--ledger", "elsewhere.db"]).ok();
    sb.run(&["hook", "install"]).ok();
    git(&sb, &["add", ".env.encrypted", ".gitignore"]);
    git(&sb, &["commit", "-q", "-m", "init"]);
    set(&sb, "B", "two-set-value", &[]).ok();
    git(&sb, &["add", ".env.encrypted"]);
    let out = crate::flow::git_cmd(&sb)
        .args(["commit", "-q", "-m", "set B"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the hook blocked a commit of a set value: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---- set against a concurrent rotate in a fresh clone ---------------------------------

/// The text of the sandbox keyring's one key.
fn keyring_key_text(sb: &Sandbox) -> Vec<u8> {
    fs::read_dir(sb.keyring())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "key"))
        .map(|p| fs::read(p).unwrap())
        .expect("the keyring key")
}

/// Run envseal `args` (plus `--key-file key.fifo`, `stdin` on its stdin) and, while it
/// waits for its key on the FIFO (it has read its files by then), run `rotate`; then
/// give it the key. Returns what rotate and the command said.
fn rotate_while_waiting_for_the_key(
    sb: &Sandbox,
    args: &[&str],
    stdin: &[u8],
) -> (Run, std::process::Output) {
    use std::io::Write;
    let key_text = keyring_key_text(sb);
    let fifo = sb.path("key.fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    fs::set_permissions(&fifo, fs::Permissions::from_mode(0o600)).unwrap();
    let mut c = sb.command();
    c.args(args)
        .args(["--key-file", "key.fifo"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    // A non-blocking writer open succeeds only once the command has opened the FIFO
    // (ENXIO before); a command that exits first fails the test instead of hanging it.
    let mut writer = loop {
        use std::os::unix::fs::OpenOptionsExt;
        const O_NONBLOCK: i32 = 0o4000; // Linux
        match fs::OpenOptions::new()
            .write(true)
            .custom_flags(O_NONBLOCK)
            .open(&fifo)
        {
            Ok(w) => break w,
            Err(_) => {
                if let Some(status) = child.try_wait().unwrap() {
                    panic!("envseal {args:?} exited {status} before reading its key");
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
    };
    let rotate = sb.run(&["rotate", "--yes", "-q"]);
    writer.write_all(&key_text).unwrap();
    drop(writer);
    (rotate, child.wait_with_output().unwrap())
}

/// Either may lose (rotate busy, or the command refused), but the rotation is never
/// undone: no file is left under the retired key.
fn rotation_not_undone(sb: &Sandbox, rotate: &Run, other: &std::process::Output) {
    let check = sb.run(&["status", "--check"]);
    let said = format!("{}{}", check.stdout_text(), check.stderr);
    assert!(
        !said.contains("retired"),
        "rotate exited {}, the other exited {:?} ({}); status --check: {}{}",
        rotate.code,
        other.status.code(),
        String::from_utf8_lossy(&other.stderr),
        check.stdout_text(),
        check.stderr
    );
}

#[test]
fn set_in_a_clone_without_envseal_dir_cannot_undo_a_concurrent_rotation() {
    // A fresh clone has no `.envseal/` (the ledger is in the git directory).
    let sb = sealed_repo("A=1\nB=2\n", &[]);
    fs::remove_dir_all(sb.path(".envseal")).ok();
    fs::remove_file(sb.path(".env")).unwrap();
    let (rotate, set) =
        rotate_while_waiting_for_the_key(&sb, &["set", "B"], b"set-during-rotation");
    rotation_not_undone(&sb, &rotate, &set);
}

#[test]
fn sync_cannot_undo_a_concurrent_rotation() {
    // Both sides changed since the last sync: `sync` writes both files.
    let sb = sealed_repo("A=1\nB=2\nC=3\n", &[]);
    set(&sb, "B", "two-set", &[]).ok();
    sb.write(".env", "A=1\nB=2\nC=three-local\n");
    let (rotate, sync) = rotate_while_waiting_for_the_key(&sb, &["sync"], b"");
    rotation_not_undone(&sb, &rotate, &sync);
    // Whoever won, no change is lost: after a sync (again, if it was refused) both hold
    // both changes.
    if !sync.status.success() {
        sb.run(&["sync", "-q"]).ok();
    }
    let plain = sb.run(&["decrypt", "--stdout"]).ok().stdout_text();
    assert_eq!(plain, "A=1\nB=two-set\nC=three-local\n");
    assert_eq!(sb.read(".env"), plain.as_bytes());
}

#[test]
fn a_conflict_finished_as_the_driver_says_commits_through_the_hook() {
    // Same key changed differently: the driver exits non-zero and says to finish with
    // `envseal edit` then `git add`; the commit of that resolution passes the hook.
    let sb = Sandbox::new();
    sb.run(&["generate-key", "-q"]).ok();
    git_ok(
        &sb,
        ".",
        &["init", "-q", "--bare", "-b", "main", "origin.git"],
    );
    clone(&sb, "alice");
    sb.write("alice/.env", "A=alpha-0001\nB=beta-0002\n");
    envseal_in(&sb, "alice", &["encrypt", "-q"]).ok();
    envseal_in(&sb, "alice", &["hook", "install"]).ok();
    git_ok(
        &sb,
        "alice",
        &["add", ".gitattributes", ".gitignore", ".env.encrypted"],
    );
    git_ok(&sb, "alice", &["commit", "-q", "-m", "init"]);
    git_ok(&sb, "alice", &["push", "-q", "origin", "main"]);
    clone(&sb, "bob");
    envseal_in(&sb, "bob", &["hook", "install"]).ok();
    envseal_in(&sb, "bob", &["decrypt", "-q"]).ok();
    change_and_commit(&sb, "alice", "alpha-0001", "alpha-alice");
    git_ok(&sb, "alice", &["push", "-q", "origin", "main"]);
    change_and_commit(&sb, "bob", "alpha-0001", "alpha-bob");
    let pull = git_in(&sb, "bob", &["pull", "-q", "--no-rebase", "origin", "main"]);
    assert!(!pull.status.success(), "the conflict was not reported");
    let said = String::from_utf8_lossy(&pull.stderr);
    assert!(said.contains("envseal edit"), "{said}");
    // Resolve: take alice's value, as a user would in the editor.
    let ed = editor(&sb, "sed -i 's/^A=.*/A=alpha-alice/' \"$1\"");
    let out = sb
        .command()
        .current_dir(sb.path("bob"))
        .env_remove("CI")
        .env("EDITOR", &ed)
        .env("VISUAL", "")
        .args(["edit", "-q"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    git_ok(&sb, "bob", &["add", ".env.encrypted"]);
    let commit = git_in(&sb, "bob", &["commit", "-q", "--no-edit"]);
    assert!(
        commit.status.success(),
        "the hook blocked the resolution: {}",
        String::from_utf8_lossy(&commit.stderr)
    );
    git_ok(&sb, "bob", &["rev-parse", "--verify", "HEAD^2"]);
    let plain = envseal_in(&sb, "bob", &["decrypt", "--stdout"])
        .ok()
        .stdout_text();
    assert_eq!(plain, "A=alpha-alice\nB=beta-0002\n");
}

#[test]
fn encrypt_without_the_flag_keeps_comments_hidden_in_an_output_written_with_encrypt_comments() {
    // Following status' advice (a plain `envseal encrypt`) after a local edit must not
    // publish the comments the file was written to hide.
    let sb = sealed_repo(COMMENTED, &["--encrypt-comments"]);
    sb.write(".env", COMMENTED.replace("B=2", "B=3"));
    let advice = sb.run(&["status", "--check"]);
    assert!(advice.stdout_text().contains("run: envseal encrypt .env"));
    sb.run(&["encrypt", "-q"]).ok();
    let sealed = sb.read(".env.encrypted");
    assert!(
        !crate::common::contains(&sealed, b"acct-hidden-4711"),
        "encrypt published the hidden comment:\n{}",
        String::from_utf8_lossy(&sealed)
    );
    let plain = sb.run(&["decrypt", "--stdout"]).ok().stdout_text();
    assert_eq!(plain, COMMENTED.replace("B=2", "B=3"));
}
