//! Waiting, passed in. Production waits on tokio's timer; tests and simulations
//! use [`VirtualTime`], a clock that stands still until something must wait.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ledgerkeep_obs::{Clock, SharedClock};
use parking_lot::Mutex;
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
pub fn unix_ms(t: DateTime<Utc>) -> i64 {
    i64::try_from(unix_ns(t) / 1_000_000).unwrap_or(i64::MAX)
}

/// Nanoseconds since the Unix epoch (an `i128`: every instant fits).
pub fn unix_ns(t: DateTime<Utc>) -> i128 {
    i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos())
}

#[derive(Debug)]
struct VirtualState {
    now_ms: i64,
    busy: u32,
    /// The instants sleepers wait for, and how many wait for each.
    targets: BTreeMap<i64, usize>,
}

/// Simulated time for tests and benchmarks: a clock that stands still until
/// every task waits, and then moves straight to the earliest end of a wait
/// (never past it, never backwards). While a request is in flight
/// ([`Sleeper::hold`]) it does not move, so the network takes no simulated
/// time and a run of hours takes seconds.
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
                targets: BTreeMap::new(),
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
        {
            let mut s = self.state.lock();
            s.now_ms = s.now_ms.saturating_add(ms);
        }
        self.idle.notify_waiters();
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
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(VirtualTime::now_ms(self)).unwrap_or(DateTime::UNIX_EPOCH)
    }

    fn now_ms(&self) -> i64 {
        VirtualTime::now_ms(self)
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

/// A sleeper's place among the waits: removed when the sleep ends or is dropped
/// (a `select!` that took another branch), and the others told, since the
/// earliest wait may now be theirs.
struct Waiting {
    time: Arc<VirtualTime>,
    target: i64,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        {
            let mut s = self.time.state.lock();
            if let Some(n) = s.targets.get_mut(&self.target) {
                *n -= 1;
                if *n == 0 {
                    s.targets.remove(&self.target);
                }
            }
        }
        self.time.idle.notify_waiters();
    }
}

/// How often the earliest sleeper lets every runnable task run before it moves
/// the clock: one of them may be about to start a request.
const YIELDS_BEFORE_ADVANCING: usize = 3;

/// `Sleeper` for `Arc<VirtualTime>` (the guard needs the `Arc`).
impl Sleeper for Arc<VirtualTime> {
    fn sleep(&self, d: Duration) -> SleepFuture<'_> {
        // Rounded up: the clock counts whole milliseconds, and a wait of less
        // than one must still move it, or its waiter would spin.
        let wait_ms = i64::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(i64::MAX);
        Box::pin(async move {
            let target = {
                let mut s = self.state.lock();
                let target = s.now_ms.saturating_add(wait_ms);
                *s.targets.entry(target).or_default() += 1;
                target
            };
            let _waiting = Waiting {
                time: Arc::clone(self),
                target,
            };
            loop {
                let idle = self.idle.notified();
                tokio::pin!(idle);
                idle.as_mut().enable();
                let earliest = {
                    let s = self.state.lock();
                    if s.now_ms >= target {
                        break;
                    }
                    s.busy == 0 && s.targets.keys().next() == Some(&target)
                };
                if !earliest {
                    idle.await;
                    continue;
                }
                // Every task that can still run goes first (it may start a
                // request, which holds the clock); then, if nothing did and no
                // earlier wait appeared, the clock moves to this one's end.
                for _ in 0..YIELDS_BEFORE_ADVANCING {
                    tokio::task::yield_now().await;
                }
                let mut s = self.state.lock();
                if s.now_ms >= target {
                    break;
                }
                if s.busy == 0 && s.targets.keys().next() == Some(&target) {
                    s.now_ms = target;
                    break;
                }
            }
            // No yield after waking: the waker runs on at once (it may take a
            // slot and start a request) before another wait can move the clock.
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

    #[tokio::test]
    async fn the_clock_moves_to_the_earliest_wait_first() {
        let vt = VirtualTime::starting_at(0);
        let tk = vt.timekeeping();
        let woke = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for ms in [3_000u64, 1_000, 2_000] {
            let (sleeper, woke, vt) = (Arc::clone(&tk.sleeper), Arc::clone(&woke), Arc::clone(&vt));
            tasks.push(tokio::spawn(async move {
                sleeper.sleep(Duration::from_millis(ms)).await;
                woke.lock().push((ms, vt.now_ms()));
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(
            *woke.lock(),
            vec![(1_000, 1_000), (2_000, 2_000), (3_000, 3_000)]
        );
    }
}
