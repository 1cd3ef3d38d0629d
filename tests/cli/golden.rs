//! Golden fixtures (`fixtures/dotenv/*.env`): each one round-trips byte for byte through
//! the binary in both formats, and no value (nor the text of a bare key, a line that is
//! not an assignment, or a commented-out assignment) is readable in the v1 output.

use std::fs;

use envseal::dotenv::{self, Kind};

use crate::common::{diff, fixtures, test_key, text_lines, without_tokens, Sandbox};
use crate::common::{exit_code, Code};

/// The topics the fixtures must cover; a missing file fails rather than shrinking the suite.
const EXPECTED: &[&str] = &[
    "already-encrypted.env",
    "blank-lines-only.env",
    "bom.env",
    "comments.env",
    "cr-only.env",
    "crlf.env",
    "duplicates.env",
    "empty-values.env",
    "empty.env",
    "escapes.env",
    "export-and-spacing.env",
    "large-value.env",
    "mixed-endings.env",
    "multiline.env",
    "no-final-newline.env",
    "quotes.env",
    "unicode.env",
];

fn golden_files() -> Vec<(String, Vec<u8>)> {
    let dir = fixtures("dotenv");
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "env"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read(&p).expect("read fixture"))
        })
        .collect();
    files.sort();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for want in EXPECTED {
        assert!(names.contains(want), "fixture {want} is missing");
    }
    files
}

#[test]
fn fixtures_hold_what_their_names_say() {
    let files: std::collections::HashMap<String, Vec<u8>> = golden_files().into_iter().collect();
    let has = |name: &str, needle: &[u8]| crate::common::contains(&files[name], needle);
    let crlf = &files["crlf.env"];
    assert!(
        has("crlf.env", b"\r\n")
            && crlf
                .iter()
                .enumerate()
                .all(|(i, &b)| b != b'\n' || (i > 0 && crlf[i - 1] == b'\r')),
        "crlf.env must use CRLF only (check .gitattributes)"
    );
    assert!(
        !files["cr-only.env"].contains(&b'\n'),
        "cr-only.env must have no LF (check .gitattributes)"
    );
    assert!(has("cr-only.env", b"\r"));
    assert!(has("mixed-endings.env", b"\r\n") && has("mixed-endings.env", b"value\rMIX"));
    assert!(files["bom.env"].starts_with(b"\xef\xbb\xbf"));
    assert!(!files["no-final-newline.env"].ends_with(b"\n"));
    assert!(files["empty.env"].is_empty());
    let large = dotenv::parse_bytes(&files["large-value.env"]).unwrap();
    assert!(large.expose_pairs().any(|(_, v)| v.len() >= 10 * 1024));
    let multi = dotenv::parse_bytes(&files["multiline.env"]).unwrap();
    assert!(
        multi.expose_pairs().any(|(_, v)| {
            let v = v.expose_secret();
            v.contains("\n#") && v.lines().count() > 2
        }),
        "multiline.env needs a multi-line value with a body line starting with #"
    );
}

/// What must not be readable in the v1 output of `bytes`: values (and each line of a
/// multi-line value), and the whole text of bare keys, other lines and commented-out
/// assignments.
pub fn secrets_of(bytes: &[u8]) -> Vec<String> {
    let doc = dotenv::parse_bytes(bytes).expect("fixture parses");
    let mut out = Vec::new();
    for line in &doc.lines {
        match &line.kind {
            Kind::Assignment { .. } => {
                let v = line.expose_value().unwrap().expose_secret().to_owned();
                out.extend(text_lines(v.as_bytes(), 4));
                if v.len() >= 4 {
                    out.push(v);
                }
            }
            Kind::Bare { .. } | Kind::Other => out.push(line.expose_text().trim().to_owned()),
            Kind::Comment if line.is_commented_assignment() => {
                out.push(line.expose_text().trim().to_owned())
            }
            _ => {}
        }
    }
    out.retain(|s| s.len() >= 4);
    out.sort();
    out.dedup();
    out
}

/// A plain comment: the only kind of line, besides blank lines, that v1 keeps readable
/// whole (not one that reads like an assignment, and not one the decoder would take for
/// an encrypted line or a header).
fn stays_readable(line: &dotenv::Line) -> bool {
    let body = line.expose_text().trim_start_matches(dotenv::is_hspace);
    line.kind == Kind::Comment
        && !line.is_commented_assignment()
        && !body.starts_with("#ENC[")
        && !body.starts_with("#envseal:")
}

/// What the v1 body may show outside the ciphertext tokens: blank lines and plain
/// comments as they are, the prefix (`export KEY = `) of each assignment, `#` for every
/// other line, and every line's own terminator. With `--encrypt-comments` no comment
/// stays readable.
pub fn readable_skeleton(plain: &[u8], encrypt_comments: bool) -> String {
    let doc = dotenv::parse_bytes(plain).expect("plaintext parses");
    let mut out = String::new();
    for line in &doc.lines {
        match line.prefix() {
            Some(prefix) => {
                out.push_str(prefix);
                out.push_str("ENC[v1:]");
            }
            None if line.kind == Kind::Blank || (!encrypt_comments && stays_readable(line)) => {
                out.push_str(line.expose_text())
            }
            None => out.push_str("#ENC[v1:]"),
        }
        out.push_str(line.eol.as_str());
    }
    out
}

/// How the v1 text `sealed` of `plain` shows more than it may: a header that is not the
/// three header lines, a body whose text outside the ciphertext tokens is not exactly
/// [`readable_skeleton`], or a secret of 8+ characters anywhere (inside a token body
/// included, where a 4-character one could occur by chance). A secret that is part of
/// the readable skeleton (a value equal to a key name) cannot be told apart and is
/// skipped.
pub fn leaks(plain: &[u8], sealed: &str, encrypt_comments: bool) -> Vec<String> {
    let mut found = Vec::new();
    let header: Vec<&str> = sealed.split_inclusive('\n').take(3).collect();
    let header_len: usize = header.iter().map(|l| l.len()).sum();
    let shape_ok = header.len() == 3
        && header[0].starts_with("#envseal:v1 bom=")
        && header[1].starts_with("#envseal:key ")
        && header[2].starts_with("#envseal:mac ");
    if !shape_ok {
        found.push(format!("not a v1 header: {:?}", header));
        return found;
    }
    let want = readable_skeleton(plain, encrypt_comments);
    let got = without_tokens(&sealed[header_len..]);
    if got != want {
        found.push(format!(
            "text outside the tokens is not the readable skeleton: {}",
            diff(want.as_bytes(), got.as_bytes())
        ));
    }
    for s in secrets_of(plain) {
        if want.contains(s.as_str()) {
            continue;
        }
        if got.contains(s.as_str()) || (s.len() >= 8 && sealed.contains(s.as_str())) {
            found.push(s);
        }
    }
    found
}

/// `extra`: more `encrypt` options (`--encrypt-comments`).
fn round_trip(format: &str, extra: &[&str]) {
    let encrypt_comments = extra.contains(&"--encrypt-comments");
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(1));
    let mut failures = Vec::new();
    for (name, plain) in golden_files() {
        let input = format!("{format}-{name}");
        sb.write(&input, &plain);
        let sealed_name = format!("{input}.encrypted");
        let mut args = vec!["encrypt", &input, "--format", format, "--key-file", &kf];
        args.extend(extra);
        let enc = sb.run(&args);
        if enc.code != exit_code(Code::Ok) {
            failures.push(format!("{name}: encrypt exit {}: {}", enc.code, enc.stderr));
            continue;
        }
        let sealed = sb.read(&sealed_name);
        // v1 goes through a file (-o), fernet through stdout: both paths are used.
        let got = if format == "v1" {
            let out = format!("{input}.out");
            let dec = sb.run(&["decrypt", &sealed_name, "-o", &out, "--key-file", &kf]);
            if dec.code != exit_code(Code::Ok) {
                failures.push(format!("{name}: decrypt exit {}: {}", dec.code, dec.stderr));
                continue;
            }
            sb.read(&out)
        } else {
            let dec = sb.run(&["decrypt", &sealed_name, "--stdout", "--key-file", &kf]);
            if dec.code != exit_code(Code::Ok) {
                failures.push(format!("{name}: decrypt exit {}: {}", dec.code, dec.stderr));
                continue;
            }
            dec.stdout
        };
        if got != plain {
            failures.push(format!(
                "{name} ({format}): not byte-exact: {}",
                diff(&plain, &got)
            ));
        }
        if format == "v1" {
            let text = String::from_utf8(sealed).expect("v1 output is UTF-8");
            failures.extend(v1_shape(&name, &plain, &text, encrypt_comments));
        } else {
            assert!(
                envseal::format::fernet::looks_like(&sealed),
                "{name}: fernet output is not a token"
            );
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The v1 output of a golden fixture: nothing readable beyond the skeleton, and every
/// secret of the fixture is checkable (none is hidden inside readable text by accident).
fn v1_shape(name: &str, plain: &[u8], sealed: &str, encrypt_comments: bool) -> Vec<String> {
    let mut failures: Vec<String> = leaks(plain, sealed, encrypt_comments)
        .into_iter()
        .map(|l| format!("{name}: v1 output leaks {l:?}"))
        .collect();
    let skeleton = readable_skeleton(plain, false);
    for s in secrets_of(plain) {
        if skeleton.contains(s.as_str()) {
            failures.push(format!(
                "{name}: fixture value {s:?} is also readable text (key or comment); change it so the leak check means something"
            ));
        }
    }
    failures
}

#[test]
fn golden_round_trip_v1() {
    round_trip("v1", &[]);
}

#[test]
fn golden_round_trip_v1_encrypt_comments() {
    round_trip("v1", &["--encrypt-comments"]);
}

#[test]
fn golden_round_trip_fernet() {
    round_trip("fernet", &[]);
}

#[test]
fn leak_check_can_fail() {
    // The checker itself must see values left in, a whole line left readable, and a
    // secret hidden in a token.
    let plain = b"A=visible-value\n#OLD=old-secret\nBARE_THING\n# note\n";
    let header = "#envseal:v1 bom=0\n#envseal:key x\n#envseal:mac y\n";
    let good = format!("{header}A=ENC[v1:abc]\n#ENC[v1:def]\n#ENC[v1:ghi]\n# note\n");
    assert_eq!(leaks(plain, &good, false), Vec::<String>::new());
    let value_left = good.replace("A=ENC[v1:abc]", "A=visible-value");
    assert!(leaks(plain, &value_left, false).contains(&"visible-value".to_owned()));
    let line_left = good.replace("#ENC[v1:ghi]", "BARE_THING");
    assert!(leaks(plain, &line_left, false).contains(&"BARE_THING".to_owned()));
    let in_token = good.replace("ENC[v1:abc]", "ENC[v1:visible-value]");
    assert!(leaks(plain, &in_token, false).contains(&"visible-value".to_owned()));
    let comment_dropped = good.replace("# note\n", "");
    assert!(!leaks(plain, &comment_dropped, false).is_empty());
    // With --encrypt-comments even a plain comment must not be readable.
    assert!(!leaks(plain, &good, true).is_empty());
}
