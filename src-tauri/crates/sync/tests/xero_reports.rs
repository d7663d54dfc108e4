//! When the sync fetches Xero's own reports: after a complete run, four
//! calls, then not again until they are six hours old; the trial balances
//! that anchor the ledger (each month-end of the last 24 that the books
//! reach, and the opening day) a run's worth at a time until all are stored,
//! then never again; never with the last tenth of the day's budget; and a
//! report Xero fails to give never fails the sync.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::Datelike;
use ledgerkeep_domain::xero_report::XeroReportKind;
use ledgerkeep_sim::wire::parse_ms_date;
use ledgerkeep_sim::Collection;
use ledgerkeep_sync::reports::ANCHORS_PER_RUN;

use common::*;
use ledgerkeep_sim::{Fault, FaultRule, Limits, Size};
use ledgerkeep_sync::{no_progress, CancelToken, SyncReport, SyncRequest, DEFAULT_REPORTS_EVERY};

fn with_reports() -> SyncRequest {
    let mut r = SyncRequest::user();
    r.reports_every = Some(DEFAULT_REPORTS_EVERY);
    r
}

async fn run(h: &Harness, req: &SyncRequest) -> SyncReport {
    let r = h
        .engine
        .sync_tenant(&h.tenant(), req, &CancelToken::new(), &no_progress())
        .await;
    assert!(r.succeeded(), "{:?} {:?}", r.stopped, r.error);
    r
}

fn stream_calls(r: &SyncReport) -> u64 {
    r.streams.iter().map(|s| s.calls).sum()
}

/// The trial balances that anchor the books, worked out here from the
/// simulator's own Journals: each month-end of the 24 before today that is
/// on or after the first journal, and the day before it.
fn anchors_expected(h: &Harness) -> BTreeSet<String> {
    let first = h
        .sim
        .plant(&h.tenant(), |p| {
            p.all(Collection::Journals, |_| true)
                .iter()
                .filter_map(|j| parse_ms_date(j["JournalDate"].as_str()?))
                .min()
        })
        .unwrap()
        .unwrap();
    let first = chrono::DateTime::from_timestamp_millis(first)
        .unwrap()
        .date_naive();
    let today = chrono::DateTime::from_timestamp_millis(h.time.now_ms())
        .unwrap()
        .date_naive();
    let mut out = BTreeSet::new();
    let mut month_start = today.with_day(1).unwrap();
    for _ in 0..24 {
        let end = month_start.pred_opt().unwrap();
        if end < first {
            break;
        }
        out.insert(end.to_string());
        month_start = end.with_day(1).unwrap();
    }
    out.insert(first.pred_opt().unwrap().to_string());
    out
}

fn stored_trial_balances(stored: &[ledgerkeep_store::XeroReportInfo]) -> BTreeSet<String> {
    stored
        .iter()
        .filter(|s| s.kind == XeroReportKind::TrialBalance)
        .map(|s| s.to.clone())
        .collect()
}

#[tokio::test]
async fn four_reports_and_the_anchoring_trial_balances_after_a_complete_sync_then_only_what_is_due()
{
    let h = harness(Size::Small, Limits::XERO).await;
    // A request that does not ask for them fetches none.
    let plain = run(&h, &SyncRequest::user()).await;
    assert_eq!((plain.xero_reports, plain.calls), (0, stream_calls(&plain)));
    let anchors = anchors_expected(&h);
    // The books reach back further than one run's worth.
    assert!(anchors.len() > ANCHORS_PER_RUN + 1, "{anchors:?}");

    // The four, and a run's worth of trial balances (the last month-end's is one of the four).
    let first = run(&h, &with_reports()).await;
    let per_run = u64::try_from(ANCHORS_PER_RUN).unwrap();
    assert_eq!(first.xero_reports, 4 + per_run);
    // And the budgets: the list, then each budget (`budgets.rs`).
    let budget_calls =
        1 + u64::try_from(h.store.budgets(&h.tenant()).await.unwrap().len()).unwrap();
    assert!(budget_calls >= 2);
    // And the published tax returns: the list, then each return (`tax_returns.rs`).
    let tax_return_calls =
        1 + u64::try_from(h.store.tax_returns(&h.tenant()).await.unwrap().len()).unwrap();
    assert_eq!(
        first.calls,
        stream_calls(&first) + 4 + per_run + budget_calls + tax_return_calls
    );
    let stored = h.store.xero_reports(&h.tenant()).await.unwrap();
    assert_eq!(stored.len(), 4 + ANCHORS_PER_RUN);

    // Within six hours: only the rest of the trial balances.
    h.time.advance(Duration::from_secs(5 * 3600));
    let soon = run(&h, &with_reports()).await;
    let rest = u64::try_from(anchors.len() - 1 - ANCHORS_PER_RUN).unwrap();
    assert_eq!(soon.xero_reports, rest);
    assert_eq!(soon.calls, stream_calls(&soon) + rest);
    let all = h.store.xero_reports(&h.tenant()).await.unwrap();
    assert_eq!(stored_trial_balances(&all), anchors);

    // All are stored: nothing more until the four are six hours old.
    h.time.advance(Duration::from_secs(1800));
    let quiet = run(&h, &with_reports()).await;
    assert_eq!((quiet.xero_reports, quiet.calls), (0, stream_calls(&quiet)));

    h.time.advance(Duration::from_secs(1800));
    let later = run(&h, &with_reports()).await;
    assert_eq!(later.xero_reports, 4);
    let again = h.store.xero_reports(&h.tenant()).await.unwrap();
    let refreshed = again
        .iter()
        .filter(|a| {
            stored.iter().any(|b| {
                (&b.kind, &b.from, &b.to) == (&a.kind, &a.from, &a.to)
                    && a.fetched_utc > b.fetched_utc
            })
        })
        .count();
    assert_eq!(refreshed, 4, "only the four are fetched again");
}

#[tokio::test]
async fn reports_keep_off_the_last_tenth_of_the_days_budget() {
    // How many calls a first sync of these books takes.
    let probe = harness(Size::Small, Limits::XERO).await;
    let calls = u32::try_from(run(&probe, &SyncRequest::user()).await.calls).unwrap();
    assert!(calls >= 12, "{calls}");

    // A day of exactly that and one more: one call left, under a tenth.
    let tight = harness(
        Size::Small,
        Limits {
            per_day: calls + 1,
            ..Limits::XERO
        },
    )
    .await;
    let r = run(&tight, &with_reports()).await;
    assert_eq!(r.xero_reports, 0);
    assert_eq!(r.calls, u64::from(calls));

    // Twice that: half the day is left, and the reports are fetched.
    let roomy = harness(
        Size::Small,
        Limits {
            per_day: calls * 2,
            ..Limits::XERO
        },
    )
    .await;
    let r = run(&roomy, &with_reports()).await;
    assert!(r.xero_reports >= 4, "{}", r.xero_reports);
    // And the anchoring trial balances stop where the last tenth begins.
    let per_day = u64::from(calls * 2);
    assert!(
        r.calls <= per_day - per_day / 10 + 1,
        "{} of {per_day}",
        r.calls
    );
}

#[tokio::test]
async fn a_report_xero_fails_to_give_is_not_stored_and_the_sync_still_succeeds() {
    let h = harness_with(Size::Small, Limits::XERO, quick_options()).await;
    h.sim
        .inject(FaultRule::always(Fault::MalformedJson).on("Reports"));
    let r = run(&h, &with_reports()).await;
    assert_eq!(r.xero_reports, 0);
    assert!(h.store.xero_reports(&h.tenant()).await.unwrap().is_empty());
    // Once Xero answers again, the next sync fetches them (none is stored yet).
    h.sim.clear_faults();
    let r = run(&h, &with_reports()).await;
    assert!(r.xero_reports >= 4, "{}", r.xero_reports);
    let kinds: BTreeSet<XeroReportKind> = h
        .store
        .xero_reports(&h.tenant())
        .await
        .unwrap()
        .iter()
        .map(|s| s.kind)
        .collect();
    assert_eq!(kinds.len(), 3);
}
