//! The hook and `mask --check --staged` with large staged files: a blob over 1 MiB is
//! streamed through the leak matcher, never held whole. A secret split across reads is
//! found at its line, `envseal:allow` on that line (even far away on a long line) lets it
//! through, a large clean file passes, and the peak memory of `hook run` with a 50 MB
//! staged binary stays far below the blob's size (measured by the kernel: `wait4`).

use crate::common::Sandbox;
use crate::common::{exit_code, Code};
use crate::flow::git;
use crate::hook::{commit, repo};

const SECRET: &str = "tok-0123456789abcdef";

/// Deterministic filler: text lines of 64 bytes.
fn filler(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    let mut i = 0u64;
    while out.len() < len {
        out.extend_from_slice(format!("{:<63}\n", format!("filler line {i}")).as_bytes());
        i += 1;
    }
    out.truncate(len);
    out
}

/// Lines (1-based) of each occurrence of `needle` in `hay`.
fn lines_of(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    (0..hay.len().saturating_sub(needle.len() - 1))
        .filter(|&i| hay[i..].starts_with(needle))
        .map(|i| hay[..i].iter().filter(|&&b| b == b'\n').count() + 1)
        .collect()
}

/// A 3 MB text file with the secret straddling 4 KiB, 64 KiB and 256 KiB boundaries (the
/// sizes of pipe, BufReader and matcher reads), each on its own line, plus one long line
/// with the secret and `envseal:allow` 300 KB after it, and one with the marker first.
fn big_text() -> (Vec<u8>, Vec<usize>) {
    let mut text = filler(3 << 20);
    for boundary in [
        4096usize,
        65536,
        262_144,
        2 * 262_144,
        5 * 65536,
        11 * 262_144,
    ] {
        let at = boundary - SECRET.len() / 2;
        text[at..at + SECRET.len()].copy_from_slice(SECRET.as_bytes());
    }
    let want = lines_of(&text, SECRET.as_bytes());
    assert_eq!(want.len(), 6);
    let mut long = format!("first {SECRET} then ").into_bytes();
    long.extend(std::iter::repeat_n(b'y', 300_000));
    long.extend_from_slice(b" envseal:allow\n# envseal:allow ");
    long.extend(std::iter::repeat_n(b'z', 300_000));
    long.extend_from_slice(format!(" {SECRET} at the end\n").as_bytes());
    text.extend_from_slice(&long);
    text.extend_from_slice(&filler(1 << 20));
    (text, want)
}

#[test]
fn large_staged_file_secret_split_across_reads_is_found_at_its_line_and_allow_marker_holds() {
    let sb = repo();
    let (text, want) = big_text();
    sb.write("big.txt", &text);
    git(&sb, &["add", "big.txt"]);
    let c = commit(&sb, "big");
    let expected: Vec<String> = want
        .iter()
        .map(|l| format!("big.txt:{l}: API_TOKEN: a secret value is staged"))
        .collect();
    for e in &expected {
        c.blocked(e);
    }
    assert_eq!(
        c.stderr.matches("a secret value is staged").count(),
        want.len(),
        "exactly the unmarked occurrences: {}",
        c.stderr
    );
    assert!(!c.stderr.contains(SECRET), "{}", c.stderr);
    // mask --check --staged reads the same way and says the same.
    let m = sb.run(&["mask", "--check", "--staged"]);
    m.code(exit_code(Code::CheckFailed));
    let out = m.stdout_text();
    let got: Vec<&str> = out.lines().collect();
    let want_mask: Vec<String> = want
        .iter()
        .map(|l| format!("big.txt:{l}: API_TOKEN"))
        .collect();
    assert_eq!(got, want_mask, "{out}");
}

#[test]
fn large_staged_file_without_a_secret_passes_and_a_key_in_it_is_found() {
    let sb = repo();
    // 5 MB of deterministic bytes (an LCG), no secret in them.
    let mut x: u64 = 42;
    let bin: Vec<u8> = (0..5 << 20)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (x >> 56) as u8
        })
        .collect();
    sb.write("blob.bin", &bin);
    git(&sb, &["add", "blob.bin"]);
    commit(&sb, "binary").ok();
    // The key at hand, 4 MB into a large file: found while streaming.
    let key = std::fs::read_dir(sb.keyring())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .find(|t| t.trim().len() > 20)
        .expect("a key in the keyring");
    let mut with_key = bin.clone();
    let at = (4 << 20) - 5;
    with_key[at..at + key.trim().len()].copy_from_slice(key.trim().as_bytes());
    sb.write("blob.bin", &with_key);
    git(&sb, &["add", "blob.bin"]);
    let c = commit(&sb, "key inside");
    c.blocked("blob.bin: holds an envseal master key");
    assert!(!c.stderr.contains(key.trim()), "{}", c.stderr);
    let m = sb.run(&["mask", "--check", "--staged"]);
    m.code(exit_code(Code::CheckFailed));
    assert_eq!(
        m.stdout_text(),
        "blob.bin: holds an envseal master key\n",
        "{}",
        m.stderr
    );
}

/// Peak RSS in KiB of the envseal process itself (`VmHWM` in /proc, polled until it
/// exits; the high-water mark only grows, so the last reading is the peak up to then),
/// and its exit code. Not `wait4`'s figure: that includes the `git cat-file` it runs,
/// which maps the 50 MB loose object (file-backed pages, not envseal's memory).
fn own_peak_kib(sb: &Sandbox, args: &[&str]) -> (i32, u64) {
    let mut cmd = sb.command();
    cmd.args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().expect("spawn envseal");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_path) {
            if let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kib);
            }
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    };
    (status.code().unwrap_or(-1), peak)
}

#[test]
fn hook_peak_memory_with_a_50_mb_staged_binary_stays_far_below_its_size() {
    let sb = repo();
    // 50 MB: a 1 MiB block of deterministic bytes, repeated (quick to make and to add).
    let mut x: u64 = 7;
    let block: Vec<u8> = (0..1 << 20)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (x >> 56) as u8
        })
        .collect();
    let mut bin = block.repeat(47);
    bin.extend_from_slice(&block[..50_000_000 - bin.len()]);
    sb.write("blob.bin", &bin);
    drop(bin);
    git(&sb, &["add", "blob.bin"]);
    // Holding the blob once is 48,828 KiB on top of a baseline of ~10 MB (debug build);
    // streaming adds a few buffers.
    for args in [
        &["hook", "run"][..],
        &["hook", "run", "--no-leak-check"],
        &["mask", "--check", "--staged"],
    ] {
        let (code, kib) = own_peak_kib(&sb, args);
        assert_eq!(code, exit_code(Code::Ok), "{args:?}");
        assert!(kib > 0, "{args:?}: no reading of /proc");
        eprintln!("{args:?}: envseal's own peak {kib} KiB with a 50 MB staged blob");
        assert!(
            kib < 32 * 1024,
            "{args:?}: peak {kib} KiB with a 50 MB staged blob"
        );
    }
}
