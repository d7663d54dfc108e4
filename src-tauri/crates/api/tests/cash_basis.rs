//! The cash-basis profit and loss against Xero's (`paymentsOnly=true`), on
//! the books a new Starter app sees (no Journals): after a sync, the profit
//! and loss of each of the last 24 months and of each financial year the
//! books cover, on the cash basis, equals the simulator's to the cent, for
//! all three organisations.
//!
//! As in `matches_xero.rs`, Xero's report is fetched here with the app's own
//! client over loopback, stored as the sync stores the reports it fetches
//! (under its own kind, apart from the accrual one), and `run_report`'s own
//! comparison names every line that is not Xero's. The simulator works its
//! cash basis out from its documents and payments with code of its own; the
//! app from the ledger it rebuilt from the documents it synced.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use chrono::{Datelike, Months, NaiveDate};
use ledgerkeep_api::*;
use ledgerkeep_domain::xero_report::{ReportToFetch, XeroReportKind};
use ledgerkeep_sim::{Limits, Size};

mod common;

/// A new Starter app (granular scopes, no Journals) signed in to small
/// books of `seed`.
async fn starter(seed: u64) -> common::SignedIn {
    common::starter_signed_in(seed, Size::Small, Limits::STARTER).await
}

use common::ymd;

use common::fetch_and_store;

async fn profit_and_loss(
    s: &common::SignedIn,
    tenant: &str,
    r: &ReportToFetch,
    basis: ReportBasis,
) -> ReportView {
    run_report(
        &s.ctx,
        ReportRequest {
            tracking: None,
            by_tracking_category: None,
            tenant_id: tenant.to_owned(),
            kind: ReportKind::ProfitAndLoss,
            period: ReportPeriod {
                from: r.from.map(ymd),
                to: ymd(r.to),
            },
            comparisons: Vec::new(),
            basis: Some(basis),
        },
    )
    .await
    .unwrap()
}

const NET_PROFIT_LABEL: &str = "Net profit";

/// The last 24 months before `today`, newest first.
fn months(today: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let this_month = today.with_day(1).unwrap();
    (1..=24)
        .map(|back| {
            let start = this_month.checked_sub_months(Months::new(back)).unwrap();
            let end = start
                .checked_add_months(Months::new(1))
                .unwrap()
                .pred_opt()
                .unwrap();
            (start, end)
        })
        .collect()
}

#[tokio::test]
async fn on_starter_books_the_cash_profit_and_loss_equals_xeros_for_24_months_and_the_years() {
    let started = std::time::Instant::now();
    let s = starter(31).await;
    let svc = common::test_service(
        &s.ctx,
        &s.xero,
        &s.time,
        std::time::Duration::from_secs(3600),
    )
    .await;
    let tenants: Vec<String> = s.sim.tenants().into_iter().map(|t| t.tenant_id).collect();
    assert_eq!(tenants.len(), 3, "three organisations, three currencies");
    for tenant in &tenants {
        common::sync_ok(&svc, tenant).await;
    }
    // An hour on, the next syncs keep the rest of what anchors the ledger.
    s.time.advance(std::time::Duration::from_secs(3600));
    for tenant in &tenants {
        common::sync_ok(&svc, tenant).await;
    }
    let today = chrono::DateTime::from_timestamp_millis(s.time.now_ms())
        .unwrap()
        .date_naive();
    let mut wanted: Vec<ReportToFetch> = months(today)
        .into_iter()
        .map(|(from, to)| ReportToFetch {
            kind: XeroReportKind::ProfitAndLossCash,
            from: Some(from),
            to,
        })
        .collect();
    // The financial years (to 31 March) that the 24 months touch.
    for end_year in [2025, 2026, 2027] {
        wanted.push(ReportToFetch {
            kind: XeroReportKind::ProfitAndLossCash,
            from: NaiveDate::from_ymd_opt(end_year - 1, 4, 1),
            to: NaiveDate::from_ymd_opt(end_year, 3, 31).unwrap(),
        });
    }
    let mut mismatches = Vec::new();
    let (mut compared, mut with_figures, mut differ_from_accrual) = (0, 0, 0);
    for tenant in &tenants {
        for r in &wanted {
            let accounts = fetch_and_store(&s, tenant, r).await;
            let cash = profit_and_loss(&s, tenant, r, ReportBasis::Cash).await;
            compared += 1;
            assert_eq!(cash.basis, ReportBasis::Cash);
            assert!(
                cash.notes.iter().any(|n| n.starts_with("Cash basis")),
                "{:?}",
                cash.notes
            );
            if accounts > 0 {
                with_figures += 1;
                assert!(
                    cash.xero.lines.iter().any(|l| l.account.is_some()),
                    "{r:?}: no account line compared: {:?} {}",
                    cash.xero.status,
                    cash.xero.message
                );
            }
            if cash.xero.status != XeroComparisonStatus::Matches {
                mismatches.push(format!(
                    "{tenant} {:?}..{}: {:?} {} {:?}",
                    r.from, r.to, cash.xero.status, cash.xero.message, cash.xero.differences
                ));
            }
            // The accrual report of the same period is compared with
            // Xero's accrual report only (when the sync stored one), never
            // with the cash one, which differs from it in most months.
            let accrual = profit_and_loss(&s, tenant, r, ReportBasis::Accrual).await;
            assert!(
                matches!(
                    accrual.xero.status,
                    XeroComparisonStatus::NotFetched | XeroComparisonStatus::Matches
                ),
                "{tenant} {r:?}: {:?} {}",
                accrual.xero.status,
                accrual.xero.message
            );
            let net = |v: &ReportView| {
                v.summary
                    .iter()
                    .find(|r| r.label == NET_PROFIT_LABEL)
                    .and_then(|r| r.cells[0].amount)
                    .map(|m| m.as_decimal())
            };
            if net(&accrual) != net(&cash) {
                differ_from_accrual += 1;
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // The books hold posted manual journals left off cash-basis reports in
    // the months compared: the rule that leaves them out was exercised.
    let earliest = months(today).last().unwrap().0;
    let off_cash: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM manual_journals WHERE status = 'POSTED' AND date >= ? \
         AND json_extract(raw_json, '$.ShowOnCashBasisReports') = 0",
    )
    .bind(ymd(earliest))
    .fetch_one(s.ctx.store().pool())
    .await
    .unwrap();
    assert!(
        off_cash > 0,
        "no posted manual journal is off the cash basis"
    );
    // Not vacuous: most reports hold account lines, and the cash basis is
    // not the accrual basis under another name.
    assert!(
        with_figures * 4 >= compared * 3,
        "{with_figures} of {compared} reports hold figures"
    );
    assert!(
        differ_from_accrual * 2 >= with_figures,
        "only {differ_from_accrual} of {with_figures} cash reports differ from the accrual ones"
    );
    println!(
        "{compared} cash-basis reports of Xero's compared ({with_figures} with account lines, \
         {differ_from_accrual} differing from the accrual ones): all equal, in {:.1?}",
        started.elapsed()
    );
}
