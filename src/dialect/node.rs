//! node's `dotenv` package (`dotenv.parse`, the default reading of `dotenv.config`; the
//! optional `fast` parser is not covered). Its parser is one regular expression, run here
//! as written (regex-lite's leftmost-first matching is JavaScript's backtracking order),
//! with JavaScript's character classes spelled out (`\s` is Unicode white space plus
//! U+FEFF, `\w` is ASCII):
//!
//! ```js
//! /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/mg
//! ```
//!
//! then, per match: the value trimmed, one pair of matching outer quotes (`'`, `"`, `` ` ``)
//! removed, and in a double-quoted value `\n` and `\r` (only those) unescaped. `\r\n` and
//! `\r` become `\n` first. Duplicate keys: the last one wins. No expansion (that is the
//! separate `dotenv-expand` package). Nothing is ever rejected: what the pattern does not
//! find is skipped silently.

use std::sync::OnceLock;

use regex_lite::Regex;

use super::{last_wins, line_col, Problem, Reading};

/// JavaScript's `\s`.
const WS: &str = r"[\t\n\x0B\x0C\r \u{A0}\u{1680}\u{2000}-\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}\u{FEFF}]";

fn line_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let pattern = format!(
            r#"(?m)^{WS}*(?:export{WS}+)?([0-9A-Za-z_.-]+)(?:{WS}*={WS}*?|:{WS}+?)({WS}*'(?:\\'|[^'])*'|{WS}*"(?:\\"|[^"])*"|{WS}*`(?:\\`|[^`])*`|[^#\r\n]+)?{WS}*(?:#[^\n\r\u{{2028}}\u{{2029}}]*)?$"#
        );
        Regex::new(&pattern).expect("node dotenv's pattern compiles")
    })
}

/// JavaScript's `String.prototype.trim` set (the same as `\s`).
fn js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// `value.replace(/^(['"`])([\s\S]*)\1$/mg, "$2")`: at each line start, a quote and the
/// farthest same quote that ends a line (or the text) enclose a part that loses them.
fn unquote_lines(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = String::with_capacity(v.len());
    let mut copied = 0;
    let mut p = 0;
    while p < b.len() {
        let at_line_start = p == 0 || b[p - 1] == b'\n';
        let q = b[p];
        if at_line_start && matches!(q, b'\'' | b'"' | b'`') {
            // Greedy `[\s\S]*`: the last `q` followed by a line end or the end.
            let close = (p + 1..b.len())
                .rev()
                .find(|&e| b[e] == q && (e + 1 == b.len() || b[e + 1] == b'\n'));
            if let Some(e) = close {
                out.push_str(&v[copied..p]);
                out.push_str(&v[p + 1..e]);
                copied = e + 1;
                p = e + 1;
                continue;
            }
        }
        p += 1;
    }
    out.push_str(&v[copied..]);
    out
}

pub(super) fn read(text: &str) -> Result<Reading, Problem> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    if let Some(at) = text.find(['\u{2028}', '\u{2029}']) {
        // JavaScript's `^`, `$` and `.` also treat these as line ends; the pattern here
        // does not, so this reading would not be node's.
        let (line, column) = line_col(&text, at);
        return Err(Problem {
            line,
            column,
            what: "a U+2028/U+2029 line separator: envseal cannot read this file as node dotenv does (use another dialect, or remove it)",
        });
    }
    let mut pairs = Vec::new();
    for caps in line_regex().captures_iter(&text) {
        let key = caps.get(1).map_or("", |m| m.as_str());
        let raw = caps.get(2).map_or("", |m| m.as_str());
        let trimmed = raw.trim_matches(js_space);
        let mut value = unquote_lines(trimmed);
        if trimmed.starts_with('"') {
            value = value.replace("\\n", "\n").replace("\\r", "\r");
        }
        // `obj["__proto__"] = value` sets no own property: JSON and `populate` never see it.
        if key != "__proto__" {
            pairs.push((key.to_owned(), Some(value)));
        }
    }
    Ok(Reading {
        vars: last_wins(pairs),
        skipped: Vec::new(),
    })
}
