use super::*;
use crate::dotenv;

fn read_text(text: &str, d: Dialect) -> Result<Vec<(String, Option<String>)>, Rejected> {
    let doc = dotenv::parse(text).unwrap();
    let env = HashMap::from([("HOME".to_owned(), "/home/u".to_owned())]);
    let opts = Options {
        expand: true,
        override_env: false,
    };
    read(&doc, d, &env, opts).map(|r| r.vars)
}

fn v(pairs: &[(&str, &str)]) -> Vec<(String, Option<String>)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Some(v.to_string())))
        .collect()
}

#[test]
fn each_dialect_reads_quotes_its_own_way() {
    let text = "A='x\\ny'\nB=\"x\\ny\"\nC=`b t`\nD=v # c\nE=${HOME}/x\nA=again\n";
    assert_eq!(
        read_text(text, Dialect::Python).unwrap(),
        v(&[
            ("A", "again"),
            ("B", "x\ny"),
            ("C", "`b t`"),
            ("D", "v"),
            ("E", "/home/u/x")
        ])
    );
    assert_eq!(
        read_text(text, Dialect::Node).unwrap(),
        v(&[
            ("A", "again"),
            ("B", "x\ny"),
            ("C", "b t"),
            ("D", "v"),
            ("E", "${HOME}/x")
        ])
    );
    assert_eq!(
        read_text(text, Dialect::Dotenvy).unwrap_err().problem.line,
        3,
        "dotenvy rejects a backtick value with a space"
    );
}

#[test]
fn unterminated_quote_is_skipped_by_python_and_rejected_by_dotenvy() {
    let text = "A=1\nB=\"open\nC=3\n";
    assert_eq!(
        read_text(text, Dialect::Python).unwrap(),
        v(&[("A", "1"), ("C", "3")])
    );
    let e = read_text(text, Dialect::Dotenvy).unwrap_err();
    assert_eq!((e.problem.line, e.problem.column), (2, 1));
    assert!(!e.to_string().contains("open"));
}

#[test]
fn dotenvy_keeps_the_first_of_duplicate_keys_when_loading() {
    let text = "A=1\nA=2\n";
    assert_eq!(read_text(text, Dialect::Dotenvy).unwrap(), v(&[("A", "1")]));
    assert_eq!(read_text(text, Dialect::Python).unwrap(), v(&[("A", "2")]));
}

#[test]
fn python_never_runs_command_substitutions() {
    let text = "A=$(touch /tmp/x) ${NOPE:-d}\n";
    assert_eq!(
        read_text(text, Dialect::Python).unwrap(),
        v(&[("A", "$(touch /tmp/x) d")])
    );
}

/// python-dotenv's `'((?:\\'|[^'])*)'` backtracks: with no free closing quote, the quote
/// of the last `\'` closes the value (checked with python-dotenv 1.2.2: `{'A': 'x\\'}`).
#[test]
fn python_closes_at_the_last_escaped_quote_when_no_other_closes() {
    assert_eq!(
        read_text("A='x\\'\nB=2\n", Dialect::Python).unwrap(),
        v(&[("A", "x\\"), ("B", "2")])
    );
}

/// JavaScript's patterns end lines at U+2028/U+2029 too; the port does not, so the node
/// dialect says it cannot read such a file rather than read it differently.
#[test]
fn node_refuses_a_line_separator_it_cannot_read_as_node_does() {
    let e = read_text("A=1\nB=x\u{2028}y\n", Dialect::Node).unwrap_err();
    assert_eq!((e.problem.line, e.problem.column), (2, 4));
    assert!(e.to_string().contains("U+2028"));
}
