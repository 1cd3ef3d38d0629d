//! `envseal run`: decrypt in memory, put the variables in a command's environment, exec.

use std::collections::HashMap;
use std::os::unix::process::CommandExt;

use anyhow::{Context, Result};

use super::{read_encrypted, read_input, Ui};
use crate::cli::{DialectArg, Run};
use crate::dialect::{self, Dialect};
use crate::dotenv;
use crate::exit::{Code, Failure};

/// Does not return on success: the process becomes the command.
pub fn run(args: &Run, global: &crate::cli::Global, ui: &Ui) -> Result<Option<crate::key::KeyId>> {
    let path = args.file.clone().unwrap_or_else(|| ".env.encrypted".into());
    let bytes = read_input(&path, "encrypted file")?;
    // Fail closed: any problem with the key or the file stops here, before anything runs.
    let opened = read_encrypted(&path, &bytes, &args.key, ui)?;
    let doc = dotenv::parse_file_bytes(&path, &opened.plaintext)
        .with_context(|| format!("cannot read the decrypted content of {}", path.display()))?;
    let env: HashMap<String, String> = std::env::vars().collect();
    let dialect = chosen_dialect(args.dialect)?;
    let vars = read_values(
        &path,
        &doc,
        dialect,
        expand_switch(dialect, args.expand, args.no_expand)?,
        args.r#override,
        &env,
        ui,
    )?;
    let mut cmd = std::process::Command::new(&args.command[0]);
    cmd.args(&args.command[1..]);
    let mut set = 0;
    for (k, v) in &vars {
        if k.is_empty() || k.contains('=') || k.contains('\0') || v.contains('\0') {
            ui.warn(format!(
                "{}: key {k:?} cannot be an environment variable; skipped",
                path.display()
            ));
            continue;
        }
        if args.r#override || !env.contains_key(k) {
            cmd.env(k, v);
            set += 1;
        }
    }
    ui.detail(format!(
        "{set} variable(s) from {} ({} key {})",
        path.display(),
        opened.format.name(),
        opened.key.key.id()
    ));
    let kid = opened.key.key.id();
    super::record_event(
        global,
        ui,
        false,
        crate::ledger::Operation::Run,
        &path,
        Some(&kid),
        crate::ledger::Outcome::Ok,
        None,
    );
    let err = cmd.exec();
    Err(Failure::new(
        if err.kind() == std::io::ErrorKind::NotFound {
            Code::Usage
        } else {
            Code::Io
        },
        format!("cannot run {}: {err}", args.command[0].to_string_lossy()),
    )
    .into())
}

/// The dialect: `--dialect`, else `dialect` in the project's `.envseal/config.toml`, else
/// python.
pub(crate) fn chosen_dialect(flag: Option<DialectArg>) -> Result<Dialect> {
    match flag {
        Some(d) => Ok(d.into()),
        None => Ok(crate::project::Project::discover()?.config.dialect),
    }
}

/// `--expand` / `--no-expand` for a dialect: only python-dotenv has the switch
/// (`interpolate`); asking node dotenv to expand or dotenvy not to is a usage error
/// rather than a reading no loader gives.
pub(crate) fn expand_switch(dialect: Dialect, expand: bool, no_expand: bool) -> Result<bool> {
    let refuse = |what: &str| -> Result<bool> {
        Err(Failure::new(Code::Usage, format!("--{what}: {what_loader}", what_loader = match dialect {
            Dialect::Node => "node dotenv never expands ${VAR} (that is the separate dotenv-expand package); use --dialect python or dotenvy",
            _ => "dotenvy always expands $VAR and ${VAR}; use --dialect python --no-expand or --dialect node",
        }))
        .into())
    };
    match dialect {
        Dialect::Python => Ok(!no_expand),
        Dialect::Node if expand => refuse("expand"),
        Dialect::Dotenvy if no_expand => refuse("no-expand"),
        d => Ok(d.expands_by_default()),
    }
}

/// The variables `dialect`'s loader sets from `doc` (read from `path`), as `(name, value)`
/// in its order; keys it reads as unset are left out. A statement the loader skips is a
/// warning, a file it rejects an error (exit 7), both naming `path:line:column`, never
/// the text. Every command that hands values to a program reads through here.
pub(crate) fn read_values(
    path: &std::path::Path,
    doc: &dotenv::Document,
    dialect: Dialect,
    expand: bool,
    override_env: bool,
    env: &HashMap<String, String>,
    ui: &Ui,
) -> Result<Vec<(String, String)>> {
    let opts = dialect::Options {
        expand,
        override_env,
    };
    let reading = dialect::read(doc, dialect, env, opts)
        .map_err(|e| Failure::new(Code::BadInput, format!("{}:{e}", path.display())))?;
    for p in &reading.skipped {
        ui.warn(format!("{}:{p}", path.display()));
    }
    Ok(reading
        .vars
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect())
}
