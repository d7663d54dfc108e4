//! The HTTP server, its builder and the handle tests and the app hold.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use axum::Router;
use parking_lot::{Mutex, RwLock};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tokio::task::{AbortHandle, JoinHandle};

use crate::app::{granular_scopes_from, legacy_app_created, AppProfile, Tier};
use crate::books::Truth;
use crate::clock::{SharedClock, SystemClock};
use crate::faults::{FaultRule, Faults, Gate};
use crate::generate::{self, Size};
use crate::limits::{Limits, RateLimiter};
use crate::mutate::{self, Mutation};
use crate::oauth::{self, AuthState, TokenCounters, TokenCounts, ACCESS_TOKEN_MS};
use crate::{api, examples};

/// Settings fixed when the simulator starts.
#[derive(Debug, Clone)]
pub struct Config {
    pub client_id: String,
    pub auto_consent: bool,
    pub access_token_ms: i64,
    /// Exact redirect URIs accepted besides any `http://localhost` or `http://127.0.0.1` one.
    pub redirect_uris: Vec<String>,
    /// The `ProviderName` in every response: the app's name.
    pub provider_name: String,
    /// When set, codes and tokens are `<prefix>-code-<n>`, `<prefix>-access-<n>`
    /// and `<prefix>-refresh-<n>`: values a test knows before they are issued.
    pub secret_prefix: Option<String>,
    /// The simulated Xero app: its creation day, tier and scope checks.
    pub app: AppProfile,
}

/// State shared by every request.
#[derive(Debug)]
pub struct Shared {
    pub clock: SharedClock,
    pub config: Config,
    pub rng: Mutex<ChaCha8Rng>,
    pub books: RwLock<Truth>,
    pub auth: Mutex<AuthState>,
    /// The token endpoint's answers, counted.
    pub token_counters: TokenCounters,
    /// While set, each request to the token endpoint waits for this gate.
    pub token_gate: Mutex<Option<Gate>>,
    pub limiter: RateLimiter,
    pub faults: Mutex<Faults>,
    /// (tenant, Idempotency-Key) → (status, body) of the first answer.
    pub idempotency: Mutex<HashMap<(String, String), (u16, String)>>,
    /// Write requests (`PUT`, `POST`) received, per collection path as sent
    /// (lower case), whatever their answer.
    pub writes_received: Mutex<HashMap<String, usize>>,
    /// The organisations the simulated user ticks at consent (`None`: every one).
    pub consent_choice: Mutex<Option<Vec<String>>>,
    /// Set by [`NetworkCut::cut`]: no request is answered any more.
    pub cut_off: AtomicBool,
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("could not listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("could not read the Xero spec at {path}: {message}")]
    Spec { path: PathBuf, message: String },
}

/// Builds a simulator. See the crate docs for an example.
#[derive(Debug)]
pub struct SimulatorBuilder {
    seed: u64,
    size: Size,
    organisations: Option<usize>,
    limits: Option<Limits>,
    app: AppProfile,
    clock: SharedClock,
    auto_consent: bool,
    client_id: Option<String>,
    access_token_ms: i64,
    redirect_uris: Vec<String>,
    port: u16,
    spec_examples: Option<PathBuf>,
    secret_prefix: Option<String>,
    profile: generate::Profile,
}

impl Default for SimulatorBuilder {
    fn default() -> Self {
        SimulatorBuilder {
            seed: 0,
            size: Size::Small,
            organisations: None,
            limits: None,
            app: AppProfile::legacy(),
            clock: SystemClock::shared(),
            auto_consent: false,
            client_id: None,
            access_token_ms: ACCESS_TOKEN_MS,
            redirect_uris: Vec::new(),
            port: 0,
            spec_examples: None,
            secret_prefix: None,
            profile: generate::Profile::Fixed,
        }
    }
}

impl SimulatorBuilder {
    /// The seed of the generated books and of every token (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// How many records (default small).
    pub fn size(mut self, size: Size) -> Self {
        self.size = size;
        self
    }
    /// The rate limits (default: the app tier's, i.e. Xero's 5,000 a day, or
    /// `Limits::STARTER`'s 1,000 on Starter). Set, they replace the tier's whole.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = Some(limits);
        self
    }
    /// The app's tier (default Advanced). Starter connects at most 5
    /// organisations and has 1,000 calls a day; below Advanced, Journals
    /// answers 401 `AuthorizationUnsuccessful`.
    pub fn app_tier(mut self, tier: Tier) -> Self {
        self.app.tier = tier;
        self
    }
    /// The day the Xero app was created (default 1 June 2024). From 2 March
    /// 2026 the app gets granular scopes only: broad ones are refused at
    /// authorize, and every API call checks its scope.
    pub fn app_created(mut self, day: chrono::NaiveDate) -> Self {
        self.app.created = day;
        self
    }
    /// `true`: an app created on 2 March 2026 (granular scopes only);
    /// `false`: an app created before it (the default).
    pub fn new_app(mut self, new: bool) -> Self {
        self.app.created = if new {
            granular_scopes_from()
        } else {
            legacy_app_created()
        };
        self
    }
    /// Whether an older app's API calls check their scopes too (default off,
    /// so that an older app answers as the simulator always did; always on
    /// for a new app).
    pub fn check_scopes(mut self, on: bool) -> Self {
        self.app.check_scopes = on;
        self
    }
    /// The preset for a new app on the Starter tier, as an owner's own app
    /// is in 2026: created on 2 March 2026, granular scopes only, 5
    /// connections, 1,000 calls a day (unless [`Self::limits`] says
    /// otherwise), and no Journals.
    pub fn new_starter_app(mut self) -> Self {
        self.app = AppProfile::new_starter();
        self
    }
    /// The clock (default the system's; tests pass a `ManualClock`, or the
    /// client's `VirtualTime`, so that both read one time).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }
    /// Redirect at once from the authorize page, without the consent button.
    pub fn auto_consent(mut self, on: bool) -> Self {
        self.auto_consent = on;
        self
    }
    /// The registered client id (default derived from the seed).
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }
    /// How long access tokens live (default 30 minutes).
    pub fn access_token_lifetime(mut self, d: std::time::Duration) -> Self {
        self.access_token_ms = i64::try_from(d.as_millis()).unwrap_or(ACCESS_TOKEN_MS);
        self
    }
    /// Registers an exact (e.g. https) redirect URI.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uris.push(uri.into());
        self
    }
    /// The loopback port (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    /// Adds a tenant holding the example records of the spec in this folder
    /// (`xero_accounting.yaml`), served back as they are.
    pub fn spec_examples(mut self, spec_dir: impl Into<PathBuf>) -> Self {
        self.spec_examples = Some(spec_dir.into());
        self
    }

    /// Issues codes and tokens with known values (`<prefix>-code-1`,
    /// `<prefix>-access-1`, `<prefix>-refresh-1`, then 2, 3, ...) instead of
    /// random ones, so that a test can search for them. Access tokens are then
    /// plain strings, not JWT-shaped.
    pub fn secret_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.secret_prefix = Some(prefix.into());
        self
    }

    /// How many organisations the books hold (default: the three profiles).
    /// More are generated from the next seeds: each its own books and ids.
    pub fn organisations(mut self, n: usize) -> Self {
        self.organisations = Some(n);
        self
    }

    /// The living demo's books ([`generate::Profile::LivingDemo`]): the 24
    /// months up to `today`, the organisation's calendar day. Only the demo
    /// company uses it; without it the books are the fixed ones tests compare
    /// with. Hand in a clock that reads `today` too ([`Self::clock`]).
    pub fn living_demo(mut self, today: chrono::NaiveDate) -> Self {
        self.profile = generate::Profile::LivingDemo { today };
        self
    }

    /// Generates the books, binds 127.0.0.1 and starts serving.
    pub async fn start(self) -> Result<RunningSimulator, SimError> {
        let mut truth = generate::generate_profile(self.seed, self.size, self.profile);
        if let Some(n) = self.organisations {
            let mut next = self.seed;
            while truth.tenants.len() < n {
                next = next.wrapping_add(1);
                truth
                    .tenants
                    .extend(generate::generate_profile(next, self.size, self.profile).tenants);
            }
            truth.tenants.truncate(n);
        }
        for books in &mut truth.tenants {
            crate::attachments::attach_to_other_kinds(books);
        }
        if let Some(dir) = &self.spec_examples {
            let path = dir.join("xero_accounting.yaml");
            let books =
                examples::load(&path).map_err(|message| SimError::Spec { path, message })?;
            truth.tenants.push(books);
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ 0x5EED_0A07);
        let client_id = self.client_id.unwrap_or_else(|| {
            let id = generate::uuid_from(&mut rng);
            id.replace('-', "").to_ascii_uppercase()
        });
        let shared = Arc::new(Shared {
            clock: self.clock,
            config: Config {
                client_id: client_id.clone(),
                auto_consent: self.auto_consent,
                access_token_ms: self.access_token_ms,
                redirect_uris: self.redirect_uris,
                provider_name: "Ledgerkeep".to_owned(),
                secret_prefix: self.secret_prefix,
                app: self.app,
            },
            rng: Mutex::new(rng),
            books: RwLock::new(truth),
            auth: Mutex::new(AuthState::default()),
            token_counters: TokenCounters::default(),
            token_gate: Mutex::new(None),
            limiter: RateLimiter::new(self.limits.unwrap_or(self.app.tier.limits())),
            faults: Mutex::new(Faults::default()),
            idempotency: Mutex::new(HashMap::new()),
            writes_received: Mutex::new(HashMap::new()),
            consent_choice: Mutex::new(None),
            cut_off: AtomicBool::new(false),
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .map_err(|source| SimError::Bind {
                port: self.port,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            port: self.port,
            source,
        })?;
        let app = router(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("the Xero simulator stopped: {e}");
            }
        });
        Ok(RunningSimulator {
            addr,
            base_url: format!("http://{addr}"),
            client_id,
            shared,
            task,
        })
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/identity/connect/authorize", get(oauth::authorize))
        .route("/identity/connect/authorize/consent", post(oauth::consent))
        .route("/connect/token", post(oauth::token))
        .route("/connect/revocation", post(oauth::revoke))
        .route("/connections", get(oauth::connections))
        .route("/Connections", get(oauth::connections))
        .route("/connections/{id}", delete(oauth::delete_connection))
        .route("/Connections/{id}", delete(oauth::delete_connection))
        .route("/api.xro/2.0/{*rest}", any(api::dispatch))
        // Xero's endpoint names are not case-sensitive: `/API.XRO/2.0/INVOICES`,
        // `/CONNECTIONS` and the like end here.
        .fallback(any_case)
        // Xero takes requests up to 3.5 MB; larger ones get 413.
        .layer(axum::extract::DefaultBodyLimit::max(api::MAX_REQUEST_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            unless_cut_off,
        ))
        .with_state(shared)
}

/// Once the simulator is cut off ([`NetworkCut`]), a request on a connection
/// opened before the cut is never answered, as over a pulled cable.
async fn unless_cut_off(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    if shared.cut_off.load(Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
    next.run(request).await
}

/// Cuts a running simulator off the network, for good: it stops listening (a
/// new connection is refused) and answers nothing on a connection already open.
/// What a client shows afterwards came from what it kept, not from the server.
#[derive(Debug, Clone)]
pub struct NetworkCut {
    shared: Arc<Shared>,
    listener: AbortHandle,
}

impl NetworkCut {
    /// Cuts the network (again: no effect).
    pub fn cut(&self) {
        self.shared.cut_off.store(true, Ordering::SeqCst);
        self.listener.abort();
    }

    /// Whether [`NetworkCut::cut`] has been called.
    pub fn is_cut(&self) -> bool {
        self.shared.cut_off.load(Ordering::SeqCst)
    }
}

/// The paths above in another letter case; anything else is a 404.
async fn any_case(
    state: State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_ascii_lowercase();
    if api::api_segments(&path).is_some() {
        return api::dispatch(state, method, uri, headers, body).await;
    }
    let rest = path.trim_end_matches('/');
    if rest == "/connections" && method == Method::GET {
        let q = Query::try_from_uri(&uri).unwrap_or(Query(oauth::ConnectionsQuery::default()));
        return oauth::connections(state, q, headers).await;
    }
    if let Some(id) = rest.strip_prefix("/connections/") {
        if method == Method::DELETE && !id.contains('/') {
            // The id as sent (ids compare in any case anyway).
            let id = uri.path().trim_end_matches('/')["/connections/".len()..].to_owned();
            return oauth::delete_connection(state, Path(id), headers).await;
        }
    }
    StatusCode::NOT_FOUND.into_response()
}

/// A running simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningSimulator {
    addr: SocketAddr,
    base_url: String,
    client_id: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

/// One organisation the simulator holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantInfo {
    pub tenant_id: String,
    pub name: String,
    pub base_currency: String,
    pub timezone: String,
}

impl RunningSimulator {
    /// A builder with the defaults: seed 0, small, Xero's limits, system clock.
    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder::default()
    }

    /// `http://127.0.0.1:<port>`: the base of every endpoint (identity, token, API).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The socket address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The registered client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The simulated Xero app: creation day, tier, scope checks.
    pub fn app(&self) -> AppProfile {
        self.shared.config.app
    }

    /// The organisations the simulated user ticks on the consent page from
    /// now on (by tenant id; `None`: every organisation in the books, the
    /// default). Consent is refused when they would take the app past its
    /// tier's connections.
    pub fn consent_organisations(&self, tenant_ids: Option<Vec<String>>) {
        *self.shared.consent_choice.lock() = tenant_ids;
    }

    /// The organisations, in order.
    pub fn tenants(&self) -> Vec<TenantInfo> {
        self.shared
            .books
            .read()
            .tenants
            .iter()
            .map(|t| TenantInfo {
                tenant_id: t.tenant_id.clone(),
                name: t.name.clone(),
                base_currency: t.base_currency.clone(),
                timezone: t.timezone.clone(),
            })
            .collect()
    }

    /// A copy of the full record set (for Large, prefer [`Self::with_truth`]).
    pub fn truth(&self) -> Truth {
        self.shared.books.read().clone()
    }

    /// Reads the full record set without copying it.
    pub fn with_truth<R>(&self, f: impl FnOnce(&Truth) -> R) -> R {
        f(&self.shared.books.read())
    }

    /// Changes the record set in place: tests plant the cases they look for
    /// (a record edited this way is served as Xero would serve it; move its
    /// `UpdatedDateUTC` for an incremental sync to see it).
    pub fn edit_books<R>(&self, f: impl FnOnce(&mut Truth) -> R) -> R {
        f(&mut self.shared.books.write())
    }

    /// The rate limiter (change limits, read calls in flight).
    pub fn limiter(&self) -> &RateLimiter {
        &self.shared.limiter
    }

    /// Adds a fault rule.
    pub fn inject(&self, rule: FaultRule) {
        self.shared.faults.lock().add(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.faults.lock().clear();
    }

    /// A switch that cuts this simulator off the network, which the holder
    /// can use while someone else owns the simulator.
    pub fn network_cut(&self) -> NetworkCut {
        NetworkCut {
            shared: Arc::clone(&self.shared),
            listener: self.task.abort_handle(),
        }
    }

    /// How many write requests (`PUT`, `POST`) to this collection path (any
    /// case, e.g. `"Payments"`) have arrived so far, whatever their answer:
    /// faults, refusals and replays of an `Idempotency-Key` included.
    pub fn writes_received(&self, path: &str) -> usize {
        self.shared
            .writes_received
            .lock()
            .get(&path.to_ascii_lowercase())
            .copied()
            .unwrap_or(0)
    }

    /// Every secret the simulator has issued or been sent so far: codes,
    /// access and refresh tokens, PKCE verifiers and OAuth states, oldest first.
    pub fn secrets_seen(&self) -> Vec<String> {
        self.shared.auth.lock().secrets_seen().to_vec()
    }

    /// What the token endpoint has answered so far: sign-ins, refreshes and
    /// `invalid_grant`s.
    pub fn token_counts(&self) -> TokenCounts {
        self.shared.token_counters.snapshot()
    }

    /// Holds every request to the token endpoint until `gate` opens (`None`:
    /// no longer held): two refreshes meant to race meet there.
    pub fn hold_token_requests(&self, gate: Option<Gate>) {
        *self.shared.token_gate.lock() = gate;
    }

    /// The refresh token each live grant answers to now: the newest set's.
    pub fn current_refresh_tokens(&self) -> Vec<String> {
        self.shared.auth.lock().current_refresh_tokens()
    }

    /// Expires every access token now.
    pub fn expire_access_tokens(&self) {
        let now = self.shared.clock.now_ms();
        self.shared.auth.lock().expire_access_tokens(now);
    }

    /// Revokes every refresh token (and the access tokens of their grants).
    pub fn revoke_refresh_tokens(&self) {
        self.shared.auth.lock().revoke_all();
    }

    /// Disconnects a tenant from every grant, as if done in Xero.
    pub fn disconnect_tenant(&self, tenant_id: &str) {
        self.shared.auth.lock().disconnect_tenant(tenant_id);
    }

    /// Applies `count` seeded changes (new, edited, voided, deleted, archived
    /// records, and changes that do not move `UpdatedDateUTC`), stamped with the
    /// clock's now. Returns what changed.
    pub fn mutate(&self, count: usize) -> Vec<Mutation> {
        let now = self.shared.clock.now_ms();
        let mut books = self.shared.books.write();
        let mut rng = self.shared.rng.lock();
        mutate::apply(&mut books, &mut rng, now, count)
    }

    /// Plants known irregularities into one organisation's books (see
    /// [`crate::plant`]), stamped with the clock's now. `None` for an unknown tenant.
    pub fn plant<R>(
        &self,
        tenant_id: &str,
        f: impl FnOnce(&mut crate::plant::Planter<'_>) -> R,
    ) -> Option<R> {
        let now = self.shared.clock.now_ms();
        let mut books = self.shared.books.write();
        let mut rng = self.shared.rng.lock();
        let b = books.tenant_named_mut(tenant_id)?;
        Some(f(&mut crate::plant::Planter {
            books: b,
            rng: &mut rng,
            now,
        }))
    }

    /// Applies `count` seeded changes every `every` (real time), until the
    /// returned ticker is dropped: books that change while the app syncs.
    pub fn mutate_every(&self, every: std::time::Duration, count: usize) -> MutationTicker {
        let shared = Arc::clone(&self.shared);
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            tick.tick().await;
            loop {
                tick.tick().await;
                let now = shared.clock.now_ms();
                let mut books = shared.books.write();
                let mut rng = shared.rng.lock();
                mutate::apply(&mut books, &mut rng, now, count);
            }
        });
        MutationTicker { task }
    }

    /// Stops serving and waits for the server to end.
    pub async fn stop(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Keeps mutating the books while held; stops when dropped.
#[derive(Debug)]
pub struct MutationTicker {
    task: JoinHandle<()>,
}

impl Drop for MutationTicker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where the Xero spec lives: `$LEDGERKEEP_XERO_SPEC_DIR`, else `shared/xero-openapi`
/// beside the repository.
pub fn default_spec_dir() -> PathBuf {
    match std::env::var_os("LEDGERKEEP_XERO_SPEC_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/xero-openapi"),
    }
}
