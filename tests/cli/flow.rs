//! Helpers for the workflow tests: git repositories in a sandbox, a pseudo-terminal
//! through util-linux `script`, waiting with a deadline, and line diffs for golden files.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::common::{bin, ci, Sandbox};

/// `PATH` with the directory of the binary under test first, so `envseal` in a hook (or
/// a pre-commit entry) is the binary under test.
pub fn path_with_bin() -> OsString {
    let dir = bin().parent().expect("bin dir").to_path_buf();
    let mut paths = vec![dir];
    if let Some(p) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(paths).expect("PATH")
}

/// `git` set up like the binary (sandbox env, stdin null) with no system or global
/// config, and the binary under test first in PATH.
pub fn git_cmd(sb: &Sandbox) -> Command {
    let mut c = Command::new("git");
    sb.setup(&mut c);
    c.env("PATH", path_with_bin())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE");
    c
}

/// Run git in the sandbox and insist it succeeds; returns stdout.
pub fn git(sb: &Sandbox, args: &[&str]) -> String {
    let out = git_cmd(sb).args(args).output().expect("run git");
    assert!(
        out.status.success(),
        "git {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Run git in the sandbox with a deadline (a hook that prompts or hangs fails the test
/// instead of blocking it).
pub fn git_timed(sb: &Sandbox, args: &[&str], limit: Duration) -> Output {
    let child = git_cmd(sb)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run git");
    output_within(child, limit, &format!("git {}", args.join(" ")))
}

/// A git repository in the sandbox root, with an identity and `main` as branch.
pub fn init_repo(sb: &Sandbox) {
    git(sb, &["init", "-q", "-b", "main"]);
    git(sb, &["config", "user.name", "Envseal Test"]);
    git(sb, &["config", "user.email", "test@example.invalid"]);
    git(sb, &["config", "commit.gpgsign", "false"]);
}

/// Wait for `child` at most `limit`; `None` (after killing it) when it is still running.
pub fn wait_within(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let end = Instant::now() + limit;
    loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            return Some(st);
        }
        if Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Collect a spawned child's piped stdout and stderr, failing the test when it runs
/// longer than `limit` (it is killed first).
pub fn output_within(mut child: Child, limit: Duration, what: &str) -> Output {
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_end(&mut v);
        }
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_end(&mut v);
        }
        v
    });
    let status = wait_within(&mut child, limit);
    let stdout = t_out.join().expect("stdout reader");
    let stderr = t_err.join().expect("stderr reader");
    let Some(status) = status else {
        panic!(
            "`{what}` still ran after {limit:?} (waiting for input?); killed. stderr: {}",
            String::from_utf8_lossy(&stderr)
        );
    };
    Output {
        status,
        stdout,
        stderr,
    }
}

/// Quote a word for `sh -c`.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Is util-linux `script` here? Without it the PTY tests skip (and fail under CI).
pub fn have_script() -> bool {
    let ok = Command::new("script")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            !ci(),
            "util-linux `script` is missing; CI is set, so this fails"
        );
        eprintln!("SKIPPED: util-linux `script` is not installed (no pseudo-terminal)");
    }
    ok
}

/// The binary run on a pseudo-terminal (`script -qec CMD /dev/null`): what it writes to
/// the terminal is collected; what the test sends is typed at it.
pub struct Pty {
    child: Child,
    stdin: Option<ChildStdin>,
    out: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
    what: String,
}

impl Pty {
    /// `envseal ARGS` on a terminal, in the sandbox, with `env` added.
    pub fn spawn(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Pty {
        let mut line = sh_quote(&bin().display().to_string());
        for a in args {
            line.push(' ');
            line.push_str(&sh_quote(a));
        }
        Pty::spawn_shell(sb, &line, env)
    }

    /// A shell command line on a terminal.
    pub fn spawn_shell(sb: &Sandbox, line: &str, env: &[(&str, &str)]) -> Pty {
        let mut c = Command::new("script");
        sb.setup(&mut c);
        c.args(["-qec", line, "/dev/null"])
            .env("SHELL", "/bin/sh")
            .env("TERM", "xterm")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c.spawn().expect("run script");
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().expect("stdout");
        let out = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&out);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("lock").extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            child,
            stdin,
            out,
            reader: Some(reader),
            what: line.to_owned(),
        }
    }

    /// What the terminal showed so far.
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().expect("lock")).into_owned()
    }

    /// Wait until the terminal shows `needle`; panics with the output after `limit`.
    pub fn expect(&self, needle: &str, limit: Duration) {
        let end = Instant::now() + limit;
        while !self.output().contains(needle) {
            assert!(
                Instant::now() < end,
                "`{}`: no {needle:?} on the terminal within {limit:?}; it showed: {:?}",
                self.what,
                self.output()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Type `text` at the terminal.
    pub fn send(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(text.as_bytes()).expect("type");
        stdin.flush().expect("flush");
    }

    /// Wait for the program to end (at most `limit`): its exit code and the terminal text.
    pub fn finish(mut self, limit: Duration) -> (i32, String) {
        let status = wait_within(&mut self.child, limit);
        self.stdin.take();
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        let out = self.output();
        let status =
            status.unwrap_or_else(|| panic!("`{}` still ran after {limit:?}: {out:?}", self.what));
        (status.code().unwrap_or(-1), out)
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A line diff of two texts (longest common subsequence), `-` expected, `+` got, with
/// line ends made visible; for golden-file failures.
pub fn line_diff(expected: &str, got: &str) -> String {
    let a: Vec<&str> = expected.split_inclusive('\n').collect();
    let b: Vec<&str> = got.split_inclusive('\n').collect();
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let show = |l: &str| format!("{:?}", l);
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push_str(&format!("   {}\n", show(a[i])));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!(" - {}\n", show(a[i])));
            i += 1;
        } else {
            out.push_str(&format!(" + {}\n", show(b[j])));
            j += 1;
        }
    }
    out
}

/// Copy a file into the sandbox under `rel`.
pub fn copy_in(sb: &Sandbox, from: &Path, rel: &str) {
    let p = sb.path(rel);
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::copy(from, &p).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
}

/// `envseal ARGS` in the sandbox with `input` on stdin (written from a thread, so a large
/// input cannot deadlock against a full stdout pipe).
pub fn run_stdin(sb: &Sandbox, args: &[&str], input: &[u8]) -> crate::common::Run {
    let mut c = sb.command();
    c.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run envseal");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = output_within(child, Duration::from_secs(30), &args.join(" "));
    let _ = writer.join();
    crate::common::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        what: format!("envseal {}", args.join(" ")),
    }
}
