//! Recording payments to Xero: validated here, queued in the ledger's outbox
//! (with their audit row), sent by the sync service's scheduler when Xero can
//! be reached, with the same `Idempotency-Key` on every retry.
//!
//! `record_payment` checks the form field by field (amount, date, account,
//! the document) against the ledger and queues the payment; given the sync
//! service and a reachable network it asks the scheduler to send at once.
//! `list_payments` shows each payment's state (queued, sending, recorded,
//! failed with Xero's reasons, cancelled, or unknown: Xero may or may not
//! hold it, and its invoice is checked on each sync), `cancel_payment` cancels
//! a queued one, and `payment_accounts` lists the accounts a payment may use.

use chrono::NaiveDate;
use ledgerkeep_domain::payment::PaymentDraft;
use ledgerkeep_domain::{Actor, Money};
use ledgerkeep_store::{CancelOutcome, OutboxPayment, OutboxStatus, QueueOutcome};
use serde::{Deserialize, Serialize};

use crate::ops::sync::SyncService;
use crate::{ApiError, AppContext, ErrorCode, FieldError};

/// Where a payment is on its way to Xero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum PaymentState {
    /// Waiting to be sent (it can still be cancelled).
    Queued,
    /// Sent, and its answer not yet in (or lost: it goes again with the same key).
    Sending,
    /// Xero recorded it.
    Recorded,
    /// Xero refused it: see `errors`.
    Failed,
    Cancelled,
    /// Whether Xero recorded it is not known (its first send got no answer,
    /// the retry was refused): never sent again, never failed by itself; it
    /// becomes `recorded` when its invoice in Xero lists it, read on each
    /// sync. It cannot be cancelled, and its amount still counts against the
    /// document.
    Unknown,
}

impl From<OutboxStatus> for PaymentState {
    fn from(s: OutboxStatus) -> Self {
        match s {
            OutboxStatus::Queued => PaymentState::Queued,
            OutboxStatus::Sending => PaymentState::Sending,
            OutboxStatus::Recorded => PaymentState::Recorded,
            OutboxStatus::Failed => PaymentState::Failed,
            OutboxStatus::Cancelled => PaymentState::Cancelled,
            OutboxStatus::Unknown => PaymentState::Unknown,
        }
    }
}

/// One payment of the outbox, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PaymentView {
    pub id: u32,
    pub tenant_id: String,
    pub state: PaymentState,
    pub invoice_id: String,
    pub document_number: Option<String>,
    /// `ACCREC` (invoice) or `ACCPAY` (bill).
    pub document_type: Option<String>,
    pub contact_name: Option<String>,
    pub account_id: String,
    pub account_name: Option<String>,
    pub amount: Money,
    pub currency_code: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub reference: String,
    pub attempts: u32,
    /// Why it failed, why it has not reached Xero yet, why its outcome is
    /// unknown, or why it waits in the queue (not permitted).
    pub error: Option<String>,
    /// Xero's refusal, field by field (the form's names).
    pub errors: Vec<FieldError>,
    /// Xero's PaymentID, once recorded.
    pub payment_id: Option<String>,
    /// UTC instants.
    pub created_at: String,
    pub updated_at: String,
}

impl From<OutboxPayment> for PaymentView {
    fn from(p: OutboxPayment) -> Self {
        PaymentView {
            id: u32::try_from(p.id).unwrap_or(u32::MAX),
            tenant_id: p.tenant_id,
            state: p.status.into(),
            invoice_id: p.invoice_id,
            document_number: p.document_number,
            document_type: p.document_type,
            contact_name: p.contact_name,
            account_id: p.account_id,
            account_name: p.account_name,
            amount: Money::new(p.amount),
            currency_code: p.currency,
            date: p.date,
            reference: p.reference,
            attempts: u32::try_from(p.attempts).unwrap_or(u32::MAX),
            error: p.last_error,
            errors: p
                .errors
                .into_iter()
                .map(|e| FieldError {
                    field: e.field,
                    message: e.message,
                })
                .collect(),
            payment_id: p.payment_id,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A payment the owner records against an invoice or bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecordPaymentRequest {
    pub tenant_id: String,
    /// The invoice or bill (its Xero `InvoiceID`).
    pub invoice_id: String,
    /// The bank (or payments-enabled) account (its Xero `AccountID`).
    pub account_id: String,
    /// A decimal text: `125.50`.
    pub amount: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    #[serde(default)]
    pub reference: String,
}

fn field(name: &str, message: &str) -> FieldError {
    FieldError {
        field: name.to_owned(),
        message: message.to_owned(),
    }
}

impl RecordPaymentRequest {
    /// The form's inputs read, or every unreadable one named.
    pub fn parse(&self) -> Result<(String, PaymentDraft), ApiError> {
        let mut errors = Vec::new();
        let tenant = self.tenant_id.trim();
        if tenant.is_empty() {
            errors.push(field("tenantId", "Choose an organisation."));
        }
        let invoice = self.invoice_id.trim();
        if invoice.is_empty() {
            errors.push(field("invoiceId", "Choose an invoice or bill."));
        }
        let account = self.account_id.trim();
        if account.is_empty() {
            errors.push(field("accountId", "Choose an account."));
        }
        let amount = match Money::parse(&self.amount) {
            Ok(m) => Some(m.as_decimal()),
            Err(_) if self.amount.trim().is_empty() => {
                errors.push(field("amount", "Enter the amount."));
                None
            }
            Err(_) => {
                errors.push(field(
                    "amount",
                    "Enter the amount as digits with an optional '.', like 125.50.",
                ));
                None
            }
        };
        let date = match NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(field("date", "Enter the date as YYYY-MM-DD."));
                None
            }
        };
        match (amount, date) {
            (Some(amount), Some(date)) if errors.is_empty() => Ok((
                tenant.to_owned(),
                PaymentDraft {
                    invoice_id: invoice.to_owned(),
                    account_id: account.to_owned(),
                    amount,
                    date,
                    reference: self.reference.trim().to_owned(),
                },
            )),
            _ => Err(ApiError::fields(errors)),
        }
    }
}

/// A fresh `Idempotency-Key`: 122 random bits (UUID v4).
fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Checks and queues a payment the owner recorded in the app (one transaction
/// with its audit row), then, with the sync service and Xero reachable, asks
/// the scheduler to send it. Offline, it waits in the outbox until the
/// network returns.
#[tracing::instrument(name = "op", skip_all, fields(op = "record_payment", request_id = %crate::request_id()))]
pub async fn record_payment(
    ctx: &AppContext,
    svc: Option<&SyncService>,
    req: RecordPaymentRequest,
) -> Result<PaymentView, ApiError> {
    record_payment_as(ctx, svc, req, Actor::user("record-payment")).await
}

/// [`record_payment`] by another author (the CLI).
#[tracing::instrument(name = "op", skip_all, fields(op = "record_payment_as", request_id = %crate::request_id()))]
pub async fn record_payment_as(
    ctx: &AppContext,
    svc: Option<&SyncService>,
    req: RecordPaymentRequest,
    actor: Actor,
) -> Result<PaymentView, ApiError> {
    let (tenant, draft) = req.parse()?;
    let outcome = ctx
        .store()
        .queue_payment(&tenant, &draft, &new_key(), &actor, ctx.config().now())
        .await?;
    let payment = match outcome {
        QueueOutcome::Queued(p) => PaymentView::from(*p),
        QueueOutcome::Refused(errors) => {
            return Err(ApiError::fields(
                errors
                    .into_iter()
                    .map(|e| FieldError {
                        field: e.field.to_owned(),
                        message: e.message,
                    })
                    .collect(),
            ))
        }
    };
    tracing::info!(id = payment.id, "payment queued for Xero");
    if let Some(svc) = svc {
        svc.send_payments_if_online(&tenant);
    }
    Ok(payment)
}

/// Which payments to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ListPaymentsRequest {
    /// The organisation; all when absent.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// Only this invoice's or bill's.
    #[serde(default)]
    pub invoice_id: Option<String>,
}

/// The outbox's payments, oldest first.
#[tracing::instrument(name = "op", skip_all, fields(op = "list_payments", request_id = %crate::request_id()))]
pub async fn list_payments(
    ctx: &AppContext,
    req: ListPaymentsRequest,
) -> Result<Vec<PaymentView>, ApiError> {
    let pick = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let (tenant, invoice) = (pick(&req.tenant_id), pick(&req.invoice_id));
    let list = ctx
        .store()
        .outbox_payments(tenant.as_deref(), invoice.as_deref())
        .await?;
    Ok(list.into_iter().map(PaymentView::from).collect())
}

/// Cancel a queued payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CancelPaymentRequest {
    pub id: u32,
}

/// Cancels a payment that is still queued (audited). One already sent, being
/// sent, or unknown cannot be: Xero may have it.
#[tracing::instrument(name = "op", skip_all, fields(op = "cancel_payment", request_id = %crate::request_id()))]
pub async fn cancel_payment(
    ctx: &AppContext,
    req: CancelPaymentRequest,
) -> Result<PaymentView, ApiError> {
    cancel_payment_as(ctx, req, Actor::user("cancel-payment")).await
}

/// [`cancel_payment`] by another author (the CLI).
#[tracing::instrument(name = "op", skip_all, fields(op = "cancel_payment_as", request_id = %crate::request_id()))]
pub async fn cancel_payment_as(
    ctx: &AppContext,
    req: CancelPaymentRequest,
    actor: Actor,
) -> Result<PaymentView, ApiError> {
    match ctx
        .store()
        .cancel_payment(i64::from(req.id), &actor, ctx.config().now())
        .await?
    {
        CancelOutcome::Cancelled(p) => Ok(PaymentView::from(*p)),
        CancelOutcome::NotFound => Err(ApiError::invalid("There is no such payment.")),
        CancelOutcome::NotQueued(p) => Err(ApiError::new(
            ErrorCode::Invalid,
            format!(
                "This payment is {} and can no longer be cancelled: only a queued payment can.",
                p.status.as_str()
            ),
        )),
    }
}

/// The accounts of an organisation a payment may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PaymentAccountsRequest {
    pub tenant_id: String,
}

/// An account for the payment form's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PaymentAccountView {
    pub account_id: String,
    pub code: Option<String>,
    pub name: Option<String>,
    /// `BANK`, or another type enabled for payments.
    pub account_type: Option<String>,
    /// `None`: the organisation's base currency.
    pub currency_code: Option<String>,
}

/// Bank accounts and accounts enabled for payments, by name.
#[tracing::instrument(name = "op", skip_all, fields(op = "payment_accounts", request_id = %crate::request_id()))]
pub async fn payment_accounts(
    ctx: &AppContext,
    req: PaymentAccountsRequest,
) -> Result<Vec<PaymentAccountView>, ApiError> {
    let list = ctx.store().payment_accounts(req.tenant_id.trim()).await?;
    Ok(list
        .into_iter()
        .map(|a| PaymentAccountView {
            account_id: a.account_id,
            code: a.code,
            name: a.name,
            account_type: a.kind,
            currency_code: a.currency,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> RecordPaymentRequest {
        RecordPaymentRequest {
            tenant_id: "t".into(),
            invoice_id: "i".into(),
            account_id: "a".into(),
            amount: "12.50".into(),
            date: "2026-07-01".into(),
            reference: " r ".into(),
        }
    }

    #[test]
    fn an_unknown_payment_is_its_own_state_for_the_fronts() {
        assert_eq!(
            PaymentState::from(OutboxStatus::Unknown),
            PaymentState::Unknown
        );
        assert_eq!(
            serde_json::to_value(PaymentState::from(OutboxStatus::Unknown)).unwrap(),
            serde_json::json!("unknown")
        );
        for other in [
            OutboxStatus::Queued,
            OutboxStatus::Sending,
            OutboxStatus::Recorded,
            OutboxStatus::Failed,
            OutboxStatus::Cancelled,
        ] {
            assert_ne!(PaymentState::from(other), PaymentState::Unknown);
        }
    }

    #[test]
    fn a_form_reads_exactly_and_names_each_unreadable_field() {
        let (tenant, d) = req().parse().unwrap();
        assert_eq!(tenant, "t");
        assert_eq!(d.amount.to_string(), "12.50");
        assert_eq!(d.reference, "r");
        let mut bad = req();
        bad.amount = "1e3".into();
        bad.date = "01/07/2026".into();
        bad.account_id = " ".into();
        let e = bad.parse().unwrap_err();
        assert_eq!(e.code, ErrorCode::Invalid);
        let fields: Vec<&str> = e.field_errors().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["accountId", "amount", "date"]);
    }
}
