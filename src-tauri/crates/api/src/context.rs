//! The application context: everything an operation needs, built once at start.

use ledgerkeep_store::LedgerStore;

use crate::{ApiError, AppPaths, ErrorCode};

/// Built once, before any front starts, and shared by reference. It holds no
/// `Option`s to be filled in later: if it exists, it is ready.
#[derive(Debug, Clone)]
pub struct AppContext {
    paths: AppPaths,
    store: LedgerStore,
}

impl AppContext {
    /// Creates the app's folders and opens the ledger.
    pub async fn open(paths: AppPaths) -> Result<Self, ApiError> {
        paths.create_all().map_err(|err| {
            ApiError::new(
                ErrorCode::Storage,
                format!(
                    "Could not create the data folder {}: {err}",
                    paths.data_dir.display()
                ),
            )
        })?;
        let store = LedgerStore::open(&paths.ledger_file()).await?;
        Ok(AppContext { paths, store })
    }

    pub fn paths(&self) -> &AppPaths {
        &self.paths
    }

    pub fn store(&self) -> &LedgerStore {
        &self.store
    }

    /// Closes the ledger cleanly.
    pub async fn close(self) {
        self.store.close().await;
    }
}
