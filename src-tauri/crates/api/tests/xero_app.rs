//! The owner's Xero app saved in Settings: checked field by field, saved in
//! the data folder, and used by the next start (the environment overriding it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use ledgerkeep_api::ops::xero_app::{
    set_xero_app, xero_app, ScopeGrant, ScopeGrantView, XeroAppSettings, XeroAppView,
};
use ledgerkeep_api::{
    start_sign_in, AppConfig, AppContext, AppPaths, ErrorCode, SignInRoute, StartSignInRequest,
    XeroSetup,
};
use ledgerkeep_sim::{RunningSimulator, Size};
use ledgerkeep_xero::{
    MemoryTokenStore, TokenStore, VirtualTime, Xero, XeroOptions, DEFAULT_SCOPES,
};

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

/// A client of the simulator asking for `scopes`, its tokens in `store`.
fn xero_asking(
    sim: &RunningSimulator,
    store: &Arc<MemoryTokenStore>,
    time: &Arc<VirtualTime>,
    scopes: Vec<String>,
) -> Xero {
    Xero::new(
        common::endpoints_of(sim),
        Arc::clone(store) as Arc<dyn TokenStore>,
        time.timekeeping(),
        None,
        XeroOptions {
            scopes,
            ..XeroOptions::default()
        },
    )
    .unwrap()
}

async fn open_on(dir: &std::path::Path, store: &Arc<MemoryTokenStore>) -> AppContext {
    AppContext::open_with(
        AppConfig::new(AppPaths::under(dir)),
        XeroSetup {
            store: Arc::clone(store) as Arc<dyn TokenStore>,
            ..XeroSetup::default()
        },
    )
    .await
    .unwrap()
}

fn grant_of<'a>(view: &'a XeroAppView, scope: &str) -> &'a ScopeGrantView {
    view.scope_grants
        .iter()
        .find(|g| g.scope == scope)
        .unwrap_or_else(|| panic!("{scope} not in {:?}", view.scope_grants))
}

/// A new Starter app (granular scopes, checked) whose owner records payments:
/// each scope in use says whether the sign-in holds it, which organisations
/// lack it, and what it opens; a second sign-in asking for write access to
/// payments adds it to what the first granted, and takes nothing away.
#[tokio::test]
async fn each_scope_in_use_says_whether_it_was_granted_and_a_second_sign_in_adds_to_the_first() {
    const BANK: &str = "accounting.banktransactions.read";
    const PAY: &str = "accounting.payments";
    let time = VirtualTime::starting_at(ledgerkeep_sim::clock::DEFAULT_START_MS);
    let sim = RunningSimulator::builder()
        .new_starter_app()
        .seed(23)
        .size(Size::Small)
        .clock(time.clone())
        .auto_consent(true)
        .redirect_uri(common::BOUNCE_URL)
        .start()
        .await
        .unwrap();
    let names: Vec<String> = sim.tenants().into_iter().map(|t| t.name).collect();
    assert!(!names.is_empty());
    let store = Arc::new(MemoryTokenStore::default());
    let dir = tempfile::tempdir().unwrap();

    // Recording payments turned on: the next start asks for write access to payments.
    let ctx = open_on(dir.path(), &store).await;
    set_xero_app(
        &ctx,
        XeroAppSettings {
            record_payments: Some(true),
            ..XeroAppSettings::default()
        },
    )
    .await
    .unwrap();
    ctx.close().await;
    let ctx = open_on(dir.path(), &store).await;
    let view = xero_app(&ctx).await.unwrap();
    assert!(view.record_payments);
    assert!(view.scopes.iter().any(|s| s == PAY), "{:?}", view.scopes);
    assert_eq!(
        view.scope_grants
            .iter()
            .map(|g| g.scope.clone())
            .collect::<Vec<_>>(),
        view.scopes,
        "one row per scope in use, in order"
    );
    // Before any sign-in nothing is granted, and nothing is called missing.
    assert!(view
        .scope_grants
        .iter()
        .all(|g| g.grant == ScopeGrant::NotSignedIn && g.lacking.is_empty()));
    assert!(view.missing_scopes.is_empty());

    // A sign-in made before recording payments was turned on, and without bank transactions.
    let first: Vec<String> = DEFAULT_SCOPES
        .iter()
        .filter(|s| **s != BANK)
        .map(|s| (*s).to_owned())
        .collect();
    common::sign_in_by_bounce(&xero_asking(&sim, &store, &time, first)).await;
    let view = xero_app(&ctx).await.unwrap();
    for scope in [BANK, PAY] {
        let g = grant_of(&view, scope);
        assert_eq!(g.grant, ScopeGrant::NotGranted, "{scope}");
        assert_eq!(
            g.lacking, names,
            "{scope}: every organisation of the sign-in"
        );
    }
    assert_eq!(view.missing_scopes, vec![BANK, PAY]);
    assert!(grant_of(&view, BANK)
        .opens
        .iter()
        .any(|e| e == "BankTransactions"));
    assert!(grant_of(&view, PAY).opens.iter().any(|e| e == "Payments"));
    let invoices = grant_of(&view, "accounting.invoices.read");
    assert_eq!(invoices.grant, ScopeGrant::Granted);
    assert!(invoices.lacking.is_empty());
    assert!(invoices.opens.iter().any(|e| e == "Invoices"));
    assert!(grant_of(&view, "accounting.reports.profitandloss.read")
        .opens
        .iter()
        .any(|e| e == "Reports/ProfitAndLoss"));
    assert_eq!(grant_of(&view, "offline_access").grant, ScopeGrant::Granted);

    // Signing in again for write access to payments adds it; bank transactions stay ungranted.
    common::sign_in_by_bounce(&xero_asking(
        &sim,
        &store,
        &time,
        vec!["openid".into(), "offline_access".into(), PAY.into()],
    ))
    .await;
    let view = xero_app(&ctx).await.unwrap();
    assert_eq!(grant_of(&view, PAY).grant, ScopeGrant::Granted);
    assert_eq!(
        grant_of(&view, "accounting.invoices.read").grant,
        ScopeGrant::Granted,
        "scopes are additive: the first sign-in's stay"
    );
    assert_eq!(grant_of(&view, BANK).grant, ScopeGrant::NotGranted);
    assert_eq!(view.missing_scopes, vec![BANK]);
    ctx.close().await;
    sim.stop().await;
}
