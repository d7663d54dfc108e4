//! One module per operation: its request, its response and its function.

pub mod app_info;
pub mod diagnostics;
pub mod health;
pub mod support_bundle;
pub mod xero_connection;
