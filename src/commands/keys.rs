//! `envseal key import|list`: the keyring as people use it. Keys are found by content
//! (see [`crate::key::keyring`]); nothing here prints a key, only ids, files and dates.

use std::io::{IsTerminal, Read};

use anyhow::{Context, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use zeroize::Zeroizing;

use super::{write_stdout, Ui};
use crate::cli::{KeyAction, KeyCommand, KeyImport, KeyList};
use crate::exit::{Code, Failure};
use crate::key::{self, keyring, Key};

/// The most a key file or stdin is read for a key: a key is 44 characters.
const MAX_KEY_TEXT: u64 = 4096;

pub fn run(args: &KeyCommand, ui: &Ui) -> Result<()> {
    match &args.action {
        KeyAction::Import(a) => import(a, ui),
        KeyAction::List(a) => list(a, ui),
    }
}

fn import(args: &KeyImport, ui: &Ui) -> Result<()> {
    let from_stdin = args.file.as_os_str() == "-";
    let text = if from_stdin && std::io::stdin().is_terminal() {
        Zeroizing::new(
            rpassword::prompt_password("Key to import: ")
                .context("cannot read the key from the terminal")?,
        )
    } else {
        let mut raw = Zeroizing::new(Vec::new());
        let what = if from_stdin {
            std::io::stdin()
                .lock()
                .take(MAX_KEY_TEXT)
                .read_to_end(&mut raw)
                .context("cannot read the key from stdin")?;
            "stdin".to_owned()
        } else {
            std::fs::File::open(&args.file)
                .and_then(|f| f.take(MAX_KEY_TEXT).read_to_end(&mut raw))
                .with_context(|| format!("cannot read key file {}", key::shown_path(&args.file)))?;
            format!("key file {}", key::shown_path(&args.file))
        };
        Zeroizing::new(String::from_utf8(raw.to_vec()).map_err(|_| {
            Failure::new(
                Code::KeyMissing,
                format!("{what} does not hold a valid key (it is not text)"),
            )
        })?)
    };
    let key = Key::from_text(&text).map_err(|_| {
        Failure::new(
            Code::KeyMissing,
            "not a valid key (a key is 32 bytes in URL-safe base64, 44 characters, as `envseal generate-key` writes)",
        )
    })?;
    let id = key.id();
    if let Some(found) = keyring::find(&id, &mut ui.warner())? {
        ui.info(format!(
            "the keyring already holds {id} ({}); nothing changed",
            found.source
        ));
    } else {
        crate::fsutil::create_dir_private(&keyring::dir())?;
        let path = keyring::save(&key)?;
        ui.info(format!("imported {id} into {} (mode 0600)", path.display()));
    }
    write_stdout(format!("{id}\n").as_bytes())
}

fn list(args: &KeyList, ui: &Ui) -> Result<()> {
    let entries = keyring::entries(&mut ui.warner());
    let rows: Vec<(String, String, Option<String>)> = entries
        .iter()
        .map(|(loaded, modified)| {
            let file = match &loaded.source {
                key::Source::Keyring(p) => p.display().to_string(),
                other => other.to_string(),
            };
            let created = modified
                .map(|m| DateTime::<Utc>::from(m).to_rfc3339_opts(SecondsFormat::Secs, true));
            (loaded.key.id().to_string(), file, created)
        })
        .collect();
    if args.json {
        let keys: Vec<serde_json::Value> = rows
            .iter()
            .map(|(id, file, created)| {
                serde_json::json!({ "id": id, "file": file, "created": created })
            })
            .collect();
        let doc = serde_json::json!({ "schema": 1, "keys": keys });
        return write_stdout(format!("{}\n", serde_json::to_string_pretty(&doc)?).as_bytes());
    }
    if rows.is_empty() {
        ui.info(format!(
            "the keyring ({}) holds no keys; add one with `envseal generate-key` or `envseal key import FILE`",
            keyring::dir().display()
        ));
        return Ok(());
    }
    let mut out = String::new();
    for (id, file, created) in &rows {
        let date = created.as_deref().map_or("-", |c| &c[..10]);
        out.push_str(&format!("{id}  {date}  {file}\n"));
    }
    write_stdout(out.as_bytes())
}
