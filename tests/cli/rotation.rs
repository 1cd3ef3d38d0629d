//! The rotation runbook (`envseal rotate`, `envseal status`), end to end: the real binary
//! on real files, real SQLite ledgers and real git repositories, stdin never a terminal.

#[path = "rotation/support.rs"]
mod support;

#[path = "rotation/concurrency.rs"]
mod concurrency;
#[path = "rotation/crash.rs"]
mod crash;
#[path = "rotation/full_disk.rs"]
mod full_disk;
#[path = "rotation/guard.rs"]
mod guard;
#[path = "rotation/runbook.rs"]
mod runbook;
#[path = "rotation/secrets.rs"]
mod secrets;
#[path = "rotation/status.rs"]
mod status;
