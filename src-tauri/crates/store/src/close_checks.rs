//! The ledger reads behind the period close's automated checks, each giving
//! the records it found (its evidence), and the period's ledger hash recorded
//! at sign-off. Amounts are summed in Rust as exact decimals.

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

/// One record behind a check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceRow {
    /// The ledger table (`bank_transactions`, `invoices`, `accounts`...).
    pub table: String,
    pub xero_id: String,
    /// `YYYY-MM-DD`, when the record has a date.
    pub date: Option<String>,
    /// What the owner recognises it by: a number, reference, contact or name.
    pub label: String,
    pub amount: Option<Money>,
    pub currency: Option<String>,
    /// One line of why it is here.
    pub detail: String,
}

/// A suspense or clearing account and its balance at a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountBalance {
    pub xero_id: String,
    pub code: Option<String>,
    pub name: String,
    pub balance: Money,
    /// The journal lines making the balance.
    pub lines: Vec<EvidenceRow>,
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
    ) -> Result<Vec<EvidenceRow>, StoreError> {
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
                let reference: Option<String> = r.try_get("reference")?;
                let contact: Option<String> = r.try_get("contact_name")?;
                let kind: Option<String> = r.try_get("type")?;
                let account: Option<String> = r.try_get("bank_account_code")?;
                Ok(EvidenceRow {
                    table: "bank_transactions".into(),
                    xero_id: r.try_get("xero_id")?,
                    date: r.try_get("date")?,
                    label: [contact, reference]
                        .into_iter()
                        .flatten()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" · "),
                    amount: money(r.try_get("total")?),
                    currency: r.try_get("currency_code")?,
                    detail: format!(
                        "{} on account {} is not reconciled",
                        kind.unwrap_or_else(|| "Bank transaction".into()),
                        account.unwrap_or_else(|| "?".into())
                    ),
                })
            })
            .collect()
    }

    /// Draft and submitted invoices and bills dated on or before `cutoff`.
    pub async fn stale_drafts(
        &self,
        tenant_id: &str,
        cutoff: &str,
    ) -> Result<Vec<EvidenceRow>, StoreError> {
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
                let kind: Option<InvoiceType> = r
                    .try_get::<Option<String>, _>("type")?
                    .map(InvoiceType::from);
                let status: Option<String> = r.try_get("status")?;
                let number: Option<String> = r.try_get("number")?;
                let contact: Option<String> = r.try_get("contact_name")?;
                let what = if kind == Some(InvoiceType::AccPay) {
                    "Bill"
                } else {
                    "Invoice"
                };
                Ok(EvidenceRow {
                    table: "invoices".into(),
                    xero_id: r.try_get("xero_id")?,
                    date: r.try_get("date")?,
                    label: [number, contact]
                        .into_iter()
                        .flatten()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" · "),
                    amount: money(r.try_get("total")?),
                    currency: r.try_get("currency_code")?,
                    detail: format!("{what} still {}", status.unwrap_or_default().to_lowercase()),
                })
            })
            .collect()
    }

    /// Accounts named suspense or clearing, with their balance from the
    /// general ledger (rebuilt from the documents, so it holds without
    /// Journals) dated on or before `end`, and the lines making it, each
    /// naming the document it came from.
    pub async fn suspense_balances(
        &self,
        tenant_id: &str,
        end: &str,
    ) -> Result<Vec<AccountBalance>, StoreError> {
        let accounts = sqlx::query(
            "SELECT xero_id, code, name FROM accounts WHERE tenant_id = ? \
             AND (lower(name) LIKE '%suspense%' OR lower(name) LIKE '%clearing%') ORDER BY code, name",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for a in &accounts {
            let xero_id: String = a.try_get("xero_id")?;
            let name: Option<String> = a.try_get("name")?;
            let lines = sqlx::query(
                "SELECT e.source_xero_id, e.source_type, e.date, e.reference, l.net_amount, \
                 l.currency_code, l.description \
                 FROM gl_lines l JOIN gl_entries e ON e.id = l.parent_id \
                 WHERE e.tenant_id = ? AND l.account_xero_id = ? AND e.date <= ? \
                 ORDER BY e.date, e.id, l.position",
            )
            .bind(tenant_id)
            .bind(&xero_id)
            .bind(end)
            .fetch_all(self.pool())
            .await?;
            let mut balance = rust_decimal::Decimal::ZERO;
            let mut evidence = Vec::new();
            for l in &lines {
                let amount = money(l.try_get("net_amount")?);
                let a = amount.map(|m| m.as_decimal()).unwrap_or_default();
                balance = balance
                    .checked_add(a)
                    .ok_or_else(|| StoreError::Data("a suspense balance overflowed".into()))?;
                let source_type: String = l.try_get("source_type")?;
                let reference: Option<String> = l.try_get("reference")?;
                let description: Option<String> = l.try_get("description")?;
                // The document the line posts from; an entry no document
                // makes (what Xero's API cannot show) stays in the ledger.
                let (table, what) = match ledgerkeep_ledger::SourceKind::parse(&source_type) {
                    Some(k) => (crate::rows::table_of(k.entity()), k.as_str()),
                    None => ("gl_entries", source_type.as_str()),
                };
                evidence.push(EvidenceRow {
                    table: table.into(),
                    xero_id: l.try_get("source_xero_id")?,
                    date: l.try_get("date")?,
                    label: match reference.filter(|r| !r.is_empty()) {
                        Some(r) => format!("{what} · {r}"),
                        None => what.to_owned(),
                    },
                    amount,
                    currency: l.try_get("currency_code")?,
                    detail: description.unwrap_or_else(|| "Ledger line".into()),
                });
            }
            out.push(AccountBalance {
                xero_id,
                code: a.try_get("code")?,
                name: name.unwrap_or_default(),
                balance: Money::new(balance),
                lines: evidence,
            });
        }
        Ok(out)
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
