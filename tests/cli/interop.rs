//! Interoperability with Python's `cryptography.fernet.Fernet`, both ways, through the
//! binary: tokens the legacy `manage.py encrypt_env` wrote decrypt unchanged, and
//! `envseal encrypt --format fernet` output decrypts in Python to the exact bytes.

use std::process::Command;

use envseal::key::Key;

use crate::common::{ci, fixtures, Sandbox};

/// Is `python3` with `cryptography` here? Missing: skip, or fail under CI.
fn have_python() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import cryptography.fernet"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let msg =
            "python3 with the `cryptography` package is not available (pip install cryptography)";
        assert!(!ci(), "{msg}; CI is set, so this is a failure");
        eprintln!("SKIPPED: {msg}");
    }
    ok
}

/// Run a Python snippet in the sandbox with `args` as `sys.argv[1:]`.
fn python(sb: &Sandbox, script: &str, args: &[&str]) {
    let out = Command::new("python3")
        .current_dir(sb.root())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A plaintext with the bytes that trip encoders: BOM, CRLF, CR, non-ASCII, a multi-line
/// value, no final newline.
const PLAIN: &[u8] = "\u{feff}# legacy settings\r\nDJANGO_SECRET_KEY='py-interop-secret'\nMULTI=\"a\nb\"\rNAME=Zoë 🔑\nLAST=no-newline"
    .as_bytes();

/// A key whose text uses both URL-safe-only characters, so the standard-alphabet variant
/// really differs.
fn key() -> Key {
    let key = Key::from_bytes([0xfb; 32]);
    let text = key.expose_text();
    assert!(text.contains('-') && text.contains('_'));
    key
}

#[test]
fn python_tokens_decrypt_with_envseal() {
    if !have_python() {
        return;
    }
    let sb = Sandbox::new();
    let key = key();
    let kf = sb.key_file("url.key", &key);
    let standard = key.expose_text().replace('-', "+").replace('_', "/");
    sb.write("std.key", format!("{standard}\n"));
    std::fs::set_permissions(
        sb.path("std.key"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    sb.write("plain.env", PLAIN);
    python(
        &sb,
        "import sys; from cryptography.fernet import Fernet\n\
         key = open(sys.argv[1], 'rb').read().strip()\n\
         data = open(sys.argv[2], 'rb').read()\n\
         tok = Fernet(key).encrypt(data)\n\
         open('with-newline.encrypted', 'wb').write(tok + b'\\n')\n\
         open('no-newline.encrypted', 'wb').write(tok)\n",
        &[&kf, "plain.env"],
    );
    for token in ["with-newline.encrypted", "no-newline.encrypted"] {
        for k in [kf.as_str(), "std.key"] {
            let run = sb.run(&["decrypt", token, "--stdout", "--key-file", k]);
            run.ok();
            assert_eq!(run.stdout, PLAIN, "{token} with {k}");
        }
    }
    // The CI path: key from the environment, standard alphabet, output to a file.
    sb.run_env(
        &["decrypt", "no-newline.encrypted", "-o", "from-env.env"],
        &[("SECRETS_MASTER_KEY", &standard)],
    )
    .ok()
    .no_leak(&[&standard, "py-interop-secret"]);
    assert_eq!(sb.read("from-env.env"), PLAIN);
}

#[test]
fn envseal_fernet_output_decrypts_in_python() {
    if !have_python() {
        return;
    }
    let sb = Sandbox::new();
    // A key made by the binary itself, used by both sides.
    let gen = sb.run(&["generate-key", "--stdout"]);
    gen.ok();
    sb.write("gen.key", &gen.stdout);
    std::fs::set_permissions(
        sb.path("gen.key"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    sb.write("plain.env", PLAIN);
    sb.run(&[
        "encrypt",
        "plain.env",
        "--format",
        "fernet",
        "--key-file",
        "gen.key",
    ])
    .ok();
    let to_stdout = sb.run(&[
        "encrypt",
        "plain.env",
        "--format",
        "fernet",
        "--key-file",
        "gen.key",
        "--stdout",
    ]);
    to_stdout.ok();
    sb.write("stdout.encrypted", &to_stdout.stdout);
    python(
        &sb,
        "import sys; from cryptography.fernet import Fernet\n\
         f = Fernet(open('gen.key', 'rb').read().strip())\n\
         for name in sys.argv[1:]:\n\
         \x20   open(name + '.py-out', 'wb').write(f.decrypt(open(name, 'rb').read()))\n",
        &["plain.env.encrypted", "stdout.encrypted"],
    );
    assert_eq!(sb.read("plain.env.encrypted.py-out"), PLAIN);
    assert_eq!(sb.read("stdout.encrypted.py-out"), PLAIN);
}

#[test]
fn python_regenerates_our_known_answer_token() {
    if !have_python() {
        return;
    }
    let sb = Sandbox::new();
    let dir = fixtures("fernet");
    python(
        &sb,
        "import sys; from cryptography.fernet import Fernet\n\
         d = sys.argv[1]\n\
         key = open(d + '/kat1.key', 'rb').read().strip()\n\
         plain = open(d + '/kat1.plain.env', 'rb').read()\n\
         tok = Fernet(key)._encrypt_from_parts(plain, 1767225600, bytes(range(16)))\n\
         open('regenerated.token', 'wb').write(tok + b'\\n')\n",
        &[dir.to_str().unwrap()],
    );
    assert_eq!(
        sb.read("regenerated.token"),
        std::fs::read(dir.join("kat1.token")).unwrap(),
        "fixtures/fernet/kat1.token is not what Python makes from the same parts"
    );
}
