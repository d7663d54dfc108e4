//! Xero's rate limits, kept on our side so that Xero never has to refuse us:
//! per tenant at most 5 in flight (a semaphore), 60 a minute (a [`Burst`]
//! window that waits), a daily budget, all corrected by the server's
//! `X-MinLimit-Remaining` / `X-DayLimit-Remaining`; 10,000 a minute app-wide
//! (one [`Spacing`] shared by every tenant, corrected by
//! `X-AppMinLimit-Remaining`). A call takes its tenant's slot and the app's
//! slot at the same instant, once both are free.
//! A 429 pauses the whole tenant until `Retry-After` (an `appminute` 429, the
//! whole app). User-initiated work goes first; background work never spends
//! the last part of the daily budget.
//!
//! Xero's windows are fixed, and each tenant's reset at its own moment
//! (xero-facts.md), so the day does not turn at midnight: a daily 429's
//! `Retry-After` says when it does, and from then on it turns every 24 hours.
//! Until that is known, a reading of `X-DayLimit-Remaining` holds at most a
//! day, and when it says nothing is left one call may go to learn the moment.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use crate::error::{Result, XeroError};
use crate::time::Timekeeping;

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

/// The Starter tier's calls a day per tenant (xero-facts.md): the day Xero
/// gives a new app, and an owner's own app.
pub const STARTER_PER_DAY: u32 = 1_000;

impl RateLimits {
    /// The part of a day of `day` calls kept for what the owner starts: the
    /// configured reserve, in proportion when the tenant's day is smaller than
    /// the configured one (a Starter app's 1,000 keeps a tenth, as 5,000 does).
    pub fn reserve_of(&self, day: u32) -> u32 {
        if day >= self.per_day || self.per_day == 0 {
            return self.background_reserve;
        }
        let scaled = u64::from(self.background_reserve) * u64::from(day) / u64::from(self.per_day);
        u32::try_from(scaled).unwrap_or(self.background_reserve)
    }
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

/// The app's minute: one call per `period`, no burst (a GCRA bucket of depth
/// one): never more than `limit` calls in ANY minute, whichever moment the
/// server's fixed windows start. Unlike governor's buckets it can be looked at without
/// taking from it, so that a call takes its tenant's slot and the app's slot
/// together: taking one and then waiting for the other would let the first
/// slip (seen: 62 calls to one tenant in a minute while the app limit bound).
#[derive(Debug, Clone, Copy, Default)]
pub struct Spacing {
    period_ns: i128,
    /// The earliest instant (ns since the epoch) of the next call.
    next_ns: i128,
}

impl Spacing {
    /// `per_minute` calls a minute, evenly spaced.
    pub fn per_minute(per_minute: u32) -> Self {
        Spacing {
            period_ns: 60_000_000_000 / i128::from(per_minute.max(1)),
            next_ns: i128::MIN,
        }
    }

    /// When the next call may go (ns since the epoch).
    pub fn ready_at_ns(&self) -> i128 {
        self.next_ns
    }

    /// Takes the slot at `now_ns` (which must be at or after [`Self::ready_at_ns`]).
    pub fn take(&mut self, now_ns: i128) {
        self.next_ns = self.next_ns.max(now_ns).saturating_add(self.period_ns);
    }
}

/// How much longer than a minute the tenant's rolling window is: a margin for
/// the network, so that a call that reaches Xero sooner than the one sent a
/// window before it cannot land in the same minute of Xero's.
pub const WINDOW_MARGIN_MS: i64 = 1_000;

/// A tenant's minute as a rolling window: at most `limit` sends in ANY
/// `window_ms` (a minute and [`WINDOW_MARGIN_MS`]), so the first `limit` calls
/// of a quiet minute go at once and the next waits until the oldest of them
/// has left the window. Any fixed window of Xero's, wherever it starts, lies
/// inside one rolling window, so it never sees more than `limit` of ours.
/// Calls the server counted that are not ours (another app on the tenant)
/// stand in the window from the moment we learn of them, for a whole window.
#[derive(Debug, Clone, Default)]
pub struct Burst {
    /// Our sends (ms), oldest first, the last `window_ms` of them.
    sends: VecDeque<i64>,
    /// Someone else's calls the server reported: when we learnt it, and how many.
    others: Option<(i64, u32)>,
}

impl Burst {
    /// When the next call may go (ms), with `limit` a window of `window_ms`.
    pub fn ready_at_ms(&self, now: i64, limit: u32, window_ms: i64) -> i64 {
        let limit = limit.max(1) as usize;
        let others = |at: i64| match self.others {
            Some((t, n)) if at - t < window_ms => n as usize,
            _ => 0,
        };
        let live = |at: i64| self.sends.iter().filter(|t| at - **t < window_ms).count();
        if live(now) + others(now) < limit {
            return now;
        }
        // The count only falls as time passes, at the moments a send (or the
        // others' reading) leaves the window: the first that makes room.
        let mut moments: Vec<i64> = self.sends.iter().map(|t| t + window_ms).collect();
        if let Some((t, _)) = self.others {
            moments.push(t + window_ms);
        }
        moments.sort_unstable();
        moments
            .into_iter()
            .filter(|m| *m > now)
            .find(|m| live(*m) + others(*m) < limit)
            .unwrap_or(now + window_ms)
    }

    /// Records a send at `now` (ms), forgetting what has left the window.
    pub fn take(&mut self, now: i64, window_ms: i64) {
        self.sends.push_back(now);
        while self.sends.front().is_some_and(|t| now - t >= window_ms) {
            self.sends.pop_front();
        }
    }

    /// Our sends in the minute up to and including `at` (ms).
    fn ours_in_minute_to(&self, at: i64) -> usize {
        self.sends
            .iter()
            .filter(|t| **t <= at && at - **t < MINUTE_MS)
            .count()
    }

    /// The server counted `others` calls that are not ours, read at `now`.
    fn others_seen(&mut self, now: i64, others: u32) {
        self.others = (others > 0).then_some((now, others));
    }
}

#[derive(Debug, Default)]
struct TenantCounts {
    /// The tenant's minute: our sends in the rolling window, and others'.
    minute: Burst,
    /// No new call starts before this instant (ms): a 429.
    paused_until_ms: i64,
    /// The server's last `X-DayLimit-Remaining`, when it was read, and our sends since.
    day_remaining: Option<u32>,
    day_read_at_ms: i64,
    sends_since_day_reading: u32,
    /// Our sends in the last 24 hours, while the server has not told us.
    day_sends: VecDeque<i64>,
    /// When the tenant's day window at Xero ends, once a daily 429 has said so.
    day_ends_at_ms: Option<i64>,
    /// A call let through with nothing left, to learn when the day turns.
    day_probe_sent: bool,
    /// The most `X-DayLimit-Remaining` has ever said for the tenant: what
    /// tells its tier's day (see [`RateLimiter::day_budget`]).
    most_day_remaining_seen: Option<u32>,
}

impl TenantCounts {
    /// Forgets what no longer holds once the tenant's day at Xero has turned.
    fn roll_day(&mut self, now: i64) {
        if let Some(end) = self.day_ends_at_ms {
            if now >= end {
                // A new window at Xero: a fresh budget, and our earlier sends no longer count.
                let days = (now - end) / DAY_MS + 1;
                self.day_ends_at_ms = Some(end.saturating_add(days.saturating_mul(DAY_MS)));
                self.day_remaining = None;
                self.sends_since_day_reading = 0;
                self.day_sends.clear();
                self.day_probe_sent = false;
            }
        } else if self.day_remaining.is_some() && now - self.day_read_at_ms >= DAY_MS {
            // The window the reading was taken in has ended, whenever it began.
            self.day_remaining = None;
            self.sends_since_day_reading = 0;
            self.day_probe_sent = false;
        }
    }

    /// The tenant's day as far as Xero has shown it: the configured day,
    /// unless every reading so far fits the Starter tier's 1,000 (a day that
    /// only falls never reads 1,000 or more on Starter; a larger tier's does
    /// at some reading, and is then believed).
    fn day_budget(&self, per_day: u32) -> u32 {
        match self.most_day_remaining_seen {
            Some(most) if most < STARTER_PER_DAY => per_day.min(STARTER_PER_DAY),
            _ => per_day,
        }
    }

    fn day_left(&self, per_day: u32, now: i64) -> u32 {
        match self.day_remaining {
            Some(server) => server.saturating_sub(self.sends_since_day_reading),
            None => {
                let recent = self.day_sends.iter().filter(|t| now - **t < DAY_MS).count();
                per_day.saturating_sub(u32::try_from(recent).unwrap_or(u32::MAX))
            }
        }
    }
}

/// The app's own counts, across tenants.
#[derive(Debug, Default)]
struct AppCounts {
    /// The app's minute, across tenants, as even spacing.
    minute: Spacing,
    /// No new call to any tenant starts before this instant (ms).
    paused_until_ms: i64,
    /// Our sends in the last minute (ms), to read `X-AppMinLimit-Remaining` against.
    recent: VecDeque<i64>,
}

/// One tenant's gate.
struct TenantGate {
    in_flight: Arc<Semaphore>,
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
    app_counts: Mutex<AppCounts>,
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

/// The limit a 429 names in `X-Rate-Limit-Problem`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitProblem {
    Minute,
    Day,
    AppMinute,
    Concurrent,
}

impl LimitProblem {
    /// Reads the header's value (any case); `None` for one Xero has not documented.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "minute" => Some(LimitProblem::Minute),
            "day" => Some(LimitProblem::Day),
            "appminute" => Some(LimitProblem::AppMinute),
            "concurrent" => Some(LimitProblem::Concurrent),
            _ => None,
        }
    }
}

/// What a response said about the limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitHeaders {
    pub minute_remaining: Option<u32>,
    pub day_remaining: Option<u32>,
    pub app_minute_remaining: Option<u32>,
    /// `Retry-After`, on a 429 (Xero sends it for the minute and the day).
    pub retry_after: Option<Duration>,
    /// The 429's `X-Rate-Limit-Problem`.
    pub problem: Option<LimitProblem>,
}

impl LimitHeaders {
    /// The 429 was for the tenant's daily limit.
    pub fn day_exhausted(&self) -> bool {
        self.problem == Some(LimitProblem::Day)
    }
}

const MINUTE_MS: i64 = 60_000;
/// The tenant's rolling window.
const WINDOW_MS: i64 = MINUTE_MS + WINDOW_MARGIN_MS;
const DAY_MS: i64 = 86_400_000;

fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// `HH:MM UTC` of an instant in ms.
fn utc_time_of_day(ms: i64) -> String {
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02} UTC", secs / 3600, secs % 3600 / 60)
}

impl RateLimiter {
    pub fn new(limits: RateLimits, time: Timekeeping) -> Self {
        RateLimiter {
            app_counts: Mutex::new(AppCounts {
                minute: Spacing::per_minute(limits.app_per_minute),
                ..AppCounts::default()
            }),
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
                .map_err(|_| XeroError::Network("the client is shutting down".into()))?;
            if priority == Priority::Background && gate.users_waiting.load(Ordering::SeqCst) > 0 {
                drop(permit);
                continue;
            }
            self.check_day(&mut gate.counts.lock(), priority, false)?;
            // Wait until the tenant's minute slot, the app's, and the end of any
            // pause (a 429 or a correction, on the tenant or the app) all hold at
            // once; then take both slots in one step, with no await before the send.
            let (now, busy) = loop {
                let now_ns = crate::time::unix_ns(self.time.clock.now());
                let ready_ns = {
                    let mut app = self.app_counts.lock();
                    let mut c = gate.counts.lock();
                    let now_ms = self.time.now_ms();
                    let minute_ready_ms =
                        c.minute
                            .ready_at_ms(now_ms, self.limits.per_minute, WINDOW_MS);
                    // Ready now in ms is ready now in ns: the window counts whole ms.
                    let minute_ready_ns = if minute_ready_ms <= now_ms {
                        now_ns
                    } else {
                        i128::from(minute_ready_ms) * 1_000_000
                    };
                    let ready_ns = minute_ready_ns
                        .max(app.minute.ready_at_ns())
                        .max(i128::from(c.paused_until_ms) * 1_000_000)
                        .max(i128::from(app.paused_until_ms) * 1_000_000);
                    if ready_ns <= now_ns {
                        // The day may have run out, or turned, while we waited.
                        self.check_day(&mut c, priority, true)?;
                        app.minute.take(now_ns);
                        let busy = self.time.sleeper.hold();
                        let now = self.time.now_ms();
                        c.minute.take(now, WINDOW_MS);
                        c.day_sends.push_back(now);
                        while c.day_sends.front().is_some_and(|t| now - t >= DAY_MS) {
                            c.day_sends.pop_front();
                        }
                        c.sends_since_day_reading += 1;
                        app.recent.push_back(now);
                        while app.recent.front().is_some_and(|t| now - t >= MINUTE_MS) {
                            app.recent.pop_front();
                        }
                        break (now, busy);
                    }
                    ready_ns
                };
                let wait = u64::try_from(ready_ns - now_ns).unwrap_or(u64::MAX);
                self.time.sleeper.sleep(Duration::from_nanos(wait)).await;
            };
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

    /// Whether the tenant's daily budget allows one more call of `priority`.
    /// `sending`: the call goes out now if allowed (it may be the one call that
    /// learns when a spent day turns).
    fn check_day(&self, c: &mut TenantCounts, priority: Priority, sending: bool) -> Result<()> {
        let now = self.time.now_ms();
        c.roll_day(now);
        let remaining = c.day_left(self.limits.per_day, now);
        let reserve = self.limits.reserve_of(c.day_budget(self.limits.per_day));
        match priority {
            Priority::User if remaining == 0 => match c.day_ends_at_ms {
                Some(end) => Err(XeroError::DailyLimit(format!(
                    "none left until {}",
                    utc_time_of_day(end)
                ))),
                // Xero has not said when this tenant's day turns: one call may
                // go and learn it (a daily 429 carries `Retry-After`).
                None if !c.day_probe_sent => {
                    if sending {
                        c.day_probe_sent = true;
                    }
                    Ok(())
                }
                None => Err(XeroError::DailyLimit("none left today".to_owned())),
            },
            Priority::Background if remaining <= reserve => Err(XeroError::DailyLimit(format!(
                "the last {reserve} calls are kept for what you start yourself"
            ))),
            _ => Ok(()),
        }
    }

    /// Reads a response's limit headers: corrects the counts, and on a 429
    /// pauses the whole tenant until `Retry-After`.
    pub fn observe(&self, ticket: &Ticket, status: u16, h: &LimitHeaders) {
        let now = self.time.now_ms();
        self.observe_app(ticket, status, h, now);
        let mut c = ticket.gate.counts.lock();
        if let Some(day) = h.day_remaining {
            c.most_day_remaining_seen = Some(c.most_day_remaining_seen.map_or(day, |m| m.max(day)));
            c.day_remaining = Some(day);
            c.day_read_at_ms = now;
            c.sends_since_day_reading = 0;
            if day > 0 {
                c.day_probe_sent = false;
            }
        }
        if let Some(server_left) = h.minute_remaining {
            // Our sends the server may have counted in its window: those in the
            // minute before this call. If it counted more, another app shares the
            // tenant: its calls take places in our window from now on.
            let ours = c.minute.ours_in_minute_to(ticket.sent_at_ms);
            let used_by_server = self.limits.per_minute.saturating_sub(server_left);
            let others = used_by_server.saturating_sub(u32::try_from(ours).unwrap_or(u32::MAX));
            c.minute.others_seen(now, others);
        }
        if status != 429 {
            return;
        }
        match h.problem {
            Some(LimitProblem::Day) => {
                // Nothing more today: refused locally (no pause to sleep through)
                // until the moment Xero names, when the day turns.
                c.day_remaining = Some(0);
                c.day_read_at_ms = now;
                c.sends_since_day_reading = 0;
                if let Some(wait) = h.retry_after {
                    c.day_ends_at_ms = Some(now.saturating_add(duration_ms(wait)));
                }
                tracing::warn!(retry_after_s = ?h.retry_after.map(|d| d.as_secs()), "Xero answered 429 for the day: the tenant stops until its day turns");
            }
            Some(LimitProblem::AppMinute) => {}
            _ => {
                let wait = h.retry_after.unwrap_or(Duration::from_secs(1));
                let until = now.saturating_add(duration_ms(wait));
                c.paused_until_ms = c.paused_until_ms.max(until);
                tracing::warn!(retry_after_ms = %wait.as_millis(), "Xero answered 429: the tenant pauses");
            }
        }
    }

    /// The app-wide part of a response: `X-AppMinLimit-Remaining` read against
    /// our own sends, and an `appminute` 429, pause every tenant.
    fn observe_app(&self, ticket: &Ticket, status: u16, h: &LimitHeaders, now: i64) {
        let mut app = self.app_counts.lock();
        if let Some(server_left) = h.app_minute_remaining {
            // Every send of ours in the last minute may be in the server's count:
            // what it counted beyond them, another copy of the app spent.
            let ours = app
                .recent
                .iter()
                .filter(|t| now - **t < MINUTE_MS && **t <= now)
                .count();
            let used_by_server = self.limits.app_per_minute.saturating_sub(server_left);
            let others = used_by_server.saturating_sub(u32::try_from(ours).unwrap_or(u32::MAX));
            if others > 0 {
                let period_ns = 60_000_000_000 / u64::from(self.limits.app_per_minute.max(1));
                let wait = Duration::from_nanos(period_ns.saturating_mul(u64::from(others)));
                app.paused_until_ms = app.paused_until_ms.max(now + duration_ms(wait));
            }
        }
        if status == 429 && h.problem == Some(LimitProblem::AppMinute) {
            // Xero sends no Retry-After for the app's minute: a whole minute is
            // sure to reach its next window, wherever that starts.
            let wait = h.retry_after.unwrap_or(Duration::from_secs(60));
            app.paused_until_ms = app
                .paused_until_ms
                .max(now.saturating_add(duration_ms(wait)));
            tracing::warn!(retry_after_ms = %wait.as_millis(), sent_at_ms = ticket.sent_at_ms, "Xero answered 429 for the app's minute: every tenant pauses");
        }
    }

    /// When calls to any tenant may start again (ms), if the app is paused.
    pub fn app_paused_until_ms(&self) -> Option<i64> {
        let until = self.app_counts.lock().paused_until_ms;
        (until > self.time.now_ms()).then_some(until)
    }

    /// When the tenant's day at Xero turns next (ms), once a daily 429 has said so.
    pub fn day_turns_at_ms(&self, tenant: &str) -> Option<i64> {
        let gate = self.gate(tenant);
        let mut c = gate.counts.lock();
        c.roll_day(self.time.now_ms());
        c.day_ends_at_ms
    }

    /// When the tenant's daily budget grows again (ms): when Xero's day turns,
    /// if a daily 429 said so; else when the last `X-DayLimit-Remaining`
    /// reading stops holding; else when the oldest of our calls of the last
    /// 24 hours leaves them. `None` when nothing of the day is spent.
    pub fn day_frees_at_ms(&self, tenant: &str) -> Option<i64> {
        let gate = self.gate(tenant);
        let mut c = gate.counts.lock();
        let now = self.time.now_ms();
        c.roll_day(now);
        if let Some(end) = c.day_ends_at_ms {
            return Some(end);
        }
        if c.day_remaining.is_some() {
            return Some(c.day_read_at_ms.saturating_add(DAY_MS));
        }
        c.day_sends
            .iter()
            .copied()
            .filter(|t| now - *t < DAY_MS)
            .min()
            .map(|t| t.saturating_add(DAY_MS))
    }

    /// What is left of the tenant's daily budget, as far as the limiter knows
    /// (the server's last `X-DayLimit-Remaining` less our calls since, else
    /// the budget less our calls of the last 24 hours).
    pub fn day_left(&self, tenant: &str) -> u32 {
        let gate = self.gate(tenant);
        let mut c = gate.counts.lock();
        let now = self.time.now_ms();
        c.roll_day(now);
        c.day_left(self.limits.per_day, now)
    }

    /// The tenant's calls a day, as far as Xero has shown them: the configured
    /// day (Xero's 5,000 by default), or the Starter tier's 1,000 while every
    /// `X-DayLimit-Remaining` read for the tenant is below 1,000. Before any
    /// reading, the configured day.
    pub fn day_budget(&self, tenant: &str) -> u32 {
        self.gate(tenant)
            .counts
            .lock()
            .day_budget(self.limits.per_day)
    }

    /// The calls of the tenant's day that background work leaves for what the
    /// owner starts: the configured reserve, in proportion to
    /// [`Self::day_budget`].
    pub fn background_reserve(&self, tenant: &str) -> u32 {
        self.limits.reserve_of(self.day_budget(tenant))
    }

    /// When the tenant may start calls again (ms), if paused.
    pub fn paused_until_ms(&self, tenant: &str) -> Option<i64> {
        let until = self.gate(tenant).counts.lock().paused_until_ms;
        (until > self.time.now_ms()).then_some(until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::VirtualTime;

    fn limiter(vt: &Arc<VirtualTime>, limits: RateLimits) -> RateLimiter {
        RateLimiter::new(limits, vt.timekeeping())
    }

    #[tokio::test]
    async fn a_429_pauses_only_its_tenant_until_retry_after() {
        let vt = VirtualTime::starting_at(0);
        let l = limiter(&vt, RateLimits::default());
        let t = l.acquire("a", Priority::User).await.unwrap();
        let h = LimitHeaders {
            retry_after: Some(Duration::from_secs(30)),
            problem: Some(LimitProblem::Minute),
            ..LimitHeaders::default()
        };
        l.observe(&t, 429, &h);
        drop(t);
        let t0 = vt.now_ms();
        assert_eq!(l.paused_until_ms("a"), Some(t0 + 30_000));
        let other = l.acquire("b", Priority::User).await.unwrap();
        assert!(other.sent_at_ms < t0 + 1_000, "another tenant waited");
        drop(other);
        let next = l.acquire("a", Priority::User).await.unwrap();
        assert!(next.sent_at_ms >= t0 + 30_000, "started during the pause");
    }

    #[tokio::test]
    async fn sixty_go_at_once_and_each_next_when_the_one_sixty_before_leaves_the_window() {
        let vt = VirtualTime::starting_at(0);
        let l = limiter(&vt, RateLimits::default());
        let mut at = Vec::new();
        for _ in 0..150 {
            at.push(l.acquire("a", Priority::User).await.unwrap().sent_at_ms);
        }
        // A burst: the first 60 within a second (the app's 10,000 a minute
        // spaces any two calls by 6 ms).
        assert!(at[59] - at[0] < 1_000, "{at:?}");
        for i in 60..at.len() {
            assert_eq!(at[i], at[i - 60] + WINDOW_MS, "call {i}: {at:?}");
        }
        // Never more than 60 in any minute, wherever Xero's windows start.
        assert!(at.windows(61).all(|w| w[60] - w[0] > MINUTE_MS));
    }

    #[tokio::test]
    async fn a_window_half_spent_earlier_leaves_room_for_the_rest() {
        let vt = VirtualTime::starting_at(0);
        let l = limiter(&vt, RateLimits::default());
        let mut first = Vec::new();
        for _ in 0..30 {
            first.push(l.acquire("a", Priority::User).await.unwrap().sent_at_ms);
        }
        vt.advance(Duration::from_secs(40));
        let mut at = Vec::new();
        for _ in 0..31 {
            at.push(l.acquire("a", Priority::User).await.unwrap().sent_at_ms);
        }
        // 30 more fit beside the first 30 at once; the 31st waits for the
        // first of those to leave the window.
        assert!(at[29] - at[0] < 1_000 && at[0] < 41_000, "{at:?}");
        assert_eq!(at[30], first[0] + WINDOW_MS);
    }

    #[tokio::test]
    async fn background_work_keeps_off_the_last_of_the_daily_budget() {
        let vt = VirtualTime::starting_at(0);
        let l = limiter(&vt, RateLimits::default());
        let read = |day: u32| LimitHeaders {
            day_remaining: Some(day),
            ..LimitHeaders::default()
        };
        // A reading above a Starter day: the tenant has Xero's 5,000.
        let t = l.acquire("a", Priority::Background).await.unwrap();
        l.observe(&t, 200, &read(4_000));
        drop(t);
        let t = l.acquire("a", Priority::Background).await.unwrap();
        l.observe(&t, 200, &read(501));
        drop(t);
        assert_eq!((l.day_budget("a"), l.background_reserve("a")), (5_000, 500));
        // 501 left: one more background call, then only the owner's.
        drop(l.acquire("a", Priority::Background).await.unwrap());
        let err = l.acquire("a", Priority::Background).await.unwrap_err();
        assert!(matches!(err, XeroError::DailyLimit(_)), "{err:?}");
        drop(l.acquire("a", Priority::User).await.unwrap());
    }

    #[tokio::test]
    async fn a_starter_day_is_learned_from_what_xero_says_is_left() {
        let vt = VirtualTime::starting_at(0);
        let l = limiter(&vt, RateLimits::default());
        // Before any reading, the configured day and reserve.
        assert_eq!((l.day_budget("a"), l.background_reserve("a")), (5_000, 500));
        let read = |day: u32| LimitHeaders {
            day_remaining: Some(day),
            ..LimitHeaders::default()
        };
        let t = l.acquire("a", Priority::Background).await.unwrap();
        l.observe(&t, 200, &read(999));
        drop(t);
        // A Starter tenant: its day is 1,000 and a tenth of it is kept, not
        // the 500 of 5,000 (half of its day).
        assert_eq!((l.day_budget("a"), l.background_reserve("a")), (1_000, 100));
        // Another tenant of the same app is read on its own.
        assert_eq!(l.day_budget("b"), 5_000);
        // Background work goes on down to the Starter reserve, not 500.
        let t = l.acquire("a", Priority::Background).await.unwrap();
        l.observe(&t, 200, &read(101));
        drop(t);
        drop(l.acquire("a", Priority::Background).await.unwrap());
        let err = l.acquire("a", Priority::Background).await.unwrap_err();
        assert!(
            matches!(&err, XeroError::DailyLimit(m) if m.contains("last 100 calls")),
            "{err:?}"
        );
        // A reading of 1,000 or more can only come from a larger tier.
        let t = l.acquire("a", Priority::User).await.unwrap();
        l.observe(&t, 200, &read(1_500));
        drop(t);
        assert_eq!(l.day_budget("a"), 5_000);
        // A client set for a smaller day than Starter's keeps its own.
        let small = limiter(
            &vt,
            RateLimits {
                per_day: 200,
                background_reserve: 20,
                ..RateLimits::default()
            },
        );
        let t = small.acquire("a", Priority::User).await.unwrap();
        small.observe(&t, 200, &read(150));
        drop(t);
        assert_eq!(
            (small.day_budget("a"), small.background_reserve("a")),
            (200, 20)
        );
    }

    #[tokio::test]
    async fn the_budget_frees_when_the_day_turns_or_the_reading_stops_holding() {
        let vt = VirtualTime::starting_at(DAY_MS);
        let l = limiter(&vt, RateLimits::default());
        assert_eq!(l.day_frees_at_ms("a"), None, "nothing spent");
        // Our own count: the oldest call leaves the last 24 hours.
        drop(l.acquire("a", Priority::User).await.unwrap());
        let first = vt.now_ms();
        vt.advance(Duration::from_secs(60));
        drop(l.acquire("a", Priority::User).await.unwrap());
        assert_eq!(l.day_frees_at_ms("a"), Some(first + DAY_MS));
        // The server's reading holds a day from when it was read.
        vt.advance(Duration::from_secs(60));
        let t = l.acquire("a", Priority::User).await.unwrap();
        l.observe(
            &t,
            200,
            &LimitHeaders {
                day_remaining: Some(3),
                ..LimitHeaders::default()
            },
        );
        drop(t);
        let read = vt.now_ms();
        assert_eq!(l.day_frees_at_ms("a"), Some(read + DAY_MS));
        // A daily 429 names the moment.
        let t = l.acquire("a", Priority::User).await.unwrap();
        l.observe(&t, 429, &day_429(600));
        drop(t);
        assert_eq!(l.day_frees_at_ms("a"), Some(vt.now_ms() + 600_000));
    }

    #[tokio::test]
    async fn user_work_goes_before_background_work() {
        let vt = VirtualTime::starting_at(0);
        let l = Arc::new(limiter(
            &vt,
            RateLimits {
                concurrent: 1,
                ..RateLimits::default()
            },
        ));
        let held = l.acquire("a", Priority::User).await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let bg = {
            let (l, order) = (Arc::clone(&l), Arc::clone(&order));
            tokio::spawn(async move {
                let _t = l.acquire("a", Priority::Background).await.unwrap();
                order.lock().push("background");
            })
        };
        tokio::task::yield_now().await;
        let user = {
            let (l, order) = (Arc::clone(&l), Arc::clone(&order));
            tokio::spawn(async move {
                let _t = l.acquire("a", Priority::User).await.unwrap();
                order.lock().push("user");
            })
        };
        tokio::task::yield_now().await;
        drop(held);
        user.await.unwrap();
        bg.await.unwrap();
        assert_eq!(*order.lock(), vec!["user", "background"]);
    }

    #[tokio::test]
    async fn the_servers_minute_count_corrects_ours() {
        let vt = VirtualTime::starting_at(0);
        let l = limiter(&vt, RateLimits::default());
        vt.advance(Duration::from_secs(5));
        let t = l.acquire("a", Priority::User).await.unwrap();
        // We made 1 call; the server counted 11 in its window: 10 are someone else's.
        let h = LimitHeaders {
            minute_remaining: Some(49),
            ..LimitHeaders::default()
        };
        l.observe(&t, 200, &h);
        drop(t);
        // They hold 10 places in our window: 49 more go now, the 50th waits.
        let mut at = Vec::new();
        for _ in 0..50 {
            at.push(l.acquire("a", Priority::User).await.unwrap().sent_at_ms);
        }
        assert!(at[48] < 6_000, "{at:?}");
        assert_eq!(at[49], 5_000 + WINDOW_MS, "{at:?}");
    }

    fn day_429(retry_after_s: u64) -> LimitHeaders {
        LimitHeaders {
            day_remaining: Some(0),
            retry_after: Some(Duration::from_secs(retry_after_s)),
            problem: Some(LimitProblem::Day),
            ..LimitHeaders::default()
        }
    }

    #[test]
    fn the_defaults_are_xeros_limits() {
        let d = RateLimits::default();
        assert_eq!(
            (d.concurrent, d.per_minute, d.per_day, d.app_per_minute),
            (5, 60, 5_000, 10_000)
        );
    }

    #[tokio::test]
    async fn a_daily_429_holds_until_the_moment_xero_names_and_then_the_day_is_new() {
        // 21:00 UTC: this tenant's day at Xero turns in 5 hours, not at midnight.
        let start = 20_000 * DAY_MS + 21 * 3_600_000;
        let vt = VirtualTime::starting_at(start);
        let l = limiter(&vt, RateLimits::default());
        let t = l.acquire("a", Priority::User).await.unwrap();
        l.observe(&t, 429, &day_429(5 * 3600));
        drop(t);
        assert_eq!(
            l.paused_until_ms("a"),
            None,
            "a day is refused, not slept through"
        );
        let err = l.acquire("a", Priority::User).await.unwrap_err();
        assert_eq!(
            err,
            XeroError::DailyLimit("none left until 02:00 UTC".into())
        );
        // Midnight UTC changes nothing.
        vt.advance(Duration::from_secs(3 * 3600 + 1));
        assert!(l.acquire("a", Priority::User).await.is_err());
        assert!(l.acquire("a", Priority::Background).await.is_err());
        vt.advance(Duration::from_secs(2 * 3600 - 1));
        // 02:00: the whole budget is back, for background work too.
        let t = l.acquire("a", Priority::User).await.unwrap();
        assert_eq!(t.sent_at_ms, start + 5 * 3_600_000);
        drop(t);
        let t = l.acquire("a", Priority::Background).await.unwrap();
        // Spent again the next day: the day turns 24 hours after the last time.
        l.observe(
            &t,
            200,
            &LimitHeaders {
                day_remaining: Some(0),
                ..LimitHeaders::default()
            },
        );
        drop(t);
        vt.advance(Duration::from_secs(23 * 3600));
        let err = l.acquire("a", Priority::User).await.unwrap_err();
        assert_eq!(
            err,
            XeroError::DailyLimit("none left until 02:00 UTC".into())
        );
        vt.advance(Duration::from_secs(3600));
        drop(l.acquire("a", Priority::User).await.unwrap());
    }

    #[tokio::test]
    async fn with_nothing_left_and_no_moment_known_one_call_goes_to_learn_it() {
        let vt = VirtualTime::starting_at(0);
        let l = limiter(&vt, RateLimits::default());
        let t = l.acquire("a", Priority::User).await.unwrap();
        let spent = LimitHeaders {
            day_remaining: Some(0),
            ..LimitHeaders::default()
        };
        l.observe(&t, 200, &spent);
        drop(t);
        assert!(l.acquire("a", Priority::Background).await.is_err());
        let probe = l.acquire("a", Priority::User).await.unwrap();
        let err = l.acquire("a", Priority::User).await.unwrap_err();
        assert_eq!(err, XeroError::DailyLimit("none left today".into()));
        // Xero answers the probe with its daily 429 and when the day turns.
        l.observe(&probe, 429, &day_429(600));
        drop(probe);
        assert!(l.acquire("a", Priority::User).await.is_err());
        vt.advance(Duration::from_secs(600));
        drop(l.acquire("a", Priority::User).await.unwrap());
    }

    #[tokio::test]
    async fn a_reading_holds_at_most_a_day() {
        let vt = VirtualTime::starting_at(0);
        let l = limiter(&vt, RateLimits::default());
        let t = l.acquire("a", Priority::Background).await.unwrap();
        let low = LimitHeaders {
            day_remaining: Some(100),
            ..LimitHeaders::default()
        };
        l.observe(&t, 200, &low);
        drop(t);
        assert!(
            l.acquire("a", Priority::Background).await.is_err(),
            "into the reserve"
        );
        vt.advance(Duration::from_millis(DAY_MS as u64));
        drop(l.acquire("a", Priority::Background).await.unwrap());
    }

    #[tokio::test]
    async fn the_app_minute_is_shared_by_every_tenant() {
        let vt = VirtualTime::starting_at(0);
        let l = limiter(
            &vt,
            RateLimits {
                app_per_minute: 3,
                ..RateLimits::default()
            },
        );
        let mut at = Vec::new();
        for tenant in ["a", "b", "c", "d", "a", "b", "c"] {
            at.push(l.acquire(tenant, Priority::User).await.unwrap().sent_at_ms);
        }
        // Three a minute across tenants: one every 20 seconds, whoever asks.
        assert_eq!(
            at,
            vec![0, 20_000, 40_000, 60_000, 80_000, 100_000, 120_000]
        );
    }

    #[tokio::test]
    async fn an_appminute_429_pauses_every_tenant_and_the_servers_app_count_corrects_ours() {
        let vt = VirtualTime::starting_at(0);
        let l = limiter(&vt, RateLimits::default());
        let t = l.acquire("a", Priority::User).await.unwrap();
        let app = LimitHeaders {
            problem: Some(LimitProblem::AppMinute),
            app_minute_remaining: Some(0),
            ..LimitHeaders::default()
        };
        l.observe(&t, 429, &app);
        drop(t);
        // No Retry-After for the app's minute: a whole minute reaches the next window.
        assert_eq!(l.app_paused_until_ms(), Some(60_000));
        assert_eq!(l.paused_until_ms("a"), None);
        let other = l.acquire("b", Priority::User).await.unwrap();
        assert!(other.sent_at_ms >= 60_000, "{}", other.sent_at_ms);
        // The server counted 1,002 in its minute, one of them ours: another
        // copy of the app took 1,001, about 6 seconds at our pace.
        let left = LimitHeaders {
            app_minute_remaining: Some(10_000 - 1_002),
            ..LimitHeaders::default()
        };
        l.observe(&other, 200, &left);
        drop(other);
        let next = l.acquire("c", Priority::User).await.unwrap();
        assert!(next.sent_at_ms >= 66_000, "{}", next.sent_at_ms);
    }
}
