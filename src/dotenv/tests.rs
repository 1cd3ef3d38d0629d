use super::arbitrary::{dotenv_file, dotenv_text};
use super::*;
use proptest::prelude::*;

fn kinds(text: &str) -> Vec<Kind> {
    parse(text)
        .unwrap()
        .lines
        .iter()
        .map(|l| l.kind.clone())
        .collect()
}

#[test]
fn keeps_every_terminator() {
    let text = "A=1\r\nB=2\rC=3\nD=4";
    let doc = parse(text).unwrap();
    let eols: Vec<Eol> = doc.lines.iter().map(|l| l.eol).collect();
    assert_eq!(eols, vec![Eol::CrLf, Eol::Cr, Eol::Lf, Eol::None]);
    assert_eq!(doc.expose_text().as_str(), text);
    let numbers: Vec<usize> = doc.lines.iter().map(|l| l.number).collect();
    assert_eq!(numbers, vec![1, 2, 3, 4]);
}

#[test]
fn multiline_values_are_one_line() {
    let text = "A=\"x\n#not a comment\ny\" # c\nB='p\r\nq'\nC=`r\n\ns`\nD=e\n";
    let doc = parse(text).unwrap();
    assert_eq!(doc.lines.len(), 4);
    assert_eq!(
        doc.lines[0].expose_raw_value(),
        Some("\"x\n#not a comment\ny\" # c")
    );
    assert_eq!(
        doc.lines[0]
            .expose_value()
            .as_ref()
            .map(crate::dotenv::SecretText::expose_secret),
        Some("x\n#not a comment\ny")
    );
    assert_eq!(
        doc.lines[1]
            .expose_value()
            .as_ref()
            .map(crate::dotenv::SecretText::expose_secret),
        Some("p\r\nq")
    );
    assert_eq!(
        doc.lines[2]
            .expose_value()
            .as_ref()
            .map(crate::dotenv::SecretText::expose_secret),
        Some("r\n\ns")
    );
    assert_eq!(
        doc.lines.iter().map(|l| l.number).collect::<Vec<_>>(),
        vec![1, 4, 6, 9]
    );
    assert_eq!(doc.expose_text().as_str(), text);
}

#[test]
fn classifies_like_python_dotenv() {
    assert_eq!(kinds("  \n")[0], Kind::Blank);
    assert_eq!(kinds(" # c\n")[0], Kind::Comment);
    assert!(matches!(kinds("KEY\n")[0], Kind::Bare { .. }));
    assert!(matches!(kinds("KEY # note\n")[0], Kind::Bare { .. }));
    assert_eq!(kinds("a: b\n")[0], Kind::Other);
    assert_eq!(kinds("=value\n")[0], Kind::Other);
    let doc = parse("export  'q' = v # c\n").unwrap();
    assert_eq!(doc.lines[0].raw_key(), Some("'q'"));
    assert_eq!(doc.lines[0].key_name(), Some("q"));
    assert_eq!(doc.lines[0].prefix(), Some("export  'q' = "));
    assert_eq!(
        doc.lines[0]
            .expose_value()
            .as_ref()
            .map(crate::dotenv::SecretText::expose_secret),
        Some("v")
    );
    let doc = parse("export=1\n").unwrap();
    assert_eq!(doc.lines[0].key_name(), Some("export"));
}

#[test]
fn value_rules() {
    let cases = [
        ("a=b#c", "b#c"),
        ("a=b #c", "b"),
        ("a=b\t#c", "b"),
        ("a= b c  ", "b c"),
        ("a=\"b\\nc\"", "b\nc"),
        ("a='b\\nc'", "b\\nc"),
        ("a=\"b\\\"c\"", "b\"c"),
        ("a='b\\'c'", "b'c"),
        ("a=\"x\\qy\"", "x\\qy"),
        ("a=", ""),
        ("a=''", ""),
        ("a=\"\" # c", ""),
        ("a= # c", ""),
        ("a=\t#c", ""),
        ("a=#c", "#c"),
    ];
    for (input, want) in cases {
        let doc = parse(input).unwrap();
        assert_eq!(
            doc.lines[0]
                .expose_value()
                .as_ref()
                .map(crate::dotenv::SecretText::expose_secret),
            Some(want),
            "{input:?}"
        );
    }
}

#[test]
fn bom_is_kept_apart() {
    let doc = parse("\u{feff}a=b\n").unwrap();
    assert!(doc.bom);
    assert_eq!(doc.lines[0].key_name(), Some("a"));
    assert_eq!(doc.expose_text().as_str(), "\u{feff}a=b\n");
}

#[test]
fn errors_name_position_never_text() {
    let err = parse_bytes(b"A=1\r\nB=caf\xe9\n").unwrap_err();
    assert_eq!(err, ParseError::NotUtf8 { line: 2, column: 6 });
    assert_eq!(
        err.to_string(),
        "2:6: not valid UTF-8 (envseal reads UTF-8 .env files; convert it, e.g. with iconv)"
    );
}

/// Issue 14: a value whose quote never closes is no reason to refuse the file (the
/// loaders read on); the physical line is a line of its own ([`Kind::Other`], which the
/// encrypter hides whole), the next lines parse as usual, and the warning names the
/// position, never the text.
#[test]
fn unterminated_quote_is_a_line_of_its_own_with_a_positioned_warning() {
    let text = "OK=1\n  export PASSWORD=\"hunter2\nB=c\nQ='x\n";
    let doc = parse(text).unwrap();
    assert_eq!(doc.expose_text().as_str(), text);
    let kinds: Vec<bool> = doc.lines.iter().map(|l| l.kind == Kind::Other).collect();
    assert_eq!(kinds, [false, true, false, true]);
    assert_eq!(
        doc.lines[2]
            .expose_value()
            .as_ref()
            .map(crate::dotenv::SecretText::expose_secret),
        Some("c")
    );
    let warnings = unterminated_quotes(text.as_bytes());
    assert_eq!(
        warnings,
        [
            ParseError::Unterminated {
                line: 2,
                column: 19,
                quote: "double"
            },
            ParseError::Unterminated {
                line: 4,
                column: 3,
                quote: "single"
            },
        ]
    );
    assert!(!warnings[0].to_string().contains("hunter2"));
    // A quote that closes further down is one multi-line value, not a warning.
    assert!(unterminated_quotes(b"A=\"x\ny\"\n").is_empty());
}

#[test]
fn commented_assignments() {
    let yes = ["#OLD_PASSWORD=hunter2", "  # export K = v", "#K="];
    let no = ["# just words", "#", "# =x", "# K: v"];
    for t in yes {
        assert!(parse(t).unwrap().lines[0].is_commented_assignment(), "{t}");
    }
    for t in no {
        assert!(!parse(t).unwrap().lines[0].is_commented_assignment(), "{t}");
    }
}

proptest! {
    #[test]
    fn render_is_identity(text in dotenv_text()) {
        match parse(&text) {
            Ok(doc) => {
                let rendered = doc.expose_text();
                prop_assert_eq!(rendered.as_str(), text.as_str());
            }
            Err(e) => prop_assert!(false, "every text parses (issue 14), not: {e}"),
        }
    }

    /// The check Fernet encryption makes accepts and refuses what the full parse does,
    /// with the same error, and counts its assignments.
    #[test]
    fn check_agrees_with_parse(
        text in dotenv_text(),
        junk in prop::collection::vec(any::<u8>(), 0..3),
        at in any::<prop::sample::Index>(),
    ) {
        let mut bytes = text.into_bytes();
        let i = at.index(bytes.len() + 1);
        bytes.splice(i..i, junk);
        let full = parse_bytes(&bytes)
            .map(|d| d.lines.iter().filter(|l| l.expose_raw_value().is_some()).count());
        prop_assert_eq!(check_bytes(&bytes), full);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(doc) = parse_bytes(&bytes) {
            let rendered = doc.expose_text();
            prop_assert_eq!(rendered.as_bytes(), &bytes[..]);
        }
    }
}

proptest! {
    /// `line_key` is the allocation-free shortcut the v1 decoder takes: it must agree
    /// with a full parse of the same line, errors included.
    #[test]
    fn line_key_agrees_with_parse_body(
        line in "[ \t]{0,2}(export[ \t]{1,2})?('[a-z =#]{0,4}'|[A-Za-z_#'\"=`]{0,6})[ \t]{0,2}=?[ \t]{0,2}[\"'`a-z#]{0,3}"
    ) {
        let full = parse_body(&line, false);
        let expected = full.as_ref().map(|d| d.lines.first().and_then(|l| l.raw_key()));
        prop_assert_eq!(line_key(&line).map_err(|_| ()), expected.map_err(|_| ()));
    }
}

proptest! {
    /// The byte-wise fast path of `unquoted_key_len` ends a key where the char-wise
    /// definition does, Unicode white space and vertical tab included.
    #[test]
    fn unquoted_key_len_matches_char_definition(s in "[a-zA-Z_=# \t\u{b}\u{c}\u{85}\u{a0}\u{3000}é€]{0,12}") {
        let by_chars = s
            .find(|c: char| c == '=' || c == '#' || c.is_whitespace())
            .unwrap_or(s.len());
        prop_assert_eq!(unquoted_key_len(&s), by_chars);
    }
}

/// Everything a [`ChunkReader`] hands out for `bytes` read `chunk_size` bytes at a time
/// (in reads of at most `read_size` bytes): the lines (owned) and the chunk texts, or
/// the error.
fn read_in_chunks(
    bytes: &[u8],
    chunk_size: usize,
    read_size: usize,
) -> Result<(bool, Vec<Line>, Vec<Chunk>), ParseError> {
    /// Returns at most `n` bytes per read, as a pipe or a slow disk may.
    struct Trickle<'a>(&'a [u8], usize);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.1).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let mut reader = ChunkReader::new(Trickle(bytes, read_size), chunk_size);
    let mut lines = Vec::new();
    let mut chunks = Vec::new();
    loop {
        let mut seen = Vec::new();
        let next = reader.next_chunk(&mut |l| seen.push(l.to_line()));
        match next {
            Ok(Some(chunk)) => {
                assert_eq!(chunk.lines, seen.len());
                lines.extend(seen);
                chunks.push(chunk);
            }
            Ok(None) => break,
            Err(ChunkError::Parse(e)) => return Err(e),
            Err(ChunkError::Io(e)) => panic!("{e}"),
        }
    }
    Ok((reader.bom(), lines, chunks))
}

/// The pieces `next_piece` gives (it counts lines instead of handing them out): the
/// same as `next_chunk`'s.
fn pieces(bytes: &[u8], chunk_size: usize) -> Result<Vec<(u64, usize, usize, String)>, ParseError> {
    let mut reader = ChunkReader::new(bytes, chunk_size);
    let mut out = Vec::new();
    loop {
        match reader.next_piece() {
            Ok(Some(c)) => out.push((
                c.offset,
                c.first_number,
                c.lines,
                c.expose_text().to_string(),
            )),
            Ok(None) => return Ok(out),
            Err(ChunkError::Parse(e)) => return Err(e),
            Err(ChunkError::Io(e)) => panic!("{e}"),
        }
    }
}

/// The chunked reader gives exactly the whole-file parse: same lines (kinds, numbers,
/// terminators), the chunks are the text in order at their offsets, same errors.
fn assert_chunked_matches_whole(bytes: &[u8], chunk_size: usize, read_size: usize) {
    let whole = parse_bytes(bytes);
    let chunked = read_in_chunks(bytes, chunk_size, read_size);
    let counted = pieces(bytes, chunk_size);
    match (&chunked, counted) {
        (Ok((_, _, chunks)), Ok(counted)) => {
            let from_lines: Vec<_> = chunks
                .iter()
                .map(|c| {
                    (
                        c.offset,
                        c.first_number,
                        c.lines,
                        c.expose_text().to_string(),
                    )
                })
                .collect();
            assert_eq!(from_lines, counted, "{bytes:?} / {chunk_size}");
        }
        (Err(a), Err(b)) => assert_eq!(*a, b, "{bytes:?} / {chunk_size}"),
        (a, b) => panic!(
            "{bytes:?}: next_chunk {:?}, next_piece {b:?}",
            a.as_ref().map(|_| ())
        ),
    }
    match (whole, chunked) {
        (Ok(doc), Ok((bom, lines, chunks))) => {
            assert_eq!(bom, doc.bom, "{bytes:?} / {chunk_size}");
            assert_eq!(lines, doc.lines, "{bytes:?} / {chunk_size}");
            let mut offset = if bom { 3 } else { 0 };
            let mut number = 1;
            for c in &chunks {
                assert_eq!(c.offset, offset as u64);
                assert_eq!(c.first_number, number);
                assert_eq!(
                    c.expose_text().as_bytes(),
                    &bytes[offset..offset + c.expose_text().len()]
                );
                offset += c.expose_text().len();
                number = c.first_number + breaks_in(c.expose_text());
            }
            assert_eq!(offset, bytes.len(), "{bytes:?} / {chunk_size}");
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "{bytes:?} / {chunk_size}"),
        (a, b) => panic!(
            "{bytes:?} / {chunk_size}: whole {:?}, chunked {:?}",
            a.map(|d| d.lines.len()),
            b.map(|(_, l, _)| l.len())
        ),
    }
}

#[test]
fn chunked_reading_matches_whole_parse() {
    let cases: &[&[u8]] = &[
        b"",
        b"\xef\xbb\xbf",
        b"\xef\xbb\xbfA=1\nB=2",
        b"A=1\r\nB=\"x\ny\nz\" # c\nC=`p\nq`\rD='m\r\nn'\n\n# c\n",
        b"A=`never closed\nB=2\nC=3\n",
        b"A=1\nB=\"unterminated\nC=2\nD=3\n",
        b"A=1\nB='x\n\n\nC=\xff\n",
        b"A=1\nB=2\nC=caf\xe9\n",
        b"\xef\xbb\xbf\xff\n",
        b"\xef\xbb\xbfA=\"\xff",
        b"A=1\rB=2\rC=3\r",
        b"A=\"a\\\"\nb\\\\\"\nC=3\n",
        b"A=1\nB=\xe2\x82",
    ];
    for bytes in cases {
        for chunk_size in [1, 2, 3, 5, 8, 13, 64, 1 << 20] {
            for read_size in [1, 3, 4096] {
                assert_chunked_matches_whole(bytes, chunk_size, read_size);
            }
        }
    }
}

#[test]
fn line_parser_partial_stops_at_lines_that_may_continue() {
    let text = "A=1\nB=`x\nC=2\n";
    let mut p = LineParser::partial(text, 1);
    assert_eq!(p.next().unwrap().unwrap().text, "A=1");
    assert!(p.next().is_none());
    assert!(p.incomplete());
    assert_eq!(p.offset(), 4);
    assert_eq!(p.number(), 2);
    // The whole file: an unclosed backtick is an unquoted value.
    let lines: Vec<_> = LineParser::new(text, 1).map(|l| l.unwrap().text).collect();
    assert_eq!(lines, ["A=1", "B=`x", "C=2"]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn chunked_reading_matches_whole_parse_for_generated_files(
        text in dotenv_text(),
        bad in prop::option::of((any::<prop::sample::Index>(), 0x80u8..=0xff)),
        chunk_size in 1usize..24,
        read_size in 1usize..9,
    ) {
        let mut bytes = text.into_bytes();
        if let Some((at, b)) = bad {
            if !bytes.is_empty() {
                let i = at.index(bytes.len());
                bytes[i] = b;
            }
        }
        assert_chunked_matches_whole(&bytes, chunk_size, read_size);
    }

    /// The same on files made of whole lines (multi-line values cut across chunks).
    #[test]
    fn chunked_reading_matches_whole_parse_for_realistic_files(
        text in dotenv_file(),
        chunk_size in 1usize..40,
        read_size in 1usize..9,
    ) {
        assert_chunked_matches_whole(text.as_bytes(), chunk_size, read_size);
    }
}

/// `skip_all` is counting the iterator's items, for both kinds of parser, and leaves it
/// in the same state.
fn assert_skip_all_is_count(text: &str) {
    for partial in [false, true] {
        let make = || {
            if partial {
                LineParser::partial(text, 3)
            } else {
                LineParser::new(text, 3)
            }
        };
        let mut walked = make();
        let mut n = 0;
        let mut err = None;
        for l in walked.by_ref() {
            match l {
                Ok(_) => n += 1,
                Err(e) => err = Some(e),
            }
        }
        let mut skipped = make();
        let got = skipped.skip_all();
        match err {
            Some(e) => assert_eq!(got, Err(e), "{text:?}"),
            None => assert_eq!(got, Ok(n), "{text:?} partial={partial}"),
        }
        assert_eq!(skipped.offset(), walked.offset(), "{text:?}");
        assert_eq!(skipped.number(), walked.number(), "{text:?}");
        assert_eq!(skipped.incomplete(), walked.incomplete(), "{text:?}");
        assert!(skipped.next().is_none());
    }
}

#[test]
fn skip_all_counts_like_the_iterator() {
    for text in [
        "",
        "A=1",
        "A=1\n",
        "A=1\r\nB=2\rC=3\n\nD",
        "# it's\nA=\"x\ny\"\nB=2\r\n",
        "A=1\nB='x\n",
        "A=1\nB=`x\nC=2\n",
        "\r\r\n\n'\n",
        "A=\"\\\"\n\"\rB=1",
    ] {
        assert_skip_all_is_count(text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]
    #[test]
    fn skip_all_counts_like_the_iterator_for_generated_text(text in dotenv_text()) {
        assert_skip_all_is_count(&text);
    }
}

/// A secret in every place a dotenv file can hold one: a quoted value, an unquoted
/// value, a multi-line value, a commented-out assignment, a pasted line.
const DEBUG_SECRET: &str = "hunter2-s3cr3t-value";

fn secret_file() -> String {
    let s = DEBUG_SECRET;
    format!("export DB_PASSWORD=\"{s}\"\nTOKEN={s}\nPEM='a\n{s}\nb'\n#OLD_PASSWORD={s}\n{s}\n")
}

/// `Debug` of every type that holds plaintext shows lengths and kinds, never the text
/// (a `{:?}` in an error path or a panic message would print the secret).
#[test]
fn debug_of_parsed_values_shows_no_secret_text() {
    let text = secret_file();
    let doc = parse(&text).unwrap();
    let mut shown = vec![format!("{doc:?}"), format!("{doc:#?}")];
    for line in &doc.lines {
        shown.push(format!("{line:?}"));
        shown.push(format!("{:?}", line.as_line_ref()));
    }
    let mut parser = LineParser::new(&text, 1);
    shown.push(format!("{parser:?}"));
    shown.push(format!("{:?}", parser.next()));
    let mut reader = ChunkReader::new(text.as_bytes(), 8);
    shown.push(format!("{:?}", reader.next_piece().unwrap()));
    for s in &shown {
        assert!(!s.contains(DEBUG_SECRET), "Debug shows the secret: {s}");
        assert!(
            !s.contains("hunter2"),
            "Debug shows part of the secret: {s}"
        );
    }
    // It still says something useful: the lengths.
    assert!(shown[0].contains(&format!("len: {}", "TOKEN=".len() + DEBUG_SECRET.len())));
}
