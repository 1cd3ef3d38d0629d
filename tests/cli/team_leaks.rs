//! Issue 10 §4 and issue 9.10: the leak check blocks what matters and nothing else. It
//! looks for the values of sensitive names (with the project's `[mask]` rules), URL
//! passwords and the lines v1 encrypts whole; `[mask] allow` and an inline
//! `envseal:allow` let a deliberate value through; the view masks whole-line secrets.

use std::fs;

use crate::common::Sandbox;
use crate::common::{exit_code, Code};
use crate::flow::{git, git_timed, init_repo, run_stdin};

const DJANGO_ENV: &str = "\
DJANGO_SETTINGS_MODULE=mysite.settings
DJANGO_SECRET_KEY=django-insecure-8f3k2j5h7g9d1s0a
EMAIL_HOST=smtp.example.com
ALLOWED_HOSTS=example.com,www.example.com
REDIS_URL=redis://:p$w#rd@cache:6379/0
STRIPE_PUBLISHABLE_KEY=pk_live_51Hxyzabcdef0123
ghp_16C7e42F292c6912E7710c838347Ae178B4a
DB_PASSWORD: hunter2-horse
ALLOWED_ORIGINS
";

/// Django's stock manage.py, as `django-admin startproject mysite` writes it.
const MANAGE_PY: &str = r#"#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main():
    """Run administrative tasks."""
    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Couldn't import Django. Are you sure it's installed and "
            "available on your PYTHONPATH environment variable? Did you "
            "forget to activate a virtual environment?"
        ) from exc
    execute_from_command_line(sys.argv)


if __name__ == '__main__':
    main()
"#;

const SETTINGS_PY: &str = "\
EMAIL_HOST = 'smtp.example.com'
ALLOWED_HOSTS = ['example.com', 'www.example.com']
STRIPE_PUBLISHABLE_KEY = 'pk_live_51Hxyzabcdef0123'
";

/// A repository with the Django `.env` encrypted and committed, the hook installed.
fn django_repo() -> Sandbox {
    let sb = Sandbox::new();
    init_repo(&sb);
    sb.write(".gitignore", "/keyring/\n/home/\n/xdg/\n/.env\n");
    sb.write(".env", DJANGO_ENV);
    sb.run(&["generate-key", "-q"]).ok();
    sb.run(&["encrypt", "-q"]).ok();
    sb.run(&["hook", "install"]).ok();
    git(&sb, &["add", ".gitignore", ".env.encrypted"]);
    let out = git_timed(&sb, &["commit", "-q", "-m", "init"], LIMIT);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sb
}

const LIMIT: std::time::Duration = std::time::Duration::from_secs(20);

/// `git commit` through the hook: (exit code, stderr).
fn commit(sb: &Sandbox, files: &[&str]) -> (i32, String) {
    let mut args = vec!["add", "--"];
    args.extend_from_slice(files);
    git(sb, &args);
    let out = git_timed(sb, &["commit", "-q", "-m", "change"], LIMIT);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn committing_django_manage_py_and_settings_with_public_values_is_not_blocked() {
    let sb = django_repo();
    // STRIPE_PUBLISHABLE_KEY ends in _KEY (sensitive) but is public by design: allowed.
    sb.write(
        ".envseal/config.toml",
        "[mask]\nallow = [\"STRIPE_PUBLISHABLE_KEY\"]\n",
    );
    sb.write("manage.py", MANAGE_PY);
    fs::create_dir_all(sb.path("mysite")).unwrap();
    sb.write("mysite/settings.py", SETTINGS_PY);
    let (code, stderr) = commit(
        &sb,
        &["manage.py", "mysite/settings.py", ".envseal/config.toml"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("mysite.settings"), "{stderr}");
}

#[test]
fn the_hook_still_blocks_sensitive_values_url_passwords_and_whole_lines() {
    let sb = django_repo();
    for (content, name) in [
        (
            "SECRET = 'django-insecure-8f3k2j5h7g9d1s0a'\n",
            "DJANGO_SECRET_KEY",
        ),
        ("redis_pw = 'p$w#rd'\n", "REDIS_URL"),
        (
            "TOKEN = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'\n",
            ".env:7",
        ),
        ("pw = 'hunter2-horse'\n", "DB_PASSWORD"),
        (
            "key = 'pk_live_51Hxyzabcdef0123'\n",
            "STRIPE_PUBLISHABLE_KEY",
        ),
    ] {
        sb.write("leak.py", content);
        let (code, stderr) = commit(&sb, &["leak.py"]);
        assert_ne!(code, 0, "{content:?} was committed");
        assert!(
            stderr.contains(&format!("leak.py:1: {name}")),
            "{content:?}: {stderr}"
        );
        for secret in [
            "django-insecure",
            "p$w#rd",
            "ghp_16C7",
            "hunter2",
            "pk_live",
        ] {
            assert!(!stderr.contains(secret), "{stderr}");
        }
        git(&sb, &["reset", "-q", "leak.py"]);
    }
    fs::create_dir_all(sb.path("tests")).unwrap();
    // One deliberate occurrence, marked on its line, goes through; the same value on an
    // unmarked line of the same file does not.
    sb.write(
        "tests/fixture.py",
        "KEY = 'django-insecure-8f3k2j5h7g9d1s0a'  # envseal:allow (test fixture)\n",
    );
    let (code, stderr) = commit(&sb, &["tests/fixture.py"]);
    assert_eq!(code, 0, "{stderr}");
    sb.write(
        "tests/fixture.py",
        "KEY = 'django-insecure-8f3k2j5h7g9d1s0a'  # envseal:allow\nOTHER = 'django-insecure-8f3k2j5h7g9d1s0a'\n",
    );
    let (code, stderr) = commit(&sb, &["tests/fixture.py"]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("tests/fixture.py:2: DJANGO_SECRET_KEY"),
        "{stderr}"
    );
}

#[test]
fn mask_check_respects_not_sensitive_allow_and_all_values() {
    let sb = Sandbox::new();
    sb.write(".env", DJANGO_ENV);
    sb.write("manage.py", MANAGE_PY);
    sb.write("settings.py", SETTINGS_PY);
    fs::create_dir_all(sb.path(".envseal")).unwrap();
    // Only the sensitive name's value is found by default.
    let run = sb.run(&[
        "mask",
        "--check",
        "--secrets",
        ".env",
        "manage.py",
        "settings.py",
    ]);
    run.code(exit_code(Code::CheckFailed));
    assert_eq!(run.stdout_text(), "settings.py:3: STRIPE_PUBLISHABLE_KEY\n");
    assert!(
        run.stderr
            .contains("1 secret value found in 1 file (2 files checked)"),
        "{}",
        run.stderr
    );
    // --all-values widens it to every value.
    let run = sb.run(&[
        "mask",
        "--check",
        "--all-values",
        "--secrets",
        ".env",
        "manage.py",
        "settings.py",
    ]);
    run.code(exit_code(Code::CheckFailed));
    let out = run.stdout_text();
    for want in [
        "manage.py:9: DJANGO_SETTINGS_MODULE",
        "settings.py:1: EMAIL_HOST",
        "settings.py:3: STRIPE_PUBLISHABLE_KEY",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
    // not_sensitive takes a name out of the check, as it does out of the view.
    sb.write(
        ".envseal/config.toml",
        "[mask]\nnot_sensitive = [\"STRIPE_PUBLISHABLE_KEY\"]\n",
    );
    sb.run(&[
        "mask",
        "--check",
        "--secrets",
        ".env",
        "manage.py",
        "settings.py",
    ])
    .ok();
    // allow keeps it masked in the view but out of the check, even with --all-values.
    sb.write(
        ".envseal/config.toml",
        "[mask]\nallow = [\"STRIPE_PUBLISHABLE_KEY\", \"EMAIL_HOST\"]\n",
    );
    sb.run(&["mask", "--check", "--secrets", ".env", "settings.py"])
        .ok();
    sb.run(&[
        "mask",
        "--check",
        "--all-values",
        "--secrets",
        ".env",
        "settings.py",
    ])
    .ok();
    let view = sb.run(&["mask", ".env"]);
    assert!(view
        .ok()
        .stdout_text()
        .contains("STRIPE_PUBLISHABLE_KEY=pk_l...0123"));
}

/// Issue 9.10: lines v1 encrypts whole are masked in the view (with and without --all),
/// and are secrets for the stream filter and the leak check; a bare variable name is not.
#[test]
fn whole_line_secrets_are_masked_in_the_view_filter_and_check() {
    let sb = Sandbox::new();
    sb.write(".env", DJANGO_ENV);
    for args in [&["mask", ".env"][..], &["mask", "--all", ".env"][..]] {
        let view = sb.run(args);
        let out = view.ok().stdout_text();
        assert!(out.contains("\nghp_...8B4a\n"), "{out}");
        assert!(out.contains("\nDB_PASSWORD: hu...e\n"), "{out}");
        assert!(
            out.contains("\nALLOWED_ORIGINS\n"),
            "a bare name stays: {out}"
        );
        view.no_leak(&["ghp_16C7e42F292c6912E7710c838347Ae178B4a", "hunter2-horse"]);
    }
    // The URL password with a `#` is masked, the rest of the URL shown.
    let out = sb.run(&["mask", ".env"]).ok().stdout_text();
    assert!(
        out.contains("REDIS_URL=redis://:****@cache:6379/0"),
        "{out}"
    );
    let run = run_stdin(
        &sb,
        &["mask", "--secrets", ".env"],
        b"token ghp_16C7e42F292c6912E7710c838347Ae178B4a pw hunter2-horse url p$w#rd ALLOWED_ORIGINS\n",
    );
    run.ok();
    assert_eq!(
        run.stdout_text(),
        "token *** pw *** url *** ALLOWED_ORIGINS\n"
    );
    sb.write(
        "notes.md",
        "pasted: ghp_16C7e42F292c6912E7710c838347Ae178B4a\nALLOWED_ORIGINS\n",
    );
    let run = sb.run(&["mask", "--check", "--secrets", ".env", "notes.md"]);
    run.code(exit_code(Code::CheckFailed));
    assert_eq!(run.stdout_text(), "notes.md:1: .env:7\n");
}
