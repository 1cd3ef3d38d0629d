//! envseal: make `.env` files safe to commit.
//!
//! Arrows point one way: `main → lib → commands → {dotenv, format, key, ledger, mask, fsutil}`;
//! `format → key`; `ledger → key` (ids only); `dotenv`, `mask` and `fsutil` depend on nothing
//! of ours. Core modules never print and never exit; they return their own error types.
#![forbid(unsafe_code)]

pub mod cli;
pub mod commands;
pub mod config;
pub mod dialect;
pub mod dotenv;
pub mod exit;
pub mod format;
pub mod fsutil;
pub mod git;
pub mod guard;
pub mod identities;
pub mod key;
pub mod ledger;
pub mod mask;
pub mod project;
pub mod rotation;
pub mod sync;

/// Entry point used by `main.rs`: parse, dispatch, print the error once, map it to an
/// exit code. A closed pipe downstream is not an error.
pub fn main_entry() -> std::process::ExitCode {
    use clap::Parser;
    // Before anything holds a secret: no core dumps, and temporary files removed on a
    // signal (see `guard` and `fsutil::signals`).
    guard::no_core_dumps();
    if let Err(e) = fsutil::signals::install() {
        eprintln!("envseal: error: cannot install the signal handlers: {e}");
        return std::process::ExitCode::from(exit::Code::Io.as_u8());
    }
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.kind() == clap::error::ErrorKind::UnknownArgument && key_on_command_line() => {
            // clap would suggest --key-id; a key pasted on the command line wants
            // --key-file (and the value is never echoed: it is visible in `ps` already).
            eprintln!(
                "envseal: error: there is no --key option: a key is never accepted on the command line (argv is visible to other users in `ps`); put it in a file and pass --key-file PATH, or set SECRETS_MASTER_KEY"
            );
            return std::process::ExitCode::from(exit::Code::Usage.as_u8());
        }
        Err(e) => {
            let _ = e.print();
            return std::process::ExitCode::from(if e.use_stderr() {
                exit::Code::Usage.as_u8()
            } else {
                0
            });
        }
    };
    let ui = commands::Ui::new(cli.global.quiet, cli.global.verbose);
    match run(&cli, &ui) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) if exit::is_broken_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("envseal: {} {e:#}", ui.error_label());
            std::process::ExitCode::from(exit::code_for(&e).as_u8())
        }
    }
}

/// Does the command line hold a `--key` / `--key=...` option (not `--key-file`, `--key-id`)?
fn key_on_command_line() -> bool {
    std::env::args_os()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--key" || a.to_string_lossy().starts_with("--key="))
}

/// Run one parsed command line. Only dispatches: each command records its own ledger
/// event (`commands::ledger_note`).
pub fn run(cli: &cli::Cli, ui: &commands::Ui) -> anyhow::Result<()> {
    use cli::Command;
    match &cli.command {
        Command::GenerateKey(a) => commands::generate_key::run(a, ui),
        Command::Encrypt(a) => commands::encrypt::run(a, &cli.global, ui),
        Command::Decrypt(a) => commands::decrypt::run(a, &cli.global, ui),
        Command::Rotate(a) => commands::rotate::run(a, &cli.global, ui),
        Command::Status(a) => commands::status::run(a, &cli.global, ui),
        Command::Mask(a) => commands::mask::run(a, ui),
        Command::Hook(a) => commands::hook::run(a, ui),
        Command::Run(a) => commands::run::run(a, &cli.global, ui),
        Command::Set(a) => commands::set::run_set(a, &cli.global, ui),
        Command::Unset(a) => commands::set::run_unset(a, &cli.global, ui),
        Command::Get(a) => commands::values::run_get(a, ui),
        Command::Export(a) => commands::export::run(a, ui),
        Command::Edit(a) => commands::edit::run(a, &cli.global, ui),
        Command::Sync(a) => commands::sync::run(a, &cli.global, ui).map(drop),
        Command::Merge(a) => commands::merge::run(a, ui),
        Command::Key(a) => commands::keys::run(a, ui),
        Command::Recipients(a) => commands::recipients::run(a, &cli.global, ui),
        Command::Updatekeys(a) => commands::updatekeys::run(a, &cli.global, ui),
        Command::Completions(a) => {
            let mut out = Vec::new();
            clap_complete::generate(a.shell, &mut cli::command(), "envseal", &mut out);
            commands::write_stdout(&out)
        }
    }
}
