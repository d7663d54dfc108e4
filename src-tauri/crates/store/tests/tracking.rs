//! Tracking: the explorer's filter (documents with a line in an option) on
//! every kind with lines, and the general ledger's movements in one option
//! or split by the options of a category, on real ledger files. What each
//! must find is worked out here from the generated lines, not by the store.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use ledgerkeep_domain::xero::{BankTransaction, CreditNote, Invoice, ManualJournal, XeroRecord};
use ledgerkeep_domain::Money;
use ledgerkeep_ledger::Tracking;
use ledgerkeep_store::general_ledger::GlLine;
use ledgerkeep_store::query::{DocumentFilter, DocumentKind, Sort, SortField};
use ledgerkeep_store::reports::LedgerPeriod;
use ledgerkeep_store::rows::StoredEntity;
use ledgerkeep_store::tracking::{TrackingFilter, UNASSIGNED};
use ledgerkeep_store::LedgerStore;
use rust_decimal::Decimal;

const REGION: &str = "cat-region";
const DEPT: &str = "cat-dept";
const NORTH: &str = "opt-north";
const SOUTH: &str = "opt-south";
const DEPT_NORTH: &str = "opt-dept-north";

/// One line's tracking entry: category id, option id (absent: Xero sent
/// only the names), category name, option name.
type Tag = (
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
);

/// The tags of document `i`'s line `line`: the options of two categories,
/// an option named only by its name, a same-named option of another
/// category, and untagged lines, in a mix that varies with `i`.
fn tags(i: usize, line: usize) -> Vec<Tag> {
    let region_north: Tag = (REGION, Some(NORTH), "Region", "North");
    let region_north_by_name: Tag = (REGION, None, "Region", "North");
    let region_south: Tag = (REGION, Some(SOUTH), "Region", "South");
    let dept_north: Tag = (DEPT, Some(DEPT_NORTH), "Dept", "North");
    match (i * 3 + line * 5) % 7 {
        0 => vec![region_north],
        1 => vec![region_south, dept_north],
        2 => vec![dept_north],
        3 => vec![region_north_by_name],
        4 => vec![dept_north, region_north],
        _ => Vec::new(),
    }
}

fn is_in(tags: &[Tag], category: &str, option: &str, option_name: &str) -> bool {
    tags.iter().any(|(c, o, _, n)| {
        *c == category && (*o == Some(option) || (o.is_none() && *n == option_name))
    })
}

fn xero_tracking(tags: &[Tag]) -> String {
    let entries: Vec<String> = tags
        .iter()
        .map(|(c, o, name, option)| match o {
            Some(o) => format!(
                r#"{{"TrackingCategoryID": "{c}", "TrackingOptionID": "{o}", "Name": "{name}", "Option": "{option}"}}"#
            ),
            None => format!(r#"{{"TrackingCategoryID": "{c}", "Name": "{name}", "Option": "{option}"}}"#),
        })
        .collect();
    format!("[{}]", entries.join(", "))
}

const N: usize = 21;
const UPDATED: &str = r#""UpdatedDateUTC": "/Date(1700000000000+0000)/""#;

fn total(i: usize) -> String {
    format!("{}.{:02}", 20 + i, (i * 17) % 100)
}

fn line_items(i: usize) -> String {
    format!(
        r#""LineItems": [{{"Description": "a", "AccountCode": "200", "LineAmount": {}, "Tracking": {}}},
                         {{"Description": "b", "AccountCode": "400", "LineAmount": 0.00, "Tracking": {}}}]"#,
        total(i),
        xero_tracking(&tags(i, 0)),
        xero_tracking(&tags(i, 1))
    )
}

fn doc_json(kind: DocumentKind, i: usize) -> String {
    let date = format!("/Date({}+0000)/", (20_000 + i as i64) * 86_400_000);
    let common = format!(
        r#""Contact": {{"ContactID": "c-1", "Name": "Acme"}}, "Date": "{date}", "Status": "AUTHORISED",
           "CurrencyCode": "NZD", "Total": {}, {}, {UPDATED}"#,
        total(i),
        line_items(i)
    );
    match kind {
        DocumentKind::Invoices => format!(
            r#"{{"InvoiceID": "inv-{i}", "Type": "ACCREC", "InvoiceNumber": "INV-{i}", {common}}}"#
        ),
        DocumentKind::BankTransactions => format!(
            r#"{{"BankTransactionID": "bt-{i}", "Type": "RECEIVE", "BankAccount": {{"AccountID": "bank-1"}}, {common}}}"#
        ),
        DocumentKind::CreditNotes => format!(
            r#"{{"CreditNoteID": "cn-{i}", "Type": "ACCRECCREDIT", "CreditNoteNumber": "CN-{i}", {common}}}"#
        ),
        DocumentKind::ManualJournals => format!(
            r#"{{"ManualJournalID": "mj-{i}", "Narration": "n{i}", "Date": "{date}", "Status": "POSTED",
                "JournalLines": [
                  {{"LineAmount": {t}, "AccountCode": "200", "Tracking": {}}},
                  {{"LineAmount": -{t}, "AccountCode": "800", "Tracking": {}}}],
                {UPDATED}}}"#,
            xero_tracking(&tags(i, 0)),
            xero_tracking(&tags(i, 1)),
            t = total(i)
        ),
        _ => unreachable!(),
    }
}

fn doc_id(kind: DocumentKind, i: usize) -> String {
    match kind {
        DocumentKind::Invoices => format!("inv-{i}"),
        DocumentKind::BankTransactions => format!("bt-{i}"),
        DocumentKind::CreditNotes => format!("cn-{i}"),
        _ => format!("mj-{i}"),
    }
}

async fn put<T: StoredEntity>(store: &LedgerStore, kind: DocumentKind) {
    let recs: Vec<XeroRecord<T>> = (0..N)
        .map(|i| {
            let t = doc_json(kind, i);
            XeroRecord::from_json(&t).unwrap_or_else(|e| panic!("{e}: {t}"))
        })
        .collect();
    store
        .apply_page(TENANT, &recs, &actor(), at(0))
        .await
        .unwrap();
}

const KINDS: [DocumentKind; 4] = [
    DocumentKind::Invoices,
    DocumentKind::BankTransactions,
    DocumentKind::CreditNotes,
    DocumentKind::ManualJournals,
];

/// Every page of the listing, by date, 4 rows a page.
async fn listed(store: &LedgerStore, kind: DocumentKind, f: &DocumentFilter) -> Vec<String> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let sort = Sort {
            field: SortField::Date,
            descending: false,
        };
        let page = store
            .list_documents(kind, f, sort, after.as_deref(), 4)
            .await
            .unwrap();
        out.extend(page.rows.into_iter().map(|r| r.xero_id));
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => return out,
        }
    }
}

#[tokio::test]
async fn the_explorer_finds_the_documents_with_a_line_in_the_option() {
    let l = ledger().await;
    put::<Invoice>(&l.store, DocumentKind::Invoices).await;
    put::<BankTransaction>(&l.store, DocumentKind::BankTransactions).await;
    put::<CreditNote>(&l.store, DocumentKind::CreditNotes).await;
    put::<ManualJournal>(&l.store, DocumentKind::ManualJournals).await;
    let options = [
        (REGION, NORTH, "North"),
        (REGION, SOUTH, "South"),
        (DEPT, DEPT_NORTH, "North"),
    ];
    for kind in KINDS {
        let everything = listed(
            &l.store,
            kind,
            &DocumentFilter {
                tenant_id: TENANT.into(),
                ..DocumentFilter::default()
            },
        )
        .await;
        assert_eq!(everything.len(), N, "{kind:?}");
        for (category, option, name) in options {
            let want: BTreeSet<String> = (0..N)
                .filter(|i| (0..2).any(|line| is_in(&tags(*i, line), category, option, name)))
                .map(|i| doc_id(kind, i))
                .collect();
            assert!(
                !want.is_empty() && want.len() < N,
                "{kind:?} {option}: a mix"
            );
            let f = DocumentFilter {
                tenant_id: TENANT.into(),
                tracking: Some(TrackingFilter {
                    category_id: category.into(),
                    option_id: option.into(),
                    option_name: Some(name.into()),
                }),
                ..DocumentFilter::default()
            };
            let got = listed(&l.store, kind, &f).await;
            assert_eq!(got.len(), want.len(), "{kind:?} {option}: each once");
            let got: BTreeSet<String> = got.into_iter().collect();
            assert_eq!(got, want, "{kind:?} {option}");
            // The totals count the same documents.
            let totals = l.store.document_totals(kind, &f).await.unwrap();
            let count: u64 = totals.iter().map(|t| t.count).sum();
            assert_eq!(count as usize, want.len(), "{kind:?} {option}: totals");
            if kind != DocumentKind::ManualJournals {
                let sum: Decimal = totals.iter().map(|t| t.total.as_decimal()).sum();
                let expected: Decimal = (0..N)
                    .filter(|i| want.contains(&doc_id(kind, *i)))
                    .map(|i| total(i).parse::<Decimal>().unwrap())
                    .sum();
                assert_eq!(sum, expected, "{kind:?} {option}: total");
            }
            // Narrowed further, with the other filters.
            let dated = DocumentFilter {
                date_from: Some("2024-10-20".into()),
                ..f.clone()
            };
            let from = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
            let in_range: BTreeSet<String> = (0..N)
                .filter(|i| {
                    (from + chrono::Days::new(20_000 + *i as u64))
                        .to_string()
                        .as_str()
                        >= "2024-10-20"
                })
                .map(|i| doc_id(kind, i))
                .filter(|id| want.contains(id))
                .collect();
            let got: BTreeSet<String> = listed(&l.store, kind, &dated).await.into_iter().collect();
            assert_eq!(got, in_range, "{kind:?} {option}: with dates");
        }
    }
    // Payments have no lines: a tracking filter finds none.
    let f = DocumentFilter {
        tenant_id: TENANT.into(),
        tracking: Some(TrackingFilter {
            category_id: REGION.into(),
            option_id: NORTH.into(),
            option_name: Some("North".into()),
        }),
        ..DocumentFilter::default()
    };
    assert!(listed(&l.store, DocumentKind::Payments, &f)
        .await
        .is_empty());
}

/// The posting's tracking JSON for `tags`, as the sync writes it.
fn posting_tracking(tags: &[Tag]) -> Option<String> {
    let t: Vec<Tracking> = tags
        .iter()
        .map(|(c, o, name, option)| Tracking {
            category_id: Some((*c).to_owned()),
            option_id: o.map(str::to_owned),
            category: Some((*name).to_owned()),
            option: Some((*option).to_owned()),
        })
        .collect();
    (!t.is_empty()).then(|| serde_json::to_string(&t).unwrap())
}

fn gl_line(day: u64, n: usize, line: usize, account: &str, net: Decimal) -> GlLine {
    let date =
        (chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(day)).to_string();
    GlLine {
        date,
        reference: None,
        source_xero_id: format!("doc-{n}"),
        source_type: "ACCREC".into(),
        line_xero_id: Some(format!("l-{n}-{line}")),
        role: "item".into(),
        account_xero_id: Some(account.into()),
        account_code: Some(account.into()),
        account_type: Some(
            if account == "200" {
                "REVENUE"
            } else {
                "EXPENSE"
            }
            .into(),
        ),
        account_name: Some(format!("Account {account}")),
        description: None,
        net: Money::new(net),
        tax_type: None,
        currency_code: None,
        foreign_amount: None,
        tracking_json: posting_tracking(&tags(n, line)),
    }
}

#[tokio::test]
async fn ledger_movements_in_an_option_and_by_option() {
    let l = ledger().await;
    // Document n on day n % 40: a revenue line and an expense line, each
    // tagged as `tags(n, line)`, and a balancing untagged line.
    let mut lines = Vec::new();
    for n in 0..60 {
        let day = (n % 40) as u64;
        let a = Decimal::new(1000 + (n as i64) * 37, 2);
        let b = Decimal::new(250 + (n as i64) * 11, 2);
        lines.push(gl_line(day, n, 0, "200", -a));
        lines.push(gl_line(day, n, 1, "400", b));
        let mut bank = gl_line(day, n, 2, "090", a - b);
        bank.tracking_json = None;
        lines.push(bank);
    }
    let mut writer = l.store.begin_general_ledger(TENANT).await.unwrap();
    writer.write(&lines).await.unwrap();
    writer
        .finish("2025-03-01T00:00:00Z", 60, &[])
        .await
        .unwrap();
    let periods = [
        LedgerPeriod {
            from: Some("2025-01-05".into()),
            to: "2025-01-31".into(),
        },
        LedgerPeriod {
            from: None,
            to: "2025-02-09".into(),
        },
    ];
    let in_period = |l: &GlLine, p: &LedgerPeriod| {
        l.date <= p.to && p.from.as_ref().is_none_or(|f| &l.date >= f)
    };
    // Debits and credits per account, of the lines `keep` keeps.
    let sums = |p: &LedgerPeriod, keep: &dyn Fn(usize, usize) -> bool| {
        let mut out: BTreeMap<String, (Decimal, Decimal, u64)> = BTreeMap::new();
        for (k, line) in lines.iter().enumerate() {
            if !in_period(line, p) || !keep(k / 3, k % 3) {
                continue;
            }
            let e = out.entry(line.account_code.clone().unwrap()).or_default();
            let net = line.net.as_decimal();
            if net.is_sign_negative() {
                e.1 -= net;
            } else {
                e.0 += net;
            }
            e.2 += 1;
        }
        out
    };
    let got_sums = |m: &BTreeMap<String, ledgerkeep_store::reports::AccountMovement>| {
        m.iter()
            .map(|(k, m)| (k.clone(), (m.debit, m.credit, m.lines)))
            .collect::<BTreeMap<_, _>>()
    };
    let tagged = |n: usize, line: usize| if line == 2 { Vec::new() } else { tags(n, line) };
    let north = TrackingFilter {
        category_id: REGION.into(),
        option_id: NORTH.into(),
        option_name: Some("North".into()),
    };
    let moved = l
        .store
        .account_movements_in_option(TENANT, &periods, &north)
        .await
        .unwrap();
    for (i, p) in periods.iter().enumerate() {
        let want = sums(p, &|n, line| {
            is_in(&tagged(n, line), REGION, NORTH, "North")
        });
        assert!(!want.is_empty());
        assert_eq!(got_sums(&moved[i]), want, "period {i}");
    }
    // Split by Region: each option's lines (North's by id and by name
    // apart), the rest unassigned; together, every line.
    let by = l
        .store
        .account_movements_by_option(TENANT, &periods, REGION, None)
        .await
        .unwrap();
    let keys: BTreeSet<&str> = by.keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from([UNASSIGNED, NORTH, SOUTH, "North"]));
    let all = l.store.account_movements(TENANT, &periods).await.unwrap();
    for (i, p) in periods.iter().enumerate() {
        let option_of = |n: usize, line: usize| -> &'static str {
            tagged(n, line)
                .iter()
                .find(|t| t.0 == REGION)
                .map_or(UNASSIGNED, |t| t.1.unwrap_or(t.3))
        };
        for (key, moved) in &by {
            let want = sums(p, &|n, line| option_of(n, line) == key.as_str());
            assert_eq!(got_sums(&moved[i]), want, "period {i}, option {key:?}");
        }
        // Every line in one part.
        let mut total: BTreeMap<String, (Decimal, Decimal, u64)> = BTreeMap::new();
        for moved in by.values() {
            for (k, (d, c, n)) in got_sums(&moved[i]) {
                let e = total.entry(k).or_default();
                e.0 += d;
                e.1 += c;
                e.2 += n;
            }
        }
        assert_eq!(total, got_sums(&all[i]), "period {i}: the parts add up");
    }
    // Narrowed to Dept's North and split by Region.
    let dept = TrackingFilter {
        category_id: DEPT.into(),
        option_id: DEPT_NORTH.into(),
        option_name: Some("North".into()),
    };
    let by = l
        .store
        .account_movements_by_option(TENANT, &periods, REGION, Some(&dept))
        .await
        .unwrap();
    let south = sums(&periods[1], &|n, line| {
        let t = tagged(n, line);
        is_in(&t, DEPT, DEPT_NORTH, "North") && is_in(&t, REGION, SOUTH, "South")
    });
    assert!(!south.is_empty());
    assert_eq!(got_sums(&by[SOUTH][1]), south);
}
