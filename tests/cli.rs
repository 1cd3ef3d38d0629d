//! The one integration-test binary: every test runs the real `envseal` binary (or, for
//! exhaustive sweeps, the library) in a throw-away directory with its own keyring, no
//! `SECRETS_MASTER_KEY*` from the outer environment and no terminal on stdin.
//!
//! Shared data lives outside the crate: `../shared/corpus/dotenv/` and
//! `../shared/vectors/fernet/`. When it is missing the tests that need it say so and
//! skip, except under `CI=true`, where they fail.

#[path = "cli/common.rs"]
mod common;
#[path = "cli/conventions.rs"]
mod conventions;
#[path = "cli/corpus.rs"]
mod corpus;
#[path = "cli/dialects.rs"]
mod dialects;
#[path = "cli/edit.rs"]
mod edit;
#[path = "cli/encrypt_large.rs"]
mod encrypt_large;
#[path = "cli/errors.rs"]
mod errors;
#[path = "cli/export.rs"]
mod export;
#[path = "cli/fernet_vectors.rs"]
mod fernet_vectors;
#[path = "cli/files.rs"]
mod files;
#[path = "cli/flow.rs"]
mod flow;
#[path = "cli/golden.rs"]
mod golden;
#[path = "cli/hardening.rs"]
mod hardening;
#[path = "cli/hook.rs"]
mod hook;
#[path = "cli/hook_install.rs"]
mod hook_install;
#[path = "cli/hook_staged.rs"]
mod hook_staged;
#[path = "cli/hook_stream.rs"]
mod hook_stream;
#[path = "cli/interop.rs"]
mod interop;
#[path = "cli/key_hygiene.rs"]
mod key_hygiene;
#[path = "cli/keys.rs"]
mod keys;
#[path = "cli/large.rs"]
mod large;
#[path = "cli/ledger_location.rs"]
mod ledger_location;
#[path = "cli/mask_check.rs"]
mod mask_check;
#[path = "cli/mask_filter.rs"]
mod mask_filter;
#[path = "cli/mask_view.rs"]
mod mask_view;
#[path = "cli/prompts.rs"]
mod prompts;
#[path = "cli/repo_boundaries.rs"]
mod repo_boundaries;
#[path = "cli/review.rs"]
mod review;
#[path = "cli/rotation.rs"]
mod rotation;
#[path = "cli/run.rs"]
mod run;
#[path = "cli/set_get.rs"]
mod set_get;
#[path = "cli/tamper.rs"]
mod tamper;
#[path = "cli/team.rs"]
mod team;
#[path = "cli/team_keys.rs"]
mod team_keys;
#[path = "cli/team_leaks.rs"]
mod team_leaks;
#[path = "cli/textconv.rs"]
mod textconv;
