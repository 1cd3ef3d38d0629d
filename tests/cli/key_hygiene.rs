//! Issue 9's leaks through `run`, `mask`, `edit`, the keyring and the hook, each pinned by
//! a test that failed before its fix: the master key in the command's environment and
//! unmasked in logs (9.7), vim's viminfo/undo/backup files, a silent disk fallback and
//! an editor started without a terminal (9.13), keyring warnings (9.21), a failed `run`
//! missing from the ledger and hook commands that break on a path with a space (9.22).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{bin, test_key, Sandbox};
use crate::common::{exit_code, Code};

const ENV: &str = "API_TOKEN=run-token-value-123\nDB_PASSWORD=hunter2-but-longer\n";

/// A sandbox with `.env.encrypted` under `test_key(seed)`, kept in `k.key`.
fn sealed(seed: u8) -> (Sandbox, String, String) {
    let sb = Sandbox::new();
    let key = test_key(seed);
    let kf = sb.key_file("k.key", &key);
    sb.write(".env", ENV);
    sb.run(&["encrypt", "-q", "--key-file", &kf]).ok();
    fs::remove_file(sb.path(".env")).unwrap();
    (sb, kf, key.expose_text().to_string())
}

#[test]
fn run_keeps_the_master_key_variables_out_of_the_commands_environment() {
    let (sb, _, key) = sealed(71);
    let other = test_key(72).expose_text().to_string();
    // The key from SECRETS_MASTER_KEY; a per-environment variable set beside it too.
    let out = sb.run_env(
        &["run", "--", "env"],
        &[
            ("SECRETS_MASTER_KEY", &key),
            ("SECRETS_MASTER_KEY_PRODUCTION", &other),
        ],
    );
    out.ok().no_leak(&[&key]);
    let env = out.stdout_text();
    assert!(env.contains("API_TOKEN=run-token-value-123\n"), "{env}");
    assert!(!env.contains("SECRETS_MASTER_KEY="), "{env}");
    // .env.production: the key comes from SECRETS_MASTER_KEY_PRODUCTION; both go.
    sb.write(".env.production", "PROD_TOKEN=prod-value-abcdef\n");
    let kf2 = sb.key_file("p.key", &test_key(72));
    sb.run(&["encrypt", "-q", ".env.production", "--key-file", &kf2])
        .ok();
    let out = sb.run_env(
        &["run", "-f", ".env.production.encrypted", "--", "env"],
        &[
            ("SECRETS_MASTER_KEY", &key),
            ("SECRETS_MASTER_KEY_PRODUCTION", &other),
        ],
    );
    let env = out.ok().stdout_text();
    assert!(env.contains("PROD_TOKEN=prod-value-abcdef\n"), "{env}");
    assert!(
        !env.contains(&other) && !env.contains(&key),
        "a key reached the command"
    );
    assert!(!env.contains("SECRETS_MASTER_KEY"), "{env}");
    // Nor through expansion.
    sb.write(".env", "LEAK=x${SECRETS_MASTER_KEY}x\n");
    sb.run(&[
        "encrypt",
        "-q",
        "--force",
        "--key-file",
        &sb.path("k.key").display().to_string(),
    ])
    .ok();
    let out = sb.run_env(
        &["run", "--expand", "--", "env"],
        &[("SECRETS_MASTER_KEY", &key)],
    );
    let env = out.ok().stdout_text();
    assert!(env.contains("LEAK=xx\n"), "{env}");
    // Unless the file itself sets the name: then the command gets the file's value.
    sb.write(".env", "SECRETS_MASTER_KEY=the-files-own-value\n");
    sb.run(&[
        "encrypt",
        "-q",
        "--force",
        "--key-file",
        &sb.path("k.key").display().to_string(),
    ])
    .ok();
    let out = sb.run_env(&["run", "--", "env"], &[("SECRETS_MASTER_KEY", &key)]);
    let env = out.ok().no_leak(&[&key]).stdout_text();
    assert!(
        env.contains("SECRETS_MASTER_KEY=the-files-own-value\n"),
        "{env}"
    );
}

/// `printf LOG | envseal mask --secrets .env.encrypted` with `env` set.
fn filter(sb: &Sandbox, log: &str, extra: &[&str], env: &[(&str, &str)]) -> String {
    let mut c = Command::new(bin());
    sb.setup(&mut c);
    c.args(["mask", "--secrets", ".env.encrypted"]).args(extra);
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(log.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn mask_filter_and_leak_check_treat_the_master_key_as_a_secret() {
    let (sb, kf, key) = sealed(73);
    let standard = key.replace('-', "+").replace('_', "/");
    let unpadded = key.trim_end_matches('=').to_owned();
    let log = format!(
        "deploy: SECRETS_MASTER_KEY={key}\nstd {standard} end\nbare {unpadded}\ntoken run-token-value-123\n"
    );
    // The key given in the environment (the README's CI recipe).
    let shown = filter(&sb, &log, &[], &[("SECRETS_MASTER_KEY", &key)]);
    for s in [
        &key,
        &standard,
        &unpadded,
        &"run-token-value-123".to_owned(),
    ] {
        assert!(!shown.contains(s.as_str()), "shown: {shown}");
    }
    assert!(
        shown.contains("deploy: SECRETS_MASTER_KEY=***\n"),
        "{shown}"
    );
    // The key given as a file.
    let shown = filter(&sb, &log, &["--key-file", &kf], &[]);
    assert!(!shown.contains(&unpadded), "shown: {shown}");
    // The leak check finds the key text in a file, and names the key by its id only.
    fs::create_dir_all(sb.path("notes")).unwrap();
    sb.write("notes/deploy.log", format!("ok\nkey {key}\n"));
    let run = sb.run(&[
        "mask",
        "--check",
        "--secrets",
        ".env.encrypted",
        "--key-file",
        &kf,
        "notes",
    ]);
    run.code(exit_code(Code::CheckFailed)).no_leak(&[&key]);
    let id = test_key(73).id().to_string();
    assert_eq!(
        run.stdout_text(),
        format!("notes/deploy.log:2: master key {id}\n")
    );
}

#[test]
fn a_failed_run_records_a_ledger_event_without_values() {
    let (sb, _, _) = sealed(74);
    let wrong = sb.key_file("wrong.key", &test_key(75));
    sb.run(&["run", "--key-file", &wrong, "--", "true"])
        .code(exit_code(Code::WrongKey));
    let ledger = envseal::ledger::Ledger::open_if_exists(&sb.path(".envseal/ledger.db"))
        .unwrap()
        .expect("encrypt created the ledger");
    let last = ledger.events(1).unwrap().pop().unwrap();
    assert_eq!(last.operation, envseal::ledger::Operation::Run);
    assert_eq!(last.outcome, envseal::ledger::Outcome::Failed);
    assert_eq!(last.detail.as_deref(), Some("wrong key"));
    assert_eq!(last.file, ".env.encrypted");
    // A command that cannot be started is a failed run too.
    let right = sb.path("k.key").display().to_string();
    sb.run(&["run", "--key-file", &right, "--", "no-such-command-here"])
        .code(exit_code(Code::NotFound));
    // One event for it, a failed one (not "ok" and then "failed").
    let last_two = ledger.events(2).unwrap();
    assert_eq!(last_two[1].outcome, envseal::ledger::Outcome::Failed);
    assert_eq!(last_two[1].detail.as_deref(), Some("wrong key"));
    let last = last_two[0].clone();
    assert_eq!(
        (last.operation, last.outcome),
        (
            envseal::ledger::Operation::Run,
            envseal::ledger::Outcome::Failed
        )
    );
    assert_eq!(last.key_id, Some(test_key(74).id()));
}

#[test]
fn the_hooks_suggested_command_works_when_pasted_with_a_path_holding_a_space() {
    let sb = Sandbox::new();
    crate::flow::init_repo(&sb);
    sb.write("README", "hello\n");
    crate::flow::git(&sb, &["add", "README"]);
    crate::flow::git(&sb, &["commit", "-q", "-m", "first"]);
    sb.run(&["generate-key", "-q"]).ok();
    fs::create_dir_all(sb.path("my dir")).unwrap();
    sb.write("my dir/.env", "API_TOKEN=spaced-value-123\n");
    crate::flow::git(&sb, &["add", "my dir/.env"]);
    let run = sb.run(&["hook", "run"]);
    run.code(exit_code(Code::CheckFailed));
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("plaintext env file is staged"))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    let suggested = line.split("run: ").nth(1).unwrap();
    // Pasted into a shell, with envseal on PATH.
    let mut sh = Command::new("sh");
    sb.setup(&mut sh);
    let path = format!(
        "{}:{}",
        bin().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = sh
        .args(["-c", suggested])
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "`{suggested}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(sb.path("my dir/.env.encrypted").is_file());
    let staged = crate::flow::git(&sb, &["diff", "--cached", "--name-only"]);
    assert!(!staged.contains("my dir/.env\n"), "{staged}");
}

/// Run a suggested command line with `sh -c` in the sandbox, envseal on PATH.
fn paste(sb: &Sandbox, suggested: &str) {
    let mut sh = Command::new("sh");
    sb.setup(&mut sh);
    let path = format!(
        "{}:{}",
        bin().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = sh
        .args(["-c", suggested])
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "`{suggested}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn status_checks_suggested_command_works_when_pasted_with_a_path_holding_a_space() {
    let sb = Sandbox::new();
    crate::flow::init_repo(&sb);
    sb.run(&["generate-key", "-q"]).ok();
    fs::create_dir_all(sb.path("my dir")).unwrap();
    sb.write("my dir/.env", "API_TOKEN=tracked-value-123\n");
    crate::flow::git(&sb, &["add", "my dir/.env"]);
    crate::flow::git(&sb, &["commit", "-q", "-m", "oops"]);
    let run = sb.run(&["status", "--check"]);
    run.code(exit_code(Code::CheckFailed));
    let text = run.stdout_text();
    let line = text
        .lines()
        .find(|l| l.contains("tracked by git; run: "))
        .unwrap_or_else(|| panic!("{text}"));
    let suggested = line
        .split("run: ")
        .nth(1)
        .and_then(|r| r.split(" (and rotate").next())
        .unwrap();
    paste(&sb, suggested);
    assert!(sb.path("my dir/.env.encrypted").is_file());
    let tracked = crate::flow::git(&sb, &["ls-files", "--cached"]);
    assert!(!tracked.contains("my dir/.env\n"), "{tracked}");
}

#[test]
fn keyring_warns_about_a_writable_directory_and_a_misnamed_key_file() {
    let sb = Sandbox::new();
    sb.run(&["generate-key", "-q"]).ok();
    sb.write(".env", ENV);
    sb.run(&["encrypt", "-q"]).ok();
    let ring = sb.keyring();
    let quiet = sb.run(&["decrypt", "--stdout"]);
    assert!(!quiet.ok().stderr.contains("warning"), "{}", quiet.stderr);
    fs::set_permissions(&ring, fs::Permissions::from_mode(0o777)).unwrap();
    let run = sb.run(&["decrypt", "--stdout"]);
    assert!(
        run.ok().stderr.contains("is writable by group or others"),
        "{}",
        run.stderr
    );
    fs::set_permissions(&ring, fs::Permissions::from_mode(0o700)).unwrap();
    // A key file whose name promises another key id.
    let other = test_key(76);
    let fake = ring.join(format!("{}.key", test_key(77).id().hex()));
    fs::write(&fake, format!("{}\n", *other.expose_text())).unwrap();
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o600)).unwrap();
    // Asked for by the id its name gives (--key-id), and listed with the others.
    let id77 = test_key(77).id().to_string();
    let run = sb.run(&["decrypt", "--stdout", "--key-id", &id77]);
    run.no_leak(&[&other.expose_text()]);
    assert!(
        run.stderr.contains(&format!(
            "holds key {}, not {}",
            other.id(),
            test_key(77).id()
        )),
        "{}",
        run.stderr
    );
}

/// A `vi` on PATH that records being started.
fn fake_vi(sb: &Sandbox) -> String {
    let dir = sb.path("fakebin");
    fs::create_dir_all(&dir).unwrap();
    let vi = dir.join("vi");
    fs::write(
        &vi,
        "#!/bin/sh\n: > \"$(dirname \"$0\")/started\"\ncat \"$1\"\n",
    )
    .unwrap();
    fs::set_permissions(&vi, fs::Permissions::from_mode(0o755)).unwrap();
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn edit_without_a_terminal_and_without_an_editor_refuses_before_starting_one() {
    let (sb, kf, _) = sealed(78);
    let path = fake_vi(&sb);
    let run = sb.run_env(
        &["edit", "--key-file", &kf],
        &[("PATH", &path), ("EDITOR", ""), ("VISUAL", "")],
    );
    run.code(exit_code(Code::Refused))
        .no_leak(&["run-token-value-123", "hunter2-but-longer"]);
    assert!(run.stderr.contains("no terminal"), "{}", run.stderr);
    assert!(!sb.path("fakebin/started").exists(), "vi was started");
}

#[test]
fn edit_starts_vim_without_viminfo_swap_backup_or_undo_files() {
    let (sb, kf, _) = sealed(79);
    let home = sb.path("home");
    for d in ["undo", "backup", "swap"] {
        fs::create_dir_all(home.join(d)).unwrap();
    }
    // A user's vimrc that keeps everything; the edit yanks and searches a secret line.
    fs::write(
        home.join(".vimrc"),
        format!(
            "set nocompatible\nset undofile undodir={0}/undo\nset backup writebackup backupdir={0}/backup\nset directory={0}/swap\nset viminfo='20,<50,s10,h\n",
            home.display()
        ),
    )
    .unwrap();
    let editor = "vim -c '/DB_PASSWORD' -c 'normal yy' -c '%s/run-token-value-123/run-token-value-456/' -c 'wq'";
    let run = sb.run_env(
        &["edit", "--key-file", &kf],
        &[("EDITOR", editor), ("VISUAL", "")],
    );
    run.ok().no_leak(&["hunter2-but-longer"]);
    let plain = sb
        .run(&["decrypt", "--stdout", "--key-file", &kf])
        .ok()
        .stdout_text();
    assert!(plain.contains("API_TOKEN=run-token-value-456"), "{plain}");
    assert!(!home.join(".viminfo").exists(), "vim wrote ~/.viminfo");
    for d in ["undo", "backup", "swap"] {
        let left: Vec<_> = fs::read_dir(home.join(d)).unwrap().collect();
        assert!(left.is_empty(), "vim left files in {d}: {left:?}");
    }
}

#[test]
fn edit_falling_back_from_dev_shm_to_disk_warns_with_the_path() {
    let (sb, kf, _) = sealed(80);
    // A private mount namespace where /dev/shm is read-only (needs root or user
    // namespaces; said and skipped where neither is available).
    let probe = Command::new("unshare")
        .args([
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            "mount -t tmpfs -o ro tmpfs /dev/shm",
        ])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            !crate::common::ci(),
            "unshare -m is needed for this test under CI"
        );
        eprintln!("SKIPPED: cannot make /dev/shm read-only here (unshare -m)");
        return;
    }
    let editor = sb.path("ed.sh");
    fs::write(&editor, "#!/bin/sh\nprintf '%s' \"$1\" > \"$(dirname \"$0\")/ed-path\"\nsed -i 's/123/456/' \"$1\"\n").unwrap();
    fs::set_permissions(&editor, fs::Permissions::from_mode(0o755)).unwrap();
    let mut c = Command::new("unshare");
    sb.setup(&mut c);
    let out = c
        .args(["-m", "--propagation", "private", "sh", "-c"])
        .arg("mount -t tmpfs -o ro tmpfs /dev/shm && exec \"$0\" edit --key-file \"$1\"")
        .arg(bin())
        .arg(&kf)
        .env("EDITOR", &editor)
        .env("VISUAL", "")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let used = fs::read_to_string(sb.path("ed-path")).unwrap();
    assert!(!used.starts_with("/dev/shm/"), "{used}");
    assert!(
        stderr.contains("warning: /dev/shm is not usable") && stderr.contains(&used),
        "{stderr}"
    );
    assert!(!Path::new(&used).exists(), "{used} left on disk");
}
