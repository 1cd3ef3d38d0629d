//! Value semantics: what a raw value text means, as python-dotenv reads it.
//!
//! - `'single'`: the text between the quotes, with `\\` and `\'` unescaped.
//! - `"double"`: the text between the quotes, with `\\ \' \" \a \b \f \n \r \t \v` unescaped;
//!   any other backslash stays as it is.
//! - `` `backtick` `` (node dotenv's third quote; python-dotenv has none): the text between
//!   the backticks, unchanged.
//! - unquoted: the text up to the first `#` that follows white space, trailing white space
//!   removed; no escapes.
//!
//! Anything after a closing quote (white space, an inline comment) is ignored.

use super::SecretText;

/// The value a raw value text stands for, wiped on drop.
pub fn unquote(raw: &str) -> SecretText {
    SecretText::new(unquote_plain(raw))
}

fn unquote_plain(raw: &str) -> String {
    let bytes = raw.as_bytes();
    if let Some(&q @ (b'"' | b'\'' | b'`')) = bytes.first() {
        if let Some(inner) = quoted_body(raw, q) {
            return match q {
                b'"' => unescape(inner, b"\\'\"abfnrtv"),
                b'\'' => unescape(inner, b"\\'"),
                _ => inner.to_owned(),
            };
        }
    }
    unquoted(raw)
}

/// The text between the opening quote and its closing quote, if it is closed.
fn quoted_body(raw: &str, q: u8) -> Option<&str> {
    let bytes = raw.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            c if c == q => return Some(&raw[1..i]),
            _ => i += 1,
        }
    }
    None
}

fn unquoted(raw: &str) -> String {
    let mut end = raw.len();
    let mut prev_space = false;
    for (i, c) in raw.char_indices() {
        if c == '#' && prev_space {
            end = i;
            break;
        }
        prev_space = c.is_whitespace();
    }
    raw[..end].trim_end().to_owned()
}

fn unescape(s: &str, allowed: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some(n) if n.is_ascii() && allowed.contains(&(n as u8)) => {
                chars.next();
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
            _ => out.push('\\'),
        }
    }
    out
}
