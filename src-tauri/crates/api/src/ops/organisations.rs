//! `organisations`: the Xero organisations in the ledger, for the switcher.

use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LedgerOrganisation {
    pub tenant_id: String,
    /// Xero's name for it, or its tenant id when Xero sent none.
    pub name: String,
    pub base_currency: Option<String>,
    /// Xero's timezone value (a Windows zone name, `NEWZEALANDSTANDARDTIME`).
    pub timezone: Option<String>,
    /// The IANA zone for it (`Pacific/Auckland`), from CLDR's table; absent
    /// when Xero sent no timezone or one that names no zone. The UI shows
    /// instants (sync and audit times) in it.
    pub iana_timezone: Option<String>,
    pub period_lock_date: Option<String>,
    /// When its last successful sync finished (UTC); none before the first.
    pub last_synced_utc: Option<String>,
}

#[tracing::instrument(name = "op", skip_all, fields(op = "organisations", request_id = %crate::request_id()))]
pub async fn organisations(ctx: &AppContext) -> Result<Vec<LedgerOrganisation>, ApiError> {
    // The demo company of an earlier day (or any, once the owner's own Xero
    // app is set up) stays in the ledger, but is no longer listed.
    let today = ctx.config().demo_day.map(|d| d.to_string());
    let retired: std::collections::HashSet<String> = ctx
        .store()
        .demo_organisations()
        .await?
        .into_iter()
        .filter(|(_, day)| Some(day) != today.as_ref())
        .map(|(tenant, _)| tenant)
        .collect();
    Ok(ctx
        .store()
        .organisations()
        .await?
        .into_iter()
        .filter(|o| !retired.contains(&o.tenant_id))
        .map(|o| LedgerOrganisation {
            name: o
                .name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| o.tenant_id.clone()),
            tenant_id: o.tenant_id,
            base_currency: o.base_currency,
            iana_timezone: o
                .timezone
                .as_deref()
                .and_then(ledgerkeep_domain::timezone::iana_timezone)
                .map(str::to_owned),
            timezone: o.timezone,
            period_lock_date: o.period_lock_date,
            last_synced_utc: o.last_synced_utc,
        })
        .collect())
}
