//! The lossless dotenv line model: parse, classify, render back byte for byte.
//!
//! This module owns the answer to "where does each entry of a `.env` file start and end",
//! which every other part builds on: the encrypter encrypts exactly the value text of each
//! assignment, `run` and `mask` read values with python-dotenv's rules. It knows nothing
//! of crypto and never prints.
//!
//! A [`Document`] is the optional UTF-8 BOM plus a list of logical [`Line`]s. Each line
//! keeps its raw text (a double- or single-quoted value may span several physical lines)
//! and its own terminator (`\n`, `\r\n`, `\r`, or none for the last line), so
//! `render(parse(x)) == x` for every input the parser accepts.
//!
//! Classification follows python-dotenv's grammar (keys are `'quoted'` or a run of
//! characters other than `=`, `#` and white space; `export` prefix; white space around
//! `=`), with two deliberate choices:
//! - backtick-quoted values may span lines, as node dotenv reads them: if the body of such
//!   a value were taken as separate lines, a body line starting with `#` would be kept as
//!   a readable comment by the encrypter and leak;
//! - a line whose `"` or `'` quoted value is never closed is no assignment
//!   ([`Kind::Other`]): where the value ends cannot be known. python-dotenv skips that
//!   statement and reads on, node dotenv reads on, so the file is accepted; the
//!   encrypter hides such a line whole and warns ([`unterminated_quote`]).
//!
//! Errors carry a line and column and a kind, never text from the file.
//!
//! The text is plaintext, typed as a secret: a [`Line`]'s text is wiped when it is
//! dropped (so a dropped [`Document`] leaves no copy of the file), `Debug` of every type
//! here shows lengths and kinds only, and text leaves these types only through `expose_*`
//! accessors, so `grep -rn expose_ src/` lists every place a value is read out.

use std::ops::Range;

use zeroize::{Zeroize, Zeroizing};

use eol::{breaks_in, line_end};

#[cfg(test)]
pub(crate) mod arbitrary;
mod chunked;
pub mod eol;
pub mod expand;
mod secret;
mod value;

pub use chunked::{Chunk, ChunkError, ChunkReader};
pub use secret::SecretText;
pub use value::unquote;

/// A line terminator, kept per line so CRLF, CR-only and mixed files survive unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eol {
    Lf,
    CrLf,
    Cr,
    /// The last line of a file without a final newline.
    None,
}

impl Eol {
    pub fn as_str(self) -> &'static str {
        match self {
            Eol::Lf => "\n",
            Eol::CrLf => "\r\n",
            Eol::Cr => "\r",
            Eol::None => "",
        }
    }
}

/// What a logical line is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Empty or white space only.
    Blank,
    /// First non-blank character is `#`.
    Comment,
    /// `[ws][export ws]KEY[ws]=[ws]VALUE`. `key` is the key as written (quotes included);
    /// `value` is everything after the white space that follows `=`, up to the end of the
    /// logical line: quotes, escapes, trailing white space and any inline comment.
    Assignment {
        key: Range<usize>,
        value: Range<usize>,
    },
    /// A key with no `=` (`KEY`, `KEY # note`): python-dotenv reads it as unset.
    Bare { key: Range<usize> },
    /// Anything else (`a: b`, `=value`, `KEY value`): dotenv loaders skip or reject it.
    Other,
}

/// One logical line: raw text without its terminator, plus the terminator.
///
/// The text is plaintext (a value, or a comment that may hold one): it is private, read
/// through [`Line::expose_text`], wiped when the line is dropped, and `Debug` shows its
/// length only.
#[derive(Clone, PartialEq, Eq)]
pub struct Line {
    text: String,
    pub eol: Eol,
    pub kind: Kind,
    /// 1-based physical line number where this logical line starts.
    pub number: usize,
}

impl Drop for Line {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

impl std::fmt::Debug for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Line")
            .field("len", &self.text.len())
            .field("eol", &self.eol)
            .field("kind", &self.kind)
            .field("number", &self.number)
            .finish()
    }
}

impl Line {
    /// A line of `text` (without its terminator); `kind`'s ranges are relative to `text`.
    pub fn new(text: String, eol: Eol, kind: Kind, number: usize) -> Self {
        Line {
            text,
            eol,
            kind,
            number,
        }
    }

    /// The raw text of the line, without its terminator: plaintext leaving its type.
    pub fn expose_text(&self) -> &str {
        &self.text
    }

    /// The key as written (`FOO`, `'q'`), for assignments and bare keys.
    pub fn raw_key(&self) -> Option<&str> {
        match &self.kind {
            Kind::Assignment { key, .. } | Kind::Bare { key } => Some(&self.text[key.clone()]),
            _ => None,
        }
    }

    /// The key's name: quotes of a `'quoted'` key removed.
    pub fn key_name(&self) -> Option<&str> {
        let raw = self.raw_key()?;
        Some(
            raw.strip_prefix('\'')
                .and_then(|r| r.strip_suffix('\''))
                .filter(|_| raw.len() >= 2)
                .unwrap_or(raw),
        )
    }

    /// The raw value text of an assignment (what the encrypter encrypts).
    pub fn expose_raw_value(&self) -> Option<&str> {
        match &self.kind {
            Kind::Assignment { value, .. } => Some(&self.text[value.clone()]),
            _ => None,
        }
    }

    /// Everything of an assignment before its raw value: indentation, `export`, the key
    /// and the white space around `=`.
    pub fn prefix(&self) -> Option<&str> {
        match &self.kind {
            Kind::Assignment { value, .. } => Some(&self.text[..value.start]),
            _ => None,
        }
    }

    /// The value as python-dotenv reads it (quotes removed, escapes applied, inline
    /// comment dropped), in a buffer wiped on drop. `None` for lines that are not
    /// assignments.
    pub fn expose_value(&self) -> Option<SecretText> {
        let raw = self.expose_raw_value()?;
        // `KEY= # note`: white space after `=` and then `#` starts a comment, so the value
        // is empty (python-dotenv). The white space is in the prefix, not in `raw`.
        if raw.starts_with('#') && self.prefix().is_some_and(|p| p.ends_with(is_hspace)) {
            return Some(SecretText::default());
        }
        Some(unquote(raw))
    }

    /// A comment whose text reads like a commented-out assignment (`#OLD_PASSWORD=x`,
    /// `# export KEY = value`): it probably holds a secret.
    pub fn is_commented_assignment(&self) -> bool {
        commented_assignment(&self.text, &self.kind)
    }

    /// This line borrowed: the form the streaming encrypter works on.
    pub fn as_line_ref(&self) -> LineRef<'_> {
        LineRef {
            text: &self.text,
            eol: self.eol,
            kind: self.kind.clone(),
            number: self.number,
        }
    }
}

fn commented_assignment(text: &str, kind: &Kind) -> bool {
    if *kind != Kind::Comment {
        return false;
    }
    let body = text.trim_start_matches(is_hspace);
    let body = body.trim_start_matches('#').trim_start_matches(is_hspace);
    let body = strip_export(body).unwrap_or(body);
    let key_len = body
        .find(|c: char| c == '=' || c == '#' || c.is_whitespace())
        .unwrap_or(body.len());
    key_len > 0
        && body[key_len..]
            .trim_start_matches(is_hspace)
            .starts_with('=')
}

/// One logical line borrowed from the text it was parsed from: a [`Line`] without the
/// copy (a 100,000-key file is 100,000 allocations as [`Line`]s). `kind`'s ranges are
/// relative to the text, as in [`Line`]. The text is read through
/// [`LineRef::expose_text`]; `Debug` shows its length only.
#[derive(Clone, PartialEq, Eq)]
pub struct LineRef<'a> {
    text: &'a str,
    pub eol: Eol,
    pub kind: Kind,
    /// 1-based physical line number where this logical line starts.
    pub number: usize,
}

impl std::fmt::Debug for LineRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineRef")
            .field("len", &self.text.len())
            .field("eol", &self.eol)
            .field("kind", &self.kind)
            .field("number", &self.number)
            .finish()
    }
}

impl<'a> LineRef<'a> {
    /// The raw text of the line, without its terminator: plaintext leaving its type.
    pub fn expose_text(&self) -> &'a str {
        self.text
    }

    /// The owned form.
    pub fn to_line(&self) -> Line {
        Line {
            text: self.text.to_owned(),
            eol: self.eol,
            kind: self.kind.clone(),
            number: self.number,
        }
    }

    /// See [`Line::is_commented_assignment`].
    pub fn is_commented_assignment(&self) -> bool {
        commented_assignment(self.text, &self.kind)
    }

    /// See [`Line::expose_raw_value`].
    pub fn expose_raw_value(&self) -> Option<&'a str> {
        match &self.kind {
            Kind::Assignment { value, .. } => Some(&self.text[value.clone()]),
            _ => None,
        }
    }
}

/// A parsed dotenv file: the whole plaintext. Each [`Line`] wipes its text when dropped;
/// `Debug` shows lengths and kinds only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// The file started with a UTF-8 byte order mark (kept out of the first line's text).
    pub bom: bool,
    pub lines: Vec<Line>,
}

impl Document {
    /// The exact bytes this document was parsed from, in a buffer wiped on drop.
    pub fn expose_text(&self) -> Zeroizing<String> {
        let mut out = String::with_capacity(self.lines.iter().map(|l| l.text.len() + 2).sum());
        if self.bom {
            out.push('\u{feff}');
        }
        for line in &self.lines {
            out.push_str(&line.text);
            out.push_str(line.eol.as_str());
        }
        Zeroizing::new(out)
    }

    /// Key/value pairs in file order (duplicates kept; the last one wins when loading).
    pub fn expose_pairs(&self) -> impl Iterator<Item = (&str, SecretText)> {
        self.lines
            .iter()
            .filter_map(|l| Some((l.key_name()?, l.expose_value()?)))
    }
}

/// Why a file could not be parsed. Never holds text from the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("{line}:{column}: not valid UTF-8 (envseal reads UTF-8 .env files; convert it, e.g. with iconv)")]
    NotUtf8 { line: usize, column: usize },
    /// Not an error of [`parse`] (which reads such a line as [`Kind::Other`]): the warning
    /// [`unterminated_quote`] gives.
    #[error("{line}:{column}: a {quote} quote opens a value here and is never closed (close it, or escape it with a backslash)")]
    Unterminated {
        line: usize,
        column: usize,
        quote: &'static str,
    },
}

/// A [`ParseError`] in a named file, shown as `file:line:column: what is wrong`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}:{}:{}: {}", path.display(), err.line(), err.column(), err.kind_message())]
pub struct FileParseError {
    pub path: std::path::PathBuf,
    pub err: ParseError,
}

/// [`parse_bytes`], naming the file in the error.
pub fn parse_file_bytes(path: &std::path::Path, bytes: &[u8]) -> Result<Document, FileParseError> {
    parse_bytes(bytes).map_err(|err| FileParseError {
        path: path.to_owned(),
        err,
    })
}

impl ParseError {
    pub fn column(&self) -> usize {
        match self {
            ParseError::NotUtf8 { column, .. } | ParseError::Unterminated { column, .. } => *column,
        }
    }

    /// What is wrong and what to do, without the position.
    pub fn kind_message(&self) -> String {
        let full = self.to_string();
        match full.split_once(": ") {
            Some((_, rest)) => rest.to_owned(),
            None => full,
        }
    }

    pub fn line(&self) -> usize {
        match self {
            ParseError::NotUtf8 { line, .. } | ParseError::Unterminated { line, .. } => *line,
        }
    }
}

/// Horizontal white space: any Unicode white space except the line terminators.
pub fn is_hspace(c: char) -> bool {
    c != '\n' && c != '\r' && c.is_whitespace()
}

fn strip_export(s: &str) -> Option<&str> {
    let rest = s.strip_prefix("export")?;
    let trimmed = rest.trim_start_matches(is_hspace);
    (trimmed.len() < rest.len() && !trimmed.is_empty() && !trimmed.starts_with(['=', '#']))
        .then_some(trimmed)
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let mut line = 1;
    let mut line_start = 0;
    let bytes = before.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => {
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    (line, before[line_start..].chars().count() + 1)
}

/// Parse raw bytes: checks UTF-8 first (the error gives line and column of the first bad
/// byte), then [`parse`].
pub fn parse_bytes(bytes: &[u8]) -> Result<Document, ParseError> {
    parse(utf8(bytes)?)
}

/// The text of `bytes`, or where its first byte that is not UTF-8 is.
fn utf8(bytes: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = e.valid_up_to();
        // The prefix is valid UTF-8 by construction.
        let prefix = std::str::from_utf8(&bytes[..good]).unwrap_or_default();
        let (line, column) = position(prefix, good);
        ParseError::NotUtf8 { line, column }
    })
}

/// What [`parse_bytes`] accepts, with its errors, without building the [`Document`]
/// (a whole-file format needs only to know that the file parses): the number of
/// assignments.
pub fn check_bytes(bytes: &[u8]) -> Result<usize, ParseError> {
    let text = utf8(bytes)?;
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut values = 0;
    for line in LineParser::new(body, 1) {
        values += usize::from(line?.expose_raw_value().is_some());
    }
    Ok(values)
}

/// [`check_bytes`], naming the file in the error.
pub fn check_file_bytes(path: &std::path::Path, bytes: &[u8]) -> Result<usize, FileParseError> {
    check_bytes(bytes).map_err(|err| FileParseError {
        path: path.to_owned(),
        err,
    })
}

/// Position just after the quote that closes the one at `open`, or `None`. A backslash
/// escapes the next character inside all three quote kinds (python-dotenv and node
/// dotenv both accept `\'` and `\"`).
fn closing_quote(bytes: &[u8], open: usize) -> Option<usize> {
    let q = bytes[open];
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            c if c == q => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Parse dotenv text into logical lines. Accepts every UTF-8 input.
pub fn parse(text: &str) -> Result<Document, ParseError> {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => parse_body(rest, true),
        None => parse_body(text, false),
    }
}

/// Parse text that is known not to start with a byte order mark (a BOM at its start is
/// then an ordinary character, as it is anywhere else in a file).
pub fn parse_body(body: &str, bom: bool) -> Result<Document, ParseError> {
    let lines = LineParser::new(body, 1)
        .map(|l| l.map(|l| l.to_line()))
        .collect::<Result<_, _>>()?;
    Ok(Document { bom, lines })
}

/// The logical lines of a text, one [`LineRef`] at a time, without copying them.
///
/// The grammar is context-free per logical line: a line's kind and extent depend only on
/// the text from its start on. So a file can be parsed in pieces cut right after a `\n`
/// ([`LineParser::partial`]): every logical line that ends inside the piece parses as in
/// the whole file; a line whose quote does not close inside the piece may continue
/// beyond it, and stops the parser there ([`LineParser::incomplete`]) for the caller to
/// carry into the next piece.
///
/// After an error the iterator ends. `Debug` shows the text's length, not the text.
#[derive(Clone)]
pub struct LineParser<'a> {
    body: &'a str,
    pos: usize,
    number: usize,
    /// `body` runs to the end of the file.
    complete: bool,
    stopped: bool,
    incomplete: bool,
}

impl std::fmt::Debug for LineParser<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineParser")
            .field("len", &self.body.len())
            .field("pos", &self.pos)
            .field("number", &self.number)
            .field("complete", &self.complete)
            .field("stopped", &self.stopped)
            .field("incomplete", &self.incomplete)
            .finish()
    }
}

impl<'a> LineParser<'a> {
    /// Parse `body` (the rest of a file, after any BOM), whose first line is physical
    /// line `first_number`.
    pub fn new(body: &'a str, first_number: usize) -> Self {
        LineParser {
            body,
            pos: 0,
            number: first_number,
            complete: true,
            stopped: false,
            incomplete: false,
        }
    }

    /// Parse a piece of a file that ends right after a `\n` and is followed by more of
    /// the file: a logical line that may continue past the piece is not yielded.
    pub fn partial(body: &'a str, first_number: usize) -> Self {
        LineParser {
            complete: false,
            ..Self::new(body, first_number)
        }
    }

    /// Byte offset where the lines not yet yielded start.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// Physical line number of the next logical line.
    pub fn number(&self) -> usize {
        self.number
    }

    /// A [`LineParser::partial`] parser stopped at a logical line that may continue
    /// past its text (at [`LineParser::offset`]).
    pub fn incomplete(&self) -> bool {
        self.incomplete
    }

    /// Skip the lines not yet yielded, counting them: what counting the iterator's items
    /// gives (stopping at an error, which is returned, or at a line that may continue the
    /// same way), and leaving the parser in the same state, in a fraction of the time. A
    /// physical line without a quote character is a whole logical line, whatever it
    /// holds, so runs of those are counted by their line breaks; only lines with a quote
    /// are classified.
    pub fn skip_all(&mut self) -> Result<usize, ParseError> {
        let bytes = self.body.as_bytes();
        let mut count = 0;
        loop {
            if self.stopped || self.pos >= bytes.len() {
                return Ok(count);
            }
            let rest = &bytes[self.pos..];
            let quote = memchr::memchr3(b'"', b'\'', b'`', rest).unwrap_or(rest.len());
            // The physical lines before the one holding the quote.
            if let Some(i) = memchr::memrchr2(b'\n', b'\r', &rest[..quote]) {
                let whole = &rest[..=i];
                let breaks = memchr::memchr_iter(b'\n', whole).count()
                    + memchr::memchr_iter(b'\r', whole)
                        .filter(|&j| whole.get(j + 1) != Some(&b'\n'))
                        .count();
                count += breaks;
                self.number += breaks;
                self.pos += i + 1;
            }
            if quote == rest.len() {
                // No quote left: at most a last line without a terminator.
                if self.pos < bytes.len() {
                    count += 1;
                    self.pos = bytes.len();
                }
                return Ok(count);
            }
            match self.next() {
                Some(Ok(_)) => count += 1,
                Some(Err(e)) => return Err(e),
                None => return Ok(count),
            }
        }
    }
}

impl<'a> Iterator for LineParser<'a> {
    type Item = Result<LineRef<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.body.as_bytes();
        let pos = self.pos;
        if pos >= bytes.len() || self.stopped {
            return None;
        }
        let (end, eol, next) = line_end(bytes, pos);
        let (kind, logical_end, eol, next) =
            match classify(self.body, pos, end, eol, next, self.complete) {
                Ok(c) => c,
                Err(Stop::Incomplete) => {
                    self.stopped = true;
                    self.incomplete = true;
                    return None;
                }
            };
        let text = &self.body[pos..logical_end];
        let number = self.number;
        // Only a multi-line quoted value has line breaks inside its text.
        let inner = if logical_end == end {
            0
        } else {
            breaks_in(text)
        };
        self.number += inner + usize::from(eol != Eol::None);
        self.pos = next;
        Some(Ok(LineRef {
            text,
            eol,
            kind: rebase(kind, pos),
            number,
        }))
    }
}

/// The key (as written) of a text holding one physical line without terminator: what
/// `parse_body(line, false)` gives as the first line's [`Line::raw_key`], without
/// allocating a [`Document`]. The v1 decoder reads each body line's key with it.
pub fn line_key(line: &str) -> Result<Option<&str>, ParseError> {
    debug_assert!(!line.contains(['\n', '\r']));
    let Ok((kind, ..)) = classify(line, 0, line.len(), Eol::None, line.len(), true) else {
        unreachable!("a complete text never stops as incomplete")
    };
    Ok(match kind {
        Kind::Assignment { key, .. } | Kind::Bare { key } => Some(&line[key]),
        _ => None,
    })
}

fn rebase(kind: Kind, base: usize) -> Kind {
    let r = |x: Range<usize>| x.start - base..x.end - base;
    match kind {
        Kind::Assignment { key, value } => Kind::Assignment {
            key: r(key),
            value: r(value),
        },
        Kind::Bare { key } => Kind::Bare { key: r(key) },
        k => k,
    }
}

/// Why [`classify`] gives no line.
enum Stop {
    /// Only when `text` is not the whole rest of the file: a quote does not close inside
    /// it, so where the line ends is not known yet.
    Incomplete,
}

/// Classify the physical line `start..end`; a
/// quoted value may extend the logical line. Returns the kind (absolute offsets), the
/// logical content end, its terminator and where the next line starts. `complete`: the
/// text runs to the end of the file.
fn classify(
    text: &str,
    start: usize,
    end: usize,
    eol: Eol,
    next: usize,
    complete: bool,
) -> Result<(Kind, usize, Eol, usize), Stop> {
    let line = &text[start..end];
    let content = line.trim_start_matches(is_hspace);
    let content_start = start + (line.len() - content.len());
    if content.is_empty() {
        return Ok((Kind::Blank, end, eol, next));
    }
    if content.starts_with('#') {
        return Ok((Kind::Comment, end, eol, next));
    }
    let after_export = strip_export(content).unwrap_or(content);
    let key_start = content_start + (content.len() - after_export.len());
    let key_len = match after_export.strip_prefix('\'') {
        Some(rest) => match rest.find('\'') {
            Some(i) if i > 0 => i + 2,
            _ => unquoted_key_len(after_export),
        },
        None => unquoted_key_len(after_export),
    };
    if key_len == 0 {
        return Ok((Kind::Other, end, eol, next));
    }
    let key = key_start..key_start + key_len;
    let rest = &text[key.end..end];
    let after_ws = rest.trim_start_matches(is_hspace);
    let Some(after_eq) = after_ws.strip_prefix('=') else {
        let kind = if after_ws.is_empty() || after_ws.starts_with('#') {
            Kind::Bare { key }
        } else {
            Kind::Other
        };
        return Ok((kind, end, eol, next));
    };
    let value_str = after_eq.trim_start_matches(is_hspace);
    let value_start = end - value_str.len();
    let bytes = text.as_bytes();
    if let Some(&q @ (b'"' | b'\'' | b'`')) = bytes.get(value_start) {
        match closing_quote(bytes, value_start) {
            Some(close) if close > end => {
                // The value spans lines: the logical line ends with the physical line
                // holding the closing quote.
                let (lend, leol, lnext) = line_end(bytes, close);
                return Ok((
                    Kind::Assignment {
                        key,
                        value: value_start..lend,
                    },
                    lend,
                    leol,
                    lnext,
                ));
            }
            Some(_) => {}
            // The quote may close in the part of the file not seen yet.
            None if !complete => return Err(Stop::Incomplete),
            None if q == b'`' => {} // not a quote for python-dotenv: read as unquoted
            // An unterminated `"` or `'`: where the value ends cannot be known, so the
            // physical line is no assignment; the encrypter hides it whole (as every
            // line that is not an assignment) and says so ([`unterminated_quote`]).
            // Loaders read on: python-dotenv skips the statement, node reads what its
            // pattern finds. Refusing the file would refuse what they accept.
            None => return Ok((Kind::Other, end, eol, next)),
        }
    }
    Ok((
        Kind::Assignment {
            key,
            value: value_start..end,
        },
        end,
        eol,
        next,
    ))
}

/// Where a line the parser read as no assignment ([`Kind::Other`]) opens a `"` or `'`
/// quoted value that is never closed: `KEY="abc` with no closing quote in the rest of
/// the file. A warning for the user (`file:line:column` and what is wrong, never the
/// text); `None` for every other line.
pub fn unterminated_quote(line: &LineRef<'_>) -> Option<ParseError> {
    if line.kind != Kind::Other {
        return None;
    }
    let content = line.text.trim_start_matches(is_hspace);
    let after_export = strip_export(content).unwrap_or(content);
    let key_len = match after_export.strip_prefix('\'') {
        Some(rest) => match rest.find('\'') {
            Some(i) if i > 0 => i + 2,
            _ => unquoted_key_len(after_export),
        },
        None => unquoted_key_len(after_export),
    };
    if key_len == 0 {
        return None;
    }
    let rest = after_export[key_len..].trim_start_matches(is_hspace);
    let value = rest.strip_prefix('=')?.trim_start_matches(is_hspace);
    let quote = match value.as_bytes().first()? {
        b'"' => "double",
        b'\'' => "single",
        _ => return None,
    };
    let offset = line.text.len() - value.len();
    Some(ParseError::Unterminated {
        line: line.number,
        column: line.text[..offset].chars().count() + 1,
        quote,
    })
}

/// Every [`unterminated_quote`] of a text, in file order (the encrypter's warnings).
pub fn unterminated_quotes(bytes: &[u8]) -> Vec<ParseError> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    LineParser::new(body, 1)
        .filter_map(|l| unterminated_quote(&l.ok()?))
        .collect()
}

/// For each byte, in an unquoted key: 0 the key goes on, 1 the key ends here (`=`, `#`,
/// ASCII white space), 2 a non-ASCII byte (decided char by char).
static KEY_BYTE: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'=' as usize] = 1;
    t[b'#' as usize] = 1;
    t[b' ' as usize] = 1;
    let mut c = 0x09; // \t \n \x0b \x0c \r: char::is_whitespace's ASCII ones
    while c <= 0x0d {
        t[c] = 1;
        c += 1;
    }
    let mut c = 0x80;
    while c < 0x100 {
        t[c] = 2;
        c += 1;
    }
    t
};

fn unquoted_key_len(s: &str) -> usize {
    let ends_key = |c: char| c == '=' || c == '#' || c.is_whitespace();
    // Byte by byte (one table look-up each) while ASCII: every line of a file goes
    // through here. From the first non-ASCII byte on, char by char, so Unicode white
    // space still ends a key.
    for (i, &b) in s.as_bytes().iter().enumerate() {
        match KEY_BYTE[usize::from(b)] {
            0 => {}
            1 => return i,
            _ => return i + s[i..].find(ends_key).unwrap_or(s.len() - i),
        }
    }
    s.len()
}

#[cfg(test)]
mod tests;
