//! The document MAC: the one place it is computed, by every writer and reader.
//!
//! HMAC-SHA256 under `HKDF(data key, "mac")`, over `"envseal v1 mac\0"`, the number of
//! lines covered (u64, big-endian), then each covered line (every line of the file but
//! the MAC line, terminators included) as its length (u64, big-endian) and its bytes
//! (docs/FORMAT.md, "The MAC"). The count comes first, so a writer or reader knows it
//! before feeding the lines: [`DocMac::new`] takes it, [`DocMac::finish`] checks that
//! exactly that many lines were fed (a MAC over another count would never verify).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{hkdf32, DataKey, MAC_DOMAIN};
use crate::format::FormatError;

/// A document MAC being computed: fed line by line, in file order.
///
/// Lines are framed (length, bytes) into a small buffer hashed a few KiB at a time:
/// two hash updates per line (a 100,000-key file has some 300,000 lines) cost more in
/// per-call overhead than copying the lines once.
pub(crate) struct DocMac {
    mac: Hmac<Sha256>,
    expected: u64,
    fed: u64,
    /// Framed lines not yet hashed (ciphertext and header text: no secret).
    pending: Vec<u8>,
}

/// Bytes of framed lines gathered before they are hashed.
const BATCH: usize = 16 * 1024;

impl DocMac {
    /// A MAC over `lines` lines, keyed from `data_key`.
    pub(crate) fn new(data_key: &DataKey, lines: u64) -> Self {
        let mac_key = hkdf32(data_key.expose_bytes(), b"mac");
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&*mac_key).expect("HMAC takes any key length");
        mac.update(MAC_DOMAIN);
        mac.update(&lines.to_be_bytes());
        DocMac {
            mac,
            expected: lines,
            fed: 0,
            pending: Vec::new(),
        }
    }

    /// Feed one line (with its terminator).
    pub(crate) fn line(&mut self, line: &str) {
        self.feed(line.as_bytes());
    }

    fn feed(&mut self, line: &[u8]) {
        let long = line.len() > BATCH / 2;
        // What is pending goes first: the lines are hashed in order.
        if long || self.pending.len() + 8 + line.len() > BATCH {
            self.flush();
        }
        let len = (line.len() as u64).to_be_bytes();
        if long {
            self.mac.update(&len);
            self.mac.update(line);
        } else {
            if self.pending.capacity() == 0 {
                self.pending.reserve_exact(BATCH);
            }
            self.pending.extend_from_slice(&len);
            self.pending.extend_from_slice(line);
        }
        self.fed += 1;
    }

    fn flush(&mut self) {
        self.mac.update(&self.pending);
        self.pending.clear();
    }

    /// Feed every line of `text` (whole lines, as [`crate::dotenv::eol::Lines`] splits them): one pass over
    /// the text for its line ends, rather than a search started again for each line.
    /// Returns how many lines were fed (what [`crate::dotenv::eol::lines_in`] says of
    /// `text`), so a caller that hashes as it reads needs no pass of its own to count.
    pub(crate) fn lines(&mut self, text: &str) -> usize {
        let before = self.fed;
        let b = text.as_bytes();
        let mut start = 0;
        for i in memchr::memchr2_iter(b'\n', b'\r', b) {
            if i < start {
                continue; // the `\n` of a `\r\n`, already taken with its `\r`
            }
            let end = if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
                i + 2
            } else {
                i + 1
            };
            self.feed(&b[start..end]);
            start = end;
        }
        if start < b.len() {
            self.feed(&b[start..]);
        }
        (self.fed - before) as usize
    }

    /// The MAC; an internal failure if the lines fed are not the count announced.
    pub(crate) fn finish(mut self) -> Result<[u8; 32], FormatError> {
        self.flush();
        if self.fed != self.expected {
            return Err(FormatError::Internal(format!(
                "the MAC announced {} lines and was fed {}",
                self.expected, self.fed
            )));
        }
        Ok(self.mac.finalize().into_bytes().into())
    }

    /// Whether the lines fed are the count announced and the MAC is `expected`
    /// (compared in constant time).
    pub(crate) fn verify(mut self, expected: &[u8]) -> bool {
        self.flush();
        self.fed == self.expected && bool::from(self.mac.finalize().into_bytes().ct_eq(expected))
    }

    /// The MAC of a text whose lines are all covered (`header` then `body`).
    pub(crate) fn of(
        data_key: &DataKey,
        header: &str,
        body: &str,
    ) -> Result<[u8; 32], FormatError> {
        let count = super::lines_in(header) + super::lines_in(body);
        let mut mac = DocMac::new(data_key, count as u64);
        mac.lines(header);
        mac.lines(body);
        mac.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dotenv::eol::Lines;
    use proptest::prelude::*;

    /// The MAC as the spec defines it, one update per field (what `DocMac` did before
    /// it batched): the batched one must give the same bytes for any lines.
    fn spec_mac(data_key: &DataKey, text: &str) -> [u8; 32] {
        let mac_key = hkdf32(data_key.expose_bytes(), b"mac");
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&*mac_key).unwrap();
        mac.update(MAC_DOMAIN);
        mac.update(&(super::super::lines_in(text) as u64).to_be_bytes());
        for l in Lines::new(text) {
            mac.update(&(l.len() as u64).to_be_bytes());
            mac.update(l.as_bytes());
        }
        mac.finalize().into_bytes().into()
    }

    proptest! {
        /// Any terminators (`\n`, `\r\n`, lone `\r`, none), lines short and longer
        /// than the batch, fed whole or split at any line end.
        #[test]
        fn batched_mac_is_the_spec_mac(
            parts in prop::collection::vec(
                (prop_oneof![Just(0usize), 1usize..80, BATCH / 2 - 4..BATCH + 40],
                 prop_oneof![Just(""), Just("\n"), Just("\r\n"), Just("\r")]),
                0..40),
            split in any::<prop::sample::Index>(),
        ) {
            let text: String = parts.iter().map(|(n, eol)| "x".repeat(*n) + eol).collect();
            let data_key = DataKey::from_bytes(zeroize::Zeroizing::new([3; 32]));
            let want = spec_mac(&data_key, &text);
            prop_assert_eq!(DocMac::of(&data_key, "", &text).unwrap(), want);
            // The count it returns is the lines it fed.
            let mut counted = DocMac::new(&data_key, 0);
            prop_assert_eq!(counted.lines(&text), Lines::new(&text).count());
            // Split after a line end (the callers feed whole lines).
            let lines: Vec<&str> = Lines::new(&text).collect();
            let at = if lines.is_empty() { 0 } else { split.index(lines.len() + 1) };
            let head: usize = lines[..at].iter().map(|l| l.len()).sum();
            prop_assert_eq!(DocMac::of(&data_key, &text[..head], &text[head..]).unwrap(), want);
        }
    }
}
