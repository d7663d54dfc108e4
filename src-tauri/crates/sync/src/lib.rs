//! The sync engine and scheduler: pages from the Xero client into the ledger
//! store, one page per transaction, within Xero's rate limits.
//!
//! Boundary: composes `ledgerkeep-xero` and `ledgerkeep-store`; may depend on
//! `ledgerkeep-domain`. It never depends on `ledgerkeep-api` or on Tauri.
//! Filled in by issue #6.
