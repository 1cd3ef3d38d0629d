//! Exit codes and the mapping from error kinds to them. Documented in the README and in
//! `envseal --help`; scripts and CI steps rely on them, so they never change meaning.

use std::io;

use crate::config::ConfigError;
use crate::dotenv::{FileParseError, ParseError};
use crate::format::v1::slot::SlotError;
use crate::format::FormatError;
use crate::key::{KeyError, KeyIdError};
use crate::ledger::LedgerError;
use crate::rotation::RotationError;

/// What the process exit code says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// Success.
    Ok = 0,
    /// A check found a problem: stale or plaintext file, overdue key, leaked secret.
    CheckFailed = 1,
    /// Bad command line (clap's own code).
    Usage = 2,
    /// No key found in any source.
    KeyMissing = 3,
    /// A key was found but it is not the one the file was encrypted with.
    WrongKey = 4,
    /// The encrypted file was modified or is corrupt.
    Integrity = 5,
    /// Reading or writing a file failed (missing input, permissions, full disk).
    Io = 6,
    /// The input cannot be used: not UTF-8, an unterminated quote, not an encrypted file.
    BadInput = 7,
    /// Refused to overwrite a different existing file (use --force) or to go on without
    /// a confirmation that could not be asked for.
    Refused = 8,
    /// Another envseal holds the lock (a rotation is running), or a rotation is unfinished.
    Busy = 9,
    /// `run`: the command was found but cannot be executed (as shells say it).
    NotExecutable = 126,
    /// `run`: the command was not found (as shells say it).
    NotFound = 127,
}

impl Code {
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// A short name, for the ledger's event detail.
    pub fn name(self) -> &'static str {
        match self {
            Code::Ok => "ok",
            Code::CheckFailed => "check failed",
            Code::Usage => "usage error",
            Code::KeyMissing => "no key",
            Code::WrongKey => "wrong key",
            Code::Integrity => "integrity failure",
            Code::Io => "i/o error",
            Code::BadInput => "unusable input",
            Code::Refused => "refused",
            Code::Busy => "busy",
            Code::NotExecutable => "command not executable",
            Code::NotFound => "command not found",
        }
    }
}

/// The table printed in `--help` and the README.
pub const TABLE: &str = "\
Exit codes:
  0  success
  1  check failed (stale or plaintext file, overdue key, leaked secret); get/unset: key not set
  2  usage error (command line, or .envseal/config.toml cannot be used)
  3  no key found, or the key given is malformed
  4  wrong key
  5  integrity failure: the encrypted file was modified or is corrupt
  6  I/O error (missing input, permissions, full disk, ulimit -f)
  7  unusable input (not UTF-8, unterminated quote, not an encrypted file)
  8  refused: output exists and differs or is read-only (use --force), or no terminal to confirm
  9  busy: another envseal holds the lock, or a rotation is unfinished
  126  run: the command cannot be executed (as in a shell)
  127  run: the command was not found (as in a shell)";

/// An error that carries its own exit code (commands use it for outcomes such as
/// "refused" that are not failures of a lower module).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub code: Code,
    pub message: String,
}

impl Failure {
    pub fn new(code: Code, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }
}

/// Does any cause in the chain say the reader of our output went away?
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// An error type that knows its exit code. Each error kind says what it means for a
/// script here, in one place per type; [`code_for`] finds the first cause in an error
/// chain that has one. (The impls live in this module, not beside the error types, so
/// the core modules do not depend on how the binary exits.)
pub trait ExitCode {
    fn code(&self) -> Code;
}

impl ExitCode for Failure {
    fn code(&self) -> Code {
        self.code
    }
}

impl ExitCode for FormatError {
    fn code(&self) -> Code {
        match self {
            FormatError::NotEncrypted | FormatError::Plaintext(_) => Code::BadInput,
            FormatError::WrongKey { .. } | FormatError::FernetAuth { .. } => Code::WrongKey,
            FormatError::Integrity(_) => Code::Integrity,
            FormatError::Rng => Code::Io,
            FormatError::Slot(e) => e.code(),
            // A failure inside envseal, never "the file was modified": the generic code.
            FormatError::Internal(_) => Code::CheckFailed,
        }
    }
}

impl ExitCode for KeyError {
    fn code(&self) -> Code {
        match self {
            KeyError::Missing { .. } | KeyError::NotInKeyring(..) | KeyError::Ambiguous { .. } => {
                Code::KeyMissing
            }
            KeyError::Malformed | KeyError::MalformedAt { .. } | KeyError::MalformedFile { .. } => {
                Code::KeyMissing
            }
            KeyError::Rng | KeyError::Read { .. } | KeyError::Write { .. } => Code::Io,
        }
    }
}

/// A text given as a key id that is not one: the command line was wrong.
/// An identity that cannot be used is a key that is missing, like a malformed key file;
/// an identity file that cannot be read is an I/O error.
impl ExitCode for crate::identities::IdentityError {
    fn code(&self) -> Code {
        match self {
            crate::identities::IdentityError::Read { .. } => Code::Io,
            _ => Code::KeyMissing,
        }
    }
}

impl ExitCode for SlotError {
    fn code(&self) -> Code {
        match self {
            // The identity a slot names does not open it: the slot was altered.
            SlotError::Refused { .. } => Code::Integrity,
            // A key service's refusal or outage, or a slot kind this build cannot use:
            // the key at hand cannot be used, as with a missing key (never "wrong key").
            SlotError::Service { .. } | SlotError::Unavailable { .. } => Code::KeyMissing,
            // A recipient or identity given in a malformed form: the input was wrong.
            SlotError::Invalid(_) => Code::Usage,
            SlotError::Internal(_) => Code::CheckFailed,
        }
    }
}

impl ExitCode for KeyIdError {
    fn code(&self) -> Code {
        Code::Usage
    }
}

impl ExitCode for ConfigError {
    fn code(&self) -> Code {
        match self {
            // A settings file that cannot be used is a usage error, like a bad option.
            ConfigError::Parse { .. } => Code::Usage,
            ConfigError::Read { .. } => Code::Io,
        }
    }
}

impl ExitCode for ParseError {
    fn code(&self) -> Code {
        Code::BadInput
    }
}

impl ExitCode for FileParseError {
    fn code(&self) -> Code {
        Code::BadInput
    }
}

impl ExitCode for LedgerError {
    fn code(&self) -> Code {
        match self {
            // Another envseal holds the ledger's lock past the busy timeout, or a rotation
            // of this key is unfinished: what exit 9 says ("busy").
            LedgerError::Busy { .. } | LedgerError::RotationPending { .. } => Code::Busy,
            // The ledger file cannot be created, reached, read or written.
            LedgerError::CreateDir { .. }
            | LedgerError::CreateFile { .. }
            | LedgerError::Access { .. }
            | LedgerError::Open { .. }
            | LedgerError::NotALedger { .. }
            | LedgerError::TooNew { .. }
            | LedgerError::Sql { .. }
            | LedgerError::Corrupt { .. }
            | LedgerError::UnknownRotation { .. }
            | LedgerError::InvalidTransition { .. } => Code::Io,
            // A caller tried to record something that is not public slot data: a bug.
            LedgerError::NotPublic { .. } => Code::CheckFailed,
        }
    }
}

impl ExitCode for RotationError {
    fn code(&self) -> Code {
        match self {
            // A file that does not decrypt back to what it held, under the new key.
            RotationError::Differs { .. } | RotationError::NotVerified { .. } => Code::Integrity,
            RotationError::Backup { .. }
            | RotationError::BackupsExhausted { .. }
            | RotationError::Stage { .. }
            | RotationError::SyncBackups { .. }
            | RotationError::Replace { .. }
            | RotationError::Io(_) => Code::Io,
        }
    }
}

impl ExitCode for io::Error {
    fn code(&self) -> Code {
        Code::Io
    }
}

/// The code of one cause, if its type has one.
fn code_of(cause: &(dyn std::error::Error + 'static)) -> Option<Code> {
    fn as_code<E: ExitCode + std::error::Error + 'static>(
        cause: &(dyn std::error::Error + 'static),
    ) -> Option<Code> {
        cause.downcast_ref::<E>().map(ExitCode::code)
    }
    as_code::<Failure>(cause)
        .or_else(|| as_code::<FormatError>(cause))
        .or_else(|| as_code::<KeyError>(cause))
        .or_else(|| as_code::<KeyIdError>(cause))
        .or_else(|| as_code::<SlotError>(cause))
        .or_else(|| as_code::<crate::identities::IdentityError>(cause))
        .or_else(|| as_code::<LedgerError>(cause))
        .or_else(|| as_code::<RotationError>(cause))
        .or_else(|| as_code::<ConfigError>(cause))
        .or_else(|| as_code::<ParseError>(cause))
        .or_else(|| as_code::<FileParseError>(cause))
        .or_else(|| as_code::<io::Error>(cause))
}

/// The exit code for an error: that of the first cause in the chain whose type has one
/// (the outermost typed error wins), else an I/O error.
pub fn code_for(err: &anyhow::Error) -> Code {
    err.chain().find_map(code_of).unwrap_or(Code::Io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unusable_identity_is_key_missing_and_an_unreadable_one_io() {
        use crate::identities::IdentityError;
        let e = anyhow::Error::new(IdentityError::Encrypted {
            origin: "--identity k".to_owned(),
        })
        .context("decrypt .env.encrypted");
        assert_eq!(code_for(&e), Code::KeyMissing);
        let e = anyhow::Error::new(IdentityError::Read {
            path: "--identity k".to_owned(),
            err: io::Error::from(io::ErrorKind::PermissionDenied),
        });
        assert_eq!(code_for(&e), Code::Io);
    }

    #[test]
    fn codes_are_distinct_and_in_the_table() {
        let all = [
            Code::Ok,
            Code::CheckFailed,
            Code::Usage,
            Code::KeyMissing,
            Code::WrongKey,
            Code::Integrity,
            Code::Io,
            Code::BadInput,
            Code::Refused,
            Code::Busy,
        ];
        for (i, c) in all.iter().enumerate() {
            assert_eq!(c.as_u8() as usize, i);
            assert!(TABLE.contains(&format!("\n  {i}  ")));
        }
        for c in [Code::NotExecutable, Code::NotFound] {
            assert!(TABLE.contains(&format!("\n  {}  run: ", c.as_u8())));
        }
    }

    #[test]
    fn chain_is_searched() {
        let e = anyhow::Error::new(FormatError::Integrity("x".into())).context("decrypting f");
        assert_eq!(code_for(&e), Code::Integrity);
        let e = anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe)).context("writing");
        assert!(is_broken_pipe(&e));
    }

    /// A busy ledger is "busy" (9) however deep in the chain, not the I/O error its
    /// source would say; a typed cause wins over the untyped ones around it.
    #[test]
    fn codes_are_read_from_the_types() {
        let busy = LedgerError::Busy {
            path: "ledger.db".into(),
        };
        assert_eq!(busy.code(), Code::Busy);
        let e = anyhow::Error::new(busy).context("cannot read the ledger");
        assert_eq!(code_for(&e), Code::Busy);
        let access = LedgerError::Access {
            path: "ledger.db".into(),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert_eq!(code_for(&anyhow::Error::new(access)), Code::Io);
        let refused = anyhow::Error::new(Failure::new(Code::Refused, "left it")).context("x");
        assert_eq!(code_for(&refused), Code::Refused);
        assert_eq!(KeyIdError.code(), Code::Usage);
        assert_eq!(code_for(&anyhow::anyhow!("untyped")), Code::Io);
    }
}
