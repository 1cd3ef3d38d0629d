//! Errors typed once, at the boundary, with the exit code their type says: a ledger held
//! by another process exits "busy" (9), not as an I/O error; `--key-id` is parsed by clap
//! into a key id, and what is not one is a usage error that is never echoed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use envseal::exit::Code;

use crate::common::{test_key, Sandbox};

/// Holds an exclusive lock on the SQLite file at argv[1] (the way another envseal, or
/// `sqlite3` with a transaction open, would) until its stdin closes.
const HOLD_LOCK: &str = r#"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA locking_mode=EXCLUSIVE")
c.execute("BEGIN EXCLUSIVE")
c.execute("SELECT count(*) FROM events").fetchone()
print("locked", flush=True)
sys.stdin.read()
c.execute("ROLLBACK")
"#;

#[test]
fn a_busy_ledger_exits_9_and_says_to_retry() {
    let sb = Sandbox::new();
    let ledger = [("ENVSEAL_LEDGER", "ledger.db")];
    sb.run(&["generate-key", "-q"]).ok();
    sb.write(".env", "API_TOKEN=tok-0123456789abcdef\n");
    sb.run_env(&["encrypt", "-q"], &ledger).ok();
    assert!(sb.path("ledger.db").exists(), "encrypt creates the ledger");

    let mut holder = Command::new("python3")
        .args(["-c", HOLD_LOCK])
        .arg(sb.path("ledger.db"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    BufReader::new(holder.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    assert_eq!(line.trim(), "locked", "the holder took the lock");

    let run = sb.run_env(&["status"], &ledger);
    // Release the lock before any assertion can fail and leave the holder behind.
    drop(holder.stdin.take());
    holder.wait().expect("holder exits");
    run.code(i32::from(Code::Busy.as_u8()));
    assert!(run.stderr.contains("ledger.db"), "{}", run.stderr);
    assert!(run.stderr.contains("retry"), "{}", run.stderr);

    // The lock was the only problem: once released, status reads the ledger again.
    let after = sb.run_env(&["status"], &ledger);
    assert_ne!(
        after.code,
        i32::from(Code::Busy.as_u8()),
        "{}",
        after.stderr
    );
    assert_ne!(after.code, i32::from(Code::Io.as_u8()), "{}", after.stderr);
}

/// clap's own message for a value that does not parse quotes the value; `--key-id` is
/// where a key pasted by mistake would land, so its parser says what an id looks like
/// and never repeats the text.
#[test]
fn a_key_pasted_as_key_id_is_a_usage_error_and_not_echoed() {
    let sb = Sandbox::new();
    let key = test_key(91);
    let text = key.expose_text();
    for cmd in [
        &["decrypt", "--stdout", "--key-id", text.as_str()][..],
        &["encrypt", "-o", "x.encrypted", "--key-id", text.as_str()][..],
        &["status", "--key-id", text.as_str()][..],
    ] {
        let run = sb.run(cmd);
        run.code(i32::from(Code::Usage.as_u8()));
        assert!(
            !run.stderr.contains(text.as_str()),
            "echoed: {}",
            run.stderr
        );
        assert!(run.stderr.contains("--key-id"), "{}", run.stderr);
        assert!(run.stderr.contains("sha256:"), "{}", run.stderr);
    }
    // A real id passes the parser (and the command goes on to look for its file).
    let id = key.id();
    let run = sb.run(&["decrypt", "--stdout", "--key-id", id.as_str()]);
    assert_ne!(run.code, i32::from(Code::Usage.as_u8()), "{}", run.stderr);
    assert!(run.stderr.contains(".env.encrypted"), "{}", run.stderr);
}
