//! One module per operation (or per family of small operations): requests,
//! responses and functions.

pub mod app_info;
pub mod demo;
pub mod diagnostics;
pub mod health;
pub mod ledger;
pub mod maintenance;
pub mod organisations;
pub mod preferences;
pub mod support_bundle;
pub mod sync;
pub mod updates;
pub mod xero_app;
pub mod xero_connection;
