//! `envseal set`, `unset` and `get`: one key changed in place (a two-line git diff), values
//! that read back exactly under the real python-dotenv, never a value in argv, the ledger
//! told the key name only, and plaintext on a terminal only after asking.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{exit_code, Code};
use crate::common::{test_key, Run, Sandbox};
use crate::flow::{git, have_script, Pty};

/// Values that break naive quoting: every kind of quote, `$`, backticks, `#`, white space
/// at the ends, CRLF, newlines, empty, non-ASCII, backslashes.
pub fn hostile() -> Vec<(&'static str, &'static str)> {
    vec![
        ("SINGLE_Q", "it's 'quoted'"),
        ("DOUBLE_Q", "say \"hi\" \\\"there\\\""),
        ("BACKTICKS", "`id` and `touch pwned`"),
        ("DOLLARS", "$HOME ${HOME} ${X:-y} $(touch pwned) pa$$w0rd"),
        ("HASHES", "a #not-a-comment #x"),
        ("HASH_FIRST", "#starts-with-hash"),
        ("SPACES", "  lead and trail  "),
        ("TAB", "\tx\t"),
        ("CRLF", "one\r\ntwo\r"),
        ("NEWLINES", "line 1\nline 2 'q' \"d\" $V\n\nend"),
        ("EMPTY", ""),
        ("UNICODE", "päss wörd ✓ 日本 \u{a0}"),
        ("BACKSLASH", "C:\\dir\\new \\n \\\\"),
        ("ENDS_BACKSLASH", "ends\\"),
        ("MIXED", "'\"`$#\\ =;|&<>(){}"),
        ("API_TOKEN", "tok-3f9a0c1d2e4b5a6c7d8e9f"),
        ("DATABASE_URL", "postgres://app:s3cr%t@db:5432/app"),
    ]
}

/// `envseal set KEY` with `value` on stdin (a final newline would be taken off: values
/// ending in one go through --from-file).
pub fn set(sb: &Sandbox, key: &str, value: &str, extra: &[&str]) -> Run {
    if value.ends_with('\n') {
        let name = format!("value-{key}.txt");
        sb.write(&name, value);
        let mut args = vec!["set", key, "--from-file", &name];
        args.extend_from_slice(extra);
        let run = sb.run(&args);
        std::fs::remove_file(sb.path(&name)).unwrap();
        return run;
    }
    let mut c = sb.command();
    c.arg("set").arg(key).args(extra);
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run envseal set");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(value.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        what: format!("envseal set {key} {}", extra.join(" ")),
    }
}

/// A sandbox whose `.env.encrypted` (under a new keyring key) holds a comment, `FIRST`,
/// the `values` (set one by one, each right after `FIRST`) and `LAST`.
pub fn sealed_with(values: &[(&str, &str)]) -> Sandbox {
    let sb = Sandbox::new();
    sb.run(&["generate-key", "-q"]).ok();
    sb.write(".env", "# settings\nFIRST=first\nLAST=last\n");
    sb.run(&["encrypt", "-q"]).ok();
    std::fs::remove_file(sb.path(".env")).unwrap();
    for (k, v) in values {
        set(&sb, k, v, &["--after", "FIRST"]).ok();
    }
    sb
}

pub fn have_python_module(module: &str, pip: &str) -> bool {
    let probe = || {
        Command::new("python3")
            .args(["-c", &format!("import {module}")])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if probe() {
        return true;
    }
    // Installed on first use where pip can reach an index; skipped (failed under CI)
    // otherwise.
    let _ = Command::new("python3")
        .args(["-m", "pip", "install", "--quiet", pip])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if probe() {
        return true;
    }
    assert!(
        !crate::common::ci(),
        "python3 -c 'import {module}' fails under CI (pip install {pip})"
    );
    eprintln!("SKIPPED: the Python module {module} is not installed (pip install {pip})");
    false
}

/// python-dotenv's reading of a file: `dotenv_values(path, interpolate=...)`.
pub fn python_dotenv(sb: &Sandbox, file: &str, interpolate: bool) -> BTreeMap<String, String> {
    let py = if interpolate { "True" } else { "False" };
    let out = Command::new("python3")
        .current_dir(sb.root())
        .env("HOME", "/nonexistent-home")
        .args([
            "-c",
            &format!("import dotenv, json, sys; sys.stdout.write(json.dumps(dotenv.dotenv_values({file:?}, interpolate={py})))"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: BTreeMap<String, Option<String>> = serde_json::from_slice(&out.stdout).unwrap();
    m.into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect()
}

#[test]
fn set_values_read_back_exactly_under_the_real_python_dotenv() {
    if !have_python_module("dotenv", "python-dotenv") {
        return;
    }
    let values = hostile();
    let sb = sealed_with(&values);
    let plain = sb.run(&["decrypt", "--stdout"]);
    plain.ok();
    sb.write("out.env", &plain.stdout);
    // Without interpolation (what `run` does) and with python-dotenv's default.
    for interpolate in [false, true] {
        let py = python_dotenv(&sb, "out.env", interpolate);
        for (k, v) in &values {
            if interpolate && v.contains("${") {
                // python-dotenv 1.x expands ${...} in every value, quoted or not, and has
                // no escape: only interpolate=False (run's reading) keeps it.
                continue;
            }
            assert_eq!(
                py.get(*k).map(String::as_str),
                Some(*v),
                "python-dotenv (interpolate={interpolate}) reads {k} differently"
            );
        }
        assert_eq!(py["FIRST"], "first");
        assert_eq!(py["LAST"], "last");
    }
    // Each value replaced by the next one (multi-line, quoted and plain lines rewritten
    // in place): python-dotenv again.
    let shifted: Vec<(&str, &str)> = values
        .iter()
        .zip(values.iter().cycle().skip(1))
        .map(|((k, _), (_, v))| (*k, *v))
        .collect();
    for (k, v) in &shifted {
        set(&sb, k, v, &[]).ok();
    }
    let plain = sb.run(&["decrypt", "--stdout"]);
    sb.write("out2.env", &plain.ok().stdout);
    let py = python_dotenv(&sb, "out2.env", false);
    for (k, v) in &shifted {
        assert_eq!(py.get(*k).map(String::as_str), Some(*v), "replaced {k}");
    }
    for (k, v) in &values {
        set(&sb, k, v, &[]).ok();
    }
    // `get` and the child of `run` see the same values, read as written (python-dotenv's
    // interpolate=False: the default python dialect expands `${...}`, which has no escape).
    for (k, v) in &values {
        let run = sb.run(&["get", "--no-expand", k]);
        run.ok();
        assert_eq!(run.stdout, v.as_bytes(), "get {k}");
    }
    let env = sb.run(&["run", "--no-expand", "--", "env", "-0"]);
    env.ok();
    let child: BTreeMap<String, String> = env
        .stdout
        .split(|&b| b == 0)
        .filter_map(|r| {
            let r = String::from_utf8_lossy(r);
            let (k, v) = r.split_once('=')?;
            Some((k.to_owned(), v.to_owned()))
        })
        .collect();
    for (k, v) in &values {
        assert_eq!(child.get(*k).map(String::as_str), Some(*v), "run: {k}");
    }
    assert!(!sb.path("pwned").exists(), "a value was run as a command");
}

/// The lines of the last commit's diff, `+`/`-` only, without the file headers.
fn changed_lines(sb: &Sandbox) -> Vec<String> {
    git(sb, &["diff", "--unified=0", "--no-color"])
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_one_value_set_is_a_two_line_git_diff() {
    let sb = sealed_with(&[("STRIPE_SECRET_KEY", "sk_live_old"), ("OTHER", "o t h e r")]);
    git(&sb, &["init", "-q"]);
    git(&sb, &["add", ".env.encrypted"]);
    git(
        &sb,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "base",
        ],
    );
    let before = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    set(&sb, "STRIPE_SECRET_KEY", "sk_live_new 'rotated'", &[]).ok();
    let stat = git(&sb, &["diff", "--numstat"]);
    assert_eq!(
        stat.trim(),
        "2\t2\t.env.encrypted",
        "{}",
        git(&sb, &["diff"])
    );
    let changed = changed_lines(&sb);
    assert!(
        changed.iter().any(|l| l.starts_with("-#envseal:mac ")),
        "{changed:?}"
    );
    assert!(
        changed.iter().any(|l| l.starts_with("+#envseal:mac ")),
        "{changed:?}"
    );
    assert!(
        changed
            .iter()
            .any(|l| l.starts_with("+STRIPE_SECRET_KEY=ENC[v1:")),
        "{changed:?}"
    );
    // Every other line (comment, order, other ciphertexts) is the same text.
    let after = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    let keep = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with("#envseal:mac ") && !l.starts_with("STRIPE_SECRET_KEY="))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(keep(&before), keep(&after));
    assert_eq!(
        sb.run(&["get", "STRIPE_SECRET_KEY"]).ok().stdout,
        b"sk_live_new 'rotated'"
    );

    // A new key: one line added, the MAC line changed. Unset: that line removed.
    git(
        &sb,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qam",
            "set",
        ],
    );
    set(&sb, "NEW_KEY", "n", &[]).ok();
    assert_eq!(
        git(&sb, &["diff", "--numstat"]).trim(),
        "2\t1\t.env.encrypted"
    );
    let after = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    assert!(
        after.lines().last().unwrap().starts_with("NEW_KEY=ENC[v1:"),
        "appended at the end: {after}"
    );
    git(
        &sb,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qam",
            "new",
        ],
    );
    sb.run(&["unset", "OTHER"]).ok();
    assert_eq!(
        git(&sb, &["diff", "--numstat"]).trim(),
        "1\t2\t.env.encrypted"
    );
    sb.run(&["get", "OTHER"]).code(exit_code(Code::CheckFailed));
}

#[test]
fn set_keeps_the_prefix_the_inline_comment_and_crlf_and_after_places_a_new_key() {
    let sb = Sandbox::new();
    sb.key_file("k.key", &test_key(91));
    sb.write(".env", "# c\r\nexport A = \"a\" # keep me\r\nB=b\r\nC=c");
    sb.run(&["encrypt", "-q", "--key-file", "k.key"]).ok();
    let kf = ["--key-file", "k.key"];
    set(&sb, "A", "new a", &kf).ok();
    set(&sb, "N", "n", &["--key-file", "k.key", "--after", "A"]).ok();
    set(&sb, "Z", "z", &kf).ok();
    let plain = sb.run(&["decrypt", "--stdout", "--key-file", "k.key"]);
    assert_eq!(
        plain.ok().stdout_text(),
        "# c\r\nexport A = 'new a' # keep me\r\nN=n\r\nB=b\r\nC=c\r\nZ=z"
    );
    // --after a key that is not there changes nothing.
    let before = sb.read(".env.encrypted");
    set(&sb, "Q", "q", &["--key-file", "k.key", "--after", "NOPE"]).code(exit_code(Code::Usage));
    assert_eq!(sb.read(".env.encrypted"), before);
}

#[test]
fn a_value_on_the_command_line_is_refused_without_echoing_it() {
    let sb = sealed_with(&[]);
    let before = sb.read(".env.encrypted");
    let run = sb.run(&["set", "API_TOKEN", "hunter2-in-argv"]);
    run.code(exit_code(Code::Usage))
        .no_leak(&["hunter2-in-argv"]);
    assert!(run.stderr.contains("argv is visible"), "{}", run.stderr);
    assert!(run.stderr.contains("--from-file"), "{}", run.stderr);
    assert_eq!(sb.read(".env.encrypted"), before, "nothing written");
}

#[test]
fn get_exits_1_when_absent_and_json_gives_key_and_value() {
    let sb = sealed_with(&[("K", "v \"q\"\n")]);
    let run = sb.run(&["get", "MISSING"]);
    run.code(exit_code(Code::CheckFailed));
    assert!(run.stdout.is_empty());
    let run = sb.run(&["get", "K", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&run.ok().stdout).unwrap();
    assert_eq!(v, serde_json::json!({"key": "K", "value": "v \"q\"\n"}));
    // The last assignment wins, as in `run`.
    let sb = Sandbox::new();
    sb.key_file("k.key", &test_key(92));
    sb.write(".env", "D=one\nD=two\nBARE\n");
    sb.run(&["encrypt", "-q", "--key-file", "k.key"]).ok();
    assert_eq!(
        sb.run(&["get", "D", "--key-file", "k.key"]).ok().stdout,
        b"two"
    );
    sb.run(&["get", "BARE", "--key-file", "k.key"])
        .code(exit_code(Code::CheckFailed));
    // set replaces the assignment that wins.
    set(&sb, "D", "three", &["--key-file", "k.key"]).ok();
    assert_eq!(
        sb.run(&["get", "D", "--key-file", "k.key"]).ok().stdout,
        b"three"
    );
    sb.run(&["unset", "D", "--key-file", "k.key"]).ok();
    sb.run(&["get", "D", "--key-file", "k.key"])
        .code(exit_code(Code::CheckFailed));
    sb.run(&["unset", "D", "--key-file", "k.key"])
        .code(exit_code(Code::CheckFailed));
}

#[test]
fn set_and_unset_are_in_the_ledger_by_key_name_never_the_value() {
    let secret = "ledger-must-not-hold-this-9f8e7d";
    let sb = sealed_with(&[("API_TOKEN", secret)]);
    sb.run(&["unset", "API_TOKEN"]).ok();
    sb.run(&["set", "API_TOKEN", "argv-value-xyz"])
        .code(exit_code(Code::Usage));
    let db = rusqlite::Connection::open(sb.path(".envseal/ledger.db")).unwrap();
    let rows: Vec<(String, String, String)> = db
        .prepare("SELECT operation, outcome, detail FROM events WHERE operation IN ('set','unset') ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        rows,
        vec![
            ("set".into(), "ok".into(), "key API_TOKEN".into()),
            ("unset".into(), "ok".into(), "key API_TOKEN".into()),
            (
                "set".into(),
                "failed".into(),
                "key API_TOKEN: usage error".into()
            ),
        ]
    );
    drop(db);
    for f in std::fs::read_dir(sb.path(".envseal")).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        for s in [secret, "argv-value-xyz"] {
            assert!(
                !crate::common::contains(&bytes, s.as_bytes()),
                "the ledger holds a value"
            );
        }
    }
}

#[test]
fn fernet_files_are_re_encrypted_whole() {
    let sb = Sandbox::new();
    sb.key_file("k.key", &test_key(93));
    sb.write(".env", "A=1\n");
    sb.run(&["encrypt", "-q", "--format", "fernet", "--key-file", "k.key"])
        .ok();
    set(&sb, "B", "two 'x'\n", &["--key-file", "k.key"]).ok();
    let enc = sb.read(".env.encrypted");
    assert!(enc.starts_with(b"gAAAAA"), "still a Fernet token");
    let plain = sb.run(&["decrypt", "--stdout", "--key-file", "k.key"]);
    assert_eq!(plain.ok().stdout_text(), "A=1\nB='two \\'x\\'\n'\n");
    assert_eq!(
        sb.run(&["get", "B", "--key-file", "k.key"]).ok().stdout,
        b"two 'x'\n"
    );
    sb.run(&["unset", "A", "--key-file", "k.key"]).ok();
    let plain = sb.run(&["decrypt", "--stdout", "--key-file", "k.key"]);
    assert_eq!(plain.ok().stdout_text(), "B='two \\'x\\'\n'\n");
    assert!(sb.read(".env.encrypted").starts_with(b"gAAAAA"));
}

#[test]
fn a_file_with_encrypted_comments_keeps_them_encrypted_after_set() {
    let sb = Sandbox::new();
    sb.key_file("k.key", &test_key(95));
    sb.write(".env", "# the staging database lives on host-x\nA=1\n");
    sb.run(&["encrypt", "-q", "--encrypt-comments", "--key-file", "k.key"])
        .ok();
    let before = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    assert!(!before.contains("host-x"));
    set(&sb, "B", "2", &["--key-file", "k.key"]).ok();
    let after = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    assert!(
        !after.contains("host-x"),
        "the comment became readable: {after}"
    );
    // The comment's ciphertext is kept too: only the new line and the MAC changed.
    let old: std::collections::HashSet<&str> = before.lines().collect();
    let new_lines: Vec<&str> = after.lines().filter(|l| !old.contains(l)).collect();
    assert_eq!(new_lines.len(), 2, "{new_lines:?}");
}

#[test]
fn stdin_loses_one_final_newline_and_from_file_keeps_every_byte() {
    let sb = sealed_with(&[]);
    let mut c = sb.command();
    c.args(["set", "PIPED"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"echoed\n").unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(sb.run(&["get", "PIPED"]).ok().stdout, b"echoed");
    sb.write("pem", "-----BEGIN KEY-----\nabc\n-----END KEY-----\n");
    sb.run(&["set", "--from-file", "TLS_KEY", "pem"]).ok();
    assert_eq!(
        sb.run(&["get", "TLS_KEY"]).ok().stdout,
        b"-----BEGIN KEY-----\nabc\n-----END KEY-----\n"
    );
    sb.write("bin", b"a\0b");
    sb.run(&["set", "BIN", "--from-file", "bin"])
        .code(exit_code(Code::BadInput));
}

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn on_a_terminal_set_prompts_hidden_twice_and_get_asks_before_printing() {
    if !have_script() {
        return;
    }
    let sb = sealed_with(&[]);
    let mut pty = Pty::spawn(&sb, &["set", "TYPED_SECRET"], &[]);
    pty.expect("Value for TYPED_SECRET (hidden):", LIMIT);
    std::thread::sleep(Duration::from_millis(300));
    pty.send("typed value 'q'\n");
    pty.expect("again:", LIMIT);
    std::thread::sleep(Duration::from_millis(300));
    pty.send("typed value 'q'\n");
    let (code, out) = pty.finish(LIMIT);
    assert_eq!(code, exit_code(Code::Ok), "{out:?}");
    assert!(!out.contains("typed value"), "echoed: {out:?}");
    assert_eq!(
        sb.run(&["get", "TYPED_SECRET"]).ok().stdout,
        b"typed value 'q'"
    );

    // get on a terminal: asks; no prints nothing.
    let mut pty = Pty::spawn(&sb, &["get", "TYPED_SECRET"], &[]);
    pty.expect("Go on?", LIMIT);
    pty.send("n");
    let (code, out) = pty.finish(LIMIT);
    assert_eq!(code, exit_code(Code::Refused), "{out:?}");
    assert!(!out.contains("typed value"), "{out:?}");
    let mut pty = Pty::spawn(&sb, &["get", "TYPED_SECRET"], &[]);
    pty.expect("Go on?", LIMIT);
    pty.send("y");
    let (code, out) = pty.finish(LIMIT);
    assert_eq!(code, exit_code(Code::Ok), "{out:?}");
    assert!(out.contains("typed value 'q'"), "{out:?}");
    // --yes skips the question; decrypt --stdout asks the same way.
    let (code, out) = Pty::spawn(&sb, &["get", "TYPED_SECRET", "--yes"], &[]).finish(LIMIT);
    assert_eq!(code, exit_code(Code::Ok), "{out:?}");
    assert!(
        out.contains("typed value 'q'") && !out.contains("Go on?"),
        "{out:?}"
    );
    let mut pty = Pty::spawn(&sb, &["decrypt", "--stdout"], &[]);
    pty.expect("Go on?", LIMIT);
    pty.send("n");
    let (code, out) = pty.finish(LIMIT);
    assert_eq!(code, exit_code(Code::Refused), "{out:?}");
    assert!(!out.contains("typed value"), "{out:?}");
}

#[test]
fn a_terminal_on_stdout_without_one_to_ask_on_is_refused() {
    if !have_script() {
        return;
    }
    let sb = sealed_with(&[("K", "terminal-secret-1")]);
    // stdout (and stderr) a terminal, stdin not: no question can be asked.
    let bin = crate::common::bin().display().to_string();
    for sub in ["get K", "export --as json", "decrypt --stdout"] {
        let (code, out) =
            Pty::spawn_shell(&sb, &format!("'{bin}' {sub} </dev/null"), &[]).finish(LIMIT);
        assert_eq!(code, 8, "{sub}: {out:?}");
        assert!(out.contains("--yes"), "{sub}: {out:?}");
        assert!(!out.contains("terminal-secret-1"), "{sub}: {out:?}");
    }
}

#[test]
fn set_and_unset_wait_for_a_rotation_in_progress_and_change_nothing() {
    let sb = sealed_with(&[("A", "a")]);
    let before = sb.read(".env.encrypted");
    // A rotation holds the project lock (the same lock file `rotate` takes).
    let lock = envseal::fsutil::lock(&sb.path(".envseal/rotate.lock"), Duration::from_secs(1))
        .unwrap()
        .expect("the lock is free");
    let run = set(&sb, "A", "changed", &[]);
    run.code(exit_code(Code::Busy));
    assert!(run.stderr.contains("rotation"), "{}", run.stderr);
    sb.run(&["unset", "A"]).code(exit_code(Code::Busy));
    assert_eq!(sb.read(".env.encrypted"), before, "nothing written");
    drop(lock);
    set(&sb, "A", "changed", &[]).ok();
    assert_eq!(sb.run(&["get", "A"]).ok().stdout, b"changed");
}
