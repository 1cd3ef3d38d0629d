//! `envseal run`: decrypt in memory, put the variables in a command's environment, exec.

use std::collections::HashMap;
use std::os::unix::process::CommandExt;

use anyhow::{Context, Result};

use super::{read_encrypted, read_input, Ui};
use crate::cli::Run;
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
    let pairs: Vec<(String, String, String)> = doc
        .lines
        .iter()
        .filter_map(|l| {
            Some((
                l.key_name()?.to_owned(),
                l.raw_value()?.to_owned(),
                l.value()?,
            ))
        })
        .collect();
    let env: HashMap<String, String> = std::env::vars().collect();
    let vars: Vec<(String, String)> = if args.expand {
        dotenv::expand::expand_all(&pairs, &env, args.r#override)
    } else {
        pairs.into_iter().map(|(k, _, v)| (k, v)).collect()
    };
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
    // The command gets the core-file limit the user gave envseal (envseal's own is 0).
    crate::guard::user_core_limit();
    let err = cmd.exec();
    crate::guard::no_core_dumps_again();
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
