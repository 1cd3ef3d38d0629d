//! A team's repository (issue 10, sections 1-3), with real git: a bare origin and two
//! clones (alice, bob) sharing one keyring, real `git pull`/`merge`/`commit`, the merge
//! driver run by git from PATH, and each line-ending setting git has.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;

use crate::common::{exit_code, Code};
use crate::common::{Run, Sandbox};
use crate::flow::{git_cmd, path_with_bin};

const ENV: &str = "# mail\nEMAIL_HOST=smtp.old.example\nDB_PASSWORD=pw-initial-0001\nDEBUG=false\n";

/// A sandbox holding `origin.git` (bare) and clones, with one key in the shared keyring.
struct Team {
    sb: Sandbox,
}

impl Team {
    fn new() -> Team {
        let sb = Sandbox::new();
        sb.run(&["generate-key", "-q"]).ok();
        let t = Team { sb };
        t.git_at(".", &["init", "-q", "--bare", "-b", "main", "origin.git"]);
        t
    }

    fn dir(&self, clone: &str) -> PathBuf {
        self.sb.path(clone)
    }

    /// git in `clone` (sandbox environment, no global config, the binary first in PATH).
    fn git_out(&self, clone: &str, args: &[&str]) -> std::process::Output {
        let mut c = git_cmd(&self.sb);
        c.current_dir(self.dir(clone)).env_remove("CI").args(args);
        c.output().expect("run git")
    }

    fn git_at(&self, clone: &str, args: &[&str]) -> String {
        let out = self.git_out(clone, args);
        assert!(
            out.status.success(),
            "git {} in {clone}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Clone origin into `name` (extra `git clone` options first) with an identity.
    fn clone(&self, name: &str, opts: &[&str]) {
        let mut args = vec!["clone", "-q"];
        args.extend_from_slice(opts);
        args.extend_from_slice(&["origin.git", name]);
        self.git_at(".", &args);
        // A clone of an empty repository starts on git's default branch name.
        self.git_at(name, &["symbolic-ref", "HEAD", "refs/heads/main"]);
        self.git_at(name, &["config", "user.name", "Envseal Test"]);
        self.git_at(name, &["config", "user.email", "test@example.invalid"]);
        self.git_at(name, &["config", "commit.gpgsign", "false"]);
    }

    fn envseal(&self, clone: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut c = self.sb.command();
        // A developer's clone: `decrypt` in CI keeps no sync record.
        c.current_dir(self.dir(clone)).env_remove("CI").args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().expect("run envseal");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            what: format!("envseal {} (in {clone})", args.join(" ")),
        }
    }

    fn run(&self, clone: &str, args: &[&str]) -> Run {
        self.envseal(clone, args, &[])
    }

    fn write(&self, clone: &str, rel: &str, text: impl AsRef<[u8]>) {
        fs::write(self.dir(clone).join(rel), text).expect("write");
    }

    fn read(&self, clone: &str, rel: &str) -> Vec<u8> {
        fs::read(self.dir(clone).join(rel)).expect("read")
    }

    fn read_text(&self, clone: &str, rel: &str) -> String {
        String::from_utf8(self.read(clone, rel)).expect("utf-8")
    }

    fn decrypted(&self, clone: &str) -> String {
        self.run(clone, &["decrypt", "--stdout"]).ok().stdout_text()
    }

    /// alice: `.env` encrypted and pushed (`.env` ignored); bob: cloned and decrypted.
    /// Both with the hook (and so the merge driver) installed when `hook` is set.
    fn two_clones(hook: bool) -> Team {
        let t = Team::new();
        t.clone("alice", &[]);
        t.write("alice", ".env", ENV);
        t.run("alice", &["encrypt", "-q"]).ok();
        if hook {
            t.run("alice", &["hook", "install"]).ok();
            t.git_at("alice", &["add", ".gitattributes"]);
        }
        t.git_at("alice", &["add", ".gitignore", ".env.encrypted"]);
        t.git_at("alice", &["commit", "-q", "-m", "init"]);
        t.git_at("alice", &["push", "-q", "origin", "main"]);
        t.clone("bob", &[]);
        if hook {
            t.run("bob", &["hook", "install"]).ok();
        }
        t.run("bob", &["decrypt", "-q"]).ok();
        t
    }

    /// Replace one value in `clone`'s `.env`, then encrypt and commit it.
    fn change_and_commit(&self, clone: &str, from: &str, to: &str) {
        self.change_and_commit_as(clone, from, to, &[]);
    }

    /// [`Team::change_and_commit`] with more `encrypt` options.
    fn change_and_commit_as(&self, clone: &str, from: &str, to: &str, opts: &[&str]) {
        let env = self.read_text(clone, ".env");
        assert!(env.contains(from), "{from} not in {clone}'s .env");
        self.write(clone, ".env", env.replace(from, to));
        let mut args = vec!["encrypt", "-q"];
        args.extend_from_slice(opts);
        self.run(clone, &args).ok();
        self.git_at(clone, &["commit", "-q", "-am", &format!("{clone}: {to}")]);
    }
}

fn editor(t: &Team, sed: &str) -> String {
    let path = t.sb.path("editor.sh");
    fs::write(&path, format!("#!/bin/sh\nsed -i '{sed}' \"$1\"\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

fn status_sync(t: &Team, clone: &str) -> String {
    let out = t.run(clone, &["status", "--json"]).ok().stdout_text();
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    v["files"][0]["sync"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

// ---- 1. Which side changed ------------------------------------------------------------

#[test]
fn after_a_pull_status_recommends_decrypt_and_encrypt_refuses_to_revert_the_pulled_change() {
    let t = Team::two_clones(true);
    t.change_and_commit("alice", "smtp.old.example", "smtp.new.example");
    t.git_at("alice", &["push", "-q", "origin", "main"]);
    t.git_at("bob", &["pull", "-q", "--no-rebase"]);

    assert_eq!(status_sync(&t, "bob"), "encrypted_changed");
    let check = t.run("bob", &["status", "--check"]);
    check.code(exit_code(Code::CheckFailed));
    let said = check.stdout_text();
    assert!(
        said.contains("run: envseal decrypt .env.encrypted"),
        "{said}"
    );
    assert!(!said.contains("envseal encrypt"), "{said}");

    // The hook does not block an unrelated commit over it (a note at most).
    t.write("bob", "README", "hello\n");
    t.git_at("bob", &["add", "README"]);
    let commit = t.git_out("bob", &["commit", "-q", "-m", "docs"]);
    assert!(
        commit.status.success(),
        "{}",
        String::from_utf8_lossy(&commit.stderr)
    );

    // Encrypting the old .env over the pulled file is refused and names the key only.
    let before = t.read("bob", ".env.encrypted");
    let refused = t.run("bob", &["encrypt"]);
    refused.code(exit_code(Code::Refused)).no_leak(&[
        "smtp.new.example",
        "smtp.old.example",
        "pw-initial-0001",
    ]);
    assert!(refused.stderr.contains("EMAIL_HOST"), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("envseal decrypt"),
        "{}",
        refused.stderr
    );
    assert_eq!(t.read("bob", ".env.encrypted"), before);

    // Following the advice keeps the change.
    t.run("bob", &["decrypt", "-q"]).ok();
    assert!(t.read_text("bob", ".env").contains("smtp.new.example"));
    assert_eq!(status_sync(&t, "bob"), "in_sync");
    t.run("bob", &["status", "--check"]).ok();
}

#[test]
fn after_edit_status_recommends_decrypt_and_encrypt_needs_force() {
    let t = Team::two_clones(false);
    let ed = editor(&t, "s/DEBUG=false/DEBUG=true/");
    t.envseal("bob", &["edit", "-q"], &[("EDITOR", &ed), ("VISUAL", "")])
        .ok();
    assert_eq!(status_sync(&t, "bob"), "encrypted_changed");
    let refused = t.run("bob", &["encrypt"]);
    refused.code(exit_code(Code::Refused));
    assert!(refused.stderr.contains("DEBUG"), "{}", refused.stderr);
    assert!(t.decrypted("bob").contains("DEBUG=true"));
    // --force is the way to mean it.
    t.run("bob", &["encrypt", "-q", "--force"]).ok();
    assert!(t.decrypted("bob").contains("DEBUG=false"));
    assert_eq!(status_sync(&t, "bob"), "in_sync");
}

#[test]
fn a_local_edit_status_recommends_encrypt_and_decrypt_names_what_it_would_revert() {
    let t = Team::two_clones(false);
    let env = t.read_text("bob", ".env");
    t.write(
        "bob",
        ".env",
        env.replace("pw-initial-0001", "pw-local-0002"),
    );
    assert_eq!(status_sync(&t, "bob"), "stale");
    let check = t.run("bob", &["status", "--check"]);
    check.code(exit_code(Code::CheckFailed));
    assert!(check.stdout_text().contains("run: envseal encrypt .env"));
    let refused = t.run("bob", &["decrypt"]);
    refused
        .code(exit_code(Code::Refused))
        .no_leak(&["pw-local-0002", "pw-initial-0001"]);
    assert!(refused.stderr.contains("DB_PASSWORD"), "{}", refused.stderr);
    assert!(t.read_text("bob", ".env").contains("pw-local-0002"));

    // The sync record holds no value and no unkeyed hash of one (the line or the value).
    let mut ledger = Vec::new();
    // The ledger lives in the repository's common git directory.
    for e in fs::read_dir(t.dir("bob").join(".git/envseal")).unwrap() {
        let p = e.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("ledger.db")
        {
            ledger.extend(fs::read(&p).unwrap());
        }
    }
    assert!(!ledger.is_empty());
    use sha2::Digest;
    for needle in ["pw-initial-0001", "DB_PASSWORD=pw-initial-0001"] {
        assert!(!crate::common::contains(&ledger, needle.as_bytes()));
        let digest = sha2::Sha256::digest(needle.as_bytes());
        assert!(!crate::common::contains(&ledger, &digest[..8]));
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!crate::common::contains(&ledger, &hex.as_bytes()[..16]));
    }
}

#[test]
fn both_sides_changed_sync_merges_key_wise_and_names_only_true_conflicts() {
    let t = Team::two_clones(false);
    // Encrypted side: EMAIL_HOST changes (a pull); plaintext side: DEBUG changes.
    t.change_and_commit("alice", "smtp.old.example", "smtp.new.example");
    t.git_at("alice", &["push", "-q", "origin", "main"]);
    let env = t.read_text("bob", ".env");
    t.write(
        "bob",
        ".env",
        env.replace("DEBUG=false", "DEBUG=true\nNEW_FLAG=1"),
    );
    t.git_at("bob", &["pull", "-q", "--no-rebase"]);
    assert_eq!(status_sync(&t, "bob"), "both_changed");
    let check = t.run("bob", &["status", "--check"]);
    assert!(check.stdout_text().contains("envseal sync .env"));
    t.run("bob", &["encrypt"]).code(exit_code(Code::Refused));

    t.run("bob", &["sync"]).ok();
    let want = "# mail\nEMAIL_HOST=smtp.new.example\nDB_PASSWORD=pw-initial-0001\nDEBUG=true\nNEW_FLAG=1\n";
    assert_eq!(t.read_text("bob", ".env"), want);
    assert_eq!(t.decrypted("bob"), want);
    assert_eq!(status_sync(&t, "bob"), "in_sync");

    // The same key changed differently on both sides: named, each side keeps its own.
    let ed = editor(&t, "s/pw-initial-0001/pw-from-edit-1/");
    t.envseal("bob", &["edit", "-q"], &[("EDITOR", &ed), ("VISUAL", "")])
        .ok();
    let env = t.read_text("bob", ".env");
    t.write(
        "bob",
        ".env",
        env.replace("pw-initial-0001", "pw-from-env-2")
            .replace("NEW_FLAG=1", "NEW_FLAG=2"),
    );
    let conflict = t.run("bob", &["sync"]);
    conflict.code(exit_code(Code::CheckFailed)).no_leak(&[
        "pw-from-edit-1",
        "pw-from-env-2",
        "pw-initial-0001",
    ]);
    assert!(
        conflict.stderr.contains("DB_PASSWORD"),
        "{}",
        conflict.stderr
    );
    assert!(!conflict.stderr.contains("NEW_FLAG"), "{}", conflict.stderr);
    assert!(t.read_text("bob", ".env").contains("pw-from-env-2"));
    let enc = t.decrypted("bob");
    assert!(
        enc.contains("pw-from-edit-1") && enc.contains("NEW_FLAG=2"),
        "{enc}"
    );
}

#[test]
fn after_a_pulled_rotation_and_change_status_still_recommends_decrypt() {
    let t = Team::two_clones(false);
    t.run(
        "alice",
        &["rotate", "--force", "--no-backup", "--reason", "test"],
    )
    .ok();
    t.change_and_commit("alice", "smtp.old.example", "smtp.new.example");
    t.git_at("alice", &["push", "-q", "origin", "main"]);
    // bob's record was made under the old key, still in his keyring.
    t.git_at("bob", &["pull", "-q", "--no-rebase"]);
    assert_eq!(status_sync(&t, "bob"), "encrypted_changed");
    let refused = t.run("bob", &["encrypt"]);
    refused.code(exit_code(Code::Refused));
    assert!(refused.stderr.contains("EMAIL_HOST"), "{}", refused.stderr);
    t.run("bob", &["decrypt", "-q"]).ok();
    assert!(t.read_text("bob", ".env").contains("smtp.new.example"));
}

#[test]
fn without_a_sync_record_status_and_encrypt_behave_as_before() {
    let t = Team::two_clones(false);
    // carol: a fresh clone whose .env was written by hand (never decrypted here).
    t.clone("carol", &[]);
    t.write("carol", ".env", ENV.replace("DEBUG=false", "DEBUG=1"));
    assert_eq!(status_sync(&t, "carol"), "stale");
    let check = t.run("carol", &["status", "--check"]);
    assert!(check.stdout_text().contains("run: envseal encrypt .env"));
    t.run("carol", &["encrypt", "-q"]).ok();
    assert!(t.decrypted("carol").contains("DEBUG=1"));
    // `sync` cannot tell which side moved, says so, and changes nothing.
    t.write("carol", ".env", ENV);
    let before = t.read("carol", ".env.encrypted");
    // No ledger, so no sync record (it lives in the common git directory).
    let _ = fs::remove_dir_all(t.dir("carol").join(".git/envseal"));
    let refused = t.run("carol", &["sync"]);
    refused.code(exit_code(Code::Refused));
    assert!(refused.stderr.contains("no record"), "{}", refused.stderr);
    assert_eq!(t.read("carol", ".env.encrypted"), before);
}

// ---- 2. Merges that merge --------------------------------------------------------------

/// The lines of `a` that `b` lacks (a line-set difference is enough for these files).
fn lines_only_in(a: &str, b: &str) -> Vec<String> {
    a.lines()
        .filter(|l| !b.lines().any(|m| m == *l))
        .map(str::to_owned)
        .collect()
}

fn key_of(line: &str) -> &str {
    line.split('=').next().unwrap_or_default()
}

#[test]
fn a_merge_of_different_keys_from_two_clones_merges_and_keeps_unchanged_ciphertexts() {
    let t = Team::two_clones(true);
    t.change_and_commit("alice", "smtp.old.example", "smtp.alice.example");
    t.git_at("alice", &["push", "-q", "origin", "main"]);
    t.change_and_commit("bob", "DEBUG=false", "DEBUG=true");
    let ours = t.git_at("bob", &["show", "HEAD:.env.encrypted"]);
    let pull = t.git_out("bob", &["pull", "--no-rebase", "-q"]);
    assert!(
        pull.status.success(),
        "the merge should succeed: {}",
        String::from_utf8_lossy(&pull.stderr)
    );
    assert_eq!(
        t.decrypted("bob"),
        ENV.replace("smtp.old.example", "smtp.alice.example")
            .replace("DEBUG=false", "DEBUG=true")
    );
    let merged = t.read_text("bob", ".env.encrypted");
    let theirs = t.git_at("bob", &["show", "HEAD^2:.env.encrypted"]);
    // Against each side, only the other side's key (and the MAC line) changed.
    let vs_ours: Vec<String> = lines_only_in(&merged, &ours);
    let vs_theirs: Vec<String> = lines_only_in(&merged, &theirs);
    let keys = |v: &[String]| -> Vec<String> {
        v.iter()
            .filter(|l| !l.starts_with("#envseal:mac"))
            .map(|l| key_of(l).to_owned())
            .collect()
    };
    assert_eq!(keys(&vs_ours), ["EMAIL_HOST"], "{vs_ours:?}");
    assert_eq!(keys(&vs_theirs), ["DEBUG"], "{vs_theirs:?}");
    assert_eq!(merged.lines().count(), ours.lines().count());
}

#[test]
fn a_merge_of_added_and_removed_keys_and_comments_from_two_branches() {
    let t = Team::two_clones(true);
    let env = t.read_text("alice", ".env");
    t.write(
        "alice",
        ".env",
        env.replace("# mail\n", "# outgoing mail\n")
            .replace("DEBUG=false\n", "DEBUG=false\nALICE_KEY=a-1\n"),
    );
    t.run("alice", &["encrypt", "-q"]).ok();
    t.git_at("alice", &["commit", "-q", "-am", "alice"]);
    t.git_at("alice", &["push", "-q", "origin", "main"]);
    let env = t.read_text("bob", ".env");
    t.write(
        "bob",
        ".env",
        format!(
            "BOB_FIRST=b-0\n{}",
            env.replace("DB_PASSWORD=pw-initial-0001\n", "")
        ),
    );
    t.run("bob", &["encrypt", "-q"]).ok();
    t.git_at("bob", &["commit", "-q", "-am", "bob"]);
    t.git_at("bob", &["pull", "-q", "--no-rebase"]);
    assert_eq!(
        t.decrypted("bob"),
        "BOB_FIRST=b-0\n# outgoing mail\nEMAIL_HOST=smtp.old.example\nDEBUG=false\nALICE_KEY=a-1\n"
    );
}

#[test]
fn a_merge_conflict_names_the_key_leaves_a_valid_file_and_git_reports_it() {
    let t = Team::two_clones(true);
    t.change_and_commit("alice", "pw-initial-0001", "pw-alice-1111");
    t.change_and_commit("alice", "DEBUG=false", "DEBUG=yes");
    t.git_at("alice", &["push", "-q", "origin", "main"]);
    t.change_and_commit("bob", "pw-initial-0001", "pw-bob-2222");
    let pull = t.git_out("bob", &["pull", "--no-rebase"]);
    let stderr =
        String::from_utf8_lossy(&pull.stderr).into_owned() + &String::from_utf8_lossy(&pull.stdout);
    assert!(
        !pull.status.success(),
        "the merge should conflict: {stderr}"
    );
    assert!(stderr.contains("DB_PASSWORD"), "{stderr}");
    assert!(stderr.contains("envseal edit"), "{stderr}");
    for secret in ["pw-alice-1111", "pw-bob-2222", "pw-initial-0001"] {
        assert!(!stderr.contains(secret), "a value leaked: {stderr}");
    }
    assert!(
        !t.git_at("bob", &["ls-files", "-u"]).is_empty(),
        "no conflict recorded"
    );
    // The file in place decrypts: our value of the conflict, their other change.
    let merged = t.decrypted("bob");
    assert!(
        merged.contains("pw-bob-2222") && merged.contains("DEBUG=yes"),
        "{merged}"
    );
}

#[test]
fn a_merge_without_the_key_leaves_our_version_and_says_so() {
    let t = Team::two_clones(true);
    t.change_and_commit("alice", "smtp.old.example", "smtp.alice.example");
    t.git_at("alice", &["push", "-q", "origin", "main"]);
    t.change_and_commit("bob", "DEBUG=false", "DEBUG=true");
    let ours = t.read("bob", ".env.encrypted");
    let empty = t.sb.path("empty-keyring");
    fs::create_dir_all(&empty).unwrap();
    let mut c = git_cmd(&t.sb);
    c.current_dir(t.dir("bob"))
        .env("ENVSEAL_KEYRING", &empty)
        .args(["pull", "--no-rebase"]);
    let pull = c.output().expect("git pull");
    let said =
        String::from_utf8_lossy(&pull.stderr).into_owned() + &String::from_utf8_lossy(&pull.stdout);
    assert!(!pull.status.success(), "{said}");
    assert!(said.contains("left as our version"), "{said}");
    assert_eq!(t.read("bob", ".env.encrypted"), ours);
}

#[test]
fn a_merge_with_a_rotation_on_one_branch_is_written_under_the_new_key() {
    let t = Team::two_clones(true);
    let old_kid = t.read_text("alice", ".env.encrypted");
    t.run(
        "alice",
        &["rotate", "--force", "--no-backup", "--reason", "test"],
    )
    .ok();
    assert_ne!(t.read_text("alice", ".env.encrypted"), old_kid);
    t.git_at("alice", &["commit", "-q", "-am", "rotate"]);
    t.git_at("alice", &["push", "-q", "origin", "main"]);
    t.change_and_commit("bob", "DEBUG=false", "DEBUG=true");
    let pull = t.git_out("bob", &["pull", "-q", "--no-rebase"]);
    assert!(
        pull.status.success(),
        "{}",
        String::from_utf8_lossy(&pull.stderr)
    );
    let merged = t.read_text("bob", ".env.encrypted");
    let theirs = t.git_at("bob", &["show", "HEAD^2:.env.encrypted"]);
    let slot = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("#envseal:key"))
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(slot(&merged), slot(&theirs), "not under the rotated key");
    assert_eq!(t.decrypted("bob"), ENV.replace("DEBUG=false", "DEBUG=true"));
}

#[test]
fn a_merge_of_fernet_files_merges_their_plaintexts_key_by_key() {
    let t = Team::new();
    t.clone("alice", &[]);
    t.write("alice", ".env", ENV);
    t.run("alice", &["encrypt", "-q", "--format", "fernet"])
        .ok();
    t.run("alice", &["hook", "install"]).ok();
    t.git_at(
        "alice",
        &["add", ".gitattributes", ".gitignore", ".env.encrypted"],
    );
    t.git_at("alice", &["commit", "-q", "-m", "init"]);
    t.git_at("alice", &["push", "-q", "origin", "main"]);
    t.clone("bob", &[]);
    t.run("bob", &["hook", "install"]).ok();
    t.run("bob", &["decrypt", "-q"]).ok();
    let fernet = ["--format", "fernet"];
    t.change_and_commit_as("alice", "smtp.old.example", "smtp.alice.example", &fernet);
    t.git_at("alice", &["push", "-q", "origin", "main"]);
    t.change_and_commit_as("bob", "DEBUG=false", "DEBUG=true", &fernet);
    let pull = t.git_out("bob", &["pull", "-q", "--no-rebase"]);
    assert!(
        pull.status.success(),
        "{}",
        String::from_utf8_lossy(&pull.stderr)
    );
    assert_eq!(
        t.decrypted("bob"),
        ENV.replace("smtp.old.example", "smtp.alice.example")
            .replace("DEBUG=false", "DEBUG=true")
    );
    assert!(!t
        .read_text("bob", ".env.encrypted")
        .starts_with("#envseal:v1"));
}

#[test]
fn hook_install_sets_up_the_merge_driver_once_and_uninstall_removes_it() {
    let t = Team::new();
    t.clone("alice", &[]);
    fs::write(t.dir("alice").join(".gitattributes"), "*.png binary").unwrap();
    t.run("alice", &["hook", "install"]).ok();
    t.run("alice", &["hook", "install"]).ok();
    let attrs = t.read_text("alice", ".gitattributes");
    assert_eq!(attrs, "*.png binary\n*.encrypted merge=envseal -text\n");
    let driver = t.git_at("alice", &["config", "merge.envseal.driver"]);
    assert_eq!(driver.trim(), "envseal merge %O %A %B %P");
    t.run("alice", &["hook", "uninstall"]).ok();
    assert_eq!(t.read_text("alice", ".gitattributes"), "*.png binary\n");
    assert!(!t
        .git_out("alice", &["config", "merge.envseal.driver"])
        .status
        .success());
}

// ---- 3. Line endings -------------------------------------------------------------------

/// How a repository converts line endings: config set on the committing clone and on
/// the clone that checks out, and a committed `.gitattributes`.
struct Setting {
    name: &'static str,
    config: &'static [&'static str],
    attributes: Option<&'static str>,
}

const SETTINGS: &[Setting] = &[
    Setting {
        name: "core.autocrlf=true",
        config: &["core.autocrlf=true"],
        attributes: None,
    },
    Setting {
        name: "core.autocrlf=input",
        config: &["core.autocrlf=input"],
        attributes: None,
    },
    Setting {
        name: "* text=auto",
        config: &[],
        attributes: Some("* text=auto\n"),
    },
    Setting {
        name: "* text=auto eol=crlf",
        config: &[],
        attributes: Some("* text=auto eol=crlf\n"),
    },
];

/// The plaintexts each setting is tried with: one file each, committed together.
const PLAINTEXTS: &[(&str, &str)] = &[
    (".env", "A=1\n# note\nB=\"two\nlines\"\n\nC=3\n"),
    (
        ".env.crlf",
        "A=1\r\n# note\r\nB=\"two\r\nlines\"\r\n\r\nC=3\r\n",
    ),
    (".env.crlf-no-final-newline", "A=1\r\n# note\r\nC=3"),
];

#[test]
fn an_encrypted_file_survives_every_git_line_ending_conversion_byte_for_byte() {
    let t = Team::new();
    for (n, s) in SETTINGS.iter().enumerate() {
        let (w, same, windows) = (format!("w{n}"), format!("r{n}"), format!("x{n}"));
        let mut opts: Vec<&str> = Vec::new();
        for c in s.config {
            opts.extend_from_slice(&["-c", c]);
        }
        let bare = format!("o{n}.git");
        t.git_at(".", &["init", "-q", "--bare", "-b", "main", &bare]);
        let mut args = vec!["clone", "-q"];
        args.extend_from_slice(&opts);
        args.extend_from_slice(&[&bare, &w]);
        t.git_at(".", &args);
        t.git_at(&w, &["symbolic-ref", "HEAD", "refs/heads/main"]);
        for (k, v) in [
            ("user.name", "Envseal Test"),
            ("user.email", "test@example.invalid"),
            ("commit.gpgsign", "false"),
        ] {
            t.git_at(&w, &["config", k, v]);
        }
        if let Some(a) = s.attributes {
            t.write(&w, ".gitattributes", a);
            t.git_at(&w, &["add", ".gitattributes"]);
        }
        for (file, plain) in PLAINTEXTS {
            t.write(&w, file, plain);
            t.run(&w, &["encrypt", "-q", file]).ok();
            t.git_at(&w, &["add", &format!("{file}.encrypted")]);
        }
        t.git_at(&w, &["commit", "-q", "-m", "x"]);
        t.git_at(&w, &["push", "-q", "origin", "main"]);
        // A clone with the same setting, and one with Git for Windows' default.
        for (reader, extra) in [
            (&same, &opts[..]),
            (&windows, &["-c", "core.autocrlf=true"][..]),
        ] {
            let mut args = vec!["clone", "-q"];
            args.extend_from_slice(extra);
            args.extend_from_slice(&[&bare, reader]);
            t.git_at(".", &args);
            for (file, plain) in PLAINTEXTS {
                let enc = format!("{file}.encrypted");
                let got = t.run(reader, &["decrypt", "--stdout", &enc]);
                assert_eq!(
                    got.code,
                    exit_code(Code::Ok),
                    "{} / {file} / {reader}: {}",
                    s.name,
                    got.stderr
                );
                assert_eq!(
                    got.stdout,
                    plain.as_bytes(),
                    "{} / {file} / {reader}: not byte for byte",
                    s.name
                );
                t.write(reader, file, plain);
            }
            // status agrees: every pair in sync with the original plaintext.
            let out = t.run(reader, &["status", "--json"]).ok().stdout_text();
            let v: serde_json::Value = serde_json::from_str(&out).expect("json");
            let files = v["files"].as_array().expect("files");
            assert_eq!(files.len(), PLAINTEXTS.len(), "{out}");
            for f in files {
                assert_eq!(f["sync"], "in_sync", "{} / {reader}: {out}", s.name);
            }
        }
    }
}

#[test]
fn a_converted_file_that_was_also_tampered_with_still_fails() {
    let t = Team::new();
    t.clone("w", &["-c", "core.autocrlf=true"]);
    t.write("w", ".env", "A=1\nB=2\n");
    t.run("w", &["encrypt", "-q"]).ok();
    let text = t.read_text("w", ".env.encrypted");
    let converted = text.replace('\n', "\r\n").replace("B=ENC", "C=ENC");
    t.write("w", ".env.encrypted", converted);
    t.run("w", &["decrypt", "--stdout"])
        .code(exit_code(Code::Integrity));
}

/// The independent Python decoder (scripts/v1_reference.py) reads a converted file too.
#[test]
fn the_reference_decoder_reads_a_git_converted_file_byte_for_byte() {
    let have = Command::new("python3")
        .args(["-c", "import cryptography"])
        .status()
        .is_ok_and(|s| s.success());
    if !have {
        assert!(!crate::common::ci(), "python3 with cryptography is missing");
        eprintln!("SKIPPED: python3 with cryptography is not installed");
        return;
    }
    let t = Team::new();
    t.clone("w", &[]);
    let plain = "A=1\r\n# note\r\nB=\"two\r\nlines\"\r\n";
    t.write("w", ".env", plain);
    t.run("w", &["encrypt", "-q"]).ok();
    let text = t.read_text("w", ".env.encrypted");
    // What `text=auto` does on commit (LF in the blob) and autocrlf=true on checkout.
    let converted = text.replace("\r\n", "\n").replace('\n', "\r\n");
    t.write("w", "conv.encrypted", &converted);
    let key = fs::read_dir(t.sb.keyring())
        .unwrap()
        .next()
        .expect("a key in the keyring")
        .unwrap()
        .path();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/v1_reference.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(&key)
        .arg(t.dir("w").join("conv.encrypted"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, plain.as_bytes());
    assert_eq!(
        t.run("w", &["decrypt", "--stdout", "conv.encrypted"])
            .ok()
            .stdout,
        plain.as_bytes()
    );
}

/// The driver is found on PATH as `envseal`, as git runs it.
#[test]
fn the_binary_under_test_is_first_on_path_for_git() {
    let out = Command::new("sh")
        .args(["-c", "command -v envseal"])
        .env("PATH", path_with_bin())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("envseal"));
}

/// A key slot added on one side of a merge (adding keeps the data key) is in the merged
/// file: the merge driver keeps every slot of both sides, not only ours.
#[test]
fn a_slot_added_on_one_side_survives_the_merge() {
    let t = Team::two_clones(true);
    let ring = fs::read_dir(t.sb.keyring())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let key = envseal::key::Key::from_text(&fs::read_to_string(ring.path()).unwrap()).unwrap();
    // alice adds a slot of a kind this build does not know, through the library.
    let sealed = t.read_text("alice", ".env.encrypted");
    let mut random = |b: &mut [u8]| envseal::format::os_random(b);
    let added = envseal::format::v1::add_slot(
        &sealed,
        &[&key],
        &crate::key_slots::Foreign,
        chrono::Utc::now(),
        &mut random,
    )
    .unwrap();
    let slot = added
        .lines()
        .find(|l| l.contains("type=future-kms"))
        .unwrap()
        .to_owned();
    t.write("alice", ".env.encrypted", &added);
    t.git_at("alice", &["commit", "-q", "-am", "alice: a slot for ops"]);
    t.git_at("alice", &["push", "-q", "origin", "main"]);
    t.change_and_commit("bob", "DEBUG=false", "DEBUG=true");
    let pull = t.git_out("bob", &["pull", "--no-rebase", "-q"]);
    assert!(
        pull.status.success(),
        "the merge should succeed: {}",
        String::from_utf8_lossy(&pull.stderr)
    );
    let merged = t.read_text("bob", ".env.encrypted");
    assert!(merged.lines().any(|l| l == slot), "{merged}");
    assert_eq!(t.decrypted("bob"), ENV.replace("DEBUG=false", "DEBUG=true"));
}
