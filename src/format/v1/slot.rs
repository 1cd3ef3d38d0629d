//! The key-slot joint: how a v1 file's data key is wrapped for, and unwrapped by, a key.
//!
//! A v1 header holds one or more slot lines (`#envseal:key ...`), each the same data key
//! wrapped for one key, the way an age file holds one stanza per recipient and a sops file
//! one entry per master key. A [`Recipient`] is the public side (it can wrap the data key
//! into a slot); an [`Identity`] the private side (it can unwrap a slot it is named by).
//! A slot is chosen by its key id (`kid=`), never by trying every identity on every slot.
//!
//! Slot line grammar (see `docs/FORMAT.md`): fields separated by one space, `type=` first,
//! then `kid=`, `created=`, any kind-specific fields, and `wrap=` last:
//!
//! ```text
//! #envseal:key type=<kind> kid=<id> created=<RFC 3339 UTC, seconds, Z> [<field>=<value> ...] wrap=<b64url, no padding>
//! ```
//!
//! Field names are `[a-z0-9-]+`; values are non-empty and use only
//! [`value_char`] characters (no white space, no `=`): a slot line is one token per
//! field, readable by a shell script. The kinds envseal knows are listed below; a slot of
//! another kind is kept as it is (its line is part of the MAC) and named in messages.

use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};

use super::{DataKey, Random};

pub mod age;
#[cfg(feature = "aws-kms")]
pub mod kms;
pub mod master;

/// The symmetric master key (`SECRETS_MASTER_KEY`, the keyring): `kid=sha256:<16 hex>`.
pub const MASTER: &str = "master";
/// An age X25519 recipient (`age1...`).
pub const AGE: &str = "age";
/// An OpenSSH `ssh-ed25519` or `ssh-rsa` public key (through age's SSH recipients).
pub const SSH: &str = "ssh";
/// An AWS KMS key (key ARN or alias ARN).
pub const AWS_KMS: &str = "aws-kms";

const PREFIX: &str = "#envseal:key ";
const B64: base64::engine::general_purpose::GeneralPurpose =
    base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// May `c` appear in a slot field's value?
pub fn value_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+/:._@-,".contains(c)
}

fn name_ok(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn value_ok(value: &str) -> bool {
    !value.is_empty() && value.chars().all(value_char)
}

/// One `#envseal:key` line, parsed. Public: everything here is in the committed file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotLine {
    /// `type=`: [`MASTER`], [`AGE`], [`SSH`], [`AWS_KMS`] or a kind this build does not know.
    pub kind: String,
    /// `kid=`: the key id that chooses the identity for this slot.
    pub kid: String,
    /// `created=`: when this slot was written (first encryption, the rotation or the
    /// `recipients add` that wrote it).
    pub created: DateTime<Utc>,
    /// The fields between `created=` and `wrap=`, in order (`name=`, `recipient=`, ...).
    pub extra: Vec<(String, String)>,
    /// `wrap=`, decoded: the wrapped data key, in the kind's own encoding.
    pub wrap: Vec<u8>,
}

/// RFC 3339 UTC to the second with a `Z`, as every slot writes its time.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl SlotLine {
    /// The value of an extra field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.extra
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `created=` text exactly as written.
    pub fn created_text(&self) -> String {
        timestamp(self.created)
    }

    /// The line, with its `\n`. The one writer of slot lines.
    ///
    /// Panics if a field breaks the grammar: implementations build slots from values they
    /// validated (a recipient's public form, a `--name` checked by the command).
    pub fn render(&self) -> String {
        assert!(
            name_ok(&self.kind) && value_ok(&self.kid),
            "slot type or kid"
        );
        for (n, v) in &self.extra {
            assert!(
                name_ok(n)
                    && value_ok(v)
                    && !matches!(n.as_str(), "type" | "kid" | "created" | "wrap"),
                "slot field {n}"
            );
        }
        let mut line = format!(
            "{PREFIX}type={} kid={} created={}",
            self.kind,
            self.kid,
            self.created_text()
        );
        for (n, v) in &self.extra {
            line.push(' ');
            line.push_str(n);
            line.push('=');
            line.push_str(v);
        }
        line.push_str(" wrap=");
        line.push_str(&B64.encode(&self.wrap));
        line.push('\n');
        line
    }

    /// Parse one slot line (with its `\n`). `None` if it breaks the grammar; the line must
    /// also render back to exactly itself, so a parsed slot is written out unchanged.
    pub fn parse(line: &str) -> Option<SlotLine> {
        let rest = line.strip_prefix(PREFIX)?.strip_suffix('\n')?;
        let mut fields = rest.split(' ');
        let kind = fields.next()?.strip_prefix("type=")?;
        let kid = fields.next()?.strip_prefix("kid=")?;
        let created_text = fields.next()?.strip_prefix("created=")?;
        let created = DateTime::parse_from_rfc3339(created_text)
            .ok()?
            .with_timezone(&Utc);
        let mut extra = Vec::new();
        let mut wrap = None;
        for field in fields {
            if wrap.is_some() {
                return None; // `wrap=` is last
            }
            let (n, v) = field.split_once('=')?;
            if n == "wrap" {
                wrap = Some(B64.decode(v).ok()?);
            } else {
                extra.push((n.to_owned(), v.to_owned()));
            }
        }
        let slot = SlotLine {
            kind: kind.to_owned(),
            kid: kid.to_owned(),
            created,
            extra,
            wrap: wrap?,
        };
        let well_formed = name_ok(&slot.kind)
            && value_ok(&slot.kid)
            && slot.extra.iter().all(|(n, v)| {
                name_ok(n) && value_ok(v) && !matches!(n.as_str(), "type" | "kid" | "created")
            });
        (well_formed && slot.render() == line).then_some(slot)
    }

    /// Which field of a line [`SlotLine::parse`] refused breaks the grammar, for the
    /// message (`type=`, `kid=`, `created=`, `wrap=`, or the other fields).
    pub fn malformed_field(line: &str) -> &'static str {
        let rest = line
            .strip_prefix(PREFIX)
            .unwrap_or(line)
            .trim_end_matches('\n');
        let mut fields = rest.split(' ');
        let kind = fields.next().and_then(|f| f.strip_prefix("type="));
        if !kind.is_some_and(name_ok) {
            return "type=";
        }
        let kid = fields.next().and_then(|f| f.strip_prefix("kid="));
        if !kid.is_some_and(value_ok) {
            return "kid=";
        }
        let created = fields.next().and_then(|f| f.strip_prefix("created="));
        let created_ok = created.is_some_and(|c| {
            DateTime::parse_from_rfc3339(c).is_ok_and(|t| timestamp(t.with_timezone(&Utc)) == c)
        });
        if !created_ok {
            return "created=";
        }
        let last = fields.next_back();
        if last
            .and_then(|f| f.strip_prefix("wrap="))
            .is_none_or(|w| B64.decode(w).is_err())
        {
            return "wrap=";
        }
        "fields"
    }

    /// How messages name this slot: `age slot age1abc… (alice)`.
    pub fn describe(&self) -> String {
        match self.field("name") {
            Some(name) => format!("{} slot {} ({name})", self.kind, self.kid),
            None => format!("{} slot {}", self.kind, self.kid),
        }
    }
}

/// Why a slot could not be written or opened. Never carries key material.
#[derive(Debug, thiserror::Error)]
pub enum SlotError {
    /// The identity named by the slot's key id does not open it: the slot was altered or
    /// written for another key with the same id. An integrity failure.
    #[error("{slot} does not open with the identity it names ({why})")]
    Refused { slot: String, why: String },
    /// The key service answered with an error (a refusal, a disabled key, bad
    /// credentials): not a wrong key and not a corrupt file.
    #[error("{slot}: the key service refused: {code}: {message}")]
    Service {
        slot: String,
        code: String,
        message: String,
    },
    /// The key service could not be reached or this build cannot use the slot's kind.
    #[error("{slot}: {why}")]
    Unavailable { slot: String, why: String },
    /// A recipient's public form or an identity's text is malformed.
    #[error("{0}")]
    Invalid(String),
    /// A failure inside envseal or a library (never "the file was modified").
    #[error("internal error: {0}")]
    Internal(String),
}

/// The public side of a key: wraps a file's data key into a new slot.
pub trait Recipient {
    /// The slot kind this recipient writes ([`MASTER`], [`AGE`], ...).
    fn kind(&self) -> &'static str;
    /// The key id its slot carries; the matching [`Identity::kid`] is the same text.
    fn kid(&self) -> String;
    /// Wrap `dk` into a slot created at `created`. `random` is the OS generator in use, a
    /// fixed sequence in known-answer tests; a kind whose library draws its own randomness
    /// (age, KMS) may ignore it.
    fn wrap(
        &self,
        dk: &DataKey,
        created: DateTime<Utc>,
        random: Random,
    ) -> Result<SlotLine, SlotError>;
}

/// The private side of a key: unwraps the slot whose `kid=` is [`Identity::kid`].
pub trait Identity {
    /// The slot kind this identity opens.
    fn kind(&self) -> &'static str;
    /// The key id of the slots this identity opens.
    fn kid(&self) -> String;
    /// Where it came from, for messages (`--identity ci.txt`, `~/.ssh/id_ed25519`,
    /// `ENVSEAL_AGE_KEY`, `AWS KMS (default credential chain)`). Never key material.
    fn source(&self) -> String;
    /// Unwrap `slot` (whose kind and kid match this identity's).
    fn unwrap(&self, slot: &SlotLine) -> Result<DataKey, SlotError>;
    /// Asked only when no slot names this identity: does it open one of `slots` whose
    /// kind or kid was edited? Then the header was altered (an integrity failure), not
    /// the wrong key. A kind whose wrap does not bind its header fields answers `None`.
    fn altered(&self, slots: &[SlotLine]) -> Option<&'static str> {
        let _ = slots;
        None
    }
    /// The symmetric master key behind this identity, if it is one: a Fernet file names
    /// no key, so each candidate master key is tried on it.
    fn master_key(&self) -> Option<&crate::key::Key> {
        None
    }
}

/// The recipient that re-wraps a new data key for an existing slot, from the slot's
/// public fields alone (`rotate`, removing a slot). `None` for a kind this build cannot
/// re-wrap without its private side: a master slot (symmetric: the key itself is needed)
/// and kinds this build does not know. Implementations of new kinds add their arm here.
pub fn recipient_from_slot(slot: &SlotLine) -> Option<Box<dyn Recipient>> {
    match slot.kind.as_str() {
        AGE | SSH => age::recipient_from_slot(slot),
        // The key ARN is the slot's kid: re-wrapping needs kms:Encrypt on it, no secret.
        AWS_KMS => aws_kms_recipient(&slot.kid).ok(),
        _ => None,
    }
}

/// The [`Recipient`] for an AWS KMS key ARN or alias ARN (`--aws-kms ARN`), on the
/// process's shared KMS session ([`kms::KmsSession::shared`]); in a build without the
/// `aws-kms` feature, `Unavailable` saying so. One call site for both builds.
pub fn aws_kms_recipient(arn: &str) -> Result<Box<dyn Recipient>, SlotError> {
    #[cfg(feature = "aws-kms")]
    {
        Ok(Box::new(kms::KmsKey::new(arn)?))
    }
    #[cfg(not(feature = "aws-kms"))]
    {
        Err(SlotError::Unavailable {
            slot: format!("{AWS_KMS} slot {arn}"),
            why: NO_KMS.to_owned(),
        })
    }
}

/// The [`Identity`] that opens an `aws-kms` slot (credentials from the SDK's default
/// chain); in a build without the `aws-kms` feature, `Unavailable` saying so.
pub fn aws_kms_identity(slot: &SlotLine) -> Result<Box<dyn Identity>, SlotError> {
    #[cfg(feature = "aws-kms")]
    {
        Ok(Box::new(kms::KmsKey::for_slot(slot)?))
    }
    #[cfg(not(feature = "aws-kms"))]
    {
        Err(SlotError::Unavailable {
            slot: slot.describe(),
            why: NO_KMS.to_owned(),
        })
    }
}

#[cfg(not(feature = "aws-kms"))]
const NO_KMS: &str =
    "this envseal was built without AWS KMS support (cargo feature `aws-kms`, on by default)";

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SlotLine {
        SlotLine {
            kind: AGE.to_owned(),
            kid: "age1qqqq".to_owned(),
            created: DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            extra: vec![("name".to_owned(), "alice".to_owned())],
            wrap: vec![1, 2, 3, 250],
        }
    }

    #[test]
    fn a_slot_line_renders_and_parses_back_to_itself() {
        let slot = sample();
        let line = slot.render();
        assert_eq!(
            line,
            "#envseal:key type=age kid=age1qqqq created=2026-01-01T00:00:00Z name=alice wrap=AQID-g\n"
        );
        assert_eq!(SlotLine::parse(&line), Some(slot));
    }

    #[test]
    fn aws_kms_slots_are_opened_or_refused_by_what_the_build_has() {
        let arn = "arn:aws:kms:eu-west-1:111122223333:alias/team";
        let slot = SlotLine {
            kind: AWS_KMS.to_owned(),
            kid: arn.to_owned(),
            ..sample()
        };
        let results = [
            aws_kms_recipient(arn).map(|r| r.kid()),
            aws_kms_identity(&slot).map(|i| i.kid()),
        ];
        for result in results {
            #[cfg(feature = "aws-kms")]
            assert_eq!(result.unwrap(), arn);
            #[cfg(not(feature = "aws-kms"))]
            match result {
                Err(SlotError::Unavailable { slot, why }) => {
                    assert!(
                        slot.contains(arn) && why.contains("without AWS KMS"),
                        "{why}"
                    )
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(
            aws_kms_recipient("alias/team"),
            Err(SlotError::Invalid(_) | SlotError::Unavailable { .. })
        ));
    }

    #[test]
    fn a_line_that_would_not_render_back_is_refused() {
        for bad in [
            "#envseal:key type=age kid=a created=2026-01-01T00:00:00Z wrap=AQID-g",
            "#envseal:key type=age kid=a created=2026-01-01T00:00:00Z wrap=AQID-g \n",
            "#envseal:key type=age kid=a created=2026-01-01T00:00:00+00:00 wrap=AQID-g\n",
            "#envseal:key type=age kid=a created=2026-01-01T00:00:00Z wrap=AQID-g name=x\n",
            "#envseal:key type=age kid=a created=2026-01-01T00:00:00Z  wrap=AQID-g\n",
            "#envseal:key type=Age kid=a created=2026-01-01T00:00:00Z wrap=AQID-g\n",
            "#envseal:key type=age kid=a created=2026-01-01T00:00:00Z kid=b wrap=AQID-g\n",
            "#envseal:key type=age kid=a created=2026-01-01T00:00:00Z wrap=AQID+g\n",
            "#envseal:key type=age kid= created=2026-01-01T00:00:00Z wrap=AQID-g\n",
        ] {
            assert_eq!(SlotLine::parse(bad), None, "{bad:?}");
        }
    }
}
