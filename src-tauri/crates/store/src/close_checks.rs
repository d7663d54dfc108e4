//! The ledger reads behind the period close's automated checks, each giving
//! the records it found as facts (the rules are `ledgerkeep_ledger::close`'s,
//! the words the api's), and the period's ledger hash recorded at sign-off.

use ledgerkeep_domain::xero::InvoiceType;
use ledgerkeep_domain::{EntityKind, Money, XeroDate};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{LedgerStore, StoreError};

/// The ledger tables whose records carry a transaction date, in the order the
/// period's hash reads them.
pub const DATED_TABLES: [&str; 9] = [
    "invoices",
    "credit_notes",
    "overpayments",
    "prepayments",
    "payments",
    "bank_transactions",
    "bank_transfers",
    "manual_journals",
    "journals",
];

/// An authorised bank transaction not reconciled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreconciledLine {
    pub xero_id: String,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Xero's type (`SPEND`, `RECEIVE`...).
    pub kind: Option<String>,
    pub reference: Option<String>,
    pub contact: Option<String>,
    pub total: Option<Money>,
    pub currency: Option<String>,
    pub bank_account_code: Option<String>,
}

/// A draft or submitted invoice or bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DraftDocument {
    pub xero_id: String,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    pub kind: Option<InvoiceType>,
    pub number: Option<String>,
    pub contact: Option<String>,
    pub total: Option<Money>,
    pub currency: Option<String>,
    pub status: Option<String>,
}

/// An account of the chart, as the close's checks name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChartName {
    pub xero_id: String,
    pub code: Option<String>,
    pub name: String,
}

/// One line of the general ledger on an account, and the document it posts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountLine {
    /// The ledger table of the document (`invoices`...), or `gl_entries` for
    /// an entry no document makes (what Xero's API cannot show).
    pub table: String,
    pub source_xero_id: String,
    /// Xero's Journals `SourceType` (`ACCREC`, `CASHPAID`...).
    pub source_type: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub reference: Option<String>,
    /// In the base currency, debit positive.
    pub amount: Option<Money>,
    pub currency: Option<String>,
    pub description: Option<String>,
}

/// A bank account and when its transactions were last synced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BankSync {
    pub xero_id: String,
    pub name: String,
    pub code: Option<String>,
    /// When the bank transactions stream last finished without error (UTC, RFC 3339).
    pub synced_at: Option<String>,
}

/// An audit row that changed a dated record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatedEdit {
    pub seq: i64,
    pub table: String,
    pub xero_id: String,
    pub date: Option<String>,
    pub action: String,
    pub actor: String,
    pub at: String,
    pub changes_json: String,
}

fn money(text: Option<String>) -> Option<Money> {
    text.and_then(|t| Money::parse(&t).ok())
}

impl LedgerStore {
    /// Authorised bank transactions not reconciled, dated on or before `end`.
    pub async fn unreconciled_bank_lines(
        &self,
        tenant_id: &str,
        end: &str,
    ) -> Result<Vec<UnreconciledLine>, StoreError> {
        let rows = sqlx::query(
            "SELECT xero_id, date, type, reference, contact_name, total, currency_code, bank_account_code \
             FROM bank_transactions WHERE tenant_id = ? AND is_reconciled = 0 AND status = 'AUTHORISED' \
             AND date IS NOT NULL AND date <= ? ORDER BY date, id",
        )
        .bind(tenant_id)
        .bind(end)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UnreconciledLine {
                    xero_id: r.try_get("xero_id")?,
                    date: r.try_get("date")?,
                    kind: r.try_get("type")?,
                    reference: r.try_get("reference")?,
                    contact: r.try_get("contact_name")?,
                    total: money(r.try_get("total")?),
                    currency: r.try_get("currency_code")?,
                    bank_account_code: r.try_get("bank_account_code")?,
                })
            })
            .collect()
    }

    /// Draft and submitted invoices and bills dated on or before `cutoff`.
    pub async fn stale_drafts(
        &self,
        tenant_id: &str,
        cutoff: &str,
    ) -> Result<Vec<DraftDocument>, StoreError> {
        let rows = sqlx::query(
            "SELECT xero_id, date, type, number, contact_name, total, currency_code, status \
             FROM invoices WHERE tenant_id = ? AND status IN ('DRAFT', 'SUBMITTED') \
             AND date IS NOT NULL AND date <= ? ORDER BY date, id",
        )
        .bind(tenant_id)
        .bind(cutoff)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DraftDocument {
                    xero_id: r.try_get("xero_id")?,
                    date: r.try_get("date")?,
                    kind: r
                        .try_get::<Option<String>, _>("type")?
                        .map(InvoiceType::from),
                    number: r.try_get("number")?,
                    contact: r.try_get("contact_name")?,
                    total: money(r.try_get("total")?),
                    currency: r.try_get("currency_code")?,
                    status: r.try_get("status")?,
                })
            })
            .collect()
    }

    /// Every account of the chart, by code and name.
    pub async fn chart_names(&self, tenant_id: &str) -> Result<Vec<ChartName>, StoreError> {
        let rows = sqlx::query(
            "SELECT xero_id, code, name FROM accounts WHERE tenant_id = ? ORDER BY code, name",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ChartName {
                    xero_id: r.try_get("xero_id")?,
                    code: r.try_get("code")?,
                    name: r.try_get::<Option<String>, _>("name")?.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The general ledger's lines on one account dated on or before `end`,
    /// in date order (the ledger rebuilt from the documents, so it holds
    /// without Journals), each naming the document it came from.
    pub async fn account_lines_to(
        &self,
        tenant_id: &str,
        account_xero_id: &str,
        end: &str,
    ) -> Result<Vec<AccountLine>, StoreError> {
        let lines = sqlx::query(
            "SELECT e.source_xero_id, e.source_type, e.date, e.reference, l.net_amount, \
             l.currency_code, l.description \
             FROM gl_lines l JOIN gl_entries e ON e.id = l.parent_id \
             WHERE e.tenant_id = ? AND l.account_xero_id = ? AND e.date <= ? \
             ORDER BY e.date, e.id, l.position",
        )
        .bind(tenant_id)
        .bind(account_xero_id)
        .bind(end)
        .fetch_all(self.pool())
        .await?;
        lines
            .iter()
            .map(|l| {
                let source_type: String = l.try_get("source_type")?;
                let table = match ledgerkeep_ledger::SourceKind::parse(&source_type) {
                    Some(k) => crate::rows::table_of(k.entity()),
                    None => "gl_entries",
                };
                Ok(AccountLine {
                    table: table.into(),
                    source_xero_id: l.try_get("source_xero_id")?,
                    source_type,
                    date: l.try_get("date")?,
                    reference: l.try_get("reference")?,
                    amount: money(l.try_get("net_amount")?),
                    currency: l.try_get("currency_code")?,
                    description: l.try_get("description")?,
                })
            })
            .collect()
    }

    /// The active bank accounts and when their transactions last synced.
    pub async fn bank_sync_state(&self, tenant_id: &str) -> Result<Vec<BankSync>, StoreError> {
        let synced: Option<String> = sqlx::query_scalar(
            "SELECT updated_at FROM sync_streams WHERE tenant_id = ? AND stream = ? AND status = 'idle' AND watermark_utc IS NOT NULL",
        )
        .bind(tenant_id)
        .bind(EntityKind::BankTransaction.stream())
        .fetch_optional(self.pool())
        .await?;
        let rows = sqlx::query(
            "SELECT xero_id, code, name FROM accounts WHERE tenant_id = ? AND type = 'BANK' \
             AND coalesce(status, 'ACTIVE') = 'ACTIVE' ORDER BY code, name",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let name: Option<String> = r.try_get("name")?;
                Ok(BankSync {
                    xero_id: r.try_get("xero_id")?,
                    name: name.unwrap_or_default(),
                    code: r.try_get("code")?,
                    synced_at: synced.clone(),
                })
            })
            .collect()
    }

    /// The organisation's name, period lock date and end-of-year lock date.
    pub async fn lock_dates(
        &self,
        tenant_id: &str,
    ) -> Result<Option<(String, Option<String>, Option<String>)>, StoreError> {
        let row = sqlx::query("SELECT name, period_lock_date, end_of_year_lock_date FROM organisations WHERE tenant_id = ? LIMIT 1")
            .bind(tenant_id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| {
            let name: Option<String> = r.try_get("name")?;
            Ok((
                name.unwrap_or_default(),
                r.try_get("period_lock_date")?,
                r.try_get("end_of_year_lock_date")?,
            ))
        })
        .transpose()
    }

    /// The organisation's financial year's last month (1-12), if known.
    pub async fn year_end_month(&self, tenant_id: &str) -> Result<Option<u32>, StoreError> {
        let m: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT financial_year_end_month FROM organisations WHERE tenant_id = ? LIMIT 1",
        )
        .bind(tenant_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(m.flatten()
            .and_then(|m| u32::try_from(m).ok())
            .filter(|m| (1..=12).contains(m)))
    }

    /// Audit rows after `after_seq` that changed a record dated from `start`
    /// to `end` (inclusive): dated there now, or moved out by the change.
    pub async fn edits_in_period(
        &self,
        tenant_id: &str,
        start: &str,
        end: &str,
        after_seq: i64,
    ) -> Result<Vec<DatedEdit>, StoreError> {
        let mut out = Vec::new();
        for table in DATED_TABLES {
            let sql = format!(
                "SELECT a.seq, a.record_id, a.action, a.actor, a.at, a.changes_json, t.date FROM audit_log a \
                 JOIN {table} t ON t.tenant_id = a.tenant_id AND t.xero_id = a.record_id \
                 WHERE a.table_name = ? AND a.tenant_id = ? AND a.seq > ? AND t.date BETWEEN ? AND ?"
            );
            let rows = sqlx::query(&sql)
                .bind(table)
                .bind(tenant_id)
                .bind(after_seq)
                .bind(start)
                .bind(end)
                .fetch_all(self.pool())
                .await?;
            for r in &rows {
                out.push(DatedEdit {
                    seq: r.try_get("seq")?,
                    table: table.to_owned(),
                    xero_id: r.try_get("record_id")?,
                    date: r.try_get("date")?,
                    action: r.try_get("action")?,
                    actor: r.try_get("actor")?,
                    at: r.try_get("at")?,
                    changes_json: r.try_get("changes_json")?,
                });
            }
        }
        // A record moved out of the period by the edit: its old date was in it.
        let seen: std::collections::BTreeSet<i64> = out.iter().map(|e| e.seq).collect();
        let placeholders = vec!["?"; DATED_TABLES.len()].join(", ");
        let sql = format!(
            "SELECT seq, table_name, record_id, action, actor, at, changes_json FROM audit_log \
             WHERE tenant_id = ? AND seq > ? AND table_name IN ({placeholders}) \
             AND (changes_json LIKE '%\"Date\":{{%' OR changes_json LIKE '%\"JournalDate\":{{%')"
        );
        let mut q = sqlx::query(&sql).bind(tenant_id).bind(after_seq);
        for t in DATED_TABLES {
            q = q.bind(t);
        }
        for r in &q.fetch_all(self.pool()).await? {
            let seq: i64 = r.try_get("seq")?;
            if seen.contains(&seq) {
                continue;
            }
            let changes_json: String = r.try_get("changes_json")?;
            let changes: serde_json::Value =
                serde_json::from_str(&changes_json).unwrap_or_default();
            let old = ["Date", "JournalDate"]
                .iter()
                .filter_map(|k| changes[*k]["old"].as_str())
                .find_map(|d| XeroDate::parse(d).ok())
                .map(|d| d.to_string());
            if let Some(old) = old.filter(|d| d.as_str() >= start && d.as_str() <= end) {
                out.push(DatedEdit {
                    seq,
                    table: r.try_get("table_name")?,
                    xero_id: r.try_get("record_id")?,
                    date: Some(old),
                    action: r.try_get("action")?,
                    actor: r.try_get("actor")?,
                    at: r.try_get("at")?,
                    changes_json,
                });
            }
        }
        out.sort_by_key(|e| e.seq);
        Ok(out)
    }

    /// SHA-256 (hex) over every dated record of the period: for each table of
    /// [`DATED_TABLES`] in order, each record by Xero id, its table, id and
    /// canonical JSON. Any change to a record of the period changes it.
    pub async fn period_ledger_hash(
        &self,
        tenant_id: &str,
        start: &str,
        end: &str,
    ) -> Result<String, StoreError> {
        let mut hasher = Sha256::new();
        for table in DATED_TABLES {
            let sql = format!("SELECT xero_id, raw_json FROM {table} WHERE tenant_id = ? AND date BETWEEN ? AND ? ORDER BY xero_id");
            let rows = sqlx::query(&sql)
                .bind(tenant_id)
                .bind(start)
                .bind(end)
                .fetch_all(self.pool())
                .await?;
            for r in &rows {
                let id: String = r.try_get("xero_id")?;
                let raw: String = r.try_get("raw_json")?;
                hasher.update(table.as_bytes());
                hasher.update([0x1f]);
                hasher.update(id.as_bytes());
                hasher.update([0x1f]);
                hasher.update(raw.as_bytes());
                hasher.update([0x1e]);
            }
        }
        Ok(hex::encode(hasher.finalize()))
    }
}
