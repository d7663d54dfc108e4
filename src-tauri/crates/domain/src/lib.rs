//! Ledgerkeep's domain: money, ids, dates and the ledger's rules.
//!
//! This crate does no I/O and knows nothing of SQLite, HTTP or Tauri. Every
//! other crate may depend on it; it depends on none of them.

pub mod money;

pub use money::{Money, MoneyError};
