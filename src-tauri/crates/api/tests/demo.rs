//! The demo company: the real sign-in against the in-process simulator.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

use std::sync::Arc;

use ledgerkeep_api::ops::demo::{explore_demo, start_demo_if_unconfigured};
use ledgerkeep_api::{AppConfig, AppContext, AppPaths, ErrorCode, XeroSetup};
use ledgerkeep_xero::tokens::{MemoryTokenStore, TokenStore};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn sync_service(ctx: &AppContext) -> ledgerkeep_api::SyncService {
    ledgerkeep_api::SyncService::start(
        ctx,
        ctx.xero().clone(),
        ledgerkeep_xero::Timekeeping::real(),
        ledgerkeep_sync::SchedulerConfig::default(),
        Arc::new(ledgerkeep_sync::Silent),
    )
    .await
    .unwrap()
}

fn config(dir: &std::path::Path) -> AppConfig {
    let mut c = AppConfig::new(AppPaths::under(dir));
    c.endpoints.client_id = None;
    c.endpoints.oauth_port = free_port();
    c
}

#[tokio::test]
async fn without_a_xero_app_the_demo_signs_in_through_the_real_flow() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    let server = start_demo_if_unconfigured(&mut config)
        .await
        .unwrap()
        .unwrap();
    assert!(config.demo);
    assert_eq!(config.endpoints.api_url, server.base_url());
    let store = Arc::new(MemoryTokenStore::default());
    let setup = XeroSetup {
        store: store.clone(),
        options: server.xero_options(),
        ..XeroSetup::default()
    };
    let ctx = AppContext::open_with(config, setup).await.unwrap();
    assert!(ledgerkeep_api::app_info(&ctx).await.unwrap().demo);
    let sync = sync_service(&ctx).await;

    let orgs = explore_demo(&ctx, &sync).await.unwrap();
    assert_eq!(orgs.len(), 3, "{orgs:?}");
    assert!(
        orgs.iter().all(|o| o.kept),
        "every demo organisation is kept"
    );
    // The tokens went where a real sign-in's go.
    assert_eq!(
        ledgerkeep_api::ops::xero_connection::list_organisations(&ctx)
            .await
            .unwrap()
            .len(),
        3
    );
    // And the sync filled the ledger: every organisation, with its documents.
    let in_ledger = ledgerkeep_api::ops::organisations::organisations(&ctx)
        .await
        .unwrap();
    assert_eq!(in_ledger.len(), 3, "{in_ledger:?}");
    let listing = ledgerkeep_api::list_documents(
        &ctx,
        ledgerkeep_api::ListDocumentsRequest {
            filter: ledgerkeep_api::DocumentFilterDto {
                tenant_id: in_ledger[0].tenant_id.clone(),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        !listing.rows.is_empty(),
        "the demo's bank transactions reached the ledger"
    );
    // The demo is a new Starter app: Journals is not on its plan, so the
    // reports read the general ledger rebuilt from the documents.
    let tenant = in_ledger[0].tenant_id.clone();
    let status = ledgerkeep_api::ops::sync::sync_status(
        &ctx,
        ledgerkeep_api::ops::sync::SyncStatusRequest {
            tenant_id: Some(tenant.clone()),
        },
    )
    .await
    .unwrap();
    let refused = &status.tenants[0].refused;
    assert!(
        refused.iter().any(|r| r.stream == "Journals"
            && r.reason == ledgerkeep_api::ops::sync::RefusalReasonView::Plan),
        "{refused:?}"
    );
    assert!(
        refused.iter().all(|r| r.stream == "Journals"),
        "the default scopes cover every other stream: {refused:?}"
    );
    let store = ctx.store();
    assert!(store
        .monthly_account_totals(&tenant, true)
        .await
        .unwrap()
        .is_empty());
    let gl = store.general_ledger_state(&tenant).await.unwrap().unwrap();
    assert!(gl.lines > 100 && gl.unposted.is_empty(), "{gl:?}");
    let moved = store
        .account_movements(
            &tenant,
            &[ledgerkeep_store::reports::LedgerPeriod {
                from: None,
                to: "2100-01-01".to_owned(),
            }],
        )
        .await
        .unwrap();
    assert!(moved[0].len() > 5, "the reports have accounts to show");
    sync.shutdown().await;
    server.stop().await;
}

#[tokio::test]
async fn with_a_xero_app_there_is_no_demo() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.endpoints.client_id = Some("OWNERS-OWN-APP".into());
    let before = config.endpoints.clone();
    assert!(start_demo_if_unconfigured(&mut config)
        .await
        .unwrap()
        .is_none());
    assert_eq!(config.endpoints, before);
    let setup = XeroSetup {
        store: Arc::new(MemoryTokenStore::default()),
        ..XeroSetup::default()
    };
    let ctx = AppContext::open_with(config, setup).await.unwrap();
    let sync = sync_service(&ctx).await;
    let err = explore_demo(&ctx, &sync).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
}

/// The demo's app is on Xero's Starter tier (1,000 calls a day): the client
/// knows it, so the attachments job, which leaves the books their share of
/// the day, still keeps the demo's files on its first day.
#[tokio::test]
async fn the_demo_keeps_attachments_on_its_starter_tier_day() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    let server = start_demo_if_unconfigured(&mut config)
        .await
        .unwrap()
        .unwrap();
    let setup = XeroSetup {
        store: Arc::new(MemoryTokenStore::default()),
        options: server.xero_options(),
        ..XeroSetup::default()
    };
    let ctx = AppContext::open_with(config, setup).await.unwrap();
    let sync = sync_service(&ctx).await;
    let mut reports = sync.scheduler().subscribe_attachments();
    explore_demo(&ctx, &sync).await.unwrap();
    let mut seen = Vec::new();
    let kept = tokio::time::timeout(std::time::Duration::from_secs(120), async {
        loop {
            let report = reports.recv().await.unwrap();
            if report.files_fetched > 0 {
                return report;
            }
            seen.push(format!("{report:?}"));
        }
    })
    .await;
    let kept = kept.unwrap_or_else(|_| panic!("no attachment kept within 2 minutes: {seen:#?}"));
    assert!(kept.bytes_fetched > 0, "{kept:?}");
}

/// Started "on a given day" (the clock setting), the demo's books end on
/// that day: the newest document within the week before it, none after.
#[tokio::test]
async fn the_demo_started_on_a_given_day_has_books_ending_that_day() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.clock = ledgerkeep_api::context::clock_from_env(|name| {
        (name == ledgerkeep_api::context::CLOCK_START_ENV).then(|| "2027-03-15".to_owned())
    })
    .unwrap();
    assert_eq!(config.now().date_naive().to_string(), "2027-03-15");
    let server = start_demo_if_unconfigured(&mut config)
        .await
        .unwrap()
        .unwrap();
    let setup = XeroSetup {
        store: Arc::new(MemoryTokenStore::default()),
        options: server.xero_options(),
        ..XeroSetup::default()
    };
    let ctx = AppContext::open_with(config, setup).await.unwrap();
    let sync = sync_service(&ctx).await;
    explore_demo(&ctx, &sync).await.unwrap();
    let in_ledger = ledgerkeep_api::ops::organisations::organisations(&ctx)
        .await
        .unwrap();
    let listing = ledgerkeep_api::list_documents(
        &ctx,
        ledgerkeep_api::ListDocumentsRequest {
            filter: ledgerkeep_api::DocumentFilterDto {
                tenant_id: in_ledger[0].tenant_id.clone(),
                ..Default::default()
            },
            sort: ledgerkeep_api::SortFieldDto::Date,
            descending: true,
            limit: Some(5),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let newest = listing.rows[0].date.clone().unwrap();
    assert!(
        ("2027-03-08".."2027-03-15").contains(&newest.as_str()),
        "newest document {newest}"
    );
    sync.shutdown().await;
    server.stop().await;
}

/// A run of the app on `dir` with the demo company standing in, its sign-ins
/// in `tokens`: on the real clock, or started on `day` (`YYYY-MM-DD`).
async fn open_demo(
    dir: &std::path::Path,
    tokens: Arc<MemoryTokenStore>,
    day: Option<&'static str>,
) -> (ledgerkeep_api::ops::demo::DemoServer, AppContext) {
    let mut config = config(dir);
    if let Some(day) = day {
        config.clock = ledgerkeep_api::context::clock_from_env(|name| {
            (name == ledgerkeep_api::context::CLOCK_START_ENV).then(|| day.to_owned())
        })
        .unwrap();
    }
    let server = start_demo_if_unconfigured(&mut config)
        .await
        .unwrap()
        .unwrap();
    let setup = XeroSetup {
        store: tokens,
        options: server.xero_options(),
        ..XeroSetup::default()
    };
    let ctx = AppContext::open_with(config, setup).await.unwrap();
    (server, ctx)
}

#[tokio::test]
async fn the_next_run_forgets_the_demo_sign_in_its_fresh_simulator_never_issued() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryTokenStore::default());
    // A run of the app that explored the demo, then ended.
    let (server, ctx) = open_demo(dir.path(), store.clone(), None).await;
    let sync = sync_service(&ctx).await;
    let first = explore_demo(&ctx, &sync).await.unwrap();
    sync.shutdown().await;
    server.stop().await;
    drop(ctx);
    let earlier = store.list().unwrap();
    assert_eq!(earlier.len(), 1, "one demo sign-in stored");
    let made_with = store.load(&earlier[0]).unwrap().unwrap().client_id;
    assert_eq!(
        made_with,
        Some(ledgerkeep_api::ops::demo::demo_client_id(
            ledgerkeep_api::ops::demo::demo_today(chrono::Utc::now())
        ))
    );

    // The next run, the same day: its simulator never issued those tokens.
    let (server, ctx) = open_demo(dir.path(), store.clone(), None).await;
    ledgerkeep_api::ops::demo::forget_earlier_demo_sign_ins(&ctx)
        .await
        .unwrap();
    assert!(store.list().unwrap().is_empty(), "the dead sign-in stayed");
    assert!(
        ledgerkeep_api::ops::xero_connection::list_organisations(&ctx)
            .await
            .unwrap()
            .is_empty()
    );
    // The books stay, and the demo can be explored again: the same organisations.
    assert_eq!(
        ledgerkeep_api::ops::organisations::organisations(&ctx)
            .await
            .unwrap()
            .len(),
        first.len()
    );
    let sync = sync_service(&ctx).await;
    let again = explore_demo(&ctx, &sync).await.unwrap();
    let ids = |v: &[ledgerkeep_api::ops::xero_connection::OrganisationView]| {
        let mut ids: Vec<String> = v.iter().map(|o| o.tenant_id.clone()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&again), ids(&first));
    sync.shutdown().await;
    server.stop().await;
}

#[test]
fn each_demo_day_is_another_xero_app() {
    use ledgerkeep_api::ops::demo::demo_client_id;
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let id = demo_client_id(day);
    assert_eq!(id.len(), 32);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    assert_ne!(id, demo_client_id(day.succ_opt().unwrap()));
    assert_eq!(id, demo_client_id(day));
}

#[tokio::test]
async fn an_earlier_days_demo_stays_in_the_ledger_but_is_neither_listed_nor_used() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = Arc::new(MemoryTokenStore::default());
    let listed = |ctx: AppContext| async move {
        let mut ids: Vec<String> = ledgerkeep_api::ops::organisations::organisations(&ctx)
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.tenant_id)
            .collect();
        ids.sort();
        ids
    };

    let (server, ctx) = open_demo(dir.path(), tokens.clone(), Some("2027-03-15")).await;
    ledgerkeep_api::ops::demo::forget_earlier_demo_sign_ins(&ctx)
        .await
        .unwrap();
    let sync = sync_service(&ctx).await;
    explore_demo(&ctx, &sync).await.unwrap();
    let first = listed(ctx.clone()).await;
    assert_eq!(first.len(), 3);
    sync.shutdown().await;
    server.stop().await;
    drop(ctx);

    // The next day's demo: yesterday's books stay, unlisted; its sign-in is not used.
    let (server, ctx) = open_demo(dir.path(), tokens.clone(), Some("2027-03-16")).await;
    ledgerkeep_api::ops::demo::forget_earlier_demo_sign_ins(&ctx)
        .await
        .unwrap();
    assert!(
        listed(ctx.clone()).await.is_empty(),
        "yesterday's demo is listed"
    );
    assert_eq!(
        ctx.store().organisations().await.unwrap().len(),
        3,
        "yesterday's books are kept"
    );
    assert_eq!(
        tokens.list().unwrap().len(),
        1,
        "another day's sign-in is another app's: kept"
    );
    assert!(
        ledgerkeep_api::ops::xero_connection::list_organisations(&ctx)
            .await
            .unwrap()
            .is_empty()
    );
    let sync = sync_service(&ctx).await;
    explore_demo(&ctx, &sync).await.unwrap();
    let second = listed(ctx.clone()).await;
    assert_eq!(second.len(), 3);
    assert!(
        second.iter().all(|t| !first.contains(t)),
        "a new day's demo is new organisations"
    );
    sync.shutdown().await;
    server.stop().await;
    drop(ctx);

    // With the owner's own Xero app set up, no demo is listed.
    let mut own = config(dir.path());
    own.endpoints.client_id = Some("0123456789ABCDEF0123456789ABCDEF".into());
    let setup = XeroSetup {
        store: tokens.clone(),
        ..XeroSetup::default()
    };
    let ctx = AppContext::open_with(own, setup).await.unwrap();
    assert!(listed(ctx.clone()).await.is_empty());
    assert_eq!(ctx.store().organisations().await.unwrap().len(), 6);
}
