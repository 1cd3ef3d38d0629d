//! `envseal set` and `envseal unset`: change one key of an encrypted file in place.
//!
//! The file is opened in memory, the plaintext edited line by line (every other line kept
//! byte for byte, terminators included), and sealed again keeping the data key and the
//! ciphertext of every unchanged value, so the diff is the key's line and the MAC line.
//! The value never comes from argv. What is written is read back before the file is
//! replaced: the key must read as exactly the value given (or be gone).

use std::io::{IsTerminal, Read};
use std::path::Path;

use anyhow::{Context, Result};
use chrono::Utc;
use zeroize::Zeroizing;

use super::values::{effective, file_or_default, file_values};
use super::{open_encrypted, read_input, Ui};
use crate::cli::{Global, Set, Unset};
use crate::dotenv::{self, Document, Eol, Kind};
use crate::exit::{Code, Failure};
use crate::format::{self, fernet, v1, Format};
use crate::ledger::{Operation, Outcome};

/// `envseal set KEY`.
pub fn run_set(args: &Set, global: &Global, ui: &Ui) -> Result<()> {
    let path = file_or_default(&args.file);
    let result = set(args, &path, global, ui);
    record(global, ui, Operation::Set, &path, &args.key, &result);
    result.map(|_| ())
}

/// `envseal unset KEY`.
pub fn run_unset(args: &Unset, global: &Global, ui: &Ui) -> Result<()> {
    let path = file_or_default(&args.file);
    let result = unset(args, &path, global, ui);
    record(global, ui, Operation::Unset, &path, &args.key, &result);
    result.map(|_| ())
}

/// The ledger gets the key name (never the value) and, on failure, the kind of failure.
fn record(
    global: &Global,
    ui: &Ui,
    op: Operation,
    path: &Path,
    key: &str,
    result: &Result<Option<crate::key::KeyId>>,
) {
    let (outcome, detail, kid) = match result {
        Ok(kid) => (Outcome::Ok, format!("key {key}"), kid.clone()),
        Err(e) => (
            Outcome::Failed,
            format!("key {key}: {}", crate::exit::code_for(e).name()),
            None,
        ),
    };
    // A key name that is not a valid name is not recorded as one.
    let detail = if valid_key_name(key) {
        detail
    } else {
        "invalid key name".to_owned()
    };
    super::record_event(
        global,
        ui,
        false,
        op,
        path,
        kid.as_ref(),
        outcome,
        Some(&detail),
    );
}

fn set(args: &Set, path: &Path, global: &Global, ui: &Ui) -> Result<Option<crate::key::KeyId>> {
    check_key_name(&args.key)?;
    if let Some(after) = &args.after {
        check_key_name(after)?;
    }
    let source = match (&args.arg, args.from_file) {
        (Some(_), false) => {
            return Err(Failure::new(
                Code::Usage,
                format!(
                    "refusing a value on the command line: argv is visible to every user of this machine (ps, /proc) and stays in your shell history. Type it at the prompt (`envseal set {k}` on a terminal), pipe it (`printf '%s' \"$VALUE\" | envseal set {k}`), or read it from a file (`envseal set {k} --from-file PATH`)",
                    k = args.key
                ),
            )
            .into())
        }
        (None, true) => {
            return Err(Failure::new(
                Code::Usage,
                "--from-file needs the file that holds the value: envseal set KEY --from-file PATH",
            )
            .into())
        }
        (Some(p), true) => Some(Path::new(p)),
        (None, false) => None,
    };
    // Check the file before asking for a value nobody can store.
    read_input(path, "encrypted file")?;
    let value = read_value(&args.key, source)?;
    if value.is_empty() {
        ui.warn(format!("{} is set to an empty value", args.key));
    }
    if value.contains("${") {
        // python-dotenv 1.x expands `${...}` in every value, quoted or not, with no escape;
        // the value is stored exactly, but its reader must not expand it.
        ui.warn(format!(
            "{}'s value contains `${{`: python-dotenv (and envseal run/get/export with the default python dialect) expands it; read it with --no-expand (python-dotenv: interpolate=False)",
            args.key
        ));
    }
    let _lock = rotation_lock()?;
    let bytes = read_input(path, "encrypted file")?;
    let opened = open_encrypted(path, &bytes, &args.key_args, ui)?;
    let doc = dotenv::parse_file_bytes(path, &opened.plaintext)
        .with_context(|| format!("cannot read the decrypted content of {}", path.display()))?;
    let raw = quote_value(&value).ok_or_else(|| {
        Failure::new(
            Code::BadInput,
            format!(
                "the value for {} ends with a backslash and also needs quotes (white space at its start, a quote first, a newline or ` #`): dotenv quoting cannot carry it so that python-dotenv reads it back; nothing changed",
                args.key
            ),
        )
    })?;
    let edited = Zeroizing::new(with_value(&doc, &args.key, &raw, args.after.as_deref())?);
    check_only_key_changed(
        path,
        &opened.plaintext,
        edited.as_bytes(),
        &args.key,
        Some(&value),
    )?;
    start_sync_record(global, ui, path, &opened, &bytes);
    let kid = seal_and_write(path, &bytes, &opened, edited.as_bytes())?;
    ui.info(format!(
        "set {} in {} ({}, {})",
        args.key,
        path.display(),
        opened.format.name(),
        through(&kid)
    ));
    Ok(kid)
}

fn unset(args: &Unset, path: &Path, global: &Global, ui: &Ui) -> Result<Option<crate::key::KeyId>> {
    check_key_name(&args.key)?;
    let _lock = rotation_lock()?;
    let bytes = read_input(path, "encrypted file")?;
    let opened = open_encrypted(path, &bytes, &args.key_args, ui)?;
    let doc = dotenv::parse_file_bytes(path, &opened.plaintext)
        .with_context(|| format!("cannot read the decrypted content of {}", path.display()))?;
    let Some(edited) = without_key(&doc, &args.key) else {
        return Err(Failure::new(
            Code::CheckFailed,
            format!(
                "{} is not set in {}; nothing changed",
                args.key,
                path.display()
            ),
        )
        .into());
    };
    let edited = Zeroizing::new(edited);
    check_only_key_changed(path, &opened.plaintext, edited.as_bytes(), &args.key, None)?;
    start_sync_record(global, ui, path, &opened, &bytes);
    let kid = seal_and_write(path, &bytes, &opened, edited.as_bytes())?;
    ui.info(format!(
        "removed {} from {} ({}, {})",
        args.key,
        path.display(),
        opened.format.name(),
        through(&kid)
    ));
    Ok(kid)
}

/// `set`/`unset` change the encrypted side only, as `edit` does: when the plaintext beside
/// it holds the content before the change, that is the pair's last sync (recorded even in
/// a clone that had no record yet), so `status` then recommends `decrypt` and `encrypt`
/// refuses to revert the change without --force.
fn start_sync_record(
    global: &Global,
    ui: &Ui,
    path: &Path,
    opened: &super::OpenedFile,
    bytes: &[u8],
) {
    // Keyed by the master key, or by the data key for a file opened through another slot.
    let key = super::sync::record_key(opened);
    if let (Some(plain), Some(key)) = (super::sync::plaintext_of(path), &key) {
        if std::fs::read(&plain).is_ok_and(|p| p == *opened.plaintext) {
            super::sync::record(global, ui, &plain, path, key, &opened.plaintext, bytes);
        }
    }
}

/// How a message names what opened the file.
fn through(kid: &Option<crate::key::KeyId>) -> String {
    kid.as_ref()
        .map_or("through a key slot".to_owned(), |k| format!("key {k}"))
}

/// Read the edited plaintext back as `run` reads it: `key` must be exactly `value` (or
/// gone, for `None`) and every other key exactly what it was, before anything is written.
fn check_only_key_changed(
    path: &Path,
    before: &[u8],
    after: &[u8],
    key: &str,
    value: Option<&str>,
) -> Result<()> {
    let strip = |v: Vec<(String, String)>| -> (Vec<(String, String)>, Option<Zeroizing<String>>) {
        let mut target = None;
        let rest = v
            .into_iter()
            .filter_map(|(k, v)| {
                if k == key {
                    target = Some(Zeroizing::new(v));
                    None
                } else {
                    Some((k, v))
                }
            })
            .collect();
        (rest, target)
    };
    let (old_rest, _) = strip(effective(file_values(path, before)?));
    let (new_rest, got) = strip(effective(file_values(path, after)?));
    let mut old_sorted = old_rest;
    let mut new_sorted = new_rest;
    old_sorted.sort();
    new_sorted.sort();
    let same_rest = old_sorted == new_sorted;
    let wipe = |v: Vec<(String, String)>| {
        for (_, v) in v {
            drop(Zeroizing::new(v));
        }
    };
    wipe(old_sorted);
    wipe(new_sorted);
    if same_rest && got.as_deref().map(String::as_str) == value {
        return Ok(());
    }
    Err(Failure::new(
        Code::BadInput,
        format!(
            "the edit of {key} would not read back exactly from {}; nothing changed",
            path.display()
        ),
    )
    .into())
}

/// The project's rotation lock, held while a file is read, changed and replaced: a
/// rotation must not re-encrypt the file between the two, nor this write undo its work
/// (a second `set` waits too). Taken always, as `edit` and `encrypt` take it: since the
/// ledger lives in the git directory, a fresh clone has no `.envseal/`, and a `set` that
/// skipped the lock there wrote the file it had opened under the old key over a rotation
/// that completed meanwhile.
fn rotation_lock() -> Result<Option<crate::fsutil::Lock>> {
    let Ok(project) = crate::project::Project::discover() else {
        return Ok(None);
    };
    // The one project write lock (`guard.rs`); a short wait: a value is typed again easily.
    super::guard::write_lock(&project, std::time::Duration::from_secs(2), "set/unset").map(Some)
}

/// A key `set` can write so that every dotenv reader takes it as written: a shell-style
/// name, dots and dashes allowed after the first character.
fn valid_key_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn check_key_name(key: &str) -> Result<()> {
    if valid_key_name(key) {
        return Ok(());
    }
    Err(Failure::new(
        Code::Usage,
        "a key name is a letter or _ followed by letters, digits, _, . or - (such as STRIPE_SECRET_KEY)",
    )
    .into())
}

/// The value: from `file` byte for byte; else a hidden prompt (typed twice) on a
/// terminal; else stdin, one final newline (`\n` or `\r\n`) removed, as `$(...)` and
/// `echo` users expect (use --from-file for a value that ends with a newline).
fn read_value(key: &str, file: Option<&Path>) -> Result<Zeroizing<String>> {
    let bytes = if let Some(file) = file {
        Zeroizing::new(
            std::fs::read(file)
                .with_context(|| format!("cannot read the value file {}", file.display()))?,
        )
    } else if std::io::stdin().is_terminal() {
        let first = Zeroizing::new(
            rpassword::prompt_password(format!("Value for {key} (hidden): "))
                .context("cannot read the value from the terminal")?,
        );
        let second = Zeroizing::new(
            rpassword::prompt_password(format!("Value for {key} again: "))
                .context("cannot read the value from the terminal")?,
        );
        if first != second {
            return Err(
                Failure::new(Code::BadInput, "the two values differ; nothing changed").into(),
            );
        }
        Zeroizing::new(first.as_bytes().to_vec())
    } else {
        let mut buf = Zeroizing::new(Vec::new());
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("cannot read the value from stdin")?;
        if buf.ends_with(b"\n") {
            buf.pop();
            if buf.ends_with(b"\r") {
                buf.pop();
            }
        }
        buf
    };
    let what = match file {
        Some(f) => format!("the value file {}", f.display()),
        None => "the value".to_owned(),
    };
    if bytes.contains(&0) {
        return Err(Failure::new(
            Code::BadInput,
            format!("{what} holds a NUL byte, which no environment variable can; nothing changed"),
        )
        .into());
    }
    match std::str::from_utf8(&bytes) {
        Ok(s) => Ok(Zeroizing::new(s.to_owned())),
        Err(_) => Err(Failure::new(
            Code::BadInput,
            format!("{what} is not valid UTF-8 (envseal files are UTF-8); nothing changed"),
        )
        .into()),
    }
}

/// The raw text to write after `KEY=` so that python-dotenv (and `run`) read `value`
/// exactly, or `None` when no dotenv quoting can carry it.
///
/// - plain characters only (no `$`, quotes, `#`, white space, backslash): unquoted;
/// - otherwise single quotes, `\` and `'` escaped (newlines stay in the value, as a
///   multi-line value). `$` is kept as written; python-dotenv's default
///   `interpolate=True` expands `${NAME}` in every value, quoted or not, and has no escape
///   for it, so such a value reads back exactly with `interpolate=False`, which is how
///   `run` reads (without --expand);
/// - a carriage return cannot stay raw (python reads files with universal newlines, which
///   turn it into `\n`): double quotes with `\r` and `\n` escapes;
/// - a value ending in a backslash cannot be quoted (python-dotenv's quoted-value regex
///   would take the closing quote as escaped): unquoted when possible, else `None`.
pub fn quote_value(value: &str) -> Option<String> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:@+,=%~^!?*[]{}()&;<>|".contains(c);
    if value.chars().all(plain) {
        return Some(value.to_owned());
    }
    if value.ends_with('\\') {
        let unquotable = !value.starts_with(['\'', '"', '`', '#'])
            && !value.starts_with(char::is_whitespace)
            && !value.contains(['\n', '\r'])
            && !value.contains("${")
            && !value
                .char_indices()
                .any(|(i, c)| c == '#' && value[..i].ends_with(char::is_whitespace));
        return unquotable.then(|| value.to_owned());
    }
    if value.contains('\r') {
        let mut out = String::with_capacity(value.len() + 2);
        out.push('"');
        for c in value.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\r' => out.push_str("\\r"),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
        return Some(out);
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c => out.push(c),
        }
    }
    out.push('\'');
    Some(out)
}

/// What follows the value in a raw value text: an inline comment (with the white space
/// before it), or text after a closing quote. Kept when the value is replaced.
fn value_tail<'a>(raw: &'a str, prefix: &str) -> &'a str {
    let bytes = raw.as_bytes();
    match bytes.first() {
        None => "",
        // `KEY= # note`: the whole raw text is the comment.
        Some(b'#') if prefix.ends_with(dotenv::is_hspace) => raw,
        Some(&q @ (b'"' | b'\'' | b'`')) => {
            let mut i = 1;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' => i += 2,
                    c if c == q => return &raw[i + 1..],
                    _ => i += 1,
                }
            }
            ""
        }
        Some(_) => {
            let mut prev_space = false;
            for (i, c) in raw.char_indices() {
                if c == '#' && prev_space {
                    let start = raw[..i].trim_end_matches(dotenv::is_hspace).len();
                    return &raw[start..];
                }
                prev_space = c.is_whitespace();
            }
            ""
        }
    }
}

/// The terminator most lines use (the first one found), `\n` in an empty file.
fn usual_eol(doc: &Document) -> Eol {
    doc.lines
        .iter()
        .map(|l| l.eol)
        .find(|e| *e != Eol::None)
        .unwrap_or(Eol::Lf)
}

fn render_line(out: &mut String, text: &str, eol: Eol) {
    out.push_str(text);
    out.push_str(eol.as_str());
}

/// The plaintext with `key` set to the raw value `raw`: the last assignment of `key` (the
/// one loaders keep) rewritten, its prefix and inline comment kept; else a new line after
/// the last assignment of `after`, or at the end.
fn with_value(doc: &Document, key: &str, raw: &str, after: Option<&str>) -> Result<String> {
    let last_of = |name: &str| {
        doc.lines
            .iter()
            .rposition(|l| matches!(l.kind, Kind::Assignment { .. }) && l.key_name() == Some(name))
    };
    let mut out = String::new();
    if doc.bom {
        out.push('\u{feff}');
    }
    if let Some(at) = last_of(key) {
        for (i, line) in doc.lines.iter().enumerate() {
            if i != at {
                render_line(&mut out, line.expose_text(), line.eol);
                continue;
            }
            let prefix = line.prefix().unwrap_or_default();
            let tail = value_tail(line.expose_raw_value().unwrap_or_default(), prefix);
            out.push_str(prefix);
            out.push_str(raw);
            if !tail.is_empty() && !tail.starts_with(dotenv::is_hspace) {
                out.push(' ');
            }
            out.push_str(tail);
            out.push_str(line.eol.as_str());
        }
        return Ok(out);
    }
    let insert_after = match after {
        Some(a) => Some(last_of(a).ok_or_else(|| {
            Failure::new(
                Code::Usage,
                format!("--after {a}: {a} is not in the file; nothing changed"),
            )
        })?),
        None => doc.lines.len().checked_sub(1),
    };
    let eol = usual_eol(doc);
    let new_line = format!("{key}={raw}");
    if insert_after.is_none() {
        render_line(&mut out, &new_line, eol);
    }
    for (i, line) in doc.lines.iter().enumerate() {
        if Some(i) != insert_after {
            render_line(&mut out, line.expose_text(), line.eol);
            continue;
        }
        // The new line takes the place of a missing final newline, if any.
        if line.eol == Eol::None {
            render_line(&mut out, line.expose_text(), eol);
            render_line(&mut out, &new_line, Eol::None);
        } else {
            render_line(&mut out, line.expose_text(), line.eol);
            render_line(&mut out, &new_line, eol);
        }
    }
    Ok(out)
}

/// The plaintext without any assignment of `key`; `None` when it has none.
fn without_key(doc: &Document, key: &str) -> Option<String> {
    let is_key =
        |l: &dotenv::Line| matches!(l.kind, Kind::Assignment { .. }) && l.key_name() == Some(key);
    if !doc.lines.iter().any(is_key) {
        return None;
    }
    let kept: Vec<&dotenv::Line> = doc.lines.iter().filter(|l| !is_key(l)).collect();
    let mut out = String::new();
    if doc.bom {
        out.push('\u{feff}');
    }
    for (i, line) in kept.iter().enumerate() {
        // Removing the last line must not leave a final newline the file did not have.
        let eol = if i + 1 == kept.len() && doc.lines.last().is_some_and(|l| l.eol == Eol::None) {
            Eol::None
        } else {
            line.eol
        };
        render_line(&mut out, line.expose_text(), eol);
    }
    Some(out)
}

/// Whether the v1 file was written with --encrypt-comments: it has plain comments and
/// none of them is readable in the encrypted text. Re-sealing keeps that choice.
pub(crate) fn comments_were_encrypted(doc: &Document, encrypted: &[u8]) -> bool {
    let text = String::from_utf8_lossy(encrypted);
    let readable: std::collections::HashSet<&str> = text.lines().collect();
    let mut comments = doc.lines.iter().filter(|l| {
        l.kind == Kind::Comment
            && !l.is_commented_assignment()
            && !l.expose_text().trim_start().starts_with("#ENC[")
            && !l.expose_text().trim_start().starts_with("#envseal:")
    });
    let mut any = false;
    let none_readable = comments.all(|c| {
        any = true;
        !readable.contains(c.expose_text())
    });
    any && none_readable
}

/// Seal the edited plaintext as the file was (v1 keeping the data key and unchanged
/// ciphertexts; Fernet whole), check it opens to exactly that plaintext, and replace the
/// file atomically with its mode kept. The id of the master key that opened it (`None`:
/// an age, ssh or KMS slot did; the data key and every slot line are kept, so writing
/// needs no key).
fn seal_and_write(
    path: &Path,
    original: &[u8],
    opened: &super::OpenedFile,
    plaintext: &[u8],
) -> Result<Option<crate::key::KeyId>> {
    let (Format::V1, None, Some(previous)) = (opened.format, &opened.key, opened.v1.as_ref())
    else {
        return seal_and_write_master(path, original, opened, plaintext).map(Some);
    };
    let doc = dotenv::parse_file_bytes(path, plaintext)?;
    let old = dotenv::parse_bytes(&opened.plaintext)?;
    let opts = v1::Options {
        encrypt_comments: comments_were_encrypted(&old, original),
    };
    let mut random = |b: &mut [u8]| format::os_random(b);
    let sealed = v1::encrypt_again(&doc, previous, opts, &mut random)?;
    // Read back with the same data key: the MAC and every entry, as any reader checks.
    let check = v1::decrypt_again(&sealed, previous)?;
    write_verified(path, &sealed, check.as_bytes(), plaintext)?;
    Ok(None)
}

/// Replace `path` with `sealed` (keeping the file's mode) only when its read-back,
/// `check`, is the edited `plaintext`: a file that would not decrypt to what was set is
/// never written.
fn write_verified(path: &Path, sealed: &str, check: &[u8], plaintext: &[u8]) -> Result<()> {
    if check != plaintext {
        return Err(Failure::new(
            Code::Integrity,
            format!(
                "the re-encrypted {} did not decrypt to the edited content; nothing changed",
                path.display()
            ),
        )
        .into());
    }
    let mode = crate::fsutil::mode(path).map_or(0o644, |m| m & 0o777);
    crate::fsutil::write_atomic(path, sealed.as_bytes(), mode)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// [`seal_and_write`] of a file opened with its master key, as it always was.
fn seal_and_write_master(
    path: &Path,
    original: &[u8],
    opened: &super::OpenedFile,
    plaintext: &[u8],
) -> Result<crate::key::KeyId> {
    let key = &opened.master(path)?.key;
    let sealed = match opened.format {
        Format::V1 => {
            let doc = dotenv::parse_file_bytes(path, plaintext)?;
            let old = dotenv::parse_bytes(&opened.plaintext)?;
            let opts = v1::Options {
                encrypt_comments: comments_were_encrypted(&old, original),
            };
            let mut random = |b: &mut [u8]| format::os_random(b);
            v1::encrypt(&doc, key, opened.v1.as_ref(), opts, Utc::now(), &mut random)?
        }
        Format::Fernet => fernet::encrypt(plaintext, key),
    };
    let (_, check) = super::open_with(path, sealed.as_bytes(), key)?;
    write_verified(path, &sealed, &check, plaintext)?;
    Ok(key.id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_quoted_value_reads_back_with_the_run_reading() {
        let values = [
            "",
            "plain",
            "with space",
            " lead",
            "trail ",
            "it's",
            "say \"hi\"",
            "`tick`",
            "$HOME ${HOME} $(id)",
            "a #b",
            "#start",
            "a\nb\n",
            "crlf\r\nx",
            "tab\tx",
            "back\\slash",
            "ends\\",
            "日本語 ü",
            "'",
            "\"",
            "\\'",
            "x\\\\",
            "=",
        ];
        for v in values {
            let Some(raw) = quote_value(v) else {
                panic!("{v:?} refused");
            };
            let doc = dotenv::parse(&format!("A=1\nK={raw}\nB='x'\n")).unwrap();
            let got: Vec<_> = doc
                .expose_pairs()
                .map(|(k, v)| (k, v.expose_secret().to_owned()))
                .collect();
            assert_eq!(got[1], ("K", v.to_owned()), "{v:?} as {raw:?}");
            assert_eq!(got[2], ("B", "x".to_owned()), "{v:?} as {raw:?}");
        }
    }

    #[test]
    fn the_inline_comment_after_a_value_is_found_as_the_parser_ends_the_value() {
        for (line, tail) in [
            ("K=plain # c", " # c"),
            ("K=a#b", ""),
            ("K=\"q \\\" # in\" # out", " # out"),
            ("K='it\\'s' #x", " #x"),
            ("K=`a\\`b` # c", " # c"),
            ("K= # only a comment", "# only a comment"),
        ] {
            let doc = dotenv::parse(line).unwrap();
            let l = &doc.lines[0];
            let raw = l.expose_raw_value().unwrap();
            assert_eq!(value_tail(raw, l.prefix().unwrap()), tail, "{line}");
            // Keeping the tail keeps what the parser takes for the value's end.
            let kept = &raw[..raw.len() - tail.len()];
            if !kept.is_empty() {
                assert_eq!(dotenv::unquote(kept), l.expose_value().unwrap(), "{line}");
            }
        }
    }

    #[test]
    fn a_value_ending_in_a_backslash_that_needs_quotes_is_refused() {
        assert_eq!(quote_value(" x\\"), None);
        assert_eq!(quote_value("a\nb\\"), None);
        assert_eq!(quote_value("a b\\").as_deref(), Some("a b\\"));
    }
}
