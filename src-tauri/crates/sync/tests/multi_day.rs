//! A first sync that needs more calls than a day allows (a Starter app,
//! here with a daily budget well under what the medium books need): the
//! scheduler's first run stops within the budget and says how many more days
//! the rest takes; each next run starts when Xero's day has turned and goes
//! on where the last stopped; the whole takes about the days estimated, with
//! no 429, every record once, and the most useful streams first.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use ledgerkeep_sim::{Limits, RunningSimulator, Size};
use ledgerkeep_sync::{
    SchedulerConfig, Silent, StopReason, StreamStatus, SyncEvent, SyncReport, SyncScheduler,
    STREAMS,
};
use ledgerkeep_xero::XeroOptions;

/// The tenant's calls a day, at Xero and in the client...
const PER_DAY: u32 = 24;
/// ...of which background work keeps these for what the owner starts.
const RESERVE: u32 = 2;
const HOUR_MS: i64 = 3_600_000;

async fn starter_with_a_small_day() -> Harness {
    let mut options = XeroOptions::default();
    options.client.limits.per_day = PER_DAY;
    options.client.limits.per_minute = Limits::STARTER.per_minute;
    options.client.limits.background_reserve = RESERVE;
    let builder = RunningSimulator::builder()
        .seed(11)
        .size(Size::Medium)
        .new_starter_app()
        .organisations(1)
        .limits(Limits {
            per_day: PER_DAY,
            ..Limits::STARTER
        });
    harness_of(builder, options).await
}

/// One scheduled run: when it started and ended (virtual ms), and its report.
struct Run {
    started: i64,
    finished: i64,
    /// What Xero (the simulator) counts as left of the day when it ended.
    day_left_at_xero: u32,
    report: SyncReport,
}

#[tokio::test]
async fn a_first_sync_over_several_days_says_how_many_and_finishes_the_most_useful_first() {
    let h = starter_with_a_small_day().await;
    let t = h.tenant();
    let name = h.sim.tenants()[0].name.clone();
    let config = SchedulerConfig {
        interval: Duration::from_secs(15 * 60),
        sync_on_launch: true,
        sweep_every: None,
        reports_every: None,
        ..SchedulerConfig::default()
    };
    let (sched, mut events) = {
        let s = SyncScheduler::start(
            Arc::clone(&h.engine),
            config,
            vec![(t.clone(), name)],
            Arc::new(Silent),
            h.time.timekeeping(),
        );
        let e = s.subscribe();
        (s, e)
    };
    let mut runs: Vec<Run> = Vec::new();
    let mut started = None;
    let collected = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match events.recv().await.unwrap() {
                SyncEvent::Started { user, .. } => {
                    assert!(!user, "every run here is the scheduler's");
                    started = Some(h.time.now_ms());
                }
                SyncEvent::Finished(report) => {
                    let done = report.succeeded();
                    let now = h.time.now_ms();
                    runs.push(Run {
                        started: started.take().unwrap(),
                        finished: now,
                        day_left_at_xero: h.sim.limiter().remaining(&t, now).day,
                        report,
                    });
                    if done || runs.len() > 12 {
                        return;
                    }
                }
                SyncEvent::Progress(_) => {}
            }
        }
    })
    .await;
    sched.shutdown().await;
    collected.expect("the first sync did not finish within a minute of real time");

    let days = runs.len() as u64;
    for (i, r) in runs.iter().enumerate() {
        let s: Vec<_> = r
            .report
            .streams
            .iter()
            .filter(|s| s.calls > 0)
            .map(|s| format!("{}:{}:{:?}", s.stream, s.calls, s.status))
            .collect();
        eprintln!(
            "day {}: {} calls, stopped {:?}, estimate {:?}; {}",
            i + 1,
            r.report.calls,
            r.report.stopped,
            r.report.first_sync,
            s.join(" ")
        );
    }
    let last = runs.last().unwrap();
    assert!(last.report.succeeded(), "{:?}", last.report.error);
    assert_eq!(
        last.report.first_sync, None,
        "a finished first sync says no more days"
    );
    assert!(days >= 3, "the books should need several days: {days}");

    // The first run stops within the day's budget, less the reserve, and says
    // how many more days the rest takes.
    let first = &runs[0].report;
    assert_eq!(
        first.stopped,
        Some(StopReason::DailyLimit),
        "{:?}",
        first.error
    );
    let estimate = first.first_sync.expect("the first run estimates the rest");
    let estimated_days = 1 + estimate.more_days.expect("a day allows calls");
    assert!(
        days <= estimated_days + 1 && days + 1 >= estimated_days,
        "estimated {estimated_days} days, took {days}"
    );
    let mut previous = estimated_days;
    for (i, r) in runs.iter().enumerate() {
        // Xero does not count the 401 that refuses Journals to a Starter app.
        let refused: u64 = r
            .report
            .streams
            .iter()
            .filter(|s| s.refused.is_some())
            .map(|s| s.calls)
            .sum();
        assert!(
            r.report.calls <= u64::from(PER_DAY - RESERVE) + refused,
            "day {}: {} calls",
            i + 1,
            r.report.calls
        );
        assert!(
            r.day_left_at_xero >= RESERVE,
            "day {}: the reserve was spent ({} left)",
            i + 1,
            r.day_left_at_xero
        );
        if let Some(e) = r.report.first_sync {
            let more = e.more_days.unwrap();
            assert!(more < previous, "day {}: {more} more days", i + 1);
            previous = more;
            assert_eq!(r.report.stopped, Some(StopReason::DailyLimit));
        }
    }

    // Each next run starts once Xero's day has turned, not before, and not
    // a day later than that.
    for w in runs.windows(2) {
        let gap = w[1].started - w[0].finished;
        assert!(
            (23 * HOUR_MS..25 * HOUR_MS).contains(&gap),
            "{} h between runs",
            gap as f64 / HOUR_MS as f64
        );
    }
    let m = h.metrics.snapshot();
    assert_eq!(m.xero_rate_limited, 0, "no call was refused with a 429");

    // Every record arrived once: inserted once, never again, and the ledger
    // equals the simulator's books (Journals is refused to a Starter app).
    let mut inserted: BTreeMap<&str, u64> = BTreeMap::new();
    let mut updated = 0;
    for r in &runs {
        for s in &r.report.streams {
            *inserted.entry(stream_key(&s.stream)).or_default() += s.inserted;
            updated += s.updated;
        }
    }
    assert_eq!(updated, 0, "a record read twice was written twice");
    let mut compared = 0;
    for s in STREAMS {
        if s.path == "Journals" {
            assert_eq!(stored(&h.store, &t, s.kind).await.len(), 0);
            continue;
        }
        let want = truth(&h.sim, &t, s.kind);
        let got = stored(&h.store, &t, s.kind).await;
        assert_eq!(got, want, "{}: the ledger differs from the books", s.path);
        assert_eq!(
            inserted.get(s.kind.stream()).copied().unwrap_or(0),
            want.len() as u64,
            "{}",
            s.path
        );
        compared += want.len();
    }
    assert!(compared > 20_000, "{compared} records compared");

    // The most useful first: of the streams that need more than their first
    // page, each is read to its end no later than any that follows it.
    let mut done_on: Vec<(usize, &str, usize)> = Vec::new();
    for (order, s) in STREAMS.iter().enumerate() {
        let name = s.kind.stream();
        let calls: u64 = runs
            .iter()
            .flat_map(|r| r.report.streams.iter())
            .filter(|x| x.stream == name)
            .map(|x| x.calls)
            .sum();
        if calls <= 1 {
            continue;
        }
        let day = runs
            .iter()
            .position(|r| {
                r.report
                    .streams
                    .iter()
                    .any(|x| x.stream == name && x.status == StreamStatus::Done)
            })
            .unwrap();
        done_on.push((order, name, day));
    }
    assert!(done_on.len() >= 3, "{done_on:?}");
    assert!(
        done_on.windows(2).all(|w| w[0].2 <= w[1].2),
        "a later stream finished first: {done_on:?}"
    );
    let invoices = done_on.iter().find(|d| d.1 == "Invoices").unwrap().2;
    let bank = done_on
        .iter()
        .find(|d| d.1 == "BankTransactions")
        .unwrap()
        .2;
    assert!(invoices < bank, "{done_on:?}");
}

fn stream_key(name: &str) -> &'static str {
    STREAMS
        .iter()
        .find(|s| s.kind.stream() == name)
        .map_or("", |s| s.kind.stream())
}
