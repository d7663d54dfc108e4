//! OAuth 2.0 with PKCE and the identity endpoints, as Xero runs them:
//! `/identity/connect/authorize`, `/connect/token`, `/connect/revocation`,
//! `GET /connections` and `DELETE /connections/{id}`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::Rng;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::app::{self, Need};
use crate::server::Shared;

/// Access tokens live this long unless configured otherwise (30 minutes).
pub const ACCESS_TOKEN_MS: i64 = 30 * 60 * 1000;
/// A rotated refresh token may be retried this long (30 minutes).
pub const REFRESH_GRACE_MS: i64 = 30 * 60 * 1000;
/// An unused refresh token expires after 60 days.
pub const REFRESH_UNUSED_MS: i64 = 60 * 86_400_000;
const CODE_MS: i64 = 5 * 60 * 1000;

/// One organisation a grant can reach.
#[derive(Debug, Clone)]
pub struct Connection {
    pub id: String,
    pub tenant_id: String,
    pub tenant_name: String,
    pub created_ms: i64,
}

/// What one consent granted: its connections and its refresh-token family.
#[derive(Debug, Clone)]
pub struct Grant {
    pub auth_event_id: String,
    pub client_id: String,
    pub scope: String,
    pub connections: Vec<Connection>,
    pub refresh: String,
    pub refresh_issued_ms: i64,
    /// The token this one replaced, and when: valid for the grace window.
    pub previous: Option<(String, i64)>,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
struct PendingCode {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    scope: String,
    /// The organisations ticked at consent.
    tenants: Vec<String>,
    expires_ms: i64,
}

#[derive(Debug, Clone)]
struct AccessToken {
    grant: usize,
    expires_ms: i64,
}

/// Every token, code and grant the simulator has issued.
#[derive(Debug, Default)]
pub struct AuthState {
    codes: HashMap<String, PendingCode>,
    grants: Vec<Grant>,
    access: HashMap<String, AccessToken>,
    /// Refresh token (current or previous) → grant index.
    refresh: HashMap<String, usize>,
    /// Consents waiting on the consent page's button.
    pending_consents: HashMap<String, AuthorizeParams>,
    /// Every secret issued or received, for tests that look for leaks.
    seen: Vec<String>,
    /// How many values of each kind were issued with the secret prefix.
    issued: HashMap<&'static str, u32>,
    /// Client id → every scope the simulated user has granted it so far:
    /// scopes are additive, and only a revocation takes them back.
    granted_scopes: HashMap<String, String>,
}

/// Why a Bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Missing,
    Unknown,
    /// Expired at this instant (ms since the epoch).
    Expired(i64),
}

impl AuthState {
    /// The grant behind a live access token.
    pub fn check(&self, token: &str, now: i64) -> Result<&Grant, TokenProblem> {
        let t = self.access.get(token).ok_or(TokenProblem::Unknown)?;
        let g = self.grants.get(t.grant).ok_or(TokenProblem::Unknown)?;
        if g.revoked {
            return Err(TokenProblem::Unknown);
        }
        if now >= t.expires_ms {
            return Err(TokenProblem::Expired(t.expires_ms));
        }
        Ok(g)
    }

    /// Every secret issued or received so far, oldest first.
    pub fn secrets_seen(&self) -> &[String] {
        &self.seen
    }

    /// Remembers a secret issued or received (once).
    fn remember(&mut self, value: &str) {
        if !value.is_empty() && !self.seen.iter().any(|s| s == value) {
            self.seen.push(value.to_owned());
        }
    }

    /// Makes every access token expire now (a token expiring mid-sync).
    pub fn expire_access_tokens(&mut self, now: i64) {
        for t in self.access.values_mut() {
            t.expires_ms = t.expires_ms.min(now);
        }
    }

    /// The refresh token each live grant answers to now (not the one in
    /// its grace window).
    pub fn current_refresh_tokens(&self) -> Vec<String> {
        self.grants
            .iter()
            .filter(|g| !g.revoked)
            .map(|g| g.refresh.clone())
            .collect()
    }

    /// Revokes every grant's refresh tokens, as a user or Xero would.
    pub fn revoke_all(&mut self) {
        for g in &mut self.grants {
            g.revoked = true;
        }
        self.granted_scopes.clear();
    }

    /// The organisations the app has connected through live grants.
    fn connected_tenants(&self, client_id: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for g in self
            .grants
            .iter()
            .filter(|g| !g.revoked && g.client_id == client_id)
        {
            for c in &g.connections {
                if !out.iter().any(|t| t.eq_ignore_ascii_case(&c.tenant_id)) {
                    out.push(c.tenant_id.clone());
                }
            }
        }
        out
    }

    /// Removes a tenant from every grant (disconnected from Xero's side).
    pub fn disconnect_tenant(&mut self, tenant_id: &str) {
        for g in &mut self.grants {
            g.connections.retain(|c| c.tenant_id != tenant_id);
        }
    }
}

/// `/identity/connect/authorize` query parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthorizeParams {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

/// Random bytes, as Xero's codes and tokens are: the seeded draw keeps the
/// simulator's other draws where they were, and bytes from the operating
/// system's entropy make each token unique across simulators (two
/// simulators of one seed in one process, as tests run, must not hand out
/// the same token: the log scrubber's list of values is process-wide).
fn random_token(shared: &Shared, bytes: usize) -> String {
    let mut rng = shared.rng.lock();
    let mut os = rand::rng();
    let buf: Vec<u8> = (0..bytes)
        .map(|_| rng.random::<u8>() ^ os.random::<u8>())
        .collect();
    URL_SAFE_NO_PAD.encode(buf)
}

/// A new code or token of `kind`: `<prefix>-<kind>-<n>` when the simulator
/// was given a secret prefix, else `random()`. Remembered as seen.
fn issue(
    shared: &Shared,
    auth: &mut AuthState,
    kind: &'static str,
    random: impl FnOnce() -> String,
) -> String {
    let value = match &shared.config.secret_prefix {
        Some(prefix) => {
            let n = auth.issued.entry(kind).or_insert(0);
            *n += 1;
            format!("{prefix}-{kind}-{n}")
        }
        None => random(),
    };
    auth.remember(&value);
    value
}

/// A JWT-shaped token as Xero issues: a header, these claims and a signature
/// (random bytes: nothing checks it but the simulator, by lookup).
fn jwt(shared: &Shared, claims: &serde_json::Value) -> String {
    let header =
        json!({"alg": "RS256", "kid": "ledgerkeep-sim", "typ": "JWT", "x5t": "ledgerkeep-sim"});
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        random_token(shared, 32)
    )
}

fn access_claims(
    shared: &Shared,
    now: i64,
    client_id: &str,
    auth_event_id: &str,
    scope: &str,
) -> serde_json::Value {
    let jti = random_token(shared, 16);
    json!({
        "nbf": now / 1000,
        "exp": (now + shared.config.access_token_ms) / 1000,
        "iss": "https://identity.xero.com",
        "aud": "https://identity.xero.com/resources",
        "client_id": client_id,
        "sub": "ledgerkeep-simulated-user",
        "auth_time": now / 1000,
        "xero_userid": "ledgerkeep-simulated-user",
        "authentication_event_id": auth_event_id,
        "jti": jti,
        "scope": scope.split_whitespace().collect::<Vec<_>>()
    })
}

fn redirect_allowed(shared: &Shared, uri: &str) -> bool {
    if shared.config.redirect_uris.iter().any(|u| u == uri) {
        return true;
    }
    // Xero accepts http only for localhost; the simulator accepts any loopback port.
    [
        "http://localhost:",
        "http://localhost/",
        "http://127.0.0.1:",
        "http://127.0.0.1/",
    ]
    .iter()
    .any(|p| uri.starts_with(p))
}

fn error_page(status: StatusCode, message: &str) -> Response {
    (
        status,
        Html(format!(
            "<!doctype html><title>Xero simulator</title><h1>Sorry, something went wrong</h1><p>{}</p>",
            html_escape(message)
        )),
    )
        .into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /identity/connect/authorize`: the consent page, or at once a redirect
/// with a code when auto-consent is on.
pub async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(p): Query<AuthorizeParams>,
) -> Response {
    if p.response_type.as_deref() != Some("code") {
        return error_page(StatusCode::BAD_REQUEST, "unsupported_response_type");
    }
    if p.client_id.as_deref() != Some(shared.config.client_id.as_str()) {
        return error_page(
            StatusCode::BAD_REQUEST,
            "unauthorized_client: unknown client_id",
        );
    }
    let Some(redirect_uri) = p
        .redirect_uri
        .clone()
        .filter(|u| redirect_allowed(&shared, u))
    else {
        return error_page(StatusCode::BAD_REQUEST, "invalid redirect_uri");
    };
    if p.code_challenge_method.as_deref() != Some("S256") || p.code_challenge.is_none() {
        return error_page(
            StatusCode::BAD_REQUEST,
            "a code_challenge with method S256 is required",
        );
    }
    // An app created from 2 March 2026 may not ask for the broad scopes:
    // Xero sends the browser back with invalid_scope and no code.
    let refused = shared
        .config
        .app
        .refused_scopes(p.scope.as_deref().unwrap_or(""));
    if !refused.is_empty() {
        let description = format!(
            "This app was created on or after 2 March 2026 and cannot use the broad scopes {}; ask for granular scopes instead",
            refused.join(", ")
        );
        return error_redirect(
            &redirect_uri,
            "invalid_scope",
            &description,
            p.state.as_deref(),
        );
    }
    if shared.config.auto_consent {
        return consent_granted(&shared, &p, &redirect_uri);
    }
    let ticket = random_token(&shared, 16);
    shared
        .auth
        .lock()
        .pending_consents
        .insert(ticket.clone(), p.clone());
    let chosen = chosen_tenants(&shared);
    let tenants: String = shared
        .books
        .read()
        .tenants
        .iter()
        .filter(|t| chosen.iter().any(|c| c.eq_ignore_ascii_case(&t.tenant_id)))
        .map(|t| format!("<li>{}</li>", html_escape(&t.name)))
        .collect();
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Xero simulator: allow access</title></head>\
         <body><p><strong>Xero simulator</strong> (demo data, not Xero)</p>\
         <h1>Ledgerkeep wants to access your organisations</h1>\
         <p>Scopes: {}</p><ul>{tenants}</ul>\
         <form method=\"post\" action=\"/identity/connect/authorize/consent\">\
         <input type=\"hidden\" name=\"ticket\" value=\"{ticket}\">\
         <button type=\"submit\" name=\"decision\" value=\"allow\" id=\"allow\">Allow access</button> \
         <button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">Cancel</button>\
         </form></body></html>",
        html_escape(p.scope.as_deref().unwrap_or(""))
    ))
    .into_response()
}

/// The consent page's form.
#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    ticket: String,
    decision: String,
}

/// `POST /identity/connect/authorize/consent`: the button on the consent page.
pub async fn consent(State(shared): State<Arc<Shared>>, Form(f): Form<ConsentForm>) -> Response {
    let Some(p) = shared.auth.lock().pending_consents.remove(&f.ticket) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "This consent has expired: start again.",
        );
    };
    let redirect_uri = p.redirect_uri.clone().unwrap_or_default();
    if f.decision != "allow" {
        let mut url = format!("{redirect_uri}?error=access_denied");
        if let Some(s) = &p.state {
            url.push_str(&format!("&state={}", urlencode(s)));
        }
        return found(&url);
    }
    consent_granted(&shared, &p, &redirect_uri)
}

/// The organisations the simulated user ticks at consent: those chosen with
/// `RunningSimulator::consent_organisations`, else every one in the books.
fn chosen_tenants(shared: &Shared) -> Vec<String> {
    let all: Vec<String> = shared
        .books
        .read()
        .tenants
        .iter()
        .map(|t| t.tenant_id.clone())
        .collect();
    match &*shared.consent_choice.lock() {
        Some(ids) => all
            .into_iter()
            .filter(|t| ids.iter().any(|i| i.eq_ignore_ascii_case(t)))
            .collect(),
        None => all,
    }
}

/// A 302 back to the app with an OAuth error (RFC 6749 §4.1.2.1) and no code.
fn error_redirect(
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
) -> Response {
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let mut url = format!(
        "{redirect_uri}{sep}error={error}&error_description={}",
        urlencode(description)
    );
    if let Some(s) = state {
        url.push_str(&format!("&state={}", urlencode(s)));
    }
    found(&url)
}

fn consent_granted(shared: &Shared, p: &AuthorizeParams, redirect_uri: &str) -> Response {
    let now = shared.clock.now_ms();
    let chosen = chosen_tenants(shared);
    let client_id = p.client_id.clone().unwrap_or_default();
    let mut auth = shared.auth.lock();
    if let Some(state) = &p.state {
        auth.remember(state);
    }
    // The tier caps the organisations connected to the app at once.
    let tier = shared.config.app.tier;
    let mut connected = auth.connected_tenants(&client_id);
    for t in &chosen {
        if !connected.iter().any(|c| c.eq_ignore_ascii_case(t)) {
            connected.push(t.clone());
            if connected.len() > tier.max_connections() {
                drop(auth);
                let name = shared
                    .books
                    .read()
                    .tenant_named(t)
                    .map(|b| b.name.clone())
                    .unwrap_or_else(|| t.clone());
                let description = format!(
                    "This app is on Xero's {} tier, which connects at most {} organisations; connecting {name} would make {}. Disconnect an organisation or move the app to a higher tier.",
                    tier.name(),
                    tier.max_connections(),
                    connected.len()
                );
                return error_redirect(
                    redirect_uri,
                    "access_denied",
                    &description,
                    p.state.as_deref(),
                );
            }
        }
    }
    let code = issue(shared, &mut auth, "code", || random_token(shared, 24));
    auth.codes.insert(
        code.clone(),
        PendingCode {
            client_id,
            redirect_uri: redirect_uri.to_owned(),
            challenge: p.code_challenge.clone().unwrap_or_default(),
            scope: p.scope.clone().unwrap_or_default(),
            tenants: chosen,
            expires_ms: now + CODE_MS,
        },
    );
    drop(auth);
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let mut url = format!("{redirect_uri}{sep}code={code}");
    if let Some(scope) = &p.scope {
        url.push_str(&format!("&scope={}", urlencode(scope)));
    }
    if let Some(s) = &p.state {
        url.push_str(&format!("&state={}", urlencode(s)));
    }
    found(&url)
}

/// A 302 Found, as Xero redirects back to the app.
fn found(url: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, url.to_owned())]).into_response()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `/connect/token` form fields.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    client_id: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
}

fn oauth_error(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

/// The token endpoint's `invalid_grant`, counted.
fn invalid_grant(shared: &Shared) -> Response {
    shared
        .token_counters
        .invalid_grants
        .fetch_add(1, Ordering::SeqCst);
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant")
}

/// What the token endpoint has answered so far, counted as it answers.
#[derive(Debug, Default)]
pub struct TokenCounters {
    requests: AtomicU64,
    code_grants: AtomicU64,
    refresh_grants: AtomicU64,
    invalid_grants: AtomicU64,
}

impl TokenCounters {
    pub fn snapshot(&self) -> TokenCounts {
        TokenCounts {
            requests: self.requests.load(Ordering::SeqCst),
            code_grants: self.code_grants.load(Ordering::SeqCst),
            refresh_grants: self.refresh_grants.load(Ordering::SeqCst),
            invalid_grants: self.invalid_grants.load(Ordering::SeqCst),
        }
    }
}

/// The token endpoint's answers so far, as the simulator counted them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenCounts {
    /// Requests that reached the token endpoint (counted before any hold).
    pub requests: u64,
    /// Authorization codes exchanged for a new grant (a sign-in).
    pub code_grants: u64,
    /// Refresh tokens exchanged for a rotated set.
    pub refresh_grants: u64,
    /// `invalid_grant` answers, to either grant type.
    pub invalid_grants: u64,
}

/// The S256 code challenge of a verifier.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `POST /connect/token`: `authorization_code` and `refresh_token` grants.
pub async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(mut f): Form<TokenForm>,
) -> Response {
    shared
        .token_counters
        .requests
        .fetch_add(1, Ordering::SeqCst);
    let held = shared.token_gate.lock().clone();
    if let Some(gate) = held {
        gate.pass().await;
    }
    let now = shared.clock.now_ms();
    // The client id may come in the body or, as some OAuth libraries send it,
    // as the user of HTTP Basic auth with an empty secret.
    if f.client_id.is_none() {
        f.client_id = basic_client_id(&headers);
    }
    match f.grant_type.as_deref() {
        Some("authorization_code") => {
            let Some(code) = f.code.as_deref() else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
            };
            // A code is single use: removed on first sight, whatever the outcome.
            let pending = {
                let mut auth = shared.auth.lock();
                auth.remember(code);
                if let Some(v) = &f.code_verifier {
                    auth.remember(v);
                }
                auth.codes.remove(code)
            };
            let Some(pending) = pending else {
                return invalid_grant(&shared);
            };
            if f.client_id.as_deref() != Some(pending.client_id.as_str()) {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_client");
            }
            if f.redirect_uri.as_deref() != Some(pending.redirect_uri.as_str())
                || now >= pending.expires_ms
            {
                return invalid_grant(&shared);
            }
            match f.code_verifier.as_deref() {
                Some(v) if s256(v) == pending.challenge => {}
                _ => return invalid_grant(&shared),
            }
            let auth_event_id = uuid_token(&shared);
            // Scopes are additive: this grant holds every scope the user has
            // granted the app so far, and the new ones.
            let scope = {
                let mut auth = shared.auth.lock();
                let before = auth
                    .granted_scopes
                    .get(&pending.client_id)
                    .cloned()
                    .unwrap_or_default();
                let scope = app::union(&before, &pending.scope);
                auth.granted_scopes
                    .insert(pending.client_id.clone(), scope.clone());
                scope
            };
            let claims = access_claims(&shared, now, &pending.client_id, &auth_event_id, &scope);
            let access = issue(&shared, &mut shared.auth.lock(), "access", || {
                jwt(&shared, &claims)
            });
            let connections = {
                let books = shared.books.read();
                let chosen: Vec<_> = books
                    .tenants
                    .iter()
                    .filter(|t| {
                        pending
                            .tenants
                            .iter()
                            .any(|c| c.eq_ignore_ascii_case(&t.tenant_id))
                    })
                    .collect();
                let ids: Vec<String> = chosen.iter().map(|_| uuid_token(&shared)).collect();
                chosen
                    .into_iter()
                    .zip(ids)
                    .map(|(t, id)| Connection {
                        id,
                        tenant_id: t.tenant_id.clone(),
                        tenant_name: t.name.clone(),
                        created_ms: now,
                    })
                    .collect()
            };
            let mut auth = shared.auth.lock();
            let refresh = issue(&shared, &mut auth, "refresh", || random_token(&shared, 32));
            let index = auth.grants.len();
            auth.grants.push(Grant {
                auth_event_id,
                client_id: pending.client_id,
                scope: scope.clone(),
                connections,
                refresh: refresh.clone(),
                refresh_issued_ms: now,
                previous: None,
                revoked: false,
            });
            auth.refresh.insert(refresh.clone(), index);
            auth.access.insert(
                access.clone(),
                AccessToken {
                    grant: index,
                    expires_ms: now + shared.config.access_token_ms,
                },
            );
            shared
                .token_counters
                .code_grants
                .fetch_add(1, Ordering::SeqCst);
            token_response(&shared, &access, &refresh, &scope)
        }
        Some("refresh_token") => {
            let Some(presented) = f.refresh_token.as_deref() else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
            };
            let random_refresh = random_token(&shared, 32);
            let mut auth = shared.auth.lock();
            auth.remember(presented);
            let Some(&index) = auth.refresh.get(presented) else {
                return invalid_grant(&shared);
            };
            let Some(grant) = auth.grants.get_mut(index) else {
                return invalid_grant(&shared);
            };
            if grant.revoked || f.client_id.as_deref() != Some(grant.client_id.as_str()) {
                return invalid_grant(&shared);
            }
            if grant.refresh == presented {
                if now - grant.refresh_issued_ms >= REFRESH_UNUSED_MS {
                    return invalid_grant(&shared);
                }
                grant.previous = Some((presented.to_owned(), now));
            } else {
                match &grant.previous {
                    Some((prev, rotated))
                        if prev == presented && now - rotated < REFRESH_GRACE_MS => {}
                    _ => return invalid_grant(&shared),
                }
            }
            let scope = grant.scope.clone();
            let claims =
                access_claims(&shared, now, &grant.client_id, &grant.auth_event_id, &scope);
            let previous = grant.previous.as_ref().map(|(p, _)| p.clone());
            let new_refresh = issue(&shared, &mut auth, "refresh", || random_refresh);
            let access = issue(&shared, &mut auth, "access", || jwt(&shared, &claims));
            if let Some(grant) = auth.grants.get_mut(index) {
                grant.refresh = new_refresh.clone();
                grant.refresh_issued_ms = now;
            }
            // Only the current token and the one in its grace window stay known.
            auth.refresh
                .retain(|t, g| *g != index || Some(t) == previous.as_ref());
            auth.refresh.insert(new_refresh.clone(), index);
            auth.access.insert(
                access.clone(),
                AccessToken {
                    grant: index,
                    expires_ms: now + shared.config.access_token_ms,
                },
            );
            drop(auth);
            shared
                .token_counters
                .refresh_grants
                .fetch_add(1, Ordering::SeqCst);
            token_response(&shared, &access, &new_refresh, &scope)
        }
        _ => oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type"),
    }
}

/// The user part of an `Authorization: Basic` header.
fn basic_client_id(headers: &HeaderMap) -> Option<String> {
    let encoded = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let user = text.split(':').next()?;
    (!user.is_empty()).then(|| user.to_owned())
}

fn uuid_token(shared: &Shared) -> String {
    crate::generate::uuid_from(&mut *shared.rng.lock())
}

fn token_response(shared: &Shared, access: &str, refresh: &str, scope: &str) -> Response {
    let body = json!({
        "access_token": access,
        "expires_in": shared.config.access_token_ms / 1000,
        "token_type": "Bearer",
        "refresh_token": refresh,
        "scope": scope
    });
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// `/connect/revocation` form fields.
#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    token: Option<String>,
}

/// `POST /connect/revocation`: revokes the refresh token's whole grant.
pub async fn revoke(State(shared): State<Arc<Shared>>, Form(f): Form<RevokeForm>) -> Response {
    let mut auth = shared.auth.lock();
    let Some(token) = f.token else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    };
    if let Some(&index) = auth.refresh.get(&token) {
        if let Some(g) = auth.grants.get_mut(index) {
            g.revoked = true;
            // A revocation takes back what the user granted the app.
            let client = g.client_id.clone();
            auth.granted_scopes.remove(&client);
        }
    }
    StatusCode::OK.into_response()
}

/// The Bearer token of a request.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// The 401 Xero sends for a missing, foreign or expired token, with
/// `WWW-Authenticate: Bearer error="invalid_token"`: a new token helps.
pub fn unauthorized(problem: TokenProblem) -> Response {
    let detail = match problem {
        TokenProblem::Missing | TokenProblem::Unknown => "AuthenticationUnsuccessful".to_owned(),
        TokenProblem::Expired(at) => format!(
            "TokenExpired: token expired at {}",
            chrono::DateTime::from_timestamp_millis(at)
                .map(|d| d.format("%m/%d/%Y %H:%M:%S").to_string())
                .unwrap_or_default()
        ),
    };
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
        Json(json!({"Type": null, "Title": "Unauthorized", "Status": 401, "Detail": detail, "Instance": null, "Extensions": {}})),
    )
        .into_response()
}

/// The 401 Xero sends for a call the token may not make: a scope it was not
/// granted, or an endpoint the app's tier does not open (Journals below
/// Advanced). No `WWW-Authenticate: Bearer error="invalid_token"`: a refresh
/// would not help.
pub fn not_permitted(shared: &Shared) -> Response {
    let instance = uuid_token(shared);
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"Type": null, "Title": "Unauthorized", "Status": 401, "Detail": "AuthorizationUnsuccessful", "Instance": instance, "Extensions": {}})),
    )
        .into_response()
}

/// Whether `grant` may make a call that needs `need`: its scopes when the app
/// checks them, and the tier for Journals.
pub fn permit(
    shared: &Shared,
    grant: &Grant,
    need: Need,
    journals: bool,
) -> Result<(), Box<Response>> {
    let app = &shared.config.app;
    if journals && !app.tier.has_journals() {
        return Err(Box::new(not_permitted(shared)));
    }
    if app.checks_scopes() && !app::permits(&grant.scope, need) {
        tracing::debug!(needed = %need.describe(), "a call without its scope");
        return Err(Box::new(not_permitted(shared)));
    }
    Ok(())
}

fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Grant, Box<Response>> {
    let token = bearer(headers).ok_or_else(|| Box::new(unauthorized(TokenProblem::Missing)))?;
    let now = shared.clock.now_ms();
    let auth = shared.auth.lock();
    auth.check(token, now)
        .cloned()
        .map_err(|p| Box::new(unauthorized(p)))
}

/// Xero's own form for connection dates: no offset, seven fractional digits.
fn connection_date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| format!("{}0000", d.format("%Y-%m-%dT%H:%M:%S%.3f")))
        .unwrap_or_default()
}

/// `GET /connections` query: optionally one authorisation's connections only.
#[derive(Debug, Default, Deserialize)]
pub struct ConnectionsQuery {
    #[serde(rename = "authEventId")]
    auth_event_id: Option<String>,
}

/// `GET /connections`: the tenants this token can reach.
pub async fn connections(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<ConnectionsQuery>,
    headers: HeaderMap,
) -> Response {
    let grant = match authenticate(&shared, &headers) {
        Ok(g) => g,
        Err(r) => return *r,
    };
    let mine = q
        .auth_event_id
        .as_deref()
        .is_none_or(|id| id.eq_ignore_ascii_case(&grant.auth_event_id));
    let list: Vec<_> = grant
        .connections
        .iter()
        .filter(|_| mine)
        .map(|c| {
            json!({
                "id": c.id,
                "authEventId": grant.auth_event_id,
                "tenantId": c.tenant_id,
                "tenantType": "ORGANISATION",
                "tenantName": c.tenant_name,
                "createdDateUtc": connection_date(c.created_ms),
                "updatedDateUtc": connection_date(c.created_ms)
            })
        })
        .collect();
    Json(list).into_response()
}

/// `DELETE /connections/{id}`: disconnects one tenant from this grant.
pub async fn delete_connection(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let grant = match authenticate(&shared, &headers) {
        Ok(g) => g,
        Err(r) => return *r,
    };
    let mut auth = shared.auth.lock();
    let Some(g) = auth
        .grants
        .iter_mut()
        .find(|g| g.auth_event_id == grant.auth_event_id)
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let before = g.connections.len();
    g.connections.retain(|c| !c.id.eq_ignore_ascii_case(&id));
    if g.connections.len() == before {
        StatusCode::NOT_FOUND.into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    }
}

/// The grant a request may use for `tenant_id`, or the response refusing it.
pub fn authorize_api(
    shared: &Shared,
    headers: &HeaderMap,
    tenant_id: Option<&str>,
) -> Result<Grant, Box<Response>> {
    let grant = authenticate(shared, headers)?;
    let Some(tenant_id) = tenant_id else {
        return Err((
            StatusCode::BAD_REQUEST,
            Json(json!({"Type": null, "Title": "Bad Request", "Status": 400, "Detail": "Xero-tenant-id header is missing"})),
        )
            .into_response()
        .into());
    };
    if !grant
        .connections
        .iter()
        .any(|c| c.tenant_id.eq_ignore_ascii_case(tenant_id))
    {
        return Err((
            StatusCode::FORBIDDEN,
            Json(json!({"Type": null, "Title": "Forbidden", "Status": 403, "Detail": "AuthorizationUnsuccessful", "Instance": null, "Extensions": {}})),
        )
            .into_response()
        .into());
    }
    Ok(grant)
}
