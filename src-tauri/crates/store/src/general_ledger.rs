//! The general ledger rebuilt from the documents (`migrations/0016_general_ledger.sql`).
//!
//! The store keeps facts only. It gives what posting needs (the chart with
//! Xero's system accounts, the documents' JSON page by page, what each
//! payable document was booked at) and keeps the journal lines that the pure
//! posting engine (`ledgerkeep-ledger`) returns; the sync engine composes
//! them. A rebuild replaces one organisation's ledger whole, in one
//! transaction: a reader sees the old ledger or the new one, never half.

use std::collections::BTreeMap;

use ledgerkeep_domain::Money;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::{Row, Sqlite, Transaction};

use crate::{LedgerStore, StoreError};

/// An account of the chart as posting needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartAccount {
    pub xero_id: String,
    pub code: Option<String>,
    pub name: Option<String>,
    pub account_type: Option<String>,
    /// Xero's `SystemAccount` (`DEBTORS`, `CREDITORS`, `GST`, ...).
    pub system_account: Option<String>,
    pub currency_code: Option<String>,
}

/// The tables whose documents post, in the order a rebuild reads them.
pub const POSTING_TABLES: [&str; 8] = [
    "invoices",
    "credit_notes",
    "overpayments",
    "prepayments",
    "payments",
    "bank_transactions",
    "bank_transfers",
    "manual_journals",
];

/// One journal line to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlLine {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub reference: Option<String>,
    pub source_xero_id: String,
    pub source_type: String,
    pub line_xero_id: Option<String>,
    pub role: String,
    pub account_xero_id: Option<String>,
    pub account_code: Option<String>,
    pub account_type: Option<String>,
    pub account_name: Option<String>,
    pub description: Option<String>,
    /// Base currency, debit positive.
    pub net: Money,
    pub tax_type: Option<String>,
    pub currency_code: Option<String>,
    pub foreign_amount: Option<Money>,
    pub tracking_json: Option<String>,
}

/// A document that could not be posted, and why (a sentence for the owner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Unposted {
    pub table: String,
    pub xero_id: String,
    pub reason: String,
}

/// What the last rebuild of an organisation's ledger did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlState {
    pub rebuilt_utc: String,
    pub documents: u64,
    pub lines: u64,
    pub unposted: Vec<Unposted>,
}

/// A rebuild in progress: one open write transaction. Lines are written as
/// they are posted; nothing is visible until [`GlWriter::finish`].
pub struct GlWriter {
    tx: Transaction<'static, Sqlite>,
    tenant_id: String,
    /// The entry being filled: (source, date) and its row id.
    entry: Option<(String, String, i64)>,
    position: i64,
    lines: u64,
}

impl LedgerStore {
    /// The chart of accounts with Xero's system account of each.
    pub async fn posting_chart(&self, tenant_id: &str) -> Result<Vec<ChartAccount>, StoreError> {
        let _timer = self.timed("posting_chart");
        let rows = sqlx::query(
            "SELECT xero_id, code, name, type, currency_code, \
             json_extract(raw_json, '$.SystemAccount') AS system_account \
             FROM accounts WHERE tenant_id = ? ORDER BY id",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ChartAccount {
                    xero_id: r.try_get("xero_id")?,
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    account_type: r.try_get("type")?,
                    system_account: r.try_get("system_account")?,
                    currency_code: r.try_get("currency_code")?,
                })
            })
            .collect()
    }

    /// Every payment and allocation that settles part of a document: `(the
    /// document's Xero id, the payment's or allocation's Xero id, date,
    /// amount)`. An allocation settles two documents: the invoice, and the
    /// credit note, overpayment or prepayment used up. Deleted ones are left out.
    pub async fn settlements(
        &self,
        tenant_id: &str,
    ) -> Result<Vec<(String, String, String, Money)>, StoreError> {
        let _timer = self.timed("settlements");
        let rows = sqlx::query(
            "SELECT COALESCE(invoice_xero_id, credit_note_xero_id, prepayment_xero_id, \
             overpayment_xero_id) AS doc, xero_id AS settlement, date, amount FROM payments \
             WHERE tenant_id = ?1 AND COALESCE(status, '') NOT IN ('DELETED', 'VOIDED') \
             UNION ALL SELECT a.invoice_xero_id, a.allocation_xero_id, a.date, a.amount \
             FROM allocations a WHERE a.tenant_id = ?1 AND COALESCE(a.is_deleted, 0) = 0 \
             UNION ALL SELECT COALESCE(c.xero_id, o.xero_id, p.xero_id), a.allocation_xero_id, \
             a.date, a.amount FROM allocations a \
             LEFT JOIN credit_notes c ON a.source_table = 'credit_notes' AND c.id = a.source_id \
             LEFT JOIN overpayments o ON a.source_table = 'overpayments' AND o.id = a.source_id \
             LEFT JOIN prepayments p ON a.source_table = 'prepayments' AND p.id = a.source_id \
             WHERE a.tenant_id = ?1 AND COALESCE(a.is_deleted, 0) = 0",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let doc: Option<String> = r.try_get(0)?;
            let settlement: Option<String> = r.try_get(1)?;
            let date: Option<String> = r.try_get(2)?;
            let amount: Option<String> = r.try_get(3)?;
            if let (Some(doc), Some(settlement), Some(date), Some(amount)) =
                (doc, settlement, date, amount)
            {
                let amount = Money::parse(&amount).map_err(|e| StoreError::Data(e.to_string()))?;
                out.push((doc, settlement, date, amount));
            }
        }
        Ok(out)
    }

    /// The bank account of each overpayment and prepayment, by its Xero id:
    /// Xero names it on the bank transaction that made the document.
    pub async fn overpayment_bank_accounts(
        &self,
        tenant_id: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let _timer = self.timed("overpayment_bank_accounts");
        let rows = sqlx::query(
            "SELECT COALESCE(json_extract(raw_json, '$.OverpaymentID'), \
             json_extract(raw_json, '$.PrepaymentID')) AS doc, bank_account_xero_id \
             FROM bank_transactions WHERE tenant_id = ? \
             AND (type LIKE '%-OVERPAYMENT' OR type LIKE '%-PREPAYMENT') \
             AND bank_account_xero_id IS NOT NULL",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            if let Some(doc) = r.try_get::<Option<String>, _>("doc")? {
                out.push((doc, r.try_get("bank_account_xero_id")?));
            }
        }
        Ok(out)
    }

    /// One page of a posting table's documents as Xero sent them: `(row id,
    /// xero id, JSON)`, after row id `after`, by row id.
    pub async fn documents_to_post(
        &self,
        tenant_id: &str,
        table: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        if !POSTING_TABLES.contains(&table) {
            return Err(StoreError::Invalid(format!(
                "{table} holds no documents that post"
            )));
        }
        let _timer = self.timed("documents_to_post");
        let rows = sqlx::query(&format!(
            "SELECT id, xero_id, raw_json FROM {table} WHERE tenant_id = ? AND id > ? \
             ORDER BY id LIMIT ?"
        ))
        .bind(tenant_id)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("xero_id")?,
                    r.try_get("raw_json")?,
                ))
            })
            .collect()
    }

    /// Starts replacing the organisation's general ledger: its old lines are
    /// gone only once [`GlWriter::finish`] commits.
    pub async fn begin_general_ledger(&self, tenant_id: &str) -> Result<GlWriter, StoreError> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("DELETE FROM gl_entries WHERE tenant_id = ?")
            .bind(tenant_id)
            .execute(&mut *tx)
            .await?;
        Ok(GlWriter {
            tx,
            tenant_id: tenant_id.to_owned(),
            entry: None,
            position: 0,
            lines: 0,
        })
    }

    /// Each account's net movement per month (`YYYY-MM`), from the rebuilt
    /// ledger or, with `from_journals`, from Xero's own Journals: the two
    /// agree where Journals can be read. Summed exactly in Rust.
    pub async fn monthly_account_totals(
        &self,
        tenant_id: &str,
        from_journals: bool,
    ) -> Result<BTreeMap<(String, String), Decimal>, StoreError> {
        let _timer = self.timed("monthly_account_totals");
        let (entries, lines) = if from_journals {
            ("journals", "journal_lines")
        } else {
            ("gl_entries", "gl_lines")
        };
        let rows = sqlx::query(&format!(
            "SELECT substr(j.date, 1, 7) AS month, COALESCE(l.account_xero_id, l.account_code, '') AS account, \
             l.net_amount FROM {entries} j JOIN {lines} l ON l.parent_id = j.id \
             WHERE j.tenant_id = ? AND j.date IS NOT NULL AND l.net_amount IS NOT NULL"
        ))
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        let mut out: BTreeMap<(String, String), Decimal> = BTreeMap::new();
        for r in rows {
            let text: String = r.try_get("net_amount")?;
            let net = Money::parse(&text)
                .map_err(|e| StoreError::Data(e.to_string()))?
                .as_decimal();
            let slot = out
                .entry((r.try_get("account")?, r.try_get("month")?))
                .or_default();
            *slot = slot
                .checked_add(net)
                .ok_or_else(|| StoreError::Data("a monthly total overflows".to_owned()))?;
        }
        out.retain(|_, v| !v.is_zero());
        Ok(out)
    }

    /// What the last rebuild of the organisation's ledger did, if it was rebuilt.
    pub async fn general_ledger_state(
        &self,
        tenant_id: &str,
    ) -> Result<Option<GlState>, StoreError> {
        let row = sqlx::query(
            "SELECT rebuilt_utc, documents, lines, unposted_json FROM gl_state WHERE tenant_id = ?",
        )
        .bind(tenant_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            let json: String = r.try_get("unposted_json")?;
            Ok(GlState {
                rebuilt_utc: r.try_get("rebuilt_utc")?,
                documents: u64::try_from(r.try_get::<i64, _>("documents")?).unwrap_or(0),
                lines: u64::try_from(r.try_get::<i64, _>("lines")?).unwrap_or(0),
                unposted: serde_json::from_str(&json)
                    .map_err(|e| StoreError::Data(format!("gl_state: {e}")))?,
            })
        })
        .transpose()
    }
}

impl std::fmt::Debug for GlWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GlWriter")
            .field("tenant_id", &self.tenant_id)
            .field("lines", &self.lines)
            .finish_non_exhaustive()
    }
}

impl GlWriter {
    /// Writes one document's lines (a posting), grouped into one entry per date.
    pub async fn write(&mut self, lines: &[GlLine]) -> Result<(), StoreError> {
        for l in lines {
            let same = self
                .entry
                .as_ref()
                .is_some_and(|(s, d, _)| *s == l.source_xero_id && *d == l.date);
            if !same {
                let key = format!("{}@{}", l.source_xero_id, l.date);
                // A document's lines on one date may come in two runs (its own
                // lines, then an allocation's): reuse the entry.
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO gl_entries (tenant_id, xero_id, date, reference, source_xero_id, source_type) \
                     VALUES (?, ?, ?, ?, ?, ?) \
                     ON CONFLICT (tenant_id, xero_id) DO UPDATE SET date = excluded.date RETURNING id",
                )
                .bind(&self.tenant_id)
                .bind(&key)
                .bind(&l.date)
                .bind(&l.reference)
                .bind(&l.source_xero_id)
                .bind(&l.source_type)
                .fetch_one(&mut *self.tx)
                .await?;
                self.position = sqlx::query_scalar(
                    "SELECT COALESCE(MAX(position) + 1, 0) FROM gl_lines WHERE parent_id = ?",
                )
                .bind(id)
                .fetch_one(&mut *self.tx)
                .await?;
                self.entry = Some((l.source_xero_id.clone(), l.date.clone(), id));
            }
            let Some((_, _, parent)) = &self.entry else {
                continue;
            };
            let e4 = l.net.to_e4();
            sqlx::query(
                "INSERT INTO gl_lines (parent_id, position, line_xero_id, role, account_xero_id, \
                 account_code, account_type, account_name, description, net_amount, net_amount_e4, \
                 tax_type, currency_code, foreign_amount, tracking_json) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(*parent)
            .bind(self.position)
            .bind(&l.line_xero_id)
            .bind(&l.role)
            .bind(&l.account_xero_id)
            .bind(&l.account_code)
            .bind(&l.account_type)
            .bind(&l.account_name)
            .bind(&l.description)
            .bind(l.net.to_string())
            .bind(e4)
            .bind(&l.tax_type)
            .bind(&l.currency_code)
            .bind(l.foreign_amount.as_ref().map(Money::to_string))
            .bind(&l.tracking_json)
            .execute(&mut *self.tx)
            .await?;
            self.position += 1;
            self.lines += 1;
        }
        Ok(())
    }

    /// Commits the rebuilt ledger with what the rebuild did.
    pub async fn finish(
        mut self,
        rebuilt_utc: &str,
        documents: u64,
        unposted: &[Unposted],
    ) -> Result<GlState, StoreError> {
        let json = serde_json::to_string(unposted).map_err(|e| StoreError::Data(e.to_string()))?;
        sqlx::query(
            "INSERT INTO gl_state (tenant_id, rebuilt_utc, documents, lines, unposted_json) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET \
             rebuilt_utc = excluded.rebuilt_utc, documents = excluded.documents, \
             lines = excluded.lines, unposted_json = excluded.unposted_json",
        )
        .bind(&self.tenant_id)
        .bind(rebuilt_utc)
        .bind(i64::try_from(documents).unwrap_or(i64::MAX))
        .bind(i64::try_from(self.lines).unwrap_or(i64::MAX))
        .bind(&json)
        .execute(&mut *self.tx)
        .await?;
        self.tx.commit().await?;
        Ok(GlState {
            rebuilt_utc: rebuilt_utc.to_owned(),
            documents,
            lines: self.lines,
            unposted: unposted.to_vec(),
        })
    }
}
