//! `envseal edit`: the editor gets a private plaintext copy (0600, in /dev/shm), the file
//! is re-encrypted with a minimal diff, an unchanged edit rewrites nothing, a bad edit
//! without a terminal is kept and its place named, a failed editor changes nothing.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use crate::common::{exit_code, Code};
use crate::common::{test_key, Sandbox};

const ENV: &str =
    "# settings\nAPI_TOKEN=old-token-value-123\nDEBUG=false\nDB_PASSWORD='keep-this-one'\n";

/// The editor: records the path it was given and that file's mode, then does what
/// `$EDIT_ACTION` says.
const EDITOR: &str = r#"#!/bin/sh
f="$1"
printf '%s' "$f" > editor-path
stat -c %a "$f" > editor-mode
case "$EDIT_ACTION" in
  sed) sed -i 's/old-token-value-123/new-token-value-456/' "$f" ;;
  none) : ;;
  touch) touch "$f" ;;
  break) printf 'BROKEN=not-utf8-\377\n' >> "$f" ;;
  fail) sed -i 's/old/new/' "$f"; exit 3 ;;
  kill) sed -i 's/old/new/' "$f"; kill -KILL $$ ;;
esac
"#;

fn sandbox() -> (Sandbox, String) {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(60));
    sb.write(".env", ENV);
    sb.run(&["encrypt", "-q", "--key-file", &kf]).ok();
    let ed = sb.write("editor.sh", EDITOR);
    fs::set_permissions(&ed, fs::Permissions::from_mode(0o755)).unwrap();
    (sb, kf)
}

fn edit(sb: &Sandbox, kf: &str, action: &str) -> crate::common::Run {
    let editor = sb.path("editor.sh").display().to_string();
    sb.run_env(
        &["edit", "--key-file", kf],
        &[("EDITOR", &editor), ("EDIT_ACTION", action), ("VISUAL", "")],
    )
}

/// The temporary file the editor saw: in /dev/shm, mode 0600, and gone now.
fn check_temp(sb: &Sandbox, gone: bool) -> String {
    let path = String::from_utf8(sb.read("editor-path")).unwrap();
    if Path::new("/dev/shm").is_dir() {
        assert!(path.starts_with("/dev/shm/"), "temporary file at {path}");
    }
    assert_eq!(
        String::from_utf8(sb.read("editor-mode")).unwrap().trim(),
        "600",
        "{path}"
    );
    assert_eq!(!Path::new(&path).exists(), gone, "{path} removed: {gone}");
    path
}

fn decrypted(sb: &Sandbox, kf: &str) -> String {
    sb.run(&["decrypt", "--stdout", "--key-file", kf])
        .ok()
        .stdout_text()
}

#[test]
fn an_edit_changes_one_value_and_the_diff_is_that_line_and_the_mac() {
    let (sb, kf) = sandbox();
    let before = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    let run = edit(&sb, &kf, "sed");
    run.ok()
        .no_leak(&["new-token-value-456", "old-token-value-123"]);
    check_temp(&sb, true);
    assert_eq!(
        decrypted(&sb, &kf),
        ENV.replace("old-token-value-123", "new-token-value-456")
    );
    let after = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    let (b, a): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    assert_eq!(b.len(), a.len());
    let changed: Vec<(&str, &str)> = b
        .iter()
        .zip(&a)
        .filter(|(x, y)| x != y)
        .map(|(x, y)| (*x, *y))
        .collect();
    assert_eq!(changed.len(), 2, "changed lines: {changed:#?}");
    assert!(
        changed.iter().any(|(_, y)| y.starts_with("API_TOKEN=ENC[")),
        "the edited value's line: {changed:#?}"
    );
    assert!(
        changed.iter().any(|(x, _)| x.starts_with("#envseal:mac ")),
        "the other changed line is the MAC: {changed:#?}"
    );
}

#[test]
fn an_unchanged_edit_rewrites_nothing() {
    let (sb, kf) = sandbox();
    let bytes = sb.read(".env.encrypted");
    let mtime = fs::metadata(sb.path(".env.encrypted"))
        .unwrap()
        .modified()
        .unwrap();
    std::thread::sleep(Duration::from_millis(20));
    for action in ["none", "touch"] {
        let run = edit(&sb, &kf, action);
        run.ok();
        assert!(run.stderr.contains("no changes"), "{}", run.stderr);
        check_temp(&sb, true);
        assert_eq!(sb.read(".env.encrypted"), bytes);
        assert_eq!(
            fs::metadata(sb.path(".env.encrypted"))
                .unwrap()
                .modified()
                .unwrap(),
            mtime,
            "{action}: the file was rewritten"
        );
    }
}

#[test]
fn a_bad_edit_without_a_terminal_is_kept_and_its_place_named() {
    let (sb, kf) = sandbox();
    let bytes = sb.read(".env.encrypted");
    let run = edit(&sb, &kf, "break");
    run.code(exit_code(Code::BadInput))
        .no_leak(&["old-token-value-123", "keep-this-one"]);
    let kept = check_temp(&sb, false);
    assert!(
        run.stderr.contains(&kept),
        "the message says where the edit is kept: {}",
        run.stderr
    );
    assert_eq!(
        sb.read(".env.encrypted"),
        bytes,
        "the encrypted file is unchanged"
    );
    // (Not UTF-8: since issue 14 an unterminated quote is no longer a bad edit.)
    let text = fs::read(&kept).unwrap();
    assert!(crate::common::contains(&text, b"BROKEN=not-utf8-\xff"));
    assert_eq!(
        fs::metadata(&kept).unwrap().permissions().mode() & 0o777,
        0o600
    );
    fs::remove_file(&kept).unwrap();
}

#[test]
fn a_failed_or_killed_editor_changes_nothing_and_leaves_no_temp_file() {
    let (sb, kf) = sandbox();
    let bytes = sb.read(".env.encrypted");
    for action in ["fail", "kill"] {
        let run = edit(&sb, &kf, action);
        assert_ne!(run.code, 0, "{action}: {}", run.stderr);
        assert!(run.stderr.contains("unchanged"), "{action}: {}", run.stderr);
        run.no_leak(&["old-token-value-123"]);
        check_temp(&sb, true);
        assert_eq!(sb.read(".env.encrypted"), bytes, "{action}");
        fs::remove_file(sb.path("editor-path")).unwrap();
    }
}
