//! The one integration-test binary: the real `envseal` binary against real files.

#[path = "cli/rotation.rs"]
mod rotation;
