//! Line terminators: the one owner of where a line ends (`\n`, `\r\n`, a lone `\r`, or
//! nothing for a last line). The dotenv parser, the v1 encoder and decoder, the
//! document MAC and the chunked readers all split and count lines through here, so they
//! cannot disagree about what a line is.

use std::io::{self, Read};

use super::Eol;

/// Where the line starting at `pos` ends: its content's end, its terminator, and where
/// the next line starts.
pub(crate) fn line_end(bytes: &[u8], pos: usize) -> (usize, Eol, usize) {
    match memchr::memchr2(b'\n', b'\r', &bytes[pos..]) {
        None => (bytes.len(), Eol::None, bytes.len()),
        Some(i) => {
            let at = pos + i;
            if bytes[at] == b'\n' {
                (at, Eol::Lf, at + 1)
            } else if bytes.get(at + 1) == Some(&b'\n') {
                (at, Eol::CrLf, at + 2)
            } else {
                (at, Eol::Cr, at + 1)
            }
        }
    }
}

/// The lines of a text, each with its terminator; a last line without one is yielded
/// as it is.
#[derive(Clone)]
pub struct Lines<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        Lines { text, pos: 0 }
    }

    /// Where the lines not yet yielded start.
    pub fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let start = self.pos;
        if start >= self.text.len() {
            return None;
        }
        self.pos = line_end(self.text.as_bytes(), start).2;
        Some(&self.text[start..self.pos])
    }
}

/// A line's content and its terminator.
pub fn strip_eol(line: &str) -> (&str, &str) {
    let content = line.trim_end_matches(['\r', '\n']);
    (content, &line[content.len()..])
}

/// Line breaks in a text (`\r\n` counts once): the physical lines inside a logical one.
/// One pass: this runs for every line of a file.
pub fn breaks_in(s: &str) -> usize {
    let b = s.as_bytes();
    memchr::memchr2_iter(b'\n', b'\r', b)
        .filter(|&i| !(b[i] == b'\n' && i > 0 && b[i - 1] == b'\r'))
        .count()
}

/// The lines [`Lines`] yields for a text: its breaks, plus an unterminated last line.
pub fn lines_in(text: &str) -> usize {
    let unterminated = text
        .bytes()
        .last()
        .is_some_and(|c| c != b'\n' && c != b'\r');
    breaks_in(text) + usize::from(unterminated)
}

/// [`lines_in`] of everything `src` yields from where it is, read in pieces of at most
/// `chunk` bytes (a `\r` ending one read and a `\n` starting the next are one break).
pub fn count_lines(src: &mut impl Read, chunk: usize) -> io::Result<u64> {
    // Small enough to stay in the L2 cache: the copy from the page cache is most of it.
    let mut buf = vec![0u8; chunk.clamp(1, 128 * 1024)];
    let mut lines = 0u64;
    let mut pending_cr = false;
    let mut last = None;
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let b = &buf[..n];
        // A `\r` ending the previous read is a line end of its own unless `\n` follows.
        if std::mem::take(&mut pending_cr) && b[0] != b'\n' {
            lines += 1;
        }
        lines += memchr::memchr_iter(b'\n', b).count() as u64;
        for i in memchr::memchr_iter(b'\r', b) {
            match b.get(i + 1) {
                Some(b'\n') => {}
                Some(_) => lines += 1,
                None => pending_cr = true,
            }
        }
        last = Some(b[n - 1]);
    }
    if pending_cr {
        lines += 1;
    }
    if last.is_some_and(|c| c != b'\n' && c != b'\r') {
        lines += 1;
    }
    Ok(lines)
}

/// Just after the last line end of `buf` that is certainly one: a `\n`, or else a `\r`
/// that is not the last byte (a last `\r` may be the first half of `\r\n`).
pub fn cut_point(buf: &[u8]) -> Option<usize> {
    if let Some(i) = memchr::memrchr(b'\n', buf) {
        return Some(i + 1);
    }
    let before_last = buf.len().checked_sub(1)?;
    memchr::memrchr(b'\r', &buf[..before_last]).map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts whose lines end in every way.
    const LINE_ENDS: [&str; 9] = [
        "",
        "a",
        "a\n",
        "a\r\nb\rc\n\rd",
        "\r",
        "\r\r\n\n",
        "x\r",
        "é\r\n",
        "one\ntwo\r\nthree\rfour\r\n",
    ];

    #[test]
    fn lines_in_agrees_with_lines() {
        for text in LINE_ENDS {
            assert_eq!(lines_in(text), Lines::new(text).count(), "{text:?}");
            let joined: String = Lines::new(text).collect();
            assert_eq!(joined, text);
        }
    }

    #[test]
    fn count_lines_agrees_with_lines_across_read_boundaries() {
        for text in LINE_ENDS {
            for chunk in 1..6 {
                let mut src = io::Cursor::new(text.as_bytes());
                assert_eq!(
                    count_lines(&mut src, chunk).unwrap(),
                    Lines::new(text).count() as u64,
                    "{text:?} in reads of {chunk}"
                );
            }
        }
    }
}
