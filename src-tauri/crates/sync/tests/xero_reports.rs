//! When the sync fetches Xero's own reports: after a complete run, four
//! calls, then not again until they are six hours old; never with the last
//! tenth of the day's budget; and a report Xero fails to give never fails
//! the sync.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

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

#[tokio::test]
async fn four_reports_after_a_complete_sync_then_none_until_six_hours_on() {
    let h = harness(Size::Small, Limits::XERO).await;
    // A request that does not ask for them fetches none.
    let plain = run(&h, &SyncRequest::user()).await;
    assert_eq!((plain.xero_reports, plain.calls), (0, stream_calls(&plain)));

    let first = run(&h, &with_reports()).await;
    assert_eq!(first.xero_reports, 4);
    assert_eq!(first.calls, stream_calls(&first) + 4);
    let stored = h.store.xero_reports(&h.tenant()).await.unwrap();
    assert_eq!(stored.len(), 4);

    h.time.advance(Duration::from_secs(5 * 3600));
    let soon = run(&h, &with_reports()).await;
    assert_eq!((soon.xero_reports, soon.calls), (0, stream_calls(&soon)));

    h.time.advance(Duration::from_secs(3600));
    let later = run(&h, &with_reports()).await;
    assert_eq!(later.xero_reports, 4);
    let again = h.store.xero_reports(&h.tenant()).await.unwrap();
    assert!(again
        .iter()
        .zip(&stored)
        .all(|(a, b)| a.fetched_utc > b.fetched_utc));
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
    assert_eq!(run(&roomy, &with_reports()).await.xero_reports, 4);
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
    assert_eq!(run(&h, &with_reports()).await.xero_reports, 4);
}
