//! Listings of every kind of document that is not bank transactions or
//! invoices, their paging, filters and totals, one search across every kind,
//! and the items and tax rates lists: on real ledger files.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use std::collections::BTreeMap;

use common::*;
use ledgerkeep_domain::xero::{
    BankTransfer, BatchPayment, CreditNote, Invoice, Item, ManualJournal, Overpayment, Payment,
    Prepayment, PurchaseOrder, Quote, RepeatingInvoice, TaxRate, XeroRecord,
};
use ledgerkeep_domain::Money;
use ledgerkeep_store::query::{DocumentFilter, DocumentKind, Sort, SortField};
use ledgerkeep_store::rows::StoredEntity;
use ledgerkeep_store::LedgerStore;
use rust_decimal::Decimal;

const DAY: i64 = 86_400_000;
const N: usize = 9;

/// One generated document: what the test knows of it, whatever its kind.
#[derive(Debug, Clone)]
struct Doc {
    i: usize,
    xero_id: String,
    day: i64,
    total: String,
    currency: &'static str,
    status: &'static str,
    contact: usize,
    reference: String,
    /// Line description (kinds with lines).
    description: &'static str,
    /// Line account code, or (transfers, payments) the bank account.
    account: String,
    doc_type: &'static str,
}

fn docs(kind: DocumentKind) -> Vec<Doc> {
    (0..N)
        .map(|i| Doc {
            i,
            xero_id: format!("{kind:?}-{i}"),
            // Days repeat, so that ties are broken by the order received.
            day: (i as i64 * 7) % 5,
            total: format!("{}.{:02}", 10 + (i * 37) % 90, (i * 53) % 100),
            currency: if i % 4 == 3 { "AUD" } else { "NZD" },
            status: if i % 3 == 0 { "PAID" } else { "AUTHORISED" },
            contact: i % 2,
            reference: format!("Ref-{i}"),
            description: if i % 2 == 0 { "gizmo repair" } else { "widget" },
            account: if i % 3 == 1 {
                "400".into()
            } else {
                "200".into()
            },
            doc_type: match (kind, i % 2) {
                (DocumentKind::CreditNotes, 0) => "ACCRECCREDIT",
                (DocumentKind::CreditNotes, _) => "ACCPAYCREDIT",
                (DocumentKind::Overpayments, 0) => "RECEIVE-OVERPAYMENT",
                (DocumentKind::Overpayments, _) => "SPEND-OVERPAYMENT",
                (DocumentKind::Prepayments, 0) => "RECEIVE-PREPAYMENT",
                (DocumentKind::Prepayments, _) => "SPEND-PREPAYMENT",
                (DocumentKind::RepeatingInvoices, 0) => "ACCREC",
                (DocumentKind::RepeatingInvoices, _) => "ACCPAY",
                (DocumentKind::Payments, 0) => "ACCRECPAYMENT",
                (DocumentKind::Payments, _) => "ACCPAYPAYMENT",
                (DocumentKind::BatchPayments, 0) => "PAYBATCH",
                (DocumentKind::BatchPayments, _) => "RECBATCH",
                _ => "",
            },
        })
        .collect()
}

fn date(day: i64) -> String {
    format!("/Date({}+0000)/", (20_000 + day) * DAY)
}

fn ymd(day: i64) -> String {
    (chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
        + chrono::Days::new((20_000 + day) as u64))
    .format("%Y-%m-%d")
    .to_string()
}

fn contact(c: usize) -> String {
    format!(r#""Contact": {{"ContactID": "c-{c}", "Name": "Contact {c} Ltd"}}"#)
}

fn lines(d: &Doc) -> String {
    format!(
        r#""LineItems": [{{"Description": "{}", "AccountCode": "{}", "LineAmount": {}}}]"#,
        d.description, d.account, d.total
    )
}

const UPDATED: &str = r#""UpdatedDateUTC": "/Date(1700000000000+0000)/""#;

/// The document as Xero sends it.
fn json(kind: DocumentKind, d: &Doc) -> String {
    let (id, date, total, cur, status, r) = (
        &d.xero_id,
        date(d.day),
        &d.total,
        d.currency,
        d.status,
        &d.reference,
    );
    let common = format!(
        r#""Reference": "{r}", {}, "Date": "{date}", "Status": "{status}", "CurrencyCode": "{cur}", "Total": {total}, {}, {UPDATED}"#,
        contact(d.contact),
        lines(d)
    );
    match kind {
        DocumentKind::CreditNotes => format!(
            r#"{{"CreditNoteID": "{id}", "Type": "{}", "CreditNoteNumber": "CN-{}", {common}}}"#,
            d.doc_type, d.i
        ),
        DocumentKind::Overpayments => format!(
            r#"{{"OverpaymentID": "{id}", "Type": "{}", {common}}}"#,
            d.doc_type
        ),
        DocumentKind::Prepayments => format!(
            r#"{{"PrepaymentID": "{id}", "Type": "{}", {common}}}"#,
            d.doc_type
        ),
        DocumentKind::PurchaseOrders => format!(
            r#"{{"PurchaseOrderID": "{id}", "PurchaseOrderNumber": "PO-{}", {common}}}"#,
            d.i
        ),
        DocumentKind::Quotes => format!(
            r#"{{"QuoteID": "{id}", "QuoteNumber": "QU-{}", "Title": "Quote title {}", {common}}}"#,
            d.i, d.i
        ),
        DocumentKind::RepeatingInvoices => format!(
            r#"{{"RepeatingInvoiceID": "{id}", "Type": "{}", "Reference": "{r}", {},
                "Schedule": {{"Period": 1, "Unit": "MONTHLY", "NextScheduledDate": "{date}"}},
                "Status": "{status}", "CurrencyCode": "{cur}", "Total": {total}, {}}}"#,
            d.doc_type,
            contact(d.contact),
            lines(d)
        ),
        DocumentKind::Payments => format!(
            r#"{{"PaymentID": "{id}", "Date": "{date}", "Amount": {total}, "Reference": "{r}",
                "Status": "{status}", "PaymentType": "{}", "Account": {{"AccountID": "bank-{}"}},
                "Invoice": {{"InvoiceID": "inv-{}", "InvoiceNumber": "INV-{}", "CurrencyCode": "{cur}"}},
                {UPDATED}}}"#,
            d.doc_type, d.account, d.i, d.i
        ),
        DocumentKind::BankTransfers => format!(
            r#"{{"BankTransferID": "{id}", "Date": "{date}", "Amount": {total}, "Reference": "{r}",
                "Status": "{status}",
                "FromBankAccount": {{"AccountID": "bank-{}", "CurrencyCode": "{cur}"}},
                "ToBankAccount": {{"AccountID": "bank-to-{}"}},
                "CreatedDateUTC": "/Date(1700000000000+0000)/"}}"#,
            d.account, d.i
        ),
        DocumentKind::ManualJournals => format!(
            r#"{{"ManualJournalID": "{id}", "Narration": "{r}", "Date": "{date}", "Status": "{status}",
                "JournalLines": [
                    {{"LineAmount": {total}, "AccountCode": "{}", "Description": "{}"}},
                    {{"LineAmount": 1.25, "AccountCode": "999"}},
                    {{"LineAmount": -{total}, "AccountCode": "800"}},
                    {{"LineAmount": -1.25, "AccountCode": "800"}}],
                {UPDATED}}}"#,
            d.account, d.description
        ),
        DocumentKind::BatchPayments => format!(
            r#"{{"BatchPaymentID": "{id}", "Type": "{}", "Date": "{date}", "Reference": "{r}",
                "Status": "{status}", "TotalAmount": {total},
                "Account": {{"AccountID": "bank-{}", "CurrencyCode": "{cur}"}},
                "Payments": [{{"PaymentID": "p-{}", "Amount": {total}, "Invoice": {{"InvoiceID": "inv-{}"}}}}],
                {UPDATED}}}"#,
            d.doc_type, d.account, d.i, d.i
        ),
        DocumentKind::BankTransactions | DocumentKind::Invoices => unreachable!(),
    }
}

/// What the listing's total of `d` must be: its total, or a journal's debits.
fn expected_total(kind: DocumentKind, d: &Doc) -> Decimal {
    let t: Decimal = d.total.parse().unwrap();
    if kind == DocumentKind::ManualJournals {
        t + Decimal::new(125, 2)
    } else {
        t
    }
}

const OTHER_KINDS: [DocumentKind; 10] = [
    DocumentKind::CreditNotes,
    DocumentKind::Payments,
    DocumentKind::Overpayments,
    DocumentKind::Prepayments,
    DocumentKind::BankTransfers,
    DocumentKind::ManualJournals,
    DocumentKind::PurchaseOrders,
    DocumentKind::Quotes,
    DocumentKind::RepeatingInvoices,
    DocumentKind::BatchPayments,
];

async fn put<T: StoredEntity>(store: &LedgerStore, texts: Vec<String>) {
    let recs: Vec<XeroRecord<T>> = texts
        .iter()
        .map(|t| XeroRecord::from_json(t).unwrap_or_else(|e| panic!("{e}: {t}")))
        .collect();
    store
        .apply_page(TENANT, &recs, &actor(), at(0))
        .await
        .unwrap();
}

/// A ledger holding `N` documents of every kind, and the invoices the
/// payments pay.
async fn filled() -> Ledger {
    let l = ledger().await;
    for kind in OTHER_KINDS {
        let texts: Vec<String> = docs(kind).iter().map(|d| json(kind, d)).collect();
        let s = &l.store;
        match kind {
            DocumentKind::CreditNotes => put::<CreditNote>(s, texts).await,
            DocumentKind::Payments => put::<Payment>(s, texts).await,
            DocumentKind::Overpayments => put::<Overpayment>(s, texts).await,
            DocumentKind::Prepayments => put::<Prepayment>(s, texts).await,
            DocumentKind::BankTransfers => put::<BankTransfer>(s, texts).await,
            DocumentKind::ManualJournals => put::<ManualJournal>(s, texts).await,
            DocumentKind::PurchaseOrders => put::<PurchaseOrder>(s, texts).await,
            DocumentKind::Quotes => put::<Quote>(s, texts).await,
            DocumentKind::RepeatingInvoices => put::<RepeatingInvoice>(s, texts).await,
            DocumentKind::BatchPayments => put::<BatchPayment>(s, texts).await,
            _ => unreachable!(),
        }
    }
    let invoices = (0..N)
        .map(|i| {
            format!(
                r#"{{"InvoiceID": "inv-{i}", "Type": "ACCREC", "InvoiceNumber": "INV-{i}",
                    {}, "Date": "{}", "Status": "PAID", "CurrencyCode": "NZD", "Total": 5.00,
                    {UPDATED}}}"#,
                contact(i % 2),
                date(0)
            )
        })
        .collect();
    put::<Invoice>(&l.store, invoices).await;
    l
}

fn filter() -> DocumentFilter {
    DocumentFilter {
        tenant_id: TENANT.to_owned(),
        ..DocumentFilter::default()
    }
}

async fn all_pages(
    store: &LedgerStore,
    kind: DocumentKind,
    f: &DocumentFilter,
    sort: Sort,
    size: u32,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .list_documents(kind, f, sort, after.as_deref(), size)
            .await
            .unwrap();
        assert!(page.rows.len() <= size as usize);
        out.extend(page.rows.into_iter().map(|r| r.xero_id));
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => return out,
        }
    }
}

/// The ids of `docs` that `keep`, newest first (ties: last received first).
fn newest_first(docs: &[Doc], keep: impl Fn(&Doc) -> bool) -> Vec<String> {
    let mut kept: Vec<&Doc> = docs.iter().filter(|d| keep(d)).collect();
    kept.sort_by(|a, b| b.day.cmp(&a.day).then(b.i.cmp(&a.i)));
    kept.into_iter().map(|d| d.xero_id.clone()).collect()
}

#[tokio::test]
async fn every_kind_pages_through_its_rows_in_order() {
    let l = filled().await;
    let newest = Sort {
        field: SortField::Date,
        descending: true,
    };
    for kind in OTHER_KINDS {
        let docs = docs(kind);
        for size in [1, 2, 4, 50] {
            assert_eq!(
                all_pages(&l.store, kind, &filter(), newest, size).await,
                newest_first(&docs, |_| true),
                "{kind:?} by date, pages of {size}"
            );
        }
        // By amount, smallest first.
        let mut by_amount: Vec<&Doc> = docs.iter().collect();
        by_amount.sort_by(|a, b| {
            expected_total(kind, a)
                .cmp(&expected_total(kind, b))
                .then(a.i.cmp(&b.i))
        });
        let smallest = Sort {
            field: SortField::Amount,
            descending: false,
        };
        assert_eq!(
            all_pages(&l.store, kind, &filter(), smallest, 2).await,
            by_amount
                .iter()
                .map(|d| d.xero_id.clone())
                .collect::<Vec<_>>(),
            "{kind:?} by amount"
        );
    }
    l.store.close().await;
}

#[tokio::test]
async fn every_kind_shows_its_own_columns() {
    let l = filled().await;
    for kind in OTHER_KINDS {
        let docs = docs(kind);
        let page = l
            .store
            .list_documents(kind, &filter(), Sort::default(), None, 50)
            .await
            .unwrap();
        assert_eq!(page.rows.len(), N, "{kind:?}");
        for row in &page.rows {
            let d = docs.iter().find(|d| d.xero_id == row.xero_id).unwrap();
            assert_eq!(row.date.as_deref(), Some(ymd(d.day).as_str()), "{kind:?}");
            assert_eq!(row.status.as_deref(), Some(d.status), "{kind:?}");
            assert_eq!(
                row.total.map(|t| t.as_decimal()),
                Some(expected_total(kind, d)),
                "{kind:?} {}",
                d.xero_id
            );
            let reference = row.reference.as_deref();
            assert_eq!(reference, Some(d.reference.as_str()), "{kind:?}");
            let contact = format!("Contact {} Ltd", d.contact);
            let (number, contact, doc_type): (Option<String>, Option<&str>, Option<&str>) =
                match kind {
                    DocumentKind::CreditNotes => (
                        Some(format!("CN-{}", d.i)),
                        Some(&contact),
                        Some(d.doc_type),
                    ),
                    DocumentKind::PurchaseOrders => {
                        (Some(format!("PO-{}", d.i)), Some(&contact), None)
                    }
                    DocumentKind::Quotes => (Some(format!("QU-{}", d.i)), Some(&contact), None),
                    // A payment's number and contact are the invoice's.
                    DocumentKind::Payments => (
                        Some(format!("INV-{}", d.i)),
                        Some(if d.i % 2 == 0 {
                            "Contact 0 Ltd"
                        } else {
                            "Contact 1 Ltd"
                        }),
                        Some(d.doc_type),
                    ),
                    DocumentKind::BankTransfers | DocumentKind::ManualJournals => {
                        (None, None, None)
                    }
                    // A batch has no number and no contact (each payment has its own).
                    DocumentKind::BatchPayments => (None, None, Some(d.doc_type)),
                    _ => (None, Some(&contact), Some(d.doc_type)),
                };
            assert_eq!(row.number, number, "{kind:?}");
            assert_eq!(row.contact_name.as_deref(), contact, "{kind:?}");
            assert_eq!(row.doc_type.as_deref(), doc_type, "{kind:?}");
            if kind == DocumentKind::BatchPayments {
                assert_eq!(
                    row.account.as_deref(),
                    Some(format!("bank-{}", d.account).as_str())
                );
            }
            if kind == DocumentKind::BankTransfers {
                assert_eq!(
                    row.account.as_deref(),
                    Some(format!("bank-{}", d.account).as_str())
                );
                assert_eq!(
                    row.to_account.as_deref(),
                    Some(format!("bank-to-{}", d.i).as_str())
                );
            }
        }
    }
    l.store.close().await;
}

#[tokio::test]
async fn every_filter_that_fits_a_kind_keeps_what_it_names() {
    let l = filled().await;
    let newest = Sort {
        field: SortField::Date,
        descending: true,
    };
    for kind in OTHER_KINDS {
        let docs = docs(kind);
        let has_contact = !matches!(
            kind,
            DocumentKind::BankTransfers
                | DocumentKind::ManualJournals
                | DocumentKind::BatchPayments
        );
        let has_lines = !matches!(
            kind,
            DocumentKind::BankTransfers | DocumentKind::Payments | DocumentKind::BatchPayments
        );
        type Keep = Box<dyn Fn(&Doc) -> bool>;
        let mut cases: Vec<(&str, DocumentFilter, Keep)> = vec![
            (
                "status",
                DocumentFilter {
                    status: Some("PAID".into()),
                    ..filter()
                },
                Box::new(|d: &Doc| d.status == "PAID"),
            ),
            (
                "dates",
                DocumentFilter {
                    date_from: Some(ymd(1)),
                    date_to: Some(ymd(3)),
                    ..filter()
                },
                Box::new(|d: &Doc| (1..=3).contains(&d.day)),
            ),
            (
                "currency",
                DocumentFilter {
                    currency: Some("AUD".into()),
                    ..filter()
                },
                Box::new(|d: &Doc| d.currency == "AUD"),
            ),
            (
                "amounts",
                DocumentFilter {
                    amount_min: Some("30".parse().unwrap()),
                    amount_max: Some("80.50".parse().unwrap()),
                    ..filter()
                },
                Box::new(move |d: &Doc| {
                    let t = expected_total(kind, d);
                    t >= Decimal::new(30, 0) && t <= Decimal::new(8050, 2)
                }),
            ),
            (
                "reference text",
                DocumentFilter {
                    text: Some("ref-4".into()),
                    ..filter()
                },
                Box::new(|d: &Doc| d.i == 4),
            ),
            (
                "bank account",
                DocumentFilter {
                    account: Some(if has_lines {
                        "400".into()
                    } else {
                        "bank-400".into()
                    }),
                    ..filter()
                },
                Box::new(|d: &Doc| d.account == "400"),
            ),
        ];
        if has_contact {
            cases.push((
                "contact",
                DocumentFilter {
                    contact: Some("c-1".into()),
                    ..filter()
                },
                Box::new(|d: &Doc| d.contact == 1),
            ));
        }
        if has_lines {
            cases.push((
                "line text",
                DocumentFilter {
                    text: Some("GIZMO rep".into()),
                    ..filter()
                },
                Box::new(|d: &Doc| d.description.starts_with("gizmo")),
            ));
        }
        if !docs[0].doc_type.is_empty() {
            let t = docs[1].doc_type;
            cases.push((
                "type",
                DocumentFilter {
                    doc_type: Some(t.into()),
                    ..filter()
                },
                Box::new(move |d: &Doc| d.doc_type == t),
            ));
        }
        if kind == DocumentKind::BankTransfers {
            // Either end of a transfer.
            cases.push((
                "account it went to",
                DocumentFilter {
                    account: Some("bank-to-5".into()),
                    ..filter()
                },
                Box::new(|d: &Doc| d.i == 5),
            ));
        }
        for (name, f, keep) in cases {
            if kind == DocumentKind::ManualJournals && name == "currency" {
                // In the base currency, which this ledger does not know.
                continue;
            }
            let want = newest_first(&docs, &keep);
            assert!(
                !want.is_empty() && want.len() < N,
                "{kind:?} {name}: a weak case"
            );
            assert_eq!(
                all_pages(&l.store, kind, &f, newest, 2).await,
                want,
                "{kind:?} {name}"
            );
            // The totals count and sum the same documents, per currency.
            let mut expected: BTreeMap<String, (u64, Decimal)> = BTreeMap::new();
            for d in docs.iter().filter(|d| keep(d)) {
                let e = expected.entry(d.currency.to_owned()).or_default();
                e.0 += 1;
                e.1 += expected_total(kind, d);
            }
            let totals = l.store.document_totals(kind, &f).await.unwrap();
            let got: BTreeMap<String, (u64, Decimal)> = totals
                .into_iter()
                .map(|t| {
                    (
                        t.currency_code.unwrap_or_default(),
                        (t.count, t.total.as_decimal()),
                    )
                })
                .collect();
            if kind == DocumentKind::ManualJournals {
                // A manual journal is in the base currency, which this ledger
                // does not know: counted with no currency.
                let all: (u64, Decimal) = expected
                    .values()
                    .fold((0, Decimal::ZERO), |a, b| (a.0 + b.0, a.1 + b.1));
                assert_eq!(
                    got.values().copied().collect::<Vec<_>>(),
                    vec![all],
                    "{kind:?} {name}"
                );
            } else {
                assert_eq!(got, expected, "{kind:?} {name}: totals");
            }
        }
    }
    l.store.close().await;
}

#[tokio::test]
async fn one_search_finds_documents_of_every_kind() {
    let l = filled().await;
    let hits = l
        .store
        .search_all_documents(TENANT, "Ref-7", 200)
        .await
        .unwrap();
    let mut kinds: Vec<DocumentKind> = hits.iter().map(|h| h.kind).collect();
    kinds.sort_by_key(|k| format!("{k:?}"));
    let mut want = OTHER_KINDS.to_vec();
    want.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(kinds, want);
    for h in &hits {
        assert_eq!(h.row.xero_id, format!("{:?}-7", h.kind));
    }
    // Newest first, across kinds; at most the limit.
    let hits = l
        .store
        .search_all_documents(TENANT, "ref", 5)
        .await
        .unwrap();
    assert_eq!(hits.len(), 5);
    assert!(hits.windows(2).all(|w| w[0].row.date >= w[1].row.date));
    assert_eq!(hits[0].row.date.as_deref(), Some(ymd(4).as_str()));
    // Invoices are searched through their own index: the contact's name.
    let hits = l
        .store
        .search_all_documents(TENANT, "INV-3 ", 50)
        .await
        .unwrap();
    assert!(hits
        .iter()
        .any(|h| h.kind == DocumentKind::Invoices && h.row.xero_id == "inv-3"));
    assert!(hits
        .iter()
        .any(|h| h.kind == DocumentKind::Payments && h.row.xero_id == "Payments-3"));
    // A batch payment is found by the number of an invoice it pays.
    assert!(hits
        .iter()
        .any(|h| h.kind == DocumentKind::BatchPayments && h.row.xero_id == "BatchPayments-3"));
    l.store.close().await;
}

#[tokio::test]
async fn items_and_tax_rates_are_listed() {
    let l = ledger().await;
    put::<Item>(
        &l.store,
        vec![
            format!(
                r#"{{"ItemID": "i-2", "Code": "WID", "Name": "Widget", "IsSold": true, "IsPurchased": false,
                    "SalesDetails": {{"UnitPrice": 12.3456}}, {UPDATED}}}"#
            ),
            format!(
                r#"{{"ItemID": "i-1", "Code": "GAD", "Name": "Gadget 50%", "Description": "A gadget",
                    "PurchaseDetails": {{"UnitPrice": 98765432109876.54}}, {UPDATED}}}"#
            ),
        ],
    )
    .await;
    put::<TaxRate>(
        &l.store,
        vec![
            r#"{"TaxType": "OUTPUT2", "Name": "GST on Income", "Status": "ACTIVE", "EffectiveRate": 15.0000}"#.to_owned(),
            r#"{"TaxType": "NONE", "Name": "Exempt", "Status": "ACTIVE", "EffectiveRate": 0}"#.to_owned(),
        ],
    )
    .await;
    let items = l.store.list_items(TENANT, None).await.unwrap();
    assert!(!items.truncated);
    let codes: Vec<_> = items
        .items
        .iter()
        .map(|i| i.code.clone().unwrap())
        .collect();
    assert_eq!(codes, ["GAD", "WID"]);
    assert_eq!(
        items.items[0].purchase_unit_price,
        Some(Money::parse("98765432109876.54").unwrap())
    );
    assert_eq!(
        items.items[1].sales_unit_price,
        Some(Money::parse("12.3456").unwrap())
    );
    assert_eq!(items.items[1].is_sold, Some(true));
    assert_eq!(items.items[1].is_purchased, Some(false));
    // A search, where `%` is only a character.
    let found = l.store.list_items(TENANT, Some("50%")).await.unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].xero_id, "i-1");
    assert!(l
        .store
        .list_items(TENANT, Some("5_%"))
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(l
        .store
        .list_items("another", None)
        .await
        .unwrap()
        .items
        .is_empty());

    let rates = l.store.list_tax_rates(TENANT).await.unwrap();
    let names: Vec<_> = rates.iter().map(|r| r.name.clone().unwrap()).collect();
    assert_eq!(names, ["Exempt", "GST on Income"]);
    assert_eq!(rates[1].tax_type, "OUTPUT2");
    assert_eq!(
        rates[1]
            .effective_rate
            .as_deref()
            .map(|r| r.parse::<Decimal>().unwrap()),
        Some(Decimal::new(15, 0))
    );
    l.store.close().await;
}

/// A search matching many payments or transfers is paged by walking their
/// date index (from 2,000 matches on), one matching few by sorting the
/// matches: either way the same rows in date order, newest or oldest first,
/// with another filter and the pages' cursors, as the rows themselves say.
#[tokio::test]
async fn a_search_matching_many_payments_pages_them_in_date_order() {
    let l = ledger().await;
    // 2,500 of each: references "usual" (2,000, a walk) or "rare" (500).
    let many: Vec<Doc> = (0..2_500)
        .map(|i| Doc {
            reference: if i % 5 == 0 {
                format!("rare-{i}")
            } else {
                format!("usual-{i}")
            },
            ..docs(DocumentKind::Payments)[i % N].clone()
        })
        .map(|d| Doc {
            xero_id: format!("p-{}", d.reference),
            day: (d.reference.len() as i64 * 31 + d.i as i64) % 40,
            ..d
        })
        .collect();
    // Distinct i, so that ties on a day are broken by the order received.
    let many: Vec<Doc> = many
        .into_iter()
        .enumerate()
        .map(|(i, d)| Doc { i, ..d })
        .collect();
    for kind in [DocumentKind::Payments, DocumentKind::BankTransfers] {
        let texts = many.iter().map(|d| json(kind, d)).collect();
        match kind {
            DocumentKind::Payments => put::<Payment>(&l.store, texts).await,
            _ => put::<BankTransfer>(&l.store, texts).await,
        }
        for word in ["usual", "rare", "usua"] {
            let searched = DocumentFilter {
                text: Some(word.to_owned()),
                ..filter()
            };
            let dated = DocumentFilter {
                date_from: Some(ymd(10)),
                date_to: Some(ymd(30)),
                ..searched.clone()
            };
            for (f, from, to) in [(&searched, 0, 40), (&dated, 10, 30)] {
                let keep = |d: &Doc| d.reference.starts_with(word) && (from..=to).contains(&d.day);
                let newest = newest_first(&many, keep);
                for descending in [true, false] {
                    let sort = Sort {
                        field: SortField::Date,
                        descending,
                    };
                    let mut want = newest.clone();
                    if !descending {
                        want.reverse();
                    }
                    for size in [37, 500] {
                        let got = all_pages(&l.store, kind, f, sort, size).await;
                        assert_eq!(got.len(), want.len(), "{kind:?} {word} {f:?}");
                        assert!(
                            got == want,
                            "{kind:?} {word} descending {descending}, pages of {size}"
                        );
                    }
                }
            }
        }
    }
    l.store.close().await;
}
