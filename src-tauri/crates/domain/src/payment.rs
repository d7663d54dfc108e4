//! The rules a payment must meet before it is queued for Xero: no I/O, the
//! facts are read from the ledger by the store and handed in.
//!
//! - the amount is above zero, at most 2 decimal places, and no more than the
//!   document's amount due less the payments already waiting in the outbox;
//! - the document is an authorised invoice or bill;
//! - the account is a bank account or one enabled for payments, and active;
//! - the date is after the organisation's period lock date;
//! - the account's currency is the organisation's base currency or the
//!   document's currency.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::xero::{AccountType, DocumentStatus, InvoiceType, RecordStatus};

/// A payment as the owner entered it, already parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentDraft {
    /// The invoice or bill (`InvoiceID`).
    pub invoice_id: String,
    /// The paying or receiving account (`AccountID`).
    pub account_id: String,
    pub amount: Decimal,
    pub date: NaiveDate,
    pub reference: String,
}

/// The document, as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFacts {
    /// `ACCREC` (invoice) or `ACCPAY` (bill).
    pub kind: Option<InvoiceType>,
    pub status: Option<DocumentStatus>,
    pub currency: String,
    pub amount_due: Decimal,
    /// Payments on it already queued, being sent, or of unknown outcome (Xero
    /// may hold them): not yet in `amount_due`.
    pub pending: Decimal,
}

/// The account, as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountFacts {
    pub kind: Option<AccountType>,
    pub status: Option<RecordStatus>,
    pub enable_payments: bool,
    /// `None`: the organisation's base currency.
    pub currency: Option<String>,
}

/// What the check needs to know.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PaymentFacts {
    pub document: Option<DocumentFacts>,
    pub account: Option<AccountFacts>,
    pub base_currency: Option<String>,
    pub period_lock_date: Option<NaiveDate>,
}

/// One refused field: its name as the UI's form names it, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentFieldError {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> PaymentFieldError {
    PaymentFieldError {
        field,
        message: message.into(),
    }
}

/// Whether an account may pay or receive: a bank account, or one enabled for
/// payments, that is not archived.
pub fn account_can_pay(account: &AccountFacts) -> bool {
    (account.kind == Some(AccountType::Bank) || account.enable_payments)
        && account.status != Some(RecordStatus::Archived)
}

/// Every rule `draft` breaks, one entry per field (the first reason for each).
pub fn check_payment(draft: &PaymentDraft, facts: &PaymentFacts) -> Vec<PaymentFieldError> {
    let mut errors = Vec::new();
    match &facts.document {
        None => errors.push(refuse(
            "invoiceId",
            "This invoice or bill is not in the ledger: sync, then try again.",
        )),
        Some(d) if d.status != Some(DocumentStatus::Authorised) => errors.push(refuse(
            "invoiceId",
            format!(
                "Only an approved (authorised) invoice or bill can take a payment; this one is {}.",
                d.status
                    .as_ref()
                    .map_or("", DocumentStatus::as_str)
                    .to_lowercase()
            ),
        )),
        Some(_) => {}
    }

    if draft.amount <= Decimal::ZERO {
        errors.push(refuse("amount", "The amount must be more than zero."));
    } else if draft.amount.normalize().scale() > 2 {
        errors.push(refuse(
            "amount",
            "The amount can have at most 2 decimal places.",
        ));
    } else if let Some(d) = &facts.document {
        let open = d.amount_due - d.pending;
        if draft.amount > open {
            let message = if d.pending > Decimal::ZERO {
                format!(
                    "The amount is more than is left to pay: {} {open} ({} {} due, {} {} already waiting to be sent or confirmed by Xero).",
                    d.currency, d.currency, d.amount_due, d.currency, d.pending
                )
            } else {
                format!(
                    "The amount is more than is due: {} {}.",
                    d.currency, d.amount_due
                )
            };
            errors.push(refuse("amount", message));
        }
    }

    match &facts.account {
        None => errors.push(refuse("accountId", "Choose an account from the list.")),
        Some(a) if !account_can_pay(a) => errors.push(refuse(
            "accountId",
            "Payments can only be made from a bank account or an account enabled for payments.",
        )),
        Some(a) => {
            let base = facts.base_currency.as_deref();
            let account_ccy = a.currency.as_deref().or(base);
            if let (Some(ccy), Some(d)) = (account_ccy, &facts.document) {
                if Some(ccy) != base && ccy != d.currency {
                    errors.push(refuse(
                        "accountId",
                        format!(
                            "This account is in {ccy}: pay a {} document from a {} account or one in {}.",
                            d.currency,
                            base.unwrap_or("base-currency"),
                            d.currency
                        ),
                    ));
                }
            }
        }
    }

    if let Some(lock) = facts.period_lock_date {
        if draft.date <= lock {
            errors.push(refuse(
                "date",
                format!(
                    "The books are locked up to {lock}: choose a later date.",
                    lock = lock.format("%Y-%m-%d")
                ),
            ));
        }
    }

    if draft.reference.chars().count() > 255 {
        errors.push(refuse(
            "reference",
            "The reference can be at most 255 characters.",
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn draft(amount: &str) -> PaymentDraft {
        PaymentDraft {
            invoice_id: "inv".into(),
            account_id: "acc".into(),
            amount: dec(amount),
            date: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
            reference: String::new(),
        }
    }

    fn facts() -> PaymentFacts {
        PaymentFacts {
            document: Some(DocumentFacts {
                kind: Some(InvoiceType::AccRec),
                status: Some(DocumentStatus::Authorised),
                currency: "NZD".into(),
                amount_due: dec("100.00"),
                pending: Decimal::ZERO,
            }),
            account: Some(AccountFacts {
                kind: Some(AccountType::Bank),
                status: Some(RecordStatus::Active),
                enable_payments: false,
                currency: Some("NZD".into()),
            }),
            base_currency: Some("NZD".into()),
            period_lock_date: Some(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()),
        }
    }

    fn fields(e: &[PaymentFieldError]) -> Vec<&str> {
        e.iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_payment_up_to_the_amount_due_passes() {
        assert!(check_payment(&draft("100.00"), &facts()).is_empty());
        assert!(check_payment(&draft("0.01"), &facts()).is_empty());
    }

    #[test]
    fn the_amount_must_be_positive_exact_to_the_cent_and_not_above_what_is_open() {
        assert_eq!(fields(&check_payment(&draft("0"), &facts())), ["amount"]);
        assert_eq!(fields(&check_payment(&draft("-5"), &facts())), ["amount"]);
        assert_eq!(
            fields(&check_payment(&draft("1.001"), &facts())),
            ["amount"]
        );
        assert!(check_payment(&draft("1.000"), &facts()).is_empty());
        assert_eq!(
            fields(&check_payment(&draft("100.01"), &facts())),
            ["amount"]
        );
        let mut f = facts();
        f.document.as_mut().unwrap().pending = dec("60");
        let e = check_payment(&draft("40.01"), &f);
        assert_eq!(fields(&e), ["amount"]);
        assert!(e[0].message.contains("NZD 40.00"), "{}", e[0].message);
        assert!(check_payment(&draft("40"), &f).is_empty());
    }

    #[test]
    fn the_account_must_take_payments_and_suit_the_currency() {
        let mut f = facts();
        f.account.as_mut().unwrap().kind = Some(AccountType::Expense);
        assert_eq!(fields(&check_payment(&draft("1"), &f)), ["accountId"]);
        f.account.as_mut().unwrap().enable_payments = true;
        assert!(check_payment(&draft("1"), &f).is_empty());
        f.account.as_mut().unwrap().status = Some(RecordStatus::Archived);
        assert_eq!(fields(&check_payment(&draft("1"), &f)), ["accountId"]);

        // A USD account for an NZD invoice of an NZD organisation: refused.
        let mut f = facts();
        f.account.as_mut().unwrap().currency = Some("USD".into());
        assert_eq!(fields(&check_payment(&draft("1"), &f)), ["accountId"]);
        // ...but fine for a USD invoice.
        f.document.as_mut().unwrap().currency = "USD".into();
        assert!(check_payment(&draft("1"), &f).is_empty());
        // A base-currency account pays a foreign invoice.
        let mut f = facts();
        f.document.as_mut().unwrap().currency = "AUD".into();
        f.account.as_mut().unwrap().currency = None;
        assert!(check_payment(&draft("1"), &f).is_empty());
        f.account = None;
        assert_eq!(fields(&check_payment(&draft("1"), &f)), ["accountId"]);
    }

    #[test]
    fn the_date_must_be_after_the_lock_date_and_the_document_authorised() {
        let mut d = draft("1");
        d.date = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        assert_eq!(fields(&check_payment(&d, &facts())), ["date"]);
        let mut f = facts();
        f.document.as_mut().unwrap().status = Some(DocumentStatus::Paid);
        f.period_lock_date = None;
        let e = check_payment(&d, &f);
        assert_eq!(fields(&e), ["invoiceId"]);
        assert!(
            e[0].message.ends_with("this one is paid."),
            "{}",
            e[0].message
        );
        // A status this version does not know is refused too, and named as sent.
        f.document.as_mut().unwrap().status = Some(DocumentStatus::from("ON-HOLD"));
        let e = check_payment(&d, &f);
        assert!(
            e[0].message.ends_with("this one is on-hold."),
            "{}",
            e[0].message
        );
        f.document = None;
        let mut d = draft("0");
        d.reference = "x".repeat(256);
        assert_eq!(
            fields(&check_payment(&d, &f)),
            ["invoiceId", "amount", "reference"]
        );
    }
}
