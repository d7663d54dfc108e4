//! Journal lines summed per account, and per account per month: exact and
//! checked, for the reports and for comparing with Xero's Journals.

use std::collections::BTreeMap;

use chrono::Datelike;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::{AccountKey, JournalLine};

/// The debits, credits and net (debits less credits) of some lines, in the
/// base currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sums {
    pub debits: Decimal,
    /// A positive number.
    pub credits: Decimal,
    pub net: Decimal,
}

impl Sums {
    /// Adds one amount (debit positive); `None` on overflow.
    pub fn add(&mut self, amount: Decimal) -> Option<()> {
        if amount > Decimal::ZERO {
            self.debits = self.debits.checked_add(amount)?;
        } else {
            self.credits = self.credits.checked_sub(amount)?;
        }
        self.net = self.net.checked_add(amount)?;
        Some(())
    }
}

/// Sums too large for a Decimal: no total is given rather than a wrong one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("The ledger's amounts for {0} are too large to add up exactly.")]
pub struct BalanceOverflow(pub String);

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Month {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

impl Month {
    /// The month `date` is in.
    pub fn of(date: chrono::NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }
}

/// Lines summed by any key: `key` names the group of each line.
pub fn sum_by<'a, K: Ord + std::fmt::Debug>(
    lines: impl IntoIterator<Item = &'a JournalLine>,
    key: impl Fn(&JournalLine) -> K,
) -> Result<BTreeMap<K, Sums>, BalanceOverflow> {
    let mut out: BTreeMap<K, Sums> = BTreeMap::new();
    for line in lines {
        let k = key(line);
        let sums = out.entry(k).or_default();
        if sums.add(line.amount).is_none() {
            return Err(BalanceOverflow(line.account.to_string()));
        }
    }
    Ok(out)
}

/// The trial balance: each account's sums over `lines`. The nets of a
/// ledger of balanced postings sum to zero.
pub fn trial_balance<'a>(
    lines: impl IntoIterator<Item = &'a JournalLine>,
) -> Result<BTreeMap<AccountKey, Sums>, BalanceOverflow> {
    sum_by(lines, |l| l.account.clone())
}

/// Each account's sums per calendar month of the lines' dates: the grain at
/// which the rebuilt ledger is compared with Xero's Journals.
pub fn monthly_balances<'a>(
    lines: impl IntoIterator<Item = &'a JournalLine>,
) -> Result<BTreeMap<(AccountKey, Month), Sums>, BalanceOverflow> {
    sum_by(lines, |l| {
        let d = l.date.date();
        (
            l.account.clone(),
            Month {
                year: d.year(),
                month: d.month(),
            },
        )
    })
}
