//! Command-line conventions: every subcommand's --help has examples, NO_COLOR means no
//! escape sequences even on a terminal, data on stdout and messages on stderr, -q quiet.

use std::time::Duration;

use crate::common::{exit_code, Code};
use crate::common::{test_key, Sandbox};
use crate::flow::{have_script, Pty};

#[test]
fn every_subcommand_help_shows_examples() {
    let sb = Sandbox::new();
    let root = envseal::cli::command();
    let mut paths: Vec<Vec<String>> = Vec::new();
    for sub in root.get_subcommands() {
        paths.push(vec![sub.get_name().to_owned()]);
        for nested in sub.get_subcommands() {
            paths.push(vec![
                sub.get_name().to_owned(),
                nested.get_name().to_owned(),
            ]);
        }
    }
    assert!(paths.len() >= 10, "{paths:?}");
    let mut missing = Vec::new();
    for p in &paths {
        if p.len() > 1 {
            continue; // `hook install` etc.: their parent's help carries the examples
        }
        let mut args: Vec<&str> = p.iter().map(String::as_str).collect();
        args.push("--help");
        let run = sb.run(&args);
        run.ok();
        if !run.stdout_text().contains("\nExamples:\n  envseal ") {
            missing.push(p.join(" "));
        }
    }
    assert!(missing.is_empty(), "--help without examples: {missing:?}");
    let top = sb.run(&["--help"]);
    assert!(top.ok().stdout_text().contains("Examples:"));
}

#[test]
fn no_color_means_no_escape_sequences_even_on_a_terminal() {
    if !have_script() {
        return;
    }
    let sb = Sandbox::new();
    sb.write(".env", "A=readable-warning-test\n");
    let kf = sb.key_file("k.key", &test_key(80));
    sb.run(&["encrypt", "-q", "--key-file", &kf]).ok();
    std::fs::set_permissions(
        sb.path(&kf),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    // A warning (key file readable by others), then an error (missing input).
    let line =
        |no_color: bool| {
            format!(
            "{} '{}' decrypt --stdout --key-file {kf} > /dev/null; '{}' decrypt missing.encrypted",
            if no_color { "NO_COLOR=1" } else { "unset NO_COLOR;" },
            crate::common::bin().display(),
            crate::common::bin().display()
        )
        };
    let (code, colored) = Pty::spawn_shell(&sb, &line(false), &[]).finish(Duration::from_secs(20));
    assert_ne!(code, 0);
    assert!(
        colored.contains("\x1b["),
        "without NO_COLOR a terminal gets colour (else this test proves nothing): {colored:?}"
    );
    let (code, plain) = Pty::spawn_shell(&sb, &line(true), &[]).finish(Duration::from_secs(20));
    assert_ne!(code, 0);
    assert!(
        plain.contains("warning:") && plain.contains("error:"),
        "{plain:?}"
    );
    assert!(
        !plain.contains('\x1b'),
        "escape sequences under NO_COLOR: {plain:?}"
    );
}

#[test]
fn data_goes_to_stdout_and_messages_to_stderr() {
    let sb = Sandbox::new();
    let plain = "# c\nA=stdout-test-value\r\nB='x'";
    sb.write(".env", plain);
    let kf = sb.key_file("k.key", &test_key(81));
    let enc = sb.run(&["encrypt", "--key-file", &kf]);
    enc.ok();
    assert!(enc.stdout.is_empty(), "encrypt wrote on stdout");
    assert!(enc.stderr.contains("encrypted .env"), "{}", enc.stderr);
    let run = sb.run(&["decrypt", "--stdout", "--key-file", &kf]);
    run.ok();
    assert_eq!(
        run.stdout,
        plain.as_bytes(),
        "stdout is exactly the plaintext"
    );
    assert!(!run.stderr.contains("stdout-test-value"));
    // An error: stderr only, nothing on stdout.
    let run = sb.run(&[
        "decrypt",
        "--stdout",
        "missing.encrypted",
        "--key-file",
        &kf,
    ]);
    run.code(exit_code(Code::Io));
    assert!(run.stdout.is_empty());
    assert!(run.stderr.starts_with("envseal: error:"), "{}", run.stderr);
    // The view and the filter: data on stdout, nothing on stderr.
    let run = sb.run(&["mask", ".env"]);
    run.ok();
    assert!(run.stderr.is_empty() && !run.stdout.is_empty());
}

#[test]
fn quiet_silences_the_info_lines_not_the_errors() {
    let sb = Sandbox::new();
    sb.write(".env", "A=quiet-test-value\n");
    let kf = sb.key_file("k.key", &test_key(82));
    for (args, what) in [
        (vec!["encrypt", "--key-file", &kf, "--force"], "encrypt"),
        (
            vec!["decrypt", "-o", "out.env", "--force", "--key-file", &kf],
            "decrypt",
        ),
        (vec!["generate-key", "--out", "new.key"], "generate-key"),
    ] {
        let loud = sb.run(&args);
        loud.ok();
        assert!(!loud.stderr.is_empty(), "{what} says what it did");
        if what == "generate-key" {
            std::fs::remove_file(sb.path("new.key")).unwrap();
        }
        let mut q = vec!["-q"];
        q.extend(&args);
        let quiet = sb.run(&q);
        quiet.ok();
        assert!(quiet.stderr.is_empty(), "{what} -q: {}", quiet.stderr);
        if what == "generate-key" {
            // A new key each time: its id is the data, and it is still printed.
            assert!(quiet.stdout_text().starts_with("sha256:"), "{what} -q");
        } else {
            assert_eq!(quiet.stdout, loud.stdout, "{what}: -q changes no data");
        }
        if what == "generate-key" {
            std::fs::remove_file(sb.path("new.key")).unwrap();
        }
    }
    let run = sb.run(&["-q", "decrypt", "missing.encrypted", "-o", "x"]);
    run.code(exit_code(Code::Io));
    assert!(run.stderr.contains("error:"), "errors still show under -q");
}
