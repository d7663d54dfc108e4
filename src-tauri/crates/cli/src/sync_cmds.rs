//! Syncing from the command line: `sync`, `status` and `export`.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ledgerkeep_api::{ApiError, AppContext, ExportFormat, ExportRequest};
use ledgerkeep_sync::{CancelToken, ProgressSink};
use ledgerkeep_xero::{Timekeeping, TokioSleeper};

use crate::output::Output;
use crate::text;

/// `sync` exits with this when a sync stopped early (1 is any other error).
pub const EXIT_SYNC_STOPPED: u8 = 2;
/// `sync --no-wait` exits with this when another process holds the ledger.
pub const EXIT_LEDGER_IN_USE: u8 = 4;

/// `ledgerkeep-cli sync [--tenant ID] [--full]`: a progress bar on stderr, the
/// reports on stdout (text, or JSON with `--json`). Ctrl-C cancels at the next safe point.
///
/// Only one process writes the ledger from Xero and sends the payment outbox
/// at a time: while the app (or another `sync`) holds the ledger's writer
/// lock, this waits for it, saying so on stderr, or with `wait` false exits
/// [`EXIT_LEDGER_IN_USE`] naming the process.
pub async fn sync(
    ctx: &AppContext,
    tenant: Option<String>,
    full: bool,
    wait: bool,
    out: Output,
) -> Result<ExitCode, ApiError> {
    let _writer = if wait {
        let lock = ledgerkeep_store::LedgerLock::acquire_waiting(
            ctx.store().path(),
            std::time::Duration::from_millis(500),
            |by| {
                let _ = writeln!(
                    std::io::stderr(),
                    "Waiting: {by} has the ledger open. This sync starts when it closes; the app syncs on its own schedule, and its Sync now does the same at once. Ctrl-C to stop waiting."
                );
            },
        );
        tokio::select! {
            lock = lock => lock?,
            _ = tokio::signal::ctrl_c() => {
                let _ = writeln!(std::io::stderr(), "Stopped waiting; nothing was synced.");
                return Ok(ExitCode::from(EXIT_SYNC_STOPPED));
            }
        }
    } else {
        match ctx.store().writer_lock() {
            Ok(lock) => lock,
            Err(ledgerkeep_store::StoreError::InUse { by }) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "{by} has the ledger open, and syncs it itself; nothing was synced. Close it, or run sync without --no-wait to wait for it."
                );
                return Ok(ExitCode::from(EXIT_LEDGER_IN_USE));
            }
            Err(e) => return Err(e.into()),
        }
    };
    // The context's one client: one rate limiter and one token manager per process.
    let xero = Arc::clone(ctx.xero());
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let b = bar.clone();
    let sink: ProgressSink = Arc::new(move |p| {
        b.set_message(format!(
            "{} {}: {} records, {} pages, {}% of the minute's calls{}",
            &p.tenant[..p.tenant.len().min(8)],
            p.stream,
            p.records,
            p.pages,
            p.rate_limit_used_pct,
            p.eta_seconds
                .map(|s| format!(", about {s} s left"))
                .unwrap_or_default()
        ));
        b.tick();
    });
    let cancel = CancelToken::new();
    let c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            c.cancel();
        }
    });
    let reports = ledgerkeep_api::sync_once(
        ctx,
        xero,
        // The context's clock: the system's (a debug build's test may start it elsewhere).
        Timekeeping {
            clock: ctx.config().clock.clone(),
            sleeper: Arc::new(TokioSleeper),
        },
        tenant.as_deref(),
        full,
        &cancel,
        &sink,
    )
    .await;
    bar.finish_and_clear();
    let reports = reports?;
    let names = if out.json {
        text::Names::new()
    } else {
        organisation_names(ctx).await
    };
    out.print(&reports, |o| text::sync(o, &reports, &names))?;
    for r in &reports {
        if let Some(f) = &r.first_sync {
            let _ = writeln!(std::io::stderr(), "{}", first_sync_words(&r.tenant, f));
        }
    }
    Ok(if reports.iter().all(|r| r.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_SYNC_STOPPED)
    })
}

/// A first sync that needs more of Xero's calls than a day allows, in words.
fn first_sync_words(tenant: &str, f: &ledgerkeep_api::FirstSyncView) -> String {
    let calls = format!("about {} Xero calls left", f.calls_left);
    match f.more_days {
        None => format!(
            "The first sync of {tenant} is not finished ({calls}), and Xero's daily limit leaves none for it."
        ),
        Some(0) => format!("The first sync of {tenant} goes on today ({calls})."),
        Some(1) => format!(
            "The first sync of {tenant} needs more than Xero's daily limit allows: the app goes on with it tomorrow ({calls}); about 1 more day."
        ),
        Some(n) => format!(
            "The first sync of {tenant} needs more than Xero's daily limit allows: the app goes on with it each day, about {n} more days ({calls})."
        ),
    }
}

/// `ledgerkeep-cli status [--tenant ID]`
pub async fn status(
    ctx: &AppContext,
    tenant: Option<String>,
    out: Output,
) -> Result<ExitCode, ApiError> {
    let view =
        ledgerkeep_api::sync_status(ctx, ledgerkeep_api::SyncStatusRequest { tenant_id: tenant })
            .await?;
    let names = if out.json {
        text::Names::new()
    } else {
        organisation_names(ctx).await
    };
    out.print(&view, |o| text::status(o, &view, &names))?;
    Ok(ExitCode::SUCCESS)
}

/// The organisations' names as the ledger keeps them (Xero's `Organisations`
/// records, through the export every front uses); none when unreadable: the
/// text then names the tenant id alone.
async fn organisation_names(ctx: &AppContext) -> text::Names {
    let req = ExportRequest {
        entity: "Organisations".to_owned(),
        format: ExportFormat::Json,
        tenant_id: None,
    };
    let Ok(json) = ledgerkeep_api::export_records(ctx, req).await else {
        return text::Names::new();
    };
    let records: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap_or_default();
    records
        .iter()
        .filter_map(|r| Some((r["TenantID"].as_str()?, r["Name"].as_str()?)))
        .map(|(t, n)| (t.to_owned(), n.to_owned()))
        .collect()
}

/// `ledgerkeep-cli export <entity> --format csv|json [--tenant ID]`: to stdout.
pub async fn export(
    ctx: &AppContext,
    entity: String,
    format: ExportFormat,
    tenant: Option<String>,
) -> Result<ExitCode, ApiError> {
    let text = ledgerkeep_api::export_records(
        ctx,
        ExportRequest {
            entity,
            format,
            tenant_id: tenant,
        },
    )
    .await?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| {
            if text.ends_with('\n') {
                Ok(())
            } else {
                out.write_all(b"\n")
            }
        })
        .map_err(|e| ApiError::internal(format!("could not write to standard output: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

/// Parses `--format`.
pub fn parse_format(s: &str) -> Result<ExportFormat, String> {
    match s.to_ascii_lowercase().as_str() {
        "csv" => Ok(ExportFormat::Csv),
        "json" => Ok(ExportFormat::Json),
        other => Err(format!("unknown format {other:?}: csv or json")),
    }
}
