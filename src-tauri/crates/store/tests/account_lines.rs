//! One account's lines of the rebuilt general ledger, a page at a time
//! (`LedgerStore::account_lines`), on a real SQLite file: every line of the
//! account in the period once, by date then entry then line, none of another
//! account or organisation, through its index whatever the page.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use std::time::Instant;

use common::*;
use ledgerkeep_domain::Money;
use ledgerkeep_store::general_ledger::{AccountLine, AccountLinesFilter, GlLine};
use ledgerkeep_store::reports::LedgerPeriod;
use ledgerkeep_store::LedgerStore;
use rust_decimal::Decimal;

const OTHER: &str = "tenant-2";
const THIRD: &str = "tenant-3";

fn line(id: &str, date: &str, account: &str, net: &str) -> GlLine {
    GlLine {
        date: date.to_owned(),
        reference: Some(format!("ref {id}")),
        source_xero_id: id.to_owned(),
        source_type: "CASHREC".to_owned(),
        line_xero_id: None,
        role: "item".to_owned(),
        account_xero_id: Some(account.to_owned()),
        account_code: None,
        account_type: None,
        account_name: None,
        description: Some(format!("{id} to {account}")),
        net: Money::parse(net).unwrap(),
        tax_type: None,
        currency_code: None,
        foreign_amount: None,
        tracking_json: None,
    }
}

/// A document of two or three lines on `date`: the bank against sales (and
/// sometimes the bank twice), posted in an order that is not the dates'.
fn documents(n: usize, prefix: &str) -> Vec<Vec<GlLine>> {
    (0..n)
        .map(|i| {
            // Dates go back and forth, so entry ids are not in date order.
            let day = (i * 37) % 90;
            let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
                + chrono::Duration::days(day as i64);
            let date = date.format("%Y-%m-%d").to_string();
            let id = format!("{prefix}-{i}");
            let cents = (i * 7919) % 100_000;
            let amount = format!("{}.{:02}", cents / 100, cents % 100);
            if i % 3 == 0 {
                let half = format!("{}.{:02}", cents / 200, 0);
                let rest = Money::parse(&amount).unwrap().as_decimal()
                    - Money::parse(&half).unwrap().as_decimal();
                vec![
                    line(&id, &date, "bank", &half),
                    line(&id, &date, "bank", &rest.to_string()),
                    line(&id, &date, "sales", &format!("-{amount}")),
                ]
            } else {
                vec![
                    line(&id, &date, "bank", &amount),
                    line(&id, &date, "sales", &format!("-{amount}")),
                ]
            }
        })
        .collect()
}

async fn rebuild(store: &LedgerStore, tenant: &str, documents: &[Vec<GlLine>]) {
    let mut writer = store.begin_general_ledger(tenant).await.unwrap();
    for d in documents {
        writer.write(d).await.unwrap();
    }
    writer
        .finish("2026-12-05T00:00:00Z", documents.len() as u64, &[])
        .await
        .unwrap();
}

async fn all_pages(store: &LedgerStore, f: &AccountLinesFilter, limit: u32) -> Vec<AccountLine> {
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .account_lines(f, after.as_deref(), limit)
            .await
            .unwrap();
        assert!(page.rows.len() <= limit as usize);
        rows.extend(page.rows);
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => return rows,
        }
    }
}

#[tokio::test]
async fn an_accounts_lines_come_once_each_in_order_over_the_period() {
    let l = ledger().await;
    let mine = documents(300, "a");
    rebuild(&l.store, OTHER, &documents(50, "o")).await;
    rebuild(&l.store, TENANT, &mine).await;

    let filter = AccountLinesFilter {
        tenant_id: TENANT.to_owned(),
        account: "bank".to_owned(),
        from: Some("2026-01-15".to_owned()),
        to: "2026-03-10".to_owned(),
    };
    let rows = all_pages(&l.store, &filter, 7).await;

    // What the period holds, from the documents themselves: (date, source, net).
    let mut expected: Vec<(String, String, String)> = mine
        .iter()
        .flatten()
        .filter(|g| {
            g.account_xero_id.as_deref() == Some("bank")
                && g.date.as_str() >= "2026-01-15"
                && g.date.as_str() <= "2026-03-10"
        })
        .map(|g| (g.date.clone(), g.source_xero_id.clone(), g.net.to_string()))
        .collect();
    let mut got: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| (r.date.clone(), r.source_xero_id.clone(), r.net.to_string()))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(got.len(), expected.len());
    // By date, then entry, then line: strictly increasing keys.
    let keys: Vec<(String, i64, i64)> = rows
        .iter()
        .map(|r| (r.date.clone(), r.entry_id, r.position))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    assert!(rows.iter().all(|r| r.source_type == "CASHREC"
        && r.reference.as_deref() == Some(&format!("ref {}", r.source_xero_id)[..])));

    // The other organisation's lines of an account of the same id stay out.
    let theirs = all_pages(
        &l.store,
        &AccountLinesFilter {
            tenant_id: OTHER.to_owned(),
            account: "bank".to_owned(),
            from: None,
            to: "2026-12-31".to_owned(),
        },
        500,
    )
    .await;
    assert!(!theirs.is_empty());
    assert!(theirs.iter().all(|r| r.source_xero_id.starts_with("o-")));

    // A cursor that is not one is refused.
    assert!(l
        .store
        .account_lines(&filter, Some("not a cursor"), 10)
        .await
        .is_err());
}

#[tokio::test]
async fn an_accounts_total_is_what_the_reports_movements_give_for_it() {
    let l = ledger().await;
    rebuild(&l.store, OTHER, &documents(40, "o")).await;
    rebuild(&l.store, TENANT, &documents(300, "a")).await;
    // A third organisation has a line with no exact integer form (5 places):
    // its months and lines are summed as text.
    let mut odd = documents(100, "x");
    odd.push(vec![
        line("x-odd", "2026-02-10", "bank", "0.00005"),
        line("x-odd", "2026-02-10", "sales", "-0.00005"),
    ]);
    rebuild(&l.store, THIRD, &odd).await;
    let periods = [
        (None, "2026-02-14"),
        (None, "2026-01-31"),
        (Some("2026-01-01"), "2026-03-31"),
        (Some("2026-01-15"), "2026-03-10"),
        (Some("2026-02-03"), "2026-02-20"),
        (Some("2025-01-01"), "2025-12-31"),
    ];
    for (from, to) in periods {
        let period = LedgerPeriod {
            from: from.map(str::to_owned),
            to: to.to_owned(),
        };
        for tenant in [TENANT, THIRD] {
            let moved = l
                .store
                .account_movements_by_line(tenant, std::slice::from_ref(&period))
                .await
                .unwrap();
            for account in ["bank", "sales", "nothing"] {
                let total = l
                    .store
                    .account_total(tenant, account, &period)
                    .await
                    .unwrap();
                let want = moved[0].get(account);
                assert_eq!(
                    (total.debit, total.credit, total.lines),
                    want.map_or((Decimal::ZERO, Decimal::ZERO, 0), |m| (
                        m.debit, m.credit, m.lines
                    )),
                    "{account} over {period:?}"
                );
            }
        }
    }
}

/// Whether a plan reads `gl_lines` through its account index with both the
/// account and a range, and sorts nothing.
fn uses_the_index(plan: &[String]) -> bool {
    plan.iter().any(|d| {
        d.contains("USING INDEX gl_lines_account_date") && d.contains("<expr>=?") && d.contains(">")
    }) && !plan.iter().any(|d| d.contains("TEMP B-TREE"))
}

#[tokio::test]
async fn every_page_reads_the_account_index_in_its_order() {
    let l = ledger().await;
    rebuild(&l.store, TENANT, &documents(200, "a")).await;
    let filter = AccountLinesFilter {
        tenant_id: TENANT.to_owned(),
        account: "bank".to_owned(),
        from: Some("2026-01-15".to_owned()),
        to: "2026-03-10".to_owned(),
    };
    let first = l.store.account_lines(&filter, None, 5).await.unwrap();
    let cursor = first.next_cursor.unwrap();
    for after in [None, Some(cursor.as_str())] {
        let plan = l.store.account_lines_plan(&filter, after).await.unwrap();
        assert!(uses_the_index(&plan), "{plan:?}");
    }
    let no_start = AccountLinesFilter {
        from: None,
        ..filter
    };
    let plan = l.store.account_lines_plan(&no_start, None).await.unwrap();
    assert!(
        plan.iter()
            .any(|d| d.contains("USING INDEX gl_lines_account_date")),
        "{plan:?}"
    );
    assert!(!plan.iter().any(|d| d.contains("TEMP B-TREE")), "{plan:?}");
}

/// A million lines (about 420,000 documents), and a page deep in the bank
/// account's: what the general ledger screen reads at that size. Slow to
/// build in a debug binary, so run on demand:
/// `cargo test -p ledgerkeep-store --test account_lines -- --ignored --nocapture`.
#[tokio::test]
#[ignore]
async fn a_page_stays_fast_at_a_million_lines() {
    let l = ledger().await;
    let docs = documents(430_000, "a");
    let lines: usize = docs.iter().map(Vec::len).sum();
    assert!(lines >= 1_000_000, "{lines}");
    let started = Instant::now();
    rebuild(&l.store, TENANT, &docs).await;
    println!("rebuilt {lines} lines in {:?}", started.elapsed());
    let filter = AccountLinesFilter {
        tenant_id: TENANT.to_owned(),
        account: "bank".to_owned(),
        from: Some("2026-02-01".to_owned()),
        to: "2026-03-31".to_owned(),
    };
    // Walk 20 pages in, then time each of the next 10.
    let mut after = None;
    for _ in 0..20 {
        after = l
            .store
            .account_lines(&filter, after.as_deref(), 100)
            .await
            .unwrap()
            .next_cursor;
    }
    let mut worst = std::time::Duration::ZERO;
    for _ in 0..10 {
        let t = Instant::now();
        let page = l
            .store
            .account_lines(&filter, after.as_deref(), 100)
            .await
            .unwrap();
        worst = worst.max(t.elapsed());
        assert_eq!(page.rows.len(), 100);
        after = page.next_cursor;
    }
    println!("slowest of 10 pages of 100 lines: {worst:?}");
    assert!(worst.as_millis() < 250, "{worst:?}");
    // The opening balance the screen reads once: every account's movement
    // before a mid-month day (whole months from the month totals, the rest
    // of the month from its lines).
    let before = LedgerPeriod {
        from: None,
        to: "2026-02-14".to_owned(),
    };
    let t = Instant::now();
    let every = l
        .store
        .account_movements(TENANT, std::slice::from_ref(&before))
        .await
        .unwrap();
    println!(
        "every account's movement before 2026-02-15: {:?}",
        t.elapsed()
    );
    let t = Instant::now();
    let bank = l
        .store
        .account_total(TENANT, "bank", &before)
        .await
        .unwrap();
    println!(
        "the bank's opening balance before 2026-02-15: {:?}",
        t.elapsed()
    );
    assert_eq!(bank.net(), every[0]["bank"].net());
}
