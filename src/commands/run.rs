//! `envseal run`: decrypt in memory, put the variables in a command's environment, exec.

use std::collections::HashMap;
use std::os::unix::process::CommandExt;

use anyhow::Result;

use super::{read_encrypted, read_input, Ui};
use crate::cli::Run;
use crate::dotenv;
use crate::exit::{Code, Failure};

/// Does not return on success: the process becomes the command. A failure (the file,
/// the key, or the command cannot be started) is recorded in the ledger as a `run` event
/// with the kind of failure, never a value.
pub fn run(args: &Run, global: &crate::cli::Global, ui: &Ui) -> Result<Option<crate::key::KeyId>> {
    let mut kid = None;
    let result = start(args, global, ui, &mut kid);
    if let Err(e) = &result {
        let path = args.file.clone().unwrap_or_else(|| ".env.encrypted".into());
        super::record_event(
            global,
            ui,
            false,
            crate::ledger::Operation::Run,
            &path,
            kid.as_ref(),
            crate::ledger::Outcome::Failed,
            Some(crate::exit::code_for(e).name()),
        );
    }
    result
}

/// The variables envseal reads a key for `path` from, set in this environment: they
/// never reach the command (it gets the file's variables, not the master key), unless
/// the file itself sets that name. Every variable consulted for the file is removed,
/// not only the one the key came from: `SECRETS_MASTER_KEY` next to a
/// `SECRETS_MASTER_KEY_PRODUCTION` is a key all the same.
fn key_variables(path: &std::path::Path) -> Vec<String> {
    crate::key::env_vars_for(Some(path))
        .into_iter()
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
    // The one reading of values shared with `get` and `export` (see `values.rs`).
    let pairs = super::values::file_values(&path, &opened.plaintext)?;
    *kid_out = Some(opened.key.key.id());
    let mut env: HashMap<String, String> = std::env::vars().collect();
    let key_vars = key_variables(&path);
    // Not even through `${SECRETS_MASTER_KEY}` in an expanded value.
    for var in &key_vars {
        env.remove(var);
    }
    let vars: Vec<(String, String)> = if args.expand {
        dotenv::expand::expand_all(&pairs, &env, args.r#override)
    } else {
        pairs.into_iter().map(|(k, _, v)| (k, v)).collect()
    };
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
    ui.detail(format!(
        "{set} variable(s) from {} ({} key {})",
        path.display(),
        opened.format.name(),
        opened.key.key.id()
    ));
    let kid = opened.key.key.id();
    // A command that is not there is a failed run (recorded by the caller), not a
    // successful one followed by a failure: looked up before the event is written.
    if !program_exists(&args.command[0]) {
        return Err(Failure::new(
            Code::Usage,
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
        Some(&kid),
        crate::ledger::Outcome::Ok,
        None,
    );
    let err = cmd.exec();
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
