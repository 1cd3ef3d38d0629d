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
//! window of the haystack at every `s`-th position, with `s + w - 1 <= m`: any occurrence
//! `[p, p + len)` then contains, for the one residue `r = (-p) mod s`, a sampled window at
//! every offset `r + k*s` that fits inside it. So the index holds, for each secret and each
//! residue `r` in `0..s`, one window at such an offset: the least common one in the set
//! (counted over a hash), so that secrets sharing a prefix (`postgres://app:…`,
//! `sk_live_…`) are indexed by a window past it. A bitset over a hash of those windows
//! rejects almost every sampled position with one load, two multiplies and a test of three
//! bits in one word (about one false pass in 200 to 500 probes up to the fixed sizes, up
//! to one in 25 past them, see below); probes go eight at a time
//! with one branch, so that the CPU overlaps their cache misses when the bitset is past
//! L2. A hit is verified against a bucket of `(tag, offset, secret)` entries by comparing
//! the secret's bytes (kept in zeroizing blocks, each value stored once). Found occurrences are reported in order
//! once no later sample can find one starting before them. Where many secrets still share
//! the window at the same offset, their entries are sorted by (length, bytes) and searched
//! by binary search, one per length present, instead of one by one. `w` is 4 (8 once `m`
//! ≥ 24, or `m` ≥ 12 in a set of [`LARGE_SET`] secrets or more, whose 4-byte windows would
//! be common in any text), so 16-byte secrets cost one probe every 13 bytes (9 in a large
//! set) and the default minimum of 6 one every 3. The bitset is 16+ bits per entry: it fits
//! L2 up to about 16,000 entries; past it 6 bits an entry, as a large bitset's cache and
//! TLB misses cost more than the verifications of its more frequent false passes (the
//! 100,000-key file of `scripts/gen-env.py`: 130,000 secrets, 1.2 million entries, 1 MiB
//! instead of 4 MiB at 16 bits an entry). Sets
//! whose shortest secret is under [`WINDOW_MIN_LEN`] use aho-corasick (leftmost-longest)
//! instead ([`Engine::AhoCorasick`]): with 100,000 patterns its automaton is tens of MB
//! and its prefilters give up, so it is no faster there.

use std::fmt;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
use zeroize::{Zeroize, Zeroizing};

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

impl Drop for Secret {
    fn drop(&mut self) {
        self.value.zeroize();
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
///
/// The secret bytes live in zeroizing blocks (no allocation per secret), the key names
/// once per distinct name; see the module doc for the search structure.
pub struct SecretSet {
    /// Distinct key names, in the order first seen, one after the other (no allocation per
    /// name: 100,000 of them).
    names: Names,
    /// `names[name_of[i]]` is the name of secret `i`.
    name_of: Vec<u32>,
    replacement: Replacement,
    all: Matcher,
    /// The secrets that contain `\n`: the only ones a line-buffered filter must wait for
    /// past a line end (see [`SecretSet::hold_from`]).
    multiline: Vec<usize>,
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
    ///
    /// Each [`Secret`] given is wiped once its bytes are copied into the set's store.
    pub fn with_engine(
        secrets: impl IntoIterator<Item = Secret>,
        options: &Options,
        engine: Engine,
    ) -> Self {
        let mut builder = SecretsBuilder::new(options);
        for secret in secrets {
            builder.push(&secret.name, &secret.value);
        }
        builder.build_with(options, engine)
    }
}

/// Strings one after the other in one buffer.
#[derive(Default)]
struct Names {
    text: String,
    /// Where each string ends in `text`.
    ends: Vec<u32>,
}

impl Names {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn push(&mut self, name: &str) {
        self.text.push_str(name);
        self.ends.push(self.text.len() as u32);
    }

    fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(&self.text[start..end])
    }

    fn last(&self) -> Option<&str> {
        self.get(self.len().checked_sub(1)?)
    }
}

/// Bytes per block of a [`SecretsBuilder`]'s store.
const BLOCK: usize = 1 << 20;

/// Secrets gathered one at a time straight into zeroizing blocks, then built into a
/// [`SecretSet`]: a caller loading 100,000 values pushes each as it reads it, instead of
/// holding a [`Secret`] (two allocations) per value until the set is built.
///
/// A duplicate is dropped as it is pushed (the first one's name is kept): a loader that
/// pushes each value twice (as the dialect reads it and as the line model does) stores it
/// once, and the store becomes the set's as it is, without a copy.
pub struct SecretsBuilder {
    min_len: usize,
    values: Values,
    /// `names[name_of[i]]` is the name of value `i` (before unused names are dropped).
    name_of: Vec<u32>,
    /// Open addressing over a hash of the bytes: the hash's high 32 bits above `1 + i`
    /// for value `i`, 0 for free; at most half full. The stored hash spares a comparison
    /// of the bytes (a cache miss into the store) for every slot probed in passing, and
    /// a growth reads no value again (issue 11: start-up with 100,000 secrets).
    table: Vec<u64>,
    /// Key names, a name repeated only when not pushed twice in a row.
    names: Names,
    /// Whether names are kept at all (see [`SecretsBuilder::without_names`]).
    keep_names: bool,
}

impl fmt::Debug for SecretsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretsBuilder")
            .field("distinct", &self.values.len())
            .finish_non_exhaustive()
    }
}

impl SecretsBuilder {
    /// An empty builder; `options.min_len` applies as secrets are pushed.
    pub fn new(options: &Options) -> Self {
        SecretsBuilder {
            min_len: options.min_len.max(1),
            values: Values::default(),
            name_of: Vec::new(),
            table: Vec::new(),
            names: Names::default(),
            keep_names: true,
        }
    }

    /// Keep no key names: [`SecretSet::name`] is `None` for every secret. For a filter
    /// whose replacement is [`Replacement::Fixed`], which never shows a name: 100,000 names
    /// are megabytes the set need not hold (issue 11's memory budget).
    pub fn without_names(mut self) -> Self {
        self.keep_names = false;
        self
    }

    /// Add secret `value` named `name` (copied: the caller wipes its own copy).
    pub fn push(&mut self, name: &str, value: &[u8]) {
        if self.keep_names && self.names.last() != Some(name) {
            self.names.push(name);
        }
        let name = self.names.len().saturating_sub(1) as u32;
        self.add(name, value);
        if value.contains(&b'\n') {
            for line in value.split(|&b| b == b'\n') {
                self.add(name, line.strip_suffix(b"\r").unwrap_or(line));
            }
        }
    }

    /// Stores `value` unless it is too short or already stored.
    fn add(&mut self, name: u32, value: &[u8]) {
        if value.len() < self.min_len {
            return;
        }
        if 2 * (self.values.len() + 1) > self.table.len() {
            self.grow_table();
        }
        let shift = 64 - self.table.len().trailing_zeros();
        let mask = self.table.len() - 1;
        let high = hash_bytes(value) & !u64::from(u32::MAX);
        let mut slot = (high >> shift) as usize;
        while self.table[slot] != 0 {
            let e = self.table[slot];
            if e & !u64::from(u32::MAX) == high && self.values.get((e as u32 - 1) as usize) == value
            {
                return;
            }
            slot = (slot + 1) & mask;
        }
        self.table[slot] = high | (self.values.len() as u64 + 1);
        self.values.push(value);
        if self.keep_names {
            self.name_of.push(name);
        }
    }

    fn grow_table(&mut self) {
        let size = (2 * self.table.len()).max(1024);
        let shift = 64 - size.trailing_zeros();
        let mut table = vec![0u64; size];
        for &e in self.table.iter().filter(|&&e| e != 0) {
            // The home slot is the top bits of the hash, which the entry keeps: no value
            // is read again.
            let mut slot = (e >> shift) as usize;
            while table[slot] != 0 {
                slot = (slot + 1) & (size - 1);
            }
            table[slot] = e;
        }
        self.table = table;
    }

    /// The set, [`Engine::Auto`]; `options.replacement` is used (its `min_len` was taken
    /// by [`SecretsBuilder::new`]).
    pub fn build(self, options: &Options) -> SecretSet {
        self.build_with(options, Engine::Auto)
    }

    fn build_with(self, options: &Options, engine: Engine) -> SecretSet {
        let SecretsBuilder {
            values,
            mut name_of,
            table,
            names,
            ..
        } = self;
        drop(table);
        // Names no kept secret uses are dropped too (and the names pushed before are
        // freed before the index is built: the peak is then).
        let mut used = vec![u32::MAX; names.len()];
        let mut kept_names = Names::default();
        for n in &mut name_of {
            let slot = &mut used[*n as usize];
            if *slot == u32::MAX {
                *slot = kept_names.len() as u32;
                kept_names.push(names.get(*n as usize).unwrap_or_default());
            }
            *n = *slot;
        }
        drop((used, names));
        kept_names.text.shrink_to_fit();
        kept_names.ends.shrink_to_fit();
        name_of.shrink_to_fit();
        let all = Matcher::new(values, engine);
        let multiline = (0..all.len())
            .filter(|&i| all.value(i).contains(&b'\n'))
            .collect();
        SecretSet {
            names: kept_names,
            name_of,
            replacement: options.replacement.clone(),
            all,
            multiline,
        }
    }
}

impl SecretSet {
    /// How many distinct secret byte strings are searched for (after dropping short ones,
    /// removing duplicates and adding the lines of multi-line values).
    pub fn len(&self) -> usize {
        self.all.len()
    }

    /// Whether there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.all.len() == 0
    }

    /// The key name of secret `index` (as in [`Match::secret_index`]).
    pub fn name(&self, index: usize) -> Option<&str> {
        let n = *self.name_of.get(index)?;
        self.names.get(n as usize)
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

    /// The size of the window index's bitset in 64-bit words (0 without one).
    #[cfg(test)]
    pub(crate) fn bitset_words(&self) -> usize {
        match &self.all.engine {
            Search::Window(index) => index.bits.len(),
            _ => 0,
        }
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
                self.multiline.iter().any(|&s| {
                    let s = self.all.value(s);
                    s.len() > tail.len() && s.starts_with(tail)
                })
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

/// The secret values, one after the other in zeroizing blocks of at least [`BLOCK`] bytes
/// that are never grown (so never copied, and no secret bytes are left behind in a freed
/// buffer): value `i` ends at `ends[i]` in the last block whose first value is `i` or
/// before, and starts where value `i - 1` ends, or at 0 if it is that block's first (a
/// value of 4 GiB or more is beyond what the loaders read). Four bytes a value, not
/// twelve as a (block, start, end) triple (issue 11's memory budget: 130,000 values).
#[derive(Default)]
struct Values {
    blocks: Vec<Zeroizing<Vec<u8>>>,
    /// The index of each block's first value.
    firsts: Vec<u32>,
    ends: Vec<u32>,
}

impl Values {
    fn len(&self) -> usize {
        self.ends.len()
    }

    /// The block holding value `i`, and where the value lies in it.
    #[inline]
    fn span(&self, i: usize) -> (usize, usize, usize) {
        let b = self.firsts.partition_point(|&f| f as usize <= i) - 1;
        let start = if self.firsts[b] as usize == i {
            0
        } else {
            self.ends[i - 1] as usize
        };
        (b, start, self.ends[i] as usize)
    }

    fn get(&self, i: usize) -> &[u8] {
        let (b, start, end) = self.span(i);
        &self.blocks[b][start..end]
    }

    fn len_of(&self, i: usize) -> usize {
        let (_, start, end) = self.span(i);
        end - start
    }

    fn push(&mut self, value: &[u8]) {
        let fits = self
            .blocks
            .last()
            .is_some_and(|b| b.capacity() - b.len() >= value.len());
        if !fits {
            let block = Vec::with_capacity(value.len().max(BLOCK));
            self.blocks.push(Zeroizing::new(block));
            self.firsts.push(self.ends.len() as u32);
        }
        let block = self.blocks.last_mut().expect("a block was just made");
        block.extend_from_slice(value);
        self.ends.push(block.len() as u32);
    }
}

/// A hash of a whole value, for [`SecretsBuilder`]'s duplicate check.
fn hash_bytes(v: &[u8]) -> u64 {
    let mut chunks = v.chunks_exact(8);
    let mut h = (v.len() as u64).wrapping_mul(HASH_MUL);
    for c in &mut chunks {
        h = (h.rotate_left(23) ^ load8(c)).wrapping_mul(HASH_MUL);
    }
    h = (h.rotate_left(23) ^ load_exact(chunks.remainder())).wrapping_mul(HASH_MUL);
    h ^ (h >> 32)
}

/// Secrets plus the engine that finds them.
pub(crate) struct Matcher {
    values: Values,
    pub max_len: usize,
    engine: Search,
}

enum Search {
    Empty,
    Window(WindowIndex),
    AhoCorasick(AhoCorasick),
}

impl Matcher {
    fn new(values: Values, engine: Engine) -> Self {
        let lens = (0..values.len()).map(|i| values.len_of(i));
        let min_len = lens.clone().min().unwrap_or(0);
        let max_len = lens.max().unwrap_or(0);
        let use_window = match engine {
            Engine::Auto => min_len >= WINDOW_MIN_LEN,
            Engine::Window => true,
            Engine::AhoCorasick => false,
        };
        let search = if values.len() == 0 {
            Search::Empty
        } else if use_window {
            Search::Window(WindowIndex::new(&values, min_len))
        } else {
            // Building aho-corasick only fails past its size limits; the window index
            // handles any set, so it is the fallback's fallback.
            match AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build((0..values.len()).map(|i| values.get(i)))
            {
                Ok(ac) => Search::AhoCorasick(ac),
                Err(_) => Search::Window(WindowIndex::new(&values, min_len)),
            }
        };
        Matcher {
            values,
            max_len,
            engine: search,
        }
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    fn value(&self, i: usize) -> &[u8] {
        self.values.get(i)
    }

    /// Appends to `runs` the masked runs of `hay` that start before `start_limit`, in
    /// order. `hay[..masked_prefix]` continues a run from the previous buffer. Occurrences
    /// starting at or after `start_limit` are ignored, except that a run which reaches past
    /// `start_limit` may end early: the caller resumes from `start_limit` with the rest.
    ///
    /// Correct when every occurrence starting before `start_limit` lies inside `hay`.
    ///
    /// A window-index search of at least [`SPLIT_FROM`] bytes is split in pieces of
    /// [`PIECE`] bytes searched by this thread and a helper at once (when the machine has
    /// two cores): each piece's occurrences (those starting in it) are collected and fed
    /// in the pieces' order, so the runs are the same as one search's, byte for byte.
    pub fn runs(&self, hay: &[u8], start_limit: usize, masked_prefix: usize, runs: &mut Vec<Run>) {
        let split = (start_limit >= SPLIT_FROM && two_cores()).then_some(PIECE);
        self.runs_split(hay, start_limit, masked_prefix, runs, split);
    }

    /// [`Matcher::runs`], the window index's search split in pieces of `split` bytes if
    /// given.
    pub(crate) fn runs_split(
        &self,
        hay: &[u8],
        start_limit: usize,
        masked_prefix: usize,
        runs: &mut Vec<Run>,
        split: Option<usize>,
    ) {
        let mut cur = (masked_prefix > 0).then_some(Run {
            start: 0,
            end: masked_prefix,
            secret: None,
        });
        let mut on_occurrence = |start: usize, end: usize, secret: usize| match &mut cur {
            Some(run) if start < run.end => run.end = run.end.max(end),
            _ => {
                if let Some(done) = cur.replace(Run {
                    start,
                    end,
                    secret: Some(secret),
                }) {
                    runs.push(done);
                }
            }
        };
        match &self.engine {
            Search::Empty => {}
            Search::Window(index) => match split.filter(|&p| p > 0 && p < start_limit) {
                None => index.occurrences(&self.values, hay, 0, start_limit, &mut on_occurrence),
                Some(piece) => {
                    // Pieces taken in turn by this thread and a helper: on a busy machine
                    // a helper that starts late (or never) leaves its share to this one,
                    // instead of this one waiting for it.
                    let n = start_limit.div_ceil(piece);
                    let next = std::sync::atomic::AtomicUsize::new(0);
                    let found: Vec<std::sync::OnceLock<Vec<(usize, usize, usize)>>> =
                        (0..n).map(|_| std::sync::OnceLock::new()).collect();
                    let work = || loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= n {
                            break;
                        }
                        let from = i * piece;
                        let to = (from + piece).min(start_limit);
                        let mut v = Vec::new();
                        index.occurrences(&self.values, hay, from, to, &mut |s, e, k| {
                            v.push((s, e, k))
                        });
                        let _ = found[i].set(v);
                    };
                    std::thread::scope(|scope| {
                        let helper = scope.spawn(work);
                        work();
                        helper
                            .join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    });
                    for cell in found {
                        for (s, e, k) in cell.into_inner().unwrap_or_default() {
                            on_occurrence(s, e, k);
                        }
                    }
                }
            },
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
    /// The largest offset of an indexed window inside its secret.
    max_offset: usize,
    mask: u64,
    bit_shift: u32,
    bits: Vec<u64>,
    bucket_shift: u32,
    /// `entries[bucket_starts[b]..bucket_starts[b + 1]]` is bucket `b`, sorted by
    /// (tag, offset, secret length, secret bytes).
    bucket_starts: Vec<u32>,
    entries: Vec<Entry>,
    layout: Layout,
}

/// One indexed window: secret `secret` has, at `offset`, a window whose hash has `tag`,
/// packed in 6 bytes by a [`Layout`] (the 100,000-key file has 1.2 million entries:
/// 7 MB instead of 9.4 at 8 bytes, issue 11's memory budget). No secret bytes: the
/// window itself is read from the store when needed.
#[derive(Clone, Copy)]
struct Entry([u16; 3]);

/// How an [`Entry`]'s 48 bits hold its fields: from the low end the secret's index
/// (`secret_bits`, at least 20), the offset (12 bits: offsets are below
/// [`MAX_STRIDE`]), then the tag (what is left: 16 bits up to 2^20 secrets).
#[derive(Clone, Copy)]
struct Layout {
    secret_bits: u32,
}

impl Layout {
    fn new(secrets: usize) -> Self {
        let needed = usize::BITS - secrets.leading_zeros();
        Layout {
            secret_bits: needed.clamp(20, 36),
        }
    }

    fn pack(self, secret: usize, offset: usize, h: u64) -> Entry {
        debug_assert!(offset < 1 << 12);
        let v = self.tag_of(h) << (self.secret_bits + 12)
            | (offset as u64) << self.secret_bits
            | secret as u64;
        Entry([v as u16, (v >> 16) as u16, (v >> 32) as u16])
    }

    fn bits(e: Entry) -> u64 {
        u64::from(e.0[0]) | u64::from(e.0[1]) << 16 | u64::from(e.0[2]) << 32
    }

    /// The tag of a window hash, as an entry holds it.
    fn tag_of(self, h: u64) -> u64 {
        u64::from(tag(h)) >> (self.secret_bits - 20)
    }

    fn secret(self, e: Entry) -> usize {
        (Self::bits(e) & ((1 << self.secret_bits) - 1)) as usize
    }

    fn offset(self, e: Entry) -> usize {
        (Self::bits(e) >> self.secret_bits) as usize & 0xfff
    }

    fn tag(self, e: Entry) -> u64 {
        Self::bits(e) >> (self.secret_bits + 12)
    }

    /// (tag, offset) as one number, in that order.
    fn tag_offset(self, e: Entry) -> u64 {
        Self::bits(e) >> self.secret_bits
    }
}

const HASH_MUL: u64 = 0x9E37_79B9_7F4A_7C15;
const HASH_MUL_2: u64 = 0xBF58_476D_1CE4_E5B9;
/// The bitset sizes with a hot loop of their own, in 64-bit words: 4 KiB, 32 KiB (L1),
/// 256 KiB (L2). Larger sets get a power of two past these (the same loop, with a bounds
/// check).
const BITSET_WORDS: [usize; 3] = [512, 4096, 32768];
/// From this many secrets, windows are 8 bytes once the shortest secret has 12: with
/// 4-byte windows a set this large holds a sizeable share of all 4-grams of its
/// alphabet, so ordinary text would hit real windows at every few probes.
const LARGE_SET: usize = 10_000;
/// The stride is at most this (offsets are 16-bit; a shorter stride is always correct).
const MAX_STRIDE: usize = 4096;
/// Windows are chosen among offsets up to this.
const MAX_CHOICE: usize = 1024;
/// A window counted this often (the counters average a few per slot) is common: a later
/// offset is looked for.
const COMMON: u8 = 48;
/// Entries sharing a window and an offset beyond this many are searched by binary
/// search on (length, bytes) instead of one by one.
const LINEAR_RUN: usize = 8;

/// The tag of a window hash: bits that the bucket index (the top bits) does not use.
fn tag(h: u64) -> u16 {
    ((h ^ (h >> 29)).wrapping_mul(HASH_MUL) >> 48) as u16
}

impl WindowIndex {
    fn new(values: &Values, min_len: usize) -> Self {
        let n_entries = values.len() * WindowIndex::stride_for(values, min_len).1;
        Self::build(
            values,
            min_len,
            two_cores() && n_entries >= PARALLEL_BUILD_FROM,
        )
    }

    /// The window width and the stride for a set whose shortest secret has `min_len`.
    fn stride_for(values: &Values, min_len: usize) -> (usize, usize) {
        // A 4-byte window leaves the longest stride; 8 bytes only once the stride is long
        // anyway, where fewer false hits matter more than a few more probes, or once the
        // set is so large that its 4-byte windows would be common in any text.
        let width = if min_len >= 24 || (values.len() >= LARGE_SET && min_len >= 12) {
            8
        } else {
            min_len.min(4)
        };
        (width, (min_len - width + 1).min(MAX_STRIDE))
    }

    /// The index, its passes shared with a second thread if `parallel`.
    fn build(values: &Values, min_len: usize, parallel: bool) -> Self {
        let (width, stride) = Self::stride_for(values, min_len);
        let mask = if width == 8 {
            u64::MAX
        } else {
            (1u64 << (8 * width)) - 1
        };
        let counts = WindowCounts::new(values, width);
        // For each secret and each residue r of the stride, one window at an offset
        // r + k * stride: the least common one in the set (shared prefixes such as
        // `postgres://app:` would send every occurrence of the prefix to thousands of
        // candidates). Any occurrence has exactly one sampled position per secret whose
        // offset is congruent to r, for one r, and every such offset lies inside it.
        let choose = |v: &[u8], r: usize| -> (usize, u64) {
            // Steps k up to 254: the step is kept in a byte (`steps` below).
            let last = (v.len() - width)
                .min(MAX_CHOICE.max(r))
                .min(r + usize::from(u8::MAX - 1) * stride);
            let mut best = (r, window_of(v, r, width));
            let mut best_count = counts.get(best.1);
            let mut o = r + stride;
            while best_count >= COMMON && o <= last {
                let x = window_of(v, o, width);
                let c = counts.get(x);
                if c < best_count {
                    (best, best_count) = ((o, x), c);
                }
                o += stride;
            }
            best
        };
        let n_entries = values.len() * stride;
        // 16 bits an entry while that fits the largest fixed size (256 KiB, L2); past it,
        // 12 (rounded up to a power of two: 2 MiB for the 100,000-key file's 1.2 million
        // entries). A bitset past L2 costs a cache miss a probe at any size, but the
        // verification of each false pass costs two more: at 6 bits an entry (1 MiB) one
        // probe in 25 passed and verifying them was 40% of the scan; at 12 to 14, about
        // one in 130 (issue 11: the scan's CPU fell by a quarter, `bench-mask.sh`). 16
        // (4 MiB) was faster still but over the memory budget.
        let fixed_max = BITSET_WORDS[BITSET_WORDS.len() - 1] * 64;
        let min_bits = match n_entries.saturating_mul(16).max(1) {
            bits if bits <= fixed_max => bits,
            _ => n_entries.saturating_mul(12).max(fixed_max + 1),
        };
        let bit_log = BITSET_WORDS
            .iter()
            .map(|w| w.trailing_zeros() + 6)
            .find(|&log| 1usize << log >= min_bits)
            .unwrap_or_else(|| min_bits.next_power_of_two().trailing_zeros().min(34));
        // About 16 entries a bucket (a hit finds its tag by binary search in the bucket,
        // 96 bytes: the bucket starts cost 4 bytes a bucket, issue 11's memory budget).
        let bucket_log = (n_entries / 16).max(2).next_power_of_two().trailing_zeros();
        let bit_shift = 64 - bit_log;
        let bucket_shift = 64 - bucket_log;
        let n_buckets = 1usize << bucket_log;
        // Issue 11 (start-up with 100,000 secrets): the windows are chosen once, their
        // steps k kept in a byte each (so the choice stops at step 254) to place them,
        // and the placing and the sorting of the buckets are shared with a second thread
        // where there are two cores, each taking half the buckets (no table of its own:
        // memory). The result does not depend on the split: buckets are sorted by a
        // total order.
        let mut steps = vec![0u8; n_entries];
        let mut max_offset = 0;
        for secret in 0..values.len() {
            let v = values.get(secret);
            for r in 0..stride {
                let (o, _) = choose(v, r);
                max_offset = max_offset.max(o);
                steps[secret * stride + r] = ((o - r) / stride) as u8;
            }
        }
        // The windows' counts are not needed past the choice: freed before the tables
        // below are made, which can then take their place (memory).
        drop(counts);
        // The window of entry `r` of `secret` (whose value is `v`), and its offset.
        let chosen = |secret: usize, v: &[u8], r: usize| {
            let o = r + usize::from(steps[secret * stride + r]) * stride;
            (o, window_of(v, o, width))
        };
        let mut bucket_starts = vec![0u32; n_buckets + 1];
        let mut bits = vec![0u64; 1 << (bit_log - 6)];
        for secret in 0..values.len() {
            let v = values.get(secret);
            for r in 0..stride {
                let h = chosen(secret, v, r).1.wrapping_mul(HASH_MUL);
                let (word, probe) = bloom(h, bit_shift);
                bits[word] |= probe;
                bucket_starts[(h >> bucket_shift) as usize] += 1;
            }
        }
        // Counting sort into buckets: `bucket_starts[b]` counts bucket `b`, then holds its
        // end, and is counted down to its start as the bucket is filled.
        for i in 1..bucket_starts.len() {
            bucket_starts[i] += bucket_starts[i - 1];
        }
        let layout = Layout::new(values.len());
        let mut entries = vec![Entry([0; 3]); n_entries];
        // Buckets `from..` of one range, their ends in `ends`, their entries in `out`
        // (which begins at entry `base`).
        let place = |from: usize, ends: &mut [u32], out: &mut [Entry], base: usize| {
            let to = from + ends.len();
            for secret in 0..values.len() {
                let v = values.get(secret);
                for r in 0..stride {
                    let (o, x) = chosen(secret, v, r);
                    let h = x.wrapping_mul(HASH_MUL);
                    let b = (h >> bucket_shift) as usize;
                    if b < from || b >= to {
                        continue;
                    }
                    let end = &mut ends[b - from];
                    *end -= 1;
                    out[*end as usize - base] = layout.pack(secret, o, h);
                }
            }
        };
        let sort = |starts: &[u32], out: &mut [Entry], base: usize| {
            for b in 0..starts.len() - 1 {
                let bucket = &mut out[starts[b] as usize - base..starts[b + 1] as usize - base];
                if bucket.len() > 1 {
                    bucket.sort_unstable_by(|a, b| {
                        layout
                            .tag_offset(*a)
                            .cmp(&layout.tag_offset(*b))
                            .then_with(|| {
                                let (x, y) = (layout.secret(*a), layout.secret(*b));
                                (values.len_of(x), values.get(x))
                                    .cmp(&(values.len_of(y), values.get(y)))
                            })
                    });
                }
            }
        };
        if parallel {
            let mid = n_buckets / 2;
            let boundary = bucket_starts[mid - 1] as usize;
            {
                let (ends_lo, ends_hi) = bucket_starts[..n_buckets].split_at_mut(mid);
                let (lo, hi) = entries.split_at_mut(boundary);
                both(
                    || place(0, ends_lo, lo, 0),
                    || place(mid, ends_hi, hi, boundary),
                );
            }
            drop(steps);
            let (lo, hi) = entries.split_at_mut(boundary);
            let starts = &bucket_starts;
            both(
                || sort(&starts[..=mid], lo, 0),
                || sort(&starts[mid..], hi, boundary),
            );
        } else {
            place(0, &mut bucket_starts[..n_buckets], &mut entries, 0);
            drop(steps);
            sort(&bucket_starts, &mut entries, 0);
        }
        WindowIndex {
            width,
            stride,
            max_offset,
            mask,
            bit_shift,
            bits,
            bucket_shift,
            bucket_starts,
            entries,
            layout,
        }
    }

    /// Calls `f(start, end, secret)` for every occurrence starting in `from..start_limit`,
    /// by non-decreasing start, the longest first among equal starts.
    ///
    /// Samples from `from` on: each secret has an indexed window for every residue of the
    /// stride, so any grid of samples finds every occurrence that starts on or after it.
    fn occurrences(
        &self,
        values: &Values,
        hay: &[u8],
        from: usize,
        start_limit: usize,
        f: &mut impl FnMut(usize, usize, usize),
    ) {
        if hay.len() < from + self.width || start_limit <= from {
            return;
        }
        // An occurrence starting at p is found at the one sampled q = p + offset of the
        // window indexed for its residue, offset <= max_offset.
        let last = (hay.len() - self.width).min(start_limit - 1 + self.max_offset);
        // Found occurrences wait until no later hit can find one that starts before them.
        let mut pending: Vec<(usize, usize, usize)> = Vec::new();
        let mut q = from;
        while let Some(hit) = self.next_hit(hay, q, last) {
            let x = self.window_at(hay, hit);
            self.verify(values, hay, hit, x, from..start_limit, &mut pending);
            q = hit + self.stride;
            if !pending.is_empty() {
                flush(&mut pending, q.saturating_sub(self.max_offset), f);
            }
        }
        flush(&mut pending, usize::MAX, f);
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
            (4, _) => self.next_hit_large::<4>(hay, q, last),
            (8, _) => self.next_hit_large::<8>(hay, q, last),
            _ => (q..=last)
                .step_by(self.stride)
                .find(|&q| self.bit_set(self.window_at(hay, q))),
        }
    }

    fn bit_set(&self, x: u64) -> bool {
        let (word, probe) = bloom(x.wrapping_mul(HASH_MUL), self.bit_shift);
        self.bits[word] & probe == probe
    }

    /// The hot loop, compiled per window width `W` and bitset size `N` so that the bitset
    /// lookup needs no bounds check.
    #[inline(never)]
    fn next_hit_fixed<const W: usize, const N: usize>(
        &self,
        hay: &[u8],
        q: usize,
        last: usize,
    ) -> Option<usize> {
        let bits: &[u64; N] = self.bits.first_chunk()?;
        let shift = self.bit_shift;
        probe_batched::<W>(hay, q, last, self.stride, |x| {
            let (word, probe) = bloom(x.wrapping_mul(HASH_MUL), shift);
            bits[word % N] & probe == probe
        })
    }

    /// [`WindowIndex::next_hit_fixed`] for a bitset past the fixed sizes (large sets).
    #[inline(never)]
    fn next_hit_large<const W: usize>(&self, hay: &[u8], q: usize, last: usize) -> Option<usize> {
        let bits = &self.bits[..];
        let shift = self.bit_shift;
        probe_batched::<W>(hay, q, last, self.stride, |x| {
            let (word, probe) = bloom(x.wrapping_mul(HASH_MUL), shift);
            bits[word] & probe == probe
        })
    }

    /// Pushes onto `found` the occurrences, starting in `starts`, of the secrets whose
    /// indexed window is the one at `q` (`x`).
    #[cold]
    fn verify(
        &self,
        values: &Values,
        hay: &[u8],
        q: usize,
        x: u64,
        starts: std::ops::Range<usize>,
        found: &mut Vec<(usize, usize, usize)>,
    ) {
        let h = x.wrapping_mul(HASH_MUL);
        let b = (h >> self.bucket_shift) as usize;
        let bucket =
            &self.entries[self.bucket_starts[b] as usize..self.bucket_starts[b + 1] as usize];
        let layout = self.layout;
        let t = layout.tag_of(h);
        let lo = bucket.partition_point(|&e| layout.tag(e) < t);
        let hi = lo + bucket[lo..].partition_point(|&e| layout.tag(e) == t);
        let mut i = lo;
        while i < hi {
            let offset = layout.offset(bucket[i]);
            let j = i + bucket[i..hi].partition_point(|&e| layout.offset(e) == offset);
            let run = &bucket[i..j];
            i = j;
            let Some(start) = q.checked_sub(offset) else {
                continue;
            };
            if !starts.contains(&start) {
                continue;
            }
            if run.len() <= LINEAR_RUN {
                for &e in run {
                    let secret = layout.secret(e);
                    let v = values.get(secret);
                    if hay.get(start..start + v.len()) == Some(v) {
                        found.push((start, start + v.len(), secret));
                    }
                }
                continue;
            }
            // Many secrets share this window here (a common prefix): the run is sorted
            // by (length, bytes), so one binary search per length present.
            let mut k = 0;
            while k < run.len() {
                let len = values.len_of(layout.secret(run[k]));
                let Some(needle) = hay.get(start..start + len) else {
                    break;
                };
                let same =
                    k + run[k..].partition_point(|&e| values.len_of(layout.secret(e)) == len);
                if let Ok(m) =
                    run[k..same].binary_search_by(|&e| values.get(layout.secret(e)).cmp(needle))
                {
                    found.push((start, start + len, layout.secret(run[k + m])));
                }
                k = same;
            }
        }
    }
}

/// The shortest search [`Matcher::runs`] splits over two threads: below it, starting a
/// thread costs more than it saves (a read of the stream filter is up to a [`CHUNK`]).
///
/// [`CHUNK`]: super::stream::CHUNK
pub(crate) const SPLIT_FROM: usize = 256 * 1024;
/// The piece of a split search (see [`Matcher::runs`]).
const PIECE: usize = 64 * 1024;

/// Whether this process may run on two cores or more (asked once).
fn two_cores() -> bool {
    static TWO: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TWO.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2))
}

/// The fewest index entries for which [`WindowIndex::new`] shares its passes with a
/// second thread (below it, starting one costs more than it saves).
const PARALLEL_BUILD_FROM: usize = 1 << 16;

/// Runs `a` here and `b` on a second thread, and returns both results (a panic in `b`
/// is resumed here).
fn both<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    std::thread::scope(|scope| {
        let other = scope.spawn(b);
        let first = a();
        let second = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (first, second)
    })
}

/// Probes per batch in [`probe_batched`].
const BATCH: usize = 8;

/// The first `p` in `q..=last`, stepping by `stride`, for which `hit` holds of the `W`-byte
/// little-endian window at `p` (`p + W <= hay.len()` for every `p` probed).
///
/// Probes go in batches of [`BATCH`] with no branch between them: their bitset loads do
/// not depend on each other, so the CPU overlaps their cache misses (a large set's bitset
/// is megabytes, past L2), and one branch per batch decides. The batch's windows are read
/// 8 bytes at a time where 8 bytes remain, and masked to `W`.
#[inline(always)]
fn probe_batched<const W: usize>(
    hay: &[u8],
    mut q: usize,
    last: usize,
    stride: usize,
    hit: impl Fn(u64) -> bool,
) -> Option<usize> {
    let mask = if W >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * W)) - 1
    };
    let span = (BATCH - 1) * stride;
    // Whole batches while the batch's last window, read as 8 bytes, lies in `hay`.
    while q + span <= last && q + span + 8 <= hay.len() {
        let block = &hay[q..q + span + 8];
        let mut found = 0u32;
        for i in 0..BATCH {
            let x = load8(&block[i * stride..]) & mask;
            found |= u32::from(hit(x)) << i;
        }
        if found != 0 {
            return Some(q + found.trailing_zeros() as usize * stride);
        }
        q += BATCH * stride;
    }
    while q <= last {
        let x = load_exact(hay.get(q..q + W)?);
        if hit(x) {
            return Some(q);
        }
        q += stride;
    }
    None
}

/// Feeds `f`, in order (start, then longest first), the pending occurrences that start
/// before `before`, and keeps the rest.
fn flush(
    pending: &mut Vec<(usize, usize, usize)>,
    before: usize,
    f: &mut impl FnMut(usize, usize, usize),
) {
    if pending.len() > 1 {
        pending.sort_unstable_by_key(|&(s, e, _)| (s, usize::MAX - e));
    }
    let n = pending.partition_point(|&(s, _, _)| s < before);
    for &(s, e, i) in &pending[..n] {
        f(s, e, i);
    }
    pending.drain(..n);
}

/// How often each window occurs across the secrets (saturating counters over a hash, a
/// few windows per counter so that the table stays cache-sized: an estimate that never
/// undercounts): used to index rare windows.
struct WindowCounts {
    shift: u32,
    counts: Vec<u8>,
}

impl WindowCounts {
    fn new(values: &Values, width: usize) -> Self {
        let windows: usize = (0..values.len())
            .map(|i| {
                (values.len_of(i) + 1)
                    .saturating_sub(width)
                    .min(MAX_CHOICE + 1)
            })
            .sum();
        let log = (windows / 4)
            .max(1)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(10, 20);
        let mut counts = vec![0u8; 1 << log];
        let shift = 64 - log;
        for i in 0..values.len() {
            let v = values.get(i);
            for o in 0..(v.len() + 1).saturating_sub(width).min(MAX_CHOICE + 1) {
                let x = window_of(v, o, width);
                let c = &mut counts[(x.wrapping_mul(HASH_MUL) >> shift) as usize];
                *c = c.saturating_add(1);
            }
        }
        WindowCounts { shift, counts }
    }

    fn get(&self, x: u64) -> u8 {
        self.counts[(x.wrapping_mul(HASH_MUL) >> self.shift) as usize]
    }
}

/// A one-word, three-bit bloom filter probe for hash `h`: the word index (from the top
/// bits of `h`) and a pattern of three bits (from a second mix of `h`, so that they depend
/// on every byte of the window). With 16 to 32 bits per entry (the fixed sizes) a probe
/// of a window not in the set passes about once in 200 to 500 probes; one bit per probe
/// (as before) passed once in 20 to 40, and each false pass costs a verification with two
/// cache misses. Past the fixed sizes (down to 6 bits per entry) up to once in 25.
#[inline(always)]
fn bloom(h: u64, bit_shift: u32) -> (usize, u64) {
    let word = (h >> bit_shift) as usize >> 6;
    let g = (h ^ (h >> 31)).wrapping_mul(HASH_MUL_2);
    let probe = 1 << (g >> 58) | 1 << ((g >> 52) & 63) | 1 << ((g >> 46) & 63);
    (word, probe)
}

fn load8(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// The `width`-byte window of `v` at `o`, as [`load_exact`] reads it, with one 8-byte load
/// where 8 bytes remain.
fn window_of(v: &[u8], o: usize, width: usize) -> u64 {
    match v.get(o..o + 8) {
        Some(b) if width < 8 => load8(b) & ((1u64 << (8 * width)) - 1),
        Some(b) => load8(b),
        None => load_exact(&v[o..o + width]),
    }
}

/// Little-endian load of up to 8 bytes.
fn load_exact(b: &[u8]) -> u64 {
    b.iter()
        .take(8)
        .enumerate()
        .fold(0, |x, (i, &byte)| x | (u64::from(byte) << (8 * i)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xorshift(seed: u64) -> impl FnMut(usize) -> usize {
        let mut state = seed;
        move |n| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        }
    }

    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

    /// Issue 11: a probe of a window the set does not hold must rarely pass the bitset,
    /// since each false pass costs a verification with two cache misses. With one bit per
    /// probe, 12,000 secrets (108,000 entries in 2 Mbit) passed about 5% of the windows of
    /// random text; three bits per probe pass about 0.5%.
    #[test]
    fn the_bitset_passes_few_windows_the_set_does_not_hold() {
        let mut rand = xorshift(0x2545_f491_4f6c_dd1d);
        let mut builder = SecretsBuilder::new(&Options::default());
        for i in 0..12_000 {
            let len = 16 + rand(49);
            let v: Vec<u8> = (0..len).map(|_| ALNUM[rand(ALNUM.len())]).collect();
            builder.push(&format!("K{i}"), &v);
        }
        let set = builder.build_with(&Options::default(), Engine::Window);
        let Search::Window(index) = &set.all.engine else {
            panic!("the window engine was asked for");
        };
        assert_eq!((index.width, index.stride), (8, 9));
        let hay: Vec<u8> = (0..1 << 20).map(|_| ALNUM[rand(ALNUM.len())]).collect();
        let probes = hay.len() - 8;
        let passed = (0..probes)
            .filter(|&q| index.bit_set(index.window_at(&hay, q)))
            .count();
        assert!(
            passed * 100 < probes,
            "{passed} of {probes} windows passed (over 1%)"
        );
        assert!(set.find_all(&hay).is_empty());
    }

    /// Issue 11 (memory): a value pushed again, as a loader does that pushes each value
    /// as the dialect reads it and as the line model does, is not stored twice.
    #[test]
    fn a_value_pushed_twice_is_stored_once_with_its_first_name() {
        let mut builder = SecretsBuilder::new(&Options::default());
        let values: Vec<String> = (0..5_000).map(|i| format!("secret-value-{i:05}")).collect();
        for (i, v) in values.iter().enumerate() {
            builder.push(&format!("FIRST_{i}"), v.as_bytes());
        }
        for (i, v) in values.iter().enumerate().rev() {
            builder.push(&format!("SECOND_{i}"), v.as_bytes());
        }
        // A multi-line value: itself and its lines, one of them already stored.
        builder.push("PEM", b"secret-value-00007\r\nanother-line");
        let stored: usize = builder.values.blocks.iter().map(|b| b.len()).sum();
        let distinct = values.iter().map(String::len).sum::<usize>()
            + "secret-value-00007\r\nanother-line".len()
            + "another-line".len();
        assert_eq!(stored, distinct);
        let set = builder.build(&Options::default());
        assert_eq!(set.len(), values.len() + 2);
        let found = set.find_all(b"x secret-value-04321 y");
        assert_eq!(found.len(), 1);
        assert_eq!(set.name(found[0].secret_index), Some("FIRST_4321"));
    }

    /// The batched probe loop: a secret at every start offset of a text, so that the hit
    /// falls on every lane of a batch and in the tail after the last whole batch, for
    /// both window widths, agrees with aho-corasick.
    #[test]
    fn every_offset_and_the_tail_agree_with_aho_corasick() {
        let mut rand = xorshift(0x9e37_79b9_7f4a_7c15);
        for (count, lo, hi) in [(30, 6, 12), (30, 30, 60), (40, 12, 20)] {
            let secrets: Vec<Secret> = (0..count)
                .map(|i| {
                    let len = lo + rand(hi - lo + 1);
                    Secret::new(
                        format!("K{i}"),
                        (0..len)
                            .map(|_| ALNUM[rand(ALNUM.len())])
                            .collect::<Vec<u8>>(),
                    )
                })
                .collect();
            let options = Options::default();
            let window = SecretSet::with_engine(secrets.clone(), &options, Engine::Window);
            let ac = SecretSet::with_engine(secrets.clone(), &options, Engine::AhoCorasick);
            for at in 0..300 {
                let s = &secrets[at % count].value;
                let mut hay: Vec<u8> = (0..at).map(|_| b'.').collect();
                hay.extend_from_slice(s);
                hay.extend((0..at % 17).map(|_| b'.'));
                for end in [hay.len(), at + s.len(), at + s.len() - 1] {
                    let hay = &hay[..end];
                    assert_eq!(
                        window.find_all(hay),
                        ac.find_all(hay),
                        "{lo}..={hi} bytes, at {at}, length {end}"
                    );
                }
            }
        }
    }

    /// Issue 11 (two cores): a search split in pieces of any size gives the runs of one
    /// search, byte for byte: occurrences straddling a cut, overlapping runs merged across
    /// it, a masked prefix, secrets that prefix or overlap others, and the cut at
    /// `start_limit`, for both window widths; and the unsplit search agrees with
    /// aho-corasick.
    #[test]
    fn a_search_split_in_two_gives_the_runs_of_one_search() {
        let mut rand = xorshift(0x1234_5678_9abc_def1);
        for (count, lo, hi) in [(40, 6, 12), (30, 24, 40), (12_000, 16, 30)] {
            let mut secrets: Vec<Secret> = Vec::new();
            for i in 0..count {
                let len = lo + rand(hi - lo + 1);
                let mut v: Vec<u8> = (0..len).map(|_| ALNUM[rand(ALNUM.len())]).collect();
                // Some share a prefix with, or start inside, an earlier one.
                if i > 0 && rand(3) == 0 {
                    let other = &secrets[rand(secrets.len())].value;
                    let k = rand(other.len().min(len));
                    let from = rand(other.len() - k + 1);
                    v[..k].copy_from_slice(&other[from..from + k]);
                }
                secrets.push(Secret::new(format!("K{i}"), v));
            }
            let options = Options::default();
            let window = SecretSet::with_engine(secrets.clone(), &options, Engine::Window);
            let ac = SecretSet::with_engine(secrets.clone(), &options, Engine::AhoCorasick);
            for round in 0..if count > 1000 { 10 } else { 40 } {
                // Text with secrets packed close, some overlapping each other.
                let mut hay: Vec<u8> = Vec::new();
                while hay.len() < 600 {
                    if rand(2) == 0 {
                        let s = &secrets[rand(count.min(60))].value;
                        let keep = hay.len().saturating_sub(rand(8));
                        hay.truncate(keep);
                        hay.extend_from_slice(s);
                    } else {
                        hay.extend((0..rand(20)).map(|_| b"-. x"[rand(4)]));
                    }
                }
                let limit = hay.len() - rand(hi);
                let prefix = if round % 4 == 0 { rand(10) } else { 0 };
                let mut one = Vec::new();
                window
                    .matcher()
                    .runs_split(&hay, limit, prefix, &mut one, None);
                let mut reference = Vec::new();
                ac.matcher()
                    .runs_split(&hay, limit, prefix, &mut reference, None);
                assert_eq!(one, reference, "window vs aho-corasick, {lo}..={hi} bytes");
                for piece in (1..limit).step_by(1 + rand(7)) {
                    let mut two = Vec::new();
                    window
                        .matcher()
                        .runs_split(&hay, limit, prefix, &mut two, Some(piece));
                    assert_eq!(two, one, "{lo}..={hi} bytes, pieces of {piece} of {limit}");
                }
            }
        }
    }

    /// Issue 11 (start-up): the index built with its placing and sorting shared by two
    /// threads is the one built on one, bit for bit and entry for entry, for a set past
    /// the large-set size with shared prefixes and a set of short secrets.
    #[test]
    fn an_index_built_on_two_threads_is_the_one_built_on_one() {
        let mut rand = xorshift(0x5eed_0123_4567_89ab);
        for (count, lo, hi) in [(20_000, 16, 80), (3_000, 6, 9)] {
            let mut values = Values::default();
            for i in 0..count {
                let len = lo + rand(hi - lo + 1);
                let mut v: Vec<u8> = (0..len).map(|_| ALNUM[rand(ALNUM.len())]).collect();
                if i % 3 == 0 && len > 15 {
                    v[..15].copy_from_slice(b"postgres://app:");
                }
                values.push(&v);
            }
            let min_len = (0..values.len()).map(|i| values.len_of(i)).min().unwrap();
            let one = WindowIndex::build(&values, min_len, false);
            let two = WindowIndex::build(&values, min_len, true);
            assert!(one.entries.len() >= PARALLEL_BUILD_FROM / 8, "{count}");
            assert_eq!(one.bits, two.bits);
            assert_eq!(one.bucket_starts, two.bucket_starts);
            assert_eq!(one.max_offset, two.max_offset);
            let bytes = |e: &[Entry]| e.iter().map(|e| e.0).collect::<Vec<_>>();
            assert_eq!(bytes(&one.entries), bytes(&two.entries));
        }
    }

    /// The store keeps 4 bytes a value (ends, and each block's first index): every value
    /// comes back, across block boundaries, for a value longer than a block, and for
    /// empty-looking neighbours of a block's first value.
    #[test]
    fn stored_values_come_back_across_blocks() {
        let mut rand = xorshift(0x0bad_cafe_f00d_0001);
        let mut values = Values::default();
        let mut want: Vec<Vec<u8>> = Vec::new();
        for i in 0..40_000 {
            let len = match i {
                7 => BLOCK + 5,
                8 => BLOCK,
                _ => 1 + rand(120),
            };
            let v: Vec<u8> = (0..len).map(|_| ALNUM[rand(ALNUM.len())]).collect();
            values.push(&v);
            want.push(v);
        }
        assert!(values.blocks.len() > 3, "{}", values.blocks.len());
        assert_eq!(values.len(), want.len());
        for (i, v) in want.iter().enumerate() {
            assert_eq!(values.get(i), &v[..], "value {i}");
            assert_eq!(values.len_of(i), v.len());
        }
    }

    /// An entry packed in 6 bytes gives back its fields, for a set up to 2^20 secrets
    /// (16-bit tags) and past it (the tag gives up the bits the index needs), and sorts
    /// by (tag, offset).
    #[test]
    fn a_packed_entry_gives_back_secret_offset_and_tag() {
        let mut rand = xorshift(0xdead_beef_1234_5678);
        for secrets in [1, 130_000, 1 << 20, (1 << 20) + 1, 40_000_000] {
            let layout = Layout::new(secrets);
            for _ in 0..2_000 {
                let (secret, offset) = (rand(secrets), rand(4096));
                let h = (rand(1 << 30) as u64) << 34 ^ rand(1 << 30) as u64;
                let e = layout.pack(secret, offset, h);
                assert_eq!(layout.secret(e), secret);
                assert_eq!(layout.offset(e), offset);
                assert_eq!(layout.tag(e), layout.tag_of(h));
                assert_eq!(layout.tag_offset(e), layout.tag_of(h) << 12 | offset as u64);
            }
        }
    }
}
