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
use crate::mask::{self, Options, Replacement, Rules, Secret, SecretSet, SecretsBuilder};
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
        let line_buffered = args.line_buffered || std::io::stdout().is_terminal();
        // A duplicate of the raw stdin descriptor: the filter reads on a thread of its
        // own (std's Stdin lock cannot move there) and in long rounds (std's 8 KiB
        // buffer would only add a copy).
        let stdin = std::fs::File::from(std::io::stdin().as_fd().try_clone_to_owned()?);
        if !line_buffered {
            // Issue 11: a 1 MiB pipe instead of Linux's 64 KiB lets the writer run ahead
            // of the filter and the reading thread take longer reads (fewer wake-ups).
            // Done before the secrets are loaded, so that the writer fills it meanwhile.
            // Best effort: stdin not a pipe, or the user's pipe quota spent, changes
            // nothing.
            let _ = rustix::pipe::fcntl_setpipe_size(&stdin, 1 << 20);
        }
        // Names only where they are shown (`--named`).
        let set = secret_set(args, args.named, |out| {
            load_secrets(&args.secrets, args, ui, Select::Every, out)
        })?;
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
            let raw = &line.expose_text()[value.clone()];
            let masked = mask_raw(raw, rules.is_sensitive(name) || all);
            format!(
                "{}{}{}",
                &line.expose_text()[..key.start],
                &line.expose_text()[key.start..value.start],
                masked
            )
        }
        Kind::Comment if line.is_commented_assignment() => {
            // `#OLD_PASSWORD=hunter2`: mask what follows the `=` the same way.
            let eq = line
                .expose_text()
                .find('=')
                .unwrap_or(line.expose_text().len());
            let name = line.expose_text()[..eq]
                .trim_start_matches(|c: char| c == '#' || c.is_whitespace())
                .trim_start_matches("export")
                .trim();
            let rest = &line.expose_text()[eq + 1..];
            let ws = rest.len() - rest.trim_start().len();
            format!(
                "{}{}{}",
                &line.expose_text()[..=eq],
                &rest[..ws],
                mask_raw(&rest[ws..], rules.is_sensitive(name) || all)
            )
        }
        Kind::Bare { .. } | Kind::Other => match whole_line_secret(line) {
            // A line v1 encrypts whole (a pasted token, `DB_PASSWORD: pw`): masked whole,
            // keeping its indentation.
            Some(secret) => {
                let indent = line.expose_text().len() - line.expose_text().trim_start().len();
                match loose_pair(secret) {
                    // `DB_PASSWORD: pw`: the name stays readable, the rest is masked.
                    Some((_, value)) => {
                        let at = secret.len() - value.len();
                        format!(
                            "{}{}{}",
                            &line.expose_text()[..indent],
                            &secret[..at],
                            mask::mask_value(value)
                        )
                    }
                    None => format!(
                        "{}{}",
                        &line.expose_text()[..indent],
                        mask::mask_value(secret)
                    ),
                }
            }
            None => line.expose_text().to_owned(),
        },
        _ => line.expose_text().to_owned(),
    }
}

/// The secret text of a line that is not an assignment (v1 encrypts it whole): the line
/// without surrounding white space. `None` for a bare key that reads as a variable name
/// (`ALLOWED_HOSTS`, `debug`, `S3_BUCKET`): letters and `_` only, or upper case with
/// digits. A pasted token (`ghp_16C7e42F…`: lower case mixed with digits, or other
/// characters) is a secret; a bare name is not, and treating it as one would report every
/// source file that mentions the variable.
fn whole_line_secret(line: &Line) -> Option<&str> {
    let text = line.expose_text().trim();
    if text.is_empty() {
        return None;
    }
    if let Kind::Bare { .. } = line.kind {
        let name = line.key_name().unwrap_or(text);
        let word = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && name.bytes().next().is_some_and(|b| !b.is_ascii_digit());
        let has_digit = name.bytes().any(|b| b.is_ascii_digit());
        let has_lower = name.bytes().any(|b| b.is_ascii_lowercase());
        if word && !(has_digit && has_lower) {
            return None;
        }
    }
    Some(text)
}

/// For a line that is not an assignment but reads `NAME: value` or `NAME value`: the
/// name and the value.
fn loose_pair(text: &str) -> Option<(&str, &str)> {
    let text = text.trim();
    let at = text.find(|c: char| c == ':' || c.is_whitespace())?;
    let (name, rest) = (&text[..at], text[at..].trim_start_matches(':').trim());
    (!name.is_empty() && !rest.is_empty()).then_some((name, rest))
}

/// Mask a raw value text, keeping its quotes and any inline comment.
fn mask_raw(raw: &str, sensitive: bool) -> String {
    let (open, body, rest) = split_raw(raw);
    let value = dotenv::unquote(raw);
    let value = value.expose_secret();
    let shown = if sensitive {
        mask::mask_value(value)
    } else if mask::url_password(value).is_some() {
        mask::mask_url_password(value)
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

/// Which values of a secrets file are secrets.
#[derive(Clone, Copy)]
enum Select<'r> {
    /// The stream filter: every value.
    Every,
    /// The leak check: values of sensitive names (every value with `every`), never the
    /// names the rules allow.
    Check { rules: &'r Rules, every: bool },
}

/// The secrets of the given files (plaintext or encrypted): the selected assignment
/// values (commented-out assignments included), the password part of URL values, and
/// the lines v1 encrypts whole ([`whole_line_secret`]), named `FILE:LINE`.
/// Each secret goes into `secrets` as it is read (100,000 values: no `Secret` each).
fn load_secrets(
    files: &[PathBuf],
    args: &Mask,
    ui: &Ui,
    select: Select,
    secrets: &mut SecretsBuilder,
) -> Result<()> {
    let dialect = super::run::chosen_dialect(args.dialect)?;
    let env: std::collections::HashMap<String, String> = std::env::vars().collect();
    let mut keys = Vec::new();
    for file in files {
        // One copy of the file at a time: an encrypted file's bytes are dropped once
        // decrypted, and no parsed document or list of values is built (issue 11: the
        // values go into the set's store as they are read; peak memory within 4x the
        // secrets file).
        let text = {
            let bytes = Zeroizing::new(read_input(file, "file")?);
            if format::detect(&bytes).is_some() {
                let opened = open_encrypted_opts(file, &bytes, &args.key, ui, !args.check)?;
                keys.extend(opened.key.map(|l| l.key));
                opened.plaintext
            } else {
                bytes
            }
        };
        dotenv::check_file_bytes(file, &text)?;
        let text = std::str::from_utf8(&text).context("checked as UTF-8 above")?;
        let judge = |name: &str| match select {
            Select::Every => (false, true),
            Select::Check { rules, every } => {
                (rules.is_allowed(name), every || rules.is_sensitive(name))
            }
        };
        let add = |secrets: &mut SecretsBuilder, name: &str, value: &str| {
            let (allowed, selected) = judge(name);
            if allowed {
                return;
            }
            if let Some(r) = mask::url_password(value) {
                secrets.push(name, value[r].as_bytes());
            }
            if selected {
                secrets.push(name, value.as_bytes());
            }
        };
        // The values the application reads (the chosen dialect), and below each value as
        // envseal's line model reads it: where they differ, both may reach a log.
        let opts = crate::dialect::Options {
            expand: dialect == crate::dialect::Dialect::Dotenvy,
            override_env: false,
        };
        match crate::dialect::each_value(text, dialect, &env, opts, |name, value| {
            add(secrets, name, value)
        }) {
            Ok(skipped) => {
                for p in &skipped {
                    ui.warn(format!("{}:{p}", file.display()));
                }
            }
            // A file the loader rejects: a warning and no values of its own (the line
            // model's values are still masked).
            Err(e) => ui.warn(format!("{}:{e}", file.display())),
        }
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        for line in dotenv::LineParser::new(body, 1) {
            // Parsed above without error: this parse gives the same lines.
            let line = line.map_err(|err| dotenv::FileParseError {
                path: file.clone(),
                err,
            })?;
            let line = line.to_line();
            match &line.kind {
                Kind::Assignment { .. } => {
                    let name = line.key_name().unwrap_or_default();
                    let value = line.expose_value().unwrap_or_default();
                    add(secrets, name, value.expose_secret());
                }
                Kind::Comment if line.is_commented_assignment() => {
                    let eq = line
                        .expose_text()
                        .find('=')
                        .unwrap_or(line.expose_text().len());
                    let name = line.expose_text()[..eq]
                        .trim_start_matches(|c: char| c == '#' || c.is_whitespace())
                        .trim_start_matches("export")
                        .trim();
                    let value =
                        dotenv::unquote(line.expose_text()[eq..].get(1..).unwrap_or("").trim());
                    add(secrets, name, value.expose_secret());
                }
                Kind::Bare { .. } | Kind::Other => {
                    if let Some(text) = whole_line_secret(&line) {
                        let file_name = file.file_name().unwrap_or(file.as_os_str());
                        let label = format!("{}:{}", file_name.to_string_lossy(), line.number);
                        secrets.push(&label, text.as_bytes());
                        if let Some((name, value)) = loose_pair(text) {
                            add(secrets, name, value);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    keys.extend(given_keys(args, ui));
    for secret in key_secrets(&keys) {
        secrets.push(&secret.name, &secret.value);
    }
    Ok(())
}

/// The master keys given to this process: `--key-file`, and every `SECRETS_MASTER_KEY*`
/// variable that holds a key. They are secrets like any value (a CI log must not show
/// the key any more than the values it opens), whether or not a file needed them.
fn given_keys(args: &Mask, ui: &Ui) -> Vec<crate::key::Key> {
    let mut keys = Vec::new();
    if let Some(path) = &args.key.key_file {
        if let Ok(k) = crate::key::read_key_file(path, &mut ui.warner()) {
            keys.push(k);
        }
    }
    for (name, value) in std::env::vars_os() {
        let is_key_var = name
            .to_str()
            .is_some_and(|n| n == "SECRETS_MASTER_KEY" || n.starts_with("SECRETS_MASTER_KEY_"));
        if is_key_var {
            let text = Zeroizing::new(value.to_string_lossy().into_owned());
            if let Ok(k) = crate::key::Key::from_text(&text) {
                keys.push(k);
            }
        }
    }
    keys
}

/// Each key's text forms as secrets: the Fernet text (URL-safe base64, padded) and the
/// standard-alphabet form `from_text` accepts too; the unpadded forms are prefixes of
/// these, which the matcher masks whole. Named by the key id (never the key).
fn key_secrets(keys: &[crate::key::Key]) -> Vec<Secret> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for key in keys {
        let id = key.id();
        if seen.contains(&id) {
            continue;
        }
        let text = key.expose_text();
        let standard = Zeroizing::new(text.replace('-', "+").replace('_', "/"));
        let name = format!("master key {id}");
        out.push(Secret::new(name.clone(), text.as_bytes()));
        if *standard != *text {
            out.push(Secret::new(name.clone(), standard.as_bytes()));
        }
        for t in [text.trim_end_matches('='), standard.trim_end_matches('=')] {
            out.push(Secret::new(name.clone(), t.as_bytes()));
        }
        seen.push(id);
    }
    out
}

/// The set of the secrets `load` pushes, each copied straight into the set's arena as it
/// is read (no `Secret` per value held until the set is built: issue 11's memory budget).
/// With `names` false the set keeps no key names (a filter that never shows them).
fn secret_set(
    args: &Mask,
    names: bool,
    load: impl FnOnce(&mut SecretsBuilder) -> Result<()>,
) -> Result<SecretSet> {
    let options = Options {
        min_len: args.min_len,
        replacement: if args.named {
            Replacement::Named
        } else {
            Replacement::Fixed(b"***".to_vec())
        },
    };
    let mut secrets = SecretsBuilder::new(&options);
    if !names {
        secrets = secrets.without_names();
    }
    load(&mut secrets)?;
    Ok(secrets.build(&options))
}

/// The leak check over paths or the staged content.
fn check(args: &Mask, project: &Project, ui: &Ui) -> Result<()> {
    let found = find_leaks(args, project, ui)?;
    let mut out = String::new();
    for h in &found.hits {
        out.push_str(h);
        out.push('\n');
    }
    write_stdout(out.as_bytes())?;
    let checked = counted(found.scanned, "file", "files");
    if found.hits.is_empty() {
        ui.info(format!(
            "no secret values found in {checked} ({} checked)",
            counted(found.set.len(), "secret", "secrets")
        ));
        Ok(())
    } else {
        Err(Failure::new(
            Code::CheckFailed,
            format!(
                "{} found in {} ({checked} checked); remove them (use a variable or `envseal run`) before committing, or mark a deliberate one with `envseal:allow` on its line",
                counted(found.hits.len(), "secret value", "secret values"),
                counted(found.files_with_hits, "file", "files"),
            ),
        )
        .into())
    }
}

/// `1 file`, `2 files`.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The leak check of the staged content with the project's default secrets, never
/// prompting (for the pre-commit hook), fed blob by blob as the hook reads them: it
/// checks keys itself. No secrets known (no .env, no key at hand): nothing to compare
/// against, an empty scan.
pub fn staged_scan(
    project: &Project,
    key: &crate::cli::KeyArgs,
    ui: &Ui,
    root: &Path,
) -> Result<LeakScan> {
    let args = Mask {
        paths: Vec::new(),
        all: false,
        secrets: Vec::new(),
        check: true,
        staged: true,
        all_values: false,
        named: false,
        textconv: false,
        min_len: mask::DEFAULT_MIN_LEN,
        line_buffered: false,
        dialect: None,
        key: key.clone(),
    };
    match LeakScan::build(&args, project, ui, false)? {
        Some(mut scan) => {
            scan.root = root.to_path_buf();
            Ok(scan)
        }
        None => Ok(LeakScan::none()),
    }
}

/// The leak check's secrets and what it found so far, fed one file at a time: whole
/// ([`LeakScan::scan_bytes`]) or as a stream ([`LeakScan::scan_stream`], for a large
/// staged blob, in constant memory).
pub struct LeakScan {
    set: SecretSet,
    sources: Vec<PathBuf>,
    /// With `mask --check --staged`: a staged key is a leak too (the hook checks keys
    /// itself). Only staged content: a walk of a directory may pass a keyring.
    keys: Option<Vec<crate::key::Loaded>>,
    /// The work-tree root staged paths are relative to.
    root: PathBuf,
    /// `path:line: KEY`, in order.
    pub hits: Vec<String>,
    /// Files searched.
    scanned: usize,
    /// Files with at least one hit.
    files_with_hits: usize,
}

/// How far back a stream scan keeps bytes for [`super::at_hand::holds_key`]'s patterns
/// (an age identity is 74 bytes, a `SECRETS_MASTER_KEY` assignment is read up to 200),
/// on top of the longest key text.
const KEY_WINDOW: usize = 256;
/// The first bytes of a streamed blob, enough to tell an encrypted file.
const HEAD: u64 = 4096;

impl LeakScan {
    /// A scan with no secrets (the hook's key check of a stream alone).
    pub fn none() -> Self {
        LeakScan {
            set: SecretSet::new([], &Options::default()),
            sources: Vec::new(),
            keys: None,
            root: PathBuf::new(),
            hits: Vec::new(),
            scanned: 0,
            files_with_hits: 0,
        }
    }

    fn new(args: &Mask, project: &Project, ui: &Ui, check_keys: bool) -> Result<Self> {
        Self::build(args, project, ui, check_keys)?.ok_or_else(|| {
            Failure::new(
                Code::KeyMissing,
                "no secrets to check against: pass --secrets FILE (a .env or .env.encrypted)",
            )
            .into()
        })
    }

    /// [`LeakScan::new`]; `None` when there are no secrets to check against (no
    /// `--secrets`, no plaintext env file, no encrypted one whose key is at hand).
    fn build(args: &Mask, project: &Project, ui: &Ui, check_keys: bool) -> Result<Option<Self>> {
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
            return Ok(None);
        }
        let select = Select::Check {
            rules: &project.config.mask,
            every: args.all_values,
        };
        let set = secret_set(args, true, |out| {
            load_secrets(&sources, args, ui, select, out)?;
            for secret in index_only {
                out.push(&secret.name, &secret.value);
            }
            Ok(())
        })?;
        Ok(Some(LeakScan {
            set,
            sources,
            keys: check_keys.then(|| super::at_hand::keys(args.key.key_file.as_deref())),
            root: PathBuf::new(),
            hits: Vec::new(),
            scanned: 0,
            files_with_hits: 0,
        }))
    }

    /// A staged blob, whole (`path` relative to the work-tree root).
    pub fn scan_staged(&mut self, path: &str, bytes: &[u8]) {
        if !is_source(&self.root.join(path), &self.sources) {
            self.scan_bytes(path, bytes);
        }
    }

    fn scan_bytes(&mut self, name: &str, bytes: &[u8]) {
        self.scanned += 1;
        if format::detect(bytes).is_some() {
            return; // ciphertext
        }
        let before = self.hits.len();
        if let Some(what) = self
            .keys
            .as_deref()
            .and_then(|k| super::at_hand::holds_key(bytes, k))
        {
            self.hits.push(format!("{name}: holds {what}"));
        }
        for m in self.set.find_all(bytes) {
            let start = memchr::memrchr(b'\n', &bytes[..m.start]).map_or(0, |i| i + 1);
            let end = memchr::memchr(b'\n', &bytes[m.start..]).map_or(bytes.len(), |i| m.start + i);
            if memchr::memmem::find(&bytes[start..end], mask::ALLOW_MARKER.as_bytes()).is_some() {
                continue; // a deliberate occurrence, marked on its line
            }
            let line = memchr::memchr_iter(b'\n', &bytes[..m.start]).count() + 1;
            self.hits.push(format!(
                "{name}:{line}: {}",
                self.set.name(m.secret_index).unwrap_or("?")
            ));
        }
        self.files_with_hits += usize::from(self.hits.len() > before);
    }

    /// A large staged blob as a stream: `head` (its first bytes, already read) then
    /// `rest`. Memory stays constant: the stream matcher finds a secret split across
    /// reads at the right line, and `envseal:allow` on its line works as in a whole
    /// file. `hook_keys`: the hook's keys; a key found is returned (the hook reports it),
    /// where `mask --check --staged` reports it as a hit. A blob whose head is an
    /// encrypted file's is ciphertext, skipped (the hook reads those whole).
    pub fn scan_stream(
        &mut self,
        path: &str,
        head: &[u8],
        rest: &mut dyn Read,
        hook_keys: Option<&[crate::key::Loaded]>,
    ) -> std::io::Result<Option<&'static str>> {
        let source = is_source(&self.root.join(path), &self.sources);
        let keys = hook_keys.or(self.keys.as_deref()).unwrap_or_default();
        if !source {
            self.scanned += 1;
            if looks_encrypted(head) {
                return Ok(None);
            }
        }
        let keep = KEY_WINDOW
            + keys
                .iter()
                .map(|l| l.key.expose_text().len())
                .max()
                .unwrap_or(0);
        let mut found = None;
        let empty;
        let set = if source {
            empty = SecretSet::new([], &Options::default());
            &empty
        } else {
            &self.set
        };
        let hits = mask::scan::find_lines(set, head.chain(rest), keep, |window| {
            if found.is_none() {
                found = super::at_hand::holds_key(window, keys);
            }
        })?;
        let before = self.hits.len();
        if hook_keys.is_none() {
            if let Some(what) = found.take().filter(|_| !source) {
                self.hits.push(format!("{path}: holds {what}"));
            }
        }
        for h in hits {
            self.hits.push(format!(
                "{path}:{}: {}",
                h.line,
                self.set.name(h.secret_index).unwrap_or("?")
            ));
        }
        self.files_with_hits += usize::from(self.hits.len() > before);
        Ok(found)
    }
}

/// Could a blob starting with `head` be an encrypted file (v1, or a Fernet token, whose
/// check needs the whole token)?
pub fn looks_encrypted(head: &[u8]) -> bool {
    format::detect(head).is_some() || head.trim_ascii_start().starts_with(b"gAAAAA")
}

/// The first [`HEAD`] bytes of a streamed blob.
pub fn read_head(rest: &mut dyn Read) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    rest.take(HEAD).read_to_end(&mut head)?;
    Ok(head)
}

/// The leak check over paths or the staged content.
fn find_leaks(args: &Mask, project: &Project, ui: &Ui) -> Result<LeakScan> {
    let mut scan = LeakScan::new(args, project, ui, args.staged)?;
    if args.staged {
        let root = crate::git::toplevel(&project.root)
            .ok_or_else(|| Failure::new(Code::Usage, "--staged needs a git work tree"))?;
        scan.root = root.clone();
        let entries =
            crate::git::staged_entries(&root).context("cannot read the staged content from git")?;
        crate::git::for_each_blob(
            &root,
            &entries,
            |_| false,
            |path, blob| {
                match blob {
                    crate::git::Blob::Whole(bytes) => scan.scan_staged(path, &bytes),
                    crate::git::Blob::Stream(_, rest) => {
                        let head = read_head(rest)?;
                        scan.scan_stream(path, &head, rest, None)?;
                    }
                }
                Ok(())
            },
        )
        .context("cannot read the staged content from git")?;
    } else {
        let sources = scan.sources.clone();
        let paths = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        // The keyring holds master keys, which are secrets now: it is where they belong,
        // not a leak, when a walk passes through it.
        let keyring = std::fs::canonicalize(crate::key::keyring::dir()).ok();
        let not_keyring = move |e: &ignore::DirEntry| {
            !e.file_type().is_some_and(|t| t.is_dir())
                || keyring.is_none()
                || std::fs::canonicalize(e.path()).ok() != keyring
        };
        for start in &paths {
            let not_keyring = not_keyring.clone();
            for entry in ignore::WalkBuilder::new(start)
                .hidden(false)
                .require_git(false)
                .filter_entry(move |e| e.file_name() != ".git" && not_keyring(e))
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
                scan.scan_bytes(&path.display().to_string(), &bytes);
            }
        }
    }
    Ok(scan)
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
        let super::at_hand::Opened::Plain(text, _) = super::at_hand::open(&bytes, &keys) else {
            continue;
        };
        let Ok(doc) = dotenv::parse_bytes(&text) else {
            continue;
        };
        // The same selection as the files at hand: sensitive names (every value with
        // --all-values), URL passwords, never an allowed name.
        let rules = &project.config.mask;
        for (name, value) in doc.expose_pairs() {
            let value = value.expose_secret();
            if rules.is_allowed(name) {
                continue;
            }
            if let Some(r) = mask::url_password(value) {
                secrets.push(Secret::new(name, value[r].as_bytes()));
            }
            if args.all_values || rules.is_sensitive(name) {
                secrets.push(Secret::new(name, value.as_bytes()));
            }
        }
    }
    secrets
}
