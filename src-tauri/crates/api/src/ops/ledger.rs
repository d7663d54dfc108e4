//! The ledger's query operations: document listings (keyset-paginated,
//! filtered, sorted), exact totals, and a record's audit history.

use chrono::NaiveDate;
use ledgerkeep_domain::{EntityKind, Money};
use ledgerkeep_store::query::{DocumentFilter, DocumentKind, Sort, SortField};
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext};

/// Which documents a listing shows. (Batch payments are not synced, so
/// they are not among them.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum DocumentKindDto {
    /// `docType`: `RECEIVE`, `SPEND`, `RECEIVE-TRANSFER`...
    BankTransactions,
    /// Invoices and bills; `docType` picks one (`ACCREC`, `ACCPAY`).
    Invoices,
    /// `docType`: `ACCRECCREDIT`, `ACCPAYCREDIT`.
    CreditNotes,
    /// `docType`: `ACCRECPAYMENT`, `ACCPAYPAYMENT`...; the contact and number
    /// are those of the document paid; `account` is the bank account.
    Payments,
    Overpayments,
    Prepayments,
    /// No contact and no type; `account` finds either end of a transfer.
    BankTransfers,
    /// No contact, number or type; the reference is the narration and the
    /// total the sum of the debit lines.
    ManualJournals,
    PurchaseOrders,
    Quotes,
    /// Dated by the next invoice each will make.
    RepeatingInvoices,
    /// Bills paid (`PAYBATCH`) or receipts banked (`RECBATCH`) together; no
    /// contact (each payment has its own); `account` is the bank account.
    BatchPayments,
}

impl DocumentKindDto {
    pub const ALL: [DocumentKindDto; 12] = [
        DocumentKindDto::BankTransactions,
        DocumentKindDto::Invoices,
        DocumentKindDto::CreditNotes,
        DocumentKindDto::Payments,
        DocumentKindDto::Overpayments,
        DocumentKindDto::Prepayments,
        DocumentKindDto::BankTransfers,
        DocumentKindDto::ManualJournals,
        DocumentKindDto::PurchaseOrders,
        DocumentKindDto::Quotes,
        DocumentKindDto::RepeatingInvoices,
        DocumentKindDto::BatchPayments,
    ];

    pub fn to_store(self) -> DocumentKind {
        match self {
            DocumentKindDto::BankTransactions => DocumentKind::BankTransactions,
            DocumentKindDto::Invoices => DocumentKind::Invoices,
            DocumentKindDto::CreditNotes => DocumentKind::CreditNotes,
            DocumentKindDto::Payments => DocumentKind::Payments,
            DocumentKindDto::Overpayments => DocumentKind::Overpayments,
            DocumentKindDto::Prepayments => DocumentKind::Prepayments,
            DocumentKindDto::BankTransfers => DocumentKind::BankTransfers,
            DocumentKindDto::ManualJournals => DocumentKind::ManualJournals,
            DocumentKindDto::PurchaseOrders => DocumentKind::PurchaseOrders,
            DocumentKindDto::Quotes => DocumentKind::Quotes,
            DocumentKindDto::RepeatingInvoices => DocumentKind::RepeatingInvoices,
            DocumentKindDto::BatchPayments => DocumentKind::BatchPayments,
        }
    }

    pub fn from_store(kind: DocumentKind) -> Self {
        DocumentKindDto::ALL
            .into_iter()
            .find(|k| k.to_store() == kind)
            .unwrap_or(DocumentKindDto::BankTransactions)
    }

    /// What these documents are called, in a sentence or a file's name.
    pub fn label(self) -> &'static str {
        match self {
            DocumentKindDto::BankTransactions => "bank transactions",
            DocumentKindDto::Invoices => "invoices and bills",
            DocumentKindDto::CreditNotes => "credit notes",
            DocumentKindDto::Payments => "payments",
            DocumentKindDto::Overpayments => "overpayments",
            DocumentKindDto::Prepayments => "prepayments",
            DocumentKindDto::BankTransfers => "bank transfers",
            DocumentKindDto::ManualJournals => "manual journals",
            DocumentKindDto::PurchaseOrders => "purchase orders",
            DocumentKindDto::Quotes => "quotes",
            DocumentKindDto::RepeatingInvoices => "repeating invoices",
            DocumentKindDto::BatchPayments => "batch payments",
        }
    }

    fn has_contact(self) -> bool {
        !matches!(
            self,
            DocumentKindDto::BankTransfers
                | DocumentKindDto::ManualJournals
                | DocumentKindDto::BatchPayments
        )
    }

    fn has_type(self) -> bool {
        !matches!(
            self,
            DocumentKindDto::BankTransfers
                | DocumentKindDto::ManualJournals
                | DocumentKindDto::PurchaseOrders
                | DocumentKindDto::Quotes
        )
    }
}

/// What a listing is sorted by; ties go by the order the ledger received them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SortFieldDto {
    #[default]
    Date,
    Amount,
    Updated,
}

/// The filters of a listing or a total. Every one given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DocumentFilterDto {
    pub kind: Option<DocumentKindDto>,
    /// The organisation (Xero tenant id).
    pub tenant_id: String,
    /// `YYYY-MM-DD`, inclusive.
    #[serde(default)]
    pub date_from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    #[serde(default)]
    pub date_to: Option<String>,
    /// A bank account's Xero id (bank transactions) or an account code (invoice lines).
    #[serde(default)]
    pub account: Option<String>,
    /// A contact's Xero id.
    #[serde(default)]
    pub contact: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// `SPEND`, `RECEIVE`... or `ACCREC`, `ACCPAY`.
    #[serde(default)]
    pub doc_type: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub amount_min: Option<Money>,
    #[serde(default)]
    pub amount_max: Option<Money>,
    /// Words to find in numbers, references, contact names and line descriptions.
    #[serde(default)]
    pub text: Option<String>,
    /// Documents with at least one line in this tracking option (slower than
    /// the other filters at a million documents: it reads their lines).
    #[serde(default)]
    pub tracking: Option<crate::ops::tracking::TrackingFilterDto>,
}

impl DocumentFilterDto {
    /// [`Self::validate`], with the tracking option checked against the
    /// synced categories.
    pub async fn validate_with(
        &self,
        ctx: &AppContext,
    ) -> Result<(DocumentKind, DocumentFilter), ApiError> {
        let (kind, mut filter) = self.validate()?;
        if let Some(t) = &self.tracking {
            let (resolved, _) = super::tracking::resolve(ctx, &filter.tenant_id, t).await?;
            filter.tracking = Some(resolved);
        }
        Ok((kind, filter))
    }

    /// Checks the request and turns it into the store's filter.
    pub fn validate(&self) -> Result<(DocumentKind, DocumentFilter), ApiError> {
        if self.tenant_id.trim().is_empty() {
            return Err(ApiError::invalid("Choose an organisation."));
        }
        let date = |name: &str, v: &Option<String>| -> Result<Option<String>, ApiError> {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map(|d| Some(d.format("%Y-%m-%d").to_string()))
                    .map_err(|_| {
                        ApiError::invalid(format!("{name} must be a date like 2026-03-31."))
                    }),
            }
        };
        let date_from = date("The start date", &self.date_from)?;
        let date_to = date("The end date", &self.date_to)?;
        if let (Some(a), Some(b)) = (&date_from, &date_to) {
            if a > b {
                return Err(ApiError::invalid("The start date is after the end date."));
            }
        }
        if let (Some(a), Some(b)) = (&self.amount_min, &self.amount_max) {
            if a > b {
                return Err(ApiError::invalid(
                    "The smallest amount is above the largest.",
                ));
            }
        }
        for m in [&self.amount_min, &self.amount_max].into_iter().flatten() {
            if m.to_e4().is_none() {
                return Err(ApiError::invalid(format!(
                    "{m} has more than 4 decimal places or is too large."
                )));
            }
        }
        let opt = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let kind = self.kind.unwrap_or(DocumentKindDto::BankTransactions);
        if !kind.has_contact() && opt(&self.contact).is_some() {
            return Err(ApiError::invalid(format!(
                "{} have no contact to filter by.",
                capitalised(kind.label())
            )));
        }
        if !kind.has_type() && opt(&self.doc_type).is_some() {
            return Err(ApiError::invalid(format!(
                "{} have no type to filter by.",
                capitalised(kind.label())
            )));
        }
        let tracking = match &self.tracking {
            None => None,
            Some(t) if t.category_id.trim().is_empty() || t.option_id.trim().is_empty() => {
                return Err(ApiError::invalid(
                    "Choose a tracking category and one of its options.",
                ))
            }
            Some(_) if !ledgerkeep_store::document_kinds::has_lines(kind.to_store()) => {
                return Err(ApiError::invalid(format!(
                    "{} have no lines, so no tracking to filter by.",
                    capitalised(kind.label())
                )))
            }
            Some(t) => Some(ledgerkeep_store::tracking::TrackingFilter {
                category_id: t.category_id.trim().to_owned(),
                option_id: t.option_id.trim().to_owned(),
                option_name: None,
            }),
        };
        Ok((
            kind.to_store(),
            DocumentFilter {
                tenant_id: self.tenant_id.trim().to_owned(),
                date_from,
                date_to,
                account: opt(&self.account),
                contact: opt(&self.contact),
                status: opt(&self.status),
                doc_type: opt(&self.doc_type),
                currency: opt(&self.currency),
                amount_min: self.amount_min,
                amount_max: self.amount_max,
                text: opt(&self.text),
                tracking,
            },
        ))
    }
}

/// What the explorer offers for one kind of document: its filters' choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DocumentKindInfo {
    pub kind: DocumentKindDto,
    /// Its record, for its page and history.
    pub entity: EntityKind,
    /// `bank transactions`, `credit notes`...
    pub label: String,
    /// Xero's status codes for it.
    pub statuses: Vec<String>,
    /// Xero's type codes for it; empty when it has no type.
    pub doc_types: Vec<String>,
    pub has_contact: bool,
    pub has_number: bool,
}

/// Every kind of document the explorer lists, in its order, with the
/// choices of its filters (Xero's codes, as the domain knows them).
#[tracing::instrument(name = "op", skip_all, fields(op = "document_kinds", request_id = %crate::request_id()))]
pub async fn document_kinds() -> Result<Vec<DocumentKindInfo>, ApiError> {
    use ledgerkeep_domain::xero::{
        BankTransactionType, BatchPaymentType, CreditNoteType, DocumentStatus, InvoiceType,
        ManualJournalStatus, OverpaymentType, PaymentType, PrepaymentType, QuoteStatus,
    };
    let codes = |c: &[&str]| c.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    Ok(DocumentKindDto::ALL
        .into_iter()
        .map(|kind| {
            let statuses = match kind {
                DocumentKindDto::ManualJournals => codes(ManualJournalStatus::CODES),
                DocumentKindDto::Quotes => codes(QuoteStatus::CODES),
                // Xero's batches are AUTHORISED or DELETED.
                DocumentKindDto::BatchPayments => codes(&["AUTHORISED", "DELETED"]),
                _ => codes(DocumentStatus::CODES),
            };
            let doc_types = match kind {
                DocumentKindDto::BankTransactions => codes(BankTransactionType::CODES),
                DocumentKindDto::Invoices | DocumentKindDto::RepeatingInvoices => {
                    codes(InvoiceType::CODES)
                }
                DocumentKindDto::CreditNotes => codes(CreditNoteType::CODES),
                DocumentKindDto::Payments => codes(PaymentType::CODES),
                DocumentKindDto::Overpayments => codes(OverpaymentType::CODES),
                DocumentKindDto::Prepayments => codes(PrepaymentType::CODES),
                DocumentKindDto::BatchPayments => codes(BatchPaymentType::CODES),
                _ => Vec::new(),
            };
            DocumentKindInfo {
                kind,
                entity: kind.to_store().entity(),
                label: kind.label().to_owned(),
                statuses,
                doc_types,
                has_contact: kind.has_contact(),
                has_number: matches!(
                    kind,
                    DocumentKindDto::Invoices
                        | DocumentKindDto::CreditNotes
                        | DocumentKindDto::Payments
                        | DocumentKindDto::PurchaseOrders
                        | DocumentKindDto::Quotes
                ),
            }
        })
        .collect())
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// One page of a listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ListDocumentsRequest {
    pub filter: DocumentFilterDto,
    #[serde(default)]
    pub sort: SortFieldDto,
    #[serde(default)]
    pub descending: bool,
    /// The `nextCursor` of the previous page; none for the first.
    #[serde(default)]
    pub after: Option<String>,
    /// 1 to 500; 50 when absent.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A document as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DocumentRowView {
    pub xero_id: String,
    pub doc_type: Option<String>,
    pub number: Option<String>,
    pub reference: Option<String>,
    pub contact_id: Option<String>,
    pub contact_name: Option<String>,
    /// `YYYY-MM-DD`, as Xero shows it.
    pub date: Option<String>,
    pub status: Option<String>,
    pub currency_code: Option<String>,
    pub total: Option<Money>,
    /// Xero's `CurrencyRate`: units of `currency_code` per unit of the base currency.
    pub currency_rate: Option<Money>,
    /// The organisation's base currency, when the ledger holds it.
    pub base_currency: Option<String>,
    /// `total` in the base currency (`total / currency_rate`, to 2 places, half
    /// away from zero) when the document is in another currency and Xero sent
    /// its rate; absent otherwise.
    pub base_total: Option<Money>,
    /// The bank account (Xero id) of a bank transaction or a payment; the
    /// account a transfer left.
    pub account: Option<String>,
    /// That account's name (payments and transfers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub account_name: Option<String>,
    /// The account a transfer went to, and its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub to_account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub to_account_name: Option<String>,
    pub updated_utc: Option<String>,
}

/// `amount`, in `currency`, in the organisation's base currency
/// (`Money::in_base_currency`: divided by Xero's `CurrencyRate`, to 2 places)
/// when the document is in another currency and Xero sent its rate; `None`
/// otherwise, and when the base currency is not known.
pub(crate) fn base_amount(
    amount: Option<&Money>,
    currency: Option<&str>,
    rate: Option<&Money>,
    base_currency: Option<&str>,
) -> Option<Money> {
    let foreign = matches!((currency, base_currency), (Some(c), Some(b)) if c != b);
    match (amount, rate) {
        (Some(amount), Some(rate)) if foreign => amount.in_base_currency(rate),
        _ => None,
    }
}

impl DocumentRowView {
    pub(crate) fn from_row(
        r: ledgerkeep_store::query::DocumentRow,
        base_currency: Option<&str>,
    ) -> Self {
        let base_total = base_amount(
            r.total.as_ref(),
            r.currency_code.as_deref(),
            r.currency_rate.as_ref(),
            base_currency,
        );
        DocumentRowView {
            xero_id: r.xero_id,
            doc_type: r.doc_type,
            number: r.number,
            reference: r.reference,
            contact_id: r.contact_xero_id,
            contact_name: r.contact_name,
            date: r.date,
            status: r.status,
            currency_code: r.currency_code,
            total: r.total,
            currency_rate: r.currency_rate,
            base_currency: base_currency.map(str::to_owned),
            base_total,
            account: r.account,
            account_name: r.account_name,
            to_account: r.to_account,
            to_account_name: r.to_account_name,
            updated_utc: r.updated_utc,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DocumentPageView {
    pub rows: Vec<DocumentRowView>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[tracing::instrument(name = "op", skip_all, fields(op = "list_documents", request_id = %crate::request_id()))]
pub async fn list_documents(
    ctx: &AppContext,
    req: ListDocumentsRequest,
) -> Result<DocumentPageView, ApiError> {
    let (kind, filter) = req.filter.validate_with(ctx).await?;
    let limit = super::page_limit(req.limit, 50)?;
    let sort = Sort {
        field: match req.sort {
            SortFieldDto::Date => SortField::Date,
            SortFieldDto::Amount => SortField::Amount,
            SortFieldDto::Updated => SortField::Updated,
        },
        descending: req.descending,
    };
    let page = ctx
        .store()
        .list_documents(kind, &filter, sort, req.after.as_deref(), limit)
        .await?;
    let base_currency = ctx
        .store()
        .reporting_organisation(&filter.tenant_id)
        .await?
        .and_then(|o| o.base_currency);
    Ok(DocumentPageView {
        rows: page
            .rows
            .into_iter()
            .map(|r| DocumentRowView::from_row(r, base_currency.as_deref()))
            .collect(),
        next_cursor: page.next_cursor,
    })
}

/// The exact total of the matching documents in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CurrencyTotalView {
    pub currency_code: Option<String>,
    pub count: u32,
    pub total: Money,
}

#[tracing::instrument(name = "op", skip_all, fields(op = "document_totals", request_id = %crate::request_id()))]
pub async fn document_totals(
    ctx: &AppContext,
    filter: DocumentFilterDto,
) -> Result<Vec<CurrencyTotalView>, ApiError> {
    let (kind, filter) = filter.validate_with(ctx).await?;
    let totals = ctx.store().document_totals(kind, &filter).await?;
    Ok(totals
        .into_iter()
        .map(|t| CurrencyTotalView {
            currency_code: t.currency_code,
            count: u32::try_from(t.count).unwrap_or(u32::MAX),
            total: t.total,
        })
        .collect())
}

/// One search across every kind of document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SearchDocumentsRequest {
    pub tenant_id: String,
    /// Words to find, each in a number, reference, contact name or line
    /// description (or a quote's title, a journal's narration).
    pub text: String,
    /// 1 to 200; 50 when absent.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A document found by a search across every kind, and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DocumentHitView {
    pub kind: DocumentKindDto,
    /// The record it is, for its page and its history.
    pub entity: EntityKind,
    pub row: DocumentRowView,
}

/// The newest documents of every kind that match the words, newest first.
#[tracing::instrument(name = "op", skip_all, fields(op = "search_documents", request_id = %crate::request_id()))]
pub async fn search_documents(
    ctx: &AppContext,
    req: SearchDocumentsRequest,
) -> Result<Vec<DocumentHitView>, ApiError> {
    let tenant_id = req.tenant_id.trim();
    if tenant_id.is_empty() {
        return Err(ApiError::invalid("Choose an organisation."));
    }
    let text = req.text.trim_start();
    if text.trim().is_empty() {
        return Err(ApiError::invalid("Type something to search for."));
    }
    let limit = req.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("A search returns 1 to 200 documents."));
    }
    let hits = ctx
        .store()
        .search_all_documents(tenant_id, text, limit)
        .await?;
    let base_currency = ctx
        .store()
        .reporting_organisation(tenant_id)
        .await?
        .and_then(|o| o.base_currency);
    Ok(hits
        .into_iter()
        .map(|h| DocumentHitView {
            kind: DocumentKindDto::from_store(h.kind),
            entity: h.kind.entity(),
            row: DocumentRowView::from_row(h.row, base_currency.as_deref()),
        })
        .collect())
}

/// Which record's history to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecordHistoryRequest {
    pub entity: EntityKind,
    pub tenant_id: String,
    pub xero_id: String,
}

/// One changed field: old and new values as JSON text (`null` when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldChangeView {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// One row of a record's audit history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryView {
    pub seq: u32,
    /// `insert`, `update` or `delete`.
    pub action: String,
    /// `sync:<run>`, `user:<action>` or `cli:<command>`.
    pub actor: String,
    /// UTC, `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub at: String,
    pub changes: Vec<FieldChangeView>,
    pub hash: String,
}

#[tracing::instrument(name = "op", skip_all, fields(op = "record_history", request_id = %crate::request_id()))]
pub async fn record_history(
    ctx: &AppContext,
    req: RecordHistoryRequest,
) -> Result<Vec<AuditEntryView>, ApiError> {
    let table = ledgerkeep_store::rows::table_of(req.entity);
    let entries = ctx
        .store()
        .record_history(table, req.tenant_id.trim(), req.xero_id.trim())
        .await?;
    entries.into_iter().map(entry_view).collect()
}

/// An audit row as the UI shows it: its changed fields, old and new.
pub(crate) fn entry_view(e: ledgerkeep_store::AuditEntry) -> Result<AuditEntryView, ApiError> {
    let changes: serde_json::Value = serde_json::from_str(&e.changes_json)
        .map_err(|_| ApiError::internal("An audit row could not be read."))?;
    let changes = changes
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(field, c)| FieldChangeView {
                    field: field.clone(),
                    old: ledgerkeep_domain::canonical_json(&c["old"]),
                    new: ledgerkeep_domain::canonical_json(&c["new"]),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(AuditEntryView {
        seq: u32::try_from(e.seq).unwrap_or(u32::MAX),
        action: e.action,
        actor: e.actor,
        at: e.at,
        changes,
        hash: e.hash,
    })
}
