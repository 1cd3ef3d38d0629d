//! `envseal export --as FORMAT`: the decrypted variables, as `run` reads them, in the
//! format another tool reads. Each format is a pure function of the pairs (tested
//! against the real consumer in `tests/cli/export.rs`); a key or value a format cannot
//! carry is refused, naming the key, before anything is written.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use base64::Engine;
use zeroize::Zeroizing;

use super::values::{confirm_terminal_output, file_or_default, read_values};
use super::{write_stdout, Ui};
use crate::cli::{Export, ExportFormat};
use crate::exit::{Code, Failure};
use crate::mask::Rules;

pub fn run(args: &Export, ui: &Ui) -> Result<()> {
    let path = file_or_default(&args.file);
    if args.format != ExportFormat::K8s && (args.name.is_some() || args.namespace.is_some()) {
        return Err(Failure::new(Code::Usage, "--name and --namespace go with --as k8s").into());
    }
    confirm_terminal_output(args.force, "secret values")?;
    let pairs = read_values(&path, &args.key_args, args.dialect, args.no_expand, ui)?;
    let out = match args.format {
        ExportFormat::Json => json(&pairs),
        ExportFormat::Shell => shell(&pairs)?,
        ExportFormat::Docker => docker(&pairs)?,
        ExportFormat::K8s => {
            let name = match &args.name {
                Some(n) => n.clone(),
                None => default_name(&path),
            };
            k8s(&pairs, &name, args.namespace.as_deref())?
        }
        ExportFormat::Github => {
            let rules = crate::project::Project::discover()?.config.mask;
            let (masks, env) = github(&pairs, &rules, &mut |b| {
                crate::format::os_random(b).map_err(anyhow::Error::from)
            })?;
            // The masks reach the runner (which reads workflow commands on stdout and
            // stderr) before any value is written; stdout goes to $GITHUB_ENV.
            let mut err = std::io::stderr().lock();
            err.write_all(masks.as_bytes())?;
            err.flush()?;
            env
        }
    };
    write_stdout(out.as_bytes())
}

type Pairs = [(String, String)];

fn refuse(message: String) -> anyhow::Error {
    Failure::new(Code::BadInput, format!("{message}; nothing was written")).into()
}

/// One JSON object, one `"KEY": "value"` per line, in file order.
pub fn json(pairs: &Pairs) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::from("{"));
    for (i, (k, v)) in pairs.iter().enumerate() {
        out.push_str(if i == 0 { "\n  " } else { ",\n  " });
        // Serializing a str cannot fail.
        out.push_str(&serde_json::to_string(k).unwrap_or_default());
        out.push_str(": ");
        out.push_str(&Zeroizing::new(
            serde_json::to_string(v).unwrap_or_default(),
        ));
    }
    out.push_str(if pairs.is_empty() { "}\n" } else { "\n}\n" });
    out
}

fn is_shell_name(k: &str) -> bool {
    let mut c = k.chars();
    c.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `export KEY='value'` lines: inside single quotes a POSIX shell takes every character
/// literally except `'`, written as `'\''`; newlines stay inside the quotes.
pub fn shell(pairs: &Pairs) -> Result<Zeroizing<String>> {
    let mut out = Zeroizing::new(String::new());
    for (k, v) in pairs {
        if !is_shell_name(k) {
            return Err(refuse(format!(
                "{k:?} is not a shell variable name (letters, digits and _), so it cannot be exported"
            )));
        }
        if v.contains('\0') {
            return Err(refuse(format!("the value of {k} holds a NUL byte")));
        }
        out.push_str("export ");
        out.push_str(k);
        out.push_str("='");
        out.push_str(&v.replace('\'', "'\\''"));
        out.push_str("'\n");
    }
    Ok(out)
}

/// `KEY=value` lines for `docker run --env-file`. Docker reads each line raw (no quotes,
/// no escapes, no comments after a value), splits at the first `=`, rejects a name with
/// white space, and drops a `\r` before the end of a line: a value with a line break
/// cannot be carried.
pub fn docker(pairs: &Pairs) -> Result<Zeroizing<String>> {
    let mut out = Zeroizing::new(String::new());
    for (k, v) in pairs {
        if k.is_empty() || k.contains(char::is_whitespace) || k.starts_with('#') {
            return Err(refuse(format!(
                "{k:?} cannot be a name in docker's --env-file format"
            )));
        }
        if v.contains(['\n', '\r', '\0']) {
            return Err(refuse(format!(
                "the value of {k} spans lines, which docker's --env-file format cannot carry (no quoting); use `envseal run -- docker ...` with `-e {k}` instead"
            )));
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
        out.push('\n');
    }
    Ok(out)
}

/// A Secret name from the file name: `.env.production.encrypted` → `env-production`.
pub fn default_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = name.strip_suffix(".encrypted").unwrap_or(&name);
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "env".to_owned()
    } else {
        out.to_owned()
    }
}

/// An RFC 1123 subdomain (Secret names) or label (namespaces).
fn is_dns_name(s: &str, max: usize, dots: bool) -> bool {
    let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    !s.is_empty()
        && s.len() <= max
        && s.starts_with(ok)
        && s.ends_with(ok)
        && s.chars().all(|c| ok(c) || c == '-' || (dots && c == '.'))
}

/// A `v1` Secret manifest; every string is a JSON string, which YAML reads as a
/// double-quoted scalar (so `on`, `1` or `null` stay strings).
pub fn k8s(pairs: &Pairs, name: &str, namespace: Option<&str>) -> Result<Zeroizing<String>> {
    if !is_dns_name(name, 253, true) {
        return Err(Failure::new(
            Code::Usage,
            "--name: a Secret name is lower-case letters, digits, - and . (at most 253), starting and ending with a letter or digit",
        )
        .into());
    }
    if let Some(ns) = namespace {
        if !is_dns_name(ns, 63, false) {
            return Err(Failure::new(
                Code::Usage,
                "--namespace: a namespace is lower-case letters, digits and - (at most 63), starting and ending with a letter or digit",
            )
            .into());
        }
    }
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut out = Zeroizing::new(format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {}\n",
        q(name)
    ));
    if let Some(ns) = namespace {
        out.push_str(&format!("  namespace: {}\n", q(ns)));
    }
    out.push_str("type: Opaque\n");
    if pairs.is_empty() {
        out.push_str("data: {}\n");
        return Ok(out);
    }
    out.push_str("data:\n");
    for (k, v) in pairs {
        if k.is_empty()
            || !k
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(refuse(format!(
                "{k:?} cannot be a Secret data key (letters, digits, -, _ and .)"
            )));
        }
        out.push_str("  ");
        out.push_str(&q(k));
        out.push_str(": ");
        // Quoted: an empty value would read as null.
        out.push('"');
        out.push_str(&Zeroizing::new(
            base64::engine::general_purpose::STANDARD.encode(v),
        ));
        out.push_str("\"\n");
    }
    Ok(out)
}

/// A workflow command's data, escaped as the runner unescapes it.
fn command_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The `::add-mask::` commands and the `$GITHUB_ENV` lines.
///
/// Sensitive values (the names `envseal mask` masks) are masked whole, one command per
/// line of a multi-line value (the runner masks line by line); the password of a URL is
/// masked whatever the name. A multi-line value is written as `KEY<<DELIMITER`, its lines,
/// then the delimiter, with a random delimiter that no line of the value equals. The
/// runner (actions/runner `FileCommandManager.cs`) splits the file at `\n`, and at `\r\n`
/// on Windows, so a value with `\r` is refused: it would not survive every runner. The
/// runner takes workflow commands from a step's stdout and stderr alike (`ScriptHandler.cs`
/// gives both streams an `OutputManager`), which is why the masks can go to stderr.
pub fn github(
    pairs: &Pairs,
    rules: &Rules,
    random: &mut dyn FnMut(&mut [u8]) -> Result<()>,
) -> Result<(Zeroizing<String>, Zeroizing<String>)> {
    let mut masks = Zeroizing::new(String::new());
    let mut env = Zeroizing::new(String::new());
    for (k, v) in pairs {
        if k.is_empty() || k.contains(char::is_whitespace) || k.contains("<<") {
            return Err(refuse(format!("{k:?} cannot be a name in $GITHUB_ENV")));
        }
        if v.contains(['\r', '\0']) {
            return Err(refuse(format!(
                "the value of {k} holds a carriage return or NUL, which $GITHUB_ENV cannot carry"
            )));
        }
        let mut to_mask: Vec<&str> = Vec::new();
        if rules.is_sensitive(k) {
            to_mask.extend(v.split('\n'));
        } else if let Some(r) = crate::mask::url_password(v) {
            to_mask.push(&v[r]);
        }
        for part in to_mask.into_iter().filter(|p| !p.trim().is_empty()) {
            masks.push_str("::add-mask::");
            masks.push_str(&Zeroizing::new(command_data(part)));
            masks.push('\n');
        }
        if !v.contains('\n') {
            env.push_str(k);
            env.push('=');
            env.push_str(v);
            env.push('\n');
            continue;
        }
        let delimiter = loop {
            let mut b = [0u8; 16];
            random(&mut b)?;
            let d: String = b.iter().map(|x| format!("{x:02x}")).collect();
            let d = format!("ENVSEAL_EOF_{d}");
            if !v.split('\n').any(|l| l == d) {
                break d;
            }
        };
        env.push_str(k);
        env.push_str("<<");
        env.push_str(&delimiter);
        env.push('\n');
        env.push_str(v);
        env.push('\n');
        env.push_str(&delimiter);
        env.push('\n');
    }
    Ok((masks, env))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_secret_names_come_from_the_file_name() {
        assert_eq!(default_name(Path::new(".env.encrypted")), "env");
        assert_eq!(
            default_name(Path::new("x/.env.Production.encrypted")),
            "env-production"
        );
        assert_eq!(default_name(Path::new("...")), "env");
    }

    #[test]
    fn a_delimiter_equal_to_a_line_of_the_value_is_drawn_again() {
        let mut n = 0u8;
        let mut random = |b: &mut [u8]| {
            b.fill(n);
            n += 1;
            Ok(())
        };
        let taken = format!("ENVSEAL_EOF_{}", "00".repeat(16));
        let pairs = vec![("K".to_owned(), format!("a\n{taken}\nb"))];
        let (_, env) = github(&pairs, &Rules::default(), &mut random).unwrap();
        assert!(
            env.starts_with(&format!("K<<ENVSEAL_EOF_{}\n", "01".repeat(16))),
            "{}",
            *env
        );
    }
}
