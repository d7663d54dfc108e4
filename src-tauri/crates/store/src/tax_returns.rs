//! The GST/BAS returns the organisation published in Xero, as the sync
//! fetched them (`migrations/0024_xero_tax_returns.sql`): one per
//! organisation and `ReportID`, fetched once (a published return does not
//! change). Xero's figures beside the ledger's, not records of the books, so
//! they are not audited.

use chrono::{DateTime, Utc};
use ledgerkeep_domain::format_instant;
use sqlx::Row;

use crate::{LedgerStore, StoreError};

/// A stored return's head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxReturnInfo {
    pub report_id: String,
    pub report_type: String,
    pub name: String,
    /// `YYYY-MM-DD`, inclusive.
    pub from: String,
    pub to: String,
    /// RFC 3339, UTC.
    pub fetched_utc: String,
}

/// A return to keep, or one kept, with Xero's report (canonical JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTaxReturn {
    pub info: TaxReturnInfo,
    pub report_json: String,
}

fn info_of(r: &sqlx::sqlite::SqliteRow) -> Result<TaxReturnInfo, StoreError> {
    Ok(TaxReturnInfo {
        report_id: r.try_get("report_id")?,
        report_type: r.try_get("report_type")?,
        name: r.try_get("name")?,
        from: r.try_get("period_from")?,
        to: r.try_get("period_to")?,
        fetched_utc: r.try_get("fetched_utc")?,
    })
}

impl LedgerStore {
    /// Keeps a published return (`fetched_utc` of `info` is replaced by
    /// `fetched`); a second save of the same `ReportID` replaces the first.
    pub async fn save_tax_return(
        &self,
        tenant_id: &str,
        info: &TaxReturnInfo,
        report_json: &str,
        fetched: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _timer = self.timed("save_tax_return");
        sqlx::query(
            "INSERT INTO xero_tax_returns (tenant_id, report_id, report_type, name, period_from, \
             period_to, fetched_utc, report_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (tenant_id, report_id) DO UPDATE SET report_type = excluded.report_type, \
             name = excluded.name, period_from = excluded.period_from, \
             period_to = excluded.period_to, fetched_utc = excluded.fetched_utc, \
             report_json = excluded.report_json",
        )
        .bind(tenant_id)
        .bind(&info.report_id)
        .bind(&info.report_type)
        .bind(&info.name)
        .bind(&info.from)
        .bind(&info.to)
        .bind(format_instant(fetched))
        .bind(report_json)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The organisation's stored returns, the latest period first.
    pub async fn tax_returns(&self, tenant_id: &str) -> Result<Vec<TaxReturnInfo>, StoreError> {
        let _timer = self.timed("tax_returns");
        let rows = sqlx::query(
            "SELECT report_id, report_type, name, period_from, period_to, fetched_utc \
             FROM xero_tax_returns WHERE tenant_id = ? \
             ORDER BY period_to DESC, period_from DESC, report_id",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(info_of).collect()
    }

    /// One stored return with its report.
    pub async fn tax_return(
        &self,
        tenant_id: &str,
        report_id: &str,
    ) -> Result<Option<StoredTaxReturn>, StoreError> {
        let _timer = self.timed("tax_return");
        let row = sqlx::query(
            "SELECT report_id, report_type, name, period_from, period_to, fetched_utc, \
             report_json FROM xero_tax_returns WHERE tenant_id = ? AND report_id = ?",
        )
        .bind(tenant_id)
        .bind(report_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(StoredTaxReturn {
                info: info_of(&r)?,
                report_json: r.try_get("report_json")?,
            })
        })
        .transpose()
    }
}
