//! The Xero simulator: a real HTTP server on loopback that stands in for Xero in
//! tests, benchmarks and the app's demo company.
//!
//! One server answers every base the client uses: the authorize page
//! (`/identity/connect/authorize`), the token and revocation endpoints
//! (`/connect/token`, `/connect/revocation`), the tenants (`/connections`) and the
//! Accounting API (`/api.xro/2.0/...`). It is faithful to Xero's OpenAPI specs and
//! to `shared/xero-facts.md`: where they and the simulator disagree, the
//! simulator is wrong.
//!
//! Boundary: depends on no crate of ours but `ledgerkeep-domain` and
//! `ledgerkeep-obs` (for the one [`Clock`] the app and the simulator share),
//! and shares no parsing code with the client, so that it tests it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ledgerkeep_sim::SimError> {
//! use ledgerkeep_sim::{Collection, Fault, FaultRule, Limits, RunningSimulator, Size};
//! let clock = ledgerkeep_sim::clock::manual_clock();
//! let sim = RunningSimulator::builder()
//!     .seed(42)
//!     .size(Size::Small)
//!     .limits(Limits::STARTER)
//!     .clock(clock.clone())
//!     .auto_consent(true)
//!     .start()
//!     .await?;
//! // Point the client's three bases at sim.base_url(), with sim.client_id().
//! let tenant = &sim.tenants()[0].tenant_id;
//! let invoices = sim.truth().records(tenant, Collection::Invoices);
//! sim.inject(FaultRule::next(Fault::Status(503), 1).on("Invoices"));
//! clock.advance(std::time::Duration::from_secs(61)); // a new minute window
//! let changes = sim.mutate(10); // for incremental sync
//! # let _ = (invoices, changes);
//! sim.stop().await;
//! # Ok(()) }
//! ```
//!
//! The simulated Xero app is as old, and on the tier, the builder says
//! ([`AppProfile`]): by default an app created before 2 March 2026 on the
//! Advanced tier, which checks no scopes (as the simulator always did);
//! `.new_starter_app()` gives the app an owner makes in 2026: granular scopes
//! only (broad ones refused at authorize, each endpoint's scope checked),
//! five organisations, 1,000 calls a day, and Journals refused with 401
//! `AuthorizationUnsuccessful`. Endpoint names are not case-sensitive, and
//! `/Organisations` answers as `/Organisation`.
//!
//! Time and randomness are passed in: the [`Clock`] (a [`ManualClock`] in tests)
//! drives rate-limit windows, token expiry and `UpdatedDateUTC` of changes; the
//! seed drives the books and every token.

mod api;
pub mod app;
pub mod attachments;
pub mod books;
pub mod budgets;
pub mod clock;
pub mod examples;
pub mod faults;
pub mod generate;
pub mod history;
pub mod limits;
pub mod mutate;
mod oauth;
pub mod plant;
pub mod query;
pub mod reports;
mod server;
pub mod tax_returns;
pub mod wire;
mod write;

pub use app::{AppProfile, Tier};
pub use books::{Collection, Paging, Record, Table, TenantBooks, Truth};
pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use faults::{Fault, FaultRule, Gate};
pub use generate::Size;
pub use limits::{Limits, Problem, RateLimiter};
pub use mutate::{Mutation, MutationKind};
pub use oauth::{TokenCounts, ACCESS_TOKEN_MS, REFRESH_GRACE_MS, REFRESH_UNUSED_MS};
pub use plant::Planter;
pub use server::{
    default_spec_dir, MutationTicker, NetworkCut, RunningSimulator, SimError, SimulatorBuilder,
    TenantInfo,
};
