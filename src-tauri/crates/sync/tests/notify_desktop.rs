//! With a real notification daemon (dunst in a private D-Bus session), a sync
//! that ends with changes sends `Notify`, seen on the bus by `dbus-monitor`.
//!
//! `scripts/with-desktop-session.sh cargo nextest run -p ledgerkeep-sync --run-ignored all`
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use ledgerkeep_sim::{Limits, Size};
use ledgerkeep_sync::{DesktopNotifier, SchedulerConfig, SyncScheduler};

#[tokio::test]
#[ignore = "needs a D-Bus session with dunst: run by `make test`"]
async fn a_sync_with_changes_notifies_the_desktop() {
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut monitor = Command::new("dbus-monitor")
        .args([
            "--session",
            "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
        ])
        .stdout(Stdio::from(out.reopen().unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let h = harness(Size::Small, Limits::XERO).await;
    let t = h.tenant();
    let sched = SyncScheduler::start(
        Arc::clone(&h.engine),
        SchedulerConfig {
            sync_on_launch: false,
            interval: Duration::from_secs(3600),
            ..SchedulerConfig::default()
        },
        vec![(t.clone(), "Kōwhai Plumbing".into())],
        Arc::new(DesktopNotifier::default()),
        ledgerkeep_xero::Timekeeping {
            clock: h.time.timekeeping().clock,
            sleeper: Arc::new(ledgerkeep_xero::TokioSleeper),
        },
    );
    let r = sched.sync_now(&t, false).await.unwrap();
    assert!(r.succeeded() && r.records_changed > 0);
    let want = format!("{} records changed", r.records_changed);
    let mut seen = String::new();
    for _ in 0..100 {
        seen.clear();
        out.reopen().unwrap().read_to_string(&mut seen).unwrap();
        if seen.contains(&want) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sched.shutdown().await;
    monitor.kill().unwrap();
    let _ = monitor.wait();
    assert!(
        seen.contains("member=Notify"),
        "no Notify call on the bus:\n{seen}"
    );
    assert!(
        seen.contains("Sync finished") && seen.contains(&want),
        "{seen}"
    );
    assert!(seen.contains("Ledgerkeep"));
}
