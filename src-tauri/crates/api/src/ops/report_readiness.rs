//! A report that explains itself when a stream it is made from is refused
//! by Xero (plan or scope) or has never synced: a note for the owner, the
//! same facts machine-readable in `incomplete`, and no figures at all when
//! there is nothing to show (empty sections, not zeros that look like
//! data). Which streams each report needs is `ledgerkeep_domain::report_needs`.

use ledgerkeep_domain::report_needs::{readiness, GapReason, ReportSource, StreamState};
use ledgerkeep_domain::EntityKind;
use ledgerkeep_sync::RefusalReason;
use serde::{Deserialize, Serialize};

use crate::ops::reports::{ReportKind, ReportView};
use crate::{ApiError, AppContext};

/// Why a stream a report needs is not in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum IncompleteReason {
    /// Xero does not serve it on the Xero app's plan.
    NotOnPlan,
    /// Its scope was not granted at sign-in: signing in again asks for it.
    NotGranted,
    /// No sync has read it yet.
    NotSynced,
}

/// A stream a report is made from that the ledger does not have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IncompleteStreamView {
    /// As Xero names the endpoint (`BankTransactions`).
    pub stream: String,
    pub reason: IncompleteReason,
    /// A sentence for the owner.
    pub message: String,
}

fn source_of(kind: ReportKind) -> ReportSource {
    match kind {
        ReportKind::ProfitAndLoss
        | ReportKind::BalanceSheet
        | ReportKind::TrialBalance
        | ReportKind::CashSummary => ReportSource::GeneralLedger,
        ReportKind::AgedReceivables | ReportKind::AgedPayables => ReportSource::Outstanding,
    }
}

/// How the owner reads a stream's name (`BankTransactions`: bank transactions).
fn spoken(kind: EntityKind) -> String {
    let mut out = String::new();
    for (i, c) in kind.stream().chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn message(kind: EntityKind, reason: IncompleteReason) -> String {
    let what = spoken(kind);
    match reason {
        IncompleteReason::NotOnPlan => format!(
            "Xero does not serve {what} on this Xero app's plan: this report leaves them out."
        ),
        IncompleteReason::NotGranted => format!(
            "Xero refused {what}: reading them was not granted at sign-in. This report leaves them out; sign in to Xero again to allow it."
        ),
        IncompleteReason::NotSynced => {
            format!("The {what} have not been synced yet: this report leaves them out until they are.")
        }
    }
}

/// Adds to `view` what it is missing for `tenant`: a note per missing
/// stream, `incomplete`, and, when it has nothing to show, no figures.
pub(crate) async fn explain(
    ctx: &AppContext,
    tenant: &str,
    view: &mut ReportView,
) -> Result<(), ApiError> {
    let store = ctx.store();
    let states = store.streams(tenant).await?;
    let refused = ledgerkeep_sync::refused_streams(store, tenant).await;
    let state_of = |kind: EntityKind| {
        let name = kind.stream();
        if let Some(r) = refused.iter().find(|r| r.stream.eq_ignore_ascii_case(name)) {
            return match r.reason {
                RefusalReason::Plan => StreamState::RefusedByPlan,
                RefusalReason::Scope => StreamState::RefusedScope,
            };
        }
        // A stream has synced once a page of it committed (its watermark) or
        // a whole read of it ended (an empty stream has no watermark).
        let synced = states.iter().any(|s| {
            s.stream == name && (s.watermark_utc.is_some() || s.last_full_sweep_utc.is_some())
        });
        if synced {
            StreamState::Synced
        } else {
            StreamState::NeverSynced
        }
    };
    let r = readiness(source_of(view.kind), state_of);
    for gap in &r.gaps {
        let reason = match gap.reason {
            GapReason::NotOnPlan => IncompleteReason::NotOnPlan,
            GapReason::ScopeNotGranted => IncompleteReason::NotGranted,
            GapReason::NeverSynced => IncompleteReason::NotSynced,
        };
        let message = message(gap.stream, reason);
        view.notes.push(message.clone());
        view.incomplete.push(IncompleteStreamView {
            stream: gap.stream.stream().to_owned(),
            reason,
            message,
        });
    }
    if r.figures_withheld {
        view.sections.clear();
        view.summary.clear();
        view.notes.insert(
            0,
            "No figures are shown: the records this report is made from are not in the ledger yet (see below).".to_owned(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names_are_spoken_in_lower_case_words() {
        assert_eq!(spoken(EntityKind::BankTransaction), "bank transactions");
        assert_eq!(spoken(EntityKind::Invoice), "invoices");
        assert!(
            message(EntityKind::CreditNote, IncompleteReason::NotGranted).contains("credit notes")
        );
    }
}
