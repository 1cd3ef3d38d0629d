//! The `envseal` binary: parse, run, print the error once, exit with its code.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    envseal::main_entry()
}
