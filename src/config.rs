//! Project settings: `.envseal/config.toml` under the project root. Every field is
//! optional; a missing file means the defaults. Documented in the README ("Configuration").
//!
//! ```toml
//! rotation_interval_days = 90          # how long a key may be used before status says OVERDUE
//! plaintext = [".env", ".env.*"]       # names of plaintext env files (status, hooks)
//! key_id = "sha256:3f9a0c1d2e4b5a6c"   # the project's key, for encrypt with several keys
//! dialect = "python"                   # whose reading `run`/`mask` use: python, node, dotenvy
//! [mask]                               # extra masking rules (see `envseal mask --help`)
//! extra_names = ["MY_VENDOR_THING"]
//! extra_patterns = ["SIGNING"]
//! not_sensitive = ["PUBLIC_KEY"]
//! allow = ["STRIPE_PUBLISHABLE_KEY"]   # names the leak check never reports
//! [[creation_rules]]                   # which key slots a file gets (see `rules`)
//! path = ".env.production"
//! age = ["age1..."]
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

mod rules;
pub use rules::{AuthorshipProblem, CreationRule, RecipientSpec, RuleRecipient};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub rotation_interval_days: u32,
    pub plaintext: Vec<String>,
    /// Whose reading of a `.env` gives the values (`run`, `mask`); `--dialect` wins.
    pub dialect: crate::dialect::Dialect,
    /// Masking rules added to the built-in ones (`envseal::mask::Rules`).
    pub mask: crate::mask::Rules,
    /// The project's key (`sha256:…`): which keyring key `encrypt` uses for a new file
    /// when the keyring holds several.
    pub key_id: Option<String>,
    /// `[[creation_rules]]` as written; checked into `creation_rules` by [`load`].
    #[serde(rename = "creation_rules")]
    raw_rules: Vec<Spanned<rules::RawRule>>,
    /// The creation rules, in file order; first match wins ([`Config::rule_for`]).
    #[serde(skip)]
    pub creation_rules: Vec<CreationRule>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            rotation_interval_days: 90,
            plaintext: vec![".env".to_owned(), ".env.*".to_owned()],
            dialect: crate::dialect::Dialect::default(),
            mask: crate::mask::Rules::default(),
            key_id: None,
            raw_rules: Vec::new(),
            creation_rules: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {err}", path.display())]
    Read { path: PathBuf, err: std::io::Error },
    #[error("{}:{line}:{column}: {what} (see the README, section Configuration)", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        what: String,
    },
}

pub fn path_in(root: &Path) -> PathBuf {
    root.join(".envseal").join("config.toml")
}

/// Load the project's config, or the defaults when there is none.
pub fn load(root: &Path) -> Result<Config, ConfigError> {
    let path = path_in(root);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(err) => return Err(ConfigError::Read { path, err }),
    };
    let mut config: Config = toml::from_str(&text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let (line, column) = position(&text, offset);
        let what = describe(e.message());
        ConfigError::Parse {
            path: path.clone(),
            line,
            column,
            what,
        }
    })?;
    config.creation_rules = rules::compile(&config.raw_rules, &text, &path)?;
    Ok(config)
}

/// 1-based line and column (in characters) of a byte offset into the file's text.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl Config {
    /// The first creation rule whose `path` matches `rel` (relative to the project root;
    /// a plaintext path or its `.encrypted` file), as `.sops.yaml` picks its rule.
    pub fn rule_for(&self, rel: &Path) -> Option<&CreationRule> {
        self.creation_rules.iter().find(|r| r.matches(rel))
    }

    /// The authorship check for one file, in one call (for `status --check` and the hook):
    /// `None` when no rule applies, the rule does not ask for it, or a secret slot is there.
    pub fn authorship_problem(
        &self,
        rel: &Path,
        slots: &[crate::format::v1::slot::SlotLine],
    ) -> Option<(&CreationRule, AuthorshipProblem)> {
        let rule = self.rule_for(rel)?;
        rule.check_authorship(slots).err().map(|p| (rule, p))
    }

    /// Does a file name look like a plaintext env file by the configured patterns?
    /// Encrypted files, backups and templates (`.example`, `.sample`, `.template`) are not.
    pub fn is_plaintext_name(&self, name: &str) -> bool {
        const NOT: [&str; 5] = [".encrypted", ".example", ".sample", ".template", ".dist"];
        if NOT.iter().any(|s| name.ends_with(s)) || name.contains(".backup_") {
            return false;
        }
        self.plaintext.iter().any(|p| glob_match(p, name))
    }
}

/// What is wrong, from toml's message, without the offending text: toml and serde quote
/// the value (`invalid type: string "X", expected u32`) and sometimes the line. Keep the
/// kind of error and what was expected (a type, or the field names that exist); anything
/// else that would quote the text becomes a generic "invalid TOML syntax".
fn describe(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default().trim();
    if let Some((kind, expected)) = first.split_once(", expected ") {
        let kind = kind.split(':').next().unwrap_or_default();
        // "unknown field `x`" names the text the user typed: keep only the kind.
        let kind: String = kind.split('`').next().unwrap_or_default().trim().to_owned();
        let kind = if kind.is_empty() {
            "invalid value"
        } else {
            &kind
        };
        return format!("{kind}, expected {expected}");
    }
    if first.starts_with("expected ") {
        // A syntax error listing the tokens that may come next: no user text in it.
        return first.to_owned();
    }
    if first.is_empty() || first.contains(['"', '\'', '`']) {
        return "invalid TOML syntax".to_owned();
    }
    first.to_owned()
}

/// `*` matches any run of characters; everything else matches itself.
fn glob_match(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            let Some(rest) = name.strip_prefix(head) else {
                return false;
            };
            (0..=rest.len())
                .filter(|&i| rest.is_char_boundary(i))
                .any(|i| glob_match(tail, &rest[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_names() {
        let c = Config::default();
        for yes in [".env", ".env.production", ".env.local"] {
            assert!(c.is_plaintext_name(yes), "{yes}");
        }
        for no in [
            ".env.encrypted",
            ".env.production.encrypted",
            ".env.example",
            "env",
            ".envrc",
            ".env.encrypted.backup_20260101T000000Z",
        ] {
            assert!(!c.is_plaintext_name(no), "{no}");
        }
    }

    #[test]
    fn parse_errors_give_position_not_text() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".envseal")).unwrap();
        std::fs::write(
            path_in(dir.path()),
            "rotation_interval_days = 90\nsecretish = \"hunter2\"\n",
        )
        .unwrap();
        let e = load(dir.path()).unwrap_err().to_string();
        assert!(e.contains(":2:"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        // A value of the wrong type: the expected type and the position, never the value.
        std::fs::write(
            path_in(dir.path()),
            "plaintext = [\".env\"]\nrotation_interval_days = \"hunter2\"\n",
        )
        .unwrap();
        let e = load(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("config.toml:2:26: invalid type, expected u32"),
            "{e}"
        );
        assert!(!e.contains("hunter2"), "{e}");
        for bad in [
            "rotation_interval_days = hunter2\n",
            "plaintext = [\"hunter2\", 3]\n",
            "[mask]\nextra_names = \"hunter2\"\n",
            "hunter2\n",
            "plaintext = \"hunter2\n",
            "rotation_interval_days = -1\n# hunter2\n",
            "rotation_interval_days = 1\nrotation_interval_days = 2 # hunter2\n",
        ] {
            std::fs::write(path_in(dir.path()), bad).unwrap();
            let e = load(dir.path()).unwrap_err().to_string();
            assert!(!e.contains("hunter2"), "{bad:?}: {e}");
            assert!(e.contains("config.toml:"), "{bad:?}: {e}");
        }
        std::fs::write(path_in(dir.path()), "rotation_interval_days = 30\n").unwrap();
        assert_eq!(load(dir.path()).unwrap().rotation_interval_days, 30);
    }
}
