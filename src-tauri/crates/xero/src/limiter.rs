//! Xero's rate limits, kept on our side so that Xero never has to refuse us:
//! per tenant at most 5 in flight (a semaphore), 60 a minute (a governor
//! bucket that waits), a daily budget, all corrected by the server's
//! `X-MinLimit-Remaining` / `X-DayLimit-Remaining`; 10,000 a minute app-wide.
//! A 429 pauses the whole tenant until `Retry-After`. User-initiated work goes
//! first; background work never spends the last part of the daily budget.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use governor::clock::Clock as GovernorClock;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed};
use governor::Quota;
use ledgerkeep_obs::SharedClock;
use parking_lot::Mutex;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use crate::error::{Result, XeroError};
use crate::time::{unix_ms, Timekeeping};

/// The limits kept. Xero's by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Calls in flight at once, per tenant.
    pub concurrent: u32,
    /// Calls per minute, per tenant.
    pub per_minute: u32,
    /// Calls per day, per tenant (5,000; 1,000 on the Starter tier).
    pub per_day: u32,
    /// Calls per minute across every tenant.
    pub app_per_minute: u32,
    /// The last part of the daily budget, kept for work the owner starts.
    pub background_reserve: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            concurrent: 5,
            per_minute: 60,
            per_day: 5_000,
            app_per_minute: 10_000,
            background_reserve: 500,
        }
    }
}

/// Who asked for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// The owner is waiting for it: goes first, may spend the whole budget.
    User,
    /// A scheduled sync: waits behind user work, keeps off the reserve.
    Background,
}

/// The governor clock: our passed-in clock, in nanoseconds since the epoch.
#[derive(Debug, Clone)]
struct PassedInClock(SharedClock);

impl GovernorClock for PassedInClock {
    type Instant = Nanos;
    fn now(&self) -> Nanos {
        let ns = self.0.now().unix_timestamp_nanos();
        Nanos::from(u64::try_from(ns).unwrap_or(0))
    }
}

type Bucket = governor::RateLimiter<NotKeyed, InMemoryState, PassedInClock, NoOpMiddleware<Nanos>>;

fn bucket(per_minute: u32, clock: &SharedClock) -> Bucket {
    // One call per (60 s / limit), no burst: never more than `limit` in ANY
    // minute, whichever moment the server's fixed windows start.
    let period = Duration::from_nanos(60_000_000_000 / u64::from(per_minute.max(1)));
    let quota = Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::MIN);
    governor::RateLimiter::direct_with_clock(quota, PassedInClock(clock.clone()))
}

#[derive(Debug, Default)]
struct TenantCounts {
    /// No new call starts before this instant (ms): a 429, or the server's correction.
    paused_until_ms: i64,
    /// Our own sends in the last minute (ms), to read the server's minute count against.
    recent: VecDeque<i64>,
    /// The server's last `X-DayLimit-Remaining`, and our sends since it.
    day_remaining: Option<u32>,
    sends_since_day_reading: u32,
    /// Our sends in the last 24 hours, while the server has not told us.
    day_sends: VecDeque<i64>,
}

/// One tenant's gate.
struct TenantGate {
    in_flight: Arc<Semaphore>,
    minute: Bucket,
    counts: Mutex<TenantCounts>,
    users_waiting: AtomicUsize,
    user_done: Notify,
}

impl std::fmt::Debug for TenantGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantGate")
            .field("available", &self.in_flight.available_permits())
            .finish_non_exhaustive()
    }
}

/// Every tenant's gate, and the app-wide bucket.
pub struct RateLimiter {
    limits: RateLimits,
    time: Timekeeping,
    app: Bucket,
    tenants: Mutex<HashMap<String, Arc<TenantGate>>>,
    peak_in_flight: AtomicUsize,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A call's place: hold it until the response is read.
pub struct Ticket {
    _permit: OwnedSemaphorePermit,
    _busy: Option<Box<dyn Send + Sync>>,
    gate: Arc<TenantGate>,
    /// When the call was let through (ms).
    pub sent_at_ms: i64,
}

impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ticket")
            .field("sent_at_ms", &self.sent_at_ms)
            .finish_non_exhaustive()
    }
}

struct UserWaiting<'a>(&'a TenantGate);

impl Drop for UserWaiting<'_> {
    fn drop(&mut self) {
        if self.0.users_waiting.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.user_done.notify_waiters();
        }
    }
}

/// What a response said about the limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitHeaders {
    pub minute_remaining: Option<u32>,
    pub day_remaining: Option<u32>,
    /// `Retry-After`, on a 429.
    pub retry_after: Option<Duration>,
    /// The 429's `X-Rate-Limit-Problem` was `day`.
    pub day_exhausted: bool,
}

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

impl RateLimiter {
    pub fn new(limits: RateLimits, time: Timekeeping) -> Self {
        RateLimiter {
            app: bucket(limits.app_per_minute, &time.clock),
            limits,
            time,
            tenants: Mutex::new(HashMap::new()),
            peak_in_flight: AtomicUsize::new(0),
        }
    }

    pub fn limits(&self) -> RateLimits {
        self.limits
    }

    /// The most calls ever in flight at once for one tenant.
    pub fn peak_in_flight(&self) -> usize {
        self.peak_in_flight.load(Ordering::SeqCst)
    }

    fn gate(&self, tenant: &str) -> Arc<TenantGate> {
        let mut tenants = self.tenants.lock();
        Arc::clone(
            tenants
                .entry(tenant.to_ascii_lowercase())
                .or_insert_with(|| {
                    Arc::new(TenantGate {
                        in_flight: Arc::new(Semaphore::new(self.limits.concurrent as usize)),
                        minute: bucket(self.limits.per_minute, &self.time.clock),
                        counts: Mutex::new(TenantCounts::default()),
                        users_waiting: AtomicUsize::new(0),
                        user_done: Notify::new(),
                    })
                }),
        )
    }

    /// Waits for a place for one call to `tenant`.
    pub async fn acquire(&self, tenant: &str, priority: Priority) -> Result<Ticket> {
        let gate = self.gate(tenant);
        let _user = (priority == Priority::User).then(|| {
            gate.users_waiting.fetch_add(1, Ordering::SeqCst);
            UserWaiting(&gate)
        });
        loop {
            if priority == Priority::Background {
                self.wait_for_users(&gate).await;
            }
            let permit = Arc::clone(&gate.in_flight)
                .acquire_owned()
                .await
                .map_err(|_| XeroError::Network("the client is shutting down".to_owned()))?;
            if priority == Priority::Background && gate.users_waiting.load(Ordering::SeqCst) > 0 {
                drop(permit);
                continue;
            }
            self.check_day(&gate, priority)?;
            // The minute bucket, then any pause (a 429 or a correction) that
            // began while we waited; then the app-wide bucket.
            loop {
                match gate.minute.check() {
                    Ok(()) => break,
                    Err(not_until) => {
                        let wait =
                            not_until.wait_time_from(PassedInClock(self.time.clock.clone()).now());
                        self.time.sleeper.sleep(wait).await;
                    }
                }
            }
            self.wait_out_pause(&gate).await;
            while let Err(not_until) = self.app.check() {
                let wait = not_until.wait_time_from(PassedInClock(self.time.clock.clone()).now());
                self.time.sleeper.sleep(wait).await;
            }
            // No await from here to the send: the slot and the in-flight mark are one step.
            let busy = self.time.sleeper.hold();
            let now = self.time.now_ms();
            {
                let mut c = gate.counts.lock();
                c.recent.push_back(now);
                while c.recent.front().is_some_and(|t| now - t >= MINUTE_MS) {
                    c.recent.pop_front();
                }
                c.day_sends.push_back(now);
                while c.day_sends.front().is_some_and(|t| now - t >= DAY_MS) {
                    c.day_sends.pop_front();
                }
                c.sends_since_day_reading += 1;
            }
            let in_flight = self.limits.concurrent as usize - gate.in_flight.available_permits();
            self.peak_in_flight.fetch_max(in_flight, Ordering::SeqCst);
            return Ok(Ticket {
                _permit: permit,
                _busy: busy,
                gate: Arc::clone(&gate),
                sent_at_ms: now,
            });
        }
    }

    async fn wait_for_users(&self, gate: &TenantGate) {
        loop {
            let done = gate.user_done.notified();
            tokio::pin!(done);
            done.as_mut().enable();
            if gate.users_waiting.load(Ordering::SeqCst) == 0 {
                return;
            }
            done.await;
        }
    }

    async fn wait_out_pause(&self, gate: &TenantGate) {
        loop {
            let until = gate.counts.lock().paused_until_ms;
            let now = self.time.now_ms();
            if until <= now {
                return;
            }
            let wait = u64::try_from(until - now).unwrap_or(0);
            self.time.sleeper.sleep(Duration::from_millis(wait)).await;
        }
    }

    fn check_day(&self, gate: &TenantGate, priority: Priority) -> Result<()> {
        let now = self.time.now_ms();
        let c = gate.counts.lock();
        let remaining = match c.day_remaining {
            Some(server) => server.saturating_sub(c.sends_since_day_reading),
            None => {
                let recent = c.day_sends.iter().filter(|t| now - **t < DAY_MS).count();
                self.limits
                    .per_day
                    .saturating_sub(u32::try_from(recent).unwrap_or(u32::MAX))
            }
        };
        match priority {
            Priority::User if remaining == 0 => {
                Err(XeroError::DailyLimit("none left today".to_owned()))
            }
            Priority::Background if remaining <= self.limits.background_reserve => {
                Err(XeroError::DailyLimit(format!(
                    "the last {} calls are kept for what you start yourself",
                    self.limits.background_reserve
                )))
            }
            _ => Ok(()),
        }
    }

    /// Reads a response's limit headers: corrects the counts, and on a 429
    /// pauses the whole tenant until `Retry-After`.
    pub fn observe(&self, ticket: &Ticket, status: u16, h: &LimitHeaders) {
        let now = self.time.now_ms();
        let mut c = ticket.gate.counts.lock();
        if let Some(day) = h.day_remaining {
            c.day_remaining = Some(day);
            c.sends_since_day_reading = 0;
        }
        if let Some(server_left) = h.minute_remaining {
            // Our sends the server may have counted in its window: those in the
            // minute before this call. If it counted more, another app shares the
            // tenant: each call it took is one period of ours.
            let ours = c
                .recent
                .iter()
                .filter(|t| **t <= ticket.sent_at_ms && ticket.sent_at_ms - **t < MINUTE_MS)
                .count();
            let used_by_server = self.limits.per_minute.saturating_sub(server_left);
            let others = used_by_server.saturating_sub(u32::try_from(ours).unwrap_or(u32::MAX));
            if others > 0 {
                let period_ms = MINUTE_MS / i64::from(self.limits.per_minute.max(1));
                let until = now + i64::from(others) * period_ms;
                c.paused_until_ms = c.paused_until_ms.max(until);
            }
        }
        if status == 429 {
            if h.day_exhausted {
                c.day_remaining = Some(0);
                c.sends_since_day_reading = 0;
            }
            let wait = h.retry_after.unwrap_or(Duration::from_secs(1));
            let until = now + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
            c.paused_until_ms = c.paused_until_ms.max(until);
            tracing::warn!(retry_after_ms = %wait.as_millis(), "Xero answered 429: the tenant pauses");
        }
    }

    /// When the tenant may start calls again (ms), if paused.
    pub fn paused_until_ms(&self, tenant: &str) -> Option<i64> {
        let until = self.gate(tenant).counts.lock().paused_until_ms;
        (until > self.time.now_ms()).then_some(until)
    }
}

/// Milliseconds since the epoch of the passed-in clock (for callers without a Timekeeping).
pub fn clock_ms(clock: &SharedClock) -> i64 {
    unix_ms(clock.now())
}
