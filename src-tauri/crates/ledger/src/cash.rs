//! The general ledger on the cash basis: what the profit and loss reads when
//! income and expenses count when they are paid, not when they are invoiced.
//!
//! [`cash_basis`] takes the rebuilt ledger's lines (what [`crate::post`]
//! gives every document) and every payment and allocation
//! ([`Settlement`]), and returns the lines as the cash basis dates them:
//!
//! - **Invoices, bills and credit notes** (sources `ACCREC`, `ACCPAY`,
//!   `ACCRECCREDIT`, `ACCPAYCREDIT`): the lines the document posts when it is
//!   issued (its line accounts, tax and rounding) count in proportion to each
//!   payment, refund or allocation that settles it, on that settlement's
//!   date: a share of `amount / total` of each line, the total and the
//!   amount in the document's currency. The shares are taken of the running
//!   total settled (`round(line × settled so far / total) - round(line ×
//!   settled before / total)`, in date order, then by the settlement's id),
//!   so a document settled in full, in any number of parts, counts exactly
//!   its accrual lines. What is never settled never counts. A credit note
//!   allocated to an invoice settles both: the invoice's lines and the
//!   credit note's (reversed) lines count on the allocation's date. The
//!   document's control-account lines, and the realised currency gain an
//!   allocation between a credit note and an invoice at different rates
//!   posts, are left out.
//! - **Everything else counts as posted**: payments (their realised currency
//!   gains), bank transactions (spend and receive money), overpayments,
//!   prepayments (their lines are cash when received, and an allocation that
//!   uses one up takes its lines back as the invoice it settles counts),
//!   transfers, manual journals (Xero's cash-basis reports include manual
//!   journals as posted: they have no payments to follow), and the lines
//!   kept from Xero's trial balances.
//! - **A manual journal left off cash-basis reports** (Xero's
//!   `ShowOnCashBasisReports` false) does not count at all
//!   ([`off_cash_basis`] takes its lines out).
//!
//! Pure, like the rest of the crate: the same lines and settlements always
//! give the same answer, and an overflow is a [`PostingError`].

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::{Decimal, RoundingStrategy};

use crate::context::Settlement;
use crate::error::PostingError;
use crate::model::{JournalLine, LineRole, SourceKind};

/// Whether a source's lines count when the document is settled (an invoice,
/// a bill or a credit note) rather than when they are posted.
pub fn counts_when_settled(kind: SourceKind) -> bool {
    matches!(
        kind,
        SourceKind::AccRec
            | SourceKind::AccPay
            | SourceKind::AccRecCredit
            | SourceKind::AccPayCredit
    )
}

/// `lines` without those of the manual journals the owner left off
/// cash-basis reports (their ids in `hidden`, any case).
pub fn off_cash_basis(lines: Vec<JournalLine>, hidden: &BTreeSet<String>) -> Vec<JournalLine> {
    if hidden.is_empty() {
        return lines;
    }
    lines
        .into_iter()
        .filter(|l| {
            l.source.kind != SourceKind::ManJournal
                || !hidden.contains(&l.source.document_id.to_ascii_lowercase())
        })
        .collect()
}

fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The share of `amount` that `settled` of `total` accounts for, rounded to
/// the cent; `None` on overflow.
fn share(amount: Decimal, settled: Decimal, total: Decimal) -> Option<Decimal> {
    if settled >= total {
        return Some(amount);
    }
    Some(round2(amount.checked_mul(settled)?.checked_div(total)?))
}

/// The rebuilt ledger's `lines` on the cash basis, given every payment and
/// allocation that settles a document (see the module's documentation).
/// The lines of a document that is not settled at all are left out; the
/// others keep their account, source, role and tracking, with the
/// settlement's date and their share of the amount (the foreign amount is
/// dropped: a share is in the base currency only).
pub fn cash_basis(
    lines: &[JournalLine],
    settlements: &[Settlement],
) -> Result<Vec<JournalLine>, PostingError> {
    let overflow = |id: &str| PostingError::Overflow {
        document: id.to_owned(),
    };
    let mut totals: BTreeMap<&str, Decimal> = BTreeMap::new();
    let mut issued: BTreeMap<&str, Vec<&JournalLine>> = BTreeMap::new();
    let mut out = Vec::new();
    for l in lines {
        if !counts_when_settled(l.source.kind) {
            out.push(l.clone());
            continue;
        }
        let id = l.source.document_id.as_str();
        match l.role {
            // The document's own control line says its total (an
            // allocation's control lines name the allocation).
            LineRole::Control if l.source.line_id.is_none() => {
                let own = l.foreign.as_ref().map_or(l.amount, |f| f.amount).abs();
                let t = totals.entry(id).or_default();
                *t = t.checked_add(own).ok_or_else(|| overflow(id))?;
            }
            LineRole::Item | LineRole::Tax => issued.entry(id).or_default().push(l),
            LineRole::Rounding if l.source.line_id.is_none() => {
                issued.entry(id).or_default().push(l)
            }
            _ => {}
        }
    }
    let mut by_document: BTreeMap<&str, Vec<&Settlement>> = BTreeMap::new();
    for s in settlements {
        by_document
            .entry(s.document_id.as_str())
            .or_default()
            .push(s);
    }
    for (id, document_lines) in issued {
        let total = totals.get(id).copied().unwrap_or_default();
        let Some(parts) = by_document.get_mut(id) else {
            continue;
        };
        if total <= Decimal::ZERO {
            continue;
        }
        parts.sort_by(|a, b| (a.date, &a.settlement_id).cmp(&(b.date, &b.settlement_id)));
        let mut before = Decimal::ZERO;
        for s in parts.iter() {
            let after = before.checked_add(s.amount).ok_or_else(|| overflow(id))?;
            for l in &document_lines {
                let piece = share(l.amount, after, total)
                    .zip(share(l.amount, before, total))
                    .and_then(|(a, b)| a.checked_sub(b))
                    .ok_or_else(|| overflow(id))?;
                if piece.is_zero() {
                    continue;
                }
                let mut counted = (*l).clone();
                counted.date = s.date;
                counted.amount = piece;
                counted.foreign = None;
                out.push(counted);
            }
            before = after;
            if before >= total {
                break;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountKey, Source};

    fn line(kind: SourceKind, id: &str, amount: i64) -> JournalLine {
        JournalLine {
            date: ledgerkeep_domain::XeroDate(
                chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default(),
            ),
            account: AccountKey {
                code: Some("429".into()),
                account_id: None,
            },
            amount: Decimal::new(amount, 2),
            foreign: None,
            tax_type: None,
            tracking: Vec::new(),
            source: Source {
                kind,
                document_id: id.into(),
                line_id: None,
            },
            role: LineRole::Item,
            description: None,
        }
    }

    #[test]
    fn only_the_manual_journals_left_off_cash_basis_lose_their_lines() {
        let lines = vec![
            line(SourceKind::ManJournal, "mj-AAA", 100),
            line(SourceKind::ManJournal, "mj-AAA", -100),
            line(SourceKind::ManJournal, "mj-bbb", 250),
            // Same id on another kind of source: not a manual journal.
            line(SourceKind::CashPaid, "mj-aaa", 75),
        ];
        let hidden: BTreeSet<String> = ["mj-aaa".to_owned()].into();
        let kept: Vec<(SourceKind, String)> = off_cash_basis(lines.clone(), &hidden)
            .into_iter()
            .map(|l| (l.source.kind, l.source.document_id))
            .collect();
        assert_eq!(
            kept,
            vec![
                (SourceKind::ManJournal, "mj-bbb".to_owned()),
                (SourceKind::CashPaid, "mj-aaa".to_owned()),
            ]
        );
        assert_eq!(off_cash_basis(lines.clone(), &BTreeSet::new()), lines);
    }
}
