//! Benchmarks of the hot paths, on a 50-key file (a typical `.env`) and a 100,000-key
//! file (~7 MB, the stress case): dotenv parse, v1 encrypt (fresh and re-encrypt with the
//! previous file open), v1 decrypt (whole-file and streamed), Fernet encrypt and decrypt.
//!
//! Run: `cargo bench --bench core` (divan; filter with `-- v1`). The end-to-end numbers
//! (process start, I/O, comparison with sops) come from `scripts/bench.sh`.

use std::sync::OnceLock;

use chrono::Utc;
use divan::{black_box, Bencher};
use envseal::dotenv::{self, Document};
use envseal::format::{fernet, v1, FormatError};
use envseal::key::Key;

fn main() {
    divan::main();
}

const SIZES: [usize; 2] = [50, 100_000];

/// A fast deterministic generator: the same file on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn fill(&mut self, alphabet: &[u8], len: usize, out: &mut String) {
        for _ in 0..len {
            out.push(char::from(
                alphabet[self.below(alphabet.len() as u64) as usize],
            ));
        }
    }
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX: &[u8] = b"0123456789abcdef";
const WORDS: &[&str] = &[
    "DATABASE", "REDIS", "STRIPE", "AWS", "SENTRY", "MAILGUN", "GITHUB", "OAUTH", "CACHE", "QUEUE",
    "S3", "API", "AUTH", "JWT", "SMTP", "TWILIO",
];
const SUFFIXES: &[&str] = &[
    "URL",
    "TOKEN",
    "SECRET_KEY",
    "PASSWORD",
    "HOST",
    "PORT",
    "ID",
];

/// A realistic `.env` with `keys` assignments: tokens, hex secrets, URLs, plain words,
/// a comment every 20 keys and a quoted multi-line value every 50. ~70 bytes a key.
pub fn gen_env(keys: usize) -> String {
    let mut rng = Rng(0x5EED_0000_0000_0001 ^ keys as u64);
    let mut s = String::with_capacity(keys * 72);
    for i in 0..keys {
        if i % 20 == 0 {
            s.push_str("# section ");
            s.push_str(&i.to_string());
            s.push('\n');
        }
        let w = WORDS[rng.below(WORDS.len() as u64) as usize];
        let suffix = SUFFIXES[rng.below(SUFFIXES.len() as u64) as usize];
        if i % 7 == 0 {
            s.push_str("export ");
        }
        s.push_str(&format!("{w}_{i}_{suffix}="));
        match (i % 50, rng.below(4)) {
            (49, _) => {
                s.push('"');
                for _ in 0..3 {
                    rng.fill(B64, 20, &mut s);
                    s.push('\n');
                }
                s.push_str("-----END-----\"");
            }
            (_, 0) => rng.fill(B64, 40, &mut s),
            (_, 1) => rng.fill(HEX, 48, &mut s),
            (_, 2) => {
                s.push_str("postgres://app:");
                rng.fill(B64, 16, &mut s);
                s.push_str("@db.internal.example.com:5432/app");
            }
            _ => {
                s.push_str("'value with spaces ");
                rng.fill(HEX, 8, &mut s);
                s.push('\'');
            }
        }
        s.push('\n');
    }
    s
}

struct Fixture {
    text: String,
    doc: Document,
    sealed_v1: String,
    opened_v1: v1::Opened,
    sealed_fernet: String,
}

fn key() -> Key {
    Key::from_bytes([42; 32])
}

fn os_random(buf: &mut [u8]) -> Result<(), FormatError> {
    envseal::format::os_random(buf)
}

/// Randomness as the encrypt command draws it (4 KiB at a time).
fn pooled() -> impl FnMut(&mut [u8]) -> Result<(), FormatError> {
    let mut pool = envseal::format::OsRandomPool::default();
    move |buf: &mut [u8]| pool.fill(buf)
}

fn fixture(keys: usize) -> &'static Fixture {
    static SMALL: OnceLock<Fixture> = OnceLock::new();
    static LARGE: OnceLock<Fixture> = OnceLock::new();
    let cell = if keys == SIZES[0] { &SMALL } else { &LARGE };
    cell.get_or_init(|| {
        let text = gen_env(keys);
        let doc = dotenv::parse(&text).expect("generated file parses");
        let sealed_v1 = v1::encrypt(
            &doc,
            &key(),
            None,
            v1::Options::default(),
            Utc::now(),
            &mut os_random,
        )
        .expect("encrypt");
        let opened_v1 = v1::decrypt(&sealed_v1, &key()).expect("decrypt");
        assert_eq!(opened_v1.plaintext.as_str(), text);
        let sealed_fernet = fernet::encrypt(text.as_bytes(), &key());
        Fixture {
            text,
            doc,
            sealed_v1,
            opened_v1,
            sealed_fernet,
        }
    })
}

#[divan::bench(args = SIZES)]
fn dotenv_parse(bencher: Bencher, keys: usize) {
    let f = fixture(keys);
    bencher
        .counter(divan::counter::BytesCount::of_str(&f.text))
        .bench(|| dotenv::parse(black_box(&f.text)).expect("parses"));
}

#[divan::bench(args = SIZES)]
fn v1_encrypt(bencher: Bencher, keys: usize) {
    let f = fixture(keys);
    let key = key();
    bencher
        .counter(divan::counter::BytesCount::of_str(&f.text))
        .bench(|| {
            v1::encrypt(
                black_box(&f.doc),
                &key,
                None,
                v1::Options::default(),
                Utc::now(),
                &mut pooled(),
            )
            .expect("encrypt")
        });
}

/// What `envseal encrypt` does for a large new file: read and parse in pieces, seal on
/// two threads, MAC in order; the output kept in pieces (as for `--stdout`).
#[divan::bench(args = SIZES)]
fn v1_encrypt_stream(bencher: Bencher, keys: usize) {
    use std::io::Write;
    let f = fixture(keys);
    let key = key();
    let mut file = tempfile::tempfile().expect("temp file");
    file.write_all(f.text.as_bytes()).expect("write");
    bencher
        .counter(divan::counter::BytesCount::of_str(&f.text))
        .bench(|| {
            let mut parts = v1::seal::Parts::default();
            let mut give_key = || Ok::<_, std::convert::Infallible>(key.clone());
            v1::seal::encrypt_stream(
                black_box(&file),
                v1::Options::default(),
                Utc::now(),
                &mut give_key,
                &mut parts,
                None,
            )
            .expect("encrypt");
            parts
        });
}

#[divan::bench(args = SIZES)]
fn v1_reencrypt_unchanged(bencher: Bencher, keys: usize) {
    let f = fixture(keys);
    let key = key();
    bencher
        .counter(divan::counter::BytesCount::of_str(&f.text))
        .bench(|| {
            v1::encrypt(
                black_box(&f.doc),
                &key,
                Some(&f.opened_v1),
                v1::Options::default(),
                Utc::now(),
                &mut pooled(),
            )
            .expect("encrypt")
        });
}

/// Decrypt keeping what minimal-diff re-encryption needs (`encrypt` over an existing file).
#[divan::bench(args = SIZES)]
fn v1_decrypt(bencher: Bencher, keys: usize) {
    let f = fixture(keys);
    let key = key();
    bencher
        .counter(divan::counter::BytesCount::of_str(&f.text))
        .bench(|| v1::decrypt(black_box(&f.sealed_v1), &key).expect("decrypt"));
}

/// What `envseal decrypt` does for a file of 1 MiB and more: the stream decoder (two
/// passes over a reader, three threads), here reading from memory.
#[divan::bench(args = SIZES)]
fn v1_decrypt_stream(bencher: Bencher, keys: usize) {
    let f = fixture(keys);
    let key = key();
    bencher
        .counter(divan::counter::BytesCount::of_str(&f.text))
        .bench(|| {
            let bytes = black_box(f.sealed_v1.as_bytes());
            let (mut counter, mut src) = (std::io::Cursor::new(bytes), std::io::Cursor::new(bytes));
            v1::stream::decrypt(&mut counter, &mut src, &key).expect("decrypt")
        });
}

/// What `envseal decrypt` does for a smaller file: the plaintext only, nothing kept for
/// re-encryption.
#[divan::bench(args = SIZES)]
fn v1_decrypt_plaintext(bencher: Bencher, keys: usize) {
    let f = fixture(keys);
    let key = key();
    bencher
        .counter(divan::counter::BytesCount::of_str(&f.text))
        .bench(|| v1::decrypt_plaintext(black_box(&f.sealed_v1), &key).expect("decrypt"));
}

#[divan::bench(args = SIZES)]
fn fernet_encrypt(bencher: Bencher, keys: usize) {
    let f = fixture(keys);
    let key = key();
    bencher
        .counter(divan::counter::BytesCount::of_str(&f.text))
        .bench(|| fernet::encrypt(black_box(f.text.as_bytes()), &key));
}

#[divan::bench(args = SIZES)]
fn fernet_decrypt(bencher: Bencher, keys: usize) {
    let f = fixture(keys);
    let key = key();
    bencher
        .counter(divan::counter::BytesCount::of_str(&f.text))
        .bench(|| fernet::decrypt(black_box(f.sealed_fernet.as_bytes()), &key).expect("decrypt"));
}

/// The floor under a v1 decrypt: what the crates envseal decrypts with cost on their own
/// for the fixture's file, with nothing of envseal's around them. The sum of the three is
/// the CPU no v1 decoder built on these crates can go under; `scripts/bench.sh` holds the
/// end-to-end figures it is compared with (README, "Performance").
mod floor {
    use aes_gcm::aead::{AeadInPlace, KeyInit};
    use aes_gcm::{Aes256Gcm, Nonce, Tag};
    use divan::{black_box, Bencher};
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    use super::{fixture, SIZES};

    /// The `ENC[v1:…]` tokens of the fixture's encrypted file (base64, without the
    /// brackets), each with the key name its value is bound to (`None`: a commented line).
    fn tokens(sealed: &str) -> Vec<(Option<&str>, &str)> {
        sealed
            .lines()
            .filter(|l| !l.starts_with("#envseal:"))
            .filter_map(|l| {
                let at = l.rfind("ENC[v1:")?;
                let b64 = l[at + 7..].strip_suffix(']')?;
                let prefix = &l[..at];
                let name = prefix
                    .strip_prefix("export ")
                    .unwrap_or(prefix)
                    .strip_suffix('=');
                Some((name.filter(|_| !l.starts_with('#')), b64))
            })
            .collect()
    }

    /// A value's additional data and its raw token (nonce, ciphertext, tag).
    type Sealed = (Vec<u8>, Vec<u8>);

    /// Each token's raw bytes (nonce, ciphertext, tag), sealed again under a bench key
    /// with the additional data envseal binds a value to: the same lengths, so the same
    /// AES-GCM work as decrypting the file's values.
    fn sealed_values(keys: usize) -> (Aes256Gcm, Vec<Sealed>) {
        let cipher = Aes256Gcm::new(&[7u8; 32].into());
        let values = tokens(&fixture(keys).sealed_v1)
            .into_iter()
            .map(|(name, b64)| {
                let mut raw = base64_simd::URL_SAFE_NO_PAD
                    .decode_to_vec(b64.as_bytes())
                    .expect("a token is base64");
                let mut aad = b"envseal v1 value\0".to_vec();
                match name {
                    Some(n) => aad.extend_from_slice(n.as_bytes()),
                    None => aad = b"envseal v1 line".to_vec(),
                }
                let (nonce, rest) = raw.split_at_mut(12);
                let (body, tag) = rest.split_at_mut(rest.len() - 16);
                let t = cipher
                    .encrypt_in_place_detached(Nonce::from_slice(nonce), &aad, body)
                    .expect("seal");
                tag.copy_from_slice(&t);
                (aad, raw)
            })
            .collect();
        (cipher, values)
    }

    /// AES-256-GCM opening every value of the file, one after the other, from a scratch
    /// buffer (as the decoder does).
    #[divan::bench(args = SIZES)]
    fn gcm_open_every_value(bencher: Bencher, keys: usize) {
        let (cipher, values) = sealed_values(keys);
        let mut scratch = Vec::with_capacity(4096);
        bencher.bench_local(|| {
            for (aad, raw) in &values {
                scratch.clear();
                scratch.extend_from_slice(raw);
                let (nonce, rest) = scratch.split_at_mut(12);
                let (body, tag) = rest.split_at_mut(rest.len() - 16);
                cipher
                    .decrypt_in_place_detached(
                        Nonce::from_slice(nonce),
                        black_box(aad),
                        body,
                        Tag::from_slice(tag),
                    )
                    .expect("opens");
            }
        });
    }

    /// HMAC-SHA256 over the whole encrypted file: the file MAC's hashing, alone.
    #[divan::bench(args = SIZES)]
    fn hmac_sha256_of_the_file(bencher: Bencher, keys: usize) {
        let f = fixture(keys);
        bencher
            .counter(divan::counter::BytesCount::of_str(&f.sealed_v1))
            .bench(|| {
                let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&[9; 32]).expect("any key");
                mac.update(black_box(f.sealed_v1.as_bytes()));
                mac.finalize().into_bytes()
            });
    }

    /// base64 decoding of every token into a scratch buffer.
    #[divan::bench(args = SIZES)]
    fn base64_decode_every_token(bencher: Bencher, keys: usize) {
        let f = fixture(keys);
        let tokens = tokens(&f.sealed_v1);
        let mut scratch = vec![0u8; 1 << 16];
        bencher.bench_local(|| {
            for (_, b64) in &tokens {
                let out = base64_simd::Out::from_slice(&mut scratch[..]);
                black_box(
                    base64_simd::URL_SAFE_NO_PAD
                        .decode(b64.as_bytes(), out)
                        .expect("decodes")
                        .len(),
                );
            }
        });
    }
}
