//! Which ciphertexts re-encryption keeps: the token of every entry of the new document
//! that the previous version (or another version sharing its data key, such as the
//! other side of a merge) holds unchanged, each token used at most once.
//!
//! The previous entries are not copied into tables: [`prev_entries`] walks the previous
//! file's body and its decrypted plaintext in step (a token's length gives its value's
//! length), so each entry is three slices of what [`super::Opened`] already holds, and no
//! value is decrypted twice.
//!
//! Matching is by position first: the new document's entries are compared with the
//! previous ones in order (a cursor), which is all a one-value edit needs (no hashing).
//! An entry whose key name differs from the one at the cursor (a line inserted, removed
//! or moved) is looked up by (name, plaintext) among every unused entry, through an
//! index built the first time it is needed; a found entry of the previous version moves
//! the cursor past it. A value changed in place (same name at the cursor, another
//! plaintext) gets a fresh token, unless versions other than the previous one are given
//! (a merge), whose tokens for it are looked up the same way.

use std::collections::HashMap;

use super::{rfind_token, simple_key, strip_eol, Lines, Opened, TOKEN_OPEN};
use crate::dotenv;

/// One entry of a previous version: its key name (`None`: a whole encrypted line), its
/// plaintext and its token.
#[derive(Clone, Copy)]
pub(super) struct PrevEntry<'a> {
    pub(super) name: Option<&'a str>,
    pub(super) plain: &'a str,
    pub(super) token: &'a str,
}

/// The byte length of the plaintext sealed in `token` (`ENC[v1:<b64>]`: nonce,
/// ciphertext and tag, unpadded base64).
fn token_plain_len(token: &str) -> Option<usize> {
    let b64 = token.strip_prefix(TOKEN_OPEN)?.strip_suffix(']')?;
    let raw = b64.len() / 4 * 3 + (b64.len() % 4).saturating_sub(1);
    raw.checked_sub(12 + 16)
}

/// The entries of an opened file, in order, or `None` when its body and plaintext do not
/// walk in step (never for a file the decoder opened; then nothing is reused, which
/// costs diff size, not correctness).
pub(super) fn prev_entries(opened: &Opened) -> Option<Vec<PrevEntry<'_>>> {
    let plain = opened.plaintext.as_str();
    let plain = if opened.header.bom {
        plain.strip_prefix('\u{feff}')?
    } else {
        plain
    };
    entries_of(opened.body(), plain)
}

/// The entries of `body` (whole body lines of a verified file) whose decrypted plaintext
/// is `plain` (no BOM), in order: [`prev_entries`] of a whole file, or of one chunk of
/// it (the streamed re-encryption, `super::restream`). `None` when they do not walk in
/// step.
pub(super) fn entries_of<'a>(body: &'a str, plain: &'a str) -> Option<Vec<PrevEntry<'a>>> {
    let mut rest = plain;
    let mut entries = Vec::new();
    let mut name_buf = String::new();
    // Takes `n` bytes of plaintext (a value), or checks that it goes on with `text`.
    fn take<'a>(rest: &mut &'a str, n: usize) -> Option<&'a str> {
        let (head, tail) = (rest.get(..n)?, rest.get(n..)?);
        *rest = tail;
        Some(head)
    }
    fn skip(rest: &mut &str, text: &str) -> Option<()> {
        *rest = rest.strip_prefix(text)?;
        Some(())
    }
    for line in Lines::new(body) {
        let (content, eol) = strip_eol(line);
        let trimmed = content.trim_start_matches(dotenv::is_hspace);
        if let Some(token) = content
            .strip_prefix('#')
            .filter(|t| t.starts_with(TOKEN_OPEN))
        {
            let value = take(&mut rest, token_plain_len(token)?)?;
            entries.push(PrevEntry {
                name: None,
                plain: value,
                token,
            });
        } else if trimmed.is_empty() || trimmed.starts_with('#') {
            skip(&mut rest, content)?;
        } else {
            let (prefix, token) = content.split_at(rfind_token(content)?);
            let name = match simple_key(prefix) {
                Some(name) => name,
                None => {
                    // As the decoder reads it: the prefix followed by a value.
                    name_buf.clear();
                    name_buf.push_str(prefix);
                    name_buf.push('x');
                    let key = dotenv::line_key(&name_buf).ok()??;
                    // The name as a slice of the body (where the prefix holds it).
                    let at = prefix.find(key)?;
                    &prefix[at..at + key.len()]
                }
            };
            skip(&mut rest, prefix)?;
            let value = take(&mut rest, token_plain_len(token)?)?;
            entries.push(PrevEntry {
                name: Some(name),
                plain: value,
                token,
            });
        }
        skip(&mut rest, eol)?;
    }
    rest.is_empty().then_some(entries)
}

/// Hands out the tokens re-encryption keeps (see the module docs).
pub(super) struct Reuse<'a> {
    /// The previous version's entries, then those of the other versions sharing its data
    /// key.
    entries: Vec<PrevEntry<'a>>,
    /// How many of `entries` are the previous version's.
    own: usize,
    used: Vec<bool>,
    /// The next entry of the previous version expected.
    cursor: usize,
    /// Whether versions other than the previous one were given.
    others: bool,
    /// Unused entries by (name, plaintext), each list in reverse order (the first entry
    /// is popped first); built on first need.
    index: Option<Index<'a>>,
}

/// Entry indices by (key name, plaintext).
type Index<'a> = HashMap<(Option<&'a str>, &'a str), Vec<u32>>;

impl<'a> Reuse<'a> {
    /// What `previous` and those of `also` that share its data key offer.
    pub(super) fn new(previous: Option<&'a Opened>, also: &[&'a Opened]) -> Reuse<'a> {
        let mut reuse = Reuse {
            entries: Vec::new(),
            own: 0,
            used: Vec::new(),
            cursor: 0,
            others: false,
            index: None,
        };
        let Some(prev) = previous else {
            return reuse;
        };
        reuse.entries = prev_entries(prev).unwrap_or_default();
        reuse.own = reuse.entries.len();
        let same_key = |o: &&&Opened| o.data_key.0[..] == prev.data_key.0[..];
        for other in also.iter().filter(same_key) {
            if let Some(more) = prev_entries(other) {
                reuse.others |= !more.is_empty();
                reuse.entries.extend(more);
            }
        }
        // Indices are kept as u32 in the index.
        if u32::try_from(reuse.entries.len()).is_err() {
            reuse.entries.clear();
            reuse.own = 0;
        }
        reuse.used = vec![false; reuse.entries.len()];
        reuse
    }

    /// The token to keep for the entry (`name`, `plain`) of the new document, if any.
    pub(super) fn take(&mut self, name: Option<&'a str>, plain: &'a str) -> Option<&'a str> {
        if self.entries.is_empty() {
            return None;
        }
        while self.cursor < self.own && self.used[self.cursor] {
            self.cursor += 1;
        }
        if let Some(e) = self.entries[..self.own].get(self.cursor) {
            if e.name == name {
                let at = self.cursor;
                self.cursor += 1;
                if e.plain == plain {
                    self.used[at] = true;
                    return Some(e.token);
                }
                if !self.others {
                    return None; // changed in place
                }
            }
        }
        let i = self.lookup(name, plain)?;
        self.used[i] = true;
        if i < self.own {
            self.cursor = i + 1;
        }
        Some(self.entries[i].token)
    }

    /// The first unused entry (`name`, `plain`), from the index.
    fn lookup(&mut self, name: Option<&'a str>, plain: &'a str) -> Option<usize> {
        let entries = &self.entries;
        let index = self.index.get_or_insert_with(|| {
            let mut index = Index::new();
            for (i, e) in entries.iter().enumerate().rev() {
                index.entry((e.name, e.plain)).or_default().push(i as u32);
            }
            index
        });
        let list = index.get_mut(&(name, plain))?;
        while let Some(i) = list.pop() {
            if !self.used[i as usize] {
                return Some(i as usize);
            }
        }
        None
    }
}
