//! [`SecretText`]: text read out of a dotenv file, typed as a secret.

use zeroize::Zeroizing;

/// Secret text (a value, an expanded value): wiped when dropped, `Debug` shows its length
/// only, and the text is read only through [`SecretText::expose_secret`], so `grep -rn
/// expose_ src/` lists every place it leaves this type. No `Display`, no `Deref`: a
/// value cannot reach a message or a log by accident. (`zeroize::Zeroizing<String>`,
/// which it replaces in the value accessors, wipes too and its `Debug` hides the text
/// (zeroize 1.9), but it derefs to `String`: any `&*value` left the type unseen by `grep
/// expose_`.)
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretText(Zeroizing<String>);

impl SecretText {
    pub fn new(text: String) -> SecretText {
        SecretText(Zeroizing::new(text))
    }

    /// The text: a secret leaving its type.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Length in bytes (not secret: `Debug` shows it too).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretText {
    fn from(text: String) -> Self {
        SecretText::new(text)
    }
}

impl From<Zeroizing<String>> for SecretText {
    fn from(text: Zeroizing<String>) -> Self {
        SecretText(text)
    }
}

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretText({} bytes)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::SecretText;

    #[test]
    fn debug_of_secret_text_shows_its_length_never_the_text() {
        let secret = SecretText::new("hunter2-very-secret".to_owned());
        for shown in [format!("{secret:?}"), format!("{secret:#?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("19 bytes"), "{shown}");
        }
    }

    #[test]
    fn a_value_read_from_a_dotenv_file_debugs_as_its_length() {
        let doc = crate::dotenv::parse("TOKEN=\"s3cr3t value\"\n").unwrap();
        let value = doc.lines[0].expose_value().unwrap();
        assert_eq!(value.expose_secret(), "s3cr3t value");
        assert!(!format!("{value:?}").contains("s3cr3t"));
        let (name, value) = doc.expose_pairs().next().unwrap();
        assert_eq!(name, "TOKEN");
        assert!(!format!("{value:?}").contains("s3cr3t"));
    }
}
