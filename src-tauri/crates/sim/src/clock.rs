//! Time, passed in: the simulator never reads the system clock directly, so tests
//! can move minute and day windows and token expiry without sleeping.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A source of "now", in milliseconds since the Unix epoch (UTC).
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current instant, in ms since the epoch.
    fn now_ms(&self) -> i64;
}

/// The machine's clock. Used by the CLI and the demo company.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A clock that only moves when told to. Cloning shares the same time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<AtomicI64>,
}

/// 2026-07-01T00:00:00Z: where a [`ManualClock`] starts unless told otherwise.
/// The generated books end the day before.
pub const DEFAULT_START_MS: i64 = 1_782_864_000_000;

impl Default for ManualClock {
    fn default() -> Self {
        Self::starting_at(DEFAULT_START_MS)
    }
}

impl ManualClock {
    /// A clock standing at `ms` since the epoch.
    pub fn starting_at(ms: i64) -> Self {
        Self {
            now: Arc::new(AtomicI64::new(ms)),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.now.fetch_add(ms, Ordering::SeqCst);
    }

    /// Sets the clock to `ms` since the epoch (it may go backwards).
    pub fn set_ms(&self, ms: i64) {
        self.now.store(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told_and_clones_share_it() {
        let clock = ManualClock::default();
        let other = clock.clone();
        assert_eq!(clock.now_ms(), DEFAULT_START_MS);
        other.advance(Duration::from_secs(61));
        assert_eq!(clock.now_ms(), DEFAULT_START_MS + 61_000);
        clock.set_ms(5);
        assert_eq!(other.now_ms(), 5);
    }

    #[test]
    fn default_start_is_first_of_july_2026() {
        let dt = chrono::DateTime::from_timestamp_millis(DEFAULT_START_MS).unwrap();
        assert_eq!(dt.to_rfc3339(), "2026-07-01T00:00:00+00:00");
    }
}
