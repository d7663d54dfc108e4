//! Events the backend sends to the UI. Each is declared here once and typed in
//! the generated bindings.

use serde::{Deserialize, Serialize};

/// Ask the UI to show a screen: sent when a `ledgerkeep://open/<screen>` link arrives.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct NavigateRequested {
    pub screen: ledgerkeep_api::Screen,
}
