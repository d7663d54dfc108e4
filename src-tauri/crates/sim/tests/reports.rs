//! The Reports endpoints: each figure is checked against sums made here from
//! the simulator's own Journals (no code shared with the simulator's reports),
//! the reports hold together (the trial balance balances, the balance sheet's
//! net assets are its equity), the query parameters do what the spec says,
//! and the calls count against the limits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use common::*;
use ledgerkeep_sim::wire::parse_ms_date;
use ledgerkeep_sim::Collection;
use rust_decimal::Decimal;
use serde_json::Value;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Each account's debits less credits, from the journals dated in the range.
fn nets(journals: &[Value], from: Option<NaiveDate>, to: NaiveDate) -> BTreeMap<String, Decimal> {
    let mut out = BTreeMap::new();
    for j in journals {
        let Some(ms) = j["JournalDate"].as_str().and_then(parse_ms_date) else {
            continue;
        };
        let d = chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .date_naive();
        if d > to || from.is_some_and(|f| d < f) {
            continue;
        }
        for l in j["JournalLines"].as_array().unwrap() {
            let id = l["AccountID"].as_str().unwrap().to_owned();
            let net: Decimal = l["NetAmount"].to_string().parse().unwrap();
            *out.entry(id).or_insert(Decimal::ZERO) += net;
        }
    }
    out
}

/// Every row of a report with an account attribute: id → its cells' values.
fn account_rows(report: &Value) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for s in report["Rows"].as_array().unwrap() {
        for r in s["Rows"].as_array().into_iter().flatten() {
            let cells = r["Cells"].as_array().unwrap();
            if let Some(id) = cells[0]["Attributes"][0]["Value"].as_str() {
                out.insert(
                    id.to_owned(),
                    cells
                        .iter()
                        .map(|c| c["Value"].as_str().unwrap().to_owned())
                        .collect(),
                );
            }
        }
    }
    out
}

/// The value in column `i` of the row titled `title` (anywhere in the report).
fn line(report: &Value, title: &str, i: usize) -> Decimal {
    for s in report["Rows"].as_array().unwrap() {
        for r in s["Rows"].as_array().into_iter().flatten() {
            let cells = r["Cells"].as_array().unwrap();
            if cells[0]["Value"] == title {
                return cells[i]["Value"].as_str().unwrap().parse().unwrap();
            }
        }
    }
    panic!("no row {title}");
}

fn dec(s: &str) -> Decimal {
    if s.is_empty() {
        Decimal::ZERO
    } else {
        s.parse().unwrap()
    }
}

#[tokio::test]
async fn reports_are_the_journals_sums_and_hold_together() {
    let h = start_limited(GENEROUS).await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let truth = h.sim.truth();
    let journals = truth.records(&tenant, Collection::Journals);
    let accounts: BTreeMap<String, Value> = truth
        .records(&tenant, Collection::Accounts)
        .into_iter()
        .map(|a| (a["AccountID"].as_str().unwrap().to_owned(), a))
        .collect();
    let credit_side = |id: &str| {
        matches!(
            accounts.get(id).and_then(|a| a["Class"].as_str()),
            Some("LIABILITY" | "EQUITY" | "REVENUE")
        )
    };
    let is_pl = |id: &str| {
        matches!(
            accounts.get(id).and_then(|a| a["Class"].as_str()),
            Some("REVENUE" | "EXPENSE")
        )
    };

    // The profit and loss of the financial year (it ends on 31 March).
    let body = h
        .get_json(
            &t.access,
            &tenant,
            "Reports/ProfitAndLoss?fromDate=2025-04-01&toDate=2026-03-31",
        )
        .await;
    let pl = &body["Reports"][0];
    assert_eq!(pl["ReportType"], "ProfitAndLoss");
    let year = nets(&journals, Some(day("2025-04-01")), day("2026-03-31"));
    let rows = account_rows(pl);
    assert!(rows.len() >= 4, "{rows:?}");
    for (id, net) in year.iter().filter(|(id, _)| is_pl(id)) {
        let shown = if credit_side(id) { -*net } else { *net };
        assert_eq!(dec(&rows[id][1]), shown, "account {id}");
    }
    let profit: Decimal = -year
        .iter()
        .filter(|(id, _)| is_pl(id))
        .map(|(_, v)| *v)
        .sum::<Decimal>();
    assert!(!profit.is_zero());
    assert_eq!(line(pl, "Net Profit", 1), profit);

    // The balance sheet as at the year's end: every balance to date; assets less
    // liabilities are the equity, which holds the year's profit.
    let body = h
        .get_json(&t.access, &tenant, "Reports/BalanceSheet?date=2026-03-31")
        .await;
    let bs = &body["Reports"][0];
    let to_date = nets(&journals, None, day("2026-03-31"));
    let rows = account_rows(bs);
    for (id, net) in to_date.iter().filter(|(id, _)| !is_pl(id)) {
        let a = &accounts[id];
        if a["SystemAccount"] == "RETAINEDEARNINGS" {
            continue; // holds the earlier years' profit too
        }
        let shown = if credit_side(id) { -*net } else { *net };
        assert_eq!(dec(&rows[id][1]), shown, "account {}", a["Name"]);
    }
    assert_eq!(line(bs, "Current Year Earnings", 1), profit);
    let net_assets = line(bs, "Net Assets", 1);
    assert_eq!(
        line(bs, "Total Assets", 1) - line(bs, "Total Liabilities", 1),
        net_assets
    );
    assert_eq!(line(bs, "Total Equity", 1), net_assets);

    // The trial balance: balances in the YTD columns, and it balances.
    let body = h
        .get_json(&t.access, &tenant, "Reports/TrialBalance?date=2026-03-31")
        .await;
    let tb = &body["Reports"][0];
    let header: Vec<&str> = tb["Rows"][0]["Cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["Value"].as_str().unwrap())
        .collect();
    assert_eq!(
        header,
        ["Account", "Debit", "Credit", "YTD Debit", "YTD Credit"]
    );
    let rows = account_rows(tb);
    for (id, cells) in &rows {
        let expected = if is_pl(id) {
            year.get(id)
        } else {
            to_date.get(id)
        };
        if accounts[id]["SystemAccount"] != "RETAINEDEARNINGS" {
            assert_eq!(
                dec(&cells[3]) - dec(&cells[4]),
                *expected.unwrap(),
                "account {id}"
            );
        }
    }
    assert_eq!(line(tb, "Total", 3), line(tb, "Total", 4));
    assert!(line(tb, "Total", 3) > Decimal::ZERO);
}

#[tokio::test]
async fn periods_and_timeframe_add_earlier_columns_and_bad_parameters_are_refused() {
    let h = start_limited(GENEROUS).await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let body = h
        .get_json(
            &t.access,
            &tenant,
            "Reports/ProfitAndLoss?fromDate=2026-01-01&toDate=2026-03-31&periods=2&timeframe=QUARTER",
        )
        .await;
    let header: Vec<&str> = body["Reports"][0]["Rows"][0]["Cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["Value"].as_str().unwrap())
        .collect();
    assert_eq!(header, ["", "31 Mar 2026", "31 Dec 2025", "30 Sep 2025"]);
    // The second column is the quarter before, as its own report.
    let alone = h
        .get_json(
            &t.access,
            &tenant,
            "Reports/ProfitAndLoss?fromDate=2025-10-01&toDate=2025-12-31",
        )
        .await;
    assert_eq!(
        line(&body["Reports"][0], "Net Profit", 2),
        line(&alone["Reports"][0], "Net Profit", 1)
    );

    let bs = h
        .get_json(
            &t.access,
            &tenant,
            "Reports/BalanceSheet?date=2026-02-28&periods=1&timeframe=MONTH",
        )
        .await;
    let header: Vec<&str> = bs["Reports"][0]["Rows"][0]["Cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["Value"].as_str().unwrap())
        .collect();
    assert_eq!(header, ["", "28 Feb 2026", "31 Jan 2026"]);

    for bad in [
        "Reports/ProfitAndLoss?fromDate=2026-03-31&toDate=2026-01-01",
        "Reports/ProfitAndLoss?fromDate=31/03/2026",
        "Reports/BalanceSheet?periods=13",
        "Reports/BalanceSheet?timeframe=WEEK",
        "Reports/TrialBalance?paymentsOnly=true",
    ] {
        let r = h.get(&t.access, &tenant, bad).await;
        assert_eq!(r.status(), 400, "{bad}");
        let v: Value = r.json().await.unwrap();
        assert!(!v["Message"].as_str().unwrap().is_empty(), "{bad}: {v}");
    }
    assert_eq!(
        h.get(&t.access, &tenant, "Reports/CashFlow").await.status(),
        404
    );
}

#[tokio::test]
async fn report_calls_count_against_the_minute_limit() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let remaining = |r: &reqwest::Response| -> u32 {
        r.headers()["x-minlimit-remaining"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let first = h.get(&t.access, &tenant, "Reports/TrialBalance").await;
    let second = h.get(&t.access, &tenant, "Reports/BalanceSheet").await;
    assert_eq!(first.status(), 200);
    assert_eq!(remaining(&first) - 1, remaining(&second));
}
