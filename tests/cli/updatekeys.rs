//! Issue 12: `updatekeys` makes each file's key slots match its `[[creation_rules]]`
//! rule, and `encrypt` of a new file follows the rule. Real binary, real age keys.

use envseal::format::v1;

use crate::common::{exit_code, Code, Sandbox};
use crate::recipients::{age_identity, open_as};

const ENV: &str = "API_TOKEN=tok-0123456789abcdef\nDB_PASSWORD=hunter2-long-password\n";

fn kinds_and_kids(sb: &Sandbox, rel: &str) -> Vec<(String, String)> {
    let text = String::from_utf8(sb.read(rel)).unwrap();
    v1::header(&text)
        .unwrap()
        .slots
        .into_iter()
        .map(|s| (s.kind, s.kid))
        .collect()
}

fn config(sb: &Sandbox, text: &str) {
    std::fs::create_dir_all(sb.path(".envseal")).unwrap();
    sb.write(".envseal/config.toml", text);
}

#[test]
fn updatekeys_makes_several_files_with_mixed_slots_match_their_rules() {
    let sb = Sandbox::new();
    let (alice_id, alice) = age_identity(&sb, "alice");
    let (bob_id, bob) = age_identity(&sb, "bob");
    let (carol_id, carol) = age_identity(&sb, "carol");
    sb.run(&["generate-key", "-q"]).ok();
    sb.write(".env.production", ENV);
    sb.write(".env.staging", ENV);
    sb.write(".env.local", ENV);
    // Before any rule: production for alice+bob, staging for alice with a master slot,
    // local under the master key only.
    sb.run(&[
        "encrypt",
        ".env.production",
        "--age",
        &alice,
        "--age",
        &format!("bob={bob}"),
    ])
    .ok();
    sb.run(&["encrypt", ".env.staging", "--age", &alice, "--master"])
        .ok();
    sb.run(&["encrypt", ".env.local"]).ok();
    let local_before = sb.read(".env.local.encrypted");
    // The rules: production is alice + carol (bob leaves); staging is alice + carol with
    // no master slot; nothing for .env.local.
    config(
        &sb,
        &format!(
            "[[creation_rules]]\npath = \".env.production\"\nrecipients = [{{ age = \"{alice}\", name = \"alice\" }}, {{ age = \"{carol}\", name = \"carol\" }}]\n\n[[creation_rules]]\npath = \".env.staging\"\nage = [\"{alice}\", \"{carol}\"]\nmaster = false\n"
        ),
    );
    let env = [("ENVSEAL_AGE_KEY_FILE", alice_id.to_str().unwrap())];
    // --dry-run prints the plan on stdout and changes nothing.
    let prod_before = sb.read(".env.production.encrypted");
    let r = sb.run_env(&["updatekeys", "--dry-run"], &env);
    r.ok();
    let plan = r.stdout_text();
    assert!(
        plan.contains(".env.production.encrypted: add age slot"),
        "{plan}"
    );
    assert!(
        plan.contains(&format!("remove age slot {bob} (bob)")),
        "{plan}"
    );
    assert!(
        plan.contains(".env.staging.encrypted:") && plan.contains("remove master slot"),
        "{plan}"
    );
    assert!(!plan.contains(".env.local"), "{plan}");
    assert!(
        r.stderr
            .contains(".env.local.encrypted: no creation rule matches"),
        "{}",
        r.stderr
    );
    assert_eq!(sb.read(".env.production.encrypted"), prod_before);
    // No terminal, no --yes: refused.
    sb.run_env(&["updatekeys"], &env)
        .code(exit_code(Code::Refused));
    assert_eq!(sb.read(".env.production.encrypted"), prod_before);
    sb.run_env(&["updatekeys", "--yes"], &env).ok();
    let age = |k: &str| ("age".to_owned(), k.to_owned());
    assert_eq!(
        kinds_and_kids(&sb, ".env.production.encrypted"),
        [age(&alice), age(&carol)]
    );
    assert_eq!(
        kinds_and_kids(&sb, ".env.staging.encrypted"),
        [age(&alice), age(&carol)]
    );
    assert_eq!(sb.read(".env.local.encrypted"), local_before);
    for f in [".env.production.encrypted", ".env.staging.encrypted"] {
        let text = String::from_utf8(sb.read(f)).unwrap();
        assert_eq!(open_as(&text, &carol_id).unwrap(), ENV, "{f}");
        assert_eq!(open_as(&text, &alice_id).unwrap(), ENV, "{f}");
        assert!(open_as(&text, &bob_id).is_err(), "{f}");
    }
    // The name from the rule is on carol's new slot.
    let text = String::from_utf8(sb.read(".env.production.encrypted")).unwrap();
    assert!(text.contains("name=carol"));
    // Up to date now: nothing to do, nothing written.
    let again = sb.read(".env.production.encrypted");
    let r = sb.run_env(&["updatekeys", "--yes"], &env);
    r.ok();
    assert!(r.stdout_text().is_empty(), "{}", r.stdout_text());
    assert_eq!(sb.read(".env.production.encrypted"), again);
    // The ledger has the adds and removals.
    let h = sb.run(&["status", "--history"]);
    let out = format!("{}{}", h.stdout_text(), h.stderr);
    assert!(
        out.contains("recipient added") && out.contains("(carol)"),
        "{out}"
    );
    assert!(
        out.contains("recipient removed") && out.contains("master slot"),
        "{out}"
    );
}

#[test]
fn encrypt_of_a_new_file_follows_the_first_matching_rule() {
    let sb = Sandbox::new();
    let (alice_id, alice) = age_identity(&sb, "alice");
    config(
        &sb,
        &format!(
            "[[creation_rules]]\npath = \".env.team\"\nrecipients = [{{ age = \"{alice}\", name = \"alice\" }}]\n\n[[creation_rules]]\nmaster = true\n"
        ),
    );
    sb.write(".env.team", ENV);
    // No master key anywhere: the rule names only alice.
    sb.run(&["encrypt", ".env.team"]).ok();
    assert_eq!(
        kinds_and_kids(&sb, ".env.team.encrypted"),
        [("age".to_owned(), alice.clone())]
    );
    let text = String::from_utf8(sb.read(".env.team.encrypted")).unwrap();
    assert_eq!(open_as(&text, &alice_id).unwrap(), ENV);
    // The catch-all rule (master = true, no recipients): today's behaviour, a master key.
    sb.write(".env.other", ENV);
    sb.run(&["encrypt", ".env.other"])
        .code(exit_code(Code::KeyMissing));
    sb.run(&["generate-key", "-q"]).ok();
    sb.run(&["encrypt", ".env.other"]).ok();
    assert_eq!(kinds_and_kids(&sb, ".env.other.encrypted")[0].0, "master");
}
