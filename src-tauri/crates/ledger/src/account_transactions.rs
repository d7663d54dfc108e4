//! One account's lines over a period with a running balance, as Xero's
//! Account Transactions report shows them (the general ledger's view of an
//! account).
//!
//! # Rules
//!
//! - **Opening balance.** A balance-sheet account's (or an account of no
//!   known class) is every line before the period; a profit-and-loss
//!   account's is its lines from the start of the financial year that holds
//!   the period's first day, as the trial balance reads it ([`opening_span`]).
//! - **Running balance.** The opening balance plus each line's net amount
//!   (base currency, debit positive), in the lines' order (date, entry,
//!   line). A profit-and-loss account starts again at zero on the first line
//!   of each later financial year, so the balance after the period's last
//!   line is the account's trial balance figure at the period's end.
//! - **Shown.** Debits and credits as positive amounts in their own columns.
//!   A balance is shown the way the statements show it: negated for the
//!   credit-balance classes (liabilities, equity, revenue), so a normal
//!   balance is positive; never a negative zero.
//! - **Exact.** Every sum is checked; past a decimal's range the answer is a
//!   [`StatementOverflow`], never a wrong balance.

use chrono::NaiveDate;
use ledgerkeep_domain::reports::{financial_year_start, AccountClass};
use rust_decimal::Decimal;

use crate::statements::{shown, Span, StatementOverflow, YearEnd};

/// The span of the ledger whose lines make an account's balance before
/// `from`; `None` when no line counts (a profit-and-loss account's period
/// starting on its financial year's first day, or `from` the first day a
/// date can be).
pub fn opening_span(
    class: Option<AccountClass>,
    from: NaiveDate,
    year_end: YearEnd,
) -> Option<Span> {
    let to = from.pred_opt()?;
    if class.is_some_and(AccountClass::is_profit_and_loss) {
        let start = financial_year_start(from, year_end.day, year_end.month);
        (start < from).then_some(Span {
            from: Some(start),
            to,
        })
    } else {
        Some(Span { from: None, to })
    }
}

/// Where a running balance stands: what a page of lines hands to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BalanceState {
    /// Debit positive.
    pub balance: Decimal,
    /// The first day of the financial year the balance is in.
    pub year_start: NaiveDate,
}

/// One line with the balance after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunningLine {
    /// The line's amount if a debit, else zero.
    pub debit: Decimal,
    /// The line's amount as a positive number if a credit, else zero.
    pub credit: Decimal,
    /// The balance after the line, debit positive.
    pub balance: Decimal,
    /// [`RunningLine::balance`] as the account's class shows it.
    pub shown: Decimal,
    /// The line is the first of a later financial year, and the
    /// profit-and-loss account's balance started again at zero before it.
    pub year_restarted: bool,
}

/// An account's running balance, line by line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunningBalance {
    class: Option<AccountClass>,
    year_end: YearEnd,
    state: BalanceState,
}

impl RunningBalance {
    /// Starts at the period's first day `from` with the opening balance
    /// (debit positive: the lines of [`opening_span`] summed).
    pub fn start(
        class: Option<AccountClass>,
        year_end: YearEnd,
        from: NaiveDate,
        opening: Decimal,
    ) -> RunningBalance {
        RunningBalance {
            class,
            year_end,
            state: BalanceState {
                balance: opening,
                year_start: financial_year_start(from, year_end.day, year_end.month),
            },
        }
    }

    /// Carries on from where an earlier page stopped.
    pub fn resume(
        class: Option<AccountClass>,
        year_end: YearEnd,
        state: BalanceState,
    ) -> RunningBalance {
        RunningBalance {
            class,
            year_end,
            state,
        }
    }

    pub fn state(&self) -> BalanceState {
        self.state
    }

    /// Whether the account's balances are shown negated (a credit balance
    /// shown positive).
    pub fn negated(&self) -> bool {
        self.class.is_some_and(AccountClass::shown_negated)
    }

    /// The balance so far as the account's class shows it.
    pub fn shown(&self) -> Decimal {
        shown(self.state.balance, self.negated())
    }

    /// The balance as at `to`, after every line up to it has been posted,
    /// debit positive: a profit-and-loss account's is zero when `to` is in a
    /// later financial year than its last line.
    pub fn closing(&self, to: NaiveDate) -> Decimal {
        if self.class.is_some_and(AccountClass::is_profit_and_loss)
            && financial_year_start(to, self.year_end.day, self.year_end.month)
                > self.state.year_start
        {
            Decimal::ZERO
        } else {
            self.state.balance
        }
    }

    /// [`RunningBalance::closing`] as the account's class shows it.
    pub fn closing_shown(&self, to: NaiveDate) -> Decimal {
        shown(self.closing(to), self.negated())
    }

    /// Adds one line (`net`, debit positive, dated `date`; lines come in
    /// their order).
    pub fn post(
        &mut self,
        date: NaiveDate,
        net: Decimal,
    ) -> Result<RunningLine, StatementOverflow> {
        let mut year_restarted = false;
        if self.class.is_some_and(AccountClass::is_profit_and_loss) {
            let year = financial_year_start(date, self.year_end.day, self.year_end.month);
            if year > self.state.year_start {
                self.state.year_start = year;
                self.state.balance = Decimal::ZERO;
                year_restarted = true;
            }
        }
        self.state.balance = self
            .state
            .balance
            .checked_add(net)
            .ok_or(StatementOverflow)?;
        let (debit, credit) = if net.is_sign_negative() {
            (Decimal::ZERO, -net)
        } else {
            (net, Decimal::ZERO)
        };
        Ok(RunningLine {
            debit,
            credit,
            balance: self.state.balance,
            shown: self.shown(),
            year_restarted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const JUNE: YearEnd = YearEnd { day: 30, month: 6 };

    #[test]
    fn the_opening_span_follows_the_class() {
        assert_eq!(
            opening_span(Some(AccountClass::Asset), d(2025, 3, 1), JUNE),
            Some(Span {
                from: None,
                to: d(2025, 2, 28)
            })
        );
        assert_eq!(
            opening_span(Some(AccountClass::Revenue), d(2025, 3, 1), JUNE),
            Some(Span {
                from: Some(d(2024, 7, 1)),
                to: d(2025, 2, 28)
            })
        );
        assert_eq!(
            opening_span(Some(AccountClass::Expense), d(2024, 7, 1), JUNE),
            None
        );
        assert_eq!(
            opening_span(None, d(2024, 7, 1), JUNE),
            Some(Span {
                from: None,
                to: d(2024, 6, 30)
            })
        );
    }

    #[test]
    fn a_revenue_account_starts_again_each_year_and_shows_credits_positive() {
        let mut r = RunningBalance::start(
            Some(AccountClass::Revenue),
            JUNE,
            d(2025, 6, 1),
            Decimal::new(-10_000, 2),
        );
        assert_eq!(r.shown(), Decimal::new(10_000, 2));
        let a = r.post(d(2025, 6, 30), Decimal::new(-2_550, 2)).unwrap();
        assert_eq!(a.credit, Decimal::new(2_550, 2));
        assert_eq!(a.debit, Decimal::ZERO);
        assert_eq!(a.shown, Decimal::new(12_550, 2));
        assert!(!a.year_restarted);
        let b = r.post(d(2025, 7, 1), Decimal::new(500, 2)).unwrap();
        assert!(b.year_restarted);
        assert_eq!(b.balance, Decimal::new(500, 2));
        assert_eq!(b.shown, Decimal::new(-500, 2));
        assert_eq!(b.debit, Decimal::new(500, 2));
    }

    #[test]
    fn a_bank_account_runs_across_years() {
        let mut r =
            RunningBalance::start(Some(AccountClass::Asset), JUNE, d(2025, 6, 1), Decimal::ONE);
        let a = r.post(d(2025, 7, 1), Decimal::TWO).unwrap();
        assert!(!a.year_restarted);
        assert_eq!(a.shown, Decimal::new(3, 0));
    }

    #[test]
    fn an_overflow_is_an_error() {
        let mut r = RunningBalance::start(None, JUNE, d(2025, 6, 1), Decimal::MAX);
        assert_eq!(r.post(d(2025, 6, 2), Decimal::ONE), Err(StatementOverflow));
    }

    #[test]
    fn a_zero_is_never_shown_negative() {
        let mut r = RunningBalance::start(
            Some(AccountClass::Liability),
            JUNE,
            d(2025, 6, 1),
            Decimal::ZERO,
        );
        let a = r.post(d(2025, 6, 2), Decimal::ZERO).unwrap();
        assert!(!a.shown.is_sign_negative());
    }
}
