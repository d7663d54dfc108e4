//! Reading the ledger: keyset-paginated, filtered and sorted listings of
//! documents (bank transactions, invoices and bills), exact totals, and
//! full-text search.
//!
//! Pagination is by keyset (the last row's sort key and id), never by
//! OFFSET, so every page costs the same however deep it is. Totals are sums
//! of integer ten-thousandths in SQLite (exact; an overflow is an error,
//! never a rounding), falling back to summing the decimal text in Rust.

use ledgerkeep_domain::{EntityKind, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::apply::bind_value;
use crate::rows::SqlValue;
use crate::{LedgerStore, StoreError};

/// Which documents to list.
///
/// Every kind has a full-text index ([`DocumentKind::fts`]). Bank
/// transactions and invoices are the kinds a ledger holds by the million:
/// they also have day rollups and in-memory copies for their totals
/// ([`DocumentKind::is_indexed`]). The other kinds are listed by
/// [`crate::document_kinds`], from their tables as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DocumentKind {
    BankTransactions,
    /// Invoices (ACCREC) and bills (ACCPAY); filter by `doc_type` for one.
    Invoices,
    /// `ACCRECCREDIT` and `ACCPAYCREDIT`.
    CreditNotes,
    Payments,
    Overpayments,
    Prepayments,
    /// From one bank account to another: `account` is the one it left.
    BankTransfers,
    /// No contact and no total of their own: the total listed is the sum of
    /// the debit lines.
    ManualJournals,
    PurchaseOrders,
    Quotes,
    /// Dated by the next invoice they will make.
    RepeatingInvoices,
    /// Bills paid or receipts banked together: `account` is the bank
    /// account, the total the batch's; no contact (each payment has its own).
    BatchPayments,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 12] = [
        DocumentKind::BankTransactions,
        DocumentKind::Invoices,
        DocumentKind::CreditNotes,
        DocumentKind::Payments,
        DocumentKind::Overpayments,
        DocumentKind::Prepayments,
        DocumentKind::BankTransfers,
        DocumentKind::ManualJournals,
        DocumentKind::PurchaseOrders,
        DocumentKind::Quotes,
        DocumentKind::RepeatingInvoices,
        DocumentKind::BatchPayments,
    ];

    /// Whether this kind has the rollups, in-memory copies and search plans
    /// that keep its listing and totals fast at a million rows.
    pub fn is_indexed(self) -> bool {
        matches!(
            self,
            DocumentKind::BankTransactions | DocumentKind::Invoices
        )
    }

    /// The kind of record one of these documents is.
    pub fn entity(self) -> EntityKind {
        match self {
            DocumentKind::BankTransactions => EntityKind::BankTransaction,
            DocumentKind::Invoices => EntityKind::Invoice,
            DocumentKind::CreditNotes => EntityKind::CreditNote,
            DocumentKind::Payments => EntityKind::Payment,
            DocumentKind::Overpayments => EntityKind::Overpayment,
            DocumentKind::Prepayments => EntityKind::Prepayment,
            DocumentKind::BankTransfers => EntityKind::BankTransfer,
            DocumentKind::ManualJournals => EntityKind::ManualJournal,
            DocumentKind::PurchaseOrders => EntityKind::PurchaseOrder,
            DocumentKind::Quotes => EntityKind::Quote,
            DocumentKind::RepeatingInvoices => EntityKind::RepeatingInvoice,
            DocumentKind::BatchPayments => EntityKind::BatchPayment,
        }
    }

    pub(crate) fn table(self) -> &'static str {
        crate::rows::table_of(self.entity())
    }

    /// The kind's full-text index (`rowid` the document's `id`).
    pub(crate) fn fts(self) -> &'static str {
        match self {
            DocumentKind::BankTransactions => "bank_transaction_fts",
            DocumentKind::Invoices => "invoice_fts",
            DocumentKind::CreditNotes => "credit_note_fts",
            DocumentKind::Payments => "payment_fts",
            DocumentKind::Overpayments => "overpayment_fts",
            DocumentKind::Prepayments => "prepayment_fts",
            DocumentKind::BankTransfers => "bank_transfer_fts",
            DocumentKind::ManualJournals => "manual_journal_fts",
            DocumentKind::PurchaseOrders => "purchase_order_fts",
            DocumentKind::Quotes => "quote_fts",
            DocumentKind::RepeatingInvoices => "repeating_invoice_fts",
            DocumentKind::BatchPayments => "batch_payment_fts",
        }
    }

    /// The columns of a listing's row, for an [indexed](Self::is_indexed) kind.
    fn select(self) -> &'static str {
        match self {
            DocumentKind::BankTransactions => {
                "id, xero_id, type, NULL AS number, reference, contact_xero_id, contact_name, date, status, \
                 currency_code, currency_rate, total, bank_account_xero_id AS account, \
                 NULL AS account_name, NULL AS to_account, NULL AS to_account_name, updated_utc"
            }
            _ => {
                "id, xero_id, type, number, reference, contact_xero_id, contact_name, date, status, \
                 currency_code, currency_rate, total, NULL AS account, \
                 NULL AS account_name, NULL AS to_account, NULL AS to_account_name, updated_utc"
            }
        }
    }
}

/// Filters; every one that is set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentFilter {
    pub tenant_id: String,
    /// Inclusive, `YYYY-MM-DD`.
    pub date_from: Option<String>,
    /// Inclusive, `YYYY-MM-DD`.
    pub date_to: Option<String>,
    /// Bank account (Xero id) for bank transactions; a line's account code or id for invoices.
    pub account: Option<String>,
    /// Contact's Xero id.
    pub contact: Option<String>,
    pub status: Option<String>,
    /// `RECEIVE`, `SPEND`... or `ACCREC`, `ACCPAY`.
    pub doc_type: Option<String>,
    pub currency: Option<String>,
    /// Inclusive bounds on the total.
    pub amount_min: Option<Money>,
    pub amount_max: Option<Money>,
    /// Full-text search: every word must match (as a prefix) a number,
    /// reference, contact name or line description.
    pub text: Option<String>,
    /// Documents with at least one line in this tracking option. Read line
    /// by line (no rollup or in-memory copy answers it).
    pub tracking: Option<crate::tracking::TrackingFilter>,
}

/// What to sort by; ties are broken by the row id, in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SortField {
    #[default]
    Date,
    Amount,
    Updated,
}

impl SortField {
    pub(crate) fn column(self) -> &'static str {
        match self {
            SortField::Date => "date",
            SortField::Amount => "total_e4",
            SortField::Updated => "updated_utc",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sort {
    pub field: SortField,
    pub descending: bool,
}

/// One row of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentRow {
    pub id: i64,
    pub xero_id: String,
    pub doc_type: Option<String>,
    pub number: Option<String>,
    pub reference: Option<String>,
    pub contact_xero_id: Option<String>,
    pub contact_name: Option<String>,
    pub date: Option<String>,
    pub status: Option<String>,
    pub currency_code: Option<String>,
    /// Xero's `CurrencyRate`: units of `currency_code` per unit of the base currency.
    pub currency_rate: Option<Money>,
    pub total: Option<Money>,
    /// The bank account (Xero id) of a bank transaction, a payment or the
    /// account a transfer left.
    pub account: Option<String>,
    /// That account's name, where the listing reads it (payments, transfers).
    pub account_name: Option<String>,
    /// The bank account a transfer went to.
    pub to_account: Option<String>,
    pub to_account_name: Option<String>,
    pub updated_utc: Option<String>,
}

/// A page of a listing, and the cursor for the next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentPage {
    pub rows: Vec<DocumentRow>,
    /// Pass back as `after` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// The exact total of the matching documents in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrencyTotal {
    pub currency_code: Option<String>,
    pub count: u64,
    pub total: Money,
}

/// The sort key of the last row seen and its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    key: Option<CursorKey>,
    id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
enum CursorKey {
    Int(i64),
    Text(String),
}

/// How a text search joins the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextPlan {
    /// Few matches: take every match from the FTS index, then filter and sort
    /// them (each match costs a read of its wide row).
    FromMatches,
    /// More matches: collect the matches' ids once, then walk the sort's
    /// narrow index and keep the rows whose id is among them, stopping at the
    /// page's end. `+id` keeps SQLite from starting at the matches instead.
    WalkAgainstMatches,
    /// A great many matches (a common word): walk the sort order and ask the
    /// FTS index about each row, which stops sooner than collecting them all.
    CheckEachRow,
    /// [`TextPlan::FromMatches`] from the matches already kept in
    /// `temp.text_matches` ([`keep_matches`]).
    FromKept,
    /// [`TextPlan::WalkAgainstMatches`] against the matches kept.
    WalkAgainstKept,
}

impl TextPlan {
    /// The same plan reading the matches kept by [`keep_matches`] rather
    /// than the FTS index again.
    fn kept(self) -> TextPlan {
        match self {
            TextPlan::FromMatches => TextPlan::FromKept,
            TextPlan::WalkAgainstMatches => TextPlan::WalkAgainstKept,
            other => other,
        }
    }
}

/// Below this many matches, a search starts from the FTS index: reading each
/// match's row to sort it costs less than walking the sort order to find a
/// page of rare matches.
pub(crate) const MATCHES_TO_START_FROM: i64 = 2_000;
/// From this many matches, collecting them costs more than asking the FTS
/// index about each row of the (short) walk.
const MATCHES_TO_CHECK_EACH_ROW: i64 = 100_000;

/// The plan for a search with this many matches (counted up to
/// [`MATCHES_TO_CHECK_EACH_ROW`]).
fn text_plan(matches: i64) -> TextPlan {
    if matches < MATCHES_TO_START_FROM {
        TextPlan::FromMatches
    } else if matches < MATCHES_TO_CHECK_EACH_ROW {
        TextPlan::WalkAgainstMatches
    } else {
        TextPlan::CheckEachRow
    }
}

fn where_clause(
    kind: DocumentKind,
    f: &DocumentFilter,
) -> Result<(String, Vec<SqlValue>), StoreError> {
    where_clause_with(kind, f, TextPlan::FromMatches, None)
}

/// Whether the day rollups hold the answer to `f`'s totals: only the fields
/// they are kept by are filtered on.
fn rollups_answer(kind: DocumentKind, f: &DocumentFilter) -> bool {
    f.contact.is_none()
        && f.amount_min.is_none()
        && f.amount_max.is_none()
        && f.text.as_deref().is_none_or(|t| fts_query(t).is_empty())
        && (f.account.is_none() || kind == DocumentKind::BankTransactions)
        && f.tracking.is_none()
}

/// The rollups' `WHERE` for a filter that [`rollups_answer`].
fn rollup_where(kind: DocumentKind, f: &DocumentFilter) -> (String, Vec<SqlValue>) {
    let mut sql = String::from("tenant_id = ? AND table_name = ?");
    let mut args = vec![
        SqlValue::Text(f.tenant_id.clone()),
        SqlValue::Text(kind.table().to_owned()),
    ];
    and_each_given(
        &mut sql,
        &mut args,
        [
            ("day >= ?", &f.date_from),
            ("day <= ?", &f.date_to),
            ("type = ?", &f.doc_type),
            ("status = ?", &f.status),
            ("currency_code = ?", &f.currency),
            ("account = ?", &f.account),
        ],
    );
    (sql, args)
}

/// Appends ` AND <condition>` and its value for each condition whose value
/// the filter gives.
pub(crate) fn and_each_given<'a>(
    sql: &mut String,
    args: &mut Vec<SqlValue>,
    conditions: impl IntoIterator<Item = (&'a str, &'a Option<String>)>,
) {
    for (cond, v) in conditions {
        if let Some(v) = v {
            sql.push_str(" AND ");
            sql.push_str(cond);
            args.push(SqlValue::Text(v.clone()));
        }
    }
}

/// `sorted_by`: the listing's sort. A range filter on another column is
/// written `+column`, so that SQLite walks the sort's index (stopping at the
/// page's end) instead of collecting the whole range to sort it: without it,
/// an amount range sorted by date took 60-100 ms on 1M rows, with it ~5 ms.
fn where_clause_with(
    kind: DocumentKind,
    f: &DocumentFilter,
    plan: TextPlan,
    sorted_by: Option<SortField>,
) -> Result<(String, Vec<SqlValue>), StoreError> {
    let date_col = match sorted_by {
        Some(SortField::Date) | None => "date",
        Some(_) => "+date",
    };
    let amount_col = match sorted_by {
        Some(SortField::Amount) | None => "total_e4",
        Some(_) => "+total_e4",
    };
    let mut sql = String::from("tenant_id = ?");
    let mut args = vec![SqlValue::Text(f.tenant_id.clone())];
    let eq = |col: &str, v: &Option<String>, sql: &mut String, args: &mut Vec<SqlValue>| {
        if let Some(v) = v {
            sql.push_str(&format!(" AND {col} = ?"));
            args.push(SqlValue::Text(v.clone()));
        }
    };
    // A status alone, by date: walk the date index, which holds the status
    // (at most the whole index, about 75 ms at 1M rows), rather than the
    // status index, which orders by type before date and so must sort all
    // the status's rows (75 ms for 40,000 of them, and more for a common one).
    let status_col = match sorted_by {
        Some(SortField::Date) if f.doc_type.is_none() => "+status",
        _ => "status",
    };
    eq(status_col, &f.status, &mut sql, &mut args);
    eq("type", &f.doc_type, &mut sql, &mut args);
    eq("contact_xero_id", &f.contact, &mut sql, &mut args);
    eq("currency_code", &f.currency, &mut sql, &mut args);
    if let Some(d) = &f.date_from {
        sql.push_str(&format!(" AND {date_col} >= ?"));
        args.push(SqlValue::Text(d.clone()));
    }
    if let Some(d) = &f.date_to {
        sql.push_str(&format!(" AND {date_col} <= ?"));
        args.push(SqlValue::Text(d.clone()));
    }
    if let Some(a) = &f.account {
        match kind {
            DocumentKind::BankTransactions => {
                sql.push_str(" AND bank_account_xero_id = ?");
                args.push(SqlValue::Text(a.clone()));
            }
            _ => {
                sql.push_str(
                    " AND EXISTS (SELECT 1 FROM invoice_lines l WHERE l.parent_id = invoices.id \
                     AND (l.account_code = ? OR l.account_xero_id = ?))",
                );
                args.push(SqlValue::Text(a.clone()));
                args.push(SqlValue::Text(a.clone()));
            }
        }
    }
    if let Some(t) = &f.tracking {
        let (table, lines) = match kind {
            DocumentKind::BankTransactions => ("bank_transactions", "bank_transaction_lines"),
            _ => ("invoices", "invoice_lines"),
        };
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM {lines} l WHERE l.parent_id = {table}.id AND {})",
            crate::tracking::in_option_sql("l.tracking_json", crate::tracking::TrackingJson::Xero)
        ));
        args.extend(crate::tracking::in_option_values(t));
    }
    if let Some(m) = bound_e4(&f.amount_min)? {
        sql.push_str(&format!(" AND {amount_col} >= ?"));
        args.push(SqlValue::Int(m));
    }
    if let Some(m) = bound_e4(&f.amount_max)? {
        sql.push_str(&format!(" AND {amount_col} <= ?"));
        args.push(SqlValue::Int(m));
    }
    if let Some(text) = &f.text {
        let q = fts_query(text);
        if !q.is_empty() {
            let table = kind.table();
            let fts = kind.fts();
            match plan {
                TextPlan::FromMatches => sql.push_str(&format!(
                    " AND id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?)"
                )),
                TextPlan::WalkAgainstMatches => sql.push_str(&format!(
                    " AND +id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?)"
                )),
                TextPlan::CheckEachRow => sql.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM {fts} WHERE {fts} MATCH ? AND {fts}.rowid = {table}.id)"
                )),
                TextPlan::FromKept => {
                    sql.push_str(" AND id IN (SELECT id FROM temp.text_matches)");
                    return Ok((sql, args));
                }
                TextPlan::WalkAgainstKept => {
                    sql.push_str(" AND +id IN (SELECT id FROM temp.text_matches)");
                    return Ok((sql, args));
                }
            }
            args.push(SqlValue::Text(q));
        }
    }
    Ok((sql, args))
}

/// Narrows `sql_where` to the rows after the cursor `after` (the sort key and
/// id of the last row of the previous page) in `sort` order.
pub(crate) fn push_after(
    sort: Sort,
    after: Option<&str>,
    sql_where: &mut String,
    args: &mut Vec<SqlValue>,
) -> Result<(), StoreError> {
    let col = sort.field.column();
    if let Some(text) = after {
        let c: Cursor = serde_json::from_str(text)
            .map_err(|_| StoreError::Invalid("that page cursor is not valid".to_owned()))?;
        let key = match c.key {
            None => SqlValue::Null,
            Some(CursorKey::Int(i)) => SqlValue::Int(i),
            Some(CursorKey::Text(t)) => SqlValue::Text(t),
        };
        let (cmp, id_cmp) = if sort.descending {
            ("<", "<")
        } else {
            (">", ">")
        };
        match (key, sort.descending) {
            (SqlValue::Null, false) => {
                sql_where.push_str(&format!(
                    " AND (({col} IS NULL AND id {id_cmp} ?) OR {col} IS NOT NULL)"
                ));
                args.push(SqlValue::Int(c.id));
            }
            (SqlValue::Null, true) => {
                sql_where.push_str(&format!(" AND ({col} IS NULL AND id {id_cmp} ?)"));
                args.push(SqlValue::Int(c.id));
            }
            (k, desc) => {
                let nulls = if desc {
                    format!(" OR {col} IS NULL")
                } else {
                    String::new()
                };
                sql_where.push_str(&format!(
                    " AND ({col} {cmp} ? OR ({col} = ? AND id {id_cmp} ?){nulls})"
                ));
                args.push(k.clone());
                args.push(k);
                args.push(SqlValue::Int(c.id));
            }
        }
    }
    Ok(())
}

/// A page from up to `limit + 1` rows fetched (each with its `sort_key`):
/// the first `limit`, and a cursor after them when there were more.
pub(crate) fn page_of(
    raw: &[SqliteRow],
    sort: Sort,
    limit: u32,
    row: impl Fn(&SqliteRow) -> Result<DocumentRow, StoreError>,
) -> Result<DocumentPage, StoreError> {
    let more = raw.len() > limit as usize;
    let mut rows = Vec::with_capacity(raw.len().min(limit as usize));
    let mut last_key = None;
    for r in raw.iter().take(limit as usize) {
        rows.push(row(r)?);
        last_key = Some(match sort.field {
            SortField::Amount => r.try_get::<Option<i64>, _>("sort_key")?.map(CursorKey::Int),
            _ => r
                .try_get::<Option<String>, _>("sort_key")?
                .map(CursorKey::Text),
        });
    }
    let next_cursor = match (more, rows.last(), last_key) {
        (true, Some(last), Some(key)) => Some(
            serde_json::to_string(&Cursor { key, id: last.id })
                .map_err(StoreError::value("a cursor"))?,
        ),
        _ => None,
    };
    Ok(DocumentPage { rows, next_cursor })
}

/// An amount bound in ten-thousandths, as the `total_e4` column holds totals.
fn bound_e4(m: &Option<Money>) -> Result<Option<i64>, StoreError> {
    m.as_ref()
        .map(|m| {
            m.to_e4().ok_or_else(|| {
                StoreError::Invalid(format!(
                    "{m} has more than 4 decimal places or is too large"
                ))
            })
        })
        .transpose()
}

/// Turns what the owner typed into an FTS5 query: every word must be present.
/// Results come as the owner types, so the last word, while it is still being
/// typed (no space after it) and has at least [`MIN_PREFIX`] characters,
/// matches as a prefix: `INV-00` finds `INV-0042`. Other words match whole,
/// unless typed with a trailing `*`. Words are quoted, so nothing typed is
/// FTS5 syntax.
pub fn fts_query(text: &str) -> String {
    fts_query_by_word(text).join(" ")
}

/// [`fts_query`] for each word typed on its own (`INV-0042 acme` gives
/// `"INV" "0042"` and `"acme"*`): to find each word in any of several indexes.
pub fn fts_query_by_word(text: &str) -> Vec<String> {
    let typing = !text.ends_with(char::is_whitespace);
    let chunks: Vec<&str> = text.split_whitespace().collect();
    let mut queries = Vec::new();
    for (c, chunk) in chunks.iter().enumerate() {
        let starred = chunk.ends_with('*');
        let last_chunk = c + 1 == chunks.len();
        let words: Vec<&str> = chunk
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let n = words.len();
        let mut terms = Vec::new();
        for (i, w) in words.into_iter().enumerate() {
            let last = i + 1 == n;
            let prefix =
                last && (starred || (last_chunk && typing && w.chars().count() >= MIN_PREFIX));
            let star = if prefix { "*" } else { "" };
            terms.push(format!("\"{w}\"{star}"));
        }
        if !terms.is_empty() {
            queries.push(terms.join(" "));
        }
    }
    queries
}

/// Most words a typed prefix is replaced by; a prefix standing for more is
/// searched by collecting its matches instead.
const MAX_PREFIX_WORDS: usize = 32;

/// Makes this connection's TEMP tables a text search uses, unless made: the
/// index's vocabulary and the kept matches. Call it outside a transaction:
/// made in one, they would go with its rollback, and making them again
/// changes the schema, which prepares every cached statement anew.
async fn make_text_tables(
    conn: &mut sqlx::SqliteConnection,
    kind: DocumentKind,
) -> Result<(), StoreError> {
    vocabulary(conn, kind).await?;
    sqlx::query("CREATE TEMP TABLE IF NOT EXISTS text_matches (id INTEGER PRIMARY KEY)")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Keeps the ids of the documents matching the FTS query `q`, up to
/// [`MATCHES_TO_CHECK_EACH_ROW`] of them, in `temp.text_matches` (this
/// connection's own, made by [`make_text_tables`]), and says how many.
/// Counting them and then collecting them again for the walk read the FTS index twice: 5 to 17 ms, then 26 to
/// 36 ms, for a contact's name at 1M documents; kept once (7 ms), the walk
/// looks each row up in the kept ids (11 ms). Run it in the transaction of
/// the query that reads `temp.text_matches`, so both see one snapshot.
async fn keep_matches(
    conn: &mut sqlx::SqliteConnection,
    kind: DocumentKind,
    q: &str,
) -> Result<i64, StoreError> {
    sqlx::query("DELETE FROM temp.text_matches")
        .execute(&mut *conn)
        .await?;
    let kept = sqlx::query(&format!(
        "INSERT INTO temp.text_matches SELECT rowid FROM {0} WHERE {0} MATCH ? LIMIT ?",
        kind.fts()
    ))
    .bind(q)
    .bind(MATCHES_TO_CHECK_EACH_ROW)
    .execute(&mut *conn)
    .await?;
    Ok(i64::try_from(kept.rows_affected()).unwrap_or(i64::MAX))
}

/// How many documents match the FTS query `q`, counted up to
/// [`MATCHES_TO_CHECK_EACH_ROW`] (reading each match: 12 to 34 ms for a
/// common word at 1M documents).
#[cfg(test)]
async fn count_matches(
    conn: &mut sqlx::SqliteConnection,
    kind: DocumentKind,
    q: &str,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM (SELECT rowid FROM {0} WHERE {0} MATCH ? LIMIT ?)",
        kind.fts()
    ))
    .bind(q)
    .bind(MATCHES_TO_CHECK_EACH_ROW)
    .fetch_one(&mut *conn)
    .await?)
}

/// The FTS index's vocabulary, per connection (TEMP), made on first use.
async fn vocabulary(
    conn: &mut sqlx::SqliteConnection,
    kind: DocumentKind,
) -> Result<String, StoreError> {
    let fts = kind.fts();
    sqlx::query(&format!(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.{fts}_vocab USING fts5vocab(main, {fts}, 'row')"
    ))
    .execute(&mut *conn)
    .await?;
    Ok(format!("temp.{fts}_vocab"))
}

/// The index's words from `word` (lower-cased ASCII) on: `word` alone, or
/// with `prefix` every word it begins, each with how many documents hold
/// it, found by a range seek (3 to 7 ms for a common word at 1M documents;
/// `term = ?` instead scans the whole vocabulary, a million terms). `None`
/// for a prefix of more than [`MAX_PREFIX_WORDS`] words.
async fn vocabulary_words(
    conn: &mut sqlx::SqliteConnection,
    kind: DocumentKind,
    word: &str,
    prefix: bool,
) -> Result<Option<Vec<(String, i64)>>, StoreError> {
    let vocab = vocabulary(conn, kind).await?;
    let upper = if prefix {
        format!("{word}{}", char::MAX)
    } else {
        word.to_owned()
    };
    let words: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT term, doc FROM {vocab} WHERE term >= ? AND term <= ? ORDER BY term LIMIT ?"
    ))
    .bind(word)
    .bind(&upper)
    .bind(i64::try_from(MAX_PREFIX_WORDS + 1).unwrap_or(i64::MAX))
    .fetch_all(&mut *conn)
    .await?;
    Ok((words.len() <= MAX_PREFIX_WORDS).then_some(words))
}

/// The word of a quoted FTS term (`"copper"`) as the tokenizer keeps it:
/// ASCII letters folded. `None` for any other letters, which the tokenizer
/// folds and strips of accents in ways not repeated here.
fn plain_word(quoted: &str) -> Option<String> {
    let word = quoted.strip_prefix('"')?.strip_suffix('"')?;
    (!word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| word.to_ascii_lowercase())
}

/// For a query of one plain word (`"copper"`, or typed on as `"copper"*`),
/// how many documents hold it, from the vocabulary ([`vocabulary_words`],
/// where counting its matches takes 12 to 34 ms), and the words it stands
/// for. For a prefix, the sum over those words (a document holding two of
/// them counts twice: the plan only needs the size). `None` for any other
/// query, or a prefix of more than [`MAX_PREFIX_WORDS`] words: those are
/// counted.
async fn one_term_matches(
    conn: &mut sqlx::SqliteConnection,
    kind: DocumentKind,
    q: &str,
) -> Result<Option<(i64, Vec<String>)>, StoreError> {
    let (head, prefix) = match q.strip_suffix('*') {
        Some(head) => (head, true),
        None => (q, false),
    };
    let Some(word) = plain_word(head) else {
        return Ok(None);
    };
    let Some(words) = vocabulary_words(conn, kind, &word, prefix).await? else {
        return Ok(None);
    };
    let matches = words.iter().fold(0i64, |a, (_, d)| a.saturating_add(*d));
    Ok(Some((matches, words.into_iter().map(|(w, _)| w).collect())))
}

/// The FTS query `before` (whole words) AND any of `words`.
fn any_of(before: &str, words: &[String]) -> String {
    let any: Vec<String> = words
        .iter()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    // FTS5 wants an explicit AND before a bracketed group.
    let mut all: Vec<String> = before.split_whitespace().map(str::to_owned).collect();
    all.push(format!("({})", any.join(" OR ")));
    all.join(" AND ")
}

/// `q` (from [`fts_query`]) with its last word, a prefix, replaced by the
/// index's words that start with it: `"a" "val"*` becomes
/// `"a" AND ("valve" OR "valves")`. `None` when that cannot be done exactly: the
/// prefix is not plain ASCII (the index folds case and accents, which is
/// simple only for ASCII), another word is a prefix too, or it stands for
/// more than [`MAX_PREFIX_WORDS`] words.
async fn expand_last_prefix(
    conn: &mut sqlx::SqliteConnection,
    kind: DocumentKind,
    q: &str,
) -> Result<Option<String>, StoreError> {
    let Some(head) = q.strip_suffix('*') else {
        return Ok(None);
    };
    let (before, last) = match head.rfind(" \"") {
        Some(i) => (&head[..=i], &head[i + 1..]),
        None => ("", head),
    };
    let Some(word) = plain_word(last) else {
        return Ok(None);
    };
    if before.contains('*') {
        return Ok(None);
    }
    let words: Vec<String> = match vocabulary_words(conn, kind, &word, true).await? {
        Some(words) => words.into_iter().map(|(w, _)| w).collect(),
        None => return Ok(None),
    };
    Ok((!words.is_empty()).then(|| any_of(before, &words)))
}

/// The shortest word that matches as a prefix while typed: shorter ones would
/// match most of a large ledger's words.
pub const MIN_PREFIX: usize = 3;

pub(crate) fn row_to_doc(r: &SqliteRow) -> Result<DocumentRow, StoreError> {
    let money = |column: &str| -> Result<Option<Money>, StoreError> {
        let text: Option<String> = r.try_get(column)?;
        text.map(|t| Money::parse(&t).map_err(StoreError::value("an amount")))
            .transpose()
    };
    Ok(DocumentRow {
        id: r.try_get("id")?,
        xero_id: r.try_get("xero_id")?,
        doc_type: r.try_get("type")?,
        number: r.try_get("number")?,
        reference: r.try_get("reference")?,
        contact_xero_id: r.try_get("contact_xero_id")?,
        contact_name: r.try_get("contact_name")?,
        date: r.try_get("date")?,
        status: r.try_get("status")?,
        currency_code: r.try_get("currency_code")?,
        currency_rate: money("currency_rate")?,
        total: money("total")?,
        account: r.try_get("account")?,
        account_name: r.try_get("account_name")?,
        to_account: r.try_get("to_account")?,
        to_account_name: r.try_get("to_account_name")?,
        updated_utc: r.try_get("updated_utc")?,
    })
}

impl LedgerStore {
    /// Merges the full-text indexes into one segment each, and lets SQLite
    /// refresh its planner statistics. Ingesting page by page leaves the FTS
    /// index in many segments, which makes each lookup slower (a one-word
    /// search on 1M rows: p50 390 ms before, a few ms after). The sync engine
    /// calls this at the end of a run that changed 1,000 records or more; it
    /// takes about a second per million documents. Then it brings the search
    /// totals' copies up to date.
    pub async fn optimize(&self) -> Result<(), StoreError> {
        let _timer = self.timed("optimize");
        let mut conn = self.pool().acquire().await?;
        for fts in DocumentKind::ALL.map(DocumentKind::fts) {
            sqlx::query(&format!("INSERT INTO {fts} ({fts}) VALUES ('optimize')"))
                .execute(&mut *conn)
                .await?;
        }
        sqlx::query("PRAGMA optimize").execute(&mut *conn).await?;
        // And the search totals' copies made so far, so that the next search
        // need not catch up on the whole run.
        self.search_totals.refresh(&mut conn).await
    }

    /// One page of documents matching `filter`, in `sort` order, after the
    /// cursor `after` (from the previous page), at most `limit` (1..=500) rows.
    pub async fn list_documents(
        &self,
        kind: DocumentKind,
        filter: &DocumentFilter,
        sort: Sort,
        after: Option<&str>,
        limit: u32,
    ) -> Result<DocumentPage, StoreError> {
        let _timer = self.timed("list_documents");
        let limit = limit.clamp(1, 500);
        if !kind.is_indexed() {
            return self
                .list_other_documents(kind, filter, sort, after, limit)
                .await;
        }
        let mut pooled = self.pool().acquire().await?;
        let text = filter
            .text
            .as_deref()
            .map(fts_query)
            .filter(|q| !q.is_empty());
        if text.is_some() {
            make_text_tables(&mut pooled, kind).await?;
        }
        // The matches kept, the vocabulary and the rows: one snapshot.
        let mut conn = sqlx::Connection::begin(&mut *pooled).await?;
        let mut expanded = None;
        let plan = match text {
            Some(q) => {
                // One plain word is sized from the vocabulary, which also
                // gives the words a prefix stands for; anything else is
                // collected once, and the plan then reads what was kept.
                let (matches, words) = match one_term_matches(&mut conn, kind, &q).await? {
                    Some((m, words)) => (m, Some(words)),
                    None => (keep_matches(&mut conn, kind, &q).await?, None),
                };
                let kept = words.is_none();
                match text_plan(matches) {
                    // Asking the FTS index about one row is quick for a whole
                    // word, but a prefix is looked up across the index each time
                    // (3.5 s for a page at 1M rows): the prefix is replaced by
                    // the words it stands for, or the matches are collected.
                    TextPlan::CheckEachRow if q.ends_with('*') => {
                        expanded = match words {
                            Some(words) => (!words.is_empty()).then(|| any_of("", &words)),
                            None => expand_last_prefix(&mut conn, kind, &q).await?,
                        };
                        if expanded.is_some() {
                            TextPlan::CheckEachRow
                        } else {
                            TextPlan::WalkAgainstMatches
                        }
                    }
                    plan if kept => plan.kept(),
                    plan => plan,
                }
            }
            None => TextPlan::FromMatches,
        };
        let (mut sql_where, mut args) = where_clause_with(kind, filter, plan, Some(sort.field))?;
        if let Some(q) = expanded {
            // The FTS query is the last argument of the WHERE clause.
            if let Some(last) = args.last_mut() {
                *last = SqlValue::Text(q);
            }
        }
        let col = sort.field.column();
        push_after(sort, after, &mut sql_where, &mut args)?;
        let dir = if sort.descending { "DESC" } else { "ASC" };
        // A contact's documents are read from the contact's index and sorted.
        // The statistics gathered after a migration (a sample, see
        // `refresh_statistics`) have the planner walk the sort's index
        // instead, past every other contact's documents: 1.2 s a page at 1M
        // bank transactions, against 7 ms.
        let table = kind.table();
        let hint = if filter.contact.is_some() {
            format!(" INDEXED BY {table}_contact_type")
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT {}, {col} AS sort_key FROM {table}{hint} WHERE {sql_where} ORDER BY {col} {dir}, id {dir} LIMIT {}",
            kind.select(),
            limit + 1
        );
        let mut q = sqlx::query(&sql);
        for a in &args {
            q = bind_value(q, a);
        }
        let raw = q.fetch_all(&mut *conn).await?;
        // Nothing was written but this connection's kept matches.
        conn.rollback().await?;
        page_of(&raw, sort, limit, row_to_doc)
    }

    /// The exact total and count of the documents matching `filter`, per currency.
    ///
    /// A filter on the organisation, dates, type, status, currency and (for
    /// bank transactions) bank account alone is answered from the day rollups
    /// (migration 0009) without reading the documents; any other filter sums
    /// the matching rows.
    pub async fn document_totals(
        &self,
        kind: DocumentKind,
        filter: &DocumentFilter,
    ) -> Result<Vec<CurrencyTotal>, StoreError> {
        let _timer = self.timed("document_totals");
        if !kind.is_indexed() {
            return self.other_document_totals(kind, filter).await;
        }
        if rollups_answer(kind, filter) {
            // The explorer asks this as it opens: its first search will want
            // the in-memory copy.
            self.search_totals
                .warm_later(self.pool(), kind, &filter.tenant_id);
            let (sql_where, args) = rollup_where(kind, filter);
            let sql = format!(
                "SELECT currency_code, SUM(n) AS n, SUM(n_total) AS n_total, SUM(n_e4) AS n_e4, \
                 SUM(sum_e4) AS s, MAX(typeof(sum_e4) <> 'integer') AS inexact \
                 FROM document_rollups WHERE {sql_where} GROUP BY currency_code ORDER BY currency_code"
            );
            if let Some(totals) = self.currency_totals(kind, filter, &sql, &args).await? {
                return Ok(totals);
            }
        }
        if let Some(totals) = self.search_totals_in_memory(kind, filter).await? {
            return Ok(totals);
        }
        self.document_totals_by_scan(kind, filter).await
    }

    /// The totals of a text search, or of an amount range, summed from the
    /// in-memory copy ([`crate::search_totals`]) for any filter but a contact
    /// and an invoice's line account; `None` for those, or when the copy
    /// cannot answer exactly. An amount range with no text is summed from the
    /// copy only once it is made (the explorer makes it as it opens): a wide
    /// range at 1M documents took SQLite up to 375 ms.
    async fn search_totals_in_memory(
        &self,
        kind: DocumentKind,
        f: &DocumentFilter,
    ) -> Result<Option<Vec<CurrencyTotal>>, StoreError> {
        if f.contact.is_some()
            || f.tracking.is_some()
            || (f.account.is_some() && kind != DocumentKind::BankTransactions)
        {
            return Ok(None);
        }
        let q = f.text.as_deref().map(fts_query).unwrap_or_default();
        let mut conn = self.pool().acquire().await?;
        if q.is_empty() {
            self.search_totals
                .warm_later(self.pool(), kind, &f.tenant_id);
            return self.search_totals.totals_of_every(&mut conn, kind, f).await;
        }
        self.search_totals.totals(&mut conn, kind, &q, f).await
    }

    /// [`Self::document_totals`] by reading every matching row: what the
    /// rollups must always equal.
    pub async fn document_totals_by_scan(
        &self,
        kind: DocumentKind,
        filter: &DocumentFilter,
    ) -> Result<Vec<CurrencyTotal>, StoreError> {
        if !kind.is_indexed() {
            return self.other_document_totals(kind, filter).await;
        }
        let (sql_where, args) = where_clause(kind, filter)?;
        // Under a bound on the amount every row has its integer total (and so
        // its total): counting `total_e4` lets SQLite answer from the amount
        // index (which holds the currency) without reading the rows.
        let n_total = if filter.amount_min.is_some() || filter.amount_max.is_some() {
            "COUNT(total_e4)"
        } else {
            "COUNT(total)"
        };
        // A text search's matches are looked up by id in the narrow index
        // that holds the totals' columns (migration 0010), not in the wide rows.
        let searching = filter
            .text
            .as_deref()
            .is_some_and(|t| !fts_query(t).is_empty());
        let indexed_by = if searching {
            format!(" INDEXED BY {}_id_totals", kind.table())
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT currency_code, COUNT(*) AS n, {n_total} AS n_total, COUNT(total_e4) AS n_e4, \
             SUM(total_e4) AS s, 0 AS inexact FROM {}{indexed_by} WHERE {sql_where} \
             GROUP BY currency_code ORDER BY currency_code",
            kind.table()
        );
        if let Some(totals) = self.currency_totals(kind, filter, &sql, &args).await? {
            return Ok(totals);
        }
        // The integer sum overflowed: count and sum each currency's exact decimals.
        let sql = format!(
            "SELECT currency_code, COUNT(*) FROM {} WHERE {sql_where} GROUP BY currency_code ORDER BY currency_code",
            kind.table()
        );
        let mut q = sqlx::query_as::<_, (Option<String>, i64)>(&sql);
        for a in &args {
            q = match a {
                SqlValue::Null => q.bind(None::<String>),
                SqlValue::Int(i) => q.bind(*i),
                SqlValue::Text(t) => q.bind(t.as_str()),
            };
        }
        let mut out = Vec::new();
        for (currency, n) in q.fetch_all(self.pool()).await? {
            out.push(CurrencyTotal {
                total: self.sum_text(kind, filter, currency.as_deref()).await?,
                currency_code: currency,
                count: u64::try_from(n).unwrap_or(0),
            });
        }
        Ok(out)
    }

    /// Runs a per-currency count and integer sum (`currency_code, n, n_total,
    /// n_e4, s, inexact`). A currency with a total the integers do not hold
    /// exactly is summed as decimals. `None` when the sum overflowed or is not
    /// an exact integer: the caller then takes the slower, exact way.
    pub(crate) async fn currency_totals(
        &self,
        kind: DocumentKind,
        filter: &DocumentFilter,
        sql: &str,
        args: &[SqlValue],
    ) -> Result<Option<Vec<CurrencyTotal>>, StoreError> {
        let mut q = sqlx::query(sql);
        for a in args {
            q = bind_value(q, a);
        }
        let rows = match q.fetch_all(self.pool()).await {
            Ok(rows) => rows,
            // SUM over integers raises "integer overflow" rather than rounding.
            Err(sqlx::Error::Database(e)) if e.message().contains("overflow") => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for r in rows {
            if r.try_get::<Option<i64>, _>("inexact")?.unwrap_or(0) != 0 {
                return Ok(None);
            }
            let currency: Option<String> = r.try_get("currency_code")?;
            let n: i64 = r.try_get("n")?;
            let n_total: i64 = r.try_get("n_total")?;
            let n_e4: i64 = r.try_get("n_e4")?;
            let total = if n_total == n_e4 {
                let s: Option<i64> = r.try_get("s")?;
                Money::from_e4(i128::from(s.unwrap_or(0)))
                    .ok_or_else(|| StoreError::Data("total out of range".to_owned()))?
            } else {
                self.sum_text(kind, filter, currency.as_deref()).await?
            };
            out.push(CurrencyTotal {
                currency_code: currency,
                count: u64::try_from(n).unwrap_or(0),
                total,
            });
        }
        Ok(Some(out))
    }

    /// Sums the decimal text of the matching totals in one currency, in Rust.
    async fn sum_text(
        &self,
        kind: DocumentKind,
        filter: &DocumentFilter,
        currency: Option<&str>,
    ) -> Result<Money, StoreError> {
        if !kind.is_indexed() {
            return self.other_sum_text(kind, filter, currency).await;
        }
        let mut f = filter.clone();
        f.currency = None;
        let (mut w, mut args) = where_clause(kind, &f)?;
        match currency {
            Some(c) => {
                w.push_str(" AND currency_code = ?");
                args.push(SqlValue::Text(c.to_owned()));
            }
            None => w.push_str(" AND currency_code IS NULL"),
        }
        let sql = format!(
            "SELECT total FROM {} WHERE {w} AND total IS NOT NULL",
            kind.table()
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for a in &args {
            q = match a {
                SqlValue::Null => q.bind(None::<String>),
                SqlValue::Int(i) => q.bind(*i),
                SqlValue::Text(t) => q.bind(t.as_str()),
            };
        }
        let mut sum = Decimal::ZERO;
        for t in q.fetch_all(self.pool()).await? {
            let m = Money::parse(&t).map_err(StoreError::value("an amount"))?;
            sum = sum
                .checked_add(m.as_decimal())
                .ok_or_else(|| StoreError::Data("the total overflows".to_owned()))?;
        }
        Ok(Money::new(sum))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledgerkeep_domain::xero::{BankTransaction, XeroRecord};

    #[test]
    fn the_plan_follows_the_number_of_matches() {
        assert_eq!(text_plan(0), TextPlan::FromMatches);
        assert_eq!(text_plan(MATCHES_TO_START_FROM - 1), TextPlan::FromMatches);
        assert_eq!(
            text_plan(MATCHES_TO_START_FROM),
            TextPlan::WalkAgainstMatches
        );
        assert_eq!(
            text_plan(MATCHES_TO_CHECK_EACH_ROW - 1),
            TextPlan::WalkAgainstMatches
        );
        assert_eq!(text_plan(MATCHES_TO_CHECK_EACH_ROW), TextPlan::CheckEachRow);
    }

    /// The ids of the bank transactions matching `w` (with `args`), newest first.
    async fn ids_newest_first(store: &LedgerStore, w: &str, args: &[SqlValue]) -> Vec<String> {
        let mut conn = store.pool().acquire().await.unwrap();
        ids_newest_first_on(&mut conn, w, args).await
    }

    async fn ids_newest_first_on(
        conn: &mut sqlx::SqliteConnection,
        w: &str,
        args: &[SqlValue],
    ) -> Vec<String> {
        let sql =
            format!("SELECT xero_id FROM bank_transactions WHERE {w} ORDER BY date DESC, id DESC");
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for a in args {
            q = match a {
                SqlValue::Null => q.bind(None::<String>),
                SqlValue::Int(i) => q.bind(*i),
                SqlValue::Text(t) => q.bind(t.as_str()),
            };
        }
        q.fetch_all(&mut *conn).await.unwrap()
    }

    /// Each plan's SQL selects the same rows in the same order, whatever the
    /// number of matches (the listing tests reach only the plans their data
    /// size picks).
    #[tokio::test]
    async fn every_text_plan_finds_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let store = LedgerStore::open(&dir.path().join("ledger.sqlite"))
            .await
            .unwrap();
        let recs: Vec<XeroRecord<BankTransaction>> = (0..300)
            .map(|i| {
                let words = match i % 3 {
                    0 => "plumbing widget",
                    1 => "plumbing",
                    _ => "gadget",
                };
                XeroRecord::from_json(&format!(
                    r#"{{"BankTransactionID": "b{i:04}", "Type": "SPEND", "Status": "AUTHORISED",
                        "Date": "/Date({}+0000)/", "Total": 1.00, "CurrencyCode": "NZD",
                        "Reference": "R{i}", "BankAccount": {{"AccountID": "bank-1"}},
                        "Contact": {{"ContactID": "c", "Name": "C"}},
                        "LineItems": [{{"Description": "{words}", "LineAmount": 1.00}}],
                        "UpdatedDateUTC": "/Date(1000+0000)/"}}"#,
                    (i % 17) * 86_400_000
                ))
                .unwrap()
            })
            .collect();
        let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        store
            .apply_page("t", &recs, &ledgerkeep_domain::Actor::sync("r"), now)
            .await
            .unwrap();
        for text in ["plumbing", "plumbing widget", "gadget", "nothing"] {
            let f = DocumentFilter {
                tenant_id: "t".to_owned(),
                text: Some(text.to_owned()),
                amount_min: Some("0.50".parse().unwrap()),
                ..DocumentFilter::default()
            };
            let mut found = Vec::new();
            for plan in [
                TextPlan::FromMatches,
                TextPlan::WalkAgainstMatches,
                TextPlan::CheckEachRow,
            ] {
                let (w, args) = where_clause_with(
                    DocumentKind::BankTransactions,
                    &f,
                    plan,
                    Some(SortField::Date),
                )
                .unwrap();
                found.push(ids_newest_first(&store, &w, &args).await);
            }
            let expected = match text {
                "plumbing" => 200,
                "plumbing widget" | "gadget" => 100,
                _ => 0,
            };
            assert_eq!(found[0].len(), expected, "{text}");
            assert_eq!(found[1], found[0], "{text}: walking against the matches");
            assert_eq!(found[2], found[0], "{text}: checking each row");
            // The matches kept once, on one connection, and read by the plans
            // that start from them or walk against them.
            let mut conn = store.pool().acquire().await.unwrap();
            let kind = DocumentKind::BankTransactions;
            let q = fts_query(text);
            make_text_tables(&mut conn, kind).await.unwrap();
            let kept = keep_matches(&mut conn, kind, &q).await.unwrap();
            assert_eq!(
                kept,
                count_matches(&mut conn, kind, &q).await.unwrap(),
                "{text}"
            );
            for plan in [TextPlan::FromKept, TextPlan::WalkAgainstKept] {
                let (w, args) = where_clause_with(kind, &f, plan, Some(SortField::Date)).unwrap();
                let ids = ids_newest_first_on(&mut conn, &w, &args).await;
                assert_eq!(ids, found[0], "{text}: {plan:?}");
            }
            drop(conn);
            // A query of one word is sized from the vocabulary, as typed and
            // as a whole word; one of two words is counted.
            let mut conn = store.pool().acquire().await.unwrap();
            let kind = DocumentKind::BankTransactions;
            for q in [fts_query(text), fts_query(&format!("{text} "))] {
                let counted = count_matches(&mut conn, kind, &q).await.unwrap();
                let sized = one_term_matches(&mut conn, kind, &q)
                    .await
                    .unwrap()
                    .map(|(m, _)| m);
                if text.contains(' ') {
                    assert_eq!(sized, None, "{q}");
                } else {
                    assert_eq!(sized, Some(counted), "{q}");
                }
            }
        }
        store.close().await;
    }

    /// A prefix replaced by the index's words finds, row by row, what the
    /// prefix itself finds; a prefix that cannot be replaced exactly is not.
    #[tokio::test]
    async fn a_prefix_and_the_words_it_stands_for_find_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let store = LedgerStore::open(&dir.path().join("ledger.sqlite"))
            .await
            .unwrap();
        let lines = [
            "plumbing widget",
            "Plumber widget",
            "plum gadget",
            "plumb",
            "plumé widget",
            "aplumbing widget",
            "widget",
        ];
        let mut recs: Vec<XeroRecord<BankTransaction>> = (0..70)
            .map(|i| {
                XeroRecord::from_json(&format!(
                    r#"{{"BankTransactionID": "b{i:04}", "Type": "SPEND", "Status": "AUTHORISED",
                        "Date": "/Date({}+0000)/", "Total": 1.00, "CurrencyCode": "NZD",
                        "Reference": "R{i}", "BankAccount": {{"AccountID": "bank-1"}},
                        "Contact": {{"ContactID": "c", "Name": "C"}},
                        "LineItems": [{{"Description": "{}", "LineAmount": 1.00}}],
                        "UpdatedDateUTC": "/Date(1000+0000)/"}}"#,
                    (i % 13) * 86_400_000,
                    lines[i % lines.len()]
                ))
                .unwrap()
            })
            .collect();
        // 40 words starting "zz": more than a prefix is replaced by.
        recs.extend((0..40).map(|i| {
            XeroRecord::from_json(&format!(
                r#"{{"BankTransactionID": "z{i:04}", "Type": "SPEND", "Status": "AUTHORISED",
                    "Date": "/Date(0+0000)/", "Total": 1.00, "CurrencyCode": "NZD",
                    "Reference": "zz{i}x", "UpdatedDateUTC": "/Date(1000+0000)/"}}"#
            ))
            .unwrap()
        }));
        let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        store
            .apply_page("t", &recs, &ledgerkeep_domain::Actor::sync("r"), now)
            .await
            .unwrap();
        let rows = |q: String, plan: TextPlan| {
            let store = &store;
            async move {
                let f = DocumentFilter {
                    tenant_id: "t".to_owned(),
                    text: Some("x".to_owned()),
                    ..DocumentFilter::default()
                };
                let (w, mut args) = where_clause_with(
                    DocumentKind::BankTransactions,
                    &f,
                    plan,
                    Some(SortField::Date),
                )
                .unwrap();
                *args.last_mut().unwrap() = SqlValue::Text(q);
                ids_newest_first(store, &w, &args).await
            }
        };
        let mut conn = store.pool().acquire().await.unwrap();
        for typed in [
            "widget plu",
            "PLUMB",
            "plumbi",
            "widget Plumber",
            "gadget plu",
        ] {
            let q = fts_query(typed);
            let expanded = expand_last_prefix(&mut conn, DocumentKind::BankTransactions, &q)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{typed}: not replaced"));
            assert!(!expanded.contains('*'), "{expanded}");
            let by_prefix = rows(q.clone(), TextPlan::FromMatches).await;
            assert!(!by_prefix.is_empty(), "{typed}");
            assert_eq!(
                rows(expanded.clone(), TextPlan::CheckEachRow).await,
                by_prefix,
                "{typed} as {expanded}"
            );
        }
        assert_eq!(
            expand_last_prefix(
                &mut conn,
                DocumentKind::BankTransactions,
                &fts_query("widget plu")
            )
            .await
            .unwrap()
            .unwrap(),
            r#""widget" AND ("plum" OR "plumb" OR "plumber" OR "plumbing" OR "plume")"#
        );
        for (typed, replaced) in [
            ("zz1", true),         // 11 words
            ("zzx", false),        // no word
            ("zz", false),         // too short to be a prefix
            ("zz*", false),        // 40 words
            ("plué", false),       // not plain ASCII
            ("pl* widget", false), // another prefix
            ("widget ", false),    // a whole word
        ] {
            let q = fts_query(typed);
            let e = expand_last_prefix(&mut conn, DocumentKind::BankTransactions, &q)
                .await
                .unwrap();
            assert_eq!(e.is_some(), replaced, "{typed}: {e:?}");
        }
        drop(conn);
        store.close().await;
    }

    #[test]
    fn typed_text_becomes_a_safe_query() {
        // The last word, still being typed, is a prefix once it has 3 characters.
        assert_eq!(fts_query("INV-0042 acme"), "\"INV\" \"0042\" \"acme\"*");
        assert_eq!(fts_query("INV-0042 acme "), "\"INV\" \"0042\" \"acme\"");
        assert_eq!(fts_query("INV-00"), "\"INV\" \"00\"");
        assert_eq!(fts_query("INV-004"), "\"INV\" \"004\"*");
        assert_eq!(fts_query("espr* INV-00*"), "\"espr\"* \"INV\" \"00\"*");
        assert_eq!(fts_query("\" OR 1=1 --"), "\"OR\" \"1\" \"1\"");
        assert_eq!(fts_query("  "), "");
        assert_eq!(
            fts_query_by_word("INV-0042 -- acme"),
            ["\"INV\" \"0042\"", "\"acme\"*"]
        );
    }
}
