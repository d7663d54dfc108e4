//! Keeps the general ledger's entries for what Xero's API cannot show
//! (`ledgerkeep_ledger::not_visible`: payroll, depreciation, revaluation,
//! opening balances), made from the trial balances the sync stored, after
//! each rebuild and each new trial balance. Reads facts from the store, runs
//! the pure rule, writes its lines back; an error leaves the ledger as it was.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use ledgerkeep_domain::reports::AccountClass;
use ledgerkeep_domain::xero::AccountType;
use ledgerkeep_domain::xero_report::{parse_report, FigureKey, XeroReportKind};
use ledgerkeep_ledger::{not_visible, year_start_for, AccountFacts, Month, TrialBalanceAt};
use ledgerkeep_store::not_visible::NotVisibleRow;
use ledgerkeep_store::{LedgerStore, StoreError};
use rust_decimal::Decimal;

fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// Each account's figure on Xero's stored trial balance as at `to`, by id
/// in lower case; `None` when it is not stored or does not read.
async fn trial_balance(store: &LedgerStore, tenant: &str, to: &str) -> Option<TrialBalanceAt> {
    let stored = store
        .xero_report(tenant, XeroReportKind::TrialBalance, None, to)
        .await
        .ok()??;
    let json: serde_json::Value = serde_json::from_str(&stored.report_json).ok()?;
    let report = parse_report(XeroReportKind::TrialBalance, &json).ok()?;
    let accounts = report
        .figures
        .into_iter()
        .filter_map(|(k, f)| match k {
            FigureKey::Account(id) => Some((id, f.amount)),
            _ => None,
        })
        .collect();
    Some(TrialBalanceAt {
        date: day(to)?,
        accounts,
    })
}

/// Makes the organisation's entries for what the API cannot show again;
/// the number of lines kept.
pub async fn explain_not_visible(store: &LedgerStore, tenant: &str) -> Result<usize, StoreError> {
    let Some(earliest) = store
        .earliest_ledger_day(tenant)
        .await?
        .as_deref()
        .and_then(day)
    else {
        return Ok(0);
    };
    let org = store.reporting_organisation(tenant).await?;
    let (end_day, end_month) = org
        .map(|o| {
            (
                o.financial_year_end_day.unwrap_or(31),
                o.financial_year_end_month.unwrap_or(12),
            )
        })
        .unwrap_or((31, 12));
    let opening_day = earliest.pred_opt();
    let mut opening = None;
    let mut month_ends = Vec::new();
    for info in store.xero_reports(tenant).await? {
        if info.kind != XeroReportKind::TrialBalance || info.from.is_some() {
            continue;
        }
        let Some(date) = day(&info.to) else { continue };
        let month_end = date.succ_opt().is_some_and(|d| d.day() == 1);
        if Some(date) == opening_day {
            opening = trial_balance(store, tenant, &info.to).await;
        } else if month_end && date >= earliest {
            if let Some(tb) = trial_balance(store, tenant, &info.to).await {
                month_ends.push(tb);
            }
        }
    }
    let chart = store.posting_chart(tenant).await?;
    let used = store.accounts_with_documents(tenant).await?;
    let mut accounts: BTreeMap<String, AccountFacts> = BTreeMap::new();
    let mut named = BTreeMap::new();
    for a in &chart {
        let facts = AccountFacts {
            account_type: a.account_type.as_deref().map(AccountType::from),
            system_account: a.system_account.clone(),
            profit_and_loss: AccountClass::of(None, a.account_type.as_deref())
                .is_some_and(AccountClass::is_profit_and_loss),
            has_documents: used.contains(&a.xero_id),
        };
        let id = a.xero_id.to_ascii_lowercase();
        named.insert(id.clone(), a);
        accounts.insert(id, facts);
    }
    let explained: Vec<String> = chart
        .iter()
        .filter(|a| {
            ledgerkeep_ledger::kind_of(&accounts[&a.xero_id.to_ascii_lowercase()]).is_some()
        })
        .map(|a| a.xero_id.clone())
        .collect();
    let mut ledger: BTreeMap<(String, Month), Decimal> = BTreeMap::new();
    for ((account, month), amount) in store.document_movements_of(tenant, &explained).await? {
        let Some(m) = day(&format!("{month}-01")) else {
            continue;
        };
        let sum = ledger
            .entry((account.to_ascii_lowercase(), Month::of(m)))
            .or_default();
        *sum = sum.checked_add(amount).ok_or_else(|| {
            StoreError::Invalid("an account's movement is too large to add up".to_owned())
        })?;
    }
    let lines = not_visible(
        opening.as_ref(),
        &month_ends,
        &ledger,
        &accounts,
        year_start_for(end_day, end_month),
    )
    .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let rows: Vec<NotVisibleRow> = lines
        .iter()
        .map(|l| {
            let a = named.get(&l.account);
            NotVisibleRow {
                date: l.date.format("%Y-%m-%d").to_string(),
                account_xero_id: a.map_or_else(|| l.account.clone(), |a| a.xero_id.clone()),
                account_code: a.and_then(|a| a.code.clone()),
                account_type: a.and_then(|a| a.account_type.clone()),
                account_name: a.and_then(|a| a.name.clone()),
                kind: l.kind.as_str().to_owned(),
                amount: l.amount,
            }
        })
        .collect();
    store.replace_not_visible(tenant, &rows).await?;
    Ok(rows.len())
}
