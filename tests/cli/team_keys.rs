//! Issue 10 §5 (keyrings as people use them) and §6 (smaller things): keys found by
//! content, `key import` / `key list`, the project's key among several, a teammate whose
//! key was rotated away, and the small messages and exit codes.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use crate::common::{exit_code, Code};
use crate::common::{test_key, Sandbox};
use crate::flow::{git, init_repo, run_stdin, Pty};

const ENV: &str = "API_TOKEN=tok-0123456789abcdef\nDEBUG=true\n";

/// Every key text in the sandbox keyring and `extra` files: none may be printed.
fn keys_in(sb: &Sandbox, extra: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(sb.keyring())
        .map(|d| {
            d.filter_map(|e| fs::read_to_string(e.ok()?.path()).ok())
                .map(|t| t.trim().to_owned())
                .collect()
        })
        .unwrap_or_default();
    for f in extra {
        out.push(String::from_utf8_lossy(&sb.read(f)).trim().to_owned());
    }
    out
}

#[test]
fn a_keyring_key_is_found_by_content_whatever_its_file_is_called() {
    let sb = Sandbox::new();
    sb.write(".env", ENV);
    let dev = sb.keyring().join("dev.key");
    sb.run(&["generate-key", "--out", dev.to_str().unwrap()])
        .ok();
    sb.run(&["encrypt", "-q"]).ok();
    fs::remove_file(sb.path(".env")).unwrap();
    sb.run(&["decrypt", "-q"]).ok();
    assert_eq!(sb.read(".env"), ENV.as_bytes());
    // A file without the .key suffix is found too.
    fs::rename(&dev, sb.keyring().join("team-dev")).unwrap();
    sb.run(&["decrypt", "--stdout"]).ok();
}

#[test]
fn key_import_and_list_never_show_the_key() {
    let sb = Sandbox::new();
    let a = test_key(51);
    let b = test_key(52);
    sb.key_file("a.key", &a);
    let run = sb.run(&["key", "import", "a.key"]);
    run.ok();
    assert_eq!(run.stdout_text(), format!("{}\n", a.id()));
    let path = sb
        .keyring()
        .join(format!("{}.key", &a.id().to_string()["sha256:".len()..]));
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // From stdin; importing the same key again changes nothing.
    let run = run_stdin(
        &sb,
        &["key", "import", "-"],
        format!("{}\n", *b.expose_text()).as_bytes(),
    );
    run.ok();
    assert_eq!(run.stdout_text(), format!("{}\n", b.id()));
    let again = sb.run(&["key", "import", "a.key"]);
    assert!(
        again.ok().stderr.contains("already holds"),
        "{}",
        again.stderr
    );
    // Not a key: exit 3, and the text is not echoed.
    sb.write("not-a-key", "hunter2-is-not-a-key\n");
    let bad = sb.run(&["key", "import", "not-a-key"]);
    bad.code(exit_code(Code::KeyMissing));
    assert!(!bad.stderr.contains("hunter2"), "{}", bad.stderr);
    let list = sb.run(&["key", "list"]);
    let text = list.ok().stdout_text();
    assert!(
        text.contains(&a.id().to_string()) && text.contains(&b.id().to_string()),
        "{text}"
    );
    let json = sb.run(&["key", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.ok().stdout).unwrap();
    assert_eq!(v["schema"], 1);
    let keys = v["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    for k in keys {
        assert!(k["id"].as_str().unwrap().starts_with("sha256:"));
        assert!(k["file"].as_str().unwrap().ends_with(".key"));
        assert!(k["created"].as_str().unwrap().ends_with('Z'));
    }
    let secrets = keys_in(&sb, &["a.key"]);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    for run in [&list, &json, &again] {
        run.no_leak(&secrets);
    }
}

#[test]
fn encrypt_with_several_keys_uses_the_projects_key_or_lists_the_candidates() {
    let sb = Sandbox::new();
    let (a, b) = (test_key(61), test_key(62));
    sb.key_file("a.key", &a);
    sb.key_file("b.key", &b);
    sb.run(&["key", "import", "a.key"]).ok();
    sb.run(&["key", "import", "b.key"]).ok();
    sb.write(".env.staging", ENV);
    // Nothing says which: the error lists both ids.
    let run = sb.run(&["encrypt", ".env.staging"]);
    run.code(exit_code(Code::KeyMissing));
    assert!(
        run.stderr.contains(&a.id().to_string()) && run.stderr.contains(&b.id().to_string()),
        "{}",
        run.stderr
    );
    // The project's other encrypted file uses b: a new file gets b.
    sb.write(".env", ENV);
    sb.run(&["encrypt", "-q", ".env", "--key-file", "b.key"])
        .ok();
    let run = sb.run(&["encrypt", ".env.staging"]);
    run.ok();
    assert!(run.stderr.contains(&b.id().to_string()), "{}", run.stderr);
    // key_id in config.toml decides.
    fs::remove_file(sb.path(".env.staging.encrypted")).unwrap();
    sb.write(".envseal/config.toml", format!("key_id = \"{}\"\n", a.id()));
    let run = sb.run(&["encrypt", ".env.staging"]);
    run.ok();
    assert!(run.stderr.contains(&a.id().to_string()), "{}", run.stderr);
}

/// Two clones: Alice rotates and pushes; Bob, whose keyring holds only the old key,
/// pulls and is told the file was rotated and to ask for the new key.
#[test]
fn a_teammate_whose_key_was_rotated_away_is_told_so() {
    let alice = Sandbox::new();
    init_repo(&alice);
    alice.write(
        ".gitignore",
        "/keyring/\n/home/\n/xdg/\n/.env\n/*.key\n/.envseal/\n*.backup_*\n",
    );
    alice.write(".env", ENV);
    alice.run(&["generate-key", "--out", "old.key"]).ok();
    alice.run(&["encrypt", "-q", "--key-file", "old.key"]).ok();
    git(&alice, &["add", ".gitignore", ".env.encrypted"]);
    git(&alice, &["commit", "-q", "-m", "init"]);
    let bob = Sandbox::new();
    fs::create_dir_all(bob.path("repo")).unwrap();
    git(
        &bob,
        &["clone", "-q", alice.root().to_str().unwrap(), "repo"],
    );
    fs::copy(alice.path("old.key"), bob.path("old.key")).unwrap();
    bob.run(&["key", "import", "old.key"]).ok();
    let in_repo = |args: &[&str]| {
        let mut c = bob.command();
        c.current_dir(bob.path("repo")).args(args);
        c.output().unwrap()
    };
    assert!(in_repo(&["decrypt", "--stdout"]).status.success());
    // Let a second pass so the rotation is dated after Bob's key file.
    std::thread::sleep(Duration::from_millis(1100));
    alice
        .run(&[
            "rotate",
            "--key-file",
            "old.key",
            "--new-key-file",
            "new.key",
            "--reason",
            "q4",
            "--force",
            "--no-backup",
        ])
        .ok();
    git(&alice, &["commit", "-q", "-am", "rotate"]);
    let mut pull = bob.command();
    pull.current_dir(bob.path("repo"));
    let status = std::process::Command::new("git")
        .current_dir(bob.path("repo"))
        .args(["pull", "-q", "--ff-only"])
        .status()
        .unwrap();
    assert!(status.success());
    let out = in_repo(&["decrypt", "--stdout"]);
    assert_eq!(out.status.code(), Some(exit_code(Code::KeyMissing)));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let old_id = String::from_utf8_lossy(&bob.run(&["key", "list"]).stdout).into_owned();
    let old_id = old_id.split_whitespace().next().unwrap().to_owned();
    assert!(stderr.contains(&old_id), "{stderr}");
    assert!(stderr.contains("probably rotated"), "{stderr}");
    assert!(stderr.contains("ask for the new key"), "{stderr}");
    assert!(stderr.contains(", created 20"), "{stderr}");
    let new_text = fs::read_to_string(alice.path("new.key")).unwrap();
    assert!(!stderr.contains(new_text.trim()));
}

#[test]
fn a_key_pasted_as_key_file_is_never_printed() {
    let sb = Sandbox::new();
    sb.write(".env", ENV);
    let key = test_key(71);
    let text = key.expose_text().to_string();
    for args in [
        vec!["encrypt", "--key-file", text.as_str()],
        vec!["decrypt", "--key-file", text.as_str()],
        vec!["generate-key", "--out", text.as_str()],
    ] {
        let run = sb.run(&args);
        assert_ne!(run.code, 0);
        run.no_leak(&[text.as_str(), &text[..20]]);
    }
    // A stray --key gets --key-file suggested, without its value.
    let run = sb.run(&["decrypt", "--key", text.as_str()]);
    run.code(exit_code(Code::Usage));
    assert!(run.stderr.contains("--key-file"), "{}", run.stderr);
    run.no_leak(&[text.as_str()]);
    let run = sb.run(&["decrypt", &format!("--key={text}")]);
    run.code(exit_code(Code::Usage));
    run.no_leak(&[text.as_str()]);
}

#[test]
fn decrypt_of_a_missing_file_says_it_is_missing_first() {
    let sb = Sandbox::new();
    let run = sb.run(&["decrypt", ".env.encrpyted"]);
    run.code(exit_code(Code::Io));
    assert!(run.stderr.contains(".env.encrpyted"), "{}", run.stderr);
    assert!(run.stderr.contains("No such file"), "{}", run.stderr);
}

#[test]
fn run_exits_127_for_a_missing_command_and_126_for_one_that_cannot_run() {
    let sb = Sandbox::new();
    sb.write(".env", ENV);
    sb.key_file("k.key", &test_key(81));
    sb.run(&["encrypt", "-q", "--key-file", "k.key"]).ok();
    sb.write("script.sh", "#!/bin/sh\necho hi\n");
    fs::create_dir_all(sb.path("adir")).unwrap();
    // 127 and 126 stay numbers: the shell convention under test (sh says the same),
    // not an envseal exit code.
    for (cmd, want) in [
        ("no-such-command-envseal", 127),
        ("./script.sh", 126),
        ("./adir", 126),
    ] {
        // What a shell says for the same command.
        let shell = std::process::Command::new("sh")
            .current_dir(sb.root())
            .args(["-c", cmd])
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert_eq!(shell.code(), Some(want), "sh -c {cmd}");
        let run = sb.run(&["run", "--key-file", "k.key", "--", cmd]);
        run.code(want);
        assert!(
            run.stderr.contains(cmd.trim_start_matches("./")),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn dash_f_means_file_everywhere_and_force_has_no_short_form() {
    let sb = Sandbox::new();
    sb.key_file("k.key", &test_key(91));
    sb.write(".env.production", ENV);
    sb.run(&[
        "encrypt",
        "-q",
        "-f",
        ".env.production",
        "--key-file",
        "k.key",
    ])
    .ok();
    assert!(sb.path(".env.production.encrypted").exists());
    sb.write(".env.production", "API_TOKEN=changed-locally\n");
    // `-f` is the file, not --force: the different output is not overwritten.
    let run = sb.run(&[
        "decrypt",
        "-f",
        ".env.production.encrypted",
        "--key-file",
        "k.key",
    ]);
    run.code(exit_code(Code::Refused));
    assert_eq!(sb.read(".env.production"), b"API_TOKEN=changed-locally\n");
    sb.run(&["rotate", "-f"]).code(exit_code(Code::Usage));
}

/// A pseudo-terminal at end of input when the key is asked for: no key (exit 3), not an
/// I/O error.
#[test]
fn end_of_input_at_the_key_prompt_is_no_key() {
    let sb = Sandbox::new();
    sb.write(".env", ENV);
    sb.key_file("k.key", &test_key(93));
    sb.run(&["encrypt", "-q", "--key-file", "k.key"]).ok();
    fs::remove_file(sb.path(".env")).unwrap();
    let mut pty = Pty::spawn(&sb, &["decrypt"], &[]);
    pty.expect("Master key for", Duration::from_secs(10));
    // The prompt is shown just before the terminal leaves canonical mode, and a Ctrl-D
    // typed in between is lost with the mode change: type it again until it is read.
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(300));
        if pty.output().contains("no key found") {
            break;
        }
        pty.send("\x04");
    }
    let (code, out) = pty.finish(Duration::from_secs(10));
    assert_eq!(code, exit_code(Code::KeyMissing), "{out}");
    assert!(out.contains("no key found"), "{out}");
    assert!(!out.contains("/dev/tty"), "{out}");
}

/// After a rotation, the "what to update" text names every variable that held the old
/// key (never its value); a plan over many files is summarised per directory.
#[test]
fn rotation_names_every_key_variable_and_summarises_a_large_plan() {
    let sb = Sandbox::new();
    let old = test_key(95);
    sb.key_file("old.key", &old);
    let old_text = old.expose_text().to_string();
    for dir in ["api", "web"] {
        fs::create_dir_all(sb.path(dir)).unwrap();
        for i in 0..11 {
            let name = format!("{dir}/.env.staging{i}");
            sb.write(&name, ENV);
            sb.run(&["encrypt", "-q", &name, "--key-file", "old.key"])
                .ok();
            fs::remove_file(sb.path(&name)).unwrap();
        }
    }
    sb.write(".env.staging", ENV);
    sb.run(&["encrypt", "-q", ".env.staging", "--key-file", "old.key"])
        .ok();
    let run = sb.run_env(
        &[
            "rotate",
            "--new-key-file",
            "new.key",
            "--force",
            "--no-backup",
            "--reason",
            "t",
        ],
        &[
            ("SECRETS_MASTER_KEY", &old_text),
            ("SECRETS_MASTER_KEY_CI_DEPLOY", &old_text),
        ],
    );
    run.ok();
    let err = &run.stderr;
    assert!(err.contains("Rotating 23 files"), "{err}");
    assert!(err.contains("  api/: 11 files\n"), "{err}");
    assert!(err.contains("  web/: 11 files\n"), "{err}");
    assert!(err.contains("  ./: 1 file\n"), "{err}");
    assert!(
        !err.contains(".env.staging3"),
        "the plan lists every file: {err}"
    );
    for var in [
        "SECRETS_MASTER_KEY,",
        "SECRETS_MASTER_KEY_CI_DEPLOY",
        "SECRETS_MASTER_KEY_STAGING",
        "SECRETS_MASTER_KEY_STAGING0",
    ] {
        assert!(err.contains(var), "{var}: {err}");
    }
    let new_text = fs::read_to_string(sb.path("new.key")).unwrap();
    run.no_leak(&[old_text.as_str(), new_text.trim()]);
}

/// `1 value`, not `1 values`; and without `$USER` the ledger names the uid's user (as
/// `id -un` does), not `unknown`.
#[test]
fn counts_are_singular_and_the_actor_is_the_uids_name_without_user() {
    let sb = Sandbox::new();
    sb.write(".env", "API_TOKEN=tok-0123456789abcdef\n");
    sb.key_file("k.key", &test_key(97));
    let run = sb.run(&["encrypt", "--key-file", "k.key"]);
    assert!(run.ok().stderr.contains(", 1 value)"), "{}", run.stderr);
    let mut c = sb.command();
    c.args([
        "rotate",
        "--key-file",
        "k.key",
        "--new-key-file",
        "n.key",
        "--force",
        "--no-backup",
        "--reason",
        "r",
    ])
    .env_remove("USER")
    .env_remove("LOGNAME")
    .env_remove("USERNAME");
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let want = String::from_utf8_lossy(&want.stdout).trim().to_owned();
    let history = sb.run(&["status", "--history"]);
    let text = history.ok().stdout_text();
    assert!(text.contains(&format!("by {want}@")), "{want}: {text}");
    assert!(!text.contains("by unknown@"), "{text}");
}

/// Declining "Reopen the editor?" keeps the edited copy and says where (it used to be
/// thrown away with the whole edit).
#[test]
fn declining_to_reopen_the_editor_keeps_the_edit() {
    let sb = Sandbox::new();
    sb.write(".env", ENV);
    sb.key_file("k.key", &test_key(99));
    sb.run(&["encrypt", "-q", "--key-file", "k.key"]).ok();
    let before = sb.read(".env.encrypted");
    let editor = sb.write(
        "ed.sh",
        // Not UTF-8 (a Latin-1 byte): the one kind of edit envseal cannot use (an
        // unterminated quote is encrypted whole, as the loaders read on past it).
        "#!/bin/sh\nprintf 'API_TOKEN=my-new-l\\374tin1\\n' > \"$1\"\n",
    );
    fs::set_permissions(&editor, fs::Permissions::from_mode(0o755)).unwrap();
    let editor = editor.display().to_string();
    let mut pty = Pty::spawn(
        &sb,
        &["edit", "--key-file", "k.key"],
        &[("EDITOR", &editor), ("VISUAL", &editor)],
    );
    pty.expect("Reopen the editor?", Duration::from_secs(10));
    pty.send("n");
    let (code, out) = pty.finish(Duration::from_secs(10));
    assert_eq!(code, exit_code(Code::BadInput), "{out}");
    assert_eq!(sb.read(".env.encrypted"), before);
    let out = out.replace("\r\n", "\n");
    let kept = out
        .split("Your edit is kept in ")
        .nth(1)
        .and_then(|r| r.split(" (plaintext").next())
        .unwrap_or_else(|| panic!("no kept path in {out:?}"))
        .trim()
        .to_owned();
    let text = fs::read(&kept).unwrap();
    assert!(text.windows(9).any(|w| w == b"my-new-l\xfc"), "{text:?}");
    assert_eq!(
        fs::metadata(&kept).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let _ = fs::remove_file(&kept);
}

/// `status --help` sends readers to the README for the JSON schema: every field the
/// output has is named there.
#[test]
fn the_readme_holds_the_status_json_schema() {
    let readme =
        fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let sb = Sandbox::new();
    sb.write(".env", ENV);
    sb.run(&["generate-key", "-q"]).ok();
    sb.run(&["encrypt", "-q"]).ok();
    let run = sb.run(&["status", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let mut fields: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    for list in ["files", "plaintext_files"] {
        for item in v[list].as_array().unwrap() {
            fields.extend(item.as_object().unwrap().keys().cloned());
        }
    }
    for f in fields {
        assert!(
            readme.contains(&format!("\"{f}\"")),
            "README's schema lacks {f:?}"
        );
    }
}
