//! Shared helpers: a sandbox directory per test, running the binary in it, reading the
//! shared corpus and vectors, and failure messages that show where bytes differ.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

pub use envseal::exit::Code;
use envseal::key::Key;

/// The process exit status that means `code`: what tests compare `.code()` with, so that
/// an exit code is named by its meaning (`exit_code(Code::Integrity)`), never a bare
/// number. Shell conventions a test pins (`run`'s 128+n for a signal) stay numeric.
pub fn exit_code(code: Code) -> i32 {
    i32::from(code.as_u8())
}

/// The binary under test.
pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("envseal")
}

/// `CI` says we run in continuous integration: missing shared data or tools fail there.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A directory in `../shared` (next to the worktree), or `None` after saying why it is
/// skipped. Under `CI=true` a missing directory fails the test instead.
pub fn shared_dir(rel: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(rel);
    if dir.is_dir() {
        return Some(dir);
    }
    let msg = format!(
        "shared test data {} is missing (expected next to the crate, at {})",
        rel,
        dir.display()
    );
    assert!(!ci(), "{msg}; CI is set, so this is a failure");
    eprintln!("SKIPPED: {msg}");
    None
}

/// A fixture directory inside the crate.
pub fn fixtures(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// A made-up master key from a seed byte; distinct seeds give distinct keys.
pub fn test_key(seed: u8) -> Key {
    let mut raw = [0u8; 32];
    for (i, b) in raw.iter_mut().enumerate() {
        *b = seed.wrapping_mul(31).wrapping_add(i as u8).rotate_left(3) ^ 0xa5;
    }
    Key::from_bytes(raw)
}

/// The outcome of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub what: String,
}

impl Run {
    pub fn ok(&self) -> &Run {
        assert_eq!(
            self.code, 0,
            "`{}` failed (exit {}): {}",
            self.what, self.code, self.stderr
        );
        self
    }

    pub fn code(&self, want: i32) -> &Run {
        assert_eq!(
            self.code, want,
            "`{}`: exit {} (want {want}); stderr: {}",
            self.what, self.code, self.stderr
        );
        self
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Neither stream holds any of `secrets`.
    pub fn no_leak(&self, secrets: &[&str]) -> &Run {
        for s in secrets {
            assert!(!s.is_empty());
            assert!(
                !contains(&self.stdout, s.as_bytes()),
                "`{}`: stdout holds a secret ({} bytes)",
                self.what,
                s.len()
            );
            assert!(
                !self.stderr.contains(s),
                "`{}`: stderr holds a secret ({} bytes): {}",
                self.what,
                s.len(),
                self.stderr
            );
        }
        self
    }
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// A throw-away working directory with its own keyring.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("envseal-test.")
            .tempdir()
            .expect("temp dir");
        Sandbox { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn keyring(&self) -> PathBuf {
        self.path("keyring")
    }

    /// The binary, set up to run here: its own keyring, HOME and XDG dirs inside the
    /// sandbox, no inherited `SECRETS_MASTER_KEY*`, stdin from /dev/null (no terminal).
    pub fn command(&self) -> std::process::Command {
        let mut c = std::process::Command::new(bin());
        self.setup(&mut c);
        c
    }

    /// Set up any command (e.g. a `bash -c` wrapper around the binary) the same way.
    pub fn setup(&self, c: &mut std::process::Command) {
        c.current_dir(self.root());
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("SECRETS_MASTER_KEY") {
                c.env_remove(k);
            }
        }
        c.env("ENVSEAL_KEYRING", self.keyring())
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("xdg"))
            .env("NO_COLOR", "1")
            .env_remove("ENVSEAL_LEDGER")
            .env_remove("ENVSEAL_AGE_KEY")
            .env_remove("ENVSEAL_AGE_KEY_FILE")
            .stdin(Stdio::null());
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut c = self.command();
        c.args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        // std's output() keeps the /dev/null stdin set up above (assert_cmd's would
        // replace it with a pipe).
        let out = c.output().expect("run envseal");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            what: format!("envseal {}", args.join(" ")),
        }
    }

    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        fs::write(&p, bytes).expect("write test file");
        p
    }

    pub fn read(&self, rel: &str) -> Vec<u8> {
        fs::read(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Write `key` as a key file (text + newline, mode 0600) and return its name.
    pub fn key_file(&self, rel: &str, key: &Key) -> String {
        let p = self.write(rel, format!("{}\n", *key.expose_text()));
        fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).expect("chmod");
        rel.to_owned()
    }

    /// The names in the sandbox root, sorted.
    /// The sandbox's entries, without `.envseal/` (the ledger a successful encrypt
    /// creates in the project root).
    pub fn listing(&self) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.root())
            .expect("list sandbox")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n != ".envseal")
            .collect();
        v.sort();
        v
    }
}

pub fn mode(p: &Path) -> u32 {
    fs::metadata(p).expect("stat").permissions().mode() & 0o777
}

/// Where two byte strings first differ, with the lines around it, escaped.
pub fn diff(expected: &[u8], got: &[u8]) -> String {
    if expected == got {
        return "identical".to_owned();
    }
    let at = expected
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(got.len()));
    let line = expected[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let window = |b: &[u8]| {
        let start = at.saturating_sub(40);
        let end = (at + 40).min(b.len());
        format!("{:?}", String::from_utf8_lossy(&b[start.min(end)..end]))
    };
    format!(
        "first difference at byte {at} (line {line}); lengths {} vs {}\n  expected: …{}…\n  got:      …{}…",
        expected.len(),
        got.len(),
        window(expected),
        window(got)
    )
}

/// `text` with every `ENC[v1:<base64>]` token body removed, so coincidental matches of
/// short values inside random ciphertext do not count as leaks.
pub fn without_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("ENC[v1:") {
        out.push_str(&rest[..i + "ENC[v1:".len()]);
        rest = &rest[i + "ENC[v1:".len()..];
        let body = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        rest = &rest[body..];
    }
    out.push_str(rest);
    out
}

/// Every line of a file (split at `\n` and `\r`), trimmed, at least `min` bytes long.
pub fn text_lines(bytes: &[u8], min: usize) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .split(['\n', '\r'])
        .map(|l| l.trim().to_owned())
        .filter(|l| l.len() >= min)
        .collect()
}

/// A `N:M` position (line:column) in `text` right after `name`, as in
/// `cannot encrypt case.env: 3:7: ...` or `case.env:3:7: ...`.
pub fn position_after(text: &str, name: &str) -> Option<(usize, usize)> {
    let at = text.find(name)? + name.len();
    let rest = text[at..].trim_start_matches(':').trim_start_matches(' ');
    let (line, rest) = rest.split_once(':')?;
    let col: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    Some((line.parse().ok()?, col.parse().ok()?))
}

/// The benchmarks' generated `.env` of `keys` keys (`scripts/gen-env.py`): URLs with
/// passwords, tokens, quoted values sharing a prefix, multi-line values.
pub fn gen_env(keys: usize) -> Vec<u8> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen-env.py");
    let generated = std::process::Command::new("python3")
        .arg(&script)
        .arg(keys.to_string())
        .output()
        .expect("run scripts/gen-env.py");
    assert!(generated.status.success());
    generated.stdout
}
