//! The `dotenvy` crate 0.15 (`iter.rs`: `QuotedLines`, `parse.rs`: `LineParser`,
//! `parse_value`), ported function by function, as `dotenvy::dotenv()` / `from_path`
//! load a file (`Iter::load`):
//!
//! - a UTF-8 BOM is removed; lines end at `\n` (a `\r` before it is dropped; a lone `\r`
//!   is an ordinary character);
//! - a quote left open continues the value on the next line; a line starting with `#`
//!   is a comment even there; an unclosed quote, or a backslash or white space ending
//!   the file, is an error;
//! - keys are ASCII letters, digits, `_` and `.`, starting with a letter or `_`;
//!   `export KEY=`; anything else is an error: the loader stops and returns it (the
//!   variables before it are set, the rest are not); envseal refuses the file;
//! - `$NAME` and `${NAME}` expand, in unquoted and double-quoted values, from the
//!   environment first, then the file's earlier values; never in single quotes;
//! - duplicate keys: `load` keeps the first (it never overwrites a variable that is set),
//!   `load_override` the last.

use std::collections::HashMap;

use super::{last_wins, Options, Problem, Reading};

const WHAT_OPEN: &str = "the dotenvy loader rejects this file: it ends inside this statement (an unclosed quote, or a backslash or white space at the very end)";
const WHAT_LINE: &str =
    "the dotenvy loader rejects this file: it cannot parse this line here (key, `=` or value)";

/// A problem at byte `offset` of the original text.
fn problem(text: &str, offset: usize, what: &'static str) -> Problem {
    let (line, column) = crate::dotenv::position(text, offset.min(text.len()));
    Problem { line, column, what }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Complete,
    Escape,
    StrongOpen,
    StrongOpenEscape,
    WeakOpen,
    WeakOpenEscape,
    Comment,
    WhiteSpace,
}

/// `eval_end_state`
fn end_state(prev: State, buf: &str) -> (usize, State) {
    let mut cur = prev;
    let mut cur_pos = 0;
    for (pos, c) in buf.char_indices() {
        cur_pos = pos;
        cur = match cur {
            State::WhiteSpace => match c {
                '#' => return (cur_pos, State::Comment),
                '\\' => State::Escape,
                '"' => State::WeakOpen,
                '\'' => State::StrongOpen,
                _ => State::Complete,
            },
            State::Escape => State::Complete,
            State::Complete => match c {
                c if c.is_whitespace() && c != '\n' && c != '\r' => State::WhiteSpace,
                '\\' => State::Escape,
                '"' => State::WeakOpen,
                '\'' => State::StrongOpen,
                _ => State::Complete,
            },
            State::WeakOpen => match c {
                '\\' => State::WeakOpenEscape,
                '"' => State::Complete,
                _ => State::WeakOpen,
            },
            State::WeakOpenEscape => State::WeakOpen,
            State::StrongOpen => match c {
                '\\' => State::StrongOpenEscape,
                '\'' => State::Complete,
                _ => State::StrongOpen,
            },
            State::StrongOpenEscape => State::StrongOpen,
            State::Comment => unreachable!("returned early"),
        };
    }
    (cur_pos, cur)
}

/// `QuotedLines`: the logical lines of `text` (after the BOM), each with the offset in
/// `text` where it starts.
fn logical_lines(text: &str, from: usize) -> Result<Vec<(usize, String)>, Problem> {
    let mut out = Vec::new();
    let mut pos = from;
    while pos < text.len() {
        let start = pos;
        let mut buf = String::new();
        let mut state = State::Complete;
        loop {
            if pos >= text.len() {
                if state == State::Complete {
                    return Ok(out);
                }
                return Err(problem(text, start, WHAT_OPEN));
            }
            let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
            let buf_pos = buf.len();
            buf.push_str(&text[pos..end]);
            pos = end;
            if buf.trim_start().starts_with('#') {
                buf.clear();
                break;
            }
            let (cur_pos, s) = end_state(state, &buf[buf_pos..]);
            state = s;
            match state {
                State::Complete => {
                    if buf.ends_with('\n') {
                        buf.pop();
                        if buf.ends_with('\r') {
                            buf.pop();
                        }
                    }
                    break;
                }
                State::Comment => {
                    buf.truncate(buf_pos + cur_pos);
                    break;
                }
                _ => {}
            }
        }
        out.push((start, buf));
    }
    Ok(out)
}

type Subst = HashMap<String, Option<String>>;

/// `apply_substitution`: the environment first, then the file's earlier values.
fn substitute(env: &HashMap<String, String>, data: &Subst, name: &str, out: &mut String) {
    match env.get(name) {
        Some(v) => out.push_str(v),
        None => out.push_str(data.get(name).cloned().flatten().as_deref().unwrap_or("")),
    }
}

#[derive(PartialEq, Eq)]
enum Mode {
    None,
    Block,
    EscapedBlock,
}

/// `parse_value`: the value, or the char index of the error in `input`.
fn parse_value(input: &str, data: &Subst, env: &HashMap<String, String>) -> Result<String, usize> {
    let (mut strong, mut weak, mut escaped, mut expecting_end) = (false, false, false, false);
    let mut output = String::new();
    let mut mode = Mode::None;
    let mut name = String::new();
    for (index, c) in input.chars().enumerate() {
        if expecting_end {
            if c == ' ' || c == '\t' {
                continue;
            } else if c == '#' {
                break;
            } else {
                return Err(index);
            }
        } else if escaped {
            match c {
                '\\' | '\'' | '"' | '$' | ' ' => output.push(c),
                'n' => output.push('\n'),
                _ => return Err(index),
            }
            escaped = false;
        } else if strong {
            if c == '\'' {
                strong = false;
            } else {
                output.push(c);
            }
        } else if mode != Mode::None {
            if c.is_alphanumeric() {
                name.push(c);
            } else {
                match mode {
                    Mode::None => unreachable!(),
                    Mode::Block => {
                        if c == '{' && name.is_empty() {
                            mode = Mode::EscapedBlock;
                        } else {
                            substitute(env, data, &std::mem::take(&mut name), &mut output);
                            if c == '$' {
                                mode = Mode::Block;
                            } else {
                                mode = Mode::None;
                                output.push(c);
                            }
                        }
                    }
                    Mode::EscapedBlock => {
                        if c == '}' {
                            mode = Mode::None;
                            substitute(env, data, &std::mem::take(&mut name), &mut output);
                        } else {
                            name.push(c);
                        }
                    }
                }
            }
        } else if c == '$' {
            mode = Mode::Block;
        } else if weak {
            if c == '"' {
                weak = false;
            } else if c == '\\' {
                escaped = true;
            } else {
                output.push(c);
            }
        } else if c == '\'' {
            strong = true;
        } else if c == '"' {
            weak = true;
        } else if c == '\\' {
            escaped = true;
        } else if c == ' ' || c == '\t' {
            expecting_end = true;
        } else {
            output.push(c);
        }
    }
    if mode == Mode::EscapedBlock || strong || weak {
        return Err(input.chars().count().saturating_sub(1));
    }
    substitute(env, data, &name, &mut output);
    Ok(output)
}

/// `LineParser::parse_line`: `Ok(None)` for blank and comment lines; the error is a
/// byte offset in `line`.
fn parse_line(
    line: &str,
    data: &mut Subst,
    env: &HashMap<String, String>,
) -> Result<Option<(String, String)>, usize> {
    let trimmed = line.trim_end();
    let mut rest = trimmed;
    let at = |rest: &str| trimmed.len() - rest.len();
    let skip_ws = |rest: &mut &str| *rest = rest.trim_start();
    let parse_key = |rest: &mut &str| -> Result<String, usize> {
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return Err(at(rest));
        }
        let n = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        let key = rest[..n].to_owned();
        *rest = &rest[n..];
        Ok(key)
    };
    let expect_equal = |rest: &mut &str| -> Result<(), usize> {
        match rest.strip_prefix('=') {
            Some(r) => {
                *rest = r;
                Ok(())
            }
            None => Err(at(rest)),
        }
    };
    skip_ws(&mut rest);
    if rest.is_empty() || rest.starts_with('#') {
        return Ok(None);
    }
    let mut key = parse_key(&mut rest)?;
    skip_ws(&mut rest);
    if key == "export" {
        if expect_equal(&mut rest).is_err() {
            key = parse_key(&mut rest)?;
            skip_ws(&mut rest);
            expect_equal(&mut rest)?;
        }
    } else {
        expect_equal(&mut rest)?;
    }
    skip_ws(&mut rest);
    if rest.is_empty() || rest.starts_with('#') {
        data.insert(key.clone(), None);
        return Ok(Some((key, String::new())));
    }
    let value_at = at(rest);
    let value = parse_value(rest, data, env)
        .map_err(|i| value_at + rest.char_indices().nth(i).map_or(rest.len(), |(b, _)| b))?;
    data.insert(key.clone(), Some(value.clone()));
    Ok(Some((key, value)))
}

pub(super) fn read(
    text: &str,
    env: &HashMap<String, String>,
    opts: Options,
) -> Result<Reading, Problem> {
    let from = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut data = Subst::new();
    let mut pairs = Vec::new();
    for (start, line) in logical_lines(text, from)? {
        match parse_line(&line, &mut data, env) {
            Ok(Some((k, v))) => pairs.push((k, Some(v))),
            Ok(None) => {}
            Err(offset) => return Err(problem(text, start + offset, WHAT_LINE)),
        }
    }
    let vars = if opts.override_env {
        last_wins(pairs)
    } else {
        let mut seen = std::collections::HashSet::new();
        pairs.retain(|(k, _)| seen.insert(k.clone()));
        pairs
    };
    Ok(Reading {
        vars,
        skipped: Vec::new(),
    })
}
