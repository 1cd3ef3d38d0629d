//! git's textconv: `envseal mask --textconv FILE` (masked values, the recommended one) and
//! `envseal decrypt --textconv FILE` (plaintext, opt-in). git runs it on every blob it
//! shows in `git diff`, `git log -p`, `git show` and `git commit -v`, so it must never
//! break them: it never prompts (a terminal on stdin does not matter), tries every key at
//! hand by the key id a v1 header names (after a rotation, an exported new key does not
//! hide the old key in the keyring), and shows a file that no key at hand opens — or that
//! is corrupt — as it is, with exit 0. Nothing is recorded in the ledger.
//!
//! The masked view is the default because `git commit -v` writes the diff it shows into
//! `.git/COMMIT_EDITMSG` (mode 0644, left there after the commit): with the plaintext
//! textconv, decrypted values and their neighbours would stay on disk.

use std::path::Path;

use anyhow::Result;

use super::at_hand::{self, Opened};
use super::{read_input, write_stdout};
use crate::cli::{KeyArgs, Mask};
use crate::mask::Rules;

/// The file's plaintext when a key at hand opens it, else `None`.
fn open(bytes: &[u8], key: &KeyArgs) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    let keys = at_hand::keys(key.key_file.as_deref());
    match at_hand::open_using(bytes, &keys, &key.identity) {
        Opened::Plain(p, _) => Some(p),
        Opened::NoKey { .. } | Opened::Corrupt(_) | Opened::NotEncrypted => None,
    }
}

/// `decrypt --textconv`: the plaintext, or the file as it is.
pub fn plaintext(file: &Path, key: &KeyArgs) -> Result<()> {
    let bytes = read_input(file, "file")?;
    match open(&bytes, key) {
        Some(plain) => write_stdout(&plain),
        None => write_stdout(&bytes),
    }
}

/// `mask --textconv`: the masked view of the plaintext (or of a plaintext file), or the
/// file as it is when it cannot be opened or read as dotenv.
pub fn masked(file: &Path, args: &Mask, rules: &Rules) -> Result<()> {
    let bytes = read_input(file, "file")?;
    let shown = if crate::format::detect(&bytes).is_some() {
        open(&bytes, &args.key)
            .and_then(|plain| super::mask::masked_view(file, &plain, rules, args.all).ok())
    } else {
        super::mask::masked_view(file, &bytes, rules, args.all).ok()
    };
    match shown {
        Some(text) => write_stdout(text.as_bytes()),
        None => write_stdout(&bytes),
    }
}
