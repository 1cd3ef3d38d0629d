//! `encrypt` over a large existing v1 output with a master slot: re-encrypted as a
//! stream ([`v1::restream`]), neither file nor either plaintext held whole (issue 11).
//!
//! What the whole-file path decides from both plaintexts held in memory is decided here
//! from the pair's sync record and the output's bytes, which the stream's reader shows
//! as it reads them (the output is read once):
//!
//! - **Up to date?** When the plaintext is not newer than its output, the record (made
//!   under this key) is asked first: when it has the output's bytes and the
//!   plaintext's bytes as they are now, the plaintext is what the output holds (a
//!   record says both sides held that content), and nothing is decrypted, sealed or
//!   written. Otherwise the stream tells it ([`v1::restream::Resealed::unchanged`]: the
//!   output came out as the previous file byte for byte) and the staged output is
//!   discarded. The modification times only choose which is tried first; both answers
//!   are exact.
//! - **The sync guard.** When the output's bytes are those recorded, the encrypted side
//!   has not moved since the last sync, so writing over it reverts nothing. When they
//!   are not (pulled, merged, `set`, edited), or the record is under another key, the
//!   staged output is discarded and the whole-file path runs, with `guard_encrypt` as
//!   before.
//! - **Hidden comments.** An output that shows a comment keeps showing them; one with
//!   no whole-line token hid nothing. One that shows no comment but has whole-line
//!   tokens (was it written with `--encrypt-comments`?) takes the whole-file path,
//!   which decrypts them to tell.
//!
//! A file opened through a local age or ssh identity (no master key at hand, or no
//! master slot) is streamed too, keeping its data key and every slot line as
//! `encrypt_again` does, its sync record keyed by the secret derived from the data key.
//!
//! Everything else takes the whole-file path too, unchanged: a small plaintext, Fernet,
//! `--stdout`, a read-only output, a file only KMS opens (the key service is called
//! once, by the whole-file open), a key found only by a prompt, and a previous file that does not verify as it is (the staged output is
//! discarded and the whole-file open gives today's error, or opens a reading from
//! before a git line-ending conversion). Falling back costs time, never a different
//! result.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result};

use super::{apply_protection, git_status, starts_encrypted, warn_at, SNIFF};
use crate::cli::{Encrypt, FormatArg};
use crate::commands::sync::{self as record, Recorded};
use crate::commands::Ui;
use crate::dotenv;
use crate::format::v1::restream::{self, RestreamError, Sizes};
use crate::format::v1::seal::{FileSink, StreamError, Tap};
use crate::format::v1::slot::{Identity, MASTER};
use crate::format::{v1, Format, STREAM_FROM};
use crate::key;

/// `Some` when the output was re-encrypted (or found up to date) here; `None`: the
/// whole-file path does it (see the module docs).
pub(super) fn restream_large(
    args: &Encrypt,
    global: &crate::cli::Global,
    ui: &Ui,
    input: &Path,
    output: &Path,
) -> Result<Option<Option<key::KeyId>>> {
    if args.format != FormatArg::V1 || args.stdout {
        return Ok(None);
    }
    let (Ok(plain_file), Ok(old_file)) = (File::open(input), File::open(output)) else {
        return Ok(None);
    };
    let (Ok(plain_meta), Ok(old_meta)) = (plain_file.metadata(), old_file.metadata()) else {
        return Ok(None);
    };
    if !plain_meta.is_file() || plain_meta.len() < STREAM_FROM || !old_meta.is_file() {
        return Ok(None);
    }
    let out_mode = crate::fsutil::mode(output).map_or(0o644, |m| m & 0o7777);
    if out_mode & 0o222 == 0 {
        return Ok(None); // replaced only with --force, as the whole-file path asks
    }
    // The plaintext must not be an encrypted file (the whole-file path says so).
    if starts_encrypted(&plain_file, input)? {
        return Ok(None);
    }
    // The output's header, and what opens it without a prompt or a key service: its
    // master key, else a local age or ssh identity its slots name (then the file keeps
    // its data key and every slot line, and the sync record is keyed by a secret
    // derived from the data key, as `encrypt_again` and `commands::sync::record_key`
    // do).
    let mut old_head = Vec::with_capacity(SNIFF);
    (&old_file).take(SNIFF as u64).read_to_end(&mut old_head)?;
    if !old_head.starts_with(v1::MAGIC.as_bytes()) {
        return Ok(None);
    }
    let head_text = String::from_utf8_lossy(&old_head);
    let Ok(header) = v1::header(&head_text) else {
        return Ok(None);
    };
    // A master key first (for a file with other slots too, `candidates` tries it
    // without a prompt before the local identities).
    let mut local = None;
    let loaded = if header.slots.iter().all(|s| s.kind == MASTER) {
        match super::super::resolve_v1_key(output, &header, &args.key, ui, false) {
            Ok(l) => Some(l),
            Err(_) => return Ok(None),
        }
    } else {
        let lookup = super::super::Lookup {
            prompt: false,
            remote: false,
            rewrap: false,
        };
        match super::super::candidates(output, Format::V1, Some(&header), &args.key, ui, lookup) {
            Ok(mut c) => {
                let master = c.master.take();
                local = Some(c);
                master
            }
            Err(_) => return Ok(None),
        }
    };
    let identities: Vec<&dyn Identity> = match (&loaded, &local) {
        (Some(l), _) => vec![&l.key],
        (None, Some(c)) => c.refs(Some(&header)),
        (None, None) => Vec::new(),
    };
    if identities.is_empty() {
        return Ok(None);
    }
    let record_key = match &loaded {
        Some(l) => l.key.clone(),
        None => match v1::sync_secret_with(&head_text, &identities) {
            Ok(secret) => key::Key::from_bytes(*secret),
            Err(_) => return Ok(None),
        },
    };
    drop(head_text);
    let key = &record_key;
    let kid = loaded.as_ref().map(|l| l.key.id());
    let recorded = record::recorded(global, input, output, key);
    if matches!(recorded, Recorded::Other) {
        return Ok(None);
    }
    // Likely up to date (the plaintext is not newer than its output): asked of the
    // record first, from the two files' fingerprints, without decrypting anything.
    let newer = match (plain_meta.modified(), old_meta.modified()) {
        (Ok(p), Ok(o)) => p > o,
        _ => true,
    };
    if let (
        false,
        Recorded::Under {
            fp,
            plain_fp,
            enc_fp,
        },
    ) = (newer, &recorded)
    {
        let mut seen = Seen::new(Some(fp.file_in_pieces(old_meta.len())));
        if read_lines(&old_file, &mut |text| seen.feed(text)).is_err() {
            return Ok(None);
        }
        if seen.fp.take().and_then(|f| f.finish()) != Some(*enc_fp) {
            return Ok(None); // the encrypted side moved: the guard decides
        }
        let hides_less = args.encrypt_comments && seen.shows_comment;
        if !hides_less
            && fingerprint(&plain_file, fp.file_in_pieces(plain_meta.len()))? == Some(*plain_fp)
        {
            // Both sides are as last synced: the plaintext is the output's.
            let plain = zeroize::Zeroizing::new(super::read_input(input, "plaintext file")?);
            super::warn_unterminated(input, &plain, ui);
            ui.info(format!("{} is up to date", output.display()));
            return Ok(Some(kid));
        }
    }
    let opts = v1::Options {
        encrypt_comments: args.encrypt_comments,
    };
    // The output's bytes as the stream reads them: its fingerprint for the guard, and
    // what it shows.
    let mut seen = Seen::new(match &recorded {
        Recorded::Under { fp, .. } => Some(fp.file_in_pieces(old_meta.len())),
        _ => None,
    });
    let mut tap = record::wants_record(input, output).then(record::StreamRecord::default);
    let (written, git) = std::thread::scope(|scope| {
        let git = scope.spawn(|| git_status(input));
        let written = crate::fsutil::stage_with(output, out_mode, |out| {
            let tapped = tap.as_mut().map(|t| (t as &mut (dyn Tap + Send), key));
            let mut observe = |text: &str| seen.feed(text);
            let done = restream::reencrypt_stream(
                &plain_file,
                &old_file,
                &identities,
                opts,
                &mut FileSink(out),
                tapped,
                Some(&mut observe),
                Sizes::default(),
            )?;
            let fingerprints = match tap.take() {
                Some(t) => t
                    .finish(out)
                    .map_err(|e| RestreamError::Stream(StreamError::Write(e)))?,
                None => None,
            };
            Ok::<_, RestreamError>((done, fingerprints))
        });
        (written, git.join())
    });
    let (staged, (done, fingerprints)) = match written {
        Ok(w) => w,
        // The staged output is gone; the whole-file open reports the previous file.
        Err(RestreamError::Previous(_) | RestreamError::PreviousIo(_)) => return Ok(None),
        Err(RestreamError::Stream(e)) => return Err(failed(e, input, output)),
    };
    // Decided now that the output has been read (the staged output is discarded when
    // the whole-file path must decide).
    if let Recorded::Under { enc_fp, .. } = &recorded {
        if seen.fp.take().and_then(|f| f.finish()) != Some(*enc_fp) {
            return Ok(None); // the encrypted side moved: the guard decides
        }
    }
    if !args.encrypt_comments && !seen.shows_comment && seen.whole_line_tokens {
        return Ok(None); // were comments hidden? only decrypting them tells
    }
    let hides_less = args.encrypt_comments && seen.shows_comment;
    if done.unchanged && !hides_less {
        // Written as it was: the output stays untouched.
        drop(staged);
        if let Some(fingerprints) = fingerprints {
            record::record_with(global, ui, input, output, key, true, |_| Ok(fingerprints));
        }
        warn_at(input, &done.unterminated, ui);
        ui.info(format!("{} is up to date", output.display()));
        return Ok(Some(kid));
    }
    staged
        .commit()
        .and_then(|()| crate::fsutil::sync_dir(crate::fsutil::parent_dir(output)))
        .with_context(|| format!("cannot write {}", output.display()))?;
    if let Some(fingerprints) = fingerprints {
        record::record_with(global, ui, input, output, key, true, |_| Ok(fingerprints));
    }
    match git {
        Ok(status) => apply_protection(input, ui, status),
        Err(_) => super::protect_plaintext(input, ui),
    }
    warn_at(input, &done.unterminated, ui);
    let values = super::super::mask::counted(done.values, "value", "values");
    match &loaded {
        Some(l) => ui.info(format!(
            "encrypted {} -> {} (v1, key {} from {}, {values})",
            input.display(),
            output.display(),
            l.key.id(),
            l.source,
        )),
        // As `update_through_slots` says it.
        None => ui.info(format!(
            "encrypted {} -> {} (v1, through its key slots, every slot kept, {values})",
            input.display(),
            output.display(),
        )),
    }
    Ok(Some(kid))
}

/// A new-plaintext or output failure of the stream, as the whole-file path words it.
fn failed(e: StreamError, input: &Path, output: &Path) -> anyhow::Error {
    match e {
        StreamError::Parse(err) => dotenv::FileParseError {
            path: input.to_owned(),
            err,
        }
        .into(),
        StreamError::Read(e) => {
            anyhow::Error::new(e).context(format!("cannot read plaintext file {}", input.display()))
        }
        StreamError::Write(e) => {
            anyhow::Error::new(e).context(format!("cannot write {}", output.display()))
        }
        StreamError::Format(e) => e.into(),
        StreamError::Key(never) => match never {},
    }
}

/// What the output's lines show, and its fingerprint, fed its bytes in pieces of whole
/// lines.
struct Seen {
    /// A body line shows a comment (what `shows_a_comment` looks for).
    shows_comment: bool,
    /// A body line is a whole encrypted line (`#ENC[`: a comment, a commented-out
    /// assignment or a line that is not an assignment).
    whole_line_tokens: bool,
    fp: Option<crate::sync::FileFp>,
}

impl Seen {
    fn new(fp: Option<crate::sync::FileFp>) -> Seen {
        Seen {
            shows_comment: false,
            whole_line_tokens: false,
            fp,
        }
    }

    /// The next whole lines of the output. Only lines with a `#` are looked at (a
    /// memchr scan): envseal's body lines hold `#` only there, tokens never.
    fn feed(&mut self, text: &str) {
        if let Some(fp) = &mut self.fp {
            fp.update(text.as_bytes());
        }
        if self.shows_comment && self.whole_line_tokens {
            return;
        }
        let bytes = text.as_bytes();
        for at in memchr::memchr_iter(b'#', bytes) {
            let start = memchr::memrchr2(b'\n', b'\r', &bytes[..at]).map_or(0, |i| i + 1);
            if !text[start..at].chars().all(dotenv::is_hspace) {
                continue;
            }
            let rest = &bytes[at..];
            if rest.starts_with(b"#ENC[") {
                self.whole_line_tokens = true;
            } else if !rest.starts_with(b"#envseal:") {
                // Header lines; a body line never starts so (it would be encrypted).
                self.shows_comment = true;
            }
        }
    }
}

/// Read `file` from its start in pieces of whole lines (cut after a `\n`).
fn read_lines(file: &File, each: &mut dyn FnMut(&str)) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; 256 * 1024];
    let (mut have, mut at) = (0, 0u64);
    loop {
        if have == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = file.read_at(&mut buf[have..], at)?;
        at += n as u64;
        have += n;
        let cut = if n == 0 {
            have
        } else {
            match memchr::memrchr(b'\n', &buf[..have]) {
                Some(i) => i + 1,
                None => continue,
            }
        };
        let text =
            std::str::from_utf8(&buf[..cut]).map_err(|_| std::io::Error::other("not UTF-8"))?;
        each(text);
        buf.copy_within(cut..have, 0);
        have -= cut;
        if n == 0 {
            return Ok(());
        }
    }
}

/// The fingerprint of a whole file, read in pieces.
fn fingerprint(file: &File, mut fp: crate::sync::FileFp) -> Result<Option<crate::sync::Fp>> {
    use std::os::unix::fs::FileExt;
    let mut buf = zeroize::Zeroizing::new(vec![0u8; 256 * 1024]);
    let mut at = 0u64;
    loop {
        let n = file.read_at(&mut buf, at)?;
        if n == 0 {
            return Ok(fp.finish());
        }
        fp.update(&buf[..n]);
        at += n as u64;
    }
}
