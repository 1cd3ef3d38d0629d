//! The one way into an encrypted file, whatever its format and size: [`Sealed::read`]
//! tells the format from the content and reads what the keys are chosen from (a v1
//! header), then [`Sealed::open`] decrypts with a set of candidate identities. The
//! strategy is chosen here, never by a command: a v1 file on disk of
//! [`super::STREAM_FROM`] bytes or more is decrypted as a stream ([`v1::stream`]),
//! anything else whole; a Fernet token is decoded in its own buffer, each candidate
//! master key tried in order (a token names no key).
//!
//! Two steps, the way age's `Decryptor` reads the header before it is given identities:
//! which identities are worth building (a key service is called only when nothing local
//! opens the file) depends on the slots the header names.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::Path;

use zeroize::Zeroizing;

use super::v1::slot::Identity;
use super::{detect, fernet, v1, Format, FormatError, Plaintext, STREAM_FROM};

/// Where an encrypted file comes from.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// A file on disk: a large v1 file is decrypted as a stream, never read whole.
    File(&'a Path),
    /// Bytes already in memory: decrypted whole.
    Bytes(&'a [u8]),
}

/// What [`Sealed::open`] keeps besides the plaintext.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// The plaintext only (reading is much faster and lighter).
    Plaintext,
    /// A v1 file's entries too, for re-encryption with minimal diffs ([`v1::Opened`]).
    Entries,
}

/// Why a file could not be read or opened.
#[derive(Debug)]
pub enum OpenError {
    /// The file could not be read.
    Io(io::Error),
    /// The content is not an encrypted file, or does not open. `identity`: the
    /// candidate the error is about (a Fernet key that does not verify), when one is.
    Format {
        error: FormatError,
        identity: Option<usize>,
    },
}

impl From<FormatError> for OpenError {
    fn from(error: FormatError) -> Self {
        OpenError::Format {
            error,
            identity: None,
        }
    }
}

/// An encrypted file before any key is tried: its format, and a v1 file's header.
pub struct Sealed<'a> {
    format: Format,
    header: Option<v1::Header>,
    body: Body<'a>,
}

enum Body<'a> {
    /// A v1 file's text (checked UTF-8).
    Text(Cow<'a, str>),
    /// A Fernet token's bytes.
    Token(Cow<'a, [u8]>),
    /// A large v1 file on disk, decrypted as a stream.
    Large { file: File, path: &'a Path },
}

/// A decrypted file.
pub struct Opened {
    pub format: Format,
    pub plaintext: Plaintext,
    /// The decrypted v1 document, with [`Keep::Entries`].
    pub v1: Option<v1::Opened>,
    /// The candidate that opened a Fernet token (`None` for v1: the slot it opened is
    /// chosen by key id, see [`v1::decrypt_with`]).
    pub identity: Option<usize>,
}

/// How much of a large file is read to find its header.
const HEAD: u64 = 64 * 1024;

impl<'a> Sealed<'a> {
    /// Tell the format and read a v1 header. A file too large to read whole is kept open
    /// and read later as a stream; its header is read from its first 64 KiB.
    pub fn read(source: Source<'a>) -> Result<Sealed<'a>, OpenError> {
        let bytes: Cow<'a, [u8]> = match source {
            Source::Bytes(b) => Cow::Borrowed(b),
            Source::File(path) => {
                let mut file = File::open(path).map_err(OpenError::Io)?;
                let large = file
                    .metadata()
                    .is_ok_and(|m| m.is_file() && m.len() >= STREAM_FROM);
                if large {
                    if let Some(header) = large_v1_header(&mut file)? {
                        return Ok(Sealed {
                            format: Format::V1,
                            header: Some(header),
                            body: Body::Large { file, path },
                        });
                    }
                    // Not a v1 header: read whole, where what is wrong is said.
                    file.rewind().map_err(OpenError::Io)?;
                }
                let mut all = Vec::new();
                file.read_to_end(&mut all).map_err(OpenError::Io)?;
                Cow::Owned(all)
            }
        };
        Sealed::from_bytes(bytes)
    }

    /// [`Sealed::read`] of a whole file's bytes that the caller gives away: a v1 file
    /// opened with [`Keep::Entries`] keeps them as its text rather than a copy.
    pub fn read_owned(bytes: Vec<u8>) -> Result<Sealed<'static>, OpenError> {
        Sealed::from_bytes(Cow::Owned(bytes))
    }

    fn from_bytes(bytes: Cow<'a, [u8]>) -> Result<Sealed<'a>, OpenError> {
        let format = detect(&bytes).ok_or(FormatError::NotEncrypted)?;
        match format {
            Format::V1 => {
                let not_utf8 = || FormatError::Integrity("the file is not valid UTF-8".to_owned());
                let text: Cow<'a, str> = match bytes {
                    Cow::Borrowed(b) => {
                        Cow::Borrowed(std::str::from_utf8(b).map_err(|_| not_utf8())?)
                    }
                    Cow::Owned(b) => Cow::Owned(String::from_utf8(b).map_err(|_| not_utf8())?),
                };
                let header = v1::header(&text)?;
                Ok(Sealed {
                    format,
                    header: Some(header),
                    body: Body::Text(text),
                })
            }
            Format::Fernet => Ok(Sealed {
                format,
                header: None,
                body: Body::Token(bytes),
            }),
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// A v1 file's header (`None` for a Fernet token, which names no key).
    pub fn header(&self) -> Option<&v1::Header> {
        self.header.as_ref()
    }

    /// Whether [`Sealed::open`] with [`Keep::Plaintext`] reads the file as a stream
    /// (for a caller that only wants to know whether reading is cheap).
    pub fn streamed(&self) -> bool {
        matches!(self.body, Body::Large { .. })
    }

    /// Decrypt with the candidate identities, in order.
    pub fn open(self, identities: &[&dyn Identity], keep: Keep) -> Result<Opened, OpenError> {
        match self.body {
            Body::Token(bytes) => match fernet::open(bytes.into_owned(), identities) {
                Ok((plaintext, i)) => Ok(Opened {
                    format: Format::Fernet,
                    plaintext: Plaintext::from(plaintext),
                    v1: None,
                    identity: Some(i),
                }),
                Err(fernet::OpenError { error, identity }) => {
                    Err(OpenError::Format { error, identity })
                }
            },
            Body::Text(Cow::Owned(text)) if keep == Keep::Entries => open_kept(text, identities),
            Body::Text(text) => open_whole(&text, identities, keep),
            Body::Large { mut file, path } => {
                if keep == Keep::Entries {
                    file.rewind().map_err(OpenError::Io)?;
                    let mut text = String::new();
                    file.read_to_string(&mut text).map_err(|_| {
                        FormatError::Integrity("the file is not valid UTF-8".to_owned())
                    })?;
                    return open_kept(text, identities);
                }
                open_large(&mut file, path, identities)
            }
        }
    }
}

/// A v1 file in memory.
fn open_whole(text: &str, identities: &[&dyn Identity], keep: Keep) -> Result<Opened, OpenError> {
    if keep == Keep::Plaintext {
        let mut plaintext = v1::decrypt_plaintext_with(text, identities)?;
        // Moved, not copied: the bytes stay in one wiped-on-drop buffer.
        let bytes = std::mem::take(&mut *plaintext).into_bytes();
        return Ok(Opened {
            format: Format::V1,
            plaintext: Plaintext::from(Zeroizing::new(bytes)),
            v1: None,
            identity: None,
        });
    }
    let opened = v1::decrypt_with(text, identities)?;
    Ok(Opened {
        format: Format::V1,
        plaintext: Plaintext::from(Zeroizing::new(opened.plaintext.as_bytes().to_vec())),
        v1: Some(opened),
        identity: None,
    })
}

/// A v1 file's text given away, opened and kept for re-encryption (the text itself is
/// kept, see [`v1::decrypt_owned`]).
fn open_kept(text: String, identities: &[&dyn Identity]) -> Result<Opened, OpenError> {
    let opened = v1::decrypt_owned(text, identities)?;
    Ok(Opened {
        format: Format::V1,
        plaintext: Plaintext::from(Zeroizing::new(opened.plaintext.as_bytes().to_vec())),
        v1: Some(opened),
        identity: None,
    })
}

/// A large v1 file decrypted as a stream (see `format/v1/stream.rs`).
fn open_large(
    file: &mut File,
    path: &Path,
    identities: &[&dyn Identity],
) -> Result<Opened, OpenError> {
    // A second handle counts the lines while the first is decrypted.
    let mut counter = File::open(path).map_err(OpenError::Io)?;
    match v1::stream::decrypt_with(&mut counter, file, identities) {
        Ok(plaintext) => Ok(Opened {
            format: Format::V1,
            plaintext,
            v1: None,
            identity: None,
        }),
        // A file whose line endings git converted fails the streamed check: when one of
        // its readings before the conversion verifies, it is opened whole (which tries
        // those readings).
        Err(v1::stream::StreamError::Format(e @ FormatError::Integrity(_))) => {
            let text = std::fs::read(path)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .filter(|text| v1::verifies_after_conversion(text, identities));
            match text {
                Some(text) => open_whole(&text, identities, Keep::Plaintext),
                None => Err(e.into()),
            }
        }
        Err(v1::stream::StreamError::Format(e)) => Err(e.into()),
        Err(v1::stream::StreamError::Io(e)) => Err(OpenError::Io(e)),
    }
}

/// The header of a large file when it is a v1 file whose header parses; `None` for
/// anything else (read whole, where the reason is reported).
fn large_v1_header(file: &mut File) -> Result<Option<v1::Header>, OpenError> {
    let mut head = Vec::new();
    file.by_ref()
        .take(HEAD)
        .read_to_end(&mut head)
        .map_err(OpenError::Io)?;
    // The header is whole lines of UTF-8; the head may end inside a character.
    let lines = memchr::memrchr(b'\n', &head).map_or(&head[..0], |i| &head[..=i]);
    Ok(std::str::from_utf8(lines)
        .ok()
        .and_then(|text| v1::header(text).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Key;

    fn sealed_v1(text: &str, key: &Key) -> String {
        let doc = crate::dotenv::parse(text).unwrap();
        let mut random = |b: &mut [u8]| super::super::os_random(b);
        v1::seal(
            &doc,
            &[key],
            v1::Options::default(),
            chrono::Utc::now(),
            &mut random,
        )
        .unwrap()
    }

    /// The strategy is the format layer's: bytes in memory are read whole, a file of
    /// `STREAM_FROM` or more is streamed, a small file is read whole; all three give the
    /// same plaintext, and keeping entries reads even a large file whole.
    #[test]
    fn open_chooses_whole_or_streamed_by_source_and_size() {
        let key = Key::generate().unwrap();
        let small = "A=1\nB=two\n";
        let mut large = String::new();
        for i in 0..40_000 {
            large.push_str(&format!("KEY_{i}=value-{i}\n"));
        }
        let dir = tempfile::tempdir().unwrap();
        for (plain, streamed_from_disk) in [(small, false), (large.as_str(), true)] {
            let enc = sealed_v1(plain, &key);
            let path = dir.path().join("f.env.encrypted");
            std::fs::write(&path, &enc).unwrap();
            assert_eq!(enc.len() as u64 >= STREAM_FROM, streamed_from_disk);

            let from_bytes = Sealed::read(Source::Bytes(enc.as_bytes())).unwrap();
            assert!(!from_bytes.streamed());
            assert_eq!(from_bytes.format(), Format::V1);
            assert!(from_bytes.header().is_some_and(|h| h.master().is_some()));
            let opened = from_bytes.open(&[&key], Keep::Plaintext).unwrap();
            assert!(opened.plaintext.eq_bytes(plain.as_bytes()));

            let from_file = Sealed::read(Source::File(&path)).unwrap();
            assert_eq!(from_file.streamed(), streamed_from_disk);
            let opened = from_file.open(&[&key], Keep::Plaintext).unwrap();
            assert!(opened.plaintext.eq_bytes(plain.as_bytes()));
            assert!(opened.v1.is_none());

            let kept = Sealed::read(Source::File(&path))
                .unwrap()
                .open(&[&key], Keep::Entries)
                .unwrap();
            assert!(kept.plaintext.eq_bytes(plain.as_bytes()));
            assert!(kept.v1.is_some());
        }
    }

    /// A Fernet token through the same way in: the candidates are tried in order and the
    /// one that opened it is named; a token no candidate opens names the last one tried.
    #[test]
    fn a_fernet_token_opens_with_the_candidate_that_verifies_and_says_which() {
        let (a, b) = (Key::generate().unwrap(), Key::generate().unwrap());
        let token = crate::format::fernet::encrypt(b"A=1\n", &b);
        let opened = Sealed::read(Source::Bytes(token.as_bytes()))
            .unwrap()
            .open(&[&a, &b], Keep::Plaintext)
            .unwrap();
        assert_eq!(opened.format, Format::Fernet);
        assert_eq!(opened.identity, Some(1));
        assert!(opened.plaintext.eq_bytes(b"A=1\n"));
        let failed = Sealed::read(Source::Bytes(token.as_bytes()))
            .unwrap()
            .open(&[&a], Keep::Plaintext);
        assert!(matches!(
            failed,
            Err(OpenError::Format {
                error: FormatError::FernetAuth { .. },
                identity: Some(0)
            })
        ));
    }

    #[test]
    fn bytes_that_are_no_encrypted_file_are_said_so_before_any_key() {
        let got = Sealed::read(Source::Bytes(b"A=1\n"));
        assert!(matches!(
            got,
            Err(OpenError::Format {
                error: FormatError::NotEncrypted,
                ..
            })
        ));
    }
}
