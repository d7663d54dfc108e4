//! The general ledger rebuilt from the documents (`migrations/0016_general_ledger.sql`).
//!
//! The store keeps facts only. It gives what posting needs (the chart with
//! Xero's system accounts, the documents' JSON page by page, what each
//! payable document was booked at) and keeps the journal lines that the pure
//! posting engine (`ledgerkeep-ledger`) returns; the sync engine composes
//! them. A rebuild replaces one organisation's ledger whole, in one
//! transaction: a reader sees the old ledger or the new one, never half.

use std::collections::{BTreeMap, HashMap};

use ledgerkeep_domain::Money;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteArguments;
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
    /// Whether it kept the aged reports' documents ([`crate::aged::AgedCopy`]);
    /// a ledger rebuilt before they were kept is rebuilt again.
    pub aged_kept: bool,
}

/// One account's lines over a period (the general ledger screen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountLinesFilter {
    pub tenant_id: String,
    /// The account as the reports key it: its Xero id, else its code.
    pub account: String,
    /// `YYYY-MM-DD`, inclusive; `None` = since the first line.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub to: String,
}

/// One line of an account, with its entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountLine {
    /// The entry's row id: lines of one date are ordered by it, then by position.
    pub entry_id: i64,
    pub position: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub reference: Option<String>,
    /// Xero's Journals `SourceType` (`ACCREC`, `CASHPAID`...).
    pub source_type: String,
    /// The document the line was posted from.
    pub source_xero_id: String,
    /// The document line or allocation, if any.
    pub line_xero_id: Option<String>,
    /// `control`, `bank`, `item`, `tax`, `currencyGain`, `rounding`.
    pub role: String,
    pub description: Option<String>,
    /// Base currency, debit positive.
    pub net: Money,
    pub tax_type: Option<String>,
    /// The document's own currency and amount, when not the base currency.
    pub currency_code: Option<String>,
    pub foreign_amount: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountLinePage {
    pub rows: Vec<AccountLine>,
    /// Pass as `after` for the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct AccountLineCursor {
    date: String,
    entry: i64,
    position: i64,
}

/// The page's query: the lines of one account (`gl_lines_account_date`,
/// migration 0020: equality on the account's key, then a range of dates, or
/// of `(date, entry, position)` after a cursor, in the index's order), each
/// joined to its entry by row id.
fn account_lines_sql(from: bool, cursor: bool, limit: u32) -> String {
    let mut sql = String::from(
        "SELECT l.parent_id, l.position, l.date, e.reference, e.source_type, e.source_xero_id, \
         l.line_xero_id, l.role, l.description, l.net_amount, l.tax_type, l.currency_code, \
         l.foreign_amount \
         FROM gl_lines l INDEXED BY gl_lines_account_date JOIN gl_entries e ON e.id = l.parent_id \
         WHERE COALESCE(l.account_xero_id, l.account_code, '') = ? AND l.date <= ? \
         AND e.tenant_id = ?",
    );
    // After a cursor its date is within the period already: the row value
    // alone bounds the index's range from below.
    if cursor {
        sql.push_str(" AND (l.date, l.parent_id, l.position) > (?, ?, ?)");
    } else if from {
        sql.push_str(" AND l.date >= ?");
    }
    sql.push_str(&format!(
        " ORDER BY l.date, l.parent_id, l.position LIMIT {}",
        limit + 1
    ));
    sql
}

/// One account's debits and credits over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountTotal {
    /// The sum of the positive lines.
    pub debit: Decimal,
    /// The sum of the negative lines, as a positive number.
    pub credit: Decimal,
    pub lines: u64,
}

impl AccountTotal {
    /// Debits less credits.
    pub fn net(&self) -> Decimal {
        self.debit - self.credit
    }

    fn add(&mut self, net: Decimal) -> Result<(), StoreError> {
        let overflow = || StoreError::Data("an account total overflows".to_owned());
        if net.is_sign_negative() {
            self.credit = self.credit.checked_sub(net).ok_or_else(overflow)?;
        } else {
            self.debit = self.debit.checked_add(net).ok_or_else(overflow)?;
        }
        self.lines += 1;
        Ok(())
    }
}

/// A rebuild in progress: one open write transaction. Lines are written as
/// they are posted; nothing is visible until [`GlWriter::finish`].
///
/// The writer gives entries their ids itself and keeps each entry's next line
/// position, so it writes with multi-row `INSERT`s and never reads back; the
/// ledger's tables are made again empty at the start and their indexes at the
/// end, inside the same transaction (a reader sees the old ledger, with its
/// indexes, until the commit). It also sums each account's month
/// (`gl_month_totals`) as the lines pass.
pub struct GlWriter {
    tx: Transaction<'static, Sqlite>,
    tenant_id: String,
    /// The ledger's indexes and triggers, made again at the end.
    remake: Vec<String>,
    /// The planner's statistics of the ledger's tables: `(tbl, idx, stat)`.
    stats: Vec<(String, Option<String>, String)>,
    /// Each entry written, by `<source>@<date>`: its id and next position.
    entries: HashMap<String, (i64, i64)>,
    /// The id the next entry takes.
    next_id: i64,
    /// Entries and lines written but not yet sent to SQLite.
    pending_entries: Vec<(i64, String, String, Option<String>, String, String)>,
    pending_lines: Vec<(i64, i64, GlLine)>,
    /// Per account, per month (`YYYY-MM`).
    months: HashMap<String, HashMap<String, MonthTotal>>,
    /// Whether every line's date was `YYYY-MM-DD` (so the months hold every line).
    months_complete: bool,
    lines: u64,
    /// What the aged reports read, kept with the ledger when given.
    aged: Option<crate::aged::AgedCopy>,
}

/// One account's month, as the lines pass.
#[derive(Default)]
struct MonthTotal {
    code: Option<String>,
    name: Option<String>,
    account_type: Option<String>,
    lines: i64,
    lines_e4: i64,
    debit_e4: i128,
    credit_e4: i128,
}

/// The least of two optional texts, ignoring a missing one (as SQL's `MIN`).
fn least(slot: &mut Option<String>, value: &Option<String>) {
    if let Some(v) = value {
        if slot.as_ref().is_none_or(|s| v < s) {
            *slot = Some(v.clone());
        }
    }
}

/// The general ledger's tables, in the order a rebuild makes them again
/// (the lines name their entry).
const GL_TABLES: [&str; 2] = ["gl_entries", "gl_lines"];

/// Entries and lines sent to SQLite per `INSERT` (SQLite takes up to
/// 32,766 values a statement).
const ENTRY_BATCH: usize = 1_024;
const LINE_BATCH: usize = 1_024;

/// Lines kept before they are sent.
const FLUSH_LINES: usize = 4_096;

/// `n` rows as statements of `batch` rows, then of powers of two: a few
/// statement texts, each prepared once.
pub(crate) fn batch_sizes(mut n: usize, batch: usize) -> Vec<usize> {
    let mut out = Vec::new();
    while n >= batch {
        out.push(batch);
        n -= batch;
    }
    let mut p = batch.next_power_of_two();
    while n > 0 {
        if p <= n {
            out.push(p);
            n -= p;
        }
        p /= 2;
    }
    out
}

/// `YYYY-MM` of a `YYYY-MM-DD` date, if it is one.
fn month_of(date: &str) -> Option<&str> {
    let b = date.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    (b.len() == 10 && b[4] == b'-' && b[7] == b'-' && digits(0..4) && digits(5..7) && digits(8..10))
        .then(|| &date[..7])
}

/// The values of one multi-row `INSERT`, room made for all of them at once.
pub(crate) struct Arguments(pub(crate) SqliteArguments<'static>);

impl Arguments {
    pub(crate) fn new(values: usize) -> Arguments {
        let mut args = SqliteArguments::default();
        sqlx::Arguments::reserve(&mut args, values, 0);
        Arguments(args)
    }

    pub(crate) fn add<T>(&mut self, value: T) -> Result<(), StoreError>
    where
        T: sqlx::Encode<'static, Sqlite> + sqlx::Type<Sqlite> + 'static,
    {
        sqlx::Arguments::add(&mut self.0, value).map_err(|source| StoreError::Value {
            what: "a value to write",
            source,
        })
    }
}

pub(crate) fn insert_sql(head: &str, columns: usize, rows: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    format!("{head} VALUES {}", vec![row; rows].join(", "))
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
                let amount = Money::parse(&amount).map_err(StoreError::value("an amount"))?;
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
        posting_rows(&rows)
    }

    /// Starts replacing the organisation's general ledger: its old lines are
    /// gone only once [`GlWriter::finish`] commits.
    ///
    /// The ledger's tables are dropped and made again from their definitions
    /// (as the migrations left them), empty and without their indexes: the
    /// old ledger's pages are freed at once for the new one, rather than
    /// deleted row by row through every index, and the indexes are made at
    /// the end from the rows written. Another organisation's entries and
    /// lines are kept: copied aside and back. All of it in the one
    /// transaction, so a reader sees the old ledger or the new one.
    pub async fn begin_general_ledger(&self, tenant_id: &str) -> Result<GlWriter, StoreError> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let mut tables = Vec::new();
        for name in GL_TABLES {
            let sql: String = sqlx::query_scalar(
                "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?",
            )
            .bind(name)
            .fetch_one(&mut *tx)
            .await?;
            tables.push(sql);
        }
        // Their indexes and triggers, made again at the end; a constraint's
        // own index (no SQL of its own) comes back with its table.
        let remake: Vec<String> = sqlx::query_scalar(
            "SELECT sql FROM sqlite_schema WHERE type IN ('index', 'trigger') \
             AND tbl_name IN ('gl_entries', 'gl_lines') AND sql IS NOT NULL \
             ORDER BY type, name",
        )
        .fetch_all(&mut *tx)
        .await?;
        // The planner's statistics of the tables, which dropping them drops:
        // put back at the end, as a ledger rebuilt is much like the one before.
        let has_stats: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1')",
        )
        .fetch_one(&mut *tx)
        .await?;
        let stats: Vec<(String, Option<String>, String)> = if has_stats {
            sqlx::query(
                "SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl IN ('gl_entries', 'gl_lines')",
            )
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect::<Result<Vec<_>, StoreError>>()?
        } else {
            Vec::new()
        };
        // Whether another organisation has a ledger here (two index seeks).
        let others: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM gl_entries WHERE tenant_id < ?1) \
             OR EXISTS (SELECT 1 FROM gl_entries WHERE tenant_id > ?1)",
        )
        .bind(tenant_id)
        .fetch_one(&mut *tx)
        .await?;
        if others {
            sqlx::query(
                "CREATE TABLE gl_kept_entries AS SELECT * FROM gl_entries WHERE tenant_id <> ?",
            )
            .bind(tenant_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "CREATE TABLE gl_kept_lines AS SELECT l.* FROM gl_kept_entries e \
                 JOIN gl_lines l ON l.parent_id = e.id",
            )
            .execute(&mut *tx)
            .await?;
        }
        // The lines first: with no lines left to name them, dropping the
        // entries deletes nothing by the foreign key.
        for name in GL_TABLES.iter().rev() {
            sqlx::query(&format!("DROP TABLE {name}"))
                .execute(&mut *tx)
                .await?;
        }
        for sql in &tables {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        if others {
            for (kept, table) in [
                ("gl_kept_entries", "gl_entries"),
                ("gl_kept_lines", "gl_lines"),
            ] {
                sqlx::query(&format!(
                    "INSERT INTO {table} SELECT * FROM {kept} ORDER BY rowid"
                ))
                .execute(&mut *tx)
                .await?;
                sqlx::query(&format!("DROP TABLE {kept}"))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query("DELETE FROM gl_month_totals WHERE tenant_id = ?")
            .bind(tenant_id)
            .execute(&mut *tx)
            .await?;
        let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM gl_entries")
            .fetch_one(&mut *tx)
            .await?;
        Ok(GlWriter {
            tx,
            tenant_id: tenant_id.to_owned(),
            remake,
            stats,
            entries: HashMap::new(),
            next_id: last + 1,
            pending_entries: Vec::new(),
            pending_lines: Vec::new(),
            months: HashMap::new(),
            months_complete: true,
            lines: 0,
            aged: None,
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
                .map_err(StoreError::value("an amount"))?
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

    /// One page of an account's lines over a period, by date, then entry,
    /// then line, after `after` (the previous page's cursor). Facts only: the
    /// balance before the period is the reports' movements over the span
    /// the core names (`LedgerStore::account_movements`).
    pub async fn account_lines(
        &self,
        filter: &AccountLinesFilter,
        after: Option<&str>,
        limit: u32,
    ) -> Result<AccountLinePage, StoreError> {
        let _timer = self.timed("account_lines");
        let limit = limit.clamp(1, 500);
        let cursor = after.map(read_line_cursor).transpose()?;
        let sql = account_lines_sql(filter.from.is_some(), cursor.is_some(), limit);
        let mut q = sqlx::query(&sql)
            .bind(&filter.account)
            .bind(&filter.to)
            .bind(&filter.tenant_id);
        if let Some(c) = &cursor {
            q = q.bind(&c.date).bind(c.entry).bind(c.position);
        } else if let Some(from) = &filter.from {
            q = q.bind(from);
        }
        let raw = q.fetch_all(self.pool()).await?;
        let more = raw.len() > limit as usize;
        let mut rows = Vec::with_capacity(raw.len().min(limit as usize));
        for r in raw.iter().take(limit as usize) {
            let net: String = r.try_get("net_amount")?;
            let foreign: Option<String> = r.try_get("foreign_amount")?;
            rows.push(AccountLine {
                entry_id: r.try_get("parent_id")?,
                position: r.try_get("position")?,
                date: r.try_get("date")?,
                reference: r.try_get("reference")?,
                source_type: r.try_get("source_type")?,
                source_xero_id: r.try_get("source_xero_id")?,
                line_xero_id: r.try_get("line_xero_id")?,
                role: r.try_get("role")?,
                description: r.try_get("description")?,
                net: Money::parse(&net).map_err(StoreError::value("an amount"))?,
                tax_type: r.try_get("tax_type")?,
                currency_code: r.try_get("currency_code")?,
                foreign_amount: foreign
                    .as_deref()
                    .map(Money::parse)
                    .transpose()
                    .map_err(StoreError::value("an amount"))?,
            });
        }
        let next_cursor = match (more, rows.last()) {
            (true, Some(l)) => Some(
                serde_json::to_string(&AccountLineCursor {
                    date: l.date.clone(),
                    entry: l.entry_id,
                    position: l.position,
                })
                .map_err(StoreError::value("a JSON value"))?,
            ),
            _ => None,
        };
        Ok(AccountLinePage { rows, next_cursor })
    }

    /// One account's debits and credits over `period`, as
    /// `LedgerStore::account_movements` gives them for it, reading only
    /// that account: its whole months from the month totals the rebuild
    /// keeps, and its lines of the days at the period's edges through its
    /// index; all of its lines in the period when the ledger keeps no month
    /// totals or a month has no exact integer sum. Lines are summed as
    /// `Decimal` in Rust.
    pub async fn account_total(
        &self,
        tenant_id: &str,
        account: &str,
        period: &crate::reports::LedgerPeriod,
    ) -> Result<AccountTotal, StoreError> {
        let _timer = self.timed("account_total");
        let kept: Option<i64> =
            sqlx::query_scalar("SELECT month_totals FROM gl_state WHERE tenant_id = ?")
                .bind(tenant_id)
                .fetch_optional(self.pool())
                .await?;
        if kept == Some(1) {
            if let Some((first, last, edges)) = crate::reports::whole_months(period) {
                if let Some(mut total) = self.months_total(tenant_id, account, first, &last).await?
                {
                    for edge in &edges {
                        self.lines_total(tenant_id, account, edge, &mut total)
                            .await?;
                    }
                    return Ok(total);
                }
            }
        }
        let mut total = AccountTotal::default();
        self.lines_total(tenant_id, account, period, &mut total)
            .await?;
        Ok(total)
    }

    /// The account's whole months `first..=last` from `gl_month_totals`;
    /// `None` when one has no exact integer sum.
    async fn months_total(
        &self,
        tenant_id: &str,
        account: &str,
        first: Option<String>,
        last: &str,
    ) -> Result<Option<AccountTotal>, StoreError> {
        let mut sql = String::from(
            "SELECT COALESCE(SUM(lines), 0) AS n, COALESCE(SUM(lines_e4), 0) AS n_e4, \
             2 * COUNT(*) - COUNT(debit_e4) - COUNT(credit_e4) AS whole, \
             SUM(debit_e4) AS debit_e4, SUM(credit_e4) AS credit_e4 \
             FROM gl_month_totals WHERE tenant_id = ? AND account = ? AND month <= ?",
        );
        if first.is_some() {
            sql.push_str(" AND month >= ?");
        }
        let mut q = sqlx::query(&sql).bind(tenant_id).bind(account).bind(last);
        if let Some(first) = &first {
            q = q.bind(first);
        }
        let row = match q.fetch_one(self.pool()).await {
            Ok(r) => r,
            // SQLite's integer sum overflowed: the lines are summed instead.
            Err(sqlx::Error::Database(e)) if e.message().contains("overflow") => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let n: i64 = row.try_get("n")?;
        let n_e4: i64 = row.try_get("n_e4")?;
        let whole: i64 = row.try_get("whole")?;
        if n != n_e4 || whole != 0 {
            return Ok(None);
        }
        let e4 = |v: Option<i64>| -> Result<Decimal, StoreError> {
            Money::from_e4(i128::from(v.unwrap_or(0)))
                .map(|m| m.as_decimal())
                .ok_or_else(|| StoreError::Data("an account total overflows".to_owned()))
        };
        Ok(Some(AccountTotal {
            debit: e4(row.try_get("debit_e4")?)?,
            credit: e4(row.try_get("credit_e4")?)?,
            lines: u64::try_from(n).unwrap_or(0),
        }))
    }

    /// Adds the account's lines dated in `period` to `total`, read through
    /// the account's index: SQLite sums their exact integer form
    /// (`net_amount_e4`), or, when a line has none or a sum overflows, their
    /// text is summed in Rust.
    async fn lines_total(
        &self,
        tenant_id: &str,
        account: &str,
        period: &crate::reports::LedgerPeriod,
        total: &mut AccountTotal,
    ) -> Result<(), StoreError> {
        let head = "FROM gl_lines l INDEXED BY gl_lines_account_date \
             JOIN gl_entries e ON e.id = l.parent_id \
             WHERE COALESCE(l.account_xero_id, l.account_code, '') = ? AND l.date <= ? \
             AND e.tenant_id = ?";
        let tail = if period.from.is_some() {
            " AND l.date >= ?"
        } else {
            ""
        };
        let sums = format!(
            "SELECT COUNT(l.net_amount) AS n, COUNT(l.net_amount_e4) AS n_e4, \
             SUM(CASE WHEN l.net_amount_e4 >= 0 THEN l.net_amount_e4 END) AS debit_e4, \
             SUM(CASE WHEN l.net_amount_e4 < 0 THEN -l.net_amount_e4 END) AS credit_e4 \
             {head}{tail}"
        );
        let mut q = sqlx::query(&sums)
            .bind(account)
            .bind(&period.to)
            .bind(tenant_id);
        if let Some(from) = &period.from {
            q = q.bind(from);
        }
        let exact = match q.fetch_one(self.pool()).await {
            Ok(r) => Some(r),
            Err(sqlx::Error::Database(e)) if e.message().contains("overflow") => None,
            Err(e) => return Err(e.into()),
        };
        if let Some(r) = exact {
            let n: i64 = r.try_get("n")?;
            let n_e4: i64 = r.try_get("n_e4")?;
            if n == n_e4 {
                let e4 = |v: Option<i64>| -> Result<Decimal, StoreError> {
                    Money::from_e4(i128::from(v.unwrap_or(0)))
                        .map(|m| m.as_decimal())
                        .ok_or_else(|| StoreError::Data("an account total overflows".to_owned()))
                };
                let overflow = || StoreError::Data("an account total overflows".to_owned());
                total.debit = total
                    .debit
                    .checked_add(e4(r.try_get("debit_e4")?)?)
                    .ok_or_else(overflow)?;
                total.credit = total
                    .credit
                    .checked_add(e4(r.try_get("credit_e4")?)?)
                    .ok_or_else(overflow)?;
                total.lines += u64::try_from(n).unwrap_or(0);
                return Ok(());
            }
        }
        let text = format!("SELECT l.net_amount {head}{tail}");
        let mut q = sqlx::query_scalar::<_, String>(&text)
            .bind(account)
            .bind(&period.to)
            .bind(tenant_id);
        if let Some(from) = &period.from {
            q = q.bind(from);
        }
        for text in q.fetch_all(self.pool()).await? {
            let net = Money::parse(&text).map_err(StoreError::value("an amount"))?;
            total.add(net.as_decimal())?;
        }
        Ok(())
    }

    /// SQLite's plan for [`Self::account_lines`] (`EXPLAIN QUERY PLAN`, one
    /// detail per step), so that a test can hold it to its index.
    pub async fn account_lines_plan(
        &self,
        filter: &AccountLinesFilter,
        after: Option<&str>,
    ) -> Result<Vec<String>, StoreError> {
        let cursor = after.map(read_line_cursor).transpose()?;
        let sql = format!(
            "EXPLAIN QUERY PLAN {}",
            account_lines_sql(filter.from.is_some(), cursor.is_some(), 100)
        );
        let mut q = sqlx::query(&sql)
            .bind(&filter.account)
            .bind(&filter.to)
            .bind(&filter.tenant_id);
        if let Some(c) = &cursor {
            q = q.bind(&c.date).bind(c.entry).bind(c.position);
        } else if let Some(from) = &filter.from {
            q = q.bind(from);
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| Ok(r.try_get::<String, _>("detail")?))
            .collect()
    }

    /// What the last rebuild of the organisation's ledger did, if it was rebuilt.
    pub async fn general_ledger_state(
        &self,
        tenant_id: &str,
    ) -> Result<Option<GlState>, StoreError> {
        let row = sqlx::query(
            "SELECT rebuilt_utc, documents, lines, unposted_json, aged_kept FROM gl_state \
             WHERE tenant_id = ?",
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
                    .map_err(StoreError::value("the general ledger's state"))?,
                aged_kept: r.try_get::<i64, _>("aged_kept")? == 1,
            })
        })
        .transpose()
    }
}

fn read_line_cursor(text: &str) -> Result<AccountLineCursor, StoreError> {
    serde_json::from_str(text)
        .map_err(|_| StoreError::Invalid("that page cursor is not valid".to_owned()))
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
            self.add(l.clone());
        }
        self.flush(false).await
    }

    /// Writes lines the caller no longer needs, without copying them.
    pub async fn write_owned(&mut self, lines: Vec<GlLine>) -> Result<(), StoreError> {
        for l in lines {
            self.add(l);
        }
        self.flush(false).await
    }

    fn add(&mut self, l: GlLine) {
        let key = format!("{}@{}", l.source_xero_id, l.date);
        // A document's lines on one date may come in two runs (its own
        // lines, then an allocation's): they share the entry.
        let (parent, position) = match self.entries.get_mut(&key) {
            Some((id, next)) => {
                *next += 1;
                (*id, *next - 1)
            }
            None => {
                let id = self.next_id;
                self.next_id += 1;
                self.pending_entries.push((
                    id,
                    key.clone(),
                    l.date.clone(),
                    l.reference.clone(),
                    l.source_xero_id.clone(),
                    l.source_type.clone(),
                ));
                self.entries.insert(key, (id, 1));
                (id, 0)
            }
        };
        self.count_month(&l);
        self.pending_lines.push((parent, position, l));
        self.lines += 1;
    }

    fn count_month(&mut self, l: &GlLine) {
        let Some(month) = month_of(&l.date) else {
            self.months_complete = false;
            return;
        };
        let account = l
            .account_xero_id
            .as_deref()
            .or(l.account_code.as_deref())
            .unwrap_or("");
        let months = match self.months.get_mut(account) {
            Some(m) => m,
            None => self.months.entry(account.to_owned()).or_default(),
        };
        let t = match months.get_mut(month) {
            Some(t) => t,
            None => months.entry(month.to_owned()).or_default(),
        };
        least(&mut t.code, &l.account_code);
        least(&mut t.name, &l.account_name);
        least(&mut t.account_type, &l.account_type);
        t.lines += 1;
        if let Some(e4) = l.net.to_e4() {
            t.lines_e4 += 1;
            if e4 >= 0 {
                t.debit_e4 += i128::from(e4);
            } else {
                t.credit_e4 -= i128::from(e4);
            }
        }
    }

    /// Sends the pending entries and lines to SQLite once enough lines are
    /// pending (all of them with `all`): the entries first, as each line
    /// names its entry.
    async fn flush(&mut self, all: bool) -> Result<(), StoreError> {
        if !all && self.pending_lines.len() < FLUSH_LINES {
            return Ok(());
        }
        let entries = std::mem::take(&mut self.pending_entries);
        let mut entries = entries.into_iter();
        for n in batch_sizes(entries.len(), ENTRY_BATCH) {
            let sql = insert_sql(
                "INSERT INTO gl_entries (id, tenant_id, xero_id, date, reference, source_xero_id, \
                 source_type)",
                7,
                n,
            );
            let mut args = Arguments::new(n * 7);
            for (id, key, date, reference, source, kind) in entries.by_ref().take(n) {
                args.add(id)?;
                args.add(self.tenant_id.clone())?;
                args.add(key)?;
                args.add(date)?;
                args.add(reference)?;
                args.add(source)?;
                args.add(kind)?;
            }
            sqlx::query_with(&sql, args.0)
                .execute(&mut *self.tx)
                .await?;
        }
        let lines = std::mem::take(&mut self.pending_lines);
        let mut lines = lines.into_iter();
        for n in batch_sizes(lines.len(), LINE_BATCH) {
            let sql = insert_sql(
                "INSERT INTO gl_lines (parent_id, position, date, line_xero_id, role, \
                 account_xero_id, account_code, account_type, account_name, description, \
                 net_amount, net_amount_e4, tax_type, currency_code, foreign_amount, tracking_json)",
                16,
                n,
            );
            let mut args = Arguments::new(n * 16);
            for (parent, position, l) in lines.by_ref().take(n) {
                let e4 = l.net.to_e4();
                args.add(parent)?;
                args.add(position)?;
                args.add(l.date)?;
                args.add(l.line_xero_id)?;
                args.add(l.role)?;
                args.add(l.account_xero_id)?;
                args.add(l.account_code)?;
                args.add(l.account_type)?;
                args.add(l.account_name)?;
                args.add(l.description)?;
                args.add(l.net.to_string())?;
                args.add(e4)?;
                args.add(l.tax_type)?;
                args.add(l.currency_code)?;
                args.add(l.foreign_amount.as_ref().map(Money::to_string))?;
                args.add(l.tracking_json)?;
            }
            sqlx::query_with(&sql, args.0)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Writes each account's months.
    async fn write_months(&mut self) -> Result<(), StoreError> {
        let rows: Vec<(String, String, MonthTotal)> = std::mem::take(&mut self.months)
            .into_iter()
            .flat_map(|(account, months)| {
                months
                    .into_iter()
                    .map(move |(month, t)| (account.clone(), month, t))
            })
            .collect();
        for chunk in rows.chunks(ENTRY_BATCH) {
            let sql = insert_sql(
                "INSERT INTO gl_month_totals (tenant_id, month, account, account_code, \
                 account_name, account_type, lines, lines_e4, debit_e4, credit_e4)",
                10,
                chunk.len(),
            );
            let mut q = sqlx::query(&sql);
            for (account, month, t) in chunk {
                q = q
                    .bind(&self.tenant_id)
                    .bind(month)
                    .bind(account)
                    .bind(&t.code)
                    .bind(&t.name)
                    .bind(&t.account_type)
                    .bind(t.lines)
                    .bind(t.lines_e4)
                    // A sum too large for an integer is left out: the report
                    // sums those lines' text instead.
                    .bind(i64::try_from(t.debit_e4).ok())
                    .bind(i64::try_from(t.credit_e4).ok());
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Commits the rebuilt ledger with what the rebuild did.
    /// Keeps `copy` as the aged reports' documents, written with the ledger
    /// by [`GlWriter::finish`]; a rebuild that keeps none leaves the reports
    /// to rebuild again before they read.
    pub fn keep_aged(&mut self, copy: crate::aged::AgedCopy) {
        self.aged = Some(copy);
    }

    pub async fn finish(
        mut self,
        rebuilt_utc: &str,
        documents: u64,
        unposted: &[Unposted],
    ) -> Result<GlState, StoreError> {
        let json = serde_json::to_string(unposted).map_err(StoreError::value("a JSON value"))?;
        self.flush(true).await?;
        self.write_months().await?;
        // The indexes, each made from the rows written (SQLite sorts them
        // once), and the planner's statistics of before.
        for sql in &self.remake {
            sqlx::query(sql).execute(&mut *self.tx).await?;
        }
        for (tbl, idx, stat) in &self.stats {
            sqlx::query("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)")
                .bind(tbl)
                .bind(idx)
                .bind(stat)
                .execute(&mut *self.tx)
                .await?;
        }
        if let Some(copy) = &self.aged {
            crate::aged::write_aged_copy(&mut self.tx, &self.tenant_id, copy).await?;
        }
        sqlx::query(
            "INSERT INTO gl_state (tenant_id, rebuilt_utc, documents, lines, unposted_json, \
             month_totals, aged_kept) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id) \
             DO UPDATE SET rebuilt_utc = excluded.rebuilt_utc, documents = excluded.documents, \
             lines = excluded.lines, unposted_json = excluded.unposted_json, \
             month_totals = excluded.month_totals, aged_kept = excluded.aged_kept",
        )
        .bind(&self.tenant_id)
        .bind(rebuilt_utc)
        .bind(i64::try_from(documents).unwrap_or(i64::MAX))
        .bind(i64::try_from(self.lines).unwrap_or(i64::MAX))
        .bind(&json)
        .bind(i64::from(self.months_complete))
        .bind(i64::from(self.aged.is_some()))
        .execute(&mut *self.tx)
        .await?;
        self.tx.commit().await?;
        Ok(GlState {
            rebuilt_utc: rebuilt_utc.to_owned(),
            documents,
            lines: self.lines,
            unposted: unposted.to_vec(),
            aged_kept: self.aged.is_some(),
        })
    }
}

/// A page of documents as `(row id, xero id, JSON)`.
fn posting_rows(
    rows: &[sqlx::sqlite::SqliteRow],
) -> Result<Vec<(i64, String, String)>, StoreError> {
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
