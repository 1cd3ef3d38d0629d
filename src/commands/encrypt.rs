//! `envseal encrypt`: a plaintext .env into a committable encrypted file.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use anyhow::{Context, Result};
use chrono::Utc;

use super::{
    confirm_overwrite, input_path, key_id_arg, key_request, read_input, write_stdout,
    write_stdout_parts, Ui,
};
use crate::cli::{Encrypt, FormatArg};
use crate::dotenv;
use crate::exit::{Code, Failure};
use crate::format::v1::seal::{self, StreamError};
use crate::format::{self, fernet, v1, Format};
use crate::key;

mod restream;

/// Encrypt, and note it in the ledger (a successful encrypt creates the ledger); an
/// output on stdout is not recorded.
pub fn run(args: &Encrypt, global: &crate::cli::Global, ui: &Ui) -> Result<()> {
    let result = encrypt(args, global, ui);
    if !args.stdout {
        let input = input_path(&args.input, &args.env_path, ".env");
        let kid = result.as_ref().ok().and_then(Option::as_ref);
        let op = crate::ledger::Operation::Encrypt;
        super::ledger_note(global, ui, op, &input, kid, &result, true);
    }
    result.map(drop)
}

/// Returns the id of the key used.
fn encrypt(args: &Encrypt, global: &crate::cli::Global, ui: &Ui) -> Result<Option<key::KeyId>> {
    let input = input_path(&args.input, &args.env_path, ".env");
    let output = args.output.clone().unwrap_or_else(|| {
        let mut name = input
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(".encrypted");
        input.with_file_name(name)
    });
    // Replacing an encrypted file holds the project's write lock, so this cannot write a
    // file back under a key a running rotation is retiring (it waits for the rotation,
    // then reads the rotated output).
    let _lock = if args.stdout {
        None
    } else {
        let project = crate::project::Project::discover()?;
        Some(super::guard::write_lock(
            &project,
            super::guard::WRITER_WAIT,
            "encrypt",
        )?)
    };
    // A new file for public-key / KMS recipients (flags or a creation rule).
    if let Some(done) = seal_for_recipients(args, global, ui, &input, &output)? {
        return Ok(done);
    }
    // A large existing output with a master slot: re-encrypted as a stream.
    if let Some(done) = restream::restream_large(args, global, ui, &input, &output)? {
        return Ok(done);
    }
    if let Some(done) = stream_large(args, global, ui, &input, &output)? {
        return Ok(Some(done));
    }
    // The whole plaintext: wiped when this returns (or fails).
    let plain = zeroize::Zeroizing::new(read_input(&input, "plaintext file")?);
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
    // An existing output under the same key is updated in place (same data key, unchanged
    // values keep their ciphertext). Anything else there is only replaced with --force.
    let existing = if args.stdout {
        None
    } else {
        std::fs::read(&output).ok()
    };
    let had_output = existing.is_some();
    // The existing output is opened once, kept for re-encryption, and first asked
    // whether it already holds this plaintext: then nothing is parsed, sealed or
    // written (a failed open is reported below, after the plaintext's own errors). A
    // v1 file's bytes are given to the open, which keeps them as the opened version's
    // text (not a copy of its body beside them); a Fernet file's are kept here.
    let found = existing.as_deref().and_then(format::detect);
    let (mut opened_existing, existing) = match (found, existing) {
        (Some(found @ Format::V1), Some(bytes)) => {
            let opened = super::open_owned(&output, bytes, &args.key, ui, super::How::EDIT)
                .map(super::OpenedFile::from);
            (Some((found, opened)), None)
        }
        (Some(found), Some(bytes)) => {
            let opened = super::open(
                &output,
                format::Source::Bytes(&bytes),
                &args.key,
                ui,
                super::How::EDIT,
            )
            .map(super::OpenedFile::from);
            (Some((found, opened)), Some(bytes))
        }
        (_, bytes) => (None, bytes),
    };
    if let Some((found, Ok(opened))) = &opened_existing {
        let bytes = match (&existing, &opened.v1) {
            (Some(bytes), _) => &bytes[..],
            (None, Some(v1)) => v1.text().as_bytes(),
            (None, None) => &[][..],
        };
        // Same content, but --encrypt-comments asks for more than a file that still
        // shows a comment gives: not up to date.
        let hides_less = args.encrypt_comments && shows_a_comment(bytes);
        if *found == fmt && *opened.plaintext == *plain && !hides_less {
            // The record key: the master key, or (a v1 file opened through an age, ssh
            // or KMS slot) one derived from its data key.
            if let Some(key) = super::sync::record_key(opened) {
                super::sync::record_unless_current(
                    global, ui, &input, &output, &key, &plain, bytes,
                );
            }
            warn_unterminated(&input, &plain, ui);
            ui.info(format!("{} is up to date", output.display()));
            return Ok(opened.key.as_ref().map(|l| l.key.id()));
        }
    }
    // The output's bytes are not held past the open (the opened version keeps its
    // body, which is what the comment checks below read): on a large file they are
    // as large as the parsed plaintext is.
    drop(existing);
    // The plaintext is parsed for both formats: a file envseal cannot place is refused
    // rather than stored in a form no tool reads back the same way. Fernet needs only
    // the check, not the parsed form (as large as the file again).
    let (doc, values) = match fmt {
        Format::V1 => {
            let doc = dotenv::parse_file_bytes(&input, &plain)?;
            let values = doc
                .lines
                .iter()
                .filter(|l| l.expose_raw_value().is_some())
                .count();
            (Some(doc), values)
        }
        Format::Fernet => (None, dotenv::check_file_bytes(&input, &plain)?),
    };
    warn_unterminated(&input, &plain, ui);

    let mut previous = None;
    // Set when the output updated in place was written with --encrypt-comments.
    let mut keep_comments_hidden = false;
    let mut loaded = None;
    let mut replace_reason = None;
    if had_output {
        match opened_existing.take() {
            Some((found, opened)) => match opened {
                Ok(opened) if found == fmt && opened.key.is_none() && found == Format::V1 => {
                    // Opened through an age, ssh or KMS slot: updated keeping its data
                    // key and every slot line, with no key at all.
                    let doc = doc.as_ref().ok_or_else(|| {
                        Failure::new(
                            Code::CheckFailed,
                            "internal error: the plaintext was not parsed",
                        )
                    })?;
                    return update_through_slots(
                        args,
                        global,
                        ui,
                        &input,
                        &output,
                        opened,
                        &plain[..],
                        doc,
                        values,
                    );
                }
                Ok(opened) if found == fmt => {
                    // Opened with its master key (a Fernet file always is; a v1 file
                    // opened through another slot took the branch above).
                    let master = opened.master(&output)?.clone();
                    // Changes the encrypted side has since the last sync are not
                    // reverted unasked.
                    super::sync::guard_encrypt(
                        global,
                        &input,
                        &output,
                        &master.key,
                        &plain,
                        &opened.plaintext,
                        args.force,
                    )?;
                    loaded = Some(master);
                    // An output written with --encrypt-comments keeps its comments hidden
                    // when updated without the flag (as edit, set, sync, merge and rotate
                    // keep them): `status` recommends a plain `envseal encrypt`, and
                    // following it must not publish them. To show them again, delete
                    // the encrypted file and encrypt afresh.
                    // (A file showing a comment did not hide them: that quick look saves
                    // parsing the old plaintext again and hashing every line of the
                    // file, most of re-encrypting a large file's time; and with
                    // --encrypt-comments the answer does not matter.)
                    let body = opened.v1.as_ref().map_or("", |v| v.body()).as_bytes();
                    keep_comments_hidden = found == Format::V1
                        && !args.encrypt_comments
                        && !shows_a_comment(body)
                        && dotenv::parse_bytes(&opened.plaintext)
                            .is_ok_and(|old| super::set::comments_were_encrypted(&old, body));
                    previous = opened.v1;
                }
                Ok(opened) => {
                    loaded = opened.key;
                    replace_reason = Some(format!(
                        "is in the {} format, not {}",
                        found.name(),
                        fmt.name()
                    ));
                }
                Err(e) => {
                    if e.is_no_key() {
                        return Err(e.into());
                    }
                    replace_reason = Some("cannot be decrypted with the key supplied".to_owned());
                }
            },
            None => replace_reason = Some("is not an envseal-encrypted file".to_owned()),
        }
    }
    // An existing output keeps its mode (a 0444 file stays 0444, a 0640 one 0640); one
    // nobody may write to is replaced only with --force (sops and cp ask the same).
    let out_mode = had_output
        .then(|| crate::fsutil::mode(&output))
        .flatten()
        .map_or(0o644, |m| m & 0o7777);
    if had_output && out_mode & 0o222 == 0 {
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
    // file the parsed form alone is 15 MB).
    match doc {
        Some(doc) => {
            drop(plain);
            let opts = v1::Options {
                encrypt_comments: args.encrypt_comments || keep_comments_hidden,
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
            // The previous version and the parsed form are not held past their use (on
            // a large file each is twice the plaintext).
            drop(previous);
            if args.stdout {
                write_stdout(sealed.as_bytes())?;
                return Ok(Some(loaded.key.id()));
            }
            crate::fsutil::write_atomic(&output, sealed.as_bytes(), out_mode)
                .with_context(|| format!("cannot write {}", output.display()))?;
            super::sync::record_doc(
                global,
                ui,
                &input,
                &output,
                &loaded.key,
                &doc,
                sealed.as_bytes(),
            );
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
            let written = std::fs::read(&output).unwrap_or_default();
            super::sync::record(global, ui, &input, &output, &loaded.key, &plain, &written);
        }
    }
    protect_plaintext(&input, ui);
    ui.info(format!(
        "encrypted {} -> {} ({}, key {} from {}, {})",
        input.display(),
        output.display(),
        fmt.name(),
        loaded.key.id(),
        loaded.source,
        super::mask::counted(values, "value", "values"),
    ));
    Ok(Some(loaded.key.id()))
}

/// Re-encrypting over an existing v1 output that an age, ssh or KMS slot opened (no
/// master key at hand, or none in the file): the output keeps its data key, every slot
/// line and the ciphertext of every unchanged value, so no key is needed; the sync
/// record is keyed by the data key (see `crate::sync`). As the master-key path (up to
/// date was said before, from the same open): the encrypted side's unsynced changes are not reverted
/// without --force, a read-only output is replaced only with --force, comments hidden
/// stay hidden.
#[allow(clippy::too_many_arguments)]
fn update_through_slots(
    args: &Encrypt,
    global: &crate::cli::Global,
    ui: &Ui,
    input: &Path,
    output: &Path,
    opened: super::OpenedFile,
    plain: &[u8],
    doc: &dotenv::Document,
    values: usize,
) -> Result<Option<key::KeyId>> {
    let record_key = super::sync::record_key(&opened);
    let previous = opened.v1.as_ref().ok_or_else(|| {
        Failure::new(
            Code::CheckFailed,
            "internal error: the opened file was not kept",
        )
    })?;
    if let Some(key) = &record_key {
        super::sync::guard_encrypt(
            global,
            input,
            output,
            key,
            plain,
            &opened.plaintext,
            args.force,
        )?;
    }
    let out_mode = crate::fsutil::mode(output).map_or(0o644, |m| m & 0o7777);
    if out_mode & 0o222 == 0 {
        confirm_overwrite(
            output,
            args.force,
            &format!("is read-only (mode {out_mode:o})"),
        )?;
    }
    let keep_comments_hidden = dotenv::parse_bytes(&opened.plaintext)
        .is_ok_and(|old| super::set::comments_were_encrypted(&old, previous.body().as_bytes()));
    let opts = v1::Options {
        encrypt_comments: args.encrypt_comments || keep_comments_hidden,
    };
    let mut pool = format::OsRandomPool::default();
    let mut random = |b: &mut [u8]| pool.fill(b);
    let sealed = v1::encrypt_again(doc, previous, opts, &mut random)?;
    crate::fsutil::write_atomic(output, sealed.as_bytes(), out_mode)
        .with_context(|| format!("cannot write {}", output.display()))?;
    if let Some(key) = &record_key {
        super::sync::record_doc(global, ui, input, output, key, doc, sealed.as_bytes());
    }
    protect_plaintext(input, ui);
    ui.info(format!(
        "encrypted {} -> {} (v1, through its key slots, every slot kept, {})",
        input.display(),
        output.display(),
        super::mask::counted(values, "value", "values"),
    ));
    Ok(None)
}

/// The key to encrypt `input` with, from the key sources (a terminal prompt last).
///
/// When the keyring holds several keys and nothing else says which, the project's key
/// is used: `key_id` in `.envseal/config.toml`, else the one key of the project's other
/// v1 files that the keyring holds. Otherwise the error lists the candidate ids.
fn resolve_key(args: &Encrypt, input: &Path, ui: &Ui) -> Result<key::Loaded> {
    let project = crate::project::Project::discover().ok();
    let configured = project
        .as_ref()
        .and_then(|p| p.config.key_id.as_deref())
        .map(|s| {
            s.parse::<key::KeyId>().map_err(|_| {
                Failure::new(
                    Code::Usage,
                    "key_id in .envseal/config.toml must be a key id such as sha256:3f9a0c1d2e4b5a6c",
                )
            })
        })
        .transpose()?;
    let chosen = key_id_arg(&args.key).or(configured.as_ref());
    match key::resolve(
        &key::Request {
            key_id: chosen,
            ..key_request(&args.key, input, None, true)
        },
        &mut ui.warner(),
    ) {
        Err(key::KeyError::Ambiguous { count, ids }) => {
            let used: std::collections::BTreeSet<key::KeyId> = project
                .map(|p| project_key_ids(&p, input))
                .unwrap_or_default();
            let mut held = ids.iter().filter(|id| used.contains(id));
            match (held.next(), held.next()) {
                (Some(id), None) => {
                    ui.detail(format!(
                        "using the project's key {id} (its other encrypted files use it)"
                    ));
                    Ok(key::resolve(
                        &key::Request {
                            key_id: Some(id),
                            ..key_request(&args.key, input, None, true)
                        },
                        &mut ui.warner(),
                    )?)
                }
                _ => Err(key::KeyError::Ambiguous { count, ids }.into()),
            }
        }
        other => Ok(other?),
    }
}

/// The master key ids named by the project's v1 files other than `input`'s output.
fn project_key_ids(
    project: &crate::project::Project,
    input: &Path,
) -> std::collections::BTreeSet<key::KeyId> {
    let own = std::fs::canonicalize(input).ok();
    project
        .encrypted_files()
        .into_iter()
        .filter(|p| p.with_extension("").canonicalize().ok() != own || own.is_none())
        .filter_map(|p| {
            let mut head = vec![0u8; 4096];
            let n = std::io::Read::read(&mut std::fs::File::open(&p).ok()?, &mut head).ok()?;
            head.truncate(n);
            let text = String::from_utf8_lossy(&head);
            let header = v1::header(&text).ok()?;
            Some(header.master()?.kid.clone())
        })
        .collect()
}

/// Plaintext size from which a fresh v1 encryption is streamed on several threads
/// ([`v1::seal::encrypt_stream`]): the format layer's one threshold.
use crate::format::STREAM_FROM;

/// How much of the input is read to tell whether it is already encrypted.
const SNIFF: usize = 64 * 1024;

/// Whether the plaintext `file` (`input`) starts like an encrypted file (v1 or Fernet):
/// the streamed paths leave it to the whole-file path, which says so. Reads its first
/// [`SNIFF`] bytes (moving the file's offset) into a buffer wiped once sniffed.
fn starts_encrypted(file: &File, input: &Path) -> Result<bool> {
    let mut head = zeroize::Zeroizing::new(Vec::with_capacity(SNIFF));
    file.take(SNIFF as u64)
        .read_to_end(&mut head)
        .with_context(|| format!("cannot read plaintext file {}", input.display()))?;
    Ok(head.starts_with(v1::MAGIC.as_bytes()) || fernet::may_start_a_token(&head[..]))
}

/// Encrypt a large plaintext into a new v1 file (or stdout) without holding the whole
/// input, its parsed form and the output at once, sealing on several threads. `None`
/// when this path does not apply: Fernet, a small file, an existing output (re-encrypted
/// with minimal diffs from its old content, or refused without --force), or an input
/// that may be already encrypted (the whole-file path says so).
fn stream_large(
    args: &Encrypt,
    global: &crate::cli::Global,
    ui: &Ui,
    input: &Path,
    output: &Path,
) -> Result<Option<key::KeyId>> {
    if args.format != FormatArg::V1 || (!args.stdout && output.exists()) {
        return Ok(None);
    }
    let Ok(file) = File::open(input) else {
        return Ok(None); // the whole-file path reports it
    };
    if !file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() >= STREAM_FROM)
    {
        return Ok(None);
    }
    if starts_encrypted(&file, input)? {
        return Ok(None);
    }
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
    let failed = |e: StreamError<anyhow::Error>| -> anyhow::Error {
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
        let sealed = seal::encrypt_stream(&file, opts, now, &mut resolve, &mut parts, None)
            .map_err(failed)?;
        {
            let parts: Vec<&[u8]> = parts.0.iter().map(|p| p.as_bytes()).collect();
            write_stdout_parts(&parts)?;
        }
        // The sealed output (as large as the file, and more) is not held while warning.
        drop(parts);
        warn_at(input, &sealed.unterminated, ui);
        return Ok(loaded.map(|l| l.key.id()));
    }
    // The body goes to the temporary file as it is sealed, the MAC into its place last;
    // only then is the file fsynced and renamed into place. Meanwhile git is asked
    // whether the plaintext is ignored and tracked (read-only; acted on only once the
    // output is in place).
    // The pair's sync record, as every other writer keeps it (see `commands::sync`):
    // the sealing threads' parsed lines fingerprinted as they come, the written file
    // once complete.
    let mut record =
        super::sync::wants_record(input, output).then(super::sync::StreamRecord::default);
    let (written, git) = std::thread::scope(|scope| {
        let git = scope.spawn(|| git_status(input));
        let written = crate::fsutil::stage_with(output, 0o644, |out| {
            let tap = record.as_mut().map(|r| r as &mut dyn seal::Tap);
            let sealed = seal::encrypt_stream(
                &file,
                opts,
                now,
                &mut resolve,
                &mut seal::FileSink(out),
                tap,
            )?;
            let fingerprints = match record.take() {
                Some(r) => r.finish(out).map_err(StreamError::Write)?,
                None => None,
            };
            Ok::<_, StreamError<anyhow::Error>>((sealed, fingerprints))
        });
        (written, git.join())
    });
    let (staged, (sealed, fingerprints)) = written.map_err(failed)?;
    // This path is only taken when the output did not exist: one that appeared since
    // (another process) is not replaced unasked.
    staged
        .commit_new()
        .and_then(|()| crate::fsutil::sync_dir(crate::fsutil::parent_dir(output)))
        .with_context(|| format!("cannot write {}", output.display()))?;
    let Some(loaded) = loaded else {
        unreachable!("a sealed file has a key");
    };
    if let Some(fingerprints) = fingerprints {
        super::sync::record_with(global, ui, input, output, &loaded.key, true, |_| {
            Ok(fingerprints)
        });
    }
    match git {
        Ok(status) => apply_protection(input, ui, status),
        Err(_) => protect_plaintext(input, ui),
    }
    warn_at(input, &sealed.unterminated, ui);
    ui.info(format!(
        "encrypted {} -> {} (v1, key {} from {}, {})",
        input.display(),
        output.display(),
        loaded.key.id(),
        loaded.source,
        super::mask::counted(sealed.values, "value", "values")
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
pub(crate) fn shows_a_comment(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|text| {
        text.split(['\n', '\r'])
            .skip_while(|l| l.starts_with("#envseal:"))
            .map(|l| l.trim_start_matches(dotenv::is_hspace))
            .any(|l| l.starts_with('#') && !l.starts_with("#ENC["))
    })
}

/// A value whose quote never closes is stored, not refused (issue 14): the line is
/// encrypted whole and decrypts byte for byte, but the loaders skip or misread it, so say
/// where (never the text).
pub(crate) fn warn_unterminated(input: &Path, plain: &[u8], ui: &Ui) {
    warn_at(input, &dotenv::unterminated_quotes(plain), ui);
}

/// [`warn_unterminated`] for a file encrypted as a stream: the positions the sealer found
/// as it parsed each piece ([`seal::Sealed::unterminated`]), so the file is not read again.
fn warn_at(input: &Path, found: &[dotenv::ParseError], ui: &Ui) {
    for w in found {
        ui.warn(format!(
            "{}:{}:{}: {}; the line is encrypted whole (python-dotenv skips it, dotenvy rejects the file)",
            input.display(),
            w.line(),
            w.column(),
            w.kind_message()
        ));
    }
}

/// The new-file branch of team keys: `--age`/`--ssh`/`--aws-kms` given, or no flag and a
/// `[[creation_rules]]` rule naming recipients for the output. One slot per recipient, a
/// master slot only with `--master` or the rule's `master = true`: a file with only
/// public-key slots needs no master key anywhere. `None`: not this branch (no recipients,
/// or an existing output, which keeps its slots through re-encryption; recipient flags
/// for one are refused, pointing at `recipients add`). Large files take the whole-file
/// path here (the streamed sealer writes a master slot only).
fn seal_for_recipients(
    args: &Encrypt,
    global: &crate::cli::Global,
    ui: &Ui,
    input: &Path,
    output: &Path,
) -> Result<Option<Option<key::KeyId>>> {
    use super::recipients::{recipient_for, rule_recipients, split_name};
    use crate::format::v1::slot::{self, Recipient};
    let flags = !args.age.is_empty() || !args.ssh.is_empty() || !args.aws_kms.is_empty();
    if flags && args.format == FormatArg::Fernet {
        return Err(Failure::new(
            Code::Usage,
            "a Fernet file has no key slots: --age, --ssh and --aws-kms need the v1 format",
        )
        .into());
    }
    if !args.stdout && output.exists() {
        if flags {
            return Err(Failure::new(
                Code::Usage,
                format!(
                    "{} exists and keeps its key slots; to add a recipient run: envseal recipients add --age age1... {} (or delete it to encrypt afresh)",
                    output.display(),
                    super::shell_quote(&output.display().to_string())
                ),
            )
            .into());
        }
        return Ok(None);
    }
    if !flags && args.master {
        return Ok(None); // the master key alone: today's path
    }
    let mut recipients: Vec<Box<dyn Recipient>> = Vec::new();
    let mut master = args.master;
    let mut from = "--age/--ssh/--aws-kms".to_owned();
    if flags {
        for (kind, list) in [(slot::AGE, &args.age), (slot::SSH, &args.ssh)] {
            for text in list {
                let (name, r) = split_name(text);
                recipients.push(recipient_for(kind, r, name)?);
            }
        }
        for arn in &args.aws_kms {
            recipients.push(recipient_for(slot::AWS_KMS, arn, None)?);
        }
    } else {
        if args.format != FormatArg::V1 {
            return Ok(None);
        }
        let Ok(project) = crate::project::Project::discover() else {
            return Ok(None);
        };
        let rel = project.relative(output).into_owned();
        let Some(rule) = project.config.rule_for(&rel) else {
            return Ok(None);
        };
        if rule.recipients.is_empty() {
            return Ok(None);
        }
        recipients = rule_recipients(rule, &project.root)?;
        master = rule.master;
        from = rule.describe();
    }
    let loaded = if master {
        Some(resolve_key(args, input, ui)?)
    } else {
        None
    };
    let plain = zeroize::Zeroizing::new(read_input(input, "plaintext file")?);
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
    let doc = dotenv::parse_file_bytes(input, &plain)?;
    warn_unterminated(input, &plain, ui);
    drop(plain);
    let mut refs: Vec<&dyn Recipient> = Vec::new();
    refs.extend(loaded.as_ref().map(|l| &l.key as &dyn Recipient));
    refs.extend(recipients.iter().map(|r| &**r));
    let mut random = |b: &mut [u8]| format::os_random(b);
    let sealed = v1::seal(
        &doc,
        &refs,
        v1::Options {
            encrypt_comments: args.encrypt_comments,
        },
        Utc::now(),
        &mut random,
    )?;
    if args.stdout {
        write_stdout(sealed.as_bytes())?;
        return Ok(Some(loaded.map(|l| l.key.id())));
    }
    crate::fsutil::write_atomic(output, sealed.as_bytes(), 0o644)
        .with_context(|| format!("cannot write {}", output.display()))?;
    // The pair's first sync record, keyed as every later writer keys it: the master key
    // when there is a master slot, else the data key, found again through a local
    // identity the new slots name (the encrypting person is usually a recipient).
    let record_key = match &loaded {
        Some(l) => Some(l.key.clone()),
        None => super::sync::record_key_local(sealed.as_bytes(), &args.key.identity),
    };
    if let Some(key) = &record_key {
        super::sync::record_doc(global, ui, input, output, key, &doc, sealed.as_bytes());
    }
    protect_plaintext(input, ui);
    let slots: Vec<String> = v1::header(&sealed)?
        .slots
        .iter()
        .map(|s| s.describe())
        .collect();
    ui.info(format!(
        "encrypted {} -> {} (v1, for {}: {})",
        input.display(),
        output.display(),
        from,
        slots.join(", ")
    ));
    Ok(Some(loaded.map(|l| l.key.id())))
}
