//! `envseal updatekeys`: make each v1 file's key slots match its `[[creation_rules]]`
//! rule, like `sops updatekeys`. Recipients the rule names and the file lacks are added
//! (the existing data key wrapped for them); slots it does not name are removed (a new
//! data key, every value encrypted again, as `recipients remove`); the master slot follows
//! the rule's `master`. A slot whose kind and key id the rule names is kept as it is (a
//! different `name=` is not worth a change).
//!
//! All or nothing over the files, through the rotation engine (`crate::rotation`): every
//! new file is computed and verified in memory (it decrypts to what the old one held,
//! when an identity at hand still opens it), then staged beside its target (written,
//! fsynced); only when every file is staged are they renamed into place, then read back
//! and checked byte for byte. A failure before the renames changes no file. A crash
//! during the renames leaves each file old or new, each complete, and the staged files of
//! the others behind (SIGINT/SIGTERM/SIGHUP remove them): running `updatekeys` again
//! finishes the job (it compares each file with its rule, so it updates exactly the
//! files still old) and removes what the crash left. No backups are written (as
//! `sops updatekeys`): the old files are in git.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::Utc;
use zeroize::Zeroizing;

use super::recipients::{self, RecipientRef};
use super::{key_request, Ui};
use crate::cli::{Global, Updatekeys};
use crate::exit::{Code, Failure};
use crate::format::v1::{self, slot::Recipient, slot::SlotLine};
use crate::key;
use crate::ledger::{NewRecipientEvent, RecipientAction};
use crate::rotation::{self, Item, RotationError};

/// One file's plan.
struct Plan {
    path: PathBuf,
    bytes: Vec<u8>,
    header: v1::Header,
    add: Vec<Box<dyn Recipient>>,
    /// A master slot to add (the rule says `master = true` and the file has none).
    add_master: bool,
    remove: Vec<SlotLine>,
}

pub fn run(args: &Updatekeys, global: &Global, ui: &Ui) -> Result<()> {
    let (project, files) = recipients::target_files(&args.files)?;
    let mut plans = Vec::new();
    for path in &files {
        let rel = project.relative(path).into_owned();
        let Some(rule) = project.config.rule_for(&rel) else {
            ui.info(format!(
                "{}: no creation rule matches; left alone",
                rel.display()
            ));
            continue;
        };
        if recipients::skip_by_default(!args.files.is_empty(), path, ui) {
            continue;
        }
        let (bytes, header) = recipients::read_v1(path)?;
        let wanted = recipients::rule_recipients(rule, &project.root)?;
        let named = |s: &SlotLine, r: &dyn Recipient| s.kind == r.kind() && s.kid == r.kid();
        let add: Vec<Box<dyn Recipient>> = wanted
            .into_iter()
            .filter(|r| !header.slots.iter().any(|s| named(s, &**r)))
            .collect();
        let kept = recipients::rule_recipients(rule, &project.root)?;
        let remove: Vec<SlotLine> = header
            .slots
            .iter()
            .filter(|s| {
                if s.kind == v1::slot::MASTER {
                    !rule.master
                } else {
                    !kept.iter().any(|r| named(s, &**r))
                }
            })
            .cloned()
            .collect();
        let add_master = rule.master && header.masters().is_empty();
        let mut said = Vec::new();
        said.extend(
            add.iter()
                .map(|r| format!("add {} slot {}", r.kind(), r.kid())),
        );
        if add_master {
            said.push("add a master slot".to_owned());
        }
        said.extend(remove.iter().map(|s| format!("remove {}", s.describe())));
        if said.is_empty() {
            ui.info(format!(
                "{}: up to date with {}",
                rel.display(),
                rule.describe()
            ));
            continue;
        }
        // Printed on stdout (the plan is the data of --dry-run).
        println!("{}: {}", rel.display(), said.join("; "));
        if header.slots.len() == remove.len() && add.is_empty() && !add_master {
            return Err(Failure::new(
                Code::Refused,
                format!(
                    "{}: {} would leave no key slot",
                    rel.display(),
                    rule.describe()
                ),
            )
            .into());
        }
        plans.push(Plan {
            path: path.clone(),
            bytes,
            header,
            add,
            add_master,
            remove,
        });
    }
    if args.dry_run || plans.is_empty() {
        return Ok(());
    }
    Ui::confirm_or_refuse(
        args.yes,
        "Update these files' key slots?",
        "not updating without confirmation: pass --yes when there is no terminal (--dry-run shows the plan)",
    )?;
    let _lock = super::guard::write_lock(&project, super::guard::WRITER_WAIT, "updatekeys")?;
    // What an interrupted run left (staged files): this run finishes its job.
    for tmp in plans.iter().flat_map(|p| rotation::temps_of(&p.path)) {
        if std::fs::remove_file(&tmp).is_ok() {
            ui.info(format!(
                "removed {} (a temporary file an interrupted run left)",
                tmp.display()
            ));
        }
    }
    // Every new file in memory, verified, before anything on disk changes.
    let mut items = Vec::new();
    let mut sealed: HashMap<PathBuf, String> = HashMap::new();
    for plan in &plans {
        let (new, plaintext) = update_one(plan, args, ui)?;
        items.push(Item {
            path: plan.path.clone(),
            rel: project.relative(&plan.path).display().to_string(),
            format: crate::format::Format::V1,
            original: plan.bytes.clone(),
            plaintext,
            mode: crate::fsutil::mode(&plan.path).map_or(0o644, |m| m & 0o7777),
        });
        sealed.insert(plan.path.clone(), new);
    }
    rotation::replace_all(
        &project.root,
        &items,
        false,
        |item: &Item| -> Result<Vec<u8>> { Ok(sealed[&item.path].clone().into_bytes()) },
        // The content was verified in memory (update_one); on disk, each file must be
        // byte for byte what was verified.
        |path: &Path, bytes: &[u8]| -> Result<Zeroizing<Vec<u8>>> {
            let item = items
                .iter()
                .find(|i| i.path == path)
                .expect("the engine opens its own items");
            if sealed[path].as_bytes() != bytes {
                return Err(RotationError::NotVerified {
                    file: item.rel.clone(),
                }
                .into());
            }
            Ok(item.plaintext.clone())
        },
        &mut ui.warner(),
    )
    .map_err(|(e, done)| {
        if done == 0 {
            e.context("updatekeys changed no file")
        } else {
            e.context(format!(
                "updatekeys stopped after replacing {done} of {} files; each file is complete (old or new): run `envseal updatekeys` again to finish",
                items.len()
            ))
        }
    })?;
    let mut events = Vec::new();
    for plan in &plans {
        let file = project.relative(&plan.path).display().to_string();
        let replaced = !plan.remove.is_empty();
        let head = v1::header(&sealed[&plan.path])?;
        for s in &head.slots {
            let added = plan
                .add
                .iter()
                .any(|r| s.kind == r.kind() && s.kid == r.kid())
                || (plan.add_master && s.kind == v1::slot::MASTER);
            if added {
                events.push(NewRecipientEvent::for_slot(
                    file.clone(),
                    RecipientAction::Added,
                    s,
                    replaced,
                ));
            } else if replaced {
                events.push(NewRecipientEvent::for_slot(
                    file.clone(),
                    RecipientAction::Rewrapped,
                    s,
                    true,
                ));
            }
        }
        for s in &plan.remove {
            events.push(NewRecipientEvent::for_slot(
                file.clone(),
                RecipientAction::Removed,
                s,
                true,
            ));
        }
        ui.info(format!("{file}: key slots updated"));
    }
    recipients::record(&project, global, ui, &events);
    Ok(())
}

/// Apply one plan: adds first (wrapping the current data key, while the identity at hand
/// still opens the file whatever is removed), then the removal (a new data key for the
/// slots that stay). Returns the new file (not written) and the plaintext of the old one,
/// which the new one decrypts to (checked when the identities at hand still open it: a
/// rule may drop the very slot they opened).
fn update_one(plan: &Plan, args: &Updatekeys, ui: &Ui) -> Result<(String, Zeroizing<Vec<u8>>)> {
    let path = &plan.path;
    // The master key a new master slot wraps for.
    let new_master = if plan.add_master {
        Some(key::resolve(
            &key_request(&args.key, path.as_path(), None, false),
            &mut ui.warner(),
        )?)
    } else {
        None
    };
    let text = std::str::from_utf8(&plan.bytes).expect("checked by read_v1");
    recipients::with_identities(path, &plan.header, &args.key, ui, |ids, masters| {
        let now = Utc::now();
        let mut random = recipients::random();
        let mut text = text.to_owned();
        let mut adds: Vec<&dyn Recipient> = plan.add.iter().map(|r| &**r).collect();
        if let Some(m) = &new_master {
            adds.push(&m.key);
        }
        let mut before = v1::decrypt_plaintext_with(&text, ids)?;
        let plaintext = Zeroizing::new(std::mem::take(&mut *before).into_bytes());
        let verified = |new: String| -> Result<(String, Zeroizing<Vec<u8>>)> {
            if let Ok(after) = v1::decrypt_plaintext_with(&new, ids) {
                if after.as_bytes() != plaintext.as_slice() {
                    return Err(RotationError::Differs {
                        file: plan.path.display().to_string(),
                    }
                    .into());
                }
            }
            Ok((new, plaintext.clone()))
        };
        for r in adds {
            text = v1::add_slot(&text, ids, r, now, &mut random)?;
        }
        if plan.remove.is_empty() {
            return verified(text);
        }
        let header = v1::header(&text)?;
        let mut keys: Vec<&key::Key> = masters.iter().map(|l| &l.key).collect();
        keys.extend(new_master.as_ref().map(|m| &m.key));
        let gone = |s: &SlotLine| {
            plan.remove
                .iter()
                .any(|g| g.kind == s.kind && g.kid == s.kid)
        };
        let staying = recipients::staying_recipients(&header, &|s| !gone(s), &keys)?;
        let refs: Vec<&dyn Recipient> = staying.iter().map(RecipientRef::get).collect();
        let new = v1::remove_slots(
            &text,
            ids,
            &gone,
            &refs,
            v1::Options {
                encrypt_comments: !super::encrypt::shows_a_comment(&plan.bytes),
            },
            now,
            &mut random,
        )?;
        verified(new)
    })
    .with_context(|| {
        format!(
            "no file was changed ({} could not be updated)",
            path.display()
        )
    })
}
