//! Redaction, end to end: the whole connect-and-sync flow with secrets whose
//! values the test knows, real daily log files at trace level, the real
//! keyring, a crash report from the panic hook, and a support bundle made at
//! the next start. Then every file the app wrote (logs, crash reports, metrics,
//! the ledger, the unpacked bundle) is searched for every secret value.
//!
//! It installs the process-wide logger and panic hook, so it is alone in its
//! test binary. It needs a keyring:
//!
//! ```text
//! scripts/with-desktop-session.sh cargo nextest run -p ledgerkeep-api --run-ignored all --test redaction
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ledgerkeep_api::*;
use ledgerkeep_obs::logging::{self, LogConfig};
use ledgerkeep_sim::{Fault, FaultRule, Limits, RunningSimulator, Size};
use ledgerkeep_sync::{SchedulerConfig, Silent};
use ledgerkeep_xero::{
    KeyringTokenStore, Timekeeping, TokenStore, TokioSleeper, VirtualTime, XeroEndpoints,
};

/// Every code and token the simulator issues starts with this.
mod common;

const PREFIX: &str = "Qv7LeakCanary";

async fn open(
    paths: &AppPaths,
    sim: &RunningSimulator,
    time: &Arc<VirtualTime>,
    store: &Arc<KeyringTokenStore>,
    log_control: ledgerkeep_obs::logging::LogControl,
    oauth_port: u16,
) -> AppContext {
    let mut config = AppConfig::new(paths.clone());
    config.clock = time.timekeeping().clock;
    config.log_control = log_control;
    config.endpoints = XeroEndpoints {
        login_url: sim.base_url().to_owned(),
        identity_url: sim.base_url().to_owned(),
        api_url: sim.base_url().to_owned(),
        client_id: Some(sim.client_id().to_owned()),
        oauth_port,
    };
    AppContext::open_with(
        config,
        XeroSetup {
            store: store.clone(),
            time: Some(time.timekeeping()),
            ..XeroSetup::default()
        },
    )
    .await
    .unwrap()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The text of every file the app wrote, by name; a zip's entries unpacked.
fn everything_written(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for path in files_under(dir) {
        let name = path.strip_prefix(dir).unwrap().display().to_string();
        if path.extension().is_some_and(|x| x == "zip") {
            let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
            for i in 0..zip.len() {
                let mut entry = zip.by_index(i).unwrap();
                let mut bytes = Vec::new();
                entry.read_to_end(&mut bytes).unwrap();
                out.push((
                    format!("{name}!{}", entry.name()),
                    String::from_utf8_lossy(&bytes).into_owned(),
                ));
            }
        } else {
            match std::fs::read(&path) {
                Ok(bytes) => out.push((name, String::from_utf8_lossy(&bytes).into_owned())),
                // SQLite removes its WAL and shared-memory files as its last
                // connection closes, which may end just after the listing.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && name.contains("sqlite-") => {}
                Err(e) => panic!("{name}: {e}"),
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a D-Bus session with an unlocked Secret Service: run by `make test`"]
async fn no_secret_of_a_connect_and_sync_reaches_a_log_a_crash_report_or_a_bundle() {
    let time = VirtualTime::starting_at(ledgerkeep_sim::clock::DEFAULT_START_MS);
    let sim = RunningSimulator::builder()
        .seed(11)
        .size(Size::Small)
        .limits(Limits::XERO)
        .clock(time.clone())
        .auto_consent(true)
        .secret_prefix(PREFIX)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = AppPaths::under(dir.path());
    let mut log = LogConfig::new(&paths.logs_dir, "ledgerkeep");
    log.level = "trace".to_owned();
    let guard = logging::init(&log, time.timekeeping().clock).unwrap();
    ledgerkeep_obs::crash::install_panic_hook(
        paths.crashes_dir.clone(),
        "0.0.0-test",
        time.timekeeping().clock,
    );
    let store = Arc::new(common::keyring_store());
    // The loopback callback's port: a free one, as the owner's setting would name.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ctx = open(&paths, &sim, &time, &store, guard.control(), port).await;

    // Sign in through the loopback route; this test plays the browser.
    let started = start_sign_in(
        &ctx,
        StartSignInRequest {
            route: SignInRoute::Loopback,
        },
    )
    .await
    .unwrap();
    let browser = tokio::spawn({
        let url = started.authorize_url.clone();
        async move {
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let consent = client.get(&url).send().await.unwrap();
            let back = consent.headers()["location"].to_str().unwrap().to_owned();
            client.get(&back).send().await.unwrap().status()
        }
    });
    let connected = finish_loopback_sign_in(
        &ctx,
        FinishLoopbackSignInRequest {
            state: started.state.clone(),
        },
    )
    .await
    .unwrap();
    assert!(browser.await.unwrap().is_success());
    let tenants: Vec<String> = sim.tenants().into_iter().map(|t| t.tenant_id).collect();
    keep_organisations(
        &ctx,
        KeepOrganisationsRequest {
            connection_id: connected.connection_id.clone(),
            tenant_ids: tenants.clone(),
        },
    )
    .await
    .unwrap();

    // Sync every organisation through the scheduler, as the app does. On the
    // way the access token expires (a refresh rotates both tokens), Xero
    // answers one 503 and one 429.
    sim.inject(FaultRule::next(Fault::ExpireTokens, 1).after(3));
    sim.inject(FaultRule::next(Fault::Status(503), 1).after(6));
    sim.inject(
        FaultRule::next(
            Fault::RateLimited {
                problem: ledgerkeep_sim::Problem::Minute,
                retry_after_secs: 2,
            },
            1,
        )
        .after(9),
    );
    let svc = SyncService::start(
        &ctx,
        Arc::clone(ctx.xero()),
        Timekeeping {
            clock: time.timekeeping().clock,
            sleeper: Arc::new(TokioSleeper),
        },
        SchedulerConfig {
            sync_on_launch: false,
            interval: std::time::Duration::from_secs(3600),
            ..SchedulerConfig::default()
        },
        Arc::new(Silent),
    )
    .await
    .unwrap();
    for tenant in &tenants {
        let report = sync_now(
            &svc,
            SyncNowRequest {
                tenant_id: tenant.clone(),
                full: false,
            },
        )
        .await
        .unwrap();
        assert!(report.ok, "{:?}", report.error);
        assert!(report.records_changed > 0);
    }
    svc.shutdown().await;

    // The secrets: those issued with known values (a refresh happened, so
    // there are two of each token), and every other one the simulator saw:
    // the OAuth state and the PKCE verifier, which the app made.
    let known: Vec<String> = ["code-1", "access-1", "refresh-1", "access-2", "refresh-2"]
        .iter()
        .map(|k| format!("{PREFIX}-{k}"))
        .collect();
    let seen = sim.secrets_seen();
    for k in &known {
        assert!(seen.contains(k), "{k} was never issued: {seen:?}");
    }
    assert!(seen.contains(&started.state), "the state was not seen");
    let mut secrets = seen.clone();
    secrets.push(started.state.clone());
    secrets.sort();
    secrets.dedup();
    assert!(
        secrets.len() >= known.len() + 2,
        "the state and the verifier are among the secrets: {secrets:?}"
    );

    // A crash while the secrets are live: the panic message carries two of
    // them, as a careless `format!` would.
    let (access, refresh) = (known[3].clone(), known[4].clone());
    let crashed = std::thread::Builder::new()
        .name("sync-worker".into())
        .spawn(move || {
            panic!("crash-canary: refresh with {refresh} failed; Authorization: Bearer {access}")
        })
        .unwrap()
        .join();
    assert!(crashed.is_err());
    let _ = std::panic::take_hook();

    // Disconnect: the revocation sends the refresh token once more.
    disconnect(&ctx, DisconnectRequest { tenant_id: None })
        .await
        .unwrap();
    assert!(store.list().unwrap().is_empty());

    // Close, as the app does on exit, and flush the log files.
    ctx.close().await;
    drop(guard);

    // The next start offers the crash report, and the support bundle takes it.
    let ctx = open(
        &paths,
        &sim,
        &time,
        &store,
        ledgerkeep_obs::logging::LogControl::inert(),
        port,
    )
    .await;
    let offered = diagnostics(&ctx).await.unwrap().crash_reports;
    assert_eq!(offered.len(), 1, "{offered:?}");
    assert!(offered[0].message.contains("crash-canary"));
    assert_eq!(offered[0].thread, "sync-worker");
    let bundle = make_support_bundle(&ctx, SupportBundleRequest::default())
        .await
        .unwrap();
    assert!(diagnostics(&ctx).await.unwrap().crash_reports.is_empty());
    ctx.close().await;

    // Search everything written under the data folder, the bundle unpacked.
    let written = everything_written(dir.path());
    let mut leaks = Vec::new();
    for (name, text) in &written {
        for secret in &secrets {
            if text.contains(secret.as_str()) {
                leaks.push(format!("{secret} in {name}"));
            }
        }
        // A secret's known prefix, whatever its number, must not appear either.
        if text.contains(PREFIX) && !leaks.iter().any(|l| l.ends_with(name.as_str())) {
            leaks.push(format!("a {PREFIX} value in {name}"));
        }
    }
    assert!(leaks.is_empty(), "secrets leaked: {leaks:#?}");

    // Not vacuous: the files hold what support needs.
    let text_of = |pred: &dyn Fn(&str) -> bool| -> String {
        written
            .iter()
            .filter(|(n, _)| pred(n))
            .map(|(_, t)| t.as_str())
            .collect()
    };
    let logs = text_of(&|n| n.starts_with("logs/ledgerkeep.") && n.ends_with(".jsonl"));
    let bundle_name = Path::new(&bundle.path)
        .strip_prefix(dir.path())
        .unwrap()
        .display()
        .to_string();
    let bundled_logs =
        text_of(&|n| n.starts_with(&format!("{bundle_name}!logs/")) && n.ends_with(".jsonl"));
    for (what, text) in [
        ("the log files", &logs),
        ("the bundle's logs", &bundled_logs),
    ] {
        assert!(
            text.contains("\"level\":\"TRACE\""),
            "{what}: no trace lines"
        );
        for tenant in &tenants {
            assert!(
                text.contains(tenant.as_str()),
                "{what}: tenant {tenant} missing"
            );
        }
        for needle in [
            "\"name\":\"xero_call\"",
            "\"request_id\":\"",
            "\"correlation_id\":\"",
            "\"op\":\"start_sign_in\"",
            "\"op\":\"finish_loopback_sign_in\"",
            "\"op\":\"keep_organisations\"",
            "\"op\":\"sync_now\"",
            "token set refreshed",
            "Xero answered 429",
            "sync finished",
        ] {
            assert!(text.contains(needle), "{what}: no {needle}");
        }
    }
    let bundled_crash = text_of(&|n| n.starts_with(&format!("{bundle_name}!crashes/crash-")));
    assert!(
        bundled_crash.contains("crash-canary"),
        "the crash report is not in the bundle"
    );
    assert!(bundled_crash.contains("<redacted>"), "{bundled_crash}");
    let sent = text_of(&|n| n.starts_with("logs/crashes/sent/crash-"));
    assert!(sent.contains("crash-canary") && sent.contains("sync-worker"));
    assert!(
        written.iter().any(|(n, _)| n == "ledger.sqlite"),
        "the ledger was searched too"
    );
}
