//! How each Xero entity maps onto its table: typed columns, child rows (lines,
//! allocations, options, members) and full-text columns.
//!
//! Every entity table has the same key columns (`id`, `tenant_id`, `xero_id`,
//! `updated_utc`, `raw_json`), then the typed columns listed in its
//! [`TableSpec`]. `apply_page` is generic over this description.

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

/// A child table: lines, allocations, options, members.
#[derive(Debug)]
pub struct ChildSpec {
    pub table: &'static str,
    pub key: ParentKey,
    pub columns: &'static [&'static str],
}

/// The FTS5 table kept in step with a document table (rowid = the document's id).
#[derive(Debug)]
pub struct FtsSpec {
    pub table: &'static str,
    pub columns: &'static [&'static str],
}

/// An entity table.
#[derive(Debug)]
pub struct TableSpec {
    pub table: &'static str,
    pub columns: &'static [&'static str],
    pub children: &'static [ChildSpec],
    pub fts: Option<FtsSpec>,
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

/// What a row needs to know beyond its record.
#[derive(Debug, Clone, Copy)]
pub struct RowContext<'a> {
    pub tenant_id: &'a str,
    /// The organisation's base currency, for amounts Xero gives without one (journals).
    pub base_currency: Option<&'a str>,
}

/// An entity the ledger can store.
pub trait StoredEntity: XeroEntity {
    const SPEC: TableSpec;
    fn row(&self, ctx: &RowContext<'_>) -> RowData;
}

// ---------------------------------------------------------------------------
// Value helpers.

fn text(v: Option<&str>) -> SqlValue {
    v.map_or(SqlValue::Null, |s| SqlValue::Text(s.to_owned()))
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

fn opt_text(v: &Option<String>) -> SqlValue {
    text(v.as_deref())
}

const LINE_COLUMNS: &[&str] = &[
    "line_item_xero_id",
    "description",
    "quantity",
    "unit_amount",
    "item_code",
    "account_code",
    "account_xero_id",
    "tax_type",
    "tax_amount",
    "line_amount",
    "line_amount_e4",
    "currency_code",
    "tracking_json",
];

fn line_rows(lines: &[LineItem], currency: Option<&str>) -> Vec<Vec<SqlValue>> {
    lines
        .iter()
        .map(|l| {
            vec![
                opt_text(&l.line_item_id),
                opt_text(&l.description),
                money(l.quantity),
                money(l.unit_amount),
                opt_text(&l.item_code),
                opt_text(&l.account_code),
                opt_text(&l.account_id),
                opt_text(&l.tax_type),
                money(l.tax_amount),
                money(l.line_amount),
                e4(l.line_amount),
                text(currency),
                tracking_json(&l.tracking),
            ]
        })
        .collect()
}

const ALLOCATION_COLUMNS: &[&str] = &[
    "tenant_id",
    "allocation_xero_id",
    "invoice_xero_id",
    "amount",
    "amount_e4",
    "currency_code",
    "date",
    "is_deleted",
];

fn allocation_rows(
    allocations: &[Allocation],
    tenant_id: &str,
    currency: Option<&str>,
) -> Vec<Vec<SqlValue>> {
    allocations
        .iter()
        .map(|a| {
            vec![
                SqlValue::Text(tenant_id.to_owned()),
                opt_text(&a.allocation_id),
                text(a.invoice.as_ref().and_then(|i| i.invoice_id.as_deref())),
                money(a.amount),
                e4(a.amount),
                text(currency),
                date(a.date),
                boolean(a.is_deleted),
            ]
        })
        .collect()
}

fn descriptions(lines: &[LineItem]) -> String {
    lines
        .iter()
        .filter_map(|l| l.description.as_deref())
        .collect::<Vec<_>>()
        .join("\n")
}

fn s(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

// ---------------------------------------------------------------------------
// The entities.

impl StoredEntity for Organisation {
    const SPEC: TableSpec = TableSpec {
        table: "organisations",
        columns: &[
            "name",
            "legal_name",
            "short_code",
            "base_currency",
            "country_code",
            "timezone",
            "financial_year_end_day",
            "financial_year_end_month",
            "period_lock_date",
            "end_of_year_lock_date",
            "status",
        ],
        children: &[],
        fts: None,
    };
    fn row(&self, _: &RowContext<'_>) -> RowData {
        RowData {
            columns: vec![
                opt_text(&self.name),
                opt_text(&self.legal_name),
                opt_text(&self.short_code),
                opt_text(&self.base_currency),
                opt_text(&self.country_code),
                opt_text(&self.timezone),
                self.financial_year_end_day
                    .map_or(SqlValue::Null, |d| SqlValue::Int(i64::from(d))),
                self.financial_year_end_month
                    .map_or(SqlValue::Null, |d| SqlValue::Int(i64::from(d))),
                date(self.period_lock_date),
                date(self.end_of_year_lock_date),
                opt_text(&self.organisation_status),
            ],
            ..RowData::default()
        }
    }
}

impl StoredEntity for Account {
    const SPEC: TableSpec = TableSpec {
        table: "accounts",
        columns: &[
            "code",
            "name",
            "type",
            "status",
            "class",
            "tax_type",
            "bank_account_number",
            "currency_code",
        ],
        children: &[],
        fts: None,
    };
    fn row(&self, _: &RowContext<'_>) -> RowData {
        RowData {
            columns: vec![
                opt_text(&self.code),
                opt_text(&self.name),
                opt_text(&self.account_type),
                opt_text(&self.status),
                opt_text(&self.class),
                opt_text(&self.tax_type),
                opt_text(&self.bank_account_number),
                opt_text(&self.currency_code),
            ],
            ..RowData::default()
        }
    }
}

impl StoredEntity for Contact {
    const SPEC: TableSpec = TableSpec {
        table: "contacts",
        columns: &[
            "name",
            "contact_number",
            "account_number",
            "status",
            "email",
            "is_customer",
            "is_supplier",
            "default_currency",
        ],
        children: &[],
        fts: None,
    };
    fn row(&self, _: &RowContext<'_>) -> RowData {
        RowData {
            columns: vec![
                opt_text(&self.name),
                opt_text(&self.contact_number),
                opt_text(&self.account_number),
                opt_text(&self.contact_status),
                opt_text(&self.email_address),
                boolean(self.is_customer),
                boolean(self.is_supplier),
                opt_text(&self.default_currency),
            ],
            ..RowData::default()
        }
    }
}

impl StoredEntity for ContactGroup {
    const SPEC: TableSpec = TableSpec {
        table: "contact_groups",
        columns: &["name", "status"],
        children: &[ChildSpec {
            table: "contact_group_members",
            key: ParentKey::ParentId,
            columns: &["contact_xero_id", "name"],
        }],
        fts: None,
    };
    fn row(&self, _: &RowContext<'_>) -> RowData {
        RowData {
            columns: vec![opt_text(&self.name), opt_text(&self.status)],
            children: vec![self
                .contacts
                .iter()
                .map(|c| vec![opt_text(&c.contact_id), opt_text(&c.name)])
                .collect()],
            fts: Vec::new(),
        }
    }
}

impl StoredEntity for Invoice {
    const SPEC: TableSpec = TableSpec {
        table: "invoices",
        columns: &[
            "type",
            "number",
            "reference",
            "contact_xero_id",
            "contact_name",
            "date",
            "due_date",
            "status",
            "line_amount_types",
            "currency_code",
            "currency_rate",
            "sub_total",
            "total_tax",
            "total",
            "total_e4",
            "amount_due",
            "amount_due_e4",
            "amount_paid",
            "amount_credited",
        ],
        children: &[ChildSpec {
            table: "invoice_lines",
            key: ParentKey::ParentId,
            columns: LINE_COLUMNS,
        }],
        fts: Some(FtsSpec {
            table: "invoice_fts",
            columns: &["number", "reference", "contact_name", "descriptions"],
        }),
    };
    fn row(&self, _: &RowContext<'_>) -> RowData {
        let cur = self.currency_code.as_deref();
        RowData {
            columns: vec![
                opt_text(&self.invoice_type),
                opt_text(&self.invoice_number),
                opt_text(&self.reference),
                contact_id(&self.contact),
                contact_name(&self.contact),
                date(self.date),
                date(self.due_date),
                opt_text(&self.status),
                opt_text(&self.line_amount_types),
                text(cur),
                money(self.currency_rate),
                money(self.sub_total),
                money(self.total_tax),
                money(self.total),
                e4(self.total),
                money(self.amount_due),
                e4(self.amount_due),
                money(self.amount_paid),
                money(self.amount_credited),
            ],
            children: vec![line_rows(&self.line_items, cur)],
            fts: vec![
                s(&self.invoice_number),
                s(&self.reference),
                self.contact
                    .as_ref()
                    .and_then(|c| c.name.clone())
                    .unwrap_or_default(),
                descriptions(&self.line_items),
            ],
        }
    }
}

macro_rules! credit_like {
    ($ty:ident, $table:literal, $lines:literal, $type_field:ident, $has_number:tt) => {
        impl StoredEntity for $ty {
            const SPEC: TableSpec = TableSpec {
                table: $table,
                columns: credit_like!(@columns $has_number),
                children: &[
                    ChildSpec {
                        table: $lines,
                        key: ParentKey::ParentId,
                        columns: LINE_COLUMNS,
                    },
                    ChildSpec {
                        table: "allocations",
                        key: ParentKey::Source,
                        columns: ALLOCATION_COLUMNS,
                    },
                ],
                fts: None,
            };
            fn row(&self, ctx: &RowContext<'_>) -> RowData {
                let cur = self.currency_code.as_deref();
                let mut columns = vec![opt_text(&self.$type_field)];
                credit_like!(@number $has_number, self, columns);
                columns.extend([
                    opt_text(&self.reference),
                    contact_id(&self.contact),
                    contact_name(&self.contact),
                    date(self.date),
                    opt_text(&self.status),
                    opt_text(&self.line_amount_types),
                    text(cur),
                    money(self.currency_rate),
                    money(self.sub_total),
                    money(self.total_tax),
                    money(self.total),
                    e4(self.total),
                    money(self.remaining_credit),
                ]);
                RowData {
                    columns,
                    children: vec![
                        line_rows(&self.line_items, cur),
                        allocation_rows(&self.allocations, ctx.tenant_id, cur),
                    ],
                    fts: Vec::new(),
                }
            }
        }
    };
    (@columns true) => {
        &[
            "type", "number", "reference", "contact_xero_id", "contact_name", "date", "status",
            "line_amount_types", "currency_code", "currency_rate", "sub_total", "total_tax",
            "total", "total_e4", "remaining_credit",
        ]
    };
    (@columns false) => {
        &[
            "type", "reference", "contact_xero_id", "contact_name", "date", "status",
            "line_amount_types", "currency_code", "currency_rate", "sub_total", "total_tax",
            "total", "total_e4", "remaining_credit",
        ]
    };
    (@number true, $self:ident, $columns:ident) => {
        $columns.push(opt_text(&$self.credit_note_number));
    };
    (@number false, $self:ident, $columns:ident) => {};
}

credit_like!(
    CreditNote,
    "credit_notes",
    "credit_note_lines",
    credit_note_type,
    true
);
credit_like!(
    Overpayment,
    "overpayments",
    "overpayment_lines",
    overpayment_type,
    false
);
credit_like!(
    Prepayment,
    "prepayments",
    "prepayment_lines",
    prepayment_type,
    false
);

impl StoredEntity for Payment {
    const SPEC: TableSpec = TableSpec {
        table: "payments",
        columns: &[
            "date",
            "amount",
            "amount_e4",
            "bank_amount",
            "currency_code",
            "currency_rate",
            "reference",
            "status",
            "payment_type",
            "is_reconciled",
            "account_xero_id",
            "invoice_xero_id",
            "credit_note_xero_id",
            "prepayment_xero_id",
            "overpayment_xero_id",
        ],
        children: &[],
        fts: None,
    };
    fn row(&self, _: &RowContext<'_>) -> RowData {
        RowData {
            columns: vec![
                date(self.date),
                money(self.amount),
                e4(self.amount),
                money(self.bank_amount),
                text(self.currency_code()),
                money(self.currency_rate),
                opt_text(&self.reference),
                opt_text(&self.status),
                opt_text(&self.payment_type),
                boolean(self.is_reconciled),
                text(self.account.as_ref().and_then(|a| a.account_id.as_deref())),
                text(self.invoice.as_ref().and_then(|a| a.invoice_id.as_deref())),
                text(
                    self.credit_note
                        .as_ref()
                        .and_then(|a| a.credit_note_id.as_deref()),
                ),
                text(
                    self.prepayment
                        .as_ref()
                        .and_then(|a| a.prepayment_id.as_deref()),
                ),
                text(
                    self.overpayment
                        .as_ref()
                        .and_then(|a| a.overpayment_id.as_deref()),
                ),
            ],
            ..RowData::default()
        }
    }
}

impl StoredEntity for BankTransaction {
    const SPEC: TableSpec = TableSpec {
        table: "bank_transactions",
        columns: &[
            "type",
            "contact_xero_id",
            "contact_name",
            "bank_account_xero_id",
            "bank_account_code",
            "date",
            "reference",
            "status",
            "is_reconciled",
            "line_amount_types",
            "currency_code",
            "currency_rate",
            "sub_total",
            "total_tax",
            "total",
            "total_e4",
        ],
        children: &[ChildSpec {
            table: "bank_transaction_lines",
            key: ParentKey::ParentId,
            columns: LINE_COLUMNS,
        }],
        fts: Some(FtsSpec {
            table: "bank_transaction_fts",
            columns: &["reference", "contact_name", "descriptions"],
        }),
    };
    fn row(&self, _: &RowContext<'_>) -> RowData {
        let cur = self.currency_code.as_deref();
        RowData {
            columns: vec![
                opt_text(&self.bank_transaction_type),
                contact_id(&self.contact),
                contact_name(&self.contact),
                text(
                    self.bank_account
                        .as_ref()
                        .and_then(|a| a.account_id.as_deref()),
                ),
                text(self.bank_account.as_ref().and_then(|a| a.code.as_deref())),
                date(self.date),
                opt_text(&self.reference),
                opt_text(&self.status),
                boolean(self.is_reconciled),
                opt_text(&self.line_amount_types),
                text(cur),
                money(self.currency_rate),
                money(self.sub_total),
                money(self.total_tax),
                money(self.total),
                e4(self.total),
            ],
            children: vec![line_rows(&self.line_items, cur)],
            fts: vec![
                s(&self.reference),
                self.contact
                    .as_ref()
                    .and_then(|c| c.name.clone())
                    .unwrap_or_default(),
                descriptions(&self.line_items),
            ],
        }
    }
}

impl StoredEntity for BankTransfer {
    const SPEC: TableSpec = TableSpec {
        table: "bank_transfers",
        columns: &[
            "from_account_xero_id",
            "to_account_xero_id",
            "amount",
            "amount_e4",
            "currency_code",
            "currency_rate",
            "date",
            "reference",
            "status",
            "from_bank_transaction_xero_id",
            "to_bank_transaction_xero_id",
        ],
        children: &[],
        fts: None,
    };
    fn row(&self, ctx: &RowContext<'_>) -> RowData {
        let from = self.from_bank_account.as_ref();
        let currency = from
            .and_then(|a| a.currency_code.as_deref())
            .or(ctx.base_currency);
        RowData {
            columns: vec![
                text(from.and_then(|a| a.account_id.as_deref())),
                text(
                    self.to_bank_account
                        .as_ref()
                        .and_then(|a| a.account_id.as_deref()),
                ),
                money(self.amount),
                e4(self.amount),
                text(currency),
                money(self.currency_rate),
                date(self.date),
                opt_text(&self.reference),
                opt_text(&self.status),
                opt_text(&self.from_bank_transaction_id),
                opt_text(&self.to_bank_transaction_id),
            ],
            ..RowData::default()
        }
    }
}

impl StoredEntity for PurchaseOrder {
    const SPEC: TableSpec = TableSpec {
        table: "purchase_orders",
        columns: &[
            "number",
            "reference",
            "contact_xero_id",
            "contact_name",
            "date",
            "delivery_date",
            "status",
            "line_amount_types",
            "currency_code",
            "currency_rate",
            "sub_total",
            "total_tax",
            "total",
            "total_e4",
        ],
        children: &[ChildSpec {
            table: "purchase_order_lines",
            key: ParentKey::ParentId,
            columns: LINE_COLUMNS,
        }],
        fts: None,
    };
    fn row(&self, _: &RowContext<'_>) -> RowData {
        let cur = self.currency_code.as_deref();
        RowData {
            columns: vec![
                opt_text(&self.purchase_order_number),
                opt_text(&self.reference),
                contact_id(&self.contact),
                contact_name(&self.contact),
                date(self.date),
                date(self.delivery_date),
                opt_text(&self.status),
                opt_text(&self.line_amount_types),
                text(cur),
                money(self.currency_rate),
                money(self.sub_total),
                money(self.total_tax),
                money(self.total),
                e4(self.total),
            ],
            children: vec![line_rows(&self.line_items, cur)],
            ..RowData::default()
        }
    }
}

impl StoredEntity for Quote {
    const SPEC: TableSpec = TableSpec {
        table: "quotes",
        columns: &[
            "number",
            "reference",
            "title",
            "contact_xero_id",
            "contact_name",
            "date",
            "expiry_date",
            "status",
            "line_amount_types",
            "currency_code",
            "currency_rate",
            "sub_total",
            "total_tax",
            "total",
            "total_e4",
        ],
        children: &[ChildSpec {
            table: "quote_lines",
            key: ParentKey::ParentId,
            columns: LINE_COLUMNS,
        }],
        fts: None,
    };
    fn row(&self, _: &RowContext<'_>) -> RowData {
        let cur = self.currency_code.as_deref();
        RowData {
            columns: vec![
                opt_text(&self.quote_number),
                opt_text(&self.reference),
                opt_text(&self.title),
                contact_id(&self.contact),
                contact_name(&self.contact),
                date(self.date),
                date(self.expiry_date),
                opt_text(&self.status),
                opt_text(&self.line_amount_types),
                text(cur),
                money(self.currency_rate),
                money(self.sub_total),
                money(self.total_tax),
                money(self.total),
                e4(self.total),
            ],
            children: vec![line_rows(&self.line_items, cur)],
            ..RowData::default()
        }
    }
}

impl StoredEntity for RepeatingInvoice {
    const SPEC: TableSpec = TableSpec {
        table: "repeating_invoices",
        columns: &[
            "type",
            "reference",
            "contact_xero_id",
            "contact_name",
            "schedule_period",
            "schedule_unit",
            "start_date",
            "next_scheduled_date",
            "end_date",
            "status",
            "line_amount_types",
            "currency_code",
            "sub_total",
            "total_tax",
            "total",
            "total_e4",
        ],
        children: &[ChildSpec {
            table: "repeating_invoice_lines",
            key: ParentKey::ParentId,
            columns: LINE_COLUMNS,
        }],
        fts: None,
    };
    fn row(&self, _: &RowContext<'_>) -> RowData {
        let cur = self.currency_code.as_deref();
        let schedule = self.schedule.clone().unwrap_or_default();
        RowData {
            columns: vec![
                opt_text(&self.invoice_type),
                opt_text(&self.reference),
                contact_id(&self.contact),
                contact_name(&self.contact),
                schedule.period.map_or(SqlValue::Null, SqlValue::Int),
                opt_text(&schedule.unit),
                date(schedule.start_date),
                date(schedule.next_scheduled_date),
                date(schedule.end_date),
                opt_text(&self.status),
                opt_text(&self.line_amount_types),
                text(cur),
                money(self.sub_total),
                money(self.total_tax),
                money(self.total),
                e4(self.total),
            ],
            children: vec![line_rows(&self.line_items, cur)],
            ..RowData::default()
        }
    }
}

impl StoredEntity for ManualJournal {
    const SPEC: TableSpec = TableSpec {
        table: "manual_journals",
        columns: &[
            "narration",
            "date",
            "status",
            "line_amount_types",
            "currency_code",
        ],
        children: &[ChildSpec {
            table: "manual_journal_lines",
            key: ParentKey::ParentId,
            columns: &[
                "description",
                "account_code",
                "account_xero_id",
                "tax_type",
                "tax_amount",
                "line_amount",
                "line_amount_e4",
                "currency_code",
                "tracking_json",
            ],
        }],
        fts: None,
    };
    fn row(&self, ctx: &RowContext<'_>) -> RowData {
        let cur = ctx.base_currency;
        RowData {
            columns: vec![
                opt_text(&self.narration),
                date(self.date),
                opt_text(&self.status),
                opt_text(&self.line_amount_types),
                text(cur),
            ],
            children: vec![self
                .journal_lines
                .iter()
                .map(|l| {
                    vec![
                        opt_text(&l.description),
                        opt_text(&l.account_code),
                        opt_text(&l.account_id),
                        opt_text(&l.tax_type),
                        money(l.tax_amount),
                        money(l.line_amount),
                        e4(l.line_amount),
                        text(cur),
                        tracking_json(&l.tracking),
                    ]
                })
                .collect()],
            fts: Vec::new(),
        }
    }
}

impl StoredEntity for Journal {
    const SPEC: TableSpec = TableSpec {
        table: "journals",
        columns: &[
            "number",
            "date",
            "reference",
            "source_xero_id",
            "source_type",
            "currency_code",
        ],
        children: &[ChildSpec {
            table: "journal_lines",
            key: ParentKey::ParentId,
            columns: &[
                "journal_line_xero_id",
                "account_xero_id",
                "account_code",
                "account_type",
                "account_name",
                "description",
                "net_amount",
                "net_amount_e4",
                "gross_amount",
                "tax_amount",
                "tax_type",
                "currency_code",
                "tracking_json",
            ],
        }],
        fts: None,
    };
    fn row(&self, ctx: &RowContext<'_>) -> RowData {
        let cur = ctx.base_currency;
        RowData {
            columns: vec![
                self.journal_number.map_or(SqlValue::Null, SqlValue::Int),
                date(self.journal_date),
                opt_text(&self.reference),
                opt_text(&self.source_id),
                opt_text(&self.source_type),
                text(cur),
            ],
            children: vec![self
                .journal_lines
                .iter()
                .map(|l| {
                    vec![
                        opt_text(&l.journal_line_id),
                        opt_text(&l.account_id),
                        opt_text(&l.account_code),
                        opt_text(&l.account_type),
                        opt_text(&l.account_name),
                        opt_text(&l.description),
                        money(l.net_amount),
                        e4(l.net_amount),
                        money(l.gross_amount),
                        money(l.tax_amount),
                        opt_text(&l.tax_type),
                        text(cur),
                        tracking_json(&l.tracking_categories),
                    ]
                })
                .collect()],
            fts: Vec::new(),
        }
    }
}

impl StoredEntity for TaxRate {
    const SPEC: TableSpec = TableSpec {
        table: "tax_rates",
        columns: &[
            "name",
            "status",
            "report_tax_type",
            "effective_rate",
            "display_tax_rate",
        ],
        children: &[],
        fts: None,
    };
    fn row(&self, _: &RowContext<'_>) -> RowData {
        RowData {
            columns: vec![
                opt_text(&self.name),
                opt_text(&self.status),
                opt_text(&self.report_tax_type),
                money(self.effective_rate),
                money(self.display_tax_rate),
            ],
            ..RowData::default()
        }
    }
}

impl StoredEntity for TrackingCategory {
    const SPEC: TableSpec = TableSpec {
        table: "tracking_categories",
        columns: &["name", "status"],
        children: &[ChildSpec {
            table: "tracking_options",
            key: ParentKey::ParentId,
            columns: &["option_xero_id", "name", "status"],
        }],
        fts: None,
    };
    fn row(&self, _: &RowContext<'_>) -> RowData {
        RowData {
            columns: vec![opt_text(&self.name), opt_text(&self.status)],
            children: vec![self
                .options
                .iter()
                .map(|o| {
                    vec![
                        opt_text(&o.tracking_option_id),
                        opt_text(&o.name),
                        opt_text(&o.status),
                    ]
                })
                .collect()],
            fts: Vec::new(),
        }
    }
}

impl StoredEntity for Currency {
    const SPEC: TableSpec = TableSpec {
        table: "currencies",
        columns: &["description"],
        children: &[],
        fts: None,
    };
    fn row(&self, _: &RowContext<'_>) -> RowData {
        RowData {
            columns: vec![opt_text(&self.description)],
            ..RowData::default()
        }
    }
}

impl StoredEntity for Item {
    const SPEC: TableSpec = TableSpec {
        table: "items",
        columns: &[
            "code",
            "name",
            "description",
            "is_sold",
            "is_purchased",
            "quantity_on_hand",
            "sales_unit_price",
            "purchase_unit_price",
        ],
        children: &[],
        fts: None,
    };
    fn row(&self, _: &RowContext<'_>) -> RowData {
        RowData {
            columns: vec![
                opt_text(&self.code),
                opt_text(&self.name),
                opt_text(&self.description),
                boolean(self.is_sold),
                boolean(self.is_purchased),
                money(self.quantity_on_hand),
                money(self.sales_details.as_ref().and_then(|d| d.unit_price)),
                money(self.purchase_details.as_ref().and_then(|d| d.unit_price)),
            ],
            ..RowData::default()
        }
    }
}

/// The table description of each entity kind.
pub fn spec_of(kind: EntityKind) -> &'static TableSpec {
    match kind {
        EntityKind::Organisation => &Organisation::SPEC,
        EntityKind::Account => &Account::SPEC,
        EntityKind::Contact => &Contact::SPEC,
        EntityKind::ContactGroup => &ContactGroup::SPEC,
        EntityKind::Invoice => &Invoice::SPEC,
        EntityKind::CreditNote => &CreditNote::SPEC,
        EntityKind::Payment => &Payment::SPEC,
        EntityKind::Overpayment => &Overpayment::SPEC,
        EntityKind::Prepayment => &Prepayment::SPEC,
        EntityKind::BankTransaction => &BankTransaction::SPEC,
        EntityKind::BankTransfer => &BankTransfer::SPEC,
        EntityKind::ManualJournal => &ManualJournal::SPEC,
        EntityKind::Journal => &Journal::SPEC,
        EntityKind::TaxRate => &TaxRate::SPEC,
        EntityKind::TrackingCategory => &TrackingCategory::SPEC,
        EntityKind::Currency => &Currency::SPEC,
        EntityKind::Item => &Item::SPEC,
        EntityKind::RepeatingInvoice => &RepeatingInvoice::SPEC,
        EntityKind::PurchaseOrder => &PurchaseOrder::SPEC,
        EntityKind::Quote => &Quote::SPEC,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each row has exactly as many values as its spec has columns.
    #[test]
    fn every_row_matches_its_spec() {
        fn check<T: StoredEntity>(json: serde_json::Value) {
            let rec = XeroRecord::<T>::from_value(json).unwrap();
            let ctx = RowContext {
                tenant_id: "t",
                base_currency: Some("NZD"),
            };
            let row = rec.entity.row(&ctx);
            assert_eq!(
                row.columns.len(),
                T::SPEC.columns.len(),
                "{}",
                T::SPEC.table
            );
            assert_eq!(
                row.children.len(),
                T::SPEC.children.len(),
                "{}",
                T::SPEC.table
            );
            for (rows, spec) in row.children.iter().zip(T::SPEC.children) {
                for r in rows {
                    assert_eq!(r.len(), spec.columns.len(), "{}", spec.table);
                }
            }
            assert_eq!(
                row.fts.len(),
                T::SPEC.fts.as_ref().map_or(0, |f| f.columns.len())
            );
        }
        use serde_json::json;
        let line = json!([{"Description": "x", "UnitAmount": "1.2345", "Tracking": [{"Name": "R", "Option": "N"}]}]);
        let alloc = json!([{"Amount": "1.00", "Invoice": {"InvoiceID": "i"}}]);
        check::<Organisation>(json!({"OrganisationID": "o"}));
        check::<Account>(json!({"AccountID": "a"}));
        check::<Contact>(json!({"ContactID": "c"}));
        check::<ContactGroup>(json!({"ContactGroupID": "g", "Contacts": [{"ContactID": "c"}]}));
        check::<Invoice>(json!({"InvoiceID": "i", "LineItems": line}));
        check::<CreditNote>(json!({"CreditNoteID": "i", "LineItems": line, "Allocations": alloc}));
        check::<Overpayment>(
            json!({"OverpaymentID": "i", "LineItems": line, "Allocations": alloc}),
        );
        check::<Prepayment>(json!({"PrepaymentID": "i", "LineItems": line, "Allocations": alloc}));
        check::<Payment>(json!({"PaymentID": "p"}));
        check::<BankTransaction>(json!({"BankTransactionID": "b", "LineItems": line}));
        check::<BankTransfer>(json!({"BankTransferID": "b"}));
        check::<ManualJournal>(
            json!({"ManualJournalID": "m", "JournalLines": [{"LineAmount": "1.00"}]}),
        );
        check::<Journal>(json!({"JournalID": "j", "JournalLines": [{"NetAmount": "1.00"}]}));
        check::<TaxRate>(json!({"TaxType": "T"}));
        check::<TrackingCategory>(json!({"TrackingCategoryID": "t", "Options": [{"Name": "N"}]}));
        check::<Currency>(json!({"Code": "NZD"}));
        check::<Item>(json!({"ItemID": "i"}));
    }
}
