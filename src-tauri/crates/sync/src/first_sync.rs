//! A first sync that needs more Xero calls than a day allows (the Starter
//! tier's 1,000): how many calls it still needs, and over how many days.
//!
//! Xero gives no totals up front, so the engine reads the first page of
//! every stream before the rest of any (those pages are kept like any other:
//! nothing is read twice), and estimates from each first page:
//!
//! - a page shorter than a full one is the whole stream: nothing more;
//! - with `pagination.itemCount` (Contacts, Invoices, BankTransactions...),
//!   the records left are known: `left / per_page` full pages and one
//!   shorter (or empty) page that ends the stream;
//! - without it (Quotes, Journals), a full page ordered by `UpdatedDateUTC`
//!   spans some stretch of time; the rest of the stream, from the page's
//!   newest record to now, is assumed to hold records at the same rate.
//!
//! The days follow from the calls: those left today first, then a day's
//! budget (less the reserve background work keeps) each further day.
//! Pure functions, no I/O: the engine feeds them and keeps the state.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// At most this many calls are assumed for one stream from a page's time
/// span, whatever it suggests (a page of records all touched in one second).
pub const SPAN_ESTIMATE_CAP: u64 = 100_000;

/// What the first page of a stream shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstPage {
    /// Records on the page.
    pub records: u64,
    /// Records a full page holds.
    pub per_page: u64,
    /// Xero's `pagination.itemCount`, when it sends one: the records the
    /// query matches, this page's included.
    pub item_count: Option<u64>,
    /// The page's oldest and newest record (by `UpdatedDateUTC`, or the
    /// date the stream is ordered by).
    pub oldest: Option<DateTime<Utc>>,
    pub newest: Option<DateTime<Utc>>,
}

/// Calls a stream needs after its first page.
pub fn calls_after_first_page(page: &FirstPage, now: DateTime<Utc>) -> u64 {
    let per_page = page.per_page.max(1);
    if page.records < per_page {
        return 0;
    }
    let left = match page.item_count {
        Some(total) => total.saturating_sub(page.records),
        None => match (page.oldest, page.newest) {
            (Some(oldest), Some(newest)) => {
                let spanned = (newest - oldest).num_seconds();
                let to_come = (now - newest).num_seconds().max(0);
                if spanned <= 0 {
                    // One second holds a whole page: the rate cannot be read.
                    // Assume as much again.
                    page.records
                } else {
                    let est = (u128::from(page.records) * u128::from(to_come.unsigned_abs()))
                        .div_ceil(u128::from(spanned.unsigned_abs()));
                    let cap = u128::from(SPAN_ESTIMATE_CAP.saturating_mul(per_page));
                    u64::try_from(est.min(cap)).unwrap_or(u64::MAX)
                }
            }
            _ => page.records,
        },
    };
    // Full pages, then the shorter (possibly empty) page that ends the stream.
    (left / per_page + 1).min(SPAN_ESTIMATE_CAP)
}

/// Further days (after today) that `calls` take: none when they fit in what
/// is left today; otherwise a day's `per_day` calls each. `None` when no day
/// ever allows a call.
pub fn more_days(calls: u64, left_today: u64, per_day: u64) -> Option<u64> {
    if calls <= left_today {
        return Some(0);
    }
    if per_day == 0 {
        return None;
    }
    Some((calls - left_today).div_ceil(per_day))
}

/// A first sync in progress, as the ledger keeps it between runs (and days).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FirstSync {
    /// Streams read to their end (as Xero names them): not read again until
    /// the first sync ends; their changes since come with the next run.
    pub done: Vec<String>,
    /// Streams whose first page is read: the calls each still needs.
    pub left: BTreeMap<String, u64>,
    /// What the last run said of the rest (for the sync status).
    #[serde(default)]
    pub estimate: Option<FirstSyncEstimate>,
}

impl FirstSync {
    pub fn is_done(&self, stream: &str) -> bool {
        self.done.iter().any(|d| d == stream)
    }

    pub fn surveyed(&self, stream: &str) -> bool {
        self.left.contains_key(stream)
    }

    /// A stream read to its end.
    pub fn finish(&mut self, stream: &str) {
        self.left.remove(stream);
        if !self.is_done(stream) {
            self.done.push(stream.to_owned());
        }
    }

    /// Calls the first sync still needs for `streams` (every stream it
    /// pulls): the estimate of each read in part, one for each not begun.
    pub fn calls_left<'a>(&self, streams: impl IntoIterator<Item = &'a str>) -> u64 {
        streams
            .into_iter()
            .filter(|s| !self.is_done(s))
            .map(|s| self.left.get(s).copied().unwrap_or(1))
            .sum()
    }
}

/// What a run of a first sync that is not finished says about the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FirstSyncEstimate {
    /// Xero calls the first sync still needs, about.
    pub calls_left: u64,
    /// Calls still allowed today (for the priority the sync runs at).
    pub left_today: u64,
    /// Calls a day allows the sync (the daily budget less the reserve
    /// background work keeps).
    pub per_day: u64,
    /// Further days, after today, the rest takes (`None`: never, the daily
    /// budget allows no call).
    pub more_days: Option<u64>,
}

impl FirstSyncEstimate {
    pub fn new(calls_left: u64, left_today: u64, per_day: u64) -> Self {
        FirstSyncEstimate {
            calls_left,
            left_today,
            per_day,
            more_days: more_days(calls_left, left_today, per_day),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000 + s, 0).unwrap()
    }

    fn page(records: u64, item_count: Option<u64>) -> FirstPage {
        FirstPage {
            records,
            per_page: 1000,
            item_count,
            oldest: Some(at(0)),
            newest: Some(at(1000)),
        }
    }

    #[test]
    fn a_short_first_page_is_the_whole_stream() {
        assert_eq!(calls_after_first_page(&page(999, Some(999)), at(5000)), 0);
        assert_eq!(calls_after_first_page(&page(0, None), at(5000)), 0);
    }

    #[test]
    fn with_a_count_the_pages_left_are_known() {
        // 4,000 left: four full pages and the empty one that ends the stream.
        assert_eq!(calls_after_first_page(&page(1000, Some(5000)), at(0)), 5);
        // 3,500 left: three full pages and a short one.
        assert_eq!(calls_after_first_page(&page(1000, Some(4500)), at(0)), 4);
        assert_eq!(calls_after_first_page(&page(1000, Some(1000)), at(0)), 1);
    }

    #[test]
    fn without_a_count_the_pages_span_tells() {
        // 1,000 records over 1,000 s; 9,000 s more to now: about 9,000 records.
        assert_eq!(calls_after_first_page(&page(1000, None), at(10_000)), 10);
        // Nothing after the page's newest record but the next, empty page.
        assert_eq!(calls_after_first_page(&page(1000, None), at(1000)), 1);
        // A whole page in one second: as much again is assumed.
        let mut p = page(1000, None);
        p.newest = p.oldest;
        assert_eq!(calls_after_first_page(&p, at(10_000)), 2);
        // No dates on the page: the same.
        p.oldest = None;
        assert_eq!(calls_after_first_page(&p, at(10_000)), 2);
    }

    #[test]
    fn a_span_estimate_is_capped() {
        let mut p = page(1000, None);
        p.newest = Some(at(1));
        let n = calls_after_first_page(&p, at(1_000_000_000));
        assert_eq!(n, SPAN_ESTIMATE_CAP);
    }

    #[test]
    fn days_count_what_is_left_today_then_whole_days() {
        assert_eq!(more_days(0, 0, 1000), Some(0));
        assert_eq!(more_days(900, 900, 1000), Some(0));
        assert_eq!(more_days(901, 900, 1000), Some(1));
        assert_eq!(more_days(2_900, 900, 1000), Some(2));
        assert_eq!(more_days(2_901, 900, 1000), Some(3));
        assert_eq!(more_days(10, 0, 0), None);
        assert_eq!(more_days(0, 0, 0), Some(0));
    }

    #[test]
    fn the_calls_left_count_each_stream_once() {
        let mut f = FirstSync::default();
        let all = ["Organisation", "Invoices", "Quotes"];
        // Nothing begun: one call each at least.
        assert_eq!(f.calls_left(all), 3);
        f.finish("Organisation");
        f.left.insert("Invoices".into(), 7);
        assert_eq!(f.calls_left(all), 8);
        f.finish("Invoices");
        f.finish("Invoices");
        assert_eq!(f.done, vec!["Organisation", "Invoices"]);
        assert!(!f.surveyed("Invoices"));
        assert_eq!(f.calls_left(all), 1);
    }

    #[test]
    fn the_state_round_trips_through_json() {
        let mut f = FirstSync::default();
        f.finish("Accounts");
        f.left.insert("BankTransactions".into(), 19);
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(serde_json::from_str::<FirstSync>(&json).unwrap(), f);
    }
}
