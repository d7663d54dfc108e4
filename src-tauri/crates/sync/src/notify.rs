//! Desktop notifications when a sync ends with changes or a failure, and when
//! the owner must connect to Xero again. A missing notification daemon never
//! blocks or fails a sync: the call runs off the sync's task, with a deadline,
//! and its error is only logged.

use std::fmt::Debug;
use std::time::Duration;

use crate::progress::{StopReason, SyncReport};

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub summary: String,
    pub body: String,
}

/// Where notices go. Must return at once.
pub trait Notifier: Send + Sync + Debug {
    fn notify(&self, notice: Notice);
}

/// No notifications (tests, headless runs).
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Notifier for Silent {
    fn notify(&self, _notice: Notice) {}
}

/// The desktop's notification daemon, through D-Bus (notify-rust).
#[derive(Debug, Clone)]
pub struct DesktopNotifier {
    pub app_name: String,
    /// Longest wait for the daemon.
    pub timeout: Duration,
}

impl Default for DesktopNotifier {
    fn default() -> Self {
        DesktopNotifier {
            app_name: "Ledgerkeep".to_owned(),
            timeout: Duration::from_secs(5),
        }
    }
}

impl DesktopNotifier {
    /// Sends `notice` and waits for the daemon's answer (or the timeout).
    pub async fn send(&self, notice: Notice) -> Result<(), String> {
        let app = self.app_name.clone();
        let task = tokio::task::spawn_blocking(move || {
            notify_rust::Notification::new()
                .appname(&app)
                .summary(&notice.summary)
                .body(&notice.body)
                .show()
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
        match tokio::time::timeout(self.timeout, task).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("the notification daemon did not answer in time".to_owned()),
        }
    }
}

impl Notifier for DesktopNotifier {
    fn notify(&self, notice: Notice) {
        let this = self.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    if let Err(e) = this.send(notice).await {
                        tracing::info!(error = %e, "no desktop notification shown");
                    }
                });
            }
            Err(_) => tracing::info!("no runtime: desktop notification skipped"),
        }
    }
}

/// The notice a finished run deserves, if any: changes, a failure, or a
/// request to connect again. A cancelled or quiet run says nothing.
pub fn notice_for(report: &SyncReport, tenant_name: &str) -> Option<Notice> {
    match report.stopped {
        Some(StopReason::Cancelled) => None,
        Some(StopReason::NeedsReauthorisation) => Some(Notice {
            summary: "Connect to Xero again".to_owned(),
            body: format!(
                "Xero no longer accepts Ledgerkeep's sign-in for {tenant_name}. Open Ledgerkeep and connect again to resume syncing."
            ),
        }),
        Some(_) => Some(Notice {
            summary: "Sync stopped".to_owned(),
            body: format!(
                "{tenant_name}: {}",
                report.error.as_deref().unwrap_or("the sync did not finish")
            ),
        }),
        None if report.records_changed > 0 => Some(Notice {
            summary: "Sync finished".to_owned(),
            body: format!(
                "{tenant_name}: {} record{} changed.{}",
                report.records_changed,
                if report.records_changed == 1 { "" } else { "s" },
                match report.new_findings {
                    Some(1) => " 1 new thing to check on the dashboard.".to_owned(),
                    Some(n) if n > 1 => format!(" {n} new things to check on the dashboard."),
                    _ => String::new(),
                }
            ),
        }),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(changed: u64, new_findings: Option<u64>) -> SyncReport {
        SyncReport {
            run_id: "r".into(),
            tenant: "t".into(),
            streams: Vec::new(),
            calls: 1,
            pages: 1,
            records_seen: changed,
            records_changed: changed,
            stopped: None,
            error: None,
            new_findings,
            xero_reports: 0,
            first_sync: None,
        }
    }

    #[test]
    fn a_finished_sync_names_the_new_things_to_check() {
        let n = notice_for(&report(3, Some(2)), "Kōwhai").unwrap();
        assert_eq!(
            n.body,
            "Kōwhai: 3 records changed. 2 new things to check on the dashboard."
        );
        let n = notice_for(&report(1, Some(0)), "Kōwhai").unwrap();
        assert_eq!(n.body, "Kōwhai: 1 record changed.");
        assert!(notice_for(&report(0, Some(0)), "Kōwhai").is_none());
    }
}
