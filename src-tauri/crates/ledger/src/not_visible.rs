//! What Xero's general ledger holds and the Accounting API cannot show, read
//! from Xero's own trial balances so that the rebuilt ledger's totals still
//! equal Xero's.
//!
//! The documents the API serves post most of an organisation's ledger, but
//! not all of it: Xero Payroll's pay runs, fixed-asset depreciation, the
//! month-end revaluation of foreign-currency balances, and the conversion
//! balances an organisation started with have no document behind them (on a
//! tier without Journals, nothing shows them at all). Xero's trial balance
//! does: [`not_visible`] takes the trial balances the sync stored (each
//! month-end's, and the opening day's before the first document) and the
//! rebuilt ledger's own movements, and returns the lines that make up the
//! difference, each with its [`NotVisibleKind`] and date, to be kept in the
//! ledger as their own explained entries.
//!
//! # The rule
//!
//! - **Opening balances.** Xero's trial balance as at the day before the
//!   first document: every account's balance there is a conversion balance
//!   (the ledger holds nothing earlier), dated that day.
//! - **At each month-end with Xero's trial balance**, only for accounts whose
//!   postings the API cannot show ([`kind_of`]: payroll's wages and
//!   liabilities, fixed assets and depreciation, unrealised currency gains,
//!   and an account no document posts to):
//!   Xero's figure less the ledger's (its movements and the lines explained
//!   before), dated that month-end. Xero's trial balance shows an income or
//!   expense account's financial year to date and any other account's
//!   balance, and the ledger is summed the same way.
//! - **Every other account's difference is a real one**: it is never
//!   explained away here, and the comparison with Xero's reports names it.
//! - Between two stored trial balances nothing is known: what payroll posted
//!   in a month without one is explained at the next month-end that has one.
//!   Where that reaches back into a year with no stored trial balance, a
//!   balance sheet account's figure holds that year and an income or expense
//!   account's does not: the earlier years' share goes to retained earnings,
//!   as in Xero's ledger, so each month-end's lines still balance.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use ledgerkeep_domain::xero::AccountType;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::balances::{BalanceOverflow, Month};

/// Why a part of Xero's ledger is not visible through the Accounting API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NotVisibleKind {
    /// Balances before the first document: the conversion balances.
    Opening,
    /// Xero Payroll's pay runs and payments.
    Payroll,
    /// Fixed assets and their depreciation.
    Depreciation,
    /// Month-end revaluation of foreign-currency balances.
    Revaluation,
    /// An account no document posts to (Xero Payroll's wages expense,
    /// another app's journals...), whose figures only Xero's reports show.
    NoDocument,
}

impl NotVisibleKind {
    /// The name Ledgerkeep stores it under (`opening`, `payroll`...).
    pub fn as_str(self) -> &'static str {
        match self {
            NotVisibleKind::Opening => "opening",
            NotVisibleKind::Payroll => "payroll",
            NotVisibleKind::Depreciation => "depreciation",
            NotVisibleKind::Revaluation => "revaluation",
            NotVisibleKind::NoDocument => "noDocument",
        }
    }

    pub fn parse(s: &str) -> Option<NotVisibleKind> {
        [
            NotVisibleKind::Opening,
            NotVisibleKind::Payroll,
            NotVisibleKind::Depreciation,
            NotVisibleKind::Revaluation,
            NotVisibleKind::NoDocument,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// An account as Xero's chart describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountFacts {
    /// Xero's `Type` (`WAGESEXPENSE`, `FIXED`...).
    pub account_type: Option<AccountType>,
    /// Xero's `SystemAccount` (`WAGEPAYABLES`, `UNREALISEDCURRENCYGAIN`...).
    pub system_account: Option<String>,
    /// An income or expense account: its trial balance figure is the
    /// financial year to date.
    pub profit_and_loss: bool,
    /// Whether any document in the ledger posts to it.
    pub has_documents: bool,
}

/// The kind of posting the API cannot show that an account receives, if
/// any: by Xero's account `Type` and `SystemAccount` (payroll's wages,
/// superannuation and PAYG types and wages payable; fixed assets and
/// depreciation; unrealised currency gains), else [`NotVisibleKind::NoDocument`]
/// for an account that no document posts to and whose figures the reports
/// do not make themselves (not a bank account, not another system account
/// such as retained earnings, which holds the earlier years' profit).
pub fn kind_of(account: &AccountFacts) -> Option<NotVisibleKind> {
    let system = account.system_account.as_deref().unwrap_or("");
    let kind = account.account_type.as_ref();
    if matches!(system, "WAGEPAYABLES")
        || matches!(
            kind,
            Some(
                AccountType::WagesExpense
                    | AccountType::SuperannuationExpense
                    | AccountType::SuperannuationLiability
                    | AccountType::PaygLiability
                    | AccountType::Payg
            )
        )
    {
        Some(NotVisibleKind::Payroll)
    } else if matches!(kind, Some(AccountType::Fixed | AccountType::Depreciatn)) {
        Some(NotVisibleKind::Depreciation)
    } else if system == "UNREALISEDCURRENCYGAIN" {
        Some(NotVisibleKind::Revaluation)
    } else if !account.has_documents && system.is_empty() && kind != Some(&AccountType::Bank) {
        Some(NotVisibleKind::NoDocument)
    } else {
        None
    }
}

/// Xero's trial balance at a date: each account's figure as one net, debit
/// positive, by account id in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialBalanceAt {
    pub date: NaiveDate,
    pub accounts: BTreeMap<String, Decimal>,
}

/// One line of what the API cannot show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotVisibleLine {
    pub date: NaiveDate,
    /// The account's id, in lower case.
    pub account: String,
    pub kind: NotVisibleKind,
    /// Debit positive, in the base currency.
    pub amount: Decimal,
}

/// The lines that explain what the API cannot show: see the module's rule.
/// `opening` is Xero's trial balance as at the day before the first
/// document; `month_ends` the others, in any order; `ledger` the rebuilt
/// ledger's movement per account (id in lower case) and month, without any
/// line this function made; `accounts` the chart; `year_start` the first
/// day of the financial year a date is in. The lines come out by date, then
/// account.
pub fn not_visible(
    opening: Option<&TrialBalanceAt>,
    month_ends: &[TrialBalanceAt],
    ledger: &BTreeMap<(String, Month), Decimal>,
    accounts: &BTreeMap<String, AccountFacts>,
    year_start: impl Fn(NaiveDate) -> NaiveDate,
) -> Result<Vec<NotVisibleLine>, BalanceOverflow> {
    let overflow = |account: &str| BalanceOverflow(format!("the account {account}"));
    let mut out: Vec<NotVisibleLine> = Vec::new();
    if let Some(o) = opening {
        for (account, amount) in &o.accounts {
            if !amount.is_zero() {
                out.push(NotVisibleLine {
                    date: o.date,
                    account: account.clone(),
                    kind: NotVisibleKind::Opening,
                    amount: *amount,
                });
            }
        }
    }
    let mut anchors: Vec<&TrialBalanceAt> = month_ends
        .iter()
        .filter(|a| opening.is_none_or(|o| a.date > o.date))
        .collect();
    anchors.sort_by_key(|a| a.date);
    anchors.dedup_by_key(|a| a.date);
    let explained: Vec<(&String, NotVisibleKind)> = accounts
        .iter()
        .filter_map(|(id, facts)| Some((id, kind_of(facts)?)))
        .collect();
    let retained = accounts
        .iter()
        .find(|(_, f)| f.system_account.as_deref() == Some("RETAINEDEARNINGS"))
        .map(|(id, _)| id.clone());
    for anchor in anchors {
        let first = out.len();
        let to = Month::of(anchor.date);
        for (account, kind) in &explained {
            let pl = accounts.get(*account).is_some_and(|f| f.profit_and_loss);
            let from = pl.then(|| year_start(anchor.date));
            let mut ours = Decimal::ZERO;
            let lower = (
                (*account).clone(),
                Month::of(from.unwrap_or(NaiveDate::MIN)),
            );
            for (_, amount) in ledger.range(lower..=((*account).clone(), to)) {
                ours = ours.checked_add(*amount).ok_or_else(|| overflow(account))?;
            }
            for l in out.iter().filter(|l| {
                &l.account == *account && l.date <= anchor.date && from.is_none_or(|f| l.date >= f)
            }) {
                ours = ours
                    .checked_add(l.amount)
                    .ok_or_else(|| overflow(account))?;
            }
            let xero = anchor
                .accounts
                .get(*account)
                .copied()
                .unwrap_or(Decimal::ZERO);
            let difference = xero.checked_sub(ours).ok_or_else(|| overflow(account))?;
            if !difference.is_zero() {
                out.push(NotVisibleLine {
                    date: anchor.date,
                    account: (*account).clone(),
                    kind: *kind,
                    amount: difference,
                });
            }
        }
        // What does not balance is an earlier year's share, where no trial
        // balance of that year is stored: a balance sheet account's figure
        // holds every year, an income or expense account's only this one.
        // It sits in retained earnings, as Xero's does.
        let made = &out[first..];
        let mut net = Decimal::ZERO;
        for l in made {
            net = net
                .checked_add(l.amount)
                .ok_or_else(|| overflow(&l.account))?;
        }
        if let (false, Some(retained)) = (net.is_zero(), &retained) {
            let kind = match made.first().map(|l| l.kind) {
                Some(k) if made.iter().all(|l| l.kind == k) => k,
                _ => NotVisibleKind::NoDocument,
            };
            out.push(NotVisibleLine {
                date: anchor.date,
                account: retained.clone(),
                kind,
                amount: -net,
            });
        }
    }
    out.sort_by(|a, b| (a.date, &a.account).cmp(&(b.date, &b.account)));
    Ok(out)
}

/// The first day of the financial year that `date` is in, for a year ending
/// on `end_day`/`end_month` (Xero's `FinancialYearEndDay` and `...Month`).
pub fn year_start_for(end_day: u32, end_month: u32) -> impl Fn(NaiveDate) -> NaiveDate {
    move |date| ledgerkeep_domain::reports::financial_year_start(date, end_day, end_month)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn facts(t: &str, system: Option<&str>, pl: bool) -> AccountFacts {
        AccountFacts {
            account_type: Some(t.into()),
            system_account: system.map(str::to_owned),
            profit_and_loss: pl,
            has_documents: true,
        }
    }

    fn chart() -> BTreeMap<String, AccountFacts> {
        BTreeMap::from([
            ("wages".to_owned(), facts("WAGESEXPENSE", None, true)),
            (
                "payable".to_owned(),
                facts("CURRLIAB", Some("WAGEPAYABLES"), false),
            ),
            ("sales".to_owned(), facts("REVENUE", None, true)),
            ("bank".to_owned(), facts("BANK", None, false)),
        ])
    }

    fn tb(date: NaiveDate, figures: &[(&str, &str)]) -> TrialBalanceAt {
        TrialBalanceAt {
            date,
            accounts: figures
                .iter()
                .map(|(a, v)| ((*a).to_owned(), dec(v)))
                .collect(),
        }
    }

    /// A year to 31 March.
    fn year_start(d: NaiveDate) -> NaiveDate {
        let y = if d.month() >= 4 {
            d.year()
        } else {
            d.year() - 1
        };
        day(y, 4, 1)
    }

    #[test]
    fn the_kinds_follow_xeros_account_types_and_system_accounts() {
        assert_eq!(
            kind_of(&facts("WAGESEXPENSE", None, true)),
            Some(NotVisibleKind::Payroll)
        );
        assert_eq!(
            kind_of(&facts("CURRLIAB", Some("WAGEPAYABLES"), false)),
            Some(NotVisibleKind::Payroll)
        );
        assert_eq!(
            kind_of(&facts("DEPRECIATN", None, true)),
            Some(NotVisibleKind::Depreciation)
        );
        assert_eq!(
            kind_of(&facts("CURRENT", Some("UNREALISEDCURRENCYGAIN"), false)),
            Some(NotVisibleKind::Revaluation)
        );
        assert_eq!(kind_of(&facts("REVENUE", None, true)), None);
        assert_eq!(kind_of(&facts("BANK", None, false)), None);
        let unused = |t: &str, system: Option<&str>| AccountFacts {
            has_documents: false,
            ..facts(t, system, false)
        };
        assert_eq!(
            kind_of(&unused("OVERHEADS", None)),
            Some(NotVisibleKind::NoDocument)
        );
        assert_eq!(kind_of(&unused("EQUITY", Some("RETAINEDEARNINGS"))), None);
        assert_eq!(kind_of(&unused("BANK", None)), None);
        for k in [
            NotVisibleKind::Opening,
            NotVisibleKind::Payroll,
            NotVisibleKind::Depreciation,
            NotVisibleKind::Revaluation,
            NotVisibleKind::NoDocument,
        ] {
            assert_eq!(NotVisibleKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn pay_runs_are_explained_month_by_month_and_across_a_year_end() {
        // Xero: 100 of wages in February, 150 in March (year end), 70 in April.
        let anchors = [
            tb(day(2026, 4, 30), &[("wages", "70"), ("payable", "-320")]),
            tb(day(2026, 2, 28), &[("wages", "100"), ("payable", "-100")]),
            tb(day(2026, 3, 31), &[("wages", "250"), ("payable", "-250")]),
        ];
        let out = not_visible(None, &anchors, &BTreeMap::new(), &chart(), year_start).unwrap();
        let got: Vec<(NaiveDate, &str, Decimal)> = out
            .iter()
            .map(|l| (l.date, l.account.as_str(), l.amount))
            .collect();
        assert_eq!(
            got,
            vec![
                (day(2026, 2, 28), "payable", dec("-100")),
                (day(2026, 2, 28), "wages", dec("100")),
                (day(2026, 3, 31), "payable", dec("-150")),
                (day(2026, 3, 31), "wages", dec("150")),
                (day(2026, 4, 30), "payable", dec("-70")),
                (day(2026, 4, 30), "wages", dec("70")),
            ]
        );
        assert!(out.iter().all(|l| l.kind == NotVisibleKind::Payroll));
        // Each month-end's lines balance, as the pay runs did.
        for d in [day(2026, 2, 28), day(2026, 3, 31), day(2026, 4, 30)] {
            let net: Decimal = out.iter().filter(|l| l.date == d).map(|l| l.amount).sum();
            assert_eq!(net, Decimal::ZERO);
        }
    }

    #[test]
    fn what_the_documents_post_is_not_explained_again_and_other_accounts_never_are() {
        // The ledger already holds 30 of wages in March (a spend from the
        // bank to the wages account) and sales Xero has more of.
        let ledger = BTreeMap::from([
            (("wages".to_owned(), Month::of(day(2026, 3, 5))), dec("30")),
            (
                ("sales".to_owned(), Month::of(day(2026, 3, 5))),
                dec("-500"),
            ),
            (("bank".to_owned(), Month::of(day(2026, 3, 5))), dec("470")),
        ]);
        let anchors = [tb(
            day(2026, 3, 31),
            &[
                ("wages", "130"),
                ("payable", "-100"),
                ("sales", "-600"),
                ("bank", "570"),
            ],
        )];
        let out = not_visible(None, &anchors, &ledger, &chart(), year_start).unwrap();
        let got: Vec<(&str, Decimal)> =
            out.iter().map(|l| (l.account.as_str(), l.amount)).collect();
        assert_eq!(got, vec![("payable", dec("-100")), ("wages", dec("100"))]);
    }

    #[test]
    fn opening_balances_are_every_account_before_the_first_document() {
        let opening = tb(
            day(2025, 6, 30),
            &[("bank", "1000"), ("sales", "-1000"), ("payable", "0")],
        );
        let anchors = [tb(
            day(2025, 7, 31),
            &[("bank", "1000"), ("sales", "-1000")],
        )];
        let out = not_visible(
            Some(&opening),
            &anchors,
            &BTreeMap::new(),
            &chart(),
            year_start,
        )
        .unwrap();
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(out
            .iter()
            .all(|l| l.kind == NotVisibleKind::Opening && l.date == day(2025, 6, 30)));
    }

    #[test]
    fn a_year_with_no_trial_balance_leaves_its_share_in_retained_earnings() {
        let mut chart = chart();
        chart.insert(
            "retained".to_owned(),
            facts("EQUITY", Some("RETAINEDEARNINGS"), false),
        );
        // Only April's trial balance: the 250 of wages owed include 180 from
        // the year to March, which April's wages year to date do not.
        let anchors = [tb(
            day(2026, 4, 30),
            &[("wages", "70"), ("payable", "-250")],
        )];
        let out = not_visible(None, &anchors, &BTreeMap::new(), &chart, year_start).unwrap();
        let got: Vec<(&str, Decimal)> =
            out.iter().map(|l| (l.account.as_str(), l.amount)).collect();
        assert_eq!(
            got,
            vec![
                ("payable", dec("-250")),
                ("retained", dec("180")),
                ("wages", dec("70"))
            ]
        );
        assert_eq!(out.iter().map(|l| l.amount).sum::<Decimal>(), Decimal::ZERO);
        // With March's too, nothing is left for retained earnings.
        let both = [
            anchors[0].clone(),
            tb(day(2026, 3, 31), &[("wages", "180"), ("payable", "-180")]),
        ];
        let out = not_visible(None, &both, &BTreeMap::new(), &chart, year_start).unwrap();
        assert!(out.iter().all(|l| l.account != "retained"), "{out:?}");
    }
}
