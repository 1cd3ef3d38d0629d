//! `envseal decrypt`: an encrypted file back to its exact plaintext (mode 0600).

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{confirm_overwrite, input_path, open, read_input, write_stdout_parts, How, Ui};
use crate::cli::Decrypt;
use crate::exit::{Code, Failure};
use crate::format::Source;
use crate::key::KeyId;

/// Decrypt, and note it in the ledger. `decrypt --stdout` is a read-only view (git's
/// textconv calls it on every diff): only a decrypt that puts plaintext on disk is
/// recorded.
pub fn run(args: &Decrypt, global: &crate::cli::Global, ui: &Ui) -> Result<()> {
    let result = decrypt(args, global, ui);
    if !args.stdout && !args.textconv {
        let input = input_path(&args.input, &args.encrypted_path, ".env.encrypted");
        let kid = result.as_ref().ok().and_then(Option::as_ref);
        let op = crate::ledger::Operation::Decrypt;
        super::ledger_note(global, ui, op, &input, kid, &result, false);
    }
    result.map(drop)
}

/// Returns the id of the key used.
fn decrypt(args: &Decrypt, global: &crate::cli::Global, ui: &Ui) -> Result<Option<KeyId>> {
    let input = input_path(&args.input, &args.encrypted_path, ".env.encrypted");
    if args.textconv {
        return super::textconv::plaintext(&input, &args.key).map(|()| None);
    }
    let output = match (&args.output, args.stdout) {
        (_, true) => None,
        (Some(o), false) => Some(o.clone()),
        (None, false) => {
            // A missing input (a typo such as `.env.encrpyted`) is reported as missing
            // (exit 6) before its name is judged for a default output.
            if std::fs::metadata(&input).is_err() {
                read_input(&input, "encrypted file")?;
            }
            Some(default_output(&input)?)
        }
    };
    if output.is_none() {
        // Asked before any key is looked for: answering no needs no key.
        super::values::confirm_terminal_output(args.force, "the decrypted file")?;
    }
    // `key`: the master key that opened the file; `None` when an age, ssh or KMS slot did.
    // The format layer chooses how to read it (a large v1 file as a stream).
    let opened = open(&input, Source::File(&input), &args.key, ui, How::READ)?;
    let format = opened.format.name();
    let (plaintext, key) = (opened.plaintext, opened.key.map(|l| l.key));
    let kid = key.as_ref().map(|k| k.id());
    let Some(output) = output else {
        write_stdout_parts(&plaintext.pieces())?;
        return Ok(kid);
    };
    // The pair's sync record: both sides now hold this plaintext. The record is keyed by
    // the master key; for a file opened through an age or ssh slot, by its data key
    // (`crate::sync`); a file opened through KMS only keeps none here (its data key is
    // not found again without another KMS call), so a differing plaintext is then only
    // replaced after the usual overwrite question.
    let key = key.or_else(|| {
        let bytes = std::fs::read(&input).ok()?;
        super::sync::record_key_local(&bytes, &args.key.identity)
    });
    let record = || {
        let Some(key) = &key else {
            return;
        };
        let enc_bytes = std::fs::read(&input).unwrap_or_default();
        super::sync::record_as(
            global,
            ui,
            &output,
            &input,
            key,
            &plaintext.to_vec(),
            &enc_bytes,
            !super::sync::in_ci(),
        );
    };
    if let Ok(existing) = std::fs::read(&output) {
        if plaintext.eq_bytes(&existing) {
            record();
            // Up to date, but a plaintext file others may read is tightened to 0600,
            // the mode decrypt gives a file it writes.
            match crate::fsutil::mode(&output).map(|m| m & 0o7777) {
                Some(m) if m & 0o077 != 0 => {
                    crate::fsutil::set_mode(&output, 0o600).with_context(|| {
                        format!("cannot make {} private (chmod 600)", output.display())
                    })?;
                    ui.info(format!(
                        "{} is up to date; its mode was {m:o}, now 600 (a plaintext file is private)",
                        output.display()
                    ));
                }
                _ => ui.info(format!("{} is up to date", output.display())),
            }
            return Ok(kid);
        }
        let behind = match &key {
            Some(key) => super::sync::guard_decrypt(
                global,
                &output,
                &input,
                key,
                &existing,
                &plaintext.to_vec(),
                args.force,
            )?,
            None => false,
        };
        if !behind {
            confirm_overwrite(&output, args.force, "differs from the decrypted content")?;
        }
    }
    crate::fsutil::write_atomic_parts(&output, &plaintext.pieces(), 0o600)
        .with_context(|| format!("cannot write {}", output.display()))?;
    record();
    let through = match &kid {
        Some(kid) => format!("key {kid}"),
        None => "through a key slot".to_owned(),
    };
    ui.info(format!(
        "decrypted {} -> {} ({format}, {through}, mode 0600)",
        input.display(),
        output.display(),
    ));
    Ok(kid)
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
