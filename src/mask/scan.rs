//! The leak check over a stream: where the secrets of a [`SecretSet`] occur in a `Read`,
//! by line, in constant memory (for a large staged file, never held whole).
//!
//! Buffering as in [`super::stream`]: after each read the buffer holds the carry from the
//! previous round plus the new bytes, and only occurrences that start more than `keep`
//! bytes before the end (or anywhere at end of input) are decided, so a secret split
//! across two reads is found once, at the line where it starts. Runs are the same as
//! [`SecretSet::find_all`] gives on the whole input (overlapping occurrences are one run,
//! reported once). An occurrence on a line holding [`super::ALLOW_MARKER`] (before or after
//! it, even reads away) is not reported, as in the whole-file check.

use std::io::{self, Read};

use super::matcher::{Run, SecretSet};
use super::rules::ALLOW_MARKER;
use super::stream::CHUNK;

/// One reported occurrence: its 1-based line and the secret that starts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineHit {
    pub line: u64,
    pub secret_index: usize,
}

/// The occurrences of `set` in `input`, in order, without those on a line marked with
/// [`ALLOW_MARKER`]. `window` sees every byte of the input inside a buffer that also
/// holds the `window_keep` bytes before it (for a caller's own search of patterns up to
/// `window_keep + 1` bytes long, e.g. a key's text); it sees some bytes more than once.
pub fn find_lines<R: Read>(
    set: &SecretSet,
    mut input: R,
    window_keep: usize,
    mut window: impl FnMut(&[u8]),
) -> io::Result<Vec<LineHit>> {
    find_lines_with(set, &mut input, window_keep, &mut window, CHUNK)
}

pub(crate) fn find_lines_with(
    set: &SecretSet,
    input: &mut dyn Read,
    window_keep: usize,
    window: &mut dyn FnMut(&[u8]),
    chunk: usize,
) -> io::Result<Vec<LineHit>> {
    let matcher = set.matcher();
    let marker = ALLOW_MARKER.as_bytes();
    let keep = matcher
        .max_len
        .saturating_sub(1)
        .max(marker.len() - 1)
        .max(window_keep);
    let mut buf = vec![0u8; chunk + keep];
    let mut filled = 0;
    let mut masked_prefix = 0;
    let mut runs: Vec<Run> = Vec::new();
    let mut hits: Vec<LineHit> = Vec::new();
    // The line of buf[0], and the last line seen holding the marker.
    let mut line_at_start: u64 = 1;
    let mut marked_line: Option<u64> = None;
    loop {
        let n = loop {
            match input.read(&mut buf[filled..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        filled += n;
        let eof = n == 0;
        let data = &buf[..filled];
        window(data);
        let decided = if eof {
            filled
        } else {
            filled.saturating_sub(keep)
        };
        runs.clear();
        matcher.runs(data, decided, masked_prefix, &mut runs);
        // Events in order of position: a marker (its start) or a run that starts a hit.
        let mut markers = memchr::memmem::find_iter(data, marker)
            .take_while(|&at| at < decided)
            .peekable();
        let mut starts = runs.iter().filter(|r| r.secret.is_some()).peekable();
        let (mut cursor, mut line) = (0usize, line_at_start);
        let advance = |to: usize, cursor: &mut usize, line: &mut u64| {
            *line += memchr::memchr_iter(b'\n', &data[*cursor..to]).count() as u64;
            *cursor = to;
        };
        loop {
            let next_marker = markers.peek().copied();
            let next_run = starts.peek().map(|r| r.start);
            match (next_marker, next_run) {
                (Some(m), r) if r.is_none_or(|r| m <= r) => {
                    // A marker first (also at the run's own start: same line anyway).
                    markers.next();
                    advance(m, &mut cursor, &mut line);
                    marked_line = Some(line);
                    // Hits earlier on this line are deliberate too.
                    while hits.last().is_some_and(|h| h.line == line) {
                        hits.pop();
                    }
                }
                (_, Some(r)) => {
                    let run = starts.next().expect("peeked");
                    advance(r, &mut cursor, &mut line);
                    if marked_line != Some(line) {
                        hits.push(LineHit {
                            line,
                            secret_index: run.secret.expect("filtered"),
                        });
                    }
                }
                _ => break,
            }
        }
        advance(decided, &mut cursor, &mut line);
        line_at_start = line;
        let pos = runs.last().map_or(0, |r| r.end);
        masked_prefix = pos.saturating_sub(decided);
        if eof {
            break;
        }
        buf.copy_within(decided..filled, 0);
        filled -= decided;
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mask::{Options, Secret};

    /// The whole-input answer: find_all, lines counted, marked lines dropped.
    fn whole(set: &SecretSet, hay: &[u8]) -> Vec<LineHit> {
        set.find_all(hay)
            .into_iter()
            .filter_map(|m| {
                let start = memchr::memrchr(b'\n', &hay[..m.start]).map_or(0, |i| i + 1);
                let end = memchr::memchr(b'\n', &hay[m.start..]).map_or(hay.len(), |i| m.start + i);
                let marked = memchr::memmem::find(&hay[start..end], ALLOW_MARKER.as_bytes());
                marked.is_none().then(|| LineHit {
                    line: memchr::memchr_iter(b'\n', &hay[..m.start]).count() as u64 + 1,
                    secret_index: m.secret_index,
                })
            })
            .collect()
    }

    /// A reader that returns at most `step` bytes per read.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn stream_hits_equal_whole_input_hits_at_every_chunk_size() {
        let set = SecretSet::new(
            [
                Secret::new("A", "abcdef"),
                Secret::new("B", "defghijkl"),
                Secret::new("C", "tok-0123456789abcdef"),
            ],
            &Options::default(),
        );
        let mut hay = Vec::new();
        let mut x: u32 = 7;
        for i in 0..400 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            match x >> 28 {
                0 => hay.extend_from_slice(b"abcdefghijkl"),
                1 => hay.extend_from_slice(b"tok-0123456789abcdef"),
                2 => hay.extend_from_slice(b" envseal:allow "),
                3 | 4 => hay.push(b'\n'),
                5 => hay.extend_from_slice(b"tok-01234567"),
                _ => hay.extend_from_slice(format!("x{i}y").as_bytes()),
            }
        }
        let want = whole(&set, &hay);
        assert!(want.len() > 10, "{}", want.len());
        for chunk in [1, 2, 3, 5, 8, 13, 64, 1000, 100_000] {
            for step in [1, 7, usize::MAX] {
                let got =
                    find_lines_with(&set, &mut Trickle(&hay, step), 0, &mut |_: &[u8]| {}, chunk)
                        .unwrap();
                assert_eq!(got, want, "chunk {chunk} step {step}");
            }
        }
    }

    #[test]
    fn the_window_sees_every_pattern_split_across_reads() {
        let set = SecretSet::new([Secret::new("A", "abcdef")], &Options::default());
        let hay = b"0123456789KEYTEXT-0123456789-END0123456789".repeat(3);
        for chunk in [1, 5, 16, 33] {
            let mut seen = 0;
            find_lines_with(
                &set,
                &mut Trickle(&hay, 4),
                "KEYTEXT-0123456789-END".len() - 1,
                &mut |w: &[u8]| {
                    seen += memchr::memmem::find_iter(w, b"KEYTEXT-0123456789-END").count()
                },
                chunk,
            )
            .unwrap();
            assert!(seen >= 3, "chunk {chunk}: {seen}");
        }
    }
}
