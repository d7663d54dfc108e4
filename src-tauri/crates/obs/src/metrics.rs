//! In-process metrics: Xero calls by endpoint and status with latency
//! percentiles, rate-limit usage and 429s, token refreshes, syncs, database
//! queries (with a slow-query log), memory, start-up time and connections.
//!
//! One [`Metrics`] per process, shared by `Arc`. Every figure is for the
//! current UTC day: when the day changes, the finished day's summary is written
//! to `<dir>/<YYYY-MM-DD>.json` (when a folder was given) and the counts restart.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use hdrhistogram::Histogram;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;

/// Queries slower than this are logged and kept in the slow-query list.
pub const SLOW_QUERY: Duration = Duration::from_millis(100);
const SLOW_QUERIES_KEPT: usize = 50;

/// The figures of one day, as the Diagnostics screen and `doctor` show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MetricsSnapshot {
    /// The UTC day these figures cover (`YYYY-MM-DD`).
    pub day: String,
    pub xero_calls: u32,
    pub xero_errors: u32,
    pub xero_rate_limited: u32,
    /// Errors (5xx, timeouts, transport failures) as a share of calls, in whole percent.
    pub xero_error_rate_pct: u32,
    /// Of the per-minute and per-day limits, how much the last response said was used.
    pub minute_limit_used_pct: Option<u32>,
    pub day_limit_used_pct: Option<u32>,
    pub endpoints: Vec<EndpointStats>,
    pub token_refreshes_ok: u32,
    pub token_refreshes_failed: u32,
    pub syncs: u32,
    pub sync_records: u32,
    pub sync_p50_ms: u32,
    pub sync_p95_ms: u32,
    pub db_queries: u32,
    pub db_p95_ms: u32,
    /// Each named database query: how often it ran and how long it took.
    /// (Absent from summaries saved before it was counted.)
    #[serde(default)]
    pub queries: Vec<QueryStats>,
    pub slow_queries: Vec<SlowQuery>,
    pub rss_mb: Option<u32>,
    pub startup_ms: Option<u32>,
    pub active_connections: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EndpointStats {
    pub endpoint: String,
    pub calls: u32,
    pub p50_ms: u32,
    pub p95_ms: u32,
    pub p99_ms: u32,
    /// Calls by HTTP status (0: no response).
    pub statuses: Vec<StatusCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct StatusCount {
    pub status: u16,
    pub count: u32,
}

/// One named database query's figures for the day, in microseconds (most
/// queries take well under a millisecond).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QueryStats {
    pub name: String,
    pub calls: u32,
    pub p50_us: u32,
    pub p95_us: u32,
    pub max_us: u32,
    /// Runs slower than 100 ms ([`SLOW_QUERY`]).
    pub slow: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SlowQuery {
    pub label: String,
    pub ms: u32,
}

/// The process's metrics.
#[derive(Debug)]
pub struct Metrics {
    clock: SharedClock,
    dir: Option<PathBuf>,
    day: Mutex<Day>,
}

#[derive(Debug)]
struct Day {
    date: NaiveDate,
    calls: BTreeMap<String, Endpoint>,
    errors: u32,
    rate_limited: u32,
    minute_used_pct: Option<u32>,
    day_used_pct: Option<u32>,
    refresh_ok: u32,
    refresh_failed: u32,
    syncs: u32,
    sync_records: u32,
    sync_ms: Hist,
    db_ms: Hist,
    queries: BTreeMap<String, Query>,
    slow: VecDeque<SlowQuery>,
    startup_ms: Option<u32>,
    active_connections: u32,
    /// The summary of this day saved by earlier runs (the app started twice,
    /// the CLI ran): added to this run's figures, so a save never loses them.
    earlier: Option<MetricsSnapshot>,
}

#[derive(Debug, Default)]
struct Endpoint {
    statuses: BTreeMap<u16, u32>,
    latency_ms: Hist,
}

#[derive(Debug)]
struct Query {
    latency_us: Hist,
    slow: u32,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            latency_us: Hist::micros(),
            slow: 0,
        }
    }
}

/// A latency histogram in milliseconds (or microseconds); records nothing
/// rather than fail.
#[derive(Debug)]
struct Hist {
    h: Option<Histogram<u64>>,
    micros: bool,
}

impl Default for Hist {
    fn default() -> Self {
        Hist {
            h: Histogram::new_with_bounds(1, 24 * 3_600_000, 2).ok(),
            micros: false,
        }
    }
}

impl Hist {
    fn micros() -> Self {
        Hist {
            h: Histogram::new_with_bounds(1, 3_600_000_000, 2).ok(),
            micros: true,
        }
    }

    fn record(&mut self, d: Duration) {
        let units = if self.micros {
            d.as_micros()
        } else {
            d.as_millis()
        };
        if let Some(h) = &mut self.h {
            let v = u64::try_from(units).unwrap_or(u64::MAX).max(1);
            let _ = h.record(v.min(h.high()));
        }
    }

    fn max(&self) -> u32 {
        self.h
            .as_ref()
            .filter(|h| !h.is_empty())
            .map(|h| u32::try_from(h.max()).unwrap_or(u32::MAX))
            .unwrap_or(0)
    }

    fn percentile(&self, p: f64) -> u32 {
        self.h
            .as_ref()
            .filter(|h| !h.is_empty())
            .map(|h| u32::try_from(h.value_at_percentile(p)).unwrap_or(u32::MAX))
            .unwrap_or(0)
    }

    fn count(&self) -> u32 {
        self.h.as_ref().map(|h| to_u32(h.len())).unwrap_or(0)
    }
}

fn to_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn used_pct(remaining: u32, limit: u32) -> Option<u32> {
    (limit > 0).then(|| (limit.saturating_sub(remaining)).saturating_mul(100) / limit)
}

impl Day {
    fn new(date: NaiveDate, carry_startup: Option<u32>, connections: u32) -> Self {
        Day {
            date,
            calls: BTreeMap::new(),
            errors: 0,
            rate_limited: 0,
            minute_used_pct: None,
            day_used_pct: None,
            refresh_ok: 0,
            refresh_failed: 0,
            syncs: 0,
            sync_records: 0,
            sync_ms: Hist::default(),
            db_ms: Hist::default(),
            queries: BTreeMap::new(),
            slow: VecDeque::new(),
            startup_ms: carry_startup,
            active_connections: connections,
            earlier: None,
        }
    }

    fn snapshot(&self) -> MetricsSnapshot {
        let own = self.own_snapshot();
        match &self.earlier {
            Some(earlier) => merge(earlier, own),
            None => own,
        }
    }

    /// This run's figures alone.
    fn own_snapshot(&self) -> MetricsSnapshot {
        let endpoints: Vec<EndpointStats> = self
            .calls
            .iter()
            .map(|(name, e)| EndpointStats {
                endpoint: name.clone(),
                calls: e.statuses.values().sum(),
                p50_ms: e.latency_ms.percentile(50.0),
                p95_ms: e.latency_ms.percentile(95.0),
                p99_ms: e.latency_ms.percentile(99.0),
                statuses: e
                    .statuses
                    .iter()
                    .map(|(&status, &count)| StatusCount { status, count })
                    .collect(),
            })
            .collect();
        let calls: u32 = endpoints.iter().map(|e| e.calls).sum();
        MetricsSnapshot {
            day: self.date.to_string(),
            xero_calls: calls,
            xero_errors: self.errors,
            xero_rate_limited: self.rate_limited,
            xero_error_rate_pct: self
                .errors
                .saturating_mul(100)
                .checked_div(calls)
                .unwrap_or(0),
            minute_limit_used_pct: self.minute_used_pct,
            day_limit_used_pct: self.day_used_pct,
            endpoints,
            token_refreshes_ok: self.refresh_ok,
            token_refreshes_failed: self.refresh_failed,
            syncs: self.syncs,
            sync_records: self.sync_records,
            sync_p50_ms: self.sync_ms.percentile(50.0),
            sync_p95_ms: self.sync_ms.percentile(95.0),
            db_queries: self.db_ms.count(),
            db_p95_ms: self.db_ms.percentile(95.0),
            queries: self
                .queries
                .iter()
                .map(|(name, q)| QueryStats {
                    name: name.clone(),
                    calls: q.latency_us.count(),
                    p50_us: q.latency_us.percentile(50.0),
                    p95_us: q.latency_us.percentile(95.0),
                    max_us: q.latency_us.max(),
                    slow: q.slow,
                })
                .collect(),
            slow_queries: self.slow.iter().cloned().collect(),
            rss_mb: memory_stats::memory_stats()
                .map(|m| to_u32((m.physical_mem / 1_048_576) as u64)),
            startup_ms: self.startup_ms,
            active_connections: self.active_connections,
        }
    }
}

impl Metrics {
    /// Metrics that persist each finished day's summary into `dir` (when given).
    /// Today's summary already saved there (by an earlier run) is carried on.
    pub fn new(clock: SharedClock, dir: Option<&Path>) -> Self {
        let today = clock.now().date_naive();
        let mut day = Day::new(today, None, 0);
        day.earlier = dir.and_then(|d| read_summary(d, &today.to_string()));
        Metrics {
            clock,
            dir: dir.map(Path::to_owned),
            day: Mutex::new(day),
        }
    }

    /// Runs `f` on today's figures, first closing the previous day if it has ended.
    fn with_day<R>(&self, f: impl FnOnce(&mut Day) -> R) -> R {
        let today = self.clock.now().date_naive();
        let mut day = self.day.lock();
        if day.date != today {
            let finished = day.snapshot();
            *day = Day::new(today, day.startup_ms, day.active_connections);
            if let Some(dir) = &self.dir {
                if let Err(err) = write_summary(dir, &finished) {
                    tracing::warn!(%err, "could not save the day's metrics");
                }
            }
        }
        f(&mut day)
    }

    /// One Xero call: its endpoint (a path without ids, e.g. `Invoices`), its
    /// HTTP status (0 when no response came) and how long it took.
    pub fn record_xero_call(&self, endpoint: &str, status: u16, latency: Duration) {
        self.with_day(|d| {
            let e = d.calls.entry(endpoint.to_owned()).or_default();
            *e.statuses.entry(status).or_default() += 1;
            e.latency_ms.record(latency);
            if status == 429 {
                d.rate_limited += 1;
            } else if status == 0 || status >= 500 {
                d.errors += 1;
            }
        });
    }

    /// The limits a response reported: `X-MinLimit-Remaining` against the
    /// minute limit and `X-DayLimit-Remaining` against the daily one.
    pub fn record_rate_limits(&self, minute: Option<(u32, u32)>, day: Option<(u32, u32)>) {
        self.with_day(|d| {
            if let Some((remaining, limit)) = minute {
                d.minute_used_pct = used_pct(remaining, limit);
            }
            if let Some((remaining, limit)) = day {
                d.day_used_pct = used_pct(remaining, limit);
            }
        });
    }

    pub fn record_token_refresh(&self, ok: bool) {
        self.with_day(|d| {
            if ok {
                d.refresh_ok += 1;
            } else {
                d.refresh_failed += 1;
            }
        });
    }

    pub fn record_sync(&self, duration: Duration, records: u32) {
        self.with_day(|d| {
            d.syncs += 1;
            d.sync_records = d.sync_records.saturating_add(records);
            d.sync_ms.record(duration);
        });
    }

    /// One run of the database query named `label`. Slow ones are logged by
    /// name (never with their values) and kept in the slow-query list.
    pub fn record_query(&self, label: &str, duration: Duration) {
        self.with_day(|d| {
            d.db_ms.record(duration);
            let q = d.queries.entry(label.to_owned()).or_default();
            q.latency_us.record(duration);
            if duration >= SLOW_QUERY {
                q.slow += 1;
                let ms = u32::try_from(duration.as_millis()).unwrap_or(u32::MAX);
                tracing::warn!(query = label, ms, "slow query");
                if d.slow.len() == SLOW_QUERIES_KEPT {
                    d.slow.pop_front();
                }
                d.slow.push_back(SlowQuery {
                    label: label.to_owned(),
                    ms,
                });
            }
        });
    }

    pub fn record_startup(&self, took: Duration) {
        let ms = u32::try_from(took.as_millis()).unwrap_or(u32::MAX);
        self.with_day(|d| d.startup_ms = Some(ms));
    }

    pub fn set_active_connections(&self, n: u32) {
        self.with_day(|d| d.active_connections = n);
    }

    /// Today's figures so far.
    pub fn snapshot(&self) -> MetricsSnapshot {
        self.with_day(|d| d.snapshot())
    }

    /// Writes today's figures so far to `<dir>/<day>.json` (at exit, say).
    pub fn persist(&self) -> std::io::Result<()> {
        match &self.dir {
            Some(dir) => write_summary(dir, &self.snapshot()),
            None => Ok(()),
        }
    }
}

fn write_summary(dir: &Path, snapshot: &MetricsSnapshot) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{}.json", snapshot.day));
    let tmp = path.with_extension("json.tmp");
    std::fs::write(
        &tmp,
        serde_json::to_vec_pretty(snapshot).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(tmp, path)
}

fn read_summary(dir: &Path, day: &str) -> Option<MetricsSnapshot> {
    let bytes = std::fs::read(dir.join(format!("{day}.json"))).ok()?;
    serde_json::from_slice::<MetricsSnapshot>(&bytes)
        .ok()
        .filter(|s| s.day == day)
}

/// Percentiles cannot be added: of two runs, the one with more samples speaks.
fn larger<T>(a: (u32, T), b: (u32, T)) -> T {
    if b.0 > a.0 {
        b.1
    } else {
        a.1
    }
}

/// One day's figures from two runs: `earlier`'s saved summary and `now`.
/// Counts add up; percentiles are the larger run's; the latest readings
/// (limits, memory, start-up, connections) are `now`'s when it has them.
fn merge(earlier: &MetricsSnapshot, now: MetricsSnapshot) -> MetricsSnapshot {
    let mut endpoints: BTreeMap<String, EndpointStats> = earlier
        .endpoints
        .iter()
        .map(|e| (e.endpoint.clone(), e.clone()))
        .collect();
    for e in now.endpoints {
        match endpoints.get_mut(&e.endpoint) {
            None => {
                endpoints.insert(e.endpoint.clone(), e);
            }
            Some(old) => {
                let mut statuses: BTreeMap<u16, u32> =
                    old.statuses.iter().map(|c| (c.status, c.count)).collect();
                for c in &e.statuses {
                    *statuses.entry(c.status).or_default() += c.count;
                }
                let (p50, p95, p99) = larger(
                    (old.calls, (old.p50_ms, old.p95_ms, old.p99_ms)),
                    (e.calls, (e.p50_ms, e.p95_ms, e.p99_ms)),
                );
                *old = EndpointStats {
                    endpoint: e.endpoint,
                    calls: old.calls.saturating_add(e.calls),
                    p50_ms: p50,
                    p95_ms: p95,
                    p99_ms: p99,
                    statuses: statuses
                        .into_iter()
                        .map(|(status, count)| StatusCount { status, count })
                        .collect(),
                };
            }
        }
    }
    let mut queries: BTreeMap<String, QueryStats> = earlier
        .queries
        .iter()
        .map(|q| (q.name.clone(), q.clone()))
        .collect();
    for q in now.queries {
        match queries.get_mut(&q.name) {
            None => {
                queries.insert(q.name.clone(), q);
            }
            Some(old) => {
                let (p50, p95) = larger(
                    (old.calls, (old.p50_us, old.p95_us)),
                    (q.calls, (q.p50_us, q.p95_us)),
                );
                old.p50_us = p50;
                old.p95_us = p95;
                old.max_us = old.max_us.max(q.max_us);
                old.calls = old.calls.saturating_add(q.calls);
                old.slow = old.slow.saturating_add(q.slow);
            }
        }
    }
    let mut slow_queries = earlier.slow_queries.clone();
    slow_queries.extend(now.slow_queries);
    let excess = slow_queries.len().saturating_sub(SLOW_QUERIES_KEPT);
    slow_queries.drain(..excess);
    let endpoints: Vec<EndpointStats> = endpoints.into_values().collect();
    let calls: u32 = endpoints.iter().map(|e| e.calls).sum();
    let errors = earlier.xero_errors.saturating_add(now.xero_errors);
    let (sync_p50_ms, sync_p95_ms) = larger(
        (earlier.syncs, (earlier.sync_p50_ms, earlier.sync_p95_ms)),
        (now.syncs, (now.sync_p50_ms, now.sync_p95_ms)),
    );
    MetricsSnapshot {
        day: now.day,
        xero_calls: calls,
        xero_errors: errors,
        xero_rate_limited: earlier
            .xero_rate_limited
            .saturating_add(now.xero_rate_limited),
        xero_error_rate_pct: errors.saturating_mul(100).checked_div(calls).unwrap_or(0),
        minute_limit_used_pct: now.minute_limit_used_pct.or(earlier.minute_limit_used_pct),
        day_limit_used_pct: now.day_limit_used_pct.or(earlier.day_limit_used_pct),
        endpoints,
        token_refreshes_ok: earlier
            .token_refreshes_ok
            .saturating_add(now.token_refreshes_ok),
        token_refreshes_failed: earlier
            .token_refreshes_failed
            .saturating_add(now.token_refreshes_failed),
        syncs: earlier.syncs.saturating_add(now.syncs),
        sync_records: earlier.sync_records.saturating_add(now.sync_records),
        sync_p50_ms,
        sync_p95_ms,
        db_queries: earlier.db_queries.saturating_add(now.db_queries),
        db_p95_ms: larger(
            (earlier.db_queries, earlier.db_p95_ms),
            (now.db_queries, now.db_p95_ms),
        ),
        queries: queries.into_values().collect(),
        slow_queries,
        rss_mb: now.rss_mb.or(earlier.rss_mb),
        startup_ms: now.startup_ms.or(earlier.startup_ms),
        active_connections: now.active_connections,
    }
}

/// The saved daily summaries in `dir`, oldest first.
pub fn read_summaries(dir: &Path) -> Vec<MetricsSnapshot> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<MetricsSnapshot> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
        .collect();
    out.sort_by(|a, b| a.day.cmp(&b.day));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn utc(text: &str) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn a_known_workload_gives_its_counts() {
        let clock = ManualClock::new(utc("2026-11-02T09:00:00Z"));
        let m = Metrics::new(clock, None);
        // 10 calls to Invoices: 7 OK, 2 rate-limited, 1 server error.
        for i in 0..10u64 {
            let status = match i {
                0 | 1 => 429,
                2 => 503,
                _ => 200,
            };
            m.record_xero_call("Invoices", status, Duration::from_millis(10 * (i + 1)));
        }
        m.record_xero_call("Contacts", 0, Duration::from_secs(30));
        m.record_rate_limits(Some((15, 60)), Some((4_000, 5_000)));
        m.record_token_refresh(true);
        m.record_token_refresh(true);
        m.record_token_refresh(false);

        let s = m.snapshot();
        assert_eq!(s.xero_calls, 11);
        assert_eq!(s.xero_rate_limited, 2);
        assert_eq!(s.xero_errors, 2); // the 503 and the call with no response
        assert_eq!(s.xero_error_rate_pct, 18); // 2 of 11
        assert_eq!(s.minute_limit_used_pct, Some(75));
        assert_eq!(s.day_limit_used_pct, Some(20));
        assert_eq!((s.token_refreshes_ok, s.token_refreshes_failed), (2, 1));
        let inv = s
            .endpoints
            .iter()
            .find(|e| e.endpoint == "Invoices")
            .unwrap();
        assert_eq!(inv.calls, 10);
        assert_eq!(
            inv.statuses,
            vec![
                StatusCount {
                    status: 200,
                    count: 7
                },
                StatusCount {
                    status: 429,
                    count: 2
                },
                StatusCount {
                    status: 503,
                    count: 1
                }
            ]
        );
        assert_eq!(inv.p50_ms, 50);
        assert_eq!(inv.p99_ms, 100);
    }

    #[test]
    fn slow_queries_are_kept_by_label() {
        let clock = ManualClock::new(utc("2026-11-02T09:00:00Z"));
        let m = Metrics::new(clock, None);
        m.record_query("list_invoices", Duration::from_micros(300));
        m.record_query("list_invoices", Duration::from_millis(5));
        m.record_query("fts_search", Duration::from_millis(250));
        let s = m.snapshot();
        assert_eq!(s.db_queries, 3);
        let by_name = |n: &str| s.queries.iter().find(|q| q.name == n).unwrap().clone();
        let list = by_name("list_invoices");
        assert_eq!((list.calls, list.slow), (2, 0));
        // Microseconds, within the histogram's two significant digits.
        assert!((295..=305).contains(&list.p50_us), "{list:?}");
        assert!((4_950..=5_050).contains(&list.max_us), "{list:?}");
        let fts = by_name("fts_search");
        assert_eq!((fts.calls, fts.slow), (1, 1));
        assert_eq!(
            s.slow_queries,
            vec![SlowQuery {
                label: "fts_search".into(),
                ms: 250
            }]
        );
    }

    #[test]
    fn a_second_run_on_the_same_day_adds_to_the_saved_summary() {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(utc("2026-11-02T09:00:00Z"));
        let first = Metrics::new(clock.clone(), Some(dir.path()));
        first.record_xero_call("Invoices", 200, Duration::from_millis(40));
        first.record_xero_call("Invoices", 429, Duration::from_millis(10));
        first.record_xero_call("Contacts", 503, Duration::from_millis(90));
        first.record_token_refresh(true);
        first.record_sync(Duration::from_secs(2), 30);
        first.record_query("settings", Duration::from_micros(200));
        first.persist().unwrap();
        drop(first);

        // The app starts again the same day (or the CLI runs): nothing is lost.
        clock.advance(Duration::from_secs(2 * 3_600));
        let second = Metrics::new(clock.clone(), Some(dir.path()));
        second.record_xero_call("Invoices", 200, Duration::from_millis(40));
        second.record_xero_call("Accounts", 500, Duration::from_millis(40));
        second.record_token_refresh(false);
        second.record_sync(Duration::from_secs(4), 12);
        second.record_query("settings", Duration::from_micros(300));
        second.record_query("list_documents", Duration::from_millis(150));
        let s = second.snapshot();
        assert_eq!(s.xero_calls, 5);
        assert_eq!((s.xero_rate_limited, s.xero_errors), (1, 2));
        assert_eq!(s.xero_error_rate_pct, 40);
        assert_eq!((s.token_refreshes_ok, s.token_refreshes_failed), (1, 1));
        assert_eq!((s.syncs, s.sync_records), (2, 42));
        let inv = s
            .endpoints
            .iter()
            .find(|e| e.endpoint == "Invoices")
            .unwrap();
        assert_eq!(
            inv.statuses,
            vec![
                StatusCount {
                    status: 200,
                    count: 2
                },
                StatusCount {
                    status: 429,
                    count: 1
                }
            ]
        );
        assert_eq!(s.endpoints.len(), 3);
        let settings = s.queries.iter().find(|q| q.name == "settings").unwrap();
        assert_eq!(settings.calls, 2);
        assert_eq!(s.db_queries, 3);
        assert_eq!(s.slow_queries.len(), 1);
        second.persist().unwrap();
        let saved = read_summaries(dir.path());
        assert_eq!(saved.len(), 1);
        assert_eq!(saved[0].xero_calls, 5);

        // The next day starts from nothing, the merged day kept on disk.
        clock.advance(Duration::from_secs(86_400));
        assert_eq!(second.snapshot().xero_calls, 0);
        assert_eq!(read_summaries(dir.path())[0].xero_calls, 5);
        let third = Metrics::new(clock, Some(dir.path()));
        assert_eq!(third.snapshot().xero_calls, 0);
    }

    #[test]
    fn a_summary_saved_before_queries_were_counted_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(utc("2026-11-02T09:00:00Z"));
        let m = Metrics::new(clock.clone(), Some(dir.path()));
        m.record_xero_call("Invoices", 200, Duration::from_millis(40));
        let mut old = serde_json::to_value(m.snapshot()).unwrap();
        old.as_object_mut().unwrap().remove("queries");
        std::fs::write(dir.path().join("2026-11-02.json"), old.to_string()).unwrap();
        assert_eq!(read_summaries(dir.path())[0].xero_calls, 1);
        let again = Metrics::new(clock, Some(dir.path()));
        assert_eq!(again.snapshot().xero_calls, 1);
    }

    #[test]
    fn a_finished_day_is_saved_and_the_counts_restart() {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(utc("2026-11-02T23:59:00Z"));
        let m = Metrics::new(clock.clone(), Some(dir.path()));
        m.record_startup(Duration::from_millis(840));
        m.record_xero_call("Invoices", 200, Duration::from_millis(40));
        m.record_sync(Duration::from_secs(3), 120);
        clock.advance(Duration::from_secs(2 * 60));
        m.record_xero_call("Invoices", 200, Duration::from_millis(40));

        let saved = read_summaries(dir.path());
        assert_eq!(saved.len(), 1);
        assert_eq!(saved[0].day, "2026-11-02");
        assert_eq!(saved[0].xero_calls, 1);
        assert_eq!((saved[0].syncs, saved[0].sync_records), (1, 120));

        let today = m.snapshot();
        assert_eq!(today.day, "2026-11-03");
        assert_eq!(today.xero_calls, 1);
        assert_eq!(today.syncs, 0);
        assert_eq!(
            today.startup_ms,
            Some(840),
            "start-up time belongs to the process"
        );
        m.persist().unwrap();
        assert_eq!(read_summaries(dir.path()).len(), 2);
    }
}
