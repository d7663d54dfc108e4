//! The rebuilt general ledger against Xero's own reports, on the books a new
//! Starter app sees (no Journals): after a sync, for each of the last 24
//! month-ends the profit and loss of that month, the balance sheet and the
//! trial balance at that day, and the profit and loss of each financial year
//! the books cover, equal the simulator's report endpoints to the cent.
//!
//! Each of Xero's reports is fetched here with the app's own client (over
//! loopback, the granular report scopes, the Starter tier's limits), stored
//! as the sync stores the ones it fetches, and the Reports screen's own
//! comparison (`run_report`'s `xero`) names every line, account or total,
//! that is not Xero's. The simulator computes its reports from its Journals,
//! which the app cannot read here: the two meet only through the documents.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a test prints what it compared

use chrono::{Datelike, Months, NaiveDate};
use ledgerkeep_api::*;
use ledgerkeep_domain::xero_report::{ReportToFetch, XeroReportKind};
use ledgerkeep_sim::{Limits, Size};

mod common;

/// A new Starter app (granular scopes, no Journals) signed in to `size`
/// books of `seed`, with the app's default scopes.
async fn starter(seed: u64, size: Size) -> common::SignedIn {
    common::starter_signed_in(seed, size, Limits::STARTER).await
}

use common::ymd;

use common::fetch_and_store;

/// The app's report of `r`'s kind and period, beside the stored Xero one.
async fn compared(s: &common::SignedIn, tenant: &str, r: &ReportToFetch) -> ReportView {
    let kind = match r.kind {
        XeroReportKind::ProfitAndLoss | XeroReportKind::ProfitAndLossCash => {
            ReportKind::ProfitAndLoss
        }
        XeroReportKind::BalanceSheet => ReportKind::BalanceSheet,
        XeroReportKind::TrialBalance => ReportKind::TrialBalance,
    };
    run_report(
        &s.ctx,
        ReportRequest {
            tracking: None,
            by_tracking_category: None,
            tenant_id: tenant.to_owned(),
            kind,
            period: ReportPeriod {
                from: r.from.map(ymd),
                to: ymd(r.to),
            },
            comparisons: Vec::new(),
            basis: None,
        },
    )
    .await
    .unwrap()
}

/// The last 24 month-ends before `today`, newest first.
fn month_ends(today: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
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
async fn on_starter_books_every_report_equals_xeros_at_each_of_the_last_24_month_ends_and_the_years(
) {
    let s = starter(31, Size::Small).await;
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
    // The first syncs stored a run's worth of Xero's trial balances each
    // (the books span 18 months): with the earlier year not yet anchored,
    // every trial balance still balances.
    for tenant in &tenants {
        for back in 1..=18 {
            let month = NaiveDate::from_ymd_opt(2026, 7, 1)
                .unwrap()
                .checked_sub_months(Months::new(back - 1))
                .unwrap()
                .pred_opt()
                .unwrap();
            let tb = compared(
                &s,
                tenant,
                &ReportToFetch {
                    kind: XeroReportKind::TrialBalance,
                    from: None,
                    to: month,
                },
            )
            .await;
            let total = |label: &str| {
                tb.summary
                    .iter()
                    .chain(tb.sections.iter().filter_map(|s| s.total.as_ref()))
                    .find(|r| r.label == label)
                    .map(|r| (r.cells[0].amount, r.cells[1].amount))
            };
            let (debit, credit) = total("Total").unwrap_or_else(|| panic!("{:?}", tb.summary));
            assert_eq!(debit, credit, "{tenant} {month}");
        }
    }
    // An hour on, the next syncs store the rest.
    s.time.advance(std::time::Duration::from_secs(3600));
    for tenant in &tenants {
        common::sync_ok(&svc, tenant).await;
    }
    for tenant in &tenants {
        every_report_equals_xeros(&s, tenant).await;
    }
}

async fn every_report_equals_xeros(s: &common::SignedIn, tenant: &str) {
    let tenant = tenant.to_owned();
    let status = sync_status(
        &s.ctx,
        SyncStatusRequest {
            tenant_id: Some(tenant.clone()),
        },
    )
    .await
    .unwrap();
    let refused: Vec<String> = status
        .tenants
        .iter()
        .filter(|t| t.tenant_id == tenant)
        .flat_map(|t| t.refused.iter().map(|r| r.stream.clone()))
        .collect();
    assert_eq!(
        refused,
        vec!["Journals".to_owned()],
        "a Starter app reads no Journals"
    );

    let today = chrono::DateTime::from_timestamp_millis(s.time.now_ms())
        .unwrap()
        .date_naive();
    let mut wanted = Vec::new();
    for (start, end) in month_ends(today) {
        wanted.push(ReportToFetch {
            kind: XeroReportKind::ProfitAndLoss,
            from: Some(start),
            to: end,
        });
        for kind in [XeroReportKind::BalanceSheet, XeroReportKind::TrialBalance] {
            wanted.push(ReportToFetch {
                kind,
                from: None,
                to: end,
            });
        }
    }
    // The financial years (to 31 March) that the 24 months touch.
    for end_year in [2025, 2026, 2027] {
        wanted.push(ReportToFetch {
            kind: XeroReportKind::ProfitAndLoss,
            from: NaiveDate::from_ymd_opt(end_year - 1, 4, 1),
            to: NaiveDate::from_ymd_opt(end_year, 3, 31).unwrap(),
        });
    }

    let mut with_figures = 0;
    let mut payroll_explained = 0;
    let mut mismatches = Vec::new();
    for r in &wanted {
        let accounts = fetch_and_store(s, &tenant, r).await;
        if accounts > 0 {
            with_figures += 1;
        }
        let v = compared(s, &tenant, r).await;
        if v.notes
            .iter()
            .filter(|n| n.starts_with("Not visible through Xero's API."))
            .map(String::as_str)
            .collect::<String>()
            .contains("(477)")
        {
            payroll_explained += 1;
        }
        // Each compared line says so, and says it is Xero's figure.
        if accounts > 0 {
            assert!(
                v.xero.lines.iter().any(|l| l.account.is_some()),
                "{r:?}: no account line compared"
            );
        }
        let differing: Vec<&XeroLineView> = v.xero.lines.iter().filter(|l| !l.matches).collect();
        assert_eq!(
            differing.len(),
            v.xero
                .differences
                .iter()
                .filter(|d| d.local.is_some())
                .count(),
            "{r:?}"
        );
        if v.xero.status != XeroComparisonStatus::Matches {
            mismatches.push(format!(
                "{:?} {:?}..{}: {:?} {} {:?}",
                r.kind, r.from, r.to, v.xero.status, v.xero.message, v.xero.differences
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // Not vacuous: most of Xero's reports hold account lines (the books
    // begin within the 24 months, so the earliest may be empty).
    assert!(
        with_figures * 4 >= wanted.len() * 3,
        "{with_figures} of {} reports hold figures",
        wanted.len()
    );
    // The simulator's pay runs, which no endpoint shows, were explained
    // from Xero's trial balances in every report with a month of the books.
    assert!(
        payroll_explained >= with_figures,
        "{payroll_explained} of {with_figures} reports explain payroll"
    );
    // Without the lines kept for what the API cannot show, the last
    // month-end's trial balance differs from Xero's on payroll's accounts and
    // on retained earnings (the earlier years' pay runs), and nowhere else:
    // the explained lines are what the difference was.
    s.ctx
        .store()
        .replace_not_visible(&tenant, &[])
        .await
        .unwrap();
    let last_tb = wanted
        .iter()
        .find(|r| r.kind == XeroReportKind::TrialBalance)
        .unwrap();
    let v = compared(s, &tenant, last_tb).await;
    assert_eq!(v.xero.status, XeroComparisonStatus::Differs);
    let accounts: Vec<&str> = v
        .xero
        .differences
        .iter()
        .filter(|d| d.account.is_some())
        .map(|d| d.label.as_str())
        .collect();
    assert_eq!(accounts.len(), 3, "{accounts:?}");
    for needle in ["(477)", "(814)", "Retained Earnings"] {
        assert!(
            accounts.iter().any(|a| a.contains(needle)),
            "{needle}: {accounts:?}"
        );
    }
    println!(
        "{tenant}: {} reports of Xero's compared, {with_figures} with account lines, \
         {payroll_explained} explaining payroll: all equal",
        wanted.len()
    );
}
