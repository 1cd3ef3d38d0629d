//! Throughput of the streaming secret filter on generated log-like text.
//!
//! `cargo bench --bench mask` — reports bytes/s per engine and secret count. Secrets are
//! random `[A-Za-z0-9_-]` strings; "long" ones are 16..=64 bytes (API keys, tokens), "short"
//! ones 8..=40 (passwords included), which forces a smaller stride.
use std::io;
use std::sync::OnceLock;

use divan::counter::BytesCount;
use divan::Bencher;
use envseal::mask::{filter, Engine, Options, Secret, SecretSet};

const INPUT_BYTES: usize = 64 << 20;

fn main() {
    divan::main();
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

fn secrets(count: usize, min: usize, max: usize, seed: u64) -> Vec<Secret> {
    let mut rng = Rng(seed);
    (0..count)
        .map(|i| {
            let len = min + rng.below(max - min + 1);
            let v: Vec<u8> = (0..len).map(|_| ALNUM[rng.below(ALNUM.len())]).collect();
            Secret::new(format!("KEY_{i}"), v)
        })
        .collect()
}

/// Log lines with timestamps, levels, ids, paths and, in one line of 200, a secret.
fn log_text(secrets: &[Secret], bytes: usize) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "request",
        "user",
        "alice",
        "bob",
        "orders",
        "payment",
        "connect",
        "database",
        "retry",
        "timeout",
        "cache",
        "miss",
        "hit",
        "token",
        "session",
        "created",
        "GET",
        "POST",
        "/api/v1/orders",
        "/healthz",
        "status=200",
        "status=500",
        "worker",
    ];
    const LEVELS: &[&str] = &["INFO ", "DEBUG", "WARN ", "ERROR"];
    let mut rng = Rng(7);
    let mut out = Vec::with_capacity(bytes + 256);
    while out.len() < bytes {
        let t = rng.next();
        out.extend_from_slice(
            format!(
                "2026-05-{:02}T{:02}:{:02}:{:02}.{:03}Z {} req={:016x} ",
                1 + t % 28,
                (t >> 8) % 24,
                (t >> 16) % 60,
                (t >> 24) % 60,
                (t >> 32) % 1000,
                LEVELS[rng.below(LEVELS.len())],
                rng.next()
            )
            .as_bytes(),
        );
        for _ in 0..4 + rng.below(8) {
            out.extend_from_slice(WORDS[rng.below(WORDS.len())].as_bytes());
            out.push(b' ');
        }
        if rng.below(200) == 0 {
            out.extend_from_slice(b"key=");
            out.extend_from_slice(&secrets[rng.below(secrets.len())].value);
        }
        out.extend_from_slice(format!("duration_ms={}\n", rng.below(5000)).as_bytes());
    }
    out
}

struct Case {
    set_auto: SecretSet,
    set_ac: SecretSet,
    input: Vec<u8>,
}

fn case(count: usize, short: bool) -> &'static Case {
    static CASES: OnceLock<Vec<(usize, bool, Case)>> = OnceLock::new();
    let all = CASES.get_or_init(|| {
        [(50, false), (1000, false), (1000, true)]
            .into_iter()
            .map(|(n, short)| {
                let (min, max) = if short { (8, 40) } else { (16, 64) };
                let s = secrets(n, min, max, n as u64 + short as u64);
                let input = log_text(&s, INPUT_BYTES);
                let opts = Options::default();
                let case = Case {
                    set_auto: SecretSet::new(s.clone(), &opts),
                    set_ac: SecretSet::with_engine(s, &opts, Engine::AhoCorasick),
                    input,
                };
                (n, short, case)
            })
            .collect()
    });
    all.iter()
        .find(|(n, s, _)| *n == count && *s == short)
        .map(|(_, _, c)| c)
        .expect("case generated above")
}

fn run(bencher: Bencher, set: &SecretSet, input: &[u8]) {
    bencher
        .counter(BytesCount::new(input.len()))
        .bench(|| filter(set, input, io::sink(), false).expect("sink never fails"));
}

#[divan::bench(args = [50, 1000], sample_count = 10, sample_size = 1)]
fn window_long(bencher: Bencher, n: usize) {
    let c = case(n, false);
    run(bencher, &c.set_auto, &c.input);
}

#[divan::bench(args = [50, 1000], sample_count = 5, sample_size = 1)]
fn aho_corasick_long(bencher: Bencher, n: usize) {
    let c = case(n, false);
    run(bencher, &c.set_ac, &c.input);
}

#[divan::bench(args = [1000], sample_count = 10, sample_size = 1)]
fn window_short(bencher: Bencher, n: usize) {
    let c = case(n, true);
    run(bencher, &c.set_auto, &c.input);
}

#[divan::bench(args = [1000], sample_count = 5, sample_size = 1)]
fn aho_corasick_short(bencher: Bencher, n: usize) {
    let c = case(n, true);
    run(bencher, &c.set_ac, &c.input);
}
