//! `envseal run -- CMD`: the child sees the decrypted variables (python-dotenv's reading by
//! default; the other dialects: `dialects.rs`), the environment wins unless --override,
//! `${VAR}` expands as python-dotenv does unless --no-expand, `$(...)` is never run, the child's status and signals are envseal's (exec), it fails closed, and
//! nothing is written to disk.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{exit_code, Code};
use crate::common::{test_key, Sandbox};
use crate::flow::wait_within;

const ENV: &str = r#"# run fixture
export EXPORTED=exported-value
PLAIN=plain value   # inline comment
HASH_NO_SPACE=abc#def
DOUBLE="double \"quoted\" with\nnewline and \t tab # not a comment"
SINGLE='single $HOME \n kept'   # comment
BACKTICK=`backtick value`
EMPTY=
EMPTY_QUOTES=""
BARE_KEY
SPACED = spaced value
MULTI="line one
line two"
DOLLAR=pa$$word$HOME
BRACED=${HOME}/sub
DEFAULTED=${ENVSEAL_TEST_UNSET:-fallback}
SELF_REF=${PLAIN}-again
SUBST=$(touch pwned)
SUBST_QUOTED="$(touch pwned_quoted) `touch pwned_bt`"
PRESET=from-file
"#;

/// What the child sees with --no-expand (python-dotenv `dotenv_values(interpolate=False)`,
/// checked by hand). `BARE_KEY` sets nothing.
fn expected_plain() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([
        ("EXPORTED", "exported-value"),
        ("PLAIN", "plain value"),
        ("HASH_NO_SPACE", "abc#def"),
        (
            "DOUBLE",
            "double \"quoted\" with\nnewline and \t tab # not a comment",
        ),
        ("SINGLE", "single $HOME \\n kept"),
        // python-dotenv has no backtick quotes (the node dialect has).
        ("BACKTICK", "`backtick value`"),
        ("EMPTY", ""),
        ("EMPTY_QUOTES", ""),
        ("SPACED", "spaced value"),
        ("MULTI", "line one\nline two"),
        ("DOLLAR", "pa$$word$HOME"),
        ("BRACED", "${HOME}/sub"),
        ("DEFAULTED", "${ENVSEAL_TEST_UNSET:-fallback}"),
        ("SELF_REF", "${PLAIN}-again"),
        ("SUBST", "$(touch pwned)"),
        ("SUBST_QUOTED", "$(touch pwned_quoted) `touch pwned_bt`"),
        ("PRESET", "from-file"),
    ])
}

/// A sandbox with the fixture encrypted under a key file; the plaintext is removed.
fn sandbox() -> (Sandbox, String) {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(50));
    sb.write(".env", ENV);
    sb.run(&["encrypt", "-q", "--key-file", &kf]).ok();
    fs::remove_file(sb.path(".env")).unwrap();
    fs::create_dir_all(sb.path("home")).unwrap();
    (sb, kf)
}

/// Run `envseal run ARGS -- env -0` and parse the child's environment.
fn child_env(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--", "env", "-0"]);
    let run = sb.run_env(&all, env);
    run.ok();
    run.stdout
        .split(|&b| b == 0)
        .filter(|r| !r.is_empty())
        .map(|r| {
            let r = String::from_utf8_lossy(r);
            let (k, v) = r.split_once('=').expect("NAME=value");
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn assert_vars(got: &BTreeMap<String, String>, want: &BTreeMap<&str, &str>, what: &str) {
    for (k, v) in want {
        assert_eq!(
            got.get(*k).map(String::as_str),
            Some(*v),
            "{what}: {k} in the child"
        );
    }
    assert!(
        !got.contains_key("BARE_KEY"),
        "{what}: a bare key sets nothing"
    );
}

fn assert_not_run(sb: &Sandbox) {
    for f in ["pwned", "pwned_quoted", "pwned_bt"] {
        assert!(!sb.path(f).exists(), "a command substitution ran ({f})");
    }
}

#[test]
fn the_child_sees_the_values_as_python_dotenv_reads_them() {
    let (sb, kf) = sandbox();
    let got = child_env(&sb, &["--no-expand", "--key-file", &kf], &[]);
    assert_vars(&got, &expected_plain(), "run");
    assert_not_run(&sb);
    // -f and the default file name are the same file.
    let got2 = child_env(
        &sb,
        &["--no-expand", "-f", ".env.encrypted", "--key-file", &kf],
        &[],
    );
    assert_eq!(got, got2);
}

#[test]
fn values_match_python_dotenv_itself() {
    // A cross-check of the hand-written table above with the reference implementation.
    let probe = Command::new("python3")
        .args(["-c", "import dotenv"])
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        assert!(!crate::common::ci(), "python-dotenv missing under CI");
        eprintln!("SKIPPED: python-dotenv is not installed (pip install python-dotenv)");
        return;
    }
    let sb = Sandbox::new();
    sb.write("plain.env", ENV);
    let out = Command::new("python3")
        .current_dir(sb.root())
        .args([
            "-c",
            "import dotenv, json; print(json.dumps(dotenv.dotenv_values('plain.env', interpolate=False)))",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let py: BTreeMap<String, Option<String>> = serde_json::from_slice(&out.stdout).unwrap();
    for (k, v) in expected_plain() {
        assert_eq!(
            py.get(k).cloned().flatten().as_deref(),
            Some(v),
            "python-dotenv reads {k} differently from the table"
        );
    }
    assert_eq!(
        py.get("BARE_KEY"),
        Some(&None),
        "python-dotenv: bare key is None"
    );
}

#[test]
fn the_environment_wins_unless_override() {
    let (sb, kf) = sandbox();
    let env = [("PRESET", "from-env"), ("PLAIN", "env plain")];
    let got = child_env(&sb, &["--key-file", &kf], &env);
    assert_eq!(got["PRESET"], "from-env");
    assert_eq!(got["PLAIN"], "env plain");
    assert_eq!(
        got["EXPORTED"], "exported-value",
        "unset ones still come from the file"
    );
    let got = child_env(&sb, &["--override", "--key-file", &kf], &env);
    assert_eq!(got["PRESET"], "from-file");
    assert_eq!(got["PLAIN"], "plain value");
    // Set but empty counts as set.
    let got = child_env(&sb, &["--key-file", &kf], &[("PRESET", "")]);
    assert_eq!(got["PRESET"], "");
}

#[test]
fn python_expands_by_default_unless_no_expand_and_never_runs_command_substitution() {
    let (sb, kf) = sandbox();
    let home = sb.path("home").display().to_string();
    let got = child_env(&sb, &["--expand", "--key-file", &kf], &[]);
    assert_eq!(got["BRACED"], format!("{home}/sub"));
    assert_eq!(got["DEFAULTED"], "fallback");
    assert_eq!(
        got["SELF_REF"], "plain value-again",
        "refers to an earlier key"
    );
    assert_eq!(
        got["SINGLE"], "single $HOME \\n kept",
        "$HOME without braces is never expanded"
    );
    assert_eq!(got["SUBST"], "$(touch pwned)");
    assert_eq!(
        got["SUBST_QUOTED"],
        "$(touch pwned_quoted) `touch pwned_bt`"
    );
    // The default only applies when unset (python-dotenv: unset or empty).
    let got = child_env(
        &sb,
        &["--expand", "--key-file", &kf],
        &[("ENVSEAL_TEST_UNSET", "from-env")],
    );
    assert_eq!(got["DEFAULTED"], "from-env");
    assert_not_run(&sb);
    // Without a flag: python-dotenv's default (interpolate=True), as --expand.
    let got = child_env(&sb, &["--key-file", &kf], &[]);
    assert_eq!(got["BRACED"], format!("{home}/sub"));
    assert_eq!(got["DOLLAR"], "pa$$word$HOME", "only ${{VAR}} expands");
    // With --no-expand the values pass unchanged (a `${` in a password stays).
    let got = child_env(&sb, &["--no-expand", "--key-file", &kf], &[]);
    assert_eq!(got["DOLLAR"], "pa$$word$HOME");
    assert_eq!(got["BRACED"], "${HOME}/sub");
    assert_not_run(&sb);
}

#[test]
fn the_exit_status_is_the_childs() {
    let (sb, kf) = sandbox();
    // The child's own statuses, passed through: numbers, not envseal's codes.
    for code in [0, 1, 7, 42] {
        sb.run(&[
            "run",
            "--key-file",
            &kf,
            "--",
            "sh",
            "-c",
            &format!("exit {code}"),
        ])
        .code(code);
    }
    // A command that does not exist: envseal's own error, and it says which.
    let run = sb.run(&["run", "--key-file", &kf, "--", "no-such-command-envseal"]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("no-such-command-envseal"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_signal_to_envseal_reaches_the_command_because_it_is_the_command() {
    let (sb, kf) = sandbox();
    let mut child = sb
        .command()
        .args(["run", "--key-file", &kf, "--", "sleep", "30"])
        .spawn()
        .unwrap();
    let pid = child.id();
    // Wait for the exec: the pid's program becomes `sleep`.
    let end = Instant::now() + Duration::from_secs(10);
    while fs::read_to_string(format!("/proc/{pid}/comm")).map_or(true, |c| c.trim() != "sleep") {
        if Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("envseal run did not exec sleep within 10 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let st = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let status = wait_within(&mut child, Duration::from_secs(10)).expect("ends on SIGTERM");
    assert_eq!(status.signal(), Some(15), "{status}");
}

#[test]
fn fails_closed_without_running_anything() {
    let (sb, kf) = sandbox();
    let touch = ["--", "touch", "ran"];
    let cases: Vec<(&str, Vec<&str>, Code)> = vec![
        ("no key", vec![], Code::KeyMissing),
        ("wrong key", vec!["--key-file", "wrong.key"], Code::WrongKey),
        (
            "tampered",
            vec!["-f", "tampered.encrypted", "--key-file", &kf],
            Code::Integrity,
        ),
        (
            "missing file",
            vec!["-f", "missing.encrypted", "--key-file", &kf],
            Code::Io,
        ),
        (
            "not encrypted",
            vec!["-f", "plain.txt", "--key-file", &kf],
            Code::BadInput,
        ),
    ];
    sb.key_file("wrong.key", &test_key(51));
    let enc = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    let tampered = enc.replacen("PRESET=", "PRESET2=", 1);
    assert_ne!(tampered, enc);
    sb.write("tampered.encrypted", tampered);
    sb.write("plain.txt", "A=b\n");
    for (what, args, code) in cases {
        let mut all = vec!["run"];
        all.extend(args);
        all.extend(touch);
        let run = sb.run(&all);
        run.code(exit_code(code));
        assert!(!sb.path("ran").exists(), "{what}: the command ran");
        run.no_leak(&["from-file", "exported-value"]);
    }
    // The good case does run it (the test can tell).
    sb.run(&["run", "--key-file", &kf, "--", "touch", "ran"])
        .ok();
    assert!(sb.path("ran").exists());
}

#[test]
fn nothing_is_written_to_disk() {
    let (sb, kf) = sandbox();
    fs::create_dir_all(sb.path("tmp")).unwrap();
    let tmp = sb.path("tmp").display().to_string();
    let before = sb.listing();
    let got = child_env(&sb, &["--key-file", &kf], &[("TMPDIR", &tmp)]);
    assert_eq!(got["PRESET"], "from-file");
    assert_eq!(sb.listing(), before, "run wrote into the working directory");
    assert_eq!(
        fs::read_dir(sb.path("tmp")).unwrap().count(),
        0,
        "run wrote to TMPDIR"
    );
}
