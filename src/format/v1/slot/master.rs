//! The master-key slot (`type=master`): the first implementation of the key-slot joint.
//!
//! The symmetric master key (`SECRETS_MASTER_KEY`, `--key-file`, the keyring) is both the
//! [`Recipient`] and the [`Identity`] of its slot. `kid=` is the key's fingerprint
//! ([`Key::id`]); `wrap=` is a 12-byte nonce and the AES-256-GCM encryption of the data
//! key under `HKDF-SHA256(salt "envseal v1", master key, info "wrap")`, with associated
//! data `"envseal v1 wrap\0" || kid || "\0" || created` (docs/FORMAT.md): editing the
//! slot's `kid=` or `created=` makes it fail to open, and [`Identity::altered`] tells
//! such an edit from a wrong key.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::Nonce;
use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

use super::{timestamp, Identity, Recipient, SlotError, SlotLine, MASTER};
use crate::format::v1::{gcm, hkdf32, DataKey, Random};
use crate::key::{Key, KeyId};

const WRAP_AAD: &[u8] = b"envseal v1 wrap\0";
/// Nonce, the 32-byte data key, the tag.
pub(crate) const WRAP_LEN: usize = 12 + 32 + 16;

/// A master key as a slot's identity, with where it came from (for messages).
pub struct MasterIdentity<'k> {
    key: &'k Key,
    source: String,
}

impl<'k> MasterIdentity<'k> {
    /// `source` says where the key came from (`--key-file ci.key`, `SECRETS_MASTER_KEY`).
    pub fn new(key: &'k Key, source: impl Into<String>) -> Self {
        MasterIdentity {
            key,
            source: source.into(),
        }
    }

    pub fn key(&self) -> &'k Key {
        self.key
    }
}

fn wrap_aad(kid: &str, created: &str) -> Vec<u8> {
    [WRAP_AAD, kid.as_bytes(), b"\0", created.as_bytes()].concat()
}

impl Recipient for Key {
    fn kind(&self) -> &'static str {
        MASTER
    }

    fn kid(&self) -> String {
        self.id().to_string()
    }

    fn wrap(
        &self,
        dk: &DataKey,
        created: DateTime<Utc>,
        random: Random,
    ) -> Result<SlotLine, SlotError> {
        let kid = self.id().to_string();
        // The slot carries its time to the second: the associated data binds that text.
        let created_text = timestamp(created);
        let created = DateTime::parse_from_rfc3339(&created_text)
            .map_err(|_| SlotError::Internal("slot time".to_owned()))?
            .with_timezone(&Utc);
        let kek = hkdf32(self.expose_bytes(), b"wrap");
        let mut nonce = [0u8; 12];
        random(&mut nonce).map_err(|e| SlotError::Internal(e.to_string()))?;
        let ct = gcm(&kek)
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: dk.expose_bytes(),
                    aad: &wrap_aad(&kid, &created_text),
                },
            )
            .map_err(|_| SlotError::Internal("key wrapping failed".to_owned()))?;
        let mut wrap = nonce.to_vec();
        wrap.extend_from_slice(&ct);
        Ok(SlotLine {
            kind: MASTER.to_owned(),
            kid,
            created,
            extra: Vec::new(),
            wrap,
        })
    }
}

/// Unwrap `slot` with `key`, as if the slot's key id were `kid`.
fn unwrap_as(key: &Key, slot: &SlotLine, kid: &str) -> Option<DataKey> {
    if slot.wrap.len() < 12 + 16 {
        return None; // a slot of another type: its wrap need not be ours
    }
    let (nonce, ct) = slot.wrap.split_at(12);
    let kek = hkdf32(key.expose_bytes(), b"wrap");
    let dk = Zeroizing::new(
        gcm(&kek)
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: &wrap_aad(kid, &slot.created_text()),
                },
            )
            .ok()?,
    );
    let arr: [u8; 32] = dk.as_slice().try_into().ok()?;
    Some(DataKey::from_bytes(Zeroizing::new(arr)))
}

fn unwrap_master(key: &Key, slot: &SlotLine) -> Result<DataKey, SlotError> {
    unwrap_as(key, slot, &slot.kid).ok_or_else(|| SlotError::Refused {
        slot: slot.describe(),
        why: "the wrapped data key does not decrypt".to_owned(),
    })
}

/// Does `key` open a slot whose header fields no longer say so? The wrap's associated
/// data binds the key id (and the creation time), so a slot whose `kid=` was edited opens
/// only when unwrapped as the key's own id; a `type=` edit (`master` → `mastr`) leaves a
/// slot that opens but is not a master slot. Either way the key at hand is the right
/// one and the header was altered: an integrity failure, not a wrong or missing key.
fn altered(key: &Key, slots: &[SlotLine]) -> Option<&'static str> {
    let kid = key.id().to_string();
    slots.iter().find_map(|s| {
        if s.kind == MASTER && s.kid == kid {
            return None; // the slot for this key, unaltered in these fields
        }
        unwrap_as(key, s, &kid).map(|_| {
            if s.kid != kid {
                "a key slot's key id was altered"
            } else {
                "a key slot's type was altered"
            }
        })
    })
}

impl Identity for MasterIdentity<'_> {
    fn kind(&self) -> &'static str {
        MASTER
    }

    fn kid(&self) -> String {
        self.key.id().to_string()
    }

    fn source(&self) -> String {
        self.source.clone()
    }

    fn unwrap(&self, slot: &SlotLine) -> Result<DataKey, SlotError> {
        unwrap_master(self.key, slot)
    }

    fn altered(&self, slots: &[SlotLine]) -> Option<&'static str> {
        altered(self.key, slots)
    }

    fn master_key(&self) -> Option<&Key> {
        Some(self.key)
    }
}

/// A bare key is an identity too ("the key supplied"), for library callers that have
/// no source to name.
impl Identity for Key {
    fn kind(&self) -> &'static str {
        MASTER
    }

    fn kid(&self) -> String {
        self.id().to_string()
    }

    fn source(&self) -> String {
        "the key supplied".to_owned()
    }

    fn unwrap(&self, slot: &SlotLine) -> Result<DataKey, SlotError> {
        unwrap_master(self, slot)
    }

    fn altered(&self, slots: &[SlotLine]) -> Option<&'static str> {
        altered(self, slots)
    }

    fn master_key(&self) -> Option<&Key> {
        Some(self)
    }
}

/// The key id of a well-formed master slot: `kid=` a key fingerprint, no extra fields,
/// a wrap of the master kind's length. `None` for a malformed master slot.
pub(crate) fn master_kid(slot: &SlotLine) -> Option<KeyId> {
    let kid = KeyId::parse(&slot.kid)?;
    (slot.extra.is_empty() && slot.wrap.len() == WRAP_LEN).then_some(kid)
}
