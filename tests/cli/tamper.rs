//! Tampering with a v1 file: every single-byte change and every truncation is refused
//! (integrity 5, or wrong key 4 when the change lands in the key id; 7 when the magic
//! first line is gone so the file is no longer recognisable), and the plaintext is never
//! printed. The binary sees every flipped byte of a small file and a sample of the
//! truncations; the library sees every truncation and more flip patterns.

use envseal::format::{v1, FormatError};

use crate::common::{contains, test_key, Sandbox};

const SECRET: &str = "S3CR3T-TAMPER-0xDEADBEEF";

/// A small v1 file (~350 bytes): a comment and one value.
fn sealed(sb: &Sandbox, kf: &str) -> Vec<u8> {
    sb.write("t.env", format!("# c\nA={SECRET}\n"));
    sb.run(&["encrypt", "t.env", "--key-file", kf]).ok();
    let bytes = sb.read("t.env.encrypted");
    assert!(
        bytes.len() < 400,
        "tamper fixture grew to {} bytes",
        bytes.len()
    );
    bytes
}

/// Exit codes a damaged file may give, by where the damage starts.
fn allowed(pos: usize) -> &'static [i32] {
    if pos < v1::MAGIC.len() {
        &[5, 7]
    } else {
        &[4, 5]
    }
}

fn decrypt_damaged(sb: &Sandbox, kf: &str, bytes: &[u8], what: &str, pos: usize) {
    sb.write("d.encrypted", bytes);
    let run = sb.run(&["decrypt", "d.encrypted", "--stdout", "--key-file", kf]);
    assert!(
        allowed(pos).contains(&run.code),
        "{what}: exit {} (allowed {:?}): {}",
        run.code,
        allowed(pos),
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{what}: printed something on stdout");
    assert!(
        !run.stderr.contains(SECRET) && !contains(&run.stdout, SECRET.as_bytes()),
        "{what}: the plaintext was printed"
    );
}

#[test]
fn every_flipped_byte_is_refused_by_the_binary() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(4));
    let good = sealed(&sb, &kf);
    for pos in 0..good.len() {
        let mut bad = good.clone();
        bad[pos] ^= 0x01;
        decrypt_damaged(&sb, &kf, &bad, &format!("byte {pos} ^ 0x01"), pos);
    }
    // Not UTF-8 any more: still an integrity failure, not a crash.
    let mut bad = good.clone();
    let last = bad.len() - 2;
    bad[last] ^= 0x80;
    decrypt_damaged(&sb, &kf, &bad, "high bit set", last);
}

#[test]
fn truncations_are_refused_by_the_binary() {
    let sb = Sandbox::new();
    let kf = sb.key_file("k.key", &test_key(4));
    let good = sealed(&sb, &kf);
    let mut cuts: Vec<usize> = (0..good.len()).step_by(13).collect();
    // The edges: inside and just after the magic, each line end, the last byte.
    cuts.extend([v1::MAGIC.len() - 1, v1::MAGIC.len(), good.len() - 1]);
    cuts.extend(
        good.iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .flat_map(|(i, _)| [i, i + 1])
            .filter(|&i| i < good.len()),
    );
    cuts.sort();
    cuts.dedup();
    for n in cuts {
        sb.write("d.encrypted", &good[..n]);
        let run = sb.run(&["decrypt", "d.encrypted", "--stdout", "--key-file", &kf]);
        let want = if n < v1::MAGIC.len() { 7 } else { 5 };
        assert_eq!(
            run.code, want,
            "cut to {n} bytes: exit {} (want {want}): {}",
            run.code, run.stderr
        );
        assert!(run.stdout.is_empty() && !run.stderr.contains(SECRET));
    }
}

#[test]
fn every_change_and_truncation_is_refused_by_the_library() {
    let sb = Sandbox::new();
    let key = test_key(4);
    let kf = sb.key_file("k.key", &key);
    let good = String::from_utf8(sealed(&sb, &kf)).unwrap();
    let opened = v1::decrypt(&good, &key).expect("untouched file decrypts");
    assert!(opened.plaintext.contains(SECRET));

    let check = |text: &str, pos: usize, what: &str| match v1::decrypt(text, &key) {
        Ok(_) => panic!("{what}: accepted"),
        Err(FormatError::NotEncrypted) => {
            assert!(pos < v1::MAGIC.len(), "{what}: no longer recognised as v1")
        }
        Err(FormatError::Integrity(msg)) => assert!(!msg.contains(SECRET), "{what}"),
        Err(FormatError::WrongKey { .. }) => {}
        Err(e) => panic!("{what}: unexpected error {e}"),
    };
    let bytes = good.as_bytes();
    for pos in 0..bytes.len() {
        for mask in [0x01u8, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40] {
            let mut bad = bytes.to_vec();
            bad[pos] ^= mask;
            if let Ok(text) = std::str::from_utf8(&bad) {
                check(text, pos, &format!("byte {pos} ^ {mask:#04x}"));
            }
        }
    }
    for n in 0..bytes.len() {
        check(&good[..n], n, &format!("cut to {n} bytes"));
    }
    // Deleting or duplicating any one line, and swapping any two adjacent lines.
    let lines: Vec<&str> = good.split_inclusive('\n').collect();
    for i in 0..lines.len() {
        // Damage to line 1 (the magic) may make the file unrecognisable; elsewhere not.
        let pos = if i == 0 { 0 } else { usize::MAX };
        let mut v = lines.clone();
        v.remove(i);
        check(&v.concat(), pos, &format!("line {} deleted", i + 1));
        let mut v = lines.clone();
        v.insert(i, lines[i]);
        check(&v.concat(), pos, &format!("line {} duplicated", i + 1));
        if i + 1 < lines.len() {
            let mut v = lines.clone();
            v.swap(i, i + 1);
            check(
                &v.concat(),
                pos,
                &format!("lines {} and {} swapped", i + 1, i + 2),
            );
        }
    }
}
