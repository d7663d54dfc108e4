//! Listings, exact totals and search, on real ledger files.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use common::*;
use ledgerkeep_domain::xero::{BankTransaction, Invoice, XeroRecord};
use ledgerkeep_domain::Money;
use ledgerkeep_store::query::{CurrencyTotal, DocumentFilter, DocumentKind, Sort, SortField};
use ledgerkeep_store::LedgerStore;
use proptest::prelude::*;
use rust_decimal::Decimal;

#[allow(clippy::too_many_arguments)]
fn tx(
    id: &str,
    date_ms: Option<i64>,
    total: Option<&str>,
    currency: &str,
    kind: &str,
    status: &str,
    account: &str,
    contact: (&str, &str),
    reference: &str,
    description: &str,
    updated_ms: i64,
) -> XeroRecord<BankTransaction> {
    let date = date_ms.map_or(String::new(), |d| format!(r#""Date": "/Date({d}+0000)/","#));
    let total = total.map_or(String::new(), |t| format!(r#""Total": {t},"#));
    let text = format!(
        r#"{{"BankTransactionID": "{id}", "Type": "{kind}", "Status": "{status}", {date} {total}
            "CurrencyCode": "{currency}", "Reference": "{reference}",
            "BankAccount": {{"AccountID": "{account}"}},
            "Contact": {{"ContactID": "{}", "Name": "{}"}},
            "LineItems": [{{"Description": "{description}", "LineAmount": 1.00}}],
            "UpdatedDateUTC": "/Date({updated_ms}+0000)/"}}"#,
        contact.0, contact.1
    );
    XeroRecord::from_json(&text).unwrap()
}

const DAY: i64 = 86_400_000;

type Pred = Box<dyn Fn(usize, &XeroRecord<BankTransaction>) -> bool>;

fn filter() -> DocumentFilter {
    DocumentFilter {
        tenant_id: TENANT.to_owned(),
        ..DocumentFilter::default()
    }
}

async fn all_pages(store: &LedgerStore, f: &DocumentFilter, sort: Sort, size: u32) -> Vec<String> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .list_documents(
                DocumentKind::BankTransactions,
                f,
                sort,
                after.as_deref(),
                size,
            )
            .await
            .unwrap();
        assert!(page.rows.len() <= size as usize);
        out.extend(page.rows.iter().map(|r| r.xero_id.clone()));
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    out
}

/// A ledger of 57 varied transactions, some without a date or a total.
async fn varied() -> (Ledger, Vec<XeroRecord<BankTransaction>>) {
    let l = ledger().await;
    let mut recs = Vec::new();
    for i in 0..57i64 {
        let date = if i % 11 == 0 {
            None
        } else {
            Some((i % 7) * DAY)
        };
        let amount = format!("{}.{:02}", (i * 37) % 50, i % 100);
        let total = if i % 13 == 0 {
            None
        } else {
            Some(amount.as_str())
        };
        recs.push(tx(
            &format!("bt-{i:02}"),
            date,
            total,
            if i % 5 == 0 { "AUD" } else { "NZD" },
            if i % 2 == 0 { "SPEND" } else { "RECEIVE" },
            if i % 3 == 0 { "DELETED" } else { "AUTHORISED" },
            if i % 4 == 0 { "bank-2" } else { "bank-1" },
            if i % 6 == 0 {
                ("c-9", "Zeta Plumbing")
            } else {
                ("c-1", "Acme Supplies")
            },
            &format!("REF-{i}"),
            if i == 42 {
                "quarterly widget service"
            } else {
                "office paper"
            },
            1_000 + (i * 7919) % 100,
        ));
    }
    l.store
        .apply_page(TENANT, &recs, &actor(), at(0))
        .await
        .unwrap();
    (l, recs)
}

fn sort_key(r: &XeroRecord<BankTransaction>, field: SortField) -> (Option<String>, Option<i64>) {
    match field {
        SortField::Date => (r.entity.date.map(|d| d.to_string()), None),
        SortField::Amount => (None, r.entity.total.and_then(|t| t.to_e4())),
        SortField::Updated => (r.entity.updated_date_utc.map(|u| u.to_iso()), None),
    }
}

#[tokio::test]
async fn keyset_pages_cover_every_row_once_in_sort_order() {
    let (l, recs) = varied().await;
    // The rows' ids are assigned in page order, so id order = recs order.
    for field in [SortField::Date, SortField::Amount, SortField::Updated] {
        for descending in [false, true] {
            let sort = Sort { field, descending };
            let got = all_pages(&l.store, &filter(), sort, 10).await;
            let mut expected: Vec<(usize, &XeroRecord<BankTransaction>)> =
                recs.iter().enumerate().collect();
            // SQLite orders NULL first ascending and last descending; ties by id.
            expected.sort_by(|(ia, a), (ib, b)| {
                let o = sort_key(a, field).cmp(&sort_key(b, field)).then(ia.cmp(ib));
                if descending {
                    o.reverse()
                } else {
                    o
                }
            });
            let expected: Vec<String> = expected
                .iter()
                .map(|(_, r)| r.entity.bank_transaction_id.clone())
                .collect();
            assert_eq!(got, expected, "{sort:?}");
        }
    }
    // A page size of one works the same.
    let one = all_pages(&l.store, &filter(), Sort::default(), 1).await;
    assert_eq!(one.len(), 57);
    // A forged cursor is refused, not obeyed.
    let err = l
        .store
        .list_documents(
            DocumentKind::BankTransactions,
            &filter(),
            Sort::default(),
            Some("'; DROP TABLE x"),
            10,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ledgerkeep_store::StoreError::Invalid(_)));
}

#[tokio::test]
async fn filters_select_exactly_the_matching_rows() {
    let (l, recs) = varied().await;
    let check = |f: DocumentFilter, pred: Pred| {
        let store = l.store.clone();
        let expected: Vec<String> = recs
            .iter()
            .enumerate()
            .filter(|(i, r)| pred(*i, r))
            .map(|(_, r)| r.entity.bank_transaction_id.clone())
            .collect();
        async move {
            let mut got = all_pages(&store, &f, Sort::default(), 7).await;
            got.sort();
            let mut expected = expected;
            expected.sort();
            assert_eq!(got, expected, "{f:?}");
        }
    };
    let status = |s: &str| DocumentFilter {
        status: Some(s.to_owned()),
        ..filter()
    };
    check(status("DELETED"), Box::new(|i, _| i % 3 == 0)).await;
    check(
        DocumentFilter {
            doc_type: Some("SPEND".to_owned()),
            account: Some("bank-2".to_owned()),
            ..filter()
        },
        Box::new(|i, _| i % 2 == 0 && i % 4 == 0),
    )
    .await;
    check(
        DocumentFilter {
            contact: Some("c-9".to_owned()),
            ..filter()
        },
        Box::new(|i, _| i % 6 == 0),
    )
    .await;
    check(
        DocumentFilter {
            date_from: Some("1970-01-03".to_owned()),
            date_to: Some("1970-01-05".to_owned()),
            ..filter()
        },
        Box::new(|i, _| i % 11 != 0 && (2..=4).contains(&(i % 7))),
    )
    .await;
    let lo = Money::parse("10.00").unwrap();
    let hi = Money::parse("20.50").unwrap();
    check(
        DocumentFilter {
            amount_min: Some(lo),
            amount_max: Some(hi),
            ..filter()
        },
        Box::new(move |_, r| r.entity.total.is_some_and(|t| t >= lo && t <= hi)),
    )
    .await;
    check(
        DocumentFilter {
            text: Some("widget".to_owned()),
            ..filter()
        },
        Box::new(|i, _| i == 42),
    )
    .await;
    check(
        DocumentFilter {
            text: Some("zeta plumbing".to_owned()),
            ..filter()
        },
        Box::new(|i, _| i % 6 == 0),
    )
    .await;
    check(
        DocumentFilter {
            text: Some("REF-17".to_owned()),
            ..filter()
        },
        Box::new(|i, _| i == 17),
    )
    .await;
    // The word being typed (the last, with no space after it yet) is a prefix;
    // a finished word is whole; a trailing `*` asks for a prefix anywhere.
    check(
        DocumentFilter {
            text: Some("plumb* zeta".to_owned()),
            ..filter()
        },
        Box::new(|i, _| i % 6 == 0),
    )
    .await;
    check(
        DocumentFilter {
            text: Some("plumb".to_owned()),
            ..filter()
        },
        Box::new(|i, _| i % 6 == 0),
    )
    .await;
    check(
        DocumentFilter {
            text: Some("plumb ".to_owned()),
            ..filter()
        },
        Box::new(|_, _| false),
    )
    .await;
    check(
        DocumentFilter {
            tenant_id: "someone-else".to_owned(),
            ..filter()
        },
        Box::new(|_, _| false),
    )
    .await;
}

#[tokio::test]
async fn totals_are_exact_per_currency_even_beyond_the_integer_range() {
    let (l, recs) = varied().await;
    let totals = l
        .store
        .document_totals(DocumentKind::BankTransactions, &filter())
        .await
        .unwrap();
    for t in &totals {
        let cur = t.currency_code.as_deref().unwrap();
        let mine: Vec<&XeroRecord<BankTransaction>> = recs
            .iter()
            .filter(|r| r.entity.currency_code.as_deref() == Some(cur))
            .collect();
        let sum: Decimal = mine
            .iter()
            .filter_map(|r| r.entity.total)
            .map(|m| m.as_decimal())
            .sum();
        assert_eq!(t.total.as_decimal(), sum, "{cur}");
        assert_eq!(t.count, mine.len() as u64);
    }
    assert_eq!(totals.len(), 2);

    // Three amounts whose integer sum overflows i64: summed exactly all the same.
    let big = ledger().await;
    let page: Vec<_> = (0..3)
        .map(|i| {
            tx(
                &format!("b{i}"),
                Some(0),
                Some("900000000000000.01"),
                "NZD",
                "SPEND",
                "AUTHORISED",
                "bank-1",
                ("c", "C"),
                "r",
                "d",
                1,
            )
        })
        .collect();
    big.store
        .apply_page(TENANT, &page, &actor(), at(0))
        .await
        .unwrap();
    let t = big
        .store
        .document_totals(DocumentKind::BankTransactions, &filter())
        .await
        .unwrap();
    assert_eq!(t[0].total.to_string(), "2700000000000000.03");
    // And an amount with more places than the integer column holds.
    let fine = ledger().await;
    let page = vec![
        tx(
            "f1",
            Some(0),
            Some("0.00001"),
            "NZD",
            "SPEND",
            "AUTHORISED",
            "bank-1",
            ("c", "C"),
            "r",
            "d",
            1,
        ),
        tx(
            "f2",
            Some(0),
            Some("1.10"),
            "NZD",
            "SPEND",
            "AUTHORISED",
            "bank-1",
            ("c", "C"),
            "r",
            "d",
            1,
        ),
    ];
    fine.store
        .apply_page(TENANT, &page, &actor(), at(0))
        .await
        .unwrap();
    let t = fine
        .store
        .document_totals(DocumentKind::BankTransactions, &filter())
        .await
        .unwrap();
    assert_eq!(t[0].total.to_string(), "1.10001");
}

#[tokio::test]
async fn invoices_are_found_by_number_and_line_description() {
    let l = ledger().await;
    let inv = |id: &str, number: &str, line: &str, ty: &str| {
        XeroRecord::<Invoice>::from_json(&format!(
            r#"{{"InvoiceID": "{id}", "Type": "{ty}", "InvoiceNumber": "{number}", "Status": "AUTHORISED",
                "Contact": {{"ContactID": "c-1", "Name": "Harbour Cafe"}}, "Date": "/Date(0+0000)/",
                "CurrencyCode": "NZD", "Total": 10.00,
                "LineItems": [{{"Description": "{line}", "AccountCode": "200", "LineAmount": 10.00}}],
                "UpdatedDateUTC": "/Date(1000+0000)/"}}"#
        ))
        .unwrap()
    };
    let page = vec![
        inv("i1", "INV-0042", "espresso beans", "ACCREC"),
        inv("i2", "INV-0043", "milk", "ACCREC"),
        inv("i3", "BILL-9", "espresso machine repair", "ACCPAY"),
    ];
    l.store
        .apply_page(TENANT, &page, &actor(), at(0))
        .await
        .unwrap();
    let find = |text: &str, ty: Option<&str>| {
        let f = DocumentFilter {
            text: Some(text.to_owned()),
            doc_type: ty.map(str::to_owned),
            ..filter()
        };
        let store = l.store.clone();
        async move {
            let p = store
                .list_documents(DocumentKind::Invoices, &f, Sort::default(), None, 50)
                .await
                .unwrap();
            let mut ids: Vec<String> = p.rows.into_iter().map(|r| r.xero_id).collect();
            ids.sort();
            ids
        }
    };
    assert_eq!(find("0042", None).await, ["i1"]);
    assert_eq!(find("espresso", None).await, ["i1", "i3"]);
    assert_eq!(find("espresso", Some("ACCPAY")).await, ["i3"]);
    assert_eq!(find("harbour", None).await, ["i1", "i2", "i3"]);
    let by_account = DocumentFilter {
        account: Some("200".to_owned()),
        ..filter()
    };
    let p = l
        .store
        .list_documents(
            DocumentKind::Invoices,
            &by_account,
            Sort::default(),
            None,
            50,
        )
        .await
        .unwrap();
    assert_eq!(p.rows.len(), 3);
    // An update replaces the searchable text.
    l.store
        .apply_page(TENANT, &[XeroRecord::<Invoice>::from_json(
            r#"{"InvoiceID": "i2", "InvoiceNumber": "INV-0043", "LineItems": [{"Description": "oat milk"}], "UpdatedDateUTC": "/Date(2000+0000)/"}"#,
        ).unwrap()], &actor(), at(1))
        .await
        .unwrap();
    assert_eq!(find("oat", None).await, ["i2"]);
    assert!(find("harbour", None).await.len() == 2);
}

/// A word in thousands of documents is searched by walking the sort order
/// against its collected matches; a rare one from its matches. Both give every
/// match, once, in order.
#[tokio::test]
async fn common_and_rare_words_page_the_same_way() {
    let l = ledger().await;
    let n = 10_400i64;
    for start in (0..n).step_by(1_000) {
        let page: Vec<_> = (start..(start + 1_000).min(n))
            .map(|i| {
                let words = if i % 997 == 0 {
                    "common rare"
                } else {
                    "common"
                };
                tx(
                    &format!("w{i:05}"),
                    Some((i % 50) * DAY),
                    Some("1.00"),
                    "NZD",
                    "SPEND",
                    "AUTHORISED",
                    "bank-1",
                    ("c", "C"),
                    "r",
                    words,
                    1,
                )
            })
            .collect();
        l.store
            .apply_page(TENANT, &page, &actor(), at(0))
            .await
            .unwrap();
    }
    let sort = Sort {
        field: SortField::Date,
        descending: true,
    };
    for (word, expected) in [
        ("common", n as usize),
        ("rare", ((n - 1) / 997 + 1) as usize),
    ] {
        let f = DocumentFilter {
            text: Some(word.to_owned()),
            ..filter()
        };
        let got = all_pages(&l.store, &f, sort, 500).await;
        assert_eq!(got.len(), expected, "{word}");
        let mut unique = got.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), expected, "{word}: a row came twice");
        // In sort order: dates descending (i % 50), then ids descending.
        let key = |id: &str| {
            let i: i64 = id[1..].parse().unwrap();
            (i % 50, i)
        };
        assert!(
            got.windows(2).all(|w| key(&w[0]) > key(&w[1])),
            "{word}: out of order"
        );
    }
}

fn amount() -> impl Strategy<Value = String> {
    (
        -10_000_000_000_000_000i64..10_000_000_000_000_000,
        0u32..=2,
        any::<bool>(),
    )
        .prop_map(|(m, s, small)| {
            let m = if small { m % 100_000 } else { m };
            Decimal::new(m, s).to_string()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Amounts go into a real ledger file and come back with every digit and
    /// their scale; the totals equal the exact decimal sums.
    #[test]
    fn money_round_trips_and_sums_exactly_through_a_real_file(
        amounts in proptest::collection::vec((amount(), any::<bool>()), 1..25)
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let l = ledger().await;
            let page: Vec<_> = amounts
                .iter()
                .enumerate()
                .map(|(i, (a, aud))| tx(&format!("p{i}"), Some(0), Some(a), if *aud { "AUD" } else { "NZD" },
                    "SPEND", "AUTHORISED", "bank-1", ("c", "C"), "r", "d", 1))
                .collect();
            l.store.apply_page(TENANT, &page, &actor(), at(0)).await.unwrap();
            for (i, (a, _)) in amounts.iter().enumerate() {
                let stored: String = sqlx::query_scalar("SELECT total FROM bank_transactions WHERE xero_id = ?")
                    .bind(format!("p{i}"))
                    .fetch_one(l.store.pool())
                    .await
                    .unwrap();
                assert_eq!(&stored, a);
            }
            let totals = l.store.document_totals(DocumentKind::BankTransactions, &filter()).await.unwrap();
            for t in totals {
                let aud = t.currency_code.as_deref() == Some("AUD");
                let sum: Decimal = amounts
                    .iter()
                    .filter(|(_, is_aud)| *is_aud == aud)
                    .map(|(a, _)| Money::parse(a).unwrap().as_decimal())
                    .sum();
                assert_eq!(t.total.as_decimal(), sum);
            }
        });
    }
}

/// One change in [`the_day_rollups_always_equal_the_rows`]: a record's new
/// version (id, day, amount, currency, type, status, bank account, and which
/// one of those fields to change if it exists), or its deletion.
#[derive(Debug, Clone)]
enum Change {
    Put(usize, i64, Option<String>, bool, bool, bool, bool, usize),
    Delete(usize),
}

/// The line text of record `i % 3` in [`the_day_rollups_always_equal_the_rows`]:
/// `valve` as typed (a prefix) finds the first two.
const WORDS: [&str; 3] = ["valve", "valves", "copper"];

/// A record's fields in [`the_day_rollups_always_equal_the_rows`].
type Fields = (i64, Option<String>, bool, bool, bool, bool);

fn change() -> impl Strategy<Value = Change> {
    let amount = prop_oneof![
        (-99_999i64..100_000, 0u32..3).prop_map(|(m, s)| Some(Decimal::new(m, s).to_string())),
        // Beyond the rollups' integer range, and more places than they hold.
        Just(Some("2000000000.5".to_owned())),
        Just(Some("0.00001".to_owned())),
        Just(None),
    ];
    prop_oneof![
        4 => (0usize..12, 0i64..6, amount, any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), 0usize..6)
            .prop_map(|(i, d, a, c, k, s, b, f)| Change::Put(i, d, a, c, k, s, b, f)),
        1 => (0usize..12).prop_map(Change::Delete),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Inserts, updates (of the day, amount, currency, type, status and bank
    /// account) and deletions keep the rollups equal to the rows: the totals
    /// they give equal those summed from the rows, for every filter they answer.
    /// The same holds for a text search's totals, summed from an in-memory copy.
    #[test]
    fn the_day_rollups_always_equal_the_rows(changes in proptest::collection::vec(change(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let l = ledger().await;
            let mut stored: std::collections::HashMap<usize, Fields> = std::collections::HashMap::new();
            for (n, c) in changes.iter().enumerate() {
                let updated = 1_000 + n as i64;
                match c {
                    Change::Put(i, day, amount, aud, spend, deleted, bank2, field) => {
                        let mut new: Fields = (*day, amount.clone(), *aud, *spend, *deleted, *bank2);
                        // An existing record changes in one field only.
                        if let Some(old) = stored.get(i) {
                            let mut kept = old.clone();
                            match field {
                                0 => kept.0 = new.0,
                                1 => kept.1 = new.1,
                                2 => kept.2 = !kept.2,
                                3 => kept.3 = !kept.3,
                                4 => kept.4 = !kept.4,
                                _ => kept.5 = !kept.5,
                            }
                            new = kept;
                        }
                        let (day, amount, aud, spend, deleted, bank2) = &new;
                        let rec = tx(&format!("r{i}"), Some(day * DAY), amount.as_deref(),
                            if *aud { "AUD" } else { "NZD" }, if *spend { "SPEND" } else { "RECEIVE" },
                            if *deleted { "DELETED" } else { "AUTHORISED" },
                            if *bank2 { "bank-2" } else { "bank-1" }, ("c", "C"), "r", WORDS[i % 3], updated);
                        l.store.apply_page(TENANT, &[rec], &actor(), at(0)).await.unwrap();
                        stored.insert(*i, new);
                    }
                    Change::Delete(i) => {
                        stored.remove(i);
                        l.store.delete_record(ledgerkeep_domain::xero::EntityKind::BankTransaction,
                            TENANT, &format!("r{i}"), &actor(), at(0)).await.unwrap();
                    }
                }
                // A search's totals follow every change (its in-memory copy is
                // rebuilt when the ledger moves).
                let valve = DocumentFilter { text: Some("valve".to_owned()), ..filter() };
                let fast = l.store.document_totals(DocumentKind::BankTransactions, &valve).await.unwrap();
                let slow = l.store.document_totals_by_scan(DocumentKind::BankTransactions, &valve).await.unwrap();
                assert_eq!(fast, slow, "after change {n}");
            }
            let day = |d: i64| chrono::DateTime::from_timestamp_millis(d * DAY).unwrap().date_naive().to_string();
            let mut filters = vec![filter()];
            for d in 0..6 {
                filters.push(DocumentFilter { date_from: Some(day(d)), ..filter() });
                filters.push(DocumentFilter { date_from: Some(day(d)), date_to: Some(day(d + 1)), ..filter() });
            }
            for s in ["AUTHORISED", "DELETED"] {
                filters.push(DocumentFilter { status: Some(s.to_owned()), ..filter() });
            }
            for t in ["SPEND", "RECEIVE"] {
                filters.push(DocumentFilter { doc_type: Some(t.to_owned()), date_to: Some(day(3)), ..filter() });
            }
            for c in ["AUD", "NZD"] {
                filters.push(DocumentFilter { currency: Some(c.to_owned()), ..filter() });
            }
            for b in ["bank-1", "bank-2"] {
                filters.push(DocumentFilter { account: Some(b.to_owned()), status: Some("AUTHORISED".to_owned()), ..filter() });
            }
            filters.push(DocumentFilter { tenant_id: "someone-else".to_owned(), ..filter() });
            // Searches: a prefix (two words), whole words, and with the other
            // filters, those summed in memory (currency, amount) and not.
            for text in ["valve", "valve ", "copper ", "nothing "] {
                let t = || DocumentFilter { text: Some(text.to_owned()), ..filter() };
                filters.push(t());
                filters.push(DocumentFilter { tenant_id: "someone-else".to_owned(), ..t() });
                for c in ["AUD", "NZD", "EUR"] {
                    filters.push(DocumentFilter { currency: Some(c.to_owned()), ..t() });
                }
                filters.push(DocumentFilter { amount_min: Some(Money::parse("0").unwrap()), ..t() });
                filters.push(DocumentFilter { amount_max: Some(Money::parse("-1.5").unwrap()), ..t() });
                filters.push(DocumentFilter { status: Some("DELETED".to_owned()), ..t() });
                filters.push(DocumentFilter { date_to: Some(day(2)), ..t() });
                filters.push(DocumentFilter { date_from: Some(day(1)), date_to: Some(day(3)), ..t() });
                filters.push(DocumentFilter { doc_type: Some("SPEND".to_owned()), ..t() });
                filters.push(DocumentFilter { account: Some("bank-2".to_owned()), ..t() });
                filters.push(DocumentFilter {
                    status: Some("AUTHORISED".to_owned()), currency: Some("NZD".to_owned()),
                    amount_min: Some(Money::parse("-5").unwrap()), date_from: Some(day(2)), ..t()
                });
                filters.push(DocumentFilter { contact: Some("c".to_owned()), ..t() });
            }
            for f in &filters {
                let fast = l.store.document_totals(DocumentKind::BankTransactions, f).await.unwrap();
                let slow = l.store.document_totals_by_scan(DocumentKind::BankTransactions, f).await.unwrap();
                assert_eq!(fast, slow, "{f:?}");
            }
            // No empty groups are left behind.
            let empty: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM document_rollups WHERE n = 0")
                .fetch_one(l.store.pool()).await.unwrap();
            assert_eq!(empty, 0);
        });
    }
}

/// The unfiltered totals come from the rollups, not from the rows: a rollup
/// changed behind the store's back shows in them (and not in a text search's).
#[tokio::test]
async fn totals_by_day_type_and_status_are_read_from_the_rollups() {
    let (l, _) = varied().await;
    let before = l
        .store
        .document_totals(DocumentKind::BankTransactions, &filter())
        .await
        .unwrap();
    sqlx::query("UPDATE document_rollups SET n = n + 1000 WHERE currency_code = 'NZD'")
        .execute(l.store.pool())
        .await
        .unwrap();
    let after = l
        .store
        .document_totals(DocumentKind::BankTransactions, &filter())
        .await
        .unwrap();
    let nzd = |t: &[ledgerkeep_store::query::CurrencyTotal]| {
        t.iter()
            .find(|t| t.currency_code.as_deref() == Some("NZD"))
            .unwrap()
            .count
    };
    assert!(nzd(&after) >= nzd(&before) + 1000);
    let text = DocumentFilter {
        text: Some("office".to_owned()),
        ..filter()
    };
    let scanned = l
        .store
        .document_totals(DocumentKind::BankTransactions, &text)
        .await
        .unwrap();
    assert!(nzd(&scanned) < nzd(&before));
}

/// The totals of `f` as `document_totals` gives them, and as the rows sum them.
async fn both_totals(
    store: &LedgerStore,
    f: DocumentFilter,
) -> (Vec<CurrencyTotal>, Vec<CurrencyTotal>) {
    let kind = DocumentKind::BankTransactions;
    let fast = store.document_totals(kind, &f).await.unwrap();
    let slow = store.document_totals_by_scan(kind, &f).await.unwrap();
    (fast, slow)
}

/// Adds 1.00 to a bank transaction's integer total behind the store's back:
/// no audit row.
async fn change_behind_the_back(store: &LedgerStore, xero_id: &str) {
    sqlx::query("UPDATE bank_transactions SET total_e4 = total_e4 + 10000 WHERE xero_id = ?")
        .bind(xero_id)
        .execute(store.pool())
        .await
        .unwrap();
}

/// The next version of [`varied`]'s `bt-01`, with another total.
fn bt_01_next() -> XeroRecord<BankTransaction> {
    let contact = ("c-1", "Acme Supplies");
    tx(
        "bt-01",
        Some(DAY),
        Some("7.25"),
        "NZD",
        "SPEND",
        "AUTHORISED",
        "bank-1",
        contact,
        "REF-1",
        "office paper",
        5_000,
    )
}

/// Applies (audited) [`bt_01_next`] and a new EUR bank transaction `bt-new`
/// of `total`, an "office chairs" spend.
async fn bt_01_next_and_a_new_one(store: &LedgerStore, total: &str) {
    let page = [
        bt_01_next(),
        tx(
            "bt-new",
            Some(DAY),
            Some(total),
            "EUR",
            "SPEND",
            "AUTHORISED",
            "bank-1",
            ("c-1", "Acme Supplies"),
            "REF-new",
            "office chairs",
            5_000,
        ),
    ];
    store
        .apply_page(TENANT, &page, &actor(), at(1))
        .await
        .unwrap();
}

/// Deletes (audited) the bank transaction `bt-new`.
async fn delete_the_new_one(store: &LedgerStore) {
    store
        .delete_record(
            ledgerkeep_domain::xero::EntityKind::BankTransaction,
            TENANT,
            "bt-new",
            &actor(),
            at(2),
        )
        .await
        .unwrap();
}

/// A text search's totals are summed from an in-memory copy kept as of the
/// audit head: a total changed behind the store's back (no audit row) does not
/// show in them. Audited changes bring the copy up to the rows: an update and
/// an insert are read again, and a deleted document is no longer matched.
#[tokio::test]
async fn a_search_totals_come_from_a_copy_kept_as_of_the_audit_head() {
    let (l, _) = varied().await;
    let office = DocumentFilter {
        text: Some("office".to_owned()),
        ..filter()
    };
    let totals = |f: &DocumentFilter| both_totals(&l.store, f.clone());
    let (before, slow) = totals(&office).await;
    assert_eq!(before, slow);
    assert!(!before.is_empty());
    change_behind_the_back(&l.store, "bt-01").await;
    let (unaudited, slow) = totals(&office).await;
    assert_eq!(unaudited, before, "summed from the copy");
    assert_ne!(slow, before, "the rows did change");
    // The record's next version (audited) is read again, as is a new record.
    bt_01_next_and_a_new_one(&l.store, "1000.10").await;
    let (after, slow) = totals(&office).await;
    assert_eq!(after, slow);
    assert!(after
        .iter()
        .any(|t| t.currency_code.as_deref() == Some("EUR")));
    // A deleted document is no longer among the matches.
    delete_the_new_one(&l.store).await;
    let (deleted, slow) = totals(&office).await;
    assert_eq!(deleted, slow);
    assert!(deleted
        .iter()
        .all(|t| t.currency_code.as_deref() != Some("EUR")));
    // A word no document has, and another organisation: no totals.
    for f in [
        DocumentFilter {
            text: Some("absent ".to_owned()),
            ..filter()
        },
        DocumentFilter {
            tenant_id: "someone-else".to_owned(),
            ..office.clone()
        },
    ] {
        let (fast, slow) = totals(&f).await;
        assert_eq!(fast, slow);
        assert!(fast.is_empty());
    }
}

/// The copy is made ahead: a second after the explorer opens (its totals
/// without a search), and again as a sync run ends (`optimize`). Each is shown
/// by a total changed behind the store's back afterwards, which a copy made
/// at the search itself would hold.
#[tokio::test]
async fn the_search_copy_is_made_after_the_explorer_opens_and_as_a_sync_ends() {
    let (l, _) = varied().await;
    let office = DocumentFilter {
        text: Some("office".to_owned()),
        status: Some("AUTHORISED".to_owned()),
        ..filter()
    };
    let agree = |f: &DocumentFilter| {
        let totals = both_totals(&l.store, f.clone());
        async move {
            let (fast, slow) = totals.await;
            fast == slow
        }
    };
    // The explorer opens: its totals come from the rollups, and the copy
    // (with each document's status) is made a second later.
    l.store
        .document_totals(DocumentKind::BankTransactions, &filter())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    change_behind_the_back(&l.store, "bt-01").await;
    assert!(!agree(&office).await, "the copy was made before the change");
    // A sync run changes bt-01 (audited) and ends with `optimize`, which
    // reads it into the copy; a change behind the back after that is not seen.
    let page = [bt_01_next()];
    l.store
        .apply_page(TENANT, &page, &actor(), at(1))
        .await
        .unwrap();
    l.store.optimize().await.unwrap();
    change_behind_the_back(&l.store, "bt-01").await;
    assert!(
        !agree(&office).await,
        "the copy was brought up as the run ended"
    );
}

/// An amount range with no text is summed from the search copy once the copy
/// is made, and from the rows before that (a copy takes longer to make than
/// the rows take to sum). Shown by a total changed behind the store's back
/// (no audit row): the rows see it, the copy does not. An audited update, a
/// new document and a deleted one are all brought into the copy: a deletion
/// makes it again, since every document of the copy counts.
#[tokio::test]
async fn an_amount_ranges_totals_come_from_the_copy_once_it_is_made() {
    let (l, _) = varied().await;
    let money = |m: &str| ledgerkeep_domain::Money::parse(m).ok();
    let range = DocumentFilter {
        amount_min: money("30"),
        amount_max: money("40"),
        ..filter()
    };
    let narrowed = DocumentFilter {
        date_from: Some("1970-01-02".to_owned()),
        status: Some("AUTHORISED".to_owned()),
        account: Some("bank-1".to_owned()),
        ..range.clone()
    };
    let totals = |f: &DocumentFilter| both_totals(&l.store, f.clone());
    // No copy yet: the rows are summed, and see a change behind the back.
    change_behind_the_back(&l.store, "bt-01").await;
    for f in [&range, &narrowed] {
        let (fast, slow) = totals(f).await;
        assert_eq!(fast, slow, "{f:?}");
        assert!(!fast.is_empty());
    }
    // The copy is made a second after that first ask.
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    let (before, slow) = totals(&range).await;
    assert_eq!(before, slow);
    let (narrow_before, _) = totals(&narrowed).await;
    change_behind_the_back(&l.store, "bt-01").await;
    for (f, was) in [(&range, &before), (&narrowed, &narrow_before)] {
        let (fast, slow) = totals(f).await;
        assert_eq!(&fast, was, "summed from the copy: {f:?}");
        assert_ne!(&slow, was, "the rows did change: {f:?}");
    }
    // Audited: bt-01's next version (7.25, out of the range), a new document
    // in the range, then that document deleted.
    bt_01_next_and_a_new_one(&l.store, "35.50").await;
    for f in [&range, &narrowed] {
        let (fast, slow) = totals(f).await;
        assert_eq!(fast, slow, "{f:?}");
        assert!(fast
            .iter()
            .any(|t| t.currency_code.as_deref() == Some("EUR")));
    }
    delete_the_new_one(&l.store).await;
    for f in [&range, &narrowed] {
        let (fast, slow) = totals(f).await;
        assert_eq!(fast, slow, "{f:?}");
        assert!(fast
            .iter()
            .all(|t| t.currency_code.as_deref() != Some("EUR")));
    }
}

/// Asserts the invoices' totals by the rollups equal those from the rows, for
/// a few filters; returns how many currency totals were compared.
async fn invoice_totals_agree(store: &LedgerStore) -> usize {
    let day = |d: i64| {
        chrono::DateTime::from_timestamp_millis(d * DAY)
            .unwrap()
            .date_naive()
            .to_string()
    };
    let mut filters = vec![filter()];
    for t in ["ACCREC", "ACCPAY"] {
        filters.push(DocumentFilter {
            doc_type: Some(t.to_owned()),
            ..filter()
        });
    }
    for s in ["AUTHORISED", "PAID", "VOIDED"] {
        filters.push(DocumentFilter {
            status: Some(s.to_owned()),
            date_to: Some(day(1)),
            ..filter()
        });
    }
    // A search (every invoice has the contact Harbour Cafe), alone and filtered.
    let harbour = || DocumentFilter {
        text: Some("harbour".to_owned()),
        ..filter()
    };
    filters.push(harbour());
    filters.push(DocumentFilter {
        doc_type: Some("ACCREC".to_owned()),
        ..harbour()
    });
    filters.push(DocumentFilter {
        status: Some("AUTHORISED".to_owned()),
        date_from: Some(day(1)),
        ..harbour()
    });
    let mut seen = 0;
    for f in &filters {
        let fast = store
            .document_totals(DocumentKind::Invoices, f)
            .await
            .unwrap();
        let slow = store
            .document_totals_by_scan(DocumentKind::Invoices, f)
            .await
            .unwrap();
        assert_eq!(fast, slow, "{f:?}");
        seen += fast.len();
    }
    seen
}

/// Invoices and bills keep their rollups too: inserted, changed in status,
/// day, currency and amount, and deleted, their totals by the rollups equal
/// those summed from the rows.
#[tokio::test]
async fn invoice_rollups_follow_inserts_updates_and_deletions() {
    let l = ledger().await;
    let inv = |id: &str, ty: &str, status: &str, day: i64, cur: &str, total: &str, updated: i64| {
        XeroRecord::<Invoice>::from_json(&format!(
            r#"{{"InvoiceID": "{id}", "Type": "{ty}", "Status": "{status}",
                "Contact": {{"ContactID": "c-1", "Name": "Harbour Cafe"}}, "Date": "/Date({}+0000)/",
                "CurrencyCode": "{cur}", "Total": {total}, "UpdatedDateUTC": "/Date({updated}+0000)/"}}"#,
            day * DAY
        ))
        .unwrap()
    };
    let page = vec![
        inv("i1", "ACCREC", "AUTHORISED", 0, "NZD", "10.00", 1_000),
        inv("i2", "ACCREC", "AUTHORISED", 1, "AUD", "20.50", 1_000),
        inv("i3", "ACCPAY", "AUTHORISED", 2, "NZD", "7.25", 1_000),
    ];
    l.store
        .apply_page(TENANT, &page, &actor(), at(0))
        .await
        .unwrap();
    assert!(invoice_totals_agree(&l.store).await > 0);
    let changed = vec![
        inv("i1", "ACCREC", "PAID", 0, "NZD", "10.00", 2_000),
        inv("i2", "ACCREC", "AUTHORISED", 0, "AUD", "20.50", 2_000),
        inv("i3", "ACCPAY", "AUTHORISED", 2, "USD", "8.25", 2_000),
    ];
    l.store
        .apply_page(TENANT, &changed, &actor(), at(0))
        .await
        .unwrap();
    invoice_totals_agree(&l.store).await;
    l.store
        .delete_record(
            ledgerkeep_domain::xero::EntityKind::Invoice,
            TENANT,
            "i2",
            &actor(),
            at(0),
        )
        .await
        .unwrap();
    invoice_totals_agree(&l.store).await;
    let totals = l
        .store
        .document_totals(DocumentKind::Invoices, &filter())
        .await
        .unwrap();
    let got: Vec<(Option<&str>, u64, String)> = totals
        .iter()
        .map(|t| (t.currency_code.as_deref(), t.count, t.total.to_string()))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some("NZD"), 1, "10.00".to_owned()),
            (Some("USD"), 1, "8.25".to_owned())
        ]
    );
}

#[tokio::test]
async fn an_unreadable_amount_is_an_error_that_keeps_the_parsers_reason() {
    let (l, _) = varied().await;
    sqlx::query("UPDATE bank_transactions SET total = 'twelve dollars' WHERE xero_id = 'bt-01'")
        .execute(l.store.pool())
        .await
        .unwrap();
    let err = l
        .store
        .list_documents(
            DocumentKind::BankTransactions,
            &filter(),
            Sort::default(),
            None,
            100,
        )
        .await
        .unwrap_err();
    let ledgerkeep_store::StoreError::Value { what, .. } = &err else {
        panic!("expected an unreadable value, got {err:?}");
    };
    assert_eq!(*what, "an amount");
    // The parser's own error is the source, with the text it refused.
    let source = std::error::Error::source(&err).expect("a source");
    assert!(source.to_string().contains("'twelve dollars'"), "{source}");
    assert!(err.to_string().contains("twelve dollars"), "{err}");
}
