//! Xero's budgets, fetched with the reports after a complete sync on a new
//! Starter app (granular scopes, each call's scope checked): the ledger keeps
//! every budget the simulator serves, each amount exactly, for the months of
//! the window; a second fetch changes nothing and writes no audit row; and
//! budgets Xero refuses leave the sync successful and the ledger without them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use ledgerkeep_sim::{Fault, FaultRule, Size};
use ledgerkeep_sync::budgets::window;
use ledgerkeep_sync::{no_progress, CancelToken, SyncReport, SyncRequest, DEFAULT_REPORTS_EVERY};
use rust_decimal::Decimal;
use serde_json::Value;

fn with_reports() -> SyncRequest {
    let mut r = SyncRequest::user();
    r.reports_every = Some(DEFAULT_REPORTS_EVERY);
    r
}

async fn run(h: &Harness) -> SyncReport {
    let r = h
        .engine
        .sync_tenant(
            &h.tenant(),
            &with_reports(),
            &CancelToken::new(),
            &no_progress(),
        )
        .await;
    assert!(r.succeeded(), "{:?} {:?}", r.stopped, r.error);
    r
}

/// (budget, account, period) -> amount, as the simulator serves them.
fn served(h: &Harness, from: &str, to: &str) -> BTreeMap<(String, String, String), Decimal> {
    let tenant = h.tenant();
    let budgets: Vec<Value> = h.sim.with_truth(|t| {
        ledgerkeep_sim::budgets::budgets(
            t.tenant_named(&tenant).unwrap(),
            true,
            Some(from),
            Some(to),
        )
    });
    let mut out = BTreeMap::new();
    for b in budgets {
        for l in b["BudgetLines"].as_array().unwrap() {
            for x in l["BudgetBalances"].as_array().unwrap() {
                out.insert(
                    (
                        b["BudgetID"].as_str().unwrap().to_owned(),
                        l["AccountID"].as_str().unwrap().to_owned(),
                        x["Period"].as_str().unwrap().to_owned(),
                    ),
                    x["Amount"].to_string().parse().unwrap(),
                );
            }
        }
    }
    out
}

async fn kept(h: &Harness, from: &str, to: &str) -> BTreeMap<(String, String, String), Decimal> {
    let mut out = BTreeMap::new();
    for b in h.store.budgets(&h.tenant()).await.unwrap() {
        for l in h
            .store
            .budget_lines(&h.tenant(), &b.header.budget_id, from, to)
            .await
            .unwrap()
        {
            out.insert(
                (b.header.budget_id.clone(), l.account_id, l.period),
                l.amount,
            );
        }
    }
    out
}

async fn audit_rows(h: &Harness) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE table_name LIKE 'budget%'")
        .fetch_one(h.store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_starter_app_keeps_every_budget_exactly_and_again_writes_nothing() {
    let h = harness_starter(Size::Small).await;
    run(&h).await;
    let today = chrono::DateTime::from_timestamp_millis(h.time.now_ms())
        .unwrap()
        .date_naive();
    let (from, to) = window(today);
    let (from, to) = (
        from.format("%Y-%m").to_string(),
        to.format("%Y-%m").to_string(),
    );
    let want = served(&h, &from, &to);
    assert!(want.len() > 50, "{} amounts", want.len());
    let got = kept(&h, &from, &to).await;
    assert_eq!(got, want);
    let budgets = h.store.budgets(&h.tenant()).await.unwrap();
    assert_eq!(budgets[0].header.budget_type, "OVERALL");
    let audits = audit_rows(&h).await;
    assert_eq!(
        audits,
        i64::try_from(want.len() + budgets.len()).unwrap(),
        "an audit row per line and per budget"
    );

    // Seven hours on, the reports are due again: the budgets are fetched
    // again, unchanged, and nothing is written.
    h.time.advance(Duration::from_secs(7 * 3600));
    run(&h).await;
    assert_eq!(audit_rows(&h).await, audits);
    assert!(h.store.verify_audit().await.unwrap().is_intact());
}

#[tokio::test]
async fn budgets_xero_refuses_leave_the_sync_successful() {
    let h = harness_starter(Size::Small).await;
    h.sim
        .inject(FaultRule::always(Fault::Status(403)).on("Budgets"));
    let r = run(&h).await;
    assert!(r.xero_reports >= 4, "the reports are still fetched");
    assert!(h.store.budgets(&h.tenant()).await.unwrap().is_empty());
    assert_eq!(audit_rows(&h).await, 0);
}
