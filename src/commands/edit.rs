//! `envseal edit`: decrypt to a private temporary file, run the editor, re-encrypt.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::Utc;

use super::{interactive, open_encrypted, read_input, Ui};
use crate::cli::Edit;
use crate::dotenv;
use crate::exit::{Code, Failure};
use crate::format::{self, fernet, v1, Format};

pub fn run(args: &Edit, ui: &Ui) -> Result<Option<crate::key::KeyId>> {
    let path = args.file.clone().unwrap_or_else(|| ".env.encrypted".into());
    let bytes = read_input(&path, "encrypted file")?;
    let opened = open_encrypted(&path, &bytes, &args.key, ui)?;
    let kid = opened.key.key.id();
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|e| !e.trim().is_empty())
        })
        .unwrap_or_else(|| "vi".to_owned());

    // /dev/shm keeps the plaintext off the disk; tempfile creates it 0600 and removes it
    // when dropped (on every return path below).
    let shm = Path::new("/dev/shm");
    let mut builder = tempfile::Builder::new();
    builder.prefix("envseal-edit-").suffix(".env");
    let mut tmp = if shm.is_dir() {
        builder.tempfile_in(shm).or_else(|_| builder.tempfile())
    } else {
        builder.tempfile()
    }
    .context("cannot create a private temporary file")?;
    // Removed on SIGINT/SIGTERM/SIGHUP outside the editor's run too (fsutil::signals).
    let _tracked = crate::fsutil::signals::track(tmp.path());
    tmp.write_all(&opened.plaintext)?;
    tmp.as_file().sync_all()?;

    // Ctrl-C goes to the editor; envseal only notes it, so it can still remove the file.
    let interrupted = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(sig, Arc::clone(&interrupted))
            .context("cannot install a signal handler")?;
    }

    loop {
        // While the editor runs, a Ctrl-C is the editor's; the editor gets the user's
        // core-file limit, not envseal's 0.
        let deferred = crate::fsutil::signals::defer();
        crate::guard::user_core_limit();
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("envseal-edit")
            .arg(tmp.path())
            .spawn();
        crate::guard::no_core_dumps_again();
        let status = status
            .and_then(|mut child| child.wait())
            .with_context(|| format!("cannot start the editor ({editor})"))?;
        drop(deferred);
        if interrupted.load(Ordering::SeqCst) {
            return Err(Failure::new(
                Code::Refused,
                format!(
                    "interrupted; {} unchanged, temporary file removed",
                    path.display()
                ),
            )
            .into());
        }
        if !status.success() {
            return Err(Failure::new(
                Code::Refused,
                format!(
                    "the editor exited with {status}; {} unchanged",
                    path.display()
                ),
            )
            .into());
        }
        let edited = std::fs::read(tmp.path()).context("cannot read the edited file back")?;
        if edited == *opened.plaintext {
            ui.info(format!("no changes; {} not rewritten", path.display()));
            return Ok(Some(kid));
        }
        let doc = match dotenv::parse_file_bytes(tmp.path(), &edited) {
            Ok(doc) => doc,
            Err(e) if interactive() => {
                ui.warn(format!("the edited file cannot be used: {e}"));
                let again = dialoguer::Confirm::new()
                    .with_prompt("Reopen the editor?")
                    .default(true)
                    .interact()
                    .unwrap_or(false);
                if again {
                    continue;
                }
                return Err(Failure::new(
                    Code::BadInput,
                    format!("{} unchanged; your edit was discarded", path.display()),
                )
                .into());
            }
            Err(e) => {
                let (_, kept) = tmp.keep().context("cannot keep the temporary file")?;
                return Err(Failure::new(
                    Code::BadInput,
                    format!(
                        "the edited file cannot be used ({e}); {} unchanged. Your edit is kept in {} (plaintext, mode 0600): fix it, then `envseal encrypt {} -o {}` and delete it",
                        path.display(),
                        kept.display(),
                        kept.display(),
                        path.display()
                    ),
                )
                .into());
            }
        };
        let sealed = match opened.format {
            Format::V1 => {
                let mut random = |b: &mut [u8]| format::os_random(b);
                v1::encrypt(
                    &doc,
                    &opened.key.key,
                    opened.v1.as_ref(),
                    v1::Options::default(),
                    Utc::now(),
                    &mut random,
                )?
            }
            Format::Fernet => fernet::encrypt(&edited, &opened.key.key),
        };
        let mode = crate::fsutil::mode(&path).map_or(0o644, |m| m & 0o777);
        crate::fsutil::write_atomic(&path, sealed.as_bytes(), mode)
            .with_context(|| format!("cannot write {}", path.display()))?;
        ui.info(format!(
            "re-encrypted {} ({}, key {kid})",
            path.display(),
            opened.format.name()
        ));
        return Ok(Some(kid));
    }
}
