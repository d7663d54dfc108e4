//! The period close's rules: how often a procedure recurs, when it is due
//! (its due rule), which procedures a period's run holds, the automated checks
//! a step may carry, and when to remind the owner.
//!
//! Business days are Monday to Friday; public holidays are not known here.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// How often a procedure recurs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "lowercase")]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Yearly,
}

impl Frequency {
    pub const ALL: [Frequency; 5] = [
        Frequency::Daily,
        Frequency::Weekly,
        Frequency::Monthly,
        Frequency::Quarterly,
        Frequency::Yearly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Yearly => "yearly",
        }
    }

    /// Whether a procedure of this frequency belongs in the close run of
    /// `period`, for an organisation whose financial year ends in
    /// `year_end_month` (1-12). Monthly procedures are in every month's run,
    /// quarterly ones in the months that end a quarter of the financial year,
    /// yearly ones in the year's last month. Daily and weekly procedures are
    /// routines between closes, not part of a period's run.
    pub fn is_due_in(self, period: Period, year_end_month: u32) -> bool {
        let from_year_end = (period.month + 12 - year_end_month.clamp(1, 12)) % 12;
        match self {
            Frequency::Daily | Frequency::Weekly => false,
            Frequency::Monthly => true,
            Frequency::Quarterly => from_year_end.is_multiple_of(3),
            Frequency::Yearly => from_year_end == 0,
        }
    }
}

impl FromStr for Frequency {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Frequency::ALL
            .into_iter()
            .find(|f| f.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                format!("Frequency must be one of daily, weekly, monthly, quarterly or yearly, not \"{s}\".")
            })
    }
}

/// When a procedure is due, relative to the period it closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueRule {
    /// The nth business day after the period ends ("5th business day").
    BusinessDayAfter(u8),
    /// The nth calendar day after the period ends ("10th day").
    DayAfter(u8),
    /// The period's last business day ("last business day").
    LastBusinessDay,
    /// The period's last day ("last day").
    LastDay,
}

/// What a due rule may look like, for error messages and the editor's hint.
pub const DUE_RULE_FORMS: &str =
    "\"5th business day\", \"10th day\", \"last business day\" or \"last day\"";

impl DueRule {
    /// Reads a rule such as `5th business day`, `10th day`, `last business day`
    /// or `last day` (case and spacing free). Business days run 1 to 23, days 1 to 31.
    pub fn parse(text: &str) -> Result<DueRule, String> {
        let words: Vec<String> = text
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let bad = || format!("Due rule must look like {DUE_RULE_FORMS}.");
        match words.as_slice() {
            ["last", "business", "day"] => Ok(DueRule::LastBusinessDay),
            ["last", "day"] => Ok(DueRule::LastDay),
            [nth, rest @ ..] => {
                let n = parse_ordinal(nth).ok_or_else(bad)?;
                match rest {
                    ["business", "day"] if (1..=23).contains(&n) => {
                        Ok(DueRule::BusinessDayAfter(n))
                    }
                    ["day"] if (1..=31).contains(&n) => Ok(DueRule::DayAfter(n)),
                    ["business", "day"] => {
                        Err("A business-day rule counts 1 to 23 days.".to_owned())
                    }
                    ["day"] => Err("A day rule counts 1 to 31 days.".to_owned()),
                    _ => Err(bad()),
                }
            }
            [] => Err("Due rule is required.".to_owned()),
        }
    }

    /// The day a procedure closing `period` is due.
    pub fn due_date(self, period: Period) -> NaiveDate {
        let end = period.last_day();
        match self {
            DueRule::LastDay => end,
            DueRule::LastBusinessDay => {
                let mut d = end;
                while !is_business_day(d) {
                    d = d.pred_opt().unwrap_or(d);
                }
                d
            }
            DueRule::DayAfter(n) => end.checked_add_days(Days::new(u64::from(n))).unwrap_or(end),
            DueRule::BusinessDayAfter(n) => {
                let mut d = end;
                let mut left = n;
                while left > 0 {
                    d = d.succ_opt().unwrap_or(d);
                    if is_business_day(d) {
                        left -= 1;
                    }
                }
                d
            }
        }
    }
}

impl fmt::Display for DueRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DueRule::BusinessDayAfter(n) => write!(f, "{} business day", ordinal(*n)),
            DueRule::DayAfter(n) => write!(f, "{} day", ordinal(*n)),
            DueRule::LastBusinessDay => f.write_str("last business day"),
            DueRule::LastDay => f.write_str("last day"),
        }
    }
}

fn parse_ordinal(word: &str) -> Option<u8> {
    let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
    let n: u8 = digits.parse().ok()?;
    // Compared whole: `0001st` has more digits than `1st` (the fuzzer found
    // that slicing the suffix off by the digits' length panicked).
    (ordinal(n) == word).then_some(n)
}

fn ordinal(n: u8) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Monday to Friday.
pub fn is_business_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// A calendar month being closed, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub year: i32,
    pub month: u32,
}

impl Period {
    /// Reads `YYYY-MM`.
    pub fn parse(text: &str) -> Result<Period, String> {
        let bad = || format!("Period must be a month written like 2026-11, not \"{text}\".");
        let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || !(1900..=9999).contains(&year) {
            return Err(bad());
        }
        Ok(Period { year, month })
    }

    /// The month holding `date`.
    pub fn of(date: NaiveDate) -> Period {
        Period {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn next(self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn previous(self) -> Period {
        if self.month == 1 {
            Period {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Period {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// "November 2026 close".
    pub fn close_title(self) -> String {
        format!("{} close", self.first_day().format("%B %Y"))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// An automated check a step may carry, evaluated on the local ledger.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// No unreconciled bank lines dated up to the period's end.
    UnreconciledBankLines,
    /// No draft (or submitted) invoices or bills older than N days at the period's end.
    StaleDrafts,
    /// Suspense and clearing accounts hold zero at the period's end.
    SuspenseAtZero,
    /// Every bank account's transactions synced since the period ended.
    BankAccountsSynced,
    /// The organisation's period lock date is on or after the period's end.
    PeriodLocked,
    /// No transaction dated in a signed-off period changed since its sign-off.
    ClosedPeriodEdits,
}

impl CheckKind {
    pub const ALL: [CheckKind; 6] = [
        CheckKind::UnreconciledBankLines,
        CheckKind::StaleDrafts,
        CheckKind::SuspenseAtZero,
        CheckKind::BankAccountsSynced,
        CheckKind::PeriodLocked,
        CheckKind::ClosedPeriodEdits,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::UnreconciledBankLines => "unreconciled_bank_lines",
            CheckKind::StaleDrafts => "stale_drafts",
            CheckKind::SuspenseAtZero => "suspense_at_zero",
            CheckKind::BankAccountsSynced => "bank_accounts_synced",
            CheckKind::PeriodLocked => "period_locked",
            CheckKind::ClosedPeriodEdits => "closed_period_edits",
        }
    }

    /// The default of the check's number (the days of `StaleDrafts`).
    pub fn default_param(self) -> Option<i64> {
        match self {
            CheckKind::StaleDrafts => Some(14),
            _ => None,
        }
    }
}

impl FromStr for CheckKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CheckKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("Unknown automated check \"{s}\"."))
    }
}

/// Something with a due date the owner may need reminding of: an open run's
/// earliest unfinished step, or a period whose run has not been started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueItem {
    /// Stable across calls (e.g. `run:7`, `start:<tenant>:2026-11`).
    pub key: String,
    pub title: String,
    pub due: NaiveDate,
}

/// Whether a reminder says "due" or "overdue".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum ReminderKind {
    Due,
    Overdue,
}

/// A desktop notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// Recorded once shown, so the same reminder is not shown again.
    pub key: String,
    pub kind: ReminderKind,
    pub title: String,
    pub body: String,
}

/// Decides which reminders to show `today`: an item due today or tomorrow is
/// "due" (once per due date), one past its date is "overdue" (once a day).
/// `shown` holds the keys of reminders already shown.
pub fn reminders(items: &[DueItem], today: NaiveDate, shown: &BTreeSet<String>) -> Vec<Reminder> {
    let mut out = Vec::new();
    for item in items {
        let days_left = (item.due - today).num_days();
        let (kind, key, body) = if days_left < 0 {
            (
                ReminderKind::Overdue,
                format!("{}:overdue:{today}", item.key),
                format!(
                    "{} was due on {} ({} days ago).",
                    item.title,
                    item.due.format("%-d %B"),
                    -days_left
                ),
            )
        } else if days_left <= 1 {
            (
                ReminderKind::Due,
                format!("{}:due:{}", item.key, item.due),
                format!(
                    "{} is due {}.",
                    item.title,
                    if days_left == 0 { "today" } else { "tomorrow" }
                ),
            )
        } else {
            continue;
        };
        if shown.contains(&key) {
            continue;
        }
        out.push(Reminder {
            key,
            kind,
            title: match kind {
                ReminderKind::Due => "Checklist due".to_owned(),
                ReminderKind::Overdue => "Checklist overdue".to_owned(),
            },
            body,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn due_rules_parse_and_print_back() {
        for text in [
            "5th business day",
            "1st day",
            "last business day",
            "last day",
            "22nd business day",
            "11th day",
        ] {
            assert_eq!(DueRule::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(
            DueRule::parse("  5TH   Business DAY ").unwrap(),
            DueRule::BusinessDayAfter(5)
        );
    }

    #[test]
    fn malformed_due_rules_are_refused() {
        for text in [
            "",
            "5 business day",
            "5st business day",
            "fifth business day",
            "24th business day",
            "32nd day",
            "0th day",
            "5th week",
            "last",
            "soon",
            // More digits than the ordinal has: this once panicked (fuzzer).
            "0001st day",
            "05th business day",
        ] {
            assert!(DueRule::parse(text).is_err(), "{text:?} was accepted");
        }
    }

    #[test]
    fn business_days_skip_weekends() {
        // November 2026 ends on a Monday; the 5th business day after is Monday 7 December.
        let nov = Period::parse("2026-11").unwrap();
        assert_eq!(DueRule::BusinessDayAfter(5).due_date(nov), d("2026-12-07"));
        assert_eq!(DueRule::DayAfter(10).due_date(nov), d("2026-12-10"));
        // May 2026 ends on a Sunday: its last business day is Friday 29 May.
        let may = Period::parse("2026-05").unwrap();
        assert_eq!(DueRule::LastBusinessDay.due_date(may), d("2026-05-29"));
        assert_eq!(DueRule::LastDay.due_date(may), d("2026-05-31"));
        let dec = Period::parse("2026-12").unwrap();
        assert_eq!(DueRule::BusinessDayAfter(1).due_date(dec), d("2027-01-01"));
    }

    #[test]
    fn periods_parse_strictly() {
        assert_eq!(
            Period::parse("2026-02").unwrap().last_day(),
            d("2026-02-28")
        );
        assert_eq!(
            Period::parse("2028-02").unwrap().last_day(),
            d("2028-02-29")
        );
        assert_eq!(
            Period::parse("2026-11").unwrap().close_title(),
            "November 2026 close"
        );
        for bad in ["2026-13", "2026-1", "26-01", "2026/01", "November"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn frequencies_pick_the_runs_they_belong_to() {
        let p = |s| Period::parse(s).unwrap();
        // Financial year ending in March: quarters end in June, September, December, March.
        assert!(Frequency::Quarterly.is_due_in(p("2026-06"), 3));
        assert!(!Frequency::Quarterly.is_due_in(p("2026-05"), 3));
        assert!(Frequency::Yearly.is_due_in(p("2027-03"), 3));
        assert!(!Frequency::Yearly.is_due_in(p("2026-12"), 3));
        assert!(Frequency::Monthly.is_due_in(p("2026-05"), 3));
        assert!(!Frequency::Daily.is_due_in(p("2026-05"), 3));
        assert_eq!(
            "Quarterly".parse::<Frequency>().unwrap(),
            Frequency::Quarterly
        );
        assert!("fortnightly".parse::<Frequency>().is_err());
    }

    #[test]
    fn reminders_come_once_when_due_and_daily_when_overdue() {
        let items = vec![
            DueItem {
                key: "run:1".into(),
                title: "November 2026 close".into(),
                due: d("2026-12-07"),
            },
            DueItem {
                key: "run:2".into(),
                title: "October 2026 close".into(),
                due: d("2026-11-06"),
            },
        ];
        let mut shown = BTreeSet::new();
        // Well before: only October's is overdue.
        let r = reminders(&items, d("2026-12-01"), &shown);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].kind, ReminderKind::Overdue);
        assert!(r[0].body.contains("October 2026 close"), "{}", r[0].body);
        shown.insert(r[0].key.clone());
        // Same day again: nothing new.
        assert!(reminders(&items, d("2026-12-01"), &shown).is_empty());
        // The next day: October's again (overdue is daily).
        assert_eq!(reminders(&items, d("2026-12-02"), &shown).len(), 1);
        // The day before November's due date: due tomorrow, and October's.
        let r = reminders(&items, d("2026-12-06"), &shown);
        assert_eq!(r.len(), 2);
        let due = r.iter().find(|r| r.kind == ReminderKind::Due).unwrap();
        assert!(due.body.contains("tomorrow"), "{}", due.body);
        shown.insert(due.key.clone());
        // On the due date the "due" reminder is not repeated.
        let r = reminders(&items, d("2026-12-07"), &shown);
        assert!(r.iter().all(|r| r.kind == ReminderKind::Overdue), "{r:?}");
    }
}
