//! OAuth 2.0 with PKCE (S256) against Xero's identity server: the authorize URL,
//! the pending-state store, the ONE callback handler that both the loopback
//! listener and the `ledgerkeep://oauth/callback` deep link call, the code
//! exchange, refresh and revocation.

use std::collections::VecDeque;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ledgerkeep_obs::redact::register_secret;
use ledgerkeep_obs::SecretString;
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RefreshToken, RequestTokenError, RevocationUrl, Scope, TokenResponse, TokenUrl,
};
use parking_lot::Mutex;
use secrecy::ExposeSecret;

use crate::error::{Cause, Result, XeroError};
use crate::time::Timekeeping;
use crate::XeroEndpoints;

/// The scopes asked for unless the settings say otherwise: identity, refresh
/// tokens, and Xero's granular read-only Accounting scopes (apps created from
/// March 2026 may use no other). `accounting.journals.read` is left out:
/// Journals is for Xero's Advanced tier only, and the ledger is built from the
/// documents. The list is a setting, because Xero's names move.
pub const DEFAULT_SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "offline_access",
    "accounting.settings.read",
    "accounting.contacts.read",
    "accounting.invoices.read",
    "accounting.payments.read",
    "accounting.banktransactions.read",
    "accounting.manualjournals.read",
    "accounting.attachments.read",
    "accounting.budgets.read",
    "accounting.reports.profitandloss.read",
    "accounting.reports.balancesheet.read",
    "accounting.reports.trialbalance.read",
    "accounting.reports.aged.read",
    "accounting.reports.banksummary.read",
    "accounting.reports.taxreports.read",
];

/// The broad read-only scopes of Xero apps made before March 2026 (which Xero
/// accepts from them until September 2027), Journals included: such apps may
/// be on a tier that serves it.
pub const LEGACY_SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "offline_access",
    "accounting.settings.read",
    "accounting.contacts.read",
    "accounting.transactions.read",
    "accounting.journals.read",
    "accounting.reports.read",
    "accounting.attachments.read",
    // Budgets had its own scope before the granular ones: no broad scope covers it.
    "accounting.budgets.read",
];

/// Recording payments in Xero (granular apps): write access to Payments.
pub const PAYMENTS_WRITE_SCOPE: &str = "accounting.payments";
/// Recording payments in Xero (apps on the broad scopes).
pub const LEGACY_PAYMENTS_WRITE_SCOPE: &str = "accounting.transactions";

/// Which scopes a sign-in asks for: the kind of Xero app, and the features on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScopeChoice {
    /// The Xero app was made before March 2026 and keeps the broad scopes.
    pub legacy: bool,
    /// Payments are recorded in Xero from Ledgerkeep (write access).
    pub record_payments: bool,
}

impl ScopeChoice {
    /// The scopes to ask for.
    pub fn scopes(self) -> Vec<String> {
        let (base, write) = if self.legacy {
            (LEGACY_SCOPES, LEGACY_PAYMENTS_WRITE_SCOPE)
        } else {
            (DEFAULT_SCOPES, PAYMENTS_WRITE_SCOPE)
        };
        let mut out: Vec<String> = base.iter().map(|s| (*s).to_owned()).collect();
        if self.record_payments {
            out.push(write.to_owned());
        }
        out
    }
}

/// Whether a grant of `granted` (Xero's space-separated `scope`) covers the
/// scope `needed`: the scope itself, its write form for a `.read`, or a broad
/// scope of apps made before March 2026 that holds it.
pub fn scope_granted(granted: &str, needed: &str) -> bool {
    let has = |s: &str| {
        granted
            .split_whitespace()
            .any(|g| g.eq_ignore_ascii_case(s))
    };
    if has(needed) {
        return true;
    }
    let (base, read) = match needed.strip_suffix(".read") {
        Some(b) => (b, true),
        None => (needed, false),
    };
    if read && has(base) {
        return true;
    }
    const TRANSACTIONS: [&str; 4] = [
        "accounting.invoices",
        "accounting.payments",
        "accounting.banktransactions",
        "accounting.manualjournals",
    ];
    if TRANSACTIONS.iter().any(|t| t.eq_ignore_ascii_case(base)) {
        return has("accounting.transactions") || (read && has("accounting.transactions.read"));
    }
    if read && base.to_ascii_lowercase().starts_with("accounting.reports.") {
        return has("accounting.reports.read");
    }
    false
}

/// The scopes of `needed` that a grant of `granted` lacks, in `needed`'s
/// order. The identity scopes (`openid`, `profile`, `email`) are not counted:
/// no Accounting call needs them.
pub fn missing_scopes(granted: &str, needed: &[String]) -> Vec<String> {
    needed
        .iter()
        .filter(|n| !matches!(n.as_str(), "openid" | "profile" | "email"))
        .filter(|n| !scope_granted(granted, n))
        .cloned()
        .collect()
}

/// Each granular scope family (its name without `.read`) and the Accounting
/// API endpoints it opens, as Xero's granular scope table lists them:
/// collections by their path under `/api.xro/2.0/` (which is also how the
/// sync names its streams and a refusal names its endpoint), reports as
/// `Reports/<name>`. The `.read` scope opens them for reading, the scope
/// itself for writing too.
const SCOPE_ENDPOINTS: &[(&str, &[&str])] = &[
    (
        "accounting.settings",
        &[
            "Organisation",
            "Accounts",
            "TaxRates",
            "TrackingCategories",
            "Currencies",
            "Items",
            "BrandingThemes",
            "Users",
        ],
    ),
    ("accounting.contacts", &["Contacts", "ContactGroups"]),
    (
        "accounting.invoices",
        &[
            "Invoices",
            "CreditNotes",
            "LinkedTransactions",
            "PurchaseOrders",
            "Quotes",
            "RepeatingInvoices",
            "Items",
        ],
    ),
    (
        "accounting.payments",
        &["Payments", "BatchPayments", "Overpayments", "Prepayments"],
    ),
    (
        "accounting.banktransactions",
        &["BankTransactions", "BankTransfers"],
    ),
    ("accounting.manualjournals", &["ManualJournals"]),
    ("accounting.classicexpenses", &["ExpenseClaims", "Receipts"]),
    // The files attached to documents: `<Endpoint>/<id>/Attachments`.
    ("accounting.attachments", &["Attachments"]),
    ("accounting.budgets", &["Budgets"]),
    // Xero serves it on the Advanced tier only.
    ("accounting.journals", &["Journals"]),
    (
        "accounting.reports.profitandloss",
        &["Reports/ProfitAndLoss"],
    ),
    ("accounting.reports.balancesheet", &["Reports/BalanceSheet"]),
    ("accounting.reports.trialbalance", &["Reports/TrialBalance"]),
    (
        "accounting.reports.aged",
        &[
            "Reports/AgedReceivablesByContact",
            "Reports/AgedPayablesByContact",
        ],
    ),
    ("accounting.reports.banksummary", &["Reports/BankSummary"]),
    (
        "accounting.reports.budgetsummary",
        &["Reports/BudgetSummary"],
    ),
    (
        "accounting.reports.executivesummary",
        &["Reports/ExecutiveSummary"],
    ),
    // The published tax returns (GST, BAS: listed at `Reports`) and the
    // United States' 1099 report.
    (
        "accounting.reports.taxreports",
        &["Reports", "Reports/TenNinetyNine"],
    ),
];

/// The granular scope families a broad scope of apps made before March 2026
/// stands for (its `.read` form for the `.read` ones).
const BROAD_SCOPES: &[(&str, &[&str])] = &[
    (
        "accounting.transactions",
        &[
            "accounting.invoices",
            "accounting.payments",
            "accounting.banktransactions",
            "accounting.manualjournals",
        ],
    ),
    (
        "accounting.reports",
        &[
            "accounting.reports.profitandloss",
            "accounting.reports.balancesheet",
            "accounting.reports.trialbalance",
            "accounting.reports.aged",
            "accounting.reports.banksummary",
            "accounting.reports.budgetsummary",
            "accounting.reports.executivesummary",
            "accounting.reports.taxreports",
        ],
    ),
];

/// The Accounting API endpoints a sign-in granted `scope` may call, each
/// once, in Xero's table's order: collections by their path (`Invoices`, the
/// name the sync gives the stream), reports as `Reports/<name>`. A broad scope
/// opens what its granular scopes open. The identity scopes (`openid`,
/// `profile`, `email`, `offline_access`) and a scope Xero does not have open
/// none. Facts only: what the owner loses without one is for the front to word.
pub fn scope_endpoints(scope: &str) -> Vec<&'static str> {
    let lower = scope.trim().to_ascii_lowercase();
    let family = lower.strip_suffix(".read").unwrap_or(&lower);
    let families: Vec<&str> = match BROAD_SCOPES.iter().find(|(b, _)| *b == family) {
        Some((_, granular)) => granular.to_vec(),
        None => vec![family],
    };
    let mut out: Vec<&'static str> = Vec::new();
    for f in families {
        for (_, endpoints) in SCOPE_ENDPOINTS.iter().filter(|(name, _)| *name == f) {
            for e in *endpoints {
                if !out.contains(e) {
                    out.push(e);
                }
            }
        }
    }
    out
}

/// A pending sign-in expires this long after it started.
pub const STATE_TTL: Duration = Duration::from_secs(10 * 60);
/// At most this many sign-ins wait at once; the oldest is dropped first.
pub const MAX_PENDING: usize = 100;
/// How often expired sign-ins are swept in the background.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// One token set: what Xero's token endpoint answers, with the instants it
/// was obtained and expires. The secrets cannot be printed.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: SecretString,
    pub refresh_token: SecretString,
    /// When the access token was issued, in ms since the epoch.
    pub obtained_at_ms: i64,
    /// When the access token expires, in ms since the epoch.
    pub expires_at_ms: i64,
    pub scope: String,
}

impl TokenSet {
    /// Builds a set and registers both secrets with the log scrubber.
    pub fn new(
        access: String,
        refresh: String,
        obtained_at_ms: i64,
        expires_at_ms: i64,
        scope: String,
    ) -> Self {
        register_secret(&access);
        register_secret(&refresh);
        TokenSet {
            access_token: SecretString::from(access),
            refresh_token: SecretString::from(refresh),
            obtained_at_ms,
            expires_at_ms,
            scope,
        }
    }
}

/// Where Xero sends the browser back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectTarget {
    /// `http://localhost:<port>/callback`, answered by [`crate::callback`].
    Loopback,
    /// An https bounce page registered in the owner's Xero app, which forwards
    /// the query to `ledgerkeep://oauth/callback` (see `docs/oauth-bounce.html`).
    Https(String),
}

/// A started sign-in: open `url` in the system browser.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    pub url: String,
    /// The flow's state (single use, ten minutes). Not a secret on its own: it
    /// is useless without the PKCE verifier, which never leaves this process.
    pub state: String,
    pub redirect_uri: String,
}

struct PendingFlow {
    state: String,
    verifier: PkceCodeVerifier,
    redirect_uri: String,
    created_ms: i64,
}

impl std::fmt::Debug for PendingFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingFlow")
            .field("redirect_uri", &self.redirect_uri)
            .field("created_ms", &self.created_ms)
            .finish_non_exhaustive()
    }
}

/// The sign-ins waiting for their callback: bounded, expiring, single use.
/// Expired entries are dropped on every access, so it never grows without bound.
#[derive(Debug)]
pub struct PendingStates {
    flows: Mutex<VecDeque<PendingFlow>>,
    ttl_ms: i64,
    capacity: usize,
}

impl Default for PendingStates {
    fn default() -> Self {
        PendingStates {
            flows: Mutex::new(VecDeque::new()),
            ttl_ms: i64::try_from(STATE_TTL.as_millis()).unwrap_or(i64::MAX),
            capacity: MAX_PENDING,
        }
    }
}

impl PendingStates {
    fn insert(&self, flow: PendingFlow, now_ms: i64) {
        let mut flows = self.flows.lock();
        flows.retain(|f| now_ms - f.created_ms < self.ttl_ms);
        while flows.len() >= self.capacity {
            flows.pop_front();
        }
        flows.push_back(flow);
    }

    /// Removes the flow of `state`, whatever happens next.
    fn take(&self, state: &str, now_ms: i64) -> Result<PendingFlow> {
        let mut flows = self.flows.lock();
        let found = flows
            .iter()
            .position(|f| constant_time_eq(f.state.as_bytes(), state.as_bytes()))
            .and_then(|i| flows.remove(i));
        flows.retain(|f| now_ms - f.created_ms < self.ttl_ms);
        match found {
            None => Err(XeroError::UnknownState),
            Some(f) if now_ms - f.created_ms >= self.ttl_ms => Err(XeroError::ExpiredState),
            Some(f) => Ok(f),
        }
    }

    /// Drops every expired flow (and its verifier).
    fn sweep(&self, now_ms: i64) {
        self.flows
            .lock()
            .retain(|f| now_ms - f.created_ms < self.ttl_ms);
    }

    /// Whether `state` is waiting (without consuming it).
    pub fn contains(&self, state: &str) -> bool {
        self.flows
            .lock()
            .iter()
            .any(|f| constant_time_eq(f.state.as_bytes(), state.as_bytes()))
    }

    /// How many sign-ins are waiting.
    pub fn len(&self) -> usize {
        self.flows.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops a flow (its listener timed out or was cancelled).
    pub fn cancel(&self, state: &str) {
        self.flows.lock().retain(|f| f.state != state);
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 32 bytes from the OS's CSPRNG, base64url without padding.
pub fn new_state() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| XeroError::TokenEndpoint(format!("the OS gave no random bytes: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// How a refresh failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshFailure {
    /// `invalid_grant`: the refresh token is dead; the user must sign in again.
    InvalidGrant,
    /// The answer was lost or Xero failed: the same token may be retried (grace window).
    Transient(String),
    /// Xero refused for another reason.
    Refused(String),
}

/// Signs in to Xero and keeps the pending flows.
#[derive(Debug)]
pub struct SignIn {
    endpoints: XeroEndpoints,
    scopes: Vec<String>,
    http: reqwest::Client,
    states: PendingStates,
    time: Timekeeping,
}

type Client = BasicClient<
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
    oauth2::EndpointSet,
>;

impl SignIn {
    /// A sign-in against `endpoints`, asking for `scopes` (see [`DEFAULT_SCOPES`]).
    pub fn new(endpoints: XeroEndpoints, scopes: Vec<String>, time: Timekeeping) -> Result<Self> {
        let http = reqwest::Client::builder()
            // The token endpoint must never be followed through a redirect (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(30))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| {
                XeroError::Network(Cause::new(
                    "the HTTP client could not start",
                    e.without_url(),
                ))
            })?;
        Ok(SignIn {
            endpoints,
            scopes,
            http,
            states: PendingStates::default(),
            time,
        })
    }

    pub fn endpoints(&self) -> &XeroEndpoints {
        &self.endpoints
    }

    /// The Xero app (client id) this sign-in is made with, when one is set up.
    pub fn client_id(&self) -> Option<&str> {
        self.endpoints.client_id.as_deref()
    }

    /// The pending flows (for tests and diagnostics).
    pub fn pending(&self) -> &PendingStates {
        &self.states
    }

    fn client(&self) -> Result<Client> {
        let id = self
            .endpoints
            .client_id
            .clone()
            .ok_or(XeroError::NotConfigured)?;
        let url = |s: String| s;
        let bad = |e: oauth2::url::ParseError| XeroError::TokenEndpoint(format!("bad URL: {e}"));
        Ok(BasicClient::new(ClientId::new(id))
            .set_auth_uri(
                AuthUrl::new(url(format!(
                    "{}/identity/connect/authorize",
                    self.endpoints.login_url
                )))
                .map_err(bad)?,
            )
            .set_token_uri(
                TokenUrl::new(format!("{}/connect/token", self.endpoints.identity_url))
                    .map_err(bad)?,
            )
            .set_revocation_url(
                RevocationUrl::new(format!(
                    "{}/connect/revocation",
                    self.endpoints.identity_url
                ))
                .map_err(bad)?,
            ))
    }

    /// The loopback redirect URI registered in the Xero app.
    pub fn loopback_redirect_uri(&self) -> String {
        format!("http://localhost:{}/callback", self.endpoints.oauth_port)
    }

    /// Starts a sign-in: a fresh state and PKCE pair, remembered for ten minutes.
    pub fn start(&self, target: &RedirectTarget) -> Result<AuthorizeRequest> {
        let client = self.client()?;
        let redirect_uri = match target {
            RedirectTarget::Loopback => self.loopback_redirect_uri(),
            RedirectTarget::Https(url) => url.clone(),
        };
        let redirect = RedirectUrl::new(redirect_uri.clone())
            .map_err(|e| XeroError::TokenEndpoint(format!("bad redirect URI: {e}")))?;
        let state = new_state()?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let s = state.clone();
        let (url, _) = client
            .authorize_url(move || CsrfToken::new(s))
            .add_scopes(self.scopes.iter().cloned().map(Scope::new))
            .set_pkce_challenge(challenge)
            .set_redirect_uri(std::borrow::Cow::Owned(redirect))
            .url();
        self.states.insert(
            PendingFlow {
                state: state.clone(),
                verifier,
                redirect_uri: redirect_uri.clone(),
                created_ms: self.time.now_ms(),
            },
            self.time.now_ms(),
        );
        Ok(AuthorizeRequest {
            url: url.to_string(),
            state,
            redirect_uri,
        })
    }

    /// THE callback handler, for the loopback listener and the deep link alike:
    /// checks the state (removed on first sight, whatever the outcome; ten
    /// minutes at most), then exchanges the code with the flow's PKCE verifier.
    pub async fn complete(&self, query: &str) -> Result<TokenSet> {
        let params = CallbackQuery::parse(query);
        let state = params
            .state
            .ok_or_else(|| XeroError::BadCallback("it carries no state".to_owned()))?;
        let flow = self.states.take(&state, self.time.now_ms())?;
        if let Some(error) = params.error {
            return Err(XeroError::Denied(error));
        }
        let code = params
            .code
            .ok_or_else(|| XeroError::BadCallback("it carries no code".to_owned()))?;
        let client = self.client()?;
        let redirect = RedirectUrl::new(flow.redirect_uri.clone())
            .map_err(|e| XeroError::TokenEndpoint(format!("bad redirect URI: {e}")))?;
        let started = self.time.now_ms();
        let answer = client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(flow.verifier)
            .set_redirect_uri(std::borrow::Cow::Owned(redirect))
            .request_async(&self.http)
            .await;
        match answer {
            Ok(t) => Ok(self.token_set(&t, started, None)),
            Err(RequestTokenError::ServerResponse(e)) => {
                Err(XeroError::TokenEndpoint(e.error().to_string()))
            }
            Err(e) => Err(XeroError::Network(describe(&e).into())),
        }
    }

    /// Drops a pending flow (its wait ended).
    pub fn cancel(&self, state: &str) {
        self.states.cancel(state);
    }

    /// Drops every pending flow older than ten minutes, with its verifier.
    pub fn sweep_expired(&self) {
        self.states.sweep(self.time.now_ms());
    }

    /// Sweeps the pending flows every minute in the background, for as long as
    /// this sign-in lives, so that abandoned flows' verifiers do not stay in
    /// memory until the next sign-in. Waits on tokio's timer (a sweep is not
    /// worth moving a test's virtual time for); reads the passed-in clock.
    pub fn spawn_sweeper(self: &std::sync::Arc<Self>) -> tokio::task::JoinHandle<()> {
        self.spawn_sweeper_every(SWEEP_EVERY)
    }

    fn spawn_sweeper_every(
        self: &std::sync::Arc<Self>,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let weak = std::sync::Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                match weak.upgrade() {
                    Some(sign_in) => sign_in.sweep_expired(),
                    None => break,
                }
            }
        })
    }

    fn token_set(
        &self,
        t: &oauth2::basic::BasicTokenResponse,
        started_ms: i64,
        old_refresh: Option<&SecretString>,
    ) -> TokenSet {
        let lifetime = t
            .expires_in()
            .and_then(|d| i64::try_from(d.as_millis()).ok())
            .unwrap_or(30 * 60 * 1000);
        let refresh = t
            .refresh_token()
            .map(|r| r.secret().clone())
            .or_else(|| old_refresh.map(|r| r.expose_secret().to_owned()))
            .unwrap_or_default();
        let scope = t
            .scopes()
            .map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        TokenSet::new(
            t.access_token().secret().clone(),
            refresh,
            started_ms,
            started_ms + lifetime,
            scope,
        )
    }

    /// One refresh-token grant. Rotation: the answer holds a new refresh token.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenSet, RefreshFailure> {
        let client = self
            .client()
            .map_err(|e| RefreshFailure::Refused(e.to_string()))?;
        let started = self.time.now_ms();
        let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
        let answer = client
            .exchange_refresh_token(&token)
            .request_async(&self.http)
            .await;
        match answer {
            Ok(t) => Ok(self.token_set(&t, started, Some(refresh_token))),
            Err(RequestTokenError::ServerResponse(e)) => match e.error() {
                BasicErrorResponseType::InvalidGrant => Err(RefreshFailure::InvalidGrant),
                other => Err(RefreshFailure::Refused(other.to_string())),
            },
            Err(e) => Err(RefreshFailure::Transient(describe(&e))),
        }
    }

    /// Revokes a refresh token (and with it the grant's access), RFC 7009.
    /// Sent by hand: the oauth2 crate refuses a revocation URL that is not
    /// https, and the simulator (like any loopback stand-in) is http.
    pub async fn revoke(&self, refresh_token: &SecretString) -> Result<()> {
        let client_id = self
            .endpoints
            .client_id
            .clone()
            .ok_or(XeroError::NotConfigured)?;
        let resp = self
            .http
            .post(format!(
                "{}/connect/revocation",
                self.endpoints.identity_url
            ))
            .form(&[
                ("token", refresh_token.expose_secret()),
                ("token_type_hint", "refresh_token"),
                ("client_id", client_id.as_str()),
            ])
            .send()
            .await
            .map_err(|e| XeroError::Network(Cause::new(describe(&e), e.without_url())))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(XeroError::TokenEndpoint(format!(
                "revocation answered HTTP {}",
                resp.status().as_u16()
            )))
        }
    }
}

fn describe<E: std::error::Error>(e: &E) -> String {
    // The chain of a transport error, scrubbed: it may quote a URL.
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    ledgerkeep_obs::scrub(&text).into_owned()
}

/// The parameters of a callback's query string.
#[derive(Default)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// The code and the state are secrets: Debug says only whether they came.
impl std::fmt::Debug for CallbackQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackQuery")
            .field("code", &self.code.as_ref().map(|_| "<redacted>"))
            .field("state", &self.state.as_ref().map(|_| "<redacted>"))
            .field("error", &self.error)
            .finish()
    }
}

impl CallbackQuery {
    pub fn parse(query: &str) -> Self {
        let mut q = CallbackQuery::default();
        let query = query.strip_prefix('?').unwrap_or(query);
        for (k, v) in oauth2::url::form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "code" => q.code = Some(v.into_owned()),
                "state" => q.state = Some(v.into_owned()),
                "error" => q.error = Some(v.into_owned()),
                _ => {}
            }
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::VirtualTime;

    fn sign_in(vt: &std::sync::Arc<VirtualTime>) -> SignIn {
        let endpoints = XeroEndpoints {
            client_id: Some("CLIENT".into()),
            ..XeroEndpoints::default()
        };
        SignIn::new(
            endpoints,
            DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
            vt.timekeeping(),
        )
        .unwrap()
    }

    #[test]
    fn states_are_32_random_bytes_in_base64url() {
        let a = new_state().unwrap();
        let b = new_state().unwrap();
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }

    #[test]
    fn the_authorize_url_carries_pkce_s256_state_and_scopes() {
        let vt = VirtualTime::starting_at(0);
        let s = sign_in(&vt);
        let req = s.start(&RedirectTarget::Loopback).unwrap();
        let url = oauth2::url::Url::parse(&req.url).unwrap();
        assert_eq!(url.path(), "/identity/connect/authorize");
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["state"], req.state);
        assert_eq!(q["redirect_uri"], "http://localhost:53682/callback");
        let asked: Vec<&str> = q["scope"].split(' ').collect();
        assert_eq!(asked, DEFAULT_SCOPES);
        assert!(s.pending().contains(&req.state));
    }

    #[test]
    fn the_default_scopes_are_granular_and_read_only() {
        for s in DEFAULT_SCOPES {
            let identity = matches!(*s, "openid" | "profile" | "email" | "offline_access");
            assert!(identity || s.ends_with(".read"), "{s} is not read-only");
        }
        for broad in [
            "accounting.transactions",
            "accounting.transactions.read",
            "accounting.reports.read",
            // Advanced tier only: not asked for by default.
            "accounting.journals.read",
        ] {
            assert!(!DEFAULT_SCOPES.contains(&broad), "{broad} is asked for");
        }
        assert_eq!(ScopeChoice::default().scopes(), DEFAULT_SCOPES);
    }

    #[test]
    fn the_choice_adds_write_access_for_payments_and_the_legacy_set_is_broad() {
        let pay = ScopeChoice {
            legacy: false,
            record_payments: true,
        }
        .scopes();
        assert_eq!(pay.len(), DEFAULT_SCOPES.len() + 1);
        assert_eq!(pay.last().map(String::as_str), Some("accounting.payments"));
        let legacy = ScopeChoice {
            legacy: true,
            record_payments: false,
        }
        .scopes();
        assert!(legacy.iter().any(|s| s == "accounting.transactions.read"));
        assert!(legacy.iter().any(|s| s == "accounting.journals.read"));
        assert!(legacy.iter().any(|s| s == "accounting.budgets.read"));
        assert!(!legacy.iter().any(|s| s == "accounting.transactions"));
        let legacy_pay = ScopeChoice {
            legacy: true,
            record_payments: true,
        }
        .scopes();
        assert!(legacy_pay.iter().any(|s| s == "accounting.transactions"));
    }

    #[test]
    fn a_grant_covers_a_scope_directly_by_its_write_form_or_by_a_broad_scope() {
        let granular =
            "openid offline_access accounting.payments.read accounting.reports.aged.read";
        assert!(scope_granted(granular, "accounting.payments.read"));
        assert!(!scope_granted(granular, "accounting.payments"));
        assert!(!scope_granted(granular, "accounting.invoices.read"));
        assert!(scope_granted(
            "accounting.payments",
            "accounting.payments.read"
        ));
        let broad = "accounting.transactions.read accounting.reports.read";
        assert!(scope_granted(broad, "accounting.invoices.read"));
        assert!(scope_granted(broad, "accounting.reports.balancesheet.read"));
        assert!(
            !scope_granted(broad, "accounting.payments"),
            "read is not write"
        );
        assert!(scope_granted(
            "accounting.transactions",
            "accounting.payments"
        ));
        assert!(!scope_granted(broad, "accounting.journals.read"));

        let needed = ScopeChoice {
            legacy: false,
            record_payments: true,
        }
        .scopes();
        let granted = DEFAULT_SCOPES.join(" ");
        assert_eq!(
            missing_scopes(&granted, &needed),
            vec!["accounting.payments"]
        );
        assert_eq!(
            missing_scopes(&format!("{granted} accounting.payments"), &needed),
            Vec::<String>::new()
        );
        // Identity scopes are not reported missing (Xero may not echo them).
        assert_eq!(
            missing_scopes("offline_access", &["openid".to_owned(), "email".to_owned()]),
            Vec::<String>::new()
        );
    }

    /// Every scope Ledgerkeep may ask for: both kinds of app, with and
    /// without recording payments.
    fn every_scope_asked_for() -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for legacy in [false, true] {
            for record_payments in [false, true] {
                for s in (ScopeChoice {
                    legacy,
                    record_payments,
                })
                .scopes()
                {
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
            }
        }
        out
    }

    #[test]
    fn each_accounting_scope_asked_for_opens_endpoints_and_identity_scopes_open_none() {
        for scope in every_scope_asked_for() {
            let opens = scope_endpoints(&scope);
            if scope.starts_with("accounting.") {
                assert!(!opens.is_empty(), "{scope} opens nothing");
            } else {
                assert!(opens.is_empty(), "{scope} opens {opens:?}");
            }
            let mut once = opens.clone();
            once.dedup();
            once.sort_unstable();
            once.dedup();
            assert_eq!(once.len(), opens.len(), "{scope}: {opens:?}");
        }
        assert!(scope_endpoints("accounting.unheard.of.read").is_empty());
        assert_eq!(
            scope_endpoints(" Accounting.BankTransactions.Read "),
            vec!["BankTransactions", "BankTransfers"],
            "any letter case, as Xero's names"
        );
    }

    #[test]
    fn a_scope_that_covers_another_opens_everything_the_other_opens() {
        let mut known = every_scope_asked_for();
        for extra in [
            "accounting.transactions",
            "accounting.invoices",
            "accounting.banktransactions",
            "accounting.manualjournals",
            "accounting.reports.budgetsummary.read",
            "accounting.reports.executivesummary.read",
        ] {
            known.push(extra.to_owned());
        }
        let mut covered_pairs = 0;
        for granted in &known {
            for needed in &known {
                if !needed.starts_with("accounting.") || !scope_granted(granted, needed) {
                    continue;
                }
                covered_pairs += 1;
                let wide = scope_endpoints(granted);
                for e in scope_endpoints(needed) {
                    assert!(
                        wide.contains(&e),
                        "{granted} covers {needed} but does not open {e}"
                    );
                }
            }
        }
        // The broad scopes stand for their granular ones, not just themselves.
        assert!(covered_pairs > known.len(), "{covered_pairs}");
        // And a scope opens nothing the granular scopes it stands for do not.
        let broad = scope_endpoints("accounting.transactions.read");
        for e in &broad {
            assert!(
                [
                    "accounting.invoices.read",
                    "accounting.payments.read",
                    "accounting.banktransactions.read",
                    "accounting.manualjournals.read",
                ]
                .iter()
                .any(|g| scope_endpoints(g).contains(e)),
                "{e}"
            );
        }
    }

    #[tokio::test]
    async fn a_state_is_single_use_and_expires_after_ten_minutes() {
        let vt = VirtualTime::starting_at(0);
        let s = sign_in(&vt);
        let req = s.start(&RedirectTarget::Loopback).unwrap();
        // A denial consumes the state, as any outcome does.
        let q = format!("error=access_denied&state={}", req.state);
        assert_eq!(
            s.complete(&q).await.unwrap_err(),
            XeroError::Denied("access_denied".into())
        );
        assert_eq!(s.complete(&q).await.unwrap_err(), XeroError::UnknownState);

        let req = s.start(&RedirectTarget::Loopback).unwrap();
        vt.advance(STATE_TTL);
        let q = format!("code=abc&state={}", req.state);
        assert_eq!(s.complete(&q).await.unwrap_err(), XeroError::ExpiredState);
        assert_eq!(s.complete(&q).await.unwrap_err(), XeroError::UnknownState);
    }

    #[tokio::test]
    async fn forged_and_missing_states_are_refused() {
        let vt = VirtualTime::starting_at(0);
        let s = sign_in(&vt);
        let real = s.start(&RedirectTarget::Loopback).unwrap();
        let forged = new_state().unwrap();
        assert_eq!(
            s.complete(&format!("code=x&state={forged}"))
                .await
                .unwrap_err(),
            XeroError::UnknownState
        );
        assert!(matches!(
            s.complete("code=x").await.unwrap_err(),
            XeroError::BadCallback(_)
        ));
        assert!(
            s.pending().contains(&real.state),
            "a forgery must not consume a real flow"
        );
    }

    #[test]
    fn ten_thousand_abandoned_flows_leave_the_store_bounded() {
        let vt = VirtualTime::starting_at(0);
        let s = sign_in(&vt);
        let mut first = None;
        for i in 0..10_000 {
            let r = s.start(&RedirectTarget::Loopback).unwrap();
            first.get_or_insert(r.state);
            if i % 1000 == 0 {
                vt.advance(Duration::from_secs(1));
            }
            assert!(s.pending().len() <= MAX_PENDING);
        }
        assert_eq!(s.pending().len(), MAX_PENDING);
        assert!(
            !s.pending().contains(first.as_deref().unwrap()),
            "the oldest went first"
        );
        // And expiry alone empties it.
        vt.advance(STATE_TTL);
        let _ = s.start(&RedirectTarget::Loopback).unwrap();
        assert_eq!(s.pending().len(), 1);
    }

    #[test]
    fn the_sweep_drops_expired_flows_with_no_other_access() {
        let vt = VirtualTime::starting_at(0);
        let s = sign_in(&vt);
        for _ in 0..50 {
            s.start(&RedirectTarget::Loopback).unwrap();
        }
        vt.advance(STATE_TTL - Duration::from_secs(1));
        let young = s.start(&RedirectTarget::Loopback).unwrap();
        s.sweep_expired();
        assert_eq!(s.pending().len(), 51, "swept too early");
        vt.advance(Duration::from_secs(1));
        s.sweep_expired();
        assert_eq!(s.pending().len(), 1);
        assert!(s.pending().contains(&young.state));
    }

    #[tokio::test]
    async fn the_background_sweeper_sweeps_and_ends_with_its_sign_in() {
        let vt = VirtualTime::starting_at(0);
        let s = std::sync::Arc::new(sign_in(&vt));
        s.start(&RedirectTarget::Loopback).unwrap();
        vt.advance(STATE_TTL);
        let sweeper = s.spawn_sweeper_every(Duration::from_millis(5));
        // Nothing touches the store: only the sweeper can empty it.
        while !s.pending().is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        drop(s);
        sweeper.await.unwrap();
    }
}
