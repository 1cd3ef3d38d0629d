//! The one integration-test binary: every test runs the real `envseal` binary (or, for
//! exhaustive sweeps, the library) in a throw-away directory with its own keyring, no
//! `SECRETS_MASTER_KEY*` from the outer environment and no terminal on stdin.
//!
//! Shared data lives outside the crate: `../shared/corpus/dotenv/` and
//! `../shared/vectors/fernet/`. When it is missing the tests that need it say so and
//! skip, except under `CI=true`, where they fail.

mod age_keys;
mod common;
mod conventions;
mod corpus;
mod dialects;
mod edit;
mod encrypt_large;
mod errors;
mod export;
mod fernet_vectors;
mod files;
mod flow;
mod golden;
mod hardening;
mod hook;
mod hook_install;
mod hook_staged;
mod hook_stream;
mod identities_cli;
mod interop;
mod key_hygiene;
mod key_slots;
mod keys;
mod kms;
mod large;
mod ledger_location;
mod mask_check;
mod mask_filter;
mod mask_view;
mod moto;
mod one_open;
mod prompts;
mod recipient_events;
mod recipients;
mod reencrypt_stream;
mod repo_boundaries;
mod review;
mod rotation;
mod run;
mod secret_values;
mod set_get;
mod tamper;
mod team;
mod team_keys;
mod team_leaks;
mod team_write;
mod textconv;
mod typed_errors;
mod updatekeys;
mod updatekeys_crash;
