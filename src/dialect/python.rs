//! python-dotenv 1.x (`dotenv/parser.py`, `main.py`, `variables.py`), ported statement by
//! statement. Its regular expressions are written out by hand; the comments give each.
//!
//! - The file is read in text mode: `\r\n` and `\r` become `\n` before parsing, inside
//!   quotes too. A UTF-8 BOM is not removed (`encoding="utf-8"`): it is part of the first
//!   key.
//! - `\s` is Python's: Unicode white space plus `\x1c`..`\x1f`.
//! - A statement that does not parse is skipped up to the end of its physical line, with a
//!   warning; the rest of the file is read.
//! - Duplicate keys: the last one wins (a dict).
//! - `interpolate=True` (the default): `${NAME}` and `${NAME:-default}` in every value,
//!   quoted or not, from the file's earlier values and the environment. `$NAME` and
//!   `$(command)` stay as they are: nothing is ever run.

use std::collections::HashMap;

use super::{last_wins, line_col, Options, Problem, Reading};

/// Python's `str.isspace()` / `\s`.
fn space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `[^\S\r\n]`
fn hspace(c: char) -> bool {
    space(c) && c != '\r' && c != '\n'
}

struct Reader<'a> {
    s: &'a str,
    pos: usize,
}

/// The parser's `Error`: a regular expression did not match here.
struct NoMatch;

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }
    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }
    /// Consume the longest prefix of chars satisfying `f`; returns it.
    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &str {
        let rest = &self.s[self.pos..];
        let n = rest.find(|c| !f(c)).unwrap_or(rest.len());
        self.pos += n;
        &rest[..n]
    }

    /// `_rest_of_line`: `[^\r\n]*(?:\r|\n|\r\n)?`
    fn rest_of_line(&mut self) {
        self.take_while(|c| c != '\n');
        if self.peek() == Some('\n') {
            self.pos += 1;
        }
    }

    /// `'((?:\\'|[^'])*)'` (and the same with `"`), as Python's backtracking matches it:
    /// the first quote not taken by a `\q` pair closes; failing that, the quote of the
    /// last `\q` pair (its backslash then belongs to the value).
    fn quoted(&mut self, q: char) -> Result<&str, NoMatch> {
        let start = self.pos + 1;
        let b = self.s.as_bytes();
        let qb = q as u8;
        let mut i = start;
        let mut last_pair = None;
        let close = loop {
            if i >= b.len() {
                break last_pair.ok_or(NoMatch)?;
            }
            if b[i] == b'\\' && b.get(i + 1) == Some(&qb) {
                last_pair = Some(i + 1);
                i += 2;
            } else if b[i] == qb {
                break i;
            } else {
                i += 1;
            }
        };
        self.pos = close + 1;
        Ok(&self.s[start..close])
    }
}

/// `decode_escapes`: each match of `\\[chars]`, left to right, through Python's
/// `unicode-escape` codec.
fn decode_escapes(s: &str, chars: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match (c, it.peek().copied()) {
            ('\\', Some(n)) if n.is_ascii() && chars.contains(&(n as u8)) => {
                it.next();
                out.push(match n {
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'v' => '\u{b}',
                    other => other,
                });
            }
            _ => out.push(c),
        }
    }
    out
}

/// `parse_unquoted_value`: `[^\r\n]*`, then `re.sub(r"\s+#.*", "", part).rstrip()`.
fn unquoted(r: &mut Reader<'_>) -> String {
    let part = r.take_while(|c| c != '\n');
    let mut cut = part.len();
    let mut run_start = None;
    for (i, c) in part.char_indices() {
        if c == '#' {
            if let Some(s) = run_start {
                cut = s;
                break;
            }
        }
        run_start = if space(c) {
            run_start.or(Some(i))
        } else {
            None
        };
    }
    part[..cut].trim_end_matches(space).to_owned()
}

/// One `parse_binding`: `Ok(Some((key, value)))`, `Ok(None)` for white space and comments.
#[allow(clippy::type_complexity)]
fn binding(r: &mut Reader<'_>) -> Result<Option<(String, Option<String>)>, NoMatch> {
    r.take_while(space); // _multiline_whitespace
    if r.pos >= r.s.len() {
        return Ok(None);
    }
    // _export: (?:export[^\S\r\n]+)?
    if let Some(after) = r.rest().strip_prefix("export") {
        let n = after.len() - after.trim_start_matches(hspace).len();
        if n > 0 {
            r.pos += "export".len() + n;
        }
    }
    let key = match r.peek() {
        Some('#') => None,
        Some('\'') => {
            // _single_quoted_key: '([^']+)'
            let body = &r.rest()[1..];
            match body.find('\'') {
                Some(i) if i > 0 => {
                    let k = body[..i].to_owned();
                    r.pos += i + 2;
                    Some(k)
                }
                _ => return Err(NoMatch),
            }
        }
        _ => {
            // _unquoted_key: ([^=\#\s]+)
            let k = r.take_while(|c| c != '=' && c != '#' && !space(c));
            if k.is_empty() {
                return Err(NoMatch);
            }
            Some(k.to_owned())
        }
    };
    r.take_while(hspace);
    let value = if r.peek() == Some('=') {
        r.pos += 1;
        r.take_while(hspace); // _equal_sign
        Some(match r.peek() {
            Some('\'') => decode_escapes(r.quoted('\'')?, b"\\'"),
            Some('"') => decode_escapes(r.quoted('"')?, b"\\'\"abfnrtv"),
            None | Some('\n') | Some('\r') => String::new(),
            _ => unquoted(r),
        })
    } else {
        None
    };
    // _comment: (?:[^\S\r\n]*#[^\r\n]*)?
    let save = r.pos;
    r.take_while(hspace);
    if r.peek() == Some('#') {
        r.take_while(|c| c != '\n');
    } else {
        r.pos = save;
    }
    // _end_of_line: [^\S\r\n]*(?:\r\n|\n|\r|$)
    r.take_while(hspace);
    match r.peek() {
        None => {}
        Some('\n') => r.pos += 1,
        Some(_) => return Err(NoMatch),
    }
    Ok(key.map(|k| (k, value)))
}

/// `${NAME}` / `${NAME:-default}` (`variables.py`: `\$\{(?P<name>[^\}:]*)(?::-(?P<default>[^\}]*))?\}`).
fn interpolate(value: &str, lookup: impl Fn(&str) -> Option<Option<String>>) -> String {
    let b = value.as_bytes();
    let mut out = String::with_capacity(value.len());
    let mut literal_from = 0;
    let mut i = 0;
    while i + 1 < b.len() {
        if !(b[i] == b'$' && b[i + 1] == b'{') {
            i += 1;
            continue;
        }
        let name_start = i + 2;
        let name_end = value[name_start..]
            .find(['}', ':'])
            .map_or(b.len(), |n| name_start + n);
        let (default, end) = if value[name_end..].starts_with(":-") {
            let d = name_end + 2;
            match value[d..].find('}') {
                Some(n) => (Some(&value[d..d + n]), d + n),
                None => (None, usize::MAX),
            }
        } else {
            (None, name_end)
        };
        if end >= b.len() || b[end] != b'}' {
            i += 1;
            continue;
        }
        out.push_str(&value[literal_from..i]);
        let name = &value[name_start..name_end];
        // Variable.resolve: env.get(name, default or ""); a None value gives "".
        let got = match lookup(name) {
            Some(v) => v.unwrap_or_default(),
            None => default.unwrap_or("").to_owned(),
        };
        out.push_str(&got);
        i = end + 1;
        literal_from = i;
    }
    out.push_str(&value[literal_from..]);
    out
}

pub(super) fn read(text: &str, env: &HashMap<String, String>, opts: Options) -> Reading {
    let mut pairs = Vec::new();
    let skipped = each_binding(text, |kv| pairs.push(kv));
    let pairs = if opts.expand {
        // resolve_variables: the earlier values of the file and the environment, the
        // environment first unless `override`.
        let mut defined: HashMap<String, Option<String>> = HashMap::new();
        let mut out = Vec::with_capacity(pairs.len());
        for (name, value) in pairs {
            let result = value.map(|v| {
                interpolate(&v, |n| {
                    let file = defined.get(n).cloned();
                    let environ = env.get(n).map(|s| Some(s.clone()));
                    if opts.override_env {
                        file.or(environ)
                    } else {
                        environ.or(file)
                    }
                })
            });
            defined.insert(name.clone(), result.clone());
            out.push((name, result));
        }
        out
    } else {
        pairs
    };
    Reading {
        vars: last_wins(pairs),
        skipped,
    }
}

/// python-dotenv's bindings of `text` one at a time, in file order, as parsed (no
/// expansion, a key bound twice given twice), and the statements it skips. A text with
/// no `\r` is read in place, not copied (the mask's secrets loader reads 100,000 values
/// through here without holding them).
pub(super) fn each_binding(
    text: &str,
    mut f: impl FnMut((String, Option<String>)),
) -> Vec<Problem> {
    // The normalised copy is plaintext too: wiped when dropped.
    let normalised;
    let text = if text.contains('\r') {
        normalised = zeroize::Zeroizing::new(text.replace("\r\n", "\n").replace('\r', "\n"));
        normalised.as_str()
    } else {
        text
    };
    let mut r = Reader { s: text, pos: 0 };
    let mut skipped = Vec::new();
    while r.pos < text.len() {
        match binding(&mut r) {
            Ok(Some(kv)) => f(kv),
            Ok(None) => {}
            Err(NoMatch) => {
                let (line, column) = line_col(text, r.pos);
                skipped.push(Problem {
                    line,
                    column,
                    what: "python-dotenv cannot parse the statement here and skips the rest of the line",
                });
                r.rest_of_line();
            }
        }
    }
    skipped
}
