//! Ledgerkeep's observability: what the app tells its owner (and its support)
//! about itself, without ever telling a secret.
//!
//! - [`clock`]: the time source every other crate takes, so tests control time;
//! - [`redact`]: secret types that cannot be printed, and the scrubber that every
//!   log line and crash report passes through;
//! - [`logging`]: daily-rolling JSON log files, pruned after N days;
//! - [`metrics`]: in-process counters and latency histograms, with daily summaries;
//! - [`crash`]: a panic hook that writes a redacted local crash report;
//! - [`private_files`]: the app's folders and files, owner-only.
//!
//! Boundary: the bottom layer beside `ledgerkeep-domain`. It depends on none of
//! our crates, so that every crate can log and count through it.

pub mod clock;
pub mod crash;
pub mod logging;
pub mod metrics;
pub mod private_files;
pub mod redact;

pub use clock::{Clock, ManualClock, SharedClock, ShiftedClock, SystemClock};
pub use metrics::{Metrics, MetricsSnapshot};
pub use redact::{scrub, SecretString};
