//! Budget against actual on books synced from the simulator by a new Starter
//! app (granular scopes, its budgets scope among them): for each of six
//! months, every account's actual equals that account's figure in the
//! profit and loss of that month (run as the Reports screen runs it), and
//! its budget equals the simulator's budget for that account and month.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use ledgerkeep_api::ops::budgets::{budget_vs_actual, BudgetVsActualRequest, VarianceDirection};
use ledgerkeep_api::*;
use ledgerkeep_sim::{Limits, Size};
use rust_decimal::Decimal;
use serde_json::Value;

mod common;

use common::ymd;

#[tokio::test]
async fn actual_is_the_profit_and_loss_and_budget_is_xeros_per_account_and_month() {
    let s = common::starter_signed_in(23, Size::Small, Limits::STARTER).await;
    let svc = common::test_service(
        &s.ctx,
        &s.xero,
        &s.time,
        std::time::Duration::from_secs(3600),
    )
    .await;
    let tenant = s.sim.tenants()[0].tenant_id.clone();
    common::sync_ok(&svc, &tenant).await;

    // The six months before the books' last (the simulator's own budget periods).
    let sim_budgets: Vec<Value> = s.sim.with_truth(|t| {
        ledgerkeep_sim::budgets::budgets(t.tenant_named(&tenant).unwrap(), true, None, None)
    });
    let overall = sim_budgets.iter().find(|b| b["Type"] == "OVERALL").unwrap();
    let mut periods: Vec<String> = overall["BudgetLines"][0]["BudgetBalances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["Period"].as_str().unwrap().to_owned())
        .collect();
    periods.sort();
    let last = periods.len() - 1;
    let months: Vec<String> = periods[last - 6..last].to_vec();
    // AccountID -> period -> amount, as the simulator serves it.
    let mut budget: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for l in overall["BudgetLines"].as_array().unwrap() {
        for b in l["BudgetBalances"].as_array().unwrap() {
            budget.insert(
                (
                    l["AccountID"].as_str().unwrap().to_owned(),
                    b["Period"].as_str().unwrap().to_owned(),
                ),
                b["Amount"].to_string().parse().unwrap(),
            );
        }
    }

    let view = budget_vs_actual(
        &s.ctx,
        BudgetVsActualRequest {
            tenant_id: tenant.clone(),
            from: months[0].clone(),
            to: months[5].clone(),
            budget_id: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(view.months, months);
    assert_eq!(view.budget_id.as_deref(), overall["BudgetID"].as_str());
    assert!(view.budgets.len() >= 2, "the overall and a tracking budget");
    assert!(view.rows.len() >= 4);

    let mut compared = 0;
    let mut favourable = 0;
    for (i, m) in months.iter().enumerate() {
        let start = NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").unwrap();
        let end = start
            .checked_add_months(Months::new(1))
            .unwrap()
            .pred_opt()
            .unwrap();
        assert_eq!(start.year().to_string(), m[..4]);
        // Built as the UI sends it: the request's other fields take their defaults.
        let request: ReportRequest = serde_json::from_value(serde_json::json!({
            "tenantId": tenant,
            "kind": "profitAndLoss",
            "period": {"from": ymd(start), "to": ymd(end)},
            "comparisons": [],
        }))
        .unwrap();
        let pl = run_report(&s.ctx, request).await.unwrap();
        // Code -> the account's figure in the profit and loss.
        let figures: BTreeMap<String, Decimal> = pl
            .sections
            .iter()
            .flat_map(|s| s.rows.iter())
            .filter_map(|r| {
                Some((
                    r.code.clone()?,
                    r.cells[0].amount.map_or(Decimal::ZERO, |a| a.as_decimal()),
                ))
            })
            .collect();
        for row in &view.rows {
            let cell = &row.months[i];
            let code = row.code.clone().unwrap();
            let actual = figures.get(&code).copied().unwrap_or(Decimal::ZERO);
            assert_eq!(cell.actual.as_decimal(), actual, "{code} {m}: actual");
            let want = budget
                .get(&(row.account.clone(), m.clone()))
                .copied()
                .unwrap_or(Decimal::ZERO);
            assert_eq!(cell.budget.as_decimal(), want, "{code} {m}: budget");
            assert_eq!(
                cell.variance.as_decimal(),
                cell.actual.as_decimal() - cell.budget.as_decimal()
            );
            if cell.direction == VarianceDirection::Favourable {
                favourable += 1;
            }
            compared += 1;
        }
        // Every account the profit and loss shows is on a row.
        for code in figures.keys() {
            assert!(
                view.rows
                    .iter()
                    .any(|r| r.code.as_deref() == Some(code.as_str())),
                "{code} {m} is in the profit and loss but not in the comparison"
            );
        }
    }
    assert!(compared >= 24, "{compared}");
    assert!(
        favourable > 0 && favourable < compared,
        "{favourable} of {compared}"
    );
}
