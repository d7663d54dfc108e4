//! A first sync that needs more calls than the tenant's day allows: "Sync
//! now" stops within the day, and its report and the sync status say how many
//! more days the rest takes; the next day finishes it, and both say no more.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use ledgerkeep_api::{sync_now, sync_status, SyncNowRequest, SyncStatusRequest};
use ledgerkeep_sim::{Limits, RunningSimulator, Size};
use ledgerkeep_xero::XeroOptions;

const PER_DAY: u32 = 12;
const RESERVE: u32 = 2;

#[tokio::test]
async fn the_status_says_how_many_more_days_a_first_sync_takes() {
    // The client is not told the tier's day (it keeps Xero's 5,000): what
    // Xero says is left tells it.
    let mut options = XeroOptions::default();
    options.client.limits.background_reserve = RESERVE;
    let SignedIn {
        sim,
        time,
        xero,
        ctx,
        dir: _dir,
    } = signed_in_on(
        RunningSimulator::builder()
            .seed(5)
            .size(Size::Small)
            .new_starter_app()
            .organisations(1)
            .limits(Limits {
                per_day: PER_DAY,
                ..Limits::STARTER
            }),
        options,
    )
    .await;
    let svc = test_service(&ctx, &xero, &time, Duration::from_secs(30)).await;
    let tenant = sim.tenants()[0].tenant_id.clone();
    let now = |tenant_id: &str| SyncNowRequest {
        tenant_id: tenant_id.to_owned(),
        full: false,
    };

    // Every stream of the small books is one page; 20 streams, 12 calls a day.
    let day1 = sync_now(&svc, now(&tenant)).await.unwrap();
    assert!(!day1.ok);
    assert_eq!(
        day1.stopped.as_deref(),
        Some("dailyLimit"),
        "{:?}",
        day1.error
    );
    assert!(day1.calls <= PER_DAY, "{} calls", day1.calls);
    let said = day1.first_sync.expect("the report says what is left");
    // Not reached, or stopped in: each needs its one page.
    let not_read = day1
        .streams
        .iter()
        .filter(|s| s.status == "notRun" || s.status == "failed")
        .count() as u32;
    assert_eq!(
        said.calls_left, not_read,
        "one call for each stream not read"
    );
    let more = said.more_days.unwrap();
    assert_eq!(more, said.calls_left.div_ceil(PER_DAY - RESERVE));
    let status = sync_status(
        &ctx,
        SyncStatusRequest {
            tenant_id: Some(tenant.clone()),
        },
    )
    .await
    .unwrap();
    assert_eq!(status.tenants[0].first_sync, Some(said));

    // The next day finishes it: no more days, in the report or the status.
    time.advance(Duration::from_secs(25 * 3600));
    let mut days = 1;
    let last = loop {
        let r = sync_now(&svc, now(&tenant)).await.unwrap();
        days += 1;
        if r.ok || days > 4 {
            break r;
        }
        time.advance(Duration::from_secs(25 * 3600));
    };
    assert!(last.ok, "{:?}", last.error);
    assert_eq!(days, 1 + more, "estimated {more} more days");
    assert_eq!(last.first_sync, None);
    let status = sync_status(
        &ctx,
        SyncStatusRequest {
            tenant_id: Some(tenant),
        },
    )
    .await
    .unwrap();
    assert_eq!(status.tenants[0].first_sync, None);
    svc.shutdown().await;
}
