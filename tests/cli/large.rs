//! Large v1 files (1 MiB and more) are decrypted as a stream of chunks on three threads
//! (`src/format/v1/stream.rs`): through the binary, the same bytes, the same refusals
//! and the same exit codes as the whole-file path, and nothing printed before the MAC is
//! checked.

use crate::common::{contains, test_key, Sandbox};
use crate::common::{exit_code, Code};

const SECRET: &str = "S3CR3T-LARGE-hunter2";

/// A 0.66 MB .env (over 2 MiB encrypted: the stream decoder's side of the 1 MiB
/// threshold) with CRLF, CR-only and multi-line values, a BOM and no final newline, with
/// `SECRET` in the last value.
fn large_env() -> String {
    let mut s = String::from("\u{feff}# big\r\n");
    for i in 0..30_000 {
        match i % 5 {
            0 => s.push_str(&format!("export K{i} = 'v {i}'\r\n")),
            1 => s.push_str(&format!("K{i}=\"multi\nline {i}\"\n")),
            2 => s.push_str(&format!("K{i}=plain-{i}\r")),
            3 => s.push_str(&format!("# comment {i}\n#OLD_{i}=gone\n")),
            _ => s.push_str(&format!("K{i}=x\n\n")),
        }
    }
    s.push_str(&format!("LAST={SECRET}"));
    s
}

#[test]
fn a_large_file_round_trips_through_the_stream_path() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(21));
    let text = large_env();
    sb.write(".env", &text);
    sb.run(&["encrypt", "--key-file", &kf]).ok();
    let sealed = sb.read(".env.encrypted");
    assert!(sealed.len() > 2 << 20, "{} bytes", sealed.len());
    let out = sb.run(&["decrypt", "--stdout", "--key-file", &kf]);
    out.ok();
    assert!(out.stdout == text.as_bytes(), "the plaintext differs");
    // To a file: 0600, byte-exact, then up to date.
    std::fs::remove_file(sb.path(".env")).unwrap();
    sb.run(&["decrypt", "--key-file", &kf]).ok();
    assert!(sb.read(".env") == text.as_bytes());
    assert_eq!(crate::common::mode(&sb.path(".env")), 0o600);
    let again = sb.run(&["decrypt", "--key-file", &kf]);
    again.ok();
    assert!(again.stderr.contains("up to date"), "{}", again.stderr);
}

#[test]
fn a_damaged_large_file_is_refused_without_printing() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(22));
    sb.write(".env", large_env());
    sb.run(&["encrypt", "--key-file", &kf]).ok();
    let good = sb.read(".env.encrypted");
    let n = good.len();
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for pos in [200, n / 7, n / 2, n - 40, n - 1] {
        let mut bad = good.clone();
        bad[pos] ^= 0x01;
        cases.push((format!("byte {pos} flipped"), bad));
    }
    cases.push(("truncated".into(), good[..n * 2 / 3].to_vec()));
    let mut bad = good.clone();
    bad[n / 2] = 0xff;
    cases.push(("not UTF-8".into(), bad));
    for (what, bytes) in cases {
        sb.write("d.encrypted", &bytes);
        let run = sb.run(&["decrypt", "d.encrypted", "--stdout", "--key-file", &kf]);
        run.code(exit_code(Code::Integrity));
        assert!(run.stdout.is_empty(), "{what}: printed on stdout");
        assert!(
            !run.stderr.contains(SECRET) && !contains(&run.stdout, SECRET.as_bytes()),
            "{what}: the secret was printed"
        );
    }
    // The wrong key names both ids.
    let other = sb.key_file("other.key", &test_key(23));
    let run = sb.run(&["decrypt", "--stdout", "--key-file", &other]);
    run.code(exit_code(Code::WrongKey));
    let (want, given) = (test_key(22).id(), test_key(23).id());
    assert!(run.stderr.contains(want.as_str()) && run.stderr.contains(given.as_str()));
}

/// Fernet writes the token as it is made (to stdout, or into the atomic temporary file)
/// and decodes it in place: a larger file round-trips both ways, and a plaintext that
/// does not parse writes nothing.
#[test]
fn a_large_fernet_file_round_trips_and_a_bad_one_writes_nothing() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(24));
    let text = large_env();
    sb.write(".env", &text);
    sb.run(&["encrypt", "--format", "fernet", "--key-file", &kf])
        .ok();
    let token = sb.read(".env.encrypted");
    let out = sb.run(&["decrypt", "--stdout", "--key-file", &kf]);
    out.ok();
    assert!(out.stdout == text.as_bytes(), "the plaintext differs");
    let piped = sb.run(&[
        "encrypt",
        "--format",
        "fernet",
        "--stdout",
        "--key-file",
        &kf,
    ]);
    piped.ok();
    assert_eq!(
        piped.stdout.len(),
        token.len(),
        "same length, other IV and time"
    );
    sb.write("piped.encrypted", &piped.stdout);
    let back = sb.run(&["decrypt", "piped.encrypted", "--stdout", "--key-file", &kf]);
    assert!(back.stdout == text.as_bytes());

    // Not UTF-8 at the end (an unterminated quote is no refusal since issue 14).
    let mut bad = format!("{text}\nBROKEN=caf").into_bytes();
    bad.extend_from_slice(b"\xe9\n");
    sb.write("bad.env", bad);
    sb.run(&[
        "encrypt",
        "bad.env",
        "--format",
        "fernet",
        "--key-file",
        &kf,
    ])
    .code(exit_code(Code::BadInput))
    .no_leak(&[SECRET]);
    assert!(!sb.path("bad.env.encrypted").exists());
    assert!(
        sb.listing().iter().all(|n| !n.ends_with(".tmp")),
        "{:?}",
        sb.listing()
    );
}

/// Encrypting again onto a large output that already holds the plaintext reads it as a
/// stream and leaves it alone; one that does not open with the key given is still
/// refused without --force, as by the whole-file path.
#[test]
fn a_large_up_to_date_output_is_left_alone() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(25));
    sb.write(".env", large_env());
    sb.run(&["encrypt", "--key-file", &kf]).ok();
    let before = sb.read(".env.encrypted");
    let again = sb.run(&["encrypt", "--key-file", &kf]);
    again.ok();
    assert!(again.stderr.contains("up to date"), "{}", again.stderr);
    assert!(sb.read(".env.encrypted") == before);
    let other = sb.key_file("other.key", &test_key(26));
    let refused = sb.run(&["encrypt", "--key-file", &other]);
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    assert!(sb.read(".env.encrypted") == before);
}

/// A full disk (`ulimit -f`, SIGXFSZ ignored so the write fails with EFBIG) while the
/// streamed writers run: exit 6, no output, no temporary file left behind.
#[test]
fn a_full_disk_stops_the_streamed_writers_cleanly() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(27));
    sb.write(".env", large_env());
    sb.run(&[
        "encrypt",
        ".env",
        "-o",
        "sealed.encrypted",
        "--key-file",
        &kf,
    ])
    .ok();
    let listing = sb.listing();
    for args in [
        &["encrypt", ".env", "-o", "new.encrypted"][..],
        &[
            "encrypt",
            ".env",
            "-o",
            "new.encrypted",
            "--format",
            "fernet",
        ][..],
        &["decrypt", "sealed.encrypted", "-o", "plain.env"][..],
    ] {
        let mut c = std::process::Command::new("bash");
        sb.setup(&mut c);
        let out = c
            .arg("-c")
            .arg("trap '' XFSZ; ulimit -f 200; exec \"$0\" \"$@\"")
            .arg(crate::common::bin())
            .args(args)
            .args(["--key-file", &kf])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(exit_code(Code::Io)),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains(SECRET), "{args:?}: the secret was printed");
        assert_eq!(sb.listing(), listing, "{args:?}: files left behind");
    }
}
