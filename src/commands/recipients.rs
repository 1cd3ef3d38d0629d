//! `envseal recipients add|list|remove`: who can open an encrypted v1 file, as key slots.
//!
//! Also the small pieces the other writing commands of team keys share (`encrypt --age`,
//! `updatekeys`): a recipient from what the user typed or a creation rule
//! ([`recipient_for`], [`rule_recipients`]), the files a command works on
//! ([`target_files`]), and [`with_identities`], which runs a change with the keys at hand
//! that open a file, from the one builder of candidates the readers use too
//! ([`super::candidates`], asked for every master key as well, to re-wrap master slots).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::Utc;
use serde::Serialize;

use super::Ui;
use crate::cli::{
    Global, KeyArgs, RecipientsAction, RecipientsAdd, RecipientsCommand, RecipientsList,
    RecipientsRemove,
};
use crate::exit::{Code, Failure};
use crate::format::v1::slot::{self, Identity, Recipient, SlotLine};
use crate::format::{self, v1};
use crate::key;
use crate::ledger::{NewRecipientEvent, RecipientAction};
use crate::project::Project;

pub fn run(args: &RecipientsCommand, global: &Global, ui: &Ui) -> Result<()> {
    match &args.action {
        RecipientsAction::Add(a) => add(a, global, ui),
        RecipientsAction::List(a) => list(a),
        RecipientsAction::Remove(a) => remove(a, global, ui),
    }
}

/// `NAME=RECIPIENT` (encrypt's per-recipient name): split when the part before the first
/// `=` is a valid slot name; an OpenSSH key's base64 padding is never taken for one (the
/// text before it holds a space).
pub fn split_name(text: &str) -> (Option<&str>, &str) {
    match text.split_once('=') {
        Some((name, rest)) if slot::age::name_ok(name) && !rest.is_empty() => (Some(name), rest),
        _ => (None, text),
    }
}

/// The recipient for `--age`, `--ssh` or `--aws-kms` (`kind` is the slot kind).
pub fn recipient_for(kind: &str, text: &str, name: Option<&str>) -> Result<Box<dyn Recipient>> {
    let flag = match kind {
        slot::AGE => "--age",
        slot::SSH => "--ssh",
        _ => "--aws-kms",
    };
    if kind == slot::AWS_KMS {
        if name.is_some() {
            return Err(Failure::new(
                Code::Usage,
                "--aws-kms takes no name: its key ARN (or alias ARN) names the slot",
            )
            .into());
        }
        return slot::aws_kms_recipient(text.trim())
            .map_err(|e| Failure::new(Code::Usage, format!("{flag}: {e}")).into());
    }
    let r = slot::age::parse_recipient(text, name)
        .map_err(|e| Failure::new(Code::Usage, format!("{flag}: {e}")))?;
    if r.kind() != kind {
        return Err(Failure::new(
            Code::Usage,
            format!(
                "{flag} was given {} recipient; use --{} for it",
                if r.kind() == slot::AGE {
                    "an age"
                } else {
                    "an SSH"
                },
                r.kind()
            ),
        )
        .into());
    }
    Ok(r)
}

/// The recipients a creation rule names, in its order.
pub fn rule_recipients(
    rule: &crate::config::CreationRule,
    root: &Path,
) -> Result<Vec<Box<dyn Recipient>>> {
    use crate::config::RecipientSpec;
    let mut out = Vec::new();
    for r in &rule.recipients {
        let name = r.name.as_deref();
        let made = match &r.spec {
            RecipientSpec::Age(t) => recipient_for(slot::AGE, t, name),
            RecipientSpec::Ssh(_) => {
                let text = r.ssh_key_text(root).expect("an ssh recipient")?;
                recipient_for(slot::SSH, &text, name)
            }
            RecipientSpec::AwsKms(arn) => recipient_for(slot::AWS_KMS, arn, None),
        };
        out.push(made.with_context(|| {
            format!(
                "{} (.envseal/config.toml line {}) names a recipient envseal cannot use",
                rule.describe(),
                r.line
            )
        })?);
    }
    Ok(out)
}

/// The project and the files a command works on: those named, else every encrypted file
/// of the project (as `status` and `rotate` find them).
pub fn target_files(files: &[PathBuf]) -> Result<(Project, Vec<PathBuf>)> {
    let project = Project::discover()?;
    let files = if files.is_empty() {
        project.encrypted_files()
    } else {
        files.to_vec()
    };
    if files.is_empty() {
        return Err(Failure::new(
            Code::BadInput,
            format!(
                "no encrypted files found under {}; name them: FILE...",
                project.root.display()
            ),
        )
        .into());
    }
    Ok((project, files))
}

/// Whether a file found by default (no FILE named) is left out: a Fernet file has no key
/// slots, so a command over the whole project passes it by with a note instead of
/// failing on it. A file named on the command line is never skipped (it gets the error).
pub fn skip_by_default(named: bool, path: &Path, ui: &Ui) -> bool {
    if named {
        return false;
    }
    let fernet =
        std::fs::read(path).is_ok_and(|b| format::detect(&b) == Some(format::Format::Fernet));
    if fernet {
        ui.info(format!(
            "{}: a Fernet file has no key slots; left alone",
            path.display()
        ));
    }
    fernet
}

/// A v1 file's text and header; a Fernet file (no key slots) or anything else is refused.
pub fn read_v1(path: &Path) -> Result<(Vec<u8>, v1::Header)> {
    let bytes = super::read_input(path, "encrypted file")?;
    let not_v1 = |why: &str| -> anyhow::Error {
        Failure::new(
            Code::BadInput,
            format!(
                "{} {why}; key slots are a feature of the v1 format (re-encrypt it: envseal decrypt, then envseal encrypt --age ...)",
                path.display()
            ),
        )
        .into()
    };
    match format::detect(&bytes) {
        Some(format::Format::V1) => {}
        Some(format::Format::Fernet) => return Err(not_v1("is a Fernet file")),
        None => return Err(not_v1("is not an envseal-encrypted file")),
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| format::FormatError::Integrity("the file is not valid UTF-8".to_owned()))
        .with_context(|| format!("cannot open {}", path.display()))?;
    let header = v1::header(text).with_context(|| format!("cannot open {}", path.display()))?;
    Ok((bytes, header))
}

/// Run `f` with the identities at hand that open the v1 file `path` (header `header`)
/// and the master keys at hand (to re-wrap a master slot), gathered by the one builder
/// of candidates ([`super::candidates`] with [`super::Lookup::rewrap`]: an age/SSH
/// identity a slot names, the master keys, and a KMS slot only when neither is at hand).
pub fn with_identities<T>(
    path: &Path,
    header: &v1::Header,
    keys: &KeyArgs,
    ui: &Ui,
    f: impl FnOnce(&[&dyn Identity], &[key::Loaded]) -> Result<T>,
) -> Result<T> {
    let lookup = super::Lookup {
        prompt: false,
        remote: true,
        rewrap: true,
    };
    let candidates = super::candidates(path, format::Format::V1, Some(header), keys, ui, lookup)?;
    let refs = candidates.refs(Some(header));
    f(&refs, candidates.masters())
        .with_context(|| format!("cannot change the key slots of {}", path.display()))
}

/// The recipients that re-wrap a new data key for the slots that `stays` keeps: a master
/// slot through the master key at hand that it names (a master slot cannot be re-wrapped
/// without it), every other slot through its public fields.
pub fn staying_recipients<'k>(
    header: &v1::Header,
    stays: &dyn Fn(&SlotLine) -> bool,
    masters: &'k [&'k key::Key],
) -> Result<Vec<RecipientRef<'k>>> {
    let mut out = Vec::new();
    for s in header.slots.iter().filter(|s| stays(s)) {
        if s.kind == slot::MASTER {
            match masters.iter().find(|k| k.id().to_string() == s.kid) {
                Some(k) => out.push(RecipientRef::Master(k)),
                None => {
                    return Err(Failure::new(
                        Code::KeyMissing,
                        format!(
                            "{} stays, and a new data key must be wrapped for it, which needs that master key: supply it (--key-file, SECRETS_MASTER_KEY or the keyring), or remove that slot too",
                            s.describe()
                        ),
                    )
                    .into())
                }
            }
        } else {
            match slot::recipient_from_slot(s) {
                Some(r) => out.push(RecipientRef::Owned(r)),
                None => {
                    return Err(Failure::new(
                        Code::Refused,
                        format!(
                            "{} cannot be re-wrapped for a new data key by this build, and re-encrypting without it would drop it",
                            s.describe()
                        ),
                    )
                    .into())
                }
            }
        }
    }
    Ok(out)
}

/// A recipient borrowed (a master key at hand) or built from a slot.
pub enum RecipientRef<'k> {
    Master(&'k key::Key),
    Owned(Box<dyn Recipient>),
}

impl RecipientRef<'_> {
    pub fn get(&self) -> &dyn Recipient {
        match self {
            RecipientRef::Master(k) => *k,
            RecipientRef::Owned(r) => &**r,
        }
    }
}

/// The names of the values of a v1 file (never a value), for the offboarding message.
pub fn value_names(text: &str, ids: &[&dyn Identity]) -> Result<Vec<String>> {
    let plain = v1::decrypt_plaintext_with(text, ids)?;
    let doc = crate::dotenv::parse(&plain)?;
    let mut names: Vec<String> = doc
        .lines
        .iter()
        .filter(|l| l.expose_raw_value().is_some())
        .filter_map(|l| l.key_name().map(str::to_owned))
        .collect();
    names.dedup();
    Ok(names)
}

/// Record recipient events in the project's ledger (created if needed: a change of who
/// can decrypt belongs in the audit trail). Failing to write it warns, as every event.
pub fn record(project: &Project, global: &Global, ui: &Ui, events: &[NewRecipientEvent]) {
    if events.is_empty() {
        return;
    }
    let result = super::open_ledger(project, global, true).and_then(|l| {
        if let Some(l) = l {
            l.record_recipient_events(events)?;
        }
        Ok(())
    });
    if let Err(e) = result {
        ui.warn(format!("the ledger was not updated: {e:#}"));
    }
}

/// Write `text` over `path` atomically, keeping its mode.
pub fn write_back(path: &Path, text: &str) -> Result<()> {
    let mode = crate::fsutil::mode(path).map_or(0o644, |m| m & 0o7777);
    crate::fsutil::write_atomic(path, text.as_bytes(), mode)
        .with_context(|| format!("cannot write {}", path.display()))
}

pub fn random() -> impl FnMut(&mut [u8]) -> Result<(), format::FormatError> {
    |b: &mut [u8]| format::os_random(b)
}

fn rel(project: &Project, path: &Path) -> String {
    project.relative(path).display().to_string()
}

fn add(args: &RecipientsAdd, global: &Global, ui: &Ui) -> Result<()> {
    let recipient = match (&args.age, &args.ssh, &args.aws_kms) {
        (Some(t), _, _) => recipient_for(slot::AGE, t, args.name.as_deref())?,
        (_, Some(t), _) => recipient_for(slot::SSH, t, args.name.as_deref())?,
        (_, _, Some(t)) => recipient_for(slot::AWS_KMS, t, None)?,
        _ => unreachable!("clap requires one of --age, --ssh, --aws-kms"),
    };
    let (project, files) = target_files(&args.files)?;
    let _lock = super::guard::write_lock(&project, super::guard::WRITER_WAIT, "recipients add")?;
    let mut events = Vec::new();
    let mut result = Ok(());
    for path in &files {
        if skip_by_default(!args.files.is_empty(), path, ui) {
            continue;
        }
        match add_one(path, &*recipient, args, ui) {
            Ok(Some(slot)) => {
                ui.info(format!(
                    "{}: added {}",
                    rel(&project, path),
                    slot.describe()
                ));
                events.push(NewRecipientEvent::for_slot(
                    rel(&project, path),
                    RecipientAction::Added,
                    &slot,
                    false,
                ));
            }
            Ok(None) => {}
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    record(&project, global, ui, &events);
    result
}

/// Add the slot to one file: `None` when it is there already.
fn add_one(
    path: &Path,
    recipient: &dyn Recipient,
    args: &RecipientsAdd,
    ui: &Ui,
) -> Result<Option<SlotLine>> {
    let (bytes, header) = read_v1(path)?;
    if let Some(s) = header
        .slots
        .iter()
        .find(|s| s.kind == recipient.kind() && s.kid == recipient.kid())
    {
        ui.info(format!(
            "{}: already has {}; left unchanged",
            path.display(),
            s.describe()
        ));
        return Ok(None);
    }
    let text = std::str::from_utf8(&bytes).expect("checked by read_v1");
    let new = with_identities(path, &header, &args.key, ui, |ids, _| {
        let mut random = random();
        Ok(v1::add_slot(text, ids, recipient, Utc::now(), &mut random)?)
    })?;
    write_back(path, &new)?;
    let added = v1::header(&new)?
        .slots
        .into_iter()
        .find(|s| s.kind == recipient.kind() && s.kid == recipient.kid())
        .expect("the slot just added");
    Ok(Some(added))
}

/// `recipients list --json`: `schema` 1 (documented in the README, "Team keys").
#[derive(Serialize)]
struct ListJson {
    schema: u32,
    files: Vec<FileJson>,
}

#[derive(Serialize)]
struct FileJson {
    file: String,
    format: &'static str,
    slots: Vec<SlotJson>,
}

#[derive(Serialize)]
struct SlotJson {
    #[serde(rename = "type")]
    kind: String,
    kid: String,
    name: Option<String>,
    /// The recipient as a user gives it: `age1...`, `ssh-ed25519 AAAA...`, the KMS ARN;
    /// `null` for a master slot (a symmetric key has no public form).
    public: Option<String>,
    created: String,
}

fn slot_json(s: &SlotLine) -> SlotJson {
    let public = match s.kind.as_str() {
        slot::AGE | slot::SSH => slot::age::public_form(s),
        slot::AWS_KMS => Some(s.kid.clone()),
        _ => None,
    };
    SlotJson {
        kind: s.kind.clone(),
        kid: s.kid.clone(),
        name: s.field("name").map(str::to_owned),
        public,
        created: s.created_text(),
    }
}

fn list(args: &RecipientsList) -> Result<()> {
    let (project, files) = target_files(&args.files)?;
    let mut out = ListJson {
        schema: 1,
        files: Vec::new(),
    };
    for path in &files {
        let bytes = super::read_input(path, "encrypted file")?;
        let (fmt, slots) = match format::detect(&bytes) {
            Some(format::Format::V1) => {
                let text = std::str::from_utf8(&bytes).map_err(|_| {
                    format::FormatError::Integrity("the file is not valid UTF-8".to_owned())
                })?;
                let header =
                    v1::header(text).with_context(|| format!("cannot read {}", path.display()))?;
                ("v1", header.slots.iter().map(slot_json).collect())
            }
            Some(format::Format::Fernet) => ("fernet", Vec::new()),
            None => {
                return Err(Failure::new(
                    Code::BadInput,
                    format!("{} is not an envseal-encrypted file", path.display()),
                )
                .into())
            }
        };
        out.files.push(FileJson {
            file: rel(&project, path),
            format: fmt,
            slots,
        });
    }
    if args.json {
        let mut text = serde_json::to_string_pretty(&out)?;
        text.push('\n');
        return super::write_stdout(text.as_bytes());
    }
    let mut text = String::new();
    for f in &out.files {
        text.push_str(&f.file);
        text.push('\n');
        if f.format == "fernet" {
            text.push_str("  (Fernet: no key slots; the master key opens it)\n");
        }
        for s in &f.slots {
            let shown = match (&s.public, s.kind.as_str()) {
                (Some(p), slot::SSH) => format!("{}  {p}", s.kid),
                _ => s.kid.clone(),
            };
            text.push_str(&format!(
                "  {:<8} {:<12} {}  created {}\n",
                s.kind,
                s.name.as_deref().unwrap_or("-"),
                shown,
                s.created
            ));
        }
    }
    super::write_stdout(text.as_bytes())
}

/// Which slots a `recipients remove` argument picks.
type Picker = Box<dyn Fn(&SlotLine) -> bool>;

/// What `who` (as `recipients remove` takes it) picks among a file's slots: the public
/// form of an age or SSH key (or a .pub file), a KMS ARN, a slot's key id, or its name.
fn picker(who: &str) -> Result<Picker> {
    let t = who.trim().to_owned();
    let is_file = Path::new(&t).is_file();
    if t.starts_with("age1") || t.starts_with("ssh-") || is_file {
        let r = slot::age::parse_recipient(&t, None)
            .map_err(|e| Failure::new(Code::Usage, format!("recipients remove: {e}")))?;
        let (kind, kid) = (r.kind(), r.kid());
        return Ok(Box::new(move |s: &SlotLine| s.kind == kind && s.kid == kid));
    }
    Ok(Box::new(move |s: &SlotLine| {
        s.kid == t || s.field("name") == Some(t.as_str())
    }))
}

fn remove(args: &RecipientsRemove, global: &Global, ui: &Ui) -> Result<()> {
    let pick = picker(&args.who)?;
    let (project, files) = target_files(&args.files)?;
    // The plan first: which slots of which file go.
    let mut plan = Vec::new();
    for path in &files {
        if skip_by_default(!args.files.is_empty(), path, ui) {
            continue;
        }
        let (bytes, header) = read_v1(path)?;
        let gone: Vec<SlotLine> = header.slots.iter().filter(|s| pick(s)).cloned().collect();
        if gone.is_empty() {
            ui.detail(format!("{}: no slot for {}", path.display(), args.who));
            continue;
        }
        if gone.len() == header.slots.len() {
            return Err(Failure::new(
                Code::Refused,
                format!(
                    "{}: removing {} would leave no key slot, and nobody could open the file; add another recipient first (envseal recipients add)",
                    path.display(),
                    gone.iter().map(SlotLine::describe).collect::<Vec<_>>().join(", ")
                ),
            )
            .into());
        }
        plan.push((path.clone(), bytes, header, gone));
    }
    if plan.is_empty() {
        return Err(Failure::new(
            Code::BadInput,
            format!(
                "no slot of {} matches {:?} (a recipient, key id or name; see envseal recipients list)",
                if args.files.is_empty() { "the project's encrypted files".to_owned() } else { "the files named".to_owned() },
                args.who
            ),
        )
        .into());
    }
    for (path, _, _, gone) in &plan {
        ui.info(format!(
            "{}: remove {} (new data key, every value encrypted again)",
            rel(&project, path),
            gone.iter()
                .map(SlotLine::describe)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ui::confirm_or_refuse(
        args.yes,
        "Remove this recipient?",
        "not removing without confirmation: pass --yes when there is no terminal",
    )?;
    let _lock = super::guard::write_lock(&project, super::guard::WRITER_WAIT, "recipients remove")?;
    let mut events = Vec::new();
    let mut result = Ok(());
    for (path, bytes, header, gone) in &plan {
        let text = std::str::from_utf8(bytes).expect("checked by read_v1");
        let done = with_identities(path, header, &args.key, ui, |ids, masters| {
            let keys: Vec<&key::Key> = masters.iter().map(|l| &l.key).collect();
            let stays = |s: &SlotLine| !pick(s);
            let staying = staying_recipients(header, &stays, &keys)?;
            let refs: Vec<&dyn Recipient> = staying.iter().map(RecipientRef::get).collect();
            let names = value_names(text, ids)?;
            let mut random = random();
            let new = v1::remove_slots(
                text,
                ids,
                &|s| pick(s),
                &refs,
                v1::Options {
                    encrypt_comments: !super::encrypt::shows_a_comment(bytes),
                },
                Utc::now(),
                &mut random,
            )?;
            Ok((new, names))
        });
        let (new, names) = match done.and_then(|d| write_back(path, &d.0).map(|()| d)) {
            Ok(d) => d,
            Err(e) => {
                result = Err(e);
                break;
            }
        };
        let file = rel(&project, path);
        for s in gone {
            events.push(NewRecipientEvent::for_slot(
                file.clone(),
                RecipientAction::Removed,
                s,
                true,
            ));
        }
        for s in v1::header(&new)?.slots.iter() {
            events.push(NewRecipientEvent::for_slot(
                file.clone(),
                RecipientAction::Rewrapped,
                s,
                true,
            ));
        }
        let who = gone
            .iter()
            .map(SlotLine::describe)
            .collect::<Vec<_>>()
            .join(", ");
        ui.info(format!(
            "{file}: removed {who}; new data key, every value encrypted again"
        ));
        // Not silenced by --quiet: this is what the user must act on.
        eprintln!(
            "envseal: {who} could read these values of {file} and can still read them in git history: {}. Change them at their providers, then `envseal set` the new values.",
            if names.is_empty() { "(none)".to_owned() } else { names.join(", ") }
        );
    }
    record(&project, global, ui, &events);
    result
}
