//! `diagnostics`: today's metrics, the saved daily summaries, and any crash
//! reports waiting to be sent.

use ledgerkeep_obs::crash::{crash_reports, CrashReport};
use ledgerkeep_obs::metrics::read_summaries;
use ledgerkeep_obs::MetricsSnapshot;
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostics {
    pub today: MetricsSnapshot,
    /// Earlier days, oldest first (today excluded).
    pub history: Vec<MetricsSnapshot>,
    /// Crashes not yet put in a support bundle, newest first.
    pub crash_reports: Vec<CrashReport>,
}

#[tracing::instrument(name = "op", skip_all, fields(op = "diagnostics", request_id = %crate::request_id()))]
pub async fn diagnostics(ctx: &AppContext) -> Result<Diagnostics, ApiError> {
    count_connections(ctx).await;
    let today = ctx.metrics().snapshot();
    let history = read_summaries(&ctx.paths().metrics_dir)
        .into_iter()
        .filter(|s| s.day != today.day)
        .collect();
    Ok(Diagnostics {
        today,
        history,
        crash_reports: crash_reports(&ctx.paths().crashes_dir),
    })
}

/// Counts the Xero connections in use (signed in, not waiting for a new
/// sign-in) into the metrics' active connections.
pub(crate) async fn count_connections(ctx: &AppContext) {
    match ctx.xero().tokens().all().await {
        Ok(conns) => {
            let active = conns
                .iter()
                .filter(|c| c.status() == ledgerkeep_xero::ConnectionStatus::Active)
                .count();
            ctx.metrics()
                .set_active_connections(u32::try_from(active).unwrap_or(u32::MAX));
        }
        Err(err) => tracing::warn!(%err, "could not count the Xero connections"),
    }
}
