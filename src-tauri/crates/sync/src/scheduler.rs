//! The scheduler: per tenant, one task that waits on a tick, a command or
//! shutdown, and runs at most one sync at a time.
//!
//! - a sync on launch, every `interval` (missed ticks are skipped), on "sync
//!   now", and when the network returns; the interval stretches to what the
//!   organisation's day allows (quiet runs spread over its calls less the
//!   reserve), so that on Starter the day's syncs last the whole day;
//! - failures back off exponentially with jitter, reset on success;
//! - a tenant whose sign-in needs re-authorisation pauses: no ticks until it
//!   is scheduled again (after a new sign-in) or the owner asks for a sync;
//! - background syncs run at `Priority::Background`, so the rate limiter keeps
//!   the last part of the daily budget for what the owner starts;
//! - a run stopped by the daily budget is tried again when the budget grows
//!   (Xero's day turns), not before: a first sync that needs several days
//!   goes on then where it stopped;
//! - a full sweep in progress is persisted by the engine and resumed by the
//!   next run, even after a restart;
//! - `cancel` stops the running sync at its next safe point (between pages, or
//!   by abandoning the call in flight: a page is applied whole or not at all);
//! - `shutdown` stops taking work, cancels what runs and waits for the tasks;
//! - after a complete sync, the attachments job (`attachments.rs`) runs
//!   while the tenant waits for its next tick: a tick, a command or shutdown
//!   cancels it first, so it never holds up the books; stopped by the day's
//!   budget, it runs again when the budget grows (and never before the
//!   next interval).
//!
//! All waiting goes through the passed-in `Timekeeping`, so tests drive it on
//! virtual time.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ledgerkeep_xero::Timekeeping;
use parking_lot::Mutex;
use rand::Rng;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::attachments::{AttachmentsReport, JobEnd};
use crate::cancel::CancelToken;
use crate::engine::{ProgressSink, SyncEngine, SyncRequest};
use crate::notify::{notice_for, Notifier};
use crate::outbox::OutboxReport;
use crate::progress::{StopReason, SyncProgress, SyncReport};
use ledgerkeep_xero::Priority;

/// How the scheduler runs.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// Between background syncs (setting; default 15 minutes).
    pub interval: Duration,
    /// Sync each tenant as soon as the scheduler starts.
    pub sync_on_launch: bool,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// Sweep each stream whole this often (default weekly)...
    pub sweep_every: Option<chrono::Duration>,
    /// ...at most this many streams per run, so sweeps spread over the days.
    pub max_sweeps_per_run: usize,
    /// Fetch Xero's own reports after a sync when the stored ones are older
    /// than this (default 6 hours; `None`: never). See `reports.rs`.
    pub reports_every: Option<chrono::Duration>,
}

/// How old Xero's stored reports may grow before a sync fetches them again.
pub const DEFAULT_REPORTS_EVERY: chrono::Duration = chrono::Duration::hours(6);

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            interval: Duration::from_secs(15 * 60),
            sync_on_launch: true,
            backoff_base: Duration::from_secs(30),
            backoff_cap: Duration::from_secs(60 * 60),
            sweep_every: Some(chrono::Duration::days(7)),
            max_sweeps_per_run: 3,
            reports_every: Some(DEFAULT_REPORTS_EVERY),
        }
    }
}

/// After the day's budget grows again, a moment more before the next sync.
const DAY_TURN_MARGIN_MS: i64 = 1_000;

/// What the scheduler tells the fronts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum SyncEvent {
    Started {
        tenant: String,
        full: bool,
        user: bool,
    },
    Progress(SyncProgress),
    Finished(SyncReport),
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchedulerError {
    #[error("The organisation {0} is not scheduled for syncing.")]
    UnknownTenant(String),
    #[error("Ledgerkeep is shutting down: no new syncs start.")]
    ShuttingDown,
}

enum Command {
    SyncNow {
        full: bool,
        reply: oneshot::Sender<SyncReport>,
    },
    NetworkBack,
    /// Scheduled again (e.g. after a new sign-in): a paused tenant resumes.
    Resume,
    /// Payments were queued: send the outbox now (no sync).
    SendOutbox,
}

#[derive(Debug)]
struct TenantSlot {
    commands: mpsc::UnboundedSender<Command>,
    running: Arc<Mutex<Option<CancelToken>>>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::SyncNow { full, .. } => write!(f, "SyncNow {{ full: {full} }}"),
            Command::NetworkBack => f.write_str("NetworkBack"),
            Command::Resume => f.write_str("Resume"),
            Command::SendOutbox => f.write_str("SendOutbox"),
        }
    }
}

/// The running scheduler. Clone it freely: clones share the same tasks.
#[derive(Debug, Clone)]
pub struct SyncScheduler {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    engine: Arc<SyncEngine>,
    config: SchedulerConfig,
    events: broadcast::Sender<SyncEvent>,
    /// What each round of the outbox's sending did.
    payments: broadcast::Sender<OutboxReport>,
    /// What each run of the attachments job did.
    attachments: broadcast::Sender<AttachmentsReport>,
    notifier: Arc<dyn Notifier>,
    /// The scheduler's own clock and waiting (usually the engine's).
    time: Timekeeping,
    tenants: Mutex<HashMap<String, TenantSlot>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    stop: watch::Sender<bool>,
}

impl SyncScheduler {
    /// Starts one task per tenant (`(tenant id, name)`). Call inside a tokio
    /// runtime. `time` is what the scheduler waits on: pass the engine's.
    pub fn start(
        engine: Arc<SyncEngine>,
        config: SchedulerConfig,
        tenants: Vec<(String, String)>,
        notifier: Arc<dyn Notifier>,
        time: Timekeeping,
    ) -> SyncScheduler {
        let (events, _) = broadcast::channel(1024);
        let (payments, _) = broadcast::channel(256);
        let (attachments, _) = broadcast::channel(256);
        let inner = Arc::new(Inner {
            engine,
            config,
            events,
            payments,
            attachments,
            notifier,
            time,
            tenants: Mutex::new(HashMap::new()),
            tasks: Mutex::new(Vec::new()),
            stop: watch::Sender::new(false),
        });
        let s = SyncScheduler { inner };
        for (id, name) in tenants {
            s.add_tenant(id, name);
        }
        s
    }

    /// Schedules one more tenant (e.g. after a sign-in). One already
    /// scheduled resumes if it was paused, and syncs at once.
    pub fn add_tenant(&self, tenant: String, name: String) {
        if *self.inner.stop.borrow() {
            return;
        }
        if let Some(slot) = self.inner.tenants.lock().get(&tenant) {
            let _ = slot.commands.send(Command::Resume);
            return;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let running = Arc::new(Mutex::new(None));
        self.inner.tenants.lock().insert(
            tenant.clone(),
            TenantSlot {
                commands: tx,
                running: Arc::clone(&running),
            },
        );
        let inner = Arc::clone(&self.inner);
        let handle = tokio::spawn(tenant_loop(inner, tenant, name, rx, running));
        self.inner.tasks.lock().push(handle);
    }

    /// Progress and results of every sync, as they happen.
    pub fn subscribe(&self) -> broadcast::Receiver<SyncEvent> {
        self.inner.events.subscribe()
    }

    /// Runs a sync the owner asked for (after the one running, if any) and
    /// returns its report. It may spend the daily reserve.
    pub async fn sync_now(&self, tenant: &str, full: bool) -> Result<SyncReport, SchedulerError> {
        if *self.inner.stop.borrow() {
            return Err(SchedulerError::ShuttingDown);
        }
        let (reply, rx) = oneshot::channel();
        {
            let tenants = self.inner.tenants.lock();
            let slot = tenants
                .get(tenant)
                .ok_or_else(|| SchedulerError::UnknownTenant(tenant.to_owned()))?;
            slot.commands
                .send(Command::SyncNow { full, reply })
                .map_err(|_| SchedulerError::ShuttingDown)?;
        }
        rx.await.map_err(|_| SchedulerError::ShuttingDown)
    }

    /// The outbox's results (payments recorded, refused, or still waiting), as
    /// they happen.
    pub fn subscribe_payments(&self) -> broadcast::Receiver<OutboxReport> {
        self.inner.payments.subscribe()
    }

    /// What each run of the attachments job did, as it ends.
    pub fn subscribe_attachments(&self) -> broadcast::Receiver<AttachmentsReport> {
        self.inner.attachments.subscribe()
    }

    /// Sends the tenant's waiting payments now (after the sync running, if
    /// any), on the tenant's own task, so that one sender runs per tenant.
    pub fn send_outbox(&self, tenant: &str) -> Result<(), SchedulerError> {
        if *self.inner.stop.borrow() {
            return Err(SchedulerError::ShuttingDown);
        }
        let tenants = self.inner.tenants.lock();
        let slot = tenants
            .get(tenant)
            .ok_or_else(|| SchedulerError::UnknownTenant(tenant.to_owned()))?;
        slot.commands
            .send(Command::SendOutbox)
            .map_err(|_| SchedulerError::ShuttingDown)
    }

    /// Cancels the tenant's running sync, if any. Returns whether one was running.
    pub fn cancel(&self, tenant: &str) -> bool {
        let tenants = self.inner.tenants.lock();
        let Some(slot) = tenants.get(tenant) else {
            return false;
        };
        let running = slot.running.lock();
        match running.as_ref() {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Whether a sync of the tenant is running now.
    pub fn is_running(&self, tenant: &str) -> bool {
        self.inner
            .tenants
            .lock()
            .get(tenant)
            .is_some_and(|s| s.running.lock().is_some())
    }

    /// The network is back: every tenant syncs (in the background).
    pub fn network_back(&self) {
        for slot in self.inner.tenants.lock().values() {
            let _ = slot.commands.send(Command::NetworkBack);
        }
    }

    /// Graceful shutdown: take no more work, cancel running syncs (a page in
    /// flight is committed whole or rolled back), and wait for every task.
    /// The caller then flushes the logs and closes the ledger.
    pub async fn shutdown(&self) {
        self.inner.stop.send_replace(true);
        for slot in self.inner.tenants.lock().values() {
            if let Some(t) = slot.running.lock().as_ref() {
                t.cancel();
            }
        }
        let tasks: Vec<_> = std::mem::take(&mut *self.inner.tasks.lock());
        for t in tasks {
            let _ = t.await;
        }
        self.inner.tenants.lock().clear();
    }
}

/// Exponential backoff with full jitter: between half and all of base·2^n, capped.
pub fn backoff(base: Duration, cap: Duration, failures: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << failures.min(16)).min(cap);
    let ms = u64::try_from(exp.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::rng().random_range(ms / 2..=ms.max(1)))
}

enum Wake {
    Due,
    Command(Command),
    Stop,
}

async fn tenant_loop(
    inner: Arc<Inner>,
    tenant: String,
    name: String,
    mut commands: mpsc::UnboundedReceiver<Command>,
    running: Arc<Mutex<Option<CancelToken>>>,
) {
    let time = inner.time.clone();
    let mut stop = inner.stop.subscribe();
    let mut failures = 0u32;
    let interval_ms = i64::try_from(inner.config.interval.as_millis()).unwrap_or(i64::MAX);
    let mut next_due = if inner.config.sync_on_launch {
        time.now_ms()
    } else {
        time.now_ms().saturating_add(interval_ms)
    };
    // Needs re-authorisation: nothing runs by itself until resumed.
    let mut paused = false;
    // When the attachments job may run next (after a complete sync).
    let mut attachments_at: Option<i64> = None;
    // Not before this (the day's budget, or a sign-in that may not read them).
    let mut attachments_not_before = i64::MIN;
    loop {
        if *stop.borrow() {
            break;
        }
        let wait = Duration::from_millis(u64::try_from(next_due - time.now_ms()).unwrap_or(0));
        let job_due = attachments_at.is_some_and(|at| at <= time.now_ms());
        let wake = if paused {
            tokio::select! {
                biased;
                _ = stop.wait_for(|s| *s) => Wake::Stop,
                c = commands.recv() => match c {
                    Some(Command::NetworkBack) => continue,
                    Some(c) => Wake::Command(c),
                    None => Wake::Stop,
                },
            }
        } else if wait.is_zero() {
            Wake::Due
        } else if job_due {
            // The attachments job, until it ends or something else is due.
            let token = CancelToken::new();
            let job = inner.engine.sync_attachments(&tenant, &token);
            tokio::pin!(job);
            let mut ended = None;
            let wake = tokio::select! {
                biased;
                _ = stop.wait_for(|s| *s) => Some(Wake::Stop),
                c = commands.recv() => Some(match c {
                    Some(c) => Wake::Command(c),
                    None => Wake::Stop,
                }),
                () = time.sleeper.sleep(wait) => Some(Wake::Due),
                r = &mut job => {
                    ended = Some(r);
                    None
                }
            };
            let result = match ended {
                Some(r) => r,
                None => {
                    token.cancel();
                    job.await
                }
            };
            let now = time.now_ms();
            attachments_at = None;
            match result {
                Ok(report) => {
                    match report.end {
                        JobEnd::Done | JobEnd::Off => {}
                        // Goes on when the wake that cancelled it is served.
                        JobEnd::Cancelled => attachments_at = Some(now),
                        JobEnd::DailyLimit => {
                            let frees = inner
                                .engine
                                .xero()
                                .client()
                                .limiter()
                                .day_frees_at_ms(&tenant)
                                .unwrap_or(now);
                            attachments_not_before = frees.max(now.saturating_add(interval_ms));
                            attachments_at = Some(attachments_not_before);
                        }
                        JobEnd::Refused => {
                            attachments_not_before = now.saturating_add(24 * 3_600_000);
                        }
                    }
                    let _ = inner.attachments.send(report);
                }
                Err(e) => {
                    tracing::warn!(error = %e, %tenant, "the attachments job failed");
                    attachments_not_before = now.saturating_add(interval_ms);
                }
            }
            match wake {
                Some(w) => w,
                None => continue,
            }
        } else {
            tokio::select! {
                biased;
                _ = stop.wait_for(|s| *s) => Wake::Stop,
                c = commands.recv() => match c {
                    Some(c) => Wake::Command(c),
                    None => Wake::Stop,
                },
                () = time.sleeper.sleep(wait) => Wake::Due,
            }
        };
        let (req, reply, user) = match wake {
            Wake::Stop => break,
            Wake::Command(Command::Resume) if paused => {
                paused = false;
                failures = 0;
                next_due = time.now_ms();
                continue;
            }
            Wake::Command(Command::Resume) => continue,
            Wake::Command(Command::SendOutbox) => {
                send_outbox(&inner, &tenant, Priority::User).await;
                continue;
            }
            Wake::Due | Wake::Command(Command::NetworkBack) => {
                let mut r = SyncRequest::background();
                r.sweep_every = inner.config.sweep_every;
                r.max_sweeps_per_run = inner.config.max_sweeps_per_run;
                r.reports_every = inner.config.reports_every;
                (r, None, false)
            }
            Wake::Command(Command::SyncNow { full, reply }) => {
                let mut r = SyncRequest::user();
                r.full = full;
                r.reports_every = inner.config.reports_every;
                (r, Some(reply), true)
            }
        };
        if *stop.borrow() {
            break;
        }
        // Waiting payments go first: the sync then reads back what they changed.
        send_outbox(&inner, &tenant, req.priority).await;
        let token = CancelToken::new();
        *running.lock() = Some(token.clone());
        let _ = inner.events.send(SyncEvent::Started {
            tenant: tenant.clone(),
            full: req.full,
            user,
        });
        let events = inner.events.clone();
        let sink: ProgressSink = Arc::new(move |p| {
            let _ = events.send(SyncEvent::Progress(p));
        });
        let report = inner.engine.sync_tenant(&tenant, &req, &token, &sink).await;
        *running.lock() = None;
        if let Some(n) = notice_for(&report, &name) {
            inner.notifier.notify(n);
        }
        let _ = inner.events.send(SyncEvent::Finished(report.clone()));
        let now = time.now_ms();
        paused = report.stopped == Some(StopReason::NeedsReauthorisation);
        if paused {
            tracing::info!(%tenant, "the sign-in needs re-authorisation: background syncs pause until it is renewed");
        }
        match report.stopped {
            None => {
                failures = 0;
                // The books are in: the attachments job may run until the
                // next tick, unless the setting turns it off.
                let enabled = inner
                    .engine
                    .store()
                    .setting_i64(crate::attachments::ENABLED)
                    .await
                    .map_or(true, |v| v != 0);
                attachments_at = enabled.then(|| now.max(attachments_not_before));
                // Skip the ticks missed while syncing: the next one is in the
                // future, and no sooner than the organisation's day allows.
                let limiter = inner.engine.xero().client().limiter();
                let paced = paced_interval_ms(
                    interval_ms,
                    quiet_run_calls(&report),
                    limiter.day_budget(&tenant),
                    limiter.background_reserve(&tenant),
                );
                next_due = next_after_run(next_due, interval_ms, paced, now);
            }
            Some(StopReason::Cancelled) => {
                next_due = next_tick(next_due, interval_ms, now);
            }
            Some(StopReason::DailyLimit) => {
                // No call would go before the day's budget grows again: the
                // next attempt is then (a first sync goes on where it
                // stopped), not a backoff that keeps knocking.
                let frees = inner
                    .engine
                    .xero()
                    .client()
                    .limiter()
                    .day_frees_at_ms(&tenant);
                next_due = match frees {
                    Some(at) if at > now => at.saturating_add(DAY_TURN_MARGIN_MS),
                    _ => {
                        failures = failures.saturating_add(1);
                        let wait = backoff(
                            inner.config.backoff_base,
                            inner.config.backoff_cap,
                            failures - 1,
                        );
                        now.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX))
                    }
                };
                tracing::info!(%tenant, next_in_s = (next_due - now) / 1000, "the day's Xero calls are spent: the next sync is when they are back");
            }
            Some(_) => {
                failures = failures.saturating_add(1);
                let wait = backoff(
                    inner.config.backoff_base,
                    inner.config.backoff_cap,
                    failures - 1,
                );
                next_due = now.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
            }
        }
        if let Some(reply) = reply {
            let _ = reply.send(report);
        }
    }
}

/// One round of the tenant's outbox; its report goes to the subscribers when
/// it sent something or settled a payment (one found on its invoice without a
/// send included).
async fn send_outbox(inner: &Inner, tenant: &str, priority: Priority) {
    let report = inner
        .engine
        .send_outbox(tenant, priority, inner.notifier.as_ref())
        .await;
    if report.requests > 0 || report.settled() {
        let _ = inner.payments.send(report);
    }
}

const DAY_MS: i64 = 86_400_000;

/// What a quiet run (nothing new) costs, as `report`'s run shows it: a call
/// for each stream and each of Xero's reports read, at most what the run made.
/// A first or a busy sync costs more once; the next ones are quiet.
fn quiet_run_calls(report: &SyncReport) -> u64 {
    let streams = u64::try_from(report.streams.len()).unwrap_or(u64::MAX);
    streams
        .saturating_add(report.xero_reports)
        .min(report.calls)
}

/// The shortest wait between two scheduled syncs that the organisation's day
/// allows: its quiet runs spread over the day's calls less the reserve kept
/// for the owner's own actions (on Starter, 1,000 a day: 21 calls a run every
/// 15 minutes would be 2,016). Never shorter than the configured interval.
fn paced_interval_ms(interval_ms: i64, quiet_run_calls: u64, day_budget: u32, reserve: u32) -> i64 {
    let usable = u64::from(day_budget.saturating_sub(reserve));
    if quiet_run_calls == 0 || usable == 0 {
        return interval_ms;
    }
    let runs = (usable / quiet_run_calls).max(1);
    interval_ms.max(DAY_MS / i64::try_from(runs).unwrap_or(i64::MAX))
}

/// The next tick after a run that ended at `now`: the grid's next one, unless
/// the day's pace (`paced_ms`, longer than the interval only when the day is
/// too small for it) asks for a later one. A day that allows the interval
/// keeps the grid, however late the run ended.
fn next_after_run(due: i64, interval_ms: i64, paced_ms: i64, now: i64) -> i64 {
    let next = next_tick(due, interval_ms, now);
    if paced_ms > interval_ms {
        next.max(now.saturating_add(paced_ms))
    } else {
        next
    }
}

/// The first tick after `now` on the grid `due + k·interval` (missed ones skipped).
fn next_tick(due: i64, interval_ms: i64, now: i64) -> i64 {
    if interval_ms <= 0 {
        return now;
    }
    if due > now {
        return due;
    }
    let missed = (now - due) / interval_ms + 1;
    due.saturating_add(missed.saturating_mul(interval_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduled_runs_are_spread_over_the_days_calls() {
        const MIN: i64 = 60_000;
        // Starter: 1,000 calls a day, 100 kept back; 21-call runs fit 42 times,
        // so every 34 minutes 17 seconds rather than every 15 minutes.
        let paced = paced_interval_ms(15 * MIN, 21, 1_000, 100);
        assert_eq!(paced, DAY_MS / 42);
        assert!(paced > 34 * MIN && paced < 35 * MIN, "{paced}");
        assert!(DAY_MS / paced * 21 <= 900);
        // A day that allows more than the interval asks for: the interval.
        assert_eq!(paced_interval_ms(15 * MIN, 21, 5_000, 500), 15 * MIN);
        // Runs dearer than the whole day: one a day, never a busy loop.
        assert_eq!(paced_interval_ms(15 * MIN, 5_000, 1_000, 100), DAY_MS);
        // Nothing known (no call made, or no day left above the reserve): the interval.
        assert_eq!(paced_interval_ms(15 * MIN, 0, 1_000, 100), 15 * MIN);
        assert_eq!(paced_interval_ms(15 * MIN, 21, 100, 100), 15 * MIN);
    }

    #[test]
    fn a_day_that_allows_the_interval_keeps_the_grid_and_a_small_one_spreads_the_runs() {
        // Due at 15, ran until 20: the grid's 30, whatever the pace below the interval.
        assert_eq!(next_after_run(15, 15, 15, 20), 30);
        assert_eq!(next_after_run(15, 15, 1, 20), 30);
        // A day too small: the pace from the run's end.
        assert_eq!(next_after_run(15, 15, 34, 20), 54);
    }

    #[test]
    fn missed_ticks_are_skipped() {
        assert_eq!(next_tick(0, 100, 0), 100);
        assert_eq!(next_tick(0, 100, 350), 400);
        assert_eq!(next_tick(500, 100, 350), 500);
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let base = Duration::from_secs(10);
        let cap = Duration::from_secs(100);
        for n in 0..6 {
            let d = backoff(base, cap, n);
            let full = base.saturating_mul(1 << n).min(cap);
            assert!(d >= full / 2 && d <= full, "{n}: {d:?}");
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| backoff(base, cap, 3)).collect();
        assert!(spread.len() > 1, "no jitter");
    }
}
