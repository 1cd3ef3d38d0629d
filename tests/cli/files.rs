//! File invariants: modes, refusing to replace keys, minimal re-encryption diffs, no
//! rewrite of an up-to-date output, atomic replacement under a full disk and under
//! concurrent writers, and a closed pipe downstream.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use envseal::key::Key;

use crate::common::{bin, mode, test_key, Sandbox};
use crate::common::{exit_code, Code};

#[test]
fn decrypted_files_and_key_files_are_0600() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(5));
    sb.write(".env", "A=mode-test-value\n");
    fs::set_permissions(sb.path(".env"), fs::Permissions::from_mode(0o644)).unwrap();
    sb.run(&["encrypt", "--key-file", &kf]).ok();
    sb.run(&[
        "encrypt",
        "-o",
        "f.encrypted",
        "--format",
        "fernet",
        "--key-file",
        &kf,
    ])
    .ok();
    // Run under a permissive umask: the modes must not come from it.
    for (input, out) in [(".env.encrypted", "v1.out"), ("f.encrypted", "fernet.out")] {
        let mut c = Command::new("bash");
        sb.setup(&mut c);
        let st = c
            .arg("-c")
            .arg("umask 000; exec \"$0\" \"$@\"")
            .arg(bin())
            .args(["decrypt", input, "-o", out, "--key-file", &kf])
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
        assert_eq!(mode(&sb.path(out)), 0o600, "{out}");
    }
    fs::remove_file(sb.path(".env")).unwrap();
    sb.run(&["decrypt", "--key-file", &kf]).ok();
    assert_eq!(mode(&sb.path(".env")), 0o600);

    // Keys: generate-key into the keyring and into --out, under umask 000 too.
    let mut c = Command::new("bash");
    sb.setup(&mut c);
    let out = c
        .arg("-c")
        .arg("umask 000; \"$0\" generate-key && \"$0\" generate-key --out sub/dir/new.key")
        .arg(bin())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8(out.stdout).unwrap();
    let id = id.lines().next().unwrap();
    let hex = id
        .strip_prefix("sha256:")
        .expect("generate-key prints the key id");
    let in_ring = sb.keyring().join(format!("{hex}.key"));
    assert_eq!(mode(&in_ring), 0o600);
    assert_eq!(mode(&sb.path("sub/dir/new.key")), 0o600);
    let key = Key::from_text(&fs::read_to_string(&in_ring).unwrap()).unwrap();
    assert_eq!(
        key.id().as_str(),
        id,
        "the printed id is the saved key's id"
    );
    // New directories holding keys are private too.
    assert_eq!(mode(&sb.keyring()) & 0o077, 0);
    assert_eq!(mode(&sb.path("sub/dir")) & 0o077, 0);
}

#[test]
fn readable_key_file_gives_a_warning() {
    let sb = Sandbox::new();
    let key = test_key(6);
    let kf = sb.key_file("k.key", &key);
    sb.write(".env", "A=warn-test-value\n");
    let quiet = sb.run(&["encrypt", "--key-file", &kf]);
    quiet.ok();
    assert!(!quiet.stderr.contains("warning"), "{}", quiet.stderr);
    fs::set_permissions(sb.path(&kf), fs::Permissions::from_mode(0o640)).unwrap();
    let run = sb.run(&["decrypt", "--stdout", "--key-file", &kf]);
    run.ok();
    assert!(
        run.stderr.contains("warning:") && run.stderr.contains("chmod 600"),
        "{}",
        run.stderr
    );
    run.no_leak(&[&key.expose_text()]);
    // The keyring is checked the same way.
    fs::create_dir_all(sb.keyring()).unwrap();
    let ring = sb.keyring().join(format!("{}.key", key.id().hex()));
    fs::rename(sb.path(&kf), &ring).unwrap();
    fs::set_permissions(&ring, fs::Permissions::from_mode(0o644)).unwrap();
    let run = sb.run(&["decrypt", "--stdout"]);
    run.ok();
    assert!(run.stderr.contains("warning:"), "{}", run.stderr);
}

#[test]
fn generate_key_out_existing_refuses_and_keeps_the_key() {
    let sb = Sandbox::new();
    sb.run(&["generate-key", "--out", "my.key"]).ok();
    let old = sb.read("my.key");
    assert_eq!(old.len(), 45);
    sb.run(&["generate-key", "--out", "my.key"])
        .code(exit_code(Code::Refused));
    assert_eq!(sb.read("my.key"), old, "the existing key was changed");
    sb.run(&["generate-key", "--out", "my.key", "--force"]).ok();
    assert_ne!(sb.read("my.key"), old);
    assert_eq!(mode(&sb.path("my.key")), 0o600);
    assert_eq!(sb.listing(), ["my.key"], "temp files left behind");
}

#[test]
fn generate_key_stdout_prints_and_saves_nothing() {
    let sb = Sandbox::new();
    let before = sb.listing();
    let run = sb.run(&["generate-key", "--stdout"]);
    run.ok();
    let text = run.stdout_text();
    assert!(text.ends_with('\n'));
    let key_text = text.trim_end_matches('\n');
    assert_eq!(key_text.len(), 44, "{key_text:?}");
    let key = Key::from_text(key_text).expect("a valid key");
    assert_eq!(*key.expose_text(), key_text, "URL-safe, padded Fernet form");
    assert!(!sb.keyring().exists(), "--stdout wrote to the keyring");
    assert_eq!(sb.listing(), before);
    assert!(!run.stderr.contains(key_text));
    // Two runs, two keys.
    let again = sb.run(&["generate-key", "--stdout"]);
    assert_ne!(again.stdout, run.stdout);
}

const FIVE: &str =
    "# five values\nONE=first-value\nTWO='second value'\nTHREE=third-value\n#OLD=old-secret\nFOUR=\"fourth\nvalue\"\nFIVE=fifth\n";

#[test]
fn changing_one_value_changes_only_its_line_and_the_mac() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(7));
    sb.write(".env", FIVE);
    sb.run(&["encrypt", "--key-file", &kf]).ok();
    let before = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    sb.write(".env", FIVE.replace("third-value", "third-value-changed"));
    sb.run(&["encrypt", "--key-file", &kf]).ok();
    let after = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    let (b, a): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    assert_eq!(b.len(), a.len());
    let changed: Vec<usize> = (0..b.len()).filter(|&i| a[i] != b[i]).collect();
    let three = a.iter().position(|l| l.starts_with("THREE=")).unwrap();
    assert!(a[2].starts_with("#envseal:mac "));
    assert_eq!(changed, [2, three], "changed lines (0-based)");
    // ...and the result still decrypts to the new text.
    let run = sb.run(&["decrypt", "--stdout", "--key-file", &kf]);
    run.ok();
    assert_eq!(
        run.stdout_text(),
        FIVE.replace("third-value", "third-value-changed")
    );
}

#[test]
fn unchanged_input_does_not_rewrite_the_output() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(8));
    sb.write(".env", FIVE);
    sb.run(&["encrypt", "--key-file", &kf]).ok();
    for (out, format) in [(".env.encrypted", "v1"), ("f.encrypted", "fernet")] {
        sb.run(&["encrypt", "-o", out, "--format", format, "--key-file", &kf])
            .ok();
        let old_time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        fs::File::options()
            .write(true)
            .open(sb.path(out))
            .unwrap()
            .set_modified(old_time)
            .unwrap();
        let before = fs::metadata(sb.path(out)).unwrap();
        let bytes = sb.read(out);
        sb.run(&["encrypt", "-o", out, "--format", format, "--key-file", &kf])
            .ok();
        let after = fs::metadata(sb.path(out)).unwrap();
        assert_eq!(sb.read(out), bytes, "{format}: bytes changed");
        assert_eq!(after.modified().unwrap(), old_time, "{format}: rewritten");
        assert_eq!(after.ino(), before.ino(), "{format}: replaced");
    }
    // decrypt onto an identical plaintext does not rewrite it either.
    fs::File::options()
        .write(true)
        .open(sb.path(".env"))
        .unwrap()
        .set_modified(SystemTime::UNIX_EPOCH)
        .unwrap();
    sb.run(&["decrypt", "--key-file", &kf]).ok();
    assert_eq!(
        fs::metadata(sb.path(".env")).unwrap().modified().unwrap(),
        SystemTime::UNIX_EPOCH
    );
}

#[test]
fn full_disk_keeps_the_old_output() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(9));
    sb.write(".env", "SMALL=old-small-value\n");
    sb.run(&["encrypt", "--key-file", &kf]).ok();
    let old = sb.read(".env.encrypted");
    let big: String = (0..2000)
        .map(|i| format!("KEY_{i}=value-number-{i}-padding-padding\n"))
        .collect();
    sb.write(".env", &big);
    let listing = sb.listing();
    for format in ["v1", "fernet"] {
        let mut c = Command::new("bash");
        sb.setup(&mut c);
        // ulimit -f: writes past 1 block fail. SIGXFSZ is ignored so write() returns
        // EFBIG instead of the process being killed.
        let out = c
            .arg("-c")
            .arg("trap '' XFSZ; ulimit -f 1; exec \"$0\" \"$@\"")
            .arg(bin())
            .args(["encrypt", "--format", format, "--force", "--key-file", &kf])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(exit_code(Code::Io)),
            "{format}: {stderr}"
        );
        assert!(stderr.contains(".env.encrypted"), "{stderr}");
        assert_eq!(
            sb.read(".env.encrypted"),
            old,
            "{format}: old output changed"
        );
        assert_eq!(sb.listing(), listing, "{format}: temp files left behind");
    }
}

#[test]
fn racing_writers_always_leave_a_decryptable_file() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(10));
    for round in 0..20 {
        let a = format!("A=round-{round}-from-writer-a\n");
        let b = format!("B=round-{round}-from-writer-b\nC=more\n");
        sb.write("a.env", &a);
        sb.write("b.env", &b);
        let spawn = |input: &str| {
            let mut c = sb.command();
            c.args(["encrypt", input, "-o", "out.encrypted", "--key-file", &kf])
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            c.spawn().unwrap()
        };
        let (pa, pb) = (spawn("a.env"), spawn("b.env"));
        for p in [pa, pb] {
            let out = p.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let run = sb.run(&["decrypt", "out.encrypted", "--stdout", "--key-file", &kf]);
        run.ok();
        let got = run.stdout_text();
        assert!(got == a || got == b, "round {round}: decrypted to {got:?}");
    }
    assert_eq!(
        sb.listing(),
        ["a.env", "b.env", "k.key", "out.encrypted"],
        "temp files left behind"
    );
}

#[test]
fn closed_pipe_downstream_is_success() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(11));
    // Well past a pipe buffer (64 KiB), so the writer really meets the closed pipe.
    let big: String = (0..5000)
        .map(|i| format!("K{i}=broken-pipe-value-{i:06}-xxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"))
        .collect();
    assert!(big.len() > 256 * 1024);
    sb.write(".env", &big);
    sb.run(&["encrypt", "--format", "fernet", "--key-file", &kf])
        .ok();
    let mut c = Command::new("bash");
    sb.setup(&mut c);
    let out = c
        .arg("-c")
        .arg("\"$0\" decrypt --stdout --key-file \"$1\" | head -c 1 >/dev/null; echo \"${PIPESTATUS[0]}\"")
        .arg(bin())
        .arg(&kf)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0", "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

/// Regression: `encrypt --encrypt-comments` over an up-to-date output written without
/// the flag said "up to date" and left every comment readable (even with --force).
#[test]
fn encrypt_comments_over_an_up_to_date_output_hides_the_comments() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(12));
    sb.write(
        ".env",
        "# vpn password is in the wiki: S3CR3T-COMMENT\nA=value-kept\n",
    );
    sb.run(&["encrypt", "--key-file", &kf]).ok();
    let plain_comments = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    assert!(
        plain_comments.contains("S3CR3T-COMMENT"),
        "default keeps comments"
    );
    sb.run(&["encrypt", "--encrypt-comments", "--key-file", &kf])
        .ok();
    let hidden = String::from_utf8(sb.read(".env.encrypted")).unwrap();
    assert!(!hidden.contains("S3CR3T-COMMENT"), "{hidden}");
    // The value's ciphertext is kept (a minimal diff), and now it is up to date.
    let token = |t: &str| t.lines().find(|l| l.starts_with("A=")).unwrap().to_owned();
    assert_eq!(token(&hidden), token(&plain_comments));
    let again = sb.run(&["encrypt", "--encrypt-comments", "--key-file", &kf]);
    again.ok();
    assert!(again.stderr.contains("up to date"), "{}", again.stderr);
    assert_eq!(
        String::from_utf8(sb.read(".env.encrypted")).unwrap(),
        hidden
    );
}
