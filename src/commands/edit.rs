//! `envseal edit`: decrypt to a private temporary file, run the editor, re-encrypt.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};

use super::{interactive, open_encrypted, read_input, Ui};
use crate::cli::Edit;
use crate::dotenv;
use crate::exit::{Code, Failure};
use crate::format::{self, fernet, v1, Format};

/// Edit, and note it in the ledger.
pub fn run(args: &Edit, global: &crate::cli::Global, ui: &Ui) -> Result<()> {
    let result = edit(args, global, ui);
    let path = args.file.clone().unwrap_or_else(|| ".env.encrypted".into());
    let kid = result.as_ref().ok().and_then(Option::as_ref);
    let op = crate::ledger::Operation::Edit;
    super::ledger_note(global, ui, op, &path, kid, &result, false);
    result.map(drop)
}

/// Returns the id of the key used.
fn edit(args: &Edit, global: &crate::cli::Global, ui: &Ui) -> Result<Option<crate::key::KeyId>> {
    let path = args.file.clone().unwrap_or_else(|| ".env.encrypted".into());
    let chosen = std::env::var("VISUAL")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|e| !e.trim().is_empty())
        });
    // vi without a terminal would draw the plaintext into whatever captures its output.
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if chosen.is_none() && !terminal {
        return Err(Failure::new(
            Code::Refused,
            format!(
                "no terminal to run an editor on and neither $VISUAL nor $EDITOR is set; {} unchanged (set EDITOR to a command that edits the file it is given)",
                path.display()
            ),
        )
        .into());
    }
    let editor = chosen.unwrap_or_else(|| "vi".to_owned());
    // Found now: once the editor has run, a failure here would lose the edit.
    let project = crate::project::Project::discover()?;
    let bytes = read_input(&path, "encrypted file")?;
    let opened = open_encrypted(&path, &bytes, &args.key, ui)?;
    let kid = opened.key_id();
    // The edit is a change of the encrypted side: when the plaintext beside it holds the
    // content before the edit, that is the pair's last sync, so `encrypt` afterwards
    // refuses to revert the edit and `status` recommends `decrypt`.
    // (Keyed by the master key, or by the data key for a file opened through another slot.)
    let record_key = super::sync::record_key(&opened);
    if let (Some(plain), Some(key)) = (super::sync::plaintext_of(&path), &record_key) {
        if std::fs::read(&plain).is_ok_and(|p| p == *opened.plaintext) {
            super::sync::record(global, ui, &plain, &path, key, &opened.plaintext, &bytes);
        }
    }
    let command = editor_command(&editor, ui);

    // /dev/shm keeps the plaintext off the disk; tempfile creates it 0600 and removes it
    // when dropped (on every return path below). When /dev/shm cannot be used, the copy
    // goes to the temporary directory, on disk: said, with the path.
    let shm = Path::new("/dev/shm");
    let mut builder = tempfile::Builder::new();
    builder.prefix("envseal-edit-").suffix(".env");
    let in_shm = if shm.is_dir() {
        builder.tempfile_in(shm).ok()
    } else {
        None
    };
    let on_disk = in_shm.is_none();
    let mut tmp = match in_shm {
        Some(t) => t,
        None => builder
            .tempfile()
            .context("cannot create a private temporary file")?,
    };
    if on_disk {
        ui.warn(format!(
            "/dev/shm is not usable: the plaintext copy is on disk at {} (mode 0600, removed afterwards)",
            tmp.path().display()
        ));
    }
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
            .arg(&command)
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
            return Ok(kid);
        }
        let doc = match dotenv::parse_file_bytes(tmp.path(), &edited) {
            Ok(doc) => doc,
            Err(e) if interactive() => {
                ui.warn(format!("the edited file cannot be used: {e}"));
                // An answer that cannot be read is a no: the edit is kept, as below.
                if Ui::confirm("Reopen the editor?", true).is_ok_and(|a| a == Some(true)) {
                    continue;
                }
                // Declined: the edit is kept (not thrown away), as without a terminal.
                let (_, kept) = tmp.keep().context("cannot keep the temporary file")?;
                return Err(Failure::new(
                    Code::BadInput,
                    format!(
                        "{} unchanged. Your edit is kept in {} (plaintext, mode 0600): fix it, then `envseal encrypt {} -o {}` and delete it",
                        path.display(),
                        kept.display(),
                        kept.display(),
                        path.display()
                    ),
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
        // Accepted as `encrypt` accepts it (issue 14), and said as `encrypt` says it:
        // file:line:column of the decrypted content, never the text.
        super::encrypt::warn_unterminated(&path, &edited, ui);
        let sealed = match opened.format {
            Format::V1 => {
                let mut random = |b: &mut [u8]| format::os_random(b);
                // Every slot and the data key are kept: no key is needed to write the edit
                // back (a file opened through an age slot may have no master slot).
                let previous = opened.v1.as_ref().ok_or_else(|| {
                    Failure::new(
                        Code::CheckFailed,
                        "internal error: the opened file was not kept",
                    )
                })?;
                v1::encrypt_again(
                    &doc,
                    previous,
                    // A file written with --encrypt-comments stays so: a comment that was
                    // hidden must not come out readable because it was edited around. As
                    // `sync` and the merge driver decide: a file that shows no comment
                    // hides them (when in doubt, hide).
                    v1::Options {
                        encrypt_comments: !super::encrypt::shows_a_comment(&bytes),
                    },
                    &mut random,
                )?
            }
            Format::Fernet => fernet::encrypt(&edited, &opened.master(&path)?.key),
        };
        // The commit holds the project's write lock, and only replaces the file that was
        // opened: a rotation (or another edit) that replaced it meanwhile wins, and this
        // edit is kept for the user to apply again.
        let keep = |tmp: tempfile::NamedTempFile, why: String| -> anyhow::Error {
            match tmp.keep() {
                Ok((_, kept)) => Failure::new(
                    Code::Refused,
                    format!(
                        "{why}; {} not rewritten. Your edit is kept in {} (plaintext, mode 0600): run `envseal edit` again and apply it, then delete that file",
                        path.display(),
                        kept.display()
                    ),
                )
                .into(),
                Err(e) => anyhow::Error::new(e.error)
                    .context(format!("{why}; {} not rewritten and the edit is lost", path.display())),
            }
        };
        let _lock = match super::guard::write_lock(&project, super::guard::WRITER_WAIT, "edit") {
            Ok(l) => l,
            Err(e) => return Err(keep(tmp, format!("{e:#}"))),
        };
        if std::fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
            return Err(keep(
                tmp,
                format!(
                    "{} changed while it was being edited (a rotation or another edit replaced it)",
                    path.display()
                ),
            ));
        }
        let mode = crate::fsutil::mode(&path).map_or(0o644, |m| m & 0o777);
        crate::fsutil::write_atomic(&path, sealed.as_bytes(), mode)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let through = kid
            .as_ref()
            .map_or("through a key slot".to_owned(), |k| format!("key {k}"));
        ui.info(format!(
            "re-encrypted {} ({}, {through})",
            path.display(),
            opened.format.name()
        ));
        return Ok(kid);
    }
}

/// The shell command that opens `"$1"` in `editor`. Editors envseal knows are started with
/// the files that would keep plaintext turned off:
/// - vim, nvim (and vi when it is vim): `-i NONE` (no viminfo/shada: yanks, searches,
///   command lines), `-n` (no swap file), and `nobackup nowritebackup noundofile`
///   (no `file~`, no undo file holding old lines); put before the user's own arguments,
///   so a `-c wq` in `$EDITOR` runs with them set;
/// - nano: `--ignorercfiles` (`-I`): no nanorc, so no search/position history, backups
///   or lock files that one may turn on (nano keeps none by default);
/// - emacs: `-q` (no init file) and no backup, auto-save or lock files; put after the
///   user's arguments (`-nw` must come first).
///
/// Any other editor is started as given, with a note (`-v`) that envseal cannot vouch
/// for the files it keeps.
pub fn editor_command(editor: &str, ui: &Ui) -> String {
    let editor = editor.trim();
    let (first, rest) = editor
        .split_once(char::is_whitespace)
        .unwrap_or((editor, ""));
    let q = |words: &[&str]| {
        words
            .iter()
            .map(|w| super::shell_quote(w).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    };
    match editor_kind(first) {
        Some(EditorKind::Vim) => format!(
            "{first} {} {rest} \"$1\"",
            q(&["-i", "NONE", "-n", "-c", "set nobackup nowritebackup noundofile noswapfile"])
        ),
        Some(EditorKind::Nano) => format!("{first} {} {rest} \"$1\"", q(&["--ignorercfiles"])),
        Some(EditorKind::Emacs) => format!(
            "{editor} {} \"$1\"",
            q(&[
                "-q",
                "--eval",
                "(setq make-backup-files nil backup-inhibited t auto-save-default nil create-lockfiles nil)"
            ])
        ),
        None => {
            ui.detail(format!(
                "{first}: not an editor envseal knows (vim, nvim, nano, emacs); its history, swap and backup files are its own business"
            ));
            format!("{editor} \"$1\"")
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EditorKind {
    Vim,
    Nano,
    Emacs,
}

/// What `command` (a name looked up in `$PATH`, or a path) is, by its name and by the
/// name of the file it resolves to (`vi` is often a link to vim).
fn editor_kind(command: &str) -> Option<EditorKind> {
    let found = if command.contains('/') {
        Some(std::path::PathBuf::from(command))
    } else {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(command))
                .find(|p| p.is_file())
        })
    };
    let real = found.and_then(|p| std::fs::canonicalize(p).ok());
    let names = [
        Path::new(command).file_name(),
        real.as_deref().and_then(Path::file_name),
    ];
    let mut kind = None;
    for name in names.into_iter().flatten() {
        let name = name.to_string_lossy();
        let k = if name.starts_with("vim") || name.starts_with("nvim") {
            Some(EditorKind::Vim)
        } else if name == "nano" || name == "rnano" {
            Some(EditorKind::Nano)
        } else if name.starts_with("emacs") && !name.starts_with("emacsclient") {
            Some(EditorKind::Emacs)
        } else {
            None
        };
        kind = kind.or(k);
    }
    kind
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(editor: &str) -> String {
        editor_command(
            editor,
            &Ui {
                quiet: true,
                verbose: false,
                color: false,
            },
        )
    }

    // vim is driven for real by the CLI test `edit_starts_vim_without_viminfo_...`; nano
    // needs a terminal and emacs is not installed here, so their command lines are
    // pinned here (flags checked against `nano --help` 7.2 and the Emacs 28 manual).
    #[test]
    fn known_editors_get_their_no_history_no_backup_flags() {
        assert_eq!(
            command("vim -c wq"),
            "vim -i NONE -n -c 'set nobackup nowritebackup noundofile noswapfile' -c wq \"$1\""
        );
        assert!(command("/usr/bin/nvim").starts_with("/usr/bin/nvim -i NONE -n -c "));
        assert_eq!(command("nano"), "nano --ignorercfiles  \"$1\"");
        assert_eq!(
            command("emacs -nw"),
            "emacs -nw -q --eval '(setq make-backup-files nil backup-inhibited t auto-save-default nil create-lockfiles nil)' \"$1\""
        );
        assert_eq!(command("code --wait"), "code --wait \"$1\"");
        assert_eq!(command("emacsclient"), "emacsclient \"$1\"");
    }
}
