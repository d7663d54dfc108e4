//! The app's folders, by name, for a front to show or open (the desktop shell
//! opens them in the OS's file manager).

use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext, ErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Folder {
    /// The data folder: the ledger, settings and every folder below.
    Data,
    Logs,
    Backups,
    Exports,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FolderRequest {
    pub folder: Folder,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FolderView {
    pub folder: Folder,
    pub path: String,
}

/// The folder's path, made if it is missing (the exports folder is made by the first export).
#[tracing::instrument(name = "op", skip_all, fields(op = "folder", request_id = %crate::request_id()))]
pub async fn folder(ctx: &AppContext, req: FolderRequest) -> Result<FolderView, ApiError> {
    let paths = ctx.paths();
    let path = match req.folder {
        Folder::Data => paths.data_dir.clone(),
        Folder::Logs => paths.logs_dir.clone(),
        Folder::Backups => paths.backups_dir.clone(),
        Folder::Exports => paths.exports_dir(),
    };
    std::fs::create_dir_all(&path).map_err(|e| {
        ApiError::new(
            ErrorCode::Storage,
            format!("Could not make the folder {}: {e}.", path.display()),
        )
    })?;
    Ok(FolderView {
        folder: req.folder,
        path: path.display().to_string(),
    })
}
