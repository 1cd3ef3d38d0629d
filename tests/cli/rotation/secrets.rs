//! The ledger never holds a secret: after encrypt, decrypt (right and wrong key), rotate
//! (keyring and --new-key-file), resume and status, no value and no key appears in the
//! ledger's bytes, in any encoding we can think of, nor in anything the commands print.

use base64::Engine;

use super::support::*;
use crate::common::{exit_code, Code};

fn encodings(bytes: &[u8]) -> Vec<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    vec![
        bytes.to_vec(),
        STANDARD.encode(bytes).into_bytes(),
        STANDARD_NO_PAD.encode(bytes).into_bytes(),
        URL_SAFE.encode(bytes).into_bytes(),
        URL_SAFE_NO_PAD.encode(bytes).into_bytes(),
        hex.to_uppercase().into_bytes(),
        hex.into_bytes(),
    ]
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.len() <= hay.len() && hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_ledger_never_holds_a_value_or_a_key() {
    let p = Project::git();
    let key = p.add_key();
    let values = [
        "pw-9c1f7e0a-LEDGER-CANARY-1",
        "sk_live_4b8d2f6a-LEDGER-CANARY-2",
        "line one LEDGER-CANARY-3\nline two",
        "commented-LEDGER-CANARY-4",
        "fernet-LEDGER-CANARY-5",
    ];
    let env = format!(
        "DB_PASSWORD={}\nexport STRIPE_SECRET_KEY='{}'\nCERT=\"{}\"\n#OLD_PASSWORD={}\n",
        values[0], values[1], values[2], values[3]
    );
    // Hold a connection open for the whole test: SQLite then keeps the WAL file instead
    // of checkpointing and deleting it when each command exits, so its frames are
    // inspected too.
    p.seal(".env", &env, &key, &[]);
    let holder = p.ledger().unwrap();
    p.seal(
        ".env.legacy",
        format!("LEGACY_TOKEN={}\n", values[4]),
        &key,
        &["--format", "fernet"],
    );

    let mut outputs = Vec::new();
    let key_arg = p.keyring_path(&key.id()).display().to_string();
    outputs.push(p.ok(["decrypt", ".env.encrypted", "--stdout"]).stderr);
    outputs.push(p.ok(["decrypt", ".env.encrypted", "--force"]).stderr);
    let (_, wrong) = p.key_file("wrong.key");
    let out = p.run([
        "decrypt",
        ".env.encrypted",
        "--stdout",
        "--key-file",
        wrong.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), exit_code(Code::WrongKey), "{}", describe(&out));
    outputs.extend([out.stdout, out.stderr]);
    let out = p.ok([
        "rotate",
        "--force",
        "--reason",
        "canary",
        "--key-file",
        &key_arg,
    ]);
    outputs.extend([out.stdout, out.stderr]);
    let new_file = p.home.join("next.key");
    let out = p.run([
        "rotate",
        "--force",
        "--no-backup",
        "--json",
        "--new-key-file",
        new_file.to_str().unwrap(),
        ".env.encrypted",
    ]);
    assert_eq!(code(&out), exit_code(Code::Ok), "{}", describe(&out));
    outputs.extend([out.stdout, out.stderr]);
    for args in [
        &["status"][..],
        &["status", "--json"],
        &["status", "--check"],
        &["status", "--history", "--json"],
    ] {
        let out = p.run(args);
        outputs.extend([out.stdout, out.stderr]);
    }

    // Every key that ever existed here.
    let mut keys: Vec<envseal::key::Key> = p
        .keyring_files()
        .iter()
        .map(|f| envseal::key::read_key_file(&p.keyring.join(f), &mut |_| {}).unwrap())
        .collect();
    keys.push(envseal::key::read_key_file(&new_file, &mut |_| {}).unwrap());
    keys.push(envseal::key::read_key_file(&wrong, &mut |_| {}).unwrap());
    assert_eq!(keys.len(), 4);

    let mut needles: Vec<(String, Vec<u8>)> = Vec::new();
    for v in values {
        for (i, e) in encodings(v.as_bytes()).into_iter().enumerate() {
            needles.push((format!("value {v:?} encoding {i}"), e));
        }
    }
    for k in &keys {
        for (i, e) in encodings(k.expose_bytes()).into_iter().enumerate() {
            needles.push((format!("key {} encoding {i}", k.id()), e));
        }
        needles.push((
            format!("key {} text", k.id()),
            k.expose_text().as_bytes().to_vec(),
        ));
    }

    let db_files: Vec<std::path::PathBuf> = ["ledger.db", "ledger.db-wal", "ledger.db-shm"]
        .iter()
        .map(|n| p.ledger_path().with_file_name(n))
        .filter(|f| f.exists())
        .collect();
    assert!(
        db_files.len() >= 2,
        "expected the database and its WAL: {db_files:?}"
    );
    // Sanity: the ledger did record the work (so there was something to leak).
    assert!(holder.event_count().unwrap() >= 6);
    assert_eq!(holder.rotation_count().unwrap(), 2);
    for f in &db_files {
        let bytes = std::fs::read(f).unwrap();
        for (what, n) in &needles {
            assert!(!contains(&bytes, n), "{} holds {what}", f.display());
        }
    }
    for (i, out) in outputs.iter().enumerate() {
        for (what, n) in &needles {
            // (decrypt --stdout's stdout, the one place values belong, is not captured.)
            assert!(!contains(out, n), "output #{i} holds {what}");
        }
    }
    // The fingerprints are there, as they should be.
    let db = std::fs::read(&db_files[0])
        .into_iter()
        .chain(db_files.get(1).map(|f| std::fs::read(f).unwrap()))
        .flatten()
        .collect::<Vec<u8>>();
    assert!(contains(&db, key.id().as_str().as_bytes()));
    drop(holder);
}
