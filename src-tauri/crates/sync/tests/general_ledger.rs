//! The general ledger rebuilt from the documents, against Xero's own Journals
//! where the simulated app may read them (the Advanced tier).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use ledgerkeep_sim::{Limits, Size};
use ledgerkeep_sync::{no_progress, CancelToken, SyncRequest};

#[tokio::test]
async fn the_rebuilt_ledger_equals_journals_for_every_account_and_month() {
    let h = harness(Size::Medium, Limits::XERO).await;
    let mut compared = 0;
    for t in h.tenants() {
        let r = h
            .engine
            .sync_tenant(
                &t,
                &SyncRequest::user(),
                &CancelToken::new(),
                &no_progress(),
            )
            .await;
        assert!(r.succeeded(), "{:?}", r.error);
        let state = h.store.general_ledger_state(&t).await.unwrap().unwrap();
        assert!(
            state.unposted.is_empty(),
            "documents that did not post: {:?}",
            &state.unposted[..state.unposted.len().min(5)]
        );
        let journals = h.store.monthly_account_totals(&t, true).await.unwrap();
        let rebuilt = h.store.monthly_account_totals(&t, false).await.unwrap();
        assert!(
            journals.len() > 50,
            "{t}: only {} account-months",
            journals.len()
        );
        let mut differences = Vec::new();
        for key in journals.keys().chain(rebuilt.keys()) {
            let a = journals.get(key).copied().unwrap_or_default();
            let b = rebuilt.get(key).copied().unwrap_or_default();
            if a != b {
                differences.push(format!("{key:?}: journals {a}, rebuilt {b}"));
            }
        }
        differences.sort();
        differences.dedup();
        assert!(
            differences.is_empty(),
            "{t}: {} account-months differ, e.g. {:#?}",
            differences.len(),
            &differences[..differences.len().min(12)]
        );
        compared += journals.len();
    }
    assert!(compared > 150);
}

#[tokio::test]
async fn a_second_sync_that_changes_nothing_keeps_the_ledger_and_a_change_rebuilds_it() {
    let h = harness(Size::Small, Limits::XERO).await;
    let t = h.tenant();
    let sync = || async {
        h.engine
            .sync_tenant(
                &t,
                &SyncRequest::user(),
                &CancelToken::new(),
                &no_progress(),
            )
            .await
    };
    assert!(sync().await.succeeded());
    let first = h.store.general_ledger_state(&t).await.unwrap().unwrap();
    assert!(first.lines > 0 && first.documents > 0);
    h.time.advance(std::time::Duration::from_secs(60));
    let r = sync().await;
    assert_eq!(r.records_changed, 0);
    let again = h.store.general_ledger_state(&t).await.unwrap().unwrap();
    assert_eq!(
        again.rebuilt_utc, first.rebuilt_utc,
        "nothing changed, nothing rebuilt"
    );
}
