//! Stand-in for `envseal mask --secrets FILE` until the CLI is wired: masks stdin to stdout
//! with the secrets listed one per line in FILE. Used by `scripts/bench-mask.sh`.
use std::io::{self, IsTerminal};
use std::os::fd::AsFd;
use std::process::ExitCode;

use envseal::mask::{filter, Options, Secret, SecretSet};

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: mask_filter SECRETS_FILE < input > output");
        return ExitCode::from(2);
    };
    let list = match std::fs::read(&path) {
        Ok(list) => list,
        Err(e) => {
            eprintln!("cannot read the secrets file: {e}");
            return ExitCode::from(2);
        }
    };
    let secrets = list
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, v)| Secret::new(format!("LINE_{}", i + 1), v));
    let set = SecretSet::new(secrets, &Options::default());
    // Write to the raw descriptor: std's Stdout is line-buffered.
    let out = match io::stdout().as_fd().try_clone_to_owned() {
        Ok(fd) => std::fs::File::from(fd),
        Err(e) => {
            eprintln!("cannot use stdout: {e}");
            return ExitCode::from(2);
        }
    };
    let interactive = io::stdout().is_terminal();
    match filter(&set, io::stdin().lock(), out, interactive) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mask_filter: {e}");
            ExitCode::from(2)
        }
    }
}
