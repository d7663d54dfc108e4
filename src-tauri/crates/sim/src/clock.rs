//! Time, passed in: the simulator never reads the system clock directly, so tests
//! can move minute and day windows and token expiry without sleeping.
//!
//! The clock is the app's own ([`ledgerkeep_obs::Clock`]): a test hands the
//! simulator the same clock it hands the client (a [`ManualClock`], or the
//! client's `VirtualTime`), and both sides read one time.

use std::sync::Arc;

pub use ledgerkeep_obs::{Clock, ManualClock, SharedClock, SystemClock};

/// 2026-07-01T00:00:00Z: where a [`manual_clock`] starts.
/// The generated books end the day before.
pub const DEFAULT_START_MS: i64 = 1_782_864_000_000;

/// A clock that moves only when told to, standing at [`DEFAULT_START_MS`].
/// Its clones (it is an `Arc`) share the one time.
pub fn manual_clock() -> Arc<ManualClock> {
    ManualClock::new(chrono::DateTime::from_timestamp_millis(DEFAULT_START_MS).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn manual_clock_moves_only_when_told_and_clones_share_it() {
        let clock = manual_clock();
        let other = Arc::clone(&clock);
        assert_eq!(clock.now_ms(), DEFAULT_START_MS);
        other.advance(Duration::from_secs(61));
        assert_eq!(clock.now_ms(), DEFAULT_START_MS + 61_000);
        clock.set(chrono::DateTime::from_timestamp_millis(5).unwrap());
        assert_eq!(other.now_ms(), 5);
    }

    #[test]
    fn default_start_is_first_of_july_2026() {
        let dt = chrono::DateTime::from_timestamp_millis(DEFAULT_START_MS).unwrap();
        assert_eq!(dt.to_rfc3339(), "2026-07-01T00:00:00+00:00");
        assert_eq!(manual_clock().now(), dt);
    }
}
