//! The leak check: `envseal mask --check` over files and directories (honouring
//! .gitignore) and over the content staged in git. A hit prints `path:line: KEY`, never
//! the value, and exits 1; a clean tree exits 0.

use std::fs;

use crate::common::Sandbox;
use crate::common::{exit_code, Code};
use crate::flow::{git, init_repo};

const ENV: &str =
    "API_TOKEN=tok-0123456789abcdef\nDB_PASSWORD='correct horse battery'\nDEBUG=true\n";
const SECRETS: &[&str] = &["tok-0123456789abcdef", "correct horse battery"];

fn tree(sb: &Sandbox) {
    sb.write(".env", ENV);
    fs::create_dir_all(sb.path("src/deep")).unwrap();
    fs::create_dir_all(sb.path("docs")).unwrap();
    fs::create_dir_all(sb.path("build")).unwrap();
    sb.write(
        "src/app.py",
        "import os\n\nTOKEN = \"tok-0123456789abcdef\"\n",
    );
    sb.write(
        "src/deep/conf.yml",
        "db:\n  user: app\n  # pasted by mistake\n  password: correct horse battery\n",
    );
    sb.write(
        "docs/README.md",
        "Set API_TOKEN in .env; debug is true here.\n",
    );
    sb.write("build/out.log", "leaked tok-0123456789abcdef\n");
    sb.write(".gitignore", "/build/\n/.env\n");
}

fn lines(stdout: &str) -> Vec<&str> {
    let mut v: Vec<&str> = stdout.lines().collect();
    v.sort();
    v
}

#[test]
fn hits_in_files_and_directories_name_the_place_and_key_never_the_value() {
    let sb = Sandbox::new();
    tree(&sb);
    let run = sb.run(&["mask", "--check", "--secrets", ".env"]);
    run.code(exit_code(Code::CheckFailed)).no_leak(SECRETS);
    assert_eq!(
        lines(&run.stdout_text()),
        [
            "./src/app.py:3: API_TOKEN",
            "./src/deep/conf.yml:4: DB_PASSWORD"
        ],
        "the ignored build/ and the secrets file itself are not reported"
    );
    assert!(
        run.stderr
            .contains("2 secret values found in 2 files (4 files checked)"),
        "{}",
        run.stderr
    );
    // A directory, a file, both: only what is under them.
    let run = sb.run(&["mask", "--check", "--secrets", ".env", "src/deep"]);
    run.code(exit_code(Code::CheckFailed)).no_leak(SECRETS);
    assert_eq!(run.stdout_text(), "src/deep/conf.yml:4: DB_PASSWORD\n");
    let run = sb.run(&["mask", "--check", "--secrets", ".env", "src/app.py", "docs"]);
    run.code(exit_code(Code::CheckFailed));
    assert_eq!(run.stdout_text(), "src/app.py:3: API_TOKEN\n");
    // Clean paths: exit 0, nothing on stdout.
    let run = sb.run(&["mask", "--check", "--secrets", ".env", "docs"]);
    run.ok();
    assert!(run.stdout.is_empty());
    // .gitignore skips files in the directories walked; a file named explicitly is
    // searched as asked.
    let run = sb.run(&["mask", "--check", "--secrets", ".env", "build/out.log"]);
    run.code(exit_code(Code::CheckFailed)).no_leak(SECRETS);
    assert_eq!(run.stdout_text(), "build/out.log:1: API_TOKEN\n");
}

#[test]
fn a_clean_tree_passes_and_the_default_secrets_come_from_the_project() {
    let sb = Sandbox::new();
    tree(&sb);
    fs::remove_file(sb.path("src/app.py")).unwrap();
    fs::remove_file(sb.path("src/deep/conf.yml")).unwrap();
    // No --secrets and no encrypted file: nothing to compare against is an error, not a pass.
    sb.run(&["mask", "--check"])
        .code(exit_code(Code::KeyMissing));
    sb.run(&["generate-key", "-q"]).ok();
    sb.run(&["encrypt", "-q"]).ok();
    let run = sb.run(&["mask", "--check"]);
    run.ok();
    assert!(run.stdout.is_empty(), "{}", run.stdout_text());
    assert!(
        run.stderr.contains("no secret values found"),
        "{}",
        run.stderr
    );
    assert!(sb.run(&["-q", "mask", "--check"]).ok().stderr.is_empty());
    // The encrypted file's secrets are used when the plaintext is gone (key in keyring).
    fs::remove_file(sb.path(".env")).unwrap();
    sb.write("notes.txt", "one\ntwo correct horse battery\n");
    let run = sb.run(&["mask", "--check"]);
    run.code(exit_code(Code::CheckFailed)).no_leak(SECRETS);
    assert_eq!(run.stdout_text(), "./notes.txt:2: DB_PASSWORD\n");
}

#[test]
fn staged_content_is_checked_not_the_work_tree() {
    let sb = Sandbox::new();
    init_repo(&sb);
    sb.write(".env", ENV);
    sb.write(".gitignore", "/.env\n/keyring/\n/home/\n");
    sb.write("app.py", "print('hello')\n");
    git(&sb, &["add", ".gitignore", "app.py"]);
    git(&sb, &["commit", "-q", "--no-verify", "-m", "init"]);
    let check = |sb: &Sandbox| sb.run(&["mask", "--check", "--staged", "--secrets", ".env"]);
    check(&sb).ok();

    // Staged hit: found, with the staged line number.
    sb.write(
        "config.py",
        "A = 1\nB = 2\nTOKEN = 'tok-0123456789abcdef'\n",
    );
    git(&sb, &["add", "config.py"]);
    let run = check(&sb);
    run.code(exit_code(Code::CheckFailed)).no_leak(SECRETS);
    assert_eq!(run.stdout_text(), "config.py:3: API_TOKEN\n");
    // Fixed in the work tree but not re-staged: the commit would still hold it.
    sb.write(
        "config.py",
        "A = 1\nB = 2\nTOKEN = os.environ['API_TOKEN']\n",
    );
    check(&sb).code(exit_code(Code::CheckFailed));
    git(&sb, &["add", "config.py"]);
    check(&sb).ok();

    // An unstaged-only change holding a secret is not what gets committed: not found.
    sb.write("app.py", "print('correct horse battery')\n");
    let run = check(&sb);
    run.ok();
    assert!(run.stdout.is_empty(), "{}", run.stdout_text());
    // The same file staged: found.
    git(&sb, &["add", "app.py"]);
    let run = check(&sb);
    run.code(exit_code(Code::CheckFailed)).no_leak(SECRETS);
    assert_eq!(run.stdout_text(), "app.py:1: DB_PASSWORD\n");
}
