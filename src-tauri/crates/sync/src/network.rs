//! Notices when the network comes back, so that every organisation syncs then
//! rather than at its next tick. It probes the API's host with a TCP connect
//! (no request, so nothing counts against Xero's limits) and calls
//! [`SyncScheduler::network_back`] when a probe succeeds after one failed.

use std::time::Duration;

use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use crate::SyncScheduler;

/// How long one probe may take before it counts as "no network".
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The running watcher. Dropping it stops the probes.
#[derive(Debug)]
pub struct NetworkWatcher {
    task: JoinHandle<()>,
}

impl Drop for NetworkWatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Whether a TCP connection to `target` (`host:port`) opens.
pub async fn reachable(target: &str) -> bool {
    matches!(
        tokio::time::timeout(PROBE_TIMEOUT, TcpStream::connect(target)).await,
        Ok(Ok(_))
    )
}

impl NetworkWatcher {
    /// Probes `target` every `every`. The first probe only sets the state: the
    /// launch sync covers a network that is there from the start.
    pub fn start(scheduler: SyncScheduler, target: String, every: Duration) -> Self {
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let mut was_up: Option<bool> = None;
            loop {
                ticks.tick().await;
                let up = reachable(&target).await;
                match (was_up, up) {
                    (Some(false), true) => {
                        tracing::info!("the network is back: syncing every organisation");
                        scheduler.network_back();
                    }
                    (Some(true) | None, false) => {
                        tracing::info!("the network is gone: syncs wait for it");
                    }
                    _ => {}
                }
                was_up = Some(up);
            }
        });
        NetworkWatcher { task }
    }
}
