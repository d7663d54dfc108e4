//! The Xero client: OAuth 2.0 + PKCE, the token store behind the OS keyring,
//! and a rate-aware HTTP client for the Accounting API.
//!
//! - [`oauth`]: the authorize URL, the pending-state store and THE callback
//!   handler ([`SignIn::complete`]) that the loopback listener ([`callback`]) and
//!   the `ledgerkeep://oauth/callback` deep link both call;
//! - [`tokens`]: token sets in the OS keyring, one refresh in flight per connection;
//! - [`limiter`]: Xero's limits kept on our side; [`client`]: the HTTP client;
//! - [`tax_return`]: Xero's published GST/BAS returns, typed;
//! - [`time`]: the clock and the way to wait, passed in ([`VirtualTime`] in tests).
//!
//! Boundary: knows HTTP and Xero's JSON shapes; may depend on `ledgerkeep-domain`
//! and `ledgerkeep-obs` only. It never touches SQLite: what it fetches is handed
//! to the sync engine.

pub mod callback;
pub mod client;
pub mod endpoints;
pub mod error;
pub mod history;
pub mod limiter;
pub mod oauth;
pub mod service;
pub mod tax_return;
pub mod time;
pub mod tokens;

pub use callback::LoopbackListener;
pub use client::{ApiRequest, ClientSettings, XeroClient, XeroResponse};
pub use endpoints::XeroEndpoints;
pub use error::{Cause, XeroError};
pub use history::{HistoryRecord, HISTORY_ENDPOINTS};
pub use limiter::{LimitProblem, Priority, RateLimiter, RateLimits};
pub use oauth::{
    missing_scopes, scope_endpoints, scope_granted, AuthorizeRequest, RedirectTarget, ScopeChoice,
    SignIn, TokenSet, DEFAULT_SCOPES, LEGACY_SCOPES,
};
pub use service::{Disconnected, GrantedScopes, Xero, XeroOptions};
pub use time::{Sleeper, Timekeeping, TokioSleeper, VirtualTime};
pub use tokens::{
    Connection, ConnectionStatus, KeyringTokenStore, MemoryTokenStore, Organisation,
    StoredConnection, TokenManager, TokenStore, KEYRING_SERVICE,
};
