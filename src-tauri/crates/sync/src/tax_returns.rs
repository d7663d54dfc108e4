//! The GST/BAS returns the organisation published in Xero, fetched with
//! Xero's reports at the end of a complete sync (`reports.rs`, when its
//! regular reports are due) and kept in the ledger
//! (`ledgerkeep_store::tax_returns`), so that the tax summary of a return's
//! period can be set against it offline.
//!
//! Calls: `GET Reports` (one: the published reports), then `GET
//! Reports/{ReportID}` for each GST/BAS return not stored yet (one each). A
//! published return does not change, so a stored one is never fetched
//! again. Like the reports, no call while less than a tenth of the day's
//! budget is left. A sign-in without `accounting.reports.taxreports.read`
//! (Xero answers 401 or 403), a country with no such return (an empty list)
//! or a return that does not parse (logged, not stored) fetches or fails
//! nothing else.

use ledgerkeep_domain::canonical_json;
use ledgerkeep_store::tax_returns::TaxReturnInfo;
use ledgerkeep_xero::tax_return::{parse_tax_return, published_reports, report_object};
use ledgerkeep_xero::ApiRequest;

use crate::engine::{RunState, SyncEngine, SyncRequest};

/// What the fetch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaxReturnsFetched {
    pub calls: u64,
    /// Returns fetched and stored.
    pub stored: u64,
}

impl SyncEngine {
    /// Fetches and keeps the returns published since the last fetch (see
    /// the module).
    pub(crate) async fn fetch_tax_returns(
        &self,
        st: &mut RunState<'_>,
        req: &SyncRequest,
    ) -> TaxReturnsFetched {
        let mut out = TaxReturnsFetched::default();
        let stored = match self.store().tax_returns(st.tenant).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the stored tax returns: none fetched");
                return out;
            }
        };
        let mut list = ApiRequest::get("Reports");
        list.priority = req.priority;
        let Some(body) = self
            .side_call(st, &list, &mut out.calls, "Xero's published tax returns")
            .await
        else {
            return out;
        };
        let listed = match published_reports(&body) {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "Xero's list of published reports not read");
                return out;
            }
        };
        for r in listed.iter().filter(|r| r.is_tax_return()) {
            if stored
                .iter()
                .any(|s| s.report_id.eq_ignore_ascii_case(&r.report_id))
            {
                continue;
            }
            let mut one = ApiRequest::get(format!("Reports/{}", r.report_id));
            one.priority = req.priority;
            let Some(body) = self
                .side_call(st, &one, &mut out.calls, "Xero's published tax returns")
                .await
            else {
                break;
            };
            let parsed = match parse_tax_return(&body) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "a published tax return from Xero not stored");
                    continue;
                }
            };
            let Some(report) = report_object(&body) else {
                continue;
            };
            let info = TaxReturnInfo {
                report_id: parsed.report_id.clone(),
                report_type: parsed.report_type.clone(),
                name: parsed.name.clone(),
                from: parsed.from.format("%Y-%m-%d").to_string(),
                to: parsed.to.format("%Y-%m-%d").to_string(),
                fetched_utc: String::new(),
            };
            match self
                .store()
                .save_tax_return(st.tenant, &info, &canonical_json(report), self.now())
                .await
            {
                Ok(()) => out.stored += 1,
                Err(e) => tracing::warn!(error = %e, "a published tax return not stored"),
            }
        }
        tracing::info!(
            calls = out.calls,
            stored = out.stored,
            "Xero's published tax returns fetched"
        );
        out
    }
}
