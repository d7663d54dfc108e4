//! Xero's own reports, fetched at the end of a complete sync and stored, so
//! that the Reports screen can say whether the ledger's figures match Xero's.
//!
//! What: the profit and loss of this calendar month and of this financial
//! year, and the balance sheet and trial balance at the last month-end
//! (`ledgerkeep_domain::xero_report::reports_to_fetch`, on the clock's UTC
//! day): four calls. And the ledger's anchors
//! (`ledgerkeep_domain::xero_report::anchors_to_fetch`): Xero's trial balance
//! at each month-end of the last 24 months that the documents reach, and as
//! at the day before the earliest document (the opening balances), each
//! fetched once and kept, at most [`ANCHORS_PER_RUN`] a run, so that every
//! month-end's figures can be checked against Xero's.
//!
//! When (the budget): only after a run that stopped nowhere; the four when
//! one of their periods is not stored yet (the first sync, a new month)
//! or the stored ones are older than `SyncRequest::reports_every` (the
//! scheduler's default is 6 hours: at most about 16 calls a day per
//! organisation, under 2 % of the Starter tier's 1,000), the anchors while
//! any is missing. No call when less than a tenth of the tenant's daily
//! budget is left (as the limiter knows it),
//! so reports never compete with the sync for the end of the day; and a
//! background run still keeps off the limiter's reserve. So between two
//! fetches the ledger may move ahead of Xero's stored figures: the
//! comparison then lists the difference, with the time Xero's report was
//! fetched. A refusal, a failure or an unreadable report is logged and never
//! fails the sync; a report that does not parse is not stored.

use chrono::NaiveDate;
use ledgerkeep_domain::canonical_json;
use ledgerkeep_domain::xero_report::{
    anchors_to_fetch, parse_report, report_of, reports_to_fetch, ReportToFetch,
};
use ledgerkeep_xero::{ApiRequest, XeroError, XeroResponse};

use crate::engine::{RunState, SyncEngine, SyncRequest};

/// The most anchoring trial balances one run fetches: a first sync on the
/// Starter tier (1,000 calls a day) anchors its 24 months and the opening
/// balances over a day or two, never crowding out the books.
pub const ANCHORS_PER_RUN: usize = 13;

/// What the fetch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fetched {
    pub calls: u64,
    pub stored: u64,
}

/// The request for one report.
pub fn request_for(r: &ReportToFetch, priority: ledgerkeep_xero::Priority) -> ApiRequest {
    let ymd = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let mut req = ApiRequest::get(format!("Reports/{}", r.kind.report_type()));
    req.priority = priority;
    for (name, value) in r.kind.query() {
        req = req.query(name, *value);
    }
    match r.from {
        Some(from) => req = req.query("fromDate", ymd(from)).query("toDate", ymd(r.to)),
        None => req = req.query("date", ymd(r.to)),
    }
    if r.kind != ledgerkeep_domain::xero_report::XeroReportKind::TrialBalance {
        // Xero's own layout, not a layout the organisation customised.
        req = req.query("standardLayout", "true");
    }
    req
}

impl SyncEngine {
    /// The month-end and opening trial balances still to fetch (at most
    /// [`ANCHORS_PER_RUN`]), leaving out those stored and those `planned`.
    async fn anchors(
        &self,
        tenant: &str,
        today: NaiveDate,
        stored: &[ledgerkeep_store::XeroReportInfo],
        planned: &[ReportToFetch],
    ) -> Vec<ReportToFetch> {
        let earliest = match self.store().earliest_ledger_day(tenant).await {
            Ok(day) => day.and_then(|d| NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok()),
            Err(e) => {
                tracing::warn!(error = %e, "could not read where the ledger begins: no trial balances anchored");
                return Vec::new();
            }
        };
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let mut have: Vec<ReportToFetch> = stored
            .iter()
            .filter_map(|s| {
                Some(ReportToFetch {
                    kind: s.kind,
                    from: match &s.from {
                        Some(f) => Some(day(f)?),
                        None => None,
                    },
                    to: day(&s.to)?,
                })
            })
            .collect();
        have.extend_from_slice(planned);
        anchors_to_fetch(today, earliest, &have, ANCHORS_PER_RUN)
    }

    /// Fetches and stores Xero's reports for `st.tenant` when they are due.
    pub(crate) async fn fetch_reports(&self, st: &mut RunState<'_>, req: &SyncRequest) -> Fetched {
        let mut out = Fetched::default();
        let Some(every) = req.reports_every else {
            return out;
        };
        let tenant = st.tenant;
        let org = match self.store().reporting_organisation(tenant).await {
            Ok(Some(o)) => o,
            Ok(None) => return out,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the organisation: Xero's reports not fetched");
                return out;
            }
        };
        let now = self.now();
        let today = now.date_naive();
        let stored = self.store().xero_reports(tenant).await.unwrap_or_default();
        let ymd = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        let regular = reports_to_fetch(
            today,
            org.financial_year_end_day.unwrap_or(31),
            org.financial_year_end_month.unwrap_or(12),
        );
        let due = regular.iter().any(|p| {
            let have = stored
                .iter()
                .find(|s| s.kind == p.kind && s.from == p.from.map(ymd) && s.to == ymd(p.to));
            match have.and_then(|s| chrono::DateTime::parse_from_rfc3339(&s.fetched_utc).ok()) {
                Some(at) => now.signed_duration_since(at) >= every,
                None => true,
            }
        });
        let mut plan = if due { regular } else { Vec::new() };
        // Xero's budgets, on the same schedule as the regular reports (`budgets.rs`).
        if due {
            out.calls += self.fetch_budgets(st, req, today).await.calls;
            // The GST/BAS returns published since (`tax_returns.rs`).
            out.calls += self.fetch_tax_returns(st, req).await.calls;
        }
        plan.extend(self.anchors(tenant, today, &stored, &plan).await);
        if plan.is_empty() {
            return out;
        }
        let limiter = self.xero().client().limiter();
        let per_day = limiter.day_budget(tenant);
        for p in &plan {
            if limiter.day_left(tenant) < per_day / 10 {
                tracing::info!(
                    "less than a tenth of the day's Xero calls left: Xero's reports not fetched"
                );
                break;
            }
            if st.cancel.is_cancelled() {
                break;
            }
            let api = request_for(p, req.priority);
            let client = self.xero().client();
            st.busy = None;
            let answer: Option<Result<XeroResponse, XeroError>> = tokio::select! {
                biased;
                () = st.cancel.cancelled() => None,
                r = client.get(tenant, &api) => Some(r),
            };
            st.busy = self.time().sleeper.hold();
            let Some(answer) = answer else { break };
            self.note_call();
            out.calls += 1;
            let body = match answer {
                Ok(resp) => resp.body,
                Err(e) => {
                    // A refused report (plan, scopes) leaves the others to try;
                    // anything else (limits, network) ends the fetch.
                    let refused = matches!(
                        e,
                        XeroError::Status {
                            status: 401 | 403 | 404,
                            ..
                        } | XeroError::NotPermitted { .. }
                    );
                    tracing::warn!(report = %p.kind, error = %e, "Xero's report not fetched");
                    if refused {
                        continue;
                    }
                    break;
                }
            };
            if let Err(e) = parse_report(p.kind, &body) {
                tracing::warn!(report = %p.kind, error = %e, "Xero's report not stored");
                continue;
            }
            let Ok(report) = report_of(p.kind, &body) else {
                continue;
            };
            let from = p.from.map(ymd);
            match self
                .store()
                .save_xero_report(
                    tenant,
                    p.kind,
                    from.as_deref(),
                    &ymd(p.to),
                    &canonical_json(report),
                    now,
                )
                .await
            {
                Ok(()) => out.stored += 1,
                Err(e) => tracing::warn!(report = %p.kind, error = %e, "Xero's report not stored"),
            }
        }
        tracing::info!(
            calls = out.calls,
            stored = out.stored,
            "Xero's reports fetched"
        );
        out
    }
}
