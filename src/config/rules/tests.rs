//! Creation rules: parsing, matching, validation errors and the authorship check, on real
//! config files in temporary directories.

use super::super::{load, path_in, Config, ConfigError};
use super::*;

const ALICE: &str = "age17768nhn5xd225a4jqerhzfus2lh4v0w9yly99zds2dsmw3lk6cwq3nsuuz";
const BOB: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICu7z94nDQeUtCVZGkkCpdQb92NPcz8dIJKpGUw5ZTKI bob@laptop";
const KMS: &str = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ALIAS: &str = "arn:aws:kms:eu-west-1:123456789012:alias/envseal/prod_ci";

fn project(text: &str) -> (tempfile::TempDir, Result<Config, ConfigError>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".envseal")).unwrap();
    std::fs::write(path_in(dir.path()), text).unwrap();
    let c = load(dir.path());
    (dir, c)
}

fn config(text: &str) -> Config {
    project(text).1.unwrap()
}

fn error(text: &str) -> String {
    project(text).1.unwrap_err().to_string()
}

fn slot(kind: &str, kid: &str) -> SlotLine {
    let line =
        format!("#envseal:key type={kind} kid={kid} created=2026-01-01T00:00:00Z wrap=AQID\n");
    SlotLine::parse(&line).unwrap()
}

#[test]
fn first_matching_rule_wins_and_a_rule_without_path_catches_the_rest() {
    let c = config(&format!(
        "rotation_interval_days = 30\n\
         [[creation_rules]]\n\
         path = \".env.production\"\n\
         aws_kms = [\"{KMS}\"]\n\
         require_secret_slot = true\n\
         \n\
         [[creation_rules]]\n\
         path = \"services/*/.env*\"\n\
         age = [\"{ALICE}\"]\n\
         ssh = [\"{BOB}\", \"keys/carol.pub\"]\n\
         \n\
         [[creation_rules]]\n\
         recipients = [{{ age = \"{ALICE}\", name = \"alice\" }}, {{ aws_kms = \"{ALIAS}\", name = \"ci\" }}]\n\
         master = true\n"
    ));
    assert_eq!(c.rotation_interval_days, 30);
    assert_eq!(c.creation_rules.len(), 3);
    let number = |p: &str| c.rule_for(Path::new(p)).map(|r| r.number);
    // The plaintext path and its encrypted file match the same rule.
    assert_eq!(number(".env.production"), Some(1));
    assert_eq!(number(".env.production.encrypted"), Some(1));
    assert_eq!(number("./.env.production.encrypted"), Some(1));
    assert_eq!(number("services/api/.env"), Some(2));
    assert_eq!(number("services/api/.env.encrypted"), Some(2));
    // `*` stays inside one directory.
    assert_eq!(number("services/api/deep/.env"), Some(3));
    assert_eq!(number("other/.env.production"), Some(3));
    let first = &c.creation_rules[0];
    assert!(
        !first.master,
        "a rule with recipients has no master slot unless asked"
    );
    assert!(first.require_secret_slot);
    assert_eq!(first.line, 2, "{}", first.describe());
    assert_eq!(
        first.recipients,
        vec![RuleRecipient {
            spec: RecipientSpec::AwsKms(KMS.to_owned()),
            name: None,
            line: 4
        }]
    );
    let second = &c.creation_rules[1];
    let kinds: Vec<&str> = second
        .recipients
        .iter()
        .map(|r| r.spec.slot_kind())
        .collect();
    assert_eq!(kinds, ["age", "ssh", "ssh"]);
    let third = &c.creation_rules[2];
    assert!(third.master);
    assert_eq!(third.recipients[0].name.as_deref(), Some("alice"));
    assert_eq!(
        third.recipients[1].spec,
        RecipientSpec::AwsKms(ALIAS.to_owned())
    );
    assert_eq!(third.recipients[1].name.as_deref(), Some("ci"));
    assert!(
        third.describe().contains("every file"),
        "{}",
        third.describe()
    );
}

#[test]
fn no_rules_keep_todays_behaviour() {
    let c = config("rotation_interval_days = 7\n");
    assert!(c.creation_rules.is_empty());
    assert!(c.rule_for(Path::new(".env")).is_none());
    assert!(Config::default().rule_for(Path::new(".env")).is_none());
    // A rule with no recipient keeps the master slot by default.
    let c = config("[[creation_rules]]\npath = \".env\"\n");
    assert!(c.creation_rules[0].master);
}

#[test]
fn an_ssh_pub_path_is_read_relative_to_the_project_root() {
    let (dir, c) = project("[[creation_rules]]\nssh = [\"keys/bob.pub\"]\n");
    let c = c.unwrap();
    let r = &c.creation_rules[0].recipients[0];
    let e = r.ssh_key_text(dir.path()).unwrap().unwrap_err().to_string();
    assert!(e.contains("config.toml:2:"), "{e}");
    std::fs::create_dir(dir.path().join("keys")).unwrap();
    std::fs::write(dir.path().join("keys/bob.pub"), format!("{BOB}\n")).unwrap();
    assert_eq!(r.ssh_key_text(dir.path()).unwrap().unwrap(), BOB);
    std::fs::write(dir.path().join("keys/bob.pub"), "not a key\n").unwrap();
    let e = r.ssh_key_text(dir.path()).unwrap().unwrap_err().to_string();
    assert!(
        e.contains("does not hold") && !e.contains("not a key"),
        "{e}"
    );
}

#[test]
fn typos_fail_at_their_line_without_echoing_the_text() {
    let cases: &[(String, &str, &str)] = &[
        (
            format!(
                "[[creation_rules]]\npath = \".env\"\nage = [\"{}b\"]\n",
                &ALICE[..61]
            ),
            "config.toml:3:",
            "invalid age recipient",
        ),
        (
            "[[creation_rules]]\n\nssh = [\"ssh-ed25519 AAAAhunter2\"]\n".to_owned(),
            "config.toml:3:",
            "invalid ssh recipient",
        ),
        (
            "[[creation_rules]]\nssh = [\"/home/me/hunter2.pub\"]\n".to_owned(),
            "config.toml:2:",
            "relative to the project root",
        ),
        (
            "[[creation_rules]]\naws_kms = [\"arn:aws:kms:eu-west-1:12345:key/hunter2\"]\n"
                .to_owned(),
            "config.toml:2:",
            "invalid aws_kms key",
        ),
        (
            "[[creation_rules]]\npath = \"{hunter2\"\nmaster = true\n".to_owned(),
            "config.toml:2:",
            "invalid path glob (unclosed alternate group)",
        ),
        (
            format!(
                "[[creation_rules]]\nrecipients = [{{ age = \"{ALICE}\", name = \"hunter 2\" }}]\n"
            ),
            "config.toml:2:",
            "invalid recipient name",
        ),
        (
            format!(
                "[[creation_rules]]\nrecipients = [{{ age = \"{ALICE}\", ssh = \"{BOB}\" }}]\n"
            ),
            "config.toml:2:",
            "exactly one of age, ssh, aws_kms",
        ),
        (
            "[[creation_rules]]\npath = \".env\"\nmaster = false\n".to_owned(),
            "config.toml:",
            "gives no way to open a file",
        ),
        (
            format!("[[creation_rules]]\nage = [\"{ALICE}\"]\nrequire_secret_slot = true\n"),
            "config.toml:3:",
            "require_secret_slot needs master = true or an aws_kms key",
        ),
        (
            "[[creation_rules]]\npath = \".env\"\nhunter2 = 1\n".to_owned(),
            "config.toml:3:",
            "unknown field, expected one of",
        ),
        (
            "[[creation_rules]]\nage = \"hunter2\"\n".to_owned(),
            "config.toml:2:",
            "invalid type",
        ),
    ];
    for (text, at, what) in cases {
        let e = error(text);
        assert!(e.contains(at) && e.contains(what), "{text:?}: {e}");
        assert!(!e.contains("hunter"), "{text:?}: {e}");
        assert!(!e.contains(&ALICE[4..20]), "{text:?}: {e}");
    }
}

#[test]
fn a_private_key_pasted_as_a_recipient_is_refused_and_not_echoed() {
    let identity =
        "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ9F35G4";
    let e = error(&format!(
        "[[creation_rules]]\npath = \".env\"\nage = [\"{identity}\"]\n"
    ));
    assert!(
        e.contains("config.toml:3:") && e.contains("PRIVATE key"),
        "{e}"
    );
    assert!(!e.contains("QQQQ"), "{e}");
    let e = error(
        "[[creation_rules]]\nssh = [\"-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjE\"]\n",
    );
    assert!(e.contains("PRIVATE key") && !e.contains("b3BlbnNz"), "{e}");
}

#[test]
fn authorship_needs_a_master_or_a_listed_kms_slot() {
    let c = config(&format!(
        "[[creation_rules]]\npath = \".env.production\"\naws_kms = [\"{KMS}\"]\nage = [\"{ALICE}\"]\nrequire_secret_slot = true\n\
         [[creation_rules]]\npath = \".env.staging\"\nage = [\"{ALICE}\"]\nmaster = true\nrequire_secret_slot = true\n\
         [[creation_rules]]\nage = [\"{ALICE}\"]\n"
    ));
    let prod = Path::new(".env.production.encrypted");
    let age = slot("age", ALICE);
    let master = slot("master", "sha256:3f9a0c1d2e4b5a6c");
    let listed = slot("aws-kms", KMS);
    let foreign = slot(
        "aws-kms",
        "arn:aws:kms:us-east-1:999999999999:key/attacker-owned",
    );
    assert!(c
        .authorship_problem(prod, &[age.clone(), listed.clone()])
        .is_none());
    assert!(c
        .authorship_problem(prod, &[master.clone(), age.clone()])
        .is_none());
    // Only public-key slots: anyone with the public keys could have written it.
    let (rule, p) = c
        .authorship_problem(prod, std::slice::from_ref(&age))
        .unwrap();
    assert_eq!(rule.number, 1);
    let msg = p.to_string();
    assert!(msg.contains("rule #1 at line 1"), "{msg}");
    assert!(msg.contains(&format!("age slot {ALICE}")), "{msg}");
    assert!(msg.contains(&format!("aws-kms slot for {KMS}")), "{msg}");
    // A KMS key the rule does not name proves nothing: anyone can make one.
    assert!(c
        .authorship_problem(prod, &[age.clone(), foreign.clone()])
        .is_some());
    assert!(c.authorship_problem(prod, &[]).is_some());
    let staging = Path::new(".env.staging.encrypted");
    assert!(c
        .authorship_problem(staging, std::slice::from_ref(&master))
        .is_none());
    // No KMS key named: any aws-kms slot counts.
    assert!(c
        .authorship_problem(staging, std::slice::from_ref(&foreign))
        .is_none());
    assert!(c
        .authorship_problem(staging, std::slice::from_ref(&age))
        .is_some());
    // A rule that does not ask, and a file no rule matches.
    assert!(c
        .authorship_problem(Path::new(".env.encrypted"), std::slice::from_ref(&age))
        .is_none());
    assert!(Config::default().authorship_problem(prod, &[age]).is_none());
}
