//! `envseal encrypt`: a plaintext .env into a committable encrypted file.

use anyhow::{Context, Result};
use chrono::Utc;

use super::{
    confirm_overwrite, input_path, key_id_arg, key_request, open_encrypted, read_input,
    write_stdout, Ui,
};
use crate::cli::{Encrypt, FormatArg};
use crate::dotenv;
use crate::exit::{Code, Failure};
use crate::format::{self, fernet, v1, Format};
use crate::key;

pub fn run(args: &Encrypt, ui: &Ui) -> Result<()> {
    let input = input_path(&args.input, &args.env_path, ".env");
    let output = args.output.clone().unwrap_or_else(|| {
        let mut name = input
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(".encrypted");
        input.with_file_name(name)
    });
    let plain = read_input(&input, "plaintext file")?;
    if format::detect(&plain).is_some() {
        return Err(Failure::new(
            Code::BadInput,
            format!(
                "{} is already encrypted; encrypt the plaintext file instead",
                input.display()
            ),
        )
        .into());
    }
    let fmt = match args.format {
        FormatArg::V1 => Format::V1,
        FormatArg::Fernet => Format::Fernet,
    };
    // The plaintext is parsed for both formats: a file envseal cannot place is refused
    // rather than stored in a form no tool reads back the same way.
    let doc = dotenv::parse_bytes(&plain)
        .with_context(|| format!("cannot encrypt {}", input.display()))?;

    // An existing output under the same key is updated in place (same data key, unchanged
    // values keep their ciphertext). Anything else there is only replaced with --force.
    let existing = if args.stdout {
        None
    } else {
        std::fs::read(&output).ok()
    };
    let mut previous = None;
    let mut loaded = None;
    let mut replace_reason = None;
    if let Some(bytes) = &existing {
        match format::detect(bytes) {
            Some(found) => match open_encrypted(&output, bytes, &args.key, ui) {
                Ok(opened) if found == fmt => {
                    if *opened.plaintext == plain {
                        ui.info(format!("{} is up to date", output.display()));
                        return Ok(());
                    }
                    loaded = Some(opened.key.clone());
                    previous = opened.v1;
                }
                Ok(opened) => {
                    loaded = Some(opened.key.clone());
                    replace_reason = Some(format!(
                        "is in the {} format, not {}",
                        found.name(),
                        fmt.name()
                    ));
                }
                Err(e) => {
                    let code = crate::exit::code_for(&e);
                    if code == Code::KeyMissing {
                        return Err(e);
                    }
                    replace_reason = Some("cannot be decrypted with the key supplied".to_owned());
                }
            },
            None => replace_reason = Some("is not an envseal-encrypted file".to_owned()),
        }
    }
    if let Some(reason) = &replace_reason {
        confirm_overwrite(&output, args.force, reason)?;
    }
    let loaded = match loaded {
        Some(l) if args.key.key_file.is_none() || replace_reason.is_none() => l,
        _ => {
            let key_id = key_id_arg(&args.key)?;
            key::resolve(
                &key_request(&args.key, &input, None, key_id.as_ref()),
                &mut ui.warner(),
            )?
        }
    };
    let values = doc.lines.iter().filter(|l| l.raw_value().is_some()).count();
    // Each format needs only one of the two forms of the plaintext: free the other
    // first (on a 7 MB file the parsed form alone is 15 MB), and the old output too.
    drop(existing);
    let sealed = match fmt {
        Format::V1 => {
            drop(plain);
            let opts = v1::Options {
                encrypt_comments: args.encrypt_comments,
            };
            let mut pool = format::OsRandomPool::default();
            let mut random = |b: &mut [u8]| pool.fill(b);
            v1::encrypt(
                &doc,
                &loaded.key,
                previous.as_ref(),
                opts,
                Utc::now(),
                &mut random,
            )?
        }
        Format::Fernet => {
            drop(doc);
            fernet::encrypt(&plain, &loaded.key)
        }
    };
    if args.stdout {
        return write_stdout(sealed.as_bytes());
    }
    crate::fsutil::write_atomic(&output, sealed.as_bytes(), 0o644)
        .with_context(|| format!("cannot write {}", output.display()))?;
    ui.info(format!(
        "encrypted {} -> {} ({}, key {} from {}, {values} values)",
        input.display(),
        output.display(),
        fmt.name(),
        loaded.key.id(),
        loaded.source
    ));
    Ok(())
}
