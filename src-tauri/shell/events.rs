//! Events the backend sends to the UI. Each is declared here once and typed in
//! the generated bindings.

use serde::{Deserialize, Serialize};

/// Ask the UI to show a screen: sent when a `ledgerkeep://open/<screen>` link arrives.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct NavigateRequested {
    pub screen: ledgerkeep_api::Screen,
}

/// A newer version is on offer (from the start-up or daily check).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct UpdateAvailable(pub ledgerkeep_api::ops::updates::UpdateStatus);

/// How much of an update has downloaded.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct UpdateDownloadProgress(pub ledgerkeep_api::ops::updates::UpdateProgress);

/// A sign-in that arrived by deep link (`ledgerkeep://oauth/callback`) finished.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct SignInFinished {
    /// The connection made, when it succeeded.
    pub connected: Option<ledgerkeep_api::ops::xero_connection::Connected>,
    /// What went wrong, for the owner, when it did not.
    pub error: Option<ledgerkeep_api::ApiError>,
}

/// A sync's progress: the stream, records and pages so far, rate-limit use, ETA.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct SyncProgressed(pub ledgerkeep_api::SyncProgressView);

/// A sync of this organisation finished, or payments sent to Xero were
/// settled: screens showing it read again.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct LedgerChanged {
    pub tenant_id: String,
}

/// The owner chose "Check for Updates…" in the menu: the window shows
/// Settings → Updates and checks at once.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct UpdateCheckRequested;
