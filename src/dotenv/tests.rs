use super::*;
use proptest::prelude::*;

fn kinds(text: &str) -> Vec<Kind> {
    parse(text)
        .unwrap()
        .lines
        .into_iter()
        .map(|l| l.kind)
        .collect()
}

#[test]
fn keeps_every_terminator() {
    let text = "A=1\r\nB=2\rC=3\nD=4";
    let doc = parse(text).unwrap();
    let eols: Vec<Eol> = doc.lines.iter().map(|l| l.eol).collect();
    assert_eq!(eols, vec![Eol::CrLf, Eol::Cr, Eol::Lf, Eol::None]);
    assert_eq!(doc.render(), text);
    let numbers: Vec<usize> = doc.lines.iter().map(|l| l.number).collect();
    assert_eq!(numbers, vec![1, 2, 3, 4]);
}

#[test]
fn multiline_values_are_one_line() {
    let text = "A=\"x\n#not a comment\ny\" # c\nB='p\r\nq'\nC=`r\n\ns`\nD=e\n";
    let doc = parse(text).unwrap();
    assert_eq!(doc.lines.len(), 4);
    assert_eq!(
        doc.lines[0].raw_value(),
        Some("\"x\n#not a comment\ny\" # c")
    );
    assert_eq!(
        doc.lines[0].value().as_deref(),
        Some("x\n#not a comment\ny")
    );
    assert_eq!(doc.lines[1].value().as_deref(), Some("p\r\nq"));
    assert_eq!(doc.lines[2].value().as_deref(), Some("r\n\ns"));
    assert_eq!(
        doc.lines.iter().map(|l| l.number).collect::<Vec<_>>(),
        vec![1, 4, 6, 9]
    );
    assert_eq!(doc.render(), text);
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
    assert_eq!(doc.lines[0].value().as_deref(), Some("v"));
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
        assert_eq!(doc.lines[0].value().as_deref(), Some(want), "{input:?}");
    }
}

#[test]
fn bom_is_kept_apart() {
    let doc = parse("\u{feff}a=b\n").unwrap();
    assert!(doc.bom);
    assert_eq!(doc.lines[0].key_name(), Some("a"));
    assert_eq!(doc.render(), "\u{feff}a=b\n");
}

#[test]
fn errors_name_position_never_text() {
    let err = parse("OK=1\nPASSWORD=\"hunter2\nB=c").unwrap_err();
    assert_eq!(
        err,
        ParseError::Unterminated {
            line: 2,
            column: 10,
            quote: "double"
        }
    );
    assert!(!err.to_string().contains("hunter2"));
    let err = parse_bytes(b"A=1\r\nB=caf\xe9\n").unwrap_err();
    assert_eq!(err, ParseError::NotUtf8 { line: 2, column: 6 });
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

fn dotenv_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\r".to_owned()),
        Just("=".to_owned()),
        Just("#".to_owned()),
        Just(" ".to_owned()),
        Just("\t".to_owned()),
        Just("export ".to_owned()),
        Just("\\".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("`".to_owned()),
        Just("\u{feff}".to_owned()),
        "[A-Za-z_][A-Za-z0-9_]{0,6}",
        "\\PC{0,4}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn render_is_identity(text in dotenv_text()) {
        match parse(&text) {
            Ok(doc) => prop_assert_eq!(doc.render(), text),
            Err(ParseError::Unterminated { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(doc) = parse_bytes(&bytes) {
            let rendered = doc.render();
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
