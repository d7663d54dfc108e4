//! How each Xero entity maps onto its table: typed columns, child rows (lines,
//! allocations, options, members) and full-text columns.
//!
//! Every entity table has the same key columns (`id`, `tenant_id`, `xero_id`,
//! `updated_utc`, `raw_json`), then its typed columns. Each entity declares one
//! [`Table`], in which every column is its name beside the accessor that reads
//! its value, and so is every column of its child tables and full-text table.
//! The names SQL is built from ([`TableSpec`]) and the values of a record
//! ([`RowData`]) are both read from that one declaration, so they cannot drift
//! apart. `apply_page` is generic over it.

use ledgerkeep_domain::xero::*;
use ledgerkeep_domain::{canonical_json, Money, XeroDate};

/// One SQLite value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    Null,
    Int(i64),
    Text(String),
}

/// How a child table points at its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentKey {
    /// `(parent_id, position, ...)`.
    ParentId,
    /// `(source_table, source_id, position, ...)`: a table shared by several parents.
    Source,
}

/// What a row needs to know beyond its record.
#[derive(Debug, Clone, Copy)]
pub struct RowContext<'a> {
    pub tenant_id: &'a str,
    /// The organisation's base currency, for amounts Xero gives without one (journals).
    pub base_currency: Option<&'a str>,
}

/// What a column's accessor sees beside the record (or the line) it reads.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub tenant_id: &'a str,
    /// The record's currency ([`Table::currency`]), which its lines share.
    pub currency: Option<&'a str>,
}

/// One column: its name, and the accessor that reads its value from a `T`.
pub struct Column<T, V = SqlValue> {
    pub name: &'static str,
    pub value: fn(&T, &Scope<'_>) -> V,
}

/// A column named `name` whose value `value` reads.
pub const fn col<T, V>(name: &'static str, value: fn(&T, &Scope<'_>) -> V) -> Column<T, V> {
    Column { name, value }
}

/// A child table of a `P`: one row for each `C` that `items` reads from it.
pub struct Child<P, C: 'static> {
    pub table: &'static str,
    pub key: ParentKey,
    pub items: fn(&P) -> &[C],
    pub columns: &'static [Column<C>],
}

/// A [`Child`] with its line type hidden, so that one table can list child
/// tables of several kinds (lines and allocations).
pub trait ChildTable<P>: Sync {
    /// Its names.
    fn spec(&self) -> ChildSpec;
    /// The rows of `parent`, without the parent key and position.
    fn rows(&self, parent: &P, scope: &Scope<'_>) -> Vec<Vec<SqlValue>>;
}

impl<P, C> ChildTable<P> for Child<P, C> {
    fn spec(&self) -> ChildSpec {
        ChildSpec {
            table: self.table,
            key: self.key,
            columns: names(self.columns),
        }
    }

    fn rows(&self, parent: &P, scope: &Scope<'_>) -> Vec<Vec<SqlValue>> {
        (self.items)(parent)
            .iter()
            .map(|item| values(self.columns, item, scope))
            .collect()
    }
}

/// The FTS5 table kept in step with a document table (rowid = the document's id).
pub struct Fts<T: 'static> {
    pub table: &'static str,
    pub columns: &'static [Column<T, String>],
}

/// An entity table, declared once: every name beside its accessor.
pub struct Table<T: 'static> {
    pub table: &'static str,
    /// The record's currency: its `currency_code` column and its lines read it
    /// from the [`Scope`]. Given the organisation's base currency.
    pub currency: for<'a> fn(&'a T, Option<&'a str>) -> Option<&'a str>,
    pub columns: &'static [Column<T>],
    pub children: &'static [&'static dyn ChildTable<T>],
    pub fts: Option<Fts<T>>,
}

impl<T> Table<T> {
    /// The values of `record`, in the order of the declaration.
    pub fn row(&self, record: &T, ctx: &RowContext<'_>) -> RowData {
        let scope = Scope {
            tenant_id: ctx.tenant_id,
            currency: (self.currency)(record, ctx.base_currency),
        };
        RowData {
            columns: values(self.columns, record, &scope),
            children: self
                .children
                .iter()
                .map(|child| child.rows(record, &scope))
                .collect(),
            fts: self
                .fts
                .as_ref()
                .map_or_else(Vec::new, |fts| values(fts.columns, record, &scope)),
        }
    }

    /// The names of the table, its columns, child tables and full-text columns.
    pub fn spec(&self) -> TableSpec {
        TableSpec {
            table: self.table,
            columns: names(self.columns),
            children: self.children.iter().map(|child| child.spec()).collect(),
            fts: self.fts.as_ref().map(|fts| FtsSpec {
                table: fts.table,
                columns: names(fts.columns),
            }),
        }
    }
}

// Debug shows the names: the accessors are code.

impl<T, V> std::fmt::Debug for Column<T, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl<P, C> std::fmt::Debug for Child<P, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.spec().fmt(f)
    }
}

impl<T> std::fmt::Debug for Fts<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fts")
            .field("table", &self.table)
            .field("columns", &self.columns)
            .finish()
    }
}

impl<T> std::fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.spec().fmt(f)
    }
}

fn names<T, V>(columns: &[Column<T, V>]) -> Vec<&'static str> {
    columns.iter().map(|c| c.name).collect()
}

fn values<T, V>(columns: &[Column<T, V>], record: &T, scope: &Scope<'_>) -> Vec<V> {
    columns.iter().map(|c| (c.value)(record, scope)).collect()
}

/// An entity table as SQL sees it: names only, read from its [`Table`].
#[derive(Debug, Clone)]
pub struct TableSpec {
    pub table: &'static str,
    pub columns: Vec<&'static str>,
    pub children: Vec<ChildSpec>,
    pub fts: Option<FtsSpec>,
}

/// A child table as SQL sees it.
#[derive(Debug, Clone)]
pub struct ChildSpec {
    pub table: &'static str,
    pub key: ParentKey,
    pub columns: Vec<&'static str>,
}

/// A full-text table as SQL sees it.
#[derive(Debug, Clone)]
pub struct FtsSpec {
    pub table: &'static str,
    pub columns: Vec<&'static str>,
}

/// The values of one record, in the order of its [`TableSpec`].
#[derive(Debug, Clone, Default)]
pub struct RowData {
    pub columns: Vec<SqlValue>,
    /// Per child spec, its rows (without the parent key and position).
    pub children: Vec<Vec<Vec<SqlValue>>>,
    /// Per FTS column.
    pub fts: Vec<String>,
}

/// An entity the ledger can store.
pub trait StoredEntity: XeroEntity + 'static {
    const TABLE: Table<Self>;

    /// The values of this record, read through [`Self::TABLE`].
    fn row(&self, ctx: &RowContext<'_>) -> RowData {
        Self::TABLE.row(self, ctx)
    }

    /// The names of its table, read from [`Self::TABLE`].
    fn spec() -> TableSpec {
        Self::TABLE.spec()
    }
}

// ---------------------------------------------------------------------------
// Value helpers.

fn text(v: Option<&str>) -> SqlValue {
    v.map_or(SqlValue::Null, |s| SqlValue::Text(s.to_owned()))
}

/// Text, or a Xero code as the very text Xero sent (`as_str`).
fn opt_text<T: AsRef<str>>(v: &Option<T>) -> SqlValue {
    text(v.as_ref().map(AsRef::as_ref))
}

fn money(v: Option<Money>) -> SqlValue {
    v.map_or(SqlValue::Null, |m| SqlValue::Text(m.to_string()))
}

fn e4(v: Option<Money>) -> SqlValue {
    v.and_then(|m| m.to_e4())
        .map_or(SqlValue::Null, SqlValue::Int)
}

fn date(v: Option<XeroDate>) -> SqlValue {
    v.map_or(SqlValue::Null, |d| SqlValue::Text(d.to_string()))
}

fn boolean(v: Option<bool>) -> SqlValue {
    v.map_or(SqlValue::Null, |b| SqlValue::Int(i64::from(b)))
}

fn int<I: Into<i64>>(v: Option<I>) -> SqlValue {
    v.map_or(SqlValue::Null, |i| SqlValue::Int(i.into()))
}

fn tracking_json(t: &[LineTracking]) -> SqlValue {
    if t.is_empty() {
        return SqlValue::Null;
    }
    let v: Vec<serde_json::Value> = t
        .iter()
        .map(|t| {
            serde_json::json!({
                "TrackingCategoryID": t.tracking_category_id,
                "TrackingOptionID": t.tracking_option_id,
                "Name": t.name,
                "Option": t.option,
            })
        })
        .collect();
    SqlValue::Text(canonical_json(&serde_json::Value::Array(v)))
}

fn contact_id(c: &Option<ContactRef>) -> SqlValue {
    text(c.as_ref().and_then(|c| c.contact_id.as_deref()))
}

fn contact_name(c: &Option<ContactRef>) -> SqlValue {
    text(c.as_ref().and_then(|c| c.name.as_deref()))
}

/// The record's currency ([`Table::currency`]), for any `currency_code` column.
fn currency<T>(_: &T, scope: &Scope<'_>) -> SqlValue {
    text(scope.currency)
}

/// For tables with no currency of their own.
fn no_currency<'a, T>(_: &'a T, _: Option<&'a str>) -> Option<&'a str> {
    None
}

/// For journals, whose amounts are in the base currency.
fn base_currency<'a, T>(_: &'a T, base: Option<&'a str>) -> Option<&'a str> {
    base
}

// Full-text values.

fn s(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn contact_name_text(c: &Option<ContactRef>) -> String {
    c.as_ref().and_then(|c| c.name.clone()).unwrap_or_default()
}

/// The words given, one to a line, the missing and empty left out: a search
/// index's column made of several fields.
fn joined<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    parts
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The full-text index of a document kind other than invoices and bank
/// transactions: its number, reference (and other words), contact and lines'
/// descriptions (`migrations/0030_search_every_kind.sql` made them for the
/// documents held before).
const fn search_index<T>(
    table: &'static str,
    columns: &'static [Column<T, String>; 4],
) -> Option<Fts<T>> {
    Some(Fts { table, columns })
}

fn descriptions(lines: &[LineItem]) -> String {
    lines
        .iter()
        .filter_map(|l| l.description.as_deref())
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------
// Child tables.

/// A line's columns: its own, then those of every line that posts to an
/// account (a document's line item, a manual journal's line), read from its
/// fields of the same names.
macro_rules! line_columns {
    ($($own:expr),* $(,)?) => {
        &[
            $($own,)*
            col("description", |l, _| opt_text(&l.description)),
            col("account_code", |l, _| opt_text(&l.account_code)),
            col("account_xero_id", |l, _| opt_text(&l.account_id)),
            col("tax_type", |l, _| opt_text(&l.tax_type)),
            col("tax_amount", |l, _| money(l.tax_amount)),
            col("line_amount", |l, _| money(l.line_amount)),
            col("line_amount_e4", |l, _| e4(l.line_amount)),
            col("currency_code", currency),
            col("tracking_json", |l, _| tracking_json(&l.tracking)),
        ]
    };
}

const LINE_COLUMNS: &[Column<LineItem>] = line_columns![
    col("line_item_xero_id", |l, _| opt_text(&l.line_item_id)),
    col("quantity", |l, _| money(l.quantity)),
    col("unit_amount", |l, _| money(l.unit_amount)),
    col("item_code", |l, _| opt_text(&l.item_code)),
];

/// A document's line items, in the table `table`.
const fn lines<P>(table: &'static str, items: fn(&P) -> &[LineItem]) -> Child<P, LineItem> {
    Child {
        table,
        key: ParentKey::ParentId,
        items,
        columns: LINE_COLUMNS,
    }
}

const ALLOCATION_COLUMNS: &[Column<Allocation>] = &[
    col("tenant_id", |_, s| SqlValue::Text(s.tenant_id.to_owned())),
    col("allocation_xero_id", |a, _| opt_text(&a.allocation_id)),
    col("invoice_xero_id", |a, _| {
        text(a.invoice.as_ref().and_then(|i| i.invoice_id.as_deref()))
    }),
    col("amount", |a, _| money(a.amount)),
    col("amount_e4", |a, _| e4(a.amount)),
    col("currency_code", currency),
    col("date", |a, _| date(a.date)),
    col("is_deleted", |a, _| boolean(a.is_deleted)),
];

/// A credit's allocations, in the table they share.
const fn allocations<P>(items: fn(&P) -> &[Allocation]) -> Child<P, Allocation> {
    Child {
        table: "allocations",
        key: ParentKey::Source,
        items,
        columns: ALLOCATION_COLUMNS,
    }
}

/// A document's columns: its own, then those every document with lines has,
/// read from its fields of the same names.
macro_rules! document_columns {
    ($($own:expr),* $(,)?) => {
        &[
            $($own,)*
            col("reference", |d: &Self, _| opt_text(&d.reference)),
            col("contact_xero_id", |d: &Self, _| contact_id(&d.contact)),
            col("contact_name", |d: &Self, _| contact_name(&d.contact)),
            col("status", |d: &Self, _| opt_text(&d.status)),
            col("line_amount_types", |d: &Self, _| opt_text(&d.line_amount_types)),
            col("currency_code", currency),
            col("sub_total", |d: &Self, _| money(d.sub_total)),
            col("total_tax", |d: &Self, _| money(d.total_tax)),
            col("total", |d: &Self, _| money(d.total)),
            col("total_e4", |d: &Self, _| e4(d.total)),
        ]
    };
}

// ---------------------------------------------------------------------------
// The entities.

impl StoredEntity for Organisation {
    const TABLE: Table<Self> = Table {
        table: "organisations",
        currency: no_currency,
        columns: &[
            col("name", |o, _| opt_text(&o.name)),
            col("legal_name", |o, _| opt_text(&o.legal_name)),
            col("short_code", |o, _| opt_text(&o.short_code)),
            col("base_currency", |o, _| opt_text(&o.base_currency)),
            col("country_code", |o, _| opt_text(&o.country_code)),
            col("timezone", |o, _| opt_text(&o.timezone)),
            col("financial_year_end_day", |o, _| {
                int(o.financial_year_end_day)
            }),
            col("financial_year_end_month", |o, _| {
                int(o.financial_year_end_month)
            }),
            col("period_lock_date", |o, _| date(o.period_lock_date)),
            col("end_of_year_lock_date", |o, _| {
                date(o.end_of_year_lock_date)
            }),
            col("status", |o, _| opt_text(&o.organisation_status)),
        ],
        children: &[],
        fts: None,
    };
}

impl StoredEntity for Account {
    const TABLE: Table<Self> = Table {
        table: "accounts",
        currency: |a, _| a.currency_code.as_deref(),
        columns: &[
            col("code", |a, _| opt_text(&a.code)),
            col("name", |a, _| opt_text(&a.name)),
            col("type", |a, _| opt_text(&a.account_type)),
            col("status", |a, _| opt_text(&a.status)),
            col("class", |a, _| opt_text(&a.class)),
            col("tax_type", |a, _| opt_text(&a.tax_type)),
            col("bank_account_number", |a, _| {
                opt_text(&a.bank_account_number)
            }),
            col("currency_code", currency),
        ],
        children: &[],
        fts: None,
    };
}

impl StoredEntity for Contact {
    const TABLE: Table<Self> = Table {
        table: "contacts",
        currency: no_currency,
        columns: &[
            col("name", |c, _| opt_text(&c.name)),
            col("contact_number", |c, _| opt_text(&c.contact_number)),
            col("account_number", |c, _| opt_text(&c.account_number)),
            col("status", |c, _| opt_text(&c.contact_status)),
            col("email", |c, _| opt_text(&c.email_address)),
            col("is_customer", |c, _| boolean(c.is_customer)),
            col("is_supplier", |c, _| boolean(c.is_supplier)),
            col("default_currency", |c, _| opt_text(&c.default_currency)),
        ],
        children: &[],
        fts: None,
    };
}

impl StoredEntity for ContactGroup {
    const TABLE: Table<Self> = Table {
        table: "contact_groups",
        currency: no_currency,
        columns: &[
            col("name", |g, _| opt_text(&g.name)),
            col("status", |g, _| opt_text(&g.status)),
        ],
        children: &[&Child {
            table: "contact_group_members",
            key: ParentKey::ParentId,
            items: |g: &Self| &g.contacts,
            columns: &[
                col("contact_xero_id", |c, _| opt_text(&c.contact_id)),
                col("name", |c, _| opt_text(&c.name)),
            ],
        }],
        fts: None,
    };
}

impl StoredEntity for Invoice {
    const TABLE: Table<Self> = Table {
        table: "invoices",
        currency: |i, _| i.currency_code.as_deref(),
        columns: document_columns![
            col("type", |i, _| opt_text(&i.invoice_type)),
            col("number", |i, _| opt_text(&i.invoice_number)),
            col("date", |i, _| date(i.date)),
            col("due_date", |i, _| date(i.due_date)),
            col("currency_rate", |i, _| money(i.currency_rate)),
            col("amount_due", |i, _| money(i.amount_due)),
            col("amount_due_e4", |i, _| e4(i.amount_due)),
            col("amount_paid", |i, _| money(i.amount_paid)),
            col("amount_credited", |i, _| money(i.amount_credited)),
        ],
        children: &[&lines("invoice_lines", |i: &Self| &i.line_items)],
        fts: Some(Fts {
            table: "invoice_fts",
            columns: &[
                col("number", |i, _| s(&i.invoice_number)),
                col("reference", |i, _| s(&i.reference)),
                col("contact_name", |i, _| contact_name_text(&i.contact)),
                col("descriptions", |i, _| descriptions(&i.line_items)),
            ],
        }),
    };
}

/// Credit notes, overpayments and prepayments: the same table but for the
/// type's field and the number only credit notes have.
macro_rules! credit_like {
    ($ty:ident, $table:literal, $lines:literal, $fts:literal, $type_field:ident $(, $number:ident)?) => {
        impl StoredEntity for $ty {
            const TABLE: Table<Self> = Table {
                table: $table,
                currency: |c, _| c.currency_code.as_deref(),
                columns: document_columns![
                    col("type", |c, _| opt_text(&c.$type_field)),
                    $(col("number", |c, _| opt_text(&c.$number)),)?
                    col("date", |c, _| date(c.date)),
                    col("currency_rate", |c, _| money(c.currency_rate)),
                    col("remaining_credit", |c, _| money(c.remaining_credit)),
                ],
                children: &[
                    &lines($lines, |c: &Self| &c.line_items),
                    &allocations(|c: &Self| &c.allocations),
                ],
                fts: search_index($fts, &[
                    col("number", |_c, _| String::new() $(+ &s(&_c.$number))?),
                    col("reference", |c, _| s(&c.reference)),
                    col("contact_name", |c, _| contact_name_text(&c.contact)),
                    col("descriptions", |c, _| descriptions(&c.line_items)),
                ]),
            };
        }
    };
}

credit_like!(
    CreditNote,
    "credit_notes",
    "credit_note_lines",
    "credit_note_fts",
    credit_note_type,
    credit_note_number
);
credit_like!(
    Overpayment,
    "overpayments",
    "overpayment_lines",
    "overpayment_fts",
    overpayment_type
);
credit_like!(
    Prepayment,
    "prepayments",
    "prepayment_lines",
    "prepayment_fts",
    prepayment_type
);

impl StoredEntity for Payment {
    const TABLE: Table<Self> = Table {
        table: "payments",
        currency: |p, _| p.currency_code(),
        columns: &[
            col("date", |p, _| date(p.date)),
            col("amount", |p, _| money(p.amount)),
            col("amount_e4", |p, _| e4(p.amount)),
            col("bank_amount", |p, _| money(p.bank_amount)),
            col("currency_code", currency),
            col("currency_rate", |p, _| money(p.currency_rate)),
            col("reference", |p, _| opt_text(&p.reference)),
            col("status", |p, _| opt_text(&p.status)),
            col("payment_type", |p, _| opt_text(&p.payment_type)),
            col("is_reconciled", |p, _| boolean(p.is_reconciled)),
            col("account_xero_id", |p, _| {
                text(p.account.as_ref().and_then(|a| a.account_id.as_deref()))
            }),
            col("invoice_xero_id", |p, _| {
                text(p.invoice.as_ref().and_then(|i| i.invoice_id.as_deref()))
            }),
            col("credit_note_xero_id", |p, _| {
                text(
                    p.credit_note
                        .as_ref()
                        .and_then(|c| c.credit_note_id.as_deref()),
                )
            }),
            col("prepayment_xero_id", |p, _| {
                text(
                    p.prepayment
                        .as_ref()
                        .and_then(|c| c.prepayment_id.as_deref()),
                )
            }),
            col("overpayment_xero_id", |p, _| {
                text(
                    p.overpayment
                        .as_ref()
                        .and_then(|c| c.overpayment_id.as_deref()),
                )
            }),
            col("batch_payment_xero_id", |p, _| text(p.batch_id())),
        ],
        children: &[],
        fts: search_index(
            "payment_fts",
            &[
                col("number", |p, _| {
                    joined([
                        p.invoice.as_ref().and_then(|i| i.invoice_number.as_deref()),
                        p.credit_note
                            .as_ref()
                            .and_then(|c| c.credit_note_number.as_deref()),
                    ])
                }),
                col("reference", |p, _| s(&p.reference)),
                col("contact_name", |p, _| {
                    joined([
                        p.invoice
                            .as_ref()
                            .and_then(|i| i.contact.as_ref())
                            .and_then(|c| c.name.as_deref()),
                        p.credit_note
                            .as_ref()
                            .and_then(|c| c.contact.as_ref())
                            .and_then(|c| c.name.as_deref()),
                    ])
                }),
                col("descriptions", |_, _| String::new()),
            ],
        ),
    };
}

impl StoredEntity for BankTransaction {
    const TABLE: Table<Self> = Table {
        table: "bank_transactions",
        currency: |b, _| b.currency_code.as_deref(),
        columns: document_columns![
            col("type", |b, _| opt_text(&b.bank_transaction_type)),
            col("bank_account_xero_id", |b, _| {
                text(
                    b.bank_account
                        .as_ref()
                        .and_then(|a| a.account_id.as_deref()),
                )
            }),
            col("bank_account_code", |b, _| {
                text(b.bank_account.as_ref().and_then(|a| a.code.as_deref()))
            }),
            col("date", |b, _| date(b.date)),
            col("is_reconciled", |b, _| boolean(b.is_reconciled)),
            col("currency_rate", |b, _| money(b.currency_rate)),
        ],
        children: &[&lines("bank_transaction_lines", |b: &Self| &b.line_items)],
        fts: Some(Fts {
            table: "bank_transaction_fts",
            columns: &[
                col("reference", |b, _| s(&b.reference)),
                col("contact_name", |b, _| contact_name_text(&b.contact)),
                col("descriptions", |b, _| descriptions(&b.line_items)),
            ],
        }),
    };
}

const BATCH_MEMBER_COLUMNS: &[Column<BatchPaymentLine>] = &[
    col("payment_xero_id", |l, _| opt_text(&l.payment_id)),
    col("invoice_xero_id", |l, _| {
        text(l.invoice.as_ref().and_then(|i| i.invoice_id.as_deref()))
    }),
    col("credit_note_xero_id", |l, _| {
        text(
            l.credit_note
                .as_ref()
                .and_then(|c| c.credit_note_id.as_deref()),
        )
    }),
    col("amount", |l, _| money(l.amount)),
    col("amount_e4", |l, _| e4(l.amount)),
    col("currency_code", currency),
];

impl StoredEntity for BatchPayment {
    const TABLE: Table<Self> = Table {
        table: "batch_payments",
        // The bank account's currency, or the base currency.
        currency: |b, base| {
            b.account
                .as_ref()
                .and_then(|a| a.currency_code.as_deref())
                .or(base)
        },
        columns: &[
            col("type", |b, _| opt_text(&b.batch_payment_type)),
            col("account_xero_id", |b, _| {
                text(b.account.as_ref().and_then(|a| a.account_id.as_deref()))
            }),
            col("account_code", |b, _| {
                text(b.account.as_ref().and_then(|a| a.code.as_deref()))
            }),
            col("date", |b, _| date(b.date)),
            col("reference", |b, _| opt_text(&b.reference)),
            col("particulars", |b, _| opt_text(&b.particulars)),
            col("code", |b, _| opt_text(&b.code)),
            col("details", |b, _| opt_text(&b.details)),
            col("narrative", |b, _| opt_text(&b.narrative)),
            col("status", |b, _| opt_text(&b.status)),
            col("currency_code", currency),
            col("total", |b, _| money(b.total())),
            col("total_e4", |b, _| e4(b.total())),
        ],
        children: &[&Child {
            table: "batch_payment_members",
            key: ParentKey::ParentId,
            items: |b: &BatchPayment| &b.payments,
            columns: BATCH_MEMBER_COLUMNS,
        }],
        fts: search_index(
            "batch_payment_fts",
            &[
                col("number", |b, _| {
                    joined(b.payments.iter().map(|p| {
                        p.invoice
                            .as_ref()
                            .and_then(|i| i.invoice_number.as_deref())
                            .or_else(|| {
                                p.credit_note
                                    .as_ref()
                                    .and_then(|c| c.credit_note_number.as_deref())
                            })
                    }))
                }),
                col("reference", |b, _| {
                    joined([
                        b.reference.as_deref(),
                        b.particulars.as_deref(),
                        b.code.as_deref(),
                        b.details.as_deref(),
                        b.narrative.as_deref(),
                    ])
                }),
                col("contact_name", |b, _| {
                    joined(b.payments.iter().map(|p| {
                        p.invoice
                            .as_ref()
                            .and_then(|i| i.contact.as_ref())
                            .or_else(|| p.credit_note.as_ref().and_then(|c| c.contact.as_ref()))
                            .and_then(|c| c.name.as_deref())
                    }))
                }),
                col("descriptions", |_, _| String::new()),
            ],
        ),
    };
}

impl StoredEntity for BankTransfer {
    const TABLE: Table<Self> = Table {
        table: "bank_transfers",
        // The account the money leaves, or the base currency.
        currency: |t, base| {
            t.from_bank_account
                .as_ref()
                .and_then(|a| a.currency_code.as_deref())
                .or(base)
        },
        columns: &[
            col("from_account_xero_id", |t, _| {
                text(
                    t.from_bank_account
                        .as_ref()
                        .and_then(|a| a.account_id.as_deref()),
                )
            }),
            col("to_account_xero_id", |t, _| {
                text(
                    t.to_bank_account
                        .as_ref()
                        .and_then(|a| a.account_id.as_deref()),
                )
            }),
            col("amount", |t, _| money(t.amount)),
            col("amount_e4", |t, _| e4(t.amount)),
            col("currency_code", currency),
            col("currency_rate", |t, _| money(t.currency_rate)),
            col("date", |t, _| date(t.date)),
            col("reference", |t, _| opt_text(&t.reference)),
            col("status", |t, _| opt_text(&t.status)),
            col("from_bank_transaction_xero_id", |t, _| {
                opt_text(&t.from_bank_transaction_id)
            }),
            col("to_bank_transaction_xero_id", |t, _| {
                opt_text(&t.to_bank_transaction_id)
            }),
        ],
        children: &[],
        fts: search_index(
            "bank_transfer_fts",
            &[
                col("number", |_, _| String::new()),
                col("reference", |t, _| s(&t.reference)),
                col("contact_name", |_, _| String::new()),
                col("descriptions", |_, _| String::new()),
            ],
        ),
    };
}

impl StoredEntity for PurchaseOrder {
    const TABLE: Table<Self> = Table {
        table: "purchase_orders",
        currency: |p, _| p.currency_code.as_deref(),
        columns: document_columns![
            col("number", |p, _| opt_text(&p.purchase_order_number)),
            col("date", |p, _| date(p.date)),
            col("delivery_date", |p, _| date(p.delivery_date)),
            col("currency_rate", |p, _| money(p.currency_rate)),
        ],
        children: &[&lines("purchase_order_lines", |p: &Self| &p.line_items)],
        fts: search_index(
            "purchase_order_fts",
            &[
                col("number", |o, _| s(&o.purchase_order_number)),
                col("reference", |o, _| s(&o.reference)),
                col("contact_name", |o, _| contact_name_text(&o.contact)),
                col("descriptions", |o, _| descriptions(&o.line_items)),
            ],
        ),
    };
}

impl StoredEntity for Quote {
    const TABLE: Table<Self> = Table {
        table: "quotes",
        currency: |q, _| q.currency_code.as_deref(),
        columns: document_columns![
            col("number", |q, _| opt_text(&q.quote_number)),
            col("title", |q, _| opt_text(&q.title)),
            col("date", |q, _| date(q.date)),
            col("expiry_date", |q, _| date(q.expiry_date)),
            col("currency_rate", |q, _| money(q.currency_rate)),
        ],
        children: &[&lines("quote_lines", |q: &Self| &q.line_items)],
        fts: search_index(
            "quote_fts",
            &[
                col("number", |q, _| s(&q.quote_number)),
                col("reference", |q, _| {
                    joined([q.reference.as_deref(), q.title.as_deref()])
                }),
                col("contact_name", |q, _| contact_name_text(&q.contact)),
                col("descriptions", |q, _| descriptions(&q.line_items)),
            ],
        ),
    };
}

impl StoredEntity for RepeatingInvoice {
    const TABLE: Table<Self> = Table {
        table: "repeating_invoices",
        currency: |r, _| r.currency_code.as_deref(),
        columns: document_columns![
            col("type", |r, _| opt_text(&r.invoice_type)),
            col("schedule_period", |r, _| {
                int(r.schedule.as_ref().and_then(|s| s.period))
            }),
            col("schedule_unit", |r, _| {
                text(r.schedule.as_ref().and_then(|s| s.unit.as_deref()))
            }),
            col("start_date", |r, _| {
                date(r.schedule.as_ref().and_then(|s| s.start_date))
            }),
            col("next_scheduled_date", |r, _| {
                date(r.schedule.as_ref().and_then(|s| s.next_scheduled_date))
            }),
            col("end_date", |r, _| {
                date(r.schedule.as_ref().and_then(|s| s.end_date))
            }),
        ],
        children: &[&lines("repeating_invoice_lines", |r: &Self| &r.line_items)],
        fts: search_index(
            "repeating_invoice_fts",
            &[
                col("number", |_, _| String::new()),
                col("reference", |r, _| s(&r.reference)),
                col("contact_name", |r, _| contact_name_text(&r.contact)),
                col("descriptions", |r, _| descriptions(&r.line_items)),
            ],
        ),
    };
}

impl StoredEntity for ManualJournal {
    const TABLE: Table<Self> = Table {
        table: "manual_journals",
        currency: base_currency,
        columns: &[
            col("narration", |m, _| opt_text(&m.narration)),
            col("date", |m, _| date(m.date)),
            col("status", |m, _| opt_text(&m.status)),
            col("line_amount_types", |m, _| opt_text(&m.line_amount_types)),
            col("currency_code", currency),
        ],
        children: &[&Child {
            table: "manual_journal_lines",
            key: ParentKey::ParentId,
            items: |m: &Self| &m.journal_lines,
            columns: line_columns![],
        }],
        fts: search_index(
            "manual_journal_fts",
            &[
                col("number", |_, _| String::new()),
                col("reference", |j, _| s(&j.narration)),
                col("contact_name", |_, _| String::new()),
                col("descriptions", |j, _| {
                    joined(j.journal_lines.iter().map(|l| l.description.as_deref()))
                }),
            ],
        ),
    };
}

impl StoredEntity for Journal {
    const TABLE: Table<Self> = Table {
        table: "journals",
        currency: base_currency,
        columns: &[
            col("number", |j, _| int(j.journal_number)),
            col("date", |j, _| date(j.journal_date)),
            col("reference", |j, _| opt_text(&j.reference)),
            col("source_xero_id", |j, _| opt_text(&j.source_id)),
            col("source_type", |j, _| opt_text(&j.source_type)),
            col("currency_code", currency),
        ],
        children: &[&Child {
            table: "journal_lines",
            key: ParentKey::ParentId,
            items: |j: &Self| &j.journal_lines,
            columns: &[
                col("journal_line_xero_id", |l, _| opt_text(&l.journal_line_id)),
                col("account_xero_id", |l, _| opt_text(&l.account_id)),
                col("account_code", |l, _| opt_text(&l.account_code)),
                col("account_type", |l, _| opt_text(&l.account_type)),
                col("account_name", |l, _| opt_text(&l.account_name)),
                col("description", |l, _| opt_text(&l.description)),
                col("net_amount", |l, _| money(l.net_amount)),
                col("net_amount_e4", |l, _| e4(l.net_amount)),
                col("gross_amount", |l, _| money(l.gross_amount)),
                col("tax_amount", |l, _| money(l.tax_amount)),
                col("tax_type", |l, _| opt_text(&l.tax_type)),
                col("currency_code", currency),
                col("tracking_json", |l, _| {
                    tracking_json(&l.tracking_categories)
                }),
            ],
        }],
        fts: None,
    };
}

impl StoredEntity for TaxRate {
    const TABLE: Table<Self> = Table {
        table: "tax_rates",
        currency: no_currency,
        columns: &[
            col("name", |t, _| opt_text(&t.name)),
            col("status", |t, _| opt_text(&t.status)),
            col("report_tax_type", |t, _| opt_text(&t.report_tax_type)),
            col("effective_rate", |t, _| money(t.effective_rate)),
            col("display_tax_rate", |t, _| money(t.display_tax_rate)),
        ],
        children: &[],
        fts: None,
    };
}

impl StoredEntity for TrackingCategory {
    const TABLE: Table<Self> = Table {
        table: "tracking_categories",
        currency: no_currency,
        columns: &[
            col("name", |t, _| opt_text(&t.name)),
            col("status", |t, _| opt_text(&t.status)),
        ],
        children: &[&Child {
            table: "tracking_options",
            key: ParentKey::ParentId,
            items: |t: &Self| &t.options,
            columns: &[
                col("option_xero_id", |o, _| opt_text(&o.tracking_option_id)),
                col("name", |o, _| opt_text(&o.name)),
                col("status", |o, _| opt_text(&o.status)),
            ],
        }],
        fts: None,
    };
}

impl StoredEntity for Currency {
    const TABLE: Table<Self> = Table {
        table: "currencies",
        currency: no_currency,
        columns: &[col("description", |c, _| opt_text(&c.description))],
        children: &[],
        fts: None,
    };
}

impl StoredEntity for Item {
    const TABLE: Table<Self> = Table {
        table: "items",
        currency: no_currency,
        columns: &[
            col("code", |i, _| opt_text(&i.code)),
            col("name", |i, _| opt_text(&i.name)),
            col("description", |i, _| opt_text(&i.description)),
            col("is_sold", |i, _| boolean(i.is_sold)),
            col("is_purchased", |i, _| boolean(i.is_purchased)),
            col("quantity_on_hand", |i, _| money(i.quantity_on_hand)),
            col("sales_unit_price", |i, _| {
                money(i.sales_details.as_ref().and_then(|d| d.unit_price))
            }),
            col("purchase_unit_price", |i, _| {
                money(i.purchase_details.as_ref().and_then(|d| d.unit_price))
            }),
        ],
        children: &[],
        fts: None,
    };
}

/// The names of each entity kind's table.
pub fn spec_of(kind: EntityKind) -> TableSpec {
    match kind {
        EntityKind::Organisation => Organisation::spec(),
        EntityKind::Account => Account::spec(),
        EntityKind::Contact => Contact::spec(),
        EntityKind::ContactGroup => ContactGroup::spec(),
        EntityKind::Invoice => Invoice::spec(),
        EntityKind::CreditNote => CreditNote::spec(),
        EntityKind::Payment => Payment::spec(),
        EntityKind::Overpayment => Overpayment::spec(),
        EntityKind::Prepayment => Prepayment::spec(),
        EntityKind::BankTransaction => BankTransaction::spec(),
        EntityKind::BankTransfer => BankTransfer::spec(),
        EntityKind::ManualJournal => ManualJournal::spec(),
        EntityKind::Journal => Journal::spec(),
        EntityKind::TaxRate => TaxRate::spec(),
        EntityKind::TrackingCategory => TrackingCategory::spec(),
        EntityKind::Currency => Currency::spec(),
        EntityKind::Item => Item::spec(),
        EntityKind::RepeatingInvoice => RepeatingInvoice::spec(),
        EntityKind::PurchaseOrder => PurchaseOrder::spec(),
        EntityKind::Quote => Quote::spec(),
        EntityKind::BatchPayment => BatchPayment::spec(),
    }
}

/// Each entity kind's table name, read from its declaration (no allocation:
/// for callers that need only the name).
pub fn table_of(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Organisation => Organisation::TABLE.table,
        EntityKind::Account => Account::TABLE.table,
        EntityKind::Contact => Contact::TABLE.table,
        EntityKind::ContactGroup => ContactGroup::TABLE.table,
        EntityKind::Invoice => Invoice::TABLE.table,
        EntityKind::CreditNote => CreditNote::TABLE.table,
        EntityKind::Payment => Payment::TABLE.table,
        EntityKind::Overpayment => Overpayment::TABLE.table,
        EntityKind::Prepayment => Prepayment::TABLE.table,
        EntityKind::BankTransaction => BankTransaction::TABLE.table,
        EntityKind::BankTransfer => BankTransfer::TABLE.table,
        EntityKind::ManualJournal => ManualJournal::TABLE.table,
        EntityKind::Journal => Journal::TABLE.table,
        EntityKind::TaxRate => TaxRate::TABLE.table,
        EntityKind::TrackingCategory => TrackingCategory::TABLE.table,
        EntityKind::Currency => Currency::TABLE.table,
        EntityKind::Item => Item::TABLE.table,
        EntityKind::RepeatingInvoice => RepeatingInvoice::TABLE.table,
        EntityKind::PurchaseOrder => PurchaseOrder::TABLE.table,
        EntityKind::Quote => Quote::TABLE.table,
        EntityKind::BatchPayment => BatchPayment::TABLE.table,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use std::collections::HashSet;

    /// A record of `kind` with at least one row in each of its child tables.
    /// The match has no wildcard: a new kind must bring its sample.
    fn check_kind(kind: EntityKind) {
        let line = json!([{"Description": "x", "UnitAmount": "1.2345", "Tracking": [{"Name": "R", "Option": "N"}]}]);
        let alloc = json!([{"Amount": "1.00", "Invoice": {"InvoiceID": "i"}}]);
        match kind {
            EntityKind::Organisation => check::<Organisation>(json!({"OrganisationID": "o"})),
            EntityKind::Account => check::<Account>(json!({"AccountID": "a"})),
            EntityKind::Contact => check::<Contact>(json!({"ContactID": "c"})),
            EntityKind::ContactGroup => check::<ContactGroup>(
                json!({"ContactGroupID": "g", "Contacts": [{"ContactID": "c"}]}),
            ),
            EntityKind::Invoice => check::<Invoice>(json!({"InvoiceID": "i", "LineItems": line})),
            EntityKind::CreditNote => check::<CreditNote>(
                json!({"CreditNoteID": "i", "LineItems": line, "Allocations": alloc}),
            ),
            EntityKind::Payment => check::<Payment>(json!({"PaymentID": "p"})),
            EntityKind::Overpayment => check::<Overpayment>(
                json!({"OverpaymentID": "i", "LineItems": line, "Allocations": alloc}),
            ),
            EntityKind::Prepayment => check::<Prepayment>(
                json!({"PrepaymentID": "i", "LineItems": line, "Allocations": alloc}),
            ),
            EntityKind::BankTransaction => {
                check::<BankTransaction>(json!({"BankTransactionID": "b", "LineItems": line}))
            }
            EntityKind::BankTransfer => check::<BankTransfer>(json!({"BankTransferID": "b"})),
            EntityKind::ManualJournal => check::<ManualJournal>(
                json!({"ManualJournalID": "m", "JournalLines": [{"LineAmount": "1.00"}]}),
            ),
            EntityKind::Journal => {
                check::<Journal>(json!({"JournalID": "j", "JournalLines": [{"NetAmount": "1.00"}]}))
            }
            EntityKind::TaxRate => check::<TaxRate>(json!({"TaxType": "T"})),
            EntityKind::TrackingCategory => check::<TrackingCategory>(
                json!({"TrackingCategoryID": "t", "Options": [{"Name": "N"}]}),
            ),
            EntityKind::Currency => check::<Currency>(json!({"Code": "NZD"})),
            EntityKind::Item => check::<Item>(json!({"ItemID": "i"})),
            EntityKind::RepeatingInvoice => {
                check::<RepeatingInvoice>(json!({"RepeatingInvoiceID": "r", "LineItems": line}))
            }
            EntityKind::PurchaseOrder => {
                check::<PurchaseOrder>(json!({"PurchaseOrderID": "p", "LineItems": line}))
            }
            EntityKind::Quote => check::<Quote>(json!({"QuoteID": "q", "LineItems": line})),
            EntityKind::BatchPayment => check::<BatchPayment>(
                json!({"BatchPaymentID": "bp", "Payments": [{"PaymentID": "p", "Amount": "1.00"}]}),
            ),
        }
    }

    /// No name twice, nor a name of a key column the SQL adds itself.
    fn assert_unique(table: &str, keys: &[&str], names: &[&'static str]) {
        let mut seen = HashSet::new();
        for name in keys.iter().chain(names) {
            assert!(seen.insert(*name), "{table}.{name} is named twice");
        }
    }

    fn check<T: StoredEntity>(json: Value) {
        let rec = XeroRecord::<T>::from_value(json).unwrap();
        let ctx = RowContext {
            tenant_id: "t",
            base_currency: Some("NZD"),
        };
        let spec = T::spec();
        let table = spec.table;
        let row = rec.entity.row(&ctx);

        let keys = ["id", "tenant_id", "xero_id", "updated_utc", "raw_json"];
        assert_unique(table, &keys, &spec.columns);
        assert_eq!(row.columns.len(), spec.columns.len(), "{table}");

        assert_eq!(row.children.len(), spec.children.len(), "{table}");
        for (rows, child) in row.children.iter().zip(&spec.children) {
            let keys: &[&str] = match child.key {
                ParentKey::ParentId => &["id", "parent_id", "position"],
                ParentKey::Source => &["id", "source_table", "source_id", "position"],
            };
            assert_unique(child.table, keys, &child.columns);
            assert!(
                !rows.is_empty(),
                "the sample of {table} has no {}",
                child.table
            );
            for r in rows {
                assert_eq!(r.len(), child.columns.len(), "{}", child.table);
            }
        }

        match &spec.fts {
            Some(fts) => {
                assert_unique(fts.table, &["rowid"], &fts.columns);
                assert_eq!(row.fts.len(), fts.columns.len(), "{}", fts.table);
            }
            None => assert!(row.fts.is_empty(), "{table}"),
        }
    }

    /// For every entity kind: its names are unique, and a record gives exactly
    /// one value per column, in its table, each child table and its search text.
    #[test]
    fn every_row_has_one_value_per_named_column() {
        for kind in EntityKind::ALL {
            check_kind(kind);
        }
    }

    /// Every name a spec gives is a column of the migrated schema.
    #[tokio::test]
    async fn every_named_column_is_in_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::LedgerStore::open(&dir.path().join("ledger.sqlite"))
            .await
            .unwrap();
        let columns_of = |table: &'static str| {
            let pool = store.pool().clone();
            async move {
                let names: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
                        .bind(table)
                        .fetch_all(&pool)
                        .await
                        .unwrap();
                assert!(!names.is_empty(), "no table {table}");
                names.into_iter().collect::<HashSet<_>>()
            }
        };
        for kind in EntityKind::ALL {
            let spec = spec_of(kind);
            let mut tables = vec![(spec.table, spec.columns)];
            tables.extend(spec.children.into_iter().map(|c| (c.table, c.columns)));
            tables.extend(spec.fts.into_iter().map(|f| (f.table, f.columns)));
            for (table, names) in tables {
                let have = columns_of(table).await;
                for name in names {
                    assert!(have.contains(name), "{table} has no column {name}");
                }
            }
        }
        store.close().await;
    }
}
