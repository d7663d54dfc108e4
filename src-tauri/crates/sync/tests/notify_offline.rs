//! Without a notification daemon (no session bus at all), a sync still
//! succeeds, and the notifier gives up fast instead of blocking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use ledgerkeep_sim::{Limits, Size};
use ledgerkeep_sync::{DesktopNotifier, Notice, SchedulerConfig, SyncScheduler};

#[tokio::test]
async fn without_a_notification_daemon_the_sync_still_succeeds() {
    // No bus to reach. notify-rust (zbus) reads the bus address only from the
    // environment, so it cannot be passed in; this binary holds this one test.
    #[allow(clippy::disallowed_methods)]
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/ledgerkeep-test-bus",
    );
    let notifier = DesktopNotifier::default();
    let started = Instant::now();
    let sent = notifier
        .send(Notice {
            summary: "Sync finished".into(),
            body: "test".into(),
        })
        .await;
    assert!(sent.is_err(), "a notification was shown without a daemon");
    assert!(started.elapsed() < Duration::from_secs(6));

    let h = harness(Size::Small, Limits::XERO).await;
    let t = h.tenant();
    let sched = SyncScheduler::start(
        Arc::clone(&h.engine),
        SchedulerConfig {
            sync_on_launch: false,
            interval: Duration::from_secs(3600),
            ..SchedulerConfig::default()
        },
        vec![(t.clone(), "Kōwhai".into())],
        Arc::new(notifier),
        ledgerkeep_xero::Timekeeping {
            clock: h.time.timekeeping().clock,
            sleeper: Arc::new(ledgerkeep_xero::TokioSleeper),
        },
    );
    let r = sched.sync_now(&t, false).await.unwrap();
    assert!(r.succeeded(), "{:?}", r.error);
    assert!(
        r.records_changed > 0,
        "the run had changes: a notice was due"
    );
    sched.shutdown().await;
}
