//! What the hook checks: exactly the blobs the commit will hold (index flags, clean
//! filters, LFS-style pointers, type changes, a sparse checkout), plaintext env files that
//! do not parse, corrupt or hand-edited encrypted files, and keys. Real repositories, real
//! `git commit`s through the installed hook.

use std::fs;

use crate::common::Sandbox;
use crate::common::{exit_code, Code};
use crate::flow::{git, init_repo};
use crate::hook::{commit, repo};

const SECRET: &str = "tok-0123456789abcdef";

#[test]
fn hook_blocks_a_plaintext_env_file_whether_or_not_it_parses() {
    let sb = repo();
    for (name, content) in [
        (
            ".env.production",
            b"API_TOKEN=\"unterminated\nDEBUG=1\n".to_vec(),
        ),
        (
            ".env.staging",
            b"CITY=M\xfcnchen\nDB_PASSWORD=pw-latin1\n".to_vec(),
        ),
    ] {
        fs::write(sb.path(name), &content).unwrap();
        // Neither is a clean dotenv file: an unterminated quote (encrypted whole, with a
        // warning) or not UTF-8 (refused, unusable input).
        let enc = sb.run(&["encrypt", name, "--stdout"]);
        if name == ".env.staging" {
            enc.code(exit_code(Code::BadInput));
        } else {
            assert!(enc.stderr.contains("never closed"), "{}", enc.stderr);
        }
        git(&sb, &["add", "-f", name]);
        let c = commit(&sb, "plaintext");
        c.blocked(&format!("{name}: a plaintext env file is staged"));
        assert!(!c.stderr.contains("pw-latin1"), "{}", c.stderr);
        git(&sb, &["rm", "-q", "--cached", name]);
    }
    // An encrypted file under a plaintext name is fine.
    fs::copy(sb.path(".env.encrypted"), sb.path(".env.local")).unwrap();
    git(&sb, &["add", "-f", ".env.local"]);
    commit(&sb, "encrypted content under a plaintext name").ok();
}

/// `.env.encrypted` with one character of a value's token changed: still well-formed.
fn tamper_token(text: &str) -> String {
    let at = text.find("API_TOKEN=ENC[v1:").expect("token") + "API_TOKEN=ENC[v1:".len() + 20;
    let mut bytes = text.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

#[test]
fn hook_and_status_check_block_a_corrupt_or_hand_edited_encrypted_file() {
    let sb = repo();
    let good = String::from_utf8(sb.read(".env.encrypted")).unwrap();

    // 1. With the key at hand: a changed token fails the integrity check.
    sb.write(".env.encrypted", tamper_token(&good));
    git(&sb, &["add", ".env.encrypted"]);
    let c = commit(&sb, "tampered");
    c.blocked(".env.encrypted: corrupt or edited by hand");
    assert!(!c.stderr.contains("no key at hand"), "{}", c.stderr);
    let st = sb.run(&["status", "--check"]);
    st.code(exit_code(Code::CheckFailed));
    assert!(
        st.stdout_text()
            .contains(".env.encrypted: corrupt or edited by hand"),
        "{}",
        st.stdout_text()
    );

    // 2. Without a key: a hand-resolved merge conflict is caught by structure alone.
    fs::remove_dir_all(sb.keyring()).unwrap();
    let mut lines: Vec<&str> = good.split_inclusive('\n').collect();
    let body = lines.len() - 1;
    lines.insert(body, "<<<<<<< HEAD\n");
    lines.push("=======\nAPI_TOKEN=theirs-value\n>>>>>>> feature\n");
    sb.write(".env.encrypted", lines.concat());
    git(&sb, &["add", ".env.encrypted"]);
    let c = commit(&sb, "conflict resolved by hand");
    c.blocked(".env.encrypted: corrupt or edited by hand");
    assert!(!c.stderr.contains("theirs-value"), "{}", c.stderr);
    let st = sb.run(&["status", "--check"]);
    st.code(exit_code(Code::CheckFailed));
    assert!(
        st.stdout_text().contains(".env.encrypted: corrupt"),
        "{}",
        st.stdout_text()
    );
    // A bad header: also by structure.
    sb.write(".env.encrypted", good.replacen("bom=0", "bom=X", 1));
    git(&sb, &["add", ".env.encrypted"]);
    commit(&sb, "bad header").blocked(".env.encrypted: corrupt or edited by hand");

    // 3. The intact file without a key: passes (only "no key at hand", and only verbosely).
    sb.write(".env.encrypted", &good);
    git(&sb, &["add", ".env.encrypted"]);
    sb.write("a.txt", "a\n");
    git(&sb, &["add", "a.txt"]);
    let run = sb.run(&["-v", "hook", "run"]);
    run.ok();
    assert!(run.stderr.contains("no key at hand"), "{}", run.stderr);
    commit(&sb, "intact").ok();
    sb.run(&["status", "--check"]).ok();
}

#[test]
fn key_files_are_gitignored_and_a_staged_key_is_blocked() {
    let sb = repo();
    // generate-key --out inside the work tree: gitignored at once.
    let run = sb.run(&["generate-key", "--out", "prod.key"]);
    run.ok();
    assert!(run.stderr.contains("added prod.key to"), "{}", run.stderr);
    git(&sb, &["check-ignore", "-q", "prod.key"]);
    // rotate --new-key-file too.
    sb.run(&[
        "rotate",
        "--new-key-file",
        "new.key",
        "--reason",
        "test",
        "--force",
        "--no-backup",
    ])
    .ok();
    git(&sb, &["check-ignore", "-q", "new.key"]);
    // The key in the keyring (at hand), as text.
    let keyring_file = fs::read_dir(sb.keyring())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "key"))
        .expect("a keyring key");
    let new_key = fs::read_to_string(keyring_file).unwrap();

    // Forced past .gitignore: the hook blocks a key file...
    git(&sb, &["add", "-f", "prod.key"]);
    commit(&sb, "key file").blocked("prod.key: holds an envseal master key");
    // The leak check (the framework's envseal-leak-check hook) says the same.
    let leak = sb.run(&["mask", "--check", "--staged"]);
    leak.code(exit_code(Code::CheckFailed));
    assert!(
        leak.stdout_text()
            .contains("prod.key: holds an envseal master key"),
        "{}",
        leak.stdout_text()
    );
    git(&sb, &["rm", "-q", "--cached", "prod.key"]);
    // ... a key at hand pasted into a script...
    sb.write(
        "deploy.sh",
        format!("#!/bin/sh\necho {} | deploy\n", new_key.trim()),
    );
    git(&sb, &["add", "deploy.sh"]);
    let c = commit(&sb, "script with a key");
    c.blocked("deploy.sh: holds an envseal master key");
    assert!(!c.stderr.contains(new_key.trim()), "{}", c.stderr);
    git(&sb, &["rm", "-q", "--cached", "deploy.sh"]);
    // ... and an age identity.
    sb.write(
        "age.txt",
        format!(
            "# public key: age1xyz\nAGE-SECRET-KEY-1{}\n",
            "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L".repeat(2)[..58].to_owned()
        ),
    );
    git(&sb, &["add", "age.txt"]);
    commit(&sb, "age identity").blocked("age.txt: holds an age identity");
}

#[test]
fn hook_checks_the_staged_blob_whatever_the_index_flags() {
    let sb = repo();
    sb.write("notes.txt", "nothing here\n");
    git(&sb, &["add", "notes.txt"]);
    commit(&sb, "notes").ok();
    for flag in ["--assume-unchanged", "--skip-worktree"] {
        // The secret is staged; the work tree is put back and git told not to look.
        sb.write("notes.txt", format!("token {SECRET}\n"));
        git(&sb, &["add", "notes.txt"]);
        git(&sb, &["update-index", flag, "notes.txt"]);
        sb.write("notes.txt", "nothing here\n");
        let c = commit(&sb, flag);
        c.blocked("notes.txt:1: API_TOKEN: a secret value is staged");
        let unflag = flag.replace("--", "--no-");
        git(&sb, &["update-index", &unflag, "notes.txt"]);
        git(&sb, &["reset", "-q", "notes.txt"]);
    }
}

#[test]
fn hook_checks_what_clean_filters_and_lfs_pointers_store() {
    let sb = repo();
    // A git-crypt-like clean filter (rot13 here): the stored blob holds no secret, the
    // work-tree file does. A commit of it is fine.
    sb.write(
        ".gitattributes",
        "*.rot filter=rot13\n*.bin filter=lfsish\n",
    );
    git(
        &sb,
        &["config", "filter.rot13.clean", "tr A-Za-z N-ZA-Mn-za-m"],
    );
    git(
        &sb,
        &["config", "filter.rot13.smudge", "tr A-Za-z N-ZA-Mn-za-m"],
    );
    // An LFS-style filter: the blob is a pointer; the work-tree file is big and holds
    // the secret.
    git(
        &sb,
        &[
            "config",
            "filter.lfsish.clean",
            "cat >/dev/null; printf 'version https://git-lfs.github.com/spec/v1\\noid sha256:%064d\\nsize 4000000\\n' 0",
        ],
    );
    git(&sb, &["config", "filter.lfsish.smudge", "cat"]);
    sb.write("creds.rot", format!("token {SECRET}\n"));
    let mut big = format!("{SECRET}\n").into_bytes();
    big.resize(4_000_000, b'x');
    fs::write(sb.path("model.bin"), &big).unwrap();
    git(&sb, &["add", ".gitattributes", "creds.rot", "model.bin"]);
    commit(&sb, "filtered").ok();
    let stored = git(&sb, &["cat-file", "-p", "HEAD:model.bin"]);
    assert!(stored.starts_with("version https://git-lfs"), "{stored}");
    // And the other way round: a clean filter that puts the secret into the blob.
    git(&sb, &["config", "filter.rot13.clean", "cat"]);
    sb.write("more.rot", format!("token {SECRET}\n"));
    git(&sb, &["add", "more.rot"]);
    commit(&sb, "unfiltered").blocked("more.rot:1: API_TOKEN");
}

#[test]
fn hook_checks_a_symlink_replaced_by_a_file() {
    let sb = repo();
    std::os::unix::fs::symlink("elsewhere.txt", sb.path("config.txt")).unwrap();
    git(&sb, &["add", "config.txt"]);
    commit(&sb, "a link").ok();
    fs::remove_file(sb.path("config.txt")).unwrap();
    sb.write("config.txt", format!("token = {SECRET}\n"));
    git(&sb, &["add", "config.txt"]);
    let status = git(&sb, &["diff", "--cached", "--name-status"]);
    assert!(status.starts_with("T\t"), "a type change: {status}");
    commit(&sb, "link to file").blocked("config.txt:1: API_TOKEN");
}

#[test]
fn sparse_checkout_secrets_outside_the_cone_still_count() {
    let sb = Sandbox::new();
    init_repo(&sb);
    sb.write(".gitignore", "/keyring/\n/home/\n/xdg/\n");
    sb.run(&["generate-key", "-q"]).ok();
    fs::create_dir_all(sb.path("svc")).unwrap();
    fs::create_dir_all(sb.path("web")).unwrap();
    sb.write("svc/.env", "SVC_TOKEN=svc-secret-0123456789\n");
    sb.run(&["encrypt", "-q", "svc/.env"]).ok();
    fs::remove_file(sb.path("svc/.env")).unwrap();
    sb.write("web/index.txt", "hello\n");
    sb.run(&["hook", "install"]).ok();
    git(
        &sb,
        &["add", ".gitignore", "svc/.env.encrypted", "web/index.txt"],
    );
    commit(&sb, "init").ok();
    git(&sb, &["sparse-checkout", "set", "web"]);
    assert!(!sb.path("svc/.env.encrypted").exists(), "outside the cone");
    sb.write("web/index.txt", "hello svc-secret-0123456789\n");
    git(&sb, &["add", "web/index.txt"]);
    commit(&sb, "leak").blocked("web/index.txt:1: SVC_TOKEN");
}
