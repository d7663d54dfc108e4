//! The period close's automated checks: the facts of a period in, a verdict
//! with its reasons out. The words are the front's (`ledgerkeep-api` writes
//! each [`CloseFinding`] as a sentence); the ledger's reads are the store's.
//!
//! - **Unreconciled bank lines**: passes when no bank line dated up to the
//!   period's end is unreconciled.
//! - **Stale drafts**: passes when no draft invoice or bill is dated on or
//!   before [`stale_draft_cutoff`] (`days` before the period's end, 1 to 365,
//!   14 when not given).
//! - **Suspense at zero**: passes when every suspense or clearing account's
//!   ([`is_suspense_account`]) balance at the period's end
//!   ([`account_balance`]) is exactly zero ([`suspense_off`]); with no
//!   such account there is nothing to clear, and it passes.
//! - **Bank accounts synced**: passes when every active bank account's
//!   transactions last synced after the period ended, that is at or after the
//!   start of the next day, UTC ([`bank_accounts_behind`]).
//! - **Period locked**: passes when the later of Xero's period lock date and
//!   end-of-year lock date is on or after the period's end ([`lock_state`]).
//! - **Closed-period edits**: passes when no record dated in a signed-off
//!   period changed after its sign-off.

use chrono::{DateTime, Days, NaiveDate, Utc};
use rust_decimal::Decimal;

/// What a check found, as figures: whether it passes follows from them
/// ([`CloseFinding::passes`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseFinding {
    /// `unreconciled` bank lines dated up to `up_to`.
    BankLines {
        unreconciled: usize,
        up_to: NaiveDate,
    },
    /// `count` drafts more than `days` old at `at`.
    StaleDrafts {
        count: usize,
        days: u32,
        at: NaiveDate,
    },
    /// The chart has no suspense or clearing account.
    NoSuspenseAccount,
    /// Of `accounts` suspense and clearing accounts, those at the positions
    /// `off` are not at zero at `at`.
    Suspense {
        accounts: usize,
        off: Vec<usize>,
        at: NaiveDate,
    },
    /// Of `accounts` bank accounts, those at the positions `behind` last
    /// synced before the period ended (`ended`, its last day).
    BankSync {
        accounts: usize,
        behind: Vec<usize>,
        ended: NaiveDate,
    },
    /// Xero's latest lock date, if any, against the period's last day.
    Lock {
        locked_to: Option<NaiveDate>,
        period_end: NaiveDate,
    },
    /// `changes` to records of signed-off periods since their sign-off, in
    /// the periods named.
    ClosedPeriodEdits {
        changes: usize,
        periods: Vec<String>,
    },
}

impl CloseFinding {
    /// Whether the check passes.
    pub fn passes(&self) -> bool {
        match self {
            CloseFinding::BankLines { unreconciled, .. } => *unreconciled == 0,
            CloseFinding::StaleDrafts { count, .. } => *count == 0,
            CloseFinding::NoSuspenseAccount => true,
            CloseFinding::Suspense { off, .. } => off.is_empty(),
            CloseFinding::BankSync { behind, .. } => behind.is_empty(),
            CloseFinding::Lock {
                locked_to,
                period_end,
            } => locked_to.is_some_and(|d| d >= *period_end),
            CloseFinding::ClosedPeriodEdits { changes, .. } => *changes == 0,
        }
    }
}

/// The default age of a stale draft, in days.
pub const STALE_DRAFT_DAYS: u32 = 14;

/// How old a draft may be (`days`, 1 to 365, [`STALE_DRAFT_DAYS`] when not
/// given or not a number of days), and the last date a stale one bears.
pub fn stale_draft_cutoff(period_end: NaiveDate, days: Option<i64>) -> (u32, NaiveDate) {
    let days = days
        .map(|d| d.clamp(1, 365))
        .and_then(|d| u32::try_from(d).ok())
        .unwrap_or(STALE_DRAFT_DAYS);
    let cutoff = period_end
        .checked_sub_days(Days::new(u64::from(days)))
        .unwrap_or(period_end);
    (days, cutoff)
}

/// Whether an account is a suspense or clearing account, by its name (any
/// case): the accounts the "suspense at zero" check reads.
pub fn is_suspense_account(name: &str) -> bool {
    let name = name.to_lowercase();
    name.contains("suspense") || name.contains("clearing")
}

/// An account's balance from its ledger lines (debit positive); `None` past
/// a decimal's range.
pub fn account_balance(lines: impl IntoIterator<Item = Decimal>) -> Option<Decimal> {
    lines
        .into_iter()
        .try_fold(Decimal::ZERO, |sum, d| sum.checked_add(d))
}

/// The suspense and clearing accounts not at zero: the positions in
/// `balances` of those whose balance is not exactly zero.
pub fn suspense_off(balances: &[Decimal]) -> Vec<usize> {
    balances
        .iter()
        .enumerate()
        .filter(|(_, b)| !b.is_zero())
        .map(|(i, _)| i)
        .collect()
}

/// The bank accounts whose transactions last synced before the period ended
/// (before the start of the day after `period_end`, UTC), or never: their
/// positions in `last_synced`.
pub fn bank_accounts_behind(
    last_synced: &[Option<DateTime<Utc>>],
    period_end: NaiveDate,
) -> Vec<usize> {
    let after = period_end
        .succ_opt()
        .unwrap_or(period_end)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    last_synced
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none_or(|s| s < after))
        .map(|(i, _)| i)
        .collect()
}

/// The period's lock: the later of Xero's two lock dates.
pub fn lock_state(
    period_lock: Option<NaiveDate>,
    year_end_lock: Option<NaiveDate>,
    period_end: NaiveDate,
) -> CloseFinding {
    CloseFinding::Lock {
        locked_to: period_lock.max(year_end_lock),
        period_end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn a_stale_draft_is_older_than_the_days_given_clamped_to_a_year() {
        let end = d("2026-06-30");
        assert_eq!(stale_draft_cutoff(end, None), (14, d("2026-06-16")));
        assert_eq!(stale_draft_cutoff(end, Some(30)), (30, d("2026-05-31")));
        assert_eq!(stale_draft_cutoff(end, Some(0)), (1, d("2026-06-29")));
        assert_eq!(stale_draft_cutoff(end, Some(-5)), (1, d("2026-06-29")));
        assert_eq!(stale_draft_cutoff(end, Some(9_999)), (365, d("2025-06-30")));
    }

    #[test]
    fn only_an_exact_zero_is_a_cleared_suspense_account() {
        let balances = [
            Decimal::ZERO,
            Decimal::new(1, 4),
            Decimal::new(-25005, 2),
            Decimal::new(0, 2),
        ];
        assert_eq!(suspense_off(&balances), vec![1, 2]);
        assert!(suspense_off(&[]).is_empty());
        let f = CloseFinding::Suspense {
            accounts: 4,
            off: suspense_off(&balances),
            at: d("2026-06-30"),
        };
        assert!(!f.passes());
        assert!(CloseFinding::NoSuspenseAccount.passes());
    }

    #[test]
    fn a_bank_account_synced_before_the_next_day_began_is_behind() {
        let at = |y, m, day, h, min| Some(Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap());
        let synced = [
            at(2026, 7, 1, 0, 0),    // the first instant after June: synced since
            at(2026, 6, 30, 23, 59), // the period's last minute: behind
            None,                    // never synced: behind
            at(2026, 8, 2, 9, 0),
        ];
        assert_eq!(bank_accounts_behind(&synced, d("2026-06-30")), vec![1, 2]);
        assert_eq!(
            bank_accounts_behind(&synced, d("2026-07-31")),
            vec![0, 1, 2]
        );
    }

    #[test]
    fn the_later_lock_date_counts_and_must_reach_the_periods_end() {
        let end = d("2026-06-30");
        let verdict = |p: Option<&str>, y: Option<&str>| {
            let f = lock_state(p.map(d), y.map(d), end);
            let CloseFinding::Lock { locked_to, .. } = &f else {
                unreachable!()
            };
            (*locked_to, f.passes())
        };
        assert_eq!(verdict(None, None), (None, false));
        assert_eq!(verdict(Some("2026-06-30"), None), (Some(end), true));
        assert_eq!(
            verdict(Some("2026-05-31"), Some("2026-03-31")),
            (Some(d("2026-05-31")), false)
        );
        assert_eq!(
            verdict(Some("2026-05-31"), Some("2026-07-31")),
            (Some(d("2026-07-31")), true)
        );
    }

    #[test]
    fn counts_decide_the_other_checks() {
        let at = d("2026-06-30");
        assert!(CloseFinding::BankLines {
            unreconciled: 0,
            up_to: at
        }
        .passes());
        assert!(!CloseFinding::BankLines {
            unreconciled: 1,
            up_to: at
        }
        .passes());
        assert!(!CloseFinding::StaleDrafts {
            count: 2,
            days: 14,
            at
        }
        .passes());
        assert!(CloseFinding::ClosedPeriodEdits {
            changes: 0,
            periods: vec![]
        }
        .passes());
        assert!(!CloseFinding::BankSync {
            accounts: 2,
            behind: vec![0],
            ended: at
        }
        .passes());
    }

    #[test]
    fn suspense_accounts_are_named_so_and_balances_are_checked_sums() {
        assert!(is_suspense_account("Suspense"));
        assert!(is_suspense_account("Stripe CLEARING account"));
        assert!(!is_suspense_account("Sales"));
        let lines = [
            Decimal::new(1050, 2),
            Decimal::new(-1050, 2),
            Decimal::new(1, 4),
        ];
        assert_eq!(account_balance(lines), Some(Decimal::new(1, 4)));
        assert_eq!(account_balance([Decimal::MAX, Decimal::ONE]), None);
    }
}
