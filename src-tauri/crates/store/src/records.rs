//! One document as its page shows it: its row, its lines (with the names of
//! their accounts and tax rates), and the documents it is linked to, in both
//! directions (allocations, payments, the bank transaction that made a
//! prepayment, a transfer's two sides, a repeating invoice's invoices, a
//! batch payment's payments).
//!
//! Facts only: the columns as stored, amounts as [`Money`] with the scale
//! Xero sent (unit amounts to 4 places), and what each link is. The API words
//! them.

use ledgerkeep_domain::{EntityKind, Money};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::rows::{spec_of, table_of};
use crate::{LedgerStore, StoreError};

/// A document's own row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    /// The ledger's row id (the lines' `parent_id`).
    pub id: i64,
    pub xero_id: String,
    pub updated_utc: Option<String>,
    /// Every typed column of its table, in the table's order, as text
    /// (integers as their digits); `None` for NULL.
    pub columns: Vec<(&'static str, Option<String>)>,
}

impl RecordRow {
    /// The value of column `name`, when the table has it and it is not NULL.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.as_deref())
    }
}

/// One tracking category and option on a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineTracking {
    pub category: Option<String>,
    pub option: Option<String>,
}

/// One line of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLine {
    pub position: i64,
    pub description: Option<String>,
    /// As stored (Xero's digits).
    pub quantity: Option<String>,
    /// As stored: up to 4 decimal places, the scale Xero sent.
    pub unit_amount: Option<Money>,
    pub item_code: Option<String>,
    pub account_code: Option<String>,
    /// The account's name, from the chart the ledger holds.
    pub account_name: Option<String>,
    pub tax_type: Option<String>,
    /// The tax rate's name, from the tax rates the ledger holds.
    pub tax_name: Option<String>,
    pub tax_amount: Option<Money>,
    pub line_amount: Option<Money>,
    pub tracking: Vec<LineTracking>,
}

/// How a linked document relates to the one shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// A payment (or refund) made on this document.
    PaidBy,
    /// The document this payment pays (or refunds).
    Pays,
    /// A credit note, overpayment or prepayment allocated to this invoice.
    AllocatedFrom,
    /// An invoice this credit is allocated to.
    AllocatedTo,
    /// The bank transaction that made this overpayment or prepayment.
    MadeBy,
    /// The overpayment or prepayment this bank transaction made.
    Made,
    /// The bank transfer this bank transaction is a side of.
    TransferOf,
    /// A side of this bank transfer: the money out (`from`) or in.
    TransferSide { from: bool },
    /// The repeating invoice this invoice was made from.
    RepeatOf,
    /// An invoice made from this repeating invoice.
    Repeat,
    /// A payment made in this batch payment (the batch's lines).
    InBatch,
    /// The batch payment this payment was made in.
    BatchOf,
}

/// A document linked to the one shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLink {
    pub relation: Relation,
    pub entity: EntityKind,
    pub xero_id: String,
    /// Whether the ledger holds the linked document (its summary is then filled).
    pub held: bool,
    pub number: Option<String>,
    pub reference: Option<String>,
    pub contact_name: Option<String>,
    pub date: Option<String>,
    pub doc_type: Option<String>,
    /// The amount of the link itself (an allocation's, a payment's), else the
    /// linked document's total.
    pub amount: Option<Money>,
    pub currency_code: Option<String>,
}

/// One payment a batch payment lists, with the document it pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchMember {
    pub payment_xero_id: Option<String>,
    /// The invoice's or credit note's number, when the ledger holds it.
    pub document_number: Option<String>,
    pub contact_name: Option<String>,
    pub amount: Option<Money>,
}

/// A batch's member as read: payment id, document number, contact, amount.
type MemberRow = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The entities that have lines, and the name of their lines table.
fn lines_table(kind: EntityKind) -> Option<&'static str> {
    spec_of(kind)
        .children
        .iter()
        .map(|c| c.table)
        .find(|t| t.ends_with("_lines"))
}

/// `text` as an amount, or the store's value error.
fn money(text: Option<String>) -> Result<Option<Money>, StoreError> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| Money::parse(&t).map_err(StoreError::value("an amount")))
        .transpose()
}

/// The columns a linked document's summary reads, per table: (number,
/// reference, contact, date, type, total, currency).
fn summary_columns(kind: EntityKind) -> [&'static str; 7] {
    match kind {
        EntityKind::Invoice | EntityKind::CreditNote => [
            "number",
            "reference",
            "contact_name",
            "date",
            "type",
            "total",
            "currency_code",
        ],
        EntityKind::PurchaseOrder => [
            "number",
            "reference",
            "contact_name",
            "date",
            "NULL",
            "total",
            "currency_code",
        ],
        EntityKind::Quote => [
            "number",
            "reference",
            "contact_name",
            "date",
            "NULL",
            "total",
            "currency_code",
        ],
        EntityKind::Overpayment | EntityKind::Prepayment | EntityKind::BankTransaction => [
            "NULL",
            "reference",
            "contact_name",
            "date",
            "type",
            "total",
            "currency_code",
        ],
        EntityKind::Payment => [
            "NULL",
            "reference",
            "NULL",
            "date",
            "payment_type",
            "amount",
            "currency_code",
        ],
        EntityKind::BankTransfer => [
            "NULL",
            "reference",
            "NULL",
            "date",
            "NULL",
            "amount",
            "currency_code",
        ],
        EntityKind::ManualJournal => [
            "NULL",
            "narration",
            "NULL",
            "date",
            "NULL",
            "NULL",
            "currency_code",
        ],
        EntityKind::BatchPayment => [
            "NULL",
            "reference",
            "NULL",
            "date",
            "type",
            "total",
            "currency_code",
        ],
        EntityKind::RepeatingInvoice => [
            "NULL",
            "reference",
            "contact_name",
            "start_date",
            "type",
            "total",
            "currency_code",
        ],
        _ => ["NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"],
    }
}

/// A link found, before its document's summary is read.
struct Found {
    relation: Relation,
    entity: EntityKind,
    xero_id: String,
    amount: Option<String>,
}

fn found(relation: Relation, entity: EntityKind, xero_id: String, amount: Option<String>) -> Found {
    Found {
        relation,
        entity,
        xero_id,
        amount,
    }
}

/// A payment's invoice, credit note, prepayment and overpayment ids, and its amount.
type PaymentTargets = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The credits whose allocations sit in `allocations.source_table`.
const CREDITS: [(EntityKind, &str, &str); 3] = [
    (
        EntityKind::CreditNote,
        "credit_notes",
        "credit_note_xero_id",
    ),
    (
        EntityKind::Overpayment,
        "overpayments",
        "overpayment_xero_id",
    ),
    (EntityKind::Prepayment, "prepayments", "prepayment_xero_id"),
];

impl LedgerStore {
    /// The document's own row, if the ledger holds it.
    pub async fn record_row(
        &self,
        kind: EntityKind,
        tenant_id: &str,
        xero_id: &str,
    ) -> Result<Option<RecordRow>, StoreError> {
        let _timer = self.timed("record_row");
        let spec = spec_of(kind);
        let select = spec
            .columns
            .iter()
            .map(|c| format!("CAST({c} AS TEXT) AS {c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT id, xero_id, updated_utc, {select} FROM {} WHERE tenant_id = ? AND xero_id = ?",
            spec.table
        );
        let row = sqlx::query(&sql)
            .bind(tenant_id)
            .bind(xero_id)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut columns = Vec::with_capacity(spec.columns.len());
        for c in &spec.columns {
            columns.push((*c, row.try_get::<Option<String>, _>(*c)?));
        }
        Ok(Some(RecordRow {
            id: row.try_get("id")?,
            xero_id: row.try_get("xero_id")?,
            updated_utc: row.try_get("updated_utc")?,
            columns,
        }))
    }

    /// The lines of the document whose row is `record`, in Xero's order,
    /// with the names of their accounts and tax rates. None for a kind
    /// without lines (payments, transfers).
    pub async fn record_lines(
        &self,
        kind: EntityKind,
        tenant_id: &str,
        record: &RecordRow,
    ) -> Result<Vec<RecordLine>, StoreError> {
        let _timer = self.timed("record_lines");
        let Some(table) = lines_table(kind) else {
            return Ok(Vec::new());
        };
        // Manual journals' lines have no quantity, unit amount or item.
        let has_units = kind != EntityKind::ManualJournal;
        let units = if has_units {
            "l.quantity, l.unit_amount, l.item_code"
        } else {
            "NULL AS quantity, NULL AS unit_amount, NULL AS item_code"
        };
        let sql = format!(
            "SELECT l.position, l.description, {units}, l.account_code, l.tax_type, \
                    l.tax_amount, l.line_amount, l.tracking_json, \
                    COALESCE( \
                        (SELECT a.name FROM accounts a WHERE a.tenant_id = ?1 \
                           AND a.xero_id = l.account_xero_id), \
                        (SELECT a.name FROM accounts a WHERE a.tenant_id = ?1 \
                           AND a.code = l.account_code ORDER BY a.id LIMIT 1)) AS account_name, \
                    (SELECT t.name FROM tax_rates t WHERE t.tenant_id = ?1 \
                       AND t.xero_id = l.tax_type) AS tax_name \
             FROM {table} l WHERE l.parent_id = ?2 ORDER BY l.position"
        );
        let rows = sqlx::query(&sql)
            .bind(tenant_id)
            .bind(record.id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(line_of).collect()
    }

    /// The documents linked to the one whose row is `record`, both ways.
    pub async fn record_links(
        &self,
        kind: EntityKind,
        tenant_id: &str,
        record: &RecordRow,
    ) -> Result<Vec<RecordLink>, StoreError> {
        let _timer = self.timed("record_links");
        let mut links = Vec::new();
        let id = record.xero_id.as_str();
        match kind {
            EntityKind::Invoice => {
                for (credit, table, _) in CREDITS {
                    let rows: Vec<(String, Option<String>)> = sqlx::query_as(&format!(
                        "SELECT c.xero_id, a.amount FROM allocations a \
                         JOIN {table} c ON c.id = a.source_id \
                         WHERE a.source_table = ? AND a.tenant_id = ? AND a.invoice_xero_id = ? \
                           AND COALESCE(a.is_deleted, 0) = 0 \
                         ORDER BY a.date, c.id, a.position"
                    ))
                    .bind(table)
                    .bind(tenant_id)
                    .bind(id)
                    .fetch_all(self.pool())
                    .await?;
                    links.extend(
                        rows.into_iter()
                            .map(|(x, a)| found(Relation::AllocatedFrom, credit, x, a)),
                    );
                }
                links.extend(self.payments_on("invoice_xero_id", tenant_id, id).await?);
                let repeat: Option<String> = sqlx::query_scalar(
                    "SELECT json_extract(raw_json, '$.RepeatingInvoiceID') FROM invoices \
                     WHERE id = ?",
                )
                .bind(record.id)
                .fetch_optional(self.pool())
                .await?
                .flatten();
                if let Some(r) = repeat.filter(|r| !r.is_empty() && !is_nil_id(r)) {
                    links.push(found(
                        Relation::RepeatOf,
                        EntityKind::RepeatingInvoice,
                        r,
                        None,
                    ));
                }
            }
            EntityKind::CreditNote | EntityKind::Overpayment | EntityKind::Prepayment => {
                let (_, table, payment_column) = CREDITS
                    .into_iter()
                    .find(|(k, _, _)| *k == kind)
                    .unwrap_or(CREDITS[0]);
                let rows: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
                    "SELECT invoice_xero_id, amount FROM allocations \
                     WHERE source_table = ? AND source_id = ? AND COALESCE(is_deleted, 0) = 0 \
                     ORDER BY position",
                )
                .bind(table)
                .bind(record.id)
                .fetch_all(self.pool())
                .await?;
                links.extend(rows.into_iter().filter_map(|(inv, a)| {
                    inv.map(|i| found(Relation::AllocatedTo, EntityKind::Invoice, i, a))
                }));
                links.extend(self.payments_on(payment_column, tenant_id, id).await?);
                if kind != EntityKind::CreditNote {
                    let (key, types) = if kind == EntityKind::Overpayment {
                        (
                            "$.OverpaymentID",
                            "'RECEIVE-OVERPAYMENT', 'SPEND-OVERPAYMENT'",
                        )
                    } else {
                        ("$.PrepaymentID", "'RECEIVE-PREPAYMENT', 'SPEND-PREPAYMENT'")
                    };
                    // Xero names the overpayment or prepayment only on bank
                    // transactions of those two types: those alone are read,
                    // by the status and type index, for each status the
                    // rollups know them in (one or two), sparing the JSON of
                    // a million others (seconds). With the statuses in a
                    // subquery, SQLite chose to read every row.
                    let statuses: Vec<Option<String>> = sqlx::query_scalar(&format!(
                        "SELECT DISTINCT status FROM document_rollups \
                         WHERE tenant_id = ? AND table_name = 'bank_transactions' \
                           AND type IN ({types})"
                    ))
                    .bind(tenant_id)
                    .fetch_all(self.pool())
                    .await?;
                    let mut made: Vec<(i64, String)> = Vec::new();
                    for status in statuses {
                        made.extend(
                            sqlx::query_as::<_, (i64, String)>(&format!(
                                "SELECT id, xero_id FROM bank_transactions \
                                 WHERE tenant_id = ? AND status IS ? AND type IN ({types}) \
                                   AND json_extract(raw_json, '{key}') = ?"
                            ))
                            .bind(tenant_id)
                            .bind(status)
                            .bind(id)
                            .fetch_all(self.pool())
                            .await?,
                        );
                    }
                    made.sort();
                    let made_by: Vec<String> = made.into_iter().map(|(_, x)| x).collect();
                    links.extend(
                        made_by
                            .into_iter()
                            .map(|x| found(Relation::MadeBy, EntityKind::BankTransaction, x, None)),
                    );
                }
            }
            EntityKind::Payment => {
                let targets: Option<PaymentTargets> = sqlx::query_as(
                    "SELECT invoice_xero_id, credit_note_xero_id, prepayment_xero_id, \
                                overpayment_xero_id, amount FROM payments WHERE id = ?",
                )
                .bind(record.id)
                .fetch_optional(self.pool())
                .await?;
                if let Some((inv, cn, pre, over, amount)) = targets {
                    for (entity, target) in [
                        (EntityKind::Invoice, inv),
                        (EntityKind::CreditNote, cn),
                        (EntityKind::Prepayment, pre),
                        (EntityKind::Overpayment, over),
                    ] {
                        if let Some(t) = target.filter(|t| !t.is_empty()) {
                            links.push(found(Relation::Pays, entity, t, amount.clone()));
                        }
                    }
                }
                let batch: Option<String> =
                    sqlx::query_scalar("SELECT batch_payment_xero_id FROM payments WHERE id = ?")
                        .bind(record.id)
                        .fetch_optional(self.pool())
                        .await?
                        .flatten();
                if let Some(b) = batch.filter(|b| !b.is_empty() && !is_nil_id(b)) {
                    links.push(found(Relation::BatchOf, EntityKind::BatchPayment, b, None));
                }
            }
            EntityKind::BankTransaction => {
                let made: Option<(Option<String>, Option<String>)> = sqlx::query_as(
                    "SELECT json_extract(raw_json, '$.OverpaymentID'), \
                            json_extract(raw_json, '$.PrepaymentID') \
                     FROM bank_transactions WHERE id = ?",
                )
                .bind(record.id)
                .fetch_optional(self.pool())
                .await?;
                if let Some((over, pre)) = made {
                    for (entity, target) in [
                        (EntityKind::Overpayment, over),
                        (EntityKind::Prepayment, pre),
                    ] {
                        if let Some(t) = target.filter(|t| !t.is_empty() && !is_nil_id(t)) {
                            links.push(found(Relation::Made, entity, t, None));
                        }
                    }
                }
                let transfers: Vec<(String, Option<String>)> = sqlx::query_as(
                    "SELECT xero_id, amount FROM bank_transfers WHERE tenant_id = ?1 \
                       AND (from_bank_transaction_xero_id = ?2 OR to_bank_transaction_xero_id = ?2) \
                     ORDER BY id",
                )
                .bind(tenant_id)
                .bind(id)
                .fetch_all(self.pool())
                .await?;
                links.extend(
                    transfers
                        .into_iter()
                        .map(|(x, a)| found(Relation::TransferOf, EntityKind::BankTransfer, x, a)),
                );
            }
            EntityKind::BankTransfer => {
                let sides: Option<(Option<String>, Option<String>, Option<String>)> =
                    sqlx::query_as(
                        "SELECT from_bank_transaction_xero_id, to_bank_transaction_xero_id, amount \
                         FROM bank_transfers WHERE id = ?",
                    )
                    .bind(record.id)
                    .fetch_optional(self.pool())
                    .await?;
                if let Some((from, to, amount)) = sides {
                    for (is_from, side) in [(true, from), (false, to)] {
                        if let Some(s) = side.filter(|s| !s.is_empty()) {
                            links.push(found(
                                Relation::TransferSide { from: is_from },
                                EntityKind::BankTransaction,
                                s,
                                amount.clone(),
                            ));
                        }
                    }
                }
            }
            EntityKind::BatchPayment => {
                let members: Vec<(String, Option<String>)> = sqlx::query_as(
                    "SELECT payment_xero_id, amount FROM batch_payment_members \
                     WHERE parent_id = ? AND payment_xero_id IS NOT NULL ORDER BY position",
                )
                .bind(record.id)
                .fetch_all(self.pool())
                .await?;
                links.extend(
                    members
                        .into_iter()
                        .map(|(x, a)| found(Relation::InBatch, EntityKind::Payment, x, a)),
                );
            }
            EntityKind::RepeatingInvoice => {
                let made: Vec<String> = sqlx::query_scalar(
                    // Through `invoices_repeating` (the IS NOT NULL names that
                    // partial index), not every invoice's JSON.
                    "SELECT xero_id FROM invoices WHERE tenant_id = ? \
                       AND json_extract(raw_json, '$.RepeatingInvoiceID') IS NOT NULL \
                       AND json_extract(raw_json, '$.RepeatingInvoiceID') = ? ORDER BY date, id",
                )
                .bind(tenant_id)
                .bind(id)
                .fetch_all(self.pool())
                .await?;
                links.extend(
                    made.into_iter()
                        .map(|x| found(Relation::Repeat, EntityKind::Invoice, x, None)),
                );
            }
            _ => {}
        }
        let mut out = Vec::with_capacity(links.len());
        for f in links {
            out.push(self.link_summary(tenant_id, f).await?);
        }
        Ok(out)
    }

    /// The payments the batch payment whose row id is `parent_id` lists, in
    /// its order, with the number and contact of what each pays.
    pub async fn batch_members(
        &self,
        tenant_id: &str,
        parent_id: i64,
    ) -> Result<Vec<BatchMember>, StoreError> {
        let _timer = self.timed("batch_members");
        let rows: Vec<MemberRow> = sqlx::query_as(
                "SELECT m.payment_xero_id, COALESCE(i.number, c.number), \
                        COALESCE(i.contact_name, c.contact_name), m.amount \
                 FROM batch_payment_members m \
                 LEFT JOIN invoices i ON i.tenant_id = ?1 AND i.xero_id = m.invoice_xero_id \
                 LEFT JOIN credit_notes c ON c.tenant_id = ?1 AND c.xero_id = m.credit_note_xero_id \
                 WHERE m.parent_id = ?2 ORDER BY m.position",
            )
            .bind(tenant_id)
            .bind(parent_id)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter()
            .map(|(payment, number, contact, amount)| {
                Ok(BatchMember {
                    payment_xero_id: payment,
                    document_number: number,
                    contact_name: contact,
                    amount: money(amount)?,
                })
            })
            .collect()
    }

    /// The payments whose `column` names `xero_id`. `+date`: sorted after
    /// they are found by `column`'s index; SQLite's sampled statistics
    /// would have it walk every payment in date order instead (about 100 ms
    /// a page at 40,000 payments, against 2 ms).
    async fn payments_on(
        &self,
        column: &str,
        tenant_id: &str,
        xero_id: &str,
    ) -> Result<Vec<Found>, StoreError> {
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(&format!(
            "SELECT xero_id, amount FROM payments WHERE tenant_id = ? AND {column} = ? \
             ORDER BY +date, id"
        ))
        .bind(tenant_id)
        .bind(xero_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(x, a)| found(Relation::PaidBy, EntityKind::Payment, x, a))
            .collect())
    }

    /// A found link with its document's summary, when the ledger holds it.
    async fn link_summary(&self, tenant_id: &str, f: Found) -> Result<RecordLink, StoreError> {
        let [number, reference, contact, date, doc_type, total, currency] =
            summary_columns(f.entity);
        let sql = format!(
            "SELECT {number} AS number, {reference} AS reference, {contact} AS contact_name, \
                    {date} AS date, {doc_type} AS doc_type, {total} AS total, \
                    {currency} AS currency_code \
             FROM {} WHERE tenant_id = ? AND xero_id = ?",
            table_of(f.entity)
        );
        let row = sqlx::query(&sql)
            .bind(tenant_id)
            .bind(&f.xero_id)
            .fetch_optional(self.pool())
            .await?;
        let text = |r: &SqliteRow, c: &str| r.try_get::<Option<String>, _>(c);
        let mut link = RecordLink {
            relation: f.relation,
            entity: f.entity,
            xero_id: f.xero_id,
            held: row.is_some(),
            number: None,
            reference: None,
            contact_name: None,
            date: None,
            doc_type: None,
            amount: money(f.amount.clone())?,
            currency_code: None,
        };
        if let Some(r) = row {
            link.number = text(&r, "number")?;
            link.reference = text(&r, "reference")?;
            link.contact_name = text(&r, "contact_name")?;
            link.date = text(&r, "date")?;
            link.doc_type = text(&r, "doc_type")?;
            link.currency_code = text(&r, "currency_code")?;
            if f.amount.is_none() {
                link.amount = money(text(&r, "total")?)?;
            }
        }
        Ok(link)
    }
}

/// Xero's empty id (`00000000-0000-0000-0000-000000000000`), sent for "none".
fn is_nil_id(id: &str) -> bool {
    id.chars().all(|c| c == '0' || c == '-')
}

fn line_of(r: &SqliteRow) -> Result<RecordLine, StoreError> {
    let tracking_json: Option<String> = r.try_get("tracking_json")?;
    let tracking = match tracking_json.as_deref() {
        None | Some("") => Vec::new(),
        Some(t) => {
            let v: serde_json::Value =
                serde_json::from_str(t).map_err(StoreError::value("a line's tracking"))?;
            v.as_array()
                .map(|a| {
                    a.iter()
                        .map(|t| LineTracking {
                            category: t["Name"].as_str().map(str::to_owned),
                            option: t["Option"].as_str().map(str::to_owned),
                        })
                        .collect()
                })
                .unwrap_or_default()
        }
    };
    Ok(RecordLine {
        position: r.try_get("position")?,
        description: r.try_get("description")?,
        quantity: r.try_get("quantity")?,
        unit_amount: money(r.try_get("unit_amount")?)?,
        item_code: r.try_get("item_code")?,
        account_code: r.try_get("account_code")?,
        account_name: r.try_get("account_name")?,
        tax_type: r.try_get("tax_type")?,
        tax_name: r.try_get("tax_name")?,
        tax_amount: money(r.try_get("tax_amount")?)?,
        line_amount: money(r.try_get("line_amount")?)?,
        tracking,
    })
}

impl LedgerStore {
    /// Whether the file kept under `sha256` is on this computer (its bytes are
    /// checked when it is read, by [`LedgerStore::attachment_bytes`]).
    pub async fn attachment_on_disk(&self, sha256: &str) -> bool {
        tokio::fs::try_exists(self.attachment_path(sha256))
            .await
            .unwrap_or(false)
    }
}

impl LedgerStore {
    /// An account's code and name, by its Xero id, when the chart holds it.
    pub async fn account_by_id(
        &self,
        tenant_id: &str,
        xero_id: &str,
    ) -> Result<Option<(Option<String>, Option<String>)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT code, name FROM accounts WHERE tenant_id = ? AND xero_id = ?")
                .bind(tenant_id)
                .bind(xero_id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// The organisation's short code (`!Ab1cD`), which Xero's links name it by.
    pub async fn organisation_short_code(
        &self,
        tenant_id: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT short_code FROM organisations WHERE tenant_id = ? ORDER BY id LIMIT 1",
        )
        .bind(tenant_id)
        .fetch_optional(self.pool())
        .await?
        .flatten())
    }
}
