//! One module per operation: its request, its response and its function.

pub mod app_info;
