//! `envseal encrypt`: a plaintext .env into a committable encrypted file.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use anyhow::{Context, Result};
use chrono::Utc;

use super::{
    confirm_overwrite, input_path, key_id_arg, key_request, open_encrypted, read_input,
    write_stdout, write_stdout_parts, Ui,
};
use crate::cli::{Encrypt, FormatArg};
use crate::dotenv;
use crate::exit::{Code, Failure};
use crate::format::v1::seal::{self, StreamError};
use crate::format::{self, fernet, v1, Format};
use crate::key;

/// Returns the id of the key used.
pub fn run(args: &Encrypt, ui: &Ui) -> Result<Option<key::KeyId>> {
    let input = input_path(&args.input, &args.env_path, ".env");
    let output = args.output.clone().unwrap_or_else(|| {
        let mut name = input
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(".encrypted");
        input.with_file_name(name)
    });
    if let Some(done) = stream_large(args, ui, &input, &output)? {
        return Ok(Some(done));
    }
    let plain = read_input(&input, "plaintext file")?;
    if format::detect(&plain).is_some() {
        return Err(Failure::new(
            Code::BadInput,
            format!(
                "{} is already encrypted; encrypt the plaintext file instead",
                input.display()
            ),
        )
        .into());
    }
    let fmt = match args.format {
        FormatArg::V1 => Format::V1,
        FormatArg::Fernet => Format::Fernet,
    };
    // A large existing output that already holds this plaintext: read as a stream,
    // compared, done (opening it for re-encryption keeps every token: 75 MiB and 100 ms
    // for 100,000 keys). Anything else, errors included, takes the path below, which
    // says what is wrong or updates the file with minimal diffs.
    if fmt == Format::V1 && !args.stdout && !args.encrypt_comments {
        if let Ok(Some((old, kid))) = super::decrypt::open_large_v1(&output, &args.key, ui, false) {
            if old.eq_bytes(&plain) {
                ui.info(format!("{} is up to date", output.display()));
                return Ok(Some(kid));
            }
        }
    }
    // The plaintext is parsed for both formats: a file envseal cannot place is refused
    // rather than stored in a form no tool reads back the same way. Fernet needs only
    // the check, not the parsed form (as large as the file again).
    let (doc, values) = match fmt {
        Format::V1 => {
            let doc = dotenv::parse_file_bytes(&input, &plain)?;
            let values = doc.lines.iter().filter(|l| l.raw_value().is_some()).count();
            (Some(doc), values)
        }
        Format::Fernet => (None, dotenv::check_file_bytes(&input, &plain)?),
    };

    // An existing output under the same key is updated in place (same data key, unchanged
    // values keep their ciphertext). Anything else there is only replaced with --force.
    let existing = if args.stdout {
        None
    } else {
        std::fs::read(&output).ok()
    };
    let mut previous = None;
    let mut loaded = None;
    let mut replace_reason = None;
    if let Some(bytes) = &existing {
        match format::detect(bytes) {
            Some(found) => match open_encrypted(&output, bytes, &args.key, ui) {
                Ok(opened) if found == fmt => {
                    // Same content, but --encrypt-comments asks for more than a file
                    // that still shows a comment gives: not up to date.
                    let hides_less = args.encrypt_comments && shows_a_comment(bytes);
                    if *opened.plaintext == plain && !hides_less {
                        ui.info(format!("{} is up to date", output.display()));
                        return Ok(Some(opened.key.key.id()));
                    }
                    loaded = Some(opened.key.clone());
                    previous = opened.v1;
                }
                Ok(opened) => {
                    loaded = Some(opened.key.clone());
                    replace_reason = Some(format!(
                        "is in the {} format, not {}",
                        found.name(),
                        fmt.name()
                    ));
                }
                Err(e) => {
                    let code = crate::exit::code_for(&e);
                    if code == Code::KeyMissing {
                        return Err(e);
                    }
                    replace_reason = Some("cannot be decrypted with the key supplied".to_owned());
                }
            },
            None => replace_reason = Some("is not an envseal-encrypted file".to_owned()),
        }
    }
    // An existing output keeps its mode (a 0444 file stays 0444, a 0640 one 0640); one
    // nobody may write to is replaced only with --force (sops and cp ask the same).
    let out_mode = existing
        .as_ref()
        .and_then(|_| crate::fsutil::mode(&output))
        .map_or(0o644, |m| m & 0o7777);
    if existing.is_some() && out_mode & 0o222 == 0 {
        let reason = match replace_reason.take() {
            Some(r) => format!("{r}, and is read-only (mode {out_mode:o})"),
            None => format!("is read-only (mode {out_mode:o})"),
        };
        replace_reason = Some(reason);
    }
    if let Some(reason) = &replace_reason {
        confirm_overwrite(&output, args.force, reason)?;
    }
    let loaded = match loaded {
        Some(l) if args.key.key_file.is_none() || replace_reason.is_none() => l,
        _ => resolve_key(args, &input, ui)?,
    };
    // v1 needs only the parsed form of the plaintext: free the bytes first (on a 7 MB
    // file the parsed form alone is 15 MB), and the old output too.
    drop(existing);
    match doc {
        Some(doc) => {
            drop(plain);
            let opts = v1::Options {
                encrypt_comments: args.encrypt_comments,
            };
            let mut pool = format::OsRandomPool::default();
            let mut random = |b: &mut [u8]| pool.fill(b);
            let sealed = v1::encrypt(
                &doc,
                &loaded.key,
                previous.as_ref(),
                opts,
                Utc::now(),
                &mut random,
            )?;
            if args.stdout {
                write_stdout(sealed.as_bytes())?;
                return Ok(Some(loaded.key.id()));
            }
            crate::fsutil::write_atomic(&output, sealed.as_bytes(), out_mode)
                .with_context(|| format!("cannot write {}", output.display()))?;
        }
        // Fernet is written as it is made, to stdout or into the atomic temporary file:
        // the token (a third larger than the plaintext) is never held whole.
        None if args.stdout => {
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
            fernet::encrypt_into(&plain, &loaded.key, &mut out)?;
            out.flush()?;
            return Ok(Some(loaded.key.id()));
        }
        None => {
            crate::fsutil::write_atomic_with(&output, out_mode, |file| {
                let mut out = std::io::BufWriter::with_capacity(64 * 1024, file);
                fernet::encrypt_into(&plain, &loaded.key, &mut out)?;
                out.flush()
            })
            .with_context(|| format!("cannot write {}", output.display()))?;
        }
    }
    protect_plaintext(&input, ui);
    ui.info(format!(
        "encrypted {} -> {} ({}, key {} from {}, {values} values)",
        input.display(),
        output.display(),
        fmt.name(),
        loaded.key.id(),
        loaded.source
    ));
    Ok(Some(loaded.key.id()))
}

/// The key to encrypt `input` with, from the key sources (a terminal prompt last).
fn resolve_key(args: &Encrypt, input: &Path, ui: &Ui) -> Result<key::Loaded> {
    let key_id = key_id_arg(&args.key)?;
    Ok(key::resolve(
        &key_request(&args.key, input, None, key_id.as_ref(), true),
        &mut ui.warner(),
    )?)
}

/// Plaintext size from which a fresh v1 encryption is streamed on several threads
/// ([`v1::seal::encrypt_stream`]); below it, thread start-up costs more than it saves.
const STREAM_FROM: u64 = 512 * 1024;

/// How much of the input is read to tell whether it is already encrypted.
const SNIFF: usize = 64 * 1024;

/// Encrypt a large plaintext into a new v1 file (or stdout) without holding the whole
/// input, its parsed form and the output at once, sealing on several threads. `None`
/// when this path does not apply: Fernet, a small file, an existing output (re-encrypted
/// with minimal diffs from its old content, or refused without --force), or an input
/// that may be already encrypted (the whole-file path says so).
fn stream_large(
    args: &Encrypt,
    ui: &Ui,
    input: &Path,
    output: &Path,
) -> Result<Option<key::KeyId>> {
    if args.format != FormatArg::V1 || (!args.stdout && output.exists()) {
        return Ok(None);
    }
    let Ok(mut file) = File::open(input) else {
        return Ok(None); // the whole-file path reports it
    };
    if !file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() >= STREAM_FROM)
    {
        return Ok(None);
    }
    let mut head = Vec::with_capacity(SNIFF);
    (&mut file)
        .take(SNIFF as u64)
        .read_to_end(&mut head)
        .with_context(|| format!("cannot read plaintext file {}", input.display()))?;
    if head.starts_with(v1::MAGIC.as_bytes()) || fernet::may_start_a_token(&head) {
        return Ok(None);
    }
    drop(head);
    let opts = v1::Options {
        encrypt_comments: args.encrypt_comments,
    };
    let mut loaded = None;
    let mut resolve = || -> Result<key::Key> {
        let found = resolve_key(args, input, ui)?;
        let key = found.key.clone();
        loaded = Some(found);
        Ok(key)
    };
    let failed = |e: StreamError| -> anyhow::Error {
        match e {
            StreamError::Parse(err) => dotenv::FileParseError {
                path: input.to_owned(),
                err,
            }
            .into(),
            StreamError::Read(e) => anyhow::Error::new(e)
                .context(format!("cannot read plaintext file {}", input.display())),
            StreamError::Write(e) => {
                anyhow::Error::new(e).context(format!("cannot write {}", output.display()))
            }
            StreamError::Format(e) => e.into(),
            StreamError::Key(e) => e,
        }
    };
    let now = Utc::now();
    if args.stdout {
        let mut parts = seal::Parts::default();
        seal::encrypt_stream(&file, opts, now, &mut resolve, &mut parts).map_err(failed)?;
        let parts: Vec<&[u8]> = parts.0.iter().map(|p| p.as_bytes()).collect();
        write_stdout_parts(&parts)?;
        return Ok(loaded.map(|l| l.key.id()));
    }
    // The body goes to the temporary file as it is sealed, the MAC into its place last;
    // only then is the file fsynced and renamed into place. Meanwhile git is asked
    // whether the plaintext is ignored and tracked (read-only; acted on only once the
    // output is in place).
    let (written, git) = std::thread::scope(|scope| {
        let git = scope.spawn(|| git_status(input));
        let written = crate::fsutil::stage_with(output, 0o644, |out| {
            seal::encrypt_stream(&file, opts, now, &mut resolve, &mut seal::FileSink(out))
        });
        (written, git.join())
    });
    let (staged, sealed) = written.map_err(failed)?;
    // This path is only taken when the output did not exist: one that appeared since
    // (another process) is not replaced unasked.
    staged
        .commit_new()
        .and_then(|()| crate::fsutil::sync_dir(crate::fsutil::parent_dir(output)))
        .with_context(|| format!("cannot write {}", output.display()))?;
    let Some(loaded) = loaded else {
        unreachable!("a sealed file has a key");
    };
    match git {
        Ok(status) => apply_protection(input, ui, status),
        Err(_) => protect_plaintext(input, ui),
    }
    ui.info(format!(
        "encrypted {} -> {} (v1, key {} from {}, {} values)",
        input.display(),
        output.display(),
        loaded.key.id(),
        loaded.source,
        sealed.values
    ));
    Ok(Some(loaded.key.id()))
}

/// Make sure git will not commit the plaintext: add it to `.gitignore` beside it when it
/// is not ignored yet, and warn loudly when it is already tracked. Outside a git work
/// tree there is nothing to do.
fn protect_plaintext(input: &std::path::Path, ui: &Ui) {
    apply_protection(input, ui, git_status(input));
}

/// What git says of the plaintext: `None` outside a work tree, else (ignored, tracked).
fn git_status(input: &Path) -> Option<(bool, bool)> {
    let ignored = crate::git::is_ignored(input)?;
    Some((ignored, crate::git::is_tracked(input)))
}

/// [`protect_plaintext`] with git asked beforehand ([`git_status`]).
fn apply_protection(input: &Path, ui: &Ui, status: Option<(bool, bool)>) {
    use crate::git;
    let Some((ignored, tracked)) = status else {
        return;
    };
    let name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !ignored {
        let dir = crate::fsutil::parent_dir(input);
        match git::add_ignore(dir, &format!("/{name}")) {
            Ok(true) => ui.info(format!(
                "added /{name} to {}",
                dir.join(".gitignore").display()
            )),
            Ok(false) => {}
            Err(e) => ui.warn(format!(
                "could not add /{name} to {}: {e}",
                dir.join(".gitignore").display()
            )),
        }
    }
    if tracked {
        ui.warn(format!(
            "{} is TRACKED by git: its plaintext is in the repository. Run: git rm --cached {} (and rotate every secret in it if it was ever pushed)",
            input.display(),
            input.display()
        ));
    }
}

/// Does a v1 file keep a comment readable (it was written without --encrypt-comments)?
fn shows_a_comment(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|text| {
        text.split(['\n', '\r'])
            .skip_while(|l| l.starts_with("#envseal:"))
            .map(|l| l.trim_start_matches(dotenv::is_hspace))
            .any(|l| l.starts_with('#') && !l.starts_with("#ENC["))
    })
}
