//! What the reports read: account movements summed exactly per period, and the
//! lines behind a figure paged by keyset through journals that share a date.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use common::*;
use ledgerkeep_domain::Money;
use ledgerkeep_store::general_ledger::GlLine;
use ledgerkeep_store::reports::{LedgerLineFilter, LedgerPeriod, LineSign};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

const DAY: i64 = 86_400_000;

/// Journal `n` on day `day`: `amount` debited to the bank, credited to sales.
fn journal(n: i64, day: i64, amount: &str) -> Value {
    let neg = amount
        .strip_prefix('-')
        .map_or_else(|| format!("-{amount}"), str::to_owned);
    let text = format!(
        r#"{{"JournalID": "j-{n}", "JournalNumber": {n}, "JournalDate": "/Date({}+0000)/",
            "CreatedDateUTC": "/Date({}+0000)/", "SourceType": "CASHREC", "SourceID": "bt-{n}",
            "Reference": "r{n}", "JournalLines": [
              {{"JournalLineID": "l-{n}-a", "AccountID": "bank", "AccountCode": "090", "AccountType": "BANK",
                "AccountName": "Bank", "NetAmount": {amount}, "GrossAmount": {amount}, "TaxAmount": 0}},
              {{"JournalLineID": "l-{n}-b", "AccountID": "sales", "AccountCode": "200", "AccountType": "REVENUE",
                "AccountName": "Sales", "NetAmount": {neg}, "GrossAmount": {neg}, "TaxAmount": 0}}]}}"#,
        day * DAY,
        day * DAY + 1000
    );
    serde_json::from_str(&text).unwrap()
}

/// Keeps `page` (entries in the shape of Xero's journals, as JSON) as the
/// general ledger the reports read: one entry per journal, its lines in order.
async fn store_journals(l: &Ledger, page: Vec<Value>) {
    let mut writer = l.store.begin_general_ledger(TENANT).await.unwrap();
    for j in &page {
        let ms: i64 = j["JournalDate"].as_str().unwrap()[6..]
            .split('+')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let date = chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .date_naive()
            .to_string();
        let lines: Vec<GlLine> = j["JournalLines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|line| GlLine {
                date: date.clone(),
                reference: j["Reference"].as_str().map(str::to_owned),
                source_xero_id: j["JournalID"].as_str().unwrap().to_owned(),
                source_type: j["SourceType"].as_str().unwrap().to_owned(),
                line_xero_id: line["JournalLineID"].as_str().map(str::to_owned),
                role: "item".to_owned(),
                account_xero_id: line["AccountID"].as_str().map(str::to_owned),
                account_code: line["AccountCode"].as_str().map(str::to_owned),
                account_type: line["AccountType"].as_str().map(str::to_owned),
                account_name: line["AccountName"].as_str().map(str::to_owned),
                description: None,
                net: Money::parse(&line["NetAmount"].to_string()).unwrap(),
                tax_type: None,
                currency_code: None,
                foreign_amount: None,
                tracking_json: None,
            })
            .collect();
        writer.write(&lines).await.unwrap();
    }
    writer
        .finish("1970-01-01T00:00:00Z", page.len() as u64, &[])
        .await
        .unwrap();
}

/// Day `d` of the test journals (from 1 January 1970, up to 8).
fn date(d: i64) -> String {
    format!("1970-01-0{}", d + 1)
}

/// Everything to day 4; days 1 to 2; day 3 alone.
fn three_periods() -> [LedgerPeriod; 3] {
    [
        LedgerPeriod {
            from: None,
            to: date(4),
        },
        LedgerPeriod {
            from: Some(date(1)),
            to: date(2),
        },
        LedgerPeriod {
            from: Some(date(3)),
            to: date(3),
        },
    ]
}

#[tokio::test]
async fn movements_are_exact_per_period_and_every_line_is_paged_once() {
    let l = ledger().await;
    // 25 journals over 5 days, five a day; amounts with 2 and 4 decimal places,
    // one too large for ten-thousandths in an i64, and a refund (a credit to the bank).
    let mut page = Vec::new();
    let mut amounts = Vec::new();
    for n in 0..25 {
        let amount = match n {
            7 => "98765432109876543.21".to_owned(),
            11 => "-40.1234".to_owned(),
            _ => format!("{}.{:02}", 10 + n, n),
        };
        amounts.push((n / 5, Decimal::from_str(&amount).unwrap()));
        page.push(journal(n, n / 5, &amount));
    }
    store_journals(&l, page).await;
    let periods = three_periods();
    let moved = l.store.account_movements(TENANT, &periods).await.unwrap();
    for (i, p) in [(0, 4), (1, 2), (3, 3)].iter().enumerate() {
        let in_period: Vec<Decimal> = amounts
            .iter()
            .filter(|(d, _)| *d >= p.0 && *d <= p.1)
            .map(|(_, a)| *a)
            .collect();
        let debit: Decimal = in_period.iter().filter(|a| a.is_sign_positive()).sum();
        let credit: Decimal = -in_period
            .iter()
            .filter(|a| a.is_sign_negative())
            .sum::<Decimal>();
        let bank = &moved[i]["bank"];
        assert_eq!((bank.debit, bank.credit), (debit, credit), "period {i}");
        assert_eq!(bank.lines as usize, in_period.len());
        // Each journal balances: sales mirror the bank.
        let sales = &moved[i]["sales"];
        assert_eq!((sales.debit, sales.credit), (credit, debit));
    }

    // Paged two at a time through journals sharing each date: each line once, in order.
    for (sign, want) in [
        (None, 25),
        (Some(LineSign::Debits), 24),
        (Some(LineSign::Credits), 1),
    ] {
        let filter = LedgerLineFilter {
            tenant_id: TENANT.to_owned(),
            account: "bank".to_owned(),
            period: LedgerPeriod {
                from: None,
                to: date(4),
            },
            sign,
        };
        let mut seen = Vec::new();
        let mut sum = Decimal::ZERO;
        let mut after = None;
        loop {
            let p = l
                .store
                .ledger_lines(&filter, after.as_deref(), 2)
                .await
                .unwrap();
            assert!(p.rows.len() <= 2);
            for r in &p.rows {
                seen.push(r.journal_xero_id.clone());
                sum += r.net.as_decimal();
            }
            match p.next_cursor {
                Some(c) => after = Some(c),
                None => break,
            }
        }
        assert_eq!(seen.len(), want, "{sign:?}");
        let mut unique = seen.clone();
        unique.dedup();
        assert_eq!(unique.len(), want, "no line twice");
        let expected: Decimal = amounts
            .iter()
            .map(|(_, a)| *a)
            .filter(|a| match sign {
                None => true,
                Some(LineSign::Debits) => a.is_sign_positive(),
                Some(LineSign::Credits) => a.is_sign_negative(),
            })
            .sum();
        assert_eq!(sum, expected);
    }
    assert!(l
        .store
        .ledger_lines(
            &LedgerLineFilter {
                tenant_id: TENANT.to_owned(),
                account: "bank".to_owned(),
                period: LedgerPeriod {
                    from: None,
                    to: date(4)
                },
                sign: None,
            },
            Some("not a cursor"),
            2,
        )
        .await
        .is_err());
}

/// Applies journals `(number, day, amount)` and reads three overlapping periods
/// both ways: summed by SQLite over the integer amounts, and line by line in Rust.
async fn both_ways(
    journals: &[(i64, i64, &str)],
) -> (
    Vec<std::collections::BTreeMap<String, ledgerkeep_store::reports::AccountMovement>>,
    Vec<std::collections::BTreeMap<String, ledgerkeep_store::reports::AccountMovement>>,
) {
    let l = ledger().await;
    let page = journals
        .iter()
        .map(|(n, day, amount)| journal(*n, *day, amount))
        .collect();
    store_journals(&l, page).await;
    let periods = three_periods();
    let summed = l.store.account_movements(TENANT, &periods).await.unwrap();
    let by_line = l
        .store
        .account_movements_by_line(TENANT, &periods)
        .await
        .unwrap();
    (summed, by_line)
}

#[tokio::test]
async fn movements_summed_by_sqlite_equal_the_line_by_line_sums() {
    // Two and four decimal places, refunds (credits to the bank), a zero, and a
    // day with no journal (day 3's period is empty).
    let (summed, by_line) = both_ways(&[
        (1, 0, "10.25"),
        (2, 0, "-3.1234"),
        (3, 1, "0.00"),
        (4, 1, "1999.99"),
        (5, 2, "0.0001"),
        (6, 2, "-250.50"),
        (7, 4, "12345678.90"),
    ])
    .await;
    assert_eq!(summed, by_line);
    let bank = &summed[0]["bank"];
    assert_eq!(bank.debit, Decimal::from_str("12347689.1401").unwrap());
    assert_eq!(bank.credit, Decimal::from_str("253.6234").unwrap());
    assert_eq!(bank.lines, 7);
    assert_eq!(
        summed[1]["sales"].net(),
        Decimal::from_str("-1749.4901").unwrap()
    );
    assert!(summed[2].is_empty());
}

#[tokio::test]
async fn a_sum_too_large_for_sqlites_integers_is_still_exact() {
    // Each amount fits in ten-thousandths in an i64; their sum does not, so
    // SQLite's SUM raises an overflow and the lines are summed in Rust.
    let (summed, by_line) = both_ways(&[
        (1, 0, "900000000000000.00"),
        (2, 1, "900000000000000.00"),
        (3, 2, "0.01"),
    ])
    .await;
    assert_eq!(summed, by_line);
    assert_eq!(
        summed[0]["bank"].debit,
        Decimal::from_str("1800000000000000.01").unwrap()
    );
}
