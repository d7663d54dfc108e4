//! Which of Xero's streams each report is made from, and what a report is
//! missing when one of them is refused or has never synced. No I/O: each
//! stream's state in, the gaps (and whether the report has figures to show
//! at all) out. The reports need no Journals: the general ledger is rebuilt
//! from the documents, which every Xero plan serves.

use crate::EntityKind;

/// Where a report's figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportSource {
    /// The general ledger rebuilt from the documents: profit and loss,
    /// balance sheet, trial balance and cash summary.
    GeneralLedger,
    /// The outstanding invoices and bills and what settles them: aged
    /// receivables and payables.
    Outstanding,
}

/// The streams the general ledger is rebuilt from (every document that
/// posts, and the chart of accounts).
pub const GENERAL_LEDGER_STREAMS: [EntityKind; 9] = [
    EntityKind::Invoice,
    EntityKind::CreditNote,
    EntityKind::Payment,
    EntityKind::BankTransaction,
    EntityKind::ManualJournal,
    EntityKind::Overpayment,
    EntityKind::Prepayment,
    EntityKind::BankTransfer,
    EntityKind::Account,
];

/// The streams the aged reports read: what is owed, what settles it, and
/// whom it is owed by or to.
pub const OUTSTANDING_STREAMS: [EntityKind; 6] = [
    EntityKind::Invoice,
    EntityKind::CreditNote,
    EntityKind::Payment,
    EntityKind::Overpayment,
    EntityKind::Prepayment,
    EntityKind::Contact,
];

impl ReportSource {
    /// Every stream the report's figures are made from.
    pub fn needs(self) -> &'static [EntityKind] {
        match self {
            ReportSource::GeneralLedger => &GENERAL_LEDGER_STREAMS,
            ReportSource::Outstanding => &OUTSTANDING_STREAMS,
        }
    }

    /// The streams without which the report has no figure worth showing:
    /// the chart (no account, no line of the general ledger has a place),
    /// the invoices and bills (nothing can be outstanding without them).
    fn essential(self) -> &'static [EntityKind] {
        match self {
            ReportSource::GeneralLedger => &[EntityKind::Account],
            ReportSource::Outstanding => &[EntityKind::Invoice],
        }
    }
}

/// What the ledger knows of one stream of one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamState {
    /// At least one sync read it (its records, however few, are in the ledger).
    Synced,
    /// No sync has read it yet.
    NeverSynced,
    /// Xero refuses it to the sign-in: not on the Xero app's plan.
    RefusedByPlan,
    /// Xero refuses it to the sign-in: its scope was not granted.
    RefusedScope,
}

/// Why a stream a report needs is missing from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapReason {
    NotOnPlan,
    ScopeNotGranted,
    NeverSynced,
}

/// A stream a report needs and does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    pub stream: EntityKind,
    pub reason: GapReason,
}

/// What a report is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// Each needed stream that is refused or has never synced, in the order
    /// of [`ReportSource::needs`].
    pub gaps: Vec<Gap>,
    /// The report has nothing to show: an essential stream is missing, or no
    /// document it is made from has synced. Its figures would be zeros that
    /// look like data.
    pub figures_withheld: bool,
}

impl Readiness {
    /// Every needed stream is there.
    pub fn is_complete(&self) -> bool {
        self.gaps.is_empty()
    }
}

/// What `source` is missing, given each stream's state. A refusal wins over
/// records synced before it: the report can no longer be kept up to date.
pub fn readiness(source: ReportSource, state_of: impl Fn(EntityKind) -> StreamState) -> Readiness {
    let mut gaps = Vec::new();
    for &stream in source.needs() {
        let reason = match state_of(stream) {
            StreamState::Synced => continue,
            StreamState::NeverSynced => GapReason::NeverSynced,
            StreamState::RefusedByPlan => GapReason::NotOnPlan,
            StreamState::RefusedScope => GapReason::ScopeNotGranted,
        };
        gaps.push(Gap { stream, reason });
    }
    let missing = |k: EntityKind| gaps.iter().any(|g| g.stream == k);
    let essential_missing = source.essential().iter().any(|&k| missing(k));
    let any_document = source
        .needs()
        .iter()
        .filter(|&&k| !matches!(k, EntityKind::Account | EntityKind::Contact))
        .any(|&k| !missing(k));
    Readiness {
        figures_withheld: essential_missing || !any_document,
        gaps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(state: StreamState) -> impl Fn(EntityKind) -> StreamState {
        move |_| state
    }

    #[test]
    fn no_report_needs_journals() {
        for s in [ReportSource::GeneralLedger, ReportSource::Outstanding] {
            assert!(!s.needs().contains(&EntityKind::Journal));
            let r = readiness(s, |k| {
                if k == EntityKind::Journal {
                    StreamState::RefusedByPlan
                } else {
                    StreamState::Synced
                }
            });
            assert!(r.is_complete(), "{s:?}: {r:?}");
            assert!(!r.figures_withheld);
        }
    }

    #[test]
    fn a_refused_stream_is_a_gap_with_its_reason_and_the_rest_still_shows() {
        let r = readiness(ReportSource::GeneralLedger, |k| match k {
            EntityKind::BankTransaction | EntityKind::BankTransfer => StreamState::RefusedScope,
            _ => StreamState::Synced,
        });
        assert_eq!(
            r.gaps,
            vec![
                Gap {
                    stream: EntityKind::BankTransaction,
                    reason: GapReason::ScopeNotGranted
                },
                Gap {
                    stream: EntityKind::BankTransfer,
                    reason: GapReason::ScopeNotGranted
                },
            ]
        );
        assert!(!r.figures_withheld);
    }

    #[test]
    fn nothing_synced_withholds_the_figures() {
        for s in [ReportSource::GeneralLedger, ReportSource::Outstanding] {
            let r = readiness(s, all(StreamState::NeverSynced));
            assert_eq!(r.gaps.len(), s.needs().len());
            assert!(r.gaps.iter().all(|g| g.reason == GapReason::NeverSynced));
            assert!(r.figures_withheld);
        }
    }

    #[test]
    fn reference_data_alone_is_not_enough_to_show_figures() {
        // The chart and the contacts synced, no document: zeros would look like data.
        for s in [ReportSource::GeneralLedger, ReportSource::Outstanding] {
            let r = readiness(s, |k| match k {
                EntityKind::Account | EntityKind::Contact => StreamState::Synced,
                _ => StreamState::NeverSynced,
            });
            assert!(r.figures_withheld, "{s:?}");
        }
    }

    #[test]
    fn an_essential_stream_missing_withholds_the_figures() {
        let r = readiness(ReportSource::Outstanding, |k| match k {
            EntityKind::Invoice => StreamState::RefusedScope,
            _ => StreamState::Synced,
        });
        assert!(r.figures_withheld);
        let r = readiness(ReportSource::GeneralLedger, |k| match k {
            EntityKind::Account => StreamState::NeverSynced,
            _ => StreamState::Synced,
        });
        assert!(r.figures_withheld);
        // A document stream that is not essential leaves the rest to show.
        let r = readiness(ReportSource::Outstanding, |k| match k {
            EntityKind::Prepayment => StreamState::NeverSynced,
            _ => StreamState::Synced,
        });
        assert!(!r.figures_withheld);
        assert_eq!(r.gaps.len(), 1);
    }
}
