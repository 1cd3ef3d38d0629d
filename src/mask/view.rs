//! How a sensitive value is shown to a person: `my-s...2345`, or fully hidden when short.
//!
//! Owns the display rules only; which keys are sensitive is [`super::rules`]. Everything
//! counts `char`s, never bytes, so a multi-byte value is never cut inside a character.
//!
//! | length in chars        | shown as                      | reveals            |
//! |------------------------|-------------------------------|--------------------|
//! | 0                      | empty                         | only that it is empty |
//! | 1 ..= 11 ([`HIDDEN_BELOW`]) | `****` (fixed width)     | nothing, not even the length |
//! | 12 ..= 14              | first 2 + `...` + last 1      | 3 chars, ≤ a quarter |
//! | ≥ 15 ([`LEGACY_FROM`]) | first 4 + `...` + last 4      | the legacy format  |
//!
//! The marker is always `...` and `****` whatever the length, so the view never tells how
//! long a value is beyond its tier. 15 is where the legacy format starts because the legacy
//! tool showed `my-secret-12345` as `my-s...2345`; below it, showing 8 chars would reveal
//! more than a quarter of the value.

use super::rules::url_password;

/// Values with fewer chars than this are shown as [`HIDDEN`].
pub const HIDDEN_BELOW: usize = 12;
/// Values with at least this many chars are shown in the legacy `abcd...wxyz` format.
pub const LEGACY_FROM: usize = 15;
/// What a fully hidden value looks like.
pub const HIDDEN: &str = "****";
const ELLIPSIS: &str = "...";

/// The masked view of a sensitive value (see the module doc for the tiers).
pub fn mask_value(v: &str) -> String {
    let n = v.chars().count();
    let (head, tail) = match n {
        0 => return String::new(),
        n if n < HIDDEN_BELOW => return HIDDEN.to_owned(),
        // n / 4 chars in all, at least one at each end.
        n if n < LEGACY_FROM => {
            let shown = n / 4;
            (shown - shown / 2, shown / 2)
        }
        _ => (4, 4),
    };
    let mut out = String::with_capacity(4 * (head + tail) + ELLIPSIS.len());
    out.extend(v.chars().take(head));
    out.push_str(ELLIPSIS);
    out.extend(v.chars().skip(n - tail));
    out
}

/// `v` with the password of every `scheme://user:pass@host` URL in it replaced by `****`;
/// the rest of the value (user, host, path) is left readable.
pub fn mask_url_password(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while let Some(r) = url_password(rest) {
        out.push_str(&rest[..r.start]);
        out.push_str(HIDDEN);
        rest = &rest[r.end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn legacy_format() {
        assert_eq!(mask_value("my-secret-12345"), "my-s...2345");
        assert_eq!(
            mask_value("sk_live_0123456789abcdefghijklmnop"),
            "sk_l...mnop"
        );
    }

    #[test]
    fn tiers() {
        assert_eq!(mask_value(""), "");
        assert_eq!(mask_value("a"), "****");
        assert_eq!(mask_value("hunter2"), "****");
        assert_eq!(mask_value("abcdefghijk"), "****");
        assert_eq!(mask_value("abcdefghijkl"), "ab...l");
        assert_eq!(mask_value("abcdefghijklmn"), "ab...n");
        assert_eq!(mask_value("abcdefghijklmno"), "abcd...lmno");
    }

    #[test]
    fn counts_chars_not_bytes() {
        // 11 chars, 22+ bytes: still fully hidden.
        assert_eq!(mask_value("ééééééééééé"), "****");
        assert_eq!(mask_value("пароль-секретный"), "паро...тный");
        assert_eq!(mask_value("🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑"), "🔑🔑...🔑");
    }

    #[test]
    fn url_passwords_are_replaced() {
        assert_eq!(
            mask_url_password("postgres://app:s3cr3t@db:5432/app"),
            "postgres://app:****@db:5432/app"
        );
        assert_eq!(
            mask_url_password("a=redis://:x@h,b=redis://:y@h2 done"),
            "a=redis://:****@h,b=redis://:****@h2 done"
        );
        assert_eq!(mask_url_password("https://h/p"), "https://h/p");
        assert_eq!(mask_url_password(""), "");
    }

    proptest! {
        #[test]
        fn never_reveals_more_than_allowed(v in "\\PC{0,40}") {
            let n = v.chars().count();
            let shown = mask_value(&v);
            let revealed = shown.chars().count().saturating_sub(3);
            if n < HIDDEN_BELOW {
                prop_assert!(shown.is_empty() || shown == HIDDEN);
            } else if n < LEGACY_FROM {
                prop_assert!(revealed * 4 <= n, "revealed {} of {}", revealed, n);
            } else {
                prop_assert_eq!(revealed, 8);
            }
        }
    }
}
