//! The soak: days of scheduled syncs on the virtual clock, every 15 minutes
//! for every tenant, against books that change after every sync and a
//! simulator that injects a fault into one sync in five (5xx, timeouts,
//! malformed and truncated pages, tokens expiring mid-sync, records changing
//! between pages). Across the run, memory stays flat, no file handle or task
//! leaks, and no call is refused with a 429; at the end, the ledger equals the
//! truth and the audit chain verifies.
//!
//! CI runs a short soak (one simulated day); `make soak` runs a week
//! (`LEDGERKEEP_SOAK_DAYS=7`). Each prints its figures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use ledgerkeep_sim::{Fault, FaultRule, Limits, Size};
use ledgerkeep_sync::{
    no_progress, CancelToken, SchedulerConfig, Silent, SyncEvent, SyncRequest, SyncScheduler,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::sync::broadcast::error::RecvError;

const INTERVAL: Duration = Duration::from_secs(15 * 60);

fn soak_days() -> u64 {
    std::env::var("LEDGERKEEP_SOAK_DAYS")
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(1)
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// One fault for the next sync, picked at random from those that must end in
/// a correct ledger or a clean stop (never a 429: the client must cause none).
fn random_fault(rng: &mut ChaCha8Rng) -> FaultRule {
    let paths = [
        "Invoices",
        "Contacts",
        "BankTransactions",
        "Journals",
        "Payments",
    ];
    let path = paths[rng.random_range(0..paths.len())];
    let fault = match rng.random_range(0..6) {
        0 => Fault::Status(500),
        1 => Fault::Status(503),
        2 => Fault::Timeout,
        3 => Fault::MalformedJson,
        4 => Fault::TruncatedJson,
        _ => Fault::ExpireTokens,
    };
    // Up to 3 failures are retried within the sync; more end it in a fault
    // and the scheduler backs off.
    let rule = FaultRule::next(fault, rng.random_range(1..7)).on(path);
    if rng.random_bool(0.3) {
        FaultRule::next(Fault::ChangeServedRecords, 1).on(path)
    } else {
        rule
    }
}

#[derive(Debug, Default)]
struct Sample {
    rss_kib: u64,
    fds: usize,
    tasks: usize,
}

fn sample() -> Sample {
    Sample {
        rss_kib: rss_kib(),
        fds: open_fds(),
        tasks: alive_tasks(),
    }
}

#[tokio::test]
async fn days_of_scheduled_syncs_with_changes_and_faults_leak_nothing_and_end_exact() {
    let days = soak_days();
    let h = harness_with(Size::Small, Limits::XERO, quick_options()).await;
    let tenants: Vec<(String, String)> = h
        .sim
        .tenants()
        .into_iter()
        .map(|t| (t.tenant_id, t.name))
        .collect();
    let config = SchedulerConfig {
        interval: INTERVAL,
        sync_on_launch: true,
        backoff_base: Duration::from_secs(60),
        backoff_cap: Duration::from_secs(15 * 60),
        sweep_every: Some(chrono::TimeDelta::days(1)),
        ..SchedulerConfig::default()
    };
    let start_ms = h.time.now_ms();
    let end_ms = start_ms + i64::try_from(days * 24 * 3600 * 1000).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0x50a6);
    let sched = SyncScheduler::start(
        Arc::clone(&h.engine),
        config,
        tenants.clone(),
        Arc::new(Silent),
        h.time.timekeeping(),
    );
    let mut events = sched.subscribe();

    // Finished events seen (the broadcast may drop some under a burst of
    // progress events; the sync-run log below counts every sync).
    let mut finished = 0u32;
    let mut failed = 0u32;
    let mut faults = 0u32;
    let mut changes = 0usize;
    let mut rate_limited_by_day = BTreeMap::new();
    let mut warm: Option<Sample> = None;
    let mut samples = Vec::new();
    let warm_after = u32::try_from(tenants.len() * 8).unwrap();
    while h.time.now_ms() < end_ms {
        let event = match events.recv().await {
            Ok(e) => e,
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => panic!("the scheduler stopped"),
        };
        let SyncEvent::Finished(report) = event else {
            continue;
        };
        finished += 1;
        if !report.succeeded() {
            failed += 1;
        }
        let m = h.metrics.snapshot();
        rate_limited_by_day.insert(m.day.clone(), m.xero_rate_limited);
        // The books change between syncs; one sync in five meets a fault.
        changes += h.sim.mutate(rng.random_range(1..6)).len();
        h.sim.clear_faults();
        if rng.random_ratio(1, 5) {
            h.sim.inject(random_fault(&mut rng));
            faults += 1;
        }
        if finished == warm_after {
            warm = Some(sample());
        }
        if warm.is_some() && finished.is_multiple_of(16) {
            samples.push(sample());
        }
    }
    sched.shutdown().await;
    h.sim.clear_faults();

    // One last full sweep of each tenant, with no faults, brings the last
    // changes, including those that do not move UpdatedDateUTC (as at Xero,
    // only a sweep sees them; the daily sweeps above caught the earlier ones).
    for (t, _) in &tenants {
        let report = h
            .engine
            .sync_tenant(
                t,
                &SyncRequest::user().full(),
                &CancelToken::new(),
                &no_progress(),
            )
            .await;
        assert!(report.succeeded(), "{report:?}");
    }
    let compared = assert_ledger_equals_truth(&h, &h.store).await;
    let verify = h.store.verify_audit().await.unwrap();
    assert!(verify.first_break.is_none(), "{verify:?}");
    let m = h.metrics.snapshot();
    rate_limited_by_day.insert(m.day.clone(), m.xero_rate_limited);
    let (runs, runs_failed): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(*) FILTER (WHERE status <> 'ok') FROM sync_runs")
            .fetch_one(h.store.pool())
            .await
            .unwrap();
    let rate_limited: u32 = rate_limited_by_day.values().sum();

    let warm = warm.expect("the soak ran past its warm-up");
    let end = sample();
    let last_quarter = &samples[samples.len() * 3 / 4..];
    let peak_late = last_quarter
        .iter()
        .map(|s| s.rss_kib)
        .max()
        .unwrap_or(end.rss_kib);
    let first_quarter = &samples[..samples.len().div_ceil(4)];
    let peak_early = first_quarter
        .iter()
        .map(|s| s.rss_kib)
        .max()
        .unwrap_or(warm.rss_kib);
    println!(
        "soak: {days} simulated day(s), {} tenants, {runs} syncs ({runs_failed} not ok; {finished} seen finishing, {failed} of them failed), \
         {faults} faults injected, {changes} changes at Xero, {compared} records compared at the end; \
         429s: {rate_limited}; RSS after warm-up {} KiB, peak in the first quarter {peak_early} KiB, \
         in the last quarter {peak_late} KiB, at the end {} KiB; open files {} -> {}; tasks {} -> {}; \
         audit chain: {} rows verified",
        tenants.len(),
        warm.rss_kib,
        end.rss_kib,
        warm.fds,
        end.fds,
        warm.tasks,
        end.tasks,
        verify.rows_checked
    );
    let expected_syncs = i64::try_from(days * 24 * 4 * tenants.len() as u64).unwrap();
    assert!(
        runs >= expected_syncs * 9 / 10,
        "{runs} syncs in {days} day(s), expected about {expected_syncs}"
    );
    assert!(faults > 0 && changes > 0);
    assert_eq!(rate_limited, 0, "no call may be refused with a 429");
    // Flat: the last quarter's peak within 8 MiB of the first quarter's (the
    // simulator's books, in this process, grow a little with every change).
    assert!(
        peak_late <= peak_early + 8 * 1024,
        "memory grew: {peak_early} KiB -> {peak_late} KiB"
    );
    assert!(
        end.fds <= warm.fds + 2,
        "file handles leaked: {} -> {}",
        warm.fds,
        end.fds
    );
    assert!(
        end.tasks <= warm.tasks,
        "tasks leaked: {} -> {}",
        warm.tasks,
        end.tasks
    );
}
