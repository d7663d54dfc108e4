//! The operations every front calls: the Tauri shell, the headless CLI and the
//! tests. Each is `async fn op(ctx, request) -> Result<Response, ApiError>`,
//! in its own module under [`ops`], with its request and response types beside it.
//!
//! Boundary: may depend on every core crate (domain, store, xero, sync); none
//! of them depends on it, and it never depends on Tauri.

pub mod context;
pub mod error;
pub mod links;
pub mod ops;
pub mod paths;

pub use context::AppContext;
pub use error::{ApiError, ErrorCode};
pub use links::{parse_link, Link, Screen};
pub use ops::app_info::{app_info, AppInfo};
pub use paths::AppPaths;
