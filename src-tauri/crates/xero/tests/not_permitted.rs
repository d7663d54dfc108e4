//! The two kinds of 401: an expired token is refreshed once; a call the
//! sign-in may not make (`AuthorizationUnsuccessful`: a scope not granted, or
//! Journals below Xero's Advanced tier) is refused at once, with no refresh
//! and no retry, and not asked again until another sign-in.
//!
//! A small loopback server stands in front of the simulator's API and answers
//! Xero's refusals for chosen paths; everything else goes to the simulator.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use common::*;
use ledgerkeep_sim::{Fault, FaultRule, Limits};
use ledgerkeep_xero::{
    ApiRequest, MemoryTokenStore, RedirectTarget, ScopeChoice, XeroEndpoints, XeroError,
    XeroOptions,
};
use parking_lot::Mutex;

/// What the stand-in answers for a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// 401, `"Detail":"AuthorizationUnsuccessful"`, no `WWW-Authenticate`.
    NotPermitted,
    /// 401, `TokenExpired` in the detail and no header, once; then the simulator.
    ExpiredOnce,
}

#[derive(Debug, Default)]
struct Front {
    upstream: String,
    answers: Mutex<HashMap<String, Answer>>,
    /// Calls seen per API path (lower case), answered here or forwarded.
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

    fn answer(&self, path: &str, a: Answer) {
        self.answers.lock().insert(path.to_ascii_lowercase(), a);
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
        let answer = {
            let mut answers = f.answers.lock();
            let a = answers.get(&path).copied();
            if a == Some(Answer::ExpiredOnce) {
                answers.remove(&path);
            }
            a
        };
        let detail = match answer {
            Some(Answer::NotPermitted) => Some("AuthorizationUnsuccessful"),
            Some(Answer::ExpiredOnce) => Some("TokenExpired: token expired at 12/05/2026 08:00:00"),
            None => None,
        };
        if let Some(detail) = detail {
            let problem = serde_json::json!({"Type": null, "Title": "Unauthorized", "Status": 401,
                "Detail": detail, "Instance": "0f8fad5b-d9cb-469f-a165-70867728950e", "Extensions": {}});
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

async fn fronted() -> (Harness, Arc<Front>) {
    let mut h = harness(Limits::XERO).await;
    let (url, front) = start_front(h.sim.base_url()).await;
    h.endpoints.api_url = url;
    (h, front)
}

#[tokio::test]
async fn a_call_not_permitted_is_refused_once_with_no_refresh_and_not_asked_again() {
    let (h, front) = fronted().await;
    let xero = xero(
        &h,
        Arc::new(MemoryTokenStore::default()),
        XeroOptions::default(),
    );
    connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    front.answer("Journals", Answer::NotPermitted);
    let refreshes = h.proxy.refreshes.load(Ordering::SeqCst);

    let err = xero
        .client()
        .get(&tenant, &ApiRequest::get("Journals").query("offset", "0"))
        .await
        .unwrap_err();
    match &err {
        XeroError::NotPermitted {
            endpoint,
            correlation_id: _,
        } => assert_eq!(endpoint, "Journals"),
        other => panic!("expected NotPermitted, got {other:?}"),
    }
    assert!(err.to_string().contains("Journals"), "{err}");
    assert_eq!(front.calls("Journals"), 1, "no retry");
    assert_eq!(
        h.proxy.refreshes.load(Ordering::SeqCst),
        refreshes,
        "a refusal is no reason to refresh"
    );
    assert_eq!(xero.client().refusals(&tenant), vec!["Journals"]);

    // Asked again: refused here, Xero not called.
    let again = xero
        .client()
        .get(&tenant, &ApiRequest::get("Journals"))
        .await
        .unwrap_err();
    assert!(matches!(again, XeroError::NotPermitted { .. }), "{again:?}");
    assert_eq!(front.calls("Journals"), 1);

    // Other endpoints, and other tenants' Journals, are not affected.
    let ok = xero
        .client()
        .get(&tenant, &ApiRequest::get("Contacts"))
        .await
        .unwrap();
    assert_eq!(ok.status, 200);
    let other = h.sim.tenants()[1].tenant_id.clone();
    let _ = xero
        .client()
        .get(&other, &ApiRequest::get("Journals"))
        .await
        .unwrap_err();
    assert_eq!(front.calls("Journals"), 2, "the other tenant was asked");
    assert_eq!(h.proxy.refreshes.load(Ordering::SeqCst), refreshes);

    // Forgotten on request: the next call asks Xero again.
    xero.client().forget_refusals(&tenant);
    assert!(xero.client().refusals(&tenant).is_empty());
    let _ = xero
        .client()
        .get(&tenant, &ApiRequest::get("Journals"))
        .await
        .unwrap_err();
    assert_eq!(front.calls("Journals"), 3);
}

#[tokio::test]
async fn a_new_sign_in_asks_again_and_a_granted_call_then_succeeds() {
    let (h, front) = fronted().await;
    let xero = xero(
        &h,
        Arc::new(MemoryTokenStore::default()),
        XeroOptions::default(),
    );
    let first = connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    front.answer("Payments", Answer::NotPermitted);
    let _ = xero
        .client()
        .get(&tenant, &ApiRequest::get("Payments"))
        .await
        .unwrap_err();
    let _ = xero
        .client()
        .get(&tenant, &ApiRequest::get("Payments"))
        .await
        .unwrap_err();
    assert_eq!(front.calls("Payments"), 1);

    // The owner signs in again (with the scope now granted).
    front.answers.lock().clear();
    let second = connect(&xero).await;
    assert_ne!(first.id(), second.id(), "a new sign-in is a new connection");
    let r = xero
        .client()
        .get(&tenant, &ApiRequest::get("Payments"))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(front.calls("Payments"), 2);
    assert!(xero.client().refusals(&tenant).is_empty());
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_call_succeeds() {
    let (h, front) = fronted().await;
    let xero = xero(
        &h,
        Arc::new(MemoryTokenStore::default()),
        XeroOptions::default(),
    );
    connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    let before = h.proxy.refreshes.load(Ordering::SeqCst);

    // Xero's own: `WWW-Authenticate: Bearer error="invalid_token"`.
    h.sim
        .inject(FaultRule::next(Fault::ExpireTokens, 1).on("Invoices"));
    let r = xero
        .client()
        .get(&tenant, &ApiRequest::get("Invoices"))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(h.proxy.refreshes.load(Ordering::SeqCst), before + 1);

    // `TokenExpired` in the detail alone is enough.
    front.answer("Contacts", Answer::ExpiredOnce);
    let r = xero
        .client()
        .get(&tenant, &ApiRequest::get("Contacts"))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(front.calls("Contacts"), 2);
    assert_eq!(h.proxy.refreshes.load(Ordering::SeqCst), before + 2);
    assert!(xero.client().refusals(&tenant).is_empty());
}

/// A Xero app made in 2026 on the Starter tier: the default (granular)
/// scopes sign in and read, Journals is refused as not permitted without a
/// refresh; the legacy broad scopes are refused at authorize
/// (`invalid_scope`), and a write without its scope is not permitted.
#[tokio::test]
async fn a_new_starter_app_takes_the_default_scopes_and_refuses_the_broad_ones() {
    let time = ledgerkeep_xero::VirtualTime::starting_at(ledgerkeep_sim::clock::DEFAULT_START_MS);
    let sim = ledgerkeep_sim::RunningSimulator::builder()
        .new_starter_app()
        .seed(7)
        .size(ledgerkeep_sim::Size::Small)
        .clock(time.clone())
        .auto_consent(true)
        .redirect_uri(BOUNCE_URL)
        .start()
        .await
        .unwrap();
    let (proxy_url, proxy) = start_token_proxy(sim.base_url()).await;
    let h = Harness {
        endpoints: XeroEndpoints {
            login_url: sim.base_url().to_owned(),
            identity_url: proxy_url,
            api_url: sim.base_url().to_owned(),
            client_id: Some(sim.client_id().to_owned()),
            oauth_port: 0,
        },
        sim,
        time,
        proxy,
        real: false,
    };

    // The broad scopes of an older app: refused at authorize.
    let legacy = xero(
        &h,
        Arc::new(MemoryTokenStore::default()),
        XeroOptions {
            scopes: ScopeChoice {
                legacy: true,
                record_payments: false,
            }
            .scopes(),
            ..XeroOptions::default()
        },
    );
    let req = legacy
        .start_sign_in(&RedirectTarget::Https(BOUNCE_URL.into()))
        .unwrap();
    let location = authorize(&req.url).await;
    let err = legacy
        .complete_sign_in(location.split_once('?').unwrap().1)
        .await
        .unwrap_err();
    assert_eq!(err, XeroError::Denied("invalid_scope".into()));

    // The default scopes: granted; every read but Journals is served.
    let xero = xero(
        &h,
        Arc::new(MemoryTokenStore::default()),
        XeroOptions::default(),
    );
    connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    for path in [
        "Invoices",
        "Payments",
        "BankTransactions",
        "Contacts",
        "Accounts",
    ] {
        let r = xero
            .client()
            .get(&tenant, &ApiRequest::get(path))
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(r.status, 200, "{path}");
    }
    let refreshes = h.proxy.refreshes.load(Ordering::SeqCst);
    let err = xero
        .client()
        .get(&tenant, &ApiRequest::get("Journals"))
        .await
        .unwrap_err();
    assert!(matches!(err, XeroError::NotPermitted { .. }), "{err:?}");
    // A write needs write access, which the default scopes do not ask for.
    let put = ApiRequest::put(
        "Payments",
        serde_json::json!({"Payments": []}),
        "key-no-write-scope",
    );
    let err = xero.client().put(&tenant, &put).await.unwrap_err();
    assert!(matches!(err, XeroError::NotPermitted { .. }), "{err:?}");
    assert_eq!(h.proxy.refreshes.load(Ordering::SeqCst), refreshes);
    // Refused writes do not hide reads of the same endpoint.
    assert_eq!(
        xero.client()
            .get(&tenant, &ApiRequest::get("Payments"))
            .await
            .unwrap()
            .status,
        200
    );
}
