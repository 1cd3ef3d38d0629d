//! `envseal generate-key`: a new master key into the keyring, a file, or stdout.

use anyhow::Result;

use super::{write_stdout, Ui};
use crate::cli::GenerateKey;
use crate::exit::{Code, Failure};
use crate::key::{self, Key};

pub fn run(args: &GenerateKey, ui: &Ui) -> Result<()> {
    if args.age {
        return generate_age(args, ui);
    }
    let key = Key::generate()?;
    let id = key.id();
    if args.stdout {
        let mut text = key.expose_text();
        text.push('\n');
        write_stdout(text.as_bytes())?;
        ui.info(format!("generated key {id} (printed on stdout, not saved)"));
        return Ok(());
    }
    let path = match &args.out {
        Some(path) => {
            if key::shown_path(path) != path.to_string_lossy() {
                // A key pasted where the path goes: never echoed, never used as a name.
                return Err(
                    Failure::new(Code::Usage, format!("--out {}", key::shown_path(path))).into(),
                );
            }
            if path.exists() && !args.force {
                return Err(Failure::new(
                    Code::Refused,
                    format!("{} exists; not replacing a key file without --force (the key in it would be lost)", path.display()),
                )
                .into());
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                crate::fsutil::create_dir_private(dir)?;
            }
            key::write_key_file(path, &key, args.force)?;
            keep_out_of_git(path, ui);
            path.clone()
        }
        None => {
            crate::fsutil::create_dir_private(&key::keyring::dir())?;
            key::keyring::save(&key)?
        }
    };
    if args.json {
        let v = serde_json::json!({ "key_id": id.as_str(), "path": path.display().to_string() });
        write_stdout(format!("{v}\n").as_bytes())?;
    } else {
        write_stdout(format!("{id}\n").as_bytes())?;
    }
    ui.info(format!(
        "generated key {id}, saved to {} (mode 0600)",
        path.display()
    ));
    Ok(())
}

/// A key file written inside a git work tree is added to the `.gitignore` beside it
/// (unless git ignores it already), so `git add .` cannot pick it up; the hook also
/// blocks any staged key. Failing to update `.gitignore` warns, never fails: the key is
/// saved, and losing it would be worse.
pub(super) fn keep_out_of_git(path: &std::path::Path, ui: &Ui) {
    match crate::git::ignore_key_file(path) {
        Ok(Some(gitignore)) => ui.info(format!(
            "added {} to {} (a key file must never be committed)",
            path.file_name().unwrap_or_default().to_string_lossy(),
            gitignore.display()
        )),
        Ok(None) => {}
        Err(e) => ui.warn(format!(
            "{} is inside a git work tree and could not be added to .gitignore ({e}); do not commit it",
            path.display()
        )),
    }
}

/// `generate-key --age`: a new age identity, in the format age-keygen writes, into the
/// identities directory (or `--out`), mode 0600, never replacing a file; the recipient on
/// stdout.
fn generate_age(args: &GenerateKey, ui: &Ui) -> Result<()> {
    use crate::format::v1::slot::age::AgeIdentity;
    use crate::format::v1::slot::{Identity, Recipient};
    let identity = AgeIdentity::generate("generate-key --age");
    let recipient = identity.recipient().kid();
    debug_assert_eq!(recipient, identity.kid());
    let path = match &args.out {
        Some(path) => path.clone(),
        None => {
            // A name from the recipient (public), unique in practice; the identity is
            // found by content, whatever its file is called.
            let short = recipient.get(..16).unwrap_or(&recipient);
            crate::identities::dir().join(format!("{short}.txt"))
        }
    };
    if path.exists() {
        return Err(Failure::new(
            Code::Refused,
            format!(
                "{} exists; an identity file is never replaced (the identity in it would be lost): choose another --out",
                path.display()
            ),
        )
        .into());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::fsutil::create_dir_private(dir)?;
    }
    let created = crate::format::v1::slot::timestamp(chrono::Utc::now());
    let text = zeroize::Zeroizing::new(format!(
        "# created: {created}\n# public key: {recipient}\n{}\n",
        *identity.expose_text()
    ));
    crate::fsutil::write_new(&path, text.as_bytes(), 0o600)
        .map_err(|e| anyhow::Error::new(e).context(format!("cannot write {}", path.display())))?;
    keep_out_of_git(&path, ui);
    if args.json {
        let v = serde_json::json!({ "recipient": recipient, "path": path.display().to_string() });
        write_stdout(format!("{v}\n").as_bytes())?;
    } else {
        write_stdout(format!("{recipient}\n").as_bytes())?;
    }
    ui.info(format!(
        "generated age identity {recipient}, saved to {} (mode 0600); the recipient is public: give it to whoever encrypts for you",
        path.display()
    ));
    Ok(())
}
