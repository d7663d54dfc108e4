//! Opens addresses in the owner's own browser, never in a webview: a sign-in
//! page must be one the owner's browser, with its address bar, shows. Opens
//! the app's folders in the OS's file manager, and an attachment's checked
//! copy in the app the OS chooses for it.

use ledgerkeep_api::ops::attachments::{attachment_copy, AttachmentCopyView, AttachmentRequest};
use ledgerkeep_api::ops::folders::{folder, FolderRequest, FolderView};
use ledgerkeep_api::{ApiError, AppContext, ErrorCode};
use tauri::{AppHandle, Runtime};
use tauri_plugin_opener::OpenerExt;

pub fn open<R: Runtime>(app: &AppHandle<R>, url: &str) -> Result<(), String> {
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| e.to_string())
}

/// Opens the folder in the file manager; when none can be started, says so
/// and names the folder, for the owner to copy.
pub async fn open_folder<R: Runtime>(
    app: &AppHandle<R>,
    ctx: &AppContext,
    request: FolderRequest,
) -> Result<FolderView, ApiError> {
    let view = folder(ctx, request).await?;
    app.opener()
        .open_path(&view.path, None::<&str>)
        .map_err(|e| {
            tracing::warn!(error = %e, "the file manager did not open");
            ApiError::new(
                ErrorCode::Internal,
                format!(
                    "No file manager could be opened for {}. Copy the path instead.",
                    view.path
                ),
            )
        })?;
    Ok(view)
}

/// Opens a checked copy of an attachment in the app the OS chooses for its
/// kind; when none can be started, says so and names the copy.
pub async fn open_attachment<R: Runtime>(
    app: &AppHandle<R>,
    ctx: &AppContext,
    request: AttachmentRequest,
) -> Result<AttachmentCopyView, ApiError> {
    let view = attachment_copy(ctx, request).await?;
    app.opener()
        .open_path(&view.path, None::<&str>)
        .map_err(|e| {
            tracing::warn!(error = %e, "no app opened the attachment");
            ApiError::new(
                ErrorCode::Internal,
                format!(
                    "No app on this computer opened {}. Its copy is at {}.",
                    view.attachment.file_name, view.path
                ),
            )
        })?;
    Ok(view)
}
