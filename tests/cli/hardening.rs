//! Issue 9, process, file-system and decoder hardening: nothing leaks, nothing is
//! silently accepted. Each test is named for the defect it pins.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::common::{exit_code, Code};
use crate::common::{mode, test_key, Sandbox};

/// A config value of the wrong type: `file:line:column` and the expected type, never the
/// value, and a usage error (2), not an I/O error (6).
#[test]
fn config_error_gives_position_and_expected_type_not_text_exit_2() {
    let sb = Sandbox::new();
    fs::create_dir_all(sb.path(".git")).unwrap();
    fs::create_dir_all(sb.path(".envseal")).unwrap();
    for (text, want) in [
        (
            "rotation_interval_days = \"hunter2-secretish\"\n",
            "config.toml:1:26: invalid type, expected u32",
        ),
        (
            "plaintext = [\".env\", 31337]\n",
            "config.toml:1:22: invalid type, expected a string",
        ),
    ] {
        sb.write(".envseal/config.toml", text);
        let run = sb.run(&["status"]);
        run.code(exit_code(Code::Usage));
        assert!(run.stderr.contains(want), "{text:?}: {}", run.stderr);
        assert!(
            !run.stderr.contains("hunter2") && !run.stderr.contains("31337"),
            "{text:?}: the offending text was echoed: {}",
            run.stderr
        );
    }
}

/// `--key-file /dev/zero` used to read until out of memory: a bounded read, then a
/// malformed key (3) that says what is wrong.
#[test]
fn key_file_dev_zero_is_read_bounded_and_is_a_malformed_key() {
    let sb = Sandbox::new();
    sb.write(".env", "A=1\n");
    let run = sb.run(&["encrypt", ".env", "--key-file", "/dev/zero"]);
    run.code(exit_code(Code::KeyMissing));
    assert!(
        run.stderr.contains("/dev/zero") && run.stderr.contains("larger than 4096 bytes"),
        "{}",
        run.stderr
    );
    assert!(!sb.path(".env.encrypted").exists());
}

/// A key file that is not UTF-8 was an I/O error (6): it is a malformed key (3), said
/// without its content; so is a file of the wrong length or alphabet.
#[test]
fn key_file_not_utf8_or_not_a_key_is_malformed_exit_3_without_content() {
    let sb = Sandbox::new();
    sb.write(".env", "A=1\n");
    let key = test_key(1);
    let mut latin1 = key.expose_text().as_bytes().to_vec();
    latin1[10] = 0xe9;
    for (bytes, what) in [
        (latin1, "byte 11 is not UTF-8"),
        (b"c2VjcmV0LXNlY3JldC1zZWNyZXQ=\n".to_vec(), "not 32"),
        (b"secret!secret!\n".to_vec(), "character 7 is not base64"),
        (b"\n".to_vec(), "it is empty"),
    ] {
        fs::write(sb.path("bad.key"), &bytes).unwrap();
        fs::set_permissions(sb.path("bad.key"), fs::Permissions::from_mode(0o600)).unwrap();
        let run = sb.run(&["encrypt", ".env", "--key-file", "bad.key"]);
        run.code(exit_code(Code::KeyMissing));
        assert!(run.stderr.contains(what), "{what}: {}", run.stderr);
        assert!(
            !run.stderr.contains("secret") && !run.stderr.contains("c2Vj"),
            "{}",
            run.stderr
        );
    }
}

/// Names in the sandbox that are temporary files (`.NAME.XXXXXX.tmp`).
fn temp_files(sb: &Sandbox) -> Vec<String> {
    sb.listing()
        .into_iter()
        .filter(|n| n.starts_with('.') && n.ends_with(".tmp"))
        .collect()
}

fn signal(pid: u32, sig: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(pid as i32).expect("a pid");
    // The child may have ended already; the caller looks at how it ended.
    let _ = rustix::process::kill_process(pid, sig);
}

/// A 1 MiB plaintext sealed as Fernet (the quickest to decrypt in a debug build), its
/// plaintext, and the key file's name.
fn big_fernet(sb: &Sandbox) -> (Vec<u8>, String) {
    let kf = sb.key_file("k.key", &test_key(9));
    let mut plain = Vec::new();
    for i in 0..16_000 {
        plain.extend_from_slice(
            format!("SECRET_{i}=s3cr3t-value-{i:08}-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n").as_bytes(),
        );
    }
    sb.write("p.env", &plain);
    sb.run(&[
        "encrypt",
        "p.env",
        "--format",
        "fernet",
        "--key-file",
        &kf,
        "-o",
        "p.env.encrypted",
    ])
    .ok();
    fs::remove_file(sb.path("p.env")).unwrap();
    (plain, kf)
}

/// SIGINT, SIGTERM or SIGHUP while `decrypt` writes its output used to leave the whole
/// plaintext in `.NAME.XXXXXX.tmp` beside the target. The process is stopped (SIGSTOP)
/// at the instant its temporary file exists and the target does not, so the signal is
/// known to land in the write window; then it is signalled and continued. Afterwards no
/// temporary file is left, the process ended by that signal (the shell's 128+n), and the
/// target is either absent or the complete plaintext.
#[test]
fn signal_during_decrypt_write_removes_the_plaintext_temp_file() {
    use rustix::process::Signal;
    use std::os::unix::process::ExitStatusExt;
    let sb = Sandbox::new();
    let (plain, kf) = big_fernet(&sb);
    for (sig, num) in [(Signal::INT, 2), (Signal::TERM, 15), (Signal::HUP, 1)] {
        let mut landed = false;
        for _attempt in 0..40 {
            let _ = fs::remove_file(sb.path("p.env"));
            let mut child = sb
                .command()
                .args(["decrypt", "p.env.encrypted", "--key-file", &kf])
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            let mut stopped = false;
            while child.try_wait().unwrap().is_none() {
                if !temp_files(&sb).is_empty() {
                    signal(child.id(), Signal::STOP);
                    // Stopped inside the window: the temporary file is there, the
                    // target not yet.
                    stopped = !temp_files(&sb).is_empty() && !sb.path("p.env").exists();
                    if stopped {
                        signal(child.id(), sig);
                    }
                    signal(child.id(), Signal::CONT);
                    break;
                }
            }
            let status = child.wait().unwrap();
            if !stopped {
                continue;
            }
            landed = true;
            // Ended by the signal; or, when the signal came as it finished, a success
            // with the complete target (checked below). Never anything else.
            assert!(
                status.signal() == Some(num)
                    || status.code() == Some(128 + num)
                    || (status.success() && sb.path("p.env").exists()),
                "signal {num}: ended with {status:?}"
            );
            assert_eq!(
                temp_files(&sb),
                Vec::<String>::new(),
                "signal {num}: plaintext temp file left"
            );
            if sb.path("p.env").exists() {
                assert!(sb.read("p.env") == plain, "signal {num}: a partial target");
            }
            break;
        }
        assert!(
            landed,
            "signal {num}: never caught decrypt inside its write window"
        );
    }
}

/// Under `ulimit -f` a decrypt died of SIGXFSZ (exit 153) leaving a partial plaintext
/// temp file: it is an I/O error (6), and nothing is left.
#[test]
fn file_size_limit_is_an_io_error_and_leaves_no_temp_file() {
    let sb = Sandbox::new();
    let (_plain, kf) = big_fernet(&sb);
    let mut c = std::process::Command::new("bash");
    sb.setup(&mut c);
    c.arg("-c")
        .arg("ulimit -f 256 && exec \"$0\" decrypt p.env.encrypted --key-file \"$1\"")
        .arg(crate::common::bin())
        .arg(&kf);
    let out = c.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(exit_code(Code::Io)),
        "{:?}: {stderr}",
        out.status
    );
    assert!(stderr.contains("cannot write p.env"), "{stderr}");
    assert!(!sb.path("p.env").exists());
    assert_eq!(temp_files(&sb), Vec::<String>::new());
}

/// The pid of the nearest `envseal` above a shell script, for the editor scripts below.
const FIND_ENVSEAL: &str = r#"p=$PPID
while [ "$(cat /proc/$p/comm)" != envseal ]; do
  p=$(awk '/^PPid/{print $2}' /proc/$p/status)
  if [ "$p" -le 1 ]; then echo "no envseal above the editor" >&2; exit 1; fi
done
"#;

/// A crash with `ulimit -c unlimited` wrote `./core` full of plaintext. envseal runs with
/// a core-file limit of 0, while the editor it starts keeps the user's limit.
#[test]
fn envseal_has_no_core_limit_but_its_editor_keeps_the_users() {
    let sb = Sandbox::new();
    let out = edit_under_unlimited_core(
        &sb,
        "echo \"editor=$(ulimit -c)\" > limits.txt\ngrep 'core file' /proc/$p/limits >> limits.txt\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let limits = String::from_utf8(sb.read("limits.txt")).unwrap();
    assert!(limits.starts_with("editor=unlimited\n"), "{limits}");
    let envseal: Vec<&str> = limits.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(envseal[4], "0", "envseal's own soft core limit: {limits}");
}

/// The command `run` starts gets the core-file limit the user gave envseal.
#[test]
fn run_child_keeps_the_users_core_limit() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(2));
    sb.write(".env", "A=1\n");
    sb.run(&["encrypt", ".env", "--key-file", &kf]).ok();
    let mut c = std::process::Command::new("bash");
    sb.setup(&mut c);
    c.arg("-c")
        .arg("ulimit -c 1234 && exec \"$0\" run --key-file \"$1\" -- bash -c 'ulimit -c; grep SigIgn /proc/self/status'")
        .arg(crate::common::bin())
        .arg(&kf);
    let out = c.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.starts_with("1234\n"), "{text}");
    // Dumpable again after exec (PR_GET_DUMPABLE = 3), asked through Python's ctypes.
    let mut c = std::process::Command::new("bash");
    sb.setup(&mut c);
    c.arg("-c")
        .arg("exec \"$0\" run --key-file \"$1\" -- python3 -c 'import ctypes; print(ctypes.CDLL(None).prctl(3, 0, 0, 0, 0))'")
        .arg(crate::common::bin())
        .arg(&kf);
    let py = c.output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&py.stdout),
        "1\n",
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    // SIGXFSZ (25) is not ignored in the command: it dies at its own file-size limit.
    let ignored = text
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:\t"))
        .unwrap();
    let ignored = u64::from_str_radix(ignored.trim(), 16).unwrap();
    assert_eq!(ignored & (1 << (25 - 1)), 0, "{text}");
}

/// Even with its core-file limit raised from outside (`prlimit`), envseal killed by
/// SIGABRT writes no core file (std handles SIGSEGV itself): it is marked not dumpable. A `sleep` treated the same
/// way shows that this machine does write core files (else the test says so and skips).
#[test]
fn envseal_is_not_dumpable_even_with_its_core_limit_raised() {
    let sb = Sandbox::new();
    if std::process::Command::new("prlimit")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED: prlimit (util-linux) is not installed");
        return;
    }
    let cores = |sb: &Sandbox| -> Vec<String> {
        sb.listing()
            .into_iter()
            .filter(|n| n.starts_with("core"))
            .collect()
    };
    // The control: does a process that may dump core leave one here?
    let mut c = std::process::Command::new("bash");
    sb.setup(&mut c);
    c.arg("-c").arg("ulimit -c unlimited; sleep 5 & p=$!; prlimit --pid $p --core=unlimited:unlimited; kill -ABRT $p; wait $p; true");
    c.output().unwrap();
    if cores(&sb).is_empty() {
        let msg = "this machine writes no core file to the working directory (see /proc/sys/kernel/core_pattern)";
        assert!(!crate::common::ci(), "{msg}");
        eprintln!("SKIPPED: {msg}");
        return;
    }
    for core in cores(&sb) {
        fs::remove_file(sb.path(&core)).unwrap();
    }
    let out = edit_under_unlimited_core(
        &sb,
        "prlimit --pid $p --core=unlimited:unlimited\nkill -ABRT $p\nsleep 0.2\n",
    );
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(6), "{:?}", out.status);
    assert_eq!(cores(&sb), Vec::<String>::new(), "envseal dumped core");
}

/// Names of 231 to 255 bytes failed: the temporary name `.NAME.XXXXXX.tmp` outgrew the
/// 255-byte limit. Encrypt to and decrypt to 255-byte names works; a rotation whose
/// backup name would not fit is refused before anything changes (8), and works with
/// `--no-backup`.
#[test]
fn names_of_255_bytes_work_and_a_too_long_backup_name_is_refused_first() {
    let sb = Sandbox::new();
    fs::create_dir_all(sb.path(".git")).unwrap();
    let kf = sb.key_file("k.key", &test_key(3));
    let plain_name = "e".repeat(245);
    let enc_name = format!("{plain_name}.encrypted"); // 255 bytes
    sb.write(&plain_name, "TOKEN=abc\n");
    sb.run(&["encrypt", &plain_name, "--key-file", &kf]).ok();
    let sealed = sb.read(&enc_name);
    let out_name = "d".repeat(255);
    sb.run(&["decrypt", &enc_name, "-o", &out_name, "--key-file", &kf])
        .ok();
    assert_eq!(sb.read(&out_name), b"TOKEN=abc\n");
    let run = sb.run(&[
        "rotate",
        &enc_name,
        "--key-file",
        &kf,
        "--new-key-file",
        "new.key",
        "--force",
    ]);
    run.code(exit_code(Code::Refused));
    assert!(run.stderr.contains("--no-backup"), "{}", run.stderr);
    assert_eq!(sb.read(&enc_name), sealed, "changed before refusing");
    assert!(
        !sb.path("new.key").exists(),
        "a new key was made before refusing"
    );
    assert_eq!(temp_files(&sb), Vec::<String>::new());
    sb.run(&[
        "rotate",
        &enc_name,
        "--key-file",
        &kf,
        "--new-key-file",
        "new.key",
        "--force",
        "--no-backup",
    ])
    .ok();
    sb.run(&["decrypt", &enc_name, "--stdout", "--key-file", "new.key"])
        .ok();
}

/// `decrypt` left an identical existing plaintext at 0644/0666 ("up to date"): it is
/// tightened to 0600, and the message says so.
#[test]
fn decrypt_up_to_date_tightens_a_readable_plaintext_to_0600() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(5));
    sb.write(".env", "DB_PASSWORD=pw\n");
    sb.run(&["encrypt", ".env", "--key-file", &kf]).ok();
    for loose in [0o644, 0o666] {
        fs::set_permissions(sb.path(".env"), fs::Permissions::from_mode(loose)).unwrap();
        let run = sb.run(&["decrypt", "--key-file", &kf]);
        run.ok();
        assert_eq!(mode(&sb.path(".env")) & 0o777, 0o600, "from {loose:o}");
        assert!(
            run.stderr.contains("up to date") && run.stderr.contains("now 600"),
            "{}",
            run.stderr
        );
    }
    let run = sb.run(&["decrypt", "--key-file", &kf]);
    assert!(!run.stderr.contains("now 600"), "{}", run.stderr);
}

/// `encrypt` replaced a 0444 output and reset it to 0644: an existing output keeps its
/// mode, and a read-only one is replaced only with --force (8 without).
#[test]
fn encrypt_keeps_the_outputs_mode_and_needs_force_for_a_read_only_one() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(6));
    sb.write(".env", "A=1\n");
    sb.run(&["encrypt", ".env", "--key-file", &kf]).ok();
    let out = sb.path(".env.encrypted");
    fs::set_permissions(&out, fs::Permissions::from_mode(0o640)).unwrap();
    sb.write(".env", "A=2\n");
    sb.run(&["encrypt", ".env", "--key-file", &kf]).ok();
    assert_eq!(mode(&out) & 0o777, 0o640);
    fs::set_permissions(&out, fs::Permissions::from_mode(0o444)).unwrap();
    let before = sb.read(".env.encrypted");
    sb.write(".env", "A=3\n");
    let run = sb.run(&["encrypt", ".env", "--key-file", &kf]);
    run.code(exit_code(Code::Refused));
    assert!(run.stderr.contains("read-only"), "{}", run.stderr);
    assert_eq!(sb.read(".env.encrypted"), before);
    // Up to date: nothing to replace, nothing to refuse.
    sb.write(".env", "A=2\n");
    sb.run(&["encrypt", ".env", "--key-file", &kf]).ok();
    sb.write(".env", "A=3\n");
    sb.run(&["encrypt", ".env", "--key-file", &kf, "--force"])
        .ok();
    assert_eq!(mode(&out) & 0o777, 0o444);
    let run = sb.run(&["decrypt", "--stdout", "--key-file", &kf]);
    assert_eq!(run.ok().stdout, b"A=3\n");
}

/// One character of `kid=` changed (to another hex digit), or `type=master` changed to
/// `type=Master`, with the right key at hand: exit 4 ("a different one", naming an empty
/// key id) or 3 ("no key found") before. Now an integrity failure (5) on the whole-file
/// decoder, the streamed one (files of 1 MiB and more) and in `run`, with the key from
/// --key-file or from the keyring; no message shows an empty key id.
#[test]
fn altered_header_field_with_the_right_key_is_an_integrity_failure() {
    let sb = Sandbox::new();
    let key = test_key(8);
    let kf = sb.key_file("k.key", &key);
    sb.write("small.env", "A=1\nB=two\n");
    // Over 1 MiB: decrypted by the streamed decoder.
    let big = format!("A=1\nBIG={}\n", "x".repeat(1_100_000));
    sb.write("big.env", &big);
    for name in ["small.env", "big.env"] {
        sb.run(&["encrypt", name, "--key-file", &kf]).ok();
    }
    let kid = key.id().to_string();
    let hex = key.id().hex().to_owned();
    let last = hex.chars().last().unwrap();
    let other = if last == '0' { '1' } else { '0' };
    let edited_kid = format!("{}{other}", &kid[..kid.len() - 1]);
    fs::create_dir_all(sb.keyring()).unwrap();
    let ring = sb.keyring().join(format!("{hex}.key"));
    fs::write(&ring, format!("{}\n", *key.expose_text())).unwrap();
    fs::set_permissions(&ring, fs::Permissions::from_mode(0o600)).unwrap();
    for (what, from, to) in [
        ("key id", format!("kid={kid}"), format!("kid={edited_kid}")),
        ("type", "type=master".to_owned(), "type=Master".to_owned()),
    ] {
        for name in ["small.env.encrypted", "big.env.encrypted"] {
            let sealed = String::from_utf8(sb.read(name)).unwrap();
            assert!(sealed.contains(&from), "{name}: no {from}");
            sb.write("t.encrypted", sealed.replacen(&from, &to, 1));
            let with_file: &[&str] = &["--key-file", &kf];
            for key_args in [with_file, &[]] {
                let mut decrypt = vec!["decrypt", "t.encrypted", "--stdout"];
                decrypt.extend_from_slice(key_args);
                let mut run = vec!["run"];
                run.extend_from_slice(key_args);
                run.extend_from_slice(&["--file", "t.encrypted", "--", "true"]);
                for args in [decrypt, run] {
                    let out = sb.run(&args);
                    out.code(exit_code(Code::Integrity));
                    assert!(
                        out.stderr.contains("integrity") && out.stderr.contains(what),
                        "{what} {name} {args:?}: {}",
                        out.stderr
                    );
                    assert!(!out.stderr.contains("key ,"), "{}", out.stderr);
                    assert!(out.stdout.is_empty());
                }
            }
        }
    }
}

/// A signal ignored when envseal starts (`nohup`, `trap '' HUP`) stays ignored: the
/// clean-up handlers are not installed for it. SIGHUP is sent once envseal's signal
/// thread exists, so it would have been caught.
#[test]
fn a_signal_ignored_at_start_stays_ignored() {
    use std::io::Write;
    use std::process::Stdio;
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(7));
    sb.write(".env", "API_TOKEN=tok-123456789\n");
    sb.run(&["encrypt", ".env", "--key-file", &kf]).ok();
    let mut c = std::process::Command::new("bash");
    sb.setup(&mut c);
    let mut child = c
        .arg("-c")
        .arg("trap '' HUP; exec \"$0\" mask --secrets .env.encrypted --key-file \"$1\"")
        .arg(crate::common::bin())
        .arg(&kf)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let has_signal_thread = || {
        fs::read_dir(format!("/proc/{pid}/task")).is_ok_and(|tasks| {
            tasks.flatten().any(|t| {
                fs::read_to_string(t.path().join("comm"))
                    .is_ok_and(|c| c.trim() == "envseal-signals")
            })
        })
    };
    let end = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !has_signal_thread() {
        assert!(std::time::Instant::now() < end, "no envseal-signals thread");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    signal(pid, rustix::process::Signal::HUP);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"the token is tok-123456789\n").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("the token is ") && !text.contains("tok-123456789"),
        "{text}"
    );
}

/// `envseal edit` of a fresh one-line file, started from a shell with `ulimit -c
/// unlimited`, with an editor script that runs `body` after finding envseal's pid (`$p`).
fn edit_under_unlimited_core(sb: &Sandbox, body: &str) -> std::process::Output {
    let kf = sb.key_file("k.key", &test_key(2));
    sb.write(".env", "A=1\n");
    sb.run(&["encrypt", ".env", "--key-file", &kf]).ok();
    sb.write("ed.sh", format!("{FIND_ENVSEAL}{body}"));
    fs::set_permissions(sb.path("ed.sh"), fs::Permissions::from_mode(0o755)).unwrap();
    let mut c = std::process::Command::new("bash");
    sb.setup(&mut c);
    c.arg("-c")
        .arg("ulimit -c unlimited && EDITOR=./ed.sh exec \"$0\" edit --key-file \"$1\"")
        .arg(crate::common::bin())
        .arg(&kf);
    c.output().unwrap()
}
