//! The running app's events, forwarded to the window as typed events.

use ledgerkeep_api::{App, AppEvent};
use tauri::{AppHandle, Runtime};
use tauri_specta::Event;

use crate::events::{LedgerChanged, SyncProgressed};

/// Sends each sync's progress, and each organisation whose books changed (a
/// finished sync, a settled payment), to the window.
pub fn forward_events<R: Runtime>(handle: AppHandle<R>, app: &App) {
    let Some(mut events) = app.events() else {
        return;
    };
    tauri::async_runtime::spawn(async move {
        while let Some(event) = events.next().await {
            let _ = match event {
                AppEvent::SyncProgressed(progress) => SyncProgressed(progress).emit(&handle),
                AppEvent::LedgerChanged { tenant_id } => LedgerChanged { tenant_id }.emit(&handle),
            };
        }
    });
}
