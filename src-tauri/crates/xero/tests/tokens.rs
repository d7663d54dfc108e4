//! The token lifecycle against the simulator: one refresh for many callers,
//! rotation persisted before use, a failed keyring write, a lost answer, and
//! `invalid_grant`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use ledgerkeep_sim::Limits;
use ledgerkeep_xero::{
    ApiRequest, ConnectionStatus, MemoryTokenStore, TokenStore, XeroError, XeroOptions,
};
use secrecy::ExposeSecret;

const HALF_HOUR: Duration = Duration::from_secs(30 * 60);

#[tokio::test]
#[ignore = "needs a D-Bus session with an unlocked Secret Service: run by `make test`"]
async fn a_hundred_calls_at_expiry_make_exactly_one_refresh() {
    let h = harness(Limits::XERO).await;
    let store = Arc::new(keyring_store());
    let (xero, metrics) = xero_with_metrics(&h, store.clone(), XeroOptions::default());
    let conn = connect(&xero).await;
    let before = store.load(conn.id()).unwrap().unwrap();
    let tenant = h.sim.tenants()[0].tenant_id.clone();

    h.time.advance(HALF_HOUR); // every access token is now expired, at the simulator too
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let xero = Arc::clone(&xero);
            let tenant = tenant.clone();
            tokio::spawn(async move {
                xero.client()
                    .get(&tenant, &ApiRequest::get("Organisation"))
                    .await
            })
        })
        .collect();
    for c in calls {
        assert_eq!(c.await.unwrap().unwrap().status, 200);
    }
    assert_eq!(
        h.proxy.refreshes.load(Ordering::SeqCst),
        1,
        "refresh requests at the simulator"
    );
    let snap = metrics.snapshot();
    assert_eq!(
        (snap.token_refreshes_ok, snap.token_refreshes_failed),
        (1, 0)
    );
    assert_eq!(snap.xero_rate_limited, 0);

    // The rotated set is what the keyring holds now.
    let after = store.load(conn.id()).unwrap().unwrap();
    assert_ne!(
        after.tokens.refresh_token.expose_secret(),
        before.tokens.refresh_token.expose_secret()
    );
    store.delete(conn.id()).unwrap();
}

#[tokio::test]
async fn the_token_is_refreshed_ahead_of_expiry_at_25_minutes() {
    let h = harness(Limits::XERO).await;
    let xero = xero(
        &h,
        Arc::new(MemoryTokenStore::default()),
        XeroOptions::default(),
    );
    let conn = connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    h.time.advance(Duration::from_secs(24 * 60));
    xero.client()
        .get(&tenant, &ApiRequest::get("Organisation"))
        .await
        .unwrap();
    assert_eq!(
        h.proxy.refreshes.load(Ordering::SeqCst),
        0,
        "refreshed too early"
    );
    h.time.advance(Duration::from_secs(60));
    xero.client()
        .get(&tenant, &ApiRequest::get("Organisation"))
        .await
        .unwrap();
    assert_eq!(h.proxy.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(conn.status(), ConnectionStatus::Active);
}

#[tokio::test]
async fn the_scrubber_holds_the_tokens_in_use_not_every_token_refreshed_away() {
    use ledgerkeep_obs::redact::is_registered;
    let h = harness(Limits::XERO).await;
    let store = Arc::new(MemoryTokenStore::default());
    let xero = xero(&h, store.clone(), XeroOptions::default());
    let conn = connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    let mut held = Vec::new();
    for _ in 0..3 {
        let set = store.load(conn.id()).unwrap().unwrap().tokens;
        held.push((
            set.access_token.expose_secret().to_owned(),
            set.refresh_token.expose_secret().to_owned(),
        ));
        h.time.advance(Duration::from_secs(25 * 60));
        xero.client()
            .get(&tenant, &ApiRequest::get("Organisation"))
            .await
            .unwrap();
    }
    assert_eq!(h.proxy.refreshes.load(Ordering::SeqCst), 3);
    let now = store.load(conn.id()).unwrap().unwrap().tokens;
    assert!(is_registered(now.access_token.expose_secret()));
    assert!(is_registered(now.refresh_token.expose_secret()));
    for (access, refresh) in &held {
        assert!(
            !is_registered(access),
            "an access token refreshed away is still listed"
        );
        assert!(
            !is_registered(refresh),
            "a rotated refresh token is still listed"
        );
    }
}

#[tokio::test]
async fn a_failed_keyring_write_keeps_the_old_set_and_is_retried_without_refreshing_again() {
    let h = harness(Limits::XERO).await;
    let store = Arc::new(MemoryTokenStore::default());
    // No re-read of the organisations in between, which would take the access token twice.
    let options = XeroOptions {
        client: ledgerkeep_xero::ClientSettings {
            organisations_every: Duration::from_secs(24 * 3600),
            ..ledgerkeep_xero::ClientSettings::default()
        },
        ..XeroOptions::default()
    };
    let xero = xero(&h, store.clone(), options);
    let conn = connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    let original = store.load(conn.id()).unwrap().unwrap();
    let writes = store.writes();

    // At 26 minutes a refresh is due; the old access token lives 4 more minutes.
    h.time.advance(Duration::from_secs(26 * 60));
    store.fail_next_writes(1);
    let r = xero
        .client()
        .get(&tenant, &ApiRequest::get("Organisation"))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "the old set should still serve");
    assert_eq!(h.proxy.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(
        store.writes(),
        writes,
        "the failed write was counted as done"
    );
    let kept = store.load(conn.id()).unwrap().unwrap();
    assert_eq!(
        kept.tokens.refresh_token.expose_secret(),
        original.tokens.refresh_token.expose_secret(),
        "the keyring still holds the old set"
    );

    // The next call retries the write, and does not refresh again.
    xero.client()
        .get(&tenant, &ApiRequest::get("Organisation"))
        .await
        .unwrap();
    assert_eq!(
        h.proxy.refreshes.load(Ordering::SeqCst),
        1,
        "refreshed again"
    );
    assert_eq!(store.writes(), writes + 1);
    let now = store.load(conn.id()).unwrap().unwrap();
    assert_ne!(
        now.tokens.refresh_token.expose_secret(),
        original.tokens.refresh_token.expose_secret()
    );
}

#[tokio::test]
#[ignore = "needs a D-Bus session with an unlocked Secret Service: run by `make test`"]
async fn a_lost_refresh_answer_is_retried_with_the_previous_token_in_the_grace_window() {
    let h = harness(Limits::XERO).await;
    let store = Arc::new(keyring_store());
    let xero = xero(&h, store.clone(), XeroOptions::default());
    let _conn = connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    h.time.advance(HALF_HOUR);
    h.proxy.lose_next.store(1, Ordering::SeqCst); // Xero rotates; the answer never arrives
    let r = xero
        .client()
        .get(&tenant, &ApiRequest::get("Organisation"))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        h.proxy.refreshes.load(Ordering::SeqCst),
        2,
        "one lost, one retried"
    );
    // The set from the retry is the live one: the next refresh works too.
    h.time.advance(HALF_HOUR);
    xero.client()
        .get(&tenant, &ApiRequest::get("Organisation"))
        .await
        .unwrap();
    assert_eq!(h.proxy.refreshes.load(Ordering::SeqCst), 3);
}

#[tokio::test]
#[ignore = "needs a D-Bus session with an unlocked Secret Service: run by `make test`"]
async fn invalid_grant_puts_the_connection_in_needs_reauthorisation_and_stops_its_calls() {
    let h = harness(Limits::XERO).await;
    let (xero, metrics) = xero_with_metrics(&h, Arc::new(keyring_store()), XeroOptions::default());
    let conn = connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    h.sim.revoke_refresh_tokens();
    h.time.advance(HALF_HOUR);
    let err = xero
        .client()
        .get(&tenant, &ApiRequest::get("Organisation"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, XeroError::NeedsReauthorisation { .. }),
        "{err:?}"
    );
    assert_eq!(conn.status(), ConnectionStatus::NeedsReauthorisation);
    assert_eq!(metrics.snapshot().token_refreshes_failed, 1);
    let refreshes = h.proxy.refreshes.load(Ordering::SeqCst);
    let calls = metrics.snapshot().xero_calls;
    let err = xero
        .client()
        .get(&tenant, &ApiRequest::get("Invoices"))
        .await
        .unwrap_err();
    assert!(matches!(err, XeroError::NeedsReauthorisation { .. }));
    assert_eq!(
        h.proxy.refreshes.load(Ordering::SeqCst),
        refreshes,
        "tried to refresh again"
    );
    assert_eq!(metrics.snapshot().xero_calls, calls, "a call went out");
}

#[tokio::test]
async fn a_tenant_outside_the_connections_is_refused_before_any_request() {
    let h = harness(Limits::XERO).await;
    let (xero, metrics) = xero_with_metrics(
        &h,
        Arc::new(MemoryTokenStore::default()),
        XeroOptions::default(),
    );
    let _conn = connect(&xero).await;
    let err = xero
        .client()
        .get(
            "00000000-0000-0000-0000-000000000000",
            &ApiRequest::get("Invoices"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, XeroError::TenantNotConnected(_)), "{err:?}");
    assert_eq!(metrics.snapshot().xero_calls, 0);
    // A tenant disconnected at Xero's side is refused by Xero (403), typed, not retried.
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    h.sim.disconnect_tenant(&tenant);
    let err = xero
        .client()
        .get(&tenant, &ApiRequest::get("Invoices"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, XeroError::Status { status: 403, .. }),
        "{err:?}"
    );
    assert_eq!(metrics.snapshot().xero_calls, 1);
    // Xero's refusal makes the client read /connections again: from now on the
    // tenant is refused here, before any request.
    let err = xero
        .client()
        .get(&tenant, &ApiRequest::get("Invoices"))
        .await
        .unwrap_err();
    assert!(matches!(err, XeroError::TenantNotConnected(_)), "{err:?}");
    assert_eq!(metrics.snapshot().xero_calls, 1, "a request went out");
}

#[tokio::test]
async fn the_organisations_are_read_again_periodically_and_one_disconnected_at_xero_is_refused_locally(
) {
    let h = harness(Limits::XERO).await;
    let store = Arc::new(MemoryTokenStore::default());
    let (xero, metrics) = xero_with_metrics(&h, store.clone(), XeroOptions::default());
    let conn = connect(&xero).await;
    let tenants = h.sim.tenants();
    let (gone, stays) = (tenants[0].tenant_id.clone(), tenants[1].tenant_id.clone());
    xero.keep(conn.id(), &[gone.clone(), stays.clone()])
        .await
        .unwrap();
    xero.client()
        .get(&gone, &ApiRequest::get("Organisation"))
        .await
        .unwrap();
    // The owner disconnects the organisation at Xero's side. Until the next
    // read of /connections the list held still names it...
    h.sim.disconnect_tenant(&gone);
    assert!(conn.reaches(&gone));
    // ...and 15 minutes on, it is read again before the next call.
    h.time.advance(Duration::from_secs(15 * 60));
    let calls = metrics.snapshot().xero_calls;
    let err = xero
        .client()
        .get(&gone, &ApiRequest::get("Organisation"))
        .await
        .unwrap_err();
    assert!(matches!(err, XeroError::TenantNotConnected(_)), "{err:?}");
    assert_eq!(metrics.snapshot().xero_calls, calls, "a request went out");
    assert!(!conn.reaches(&gone));
    // The keyring entry follows the fresh list; the other organisation stays kept.
    let stored = store.load(conn.id()).unwrap().unwrap();
    assert!(stored.organisations.iter().all(|o| o.tenant_id != gone));
    assert_eq!(stored.kept, vec![stays.clone()]);
    assert_eq!(
        xero.client()
            .get(&stays, &ApiRequest::get("Organisation"))
            .await
            .unwrap()
            .status,
        200
    );
}

#[tokio::test]
#[ignore = "needs a D-Bus session with an unlocked Secret Service: run by `make test`"]
async fn a_refresh_token_unused_for_sixty_days_gives_needs_reauthorisation() {
    let h = harness(Limits::XERO).await;
    let (xero, metrics) = xero_with_metrics(&h, Arc::new(keyring_store()), XeroOptions::default());
    let conn = connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    // 59 days unused: the refresh token still works (and rotates).
    h.time.advance(Duration::from_secs(59 * 86_400));
    xero.client()
        .get(&tenant, &ApiRequest::get("Organisation"))
        .await
        .unwrap();
    assert_eq!(h.proxy.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(conn.status(), ConnectionStatus::Active);
    // Then 60 days without a use: Xero answers invalid_grant.
    h.time.advance(Duration::from_secs(60 * 86_400));
    let err = xero
        .client()
        .get(&tenant, &ApiRequest::get("Organisation"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, XeroError::NeedsReauthorisation { .. }),
        "{err:?}"
    );
    assert_eq!(conn.status(), ConnectionStatus::NeedsReauthorisation);
    assert_eq!(h.proxy.refreshes.load(Ordering::SeqCst), 2);
    assert_eq!(metrics.snapshot().token_refreshes_failed, 1);
}

#[tokio::test]
async fn signing_in_again_after_invalid_grant_takes_over_the_organisations_and_what_was_kept() {
    let h = harness(Limits::XERO).await;
    let store = Arc::new(MemoryTokenStore::default());
    let xero = xero(&h, store.clone(), XeroOptions::default());
    let old = connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    xero.keep(old.id(), std::slice::from_ref(&tenant))
        .await
        .unwrap();
    h.sim.revoke_refresh_tokens();
    h.time.advance(HALF_HOUR);
    let err = xero
        .client()
        .get(&tenant, &ApiRequest::get("Organisation"))
        .await
        .unwrap_err();
    assert!(matches!(err, XeroError::NeedsReauthorisation { .. }));

    let new = connect(&xero).await;
    assert_ne!(new.id(), old.id());
    assert_eq!(
        store.list().unwrap(),
        vec![new.id().to_owned()],
        "the dead sign-in stayed"
    );
    assert_eq!(new.kept(), vec![tenant.clone()], "what was kept is kept");
    let r = xero
        .client()
        .get(&tenant, &ApiRequest::get("Organisation"))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn a_sign_in_made_with_another_xero_app_is_kept_but_not_used() {
    let h = harness(Limits::XERO).await;
    let store = Arc::new(MemoryTokenStore::default());
    let xero = xero(&h, store.clone(), XeroOptions::default());
    let ours = connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    xero.keep(ours.id(), std::slice::from_ref(&tenant))
        .await
        .unwrap();
    let ours_stored = store.load(ours.id()).unwrap().unwrap();
    assert_eq!(
        ours_stored.client_id.as_deref(),
        h.endpoints.client_id.as_deref(),
        "the sign-in is stamped with the app it was made with"
    );

    // Yesterday's demo company, or an app since replaced: same keyring, another app.
    let mut foreign = ours_stored.clone();
    foreign.id = "made-with-another-app".into();
    foreign.client_id = Some("ANOTHER0APP0000000000000000000000".into());
    foreign.organisations[0].tenant_id = "00000000-0000-0000-0000-00000000beef".into();
    foreign.kept = vec![foreign.organisations[0].tenant_id.clone()];
    store.save(&foreign).unwrap();

    // A process started afresh over the same keyring uses only its own app's sign-in.
    let later = common::xero(&h, store.clone(), XeroOptions::default());
    let used: Vec<String> = later
        .tokens()
        .all()
        .await
        .unwrap()
        .iter()
        .map(|c| c.id().to_owned())
        .collect();
    assert_eq!(used, vec![ours.id().to_owned()]);
    assert!(
        store.load("made-with-another-app").unwrap().is_some(),
        "the other app's sign-in stays in the keyring"
    );
    let err = later
        .tokens()
        .connection_for_tenant(&foreign.kept[0])
        .await
        .unwrap_err();
    assert!(matches!(err, XeroError::TenantNotConnected(_)), "{err:?}");
}

// --- Two processes, one sign-in -------------------------------------------
//
// The app and the command line each hold their own copy of a connection
// (two TokenManagers over one TokenStore, as two processes over one keyring),
// and share the token lock file in the data folder.

mod two_processes {
    use super::*;
    use ledgerkeep_xero::tokens::TokenLock;
    use ledgerkeep_xero::{StoredConnection, Xero};

    const ROTATION: Duration = Duration::from_secs(25 * 60 + 1);

    fn pair(
        h: &Harness,
        store: Arc<dyn TokenStore>,
        lock: &std::path::Path,
    ) -> (Arc<Xero>, Arc<Xero>) {
        let options = XeroOptions {
            client: ledgerkeep_xero::ClientSettings {
                organisations_every: Duration::from_secs(24 * 3600),
                ..ledgerkeep_xero::ClientSettings::default()
            },
            ..XeroOptions::default()
        };
        let app = xero(h, Arc::clone(&store), options.clone());
        app.tokens().set_token_lock(TokenLock::new(lock));
        let cli = xero(h, store, options);
        cli.tokens().set_token_lock(TokenLock::new(lock));
        (app, cli)
    }

    fn refresh_token_of(store: &dyn TokenStore, id: &str) -> String {
        store
            .load(id)
            .unwrap()
            .unwrap()
            .tokens
            .refresh_token
            .expose_secret()
            .to_owned()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn each_rotation_is_one_refresh_seen_by_both_and_neither_gets_invalid_grant() {
        let h = harness(Limits::XERO).await;
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryTokenStore::default());
        let (app, cli) = pair(&h, store.clone(), &dir.path().join("tokens.lock"));
        let conn = connect(&app).await;
        let tenant = h.sim.tenants()[0].tenant_id.clone();
        let org = ApiRequest::get("Organisation");
        // Each loads its own copy.
        assert_eq!(app.client().get(&tenant, &org).await.unwrap().status, 200);
        assert_eq!(cli.client().get(&tenant, &org).await.unwrap().status, 200);
        let cli_conn = cli.tokens().connection(conn.id()).await.unwrap();

        let mut seen = vec![refresh_token_of(store.as_ref(), conn.id())];
        for round in 1..=6usize {
            h.time.advance(ROTATION);
            // Both find their set due at once; who wins the lock varies.
            let (a, b) = tokio::join!(async { app.client().get(&tenant, &org).await }, async {
                cli.client().get(&tenant, &org).await
            },);
            assert_eq!(a.unwrap().status, 200, "round {round}: the app");
            assert_eq!(b.unwrap().status, 200, "round {round}: the command line");
            assert_eq!(
                h.proxy.refreshes.load(Ordering::SeqCst),
                round,
                "round {round}: one refresh per rotation"
            );
            assert_eq!(conn.status(), ConnectionStatus::Active);
            assert_eq!(cli_conn.status(), ConnectionStatus::Active);
            let now = refresh_token_of(store.as_ref(), conn.id());
            assert!(!seen.contains(&now), "round {round}: the set rotated");
            seen.push(now.clone());
            // Both use the rotated set.
            assert_eq!(app.tokens().refresh_token(&conn).await.expose_secret(), now);
            assert_eq!(
                cli.tokens().refresh_token(&cli_conn).await.expose_secret(),
                now
            );
        }
    }

    /// A store whose next read answers an older set once: as if another
    /// process rotated the token between our re-read and our refresh (one
    /// that took no lock, an older build).
    #[derive(Debug, Default)]
    struct LaggingStore {
        inner: MemoryTokenStore,
        stale_once: parking_lot::Mutex<Option<StoredConnection>>,
    }

    impl TokenStore for LaggingStore {
        fn load(&self, id: &str) -> ledgerkeep_xero::error::Result<Option<StoredConnection>> {
            if let Some(s) = self.stale_once.lock().take() {
                return Ok(Some(s));
            }
            self.inner.load(id)
        }
        fn save(&self, c: &StoredConnection) -> ledgerkeep_xero::error::Result<()> {
            self.inner.save(c)
        }
        fn delete(&self, id: &str) -> ledgerkeep_xero::error::Result<()> {
            self.inner.delete(id)
        }
        fn list(&self) -> ledgerkeep_xero::error::Result<Vec<String>> {
            self.inner.list()
        }
    }

    #[tokio::test]
    async fn an_invalid_grant_re_reads_the_stored_set_and_retries_once_with_it() {
        let h = harness(Limits::XERO).await;
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(LaggingStore::default());
        let (app, cli) = pair(&h, store.clone(), &dir.path().join("tokens.lock"));
        let conn = connect(&app).await;
        let tenant = h.sim.tenants()[0].tenant_id.clone();
        let org = ApiRequest::get("Organisation");
        cli.client().get(&tenant, &org).await.unwrap();
        let first = store.inner.load(conn.id()).unwrap().unwrap();

        // The app rotates; past Xero's 30-minute grace window, the first
        // refresh token is refused.
        h.time.advance(ROTATION);
        app.client().get(&tenant, &org).await.unwrap();
        assert_eq!(h.proxy.refreshes.load(Ordering::SeqCst), 1);
        h.time.advance(Duration::from_secs(31 * 60));

        // The command line's re-read answers the first set (as if another
        // process had not written yet): it presents the rotated token, is
        // refused, re-reads, and retries once with the stored set.
        *store.stale_once.lock() = Some(first);
        let r = cli.client().get(&tenant, &org).await.unwrap();
        assert_eq!(r.status, 200);
        let cli_conn = cli.tokens().connection(conn.id()).await.unwrap();
        assert_eq!(cli_conn.status(), ConnectionStatus::Active);
        // The refused one and the retry.
        assert_eq!(h.proxy.refreshes.load(Ordering::SeqCst), 3);

        // The app, whose set is now older than the stored one, takes the
        // stored set rather than refreshing.
        let r = app.client().get(&tenant, &org).await.unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(conn.status(), ConnectionStatus::Active);
        assert_eq!(h.proxy.refreshes.load(Ordering::SeqCst), 3);
        assert_eq!(
            app.tokens().refresh_token(&conn).await.expose_secret(),
            store
                .inner
                .load(conn.id())
                .unwrap()
                .unwrap()
                .tokens
                .refresh_token
                .expose_secret()
        );
    }

    #[tokio::test]
    async fn keeping_organisations_never_writes_an_old_token_over_a_new_one() {
        let h = harness(Limits::XERO).await;
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryTokenStore::default());
        let (app, cli) = pair(&h, store.clone(), &dir.path().join("tokens.lock"));
        let conn = connect(&app).await;
        let tenant = h.sim.tenants()[0].tenant_id.clone();
        let org = ApiRequest::get("Organisation");
        // The command line rotates the token; the app still holds the first set.
        h.time.advance(ROTATION);
        cli.client().get(&tenant, &org).await.unwrap();
        let rotated = store.load(conn.id()).unwrap().unwrap();
        assert_eq!(h.proxy.refreshes.load(Ordering::SeqCst), 1);

        // The app saves a change of the kept organisations from its old copy.
        app.tokens()
            .keep(&conn, std::slice::from_ref(&tenant))
            .await
            .unwrap();
        let after = store.load(conn.id()).unwrap().unwrap();
        assert_eq!(after.kept, vec![tenant.clone()]);
        assert_eq!(
            after.tokens.refresh_token.expose_secret(),
            rotated.tokens.refresh_token.expose_secret(),
            "the app wrote its old token over the new one"
        );
        assert_eq!(after.tokens.obtained_at_ms, rotated.tokens.obtained_at_ms);
        // And the app now uses the new set without refreshing.
        app.client().get(&tenant, &org).await.unwrap();
        assert_eq!(h.proxy.refreshes.load(Ordering::SeqCst), 1);
        assert_eq!(conn.status(), ConnectionStatus::Active);
    }
}
