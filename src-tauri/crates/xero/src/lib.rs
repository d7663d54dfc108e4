//! The Xero client: OAuth 2.0 + PKCE, the token store behind the OS keyring,
//! and a rate-aware HTTP client for the Accounting API.
//!
//! Boundary: knows HTTP and Xero's JSON shapes; may depend on `ledgerkeep-domain`
//! and `ledgerkeep-obs` only. It never touches SQLite: what it fetches is handed
//! to the sync engine.

pub mod endpoints;

pub use endpoints::XeroEndpoints;
