//! Writing v1 body lines, and the streaming encrypter for large fresh files.
//!
//! [`seal_line`] is the one definition of what a logical plaintext line becomes (shared
//! by [`super::encrypt`] and the streaming path), [`sealed_len`] its exact length.
//!
//! [`encrypt_stream`] produces the same format as [`super::encrypt`] with a fresh data
//! key, without holding the whole input or its parsed form: the calling thread reads the
//! file once in pieces of whole logical lines ([`crate::dotenv::ChunkReader`]), checking
//! them and counting their lines, and keeps nothing; worker threads read each piece
//! again by position, parse and seal it into its own output string (each with its own
//! nonce pool); the calling thread hashes the pieces in order into the MAC and hands them
//! to a [`Sink`] (kept in memory for stdout, or written to the temporary file of an
//! atomic write). The MAC starts with the number of lines, which is known once the whole
//! input has been read: that is much sooner than it is sealed, so hashing overlaps
//! sealing. The master key is needed only for the header, after reading: a plaintext
//! that does not parse is reported before the key is looked for, as by the whole-file
//! path.
//!
//! A [`Tap`] (the per-clone sync record of a natural pair) is shown each sealed piece's
//! plaintext and the lines the workers parsed, in order, and has the workers compute
//! its per-line work that depends on no other line: the file is neither read nor
//! parsed a third time for it.
//!
//! Randomness: the data key and wrap nonce come from the calling thread's
//! [`OsRandomPool`], each worker draws its value nonces from its own pool, so the order
//! of draws is not defined here; a caller that supplies the random bytes (known-answer
//! vectors) uses [`super::encrypt`], which draws them in the documented order.

use std::fs::File;
use std::io::{self, Seek};
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError};

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

use super::mac::DocMac;
use super::slot::Recipient;
use super::{
    aad_into, covered_header, gcm, hkdf32, new_data_key, reserve_zeroizing, write_header, Options,
    B64, TOKEN_OPEN,
};
use crate::dotenv::{self, ChunkError, ChunkReader, Kind, LineParser, LineRef, ParseError};
use crate::format::{FormatError, OsRandomPool};
use crate::key::Key;

/// Bytes of plaintext per piece: small enough that the pieces in flight stay a small
/// part of the output held for stdout, large enough that handing them between threads
/// costs nothing measurable.
pub const CHUNK_SIZE: usize = 128 * 1024;

/// Sealing threads.
const WORKERS: usize = 2;

/// Length of `ENC[v1:<b64>]` for a plaintext of `n` bytes (nonce, ciphertext and tag,
/// base64 without padding).
fn token_len(n: usize) -> usize {
    let raw = 12 + n + 16;
    TOKEN_OPEN.len() + (4 * raw).div_ceil(3) + 1
}

/// A comment that may stay readable: not one that reads like an assignment, and not one
/// the decoder would take for an encrypted line.
fn is_plain_comment(line: &LineRef<'_>) -> bool {
    let body = line.expose_text().trim_start_matches(dotenv::is_hspace);
    !line.is_commented_assignment() && !body.starts_with("#ENC[") && !body.starts_with("#envseal:")
}

/// What a logical line becomes in the body.
enum Shape<'l> {
    Verbatim,
    /// Prefix verbatim, then the token of the value.
    Value {
        prefix: &'l str,
        key: &'l str,
        value: &'l str,
    },
    /// `#` and the token of the whole line.
    WholeLine,
}

fn shape<'l>(line: &LineRef<'l>, opts: Options) -> Shape<'l> {
    match &line.kind {
        Kind::Blank => Shape::Verbatim,
        Kind::Comment if !opts.encrypt_comments && is_plain_comment(line) => Shape::Verbatim,
        Kind::Assignment { key, value } => Shape::Value {
            prefix: &line.expose_text()[..value.start],
            key: &line.expose_text()[key.clone()],
            value: &line.expose_text()[value.clone()],
        },
        _ => Shape::WholeLine,
    }
}

/// The exact length of the body line [`seal_line`] writes for `line`, terminator
/// included (whether or not its token is reused: all tokens of a value have one length).
pub(super) fn sealed_len(line: &LineRef<'_>, opts: Options) -> usize {
    line.eol.as_str().len()
        + match shape(line, opts) {
            Shape::Verbatim => line.expose_text().len(),
            Shape::Value { prefix, value, .. } => prefix.len() + token_len(value.len()),
            Shape::WholeLine => 1 + token_len(line.expose_text().len()),
        }
}

/// Appends the token of a plaintext, bound to a key name (`None`: a whole line).
pub(super) type SealValue<'s, 'l> =
    dyn FnMut(&mut String, Option<&'l str>, &'l str) -> Result<(), FormatError> + 's;

/// Append the body line for `line` to `out`, the tokens from `seal`.
pub(super) fn seal_line<'l>(
    out: &mut String,
    line: &LineRef<'l>,
    opts: Options,
    seal: &mut SealValue<'_, 'l>,
) -> Result<(), FormatError> {
    match shape(line, opts) {
        Shape::Verbatim => out.push_str(line.expose_text()),
        Shape::Value { prefix, key, value } => {
            out.push_str(prefix);
            seal(out, Some(key), value)?;
        }
        Shape::WholeLine => {
            out.push('#');
            seal(out, None, line.expose_text())?;
        }
    }
    out.push_str(line.eol.as_str());
    Ok(())
}

/// Encrypts values into `ENC[v1:…]` tokens with buffers reused from one value to the
/// next (a per-value allocation cost more than the AES-GCM itself on a large file).
pub(super) struct ValueSealer {
    cipher: Aes256Gcm,
    aad: Vec<u8>,
    raw: Zeroizing<Vec<u8>>,
    /// The token's base64 (ciphertext: no secret).
    b64: Vec<u8>,
}

impl ValueSealer {
    pub(super) fn new(value_key: &[u8; 32]) -> Self {
        ValueSealer {
            cipher: gcm(value_key),
            aad: Vec::new(),
            raw: Zeroizing::new(Vec::new()),
            b64: Vec::new(),
        }
    }

    /// Append the token of `plain` (bound to key `name`, or a whole line) to `out`.
    pub(super) fn seal(
        &mut self,
        out: &mut String,
        name: Option<&str>,
        plain: &str,
        nonce: &[u8; 12],
    ) -> Result<(), FormatError> {
        aad_into(&mut self.aad, name);
        let raw = &mut self.raw;
        raw.clear();
        reserve_zeroizing(raw, 12 + plain.len() + 16);
        raw.extend_from_slice(nonce);
        raw.extend_from_slice(plain.as_bytes());
        let tag = self
            .cipher
            .encrypt_in_place_detached(Nonce::from_slice(nonce), &self.aad, &mut raw[12..])
            .map_err(|_| FormatError::Internal("AES-GCM encryption failed".to_owned()))?;
        raw.extend_from_slice(&tag);
        // Into a buffer of the exact length, reused: `encode_string` zero-fills a 1 KiB
        // stack buffer for every value, which cost more than the encoding.
        let len = base64::encoded_len(raw.len(), false).expect("a value's length fits");
        if self.b64.len() < len {
            self.b64.resize(len, 0);
        }
        let b64 = &mut self.b64[..len];
        B64.encode_slice(&raw[..], b64)
            .map_err(|_| FormatError::Internal("AES-GCM encryption failed".to_owned()))?;
        out.push_str(TOKEN_OPEN);
        out.push_str(std::str::from_utf8(b64).expect("base64 is ASCII"));
        out.push(']');
        Ok(())
    }
}

/// Where [`encrypt_stream`] puts the encrypted file.
pub trait Sink {
    /// The next piece of the output: first the header (with a placeholder where the MAC
    /// goes), then the body in order.
    fn write(&mut self, part: String) -> io::Result<()>;
    /// Replace the placeholder at byte offset `at` of the output with the MAC's text.
    fn set_mac(&mut self, at: usize, mac: &str) -> io::Result<()>;
}

/// Keeps the output in memory, in the pieces it was made in (write them one after the
/// other: `commands::write_stdout_parts`).
#[derive(Debug, Default)]
pub struct Parts(pub Vec<String>);

impl Sink for Parts {
    fn write(&mut self, part: String) -> io::Result<()> {
        self.0.push(part);
        Ok(())
    }

    fn set_mac(&mut self, mut at: usize, mac: &str) -> io::Result<()> {
        for part in &mut self.0 {
            if at >= part.len() {
                at -= part.len();
            } else if at + mac.len() <= part.len() {
                part.replace_range(at..at + mac.len(), mac);
                return Ok(());
            } else {
                break; // the placeholder is always within one piece (the header)
            }
        }
        Err(io::Error::other("MAC placeholder not found"))
    }
}

/// Writes the output to a file as it comes (the temporary file of an atomic write), and
/// the MAC into its place at the end.
pub struct FileSink<'f>(pub &'f mut File);

impl Sink for FileSink<'_> {
    fn write(&mut self, part: String) -> io::Result<()> {
        io::Write::write_all(self.0, part.as_bytes())
    }

    fn set_mac(&mut self, at: usize, mac: &str) -> io::Result<()> {
        self.0.write_all_at(mac.as_bytes(), at as u64)
    }
}

/// What the calling thread of [`encrypt_stream`] is shown of each piece once it is
/// sealed, in file order: the plaintext and its logical lines, parsed by the sealing
/// threads (the per-clone sync record fingerprints them: one more read of the file and
/// parse cost more than the sealing saves). Called only once the master key is known.
///
/// The per-line work that does not depend on the lines before (a keyed hash of each
/// line) is done by the sealing threads, in parallel, with the function
/// [`Tap::begin`] returns; the calling thread gets its results with each piece, in
/// order, so that it only does what depends on order (and the pieces it holds stay
/// few: a calling thread doing all of it fell behind the sealing threads, which piled
/// up the sealed output in memory).
pub trait Tap {
    /// Before the first piece: the master key, the plaintext's length in bytes,
    /// whether it starts with a byte order mark (not part of any piece) and how many
    /// logical lines it has. Returns the per-line function for the sealing threads
    /// (given the line's text without terminator, terminator and kind).
    fn begin(&mut self, key: &Key, len: u64, bom: bool, lines: usize) -> Arc<LineFn>;
    /// The next piece of the plaintext, its lines, and the per-line function's result
    /// for each line, in order.
    fn piece(&mut self, plain: &str, lines: &[LineSpan], per_line: &[[u8; 32]]);
}

/// A [`Tap`]'s per-line function, run by the sealing threads.
pub type LineFn = dyn Fn(&str, dotenv::Eol, &Kind) -> [u8; 32] + Send + Sync;

/// Where the sealing threads wait for the [`LineFn`] (known once the key is).
#[derive(Default)]
struct LineFnSlot {
    state: Mutex<(Option<Arc<LineFn>>, bool)>,
    ready: std::sync::Condvar,
}

/// Sets the slot to "none coming" when dropped, unless it was set.
struct Release<'a>(&'a LineFnSlot);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        let unset = !self
            .0
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .1;
        if unset {
            self.0.set(None);
        }
    }
}

impl LineFnSlot {
    fn set(&self, f: Option<Arc<LineFn>>) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.0 = f;
        state.1 = true;
        self.ready.notify_all();
    }

    /// The function, once set (`None`: the encryption failed before).
    fn wait(&self) -> Option<Arc<LineFn>> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while !state.1 {
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.0.clone()
    }
}

/// A logical line of a piece given to a [`Tap`]: its text is
/// `plain[start..start + len]` (without its terminator); `kind`'s ranges are relative
/// to that text, as in [`dotenv::Line`].
#[derive(Clone, Debug)]
pub struct LineSpan {
    pub start: usize,
    pub len: usize,
    pub eol: dotenv::Eol,
    pub kind: Kind,
}

/// Why [`encrypt_stream`] failed. Never holds text from the file. `K` is the error of
/// the caller's key lookup, passed on as it came (the format layer does not know how
/// keys are found, and holds no `anyhow`).
#[derive(Debug, thiserror::Error)]
pub enum StreamError<K = std::convert::Infallible> {
    #[error(transparent)]
    Parse(ParseError),
    #[error("cannot read the plaintext: {0}")]
    Read(io::Error),
    #[error("cannot write the encrypted file: {0}")]
    Write(io::Error),
    #[error(transparent)]
    Format(#[from] FormatError),
    /// From the caller's key lookup (its own error, for the caller to report).
    #[error("the key lookup failed")]
    Key(K),
}

impl StreamError {
    /// A worker's error (never a key lookup's) as the caller's type.
    fn widen<K>(self) -> StreamError<K> {
        match self {
            StreamError::Parse(e) => StreamError::Parse(e),
            StreamError::Read(e) => StreamError::Read(e),
            StreamError::Write(e) => StreamError::Write(e),
            StreamError::Format(e) => StreamError::Format(e),
            StreamError::Key(never) => match never {},
        }
    }
}

/// An I/O error of the caller's, around the sink (the temporary file): a write error.
impl<K> From<io::Error> for StreamError<K> {
    fn from(e: io::Error) -> Self {
        StreamError::Write(e)
    }
}

impl<K> From<ChunkError> for StreamError<K> {
    fn from(e: ChunkError) -> Self {
        match e {
            ChunkError::Io(e) => StreamError::Read(e),
            ChunkError::Parse(e) => StreamError::Parse(e),
        }
    }
}

/// What [`encrypt_stream`] encrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    /// Logical lines (body lines of the output).
    pub lines: usize,
    /// Assignments.
    pub values: usize,
    /// Every [`dotenv::unterminated_quote`] of the input, in file order: found by the
    /// workers as they seal (the lines are parsed there anyway), so the caller's warning
    /// needs no second read of the file. Positions only, never text.
    pub unterminated: Vec<ParseError>,
}

/// Encrypt the dotenv file `input` (a regular file, read from its start) as a new v1
/// file (fresh data key) into `sink`, asking `key` for the master key once the whole
/// input has parsed. On an error the sink may have received part of the output (a
/// [`FileSink`]'s file must be discarded).
pub fn encrypt_stream<K>(
    input: &File,
    opts: Options,
    now: DateTime<Utc>,
    key: &mut dyn FnMut() -> Result<Key, K>,
    sink: &mut dyn Sink,
    tap: Option<&mut dyn Tap>,
) -> Result<Sealed, StreamError<K>> {
    encrypt_stream_with(input, opts, now, key, sink, tap, CHUNK_SIZE, WORKERS)
}

/// A piece of the input for a worker: where it is, and what the reader found in it.
struct Job {
    index: usize,
    offset: u64,
    len: usize,
    first_number: usize,
    /// How many logical lines the reader found in it.
    lines: usize,
}

/// [`encrypt_stream`] with a chosen piece size and number of sealing threads (tests).
#[allow(clippy::too_many_arguments)]
///
/// The calling thread reads the file once, front to back, checking it and counting its
/// logical lines, sends each piece's position to the workers and keeps nothing of it:
/// each worker reads its pieces again (from the page cache, by position). So the whole
/// file is read — and the line count the MAC starts with is known — long before it is
/// sealed, without holding it in memory meanwhile. Should the file change between the
/// two reads, a piece no longer holds the lines the reader counted (or is no longer
/// UTF-8, or no longer parses) and the encryption fails; a change that keeps every
/// piece's length and line count is sealed as found by the second read, as a
/// whole-file read racing a writer would see some mix of old and new bytes.
pub(super) fn encrypt_stream_with<K>(
    input: &File,
    opts: Options,
    now: DateTime<Utc>,
    key: &mut dyn FnMut() -> Result<Key, K>,
    sink: &mut dyn Sink,
    mut tap: Option<&mut dyn Tap>,
    chunk_size: usize,
    workers: usize,
) -> Result<Sealed, StreamError<K>> {
    let tapped = tap.is_some();
    let mut input_cursor = input;
    input_cursor.rewind().map_err(StreamError::Read)?;
    let mut pool = OsRandomPool::default();
    let mut random = |b: &mut [u8]| pool.fill(b);
    let dk = new_data_key(&mut random)?;
    let value_key = hkdf32(&*dk.0, b"value");
    let stop = AtomicBool::new(false);
    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let (out_tx, out_rx) = mpsc::channel::<(usize, Result<Piece, StreamError>)>();
    let job_rx = Mutex::new(job_rx);
    // Tapped, a piece's plaintext buffer goes to the calling thread with the piece and
    // comes back here once shown, for a worker's next piece (a fresh 128 KiB buffer per
    // piece cost more in page faults than the tap itself).
    let (recycle_tx, recycle_rx) = mpsc::channel::<Zeroizing<Vec<u8>>>();
    let recycle_rx = Mutex::new(recycle_rx);
    let line_fn = LineFnSlot::default();
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            let out_tx = out_tx.clone();
            let (job_rx, stop, value_key, recycle_rx) = (&job_rx, &stop, &value_key, &recycle_rx);
            let line_fn = &line_fn;
            scope.spawn(move || {
                let mut sealer = ValueSealer::new(value_key);
                let mut pool = OsRandomPool::default();
                let mut buf = Zeroizing::new(Vec::new());
                loop {
                    let job = job_rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok(job) = job else {
                        return;
                    };
                    if stop.load(Ordering::Relaxed) {
                        continue; // a failure elsewhere: drain the queue unworked
                    }
                    if tapped && buf.capacity() == 0 {
                        let back = recycle_rx.lock().unwrap_or_else(PoisonError::into_inner);
                        if let Ok(b) = back.try_recv() {
                            buf = b;
                        }
                    }
                    let mut sealed =
                        seal_piece(input, &job, &mut buf, opts, &mut sealer, &mut pool, tapped);
                    if let (true, Ok(piece)) = (tapped, sealed.as_mut()) {
                        match line_fn.wait() {
                            Some(f) => piece.apply(&*f),
                            None => continue, // failed before the key: drain the queue
                        }
                    }
                    if out_tx.send((job.index, sealed)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(out_tx);
        // However this ends (an error before the key, a panic), sealing threads waiting
        // for the per-line function stop waiting before they are joined.
        let _release = Release(&line_fn);
        let result = (|| {
            // Read and parse everything first (the line count heads the MAC), handing
            // each piece to the workers as soon as it is known.
            let mut reader = ChunkReader::new(input_cursor, chunk_size);
            let (mut lines, mut jobs, mut end) = (0, 0, 0);
            while let Some(chunk) = reader.next_piece()? {
                lines += chunk.lines;
                end = chunk.offset + chunk.len() as u64;
                // The workers outlive this loop (they only stop when the queue closes).
                let _ = job_tx.send(Job {
                    index: jobs,
                    offset: chunk.offset,
                    len: chunk.len(),
                    first_number: chunk.first_number,
                    lines: chunk.lines,
                });
                jobs += 1;
            }
            drop(job_tx);

            let key = key().map_err(StreamError::Key)?;
            if let Some(tap) = tap.as_deref_mut() {
                // An empty file has no piece: its length is 0, or that of its BOM.
                let bom = reader.bom();
                let len = if bom { end.max(3) } else { end };
                line_fn.set(Some(tap.begin(&key, len, bom, lines)));
            }
            let slot_line = Recipient::wrap(&key, &dk, now, &mut random)
                .map_err(FormatError::from)?
                .render();
            let mut header = String::new();
            let mac_at = write_header(&mut header, reader.bom(), &slot_line);
            // The magic line, the slot line, the body (the MAC line is not hashed).
            let mut mac = DocMac::new(&dk, lines as u64 + 2);
            mac.lines(covered_header(&header, mac_at));
            sink.write(header).map_err(StreamError::Write)?;

            // The pieces in order, as the workers finish them.
            let mut pending: Vec<Option<PieceOut>> = (0..jobs).map(|_| None).collect();
            let (mut next, mut values) = (0, 0);
            // Per piece, so that they come out in file order whatever order the
            // workers finish in.
            let mut unterminated: Vec<Vec<ParseError>> = (0..jobs).map(|_| Vec::new()).collect();
            while next < jobs {
                // Every worker gone with pieces missing: one of them panicked.
                let (index, sealed) = out_rx
                    .recv()
                    .map_err(|_| FormatError::Internal("a sealing thread failed".to_owned()))?;
                let piece = sealed.map_err(StreamError::widen)?;
                values += piece.values;
                unterminated[index] = piece.unterminated;
                pending[index] = Some((piece.text, piece.plain, piece.spans, piece.per_line));
                while let Some((part, plain, spans, per_line)) =
                    pending.get_mut(next).and_then(Option::take)
                {
                    mac.lines(&part);
                    sink.write(part).map_err(StreamError::Write)?;
                    if let (Some(tap), Some(plain)) = (tap.as_deref_mut(), plain) {
                        let text = std::str::from_utf8(&plain).map_err(|_| {
                            FormatError::Internal("a sealed piece is not UTF-8".to_owned())
                        })?;
                        tap.piece(text, &spans, &per_line);
                        // The workers may have finished: then it is simply dropped.
                        let _ = recycle_tx.send(plain);
                    }
                    next += 1;
                }
            }
            // Each logical line is one body line: a MAC over another count would never
            // verify, so `finish` checks it, not assumes it.
            let tag = B64.encode(mac.finish()?);
            sink.set_mac(mac_at, &tag).map_err(StreamError::Write)?;
            Ok(Sealed {
                lines,
                values,
                unterminated: unterminated.into_iter().flatten().collect(),
            })
        })();
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        result
    })
}

/// A sealed piece waiting for its turn: the body lines, and for a [`Tap`] the
/// plaintext and its lines.
type PieceOut = (
    String,
    Option<Zeroizing<Vec<u8>>>,
    Vec<LineSpan>,
    Vec<[u8; 32]>,
);

/// One sealed piece of the body, from a worker.
struct Piece {
    /// The body lines, exactly their length.
    text: String,
    /// The plaintext piece, when tapped (the buffer it was read into, moved).
    plain: Option<Zeroizing<Vec<u8>>>,
    /// Its logical lines, when tapped.
    spans: Vec<LineSpan>,
    /// The tap's per-line function's result for each line.
    per_line: Vec<[u8; 32]>,
    /// Values (assignments) in it.
    values: usize,
    /// Its lines' [`dotenv::unterminated_quote`]s, in order.
    unterminated: Vec<ParseError>,
}

impl Piece {
    /// Run a tap's per-line function over the piece's lines.
    fn apply(&mut self, f: &LineFn) {
        let Some(plain) = self.plain.as_ref() else {
            return;
        };
        // The piece was read as UTF-8 and parsed; lines start and end on characters.
        let Ok(text) = std::str::from_utf8(plain) else {
            return;
        };
        self.per_line = self
            .spans
            .iter()
            .map(|l| f(&text[l.start..l.start + l.len], l.eol, &l.kind))
            .collect();
    }
}

/// What every sealing loop notes of a line it has sealed (a fresh streamed encrypt's and
/// the streamed re-encryption's): where a quote opens a value and never closes, and,
/// with `spans` (a sync record being made), where the line is in the piece's `text`.
/// One if the line is an assignment (a value), else zero.
pub(super) fn note_sealed(
    line: &LineRef<'_>,
    text: &str,
    unterminated: &mut Vec<ParseError>,
    spans: Option<&mut Vec<LineSpan>>,
) -> usize {
    unterminated.extend(dotenv::unterminated_quote(line));
    if let Some(spans) = spans {
        spans.push(LineSpan {
            start: line.expose_text().as_ptr() as usize - text.as_ptr() as usize,
            len: line.expose_text().len(),
            eol: line.eol,
            kind: line.kind.clone(),
        });
    }
    usize::from(matches!(line.kind, Kind::Assignment { .. }))
}

/// Read one piece again and seal it into a string of exactly its length; also reports
/// how many values (assignments) it holds and where a quote opens a value and never
/// closes.
fn seal_piece(
    input: &File,
    job: &Job,
    buf: &mut Zeroizing<Vec<u8>>,
    opts: Options,
    sealer: &mut ValueSealer,
    pool: &mut OsRandomPool,
    tapped: bool,
) -> Result<Piece, StreamError> {
    let changed = || StreamError::Read(io::Error::other("the file changed while being read"));
    // Every byte is overwritten by the read: only a longer piece than any before
    // zero-fills (the bytes it adds).
    if buf.capacity() < job.len {
        buf.clear();
        reserve_zeroizing(buf, job.len);
    }
    buf.resize(job.len, 0);
    input
        .read_exact_at(buf, job.offset)
        .map_err(StreamError::Read)?;
    let text = std::str::from_utf8(buf).map_err(|_| changed())?;
    // At most 4/3 of the text plus a token's overhead per line; shrunk to fit (in
    // place) once sealed.
    let mut out = String::with_capacity(text.len() / 3 * 4 + 64 * job.lines);
    let (mut lines, mut values) = (0, 0);
    let mut unterminated = Vec::new();
    let mut spans = Vec::with_capacity(if tapped { job.lines } else { 0 });
    // The reader handed out only lines that end inside the piece, so parsing the piece
    // on its own gives the same lines.
    for line in LineParser::new(text, job.first_number) {
        let line = line.map_err(|_| changed())?;
        seal_line(&mut out, &line, opts, &mut |out, name, plain| {
            let mut nonce = [0u8; 12];
            pool.fill(&mut nonce)?;
            sealer.seal(out, name, plain, &nonce)
        })?;
        values += note_sealed(&line, text, &mut unterminated, tapped.then_some(&mut spans));
        lines += 1;
    }
    if lines != job.lines {
        return Err(changed());
    }
    out.shrink_to_fit();
    Ok(Piece {
        text: out,
        // The buffer itself (the next piece reads into a new one).
        plain: tapped.then(|| std::mem::take(buf)),
        spans,
        per_line: Vec::new(),
        values,
        unterminated,
    })
}

#[cfg(test)]
mod tests;
