//! The sync operations against the simulator over loopback, with a real
//! ledger file and no Tauri: sync now through the scheduler, progress events,
//! status, export, cancel and shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use ledgerkeep_api::*;
use ledgerkeep_sim::{Collection, RunningSimulator};
use ledgerkeep_xero::{VirtualTime, Xero};

mod common;

async fn setup() -> (
    RunningSimulator,
    Arc<VirtualTime>,
    Arc<Xero>,
    AppContext,
    tempfile::TempDir,
) {
    let s = common::signed_in(5).await;
    (s.sim, s.time, s.xero, s.ctx, s.dir)
}

async fn service(ctx: &AppContext, xero: &Arc<Xero>, time: &Arc<VirtualTime>) -> SyncService {
    common::test_service(ctx, xero, time, std::time::Duration::from_secs(30)).await
}

#[tokio::test]
async fn sync_now_reports_progress_then_status_and_exports_show_the_truth() {
    let (sim, time, xero, ctx, _dir) = setup().await;
    let tenant = sim.tenants()[0].tenant_id.clone();
    let svc = service(&ctx, &xero, &time).await;
    let mut events = svc.subscribe();
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
    assert!(report.records_changed > 100);
    let mut last = None;
    while let Ok(e) = events.try_recv() {
        if let Some(p) = progress_event(&e) {
            last = Some(p);
        }
    }
    let last = last.expect("no progress event");
    assert_eq!(last.tenant, tenant);
    assert_eq!(last.records, report.records_seen);
    let json = serde_json::to_value(&last).unwrap();
    assert!(json.get("rateLimitUsedPct").is_some() && json.get("etaSeconds").is_some());

    let status = sync_status(
        &ctx,
        SyncStatusRequest {
            tenant_id: Some(tenant.clone()),
        },
    )
    .await
    .unwrap();
    let t = &status.tenants[0];
    let inv = t.streams.iter().find(|s| s.stream == "Invoices").unwrap();
    let truth = sim.truth().records(&tenant, Collection::Invoices);
    assert_eq!(inv.records as usize, truth.len());
    assert!(inv.watermark.is_some());
    assert_eq!(t.last_run.as_ref().unwrap().status, "ok");

    let exported = export_records(
        &ctx,
        ExportRequest {
            entity: "Invoices".into(),
            format: ExportFormat::Json,
            tenant_id: Some(tenant.clone()),
        },
    )
    .await
    .unwrap();
    let exported: serde_json::Value = serde_json::from_str(&exported).unwrap();
    let exported = exported.as_array().unwrap();
    assert_eq!(exported.len(), truth.len());
    for want in &truth {
        let id = want["InvoiceID"].as_str().unwrap();
        let got = exported.iter().find(|e| e["InvoiceID"] == id).unwrap();
        // Exact decimal strings with Xero's digits; ISO dates.
        assert_eq!(got["Total"].as_str().unwrap(), want["Total"].to_string());
        assert_eq!(
            got["AmountDue"].as_str().unwrap(),
            want["AmountDue"].to_string()
        );
        assert_eq!(got["Status"], want["Status"]);
        if want["Date"].is_string() {
            let d = got["Date"].as_str().unwrap();
            assert!(d.len() == 10 && d.as_bytes()[4] == b'-', "{d}");
        }
    }
    let csv = export_records(
        &ctx,
        ExportRequest {
            entity: "invoices".into(),
            format: ExportFormat::Csv,
            tenant_id: Some(tenant.clone()),
        },
    )
    .await
    .unwrap();
    assert_eq!(csv.lines().count(), truth.len() + 1);
    assert!(csv.lines().next().unwrap().contains("InvoiceNumber"));

    assert!(
        !cancel_sync(
            &svc,
            CancelSyncRequest {
                tenant_id: tenant.clone()
            }
        )
        .cancelled
    );
    let bad = sync_now(
        &svc,
        SyncNowRequest {
            tenant_id: "nope".into(),
            full: false,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(bad.code, ErrorCode::Invalid);
    svc.shutdown().await;
    ctx.close().await;
}

/// A sync-run log row from long before the retention window.
async fn old_run(ctx: &AppContext, run_id: &str) {
    sqlx::query(
        "INSERT INTO sync_runs (run_id, tenant_id, kind, started_at, status) \
         VALUES (?, 'gone', 'incremental', '2020-01-01T00:00:00.000Z', 'ok')",
    )
    .bind(run_id)
    .execute(ctx.store().pool())
    .await
    .unwrap();
}

/// Waits (at most 20 s) until the upkeep round has removed `run_id`.
async fn pruned(ctx: &AppContext, run_id: &str) {
    for _ in 0..200 {
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_runs WHERE run_id = ?")
            .bind(run_id)
            .fetch_one(ctx.store().pool())
            .await
            .unwrap();
        if left == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the upkeep never pruned {run_id}");
}

/// The ledger backups in the data folder's `backups/` (not the attachment
/// files the backups share, kept in its `attachments/` folder).
fn backups_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("backups"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test]
async fn upkeep_backs_the_ledger_up_when_due_and_prunes_old_sync_runs_at_start_and_after_syncs() {
    let (sim, time, xero, ctx, dir) = setup().await;
    let tenant = sim.tenants()[0].tenant_id.clone();
    old_run(&ctx, "before-start").await;
    let svc = service(&ctx, &xero, &time).await;
    pruned(&ctx, "before-start").await;
    let first = backups_in(dir.path());
    assert_eq!(first.len(), 1, "no backup at start: {first:?}");

    // A sync within the day: the run is pruned again, but no second backup.
    old_run(&ctx, "same-day").await;
    let sync = SyncNowRequest {
        tenant_id: tenant.clone(),
        full: false,
    };
    assert!(sync_now(&svc, sync.clone()).await.unwrap().ok);
    pruned(&ctx, "same-day").await;
    assert_eq!(backups_in(dir.path()), first);

    // A day later, the next sync brings the day's backup; the recent runs stay.
    time.advance(std::time::Duration::from_secs(25 * 3600));
    old_run(&ctx, "next-day").await;
    assert!(sync_now(&svc, sync).await.unwrap().ok);
    pruned(&ctx, "next-day").await;
    let second = backups_in(dir.path());
    assert_eq!(second.len(), 2, "{second:?}");
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_runs")
        .fetch_one(ctx.store().pool())
        .await
        .unwrap();
    assert!(kept >= 2, "the recent sync runs were pruned too: {kept}");
    svc.shutdown().await;
    ctx.close().await;
}
