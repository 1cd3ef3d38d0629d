//! Which dotenv key names are sensitive, and where a credential hides inside a URL value.
//!
//! Owns the name rules only: it never sees a value except to locate a URL password, and it
//! never decides how a value is shown (that is [`super::view`]).
//!
//! A key is sensitive when it is in the legacy list, matches a built-in name rule, or is
//! added by the project's `[mask]` table; `not_sensitive` in that table wins over all of
//! them, so a project can opt a key like `PWD` (the shell's working directory) back out.
//! Key names are compared ASCII-case-insensitively everywhere: `db_password` and
//! `DB_PASSWORD` are the same key to a human reader, and over-masking is the safe mistake.

use std::ops::Range;

use serde::Deserialize;

/// The exact key names the legacy tool masked. Every one of them is also caught by a name
/// rule today; the list stays so that tightening a rule can never unmask one of them.
pub const LEGACY_NAMES: &[&str] = &[
    "DJANGO_SECRET_KEY",
    "DB_SUPERUSER_PASSWORD",
    "APP_DB_PASSWORD",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_ACCOUNT_SID",
    "GOLDAPI_KEY",
    "METALS_API_KEY",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "BACKUP_ENCRYPTION_KEY",
    "SECRETS_MASTER_KEY",
    "GRAFANA_ADMIN_PASSWORD",
    "AWS_SECRET_ACCESS_KEY",
    "CLOUDFLARE_R2_SECRET_KEY",
    "BACKBLAZE_B2_APPLICATION_KEY",
];

/// Substrings that make a key sensitive wherever they appear in its name (case-insensitive).
pub const SENSITIVE_SUBSTRINGS: &[&str] = &[
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PWD",
    "TOKEN",
    "PRIVATE",
    "CREDENTIAL",
];

/// Which key names are sensitive. `Rules::default()` is the built-in policy; a project's
/// `[mask]` table deserializes into this struct to extend or trim it.
///
/// ```toml
/// [mask]
/// extra_names = ["SENTRY_DSN"]        # exact key names
/// extra_patterns = ["DSN", "SALT"]    # substrings of key names
/// not_sensitive = ["PWD", "PUBLIC_KEY"]
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// Extra exact key names to treat as sensitive.
    pub extra_names: Vec<String>,
    /// Extra substrings: a key containing one of them is sensitive.
    pub extra_patterns: Vec<String>,
    /// Exact key names that are never sensitive, whatever the other rules say.
    pub not_sensitive: Vec<String>,
    /// Exact key names whose values the leak check never reports (the masked view and
    /// the stream filter still mask them): a value that is deliberately in the code, such
    /// as a publishable key. For one deliberate occurrence, put `envseal:allow` on that
    /// line of source instead ([`ALLOW_MARKER`]).
    pub allow: Vec<String>,
}

/// On a line of source, this text tells the leak check that a secret value on that line
/// is there on purpose (as `gitleaks:allow` does for gitleaks).
pub const ALLOW_MARKER: &str = "envseal:allow";

impl Rules {
    /// Whether the leak check must never report the value of `key` (`allow`).
    pub fn is_allowed(&self, key: &str) -> bool {
        self.allow.iter().any(|n| n.eq_ignore_ascii_case(key))
    }

    /// Whether the value of `key` must be masked when shown.
    pub fn is_sensitive(&self, key: &str) -> bool {
        if self
            .not_sensitive
            .iter()
            .any(|n| n.eq_ignore_ascii_case(key))
        {
            return false;
        }
        if LEGACY_NAMES.iter().any(|n| n.eq_ignore_ascii_case(key))
            || self.extra_names.iter().any(|n| n.eq_ignore_ascii_case(key))
        {
            return true;
        }
        let upper = key.to_ascii_uppercase();
        if SENSITIVE_SUBSTRINGS.iter().any(|p| upper.contains(p))
            || self
                .extra_patterns
                .iter()
                .filter(|p| !p.is_empty())
                .any(|p| upper.contains(&p.to_ascii_uppercase()))
        {
            return true;
        }
        upper == "KEY" || upper.ends_with("_KEY") || upper.ends_with("_SID")
    }
}

/// The byte range of the password in a URL-like value `scheme://user:pass@host/...`, if it
/// has a non-empty one. Applies to any key: a credential in a URL is always masked.
///
/// The first `scheme://` in the value is used. The userinfo normally ends at the last `@`
/// before the first `/` or `?`; when there is none there, the last `@` before the next
/// whitespace or `?` is tried instead, because generated passwords (base64) often contain a
/// raw `/` and a leaked password is worse than a masked host name. A `#` does not end the
/// authority here (it would start a fragment in a strict URL): a password with a raw `#`
/// (`redis://:p$w#rd@cache:6379/0`) is common in `.env` files and must not be shown.
pub fn url_password(value: &str) -> Option<Range<usize>> {
    let bytes = value.as_bytes();
    let sep = find_scheme_separator(bytes)?;
    let auth_start = sep + 3;
    let rest = &bytes[auth_start..];
    let token_end = rest
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let token = &rest[..token_end];
    let authority_end = token
        .iter()
        .position(|b| matches!(b, b'/' | b'?'))
        .unwrap_or(token.len());
    let query_start = token.iter().position(|&b| b == b'?').unwrap_or(token.len());
    let at = token[..authority_end]
        .iter()
        .rposition(|&b| b == b'@')
        .or_else(|| token[..query_start].iter().rposition(|&b| b == b'@'))?;
    let colon = token[..at].iter().position(|&b| b == b':')?;
    let range = auth_start + colon + 1..auth_start + at;
    (!range.is_empty()).then_some(range)
}

/// Offset of the first `://` preceded by a valid scheme (`ALPHA *( ALPHA / DIGIT / + - . )`).
fn find_scheme_separator(bytes: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&bytes[from..], b"://") {
        let sep = from + i;
        let scheme_start = bytes[..sep]
            .iter()
            .rposition(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
            .map_or(0, |p| p + 1);
        let scheme = &bytes[scheme_start..sep];
        if scheme.first().is_some_and(u8::is_ascii_alphabetic) {
            return Some(sep);
        }
        from = sep + 3;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_names_are_sensitive() {
        let rules = Rules::default();
        for name in LEGACY_NAMES {
            assert!(rules.is_sensitive(name), "{name}");
        }
    }

    #[test]
    fn name_rules() {
        let r = Rules::default();
        for key in [
            "MY_SECRET",
            "secret",
            "DB_PASSWORD",
            "db_passwd",
            "MYSQL_PWD",
            "GITHUB_TOKEN",
            "PRIVATE_PEM",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "KEY",
            "key",
            "API_KEY",
            "api_key",
            "TWILIO_SID",
        ] {
            assert!(r.is_sensitive(key), "{key} should be sensitive");
        }
        for key in [
            "DEBUG",
            "KEYBOARD",
            "KEY_ID",
            "MONKEY",
            "SIDEBAR",
            "DATABASE_URL",
            "PORT",
            "",
        ] {
            assert!(!r.is_sensitive(key), "{key} should not be sensitive");
        }
    }

    #[test]
    fn config_extends_and_excludes() {
        let r: Rules = toml::from_str(
            r#"
            extra_names = ["SENTRY_DSN"]
            extra_patterns = ["salt", ""]
            not_sensitive = ["PWD", "stripe_secret_key"]
            "#,
        )
        .expect("valid [mask] table");
        assert!(r.is_sensitive("SENTRY_DSN"));
        assert!(r.is_sensitive("sentry_dsn"));
        assert!(r.is_sensitive("HASH_SALT_V2"));
        assert!(!r.is_sensitive("PWD"));
        assert!(r.is_sensitive("OLDPWD"));
        assert!(!r.is_sensitive("STRIPE_SECRET_KEY"));
        assert!(
            !r.is_sensitive("PORT"),
            "an empty pattern must not match everything"
        );
    }

    #[test]
    fn config_rejects_unknown_fields() {
        assert!(toml::from_str::<Rules>("extra_name = [\"X\"]").is_err());
        assert_eq!(toml::from_str::<Rules>("").ok(), Some(Rules::default()));
    }

    fn pw(v: &str) -> Option<&str> {
        url_password(v).map(|r| &v[r])
    }

    #[test]
    fn url_passwords() {
        assert_eq!(pw("postgres://app:s3cr3t@db:5432/app"), Some("s3cr3t"));
        assert_eq!(pw("redis://:hunter2@cache:6379/0"), Some("hunter2"));
        assert_eq!(pw("https://u:p@ss@host/x"), Some("p@ss"));
        assert_eq!(pw("postgres://app:Ab3/xY+z@db/app"), Some("Ab3/xY+z"));
        assert_eq!(pw("amqp://guest:guest@rabbit"), Some("guest"));
        assert_eq!(pw("url=mysql://root:pw@h and more"), Some("pw"));
        assert_eq!(pw("s3+https://k:v@h"), Some("v"));
        assert_eq!(pw("https://example.com/path"), None);
        assert_eq!(pw("https://user@example.com"), None);
        assert_eq!(pw("https://user:@example.com"), None);
        assert_eq!(pw("https://host/@someone"), None);
        assert_eq!(pw("https://host?u=a:b@c"), None);
        assert_eq!(pw("not a url"), None);
        assert_eq!(pw("://u:p@h"), None);
        assert_eq!(pw("1x://u:p@h"), None);
        assert_eq!(pw(""), None);
        assert_eq!(pw("https://u:pässwörd@h"), Some("pässwörd"));
        // Issue 10 §4: a raw `#` inside the password.
        assert_eq!(pw("redis://:p$w#rd@cache:6379/0"), Some("p$w#rd"));
        assert_eq!(pw("postgres://u:a#b/c@db/app"), Some("a#b/c"));
        assert_eq!(pw("https://host/page#frag"), None);
    }
}
