//! Each dialect against the real loader (issue 14): every file of the shared corpus
//! (`../shared/corpus/dotenv/`) and of `fixtures/dotenv/` is read by python-dotenv
//! (`dotenv_values`, run with `python3`), node's `dotenv` (`dotenv.parse`, run with
//! `node`; installed by `.ci/run` into `target/node-dotenv`) and the `dotenvy` crate
//! (`from_read_iter`, in process), and by envseal in that dialect. For every file a loader
//! reads without error, the key -> value maps must be equal; a file dotenvy rejects must
//! be rejected by envseal's dotenvy reading too, with a line and column. Files that are not
//! UTF-8 are left out: envseal refuses them everywhere (node would read replacement
//! characters). Missing python-dotenv or node dotenv: skip, except under `CI=true`.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use envseal::dialect::{self, Dialect, Options};
use envseal::dotenv;

use crate::common::{ci, fixtures, shared_dir};

type Map = BTreeMap<String, Option<String>>;

/// What a loader made of a file.
enum Loaded {
    Read(Map),
    Rejected,
}

fn files() -> Vec<PathBuf> {
    let mut dirs = vec![fixtures("dotenv")];
    dirs.extend(shared_dir("corpus/dotenv"));
    let mut out = Vec::new();
    for dir in dirs {
        for e in fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "env") {
                out.push(p);
            }
        }
    }
    out.sort();
    assert!(
        out.len() > 70,
        "the corpus and fixtures hold {} files",
        out.len()
    );
    out
}

fn missing(what: &str) {
    let msg = format!("{what} is not available");
    assert!(!ci(), "{msg}; CI is set, so this is a failure");
    eprintln!("SKIPPED: {msg}");
}

/// The directory holding `node_modules/dotenv` (`.ci/run` installs it there).
fn node_dotenv_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/node-dotenv")
}

/// Variables a corpus file refers to (`${HOME}`, `$USER`, ...) get known values; the
/// loader process's whole environment is what envseal expands against.
fn loader_env() -> Vec<(&'static str, &'static str)> {
    vec![("HOME", "/home/dialect-test"), ("USER", "tester")]
}

/// python-dotenv over every file: `dotenv_values(path)` (interpolation on, the default),
/// plus the environment python saw (it may add variables of its own, e.g. `LC_CTYPE`).
fn python(files: &[PathBuf]) -> Option<(Vec<Loaded>, HashMap<String, String>, String)> {
    let script = r#"
import json, os, sys, logging
logging.disable(logging.CRITICAL)
import dotenv
from importlib.metadata import version
out = []
for p in sys.argv[1:]:
    try:
        out.append({"values": dotenv.dotenv_values(p)})
    except UnicodeDecodeError:
        out.append({"error": True})
print(json.dumps({"version": version("python-dotenv"), "env": dict(os.environ), "files": out}))
"#;
    let mut cmd = Command::new("python3");
    cmd.envs(loader_env()).arg("-c").arg(script).args(files);
    let out = cmd.output().ok().filter(|o| o.status.success())?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let env = serde_json::from_value(v["env"].clone()).unwrap();
    let loaded = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| match f.get("values") {
            Some(m) => Loaded::Read(serde_json::from_value(m.clone()).unwrap()),
            None => Loaded::Rejected,
        })
        .collect();
    Some((loaded, env, v["version"].as_str().unwrap().to_owned()))
}

/// node dotenv over every file: `dotenv.parse(fs.readFileSync(path))`.
fn node(files: &[PathBuf]) -> Option<(Vec<Loaded>, String)> {
    let dir = node_dotenv_dir();
    if !dir.join("node_modules/dotenv/package.json").exists() {
        return None;
    }
    let script = r#"
const fs = require("fs");
const dotenv = require("dotenv");
const version = require("dotenv/package.json").version;
const files = process.argv.slice(1).map(p => ({ values: dotenv.parse(fs.readFileSync(p)) }));
process.stdout.write(JSON.stringify({ version, files }));
"#;
    let out = Command::new("node")
        .current_dir(&dir)
        .envs(loader_env())
        .env("NODE_PATH", dir.join("node_modules"))
        .arg("-e")
        .arg(script)
        .args(files)
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let loaded = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let m: BTreeMap<String, String> = serde_json::from_value(f["values"].clone()).unwrap();
            Loaded::Read(m.into_iter().map(|(k, v)| (k, Some(v))).collect())
        })
        .collect();
    Some((loaded, v["version"].as_str().unwrap().to_owned()))
}

/// dotenvy as `dotenvy::dotenv()` loads a file: `Iter::load` removes a BOM, then reads
/// `from_read_iter`'s items in order, keeping the first of duplicate keys (it never
/// overwrites a set variable); the first error stops it.
fn dotenvy_load(bytes: &[u8]) -> Loaded {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut map = Map::new();
    for item in dotenvy::from_read_iter(bytes) {
        match item {
            Ok((k, v)) => {
                map.entry(k).or_insert(Some(v));
            }
            Err(_) => return Loaded::Rejected,
        }
    }
    Loaded::Read(map)
}

fn show_diff(ours: &Map, theirs: &Map) -> String {
    let mut keys: Vec<&String> = ours.keys().chain(theirs.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| ours.get(*k) != theirs.get(*k))
        .map(|k| {
            format!(
                "{k:?}: envseal {:?}, loader {:?}",
                ours.get(k),
                theirs.get(k)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What `run` read before dialects (python-dotenv's rules with exceptions, no
/// expansion unless `--expand`; files with an unterminated quote refused).
fn legacy(bytes: &[u8]) -> Option<Map> {
    if !dotenv::unterminated_quotes(bytes).is_empty() {
        return None;
    }
    let doc = dotenv::parse_bytes(bytes).ok()?;
    let mut map = Map::new();
    for line in &doc.lines {
        if let Some(k) = line.key_name() {
            map.insert(
                k.to_owned(),
                line.expose_value().map(|v| v.expose_secret().to_owned()),
            );
        }
    }
    Some(map)
}

struct Tally {
    agree: usize,
    agree_legacy: usize,
    compared: usize,
    rejected: usize,
}

fn check(
    dialect: Dialect,
    files: &[PathBuf],
    loaded: &[Loaded],
    env: &HashMap<String, String>,
    opts: Options,
    failures: &mut Vec<String>,
) -> Tally {
    let mut t = Tally {
        agree: 0,
        agree_legacy: 0,
        compared: 0,
        rejected: 0,
    };
    for (path, theirs) in files.iter().zip(loaded) {
        let name = path.file_name().unwrap().to_string_lossy();
        let bytes = fs::read(path).unwrap();
        let Ok(doc) = dotenv::parse_bytes(&bytes) else {
            continue; // not UTF-8: refused by envseal everywhere
        };
        let ours = dialect::read(&doc, dialect, env, opts);
        match (theirs, ours) {
            (Loaded::Read(theirs), Ok(ours)) => {
                t.compared += 1;
                let ours = ours.map();
                if &ours == theirs {
                    t.agree += 1;
                } else {
                    failures.push(format!("{dialect} {name}: {}", show_diff(&ours, theirs)));
                }
                if legacy(&bytes).as_ref() == Some(theirs) {
                    t.agree_legacy += 1;
                }
            }
            (Loaded::Read(_), Err(e)) => {
                t.compared += 1;
                failures.push(format!(
                    "{dialect} {name}: envseal rejects a file the loader reads: {e}"
                ));
            }
            (Loaded::Rejected, Ok(_)) => {
                failures.push(format!(
                    "{dialect} {name}: the loader rejects it, envseal reads it"
                ));
            }
            (Loaded::Rejected, Err(e)) => {
                t.rejected += 1;
                let p = &e.problem;
                let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 2;
                if p.line == 0 || p.line > lines || p.column == 0 {
                    failures.push(format!("{dialect} {name}: implausible position {p}"));
                }
            }
        }
    }
    t
}

#[test]
fn every_dialect_reads_every_file_as_its_loader_does() {
    let files = files();
    let mut failures = Vec::new();
    let mut report = Vec::new();
    let dotenvy_loaded: Vec<Loaded> = files
        .iter()
        .map(|p| dotenvy_load(&fs::read(p).unwrap()))
        .collect();
    let process_env: HashMap<String, String> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let mut dialects = vec![(
        Dialect::Dotenvy,
        "dotenvy 0.15 (dev-dependency)".to_owned(),
        dotenvy_loaded,
        process_env,
        false,
    )];
    match python(&files) {
        Some((loaded, env, version)) => dialects.push((
            Dialect::Python,
            format!("python-dotenv {version}"),
            loaded,
            env,
            true,
        )),
        None => missing("python3 with python-dotenv (pip install python-dotenv)"),
    }
    match node(&files) {
        Some((loaded, version)) => {
            // node dotenv never expands: no environment matters.
            let env = HashMap::new();
            dialects.push((
                Dialect::Node,
                format!("node dotenv {version}"),
                loaded,
                env,
                false,
            ));
        }
        None => missing(&format!(
            "node with the dotenv package in {} (npm install --prefix target/node-dotenv dotenv)",
            node_dotenv_dir().display()
        )),
    }
    for (dialect, loader, loaded, env, override_env) in &dialects {
        // dotenv_values() interpolates with override=True; dotenvy's load keeps the
        // first of duplicate keys (override false).
        let opts = Options {
            expand: true,
            override_env: *override_env,
        };
        let t = check(*dialect, &files, loaded, env, opts, &mut failures);
        report.push(format!(
            "{dialect} vs {loader}: {} of {} files read alike (before dialects: {}), {} rejected by both",
            t.agree, t.compared, t.agree_legacy, t.rejected
        ));
    }
    println!("{}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "{}\n{}",
        report.join("\n"),
        failures.join("\n")
    );
}

// --- The binary: `run --dialect`, the config key, refusals, `mask --dialect`, encrypt. ---

use crate::common::{exit_code, Code};
use crate::common::{position_after, test_key, Sandbox};

/// A file the three loaders read differently, and all three accept: backticks (node's
/// third quote), escapes in double quotes (node: only `\n`), duplicate keys (dotenvy's
/// load keeps the first), `${VAR}` (node never expands; dotenvy takes the file's latest
/// value).
const DIFFERENT: &str = "BT=`backtick`\nTAB=\"a\\tb\"\nDUP=first\nDUP=second\nEXP=${DUP}-x\nDEF=${ENVSEAL_T_UNSET:-dflt}\n";

/// Encrypt `text` as `.env.encrypted` in a new sandbox; the plaintext stays as `plain.env`.
fn sealed(text: &str) -> (Sandbox, String) {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(61));
    sb.write(".env", text);
    sb.run(&["encrypt", "-q", "--key-file", &kf]).ok();
    fs::rename(sb.path(".env"), sb.path("plain.env")).unwrap();
    (sb, kf)
}

/// The child's environment under `envseal run ARGS -- env -0`, for the keys of `keys`.
fn child(sb: &Sandbox, args: &[&str], keys: &[&str]) -> Map {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--", "env", "-0"]);
    let run = sb.run(&all);
    run.ok();
    let env: HashMap<String, String> = run
        .stdout
        .split(|&b| b == 0)
        .filter_map(|r| {
            let (k, v) = std::str::from_utf8(r).ok()?.split_once('=')?;
            Some((k.to_owned(), v.to_owned()))
        })
        .collect();
    keys.iter()
        .filter_map(|k| Some((k.to_string(), Some(env.get(*k)?.clone()))))
        .collect()
}

/// The real loaders' readings of one file.
fn loaders(path: &Path) -> Vec<(Dialect, Map)> {
    let files = [path.to_owned()];
    let mut out = Vec::new();
    if let Loaded::Read(m) = dotenvy_load(&fs::read(path).unwrap()) {
        out.push((Dialect::Dotenvy, m));
    }
    match python(&files) {
        Some((mut l, ..)) => {
            if let Loaded::Read(m) = l.remove(0) {
                out.push((Dialect::Python, m));
            }
        }
        None => missing("python3 with python-dotenv"),
    }
    match node(&files) {
        Some((mut l, _)) => {
            if let Loaded::Read(m) = l.remove(0) {
                out.push((Dialect::Node, m));
            }
        }
        None => missing("node with the dotenv package"),
    }
    out
}

#[test]
fn run_dialect_gives_the_child_what_that_loader_reads() {
    let (sb, kf) = sealed(DIFFERENT);
    let keys = ["BT", "TAB", "DUP", "EXP", "DEF"];
    let readings = loaders(&sb.path("plain.env"));
    for (dialect, theirs) in &readings {
        let got = child(
            &sb,
            &["--dialect", dialect.name(), "--key-file", &kf],
            &keys,
        );
        assert_eq!(&got, theirs, "run --dialect {dialect}");
    }
    // They do differ: one reading for all would not pass the loop above.
    let maps: Vec<&Map> = readings.iter().map(|(_, m)| m).collect();
    for (i, a) in maps.iter().enumerate() {
        for b in &maps[i + 1..] {
            assert_ne!(a, b);
        }
    }
    // No flag: python, as `dialect` in the config would say.
    let python = child(&sb, &["--key-file", &kf], &keys);
    assert_eq!(python["BT"].as_deref(), Some("`backtick`"));
    assert_eq!(python["EXP"].as_deref(), Some("second-x"));
}

#[test]
fn the_config_dialect_is_the_default_and_the_flag_wins() {
    let (sb, kf) = sealed(DIFFERENT);
    fs::create_dir_all(sb.path(".envseal")).unwrap();
    sb.write(".envseal/config.toml", "dialect = \"node\"\n");
    let got = child(&sb, &["--key-file", &kf], &["BT", "EXP"]);
    assert_eq!(
        got["BT"].as_deref(),
        Some("backtick"),
        "node strips backticks"
    );
    assert_eq!(
        got["EXP"].as_deref(),
        Some("${DUP}-x"),
        "node never expands"
    );
    let got = child(&sb, &["--dialect", "python", "--key-file", &kf], &["BT"]);
    assert_eq!(got["BT"].as_deref(), Some("`backtick`"));
    sb.write(".envseal/config.toml", "dialect = \"perl\"\n");
    // An unknown dialect in the config is the config's error (as any bad config key),
    // and nothing runs.
    let run = sb.run(&["run", "--key-file", &kf, "--", "touch", "ran"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("config.toml:1:"), "{}", run.stderr);
    assert!(!sb.path("ran").exists());
}

#[test]
fn a_file_dotenvy_rejects_runs_nothing_and_names_the_line() {
    let secret = "s3cret-after-space";
    let (sb, kf) = sealed(&format!("A=1\nB=x {secret}\n"));
    let run = sb.run(&[
        "run",
        "--dialect",
        "dotenvy",
        "--key-file",
        &kf,
        "--",
        "touch",
        "ran",
    ]);
    run.code(exit_code(Code::BadInput)).no_leak(&[secret]);
    assert_eq!(
        position_after(&run.stderr, ".env.encrypted"),
        Some((2, 5)),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("dotenvy"), "{}", run.stderr);
    assert!(!sb.path("ran").exists());
    // The real dotenvy rejects it too.
    assert!(matches!(
        dotenvy_load(&sb.read("plain.env")),
        Loaded::Rejected
    ));
}

#[test]
fn expand_switches_that_no_loader_has_are_usage_errors() {
    let (sb, kf) = sealed("A=1\n");
    for args in [
        ["--dialect", "node", "--expand"],
        ["--dialect", "dotenvy", "--no-expand"],
    ] {
        let mut all = vec!["run"];
        all.extend_from_slice(&args);
        all.extend_from_slice(&["--key-file", &kf, "--", "true"]);
        sb.run(&all).code(exit_code(Code::Usage));
    }
}

/// Issue 14, item 1: a value whose quote never closes is encrypted (the line whole),
/// with a warning at file:line:column and none of its text; the round trip is
/// byte-exact; python's reading skips the line and reads the next one, with a warning.
#[test]
fn an_unterminated_quote_is_encrypted_whole_with_a_positioned_warning() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(62));
    let secret = "open-secret-value";
    let text = format!("A=first\nB_KEY = \"{secret}\nC=after\n");
    sb.write("open.env", &text);
    for format in ["v1", "fernet"] {
        let out = format!("open.{format}");
        let run = sb.run(&[
            "encrypt",
            "open.env",
            "-o",
            &out,
            "--format",
            format,
            "--key-file",
            &kf,
        ]);
        run.ok().no_leak(&[secret, "B_KEY"]);
        assert_eq!(
            position_after(&run.stderr, "open.env"),
            Some((2, 9)),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("never closed"), "{}", run.stderr);
        let sealed = sb.read(&out);
        assert!(!crate::common::contains(&sealed, secret.as_bytes()));
        assert!(!crate::common::contains(&sealed, b"B_KEY"));
        let dec = sb.run(&["decrypt", &out, "--stdout", "--key-file", &kf]);
        dec.ok();
        assert!(dec.stdout == text.as_bytes(), "{format}: round trip");
    }
    // The independent decoder written from docs/FORMAT.md reads the whole-line entry too.
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/v1_reference.py");
    match Command::new("python3")
        .arg(&reference)
        .arg(sb.path(&kf))
        .arg(sb.path("open.v1"))
        .output()
    {
        Ok(o) if o.status.success() => assert!(o.stdout == text.as_bytes(), "reference decoder"),
        Ok(o) if String::from_utf8_lossy(&o.stderr).contains("cryptography") => {
            missing("python3 with cryptography")
        }
        other => panic!("scripts/v1_reference.py failed: {other:?}"),
    }
    fs::rename(sb.path("open.v1"), sb.path(".env.encrypted")).unwrap();
    let run = sb.run(&["run", "--key-file", &kf, "--", "env", "-0"]);
    run.ok();
    assert!(!run.stderr.contains(secret));
    assert_eq!(
        position_after(&run.stderr, ".env.encrypted"),
        Some((2, 9)),
        "{}",
        run.stderr
    );
    let env = run.stdout_text();
    assert!(env.split('\0').any(|v| v == "A=first"));
    assert!(env.split('\0').any(|v| v == "C=after"));
    assert!(!env.contains("B_KEY"));
}

/// `mask --dialect` takes the secret values as that loader reads them: node leaves `\t`
/// in double quotes as written, python-dotenv makes it a tab.
#[test]
fn mask_dialect_masks_the_values_that_loader_reads() {
    use std::io::Write;
    let sb = Sandbox::new();
    sb.write(".env", "API_TOKEN=\"tok\\tsecret-1234\"\n");
    let log = "calling with tok\\tsecret-1234 now\n";
    let filter = |extra: &[&str]| {
        let mut c = sb.command();
        c.args(["mask", "--secrets", ".env"]).args(extra);
        c.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(log.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(filter(&["--dialect", "node"]), "calling with *** now\n");
    assert_eq!(filter(&["--dialect", "python"]), log);
}

/// `get` and `export` read through the dialect as `run` does: each, for each dialect,
/// gives what that loader reads from the same file.
#[test]
fn get_and_export_dialect_give_what_that_loader_reads() {
    let (sb, kf) = sealed(DIFFERENT);
    let keys = ["BT", "TAB", "DUP", "EXP", "DEF"];
    let readings = loaders(&sb.path("plain.env"));
    for (dialect, theirs) in &readings {
        let d = dialect.name();
        let got: Map = keys
            .iter()
            .filter_map(|k| {
                let run = sb.run(&["get", k, "--dialect", d, "--key-file", &kf]);
                (run.code == exit_code(Code::Ok)).then(|| (k.to_string(), Some(run.stdout_text())))
            })
            .collect();
        assert_eq!(&got, theirs, "get --dialect {d}");
        let json = sb
            .run(&["export", "--as", "json", "--dialect", d, "--key-file", &kf])
            .ok()
            .stdout_text();
        let all: BTreeMap<String, String> = serde_json::from_str(&json).expect("json");
        let exported: Map = keys
            .iter()
            .filter_map(|k| Some((k.to_string(), Some(all.get(*k)?.clone()))))
            .collect();
        assert_eq!(&exported, theirs, "export --as json --dialect {d}");
    }
}
