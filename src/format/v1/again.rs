//! Writing a new version of a file that was opened through any slot, with no key at all
//! (issue 12: a file with only age, ssh or KMS slots needs no master key anywhere).
//!
//! A writer that holds the [`Opened`] previous version holds its data key: the new
//! version keeps that data key and every slot line byte for byte, so nothing needs to be
//! wrapped again and no recipient's key is needed. What is here:
//!
//! - [`encrypt_again_reusing`]: [`super::encrypt_again`], also reusing the ciphertexts
//!   (and the added slots) of other versions sharing the data key (the merge driver);
//! - [`decrypt_again`]: read back what was just written, with the same data key (the
//!   check `set` makes before replacing the file);
//! - [`Opened::sync_secret`] / [`sync_secret_with`]: the secret the per-clone sync
//!   record of a file without a master key is keyed by (see `crate::sync`).

use zeroize::Zeroizing;

use super::slot::{self, Identity, SlotError, SlotLine};
use super::{
    decrypt_plaintext_with, find_slot, header, hkdf32, union_of_slots, write_file, DataKey, Opened,
    Options, Random,
};
use crate::dotenv::Document;
use crate::format::FormatError;

/// HKDF info of the sync-record secret: distinct from the value key's (`value`) and the
/// MAC key's (`mac`), so the secret tells nothing about either.
const SYNC_INFO: &[u8] = b"envseal sync record";

/// `doc` as the new content of `previous`, needing no key: [`super::encrypt_again`] that
/// also reuses the ciphertext of every entry `also` holds (other versions of the file
/// sharing `previous`' data key, such as the other side of a merge) and keeps a slot one
/// of them added.
pub fn encrypt_again_reusing<'a>(
    doc: &'a Document,
    previous: &'a Opened,
    also: &[&'a Opened],
    opts: Options,
    random: Random,
) -> Result<String, FormatError> {
    let slot_lines = union_of_slots(previous, also);
    write_file(
        doc,
        &previous.data_key,
        &slot_lines,
        Some(previous),
        also,
        opts,
        random,
    )
}

/// Decrypt `text`, a new version of `previous` written by [`super::encrypt_again`] or
/// [`encrypt_again_reusing`], with `previous`' data key: the same checks as any reader
/// (MAC over the whole document, every entry), no key needed.
pub fn decrypt_again(text: &str, previous: &Opened) -> Result<Zeroizing<String>, FormatError> {
    let kept = Kept::of(previous)?;
    decrypt_plaintext_with(text, &[&kept])
}

impl Opened {
    /// A secret derived from the file's data key (HKDF-SHA256, info
    /// `envseal sync record`): the key of the per-clone sync record of a file opened
    /// without a master key. Everyone who can open the file can derive it, nobody else.
    pub fn sync_secret(&self) -> Zeroizing<[u8; 32]> {
        hkdf32(self.data_key.expose_bytes(), SYNC_INFO)
    }
}

/// [`Opened::sync_secret`] of the v1 file `text`, through the slot one of `identities`
/// opens, without decrypting the body (for readers that do not keep the opened file).
pub fn sync_secret_with(
    text: &str,
    identities: &[&dyn Identity],
) -> Result<Zeroizing<[u8; 32]>, FormatError> {
    let head = header(text)?;
    let (_, data_key) = find_slot(&head, identities)?;
    Ok(hkdf32(data_key.expose_bytes(), SYNC_INFO))
}

/// An identity that "unwraps" one slot of `previous` to its known data key: how
/// [`decrypt_again`] reuses the one decoder without any key.
struct Kept {
    kind: &'static str,
    kid: String,
    data_key: DataKey,
}

impl Kept {
    fn of(previous: &Opened) -> Result<Kept, FormatError> {
        let known = [slot::MASTER, slot::AGE, slot::SSH, slot::AWS_KMS];
        previous
            .header
            .slots
            .iter()
            .find_map(|s| {
                known.iter().find(|k| **k == s.kind).map(|k| Kept {
                    kind: k,
                    kid: s.kid.clone(),
                    data_key: previous.data_key.clone(),
                })
            })
            .ok_or_else(|| FormatError::Internal("the opened file has no known slot".to_owned()))
    }
}

impl Identity for Kept {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn kid(&self) -> String {
        self.kid.clone()
    }
    fn source(&self) -> String {
        "the data key of the version just opened".to_owned()
    }
    fn unwrap(&self, _slot: &SlotLine) -> Result<DataKey, SlotError> {
        Ok(self.data_key.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Key;

    fn random() -> impl FnMut(&mut [u8]) -> Result<(), FormatError> {
        let mut n = 0u8;
        move |b: &mut [u8]| {
            for x in b.iter_mut() {
                n = n.wrapping_add(1);
                *x = n;
            }
            Ok(())
        }
    }

    fn sealed(text: &str, key: &Key) -> String {
        let doc = crate::dotenv::parse(text).unwrap();
        super::super::seal(
            &doc,
            &[key as &dyn slot::Recipient],
            Options::default(),
            chrono::Utc::now(),
            &mut random(),
        )
        .unwrap()
    }

    #[test]
    fn a_new_version_is_written_and_read_back_without_any_key_and_tampering_is_caught() {
        let key = Key::from_bytes([9; 32]);
        let old = sealed("A=1\nB=2\n", &key);
        let opened = super::super::decrypt(&old, &key).unwrap();
        let doc = crate::dotenv::parse("A=1\nB=3\n").unwrap();
        let new =
            super::super::encrypt_again(&doc, &opened, Options::default(), &mut random()).unwrap();
        assert_eq!(&*decrypt_again(&new, &opened).unwrap(), "A=1\nB=3\n");
        // Every slot line and the unchanged value's line kept.
        let lines = |t: &str| t.lines().map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(lines(&new)[1], lines(&old)[1]);
        assert_eq!(lines(&new)[3], lines(&old)[3]);
        let tampered = new.replacen("B=ENC[v1:", "B=ENC[v1:A", 1);
        assert!(decrypt_again(&tampered, &opened).is_err());
    }

    #[test]
    fn the_sync_secret_is_the_same_through_any_opener_and_not_the_data_key() {
        let key = Key::from_bytes([4; 32]);
        let text = sealed("A=1\n", &key);
        let opened = super::super::decrypt(&text, &key).unwrap();
        let via_header = sync_secret_with(&text, &[&key]).unwrap();
        assert_eq!(*opened.sync_secret(), *via_header);
        assert_ne!(&*opened.sync_secret(), opened.data_key.expose_bytes());
        // Another version sealed afresh (another data key): another secret.
        let doc = crate::dotenv::parse("A=1\n").unwrap();
        let mut os = |b: &mut [u8]| crate::format::os_random(b);
        let fresh = super::super::seal(
            &doc,
            &[&key as &dyn slot::Recipient],
            Options::default(),
            chrono::Utc::now(),
            &mut os,
        )
        .unwrap();
        assert_ne!(*sync_secret_with(&fresh, &[&key]).unwrap(), *via_header);
    }
}
