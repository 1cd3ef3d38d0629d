use super::*;
use crate::dotenv::{self, Eol, Kind};
use crate::format::v1::seal::Parts;
use crate::format::v1::{decrypt, encrypt};
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use std::collections::HashSet;
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

fn key() -> Key {
    Key::from_bytes([7; 32])
}

/// `old` encrypted by the whole-file encoder.
fn previous(old: &str, opts: Options) -> String {
    let doc = dotenv::parse(old).unwrap();
    let mut r = |b: &mut [u8]| crate::format::os_random(b);
    encrypt(&doc, &key(), None, opts, now(), &mut r).unwrap()
}

/// `new` re-encrypted as a stream over `prev`.
fn restream(
    new: &str,
    prev: &str,
    opts: Options,
    sizes: Sizes,
) -> Result<(String, Resealed), RestreamError> {
    let (input, old) = (file_with(new.as_bytes()), file_with(prev.as_bytes()));
    let mut parts = Parts::default();
    let k = key();
    let done = reencrypt_stream(
        input.as_file(),
        old.as_file(),
        &[&k],
        opts,
        &mut parts,
        None,
        None,
        sizes,
    )?;
    Ok((parts.0.concat(), done))
}

/// Per body line of `sealed`: the line when its token comes from `prev`, else `None`.
fn reused_lines(sealed: &str, prev: &str) -> Vec<Option<String>> {
    let tokens: HashSet<&str> = body(prev).iter().filter_map(|l| token_of(l)).collect();
    body(sealed)
        .iter()
        .map(|l| {
            token_of(l)
                .filter(|t| tokens.contains(t))
                .map(|_| l.to_string())
        })
        .collect()
}

fn body(sealed: &str) -> Vec<&str> {
    crate::dotenv::eol::Lines::new(sealed)
        .skip_while(|l| l.starts_with("#envseal:"))
        .collect()
}

/// A line's token (a real one: a nonce, a tag and base64 only; a kept comment may
/// show `ENC[v1:` too).
fn token_of(line: &str) -> Option<&str> {
    let at = line.rfind("ENC[v1:")?;
    let end = line[at..].find(']')? + at + 1;
    let b64 = &line[at + "ENC[v1:".len()..end - 1];
    let real = b64.len() >= 38
        && b64
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    real.then_some(&line[at..end])
}

/// The edits a case applies to the previous plaintext's logical lines.
#[derive(Clone, Copy, Debug)]
enum Edit {
    Keep,
    Drop,
    /// A copy of another line (moved, or repeated).
    Copy(usize),
    /// The value of an assignment changed in place (another line is kept as it is).
    Change,
    /// A new line.
    Insert,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        8 => Just(Edit::Keep),
        1 => Just(Edit::Drop),
        1 => any::<usize>().prop_map(Edit::Copy),
        1 => Just(Edit::Change),
        1 => Just(Edit::Insert),
    ]
}

/// `old` with `edits` applied to its logical lines (`None` when it does not parse).
fn edited(old: &str, edits: &[Edit]) -> Option<String> {
    let doc = dotenv::parse(old).ok()?;
    let lines: Vec<(String, Eol, Option<String>)> = doc
        .lines
        .iter()
        .map(|l| {
            let key = match &l.kind {
                Kind::Assignment { key, .. } => Some(l.expose_text()[key.clone()].to_owned()),
                _ => None,
            };
            (l.expose_text().to_owned(), l.eol, key)
        })
        .collect();
    let mut out: Vec<String> = Vec::new();
    let mut push = |text: &str, eol: Eol| {
        let eol = if eol == Eol::None { "\n" } else { eol.as_str() };
        out.push(format!("{text}{eol}"));
    };
    let mut edits = edits.iter().cycle();
    for (n, (text, eol, key)) in lines.iter().enumerate() {
        match edits.next().copied().unwrap_or(Edit::Keep) {
            Edit::Keep => push(text, *eol),
            Edit::Drop => {}
            Edit::Copy(i) => {
                push(text, *eol);
                let (t, e, _) = &lines[i % lines.len()];
                push(t, *e);
            }
            Edit::Change => match key {
                Some(k) if !k.is_empty() => push(&format!("{k}=changed{n}"), *eol),
                _ => push(text, *eol),
            },
            Edit::Insert => {
                push(&format!("INSERTED_{n}=new{n}"), Eol::Lf);
                push(text, *eol);
            }
        }
    }
    let bom = if doc.bom { "\u{feff}" } else { "" };
    Some(format!("{bom}{}", out.concat()))
}

/// The streamed re-encryption of `new` over `old`'s encryption decrypts to `new`, keeps
/// the header's slot lines, and (with the whole file within reach) keeps exactly the
/// tokens the whole-file re-encryption keeps, on the same lines.
fn check(old: &str, new: &str, opts: Options, sizes: Sizes) {
    let Ok(doc) = dotenv::parse(new) else {
        return;
    };
    let prev = previous(old, opts);
    let (sealed, done) = restream(new, &prev, opts, sizes).expect("re-encrypts");
    let opened = decrypt(&sealed, &key()).expect("the streamed output decrypts");
    assert_eq!(opened.plaintext.as_str(), new);
    let slots = |t: &str| {
        crate::dotenv::eol::Lines::new(t)
            .filter(|l| l.starts_with("#envseal:key "))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(slots(&sealed), slots(&prev), "the slot lines are kept");
    assert_eq!(done.unchanged, old == new);
    assert_eq!(done.lines, doc.lines.len());
    let streamed = reused_lines(&sealed, &prev);
    assert_eq!(done.reused, streamed.iter().filter(|l| l.is_some()).count());
    if sizes.reach >= doc.lines.len() + dotenv::parse(old).unwrap().lines.len() {
        let before = decrypt(&prev, &key()).unwrap();
        let mut r = |b: &mut [u8]| crate::format::os_random(b);
        let whole = encrypt(&doc, &key(), Some(&before), opts, now(), &mut r).unwrap();
        assert_eq!(streamed, reused_lines(&whole, &prev));
        if old == new {
            assert_eq!(sealed, prev, "an unchanged file is written byte for byte");
        }
    }
}

mod props {
    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Against today's whole-file re-encryption, at every chunk size (tiny ones put
        /// chunk boundaries everywhere, in both files).
        #[test]
        fn streamed_reencryption_keeps_the_whole_file_reencryptions_tokens(
            old in crate::dotenv::arbitrary::dotenv_file_of(0..40),
            edits in prop::collection::vec(edit(), 1..12),
            old_chunk in 1usize..200,
            new_chunk in 1usize..200,
            encrypt_comments in any::<bool>(),
        ) {
            prop_assume!(dotenv::parse(&old).is_ok());
            let new = edited(&old, &edits).unwrap();
            let sizes = Sizes { old_chunk, new_chunk, reach: REACH };
            check(&old, &new, Options { encrypt_comments }, sizes);
        }

        /// With a reach shorter than the file, moved lines may get fresh tokens, but the
        /// output still decrypts to the new plaintext.
        #[test]
        fn a_short_reach_costs_diff_size_never_correctness(
            old in crate::dotenv::arbitrary::dotenv_file_of(0..40),
            edits in prop::collection::vec(edit(), 1..12),
            old_chunk in 1usize..100,
            reach in 1usize..4,
        ) {
            prop_assume!(dotenv::parse(&old).is_ok());
            let new = edited(&old, &edits).unwrap();
            let sizes = Sizes { old_chunk, new_chunk: 64, reach };
            check(&old, &new, Options::default(), sizes);
        }

        /// Any dotenv text over any other (few tokens to keep, every parse quirk).
        #[test]
        fn any_text_over_any_text(
            old in crate::dotenv::arbitrary::dotenv_text_of(0..40),
            new in crate::dotenv::arbitrary::dotenv_text_of(0..40),
            old_chunk in 1usize..64,
            new_chunk in 1usize..64,
        ) {
            prop_assume!(dotenv::parse(&old).is_ok());
            let sizes = Sizes { old_chunk, new_chunk, reach: REACH };
            check(&old, &new, Options::default(), sizes);
            check(&old, &old, Options::default(), sizes);
        }
    }
}

/// One changed value of a thousand: that line and the MAC line differ, nothing else.
#[test]
fn a_one_value_edit_changes_two_lines() {
    let old: String = (0..1000).map(|i| format!("KEY_{i}=value-{i}\n")).collect();
    let new = old.replace("KEY_500=value-500\n", "KEY_500=value-500X\n");
    let prev = previous(&old, Options::default());
    for old_chunk in [7, 4096, OLD_CHUNK] {
        let sizes = Sizes {
            old_chunk,
            new_chunk: 1000,
            reach: REACH,
        };
        let (sealed, done) = restream(&new, &prev, Options::default(), sizes).unwrap();
        let differ = sealed
            .lines()
            .zip(prev.lines())
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(differ, 2, "the value's line and the MAC line");
        assert_eq!(done.reused, 999);
        assert!(!done.unchanged);
    }
}

/// A previous file changed by one byte anywhere is refused as the MAC's failure (or the
/// failure of the value the byte is in), never re-encrypted from.
#[test]
fn a_tampered_previous_file_fails() {
    let old: String = (0..300).map(|i| format!("KEY_{i}=value-{i}\n")).collect();
    let new = old.replace("KEY_5=value-5\n", "KEY_5=other\n");
    let prev = previous(&old, Options::default());
    let body_at = prev.len() - body(&prev).concat().len();
    for at in [
        body_at + 3,
        body_at + prev[body_at..].len() / 2,
        prev.len() - 2,
    ] {
        let mut bytes = prev.clone().into_bytes();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        let sizes = Sizes {
            old_chunk: 512,
            ..Sizes::default()
        };
        match restream(&new, &tampered, Options::default(), sizes) {
            Err(RestreamError::Previous(FormatError::Integrity(_))) => {}
            other => panic!("byte {at}: {:?}", other.map(|(_, d)| d)),
        }
    }
}

/// A key that opens no slot of the previous file: refused before anything is written.
#[test]
fn the_wrong_key_is_refused_before_anything_is_written() {
    let prev = previous("A=1\n", Options::default());
    let (input, old) = (file_with(b"A=2\n"), file_with(prev.as_bytes()));
    let mut parts = Parts::default();
    let other = Key::from_bytes([9; 32]);
    let r = reencrypt_stream(
        input.as_file(),
        old.as_file(),
        &[&other],
        Options::default(),
        &mut parts,
        None,
        None,
        Sizes::default(),
    );
    assert!(matches!(r, Err(RestreamError::Previous(_))));
    assert!(parts.0.is_empty());
}
