//! Xero's rate limits: per tenant 5 in flight, 60 a minute and 5,000 a day
//! (Starter: 1,000); per app 10,000 a minute. Windows are fixed, and each tenant's
//! reset at its own moment.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

/// The limits the simulator enforces. All configurable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Calls in flight at once, per tenant.
    pub concurrent: u32,
    /// Calls per minute, per tenant.
    pub per_minute: u32,
    /// Calls per day, per tenant.
    pub per_day: u32,
    /// Calls per minute across every tenant of the app.
    pub app_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::XERO
    }
}

impl Limits {
    /// Xero's standard limits.
    pub const XERO: Limits = Limits {
        concurrent: 5,
        per_minute: 60,
        per_day: 5_000,
        app_per_minute: 10_000,
    };
    /// The Starter tier: 1,000 calls a day.
    pub const STARTER: Limits = Limits {
        per_day: 1_000,
        ..Limits::XERO
    };
}

/// Which limit a refused call hit, as `X-Rate-Limit-Problem` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Minute,
    Day,
    AppMinute,
    Concurrent,
}

impl Problem {
    /// The header's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::Minute => "minute",
            Problem::Day => "day",
            Problem::AppMinute => "appminute",
            Problem::Concurrent => "concurrent",
        }
    }
}

/// What is left, for the `X-*Limit-Remaining` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remaining {
    pub day: u32,
    pub minute: u32,
    pub app_minute: u32,
}

/// A refused call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub problem: Problem,
    /// Seconds until the window resets (minute and day only).
    pub retry_after: Option<u64>,
    pub remaining: Remaining,
}

#[derive(Debug, Default)]
struct TenantCounts {
    in_flight: u32,
    minute_window: i64,
    minute_count: u32,
    day_window: i64,
    day_count: u32,
    /// This tenant's windows start this many ms after the epoch's.
    phase_ms: i64,
    /// Refused with this problem until this instant (an injected 429).
    blocked: Option<(Problem, i64)>,
}

#[derive(Debug, Default)]
struct Counts {
    tenants: HashMap<String, TenantCounts>,
    app_window: i64,
    app_count: u32,
}

impl Counts {
    /// The tenant's counts, started on first sight.
    fn tenant(&mut self, tenant: &str) -> &mut TenantCounts {
        self.tenants
            .entry(tenant.to_owned())
            .or_insert_with(|| TenantCounts {
                phase_ms: phase_for(tenant),
                minute_window: i64::MIN,
                day_window: i64::MIN,
                ..TenantCounts::default()
            })
    }
}

/// Counts calls against the limits.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    limits: Arc<Mutex<Limits>>,
    counts: Arc<Mutex<Counts>>,
}

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// Holds a call's place among those in flight; released on drop.
#[derive(Debug)]
pub struct InFlight {
    counts: Arc<Mutex<Counts>>,
    tenant: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(t) = self.counts.lock().tenants.get_mut(&self.tenant) {
            t.in_flight = t.in_flight.saturating_sub(1);
        }
    }
}

fn phase_for(tenant: &str) -> i64 {
    // A stable offset per tenant, so windows reset at different moments.
    let h = tenant
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    i64::try_from(h % (DAY_MS as u64)).unwrap_or(0)
}

fn ceil_secs(ms: i64) -> u64 {
    u64::try_from((ms + 999) / 1000).unwrap_or(0).max(1)
}

impl RateLimiter {
    /// A limiter enforcing `limits`.
    pub fn new(limits: Limits) -> RateLimiter {
        RateLimiter {
            limits: Arc::new(Mutex::new(limits)),
            counts: Arc::new(Mutex::new(Counts::default())),
        }
    }

    /// Changes the limits (e.g. to Starter's) from now on.
    pub fn set_limits(&self, limits: Limits) {
        *self.limits.lock() = limits;
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        *self.limits.lock()
    }

    /// Calls in flight for a tenant right now.
    pub fn in_flight(&self, tenant: &str) -> u32 {
        self.counts
            .lock()
            .tenants
            .get(tenant)
            .map_or(0, |t| t.in_flight)
    }

    /// What the `X-*Limit-Remaining` headers of an answer to `tenant` at `now`
    /// would say, without counting a call.
    pub fn remaining(&self, tenant: &str, now: i64) -> Remaining {
        let limits = *self.limits.lock();
        let counts = self.counts.lock();
        let app_used = if counts.app_window == now.div_euclid(MINUTE_MS) {
            counts.app_count
        } else {
            0
        };
        let (minute_used, day_used) = counts.tenants.get(tenant).map_or((0, 0), |t| {
            let local = now - t.phase_ms;
            let minute = if t.minute_window == local.div_euclid(MINUTE_MS) {
                t.minute_count
            } else {
                0
            };
            let day = if t.day_window == local.div_euclid(DAY_MS) {
                t.day_count
            } else {
                0
            };
            (minute, day)
        });
        Remaining {
            day: limits.per_day.saturating_sub(day_used),
            minute: limits.per_minute.saturating_sub(minute_used),
            app_minute: limits.app_per_minute.saturating_sub(app_used),
        }
    }

    /// Refuses every call to `tenant` with `problem` from `now` for
    /// `for_ms` (a limit spent by someone else).
    pub fn block(&self, tenant: &str, problem: Problem, now: i64, for_ms: i64) {
        let mut counts = self.counts.lock();
        counts.tenant(tenant).blocked = Some((problem, now.saturating_add(for_ms)));
    }

    /// Counts one call for `tenant` at `now`, or refuses it.
    pub fn acquire(&self, tenant: &str, now: i64) -> Result<(InFlight, Remaining), Refusal> {
        let limits = *self.limits.lock();
        let mut counts = self.counts.lock();
        let app_window = now.div_euclid(MINUTE_MS);
        if counts.app_window != app_window {
            counts.app_window = app_window;
            counts.app_count = 0;
        }
        let app_count = counts.app_count;
        let t = counts.tenant(tenant);
        let local = now - t.phase_ms;
        let minute_window = local.div_euclid(MINUTE_MS);
        if t.minute_window != minute_window {
            t.minute_window = minute_window;
            t.minute_count = 0;
        }
        let day_window = local.div_euclid(DAY_MS);
        if t.day_window != day_window {
            t.day_window = day_window;
            t.day_count = 0;
        }
        let remaining = Remaining {
            day: limits.per_day.saturating_sub(t.day_count),
            minute: limits.per_minute.saturating_sub(t.minute_count),
            app_minute: limits.app_per_minute.saturating_sub(app_count),
        };
        let refuse = |problem, retry_after| {
            Err(Refusal {
                problem,
                retry_after,
                remaining,
            })
        };
        if t.in_flight >= limits.concurrent {
            return refuse(Problem::Concurrent, None);
        }
        if let Some((problem, until)) = t.blocked.filter(|(_, until)| now < *until) {
            let retry =
                matches!(problem, Problem::Minute | Problem::Day).then(|| ceil_secs(until - now));
            return refuse(problem, retry);
        }
        if t.day_count >= limits.per_day {
            let reset = (day_window + 1) * DAY_MS - local;
            return refuse(Problem::Day, Some(ceil_secs(reset)));
        }
        if t.minute_count >= limits.per_minute {
            let reset = (minute_window + 1) * MINUTE_MS - local;
            return refuse(Problem::Minute, Some(ceil_secs(reset)));
        }
        if app_count >= limits.app_per_minute {
            // Xero sends Retry-After for the minute and the day only.
            return refuse(Problem::AppMinute, None);
        }
        t.in_flight += 1;
        t.minute_count += 1;
        t.day_count += 1;
        let remaining = Remaining {
            day: limits.per_day - t.day_count,
            minute: limits.per_minute - t.minute_count,
            app_minute: limits.app_per_minute.saturating_sub(app_count + 1),
        };
        counts.app_count += 1;
        Ok((
            InFlight {
                counts: Arc::clone(&self.counts),
                tenant: tenant.to_owned(),
            },
            remaining,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minute_window_resets_at_the_tenants_own_moment() {
        let l = RateLimiter::new(Limits {
            per_minute: 2,
            ..Limits::XERO
        });
        let phase = phase_for("t");
        let start = 1_000 * MINUTE_MS + phase; // a window boundary for "t"
        let a = l.acquire("t", start).unwrap();
        let b = l.acquire("t", start + 10).unwrap();
        drop((a, b));
        let r = l.acquire("t", start + 20_000).unwrap_err();
        assert_eq!(r.problem, Problem::Minute);
        assert_eq!(r.retry_after, Some(40));
        assert!(l.acquire("t", start + MINUTE_MS).is_ok());
    }

    #[test]
    fn in_flight_is_released_on_drop() {
        let l = RateLimiter::new(Limits {
            concurrent: 1,
            ..Limits::XERO
        });
        let a = l.acquire("t", 0).unwrap();
        assert_eq!(l.acquire("t", 1).unwrap_err().problem, Problem::Concurrent);
        drop(a);
        assert!(l.acquire("t", 2).is_ok());
    }

    #[test]
    fn app_minute_spans_tenants() {
        let l = RateLimiter::new(Limits {
            app_per_minute: 2,
            ..Limits::XERO
        });
        drop(l.acquire("a", 0).unwrap());
        drop(l.acquire("b", 1).unwrap());
        let r = l.acquire("c", 2).unwrap_err();
        assert_eq!(r.problem, Problem::AppMinute);
        assert_eq!(
            r.retry_after, None,
            "Xero names no moment for the app's minute"
        );
        assert!(l.acquire("c", MINUTE_MS).is_ok(), "a new app minute");
    }

    #[test]
    fn a_block_refuses_the_tenant_until_it_ends() {
        let l = RateLimiter::new(Limits::XERO);
        l.block("t", Problem::Minute, 1_000, 30_000);
        let r = l.acquire("t", 1_000).unwrap_err();
        assert_eq!((r.problem, r.retry_after), (Problem::Minute, Some(30)));
        assert!(l.acquire("u", 1_000).is_ok(), "another tenant");
        assert_eq!(l.acquire("t", 30_999).unwrap_err().retry_after, Some(1));
        assert!(l.acquire("t", 31_000).is_ok());
    }
}
