//! The Diagnostics operation after a real sign-in and sync against the
//! simulator: what the client, the sync engine and the ledger counted reaches
//! the screen (calls, syncs and their records, each named database query,
//! active connections), and a restart the same day loses none of it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use ledgerkeep_api::*;
use ledgerkeep_sim::{Limits, RunningSimulator, Size};
use ledgerkeep_sync::{no_progress, CancelToken};
use ledgerkeep_xero::{MemoryTokenStore, TokenStore, VirtualTime, XeroEndpoints};

const BOUNCE: &str = "https://bounce.example/ledgerkeep";

async fn open(
    paths: &AppPaths,
    sim: &RunningSimulator,
    time: &Arc<VirtualTime>,
    tokens: &Arc<MemoryTokenStore>,
) -> AppContext {
    let mut config = AppConfig::new(paths.clone());
    config.clock = time.timekeeping().clock;
    config.endpoints = XeroEndpoints {
        login_url: sim.base_url().to_owned(),
        identity_url: sim.base_url().to_owned(),
        api_url: sim.base_url().to_owned(),
        client_id: Some(sim.client_id().to_owned()),
        oauth_port: 0,
    };
    AppContext::open_with(
        config,
        XeroSetup {
            store: Arc::clone(tokens) as Arc<dyn TokenStore>,
            time: Some(time.timekeeping()),
            ..XeroSetup::default()
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn diagnostics_show_what_a_sign_in_and_a_sync_counted() {
    let time = VirtualTime::starting_at(ledgerkeep_sim::clock::DEFAULT_START_MS);
    let sim = RunningSimulator::builder()
        .seed(9)
        .size(Size::Small)
        .limits(Limits::XERO)
        .clock(time.clone())
        .auto_consent(true)
        .redirect_uri(BOUNCE)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = AppPaths::under(dir.path());
    let tokens = Arc::new(MemoryTokenStore::default());
    let ctx = open(&paths, &sim, &time, &tokens).await;
    assert_eq!(diagnostics(&ctx).await.unwrap().today.active_connections, 0);

    // Sign in through the bounce page's deep link.
    let started = start_sign_in(
        &ctx,
        StartSignInRequest {
            route: SignInRoute::BouncePage { url: BOUNCE.into() },
        },
    )
    .await
    .unwrap();
    let location = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&started.authorize_url)
        .send()
        .await
        .unwrap()
        .headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    complete_sign_in(
        &ctx,
        CompleteSignInRequest {
            query: location.split_once('?').unwrap().1.to_owned(),
        },
    )
    .await
    .unwrap();
    assert_eq!(ctx.metrics().snapshot().active_connections, 1);

    let reports = sync_once(
        &ctx,
        Arc::clone(ctx.xero()),
        time.timekeeping(),
        None,
        false,
        &CancelToken::new(),
        &no_progress(),
    )
    .await
    .unwrap();
    assert_eq!(reports.len(), sim.tenants().len());
    assert!(reports.iter().all(|r| r.ok), "{reports:?}");
    let calls: u32 = reports.iter().map(|r| r.calls).sum();
    let changed: u32 = reports.iter().map(|r| r.records_changed).sum();
    assert!(changed > 100);

    let d = diagnostics(&ctx).await.unwrap();
    let t = &d.today;
    // Every call the engine made went through the client into the metrics.
    assert_eq!(t.xero_calls, calls);
    assert_eq!((t.xero_errors, t.xero_rate_limited), (0, 0));
    assert_eq!(t.syncs, u32::try_from(reports.len()).unwrap());
    assert_eq!(t.sync_records, changed);
    assert!(t.sync_p50_ms <= t.sync_p95_ms);
    assert_eq!(t.active_connections, 1);
    assert!(t.rss_mb.is_some_and(|mb| mb > 0), "{:?}", t.rss_mb);
    // Each named ledger query, with its count and durations.
    let query = |name: &str| t.queries.iter().find(|q| q.name == name);
    let apply = query("apply_page").expect("no apply_page in the queries");
    assert!(apply.calls >= 1);
    assert!(apply.p50_us <= apply.p95_us && apply.p95_us <= apply.max_us);
    let runs = query("start_sync_run").expect("no start_sync_run");
    assert_eq!(runs.calls, u32::try_from(reports.len()).unwrap());

    // Disconnecting leaves no active connection.
    disconnect(&ctx, DisconnectRequest { tenant_id: None })
        .await
        .unwrap();
    assert_eq!(diagnostics(&ctx).await.unwrap().today.active_connections, 0);

    // Closing saves the day; the next start the same day carries it on.
    let before = ctx.metrics().snapshot();
    ctx.close().await;
    let ctx = open(&paths, &sim, &time, &tokens).await;
    let after = diagnostics(&ctx).await.unwrap().today;
    assert_eq!(after.day, before.day);
    assert_eq!(after.xero_calls, before.xero_calls);
    assert_eq!(
        (after.syncs, after.sync_records),
        (before.syncs, before.sync_records)
    );
    assert!(
        after.db_queries > before.db_queries,
        "this start's queries add to the day's"
    );
    ctx.close().await;
}
