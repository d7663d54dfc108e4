//! The local ledger: a SQLite file on the owner's disk, exact to the cent.
//!
//! One [`LedgerStore`] holds one connection pool for one ledger file (WAL,
//! `synchronous=NORMAL`, foreign keys, busy and acquire timeouts). It is
//! opened once, at start, and shared. Opening checks the file before touching
//! it ([`StoreError::NotALedger`], [`StoreError::Corrupt`],
//! [`StoreError::Locked`], [`StoreError::NewerSchema`]), backs it up if a
//! migration is pending, then runs the migrations (in `migrations/` at the
//! repository root, append-only).
//!
//! Writes of Xero data go through [`LedgerStore::apply_page`] (one page, one
//! transaction, with its audit rows); reads through [`query`].

pub mod aged;
pub mod anomalies;
pub mod apply;
pub mod attachments;
pub mod audit;
pub mod audit_subjects;
pub mod backup;
pub mod budgets;
pub mod cash_basis;
pub mod catalog;
pub mod close;
pub mod close_checks;
pub mod contacts;
pub mod dashboard;
pub mod document_kinds;
mod error;
pub mod find;
pub mod general_ledger;
pub mod lock;
pub mod not_visible;
pub mod outbox;
pub mod query;
pub mod records;
pub mod reports;
pub mod rows;
mod search_totals;
pub mod settings;
pub mod sync_state;
pub mod tax;
pub mod tax_returns;
pub mod tracking;
pub mod xero_history;
pub mod xero_reports;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ledgerkeep_obs::Metrics;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqliteConnection, SqlitePool};

/// A statement slower than this is logged as a slow query (with its SQL text,
/// never its values); a named query slower than this is also counted as slow
/// in the metrics.
pub const SLOW_STATEMENT: Duration = ledgerkeep_obs::metrics::SLOW_QUERY;

pub mod integrity;
mod orgs;

pub use orgs::OrganisationRow;

pub use anomalies::{
    AnomalyConfig, AnomalyRule, DetectionOutcome, DismissOutcome, Dismissal, Finding, FindingFacts,
    Found, RecordLink, RecordRef, StoredFinding, WordedFinding,
};
pub use apply::PageOutcome;
pub use audit::{
    AuditEntry, AuditFilter, AuditPage, BreakKind, ChainBreak, ContactOf, VerifyReport,
};
pub use audit_subjects::{AuditKey, AuditSubject};
pub use backup::{BackupInfo, RestoreOutcome};
pub use error::StoreError;
pub use integrity::{check_file, Integrity};
pub use lock::{Front, Holder, LedgerLock};
pub use outbox::{
    CancelOutcome, ItemResult, OutboxFieldError, OutboxPayment, OutboxStatus, PaymentAccount,
    PaymentBatch, QueueOutcome,
};
pub use rows::StoredEntity;
pub use sqlx::Error as SqlxError;
pub use sync_state::SyncRunRow;
pub use xero_reports::{StoredXeroReport, XeroReportInfo};

/// The migrations compiled into this build.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../../migrations");

/// The first 16 bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// How to open a ledger. `Default` is what the app uses.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// How long a statement waits for another process's lock before failing with
    /// [`StoreError::Locked`].
    pub busy_timeout: Duration,
    /// Where the backup taken before a migration goes (default: `backups/`
    /// beside the ledger file).
    pub backup_dir: Option<PathBuf>,
    /// The time used to name that backup.
    pub now: Option<DateTime<Utc>>,
    /// A cap on the file's size in pages (tests use it to simulate a full disk).
    pub max_page_count: Option<u64>,
    /// Whether the store holds the ledger's writer lock ([`lock`]) from open
    /// to close. `None`: as this process's front does (the app holds it, the
    /// command line takes it per command).
    pub hold_writer_lock: Option<bool>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            busy_timeout: Duration::from_secs(5),
            backup_dir: None,
            now: None,
            max_page_count: None,
            hold_writer_lock: None,
        }
    }
}

/// Gathers the query planner's statistics for every table and index again,
/// reading at most 1,000 rows of each (`analysis_limit`).
pub(crate) async fn refresh_statistics(pool: &SqlitePool) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await?;
    sqlx::query("PRAGMA analysis_limit = 1000")
        .execute(&mut *conn)
        .await?;
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
    sqlx::query("PRAGMA analysis_limit = 0")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The ledger file and its connection pool.
#[derive(Debug, Clone)]
pub struct LedgerStore {
    pool: SqlitePool,
    path: PathBuf,
    /// Where each named query's duration is counted, when the app gave one.
    metrics: Option<Arc<Metrics>>,
    /// The copies that text searches' totals are summed from.
    search_totals: Arc<search_totals::SearchTotals>,
    /// The copies of each organisation's file names that the palette matches.
    attachment_names: Arc<find::AttachmentNameCopies>,
    /// The writer lock, when this store holds it from open to close.
    writer_lock: Arc<parking_lot::Mutex<Option<LedgerLock>>>,
    /// Where the audit chain's head is anchored outside the file, when the
    /// front gave one: moved after every commit that extends the chain.
    audit_anchor: Option<Arc<audit::ChainAnchor>>,
}

/// Times one named query from its creation to its drop (an early return or a
/// cancelled future included) and counts it in the store's metrics.
#[derive(Debug)]
#[must_use = "the query is timed until this is dropped"]
pub(crate) struct QueryTimer<'a> {
    metrics: Option<&'a Metrics>,
    name: &'static str,
    started: Instant,
}

impl Drop for QueryTimer<'_> {
    fn drop(&mut self) {
        if let Some(m) = self.metrics {
            m.record_query(self.name, self.started.elapsed());
        }
    }
}

/// What the pre-open check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileState {
    /// The newest migration applied, `None` for a new or empty file.
    pub applied: Option<i64>,
}

/// Reads `path` without writing to it, and refuses what is not a ledger this
/// build can open.
pub(crate) async fn inspect_file(path: &Path, busy: Duration) -> Result<FileState, StoreError> {
    let len = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(FileState { applied: None })
        }
        Err(e) => return Err(error::io_err(path)(e)),
    };
    if len == 0 {
        return Ok(FileState { applied: None });
    }
    let mut head = [0u8; 16];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(error::io_err(path))?;
        let n = f.read(&mut head).map_err(error::io_err(path))?;
        if n < 16 || &head != SQLITE_MAGIC {
            return Err(StoreError::NotALedger {
                path: path.to_owned(),
            });
        }
    }
    let mut conn = read_only(path, busy).await?;
    let result = inspect_conn(&mut conn, path).await;
    let _ = conn.close().await;
    result
}

async fn inspect_conn(conn: &mut SqliteConnection, path: &Path) -> Result<FileState, StoreError> {
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut *conn)
            .await?;
    if tables.is_empty() {
        return Ok(FileState { applied: None });
    }
    if !tables.iter().any(|t| t == "_sqlx_migrations") {
        return Err(StoreError::NotALedger {
            path: path.to_owned(),
        });
    }
    let applied: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
            .fetch_one(&mut *conn)
            .await?;
    let supported = latest_schema_version();
    if let Some(found) = applied {
        if found > supported {
            return Err(StoreError::NewerSchema { found, supported });
        }
    }
    // Reading the schema above already fails on a damaged first page. A full
    // `integrity_check` reads every page (seconds on a large ledger), so it
    // runs on backups, before a restore and in the health check, not at start.
    Ok(FileState { applied })
}

/// A single read-only connection that changes nothing in the file (no
/// journal-mode switch, no migrations).
pub(crate) async fn read_only(path: &Path, busy: Duration) -> Result<SqliteConnection, StoreError> {
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .busy_timeout(busy)
        .connect()
        .await
        .map_err(error::classify)
}

impl LedgerStore {
    /// Opens (creating if needed) the ledger at `path` and runs any pending migrations.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, OpenOptions::default()).await
    }

    /// [`LedgerStore::open`] with explicit options.
    ///
    /// The app holds the ledger's writer lock from here to [`close`](Self::close)
    /// (refused with [`StoreError::InUse`] while another process holds it);
    /// a store that does not hold it still takes it for a pending migration.
    pub async fn open_with(path: &Path, opts: OpenOptions) -> Result<Self, StoreError> {
        let hold = opts
            .hold_writer_lock
            .unwrap_or_else(|| lock::front().holds_ledger_while_open());
        let mut writer_lock = if hold {
            Some(LedgerLock::try_acquire(path)?)
        } else {
            None
        };
        if backup::restore_marker(path).exists() {
            // A restore that did not finish: tidied up by whoever can take the
            // writer lock (not while the restore itself still runs).
            match LedgerLock::try_acquire(path) {
                Ok(_lock) => backup::recover_interrupted_restore(path)?,
                Err(StoreError::InUse { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let state = inspect_file(path, opts.busy_timeout).await?;
        let latest = latest_schema_version();
        // A migration writes the ledger: never under another process's writer.
        let _migrating = match state.applied {
            Some(applied) if applied < latest && writer_lock.is_none() => {
                Some(LedgerLock::try_acquire(path)?)
            }
            None if writer_lock.is_none() => Some(LedgerLock::try_acquire(path)?),
            _ => None,
        };
        if let Some(applied) = state.applied {
            if applied < latest {
                let dir = opts
                    .backup_dir
                    .clone()
                    .unwrap_or_else(|| backup::default_dir(path));
                let now = opts.now.unwrap_or_else(Utc::now);
                let info = backup::backup_file(
                    path,
                    &dir,
                    &format!("pre-migration-v{applied}"),
                    now,
                    opts.busy_timeout,
                )
                .await?;
                tracing::info!(backup = %info.path.display(), from = applied, to = latest, "backed up the ledger before migrating");
            }
        }

        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let mut options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(open_err)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(opts.busy_timeout)
            // Statements slower than 100 ms are logged (as SQL text, never with values).
            .log_slow_statements(log::LevelFilter::Warn, SLOW_STATEMENT)
            .log_statements(log::LevelFilter::Trace)
            // 20 MB of page cache per connection (the default is 2 MB): the
            // indexes of a large ledger stay in memory. No mmap: an I/O error
            // on a mapped page is a crash, not an error.
            .pragma("cache_size", "-20000")
            .pragma("temp_store", "memory")
            // Checkpoint the WAL every 10,000 pages (40 MB) rather than every
            // 1,000: a page of 1,000 records writes about 4 MB, so the default
            // checkpointed (and fsynced the file) after nearly every page, and
            // an index page touched by several pages was copied back each time.
            // `close` still checkpoints and truncates the WAL.
            .pragma("wal_autocheckpoint", "10000");
        if let Some(pages) = opts.max_page_count {
            options = options.pragma("max_page_count", pages.to_string());
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(opts.busy_timeout + Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(|e| match error::classify(e) {
                StoreError::Query(source) => open_err(source),
                other => other,
            })?;
        if let Err(e) = MIGRATOR.run(&pool).await {
            pool.close().await;
            return Err(match e {
                sqlx::migrate::MigrateError::Execute(inner) => match error::classify(inner) {
                    StoreError::Query(q) => {
                        StoreError::Migrate(sqlx::migrate::MigrateError::Execute(q))
                    }
                    other => other,
                },
                other => StoreError::Migrate(other),
            });
        }
        if state.applied.is_some_and(|applied| applied < latest) {
            // A migration that added indexes left the planner without their
            // statistics: until they were gathered, it took an index it
            // guessed narrow (a search at 1M documents took 64 ms, not 2 ms,
            // and a word of the line text seconds). ANALYZE reads at most
            // 1,000 rows of each index: milliseconds at any size.
            refresh_statistics(&pool).await?;
        }
        tracing::info!(path = %path.display(), writer = writer_lock.is_some(), "ledger opened");
        let store = LedgerStore::over(pool, path);
        *store.writer_lock.lock() = writer_lock.take();
        Ok(store)
    }

    /// The store over an open pool on the file at `path`.
    pub(crate) fn over(pool: SqlitePool, path: &Path) -> LedgerStore {
        LedgerStore {
            pool,
            path: path.to_owned(),
            metrics: None,
            search_totals: Arc::default(),
            attachment_names: Arc::default(),
            writer_lock: Arc::default(),
            audit_anchor: None,
        }
    }

    /// The ledger's writer lock for one piece of work (a sync, a send of the
    /// outbox): the store's own handle when it holds it, else taken now, or
    /// refused with [`StoreError::InUse`] naming the process that holds it.
    pub fn writer_lock(&self) -> Result<LedgerLock, StoreError> {
        if let Some(l) = self.writer_lock.lock().as_ref() {
            return Ok(l.clone());
        }
        LedgerLock::try_acquire(&self.path)
    }

    /// Whether this store holds the writer lock from open to close.
    pub fn holds_writer_lock(&self) -> bool {
        self.writer_lock.lock().is_some()
    }

    /// The same ledger, counting each named query's duration (and the slow
    /// ones, over 100 ms) in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// The same ledger, moving `anchor` to the audit chain's new head after
    /// every commit that extends the chain.
    pub fn with_audit_anchor(mut self, anchor: Arc<audit::ChainAnchor>) -> Self {
        self.audit_anchor = Some(anchor);
        self
    }

    /// Right after a COMMIT that appended to the audit chain: moves the
    /// attached anchor, if any, to the new head. Never fails (an anchor that
    /// cannot be written is logged and tried again after the next commit).
    pub(crate) async fn after_audited_commit(&self) {
        if let Some(anchor) = &self.audit_anchor {
            self.anchor_audit_head(anchor).await;
        }
    }

    /// Starts timing the query `name`; counted when the timer is dropped.
    pub(crate) fn timed(&self, name: &'static str) -> QueryTimer<'_> {
        QueryTimer {
            metrics: self.metrics.as_deref(),
            name,
            started: Instant::now(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The version of the newest migration applied to this file.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let _timer = self.timed("schema_version");
        let version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok(version.unwrap_or(0))
    }

    /// Walks the whole audit chain; see [`audit::verify`].
    pub async fn verify_audit(&self) -> Result<VerifyReport, StoreError> {
        let _timer = self.timed("verify_audit");
        let mut conn = self.pool.acquire().await?;
        audit::verify(&mut conn).await
    }

    /// A record's audit history, oldest first.
    pub async fn record_history(
        &self,
        table: &str,
        tenant_id: &str,
        record_id: &str,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let _timer = self.timed("record_history");
        let mut conn = self.pool.acquire().await?;
        audit::history(&mut conn, table, tenant_id, record_id).await
    }

    /// One page of the audit log, newest first; see [`audit::page`].
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        after: Option<&str>,
        limit: u32,
    ) -> Result<AuditPage, StoreError> {
        let _timer = self.timed("audit_page");
        let mut conn = self.pool.acquire().await?;
        audit::page(&mut conn, filter, after, limit).await
    }

    /// `PRAGMA integrity_check` on the open ledger.
    pub async fn integrity_check(&self) -> Result<(), StoreError> {
        let _timer = self.timed("integrity_check");
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        if rows.len() == 1 && rows[0] == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt {
                detail: rows.join("; "),
            })
        }
    }

    /// Checkpoints the WAL into the main file, then closes the pool.
    pub async fn close(self) {
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
        {
            tracing::warn!(error = %e, "could not checkpoint the ledger's WAL on close");
        }
        self.pool.close().await;
        // Released once the pool is closed, whatever clones of the store remain.
        drop(self.writer_lock.lock().take());
    }
}

/// The newest schema version this build knows.
pub fn latest_schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opening_a_new_file_applies_every_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let store = LedgerStore::open(&path).await.unwrap();
        assert!(path.exists());
        assert_eq!(
            store.schema_version().await.unwrap(),
            latest_schema_version()
        );
        assert!(latest_schema_version() >= 2);

        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(fk, 1);
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(sync, 1, "NORMAL");
        store.close().await;
    }

    #[tokio::test]
    async fn each_named_query_is_timed_into_the_metrics() {
        let dir = tempfile::tempdir().unwrap();
        let metrics = Arc::new(Metrics::new(ledgerkeep_obs::SystemClock::shared(), None));
        let store = LedgerStore::open(&dir.path().join("ledger.sqlite"))
            .await
            .unwrap()
            .with_metrics(Arc::clone(&metrics));
        store.settings().await.unwrap();
        store.settings().await.unwrap();
        store.schema_version().await.unwrap();
        store.setting("nothing.here").await.unwrap();
        let s = metrics.snapshot();
        let calls = |name: &str| {
            s.queries
                .iter()
                .find(|q| q.name == name)
                .map(|q| q.calls)
                .unwrap_or(0)
        };
        assert_eq!(calls("settings"), 2, "{:?}", s.queries);
        assert_eq!(calls("schema_version"), 1);
        assert_eq!(calls("setting"), 1);
        assert_eq!(s.db_queries, 4);
        assert!(s.queries.iter().all(|q| q.max_us >= 1 && q.slow <= q.calls));

        // A clone shares the metrics; a store opened without them counts nothing.
        store.clone().settings().await.unwrap();
        assert_eq!(metrics.snapshot().db_queries, 5);
        let plain = LedgerStore::open(&dir.path().join("other.sqlite"))
            .await
            .unwrap();
        plain.settings().await.unwrap();
        assert_eq!(metrics.snapshot().db_queries, 5);
        plain.close().await;
        store.close().await;
    }

    #[tokio::test]
    async fn reopening_keeps_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let store = LedgerStore::open(&path).await.unwrap();
        sqlx::query("INSERT INTO settings (key, value) VALUES ('theme', 'dark')")
            .execute(store.pool())
            .await
            .unwrap();
        store.close().await;

        let store = LedgerStore::open(&path).await.unwrap();
        let theme: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'theme'")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(theme, "dark");
    }
}
