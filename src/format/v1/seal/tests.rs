use super::*;
use crate::format::v1::{decrypt, encrypt};
use proptest::prelude::*;
use std::io::Write;

fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    f.flush().unwrap();
    f
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// Stream-encrypt `bytes` into memory.
fn stream(
    bytes: &[u8],
    key: &Key,
    opts: Options,
    chunk_size: usize,
    workers: usize,
) -> Result<(String, Sealed), StreamError> {
    let f = file_with(bytes);
    let mut parts = Parts::default();
    let mut give_key = || Ok(key.clone());
    let sealed = encrypt_stream_with(
        f.as_file(),
        opts,
        now(),
        &mut give_key,
        &mut parts,
        None,
        chunk_size,
        workers,
    )?;
    assert!(!parts.0.is_empty());
    Ok((parts.0.concat(), sealed))
}

/// The output with every token replaced by `ENC[]` (tokens are random).
fn shape_of(sealed: &str) -> Vec<String> {
    crate::dotenv::eol::Lines::new(sealed)
        .map(|l| {
            let mut out = String::new();
            let mut rest = l;
            while let Some(i) = rest.find(TOKEN_OPEN) {
                out.push_str(&rest[..i]);
                out.push_str("ENC[]");
                let end = rest[i..].find(']').map_or(rest.len(), |j| i + j + 1);
                rest = &rest[end..];
            }
            out.push_str(rest);
            out
        })
        .collect()
}

/// The streamed file decrypts (so its MAC is the one `compute_mac` defines) to the
/// input byte for byte, and has the whole-file encoder's lines, token for token.
fn check_against_whole_file(bytes: &[u8], opts: Options, chunk_size: usize, workers: usize) {
    let key = Key::from_bytes([11; 32]);
    let doc = dotenv::parse_bytes(bytes);
    let streamed = stream(bytes, &key, opts, chunk_size, workers);
    match (doc, streamed) {
        (Ok(doc), Ok((sealed, stats))) => {
            let opened = decrypt(&sealed, &key).expect("streamed output decrypts");
            assert_eq!(opened.plaintext.as_bytes(), bytes);
            let mut r = |b: &mut [u8]| crate::format::os_random(b);
            let whole = encrypt(&doc, &key, None, opts, now(), &mut r).unwrap();
            let (a, b) = (shape_of(&sealed), shape_of(&whole));
            // The key slot differs (its wrap is random); everything else has one shape.
            assert_eq!(a.len(), b.len());
            for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                if i == 1 {
                    assert!(x.starts_with("#envseal:key type=master kid="));
                } else if i != 2 {
                    assert_eq!(x, y, "line {i}");
                }
            }
            assert_eq!(stats.lines, doc.lines.len());
            assert_eq!(
                stats.values,
                doc.lines
                    .iter()
                    .filter(|l| l.expose_raw_value().is_some())
                    .count()
            );
        }
        (Err(a), Err(StreamError::Parse(b))) => assert_eq!(a, b),
        (a, b) => panic!("whole {:?}, streamed {:?}", a.map(|_| ()), b.map(|_| ())),
    }
}

const EVERY_SHAPE: &str = "\u{feff}# plain\r\nA=1\r\nexport B = 'two' # c\n\n  \nBARE\n\
    not assignment\n#OLD_PASSWORD=x\n'q k'=v\nM=\"multi\nline\"\nT=`back\ntick`\r\
    # ENC[v1:not a token]\n#envseal:v1 x\nLAST=no newline";

#[test]
fn streamed_output_matches_the_whole_file_encoder() {
    for opts in [
        Options::default(),
        Options {
            encrypt_comments: true,
        },
    ] {
        for chunk_size in [1, 2, 7, 64, CHUNK_SIZE] {
            for workers in [1, 2, 3] {
                check_against_whole_file(EVERY_SHAPE.as_bytes(), opts, chunk_size, workers);
                check_against_whole_file(b"", opts, chunk_size, workers);
                check_against_whole_file("\u{feff}".as_bytes(), opts, chunk_size, workers);
            }
        }
    }
}

#[test]
fn a_large_file_round_trips_on_two_threads() {
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!("# c {i}\nK_{i}=v{i}\r\nM_{i}=\"a\nb{i}\"\n"));
    }
    // Long lines, one quoted over several lines.
    text.push_str(&format!("LONG={}\n", "x".repeat(3 * 64 * 1024)));
    text.push_str(&format!(
        "Q=\"{}\n{}\"\n#{}\n",
        "y".repeat(64 * 1024),
        "z".repeat(7),
        "c".repeat(64 * 1024)
    ));
    let key = Key::from_bytes([12; 32]);
    let (sealed, stats) = stream(text.as_bytes(), &key, Options::default(), 4096, 2).unwrap();
    assert_eq!(stats.lines, 60_003);
    assert_eq!(decrypt(&sealed, &key).unwrap().plaintext.as_str(), text);
}

#[test]
fn parse_errors_come_first_and_name_the_position() {
    let key = Key::from_bytes([1; 32]);
    for bytes in [&b"A=1\nB=caf\xe9\n"[..], b"\xef\xbb\xbf\xff"] {
        let f = file_with(bytes);
        let mut asked = false;
        let mut give_key = || {
            asked = true;
            Ok::<_, std::convert::Infallible>(key.clone())
        };
        let mut parts = Parts::default();
        let err = encrypt_stream_with(
            f.as_file(),
            Options::default(),
            now(),
            &mut give_key,
            &mut parts,
            None,
            3,
            2,
        )
        .unwrap_err();
        let StreamError::Parse(err) = err else {
            panic!("expected a parse error, got {err:?}");
        };
        assert_eq!(err, dotenv::parse_bytes(bytes).unwrap_err());
        assert!(
            !asked,
            "the key is looked for only after the plaintext parsed"
        );
        assert!(parts.0.is_empty(), "nothing written");
    }
}

#[test]
fn a_key_error_is_passed_on() {
    let f = file_with(b"A=1\n");
    let mut no_key = || Err::<Key, _>("no key here");
    let mut parts = Parts::default();
    let err = encrypt_stream(
        f.as_file(),
        Options::default(),
        now(),
        &mut no_key,
        &mut parts,
        None,
    )
    .unwrap_err();
    assert!(matches!(err, StreamError::Key("no key here")));
    assert!(parts.0.is_empty());
}

#[test]
fn file_sink_writes_the_same_bytes() {
    let key = Key::from_bytes([13; 32]);
    let input = file_with(EVERY_SHAPE.as_bytes());
    let mut out = tempfile::tempfile().unwrap();
    let mut give_key = || Ok::<_, std::convert::Infallible>(key.clone());
    encrypt_stream_with(
        input.as_file(),
        Options::default(),
        now(),
        &mut give_key,
        &mut FileSink(&mut out),
        None,
        5,
        2,
    )
    .unwrap();
    let mut sealed = String::new();
    out.rewind().unwrap();
    io::Read::read_to_string(&mut out, &mut sealed).unwrap();
    assert_eq!(
        decrypt(&sealed, &key).unwrap().plaintext.as_str(),
        EVERY_SHAPE
    );
}

#[test]
fn parts_set_mac_finds_its_offset_in_any_part() {
    let mut p = Parts(vec!["ab".into(), "cdXXf".into(), "g".into()]);
    p.set_mac(4, "de").unwrap();
    assert_eq!(p.0.concat(), "abcddefg");
    assert!(p.set_mac(6, "zz").is_err(), "across two pieces");
    assert!(p.set_mac(8, "z").is_err(), "past the end");
    p.set_mac(7, "h").unwrap();
    assert_eq!(p.0.concat(), "abcddefh");
}

#[test]
fn sealed_len_is_exact() {
    let doc = dotenv::parse(EVERY_SHAPE).unwrap();
    let key = [5u8; 32];
    let mut sealer = ValueSealer::new(&key);
    for opts in [
        Options::default(),
        Options {
            encrypt_comments: true,
        },
    ] {
        for line in &doc.lines {
            let line = line.as_line_ref();
            let mut out = String::new();
            seal_line(&mut out, &line, opts, &mut |out, name, plain| {
                sealer.seal(out, name, plain, &[0; 12])
            })
            .unwrap();
            assert_eq!(out.len(), sealed_len(&line, opts), "{:?}", line.number);
        }
    }
    for n in 0..50 {
        assert_eq!(
            token_len(n),
            TOKEN_OPEN.len() + B64.encode(vec![0; 28 + n]).len() + 1
        );
    }
}

mod props {
    use super::*;

    /// The shared dotenv generator (`crate::dotenv::arbitrary`).
    fn text() -> impl Strategy<Value = String> {
        crate::dotenv::arbitrary::dotenv_text_of(0..60)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(150))]
        #[test]
        fn streamed_encryption_round_trips(
            t in text(),
            chunk_size in 1usize..40,
            workers in 1usize..4,
            encrypt_comments in any::<bool>(),
        ) {
            check_against_whole_file(t.as_bytes(), Options { encrypt_comments }, chunk_size, workers);
        }
    }
}

/// Every dotenv file of the crate's fixtures and of the shared corpus (when it is there,
/// next to the crate), streamed in tiny pieces on two threads: the whole-file encoder's
/// lines, a byte-exact round trip, the same parse errors.
#[test]
fn fixture_and_corpus_files_stream_like_the_whole_file_encoder() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for dir in [
        root.join("fixtures/dotenv"),
        root.join("../shared/corpus/dotenv"),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "env") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            if crate::format::detect(&bytes).is_some() {
                continue; // refused before parsing
            }
            for chunk_size in [1, 16, CHUNK_SIZE] {
                check_against_whole_file(&bytes, Options::default(), chunk_size, 2);
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "expected the fixtures in {root:?}");
}

/// Issue 11: the sealer reports every unterminated quote of the input, in file order and
/// at the positions the whole-file check gives, whatever the piece size and number of
/// workers (so the encrypt command need not read the file again to warn).
#[test]
fn stream_reports_the_unterminated_quotes_in_file_order() {
    let key = Key::from_bytes([5; 32]);
    // A quote a later one of its kind would close is no warning: one of each kind, late,
    // after lines enough to make many pieces.
    let mut text = String::from("\u{feff}");
    for i in 0..200 {
        text.push_str(&format!("A_{i}=1\n"));
    }
    text.push_str("  export O_1 = \"open\r\n");
    for i in 0..50 {
        text.push_str(&format!("B_{i}=2\n"));
    }
    text.push_str("P_1='é open\n");
    for i in 0..30 {
        text.push_str(&format!("C_{i}=3\r"));
    }
    let want = dotenv::unterminated_quotes(text.as_bytes());
    assert_eq!(
        want.iter()
            .map(|w| (w.line(), w.column()))
            .collect::<Vec<_>>(),
        [(201, 16), (252, 5)]
    );
    for (chunk, workers) in [(64, 3), (1000, 2), (CHUNK_SIZE, 1)] {
        let (_, sealed) =
            stream(text.as_bytes(), &key, Options::default(), chunk, workers).expect("encrypts");
        assert_eq!(
            sealed.unterminated, want,
            "chunk {chunk}, {workers} workers"
        );
    }
}

/// Records what a [`Tap`] is shown.
#[derive(Default)]
struct Seen {
    began: Option<(crate::key::KeyId, u64, bool, usize)>,
    plain: String,
    lines: Vec<(String, dotenv::Eol, dotenv::Kind)>,
}

impl Tap for Seen {
    fn begin(&mut self, key: &Key, len: u64, bom: bool, lines: usize) -> Arc<LineFn> {
        assert!(self.began.is_none() && self.plain.is_empty());
        self.began = Some((key.id(), len, bom, lines));
        // The line's length and terminator, computed by the sealing threads.
        Arc::new(|text, eol, _| {
            let mut out = [0u8; 32];
            out[..8].copy_from_slice(&(text.len() as u64).to_be_bytes());
            out[8] = eol.as_str().len() as u8;
            out
        })
    }

    fn piece(&mut self, plain: &str, lines: &[LineSpan], per_line: &[[u8; 32]]) {
        assert!(self.began.is_some(), "begin comes first");
        assert_eq!(lines.len(), per_line.len());
        self.plain.push_str(plain);
        for (l, known) in lines.iter().zip(per_line) {
            assert_eq!(known[..8], (l.len as u64).to_be_bytes());
            assert_eq!(usize::from(known[8]), l.eol.as_str().len());
        }
        for l in lines {
            self.lines.push((
                plain[l.start..l.start + l.len].to_owned(),
                l.eol,
                l.kind.clone(),
            ));
        }
    }
}

/// What a [`Seen`] tap is shown by a streamed encryption of `text` in pieces of `chunk`
/// bytes on `workers` sealing threads.
fn tapped(text: &str, key: &Key, chunk: usize, workers: usize) -> Seen {
    let f = file_with(text.as_bytes());
    let mut give_key = || Ok::<_, std::convert::Infallible>(key.clone());
    let mut seen = Seen::default();
    encrypt_stream_with(
        f.as_file(),
        Options::default(),
        now(),
        &mut give_key,
        &mut Parts::default(),
        Some(&mut seen),
        chunk,
        workers,
    )
    .unwrap();
    seen
}

/// The lines the whole-file parser reads, as a [`Seen`] tap records them.
fn parsed_lines(doc: &dotenv::Document) -> Vec<(String, dotenv::Eol, dotenv::Kind)> {
    doc.lines
        .iter()
        .map(|l| (l.expose_text().to_owned(), l.eol, l.kind.clone()))
        .collect()
}

/// A tap sees the whole plaintext, in order, and exactly the lines the whole-file
/// parser reads (text, terminator, kind), whatever the piece size and thread count: the
/// streamed encrypt's sync record fingerprints what it was shown.
#[test]
fn a_tap_is_shown_every_line_in_order_as_the_parser_reads_it() {
    let key = Key::from_bytes([21; 32]);
    let no_bom = EVERY_SHAPE.trim_start_matches('\u{feff}');
    for text in [EVERY_SHAPE, no_bom, "", "\u{feff}", "A=1"] {
        let doc = dotenv::parse(text).unwrap();
        for (chunk, workers) in [(1, 1), (5, 2), (64, 3), (1 << 20, 2)] {
            let seen = tapped(text, &key, chunk, workers);
            let began = Some((key.id(), text.len() as u64, doc.bom, doc.lines.len()));
            assert_eq!(seen.began, began);
            assert_eq!(seen.plain, text.strip_prefix('\u{feff}').unwrap_or(text));
            assert_eq!(
                seen.lines,
                parsed_lines(&doc),
                "chunk {chunk}, workers {workers}"
            );
        }
    }
}

/// [`a_tap_is_shown_every_line_in_order_as_the_parser_reads_it`] for generated files.
mod tap_props {
    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(100))]
        #[test]
        fn a_tap_sees_the_parsers_lines(
            t in crate::dotenv::arbitrary::dotenv_text_of(0..40),
            chunk in 1usize..40,
            workers in 1usize..4,
        ) {
            let key = Key::from_bytes([22; 32]);
            let parsed = dotenv::parse(&t);
            prop_assume!(parsed.is_ok());
            let doc = parsed.unwrap();
            let seen = tapped(&t, &key, chunk, workers);
            let began = Some((key.id(), t.len() as u64, doc.bom, doc.lines.len()));
            prop_assert_eq!(seen.began, began);
            prop_assert_eq!(seen.plain.as_str(), t.strip_prefix('\u{feff}').unwrap_or(&t));
            prop_assert_eq!(seen.lines, parsed_lines(&doc));
        }
    }
}

/// A tapped encryption that fails before the key is known (a parse error, a key
/// error) returns its error: the sealing threads waiting for the tap's per-line
/// function are released, not left waiting forever.
#[test]
fn a_tapped_encryption_failing_before_the_key_returns() {
    let key = Key::from_bytes([23; 32]);
    for (bytes, key_given) in [
        (&b"A=1\nB=2\nC=3\n"[..], false),
        (b"A=1\nB=caf\xe9\n", true),
    ] {
        let f = file_with(bytes);
        let mut give_key = || {
            if key_given {
                Ok(key.clone())
            } else {
                Err("no key")
            }
        };
        let mut seen = Seen::default();
        let err = encrypt_stream_with(
            f.as_file(),
            Options::default(),
            now(),
            &mut give_key,
            &mut Parts::default(),
            Some(&mut seen),
            2,
            2,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            StreamError::Key("no key") | StreamError::Parse(_)
        ));
        assert!(seen.began.is_none());
    }
}
