//! Waiting, passed in. Production waits on tokio's timer; tests and simulations
//! use [`VirtualTime`], a clock that stands still until something must wait.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use ledgerkeep_obs::{Clock, SharedClock};
use parking_lot::Mutex;
use time::OffsetDateTime;
use tokio::sync::Notify;

/// A future returned by [`Sleeper::sleep`].
pub type SleepFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Something that can wait. The rate limiter, the retries and the 429 pause all
/// wait through it, never through a bare `sleep`.
pub trait Sleeper: Send + Sync + Debug {
    /// Waits `d` of this sleeper's time.
    fn sleep(&self, d: Duration) -> SleepFuture<'_>;

    /// Marks a request in flight for as long as the returned guard lives.
    /// Real time ignores it; virtual time does not move while one is held.
    fn hold(&self) -> Option<Box<dyn Send + Sync>> {
        None
    }
}

/// Real waiting, on tokio's timer.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, d: Duration) -> SleepFuture<'_> {
        Box::pin(tokio::time::sleep(d))
    }
}

/// The time source and the way to wait, always handed in together.
#[derive(Debug, Clone)]
pub struct Timekeeping {
    pub clock: SharedClock,
    pub sleeper: Arc<dyn Sleeper>,
}

impl Timekeeping {
    /// The real clock and tokio's timer.
    pub fn real() -> Self {
        Timekeeping {
            clock: ledgerkeep_obs::SystemClock::shared(),
            sleeper: Arc::new(TokioSleeper),
        }
    }

    /// Milliseconds since the epoch, now.
    pub fn now_ms(&self) -> i64 {
        unix_ms(self.clock.now())
    }
}

/// Milliseconds since the Unix epoch.
pub fn unix_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

#[derive(Debug)]
struct VirtualState {
    now_ms: i64,
    busy: u32,
}

/// Simulated time for tests and benchmarks: a clock that stands still until a
/// task must wait, and then moves straight to the end of that wait (never
/// backwards). While a request is in flight ([`Sleeper::hold`]) it does not move,
/// so the network takes no simulated time and a run of hours takes seconds.
///
/// Run it on a current-thread runtime, so that taking a rate-limit slot and
/// marking the request in flight happen with no other task in between.
#[derive(Debug)]
pub struct VirtualTime {
    state: Mutex<VirtualState>,
    idle: Notify,
}

impl VirtualTime {
    /// A virtual clock standing at `start_ms` since the epoch.
    pub fn starting_at(start_ms: i64) -> Arc<Self> {
        Arc::new(VirtualTime {
            state: Mutex::new(VirtualState {
                now_ms: start_ms,
                busy: 0,
            }),
            idle: Notify::new(),
        })
    }

    /// Milliseconds since the epoch, now.
    pub fn now_ms(&self) -> i64 {
        self.state.lock().now_ms
    }

    /// Moves the clock forward by `d` (as a test would, between steps).
    pub fn advance(&self, d: Duration) {
        let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        let mut s = self.state.lock();
        s.now_ms = s.now_ms.saturating_add(ms);
    }

    /// This time as a [`Timekeeping`].
    pub fn timekeeping(self: &Arc<Self>) -> Timekeeping {
        Timekeeping {
            clock: Arc::clone(self) as SharedClock,
            sleeper: Arc::new(Arc::clone(self)) as Arc<dyn Sleeper>,
        }
    }
}

impl Clock for VirtualTime {
    fn now(&self) -> OffsetDateTime {
        let ms = self.now_ms();
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

struct Busy(Arc<VirtualTime>);

impl Drop for Busy {
    fn drop(&mut self) {
        let mut s = self.0.state.lock();
        s.busy = s.busy.saturating_sub(1);
        if s.busy == 0 {
            self.0.idle.notify_waiters();
        }
    }
}

impl VirtualTime {
    fn hold_arc(self: &Arc<Self>) -> Box<dyn Send + Sync> {
        self.state.lock().busy += 1;
        Box::new(Busy(Arc::clone(self)))
    }
}

/// `Sleeper` for `Arc<VirtualTime>` (the guard needs the `Arc`).
impl Sleeper for Arc<VirtualTime> {
    fn sleep(&self, d: Duration) -> SleepFuture<'_> {
        let wait_ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        Box::pin(async move {
            let target = self.now_ms().saturating_add(wait_ms);
            loop {
                let idle = self.idle.notified();
                tokio::pin!(idle);
                idle.as_mut().enable();
                {
                    let mut s = self.state.lock();
                    if s.busy == 0 {
                        s.now_ms = s.now_ms.max(target);
                        break;
                    }
                }
                idle.await;
            }
            tokio::task::yield_now().await;
        })
    }

    fn hold(&self) -> Option<Box<dyn Send + Sync>> {
        Some(self.hold_arc())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn virtual_time_moves_only_when_waited_on_and_never_back() {
        let vt = VirtualTime::starting_at(1_000);
        let tk = vt.timekeeping();
        assert_eq!(tk.now_ms(), 1_000);
        tk.sleeper.sleep(Duration::from_secs(2)).await;
        assert_eq!(tk.now_ms(), 3_000);
        vt.advance(Duration::from_millis(5));
        assert_eq!(tk.now_ms(), 3_005);
    }

    #[tokio::test]
    async fn virtual_time_stands_still_while_a_request_is_in_flight() {
        let vt = VirtualTime::starting_at(0);
        let tk = vt.timekeeping();
        let guard = tk.sleeper.hold();
        let sleeper = Arc::clone(&tk.sleeper);
        let waiter = tokio::spawn(async move { sleeper.sleep(Duration::from_secs(1)).await });
        tokio::task::yield_now().await;
        assert_eq!(vt.now_ms(), 0, "moved while a request was in flight");
        drop(guard);
        waiter.await.unwrap();
        assert_eq!(vt.now_ms(), 1_000);
    }
}
