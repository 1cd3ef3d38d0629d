//! Recipient events (schema v3), on real SQLite files in temporary directories.

use super::*;

const ALICE: &str = "age17768nhn5xd225a4jqerhzfus2lh4v0w9yly99zds2dsmw3lk6cwq3nsuuz";

fn temp_ledger() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = Ledger::open(&dir.path().join("ledger.db")).expect("open");
    (dir, ledger)
}

fn slot_event(file: &str, action: RecipientAction, kind: &str, kid: &str) -> NewRecipientEvent {
    NewRecipientEvent {
        file: file.into(),
        action,
        slot_type: kind.into(),
        slot_kid: kid.into(),
        name: None,
        data_key_replaced: action != RecipientAction::Added,
    }
}

#[test]
fn recipient_events_round_trip_newest_first() {
    let (_dir, l) = temp_ledger();
    let line = format!(
        "#envseal:key type=age kid={ALICE} created=2026-01-01T00:00:00Z name=alice wrap=AQID\n"
    );
    let slot = crate::format::v1::slot::SlotLine::parse(&line).expect("slot");
    let added = NewRecipientEvent::for_slot(".env.encrypted", RecipientAction::Added, &slot, false);
    assert_eq!(added.name.as_deref(), Some("alice"));
    let ids = l
        .record_recipient_events(&[
            added.clone(),
            slot_event(
                "api/.env.encrypted",
                RecipientAction::Added,
                "aws-kms",
                "arn:aws:kms:eu-west-1:123456789012:key/k1",
            ),
        ])
        .expect("record");
    let removed = slot_event(".env.encrypted", RecipientAction::Removed, "age", ALICE);
    let last = l.record_recipient_events(&[removed]).expect("record")[0];
    assert!(ids[0] < ids[1] && ids[1] < last);
    assert_eq!(l.recipient_event_count().expect("count"), 3);
    let got = l.recipient_events(10).expect("list");
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].id, last, "newest first");
    assert_eq!(got[0].action, RecipientAction::Removed);
    assert!(got[0].data_key_replaced);
    assert_eq!(got[2].file, ".env.encrypted");
    assert_eq!(got[2].slot_type, "age");
    assert_eq!(got[2].slot_kid, ALICE);
    assert_eq!(got[2].name.as_deref(), Some("alice"));
    assert!(!got[2].data_key_replaced);
    assert_eq!(got[2].rotation_id, None);
    assert_eq!(got[2].actor, l.actor);
    assert_eq!(l.recipient_events(1).expect("list").len(), 1);
    let json = serde_json::to_value(&got[2]).expect("json");
    assert_eq!(json["action"], "added");
    assert_eq!(json["data_key_replaced"], false);
    assert!(json["at"].as_str().expect("at").ends_with('Z'));
}

#[test]
fn a_rotations_rewraps_are_recorded_with_its_completion_or_not_at_all() {
    let (_dir, l) = temp_ledger();
    let rewrapped = [
        slot_event(".env.encrypted", RecipientAction::Rewrapped, "age", ALICE),
        slot_event(
            ".env.encrypted",
            RecipientAction::Rewrapped,
            "master",
            "sha256:00000000000000aa",
        ),
    ];
    let id = l
        .begin_rotation(&NewRotation {
            old_key_id: "sha256:0000000000000001".parse().unwrap(),
            new_key_id: "sha256:0000000000000002".parse().unwrap(),
            reason: "offboarding".into(),
            files: vec![".env.encrypted".into()],
            new_key_location: "keys/new.key".into(),
        })
        .expect("begin");
    // `initiated → completed` is refused: the events go with it.
    assert!(matches!(
        l.complete_with_recipient_events(id, "1/1", &rewrapped),
        Err(LedgerError::InvalidTransition { .. })
    ));
    assert_eq!(l.recipient_event_count().expect("count"), 0);
    l.set_in_progress(id).expect("in progress");
    l.complete_with_recipient_events(id, "1/1 files verified", &rewrapped)
        .expect("complete");
    assert_eq!(
        l.history(1).expect("history")[0].status,
        RotationStatus::Completed
    );
    let got = l.recipient_events(10).expect("list");
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|e| e.rotation_id == Some(id)));
    assert!(got.iter().all(|e| e.action == RecipientAction::Rewrapped));
}

#[test]
fn only_public_slot_data_is_recorded() {
    let (dir, l) = temp_ledger();
    let identity =
        "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ9F35G4";
    let fernet_key = "dGhpcyBpcyBub3QgYSByZWFsIGtleSwganVzdCB0ZXg=";
    let good = slot_event(".env.encrypted", RecipientAction::Added, "age", ALICE);
    let mut bad_kid = good.clone();
    bad_kid.slot_kid = identity.into();
    let mut fernet_kid = good.clone();
    fernet_kid.slot_kid = fernet_key.into();
    let mut bad_kind = good.clone();
    bad_kind.slot_type = "Age".into();
    let mut bad_name = good.clone();
    bad_name.name = Some("alice smith".into());
    let mut secret_name = good.clone();
    secret_name.name = Some(identity.to_lowercase());
    for (bad, field) in [
        (bad_kid, "slot key id"),
        (fernet_kid, "slot key id"),
        (bad_kind, "slot type"),
        (bad_name, "slot name"),
        (secret_name, "slot name"),
    ] {
        // The good event in the same batch is not recorded either.
        let e = l
            .record_recipient_events(&[good.clone(), bad])
            .expect_err("refused");
        assert!(matches!(e, LedgerError::NotPublic { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains(field), "{msg}");
        assert!(!msg.contains("QQQQ") && !msg.contains("dGhp"), "{msg}");
    }
    assert_eq!(l.recipient_event_count().expect("count"), 0);
    drop(l);
    for f in ["ledger.db", "ledger.db-wal"] {
        let bytes = std::fs::read(dir.path().join(f)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).to_uppercase();
        assert!(!text.contains("QQQQQQQQ"), "{f}");
    }
}

#[test]
fn recipient_events_query_uses_its_index() {
    let (_dir, l) = temp_ledger();
    let plan: Vec<String> = l
        .conn
        .prepare(&format!(
            "EXPLAIN QUERY PLAN {}",
            recipients::SQL_RECIPIENT_EVENTS
        ))
        .expect("explain")
        .query_map([20_i64], |r| r.get(3))
        .expect("plan")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    let text = plan.join(" | ");
    assert!(text.contains("USING INDEX recipient_events_at"), "{text}");
    assert!(!text.contains("TEMP B-TREE"), "{text}");
}

/// `fixtures/ledger/v2.db` was written by the binary of main before schema v3 (see its
/// README): opening it migrates to v3 and keeps every row.
#[test]
fn a_v2_ledger_from_the_previous_release_migrates_keeping_every_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ledger.db");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ledger/v2.db");
    std::fs::copy(fixture, &path).expect("copy");
    let count = |c: &Connection, t: &str| -> i64 {
        c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .expect("count")
    };
    let before = {
        let c = Connection::open(&path).expect("sqlite");
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(v, 2, "the fixture is a v2 ledger");
        ["rotations", "rotation_files", "events", "sync_pairs"].map(|t| count(&c, t))
    };
    assert_eq!(before, [2, 3, 9, 2]);
    let l = Ledger::open(&path).expect("open migrates");
    let v: i64 = l
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(v, 3);
    assert_eq!(
        ["rotations", "rotation_files", "events", "sync_pairs"].map(|t| count(&l.conn, t)),
        before
    );
    assert_eq!(l.history(10).expect("history").len(), 2);
    assert_eq!(l.events(100).expect("events").len(), 9);
    assert_eq!(l.recipient_event_count().expect("count"), 0);
    l.record_recipient_events(&[slot_event(
        ".env.encrypted",
        RecipientAction::Added,
        "age",
        ALICE,
    )])
    .expect("record");
    assert_eq!(l.recipient_event_count().expect("count"), 1);
}
