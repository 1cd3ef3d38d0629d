//! `envseal export --as FORMAT` read back by the real consumer where it runs here: dash's
//! `eval`, Python's `json.loads`, PyYAML plus base64 for the k8s manifest; docker's
//! env-file rules and GitHub's `$GITHUB_ENV` / `::add-mask::` rules by small parsers
//! written from their documentation (neither docker nor a runner is installed).

use std::collections::BTreeMap;
use std::process::Command;

use crate::common::{exit_code, Code};
use crate::common::{Run, Sandbox};
use crate::set_get::{have_python_module, hostile, sealed_with};

/// The hostile values plus the two fixed keys of [`sealed_with`].
fn expected(values: &[(&'static str, &'static str)]) -> BTreeMap<String, String> {
    let mut m: BTreeMap<String, String> = values
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    m.insert("FIRST".into(), "first".into());
    m.insert("LAST".into(), "last".into());
    m
}

fn export(sb: &Sandbox, args: &[&str]) -> Run {
    // The hostile values hold `${HOME}` and `${X:-y}`, which python-dotenv (and so the
    // default python dialect) expands; these tests are about how each format carries the
    // stored values, so they read them as written (interpolate=False).
    let mut all = vec!["export", "--no-expand"];
    all.extend_from_slice(args);
    sb.run(&all)
}

#[test]
fn shell_output_evals_in_dash_to_the_exact_values() {
    let values = hostile();
    let sb = sealed_with(&values);
    // The recipe itself: eval "$(envseal export --as shell)" in a POSIX sh, then the env.
    let bin = crate::common::bin().display().to_string();
    let mut c = Command::new("dash");
    sb.setup(&mut c);
    c.args([
        "-c",
        &format!("eval \"$('{bin}' export --no-expand --as shell)\" && exec env -0"),
    ]);
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let env: BTreeMap<String, String> = out
        .stdout
        .split(|&b| b == 0)
        .filter_map(|r| {
            let r = String::from_utf8_lossy(r);
            let (k, v) = r.split_once('=')?;
            Some((k.to_owned(), v.to_owned()))
        })
        .collect();
    for (k, v) in expected(&values) {
        assert_eq!(env.get(&k), Some(&v), "dash reads {k} differently");
    }
    assert!(
        !sb.path("pwned").exists(),
        "eval ran a command from a value"
    );
}

#[test]
fn json_output_loads_in_python_to_the_exact_values_in_file_order() {
    let values = hostile();
    let sb = sealed_with(&values);
    let run = export(&sb, &["--as", "json"]);
    run.ok();
    sb.write("out.json", &run.stdout);
    let out = Command::new("python3")
        .current_dir(sb.root())
        .args([
            "-c",
            "import json,sys; d=json.load(open('out.json', encoding='utf-8')); \
             assert all(isinstance(v, str) for v in d.values()); \
             sys.stdout.write(json.dumps([list(d.keys()), d]))",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (keys, map): (Vec<String>, BTreeMap<String, String>) =
        serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(map, expected(&values));
    // File order: FIRST, the values set after it (each new one right after FIRST), LAST.
    assert_eq!(keys.first().map(String::as_str), Some("FIRST"));
    assert_eq!(keys.last().map(String::as_str), Some("LAST"));
}

/// docker's `--env-file` rules (docs.docker.com, `docker run --env-file`; opts/envfile.go):
/// lines split at `\n` with a `\r` before it dropped; leading white space trimmed; empty
/// lines and lines starting with `#` skipped; `NAME=value` split at the first `=`, the value
/// taken raw (a `#` in it is part of it, quotes are kept); a name with white space is an
/// error; `NAME` alone takes the value from the environment.
fn docker_env_file(text: &str) -> Result<BTreeMap<String, String>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = BTreeMap::new();
    let body = text.strip_suffix('\n').unwrap_or(text);
    for (n, line) in body.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = match line.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (line, None),
        };
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(format!("line {}: bad variable name", n + 1));
        }
        let value = value.ok_or(format!("line {}: {name} taken from the environment", n + 1))?;
        out.insert(name.to_owned(), value.to_owned());
    }
    Ok(out)
}

#[test]
fn docker_env_file_reads_back_raw_and_a_multi_line_value_is_refused_by_name() {
    let values: Vec<_> = hostile()
        .into_iter()
        .filter(|(_, v)| !v.contains(['\n', '\r']))
        .collect();
    let sb = sealed_with(&values);
    let run = export(&sb, &["--as", "docker"]);
    run.ok();
    let parsed = docker_env_file(&run.stdout_text()).unwrap();
    assert_eq!(parsed, expected(&values));

    let sb = sealed_with(&[("OK", "fine"), ("PEM_KEY", "-----BEGIN-----\nabc\n")]);
    let run = export(&sb, &["--as", "docker"]);
    run.code(exit_code(Code::BadInput))
        .no_leak(&["-----BEGIN-----"]);
    assert!(run.stdout.is_empty(), "nothing written");
    assert!(run.stderr.contains("PEM_KEY"), "{}", run.stderr);
    let sb = sealed_with(&[("CR_VALUE", "a\rb")]);
    let run = export(&sb, &["--as", "docker"]);
    run.code(exit_code(Code::BadInput));
    assert!(run.stderr.contains("CR_VALUE"), "{}", run.stderr);
}

#[test]
fn k8s_manifest_parses_as_yaml_with_base64_data_of_the_exact_values() {
    if !have_python_module("yaml", "pyyaml") {
        return;
    }
    let mut values = hostile();
    // YAML's own traps as key names and values.
    values.extend([("on", "yes"), ("NULLISH", "null"), ("NUM", "0x1F")]);
    let sb = sealed_with(&values);
    let run = export(
        &sb,
        &[
            "--as",
            "k8s",
            "--name",
            "app-secrets",
            "--namespace",
            "prod",
        ],
    );
    run.ok();
    sb.write("secret.yaml", &run.stdout);
    let out = Command::new("python3")
        .current_dir(sb.root())
        .args([
            "-c",
            "import yaml, base64, json, sys\n\
             m = yaml.safe_load(open('secret.yaml', encoding='utf-8'))\n\
             assert m['apiVersion'] == 'v1' and m['kind'] == 'Secret' and m['type'] == 'Opaque', m\n\
             data = {k: base64.b64decode(v, validate=True).decode('utf-8') for k, v in m['data'].items()}\n\
             assert all(isinstance(k, str) for k in data)\n\
             sys.stdout.write(json.dumps([m['metadata'], data]))",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (meta, data): (BTreeMap<String, String>, BTreeMap<String, String>) =
        serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(meta["name"], "app-secrets");
    assert_eq!(meta["namespace"], "prod");
    assert_eq!(data, expected(&values));
    // The default name comes from the file; a name Kubernetes rejects is refused.
    let run = export(&sb, &["--as", "k8s"]);
    assert!(run.ok().stdout_text().contains("name: \"env\""));
    export(&sb, &["--as", "k8s", "--name", "Bad_Name"]).code(exit_code(Code::Usage));
    export(&sb, &["--as", "json", "--name", "x"]).code(exit_code(Code::Usage));
}

/// `$GITHUB_ENV` as a Linux runner reads it (docs.github.com, "Setting an environment
/// variable" and "Multiline strings"; actions/runner `FileCommandManager.cs`): lines split
/// at `\n`; empty lines skipped; `NAME=value` when the first `=` comes before any `<<`;
/// else `NAME<<DELIMITER`, the following lines up to a line equal to the delimiter, joined
/// with `\n`; a missing delimiter or any other line is an error.
fn github_env_file(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.strip_suffix('\n').unwrap_or(text).split('\n');
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let eq = line.find('=');
        let heredoc = line.find("<<");
        match (eq, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                out.insert(line[..e].to_owned(), line[e + 1..].to_owned());
            }
            (_, Some(h)) => {
                let (name, delimiter) = (&line[..h], &line[h + 2..]);
                let mut body = Vec::new();
                loop {
                    match lines.next() {
                        Some(l) if l == delimiter => break,
                        Some(l) => body.push(l),
                        None => return Err(format!("{name}: delimiter not found")),
                    }
                }
                out.insert(name.to_owned(), body.join("\n"));
            }
            _ => return Err(format!("invalid line in $GITHUB_ENV: {line:?}")),
        }
    }
    Ok(out)
}

/// The secrets `::add-mask::` lines register, unescaped as the runner does.
fn masked(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("::add-mask::"))
        .map(|d| {
            d.replace("%0A", "\n")
                .replace("%0D", "\r")
                .replace("%25", "%")
        })
        .collect()
}

#[test]
fn github_env_lines_read_back_and_every_line_of_a_sensitive_value_is_masked_first() {
    let mut values: Vec<_> = hostile()
        .into_iter()
        .filter(|(_, v)| !v.contains('\r'))
        .collect();
    values.extend([
        (
            "TLS_PRIVATE_KEY",
            "-----BEGIN-----\nline%0Atwo\n\n-----END-----\n",
        ),
        ("PUBLIC_NAME", "not a secret"),
    ]);
    let sb = sealed_with(&values);
    let run = export(&sb, &["--as", "github"]);
    run.ok();
    let env = github_env_file(&run.stdout_text()).unwrap();
    assert_eq!(env, expected(&values));
    assert!(
        !run.stdout_text().contains("::"),
        "no workflow command in $GITHUB_ENV"
    );
    let masks = masked(&run.stderr);
    for want in [
        "-----BEGIN-----",
        "line%0Atwo",
        "-----END-----",
        "tok-3f9a0c1d2e4b5a6c7d8e9f",
        "s3cr%t",
    ] {
        assert!(
            masks.iter().any(|m| m == want),
            "{want:?} not masked: {masks:?}"
        );
    }
    assert!(
        !masks.iter().any(|m| m.contains('\n') || m.is_empty()),
        "{masks:?}"
    );
    assert!(!masks.iter().any(|m| m == "not a secret"), "{masks:?}");
    // The heredoc delimiter is random.
    let again = export(&sb, &["--as", "github"]);
    assert_ne!(again.ok().stdout, run.stdout);

    let sb = sealed_with(&[("CR_VALUE", "a\r\nb")]);
    let run = export(&sb, &["--as", "github"]);
    run.code(exit_code(Code::BadInput));
    assert!(
        run.stdout.is_empty() && run.stderr.contains("CR_VALUE"),
        "{}",
        run.stderr
    );
}

#[test]
fn shell_export_refuses_a_name_sh_cannot_assign() {
    let sb = Sandbox::new();
    sb.key_file("k.key", &crate::common::test_key(94));
    sb.write(".env", "GOOD=1\nmy.dotted=2\n");
    sb.run(&["encrypt", "-q", "--key-file", "k.key"]).ok();
    let run = sb.run(&["export", "--as", "shell", "--key-file", "k.key"]);
    run.code(exit_code(Code::BadInput));
    assert!(
        run.stdout.is_empty() && run.stderr.contains("my.dotted"),
        "{}",
        run.stderr
    );
}
