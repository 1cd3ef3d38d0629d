//! `envseal status`: `--check` exit codes one problem kind at a time, and the JSON
//! schema documented in `src/commands/status.rs`.

use serde_json::Value;

use envseal::ledger::{Ledger, NewRotation};

use super::support::*;
use crate::common::{exit_code, Code};

/// A git project whose `.env` is encrypted with a keyring key and in sync: no problems.
fn healthy() -> (Project, envseal::key::Key) {
    let p = Project::git();
    let key = p.add_key();
    p.seal(".env", "DB_PASSWORD=hunter2\nDEBUG=0\n", &key, &[]);
    (p, key)
}

/// `status --check`: exit code, stdout lines; and the problem kinds from `--json`.
fn check(p: &Project) -> (i32, Vec<String>, Vec<String>) {
    let out = p.run(["status", "--check"]);
    let lines = stdout(&out).lines().map(str::to_owned).collect();
    let report = json(&p.run(["status", "--json"]));
    let kinds = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["kind"].as_str().unwrap().to_owned())
        .collect();
    (code(&out), lines, kinds)
}

#[test]
fn check_passes_on_a_healthy_project() {
    let (p, _) = healthy();
    let (code, lines, kinds) = check(&p);
    assert_eq!((code, lines, kinds), (exit_code(Code::Ok), vec![], vec![]));
}

#[test]
fn check_fails_on_a_stale_encrypted_file() {
    let (p, _) = healthy();
    p.write(".env", "DB_PASSWORD=hunter3\nDEBUG=0\n");
    let (code, lines, kinds) = check(&p);
    assert_eq!(code, exit_code(Code::CheckFailed));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with(".env.encrypted:"), "{lines:?}");
    assert!(!lines[0].contains("hunter"), "{lines:?}");
    assert_eq!(kinds, ["stale"]);
}

#[test]
fn check_fails_on_an_overdue_key() {
    let (p, _) = healthy();
    p.write(".envseal/config.toml", "rotation_interval_days = 0\n");
    let (code, lines, kinds) = check(&p);
    assert_eq!(code, exit_code(Code::CheckFailed));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(".env.encrypted") && lines[0].contains("overdue"));
    assert_eq!(kinds, ["overdue"]);
}

#[test]
fn check_fails_on_a_plaintext_env_tracked_by_git() {
    let (p, _) = healthy();
    p.git_ok(&["add", "-f", ".env"]);
    let (code, lines, kinds) = check(&p);
    assert_eq!(code, exit_code(Code::CheckFailed));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with(".env:"), "{lines:?}");
    assert_eq!(kinds, ["tracked_plaintext"]);
}

#[test]
fn check_fails_on_an_unfinished_rotation() {
    let (p, key) = healthy();
    let next = p.add_key();
    let ledger = Ledger::open(&p.ledger_path()).unwrap();
    ledger
        .begin_rotation(&NewRotation {
            old_key_id: key.id(),
            new_key_id: next.id(),
            reason: "crashed".into(),
            files: vec![".env.encrypted".into()],
            new_key_location: p.keyring_path(&next.id()).display().to_string(),
        })
        .unwrap();
    let (code, lines, kinds) = check(&p);
    assert_eq!(code, exit_code(Code::CheckFailed));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("unfinished") && lines[0].contains("--resume"));
    assert_eq!(kinds, ["unfinished_rotation"]);
}

// --- JSON schema -------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum T {
    Str,
    Num,
    Bool,
    Arr,
    OptStr,
    OptNum,
    OptBool,
}

fn has_type(v: &Value, t: T) -> bool {
    match t {
        T::Str => v.is_string(),
        T::Num => v.is_i64() || v.is_u64(),
        T::Bool => v.is_boolean(),
        T::Arr => v.is_array(),
        T::OptStr => v.is_null() || v.is_string(),
        T::OptNum => v.is_null() || v.is_i64() || v.is_u64(),
        T::OptBool => v.is_null() || v.is_boolean(),
    }
}

/// `obj` has exactly these fields, each of its type.
fn assert_shape(what: &str, obj: &Value, fields: &[(&str, T)]) {
    let map = obj
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {obj}"));
    for (name, t) in fields {
        let v = map
            .get(*name)
            .unwrap_or_else(|| panic!("{what}: missing field {name}: {obj}"));
        assert!(has_type(v, *t), "{what}.{name} should be {t:?}: {v}");
    }
    let extra: Vec<&String> = map
        .keys()
        .filter(|k| fields.iter().all(|(n, _)| n != k))
        .collect();
    assert!(extra.is_empty(), "{what}: undocumented fields {extra:?}");
}

/// A rotation as the ledger serialises it (`unfinished_rotations`, `--history`).
fn assert_rotation(what: &str, r: &Value) {
    assert_shape(
        what,
        r,
        &[
            ("id", T::Num),
            ("status", T::Str),
            ("old_key_id", T::Str),
            ("new_key_id", T::Str),
            ("reason", T::Str),
            ("files", T::Arr),
            ("started_at", T::Str),
            ("finished_at", T::OptStr),
            ("duration_ms", T::OptNum),
            ("verification", T::OptStr),
            ("failure_reason", T::OptStr),
            ("actor", T::Str),
            ("tool_version", T::Str),
            ("new_key_location", T::Str),
        ],
    );
    assert!(r["files"].as_array().unwrap().iter().all(Value::is_string));
    assert!(
        [
            "initiated",
            "in_progress",
            "completed",
            "failed",
            "rolled_back"
        ]
        .contains(&r["status"].as_str().unwrap()),
        "{r}"
    );
    for t in ["started_at", "finished_at"] {
        if let Some(s) = r[t].as_str() {
            assert!(
                chrono::DateTime::parse_from_rfc3339(s).is_ok(),
                "{what}.{t}: {s}"
            );
        }
    }
}

#[test]
fn json_report_has_every_documented_field_with_its_type() {
    let (p, key) = healthy();
    // One of everything: a Fernet file without its plaintext, a tracked plaintext, a
    // stale file, an unfinished rotation.
    p.seal(".env.legacy", "OLD=1\n", &key, &["--format", "fernet"]);
    std::fs::remove_file(p.path(".env.legacy")).unwrap();
    p.write(".env", "DB_PASSWORD=changed\n");
    p.git_ok(&["add", "-f", ".env"]);
    let next = p.add_key();
    Ledger::open(&p.ledger_path())
        .unwrap()
        .begin_rotation(&NewRotation {
            old_key_id: key.id(),
            new_key_id: next.id(),
            reason: "schema".into(),
            files: vec![".env.encrypted".into()],
            new_key_location: p.keyring_path(&next.id()).display().to_string(),
        })
        .unwrap();

    let report = json(&p.run(["status", "--json"]));
    assert_shape(
        "report",
        &report,
        &[
            ("schema", T::Num),
            ("project_root", T::Str),
            ("ledger", T::OptStr),
            ("rotation_interval_days", T::Num),
            ("files", T::Arr),
            ("plaintext_files", T::Arr),
            ("unfinished_rotations", T::Arr),
            ("recipient_events", T::Arr),
            ("problems", T::Arr),
        ],
    );
    assert_eq!(report["schema"], 1);
    assert_eq!(report["rotation_interval_days"], 90);
    assert_eq!(report["project_root"], p.root.display().to_string());
    assert_eq!(report["ledger"], p.ledger_path().display().to_string());

    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{files:?}");
    for f in files {
        assert_shape(
            "files[]",
            f,
            &[
                ("path", T::Str),
                ("format", T::Str),
                ("key_id", T::OptStr),
                ("key_created", T::OptStr),
                ("key_age_days", T::OptNum),
                ("last_rotation", T::OptStr),
                ("next_due", T::OptStr),
                ("overdue", T::Bool),
                ("plaintext", T::OptStr),
                ("sync", T::Str),
            ],
        );
        assert!(["v1", "fernet", "unknown"].contains(&f["format"].as_str().unwrap()));
        assert!([
            "in_sync",
            "stale",
            "encrypted_changed",
            "both_changed",
            "unknown",
            "no_plaintext"
        ]
        .contains(&f["sync"].as_str().unwrap()));
    }
    let by_path = |path: &str| files.iter().find(|f| f["path"] == path).unwrap();
    assert_eq!(by_path(".env.encrypted")["sync"], "stale");
    assert_eq!(by_path(".env.encrypted")["key_id"], key.id().as_str());
    assert_eq!(by_path(".env.legacy.encrypted")["format"], "fernet");
    assert_eq!(by_path(".env.legacy.encrypted")["sync"], "no_plaintext");

    let plain = report["plaintext_files"].as_array().unwrap();
    assert!(!plain.is_empty());
    for f in plain {
        assert_shape(
            "plaintext_files[]",
            f,
            &[
                ("path", T::Str),
                ("tracked", T::Bool),
                ("ignored", T::OptBool),
            ],
        );
    }
    let unfinished = report["unfinished_rotations"].as_array().unwrap();
    assert_eq!(unfinished.len(), 1);
    assert_rotation("unfinished_rotations[]", &unfinished[0]);
    assert_eq!(unfinished[0]["status"], "initiated");

    let problems = report["problems"].as_array().unwrap();
    for x in problems {
        assert_shape(
            "problems[]",
            x,
            &[("kind", T::Str), ("path", T::OptStr), ("message", T::Str)],
        );
    }
    let mut kinds: Vec<&str> = problems
        .iter()
        .map(|x| x["kind"].as_str().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["stale", "tracked_plaintext", "unfinished_rotation"]);

    // Without a ledger, "ledger" is null and nothing is created.
    let (q, _) = healthy();
    let ledger_dir = q.ledger_path().parent().unwrap().to_path_buf();
    std::fs::remove_dir_all(&ledger_dir).unwrap();
    let report = json(&q.run(["status", "--json"]));
    assert!(report["ledger"].is_null());
    assert!(!ledger_dir.exists(), "status created a ledger");
}

#[test]
fn history_json_lists_rotations_newest_first() {
    let (p, key) = healthy();
    p.ok(["rotate", "--force", "--no-backup", "--reason", "first"]);
    p.ok(["rotate", "--force", "--no-backup", "--reason", "second"]);
    let v = json(&p.ok(["status", "--history", "--json"]));
    assert_shape(
        "history",
        &v,
        &[
            ("schema", T::Num),
            ("rotations", T::Arr),
            ("recipient_events", T::Arr),
        ],
    );
    assert_eq!(v["schema"], 1);
    let rs = v["rotations"].as_array().unwrap();
    assert_eq!(rs.len(), 2, "{rs:?}");
    for r in rs {
        assert_rotation("rotations[]", r);
        assert_eq!(r["status"], "completed");
        assert!(r["finished_at"].is_string() && r["duration_ms"].is_u64());
        assert_eq!(r["files"], serde_json::json!([".env.encrypted"]));
        assert!(r["verification"].as_str().unwrap().contains("1/1"));
    }
    assert_eq!(rs[0]["reason"], "second");
    assert_eq!(rs[1]["reason"], "first");
    assert!(rs[0]["id"].as_i64() > rs[1]["id"].as_i64());
    assert!(rs[0]["started_at"].as_str() >= rs[1]["started_at"].as_str());
    assert_eq!(rs[1]["old_key_id"], key.id().as_str());
    assert_eq!(rs[0]["old_key_id"], rs[1]["new_key_id"]);
    // --limit
    let v = json(&p.ok(["status", "--history", "--json", "--limit", "1"]));
    assert_eq!(v["rotations"].as_array().unwrap().len(), 1);
    assert_eq!(v["rotations"][0]["reason"], "second");
}
