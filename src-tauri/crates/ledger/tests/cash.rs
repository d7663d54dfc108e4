//! The cash basis: an invoice's lines count in proportion to each payment or
//! allocation, on its date; what is settled in full counts exactly its
//! accrual lines; what is never settled never counts; everything else counts
//! as posted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use common::{ctx, d, read};
use ledgerkeep_domain::xero::{BankTransaction, CreditNote, Invoice, Payment};
use ledgerkeep_domain::XeroDate;
use ledgerkeep_ledger::{
    cash_basis, counts_when_settled, rebuild, Books, JournalLine, LineRole, SourceKind,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::json;

fn day(s: &str) -> XeroDate {
    XeroDate(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
}

fn date_of(n: i64) -> String {
    (day("2024-11-01").0 + chrono::Duration::days(n))
        .format("%Y-%m-%d")
        .to_string()
}

fn money(cents: i64) -> String {
    Decimal::new(cents, 2).to_string()
}

/// The sum per (account code, role) of `lines` that pass `keep`.
fn sums(
    lines: &[JournalLine],
    keep: impl Fn(&JournalLine) -> bool,
) -> BTreeMap<(String, LineRole), Decimal> {
    let mut out = BTreeMap::new();
    for l in lines.iter().filter(|l| keep(l)) {
        *out.entry((l.account.code.clone().unwrap_or_default(), l.role))
            .or_insert(Decimal::ZERO) += l.amount;
    }
    out.retain(|_, v| !v.is_zero());
    out
}

fn pay(id: &str, invoice: &str, date: &str, amount: &str) -> Payment {
    read(json!({
        "PaymentID": id, "Date": date, "Status": "AUTHORISED", "PaymentType": "ACCRECPAYMENT",
        "Amount": amount, "CurrencyRate": "1", "Account": {"Code": "090"},
        "Invoice": {"InvoiceID": invoice}
    }))
}

#[test]
fn an_invoice_paid_in_two_parts_counts_its_lines_in_those_proportions_on_those_dates() {
    // 300 of sales and 100 of other sales, with 60 of tax: 460 in all, paid
    // 115 (a quarter) and then 345 (three quarters).
    let invoices: Vec<Invoice> = vec![read(json!({
        "InvoiceID": "inv-1", "Type": "ACCREC", "Date": "2024-11-01", "DueDate": "2024-11-30",
        "Status": "PAID", "LineAmountTypes": "Exclusive",
        "LineItems": [
            {"LineItemID": "l1", "AccountCode": "200", "LineAmount": "300.00", "TaxAmount": "45.00"},
            {"LineItemID": "l2", "AccountCode": "260", "LineAmount": "100.00", "TaxAmount": "15.00"}
        ],
        "Total": "460.00"
    }))];
    let payments = vec![
        pay("p2", "inv-1", "2024-12-20", "345.00"),
        pay("p1", "inv-1", "2024-11-12", "115.00"),
    ];
    let books = Books {
        invoices: &invoices,
        payments: &payments,
        ..Books::default()
    };
    let rebuilt = rebuild(&books, ctx());
    assert!(rebuilt.errors.is_empty(), "{:?}", rebuilt.errors);
    let cash = cash_basis(&rebuilt.lines, &books.settlements()).unwrap();

    let issued = |l: &JournalLine| {
        l.source.kind == SourceKind::AccRec && matches!(l.role, LineRole::Item | LineRole::Tax)
    };
    let accrual = sums(&rebuilt.lines, issued);
    assert_eq!(accrual.len(), 3, "two line accounts and tax: {accrual:?}");
    for (date, part) in [("2024-11-12", d("0.25")), ("2024-12-20", d("0.75"))] {
        let on = sums(&cash, |l| issued(l) && l.date == day(date));
        let expected: BTreeMap<_, _> = accrual
            .iter()
            .map(|(k, v)| (k.clone(), (v * part).round_dp(2)))
            .collect();
        assert_eq!(on, expected, "the part paid on {date}");
    }
    // Nothing on the invoice's own date: it is not paid then.
    assert!(cash
        .iter()
        .all(|l| !issued(l) || l.date != day("2024-11-01")));
    // Paid in full: exactly its accrual lines.
    assert_eq!(sums(&cash, issued), accrual);
    // Its control account and the payments' bank lines are not income.
    assert!(cash
        .iter()
        .all(|l| !(l.source.kind == SourceKind::AccRec && l.role == LineRole::Control)));
    let bank = |l: &JournalLine| l.role == LineRole::Bank;
    assert_eq!(sums(&cash, bank), sums(&rebuilt.lines, bank));
}

#[test]
fn unsettled_documents_do_not_count_and_bank_transactions_count_as_posted() {
    let invoices: Vec<Invoice> = vec![read(json!({
        "InvoiceID": "inv-open", "Type": "ACCPAY", "Date": "2024-11-01", "DueDate": "2024-11-30",
        "Status": "AUTHORISED", "LineAmountTypes": "Exclusive",
        "LineItems": [{"LineItemID": "l1", "AccountCode": "400", "LineAmount": "80.00", "TaxAmount": "12.00"}],
        "Total": "92.00"
    }))];
    let bank_transactions: Vec<BankTransaction> = vec![read(json!({
        "BankTransactionID": "bt-1", "Type": "SPEND", "Date": "2024-11-03", "Status": "AUTHORISED",
        "BankAccount": {"Code": "090"}, "LineAmountTypes": "Exclusive",
        "LineItems": [{"LineItemID": "b1", "AccountCode": "429", "LineAmount": "20.00", "TaxAmount": "3.00"}],
        "Total": "23.00"
    }))];
    let books = Books {
        invoices: &invoices,
        bank_transactions: &bank_transactions,
        ..Books::default()
    };
    let rebuilt = rebuild(&books, ctx());
    assert!(rebuilt.errors.is_empty(), "{:?}", rebuilt.errors);
    assert!(rebuilt
        .lines
        .iter()
        .any(|l| l.source.kind == SourceKind::AccPay));
    let cash = cash_basis(&rebuilt.lines, &books.settlements()).unwrap();
    assert!(cash.iter().all(|l| l.source.kind != SourceKind::AccPay));
    let from_bank: Vec<&JournalLine> = rebuilt
        .lines
        .iter()
        .filter(|l| l.source.kind == SourceKind::CashPaid)
        .collect();
    assert!(!from_bank.is_empty());
    assert_eq!(cash.iter().collect::<Vec<_>>(), from_bank);
}

#[test]
fn a_credit_note_allocated_to_an_invoice_counts_both_on_the_allocation_date() {
    let invoices: Vec<Invoice> = vec![read(json!({
        "InvoiceID": "inv-1", "Type": "ACCREC", "Date": "2024-11-01", "DueDate": "2024-11-30",
        "Status": "AUTHORISED", "LineAmountTypes": "NoTax",
        "LineItems": [{"LineItemID": "l1", "AccountCode": "200", "LineAmount": "200.00"}],
        "Total": "200.00"
    }))];
    let credit_notes: Vec<CreditNote> = vec![read(json!({
        "CreditNoteID": "cn-1", "Type": "ACCRECCREDIT", "Date": "2024-11-05", "Status": "PAID",
        "LineAmountTypes": "NoTax",
        "LineItems": [{"LineItemID": "c1", "AccountCode": "200", "LineAmount": "50.00"}],
        "Total": "50.00",
        "Allocations": [{"AllocationID": "a1", "Amount": "50.00", "Date": "2024-11-09", "Invoice": {"InvoiceID": "inv-1"}}]
    }))];
    let books = Books {
        invoices: &invoices,
        credit_notes: &credit_notes,
        ..Books::default()
    };
    let rebuilt = rebuild(&books, ctx());
    assert!(rebuilt.errors.is_empty(), "{:?}", rebuilt.errors);
    let cash = cash_basis(&rebuilt.lines, &books.settlements()).unwrap();
    let of = |kind: SourceKind| -> Vec<(XeroDate, Decimal)> {
        cash.iter()
            .filter(|l| l.source.kind == kind && l.role == LineRole::Item)
            .map(|l| (l.date, l.amount))
            .collect()
    };
    let line = |kind: SourceKind| {
        rebuilt
            .lines
            .iter()
            .find(|l| l.source.kind == kind && l.role == LineRole::Item)
            .unwrap()
            .amount
    };
    // A quarter of the invoice, and the whole credit note (reversed), both
    // on the allocation's date.
    assert_eq!(
        of(SourceKind::AccRec),
        vec![(day("2024-11-09"), line(SourceKind::AccRec) / d("4"))]
    );
    assert_eq!(
        of(SourceKind::AccRecCredit),
        vec![(day("2024-11-09"), line(SourceKind::AccRecCredit))]
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// However an invoice of several lines is paid, in any number of parts
    /// and in any currency: each part counts each line within a cent of
    /// `line × part / total`, on the part's date; the parts together never
    /// count more than the line, and paid in full exactly the line.
    #[test]
    fn each_part_counts_its_share_and_the_whole_counts_the_accrual_lines(
        lines in prop::collection::vec((1i64..5_000_000, 0i64..800_000, 0usize..3), 1..5),
        rate in prop::option::of(3_000i64..30_000),
        parts in prop::collection::vec((0i64..90, 1i64..100_000_000), 1..5),
        in_full in any::<bool>(),
    ) {
        let codes = ["200", "260", "270"];
        let total_cents: i64 = lines.iter().map(|(n, t, _)| n + t).sum();
        let items: Vec<_> = lines.iter().enumerate().map(|(i, (n, t, c))| json!({
            "LineItemID": format!("l{i}"), "AccountCode": codes[*c],
            "LineAmount": money(*n), "TaxAmount": money(*t)
        })).collect();
        let mut v = json!({
            "InvoiceID": "inv", "Type": "ACCREC", "Date": "2024-11-01", "DueDate": "2024-11-30",
            "Status": "AUTHORISED", "LineAmountTypes": "Exclusive", "LineItems": items,
            "Total": money(total_cents)
        });
        if let Some(r) = rate {
            v["CurrencyCode"] = json!("USD");
            v["CurrencyRate"] = json!(Decimal::new(r, 4).to_string());
        }
        let invoices: Vec<Invoice> = vec![read(v)];
        let mut payments = Vec::new();
        let mut left = total_cents;
        for (k, (pday, cents)) in parts.iter().enumerate() {
            let last = k + 1 == parts.len();
            let amount = if last && in_full { left } else { (*cents).min(left) };
            if amount == 0 {
                continue;
            }
            left -= amount;
            payments.push(pay(&format!("p{k}"), "inv", &date_of(*pday), &money(amount)));
        }
        let books = Books { invoices: &invoices, payments: &payments, ..Books::default() };
        let rebuilt = rebuild(&books, ctx());
        prop_assert!(rebuilt.errors.is_empty(), "{:?}", rebuilt.errors);
        let cash = cash_basis(&rebuilt.lines, &books.settlements()).unwrap();
        let total = Decimal::new(total_cents, 2);
        let issued: Vec<&JournalLine> = rebuilt.lines.iter()
            .filter(|l| counts_when_settled(l.source.kind)
                && matches!(l.role, LineRole::Item | LineRole::Tax))
            .collect();
        let cent = d("0.01");
        for l in &issued {
            let mine: Vec<&JournalLine> = cash.iter()
                .filter(|c| c.source == l.source && c.role == l.role)
                .collect();
            for p in &payments {
                let on = p.date.unwrap();
                let amount = p.amount.unwrap().as_decimal();
                // Parts paid on the same day count together.
                let same_day: Decimal = payments.iter()
                    .filter(|q| q.date == p.date)
                    .map(|q| q.amount.unwrap().as_decimal())
                    .sum();
                let got: Decimal = mine.iter().filter(|c| c.date == on).map(|c| c.amount).sum();
                let want = l.amount * same_day / total;
                prop_assert!((got - want).abs() <= cent,
                    "line {} paid {} on {}: {} counted, {} expected", l.amount, amount, on, got, want);
            }
            let counted: Decimal = mine.iter().map(|c| c.amount).sum();
            prop_assert!(counted.abs() <= l.amount.abs());
            if left == 0 {
                prop_assert_eq!(counted, l.amount);
            }
            prop_assert!(mine.iter().all(|c| payments.iter().any(|p| Some(c.date) == p.date)));
        }
    }
}
