//! Xero's own reports, as the sync fetched them (`migrations/0008_xero_reports.sql`):
//! one per organisation, report and period, replaced by a later fetch of the
//! same period. They are Xero's figures beside the ledger's, not records of
//! the books, so they are not audited.

use chrono::{DateTime, Utc};
use ledgerkeep_domain::format_instant;
use ledgerkeep_domain::xero_report::XeroReportKind;
use sqlx::Row;

use crate::{LedgerStore, StoreError};

/// A stored report's period and when it was fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XeroReportInfo {
    pub kind: XeroReportKind,
    /// `YYYY-MM-DD`; `None` for a report as at a date.
    pub from: Option<String>,
    pub to: String,
    /// RFC 3339, UTC.
    pub fetched_utc: String,
}

/// A stored report with Xero's JSON (the report, canonical).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredXeroReport {
    pub info: XeroReportInfo,
    pub report_json: String,
}

fn info_of(r: &sqlx::sqlite::SqliteRow) -> Result<XeroReportInfo, StoreError> {
    let kind: String = r.try_get("kind")?;
    let from: String = r.try_get("period_from")?;
    Ok(XeroReportInfo {
        kind: XeroReportKind::parse(&kind)
            .ok_or_else(|| StoreError::Data(format!("unknown Xero report kind {kind}")))?,
        from: Some(from).filter(|f| !f.is_empty()),
        to: r.try_get("period_to")?,
        fetched_utc: r.try_get("fetched_utc")?,
    })
}

impl LedgerStore {
    /// Keeps Xero's report of `kind` for the period, replacing an earlier
    /// fetch of the same period.
    pub async fn save_xero_report(
        &self,
        tenant_id: &str,
        kind: XeroReportKind,
        from: Option<&str>,
        to: &str,
        report_json: &str,
        fetched: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _timer = self.timed("save_xero_report");
        sqlx::query(
            "INSERT INTO xero_reports (tenant_id, kind, period_from, period_to, fetched_utc, report_json) \
             VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (tenant_id, kind, period_from, period_to) DO UPDATE SET \
             fetched_utc = excluded.fetched_utc, report_json = excluded.report_json",
        )
        .bind(tenant_id)
        .bind(kind.as_str())
        .bind(from.unwrap_or(""))
        .bind(to)
        .bind(format_instant(fetched))
        .bind(report_json)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Xero's report of `kind` for exactly this period, if one was fetched.
    pub async fn xero_report(
        &self,
        tenant_id: &str,
        kind: XeroReportKind,
        from: Option<&str>,
        to: &str,
    ) -> Result<Option<StoredXeroReport>, StoreError> {
        let _timer = self.timed("xero_report");
        let row = sqlx::query(
            "SELECT kind, period_from, period_to, fetched_utc, report_json FROM xero_reports \
             WHERE tenant_id = ? AND kind = ? AND period_from = ? AND period_to = ?",
        )
        .bind(tenant_id)
        .bind(kind.as_str())
        .bind(from.unwrap_or(""))
        .bind(to)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(StoredXeroReport {
                info: info_of(&r)?,
                report_json: r.try_get("report_json")?,
            })
        })
        .transpose()
    }

    /// Every stored report of the organisation (periods and fetch times only),
    /// newest period first.
    pub async fn xero_reports(&self, tenant_id: &str) -> Result<Vec<XeroReportInfo>, StoreError> {
        let _timer = self.timed("xero_reports");
        sqlx::query(
            "SELECT kind, period_from, period_to, fetched_utc FROM xero_reports \
             WHERE tenant_id = ? ORDER BY kind, period_to DESC, period_from DESC",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(info_of)
        .collect()
    }

    /// The id of the organisation's retained earnings account (Xero's
    /// `SystemAccount` `RETAINEDEARNINGS`), where Xero's balance sheet and
    /// trial balance put the earlier years' profit.
    pub async fn retained_earnings_account(
        &self,
        tenant_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let _timer = self.timed("retained_earnings_account");
        Ok(sqlx::query_scalar(
            "SELECT xero_id FROM accounts WHERE tenant_id = ? \
             AND json_extract(raw_json, '$.SystemAccount') = 'RETAINEDEARNINGS' ORDER BY id LIMIT 1",
        )
        .bind(tenant_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The day of the earliest entry the documents posted in the
    /// organisation's rebuilt general ledger (`YYYY-MM-DD`), if any: where
    /// the documents begin, so where Xero's opening balances are read.
    pub async fn earliest_ledger_day(&self, tenant_id: &str) -> Result<Option<String>, StoreError> {
        let _timer = self.timed("earliest_ledger_day");
        Ok(sqlx::query_scalar(
            "SELECT min(date) FROM gl_entries WHERE tenant_id = ? AND source_type != ? \
             AND date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'",
        )
        .bind(tenant_id)
        .bind(crate::not_visible::NOT_VISIBLE_SOURCE)
        .fetch_one(self.pool())
        .await?)
    }
}
