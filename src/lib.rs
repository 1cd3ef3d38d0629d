//! envseal: make `.env` files safe to commit.
//!
//! Arrows point one way: `main → lib → commands → {dotenv, format, key, ledger, mask, fsutil}`;
//! `format → key`; `ledger → key` (ids only); `dotenv`, `mask` and `fsutil` depend on nothing
//! of ours. Core modules never print and never exit; they return their own error types.
#![forbid(unsafe_code)]

pub mod ledger;
pub mod mask;

/// Entry point used by `main.rs`.
pub fn main_entry() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
