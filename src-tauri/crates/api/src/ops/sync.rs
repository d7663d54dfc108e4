//! Syncing with Xero: sync now, cancel, status, progress for the fronts, and
//! exports of the synced records.
//!
//! The shell builds one [`SyncService`] at start (it starts the scheduler),
//! forwards [`SyncService::subscribe`]'s events as typed events (see
//! [`progress_event`]), calls [`sync_now`], [`cancel_sync`] and [`sync_status`]
//! from one-line commands, and calls [`SyncService::shutdown`] before closing
//! the ledger.

use std::sync::Arc;

use ledgerkeep_domain::parse_ms_date;
use ledgerkeep_domain::xero::EntityKind;
use ledgerkeep_sync::{
    CancelToken, NetworkWatcher, Notifier, ProgressSink, RefusalReason, SchedulerConfig,
    SchedulerError, StreamReport, SyncEngine, SyncEvent, SyncReport, SyncRequest, SyncScheduler,
};
use ledgerkeep_xero::{Timekeeping, Xero};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::broadcast;

use crate::{ApiError, AppContext, ErrorCode};

fn u32_of(v: impl TryInto<u32>) -> u32 {
    v.try_into().unwrap_or(u32::MAX)
}

/// The engine and the running scheduler, built once by a front.
#[derive(Debug, Clone)]
pub struct SyncService {
    engine: Arc<SyncEngine>,
    scheduler: SyncScheduler,
    /// Syncs every organisation when the network returns; stops with the service.
    _network: Option<Arc<NetworkWatcher>>,
    /// `host:port` of the API, probed before sending a payment at once.
    probe: Option<String>,
}

/// How often the network is probed (a TCP connect to the API's host).
const NETWORK_PROBE_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// `host:port` of the API base, for the network probe.
fn probe_target(api_url: &str) -> Option<String> {
    let url = reqwest::Url::parse(api_url).ok()?;
    Some(format!(
        "{}:{}",
        url.host_str()?,
        url.port_or_known_default()?
    ))
}

/// The organisations a sign-in keeps (all it reaches when none was chosen).
pub async fn kept_tenants(xero: &Xero) -> Result<Vec<(String, String)>, ApiError> {
    let conns = xero
        .tokens()
        .all()
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    let mut out = Vec::new();
    for c in conns {
        let orgs = c.organisations();
        let kept = c.kept();
        for o in orgs {
            if kept.is_empty() || kept.iter().any(|k| k.eq_ignore_ascii_case(&o.tenant_id)) {
                out.push((o.tenant_id, o.tenant_name));
            }
        }
    }
    Ok(out)
}

impl SyncService {
    /// Builds the engine on the context's ledger and starts the scheduler for
    /// every kept organisation.
    pub async fn start(
        ctx: &AppContext,
        xero: Arc<Xero>,
        time: Timekeeping,
        config: SchedulerConfig,
        notifier: Arc<dyn Notifier>,
    ) -> Result<Self, ApiError> {
        Self::start_probing(ctx, xero, time, config, notifier, NETWORK_PROBE_EVERY).await
    }

    /// [`SyncService::start`], probing the network every `probe_every`.
    pub async fn start_probing(
        ctx: &AppContext,
        xero: Arc<Xero>,
        time: Timekeeping,
        config: SchedulerConfig,
        notifier: Arc<dyn Notifier>,
        probe_every: std::time::Duration,
    ) -> Result<Self, ApiError> {
        let tenants = kept_tenants(&xero).await?;
        // The API the client talks to (the app's settings, or a test's simulator).
        let probe = probe_target(&xero.sign_in().endpoints().api_url);
        let engine = Arc::new(SyncEngine::new(
            xero,
            ctx.store().clone(),
            time.clone(),
            Some(Arc::clone(ctx.metrics())),
        ));
        let scheduler = SyncScheduler::start(Arc::clone(&engine), config, tenants, notifier, time);
        spawn_upkeep(ctx.clone(), scheduler.subscribe());
        let network = probe.clone().map(|target| {
            Arc::new(NetworkWatcher::start(
                scheduler.clone(),
                target,
                probe_every,
            ))
        });
        // Payments left queued or sending by the last run go out before the
        // first sync of their organisation.
        Ok(SyncService {
            engine,
            scheduler,
            _network: network,
            probe,
        })
    }

    /// Asks the scheduler to send the tenant's waiting payments now, if
    /// Xero's host answers; offline they wait for the network's return. The
    /// probe runs in the background: the caller does not wait for it.
    pub fn send_payments_if_online(&self, tenant: &str) {
        let Some(target) = self.probe.clone() else {
            return;
        };
        let scheduler = self.scheduler.clone();
        let tenant = tenant.to_owned();
        tokio::spawn(async move {
            if !ledgerkeep_sync::network::reachable(&target).await {
                tracing::info!("offline: the payment waits in the outbox for the network");
                return;
            }
            if let Err(e) = scheduler.send_outbox(&tenant) {
                tracing::warn!(error = %e, "the payment waits: its organisation is not scheduled");
            }
        });
    }

    pub fn engine(&self) -> &Arc<SyncEngine> {
        &self.engine
    }

    pub fn scheduler(&self) -> &SyncScheduler {
        &self.scheduler
    }

    /// Every sync's start, progress and end, as they happen.
    pub fn subscribe(&self) -> broadcast::Receiver<SyncEvent> {
        self.scheduler.subscribe()
    }

    /// Stops taking work, cancels running syncs (a page is committed whole or
    /// rolled back) and waits for them. Then flush the logs and close the ledger.
    pub async fn shutdown(&self) {
        self.scheduler.shutdown().await;
    }
}

/// The ledger's upkeep (a backup when one is due, old sync-run rows pruned) at
/// start and after each finished sync. Failures are logged: upkeep never stops
/// a sync, and the next round tries again.
fn spawn_upkeep(ctx: AppContext, mut events: broadcast::Receiver<SyncEvent>) {
    tokio::spawn(async move {
        upkeep_round(&ctx).await;
        loop {
            match events.recv().await {
                Ok(SyncEvent::Finished(_)) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    upkeep_round(&ctx).await
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

async fn upkeep_round(ctx: &AppContext) {
    match crate::ops::maintenance::upkeep(ctx, ctx.config().now()).await {
        Ok(done) => {
            if let Some(b) = &done.backup {
                tracing::info!(path = %b.path, size_kib = b.size_kib, "scheduled backup made");
            }
            if done.sync_runs_pruned > 0 {
                tracing::info!(rows = done.sync_runs_pruned, "old sync-run log rows pruned");
            }
        }
        Err(err) => tracing::warn!(message = %err.message, "ledger upkeep did not complete"),
    }
}

/// Progress of a running sync, as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgressView {
    pub tenant: String,
    pub stream: String,
    pub records: u32,
    pub pages: u32,
    pub rate_limit_used_pct: u32,
    pub eta_seconds: Option<u32>,
}

/// The progress update in a scheduler event, if it is one.
pub fn progress_event(e: &SyncEvent) -> Option<SyncProgressView> {
    match e {
        SyncEvent::Progress(p) => Some(SyncProgressView {
            tenant: p.tenant.clone(),
            stream: p.stream.clone(),
            records: u32_of(p.records),
            pages: u32_of(p.pages),
            rate_limit_used_pct: p.rate_limit_used_pct,
            eta_seconds: p.eta_seconds.map(u32_of),
        }),
        _ => None,
    }
}

/// One stream's result in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StreamReportView {
    pub stream: String,
    /// `done`, `skipped` (refused by the plan or scopes), `notRun` or `failed`.
    pub status: String,
    pub full: bool,
    pub calls: u32,
    pub records_seen: u32,
    pub inserted: u32,
    pub updated: u32,
    pub watermark: Option<String>,
    pub detail: Option<String>,
    /// Skipped because Xero does not serve it to this sign-in, and why.
    pub refused: Option<RefusalReasonView>,
}

/// Why Xero does not serve a stream to the sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum RefusalReasonView {
    /// Not on the Xero app's plan (Journals below Advanced): "not available
    /// on this Xero plan".
    Plan,
    /// Its scope was not granted at sign-in: "not granted"; signing in again
    /// (with the feature on) asks for it.
    Scope,
}

impl From<RefusalReason> for RefusalReasonView {
    fn from(r: RefusalReason) -> Self {
        match r {
            RefusalReason::Plan => RefusalReasonView::Plan,
            RefusalReason::Scope => RefusalReasonView::Scope,
        }
    }
}

/// A stream Xero refused to the organisation's sign-in: later syncs skip it
/// without asking, until the owner signs in again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RefusedStreamView {
    /// As Xero names the endpoint (`Journals`).
    pub stream: String,
    pub reason: RefusalReasonView,
    /// A sentence for the owner ("Journals: not available on this Xero plan.").
    pub message: String,
    /// When Xero refused it (RFC 3339, UTC).
    pub since: String,
}

/// A first sync that needs more Xero calls than a day allows (the Starter
/// tier's 1,000): what is left of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FirstSyncView {
    /// Xero calls it still needs, about.
    pub calls_left: u32,
    /// Further days, after today, within Xero's daily limit (`None`: the
    /// daily budget allows no call).
    pub more_days: Option<u32>,
}

impl From<&ledgerkeep_sync::FirstSyncEstimate> for FirstSyncView {
    fn from(e: &ledgerkeep_sync::FirstSyncEstimate) -> Self {
        FirstSyncView {
            calls_left: u32_of(e.calls_left),
            more_days: e.more_days.map(u32_of),
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncReportView {
    pub tenant: String,
    pub ok: bool,
    /// Why it stopped early (`cancelled`, `needsReauthorisation`, `disconnected`,
    /// `dailyLimit`, `network`, `xero`, `storage`).
    pub stopped: Option<String>,
    pub error: Option<String>,
    pub calls: u32,
    pub pages: u32,
    pub records_seen: u32,
    pub records_changed: u32,
    pub streams: Vec<StreamReportView>,
    /// Xero's own reports fetched and stored after the run (0 when none were due).
    pub xero_reports: u32,
    /// A first sync this run did not finish (`None`: none under way).
    pub first_sync: Option<FirstSyncView>,
}

fn word<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl From<&StreamReport> for StreamReportView {
    fn from(s: &StreamReport) -> Self {
        StreamReportView {
            stream: s.stream.clone(),
            status: word(&s.status),
            full: s.full,
            calls: u32_of(s.calls),
            records_seen: u32_of(s.records_seen),
            inserted: u32_of(s.inserted),
            updated: u32_of(s.updated),
            watermark: s.watermark.clone(),
            detail: s.detail.clone(),
            refused: s.refused.map(RefusalReasonView::from),
        }
    }
}

impl From<&SyncReport> for SyncReportView {
    fn from(r: &SyncReport) -> Self {
        SyncReportView {
            tenant: r.tenant.clone(),
            ok: r.succeeded(),
            stopped: r.stopped.as_ref().map(word),
            error: r.error.clone(),
            calls: u32_of(r.calls),
            pages: u32_of(r.pages),
            records_seen: u32_of(r.records_seen),
            records_changed: u32_of(r.records_changed),
            streams: r.streams.iter().map(StreamReportView::from).collect(),
            xero_reports: u32_of(r.xero_reports),
            first_sync: r.first_sync.as_ref().map(FirstSyncView::from),
        }
    }
}

impl From<SchedulerError> for ApiError {
    fn from(e: SchedulerError) -> Self {
        let code = match e {
            SchedulerError::UnknownTenant(_) => ErrorCode::Invalid,
            SchedulerError::ShuttingDown => ErrorCode::Internal,
        };
        ApiError::new(code, e.to_string())
    }
}

/// "Sync now" for one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncNowRequest {
    pub tenant_id: String,
    /// Read every stream whole (a full sweep).
    #[serde(default)]
    pub full: bool,
}

/// Runs a sync the owner asked for, after the one running (if any), and
/// returns what it did.
#[tracing::instrument(name = "op", skip_all, fields(op = "sync_now", request_id = %crate::request_id()))]
pub async fn sync_now(svc: &SyncService, req: SyncNowRequest) -> Result<SyncReportView, ApiError> {
    if req.tenant_id.trim().is_empty() {
        return Err(ApiError::invalid("Choose an organisation to sync."));
    }
    let report = svc
        .scheduler
        .sync_now(req.tenant_id.trim(), req.full)
        .await?;
    Ok(SyncReportView::from(&report))
}

/// Cancel the running sync of one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CancelSyncRequest {
    pub tenant_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CancelSyncView {
    /// Whether a sync was running (it stops at its next safe point).
    pub cancelled: bool,
}

#[tracing::instrument(name = "op", skip_all, fields(op = "cancel_sync", request_id = %crate::request_id()))]
pub fn cancel_sync(svc: &SyncService, req: CancelSyncRequest) -> CancelSyncView {
    CancelSyncView {
        cancelled: svc.scheduler.cancel(req.tenant_id.trim()),
    }
}

/// A one-off sync without the scheduler (the CLI): every kept organisation, or one.
#[tracing::instrument(name = "op", skip_all, fields(op = "sync_once", request_id = %crate::request_id()))]
pub async fn sync_once(
    ctx: &AppContext,
    xero: Arc<Xero>,
    time: Timekeeping,
    tenant_id: Option<&str>,
    full: bool,
    cancel: &CancelToken,
    progress: &ProgressSink,
) -> Result<Vec<SyncReportView>, ApiError> {
    let mut tenants = kept_tenants(&xero).await?;
    if let Some(t) = tenant_id {
        tenants.retain(|(id, _)| id.eq_ignore_ascii_case(t));
        if tenants.is_empty() {
            return Err(ApiError::invalid(format!(
                "The organisation {t} is not connected: connect to Xero first."
            )));
        }
    }
    if tenants.is_empty() {
        return Err(ApiError::invalid(
            "No organisation is connected: connect to Xero first.",
        ));
    }
    let engine = SyncEngine::new(
        xero,
        ctx.store().clone(),
        time,
        Some(Arc::clone(ctx.metrics())),
    );
    let mut req = SyncRequest::user();
    req.full = full;
    req.reports_every = Some(ledgerkeep_sync::DEFAULT_REPORTS_EVERY);
    let mut out = Vec::new();
    for (id, _) in tenants {
        // Waiting payments go first, as in the scheduler: the sync reads back what they changed.
        let sent = engine
            .send_outbox(&id, req.priority, &ledgerkeep_sync::Silent)
            .await;
        if sent.requests > 0 {
            tracing::info!(tenant = %id, recorded = sent.recorded, failed = sent.failed, "payments sent to Xero");
        }
        let r = engine.sync_tenant(&id, &req, cancel, progress).await;
        out.push(SyncReportView::from(&r));
        if cancel.is_cancelled() {
            break;
        }
    }
    Ok(out)
}

/// Sync status, for all organisations or one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatusRequest {
    #[serde(default)]
    pub tenant_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StreamStatusView {
    pub stream: String,
    pub status: String,
    pub watermark: Option<String>,
    pub last_full_sweep: Option<String>,
    pub records: u32,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LastRunView {
    pub kind: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub pages: u32,
    pub records_seen: u32,
    pub records_changed: u32,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TenantSyncStatusView {
    pub tenant_id: String,
    pub streams: Vec<StreamStatusView>,
    pub last_run: Option<LastRunView>,
    /// Share of the day's Xero calls used, from the last answers' headers.
    pub day_limit_used_pct: Option<u32>,
    /// The streams Xero does not serve to this organisation's sign-in
    /// (skipped by every sync until the owner signs in again).
    pub refused: Vec<RefusedStreamView>,
    /// A first sync under way over several days: what its last run said of
    /// the rest (`None`: none under way).
    pub first_sync: Option<FirstSyncView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatusView {
    pub tenants: Vec<TenantSyncStatusView>,
}

/// Per organisation and stream: watermark, counts, last result; and the
/// day's rate-limit use.
#[tracing::instrument(name = "op", skip_all, fields(op = "sync_status", request_id = %crate::request_id()))]
pub async fn sync_status(
    ctx: &AppContext,
    req: SyncStatusRequest,
) -> Result<SyncStatusView, ApiError> {
    let store = ctx.store();
    let mut tenants = store.synced_tenants().await?;
    if let Some(t) = req
        .tenant_id
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        tenants.retain(|id| id.eq_ignore_ascii_case(t));
    }
    let day_used = ctx.metrics().snapshot().day_limit_used_pct;
    let mut out = Vec::new();
    for tenant in tenants {
        let states = store.streams(&tenant).await?;
        let mut streams = Vec::new();
        for s in ledgerkeep_sync::STREAMS {
            let name = s.kind.stream();
            let st = states.iter().find(|x| x.stream == name);
            streams.push(StreamStatusView {
                stream: name.to_owned(),
                status: st.map_or_else(|| "never".to_owned(), |x| x.status.clone()),
                watermark: st.and_then(|x| x.watermark_utc.clone()),
                last_full_sweep: st.and_then(|x| x.last_full_sweep_utc.clone()),
                records: u32_of(store.record_count(&tenant, s.kind).await?),
                last_error: st.and_then(|x| x.last_error.clone()),
            });
        }
        let last_run = store.last_sync_run(&tenant).await?.map(|r| LastRunView {
            kind: r.kind,
            started_at: r.started_at,
            finished_at: r.finished_at,
            status: r.status,
            pages: u32_of(r.pages),
            records_seen: u32_of(r.records_seen),
            records_changed: u32_of(r.records_changed),
            error: r.error,
        });
        let refused = ledgerkeep_sync::refused_streams(store, &tenant)
            .await
            .into_iter()
            .map(|r| RefusedStreamView {
                message: r.reason.describe(&r.stream),
                stream: r.stream,
                reason: r.reason.into(),
                since: r.at,
            })
            .collect();
        let first_sync = ledgerkeep_sync::first_sync_state(store, &tenant)
            .await
            .and_then(|f| f.estimate)
            .as_ref()
            .map(FirstSyncView::from);
        out.push(TenantSyncStatusView {
            first_sync,
            tenant_id: tenant,
            streams,
            last_run,
            day_limit_used_pct: day_used,
            refused,
        });
    }
    Ok(SyncStatusView { tenants: out })
}

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ExportFormat {
    Csv,
    Json,
}

/// Export one entity's records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    /// The entity, as Xero names its endpoint (`Invoices`, `BankTransactions`...).
    pub entity: String,
    pub format: ExportFormat,
    #[serde(default)]
    pub tenant_id: Option<String>,
}

/// The entity named by an export request.
pub fn entity_named(name: &str) -> Result<EntityKind, ApiError> {
    ledgerkeep_sync::stream_named(name.trim())
        .map(|s| s.kind)
        .ok_or_else(|| {
            let names: Vec<&str> = ledgerkeep_sync::STREAMS
                .iter()
                .map(|s| s.kind.stream())
                .collect();
            ApiError::invalid(format!(
                "Unknown entity '{name}'. Choose one of: {}.",
                names.join(", ")
            ))
        })
}

/// The records of one entity as CSV or JSON text: Xero's field names, amounts
/// as exact decimal strings (Xero's digits), dates as ISO 8601 (calendar dates
/// `YYYY-MM-DD`; `…UTC` fields as UTC instants). CSV holds each record's
/// fields and its nested objects' (`Contact.Name`); JSON holds everything.
#[tracing::instrument(name = "op", skip_all, fields(op = "export_records", request_id = %crate::request_id()))]
pub async fn export_records(ctx: &AppContext, req: ExportRequest) -> Result<String, ApiError> {
    let kind = entity_named(&req.entity)?;
    let tenant = req
        .tenant_id
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let rows = ctx.store().raw_records(tenant, kind).await?;
    let mut records = Vec::with_capacity(rows.len());
    for (tenant_id, raw) in rows {
        let v: Value = serde_json::from_str(&raw)
            .map_err(|e| ApiError::internal(format!("A stored record could not be read: {e}")))?;
        let mut v = exportable(None, v);
        if let Value::Object(m) = &mut v {
            m.insert("TenantID".to_owned(), Value::String(tenant_id));
        }
        records.push(v);
    }
    match req.format {
        ExportFormat::Json => serde_json::to_string_pretty(&records)
            .map_err(|e| ApiError::internal(format!("The export could not be written: {e}"))),
        ExportFormat::Csv => to_csv(&records),
    }
}

/// Numbers as their exact text, `/Date(...)/` as ISO 8601.
fn exportable(key: Option<&str>, v: Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::String(s) if s.starts_with("/Date(") => match parse_ms_date(&s) {
            Ok(d) if key.is_some_and(|k| k.ends_with("UTC")) => {
                Value::String(d.instant.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
            }
            Ok(d) => Value::String(d.local_date().format("%Y-%m-%d").to_string()),
            Err(_) => Value::String(s),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(|x| exportable(key, x)).collect()),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, x)| {
                    let x = exportable(Some(&k), x);
                    (k, x)
                })
                .collect(),
        ),
        other => other,
    }
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, x, out);
            }
        }
        // Lines and other lists belong to the JSON export.
        Value::Array(_) => {}
        Value::Null => out.push((prefix.to_owned(), String::new())),
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        Value::Bool(b) => out.push((prefix.to_owned(), b.to_string())),
        Value::Number(n) => out.push((prefix.to_owned(), n.to_string())),
    }
}

fn to_csv(records: &[Value]) -> Result<String, ApiError> {
    use crate::ops::exports::spreadsheet_safe;
    use std::borrow::Cow;
    let flat: Vec<Vec<(String, String)>> = records
        .iter()
        .map(|r| {
            let mut out = Vec::new();
            flatten("", r, &mut out);
            out
        })
        .collect();
    let mut columns: Vec<String> = vec!["TenantID".to_owned()];
    for row in &flat {
        for (k, _) in row {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    // Text from Xero is never run by a spreadsheet (see `exports::spreadsheet_safe`).
    let mut w = crate::ops::exports::csv_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::internal(format!("The export could not be written: {e}"));
    w.write_record(columns.iter().map(|c| spreadsheet_safe(c).into_owned()))
        .map_err(fail)?;
    for row in &flat {
        let cells: Vec<Cow<'_, str>> = columns
            .iter()
            .map(|c| {
                spreadsheet_safe(
                    row.iter()
                        .find(|(k, _)| k == c)
                        .map_or("", |(_, v)| v.as_str()),
                )
            })
            .collect();
        w.write_record(cells.iter().map(|c| c.as_bytes()))
            .map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::internal(format!("The export could not be written: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ApiError::internal(e.to_string()))
}

/// Keeps the chosen organisations of a sign-in and starts syncing them: each
/// joins the scheduler, which syncs it at once and then on its interval.
#[tracing::instrument(name = "op", skip_all, fields(op = "keep_and_schedule", request_id = %crate::request_id()))]
pub async fn keep_and_schedule(
    ctx: &AppContext,
    svc: &SyncService,
    req: crate::ops::xero_connection::KeepOrganisationsRequest,
) -> Result<Vec<crate::ops::xero_connection::OrganisationView>, ApiError> {
    let kept = crate::ops::xero_connection::keep_organisations(ctx, req).await?;
    for org in kept.iter().filter(|o| o.kept) {
        svc.scheduler()
            .add_tenant(org.tenant_id.clone(), org.name.clone());
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_keep_exact_amounts_and_write_iso_dates() {
        let v: Value = serde_json::from_str(
            r#"{"Total": 98765432109876.54, "UnitAmount": 1.2345, "Date": "/Date(1539993600000+0000)/",
                "UpdatedDateUTC": "/Date(1552326816230)/", "Contact": {"Name": "Kōwhai"}}"#,
        )
        .unwrap();
        let e = exportable(None, v);
        assert_eq!(e["Total"], "98765432109876.54");
        assert_eq!(e["UnitAmount"], "1.2345");
        assert_eq!(e["Date"], "2018-10-20");
        assert_eq!(e["UpdatedDateUTC"], "2019-03-11T17:53:36.230Z");
        let csv = to_csv(&[e]).unwrap();
        let mut lines = csv.lines();
        let head = lines.next().unwrap();
        assert!(head.contains("Contact.Name") && head.contains("Total"));
        assert!(lines.next().unwrap().contains("98765432109876.54"));
    }

    #[test]
    fn a_records_csv_is_inert_and_keeps_negative_amounts_numbers() {
        let v: Value = serde_json::from_str(
            r#"{"Reference": "=HYPERLINK(\"http://x\",\"y\")", "Total": -12.50, "Name": "-Bob"}"#,
        )
        .unwrap();
        let csv = to_csv(&[exportable(None, v)]).unwrap();
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let head: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
        let row = r.records().next().unwrap().unwrap();
        let cell = |name: &str| row[head.iter().position(|h| h == name).unwrap()].to_owned();
        assert_eq!(cell("Reference"), "'=HYPERLINK(\"http://x\",\"y\")");
        assert_eq!(cell("Total"), "-12.50");
        assert_eq!(cell("Name"), "'-Bob");
        assert!(
            csv.contains(",-12.50,") || csv.contains(",-12.50\n"),
            "{csv}"
        );
    }

    #[test]
    fn unknown_entities_are_refused_with_the_choices() {
        assert_eq!(entity_named("invoices").unwrap(), EntityKind::Invoice);
        let e = entity_named("Widgets").unwrap_err();
        assert!(e.message.contains("Invoices"));
    }

    #[test]
    fn the_probe_targets_the_api_host_and_its_port() {
        assert_eq!(
            probe_target("https://api.xero.com").as_deref(),
            Some("api.xero.com:443")
        );
        assert_eq!(
            probe_target("http://127.0.0.1:4321/").as_deref(),
            Some("127.0.0.1:4321")
        );
        assert_eq!(probe_target("not a url"), None);
    }
}
