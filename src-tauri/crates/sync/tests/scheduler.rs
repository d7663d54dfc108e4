//! The scheduler: one sync per tenant at a time, sync now, cancel, backoff,
//! a full sweep that survives a restart, graceful shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use ledgerkeep_sim::{Fault, FaultRule, Gate, Limits, Size};
use ledgerkeep_sync::{
    no_progress, CancelToken, SchedulerConfig, SchedulerError, Silent, StopReason, SyncEvent,
    SyncRequest, SyncScheduler,
};
use ledgerkeep_xero::{Timekeeping, TokioSleeper};

/// The scheduler's own waiting on tokio's timer (so its 1-hour interval never
/// fires during a test), reading the virtual clock.
fn real_waits(h: &Harness) -> Timekeeping {
    Timekeeping {
        clock: h.time.timekeeping().clock,
        sleeper: Arc::new(TokioSleeper),
    }
}

fn quiet_config() -> SchedulerConfig {
    SchedulerConfig {
        interval: Duration::from_secs(3600),
        sync_on_launch: false,
        ..SchedulerConfig::default()
    }
}

fn tenants(h: &Harness) -> Vec<(String, String)> {
    h.sim
        .tenants()
        .into_iter()
        .map(|t| (t.tenant_id, t.name))
        .collect()
}

async fn wait_until(mut f: impl FnMut() -> bool) {
    for _ in 0..500 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition never held");
}

#[tokio::test]
async fn sync_now_runs_one_sync_per_tenant_at_a_time_and_can_be_cancelled() {
    let h = harness(Size::Small, Limits::XERO).await;
    let t = h.tenant();
    let sched = SyncScheduler::start(
        Arc::clone(&h.engine),
        quiet_config(),
        tenants(&h),
        Arc::new(Silent),
        real_waits(&h),
    );
    let mut events = sched.subscribe();
    let gate = Gate::new();
    h.sim
        .inject(FaultRule::next(Fault::Hold(gate.clone()), 1).on("Invoices"));
    let s1 = sched.clone();
    let t1 = t.clone();
    let first = tokio::spawn(async move { s1.sync_now(&t1, false).await });
    wait_until(|| h.sim.limiter().in_flight(&t) == 1).await;
    assert!(sched.is_running(&t));
    // A second request waits for the first: never two syncs of one tenant.
    let s2 = sched.clone();
    let t2 = t.clone();
    let second = tokio::spawn(async move { s2.sync_now(&t2, false).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!second.is_finished());
    assert!(sched.cancel(&t));
    let r1 = first.await.unwrap().unwrap();
    assert_eq!(r1.stopped, Some(StopReason::Cancelled));
    assert_eq!(
        assert_ledger_is_part_of_truth(&h, &t).await["Invoices"],
        0,
        "the cancelled page was written"
    );
    gate.open();
    let r2 = second.await.unwrap().unwrap();
    assert!(r2.succeeded(), "{:?}", r2.error);
    assert!(!sched.cancel(&t), "nothing runs now");
    let counts = assert_ledger_is_part_of_truth(&h, &t).await;
    assert_eq!(
        counts["Invoices"],
        truth(&h.sim, &t, ledgerkeep_domain::EntityKind::Invoice).len()
    );
    // Events: Started/Finished alternate for the tenant.
    let mut open = false;
    let mut finished = 0;
    while let Ok(e) = events.try_recv() {
        match e {
            SyncEvent::Started { tenant, user, .. } if tenant == t => {
                assert!(!open, "two syncs of one tenant at once");
                assert!(user);
                open = true;
            }
            SyncEvent::Finished(r) if r.tenant == t => {
                assert!(open);
                open = false;
                finished += 1;
            }
            _ => {}
        }
    }
    assert_eq!(finished, 2);
    sched.shutdown().await;
    assert_eq!(
        sched.sync_now(&t, false).await.unwrap_err(),
        SchedulerError::ShuttingDown
    );
}

#[tokio::test]
async fn background_syncs_run_on_launch_and_every_interval_and_back_off_on_failure() {
    let h = harness_with(Size::Small, Limits::XERO, quick_options()).await;
    let t = h.tenant();
    let config = SchedulerConfig {
        interval: Duration::from_secs(15 * 60),
        sync_on_launch: true,
        backoff_base: Duration::from_secs(120),
        backoff_cap: Duration::from_secs(3600),
        sweep_every: None,
        max_sweeps_per_run: 0,
        reports_every: None,
    };
    let only_first = vec![tenants(&h).remove(0)];
    let mut events;
    let sched = {
        // Subscribe before anything runs: start, then subscribe at once (the
        // launch sync cannot finish before the first await).
        let s = SyncScheduler::start(
            Arc::clone(&h.engine),
            config,
            only_first,
            Arc::new(Silent),
            h.time.timekeeping(),
        );
        events = s.subscribe();
        s
    };
    let mut starts = Vec::new();
    let mut results = Vec::new();
    // Launch sync (ok), then a failing stretch, then ok again.
    while results.len() < 6 {
        match events.recv().await.unwrap() {
            SyncEvent::Started { user, .. } => {
                assert!(!user);
                starts.push(h.time.now_ms());
            }
            SyncEvent::Finished(r) => {
                results.push(r.succeeded());
                if results.len() == 1 {
                    h.sim
                        .inject(FaultRule::always(Fault::Status(500)).on("Organisation"));
                }
                if results.len() == 4 {
                    h.sim.clear_faults();
                }
            }
            SyncEvent::Progress(_) => {}
        }
    }
    sched.shutdown().await;
    assert_eq!(results, vec![true, false, false, false, true, true]);
    let gaps: Vec<i64> = starts.windows(2).map(|w| (w[1] - w[0]) / 1000).collect();
    // ok → next tick 15 min later; failures back off (≥ half of 120·2^n s,
    // jittered) instead of waiting a whole interval; success resets to the interval.
    assert!(gaps[0] >= 15 * 60 && gaps[0] < 16 * 60, "{gaps:?}");
    assert!(gaps[1] >= 60 && gaps[1] < 15 * 60, "{gaps:?}");
    assert!(gaps[2] >= 120, "{gaps:?}");
    assert!(gaps[3] >= 240, "{gaps:?}");
    assert!(gaps[4] <= 15 * 60, "{gaps:?}");
    assert_eq!(t, h.tenant());
}

#[tokio::test]
async fn a_full_sweep_interrupted_is_persisted_and_resumed_after_a_restart() {
    let h = harness(Size::Small, Limits::XERO).await;
    for t in h.tenants() {
        h.engine
            .sync_tenant(
                &t,
                &SyncRequest::user(),
                &CancelToken::new(),
                &no_progress(),
            )
            .await;
    }
    // Silent changes that only a sweep sees.
    h.time.advance(Duration::from_secs(5));
    let silent: Vec<_> = h
        .sim
        .mutate(60)
        .into_iter()
        .filter(|m| !m.kind.moves_updated_date())
        .collect();
    assert!(!silent.is_empty());
    let t = silent[0].tenant_id.clone();
    let silent: Vec<_> = silent.into_iter().filter(|m| m.tenant_id == t).collect();
    // The sweep stops in BankTransactions.
    h.sim
        .inject(FaultRule::always(Fault::Status(500)).on("BankTransactions"));
    let mut o = SyncRequest::user().full();
    o.priority = ledgerkeep_xero::Priority::User;
    let r = h
        .engine
        .sync_tenant(&t, &o, &CancelToken::new(), &no_progress())
        .await;
    assert!(r.stopped.is_some());
    h.sim.clear_faults();
    // "Restart": a new engine on the same file.
    let engine = h.reopen().await;
    assert!(engine.full_sweep_pending(&t).await);
    let r = engine
        .sync_tenant(
            &t,
            &SyncRequest::background(),
            &CancelToken::new(),
            &no_progress(),
        )
        .await;
    assert!(r.succeeded(), "{:?}", r.error);
    let swept: Vec<_> = r
        .streams
        .iter()
        .filter(|s| s.full)
        .map(|s| s.stream.as_str())
        .collect();
    assert!(
        swept.contains(&"BankTransactions") && !swept.contains(&"Contacts"),
        "{swept:?}"
    );
    assert!(!engine.full_sweep_pending(&t).await);
    let counts = assert_ledger_is_part_of_truth(&h, &t).await;
    assert!(counts["Invoices"] > 0);
    for m in &silent {
        let kind = ledgerkeep_domain::EntityKind::from_stream(m.collection.key()).unwrap();
        let id = m.id.to_ascii_lowercase();
        assert_eq!(
            stored(&h.store, &t, kind).await.get(&id),
            truth(&h.sim, &t, kind).get(&id),
            "{m:?} not repaired by the sweep"
        );
    }
}

#[tokio::test]
async fn shutdown_cancels_the_running_sync_and_leaves_no_partial_page() {
    let h = harness(Size::Small, Limits::XERO).await;
    let t = h.tenant();
    let sched = SyncScheduler::start(
        Arc::clone(&h.engine),
        quiet_config(),
        tenants(&h),
        Arc::new(Silent),
        real_waits(&h),
    );
    let gate = Gate::new();
    h.sim
        .inject(FaultRule::next(Fault::Hold(gate.clone()), 1).on("Payments"));
    let s = sched.clone();
    let tt = t.clone();
    let run = tokio::spawn(async move { s.sync_now(&tt, false).await });
    wait_until(|| h.sim.limiter().in_flight(&t) == 1).await;
    sched.shutdown().await;
    let r = run.await.unwrap().unwrap();
    assert_eq!(r.stopped, Some(StopReason::Cancelled));
    let counts = assert_ledger_is_part_of_truth(&h, &t).await;
    assert_eq!(counts["Payments"], 0);
    assert!(counts["Invoices"] > 0);
    assert!(h.store.verify_audit().await.unwrap().is_intact());
    gate.open();
}

#[tokio::test]
async fn the_network_returning_starts_a_background_sync() {
    let h = harness(Size::Small, Limits::XERO).await;
    let sched = SyncScheduler::start(
        Arc::clone(&h.engine),
        quiet_config(),
        tenants(&h),
        Arc::new(Silent),
        real_waits(&h),
    );
    let mut events = sched.subscribe();
    sched.network_back();
    let mut finished = std::collections::HashSet::new();
    while finished.len() < 3 {
        let e = tokio::time::timeout(Duration::from_secs(30), events.recv())
            .await
            .unwrap()
            .unwrap();
        match e {
            SyncEvent::Started { user, .. } => assert!(!user, "a background sync"),
            SyncEvent::Finished(r) => {
                assert!(r.succeeded(), "{:?}", r.error);
                finished.insert(r.tenant);
            }
            SyncEvent::Progress(_) => {}
        }
    }
    sched.shutdown().await;
    assert_ledger_equals_truth(&h, &h.store).await;
}

#[tokio::test]
async fn sweeps_come_when_due_a_few_streams_a_run_and_never_for_journals() {
    let h = harness(Size::Small, Limits::XERO).await;
    let t = h.tenant();
    let first = h
        .engine
        .sync_tenant(
            &t,
            &SyncRequest::user(),
            &CancelToken::new(),
            &no_progress(),
        )
        .await;
    assert!(first.succeeded());
    let mut req = SyncRequest::background();
    req.sweep_every = Some(chrono::Duration::days(7));
    req.max_sweeps_per_run = 3;
    h.time.advance(Duration::from_secs(24 * 3600));
    let r = h
        .engine
        .sync_tenant(&t, &req, &CancelToken::new(), &no_progress())
        .await;
    assert!(r.succeeded());
    assert_eq!(
        r.streams.iter().filter(|s| s.full).count(),
        0,
        "a sweep before it was due"
    );
    h.time.advance(Duration::from_secs(7 * 24 * 3600));
    let mut swept = std::collections::BTreeSet::new();
    for _ in 0..6 {
        let r = h
            .engine
            .sync_tenant(&t, &req, &CancelToken::new(), &no_progress())
            .await;
        assert!(r.succeeded());
        let now: Vec<_> = r
            .streams
            .iter()
            .filter(|s| s.full)
            .map(|s| s.stream.clone())
            .collect();
        assert!(now.len() <= 3, "{now:?}");
        swept.extend(now);
    }
    let incremental: std::collections::BTreeSet<_> = ledgerkeep_sync::STREAMS
        .iter()
        .filter(|s| s.incremental)
        .map(|s| s.kind.stream().to_owned())
        .collect();
    assert_eq!(
        swept, incremental,
        "every drifting stream swept once, over several runs"
    );
    assert!(!swept.contains("Journals"));
}

/// The network comes back: a listener on a fixed loopback port stands for the
/// API's host, closed (network gone) and opened again (network back).
#[tokio::test]
async fn when_the_network_comes_back_every_tenant_syncs() {
    let h = harness(Size::Small, Limits::XERO).await;
    let sched = SyncScheduler::start(
        Arc::clone(&h.engine),
        quiet_config(),
        tenants(&h),
        Arc::new(Silent),
        real_waits(&h),
    );
    let mut events = sched.subscribe();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = listener.local_addr().unwrap().to_string();
    let _watcher = ledgerkeep_sync::NetworkWatcher::start(
        sched.clone(),
        target.clone(),
        Duration::from_millis(50),
    );
    // Up from the start: no sync (the launch sync is the scheduler's own).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        events.try_recv().is_err(),
        "a sync started while nothing changed"
    );

    drop(listener);
    assert!(!ledgerkeep_sync::network::reachable(&target).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        events.try_recv().is_err(),
        "a sync started while the network was gone"
    );

    let _back = std::net::TcpListener::bind(&target).unwrap();
    let mut started = std::collections::BTreeSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while started.len() < tenants(&h).len() {
        let e = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("not every tenant synced after the network came back")
            .unwrap();
        if let SyncEvent::Started { tenant, user, .. } = e {
            assert!(!user, "a background sync, not the user's");
            started.insert(tenant);
        }
    }
    sched.shutdown().await;
}

/// The next start (`Err(user)`) or finish (`Ok(report)`).
async fn next_event(
    events: &mut tokio::sync::broadcast::Receiver<SyncEvent>,
) -> Result<ledgerkeep_sync::SyncReport, bool> {
    loop {
        match events.recv().await.unwrap() {
            SyncEvent::Started { user, .. } => return Err(user),
            SyncEvent::Finished(r) => return Ok(r),
            SyncEvent::Progress(_) => {}
        }
    }
}

#[tokio::test]
async fn needs_reauthorisation_pauses_the_tenants_syncs_until_it_signs_in_again() {
    let h = harness_with(Size::Small, Limits::XERO, quick_options()).await;
    let t = h.tenant();
    let config = SchedulerConfig {
        interval: Duration::from_secs(15 * 60),
        sync_on_launch: true,
        backoff_base: Duration::from_secs(60),
        backoff_cap: Duration::from_secs(600),
        sweep_every: None,
        max_sweeps_per_run: 0,
        reports_every: None,
    };
    // Xero refuses the refresh token from the start.
    h.sim.revoke_refresh_tokens();
    h.sim.expire_access_tokens();
    h.time.advance(Duration::from_secs(31 * 60));
    let only_first = vec![tenants(&h).remove(0)];
    let mut events;
    let sched = {
        let s = SyncScheduler::start(
            Arc::clone(&h.engine),
            config,
            only_first.clone(),
            Arc::new(Silent),
            h.time.timekeeping(),
        );
        events = s.subscribe();
        s
    };
    assert_eq!(next_event(&mut events).await, Err(false), "the launch sync");
    let r = next_event(&mut events).await.unwrap();
    assert_eq!(r.stopped, Some(StopReason::NeedsReauthorisation));
    // Paused: neither ticks (virtual time would run them back to back) nor the
    // network coming back start a sync; the owner's "sync now" still runs.
    sched.network_back();
    let report = {
        let sched = sched.clone();
        let t = t.clone();
        tokio::spawn(async move { sched.sync_now(&t, false).await })
    };
    assert_eq!(
        next_event(&mut events).await,
        Err(true),
        "a background sync ran"
    );
    assert_eq!(
        next_event(&mut events).await.unwrap().stopped,
        Some(StopReason::NeedsReauthorisation)
    );
    assert_eq!(
        report.await.unwrap().unwrap().stopped,
        Some(StopReason::NeedsReauthorisation)
    );
    // A new sign-in, and the tenant scheduled again: it resumes at once.
    connect(&h.xero).await;
    sched.add_tenant(only_first[0].0.clone(), only_first[0].1.clone());
    assert_eq!(next_event(&mut events).await, Err(false));
    let r = next_event(&mut events).await.unwrap();
    assert!(r.succeeded(), "{:?}", r.error);
    sched.shutdown().await;
}
