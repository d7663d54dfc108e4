//! What a sync tells the fronts while it runs, and what it did when it ends.

use serde::{Deserialize, Serialize};

/// One progress update: after every page, and when a stream starts or ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    pub tenant: String,
    /// The stream being pulled (`Invoices`), as Xero names the endpoint.
    pub stream: String,
    /// Records received so far in this run (all streams).
    pub records: u64,
    /// Pages (calls answered) so far in this run.
    pub pages: u64,
    /// Share of the tenant's per-minute budget used in the last minute, 0 to 100.
    pub rate_limit_used_pct: u32,
    /// Estimated seconds left, from the records Xero says remain and the
    /// per-minute limit; `None` before anything is known.
    pub eta_seconds: Option<u64>,
}

/// How a stream ended in one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StreamStatus {
    /// Pulled to the end.
    Done,
    /// The plan or the granted scopes refuse it (401/403): skipped, not an error.
    Skipped,
    /// Not reached: the run stopped first.
    NotRun,
    /// The run stopped in this stream (its committed pages are kept).
    Failed,
}

/// Why Xero does not serve a stream to this sign-in (it answered 401
/// `AuthorizationUnsuccessful`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RefusalReason {
    /// The Xero app's plan does not open it (Journals below Advanced).
    Plan,
    /// The sign-in was not granted its scope.
    Scope,
}

impl RefusalReason {
    /// Why Xero refuses `stream`: Journals is a matter of plan, anything else
    /// of the scopes granted at sign-in.
    pub fn of_stream(stream: &str) -> RefusalReason {
        if stream.eq_ignore_ascii_case("Journals") {
            RefusalReason::Plan
        } else {
            RefusalReason::Scope
        }
    }

    /// A sentence for the owner.
    pub fn describe(self, stream: &str) -> String {
        match self {
            RefusalReason::Plan => format!("{stream}: not available on this Xero plan."),
            RefusalReason::Scope => {
                format!("{stream}: not granted at sign-in. Sign in to Xero again to allow it.")
            }
        }
    }
}

/// One stream's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamReport {
    pub stream: String,
    pub status: StreamStatus,
    /// Whether this run read the whole stream (a full sweep) rather than the changes.
    pub full: bool,
    pub calls: u64,
    pub records_seen: u64,
    pub inserted: u64,
    pub updated: u64,
    pub watermark: Option<String>,
    pub detail: Option<String>,
    /// Skipped because Xero does not serve it to this sign-in (now, or as
    /// recorded by an earlier run under the same sign-in).
    #[serde(default)]
    pub refused: Option<RefusalReason>,
}

/// Why a run stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StopReason {
    Cancelled,
    /// The sign-in must be renewed (`invalid_grant`): a notification asks for it.
    NeedsReauthorisation,
    /// The tenant is no longer connected.
    Disconnected,
    /// The day's budget (or, for background work, all but its reserve) is spent.
    DailyLimit,
    /// Xero could not be reached or kept failing after retries.
    Network,
    /// Xero sent something that could not be read, or refused the call.
    Xero,
    /// The ledger could not be written.
    Storage,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    pub run_id: String,
    pub tenant: String,
    pub streams: Vec<StreamReport>,
    /// Calls for the books and Xero's reports (the attachments job, which
    /// runs after the sync, counts its own).
    pub calls: u64,
    pub pages: u64,
    pub records_seen: u64,
    pub records_changed: u64,
    /// `None` when every stream was done or skipped.
    pub stopped: Option<StopReason>,
    pub error: Option<String>,
    /// Anomalies found for the first time by the detection that follows a
    /// complete run (`None` when it did not run or failed).
    #[serde(default)]
    pub new_findings: Option<u64>,
    /// Xero's own reports fetched and stored after the run (0 when none were due).
    #[serde(default)]
    pub xero_reports: u64,
    /// A first sync that this run did not finish: the calls it still needs
    /// and the further days they take within Xero's daily limit (`None`
    /// when no first sync is under way, or this run finished it).
    #[serde(default)]
    pub first_sync: Option<crate::first_sync::FirstSyncEstimate>,
}

impl SyncReport {
    pub fn succeeded(&self) -> bool {
        self.stopped.is_none()
    }
}
