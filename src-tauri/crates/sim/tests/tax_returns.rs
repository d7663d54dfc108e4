//! The published GST/BAS returns over real HTTP: `GET Reports` lists the
//! closed quarters of a New Zealand and an Australian organisation (none for
//! the British one); `GET Reports/{ReportID}` gives one as rows whose
//! figures add up, GST on each rate near its rate times its net, "No GST"
//! left off; each call is counted; a token without the tax reports scope is
//! refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, NaiveDate};
use common::*;
use ledgerkeep_sim::Clock;
use rust_decimal::Decimal;
use serde_json::Value;

const WITH_TAX: &str =
    "openid offline_access accounting.settings.read accounting.reports.taxreports.read";
const WITHOUT_TAX: &str =
    "openid offline_access accounting.settings.read accounting.reports.profitandloss.read";

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

fn field(report: &Value, id: &str) -> NaiveDate {
    let f = report["Fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["FieldID"] == id)
        .unwrap();
    NaiveDate::parse_from_str(f["Value"].as_str().unwrap(), "%Y-%m-%d").unwrap()
}

/// A section's rows by tax type (net, tax), and its summary row.
/// Each rate's (tax type, net, tax).
type Rows = Vec<(String, Decimal, Decimal)>;

fn section(report: &Value, title: &str) -> (Rows, (Decimal, Decimal)) {
    let s = report["Rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["RowType"] == "Section" && r["Title"] == title)
        .unwrap();
    let mut rows = Vec::new();
    let mut total = None;
    for r in s["Rows"].as_array().unwrap() {
        let c = r["Cells"].as_array().unwrap();
        match r["RowType"].as_str().unwrap() {
            "Row" => rows.push((
                c[0]["Attributes"][0]["Value"].as_str().unwrap().to_owned(),
                dec(&c[1]["Value"]),
                dec(&c[2]["Value"]),
            )),
            "SummaryRow" => total = Some((dec(&c[1]["Value"]), dec(&c[2]["Value"]))),
            other => panic!("{other}"),
        }
    }
    (rows, total.unwrap())
}

fn day_left(r: &reqwest::Response) -> u64 {
    r.headers()["x-daylimit-remaining"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn closed_quarters_are_published_with_figures_that_add_up() {
    let h = start_with(|b| b.new_starter_app()).await;
    let (tokens, _) = h.login_with(WITH_TAX).await;
    let today = chrono::DateTime::from_timestamp_millis(h.clock.now_ms())
        .unwrap()
        .date_naive();
    let mut checked = 0;
    for (i, rate, sales_type, purchases_type) in [
        (0, Decimal::new(15, 2), "OUTPUT2", "INPUT2"),
        (1, Decimal::new(10, 2), "OUTPUT", "INPUT"),
    ] {
        let tenant = h.tenant(i);
        let list = h.get_json(&tokens.access, &tenant, "Reports").await;
        let reports = list["Reports"].as_array().unwrap();
        assert!(reports.len() >= 4, "{}", reports.len());
        assert!(reports.len() <= ledgerkeep_sim::tax_returns::QUARTERS_KEPT);
        let mut ends = Vec::new();
        for r in reports {
            assert!(r["Rows"].as_array().unwrap().is_empty());
            let (from, to) = (field(r, "PeriodStart"), field(r, "PeriodEnd"));
            assert!(to < today, "{to} is not closed on {today}");
            assert!(
                from.day() == 1
                    && from.year() == to.year()
                    && to.month0() == from.month0() + 2
                    && from.month0() % 3 == 0
                    && to.succ_opt().unwrap().day() == 1,
                "a calendar quarter: {from} {to}"
            );
            ends.push(to);
        }
        let mut sorted = ends.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(ends, sorted, "the latest first");
        assert_eq!(
            reports[0]["ReportType"],
            if i == 0 { "GSTReturn" } else { "BASReport" }
        );

        for r in reports.iter().take(3) {
            let id = r["ReportID"].as_str().unwrap();
            let resp = h
                .get(&tokens.access, &tenant, &format!("Reports/{id}"))
                .await;
            assert_eq!(resp.status(), 200);
            let left = day_left(&resp);
            let body: Value = resp.json().await.unwrap();
            let one = &body["Reports"][0];
            assert_eq!(one["ReportID"], r["ReportID"]);
            assert_eq!(one["Fields"], r["Fields"]);
            let (sales, sales_total) = section(one, "Sales");
            let (purchases, purchases_total) = section(one, "Purchases");
            assert!(!sales.is_empty() && !purchases.is_empty());
            for (rows, total) in [(&sales, sales_total), (&purchases, purchases_total)] {
                let net: Decimal = rows.iter().map(|r| r.1).sum();
                let tax: Decimal = rows.iter().map(|r| r.2).sum();
                assert_eq!((net, tax), total);
                assert!(
                    rows.iter().all(|r| r.0 != "NONE"),
                    "No GST is off the return"
                );
            }
            // GST at the organisation's rate: each line rounds to the cent.
            for (rows, t) in [(&sales, sales_type), (&purchases, purchases_type)] {
                let (_, net, tax) = rows.iter().find(|r| r.0 == t).unwrap();
                assert!(!tax.is_zero());
                let off = (*tax - *net * rate).abs();
                assert!(
                    off <= Decimal::new(5, 1),
                    "{t}: {net} at {rate} is not {tax}"
                );
            }
            let last = one["Rows"].as_array().unwrap().last().unwrap();
            let net_tax = dec(&last["Rows"][0]["Cells"][2]["Value"]);
            assert_eq!(net_tax, sales_total.1 - purchases_total.1);
            // Published returns do not change, and the next call is counted.
            let again = h
                .get(&tokens.access, &tenant, &format!("reports/{id}"))
                .await;
            assert_eq!(day_left(&again), left - 1);
            let again: Value = again.json().await.unwrap();
            assert_eq!(again["Reports"], body["Reports"]);
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
    // The British organisation files VAT, not a GST/BAS return.
    let gb = h.get_json(&tokens.access, &h.tenant(2), "Reports").await;
    assert!(gb["Reports"].as_array().unwrap().is_empty());
    // An id that is no published return is not found.
    let r = h
        .get(
            &tokens.access,
            &h.tenant(0),
            "Reports/00000000-0000-0000-0000-000000000001",
        )
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_token_without_the_tax_reports_scope_is_refused() {
    let h = start_with(|b| b.new_starter_app()).await;
    let (tokens, _) = h.login_with(WITHOUT_TAX).await;
    let tenant = h.tenant(0);
    let r = h.get(&tokens.access, &tenant, "Reports").await;
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["Detail"], "AuthorizationUnsuccessful");
    let (with, _) = h.login_with(WITH_TAX).await;
    let list = h.get_json(&with.access, &tenant, "Reports").await;
    let id = list["Reports"][0]["ReportID"].as_str().unwrap().to_owned();
    let r = h
        .get(&tokens.access, &tenant, &format!("Reports/{id}"))
        .await;
    assert_eq!(r.status(), 401);
    // The same sign-in reads its profit and loss.
    let r = h
        .get(&tokens.access, &tenant, "Reports/ProfitAndLoss")
        .await;
    assert_eq!(r.status(), 200);
}
