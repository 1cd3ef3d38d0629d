//! `${VAR}` interpolation as python-dotenv does it (`interpolate=True`), for `run --expand`.
//!
//! Only `${NAME}` and `${NAME:-default}` are expanded, in unquoted and double-quoted
//! values; single-quoted values are literal. A name is looked up in the process
//! environment and in the variables defined earlier in the file: the environment first,
//! unless `override_env` (then the file first). Unknown names expand to the default, or to
//! nothing. `$NAME` without braces and `$(command)` are left as they are: envseal never
//! runs commands found in a file.

use std::collections::HashMap;

use super::SecretText;

/// Expand the values of `pairs` (name, raw value text, interpreted value) in file order.
/// The expanded values are secrets: wiped on drop, read through `expose_secret`.
pub fn expand_all(
    pairs: &[(String, String, String)],
    env: &HashMap<String, String>,
    override_env: bool,
) -> Vec<(String, SecretText)> {
    let mut defined: HashMap<String, SecretText> = HashMap::new();
    let mut out = Vec::with_capacity(pairs.len());
    for (name, raw, value) in pairs {
        let expanded = if raw.starts_with('\'') {
            SecretText::new(value.clone())
        } else {
            expand(value, |n| {
                let from_file = defined.get(n).map(SecretText::expose_secret);
                let from_env = env.get(n).map(String::as_str);
                if override_env {
                    from_file.or(from_env)
                } else {
                    from_env.or(from_file)
                }
            })
        };
        defined.insert(name.clone(), expanded.clone());
        out.push((name.clone(), expanded));
    }
    out
}

/// Replace each `${NAME}` / `${NAME:-default}` in `s` (looked up, not copied: the only
/// copy of the result is the one wiped on drop).
pub fn expand<'a>(s: &str, lookup: impl Fn(&str) -> Option<&'a str>) -> SecretText {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(close) = after.find('}') else {
            break;
        };
        let inner = &after[..close];
        let (name, default) = match inner.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        if name.contains(':') {
            // not a form python-dotenv expands; keep it literally
            out.push_str(&rest[..start + 2 + close + 1]);
            rest = &after[close + 1..];
            continue;
        }
        out.push_str(&rest[..start]);
        out.push_str(lookup(name).or(default).unwrap_or(""));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    SecretText::new(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(file: &[(&str, &str, &str)], env: &[(&str, &str)], over: bool) -> Vec<(String, String)> {
        let pairs: Vec<(String, String, String)> = file
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        let env = env
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        expand_all(&pairs, &env, over)
            .into_iter()
            .map(|(k, v)| (k, v.expose_secret().to_owned()))
            .collect()
    }

    #[test]
    fn python_dotenv_rules() {
        let got = run(
            &[
                ("A", "a", "a"),
                ("B", "\"${A}-x\"", "${A}-x"),
                ("C", "'${A}'", "${A}"),
                ("D", "${MISSING:-dflt}", "${MISSING:-dflt}"),
                ("E", "$A $(rm -rf /) ${HOME}", "$A $(rm -rf /) ${HOME}"),
            ],
            &[("HOME", "/home/u"), ("A", "from-env")],
            false,
        );
        assert_eq!(got[1].1, "from-env-x");
        assert_eq!(got[2].1, "${A}");
        assert_eq!(got[3].1, "dflt");
        assert_eq!(got[4].1, "$A $(rm -rf /) /home/u");
        let got = run(
            &[("A", "a", "a"), ("B", "${A}", "${A}")],
            &[("A", "env")],
            true,
        );
        assert_eq!(got[1].1, "a");
    }
}
