//! Reading the variables of an encrypted file the one way `run`, `get` and `export` share,
//! asking before plaintext reaches a terminal, and `envseal get`.
//!
//! [`file_values`] is the single place that turns a decrypted file into values: a dotenv
//! dialect (python-dotenv today) plugs in there and every consumer follows.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{read_encrypted, read_input, write_stdout, Ui};
use crate::cli::{Get, KeyArgs};
use crate::dotenv;
use crate::exit::{Code, Failure};

/// One assignment as a consumer reads it: name, raw value text, value.
pub type Assignment = (String, String, String);

/// The assignments of a decrypted file, in file order (duplicates kept), read with the
/// rules `run` uses.
pub fn file_values(path: &Path, plaintext: &[u8]) -> Result<Vec<Assignment>> {
    let doc = dotenv::parse_file_bytes(path, plaintext)
        .with_context(|| format!("cannot read the decrypted content of {}", path.display()))?;
    Ok(doc
        .lines
        .iter()
        .filter_map(|l| {
            Some((
                l.key_name()?.to_owned(),
                l.expose_raw_value()?.to_owned(),
                l.expose_value()?.expose_secret().to_owned(),
            ))
        })
        .collect())
}

/// What a loader ends up with: one value per key, the last assignment winning, each key
/// where it first appears (a Python dict updated in file order).
pub fn effective(assignments: Vec<Assignment>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(assignments.len());
    let mut at = std::collections::HashMap::new();
    for (name, _, value) in assignments {
        match at.get(&name) {
            Some(&i) => out[i] = (name, value),
            None => {
                at.insert(name.clone(), out.len());
                out.push((name, value));
            }
        }
    }
    out
}

/// The file a command works on: `-f FILE`, else the project's `.env.encrypted` (as the
/// other commands default).
pub fn file_or_default(file: &Option<PathBuf>) -> PathBuf {
    file.clone().unwrap_or_else(|| ".env.encrypted".into())
}

/// Decrypt `path` in memory and read its values as the chosen dialect's loader reads the
/// file (`run`'s reading, [`super::run::read_values`]), expanding `${VAR}` where that
/// loader does by default unless `no_expand`. The file's values are the answer whatever
/// the environment holds (python-dotenv's `dotenv_values`, which reads with override).
pub fn read_values(
    path: &Path,
    key: &KeyArgs,
    dialect: Option<crate::cli::DialectArg>,
    no_expand: bool,
    ui: &Ui,
) -> Result<Vec<(String, String)>> {
    let dialect = super::run::chosen_dialect(dialect)?;
    let expand = super::run::expand_switch(dialect, false, no_expand)?;
    let bytes = read_input(path, "encrypted file")?;
    let opened = read_encrypted(path, &bytes, key, ui)?;
    let doc = dotenv::parse_file_bytes(path, &opened.plaintext)
        .with_context(|| format!("cannot read the decrypted content of {}", path.display()))?;
    let mut env: std::collections::HashMap<String, String> = std::env::vars().collect();
    // As `run`: a `${SECRETS_MASTER_KEY}` in a value never expands to the key (it would
    // reach stdout, `$GITHUB_ENV` or a Secret manifest).
    for var in super::run::key_variables(path) {
        env.remove(&var);
    }
    super::run::read_values(path, &doc, dialect, expand, true, &env, ui)
}

/// Plaintext is about to go to stdout: when stdout is a terminal (where it stays on the
/// screen and in the scrollback), ask first, or refuse when there is no terminal to ask
/// on. `force` (--yes) skips the question; a pipe or a file is never asked about.
pub fn confirm_terminal_output(force: bool, what: &str) -> Result<()> {
    if force || !std::io::stdout().is_terminal() {
        return Ok(());
    }
    let question = format!("This prints {what} on your terminal. Go on?");
    match Ui::confirm(&question, false)? {
        Some(true) => return Ok(()),
        Some(false) => return Err(Failure::new(Code::Refused, "nothing printed").into()),
        None => {}
    }
    Err(Failure::new(
        Code::Refused,
        format!("stdout is a terminal and there is no terminal to ask on: not printing {what}; pipe or redirect the output, or pass --yes"),
    )
    .into())
}

/// `envseal get KEY`.
pub fn run_get(args: &Get, ui: &Ui) -> Result<()> {
    let path = file_or_default(&args.file);
    confirm_terminal_output(args.force, "a secret value")?;
    let values = read_values(&path, &args.key_args, args.dialect, args.no_expand, ui)?;
    let Some((_, value)) = values.into_iter().find(|(k, _)| *k == args.key) else {
        return Err(Failure::new(
            Code::CheckFailed,
            format!(
                "{} is not set in {} (envseal set {} adds it)",
                args.key,
                path.display(),
                args.key
            ),
        )
        .into());
    };
    let value = zeroize::Zeroizing::new(value);
    if args.json {
        let mut out = serde_json::json!({ "key": args.key, "value": value.as_str() }).to_string();
        out.push('\n');
        let out = zeroize::Zeroizing::new(out);
        return write_stdout(out.as_bytes());
    }
    write_stdout(value.as_bytes())
}
