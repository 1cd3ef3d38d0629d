//! The masked view (`envseal mask FILE`) against golden files in `fixtures/mask/`:
//! `CASE.env` → `CASE.env.golden`, and `--all` → `CASE.env.all.golden`. The same case
//! encrypted (v1, Fernet) shows the same view. `UPDATE_GOLDEN=1` rewrites the golden files
//! (read the diff before committing: a golden file must never show a secret).

use std::fs;
use std::path::{Path, PathBuf};

use envseal::dotenv;
use envseal::mask::{url_password, Rules};

use crate::common::{contains, fixtures, test_key, Sandbox};
use crate::common::{exit_code, Code};
use crate::flow::{copy_in, line_diff};

/// The topics the cases must cover; a missing file fails rather than shrinking the suite.
const EXPECTED: &[&str] = &[
    "comments",
    "config-rules",
    "crlf",
    "legacy-names",
    "name-rules",
    "quoted-multiline",
    "short-values",
    "url-passwords",
];

fn cases() -> Vec<(String, PathBuf)> {
    let dir = fixtures("mask");
    let mut v: Vec<(String, PathBuf)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "env"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, p)
        })
        .collect();
    v.sort();
    for want in EXPECTED {
        assert!(
            v.iter().any(|(n, _)| n == want),
            "fixtures/mask/{want}.env is missing"
        );
    }
    v
}

/// A sandbox holding the case as `.env`, and its `[mask]` config when it has one.
fn sandbox_for(name: &str, path: &Path) -> Sandbox {
    let sb = Sandbox::new();
    copy_in(&sb, path, ".env");
    let config = fixtures("mask").join(format!("{name}.config.toml"));
    if config.is_file() {
        copy_in(&sb, &config, ".envseal/config.toml");
    }
    sb
}

fn view(sb: &Sandbox, args: &[&str]) -> Vec<u8> {
    let mut all = vec!["mask"];
    all.extend_from_slice(args);
    let run = sb.run(&all);
    run.ok();
    assert!(
        run.stderr.is_empty(),
        "`{}` printed on stderr: {}",
        run.what,
        run.stderr
    );
    run.stdout
}

#[test]
fn masked_views_match_the_golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for (name, path) in cases() {
        let sb = sandbox_for(&name, &path);
        for (suffix, args) in [
            ("golden", vec![".env"]),
            ("all.golden", vec!["--all", ".env"]),
        ] {
            let got = view(&sb, &args);
            let golden = fixtures("mask").join(format!("{name}.env.{suffix}"));
            if update {
                fs::write(&golden, &got).expect("write golden");
                continue;
            }
            let want = fs::read(&golden).unwrap_or_default();
            if want != got {
                failures.push(format!(
                    "envseal mask {} ({name}.env) differs from {}:\n{}",
                    args.join(" "),
                    golden.display(),
                    line_diff(
                        &String::from_utf8_lossy(&want),
                        &String::from_utf8_lossy(&got)
                    )
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(after an intended change: UPDATE_GOLDEN=1 cargo test --test cli mask_view, then review the diff)",
        failures.join("\n")
    );
}

#[test]
fn an_encrypted_file_shows_the_same_view_as_its_plaintext() {
    let key = test_key(40);
    for (name, path) in cases() {
        let sb = sandbox_for(&name, &path);
        let kf = sb.key_file("k.key", &key);
        sb.run(&["encrypt", "-q", "--key-file", &kf]).ok();
        sb.run(&[
            "encrypt",
            "-q",
            "--format",
            "fernet",
            "-o",
            "fernet.encrypted",
            "--key-file",
            &kf,
        ])
        .ok();
        for args in [vec![], vec!["--all"]] {
            let plain = view(&sb, &[&args[..], &[".env"]].concat());
            for enc in [".env.encrypted", "fernet.encrypted"] {
                let got = view(&sb, &[&args[..], &[enc, "--key-file", &kf]].concat());
                assert!(
                    plain == got,
                    "{name}: the view of {enc} {args:?} differs from the plaintext's:\n{}",
                    line_diff(
                        &String::from_utf8_lossy(&plain),
                        &String::from_utf8_lossy(&got)
                    )
                );
            }
        }
        // Without a key the view of the encrypted file fails closed and shows nothing.
        let run = sb.run(&["mask", ".env.encrypted"]);
        run.code(exit_code(Code::KeyMissing));
        assert!(run.stdout.is_empty());
    }
}

/// Independent of the golden files: what the rules call sensitive (live and commented-out
/// assignments, URL passwords) never shows in the view, and non-sensitive lines are
/// shown exactly as written.
#[test]
fn golden_views_show_no_sensitive_value_and_keep_the_rest() {
    for (name, path) in cases() {
        let text = fs::read(&path).unwrap();
        let golden = fs::read(fixtures("mask").join(format!("{name}.env.golden")))
            .unwrap_or_else(|e| panic!("{name}.env.golden: {e}"));
        let all = fs::read(fixtures("mask").join(format!("{name}.env.all.golden")))
            .unwrap_or_else(|e| panic!("{name}.env.all.golden: {e}"));
        let config = fixtures("mask").join(format!("{name}.config.toml"));
        let rules: Rules = if config.is_file() {
            let t: toml::Table = toml::from_str(&fs::read_to_string(&config).unwrap()).unwrap();
            t["mask"].clone().try_into().expect("[mask] table")
        } else {
            Rules::default()
        };
        let doc = dotenv::parse_bytes(&text).unwrap();
        let mut pairs: Vec<(String, String)> = doc
            .expose_pairs()
            .map(|(k, v)| (k.to_owned(), v.expose_secret().to_owned()))
            .collect();
        // Commented-out assignments: `#KEY=value`, `# export KEY = value`.
        for line in String::from_utf8_lossy(&text).lines() {
            let Some(body) = line.trim_start().strip_prefix('#') else {
                continue;
            };
            let body = body.trim_start();
            let body = body.strip_prefix("export ").unwrap_or(body);
            if let Some((k, v)) = body.split_once('=') {
                let k = k.trim();
                if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    pairs.push((k.to_owned(), v.trim().to_owned()));
                }
            }
        }
        let mut checked = 0;
        for (key, value) in &pairs {
            let hidden: Vec<&str> = if rules.is_sensitive(key) {
                vec![value.as_str()]
            } else if let Some(r) = url_password(value) {
                vec![&value[r]]
            } else {
                vec![]
            };
            for secret in hidden.iter().filter(|s| s.len() >= 4) {
                checked += 1;
                for (which, shown) in [("golden", &golden), ("all.golden", &all)] {
                    assert!(
                        !contains(&near(shown, key, secret), secret.as_bytes()),
                        "{name}.env.{which} shows the value of {key}"
                    );
                }
            }
            // --all hides every value of 4+ chars (short ones are `****`, also hidden).
            if value.len() >= 4 {
                assert!(
                    !contains(&near(&all, key, value), value.as_bytes()),
                    "{name}.env.all.golden shows the value of {key}"
                );
            }
        }
        assert!(checked > 0 || name == "empty", "{name}: nothing sensitive?");
        // Lines without an `=` (comments, blank lines) appear unchanged in the view.
        let golden_text = String::from_utf8_lossy(&golden);
        for line in String::from_utf8_lossy(&text).split_inclusive('\n') {
            if !line.contains('=') && !line.trim().is_empty() && line.trim_start().starts_with('#')
            {
                assert!(
                    golden_text.contains(line),
                    "{name}: the comment {line:?} is not kept"
                );
            }
        }
    }
}

/// Where to look for a secret in a view: all of it for long secrets; for short ones
/// (`pass`, `true`), which also occur in ordinary words, only the lines naming the key.
fn near(view: &[u8], key: &str, secret: &str) -> Vec<u8> {
    if secret.len() >= 8 {
        return view.to_vec();
    }
    view.split(|&b| b == b'\n')
        .filter(|l| contains(l, key.as_bytes()))
        .flat_map(|l| l.iter().copied().chain([b'\n']))
        .collect()
}

#[test]
fn line_endings_are_kept() {
    let crlf = fs::read(fixtures("mask/crlf.env")).unwrap();
    assert!(
        contains(&crlf, b"\r\n") && !crlf.ends_with(b"\n"),
        "crlf.env must use CRLF and have no final newline (check fixtures/mask/.gitattributes)"
    );
    for golden in ["crlf.env.golden", "crlf.env.all.golden"] {
        let g = fs::read(fixtures("mask").join(golden)).unwrap();
        let lf = g.iter().filter(|&&b| b == b'\n').count();
        let crlf_count = g.windows(2).filter(|w| w == b"\r\n").count();
        assert_eq!(
            (lf, crlf_count),
            (
                crlf.iter().filter(|&&b| b == b'\n').count(),
                crlf.iter().filter(|&&b| b == b'\n').count()
            ),
            "{golden}: every line keeps its CRLF"
        );
        assert!(!g.ends_with(b"\n"), "{golden}: no final newline added");
    }
}
