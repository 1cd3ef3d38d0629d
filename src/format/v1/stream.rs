//! The one v1 decoder ([`decode`]): every reader of a v1 file goes through it, a file on
//! disk or bytes in memory (two `Cursor`s over the same slice: [`super::decrypt_with`]
//! and [`super::decrypt_plaintext_with`]). It decrypts in chunks, on three threads, with
//! only a few chunks of the encrypted file in memory at a time (a file of one chunk is
//! decoded on the calling thread). Re-encryption that reuses unchanged ciphertexts finds
//! the entries in the verified body itself (`super::reuse`). The MAC is [`super::mac::DocMac`]; lines are split and counted by
//! [`crate::dotenv::eol`].
//!
//! The MAC hashes the line count before the lines, so the file is read twice: a first
//! pass counts its lines (a `memchr` scan of the page cache, about what `cat` costs),
//! then a reader thread reads it again in chunks of whole lines, hashes each chunk's
//! lines in order and hands the chunk to two decoder threads. Each byte hashed is the
//! very byte decrypted (a chunk is read into memory once), so a file changed between or
//! during the passes fails the MAC or the line count. Nothing decrypted is returned
//! unless the MAC matches; a MAC failure is reported before any value's failure, and of
//! several failing values the first in the file is reported.
//!
//! Reading whole a 13 MB encrypted file of 100,000 keys cost more than decrypting it
//! (a fresh 13 MB buffer is 3,000 page faults) and held the file beside its plaintext,
//! over three times the plaintext's size.

use std::collections::VecDeque;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use zeroize::Zeroizing;

use super::mac::DocMac;
use super::slot::Identity;
use super::{
    corrupt, decode_part, find_slot, hkdf32, parse, DataKey, FormatError, Header, SecretText,
};
use crate::dotenv::eol::{count_lines, cut_point, lines_in};
use crate::format::Plaintext;
use crate::key::Key;

pub use crate::format::STREAM_FROM;

/// Bytes read per chunk; chunks end at a line end, so they are a little shorter.
pub(super) const CHUNK: usize = 512 * 1024;

/// The first chunk is at least this long (it must hold the header).
const HEAD: usize = 64 * 1024;

/// Chunks read ahead of the decoders, at most (bounds the memory held).
const QUEUE: usize = 2;

/// Why a stream could not be decrypted.
#[derive(Debug)]
pub enum StreamError {
    Format(FormatError),
    Io(io::Error),
}

impl From<FormatError> for StreamError {
    fn from(e: FormatError) -> Self {
        StreamError::Format(e)
    }
}

impl From<io::Error> for StreamError {
    fn from(e: io::Error) -> Self {
        StreamError::Io(e)
    }
}

/// Decrypt the v1 file `src` holds (read from its start) with `key`: the same checks and
/// the same plaintext as [`super::decrypt_plaintext`], the plaintext in pieces.
/// `counter` is the same file opened a second time: its lines are counted on a thread of
/// their own while `src` is read and decrypted (the count goes into the MAC only, so a
/// `counter` that is not the same file fails).
pub fn decrypt<C, R>(counter: &mut C, src: &mut R, key: &Key) -> Result<Plaintext, StreamError>
where
    C: Read + Seek + Send,
    R: Read + Seek + Send,
{
    decrypt_chunked(counter, src, &[key], CHUNK)
}

/// [`decrypt`] with a set of candidate identities (the slot is chosen by key id).
pub fn decrypt_with<C, R>(
    counter: &mut C,
    src: &mut R,
    identities: &[&dyn Identity],
) -> Result<Plaintext, StreamError>
where
    C: Read + Seek + Send,
    R: Read + Seek + Send,
{
    decrypt_chunked(counter, src, identities, CHUNK)
}

/// One chunk of whole body lines on its way to a decoder (the reader keeps a reference
/// to hash it: the bytes decrypted are the bytes hashed).
struct Work {
    index: usize,
    /// Physical line number of the chunk's first body line.
    first_line: usize,
    text: Arc<String>,
    /// Where the body starts in `text` (after the header, in the first chunk).
    start: usize,
}

/// One chunk decoded: its plaintext.
type Decoded = (usize, Result<Vec<u8>, FormatError>);

/// What [`decode`] found: the header, the data key and the plaintext.
pub(super) struct Decrypted {
    pub(super) header: Header,
    /// Every slot line of the header, as written.
    pub(super) slot_lines: String,
    pub(super) data_key: DataKey,
    pub(super) plaintext: Plaintext,
}

/// Chunks the reader may read ahead of the line count (it hashes them once the count is
/// known); beyond this it waits for the count.
const AHEAD_OF_COUNT: usize = 8;

/// [`decrypt`] with chunks of `chunk` bytes: small ones put chunk boundaries everywhere
/// in a small file (for the tests and the `v1_stream` fuzz target).
pub fn decrypt_chunked<C, R>(
    counter: &mut C,
    src: &mut R,
    identities: &[&dyn Identity],
    chunk: usize,
) -> Result<Plaintext, StreamError>
where
    C: Read + Seek + Send,
    R: Read + Seek + Send,
{
    decode(counter, src, identities, chunk).map(|d| d.plaintext)
}

/// The v1 decoder: every reader of a v1 file, on disk or in memory, ends here.
pub(super) fn decode<C, R>(
    counter: &mut C,
    src: &mut R,
    identities: &[&dyn Identity],
    chunk: usize,
) -> Result<Decrypted, StreamError>
where
    C: Read + Seek + Send,
    R: Read + Seek + Send,
{
    src.seek(SeekFrom::Start(0))?;
    let mut carry = Vec::new();
    let head = Head::read(src, &mut carry, chunk.max(HEAD), chunk, identities)?;
    let slot_lines = head.slot_lines();
    let hashed_header = head.hashed_header();
    let start_mac = head.mac_start();
    let Head {
        first,
        body_at: start,
        first_line,
        header,
        expected_mac,
        data_key,
        value_key,
        ..
    } = head;
    let bom = header.bom;
    let first_work = Work {
        index: 0,
        first_line,
        start,
        text: Arc::new(first),
    };

    // A file that ends in its first chunk (any file of up to a few thousand keys) is
    // decoded on the calling thread: starting three threads cost more than decoding
    // it. The rest of the file, if any, starts with `carry` or is still to be read.
    let ended = carry.is_empty()
        && match next_byte(src)? {
            None => true,
            // Read on from it: the next chunk starts with `carry`.
            Some(b) => {
                carry.push(b);
                false
            }
        };
    if ended {
        // The count still comes from the second handle, as for a large file.
        counter.seek(SeekFrom::Start(0))?;
        let lines = count_lines(counter, first_work.text.len() + 1)?;
        let body = &first_work.text[first_work.start..];
        let hashed = hashed_header + lines_in(body) as u64;
        let mut mac = start_mac(lines);
        mac.lines(body);
        let mac_matches = mac.verify(&expected_mac);
        let decoded = vec![(0, decode_work(&first_work, &value_key))];
        let read = Ok((mac_matches, hashed, lines));
        return finish(read, decoded, header, slot_lines, data_key, bom);
    }

    let (tx, rx) = mpsc::sync_channel::<Work>(QUEUE);
    // Read buffers go back to the reader once decoded and hashed: fresh ones cost a
    // page fault per 4 KiB.
    let (give_back, spent) = mpsc::channel::<Vec<u8>>();
    let (count_tx, count_rx) = mpsc::sync_channel::<io::Result<u64>>(1);
    let rx = Mutex::new(rx);
    // The first chunk (in file order) known to fail: later ones are not decoded.
    let failed_at = AtomicUsize::new(usize::MAX);
    let decode = |give_back: mpsc::Sender<Vec<u8>>| {
        let mut done: Vec<Decoded> = Vec::new();
        loop {
            let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
            let Ok(work) = next else { break };
            // After a failure the chunks after it are only drained (the reader must finish
            // the MAC); earlier ones are still decoded, so the first failure in the file
            // is the one reported.
            if work.index > failed_at.load(Ordering::Relaxed) {
                continue;
            }
            let piece = decode_work(&work, &value_key);
            if piece.is_err() {
                failed_at.fetch_min(work.index, Ordering::Relaxed);
            }
            done.push((work.index, piece));
            // Whoever lets go of a chunk last recycles it. Not cleared: bytes already
            // initialized need no zeroing to be read into again (they are not secret).
            if let Ok(text) = Arc::try_unwrap(work.text) {
                let _ = give_back.send(text.into_bytes());
            }
        }
        done
    };
    let (read, decoded) = std::thread::scope(|scope| {
        scope.spawn(move || {
            let counted = counter
                .seek(SeekFrom::Start(0))
                .and_then(|_| count_lines(counter, chunk));
            let _ = count_tx.send(counted);
        });
        let reader = scope.spawn(move || -> Result<(bool, u64, u64), StreamError> {
            let mut hashed = hashed_header;
            let mut work = first_work;
            let mut counted = None;
            let mut mac = None;
            // Chunks read and handed on before the count arrived, hashed once it has.
            let mut unhashed: VecDeque<(Arc<String>, usize)> = VecDeque::new();
            let mut pool = Vec::new();
            let hash_all = |mac: &mut DocMac,
                            unhashed: &mut VecDeque<(Arc<String>, usize)>,
                            pool: &mut Vec<Vec<u8>>| {
                for (text, start) in unhashed.drain(..) {
                    mac.lines(&text[start..]);
                    if let Ok(text) = Arc::try_unwrap(text) {
                        pool.push(text.into_bytes());
                    }
                }
            };
            loop {
                let (index, first_line) = (work.index, work.first_line);
                let (text, start) = (Arc::clone(&work.text), work.start);
                // The decoders are gone only if one panicked; the join reports it.
                if tx.send(work).is_err() {
                    break;
                }
                if counted.is_none() {
                    counted = if unhashed.len() >= AHEAD_OF_COUNT {
                        Some(count_rx.recv().map_err(|_| counting_failed())??)
                    } else {
                        count_rx.try_recv().ok().transpose()?
                    };
                    mac = counted.map(&start_mac);
                }
                // The chunk's lines are counted as they are hashed (one pass over it);
                // only a chunk read before the count arrived is counted on its own.
                let lines = match &mut mac {
                    Some(mac) => {
                        hash_all(mac, &mut unhashed, &mut pool);
                        let lines = mac.lines(&text[start..]);
                        if let Ok(text) = Arc::try_unwrap(text) {
                            pool.push(text.into_bytes());
                        }
                        lines
                    }
                    None => {
                        let lines = lines_in(&text[start..]);
                        unhashed.push_back((text, start));
                        lines
                    }
                };
                hashed += lines as u64;
                let next_line = first_line + lines;
                pool.extend(spent.try_iter());
                let buf = pool.pop().unwrap_or_default();
                let Some(bytes) = next_chunk(src, buf, &mut carry, chunk)? else {
                    break;
                };
                work = Work {
                    index: index + 1,
                    first_line: next_line,
                    text: Arc::new(String::from_utf8(bytes).map_err(|_| not_utf8())?),
                    start: 0,
                };
            }
            let counted = match counted {
                Some(n) => n,
                None => count_rx.recv().map_err(|_| counting_failed())??,
            };
            let mut mac = mac.unwrap_or_else(|| start_mac(counted));
            hash_all(&mut mac, &mut unhashed, &mut pool);
            // `hashed` lines were read; the MAC checks they are the `counted` announced.
            let matches = mac.verify(&expected_mac);
            Ok((matches, hashed, counted))
        });
        let back = give_back.clone();
        let helper = scope.spawn(move || decode(back));
        let mut decoded = decode(give_back);
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(thread_failed().into()));
        match helper.join() {
            Ok(more) => decoded.extend(more),
            Err(_) => decoded.push((usize::MAX, Err(thread_failed()))),
        }
        (read, decoded)
    });
    finish(read, decoded, header, slot_lines, data_key, bom)
}

/// Where every chunked reader of a v1 file starts ([`decode`], and the previous file of
/// a streamed re-encryption, `super::restream`): the header, read from the first chunk
/// of whole lines ([`next_chunk`], read on until the header parses), and the data key
/// one of the identities unwraps.
pub(super) struct Head {
    /// The first chunk's text: the whole header, then the start of the body.
    pub(super) first: String,
    /// Where the body starts in `first`.
    pub(super) body_at: usize,
    /// The physical line number of the body's first line.
    pub(super) first_line: usize,
    pub(super) header: Header,
    /// Every header line but the MAC line, as written: what the MAC hashes before the
    /// body.
    header_lines: Vec<String>,
    /// The MAC the file says it has.
    pub(super) expected_mac: Vec<u8>,
    pub(super) data_key: DataKey,
    /// The key the values are sealed under.
    pub(super) value_key: Zeroizing<[u8; 32]>,
}

impl Head {
    /// Read the header: a first chunk of at least `first_size` bytes, then more of
    /// `chunk` bytes while the header is cut short. What follows the chunk's last line
    /// end is left in `carry`.
    pub(super) fn read(
        src: &mut impl Read,
        carry: &mut Vec<u8>,
        first_size: usize,
        chunk: usize,
        identities: &[&dyn Identity],
    ) -> Result<Head, StreamError> {
        let mut first = next_chunk(src, Vec::new(), carry, first_size.max(1))?.unwrap_or_default();
        while let Err(e) = std::str::from_utf8(&first)
            .map_err(|_| not_utf8())
            .and_then(parse)
        {
            match next_chunk(src, Vec::new(), carry, chunk.max(1))? {
                Some(more) if matches!(e, FormatError::Integrity(_)) => first.extend(more),
                _ => return Err(e.into()),
            }
        }
        let first = String::from_utf8(first).map_err(|_| not_utf8())?;
        let parsed = parse(&first)?;
        let (_, data_key) = find_slot(&parsed.header, identities)?;
        let value_key = hkdf32(data_key.expose_bytes(), b"value");
        let header_lines = parsed.header_lines.iter().map(|l| l.to_string()).collect();
        let (header, expected_mac) = (parsed.header.clone(), parsed.mac.clone());
        let first_line = parsed.mac_index + 2;
        let body_at = first.len() - parsed.body.len();
        drop(parsed);
        Ok(Head {
            first,
            body_at,
            first_line,
            header,
            header_lines,
            expected_mac,
            data_key,
            value_key,
        })
    }

    /// Every slot line of the header, as written (kept through re-encryption).
    pub(super) fn slot_lines(&self) -> String {
        self.header_lines[1..].concat()
    }

    /// How many lines the MAC covers before the body: the header's and the MAC line.
    pub(super) fn hashed_header(&self) -> u64 {
        self.header_lines.len() as u64 + 1
    }

    /// What starts the MAC once the file's line count is known (it hashes the count
    /// first): the MAC of the header lines, ready for the body's.
    pub(super) fn mac_start(&self) -> impl Fn(u64) -> DocMac + Send + 'static {
        let (data_key, header_lines) = (self.data_key.clone(), self.header_lines.clone());
        move |lines: u64| {
            // Every line but the MAC line is hashed.
            let mut mac = DocMac::new(&data_key, lines.saturating_sub(1));
            for line in &header_lines {
                mac.line(line);
            }
            mac
        }
    }
}

/// The checks at the end of a chunked read, in their order: the lines hashed are the
/// lines counted on the other pass (a file replaced or rewritten between or during the
/// reads shows here, or in the MAC), then the MAC.
pub(super) fn check_read(mac_matches: bool, hashed: u64, counted: u64) -> Result<(), StreamError> {
    if hashed != counted {
        return Err(StreamError::Io(io::Error::other(
            "the file changed while it was being read; run the command again",
        )));
    }
    if !mac_matches {
        return Err(corrupt("the MAC does not match the file's content").into());
    }
    Ok(())
}

/// The end of [`decode`], whichever thread decoded: the checks, in their order (the
/// line count, the MAC, then the first failing value), and the pieces put together.
fn finish(
    read: Result<(bool, u64, u64), StreamError>,
    mut decoded: Vec<Decoded>,
    header: Header,
    slot_lines: String,
    data_key: DataKey,
    bom: bool,
) -> Result<Decrypted, StreamError> {
    let (mac_matches, hashed, lines) = read?;
    // The count came from the second handle.
    check_read(mac_matches, hashed, lines)?;
    decoded.sort_unstable_by_key(|(index, _)| *index);
    let mut pieces = Vec::with_capacity(decoded.len() + 1);
    if bom {
        pieces.push("\u{feff}".as_bytes().to_vec());
    }
    // Collected before any error is returned, so every piece is wiped either way.
    let mut first_error = None;
    for (_, piece) in decoded {
        match piece {
            Ok(p) => pieces.push(p),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let plaintext = Plaintext::from_pieces(pieces);
    match first_error {
        Some(e) => Err(e.into()),
        None => Ok(Decrypted {
            header,
            slot_lines,
            data_key,
            plaintext,
        }),
    }
}

/// Decode one chunk: its plaintext.
fn decode_work(work: &Work, value_key: &[u8; 32]) -> Result<Vec<u8>, FormatError> {
    let body = &work.text[work.start..];
    // A plaintext line is never longer than its encrypted line, so this capacity is
    // never outgrown (see `Plaintext`'s invariant); the pages past what is written are
    // never touched.
    let mut out = SecretText::with_capacity(body.len());
    decode_part(body, work.first_line, value_key, &mut out)
        .map(|()| std::mem::take(&mut *out.0).into_bytes())
}

/// The next byte of `src`, `None` at its end.
fn next_byte(src: &mut impl Read) -> io::Result<Option<u8>> {
    let mut probe = [0u8; 1];
    loop {
        match src.read(&mut probe) {
            Ok(0) => return Ok(None),
            Ok(_) => return Ok(Some(probe[0])),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// A thread of the decoder panicked: a failure inside envseal, not a corrupt file.
fn thread_failed() -> FormatError {
    FormatError::Internal("a decryption thread failed".to_owned())
}

fn not_utf8() -> FormatError {
    corrupt("the file is not valid UTF-8")
}

fn counting_failed() -> StreamError {
    StreamError::Io(io::Error::other("the file's lines could not be counted"))
}

/// The next chunk of whole lines (at least `size` bytes unless the file ends first; the
/// last one may end without a terminator), keeping what follows its last line end in
/// `carry`. `None` at the end.
///
/// `buf` is a buffer to reuse, its old bytes ignored: they are overwritten rather than
/// zeroed first, and a new buffer comes zeroed from the allocator (`calloc`: fresh pages
/// are zero already), so no chunk pays for a `memset`.
pub(super) fn next_chunk(
    src: &mut impl Read,
    mut buf: Vec<u8>,
    carry: &mut Vec<u8>,
    size: usize,
) -> io::Result<Option<Vec<u8>>> {
    let mut want = size.max(carry.len());
    if buf.capacity() == 0 {
        buf = vec![0; want];
    }
    if buf.len() < want {
        buf.resize(want, 0);
    }
    let mut have = carry.len();
    buf[..have].copy_from_slice(carry);
    carry.clear();
    // Where the search for a line end starts: the bytes before it hold none. Searching
    // the whole buffer again after each read made one line of N chunks cost N²/2 chunk
    // scans (a 200 MB value: 15 s to decrypt, 2 s to encrypt).
    let mut from = 0;
    loop {
        let full = fill(src, &mut buf[..want], &mut have)?;
        if !full {
            buf.truncate(have);
            return Ok((!buf.is_empty()).then_some(buf));
        }
        if let Some(cut) = cut_point(&buf[from..have]) {
            let cut = from + cut;
            carry.extend_from_slice(&buf[cut..have]);
            buf.truncate(cut);
            return Ok(Some(buf));
        }
        // One line longer than a chunk: read on until it ends. A `\r` ending what was
        // read may yet be a line end (once a byte other than `\n` follows): searched again.
        from = have.saturating_sub(1);
        want = have + size;
        buf.resize(want, 0);
    }
}

/// Read into `buf[*have..]` until it is full (`true`) or the input ends (`false`), in
/// reads as large as the room left (`read_to_end` starts with small probing reads).
fn fill(src: &mut impl Read, buf: &mut [u8], have: &mut usize) -> io::Result<bool> {
    while *have < buf.len() {
        match src.read(&mut buf[*have..]) {
            Ok(0) => return Ok(false),
            Ok(n) => *have += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dotenv;
    use crate::format::v1::{decrypt_plaintext, encrypt, Options};
    use chrono::Utc;
    use proptest::prelude::*;

    fn seal(text: &str, key: &Key) -> String {
        let doc = dotenv::parse(text).unwrap();
        let mut r = |b: &mut [u8]| crate::format::os_random(b);
        encrypt(&doc, key, None, Options::default(), Utc::now(), &mut r).unwrap()
    }

    fn stream(sealed: &[u8], key: &Key, chunk: usize) -> Result<Vec<u8>, StreamError> {
        let (mut counter, mut src) = (io::Cursor::new(sealed), io::Cursor::new(sealed));
        decrypt_chunked(&mut counter, &mut src, &[key], chunk).map(|p| p.to_vec().to_vec())
    }

    /// What the whole-file decoder says, in the stream's terms.
    fn whole(sealed: &[u8], key: &Key) -> Result<Vec<u8>, String> {
        let text = std::str::from_utf8(sealed).map_err(|_| not_utf8().to_string())?;
        decrypt_plaintext(text, key)
            .map(|p| p.as_bytes().to_vec())
            .map_err(|e| e.to_string())
    }

    fn message(r: Result<Vec<u8>, StreamError>) -> Result<Vec<u8>, String> {
        r.map_err(|e| match e {
            StreamError::Format(f) => f.to_string(),
            StreamError::Io(e) => format!("io: {e}"),
        })
    }

    /// The shared generator of dotenv files (`crate::dotenv::arbitrary`).
    fn text() -> impl Strategy<Value = String> {
        crate::dotenv::arbitrary::dotenv_file()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Whatever the chunk size (down to a byte: chunks of one line) and wherever the
        /// cuts fall, the decoder gives back the plaintext that was sealed.
        #[test]
        fn any_chunking_gives_back_the_plaintext(t in text(), chunk in 1usize..300) {
            let key = Key::from_bytes([5; 32]);
            if dotenv::parse(&t).is_ok() {
                let sealed = seal(&t, &key);
                prop_assert_eq!(stream(sealed.as_bytes(), &key, chunk).unwrap(), t.as_bytes());
            }
        }
    }

    /// Whether python's `cryptography` is importable: without it the reference decoder
    /// cannot run. Skipped with a message on a developer's machine, a failure under
    /// `CI=true`.
    fn reference_available() -> bool {
        let ok = std::process::Command::new("python3")
            .args(["-c", "import cryptography"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "python3 with `cryptography` is required under CI=true"
            );
            eprintln!("SKIPPED: python3 with `cryptography` is missing (scripts/v1_reference.py)");
        }
        ok
    }

    /// What `scripts/v1_reference.py` (the spec's decoder, unchanged) says of each of
    /// `files`, run once for the whole batch: `Ok(plaintext)` or `Err(())`.
    fn reference(key: &Key, files: &[Vec<u8>]) -> Vec<Result<Vec<u8>, ()>> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("key"), key.expose_text().as_bytes()).unwrap();
        for (i, f) in files.iter().enumerate() {
            std::fs::write(dir.path().join(format!("{i}.enc")), f).unwrap();
        }
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/v1_reference.py");
        // Loads the script as a module and calls its `decrypt` on each file: what its
        // command line does, without a python start-up per case.
        let driver = r#"
import importlib.util, sys
spec = importlib.util.spec_from_file_location("ref", sys.argv[1])
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)
d, n = sys.argv[2], int(sys.argv[3])
with open(f"{d}/key") as f:
    key = f.read()
for i in range(n):
    with open(f"{d}/{i}.enc", "rb") as f:
        data = f.read()
    try:
        print("ok " + ref.decrypt(key, data).hex())
    except Exception:
        print("err")
"#;
        let out = std::process::Command::new("python3")
            .arg("-c")
            .arg(driver)
            .arg(&script)
            .arg(dir.path())
            .arg(files.len().to_string())
            .output()
            .unwrap();
        assert!(out.status.success(), "the reference driver failed");
        let lines: Vec<Result<Vec<u8>, ()>> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| match l.strip_prefix("ok ") {
                Some(hex) => Ok((0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                    .collect()),
                None => Err(()),
            })
            .collect();
        assert_eq!(lines.len(), files.len());
        lines
    }

    /// The one decoder agrees with the spec's reference decoder (`scripts/v1_reference.py`)
    /// on generated files, sealed as written and with one byte changed: whenever the
    /// reference reads a file, envseal reads the same bytes (in memory, through
    /// `decrypt_plaintext`, and streamed in chunks of a generated size), and whenever the
    /// reference refuses a file, envseal refuses it. (The one difference allowed: the
    /// streamed read takes the file as it is, so a change that the reference undoes as a
    /// git line-ending conversion may fail there; the in-memory read undoes it too.)
    #[test]
    fn the_decoder_agrees_with_the_reference_decoder() {
        if !reference_available() {
            return;
        }
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let key = Key::from_bytes([5; 32]);
        let mut runner = TestRunner::deterministic();
        let case = (text(), 1usize..300, any::<prop::sample::Index>(), 0u8..=255);
        let (mut files, mut chunks, mut fresh) = (Vec::new(), Vec::new(), 0);
        while files.len() < 400 {
            let (t, chunk, at, flip) = case.new_tree(&mut runner).unwrap().current();
            if dotenv::parse(&t).is_err() {
                continue;
            }
            let mut bytes = seal(&t, &key).into_bytes();
            // Half the files as written, half with one byte changed (`flip` 0: unchanged).
            if files.len() % 2 == 1 {
                let i = at.index(bytes.len());
                bytes[i] ^= flip;
            }
            fresh += usize::from(files.len() % 2 == 0);
            files.push(bytes);
            chunks.push(chunk);
        }
        let said = reference(&key, &files);
        let mut refused = 0;
        for (i, (file, want)) in files.iter().zip(&said).enumerate() {
            let whole = std::str::from_utf8(file)
                .ok()
                .and_then(|t| decrypt_plaintext(t, &key).ok())
                .map(|p| p.as_bytes().to_vec());
            let streamed = stream(file, &key, chunks[i]).ok();
            match want {
                Ok(plain) => {
                    assert_eq!(whole.as_ref(), Some(plain), "case {i}: in memory");
                    if let Some(s) = &streamed {
                        assert_eq!(s, plain, "case {i}: streamed");
                    } else {
                        assert!(i % 2 == 1, "case {i}: an unchanged file fails streamed");
                    }
                }
                Err(()) => {
                    refused += 1;
                    assert!(
                        whole.is_none(),
                        "case {i}: read in memory, refused by the reference"
                    );
                    assert!(
                        streamed.is_none(),
                        "case {i}: read streamed, refused by the reference"
                    );
                }
            }
        }
        // The batch holds both kinds, so neither half of the claim is vacuous.
        assert!(fresh == 200 && refused > 100, "refused {refused}");
    }

    #[test]
    fn every_single_byte_change_and_truncation_is_detected() {
        let key = Key::from_bytes([7; 32]);
        let text = "# c\nA=1\nexport B = 'two'\n\nC=\n#D=x\nM=\"a\nb\"\r\nE=é";
        let sealed = seal(text, &key).into_bytes();
        assert_eq!(stream(&sealed, &key, 16).unwrap(), text.as_bytes());
        for i in 0..sealed.len() {
            for flip in [0x01u8, 0x20, 0x80] {
                let mut t = sealed.clone();
                t[i] ^= flip;
                assert!(stream(&t, &key, 16).is_err(), "byte {i} ^ {flip:#x}");
            }
            assert!(stream(&sealed[..i], &key, 16).is_err(), "truncated to {i}");
        }
    }

    /// A broken value in a late chunk with a changed comment in an early one: the MAC
    /// failure is the one reported, as if it had been checked first.
    #[test]
    fn a_mac_failure_comes_before_a_value_failure() {
        let key = Key::from_bytes([7; 32]);
        let body: String = (0..2000).map(|i| format!("# c{i}\nK{i}=v{i}\n")).collect();
        let sealed = seal(&body, &key);
        let broken = sealed.replacen("# c3\n", "# c4\n", 1).replacen(
            "K1999=ENC[v1:",
            "K1999=ENC[v1:AAAA",
            1,
        );
        match stream(broken.as_bytes(), &key, 1024) {
            Err(StreamError::Format(FormatError::Integrity(m))) => {
                assert!(m.contains("MAC"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        let wrong = Key::from_bytes([8; 32]);
        assert!(matches!(
            stream(sealed.as_bytes(), &wrong, 1024),
            Err(StreamError::Format(FormatError::WrongKey { .. }))
        ));
    }

    /// Two broken values under a valid MAC (made with the data key, as only a broken
    /// writer could): whatever the chunk size and thread timing, the first in the file is
    /// the one reported, as the whole-file decoder reports it.
    #[test]
    fn of_two_failing_values_the_first_in_the_file_is_reported() {
        use crate::format::v1::{compute_mac, decrypt as open, B64, MAC_PREFIX};
        use base64::Engine;
        let key = Key::from_bytes([7; 32]);
        let body: String = (0..3000).map(|i| format!("K{i}=value-{i}\n")).collect();
        let sealed = seal(&body, &key);
        let data_key = open(&sealed, &key).unwrap().data_key;
        let broken = sealed
            .replacen("K700=ENC[v1:", "K700=ENC[v1:AAAA", 1)
            .replacen("K2900=ENC[v1:", "K2900=ENC[v1:AAAA", 1);
        let mut lines = broken.split_inclusive('\n');
        let (first, slot, _mac) = (
            lines.next().unwrap(),
            lines.next().unwrap(),
            lines.next().unwrap(),
        );
        let rest: String = lines.collect();
        let mac = compute_mac(&data_key, &format!("{first}{slot}"), &rest);
        let resealed = format!("{first}{slot}{MAC_PREFIX}{}\n{rest}", B64.encode(mac));
        let want = whole(resealed.as_bytes(), &key).unwrap_err();
        assert!(want.contains("line 704"), "{want}");
        for chunk in [64, 1024, 4096, 1 << 20] {
            for _ in 0..5 {
                assert_eq!(
                    message(stream(resealed.as_bytes(), &key, chunk)).unwrap_err(),
                    want,
                    "chunk {chunk}"
                );
            }
        }
    }

    /// The line count comes from a second handle: a file replaced or rewritten between
    /// the two opens, or while it is read, is refused.
    #[test]
    fn a_file_changed_between_the_reads_is_refused() {
        let key = Key::from_bytes([7; 32]);
        let a = seal("A=1\nB=2\n", &key).into_bytes();
        // Another valid file under the same key, with one line more.
        let b = seal("A=1\nB=2\nC=3\n", &key).into_bytes();
        for chunk in [8, 4096] {
            let r = decrypt_chunked(
                &mut io::Cursor::new(&a),
                &mut io::Cursor::new(&b),
                &[&key],
                chunk,
            );
            assert!(matches!(r, Err(StreamError::Io(_))), "{r:?}");
        }
        // Rewritten in place while it is read: half of one valid file, half of another
        // with the same line count. (A whole other valid file with the same line count
        // is simply that file, read consistently: the count is all the second handle
        // gives.)
        let c = seal("A=1\nB=3\n", &key).into_bytes();
        let mixed = [&a[..a.len() / 2], &c[c.len() / 2..]].concat();
        let r = decrypt_chunked(
            &mut io::Cursor::new(&a),
            &mut io::Cursor::new(&mixed),
            &[&key],
            8,
        );
        assert!(
            matches!(r, Err(StreamError::Format(FormatError::Integrity(_)))),
            "{r:?}"
        );
        // A counter that fails to read.
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("broken"))
            }
        }
        impl Seek for Broken {
            fn seek(&mut self, _: SeekFrom) -> io::Result<u64> {
                Ok(0)
            }
        }
        let r = decrypt_chunked(&mut Broken, &mut io::Cursor::new(&a), &[&key], 8);
        assert!(matches!(r, Err(StreamError::Io(_))), "{r:?}");
    }

    /// One value spanning many thousands of chunks (after a first chunk of small lines),
    /// with `\r` line ends at chunk edges too: the same plaintext as the whole-file
    /// decoder. Each chunk of a long line used to rescan the whole line read so far
    /// (quadratic: with 8-byte chunks, some 20 GB of scanning for this file).
    #[test]
    fn one_line_of_many_chunks_decrypts_like_the_whole_file() {
        let key = crate::key::Key::from_bytes([7; 32]);
        let mut text = String::new();
        for i in 0..3000 {
            text.push_str(&format!("SMALL_{i}=value-{i}\r\n"));
        }
        text.push_str("LONG=");
        text.push_str(&"0123456789abcdef".repeat(32 * 1024)); // 512 KiB
        text.push_str("\rAFTER=x\r");
        let sealed = seal(&text, &key);
        assert!(sealed.len() > HEAD * 4);
        for chunk in [8, 4097] {
            let got = stream(sealed.as_bytes(), &key, chunk).unwrap_or_else(|e| panic!("{e:?}"));
            assert!(got == text.as_bytes(), "chunk {chunk}: plaintext differs");
        }
        assert_eq!(whole(sealed.as_bytes(), &key).unwrap(), text.as_bytes());
    }

    /// A reader that notes which thread reads it.
    struct Watched<'a> {
        inner: io::Cursor<&'a [u8]>,
        readers: &'a Mutex<Vec<std::thread::ThreadId>>,
    }

    impl Read for Watched<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let me = std::thread::current().id();
            self.readers.lock().unwrap().push(me);
            self.inner.read(buf)
        }
    }

    impl Seek for Watched<'_> {
        fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
            self.inner.seek(to)
        }
    }

    /// A file that ends in its first chunk (the 50-key file of every command) is read,
    /// counted and decoded on the calling thread: the decoder's three threads cost more
    /// to start than such a file costs to decode. A larger file still uses them.
    #[test]
    fn a_file_of_one_chunk_is_decoded_on_the_calling_thread() {
        let key = Key::from_bytes([7; 32]);
        let small: String = (0..50).map(|i| format!("K{i}=value-{i}\n")).collect();
        let large: String = (0..3000).map(|i| format!("K{i}=value-{i}\n")).collect();
        for (text, one_thread) in [(&small, true), (&large, false)] {
            let sealed = seal(text, &key).into_bytes();
            let readers = Mutex::new(Vec::new());
            let watched = || Watched {
                inner: io::Cursor::new(&sealed[..]),
                readers: &readers,
            };
            let plain = decrypt_chunked(&mut watched(), &mut watched(), &[&key], 4096).unwrap();
            assert!(plain.eq_bytes(text.as_bytes()));
            let me = std::thread::current().id();
            let readers = readers.into_inner().unwrap();
            assert_eq!(
                readers.iter().all(|t| *t == me),
                one_thread,
                "{} bytes: read on {} threads",
                sealed.len(),
                readers
                    .iter()
                    .collect::<std::collections::HashSet<_>>()
                    .len()
            );
        }
    }

    #[test]
    fn chunks_are_whole_lines_and_lose_nothing() {
        let text = "a=1\r\nb=2\rc=3\n\n\r\rlong line without end";
        for size in 1..12 {
            let mut src = io::Cursor::new(text.as_bytes());
            let mut carry = Vec::new();
            let mut all = Vec::new();
            let mut lines = 0;
            while let Some(c) = next_chunk(&mut src, Vec::new(), &mut carry, size).unwrap() {
                let s = std::str::from_utf8(&c).unwrap();
                lines += lines_in(s);
                all.extend_from_slice(&c);
            }
            assert_eq!(all, text.as_bytes(), "chunk size {size}");
            assert_eq!(lines, lines_in(text), "chunk size {size}");
        }
    }
}
