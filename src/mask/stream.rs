//! The streaming filter: `Read` → `Write` with every secret of a [`SecretSet`] masked.
//!
//! Owns buffering only; what counts as a match is [`super::matcher`]. Memory is constant:
//! one input buffer of [`CHUNK`] + (longest secret − 1) bytes, one output buffer of
//! [`OUT_CAP`] bytes and the runs of one chunk, whatever the input size.
//!
//! After each read, the buffer holds the carry from the previous round plus the new bytes.
//! Only bytes that can no longer start a match are decided: those more than
//! (longest secret − 1) bytes before the end, or every byte at end of input. The rest is
//! carried to the front of the buffer, so a secret split across reads is still masked.
//! A run that reaches past the decided part has its replacement written already; the
//! carried bytes it covers are remembered and dropped in the next round.
//!
//! Line-buffered mode flushes the output after every read that completed a line, and
//! gives the same output as pipe mode: it matches with the same set, multi-line secrets
//! included (a multi-line value printed as it is, with lines shorter than `--min-len`, is
//! masked whole). A complete line is decided as soon as it is read unless a multi-line
//! secret may begin in it and continue past what was read so far: then it is held back
//! only until the next read shows whether it does. A trailing partial line shorter than
//! the longest secret (e.g. a prompt) is held back until its line ends or the input does.
//!
//! Write errors, including `BrokenPipe`, are returned unchanged.

use std::io::{self, Read, Write};

use super::matcher::{Run, SecretSet};

/// Bytes read per round (at most: a pipe gives 64 KiB a read; see [`Filter::run`]).
pub const CHUNK: usize = 1024 * 1024;
/// Output is collected up to this size before a write.
pub const OUT_CAP: usize = 64 * 1024;
/// Literal stretches at least this long are written straight from the input buffer:
/// copying them into the output buffer would cost more than the extra `write` call.
const DIRECT_WRITE: usize = 8 * 1024;

/// Copies `input` to `output` with every secret in `set` replaced; returns the number of
/// replacements written. With `line_buffered`, output is flushed as soon as each line is
/// decided (for a terminal or `tail -f`); otherwise only at the end.
pub fn filter<R: Read, W: Write>(
    set: &SecretSet,
    input: R,
    output: W,
    line_buffered: bool,
) -> io::Result<u64> {
    let mut f = Filter::new(set, input, output, line_buffered);
    f.run()?;
    Ok(f.matches)
}

pub(crate) struct Filter<'a, R, W> {
    set: &'a SecretSet,
    input: R,
    out: Out<W>,
    line_buffered: bool,
    /// Carry (at the front) plus the bytes just read; its length never changes.
    buf: Vec<u8>,
    /// Bytes at the front of `buf` that belong to a run already replaced.
    masked_prefix: usize,
    runs: Vec<Run>,
    pub matches: u64,
    /// The largest carry ever kept, for the bound tests.
    pub max_carry: usize,
}

impl<'a, R: Read, W: Write> Filter<'a, R, W> {
    pub fn new(set: &'a SecretSet, input: R, output: W, line_buffered: bool) -> Self {
        Self::with_chunk(set, input, output, line_buffered, CHUNK)
    }

    /// A filter reading rounds of `chunk` bytes (tests: many rounds, so that secrets
    /// split across rounds are exercised with short inputs, now that a round is filled).
    pub fn with_chunk(
        set: &'a SecretSet,
        input: R,
        output: W,
        line_buffered: bool,
        chunk: usize,
    ) -> Self {
        let keep = set.matcher().max_len.saturating_sub(1);
        Filter {
            set,
            input,
            out: Out {
                inner: output,
                buf: Vec::with_capacity(OUT_CAP),
            },
            line_buffered,
            buf: vec![0; chunk.max(1) + keep],
            masked_prefix: 0,
            runs: Vec::new(),
            matches: 0,
            max_carry: 0,
        }
    }

    pub fn run(&mut self) -> io::Result<()> {
        let matcher = self.set.matcher();
        let keep = matcher.max_len.saturating_sub(1);
        let mut filled = 0;
        loop {
            // Invariant: filled <= keep, so at least a chunk of bytes is free.
            let n = read_retrying(&mut self.input, &mut self.buf[filled..])?;
            filled += n;
            let mut eof = n == 0;
            // Not line-buffered: fill the buffer (a pipe gives 64 KiB a read), so that a
            // round is long enough for the matcher to split over two cores.
            if !self.line_buffered {
                while !eof && filled < self.buf.len() {
                    let n = read_retrying(&mut self.input, &mut self.buf[filled..])?;
                    filled += n;
                    eof = n == 0;
                }
            }
            let data = &self.buf[..filled];
            let mut decided = if eof {
                filled
            } else {
                filled.saturating_sub(keep)
            };
            let mut line_done = false;
            if self.line_buffered && !eof {
                if let Some(nl) = memchr::memrchr(b'\n', data) {
                    if nl + 1 > decided {
                        let hold = self.set.hold_from(data, decided);
                        decided = decided.max((nl + 1).min(hold));
                    }
                    line_done = decided > 0;
                }
            }
            self.runs.clear();
            matcher.runs(data, decided, self.masked_prefix, &mut self.runs);
            let mut pos = 0;
            for run in &self.runs {
                self.out.put(&data[pos..run.start])?;
                if let Some(secret) = run.secret {
                    self.matches += 1;
                    let mut result = Ok(());
                    let out = &mut self.out;
                    self.set.write_replacement(secret, |b| {
                        if result.is_ok() {
                            result = out.put(b);
                        }
                    });
                    result?;
                }
                pos = run.end;
            }
            if pos <= decided {
                self.out.put(&data[pos..decided])?;
                self.masked_prefix = 0;
            } else {
                self.masked_prefix = pos - decided;
            }
            if eof {
                break;
            }
            self.buf.copy_within(decided..filled, 0);
            filled -= decided;
            self.max_carry = self.max_carry.max(filled);
            if line_done {
                self.out.drain()?;
                self.out.inner.flush()?;
            }
        }
        self.out.drain()?;
        self.out.inner.flush()
    }

    #[cfg(test)]
    pub fn capacities(&self) -> (usize, usize, usize) {
        (
            self.buf.capacity(),
            self.out.buf.capacity(),
            self.runs.capacity(),
        )
    }
}

fn read_retrying(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match input.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// A small write buffer that lets big slices through unbuffered.
struct Out<W> {
    inner: W,
    buf: Vec<u8>,
}

impl<W: Write> Out<W> {
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.len() >= DIRECT_WRITE {
            self.drain()?;
            return self.inner.write_all(bytes);
        }
        if self.buf.len() + bytes.len() > OUT_CAP {
            self.drain()?;
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    fn drain(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.inner.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }
}
