//! Reading team-key files from the command line (issue 12): `decrypt`, `run` and `edit`
//! open a v1 file through an age or SSH slot with the identity sources (`--identity`,
//! `ENVSEAL_AGE_KEY`, `ENVSEAL_AGE_KEY_FILE`, `~/.ssh/id_ed25519` with `HOME` in the
//! sandbox), a file with only public-key slots needs no master key anywhere, a KMS slot is
//! contacted only when nothing local opens the file (a counting TCP listener stands in for
//! the endpoint), and `run` keeps the identity variables from the child. Files are made
//! with the library (`v1::seal`) for recipients made by envseal or by `age-keygen` and
//! `ssh-keygen`; KMS slots are either real (moto) or written by a recipient that writes
//! an `aws-kms` line without calling anything.

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use envseal::format::os_random;
use envseal::format::v1::slot::age::{AgeIdentity, AgeRecipient, SshRecipient};
use envseal::format::v1::slot::{Recipient, SlotError, SlotLine, AWS_KMS};
use envseal::format::v1::{self, DataKey, Options};

use crate::common::{exit_code, test_key, Code, Sandbox};
use crate::flow::{git, init_repo};

pub(crate) const ENV: &str = "API_TOKEN=tok-age-0123456789\nDEBUG=false\n";
pub(crate) const SECRET: &str = "tok-age-0123456789";

pub(crate) fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-02T03:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// A v1 file of `ENV` sealed for `recipients`, written to `rel` in the sandbox.
pub(crate) fn seal_for(sb: &Sandbox, rel: &str, recipients: &[&dyn Recipient]) {
    let doc = envseal::dotenv::parse(ENV).unwrap();
    let mut random = |b: &mut [u8]| os_random(b);
    let text = v1::seal(&doc, recipients, Options::default(), now(), &mut random).unwrap();
    sb.write(rel, text);
}

/// A new age identity saved as an identity file (mode 0600) at `rel`; returns it.
pub(crate) fn age_identity_file(sb: &Sandbox, rel: &str) -> AgeIdentity {
    let id = AgeIdentity::generate("test");
    let p = sb.write(
        rel,
        format!("# an identity\n{}\n", id.expose_text().as_str()),
    );
    fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
    id
}

/// An `aws-kms` slot line for `arn` whose wrap is made-up bytes: written without a call,
/// so a test can see whether opening the file calls the key service.
pub(crate) struct OfflineKms(pub String);

impl Recipient for OfflineKms {
    fn kind(&self) -> &'static str {
        AWS_KMS
    }
    fn kid(&self) -> String {
        self.0.clone()
    }
    fn wrap(
        &self,
        _dk: &DataKey,
        created: DateTime<Utc>,
        _random: v1::Random,
    ) -> Result<SlotLine, SlotError> {
        Ok(SlotLine {
            kind: AWS_KMS.to_owned(),
            kid: self.0.clone(),
            created,
            extra: Vec::new(),
            wrap: vec![9; 48],
        })
    }
}

pub(crate) const FAKE_ARN: &str =
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// A TCP listener on 127.0.0.1 that counts the connections made to it and closes them:
/// `AWS_ENDPOINT_URL` pointed here shows whether a command called KMS.
pub(crate) struct Counter {
    pub url: String,
    hits: Arc<AtomicUsize>,
}

impl Counter {
    pub fn start() -> Counter {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                h.fetch_add(1, Ordering::SeqCst);
                drop(conn);
            }
        });
        Counter { url, hits }
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// The environment that sends KMS calls here (and nowhere else).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.url.clone()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
            ("AWS_MAX_ATTEMPTS", "1".to_owned()),
        ]
    }
}

fn run_env(sb: &Sandbox, args: &[&str], env: &[(&str, String)]) -> crate::common::Run {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    sb.run_env(args, &env)
}

#[test]
fn an_age_only_file_decrypts_through_each_identity_source_with_no_master_key_anywhere() {
    let sb = Sandbox::new();
    let id = age_identity_file(&sb, "me.txt");
    seal_for(&sb, ".env.encrypted", &[&id.recipient()]);
    // No keyring, no SECRETS_MASTER_KEY: the sandbox has none.
    assert!(!sb.keyring().exists());
    let want = ENV.as_bytes();

    let run = sb.run(&["decrypt", "--stdout", "--identity", "me.txt"]);
    run.ok();
    assert_eq!(run.stdout, want);

    let text = id.expose_text();
    let run = sb.run_env(
        &["decrypt", "--stdout"],
        &[("ENVSEAL_AGE_KEY", text.as_str())],
    );
    run.ok();
    assert_eq!(run.stdout, want);

    let run = sb.run_env(
        &["decrypt", "--stdout"],
        &[("ENVSEAL_AGE_KEY_FILE", "me.txt")],
    );
    run.ok();
    assert_eq!(run.stdout, want);

    // The identities directory ($ENVSEAL_KEYRING/identities here).
    fs::create_dir_all(sb.keyring().join("identities")).unwrap();
    fs::copy(sb.path("me.txt"), sb.keyring().join("identities/me.txt")).unwrap();
    let run = sb.run(&["decrypt", "-q", "-o", "out.env"]);
    run.ok();
    assert_eq!(sb.read("out.env"), want);
}

#[test]
fn an_identity_made_by_age_keygen_opens_the_file_and_a_missing_one_is_named_without_key_text() {
    let sb = Sandbox::new();
    let out = Command::new("age-keygen")
        .args(["-o", &sb.path("team.txt").display().to_string()])
        .output()
        .expect("run age-keygen (Debian package age)");
    assert!(out.status.success());
    let text = fs::read_to_string(sb.path("team.txt")).unwrap();
    let public = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_owned();
    let secret = text
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .unwrap()
        .to_owned();
    let other = AgeIdentity::generate("x");
    let recipient = AgeRecipient::parse(&public, Some("alice")).unwrap();
    seal_for(&sb, ".env.encrypted", &[&recipient]);

    let run = sb.run(&["decrypt", "--stdout", "--identity", "team.txt"]);
    run.ok();
    assert_eq!(run.stdout, ENV.as_bytes());

    // Another identity: refused as "no key", naming the slot, the identity tried (by its
    // public key and source) and what to do; never the private key text.
    let wrong = sb.write("other.txt", format!("{}\n", other.expose_text().as_str()));
    let _ = wrong;
    let run = sb.run(&["decrypt", "--stdout", "--identity", "other.txt"]);
    run.code(exit_code(Code::KeyMissing));
    assert!(run.stderr.contains(&public), "{}", run.stderr);
    assert!(run.stderr.contains("alice"), "{}", run.stderr);
    let other_kid = other.recipient().kid();
    assert!(run.stderr.contains(&other_kid), "{}", run.stderr);
    assert!(
        run.stderr.contains("--identity other.txt"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--identity FILE"), "{}", run.stderr);
    assert!(!run.stderr.contains("master"), "{}", run.stderr);
    run.no_leak(&[&secret, other.expose_text().as_str()]);
    assert!(run.stdout.is_empty());

    // Nothing at all: the same exit code, and where identities are looked for.
    let run = sb.run(&["decrypt", "--stdout"]);
    run.code(exit_code(Code::KeyMissing));
    assert!(
        run.stderr.contains("ENVSEAL_AGE_KEY_FILE"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_ssh_key_in_home_opens_its_slot_and_a_master_slot_still_opens_with_the_master_key() {
    let sb = Sandbox::new();
    fs::create_dir_all(sb.path("home/.ssh")).unwrap();
    let key = sb.path("home/.ssh/id_ed25519");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "bob@laptop", "-f"])
        .arg(&key)
        .output()
        .expect("run ssh-keygen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = fs::read_to_string(sb.path("home/.ssh/id_ed25519.pub")).unwrap();
    let ssh = SshRecipient::parse(public.trim(), None).unwrap();
    let master = test_key(91);
    let kf = sb.key_file("k.key", &master);
    seal_for(&sb, ".env.encrypted", &[&master, &ssh]);

    // HOME is the sandbox's: ~/.ssh/id_ed25519 opens the ssh slot.
    let run = sb.run(&["decrypt", "--stdout"]);
    run.ok();
    assert_eq!(run.stdout, ENV.as_bytes());
    // The master key opens the master slot, as it always did.
    fs::remove_file(&key).unwrap();
    let run = sb.run(&["decrypt", "--stdout"]);
    run.code(exit_code(Code::KeyMissing));
    let run = sb.run(&["decrypt", "--stdout", "--key-file", &kf]);
    run.ok();
    assert_eq!(run.stdout, ENV.as_bytes());
}

#[test]
fn run_through_an_age_identity_keeps_the_identity_variables_from_the_command() {
    let sb = Sandbox::new();
    let id = age_identity_file(&sb, "ci.txt");
    seal_for(&sb, ".env.encrypted", &[&id.recipient()]);
    let text = id.expose_text();
    for (var, value) in [
        ("ENVSEAL_AGE_KEY_FILE", "ci.txt"),
        ("ENVSEAL_AGE_KEY", text.as_str()),
    ] {
        let run = sb.run_env(&["run", "--", "env"], &[(var, value)]);
        run.ok();
        let out = run.stdout_text();
        assert!(out.contains(&format!("API_TOKEN={SECRET}\n")), "{out}");
        for name in ["ENVSEAL_AGE_KEY=", "ENVSEAL_AGE_KEY_FILE="] {
            assert!(
                !out.lines().any(|l| l.starts_with(name)),
                "{var}: the command saw {name}"
            );
        }
        assert!(!out.contains(text.as_str()));
    }
}

#[test]
fn edit_through_an_age_identity_keeps_the_slots_and_needs_no_master_key() {
    let sb = Sandbox::new();
    let id = age_identity_file(&sb, "me.txt");
    let other = AgeIdentity::generate("x");
    seal_for(
        &sb,
        ".env.encrypted",
        &[
            &id.recipient(),
            &OfflineKms(FAKE_ARN.to_owned()),
            &other.recipient(),
        ],
    );
    let slots = |bytes: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(bytes)
            .lines()
            .filter(|l| l.starts_with("#envseal:key "))
            .map(str::to_owned)
            .collect()
    };
    let before = slots(&sb.read(".env.encrypted"));
    let ed = sb.write(
        "editor.sh",
        "#!/bin/sh\nsed -i 's/DEBUG=false/DEBUG=true/' \"$1\"\n",
    );
    fs::set_permissions(&ed, fs::Permissions::from_mode(0o755)).unwrap();
    let editor = ed.display().to_string();
    let counter = Counter::start();
    let mut env = counter.env();
    env.push(("EDITOR", editor));
    env.push(("VISUAL", String::new()));
    let run = run_env(&sb, &["edit", "--identity", "me.txt"], &env);
    run.ok();
    assert_eq!(
        counter.hits(),
        0,
        "edit called KMS although an age slot opened"
    );
    let after = sb.read(".env.encrypted");
    assert_eq!(slots(&after), before, "every slot is kept, unchanged");
    let run = sb.run(&["decrypt", "--stdout", "--identity", "me.txt"]);
    run.ok();
    assert_eq!(run.stdout_text(), ENV.replace("DEBUG=false", "DEBUG=true"));
    // The other age recipient reads the edit too.
    sb.write("other.txt", format!("{}\n", other.expose_text().as_str()));
    sb.run(&["decrypt", "--stdout", "--identity", "other.txt"])
        .ok();
}

#[test]
fn kms_is_not_called_when_an_age_identity_opens_the_file_and_an_outage_is_not_a_wrong_key() {
    let sb = Sandbox::new();
    let id = age_identity_file(&sb, "me.txt");
    seal_for(
        &sb,
        ".env.encrypted",
        &[&OfflineKms(FAKE_ARN.to_owned()), &id.recipient()],
    );
    let counter = Counter::start();
    let run = run_env(
        &sb,
        &["decrypt", "--stdout", "--identity", "me.txt"],
        &counter.env(),
    );
    run.ok();
    assert_eq!(run.stdout, ENV.as_bytes());
    assert_eq!(
        counter.hits(),
        0,
        "KMS was called although an age slot opened"
    );

    // No local identity: KMS is called (once per file) and its failure to answer is
    // said as such: the slot, not "wrong key", not "modified".
    let run = run_env(&sb, &["decrypt", "--stdout"], &counter.env());
    run.code(exit_code(Code::KeyMissing));
    assert!(counter.hits() >= 1, "KMS was not called: {}", run.stderr);
    assert!(run.stderr.contains(FAKE_ARN), "{}", run.stderr);
    assert!(!run.stderr.contains("wrong key"), "{}", run.stderr);
    assert!(!run.stderr.contains("modified"), "{}", run.stderr);
}

#[cfg(feature = "aws-kms")]
#[test]
fn a_kms_only_file_decrypts_through_moto_with_credentials_from_the_environment() {
    let Some(moto) = crate::moto::moto() else {
        return;
    };
    let (arn, _alias) = crate::moto::new_key(&moto, "h12e-read");
    let kms = crate::moto::kms_key(&moto, &arn);
    let sb = Sandbox::new();
    seal_for(&sb, ".env.encrypted", &[&kms]);
    let env = [
        ("AWS_ENDPOINT_URL", moto.url.clone()),
        ("AWS_ACCESS_KEY_ID", "test".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ];
    let run = run_env(&sb, &["decrypt", "--stdout"], &env);
    run.ok();
    assert_eq!(run.stdout, ENV.as_bytes());
    let run = run_env(&sb, &["run", "--", "env"], &env);
    run.ok();
    assert!(run.stdout_text().contains(&format!("API_TOKEN={SECRET}\n")));
}

#[test]
fn the_hook_never_calls_kms_and_blocks_staged_identities_and_unauthored_files() {
    let sb = Sandbox::new();
    init_repo(&sb);
    sb.write(".gitignore", "/keyring/\n/home/\n/xdg/\n/me.txt\n");
    let id = age_identity_file(&sb, "me.txt");
    seal_for(
        &sb,
        ".env.encrypted",
        &[&OfflineKms(FAKE_ARN.to_owned()), &id.recipient()],
    );
    git(&sb, &["add", ".gitignore", ".env.encrypted"]);
    let counter = Counter::start();
    // No identity at hand: the file is not opened, and KMS is never asked.
    let run = run_env(&sb, &["hook", "run"], &counter.env());
    run.ok();
    // With the identity: opened locally (a corrupt file would be blocked), still no KMS.
    let mut env = counter.env();
    env.push(("ENVSEAL_AGE_KEY_FILE", "me.txt".to_owned()));
    run_env(&sb, &["hook", "run"], &env).ok();
    assert_eq!(counter.hits(), 0, "the hook called KMS");

    // A staged age identity file and an unencrypted OpenSSH private key are blocked
    // like a master key; the message never holds the key.
    let secret = id.expose_text();
    sb.write("ci-identity.txt", format!("{}\n", secret.as_str()));
    git(&sb, &["add", "ci-identity.txt"]);
    let run = sb.run(&["hook", "run"]);
    run.code(exit_code(Code::CheckFailed));
    assert!(run.stderr.contains("ci-identity.txt"), "{}", run.stderr);
    assert!(run.stderr.contains("age identity"), "{}", run.stderr);
    run.no_leak(&[secret.as_str()]);
    git(&sb, &["rm", "-q", "--cached", "ci-identity.txt"]);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(sb.path("deploy_key"))
        .output()
        .expect("run ssh-keygen");
    assert!(out.status.success());
    git(&sb, &["add", "deploy_key", "deploy_key.pub"]);
    let run = sb.run(&["hook", "run"]);
    run.code(exit_code(Code::CheckFailed));
    assert!(run.stderr.contains("deploy_key:"), "{}", run.stderr);
    assert!(run.stderr.contains("private key"), "{}", run.stderr);
    assert!(!run.stderr.contains("deploy_key.pub"), "{}", run.stderr);
    let pem = fs::read_to_string(sb.path("deploy_key")).unwrap();
    let body: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    run.no_leak(&body);
    git(
        &sb,
        &["rm", "-q", "--cached", "deploy_key", "deploy_key.pub"],
    );
    // A passphrase-protected key is not a leak by itself.
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "a passphrase", "-f"])
        .arg(sb.path("locked_key"))
        .output()
        .expect("run ssh-keygen");
    assert!(out.status.success());
    git(&sb, &["add", "locked_key"]);
    sb.run(&["hook", "run"]).ok();
    git(&sb, &["rm", "-q", "--cached", "locked_key"]);

    // Authorship: a rule that requires a secret slot blocks a staged file that anyone
    // with the public keys could have written (age + an unlisted KMS key).
    fs::create_dir_all(sb.path(".envseal")).unwrap();
    sb.write(
        ".envseal/config.toml",
        format!(
            "[[creation_rules]]\npath = \".env\"\nage = [\"{}\"]\naws_kms = [\"arn:aws:kms:us-east-1:111122223333:key/ffffffff-12ab-34cd-56ef-1234567890ab\"]\nrequire_secret_slot = true\n",
            id.recipient().kid()
        ),
    );
    let run = run_env(&sb, &["hook", "run"], &counter.env());
    run.code(exit_code(Code::CheckFailed));
    assert!(run.stderr.contains(".env.encrypted"), "{}", run.stderr);
    assert!(run.stderr.contains("creation rule #1"), "{}", run.stderr);
    // With a master slot the same rule is satisfied.
    let master = test_key(92);
    seal_for(&sb, ".env.encrypted", &[&master, &id.recipient()]);
    git(&sb, &["add", ".env.encrypted"]);
    run_env(&sb, &["hook", "run"], &counter.env()).ok();
    assert_eq!(counter.hits(), 0, "the hook called KMS");
}

/// Not a check: the fixture of `scripts/bench-slots.sh` (run there with `--ignored`).
/// Seals `$ENVSEAL_BENCH_DIR/small.env` for the age identity in
/// `$ENVSEAL_BENCH_DIR/me.txt` alone, into `small.age.v1`: the same plaintext as the
/// master-key file the script encrypts, through one age slot instead.
#[test]
#[ignore = "writes the fixture of scripts/bench-slots.sh"]
fn bench_slots_fixture() {
    let Ok(dir) = std::env::var("ENVSEAL_BENCH_DIR") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let plain = fs::read_to_string(dir.join("small.env")).unwrap();
    let ids = fs::read_to_string(dir.join("me.txt")).unwrap();
    let line = ids
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .unwrap();
    let id = AgeIdentity::parse(line, "bench").unwrap();
    let doc = envseal::dotenv::parse(&plain).unwrap();
    let mut random = |b: &mut [u8]| os_random(b);
    let text = v1::seal(
        &doc,
        &[&id.recipient()],
        Options::default(),
        now(),
        &mut random,
    )
    .unwrap();
    fs::write(dir.join("small.age.v1"), text).unwrap();
}
