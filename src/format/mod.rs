//! Encrypted file formats, told apart by content, never by file name.
//!
//! - [`v1`]: the per-value format (default): a valid dotenv file whose values are
//!   AES-256-GCM ciphertexts under a per-file data key wrapped by the master key, with one
//!   HMAC over the whole document. Spec: `docs/FORMAT.md`.
//! - [`fernet`]: the whole file as one Fernet token (AES-128-CBC + HMAC-SHA256),
//!   byte-compatible with Python's `cryptography.fernet.Fernet`.

use crate::dotenv::ParseError;
use crate::key::KeyId;

pub mod fernet;
pub mod v1;

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
    #[error("encrypted with key {}, but the key supplied ({given}) is a different one", list(.file))]
    WrongKey { file: Vec<KeyId>, given: KeyId },
    #[error("the Fernet token does not verify under key {given}: either that is the wrong key, or the file was modified (Fernet cannot tell these apart)")]
    FernetAuth { given: KeyId },
    #[error("integrity check failed: {0}; the file was modified or is corrupt (restore it from git or a backup)")]
    Integrity(String),
    #[error("cannot parse the plaintext at line {0}")]
    Plaintext(#[from] ParseError),
    #[error("the operating system's random number generator failed")]
    Rng,
}

fn list(ids: &[KeyId]) -> String {
    ids.iter()
        .map(|i| i.as_str())
        .collect::<Vec<_>>()
        .join(" or ")
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
