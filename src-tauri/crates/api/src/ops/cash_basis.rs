//! The profit and loss's figures on the cash basis: the rebuilt ledger's
//! lines and the payments and allocations, as the store keeps them, dated
//! by the pure rule `ledgerkeep_ledger::cash_basis`, then summed per account
//! and period as the accrual report sums the ledger.

use std::collections::BTreeMap;

use ledgerkeep_domain::reports::AccountClass;
use ledgerkeep_domain::XeroDate;
use ledgerkeep_ledger::statements::{self, AccountHead, Span};
use ledgerkeep_ledger::{
    cash_basis, off_cash_basis, AccountKey, ForeignAmount, JournalLine, LineRole, Settlement,
    Source, SourceKind,
};
use ledgerkeep_store::general_ledger::GlLine;
use ledgerkeep_store::reports::{AccountInfo, AccountMovement};
use rust_decimal::Decimal;

use crate::{ApiError, AppContext};

/// An account's code, name and type as a line names it.
type Named = (Option<String>, Option<String>, Option<String>);

fn day(text: &str) -> Option<XeroDate> {
    XeroDate::parse(text).ok()
}

/// A kept line as the rule reads it; `None` for a line with no document
/// kind the rule knows (the entries kept from Xero's trial balances for
/// what the API cannot show), which counts as posted.
fn journal_line(l: &GlLine) -> Option<JournalLine> {
    Some(JournalLine {
        date: day(&l.date)?,
        account: AccountKey {
            code: l.account_code.clone(),
            account_id: l.account_xero_id.clone(),
        },
        amount: l.net.as_decimal(),
        foreign: l.foreign_amount.map(|m| ForeignAmount {
            currency: l.currency_code.clone().unwrap_or_default(),
            amount: m.as_decimal(),
        }),
        tax_type: l.tax_type.clone(),
        tracking: Vec::new(),
        source: Source {
            kind: SourceKind::parse(&l.source_type)?,
            document_id: l.source_xero_id.clone(),
            line_id: l.line_xero_id.clone(),
        },
        role: LineRole::parse(&l.role)?,
        description: None,
    })
}

/// How the reports key an account: its Xero id, else its code.
fn key_of(account: &AccountKey) -> String {
    account
        .account_id
        .clone()
        .or_else(|| account.code.clone())
        .unwrap_or_default()
}

/// Each span's movement per account on the cash basis, shaped as
/// `LedgerStore::account_movements` shapes the accrual ones: the core dates
/// the lines ([`cash_basis`]) and sums them ([`statements::movements`]).
pub(crate) async fn cash_movements(
    ctx: &AppContext,
    tenant: &str,
    spans: &[Span],
) -> Result<Vec<BTreeMap<String, AccountMovement>>, ApiError> {
    let Some(latest) = spans.iter().map(|s| s.to).max() else {
        return Ok(Vec::new());
    };
    let store = ctx.store();
    let kept = store
        .general_ledger_lines_to(tenant, &latest.format("%Y-%m-%d").to_string())
        .await?;
    let settlements: Vec<Settlement> = store
        .settlements(tenant)
        .await?
        .into_iter()
        .filter_map(|(document_id, settlement_id, date, amount)| {
            Some(Settlement {
                document_id,
                settlement_id,
                date: day(&date)?,
                amount: amount.as_decimal(),
            })
        })
        .collect();
    let chart: BTreeMap<String, AccountInfo> = store
        .chart_of_accounts(tenant)
        .await?
        .into_iter()
        .map(|a| (a.key.clone(), a))
        .collect();
    // What each key is named and typed as on the lines, for an account the
    // chart does not hold.
    let mut named: BTreeMap<String, Named> = BTreeMap::new();
    let mut lines = Vec::with_capacity(kept.len());
    let mut posted: Vec<(XeroDate, String, Decimal)> = Vec::new();
    for l in &kept {
        let key = l
            .account_xero_id
            .clone()
            .or_else(|| l.account_code.clone())
            .unwrap_or_default();
        named.entry(key.clone()).or_insert_with(|| {
            (
                l.account_code.clone(),
                l.account_name.clone(),
                l.account_type.clone(),
            )
        });
        match journal_line(l) {
            Some(j) => lines.push(j),
            None => {
                if let Some(d) = day(&l.date) {
                    posted.push((d, key, l.net.as_decimal()));
                }
            }
        }
    }
    let off_cash = store.manual_journals_off_cash_basis(tenant).await?;
    let lines = off_cash_basis(lines, &off_cash);
    let counted = cash_basis(&lines, &settlements)
        .map_err(|e| ApiError::internal(format!("The cash basis could not be worked out: {e}")))?;
    let all = counted
        .iter()
        .map(|l| (l.date, key_of(&l.account), l.amount))
        .chain(posted)
        .map(|(date, key, amount)| (date.0, key, amount));
    statements::movements(all, spans, |key| {
        let info = chart.get(key);
        let (code, name, ty) = named.get(key).cloned().unwrap_or_default();
        AccountHead {
            code: info.and_then(|a| a.code.clone()).or(code),
            name: info.and_then(|a| a.name.clone()).or(name),
            class: info
                .and_then(|a| a.class)
                .or_else(|| ty.as_deref().and_then(AccountClass::from_xero_type)),
            account_type: info.and_then(|a| a.account_type.clone()).or(ty),
        }
    })
    .map_err(|_| ApiError::internal("A cash-basis figure is out of range."))
}
