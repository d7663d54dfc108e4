//! The engine: one tenant's streams, page by page, from the Xero client into
//! the ledger. Each answer is read once, as it arrives, into a typed [`Page`]
//! (an unreadable record fails the page, naming the kind and the field); its
//! records go to `LedgerStore::apply_page`, which writes them, their audit
//! rows and the stream's watermark in one transaction.
//!
//! Paging by `UpdatedDateUTC`: each call asks `If-Modified-Since` = the second
//! of the last page's newest record, `order=UpdatedDateUTC ASC`, page 1. A
//! record changed while we page moves behind that cursor and is fetched again
//! later; nothing slides past the cursor, as it can with page numbers alone.
//! Only when a whole page shares one second does the engine step to page 2, 3...
//!
//! A stream Xero does not serve to the sign-in (401 `AuthorizationUnsuccessful`:
//! Journals below the Advanced plan, or a scope not granted) is skipped, not
//! failed: the other streams sync and the run succeeds. The refusal is kept in
//! the ledger's settings (`sync.refused.<tenant>`) with the sign-in it was
//! refused under, so that later runs skip it without a call until another
//! sign-in (new scopes) serves the tenant.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

use chrono::{DateTime, Utc};
use ledgerkeep_domain::xero::{EntityKind, Page};
use ledgerkeep_domain::{with_records, Actor};
use ledgerkeep_obs::Metrics;
use ledgerkeep_store::{LedgerStore, StoreError};
use ledgerkeep_xero::{ApiRequest, Priority, Timekeeping, Xero, XeroError, XeroResponse};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::cancel::CancelToken;
use crate::first_sync::{calls_after_first_page, FirstPage, FirstSync, FirstSyncEstimate};
use crate::progress::{
    RefusalReason, StopReason, StreamReport, StreamStatus, SyncProgress, SyncReport,
};
use crate::streams::{Paging, Stream, JOURNALS_PER_CALL, MAX_PAGE_SIZE, STREAMS};

/// A run that changed at least this many records ends by merging the search
/// index into one segment ([`LedgerStore::optimize`]: about a second per
/// million documents); FTS5's own merging keeps smaller runs in check.
const OPTIMIZE_AFTER: u64 = 1_000;

/// What to pull.
#[derive(Debug, Clone)]
pub struct SyncRequest {
    /// Read every stream whole (a full sweep) instead of the changes.
    pub full: bool,
    /// User work goes first and may spend the daily reserve; background does not.
    pub priority: Priority,
    /// Only these streams (`None`: all).
    pub streams: Option<Vec<EntityKind>>,
    /// Sweep, within an incremental run, streams whose last full sweep is older
    /// than this (`None`: never).
    pub sweep_every: Option<chrono::Duration>,
    /// At most this many such sweeps per run, so sweeps spread over days.
    pub max_sweeps_per_run: usize,
    /// After a complete run, fetch Xero's own reports when the stored ones
    /// are older than this or a period is missing (`None`: never; see
    /// `reports.rs`).
    pub reports_every: Option<chrono::Duration>,
}

impl SyncRequest {
    /// An incremental sync the owner asked for.
    pub fn user() -> Self {
        SyncRequest {
            full: false,
            priority: Priority::User,
            streams: None,
            sweep_every: None,
            max_sweeps_per_run: 0,
            reports_every: None,
        }
    }

    /// A scheduled incremental sync.
    pub fn background() -> Self {
        SyncRequest {
            priority: Priority::Background,
            ..SyncRequest::user()
        }
    }

    pub fn full(mut self) -> Self {
        self.full = true;
        self
    }
}

/// Receives progress; must not block.
pub type ProgressSink = Arc<dyn Fn(SyncProgress) + Send + Sync>;

/// A no-op progress sink.
pub fn no_progress() -> ProgressSink {
    Arc::new(|_| {})
}

/// The key of the setting that holds a full sweep in progress.
fn pending_key(tenant: &str) -> String {
    format!("sync.pending_full.{tenant}")
}

/// The key of the setting that holds a first sync in progress.
fn first_sync_key(tenant: &str) -> String {
    format!("sync.first.{tenant}")
}

/// The first sync of `tenant` under way (read over several days when it
/// needs more calls than a day allows), as the ledger keeps it.
pub async fn first_sync_state(store: &LedgerStore, tenant: &str) -> Option<FirstSync> {
    let json = store
        .setting(&first_sync_key(tenant))
        .await
        .ok()
        .flatten()?;
    serde_json::from_str::<Option<FirstSync>>(&json)
        .ok()
        .flatten()
}

/// The key of the setting that holds the streams Xero refused to a tenant.
fn refused_key(tenant: &str) -> String {
    format!("sync.refused.{tenant}")
}

/// A stream Xero does not serve to a tenant's sign-in, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefusedStream {
    /// As Xero names the endpoint (`Journals`).
    pub stream: String,
    pub reason: RefusalReason,
    /// The sign-in (connection id) it was refused under: under another, the
    /// stream is asked for again.
    pub connection: String,
    /// When it was refused (RFC 3339, UTC).
    pub at: String,
}

/// The streams Xero refused to the tenant's sign-in, as recorded by the last
/// runs (none when nothing was refused, or the setting cannot be read).
pub async fn refused_streams(store: &LedgerStore, tenant: &str) -> Vec<RefusedStream> {
    match store.setting(&refused_key(tenant)).await {
        Ok(Some(json)) => serde_json::from_str(&json).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the refused streams could not be read; they are asked for again");
            Vec::new()
        }),
        Ok(None) => Vec::new(),
        Err(e) => {
            tracing::warn!(error = %e, "the refused streams could not be read");
            Vec::new()
        }
    }
}

/// The sync engine. Cheap to share (`Arc`).
#[derive(Debug)]
pub struct SyncEngine {
    xero: Arc<Xero>,
    store: LedgerStore,
    time: Timekeeping,
    metrics: Option<Arc<Metrics>>,
    calls: AtomicU64,
    /// Send times (ms) of the last minute's calls, for the rate-limit gauge.
    recent: Mutex<VecDeque<i64>>,
    /// Held while the outbox sends: one sender at a time.
    outbox: tokio::sync::Mutex<()>,
}

enum Fail {
    /// The stream is refused (403, a 401 after a refresh): skip it this run.
    Refused(String),
    /// Xero does not permit the stream to this sign-in (plan or scope): skip
    /// it, and keep skipping it under this sign-in.
    NotPermitted,
    /// Stop the run.
    Stop(StopReason, String),
}

/// How far a pull went.
enum Pulled {
    /// To the stream's end.
    Complete,
    /// The pages asked for, and the stream goes on; what its first page showed.
    More(FirstPage),
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Fail::Stop(StopReason::Storage, e.to_string())
    }
}

pub(crate) struct RunState<'a> {
    pub(crate) tenant: &'a str,
    actor: Actor,
    pub(crate) cancel: &'a CancelToken,
    progress: &'a ProgressSink,
    pages: u64,
    records: u64,
    streams_left: u64,
    /// The run's work on the ledger takes no virtual time (tests, benches):
    /// held for the whole run except while a call waits on Xero and the rate
    /// limits. Without it, the virtual clock could jump to another tenant's
    /// next tick while this run writes a page. Real time ignores it.
    pub(crate) busy: Option<Box<dyn Send + Sync>>,
}

impl SyncEngine {
    pub fn new(
        xero: Arc<Xero>,
        store: LedgerStore,
        time: Timekeeping,
        metrics: Option<Arc<Metrics>>,
    ) -> Self {
        SyncEngine {
            xero,
            store,
            time,
            metrics,
            calls: AtomicU64::new(0),
            recent: Mutex::new(VecDeque::new()),
            outbox: tokio::sync::Mutex::new(()),
        }
    }

    pub fn store(&self) -> &LedgerStore {
        &self.store
    }

    pub fn xero(&self) -> &Arc<Xero> {
        &self.xero
    }

    pub fn time(&self) -> &Timekeeping {
        &self.time
    }

    /// Accounting API calls this engine has answered, since it was built.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    pub(crate) fn outbox_lock(&self) -> &tokio::sync::Mutex<()> {
        &self.outbox
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.time.clock.now()
    }

    /// Syncs one tenant. Never returns an error for what Xero did: the report
    /// says how far it got and why it stopped. Each page is committed on its own.
    pub async fn sync_tenant(
        &self,
        tenant: &str,
        req: &SyncRequest,
        cancel: &CancelToken,
        progress: &ProgressSink,
    ) -> SyncReport {
        let run_id = uuid::Uuid::new_v4().to_string();
        let kind = if req.full { "full" } else { "incremental" };
        if let Err(e) = self
            .store
            .start_sync_run(&run_id, tenant, None, kind, self.now())
            .await
        {
            tracing::warn!(error = %e, "could not log the sync run's start");
        }
        let started_ms = self.time.now_ms();
        let span = tracing::info_span!("sync", tenant = %tenant, run_id = %run_id, kind);
        // Not `span.enter()`: a guard held across an await leaves the span
        // current for whatever else runs on this thread. The run is instrumented.
        async move {
            let busy = self.time.sleeper.hold();
            let chosen: Vec<Stream> = STREAMS
                .iter()
                .copied()
                .filter(|s| {
                    req.streams
                        .as_ref()
                        .is_none_or(|only| only.contains(&s.kind))
                })
                .collect();
            let sweeps = self.streams_to_sweep(tenant, req, &chosen).await;
            if req.full {
                self.save_pending(tenant, &[]).await;
            }
            let mut st = RunState {
                tenant,
                actor: Actor::sync(run_id.clone()),
                cancel,
                progress,
                pages: 0,
                records: 0,
                streams_left: chosen.len() as u64,
                busy,
            };
            let mut reports = Vec::new();
            let mut stopped = None;
            let mut error = None;
            let mut done_full: Vec<String> = self.load_pending(tenant).await.unwrap_or_default();
            let connection = self
                .xero
                .tokens()
                .connection_for_tenant(tenant)
                .await
                .ok()
                .map(|c| c.id().to_owned());
            let mut refused = self.current_refusals(tenant, connection.as_deref()).await;
            // A first sync (of every stream, nothing synced before) may need
            // more calls than a day allows: it reads the first page of every
            // stream, to learn how many calls the rest needs, then the rest,
            // the most useful streams first (STREAMS' order). A stream read to
            // its end is not read again until the first sync ends, so the
            // next day goes on where this one stopped.
            let mut first = if !req.full && req.streams.is_none() {
                self.begin_first_sync(tenant).await
            } else {
                None
            };
            let plan: Vec<(Stream, Option<usize>)> = match &first {
                None => chosen.iter().map(|s| (*s, None)).collect(),
                Some(f) => {
                    let open: Vec<Stream> = chosen
                        .iter()
                        .copied()
                        .filter(|s| !f.is_done(s.kind.stream()))
                        .collect();
                    let mut plan: Vec<(Stream, Option<usize>)> = open
                        .iter()
                        .filter(|s| !f.surveyed(s.kind.stream()))
                        .map(|s| (*s, Some(1)))
                        .collect();
                    plan.extend(open.iter().map(|s| (*s, None)));
                    for s in chosen.iter().filter(|s| f.is_done(s.kind.stream())) {
                        let mut report = not_run(s);
                        report.status = StreamStatus::Done;
                        report.detail = Some(
                            "Read to its end earlier in the first sync.".to_owned(),
                        );
                        report.watermark = self.store.watermark(tenant, s.kind).await.ok().flatten();
                        reports.push(report);
                    }
                    plan
                }
            };
            st.streams_left = plan.len() as u64;
            for (stream, max_pages) in &plan {
                let max_pages = *max_pages;
                st.streams_left = st.streams_left.saturating_sub(1);
                let name = stream.kind.stream();
                if first.as_ref().is_some_and(|f| f.is_done(name)) {
                    // Read to its end by its first page, earlier in this run.
                    continue;
                }
                if stopped.is_some() {
                    reports.push(not_run(stream));
                    continue;
                }
                if let Some(r) = refused.iter().find(|r| r.stream == name) {
                    // Refused to this sign-in before: not asked again.
                    let mut report = not_run(stream);
                    report.status = StreamStatus::Skipped;
                    report.refused = Some(r.reason);
                    report.detail = Some(r.reason.describe(name));
                    report.watermark = self.store.watermark(tenant, stream.kind).await.ok().flatten();
                    let _ = self
                        .store
                        .set_stream_status(tenant, stream.kind, "skipped", report.detail.as_deref(), self.now())
                        .await;
                    reports.push(report);
                    if let Some(f) = first.as_mut() {
                        f.finish(name);
                        self.save_first_sync(tenant, Some(f)).await;
                    }
                    continue;
                }
                let full = sweeps.contains(&stream.kind)
                    && !done_full.iter().any(|d| d == stream.kind.stream());
                let _ = self
                    .store
                    .set_stream_status(tenant, stream.kind, "syncing", None, self.now())
                    .await;
                let mut report = StreamReport {
                    stream: stream.kind.stream().to_owned(),
                    status: StreamStatus::Done,
                    full,
                    calls: 0,
                    records_seen: 0,
                    inserted: 0,
                    updated: 0,
                    watermark: None,
                    detail: None,
                    refused: None,
                };
                // A stream read whole this time counts as swept: a first sync, or
                // a list that has no If-Modified-Since.
                let whole = full
                    || first.is_some()
                    || !stream.incremental
                    || self
                        .store
                        .watermark(tenant, stream.kind)
                        .await
                        .ok()
                        .flatten()
                        .is_none();
                let result = self
                    .pull(&mut st, stream, full, req.priority, &mut report, max_pages)
                    .await;
                let now = self.now();
                if let Some(f) = first.as_mut() {
                    match &result {
                        Ok(Pulled::Complete) | Err(Fail::NotPermitted | Fail::Refused(_)) => {
                            f.finish(name);
                        }
                        Ok(Pulled::More(page)) => {
                            let calls = calls_after_first_page(page, now);
                            f.left.insert(name.to_owned(), calls);
                        }
                        Err(Fail::Stop(..)) => {
                            // Stopped part way: what this entry spent comes off
                            // the stream's estimate (at least one call remains).
                            if let Some(left) = f.left.get_mut(name) {
                                *left = left.saturating_sub(report.calls).max(1);
                            }
                        }
                    }
                    self.save_first_sync(tenant, Some(f)).await;
                }
                match result {
                    Ok(Pulled::More(_)) => {
                        report.status = StreamStatus::NotRun;
                        report.detail =
                            Some("Its first page is read; the rest follows.".to_owned());
                        let _ = self
                            .store
                            .set_stream_status(tenant, stream.kind, "pending", None, now)
                            .await;
                    }
                    Ok(Pulled::Complete) => {
                        let _ = self
                            .store
                            .set_stream_status(tenant, stream.kind, "idle", None, now)
                            .await;
                        if whole && stream.paging != Paging::Offset {
                            let _ = self.store.mark_full_sweep(tenant, stream.kind, now).await;
                        }
                        if full && self.load_pending(tenant).await.is_some() {
                            done_full.push(stream.kind.stream().to_owned());
                            self.save_pending(tenant, &done_full).await;
                        }
                    }
                    Err(Fail::NotPermitted) => {
                        let reason = RefusalReason::of_stream(name);
                        let detail = reason.describe(name);
                        tracing::info!(stream = name, ?reason, "Xero does not permit this stream to the sign-in: skipped");
                        report.status = StreamStatus::Skipped;
                        report.refused = Some(reason);
                        report.detail = Some(detail.clone());
                        let _ = self
                            .store
                            .set_stream_status(tenant, stream.kind, "skipped", Some(&detail), now)
                            .await;
                        refused.push(RefusedStream {
                            stream: name.to_owned(),
                            reason,
                            connection: connection.clone().unwrap_or_default(),
                            at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        });
                        self.save_refusals(tenant, &refused).await;
                    }
                    Err(Fail::Refused(detail)) => {
                        tracing::info!(stream = stream.kind.stream(), %detail, "stream refused: skipped");
                        report.status = StreamStatus::Skipped;
                        report.detail = Some(detail.clone());
                        let _ = self
                            .store
                            .set_stream_status(tenant, stream.kind, "skipped", Some(&detail), now)
                            .await;
                    }
                    Err(Fail::Stop(reason, detail)) => {
                        tracing::warn!(stream = stream.kind.stream(), ?reason, %detail, "sync stopped");
                        report.status = StreamStatus::Failed;
                        report.detail = Some(detail.clone());
                        let status = if reason == StopReason::Cancelled {
                            "idle"
                        } else {
                            "error"
                        };
                        let _ = self
                            .store
                            .set_stream_status(tenant, stream.kind, status, Some(&detail), now)
                            .await;
                        stopped = Some(reason);
                        error = Some(detail);
                    }
                }
                report.watermark = self
                    .store
                    .watermark(tenant, stream.kind)
                    .await
                    .ok()
                    .flatten();
                reports.push(report);
            }
            let reports = merge_reports(reports);
            let first_sync = match &mut first {
                Some(f) => {
                    let calls_left = f.calls_left(chosen.iter().map(|s| s.kind.stream()));
                    if calls_left == 0 {
                        self.save_first_sync(tenant, None).await;
                        None
                    } else {
                        let limiter = self.xero.client().limiter();
                        let limits = limiter.limits();
                        let keep = if req.priority == Priority::Background {
                            limiter.background_reserve(tenant)
                        } else {
                            0
                        };
                        let day_left = limiter.day_left(tenant);
                        let left_today = day_left.saturating_sub(keep);
                        // The tier's day, as Xero shows it: what it says is left
                        // plus what this run spent is at most the day's budget
                        // (a Starter app's 1,000 when the client was set for 5,000).
                        let spent: u64 = reports.iter().map(|r| r.calls).sum();
                        let seen = u64::from(day_left).saturating_add(spent);
                        let budget = u32::try_from(seen)
                            .unwrap_or(u32::MAX)
                            .min(limits.per_day);
                        // The days that follow are the scheduler's (background) runs.
                        let per_day = budget.saturating_sub(limits.reserve_of(budget));
                        let estimate = FirstSyncEstimate::new(
                            calls_left,
                            u64::from(left_today),
                            u64::from(per_day),
                        );
                        tracing::info!(
                            calls_left,
                            left_today,
                            per_day,
                            more_days = ?estimate.more_days,
                            "the first sync goes on"
                        );
                        f.estimate = Some(estimate);
                        self.save_first_sync(tenant, Some(f)).await;
                        Some(estimate)
                    }
                }
                None => None,
            };
            // A disconnected tenant shows up as every stream refused (not
            // as streams the sign-in is not permitted).
            if stopped.is_none()
                && !reports.is_empty()
                && reports.iter().all(|r| r.status == StreamStatus::Skipped)
                && reports.iter().any(|r| r.refused.is_none())
            {
                stopped = Some(StopReason::Disconnected);
                error = Some(
                    "Xero refused every stream of this organisation: it may be disconnected."
                        .to_owned(),
                );
            }
            if stopped.is_none() && (req.full || !done_full.is_empty()) {
                self.clear_pending(tenant).await;
            }
            let records_changed: u64 = reports.iter().map(|r| r.inserted + r.updated).sum();
            if records_changed >= OPTIMIZE_AFTER {
                // Page by page, the search index grew in many segments.
                if let Err(e) = self.store.optimize().await {
                    tracing::warn!(error = %e, "could not optimise the search index");
                }
            }
            // The reports read the ledger rebuilt from the documents (a Starter
            // app has no Journals): rebuilt whenever a record changed.
            let mut rebuilt = false;
            // Also a ledger never rebuilt, or rebuilt before the aged reports'
            // documents were kept with it.
            let kept = matches!(
                self.store.general_ledger_state(tenant).await,
                Ok(Some(ref state)) if state.aged_kept
            );
            if records_changed > 0 || !kept {
                match crate::general_ledger::rebuild_general_ledger(&self.store, tenant, self.now()).await
                {
                    Ok(_) => rebuilt = true,
                    Err(e) => tracing::warn!(error = %e, "could not rebuild the general ledger"),
                }
            }
            let new_findings = if stopped.is_none() {
                self.detect_anomalies(tenant).await
            } else {
                None
            };
            let fetched = if stopped.is_none() {
                self.fetch_reports(&mut st, req).await
            } else {
                crate::reports::Fetched::default()
            };
            // What Xero's API cannot show, from Xero's trial balances: made
            // again after a rebuild (which clears it) and after new ones.
            if rebuilt || fetched.stored > 0 {
                if let Err(e) = crate::not_visible::explain_not_visible(&self.store, tenant).await {
                    tracing::warn!(error = %e, "could not explain what Xero's API does not show");
                }
            }
            let report = SyncReport {
                run_id: run_id.clone(),
                tenant: tenant.to_owned(),
                calls: reports.iter().map(|r| r.calls).sum::<u64>() + fetched.calls,
                xero_reports: fetched.stored,
                pages: st.pages,
                records_seen: st.records,
                records_changed,
                streams: reports,
                stopped,
                error,
                new_findings,
                first_sync,
            };
            let status = match stopped {
                None => "ok",
                Some(StopReason::Cancelled) => "cancelled",
                Some(_) => "failed",
            };
            if let Err(e) = self
                .store
                .finish_sync_run(
                    &run_id,
                    status,
                    i64::try_from(report.pages).unwrap_or(i64::MAX),
                    i64::try_from(report.records_seen).unwrap_or(i64::MAX),
                    i64::try_from(report.records_changed).unwrap_or(i64::MAX),
                    report.error.as_deref(),
                    self.now(),
                )
                .await
            {
                tracing::warn!(error = %e, "could not log the sync run's end");
            }
            if let Some(m) = &self.metrics {
                let took = u64::try_from(self.time.now_ms() - started_ms).unwrap_or(0);
                m.record_sync(
                    Duration::from_millis(took),
                    u32::try_from(report.records_changed).unwrap_or(u32::MAX),
                );
            }
            tracing::info!(
                calls = report.calls,
                records = report.records_seen,
                changed = report.records_changed,
                status,
                "sync finished"
            );
            report
        }
        .instrument(span)
        .await
    }

    /// Runs the anomaly rules on the tenant's books after a complete run and
    /// stores what they find. A failure is logged and never fails the sync.
    async fn detect_anomalies(&self, tenant: &str) -> Option<u64> {
        let config = match self.store.anomaly_config().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the anomaly settings; using the defaults");
                ledgerkeep_store::AnomalyConfig::default()
            }
        };
        match self
            .store
            .detect_anomalies(tenant, &config, self.now())
            .await
        {
            Ok(o) => {
                tracing::info!(
                    found = o.found,
                    new = o.new,
                    resolved = o.resolved,
                    open = o.open,
                    "anomaly detection"
                );
                Some(o.new as u64)
            }
            Err(e) => {
                tracing::warn!(error = %e, "anomaly detection failed");
                None
            }
        }
    }

    /// The streams this run reads whole: all on a full run; on an incremental
    /// one, a pending sweep's remainder, then the streams whose sweep is due.
    async fn streams_to_sweep(
        &self,
        tenant: &str,
        req: &SyncRequest,
        chosen: &[Stream],
    ) -> Vec<EntityKind> {
        if req.full {
            return chosen.iter().map(|s| s.kind).collect();
        }
        if let Some(done) = self.load_pending(tenant).await {
            // A full sweep was interrupted (crash, cancel, restart): finish it.
            return chosen
                .iter()
                .map(|s| s.kind)
                .filter(|k| !done.iter().any(|d| d == k.stream()))
                .collect();
        }
        let Some(every) = req.sweep_every else {
            return Vec::new();
        };
        let states = self.store.streams(tenant).await.unwrap_or_default();
        let now = self.now();
        // Only streams read by If-Modified-Since can drift; Journals never
        // change once posted (an edit posts new ones), so they are never swept.
        let mut due: Vec<(Option<String>, EntityKind)> = chosen
            .iter()
            .filter(|s| s.incremental)
            .filter_map(|s| {
                let last = states
                    .iter()
                    .find(|st| st.stream == s.kind.stream())
                    .and_then(|st| st.last_full_sweep_utc.clone());
                let is_due = match last
                    .as_deref()
                    .and_then(|l| DateTime::parse_from_rfc3339(l).ok())
                {
                    Some(at) => now.signed_duration_since(at.with_timezone(&Utc)) >= every,
                    // Never swept: not synced yet (the first sync reads it whole).
                    None => false,
                };
                is_due.then_some((last, s.kind))
            })
            .collect();
        due.sort();
        due.into_iter()
            .take(req.max_sweeps_per_run)
            .map(|(_, k)| k)
            .collect()
    }

    /// The streams refused to the tenant under the sign-in `connection`;
    /// those refused under another are dropped (its scopes may differ).
    async fn current_refusals(&self, tenant: &str, connection: Option<&str>) -> Vec<RefusedStream> {
        let mut refused = refused_streams(&self.store, tenant).await;
        let Some(connection) = connection else {
            return refused;
        };
        let before = refused.len();
        refused.retain(|r| r.connection == connection);
        if refused.len() != before {
            tracing::info!(
                dropped = before - refused.len(),
                "another sign-in serves the organisation: refused streams are asked for again"
            );
            self.save_refusals(tenant, &refused).await;
        }
        refused
    }

    async fn save_refusals(&self, tenant: &str, refused: &[RefusedStream]) {
        let json = serde_json::to_string(refused).unwrap_or_else(|_| "[]".to_owned());
        if let Err(e) = self
            .store
            .set_setting(&refused_key(tenant), &json, self.now())
            .await
        {
            tracing::warn!(error = %e, "could not save the refused streams");
        }
    }

    async fn load_pending(&self, tenant: &str) -> Option<Vec<String>> {
        let v = self
            .store
            .setting(&pending_key(tenant))
            .await
            .ok()
            .flatten()?;
        serde_json::from_str::<Option<Vec<String>>>(&v)
            .ok()
            .flatten()
    }

    async fn save_pending(&self, tenant: &str, done: &[String]) {
        let json = serde_json::to_string(done).unwrap_or_else(|_| "[]".to_owned());
        if let Err(e) = self
            .store
            .set_setting(&pending_key(tenant), &json, self.now())
            .await
        {
            tracing::warn!(error = %e, "could not save the full sweep in progress");
        }
    }

    async fn clear_pending(&self, tenant: &str) {
        let _ = self
            .store
            .set_setting(&pending_key(tenant), "null", self.now())
            .await;
    }

    /// The first sync under way, or a new one when nothing of the tenant was
    /// ever synced (no stream has a watermark or a sweep).
    async fn begin_first_sync(&self, tenant: &str) -> Option<FirstSync> {
        if let Some(f) = first_sync_state(&self.store, tenant).await {
            return Some(f);
        }
        let states = self.store.streams(tenant).await.ok()?;
        let never = states
            .iter()
            .all(|s| s.watermark_utc.is_none() && s.last_full_sweep_utc.is_none());
        if !never {
            return None;
        }
        let f = FirstSync::default();
        self.save_first_sync(tenant, Some(&f)).await;
        Some(f)
    }

    async fn save_first_sync(&self, tenant: &str, state: Option<&FirstSync>) {
        let json = serde_json::to_string(&state).unwrap_or_else(|_| "null".to_owned());
        if let Err(e) = self
            .store
            .set_setting(&first_sync_key(tenant), &json, self.now())
            .await
        {
            tracing::warn!(error = %e, "could not save the first sync's progress");
        }
    }

    /// Whether a full sweep is pending for `tenant` (persisted; survives a restart).
    pub async fn full_sweep_pending(&self, tenant: &str) -> bool {
        self.load_pending(tenant).await.is_some()
    }

    async fn pull(
        &self,
        st: &mut RunState<'_>,
        stream: &Stream,
        full: bool,
        priority: Priority,
        report: &mut StreamReport,
        max_pages: Option<usize>,
    ) -> Result<Pulled, Fail> {
        let mut pages = 0usize;
        match stream.paging {
            Paging::None => {
                let since = if stream.incremental && !full {
                    self.store
                        .watermark(st.tenant, stream.kind)
                        .await?
                        .map(|w| ims_of(&w))
                } else {
                    None
                };
                let req = self.request(stream, priority, since, None);
                let page = self.fetch(st, stream, &req, report).await?;
                self.apply(st, stream, page, report, None).await?;
                Ok(Pulled::Complete)
            }
            Paging::PageSize | Paging::Page => {
                let per_page = stream.paging.per_page();
                let mut since = if full {
                    None
                } else {
                    self.store
                        .watermark(st.tenant, stream.kind)
                        .await?
                        .map(|w| ims_of(&w))
                };
                let mut page = 1usize;
                loop {
                    let req = self.request(stream, priority, since.clone(), Some(page));
                    let answer = self.fetch(st, stream, &req, report).await?;
                    let total = answer.item_count;
                    let n = answer.len();
                    let newest = answer.newest().map(|t| t.instant());
                    let oldest = answer.oldest().map(|t| t.instant());
                    let remaining = total.map(|t| t.saturating_sub(n as u64));
                    self.apply(st, stream, answer, report, remaining).await?;
                    if n < per_page {
                        return Ok(Pulled::Complete);
                    }
                    pages += 1;
                    if max_pages.is_some_and(|m| pages >= m) {
                        return Ok(Pulled::More(FirstPage {
                            records: n as u64,
                            per_page: per_page as u64,
                            item_count: total,
                            oldest,
                            newest,
                        }));
                    }
                    let next = newest.map(ims_of_instant);
                    if next.is_some() && next != since {
                        since = next;
                        page = 1;
                    } else {
                        page += 1;
                    }
                }
            }
            Paging::Offset => {
                let mut offset = if full {
                    0
                } else {
                    self.store.max_journal_number(st.tenant).await?.unwrap_or(0)
                };
                loop {
                    let req = self
                        .request(stream, priority, None, None)
                        .query("offset", offset.to_string());
                    let page = self.fetch(st, stream, &req, report).await?;
                    let n = page.len();
                    let last = page.max_journal_number();
                    // A journal's instant is its CreatedDateUTC.
                    let oldest = page.oldest().map(|t| t.instant());
                    let newest = page.newest().map(|t| t.instant());
                    self.apply(st, stream, page, report, None).await?;
                    match last {
                        Some(l) if n >= JOURNALS_PER_CALL && l > offset => offset = l,
                        _ => return Ok(Pulled::Complete),
                    }
                    pages += 1;
                    if max_pages.is_some_and(|m| pages >= m) {
                        return Ok(Pulled::More(FirstPage {
                            records: n as u64,
                            per_page: JOURNALS_PER_CALL as u64,
                            item_count: None,
                            oldest,
                            newest,
                        }));
                    }
                }
            }
        }
    }

    fn request(
        &self,
        stream: &Stream,
        priority: Priority,
        since: Option<String>,
        page: Option<usize>,
    ) -> ApiRequest {
        let mut req = ApiRequest::get(stream.path);
        req.priority = priority;
        if stream.paging != Paging::Offset {
            req = req.query("includeArchived", "true");
        }
        req = req.query("unitdp", "4");
        if stream.incremental {
            req = req.query("order", "UpdatedDateUTC ASC");
            req.if_modified_since = since;
        }
        if let Some(p) = page {
            req = req.query("page", p.to_string());
            if stream.paging == Paging::PageSize {
                req = req.query("pageSize", MAX_PAGE_SIZE.to_string());
            }
        }
        req
    }

    /// One call, abandoned if the run is cancelled meanwhile, read at once
    /// into a typed page. A page that is not JSON is asked for again, twice,
    /// before the run stops; one whose records cannot be read stops the run
    /// at once with the error that names the kind and the field, and nothing
    /// of it is written.
    async fn fetch(
        &self,
        st: &mut RunState<'_>,
        stream: &Stream,
        req: &ApiRequest,
        report: &mut StreamReport,
    ) -> Result<Page, Fail> {
        let mut attempts = 0;
        loop {
            if st.cancel.is_cancelled() {
                return Err(Fail::Stop(
                    StopReason::Cancelled,
                    "The sync was cancelled.".to_owned(),
                ));
            }
            attempts += 1;
            let client = self.xero.client();
            // Never past the day's budget (nor, for background work, into
            // the reserve): the run stops before Xero would refuse the call,
            // and goes on when the day turns.
            let limiter = client.limiter();
            let keep = if req.priority == Priority::Background {
                limiter.background_reserve(st.tenant)
            } else {
                0
            };
            if limiter.day_left(st.tenant) <= keep {
                let detail = if keep > 0 {
                    format!("The day's Xero calls are spent, but for the last {keep} kept for what you start yourself: the sync goes on when Xero's day turns.")
                } else {
                    "The day's Xero calls are spent: the sync goes on when Xero's day turns."
                        .to_owned()
                };
                return Err(Fail::Stop(StopReason::DailyLimit, detail));
            }
            st.busy = None;
            let answer: Option<Result<XeroResponse, XeroError>> = tokio::select! {
                biased;
                () = st.cancel.cancelled() => None,
                r = client.get(st.tenant, req) => Some(r),
            };
            st.busy = self.time.sleeper.hold();
            let Some(answer) = answer else {
                return Err(Fail::Stop(
                    StopReason::Cancelled,
                    "The sync was cancelled.".to_owned(),
                ));
            };
            self.note_call();
            report.calls += 1;
            match answer {
                Ok(resp) => {
                    return Page::from_value(stream.kind, resp.body)
                        .map_err(|e| Fail::from(StoreError::from(e)))
                }
                Err(XeroError::Decode(d)) if attempts < 3 => {
                    tracing::warn!(stream = stream.path, detail = %d, "unreadable page: asking again");
                }
                Err(e) => return Err(classify(e)),
            }
        }
    }

    async fn apply(
        &self,
        st: &mut RunState<'_>,
        stream: &Stream,
        page: Page,
        report: &mut StreamReport,
        remaining: Option<u64>,
    ) -> Result<(), Fail> {
        let n = page.len() as u64;
        if n > 0 {
            let (tenant, actor, now) = (st.tenant, &st.actor, self.now());
            let outcome = with_records!(&page.records, recs => {
                self.store.apply_page(tenant, recs, actor, now).await
            })?;
            report.inserted += outcome.inserted as u64;
            report.updated += outcome.updated as u64;
        }
        report.records_seen += n;
        st.records += n;
        st.pages += 1;
        let per_minute = u64::from(self.xero.client().limiter().limits().per_minute.max(1));
        let calls_left = remaining
            .map(|r| r.div_ceil(MAX_PAGE_SIZE as u64))
            .unwrap_or(0)
            + st.streams_left;
        let eta = (calls_left * 60).div_ceil(per_minute);
        (st.progress)(SyncProgress {
            tenant: st.tenant.to_owned(),
            stream: stream.kind.stream().to_owned(),
            records: st.records,
            pages: st.pages,
            rate_limit_used_pct: self.minute_used_pct(),
            eta_seconds: Some(eta),
        });
        Ok(())
    }

    pub(crate) fn note_call(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let now = self.time.now_ms();
        let mut r = self.recent.lock();
        r.push_back(now);
        while r.front().is_some_and(|t| now - t >= 60_000) {
            r.pop_front();
        }
    }

    fn minute_used_pct(&self) -> u32 {
        let now = self.time.now_ms();
        let in_minute = self
            .recent
            .lock()
            .iter()
            .filter(|t| now - **t < 60_000)
            .count() as u64;
        let per_minute = u64::from(self.xero.client().limiter().limits().per_minute.max(1));
        u32::try_from((in_minute * 100 / per_minute).min(100)).unwrap_or(100)
    }
}

fn not_run(stream: &Stream) -> StreamReport {
    StreamReport {
        stream: stream.kind.stream().to_owned(),
        status: StreamStatus::NotRun,
        full: false,
        calls: 0,
        records_seen: 0,
        inserted: 0,
        updated: 0,
        watermark: None,
        detail: None,
        refused: None,
    }
}

/// One report per stream, in the order streams first appear: a first sync
/// reads a stream in two entries (its first page, then the rest).
fn merge_reports(entries: Vec<StreamReport>) -> Vec<StreamReport> {
    let mut out: Vec<StreamReport> = Vec::with_capacity(entries.len());
    for r in entries {
        let Some(into) = out.iter_mut().find(|o| o.stream == r.stream) else {
            out.push(r);
            continue;
        };
        into.calls += r.calls;
        into.records_seen += r.records_seen;
        into.inserted += r.inserted;
        into.updated += r.updated;
        into.full |= r.full;
        into.refused = into.refused.or(r.refused);
        if r.watermark.is_some() {
            into.watermark = r.watermark;
        }
        // Not reached after an earlier entry: the earlier says how it ended.
        if r.status != StreamStatus::NotRun {
            into.status = r.status;
            into.detail = r.detail;
        }
    }
    out
}

fn classify(e: XeroError) -> Fail {
    let detail = e.to_string();
    match e {
        XeroError::NotPermitted { .. } => Fail::NotPermitted,
        XeroError::Status {
            status: 401 | 403, ..
        } => Fail::Refused(detail),
        XeroError::NeedsReauthorisation { .. } => {
            Fail::Stop(StopReason::NeedsReauthorisation, detail)
        }
        XeroError::TenantNotConnected(_) | XeroError::NotConnected(_) => {
            Fail::Stop(StopReason::Disconnected, detail)
        }
        XeroError::DailyLimit(_) => Fail::Stop(StopReason::DailyLimit, detail),
        XeroError::Network(_) | XeroError::Deadline(_) => Fail::Stop(StopReason::Network, detail),
        _ => Fail::Stop(StopReason::Xero, detail),
    }
}

/// `If-Modified-Since` for a committed watermark (ISO, ms): its second, which
/// Xero compares inclusively, so records sharing it come back (and are skipped
/// as unchanged by the store).
fn ims_of(watermark: &str) -> String {
    watermark.chars().take(19).collect()
}

fn ims_of_instant(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_modified_since_is_the_watermarks_second() {
        assert_eq!(ims_of("2026-07-01T10:20:30.456Z"), "2026-07-01T10:20:30");
        let t = DateTime::from_timestamp(1_782_864_000, 999_000_000).unwrap();
        assert_eq!(ims_of_instant(t), "2026-07-01T00:00:00");
    }

    #[test]
    fn records_are_read_from_the_streams_key() {
        let s = crate::streams::stream_of(EntityKind::Organisation);
        let body = serde_json::json!({"Organisations": [{"OrganisationID": "a"}]});
        assert_eq!(Page::from_value(s.kind, body).unwrap().len(), 1);
        let empty = Page::from_value(s.kind, serde_json::json!({})).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn an_unreadable_record_stops_the_run_as_a_bad_page_did() {
        let body = serde_json::json!({"Invoices": [{"InvoiceID": "a", "Date": "soon"}]});
        let err = Page::from_value(EntityKind::Invoice, body).unwrap_err();
        let message = err.to_string();
        let Fail::Stop(reason, detail) = Fail::from(StoreError::from(err)) else {
            panic!("not a stop")
        };
        assert_eq!(reason, StopReason::Storage);
        assert_eq!(detail, message);
        assert!(
            detail.contains("Invoice record could not be read at Date"),
            "{detail}"
        );
    }
}
