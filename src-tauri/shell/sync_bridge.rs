//! The sync service in the desktop app: started with the app, its progress
//! forwarded to the window as typed events.

use std::sync::Arc;

use ledgerkeep_api::ops::sync::{progress_event, SyncService};
use ledgerkeep_api::{ApiError, AppContext};
use ledgerkeep_sync::{DesktopNotifier, SyncEvent};
use tauri::{AppHandle, Runtime};
use tauri_specta::Event;

use crate::events::{LedgerChanged, SyncProgressed};

/// Builds the engine and starts the scheduler for every kept organisation,
/// syncing each on the saved interval.
pub async fn start(ctx: &AppContext) -> Result<SyncService, ApiError> {
    SyncService::start(
        ctx,
        ctx.xero().clone(),
        ledgerkeep_xero::Timekeeping::real(),
        ledgerkeep_api::ops::data_settings::scheduler_config(ctx).await?,
        Arc::new(DesktopNotifier::default()),
    )
    .await
}

/// Sends each sync's progress, and each finished sync or settled payment, to
/// the window.
pub fn forward_events<R: Runtime>(app: AppHandle<R>, sync: &SyncService) {
    let mut payments = sync.scheduler().subscribe_payments();
    let to_window = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match payments.recv().await {
                Ok(report) => {
                    let _ = (LedgerChanged {
                        tenant_id: report.tenant,
                    })
                    .emit(&to_window);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    let mut events = sync.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    if let Some(progress) = progress_event(&event) {
                        let _ = SyncProgressed(progress).emit(&app);
                    }
                    if let SyncEvent::Finished(report) = &event {
                        let _ = (LedgerChanged {
                            tenant_id: report.tenant.clone(),
                        })
                        .emit(&app);
                    }
                }
                // A slow window missed some progress: the next update catches it up.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
