//! Ledgerkeep's domain: money, ids, dates and the ledger's rules.
//!
//! This crate does no I/O and knows nothing of SQLite, HTTP or Tauri. Every
//! other crate may depend on it; it depends on none of them.

pub mod actor;
pub mod canonical;
pub mod close;
pub mod dates;
pub mod money;
pub mod payment;
pub mod report_needs;
pub mod reports;
pub mod timezone;
pub mod xero;
pub mod xero_report;

pub use actor::Actor;
pub use canonical::{canonical_json, write_canonical, write_json_string};
pub use dates::{format_instant, parse_ms_date, DateError, MsDate, XeroDate, XeroDateTime};
pub use money::{Money, MoneyError};
pub use xero::{EntityError, EntityKind, XeroEntity, XeroRecord};
