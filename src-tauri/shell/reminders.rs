//! Desktop reminders of period closes that are due or overdue. The decision
//! (what to remind, once) is `ledgerkeep_api::ops::close::close_reminders`,
//! tested with the time passed in; this timer only calls `send_close_reminders`.

use std::time::Duration;

use ledgerkeep_api::AppContext;
use ledgerkeep_sync::DesktopNotifier;

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
            let now = ctx.config().now();
            if let Err(err) =
                ledgerkeep_api::ops::close::send_close_reminders(&ctx, now, &notifier).await
            {
                tracing::warn!(message = %err.message, "close reminders failed");
            }
        }
    });
}
