//! The HTTP client for Xero's Accounting API: tenant checked locally, rate
//! limited per tenant, tokens refreshed on the way, retries with backoff, a
//! request id and Xero's correlation id on every call's span.
//!
//! Two kinds of 401: an expired or revoked token (`WWW-Authenticate: Bearer
//! error="invalid_token"`, or `TokenExpired` in the problem's detail) is
//! refreshed once and the call tried again; a call the sign-in may not make
//! (`"Detail":"AuthorizationUnsuccessful"`: a scope not granted, or Journals
//! below Xero's Advanced tier) is [`XeroError::NotPermitted`] at once, and
//! remembered per tenant and endpoint: the same call is refused here, without
//! asking Xero, until another sign-in (new scopes) serves the tenant.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ledgerkeep_obs::Metrics;
use parking_lot::Mutex;
use rand::Rng;
use reqwest::header::{
    HeaderMap, ACCEPT, AUTHORIZATION, IF_MODIFIED_SINCE, RETRY_AFTER, WWW_AUTHENTICATE,
};
use secrecy::ExposeSecret;
use serde::Deserialize;
use tracing::Instrument;

use crate::error::{Cause, Result, XeroError};
use crate::limiter::{LimitHeaders, LimitProblem, Priority, RateLimiter, RateLimits};
use crate::time::Timekeeping;
use crate::tokens::{Connection, ConnectionStatus, Organisation, TokenManager};
use crate::XeroEndpoints;

/// How the client behaves. Defaults suit Xero.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub connect_timeout: Duration,
    /// Longest wait for any byte of an answer.
    pub read_timeout: Duration,
    /// Longest a whole operation may take, retries and waits included.
    pub deadline: Duration,
    /// Larger answers are refused.
    pub max_response_bytes: usize,
    /// Retries of a 5xx, a 429 or a network failure.
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    pub limits: RateLimits,
    /// How often a connection's organisations are read again from
    /// `/connections`, so that one disconnected at Xero is noticed.
    pub organisations_every: Duration,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(30),
            deadline: Duration::from_secs(15 * 60),
            max_response_bytes: 64 * 1024 * 1024,
            max_retries: 5,
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(60),
            limits: RateLimits::default(),
            organisations_every: Duration::from_secs(15 * 60),
        }
    }
}

/// One call of the Accounting API: a GET, or a PUT with a JSON body.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// Beneath `/api.xro/2.0/`, e.g. `Invoices` or `Invoices/<id>`.
    pub path: String,
    pub query: Vec<(String, String)>,
    /// `If-Modified-Since`, already formatted (second precision).
    pub if_modified_since: Option<String>,
    pub priority: Priority,
    /// A PUT's body (`None`: a GET).
    pub body: Option<serde_json::Value>,
    /// `Idempotency-Key` (at most 128 characters): Xero answers a repeat of
    /// the key with the first answer instead of acting again, so a PUT with
    /// one is retried like a GET.
    pub idempotency_key: Option<String>,
    /// A file's content, not JSON (an attachment): the answer's bytes and
    /// type come back in [`XeroResponse::file`].
    pub file: bool,
}

/// The longest `Idempotency-Key` Xero accepts.
pub const MAX_IDEMPOTENCY_KEY: usize = 128;

impl ApiRequest {
    /// A user-initiated GET of `path`.
    pub fn get(path: impl Into<String>) -> Self {
        ApiRequest {
            path: path.into(),
            query: Vec::new(),
            if_modified_since: None,
            priority: Priority::User,
            body: None,
            idempotency_key: None,
            file: false,
        }
    }

    /// A GET of a file's content at `path` (an attachment).
    pub fn file(path: impl Into<String>) -> Self {
        ApiRequest {
            file: true,
            ..ApiRequest::get(path)
        }
    }

    /// A user-initiated PUT of `body` to `path`, with `Idempotency-Key: key`.
    pub fn put(path: impl Into<String>, body: serde_json::Value, key: impl Into<String>) -> Self {
        ApiRequest {
            body: Some(body),
            idempotency_key: Some(key.into()),
            ..ApiRequest::get(path)
        }
    }

    /// Whether it is a write.
    pub fn is_put(&self) -> bool {
        self.body.is_some()
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_owned(), value.into()));
        self
    }

    /// `If-Modified-Since`, already formatted as Xero reads it (second precision).
    pub fn modified_since(mut self, since: impl Into<String>) -> Self {
        self.if_modified_since = Some(since.into());
        self
    }

    pub fn background(mut self) -> Self {
        self.priority = Priority::Background;
        self
    }
}

/// An answer: its JSON (numbers keep their digits) and the ids support asks for.
#[derive(Debug, Clone)]
pub struct XeroResponse {
    pub status: u16,
    pub body: serde_json::Value,
    /// A file's content and its `Content-Type`, for an [`ApiRequest::file`].
    pub file: Option<(String, Vec<u8>)>,
    pub request_id: String,
    pub correlation_id: Option<String>,
}

/// The Xero client.
#[derive(Debug)]
pub struct XeroClient {
    http: reqwest::Client,
    endpoints: XeroEndpoints,
    tokens: Arc<TokenManager>,
    limiter: RateLimiter,
    time: Timekeeping,
    metrics: Option<Arc<Metrics>>,
    settings: ClientSettings,
    /// Calls Xero refused as not permitted: (tenant, method, endpoint), all
    /// lower case, to the id of the sign-in they were refused under and the
    /// endpoint as named.
    refused: Mutex<HashMap<RefusalKey, (String, String)>>,
}

type RefusalKey = (String, &'static str, String);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireConnection {
    id: String,
    auth_event_id: Option<String>,
    tenant_id: String,
    tenant_type: Option<String>,
    tenant_name: Option<String>,
}

enum Attempt {
    Done(XeroResponse),
    Retry {
        after: Option<Duration>,
        reason: String,
        /// Whether it counts against the retry budget.
        counts: bool,
    },
    Unauthorized(u64),
}

impl XeroClient {
    pub fn new(
        endpoints: XeroEndpoints,
        tokens: Arc<TokenManager>,
        time: Timekeeping,
        metrics: Option<Arc<Metrics>>,
        settings: ClientSettings,
    ) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .read_timeout(settings.read_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .gzip(true)
            .user_agent(concat!("Ledgerkeep/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                XeroError::Network(Cause::new(
                    "the HTTP client could not start",
                    e.without_url(),
                ))
            })?;
        Ok(XeroClient {
            http,
            endpoints,
            limiter: RateLimiter::new(settings.limits, time.clone()),
            tokens,
            time,
            metrics,
            settings,
            refused: Mutex::new(HashMap::new()),
        })
    }

    /// The endpoints Xero refused to this tenant as not permitted (GETs and
    /// PUTs alike, e.g. `Journals`), remembered until another sign-in serves it.
    pub fn refusals(&self, tenant_id: &str) -> Vec<String> {
        let tenant = tenant_id.to_ascii_lowercase();
        let mut out: Vec<String> = self
            .refused
            .lock()
            .iter()
            .filter(|((t, _, _), _)| *t == tenant)
            .map(|(_, (_, endpoint))| endpoint.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Forgets the tenant's refusals: its next calls ask Xero again.
    pub fn forget_refusals(&self, tenant_id: &str) {
        let tenant = tenant_id.to_ascii_lowercase();
        self.refused.lock().retain(|(t, _, _), _| *t != tenant);
    }

    /// The refusal remembered for this call under `conn`, if any. One made
    /// under another sign-in is dropped: the scopes may have changed.
    fn remembered_refusal(&self, key: &RefusalKey, conn: &Connection) -> bool {
        let mut refused = self.refused.lock();
        match refused.get(key) {
            Some((by, _)) if by == conn.id() => true,
            Some(_) => {
                refused.remove(key);
                false
            }
            None => false,
        }
    }

    pub fn tokens(&self) -> &Arc<TokenManager> {
        &self.tokens
    }

    pub fn limiter(&self) -> &RateLimiter {
        &self.limiter
    }

    /// `GET /connections` with a connection's token: the organisations it reaches.
    pub async fn fetch_organisations(&self, conn: &Connection) -> Result<Vec<Organisation>> {
        let token = self.tokens.access_token(conn, None).await?;
        match self.connections_with(&token.token).await {
            Err(XeroError::Status { status: 401, .. }) => {
                let token = self
                    .tokens
                    .access_token(conn, Some(token.generation))
                    .await?;
                Ok(self.connections_with(&token.token).await?.1)
            }
            other => Ok(other?.1),
        }
    }

    /// `GET /connections` with a fresh access token: the sign-in's `authEventId`
    /// and its organisations.
    pub async fn connections_with(
        &self,
        access_token: &ledgerkeep_obs::SecretString,
    ) -> Result<(Option<String>, Vec<Organisation>)> {
        let resp = self
            .http
            .get(self.endpoints.connections_url())
            .header(
                AUTHORIZATION,
                format!("Bearer {}", access_token.expose_secret()),
            )
            .header(ACCEPT, "application/json")
            .timeout(self.settings.read_timeout)
            .send()
            .await
            .map_err(|e| XeroError::Network(Cause::new(describe(&e), e.without_url())))?;
        let status = resp.status().as_u16();
        let body = read_capped(resp, self.settings.max_response_bytes).await?;
        if status != 200 {
            return Err(XeroError::Status {
                status,
                detail: error_detail(&body),
                correlation_id: None,
            });
        }
        let list: Vec<WireConnection> = serde_json::from_slice(&body)
            .map_err(|e| XeroError::Decode(Cause::new(format!("connections: {e}"), e)))?;
        let auth_event = list.iter().find_map(|c| c.auth_event_id.clone());
        let orgs = list
            .into_iter()
            .map(|c| Organisation {
                xero_connection_id: c.id,
                tenant_id: c.tenant_id,
                tenant_name: c.tenant_name.unwrap_or_default(),
                tenant_type: c.tenant_type.unwrap_or_else(|| "ORGANISATION".to_owned()),
            })
            .collect();
        Ok((auth_event, orgs))
    }

    /// `DELETE /connections/{id}`: disconnects one organisation at Xero.
    pub async fn delete_connection(
        &self,
        conn: &Connection,
        xero_connection_id: &str,
    ) -> Result<()> {
        let token = self.tokens.access_token(conn, None).await?;
        let resp = self
            .http
            .delete(format!(
                "{}/{}",
                self.endpoints.connections_url(),
                xero_connection_id
            ))
            .header(
                AUTHORIZATION,
                format!("Bearer {}", token.token.expose_secret()),
            )
            .timeout(self.settings.read_timeout)
            .send()
            .await
            .map_err(|e| XeroError::Network(Cause::new(describe(&e), e.without_url())))?;
        match resp.status().as_u16() {
            200..=299 | 404 => Ok(()),
            status => Err(XeroError::Status {
                status,
                detail: "Xero did not disconnect the organisation".to_owned(),
                correlation_id: None,
            }),
        }
    }

    /// One Accounting API GET for `tenant_id`. A tenant that is not among the
    /// token's connections is refused here, before any request; the list is
    /// read again from `/connections` every `organisations_every` (and after
    /// Xero refused a tenant), so one disconnected at Xero is refused too.
    pub async fn get(&self, tenant_id: &str, req: &ApiRequest) -> Result<XeroResponse> {
        self.call(tenant_id, req).await
    }

    /// One Accounting API PUT for `tenant_id`, through the same token,
    /// organisation and rate-limit path as a GET (it counts against the same
    /// limits). It must carry an `Idempotency-Key`: that is what makes its
    /// retries (after a 5xx, a 429 or a lost answer) safe. A 400 comes back as
    /// a response, not an error, for the caller to read Xero's validation
    /// messages.
    pub async fn put(&self, tenant_id: &str, req: &ApiRequest) -> Result<XeroResponse> {
        match req.idempotency_key.as_deref() {
            Some(k) if !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY && req.body.is_some() => {}
            _ => {
                return Err(XeroError::Decode(
                    "a PUT needs a body and an Idempotency-Key of 1 to 128 characters".into(),
                ))
            }
        }
        self.call(tenant_id, req).await
    }

    async fn call(&self, tenant_id: &str, req: &ApiRequest) -> Result<XeroResponse> {
        let conn = self.tokens.connection_for_tenant(tenant_id).await?;
        if conn.status() == ConnectionStatus::NeedsReauthorisation {
            return Err(XeroError::NeedsReauthorisation {
                connection_id: conn.id().to_owned(),
            });
        }
        self.check_organisations(&conn, tenant_id).await?;
        let endpoint = refusal_endpoint(&req.path);
        let key = (
            tenant_id.to_ascii_lowercase(),
            if req.is_put() { "PUT" } else { "GET" },
            endpoint.to_ascii_lowercase(),
        );
        if self.remembered_refusal(&key, &conn) {
            tracing::debug!(%endpoint, tenant = %tenant_id, "not permitted before: not asked again");
            return Err(XeroError::NotPermitted {
                endpoint,
                correlation_id: None,
            });
        }
        let deadline = self.settings.deadline;
        let result = match tokio::time::timeout(
            deadline,
            self.get_with_retries(&conn, tenant_id, req),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(XeroError::Deadline(deadline.as_secs())),
        };
        if let Err(XeroError::NotPermitted { endpoint, .. }) = &result {
            tracing::info!(%endpoint, tenant = %tenant_id, "Xero does not permit this call to this sign-in");
            self.refused
                .lock()
                .insert(key, (conn.id().to_owned(), endpoint.clone()));
        }
        result
    }

    /// Reads the connection's organisations again when the list is older than
    /// `organisations_every` (one read at a time), then refuses a tenant that
    /// is no longer among them.
    async fn check_organisations(&self, conn: &Connection, tenant_id: &str) -> Result<()> {
        let every =
            i64::try_from(self.settings.organisations_every.as_millis()).unwrap_or(i64::MAX);
        let due = || {
            self.time
                .now_ms()
                .saturating_sub(conn.organisations_read_ms())
                >= every
        };
        if due() {
            let _one = conn.lock_organisations_read().await;
            if due() {
                match self.fetch_organisations(conn).await {
                    Ok(orgs) => {
                        let before = conn.organisations().len();
                        if orgs.len() != before {
                            tracing::info!(connection = %conn.id(), before, now = orgs.len(), "Xero's list of connected organisations changed");
                        }
                        self.tokens.set_organisations(conn, orgs).await?;
                    }
                    Err(e @ XeroError::NeedsReauthorisation { .. }) => return Err(e),
                    Err(e) => {
                        // Keep the list held, and try again next period rather than on every call.
                        tracing::warn!(connection = %conn.id(), error = %e, "could not read the connected organisations again");
                        conn.organisations_read_now(self.time.now_ms());
                    }
                }
            }
        }
        if conn.reaches(tenant_id) {
            Ok(())
        } else {
            Err(XeroError::TenantNotConnected(tenant_id.to_owned()))
        }
    }

    async fn get_with_retries(
        &self,
        conn: &Connection,
        tenant_id: &str,
        req: &ApiRequest,
    ) -> Result<XeroResponse> {
        let mut stale = None;
        let mut failures = 0u32;
        loop {
            let request_id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
            let span = tracing::info_span!(
                "xero_call",
                request_id = %request_id,
                endpoint = %endpoint_label(&req.path),
                tenant = %tenant_id,
                correlation_id = tracing::field::Empty,
                status = tracing::field::Empty,
            );
            let outcome = self
                .attempt(conn, tenant_id, req, stale, request_id)
                .instrument(span)
                .await?;
            match outcome {
                Attempt::Done(r) => return Ok(r),
                Attempt::Unauthorized(generation) if stale.is_none() => {
                    // The token expired under us: refresh once (one refresh for all
                    // callers who saw this generation), then try again.
                    stale = Some(generation);
                }
                Attempt::Unauthorized(_) => {
                    return Err(XeroError::Status {
                        status: 401,
                        detail: "Xero refused the connection's token".to_owned(),
                        correlation_id: None,
                    })
                }
                Attempt::Retry {
                    after: _,
                    reason: _,
                    counts: false,
                } => {}
                Attempt::Retry { after, reason, .. } => {
                    failures += 1;
                    if failures > self.settings.max_retries {
                        return Err(XeroError::Network(reason.into()));
                    }
                    if let Some(wait) = after.or_else(|| Some(self.backoff(failures))) {
                        if !wait.is_zero() {
                            self.time.sleeper.sleep(wait).await;
                        }
                    }
                }
            }
        }
    }

    /// Exponential backoff with full jitter, capped.
    fn backoff(&self, failures: u32) -> Duration {
        let exp = self
            .settings
            .backoff_base
            .saturating_mul(1u32 << failures.min(16))
            .min(self.settings.backoff_cap);
        let ms = u64::try_from(exp.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::rng().random_range(ms / 2..=ms.max(1)))
    }

    async fn attempt(
        &self,
        conn: &Connection,
        tenant_id: &str,
        req: &ApiRequest,
        stale: Option<u64>,
        request_id: String,
    ) -> Result<Attempt> {
        // The token first: a refresh may wait (retries), and nothing waits while
        // holding a place among the calls in flight.
        let token = self.tokens.access_token(conn, stale).await?;
        let ticket = self.limiter.acquire(tenant_id, req.priority).await?;
        if !conn.is_fresh(token.generation, self.time.now_ms()) {
            // It expired while we waited for a place: go round again.
            return Ok(Attempt::Retry {
                after: Some(Duration::ZERO),
                reason: String::new(),
                counts: false,
            });
        }
        let url = format!("{}/api.xro/2.0/{}", self.endpoints.api_url, req.path);
        let builder = match &req.body {
            Some(body) => self
                .http
                .put(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string()),
            None => self.http.get(url),
        };
        let mut builder = builder
            .query(&req.query)
            .header(
                AUTHORIZATION,
                format!("Bearer {}", token.token.expose_secret()),
            )
            .header("xero-tenant-id", tenant_id)
            .header(ACCEPT, if req.file { "*/*" } else { "application/json" })
            .header("X-Request-Id", &request_id);
        if let Some(since) = &req.if_modified_since {
            builder = builder.header(IF_MODIFIED_SINCE, since);
        }
        if let Some(key) = &req.idempotency_key {
            builder = builder.header("Idempotency-Key", key);
        }
        let started = std::time::Instant::now();
        let endpoint = endpoint_label(&req.path);
        let resp = match builder.send().await {
            Ok(r) => r,
            Err(e) => {
                drop(ticket);
                self.record(&endpoint, 0, started.elapsed());
                let reason = describe(&e);
                tracing::warn!(%reason, "Xero call failed");
                return Ok(Attempt::Retry {
                    after: None,
                    reason,
                    counts: true,
                });
            }
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let correlation_id = header_str(&headers, "xero-correlation-id");
        let span = tracing::Span::current();
        span.record("status", status);
        if let Some(c) = &correlation_id {
            span.record("correlation_id", c.as_str());
        }
        let limits = limit_headers(&headers);
        self.limiter.observe(&ticket, status, &limits);
        if let Some(m) = &self.metrics {
            let per_minute = self.limiter.limits().per_minute;
            let per_day = self.limiter.limits().per_day;
            m.record_rate_limits(
                limits.minute_remaining.map(|r| (r, per_minute)),
                limits.day_remaining.map(|r| (r, per_day)),
            );
        }
        let body = read_capped(resp, self.settings.max_response_bytes).await;
        drop(ticket);
        self.record(&endpoint, status, started.elapsed());
        tracing::info!(status, "Xero call");
        let body = match body {
            Ok(b) => b,
            Err(XeroError::TooLarge(n)) => return Err(XeroError::TooLarge(n)),
            Err(e) => {
                return Ok(Attempt::Retry {
                    after: None,
                    reason: e.to_string(),
                    counts: true,
                })
            }
        };
        // A write's refusal (400) carries Xero's validation messages: the caller reads them.
        let readable = (200..=299).contains(&status) || (status == 400 && req.is_put());
        match status {
            _ if readable && req.file => {
                let mime = header_str(&headers, "content-type")
                    .unwrap_or_else(|| "application/octet-stream".to_owned());
                Ok(Attempt::Done(XeroResponse {
                    status,
                    body: serde_json::Value::Null,
                    file: Some((mime, body)),
                    request_id,
                    correlation_id,
                }))
            }
            _ if readable => {
                let json = serde_json::from_slice(&body)
                    .map_err(|e| XeroError::Decode(Cause::new(e.to_string(), e)))?;
                Ok(Attempt::Done(XeroResponse {
                    status,
                    body: json,
                    file: None,
                    request_id,
                    correlation_id,
                }))
            }
            304 => Ok(Attempt::Done(XeroResponse {
                status,
                body: serde_json::Value::Null,
                file: None,
                request_id,
                correlation_id,
            })),
            // Not permitted (scope or plan): no refresh, no retry.
            401 if not_permitted(&headers, &body) => Err(XeroError::NotPermitted {
                endpoint: refusal_endpoint(&req.path),
                correlation_id,
            }),
            // The token expired or was revoked: refresh once.
            401 => Ok(Attempt::Unauthorized(token.generation)),
            429 if limits.day_exhausted() => Err(XeroError::DailyLimit(
                "Xero says none are left today".to_owned(),
            )),
            // The pause is on the tenant (or, for the app's minute, on every
            // tenant): the next acquire waits it out.
            429 => Ok(Attempt::Retry {
                after: Some(Duration::ZERO),
                reason: "Xero kept answering 429".to_owned(),
                counts: true,
            }),
            500..=599 => Ok(Attempt::Retry {
                after: None,
                reason: format!("Xero answered HTTP {status}"),
                counts: true,
            }),
            _ => {
                if status == 403 {
                    // The tenant may have been disconnected at Xero: read the list again first.
                    conn.organisations_stale();
                }
                Err(XeroError::Status {
                    status,
                    detail: error_detail(&body),
                    correlation_id,
                })
            }
        }
    }

    fn record(&self, endpoint: &str, status: u16, latency: Duration) {
        if let Some(m) = &self.metrics {
            m.record_xero_call(endpoint, status, latency);
        }
    }
}

fn endpoint_label(path: &str) -> String {
    path.split('/').next().unwrap_or(path).to_owned()
}

/// The endpoint a refusal is remembered by: the collection (`Journals` of
/// `Journals/<id>`), or the report (`Reports/ProfitAndLoss`: each report has
/// its own scope).
fn refusal_endpoint(path: &str) -> String {
    let mut parts = path.split('/');
    let first = parts.next().unwrap_or(path);
    match parts.next() {
        Some(report) if first.eq_ignore_ascii_case("Reports") && !report.is_empty() => {
            format!("{first}/{report}")
        }
        _ => first.to_owned(),
    }
}

/// Whether a 401 says the call is not permitted (a scope or the plan), rather
/// than that the token is no longer good: its problem's detail is
/// `AuthorizationUnsuccessful`, and it has no `invalid_token` challenge and no
/// `TokenExpired`. Anything else is treated as an expired token.
fn not_permitted(headers: &HeaderMap, body: &[u8]) -> bool {
    let invalid_token = headers.get_all(WWW_AUTHENTICATE).iter().any(|v| {
        v.to_str()
            .is_ok_and(|s| s.to_ascii_lowercase().contains("invalid_token"))
    });
    if invalid_token {
        return false;
    }
    let Ok(problem) = serde_json::from_slice::<serde_json::Value>(body) else {
        return false;
    };
    let detail = problem
        .get("Detail")
        .or_else(|| problem.get("detail"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .trim();
    !detail.contains("TokenExpired") && detail.eq_ignore_ascii_case("AuthorizationUnsuccessful")
}

fn header_str(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn limit_headers(h: &HeaderMap) -> LimitHeaders {
    let num = |name: &str| header_str(h, name).and_then(|v| v.trim().parse::<u32>().ok());
    LimitHeaders {
        minute_remaining: num("x-minlimit-remaining"),
        day_remaining: num("x-daylimit-remaining"),
        app_minute_remaining: num("x-appminlimit-remaining"),
        retry_after: h
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs),
        problem: header_str(h, "x-rate-limit-problem").and_then(|p| LimitProblem::parse(&p)),
    }
}

async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Result<Vec<u8>> {
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(XeroError::TooLarge(cap));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| XeroError::Network(Cause::new(describe(&e), e.without_url())))?
    {
        if body.len() + chunk.len() > cap {
            return Err(XeroError::TooLarge(cap));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn error_detail(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(300)]);
    ledgerkeep_obs::scrub(&text).into_owned()
}

fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the answer broke off"
    } else {
        "request failed"
    };
    // Never the URL: it may carry query parameters.
    kind.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn problem(detail: &str) -> Vec<u8> {
        serde_json::json!({"Type": null, "Title": "Unauthorized", "Status": 401, "Detail": detail, "Instance": "7d3b", "Extensions": {}})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn the_two_401s_are_told_apart() {
        let none = HeaderMap::new();
        let mut challenged = HeaderMap::new();
        challenged.insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
        assert!(not_permitted(&none, &problem("AuthorizationUnsuccessful")));
        assert!(!not_permitted(
            &challenged,
            &problem("AuthorizationUnsuccessful")
        ));
        assert!(!not_permitted(
            &none,
            &problem("TokenExpired: token expired at 12/01/2026")
        ));
        assert!(!not_permitted(
            &none,
            &problem("AuthenticationUnsuccessful")
        ));
        assert!(!not_permitted(&none, b"<html>Unauthorized</html>"));
        assert!(!not_permitted(&none, b""));
    }

    #[test]
    fn refusals_are_remembered_by_collection_or_by_report() {
        assert_eq!(refusal_endpoint("Journals"), "Journals");
        assert_eq!(refusal_endpoint("Invoices/abc-123"), "Invoices");
        assert_eq!(
            refusal_endpoint("Reports/ProfitAndLoss"),
            "Reports/ProfitAndLoss"
        );
        assert_eq!(refusal_endpoint("Reports"), "Reports");
    }
}
