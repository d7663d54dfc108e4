//! The tax summary of a period: each tax rate's net and tax amounts on sales
//! and on purchases, from the documents' lines.
//!
//! # Rules
//!
//! - **What counts.** Lines of invoices, credit notes, bank transactions
//!   (`RECEIVE` and `SPEND`), overpayments and prepayments whose status is
//!   AUTHORISED or PAID; drafts, submitted, voided and deleted documents do
//!   not. A bank transaction of an overpayment, a prepayment or a transfer
//!   counts through its own document (or not at all), never twice.
//! - **Sales or purchases.** ACCREC invoices, money received and the
//!   customer's side of a credit note count as sales; ACCPAY bills, money
//!   spent and the supplier's side as purchases. A **credit note** counts
//!   negative on its side.
//! - **Net and tax** by the document's `LineAmountTypes`: Exclusive (the
//!   default, as posting reads it) net = LineAmount, tax = TaxAmount;
//!   Inclusive net = LineAmount - TaxAmount, tax = TaxAmount; NoTax net =
//!   LineAmount and no tax (a NoTax line that carries tax is left out, with
//!   its reason, as posting refuses it).
//! - **Base currency.** A document in another currency is converted line by
//!   line with its `CurrencyRate` (net and tax each divided by the rate, to 2
//!   places, as posting does); one with no usable rate is left out, with its
//!   reason.
//! - **By rate.** Lines are grouped by their `TaxType` (a line with none
//!   under the empty type). Every sum is checked: past a decimal's range the
//!   summary is a [`StatementOverflow`].

use std::collections::BTreeMap;

use ledgerkeep_domain::xero::{
    BankTransactionType, CreditNoteType, DocumentStatus, InvoiceType, LineAmountTypes,
    OverpaymentType, PrepaymentType,
};
use ledgerkeep_domain::Money;
use rust_decimal::Decimal;

use crate::statements::StatementOverflow;

/// The kind of document a line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaxDocument {
    Invoice,
    CreditNote,
    BankTransaction,
    Overpayment,
    Prepayment,
}

/// One document line, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxLine {
    pub document: TaxDocument,
    /// The document's Xero id.
    pub document_id: String,
    /// Its `Type` (`ACCREC`, `ACCPAYCREDIT`, `SPEND`...).
    pub doc_type: Option<String>,
    pub status: Option<String>,
    pub line_amount_types: Option<String>,
    /// Whether the document is in another currency than the base.
    pub foreign: bool,
    /// Xero's `CurrencyRate` (units of the document's currency per base unit).
    pub currency_rate: Option<Decimal>,
    pub tax_type: Option<String>,
    pub line_amount: Option<Decimal>,
    pub tax_amount: Option<Decimal>,
}

/// Which side of the summary a line counts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaxSide {
    Sales,
    Purchases,
}

/// A net amount and its tax.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetTax {
    pub net: Decimal,
    pub tax: Decimal,
}

impl NetTax {
    fn add(&mut self, net: Decimal, tax: Decimal) -> Result<(), StatementOverflow> {
        self.net = self.net.checked_add(net).ok_or(StatementOverflow)?;
        self.tax = self.tax.checked_add(tax).ok_or(StatementOverflow)?;
        Ok(())
    }
}

/// One tax rate's sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRateTotals {
    /// Xero's `TaxType` (`OUTPUT`, `INPUT2`...); empty for lines with none.
    pub tax_type: String,
    pub sales: NetTax,
    pub purchases: NetTax,
    /// How many lines count here.
    pub lines: u64,
}

/// Why a line that would count was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaxSkip {
    /// A NoTax line with a tax amount.
    TaxOnNoTaxLine,
    /// `LineAmountTypes` is a code this version does not know.
    UnknownAmountTypes(String),
    /// A document in another currency with no rate above zero.
    NoCurrencyRate,
    /// The line has no amount.
    NoLineAmount,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedLine {
    pub document: TaxDocument,
    pub document_id: String,
    pub reason: TaxSkip,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaxSummary {
    /// By tax type.
    pub rates: Vec<TaxRateTotals>,
    pub sales: NetTax,
    pub purchases: NetTax,
    pub skipped: Vec<SkippedLine>,
}

impl TaxSummary {
    /// Tax on sales less tax on purchases: owed when positive, refundable
    /// when negative.
    pub fn net_tax(&self) -> Result<Decimal, StatementOverflow> {
        self.sales
            .tax
            .checked_sub(self.purchases.tax)
            .ok_or(StatementOverflow)
    }
}

/// The side a document counts on and whether it counts negative; `None`
/// for a document that does not count here.
pub fn side_of(document: TaxDocument, doc_type: &str) -> Option<(TaxSide, bool)> {
    use TaxSide::{Purchases, Sales};
    match document {
        TaxDocument::Invoice => match InvoiceType::from_code(doc_type).folded() {
            InvoiceType::AccRec => Some((Sales, false)),
            InvoiceType::AccPay => Some((Purchases, false)),
            InvoiceType::Other(_) => None,
        },
        TaxDocument::CreditNote => match CreditNoteType::from_code(doc_type).folded() {
            CreditNoteType::AccRecCredit => Some((Sales, true)),
            CreditNoteType::AccPayCredit => Some((Purchases, true)),
            CreditNoteType::Other(_) => None,
        },
        TaxDocument::BankTransaction => match BankTransactionType::from_code(doc_type).folded() {
            BankTransactionType::Receive => Some((Sales, false)),
            BankTransactionType::Spend => Some((Purchases, false)),
            _ => None,
        },
        TaxDocument::Overpayment => match OverpaymentType::from_code(doc_type).folded() {
            OverpaymentType::ReceiveOverpayment | OverpaymentType::ArOverpayment => {
                Some((Sales, false))
            }
            OverpaymentType::SpendOverpayment | OverpaymentType::ApOverpayment => {
                Some((Purchases, false))
            }
            OverpaymentType::Other(_) => None,
        },
        TaxDocument::Prepayment => match PrepaymentType::from_code(doc_type).folded() {
            PrepaymentType::ReceivePrepayment | PrepaymentType::ArPrepayment => {
                Some((Sales, false))
            }
            PrepaymentType::SpendPrepayment | PrepaymentType::ApPrepayment => {
                Some((Purchases, false))
            }
            PrepaymentType::Other(_) => None,
        },
    }
}

/// Whether a document's status counts (AUTHORISED or PAID, any case).
pub fn counts(status: Option<&str>) -> bool {
    status.is_some_and(|s| {
        matches!(
            DocumentStatus::from_code(s).folded(),
            DocumentStatus::Authorised | DocumentStatus::Paid
        )
    })
}

/// A line's net and tax in its document's currency, or why it cannot count.
fn net_and_tax(l: &TaxLine) -> Result<(Decimal, Decimal), TaxSkip> {
    let amount = l.line_amount.ok_or(TaxSkip::NoLineAmount)?;
    let tax = l.tax_amount.unwrap_or_default();
    let types = l
        .line_amount_types
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| LineAmountTypes::from_code(t).folded());
    match types {
        None | Some(LineAmountTypes::Exclusive) => Ok((amount, tax)),
        Some(LineAmountTypes::Inclusive) => amount
            .checked_sub(tax)
            .map(|net| (net, tax))
            .ok_or(TaxSkip::NoLineAmount),
        Some(LineAmountTypes::NoTax) if tax.is_zero() => Ok((amount, Decimal::ZERO)),
        Some(LineAmountTypes::NoTax) => Err(TaxSkip::TaxOnNoTaxLine),
        Some(LineAmountTypes::Other(t)) => Err(TaxSkip::UnknownAmountTypes(t)),
    }
}

/// `amount` in the base currency.
fn in_base(amount: Decimal, rate: Decimal) -> Option<Decimal> {
    Money::new(amount)
        .in_base_currency(&Money::new(rate))
        .map(|m| m.as_decimal())
}

/// The summary of `lines` (the store's lines of the period's documents).
pub fn tax_summary(lines: &[TaxLine]) -> Result<TaxSummary, StatementOverflow> {
    let mut rates: BTreeMap<String, TaxRateTotals> = BTreeMap::new();
    let mut out = TaxSummary::default();
    for l in lines {
        if !counts(l.status.as_deref()) {
            continue;
        }
        let Some((side, negative)) = l.doc_type.as_deref().and_then(|t| side_of(l.document, t))
        else {
            continue;
        };
        let skip = |reason| SkippedLine {
            document: l.document,
            document_id: l.document_id.clone(),
            reason,
        };
        let (mut net, mut tax) = match net_and_tax(l) {
            Ok(v) => v,
            Err(reason) => {
                out.skipped.push(skip(reason));
                continue;
            }
        };
        if l.foreign {
            let base = l
                .currency_rate
                .and_then(|r| Some((in_base(net, r)?, in_base(tax, r)?)));
            match base {
                Some((n, t)) => (net, tax) = (n, t),
                None => {
                    out.skipped.push(skip(TaxSkip::NoCurrencyRate));
                    continue;
                }
            }
        }
        if negative {
            (net, tax) = (-net, -tax);
        }
        let key = l.tax_type.clone().unwrap_or_default();
        let rate = rates.entry(key.clone()).or_insert_with(|| TaxRateTotals {
            tax_type: key,
            sales: NetTax::default(),
            purchases: NetTax::default(),
            lines: 0,
        });
        let (slot, total) = match side {
            TaxSide::Sales => (&mut rate.sales, &mut out.sales),
            TaxSide::Purchases => (&mut rate.purchases, &mut out.purchases),
        };
        slot.add(net, tax)?;
        total.add(net, tax)?;
        rate.lines += 1;
    }
    out.rates = rates.into_values().collect();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(document: TaxDocument, doc_type: &str, types: &str, amount: i64, tax: i64) -> TaxLine {
        TaxLine {
            document,
            document_id: format!("{doc_type}-{amount}"),
            doc_type: Some(doc_type.to_owned()),
            status: Some("AUTHORISED".to_owned()),
            line_amount_types: Some(types.to_owned()),
            foreign: false,
            currency_rate: None,
            tax_type: Some("OUTPUT".to_owned()),
            line_amount: Some(Decimal::new(amount, 2)),
            tax_amount: Some(Decimal::new(tax, 2)),
        }
    }

    #[test]
    fn amount_types_sides_and_credit_notes() {
        let lines = vec![
            line(TaxDocument::Invoice, "ACCREC", "Exclusive", 10_000, 1_500),
            line(TaxDocument::Invoice, "ACCREC", "Inclusive", 11_500, 1_500),
            line(
                TaxDocument::CreditNote,
                "ACCRECCREDIT",
                "Exclusive",
                2_000,
                300,
            ),
            line(TaxDocument::Invoice, "ACCPAY", "NoTax", 5_000, 0),
            line(
                TaxDocument::BankTransaction,
                "SPEND",
                "exclusive",
                1_000,
                150,
            ),
            // Not counted: a transfer's leg, a draft.
            line(
                TaxDocument::BankTransaction,
                "SPEND-TRANSFER",
                "NoTax",
                999,
                0,
            ),
            TaxLine {
                status: Some("DRAFT".to_owned()),
                ..line(TaxDocument::Invoice, "ACCREC", "Exclusive", 777, 0)
            },
            // Left out with a reason.
            line(TaxDocument::Invoice, "ACCPAY", "NoTax", 5_000, 10),
        ];
        let s = tax_summary(&lines).unwrap();
        assert_eq!(s.sales.net, Decimal::new(18_000, 2));
        assert_eq!(s.sales.tax, Decimal::new(2_700, 2));
        assert_eq!(s.purchases.net, Decimal::new(6_000, 2));
        assert_eq!(s.purchases.tax, Decimal::new(150, 2));
        assert_eq!(s.net_tax().unwrap(), Decimal::new(2_550, 2));
        assert_eq!(s.skipped.len(), 1);
        assert_eq!(s.skipped[0].reason, TaxSkip::TaxOnNoTaxLine);
        assert_eq!(s.rates.len(), 1);
        assert_eq!(s.rates[0].lines, 5);
    }

    #[test]
    fn a_foreign_document_is_converted_or_left_out() {
        let mut l = line(TaxDocument::Invoice, "ACCREC", "Exclusive", 20_000, 3_000);
        l.foreign = true;
        l.currency_rate = Some(Decimal::new(2, 0));
        let mut no_rate = l.clone();
        no_rate.currency_rate = None;
        let s = tax_summary(&[l, no_rate]).unwrap();
        assert_eq!(s.sales.net, Decimal::new(10_000, 2));
        assert_eq!(s.sales.tax, Decimal::new(1_500, 2));
        assert_eq!(s.skipped[0].reason, TaxSkip::NoCurrencyRate);
    }
}
