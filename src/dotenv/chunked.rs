//! Reading a dotenv file in pieces of whole logical lines, so a large file need not be
//! held in memory at once (the streaming v1 encrypter seals each piece on its own).
//!
//! A piece ends right after a `\n` (never inside a UTF-8 sequence nor between the `\r`
//! and `\n` of a CRLF), and a logical line whose quote does not close inside the text
//! read so far is carried into the next piece ([`super::LineParser::partial`]). The
//! pieces are therefore exactly the lines [`super::parse_bytes`] gives for the whole
//! file, and the errors are the same, at the same `line:column`: the first byte that is
//! not UTF-8 (checked in file order, before any line after it is parsed), else an
//! unterminated quote (which, reaching to the end of the file, is only known there).

use std::io::{self, Read};

use zeroize::{Zeroize, Zeroizing};

use super::eol::breaks_in;
use super::{position, LineParser, LineRef, ParseError};

/// Whole logical lines of a file, in order.
pub struct Chunk {
    /// The lines' text with their terminators (no BOM): plaintext, read through
    /// [`Chunk::expose_text`].
    text: Zeroizing<String>,
    /// Physical line number of the first line.
    pub first_number: usize,
    /// Byte offset of `text` in the input.
    pub offset: u64,
    /// How many logical lines `text` holds.
    pub lines: usize,
}

impl Chunk {
    /// The lines' text with their terminators: plaintext leaving its type.
    pub fn expose_text(&self) -> &str {
        &self.text
    }

    /// Length of the text in bytes.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// The chunk holds no text (never the case for a chunk a reader hands out).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

impl std::fmt::Debug for Chunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chunk")
            .field("len", &self.text.len())
            .field("first_number", &self.first_number)
            .field("offset", &self.offset)
            .field("lines", &self.lines)
            .finish()
    }
}

/// Why the next piece could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ChunkError {
    #[error(transparent)]
    Io(#[from] io::Error),
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// Reads a dotenv file as [`Chunk`]s of about `chunk_size` bytes.
pub struct ChunkReader<R> {
    input: R,
    chunk_size: usize,
    /// Bytes read and not yet checked (they follow the last `\n` read).
    raw: Vec<u8>,
    /// Checked text whose lines are not yet handed out (a line that may continue).
    text: String,
    /// Physical line number where `text` starts.
    number: usize,
    /// Byte offset in the input where `text` starts.
    offset: u64,
    eof: bool,
    /// Whether a BOM was looked for (at the start of the first text).
    started: bool,
    bom: bool,
    done: bool,
}

/// The buffers hold plaintext: wiped when done (a buffer that grew may have left an
/// unwiped copy behind, as a whole-file read does).
impl<R> Drop for ChunkReader<R> {
    fn drop(&mut self) {
        self.raw.zeroize();
        self.text.zeroize();
    }
}

impl<R: Read> ChunkReader<R> {
    pub fn new(input: R, chunk_size: usize) -> Self {
        ChunkReader {
            input,
            chunk_size: chunk_size.max(1),
            raw: Vec::new(),
            text: String::new(),
            number: 1,
            offset: 0,
            eof: false,
            started: false,
            bom: false,
            done: false,
        }
    }

    /// The file starts with a UTF-8 byte order mark (known once a chunk was asked for).
    pub fn bom(&self) -> bool {
        self.bom
    }

    /// The next piece, `None` at the end; `each` sees every line handed out, in order.
    pub fn next_chunk(
        &mut self,
        each: &mut dyn FnMut(&LineRef<'_>),
    ) -> Result<Option<Chunk>, ChunkError> {
        self.advance(Some(each))
    }

    /// [`ChunkReader::next_chunk`] for a caller that only needs the pieces: faster, the
    /// lines are counted ([`LineParser::skip_all`]), not handed out.
    pub fn next_piece(&mut self) -> Result<Option<Chunk>, ChunkError> {
        self.advance(None)
    }

    fn advance(
        &mut self,
        mut each: Option<&mut dyn FnMut(&LineRef<'_>)>,
    ) -> Result<Option<Chunk>, ChunkError> {
        loop {
            if self.done {
                return Ok(None);
            }
            // Read at least a piece more; when a carried line (or a physical line without
            // `\n`) has grown long, as much as it holds, so re-scanning it costs linear
            // time overall.
            if !self.eof {
                let want = self.chunk_size.max(self.text.len()).max(self.raw.len());
                self.fill(want)?;
            }
            let cut = if self.eof {
                self.raw.len()
            } else {
                memchr::memrchr(b'\n', &self.raw).map_or(0, |i| i + 1)
            };
            self.take_checked(cut)?;
            if !self.started && (self.eof || !self.text.is_empty()) {
                self.started = true;
                if self.text.starts_with('\u{feff}') {
                    self.bom = true;
                    self.text.drain(..'\u{feff}'.len_utf8());
                    self.offset = '\u{feff}'.len_utf8() as u64;
                }
            }
            let last = self.eof && self.raw.is_empty();
            let mut parser = if last {
                LineParser::new(&self.text, self.number)
            } else {
                LineParser::partial(&self.text, self.number)
            };
            let lines = match each.as_mut() {
                Some(each) => {
                    let mut lines = 0;
                    for line in parser.by_ref() {
                        each(&line?);
                        lines += 1;
                    }
                    lines
                }
                None => parser.skip_all()?,
            };
            let consumed = parser.offset();
            let next_number = parser.number();
            if last && consumed == self.text.len() {
                self.done = true;
            }
            if lines == 0 {
                // Nothing complete yet (or nothing at all): read on.
                debug_assert!(!last || self.done);
                continue;
            }
            let rest = self.text.split_off(consumed);
            let text = std::mem::replace(&mut self.text, rest);
            let first_number = std::mem::replace(&mut self.number, next_number);
            let offset = self.offset;
            self.offset += consumed as u64;
            return Ok(Some(Chunk {
                text: Zeroizing::new(text),
                first_number,
                offset,
                lines,
            }));
        }
    }

    /// Read until `raw` has `want` more bytes or the input ends.
    fn fill(&mut self, want: usize) -> io::Result<()> {
        self.raw.reserve(want);
        // `read_to_end` reads into the spare capacity without zero-filling it first.
        let n = (&mut self.input)
            .take(want as u64)
            .read_to_end(&mut self.raw)?;
        if n < want {
            self.eof = true;
        }
        Ok(())
    }

    /// Check `raw[..cut]` is UTF-8 and move it to `text`.
    fn take_checked(&mut self, cut: usize) -> Result<(), ParseError> {
        match std::str::from_utf8(&self.raw[..cut]) {
            Ok(s) => self.text.push_str(s),
            Err(e) => {
                // `text` ends with a line break (or is empty), so the bad byte's line
                // starts in `raw`; a BOM, not yet removed, counts as a column as in
                // `parse_bytes`.
                let good = e.valid_up_to();
                let prefix = std::str::from_utf8(&self.raw[..good]).unwrap_or_default();
                let (line, column) = position(prefix, good);
                let before = self.number - 1 + breaks_in(&self.text);
                return Err(ParseError::NotUtf8 {
                    line: before + line,
                    column,
                });
            }
        }
        self.raw.drain(..cut);
        Ok(())
    }
}
