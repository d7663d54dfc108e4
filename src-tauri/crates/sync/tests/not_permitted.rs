//! Streams Xero does not serve to the sign-in (401 `AuthorizationUnsuccessful`:
//! Journals below the Advanced plan, a scope not granted) are skipped, not
//! failed: the run succeeds, the refusal is kept in the ledger with its
//! reason, later runs skip the stream without a call, and another sign-in
//! asks again.
//!
//! A small loopback server stands in front of the simulator's API and answers
//! Xero's refusal for chosen paths; everything else goes to the simulator.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use common::{connect, BOUNCE_URL};
use ledgerkeep_obs::Metrics;
use ledgerkeep_sim::{Limits, RunningSimulator, Size};
use ledgerkeep_store::LedgerStore;
use ledgerkeep_sync::{
    no_progress, refused_streams, CancelToken, RefusalReason, StreamStatus, SyncEngine, SyncReport,
    SyncRequest,
};
use ledgerkeep_xero::{MemoryTokenStore, VirtualTime, Xero, XeroEndpoints, XeroOptions};
use parking_lot::Mutex;

#[derive(Debug, Default)]
struct Front {
    upstream: String,
    /// API paths (lower case) answered with Xero's "not permitted" 401.
    refuse: Mutex<HashSet<String>>,
    /// Calls seen per API path (lower case).
    calls: Mutex<HashMap<String, usize>>,
}

impl Front {
    fn calls(&self, path: &str) -> usize {
        self.calls
            .lock()
            .get(&path.to_ascii_lowercase())
            .copied()
            .unwrap_or(0)
    }
}

async fn start_front(upstream: &str) -> (String, Arc<Front>) {
    let front = Arc::new(Front {
        upstream: upstream.to_owned(),
        ..Front::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let f = Arc::clone(&front);
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let f = Arc::clone(&f);
        async move { serve(f, req).await }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), front)
}

async fn serve(f: Arc<Front>, req: axum::extract::Request) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (parts, body) = req.into_parts();
    if let Some(path) = parts.uri.path().strip_prefix("/api.xro/2.0/") {
        let path = path.to_ascii_lowercase();
        *f.calls.lock().entry(path.clone()).or_default() += 1;
        if f.refuse.lock().contains(&path) {
            let problem = serde_json::json!({"Type": null, "Title": "Unauthorized", "Status": 401,
                "Detail": "AuthorizationUnsuccessful", "Instance": "0f8fad5b-d9cb-469f-a165-70867728950e", "Extensions": {}});
            return (
                axum::http::StatusCode::UNAUTHORIZED,
                [("content-type", "application/json")],
                problem.to_string(),
            )
                .into_response();
        }
    }
    let body = axum::body::to_bytes(body, 1 << 24).await.unwrap();
    let url = format!("{}{}", f.upstream, parts.uri);
    let mut builder = reqwest::Client::new().request(parts.method.clone(), url);
    for (k, v) in &parts.headers {
        if k != "host" {
            builder = builder.header(k, v);
        }
    }
    let resp = builder.body(body).send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap();
    let mut r = (status, bytes).into_response();
    for (k, v) in &headers {
        if k != "content-length" && k != "transfer-encoding" {
            r.headers_mut().insert(k, v.clone());
        }
    }
    r
}

struct Fronted {
    sim: RunningSimulator,
    front: Arc<Front>,
    xero: Arc<Xero>,
    store: LedgerStore,
    engine: Arc<SyncEngine>,
    metrics: Arc<Metrics>,
    _dir: tempfile::TempDir,
}

async fn fronted() -> Fronted {
    fronted_app(false).await
}

/// `starter`: the simulator is a Xero app made in 2026 on the Starter tier
/// (granular scopes only, each call's scope checked, no Journals).
async fn fronted_app(starter: bool) -> Fronted {
    let time = VirtualTime::starting_at(ledgerkeep_sim::clock::DEFAULT_START_MS);
    let builder = RunningSimulator::builder();
    let builder = if starter {
        builder.new_starter_app()
    } else {
        builder.limits(Limits::XERO)
    };
    let sim = builder
        .seed(11)
        .size(Size::Small)
        .clock(time.clone())
        .auto_consent(true)
        .redirect_uri(BOUNCE_URL)
        .start()
        .await
        .unwrap();
    let (api_url, front) = start_front(sim.base_url()).await;
    let endpoints = XeroEndpoints {
        login_url: sim.base_url().to_owned(),
        identity_url: sim.base_url().to_owned(),
        api_url,
        client_id: Some(sim.client_id().to_owned()),
        oauth_port: 0,
    };
    let metrics = Arc::new(Metrics::new(time.timekeeping().clock, None));
    let xero = Arc::new(
        Xero::new(
            endpoints,
            Arc::new(MemoryTokenStore::default()),
            time.timekeeping(),
            Some(Arc::clone(&metrics)),
            XeroOptions::default(),
        )
        .unwrap(),
    );
    connect(&xero).await;
    let dir = tempfile::tempdir().unwrap();
    let store = LedgerStore::open(&dir.path().join("ledger.sqlite"))
        .await
        .unwrap();
    let engine = Arc::new(SyncEngine::new(
        Arc::clone(&xero),
        store.clone(),
        time.timekeeping(),
        None,
    ));
    Fronted {
        sim,
        front,
        xero,
        store,
        engine,
        metrics,
        _dir: dir,
    }
}

async fn run(engine: &SyncEngine, tenant: &str) -> SyncReport {
    engine
        .sync_tenant(
            tenant,
            &SyncRequest::user(),
            &CancelToken::new(),
            &no_progress(),
        )
        .await
}

fn stream<'a>(r: &'a SyncReport, name: &str) -> &'a ledgerkeep_sync::StreamReport {
    r.streams.iter().find(|s| s.stream == name).unwrap()
}

#[tokio::test]
async fn streams_not_permitted_are_skipped_kept_and_asked_again_after_another_sign_in() {
    let h = fronted().await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    h.front.refuse.lock().insert("journals".into());
    h.front.refuse.lock().insert("creditnotes".into());

    let r = run(&h.engine, &tenant).await;
    assert!(r.succeeded(), "{:?} {:?}", r.stopped, r.error);
    let journals = stream(&r, "Journals");
    assert_eq!(journals.status, StreamStatus::Skipped);
    assert_eq!(journals.refused, Some(RefusalReason::Plan));
    assert!(
        journals
            .detail
            .as_deref()
            .unwrap()
            .contains("not available on this Xero plan"),
        "{journals:?}"
    );
    let credit_notes = stream(&r, "CreditNotes");
    assert_eq!(credit_notes.refused, Some(RefusalReason::Scope));
    assert!(credit_notes
        .detail
        .as_deref()
        .unwrap()
        .contains("not granted"));
    for s in r
        .streams
        .iter()
        .filter(|s| s.stream != "Journals" && s.stream != "CreditNotes")
    {
        assert_eq!(s.status, StreamStatus::Done, "{s:?}");
        assert_eq!(s.refused, None);
    }
    assert_eq!(h.front.calls("Journals"), 1, "refused once, no retry");
    assert_eq!(h.front.calls("CreditNotes"), 1);
    assert_eq!(
        h.metrics.snapshot().token_refreshes_ok + h.metrics.snapshot().token_refreshes_failed,
        0,
        "a refusal is no reason to refresh"
    );

    // Kept in the ledger, with its reason and sign-in.
    let kept = refused_streams(&h.store, &tenant).await;
    let mut reasons: Vec<(String, RefusalReason)> =
        kept.iter().map(|k| (k.stream.clone(), k.reason)).collect();
    reasons.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        reasons,
        vec![
            ("CreditNotes".to_owned(), RefusalReason::Scope),
            ("Journals".to_owned(), RefusalReason::Plan)
        ]
    );
    let conn = h
        .xero
        .tokens()
        .connection_for_tenant(&tenant)
        .await
        .unwrap();
    assert!(kept.iter().all(|k| k.connection == conn.id()));
    let states = h.store.streams(&tenant).await.unwrap();
    let j = states.iter().find(|s| s.stream == "Journals").unwrap();
    assert_eq!(j.status, "skipped");
    assert!(j
        .last_error
        .as_deref()
        .unwrap()
        .contains("not available on this Xero plan"));
    // Another tenant is not affected.
    let other = h.sim.tenants()[1].tenant_id.clone();
    assert!(refused_streams(&h.store, &other).await.is_empty());

    // A later run, by an engine started afresh on the same ledger, skips
    // them without a call.
    let restarted = SyncEngine::new(
        Arc::clone(&h.xero),
        LedgerStore::open(h.store.path()).await.unwrap(),
        h.engine.time().clone(),
        None,
    );
    let again = run(&restarted, &tenant).await;
    assert!(again.succeeded(), "{:?}", again.error);
    assert_eq!(stream(&again, "Journals").calls, 0);
    assert_eq!(
        stream(&again, "Journals").refused,
        Some(RefusalReason::Plan)
    );
    assert_eq!(stream(&again, "CreditNotes").calls, 0);
    assert_eq!(h.front.calls("Journals"), 1);
    assert_eq!(h.front.calls("CreditNotes"), 1);

    // The owner signs in again, now granted credit notes: both are asked
    // for again; credit notes sync, Journals stays refused (the plan).
    h.front.refuse.lock().remove("creditnotes");
    connect(&h.xero).await;
    let third = run(&h.engine, &tenant).await;
    assert!(third.succeeded(), "{:?}", third.error);
    assert_eq!(stream(&third, "CreditNotes").status, StreamStatus::Done);
    assert!(stream(&third, "CreditNotes").records_seen > 0);
    assert_eq!(
        stream(&third, "Journals").refused,
        Some(RefusalReason::Plan)
    );
    assert_eq!(h.front.calls("Journals"), 2);
    let kept = refused_streams(&h.store, &tenant).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].stream, "Journals");
    let conn = h
        .xero
        .tokens()
        .connection_for_tenant(&tenant)
        .await
        .unwrap();
    assert_eq!(kept[0].connection, conn.id());
}

#[tokio::test]
async fn a_sign_in_permitted_nothing_is_not_taken_for_a_disconnection() {
    let h = fronted().await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    for s in ledgerkeep_sync::STREAMS {
        h.front.refuse.lock().insert(s.path.to_ascii_lowercase());
    }
    let r = run(&h.engine, &tenant).await;
    assert!(r.streams.iter().all(|s| s.refused.is_some()));
    assert!(r.succeeded(), "{:?} {:?}", r.stopped, r.error);
    assert_eq!(
        refused_streams(&h.store, &tenant).await.len(),
        r.streams.len()
    );
}

/// Against a new Xero app on the Starter tier (the simulator checks each
/// call's granular scope), the default scopes serve every stream but
/// Journals, which is refused as a matter of plan, and Xero's reports.
#[tokio::test]
async fn on_a_new_starter_app_the_default_scopes_serve_everything_but_journals() {
    let h = fronted_app(true).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    let mut req = SyncRequest::user();
    req.reports_every = Some(ledgerkeep_sync::DEFAULT_REPORTS_EVERY);
    let r = h
        .engine
        .sync_tenant(&tenant, &req, &CancelToken::new(), &no_progress())
        .await;
    assert!(r.succeeded(), "{:?} {:?}", r.stopped, r.error);
    for s in &r.streams {
        if s.stream == "Journals" {
            assert_eq!(s.refused, Some(RefusalReason::Plan), "{s:?}");
        } else {
            assert_eq!(s.status, StreamStatus::Done, "{s:?}");
        }
    }
    assert!(r.xero_reports > 0, "Xero's reports were not fetched: {r:?}");
    assert_eq!(h.front.calls("Journals"), 1);
    assert_eq!(
        h.metrics.snapshot().token_refreshes_ok + h.metrics.snapshot().token_refreshes_failed,
        0
    );
}
