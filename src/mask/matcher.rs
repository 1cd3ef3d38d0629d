//! The secret set: which byte strings to mask, and where they occur in a haystack.
//!
//! Owns turning secret values into a search structure and the masking semantics; it does no
//! I/O (that is [`super::stream`]) and never prints, formats or panics with a secret value:
//! [`Secret`] and [`SecretSet`] have hand-written `Debug` impls that show names and lengths.
//!
//! # Semantics
//! - Values shorter than [`Options::min_len`] (default [`DEFAULT_MIN_LEN`] = 6 bytes) are
//!   dropped, so values like `true`, `1` or an empty string don't shred every log line. Six
//!   is the shortest length at which the window index below still works with a stride > 1.
//! - A multi-line value is also added line by line (each line ≥ `min_len`, a trailing `\r`
//!   stripped), so a log that prints it line by line is masked too.
//! - Every byte covered by an occurrence of any secret is masked. Occurrences are resolved
//!   leftmost-longest (at a position, the longest secret starting there wins), and an
//!   occurrence that overlaps a masked run extends that run instead of being cut: with
//!   secrets `abcdef` and `defghijkl`, `abcdefghijkl` becomes one replacement, not
//!   `***ghijkl`. So no part of any secret stays visible next to a replacement. Each run is
//!   reported once, named after the leftmost-longest secret that starts it.
//!
//! # How it is fast ([`Engine::Window`])
//! Secrets are at least `m` bytes long (`m` = the shortest in the set). Sample a `w`-byte
//! window of the haystack at every `s`-th position, with `s + w - 1 = m`: any occurrence
//! `[p, p + len)` then contains exactly one sampled window that lies inside its first `m`
//! bytes, at offset `q - p` in `0..s`. So the index holds, for each secret, only its windows
//! at offsets `0..s` (not all of its substrings): a bitset over a hash of those windows
//! rejects almost every sampled position with one load, one multiply and one bit test, and a
//! hit is verified against a bucket of `(window, secret, offset)` entries by comparing the
//! bytes. `w` is 4 (8 once `m` ≥ 24), so 16-byte secrets cost one probe every 13 bytes and
//! the default minimum of 6 one every 3. Sets whose shortest secret is under
//! [`WINDOW_MIN_LEN`] use aho-corasick (leftmost-longest) instead ([`Engine::AhoCorasick`]).
//!
//! Known weak spot: many secrets sharing a prefix (`sk_live_...`) share their first windows,
//! so each occurrence of that prefix in the input is verified against all of them. Indexing
//! windows further into each secret would avoid it; not done yet.

use std::collections::HashSet;
use std::fmt;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};

/// Default [`Options::min_len`]: shorter values are not masked.
pub const DEFAULT_MIN_LEN: usize = 6;
/// Shortest secret for which [`Engine::Auto`] picks the window index.
pub const WINDOW_MIN_LEN: usize = 6;

/// A named secret value. Its `Debug` shows the name and the length, never the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// The key name it came from, e.g. `STRIPE_SECRET_KEY`; used by [`Replacement::Named`].
    pub name: String,
    /// The raw value to mask.
    pub value: Vec<u8>,
}

impl Secret {
    /// A secret named `name` with value `value`.
    pub fn new(name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        Secret {
            name: name.into(),
            value: value.into(),
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("name", &self.name)
            .field("len", &self.value.len())
            .finish_non_exhaustive()
    }
}

/// What a masked run is replaced with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Replacement {
    /// Always these bytes, e.g. `***`.
    Fixed(Vec<u8>),
    /// `[MASKED:KEY_NAME]`, naming the secret that starts the run.
    Named,
}

/// How a [`SecretSet`] is built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Secrets (and lines of multi-line secrets) shorter than this many bytes are dropped.
    /// Values below 1 are treated as 1.
    pub min_len: usize,
    /// What each masked run becomes.
    pub replacement: Replacement,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            min_len: DEFAULT_MIN_LEN,
            replacement: Replacement::Fixed(b"***".to_vec()),
        }
    }
}

/// One masked run in a haystack: bytes `start..end`, started by secret `secret_index`
/// (see [`SecretSet::name`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    /// First masked byte.
    pub start: usize,
    /// One past the last masked byte.
    pub end: usize,
    /// Which secret starts the run.
    pub secret_index: usize,
}

/// Which search structure to use; [`Engine::Auto`] is right outside tests and benchmarks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Engine {
    /// The window index when the shortest secret has at least [`WINDOW_MIN_LEN`] bytes,
    /// aho-corasick otherwise.
    #[default]
    Auto,
    /// Always the sampled-window index (correct for any lengths, fast for long secrets).
    Window,
    /// Always aho-corasick, leftmost-longest.
    AhoCorasick,
}

/// The secrets to mask, built once and then searched many times.
pub struct SecretSet {
    names: Vec<String>,
    replacement: Replacement,
    all: Matcher,
    /// The secrets that contain `\n`: the only ones a line-buffered filter must wait for
    /// past a line end (see [`SecretSet::hold_from`]).
    multiline: Vec<Box<[u8]>>,
}

impl fmt::Debug for SecretSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretSet")
            .field("len", &self.len())
            .field("max_len", &self.all.max_len)
            .finish_non_exhaustive()
    }
}

impl SecretSet {
    /// Builds the set; see the module doc for what is kept and how it is matched.
    pub fn new(secrets: impl IntoIterator<Item = Secret>, options: &Options) -> Self {
        Self::with_engine(secrets, options, Engine::Auto)
    }

    /// Like [`SecretSet::new`] with a chosen engine (for tests and benchmarks).
    pub fn with_engine(
        secrets: impl IntoIterator<Item = Secret>,
        options: &Options,
        engine: Engine,
    ) -> Self {
        let min_len = options.min_len.max(1);
        let mut names = Vec::new();
        let mut values: Vec<Vec<u8>> = Vec::new();
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        let mut add = |name: &str, value: &[u8]| {
            if value.len() >= min_len && !seen.contains(value) {
                seen.insert(value.to_vec());
                names.push(name.to_owned());
                values.push(value.to_vec());
            }
        };
        for secret in secrets {
            add(&secret.name, &secret.value);
            if secret.value.contains(&b'\n') {
                for line in secret.value.split(|&b| b == b'\n') {
                    add(&secret.name, line.strip_suffix(b"\r").unwrap_or(line));
                }
            }
        }
        let multiline = values
            .iter()
            .filter(|v| v.contains(&b'\n'))
            .map(|v| Box::from(v.as_slice()))
            .collect();
        let all = Matcher::new(
            &values.iter().map(Vec::as_slice).collect::<Vec<_>>(),
            (0..values.len()).collect(),
            engine,
        );
        SecretSet {
            names,
            replacement: options.replacement.clone(),
            all,
            multiline,
        }
    }

    /// How many distinct secret byte strings are searched for (after dropping short ones,
    /// removing duplicates and adding the lines of multi-line values).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The key name of secret `index` (as in [`Match::secret_index`]).
    pub fn name(&self, index: usize) -> Option<&str> {
        self.names.get(index).map(String::as_str)
    }

    /// The byte length of the longest secret.
    pub fn max_len(&self) -> usize {
        self.all.max_len
    }

    /// All masked runs in `haystack`, in order, non-overlapping.
    pub fn find_all(&self, haystack: &[u8]) -> Vec<Match> {
        let mut runs = Vec::new();
        self.all.runs(haystack, haystack.len(), 0, &mut runs);
        runs.into_iter()
            .filter_map(|r| {
                r.secret.map(|secret_index| Match {
                    start: r.start,
                    end: r.end,
                    secret_index,
                })
            })
            .collect()
    }

    /// `haystack` with every masked run replaced.
    pub fn mask_bytes(&self, haystack: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(haystack.len());
        let mut pos = 0;
        for m in self.find_all(haystack) {
            out.extend_from_slice(&haystack[pos..m.start]);
            self.write_replacement(m.secret_index, |b| out.extend_from_slice(b));
            pos = m.end;
        }
        out.extend_from_slice(&haystack[pos..]);
        out
    }

    pub(crate) fn matcher(&self) -> &Matcher {
        &self.all
    }

    /// The first position `i >= from` where `data[i..]` may be the start of a longer
    /// occurrence of a multi-line secret (it is a proper prefix of one), or `data.len()`.
    /// A line-buffered filter decides a complete line only when no such occurrence can
    /// begin in it: a secret that spans lines is masked whole, as in pipe mode.
    pub(crate) fn hold_from(&self, data: &[u8], from: usize) -> usize {
        if self.multiline.is_empty() {
            return data.len();
        }
        (from..data.len())
            .find(|&i| {
                let tail = &data[i..];
                self.multiline
                    .iter()
                    .any(|s| s.len() > tail.len() && s.starts_with(tail))
            })
            .unwrap_or(data.len())
    }

    /// Feeds the replacement for secret `index` to `put`, in one or more pieces.
    pub(crate) fn write_replacement(&self, index: usize, mut put: impl FnMut(&[u8])) {
        match &self.replacement {
            Replacement::Fixed(bytes) => put(bytes),
            Replacement::Named => {
                put(b"[MASKED:");
                put(self.name(index).unwrap_or("?").as_bytes());
                put(b"]");
            }
        }
    }
}

/// A masked run inside one buffer. `secret` is `None` for the head of a run that began in
/// an earlier buffer (its replacement was already written).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Run {
    pub start: usize,
    pub end: usize,
    pub secret: Option<usize>,
}

/// Secrets plus the engine that finds them; indices are mapped back to the set's.
pub(crate) struct Matcher {
    values: Vec<Box<[u8]>>,
    ids: Vec<usize>,
    pub max_len: usize,
    engine: Search,
}

enum Search {
    Empty,
    Window(WindowIndex),
    AhoCorasick(AhoCorasick),
}

impl Matcher {
    fn new(values: &[&[u8]], ids: Vec<usize>, engine: Engine) -> Self {
        let min_len = values.iter().map(|v| v.len()).min().unwrap_or(0);
        let max_len = values.iter().map(|v| v.len()).max().unwrap_or(0);
        let use_window = match engine {
            Engine::Auto => min_len >= WINDOW_MIN_LEN,
            Engine::Window => true,
            Engine::AhoCorasick => false,
        };
        let search = if values.is_empty() {
            Search::Empty
        } else if use_window {
            Search::Window(WindowIndex::new(values, min_len))
        } else {
            // Building aho-corasick only fails past its size limits; the window index
            // handles any set, so it is the fallback's fallback.
            match AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(values)
            {
                Ok(ac) => Search::AhoCorasick(ac),
                Err(_) => Search::Window(WindowIndex::new(values, min_len)),
            }
        };
        Matcher {
            values: values.iter().map(|v| Box::from(*v)).collect(),
            ids,
            max_len,
            engine: search,
        }
    }

    /// Appends to `runs` the masked runs of `hay` that start before `start_limit`, in
    /// order. `hay[..masked_prefix]` continues a run from the previous buffer. Occurrences
    /// starting at or after `start_limit` are ignored, except that a run which reaches past
    /// `start_limit` may end early: the caller resumes from `start_limit` with the rest.
    ///
    /// Correct when every occurrence starting before `start_limit` lies inside `hay`.
    pub fn runs(&self, hay: &[u8], start_limit: usize, masked_prefix: usize, runs: &mut Vec<Run>) {
        let mut cur = (masked_prefix > 0).then_some(Run {
            start: 0,
            end: masked_prefix,
            secret: None,
        });
        let mut on_occurrence = |start: usize, end: usize, local: usize| match &mut cur {
            Some(run) if start < run.end => run.end = run.end.max(end),
            _ => {
                if let Some(done) = cur.replace(Run {
                    start,
                    end,
                    secret: Some(self.ids[local]),
                }) {
                    runs.push(done);
                }
            }
        };
        match &self.engine {
            Search::Empty => {}
            Search::Window(index) => {
                index.occurrences(&self.values, hay, start_limit, &mut on_occurrence)
            }
            Search::AhoCorasick(ac) => {
                // Every start that has an occurrence, longest first: a leftmost-longest
                // search resumed one byte after each match start.
                let mut at = 0;
                while at < start_limit {
                    match ac.find(Input::new(hay).span(at..hay.len())) {
                        Some(m) if m.start() < start_limit => {
                            on_occurrence(m.start(), m.end(), m.pattern().as_usize());
                            at = m.start() + 1;
                        }
                        _ => break,
                    }
                }
            }
        }
        runs.extend(cur);
    }
}

/// The sampled-window index (see the module doc).
struct WindowIndex {
    width: usize,
    stride: usize,
    mask: u64,
    bit_shift: u32,
    bits: Vec<u64>,
    bucket_shift: u32,
    /// `entries[bucket_starts[b]..bucket_starts[b + 1]]` is bucket `b`.
    bucket_starts: Vec<u32>,
    entries: Vec<Entry>,
}

#[derive(Clone, Copy)]
struct Entry {
    window: u64,
    secret: u32,
    offset: u32,
}

const HASH_MUL: u64 = 0x9E37_79B9_7F4A_7C15;
/// The bitset sizes, in 64-bit words: 4 KiB, 32 KiB (L1), 256 KiB (L2).
const BITSET_WORDS: [usize; 3] = [512, 4096, 32768];

impl WindowIndex {
    fn new(values: &[&[u8]], min_len: usize) -> Self {
        // A 4-byte window leaves the longest stride; 8 bytes only once the stride is long
        // anyway, where fewer false hits matter more than a few more probes.
        let width = if min_len >= 24 { 8 } else { min_len.min(4) };
        let stride = min_len - width + 1;
        let mask = if width == 8 {
            u64::MAX
        } else {
            (1u64 << (8 * width)) - 1
        };
        let mut entries = Vec::with_capacity(values.len() * stride);
        for (secret, v) in values.iter().enumerate() {
            for offset in 0..stride {
                entries.push(Entry {
                    window: load_exact(&v[offset..offset + width]),
                    secret: secret as u32,
                    offset: offset as u32,
                });
            }
        }
        // >= 16 bits per entry keeps false hits around 1% (two bits per entry) while the bitset stays cache-sized
        // (1,000 secrets x 13 offsets -> 32 KiB); one of three fixed sizes so that the hot
        // loop is compiled per size, without bounds checks.
        let bit_log = BITSET_WORDS
            .iter()
            .map(|w| w.trailing_zeros() + 6)
            .find(|&log| 1usize << log >= entries.len() * 16)
            .unwrap_or(BITSET_WORDS[2].trailing_zeros() + 6);
        let bucket_log = entries.len().next_power_of_two().trailing_zeros().max(1);
        let bit_shift = 64 - bit_log;
        let bucket_shift = 64 - bucket_log;
        let mut bits = vec![0u64; 1 << (bit_log - 6)];
        let mut counts = vec![0u32; (1 << bucket_log) + 1];
        for e in &entries {
            let h = e.window.wrapping_mul(HASH_MUL);
            let (word, probe) = bloom(h, bit_shift);
            bits[word] |= probe;
            counts[(h >> bucket_shift) as usize + 1] += 1;
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        entries.sort_by_key(|e| (e.window.wrapping_mul(HASH_MUL) >> bucket_shift, e.window));
        WindowIndex {
            width,
            stride,
            mask,
            bit_shift,
            bits,
            bucket_shift,
            bucket_starts: counts,
            entries,
        }
    }

    /// Calls `f(start, end, secret)` for every occurrence starting before `start_limit`,
    /// by non-decreasing start, the longest first among equal starts.
    fn occurrences(
        &self,
        values: &[Box<[u8]>],
        hay: &[u8],
        start_limit: usize,
        f: &mut impl FnMut(usize, usize, usize),
    ) {
        if hay.len() < self.width || start_limit == 0 {
            return;
        }
        // An occurrence starting at p is found at the one sampled q in p..p + stride.
        let last = (hay.len() - self.width).min(start_limit + self.stride - 2);
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        let mut q = 0;
        while let Some(hit) = self.next_hit(hay, q, last) {
            let x = self.window_at(hay, hit);
            self.verify(values, hay, hit, x, start_limit, &mut found);
            if found.len() > 1 {
                found.sort_unstable_by_key(|&(s, e, _)| (s, usize::MAX - e));
            }
            for (s, e, i) in found.drain(..) {
                f(s, e, i);
            }
            q = hit + self.stride;
        }
    }

    fn window_at(&self, hay: &[u8], q: usize) -> u64 {
        match hay.get(q..q + 8) {
            Some(b) => load8(b) & self.mask,
            None => load_exact(&hay[q..q + self.width]),
        }
    }

    /// The first sampled position in `q..=last` (stepping by the stride) whose window is in
    /// the bitset.
    fn next_hit(&self, hay: &[u8], q: usize, last: usize) -> Option<usize> {
        const S: usize = BITSET_WORDS[0];
        const M: usize = BITSET_WORDS[1];
        const L: usize = BITSET_WORDS[2];
        match (self.width, self.bits.len()) {
            (4, S) => self.next_hit_fixed::<4, S>(hay, q, last),
            (4, M) => self.next_hit_fixed::<4, M>(hay, q, last),
            (4, L) => self.next_hit_fixed::<4, L>(hay, q, last),
            (8, S) => self.next_hit_fixed::<8, S>(hay, q, last),
            (8, M) => self.next_hit_fixed::<8, M>(hay, q, last),
            (8, L) => self.next_hit_fixed::<8, L>(hay, q, last),
            _ => (q..=last)
                .step_by(self.stride)
                .find(|&q| self.bit_set(self.window_at(hay, q))),
        }
    }

    fn bit_set(&self, x: u64) -> bool {
        let (word, probe) = bloom(x.wrapping_mul(HASH_MUL), self.bit_shift);
        self.bits[word] & probe == probe
    }

    /// The hot loop, compiled per window width `W` and bitset size `N` so that the window
    /// load and the bitset lookup need no bounds checks.
    #[inline(never)]
    fn next_hit_fixed<const W: usize, const N: usize>(
        &self,
        hay: &[u8],
        q: usize,
        last: usize,
    ) -> Option<usize> {
        let bits: &[u64; N] = self.bits.first_chunk()?;
        let (shift, stride) = (self.bit_shift, self.stride);
        hay.get(q..last.checked_add(W)?)?
            .windows(W)
            .step_by(stride)
            .position(|w| {
                let mut a = [0u8; 8];
                a[..W].copy_from_slice(w);
                let (word, probe) = bloom(u64::from_le_bytes(a).wrapping_mul(HASH_MUL), shift);
                bits[word % N] & probe == probe
            })
            .map(|i| q + i * stride)
    }

    #[allow(clippy::too_many_arguments)]
    #[cold]
    fn verify(
        &self,
        values: &[Box<[u8]>],
        hay: &[u8],
        q: usize,
        x: u64,
        start_limit: usize,
        found: &mut Vec<(usize, usize, usize)>,
    ) {
        let b = (x.wrapping_mul(HASH_MUL) >> self.bucket_shift) as usize;
        let (lo, hi) = (
            self.bucket_starts[b] as usize,
            self.bucket_starts[b + 1] as usize,
        );
        for e in &self.entries[lo..hi] {
            if e.window != x {
                continue;
            }
            let Some(start) = q.checked_sub(e.offset as usize) else {
                continue;
            };
            let v = &values[e.secret as usize];
            let end = start + v.len();
            if start < start_limit && hay.get(start..end) == Some(&v[..]) {
                found.push((start, end, e.secret as usize));
            }
        }
    }
}

/// A one-word, two-bit bloom filter probe for hash `h`: the word index and bit pattern.
/// Two bits in the same cache word cut false hits about five-fold for one extra shift.
#[inline(always)]
fn bloom(h: u64, bit_shift: u32) -> (usize, u64) {
    let bit = (h >> bit_shift) as usize;
    (bit >> 6, 1 << (bit & 63))
}

fn load8(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// Little-endian load of up to 8 bytes.
fn load_exact(b: &[u8]) -> u64 {
    b.iter()
        .take(8)
        .enumerate()
        .fold(0, |x, (i, &byte)| x | (u64::from(byte) << (8 * i)))
}
