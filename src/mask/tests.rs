//! Masking invariants checked against a naive reference masker.

use std::io::{self, Read, Write};

use proptest::prelude::*;

use super::matcher::{Engine, Options, Replacement, Secret, SecretSet};
use super::stream::{filter, Filter, CHUNK, OUT_CAP};

/// The oracle: expands secrets like `SecretSet::new` does, then at each position tries
/// every secret and takes the longest; occurrences starting inside a masked run extend it.
/// Line-buffered filtering must give the same output (issue 9.9), so there is one oracle.
fn reference(secrets: &[Secret], options: &Options, hay: &[u8]) -> Vec<u8> {
    let min_len = options.min_len.max(1);
    let mut list: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |name: &str, v: &[u8]| {
        if v.len() >= min_len && !list.iter().any(|(_, x)| x == v) {
            list.push((name.to_owned(), v.to_vec()));
        }
    };
    for s in secrets {
        add(&s.name, &s.value);
        if s.value.contains(&b'\n') {
            for line in s.value.split(|&b| b == b'\n') {
                add(&s.name, line.strip_suffix(b"\r").unwrap_or(line));
            }
        }
    }
    let longest_at = |i: usize| {
        list.iter()
            .filter(|(_, v)| hay[i..].starts_with(v))
            .max_by_key(|(_, v)| v.len())
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < hay.len() {
        match longest_at(i) {
            None => {
                out.push(hay[i]);
                i += 1;
            }
            Some((name, v)) => {
                let mut end = i + v.len();
                let mut j = i + 1;
                while j < end {
                    if let Some((_, w)) = longest_at(j) {
                        end = end.max(j + w.len());
                    }
                    j += 1;
                }
                match &options.replacement {
                    Replacement::Fixed(r) => out.extend_from_slice(r),
                    Replacement::Named => {
                        out.extend_from_slice(format!("[MASKED:{name}]").as_bytes())
                    }
                }
                i = end;
            }
        }
    }
    out
}

/// Returns at most the next size in `sizes` per read (cycling): short reads on purpose.
struct ShortReads<'a> {
    data: &'a [u8],
    sizes: Vec<usize>,
    next: usize,
}

impl Read for ShortReads<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = self.sizes[self.next % self.sizes.len()].max(1);
        self.next += 1;
        let n = want.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// The filter's output for `hay` given in reads of `sizes`; the same with rounds of
/// 4 KiB (a round is filled from short reads, so a short input is one round with
/// [`CHUNK`]: the small rounds keep secrets split across rounds exercised).
fn run_filter(set: &SecretSet, hay: &[u8], sizes: Vec<usize>, line: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let reader = ShortReads {
        data: hay,
        sizes: sizes.clone(),
        next: 0,
    };
    filter(set, reader, &mut out, line).expect("writing to a Vec cannot fail");
    let mut small = Vec::new();
    let reader = ShortReads {
        data: hay,
        sizes: sizes.clone(),
        next: 0,
    };
    Filter::with_chunk(set, reader, &mut small, line, 4096)
        .run()
        .expect("writing to a Vec cannot fail");
    assert!(small == out, "rounds of 4 KiB and of CHUNK disagree");
    // Issue 11: the filter that reads on a second thread, in rounds of 4 KiB (many
    // carries from one buffer to the other), gives the same bytes as the one that reads
    // and masks in turn (`filter` above takes it for `line == false`, in full rounds).
    let mut threaded = Vec::new();
    let reader = ShortReads {
        data: hay,
        sizes,
        next: 0,
    };
    Filter::with_chunk(set, reader, &mut threaded, false, 4096)
        .run_pipelined()
        .expect("writing to a Vec cannot fail");
    assert!(
        threaded == out,
        "the threaded reader's rounds of 4 KiB disagree"
    );
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

fn engine() -> impl Strategy<Value = Engine> {
    prop_oneof![
        Just(Engine::Auto),
        Just(Engine::Window),
        Just(Engine::AhoCorasick)
    ]
}

fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop_oneof![1usize..16, 16usize..4096, 4096usize..=(1 << 20)],
        1..6,
    )
}

/// Secrets over a tiny alphabet so that prefixes, suffixes and overlaps are common, and a
/// haystack made of random bytes and copies (or pieces) of the secrets.
fn case() -> impl Strategy<Value = (Vec<Secret>, Vec<u8>)> {
    let secret = prop::collection::vec(prop::sample::select(b"abc\n".to_vec()), 0..14);
    prop::collection::vec(secret, 1..7).prop_flat_map(|values| {
        let n = values.len();
        let piece = prop_oneof![
            prop::collection::vec(prop::sample::select(b"abcd\n".to_vec()), 0..8),
            (
                0..n,
                any::<prop::sample::Index>(),
                any::<prop::sample::Index>()
            )
                .prop_map({
                    let values = values.clone();
                    move |(i, a, b)| {
                        let v = &values[i];
                        let (x, y) = (a.index(v.len() + 1), b.index(v.len() + 1));
                        if x % 3 == 0 {
                            v[x.min(y)..x.max(y)].to_vec()
                        } else {
                            v.clone()
                        }
                    }
                }),
        ];
        let secrets = values
            .iter()
            .enumerate()
            .map(|(i, v)| Secret::new(format!("K{i}"), v.clone()))
            .collect::<Vec<_>>();
        (
            Just(secrets),
            prop::collection::vec(piece, 0..40).prop_map(|p| p.concat()),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn filter_equals_reference(
        (secrets, hay) in case(),
        min_len in 1usize..7,
        named in any::<bool>(),
        engine in engine(),
        sizes in chunk_sizes(),
        line in any::<bool>(),
    ) {
        let options = Options {
            min_len,
            replacement: if named { Replacement::Named } else { Replacement::Fixed(b"***".to_vec()) },
        };
        let set = SecretSet::with_engine(secrets.clone(), &options, engine);
        let expected = reference(&secrets, &options, &hay);
        let got = run_filter(&set, &hay, sizes, line);
        prop_assert_eq!(&got, &expected);
        prop_assert_eq!(set.mask_bytes(&hay), reference(&secrets, &options, &hay));
        if !named {
            for s in &secrets {
                if s.value.len() >= min_len {
                    prop_assert!(!contains(&got, &s.value), "a secret survived");
                }
            }
        }
    }

    #[test]
    fn find_all_runs_are_ordered_and_disjoint((secrets, hay) in case(), engine in engine()) {
        let set = SecretSet::with_engine(secrets, &Options::default(), engine);
        let runs = set.find_all(&hay);
        for w in runs.windows(2) {
            prop_assert!(w[0].end <= w[1].start);
        }
        for m in &runs {
            prop_assert!(m.start < m.end && m.end <= hay.len());
            prop_assert!(set.name(m.secret_index).is_some());
        }
    }

    /// Realistic secrets (random, 6..40 bytes, some sharing prefixes) in log-like text.
    #[test]
    fn long_secrets_in_text(
        seeds in prop::collection::vec(prop::collection::vec(any::<u8>(), 6..40), 1..30),
        shared_prefix in any::<bool>(),
        text in prop::collection::vec(prop::collection::vec(32u8..127, 0..80), 1..60),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..60),
        sizes in chunk_sizes(),
        engine in engine(),
        line in any::<bool>(),
    ) {
        let secrets: Vec<Secret> = seeds.iter().enumerate().map(|(i, v)| {
            let mut v = v.clone();
            if shared_prefix { v.splice(0..0, b"sk_live_".iter().copied()); }
            Secret::new(format!("S{i}"), v)
        }).collect();
        let mut hay = Vec::new();
        for (i, t) in text.iter().enumerate() {
            hay.extend_from_slice(t);
            if let Some(p) = picks.get(i) {
                hay.extend_from_slice(&secrets[p.index(secrets.len())].value);
            }
            hay.push(b'\n');
        }
        let options = Options::default();
        let set = SecretSet::with_engine(secrets.clone(), &options, engine);
        let got = run_filter(&set, &hay, sizes, line);
        prop_assert_eq!(&got, &reference(&secrets, &options, &hay));
    }
}

#[test]
fn prefix_suffix_and_overlap_leave_nothing_visible() {
    let set = SecretSet::new(
        [
            Secret::new("A", "abc123"),
            Secret::new("B", "abc123456789"),
            Secret::new("C", "xyz123456789"),
            Secret::new("D", "56789-tail"),
        ],
        &Options::default(),
    );
    let masked = set.mask_bytes(b"1 abc123456789 2 abc123 3 zzxyz123456789 4 abc123456789-tail!");
    assert_eq!(masked, b"1 *** 2 *** 3 zz*** 4 ***!".to_vec());
}

#[test]
fn golden_log_named() {
    let secrets = [
        Secret::new("STRIPE_SECRET_KEY", "sk_live_51HxAbCdEfGh"),
        Secret::new("DB_PASSWORD", "hunter2hunter2"),
        Secret::new("DEBUG", "true"),
        Secret::new(
            "PRIVATE_PEM",
            "-----BEGIN KEY-----\r\nMIIBVQIBADANBgkqhkiG\r\n-----END KEY-----",
        ),
    ];
    let options = Options {
        replacement: Replacement::Named,
        ..Options::default()
    };
    let set = SecretSet::new(secrets, &options);
    let log = "debug=true charge ok key=sk_live_51HxAbCdEfGh\n\
               connect postgres://app:hunter2hunter2@db/app\n\
               pem line: MIIBVQIBADANBgkqhkiG\n";
    let want = "debug=true charge ok key=[MASKED:STRIPE_SECRET_KEY]\n\
                connect postgres://app:[MASKED:DB_PASSWORD]@db/app\n\
                pem line: [MASKED:PRIVATE_PEM]\n";
    for line in [false, true] {
        let got = run_filter(&set, log.as_bytes(), vec![7, 1, 300], line);
        assert_eq!(String::from_utf8_lossy(&got), want);
    }
}

#[test]
fn short_values_are_not_secrets() {
    let set = SecretSet::new(
        [
            Secret::new("A", ""),
            Secret::new("B", "1"),
            Secret::new("C", "true"),
            Secret::new("D", "12345"),
        ],
        &Options::default(),
    );
    assert!(set.is_empty());
    assert_eq!(
        run_filter(&set, b"true 1 12345", vec![3], false),
        b"true 1 12345"
    );
}

#[test]
fn debug_never_shows_values() {
    let s = Secret::new("TOKEN", "super-secret-value");
    let set = SecretSet::new([s.clone()], &Options::default());
    for shown in [
        format!("{s:?}"),
        format!("{set:?}"),
        format!("{:?}", set.find_all(b"super-secret-value")),
    ] {
        assert!(!shown.contains("super-secret-value"), "{shown}");
    }
    assert_eq!(format!("{s:?}"), "Secret { name: \"TOKEN\", len: 18, .. }");
}

struct BrokenPipe;
impl Write for BrokenPipe {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::ErrorKind::BrokenPipe.into())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn broken_pipe_is_returned_as_is() {
    let set = SecretSet::new([Secret::new("K", "secret-value")], &Options::default());
    for line in [false, true] {
        let err = filter(&set, &b"x secret-value y\n"[..], BrokenPipe, line)
            .expect_err("the writer always fails");
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}

struct Interrupting<'a>(&'a [u8], bool);
impl Read for Interrupting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.1 = !self.1;
        if self.1 {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = buf.len().min(self.0.len()).min(3);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn interrupted_reads_are_retried() {
    let set = SecretSet::new([Secret::new("K", "secret-value")], &Options::default());
    let mut out = Vec::new();
    let n = filter(
        &set,
        Interrupting(b"a secret-value b", false),
        &mut out,
        false,
    )
    .expect("Interrupted is retried");
    assert_eq!((n, out.as_slice()), (1, &b"a *** b"[..]));
}

/// Records when the filter flushes, to check line-buffered output.
#[derive(Default)]
struct Flushes {
    data: Vec<u8>,
    at: Vec<usize>,
}
impl Write for Flushes {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.data.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.at.push(self.data.len());
        Ok(())
    }
}

#[test]
fn line_buffered_flushes_each_complete_line() {
    let set = SecretSet::new(
        [Secret::new("K", "a-rather-long-secret-value")],
        &Options::default(),
    );
    let input = b"one a-rather-long-secret-value\ntwo\nthree";
    let reader = ShortReads {
        data: input,
        sizes: vec![31, 4, 5],
        next: 0,
    };
    let mut out = Flushes::default();
    filter(&set, reader, &mut out, true).expect("no I/O error");
    assert_eq!(out.data, b"one ***\ntwo\nthree");
    // After the first line, after the second, then at the end.
    assert_eq!(out.at, vec![8, 12, 17]);
}

/// Issue 9.9: a multi-line secret whose middle line is shorter than `--min-len` was
/// shown line by line in line-buffered mode (`ab` stayed visible); now the output is the
/// pipe mode's, and a line is held back only while it may begin the secret.
#[test]
fn line_buffered_masks_a_multi_line_secret_whole_as_pipe_mode_does() {
    let set = SecretSet::new(
        [Secret::new(
            "PEM",
            "-----BEGIN KEY-----\nab\n-----END KEY-----",
        )],
        &Options::default(),
    );
    let input: &[u8] = b"before\n-----BEGIN KEY-----\nab\n-----END KEY----- after\nnext\n";
    // One read per line, as from `tail -f`.
    let sizes = vec![7, 20, 3, 26, 5];
    let pipe = run_filter(&set, input, sizes.clone(), false);
    assert_eq!(pipe, b"before\n*** after\nnext\n");
    let reader = ShortReads {
        data: input,
        sizes,
        next: 0,
    };
    let mut out = Flushes::default();
    filter(&set, reader, &mut out, true).expect("no I/O error");
    assert_eq!(out.data, pipe);
    // `before` at once; the secret's lines held until it is complete; `next` at once.
    assert_eq!(out.at.first(), Some(&7));
    assert!(out.at.contains(&(7 + 10)), "{:?}", out.at);
    assert!(out.at.contains(&(7 + 10 + 5)), "{:?}", out.at);
    // A line that only looks like the secret's start is released when the next line
    // shows it is not.
    let set = SecretSet::new(
        [Secret::new("PW", "pw\nsecond-line-of-it")],
        &Options::default(),
    );
    let input: &[u8] = b"pw\nzz\n";
    let reader = ShortReads {
        data: input,
        sizes: vec![3, 3],
        next: 0,
    };
    let mut out = Flushes::default();
    filter(&set, reader, &mut out, true).expect("no I/O error");
    assert_eq!(out.data, input);
    assert_eq!(
        out.at.first(),
        Some(&6),
        "held while it could begin the secret"
    );
}

#[test]
fn buffers_stay_bounded() {
    // 6 MiB dense with matches and split points, read in odd sizes.
    let secrets: Vec<Secret> = (0..50)
        .map(|i| Secret::new(format!("K{i}"), format!("secret-{i:03}-{}", "x".repeat(i))))
        .collect();
    let keep = secrets.iter().map(|s| s.value.len()).max().unwrap_or(0) - 1;
    let mut hay = Vec::new();
    let mut i = 0usize;
    while hay.len() < 6 << 20 {
        hay.extend_from_slice(b"log line ");
        hay.extend_from_slice(&secrets[i % 50].value);
        hay.extend_from_slice(if i.is_multiple_of(7) { b"\n" } else { b" " });
        i += 1;
    }
    for line in [false, true] {
        let set = SecretSet::new(secrets.clone(), &Options::default());
        let reader = ShortReads {
            data: &hay,
            sizes: vec![CHUNK, 1, 70_001, 13],
            next: 0,
        };
        let mut f = Filter::new(&set, reader, io::sink(), line);
        let before = f.capacities();
        f.run().expect("sink never fails");
        let (buf, out, runs) = f.capacities();
        assert_eq!(buf, before.0);
        assert_eq!(buf, CHUNK + keep);
        assert!(out <= OUT_CAP, "{out}");
        assert!(runs <= 2 * (CHUNK + keep) / 6, "{runs}");
        assert!(f.max_carry <= keep);
        assert_eq!(f.masker.matches, i as u64);
    }
}

/// Deterministic sets sized to hit every window width and bitset size of the index.
#[test]
fn many_secrets_every_index_size() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut rand = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    // (count, shortest, longest): 8-byte windows + 256 KiB bitset, 4-byte + 32 KiB, 4 KiB.
    for (count, lo, hi) in [(1000, 24, 64), (3000, 8, 40), (40, 6, 9)] {
        let secrets: Vec<Secret> = (0..count)
            .map(|i| {
                let len = lo + rand(hi - lo + 1);
                let v: Vec<u8> = (0..len).map(|_| ALNUM[rand(ALNUM.len())]).collect();
                Secret::new(format!("K{i}"), v)
            })
            .collect();
        let mut hay = Vec::new();
        while hay.len() < 30_000 {
            for _ in 0..rand(40) {
                hay.push(ALNUM[rand(ALNUM.len())]);
            }
            hay.push(b' ');
            let s = &secrets[rand(count)].value;
            if rand(3) == 0 {
                hay.extend_from_slice(&s[..rand(s.len())]);
            } else {
                hay.extend_from_slice(s);
            }
        }
        let options = Options::default();
        let expected = reference(&secrets, &options, &hay);
        assert_ne!(expected, hay);
        for engine in [Engine::Auto, Engine::AhoCorasick] {
            let set = SecretSet::with_engine(secrets.clone(), &options, engine);
            for sizes in [vec![CHUNK], vec![4093, 7]] {
                assert!(
                    run_filter(&set, &hay, sizes, false) == expected,
                    "{count} secrets of {lo}..={hi} bytes, {engine:?}"
                );
            }
        }
    }
}

/// A set past `LARGE_SET` shaped like a generated 100,000-key `.env` (issue 11): many
/// secrets sharing a prefix (`postgres://app:`, `value with spaces `), some sharing one
/// window at one offset, multi-line values: the index built for it (8-byte windows, a
/// bitset past the fixed sizes, rare windows chosen past the shared prefixes, binary
/// search where many secrets still share a window) masks exactly what aho-corasick does,
/// at every read size.
#[test]
fn large_set_with_shared_prefixes_agrees_with_aho_corasick() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    const HEX: &[u8] = b"0123456789abcdef";
    let mut pick = |alphabet: &[u8], n: usize| -> String {
        (0..n)
            .map(|_| alphabet[rand(alphabet.len())] as char)
            .collect()
    };
    let mut secrets = Vec::new();
    for i in 0..20_000 {
        let v = match i % 5 {
            0 => format!(
                "postgres://app:{}@db-{}.internal.example.com:5432/app",
                pick(B64, 16),
                i % 9
            ),
            1 => format!("value with spaces {}", pick(HEX, 8)),
            2 => format!("-----BEGIN KEY-----\n{}\n-----END KEY-----", pick(B64, 20)),
            // Only two hex digits after the shared part: dozens of secrets share each
            // window at each offset, and some are prefixes of others.
            3 => format!("shared-token-{}{}", pick(HEX, 2), "x".repeat(i % 4)),
            _ => pick(B64, 40),
        };
        secrets.push(Secret::new(format!("K{i}"), v));
    }
    let mut hay = Vec::new();
    let mut n = 0;
    while hay.len() < 400_000 {
        hay.extend_from_slice(
            b"2026-05-01T00:00:00Z INFO request connect database postgres://app:",
        );
        let s = secrets[n * 7919 % secrets.len()].value.clone();
        match n % 4 {
            0 => hay.extend_from_slice(&s),
            1 => hay.extend_from_slice(&s[..s.len() / 2]),
            2 => {
                hay.extend_from_slice(&s);
                hay.extend_from_slice(&s[1..]);
            }
            _ => hay.extend_from_slice(b"value with spaces shared-token-"),
        }
        hay.push(b'\n');
        n += 1;
    }
    let options = Options::default();
    let window = SecretSet::with_engine(secrets.clone(), &options, Engine::Auto);
    // Past the fixed bitset sizes: the large sets' sizing (6 bits an entry) and loop.
    assert!(window.bitset_words() > 32_768, "{}", window.bitset_words());
    let ac = SecretSet::with_engine(secrets, &options, Engine::AhoCorasick);
    let expected = run_filter(&ac, &hay, vec![CHUNK], false);
    assert_ne!(expected, hay);
    assert_eq!(window.find_all(&hay), ac.find_all(&hay));
    for sizes in [vec![CHUNK], vec![4093, 7, 65_536]] {
        for line in [false, true] {
            assert!(
                run_filter(&window, &hay, sizes.clone(), line) == expected,
                "{sizes:?} line-buffered {line}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Issue 11: the window index (batched bitset probes, 8-byte windows from a 24-byte
    /// shortest secret) masks exactly what aho-corasick does: secrets over a small
    /// alphabet sharing a prefix and suffixes, some shorter than the window, planted whole,
    /// cut and overlapping, through the streaming filter at random read sizes.
    #[test]
    fn window_index_agrees_with_aho_corasick(
        stems in prop::collection::vec(prop::collection::vec(prop::sample::select(b"abcx".to_vec()), 1..40), 1..20),
        prefix in prop::collection::vec(prop::sample::select(b"ab".to_vec()), 0..24),
        suffix in prop::collection::vec(prop::sample::select(b"bc".to_vec()), 0..8),
        picks in prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, 0usize..50), 0..60),
        min_len in 1usize..30,
        sizes in chunk_sizes(),
        line in any::<bool>(),
    ) {
        let secrets: Vec<Secret> = stems.iter().enumerate().map(|(i, stem)| {
            let mut v = prefix.clone();
            v.extend_from_slice(stem);
            if i % 2 == 0 { v.extend_from_slice(&suffix); }
            Secret::new(format!("S{i}"), v)
        }).collect();
        let mut hay = Vec::new();
        for (pick, how, filler) in &picks {
            hay.extend(std::iter::repeat_n(b"abcx."[filler % 5], filler % 13));
            let v = &secrets[pick.index(secrets.len())].value;
            match how {
                0 => hay.extend_from_slice(v),
                1 => hay.extend_from_slice(&v[..v.len() / 2]),
                2 => hay.extend_from_slice(&v[v.len() / 3..]),
                _ => { hay.extend_from_slice(v); hay.extend_from_slice(&v[1..]); }
            }
        }
        let options = Options { min_len, replacement: Replacement::Named };
        let window = SecretSet::with_engine(secrets.clone(), &options, Engine::Window);
        let ac = SecretSet::with_engine(secrets, &options, Engine::AhoCorasick);
        prop_assert_eq!(window.find_all(&hay), ac.find_all(&hay));
        prop_assert_eq!(
            run_filter(&window, &hay, sizes.clone(), line),
            run_filter(&ac, &hay, sizes, line)
        );
    }
}
