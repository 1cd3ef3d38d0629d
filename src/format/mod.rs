//! Encrypted file formats, told apart by content, never by file name.
//!
//! - [`v1`]: the per-value format (default): a valid dotenv file whose values are
//!   AES-256-GCM ciphertexts under a per-file data key wrapped by the master key, with one
//!   HMAC over the whole document. Spec: `docs/FORMAT.md`.
//! - [`fernet`]: the whole file as one Fernet token (AES-128-CBC + HMAC-SHA256),
//!   byte-compatible with Python's `cryptography.fernet.Fernet`.
//!
//! The library face: [`open::Sealed`] is the one way in for both formats
//! (`Sealed::read(Source::File(path) | Source::Bytes(bytes))`, then `.open(&candidate
//! identities, Keep::Plaintext | Keep::Entries)`): it tells the format from the bytes and
//! chooses whole-file or streamed decryption itself ([`STREAM_FROM`]). A Fernet token's
//! candidates are master keys tried in order; a v1 file's are chosen by the key id its
//! slots name. Writing: [`v1::seal`] (streamed: [`v1::seal::encrypt_stream`]) and
//! [`fernet::encrypt`].

use crate::dotenv::ParseError;

pub mod fernet;
pub mod open;
pub mod v1;

pub use open::{Keep, Sealed, Source};

/// The formats envseal writes and reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    V1,
    Fernet,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::V1 => "v1",
            Format::Fernet => "fernet",
        }
    }
}

/// What an encrypted file is, from its bytes alone.
pub fn detect(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(v1::MAGIC.as_bytes()) {
        Some(Format::V1)
    } else if fernet::looks_like(bytes) {
        Some(Format::Fernet)
    } else {
        None
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("not an envseal-encrypted file (neither the v1 format nor a Fernet token)")]
    NotEncrypted,
    /// No identity at hand is named by a slot. `file`: how each slot is named (a master
    /// slot by its key id, another by [`v1::slot::SlotLine::describe`]); `given`: the key
    /// ids of the identities tried.
    #[error("encrypted with key {}, but the key supplied ({}) is a different one", list(.file), .given.join(", "))]
    WrongKey {
        file: Vec<String>,
        given: Vec<String>,
    },
    #[error("the Fernet token does not verify under key {given}: either that is the wrong key, or the file was modified (Fernet cannot tell these apart)")]
    FernetAuth { given: crate::key::KeyId },
    #[error("integrity check failed: {0}; the file was modified or is corrupt (restore it from git or a backup)")]
    Integrity(String),
    #[error("cannot parse the plaintext at line {0}")]
    Plaintext(#[from] ParseError),
    #[error("the operating system's random number generator failed")]
    Rng,
    /// A key slot could not be written or opened for a reason that is neither a wrong
    /// key nor a modified file (a key service, a kind this build cannot use).
    #[error(transparent)]
    Slot(#[from] v1::slot::SlotError),
    /// A failure inside envseal or a library: never "the file was modified".
    #[error("internal error: {0}")]
    Internal(String),
}

/// Files from this size on are worth streaming: read in chunks by [`v1::stream`] rather
/// than whole, and encrypted by [`v1::seal::encrypt_stream`]. The one threshold for
/// both directions (commands ask the format layer, never choose their own).
pub const STREAM_FROM: u64 = 1024 * 1024;

fn list(ids: &[String]) -> String {
    ids.join(" or ")
}

/// A decrypted plaintext held in pieces, in order (the multi-threaded decoder makes one
/// per chunk; joining them would hold the plaintext twice). Unprintable; wiped on drop.
///
/// Invariant: a piece holds secret bytes only in `..len()`, never in its spare capacity
/// (pieces are only appended to, within a capacity reserved up front; [`From`] wipes the
/// spare capacity of what it is given), so the drop wipes the bytes that were written and
/// does not fault in pages that never were.
#[derive(Default)]
pub struct Plaintext {
    pieces: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Plaintext({} bytes)", self.len())
    }
}

impl Drop for Plaintext {
    fn drop(&mut self) {
        for piece in &mut self.pieces {
            wipe(piece);
        }
    }
}

impl From<zeroize::Zeroizing<Vec<u8>>> for Plaintext {
    fn from(mut whole: zeroize::Zeroizing<Vec<u8>>) -> Self {
        use zeroize::Zeroize;
        whole.spare_capacity_mut().zeroize();
        Plaintext {
            pieces: vec![std::mem::take(&mut *whole)],
        }
    }
}

impl Plaintext {
    /// Pieces that hold secrets only in `..len()` (see the type's invariant).
    pub(crate) fn from_pieces(pieces: Vec<Vec<u8>>) -> Self {
        Plaintext { pieces }
    }

    /// The pieces, in order.
    pub fn pieces(&self) -> Vec<&[u8]> {
        self.pieces.iter().map(|p| p.as_slice()).collect()
    }

    pub fn len(&self) -> usize {
        self.pieces.iter().map(|p| p.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the plaintext is exactly `bytes`.
    pub fn eq_bytes(&self, bytes: &[u8]) -> bool {
        let mut rest = bytes;
        for piece in &self.pieces {
            match rest.strip_prefix(piece.as_slice()) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest.is_empty()
    }

    /// The plaintext in one buffer (wiped on drop): moved when it is one piece already
    /// (a file decrypted whole), joined otherwise.
    pub fn into_whole(mut self) -> zeroize::Zeroizing<Vec<u8>> {
        if self.pieces.len() == 1 {
            return zeroize::Zeroizing::new(self.pieces.pop().unwrap_or_default());
        }
        self.to_vec()
    }

    /// The plaintext in one buffer (wiped on drop).
    pub fn to_vec(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let mut whole = zeroize::Zeroizing::new(Vec::with_capacity(self.len()));
        for piece in &self.pieces {
            whole.extend_from_slice(piece);
        }
        whole
    }
}

/// Overwrite `bytes` with zeros in a way the compiler cannot drop as a dead store:
/// `zeroize`'s volatile writes, eight bytes at a time (a byte at a time took 2 ms for
/// the 7 MB plaintext of a 100,000-key file, after everything else was done).
pub fn wipe(bytes: &mut [u8]) {
    use zeroize::Zeroize;
    let (head, middle, tail) = bytemuck::pod_align_to_mut::<u8, u64>(bytes);
    head.zeroize();
    middle.zeroize();
    tail.zeroize();
}

/// Random bytes from the OS.
pub fn os_random(buf: &mut [u8]) -> Result<(), FormatError> {
    getrandom::getrandom(buf).map_err(|_| FormatError::Rng)
}

/// OS random bytes drawn 4 KiB at a time: encrypting a v1 file takes 12 bytes per
/// value, and one `getrandom` system call per value was a measurable part of encrypting
/// a 100,000-key file. Every byte handed out is wiped from the pool (a data key may come
/// from it); what is left is wiped on drop.
pub struct OsRandomPool {
    buf: zeroize::Zeroizing<[u8; 4096]>,
    pos: usize,
}

impl Default for OsRandomPool {
    fn default() -> Self {
        OsRandomPool {
            buf: zeroize::Zeroizing::new([0; 4096]),
            pos: 4096,
        }
    }
}

impl OsRandomPool {
    pub fn fill(&mut self, out: &mut [u8]) -> Result<(), FormatError> {
        use zeroize::Zeroize;
        if out.len() > self.buf.len() {
            return os_random(out);
        }
        if self.buf.len() - self.pos < out.len() {
            os_random(&mut self.buf[..])?;
            self.pos = 0;
        }
        let take = &mut self.buf[self.pos..self.pos + out.len()];
        out.copy_from_slice(take);
        take.zeroize();
        self.pos += out.len();
        Ok(())
    }
}
