//! The one generator of dotenv text for property tests (parser, sealer, decoder, masker):
//! every test that needs "any dotenv file" draws from [`dotenv_text`], so a piece of
//! syntax added here (a new quote, a new marker) reaches all of them at once.
//!
//! The text is built from pieces that make the grammar's hard cases common: every line
//! terminator (`\n`, `\r\n`, a lone `\r`), `=`, `#`, white space, `export `, backslashes,
//! all three quotes, a byte order mark anywhere, envseal's own markers (`ENC[v1:`,
//! `#envseal:v1 `), a two-byte character, short keys, and any printable text.
//! Every `String` is valid UTF-8 by construction; tests that need invalid bytes add them.
//! [`dotenv_file`] draws whole, realistic lines as well, for properties about files.

use std::ops::Range;

use proptest::prelude::*;

/// The fixed pieces (drawn far more often than free text, so that quotes, escapes and
/// terminators meet each other).
const PIECES: &[&str] = &[
    "\n",
    "\r\n",
    "\r",
    "=",
    "#",
    " ",
    "\t",
    "export ",
    "\\",
    "\"",
    "'",
    "`",
    "\u{feff}",
    "KEY=",
    "ENC[v1:",
    "]",
    "#envseal:v1 ",
    "é",
];

/// Dotenv text of up to 40 pieces: what the parser's own properties run on.
pub fn dotenv_text() -> impl Strategy<Value = String> {
    dotenv_text_of(0..40)
}

/// Dotenv text of `pieces` pieces (a count range), for tests whose cases cost more.
pub fn dotenv_text_of(pieces: Range<usize>) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        16 => prop::sample::select(PIECES).prop_map(str::to_owned),
        1 => "[A-Za-z_][A-Za-z0-9_]{0,6}",
        1 => "\\PC{0,4}",
    ];
    prop::collection::vec(piece, pieces).prop_map(|v| v.concat())
}

/// Whole lines of the kinds real files hold: assignments with every quote, escapes and
/// inline comments, multi-line values (LF, CR and CRLF inside), `export`, comments,
/// commented-out assignments, bare keys, non-ASCII keys.
const LINES: &[&str] = &[
    "A=1",
    "export B = 'x y'",
    "C=\"multi\nline\"",
    "D='cr\rlf\r\n'",
    "E=`back\ntick`",
    "F=\"esc \\\" # in\" # out",
    "G=plain # comment",
    "H=",
    "# comment",
    "#OLD=x",
    "BARE",
    "é=ü",
];

/// Dotenv files of up to 40 parts that look like real ones: whole lines ([`LINES`])
/// and line terminators, mixed with the pieces of [`dotenv_text`] so that lines still
/// break in odd places. For properties about files rather than about the grammar's
/// corners (a decoder against another, streamed against whole).
pub fn dotenv_file() -> impl Strategy<Value = String> {
    dotenv_file_of(0..40)
}

/// [`dotenv_file`] of `parts` parts (a count range).
pub fn dotenv_file_of(parts: Range<usize>) -> impl Strategy<Value = String> {
    let part = prop_oneof![
        4 => prop::sample::select(LINES).prop_map(str::to_owned),
        3 => prop::sample::select(&["\n", "\r\n", "\r"][..]).prop_map(str::to_owned),
        2 => prop::sample::select(PIECES).prop_map(str::to_owned),
        1 => "\\PC{0,4}",
    ];
    prop::collection::vec(part, parts).prop_map(|v| v.concat())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    /// The generator reaches every piece (a piece it never draws would leave its
    /// properties untested), and stays within its length.
    #[test]
    fn every_piece_is_drawn() {
        let mut runner = TestRunner::deterministic();
        let strategy = dotenv_text();
        let mut seen = vec![false; PIECES.len()];
        for _ in 0..500 {
            let text = strategy.new_tree(&mut runner).unwrap().current();
            for (i, p) in PIECES.iter().enumerate() {
                seen[i] |= text.contains(p);
            }
        }
        let missing: Vec<_> = PIECES
            .iter()
            .zip(&seen)
            .filter(|(_, s)| !**s)
            .map(|(p, _)| p)
            .collect();
        assert!(missing.is_empty(), "never drawn: {missing:?}");
    }

    /// Every whole line is drawn, and the files are mostly assignments (as real ones).
    #[test]
    fn every_line_is_drawn() {
        let mut runner = TestRunner::deterministic();
        let strategy = dotenv_file();
        let mut seen = vec![false; LINES.len()];
        let (mut lines, mut assignments) = (0, 0);
        for _ in 0..300 {
            let text = strategy.new_tree(&mut runner).unwrap().current();
            for (i, l) in LINES.iter().enumerate() {
                seen[i] |= text.contains(l);
            }
            let doc = crate::dotenv::parse(&text).unwrap();
            lines += doc.lines.len();
            assignments += doc
                .lines
                .iter()
                .filter(|l| l.expose_raw_value().is_some())
                .count();
        }
        assert!(seen.iter().all(|s| *s), "never drawn: {seen:?}");
        assert!(assignments * 3 > lines, "{assignments} of {lines} lines");
    }
}
