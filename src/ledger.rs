//! The rotation ledger: a local SQLite file recording every key rotation and every
//! encrypt/decrypt/rotate event, so `envseal status` can tell key age, overdue rotations
//! and unfinished (crashed) rotations.
//!
//! # What this module owns, and what it must not do
//! - It owns every line of SQL in envseal: open, migrate, record, query. Nothing else in the
//!   crate talks to SQLite.
//! - It stores key **fingerprints** (`sha256:3f9a0c1d2e4b5a6c`), file paths, reasons and
//!   short outcome kinds. It must never receive or store a key or a value: key ids are
//!   [`KeyId`]s, validated where they were typed or read (a key pasted in their place never
//!   becomes one), stored and read back through `KeyId`'s `ToSql`/`FromSql`, and no
//!   function takes a key or a value.
//! - It never prints and never exits; errors are [`LedgerError`], whose messages name the
//!   ledger path and what to do, and never echo stored data.
//!
//! # The file
//! Default place: `.envseal/ledger.db` in the project root (the nearest ancestor holding
//! `.git`, else the start directory), overridden by `--ledger PATH`, then `ENVSEAL_LEDGER`
//! ([`resolve_path`]). In a git repository the commands use `envseal/ledger.db` in the
//! common git directory instead (`project::ledger_path`, which migrates the old file). [`Ledger::open`] creates the directory (0700) and the file (0600);
//! SQLite gives the `-wal`/`-shm` side files the database file's mode.
//!
//! Every connection sets `journal_mode=WAL` (readers never block the writer),
//! a busy handler that retries for [`BUSY_TIMEOUT`] (concurrent invocations wait instead of
//! failing),
//! `foreign_keys=ON`, and `synchronous=FULL` (a committed rotation row survives a power
//! cut: the crash-safety story of `rotate` relies on the ledger showing an unfinished
//! rotation; one fsync per command is nothing next to that). Every write is one
//! `BEGIN IMMEDIATE` transaction, so two writers serialise on the lock instead of
//! deadlocking on a read-to-write upgrade.
//!
//! # Schema (version 3, `PRAGMA user_version = 3`; v2 adds `sync_pairs`, v3 `recipient_events` (`src/ledger/recipients.rs`), see [`MIGRATIONS`], `PRAGMA application_id` = [`APPLICATION_ID`])
//! Timestamps are RFC 3339 UTC text with milliseconds and a `Z`
//! (`2026-01-31T09:15:02.123Z`): fixed width, so text order is time order, and readable
//! in `sqlite3` during an incident. Ties are broken by `id` (insertion order).
//! ```sql
//! CREATE TABLE rotations (
//!     id               INTEGER PRIMARY KEY,
//!     status           TEXT NOT NULL CHECK (status IN
//!                      ('initiated','in_progress','completed','failed','rolled_back')),
//!     old_key_id       TEXT NOT NULL,        -- fingerprint
//!     new_key_id       TEXT NOT NULL,        -- fingerprint
//!     reason           TEXT NOT NULL,
//!     new_key_location TEXT NOT NULL,        -- where the new key was saved (a path)
//!     started_at       TEXT NOT NULL,
//!     finished_at      TEXT,                 -- set when completed/failed/rolled_back
//!     duration_ms      INTEGER,
//!     verification     TEXT,                 -- e.g. '3/3 files verified'
//!     failure_reason   TEXT,                 -- a short kind, e.g. 'verification failed'
//!     actor            TEXT NOT NULL,        -- user@host
//!     tool_version     TEXT NOT NULL
//! );
//! CREATE TABLE rotation_files (              -- the files a rotation re-encrypts, in order
//!     rotation_id INTEGER NOT NULL REFERENCES rotations(id) ON DELETE CASCADE,
//!     position    INTEGER NOT NULL,
//!     path        TEXT NOT NULL,
//!     PRIMARY KEY (rotation_id, position)
//! ) WITHOUT ROWID;
//! CREATE TABLE events (
//!     id           INTEGER PRIMARY KEY,
//!     at           TEXT NOT NULL,
//!     operation    TEXT NOT NULL,            -- 'encrypt', 'decrypt', 'rotate', ...
//!     file         TEXT NOT NULL,
//!     key_id       TEXT,                     -- fingerprint
//!     outcome      TEXT NOT NULL CHECK (outcome IN ('ok','failed')),
//!     detail       TEXT,                     -- a short kind, e.g. 'wrong key'; never data
//!     actor        TEXT NOT NULL,
//!     tool_version TEXT NOT NULL
//! );
//! CREATE INDEX rotations_unfinished       ON rotations (started_at)            -- unfinished()
//!     WHERE status IN ('initiated', 'in_progress');   -- partial: holds only unfinished rows
//! CREATE INDEX rotations_completed        ON rotations (finished_at)           -- last_completed(None)
//!     WHERE status = 'completed';
//! CREATE INDEX rotations_key_status_finished
//!                                         ON rotations (new_key_id, status, finished_at);
//! CREATE INDEX rotations_started          ON rotations (started_at);           -- history()
//! CREATE INDEX events_at                  ON events (at);                      -- events()
//! -- v2: the last sync of each plaintext/encrypted pair in this clone (`crate::sync`)
//! CREATE TABLE sync_pairs (
//!     plaintext TEXT NOT NULL, encrypted TEXT NOT NULL,   -- paths from the project root
//!     key_id    TEXT NOT NULL,                  -- fingerprint of the key the HMACs use
//!     plain_fp  BLOB NOT NULL, enc_fp BLOB NOT NULL,      -- keyed fingerprints (16 bytes)
//!     items     BLOB NOT NULL,                  -- per line: keyed (identity, content)
//!     at        TEXT NOT NULL,
//!     PRIMARY KEY (plaintext, encrypted)
//! ) WITHOUT ROWID;                              -- read and written by primary key only
//! -- v3: key-slot (recipient) changes, next to rotations (issue 12)
//! CREATE TABLE recipient_events (
//!     id                INTEGER PRIMARY KEY,
//!     at                TEXT NOT NULL,
//!     file              TEXT NOT NULL,        -- as rotation_files.path: from the project root
//!     action            TEXT NOT NULL CHECK (action IN ('added','removed','rewrapped')),
//!     slot_type         TEXT NOT NULL,        -- 'master', 'age', 'ssh', 'aws-kms', ...
//!     slot_kid          TEXT NOT NULL,        -- the slot's public key id (kid=)
//!     name              TEXT,                 -- the slot's name= (public), if any
//!     data_key_replaced INTEGER NOT NULL CHECK (data_key_replaced IN (0, 1)),
//!     rotation_id       INTEGER REFERENCES rotations(id) ON DELETE CASCADE, -- 'rewrapped' by a rotation
//!     actor             TEXT NOT NULL,        -- user@host, as for rotations
//!     tool_version      TEXT NOT NULL
//! );
//! CREATE INDEX recipient_events_at ON recipient_events (at);       -- recipient_events()
//! ```
//! `history(n)` and `events(n)` walk their time index backwards and stop after `n` rows;
//! `unfinished()` walks a partial index that holds only unfinished rotations;
//! `last_completed(None)` takes the last entry of a partial index of completed ones, and
//! `last_completed(Some(key))` is an index search. None scans the table or sorts it (the tests
//! check the query plans, and that the work done does not grow with the table).
//!
//! # Migrations
//! [`MIGRATIONS`]`[i]` takes a ledger from version `i` to `i + 1`; add v2 by appending one
//! entry. Opening applies the missing steps in one IMMEDIATE transaction and refuses a
//! ledger whose version is newer than this build knows (an older envseal must not write
//! into a schema it does not understand).
//!
//! # Rotation states
//! `initiated → in_progress → completed | failed | rolled_back`; `initiated` may also go
//! straight to `failed` or `rolled_back` (nothing was rewritten yet). The three end states
//! are final. A key has at most one unfinished rotation at a time.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{
    params, Connection, ErrorCode, OpenFlags, OptionalExtension, Row, Transaction,
    TransactionBehavior,
};
use serde::{Serialize, Serializer};

use crate::key::KeyId;

mod recipients;
pub use recipients::{NewRecipientEvent, RecipientAction, RecipientEvent};

/// How long a writer waits for another envseal process to release the ledger.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// `PRAGMA application_id` of an envseal ledger ("EnvS"), so `--ledger` pointed at some
/// other SQLite database is refused instead of having tables added to it.
pub const APPLICATION_ID: i32 = 0x456e_7653;

/// Schema steps: entry `i` migrates from `user_version` `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // v1
    "CREATE TABLE rotations (
        id               INTEGER PRIMARY KEY,
        status           TEXT NOT NULL CHECK (status IN
                         ('initiated','in_progress','completed','failed','rolled_back')),
        old_key_id       TEXT NOT NULL,
        new_key_id       TEXT NOT NULL,
        reason           TEXT NOT NULL,
        new_key_location TEXT NOT NULL,
        started_at       TEXT NOT NULL,
        finished_at      TEXT,
        duration_ms      INTEGER,
        verification     TEXT,
        failure_reason   TEXT,
        actor            TEXT NOT NULL,
        tool_version     TEXT NOT NULL
    );
    CREATE TABLE rotation_files (
        rotation_id INTEGER NOT NULL REFERENCES rotations(id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        path        TEXT NOT NULL,
        PRIMARY KEY (rotation_id, position)
    ) WITHOUT ROWID;
    CREATE TABLE events (
        id           INTEGER PRIMARY KEY,
        at           TEXT NOT NULL,
        operation    TEXT NOT NULL,
        file         TEXT NOT NULL,
        key_id       TEXT,
        outcome      TEXT NOT NULL CHECK (outcome IN ('ok','failed')),
        detail       TEXT,
        actor        TEXT NOT NULL,
        tool_version TEXT NOT NULL
    );
    CREATE INDEX rotations_unfinished ON rotations (started_at)
        WHERE status IN ('initiated', 'in_progress');
    CREATE INDEX rotations_completed ON rotations (finished_at) WHERE status = 'completed';
    CREATE INDEX rotations_key_status_finished ON rotations (new_key_id, status, finished_at);
    CREATE INDEX rotations_started ON rotations (started_at);
    CREATE INDEX events_at ON events (at);",
    // v2: the last sync of each plaintext/encrypted pair in this clone (see `crate::sync`):
    // keyed fingerprints only, under a key derived from `key_id`'s master key.
    "CREATE TABLE sync_pairs (
        plaintext   TEXT NOT NULL,            -- path relative to the project root
        encrypted   TEXT NOT NULL,
        key_id      TEXT NOT NULL,            -- fingerprint of the key the fingerprints use
        plain_fp    BLOB NOT NULL,            -- keyed fingerprint of the synced plaintext
        enc_fp      BLOB NOT NULL,            -- keyed fingerprint of the encrypted file
        items       BLOB NOT NULL,            -- per-line keyed fingerprints (id, content)
        at          TEXT NOT NULL,
        PRIMARY KEY (plaintext, encrypted)
    ) WITHOUT ROWID;",
    // v3: key-slot (recipient) changes: added, removed, re-wrapped for a new data key.
    // Public data only: slot kinds, key ids and names are in the committed file's header.
    "CREATE TABLE recipient_events (
        id                INTEGER PRIMARY KEY,
        at                TEXT NOT NULL,
        file              TEXT NOT NULL,
        action            TEXT NOT NULL CHECK (action IN ('added','removed','rewrapped')),
        slot_type         TEXT NOT NULL,
        slot_kid          TEXT NOT NULL,
        name              TEXT,
        data_key_replaced INTEGER NOT NULL CHECK (data_key_replaced IN (0, 1)),
        rotation_id       INTEGER REFERENCES rotations(id) ON DELETE CASCADE,
        actor             TEXT NOT NULL,
        tool_version      TEXT NOT NULL
    );
    CREATE INDEX recipient_events_at ON recipient_events (at);",
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything that can go wrong with the ledger. Each message names the ledger file and
/// what to do; none echoes stored data.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(
        "cannot create the ledger directory {}: {source}; create it, or choose another \
         ledger with --ledger PATH or ENVSEAL_LEDGER",
        path.display()
    )]
    CreateDir { path: PathBuf, source: io::Error },

    #[error(
        "cannot create the ledger file {}: {source}; check the directory's permissions, or \
         choose another ledger with --ledger PATH or ENVSEAL_LEDGER",
        path.display()
    )]
    CreateFile { path: PathBuf, source: io::Error },

    #[error(
        "cannot reach the ledger {}: {source}; check the permissions of its directory, or \
         choose another ledger with --ledger PATH or ENVSEAL_LEDGER",
        path.display()
    )]
    Access { path: PathBuf, source: io::Error },

    #[error(
        "cannot open the ledger {}: {source}; if it is not an envseal ledger, choose another \
         with --ledger PATH or ENVSEAL_LEDGER",
        path.display()
    )]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },

    #[error(
        "{} is a SQLite database but not an envseal ledger; choose another file with \
         --ledger PATH or ENVSEAL_LEDGER",
        path.display()
    )]
    NotALedger { path: PathBuf },

    #[error(
        "the ledger {} has schema version {found}, newer than this envseal understands \
         (version {supported}); upgrade envseal",
        path.display()
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error(
        "the ledger {} stayed locked by another process (another envseal, or a tool \
         holding it open) for more than {}s; retry when that process has finished",
        path.display(),
        BUSY_TIMEOUT.as_secs()
    )]
    Busy { path: PathBuf },

    #[error(
        "cannot {action} in the ledger {}: {source}; if this repeats, check the file with \
         `sqlite3 {} 'PRAGMA integrity_check'` or move it aside (envseal starts a new ledger)",
        path.display(),
        path.display()
    )]
    Sql {
        path: PathBuf,
        action: &'static str,
        source: rusqlite::Error,
    },

    #[error(
        "the ledger {} holds an unreadable {what}; upgrade envseal, or check the file with \
         `sqlite3 {} 'PRAGMA integrity_check'`",
        path.display(),
        path.display()
    )]
    Corrupt { path: PathBuf, what: String },

    #[error(
        "there is no rotation #{id} in the ledger {}; run `envseal status` to list rotations",
        path.display()
    )]
    UnknownRotation { path: PathBuf, id: RotationId },

    #[error(
        "rotation #{id} in the ledger {} is {from}, so it cannot become {to} (allowed: \
         initiated → in_progress → completed | failed | rolled_back); run `envseal status`",
        path.display()
    )]
    InvalidTransition {
        path: PathBuf,
        id: RotationId,
        from: RotationStatus,
        to: RotationStatus,
    },

    #[error(
        "key {key_id} already has an unfinished rotation #{id} in the ledger {}; resume it \
         or roll it back before starting another",
        path.display()
    )]
    RotationPending {
        path: PathBuf,
        id: RotationId,
        key_id: KeyId,
    },

    #[error(
        "{field} given to the ledger {} is not a public slot field (a slot kind, key id or \
         name as a file's header shows it); the ledger stores public data only (this is a bug \
         in envseal, please report it)",
        path.display()
    )]
    NotPublic { path: PathBuf, field: &'static str },
}

/// The id of a rotation row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RotationId(pub i64);

impl fmt::Display for RotationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a rotation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RotationStatus {
    Initiated,
    InProgress,
    Completed,
    Failed,
    RolledBack,
}

impl RotationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initiated => "initiated",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::RolledBack => "rolled_back",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "initiated" => Self::Initiated,
            "in_progress" => Self::InProgress,
            "completed" => Self::Completed,
            "failed" => Self::Failed,
            "rolled_back" => Self::RolledBack,
            _ => return None,
        })
    }

    /// Whether the rotation has ended (no further transition allowed).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::RolledBack)
    }

    fn can_become(self, to: Self) -> bool {
        use RotationStatus::*;
        matches!(
            (self, to),
            (Initiated, InProgress)
                | (Initiated, Failed)
                | (Initiated, RolledBack)
                | (InProgress, Completed)
                | (InProgress, Failed)
                | (InProgress, RolledBack)
        )
    }
}

impl fmt::Display for RotationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    GenerateKey,
    Encrypt,
    Decrypt,
    Rotate,
    Run,
    Edit,
    Set,
    Unset,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GenerateKey => "generate_key",
            Self::Encrypt => "encrypt",
            Self::Decrypt => "decrypt",
            Self::Rotate => "rotate",
            Self::Run => "run",
            Self::Edit => "edit",
            Self::Set => "set",
            Self::Unset => "unset",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "generate_key" => Self::GenerateKey,
            "encrypt" => Self::Encrypt,
            "decrypt" => Self::Decrypt,
            "rotate" => Self::Rotate,
            "run" => Self::Run,
            "edit" => Self::Edit,
            "set" => Self::Set,
            "unset" => Self::Unset,
            _ => return None,
        })
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an event ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "ok" => Some(Self::Ok),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event to record. Time, actor and tool version are filled in by the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub operation: Operation,
    pub file: String,
    /// Fingerprint of the key used, when one was.
    pub key_id: Option<KeyId>,
    pub outcome: Outcome,
    /// A short kind such as `"wrong key"`; never data.
    pub detail: Option<String>,
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub id: i64,
    #[serde(serialize_with = "ser_time")]
    pub at: DateTime<Utc>,
    pub operation: Operation,
    pub file: String,
    pub key_id: Option<KeyId>,
    pub outcome: Outcome,
    pub detail: Option<String>,
    pub actor: String,
    pub tool_version: String,
}

/// A rotation to begin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRotation {
    pub old_key_id: KeyId,
    pub new_key_id: KeyId,
    pub reason: String,
    pub files: Vec<String>,
    /// Where the new key was saved: a path, never key text.
    pub new_key_location: String,
}

/// A recorded rotation (serialises for `status --json`; times as RFC 3339 UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rotation {
    pub id: RotationId,
    pub status: RotationStatus,
    pub old_key_id: KeyId,
    pub new_key_id: KeyId,
    pub reason: String,
    pub files: Vec<String>,
    #[serde(serialize_with = "ser_time")]
    pub started_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_opt_time")]
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub verification: Option<String>,
    pub failure_reason: Option<String>,
    pub actor: String,
    pub tool_version: String,
    pub new_key_location: String,
}

/// An open ledger. One per thread or process; SQLite serialises writers between them.
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
    actor: String,
}

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger").field("path", &self.path).finish()
    }
}

/// `.envseal/ledger.db` in the project root: the nearest ancestor of `start_dir` (itself
/// included) holding `.git` (a directory, or the file a worktree or submodule has), else
/// `start_dir`. Callers apply overrides through [`resolve_path`].
pub fn default_path(start_dir: &Path) -> PathBuf {
    let root = start_dir
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(start_dir);
    root.join(".envseal").join("ledger.db")
}

/// The ledger to use: the `--ledger` flag, else a non-empty `ENVSEAL_LEDGER`, else
/// [`default_path`]. A relative override is taken relative to `start_dir`.
pub fn resolve_path(cli: Option<&Path>, start_dir: &Path) -> PathBuf {
    resolve_path_from(cli, std::env::var_os("ENVSEAL_LEDGER"), start_dir)
}

fn resolve_path_from(
    cli: Option<&Path>,
    env: Option<std::ffi::OsString>,
    start_dir: &Path,
) -> PathBuf {
    let chosen = cli
        .map(Path::to_path_buf)
        .or_else(|| env.filter(|v| !v.is_empty()).map(PathBuf::from));
    match chosen {
        Some(p) => start_dir.join(p),
        None => default_path(start_dir),
    }
}

// The read queries, as constants so the tests can check their plans.
macro_rules! select_rotations {
    () => {
        "SELECT id, status, old_key_id, new_key_id, reason, new_key_location, started_at, \
         finished_at, duration_ms, verification, failure_reason, actor, tool_version \
         FROM rotations "
    };
}
const SQL_UNFINISHED: &str = concat!(
    select_rotations!(),
    "WHERE status IN ('initiated', 'in_progress') ORDER BY started_at, id"
);
const SQL_HISTORY: &str = concat!(
    select_rotations!(),
    "ORDER BY started_at DESC, id DESC LIMIT ?1"
);
const SQL_LAST_COMPLETED: &str = concat!(
    select_rotations!(),
    "WHERE status = 'completed' ORDER BY finished_at DESC, id DESC LIMIT 1"
);
const SQL_LAST_COMPLETED_FOR_KEY: &str = concat!(
    select_rotations!(),
    "WHERE new_key_id = ?1 AND status = 'completed' ORDER BY finished_at DESC, id DESC LIMIT 1"
);
const SQL_RETIRED_BY: &str = concat!(
    select_rotations!(),
    "WHERE old_key_id = ?1 AND status = 'completed' \
     AND EXISTS (SELECT 1 FROM rotation_files AS f WHERE f.rotation_id = rotations.id AND f.path = ?2) \
     AND NOT EXISTS (SELECT 1 FROM rotations AS later \
     WHERE later.new_key_id = ?1 AND later.status = 'completed' AND later.id > rotations.id) \
     ORDER BY finished_at DESC, id DESC LIMIT 1"
);
const SQL_ROTATION_FILES: &str =
    "SELECT path FROM rotation_files WHERE rotation_id = ?1 ORDER BY position";
const SQL_PENDING_FOR_KEY: &str = "SELECT id FROM rotations \
     WHERE status IN ('initiated', 'in_progress') AND old_key_id = ?1 LIMIT 1";
const SQL_EVENTS: &str = "SELECT id, at, operation, file, key_id, outcome, detail, actor, \
     tool_version FROM events ORDER BY at DESC, id DESC LIMIT ?1";

/// The last sync of a plaintext/encrypted pair in this clone (schema v2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncRecord {
    /// Paths relative to the project root.
    pub plaintext: String,
    pub encrypted: String,
    /// The key whose derived key made the fingerprints.
    pub key_id: KeyId,
    pub plain_fp: Vec<u8>,
    pub enc_fp: Vec<u8>,
    pub items: Vec<u8>,
}

impl Ledger {
    /// Opens the ledger at `path`, creating it (directory 0700, file 0600) and migrating
    /// its schema as needed.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::fsutil::create_dir_private(dir).map_err(|source| LedgerError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        crate::fsutil::ensure_private_file(path).map_err(|source| LedgerError::CreateFile {
            path: path.to_path_buf(),
            source,
        })?;
        Self::connect(path)
    }

    /// Opens the ledger at `path` if the file exists, without creating anything: for
    /// read-only callers (`status` in a pre-commit hook) in projects that never rotated.
    pub fn open_if_exists(path: &Path) -> Result<Option<Ledger>, LedgerError> {
        match path.try_exists() {
            Ok(true) => Self::connect(path).map(Some),
            Ok(false) => Ok(None),
            Err(source) => Err(LedgerError::Access {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    fn connect(path: &Path) -> Result<Ledger, LedgerError> {
        let open_err = |source| LedgerError::Open {
            path: path.to_path_buf(),
            source,
        };
        // No CREATE flag: `open` made the file with the right mode; SQLite would use 0644.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let mut conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
        conn.busy_handler(Some(busy_wait())).map_err(open_err)?;
        let ledger = Ledger {
            conn,
            path: path.to_path_buf(),
            actor: actor(),
        };
        ledger.configure()?;
        ledger.migrate()?;
        Ok(ledger)
    }

    /// The file this ledger lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&self) -> Result<(), LedgerError> {
        // Switching a fresh file to WAL takes a write lock; concurrent first opens can
        // see SQLITE_BUSY here despite the busy handler, so retry for the same budget.
        let deadline = Instant::now() + BUSY_TIMEOUT;
        loop {
            let mode = self
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0));
            match mode {
                Ok(_) => break,
                Err(e) if is_busy(&e) && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => return Err(self.classify(e, "switch to WAL mode", true)),
            }
        }
        self.conn
            .execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")
            .map_err(|e| self.classify(e, "configure the connection", true))
    }

    /// `(user_version, application_id, number of tables)`, read in one statement so all
    /// three come from one snapshot (a concurrent first open may be migrating the file).
    fn versions(&self) -> rusqlite::Result<(i64, i32, i64)> {
        self.conn.query_row(
            "SELECT (SELECT user_version FROM pragma_user_version),
                    (SELECT application_id FROM pragma_application_id),
                    (SELECT count(*) FROM sqlite_schema WHERE type = 'table')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
    }

    fn check_versions(
        &self,
        (version, app_id, tables): (i64, i32, i64),
    ) -> Result<(), LedgerError> {
        let foreign = if app_id == 0 {
            version == 0 && tables > 0
        } else {
            app_id != APPLICATION_ID
        };
        if foreign {
            return Err(LedgerError::NotALedger {
                path: self.path.clone(),
            });
        }
        if version > SCHEMA_VERSION {
            return Err(LedgerError::TooNew {
                path: self.path.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(())
    }

    fn migrate(&self) -> Result<(), LedgerError> {
        // Fast path without the write lock: a `status` must not queue behind a `rotate`.
        let seen = self
            .versions()
            .map_err(|e| self.classify(e, "read the schema version", true))?;
        self.check_versions(seen)?;
        if seen.0 == SCHEMA_VERSION {
            return Ok(());
        }
        let tx = self.write_tx("migrate the schema")?;
        // Another process may have migrated between the read above and the lock.
        let seen = self
            .versions()
            .map_err(|e| self.classify(e, "read the schema version", true))?;
        self.check_versions(seen)?;
        for (from, step) in MIGRATIONS.iter().enumerate().skip(seen.0 as usize) {
            tx.execute_batch(step)
                .and_then(|()| tx.pragma_update(None, "user_version", from as i64 + 1))
                .map_err(|e| self.classify(e, "migrate the schema", false))?;
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .and_then(|()| tx.commit())
            .map_err(|e| self.classify(e, "migrate the schema", false))
    }

    /// Begins an IMMEDIATE transaction. `new_unchecked` because the API takes `&self`:
    /// every transaction is opened and closed inside one method of this module, so they
    /// never nest.
    fn write_tx(&self, action: &'static str) -> Result<Transaction<'_>, LedgerError> {
        Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(|e| self.classify(e, action, false))
    }

    fn classify(&self, e: rusqlite::Error, action: &'static str, opening: bool) -> LedgerError {
        let path = self.path.clone();
        if is_busy(&e) {
            LedgerError::Busy { path }
        } else if let rusqlite::Error::FromSqlConversionFailure(..) = e {
            // A stored key id that is not one (FromSql of KeyId refused it).
            LedgerError::Corrupt {
                path,
                what: format!("value (while trying to {action})"),
            }
        } else if opening && e.sqlite_error_code() == Some(ErrorCode::NotADatabase) {
            LedgerError::Open { path, source: e }
        } else {
            LedgerError::Sql {
                path,
                action,
                source: e,
            }
        }
    }

    /// Records one event; returns its id.
    pub fn record_event(&self, e: &NewEvent) -> Result<i64, LedgerError> {
        let ids = self.record_events(std::slice::from_ref(e))?;
        Ok(ids[0])
    }

    /// Records several events in one transaction (one fsync, where one per event would
    /// cost a rotation of a thousand files seconds); returns their ids, in order.
    pub fn record_events(&self, events: &[NewEvent]) -> Result<Vec<i64>, LedgerError> {
        const ACTION: &str = "record an event";
        let err = |e| self.classify(e, ACTION, false);
        let tx = self.write_tx(ACTION)?;
        let mut ids = Vec::with_capacity(events.len());
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO events (at, operation, file, key_id, outcome, detail, actor,
                                         tool_version)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(err)?;
            let at = fmt_time(Utc::now());
            for e in events {
                insert
                    .execute(params![
                        at,
                        e.operation.as_str(),
                        e.file,
                        e.key_id,
                        e.outcome.as_str(),
                        e.detail,
                        self.actor,
                        TOOL_VERSION
                    ])
                    .map_err(err)?;
                ids.push(tx.last_insert_rowid());
            }
        }
        tx.commit().map_err(err)?;
        Ok(ids)
    }

    /// Records a new rotation with status `initiated`. Refused while `old_key_id` already
    /// has an unfinished rotation (checked under the write lock, so two concurrent
    /// `rotate` runs cannot both start).
    pub fn begin_rotation(&self, r: &NewRotation) -> Result<RotationId, LedgerError> {
        const ACTION: &str = "record the start of a rotation";
        let err = |e| self.classify(e, ACTION, false);
        let tx = self.write_tx(ACTION)?;
        let pending: Option<i64> = tx
            .query_row(SQL_PENDING_FOR_KEY, [&r.old_key_id], |row| row.get(0))
            .optional()
            .map_err(err)?;
        if let Some(id) = pending {
            return Err(LedgerError::RotationPending {
                path: self.path.clone(),
                id: RotationId(id),
                key_id: r.old_key_id.clone(),
            });
        }
        tx.execute(
            "INSERT INTO rotations (status, old_key_id, new_key_id, reason, new_key_location,
                                    started_at, actor, tool_version)
             VALUES ('initiated', ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                r.old_key_id,
                r.new_key_id,
                r.reason,
                r.new_key_location,
                fmt_time(Utc::now()),
                self.actor,
                TOOL_VERSION
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO rotation_files (rotation_id, position, path) VALUES (?1, ?2, ?3)",
                )
                .map_err(err)?;
            for (position, file) in r.files.iter().enumerate() {
                insert
                    .execute(params![id, position as i64, file])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(RotationId(id))
    }

    /// `initiated → in_progress`: files are about to be rewritten.
    pub fn set_in_progress(&self, id: RotationId) -> Result<(), LedgerError> {
        self.transition(id, RotationStatus::InProgress, None, None)
    }

    /// `in_progress → completed`, with the verification result (e.g. `"3/3 files verified"`).
    pub fn complete(&self, id: RotationId, verification: &str) -> Result<(), LedgerError> {
        self.transition(id, RotationStatus::Completed, Some(verification), None)
    }

    /// `initiated | in_progress → failed`, with a short reason kind (never data).
    pub fn fail(&self, id: RotationId, reason: &str) -> Result<(), LedgerError> {
        self.transition(id, RotationStatus::Failed, None, Some(reason))
    }

    /// `initiated | in_progress → rolled_back` (every file restored to the old key), with
    /// a short reason kind.
    pub fn roll_back(&self, id: RotationId, reason: &str) -> Result<(), LedgerError> {
        self.transition(id, RotationStatus::RolledBack, None, Some(reason))
    }

    /// Moves rotation `id` to `to` if allowed; end states get `finished_at` and
    /// `duration_ms`.
    pub fn set_status(
        &self,
        id: RotationId,
        to: RotationStatus,
        note: Option<&str>,
    ) -> Result<(), LedgerError> {
        match to {
            RotationStatus::Completed => self.transition(id, to, note, None),
            _ => self.transition(id, to, None, note),
        }
    }

    fn transition(
        &self,
        id: RotationId,
        to: RotationStatus,
        verification: Option<&str>,
        failure: Option<&str>,
    ) -> Result<(), LedgerError> {
        self.transition_with(id, to, verification, failure, &[])
    }

    /// [`Ledger::transition`], also recording `slot_events` (linked to the rotation) in the
    /// same transaction.
    fn transition_with(
        &self,
        id: RotationId,
        to: RotationStatus,
        verification: Option<&str>,
        failure: Option<&str>,
        slot_events: &[NewRecipientEvent],
    ) -> Result<(), LedgerError> {
        self.check_recipient_events(slot_events)?;
        const ACTION: &str = "update a rotation";
        let err = |e| self.classify(e, ACTION, false);
        let tx = self.write_tx(ACTION)?;
        let current: Option<(String, String)> = tx
            .query_row(
                "SELECT status, started_at FROM rotations WHERE id = ?1",
                [id.0],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(err)?;
        let Some((status, started)) = current else {
            return Err(LedgerError::UnknownRotation {
                path: self.path.clone(),
                id,
            });
        };
        let from = RotationStatus::parse(&status)
            .ok_or_else(|| self.corrupt(format!("status in rotation #{id}")))?;
        if !from.can_become(to) {
            return Err(LedgerError::InvalidTransition {
                path: self.path.clone(),
                id,
                from,
                to,
            });
        }
        if to.is_final() {
            let now = Utc::now();
            let started = parse_time(&started)
                .ok_or_else(|| self.corrupt(format!("started_at in rotation #{id}")))?;
            let duration = (now - started).num_milliseconds().max(0);
            tx.execute(
                "UPDATE rotations SET status = ?2, finished_at = ?3, duration_ms = ?4,
                        verification = ?5, failure_reason = ?6
                 WHERE id = ?1",
                params![
                    id.0,
                    to.as_str(),
                    fmt_time(now),
                    duration,
                    verification,
                    failure
                ],
            )
            .map_err(err)?;
        } else {
            tx.execute(
                "UPDATE rotations SET status = ?2 WHERE id = ?1",
                params![id.0, to.as_str()],
            )
            .map_err(err)?;
        }
        self.insert_recipient_events(&tx, Some(id), slot_events)
            .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Rotations still `initiated` or `in_progress`, oldest first: crashed or running.
    pub fn unfinished(&self) -> Result<Vec<Rotation>, LedgerError> {
        self.query_rotations("list unfinished rotations", SQL_UNFINISHED, [])
    }

    /// The `limit` most recent rotations, newest first.
    pub fn history(&self, limit: usize) -> Result<Vec<Rotation>, LedgerError> {
        self.query_rotations("list rotations", SQL_HISTORY, [sql_limit(limit)])
    }

    /// The most recently finished completed rotation; with `key_id`, the most recent one
    /// that rotated *to* that key (so its `finished_at` is the key's age).
    pub fn last_completed(&self, key_id: Option<&KeyId>) -> Result<Option<Rotation>, LedgerError> {
        const ACTION: &str = "find the last completed rotation";
        let found = match key_id {
            None => self.query_rotations(ACTION, SQL_LAST_COMPLETED, [])?,
            Some(key) => self.query_rotations(ACTION, SQL_LAST_COMPLETED_FOR_KEY, [key])?,
        };
        Ok(found.into_iter().next())
    }

    /// The completed rotation that moved `file` (a project-relative path, as recorded)
    /// away from `key_id`, unless a later completed rotation made that key current again:
    /// the file is back under a retired key (restored from a backup, an old branch, or
    /// rewritten by a command that raced the rotation). Files a rotation did not cover
    /// (a partial `rotate FILE`) are not reported.
    pub fn retired_by(&self, key_id: &KeyId, file: &str) -> Result<Option<Rotation>, LedgerError> {
        let found = self.query_rotations(
            "find the rotation that retired a key",
            SQL_RETIRED_BY,
            params![key_id, file],
        )?;
        Ok(found.into_iter().next())
    }

    /// The `limit` most recent events, newest first.
    pub fn events(&self, limit: usize) -> Result<Vec<Event>, LedgerError> {
        const ACTION: &str = "list events";
        let err = |e| self.classify(e, ACTION, false);
        let mut stmt = self.conn.prepare(SQL_EVENTS).map_err(err)?;
        let rows = stmt
            .query_map([sql_limit(limit)], |r| self.event_from_row(r))
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row.map_err(err)??);
        }
        Ok(out)
    }

    /// Number of recorded events.
    pub fn event_count(&self) -> Result<u64, LedgerError> {
        self.count("count events", "SELECT count(*) FROM events")
    }

    /// Number of recorded rotations, in any state.
    pub fn rotation_count(&self) -> Result<u64, LedgerError> {
        self.count("count rotations", "SELECT count(*) FROM rotations")
    }

    /// Records the last sync of a plaintext/encrypted pair (replacing the previous one).
    /// Only fingerprints are stored: `key_id` is a [`KeyId`], and the other
    /// fields are opaque keyed fingerprints made by `crate::sync`.
    pub fn record_sync(&self, r: &SyncRecord) -> Result<(), LedgerError> {
        const ACTION: &str = "record a sync";
        let err = |e| self.classify(e, ACTION, false);
        let tx = self.write_tx(ACTION)?;
        tx.execute(
            "INSERT OR REPLACE INTO sync_pairs
                 (plaintext, encrypted, key_id, plain_fp, enc_fp, items, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                r.plaintext,
                r.encrypted,
                r.key_id,
                r.plain_fp,
                r.enc_fp,
                r.items,
                fmt_time(Utc::now())
            ],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// The last sync recorded for a pair, if any.
    pub fn sync_record(
        &self,
        plaintext: &str,
        encrypted: &str,
    ) -> Result<Option<SyncRecord>, LedgerError> {
        self.conn
            .query_row(
                "SELECT plaintext, encrypted, key_id, plain_fp, enc_fp, items FROM sync_pairs
                 WHERE plaintext = ?1 AND encrypted = ?2",
                params![plaintext, encrypted],
                |r| {
                    Ok(SyncRecord {
                        plaintext: r.get(0)?,
                        encrypted: r.get(1)?,
                        key_id: r.get(2)?,
                        plain_fp: r.get(3)?,
                        enc_fp: r.get(4)?,
                        items: r.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.classify(e, "read a sync record", false))
    }

    fn count(&self, action: &'static str, sql: &str) -> Result<u64, LedgerError> {
        self.conn
            .query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(|e| self.classify(e, action, false))
    }

    fn query_rotations<P: rusqlite::Params>(
        &self,
        action: &'static str,
        sql: &str,
        params: P,
    ) -> Result<Vec<Rotation>, LedgerError> {
        let err = |e| self.classify(e, action, false);
        // One read transaction: the rotations and their file lists come from one snapshot.
        let tx = self.conn.unchecked_transaction().map_err(err)?;
        let mut rotations = Vec::new();
        {
            let mut stmt = tx.prepare(sql).map_err(err)?;
            let rows = stmt
                .query_map(params, |r| self.rotation_from_row(r))
                .map_err(err)?;
            for row in rows {
                rotations.push(row.map_err(err)??);
            }
            let mut files = tx.prepare(SQL_ROTATION_FILES).map_err(err)?;
            for rotation in &mut rotations {
                rotation.files = files
                    .query_map([rotation.id.0], |r| r.get(0))
                    .and_then(|rows| rows.collect::<rusqlite::Result<Vec<String>>>())
                    .map_err(err)?;
            }
        }
        tx.finish().map_err(err)?;
        Ok(rotations)
    }

    fn corrupt(&self, what: String) -> LedgerError {
        LedgerError::Corrupt {
            path: self.path.clone(),
            what,
        }
    }

    /// Maps a row; the outer `Result` is SQLite's, the inner one ours (unknown status text,
    /// bad timestamp).
    fn rotation_from_row(&self, r: &Row<'_>) -> rusqlite::Result<Result<Rotation, LedgerError>> {
        let id = RotationId(r.get(0)?);
        let status: String = r.get(1)?;
        let started: String = r.get(6)?;
        let finished: Option<String> = r.get(7)?;
        let Some(status) = RotationStatus::parse(&status) else {
            return Ok(Err(self.corrupt(format!("status in rotation #{id}"))));
        };
        let Some(started_at) = parse_time(&started) else {
            return Ok(Err(self.corrupt(format!("started_at in rotation #{id}"))));
        };
        let finished_at = match finished.as_deref().map(parse_time) {
            None => None,
            Some(Some(t)) => Some(t),
            Some(None) => return Ok(Err(self.corrupt(format!("finished_at in rotation #{id}")))),
        };
        Ok(Ok(Rotation {
            id,
            status,
            old_key_id: r.get(2)?,
            new_key_id: r.get(3)?,
            reason: r.get(4)?,
            new_key_location: r.get(5)?,
            started_at,
            finished_at,
            duration_ms: r.get(8)?,
            verification: r.get(9)?,
            failure_reason: r.get(10)?,
            actor: r.get(11)?,
            tool_version: r.get(12)?,
            files: Vec::new(),
        }))
    }

    fn event_from_row(&self, r: &Row<'_>) -> rusqlite::Result<Result<Event, LedgerError>> {
        let id: i64 = r.get(0)?;
        let at: String = r.get(1)?;
        let operation: String = r.get(2)?;
        let outcome: String = r.get(5)?;
        let (Some(at), Some(operation), Some(outcome)) = (
            parse_time(&at),
            Operation::parse(&operation),
            Outcome::parse(&outcome),
        ) else {
            return Ok(Err(self.corrupt(format!("event #{id}"))));
        };
        Ok(Ok(Event {
            id,
            at,
            operation,
            file: r.get(3)?,
            key_id: r.get(4)?,
            outcome,
            detail: r.get(6)?,
            actor: r.get(7)?,
            tool_version: r.get(8)?,
        }))
    }
}

/// The busy handler: retry every few milliseconds until [`BUSY_TIMEOUT`] has passed for
/// this lock. SQLite's own `busy_timeout` backs off to 100 ms between tries, so under a
/// stream of short write transactions a waiting process can lose every race and time out
/// while others keep committing; polling often keeps the wait fair enough.
fn busy_wait() -> impl FnMut(i32) -> bool + Send + 'static {
    let mut since = Instant::now();
    move |tries| {
        if tries == 0 {
            since = Instant::now();
        }
        if since.elapsed() >= BUSY_TIMEOUT {
            return false;
        }
        std::thread::sleep(Duration::from_millis(if tries < 10 { 1 } else { 3 }));
        true
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn ser_time<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&fmt_time(*t))
}

fn ser_opt_time<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => ser_time(t, s),
        None => s.serialize_none(),
    }
}

/// `user@host`, from the environment and the kernel's hostname; `unknown` for a part that
/// cannot be found. Only std: no extra dependency for one string.
fn actor() -> String {
    let user = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .filter_map(std::env::var_os)
        .map(|v| v.to_string_lossy().trim().to_string())
        .find(|v| !v.is_empty())
        .or_else(uid_name)
        .unwrap_or_else(|| "unknown".to_string());
    format!("{user}@{}", hostname())
}

/// The name of the process's uid when `$USER` and friends are unset (cron, containers,
/// `env -i`): from /etc/passwd, else `uid<N>`. The uid is the owner of `/proc/self`.
fn uid_name() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let by_name = passwd.lines().find_map(|line| {
        let mut f = line.split(':');
        let name = f.next()?;
        let _password = f.next()?;
        (f.next()?.parse::<u32>().ok()? == uid && !name.is_empty()).then(|| name.to_owned())
    });
    Some(by_name.unwrap_or_else(|| format!("uid{uid}")))
}

fn hostname() -> String {
    let from_file = |p: &str| std::fs::read_to_string(p).ok();
    let from_env = || std::env::var_os("HOSTNAME").map(|v| v.to_string_lossy().into_owned());
    // `uname -n` only as the last resort (macOS, BSD): it costs a process.
    let from_uname = || {
        std::process::Command::new("uname")
            .arg("-n")
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    from_file("/proc/sys/kernel/hostname")
        .or_else(|| from_file("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| {
            from_env()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
        })
        .or_else(|| {
            from_uname()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod recipient_tests;
