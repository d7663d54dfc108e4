//! Is the ledger file healthy? A read-only check that never migrates or writes.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::{LedgerStore, StoreError};

/// The outcome of `PRAGMA quick_check`: `Ok` or the problems SQLite listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integrity {
    Ok,
    Damaged(Vec<String>),
}

impl LedgerStore {
    /// Opens an existing ledger read-only, without migrating: for looking at a
    /// file that may be damaged or from another version.
    pub async fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(open_err)?
            .filename(path)
            .read_only(true)
            .busy_timeout(Duration::from_secs(2));
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(open_err)?;
        Ok(LedgerStore::over(pool, path))
    }

    /// Runs SQLite's quick integrity check on the open ledger.
    pub async fn quick_check(&self) -> Result<Integrity, StoreError> {
        let _timer = self.timed("quick_check");
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA quick_check")
            .fetch_all(self.pool())
            .await?;
        Ok(interpret(rows))
    }
}

/// Opens `path` read-only, without migrating, and runs the quick check. For a
/// file the app could not open normally (the health check, `doctor`).
pub async fn check_file(path: &Path) -> Result<Integrity, StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    let mut conn = SqliteConnectOptions::from_str("sqlite://")
        .map_err(open_err)?
        .filename(path)
        .read_only(true)
        .busy_timeout(Duration::from_secs(2))
        .connect()
        .await
        .map_err(open_err)?;
    let rows: Vec<String> = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_all(&mut conn)
        .await?;
    let _ = conn.close().await;
    Ok(interpret(rows))
}

fn interpret(rows: Vec<String>) -> Integrity {
    if rows.len() == 1 && rows[0] == "ok" {
        Integrity::Ok
    } else {
        Integrity::Damaged(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_fresh_ledger_passes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.sqlite");
        let store = LedgerStore::open(&path).await.unwrap();
        assert_eq!(store.quick_check().await.unwrap(), Integrity::Ok);
        store.close().await;
        assert_eq!(check_file(&path).await.unwrap(), Integrity::Ok);
    }

    #[tokio::test]
    async fn a_file_of_garbage_is_an_error_not_a_pass() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.sqlite");
        std::fs::write(&path, vec![0x5a_u8; 8192]).unwrap();
        assert!(check_file(&path).await.is_err());
        // The check did not change the file.
        assert_eq!(std::fs::read(&path).unwrap(), vec![0x5a_u8; 8192]);
    }
}
