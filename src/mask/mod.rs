//! Masking: which keys are sensitive, masked views of values, and the streaming secret filter.
//!
//! - [`rules`]: which dotenv key names are sensitive; where a password sits in a URL.
//! - [`view`]: how one sensitive value is shown (`my-s...2345`, `****`).
//! - [`matcher`]: a set of secret values and where they occur in bytes.
//! - [`stream`]: `Read` → `Write` filtering with a [`SecretSet`] in constant memory.
//! - [`scan`]: the leak check over a `Read` (line and secret of each hit) in constant memory.
//!
//! This module depends on nothing else in the crate, never prints, and never puts a secret
//! value into a `Debug`/`Display` output or a panic message.

pub mod matcher;
pub mod rules;
pub mod scan;
pub mod stream;
pub mod view;

#[cfg(test)]
mod tests;

pub use matcher::{
    Engine, Match, Options, Replacement, Secret, SecretSet, SecretsBuilder, DEFAULT_MIN_LEN,
};
pub use rules::{url_password, Rules, ALLOW_MARKER};
pub use stream::filter;
pub use view::{mask_url_password, mask_value};
