//! One document as a page of its own: its header as labelled values, its
//! lines, the documents linked to it both ways, its attachments, its audit
//! history, and the address that opens it in Xero.

use ledgerkeep_domain::{EntityKind, Money};
use ledgerkeep_store::records::{RecordLink, RecordRow, Relation};
use serde::{Deserialize, Serialize};

use super::ledger::{entry_view, AuditEntryView};
use crate::{ApiError, AppContext};

/// Which record to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecordDetailRequest {
    pub tenant_id: String,
    pub entity: EntityKind,
    pub xero_id: String,
}

impl RecordDetailRequest {
    /// The organisation and id, trimmed; refused when either is empty or the
    /// entity is not a document with a page of its own.
    pub fn validate(&self) -> Result<(String, String), ApiError> {
        let tenant = self.tenant_id.trim();
        let id = self.xero_id.trim();
        if tenant.is_empty() {
            return Err(ApiError::invalid("Choose an organisation."));
        }
        if id.is_empty() {
            return Err(ApiError::invalid("Name the record to open."));
        }
        if !has_page(self.entity) {
            return Err(ApiError::invalid(format!(
                "A {:?} has no page of its own: only documents do.",
                self.entity
            )));
        }
        Ok((tenant.to_owned(), id.to_owned()))
    }
}

/// The documents that open as a page of their own.
pub const RECORD_ENTITIES: [EntityKind; 12] = [
    EntityKind::Invoice,
    EntityKind::CreditNote,
    EntityKind::Payment,
    EntityKind::Overpayment,
    EntityKind::Prepayment,
    EntityKind::BankTransaction,
    EntityKind::BankTransfer,
    EntityKind::ManualJournal,
    EntityKind::PurchaseOrder,
    EntityKind::Quote,
    EntityKind::RepeatingInvoice,
    EntityKind::BatchPayment,
];

fn has_page(kind: EntityKind) -> bool {
    RECORD_ENTITIES.contains(&kind)
}

/// One value of a record's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum FieldValueView {
    Text {
        text: String,
    },
    /// An exact amount, in the record's currency.
    Money {
        amount: Money,
        currency: Option<String>,
    },
    /// A calendar date, `YYYY-MM-DD`, shown as given.
    Date {
        date: String,
    },
    /// An instant in UTC, `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    Instant {
        at: String,
    },
}

/// A labelled value of a record's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecordFieldView {
    pub label: String,
    pub value: FieldValueView,
}

/// A tracking category and its option on a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TrackingView {
    pub category: String,
    pub option: String,
}

/// One line of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecordLineView {
    pub description: Option<String>,
    /// Exactly as Xero sent it.
    pub quantity: Option<String>,
    /// Exactly as stored: up to 4 decimal places.
    pub unit_amount: Option<Money>,
    pub item_code: Option<String>,
    pub account_code: Option<String>,
    pub account_name: Option<String>,
    pub tax_type: Option<String>,
    pub tax_name: Option<String>,
    pub tax_amount: Option<Money>,
    pub tracking: Vec<TrackingView>,
    pub line_amount: Option<Money>,
}

/// A document linked to the one shown, to open as its own page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecordLinkView {
    /// How it relates to the record shown ("Paid by", "Allocated to"...).
    pub relation: String,
    pub entity: EntityKind,
    pub xero_id: String,
    /// Its number, reference or contact, as a link's text.
    pub label: String,
    /// The link's own amount (an allocation's, a payment's), else the linked document's total.
    pub amount: Option<Money>,
    pub currency_code: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Whether the ledger holds the linked document (a page to open).
    pub held: bool,
}

/// A file attached to the record in Xero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecordAttachmentView {
    pub attachment_id: String,
    pub file_name: String,
    pub mime_type: Option<String>,
    /// In bytes (Xero's files are at most 10 MB).
    pub size: u32,
    /// Whether the file is on this computer.
    pub held: bool,
}

/// A record as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecordDetailView {
    pub entity: EntityKind,
    pub xero_id: String,
    /// "Invoice INV-0042", "Bill from Acme", "Payment 2026-03-01".
    pub title: String,
    pub status: Option<String>,
    pub currency_code: Option<String>,
    pub header: Vec<RecordFieldView>,
    pub lines: Vec<RecordLineView>,
    pub links: Vec<RecordLinkView>,
    pub attachments: Vec<RecordAttachmentView>,
    /// The local audit of its changes, oldest first.
    pub history: Vec<AuditEntryView>,
    /// The record in Xero's own web app, when Xero has an address for its kind
    /// and the ledger knows the organisation's short code.
    pub open_in_xero_url: Option<String>,
}

/// How a header column is shown.
#[derive(Clone, Copy)]
enum Shown {
    Text,
    Money,
    Date,
    /// A document type code, worded.
    Type,
    /// `1` or `0`.
    YesNo,
    /// An account's Xero id, shown as its code and name.
    Account,
}

/// The header of each kind: (column, label, how it is shown), in order.
fn header_columns(kind: EntityKind) -> &'static [(&'static str, &'static str, Shown)] {
    use Shown::*;
    const TOTALS: [(&str, &str, Shown); 3] = [
        ("sub_total", "Subtotal", Money),
        ("total_tax", "Tax", Money),
        ("total", "Total", Money),
    ];
    match kind {
        EntityKind::Invoice => &[
            ("type", "Type", Type),
            ("number", "Number", Text),
            ("reference", "Reference", Text),
            ("contact_name", "Contact", Text),
            ("date", "Date", Date),
            ("due_date", "Due date", Date),
            ("status", "Status", Text),
            ("line_amount_types", "Amounts are", Text),
            ("currency_code", "Currency", Text),
            ("currency_rate", "Exchange rate", Text),
            TOTALS[0],
            TOTALS[1],
            TOTALS[2],
            ("amount_paid", "Paid", Money),
            ("amount_credited", "Credited", Money),
            ("amount_due", "Due", Money),
        ],
        EntityKind::CreditNote => &[
            ("type", "Type", Type),
            ("number", "Number", Text),
            ("reference", "Reference", Text),
            ("contact_name", "Contact", Text),
            ("date", "Date", Date),
            ("status", "Status", Text),
            ("line_amount_types", "Amounts are", Text),
            ("currency_code", "Currency", Text),
            ("currency_rate", "Exchange rate", Text),
            TOTALS[0],
            TOTALS[1],
            TOTALS[2],
            ("remaining_credit", "Remaining credit", Money),
        ],
        EntityKind::Overpayment | EntityKind::Prepayment => &[
            ("type", "Type", Type),
            ("reference", "Reference", Text),
            ("contact_name", "Contact", Text),
            ("date", "Date", Date),
            ("status", "Status", Text),
            ("line_amount_types", "Amounts are", Text),
            ("currency_code", "Currency", Text),
            ("currency_rate", "Exchange rate", Text),
            TOTALS[0],
            TOTALS[1],
            TOTALS[2],
            ("remaining_credit", "Remaining credit", Money),
        ],
        EntityKind::Payment => &[
            ("payment_type", "Type", Type),
            ("date", "Date", Date),
            ("reference", "Reference", Text),
            ("status", "Status", Text),
            ("account_xero_id", "Bank account", Account),
            ("currency_code", "Currency", Text),
            ("currency_rate", "Exchange rate", Text),
            ("amount", "Amount", Money),
            ("bank_amount", "Bank amount", Money),
            ("is_reconciled", "Reconciled", YesNo),
        ],
        EntityKind::BankTransaction => &[
            ("type", "Type", Type),
            ("contact_name", "Contact", Text),
            ("bank_account_xero_id", "Bank account", Account),
            ("date", "Date", Date),
            ("reference", "Reference", Text),
            ("status", "Status", Text),
            ("is_reconciled", "Reconciled", YesNo),
            ("line_amount_types", "Amounts are", Text),
            ("currency_code", "Currency", Text),
            ("currency_rate", "Exchange rate", Text),
            TOTALS[0],
            TOTALS[1],
            TOTALS[2],
        ],
        EntityKind::BankTransfer => &[
            ("date", "Date", Date),
            ("from_account_xero_id", "From account", Account),
            ("to_account_xero_id", "To account", Account),
            ("reference", "Reference", Text),
            ("status", "Status", Text),
            ("currency_code", "Currency", Text),
            ("currency_rate", "Exchange rate", Text),
            ("amount", "Amount", Money),
        ],
        EntityKind::ManualJournal => &[
            ("narration", "Narration", Text),
            ("date", "Date", Date),
            ("status", "Status", Text),
            ("line_amount_types", "Amounts are", Text),
            ("currency_code", "Currency", Text),
        ],
        EntityKind::PurchaseOrder => &[
            ("number", "Number", Text),
            ("reference", "Reference", Text),
            ("contact_name", "Contact", Text),
            ("date", "Date", Date),
            ("delivery_date", "Delivery date", Date),
            ("status", "Status", Text),
            ("line_amount_types", "Amounts are", Text),
            ("currency_code", "Currency", Text),
            ("currency_rate", "Exchange rate", Text),
            TOTALS[0],
            TOTALS[1],
            TOTALS[2],
        ],
        EntityKind::Quote => &[
            ("number", "Number", Text),
            ("title", "Title", Text),
            ("reference", "Reference", Text),
            ("contact_name", "Contact", Text),
            ("date", "Date", Date),
            ("expiry_date", "Expiry date", Date),
            ("status", "Status", Text),
            ("line_amount_types", "Amounts are", Text),
            ("currency_code", "Currency", Text),
            ("currency_rate", "Exchange rate", Text),
            TOTALS[0],
            TOTALS[1],
            TOTALS[2],
        ],
        EntityKind::BatchPayment => &[
            ("type", "Type", Type),
            ("date", "Date", Date),
            ("account_xero_id", "Bank account", Account),
            ("reference", "Reference", Text),
            ("particulars", "Particulars", Text),
            ("code", "Code", Text),
            ("details", "Details", Text),
            ("narrative", "Narrative", Text),
            ("status", "Status", Text),
            ("currency_code", "Currency", Text),
            ("total", "Total", Money),
        ],
        EntityKind::RepeatingInvoice => &[
            ("type", "Type", Type),
            ("reference", "Reference", Text),
            ("contact_name", "Contact", Text),
            ("schedule_unit", "Repeats", Text),
            ("schedule_period", "Every", Text),
            ("start_date", "Starts", Date),
            ("next_scheduled_date", "Next", Date),
            ("end_date", "Ends", Date),
            ("status", "Status", Text),
            ("line_amount_types", "Amounts are", Text),
            ("currency_code", "Currency", Text),
            TOTALS[0],
            TOTALS[1],
            TOTALS[2],
        ],
        _ => &[],
    }
}

/// A document type code in words.
fn type_words(code: &str) -> String {
    match code {
        "ACCREC" => "Sales invoice (ACCREC)".to_owned(),
        "ACCPAY" => "Bill (ACCPAY)".to_owned(),
        "ACCRECCREDIT" => "Sales credit note (ACCRECCREDIT)".to_owned(),
        "ACCPAYCREDIT" => "Purchase credit note (ACCPAYCREDIT)".to_owned(),
        "RECEIVE" => "Receive money (RECEIVE)".to_owned(),
        "SPEND" => "Spend money (SPEND)".to_owned(),
        "PAYBATCH" => "Bills paid together (PAYBATCH)".to_owned(),
        "RECBATCH" => "Receipts banked together (RECBATCH)".to_owned(),
        other => other.to_owned(),
    }
}

/// What each kind is called, in a title.
fn entity_words(kind: EntityKind, doc_type: Option<&str>) -> &'static str {
    match (kind, doc_type) {
        (EntityKind::Invoice, Some("ACCPAY")) => "Bill",
        (EntityKind::Invoice, _) => "Invoice",
        (EntityKind::CreditNote, _) => "Credit note",
        (EntityKind::Payment, _) => "Payment",
        (EntityKind::Overpayment, _) => "Overpayment",
        (EntityKind::Prepayment, _) => "Prepayment",
        (EntityKind::BankTransaction, Some(t)) if t.starts_with("SPEND") => "Spend money",
        (EntityKind::BankTransaction, Some(t)) if t.starts_with("RECEIVE") => "Receive money",
        (EntityKind::BankTransaction, _) => "Bank transaction",
        (EntityKind::BankTransfer, _) => "Bank transfer",
        (EntityKind::ManualJournal, _) => "Manual journal",
        (EntityKind::PurchaseOrder, _) => "Purchase order",
        (EntityKind::Quote, _) => "Quote",
        (EntityKind::RepeatingInvoice, _) => "Repeating invoice",
        (EntityKind::BatchPayment, _) => "Batch payment",
        _ => "Record",
    }
}

/// The words for a link's relation to the record shown.
fn relation_words(r: Relation) -> &'static str {
    match r {
        Relation::PaidBy => "Paid by",
        Relation::Pays => "Pays",
        Relation::AllocatedFrom => "Credit allocated from",
        Relation::AllocatedTo => "Allocated to",
        Relation::MadeBy => "Received or spent in",
        Relation::Made => "Made",
        Relation::TransferOf => "Side of transfer",
        Relation::TransferSide { from: true } => "Money out",
        Relation::TransferSide { from: false } => "Money in",
        Relation::RepeatOf => "Made from",
        Relation::Repeat => "Made",
        Relation::InBatch => "Payment in this batch",
        Relation::BatchOf => "Made in batch",
    }
}

fn link_label(l: &RecordLink) -> String {
    let what = entity_words(l.entity, l.doc_type.as_deref());
    let name = [&l.number, &l.reference, &l.contact_name, &l.date]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .find(|s| !s.is_empty());
    match (l.held, name) {
        (true, Some(n)) => format!("{what} {n}"),
        (true, None) => what.to_owned(),
        (false, _) => format!("{what} {} (not in this ledger)", l.xero_id),
    }
}

/// Xero's address for a record, from its documented deep links
/// (`go.xero.com/organisationlogin/default.aspx?shortcode=…&redirecturl=…`).
/// `None` for the kinds Xero gives no address for.
pub fn xero_url(
    kind: EntityKind,
    doc_type: Option<&str>,
    short_code: &str,
    xero_id: &str,
) -> Option<String> {
    let path = match kind {
        EntityKind::Invoice if doc_type == Some("ACCPAY") => {
            format!("/AccountsPayable/Edit.aspx?InvoiceID={xero_id}")
        }
        EntityKind::Invoice => format!("/AccountsReceivable/View.aspx?InvoiceID={xero_id}"),
        EntityKind::CreditNote => {
            format!("/AccountsPayable/ViewCreditNote.aspx?creditNoteID={xero_id}")
        }
        EntityKind::PurchaseOrder => format!("/Accounts/Payable/PurchaseOrders/View/{xero_id}/"),
        EntityKind::BankTransaction | EntityKind::Payment => {
            format!("/Bank/ViewTransaction.aspx?bankTransactionID={xero_id}")
        }
        EntityKind::ManualJournal => format!("/Journal/View.aspx?invoiceID={xero_id}"),
        EntityKind::Quote => {
            return Some(format!(
                "https://go.xero.com/app/{short_code}/quotes/view/{xero_id}"
            ))
        }
        _ => return None,
    };
    Some(format!(
        "https://go.xero.com/organisationlogin/default.aspx?shortcode={short_code}&redirecturl={path}"
    ))
}

fn money_of(text: &str) -> Result<Money, ApiError> {
    Money::parse(text).map_err(|_| {
        ApiError::internal(format!(
            "An amount in the ledger ({text}) could not be read."
        ))
    })
}

#[tracing::instrument(name = "op", skip_all, fields(op = "record_detail", request_id = %crate::request_id()))]
pub async fn record_detail(
    ctx: &AppContext,
    req: RecordDetailRequest,
) -> Result<RecordDetailView, ApiError> {
    let (tenant, id) = req.validate()?;
    let kind = req.entity;
    let store = ctx.store();
    let Some(row) = store.record_row(kind, &tenant, &id).await? else {
        return Err(ApiError::invalid(format!(
            "This ledger holds no {} with the id {id} in this organisation: it may not have synced yet, or it was deleted in Xero.",
            entity_words(kind, None).to_lowercase()
        )));
    };
    let doc_type = row
        .get("type")
        .or_else(|| row.get("payment_type"))
        .map(str::to_owned);
    let currency = row.get("currency_code").map(str::to_owned);

    let mut header = Vec::new();
    for (column, label, shown) in header_columns(kind) {
        let Some(value) = row.get(column).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let value = match shown {
            Shown::Text => FieldValueView::Text {
                text: value.to_owned(),
            },
            Shown::Type => FieldValueView::Text {
                text: type_words(value),
            },
            Shown::YesNo => FieldValueView::Text {
                text: if value == "0" { "No" } else { "Yes" }.to_owned(),
            },
            Shown::Date => FieldValueView::Date {
                date: value.to_owned(),
            },
            Shown::Money => FieldValueView::Money {
                amount: money_of(value)?,
                currency: currency.clone(),
            },
            Shown::Account => FieldValueView::Text {
                text: account_words(store.account_by_id(&tenant, value).await?, value),
            },
        };
        header.push(RecordFieldView {
            label: (*label).to_owned(),
            value,
        });
    }
    if let Some(at) = &row.updated_utc {
        header.push(RecordFieldView {
            label: "Last changed in Xero".to_owned(),
            value: FieldValueView::Instant { at: at.clone() },
        });
    }
    header.push(RecordFieldView {
        label: "Xero id".to_owned(),
        value: FieldValueView::Text {
            text: row.xero_id.clone(),
        },
    });

    let links = store.record_links(kind, &tenant, &row).await?;
    let mut lines: Vec<RecordLineView> = store
        .record_lines(kind, &tenant, &row)
        .await?
        .into_iter()
        .map(|l| RecordLineView {
            description: l.description,
            quantity: l.quantity,
            unit_amount: l.unit_amount,
            item_code: l.item_code,
            account_code: l.account_code,
            account_name: l.account_name,
            tax_type: l.tax_type,
            tax_name: l.tax_name,
            tax_amount: l.tax_amount,
            tracking: l
                .tracking
                .into_iter()
                .map(|t| TrackingView {
                    category: t.category.unwrap_or_default(),
                    option: t.option.unwrap_or_default(),
                })
                .collect(),
            line_amount: l.line_amount,
        })
        .collect();
    if lines.is_empty() {
        lines = money_lines(ctx, kind, &tenant, &row, &links).await?;
    }

    let attachments = {
        let mut out = Vec::new();
        for a in store.attachments_of(&tenant, kind, &row.xero_id).await? {
            out.push(RecordAttachmentView {
                held: store.attachment_on_disk(&a.sha256).await,
                attachment_id: a.meta.attachment_id,
                file_name: a.meta.file_name,
                mime_type: a.meta.mime_type,
                size: u32::try_from(a.content_length).unwrap_or(u32::MAX),
            });
        }
        out
    };

    let history = store
        .record_history(
            ledgerkeep_store::rows::table_of(kind),
            &tenant,
            &row.xero_id,
        )
        .await?
        .into_iter()
        .map(entry_view)
        .collect::<Result<Vec<_>, _>>()?;

    let open_in_xero_url = store
        .organisation_short_code(&tenant)
        .await?
        .and_then(|sc| xero_url(kind, doc_type.as_deref(), &sc, &row.xero_id));

    let name = [
        row.get("number"),
        row.get("reference"),
        row.get("narration"),
        row.get("contact_name"),
        row.get("date"),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .find(|s| !s.is_empty());
    let what = entity_words(kind, doc_type.as_deref());
    let title = match name {
        Some(n) => format!("{what} {n}"),
        None => what.to_owned(),
    };

    Ok(RecordDetailView {
        entity: kind,
        title,
        status: row.get("status").map(str::to_owned),
        currency_code: currency,
        header,
        lines,
        links: links
            .iter()
            .map(|l| RecordLinkView {
                relation: relation_words(l.relation).to_owned(),
                entity: l.entity,
                xero_id: l.xero_id.clone(),
                label: link_label(l),
                amount: l.amount,
                currency_code: l.currency_code.clone(),
                date: l.date.clone(),
                held: l.held,
            })
            .collect(),
        attachments,
        history,
        open_in_xero_url,
        xero_id: row.xero_id,
    })
}

/// Opens the record in Xero's web app with `open_browser` (the system
/// browser); the address opened.
#[tracing::instrument(name = "op", skip_all, fields(op = "open_record_in_xero", request_id = %crate::request_id()))]
pub async fn open_record_in_xero(
    ctx: &AppContext,
    req: RecordDetailRequest,
    open_browser: impl FnOnce(&str) -> Result<(), String>,
) -> Result<String, ApiError> {
    let (tenant, id) = req.validate()?;
    let store = ctx.store();
    let row = store
        .record_row(req.entity, &tenant, &id)
        .await?
        .ok_or_else(|| ApiError::invalid("This record is not in the ledger."))?;
    let doc_type = row.get("type").or_else(|| row.get("payment_type"));
    let url = store
        .organisation_short_code(&tenant)
        .await?
        .and_then(|sc| xero_url(req.entity, doc_type, &sc, &row.xero_id))
        .ok_or_else(|| {
            ApiError::invalid("Xero has no address for this record, or the organisation's short code has not synced yet.")
        })?;
    open_browser(&url).map_err(|err| {
        tracing::warn!(%err, "the system browser could not be opened");
        ApiError::internal(format!(
            "The system browser could not be opened ({err}). The address is {url}"
        ))
    })?;
    Ok(url)
}

/// "090 Business Bank Account", or the id when the chart does not hold it.
fn account_words(account: Option<(Option<String>, Option<String>)>, id: &str) -> String {
    match account {
        Some((code, name)) => [code, name]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        None => id.to_owned(),
    }
}

/// The lines of a record that has none of its own in Xero: a payment's one
/// movement on its bank account, a transfer's two, a batch's payments.
async fn money_lines(
    ctx: &AppContext,
    kind: EntityKind,
    tenant: &str,
    row: &RecordRow,
    links: &[RecordLink],
) -> Result<Vec<RecordLineView>, ApiError> {
    let store = ctx.store();
    let line = |description: String,
                account: Option<(Option<String>, Option<String>)>,
                amount: Option<Money>| {
        let (code, name) = account.unwrap_or((None, None));
        RecordLineView {
            description: Some(description),
            quantity: None,
            unit_amount: None,
            item_code: None,
            account_code: code,
            account_name: name,
            tax_type: None,
            tax_name: None,
            tax_amount: None,
            tracking: Vec::new(),
            line_amount: amount,
        }
    };
    let amount = row.get("amount").map(money_of).transpose()?;
    Ok(match kind {
        EntityKind::Payment => {
            let account = match row.get("account_xero_id") {
                Some(a) => store.account_by_id(tenant, a).await?,
                None => None,
            };
            let what = links
                .iter()
                .find(|l| l.relation == Relation::Pays)
                .map(|l| format!("Payment on {}", link_label(l)))
                .unwrap_or_else(|| "Payment".to_owned());
            vec![line(what, account, amount)]
        }
        EntityKind::BatchPayment => {
            // One line per payment, on the batch's bank account, named by
            // the document it pays.
            let account = match row.get("account_xero_id") {
                Some(a) => store.account_by_id(tenant, a).await?,
                None => None,
            };
            let mut out = Vec::new();
            for m in store.batch_members(tenant, row.id).await? {
                let paid = m
                    .document_number
                    .iter()
                    .chain(m.contact_name.iter())
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ");
                let what = if paid.is_empty() {
                    format!("Payment {}", m.payment_xero_id.as_deref().unwrap_or("?"))
                } else {
                    format!("Payment on {paid}")
                };
                out.push(line(what, account.clone(), m.amount));
            }
            out
        }
        EntityKind::BankTransfer => {
            let mut out = Vec::new();
            for (column, words) in [
                ("from_account_xero_id", "Transferred out of"),
                ("to_account_xero_id", "Transferred into"),
            ] {
                let account = match row.get(column) {
                    Some(a) => store.account_by_id(tenant, a).await?,
                    None => None,
                };
                let name = account_words(account.clone(), row.get(column).unwrap_or("?"));
                out.push(line(format!("{words} {name}"), account, amount));
            }
            out
        }
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xero_addresses_follow_its_deep_link_forms() {
        assert_eq!(
            xero_url(EntityKind::Invoice, Some("ACCREC"), "!Ab1", "i-1").unwrap(),
            "https://go.xero.com/organisationlogin/default.aspx?shortcode=!Ab1&redirecturl=/AccountsReceivable/View.aspx?InvoiceID=i-1"
        );
        assert!(xero_url(EntityKind::Invoice, Some("ACCPAY"), "!Ab1", "b-1")
            .unwrap()
            .ends_with("redirecturl=/AccountsPayable/Edit.aspx?InvoiceID=b-1"));
        assert!(xero_url(EntityKind::PurchaseOrder, None, "!Ab1", "p")
            .unwrap()
            .ends_with("/Accounts/Payable/PurchaseOrders/View/p/"));
        assert_eq!(
            xero_url(EntityKind::RepeatingInvoice, None, "!Ab1", "r"),
            None
        );
    }

    #[test]
    fn only_documents_have_pages() {
        let req = |entity| RecordDetailRequest {
            tenant_id: "t".into(),
            entity,
            xero_id: "x".into(),
        };
        assert!(req(EntityKind::Account).validate().is_err());
        assert!(req(EntityKind::Quote).validate().is_ok());
        let mut blank = req(EntityKind::Invoice);
        blank.xero_id = " ".into();
        assert!(blank.validate().is_err());
    }
}
