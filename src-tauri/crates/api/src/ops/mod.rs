//! One module per operation (or per family of small operations): requests,
//! responses and functions.

pub mod app_info;
pub mod ledger;
pub mod maintenance;
