//! Re-encrypting a large file as a stream: the new plaintext is sealed piece by piece
//! into the caller's [`Sink`] (the staged temporary file), taking the ciphertext of every
//! unchanged value from the previous version of the file, which is read, verified and
//! decrypted in step, a chunk at a time. Neither file, nor either plaintext, nor the
//! output is ever held whole (issue 11: re-encrypting a 100,000-key file after one change
//! held the previous file, both plaintexts, the parsed document and the output, ten times
//! the plaintext's size).
//!
//! # Threads
//!
//! - A reader thread reads the previous file in chunks of whole lines
//!   ([`LineChunks`]), hashes each chunk's lines into the previous file's MAC, decrypts
//!   them ([`super::decode_part`]) and walks the chunk's body and plaintext in step to
//!   find its entries ([`super::reuse::entries_of`]); chunks go to the calling thread
//!   through a short queue (the memory held is a few chunks, whatever the file's size).
//! - The calling thread reads the new plaintext once to check it and count its logical
//!   lines (the new MAC starts with the count), then again piece by piece: it parses
//!   each piece, seals each line with [`super::seal::seal_line`] (a token from the
//!   previous version when its value is unchanged, else a fresh one), hashes the piece
//!   into the new MAC and hands it to the sink.
//! - With a [`Tap`] (the sync record), a third thread computes its per-line
//!   fingerprints and is shown each piece, as a fresh streamed encrypt does.
//!
//! # Which tokens are kept
//!
//! The same rule as the whole-file re-encryption ([`super::reuse`]): the new document's
//! entries are compared with the previous ones at a cursor, in order; an entry whose
//! name differs from the one at the cursor is looked up by (name, plaintext) among the
//! unused entries. The lookup sees the previous entries within [`REACH`] entries of the
//! cursor (those the window holds), not the whole file: a line moved further than that,
//! or following a deletion of more than that many lines, gets a fresh token (a larger
//! diff, never a wrong file). Within the reach, the tokens kept are exactly those of
//! the whole-file re-encryption (a property test compares them at every chunk size).
//!
//! # Safety argument
//!
//! - **Nothing from the previous file ends up in a file that is renamed into place
//!   unless the previous file verified.** Each chunk of it is read into memory once;
//!   the reader hashes its lines into the MAC and decrypts and hands on the tokens of
//!   that same buffer, so the bytes whose tokens are reused are the bytes hashed. The
//!   MAC (and the line count, read on a separate pass, which the MAC covers) is checked
//!   once the whole file has been read; only then does [`reencrypt_stream`] return
//!   `Ok`. On a mismatch it returns [`RestreamError::Previous`], and the caller discards
//!   the staged output (`fsutil::stage_with` removes its temporary file on an error) and
//!   opens the file as before, which gives today's error.
//! - **A token is reused only where its decryption equals the new value**, bound to the
//!   same key name (the AES-GCM associated data): the previous entry's plaintext is what
//!   the reader decrypted from that very token.
//! - The previous file's slot lines and data key are kept (as the whole-file
//!   re-encryption keeps them), so every slot survives.
//!
//! Whether the new plaintext equals the previous one (the caller then writes nothing:
//! "up to date") is told by the two MACs ([`Resealed::unchanged`]): under the same data
//! key, the new file's MAC equals the previous file's only when every line they cover
//! is the same, that is when the output is the previous file byte for byte (so it
//! decrypts to the same plaintext); and a plaintext that did not change is sealed into
//! exactly its previous lines (every token is kept at the cursor), unless the options
//! change what is hidden, when writing is what is wanted.
//!
//! The caller may watch the previous file's bytes go by (`observe`: each byte once, in
//! order, from the buffer that is hashed): `encrypt` fingerprints it for the sync record
//! and looks at its comments there, so the file is read once.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::hash::BuildHasher;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::sync::mpsc;
use std::sync::Arc;

use base64::Engine;
use zeroize::Zeroizing;

use super::mac::DocMac;
use super::seal::{note_sealed, seal_line, LineFn, LineSpan, Sink, StreamError, Tap, ValueSealer};
use super::slot::Identity;
use super::stream;
use super::{
    corrupt, covered_header, decode_part, hkdf32, reserve_zeroizing, write_header, FormatError,
    Options, SecretText, B64,
};
use crate::dotenv::eol::count_lines;
use crate::dotenv::{ChunkReader, LineParser, ParseError};
use crate::format::OsRandomPool;
use crate::key::Key;

/// How far (in entries) from the cursor a moved line's previous token is looked for.
pub const REACH: usize = 4096;

/// Bytes of the previous file read per chunk (chunks end at a line end).
const OLD_CHUNK: usize = 256 * 1024;

/// Bytes of new plaintext per piece.
const NEW_CHUNK: usize = 128 * 1024;

/// Decrypted chunks of the previous file waiting for the calling thread, at most.
const QUEUE: usize = 2;

/// Why [`reencrypt_stream`] failed. Never holds text from either file.
#[derive(Debug, thiserror::Error)]
pub enum RestreamError {
    /// The new plaintext could not be read or parsed, or the output written.
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// The previous file does not open with the identities given, does not verify, or
    /// changed while it was read: the staged output must be discarded (the caller opens
    /// the file the usual way, which reports it).
    #[error("the previous encrypted file: {0}")]
    Previous(FormatError),
    #[error("cannot read the previous encrypted file: {0}")]
    PreviousIo(io::Error),
}

/// An I/O error around the sink (the staged temporary file): a write error.
impl From<io::Error> for RestreamError {
    fn from(e: io::Error) -> Self {
        RestreamError::Stream(StreamError::Write(e))
    }
}

/// What [`reencrypt_stream`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resealed {
    /// Logical lines (body lines of the output).
    pub lines: usize,
    /// Assignments.
    pub values: usize,
    /// Tokens taken from the previous file.
    pub reused: usize,
    /// The output is the previous file byte for byte (see the module docs): the new
    /// plaintext is the previous one, and nothing else changed.
    pub unchanged: bool,
    /// Every [`dotenv::unterminated_quote`] of the new plaintext, in file order.
    pub unterminated: Vec<ParseError>,
}

/// Chunk and window sizes (tests put chunk boundaries everywhere).
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    pub old_chunk: usize,
    pub new_chunk: usize,
    pub reach: usize,
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes {
            old_chunk: OLD_CHUNK,
            new_chunk: NEW_CHUNK,
            reach: REACH,
        }
    }
}

/// Encrypt the dotenv file `input` (a regular file) as the new content of the v1 file
/// `previous` (which one of `identities` opens) into `sink`: the data key, every slot
/// line and the ciphertext of every unchanged value are kept (see the module docs).
/// `tap`, with its key, is shown the new plaintext's lines as a fresh streamed encrypt
/// shows them; `observe` is shown the previous file's bytes, in order, in pieces of
/// whole lines. On an error the sink may hold part of an output that must be discarded.
#[allow(clippy::too_many_arguments)]
pub fn reencrypt_stream(
    input: &File,
    previous: &File,
    identities: &[&dyn Identity],
    opts: Options,
    sink: &mut dyn Sink,
    tap: Option<(&mut (dyn Tap + Send), &Key)>,
    observe: Option<&mut (dyn FnMut(&str) + Send)>,
    sizes: Sizes,
) -> Result<Resealed, RestreamError> {
    // The previous file's header: the data key, its slot lines (kept), its MAC; read
    // as the decoder reads it (tiny test chunks put boundaries in the header too).
    let mut old = OldChunks {
        src: At {
            file: previous,
            pos: 0,
        },
        carry: Vec::new(),
        size: sizes.old_chunk.max(1),
    };
    let head = stream::Head::read(&mut old.src, &mut old.carry, old.size, old.size, identities)
        .map_err(previous_failed)?;
    let slot_lines = head.slot_lines();
    let old_mac = head.expected_mac.clone();
    let data_key = head.data_key.clone();

    let (old_tx, old_rx) = mpsc::sync_channel::<OldMsg>(QUEUE);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let end = read_previous(previous, old, head, observe, &old_tx);
            // The calling thread may be gone (it failed): nothing to tell then.
            let _ = old_tx.send(OldMsg::End(end));
        });
        let window = Window::new(old_rx, sizes.reach);
        seal_new(
            input,
            window,
            (&data_key, &slot_lines, &old_mac),
            opts,
            sink,
            tap,
            sizes,
        )
    })
}

/// From the reader thread: a decrypted chunk, or the end (the previous plaintext's
/// digest once the file verified).
enum OldMsg {
    Chunk(OldChunk),
    End(Result<(), RestreamError>),
}

/// One chunk of the previous file, verified only once the whole file is: its body
/// lines, their plaintext and their entries (as offsets into both).
struct OldChunk {
    text: String,
    plain: Zeroizing<String>,
    entries: Vec<Entry>,
}

/// An entry of an [`OldChunk`]: where its key name (`None`: a whole encrypted line) and
/// token are in the text, and its value in the plaintext.
#[derive(Clone, Copy)]
struct Entry {
    name: Option<(u32, u32)>,
    plain: (u32, u32),
    token: (u32, u32),
}

impl OldChunk {
    fn name(&self, e: &Entry) -> Option<&str> {
        e.name.map(|(a, b)| &self.text[a as usize..b as usize])
    }
    fn plain(&self, e: &Entry) -> &str {
        &self.plain[e.plain.0 as usize..e.plain.1 as usize]
    }
    fn token(&self, e: &Entry) -> &str {
        &self.text[e.token.0 as usize..e.token.1 as usize]
    }
}

/// The reader thread: every chunk of the previous file hashed, decrypted and handed on;
/// then the line count and the MAC checked, as the decoder checks them
/// ([`stream::check_read`]).
fn read_previous(
    previous: &File,
    mut chunks: OldChunks<'_>,
    head: stream::Head,
    mut observe: Option<&mut (dyn FnMut(&str) + Send)>,
    tx: &mpsc::SyncSender<OldMsg>,
) -> Result<(), RestreamError> {
    // The count, from a pass of its own (the MAC starts with it): a file changed
    // between the passes fails the count check or the MAC.
    let counted = count_lines(
        &mut At {
            file: previous,
            pos: 0,
        },
        128 * 1024,
    )
    .map_err(RestreamError::PreviousIo)?;
    let mut mac = head.mac_start()(counted);
    let mut hashed = head.hashed_header();
    let stream::Head {
        first: mut text,
        body_at: mut at,
        first_line: mut line_no,
        expected_mac,
        value_key,
        ..
    } = head;
    loop {
        if let Some(observe) = observe.as_deref_mut() {
            observe(&text);
        }
        let body = &text[at..];
        // The very bytes hashed are those decrypted and whose tokens are handed on.
        let lines = mac.lines(body);
        hashed += lines as u64;
        let mut plain = SecretText::with_capacity(body.len());
        decode_part(body, line_no, &value_key, &mut plain).map_err(RestreamError::Previous)?;
        line_no += lines;
        let entries = entries_at(body, at, &plain.0)
            .ok_or_else(|| RestreamError::Previous(corrupt("the body and its plaintext differ")))?;
        let chunk = OldChunk {
            text,
            plain: plain.0,
            entries,
        };
        if tx.send(OldMsg::Chunk(chunk)).is_err() {
            // The calling thread failed: its error is the one reported.
            return Err(RestreamError::Previous(FormatError::Internal(
                "the re-encryption stopped".to_owned(),
            )));
        }
        match stream::next_chunk(&mut chunks.src, Vec::new(), &mut chunks.carry, chunks.size)
            .map_err(RestreamError::PreviousIo)?
        {
            Some(bytes) => {
                text = String::from_utf8(bytes).map_err(|_| RestreamError::Previous(not_utf8()))?;
                at = 0;
            }
            None => break,
        }
    }
    stream::check_read(mac.verify(&expected_mac), hashed, counted).map_err(previous_failed)
}

/// The previous file's failure, as the decoder reports it.
fn previous_failed(e: stream::StreamError) -> RestreamError {
    match e {
        stream::StreamError::Format(e) => RestreamError::Previous(e),
        stream::StreamError::Io(e) => RestreamError::PreviousIo(e),
    }
}

/// The entries of `body` (which starts at `at` in its chunk's text) and its plaintext,
/// as offsets (into the chunk's text, and into the plaintext).
fn entries_at(body: &str, at: usize, plain: &str) -> Option<Vec<Entry>> {
    let base = body.as_ptr() as usize - at;
    let off = |s: &str, from: usize| {
        let a = (s.as_ptr() as usize - from) as u32;
        (a, a + s.len() as u32)
    };
    // Offsets are kept as u32 (chunks are far smaller).
    u32::try_from(at + body.len()).ok()?;
    u32::try_from(plain.len()).ok()?;
    let found = super::reuse::entries_of(body, plain)?;
    Some(
        found
            .into_iter()
            .map(|e| Entry {
                name: e.name.map(|n| off(n, base)),
                plain: off(e.plain, plain.as_ptr() as usize),
                token: off(e.token, base),
            })
            .collect(),
    )
}

/// The previous file's entries near the cursor, for the calling thread (see the module
/// docs): what [`super::reuse::Reuse`] does over a whole file, over a window of chunks.
struct Window {
    rx: mpsc::Receiver<OldMsg>,
    chunks: VecDeque<(OldChunk, Vec<bool>)>,
    /// The global index of the first entry of `chunks[0]`.
    first: usize,
    /// The global index past the last entry received.
    end: usize,
    cursor: usize,
    reach: usize,
    /// (name, plaintext) hash → global entry indices, ascending; built on first need.
    index: Option<HashMap<u64, Vec<usize>>>,
    hasher: std::collections::hash_map::RandomState,
    /// The reader's end: the previous file verified, or its failure.
    done: Option<Result<(), RestreamError>>,
}

impl Window {
    fn new(rx: mpsc::Receiver<OldMsg>, reach: usize) -> Window {
        Window {
            rx,
            chunks: VecDeque::new(),
            first: 0,
            end: 0,
            cursor: 0,
            reach: reach.max(1),
            index: None,
            hasher: Default::default(),
            done: None,
        }
    }

    /// Receive chunks until entry `n - 1` is here or the file has ended. `false` when
    /// the reader failed (its error is in `done`).
    fn load_to(&mut self, n: usize) -> bool {
        while self.end < n && self.done.is_none() {
            match self.rx.recv() {
                Ok(OldMsg::Chunk(c)) => {
                    if let Some(index) = &mut self.index {
                        for (k, e) in c.entries.iter().enumerate() {
                            let h = self.hasher.hash_one((c.name(e), c.plain(e)));
                            index.entry(h).or_default().push(self.end + k);
                        }
                    }
                    self.end += c.entries.len();
                    let used = vec![false; c.entries.len()];
                    self.chunks.push_back((c, used));
                }
                Ok(OldMsg::End(r)) => self.done = Some(r),
                Err(_) => {
                    self.done = Some(Err(RestreamError::Previous(FormatError::Internal(
                        "the reading thread failed".to_owned(),
                    ))))
                }
            }
        }
        !matches!(self.done, Some(Err(_)))
    }

    /// The chunk and position of global entry `i` (loaded, not dropped).
    fn locate(&self, mut i: usize) -> Option<(usize, usize)> {
        i = i.checked_sub(self.first)?;
        for (c, (chunk, _)) in self.chunks.iter().enumerate() {
            if i < chunk.entries.len() {
                return Some((c, i));
            }
            i -= chunk.entries.len();
        }
        None
    }

    fn used(&self, i: usize) -> bool {
        self.locate(i).is_some_and(|(c, k)| self.chunks[c].1[k])
    }

    /// Mark entry `i` used and append its token to `out`.
    fn use_entry(&mut self, i: usize, out: &mut String) {
        if let Some((c, k)) = self.locate(i) {
            let (chunk, used) = &mut self.chunks[c];
            used[k] = true;
            out.push_str(chunk.token(&chunk.entries[k]));
        }
    }

    /// Append the token to keep for the new entry (`name`, `plain`), if any: `true`
    /// when one was appended.
    fn take_into(&mut self, out: &mut String, name: Option<&str>, plain: &str) -> bool {
        // The cursor skips entries used already.
        while self.load_to(self.cursor + 1) && self.cursor < self.end && self.used(self.cursor) {
            self.cursor += 1;
        }
        if let Some((c, k)) = self.locate(self.cursor) {
            let (chunk, _) = &self.chunks[c];
            let e = &chunk.entries[k];
            if chunk.name(e) == name {
                let at = self.cursor;
                self.cursor += 1;
                if chunk.plain(e) == plain {
                    self.use_entry(at, out);
                    return true;
                }
                return false; // changed in place
            }
        }
        // Moved, inserted or removed lines: looked up within reach.
        if !self.load_to(self.cursor + self.reach) {
            return false;
        }
        match self.lookup(name, plain) {
            Some(i) => {
                self.use_entry(i, out);
                self.cursor = i + 1;
                true
            }
            None => false,
        }
    }

    /// The first unused entry (`name`, `plain`) held, from the index.
    fn lookup(&mut self, name: Option<&str>, plain: &str) -> Option<usize> {
        if self.index.is_none() {
            let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
            let mut i = self.first;
            for (chunk, _) in &self.chunks {
                for e in &chunk.entries {
                    let h = self.hasher.hash_one((chunk.name(e), chunk.plain(e)));
                    index.entry(h).or_default().push(i);
                    i += 1;
                }
            }
            self.index = Some(index);
        }
        let h = self.hasher.hash_one((name, plain));
        let list = self.index.as_ref()?.get(&h)?.clone();
        let mut gone = 0;
        let mut found = None;
        for (n, &i) in list.iter().enumerate() {
            match self.locate(i) {
                Some((c, k)) if !self.chunks[c].1[k] => {
                    let (chunk, _) = &self.chunks[c];
                    let e = &chunk.entries[k];
                    if chunk.name(e) == name && chunk.plain(e) == plain {
                        found = Some(i);
                        break;
                    }
                }
                // Used, or dropped from the window: never found again.
                _ if gone == n => gone += 1,
                _ => {}
            }
        }
        if gone > 0 {
            if let Some(l) = self.index.as_mut().and_then(|x| x.get_mut(&h)) {
                l.drain(..gone);
            }
        }
        found
    }

    /// Drop the chunks whose entries are all further than the reach behind the cursor.
    fn trim(&mut self) {
        while self.chunks.len() > 1 {
            let n = self.chunks[0].0.entries.len();
            if self.first + n + self.reach > self.cursor {
                break;
            }
            self.chunks.pop_front();
            self.first += n;
        }
    }

    /// Receive (and drop) the rest of the previous file: its end result.
    fn finish(mut self) -> Result<(), RestreamError> {
        self.chunks.clear();
        self.index = None;
        while self.done.is_none() {
            self.done = match self.rx.recv() {
                Ok(OldMsg::Chunk(_)) => continue,
                Ok(OldMsg::End(r)) => Some(r),
                Err(_) => Some(Err(RestreamError::Previous(FormatError::Internal(
                    "the reading thread failed".to_owned(),
                )))),
            };
        }
        self.done.take().unwrap_or_else(|| {
            Err(RestreamError::Previous(FormatError::Internal(
                "the reading thread ended early".to_owned(),
            )))
        })
    }
}

/// A piece of the new plaintext (what the checking pass found).
struct Job {
    offset: u64,
    len: usize,
    first_number: usize,
    lines: usize,
}

/// The calling thread's part of [`reencrypt_stream`].
#[allow(clippy::too_many_arguments)]
fn seal_new(
    input: &File,
    window: Window,
    previous: Kept<'_>,
    opts: Options,
    sink: &mut dyn Sink,
    tap: Option<(&mut (dyn Tap + Send), &Key)>,
    sizes: Sizes,
) -> Result<Resealed, RestreamError> {
    // Check and count the new plaintext first (the MAC starts with the line count).
    let mut reader = ChunkReader::new(
        At {
            file: input,
            pos: 0,
        },
        sizes.new_chunk.max(1),
    );
    let mut jobs = Vec::new();
    let (mut lines, mut end) = (0, 0u64);
    while let Some(chunk) = reader.next_piece().map_err(StreamError::from)? {
        lines += chunk.lines;
        end = chunk.offset + chunk.len() as u64;
        jobs.push(Job {
            offset: chunk.offset,
            len: chunk.len(),
            first_number: chunk.first_number,
            lines: chunk.lines,
        });
    }
    let bom = reader.bom();
    drop(reader);
    let counted = Counted {
        jobs,
        lines,
        end,
        bom,
    };
    std::thread::scope(|scope| {
        seal_pieces(input, window, previous, opts, sink, tap, counted, scope)
    })
}

/// What the output keeps of the previous file: its data key, its slot lines, and its
/// MAC (to tell an unchanged output).
type Kept<'a> = (&'a super::DataKey, &'a str, &'a [u8]);

/// What the checking pass found of the new plaintext.
struct Counted {
    jobs: Vec<Job>,
    lines: usize,
    end: u64,
    bom: bool,
}

/// The sealing pass of [`seal_new`].
#[allow(clippy::too_many_arguments)]
fn seal_pieces<'scope, 'env>(
    input: &File,
    mut window: Window,
    (data_key, slot_lines, old_mac): Kept<'_>,
    opts: Options,
    sink: &mut dyn Sink,
    tap: Option<(&'env mut (dyn Tap + Send), &Key)>,
    counted: Counted,
    scope: &'scope std::thread::Scope<'scope, 'env>,
) -> Result<Resealed, RestreamError> {
    let Counted {
        jobs,
        lines,
        end,
        bom,
    } = counted;
    // The tap's own thread: per-line fingerprints, then the piece shown to it.
    let (tap_tx, tap_rx) = mpsc::sync_channel::<(Zeroizing<Vec<u8>>, Vec<LineSpan>)>(2);
    let tapped = match tap {
        Some((tap, key)) => {
            let len = if bom { end.max(3) } else { end };
            let f: Arc<LineFn> = tap.begin(key, len, bom, lines);
            scope.spawn(move || {
                for (plain, spans) in tap_rx {
                    let Ok(text) = std::str::from_utf8(&plain) else {
                        continue;
                    };
                    let per_line: Vec<[u8; 32]> = spans
                        .iter()
                        .map(|l| f(&text[l.start..l.start + l.len], l.eol, &l.kind))
                        .collect();
                    tap.piece(text, &spans, &per_line);
                }
            });
            true
        }
        None => {
            drop(tap_rx);
            false
        }
    };

    let mut header = String::new();
    let mac_at = write_header(&mut header, bom, slot_lines);
    let header_lines = 1 + slot_lines.matches('\n').count();
    let mut mac = DocMac::new(data_key, (lines + header_lines) as u64);
    mac.lines(covered_header(&header, mac_at));
    sink.write(header).map_err(StreamError::Write)?;

    let value_key = hkdf32(data_key.expose_bytes(), b"value");
    let mut sealer = ValueSealer::new(&value_key);
    let mut pool = OsRandomPool::default();
    let (mut values, mut reused) = (0, 0);
    let mut unterminated = Vec::new();
    let changed = || StreamError::Read(io::Error::other("the file changed while being read"));
    for job in &jobs {
        let mut buf = Zeroizing::new(Vec::new());
        reserve_zeroizing(&mut buf, job.len);
        buf.resize(job.len, 0);
        input
            .read_exact_at(&mut buf, job.offset)
            .map_err(StreamError::Read)?;
        let text = std::str::from_utf8(&buf).map_err(|_| changed())?;
        let mut out = String::with_capacity(text.len() / 3 * 4 + 64 * job.lines);
        let mut spans = Vec::with_capacity(if tapped { job.lines } else { 0 });
        let mut n = 0;
        for line in LineParser::new(text, job.first_number) {
            let line = line.map_err(|_| changed())?;
            seal_line(&mut out, &line, opts, &mut |out, name, plain| {
                if window.take_into(out, name, plain) {
                    reused += 1;
                    return Ok(());
                }
                let mut nonce = [0u8; 12];
                pool.fill(&mut nonce)?;
                sealer.seal(out, name, plain, &nonce)
            })
            .map_err(StreamError::Format)?;
            values += note_sealed(&line, text, &mut unterminated, tapped.then_some(&mut spans));
            n += 1;
        }
        if n != job.lines {
            return Err(changed().into());
        }
        // The previous file failed (a value that does not decrypt, an unreadable file):
        // stop here.
        if let Some(Err(_)) = &window.done {
            break;
        }
        window.trim();
        mac.lines(&out);
        sink.write(out).map_err(StreamError::Write)?;
        if tapped && tap_tx.send((buf, spans)).is_err() {
            return Err(RestreamError::Stream(StreamError::Format(
                FormatError::Internal("the fingerprinting thread failed".to_owned()),
            )));
        }
    }
    drop(tap_tx);
    // The previous file read to its end and verified, or this fails.
    window.finish()?;
    let tag = mac.finish().map_err(StreamError::Format)?;
    sink.set_mac(mac_at, &B64.encode(tag))
        .map_err(StreamError::Write)?;
    Ok(Resealed {
        lines,
        values,
        reused,
        unchanged: tag[..] == *old_mac,
        unterminated,
    })
}

fn not_utf8() -> FormatError {
    corrupt("the file is not UTF-8")
}

/// Reads a file from a position of its own (not the descriptor's offset, which other
/// readers of the same `File` share).
struct At<'f> {
    file: &'f File,
    pos: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// The previous file, read on after its header in chunks of whole lines by the
/// decoder's own reader ([`stream::next_chunk`]).
struct OldChunks<'f> {
    src: At<'f>,
    /// What follows the last chunk's last line end.
    carry: Vec<u8>,
    size: usize,
}

#[cfg(test)]
mod tests;
