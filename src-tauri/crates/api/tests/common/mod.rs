//! What the api crate's tests share: a simulator on loopback, the endpoints
//! that point at it, the browser's part of a sign-in through the https bounce
//! page, and a throwaway keyring collection. Each test file uses some of it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use ledgerkeep_api::{AppConfig, AppContext, AppPaths, XeroSetup};
use ledgerkeep_sim::{Limits, RunningSimulator, Size};
use ledgerkeep_xero::{
    KeyringTokenStore, MemoryTokenStore, RedirectTarget, VirtualTime, Xero, XeroEndpoints,
    XeroOptions,
};

/// The https bounce page the simulator's app has registered.
pub const BOUNCE_URL: &str = "https://bounce.example/ledgerkeep";

/// Every base at the simulator.
pub fn endpoints_of(sim: &RunningSimulator) -> XeroEndpoints {
    XeroEndpoints {
        login_url: sim.base_url().to_owned(),
        identity_url: sim.base_url().to_owned(),
        api_url: sim.base_url().to_owned(),
        client_id: Some(sim.client_id().to_owned()),
        oauth_port: 0,
    }
}

/// Signs `xero` in the way a browser would through the bounce page: open the
/// authorize URL (the simulator consents at once) and hand the redirect's
/// query to the app.
pub async fn sign_in_by_bounce(xero: &Xero) {
    let req = xero
        .start_sign_in(&RedirectTarget::Https(BOUNCE_URL.into()))
        .unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = browser.get(&req.url).send().await.unwrap();
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    xero.complete_sign_in(location.split_once('?').unwrap().1)
        .await
        .unwrap();
}

/// A signed-in app on the simulator's small books (Xero's limits), sharing
/// one virtual clock, with its ledger in a temporary folder.
pub struct SignedIn {
    pub sim: RunningSimulator,
    pub time: Arc<VirtualTime>,
    pub xero: Arc<Xero>,
    pub ctx: AppContext,
    pub dir: tempfile::TempDir,
}

pub async fn signed_in(seed: u64) -> SignedIn {
    signed_in_on(
        RunningSimulator::builder()
            .seed(seed)
            .size(Size::Small)
            .limits(Limits::XERO),
        XeroOptions::default(),
    )
    .await
}

/// A new Xero app on the Starter tier (granular scopes, no Journals) signed
/// in to `size` books of `seed`, the simulator keeping to `limits`.
pub async fn starter_signed_in(seed: u64, size: Size, limits: Limits) -> SignedIn {
    signed_in_on(
        RunningSimulator::builder()
            .seed(seed)
            .size(size)
            .new_starter_app()
            .limits(limits),
        XeroOptions::default(),
    )
    .await
}

/// The simulator `builder` makes, on a virtual clock from the simulator's
/// day one, a client with `options` signed in to it through the bounce
/// page, and the app's context on that clock in a temporary folder.
pub async fn signed_in_on(
    builder: ledgerkeep_sim::SimulatorBuilder,
    options: XeroOptions,
) -> SignedIn {
    let time = VirtualTime::starting_at(ledgerkeep_sim::clock::DEFAULT_START_MS);
    let sim = builder
        .clock(time.clone())
        .auto_consent(true)
        .redirect_uri(BOUNCE_URL)
        .start()
        .await
        .unwrap();
    let xero = Arc::new(
        Xero::new(
            endpoints_of(&sim),
            Arc::new(MemoryTokenStore::default()),
            time.timekeeping(),
            None,
            options,
        )
        .unwrap(),
    );
    sign_in_by_bounce(&xero).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = AppConfig::new(AppPaths::under(dir.path()));
    config.clock = time.timekeeping().clock;
    let ctx = AppContext::open(config).await.unwrap();
    SignedIn {
        sim,
        time,
        xero,
        ctx,
        dir,
    }
}

/// A client of `endpoints` on the virtual clock, its tokens in memory.
pub fn xero_at(endpoints: XeroEndpoints, time: &Arc<VirtualTime>) -> Arc<Xero> {
    Arc::new(
        Xero::new(
            endpoints,
            Arc::new(MemoryTokenStore::default()),
            time.timekeeping(),
            None,
            XeroOptions::default(),
        )
        .unwrap(),
    )
}

/// The sync service as a test drives it: no sync at launch, and a scheduler
/// that waits on tokio's timer (its hourly tick never comes during a test)
/// while its clock is the virtual one the simulator reads. The network is
/// probed every `probe_every`.
pub async fn test_service(
    ctx: &AppContext,
    xero: &Arc<Xero>,
    time: &Arc<VirtualTime>,
    probe_every: std::time::Duration,
) -> ledgerkeep_api::SyncService {
    ledgerkeep_api::SyncService::start_probing(
        ctx,
        Arc::clone(xero),
        ledgerkeep_xero::Timekeeping {
            clock: time.timekeeping().clock,
            sleeper: Arc::new(ledgerkeep_xero::TokioSleeper),
        },
        ledgerkeep_sync::SchedulerConfig {
            sync_on_launch: false,
            interval: std::time::Duration::from_secs(3600),
            ..ledgerkeep_sync::SchedulerConfig::default()
        },
        Arc::new(ledgerkeep_sync::Silent),
        probe_every,
    )
    .await
    .unwrap()
}

/// One incremental sync of `tenant`, now, which must succeed; its report.
pub async fn sync_ok(
    svc: &ledgerkeep_api::SyncService,
    tenant: &str,
) -> ledgerkeep_api::SyncReportView {
    let r = ledgerkeep_api::sync_now(
        svc,
        ledgerkeep_api::SyncNowRequest {
            tenant_id: tenant.to_owned(),
            full: false,
        },
    )
    .await
    .unwrap();
    assert!(r.ok, "{:?}", r.error);
    r
}

/// A token store in the session's keyring under a fresh service name.
pub fn keyring_store() -> KeyringTokenStore {
    // The test session's throwaway GNOME Keyring has no `default` collection:
    // point the alias at its unlocked in-memory `session` collection.
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
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).unwrap();
    KeyringTokenStore::new(format!(
        "Ledgerkeep-test-{}",
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    ))
}

/// The app's context on the folder `dir`, with Xero's tokens in memory (no keyring).
pub async fn open_app_in(dir: &std::path::Path) -> AppContext {
    AppContext::open_with(
        AppConfig::new(AppPaths::under(dir)),
        XeroSetup {
            store: Arc::new(MemoryTokenStore::default()),
            ..XeroSetup::default()
        },
    )
    .await
    .unwrap()
}

/// `YYYY-MM-DD`.
pub fn ymd(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Fetches Xero's report `r` with the app's client and stores it as the
/// sync does; the number of accounts with a figure other than zero in it.
pub async fn fetch_and_store(
    s: &SignedIn,
    tenant: &str,
    r: &ledgerkeep_domain::xero_report::ReportToFetch,
) -> usize {
    use ledgerkeep_domain::xero_report::{parse_report, report_of, FigureKey};
    let req = ledgerkeep_sync::reports::request_for(r, ledgerkeep_xero::Priority::User);
    let resp = s.xero.client().get(tenant, &req).await.unwrap();
    let report = report_of(r.kind, &resp.body).unwrap();
    let accounts = parse_report(r.kind, &resp.body)
        .unwrap()
        .figures
        .iter()
        .filter(|(k, f)| matches!(k, FigureKey::Account(_)) && !f.amount.is_zero())
        .count();
    s.ctx
        .store()
        .save_xero_report(
            tenant,
            r.kind,
            r.from.map(ymd).as_deref(),
            &ymd(r.to),
            &ledgerkeep_domain::canonical_json(report),
            chrono::DateTime::from_timestamp_millis(s.time.now_ms()).unwrap(),
        )
        .await
        .unwrap();
    accounts
}

/// Every organisation of `signed`'s simulator synced whole by the app's own
/// sync engine, and with `files` its attachments job run after the books, as
/// the scheduler runs it; the simulator's books, to compare with.
pub async fn sync_all(signed: &SignedIn, files: bool) -> ledgerkeep_sim::Truth {
    use ledgerkeep_sync::attachments::JobEnd;
    use ledgerkeep_sync::{no_progress, CancelToken, SyncEngine, SyncRequest};
    let engine = SyncEngine::new(
        Arc::clone(&signed.xero),
        signed.ctx.store().clone(),
        signed.time.timekeeping(),
        None,
    );
    for t in signed.sim.tenants() {
        let r = engine
            .sync_tenant(
                &t.tenant_id,
                &SyncRequest::user(),
                &CancelToken::new(),
                &no_progress(),
            )
            .await;
        assert!(
            r.succeeded(),
            "{}: {:?} {:?}",
            t.tenant_id,
            r.stopped,
            r.error
        );
        if files {
            let job = engine
                .sync_attachments(&t.tenant_id, &CancelToken::new())
                .await
                .unwrap();
            assert_eq!(job.end, JobEnd::Done, "{job:?}");
        }
    }
    signed.sim.truth()
}

/// A report of `kind` over `period`, as the window asks for it (no
/// comparisons, tracking or basis).
pub async fn report_over(
    ctx: &AppContext,
    tenant: &str,
    kind: ledgerkeep_api::ReportKind,
    period: ledgerkeep_api::ReportPeriod,
) -> ledgerkeep_api::ReportView {
    ledgerkeep_api::run_report(
        ctx,
        ledgerkeep_api::ReportRequest {
            tracking: None,
            by_tracking_category: None,
            tenant_id: tenant.to_owned(),
            kind,
            period,
            comparisons: Vec::new(),
            basis: None,
        },
    )
    .await
    .unwrap()
}

/// A report of `kind` at the end of `as_at` (the aged reports' one date).
pub async fn report_at(
    ctx: &AppContext,
    tenant: &str,
    kind: ledgerkeep_api::ReportKind,
    as_at: chrono::NaiveDate,
) -> ledgerkeep_api::ReportView {
    let period = ledgerkeep_api::ReportPeriod {
        from: None,
        to: ymd(as_at),
    };
    report_over(ctx, tenant, kind, period).await
}
