//! The time source. Production code takes a [`SharedClock`]; tests hand in a
//! [`ManualClock`] and move it forward instead of sleeping.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Timelike, Utc};
use parking_lot::Mutex;

pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;

    /// Now, in milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }
}

pub type SharedClock = Arc<dyn Clock>;

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

impl SystemClock {
    pub fn shared() -> SharedClock {
        Arc::new(SystemClock)
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Arc<Self> {
        Arc::new(ManualClock(Mutex::new(start)))
    }

    /// Standing at `ms` since the Unix epoch (`None` past the calendar's range).
    pub fn starting_at_ms(ms: i64) -> Option<Arc<Self>> {
        DateTime::from_timestamp_millis(ms).map(Self::new)
    }

    /// Moves the clock forward by `by` (to the end of the calendar at most).
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock();
        *now = TimeDelta::from_std(by)
            .ok()
            .and_then(|by| now.checked_add_signed(by))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
    }

    /// Sets the clock to `to` (it may go backwards).
    pub fn set(&self, to: DateTime<Utc>) {
        *self.0.lock() = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock()
    }
}

/// The system's clock, set to read `start` at the moment it is made and
/// running on from there at the system's pace: a process that a test starts
/// on its virtual clock.
#[derive(Debug)]
pub struct ShiftedClock(TimeDelta);

impl ShiftedClock {
    pub fn starting_at(start: DateTime<Utc>) -> Arc<Self> {
        Arc::new(ShiftedClock(start - Utc::now()))
    }

    /// Starting at `ms` since the Unix epoch (`None` past the calendar's range).
    pub fn starting_at_ms(ms: i64) -> Option<Arc<Self>> {
        DateTime::from_timestamp_millis(ms).map(Self::starting_at)
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.0
    }
}

/// `t` in RFC 3339, as the logs, crash reports and support bundles write it:
/// `Z` for UTC, and the fraction of a second only when there is one, with no
/// trailing zeros (`2026-11-03T10:00:00Z`, `2026-11-03T10:00:00.25Z`). Empty
/// for a year outside 0 to 9999, which RFC 3339 cannot write.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    if !(0..=9999).contains(&chrono::Datelike::year(&t)) {
        return String::new();
    }
    let whole = t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let nanos = t.nanosecond();
    if nanos == 0 {
        return whole;
    }
    let fraction = format!("{nanos:09}");
    let fraction = fraction.trim_end_matches('0');
    match whole.strip_suffix('Z') {
        Some(seconds) => format!("{seconds}.{fraction}Z"),
        None => whole,
    }
}

#[cfg(test)]
mod shifted_tests {
    use super::*;

    #[test]
    fn a_shifted_clock_starts_where_told_and_runs_on() {
        let start = 1_782_864_000_000_i64;
        let clock = ShiftedClock::starting_at_ms(start).unwrap();
        let first = clock.now_ms();
        assert!((start..start + 1_000).contains(&first), "{first}");
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(clock.now_ms() >= first + 20);
    }

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let clock = ManualClock::starting_at_ms(1_000).unwrap();
        assert_eq!(clock.now_ms(), 1_000);
        clock.advance(Duration::from_millis(1_500));
        assert_eq!(clock.now_ms(), 2_500);
        clock.set(DateTime::from_timestamp_millis(5).unwrap());
        assert_eq!(clock.now_ms(), 5);
        clock.advance(Duration::MAX);
        assert_eq!(clock.now(), DateTime::<Utc>::MAX_UTC);
    }
}
