//! Why a ledger operation failed: typed, so that each front can say what to do.

use std::path::PathBuf;

use ledgerkeep_domain::EntityError;

/// Why the ledger could not be opened, read or written. No variant means the
/// file was changed: every failing operation leaves it as it was.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("could not open the ledger at {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: sqlx::Error,
    },
    /// The file exists but is not a Ledgerkeep ledger (another SQLite database,
    /// or not SQLite at all). It is left untouched.
    #[error("{path} is not a Ledgerkeep ledger")]
    NotALedger { path: PathBuf },
    /// The file is a damaged SQLite database.
    #[error("the ledger file is damaged: {detail}")]
    Corrupt { detail: String },
    /// Another process holds the database's lock past the busy timeout.
    #[error("the ledger is locked by another program")]
    Locked,
    /// Another Ledgerkeep process holds the ledger's writer lock (see
    /// [`crate::lock`]); `by` names it ("Ledgerkeep (the app, pid 1234)").
    #[error("{by} has the ledger open")]
    InUse { by: String },
    /// The disk (or the file's size limit) is full; the transaction was rolled back.
    #[error("the disk is full; nothing was written")]
    DiskFull,
    /// The file was written by a newer Ledgerkeep; this build refuses to touch it.
    #[error("the ledger's schema version {found} is newer than this build knows ({supported})")]
    NewerSchema { found: i64, supported: i64 },
    #[error("could not bring the ledger's schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A backup could not be made, or failed its check.
    #[error("backup failed: {0}")]
    Backup(String),
    /// A backup offered for restore is damaged or is not a ledger; nothing was replaced.
    #[error("the backup {path} cannot be restored: {detail}")]
    BackupDamaged { path: PathBuf, detail: String },
    #[error("file operation on {path} failed: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A Xero record could not be read.
    #[error(transparent)]
    Entity(#[from] EntityError),
    /// A value in the ledger is not what its column promises.
    #[error("the ledger holds an unreadable value: {0}")]
    Data(String),
    /// A value could not be read from (or written as) its form in the
    /// ledger: an amount, a JSON column, a cursor. `source` is the parser's
    /// own error.
    #[error("the ledger could not read {what}: {source}")]
    Value {
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The request itself is wrong (an unknown table, a bad cursor).
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("ledger query failed: {0}")]
    Query(sqlx::Error),
}

impl StoreError {
    /// Wraps a parser's error (an amount, JSON) naming what was being read:
    /// `.map_err(StoreError::value("an amount"))`.
    pub fn value<E: std::error::Error + Send + Sync + 'static>(
        what: &'static str,
    ) -> impl FnOnce(E) -> StoreError {
        move |e| StoreError::Value {
            what,
            source: Box::new(e),
        }
    }
}

// SQLite's primary result codes that have their own variant.
const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;
const SQLITE_CORRUPT: i64 = 11;
const SQLITE_FULL: i64 = 13;
const SQLITE_NOTADB: i64 = 26;

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        classify(err)
    }
}

/// Gives the SQLite errors that the owner can act on their own variant.
pub(crate) fn classify(err: sqlx::Error) -> StoreError {
    let code = match &err {
        sqlx::Error::Database(db) => db.code().and_then(|c| c.parse::<i64>().ok()),
        _ => None,
    };
    match code.map(|c| c & 0xff) {
        Some(SQLITE_BUSY) | Some(SQLITE_LOCKED) => StoreError::Locked,
        Some(SQLITE_FULL) => StoreError::DiskFull,
        Some(SQLITE_CORRUPT) | Some(SQLITE_NOTADB) => StoreError::Corrupt {
            detail: err.to_string(),
        },
        _ => {
            if let sqlx::Error::PoolTimedOut = err {
                return StoreError::Locked;
            }
            StoreError::Query(err)
        }
    }
}

pub(crate) fn io_err(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| {
        if source.raw_os_error() == Some(28) {
            // ENOSPC
            return StoreError::DiskFull;
        }
        StoreError::Io {
            path: path.to_owned(),
            source,
        }
    }
}
