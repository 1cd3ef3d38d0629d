//! The git pre-commit hook in real repositories: install / uninstall (idempotent, keeps
//! a custom hook), real `git commit`s blocked or allowed, never a prompt, and its speed.
//! Also the pre-commit framework's `.pre-commit-hooks.yaml`, through `pre-commit try-repo`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{ci, mode, Sandbox};
use crate::common::{exit_code, Code};
use crate::flow::{git, git_timed, init_repo, output_within, path_with_bin, Pty};

const HOOK: &str = ".git/hooks/pre-commit";
const LIMIT: Duration = Duration::from_secs(20);

/// A repository with a key in the sandbox keyring, `.env` encrypted and committed, and
/// the hook installed.
pub(crate) fn repo() -> Sandbox {
    let sb = Sandbox::new();
    init_repo(&sb);
    sb.write(".gitignore", "/keyring/\n/home/\n/xdg/\n");
    sb.write(".env", "API_TOKEN=tok-0123456789abcdef\nDEBUG=true\n");
    sb.run(&["generate-key", "-q"]).ok();
    sb.run(&["encrypt", "-q"]).ok();
    sb.run(&["hook", "install"]).ok();
    git(&sb, &["add", ".gitignore", ".env.encrypted"]);
    commit(&sb, "init").ok();
    sb
}

pub(crate) struct Commit {
    pub code: i32,
    pub stderr: String,
    elapsed: Duration,
}

impl Commit {
    pub fn ok(&self) -> &Commit {
        assert_eq!(self.code, 0, "git commit failed: {}", self.stderr);
        self
    }

    /// Blocked: non-zero, and the message says what to run.
    pub fn blocked(&self, says: &str) -> &Commit {
        assert_ne!(self.code, 0, "git commit was not blocked");
        assert!(
            self.stderr.contains("commit blocked by envseal") && self.stderr.contains(says),
            "the refusal should say {says:?}: {}",
            self.stderr
        );
        self
    }
}

/// `git commit` with stdin null, the binary under test first in PATH, and a deadline (a
/// hook that waits for input fails the test instead of hanging it).
pub(crate) fn commit(sb: &Sandbox, msg: &str) -> Commit {
    let started = Instant::now();
    let out = git_timed(sb, &["commit", "-q", "-m", msg], LIMIT);
    Commit {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

fn head(sb: &Sandbox) -> String {
    git(sb, &["rev-parse", "HEAD"])
}

#[test]
fn install_is_idempotent_and_uninstall_removes_the_file_it_made() {
    let sb = Sandbox::new();
    init_repo(&sb);
    sb.run(&["hook", "install"]).ok();
    let first = sb.read(HOOK);
    let text = String::from_utf8_lossy(&first).into_owned();
    assert!(text.starts_with("#!/bin/sh\n"), "{text}");
    assert!(text.contains("hook run"), "{text}");
    assert_eq!(
        mode(&sb.path(HOOK)) & 0o111,
        0o111,
        "the hook is executable"
    );
    let mtime = fs::metadata(sb.path(HOOK)).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let again = sb.run(&["hook", "install"]);
    again.ok();
    assert!(
        again.stderr.contains("already installed"),
        "{}",
        again.stderr
    );
    assert_eq!(sb.read(HOOK), first, "installing twice changes nothing");
    assert_eq!(
        fs::metadata(sb.path(HOOK)).unwrap().modified().unwrap(),
        mtime,
        "installing twice does not rewrite the file"
    );
    sb.run(&["hook", "uninstall"]).ok();
    assert!(!sb.path(HOOK).exists(), "only our block was in it");
    sb.run(&["hook", "uninstall"]).ok();
    // Outside a repository: a usage error that says so.
    let plain = Sandbox::new();
    let run = plain.run(&["hook", "install"]);
    run.code(exit_code(Code::Usage));
    assert!(run.stderr.contains("git repository"), "{}", run.stderr);
}

#[test]
fn an_existing_hook_keeps_its_lines_and_still_runs() {
    let sb = Sandbox::new();
    init_repo(&sb);
    sb.write(".gitignore", "/keyring/\n/home/\n/xdg/\n/custom.log\n");
    let custom = "#!/bin/sh\n# team hook\necho custom-hook-ran >> custom.log\n";
    fs::create_dir_all(sb.path(".git/hooks")).unwrap();
    sb.write(HOOK, custom);
    fs::set_permissions(sb.path(HOOK), fs::Permissions::from_mode(0o755)).unwrap();
    let run = sb.run(&["hook", "install"]);
    run.ok();
    assert!(run.stderr.contains("existing hook"), "{}", run.stderr);
    let installed = String::from_utf8(sb.read(HOOK)).unwrap();
    // The block goes right after the shebang (so a hook ending in `exec` still runs it);
    // every line of the custom hook stays, in order.
    assert!(
        installed.starts_with("#!/bin/sh\n# >>> envseal >>>"),
        "{installed}"
    );
    assert!(
        installed.ends_with("# <<< envseal <<<\n# team hook\necho custom-hook-ran >> custom.log\n"),
        "{installed}"
    );
    sb.run(&["hook", "install"]).ok();
    assert_eq!(String::from_utf8(sb.read(HOOK)).unwrap(), installed);

    // Both parts run: the custom line, and envseal's check (which blocks a plaintext .env).
    sb.write("a.txt", "a\n");
    git(&sb, &["add", "a.txt", ".gitignore"]);
    commit(&sb, "one").ok();
    assert_eq!(sb.read("custom.log"), b"custom-hook-ran\n");
    sb.write(".env", "API_TOKEN=tok-0123456789abcdef\n");
    git(&sb, &["add", "-f", ".env"]);
    commit(&sb, "two").blocked(".env: a plaintext env file is staged");
    git(&sb, &["restore", "--staged", ".env"]);

    sb.run(&["hook", "uninstall"]).ok();
    assert_eq!(
        String::from_utf8(sb.read(HOOK)).unwrap(),
        custom,
        "uninstall removes only our block"
    );
    assert_eq!(mode(&sb.path(HOOK)), 0o755);
}

#[test]
fn commits_are_blocked_with_what_to_run_and_clean_ones_pass() {
    let sb = repo();
    let before = head(&sb);

    // 1. A plaintext .env staged (forced past .gitignore).
    git(&sb, &["add", "-f", ".env"]);
    commit(&sb, "plaintext").blocked("git restore --staged .env && envseal encrypt .env");
    git(&sb, &["restore", "--staged", ".env"]);

    // 2. A stale .env.encrypted: .env edited after encrypting (key in the keyring).
    sb.write(".env", "API_TOKEN=tok-0123456789abcdef\nDEBUG=false\n");
    sb.write("a.txt", "a\n");
    git(&sb, &["add", "a.txt"]);
    let c = commit(&sb, "stale");
    c.blocked("envseal encrypt .env && git add .env.encrypted");
    assert!(c.stderr.contains(".env.encrypted: stale"), "{}", c.stderr);
    sb.run(&["encrypt", "-q"]).ok();
    git(&sb, &["add", ".env.encrypted"]);
    commit(&sb, "re-encrypted").ok();

    // 3. A staged file holding a secret value: path:line: KEY, never the value.
    let mid = head(&sb);
    sb.write(
        "settings.py",
        "DEBUG = False\nTOKEN = 'tok-0123456789abcdef'\n",
    );
    git(&sb, &["add", "settings.py"]);
    let c = commit(&sb, "leak");
    c.blocked("settings.py:2: API_TOKEN: a secret value is staged");
    assert!(!c.stderr.contains("tok-0123456789abcdef"), "{}", c.stderr);
    assert_eq!(head(&sb), mid, "the blocked commit was not made");

    // 4. Clean: allowed.
    sb.write(
        "settings.py",
        "DEBUG = False\nTOKEN = os.environ['API_TOKEN']\n",
    );
    git(&sb, &["add", "settings.py"]);
    let c = commit(&sb, "clean");
    c.ok();
    assert!(
        c.stderr.is_empty(),
        "a passing hook is silent: {}",
        c.stderr
    );
    assert_ne!(head(&sb), before);
    assert!(git(&sb, &["log", "--format=%s"]).starts_with("clean\nre-encrypted\ninit\n"));
}

#[test]
fn the_hook_never_prompts_even_on_a_terminal() {
    if !crate::flow::have_script() {
        return;
    }
    // The key is nowhere: the stale check cannot run and must be skipped, not asked for.
    let sb = repo();
    fs::remove_dir_all(sb.keyring()).unwrap();
    sb.write(".env", "API_TOKEN=tok-0123456789abcdef\nDEBUG=false\n");
    sb.write("a.txt", "a\n");
    git(&sb, &["add", "a.txt"]);
    // stdin null (as git runs hooks): finishes.
    let run = sb.run(&["hook", "run"]);
    assert!(!run.stderr.contains("Master key"), "{}", run.stderr);
    commit(&sb, "no key").ok();
    // A terminal on stdin: still no prompt, still done well within the deadline.
    sb.write("b.txt", "b\n");
    git(&sb, &["add", "b.txt"]);
    let pty = Pty::spawn(&sb, &["hook", "run"], &[]);
    let (code, out) = pty.finish(LIMIT);
    assert!(!out.contains("Master key"), "the hook prompted: {out:?}");
    assert_eq!(code, exit_code(Code::Ok), "{out:?}");
}

#[test]
fn hook_time_on_a_50_key_env_and_1000_staged_files() {
    let sb = Sandbox::new();
    init_repo(&sb);
    sb.write(".gitignore", "/keyring/\n/home/\n/xdg/\n");
    let env: String = (0..50)
        .map(|i| format!("SERVICE_{i}_TOKEN=token-value-{i:04}-abcdefghijklmnop\n"))
        .collect();
    sb.write(".env", &env);
    sb.run(&["generate-key", "-q"]).ok();
    sb.run(&["encrypt", "-q"]).ok();
    sb.run(&["hook", "install"]).ok();
    fs::create_dir_all(sb.path("src")).unwrap();
    for i in 0..1000 {
        sb.write(
            &format!("src/file_{i:04}.txt"),
            format!("line one of file {i}\nline two, nothing secret\n"),
        );
    }
    git(&sb, &["add", ".gitignore", ".env.encrypted", "src"]);
    let staged = git(&sb, &["diff", "--cached", "--name-only"])
        .lines()
        .count();
    assert_eq!(staged, 1002);

    // The hook's own time: `envseal hook run` as the hook runs it, best of 3.
    let mut times = Vec::new();
    for _ in 0..3 {
        let mut c = sb.command();
        c.args(["hook", "run"])
            .env("PATH", path_with_bin())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let out = output_within(c.spawn().unwrap(), LIMIT, "envseal hook run");
        times.push(started.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    times.sort();
    let c = commit(&sb, "a thousand files");
    c.ok();
    eprintln!(
        "hook time, 50-key .env + 1000 staged files: envseal hook run best {:.1} ms, median {:.1} ms (debug build); whole git commit {:.0} ms",
        times[0].as_secs_f64() * 1e3,
        times[1].as_secs_f64() * 1e3,
        c.elapsed.as_secs_f64() * 1e3
    );
    assert!(
        times[0] < Duration::from_secs(2),
        "the hook took {:?}",
        times[0]
    );
}

/// `pre-commit` (the framework) if importable; otherwise skip, or fail under CI.
pub(crate) fn pre_commit() -> Option<()> {
    let ok = Command::new("python3")
        .args(["-m", "pre_commit", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(());
    }
    assert!(
        !ci(),
        "python3 -m pre_commit is not importable; CI is set, so this fails (pip install pre-commit)"
    );
    eprintln!("SKIPPED: pre-commit is not installed (pip install pre-commit)");
    None
}

#[test]
fn pre_commit_hooks_yaml_declares_both_hooks() {
    let yaml =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"))
            .expect(".pre-commit-hooks.yaml at the crate root");
    for (id, entry) in [
        ("envseal-check", "envseal hook run --no-leak-check"),
        ("envseal-leak-check", "envseal mask --check --staged"),
    ] {
        let at = yaml
            .find(&format!("\n- id: {id}\n"))
            .unwrap_or_else(|| panic!("no hook {id}"));
        let block = &yaml[at..];
        let block = &block[..block[2..].find("\n- id:").map_or(block.len(), |i| i + 2)];
        for want in [
            format!("entry: {entry}\n"),
            "language: system\n".to_owned(),
            "pass_filenames: false\n".to_owned(),
        ] {
            assert!(block.contains(&want), "{id}: no {want:?} in\n{block}");
        }
    }
}

#[test]
fn pre_commit_try_repo_runs_both_hooks() {
    if pre_commit().is_none() {
        return;
    }
    let sb = repo();
    // The hooks repository: the crate's .pre-commit-hooks.yaml, committed (try-repo reads
    // committed files, so the crate's own git state must not matter).
    let hooks = Sandbox::new();
    init_repo(&hooks);
    crate::flow::copy_in(
        &hooks,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
        ".pre-commit-hooks.yaml",
    );
    git(&hooks, &["add", ".pre-commit-hooks.yaml"]);
    git(&hooks, &["commit", "-q", "-m", "hooks"]);
    let hooks_repo = hooks.root().display().to_string();
    let try_repo = |sb: &Sandbox, hook: &str| {
        let mut c = Command::new("python3");
        sb.setup(&mut c);
        c.args(["-m", "pre_commit", "try-repo", &hooks_repo, hook])
            .env("PATH", path_with_bin())
            .env("PRE_COMMIT_HOME", sb.path("home/pre-commit"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let out = output_within(c.spawn().unwrap(), Duration::from_secs(60), hook);
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    // Clean staged content: both pass.
    sb.write("a.txt", "nothing\n");
    git(&sb, &["add", "a.txt"]);
    for hook in ["envseal-check", "envseal-leak-check"] {
        let (code, out) = try_repo(&sb, hook);
        assert_eq!(code, 0, "{hook}: {out}");
        assert!(out.contains("Passed"), "{hook}: {out}");
    }
    // A staged secret: only the leak check fails (the other skips the leak check).
    sb.write("a.txt", "tok-0123456789abcdef\n");
    git(&sb, &["add", "a.txt"]);
    let (code, out) = try_repo(&sb, "envseal-check");
    assert_eq!(code, 0, "{out}");
    let (code, out) = try_repo(&sb, "envseal-leak-check");
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("a.txt:1: API_TOKEN"), "{out}");
    assert!(!out.contains("tok-0123456789abcdef"), "{out}");
    // A staged plaintext .env: the envseal-check hook fails.
    git(&sb, &["restore", "--staged", "a.txt"]);
    git(&sb, &["add", "-f", ".env"]);
    let (code, out) = try_repo(&sb, "envseal-check");
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("a plaintext env file is staged"), "{out}");
}
