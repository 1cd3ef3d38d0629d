//! `envseal run`: decrypt in memory, put the variables in a command's environment, exec.

use std::collections::HashMap;
use std::os::unix::process::CommandExt;

use anyhow::{Context, Result};

use super::{read_encrypted, read_input, Ui};
use crate::cli::{DialectArg, Run};
use crate::dialect::{self, Dialect};
use crate::dotenv;
use crate::exit::{Code, Failure};

/// Does not return on success: the process becomes the command. A failure (the file,
/// the key, or the command cannot be started) is recorded in the ledger as a `run` event
/// with the kind of failure, never a value.
pub fn run(args: &Run, global: &crate::cli::Global, ui: &Ui) -> Result<()> {
    let mut kid = None;
    let result = start(args, global, ui, &mut kid);
    if result.is_err() {
        let path = args.file.clone().unwrap_or_else(|| ".env.encrypted".into());
        let op = crate::ledger::Operation::Run;
        super::ledger_note(global, ui, op, &path, kid.as_ref(), &result, false);
    }
    result.map(drop)
}

/// The variables envseal reads a key for `path` from, set in this environment: they
/// never reach the command (it gets the file's variables, not the master key), unless
/// the file itself sets that name. Every variable consulted for the file is removed,
/// not only the one the key came from: `SECRETS_MASTER_KEY` next to a
/// `SECRETS_MASTER_KEY_PRODUCTION` is a key all the same. The age identity variables
/// (`ENVSEAL_AGE_KEY`, `ENVSEAL_AGE_KEY_FILE`: [`crate::identities::ENV_VARS`]) are
/// removed the same way: a private key, or where one is, is not the command's business.
pub(crate) fn key_variables(path: &std::path::Path) -> Vec<String> {
    crate::key::env_vars_for(Some(path))
        .into_iter()
        .chain(crate::identities::ENV_VARS.iter().map(|v| (*v).to_owned()))
        .filter(|v| std::env::var_os(v).is_some())
        .collect()
}

fn start(
    args: &Run,
    global: &crate::cli::Global,
    ui: &Ui,
    kid_out: &mut Option<crate::key::KeyId>,
) -> Result<Option<crate::key::KeyId>> {
    let path = args.file.clone().unwrap_or_else(|| ".env.encrypted".into());
    let bytes = read_input(&path, "encrypted file")?;
    // Fail closed: any problem with the key or the file stops here, before anything runs.
    let opened = read_encrypted(&path, &bytes, &args.key, ui)?;
    let doc = dotenv::parse_file_bytes(&path, &opened.plaintext)
        .with_context(|| format!("cannot read the decrypted content of {}", path.display()))?;
    *kid_out = opened.key_id();
    let mut env: HashMap<String, String> = std::env::vars().collect();
    let key_vars = key_variables(&path);
    // Not even through `${SECRETS_MASTER_KEY}` in an expanded value.
    for var in &key_vars {
        env.remove(var);
    }
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
    for var in &key_vars {
        cmd.env_remove(var);
    }
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
    let kid = opened.key_id();
    ui.detail(format!(
        "{set} variable(s) from {} ({} {})",
        path.display(),
        opened.format.name(),
        kid.as_ref()
            .map_or("through a key slot".to_owned(), |k| format!("key {k}"))
    ));
    // A command that is not there is a failed run (recorded by the caller), not a
    // successful one followed by a failure: looked up before the event is written.
    if !program_exists(&args.command[0]) {
        return Err(Failure::new(
            Code::NotFound,
            format!(
                "cannot run {}: no such command (not found on PATH)",
                args.command[0].to_string_lossy()
            ),
        )
        .into());
    }
    super::record_event(
        global,
        ui,
        false,
        crate::ledger::Operation::Run,
        &path,
        kid.as_ref(),
        crate::ledger::Outcome::Ok,
        None,
    );
    // The command gets the core-file limit the user gave envseal (envseal's own is 0).
    crate::guard::user_core_limit();
    let err = cmd.exec();
    crate::guard::no_core_dumps_again();
    // As a shell does: 127 when the command is not found, 126 when it is found but
    // cannot be executed (no permission, not an executable, a directory).
    let (code, what) = match err.kind() {
        std::io::ErrorKind::NotFound => (Code::NotFound, "command not found"),
        std::io::ErrorKind::PermissionDenied => (Code::NotExecutable, "permission denied"),
        _ if err.raw_os_error() == Some(8) /* ENOEXEC */ || err.raw_os_error() == Some(21) /* EISDIR */ => {
            (Code::NotExecutable, "not an executable")
        }
        _ => (Code::NotExecutable, "cannot execute"),
    };
    Err(Failure::new(
        code,
        format!(
            "cannot run {}: {what} ({err})",
            args.command[0].to_string_lossy()
        ),
    )
    .into())
}

/// Is `program` a file exec can find: a path (with a `/`), or a name in one of `$PATH`'s
/// directories? Other failures (permissions, format) still surface from exec itself.
fn program_exists(program: &std::ffi::OsStr) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let p = std::path::Path::new(program);
    if program.as_bytes().contains(&b'/') {
        return p.exists();
    }
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|d| {
            let d = if d.as_os_str().is_empty() {
                std::path::PathBuf::from(".")
            } else {
                d
            };
            d.join(p).is_file()
        })
    })
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
