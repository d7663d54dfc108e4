//! `ledgerkeep-cli doctor`: the health report of the Diagnostics screen, in a terminal.

use std::process::ExitCode;

use ledgerkeep_api::ops::health::CheckStatus;
use ledgerkeep_api::{ApiError, AppConfig, AppContext, HealthReport, HealthRequest};

use crate::{print_json, print_line};

pub async fn run(config: AppConfig, json: bool) -> Result<ExitCode, ApiError> {
    // Never create or migrate a ledger just to look at it.
    let report = if config.paths.ledger_file().exists() {
        match AppContext::open(config.clone()).await {
            Ok(ctx) => {
                let report = ledgerkeep_api::health_check(&ctx, HealthRequest::default()).await?;
                ctx.close().await;
                report
            }
            Err(_) => offline(&config).await,
        }
    } else {
        offline(&config).await
    };
    if json {
        print_json(&report)?;
    } else {
        print_line(&render(&report))?;
    }
    Ok(if report.healthy() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn offline(config: &AppConfig) -> HealthReport {
    ledgerkeep_api::health_check_offline(&config.paths, &config.endpoints, HealthRequest::default())
        .await
}

fn render(report: &HealthReport) -> String {
    let v = &report.versions;
    let schema = v
        .schema
        .map(|s| format!("schema {s} of {}", v.latest_schema))
        .unwrap_or_else(|| "schema unknown".to_owned());
    let mut out = format!("Ledgerkeep {} · {schema} · {}\n", v.app, v.os);
    for c in &report.checks {
        let status = match c.status {
            CheckStatus::Ok => "ok",
            CheckStatus::Warning => "warning",
            CheckStatus::Failed => "FAILED",
        };
        let name = serde_json::to_value(c.name)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let latency = c
            .latency_ms
            .map(|ms| format!(" ({ms} ms)"))
            .unwrap_or_default();
        out.push_str(&format!("  {status:<8} {name:<9} {}{latency}\n", c.message));
    }
    out
}
