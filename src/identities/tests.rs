//! Identity sources: precedence, laziness, errors. Keys are made by the real `ssh-keygen`;
//! the environment is passed in (tests run in parallel threads of one process).

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::*;
use crate::format::v1::slot::age::tests::{dk, ssh_keygen, wrap};
use crate::format::v1::slot::age::{AgeIdentity, SshRecipient};

struct Env {
    vars: HashMap<&'static str, OsString>,
}

impl Env {
    fn new(home: &Path) -> Env {
        let mut vars = HashMap::new();
        vars.insert("HOME", home.as_os_str().to_owned());
        Env { vars }
    }
    fn set(mut self, name: &'static str, v: impl Into<OsString>) -> Env {
        self.vars.insert(name, v.into());
        self
    }
    fn identities(&self, explicit: &[PathBuf], dir: &Path) -> Identities {
        Identities::with_env(explicit, dir.to_owned(), &|n| self.vars.get(n).cloned())
    }
}

fn identity_text(ids: &[&AgeIdentity]) -> String {
    let mut text = String::from("# an identity file\n\n");
    for id in ids {
        text.push_str(&format!(
            "# public key: {}\n{}\n",
            id.kid(),
            *id.expose_text()
        ));
    }
    text
}

fn found(ids: &mut Identities, slot: &SlotLine, warnings: &mut Vec<String>) -> Option<String> {
    ids.find(slot, &mut |w| warnings.push(w))
        .unwrap()
        .map(|i| i.source())
}

#[test]
fn the_first_source_holding_the_kid_wins_in_the_documented_order() {
    let t = tempfile::tempdir().unwrap();
    let id = AgeIdentity::generate("t");
    let slot = wrap(&id.recipient(), &dk(1));
    let text = identity_text(&[&id]);
    let flag = t.path().join("flag.txt");
    let env_file = t.path().join("env.txt");
    let dir = t.path().join("identities");
    std::fs::create_dir(&dir).unwrap();
    for f in [&flag, &env_file, &dir.join("me.txt")] {
        std::fs::write(f, &text).unwrap();
    }
    let env = Env::new(t.path())
        .set("ENVSEAL_AGE_KEY", text.clone())
        .set("ENVSEAL_AGE_KEY_FILE", env_file.clone());
    let mut w = Vec::new();
    let cases: [(&[PathBuf], &Env, String); 4] = [
        (
            std::slice::from_ref(&flag),
            &env,
            format!("--identity {}", flag.display()),
        ),
        (&[], &env, "ENVSEAL_AGE_KEY".to_owned()),
        (
            &[],
            &Env::new(t.path()).set("ENVSEAL_AGE_KEY_FILE", env_file.clone()),
            format!("ENVSEAL_AGE_KEY_FILE={}", env_file.display()),
        ),
        (
            &[],
            &Env::new(t.path()),
            dir.join("me.txt").display().to_string(),
        ),
    ];
    for (explicit, env, want) in cases {
        let mut ids = env.identities(explicit, &dir);
        assert_eq!(found(&mut ids, &slot, &mut w), Some(want.clone()));
        let got = ids.find(&slot, &mut |_| {}).unwrap().unwrap();
        assert_eq!(
            got.unwrap(&slot).unwrap().expose_bytes(),
            &[1; 32],
            "{want}"
        );
    }
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn sources_are_read_only_until_the_kid_is_found_and_ssh_never_for_an_age_slot() {
    let t = tempfile::tempdir().unwrap();
    let home = t.path().join("home");
    // Unreadable as a file: reading it gives a warning, so a warning proves a read.
    std::fs::create_dir_all(home.join(".ssh/id_ed25519")).unwrap();
    let dir = t.path().join("identities");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("broken.txt"), "AGE-SECRET-KEY-1NOTAKEY\n").unwrap();
    let id = AgeIdentity::generate("t");
    let flag = t.path().join("flag.txt");
    std::fs::write(&flag, identity_text(&[&id])).unwrap();
    let age_slot = wrap(&id.recipient(), &dk(2));
    let env = Env::new(&home);

    // Found in --identity: the identities directory is not read (no warning for broken.txt).
    let mut w = Vec::new();
    let mut ids = env.identities(std::slice::from_ref(&flag), &dir);
    assert!(found(&mut ids, &age_slot, &mut w).is_some());
    assert!(w.is_empty(), "{w:?}");

    // A master slot reads nothing at all.
    let mut master = age_slot.clone();
    master.kind = "master".to_owned();
    let mut ids = env.identities(&[], &dir);
    assert_eq!(found(&mut ids, &master, &mut w), None);
    assert!(w.is_empty(), "{w:?}");

    // An age slot no one holds: the directory is read (one warning), ~/.ssh is not.
    let other = AgeIdentity::generate("t");
    let unknown = wrap(&other.recipient(), &dk(2));
    assert_eq!(found(&mut ids, &unknown, &mut w), None);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("broken.txt:1") && !w[0].contains("NOTAKEY"),
        "{w:?}"
    );

    // An ssh slot no one holds reads ~/.ssh: the unreadable key is a warning.
    w.clear();
    let (_, public) = ssh_keygen(t.path(), "ed25519");
    let r = SshRecipient::parse(&std::fs::read_to_string(public).unwrap(), None).unwrap();
    let ssh_slot = wrap(&r, &dk(2));
    assert_eq!(found(&mut ids, &ssh_slot, &mut w), None);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains(".ssh/id_ed25519"), "{w:?}");
    assert_eq!(ids.tried().len(), 0);
}

#[test]
fn ssh_keys_come_from_home_and_a_slot_is_chosen_by_kid() {
    let t = tempfile::tempdir().unwrap();
    let ssh = t.path().join(".ssh");
    std::fs::create_dir(&ssh).unwrap();
    let (_, ed_pub) = ssh_keygen(&ssh, "ed25519");
    let (_, rsa_pub) = ssh_keygen(&ssh, "rsa");
    let slot_for = |p: &Path| {
        let r = SshRecipient::parse(&std::fs::read_to_string(p).unwrap(), None).unwrap();
        wrap(&r, &dk(3))
    };
    let (ed_slot, rsa_slot) = (slot_for(&ed_pub), slot_for(&rsa_pub));
    let dir = t.path().join("none");
    let mut ids = Env::new(t.path()).identities(&[], &dir);
    let mut w = Vec::new();
    assert_eq!(
        found(&mut ids, &rsa_slot, &mut w),
        Some(ssh.join("id_rsa").display().to_string())
    );
    assert_eq!(
        found(&mut ids, &ed_slot, &mut w),
        Some(ssh.join("id_ed25519").display().to_string())
    );
    assert!(w.is_empty(), "{w:?}");
    // The slot names the ed25519 key but holds a wrap for the rsa key: the ed25519 key is
    // the one tried, it refuses, and the rsa key (another kid) is never tried.
    let mut swapped = ed_slot.clone();
    swapped.wrap = rsa_slot.wrap.clone();
    let id = ids.find(&swapped, &mut |_| {}).unwrap().unwrap();
    assert_eq!(id.kid(), ed_slot.kid);
    assert!(matches!(
        id.unwrap(&swapped),
        Err(crate::format::v1::slot::SlotError::Refused { .. })
    ));
    // ENVSEAL_AGE_KEY may hold an OpenSSH private key too.
    let text = std::fs::read_to_string(ssh.join("id_ed25519")).unwrap();
    let mut ids = Env::new(Path::new("/nonexistent"))
        .set("ENVSEAL_AGE_KEY", text)
        .identities(&[], &dir);
    assert_eq!(
        found(&mut ids, &ed_slot, &mut w),
        Some("ENVSEAL_AGE_KEY".to_owned())
    );
}

#[test]
fn a_passphrase_protected_key_is_a_clear_error_never_a_prompt() {
    let t = tempfile::tempdir().unwrap();
    let ssh = t.path().join(".ssh");
    std::fs::create_dir(&ssh).unwrap();
    let key = ssh.join("id_ed25519");
    let st = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "pass phrase", "-C", "t", "-f"])
        .arg(&key)
        .stdin(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let r = SshRecipient::parse(
        &std::fs::read_to_string(key.with_extension("pub")).unwrap(),
        None,
    )
    .unwrap();
    let slot = wrap(&r, &dk(4));
    let dir = t.path().join("none");
    // Given with --identity: an error at once.
    let mut ids = Env::new(Path::new("/nonexistent")).identities(std::slice::from_ref(&key), &dir);
    let err = ids.find(&slot, &mut |_| {}).err().unwrap();
    assert!(matches!(err, IdentityError::Encrypted { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("--identity")
            && msg.contains("passphrase-protected")
            && msg.contains("age identity"),
        "{msg}"
    );
    // In ~/.ssh: an error only for the slot it would open.
    let mut ids = Env::new(t.path()).identities(&[], &dir);
    let err = ids.find(&slot, &mut |_| {}).err().unwrap();
    assert!(err.to_string().contains(".ssh/id_ed25519"), "{err}");
    let other = AgeIdentity::generate("t");
    let mut other_slot = wrap(&other.recipient(), &dk(4));
    other_slot.kind = "ssh".to_owned();
    other_slot.kid = "SHA256:someoneelse".to_owned();
    assert!(ids.find(&other_slot, &mut |_| {}).unwrap().is_none());
}

#[test]
fn malformed_identities_are_named_by_source_and_line_never_by_their_text() {
    let t = tempfile::tempdir().unwrap();
    let a = AgeIdentity::generate("t");
    let b = AgeIdentity::generate("t");
    let good = identity_text(&[&a, &b]);
    // Two identities and comments: both are read.
    let ids = parse(&good, "x").unwrap();
    let kids: Vec<String> = ids.iter().map(|i| i.kid()).collect();
    assert_eq!(kids, [a.kid(), b.kid()]);
    // One damaged character on line 6: the last one replaced by another of the alphabet
    // (always another: a key that ends in `X` stayed whole, one run in 32).
    let secret = b.expose_text().to_string();
    let other = if secret.ends_with('X') { 'Y' } else { 'X' };
    let damaged_line = format!("{}{other}", &secret[..secret.len() - 1]);
    assert_ne!(damaged_line, secret);
    let bad = good.replace(secret.as_str(), &damaged_line);
    let file = t.path().join("ci.txt");
    std::fs::write(&file, &bad).unwrap();
    let dir = t.path().join("none");
    let mut ids = Env::new(Path::new("/nonexistent")).identities(std::slice::from_ref(&file), &dir);
    let slot = wrap(&a.recipient(), &dk(5));
    let err = ids.find(&slot, &mut |_| {}).err().unwrap();
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("--identity {}:6:", file.display())),
        "{msg}"
    );
    for leak in [&damaged_line[16..], &secret[16..], &a.expose_text()[16..]] {
        assert!(!msg.contains(leak), "{msg}");
        assert!(!format!("{err:?}").contains(leak));
    }
    let mut ids = Env::new(Path::new("/nonexistent"))
        .set("ENVSEAL_AGE_KEY", "AGE-SECRET-KEY-1NOPE")
        .identities(&[], &dir);
    let msg = ids.find(&slot, &mut |_| {}).err().unwrap().to_string();
    assert!(
        msg.starts_with("ENVSEAL_AGE_KEY:1:") && !msg.contains("NOPE"),
        "{msg}"
    );
    // Missing files named as given; an empty one says so.
    let missing = t.path().join("missing.txt");
    let mut ids = Env::new(Path::new("/nonexistent"))
        .set("ENVSEAL_AGE_KEY_FILE", missing.clone())
        .identities(&[], &dir);
    let msg = ids.find(&slot, &mut |_| {}).err().unwrap().to_string();
    assert!(
        msg.contains("ENVSEAL_AGE_KEY_FILE=") && msg.contains("missing.txt"),
        "{msg}"
    );
    assert!(matches!(
        parse("# nothing\n\n", "e"),
        Err(IdentityError::Empty { .. })
    ));
}
