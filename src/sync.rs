//! Three-way reconciliation of dotenv documents, key by key, and the keyed fingerprints
//! of the per-clone sync record. Used by `envseal sync` (plaintext side against encrypted
//! side, base = the last sync) and by the git merge driver `envseal merge` (ours against
//! theirs, base = the merge base).
//!
//! # What this module owns, and what it must not do
//! - A document is seen as a sequence of *items*: each logical line has an identity (an
//!   assignment or bare key: its key name and which occurrence of that name it is; any
//!   other line: its text and occurrence) and a content (the whole raw line with its
//!   terminator). Both are kept only as fingerprints: HMAC-SHA256, truncated to 16 bytes,
//!   under a key derived from the *record key* (HKDF-SHA256, salt `envseal v1`, info
//!   `sync`). So the base of a merge can be the fingerprints stored in the ledger: no
//!   value, and no unkeyed hash of a value, is ever stored.
//!
//! # The record key (issue 12: files with no master slot)
//! - A file opened with its master key: the master key, as always. Records made before
//!   keep working unchanged (same derivation, same `sync_pairs.key_id`), and a record
//!   made before a rotation is still read with the old key from the keyring.
//! - A v1 file opened through an age, ssh or AWS KMS slot (no master key at hand, or
//!   none in the file): a secret derived from the file's *data key* (HKDF-SHA256 of the
//!   data key, info `envseal sync record`, see `format::v1::Opened::sync_secret`), used
//!   as the record key; `key_id` is the id of that derived secret (never the data key's
//!   own, and never the id of a master key).
//!
//! Why the data key rather than the identity that opened the file (the other design
//! considered): the data key exists for every opener, KMS included (a CI job that opens
//! through KMS, and `set`/`sync` there, keep a record like a laptop does), it is the same
//! for every member of the team, so a person with several identities (an age key and
//! `~/.ssh/id_ed25519`) gets the same record whichever opened the file, and it needs no
//! new secret-handling code in each identity type. It is exactly as secret as the file:
//! whoever can derive it can decrypt the file anyway, and a clone without access still
//! cannot test guesses of a value against the ledger. The cost: a record is tied to one
//! data key, so after the data key changes (`rotate`, `recipients remove`) the old record
//! is no longer usable, which is what happens after a rotation whose old master key is
//! not in the keyring: the pair is treated as having no record (a difference is "stale",
//! `sync` asks which side to keep) until the next `encrypt`, `decrypt` or `sync` records
//! it again. Readers that do not keep the opened file (the hook, `decrypt`) find the data
//! key again through the local age and ssh identities only: a file only KMS opens gets no
//! record from them (KMS is never called twice, and the hook never calls it).
//! - The merge takes the order of "ours" and applies "theirs"' changes to it: changed
//!   values, added lines (placed after the line that precedes them in theirs, or before
//!   the line that follows them when nothing precedes them), removed
//!   lines. An item changed on both sides to different contents (or removed on one side
//!   and changed on the other) is a conflict: the preferred side's version is kept and its
//!   name is reported (a key name, or `line N` for a line that is not an assignment).
//!   A reordering done on theirs alone is not replayed (ours' order wins).
//! - It never prints; the merged text is a wiped-on-drop string.

use std::collections::{HashMap, HashSet};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::dotenv::{Document, Eol, Kind, Line};
use crate::key::Key;

/// A truncated keyed fingerprint.
pub type Fp = [u8; 16];

/// One line of a document, as fingerprints: which line it is, and what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Item {
    pub id: Fp,
    pub val: Fp,
}

/// The key fingerprints are made under. Unprintable.
///
/// Held as HMAC-SHA256 keyed once (its two key blocks absorbed), cloned for each
/// fingerprint: keying HMAC anew for each of the two fingerprints of every line was a
/// fifth of re-encrypting a 100,000-key file. Same bytes out as keying each time (a test
/// pins them against records made before). The keyed state is as secret as the
/// derived key itself (it lets one test guesses against the ledger, nothing more) and,
/// like the per-call states before it, is not wiped on drop: `hmac` offers no wiping.
#[derive(Clone)]
pub struct FpKey {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for FpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FpKey(..)")
    }
}

impl FpKey {
    /// Derived from the record key (the master key, or the secret derived from a file's
    /// data key, see the module docs), so a clone without the key cannot test guesses
    /// of a value against the ledger.
    pub fn derive(master: &Key) -> FpKey {
        let mut out = Zeroizing::new([0u8; 32]);
        hkdf::Hkdf::<Sha256>::new(Some(b"envseal v1"), master.expose_bytes())
            .expand(b"sync", &mut *out)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        FpKey::from_secret(&out)
    }

    fn from_secret(secret: &[u8; 32]) -> FpKey {
        FpKey {
            mac: <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length"),
        }
    }

    /// What a line's item is when its identity occurs for the first time: the
    /// identity's fingerprint for occurrence 0, then the content's. Independent of the
    /// other lines (the sealing threads of a streamed encrypt compute it).
    pub fn line(&self, text: &str, eol: Eol, kind: &Kind) -> [u8; 32] {
        let eol = match eol {
            Eol::None => Eol::Lf,
            e => e,
        };
        let val = self.mac(&[b"val", text.as_bytes(), eol.as_str().as_bytes()]);
        let mut out = [0u8; 32];
        out[..16].copy_from_slice(&self.id(text, kind, 0));
        out[16..].copy_from_slice(&val);
        out
    }

    /// The fingerprint of a line's identity, for its `occurrence`-th time (from 0).
    fn id(&self, text: &str, kind: &Kind, occurrence: u64) -> Fp {
        let (is_key, name) = identity_of(text, kind);
        let kind_tag: &[u8] = if is_key { b"key" } else { b"line" };
        self.mac(&[b"id", kind_tag, name.as_bytes(), &occurrence.to_be_bytes()])
    }

    fn mac(&self, parts: &[&[u8]]) -> Fp {
        let mut mac = self.mac.clone();
        for p in parts {
            mac.update(&(p.len() as u64).to_be_bytes());
            mac.update(p);
        }
        truncate(mac)
    }

    /// The fingerprint of a whole file's bytes.
    pub fn file(&self, bytes: &[u8]) -> Fp {
        self.mac(&[b"file", bytes])
    }

    /// [`FpKey::file`] of `len` bytes given in pieces ([`FileFp::update`]), for a file
    /// never held whole.
    pub fn file_in_pieces(&self, len: u64) -> FileFp {
        let mut mac = self.mac.clone();
        let tag: &[u8] = b"file";
        mac.update(&(tag.len() as u64).to_be_bytes());
        mac.update(tag);
        mac.update(&len.to_be_bytes());
        FileFp { mac, left: len }
    }

    /// The items of a document, in order.
    pub fn items(&self, doc: &Document) -> Vec<Item> {
        self.items_encoded(doc)
            .chunks_exact(32)
            .map(item_of)
            .collect()
    }

    /// [`FpKey::items`] as the ledger stores them ([`encode_items`]), made without the
    /// list first.
    pub fn items_encoded(&self, doc: &Document) -> Vec<u8> {
        let mut items = self.tally(doc.lines.len());
        for line in &doc.lines {
            items.push(line.expose_text(), line.eol, &line.kind);
        }
        items.finish_encoded()
    }

    /// The items of a document given line by line ([`Tally::push`]), for one never
    /// parsed whole; `lines` is a capacity hint.
    pub fn tally(&self, lines: usize) -> Tally {
        Tally {
            fp: self.clone(),
            seen: HashMap::with_capacity_and_hasher(lines, Default::default()),
            encoded: Vec::with_capacity(lines * 32),
        }
    }

    /// The fingerprint of the whole document `doc` was parsed from, as [`FpKey::file`]
    /// of its bytes, without building them.
    pub fn document(&self, doc: &Document) -> Fp {
        let bom = if doc.bom { "\u{feff}" } else { "" };
        let len = bom.len()
            + doc
                .lines
                .iter()
                .map(|l| l.expose_text().len() + l.eol.as_str().len())
                .sum::<usize>();
        let mut file = self.file_in_pieces(len as u64);
        file.update(bom.as_bytes());
        for line in &doc.lines {
            file.update(line.expose_text().as_bytes());
            file.update(line.eol.as_str().as_bytes());
        }
        file.finish()
            .expect("the length counted is the length of the lines fed")
    }
}

fn truncate(mac: Hmac<Sha256>) -> Fp {
    let full: [u8; 32] = mac.finalize().into_bytes().into();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// A file's fingerprint being computed from its pieces ([`FpKey::file_in_pieces`]).
pub struct FileFp {
    mac: Hmac<Sha256>,
    left: u64,
}

impl FileFp {
    pub fn update(&mut self, bytes: &[u8]) {
        self.left = self.left.wrapping_sub(bytes.len() as u64);
        self.mac.update(bytes);
    }

    /// The fingerprint; `None` when the pieces did not add up to the length announced
    /// (it would not be [`FpKey::file`] of anything read).
    pub fn finish(self) -> Option<Fp> {
        (self.left == 0).then(|| truncate(self.mac))
    }
}

/// The items of a document being fingerprinted line by line ([`FpKey::tally`]).
///
/// A line's identity is its key name (or its text) and which occurrence of it it is.
/// The occurrence is counted in a map keyed by the fingerprint of the identity's first
/// occurrence, which is computed for every line anyway: a fingerprint is uniformly
/// random, so the map hashes its first bytes (no SipHash over the name), and no name or
/// line text is held. Only a repeated identity (a blank line, a key set twice) costs a
/// second fingerprint.
pub struct Tally {
    fp: FpKey,
    seen: HashMap<Fp, u64, std::hash::BuildHasherDefault<FpHasher>>,
    /// The items so far, as [`encode_items`] writes them (the form the ledger stores,
    /// so a large file's list is not held twice).
    encoded: Vec<u8>,
}

impl Tally {
    /// The next logical line: its text (without terminator), terminator and kind.
    pub fn push(&mut self, text: &str, eol: Eol, kind: &Kind) {
        let line = self.fp.line(text, eol, kind);
        self.push_known(text, kind, &line);
    }

    /// [`Tally::push`] with the line's [`FpKey::line`] computed already (by another
    /// thread: it does not depend on the lines before).
    pub fn push_known(&mut self, text: &str, kind: &Kind, line: &[u8; 32]) {
        let mut first = [0u8; 16];
        first.copy_from_slice(&line[..16]);
        match self.seen.get_mut(&first) {
            None => {
                self.seen.insert(first, 1);
                self.encoded.extend_from_slice(line);
            }
            Some(n) => {
                let occurrence = *n;
                *n += 1;
                let id = self.fp.id(text, kind, occurrence);
                self.encoded.extend_from_slice(&id);
                self.encoded.extend_from_slice(&line[16..]);
            }
        }
    }

    /// The items, as [`encode_items`] writes them.
    pub fn finish_encoded(self) -> Vec<u8> {
        self.encoded
    }
}

/// Hashes a fingerprint by its first 8 bytes (it is uniformly random already).
#[derive(Default)]
pub struct FpHasher(u64);

impl std::hash::Hasher for FpHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // An array is hashed as its length, then its bytes.
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(29) ^ u64::from_le_bytes(word);
        }
    }
}

/// A final line without a terminator counts as ending in `\n`: appending a line after
/// it (which gives it one) is not a change of its own.
fn eol_of(line: &Line) -> Eol {
    match line.eol {
        Eol::None => Eol::Lf,
        e => e,
    }
}

/// What identifies a line across versions: the key name of an assignment or bare key
/// ([`Line::key_name`]'s reading: the quotes of a `'quoted'` key removed), else the
/// line's text.
fn identity_of<'t>(text: &'t str, kind: &Kind) -> (bool, &'t str) {
    match kind {
        Kind::Assignment { key, .. } | Kind::Bare { key } => {
            let raw = &text[key.clone()];
            let name = raw
                .strip_prefix('\'')
                .and_then(|r| r.strip_suffix('\''))
                .filter(|_| raw.len() >= 2)
                .unwrap_or(raw);
            (true, name)
        }
        _ => (false, text),
    }
}

/// How a line is named in a message: its key, or its line number (never its text).
fn label(line: &Line) -> String {
    match line.key_name() {
        Some(name) => name.to_owned(),
        None => format!("line {}", line.number),
    }
}

/// Items as bytes (32 per item), for the ledger.
pub fn encode_items(items: &[Item]) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.len() * 32);
    for i in items {
        out.extend_from_slice(&i.id);
        out.extend_from_slice(&i.val);
    }
    out
}

/// [`encode_items`] read back; `None` if the bytes are not a whole number of items.
pub fn decode_items(bytes: &[u8]) -> Option<Vec<Item>> {
    if !bytes.len().is_multiple_of(32) {
        return None;
    }
    Some(bytes.chunks_exact(32).map(item_of).collect())
}

/// One item from its 32 encoded bytes.
fn item_of(c: &[u8]) -> Item {
    let mut id = [0u8; 16];
    let mut val = [0u8; 16];
    id.copy_from_slice(&c[..16]);
    val.copy_from_slice(&c[16..32]);
    Item { id, val }
}

/// One version of a document and its items (made with the same [`FpKey`] as the base).
pub struct Side<'a> {
    pub doc: &'a Document,
    pub items: Vec<Item>,
}

impl<'a> Side<'a> {
    pub fn new(doc: &'a Document, fp: &FpKey) -> Side<'a> {
        Side {
            items: fp.items(doc),
            doc,
        }
    }
}

/// Which side's version a conflicting item keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefer {
    Ours,
    Theirs,
}

/// The result of a three-way merge.
pub struct Merged {
    /// The merged document's text (wiped on drop).
    pub text: Zeroizing<String>,
    /// Names of the items changed differently on both sides (keys, or `line N`).
    pub conflicts: Vec<String>,
}

impl std::fmt::Debug for Merged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Merged")
            .field("conflicts", &self.conflicts)
            .finish_non_exhaustive()
    }
}

/// Where a line only theirs has goes in the result.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Anchor {
    After(Fp),
    Before(Fp),
    End,
}

#[derive(Clone, Copy)]
enum Pick {
    Ours(usize),
    Theirs(usize),
}

/// Merge `ours` and `theirs`, both descended from `base`.
pub fn merge3(base: &[Item], ours: &Side, theirs: &Side, prefer: Prefer) -> Merged {
    let base_val: HashMap<Fp, Fp> = base.iter().map(|i| (i.id, i.val)).collect();
    let ours_at: HashMap<Fp, usize> = ours
        .items
        .iter()
        .enumerate()
        .map(|(k, i)| (i.id, k))
        .collect();
    let theirs_at: HashMap<Fp, usize> = theirs
        .items
        .iter()
        .enumerate()
        .map(|(k, i)| (i.id, k))
        .collect();
    let mut conflicts: Vec<String> = Vec::new();
    let mut conflict = |name: String| {
        if !conflicts.contains(&name) {
            conflicts.push(name);
        }
    };
    let mut picks: Vec<(Fp, Pick)> = Vec::new();
    for (k, o) in ours.items.iter().enumerate() {
        let t = theirs_at.get(&o.id).map(|&j| (j, theirs.items[j].val));
        let pick = match (base_val.get(&o.id), t) {
            // Removed by theirs.
            (Some(&b), None) if o.val == b => None,
            (Some(_), None) => {
                conflict(label(&ours.doc.lines[k]));
                (prefer == Prefer::Ours).then_some(Pick::Ours(k))
            }
            (Some(&b), Some((j, tv))) => {
                if o.val == tv || tv == b {
                    Some(Pick::Ours(k))
                } else if o.val == b {
                    Some(Pick::Theirs(j))
                } else {
                    conflict(label(&ours.doc.lines[k]));
                    Some(match prefer {
                        Prefer::Ours => Pick::Ours(k),
                        Prefer::Theirs => Pick::Theirs(j),
                    })
                }
            }
            // Added by ours only, or by both.
            (None, None) => Some(Pick::Ours(k)),
            (None, Some((j, tv))) => {
                if tv != o.val {
                    conflict(label(&ours.doc.lines[k]));
                }
                Some(match prefer {
                    Prefer::Theirs if tv != o.val => Pick::Theirs(j),
                    _ => Pick::Ours(k),
                })
            }
        };
        if let Some(p) = pick {
            picks.push((o.id, p));
        }
    }
    // Lines only theirs has: added by theirs (kept), or removed by ours (gone unless
    // theirs changed them). Each goes after the line before it in theirs that is in the
    // result.
    // Lines before which a run of theirs' lines with nothing of the result before them
    // goes: the next line of theirs that ours has too (so a line theirs replaced at the
    // top stays where the old one was in ours).
    let picked: HashSet<Fp> = picks.iter().map(|(id, _)| *id).collect();
    let mut present = picked.clone();
    let mut after: HashMap<Anchor, Vec<(Fp, usize)>> = HashMap::new();
    let mut anchor: Option<Fp> = None;
    for (j, t) in theirs.items.iter().enumerate() {
        if !ours_at.contains_key(&t.id) {
            let keep = match base_val.get(&t.id) {
                None => true,
                Some(&b) if t.val == b => false,
                Some(_) => {
                    conflict(label(&theirs.doc.lines[j]));
                    prefer == Prefer::Theirs
                }
            };
            if keep {
                let at = anchor.map(Anchor::After).unwrap_or_else(|| {
                    theirs.items[j + 1..]
                        .iter()
                        .find(|n| picked.contains(&n.id))
                        .map_or(Anchor::End, |n| Anchor::Before(n.id))
                });
                after.entry(at).or_default().push((t.id, j));
                present.insert(t.id);
            }
        }
        if present.contains(&t.id) {
            anchor = Some(t.id);
        }
    }
    let mut order: Vec<Pick> = Vec::with_capacity(picks.len());
    fn emit(at: Anchor, after: &mut HashMap<Anchor, Vec<(Fp, usize)>>, order: &mut Vec<Pick>) {
        if let Some(list) = after.remove(&at) {
            for (id, j) in list {
                order.push(Pick::Theirs(j));
                emit(Anchor::After(id), after, order);
            }
        }
    }
    for (id, p) in picks {
        emit(Anchor::Before(id), &mut after, &mut order);
        order.push(p);
        emit(Anchor::After(id), &mut after, &mut order);
    }
    emit(Anchor::End, &mut after, &mut order);
    // Anything anchored on a line that did not make it (cannot happen: anchors are
    // present), kept at the end rather than lost.
    let mut rest: Vec<usize> = after.into_values().flatten().map(|(_, j)| j).collect();
    rest.sort_unstable();
    order.extend(rest.into_iter().map(Pick::Theirs));

    let mut text = Zeroizing::new(String::new());
    if ours.doc.bom {
        text.push('\u{feff}');
    }
    let total: usize = ours
        .doc
        .lines
        .iter()
        .map(|l| l.expose_text().len() + 2)
        .sum::<usize>()
        + theirs
            .doc
            .lines
            .iter()
            .map(|l| l.expose_text().len() + 2)
            .sum::<usize>();
    // Reserved up front so the secret text is never reallocated (and copied) unwiped.
    text.reserve(total);
    let last = order.len().saturating_sub(1);
    for (n, p) in order.iter().enumerate() {
        let line = match *p {
            Pick::Ours(k) => &ours.doc.lines[k],
            Pick::Theirs(j) => &theirs.doc.lines[j],
        };
        text.push_str(line.expose_text());
        text.push_str(if n == last {
            line.eol.as_str()
        } else {
            eol_of(line).as_str()
        });
    }
    Merged { text, conflicts }
}

/// Names of the items that `moved` changed since `base` and that `other` does not hold
/// as `moved` has them: what writing `other` over `moved` would revert.
pub fn would_revert(base: &[Item], moved: &Side, other: &Side) -> Vec<String> {
    let base_val: HashMap<Fp, Fp> = base.iter().map(|i| (i.id, i.val)).collect();
    let moved_val: HashMap<Fp, Fp> = moved.items.iter().map(|i| (i.id, i.val)).collect();
    let other_val: HashMap<Fp, Fp> = other.items.iter().map(|i| (i.id, i.val)).collect();
    let mut names = Vec::new();
    for (k, m) in moved.items.iter().enumerate() {
        if base_val.get(&m.id) != Some(&m.val) && other_val.get(&m.id) != Some(&m.val) {
            names.push(label(&moved.doc.lines[k]));
        }
    }
    // Removed by `moved`: named from `other`, which still has them.
    for (k, o) in other.items.iter().enumerate() {
        if base_val.contains_key(&o.id) && !moved_val.contains_key(&o.id) {
            names.push(label(&other.doc.lines[k]));
        }
    }
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dotenv::parse;

    const ITEMS_PINNED: &str = concat!(
        "54398610e440708f21814c28a8352c8ca2c6ccd303677ac1586b4f12c8003334",
        "83e3692ee5efd424eafdd40b7ad4922e56f00a1c19059e34e61be88884f12bd5",
        "e066bdb3aaa35d69c6550a7c49745368698a03390a7b5e0d6a82c749fedb7545",
        "db4dc094e20fb68f5f1571cdcd4192f636b6d2ef3ed80de0a57ad0f3ea80ea17",
        "b6c54cfa48cd42e0cca7b33c28a6af40698a03390a7b5e0d6a82c749fedb7545",
        "efe636cc422d0dccc00bdf2afa555c60a2c6ccd303677ac1586b4f12c8003334",
        "1dfc2583809541cb578b54e5479d725256f00a1c19059e34e61be88884f12bd5",
        "1df3588b867e8b543ae9a4be65155d1645789664a7c9463e850836d2513c8e1e",
        "d57b4c2788ac62ff3e1d0fbb36832df8629e0aaae3056601c327051b3191ce6a",
        "9d369fff51016b512cbceb4b90ca0ea843e9c97c0228cd05aa2a64423b093621",
        "6934f9aab2ad0bb281fca426ae43996a997b45fe207c7d304f88d28ce4ab081b",
        "b661d28e046b2d329e764f007c41411683410ee08d1909671a94a83599d8f7fd",
        "61eb0637d955ab504ae5250e66ac05d669e89ebc98ceffcb68d9df14c0732f0e",
        "decdf563b2a0f95ed73b2111a95e979c698a03390a7b5e0d6a82c749fedb7545",
        "9070c3450146c3b296866d48c74ab965630192f87db3fb547562ad535d0d258c",
    );
    const FILE_PINNED: &str = "b8ead55051c40268dcc390c7138443df";

    fn key() -> FpKey {
        FpKey::from_secret(&[7u8; 32])
    }

    fn merge(base: &str, ours: &str, theirs: &str, prefer: Prefer) -> (String, Vec<String>) {
        let fp = key();
        let (b, o, t) = (
            parse(base).unwrap(),
            parse(ours).unwrap(),
            parse(theirs).unwrap(),
        );
        let m = merge3(
            &fp.items(&b),
            &Side::new(&o, &fp),
            &Side::new(&t, &fp),
            prefer,
        );
        (m.text.to_string(), m.conflicts)
    }

    #[test]
    fn different_keys_changed_on_each_side_both_land() {
        let (text, conflicts) = merge(
            "A=1\nB=2\nC=3\n",
            "A=10\nB=2\nC=3\n",
            "A=1\nB=2\nC=30\n",
            Prefer::Ours,
        );
        assert_eq!(text, "A=10\nB=2\nC=30\n");
        assert!(conflicts.is_empty());
    }

    #[test]
    fn added_and_removed_keys_and_comments_merge_in_place() {
        let (text, conflicts) = merge(
            "# db\nA=1\nB=2\n\nC=3\n",
            "# db\nA=1\nNEW_O=o\nB=2\n\nC=3\n",
            "# database\nA=1\n\nC=3\nNEW_T=t\n",
            Prefer::Ours,
        );
        assert_eq!(text, "# database\nA=1\nNEW_O=o\n\nC=3\nNEW_T=t\n");
        assert!(conflicts.is_empty());
    }

    #[test]
    fn same_key_changed_differently_is_named_and_keeps_the_preferred_side() {
        let (ours, c) = merge("A=1\nB=2\n", "A=o\nB=2\n", "A=t\nB=3\n", Prefer::Ours);
        assert_eq!(ours, "A=o\nB=3\n");
        assert_eq!(c, vec!["A".to_owned()]);
        let (theirs, _) = merge("A=1\nB=2\n", "A=o\nB=2\n", "A=t\nB=3\n", Prefer::Theirs);
        assert_eq!(theirs, "A=t\nB=3\n");
    }

    #[test]
    fn removed_on_one_side_and_changed_on_the_other_is_a_conflict() {
        let (_, c) = merge("A=1\nB=2\n", "B=2\n", "A=9\nB=2\n", Prefer::Ours);
        assert_eq!(c, vec!["A".to_owned()]);
    }

    #[test]
    fn a_last_line_without_newline_gets_one_when_a_line_follows() {
        let (text, c) = merge("A=1", "A=1", "A=1\nB=2", Prefer::Ours);
        assert_eq!(text, "A=1\nB=2");
        assert!(c.is_empty());
    }

    #[test]
    fn crlf_lines_stay_crlf() {
        let (text, _) = merge(
            "A=1\r\nB=2\r\n",
            "A=5\r\nB=2\r\n",
            "A=1\r\nB=6\r\n",
            Prefer::Ours,
        );
        assert_eq!(text, "A=5\r\nB=6\r\n");
    }

    #[test]
    fn would_revert_names_changed_added_and_removed_keys() {
        let fp = key();
        let base = parse("A=1\nB=2\nC=3\n").unwrap();
        let moved = parse("A=9\nC=3\nD=4\n").unwrap();
        let other = parse("A=1\nB=2\nC=3\n").unwrap();
        let names = would_revert(
            &fp.items(&base),
            &Side::new(&moved, &fp),
            &Side::new(&other, &fp),
        );
        assert_eq!(names, vec!["A", "D", "B"]);
    }

    /// The fingerprints of today's ledger records (computed by the code before the keyed
    /// HMAC state was made once per key and the occurrence map changed): a record made
    /// by an older envseal must still be read as the same base. Covers repeated keys,
    /// blank and comment lines repeated, a bare key, a quoted key, CRLF, a BOM and a last
    /// line without a terminator.
    #[test]
    fn fingerprints_are_those_of_records_already_in_ledgers() {
        let text = "\u{feff}# head\nA=1\n\nB='two'\r\n\n# head\nA=1\nexport C = \"x\"\n'Q'=q\nBARE\n#OLD=1\nA=3\nnot an assignment\n\nB=2";
        let doc = parse(text).unwrap();
        let fp = FpKey::derive(&Key::from_bytes([3u8; 32]));
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let items = encode_items(&fp.items(&doc));
        let file = fp.file(text.as_bytes());
        assert_eq!(hex(&items), ITEMS_PINNED);
        assert_eq!(hex(&file), FILE_PINNED);
        // The same fingerprints without the whole text: from the parsed lines, and from
        // pieces of any size.
        assert_eq!(fp.document(&doc), file);
        for size in [1, 7, 64, text.len()] {
            let mut pieces = fp.file_in_pieces(text.len() as u64);
            for piece in text.as_bytes().chunks(size) {
                pieces.update(piece);
            }
            assert_eq!(pieces.finish(), Some(file));
        }
        let mut short = fp.file_in_pieces(text.len() as u64 + 1);
        short.update(text.as_bytes());
        assert_eq!(short.finish(), None);
    }

    #[test]
    fn fingerprints_depend_on_the_key() {
        let doc = parse("A=1\n").unwrap();
        let other = FpKey::from_secret(&[8u8; 32]);
        assert_ne!(key().items(&doc), other.items(&doc));
        assert_eq!(
            decode_items(&encode_items(&key().items(&doc))).unwrap(),
            key().items(&doc)
        );
    }
}
