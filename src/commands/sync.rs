//! `envseal sync`, and the per-clone sync record of each plaintext/encrypted pair: which
//! side moved since the last time both held the same content, the advice that keeps
//! every change, and the refusal to overwrite the other side's unsynced change.
//!
//! The record (ledger table `sync_pairs`) holds keyed fingerprints only (see
//! `crate::sync`), under a key derived from the master key (or, for a file opened
//! through an age, ssh or KMS slot, from its data key: [`record_key`]), and the id of
//! that key. It
//! is written by `encrypt` and `decrypt` (after they make the two sides equal), by
//! `edit` (the state before the edit, when the pair was in sync then) and by `sync`. A
//! record made under a key rotated away since is read with that old key when it is still
//! in the keyring. A pair without a usable record is treated as before this record
//! existed: a difference is "stale" and nothing is refused.
//!
//! The base of `sync`'s three-way merge is the recorded per-line fingerprints, not a
//! stored copy of the old content: nothing secret is kept, and it works outside git.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{open_encrypted, read_input, Ui};
use crate::cli::Global;
use crate::dotenv::{self, Document};
use crate::exit::{Code, Failure};
use crate::format::v1::seal;
use crate::format::{self, fernet, v1, Format};
use crate::key::Key;
use crate::ledger::{Ledger, SyncRecord};
use crate::project::Project;
use crate::sync::{
    decode_items, merge3, would_revert, FileFp, Fp, FpKey, Item, Prefer, Side, Tally,
};

/// Which side of a pair moved since the last sync recorded in this clone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moved {
    /// Both sides hold the same content.
    Neither,
    Plaintext,
    Encrypted,
    Both,
}

impl Moved {
    /// The `sync` field of `status --json`.
    pub fn name(self) -> &'static str {
        match self {
            Moved::Neither => "in_sync",
            // What "stale" always meant: the encrypted file lags behind its plaintext.
            Moved::Plaintext => "stale",
            Moved::Encrypted => "encrypted_changed",
            Moved::Both => "both_changed",
        }
    }
}

/// The recorded last sync of a pair, usable with the key it was made under.
pub struct Base {
    fp: FpKey,
    plain_fp: Fp,
    items: Vec<Item>,
}

impl Base {
    /// Which side moved: `plain` is the plaintext file, `enc_plain` the decrypted
    /// encrypted file.
    pub fn moved(&self, plain: &[u8], enc_plain: &[u8]) -> Moved {
        if plain == enc_plain {
            return Moved::Neither;
        }
        let p = self.fp.file(plain) != self.plain_fp;
        let e = self.fp.file(enc_plain) != self.plain_fp;
        match (p, e) {
            (true, false) => Moved::Plaintext,
            (false, true) => Moved::Encrypted,
            _ => Moved::Both,
        }
    }

    /// Names of what writing `other` over `moved` would revert (names only).
    pub fn would_revert(&self, moved: &[u8], other: &[u8]) -> Vec<String> {
        match (dotenv::parse_bytes(moved), dotenv::parse_bytes(other)) {
            (Ok(m), Ok(o)) => would_revert(
                &self.items,
                &Side::new(&m, &self.fp),
                &Side::new(&o, &self.fp),
            ),
            _ => Vec::new(),
        }
    }
}

fn rel(project: &Project, path: &Path) -> String {
    project.relative(path).display().to_string()
}

/// Only a natural pair, `X` and `X.encrypted` (what `status` and the hook look at), has a
/// sync record: `encrypt a.env -o out.encrypted` is a one-off export, and another file
/// encrypted into the same output is not a change to protect.
fn natural_pair(project: &Project, plain: &Path, enc: &Path) -> bool {
    crate::project::plaintext_for(enc).is_some_and(|p| rel(project, &p) == rel(project, plain))
}

/// The options of a command that has no `--ledger` of its own in scope.
pub fn default_global() -> Global {
    Global {
        quiet: false,
        verbose: false,
        ledger: None,
    }
}

/// The recorded base of the pair, if this clone has one made under `key`.
pub fn base(global: &Global, plain: &Path, enc: &Path, key: &Key) -> Option<Base> {
    let project = Project::discover().ok()?;
    let ledger = super::open_ledger(&project, global, false).ok()??;
    base_in(&ledger, &project, plain, enc, key)
}

/// [`base`] with the ledger at hand.
pub fn base_in(
    ledger: &Ledger,
    project: &Project,
    plain: &Path,
    enc: &Path,
    key: &Key,
) -> Option<Base> {
    if !natural_pair(project, plain, enc) {
        return None;
    }
    let rec = ledger
        .sync_record(&rel(project, plain), &rel(project, enc))
        .ok()??;
    // A record made before a rotation is under the old key: usable when that key is
    // still in the keyring (a teammate catching up after a rotation has it: the record
    // was made with it), so a pulled rotation plus a value change is still told apart
    // from a local edit.
    let fp = if rec.key_id == key.id() {
        FpKey::derive(key)
    } else {
        let found = crate::key::keyring::find(&rec.key_id, &mut |_| {}).ok()??;
        FpKey::derive(&found.key)
    };
    Some(Base {
        fp,
        plain_fp: rec.plain_fp.as_slice().try_into().ok()?,
        items: decode_items(&rec.items)?,
    })
}

/// The key of the sync record of a file opened as `opened` (the decision is in the
/// `crate::sync` docs): the master key that opened it, as always (records made before
/// keep working: same key id, same derivation); a v1 file opened through another slot
/// (age, ssh, KMS: no master key needed anywhere) is keyed by a secret derived from its
/// data key. `None` only for a file opened without keeping its v1 form (see
/// [`record_key_local`]).
pub fn record_key(opened: &super::OpenedFile) -> Option<Key> {
    if let Some(loaded) = &opened.key {
        return Some(loaded.key.clone());
    }
    opened
        .v1
        .as_ref()
        .map(|v| Key::from_bytes(*v.sync_secret()))
}

/// [`record_key`] of the v1 file `bytes` for a reader that did not keep the opened file
/// (the hook, `decrypt`), when no master key opened it: its data key found again through
/// the local age and ssh identities its slots name (`identity_files` first), never
/// through KMS, never with a prompt. `None` when none is at hand.
pub fn record_key_local(bytes: &[u8], identity_files: &[PathBuf]) -> Option<Key> {
    use crate::format::v1::slot::{Identity, AGE, SSH};
    let text = std::str::from_utf8(bytes).ok()?;
    let header = v1::header(text).ok()?;
    let mut ids = crate::identities::Identities::new(identity_files);
    let local: Vec<_> = header
        .slots
        .iter()
        .filter(|s| s.kind == AGE || s.kind == SSH)
        .collect();
    for s in &local {
        let _ = ids.find(s, &mut |_| {});
    }
    let refs: Vec<&dyn Identity> = local.iter().filter_map(|s| ids.found(s)).collect();
    if refs.is_empty() {
        return None;
    }
    let secret = v1::sync_secret_with(text, &refs).ok()?;
    Some(Key::from_bytes(*secret))
}

/// Record that `plain` and `enc` now hold `plaintext` (`enc_bytes` being the encrypted
/// file). The record is bookkeeping: a failure warns and never fails the command.
pub fn record(
    global: &Global,
    ui: &Ui,
    plain: &Path,
    enc: &Path,
    key: &Key,
    plaintext: &[u8],
    enc_bytes: &[u8],
) {
    record_as(global, ui, plain, enc, key, plaintext, enc_bytes, true)
}

/// [`record`], unless the ledger holds this very record already (the same key, the
/// same plaintext and encrypted fingerprints): `encrypt` of a pair that is up to date
/// then neither parses the plaintext nor rewrites the record.
pub fn record_unless_current(
    global: &Global,
    ui: &Ui,
    plain: &Path,
    enc: &Path,
    key: &Key,
    plaintext: &[u8],
    enc_bytes: &[u8],
) {
    let current = (|| -> Option<bool> {
        let project = Project::discover().ok()?;
        if !natural_pair(&project, plain, enc) {
            return Some(true); // no record to keep
        }
        let ledger = super::open_ledger(&project, global, false).ok()??;
        let rec = ledger
            .sync_record(&rel(&project, plain), &rel(&project, enc))
            .ok()??;
        let fp = FpKey::derive(key);
        Some(
            rec.key_id == key.id()
                && rec.plain_fp[..] == fp.file(plaintext)[..]
                && rec.enc_fp[..] == fp.file(enc_bytes)[..],
        )
    })();
    if current != Some(true) {
        record(global, ui, plain, enc, key, plaintext, enc_bytes);
    }
}

/// A CI job (`CI` set, as every CI service sets it): `decrypt` there creates no ledger
/// for a sync record (a CI checkout stays clean; it never merges both sides anyway).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// [`record`], creating the ledger only when `create` (else only into one that exists).
#[allow(clippy::too_many_arguments)]
pub fn record_as(
    global: &Global,
    ui: &Ui,
    plain: &Path,
    enc: &Path,
    key: &Key,
    plaintext: &[u8],
    enc_bytes: &[u8],
    create: bool,
) {
    record_with(global, ui, plain, enc, key, create, |fp| {
        let items = dotenv::parse_bytes(plaintext)
            .map(|doc| fp.items_encoded(&doc))
            .unwrap_or_default();
        Ok(Fingerprints {
            plain_fp: fp.file(plaintext),
            enc_fp: fp.file(enc_bytes),
            items,
        })
    })
}

/// [`record`] for a writer that holds the plaintext parsed (`encrypt`): the document is
/// fingerprinted as it is, not rebuilt into bytes and parsed again.
pub fn record_doc(
    global: &Global,
    ui: &Ui,
    plain: &Path,
    enc: &Path,
    key: &Key,
    doc: &Document,
    enc_bytes: &[u8],
) {
    record_with(global, ui, plain, enc, key, true, |fp| {
        Ok(Fingerprints {
            plain_fp: fp.document(doc),
            enc_fp: fp.file(enc_bytes),
            items: fp.items_encoded(doc),
        })
    })
}

/// What a sync record holds of the two sides.
pub struct Fingerprints {
    pub plain_fp: Fp,
    pub enc_fp: Fp,
    /// The per-line items, encoded as the ledger stores them ([`encode_items`]).
    pub items: Vec<u8>,
}

/// Record the pair's fingerprints, made by `make` under the record key (only for a
/// natural pair, and only into a ledger that exists unless `create`). Bookkeeping: a
/// failure warns.
#[allow(clippy::too_many_arguments)]
pub fn record_with(
    global: &Global,
    ui: &Ui,
    plain: &Path,
    enc: &Path,
    key: &Key,
    create: bool,
    make: impl FnOnce(&FpKey) -> Result<Fingerprints>,
) {
    let result = (|| -> Result<()> {
        let project = Project::discover()?;
        if !natural_pair(&project, plain, enc) {
            return Ok(());
        }
        let Some(ledger) = super::open_ledger(&project, global, create)? else {
            return Ok(());
        };
        let fp = FpKey::derive(key);
        let made = make(&fp)?;
        ledger.record_sync(&SyncRecord {
            plaintext: rel(&project, plain),
            encrypted: rel(&project, enc),
            key_id: key.id(),
            plain_fp: made.plain_fp.to_vec(),
            enc_fp: made.enc_fp.to_vec(),
            items: made.items,
        })?;
        Ok(())
    })();
    if let Err(e) = result {
        ui.warn(format!("the sync record was not updated: {e:#}"));
    }
}

/// What the sync record of a pair says, for a streamed re-encryption (`encrypt` over a
/// large existing output), which holds neither plaintext whole and so cannot run
/// [`guard_encrypt`]'s comparison of the two.
pub enum Recorded {
    /// Nothing to guard (not a natural pair, no ledger, no record).
    Nothing,
    /// A record made under this key: the fingerprints of both sides at the last sync.
    Under { fp: FpKey, plain_fp: Fp, enc_fp: Fp },
    /// A record under another key (made before a rotation) or unreadable: only the
    /// whole-file path's [`guard_encrypt`] can tell what moved.
    Other,
}

/// The pair's record as [`Recorded`] (never creates a ledger).
pub fn recorded(global: &Global, plain: &Path, enc: &Path, key: &Key) -> Recorded {
    let Ok(project) = Project::discover() else {
        return Recorded::Nothing;
    };
    if !natural_pair(&project, plain, enc) {
        return Recorded::Nothing;
    }
    // As `base`: a ledger that cannot be opened guards nothing.
    let Ok(Some(ledger)) = super::open_ledger(&project, global, false) else {
        return Recorded::Nothing;
    };
    let Ok(Some(rec)) = ledger.sync_record(&rel(&project, plain), &rel(&project, enc)) else {
        return Recorded::Nothing;
    };
    if rec.key_id != key.id() {
        return Recorded::Other;
    }
    match (
        Fp::try_from(rec.plain_fp.as_slice()),
        Fp::try_from(rec.enc_fp.as_slice()),
    ) {
        (Ok(plain_fp), Ok(enc_fp)) => Recorded::Under {
            fp: FpKey::derive(key),
            plain_fp,
            enc_fp,
        },
        _ => Recorded::Other,
    }
}

/// Whether `encrypt` of `plain` into `enc` keeps a sync record (a natural pair in a
/// project), asked before a streamed encrypt fingerprints anything.
pub fn wants_record(plain: &Path, enc: &Path) -> bool {
    Project::discover().is_ok_and(|project| natural_pair(&project, plain, enc))
}

/// The sync record of a pair whose encrypted side is written as a stream (a large new
/// file: `encrypt`'s `stream_large`): the sealing threads' parsed lines are
/// fingerprinted as they come in order ([`seal::Tap`]), so the plaintext is neither
/// read nor parsed again, and the written file is fingerprinted once it is complete
/// ([`StreamRecord::finish`]). The same record as [`record`] makes of the same files.
#[derive(Default)]
pub struct StreamRecord {
    state: Option<(FpKey, FileFp, Tally)>,
}

impl seal::Tap for StreamRecord {
    fn begin(
        &mut self,
        key: &Key,
        len: u64,
        bom: bool,
        lines: usize,
    ) -> std::sync::Arc<seal::LineFn> {
        let fp = FpKey::derive(key);
        let mut file = fp.file_in_pieces(len);
        if bom {
            file.update("\u{feff}".as_bytes());
        }
        let tally = fp.tally(lines);
        let for_threads = fp.clone();
        self.state = Some((fp, file, tally));
        std::sync::Arc::new(move |text, eol, kind| for_threads.line(text, eol, kind))
    }

    fn piece(&mut self, plain: &str, lines: &[seal::LineSpan], per_line: &[[u8; 32]]) {
        let Some((_, file, tally)) = &mut self.state else {
            return;
        };
        file.update(plain.as_bytes());
        for (l, known) in lines.iter().zip(per_line) {
            tally.push_known(&plain[l.start..l.start + l.len], &l.kind, known);
        }
    }
}

impl StreamRecord {
    /// The fingerprints, with the encrypted file `enc` as written (read back from its
    /// start; the temporary file, before it is renamed into place). `None` when nothing
    /// was tapped, or the pieces did not add up to the plaintext's length.
    pub fn finish(self, enc: &std::fs::File) -> std::io::Result<Option<Fingerprints>> {
        use std::os::unix::fs::FileExt;
        let Some((fp, file, tally)) = self.state else {
            return Ok(None);
        };
        let Some(plain_fp) = file.finish() else {
            return Ok(None);
        };
        let len = enc.metadata()?.len();
        let mut enc_fp = fp.file_in_pieces(len);
        let mut buf = vec![0u8; 256 * 1024];
        let mut at = 0u64;
        while at < len {
            let n = enc.read_at(&mut buf, at)?;
            if n == 0 {
                break;
            }
            enc_fp.update(&buf[..n]);
            at += n as u64;
        }
        Ok(enc_fp.finish().map(|enc_fp| Fingerprints {
            plain_fp,
            enc_fp,
            items: tally.finish_encoded(),
        }))
    }
}

/// What to run when the pair differs, by which side moved (`None`: no record, say what
/// was said before records existed).
pub fn advice(moved: Option<Moved>, plain: &str, enc: &str) -> String {
    let (qp, qe) = (super::shell_quote(plain), super::shell_quote(enc));
    match moved {
        Some(Moved::Plaintext) => format!(
            "{enc}: {plain} changed since the last sync and is not re-encrypted yet; run: envseal encrypt {qp}"
        ),
        Some(Moved::Encrypted) => format!(
            "{enc}: changed since the last sync (pulled, merged or edited with envseal edit) and {plain} is behind; run: envseal decrypt {qe}"
        ),
        Some(Moved::Both) => format!(
            "{enc}: both {plain} and {enc} changed since the last sync; run: envseal sync {qp} (merges them key by key)"
        ),
        Some(Moved::Neither) | None => format!(
            "{enc}: does not match {plain} (edited but not re-encrypted); run: envseal encrypt {qp}"
        ),
    }
}

/// Before `encrypt` writes over `enc`: refuse, without `force`, when the encrypted side
/// has changes since the last sync that the plaintext lacks (on a terminal: ask).
pub fn guard_encrypt(
    global: &Global,
    plain: &Path,
    enc: &Path,
    key: &Key,
    plaintext: &[u8],
    enc_plain: &[u8],
    force: bool,
) -> Result<()> {
    if force {
        return Ok(());
    }
    let Some(base) = base(global, plain, enc, key) else {
        return Ok(());
    };
    let moved = base.moved(plaintext, enc_plain);
    if !matches!(moved, Moved::Encrypted | Moved::Both) {
        return Ok(());
    }
    let names = base.would_revert(enc_plain, plaintext);
    if super::interactive() {
        // On a terminal, asked like any other overwrite, naming what it would revert.
        return super::confirm_overwrite(
            enc,
            false,
            &format!(
                "has changes since the last sync that encrypting {} would revert ({})",
                plain.display(),
                list(&names)
            ),
        );
    }
    Err(Failure::new(
        Code::Refused,
        format!(
            "{} changed since the last sync (pulled, merged, or edited with envseal edit): encrypting {} over it would revert {}; run: {} first to keep those changes, or pass --force to overwrite them",
            enc.display(),
            plain.display(),
            list(&names),
            if moved == Moved::Both {
                format!("envseal sync {}", super::shell_quote(&plain.display().to_string()))
            } else {
                format!("envseal decrypt {}", super::shell_quote(&enc.display().to_string()))
            }
        ),
    )
    .into())
}

/// Before `decrypt` writes over `plain`: refuse, without `force`, when the plaintext has
/// changes since the last sync that the encrypted file lacks (on a terminal: ask).
/// `Ok(true)` when no further confirmation is needed: the record shows the plaintext
/// unchanged since the last sync (only the encrypted side moved, overwriting it loses
/// nothing), or the user was just asked.
pub fn guard_decrypt(
    global: &Global,
    plain: &Path,
    enc: &Path,
    key: &Key,
    plaintext: &[u8],
    enc_plain: &[u8],
    force: bool,
) -> Result<bool> {
    if force {
        return Ok(false);
    }
    let Some(base) = base(global, plain, enc, key) else {
        return Ok(false);
    };
    let moved = base.moved(plaintext, enc_plain);
    if !matches!(moved, Moved::Plaintext | Moved::Both) {
        return Ok(moved == Moved::Encrypted);
    }
    let names = base.would_revert(plaintext, enc_plain);
    if super::interactive() {
        super::confirm_overwrite(
            plain,
            false,
            &format!(
                "has changes not encrypted since the last sync that decrypting would revert ({})",
                list(&names)
            ),
        )?;
        return Ok(true);
    }
    Err(Failure::new(
        Code::Refused,
        format!(
            "{} has changes not encrypted since the last sync: decrypting {} over it would revert {}; run: {} to keep them, or pass --force to overwrite them",
            plain.display(),
            enc.display(),
            list(&names),
            if moved == Moved::Both {
                format!("envseal sync {}", super::shell_quote(&plain.display().to_string()))
            } else {
                format!("envseal encrypt {}", super::shell_quote(&plain.display().to_string()))
            }
        ),
    )
    .into())
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "its changes".to_owned()
    } else {
        names.join(", ")
    }
}

/// The plaintext file `X.encrypted` belongs to, when it exists.
pub fn plaintext_of(enc: &Path) -> Option<PathBuf> {
    crate::project::plaintext_for(enc).filter(|p| p.is_file())
}

/// `envseal sync`.
pub fn run(args: &crate::cli::Sync, global: &Global, ui: &Ui) -> Result<Option<crate::key::KeyId>> {
    let plain_path = args.file.clone().unwrap_or_else(|| ".env".into());
    let enc_path = {
        let mut name = plain_path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(".encrypted");
        plain_path.with_file_name(name)
    };
    let plain = read_input(&plain_path, "plaintext file")?;
    let enc_bytes = read_input(&enc_path, "encrypted file")?;
    let opened = open_encrypted(&enc_path, &enc_bytes, &args.key, ui)?;
    // The record's key: the master key, or (a file opened through an age, ssh or KMS
    // slot) one derived from the data key; the ledger's key id is the master key's only.
    let key = match record_key(&opened) {
        Some(k) => k,
        None => opened.master(&enc_path)?.key.clone(),
    };
    let kid = opened.key_id();
    if plain == *opened.plaintext {
        record(global, ui, &plain_path, &enc_path, &key, &plain, &enc_bytes);
        ui.info(format!(
            "{} and {} are in sync",
            plain_path.display(),
            enc_path.display()
        ));
        return Ok(kid);
    }
    let Some(base) = base(global, &plain_path, &enc_path, &key) else {
        return Err(Failure::new(
            Code::Refused,
            format!(
                "{} and {} differ and this clone has no record of their last sync (a fresh clone, or the key was rotated since), so nothing tells which side changed; keep {0} with: envseal encrypt --force {0}, or keep {1} with: envseal decrypt --force {1}",
                plain_path.display(),
                enc_path.display()
            ),
        )
        .into());
    };
    let ours_doc = dotenv::parse_file_bytes(&plain_path, &plain)?;
    let theirs_doc = dotenv::parse_bytes(&opened.plaintext)
        .with_context(|| format!("cannot parse the content of {}", enc_path.display()))?;
    let ours = Side::new(&ours_doc, &base.fp);
    let theirs = Side::new(&theirs_doc, &base.fp);
    // Each side keeps its own value of a conflicting key; everything else is merged into
    // both.
    let for_plain = merge3(&base.items, &ours, &theirs, Prefer::Ours);
    let for_enc = merge3(&base.items, &ours, &theirs, Prefer::Theirs);
    let conflicts = for_plain.conflicts.clone();
    let plain_changed = for_plain.text.as_bytes() != plain.as_slice();
    let enc_changed = for_enc.text.as_bytes() != opened.plaintext.as_slice();
    // As `edit` and `set`: the writes hold the project's write lock, and only replace the
    // files that were read; a rotation (or another writer) that replaced one meanwhile
    // wins, and `sync` is simply run again (nothing was written).
    let _lock = super::guard::write_lock(&Project::discover()?, super::guard::WRITER_WAIT, "sync")?;
    if read_input(&enc_path, "encrypted file")? != enc_bytes
        || read_input(&plain_path, "plaintext file")? != plain
    {
        return Err(Failure::new(
            Code::Refused,
            format!(
                "{} or {} changed while they were being synced (a rotation or another command replaced it); nothing written, run envseal sync again",
                plain_path.display(),
                enc_path.display()
            ),
        )
        .into());
    }
    if plain_changed {
        crate::fsutil::write_atomic(&plain_path, for_plain.text.as_bytes(), 0o600)
            .with_context(|| format!("cannot write {}", plain_path.display()))?;
    }
    let mut new_enc = enc_bytes.clone();
    if enc_changed {
        let sealed = seal_like(
            &opened,
            &enc_bytes,
            &for_enc.text,
            &enc_path,
            &[],
            opened.key.as_ref().map(|l| l.key.clone()),
        )?;
        crate::fsutil::write_atomic(&enc_path, sealed.as_bytes(), 0o644)
            .with_context(|| format!("cannot write {}", enc_path.display()))?;
        new_enc = sealed.into_bytes();
    }
    if conflicts.is_empty() {
        record(
            global,
            ui,
            &plain_path,
            &enc_path,
            &key,
            for_plain.text.as_bytes(),
            &new_enc,
        );
        ui.info(format!(
            "synced {} and {} ({}{})",
            plain_path.display(),
            enc_path.display(),
            if plain_changed {
                format!("updated {}", plain_path.display())
            } else {
                String::new()
            },
            match (plain_changed, enc_changed) {
                (true, true) => format!(" and {}", enc_path.display()),
                (false, true) => format!("updated {}", enc_path.display()),
                _ => String::new(),
            }
        ));
        return Ok(kid);
    }
    Err(Failure::new(
        Code::CheckFailed,
        format!(
            "{} changed differently in {} and {}: {}. Every other change is now in both; each side kept its own value of these. Keep the plaintext's with: envseal encrypt --force {}, or the encrypted file's with: envseal decrypt --force {}",
            if conflicts.len() == 1 { "a key" } else { "keys" },
            plain_path.display(),
            enc_path.display(),
            conflicts.join(", "),
            plain_path.display(),
            enc_path.display()
        ),
    )
    .into())
}

/// Seal `text` in the format of `opened` under `key`: v1 keeps the data key and the
/// ciphertext of every unchanged value of `opened` (and of `also`, when they share its
/// data key), and hides comments when the old file did. `key` is `None` for a v1 file
/// opened through an age, ssh or KMS slot: its data key and every slot line are kept,
/// so no key is needed.
pub fn seal_like(
    opened: &super::OpenedFile,
    old_bytes: &[u8],
    text: &str,
    path: &Path,
    also: &[&v1::Opened],
    key: Option<Key>,
) -> Result<String> {
    let Some(key) = key else {
        let (Format::V1, Some(previous)) = (opened.format, opened.v1.as_ref()) else {
            // A Fernet file is always opened with a master key; said, never panicked.
            return Ok(fernet::encrypt(text.as_bytes(), &opened.master(path)?.key));
        };
        let doc: Document = dotenv::parse_bytes(text.as_bytes())
            .with_context(|| format!("cannot parse the merged content of {}", path.display()))?;
        let opts = v1::Options {
            encrypt_comments: !super::encrypt::shows_a_comment(old_bytes),
        };
        let mut pool = format::OsRandomPool::default();
        let mut random = |b: &mut [u8]| pool.fill(b);
        return Ok(v1::encrypt_again_reusing(
            &doc,
            previous,
            also,
            opts,
            &mut random,
        )?);
    };
    Ok(match opened.format {
        Format::V1 => {
            let doc: Document = dotenv::parse_bytes(text.as_bytes()).with_context(|| {
                format!("cannot parse the merged content of {}", path.display())
            })?;
            let opts = v1::Options {
                encrypt_comments: !super::encrypt::shows_a_comment(old_bytes),
            };
            let mut pool = format::OsRandomPool::default();
            let mut random = |b: &mut [u8]| pool.fill(b);
            let previous = opened
                .v1
                .as_ref()
                .filter(|_| opened.key_id().as_ref() == Some(&key.id()));
            v1::encrypt_reusing(
                &doc,
                &key,
                previous,
                also,
                opts,
                chrono::Utc::now(),
                &mut random,
            )?
        }
        Format::Fernet => fernet::encrypt(text.as_bytes(), &key),
    })
}

/// The hook's pair check, for a staged encrypted file (`enc_plain`, its decrypted staged
/// content) that differs from its plaintext (`on_disk`): the problem that blocks the
/// commit, if any. The encrypted side being ahead (pulled or edited with `envseal edit`)
/// loses nobody's change: a note, not a block. Without a sync record, the check of
/// before: stale.
#[allow(clippy::too_many_arguments)]
pub fn hook_problem(
    ui: &Ui,
    plain: &Path,
    enc: &Path,
    key: &Key,
    on_disk: &[u8],
    enc_plain: &[u8],
    plain_rel: &str,
    enc_rel: &str,
) -> Option<String> {
    let moved = base(&default_global(), plain, enc, key).map(|b| b.moved(on_disk, enc_plain));
    let (qp, qe) = (super::shell_quote(plain_rel), super::shell_quote(enc_rel));
    match moved {
        Some(Moved::Neither) => None,
        Some(Moved::Encrypted) => {
            ui.info(format!("note: {}", advice(moved, plain_rel, enc_rel)));
            None
        }
        Some(Moved::Plaintext) => Some(format!(
            "{enc_rel}: stale, {plain_rel} changed since the last sync and is not re-encrypted; run: envseal encrypt {qp} && git add {qe}"
        )),
        Some(Moved::Both) => Some(format!(
            "{enc_rel}: stale, both {plain_rel} and {enc_rel} changed since the last sync; run: envseal sync {qp} && git add {qe}"
        )),
        None => Some(format!(
            "{enc_rel}: stale, it does not match {plain_rel}; run: envseal encrypt {qp} && git add {qe}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The record a streamed encrypt makes ([`StreamRecord`], fed by the sealing
    /// threads) is the record made of the whole files: the same plaintext, encrypted
    /// file and per-line fingerprints (a BOM, repeated keys and blank lines, CRLF, no
    /// final newline, an empty file).
    #[test]
    fn a_streamed_record_is_the_record_of_the_whole_files() {
        use std::io::{Read, Seek, Write};
        let key = Key::from_bytes([5; 32]);
        for text in [
            "",
            "\u{feff}",
            "A=1",
            "\u{feff}# c\r\nA=1\n\nA=2\n\n'Q'=x\nBARE\n#OLD=1\nB",
            "X=\"multi\nline\"\r\n\n\n",
        ] {
            let mut input = tempfile::tempfile().unwrap();
            input.write_all(text.as_bytes()).unwrap();
            let mut out = tempfile::tempfile().unwrap();
            let mut record = StreamRecord::default();
            let mut give_key = || Ok::<_, std::convert::Infallible>(key.clone());
            seal::encrypt_stream(
                &input,
                v1::Options::default(),
                chrono::Utc::now(),
                &mut give_key,
                &mut seal::FileSink(&mut out),
                Some(&mut record),
            )
            .unwrap();
            let got = record.finish(&out).unwrap().expect("fingerprints");
            let mut enc = Vec::new();
            out.rewind().unwrap();
            out.read_to_end(&mut enc).unwrap();
            let fp = FpKey::derive(&key);
            assert_eq!(got.plain_fp, fp.file(text.as_bytes()));
            assert_eq!(got.enc_fp, fp.file(&enc));
            let whole = fp.items(&dotenv::parse(text).unwrap());
            assert_eq!(got.items, crate::sync::encode_items(&whole));
        }
    }
}
