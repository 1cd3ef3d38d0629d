//! The rotation runbook (`envseal rotate`, `envseal status`), end to end: the real binary
//! on real files, real SQLite ledgers and real git repositories, stdin never a terminal.

mod support;

mod concurrency;
mod crash;
mod full_disk;
mod guard;
mod runbook;
mod secrets;
mod slots;
mod status;
