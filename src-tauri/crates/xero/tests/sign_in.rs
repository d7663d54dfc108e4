//! The whole sign-in against the simulator over loopback HTTP, with the real
//! keyring: authorize, the loopback callback, the code exchange, the tenants.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use ledgerkeep_sim::Limits;
use ledgerkeep_xero::{
    ApiRequest, LoopbackListener, RedirectTarget, TokenStore, XeroError, XeroOptions,
};
use secrecy::ExposeSecret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends a raw request to the listener and returns the status line's code.
async fn raw_get(port: u16, target: &str, host: &str) -> u16 {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    s.write_all(
        format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out.split(' ').nth(1).unwrap().parse().unwrap()
}

fn scan_dir_for(dir: &std::path::Path, needles: &[String]) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                let text = String::from_utf8_lossy(&bytes);
                for n in needles {
                    if text.contains(n.as_str()) {
                        hits.push(format!("{} holds a token", p.display()));
                    }
                }
            }
        }
    }
    hits
}

#[tokio::test]
#[ignore = "needs a D-Bus session with an unlocked Secret Service: run by `make test`"]
async fn the_full_flow_stores_tokens_only_in_the_keyring() {
    let _ = NEEDS_SESSION;
    let data = tempfile::tempdir().unwrap();
    let mut h = harness(Limits::XERO).await;
    let guard = ledgerkeep_obs::logging::init(
        &ledgerkeep_obs::logging::LogConfig {
            level: "debug".into(),
            ..ledgerkeep_obs::logging::LogConfig::new(&data.path().join("logs"), "test")
        },
        h.time.timekeeping().clock,
    )
    .unwrap();
    let listener = LoopbackListener::bind(0).await.unwrap();
    let port = listener.port();
    h.endpoints.oauth_port = port;
    let store = Arc::new(keyring_store());
    let xero = xero(&h, store.clone(), XeroOptions::default());

    let req = xero.start_sign_in(&RedirectTarget::Loopback).unwrap();
    assert!(req.url.contains("code_challenge_method=S256"));
    let waiting = {
        let xero = Arc::clone(&xero);
        let state = req.state.clone();
        tokio::spawn(async move { xero.complete_sign_in_on_loopback(listener, &state).await })
    };

    // Strangers get an error page and the wait goes on.
    let host = format!("localhost:{port}");
    assert_eq!(raw_get(port, "/favicon.ico", &host).await, 404);
    assert_eq!(
        raw_get(
            port,
            &format!("/callback?code=x&state={}", req.state),
            "evil.example:80"
        )
        .await,
        404
    );
    assert_eq!(
        raw_get(port, "/callback?code=x&state=forged", &host).await,
        400
    );
    assert!(!waiting.is_finished());
    assert!(
        xero.sign_in().pending().contains(&req.state),
        "a stranger consumed the state"
    );

    // The browser: the simulator consents and redirects to the loopback callback.
    let location = authorize(&req.url).await;
    assert!(
        location.starts_with(&format!("http://localhost:{port}/callback?code=")),
        "{location}"
    );
    let target = location.trim_start_matches(&format!("http://localhost:{port}"));
    assert_eq!(
        raw_get(port, target, &format!("127.0.0.1:{port}")).await,
        200
    );
    let conn = waiting.await.unwrap().unwrap();

    // The tenants are the simulator's.
    let mut names: Vec<_> = conn
        .organisations()
        .into_iter()
        .map(|o| o.tenant_name)
        .collect();
    let mut expected: Vec<_> = h.sim.tenants().into_iter().map(|t| t.name).collect();
    names.sort();
    expected.sort();
    assert_eq!(names, expected);
    assert!(!xero.sign_in().pending().contains(&req.state));

    // The keyring holds the set; reading it back works for a call.
    let stored = store.load(conn.id()).unwrap().expect("no keyring entry");
    let access = stored.tokens.access_token.expose_secret().to_owned();
    let refresh = stored.tokens.refresh_token.expose_secret().to_owned();
    assert!(access.len() > 20 && refresh.len() > 20);
    let raw = keyring::Entry::new(store.service(), &format!("connection:{}", conn.id()))
        .unwrap()
        .get_password()
        .unwrap();
    assert!(raw.contains(&refresh));
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    let org = xero
        .client()
        .get(&tenant, &ApiRequest::get("Organisation"))
        .await
        .unwrap();
    assert_eq!(org.status, 200);
    assert!(
        org.correlation_id.is_some(),
        "no Xero-Correlation-Id came back"
    );
    tracing::info!("done: the log must not hold a token");

    // No token anywhere in the data folder or the logs.
    drop(guard);
    let hits = scan_dir_for(data.path(), &[access, refresh]);
    assert!(hits.is_empty(), "{hits:?}");
    assert!(
        std::fs::read_dir(data.path().join("logs")).unwrap().count() > 0,
        "no log was written"
    );
    store.delete(conn.id()).unwrap();
}

#[tokio::test]
async fn the_loopback_wait_times_out_cleanly_and_forgets_the_flow() {
    let mut h = harness(Limits::XERO).await;
    let listener = LoopbackListener::bind(0).await.unwrap();
    h.endpoints.oauth_port = listener.port();
    let options = XeroOptions {
        callback_timeout: Duration::from_millis(300),
        ..XeroOptions::default()
    };
    let xero = xero(
        &h,
        Arc::new(ledgerkeep_xero::MemoryTokenStore::default()),
        options,
    );
    let req = xero.start_sign_in(&RedirectTarget::Loopback).unwrap();
    let err = xero
        .complete_sign_in_on_loopback(listener, &req.state)
        .await
        .unwrap_err();
    assert!(matches!(err, XeroError::CallbackTimeout(_)), "{err:?}");
    assert!(!xero.sign_in().pending().contains(&req.state));
}

#[tokio::test]
async fn replayed_and_expired_callbacks_are_refused_by_the_shared_handler() {
    let h = harness(Limits::XERO).await;
    let store = Arc::new(ledgerkeep_xero::MemoryTokenStore::default());
    let xero = xero(&h, store.clone(), XeroOptions::default());
    // Through an https bounce page, as the deep link would receive it.
    let bounce = RedirectTarget::Https(BOUNCE_URL.into());
    let req = xero.start_sign_in(&bounce).unwrap();
    let location = authorize(&req.url).await;
    let query = location.split_once('?').unwrap().1.to_owned();
    let conn = xero.complete_sign_in(&query).await.unwrap();
    assert!(!conn.organisations().is_empty());
    assert_eq!(
        xero.complete_sign_in(&query).await.unwrap_err(),
        XeroError::UnknownState
    );

    let req = xero.start_sign_in(&bounce).unwrap();
    let location = authorize(&req.url).await;
    h.time.advance(Duration::from_secs(10 * 60));
    let query = location.split_once('?').unwrap().1;
    assert_eq!(
        xero.complete_sign_in(query).await.unwrap_err(),
        XeroError::ExpiredState
    );
}
