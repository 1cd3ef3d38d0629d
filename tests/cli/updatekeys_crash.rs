//! Issue 12: `updatekeys` over several files with mixed slots is all or nothing, like
//! `rotate`: every new file is made and verified, then staged, before any is renamed into
//! place. A failure before the renames changes no file; a real SIGKILL mid-way (the debug
//! build's `ENVSEAL_TEST_PAUSE_AFTER_RENAME` stops the renames after the first file)
//! leaves each file old or new, and the next run finishes; SIGTERM there leaves no
//! temporary file.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use envseal::format::v1;

use crate::common::{exit_code, Code, Sandbox};
use crate::recipients::{age_identity, open_as};

const ENV: &str = "API_TOKEN=tok-0123456789abcdef\nDB_PASSWORD=hunter2-long-password\n";
const FILES: [&str; 3] = [".env.a", ".env.b", ".env.c"];

struct Team {
    alice_id: PathBuf,
    bob_id: PathBuf,
    carol_id: PathBuf,
}

/// Three files with mixed slots (alice + bob; alice + bob + master; alice + master), and a
/// rule for all of them: alice and carol, no master slot. Every file needs a change.
fn setup(sb: &Sandbox) -> Team {
    let (alice_id, alice) = age_identity(sb, "alice");
    let (bob_id, bob) = age_identity(sb, "bob");
    let (carol_id, carol) = age_identity(sb, "carol");
    sb.run(&["generate-key", "-q"]).ok();
    for f in FILES {
        sb.write(f, ENV);
    }
    sb.run(&["encrypt", FILES[0], "--age", &alice, "--age", &bob])
        .ok();
    sb.run(&[
        "encrypt", FILES[1], "--age", &alice, "--age", &bob, "--master",
    ])
    .ok();
    sb.run(&["encrypt", FILES[2], "--age", &alice, "--master"])
        .ok();
    std::fs::create_dir_all(sb.path(".envseal")).unwrap();
    sb.write(
        ".envseal/config.toml",
        format!("[[creation_rules]]\nage = [\"{alice}\", \"{carol}\"]\nmaster = false\n"),
    );
    Team {
        alice_id,
        bob_id,
        carol_id,
    }
}

fn encrypted(f: &str) -> String {
    format!("{f}.encrypted")
}

fn text(sb: &Sandbox, f: &str) -> String {
    String::from_utf8(sb.read(&encrypted(f))).unwrap()
}

fn kinds(sb: &Sandbox, f: &str) -> Vec<String> {
    v1::header(&text(sb, f))
        .unwrap()
        .slots
        .into_iter()
        .map(|s| s.kind)
        .collect()
}

fn temps(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect()
}

/// `updatekeys --yes` with alice's identity, paused after its first rename, then sent
/// `signal`.
fn updatekeys_paused(sb: &Sandbox, t: &Team, signal: &str) {
    let marker = sb.path("paused");
    let mut c = sb.command();
    c.args(["updatekeys", "--yes"])
        .env("ENVSEAL_AGE_KEY_FILE", &t.alice_id)
        .env("ENVSEAL_TEST_PAUSE_AFTER_RENAME", &marker)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !marker.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("updatekeys ended before the pause: {status}");
        }
        assert!(Instant::now() < deadline, "updatekeys never paused");
        std::thread::sleep(Duration::from_millis(10));
    }
    let sent = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(sent.success());
    assert!(!child.wait().unwrap().success());
}

/// After an interrupted run: exactly one file new (matching the rule), the others byte
/// for byte old; each opens for alice to its content.
fn one_new_the_others_old(sb: &Sandbox, t: &Team, before: &[Vec<u8>]) {
    let new: Vec<&str> = FILES
        .iter()
        .zip(before)
        .filter(|(f, b)| sb.read(&encrypted(f)) != **b)
        .map(|(f, _)| *f)
        .collect();
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(kinds(sb, new[0]), ["age", "age"]);
    for f in FILES {
        assert_eq!(open_as(&text(sb, f), &t.alice_id).unwrap(), ENV, "{f}");
    }
}

fn all_follow_the_rule(sb: &Sandbox, t: &Team) {
    for f in FILES {
        let text = text(sb, f);
        assert_eq!(kinds(sb, f), ["age", "age"], "{f}");
        assert_eq!(open_as(&text, &t.alice_id).unwrap(), ENV, "{f}");
        assert_eq!(open_as(&text, &t.carol_id).unwrap(), ENV, "{f}");
        assert!(
            open_as(&text, &t.bob_id).is_err(),
            "{f}: bob still opens it"
        );
    }
}

#[test]
fn updatekeys_killed_mid_way_leaves_each_file_old_or_new_and_the_next_run_finishes() {
    let sb = Sandbox::new();
    let t = setup(&sb);
    let before: Vec<Vec<u8>> = FILES.iter().map(|f| sb.read(&encrypted(f))).collect();
    updatekeys_paused(&sb, &t, "KILL");
    one_new_the_others_old(&sb, &t, &before);
    assert_eq!(
        temps(sb.root()).len(),
        2,
        "the staged files a SIGKILL leaves"
    );
    // The next run updates the files still old, and removes what the crash left.
    let r = sb.run_env(
        &["updatekeys", "--yes"],
        &[("ENVSEAL_AGE_KEY_FILE", t.alice_id.to_str().unwrap())],
    );
    r.ok();
    assert!(temps(sb.root()).is_empty(), "{:?}", temps(sb.root()));
    all_follow_the_rule(&sb, &t);
}

#[test]
fn updatekeys_terminated_mid_way_leaves_no_temporary_file() {
    let sb = Sandbox::new();
    let t = setup(&sb);
    let before: Vec<Vec<u8>> = FILES.iter().map(|f| sb.read(&encrypted(f))).collect();
    updatekeys_paused(&sb, &t, "TERM");
    one_new_the_others_old(&sb, &t, &before);
    assert!(temps(sb.root()).is_empty(), "{:?}", temps(sb.root()));
    sb.run_env(
        &["updatekeys", "--yes"],
        &[("ENVSEAL_AGE_KEY_FILE", t.alice_id.to_str().unwrap())],
    )
    .ok();
    all_follow_the_rule(&sb, &t);
}

#[test]
fn updatekeys_that_cannot_update_one_file_changes_none() {
    let sb = Sandbox::new();
    let t = setup(&sb);
    // A last file only bob can open: alice's run cannot re-key it.
    let (_, dave) = age_identity(&sb, "dave");
    sb.write(".env.z", ENV);
    sb.run(&["encrypt", ".env.z", "--age", &dave]).ok();
    let all = [FILES[0], FILES[1], FILES[2], ".env.z"];
    let before: Vec<Vec<u8>> = all.iter().map(|f| sb.read(&encrypted(f))).collect();
    let mut args = vec!["updatekeys".to_owned(), "--yes".to_owned()];
    args.extend(all.iter().map(|f| encrypted(f)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = sb.run_env(
        &args,
        &[("ENVSEAL_AGE_KEY_FILE", t.alice_id.to_str().unwrap())],
    );
    r.code(exit_code(Code::KeyMissing));
    assert!(r.stderr.contains("no file was changed"), "{}", r.stderr);
    for (f, b) in all.iter().zip(&before) {
        assert_eq!(&sb.read(&encrypted(f)), b, "{f} changed");
    }
    assert!(temps(sb.root()).is_empty());
}
