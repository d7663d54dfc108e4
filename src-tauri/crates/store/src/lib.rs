//! The local ledger: a SQLite file on the owner's disk.
//!
//! One [`LedgerStore`] holds one connection pool for one ledger file. It is
//! opened once, at start, and shared. Migrations (in `migrations/` at the
//! repository root, append-only) run when it opens.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, SqlitePool};

/// A statement slower than this is logged as a slow query.
pub const SLOW_STATEMENT: Duration = Duration::from_millis(100);

pub mod integrity;
mod settings;

pub use integrity::{check_file, Integrity};
pub use sqlx::Error as SqlxError;

/// The migrations compiled into this build.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../../migrations");

/// Why the ledger could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("could not open the ledger at {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: sqlx::Error,
    },
    #[error("could not bring the ledger's schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("ledger query failed: {0}")]
    Query(#[from] sqlx::Error),
}

/// The ledger file and its connection pool.
#[derive(Debug, Clone)]
pub struct LedgerStore {
    pool: SqlitePool,
    path: PathBuf,
}

impl LedgerStore {
    /// Opens (creating if needed) the ledger at `path` and runs any pending migrations.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(open_err)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Statements slower than 100 ms are logged (as SQL text, never with values).
            .log_slow_statements(log::LevelFilter::Warn, SLOW_STATEMENT)
            .log_statements(log::LevelFilter::Trace);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(open_err)?;
        MIGRATOR.run(&pool).await?;
        tracing::info!(path = %path.display(), "ledger opened");
        Ok(LedgerStore {
            pool,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The version of the newest migration applied to this file.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok(version.unwrap_or(0))
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(self) {
        self.pool.close().await;
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
        assert!(latest_schema_version() >= 1);

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
