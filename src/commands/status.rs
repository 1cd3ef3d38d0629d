//! `envseal status`: what the project's encrypted files are, how old their keys are,
//! when rotation is due, whether they match their plaintext, and what needs doing.
//!
//! JSON output (`--json`, schema 1; field names are stable):
//! ```json
//! { "schema": 1, "project_root": "...", "ledger": "... or null", "rotation_interval_days": 90,
//!   "files": [ { "path": ".env.encrypted", "format": "v1", "key_id": "sha256:...",
//!                "key_created": "RFC 3339 or null", "key_age_days": 12,
//!                "last_rotation": "RFC 3339 or null", "next_due": "RFC 3339 or null",
//!                "overdue": false, "plaintext": ".env or null",
//!                "sync": "in_sync | stale | encrypted_changed | both_changed |
//!                         unknown | no_plaintext" } ],
//!   "plaintext_files": [ { "path": ".env", "tracked": false, "ignored": true } ],
//!   "unfinished_rotations": [ { ...ledger rotation... } ],
//!   "recipient_events": [ { ...ledger recipient event, newest first... } ],
//!   "problems": [ { "kind": "stale | overdue | tracked_plaintext | unfinished_rotation | retired_key |
//!                            corrupt | unignored_plaintext | authorship",
//!                   "path": "... or null", "message": "..." } ] }
//! ```
//! `sync`, when the pair differs: `stale` when the plaintext changed since this clone's
//! last sync of the pair, or when there is no sync record (fresh clone, CI, rotated
//! since); `encrypted_changed` when only the encrypted file did (pulled, merged, `edit`);
//! `both_changed`. Each has its own advice; the problem kind is `stale` for all three.
//! `--history --json` prints `{ "schema": 1, "rotations": [ ...newest first... ],
//! "recipient_events": [ ...newest first... ] }`; `--history` merges both by time.

use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{key_request, open_ledger, open_with, write_stdout, Ui};
use crate::cli::{Global, Status};
use crate::exit::{Code, Failure};
use crate::format::{self, fernet, v1, Format};
use crate::key::{self, KeyId};
use crate::ledger::{Ledger, RecipientEvent, Rotation};
use crate::project::{self, Project};

#[derive(Debug, Serialize)]
struct FileStatus {
    path: String,
    format: &'static str,
    key_id: Option<KeyId>,
    key_created: Option<String>,
    key_age_days: Option<i64>,
    last_rotation: Option<String>,
    next_due: Option<String>,
    overdue: bool,
    plaintext: Option<String>,
    sync: &'static str,
    /// What to run when the pair differs (which side moved decides it).
    #[serde(skip)]
    advice: Option<String>,
}

#[derive(Debug, Serialize)]
struct PlainStatus {
    path: String,
    tracked: bool,
    ignored: Option<bool>,
}

#[derive(Debug, Serialize)]
struct Problem {
    kind: &'static str,
    path: Option<String>,
    message: String,
}

#[derive(Debug, Serialize)]
struct Report {
    schema: u32,
    project_root: String,
    ledger: Option<String>,
    rotation_interval_days: u32,
    files: Vec<FileStatus>,
    plaintext_files: Vec<PlainStatus>,
    unfinished_rotations: Vec<Rotation>,
    /// The most recent key-slot changes (ledger schema v3), newest first.
    recipient_events: Vec<RecipientEvent>,
    problems: Vec<Problem>,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn run(args: &Status, global: &Global, ui: &Ui) -> Result<()> {
    let mut project = Project::discover()?;
    project.recurse_submodules = args.recurse_submodules;
    let ledger = open_ledger(&project, global, false)?;
    if args.history {
        return history(ledger.as_ref(), args, ui);
    }
    let now = Utc::now();
    let interval = Duration::days(i64::from(project.config.rotation_interval_days));
    let mut problems = Vec::new();
    let mut files = Vec::new();
    for path in project.encrypted_files() {
        let st = file_status(&project, ledger.as_ref(), &path, args, now, interval, ui);
        if st.overdue {
            problems.push(Problem {
                kind: "overdue",
                path: Some(st.path.clone()),
                message: format!(
                    "{}: key {} is overdue for rotation (due {}); run: envseal rotate --reason \"...\"",
                    st.path,
                    st.key_id.as_ref().map_or("?", KeyId::as_str),
                    st.next_due.as_deref().unwrap_or("?")
                ),
            });
        }
        if let Some(r) = retired_rotation(ledger.as_ref(), &st) {
            problems.push(Problem {
                kind: "retired_key",
                path: Some(st.path.clone()),
                message: format!(
                    "{}: still under key {}, which rotation #{} retired ({} -> {}); decrypt it with the old key and encrypt it again with the new one (envseal decrypt {} && envseal encrypt --key-id {} ...)",
                    st.path,
                    r.old_key_id,
                    r.id,
                    r.old_key_id,
                    r.new_key_id,
                    super::shell_quote(&st.path),
                    r.new_key_id,
                ),
            });
        }
        if let Some(message) = authorship_problem(&project, &path) {
            problems.push(Problem {
                kind: "authorship",
                path: Some(st.path.clone()),
                message,
            });
        }
        if let Some(advice) = &st.advice {
            problems.push(Problem {
                kind: "stale",
                path: Some(st.path.clone()),
                message: advice.clone(),
            });
        }
        files.push(st);
    }
    problems.extend(integrity_problems(&project, args));
    let tracked = crate::git::tracked_files(&project.root);
    let mut plaintext_files = Vec::new();
    for rel in tracked.iter().flatten() {
        let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let full = project.root.join(rel);
        if project.config.is_plaintext_name(name)
            && full.is_file()
            && !project::is_encrypted_file(&full)
        {
            problems.push(Problem {
                kind: "tracked_plaintext",
                path: Some(rel.display().to_string()),
                message: format!(
                    "{}: a plaintext env file is tracked by git; run: envseal encrypt {1} && git rm --cached {1} (and rotate its secrets if it was pushed)",
                    rel.display(),
                    super::shell_quote(&rel.display().to_string())
                ),
            });
            plaintext_files.push(PlainStatus {
                path: rel.display().to_string(),
                tracked: true,
                ignored: None,
            });
        }
    }
    // A plaintext env file that git neither tracks nor ignores is one `git add .` away
    // from being committed.
    if let Some(tracked) = &tracked {
        let found = project.files_named(|n| project.config.is_plaintext_name(n));
        let rels: Vec<String> = found
            .iter()
            .map(|p| project.relative(p).display().to_string())
            .filter(|r| tracked.iter().all(|t| t.as_os_str() != r.as_str()))
            .collect();
        let refs: Vec<&str> = rels.iter().map(String::as_str).collect();
        let ignored = crate::git::ignored_among(&project.root, &refs).unwrap_or_default();
        for rel in rels.iter().filter(|r| !ignored.contains(*r)) {
            problems.push(Problem {
                kind: "unignored_plaintext",
                path: Some(rel.clone()),
                message: format!(
                    "{rel}: a plaintext env file that git does not ignore (one `git add .` from being committed); run: echo {} >> .gitignore",
                    shell_word(&format!("/{rel}"))
                ),
            });
        }
    }
    for st in &files {
        if let Some(p) = &st.plaintext {
            if plaintext_files.iter().all(|x| &x.path != p) && project.root.join(p).is_file() {
                plaintext_files.push(PlainStatus {
                    path: p.clone(),
                    tracked: false,
                    ignored: None,
                });
            }
        }
    }
    // One git process answers for every plaintext file.
    let paths: Vec<&str> = plaintext_files.iter().map(|p| p.path.as_str()).collect();
    if let Some(ignored) = crate::git::ignored_among(&project.root, &paths) {
        for p in &mut plaintext_files {
            p.ignored = Some(ignored.contains(&p.path));
        }
    }
    let unfinished = match &ledger {
        Some(l) => l.unfinished()?,
        None => Vec::new(),
    };
    for r in &unfinished {
        problems.push(Problem {
            kind: "unfinished_rotation",
            path: None,
            message: format!(
                "rotation #{} ({} -> {}) is unfinished ({}); run: envseal rotate --resume (or --abort)",
                r.id, r.old_key_id, r.new_key_id, r.status
            ),
        });
    }
    let recipient_events = match &ledger {
        Some(l) => l.recipient_events(args.limit)?,
        None => Vec::new(),
    };
    let report = Report {
        schema: 1,
        project_root: project.root.display().to_string(),
        ledger: ledger.as_ref().map(|l| l.path().display().to_string()),
        rotation_interval_days: project.config.rotation_interval_days,
        files,
        plaintext_files,
        unfinished_rotations: unfinished,
        recipient_events,
        problems,
    };
    if args.json {
        write_stdout(format!("{}\n", serde_json::to_string_pretty(&report)?).as_bytes())?;
    } else if args.check {
        for p in &report.problems {
            write_stdout(format!("{}\n", p.message).as_bytes())?;
        }
    } else {
        print_human(&report)?;
    }
    if args.check && !report.problems.is_empty() {
        return Err(Failure::new(
            Code::CheckFailed,
            format!("{} problem(s) found", report.problems.len()),
        )
        .into());
    }
    if args.check {
        ui.info(format!(
            "ok: {} encrypted file(s), no problems",
            report.files.len()
        ));
    }
    Ok(())
}

/// The authorship rule for one encrypted file (a creation rule with `require_secret_slot`
/// in `.envseal/config.toml`): the message naming the file and the rule when the file's
/// header has no slot that needs a secret to write. Judged from the header alone, without
/// a key. Reads the work tree's file; the hook, which reads staged blobs, calls
/// [`authorship_of`] with the blob.
pub(crate) fn authorship_problem(project: &Project, path: &Path) -> Option<String> {
    let config = &project.config;
    config
        .creation_rules
        .iter()
        .find(|r| r.require_secret_slot)?;
    let rel = project.relative(path);
    config.rule_for(&rel)?;
    authorship_of(config, &rel, &std::fs::read(path).ok()?)
}

/// [`authorship_problem`] over the bytes of `rel` (a path relative to the project root):
/// for the pre-commit hook, one line: `problems.extend(status::authorship_of(&project.config,
/// rel, &blob))`. Fernet files need the master key to write; files that are not v1 are the
/// integrity check's business.
pub(crate) fn authorship_of(
    config: &crate::config::Config,
    rel: &Path,
    bytes: &[u8],
) -> Option<String> {
    if format::detect(bytes) != Some(Format::V1) {
        return None;
    }
    let slots = header_slots(std::str::from_utf8(bytes).ok()?);
    let (rule, problem) = config.authorship_problem(rel, &slots)?;
    Some(format!(
        "{}: {problem} [{}]",
        rel.display(),
        rule.describe()
    ))
}

/// The slot lines of a v1 file's header, each read by the one slot-line reader
/// (`SlotLine::parse`); a line it refuses is left out (the integrity check reports it).
/// Line endings converted by git (`\r\n`) are read as `\n`.
// TODO(integration): once `v1::Header` holds `SlotLine`s (issue 11, format layer), take
// them from `v1::header` instead of walking the lines here.
fn header_slots(text: &str) -> Vec<v1::slot::SlotLine> {
    let mut lines = text.split_inclusive('\n');
    if !lines.next().is_some_and(|l| l.starts_with("#envseal:v1 ")) {
        return Vec::new();
    }
    lines
        .take_while(|l| l.starts_with("#envseal:key "))
        .filter_map(|l| {
            let l = l
                .strip_suffix("\r\n")
                .map_or_else(|| l.to_owned(), |b| format!("{b}\n"));
            v1::slot::SlotLine::parse(&l)
        })
        .collect()
}

/// The completed rotation that retired the key this file is still under, if any.
fn retired_rotation(ledger: Option<&Ledger>, st: &FileStatus) -> Option<Rotation> {
    ledger?
        .retired_by(st.key_id.as_ref()?, &st.path)
        .ok()
        .flatten()
}

#[allow(clippy::too_many_arguments)]
fn file_status(
    project: &Project,
    ledger: Option<&Ledger>,
    path: &Path,
    args: &Status,
    now: DateTime<Utc>,
    interval: Duration,
    ui: &Ui,
) -> FileStatus {
    let rel = project.relative(path).display().to_string();
    let bytes = std::fs::read(path).unwrap_or_default();
    let fmt = format::detect(&bytes);
    let header = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|t| v1::header(t).ok());
    let slot = header.as_ref().and_then(|h| h.master().cloned());
    // The key, if one can be had without asking: verifies sync, names a Fernet file's key.
    let wanted = slot.as_ref().map(|s| s.kid.clone());
    let mut quiet = |_m: String| {};
    let loaded = key::resolve(
        &key_request(&args.key, path, wanted.as_ref(), false),
        &mut quiet,
    )
    .ok();
    let opened = loaded
        .as_ref()
        .and_then(|l| open_with(path, &bytes, &l.key).ok());
    let kid = wanted.or_else(|| opened.as_ref().and(loaded.as_ref()).map(|l| l.key.id()));
    let last = match (ledger, &kid) {
        (Some(l), Some(k)) => l.last_completed(Some(k)).ok().flatten(),
        _ => None,
    };
    let last_rotation = last.as_ref().and_then(|r| r.finished_at);
    // Key age: the v1 slot says when this key started protecting the file; for Fernet the
    // last rotation to this key, else the token's own time (a lower bound).
    let key_created = slot
        .as_ref()
        .map(|s| s.created)
        .or(last_rotation)
        .or_else(|| {
            (fmt == Some(Format::Fernet))
                .then(|| fernet::timestamp(&bytes))
                .flatten()
                .and_then(|t| DateTime::from_timestamp(i64::try_from(t).ok()?, 0))
        });
    let since = match (key_created, last_rotation) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let due = since.map(|s| s + interval);
    let plaintext = project::plaintext_for(path);
    // A v1 file no master key at hand opens: the local age/ssh identities its slots name
    // (never KMS), and its sync record keyed by its data key (`crate::sync`), as the hook
    // compares it.
    let local = match (&opened, fmt, &plaintext) {
        (None, Some(Format::V1), Some(_)) => {
            match super::at_hand::open_using(&bytes, &[], &args.key.identity) {
                super::at_hand::Opened::Plain(plain, None) => Some(plain),
                _ => None,
            }
        }
        _ => None,
    };
    let (decrypted, record_key) = match (&opened, &local) {
        (Some((_, plain)), _) => (Some(plain), loaded.as_ref().map(|l| l.key.clone())),
        (None, Some(plain)) => (
            Some(plain),
            super::sync::record_key_local(&bytes, &args.key.identity),
        ),
        (None, None) => (None, None),
    };
    let mut advice = None;
    let sync = match (&plaintext, decrypted) {
        (Some(p), _) if !p.is_file() => "no_plaintext",
        (None, _) => "no_plaintext",
        (Some(p), Some(plain)) => match std::fs::read(p) {
            Ok(b) if b == **plain => "in_sync",
            read => {
                // Which side moved since this clone's last sync of the pair; without a
                // record (fresh clone, CI, rotated since), "stale" as before.
                let moved = ledger.zip(record_key.as_ref()).and_then(|(l, key)| {
                    let base = super::sync::base_in(l, project, p, path, key)?;
                    Some(base.moved(read.as_deref().unwrap_or_default(), plain))
                });
                advice = Some(super::sync::advice(
                    moved,
                    &project.relative(p).display().to_string(),
                    &rel,
                ));
                moved.map_or("stale", super::sync::Moved::name)
            }
        },
        (Some(_), None) => {
            ui.detail(format!(
                "{rel}: no key available without a prompt; cannot check it against its plaintext"
            ));
            "unknown"
        }
    };
    FileStatus {
        path: rel,
        format: fmt.map_or("unknown", Format::name),
        key_id: kid,
        key_created: key_created.map(rfc3339),
        key_age_days: key_created.map(|c| (now - c).num_days()),
        last_rotation: last_rotation.map(rfc3339),
        next_due: due.map(rfc3339),
        overdue: due.is_some_and(|d| now > d),
        plaintext: plaintext.map(|p| project.relative(&p).display().to_string()),
        sync,
        advice,
    }
}

fn print_human(r: &Report) -> Result<()> {
    let mut out = String::new();
    out.push_str(&format!(
        "project {}  (rotation every {} days; ledger: {})\n",
        r.project_root,
        r.rotation_interval_days,
        r.ledger.as_deref().unwrap_or("none yet")
    ));
    if r.files.is_empty() {
        out.push_str("no encrypted files found\n");
    }
    for f in &r.files {
        let age = f.key_age_days.map_or("?".to_owned(), |d| format!("{d}d"));
        let due = f.next_due.as_deref().map_or("?", |d| &d[..10]);
        out.push_str(&format!(
            "{}\n  format {}  key {}  age {}  last rotation {}  next due {}{}\n  plaintext {}: {}\n",
            f.path,
            f.format,
            f.key_id.as_ref().map_or("unknown (no key)", KeyId::as_str),
            age,
            f.last_rotation.as_deref().map_or("never", |d| &d[..10]),
            due,
            if f.overdue { "  OVERDUE" } else { "" },
            f.plaintext.as_deref().unwrap_or("-"),
            match f.sync {
                "in_sync" => "in sync",
                "stale" => "STALE (differs from the encrypted file)",
                "encrypted_changed" => "BEHIND (the encrypted file changed since the last sync)",
                "both_changed" => "BOTH CHANGED since the last sync (run envseal sync)",
                "unknown" => "unknown (no key to check with)",
                _ => "not present",
            }
        ));
    }
    for p in &r.plaintext_files {
        out.push_str(&format!(
            "{}: {}\n",
            p.path,
            if p.tracked {
                "TRACKED by git (danger)"
            } else if p.ignored == Some(true) {
                "ignored by git"
            } else if p.ignored == Some(false) {
                "NOT ignored by git"
            } else {
                "not in a git work tree"
            }
        ));
    }
    for p in &r.problems {
        out.push_str(&format!("problem: {}\n", p.message));
    }
    write_stdout(out.as_bytes())
}

fn history(ledger: Option<&Ledger>, args: &Status, ui: &Ui) -> Result<()> {
    let (rotations, recipient_events) = match ledger {
        Some(l) => (l.history(args.limit)?, l.recipient_events(args.limit)?),
        None => (Vec::new(), Vec::new()),
    };
    if args.json {
        let v = serde_json::json!({
            "schema": 1,
            "rotations": rotations,
            "recipient_events": recipient_events,
        });
        return write_stdout(format!("{}\n", serde_json::to_string_pretty(&v)?).as_bytes());
    }
    if rotations.is_empty() && recipient_events.is_empty() {
        ui.info("no rotations or recipient changes recorded");
        return Ok(());
    }
    // Newest first, both kinds merged by time (a rotation by its start), `--limit` rows.
    let mut rows: Vec<(DateTime<Utc>, String)> = rotations
        .iter()
        .map(|r| (r.started_at, rotation_line(r)))
        .chain(
            recipient_events
                .iter()
                .map(|e| (e.at, recipient_event_line(e))),
        )
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    let mut out = String::new();
    for (_, line) in rows.into_iter().take(args.limit) {
        out.push_str(&line);
    }
    write_stdout(out.as_bytes())
}

fn rotation_line(r: &Rotation) -> String {
    format!(
        "#{} {} {}  {} -> {}  {} file(s)  by {}  reason: {}{}{}\n",
        r.id,
        rfc3339(r.started_at),
        r.status,
        r.old_key_id,
        r.new_key_id,
        r.files.len(),
        r.actor,
        r.reason,
        r.verification
            .as_deref()
            .map(|v| format!("  ({v})"))
            .unwrap_or_default(),
        r.failure_reason
            .as_deref()
            .map(|v| format!("  failure: {v}"))
            .unwrap_or_default(),
    )
}

/// `2026-12-02T10:00:00Z recipient removed  .env.encrypted  age slot age1... (bob)  data
/// key replaced  by alice@laptop`.
fn recipient_event_line(e: &RecipientEvent) -> String {
    format!(
        "{} recipient {}  {}  {} slot {}{}  data key {}{}  by {}\n",
        rfc3339(e.at),
        e.action,
        e.file,
        e.slot_type,
        e.slot_kid,
        e.name
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default(),
        if e.data_key_replaced {
            "replaced"
        } else {
            "kept"
        },
        e.rotation_id
            .map(|r| format!("  (rotation #{r})"))
            .unwrap_or_default(),
        e.actor,
    )
}

/// Encrypted files that are not well-formed (judged without a key) or that fail their
/// integrity check with a key at hand: corrupt, or edited by hand (a merge conflict
/// resolved in the file). A file whose key is not at hand is only judged by structure.
fn integrity_problems(project: &Project, args: &Status) -> Vec<Problem> {
    use super::at_hand::{self, Opened};
    let keys = at_hand::keys(args.key.key_file.as_deref());
    let mut out = Vec::new();
    for path in project.encrypted_names() {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let rel = project.relative(&path).display().to_string();
        let why = match at_hand::open(&bytes, &keys) {
            Opened::Corrupt(why) => why,
            Opened::NotEncrypted => "not an envseal or Fernet encrypted file".to_owned(),
            Opened::Plain(..) | Opened::NoKey { .. } => continue,
        };
        out.push(Problem {
            kind: "corrupt",
            path: Some(rel.clone()),
            message: format!(
                "{rel}: corrupt or edited by hand ({why}); restore it from git or a backup, and make changes with envseal edit or envseal encrypt"
            ),
        });
    }
    out
}

/// A path as one shell word, for commands the user pastes.
fn shell_word(s: &str) -> String {
    if s.bytes()
        .all(|c| c.is_ascii_alphanumeric() || b"._-/+=:@,".contains(&c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
