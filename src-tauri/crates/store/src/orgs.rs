//! The organisations (Xero tenants) the ledger holds.

use sqlx::Row;

use crate::{LedgerStore, StoreError};

/// One organisation, as the app's organisation switcher shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationRow {
    pub tenant_id: String,
    pub name: Option<String>,
    pub base_currency: Option<String>,
    pub timezone: Option<String>,
    pub period_lock_date: Option<String>,
    /// When the last sync run of this organisation finished successfully (UTC).
    pub last_synced_utc: Option<String>,
}

impl LedgerStore {
    /// Every organisation, by name.
    pub async fn organisations(&self) -> Result<Vec<OrganisationRow>, StoreError> {
        let _timer = self.timed("organisations");
        let rows = sqlx::query(
            "SELECT o.tenant_id, o.name, o.base_currency, o.timezone, o.period_lock_date,
                    (SELECT MAX(r.finished_at) FROM sync_runs r
                      WHERE r.tenant_id = o.tenant_id AND r.status = 'ok') AS last_synced_utc
             FROM organisations o
             ORDER BY o.name COLLATE NOCASE, o.tenant_id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OrganisationRow {
                    tenant_id: r.try_get("tenant_id")?,
                    name: r.try_get("name")?,
                    base_currency: r.try_get("base_currency")?,
                    timezone: r.try_get("timezone")?,
                    period_lock_date: r.try_get("period_lock_date")?,
                    last_synced_utc: r.try_get("last_synced_utc")?,
                })
            })
            .collect()
    }
}

impl LedgerStore {
    /// Notes `tenant_ids` as the demo company's organisations of `demo_day`
    /// (`YYYY-MM-DD`).
    pub async fn note_demo_organisations(
        &self,
        tenant_ids: &[String],
        demo_day: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        for tenant in tenant_ids {
            sqlx::query(
                "INSERT INTO demo_organisations (tenant_id, demo_day) VALUES (?, ?)
                 ON CONFLICT (tenant_id) DO UPDATE SET demo_day = excluded.demo_day",
            )
            .bind(tenant)
            .bind(demo_day)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The demo company's organisations: tenant id and demo day.
    pub async fn demo_organisations(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT tenant_id, demo_day FROM demo_organisations ORDER BY tenant_id")
                .fetch_all(self.pool())
                .await?,
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::LedgerStore;

    #[tokio::test]
    async fn organisations_come_by_name_with_their_last_good_sync() {
        let dir = tempfile::tempdir().unwrap();
        let store = LedgerStore::open(&dir.path().join("l.sqlite"))
            .await
            .unwrap();
        for (tenant, name, ccy) in [("t-2", "Zebra Ltd", "GBP"), ("t-1", "acme Pty", "AUD")] {
            sqlx::query(
                "INSERT INTO organisations (tenant_id, xero_id, raw_json, name, base_currency)
                 VALUES (?, ?, '{}', ?, ?)",
            )
            .bind(tenant)
            .bind(format!("org-{tenant}"))
            .bind(name)
            .bind(ccy)
            .execute(store.pool())
            .await
            .unwrap();
        }
        for (run, status, at) in [
            ("r1", "ok", "2026-11-01T10:00:00.000Z"),
            ("r2", "failed", "2026-11-02T10:00:00.000Z"),
        ] {
            sqlx::query(
                "INSERT INTO sync_runs (run_id, tenant_id, kind, started_at, finished_at, status)
                 VALUES (?, 't-1', 'incremental', ?, ?, ?)",
            )
            .bind(run)
            .bind(at)
            .bind(at)
            .bind(status)
            .execute(store.pool())
            .await
            .unwrap();
        }
        let orgs = store.organisations().await.unwrap();
        let names: Vec<_> = orgs.iter().map(|o| o.name.clone().unwrap()).collect();
        assert_eq!(names, ["acme Pty", "Zebra Ltd"]);
        assert_eq!(orgs[0].base_currency.as_deref(), Some("AUD"));
        assert_eq!(
            orgs[0].last_synced_utc.as_deref(),
            Some("2026-11-01T10:00:00.000Z"),
            "a failed run is not a sync"
        );
        assert_eq!(orgs[1].last_synced_utc, None);
    }
}
