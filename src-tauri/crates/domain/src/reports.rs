//! The rules the financial reports are built on: which class an account
//! belongs to, where a financial year starts, and the ageing buckets of
//! receivables and payables. No I/O.
//!
//! Journal amounts follow Xero's sign: a positive `NetAmount` is a debit, a
//! negative one a credit. Assets and expenses carry debit balances, so they
//! are shown as the net; liabilities, equity and revenue carry credit
//! balances, so they are shown negated.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::xero::{AccountClassCode, AccountType};

/// The five classes of the chart of accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AccountClass {
    Asset,
    Liability,
    Equity,
    Revenue,
    Expense,
}

impl AccountClass {
    /// Xero's `Class` (`ASSET`, `EQUITY`, `EXPENSE`, `LIABILITY`, `REVENUE`;
    /// any case).
    pub fn from_xero_class(class: &str) -> Option<AccountClass> {
        AccountClass::of_class(&AccountClassCode::from(class).folded())
    }

    /// The class Xero's `Class` code names (`None` for a code it does not know).
    pub fn of_class(class: &AccountClassCode) -> Option<AccountClass> {
        match class {
            AccountClassCode::Asset => Some(AccountClass::Asset),
            AccountClassCode::Liability => Some(AccountClass::Liability),
            AccountClassCode::Equity => Some(AccountClass::Equity),
            AccountClassCode::Revenue => Some(AccountClass::Revenue),
            AccountClassCode::Expense => Some(AccountClass::Expense),
            AccountClassCode::Other(_) => None,
        }
    }

    /// The class implied by Xero's account `Type` (used when the account's own
    /// record is missing: a journal line carries only the type; any case).
    pub fn from_xero_type(account_type: &str) -> Option<AccountClass> {
        AccountClass::of_type(&AccountType::from(account_type).folded())
    }

    /// The class an account `Type` implies (`None` for a type it does not know).
    pub fn of_type(account_type: &AccountType) -> Option<AccountClass> {
        use AccountType::*;
        match account_type {
            Bank | Current | Fixed | Inventory | NonCurrent | Prepayment => {
                Some(AccountClass::Asset)
            }
            CurrLiab | Liability | TermLiab | PaygLiability | SuperannuationLiability => {
                Some(AccountClass::Liability)
            }
            Equity => Some(AccountClass::Equity),
            Revenue | Sales | OtherIncome => Some(AccountClass::Revenue),
            Expense
            | DirectCosts
            | Overheads
            | Depreciatn
            | WagesExpense
            | SuperannuationExpense => Some(AccountClass::Expense),
            // PAYG: Australian withholding, a liability or an expense by the
            // organisation's chart; the type alone does not say.
            Payg | Other(_) => None,
        }
    }

    /// The account's class from its `Class`, else from its `Type`.
    pub fn of(class: Option<&str>, account_type: Option<&str>) -> Option<AccountClass> {
        class
            .and_then(AccountClass::from_xero_class)
            .or_else(|| account_type.and_then(AccountClass::from_xero_type))
    }

    /// Whether the account belongs to the profit and loss (its balance is
    /// closed into retained earnings at each year end).
    pub fn is_profit_and_loss(self) -> bool {
        matches!(self, AccountClass::Revenue | AccountClass::Expense)
    }

    /// Whether a report shows the account's balance negated (credit balances).
    pub fn shown_negated(self) -> bool {
        matches!(
            self,
            AccountClass::Liability | AccountClass::Equity | AccountClass::Revenue
        )
    }
}

/// The first day of the financial year that holds `date`, for a year ending on
/// `end_day`/`end_month` (Xero's `FinancialYearEndDay` and `...Month`). An end
/// day past the month's last day means its last day (29 February in a leap year).
pub fn financial_year_start(date: NaiveDate, end_day: u32, end_month: u32) -> NaiveDate {
    let end_month = end_month.clamp(1, 12);
    let end_in = |year: i32| -> NaiveDate {
        let mut day = end_day.clamp(1, 31);
        loop {
            if let Some(d) = NaiveDate::from_ymd_opt(year, end_month, day) {
                return d;
            }
            day -= 1;
        }
    };
    // The year end on or after `date`; the year starts the day after the one before it.
    let this_end = end_in(date.year());
    let previous_end = if date <= this_end {
        end_in(date.year() - 1)
    } else {
        this_end
    };
    previous_end.succ_opt().unwrap_or(previous_end)
}

/// The ageing buckets of an outstanding invoice or bill, by days past its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AgeBucket {
    /// Not yet due (or no due date).
    Current,
    Days1To30,
    Days31To60,
    Days61To90,
    Older,
}

impl AgeBucket {
    pub const ALL: [AgeBucket; 5] = [
        AgeBucket::Current,
        AgeBucket::Days1To30,
        AgeBucket::Days31To60,
        AgeBucket::Days61To90,
        AgeBucket::Older,
    ];

    /// The bucket of a document due on `due` (if known), as at `as_at`.
    pub fn of(due: Option<NaiveDate>, as_at: NaiveDate) -> AgeBucket {
        let Some(due) = due else {
            return AgeBucket::Current;
        };
        match (as_at - due).num_days() {
            d if d <= 0 => AgeBucket::Current,
            1..=30 => AgeBucket::Days1To30,
            31..=60 => AgeBucket::Days31To60,
            61..=90 => AgeBucket::Days61To90,
            _ => AgeBucket::Older,
        }
    }

    /// The range of due dates (inclusive; `None` = open) that fall in this
    /// bucket as at `as_at`.
    pub fn due_range(self, as_at: NaiveDate) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let days = |n: i64| as_at.checked_sub_signed(chrono::Duration::days(n));
        match self {
            AgeBucket::Current => (Some(as_at), None),
            AgeBucket::Days1To30 => (days(30), days(1)),
            AgeBucket::Days31To60 => (days(60), days(31)),
            AgeBucket::Days61To90 => (days(90), days(61)),
            AgeBucket::Older => (None, days(91)),
        }
    }

    /// What a report's column heading says.
    pub fn label(self) -> &'static str {
        match self {
            AgeBucket::Current => "Current",
            AgeBucket::Days1To30 => "1-30 days",
            AgeBucket::Days31To60 => "31-60 days",
            AgeBucket::Days61To90 => "61-90 days",
            AgeBucket::Older => "Older",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn classes_come_from_the_class_or_else_the_type() {
        assert_eq!(
            AccountClass::of(Some("REVENUE"), Some("BANK")),
            Some(AccountClass::Revenue)
        );
        assert_eq!(
            AccountClass::of(None, Some("CURRLIAB")),
            Some(AccountClass::Liability)
        );
        assert_eq!(
            AccountClass::of(Some(""), Some("DIRECTCOSTS")),
            Some(AccountClass::Expense)
        );
        assert_eq!(AccountClass::of(None, Some("SOMETHING")), None);
        // Any case, as before the codes were enums.
        assert_eq!(
            AccountClass::of(Some("revenue"), None),
            Some(AccountClass::Revenue)
        );
        assert_eq!(
            AccountClass::of(None, Some("otherincome")),
            Some(AccountClass::Revenue)
        );
        // Every account type the schema lists but PAYG has a class.
        for code in AccountType::CODES {
            let class = AccountClass::from_xero_type(code);
            assert_eq!(class.is_none(), *code == "PAYG", "{code}");
        }
        assert!(AccountClass::Expense.is_profit_and_loss());
        assert!(!AccountClass::Equity.is_profit_and_loss());
        assert!(AccountClass::Revenue.shown_negated());
        assert!(!AccountClass::Asset.shown_negated());
    }

    #[test]
    fn a_financial_year_starts_the_day_after_the_last_year_end() {
        // 31 March year end (NZ): 2026-03-31 is in the year from 2025-04-01.
        assert_eq!(
            financial_year_start(d("2026-03-31"), 31, 3),
            d("2025-04-01")
        );
        assert_eq!(
            financial_year_start(d("2026-04-01"), 31, 3),
            d("2026-04-01")
        );
        // 30 June (AU).
        assert_eq!(
            financial_year_start(d("2026-01-15"), 30, 6),
            d("2025-07-01")
        );
        // 31 December.
        assert_eq!(
            financial_year_start(d("2026-12-31"), 31, 12),
            d("2026-01-01")
        );
        assert_eq!(
            financial_year_start(d("2026-01-01"), 31, 12),
            d("2026-01-01")
        );
        // The end of February, in and out of a leap year.
        assert_eq!(
            financial_year_start(d("2024-02-29"), 29, 2),
            d("2023-03-01")
        );
        assert_eq!(
            financial_year_start(d("2025-03-01"), 29, 2),
            d("2025-03-01")
        );
    }

    #[test]
    fn ageing_buckets_by_days_past_due_and_their_ranges_agree() {
        let as_at = d("2026-06-30");
        assert_eq!(AgeBucket::of(None, as_at), AgeBucket::Current);
        assert_eq!(
            AgeBucket::of(Some(d("2026-06-30")), as_at),
            AgeBucket::Current
        );
        assert_eq!(
            AgeBucket::of(Some(d("2026-06-29")), as_at),
            AgeBucket::Days1To30
        );
        assert_eq!(
            AgeBucket::of(Some(d("2026-05-31")), as_at),
            AgeBucket::Days1To30
        );
        assert_eq!(
            AgeBucket::of(Some(d("2026-05-30")), as_at),
            AgeBucket::Days31To60
        );
        assert_eq!(
            AgeBucket::of(Some(d("2026-04-01")), as_at),
            AgeBucket::Days61To90
        );
        assert_eq!(
            AgeBucket::of(Some(d("2026-03-31")), as_at),
            AgeBucket::Older
        );
        // Every day from a year before to a month after falls in the range of its bucket.
        let mut day = d("2025-06-30");
        while day <= d("2026-07-31") {
            let b = AgeBucket::of(Some(day), as_at);
            let (from, to) = b.due_range(as_at);
            assert!(from.is_none_or(|f| f <= day), "{day} {b:?}");
            assert!(to.is_none_or(|t| day <= t), "{day} {b:?}");
            day = day.succ_opt().unwrap();
        }
    }
}
