//! A small organisation's books rebuilt at once: the links between documents
//! are found by `rebuild` itself.

mod common;

use common::{ctx, d, on, read};
use ledgerkeep_domain::xero::{CreditNote, Invoice, Payment};
use ledgerkeep_ledger::{rebuild, trial_balance, Books, LineRole, PostingError};
use serde_json::json;

#[test]
fn a_foreign_invoice_credited_and_paid_in_two_parts_leaves_receivables_at_zero() {
    let invoices: Vec<Invoice> = vec![
        read(json!({
            "InvoiceID": "inv-u", "Type": "ACCREC", "Date": "2024-11-01", "Status": "PAID",
            "CurrencyCode": "USD", "CurrencyRate": "0.75", "LineAmountTypes": "Exclusive",
            "LineItems": [{"AccountCode": "200", "LineAmount": "10.00", "TaxAmount": "1.50"}],
            "Total": "11.50"
        })),
        read(json!({
            "InvoiceID": "inv-v", "Type": "ACCREC", "Date": "2024-11-01", "Status": "VOIDED",
            "LineItems": [{"AccountCode": "200", "LineAmount": "99.00", "TaxAmount": "0"}]
        })),
        read(json!({
            "InvoiceID": "inv-bad", "InvoiceNumber": "INV-BAD", "Type": "ACCREC", "Date": "2024-11-01",
            "Status": "AUTHORISED", "CurrencyCode": "EUR",
            "LineItems": [{"AccountCode": "200", "LineAmount": "5.00", "TaxAmount": "0"}]
        })),
    ];
    let credit_notes: Vec<CreditNote> = vec![read(json!({
        "CreditNoteID": "cn-u", "Type": "ACCRECCREDIT", "Date": "2024-11-05", "Status": "PAID",
        "CurrencyCode": "USD", "CurrencyRate": "0.80", "LineAmountTypes": "Exclusive",
        "LineItems": [{"AccountCode": "200", "LineAmount": "2.00", "TaxAmount": "0.30"}],
        "Total": "2.30",
        "Allocations": [{"AllocationID": "a1", "Amount": "2.30", "Date": "2024-11-10", "Invoice": {"InvoiceID": "inv-u"}}]
    }))];
    let pay = |id: &str, date: &str, rate: &str, status: &str| -> Payment {
        read(json!({
            "PaymentID": id, "Date": date, "Status": status, "PaymentType": "ACCRECPAYMENT",
            "Amount": "4.60", "CurrencyRate": rate, "Account": {"Code": "090"},
            "Invoice": {"InvoiceID": "inv-u", "CurrencyCode": "USD"}
        }))
    };
    // Listed out of date order on purpose: the order is the dates'.
    let payments = vec![
        pay("p2", "2024-11-20", "0.72", "AUTHORISED"),
        pay("p1", "2024-11-12", "0.70", "AUTHORISED"),
        pay("p0", "2024-11-11", "0.70", "DELETED"),
    ];
    let books = Books {
        invoices: &invoices,
        credit_notes: &credit_notes,
        payments: &payments,
        ..Books::default()
    };
    let rebuilt = rebuild(&books, ctx());
    // The EUR invoice has no rate: refused by name, and the rest still posts.
    assert_eq!(rebuilt.errors.len(), 1);
    assert!(
        matches!(&rebuilt.errors[0], PostingError::BadRate { document, .. } if document == "invoice INV-BAD")
    );
    let lines = &rebuilt.lines;
    assert!(lines
        .iter()
        .all(|l| l.source.document_id != "inv-v" && l.source.document_id != "p0"));

    // Booked: 11.50 / 0.75 = 15.33. The credit note: 2.30 / 0.80 = 2.88.
    // Settlements of inv-u in date order: a1 (2.30, nothing before), p1
    // (4.60, 2.30 before), p2 (4.60, 6.90 before). Each clears the change in
    // the converted running total: a1 3.07 - 0 = 3.07 (against the credit's
    // 2.88: a loss of 0.19), p1 9.20 - 3.07 = 6.13, p2 15.33 - 9.20 = 6.13.
    let control_of = |id: &str| -> Vec<_> {
        lines
            .iter()
            .filter(|l| l.source.document_id == id && l.role == LineRole::Control)
            .map(|l| l.amount)
            .collect()
    };
    assert_eq!(control_of("inv-u"), vec![d("15.33")]);
    assert_eq!(control_of("cn-u"), vec![d("-2.88"), d("2.88"), d("-3.07")]);
    assert_eq!(control_of("p1"), vec![d("-6.13")]);
    assert_eq!(control_of("p2"), vec![d("-6.13")]);
    assert_eq!(on(lines, "610"), d("0"));
    // Bank: 4.60 / 0.70 = 6.57 and 4.60 / 0.72 = 6.39. Gains: the allocation's
    // loss 0.19, then gains of 6.57 - 6.13 = 0.44 and 6.39 - 6.13 = 0.26.
    assert_eq!(on(lines, "090"), d("12.96"));
    assert_eq!(on(lines, "497"), d("-0.51"));
    let tb = trial_balance(lines).unwrap();
    assert!(tb
        .values()
        .map(|s| s.net)
        .sum::<rust_decimal::Decimal>()
        .is_zero());
}
