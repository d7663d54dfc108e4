//! Crash safety inside one process: a sync's task is aborted at random points
//! (between any two awaits: mid-call, mid-transaction), then resumed. After
//! each resume the ledger equals the truth and the audit chain verifies. The
//! kill -9 of a real process is in the CLI's tests (`crash.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use ledgerkeep_sim::{Limits, Size};
use ledgerkeep_sync::{no_progress, CancelToken, SyncRequest};
use rand::Rng;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborting_a_sync_anywhere_loses_nothing_and_duplicates_nothing() {
    let h = harness(Size::Small, Limits::XERO).await;
    let rounds: usize = std::env::var("LEDGERKEEP_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let mut rng = rand::rng();
    let mut aborted = 0;
    let mut pending_resumes = 0;
    for round in 0..rounds {
        for t in h.tenants() {
            let engine = h.reopen().await;
            let tt = t.clone();
            let task = tokio::spawn(async move {
                // A full sweep each time: every page is written again (or skipped
                // as unchanged), and the sweep's progress is persisted.
                engine
                    .sync_tenant(
                        &tt,
                        &SyncRequest::user().full(),
                        &CancelToken::new(),
                        &no_progress(),
                    )
                    .await
            });
            tokio::time::sleep(Duration::from_micros(rng.random_range(0..300_000))).await;
            task.abort();
            if task.await.is_err_and(|e| e.is_cancelled()) {
                aborted += 1;
            }
        }
        // Resume: a fresh engine on the same file, as after a restart. The
        // incremental run finishes the interrupted sweep.
        let engine = h.reopen().await;
        for t in h.tenants() {
            // A sweep cut short resumes from its persisted progress; one killed
            // before it saved any is started again.
            let req = if engine.full_sweep_pending(&t).await {
                pending_resumes += 1;
                SyncRequest::user()
            } else {
                SyncRequest::user().full()
            };
            let r = engine
                .sync_tenant(&t, &req, &CancelToken::new(), &no_progress())
                .await;
            assert!(r.succeeded(), "round {round}: {:?}", r.error);
        }
        let store = engine.store();
        assert_ledger_equals_truth(&h, store).await;
        let v = store.verify_audit().await.unwrap();
        assert!(v.is_intact(), "round {round}: {v:?}");
        // Fresh changes for the next round.
        h.time.advance(Duration::from_secs(3));
        h.sim.mutate(6);
        h.time.advance(Duration::from_secs(3));
    }
    assert!(aborted >= rounds, "only {aborted} syncs were cut short");
    assert!(pending_resumes > 0, "no persisted sweep was ever resumed");
}
