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

use super::{hkdf32, DataKey, Lines, MAC_DOMAIN};
use crate::format::FormatError;

/// A document MAC being computed: fed line by line, in file order.
pub(crate) struct DocMac {
    mac: Hmac<Sha256>,
    expected: u64,
    fed: u64,
}

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
        }
    }

    /// Feed one line (with its terminator).
    pub(crate) fn line(&mut self, line: &str) {
        self.mac.update(&(line.len() as u64).to_be_bytes());
        self.mac.update(line.as_bytes());
        self.fed += 1;
    }

    /// Feed every line of `text` (whole lines, as [`Lines`] splits them).
    pub(crate) fn lines(&mut self, text: &str) {
        for l in Lines::new(text) {
            self.line(l);
        }
    }

    /// The MAC; an internal failure if the lines fed are not the count announced.
    pub(crate) fn finish(self) -> Result<[u8; 32], FormatError> {
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
    pub(crate) fn verify(self, expected: &[u8]) -> bool {
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
