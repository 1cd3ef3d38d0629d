//! Every error path the binary has today: the documented exit code, and neither stdout
//! nor stderr ever holds a secret value or key text.

use envseal::key::Key;

use crate::common::{exit_code, Code};
use crate::common::{position_after, test_key, Run, Sandbox};

const V1: &str = "S3CR3T-VALUE-0xDEADBEEF";
const V2: &str = "hunter2-S3CR3T-0xC0FFEE";
const BODY: &str = "#S3CR3T-BODY-LINE-0xFACE";
const OLD: &str = "S3CR3T-OLD-0xBEEFCAFE";
const MALFORMED_KEY: &str = "not-a-key-S3CR3T-0xBADC0FFEE";

fn plaintext() -> String {
    format!("# settings\nAPI_KEY={V1}\nexport DB_PASS=\"{V2}\"\nCERT='first\n{BODY}\nlast'\n#OLD_PASSWORD={OLD}\n")
}

/// A sandbox with `.env`, its v1 encryption under `key` and the key file `k.key`.
struct Setup {
    sb: Sandbox,
    key: Key,
}

impl Setup {
    fn new() -> Setup {
        let sb = Sandbox::new();
        let key = test_key(0xd5);
        sb.key_file("k.key", &key);
        sb.write(".env", plaintext());
        sb.run(&["encrypt", "--key-file", "k.key"]).ok();
        assert!(sb.path(".env.encrypted").exists());
        Setup { sb, key }
    }

    fn key_text(&self) -> String {
        self.key.expose_text().to_string()
    }

    /// Run, check the exit code, check nothing secret came out.
    fn expect(&self, code: i32, args: &[&str], env: &[(&str, &str)]) -> Run {
        let run = self.sb.run_env(args, env);
        run.code(code);
        let key = self.key_text();
        run.no_leak(&[V1, V2, BODY, OLD, MALFORMED_KEY, &key]);
        // Not even the unpadded key text, or a chunk of it.
        run.no_leak(&[&key[..20], &key[20..40]]);
        assert!(!run.stderr.is_empty(), "`{}` failed silently", run.what);
        run
    }
}

#[test]
fn no_key_anywhere_is_exit_3() {
    let s = Setup::new();
    let run = s.expect(exit_code(Code::KeyMissing), &["decrypt", "--stdout"], &[]);
    assert!(
        run.stderr.contains(s.key.id().as_str()),
        "the message names the key the file needs: {}",
        run.stderr
    );
    assert!(run.stderr.contains("SECRETS_MASTER_KEY"), "{}", run.stderr);
    s.expect(
        exit_code(Code::KeyMissing),
        &["encrypt", "-o", "fresh.encrypted"],
        &[],
    );
    assert!(!s.sb.path("fresh.encrypted").exists());
    // An empty variable is no key either.
    s.expect(
        exit_code(Code::KeyMissing),
        &["decrypt", "--stdout"],
        &[("SECRETS_MASTER_KEY", "")],
    );
}

#[test]
fn wrong_key_is_exit_4_and_names_both_ids() {
    let s = Setup::new();
    let other = test_key(0x77);
    s.sb.key_file("other.key", &other);
    let run = s.expect(
        exit_code(Code::WrongKey),
        &["decrypt", "--stdout", "--key-file", "other.key"],
        &[],
    );
    assert!(run.stderr.contains(s.key.id().as_str()), "{}", run.stderr);
    assert!(run.stderr.contains(other.id().as_str()), "{}", run.stderr);
    // Same through the environment, and for a Fernet file.
    let other_text = other.expose_text().to_string();
    let run = s.expect(
        exit_code(Code::WrongKey),
        &["decrypt", "--stdout"],
        &[("SECRETS_MASTER_KEY", &other_text)],
    );
    run.no_leak(&[&other_text]);
    s.sb.run(&[
        "encrypt",
        "-o",
        "f.encrypted",
        "--format",
        "fernet",
        "--key-file",
        "k.key",
    ])
    .ok();
    s.expect(
        exit_code(Code::WrongKey),
        &[
            "decrypt",
            "f.encrypted",
            "--stdout",
            "--key-file",
            "other.key",
        ],
        &[],
    );
}

#[test]
fn tampered_is_exit_5() {
    let s = Setup::new();
    let mut bytes = s.sb.read(".env.encrypted");
    let at = bytes.len() - 10;
    bytes[at] ^= 0x01;
    s.sb.write(".env.encrypted", &bytes);
    s.expect(
        exit_code(Code::Integrity),
        &["decrypt", "--stdout", "--key-file", "k.key"],
        &[],
    );
    s.expect(
        exit_code(Code::Integrity),
        &["decrypt", "-o", "out.env", "--key-file", "k.key"],
        &[],
    );
    assert!(!s.sb.path("out.env").exists());
}

#[test]
fn missing_input_is_exit_6() {
    let s = Setup::new();
    s.expect(
        exit_code(Code::Io),
        &["encrypt", "nope.env", "--key-file", "k.key"],
        &[],
    );
    s.expect(
        exit_code(Code::Io),
        &[
            "decrypt",
            "nope.encrypted",
            "--stdout",
            "--key-file",
            "k.key",
        ],
        &[],
    );
    // A missing key file is an I/O error too, not "no key".
    s.expect(
        exit_code(Code::Io),
        &["decrypt", "--stdout", "--key-file", "missing.key"],
        &[],
    );
}

#[test]
fn unusable_input_is_exit_7_with_a_position() {
    let s = Setup::new();
    // Line 3, column 11: the byte 0xff inside a value.
    let mut bad = format!("A={V1}\n# c\nB=S3CR3T-X").into_bytes();
    bad.push(0xff);
    bad.extend_from_slice(format!("{V2}\n").as_bytes());
    s.sb.write("bad.env", &bad);
    let run = s.expect(
        exit_code(Code::BadInput),
        &["encrypt", "bad.env", "--key-file", "k.key"],
        &[],
    );
    assert_eq!(
        position_after(&run.stderr, "bad.env"),
        Some((3, 11)),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("S3CR3T-X"));
    assert!(!s.sb.path("bad.env.encrypted").exists());

    // An unterminated quote is no longer refused (issue 14): see
    // dialects::an_unterminated_quote_is_encrypted_whole_with_a_positioned_warning.

    // Already encrypted: refused, whichever format.
    s.expect(
        exit_code(Code::BadInput),
        &[
            "encrypt",
            ".env.encrypted",
            "-o",
            "twice",
            "--key-file",
            "k.key",
        ],
        &[],
    );
    s.sb.run(&[
        "encrypt",
        "-o",
        "f.tok",
        "--format",
        "fernet",
        "--key-file",
        "k.key",
    ])
    .ok();
    s.expect(
        exit_code(Code::BadInput),
        &["encrypt", "f.tok", "-o", "twice", "--key-file", "k.key"],
        &[],
    );
    assert!(!s.sb.path("twice").exists());

    // Not an encrypted file.
    s.expect(
        exit_code(Code::BadInput),
        &["decrypt", ".env", "--stdout", "--key-file", "k.key"],
        &[],
    );
}

#[test]
fn existing_different_output_is_exit_8_and_untouched() {
    let s = Setup::new();
    // encrypt over a file that is not ours.
    s.sb.write("taken", "precious, not encrypted\n");
    s.expect(
        exit_code(Code::Refused),
        &["encrypt", "-o", "taken", "--key-file", "k.key"],
        &[],
    );
    assert_eq!(s.sb.read("taken"), b"precious, not encrypted\n");
    // encrypt over a file under another key.
    let other = test_key(0x42);
    s.sb.key_file("other.key", &other);
    s.sb.run(&[
        "encrypt",
        "-o",
        "other.encrypted",
        "--key-file",
        "other.key",
    ])
    .ok();
    let before = s.sb.read("other.encrypted");
    s.expect(
        exit_code(Code::Refused),
        &["encrypt", "-o", "other.encrypted", "--key-file", "k.key"],
        &[],
    );
    assert_eq!(s.sb.read("other.encrypted"), before);
    // decrypt over an edited plaintext.
    s.sb.write(".env", format!("API_KEY={V1}-edited-locally\n"));
    s.expect(
        exit_code(Code::Refused),
        &["decrypt", "--key-file", "k.key"],
        &[],
    );
    assert_eq!(
        s.sb.read(".env"),
        format!("API_KEY={V1}-edited-locally\n").as_bytes()
    );
    // With --force both go through.
    s.sb.run(&["decrypt", "--force", "--key-file", "k.key"])
        .ok();
    assert_eq!(s.sb.read(".env"), plaintext().as_bytes());
    s.sb.run(&["encrypt", "-o", "taken", "--force", "--key-file", "k.key"])
        .ok();
    assert!(s.sb.read("taken").starts_with(b"#envseal:v1 "));
}

#[test]
fn usage_errors_are_exit_2() {
    let s = Setup::new();
    s.expect(
        exit_code(Code::Usage),
        &["decrypt", "--stdout", "--key-id", "S3CR3T-not-an-id"],
        &[],
    );
    s.expect(
        exit_code(Code::Usage),
        &["encrypt", "-o", "x.encrypted", "--key-id", "sha256:XYZ"],
        &[],
    );
    // Decrypting a file not named *.encrypted has no default output.
    s.sb.run(&["encrypt", "-o", "plain.tok", "--key-file", "k.key"])
        .ok();
    s.expect(
        exit_code(Code::Usage),
        &["decrypt", "plain.tok", "--key-file", "k.key"],
        &[],
    );
    // Unknown flag; a key on the command line is not an option.
    s.expect(exit_code(Code::Usage), &["decrypt", "--key", V1], &[]);
}

#[test]
fn malformed_keys_are_refused_without_echo() {
    let s = Setup::new();
    let run = s.expect(
        exit_code(Code::KeyMissing),
        &["decrypt", "--stdout"],
        &[("SECRETS_MASTER_KEY", MALFORMED_KEY)],
    );
    assert!(run.stderr.contains("SECRETS_MASTER_KEY"), "{}", run.stderr);
    // The per-environment variable wins over the generic one, and is checked too.
    s.sb.write(".env.production", plaintext());
    let key_text = s.key_text();
    let run = s.expect(
        exit_code(Code::KeyMissing),
        &["encrypt", ".env.production"],
        &[
            ("SECRETS_MASTER_KEY_PRODUCTION", MALFORMED_KEY),
            ("SECRETS_MASTER_KEY", &key_text),
        ],
    );
    assert!(
        run.stderr.contains("SECRETS_MASTER_KEY_PRODUCTION"),
        "{}",
        run.stderr
    );
    s.sb.write("bad.key", format!("{MALFORMED_KEY}\n"));
    s.expect(
        exit_code(Code::KeyMissing),
        &["decrypt", "--stdout", "--key-file", "bad.key"],
        &[],
    );
    // A key one character short (a copy-paste slip) is refused the same way.
    s.sb.write("short.key", &key_text[..42]);
    s.expect(
        exit_code(Code::KeyMissing),
        &["decrypt", "--stdout", "--key-file", "short.key"],
        &[],
    );
}
