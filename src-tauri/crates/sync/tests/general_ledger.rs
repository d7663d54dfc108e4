//! The general ledger rebuilt from the documents, against Xero's own Journals
//! where the simulated app may read them (the Advanced tier): every account
//! and month equal, the pay runs no document shows included (explained from
//! Xero's month-end trial balances).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use ledgerkeep_sim::{Limits, Size};
use ledgerkeep_sync::{no_progress, CancelToken, RefusalReason, StreamStatus, SyncRequest};

#[tokio::test]
async fn the_rebuilt_ledger_equals_journals_for_every_account_and_month() {
    let h = harness(Size::Medium, Limits::XERO).await;
    // With Xero's reports, so that the trial balances at each month-end are
    // stored (over two runs) and the pay runs, which no document shows, are
    // explained from them: then the whole of Journals is matched.
    let mut req = SyncRequest::user();
    req.reports_every = Some(ledgerkeep_sync::DEFAULT_REPORTS_EVERY);
    for _ in 0..2 {
        for t in h.tenants() {
            let r = h
                .engine
                .sync_tenant(&t, &req, &CancelToken::new(), &no_progress())
                .await;
            assert!(r.succeeded(), "{:?}", r.error);
        }
        h.time.advance(std::time::Duration::from_secs(3600));
    }
    let mut compared = 0;
    let mut payroll = 0;
    for t in h.tenants() {
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
        // Not vacuous: Journals hold pay runs, and they were matched.
        payroll += h
            .store
            .not_visible_between(&t, None, "9999-12-31")
            .await
            .unwrap()
            .len();
    }
    assert!(compared > 150);
    assert!(payroll >= 3, "{payroll} explained accounts");
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

/// A new Starter app (no Journals, 1,000 calls a day) syncs the medium books
/// with the default settings: Journals is refused as a matter of plan, the
/// refusal costs no token refresh, every organisation stays within its day's
/// calls, and the general ledger is rebuilt from the documents.
#[tokio::test]
async fn a_new_starter_app_syncs_the_medium_books_and_rebuilds_the_ledger_without_journals() {
    let h = harness_starter(Size::Medium).await;
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
        assert!(r.succeeded(), "{t}: {:?} {:?}", r.stopped, r.error);
        for s in &r.streams {
            if s.stream == "Journals" {
                assert_eq!(s.refused, Some(RefusalReason::Plan), "{s:?}");
            } else {
                assert_eq!(s.status, StreamStatus::Done, "{s:?}");
            }
        }
        assert!(r.calls <= 1_000, "{t}: {} calls", r.calls);
        assert!(h
            .store
            .monthly_account_totals(&t, true)
            .await
            .unwrap()
            .is_empty());
        let gl = h.store.general_ledger_state(&t).await.unwrap().unwrap();
        assert!(
            gl.unposted.is_empty(),
            "{:?}",
            &gl.unposted[..gl.unposted.len().min(5)]
        );
        assert!(gl.lines > 1_000, "{t}: {gl:?}");
    }
    let m = h.metrics.snapshot();
    assert_eq!(
        m.token_refreshes_ok + m.token_refreshes_failed,
        0,
        "a refusal is no reason to refresh"
    );
}

/// The month totals the rebuild keeps give every report period the same
/// figures as the lines summed one by one: random periods over a synced
/// ledger, open-ended or not, within a month, across months, over years.
#[tokio::test]
async fn the_month_totals_give_every_period_the_figures_of_its_lines() {
    use chrono::{Datelike, Days, NaiveDate};
    use ledgerkeep_store::reports::LedgerPeriod;
    use rand::{Rng, SeedableRng};

    let h = harness(Size::Medium, Limits::XERO).await;
    let t = h.tenant();
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
    let (first, last): (String, String) =
        sqlx::query_as("SELECT MIN(date), MAX(date) FROM gl_entries WHERE tenant_id = ?")
            .bind(&t)
            .fetch_one(h.store.pool())
            .await
            .unwrap();
    let first = NaiveDate::parse_from_str(&first, "%Y-%m-%d").unwrap() - Days::new(40);
    let last = NaiveDate::parse_from_str(&last, "%Y-%m-%d").unwrap() + Days::new(40);
    let span = (last - first).num_days();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20);
    let mut periods = Vec::new();
    for i in 0..60 {
        let a = first + Days::new(rng.random_range(0..span) as u64);
        let len = match i % 4 {
            0 => rng.random_range(0..31),
            1 => rng.random_range(28..120),
            _ => rng.random_range(0..span),
        };
        let mut b = a + Days::new(len as u64);
        // Some periods made of whole months, as the reports ask for.
        let mut a = a;
        if i % 3 == 0 {
            a = a.with_day(1).unwrap();
            b = b.with_day(1).unwrap() - Days::new(1);
        }
        let from = (i % 7 != 0).then(|| a.to_string());
        periods.push(LedgerPeriod {
            from,
            to: b.max(a).to_string(),
        });
    }
    let by_totals = h
        .store
        .account_movements_from_month_totals(&t, &periods)
        .await
        .unwrap()
        .expect("the rebuild keeps month totals");
    let by_line = h
        .store
        .account_movements_by_line(&t, &periods)
        .await
        .unwrap();
    let mut compared = 0;
    for (p, (a, b)) in periods.iter().zip(by_totals.iter().zip(&by_line)) {
        assert_eq!(a, b, "{p:?}");
        compared += a.len();
    }
    assert!(compared > 500, "only {compared} account-periods compared");
    // The reports' own call takes the same path.
    assert_eq!(
        h.store.account_movements(&t, &periods).await.unwrap(),
        by_line
    );
}
