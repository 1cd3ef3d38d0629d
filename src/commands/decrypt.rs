//! `envseal decrypt`: an encrypted file back to its exact plaintext (mode 0600).

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{confirm_overwrite, input_path, read_encrypted, read_input, write_stdout, Ui};
use crate::cli::Decrypt;
use crate::exit::{Code, Failure};

/// Returns the id of the key used.
pub fn run(args: &Decrypt, ui: &Ui) -> Result<Option<crate::key::KeyId>> {
    let input = input_path(&args.input, &args.encrypted_path, ".env.encrypted");
    let output = match (&args.output, args.stdout) {
        (_, true) => None,
        (Some(o), false) => Some(o.clone()),
        (None, false) => Some(default_output(&input)?),
    };
    let bytes = read_input(&input, "encrypted file")?;
    let opened = read_encrypted(&input, &bytes, &args.key, ui)?;
    let kid = opened.key.key.id();
    let Some(output) = output else {
        write_stdout(&opened.plaintext)?;
        return Ok(Some(kid));
    };
    if let Ok(existing) = std::fs::read(&output) {
        if existing == *opened.plaintext {
            ui.info(format!("{} is up to date", output.display()));
            return Ok(Some(kid));
        }
        confirm_overwrite(&output, args.force, "differs from the decrypted content")?;
    }
    crate::fsutil::write_atomic(&output, &opened.plaintext, 0o600)
        .with_context(|| format!("cannot write {}", output.display()))?;
    ui.info(format!(
        "decrypted {} -> {} ({}, key {}, mode 0600)",
        input.display(),
        output.display(),
        opened.format.name(),
        kid
    ));
    Ok(Some(kid))
}

/// `X.encrypted` decrypts to `X`.
pub fn default_output(input: &std::path::Path) -> Result<PathBuf> {
    let name = input
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    match name.strip_suffix(".encrypted").filter(|s| !s.is_empty()) {
        Some(stem) => Ok(input.with_file_name(stem)),
        None => Err(Failure::new(
            Code::Usage,
            format!("{} does not end in .encrypted, so there is no default output: pass -o PATH or --stdout", input.display()),
        )
        .into()),
    }
}
