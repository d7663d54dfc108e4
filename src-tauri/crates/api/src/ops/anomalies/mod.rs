//! The anomalies found on the ledger after each sync: list them, and dismiss
//! one with a reason (audited). Detection itself runs in the sync engine, at
//! the end of every complete run.
//!
//! The store keeps what each rule found as facts; [`words`] turns them into
//! the title, the sentence and the record labels the UI shows. Findings
//! stored before the facts (schema 21) and not detected since keep the words
//! they were stored with.

pub mod words;

use ledgerkeep_domain::{Actor, EntityKind, Money};
use ledgerkeep_store::{DismissOutcome, Found, StoredFinding};
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext};

/// Which findings to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ListAnomaliesRequest {
    /// The organisation (Xero tenant id); all when absent.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// Also the dismissed and resolved ones.
    #[serde(default)]
    pub include_closed: bool,
}

/// A record a finding rests on, for the UI to open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AnomalyRecordView {
    pub entity: EntityKind,
    pub xero_id: String,
    pub label: String,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AnomalyView {
    pub id: u32,
    pub tenant_id: String,
    /// `duplicate_bill`, `bank_details_changed`, `backdated_entry`,
    /// `edit_after_lock`, `paid_twice`, `amount_outlier`, `round_amount`.
    pub rule: String,
    pub title: String,
    /// A sentence with the figures.
    pub explanation: String,
    pub records: Vec<AnomalyRecordView>,
    pub amount: Option<Money>,
    pub currency_code: Option<String>,
    /// UTC instants.
    pub first_seen_at: String,
    pub last_seen_at: String,
    pub resolved_at: Option<String>,
    pub dismissed_at: Option<String>,
    pub dismissed_by: Option<String>,
    pub dismissed_reason: Option<String>,
}

impl From<StoredFinding> for AnomalyView {
    fn from(s: StoredFinding) -> Self {
        let (dismissed_at, dismissed_by, dismissed_reason) = match s.dismissed {
            Some(d) => (Some(d.at), Some(d.by), Some(d.reason)),
            None => (None, None, None),
        };
        let worded = match &s.found {
            Found::Facts(facts) => words::word(facts),
            Found::Worded(w) => words::Worded {
                title: w.title.clone(),
                explanation: w.explanation.clone(),
                records: w
                    .records
                    .iter()
                    .map(|r| AnomalyRecordView {
                        entity: r.entity,
                        xero_id: r.xero_id.clone(),
                        label: r.label.clone(),
                    })
                    .collect(),
            },
        };
        AnomalyView {
            id: u32::try_from(s.id).unwrap_or(u32::MAX),
            tenant_id: s.tenant_id,
            rule: s.rule.as_str().to_owned(),
            title: worded.title,
            explanation: worded.explanation,
            records: worded.records,
            amount: s.amount.map(Money::new),
            currency_code: s.currency_code,
            first_seen_at: s.first_seen_at,
            last_seen_at: s.last_seen_at,
            resolved_at: s.resolved_at,
            dismissed_at,
            dismissed_by,
            dismissed_reason,
        }
    }
}

/// The findings, newest first: the open ones, or all.
#[tracing::instrument(name = "op", skip_all, fields(op = "list_anomalies", request_id = %crate::request_id()))]
pub async fn list_anomalies(
    ctx: &AppContext,
    req: ListAnomaliesRequest,
) -> Result<Vec<AnomalyView>, ApiError> {
    let tenant = req
        .tenant_id
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let found = ctx
        .store()
        .anomaly_findings(tenant, req.include_closed)
        .await?;
    Ok(found.into_iter().map(AnomalyView::from).collect())
}

/// Dismiss a finding, saying why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DismissAnomalyRequest {
    pub id: u32,
    pub reason: String,
}

impl DismissAnomalyRequest {
    /// The trimmed reason: required, at most 1,000 characters.
    pub fn validate(&self) -> Result<&str, ApiError> {
        let reason = self.reason.trim();
        if reason.is_empty() {
            return Err(ApiError::invalid(
                "reason: say why this finding can be dismissed.",
            ));
        }
        let max = ledgerkeep_store::anomalies::MAX_REASON_CHARS;
        if reason.chars().count() > max {
            return Err(ApiError::invalid(format!(
                "reason: keep it to {max} characters."
            )));
        }
        Ok(reason)
    }
}

/// Dismisses a finding with the owner's reason. The dismissal goes into the
/// audit trail, and the finding stays dismissed when detected again.
#[tracing::instrument(name = "op", skip_all, fields(op = "dismiss_anomaly", request_id = %crate::request_id()))]
pub async fn dismiss_anomaly(
    ctx: &AppContext,
    req: DismissAnomalyRequest,
) -> Result<AnomalyView, ApiError> {
    let reason = req.validate()?;
    match ctx
        .store()
        .dismiss_finding(
            i64::from(req.id),
            reason,
            &Actor::user("dismiss_anomaly"),
            ctx.config().now(),
        )
        .await?
    {
        DismissOutcome::Dismissed(f) => Ok(f.into()),
        DismissOutcome::AlreadyDismissed(_) => {
            Err(ApiError::invalid("This finding was already dismissed."))
        }
        DismissOutcome::NotFound => Err(ApiError::invalid("There is no such finding.")),
    }
}
