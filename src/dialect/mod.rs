//! Whose reading of a `.env` file hands values to a program: python-dotenv's, node
//! dotenv's or the dotenvy crate's. They disagree (quotes, escapes, comments, `export`,
//! duplicate keys, `${VAR}` expansion, what they skip), and `run` promises the
//! environment the application itself would have read. Each reader is a port of that
//! loader's own parser, checked file by file against the real loader
//! (`tests/cli/dialects.rs`); the rules are tabled in the README ("Dialects").
//!
//! A reader works on the exact text of the [`Document`] (its rendering), not on the
//! lossless line model, which serves the encrypter. Like every core module it never
//! prints: warnings and refusals are returned with a line and column, never file text.

use std::collections::HashMap;

use crate::dotenv::Document;

mod dotenvy;
mod node;
mod python;

/// A loader whose reading envseal reproduces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// python-dotenv (`load_dotenv` / `dotenv_values`): the legacy system's language.
    #[default]
    Python,
    /// node's `dotenv` package (`dotenv.parse`, `dotenv.config`).
    Node,
    /// The `dotenvy` crate (`dotenvy::dotenv`, `from_path`, `from_read_iter`).
    Dotenvy,
}

impl Dialect {
    pub const ALL: [Dialect; 3] = [Dialect::Python, Dialect::Node, Dialect::Dotenvy];

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Python => "python",
            Dialect::Node => "node",
            Dialect::Dotenvy => "dotenvy",
        }
    }

    /// Whether the loader expands `${VAR}` by default (python-dotenv: `interpolate=True`;
    /// dotenvy: always; node dotenv: never, that is the separate `dotenv-expand`).
    pub fn expands_by_default(self) -> bool {
        self != Dialect::Node
    }
}

impl std::str::FromStr for Dialect {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Dialect::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| format!("unknown dialect {s:?} (python, node or dotenvy)"))
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How the values are loaded, as the loader's own switches.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Expand `${VAR}` (python-dotenv's `interpolate`). Only python-dotenv has the
    /// switch: node dotenv never expands and dotenvy always does, whatever this says.
    pub expand: bool,
    /// Values from the file win over the environment (python-dotenv's and node's
    /// `override`, dotenvy's `*_override`): in expansion (python-dotenv) and in which
    /// occurrence of a duplicate key dotenvy keeps (its `load` keeps the first).
    pub override_env: bool,
}

/// A place in the file and what is wrong there. Never holds text of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 1-based physical line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    pub what: &'static str,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.what)
    }
}

/// What a loader reads from a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reading {
    /// One entry per key, in the order the loader first meets it, with the value the
    /// loader leaves in the environment (duplicates resolved its way). `None`: a key
    /// without `=` that python-dotenv reads as unset (it sets nothing).
    pub vars: Vec<(String, Option<String>)>,
    /// Statements the loader skips with a warning (python-dotenv logs "could not parse
    /// statement").
    pub skipped: Vec<Problem>,
}

impl Reading {
    /// The key -> value map (what `dotenv_values`/`dotenv.parse` return).
    pub fn map(&self) -> std::collections::BTreeMap<String, Option<String>> {
        self.vars.iter().cloned().collect()
    }
}

/// The file cannot be read in this dialect: the loader refuses it (dotenvy returns an
/// error; python-dotenv and node dotenv never do), or envseal cannot reproduce the
/// loader's reading (node: a U+2028/U+2029 line separator). `problem.what` says which.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{problem}")]
pub struct Rejected {
    pub dialect: Dialect,
    pub problem: Problem,
}

/// The values `dialect`'s loader reads from `doc`, expanding `${VAR}` against `env` (the
/// process environment the loader would see) as that loader does.
///
/// Every command that hands values to a program (`run`, and `get`/`export`) reads through
/// this one function.
pub fn read(
    doc: &Document,
    dialect: Dialect,
    env: &HashMap<String, String>,
    opts: Options,
) -> Result<Reading, Rejected> {
    let text = doc.expose_text();
    match dialect {
        Dialect::Python => Ok(python::read(&text, env, opts)),
        Dialect::Node => node::read(&text),
        Dialect::Dotenvy => dotenvy::read(&text, env, opts),
    }
    .map_err(|problem| Rejected { dialect, problem })
}

/// The values `dialect`'s loader reads from `text` (a file's exact text), one at a time,
/// for a caller that keeps none of them: the mask's secrets loader, which need not hold
/// 100,000 values twice. Returns the statements the loader skips.
///
/// python-dotenv without expansion is read binding by binding: every binding in file
/// order, so a key bound twice gives both values (the loader keeps the last; the earlier
/// one is in the file all the same). The other readings are made whole first (expansion
/// reads earlier values; dotenvy may reject the file after some values), then given.
pub fn each_value(
    text: &str,
    dialect: Dialect,
    env: &HashMap<String, String>,
    opts: Options,
    mut f: impl FnMut(&str, &str),
) -> Result<Vec<Problem>, Rejected> {
    if dialect == Dialect::Python && !opts.expand {
        return Ok(python::each_binding(text, |(name, value)| {
            if let Some(mut value) = value {
                f(&name, &value);
                zeroize::Zeroize::zeroize(&mut value);
            }
        }));
    }
    let reading = match dialect {
        Dialect::Python => Ok(python::read(text, env, opts)),
        Dialect::Node => node::read(text),
        Dialect::Dotenvy => dotenvy::read(text, env, opts),
    }
    .map_err(|problem| Rejected { dialect, problem })?;
    for (name, value) in reading.vars {
        if let Some(mut value) = value {
            f(&name, &value);
            zeroize::Zeroize::zeroize(&mut value);
        }
    }
    Ok(reading.skipped)
}

/// `pairs` in file order to one entry per key: the last value wins, at the place of the
/// first occurrence (a Python dict, a JavaScript object).
fn last_wins(pairs: Vec<(String, Option<String>)>) -> Vec<(String, Option<String>)> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for (k, v) in pairs {
        match index.get(&k) {
            Some(&i) => out[i].1 = v,
            None => {
                index.insert(k.clone(), out.len());
                out.push((k, v));
            }
        }
    }
    out
}

/// 1-based line and column (in characters) of byte `offset` of a text whose line breaks
/// are `\n` only.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

#[cfg(test)]
mod tests;
