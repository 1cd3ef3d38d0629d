//! `envseal mask`: three uses of one matcher.
//! - view: `envseal mask FILE` shows a dotenv file (plaintext or encrypted) with sensitive
//!   values masked, layout and comments unchanged;
//! - filter: `cmd | envseal mask --secrets FILE` replaces every secret value in a stream;
//! - leak check: `envseal mask --check [--staged] [PATH...]` reports `path:line: KEY`
//!   for every secret value found, never the value, and exits 1.

use std::io::{IsTerminal, Read};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use zeroize::Zeroizing;

use super::{open_encrypted_opts, read_input, write_stdout, Ui};
use crate::cli::Mask;
use crate::dotenv::{self, Kind, Line};
use crate::exit::{Code, Failure};
use crate::format;
use crate::mask::{self, Options, Replacement, Rules, Secret, SecretSet};
use crate::project::{self, Project};

pub fn run(args: &Mask, ui: &Ui) -> Result<()> {
    let project = Project::discover()?;
    let rules = project.config.mask.clone();
    if args.check {
        return check(args, &project, ui);
    }
    if !args.secrets.is_empty() {
        if !args.paths.is_empty() {
            return Err(Failure::new(
                Code::Usage,
                "the stream filter reads stdin; to search files for secrets use --check",
            )
            .into());
        }
        let set = secret_set(&load_secrets(&args.secrets, args, ui)?, args);
        let line_buffered = args.line_buffered || std::io::stdout().is_terminal();
        let stdin = std::io::stdin().lock();
        // The filter buffers and flushes itself: write to a duplicate of the raw stdout
        // descriptor, not through std's line-buffered Stdout (a flush per line).
        let stdout = std::fs::File::from(std::io::stdout().as_fd().try_clone_to_owned()?);
        mask::filter(&set, stdin, stdout, line_buffered)?;
        return Ok(());
    }
    let [file] = args.paths.as_slice() else {
        return Err(Failure::new(
            Code::Usage,
            "show one file (envseal mask .env), filter a stream (--secrets FILE), or check for leaks (--check)",
        )
        .into());
    };
    if args.textconv {
        return super::textconv::masked(file, args, &rules);
    }
    let text = read_plain(file, args, ui)?;
    write_stdout(masked_view(file, &text, &rules, args.all)?.as_bytes())
}

/// The masked view of a plaintext dotenv file's bytes.
pub(super) fn masked_view(file: &Path, text: &[u8], rules: &Rules, all: bool) -> Result<String> {
    let doc = dotenv::parse_file_bytes(file, text)?;
    let mut out = String::with_capacity(text.len());
    if doc.bom {
        out.push('\u{feff}');
    }
    for line in &doc.lines {
        out.push_str(&masked_line(line, rules, all));
        out.push_str(line.eol.as_str());
    }
    Ok(out)
}

/// A file's plaintext: decrypted in memory when it is encrypted.
/// The leak check never prompts (it runs in hooks); the view and the filter may.
fn read_plain(path: &Path, args: &Mask, ui: &Ui) -> Result<Zeroizing<Vec<u8>>> {
    let bytes = Zeroizing::new(read_input(path, "file")?);
    if format::detect(&bytes).is_some() {
        Ok(open_encrypted_opts(path, &bytes, &args.key, ui, !args.check)?.plaintext)
    } else {
        Ok(bytes)
    }
}

/// One line of the masked view.
fn masked_line(line: &Line, rules: &Rules, all: bool) -> String {
    match &line.kind {
        Kind::Assignment { key, value } => {
            let name = line.key_name().unwrap_or_default();
            let raw = &line.text[value.clone()];
            let masked = mask_raw(raw, rules.is_sensitive(name) || all);
            format!(
                "{}{}{}",
                &line.text[..key.start],
                &line.text[key.start..value.start],
                masked
            )
        }
        Kind::Comment if line.is_commented_assignment() => {
            // `#OLD_PASSWORD=hunter2`: mask what follows the `=` the same way.
            let eq = line.text.find('=').unwrap_or(line.text.len());
            let name = line.text[..eq]
                .trim_start_matches(|c: char| c == '#' || c.is_whitespace())
                .trim_start_matches("export")
                .trim();
            let rest = &line.text[eq + 1..];
            let ws = rest.len() - rest.trim_start().len();
            format!(
                "{}{}{}",
                &line.text[..=eq],
                &rest[..ws],
                mask_raw(&rest[ws..], rules.is_sensitive(name) || all)
            )
        }
        _ => line.text.clone(),
    }
}

/// Mask a raw value text, keeping its quotes and any inline comment.
fn mask_raw(raw: &str, sensitive: bool) -> String {
    let (open, body, rest) = split_raw(raw);
    let value = dotenv::unquote(raw);
    let shown = if sensitive {
        mask::mask_value(&value)
    } else if mask::url_password(&value).is_some() {
        mask::mask_url_password(&value)
    } else {
        return raw.to_owned();
    };
    let _ = body;
    format!("{open}{}{open}{rest}", escape_shown(&shown, open))
}

/// The shown (unescaped) text of a masked value, escaped again for its quotes: a head
/// like `pa"s` or `a<newline>b` must not close the quotes early or split the view's line.
fn escape_shown(shown: &str, quote: &str) -> String {
    let Some(q) = quote.chars().next() else {
        return shown.to_owned(); // unquoted values hold no escapes, quotes or newlines
    };
    let mut out = String::with_capacity(shown.len());
    for c in shown.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// (quote, body, what follows the value) of a raw value text.
fn split_raw(raw: &str) -> (&str, &str, &str) {
    if let Some(q @ ('"' | '\'' | '`')) = raw.chars().next() {
        let bytes = raw.as_bytes();
        let mut i = 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                c if c == q as u8 => return (&raw[..1], &raw[1..i], &raw[i + 1..]),
                _ => i += 1,
            }
        }
    }
    let value_len = dotenv::unquote(raw).len();
    (
        "",
        &raw[..value_len.min(raw.len())],
        &raw[value_len.min(raw.len())..],
    )
}

/// The secrets of the given files (plaintext or encrypted): every assignment value, plus
/// the password part of URL values.
fn load_secrets(files: &[PathBuf], args: &Mask, ui: &Ui) -> Result<Vec<Secret>> {
    let mut secrets = Vec::new();
    for file in files {
        let text = read_plain(file, args, ui)?;
        let doc = dotenv::parse_file_bytes(file, &text)?;
        for (name, value) in doc.pairs() {
            if let Some(r) = mask::url_password(&value) {
                secrets.push(Secret::new(name, value[r].as_bytes()));
            }
            secrets.push(Secret::new(name, value.into_bytes()));
        }
    }
    Ok(secrets)
}

fn secret_set(secrets: &[Secret], args: &Mask) -> SecretSet {
    let options = Options {
        min_len: args.min_len,
        replacement: if args.named {
            Replacement::Named
        } else {
            Replacement::Fixed(b"***".to_vec())
        },
    };
    SecretSet::new(secrets.iter().cloned(), &options)
}

/// The leak check over paths or the staged content.
fn check(args: &Mask, project: &Project, ui: &Ui) -> Result<()> {
    let (hits, scanned, secrets) = find_leaks(args, project, ui, None)?;
    let mut out = String::new();
    for h in &hits {
        out.push_str(h);
        out.push('\n');
    }
    write_stdout(out.as_bytes())?;
    if hits.is_empty() {
        ui.info(format!(
            "no secret values found in {scanned} file(s) ({secrets} secrets checked)"
        ));
        Ok(())
    } else {
        Err(Failure::new(
            Code::CheckFailed,
            format!(
                "{} secret value(s) found in {} file(s); remove them (use a variable or `envseal run`) before committing",
                hits.len(),
                scanned
            ),
        )
        .into())
    }
}

/// The leak check of the staged content with the project's default secrets, never
/// prompting (for the pre-commit hook): `path:line: KEY` per hit. `staged` is what
/// [`crate::git::staged_blobs`] returned for `root`; the hook has read it already, and
/// reading a thousand blobs twice doubled the hook's time.
pub fn staged_leaks(
    project: &Project,
    key: &crate::cli::KeyArgs,
    ui: &Ui,
    root: &Path,
    staged: &[StagedBlob],
) -> Result<Vec<String>> {
    let args = Mask {
        paths: Vec::new(),
        all: false,
        secrets: Vec::new(),
        check: true,
        staged: true,
        named: false,
        textconv: false,
        min_len: mask::DEFAULT_MIN_LEN,
        line_buffered: false,
        key: key.clone(),
    };
    match find_leaks(&args, project, ui, Some((root, staged))) {
        Ok((hits, _, _)) => Ok(hits),
        // No secrets known (no .env, no key at hand): nothing to compare against.
        Err(e) if crate::exit::code_for(&e) == Code::KeyMissing => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// A staged file: (path relative to the work-tree root, content).
type StagedBlob = (String, Vec<u8>);

/// (hits, files scanned, secrets in the set). With --staged, `staged` is the work-tree
/// root and the staged content when the caller has read them already.
fn find_leaks(
    args: &Mask,
    project: &Project,
    ui: &Ui,
    staged: Option<(&Path, &[StagedBlob])>,
) -> Result<(Vec<String>, usize, usize)> {
    let sources = if args.secrets.is_empty() {
        default_secret_sources(project, args, ui)
    } else {
        args.secrets.clone()
    };
    let index_only = if args.staged && args.secrets.is_empty() {
        index_only_secrets(project, args)
    } else {
        Vec::new()
    };
    if sources.is_empty() && index_only.is_empty() {
        return Err(Failure::new(
            Code::KeyMissing,
            "no secrets to check against: pass --secrets FILE (a .env or .env.encrypted)",
        )
        .into());
    }
    let mut secrets = load_secrets(&sources, args, ui)?;
    secrets.extend(index_only);
    let set = secret_set(&secrets, args);
    let mut hits = Vec::new();
    let mut scanned = 0usize;
    // A staged key is a leak too (the hook, which passes `staged`, checks keys itself).
    // Only staged content: a walk of a directory may pass a keyring, where keys belong.
    let keys = if args.staged && staged.is_none() {
        Some(super::at_hand::keys(args.key.key_file.as_deref()))
    } else {
        None
    };
    let mut scan = |name: &str, bytes: &[u8]| {
        scanned += 1;
        if format::detect(bytes).is_some() {
            return; // ciphertext
        }
        if let Some(what) = keys
            .as_deref()
            .and_then(|k| super::at_hand::holds_key(bytes, k))
        {
            hits.push(format!("{name}: holds {what}"));
        }
        for m in set.find_all(bytes) {
            let line = memchr::memchr_iter(b'\n', &bytes[..m.start]).count() + 1;
            hits.push(format!(
                "{name}:{line}: {}",
                set.name(m.secret_index).unwrap_or("?")
            ));
        }
    };
    if args.staged {
        let read;
        let (root, blobs) = match staged {
            Some((root, blobs)) => (root.to_path_buf(), blobs),
            None => {
                let root = crate::git::toplevel(&project.root)
                    .ok_or_else(|| Failure::new(Code::Usage, "--staged needs a git work tree"))?;
                read = crate::git::staged_blobs(&root)
                    .context("cannot read the staged content from git")?;
                (root, &read[..])
            }
        };
        for (path, bytes) in blobs {
            if is_source(&root.join(path), &sources) {
                continue;
            }
            scan(path, bytes);
        }
    } else {
        let paths = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        for start in &paths {
            for entry in ignore::WalkBuilder::new(start)
                .hidden(false)
                .require_git(false)
                .filter_entry(|e| e.file_name() != ".git")
                .build()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
            {
                let path = entry.path();
                if is_source(path, &sources) {
                    continue;
                }
                let mut bytes = Vec::new();
                if std::fs::File::open(path)
                    .and_then(|mut f| f.read_to_end(&mut bytes))
                    .is_err()
                {
                    ui.warn(format!("cannot read {}; skipped", path.display()));
                    continue;
                }
                scan(&path.display().to_string(), &bytes);
            }
        }
    }
    Ok((hits, scanned, set.len()))
}

/// Is `path` one of the files the secrets come from (it holds them by design)?
fn is_source(path: &Path, sources: &[PathBuf]) -> bool {
    let canon = |p: &Path| std::fs::canonicalize(p).ok();
    let Some(p) = canon(path) else { return false };
    sources.iter().any(|s| canon(s).as_ref() == Some(&p))
        || path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.contains(".backup_"))
}

/// Without --secrets: the project's plaintext env files beside its encrypted ones, and
/// the encrypted ones whose key is at hand without a prompt.
fn default_secret_sources(project: &Project, args: &Mask, ui: &Ui) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for enc in project.encrypted_files() {
        match project::plaintext_for(&enc).filter(|p| p.is_file()) {
            Some(plain) => out.push(plain),
            None => {
                let bytes = std::fs::read(&enc).unwrap_or_default();
                if open_encrypted_opts(&enc, &bytes, &args.key, ui, false).is_ok() {
                    out.push(enc);
                }
            }
        }
    }
    out
}

/// With --staged: the secrets of encrypted files that are in the index but not in the
/// work tree (outside a sparse checkout's cone), opened with a key at hand. They are
/// the repository's secrets as much as the ones checked out.
fn index_only_secrets(project: &Project, args: &Mask) -> Vec<Secret> {
    let Some(root) = crate::git::toplevel(&project.root) else {
        return Vec::new();
    };
    let Ok(blobs) = crate::git::index_blobs(&root, |p| {
        p.ends_with(".encrypted") && !root.join(p).exists()
    }) else {
        return Vec::new();
    };
    let keys = super::at_hand::keys(args.key.key_file.as_deref());
    let mut secrets = Vec::new();
    for (_, bytes) in blobs {
        let super::at_hand::Opened::Plain(text) = super::at_hand::open(&bytes, &keys) else {
            continue;
        };
        let Ok(doc) = dotenv::parse_bytes(&text) else {
            continue;
        };
        for (name, value) in doc.pairs() {
            if let Some(r) = mask::url_password(&value) {
                secrets.push(Secret::new(name, value[r].as_bytes()));
            }
            secrets.push(Secret::new(name, value.into_bytes()));
        }
    }
    secrets
}
