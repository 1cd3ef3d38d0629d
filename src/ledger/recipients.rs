//! Recipient events (schema v3): a key slot added to a file, removed from it, or re-wrapped
//! for a new data key, recorded next to the rotations so `status --history` tells who could
//! open which file when.
//!
//! Public data only: a slot's kind, its key id (`kid=`, the age recipient, the SSH key's
//! fingerprint, the KMS key ARN, the master key's fingerprint) and its `name=` are in the
//! committed file's header already. The fields are checked against the slot-line grammar
//! (`format::v1::slot`), and an age identity pasted in place of a key id is refused, so a
//! secret cannot slip in by mistake.
//!
//! Recording: [`Ledger::record_recipient_events`] writes a batch in one IMMEDIATE
//! transaction (`recipients add|remove` over several files: one fsync); a rotation's
//! re-wraps go in with its completion, in the same transaction
//! ([`Ledger::complete_with_recipient_events`]), so a completed rotation never lacks them.

use chrono::{DateTime, Utc};
use rusqlite::{params, Row, Transaction};
use serde::Serialize;

use super::{fmt_time, parse_time, ser_time, sql_limit, Ledger, LedgerError, RotationId};
use super::{RotationStatus, TOOL_VERSION};
use crate::format::v1::slot::{self, SlotLine};

/// What happened to a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientAction {
    /// A slot was added (`recipients add`, `updatekeys`): the data key was wrapped for it.
    Added,
    /// A slot was removed (`recipients remove`, `updatekeys`).
    Removed,
    /// A slot was re-wrapped for a new data key (`rotate`, or the remaining slots after a
    /// removal).
    Rewrapped,
}

impl RecipientAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Rewrapped => "rewrapped",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "added" => Self::Added,
            "removed" => Self::Removed,
            "rewrapped" => Self::Rewrapped,
            _ => return None,
        })
    }
}

impl std::fmt::Display for RecipientAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A recipient event to record. Time, actor and tool version are filled in by the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecipientEvent {
    /// The encrypted file, relative to the project root (as rotations record files).
    pub file: String,
    pub action: RecipientAction,
    /// The slot's `type=` (`master`, `age`, `ssh`, `aws-kms`, ...).
    pub slot_type: String,
    /// The slot's `kid=`.
    pub slot_kid: String,
    /// The slot's `name=`, if any.
    pub name: Option<String>,
    /// Whether the file got a new data key (a removal, a rotation): a removed recipient
    /// who kept the old data key cannot read what is committed next.
    pub data_key_replaced: bool,
}

impl NewRecipientEvent {
    /// The event for `slot` of `file`: kind, kid and name taken from the slot line.
    pub fn for_slot(
        file: impl Into<String>,
        action: RecipientAction,
        slot: &SlotLine,
        data_key_replaced: bool,
    ) -> NewRecipientEvent {
        NewRecipientEvent {
            file: file.into(),
            action,
            slot_type: slot.kind.clone(),
            slot_kid: slot.kid.clone(),
            name: slot.field("name").map(str::to_owned),
            data_key_replaced,
        }
    }
}

/// A recorded recipient event (serialises for `status --json`; time as RFC 3339 UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecipientEvent {
    pub id: i64,
    #[serde(serialize_with = "ser_time")]
    pub at: DateTime<Utc>,
    pub file: String,
    pub action: RecipientAction,
    pub slot_type: String,
    pub slot_kid: String,
    pub name: Option<String>,
    pub data_key_replaced: bool,
    /// The rotation that re-wrapped the slot, for `rewrapped` events of a rotation.
    pub rotation_id: Option<RotationId>,
    pub actor: String,
    pub tool_version: String,
}

pub(super) const SQL_RECIPIENT_EVENTS: &str =
    "SELECT id, at, file, action, slot_type, slot_kid, name, data_key_replaced, rotation_id, \
     actor, tool_version FROM recipient_events ORDER BY at DESC, id DESC LIMIT ?1";

/// A slot kind as the slot grammar writes it: `[a-z0-9-]+`.
fn kind_ok(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A slot field value (`kid=`, `name=`): the slot grammar's characters, and not a secret
/// that happens to fit them (an age identity is `AGE-SECRET-KEY-1...`).
fn public_value_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 512
        && s.chars().all(slot::value_char)
        && !s.to_ascii_uppercase().contains("SECRET-KEY")
}

impl Ledger {
    pub(super) fn check_recipient_events(
        &self,
        events: &[NewRecipientEvent],
    ) -> Result<(), LedgerError> {
        for e in events {
            let bad = if !kind_ok(&e.slot_type) {
                Some("the slot type")
            } else if !public_value_ok(&e.slot_kid) {
                Some("the slot key id")
            } else if !e.name.as_deref().is_none_or(public_value_ok) {
                Some("the slot name")
            } else {
                None
            };
            if let Some(field) = bad {
                return Err(LedgerError::NotPublic {
                    path: self.path.clone(),
                    field,
                });
            }
        }
        Ok(())
    }

    pub(super) fn insert_recipient_events(
        &self,
        tx: &Transaction<'_>,
        rotation: Option<RotationId>,
        events: &[NewRecipientEvent],
    ) -> rusqlite::Result<Vec<i64>> {
        let mut ids = Vec::with_capacity(events.len());
        if events.is_empty() {
            return Ok(ids);
        }
        let mut insert = tx.prepare(
            "INSERT INTO recipient_events (at, file, action, slot_type, slot_kid, name,
                 data_key_replaced, rotation_id, actor, tool_version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let at = fmt_time(Utc::now());
        for e in events {
            insert.execute(params![
                at,
                e.file,
                e.action.as_str(),
                e.slot_type,
                e.slot_kid,
                e.name,
                e.data_key_replaced,
                rotation.map(|r| r.0),
                self.actor,
                TOOL_VERSION
            ])?;
            ids.push(tx.last_insert_rowid());
        }
        Ok(ids)
    }

    /// Records recipient events in one transaction; returns their ids, in order. Refuses
    /// (recording nothing) a field that is not public slot data.
    pub fn record_recipient_events(
        &self,
        events: &[NewRecipientEvent],
    ) -> Result<Vec<i64>, LedgerError> {
        self.check_recipient_events(events)?;
        const ACTION: &str = "record a recipient change";
        let err = |e| self.classify(e, ACTION, false);
        let tx = self.write_tx(ACTION)?;
        let ids = self
            .insert_recipient_events(&tx, None, events)
            .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(ids)
    }

    /// `in_progress → completed`, as [`Ledger::complete`], recording the slots the rotation
    /// re-wrapped (each linked to the rotation) in the same transaction.
    pub fn complete_with_recipient_events(
        &self,
        id: RotationId,
        verification: &str,
        rewrapped: &[NewRecipientEvent],
    ) -> Result<(), LedgerError> {
        self.transition_with(
            id,
            RotationStatus::Completed,
            Some(verification),
            None,
            rewrapped,
        )
    }

    /// The `limit` most recent recipient events, newest first.
    pub fn recipient_events(&self, limit: usize) -> Result<Vec<RecipientEvent>, LedgerError> {
        const ACTION: &str = "list recipient changes";
        let err = |e| self.classify(e, ACTION, false);
        let mut stmt = self.conn.prepare(SQL_RECIPIENT_EVENTS).map_err(err)?;
        let rows = stmt
            .query_map([sql_limit(limit)], |r| self.recipient_event_from_row(r))
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row.map_err(err)??);
        }
        Ok(out)
    }

    /// Number of recorded recipient events.
    pub fn recipient_event_count(&self) -> Result<u64, LedgerError> {
        self.count(
            "count recipient changes",
            "SELECT count(*) FROM recipient_events",
        )
    }

    fn recipient_event_from_row(
        &self,
        r: &Row<'_>,
    ) -> rusqlite::Result<Result<RecipientEvent, LedgerError>> {
        let id: i64 = r.get(0)?;
        let at: String = r.get(1)?;
        let action: String = r.get(3)?;
        let (Some(at), Some(action)) = (parse_time(&at), RecipientAction::parse(&action)) else {
            return Ok(Err(self.corrupt(format!("recipient event #{id}"))));
        };
        Ok(Ok(RecipientEvent {
            id,
            at,
            file: r.get(2)?,
            action,
            slot_type: r.get(4)?,
            slot_kid: r.get(5)?,
            name: r.get(6)?,
            data_key_replaced: r.get(7)?,
            rotation_id: r.get::<_, Option<i64>>(8)?.map(RotationId),
            actor: r.get(9)?,
            tool_version: r.get(10)?,
        }))
    }
}
