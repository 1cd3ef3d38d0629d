//! The rotation runbook (`envseal rotate`, `envseal status`), end to end: the real binary
//! on real files, real SQLite ledgers and real git repositories, stdin never a terminal.

mod support;

mod concurrency;
mod crash;
mod data_keys;
mod full_disk;
mod guard;
mod runbook;
mod secrets;
// Mixed-slot rotation needs a KMS slot (moto): only in builds with the aws-kms feature.
#[cfg(feature = "aws-kms")]
mod slots;
mod status;
