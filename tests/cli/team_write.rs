//! Issue 12: a file with no master slot (age, SSH or AWS KMS slots only) is changed by
//! every writing command with **no master key anywhere** (no `SECRETS_MASTER_KEY*`, an
//! empty keyring): `set`/`unset`, `sync` (both directions, a real base), the git merge
//! driver (two clones, real `git pull`), re-running `encrypt` over the output, and the
//! pre-commit hook's comparison with the plaintext. Each keeps every slot line byte for
//! byte. Real binary, real `age-keygen`/`ssh-keygen`, real git, real moto for KMS.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{exit_code, Code, Run, Sandbox};
use crate::flow::{git, git_cmd, init_repo, run_stdin};
use crate::recipients::{age_identity, open_as};

const ENV: &str =
    "# team\nAPI_TOKEN=tok-0123456789abcdef\nDB_PASSWORD=hunter2-long-password\nDEBUG=false\n";

/// The slot lines of an encrypted file (every `#envseal:key` line), as written.
fn slot_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("#envseal:key "))
        .map(str::to_owned)
        .collect()
}

/// The body line of `key` in an encrypted file (its ciphertext).
fn line_of(text: &str, key: &str) -> String {
    text.lines()
        .find(|l| l.starts_with(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{key} not in {text}"))
        .to_owned()
}

fn read_text(sb: &Sandbox, rel: &str) -> String {
    String::from_utf8(sb.read(rel)).unwrap()
}

/// No master key anywhere: the sandbox removes `SECRETS_MASTER_KEY*`; the keyring must
/// be empty.
fn no_master_key(sb: &Sandbox) {
    assert!(
        !sb.keyring().exists() || fs::read_dir(sb.keyring()).unwrap().count() == 0,
        "the keyring must stay empty"
    );
}

/// An age-only project: a git repository, `.env` encrypted for alice and bob.
fn age_project() -> (Sandbox, PathBuf, PathBuf) {
    let sb = Sandbox::new();
    init_repo(&sb);
    let (alice_id, alice) = age_identity(&sb, "alice");
    let (bob_id, bob) = age_identity(&sb, "bob");
    sb.write(".env", ENV);
    sb.run(&["encrypt", "-q", "--age", &alice, "--age", &bob])
        .ok();
    no_master_key(&sb);
    (sb, alice_id, bob_id)
}

fn as_id(id: &Path) -> [(&'static str, &str); 1] {
    [("ENVSEAL_AGE_KEY_FILE", id.to_str().unwrap())]
}

fn set(sb: &Sandbox, key: &str, value: &str, env: &[(&str, &str)]) -> Run {
    let mut c = sb.command();
    c.args(["set", key]).stdin(std::process::Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(value.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        what: format!("envseal set {key}"),
    }
}

#[test]
fn set_and_unset_on_an_age_only_file_need_no_master_key_and_keep_every_slot_line() {
    let (sb, alice_id, bob_id) = age_project();
    let before = read_text(&sb, ".env.encrypted");
    set(&sb, "DB_PASSWORD", "new-password-42", &as_id(&alice_id))
        .ok()
        .no_leak(&["new-password-42", "hunter2"]);
    let after = read_text(&sb, ".env.encrypted");
    assert_eq!(slot_lines(&after), slot_lines(&before));
    // Only the key's line (and the MAC line) changed.
    assert_eq!(line_of(&after, "API_TOKEN"), line_of(&before, "API_TOKEN"));
    assert_ne!(
        line_of(&after, "DB_PASSWORD"),
        line_of(&before, "DB_PASSWORD")
    );
    // Bob reads what Alice wrote.
    assert_eq!(
        open_as(&after, &bob_id).unwrap(),
        ENV.replace("hunter2-long-password", "new-password-42")
    );
    sb.run_env(&["unset", "DEBUG"], &as_id(&bob_id)).ok();
    let unset = read_text(&sb, ".env.encrypted");
    assert_eq!(slot_lines(&unset), slot_lines(&before));
    assert!(!open_as(&unset, &alice_id).unwrap().contains("DEBUG"));
    no_master_key(&sb);
}

#[test]
fn set_on_an_ssh_only_file_with_identity_keeps_the_slot_line() {
    let sb = Sandbox::new();
    init_repo(&sb);
    let key = sb.path("id_ed25519");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "dev@laptop", "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success());
    sb.write(".env", ENV);
    sb.run(&["encrypt", "-q", "--ssh", "id_ed25519.pub"]).ok();
    let before = read_text(&sb, ".env.encrypted");
    let r = run_stdin(
        &sb,
        &["set", "API_TOKEN", "--identity", "id_ed25519"],
        b"tok-rotated-9999\n",
    );
    r.ok();
    let after = read_text(&sb, ".env.encrypted");
    assert_eq!(slot_lines(&after), slot_lines(&before));
    assert_eq!(
        open_as(&after, &key).unwrap(),
        ENV.replace("tok-0123456789abcdef", "tok-rotated-9999")
    );
    // Re-encrypting a changed plaintext over it: the slot and unchanged values kept.
    sb.write(".env", ENV.replace("DEBUG=false", "DEBUG=true"));
    sb.run(&["encrypt", "--force", "--identity", "id_ed25519"])
        .ok();
    let again = read_text(&sb, ".env.encrypted");
    assert_eq!(slot_lines(&again), slot_lines(&before));
    assert_eq!(
        line_of(&again, "DB_PASSWORD"),
        line_of(&before, "DB_PASSWORD")
    );
    assert_eq!(
        open_as(&again, &key).unwrap(),
        ENV.replace("DEBUG=false", "DEBUG=true")
    );
    no_master_key(&sb);
}

#[test]
fn reencrypting_an_age_only_output_keeps_its_slots_and_unchanged_ciphertexts() {
    let (sb, alice_id, bob_id) = age_project();
    let before = read_text(&sb, ".env.encrypted");
    // Unchanged: up to date, byte for byte.
    let r = sb.run_env(&["encrypt"], &as_id(&alice_id));
    r.ok();
    assert!(r.stderr.contains("up to date"), "{}", r.stderr);
    assert_eq!(read_text(&sb, ".env.encrypted"), before);
    // One value changed: that line and the MAC line only.
    sb.write(".env", ENV.replace("DEBUG=false", "DEBUG=true"));
    sb.run_env(&["encrypt"], &as_id(&alice_id))
        .ok()
        .no_leak(&["hunter2", "tok-0123"]);
    let after = read_text(&sb, ".env.encrypted");
    assert_eq!(slot_lines(&after), slot_lines(&before));
    for k in ["API_TOKEN", "DB_PASSWORD"] {
        assert_eq!(line_of(&after, k), line_of(&before, k), "{k}");
    }
    assert_ne!(line_of(&after, "DEBUG"), line_of(&before, "DEBUG"));
    assert_eq!(
        open_as(&after, &bob_id).unwrap(),
        ENV.replace("DEBUG=false", "DEBUG=true")
    );
    let changed: Vec<_> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 2, "{changed:?}");
    no_master_key(&sb);
}

#[test]
fn an_age_only_pair_is_synced_both_ways_from_a_recorded_base() {
    let (sb, alice_id, bob_id) = age_project();
    let id = as_id(&alice_id);
    // The base: the pair in sync (recorded under the data key's record key).
    sb.run_env(&["sync"], &id).ok();
    // The encrypted side moves (set), then the plaintext (another key).
    set(&sb, "DB_PASSWORD", "enc-side-change", &id).ok();
    sb.write(
        ".env",
        ENV.replace("tok-0123456789abcdef", "tok-plain-side-change"),
    );
    // encrypt would revert the encrypted side's change: refused, naming the key only.
    let refused = sb.run_env(&["encrypt"], &id);
    refused
        .code(exit_code(Code::Refused))
        .no_leak(&["enc-side-change", "tok-plain-side"]);
    assert!(refused.stderr.contains("DB_PASSWORD"), "{}", refused.stderr);
    let before = read_text(&sb, ".env.encrypted");
    sb.run_env(&["sync"], &id)
        .ok()
        .no_leak(&["enc-side-change", "tok-plain-side"]);
    let want = ENV
        .replace("tok-0123456789abcdef", "tok-plain-side-change")
        .replace("hunter2-long-password", "enc-side-change");
    assert_eq!(read_text(&sb, ".env"), want);
    let after = read_text(&sb, ".env.encrypted");
    assert_eq!(open_as(&after, &bob_id).unwrap(), want);
    assert_eq!(slot_lines(&after), slot_lines(&before));
    assert_eq!(
        line_of(&after, "DB_PASSWORD"),
        line_of(&before, "DB_PASSWORD")
    );
    // A conflict: the same key changed differently on each side; each keeps its own.
    set(&sb, "DEBUG", "enc", &id).ok();
    sb.write(".env", want.replace("DEBUG=false", "DEBUG=plain"));
    let c = sb.run_env(&["sync"], &id);
    c.code(exit_code(Code::CheckFailed));
    assert!(c.stderr.contains("DEBUG"), "{}", c.stderr);
    assert!(read_text(&sb, ".env").contains("DEBUG=plain"));
    assert!(open_as(&read_text(&sb, ".env.encrypted"), &bob_id)
        .unwrap()
        .contains("DEBUG=enc"));
    no_master_key(&sb);
}

#[test]
fn an_edit_of_an_age_only_file_is_recorded_so_encrypt_keeps_it_and_decrypt_takes_it() {
    let (sb, alice_id, bob_id) = age_project();
    let editor = sb.path("editor.sh");
    fs::write(
        &editor,
        "#!/bin/sh\nsed -i 's/^DEBUG=.*/DEBUG=edited/' \"$1\"\n",
    )
    .unwrap();
    fs::set_permissions(&editor, fs::Permissions::from_mode(0o755)).unwrap();
    let editor = editor.to_str().unwrap();
    sb.run_env(
        &["edit", "-q"],
        &[
            ("EDITOR", editor),
            ("ENVSEAL_AGE_KEY_FILE", bob_id.to_str().unwrap()),
        ],
    )
    .ok();
    let edited = read_text(&sb, ".env.encrypted");
    // status tells which side moved, through the age identity (no master key).
    let st = sb.run_env(&["status", "--json"], &as_id(&alice_id));
    let v: serde_json::Value = serde_json::from_str(&st.stdout_text()).expect("json");
    assert_eq!(v["files"][0]["sync"], "encrypted_changed", "{v}");
    // The old .env encrypted over the edit would revert it: refused (exit 8), unchanged.
    let id = as_id(&alice_id);
    let r = sb.run_env(&["encrypt"], &id);
    r.code(exit_code(Code::Refused));
    assert!(r.stderr.contains("DEBUG"), "{}", r.stderr);
    assert_eq!(read_text(&sb, ".env.encrypted"), edited);
    // decrypt takes the edit without asking: .env had no change of its own.
    sb.run_env(&["decrypt", "-q"], &id).ok();
    assert_eq!(
        read_text(&sb, ".env"),
        ENV.replace("DEBUG=false", "DEBUG=edited")
    );
    no_master_key(&sb);
}

#[test]
fn a_new_age_only_file_is_recorded_so_a_change_made_elsewhere_is_decrypted_without_asking() {
    let sb = Sandbox::new();
    init_repo(&sb);
    let (alice_id, alice) = age_identity(&sb, "alice");
    let id = as_id(&alice_id);
    sb.write(".env", ENV);
    // Alice is a recipient and her identity is at hand: the first record is made.
    sb.run_env(&["encrypt", "-q", "--age", &alice], &id).ok();
    // A teammate's change, made in another clone (same data key), arrives as a pull.
    let other = Sandbox::new();
    init_repo(&other);
    other.write(".env.encrypted", sb.read(".env.encrypted"));
    set(&other, "DEBUG", "from-elsewhere", &id).ok();
    sb.write(".env.encrypted", other.read(".env.encrypted"));
    // .env had no change of its own: decrypt takes the pulled one, no --force needed.
    sb.run_env(&["decrypt", "-q"], &id).ok();
    assert_eq!(
        read_text(&sb, ".env"),
        ENV.replace("DEBUG=false", "DEBUG=from-elsewhere")
    );
    no_master_key(&sb);
}

/// A bare origin and two clones of an age-only file, each person with their own
/// identity, the merge driver configured as `envseal merge` (found in PATH).
struct Clones {
    sb: Sandbox,
    /// Each person: (name, identity file, recipient).
    ids: Vec<(String, PathBuf, String)>,
}

impl Clones {
    /// Encrypted for alice, bob and the `extra` people (who have no clone).
    fn new(extra: &[&str]) -> Clones {
        Clones::with(extra, false)
    }

    /// [`Clones::new`], with a master slot too when `master` (the master key in the
    /// sandbox's keyring, which both clones share).
    fn with(extra: &[&str], master: bool) -> Clones {
        let sb = Sandbox::new();
        if master {
            sb.run(&["generate-key", "-q"]).ok();
        }
        git(&sb, &["init", "-q", "--bare", "-b", "main", "origin.git"]);
        let ids: Vec<(String, PathBuf, String)> = ["alice", "bob"]
            .iter()
            .chain(extra)
            .map(|who| {
                let (id, r) = age_identity(&sb, who);
                (who.to_string(), id, r)
            })
            .collect();
        let editor = sb.path("editor.sh");
        fs::write(
            &editor,
            "#!/bin/sh\nsed -i \"s/^$EDIT_KEY=.*/$EDIT_KEY=$EDIT_VALUE/\" \"$1\"\n",
        )
        .unwrap();
        fs::set_permissions(&editor, fs::Permissions::from_mode(0o755)).unwrap();
        let c = Clones { sb, ids };
        c.clone_as("alice");
        fs::write(c.dir("alice").join(".env"), ENV).unwrap();
        let mut args = vec!["encrypt", "-q"];
        for (_, _, r) in &c.ids {
            args.extend(["--age", r.as_str()]);
        }
        if master {
            args.push("--master");
        }
        c.envseal("alice", &args).ok();
        fs::write(
            c.dir("alice").join(".gitattributes"),
            "*.encrypted merge=envseal -text\n",
        )
        .unwrap();
        c.git("alice", &["add", ".gitattributes", ".env.encrypted"]);
        c.git("alice", &["commit", "-q", "-m", "init"]);
        c.git("alice", &["push", "-q", "origin", "main"]);
        c.clone_as("bob");
        c
    }

    fn dir(&self, who: &str) -> PathBuf {
        self.sb.path(who)
    }

    fn id(&self, who: &str) -> &Path {
        &self.ids.iter().find(|(w, ..)| w == who).unwrap().1
    }

    fn recipient(&self, who: &str) -> &str {
        &self.ids.iter().find(|(w, ..)| w == who).unwrap().2
    }

    fn clone_as(&self, who: &str) {
        git(&self.sb, &["clone", "-q", "origin.git", who]);
        self.git(who, &["symbolic-ref", "HEAD", "refs/heads/main"]);
        for (k, v) in [
            ("user.name", who),
            ("user.email", "test@example.invalid"),
            ("commit.gpgsign", "false"),
            ("merge.envseal.driver", "envseal merge %O %A %B %P"),
        ] {
            self.git(who, &["config", k, v]);
        }
    }

    fn git_out(&self, who: &str, args: &[&str]) -> std::process::Output {
        let mut c = git_cmd(&self.sb);
        c.current_dir(self.dir(who))
            .env("ENVSEAL_AGE_KEY_FILE", self.id(who))
            .args(args);
        c.output().unwrap()
    }

    fn git(&self, who: &str, args: &[&str]) -> String {
        let out = self.git_out(who, args);
        assert!(
            out.status.success(),
            "git {} in {who}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn envseal(&self, who: &str, args: &[&str]) -> Run {
        self.envseal_stdin(who, args, b"")
    }

    fn envseal_stdin(&self, who: &str, args: &[&str], input: &[u8]) -> Run {
        let mut c = self.sb.command();
        c.current_dir(self.dir(who))
            .env("ENVSEAL_AGE_KEY_FILE", self.id(who))
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            what: format!("envseal {} (in {who})", args.join(" ")),
        }
    }

    /// `envseal edit` (as `set` would, but `edit` wrote such files before issue 12's
    /// writers did: the merge driver is what these tests pin).
    fn set_and_commit(&self, who: &str, key: &str, value: &str) {
        let mut c = self.sb.command();
        c.current_dir(self.dir(who))
            .env("ENVSEAL_AGE_KEY_FILE", self.id(who))
            .env("EDITOR", self.sb.path("editor.sh"))
            .env("EDIT_KEY", key)
            .env("EDIT_VALUE", value)
            .args(["edit", "-q"]);
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "edit in {who}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.git(who, &["commit", "-q", "-am", &format!("{who}: {key}")]);
    }

    fn encrypted(&self, who: &str) -> String {
        fs::read_to_string(self.dir(who).join(".env.encrypted")).unwrap()
    }
}

#[test]
fn the_merge_driver_merges_an_age_only_file_pulled_into_another_clone() {
    let c = Clones::new(&[]);
    let slots = slot_lines(&c.encrypted("alice"));
    // Different keys on each side: both land, git reports no conflict.
    c.set_and_commit("alice", "DB_PASSWORD", "alice-password");
    c.git("alice", &["push", "-q", "origin", "main"]);
    c.set_and_commit("bob", "API_TOKEN", "bob-token");
    let bob_token_line = line_of(&c.encrypted("bob"), "API_TOKEN");
    c.git("bob", &["pull", "-q", "--no-rebase", "origin", "main"]);
    let merged = c.encrypted("bob");
    assert_eq!(slot_lines(&merged), slots);
    let want = ENV
        .replace("hunter2-long-password", "alice-password")
        .replace("tok-0123456789abcdef", "bob-token");
    assert_eq!(open_as(&merged, c.id("alice")).unwrap(), want);
    assert_eq!(open_as(&merged, c.id("bob")).unwrap(), want);
    // Each side's ciphertext kept: ours for our change, theirs for theirs.
    assert_eq!(line_of(&merged, "API_TOKEN"), bob_token_line);
    assert_eq!(
        line_of(&merged, "DB_PASSWORD"),
        line_of(&c.encrypted("alice"), "DB_PASSWORD")
    );
    c.git("bob", &["push", "-q", "origin", "main"]);
    c.git("alice", &["pull", "-q", "--no-rebase", "origin", "main"]);

    // The same key on both sides: a conflict naming it, our value kept, a valid file.
    c.set_and_commit("alice", "DEBUG", "alice-debug");
    c.git("alice", &["push", "-q", "origin", "main"]);
    c.set_and_commit("bob", "DEBUG", "bob-debug");
    let pull = c.git_out("bob", &["pull", "-q", "--no-rebase", "origin", "main"]);
    assert!(!pull.status.success());
    let said =
        String::from_utf8_lossy(&pull.stderr).into_owned() + &String::from_utf8_lossy(&pull.stdout);
    assert!(said.contains("DEBUG"), "{said}");
    assert!(
        !said.contains("alice-debug") && !said.contains("bob-debug"),
        "{said}"
    );
    let conflicted = c.encrypted("bob");
    assert_eq!(slot_lines(&conflicted), slots);
    assert!(open_as(&conflicted, c.id("bob"))
        .unwrap()
        .contains("DEBUG=bob-debug"));
    no_master_key(&c.sb);
}

#[test]
fn a_recipient_removed_on_one_branch_stays_removed_through_the_merge() {
    let c = Clones::new(&["carol"]);
    let carol_id = c.id("carol").to_owned();
    let carol = c.recipient("carol").to_owned();
    assert!(open_as(&c.encrypted("alice"), &carol_id).is_ok());
    // alice removes carol (a new data key), bob changes a value on the old one.
    c.envseal("alice", &["recipients", "remove", &carol, "--yes"])
        .ok();
    c.git("alice", &["commit", "-q", "-am", "offboard carol"]);
    c.git("alice", &["push", "-q", "origin", "main"]);
    c.set_and_commit("bob", "DEBUG", "bob-debug");
    c.git("bob", &["pull", "-q", "--no-rebase", "origin", "main"]);
    let merged = c.encrypted("bob");
    assert_eq!(slot_lines(&merged), slot_lines(&c.encrypted("alice")));
    assert!(open_as(&merged, &carol_id).is_err(), "{merged}");
    assert_eq!(
        open_as(&merged, c.id("alice")).unwrap(),
        ENV.replace("DEBUG=false", "DEBUG=bob-debug")
    );
    no_master_key(&c.sb);
}

/// The same with a master slot beside the age slots: both sides open through the master
/// key, which `recipients remove` does not change, so the data key is what tells the
/// versions apart (before, the merge was written under ours' old data key and kept
/// carol's slot: the removed person could read the merged commit).
#[test]
fn a_recipient_removed_on_one_branch_of_a_file_with_a_master_slot_stays_removed() {
    let c = Clones::with(&["carol"], true);
    let carol_id = c.id("carol").to_owned();
    let carol = c.recipient("carol").to_owned();
    assert!(c.encrypted("alice").contains("type=master"));
    assert!(open_as(&c.encrypted("alice"), &carol_id).is_ok());
    c.envseal("alice", &["recipients", "remove", &carol, "--yes"])
        .ok();
    c.git("alice", &["commit", "-q", "-am", "offboard carol"]);
    c.git("alice", &["push", "-q", "origin", "main"]);
    c.set_and_commit("bob", "DEBUG", "bob-debug");
    c.git("bob", &["pull", "-q", "--no-rebase", "origin", "main"]);
    let merged = c.encrypted("bob");
    assert_eq!(slot_lines(&merged), slot_lines(&c.encrypted("alice")));
    assert!(merged.contains("type=master"), "{merged}");
    assert!(open_as(&merged, &carol_id).is_err(), "{merged}");
    assert_eq!(
        open_as(&merged, c.id("alice")).unwrap(),
        ENV.replace("DEBUG=false", "DEBUG=bob-debug")
    );
}

#[test]
fn the_hook_compares_an_age_only_file_with_its_plaintext() {
    let (sb, alice_id, _) = age_project();
    let id = as_id(&alice_id);
    let mut c = git_cmd(&sb);
    c.args(["add", ".gitignore", ".env.encrypted"]);
    assert!(c.status().unwrap().success());
    sb.run_env(&["hook", "install"], &id).ok();
    let commit = |msg: &str| {
        let mut c = git_cmd(&sb);
        c.env("ENVSEAL_AGE_KEY_FILE", &alice_id)
            .args(["commit", "-q", "-m", msg]);
        c.output().unwrap()
    };
    let first = commit("init");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    // The plaintext changed and was not re-encrypted: the hook says so (before this, a
    // file opened through an age slot was never compared).
    sb.write(".env", ENV.replace("DEBUG=false", "DEBUG=true"));
    sb.write("README", "hello\n");
    git(&sb, &["add", "README"]);
    let blocked = commit("docs");
    assert!(!blocked.status.success());
    let said = String::from_utf8_lossy(&blocked.stderr);
    assert!(said.contains("envseal encrypt"), "{said}");
    assert!(!said.contains("DEBUG=true"), "{said}");
    // Re-encrypted (no master key), the same commit goes through.
    sb.run_env(&["encrypt", "-q"], &id).ok();
    git(&sb, &["add", ".env.encrypted"]);
    let ok = commit("docs");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    no_master_key(&sb);
}

#[cfg(feature = "aws-kms")]
#[test]
fn set_and_sync_on_a_kms_only_file_through_moto() {
    use crate::moto::{moto, new_key};
    let Some(moto) = moto() else { return };
    let (arn, _) = new_key(&moto, "envseal-team-write");
    let sb = Sandbox::new();
    init_repo(&sb);
    let aws = [
        ("AWS_ENDPOINT_URL", moto.url.as_str()),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    sb.write(".env", ENV);
    sb.run_env(&["encrypt", "-q", "--aws-kms", &arn], &aws).ok();
    let before = read_text(&sb, ".env.encrypted");
    set(&sb, "DB_PASSWORD", "kms-written", &aws)
        .ok()
        .no_leak(&["kms-written"]);
    let after = read_text(&sb, ".env.encrypted");
    assert_eq!(slot_lines(&after), slot_lines(&before));
    assert_eq!(line_of(&after, "API_TOKEN"), line_of(&before, "API_TOKEN"));
    let r = sb.run_env(&["decrypt", "--stdout"], &aws);
    r.ok();
    assert_eq!(
        r.stdout_text(),
        ENV.replace("hunter2-long-password", "kms-written")
    );
    // A KMS-only file keeps a sync record too (keyed by its data key): the plaintext
    // behind the set is synced from the encrypted side, no key but KMS.
    sb.run_env(&["sync"], &aws).ok();
    assert_eq!(
        read_text(&sb, ".env"),
        ENV.replace("hunter2-long-password", "kms-written")
    );
    no_master_key(&sb);
}
