//! The Budgets endpoints over real HTTP: the list names an overall budget
//! (and a tracking one) without lines; one budget holds its lines for the
//! months `DateFrom` to `DateTo` asks for, each amount near the profit and
//! loss's figure for that account and month; and a token without
//! `accounting.budgets.read` is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::*;
use rust_decimal::Decimal;
use serde_json::Value;

const WITH_BUDGETS: &str = "openid offline_access accounting.settings.read accounting.budgets.read accounting.reports.profitandloss.read";
const WITHOUT_BUDGETS: &str =
    "openid offline_access accounting.settings.read accounting.reports.profitandloss.read";

fn dec(v: &Value) -> Decimal {
    match v {
        Value::String(s) => s.parse().unwrap(),
        other => other.to_string().parse().unwrap(),
    }
}

/// The P&L's account figures of a one-month report: AccountID -> amount.
fn pl_figures(report: &Value) -> BTreeMap<String, Decimal> {
    let mut out = BTreeMap::new();
    for section in report["Rows"].as_array().unwrap() {
        for row in section["Rows"].as_array().into_iter().flatten() {
            let cells = row["Cells"].as_array().unwrap();
            let Some(id) = cells[0]["Attributes"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["Id"] == "account"))
                .and_then(|a| a["Value"].as_str())
            else {
                continue;
            };
            out.insert(id.to_owned(), dec(&cells[1]["Value"]));
        }
    }
    out
}

fn month_end(period: &str) -> String {
    let (y, m): (i32, u32) = (period[..4].parse().unwrap(), period[5..].parse().unwrap());
    let next = if m == 12 {
        chrono::NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        chrono::NaiveDate::from_ymd_opt(y, m + 1, 1)
    }
    .unwrap();
    next.pred_opt().unwrap().format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn budgets_are_listed_and_each_month_is_near_the_profit_and_loss() {
    let h = start_with(|b| b.new_starter_app()).await;
    let (tokens, _) = h.login_with(WITH_BUDGETS).await;
    let tenant = h.tenant(0);
    let list = h.get_json(&tokens.access, &tenant, "Budgets").await;
    let budgets = list["Budgets"].as_array().unwrap();
    let overall = budgets.iter().find(|b| b["Type"] == "OVERALL").unwrap();
    assert!(budgets
        .iter()
        .all(|b| b["BudgetLines"].as_array().unwrap().is_empty()));
    assert!(budgets.iter().all(|b| b["Status"] == "APPROVED"));
    let id = overall["BudgetID"].as_str().unwrap();

    // Every month first, to find the books' months.
    let whole = h
        .get_json(&tokens.access, &tenant, &format!("Budgets/{id}"))
        .await;
    let lines = whole["Budgets"][0]["BudgetLines"]
        .as_array()
        .unwrap()
        .clone();
    assert!(lines.len() >= 4, "a line per profit-and-loss account");
    let mut periods: Vec<String> = lines[0]["BudgetBalances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["Period"].as_str().unwrap().to_owned())
        .collect();
    periods.sort();
    assert!(periods.len() >= 6, "months of books: {periods:?}");
    let last3: Vec<String> = periods[periods.len() - 3..].to_vec();

    // DateFrom and DateTo keep those months only.
    let asked = h
        .get_json(
            &tokens.access,
            &tenant,
            &format!(
                "Budgets/{id}?DateFrom={}-01&DateTo={}",
                last3[0],
                month_end(&last3[2])
            ),
        )
        .await;
    let lines = asked["Budgets"][0]["BudgetLines"].as_array().unwrap();
    for l in lines {
        let ps: Vec<&str> = l["BudgetBalances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["Period"].as_str().unwrap())
            .collect();
        assert_eq!(ps, last3.iter().map(String::as_str).collect::<Vec<_>>());
    }

    // Each amount between 85 % and 115 % of the month's figure (whole units).
    let mut compared = 0;
    for p in &last3 {
        let pl = h
            .get_json(
                &tokens.access,
                &tenant,
                &format!(
                    "Reports/ProfitAndLoss?fromDate={p}-01&toDate={}",
                    month_end(p)
                ),
            )
            .await;
        let figures = pl_figures(&pl["Reports"][0]);
        for l in lines {
            let account = l["AccountID"].as_str().unwrap();
            let b = l["BudgetBalances"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["Period"] == p.as_str())
                .unwrap();
            let Some(actual) = figures.get(account) else {
                continue;
            };
            let budget = dec(&b["Amount"]);
            let (lo, hi) = (
                *actual * Decimal::new(85, 2),
                *actual * Decimal::new(115, 2),
            );
            let (lo, hi) = (lo.min(hi) - Decimal::ONE, lo.max(hi) + Decimal::ONE);
            assert!(
                budget >= lo && budget <= hi,
                "{account} {p}: budget {budget}, actual {actual}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 6, "compared {compared}");

    // The same books serve the same budget.
    let again = h
        .get_json(
            &tokens.access,
            &tenant,
            &format!(
                "Budgets/{id}?DateFrom={}-01&DateTo={}",
                last3[0],
                month_end(&last3[2])
            ),
        )
        .await;
    assert_eq!(again["Budgets"], asked["Budgets"]);
    // An unknown budget is not found.
    let r = h
        .get(
            &tokens.access,
            &tenant,
            "Budgets/00000000-0000-0000-0000-000000000001",
        )
        .await;
    assert_eq!(r.status(), 404);
    // A bad date is a 400.
    let r = h
        .get(
            &tokens.access,
            &tenant,
            &format!("Budgets/{id}?DateFrom=31/03/2026"),
        )
        .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn a_token_without_the_budgets_scope_is_refused() {
    let h = start_with(|b| b.new_starter_app()).await;
    let (tokens, _) = h.login_with(WITHOUT_BUDGETS).await;
    let tenant = h.tenant(0);
    let r = h.get(&tokens.access, &tenant, "budgets").await;
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["Detail"], "AuthorizationUnsuccessful");
    // The same sign-in reads its reports.
    let r = h
        .get(&tokens.access, &tenant, "Reports/ProfitAndLoss")
        .await;
    assert_eq!(r.status(), 200);
}
