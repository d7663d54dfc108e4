//! The time source. Production code takes a [`SharedClock`]; tests hand in a
//! [`ManualClock`] and move it forward instead of sleeping.

use std::sync::Arc;

use parking_lot::Mutex;
use time::OffsetDateTime;

pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in UTC.
    fn now(&self) -> OffsetDateTime;
}

pub type SharedClock = Arc<dyn Clock>;

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

impl SystemClock {
    pub fn shared() -> SharedClock {
        Arc::new(SystemClock)
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Arc<Self> {
        Arc::new(ManualClock(Mutex::new(start)))
    }

    pub fn advance(&self, by: time::Duration) {
        *self.0.lock() += by;
    }

    pub fn set(&self, to: OffsetDateTime) {
        *self.0.lock() = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock()
    }
}

/// The system's clock, set to read `start` at the moment it is made and
/// running on from there at the system's pace: a process that a test starts
/// on its virtual clock.
#[derive(Debug)]
pub struct ShiftedClock(time::Duration);

impl ShiftedClock {
    pub fn starting_at(start: OffsetDateTime) -> Arc<Self> {
        Arc::new(ShiftedClock(start - OffsetDateTime::now_utc()))
    }

    /// Starting at `ms` since the Unix epoch (`None` past the calendar's range).
    pub fn starting_at_ms(ms: i64) -> Option<Arc<Self>> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .ok()
            .map(Self::starting_at)
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.0
    }
}

#[cfg(test)]
mod shifted_tests {
    use super::*;

    #[test]
    fn a_shifted_clock_starts_where_told_and_runs_on() {
        let start = 1_782_864_000_000_i64;
        let clock = ShiftedClock::starting_at_ms(start).unwrap();
        let ms = |t: OffsetDateTime| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap();
        let first = ms(clock.now());
        assert!((start..start + 1_000).contains(&first), "{first}");
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(ms(clock.now()) >= first + 20);
    }
}
