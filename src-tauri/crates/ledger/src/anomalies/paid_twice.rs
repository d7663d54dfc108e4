//! Paid twice: a document paid beyond its total, or paid and then paid
//! again by spend (receive) money.
//!
//! - **Overpaid**: the authorised payments on a document (not voided or
//!   deleted) and the credit notes applied to it add up to more than its
//!   total. Every sum is checked: amounts beyond what a decimal holds are
//!   reported as such, never a panic.
//! - **Paid again by the bank**: a paid bill (invoice) and an authorised
//!   spend (receive) money transaction, or overpayment or prepayment, to the
//!   same contact of the same amount and currency, dated at most
//!   `paid_twice_window_days` from the document's nearest payment.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use ledgerkeep_domain::xero::{BankTransactionType, DocumentStatus, InvoiceType};

use super::{status_in, AnomalyConfig};

/// A document and what was paid on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidDocument<P> {
    pub doc_type: Option<InvoiceType>,
    pub status: Option<DocumentStatus>,
    pub contact_id: Option<String>,
    pub currency: Option<String>,
    pub total: Option<Decimal>,
    /// Credit notes (and overpayments, prepayments) applied to it.
    pub credited: Option<Decimal>,
    pub payments: Vec<PaymentOn<P>>,
}

/// A payment on a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOn<P> {
    pub key: P,
    pub status: Option<DocumentStatus>,
    pub amount: Decimal,
    pub date: Option<NaiveDate>,
}

/// A document's authorised payments and credits beyond its total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overpaid {
    pub total: Decimal,
    /// The authorised payments, in the order given.
    pub payments: Vec<usize>,
    /// Their sum; `None` when beyond a decimal's range.
    pub paid: Option<Decimal>,
    /// Payments and credits over the total; `None` when beyond a decimal's range.
    pub excess: Option<Decimal>,
}

/// A bank transaction that may pay a document a second time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankMoney {
    pub bank_type: Option<BankTransactionType>,
    pub status: Option<DocumentStatus>,
    pub contact_id: Option<String>,
    pub currency: Option<String>,
    pub total: Option<Decimal>,
    pub date: Option<NaiveDate>,
}

/// A paid document whose amount also went (came) by a bank transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidAgain {
    pub total: Decimal,
    /// The document's payment nearest in time to the bank transaction (its
    /// position among the document's payments; the first of equals).
    pub payment: usize,
    pub paid_on: NaiveDate,
    pub bank_date: NaiveDate,
    /// Days between the payment and the bank transaction.
    pub days_apart: i64,
    /// Money out (a bill and spend money), not in.
    pub outgoing: bool,
}

fn live(doc: &PaidDocument<impl Sized>) -> bool {
    doc.status.as_ref().is_some_and(|s| !s.is_void())
}

fn authorised<P>(doc: &PaidDocument<P>) -> impl Iterator<Item = (usize, &PaymentOn<P>)> {
    doc.payments
        .iter()
        .enumerate()
        .filter(|(_, p)| p.status == Some(DocumentStatus::Authorised))
}

/// The document's payments and credits beyond its total, if they are.
pub fn overpaid<P>(doc: &PaidDocument<P>) -> Option<Overpaid> {
    let total = doc.total?;
    if !live(doc) {
        return None;
    }
    let payments: Vec<usize> = authorised(doc).map(|(i, _)| i).collect();
    if payments.is_empty() {
        return None;
    }
    let paid = authorised(doc).try_fold(Decimal::ZERO, |acc, (_, p)| acc.checked_add(p.amount));
    let covered = paid.and_then(|p| p.checked_add(doc.credited.unwrap_or(Decimal::ZERO)));
    // `None`: out of range, and so beyond any total.
    let excess = match covered {
        Some(c) if c <= total => return None,
        Some(c) => c.checked_sub(total),
        None => None,
    };
    Some(Overpaid {
        total,
        payments,
        paid,
        excess,
    })
}

/// Whether `bank` pays `doc` again, within the window of one of its payments.
pub fn paid_again_by_bank<P>(
    doc: &PaidDocument<P>,
    bank: &BankMoney,
    config: &AnomalyConfig,
) -> Option<PaidAgain> {
    use BankTransactionType::*;
    let outgoing = match doc.doc_type {
        Some(InvoiceType::AccPay) => true,
        Some(InvoiceType::AccRec) => false,
        _ => return None,
    };
    let bank_types = if outgoing {
        [Spend, SpendOverpayment, SpendPrepayment]
    } else {
        [Receive, ReceiveOverpayment, ReceivePrepayment]
    };
    if doc.status != Some(DocumentStatus::Paid)
        || bank.status != Some(DocumentStatus::Authorised)
        || !status_in(bank.bank_type.as_ref(), &bank_types)
        || doc.contact_id.is_none()
        || bank.contact_id != doc.contact_id
        || bank.total != doc.total
        || bank.currency != doc.currency
    {
        return None;
    }
    let (Some(total), Some(bank_date)) = (doc.total, bank.date) else {
        return None;
    };
    let (payment, paid_on, days_apart) = authorised(doc)
        .filter_map(|(i, p)| p.date.map(|on| (i, on, (bank_date - on).num_days().abs())))
        .min_by_key(|(_, _, gap)| *gap)?;
    (days_apart <= config.paid_twice_window_days).then_some(PaidAgain {
        total,
        payment,
        paid_on,
        bank_date,
        days_apart,
        outgoing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn pay(key: u32, amount: Decimal, date: &str) -> PaymentOn<u32> {
        PaymentOn {
            key,
            status: Some("AUTHORISED".into()),
            amount,
            date: Some(day(date)),
        }
    }

    fn doc(doc_type: &str, total: &str, payments: Vec<PaymentOn<u32>>) -> PaidDocument<u32> {
        PaidDocument {
            doc_type: Some(doc_type.into()),
            status: Some("PAID".into()),
            contact_id: Some("c1".to_owned()),
            currency: Some("NZD".to_owned()),
            total: Some(d(total)),
            credited: None,
            payments,
        }
    }

    #[test]
    fn payments_and_credits_beyond_the_total_are_overpaid_by_exactly_the_excess() {
        let mut inv = doc(
            "ACCREC",
            "100.00",
            vec![
                pay(1, d("60.00"), "2026-03-01"),
                pay(2, d("40.00"), "2026-03-02"),
            ],
        );
        // Exactly the total: not overpaid.
        assert_eq!(overpaid(&inv), None);
        inv.credited = Some(d("0.01"));
        let o = overpaid(&inv).unwrap();
        assert_eq!(o.excess, Some(d("0.01")));
        assert_eq!(o.paid, Some(d("100.00")));
        assert_eq!(o.payments, [0, 1]);
        inv.credited = Some(d("10"));
        inv.payments.push(pay(3, d("10"), "2026-03-03"));
        assert_eq!(overpaid(&inv).unwrap().excess, Some(d("20.00")));
    }

    #[test]
    fn only_authorised_payments_on_a_live_document_count() {
        let mut inv = doc(
            "ACCREC",
            "100",
            vec![
                pay(1, d("100"), "2026-03-01"),
                pay(2, d("100"), "2026-03-01"),
            ],
        );
        inv.payments[1].status = Some("DELETED".into());
        assert_eq!(overpaid(&inv), None);
        inv.payments[1].status = Some("AUTHORISED".into());
        assert_eq!(overpaid(&inv).unwrap().payments, [0, 1]);
        for status in ["VOIDED", "DELETED"] {
            inv.status = Some(status.into());
            assert_eq!(overpaid(&inv), None, "{status}");
        }
        // No payments, only credits: not this rule's business.
        let mut credited = doc("ACCREC", "100", Vec::new());
        credited.credited = Some(d("500"));
        assert_eq!(overpaid(&credited), None);
    }

    #[test]
    fn sums_beyond_a_decimal_are_overpaid_with_no_figure_not_a_panic() {
        let inv = doc(
            "ACCREC",
            "100",
            vec![
                pay(1, Decimal::MAX, "2026-03-01"),
                pay(2, Decimal::MAX, "2026-03-01"),
            ],
        );
        let o = overpaid(&inv).unwrap();
        assert_eq!((o.paid, o.excess), (None, None));
        let mut inv = doc("ACCREC", "100", vec![pay(1, Decimal::MAX, "2026-03-01")]);
        inv.credited = Some(Decimal::MAX);
        let o = overpaid(&inv).unwrap();
        assert_eq!((o.paid, o.excess), (Some(Decimal::MAX), None));
        let mut inv = doc("ACCREC", "1", vec![pay(1, Decimal::MAX, "2026-03-01")]);
        inv.total = Some(Decimal::MIN);
        assert_eq!(overpaid(&inv).unwrap().excess, None);
    }

    fn spend(total: &str, date: &str) -> BankMoney {
        BankMoney {
            bank_type: Some("SPEND".into()),
            status: Some("AUTHORISED".into()),
            contact_id: Some("c1".to_owned()),
            currency: Some("NZD".to_owned()),
            total: Some(d(total)),
            date: Some(day(date)),
        }
    }

    #[test]
    fn a_spend_of_the_same_amount_within_the_window_of_the_nearest_payment_pays_again() {
        let config = AnomalyConfig::default();
        let bill = doc(
            "ACCPAY",
            "480.00",
            vec![
                pay(1, d("240"), "2026-02-01"),
                pay(2, d("240"), "2026-03-01"),
            ],
        );
        // 14 days after the second payment: at the window.
        let again = paid_again_by_bank(&bill, &spend("480", "2026-03-15"), &config).unwrap();
        assert_eq!(again.payment, 1);
        assert_eq!(again.paid_on, day("2026-03-01"));
        assert_eq!(again.days_apart, 14);
        assert!(again.outgoing);
        assert_eq!(again.total, d("480.00"));
        // 15 days: beyond it. Before the payment counts the same.
        assert_eq!(
            paid_again_by_bank(&bill, &spend("480", "2026-03-16"), &config),
            None
        );
        let before = paid_again_by_bank(&bill, &spend("480", "2026-01-20"), &config).unwrap();
        assert_eq!((before.payment, before.days_apart), (0, 12));
        let same_day = paid_again_by_bank(&bill, &spend("480", "2026-02-01"), &config).unwrap();
        assert_eq!(same_day.days_apart, 0);
    }

    #[test]
    fn another_amount_currency_contact_direction_or_status_is_no_second_payment() {
        let config = AnomalyConfig::default();
        let bill = doc("ACCPAY", "480.00", vec![pay(1, d("480"), "2026-03-01")]);
        let ok = spend("480", "2026-03-02");
        assert!(paid_again_by_bank(&bill, &ok, &config).is_some());
        let mut cases = Vec::new();
        cases.push(spend("480.01", "2026-03-02"));
        let mut b = ok.clone();
        b.currency = Some("AUD".to_owned());
        cases.push(b);
        let mut b = ok.clone();
        b.contact_id = Some("c2".to_owned());
        cases.push(b);
        let mut b = ok.clone();
        b.bank_type = Some("RECEIVE".into());
        cases.push(b);
        let mut b = ok.clone();
        b.status = Some("VOIDED".into());
        cases.push(b);
        let mut b = ok.clone();
        b.date = None;
        cases.push(b);
        for b in &cases {
            assert_eq!(paid_again_by_bank(&bill, b, &config), None, "{b:?}");
        }
        // The bill must be paid, by an authorised payment with a date.
        let mut unpaid = bill.clone();
        unpaid.status = Some("AUTHORISED".into());
        assert_eq!(paid_again_by_bank(&unpaid, &ok, &config), None);
        let mut deleted = bill.clone();
        deleted.payments[0].status = Some("DELETED".into());
        assert_eq!(paid_again_by_bank(&deleted, &ok, &config), None);
        let mut undated = bill.clone();
        undated.payments[0].date = None;
        assert_eq!(paid_again_by_bank(&undated, &ok, &config), None);
        // An invoice is paid again by receive money (or a prepayment), not spend money.
        let invoice = doc("ACCREC", "480.00", vec![pay(1, d("480"), "2026-03-01")]);
        assert_eq!(paid_again_by_bank(&invoice, &ok, &config), None);
        let mut receive = ok.clone();
        receive.bank_type = Some("RECEIVE-PREPAYMENT".into());
        let again = paid_again_by_bank(&invoice, &receive, &config).unwrap();
        assert!(!again.outgoing);
        // A narrower window.
        let config = AnomalyConfig {
            paid_twice_window_days: 0,
            ..AnomalyConfig::default()
        };
        assert_eq!(paid_again_by_bank(&bill, &ok, &config), None);
    }
}
