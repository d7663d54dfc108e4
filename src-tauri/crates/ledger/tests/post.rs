//! Each document type posted, with the expected lines worked out by hand.

mod common;

use common::{ctx, d, expect, on, read};
use ledgerkeep_domain::xero::{
    BankTransaction, BankTransfer, CreditNote, Invoice, ManualJournal, Overpayment, Payment,
    Prepayment,
};
use ledgerkeep_ledger::{
    linked, monthly_balances, post, settled_before, trial_balance, AccountKey, Document, LineRole,
    LinkedDocument, Month, PostingError, Settlement, Side, SourceKind,
};
use serde_json::json;

use LineRole::{Bank, Control, CurrencyGain, Item, Rounding, Tax};

fn sale() -> Invoice {
    read(json!({
        "InvoiceID": "inv-1", "Type": "ACCREC", "InvoiceNumber": "INV-0001",
        "Date": "/Date(1730419200000+0000)/", "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive", "CurrencyCode": "NZD", "CurrencyRate": 1.000000,
        "LineItems": [
            {"LineItemID": "l1", "Description": "Widgets", "AccountCode": "200", "TaxType": "OUTPUT2",
             "LineAmount": 100.00, "TaxAmount": 15.00,
             "Tracking": [{"TrackingCategoryID": "tc", "TrackingOptionID": "to", "Name": "Region", "Option": "North"}]},
            {"LineItemID": "l2", "AccountCode": "260", "TaxType": "OUTPUT2", "LineAmount": 50.00, "TaxAmount": 7.50}
        ],
        "SubTotal": 150.00, "TotalTax": 22.50, "Total": 172.50
    }))
}

#[test]
fn a_sales_invoice_debits_receivables_and_credits_each_line_and_its_tax() {
    let p = post(Document::Invoice(&sale()), &ctx()).unwrap();
    // Total 100 + 15 + 50 + 7.50 = 172.50 to receivables; each net and tax credited.
    expect(
        &p,
        &[
            ("610", "172.50", Control),
            ("200", "-100.00", Item),
            ("820", "-15.00", Tax),
            ("260", "-50.00", Item),
            ("820", "-7.50", Tax),
        ],
    );
    let first = &p.lines[1];
    assert_eq!(first.source.kind, SourceKind::AccRec);
    assert_eq!(first.source.document_id, "inv-1");
    assert_eq!(first.source.line_id.as_deref(), Some("l1"));
    assert_eq!(first.tax_type.as_deref(), Some("OUTPUT2"));
    assert_eq!(first.tracking[0].option.as_deref(), Some("North"));
    assert_eq!(first.description.as_deref(), Some("Widgets"));
    assert!(first.foreign.is_none());
    assert_eq!(first.date.to_string(), "2024-11-01");
    assert_eq!(p.debits(), Some(d("172.50")));
    assert_eq!(p.credits(), Some(d("172.50")));
}

#[test]
fn a_bill_with_tax_inclusive_lines_credits_payables_and_splits_net_from_tax() {
    let bill: Invoice = read(json!({
        "InvoiceID": "bill-1", "Type": "ACCPAY", "Date": "2024-11-02", "Status": "PAID",
        "LineAmountTypes": "Inclusive",
        "LineItems": [{"LineItemID": "b1", "AccountCode": "429", "TaxType": "INPUT2", "LineAmount": 115.00, "TaxAmount": 15.00}],
        "Total": 115.00
    }));
    let p = post(Document::Invoice(&bill), &ctx()).unwrap();
    // Inclusive: net = 115 - 15 = 100.
    expect(
        &p,
        &[
            ("800", "-115.00", Control),
            ("429", "100.00", Item),
            ("820", "15.00", Tax),
        ],
    );
    assert_eq!(p.lines[0].source.kind, SourceKind::AccPay);
}

#[test]
fn documents_that_are_not_approved_post_nothing_and_an_unknown_status_is_refused() {
    for status in ["DRAFT", "SUBMITTED", "DELETED", "VOIDED", "voided"] {
        let mut inv = sale();
        inv.status = Some(status.into());
        assert!(
            post(Document::Invoice(&inv), &ctx()).unwrap().is_empty(),
            "{status}"
        );
    }
    let mut inv = sale();
    inv.status = Some("ARCHIVED".into());
    let err = post(Document::Invoice(&inv), &ctx()).unwrap_err();
    assert!(
        matches!(
            err,
            PostingError::Unknown {
                field: "Status",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("INV-0001"), "{err}");
}

#[test]
fn a_foreign_invoice_converts_each_line_and_puts_the_cents_left_over_to_rounding() {
    let inv: Invoice = read(json!({
        "InvoiceID": "usd-1", "Type": "ACCREC", "Date": "2024-11-03", "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive", "CurrencyCode": "USD", "CurrencyRate": 0.750000,
        "LineItems": [
            {"AccountCode": "200", "LineAmount": 10.00, "TaxAmount": 1.50},
            {"AccountCode": "200", "LineAmount": 10.00, "TaxAmount": 1.50}
        ],
        "Total": 23.00
    }));
    let p = post(Document::Invoice(&inv), &ctx()).unwrap();
    // 0.75 USD per NZD: 23 / 0.75 = 30.666.. -> 30.67; 10 / 0.75 = 13.333.. -> 13.33;
    // 1.50 / 0.75 = 2.00. Lines: 13.33 + 2 + 13.33 + 2 = 30.66, a cent short of 30.67.
    expect(
        &p,
        &[
            ("610", "30.67", Control),
            ("200", "-13.33", Item),
            ("820", "-2.00", Tax),
            ("200", "-13.33", Item),
            ("820", "-2.00", Tax),
            ("860", "-0.01", Rounding),
        ],
    );
    let usd = p.lines[0].foreign.as_ref().unwrap();
    assert_eq!((usd.currency.as_str(), usd.amount), ("USD", d("23.00")));
    assert!(p.lines[5].foreign.is_none());
}

#[test]
fn a_foreign_document_without_a_usable_rate_is_refused() {
    let mut inv: Invoice = read(json!({
        "InvoiceID": "usd-2", "Type": "ACCREC", "Date": "2024-11-03", "Status": "AUTHORISED",
        "CurrencyCode": "USD",
        "LineItems": [{"AccountCode": "200", "LineAmount": 10.00, "TaxAmount": 0}],
        "Total": 10.00
    }));
    let err = post(Document::Invoice(&inv), &ctx()).unwrap_err();
    assert!(matches!(err, PostingError::BadRate { .. }), "{err}");
    inv.currency_rate = Some(ledgerkeep_domain::Money::ZERO);
    assert!(matches!(
        post(Document::Invoice(&inv), &ctx()),
        Err(PostingError::BadRate { .. })
    ));
}

#[test]
fn a_total_that_disagrees_with_the_lines_and_a_line_without_account_are_refused() {
    let mut inv = sale();
    inv.total = Some(ledgerkeep_domain::Money::new(d("172.49")));
    let err = post(Document::Invoice(&inv), &ctx()).unwrap_err();
    assert_eq!(
        err,
        PostingError::TotalMismatch {
            document: "invoice INV-0001".into(),
            stated: d("172.49"),
            computed: d("172.50"),
        }
    );
    let mut inv = sale();
    inv.line_items[1].account_code = None;
    assert!(matches!(
        post(Document::Invoice(&inv), &ctx()),
        Err(PostingError::LineWithoutAccount { line: 2, .. })
    ));
}

#[test]
fn amounts_too_large_to_add_are_an_error_not_a_panic() {
    let inv: Invoice = read(json!({
        "InvoiceID": "big", "Type": "ACCREC", "Date": "2024-11-03", "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "LineItems": [
            {"AccountCode": "200", "LineAmount": "79228162514264337593543950335", "TaxAmount": 0},
            {"AccountCode": "200", "LineAmount": "79228162514264337593543950335", "TaxAmount": 0}
        ]
    }));
    assert!(matches!(
        post(Document::Invoice(&inv), &ctx()),
        Err(PostingError::Overflow { .. })
    ));
}

#[test]
fn a_credit_note_posts_the_reverse_and_its_allocation_in_one_currency_posts_nothing() {
    let cn: CreditNote = read(json!({
        "CreditNoteID": "cn-1", "Type": "ACCRECCREDIT", "CreditNoteNumber": "CN-0001",
        "Date": "2024-11-05", "Status": "PAID", "LineAmountTypes": "Exclusive",
        "LineItems": [{"LineItemID": "c1", "AccountCode": "200", "LineAmount": 40.00, "TaxAmount": 6.00}],
        "Total": 46.00,
        "Allocations": [{"AllocationID": "a1", "Amount": 46.00, "Date": "2024-11-06", "Invoice": {"InvoiceID": "inv-1"}}]
    }));
    let p = post(Document::CreditNote(&cn), &ctx()).unwrap();
    expect(
        &p,
        &[
            ("610", "-46.00", Control),
            ("200", "40.00", Item),
            ("820", "6.00", Tax),
        ],
    );
    assert_eq!(p.lines[0].source.kind, SourceKind::AccRecCredit);
}

fn usd_credit_note() -> CreditNote {
    read(json!({
        "CreditNoteID": "cn-usd", "Type": "ACCRECCREDIT", "Date": "2024-11-05", "Status": "PAID",
        "LineAmountTypes": "NoTax", "CurrencyCode": "USD", "CurrencyRate": 0.8,
        "LineItems": [{"AccountCode": "200", "LineAmount": 20.00}],
        "Total": 20.00,
        "Allocations": [{"AllocationID": "a-usd", "Amount": 20.00, "Date": "2024-12-01", "Invoice": {"InvoiceID": "usd-1"}}]
    }))
}

#[test]
fn a_foreign_allocation_at_another_rate_than_the_invoice_realises_the_difference() {
    let ctx = ctx().with_linked(
        "usd-1",
        LinkedDocument::foreign(Side::Receivable, "USD", d("0.75")),
    );
    let p = post(Document::CreditNote(&usd_credit_note()), &ctx).unwrap();
    // The credit note: 20 / 0.8 = 25.00. The invoice was booked at 0.75:
    // 20 / 0.75 = 26.67. Allocating clears 25.00 of credit against 26.67 of
    // receivable: a loss of 1.67, a debit to currency gains.
    expect(
        &p,
        &[
            ("610", "-25.00", Control),
            ("200", "25.00", Item),
            ("610", "25.00", Control),
            ("610", "-26.67", Control),
            ("497", "1.67", CurrencyGain),
        ],
    );
    let alloc = &p.lines[4];
    assert_eq!(alloc.source.line_id.as_deref(), Some("a-usd"));
    assert_eq!(alloc.date.to_string(), "2024-12-01");
}

#[test]
fn a_foreign_allocation_to_an_invoice_the_ledger_does_not_hold_is_refused() {
    let err = post(Document::CreditNote(&usd_credit_note()), &ctx()).unwrap_err();
    assert_eq!(
        err,
        PostingError::MissingLinked {
            document: "credit note cn-usd".into(),
            linked: "usd-1".into(),
        }
    );
}

fn payment(v: serde_json::Value) -> Payment {
    let mut base = json!({
        "PaymentID": "pay-1", "Date": "2024-11-10", "Status": "AUTHORISED",
        "PaymentType": "ACCRECPAYMENT", "Amount": 172.50,
        "Account": {"AccountID": "bank-090", "Code": "090"},
        "Invoice": {"InvoiceID": "inv-1", "CurrencyCode": "NZD"}
    });
    if let (Some(b), Some(o)) = (base.as_object_mut(), v.as_object()) {
        for (k, val) in o {
            b.insert(k.clone(), val.clone());
        }
    }
    read(base)
}

#[test]
fn payments_move_money_between_the_bank_and_the_control_account() {
    let p = post(Document::Payment(&payment(json!({}))), &ctx()).unwrap();
    expect(&p, &[("090", "172.50", Bank), ("610", "-172.50", Control)]);
    assert_eq!(p.lines[0].account.account_id.as_deref(), Some("bank-090"));
    assert_eq!(p.lines[0].source.kind, SourceKind::AccRecPayment);

    let bill = payment(json!({"PaymentType": "ACCPAYPAYMENT", "Amount": 115.00}));
    let p = post(Document::Payment(&bill), &ctx()).unwrap();
    expect(&p, &[("090", "-115.00", Bank), ("800", "115.00", Control)]);

    // A refund to a customer of their credit note: money out, receivables debited.
    let refund = payment(json!({"PaymentType": "ARCREDITPAYMENT", "Amount": 46.00}));
    let p = post(Document::Payment(&refund), &ctx()).unwrap();
    expect(&p, &[("090", "-46.00", Bank), ("610", "46.00", Control)]);

    // A supplier refunding its overpayment: money in, payables credited.
    let back = payment(json!({"PaymentType": "APOVERPAYMENTPAYMENT", "Amount": 50.00}));
    let p = post(Document::Payment(&back), &ctx()).unwrap();
    expect(&p, &[("090", "50.00", Bank), ("800", "-50.00", Control)]);

    let deleted = payment(json!({"Status": "DELETED"}));
    assert!(post(Document::Payment(&deleted), &ctx())
        .unwrap()
        .is_empty());
}

#[test]
fn a_foreign_payment_books_the_bank_at_its_rate_and_the_receivable_at_the_invoices() {
    let ctx = ctx().with_linked(
        "usd-1",
        LinkedDocument::foreign(Side::Receivable, "USD", d("0.75")),
    );
    let usd = payment(json!({
        "Amount": 23.00, "CurrencyRate": 0.70,
        "Invoice": {"InvoiceID": "usd-1", "CurrencyCode": "USD"}
    }));
    let p = post(Document::Payment(&usd), &ctx).unwrap();
    // Bank: 23 / 0.70 = 32.857.. -> 32.86. Receivable as booked: 23 / 0.75 = 30.67.
    // The customer's dollars bought 2.19 more than booked: a gain, a credit.
    expect(
        &p,
        &[
            ("090", "32.86", Bank),
            ("610", "-30.67", Control),
            ("497", "-2.19", CurrencyGain),
        ],
    );
    // A base-currency bank account says what it received: 33.00.
    let banked = payment(json!({
        "Amount": 23.00, "CurrencyRate": 0.70, "BankAmount": 33.00,
        "Account": {"AccountID": "bank-090", "Code": "090", "CurrencyCode": "NZD"},
        "Invoice": {"InvoiceID": "usd-1", "CurrencyCode": "USD"}
    }));
    let p = post(Document::Payment(&banked), &ctx).unwrap();
    expect(
        &p,
        &[
            ("090", "33.00", Bank),
            ("610", "-30.67", Control),
            ("497", "-2.33", CurrencyGain),
        ],
    );
    // Without the invoice in the ledger, the rate it was booked at is unknown.
    assert!(matches!(
        post(Document::Payment(&usd), &common::ctx()),
        Err(PostingError::MissingLinked { .. })
    ));
}

fn bank_transaction(ty: &str) -> BankTransaction {
    read(json!({
        "BankTransactionID": "bt-1", "Type": ty, "Date": "2024-11-12", "Status": "AUTHORISED",
        "BankAccount": {"AccountID": "bank-090"},
        "LineAmountTypes": "Exclusive",
        "LineItems": [{"LineItemID": "t1", "AccountCode": "260", "TaxType": "OUTPUT2", "LineAmount": 20.00, "TaxAmount": 3.00}],
        "Total": 23.00
    }))
}

#[test]
fn bank_transactions_post_the_bank_against_their_lines() {
    let p = post(
        Document::BankTransaction(&bank_transaction("RECEIVE")),
        &ctx(),
    )
    .unwrap();
    expect(
        &p,
        &[
            ("bank-090", "23.00", Bank),
            ("260", "-20.00", Item),
            ("820", "-3.00", Tax),
        ],
    );
    assert_eq!(p.lines[0].source.kind, SourceKind::CashRec);
    let p = post(
        Document::BankTransaction(&bank_transaction("SPEND")),
        &ctx(),
    )
    .unwrap();
    expect(
        &p,
        &[
            ("bank-090", "-23.00", Bank),
            ("260", "20.00", Item),
            ("820", "3.00", Tax),
        ],
    );
    assert_eq!(p.lines[0].source.kind, SourceKind::CashPaid);
}

#[test]
fn transfer_overpayment_and_prepayment_bank_transactions_are_posted_by_their_own_documents() {
    for ty in [
        "RECEIVE-TRANSFER",
        "SPEND-TRANSFER",
        "RECEIVE-OVERPAYMENT",
        "SPEND-PREPAYMENT",
    ] {
        let p = post(Document::BankTransaction(&bank_transaction(ty)), &ctx()).unwrap();
        assert!(p.is_empty(), "{ty}");
    }
    let mut deleted = bank_transaction("RECEIVE");
    deleted.status = Some("DELETED".into());
    assert!(post(Document::BankTransaction(&deleted), &ctx())
        .unwrap()
        .is_empty());
    let unknown = bank_transaction("RECEIVE-SOMETHING");
    assert!(matches!(
        post(Document::BankTransaction(&unknown), &ctx()),
        Err(PostingError::Unknown { field: "Type", .. })
    ));
}

#[test]
fn an_overpayment_puts_the_money_in_the_bank_and_the_credit_in_receivables() {
    let o: Overpayment = read(json!({
        "OverpaymentID": "op-1", "Type": "RECEIVE-OVERPAYMENT", "Date": "2024-11-15", "Status": "PAID",
        "LineAmountTypes": "NoTax",
        "LineItems": [{"LineItemID": "o1", "AccountCode": "610", "LineAmount": 50.00}],
        "Total": 50.00,
        "Allocations": [{"AllocationID": "oa", "Amount": 50.00, "Invoice": {"InvoiceID": "inv-1"}}]
    }));
    let err = post(Document::Overpayment(&o), &ctx()).unwrap_err();
    assert!(
        matches!(err, PostingError::MissingBankAccount { .. }),
        "{err}"
    );
    let ctx = ctx().with_bank_account("op-1", AccountKey::code("090"));
    let p = post(Document::Overpayment(&o), &ctx).unwrap();
    // Allocated in the base currency: receivable to receivable, nothing more.
    expect(&p, &[("090", "50.00", Bank), ("610", "-50.00", Control)]);
    assert_eq!(p.lines[0].source.kind, SourceKind::ArOverpayment);

    // Xero lists some overpayments with no lines: the total is the credit.
    let bare: Overpayment = read(json!({
        "OverpaymentID": "op-1", "Type": "SPEND-OVERPAYMENT", "Date": "2024-11-15",
        "Status": "AUTHORISED", "LineItems": [], "Total": 500.00
    }));
    let p = post(Document::Overpayment(&bare), &ctx).unwrap();
    expect(&p, &[("090", "-500.00", Bank), ("800", "500.00", Control)]);
    let mut voided = bare.clone();
    voided.status = Some("VOIDED".into());
    assert!(post(Document::Overpayment(&voided), &ctx)
        .unwrap()
        .is_empty());
}

#[test]
fn a_prepayment_posts_its_lines_and_its_allocation_reverses_them_in_share() {
    let pp: Prepayment = read(json!({
        "PrepaymentID": "pp-1", "Type": "RECEIVE-PREPAYMENT", "Date": "2024-11-20", "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "LineItems": [{"LineItemID": "p1", "AccountCode": "835", "TaxType": "OUTPUT2", "LineAmount": 100.00, "TaxAmount": 15.00}],
        "Total": 115.00,
        "Allocations": [{"AllocationID": "pa", "Amount": 46.00, "Date": "2024-12-02", "Invoice": {"InvoiceID": "inv-9"}}]
    }));
    let ctx = ctx().with_bank_account("pp-1", AccountKey::code("090"));
    let p = post(Document::Prepayment(&pp), &ctx).unwrap();
    // Receipt: 115 to the bank, 100 to revenue received in advance, 15 tax.
    // Allocating 46 of 115: 100 x 46/115 = 40.00 and 15 x 46/115 = 6.00 come
    // back out, and the invoice's receivable is credited 46.
    expect(
        &p,
        &[
            ("090", "115.00", Bank),
            ("835", "-100.00", Item),
            ("820", "-15.00", Tax),
            ("835", "40.00", Item),
            ("820", "6.00", Tax),
            ("610", "-46.00", Control),
        ],
    );
    assert_eq!(p.lines[5].source.line_id.as_deref(), Some("pa"));
    assert_eq!(p.lines[5].date.to_string(), "2024-12-02");
    assert_eq!(p.lines[0].source.kind, SourceKind::ArPrepayment);
}

#[test]
fn a_prepayment_share_that_does_not_divide_evenly_leaves_its_cent_to_rounding() {
    let pp: Prepayment = read(json!({
        "PrepaymentID": "pp-2", "Type": "SPEND-PREPAYMENT", "Date": "2024-11-20", "Status": "AUTHORISED",
        "LineAmountTypes": "NoTax",
        "LineItems": [
            {"AccountCode": "620", "LineAmount": 1.00},
            {"AccountCode": "621", "LineAmount": 2.00},
            {"AccountCode": "622", "LineAmount": 1.00}
        ],
        "Total": 4.00,
        "Allocations": [{"Amount": 1.00, "Invoice": {"InvoiceID": "bill-9"}}]
    }));
    let ctx = ctx().with_bank_account("pp-2", AccountKey::code("090"));
    let p = post(Document::Prepayment(&pp), &ctx).unwrap();
    // Shares of 1.00 over 1:2:1 are 0.25, 0.50, 0.25: exact. The bill's
    // payable is debited 1.00, and the prepaid accounts credited back.
    expect(
        &p,
        &[
            ("090", "-4.00", Bank),
            ("620", "1.00", Item),
            ("621", "2.00", Item),
            ("622", "1.00", Item),
            ("620", "-0.25", Item),
            ("621", "-0.50", Item),
            ("622", "-0.25", Item),
            ("800", "1.00", Control),
        ],
    );
    let mut thirds = pp.clone();
    thirds.line_items[1].line_amount = Some(ledgerkeep_domain::Money::new(d("1.00")));
    thirds.total = Some(ledgerkeep_domain::Money::new(d("3.00")));
    let p = post(Document::Prepayment(&thirds), &ctx).unwrap();
    // 1.00 x 1/3 = 0.333.. -> 0.33 for each line, 0.99 in all: the cent the
    // rounding leaves goes to the rounding account.
    expect(
        &p,
        &[
            ("090", "-3.00", Bank),
            ("620", "1.00", Item),
            ("621", "1.00", Item),
            ("622", "1.00", Item),
            ("620", "-0.33", Item),
            ("621", "-0.33", Item),
            ("622", "-0.33", Item),
            ("800", "1.00", Control),
            ("860", "-0.01", Rounding),
        ],
    );
}

#[test]
fn a_prepayment_used_up_in_three_parts_clears_each_of_its_lines_exactly() {
    let pp: Prepayment = read(json!({
        "PrepaymentID": "pp-3", "Type": "SPEND-PREPAYMENT", "Date": "2024-11-20", "Status": "PAID",
        "LineAmountTypes": "NoTax",
        "LineItems": [
            {"AccountCode": "620", "LineAmount": 1.00},
            {"AccountCode": "621", "LineAmount": 1.00},
            {"AccountCode": "622", "LineAmount": 1.00}
        ],
        "Total": 3.00,
        "Allocations": [
            {"AllocationID": "x3", "Amount": 1.00, "Date": "2024-12-03", "Invoice": {"InvoiceID": "bill-3"}},
            {"AllocationID": "x1", "Amount": 1.00, "Date": "2024-12-01", "Invoice": {"InvoiceID": "bill-1"}},
            {"AllocationID": "x2", "Amount": 1.00, "Date": "2024-12-02", "Invoice": {"InvoiceID": "bill-2"}}
        ]
    }));
    let order = settled_before(pp.allocations.iter().map(|a| Settlement {
        document_id: "pp-3".into(),
        settlement_id: a.allocation_id.clone().unwrap(),
        date: a.date.unwrap(),
        amount: a.amount.unwrap().as_decimal(),
    }))
    .unwrap();
    // In date order: x1 had nothing before it, x2 1.00, x3 2.00.
    assert_eq!(order[&("pp-3".to_owned(), "x3".to_owned())], d("2.00"));
    let ctx = ctx()
        .with_bank_account("pp-3", AccountKey::code("090"))
        .with_settled_before(order);
    let p = post(Document::Prepayment(&pp), &ctx).unwrap();
    // x1 uses 0.33 of each line (1/3 of 1.00), x2 0.67 - 0.33 = 0.34, x3
    // 1.00 - 0.67 = 0.33: each line is back at zero, and the rounding cents
    // (-0.01, +0.02, -0.01) net to zero.
    for code in ["620", "621", "622", "860"] {
        assert_eq!(on(&p.lines, code), d("0"), "{code}");
    }
    let x2: Vec<_> = p
        .lines
        .iter()
        .filter(|l| l.source.line_id.as_deref() == Some("x2") && l.role == Item)
        .map(|l| l.amount)
        .collect();
    assert_eq!(x2, vec![d("-0.34"), d("-0.34"), d("-0.34")]);
    assert_eq!(on(&p.lines, "800"), d("3.00"));
}

#[test]
fn a_foreign_invoice_paid_in_parts_clears_exactly_what_it_was_booked_at() {
    // 10.00 USD at 0.75: booked at 13.33 (13.333..).
    let linked = LinkedDocument::foreign(Side::Receivable, "USD", d("0.75"));
    let part = |id: &str, date: &str| {
        payment(json!({
            "PaymentID": id, "Date": date, "Amount": 5.00, "CurrencyRate": 0.75,
            "Invoice": {"InvoiceID": "usd-3", "CurrencyCode": "USD"}
        }))
    };
    let (first, second) = (part("p-a", "2024-12-01"), part("p-b", "2024-12-02"));
    let order = settled_before([&first, &second].iter().map(|p| Settlement {
        document_id: "usd-3".into(),
        settlement_id: p.payment_id.clone(),
        date: p.date.unwrap(),
        amount: p.amount.unwrap().as_decimal(),
    }))
    .unwrap();
    let ctx = ctx()
        .with_linked("usd-3", linked)
        .with_settled_before(order);
    let a = post(Document::Payment(&first), &ctx).unwrap();
    let b = post(Document::Payment(&second), &ctx).unwrap();
    // 5 / 0.75 = 6.666.. -> 6.67 each at the bank. The receivable: the first
    // clears 6.67 (of 0 -> 5.00), the second 13.33 - 6.67 = 6.66 (5.00 ->
    // 10.00); the cent between them is a currency difference.
    expect(&a, &[("090", "6.67", Bank), ("610", "-6.67", Control)]);
    expect(
        &b,
        &[
            ("090", "6.67", Bank),
            ("610", "-6.66", Control),
            ("497", "-0.01", CurrencyGain),
        ],
    );
}

#[test]
fn a_bank_transfer_moves_the_amount_from_one_bank_to_the_other() {
    let t: BankTransfer = read(json!({
        "BankTransferID": "tr-1", "Date": "2024-11-25", "Amount": 250.00, "CurrencyRate": 1,
        "FromBankAccount": {"AccountID": "bank-090", "Code": "090"},
        "ToBankAccount": {"AccountID": "bank-091", "Code": "091"}
    }));
    let p = post(Document::BankTransfer(&t), &ctx()).unwrap();
    expect(&p, &[("091", "250.00", Bank), ("090", "-250.00", Bank)]);
    assert_eq!(p.lines[0].source.kind, SourceKind::Transfer);

    let usd: BankTransfer = read(json!({
        "BankTransferID": "tr-2", "Date": "2024-11-25", "Amount": 100.00, "CurrencyRate": 0.5,
        "FromBankAccount": {"Code": "092", "CurrencyCode": "USD"},
        "ToBankAccount": {"Code": "090", "CurrencyCode": "NZD"}
    }));
    let p = post(Document::BankTransfer(&usd), &ctx()).unwrap();
    // 100 USD at 0.5 USD per NZD is 200 NZD.
    expect(&p, &[("090", "200.00", Bank), ("092", "-200.00", Bank)]);
}

#[test]
fn a_manual_journal_posts_each_line_and_must_balance() {
    let j: ManualJournal = read(json!({
        "ManualJournalID": "mj-1", "Date": "2024-11-28", "Status": "POSTED", "LineAmountTypes": "NoTax",
        "JournalLines": [
            {"LineAmount": 100.00, "AccountCode": "429", "Description": "Adjustment"},
            {"LineAmount": -100.00, "AccountCode": "970"}
        ]
    }));
    let p = post(Document::ManualJournal(&j), &ctx()).unwrap();
    expect(&p, &[("429", "100.00", Item), ("970", "-100.00", Item)]);
    assert_eq!(p.lines[0].source.kind, SourceKind::ManJournal);
    assert_eq!(p.lines[0].description.as_deref(), Some("Adjustment"));

    let mut draft = j.clone();
    draft.status = Some("DRAFT".into());
    assert!(post(Document::ManualJournal(&draft), &ctx())
        .unwrap()
        .is_empty());

    let taxed: ManualJournal = read(json!({
        "ManualJournalID": "mj-2", "Date": "2024-11-28", "Status": "POSTED", "LineAmountTypes": "Exclusive",
        "JournalLines": [
            {"LineAmount": 100.00, "TaxAmount": 15.00, "TaxType": "INPUT2", "AccountCode": "429"},
            {"LineAmount": -115.00, "AccountCode": "970"}
        ]
    }));
    let p = post(Document::ManualJournal(&taxed), &ctx()).unwrap();
    expect(
        &p,
        &[
            ("429", "100.00", Item),
            ("820", "15.00", Tax),
            ("970", "-115.00", Item),
        ],
    );

    let lopsided: ManualJournal = read(json!({
        "ManualJournalID": "mj-3", "Date": "2024-11-28", "Status": "POSTED",
        "JournalLines": [
            {"LineAmount": 100.00, "AccountCode": "429"},
            {"LineAmount": -99.00, "AccountCode": "970"}
        ]
    }));
    assert_eq!(
        post(Document::ManualJournal(&lopsided), &ctx()).unwrap_err(),
        PostingError::Unbalanced {
            document: "manual journal mj-3".into(),
            difference: d("1.00"),
        }
    );
    let tax_without_tax: ManualJournal = read(json!({
        "ManualJournalID": "mj-4", "Date": "2024-11-28", "Status": "POSTED", "LineAmountTypes": "NoTax",
        "JournalLines": [{"LineAmount": 100.00, "TaxAmount": 15.00, "AccountCode": "429"}]
    }));
    assert!(matches!(
        post(Document::ManualJournal(&tax_without_tax), &ctx()),
        Err(PostingError::TaxOnNoTaxLine { line: 1, .. })
    ));
}

#[test]
fn the_trial_balance_sums_each_account_and_each_month() {
    let mut lines = post(Document::Invoice(&sale()), &ctx()).unwrap().lines;
    let paid = payment(json!({"Date": "2024-12-03"}));
    lines.extend(post(Document::Payment(&paid), &ctx()).unwrap().lines);
    let tb = trial_balance(&lines).unwrap();
    let ar = tb[&AccountKey::code("610")];
    // 172.50 debited by the invoice, 172.50 credited by the payment.
    assert_eq!(
        (ar.debits, ar.credits, ar.net),
        (d("172.50"), d("172.50"), d("0.00"))
    );
    assert_eq!(tb[&AccountKey::code("820")].net, d("-22.50"));
    let total: rust_decimal::Decimal = tb.values().map(|s| s.net).sum();
    assert!(total.is_zero());
    assert_eq!(on(&lines, "200"), d("-100.00"));

    let months = monthly_balances(&lines).unwrap();
    let nov = Month {
        year: 2024,
        month: 11,
    };
    let dec = Month {
        year: 2024,
        month: 12,
    };
    assert_eq!(months[&(AccountKey::code("610"), nov)].net, d("172.50"));
    assert_eq!(months[&(AccountKey::code("610"), dec)].net, d("-172.50"));
    assert!(!months.contains_key(&(AccountKey::code("200"), dec)));
}

#[test]
fn a_trial_balance_too_large_to_add_is_an_error() {
    let mut lines = post(Document::Invoice(&sale()), &ctx()).unwrap().lines;
    let mut big = lines[0].clone();
    big.amount = rust_decimal::Decimal::MAX;
    lines.push(big.clone());
    lines.push(big);
    assert!(trial_balance(&lines).is_err());
}

#[test]
fn a_prepayment_refund_takes_its_share_back_out_of_the_prepayments_lines() {
    let pp: Prepayment = read(json!({
        "PrepaymentID": "pp-r", "Type": "RECEIVE-PREPAYMENT", "Date": "2024-11-20", "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "LineItems": [{"AccountCode": "835", "TaxType": "OUTPUT2", "LineAmount": 100.00, "TaxAmount": 15.00}],
        "Total": 115.00
    }));
    let refund = payment(json!({
        "PaymentID": "refund-1", "PaymentType": "ARPREPAYMENTPAYMENT", "Amount": 23.00,
        "Invoice": null, "Prepayment": {"PrepaymentID": "pp-r", "CurrencyCode": "NZD"}
    }));
    // Without the prepayment's lines, the refund cannot know where its money sits.
    assert!(matches!(
        post(Document::Payment(&refund), &ctx()),
        Err(PostingError::MissingLinked { .. })
    ));
    let as_linked = linked(Document::Prepayment(&pp), &ctx()).unwrap().unwrap();
    assert_eq!(as_linked.side, Side::Receivable);
    assert_eq!(as_linked.currency, None);
    let parts: Vec<_> = as_linked
        .parts
        .iter()
        .map(|p| (p.account.code.clone().unwrap(), p.amount, p.role))
        .collect();
    assert_eq!(
        parts,
        vec![
            ("835".to_owned(), d("100.00"), Item),
            ("820".to_owned(), d("15.00"), Tax)
        ]
    );
    let ctx = ctx().with_linked("pp-r", as_linked);
    let p = post(Document::Payment(&refund), &ctx).unwrap();
    // 23 of 115 is a fifth: 20.00 of the 100 net and 3.00 of the 15 tax.
    expect(
        &p,
        &[
            ("090", "-23.00", Bank),
            ("835", "20.00", Item),
            ("820", "3.00", Tax),
        ],
    );
    assert_eq!(p.lines[0].source.kind, SourceKind::ArPrepaymentPayment);
}

#[test]
fn linked_reads_what_payments_need_of_each_document() {
    let usd: Invoice = read(json!({
        "InvoiceID": "usd-9", "Type": "ACCPAY", "Status": "DRAFT", "CurrencyCode": "USD", "CurrencyRate": 0.61,
        "LineItems": []
    }));
    assert_eq!(
        linked(Document::Invoice(&usd), &ctx()).unwrap(),
        Some(LinkedDocument::foreign(Side::Payable, "USD", d("0.61")))
    );
    assert_eq!(
        linked(Document::Invoice(&sale()), &ctx()).unwrap(),
        Some(LinkedDocument::base(Side::Receivable))
    );
    let cn = usd_credit_note();
    assert_eq!(
        linked(Document::CreditNote(&cn), &ctx()).unwrap(),
        Some(LinkedDocument::foreign(Side::Receivable, "USD", d("0.8")))
    );
    let bt = bank_transaction("RECEIVE");
    assert_eq!(
        linked(Document::BankTransaction(&bt), &ctx()).unwrap(),
        None
    );
}

#[test]
fn journal_lines_serialise_amounts_as_exact_decimal_strings() {
    let inv: Invoice = read(json!({
        "InvoiceID": "usd-s", "Type": "ACCREC", "Date": "2024-11-03", "Status": "AUTHORISED",
        "CurrencyCode": "USD", "CurrencyRate": 0.75,
        "LineItems": [{"LineItemID": "s1", "AccountCode": "200", "LineAmount": "10.00", "TaxAmount": "1.50"}],
        "Total": "11.50"
    }));
    let p = post(Document::Invoice(&inv), &ctx()).unwrap();
    let v = serde_json::to_value(&p).unwrap();
    let control = &v["lines"][0];
    // 11.50 / 0.75 = 15.333.. -> 15.33, as text: never a float.
    assert_eq!(control["amount"], json!("15.33"));
    assert_eq!(
        control["foreign"],
        json!({"currency": "USD", "amount": "11.50"})
    );
    assert_eq!(control["date"], json!("2024-11-03"));
    assert_eq!(control["role"], json!("control"));
    assert_eq!(
        v["lines"][1]["source"],
        json!({"kind": "ACCREC", "documentId": "usd-s", "lineId": "s1"})
    );
    assert_eq!(
        v["lines"][1]["account"],
        json!({"code": "200", "accountId": null})
    );
}

#[test]
fn unknown_amount_types_and_a_missing_date_are_refused_by_name() {
    let mut inv = sale();
    inv.line_amount_types = Some("Gross".into());
    assert_eq!(
        post(Document::Invoice(&inv), &ctx()).unwrap_err(),
        PostingError::Unknown {
            document: "invoice INV-0001".into(),
            field: "LineAmountTypes",
            value: "Gross".into(),
        }
    );
    let mut inv = sale();
    inv.date = None;
    let err = post(Document::Invoice(&inv), &ctx()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "The invoice INV-0001 has no Date, so it cannot be posted to the ledger."
    );
}
