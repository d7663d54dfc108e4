//! Xero's own history and notes of a record, as last fetched
//! (`migrations/0027_xero_history.sql`): kept per organisation, entity and
//! record, each fetch replacing the one before, so that the record's page
//! shows them offline with the time they were fetched. They are Xero's
//! account of the record, not a change to the books, so they are not audited.

use chrono::{DateTime, Utc};
use ledgerkeep_domain::{format_instant, EntityKind};
use sqlx::Row;

use crate::{LedgerStore, StoreError};

/// One entry, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XeroHistoryEntry {
    /// Fixed-width ISO text in UTC; `None` when Xero sent no readable date.
    pub at_utc: Option<String>,
    pub user: Option<String>,
    /// `Created`, `Approved`, `Paid`, `Note`...
    pub changes: Option<String>,
    pub details: Option<String>,
}

/// A record's history as last fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XeroHistory {
    /// Fixed-width ISO text in UTC.
    pub fetched_utc: String,
    /// In Xero's order.
    pub entries: Vec<XeroHistoryEntry>,
}

impl LedgerStore {
    /// Keeps the record's history as fetched at `fetched`, replacing an
    /// earlier fetch (one transaction: the old entries never mix with the new).
    pub async fn save_xero_history(
        &self,
        tenant_id: &str,
        entity: EntityKind,
        xero_id: &str,
        entries: &[XeroHistoryEntry],
        fetched: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _timer = self.timed("save_xero_history");
        let entity = entity.stream();
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "DELETE FROM xero_history_entries WHERE tenant_id = ? AND entity = ? AND xero_id = ?",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(xero_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO xero_history_fetches (tenant_id, entity, xero_id, fetched_utc) \
             VALUES (?, ?, ?, ?) \
             ON CONFLICT (tenant_id, entity, xero_id) DO UPDATE SET fetched_utc = excluded.fetched_utc",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(xero_id)
        .bind(format_instant(fetched))
        .execute(&mut *tx)
        .await?;
        for (seq, e) in entries.iter().enumerate() {
            sqlx::query(
                "INSERT INTO xero_history_entries \
                 (tenant_id, entity, xero_id, seq, at_utc, user_name, changes, details) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(tenant_id)
            .bind(entity)
            .bind(xero_id)
            .bind(i64::try_from(seq).unwrap_or(i64::MAX))
            .bind(&e.at_utc)
            .bind(&e.user)
            .bind(&e.changes)
            .bind(&e.details)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The record's history as last fetched, or `None` if it never was.
    pub async fn xero_history(
        &self,
        tenant_id: &str,
        entity: EntityKind,
        xero_id: &str,
    ) -> Result<Option<XeroHistory>, StoreError> {
        let _timer = self.timed("xero_history");
        let entity = entity.stream();
        let fetched: Option<String> = sqlx::query_scalar(
            "SELECT fetched_utc FROM xero_history_fetches \
             WHERE tenant_id = ? AND entity = ? AND xero_id = ?",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(xero_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(fetched_utc) = fetched else {
            return Ok(None);
        };
        let entries = sqlx::query(
            "SELECT at_utc, user_name, changes, details FROM xero_history_entries \
             WHERE tenant_id = ? AND entity = ? AND xero_id = ? ORDER BY seq",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(xero_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(XeroHistoryEntry {
                at_utc: r.try_get("at_utc")?,
                user: r.try_get("user_name")?,
                changes: r.try_get("changes")?,
                details: r.try_get("details")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some(XeroHistory {
            fetched_utc,
            entries,
        }))
    }
}
