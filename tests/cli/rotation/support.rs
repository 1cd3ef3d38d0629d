//! Helpers for the rotation tests, kept inside this module so it merges with the other
//! CLI test modules without a shared `common.rs`.
//!
//! Every test gets its own temp directory holding the project, `HOME` and the keyring, and
//! runs the real binary with a cleared environment: no `SECRETS_MASTER_KEY*`,
//! `ENVSEAL_LEDGER` or `XDG_CONFIG_HOME` of the developer's leaks in, stdin is null (never
//! a TTY), and the ledger is the project's default (`.git/envseal/ledger.db` in a git
//! project, else `.envseal/ledger.db`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::{exit_code, Code};
use envseal::key::{Key, KeyId};
use envseal::ledger::Ledger;

pub const BIN: &str = env!("CARGO_BIN_EXE_envseal");

/// A throw-away project with its own keyring.
pub struct Project {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
    pub keyring: PathBuf,
    pub home: PathBuf,
}

impl Project {
    /// A project directory that is not a git work tree.
    pub fn plain() -> Project {
        let tmp = tempfile::Builder::new()
            .prefix("envseal-rot-")
            .tempdir()
            .unwrap();
        // Canonical: the binary reports paths under the real directory.
        let base = tmp.path().canonicalize().unwrap();
        let root = base.join("project");
        let home = base.join("home");
        let keyring = home.join("keys");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        envseal::fsutil::create_dir_private(&keyring).unwrap();
        Project {
            _tmp: tmp,
            root,
            keyring,
            home,
        }
    }

    /// A project that is a fresh git repository (the project root `status` and the
    /// ledger use, `.gitignore` handling).
    pub fn git() -> Project {
        let p = Project::plain();
        p.git_ok(&["init", "-q", "."]);
        p
    }

    /// The binary, run in the project root with a clean environment.
    pub fn cmd<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd_in(&self.root, args)
    }

    pub fn cmd_in<I, S>(&self, dir: &Path, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut c = Command::new(BIN);
        c.args(args);
        self.env(&mut c);
        c.current_dir(dir).stdin(Stdio::null());
        c
    }

    fn env(&self, c: &mut Command) {
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("USER", "rotation-tester")
            .env("ENVSEAL_KEYRING", &self.keyring)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1");
    }

    /// Run the binary to completion, capturing its output.
    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd(args).output().unwrap()
    }

    /// Run the binary and insist on exit 0.
    pub fn ok<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let out = self.run(args);
        assert_eq!(
            code(&out),
            exit_code(Code::Ok),
            "envseal failed:\n{}",
            describe(&out)
        );
        out
    }

    pub fn git_ok(&self, args: &[&str]) {
        let mut c = Command::new("git");
        self.env(&mut c);
        let out = c
            .args(args)
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .output()
            .expect("git is installed");
        assert!(out.status.success(), "git {args:?}: {}", describe(&out));
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    pub fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// A new key, saved in the keyring as `envseal generate-key` would.
    pub fn add_key(&self) -> Key {
        let key = Key::generate().unwrap();
        envseal::key::write_key_file(&self.keyring_path(&key.id()), &key, false).unwrap();
        key
    }

    /// A new key in a file outside the keyring (`--key-file`).
    pub fn key_file(&self, name: &str) -> (Key, PathBuf) {
        let key = Key::generate().unwrap();
        let path = self.home.join(name);
        envseal::key::write_key_file(&path, &key, false).unwrap();
        (key, path)
    }

    pub fn keyring_path(&self, id: &KeyId) -> PathBuf {
        self.keyring.join(format!("{}.key", id.hex()))
    }

    /// The key with this id from the keyring, if it is there.
    pub fn keyring_key(&self, id: &KeyId) -> Option<Key> {
        let path = self.keyring_path(id);
        path.exists()
            .then(|| envseal::key::read_key_file(&path, &mut |_| {}).unwrap())
    }

    /// Key file names in the keyring, sorted.
    pub fn keyring_files(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.keyring)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// `envseal encrypt PLAIN --key-file KEY` (v1 unless `extra` says otherwise).
    pub fn encrypt(&self, plain: &str, key_file: &Path, extra: &[&str]) {
        let mut args = vec!["encrypt", plain, "--key-file", key_file.to_str().unwrap()];
        args.extend_from_slice(extra);
        self.ok(args);
    }

    /// Write a plaintext file and encrypt it into `<rel>.encrypted` with the keyring key.
    pub fn seal(&self, rel: &str, plaintext: impl AsRef<[u8]>, key: &Key, extra: &[&str]) {
        self.write(rel, plaintext);
        self.encrypt(rel, &self.keyring_path(&key.id()), extra);
    }

    /// The default ledger: in the common git directory of a git project, else
    /// `.envseal/ledger.db` in the project root.
    pub fn ledger_path(&self) -> PathBuf {
        if self.root.join(".git").is_dir() {
            self.root.join(".git").join("envseal").join("ledger.db")
        } else {
            self.root.join(".envseal").join("ledger.db")
        }
    }

    /// The project's ledger, if one exists.
    pub fn ledger(&self) -> Option<Ledger> {
        Ledger::open_if_exists(&self.ledger_path()).unwrap()
    }

    /// Every file under the root (relative, sorted), `.git` left out.
    pub fn tree(&self) -> Vec<String> {
        fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let e = e.unwrap();
                let p = e.path();
                if e.file_name() == ".git" {
                    continue;
                }
                if e.file_type().unwrap().is_dir() {
                    walk(&p, root, out);
                } else {
                    out.push(p.strip_prefix(root).unwrap().display().to_string());
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &self.root, &mut out);
        out.sort();
        out
    }
}

/// The exit code (`-1` when killed by a signal).
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn describe(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        stdout(o),
        stderr(o)
    )
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", describe(o)))
}

/// The key id a v1 file's header names.
pub fn kid_of(bytes: &[u8]) -> Option<KeyId> {
    let text = std::str::from_utf8(bytes).ok()?;
    Some(
        envseal::format::v1::header(text)
            .ok()?
            .master()?
            .kid
            .clone(),
    )
}

/// Decrypt an encrypted file's bytes (v1 or Fernet) with `key`.
pub fn open(bytes: &[u8], key: &Key) -> Option<Vec<u8>> {
    use envseal::format::{self, fernet, v1, Format};
    match format::detect(bytes)? {
        Format::V1 => {
            let text = std::str::from_utf8(bytes).ok()?;
            Some(v1::decrypt(text, key).ok()?.plaintext.as_bytes().to_vec())
        }
        Format::Fernet => fernet::decrypt(bytes, key).ok().map(|p| p.to_vec()),
    }
}

/// Backups of `rel` (`rel.backup_*`), sorted.
pub fn backups_of(p: &Project, rel: &str) -> Vec<PathBuf> {
    let target = p.path(rel);
    let name = target.file_name().unwrap().to_str().unwrap().to_owned();
    let mut v: Vec<PathBuf> = std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|q| {
            q.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(&format!("{name}.backup_"))
        })
        .collect();
    v.sort();
    v
}

/// SplitMix64: a tiny seeded generator, so a failing run reproduces from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, n)`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    pub fn text(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] =
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
        (0..len)
            .map(|_| ALPHABET[self.below(ALPHABET.len() as u64) as usize] as char)
            .collect()
    }
}

/// A dotenv body of `n` assignments with random values of `len` characters.
pub fn dotenv(rng: &mut Rng, prefix: &str, n: usize, len: usize) -> String {
    let mut s = String::from("# generated by the rotation tests\n");
    for i in 0..n {
        s.push_str(&format!("{prefix}_{i}={}\n", rng.text(len)));
    }
    s
}

/// A seed from `ENVSEAL_TEST_SEED`, else from the clock; printed so a failure reproduces.
pub fn seed(test: &str) -> u64 {
    let seed = std::env::var("ENVSEAL_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("{test}: seed {seed} (rerun with ENVSEAL_TEST_SEED={seed})");
    seed
}
