//! `ledgerkeep-cli doctor`: the health report of the Diagnostics screen, in a terminal.

use std::process::ExitCode;

use ledgerkeep_api::ops::health::CheckStatus;
use ledgerkeep_api::{ApiError, AppConfig, AppContext, HealthReport, HealthRequest};

use crate::output::Output;

pub async fn run(config: AppConfig, out: Output) -> Result<ExitCode, ApiError> {
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
    out.print(&report, |o| render(o, &report))?;
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

fn render(out: &Output, report: &HealthReport) -> String {
    let v = &report.versions;
    let schema = v
        .schema
        .map(|s| format!("schema {s} of {}", v.latest_schema))
        .unwrap_or_else(|| "schema unknown".to_owned());
    let mut text = format!("Ledgerkeep {} · {schema} · {}\n", v.app, v.os);
    for c in &report.checks {
        let (word, paint): (&str, fn(&Output, &str) -> String) = match c.status {
            CheckStatus::Ok => ("ok", Output::good),
            CheckStatus::Warning => ("warning", Output::warn),
            CheckStatus::Failed => ("FAILED", Output::bad),
        };
        let status = paint(out, &format!("{word:<8}"));
        let name = serde_json::to_value(c.name)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let latency = c
            .latency_ms
            .map(|ms| format!(" ({ms} ms)"))
            .unwrap_or_default();
        text.push_str(&format!("  {status} {name:<9} {}{latency}\n", c.message));
    }
    text
}
