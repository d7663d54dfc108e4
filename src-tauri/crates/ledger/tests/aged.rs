//! Aged receivables and payables as at a date: what each document had
//! outstanding, from its payments and allocations, against what the posting
//! engine puts in the control accounts up to that date.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use common::{ctx, d, read};
use ledgerkeep_domain::xero::{CreditNote, Invoice, Overpayment, Payment, Prepayment};
use ledgerkeep_domain::XeroDate;
use ledgerkeep_ledger::{
    aged, aged_document, outstanding_at, rebuild, settled_from, settlements_of, AccountKey,
    AgedKind, Books, Document, JournalLine, PostingContext, Side,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::json;

fn day(s: &str) -> XeroDate {
    XeroDate(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
}

/// The control account's lines dated on or before `as_at`, debit positive.
fn control_at(lines: &[JournalLine], code: &str, as_at: XeroDate) -> Decimal {
    lines
        .iter()
        .filter(|l| l.account.code.as_deref() == Some(code) && l.date <= as_at)
        .map(|l| l.amount)
        .sum()
}

fn ctx_with_banks() -> PostingContext {
    ctx()
        .with_bank_account("op-1", AccountKey::code("090"))
        .with_bank_account("pp-1", AccountKey::code("090"))
}

/// The fixture of `rebuild.rs`, a foreign invoice credited and paid in two
/// parts, with an overpayment of two lines partly used and a prepayment.
struct Fixture {
    invoices: Vec<Invoice>,
    credit_notes: Vec<CreditNote>,
    payments: Vec<Payment>,
    overpayments: Vec<Overpayment>,
    prepayments: Vec<Prepayment>,
}

impl Fixture {
    fn new() -> Fixture {
        let invoices = vec![
            read(json!({
                "InvoiceID": "inv-u", "InvoiceNumber": "INV-U", "Type": "ACCREC",
                "Date": "2024-11-01", "DueDate": "2024-11-30", "Status": "PAID",
                "Contact": {"ContactID": "c1", "Name": "Acme"},
                "CurrencyCode": "USD", "CurrencyRate": "0.75", "LineAmountTypes": "Exclusive",
                "LineItems": [{"AccountCode": "200", "LineAmount": "10.00", "TaxAmount": "1.50"}],
                "Total": "11.50"
            })),
            read(json!({
                "InvoiceID": "inv-o", "InvoiceNumber": "INV-O", "Type": "ACCREC",
                "Date": "2024-11-02", "DueDate": "2024-12-02", "Status": "AUTHORISED",
                "Contact": {"ContactID": "c1", "Name": "Acme"},
                "CurrencyCode": "USD", "CurrencyRate": "0.7", "LineAmountTypes": "Exclusive",
                "LineItems": [{"AccountCode": "200", "LineAmount": "20.00", "TaxAmount": "0"}],
                "Total": "20.00"
            })),
            read(json!({
                "InvoiceID": "inv-n", "InvoiceNumber": "INV-N", "Type": "ACCREC",
                "Date": "2024-11-03", "DueDate": "2024-11-10", "Status": "AUTHORISED",
                "Contact": {"ContactID": "c2", "Name": "Bell"}, "LineAmountTypes": "Exclusive",
                "LineItems": [{"AccountCode": "200", "LineAmount": "100.00", "TaxAmount": "15.00"}],
                "Total": "115.00"
            })),
            read(json!({
                "InvoiceID": "bill-1", "InvoiceNumber": "B-1", "Type": "ACCPAY",
                "Date": "2024-11-04", "DueDate": "2024-11-20", "Status": "AUTHORISED",
                "Contact": {"ContactID": "s1", "Name": "Supplier"}, "LineAmountTypes": "Exclusive",
                "LineItems": [{"AccountCode": "400", "LineAmount": "40.00", "TaxAmount": "6.00"}],
                "Total": "46.00"
            })),
        ];
        let credit_notes = vec![read(json!({
            "CreditNoteID": "cn-u", "Type": "ACCRECCREDIT", "Date": "2024-11-05", "Status": "PAID",
            "Contact": {"ContactID": "c1", "Name": "Acme"},
            "CurrencyCode": "USD", "CurrencyRate": "0.80", "LineAmountTypes": "Exclusive",
            "LineItems": [{"AccountCode": "200", "LineAmount": "2.00", "TaxAmount": "0.30"}],
            "Total": "2.30",
            "Allocations": [{"AllocationID": "a1", "Amount": "2.30", "Date": "2024-11-10", "Invoice": {"InvoiceID": "inv-u"}}]
        }))];
        let pay =
            |id: &str, inv: &str, ty: &str, date: &str, amount: &str, rate: &str| -> Payment {
                read(json!({
                    "PaymentID": id, "Date": date, "Status": "AUTHORISED", "PaymentType": ty,
                    "Amount": amount, "CurrencyRate": rate, "Account": {"Code": "090"},
                    "Invoice": {"InvoiceID": inv}
                }))
            };
        let payments = vec![
            pay("p2", "inv-u", "ACCRECPAYMENT", "2024-11-20", "4.60", "0.72"),
            pay("p1", "inv-u", "ACCRECPAYMENT", "2024-11-12", "4.60", "0.70"),
            pay("p3", "inv-n", "ACCRECPAYMENT", "2024-11-15", "15.00", "1"),
            pay("p4", "bill-1", "ACCPAYPAYMENT", "2024-11-25", "46.00", "1"),
        ];
        // Two lines converted one by one: 3.33 / 0.7 = 4.76 and 3.33 / 0.7
        // = 4.76, 9.52 in the control account; the total 6.66 / 0.7 = 9.51.
        let overpayments = vec![read(json!({
            "OverpaymentID": "op-1", "Type": "RECEIVE-OVERPAYMENT", "Date": "2024-11-06",
            "Status": "AUTHORISED", "Contact": {"ContactID": "c1", "Name": "Acme"},
            "CurrencyCode": "USD", "CurrencyRate": "0.7", "LineAmountTypes": "NoTax",
            "LineItems": [{"LineAmount": "3.33"}, {"LineAmount": "3.33"}], "Total": "6.66",
            "Allocations": [{"AllocationID": "a2", "Amount": "5.00", "Date": "2024-11-18", "Invoice": {"InvoiceID": "inv-o"}}]
        }))];
        let prepayments = vec![read(json!({
            "PrepaymentID": "pp-1", "Type": "RECEIVE-PREPAYMENT", "Date": "2024-11-07",
            "Status": "AUTHORISED", "Contact": {"ContactID": "c2", "Name": "Bell"},
            "LineAmountTypes": "Exclusive",
            "LineItems": [{"AccountCode": "200", "LineAmount": "40.00", "TaxAmount": "6.00"}],
            "Total": "46.00",
            "Allocations": [{"AllocationID": "a3", "Amount": "23.00", "Date": "2024-11-16", "Invoice": {"InvoiceID": "inv-n"}}]
        }))];
        Fixture {
            invoices,
            credit_notes,
            payments,
            overpayments,
            prepayments,
        }
    }

    fn books(&self) -> Books<'_> {
        Books {
            invoices: &self.invoices,
            credit_notes: &self.credit_notes,
            payments: &self.payments,
            overpayments: &self.overpayments,
            prepayments: &self.prepayments,
            ..Books::default()
        }
    }
}

#[test]
fn the_aged_total_equals_the_control_account_on_every_day() {
    let f = Fixture::new();
    let rebuilt = rebuild(&f.books(), ctx_with_banks());
    assert!(rebuilt.errors.is_empty(), "{:?}", rebuilt.errors);
    let first = day("2024-10-30").0;
    for n in 0..40 {
        let as_at = XeroDate(first + chrono::Duration::days(n));
        let a = aged(&f.books(), &ctx(), as_at);
        assert!(a.errors.is_empty(), "{:?}", a.errors);
        assert_eq!(
            a.base_total(Side::Receivable, true).unwrap(),
            control_at(&rebuilt.lines, "610", as_at),
            "receivables at {as_at}"
        );
        assert_eq!(
            a.base_total(Side::Payable, true).unwrap(),
            -control_at(&rebuilt.lines, "800", as_at),
            "payables at {as_at}"
        );
    }
}

#[test]
fn a_document_is_outstanding_until_its_last_settlement_and_not_after() {
    let f = Fixture::new();
    let at = |s: &str| aged(&f.books(), &ctx(), day(s));
    let find = |a: &ledgerkeep_ledger::Aged, id: &str| {
        a.outstanding
            .iter()
            .find(|o| o.document.id == id)
            .map(|o| (o.amount, o.base))
    };
    // Before its date, not there; on it, its whole total.
    assert_eq!(find(&at("2024-10-31"), "inv-u"), None);
    assert_eq!(
        find(&at("2024-11-01"), "inv-u"),
        Some((d("11.50"), d("15.33")))
    );
    // Credited 2.30 on the 10th, paid 4.60 on the 12th: 4.60 left, and in the
    // base currency 15.33 - base(6.90) = 15.33 - 9.20.
    assert_eq!(
        find(&at("2024-11-12"), "inv-u"),
        Some((d("4.60"), d("6.13")))
    );
    // Paid in full on the 20th: not listed from then on.
    assert_eq!(find(&at("2024-11-20"), "inv-u"), None);
    // The credit note, a credit until it is allocated on the 10th.
    assert_eq!(
        find(&at("2024-11-09"), "cn-u"),
        Some((d("-2.30"), d("-2.88")))
    );
    assert_eq!(find(&at("2024-11-10"), "cn-u"), None);
    // The bill, paid on the 25th.
    assert_eq!(
        find(&at("2024-11-24"), "bill-1"),
        Some((d("46.00"), d("46.00")))
    );
    assert_eq!(find(&at("2024-11-25"), "bill-1"), None);
    // The overpayment's lines were converted one by one (9.52), the part
    // used converts on the running total: 9.52 - base(5.00) = 9.52 - 7.14.
    assert_eq!(
        find(&at("2024-11-18"), "op-1"),
        Some((d("-1.66"), d("-2.38")))
    );
}

#[test]
fn a_prepayment_is_outstanding_but_not_in_the_control_account() {
    let f = Fixture::new();
    let a = aged(&f.books(), &ctx(), day("2024-11-16"));
    let pp: Vec<_> = a
        .outstanding
        .iter()
        .filter(|o| o.document.kind == AgedKind::Prepayment)
        .collect();
    assert_eq!(pp.len(), 1);
    assert!(!pp[0].document.in_control);
    assert_eq!((pp[0].amount, pp[0].base), (d("-23.00"), d("-23.00")));
    assert_eq!(a.base_total(Side::Receivable, false).unwrap(), d("-23.00"));
    // The invoice it was used on: 115.00 less 15.00 paid and 23.00 used.
    let inv = a
        .outstanding
        .iter()
        .find(|o| o.document.id == "inv-n")
        .unwrap();
    assert_eq!(inv.amount, d("77.00"));
    assert_eq!(inv.document.contact_name.as_deref(), Some("Bell"));
    assert_eq!(inv.document.due_date, day("2024-11-10"));
    // A credit without a due date is aged by its date.
    let op = a
        .outstanding
        .iter()
        .find(|o| o.document.id == "op-1")
        .unwrap();
    assert_eq!(op.document.due_date, day("2024-11-06"));
}

#[test]
fn drafts_and_voided_documents_are_not_outstanding_and_unreadable_ones_are_named() {
    let invoices: Vec<Invoice> = vec![
        read(json!({
            "InvoiceID": "draft", "Type": "ACCREC", "Date": "2024-11-01", "Status": "DRAFT",
            "LineItems": [{"AccountCode": "200", "LineAmount": "5.00"}], "Total": "5.00"
        })),
        read(json!({
            "InvoiceID": "bad", "InvoiceNumber": "INV-BAD", "Type": "ACCREC", "Date": "2024-11-01",
            "Status": "AUTHORISED", "CurrencyCode": "EUR",
            "LineItems": [{"AccountCode": "200", "LineAmount": "5.00", "TaxAmount": "0"}]
        })),
    ];
    let books = Books {
        invoices: &invoices,
        ..Books::default()
    };
    let a = aged(&books, &ctx(), day("2024-12-01"));
    assert!(a.outstanding.is_empty());
    assert_eq!(a.errors.len(), 1);
    assert_eq!(a.errors, rebuild(&books, ctx()).errors);
}

// ---------------------------------------------------------------------------
// The property: random books, every day.

/// (day, cents, pay rate) of a payment.
type GenPayment = (i64, i64, i64);
/// (sales?, rate in ten-thousandths or base, cents, day, payments).
type GenInvoice = (bool, Option<i64>, i64, i64, Vec<GenPayment>);

#[derive(Debug, Clone)]
struct Gen {
    /// (sales?, rate in ten-thousandths or base, cents, day, payments: (day, cents, pay rate))
    invoices: Vec<GenInvoice>,
    /// (sales?, cents, day, allocation to invoice index at day of cents)
    credits: Vec<(bool, i64, i64, usize, i64, i64)>,
}

fn gen() -> impl Strategy<Value = Gen> {
    let invoice = (
        any::<bool>(),
        prop::option::of(3_000i64..30_000),
        100i64..1_000_000,
        0i64..40,
        prop::collection::vec((0i64..60, 1i64..400_000, 3_000i64..30_000), 0..4),
    );
    let credit = (
        any::<bool>(),
        100i64..300_000,
        0i64..40,
        0usize..6,
        0i64..60,
        1i64..100_000,
    );
    (
        prop::collection::vec(invoice, 1..6),
        prop::collection::vec(credit, 0..3),
    )
        .prop_map(|(invoices, credits)| Gen { invoices, credits })
}

fn date_of(n: i64) -> String {
    (day("2024-11-01").0 + chrono::Duration::days(n))
        .format("%Y-%m-%d")
        .to_string()
}

fn money(cents: i64) -> String {
    Decimal::new(cents, 2).to_string()
}

impl Gen {
    /// Invoices, credit notes and payments as Xero would hold them: a
    /// document is never settled beyond its total, and a credit note is in
    /// the currency and on the side of the invoice it is allocated to.
    fn books(&self) -> (Vec<Invoice>, Vec<CreditNote>, Vec<Payment>) {
        let mut invoices = Vec::new();
        let mut payments = Vec::new();
        let mut left: Vec<i64> = Vec::new();
        for (i, (sales, rate, cents, date, pays)) in self.invoices.iter().enumerate() {
            let ty = if *sales { "ACCREC" } else { "ACCPAY" };
            let mut v = json!({
                "InvoiceID": format!("inv-{i}"), "Type": ty, "Date": date_of(*date),
                "DueDate": date_of(date + 14), "Status": "AUTHORISED", "LineAmountTypes": "NoTax",
                "LineItems": [{"AccountCode": "200", "LineAmount": money(*cents)}],
                "Total": money(*cents)
            });
            if let Some(r) = rate {
                v["CurrencyCode"] = json!("USD");
                v["CurrencyRate"] = json!(Decimal::new(*r, 4).to_string());
            }
            invoices.push(read::<Invoice>(v));
            let mut remaining = *cents;
            for (k, (pday, pcents, prate)) in pays.iter().enumerate() {
                let amount = (*pcents).min(remaining);
                if amount == 0 {
                    continue;
                }
                remaining -= amount;
                payments.push(read::<Payment>(json!({
                    "PaymentID": format!("pay-{i}-{k}"), "Date": date_of(date + pday),
                    "Status": "AUTHORISED",
                    "PaymentType": if *sales { "ACCRECPAYMENT" } else { "ACCPAYPAYMENT" },
                    "Amount": money(amount),
                    "CurrencyRate": Decimal::new(if rate.is_some() { *prate } else { 10_000 }, 4).to_string(),
                    "Account": {"Code": "090"},
                    "Invoice": {"InvoiceID": format!("inv-{i}")}
                })));
            }
            left.push(remaining);
        }
        let mut credit_notes = Vec::new();
        for (k, (_, cents, date, target, aday, acents)) in self.credits.iter().enumerate() {
            let t = target % self.invoices.len();
            let (sales, rate, _, idate, _) = &self.invoices[t];
            let amount = (*acents).min(*cents).min(left[t]);
            left[t] -= amount;
            let mut v = json!({
                "CreditNoteID": format!("cn-{k}"),
                "Type": if *sales { "ACCRECCREDIT" } else { "ACCPAYCREDIT" },
                "Date": date_of(*date), "Status": "AUTHORISED", "LineAmountTypes": "NoTax",
                "LineItems": [{"AccountCode": "200", "LineAmount": money(*cents)}],
                "Total": money(*cents),
                "Allocations": []
            });
            if amount > 0 {
                v["Allocations"] = json!([{
                    "AllocationID": format!("al-{k}"), "Amount": money(amount),
                    "Date": date_of((*date).max(*idate) + aday),
                    "Invoice": {"InvoiceID": format!("inv-{t}")}
                }]);
            }
            if let Some(r) = rate {
                // Its own rate, near the invoice's.
                v["CurrencyCode"] = json!("USD");
                v["CurrencyRate"] = json!(Decimal::new(r + 77, 4).to_string());
            }
            credit_notes.push(read::<CreditNote>(v));
        }
        (invoices, credit_notes, payments)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// However the documents are settled, in whatever currency and parts,
    /// on every day the base sum of what is outstanding equals the control
    /// account's lines up to that day, for receivables and payables; and
    /// in each document's own currency what is outstanding is its total
    /// less what settled it by then.
    #[test]
    fn on_every_day_the_aged_total_is_the_control_account(g in gen()) {
        let (invoices, credit_notes, payments) = g.books();
        let books = Books {
            invoices: &invoices,
            credit_notes: &credit_notes,
            payments: &payments,
            ..Books::default()
        };
        let rebuilt = rebuild(&books, ctx());
        prop_assert!(rebuilt.errors.is_empty(), "{:?}", rebuilt.errors);
        // The kept copy the ledger's rebuild writes: each document with the
        // day it is settled for good, and every settlement, one document at
        // a time.
        let documents: Vec<Document<'_>> = invoices.iter().map(Document::Invoice)
            .chain(credit_notes.iter().map(Document::CreditNote))
            .chain(payments.iter().map(Document::Payment))
            .collect();
        let settlements: Vec<_> = documents.iter().flat_map(|d| settlements_of(*d)).collect();
        prop_assert_eq!(settlements.len(), books.settlements().len());
        let kept: Vec<_> = documents.iter()
            .filter_map(|d| aged_document(*d, &ctx()).unwrap())
            .map(|a| { let from = settled_from(&a, &settlements); (a, from) })
            .collect();
        for n in (-1..110).step_by(3) {
            let as_at = day(&date_of(n));
            let a = aged(&books, &ctx(), as_at);
            prop_assert!(a.errors.is_empty(), "{:?}", a.errors);
            // Read as the store reads the copy: only the documents not yet
            // settled for good, with their settlements up to the day.
            let open: Vec<_> = kept.iter()
                .filter(|(_, from)| from.is_none_or(|f| f > as_at))
                .map(|(d, _)| d.clone())
                .collect();
            let theirs: Vec<_> = settlements.iter()
                .filter(|s| s.date <= as_at && open.iter().any(|d| d.id == s.document_id))
                .cloned()
                .collect();
            prop_assert_eq!(&outstanding_at(open, &theirs, as_at).unwrap(), &a.outstanding);
            prop_assert_eq!(
                a.base_total(Side::Receivable, true).unwrap(),
                control_at(&rebuilt.lines, "610", as_at),
                "receivables at {}", as_at
            );
            prop_assert_eq!(
                a.base_total(Side::Payable, true).unwrap(),
                -control_at(&rebuilt.lines, "800", as_at),
                "payables at {}", as_at
            );
            // Own currency: total less settled, from the documents themselves.
            for o in &a.outstanding {
                prop_assert!(o.document.date <= as_at);
                let settled: Decimal = payments
                    .iter()
                    .filter(|p| p.date.unwrap() <= as_at
                        && p.invoice.as_ref().and_then(|i| i.invoice_id.as_deref()) == Some(o.document.id.as_str()))
                    .map(|p| p.amount.unwrap().as_decimal())
                    .chain(credit_notes.iter().flat_map(|c| {
                        c.allocations.iter().filter(|al| {
                            al.date.unwrap() <= as_at
                                && (c.credit_note_id == o.document.id
                                    || al.invoice.as_ref().and_then(|i| i.invoice_id.as_deref())
                                        == Some(o.document.id.as_str()))
                        })
                        .map(|al| al.amount.unwrap().as_decimal())
                    }))
                    .sum();
                let total = o.document.total.abs();
                prop_assert_eq!(o.amount.abs(), total - settled, "{}", o.document.id);
                prop_assert!(!o.amount.is_zero(), "a document settled in full is not listed");
            }
        }
    }
}
