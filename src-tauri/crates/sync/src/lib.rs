//! The sync engine and scheduler: pages from the Xero client into the ledger
//! store, one page per transaction, within Xero's rate limits.
//!
//! Boundary: composes `ledgerkeep-xero` and `ledgerkeep-store`; may depend on
//! `ledgerkeep-domain` and `ledgerkeep-obs`. It never depends on
//! `ledgerkeep-api` or on Tauri.

pub mod attachments;
pub mod budgets;
pub mod cancel;
pub mod engine;
pub mod first_sync;
pub mod general_ledger;
pub mod network;
pub mod not_visible;
pub mod outbox;
pub mod progress;
pub mod reports;
pub mod streams;
pub mod tax_returns;

pub use cancel::CancelToken;
pub use engine::{
    first_sync_state, no_progress, refused_streams, ProgressSink, RefusedStream, SyncEngine,
    SyncRequest,
};
pub use first_sync::{FirstSync, FirstSyncEstimate};
pub use network::NetworkWatcher;
pub use outbox::{OutboxReport, MAX_BATCH};
pub use progress::{
    RefusalReason, StopReason, StreamReport, StreamStatus, SyncProgress, SyncReport,
};
pub use streams::{stream_named, stream_of, Paging, Stream, STREAMS};
pub mod notify;
pub mod scheduler;

pub use notify::{notice_for, DesktopNotifier, Notice, Notifier, Silent};
pub use scheduler::{
    SchedulerConfig, SchedulerError, SyncEvent, SyncScheduler, DEFAULT_REPORTS_EVERY,
};
