//! Backdated entries: an entry dated well before the day it was entered.
//!
//! An entry made long after its date changes the figures of a period the
//! owner may already have read (and reported, or closed). Xero's Journals
//! say when each journal was created; a Starter app has no Journals, so the
//! store gives the day a document was first seen in Xero instead: its
//! `UpdatedDateUTC` when Ledgerkeep first stored it, for the documents that
//! arrived after Ledgerkeep began watching the organisation (the books of the
//! first sync were entered at times no endpoint tells).
//!
//! The rule itself is the same for both: an entry is backdated when it was
//! entered more than `threshold_days` after its date, and it falls in a
//! locked period when its date is on or before the lock date and it was
//! entered after it.

use chrono::NaiveDate;

/// One entry: its date, and the day it was entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entered<K> {
    /// What the caller names the entry by (a journal, a document).
    pub key: K,
    pub date: NaiveDate,
    pub entered: NaiveDate,
}

/// An entry the rule finds backdated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backdated<K> {
    pub key: K,
    pub date: NaiveDate,
    pub entered: NaiveDate,
    /// Whole days from the date to the day it was entered.
    pub days_late: i64,
    /// The lock date, when the entry's date is on or before it and the entry
    /// was made after it (it went into a locked period).
    pub into_locked_period: Option<NaiveDate>,
}

/// The entries entered more than `threshold_days` after their date, in the
/// order given.
pub fn backdated<K>(
    entries: impl IntoIterator<Item = Entered<K>>,
    threshold_days: i64,
    lock: Option<NaiveDate>,
) -> Vec<Backdated<K>> {
    entries
        .into_iter()
        .filter_map(|e| {
            let days_late = (e.entered - e.date).num_days();
            (days_late > threshold_days).then(|| Backdated {
                into_locked_period: lock.filter(|l| e.date <= *l && e.entered > *l),
                key: e.key,
                date: e.date,
                entered: e.entered,
                days_late,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    fn entry(key: u32, date: &str, entered: &str) -> Entered<u32> {
        Entered {
            key,
            date: d(date),
            entered: d(entered),
        }
    }

    #[test]
    fn only_entries_later_than_the_threshold_are_backdated() {
        let found = backdated(
            [
                entry(1, "2026-09-01", "2026-11-30"),
                entry(2, "2026-11-01", "2026-11-30"),
                entry(3, "2026-10-31", "2026-11-30"),
                entry(4, "2026-12-01", "2026-11-30"),
            ],
            29,
            None,
        );
        let keys: Vec<(u32, i64)> = found.iter().map(|b| (b.key, b.days_late)).collect();
        // 29 days late is not more than 29; 30 is. An entry dated after it was
        // entered is early, not late.
        assert_eq!(keys, vec![(1, 90), (3, 30)]);
        assert!(found.iter().all(|b| b.into_locked_period.is_none()));
    }

    #[test]
    fn an_entry_made_after_the_lock_date_into_the_locked_period_says_so() {
        let lock = Some(d("2026-09-30"));
        let found = backdated(
            [
                // Into the locked period, after the lock.
                entry(1, "2026-08-15", "2026-11-30"),
                // Dated after the lock date: an open period.
                entry(2, "2026-10-01", "2026-11-30"),
                // Entered before the lock date was reached.
                entry(3, "2026-06-01", "2026-09-15"),
            ],
            30,
            lock,
        );
        let locked: Vec<(u32, Option<NaiveDate>)> = found
            .iter()
            .map(|b| (b.key, b.into_locked_period))
            .collect();
        assert_eq!(locked, vec![(1, lock), (2, None), (3, None)]);
    }
}
