//! Desktop reminders of period closes that are due or overdue. The decision
//! (what to remind, once) is `ledgerkeep_api::ops::close::close_reminders`,
//! tested with the time passed in; this timer only calls it and shows the result.

use std::time::Duration;

use ledgerkeep_api::AppContext;
use ledgerkeep_sync::{DesktopNotifier, Notice, Notifier};

/// First look a minute after start, then every hour.
const FIRST: Duration = Duration::from_secs(60);
const EVERY: Duration = Duration::from_secs(3600);

pub fn spawn(ctx: AppContext) {
    tauri::async_runtime::spawn(async move {
        let notifier = DesktopNotifier::default();
        tokio::time::sleep(FIRST).await;
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            match ledgerkeep_api::ops::close::close_reminders(&ctx, ctx.config().now()).await {
                Ok(reminders) => {
                    for r in reminders {
                        notifier.notify(Notice {
                            summary: r.title,
                            body: r.body,
                        });
                    }
                }
                Err(err) => tracing::warn!(message = %err.message, "close reminders failed"),
            }
        }
    });
}
