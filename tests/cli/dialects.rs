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
            map.insert(k.to_owned(), line.value());
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
