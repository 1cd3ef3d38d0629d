//! `envseal merge %O %A %B %P`: the git merge driver for encrypted env files, and its
//! set-up (called by `hook install` / `hook uninstall`).
//!
//! Decisions (README "Merges"):
//! - The three versions are decrypted in memory and merged key by key (`crate::sync`);
//!   the result is sealed keeping the data key of the side it is written under and the
//!   ciphertext of every value either side already holds, so its diff against each side
//!   shows only the other side's changes.
//! - A key changed differently on both sides keeps our value (the file left in %A is a
//!   valid encrypted file holding every other change), is named on stderr, and the exit
//!   code is 1: git reports a conflict.
//! - No key for one of the versions: %A is left as it is (our version, a valid encrypted
//!   file, never one with conflict markers that nobody could decrypt) and the exit code is
//!   the key error's (3 or 4): git reports a conflict.
//! - Different master keys (a rotation on one branch): the result is written under the
//!   key of the side whose key is newer (the later `created` in its header: rotation is the
//!   newer decision, and the old key may be the reason for it), reusing that side's
//!   ciphertexts. Both keys must be at hand.
//! - A v1 file opened through an age, ssh or KMS slot (no master key at hand, or none in
//!   the file) needs no master key: the fingerprints are made under our data key's
//!   record key (`sync::record_key`), and the result keeps the data key and every slot
//!   line of the side it is written under, which is the side whose data key moved away
//!   from the base's (a `rotate` or `recipients remove` on that branch: writing the
//!   merge under the old data key would give a removed person's slot back), else ours.
//! - Fernet files are merged the same way, key by key, on their plaintexts, and written
//!   as a new Fernet token under our key.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

use super::{OpenedFile, Ui};
use crate::cli::Merge;
use crate::dotenv::{self, Document};
use crate::exit::{Code, Failure};
use crate::sync::{merge3, FpKey, Prefer, Side};

/// The `.gitattributes` line the driver needs: `-text` too, so git never converts the
/// line endings of an encrypted file (the reader also tolerates a converted file, see
/// `docs/FORMAT.md`).
pub const ATTRIBUTES: &str = "*.encrypted merge=envseal -text";
const DRIVER: &str = "envseal merge %O %A %B %P";
const DRIVER_NAME: &str = "envseal: key-wise merge of encrypted env files";

pub fn run(args: &Merge, ui: &Ui) -> Result<()> {
    let shown = args.path.clone().unwrap_or_else(|| args.ours.clone());
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("cannot read {}", p.display()));
    let (base_bytes, ours_bytes, theirs_bytes) =
        (read(&args.base)?, read(&args.ours)?, read(&args.theirs)?);
    let open = |bytes: &[u8]| super::open_encrypted_noprompt(&shown, bytes, &args.key, ui);
    let opened = (|| -> Result<(Option<OpenedFile>, OpenedFile, OpenedFile)> {
        // An empty base: the file was added on both branches.
        let base = if base_bytes.is_empty() {
            None
        } else {
            Some(open(&base_bytes)?)
        };
        Ok((base, open(&ours_bytes)?, open(&theirs_bytes)?))
    })();
    let (base, ours, theirs) = opened.map_err(|e| {
        e.context(format!(
            "envseal merge cannot open every version of {0}, so {0} is left as our version (a valid encrypted file) and git reports a conflict; to merge key by key, get the key, then: git merge --abort and merge again (or keep ours: git add {0}; or theirs: git checkout --theirs {0} && git add {0})",
            shown.display()
        ))
    })?;
    let parse = |f: &OpenedFile, which: &str| -> Result<Document> {
        dotenv::parse_bytes(&f.plaintext).with_context(|| {
            format!(
                "cannot merge {}: {which} version does not parse",
                shown.display()
            )
        })
    };
    let base_doc = match &base {
        Some(b) => parse(b, "the base")?,
        None => Document {
            bom: false,
            lines: Vec::new(),
        },
    };
    let ours_doc = parse(&ours, "our")?;
    let theirs_doc = parse(&theirs, "their")?;
    // The merge's fingerprints are made under our record key (the master key, or for a
    // file opened through an age, ssh or KMS slot one derived from its data key: they
    // only need to be the same for the three versions of this one merge).
    let fp_key = match super::sync::record_key(&ours) {
        Some(k) => k,
        None => ours.master(&shown)?.key.clone(),
    };
    let fp = FpKey::derive(&fp_key);
    let merged = merge3(
        &fp.items(&base_doc),
        &Side::new(&ours_doc, &fp),
        &Side::new(&theirs_doc, &fp),
        Prefer::Ours,
    );
    // The side written under: ours, unless theirs is under newer keys. Newer: the side
    // whose master or data key moved away from the base's (a rotation or a recipient
    // removed on that branch); when both or
    // neither moved, the later `created` in the header (a tie keeps ours). The header's
    // time has a one-second grain, so it alone cannot order a rotation made just after.
    // A file opened through an age, ssh or KMS slot has no master key: its version is
    // its data key (a `recipients remove` or a rotation on one branch replaced it, and
    // must not be undone by writing the merge under the other side's old data key,
    // which the removed person holds), and its time the latest `created` of its slots.
    let created = |f: &OpenedFile| {
        f.v1.as_ref().and_then(|v| match &f.key {
            Some(_) => v.header.master().map(|s| s.created),
            None => v.header.slots.iter().map(|s| s.created).max(),
        })
    };
    // A version is its master key and its data key: `recipients remove` (or `updatekeys`
    // dropping a slot) replaces the data key of a file with a master slot too, and keeps
    // its master key, so the master key alone would not tell that branch moved.
    let version = |f: &OpenedFile| {
        let data =
            f.v1.as_ref()
                .map(|v| crate::key::Key::from_bytes(*v.sync_secret()).id());
        (f.key_id(), data)
    };
    let base_id = base.as_ref().map(version);
    let moved = |f: &OpenedFile| base_id.as_ref().is_some_and(|id| *id != version(f));
    let theirs_newer = version(&ours) != version(&theirs)
        && match (moved(&ours), moved(&theirs)) {
            (false, true) => true,
            (true, false) => false,
            _ => created(&theirs) > created(&ours),
        };
    let (target, target_bytes, other) = if theirs_newer {
        (&theirs, &theirs_bytes, &ours)
    } else {
        (&ours, &ours_bytes, &theirs)
    };
    // A key slot only theirs has (added there) is theirs to add, too.
    let their_slots = match (&target.v1, &other.v1) {
        (Some(t), Some(o)) => crate::format::v1::adds_slots(t, o),
        _ => false,
    };
    if !theirs_newer && !their_slots && merged.text.as_bytes() == ours.plaintext.as_slice() {
        // Nothing of theirs to add: our file stays byte for byte.
    } else {
        let also: Vec<&crate::format::v1::Opened> = other.v1.iter().collect();
        let sealed = super::sync::seal_like(
            target,
            target_bytes,
            &merged.text,
            &shown,
            &also,
            target.key.as_ref().map(|l| l.key.clone()),
        )?;
        crate::fsutil::write_atomic(&args.ours, sealed.as_bytes(), 0o644)
            .with_context(|| format!("cannot write {}", args.ours.display()))?;
    }
    if merged.conflicts.is_empty() {
        ui.detail(format!(
            "envseal merge: merged {} key by key",
            shown.display()
        ));
        return Ok(());
    }
    Err(Failure::new(
        Code::CheckFailed,
        format!(
            "{0}: {1} changed differently on both sides: {2}. The merged {0} keeps our value of {3} and every other change of both sides (it is a valid encrypted file). Their version is git's stage 3 (git show :3:{0}). Finish with: envseal edit {0}, then git add {0}",
            shown.display(),
            if merged.conflicts.len() == 1 { "a key" } else { "keys" },
            merged.conflicts.join(", "),
            if merged.conflicts.len() == 1 { "it" } else { "them" },
        ),
    )
    .into())
}

/// Set up the merge driver in the current repository: the `.gitattributes` line at the
/// top of the work tree and the `merge.envseal` section of the repository's config.
/// Idempotent.
pub fn install_driver(ui: &Ui) -> Result<()> {
    let root = work_tree()?;
    let path = root.join(".gitattributes");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    if !text.lines().any(|l| l.trim() == ATTRIBUTES) {
        let mut new = text.clone();
        if !new.is_empty() && !new.ends_with('\n') {
            new.push('\n');
        }
        new.push_str(ATTRIBUTES);
        new.push('\n');
        crate::fsutil::write_atomic(&path, new.as_bytes(), 0o644)
            .with_context(|| format!("cannot write {}", path.display()))?;
        ui.info(format!(
            "added `{ATTRIBUTES}` to {} (commit it, so every clone merges encrypted files key by key)",
            path.display()
        ));
    }
    git_config(&root, &["merge.envseal.name", DRIVER_NAME])?;
    git_config(&root, &["merge.envseal.driver", DRIVER])?;
    Ok(())
}

/// Undo [`install_driver`]: remove our `.gitattributes` line (and the file, if nothing
/// else is in it) and the `merge.envseal` config section.
pub fn uninstall_driver(ui: &Ui) -> Result<()> {
    let root = work_tree()?;
    let path = root.join(".gitattributes");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let rest: String = text
            .split_inclusive('\n')
            .filter(|l| l.trim() != ATTRIBUTES)
            .collect();
        if rest != text {
            if rest.trim().is_empty() {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            } else {
                crate::fsutil::write_atomic(&path, rest.as_bytes(), 0o644)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            ui.info(format!("removed `{ATTRIBUTES}` from {}", path.display()));
        }
    }
    // Absent already is fine.
    let _ = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["config", "--remove-section", "merge.envseal"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    Ok(())
}

fn work_tree() -> Result<std::path::PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    crate::git::toplevel(&cwd).ok_or_else(|| {
        Failure::new(
            Code::Usage,
            "not in a git work tree; run this inside the repository to protect",
        )
        .into()
    })
}

fn git_config(root: &Path, args: &[&str]) -> Result<()> {
    let ok = Command::new("git")
        .arg("-C")
        .arg(root)
        .arg("config")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("cannot run git")?
        .success();
    if !ok {
        anyhow::bail!("git config {} failed", args[0]);
    }
    Ok(())
}
