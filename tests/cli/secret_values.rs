//! Value text is typed as a secret (issue 11): the parsed plaintext is wiped when it is
//! dropped, observed on real memory. The test binary frees memory through an allocator
//! that, for the one allocation a test watches (on the test's own thread), checks that
//! it is all zero bytes when freed. (The library forbids `unsafe`, so this lives here.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use envseal::dotenv;

struct Inspecting;

thread_local! {
    /// The watched allocation's address (0: none).
    static WATCH: Cell<usize> = const { Cell::new(0) };
    /// Freed all zero (`Some(true)`), freed with data left (`Some(false)`).
    static SEEN: Cell<Option<bool>> = const { Cell::new(None) };
}

// SAFETY: every call is passed to `System` unchanged; `dealloc` only reads the block it
// is given, before freeing it.
unsafe impl GlobalAlloc for Inspecting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if WATCH.with(Cell::get) == ptr as usize {
            // SAFETY: `ptr` is a live block of `layout.size()` bytes until freed below.
            let bytes = std::slice::from_raw_parts(ptr, layout.size());
            SEEN.with(|s| s.set(Some(bytes.iter().all(|&b| b == 0))));
            WATCH.with(|w| w.set(0));
        }
        System.dealloc(ptr, layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        System.alloc_zeroed(layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOC: Inspecting = Inspecting;

/// Watch the allocation at `addr`, run `free`, and tell whether it was all zero when
/// freed (`None`: it was not freed).
fn zero_when_freed(addr: *const u8, free: impl FnOnce()) -> Option<bool> {
    SEEN.with(|s| s.set(None));
    WATCH.with(|w| w.set(addr as usize));
    free();
    WATCH.with(|w| w.set(0));
    SEEN.with(Cell::get)
}

const SECRET: &str = "hunter2-s3cr3t-value";

/// A secret in every place a dotenv file can hold one: a quoted value, an unquoted
/// value, a multi-line value, a commented-out assignment, a pasted line.
fn secret_file() -> String {
    let s = SECRET;
    format!("export DB_PASSWORD=\"{s}\"\nTOKEN={s}\nPEM='a\n{s}\nb'\n#OLD_PASSWORD={s}\n{s}\n")
}

/// The watch sees a plain `String` freed with its text (so a wipe it reports is real).
#[test]
fn the_watch_sees_an_unwiped_string() {
    let plain = secret_file();
    let addr = plain.as_ptr();
    assert_eq!(zero_when_freed(addr, || drop(plain)), Some(false));
}

/// Dropping a parsed document (the whole plaintext) wipes every line's text; the
/// rendered copy, a value read from it and a streamed chunk are wiped too.
#[test]
fn parsed_plaintext_is_wiped_when_dropped() {
    let doc = dotenv::parse(&secret_file()).unwrap();
    for i in 0..doc.lines.len() {
        let line = doc.lines[i].clone();
        assert!(!line.expose_text().is_empty());
        let addr = line.expose_text().as_ptr();
        assert_eq!(
            zero_when_freed(addr, || drop(line)),
            Some(true),
            "line {i} freed with its text"
        );
    }
    let whole = doc.expose_text();
    let addr = whole.as_ptr();
    assert_eq!(zero_when_freed(addr, || drop(whole)), Some(true));
    let value = doc.lines[1].expose_value().unwrap();
    assert_eq!(value.expose_secret(), SECRET);
    let addr = value.expose_secret().as_ptr();
    assert_eq!(zero_when_freed(addr, || drop(value)), Some(true));
    let addr = doc.lines[1].expose_text().as_ptr();
    assert_eq!(zero_when_freed(addr, || drop(doc)), Some(true));

    let text = secret_file();
    let mut reader = dotenv::ChunkReader::new(text.as_bytes(), 16);
    let chunk = reader.next_piece().unwrap().unwrap();
    assert!(chunk.expose_text().contains("DB_PASSWORD"));
    let addr = chunk.expose_text().as_ptr();
    assert_eq!(zero_when_freed(addr, || drop(chunk)), Some(true));
}
