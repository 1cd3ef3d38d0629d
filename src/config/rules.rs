//! Creation rules: which key slots a file gets, like `.sops.yaml`'s `creation_rules`.
//!
//! ```toml
//! [[creation_rules]]                      # first match wins, in file order
//! path = "deploy/**/.env.production"      # a glob; no `path`: every file
//! age = ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]
//! ssh = ["keys/bob.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI... carol@laptop"]
//! aws_kms = ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
//! recipients = [{ age = "age1...", name = "alice" }]   # the same, with a name
//! master = false                          # keep/write a master-key slot?
//! require_secret_slot = true              # authorship: see `CreationRule::check_authorship`
//! ```
//!
//! # Decisions
//! - `path` is a glob (`globset`, `*` stays inside one directory, `**/` crosses any number,
//!   `{a,b}` alternatives), matched against the path **relative to the project root**, with
//!   `/` separators. A rule matches a plaintext file and its encrypted file alike: the glob
//!   is tried on the path given and, for `X.encrypted`, on `X` too, so `.env.production`
//!   covers `.env.production.encrypted` (`encrypt` of a new file asks with the plaintext
//!   path, `updatekeys` and `status` with the encrypted one). A rule without `path` matches
//!   every file (a catch-all, last).
//! - Recipients are given by their public form; this module checks their shape only (an
//!   `age1` Bech32 string, an `ssh-ed25519`/`ssh-rsa` key line or a relative `.pub` path,
//!   a KMS key or alias ARN) so that a typo fails at `config.toml:line`. The slot code parses
//!   them for real. A private key pasted in their place is refused without being echoed.
//! - Names: one form, `recipients = [{ age|ssh|aws_kms = "...", name = "alice" }]`;
//!   `[A-Za-z0-9._@-]{1,64}`, the characters a slot line's `name=` field allows.
//! - `master` defaults to true when the rule lists no recipient (the rule would otherwise
//!   write a file nobody opens), false when it lists any: a team on age keys has no shared
//!   secret unless it asks for one.
//!
//! The module never reads key files at load time: `.pub` paths are resolved by
//! [`RuleRecipient::ssh_key_text`] when a command needs the key, with the rule's line in the
//! error.

use std::path::Path;

use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;
use toml::Spanned;

use super::ConfigError;
use crate::format::v1::slot::{self, SlotLine};

/// One `[[creation_rules]]` table as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    path: Option<Spanned<String>>,
    #[serde(default)]
    age: Vec<Spanned<String>>,
    #[serde(default)]
    ssh: Vec<Spanned<String>>,
    #[serde(default)]
    aws_kms: Vec<Spanned<String>>,
    #[serde(default)]
    recipients: Vec<Spanned<RawNamed>>,
    master: Option<bool>,
    #[serde(default)]
    require_secret_slot: Option<Spanned<bool>>,
}

/// `{ age = "...", name = "alice" }`: exactly one of `age`, `ssh`, `aws_kms`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNamed {
    age: Option<String>,
    ssh: Option<String>,
    aws_kms: Option<String>,
    name: Option<Spanned<String>>,
}

/// A recipient's public form, by kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecipientSpec {
    /// `age1...` (X25519).
    Age(String),
    /// An OpenSSH `ssh-ed25519`/`ssh-rsa` public key line, or a `.pub` path relative to
    /// the project root (see [`RuleRecipient::ssh_key_text`]).
    Ssh(String),
    /// A KMS key ARN or alias ARN.
    AwsKms(String),
}

impl RecipientSpec {
    /// The slot kind this recipient writes (`slot::AGE`, `slot::SSH`, `slot::AWS_KMS`).
    pub fn slot_kind(&self) -> &'static str {
        match self {
            Self::Age(_) => slot::AGE,
            Self::Ssh(_) => slot::SSH,
            Self::AwsKms(_) => slot::AWS_KMS,
        }
    }

    /// The text as written in config.toml (public).
    pub fn text(&self) -> &str {
        match self {
            Self::Age(t) | Self::Ssh(t) | Self::AwsKms(t) => t,
        }
    }
}

/// A recipient of a rule, with its optional name and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRecipient {
    pub spec: RecipientSpec,
    pub name: Option<String>,
    /// Line in config.toml, for messages.
    pub line: usize,
}

impl RuleRecipient {
    /// The OpenSSH public key line of an `ssh` recipient: the text itself, or the content of
    /// its `.pub` file (relative to `root`). `None` for other kinds.
    pub fn ssh_key_text(&self, root: &Path) -> Option<Result<String, ConfigError>> {
        let RecipientSpec::Ssh(text) = &self.spec else {
            return None;
        };
        if !text.ends_with(".pub") {
            return Some(Ok(text.clone()));
        }
        let path = root.join(text);
        let config = super::path_in(root);
        Some(match std::fs::read_to_string(&path) {
            Ok(t) if ssh_line_ok(t.trim()) => Ok(t.trim().to_owned()),
            Ok(_) => Err(ConfigError::Parse {
                path: config,
                line: self.line,
                column: 1,
                what: format!(
                    "{} does not hold an OpenSSH ssh-ed25519 or ssh-rsa public key line",
                    path.display()
                ),
            }),
            Err(e) => Err(ConfigError::Parse {
                path: config,
                line: self.line,
                column: 1,
                what: format!("cannot read {}: {e}", path.display()),
            }),
        })
    }
}

/// One creation rule, checked.
#[derive(Clone, Debug)]
pub struct CreationRule {
    /// The glob as written; `None` matches every file.
    pub path: Option<String>,
    matcher: Option<GlobMatcher>,
    /// In the order written: `age`, `ssh`, `aws_kms`, then `recipients`.
    pub recipients: Vec<RuleRecipient>,
    /// Keep or write a master-key slot.
    pub master: bool,
    /// Authorship: a slot only a writer holding a secret can produce is required.
    pub require_secret_slot: bool,
    /// 1-based position among the rules, and the line where the rule starts.
    pub number: usize,
    pub line: usize,
}

/// A file matched by a `require_secret_slot` rule carries no slot that needs a secret to
/// write. Public data only (paths, slot kinds and key ids).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "no key slot that needs a secret to write (a master slot{kms}); it has {found}: anyone \
     holding the public keys could have written it (config.toml creation rule #{rule} at \
     line {line} requires one). Check who wrote this version, then have someone holding the \
     master key or the KMS key re-encrypt it (`envseal updatekeys`)"
)]
pub struct AuthorshipProblem {
    pub rule: usize,
    pub line: usize,
    /// `, or an aws-kms slot for arn:...` when the rule names KMS keys.
    kms: String,
    /// The slots found, as `age slot age1... (alice)`.
    found: String,
}

impl CreationRule {
    /// Does this rule apply to `rel` (a path relative to the project root)? Tried on the
    /// path and, for `X.encrypted`, on `X`.
    pub fn matches(&self, rel: &Path) -> bool {
        let Some(m) = &self.matcher else {
            return true;
        };
        let rel = normal(rel);
        if m.is_match(&rel) {
            return true;
        }
        rel.strip_suffix(".encrypted")
            .filter(|p| !p.is_empty() && !p.ends_with('/'))
            .is_some_and(|p| m.is_match(p))
    }

    /// How messages name the rule: `creation rule #2 (config.toml:14, path ".env.prod")`.
    pub fn describe(&self) -> String {
        match &self.path {
            Some(p) => format!(
                "creation rule #{} (config.toml:{}, path {p:?})",
                self.number, self.line
            ),
            None => format!(
                "creation rule #{} (config.toml:{}, every file)",
                self.number, self.line
            ),
        }
    }

    /// The KMS keys this rule names.
    pub fn aws_kms_keys(&self) -> impl Iterator<Item = &str> {
        self.recipients.iter().filter_map(|r| match &r.spec {
            RecipientSpec::AwsKms(arn) => Some(arn.as_str()),
            _ => None,
        })
    }

    /// The authorship check, a pure function of the header's slots. With
    /// `require_secret_slot`, the file must carry a slot that only a writer holding a
    /// secret can produce: a `master` slot (the symmetric master key), or an `aws-kms` slot
    /// (KMS `Encrypt` rights) — for one of the rule's `aws_kms` keys when the rule names
    /// any, since anyone can make a KMS key of their own. Judged from the header alone, so
    /// it needs no key (the hook can run it): that the slot really wraps the file's data key
    /// is proven when the file is opened through it (`status --check` opens it with the
    /// master key when that is at hand: a forged master slot is then an integrity failure).
    pub fn check_authorship(&self, slots: &[SlotLine]) -> Result<(), AuthorshipProblem> {
        if !self.require_secret_slot {
            return Ok(());
        }
        let kms: Vec<&str> = self.aws_kms_keys().collect();
        let ok = slots.iter().any(|s| match s.kind.as_str() {
            slot::MASTER => true,
            slot::AWS_KMS => kms.is_empty() || kms.contains(&s.kid.as_str()),
            _ => false,
        });
        if ok {
            return Ok(());
        }
        let found = if slots.is_empty() {
            "no readable slot".to_owned()
        } else {
            slots
                .iter()
                .map(SlotLine::describe)
                .collect::<Vec<_>>()
                .join(", ")
        };
        Err(AuthorshipProblem {
            rule: self.number,
            line: self.line,
            kms: match kms.as_slice() {
                [] => ", or an aws-kms slot".to_owned(),
                keys => format!(", or an aws-kms slot for {}", keys.join(" or ")),
            },
            found,
        })
    }
}

/// `rel` as `/`-separated text without a leading `./`.
fn normal(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

type MakeSpec = fn(String) -> RecipientSpec;

/// Checks the raw rules; errors name `config.toml:line:column`.
pub(super) fn compile(
    raw: &[Spanned<RawRule>],
    text: &str,
    path: &Path,
) -> Result<Vec<CreationRule>, ConfigError> {
    let err = |offset: usize, what: String| {
        let (line, column) = super::position(text, offset);
        ConfigError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            what,
        }
    };
    let mut out = Vec::with_capacity(raw.len());
    for (i, spanned) in raw.iter().enumerate() {
        let rule = spanned.get_ref();
        let start = spanned.span().start;
        let matcher = match &rule.path {
            None => None,
            Some(p) => Some(
                GlobBuilder::new(p.get_ref())
                    .literal_separator(true)
                    .build()
                    .map_err(|e| {
                        err(
                            p.span().start,
                            format!("invalid path glob ({})", glob_kind(&e)),
                        )
                    })?
                    .compile_matcher(),
            ),
        };
        let mut recipients = Vec::new();
        let lists: [(&[Spanned<String>], MakeSpec); 3] = [
            (&rule.age, RecipientSpec::Age),
            (&rule.ssh, RecipientSpec::Ssh),
            (&rule.aws_kms, RecipientSpec::AwsKms),
        ];
        for (list, make) in lists {
            for item in list {
                let spec = make(item.get_ref().trim().to_owned());
                check_shape(&spec).map_err(|what| err(item.span().start, what))?;
                recipients.push(RuleRecipient {
                    spec,
                    name: None,
                    line: super::position(text, item.span().start).0,
                });
            }
        }
        for item in &rule.recipients {
            let named = item.get_ref();
            let at = item.span().start;
            let spec = match (&named.age, &named.ssh, &named.aws_kms) {
                (Some(t), None, None) => RecipientSpec::Age(t.trim().to_owned()),
                (None, Some(t), None) => RecipientSpec::Ssh(t.trim().to_owned()),
                (None, None, Some(t)) => RecipientSpec::AwsKms(t.trim().to_owned()),
                _ => {
                    return Err(err(
                        at,
                        "a recipients entry needs exactly one of age, ssh, aws_kms (and an \
                         optional name)"
                            .to_owned(),
                    ))
                }
            };
            check_shape(&spec).map_err(|what| err(at, what))?;
            let name = match &named.name {
                Some(n) if name_ok(n.get_ref()) => Some(n.get_ref().clone()),
                Some(n) => {
                    return Err(err(
                        n.span().start,
                        "invalid recipient name, expected 1 to 64 of A-Z a-z 0-9 . _ @ -"
                            .to_owned(),
                    ))
                }
                None => None,
            };
            recipients.push(RuleRecipient {
                spec,
                name,
                line: super::position(text, at).0,
            });
        }
        let master = rule.master.unwrap_or(recipients.is_empty());
        if !master && recipients.is_empty() {
            return Err(err(
                start,
                "this creation rule gives no way to open a file: list recipients (age, ssh, \
                 aws_kms) or set master = true"
                    .to_owned(),
            ));
        }
        let require_secret_slot = rule.require_secret_slot.as_ref();
        if let Some(req) = require_secret_slot.filter(|r| *r.get_ref()) {
            let has_kms = recipients
                .iter()
                .any(|r| matches!(r.spec, RecipientSpec::AwsKms(_)));
            if !master && !has_kms {
                return Err(err(
                    req.span().start,
                    "require_secret_slot needs master = true or an aws_kms key in the same rule \
                     (age and ssh slots need no secret to write)"
                        .to_owned(),
                ));
            }
        }
        out.push(CreationRule {
            path: rule.path.as_ref().map(|p| p.get_ref().clone()),
            matcher,
            recipients,
            master,
            require_secret_slot: require_secret_slot.is_some_and(|r| *r.get_ref()),
            number: i + 1,
            line: super::position(text, start).0,
        });
    }
    Ok(out)
}

/// The kind of a glob error, without the pattern.
fn glob_kind(e: &globset::Error) -> &'static str {
    use globset::ErrorKind as K;
    match e.kind() {
        K::UnclosedClass => "unclosed character class",
        K::InvalidRange(..) => "invalid character range",
        K::UnopenedAlternates => "unopened alternate group",
        K::UnclosedAlternates => "unclosed alternate group",
        K::NestedAlternates => "nested alternate groups",
        K::DanglingEscape => "dangling escape",
        K::InvalidRecursive => "** must be a whole path component",
        _ => "invalid glob",
    }
}

fn name_ok(n: &str) -> bool {
    (1..=64).contains(&n.len())
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b))
}

const BECH32: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// A light check of a recipient's shape; the message never quotes the text.
fn check_shape(spec: &RecipientSpec) -> Result<(), String> {
    let text = spec.text();
    if looks_private(text) {
        return Err(format!(
            "this {} entry is a PRIVATE key: remove it from config.toml (and rotate it if \
             config.toml was committed); put the public form here ({})",
            spec.slot_kind(),
            match spec {
                RecipientSpec::Age(_) => "age1..., from `age-keygen -y`",
                RecipientSpec::Ssh(_) => "the .pub file or its ssh-ed25519 line",
                RecipientSpec::AwsKms(_) => "a key ARN",
            }
        ));
    }
    match spec {
        RecipientSpec::Age(t) => {
            let ok = t.len() == 62
                && t.strip_prefix("age1")
                    .is_some_and(|rest| rest.chars().all(|c| BECH32.contains(c)));
            if !ok {
                return Err(
                    "invalid age recipient, expected age1 followed by 58 lowercase Bech32 \
                     characters (the output of `age-keygen -y`)"
                        .to_owned(),
                );
            }
        }
        RecipientSpec::Ssh(t) => {
            if t.ends_with(".pub") {
                if Path::new(t).is_absolute() || t.contains(char::is_whitespace) {
                    return Err(
                        "invalid ssh public key path, expected a .pub file relative to the \
                         project root (committed with the project)"
                            .to_owned(),
                    );
                }
            } else if !ssh_line_ok(t) {
                return Err(
                    "invalid ssh recipient, expected an OpenSSH public key line \
                     (ssh-ed25519 AAAA... or ssh-rsa AAAA...) or a .pub file path"
                        .to_owned(),
                );
            }
        }
        RecipientSpec::AwsKms(t) => {
            if !arn_ok(t) {
                return Err("invalid aws_kms key, expected a key ARN \
                     (arn:aws:kms:REGION:ACCOUNT:key/ID) or an alias ARN \
                     (arn:aws:kms:REGION:ACCOUNT:alias/NAME)"
                    .to_owned());
            }
        }
    }
    Ok(())
}

fn looks_private(t: &str) -> bool {
    t.to_ascii_uppercase().starts_with("AGE-SECRET-KEY-") || t.contains("PRIVATE KEY")
}

/// `ssh-ed25519 <base64 blob naming the same type> [comment]` (or `ssh-rsa`).
fn ssh_line_ok(t: &str) -> bool {
    use base64::Engine;
    let mut parts = t.split_whitespace();
    let (Some(kind), Some(blob)) = (parts.next(), parts.next()) else {
        return false;
    };
    if !matches!(kind, "ssh-ed25519" | "ssh-rsa") {
        return false;
    }
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(blob) else {
        return false;
    };
    let mut expected = (kind.len() as u32).to_be_bytes().to_vec();
    expected.extend_from_slice(kind.as_bytes());
    bytes.starts_with(&expected) && bytes.len() > expected.len()
}

/// `arn:<partition>:kms:<region>:<12-digit account>:key/<id>` or `...:alias/<name>`.
fn arn_ok(t: &str) -> bool {
    let f: Vec<&str> = t.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = f.as_slice() else {
        return false;
    };
    let word = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    let resource_ok = |r: &str, extra: &[u8]| {
        !r.is_empty()
            && r.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || extra.contains(&b))
    };
    *arn == "arn"
        && partition.starts_with("aws")
        && word(partition)
        && *service == "kms"
        && word(region)
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && (resource
            .strip_prefix("key/")
            .is_some_and(|r| resource_ok(r, b""))
            || resource
                .strip_prefix("alias/")
                .is_some_and(|r| resource_ok(r, b"/_")))
}

#[cfg(test)]
mod tests;
