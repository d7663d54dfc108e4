//! Shared by the integration tests: the simulator on virtual time, a counting
//! proxy in front of its token endpoint, a "browser" that follows the authorize
//! redirect, and the real keyring.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ledgerkeep_obs::Metrics;
use ledgerkeep_sim::{Limits, RunningSimulator, Size};
use ledgerkeep_xero::{
    Connection, KeyringTokenStore, RedirectTarget, TokenStore, VirtualTime, Xero, XeroEndpoints,
    XeroOptions,
};

/// The https bounce page registered in the simulated Xero app.
pub const BOUNCE_URL: &str = "https://bounce.example/ledgerkeep";

pub const NEEDS_SESSION: &str =
    "needs a D-Bus session with an unlocked Secret Service: run by `make test`";

/// A token-endpoint proxy: counts refresh requests on the wire, and can lose
/// answers (Xero processed the request; the client never hears back).
#[derive(Debug, Default)]
pub struct TokenProxyState {
    pub refreshes: AtomicUsize,
    pub lose_next: AtomicUsize,
    pub upstream: parking_lot::Mutex<String>,
}

pub async fn start_token_proxy(upstream: &str) -> (String, Arc<TokenProxyState>) {
    let state = Arc::new(TokenProxyState::default());
    *state.upstream.lock() = upstream.to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let s = Arc::clone(&state);
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let s = Arc::clone(&s);
        async move { forward(s, req).await }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), state)
}

async fn forward(s: Arc<TokenProxyState>, req: axum::extract::Request) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    if parts.uri.path() == "/connect/token"
        && String::from_utf8_lossy(&body).contains("grant_type=refresh_token")
    {
        s.refreshes.fetch_add(1, Ordering::SeqCst);
    }
    let url = format!("{}{}", s.upstream.lock(), parts.uri);
    let mut builder = reqwest::Client::new().request(parts.method.clone(), url);
    for (k, v) in &parts.headers {
        if k != "host" {
            builder = builder.header(k, v);
        }
    }
    let resp = builder.body(body).send().await.unwrap();
    let status = resp.status();
    let ct = resp.headers().get("content-type").cloned();
    let bytes = resp.bytes().await.unwrap();
    if s.lose_next.load(Ordering::SeqCst) > 0 {
        s.lose_next.fetch_sub(1, Ordering::SeqCst);
        return (axum::http::StatusCode::BAD_GATEWAY, "upstream answer lost").into_response();
    }
    let mut r = (status, bytes).into_response();
    if let Some(ct) = ct {
        r.headers_mut().insert("content-type", ct);
    }
    r
}

pub struct Harness {
    pub sim: RunningSimulator,
    pub time: Arc<VirtualTime>,
    pub endpoints: XeroEndpoints,
    pub proxy: Arc<TokenProxyState>,
    /// The client runs on the real clock.
    pub real: bool,
}

/// A simulator on virtual time with `limits`, and endpoints pointing at it
/// (the identity base through the counting proxy).
pub async fn harness(limits: Limits) -> Harness {
    let time = VirtualTime::starting_at(ledgerkeep_sim::clock::DEFAULT_START_MS);
    let sim = RunningSimulator::builder()
        .seed(7)
        .size(Size::Small)
        .limits(limits)
        .clock(time.clone())
        .auto_consent(true)
        .redirect_uri(BOUNCE_URL)
        .start()
        .await
        .unwrap();
    let (proxy_url, proxy) = start_token_proxy(sim.base_url()).await;
    let endpoints = XeroEndpoints {
        login_url: sim.base_url().to_owned(),
        identity_url: proxy_url,
        api_url: sim.base_url().to_owned(),
        client_id: Some(sim.client_id().to_owned()),
        oauth_port: 0,
    };
    Harness {
        sim,
        time,
        endpoints,
        proxy,
        real: false,
    }
}

/// A simulator on the real clock (for tests that need answers to overlap).
pub async fn real_time_harness(limits: Limits) -> Harness {
    let mut h = harness(limits).await;
    let sim = RunningSimulator::builder()
        .seed(7)
        .size(Size::Small)
        .limits(limits)
        .auto_consent(true)
        .redirect_uri(BOUNCE_URL)
        .start()
        .await
        .unwrap();
    *h.proxy.upstream.lock() = sim.base_url().to_owned();
    h.endpoints.login_url = sim.base_url().to_owned();
    h.endpoints.api_url = sim.base_url().to_owned();
    h.endpoints.client_id = Some(sim.client_id().to_owned());
    h.sim = sim;
    h.real = true;
    h
}

/// A keyring store of its own (a unique service name) in the session's keyring.
pub fn keyring_store() -> KeyringTokenStore {
    ensure_default_collection();
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).unwrap();
    let tag: String = b.iter().map(|x| format!("{x:02x}")).collect();
    KeyringTokenStore::new(format!("Ledgerkeep-test-{tag}"))
}

/// The throwaway GNOME Keyring of the test session has no `default` collection
/// (creating one asks a prompt nobody answers): point the alias at its
/// unlocked in-memory `session` collection.
pub fn ensure_default_collection() {
    let _ = std::process::Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.SetAlias",
            "string:default",
            "objpath:/org/freedesktop/secrets/collection/session",
        ])
        .output();
}

pub fn xero(h: &Harness, store: Arc<dyn TokenStore>, options: XeroOptions) -> Arc<Xero> {
    Arc::new(Xero::new(h.endpoints.clone(), store, timekeeping(h), None, options).unwrap())
}

/// What a browser does with the authorize URL: asks the simulator, which
/// auto-consents and redirects; returns the redirect's Location.
pub async fn authorize(url: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 302, "the simulator did not redirect");
    resp.headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

/// The same, counting into `metrics` (on the virtual clock).
pub fn xero_with_metrics(
    h: &Harness,
    store: Arc<dyn TokenStore>,
    options: XeroOptions,
) -> (Arc<Xero>, Arc<Metrics>) {
    let metrics = Arc::new(Metrics::new(timekeeping(h).clock, None));
    let x = Xero::new(
        h.endpoints.clone(),
        store,
        timekeeping(h),
        Some(Arc::clone(&metrics)),
        options,
    )
    .unwrap();
    (Arc::new(x), metrics)
}

/// Signs in through the https bounce route (as the deep link does).
pub async fn connect(xero: &Xero) -> Arc<Connection> {
    let req = xero
        .start_sign_in(&RedirectTarget::Https(BOUNCE_URL.into()))
        .unwrap();
    let location = authorize(&req.url).await;
    let query = location.split_once('?').unwrap().1;
    xero.complete_sign_in(query).await.unwrap()
}

/// The client's time: virtual, unless the harness runs on the real clock.
pub fn timekeeping(h: &Harness) -> ledgerkeep_xero::Timekeeping {
    if h.real {
        ledgerkeep_xero::Timekeeping::real()
    } else {
        h.time.timekeeping()
    }
}
