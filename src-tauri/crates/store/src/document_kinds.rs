//! Listings of the document kinds that are not [indexed](DocumentKind::is_indexed):
//! credit notes, payments, overpayments, prepayments, bank transfers, manual
//! journals, purchase orders, quotes, repeating invoices and batch payments;
//! and one search
//! across every kind.
//!
//! Each kind's table is read through one shape (a derived table, which SQLite
//! flattens into the query on the table itself): the columns of a listing's
//! row under the same names for every kind, so that the filters, the keyset
//! paging and the totals are written once. Where a kind has no such column it
//! is `NULL`: a bank transfer has no contact, a manual journal no number.
//! A text search reads each kind's full-text index (the number, reference,
//! contact name and the kind's own words — a quote's title, a journal's
//! narration — and the lines' descriptions), as invoices' and bank
//! transactions' searches do: the same words, prefixes and quoting.

use futures_util::{StreamExt, TryStreamExt};
use ledgerkeep_domain::Money;
use rust_decimal::Decimal;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::apply::bind_value;
use crate::query::{
    page_of, push_after, row_to_doc, CurrencyTotal, DocumentFilter, DocumentKind, DocumentPage,
    DocumentRow, Sort, SortField, MATCHES_TO_START_FROM,
};
use crate::rows::SqlValue;
use crate::{LedgerStore, StoreError};

/// How one kind's table gives a listing's columns (SQL over the table `d`).
struct Shape {
    /// The table of its line items, when it has them.
    lines: Option<&'static str>,
    doc_type: &'static str,
    number: &'static str,
    reference: &'static str,
    contact_id: &'static str,
    contact_name: &'static str,
    date: &'static str,
    rate: &'static str,
    total: &'static str,
    total_e4: &'static str,
    account: &'static str,
    account_name: &'static str,
    to_account: &'static str,
    to_account_name: &'static str,
}

/// A document with a contact, a number and a total of its own (credit notes,
/// overpayments, prepayments, purchase orders, quotes, repeating invoices).
const CONTACT_DOCUMENT: Shape = Shape {
    lines: None,
    doc_type: "d.type",
    number: "d.number",
    reference: "d.reference",
    contact_id: "d.contact_xero_id",
    contact_name: "d.contact_name",
    date: "d.date",
    rate: "d.currency_rate",
    total: "d.total",
    total_e4: "d.total_e4",
    account: "NULL",
    account_name: "NULL",
    to_account: "NULL",
    to_account_name: "NULL",
};

/// A payment's contact and number are those of the document it pays.
const PAYMENT_CONTACT_ID: &str = "COALESCE(\
    (SELECT i.contact_xero_id FROM invoices i WHERE i.tenant_id = d.tenant_id AND i.xero_id = d.invoice_xero_id), \
    (SELECT c.contact_xero_id FROM credit_notes c WHERE c.tenant_id = d.tenant_id AND c.xero_id = d.credit_note_xero_id), \
    (SELECT p.contact_xero_id FROM prepayments p WHERE p.tenant_id = d.tenant_id AND p.xero_id = d.prepayment_xero_id), \
    (SELECT o.contact_xero_id FROM overpayments o WHERE o.tenant_id = d.tenant_id AND o.xero_id = d.overpayment_xero_id))";
const PAYMENT_CONTACT_NAME: &str = "COALESCE(\
    (SELECT i.contact_name FROM invoices i WHERE i.tenant_id = d.tenant_id AND i.xero_id = d.invoice_xero_id), \
    (SELECT c.contact_name FROM credit_notes c WHERE c.tenant_id = d.tenant_id AND c.xero_id = d.credit_note_xero_id), \
    (SELECT p.contact_name FROM prepayments p WHERE p.tenant_id = d.tenant_id AND p.xero_id = d.prepayment_xero_id), \
    (SELECT o.contact_name FROM overpayments o WHERE o.tenant_id = d.tenant_id AND o.xero_id = d.overpayment_xero_id))";
const PAYMENT_NUMBER: &str = "COALESCE(\
    (SELECT i.number FROM invoices i WHERE i.tenant_id = d.tenant_id AND i.xero_id = d.invoice_xero_id), \
    (SELECT c.number FROM credit_notes c WHERE c.tenant_id = d.tenant_id AND c.xero_id = d.credit_note_xero_id))";

/// The sum of a manual journal's debit lines (positive amounts), in
/// ten-thousandths; `NULL` when a line's amount has no exact integer copy.
const JOURNAL_DEBITS_E4: &str = "(SELECT CASE WHEN COUNT(l.line_amount) = COUNT(l.line_amount_e4) \
    THEN SUM(CASE WHEN l.line_amount_e4 > 0 THEN l.line_amount_e4 ELSE 0 END) END \
    FROM manual_journal_lines l WHERE l.parent_id = d.id)";

/// Whether `kind`'s documents have lines (and so tracking to filter by).
pub fn has_lines(kind: DocumentKind) -> bool {
    shape(kind).lines.is_some()
}

fn shape(kind: DocumentKind) -> Shape {
    let account_name = |col: &'static str| -> &'static str {
        match col {
            "d.account_xero_id" => "(SELECT a.name FROM accounts a WHERE a.tenant_id = d.tenant_id AND a.xero_id = d.account_xero_id)",
            "d.from_account_xero_id" => "(SELECT a.name FROM accounts a WHERE a.tenant_id = d.tenant_id AND a.xero_id = d.from_account_xero_id)",
            _ => "(SELECT a.name FROM accounts a WHERE a.tenant_id = d.tenant_id AND a.xero_id = d.to_account_xero_id)",
        }
    };
    match kind {
        DocumentKind::CreditNotes => Shape {
            lines: Some("credit_note_lines"),
            ..CONTACT_DOCUMENT
        },
        DocumentKind::Overpayments => Shape {
            lines: Some("overpayment_lines"),
            number: "NULL",
            ..CONTACT_DOCUMENT
        },
        DocumentKind::Prepayments => Shape {
            lines: Some("prepayment_lines"),
            number: "NULL",
            ..CONTACT_DOCUMENT
        },
        DocumentKind::PurchaseOrders => Shape {
            lines: Some("purchase_order_lines"),
            doc_type: "NULL",
            ..CONTACT_DOCUMENT
        },
        DocumentKind::Quotes => Shape {
            lines: Some("quote_lines"),
            doc_type: "NULL",
            ..CONTACT_DOCUMENT
        },
        DocumentKind::RepeatingInvoices => Shape {
            lines: Some("repeating_invoice_lines"),
            number: "NULL",
            date: "d.next_scheduled_date",
            rate: "NULL",
            ..CONTACT_DOCUMENT
        },
        DocumentKind::Payments => Shape {
            lines: None,
            doc_type: "d.payment_type",
            number: PAYMENT_NUMBER,
            reference: "d.reference",
            contact_id: PAYMENT_CONTACT_ID,
            contact_name: PAYMENT_CONTACT_NAME,
            date: "d.date",
            rate: "d.currency_rate",
            total: "d.amount",
            total_e4: "d.amount_e4",
            account: "d.account_xero_id",
            account_name: account_name("d.account_xero_id"),
            to_account: "NULL",
            to_account_name: "NULL",
        },
        DocumentKind::BankTransfers => Shape {
            lines: None,
            doc_type: "NULL",
            number: "NULL",
            reference: "d.reference",
            contact_id: "NULL",
            contact_name: "NULL",
            date: "d.date",
            rate: "d.currency_rate",
            total: "d.amount",
            total_e4: "d.amount_e4",
            account: "d.from_account_xero_id",
            account_name: account_name("d.from_account_xero_id"),
            to_account: "d.to_account_xero_id",
            to_account_name: account_name("d.to_account_xero_id"),
        },
        DocumentKind::BatchPayments => Shape {
            lines: None,
            doc_type: "d.type",
            number: "NULL",
            reference: "d.reference",
            contact_id: "NULL",
            contact_name: "NULL",
            date: "d.date",
            rate: "NULL",
            total: "d.total",
            total_e4: "d.total_e4",
            account: "d.account_xero_id",
            account_name: account_name("d.account_xero_id"),
            to_account: "NULL",
            to_account_name: "NULL",
        },
        DocumentKind::ManualJournals => Shape {
            lines: Some("manual_journal_lines"),
            doc_type: "NULL",
            number: "NULL",
            reference: "d.narration",
            contact_id: "NULL",
            contact_name: "NULL",
            date: "d.date",
            rate: "NULL",
            // A manual journal has no total: its debits stand for one.
            total: "NULL",
            total_e4: JOURNAL_DEBITS_E4,
            account: "NULL",
            account_name: "NULL",
            to_account: "NULL",
            to_account_name: "NULL",
        },
        // The indexed kinds are listed by `query`; as a shape they are
        // documents with a contact.
        DocumentKind::Invoices => Shape {
            lines: Some("invoice_lines"),
            ..CONTACT_DOCUMENT
        },
        DocumentKind::BankTransactions => Shape {
            lines: Some("bank_transaction_lines"),
            number: "NULL",
            account: "d.bank_account_xero_id",
            ..CONTACT_DOCUMENT
        },
    }
}

/// The derived table `v` of `kind`'s documents, in a listing's columns.
fn source(kind: DocumentKind) -> String {
    source_from(kind, "")
}

/// [`source`] with an index hint (` INDEXED BY ...`), or none (`""`).
fn source_from(kind: DocumentKind, hint: &str) -> String {
    let s = shape(kind);
    format!(
        "(SELECT d.id AS id, d.tenant_id AS tenant_id, d.xero_id AS xero_id, {} AS type, \
         {} AS number, {} AS reference, {} AS contact_xero_id, {} AS contact_name, {} AS date, \
         d.status AS status, d.currency_code AS currency_code, {} AS currency_rate, {} AS total, \
         {} AS total_e4, {} AS account, {} AS account_name, {} AS to_account, \
         {} AS to_account_name, d.updated_utc AS updated_utc FROM {} d{hint}) v",
        s.doc_type,
        s.number,
        s.reference,
        s.contact_id,
        s.contact_name,
        s.date,
        s.rate,
        s.total,
        s.total_e4,
        s.account,
        s.account_name,
        s.to_account,
        s.to_account_name,
        kind.table()
    )
}

/// The index on the organisation and date of a kind that is not indexed
/// for search ([`DocumentKind::is_indexed`]), where it has one and its
/// search is one FTS query.
fn date_index(kind: DocumentKind) -> Option<&'static str> {
    match kind {
        DocumentKind::Payments => Some("payments_date"),
        DocumentKind::BankTransfers => Some("bank_transfers_date"),
        _ => None,
    }
}

/// The `WHERE` of `kind`'s derived table for `f`.
fn other_where(
    kind: DocumentKind,
    f: &DocumentFilter,
) -> Result<(String, Vec<SqlValue>), StoreError> {
    let lines = shape(kind).lines;
    let mut sql = String::from("v.tenant_id = ?");
    let mut args = vec![SqlValue::Text(f.tenant_id.clone())];
    crate::query::and_each_given(
        &mut sql,
        &mut args,
        [
            ("v.status = ?", &f.status),
            ("v.type = ?", &f.doc_type),
            ("v.contact_xero_id = ?", &f.contact),
            ("v.currency_code = ?", &f.currency),
            ("v.date >= ?", &f.date_from),
            ("v.date <= ?", &f.date_to),
        ],
    );
    if let Some(a) = &f.account {
        match (kind, lines) {
            (DocumentKind::BankTransfers, _) => {
                sql.push_str(" AND (v.account = ? OR v.to_account = ?)");
                args.push(SqlValue::Text(a.clone()));
            }
            (DocumentKind::Payments, _) => sql.push_str(" AND v.account = ?"),
            (_, Some(lines)) => {
                sql.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM {lines} l WHERE l.parent_id = v.id \
                     AND (l.account_code = ? OR l.account_xero_id = ?))"
                ));
                args.push(SqlValue::Text(a.clone()));
            }
            (_, None) => sql.push_str(" AND v.account = ?"),
        }
        args.push(SqlValue::Text(a.clone()));
    }
    if let Some(t) = &f.tracking {
        match lines {
            Some(lines) => {
                sql.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM {lines} l WHERE l.parent_id = v.id AND {})",
                    crate::tracking::in_option_sql(
                        "l.tracking_json",
                        crate::tracking::TrackingJson::Xero
                    )
                ));
                args.extend(crate::tracking::in_option_values(t));
            }
            // A document without lines has no tracking.
            None => sql.push_str(" AND 0"),
        }
    }
    for (cond, m) in [
        ("v.total_e4 >= ?", &f.amount_min),
        ("v.total_e4 <= ?", &f.amount_max),
    ] {
        if let Some(m) = m {
            let e4 = m.to_e4().ok_or_else(|| {
                StoreError::Invalid(format!(
                    "{m} has more than 4 decimal places or is too large"
                ))
            })?;
            sql.push_str(" AND ");
            sql.push_str(cond);
            args.push(SqlValue::Int(e4));
        }
    }
    // The words of a search, through the kind's full-text index (the same
    // words, prefixes and quoting as invoices and bank transactions).
    let q = crate::query::fts_query(f.text.as_deref().unwrap_or(""));
    if !q.is_empty() {
        let fts = kind.fts();
        if kind == DocumentKind::BatchPayments {
            // Xero names only the id of the invoice each of a batch's
            // payments pays: the invoices' numbers and contacts are the
            // ledger's. Each word is in the batch's own words or in those of
            // an invoice it pays (a batch's few members, each looked up by
            // its id).
            for word in crate::query::fts_query_by_word(f.text.as_deref().unwrap_or("")) {
                sql.push_str(&format!(
                    " AND (v.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?) \
                     OR EXISTS (SELECT 1 FROM batch_payment_members m JOIN invoices i \
                       ON i.tenant_id = v.tenant_id AND i.xero_id = m.invoice_xero_id \
                       WHERE m.parent_id = v.id AND i.id IN \
                       (SELECT rowid FROM invoice_fts WHERE invoice_fts MATCH ?)))"
                ));
                args.push(SqlValue::Text(word.clone()));
                args.push(SqlValue::Text(format!(
                    "{{number contact_name}} : ({word})"
                )));
            }
        } else {
            sql.push_str(&format!(
                " AND v.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?)"
            ));
            args.push(SqlValue::Text(q));
        }
    }
    Ok((sql, args))
}

/// A row of a derived table: a manual journal's total is its debits.
fn other_row(r: &SqliteRow) -> Result<DocumentRow, StoreError> {
    let mut row = row_to_doc(r)?;
    if row.total.is_none() {
        if let Some(e4) = r.try_get::<Option<i64>, _>("total_e4")? {
            row.total = Some(
                Money::from_e4(i128::from(e4))
                    .ok_or_else(|| StoreError::Data("total out of range".to_owned()))?,
            );
        }
    }
    Ok(row)
}

/// One match of a search across every kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentHit {
    pub kind: DocumentKind,
    pub row: DocumentRow,
}

impl LedgerStore {
    /// [`LedgerStore::list_documents`] for a kind that is not indexed.
    pub(crate) async fn list_other_documents(
        &self,
        kind: DocumentKind,
        filter: &DocumentFilter,
        sort: Sort,
        after: Option<&str>,
        limit: u32,
    ) -> Result<DocumentPage, StoreError> {
        let (mut sql_where, mut args) = other_where(kind, filter)?;
        push_after(sort, after, &mut sql_where, &mut args)?;
        let col = sort.field.column();
        let dir = if sort.descending { "DESC" } else { "ASC" };
        let hint = match self.walks_the_dates(kind, filter, sort).await? {
            Some(index) => format!(" INDEXED BY {index}"),
            None => String::new(),
        };
        let sql = format!(
            "SELECT v.*, {col} AS sort_key FROM {} WHERE {sql_where} \
             ORDER BY {col} {dir}, id {dir} LIMIT {}",
            source_from(kind, &hint),
            limit + 1
        );
        let mut q = sqlx::query(&sql);
        for a in &args {
            q = bind_value(q, a);
        }
        let raw = q.fetch_all(self.pool()).await?;
        page_of(&raw, sort, limit, other_row)
    }

    /// The date index a page of `kind` in date order is to walk, when its
    /// search matches many documents: from [`MATCHES_TO_START_FROM`] on,
    /// walking the dates newest first to the page's end costs less than
    /// sorting every match, each with its contact and number looked up (one
    /// letter at 40,000 payments: 3 ms against 14 to 23 ms). SQLite's
    /// sampled statistics (`refresh_statistics`) take an organisation for
    /// about a thousand documents, so it would not choose the walk itself.
    async fn walks_the_dates(
        &self,
        kind: DocumentKind,
        f: &DocumentFilter,
        sort: Sort,
    ) -> Result<Option<&'static str>, StoreError> {
        let q = crate::query::fts_query(f.text.as_deref().unwrap_or(""));
        let Some(index) = date_index(kind) else {
            return Ok(None);
        };
        if q.is_empty() || sort.field != SortField::Date {
            return Ok(None);
        }
        let fts = kind.fts();
        let many: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {fts} WHERE {fts} MATCH ? LIMIT ?)"
        ))
        .bind(&q)
        .bind(MATCHES_TO_START_FROM)
        .fetch_one(self.pool())
        .await?;
        Ok((many >= MATCHES_TO_START_FROM).then_some(index))
    }

    /// [`LedgerStore::document_totals`] for a kind that is not indexed: an
    /// integer sum per currency, or the decimals summed in Rust when a total
    /// has no exact integer copy.
    pub(crate) async fn other_document_totals(
        &self,
        kind: DocumentKind,
        filter: &DocumentFilter,
    ) -> Result<Vec<CurrencyTotal>, StoreError> {
        let (sql_where, args) = other_where(kind, filter)?;
        let sql = format!(
            "SELECT currency_code, COUNT(*) AS n, COUNT(COALESCE(total, total_e4)) AS n_total, \
             COUNT(total_e4) AS n_e4, SUM(total_e4) AS s, 0 AS inexact FROM {} \
             WHERE {sql_where} GROUP BY currency_code ORDER BY currency_code",
            source(kind)
        );
        if let Some(totals) = self.currency_totals(kind, filter, &sql, &args).await? {
            return Ok(totals);
        }
        // The integer sum overflowed: every currency's decimals, in Rust.
        let sql = format!(
            "SELECT currency_code, COUNT(*) FROM {} WHERE {sql_where} \
             GROUP BY currency_code ORDER BY currency_code",
            source(kind)
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
                total: self
                    .other_sum_text(kind, filter, currency.as_deref())
                    .await?,
                currency_code: currency,
                count: u64::try_from(n).unwrap_or(0),
            });
        }
        Ok(out)
    }

    /// The matching totals in one currency, summed as decimals in Rust.
    pub(crate) async fn other_sum_text(
        &self,
        kind: DocumentKind,
        filter: &DocumentFilter,
        currency: Option<&str>,
    ) -> Result<Money, StoreError> {
        let mut f = filter.clone();
        f.currency = None;
        let (mut w, mut args) = other_where(kind, &f)?;
        match currency {
            Some(c) => {
                w.push_str(" AND v.currency_code = ?");
                args.push(SqlValue::Text(c.to_owned()));
            }
            None => w.push_str(" AND v.currency_code IS NULL"),
        }
        let sql = format!(
            "SELECT total, total_e4 FROM {} WHERE {w} AND (total IS NOT NULL OR total_e4 IS NOT NULL)",
            source(kind)
        );
        let mut q = sqlx::query_as::<_, (Option<String>, Option<i64>)>(&sql);
        for a in &args {
            q = match a {
                SqlValue::Null => q.bind(None::<String>),
                SqlValue::Int(i) => q.bind(*i),
                SqlValue::Text(t) => q.bind(t.as_str()),
            };
        }
        let mut sum = Decimal::ZERO;
        for (text, e4) in q.fetch_all(self.pool()).await? {
            let m = match (text, e4) {
                (Some(t), _) => Money::parse(&t).map_err(StoreError::value("an amount"))?,
                (None, Some(e4)) => Money::from_e4(i128::from(e4))
                    .ok_or_else(|| StoreError::Data("total out of range".to_owned()))?,
                (None, None) => continue,
            };
            sum = sum
                .checked_add(m.as_decimal())
                .ok_or_else(|| StoreError::Data("the total overflows".to_owned()))?;
        }
        Ok(Money::new(sum))
    }

    /// The newest `limit` (1..=200) documents of every kind that match
    /// `text`, newest first: each kind's listing searched on its own (the
    /// indexed kinds through their full-text index), then merged by date.
    pub async fn search_all_documents(
        &self,
        tenant_id: &str,
        text: &str,
        limit: u32,
    ) -> Result<Vec<DocumentHit>, StoreError> {
        let _timer = self.timed("search_all_documents");
        let limit = limit.clamp(1, 200);
        let filter = DocumentFilter {
            tenant_id: tenant_id.to_owned(),
            text: Some(text.to_owned()),
            ..DocumentFilter::default()
        };
        let sort = Sort {
            field: SortField::Date,
            descending: true,
        };
        // As many kinds at once as the machine has cores, each on a
        // connection of its own, the largest kinds (bank transactions, then
        // invoices) first: the answer comes in about the time of the slowest
        // kind, which runs without the other eleven taking turns on its core
        // (p50 of a common word at 1M documents: 41 to 46 ms with all twelve
        // at once on two cores).
        let at_once = std::thread::available_parallelism()
            .map_or(2, std::num::NonZeroUsize::get)
            .clamp(1, DocumentKind::ALL.len());
        let pages: Vec<_> = futures_util::stream::iter(
            DocumentKind::ALL.map(|kind| self.list_documents(kind, &filter, sort, None, limit)),
        )
        .buffered(at_once)
        .try_collect()
        .await?;
        let mut hits = Vec::new();
        for (kind, page) in DocumentKind::ALL.into_iter().zip(pages) {
            hits.extend(page.rows.into_iter().map(|row| DocumentHit { kind, row }));
        }
        // Newest first; undated last; within a date, by kind then id.
        hits.sort_by(|a, b| {
            b.row
                .date
                .cmp(&a.row.date)
                .then_with(|| kind_rank(a.kind).cmp(&kind_rank(b.kind)))
                .then_with(|| b.row.id.cmp(&a.row.id))
        });
        hits.truncate(limit as usize);
        Ok(hits)
    }
}

fn kind_rank(kind: DocumentKind) -> usize {
    DocumentKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(usize::MAX)
}
