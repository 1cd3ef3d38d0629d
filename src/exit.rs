//! Exit codes and the mapping from error kinds to them. Documented in the README and in
//! `envseal --help`; scripts and CI steps rely on them, so they never change meaning.

use std::io;

use crate::dotenv::ParseError;
use crate::format::FormatError;
use crate::key::KeyError;

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

/// The exit code for an error: the first cause in the chain that has a known kind.
pub fn code_for(err: &anyhow::Error) -> Code {
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return f.code;
        }
        if let Some(e) = cause.downcast_ref::<FormatError>() {
            return match e {
                FormatError::NotEncrypted | FormatError::Plaintext(_) => Code::BadInput,
                FormatError::WrongKey { .. } | FormatError::FernetAuth { .. } => Code::WrongKey,
                FormatError::Integrity(_) => Code::Integrity,
                FormatError::Rng => Code::Io,
                // A key service's refusal or a slot kind this build cannot use: the key
                // at hand cannot be used, as with a missing key. An internal failure
                // is not the user's input: the generic failure code.
                FormatError::Slot(crate::format::v1::slot::SlotError::Refused { .. }) => {
                    Code::Integrity
                }
                FormatError::Slot(_) => Code::KeyMissing,
                FormatError::Internal(_) => Code::CheckFailed,
            };
        }
        if let Some(e) = cause.downcast_ref::<KeyError>() {
            return match e {
                KeyError::Missing { .. }
                | KeyError::NotInKeyring(..)
                | KeyError::Ambiguous { .. } => Code::KeyMissing,
                KeyError::Malformed
                | KeyError::MalformedAt { .. }
                | KeyError::MalformedFile { .. } => Code::KeyMissing,
                KeyError::Rng | KeyError::Read { .. } | KeyError::Write { .. } => Code::Io,
            };
        }
        if let Some(e) = cause.downcast_ref::<crate::identities::IdentityError>() {
            // An identity that cannot be used is a key that is missing, like a malformed
            // key file; a file that cannot be read is an I/O error.
            return match e {
                crate::identities::IdentityError::Read { .. } => Code::Io,
                _ => Code::KeyMissing,
            };
        }
        if let Some(e) = cause.downcast_ref::<crate::config::ConfigError>() {
            // A settings file that cannot be used is a usage error, like a bad option.
            return match e {
                crate::config::ConfigError::Parse { .. } => Code::Usage,
                crate::config::ConfigError::Read { .. } => Code::Io,
            };
        }
        if cause.downcast_ref::<ParseError>().is_some()
            || cause
                .downcast_ref::<crate::dotenv::FileParseError>()
                .is_some()
        {
            return Code::BadInput;
        }
        if cause.downcast_ref::<io::Error>().is_some() {
            return Code::Io;
        }
    }
    Code::Io
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
}
