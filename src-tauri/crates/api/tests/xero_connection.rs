//! The Xero operations against the simulator over loopback HTTP, with the real
//! keyring: the deep-link sign-in the shell calls, organisations, disconnect.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use ledgerkeep_api::{
    complete_sign_in, disconnect, keep_organisations, list_organisations, parse_link,
    start_sign_in, AppConfig, AppContext, AppPaths, CompleteSignInRequest, DisconnectRequest,
    ErrorCode, KeepOrganisationsRequest, Link, SignInRoute, StartSignInRequest, XeroSetup,
};
use ledgerkeep_sim::RunningSimulator;
use ledgerkeep_xero::{KeyringTokenStore, TokenStore, XeroEndpoints};

mod common;

const BOUNCE: &str = "https://bounce.example/ledgerkeep";

async fn setup() -> (
    RunningSimulator,
    AppContext,
    Arc<KeyringTokenStore>,
    tempfile::TempDir,
) {
    let sim = RunningSimulator::builder()
        .seed(3)
        .auto_consent(true)
        .redirect_uri(BOUNCE)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = AppConfig::new(AppPaths::under(dir.path()));
    config.endpoints = common::endpoints_of(&sim);
    let store = Arc::new(common::keyring_store());
    let ctx = AppContext::open_with(
        config,
        XeroSetup {
            store: store.clone(),
            ..XeroSetup::default()
        },
    )
    .await
    .unwrap();
    (sim, ctx, store, dir)
}

/// The browser: the simulator consents and redirects to the bounce page,
/// which forwards its query to the deep link.
async fn deep_link_after_consent(url: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client.get(url).send().await.unwrap();
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let (page, query) = location.split_once('?').unwrap();
    assert_eq!(page, BOUNCE);
    format!("ledgerkeep://oauth/callback?{query}")
}

#[tokio::test]
#[ignore = "needs a D-Bus session with an unlocked Secret Service: run by `make test`"]
async fn a_deep_link_completes_the_sign_in_and_disconnect_forgets_it() {
    let (sim, ctx, store, _dir) = setup().await;
    let started = start_sign_in(
        &ctx,
        StartSignInRequest {
            route: SignInRoute::BouncePage { url: BOUNCE.into() },
        },
    )
    .await
    .unwrap();
    let link = deep_link_after_consent(&started.authorize_url).await;
    let Link::OAuthCallback { query } = parse_link(&link).unwrap() else {
        panic!("not a callback link");
    };
    let connected = complete_sign_in(
        &ctx,
        CompleteSignInRequest {
            query: query.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(connected.organisations.len(), sim.tenants().len());
    assert!(connected.organisations.iter().all(|o| !o.kept));
    assert_eq!(store.list().unwrap(), vec![connected.connection_id.clone()]);

    // The same link again is refused: the state was used.
    let err = complete_sign_in(&ctx, CompleteSignInRequest { query })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);

    // Keep one organisation; the choice survives in the keyring.
    let first = sim.tenants()[0].tenant_id.clone();
    let views = keep_organisations(
        &ctx,
        KeepOrganisationsRequest {
            connection_id: connected.connection_id.clone(),
            tenant_ids: vec![first.clone()],
        },
    )
    .await
    .unwrap();
    assert_eq!(views.iter().filter(|v| v.kept).count(), 1);
    assert_eq!(
        store.load(&connected.connection_id).unwrap().unwrap().kept,
        vec![first.clone()]
    );
    let listed = list_organisations(&ctx).await.unwrap();
    assert_eq!(listed.len(), sim.tenants().len());

    // A tenant the token does not reach cannot be kept.
    let err = keep_organisations(
        &ctx,
        KeepOrganisationsRequest {
            connection_id: connected.connection_id.clone(),
            tenant_ids: vec!["not-a-tenant".into()],
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);

    let out = disconnect(&ctx, DisconnectRequest { tenant_id: None })
        .await
        .unwrap();
    assert!(out.revoked);
    assert_eq!(out.tenant_ids.len(), sim.tenants().len());
    assert!(out.local_data.contains("kept"));
    assert!(store.load(&connected.connection_id).unwrap().is_none());
    assert!(store.list().unwrap().is_empty());
    assert!(list_organisations(&ctx).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_bounce_page_must_be_https() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = AppContext::open_with(
        AppConfig::new(AppPaths::under(dir.path())),
        XeroSetup {
            store: Arc::new(ledgerkeep_xero::MemoryTokenStore::default()),
            ..XeroSetup::default()
        },
    )
    .await
    .unwrap();
    let err = start_sign_in(
        &ctx,
        StartSignInRequest {
            route: SignInRoute::BouncePage {
                url: "http://bounce.example/".into(),
            },
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
}

#[tokio::test]
async fn a_new_loopback_sign_in_replaces_an_abandoned_one_on_the_same_port() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = AppConfig::new(AppPaths::under(dir.path()));
    config.endpoints = XeroEndpoints {
        client_id: Some("CLIENT".into()),
        oauth_port: port,
        ..XeroEndpoints::default()
    };
    let ctx = AppContext::open_with(
        config,
        XeroSetup {
            store: Arc::new(ledgerkeep_xero::MemoryTokenStore::default()),
            ..XeroSetup::default()
        },
    )
    .await
    .unwrap();
    let loopback = || StartSignInRequest {
        route: SignInRoute::Loopback,
    };
    let first = start_sign_in(&ctx, loopback()).await.unwrap();
    let second = start_sign_in(&ctx, loopback()).await.unwrap();
    assert!(
        second
            .authorize_url
            .contains(&format!("localhost%3A{port}")),
        "{}",
        second.authorize_url
    );
    assert!(!ctx.xero().sign_in().pending().contains(&first.state));
    assert!(ctx.xero().sign_in().pending().contains(&second.state));
    let err = ledgerkeep_api::finish_loopback_sign_in(
        &ctx,
        ledgerkeep_api::FinishLoopbackSignInRequest { state: first.state },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
}

#[tokio::test]
async fn a_second_connect_cancels_the_waiting_one_and_gets_its_port_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = AppConfig::new(AppPaths::under(dir.path()));
    config.endpoints = XeroEndpoints {
        client_id: Some("CLIENT".into()),
        oauth_port: port,
        ..XeroEndpoints::default()
    };
    let ctx = AppContext::open_with(
        config,
        XeroSetup {
            store: Arc::new(ledgerkeep_xero::MemoryTokenStore::default()),
            ..XeroSetup::default()
        },
    )
    .await
    .unwrap();
    let loopback = || StartSignInRequest {
        route: SignInRoute::Loopback,
    };
    let first = start_sign_in(&ctx, loopback()).await.unwrap();
    // The first connect waits on its port (for five minutes, unless replaced)...
    let waiting = ledgerkeep_api::finish_loopback_sign_in(
        &ctx,
        ledgerkeep_api::FinishLoopbackSignInRequest {
            state: first.state.clone(),
        },
    );
    // ...while the owner presses Connect again.
    let again = async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        start_sign_in(&ctx, loopback()).await
    };
    let (first_outcome, second) = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        tokio::join!(waiting, again)
    })
    .await
    .expect("the second connect does not wait for the first one's timeout");
    let second = second.expect("the second connect gets the port");
    let err = first_outcome.unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert!(err.message.contains("replaced"), "{}", err.message);
    assert!(!ctx.xero().sign_in().pending().contains(&first.state));
    assert!(ctx.xero().sign_in().pending().contains(&second.state));
    // The port is the second sign-in's now.
    assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_err());
    tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
}
