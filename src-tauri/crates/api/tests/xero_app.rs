//! The owner's Xero app saved in Settings: checked field by field, saved in
//! the data folder, and used by the next start (the environment overriding it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ledgerkeep_api::ops::xero_app::{set_xero_app, xero_app, XeroAppSettings};
use ledgerkeep_api::{start_sign_in, ErrorCode, SignInRoute, StartSignInRequest};
use ledgerkeep_sim::RunningSimulator;

const VARS: [&str; 5] = [
    "LEDGERKEEP_XERO_CLIENT_ID",
    "LEDGERKEEP_OAUTH_PORT",
    "LEDGERKEEP_XERO_LOGIN_URL",
    "LEDGERKEEP_XERO_IDENTITY_URL",
    "LEDGERKEEP_XERO_API_URL",
];

mod common;

use common::open_app_in as open;

#[tokio::test]
async fn a_saved_xero_app_is_used_by_the_next_start() {
    if VARS.iter().any(|v| std::env::var_os(v).is_some()) {
        eprintln!("skipped: the environment sets the Xero app, and it overrides the settings");
        return;
    }
    let sim = RunningSimulator::builder().seed(9).start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ctx = open(dir.path()).await;
    let before = xero_app(&ctx).await.unwrap();
    assert_eq!(before.client_id, None);
    assert_eq!(
        before.login_url, "https://login.xero.com",
        "Xero's by default"
    );

    // A wrong field is named, and nothing is saved.
    let err = set_xero_app(
        &ctx,
        XeroAppSettings {
            client_id: Some("not a client id".into()),
            oauth_port: Some(53_682),
            ..XeroAppSettings::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert!(err.message.starts_with("Client id:"), "{}", err.message);
    assert_eq!(
        xero_app(&ctx).await.unwrap().saved,
        XeroAppSettings::default()
    );

    let saved = set_xero_app(
        &ctx,
        XeroAppSettings {
            client_id: Some(sim.client_id().to_owned()),
            oauth_port: Some(0),
            scopes: Some(vec!["openid offline_access accounting.settings.read".into()]),
            login_url: Some(sim.base_url().to_owned()),
            identity_url: Some(sim.base_url().to_owned()),
            api_url: Some(format!("{}/", sim.base_url())),
            ..XeroAppSettings::default()
        },
    )
    .await;
    // Port 0 is refused too: it cannot be registered in a Xero app.
    assert!(saved.unwrap_err().message.starts_with("Port:"));
    let view = set_xero_app(
        &ctx,
        XeroAppSettings {
            client_id: Some(sim.client_id().to_owned()),
            oauth_port: Some(48_123),
            scopes: Some(vec!["openid offline_access accounting.settings.read".into()]),
            login_url: Some(sim.base_url().to_owned()),
            identity_url: Some(sim.base_url().to_owned()),
            api_url: Some(format!("{}/", sim.base_url())),
            ..XeroAppSettings::default()
        },
    )
    .await
    .unwrap();
    assert!(
        view.restart_needed,
        "the running app keeps what it started with"
    );
    assert_eq!(view.client_id, None);
    ctx.close().await;

    // The next start signs in with the saved app.
    let ctx = open(dir.path()).await;
    let view = xero_app(&ctx).await.unwrap();
    assert!(!view.restart_needed);
    assert_eq!(view.client_id.as_deref(), Some(sim.client_id()));
    assert_eq!(
        view.api_url,
        sim.base_url(),
        "the trailing slash is dropped"
    );
    assert_eq!(view.redirect_uri, "http://localhost:48123/callback");
    let started = start_sign_in(
        &ctx,
        StartSignInRequest {
            route: SignInRoute::BouncePage {
                url: "https://bounce.example/ledgerkeep".into(),
            },
        },
    )
    .await
    .unwrap();
    let url = started.authorize_url;
    assert!(
        url.starts_with(&format!("{}/identity/connect/authorize?", sim.base_url())),
        "{url}"
    );
    assert!(
        url.contains(&format!("client_id={}", sim.client_id())),
        "{url}"
    );
    assert!(
        url.contains("scope=openid+offline_access+accounting.settings.read"),
        "{url}"
    );
    ctx.close().await;
    sim.stop().await;
}
