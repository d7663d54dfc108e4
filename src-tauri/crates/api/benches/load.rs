//! The load run (`make load`, also part of `make bench`): ten organisations
//! sync at once through the scheduler, from empty, under an app-wide limit
//! lowered so that it binds (300 calls a minute for ten tenants that could
//! spend 600), while a second thread plays the UI: it calls the commands the
//! screens call (listings, search, totals, sync status, anomalies, a record's
//! history) against the same ledger, as fast as a busy user clicks, and times
//! each call. Prints the latencies against the 100 ms target, and checks that
//! every organisation synced with no 429.
//!
//! The syncs run on the virtual clock (the rate limits cost no real time, so
//! the ledger is written as fast as the machine allows: a harder load than a
//! real sync's); the UI's calls are timed on the real clock.
//!   LEDGERKEEP_LOAD_ORGS=10 LEDGERKEEP_LOAD_SIZE=medium make load
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a benchmark prints its figures and stops on failure
#![allow(clippy::float_arithmetic)] // percentiles and milliseconds of timings; no money passes through here

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ledgerkeep_api::*;
use ledgerkeep_sim::{Limits, RunningSimulator, Size};
use ledgerkeep_sync::{SchedulerConfig, Silent};
use ledgerkeep_xero::{MemoryTokenStore, VirtualTime, Xero, XeroOptions};

const APP_PER_MINUTE: u32 = 300;
const TARGET_MS: u128 = 100;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

struct Setup {
    sim: RunningSimulator,
    ctx: AppContext,
    svc: SyncService,
    _dir: tempfile::TempDir,
}

async fn setup(orgs: usize, size: Size) -> Setup {
    let time = VirtualTime::starting_at(ledgerkeep_sim::clock::DEFAULT_START_MS);
    let limits = Limits {
        app_per_minute: APP_PER_MINUTE,
        ..Limits::XERO
    };
    let sim = RunningSimulator::builder()
        .seed(12)
        .size(size)
        .organisations(orgs)
        .limits(limits)
        .clock(time.clone())
        .auto_consent(true)
        .redirect_uri(common::BOUNCE_URL)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = AppConfig::new(AppPaths::under(dir.path()));
    config.clock = time.timekeeping().clock;
    let ctx = AppContext::open(config).await.unwrap();
    let mut options = XeroOptions::default();
    options.client.limits.app_per_minute = APP_PER_MINUTE;
    let xero = Arc::new(
        Xero::new(
            common::endpoints_of(&sim),
            Arc::new(MemoryTokenStore::default()),
            time.timekeeping(),
            Some(Arc::clone(ctx.metrics())),
            options,
        )
        .unwrap(),
    );
    common::sign_in_by_bounce(&xero).await;
    let svc = SyncService::start(
        &ctx,
        Arc::clone(&xero),
        time.timekeeping(),
        SchedulerConfig {
            sync_on_launch: false,
            interval: Duration::from_secs(24 * 3600),
            ..SchedulerConfig::default()
        },
        Arc::new(Silent),
    )
    .await
    .unwrap();
    Setup {
        sim,
        ctx,
        svc,
        _dir: dir,
    }
}

#[derive(Default)]
struct Timings {
    by_command: Vec<(&'static str, Vec<Duration>)>,
}

impl Timings {
    fn add(&mut self, name: &'static str, took: Duration) {
        match self.by_command.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(took),
            None => self.by_command.push((name, vec![took])),
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    // Index arithmetic on a latency list: no money here.
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// The UI's side: the screens' commands in turn until the syncs end.
async fn play_the_ui(ctx: AppContext, tenant: String, done: Arc<AtomicBool>) -> Timings {
    let mut t = Timings::default();
    let filter = |kind, text: Option<&str>| DocumentFilterDto {
        kind: Some(kind),
        tenant_id: tenant.clone(),
        text: text.map(str::to_owned),
        ..DocumentFilterDto::default()
    };
    let mut round = 0u32;
    while !done.load(Ordering::Relaxed) {
        round += 1;
        macro_rules! timed {
            ($name:expr, $call:expr) => {{
                let start = Instant::now();
                let out = $call.await;
                t.add($name, start.elapsed());
                out
            }};
        }
        let page = timed!(
            "list_documents (explorer opens)",
            list_documents(
                &ctx,
                ListDocumentsRequest {
                    filter: filter(DocumentKindDto::BankTransactions, None),
                    ..ListDocumentsRequest::default()
                }
            )
        )
        .unwrap();
        let _ = timed!(
            "list_documents (invoices, search)",
            list_documents(
                &ctx,
                ListDocumentsRequest {
                    filter: filter(
                        DocumentKindDto::Invoices,
                        Some(["inv", "plumb", "coffee", "4"][round as usize % 4])
                    ),
                    ..ListDocumentsRequest::default()
                }
            )
        )
        .unwrap();
        let _ = timed!(
            "document_totals",
            document_totals(&ctx, filter(DocumentKindDto::Invoices, None))
        )
        .unwrap();
        let _ = timed!(
            "sync_status",
            sync_status(
                &ctx,
                SyncStatusRequest {
                    tenant_id: Some(tenant.clone())
                }
            )
        )
        .unwrap();
        let _ = timed!(
            "list_anomalies",
            list_anomalies(
                &ctx,
                ListAnomaliesRequest {
                    tenant_id: None,
                    include_closed: false
                }
            )
        )
        .unwrap();
        if let Some(row) = page.rows.first() {
            let _ = timed!(
                "record_history",
                record_history(
                    &ctx,
                    RecordHistoryRequest {
                        tenant_id: tenant.clone(),
                        entity: ledgerkeep_domain::EntityKind::BankTransaction,
                        xero_id: row.xero_id.clone(),
                    }
                )
            )
            .unwrap();
        }
        // A busy user: a click every 50 ms.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    t
}

fn main() {
    let orgs: usize = env_or("LEDGERKEEP_LOAD_ORGS", "10").parse().unwrap();
    let size = match env_or("LEDGERKEEP_LOAD_SIZE", "medium").as_str() {
        "small" => Size::Small,
        "large" => Size::Large,
        _ => Size::Medium,
    };
    let syncs = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let s = syncs.block_on(setup(orgs, size));
    let tenants: Vec<String> = s.sim.tenants().into_iter().map(|t| t.tenant_id).collect();
    assert_eq!(tenants.len(), orgs);
    let done = Arc::new(AtomicBool::new(false));
    let ui = {
        let ctx = s.ctx.clone();
        let tenant = tenants[0].clone();
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(play_the_ui(ctx, tenant, done))
        })
    };
    let started = Instant::now();
    let reports = syncs.block_on(async {
        let all = tenants.iter().map(|t| {
            sync_now(
                &s.svc,
                SyncNowRequest {
                    tenant_id: t.clone(),
                    full: false,
                },
            )
        });
        futures_util::future::join_all(all).await
    });
    let wall = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let timings = ui.join().unwrap();
    let rate_limited = s.ctx.metrics().snapshot().xero_rate_limited;

    let mut records = 0u64;
    let mut calls = 0u64;
    for r in &reports {
        let r = r.as_ref().unwrap();
        assert!(r.ok, "{}: {:?} {:?}", r.tenant, r.stopped, r.error);
        records += u64::from(r.records_seen);
        calls += u64::from(r.calls);
    }
    println!(
        "load: {orgs} organisations ({size:?} books) synced at once in {:.1} s real time: \
         {records} records, {calls} calls, app-wide limit {APP_PER_MINUTE}/min, 429s: {rate_limited}",
        wall.as_secs_f64()
    );
    println!(
        "| UI command while they sync | calls | p50 ms | p95 ms | max ms | within {TARGET_MS} ms |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, mut v) in timings.by_command {
        v.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let within = v.iter().filter(|d| d.as_millis() <= TARGET_MS).count();
        println!(
            "| {name} | {} | {:.1} | {:.1} | {:.1} | {:.1} % |",
            v.len(),
            ms(percentile(&v, 0.5)),
            ms(percentile(&v, 0.95)),
            ms(*v.last().unwrap()),
            within as f64 * 100.0 / v.len() as f64
        );
    }
    assert_eq!(rate_limited, 0, "no call may be refused with a 429");
    syncs.block_on(async move {
        s.svc.shutdown().await;
        s.sim.stop().await;
    });
}
