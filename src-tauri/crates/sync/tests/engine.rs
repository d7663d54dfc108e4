//! The engine against the simulator over loopback, into a real SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use ledgerkeep_domain::xero::EntityKind;
use ledgerkeep_sim::{Limits, Size};
use ledgerkeep_sync::{no_progress, CancelToken, StreamStatus, SyncProgress, SyncRequest};
use parking_lot::Mutex;

async fn sync_all(h: &Harness, req: &SyncRequest) -> Vec<ledgerkeep_sync::SyncReport> {
    let mut out = Vec::new();
    for t in h.tenants() {
        let r = h
            .engine
            .sync_tenant(&t, req, &CancelToken::new(), &no_progress())
            .await;
        assert!(r.succeeded(), "{t}: {:?} {:?}", r.stopped, r.error);
        out.push(r);
    }
    out
}

#[tokio::test]
async fn a_full_sync_of_the_small_books_equals_the_truth_and_the_audit_chain_verifies() {
    let h = harness(Size::Small, Limits::XERO).await;
    let reports = sync_all(&h, &SyncRequest::user()).await;
    let compared = assert_ledger_equals_truth(&h, &h.store).await;
    assert!(compared > 500, "only {compared} records compared");
    for r in &reports {
        assert!(r.streams.iter().all(|s| s.status == StreamStatus::Done));
        assert_eq!(
            r.records_changed, r.records_seen,
            "a first sync inserts every record once"
        );
    }
    let verify = h.store.verify_audit().await.unwrap();
    assert!(verify.first_break.is_none(), "{verify:?}");
}

#[tokio::test]
async fn a_full_sync_of_the_medium_books_equals_the_truth_to_the_cent() {
    let h = harness(Size::Medium, Limits::XERO).await;
    let progress: Arc<Mutex<Vec<SyncProgress>>> = Arc::default();
    let p = Arc::clone(&progress);
    let sink: ledgerkeep_sync::ProgressSink = Arc::new(move |u| p.lock().push(u));
    let mut calls = 0;
    let mut timings = Vec::new();
    for t in h.tenants() {
        let t0 = h.time.now_ms();
        let r = h
            .engine
            .sync_tenant(&t, &SyncRequest::user(), &CancelToken::new(), &sink)
            .await;
        assert!(r.succeeded(), "{:?}", r.error);
        calls += r.calls;
        timings.push((t.clone(), r.calls, r.records_seen, h.time.now_ms() - t0));
    }
    let compared = assert_ledger_equals_truth(&h, &h.store).await;
    assert!(compared > 40_000, "only {compared} records compared");
    // Each first sync of 1,000 records or more ended by merging the search
    // index (a first sync changes every record it sees); the others did not.
    let large = timings
        .iter()
        .filter(|(_, _, seen, _)| *seen >= 1_000)
        .count();
    assert!(large > 0 && large < timings.len(), "{timings:?}");
    assert_eq!(query_calls(&h, "optimize") as usize, large);
    // Anomaly detection ran after each sync: clean books, no alarm (tests/anomalies.rs plants them).
    let findings = h.store.anomaly_findings(None, true).await.unwrap();
    assert!(
        findings.is_empty(),
        "{:#?}",
        findings
            .iter()
            .map(|f| (&f.key, &f.found))
            .collect::<Vec<_>>()
    );
    for t in h.tenants() {
        let want = truth_balances(&h.sim, &t);
        let got = ledger_balances(&h.store, &t).await;
        assert!(!want.is_empty());
        assert_eq!(got, want, "account balances of {t}");
    }
    // Calls: within a small constant of the minimum for the data size.
    let min: u64 = h
        .tenants()
        .iter()
        .map(|t| {
            ledgerkeep_sync::STREAMS
                .iter()
                .map(|s| {
                    let n = truth(&h.sim, t, s.kind).len() as u64;
                    match s.paging {
                        ledgerkeep_sync::Paging::None => 1,
                        paged => n / paged.per_page() as u64 + 1,
                    }
                })
                .sum::<u64>()
        })
        .sum();
    assert!(calls <= min + 3, "{calls} calls against a minimum of {min}");
    // The same data read 100 records a page (as tap-xero and Airbyte do).
    let per_100: u64 = h
        .tenants()
        .iter()
        .map(|t| {
            ledgerkeep_sync::STREAMS
                .iter()
                .map(|s| {
                    let n = truth(&h.sim, t, s.kind).len() as u64;
                    match s.paging {
                        ledgerkeep_sync::Paging::None => 1,
                        _ => n / 100 + 1,
                    }
                })
                .sum::<u64>()
        })
        .sum();
    for (t, c, records, ms) in &timings {
        // Simulated wall time against the rate-limit lower bound: the first
        // 60 calls of a fresh minute go at once, then 60 a minute.
        let lower_ms = (c.saturating_sub(1) / 60) as i64 * 60_000;
        eprintln!(
            "BENCH tenant {t}: {c} calls, {records} records, {} s simulated, lower bound {} s",
            ms / 1000,
            lower_ms / 1000
        );
        assert!(
            *ms <= lower_ms + lower_ms / 20 + 60_000,
            "{t}: {ms} ms against a lower bound of {lower_ms} ms"
        );
    }
    eprintln!("BENCH medium full sync: {calls} calls (minimum {min}); at 100 a page: {per_100}; {compared} records compared");
    let updates = progress.lock();
    assert!(updates.len() as u64 >= calls - 3);
    assert!(updates
        .windows(2)
        .all(|w| w[0].tenant != w[1].tenant || w[0].records <= w[1].records));
    assert!(updates.iter().any(|u| u.stream == "Journals"));
}

#[tokio::test]
async fn an_incremental_sync_brings_exactly_the_mutations_without_downloading_again() {
    let h = harness(Size::Small, Limits::XERO).await;
    sync_all(&h, &SyncRequest::user()).await;
    let first_calls = h.engine.calls();
    // Nothing changed: one call per stream, no records beyond the watermark's second.
    let idle = sync_all(&h, &SyncRequest::user()).await;
    let idle_changed: u64 = idle.iter().map(|r| r.records_changed).sum();
    assert_eq!(idle_changed, 0);
    let idle_calls: u64 = idle.iter().map(|r| r.calls).sum();
    assert_eq!(
        idle_calls,
        ledgerkeep_sync::STREAMS.len() as u64 * 3,
        "one call per stream and tenant"
    );

    let optimised = query_calls(&h, "optimize");
    h.time.advance(std::time::Duration::from_secs(5));
    let mutations = h.sim.mutate(12);
    let moving: Vec<_> = mutations
        .iter()
        .filter(|m| m.kind.moves_updated_date())
        .collect();
    assert!(!moving.is_empty());
    h.time.advance(std::time::Duration::from_secs(5));
    let reports = sync_all(&h, &SyncRequest::user()).await;
    // A few changes: FTS5's own merging suffices, no whole-index merge.
    assert_eq!(query_calls(&h, "optimize"), optimised);
    let calls: u64 = reports.iter().map(|r| r.calls).sum();
    let seen: u64 = reports.iter().map(|r| r.records_seen).sum();
    let changed: u64 = reports.iter().map(|r| r.records_changed).sum();
    assert_eq!(
        calls,
        ledgerkeep_sync::STREAMS.len() as u64 * 3,
        "still one call per stream: nothing re-downloaded"
    );
    // An idle run re-reads only what shares the watermark's second (Xero's
    // If-Modified-Since is exact to the second) and the small settings lists;
    // the mutations add at most their records and the Journals they post.
    let idle_seen: u64 = idle.iter().map(|r| r.records_seen).sum();
    assert!(
        seen <= idle_seen + 3 * moving.len() as u64,
        "{seen} records downloaded (idle: {idle_seen}) for {} changes",
        moving.len()
    );
    assert!(
        changed >= moving.len() as u64,
        "{changed} changed, {} mutations",
        moving.len()
    );
    // Every moving mutation is in the ledger; the silent ones wait for a sweep.
    for m in &moving {
        let kind = EntityKind::from_stream(m.collection.key()).unwrap();
        let got = stored(&h.store, &m.tenant_id, kind).await;
        let want = truth(&h.sim, &m.tenant_id, kind);
        let id = m.id.to_ascii_lowercase();
        assert_eq!(got.get(&id), want.get(&id), "{:?} not synced", m);
    }
    assert!(h.engine.calls() > first_calls);
    // A full sweep then catches the changes that did not move UpdatedDateUTC.
    sync_all(&h, &SyncRequest::user().full()).await;
    assert_ledger_equals_truth(&h, &h.store).await;
    assert!(h.store.verify_audit().await.unwrap().first_break.is_none());
}
