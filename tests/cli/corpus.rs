//! The shared corpus (`../shared/corpus/dotenv/`): real-world and reference-parser test
//! files. Every file round-trips byte for byte through the binary, or — only where it is
//! not UTF-8 — is refused cleanly: exit 7, a `file: line:column` position, no text of the
//! file.
//! A second test compares our value semantics with python-dotenv's
//! (`NNN.python.json`).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use envseal::dotenv::{self, Kind};
use serde_json::Value;

use crate::common::{diff, position_after, shared_dir, test_key, text_lines, Sandbox};
use crate::common::{exit_code, Code};

struct Case {
    file: String,
    bytes: Vec<u8>,
    may_reject: bool,
}

fn cases(dir: &Path) -> Vec<Case> {
    let meta: Value = serde_json::from_slice(
        &fs::read(dir.join("cases.json")).expect("corpus cases.json is readable"),
    )
    .expect("cases.json is JSON");
    let listed = meta["cases"].as_array().expect("cases.json has cases");
    let mut out: Vec<Case> = listed
        .iter()
        .map(|c| {
            let file = c["file"].as_str().expect("case has a file").to_owned();
            let bytes = fs::read(dir.join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
            Case {
                file,
                bytes,
                may_reject: c["may_reject"].as_bool().expect("may_reject is a bool"),
            }
        })
        .collect();
    // Every *.env in the directory is a case: a file cases.json forgot still runs (strictly).
    for entry in fs::read_dir(dir).expect("list corpus") {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".env") && !out.iter().any(|c| c.file == name) {
            out.push(Case {
                bytes: fs::read(dir.join(&name)).unwrap(),
                file: name,
                may_reject: false,
            });
        }
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    assert!(!out.is_empty(), "the corpus holds no .env files");
    out
}

/// A clean refusal: exit 7, a position after the file name, none of the file's lines.
fn check_refusal(case: &Case, run: &crate::common::Run, name: &str) -> Result<(), String> {
    if run.code != exit_code(Code::BadInput) {
        return Err(format!("exit {} (want 0 or 7): {}", run.code, run.stderr));
    }
    let text = String::from_utf8_lossy(&case.bytes);
    let lines =
        text.matches('\n').count() + text.matches('\r').count() - text.matches("\r\n").count() + 1;
    match position_after(&run.stderr, name) {
        Some((line, col)) if (1..=lines + 1).contains(&line) && col >= 1 => {}
        other => {
            return Err(format!(
                "refusal names no plausible {name}: line:column position ({other:?}): {}",
                run.stderr
            ))
        }
    }
    // Lines of 4+ characters; shorter ones (`a="`, `}`) are as likely to be our words.
    for l in text_lines(&case.bytes, 4) {
        if run.stderr.contains(&l) {
            return Err(format!("refusal message repeats a line of the file: {l:?}"));
        }
    }
    Ok(())
}

#[test]
fn corpus_round_trips_or_is_refused_cleanly() {
    let Some(dir) = shared_dir("corpus/dotenv") else {
        return;
    };
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(2));
    let mut failures = Vec::new();
    let (mut round_tripped, mut refused, mut loaders_complain) = (0, 0, 0);
    let mut refused_names = Vec::new();
    for case in cases(&dir) {
        let utf8 = std::str::from_utf8(&case.bytes).is_ok();
        let mut case_refused = false;
        for format in ["v1", "fernet"] {
            // A neutral name, so a message naming the file cannot match the file's text.
            let name = format!("case-{format}.env");
            sb.write(&name, &case.bytes);
            let sealed = format!("{name}.encrypted");
            let _ = fs::remove_file(sb.path(&sealed));
            let enc = sb.run(&["encrypt", &name, "--format", format, "--key-file", &kf]);
            if enc.code != exit_code(Code::Ok) {
                // Issue 14: only input that is not UTF-8 may be refused; a file the loaders
                // read with complaints (`may_reject`) is encrypted too.
                if utf8 {
                    failures.push(format!(
                        "{} ({format}): refused although it is UTF-8 text: exit {}: {}",
                        case.file, enc.code, enc.stderr
                    ));
                } else if let Err(e) = check_refusal(&case, &enc, &name) {
                    failures.push(format!("{} ({format}): {e}", case.file));
                }
                assert!(
                    !sb.path(&sealed).exists(),
                    "{}: a refused encrypt left an output",
                    case.file
                );
                case_refused = true;
                continue;
            }
            let dec = sb.run(&["decrypt", &sealed, "--stdout", "--key-file", &kf]);
            if dec.code != exit_code(Code::Ok) {
                failures.push(format!(
                    "{} ({format}): decrypt exit {}: {}",
                    case.file, dec.code, dec.stderr
                ));
            } else if dec.stdout != case.bytes {
                failures.push(format!(
                    "{} ({format}): round trip not byte-exact: {}",
                    case.file,
                    diff(&case.bytes, &dec.stdout)
                ));
            } else if format == "v1" {
                let text = String::from_utf8(sb.read(&sealed)).unwrap();
                for leak in crate::golden::leaks(&case.bytes, &text, false) {
                    failures.push(format!("{} (v1): output leaks {leak:?}", case.file));
                }
            }
        }
        if case.may_reject && !case_refused {
            loaders_complain += 1;
        }
        if case_refused {
            refused += 1;
            refused_names.push(case.file.clone());
        } else {
            round_tripped += 1;
        }
    }
    println!(
        "corpus: {round_tripped} files round-tripped byte for byte (v1 and fernet; {loaders_complain} of them files a loader complains about), {refused} refused cleanly: {}",
        refused_names.join(", ")
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Our reading of a file: key name -> value (`None` for a bare key), last one wins.
fn our_values(bytes: &[u8]) -> Option<BTreeMap<String, Option<String>>> {
    let doc = dotenv::parse_bytes(bytes).ok()?;
    let mut map = BTreeMap::new();
    for line in &doc.lines {
        match &line.kind {
            Kind::Assignment { .. } => {
                map.insert(
                    line.key_name()?.to_owned(),
                    line.expose_value().map(|v| v.expose_secret().to_owned()),
                );
            }
            Kind::Bare { .. } => {
                map.insert(line.key_name()?.to_owned(), None);
            }
            _ => {}
        }
    }
    Some(map)
}

fn python_values(path: &Path) -> Option<BTreeMap<String, Option<String>>> {
    let v: Value = serde_json::from_slice(&fs::read(path).ok()?).expect("python.json is JSON");
    let obj = v.as_object()?;
    Some(
        obj.iter()
            .map(|(k, v)| (k.clone(), v.as_str().map(str::to_owned)))
            .collect(),
    )
}

fn disagreements(
    ours: &BTreeMap<String, Option<String>>,
    python: &BTreeMap<String, Option<String>>,
) -> Vec<String> {
    let show = |v: Option<&Option<String>>| match v {
        None => "(absent)".to_owned(),
        Some(None) => "None".to_owned(),
        Some(Some(s)) if s.chars().count() > 50 => {
            format!("{:?}…", s.chars().take(50).collect::<String>())
        }
        Some(Some(s)) => format!("{s:?}"),
    };
    let mut keys: Vec<&String> = ours.keys().chain(python.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| ours.get(*k) != python.get(*k))
        .map(|k| {
            format!(
                "{k:?}: ours {} python {}",
                show(ours.get(k)),
                show(python.get(k))
            )
        })
        .collect()
}

/// Files whose every key reads as python-dotenv reads it, checked by hand against the
/// rules in `src/dotenv/value.rs` (`dotenv_values(path, interpolate=False)`). It includes
/// files where python-dotenv reports error lines but reads every other line as we do
/// (`may_reject`: 009, 026, 033, 035, 037, 044, 049, 061): a line python cannot parse is
/// no key for us either (a bare key, or a line that is not an assignment).
///
/// Left out, on purpose (the summary printed by the test lists each difference):
/// - backtick values (016, 017, 021 `T`): we read `` `x` `` as node's third quote, so a
///   multi-line backtick body is one value and never lines of its own (that would leave a
///   body line starting with `#` readable); python keeps backticks as text and splits a
///   multi-line one into bogus bare keys.
/// - CR or CRLF inside a quoted value (058): python reads the file in universal-newline
///   mode, so `"a\r\nb"` becomes `a\nb`; our values are the raw bytes (what the
///   encrypter stores and the byte-exact round trip needs).
/// - 048 (`KEY4`, `KEY5`): shell-style `'\''` concatenation; python reports the lines as
///   errors and drops them, we read a value up to the first closing quote.
/// - files with an unterminated `"` or `'` (012, 038, 050, 052: the line model hides that line
///   whole; `tests/cli/dialects.rs` checks the dialects' readings of them) or python cannot
///   decode (060, UTF-16): nothing to compare.
const AGREE: &[&str] = &[
    "001_empty-file.env",
    "002_quoted-and-odd-keys.env",
    "003_spaces-and-inner-whitespace.env",
    "004_export-prefix.env",
    "005_inline-comment-spacing.env",
    "006_quoted-trailing-space-and-multiline.env",
    "007_escapes-by-quote-type.env",
    "008_key-without-equals.env",
    "009_yaml-colon-rejected.env",
    "010_crlf-no-final-newline.env",
    "011_blank-lines-only.env",
    "013_comment-then-multiline.env",
    "014_trailing-comment-no-newline.env",
    "015_utf8-bom.env",
    "018_bom-mid-file.env",
    "019_cr-only-line-endings.env",
    "020_duplicate-key.env",
    "022_compose-plain.env",
    "023_compose-quoted.env",
    "024_keys-with-dots-dashes.env",
    "025_substitutions-default.env",
    "026_invalid-line-no-final-newline.env",
    "027_colon-separator-no-space.env",
    "028_unicode-and-bracket-keys.env",
    "029_posix-escape-sequences.env",
    "030_escaped-dollar.env",
    "031_export-variants.env",
    "032_inline-comment-variants.env",
    "033_empty-key.env",
    "034_whitespace-only-lines.env",
    "035_bad-key-percent.env",
    "036_thousand-keys.env",
    "037_yaml-style-colon.env",
    "039_escaped-space-unquoted.env",
    "040_command-substitution.env",
    "041_dollar-escapes.env",
    "042_multiline-escaped-quotes.env",
    "043_invalid-line-lol-wut.env",
    "044_ruby-yaml-fixture.env",
    "045_dotenvy-codegen-env.env",
    "046_dotenvy-substitution-doc.env",
    // KEY9=   # foo is empty for python; pins the fix of `KEY= # note` in Line::value.
    "047_dotenvy-parse-line-env.env",
    "049_dotenvy-invalid-lines.env",
    "051_dotenvy-substitution-chains.env",
    "053_linter-bench-compare.env",
    "054_linter-leading-chars-delimiters.env",
    "055_linter-substitution-keys.env",
    "056_dotenvx-expand.env",
    "057_dotenvx-already-encrypted.env",
    "059_dotenvx-shebang-export.env",
    "061_split-key-value-lines.env",
    "062_sops-enc-values.env",
];

#[test]
fn corpus_values_match_python_dotenv() {
    let Some(dir) = shared_dir("corpus/dotenv") else {
        return;
    };
    let mut summary = Vec::new();
    let mut failures = Vec::new();
    let mut agreeing = 0;
    let all = cases(&dir);
    for name in AGREE {
        assert!(
            all.iter().any(|c| c.file == *name),
            "curated file {name} is not in the corpus"
        );
    }
    for case in &all {
        let py_path = dir.join(case.file.replace(".env", ".python.json"));
        let (Some(python), Some(ours)) = (python_values(&py_path), our_values(&case.bytes)) else {
            summary.push(format!(
                "  {}: not compared (python or we cannot read it)",
                case.file
            ));
            continue;
        };
        let diffs = disagreements(&ours, &python);
        if diffs.is_empty() {
            agreeing += 1;
            continue;
        }
        for d in &diffs {
            summary.push(format!("  {}: {d}", case.file));
        }
        if AGREE.contains(&case.file.as_str()) {
            failures.push(format!("{}:\n    {}", case.file, diffs.join("\n    ")));
        }
    }
    println!(
        "python-dotenv semantics: {agreeing} of {} files agree on every key; disagreements:\n{}",
        all.len(),
        summary.join("\n")
    );
    assert!(
        failures.is_empty(),
        "files checked to agree with python-dotenv disagree:\n{}",
        failures.join("\n")
    );
}
