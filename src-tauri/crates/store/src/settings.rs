//! Ledgerkeep's own settings (JSON values by key), the sync streams' state and
//! the sync-run log, with their retention.

use chrono::{DateTime, Utc};
use ledgerkeep_domain::{format_instant, EntityKind};
use serde::Serialize;
use sqlx::Row;

use crate::{LedgerStore, StoreError};

/// How many backups to keep (setting `backup.keep`).
pub const BACKUP_KEEP: (&str, i64) = ("backup.keep", 10);
/// Hours between scheduled backups (setting `backup.every_hours`).
pub const BACKUP_EVERY_HOURS: (&str, i64) = ("backup.every_hours", 24);
/// Minutes between an organisation's scheduled syncs (setting `sync.interval_minutes`;
/// read when the scheduler starts).
pub const SYNC_INTERVAL_MINUTES: (&str, i64) = ("sync.interval_minutes", 15);
/// Days of sync-run log to keep (setting `sync_runs.keep_days`). The audit trail is never pruned.
pub const SYNC_RUNS_KEEP_DAYS: (&str, i64) = ("sync_runs.keep_days", 90);

/// A stream's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamState {
    pub tenant_id: String,
    pub stream: String,
    pub watermark_utc: Option<String>,
    pub last_full_sweep_utc: Option<String>,
    pub status: String,
    pub last_error: Option<String>,
}

impl LedgerStore {
    /// Every setting, by key.
    pub async fn settings(&self) -> Result<Vec<(String, String)>, StoreError> {
        let _timer = self.timed("settings");
        Ok(
            sqlx::query_as("SELECT key, value FROM settings ORDER BY key")
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// One setting's JSON text, if set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let _timer = self.timed("setting");
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
                .bind(key)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// An integer setting, or its default.
    pub async fn setting_i64(&self, (key, default): (&str, i64)) -> Result<i64, StoreError> {
        let _timer = self.timed("setting_i64");
        let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(self.pool())
            .await?;
        Ok(v.and_then(|t| t.trim().parse::<i64>().ok())
            .unwrap_or(default))
    }

    /// Sets a setting to a JSON value (its text).
    pub async fn set_setting(
        &self,
        key: &str,
        json_value: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _timer = self.timed("set_setting");
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(json_value)
        .bind(format_instant(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Sets a stream's status (`idle`, `syncing`, `error`...) and last error.
    pub async fn set_stream_status(
        &self,
        tenant_id: &str,
        kind: EntityKind,
        status: &str,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _timer = self.timed("set_stream_status");
        sqlx::query(
            "INSERT INTO sync_streams (tenant_id, stream, status, last_error, updated_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (tenant_id, stream) DO UPDATE SET status = excluded.status, \
             last_error = excluded.last_error, updated_at = excluded.updated_at",
        )
        .bind(tenant_id)
        .bind(kind.stream())
        .bind(status)
        .bind(error)
        .bind(format_instant(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records that a full sweep of the stream finished at `now`.
    pub async fn mark_full_sweep(
        &self,
        tenant_id: &str,
        kind: EntityKind,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _timer = self.timed("mark_full_sweep");
        let at = format_instant(now);
        sqlx::query(
            "INSERT INTO sync_streams (tenant_id, stream, last_full_sweep_utc, updated_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (tenant_id, stream) DO UPDATE SET last_full_sweep_utc = excluded.last_full_sweep_utc, \
             updated_at = excluded.updated_at",
        )
        .bind(tenant_id)
        .bind(kind.stream())
        .bind(&at)
        .bind(&at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Every stream's state for a tenant.
    pub async fn streams(&self, tenant_id: &str) -> Result<Vec<StreamState>, StoreError> {
        let _timer = self.timed("streams");
        let rows = sqlx::query(
            "SELECT tenant_id, stream, watermark_utc, last_full_sweep_utc, status, last_error \
             FROM sync_streams WHERE tenant_id = ? ORDER BY stream",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StreamState {
                    tenant_id: r.try_get("tenant_id")?,
                    stream: r.try_get("stream")?,
                    watermark_utc: r.try_get("watermark_utc")?,
                    last_full_sweep_utc: r.try_get("last_full_sweep_utc")?,
                    status: r.try_get("status")?,
                    last_error: r.try_get("last_error")?,
                })
            })
            .collect()
    }

    /// The highest JournalNumber stored for a tenant: where the Journals
    /// stream resumes (`offset`).
    pub async fn max_journal_number(&self, tenant_id: &str) -> Result<Option<i64>, StoreError> {
        let _timer = self.timed("max_journal_number");
        let n: Option<i64> =
            sqlx::query_scalar("SELECT MAX(number) FROM journals WHERE tenant_id = ?")
                .bind(tenant_id)
                .fetch_one(self.pool())
                .await?;
        Ok(n)
    }

    /// Starts a sync run in the log.
    pub async fn start_sync_run(
        &self,
        run_id: &str,
        tenant_id: &str,
        stream: Option<EntityKind>,
        kind: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _timer = self.timed("start_sync_run");
        sqlx::query(
            "INSERT INTO sync_runs (run_id, tenant_id, stream, kind, started_at, status) VALUES (?, ?, ?, ?, ?, 'running')",
        )
        .bind(run_id)
        .bind(tenant_id)
        .bind(stream.map(|s| s.stream()))
        .bind(kind)
        .bind(format_instant(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Finishes a sync run in the log.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_sync_run(
        &self,
        run_id: &str,
        status: &str,
        pages: i64,
        records_seen: i64,
        records_changed: i64,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _timer = self.timed("finish_sync_run");
        sqlx::query(
            "UPDATE sync_runs SET status = ?, pages = ?, records_seen = ?, records_changed = ?, error = ?, finished_at = ? \
             WHERE run_id = ?",
        )
        .bind(status)
        .bind(pages)
        .bind(records_seen)
        .bind(records_changed)
        .bind(error)
        .bind(format_instant(now))
        .bind(run_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Deletes sync-run log rows that started more than the retention setting's
    /// days before `now`. Returns how many. The audit trail is never pruned.
    pub async fn prune_sync_runs(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let _timer = self.timed("prune_sync_runs");
        let days = self.setting_i64(SYNC_RUNS_KEEP_DAYS).await?.max(1);
        let cutoff = format_instant(now - chrono::Duration::days(days));
        let r = sqlx::query("DELETE FROM sync_runs WHERE started_at < ?")
            .bind(cutoff)
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use crate::LedgerStore;

    #[tokio::test]
    async fn settings_are_written_replaced_and_listed() {
        let dir = tempfile::tempdir().unwrap();
        let store = LedgerStore::open(&dir.path().join("l.sqlite"))
            .await
            .unwrap();
        let now = chrono::Utc::now();
        assert_eq!(store.setting("log_level").await.unwrap(), None);
        store
            .set_setting("log_level", "\"debug\"", now)
            .await
            .unwrap();
        store
            .set_setting("log_level", "\"warn\"", now)
            .await
            .unwrap();
        store.set_setting("a", "1", now).await.unwrap();
        assert_eq!(
            store.setting("log_level").await.unwrap().as_deref(),
            Some("\"warn\"")
        );
        assert_eq!(
            store.settings().await.unwrap(),
            vec![
                ("a".into(), "1".into()),
                ("log_level".into(), "\"warn\"".into())
            ]
        );
    }
}
