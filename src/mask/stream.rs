//! The streaming filter: `Read` → `Write` with every secret of a [`SecretSet`] masked.
//!
//! Owns buffering only; what counts as a match is [`super::matcher`]. Memory is constant:
//! one input buffer of [`CHUNK`] + (longest secret − 1) bytes (line-buffered), or two of
//! [`PIPELINED_CHUNK`] + (longest secret − 1) bytes, one filled by a reading thread while
//! the other is masked (pipe mode, [`Filter::run_pipelined`]), one output buffer of
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
/// Bytes read per round by [`Filter::run_pipelined`], in each of its two buffers: the two
/// take the memory of one [`CHUNK`] (issue 11's memory budget), and a round is still
/// long enough to be split over two cores ([`super::matcher`]'s `SPLIT_FROM`).
pub const PIPELINED_CHUNK: usize = CHUNK / 2;
/// Output is collected up to this size before a write.
pub const OUT_CAP: usize = 64 * 1024;
/// Literal stretches at least this long are written straight from the input buffer:
/// copying them into the output buffer would cost more than the extra `write` call.
const DIRECT_WRITE: usize = 8 * 1024;

/// Copies `input` to `output` with every secret in `set` replaced; returns the number of
/// replacements written. With `line_buffered`, output is flushed as soon as each line is
/// decided (for a terminal or `tail -f`); otherwise only at the end, and the input is read
/// by a second thread while this one masks (see [`Filter::run_pipelined`]).
pub fn filter<R: Read + Send, W: Write>(
    set: &SecretSet,
    input: R,
    output: W,
    line_buffered: bool,
) -> io::Result<u64> {
    if line_buffered {
        let mut f = Filter::new(set, input, output, line_buffered);
        f.run()?;
        Ok(f.masker.matches)
    } else {
        let mut f = Filter::with_chunk(set, input, output, line_buffered, PIPELINED_CHUNK);
        f.run_pipelined()?;
        Ok(f.masker.matches)
    }
}

pub(crate) struct Filter<'a, R, W> {
    input: R,
    pub masker: Masker<'a, W>,
    /// Carry (at the front) plus the bytes just read; its length never changes.
    buf: Vec<u8>,
    /// The largest carry ever kept, for the bound tests.
    pub max_carry: usize,
}

/// What a round does with the bytes read: decide, mask and write them.
pub(crate) struct Masker<'a, W> {
    set: &'a SecretSet,
    out: Out<W>,
    line_buffered: bool,
    /// Bytes at the front of the next round's data that belong to a run already
    /// replaced.
    masked_prefix: usize,
    runs: Vec<Run>,
    pub matches: u64,
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
            input,
            masker: Masker {
                set,
                out: Out {
                    inner: output,
                    buf: Vec::with_capacity(OUT_CAP),
                },
                line_buffered,
                masked_prefix: 0,
                runs: Vec::new(),
                matches: 0,
            },
            buf: vec![0; chunk.max(1) + keep],
            max_carry: 0,
        }
    }

    /// Reads and masks in turn on this thread (line-buffered mode, and any reader).
    pub fn run(&mut self) -> io::Result<()> {
        let mut filled = 0;
        loop {
            // Invariant: filled <= keep, so at least a chunk of bytes is free.
            let n = read_retrying(&mut self.input, &mut self.buf[filled..])?;
            filled += n;
            let mut eof = n == 0;
            // Not line-buffered: fill the buffer (a pipe gives 64 KiB a read), so that a
            // round is long enough for the matcher to split over two cores.
            if !self.masker.line_buffered {
                while !eof && filled < self.buf.len() {
                    let n = read_retrying(&mut self.input, &mut self.buf[filled..])?;
                    filled += n;
                    eof = n == 0;
                }
            }
            let (decided, line_done) = self.masker.round(&self.buf[..filled], eof)?;
            if eof {
                break;
            }
            self.buf.copy_within(decided..filled, 0);
            filled -= decided;
            self.max_carry = self.max_carry.max(filled);
            if line_done {
                self.masker.out.drain()?;
                self.masker.out.inner.flush()?;
            }
        }
        self.masker.out.drain()?;
        self.masker.out.inner.flush()
    }

    /// [`Filter::run`] (not line-buffered) with the reading done by a second thread:
    /// while this one masks a round, the next is read (issue 11: through a pipe, reading
    /// is a third of the time, and it was not overlapped with the search).
    ///
    /// Two buffers go back and forth between the threads. Each leaves room for the
    /// carry (at most the longest secret less one byte) before the bytes read into it,
    /// so only the carry is copied, never the round. The output is [`Filter::run`]'s,
    /// byte for byte: it does not depend on where rounds end (the tests compare both, and
    /// many read and round sizes).
    pub fn run_pipelined(&mut self) -> io::Result<()>
    where
        R: Send,
    {
        let keep = self.masker.set.matcher().max_len.saturating_sub(1);
        let chunk = self.buf.len() - keep;
        let (to_fill, empty) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
        let (to_mask, full) = std::sync::mpsc::sync_channel::<io::Result<(Vec<u8>, usize)>>(1);
        let first = std::mem::take(&mut self.buf);
        let _ = to_fill.send(vec![0; first.len()]);
        let _ = to_fill.send(first);
        let Filter {
            input,
            masker,
            max_carry,
            buf,
        } = self;
        std::thread::scope(|scope| {
            scope.spawn(move || {
                // Fills each buffer it is given from `keep` on, up to the chunk or the
                // end of input; stops at the end of input, at an error, or once the
                // masking side has hung up.
                while let Ok(mut b) = empty.recv() {
                    let mut n = 0;
                    let result = loop {
                        match read_retrying(input, &mut b[keep + n..]) {
                            Ok(0) => break Ok(()),
                            Ok(k) => {
                                n += k;
                                if n == chunk {
                                    break Ok(());
                                }
                            }
                            Err(e) => break Err(e),
                        }
                    };
                    let last = n < chunk || result.is_err();
                    if to_mask.send(result.map(|()| (b, n))).is_err() || last {
                        break;
                    }
                }
            });
            // The undecided tail of a round (at most `keep` bytes), put back just
            // before the next round's bytes.
            let mut carry: Vec<u8> = Vec::with_capacity(keep);
            let result = (|| -> io::Result<()> {
                loop {
                    // The reader stops only after sending a short round or an error.
                    let (mut b, n) = full
                        .recv()
                        .map_err(|_| io::Error::other("the reading thread stopped"))??;
                    let from = keep - carry.len();
                    b[from..keep].copy_from_slice(&carry);
                    let eof = n < chunk;
                    let data = &b[from..keep + n];
                    let (decided, _) = masker.round(data, eof)?;
                    if eof {
                        *buf = b;
                        return Ok(());
                    }
                    carry.clear();
                    carry.extend_from_slice(&data[decided..]);
                    *max_carry = (*max_carry).max(carry.len());
                    let _ = to_fill.send(b);
                }
            })();
            drop(to_fill);
            drop(full);
            result
        })?;
        masker.out.drain()?;
        masker.out.inner.flush()
    }
}

impl<W: Write> Masker<'_, W> {
    /// Masks one round: `data` is the carry plus the bytes just read, all of it at end
    /// of input. Writes what is decided and returns how many leading bytes of `data` that
    /// is (the rest is carried to the next round), and whether a line was completed
    /// (line-buffered mode: time to flush).
    fn round(&mut self, data: &[u8], eof: bool) -> io::Result<(usize, bool)> {
        let matcher = self.set.matcher();
        let keep = matcher.max_len.saturating_sub(1);
        let filled = data.len();
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
        Ok((decided, line_done))
    }
}

impl<R, W> Filter<'_, R, W> {
    #[cfg(test)]
    pub fn capacities(&self) -> (usize, usize, usize) {
        (
            self.buf.capacity(),
            self.masker.out.buf.capacity(),
            self.masker.runs.capacity(),
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
