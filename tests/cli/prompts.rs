//! Prompts through a real pseudo-terminal (util-linux `script`): overwrite confirmation,
//! rotation confirmation, the hidden master-key prompt.

use std::fs;
use std::time::Duration;

use crate::common::{exit_code, Code};
use crate::common::{test_key, Sandbox};
use crate::flow::{have_script, Pty};

const LIMIT: Duration = Duration::from_secs(20);
const ENV: &str = "API_TOKEN=prompt-token-value-1\n";

/// `.env.encrypted` under a keyring key; `.env` replaced by something different.
fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    sb.write(".env", ENV);
    sb.run(&["generate-key", "-q"]).ok();
    sb.run(&["encrypt", "-q"]).ok();
    sb.write(".env", "LOCAL=edits\n");
    sb
}

#[test]
fn decrypt_over_a_different_file_asks_and_no_keeps_it() {
    if !have_script() {
        return;
    }
    let sb = sandbox();
    let mut pty = Pty::spawn(&sb, &["decrypt"], &[]);
    pty.expect("Overwrite it?", LIMIT);
    pty.send("n");
    let (code, out) = pty.finish(LIMIT);
    assert_eq!(code, exit_code(Code::Refused), "{out:?}");
    assert_eq!(sb.read(".env"), b"LOCAL=edits\n", "answered no: unchanged");
    assert!(out.contains("left .env unchanged"), "{out:?}");

    let mut pty = Pty::spawn(&sb, &["decrypt"], &[]);
    pty.expect("Overwrite it?", LIMIT);
    pty.send("y");
    let (code, out) = pty.finish(LIMIT);
    assert_eq!(code, exit_code(Code::Ok), "{out:?}");
    assert_eq!(sb.read(".env"), ENV.as_bytes(), "answered yes: replaced");
}

#[test]
fn rotate_asks_and_no_cancels_with_nothing_changed() {
    if !have_script() {
        return;
    }
    let sb = sandbox();
    let enc = sb.read(".env.encrypted");
    let keys = || {
        let mut v: Vec<_> = fs::read_dir(sb.keyring())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    let keys_before = keys();
    let listing = sb.listing();
    let mut pty = Pty::spawn(&sb, &["rotate"], &[]);
    pty.expect("Rotate now?", LIMIT);
    pty.send("n");
    let (code, out) = pty.finish(LIMIT);
    assert_eq!(code, exit_code(Code::Refused), "{out:?}");
    assert!(out.contains("nothing was changed"), "{out:?}");
    assert_eq!(sb.read(".env.encrypted"), enc);
    assert_eq!(keys(), keys_before, "no new key saved");
    assert_eq!(sb.listing(), listing, "no backup or other file");
    // Without a terminal it refuses rather than asks.
    let run = sb.run(&["rotate"]);
    run.code(exit_code(Code::Refused));
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
}

#[test]
fn a_terminal_gets_a_hidden_master_key_prompt() {
    if !have_script() {
        return;
    }
    let sb = Sandbox::new();
    let key = test_key(70);
    let kf = sb.key_file("k.key", &key);
    sb.write(".env", ENV);
    sb.run(&["encrypt", "-q", "--key-file", &kf]).ok();
    fs::remove_file(sb.path(&kf)).unwrap();
    fs::remove_file(sb.path(".env")).unwrap();
    // No key anywhere, no terminal: exit 3, no prompt.
    let run = sb.run(&["decrypt", "--stdout"]);
    run.code(exit_code(Code::KeyMissing));
    assert!(!run.stderr.contains("Master key for"), "{}", run.stderr);

    let mut pty = Pty::spawn(&sb, &["decrypt", "--stdout", "--force"], &[]);
    pty.expect("Master key for .env.encrypted", LIMIT);
    // The prompt is printed before echo is turned off; give rpassword a moment so a
    // typed key cannot race it onto the screen.
    std::thread::sleep(Duration::from_millis(300));
    pty.send(&format!("{}\n", *key.expose_text()));
    let (code, out) = pty.finish(LIMIT);
    assert_eq!(code, exit_code(Code::Ok), "{out:?}");
    assert!(out.contains("prompt-token-value-1"), "decrypted: {out:?}");
    assert!(
        !out.contains(&*key.expose_text()),
        "the typed key was echoed: {out:?}"
    );
    // A wrong key typed at the prompt: wrong-key exit, and nothing decrypted.
    let mut pty = Pty::spawn(&sb, &["decrypt", "--stdout", "--force"], &[]);
    pty.expect("Master key for", LIMIT);
    std::thread::sleep(Duration::from_millis(300));
    let wrong = test_key(71);
    pty.send(&format!("{}\n", *wrong.expose_text()));
    let (code, out) = pty.finish(LIMIT);
    assert_eq!(code, exit_code(Code::WrongKey), "{out:?}");
    assert!(!out.contains("prompt-token-value-1"));
    assert!(!out.contains(&*wrong.expose_text()), "echoed: {out:?}");
}
