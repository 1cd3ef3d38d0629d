//! The stream filter: `cmd | envseal mask --secrets FILE`. Every occurrence of every
//! secret is replaced whole, in constant memory, line by line when asked, and a reader that
//! goes away downstream is not an error.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{bin, test_key, Sandbox};
use crate::common::{exit_code, Code};
use crate::flow::{output_within, run_stdin, wait_within};

const SECRETS: &str = "\
# secrets for the filter tests
API_TOKEN=tok-0123456789abcdef
DB_PASSWORD='correct horse battery'
DATABASE_URL=postgres://app:url-pw-5678@db/app
DEBUG=true
SHORT=abc12
PREFIX=prefix-secret
PREFIX_LONG=prefix-secret-and-more-tail
MULTI=\"first-line-of-multi
second-line-of-multi\"
";

fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    sb.write("secrets.env", SECRETS);
    sb
}

fn filter(sb: &Sandbox, args: &[&str], input: &str) -> String {
    let mut all = vec!["mask", "--secrets", "secrets.env"];
    all.extend_from_slice(args);
    let run = run_stdin(sb, &all, input.as_bytes());
    run.ok();
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    run.stdout_text()
}

#[test]
fn every_occurrence_of_every_secret_is_replaced() {
    let sb = sandbox();
    let input = "\
start tok-0123456789abcdef end tok-0123456789abcdef
pw=correct horse battery; url=postgres://app:url-pw-5678@db/app
tok-0123456789abcdeftok-0123456789abcdef
url-pw-5678 alone, and in another URL: mysql://x:url-pw-5678@h
nothing to see here: DEBUG=true SHORT=abc12
";
    let want = "\
start *** end ***
pw=***; url=***
******
*** alone, and in another URL: mysql://x:***@h
nothing to see here: DEBUG=true SHORT=abc12
";
    assert_eq!(filter(&sb, &[], input), want);
    // No trailing newline, empty input: copied as they are.
    assert_eq!(
        filter(&sb, &[], "x tok-0123456789abcdef"),
        "x ***",
        "a secret at the very end of the input"
    );
    assert_eq!(filter(&sb, &[], ""), "");
}

#[test]
fn named_replacements_say_which_key() {
    let sb = sandbox();
    let got = filter(
        &sb,
        &["--named"],
        "a tok-0123456789abcdef b correct horse battery c\n",
    );
    assert_eq!(got, "a [MASKED:API_TOKEN] b [MASKED:DB_PASSWORD] c\n");
    let got = filter(&sb, &["--named"], "dsn mysql://x:url-pw-5678@h\n");
    assert_eq!(got, "dsn mysql://x:[MASKED:DATABASE_URL]@h\n");
}

#[test]
fn values_shorter_than_min_len_are_left_alone() {
    let sb = sandbox();
    let input = "debug=true short=abc12\n";
    // The default (6 bytes) leaves `true` and `abc12`.
    assert_eq!(filter(&sb, &[], input), input);
    assert_eq!(
        filter(&sb, &["--min-len", "5"], input),
        "debug=true short=***\n"
    );
    assert_eq!(
        filter(&sb, &["--min-len", "4"], input),
        "debug=*** short=***\n"
    );
    // A long minimum drops even real secrets: the option is honoured, not ignored.
    assert_eq!(
        filter(&sb, &["--min-len", "100"], "tok-0123456789abcdef\n"),
        "tok-0123456789abcdef\n"
    );
}

#[test]
fn a_secret_that_prefixes_another_leaves_no_tail() {
    let sb = sandbox();
    for args in [&[][..], &["--line-buffered"][..]] {
        let got = filter(
            &sb,
            args,
            "1 prefix-secret-and-more-tail 2 prefix-secret 3 prefix-secret-and-more\n",
        );
        assert_eq!(got, "1 *** 2 *** 3 ***-and-more\n", "{args:?}");
        assert!(!got.contains("tail"), "{args:?}: {got}");
    }
}

#[test]
fn a_multi_line_secret_is_masked_line_by_line() {
    let sb = sandbox();
    // Printed whole, or its lines on their own, apart, with CRLF: nothing of it shows.
    let input = "\
whole: first-line-of-multi
second-line-of-multi :end
apart: first-line-of-multi
something else
and second-line-of-multi too\r
crlf: first-line-of-multi\r
second-line-of-multi\r
";
    for args in [&[][..], &["--line-buffered"][..]] {
        let got = filter(&sb, args, input);
        assert!(
            !got.contains("line-of-multi"),
            "{args:?}: a line of the multi-line secret shows: {got:?}"
        );
        for keep in [
            "whole: ",
            ":end",
            "apart: ",
            "something else",
            "and ",
            "too\r\n",
        ] {
            assert!(got.contains(keep), "{args:?}: {keep:?} lost: {got:?}");
        }
    }
    // Line-buffered output is pipe mode's (issue 9.9): the value printed whole is one
    // replacement in both.
    let got = filter(&sb, &["--line-buffered"], input);
    assert_eq!(got, filter(&sb, &[], input));
}

#[test]
fn secrets_from_an_encrypted_file() {
    let sb = sandbox();
    let key = test_key(41);
    let kf = sb.key_file("k.key", &key);
    sb.run(&[
        "encrypt",
        "-q",
        "secrets.env",
        "-o",
        "secrets.env.encrypted",
        "--key-file",
        &kf,
    ])
    .ok();
    fs::remove_file(sb.path("secrets.env")).unwrap();
    let input = b"t=tok-0123456789abcdef p=correct horse battery\n";
    let run = run_stdin(
        &sb,
        &[
            "mask",
            "--secrets",
            "secrets.env.encrypted",
            "--key-file",
            &kf,
        ],
        input,
    );
    run.ok();
    assert_eq!(run.stdout_text(), "t=*** p=***\n");
    // The key in SECRETS_MASTER_KEY works the same.
    let mut c = sb.command();
    c.args(["mask", "--secrets", "secrets.env.encrypted"])
        .env("SECRETS_MASTER_KEY", &*key.expose_text())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = output_within(child, Duration::from_secs(10), "mask with env key");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "t=*** p=***\n");
    // Without a key: exit 3, nothing passes through unmasked.
    let run = run_stdin(&sb, &["mask", "--secrets", "secrets.env.encrypted"], input);
    run.code(exit_code(Code::KeyMissing));
    assert!(run.stdout.is_empty(), "{}", run.stdout_text());
    run.no_leak(&["tok-0123456789abcdef", "correct horse battery"]);
}

#[test]
fn a_closed_pipe_downstream_is_not_an_error() {
    let sb = sandbox();
    let mut c = Command::new("bash");
    sb.setup(&mut c);
    c.arg("-c")
        .arg(
            "yes 'a log line with tok-0123456789abcdef in it' | \"$0\" mask --secrets secrets.env | head -c 10; \
             s=(\"${PIPESTATUS[@]}\"); echo; echo \"status ${s[1]}\"",
        )
        .arg(bin())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = output_within(c.spawn().unwrap(), Duration::from_secs(20), "pipe to head");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("a log line") && stdout.ends_with("\nstatus 0\n"),
        "envseal's exit status after head closed the pipe: {stdout:?}; stderr {:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("envseal"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Filter about `size` bytes of log lines holding a secret, generated by a child process;
/// return (peak RSS of envseal in KiB from `VmHWM`, input bytes, seconds).
fn filter_generated(sb: &Sandbox, size: u64) -> (u64, u64, f64) {
    const LINE: &str = "2026-01-01T00:00:00Z INFO request served token=tok-0123456789abcdef user=alice path=/api/v1/items";
    let lines = size / (LINE.len() as u64 + 1);
    let mut gen = Command::new("sh")
        .arg("-c")
        .arg(format!("yes '{LINE}' | head -n {lines}"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut c = sb.command();
    c.args(["mask", "--secrets", "secrets.env"])
        .stdin(Stdio::from(gen.stdout.take().unwrap()))
        .stdout(Stdio::piped());
    let started = Instant::now();
    let mut envseal = c.spawn().unwrap();
    let mut wc = Command::new("wc")
        .arg("-c")
        .stdin(Stdio::from(envseal.stdout.take().unwrap()))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // VmHWM is a high-water mark: the last value read before the process exits is its
    // peak, give or take the last few milliseconds.
    let status_file = format!("/proc/{}/status", envseal.id());
    let mut hwm = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(st) = envseal.try_wait().unwrap() {
            break st;
        }
        if let Ok(s) = fs::read_to_string(&status_file) {
            if let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            {
                hwm = kb;
            }
        }
        if Instant::now() > deadline {
            let _ = envseal.kill();
            let _ = gen.kill();
            let _ = wc.kill();
            panic!("the filter did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let secs = started.elapsed().as_secs_f64();
    assert!(status.success(), "envseal mask: {status}");
    let _ = wait_within(&mut gen, Duration::from_secs(5));
    let out = output_within(wc, Duration::from_secs(10), "wc -c");
    let bytes: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    let masked_line = LINE.replace("tok-0123456789abcdef", "***").len() as u64 + 1;
    assert_eq!(
        bytes,
        lines * masked_line,
        "every line is masked and kept ({lines} lines)"
    );
    assert!(hwm > 0, "VmHWM was never read");
    (hwm, lines * (LINE.len() as u64 + 1), secs)
}

#[test]
fn peak_memory_is_flat_whatever_the_input_size() {
    if !std::path::Path::new("/proc/self/status").is_file() {
        eprintln!("SKIPPED: no /proc (peak memory is read from /proc/<pid>/status)");
        return;
    }
    let sb = sandbox();
    let small = filter_generated(&sb, 20 << 20);
    let big = filter_generated(&sb, 200 << 20);
    eprintln!(
        "mask filter peak RSS (VmHWM): {} KiB for {} MiB in, {} KiB for {} MiB in ({:.1} s)",
        small.0,
        small.1 >> 20,
        big.0,
        big.1 >> 20,
        big.2
    );
    assert!(big.0 < 32 * 1024, "peak {} KiB for 200 MB", big.0);
    assert!(
        big.0 <= small.0 + small.0 / 4 + 1024,
        "memory grows with the input: {} KiB for 20 MB, {} KiB for 200 MB",
        small.0,
        big.0
    );
}

#[test]
fn line_buffered_output_comes_before_the_input_ends() {
    let sb = sandbox();
    let mut c = sb.command();
    c.args(["mask", "--secrets", "secrets.env", "--line-buffered"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let limit = Duration::from_secs(10);
    stdin
        .write_all(b"first tok-0123456789abcdef line\n")
        .unwrap();
    stdin.flush().unwrap();
    let got = rx.recv_timeout(limit);
    assert_eq!(
        got.as_deref(),
        Ok("first *** line\n"),
        "a complete line is written while stdin is still open"
    );
    // A secret split across two writes (two reads) is still masked whole.
    stdin.write_all(b"split correct hor").unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(50));
    stdin.write_all(b"se battery end\n").unwrap();
    stdin.flush().unwrap();
    assert_eq!(rx.recv_timeout(limit).as_deref(), Ok("split *** end\n"));
    drop(stdin);
    let status = wait_within(&mut child, limit).expect("exits after stdin closes");
    assert!(status.success());
    reader.join().unwrap();
    assert!(rx.try_recv().is_err(), "nothing more after the input ended");
}

#[test]
fn without_line_buffering_a_pipe_gets_output_at_the_end() {
    // The contrast that shows --line-buffered is what flushes: with stdout a pipe and
    // no flag, a short line stays buffered until stdin closes.
    let sb = sandbox();
    let mut c = sb.command();
    c.args(["mask", "--secrets", "secrets.env"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    stdin
        .write_all(b"held tok-0123456789abcdef back\n")
        .unwrap();
    stdin.flush().unwrap();
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "output before the end without --line-buffered"
    );
    drop(stdin);
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(10)).as_deref(),
        Ok("held *** back\n")
    );
    assert!(wait_within(&mut child, Duration::from_secs(10)).is_some_and(|s| s.success()));
    reader.join().unwrap();
}

/// Issue 9.9: with --line-buffered, a multi-line value printed as it is (its middle line
/// shorter than --min-len) is masked whole, exactly as in pipe mode, while lines around
/// it still come out as soon as they are complete.
#[test]
fn line_buffered_masks_multi_line_secrets_as_pipe_mode_does() {
    let sb = Sandbox::new();
    sb.write(
        "secrets.env",
        "CERT=\"-----BEGIN CERT-----\nab\n-----END CERT-----\"\n",
    );
    let input = "start\n-----BEGIN CERT-----\nab\n-----END CERT-----\nafter\n";
    let pipe = filter(&sb, &[], input);
    assert_eq!(pipe, "start\n***\nafter\n");
    let mut c = sb.command();
    c.args(["mask", "--secrets", "secrets.env", "--line-buffered"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let limit = Duration::from_secs(10);
    let mut got = String::new();
    for (line, expect_now) in [
        ("start\n", Some("start\n")),
        ("-----BEGIN CERT-----\n", None),
        ("ab\n", None),
        ("-----END CERT-----\n", Some("***\n")),
        ("after\n", Some("after\n")),
    ] {
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.flush().unwrap();
        match expect_now {
            Some(want) => {
                let out = rx.recv_timeout(limit).expect("a complete line comes out");
                assert_eq!(out, want);
                got.push_str(&out);
            }
            None => assert!(
                rx.recv_timeout(Duration::from_millis(200)).is_err(),
                "a line that may begin the secret is held back"
            ),
        }
    }
    drop(stdin);
    let status = wait_within(&mut child, limit).expect("exits after stdin closes");
    assert!(status.success());
    reader.join().unwrap();
    assert_eq!(got, pipe);
}

/// `VmHWM` (peak RSS, KiB) of a running process.
fn vm_hwm_kib(pid: u32) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Peak RSS of `mask --secrets FILE --line-buffered` once its set is built: a line with
/// a secret is written and its masked form read back (so the loading and the index are
/// behind it), then the peak is read while the process still runs.
fn peak_after_build(sb: &Sandbox, secrets: &str, line: &str) -> u64 {
    let mut child = sb
        .command()
        .args(["mask", "--secrets", secrets, "--line-buffered"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn envseal");
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(stdin, "{line}").expect("write a line");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut masked = String::new();
    out.read_line(&mut masked).expect("read the masked line");
    assert_eq!(masked, "seen *** here\n", "the line was not masked");
    let kib = vm_hwm_kib(child.id());
    drop(stdin);
    assert!(child.wait().expect("wait").success());
    assert!(kib > 0, "VmHWM was never read");
    kib
}

/// Issue 11: the filter's memory with a 100,000-key secrets file (scripts/gen-env.py,
/// the benchmark's file, ~6.7 MB) stays within 3x the file's size above the process's
/// own baseline (the same run with a one-key file). The loader used to hold the file,
/// a parsed document of it, its text again and every value in a list: about 10x.
#[test]
fn secrets_of_a_100k_key_file_cost_under_3x_its_size() {
    if !std::path::Path::new("/proc/self/status").is_file() {
        eprintln!("SKIPPED: no /proc (peak memory is read from /proc/<pid>/status)");
        return;
    }
    let sb = Sandbox::new();
    let mut env = crate::common::gen_env(100_000);
    env.extend_from_slice(b"LOOK_FOR=the-one-to-see-0123\n");
    sb.write("big.env", &env);
    sb.write("one.env", "LOOK_FOR=the-one-to-see-0123\n");
    let line = "seen the-one-to-see-0123 here";
    let base = peak_after_build(&sb, "one.env", line);
    let big = peak_after_build(&sb, "big.env", line);
    let size_kib = env.len() as u64 / 1024;
    eprintln!(
        "mask --secrets: peak {big} KiB with a {size_kib} KiB file of 100,000 keys, {base} KiB with one key"
    );
    assert!(
        big.saturating_sub(base) <= 3 * size_kib,
        "{} KiB above the baseline for a {size_kib} KiB secrets file",
        big - base
    );
}
