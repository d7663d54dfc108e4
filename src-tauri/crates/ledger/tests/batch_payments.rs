//! A batch payment groups payments that each post on their own: the batch
//! posts nothing, so the general ledger counts every payment once.

mod common;

use common::{ctx, d, on, read};
use ledgerkeep_domain::xero::{BatchPayment, Invoice, Payment};
use ledgerkeep_ledger::{post, rebuild, trial_balance, Books, Document};
use serde_json::json;

fn bill(id: &str, total: &str) -> Invoice {
    read(json!({
        "InvoiceID": id, "Type": "ACCPAY", "Date": "2024-11-01", "Status": "PAID",
        "LineAmountTypes": "Exclusive",
        "LineItems": [{"AccountCode": "429", "LineAmount": total, "TaxAmount": "0"}],
        "Total": total
    }))
}

fn paid(id: &str, bill: &str, amount: &str) -> Payment {
    read(json!({
        "PaymentID": id, "Date": "2024-11-20", "Status": "AUTHORISED",
        "PaymentType": "ACCPAYPAYMENT", "Amount": amount, "Account": {"Code": "090"},
        "Invoice": {"InvoiceID": bill}, "BatchPaymentID": "batch-1"
    }))
}

#[test]
fn a_batch_posts_nothing_and_its_payments_post_once() {
    let invoices = vec![
        bill("b1", "120.00"),
        bill("b2", "80.50"),
        bill("b3", "0.05"),
    ];
    let payments = vec![
        paid("p1", "b1", "120.00"),
        paid("p2", "b2", "80.50"),
        paid("p3", "b3", "0.05"),
    ];
    let batches: Vec<BatchPayment> = vec![read(json!({
        "BatchPaymentID": "batch-1", "Type": "PAYBATCH", "Status": "AUTHORISED",
        "Date": "2024-11-20", "Account": {"Code": "090"}, "TotalAmount": "200.55",
        "Payments": [
            {"PaymentID": "p1", "Amount": "120.00", "Invoice": {"InvoiceID": "b1"}},
            {"PaymentID": "p2", "Amount": "80.50", "Invoice": {"InvoiceID": "b2"}},
            {"PaymentID": "p3", "Amount": "0.05", "Invoice": {"InvoiceID": "b3"}}
        ]
    }))];

    // The batch on its own: no lines, whatever it totals.
    let alone = post(Document::BatchPayment(&batches[0]), &ctx()).unwrap();
    assert!(alone.is_empty());

    let without = Books {
        invoices: &invoices,
        payments: &payments,
        ..Books::default()
    };
    let with = Books {
        batch_payments: &batches,
        ..without
    };
    let a = rebuild(&without, ctx());
    let b = rebuild(&with, ctx());
    assert!(a.errors.is_empty() && b.errors.is_empty(), "{:?}", b.errors);
    assert_eq!(
        trial_balance(&a.lines).unwrap(),
        trial_balance(&b.lines).unwrap()
    );
    assert_eq!(a.lines.len(), b.lines.len());
    assert!(b.lines.iter().all(|l| l.source.document_id != "batch-1"));
    // The bank pays the batch's total once, and the bills are cleared.
    assert_eq!(on(&b.lines, "090"), -d("200.55"));
    assert_eq!(on(&b.lines, "800"), d("0"));
}

#[test]
fn a_deleted_batch_posts_nothing_either() {
    let batch: BatchPayment = read(json!({
        "BatchPaymentID": "batch-2", "Type": "RECBATCH", "Status": "DELETED",
        "Date": "2024-11-20", "Account": {"Code": "090"}, "TotalAmount": "10.00"
    }));
    assert!(post(Document::BatchPayment(&batch), &ctx())
        .unwrap()
        .is_empty());
}
