//! The application context: everything an operation needs, built once at start.

use std::sync::Arc;

use ledgerkeep_obs::logging::LogControl;
use ledgerkeep_obs::{Metrics, SharedClock, SystemClock};
use ledgerkeep_store::audit::{AuditAnchor, ChainAnchor, KeyringAnchor};
use ledgerkeep_store::LedgerStore;
use ledgerkeep_xero::{
    KeyringTokenStore, LoopbackListener, Timekeeping, TokenStore, TokioSleeper, Xero,
    XeroEndpoints, XeroOptions,
};
use parking_lot::Mutex;
use std::collections::HashMap;

use crate::{ApiError, AppPaths, ErrorCode};

/// What a front decides before the context is built: where files go, what
/// time it is, and where Xero is. Tests hand in their own.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub paths: AppPaths,
    pub clock: SharedClock,
    pub endpoints: XeroEndpoints,
    /// The OAuth scopes asked for (a setting; the default list otherwise).
    pub scopes: Vec<String>,
    /// Changes the running log level; inert when the front installed no logger.
    pub log_control: LogControl,
    /// True when the Xero endpoints are the built-in demo company's simulator.
    pub demo: bool,
    /// The demo company's day, while it stands in: its books end that day, and
    /// the organisations of an earlier day's demo are not listed.
    pub demo_day: Option<chrono::NaiveDate>,
}

impl AppConfig {
    /// Now, from the configured clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The real clock, and the Xero app from the environment, else the saved
    /// settings (`ops::xero_app`), else Xero's defaults.
    pub fn new(paths: AppPaths) -> Self {
        let saved = crate::ops::xero_app::load_settings(&paths);
        AppConfig {
            endpoints: crate::ops::xero_app::endpoints(&saved, |name| std::env::var(name).ok()),
            scopes: crate::ops::xero_app::scopes(&saved),
            paths,
            clock: clock_from_env(|name| std::env::var(name).ok())
                .unwrap_or_else(SystemClock::shared),
            log_control: LogControl::inert(),
            demo: false,
            demo_day: None,
        }
    }
}

/// The environment variable that starts the app "on a given day":
/// `LEDGERKEEP_CLOCK_START=2027-03-15` (midnight UTC of that day) or an RFC
/// 3339 instant (`2027-03-15T09:30:00+13:00`). The clock reads that instant
/// when the app starts and runs on from there; the demo company's books end
/// on that day too. Debug builds only: a release build reads the system's
/// clock.
pub const CLOCK_START_ENV: &str = "LEDGERKEEP_CLOCK_START";

/// The clock [`CLOCK_START_ENV`] asks for (read through `var`), if any.
#[cfg(debug_assertions)]
pub fn clock_from_env(var: impl Fn(&str) -> Option<String>) -> Option<SharedClock> {
    let text = var(CLOCK_START_ENV)?;
    let text = text.trim();
    let start = chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()?
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc())
        });
    let Some(start) = start else {
        tracing::warn!("{CLOCK_START_ENV} is neither a day nor an instant: the system's clock");
        return None;
    };
    Some(ledgerkeep_obs::ShiftedClock::starting_at(start) as SharedClock)
}

/// A release build reads the system's clock.
#[cfg(not(debug_assertions))]
pub fn clock_from_env(_var: impl Fn(&str) -> Option<String>) -> Option<SharedClock> {
    None
}

/// Built once, before any front starts, and shared by reference. It holds no
/// `Option`s to be filled in later: if it exists, it is ready.
#[derive(Debug, Clone)]
pub struct AppContext {
    config: AppConfig,
    store: LedgerStore,
    metrics: Arc<Metrics>,
    xero: Arc<Xero>,
    /// The audit chain's head, kept outside the ledger file.
    audit_anchor: Arc<ChainAnchor>,
    /// Loopback listeners of started sign-ins, by state, until they are awaited.
    listeners: Arc<Mutex<HashMap<String, LoopbackListener>>>,
}

/// How the Xero side is built: the token store (the OS keyring in the app),
/// the way to wait, and the options. Tests hand in their own.
#[derive(Debug, Clone)]
pub struct XeroSetup {
    pub store: Arc<dyn TokenStore>,
    pub time: Option<Timekeeping>,
    pub options: XeroOptions,
    /// Where the audit chain's head is kept outside the ledger: the OS
    /// keyring, beside the tokens (tests hand in memory).
    pub audit_anchor: Arc<dyn AuditAnchor>,
}

impl XeroSetup {
    /// The OS keyring, under `service` (the app's is `Ledgerkeep`; a test or a
    /// second profile may use another).
    pub fn keyring_service(service: &str) -> Self {
        XeroSetup {
            store: Arc::new(KeyringTokenStore::new(service)),
            audit_anchor: Arc::new(KeyringAnchor::new(service)),
            ..XeroSetup::default()
        }
    }
}

impl Default for XeroSetup {
    fn default() -> Self {
        XeroSetup {
            store: Arc::new(KeyringTokenStore::default()),
            time: None,
            options: XeroOptions::default(),
            audit_anchor: Arc::new(KeyringAnchor::default()),
        }
    }
}

impl AppContext {
    /// Creates the app's folders and opens the ledger; Xero's tokens live in the OS keyring.
    pub async fn open(config: AppConfig) -> Result<Self, ApiError> {
        Self::open_with(config, XeroSetup::default()).await
    }

    /// [`open`](Self::open), with the Xero side built from `xero`.
    pub async fn open_with(config: AppConfig, xero: XeroSetup) -> Result<Self, ApiError> {
        let paths = &config.paths;
        paths.create_all().map_err(|err| {
            ApiError::new(
                ErrorCode::Storage,
                format!(
                    "Could not create the data folder {}: {err}",
                    paths.data_dir.display()
                ),
            )
        })?;
        let metrics = Arc::new(Metrics::new(config.clock.clone(), Some(&paths.metrics_dir)));
        let store = LedgerStore::open(&paths.ledger_file())
            .await?
            .with_metrics(Arc::clone(&metrics));
        // SQLite makes the ledger with the umask's mode (and its -wal and -shm
        // with the ledger's): the books are the owner's alone.
        if let Err(err) = paths.restrict_ledger_files() {
            tracing::warn!(%err, "the ledger's files could not be made owner-only");
        }
        // The chain's head as found at start: anchored when this ledger has no
        // anchor yet, moved on when the chain extends it, and otherwise left as
        // evidence for `audit verify` (never an error here).
        let audit_anchor = Arc::new(ChainAnchor::new(
            Arc::clone(&xero.audit_anchor),
            &paths.ledger_file(),
        ));
        store.anchor_audit_head(&audit_anchor).await;
        // From here on, every commit that extends the chain moves the anchor.
        let store = store.with_audit_anchor(Arc::clone(&audit_anchor));
        if let Some(level) = crate::ops::preferences::stored_log_level(&store).await {
            if let Err(err) = config.log_control.set_level(level) {
                tracing::warn!(%err, "could not apply the saved log level");
            }
        }
        let time = xero.time.unwrap_or_else(|| Timekeeping {
            clock: config.clock.clone(),
            sleeper: Arc::new(TokioSleeper),
        });
        let mut options = xero.options;
        if options.scopes == XeroOptions::default().scopes {
            // The saved scopes, unless the front handed in its own.
            options.scopes = config.scopes.clone();
        }
        let xero = Xero::new(
            config.endpoints.clone(),
            xero.store,
            time,
            Some(Arc::clone(&metrics)),
            options,
        )
        .map_err(|e| ApiError::internal(format!("The Xero client could not start: {e}")))?;
        // One refresh at a time across the app and the command line.
        xero.tokens()
            .set_token_lock(ledgerkeep_xero::tokens::TokenLock::new(
                paths.data_dir.join("tokens.lock"),
            ));
        // Abandoned sign-ins are dropped after ten minutes even if no other starts.
        drop(xero.spawn_sweeper());
        Ok(AppContext {
            config,
            store,
            metrics,
            xero: Arc::new(xero),
            audit_anchor,
            listeners: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    pub fn paths(&self) -> &AppPaths {
        &self.config.paths
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    pub fn store(&self) -> &LedgerStore {
        &self.store
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Sign-in, tokens and the Xero client (the sync engine uses `xero().client()`).
    pub fn xero(&self) -> &Arc<Xero> {
        &self.xero
    }

    /// The audit chain's head kept outside the ledger (see `verify_audit`).
    pub fn audit_anchor(&self) -> &Arc<ChainAnchor> {
        &self.audit_anchor
    }

    pub(crate) fn listeners(&self) -> &Mutex<HashMap<String, LoopbackListener>> {
        &self.listeners
    }

    /// Saves today's metrics and closes the ledger cleanly.
    pub async fn close(self) {
        if let Err(err) = self.metrics.persist() {
            tracing::warn!(%err, "could not save today's metrics");
        }
        self.store.close().await;
    }
}
