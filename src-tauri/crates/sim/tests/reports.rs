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

fn ms_day(v: &Value) -> Option<NaiveDate> {
    v.as_str()
        .and_then(parse_ms_date)
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|d| d.date_naive())
}

fn num(v: &Value) -> Decimal {
    match v {
        Value::String(s) => s.parse().unwrap(),
        Value::Null => Decimal::ZERO,
        other => other.to_string().parse().unwrap(),
    }
}

/// The cash basis worked out in the test's own way, with exact fractions
/// (no rounding) and one pass per settlement: per P&L account over
/// `from..=to`, the journals that are not an invoice, bill or credit note as
/// issued (nor a manual journal left off cash-basis reports), plus each settled document's line nets times `amount / total` for
/// each payment or allocation dated in the range; and how many document
/// lines of each account were counted (each may be a cent off, as the
/// report rounds each part to the cent).
fn cash_expected(
    truth: &ledgerkeep_sim::Truth,
    tenant: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> (BTreeMap<String, Decimal>, BTreeMap<String, u32>) {
    let in_range = |d: NaiveDate| d >= from && d <= to;
    let code_to_id: BTreeMap<String, String> = truth
        .records(tenant, Collection::Accounts)
        .into_iter()
        .map(|a| {
            (
                a["Code"].as_str().unwrap_or_default().to_owned(),
                a["AccountID"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut pieces: BTreeMap<String, u32> = BTreeMap::new();
    // Manual journals the owner left off cash-basis reports count not at all.
    let off_cash: Vec<String> = truth
        .records(tenant, Collection::ManualJournals)
        .into_iter()
        .filter(|m| m["ShowOnCashBasisReports"] == false)
        .map(|m| m["ManualJournalID"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        !off_cash.is_empty(),
        "{tenant}: no manual journal is off the cash basis"
    );
    for j in truth.records(tenant, Collection::Journals) {
        let issued = matches!(
            j["SourceType"].as_str(),
            Some("ACCREC" | "ACCPAY" | "ACCRECCREDIT" | "ACCPAYCREDIT")
        );
        let hidden = j["SourceType"] == "MANJOURNAL"
            && off_cash.iter().any(|id| j["SourceID"] == id.as_str());
        if issued || hidden || !ms_day(&j["JournalDate"]).is_some_and(in_range) {
            continue;
        }
        for l in j["JournalLines"].as_array().unwrap() {
            *out.entry(l["AccountID"].as_str().unwrap().to_owned())
                .or_default() += num(&l["NetAmount"]);
        }
    }
    // What settles each document: (date, amount).
    let mut settled: BTreeMap<String, Vec<(NaiveDate, Decimal)>> = BTreeMap::new();
    for p in truth.records(tenant, Collection::Payments) {
        if p["Status"] != "AUTHORISED" {
            continue;
        }
        let doc = p["Invoice"]["InvoiceID"]
            .as_str()
            .or(p["CreditNote"]["CreditNoteID"].as_str());
        if let Some(doc) = doc {
            settled
                .entry(doc.to_owned())
                .or_default()
                .push((ms_day(&p["Date"]).unwrap(), num(&p["Amount"])));
        }
    }
    for (c, key) in [
        (Collection::CreditNotes, "CreditNoteID"),
        (Collection::Overpayments, "OverpaymentID"),
        (Collection::Prepayments, "PrepaymentID"),
    ] {
        for doc in truth.records(tenant, c) {
            if !matches!(doc["Status"].as_str(), Some("AUTHORISED" | "PAID")) {
                continue;
            }
            for a in doc["Allocations"].as_array().into_iter().flatten() {
                let part = (ms_day(&a["Date"]).unwrap(), num(&a["Amount"]));
                settled
                    .entry(a["Invoice"]["InvoiceID"].as_str().unwrap().to_owned())
                    .or_default()
                    .push(part);
                if c == Collection::CreditNotes {
                    settled
                        .entry(doc[key].as_str().unwrap().to_owned())
                        .or_default()
                        .push(part);
                }
            }
        }
    }
    for (c, key) in [
        (Collection::Invoices, "InvoiceID"),
        (Collection::CreditNotes, "CreditNoteID"),
    ] {
        for doc in truth.records(tenant, c) {
            if !matches!(doc["Status"].as_str(), Some("AUTHORISED" | "PAID")) {
                continue;
            }
            let share: Decimal = settled
                .get(doc[key].as_str().unwrap())
                .into_iter()
                .flatten()
                .filter(|(d, _)| in_range(*d))
                .map(|(_, a)| *a)
                .sum();
            if share.is_zero() {
                continue;
            }
            let fraction = share / num(&doc["Total"]);
            let rate = match num(&doc["CurrencyRate"]) {
                r if r.is_zero() => Decimal::ONE,
                r => r,
            };
            // Sales and refunds of purchases are credits.
            let credit = matches!(doc["Type"].as_str(), Some("ACCREC" | "ACCPAYCREDIT"));
            for l in doc["LineItems"].as_array().unwrap() {
                let id = code_to_id[l["AccountCode"].as_str().unwrap()].clone();
                let base = (num(&l["LineAmount"]) / rate).round_dp_with_strategy(
                    2,
                    rust_decimal::RoundingStrategy::MidpointAwayFromZero,
                );
                let signed = if credit { -base } else { base };
                *out.entry(id.clone()).or_default() += signed * fraction;
                *pieces.entry(id).or_default() += 1;
            }
        }
    }
    (out, pieces)
}

#[tokio::test]
async fn the_cash_basis_counts_documents_as_they_are_paid_and_everything_else_as_posted() {
    let h = start_limited(GENEROUS).await;
    let t = h.login().await;
    let truth = h.sim.truth();
    for i in 0..3 {
        let tenant = h.tenant(i);
        let accounts: BTreeMap<String, Value> = truth
            .records(&tenant, Collection::Accounts)
            .into_iter()
            .map(|a| (a["AccountID"].as_str().unwrap().to_owned(), a))
            .collect();
        let class = |id: &str| {
            accounts
                .get(id)
                .and_then(|a| a["Class"].as_str())
                .unwrap_or("")
        };
        let mut differs = false;
        for (from, to) in [
            ("2025-04-01", "2026-03-31"),
            ("2025-10-01", "2025-10-31"),
            ("2026-01-01", "2026-01-31"),
            ("1900-01-01", "2100-12-31"),
        ] {
            let path = format!("Reports/ProfitAndLoss?fromDate={from}&toDate={to}");
            let cash = h
                .get_json(&t.access, &tenant, &format!("{path}&paymentsOnly=true"))
                .await;
            let accrual = h.get_json(&t.access, &tenant, &path).await;
            let cash = &cash["Reports"][0];
            assert_eq!(cash["ReportType"], "ProfitAndLoss");
            let (expected, pieces) = cash_expected(&truth, &tenant, day(from), day(to));
            let rows = account_rows(cash);
            let mut profit = Decimal::ZERO;
            for (id, net) in expected
                .iter()
                .filter(|(id, _)| matches!(class(id), "REVENUE" | "EXPENSE"))
            {
                let shown = if class(id) == "REVENUE" { -*net } else { *net };
                let got = rows.get(id).map_or(Decimal::ZERO, |r| dec(&r[1]));
                let slack = Decimal::new(i64::from(pieces.get(id).copied().unwrap_or(0)), 2);
                assert!(
                    (got - shown).abs() <= slack,
                    "{tenant} {from}..{to} account {}: {got} shown, {shown} expected (±{slack})",
                    accounts[id]["Name"]
                );
                profit -= *net;
            }
            // Every row shown is an account the test expects.
            for id in rows.keys() {
                assert!(expected.contains_key(id), "unexpected row {id}");
            }
            let slack = Decimal::new(i64::from(pieces.values().sum::<u32>()), 2);
            assert!((line(cash, "Net Profit", 1) - profit).abs() <= slack);
            differs |= line(cash, "Net Profit", 1) != line(&accrual["Reports"][0], "Net Profit", 1);
        }
        assert!(differs, "{tenant}: the cash basis is not the accrual basis");
    }
    for bad in [
        "Reports/BalanceSheet?date=2026-02-28&paymentsOnly=true",
        "Reports/ProfitAndLoss?paymentsOnly=maybe",
    ] {
        assert_eq!(
            h.get(&t.access, &tenant_of(&h), bad).await.status(),
            400,
            "{bad}"
        );
    }
}

fn tenant_of(h: &Harness) -> String {
    h.tenant(0)
}
