//! Read-only queries the sync engine's status and export need.

use ledgerkeep_domain::xero::EntityKind;
use sqlx::Row;

use crate::rows::table_of;
use crate::{LedgerStore, StoreError};

/// One sync run from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRunRow {
    pub run_id: String,
    pub tenant_id: String,
    pub kind: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub pages: i64,
    pub records_seen: i64,
    pub records_changed: i64,
    pub error: Option<String>,
}

impl LedgerStore {
    /// Every tenant the ledger has sync state or an organisation for.
    pub async fn synced_tenants(&self) -> Result<Vec<String>, StoreError> {
        let _timer = self.timed("synced_tenants");
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT tenant_id FROM sync_streams UNION SELECT tenant_id FROM organisations ORDER BY 1",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(ids)
    }

    /// How many records of `kind` the ledger holds for the tenant.
    pub async fn record_count(&self, tenant_id: &str, kind: EntityKind) -> Result<i64, StoreError> {
        let _timer = self.timed("record_count");
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {} WHERE tenant_id = ?",
            table_of(kind)
        ))
        .bind(tenant_id)
        .fetch_one(self.pool())
        .await?;
        Ok(n)
    }

    /// The newest sync run of the tenant, if any.
    pub async fn last_sync_run(&self, tenant_id: &str) -> Result<Option<SyncRunRow>, StoreError> {
        let _timer = self.timed("last_sync_run");
        let row = sqlx::query(
            "SELECT run_id, tenant_id, kind, started_at, finished_at, status, pages, records_seen, \
             records_changed, error FROM sync_runs WHERE tenant_id = ? ORDER BY id DESC LIMIT 1",
        )
        .bind(tenant_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(SyncRunRow {
                run_id: r.try_get("run_id")?,
                tenant_id: r.try_get("tenant_id")?,
                kind: r.try_get("kind")?,
                started_at: r.try_get("started_at")?,
                finished_at: r.try_get("finished_at")?,
                status: r.try_get("status")?,
                pages: r.try_get("pages")?,
                records_seen: r.try_get("records_seen")?,
                records_changed: r.try_get("records_changed")?,
                error: r.try_get("error")?,
            })
        })
        .transpose()
    }

    /// Every stored record of `kind` (of one tenant, or all) as Xero's JSON
    /// text, ordered by tenant then Xero id: what an export writes.
    pub async fn raw_records(
        &self,
        tenant_id: Option<&str>,
        kind: EntityKind,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let _timer = self.timed("raw_records");
        let table = table_of(kind);
        let rows = sqlx::query(&format!(
            "SELECT tenant_id, raw_json FROM {table} WHERE (?1 IS NULL OR tenant_id = ?1) \
             ORDER BY tenant_id, xero_id"
        ))
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("tenant_id")?, r.try_get("raw_json")?)))
            .collect()
    }
}
