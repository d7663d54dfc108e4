//! The attachments kept offline: their settings (the job on or off, the size
//! cap) with the space they take; a document's attachments; and one file's
//! bytes, or a copy of it to open in another app, each only after its bytes
//! are checked against the hash the audit chain vouches for.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use ledgerkeep_domain::xero::EntityKind;
use ledgerkeep_store::attachments::StoredAttachment;
use ledgerkeep_store::StoreError;
use ledgerkeep_sync::attachments::{ENABLED, MAX_BYTES};
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext, ErrorCode, FieldError};

const MB: u64 = 1024 * 1024;
/// The size cap's range, in MB (Xero takes files of up to 25 MB in its web
/// app; its API serves them all).
const MAX_MEGABYTES: (u32, u32) = (1, 25);

/// The owner's choices; also the request that saves them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentSettings {
    /// Keep the documents' files on this computer (after each sync, within
    /// what the day's Xero calls leave).
    pub enabled: bool,
    /// Files larger than this (MB) are not fetched.
    pub max_megabytes: u32,
}

impl AttachmentSettings {
    pub fn validate(self) -> Result<Self, ApiError> {
        let (min, max) = MAX_MEGABYTES;
        if (min..=max).contains(&self.max_megabytes) {
            Ok(self)
        } else {
            Err(ApiError::fields(vec![FieldError {
                field: "maxMegabytes".to_owned(),
                message: format!("Files of {min} to {max} MB."),
            }]))
        }
    }
}

/// The settings, with the space the kept files take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentSettingsView {
    pub settings: AttachmentSettings,
    /// Attachments kept, on every document.
    pub attachments: u32,
    /// Distinct files (a file on two documents counts once).
    pub files: u32,
    /// Their size on disk, in KiB (rounded up).
    pub size_kib: u32,
    /// The folder they are kept in.
    pub folder: String,
}

fn saturating(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The saved settings, or their defaults, and the space used.
#[tracing::instrument(name = "op", skip_all, fields(op = "attachment_settings", request_id = %crate::request_id()))]
pub async fn attachment_settings(ctx: &AppContext) -> Result<AttachmentSettingsView, ApiError> {
    let store = ctx.store();
    let max_bytes = u64::try_from(store.setting_i64(MAX_BYTES).await?).unwrap_or(0);
    let space = store.attachment_space().await?;
    Ok(AttachmentSettingsView {
        settings: AttachmentSettings {
            enabled: store.setting_i64(ENABLED).await? != 0,
            max_megabytes: u32::try_from(max_bytes.div_ceil(MB)).unwrap_or(u32::MAX),
        },
        attachments: saturating(space.attachments),
        files: saturating(space.files),
        size_kib: saturating(space.bytes.div_ceil(1024)),
        folder: store.attachments_dir().display().to_string(),
    })
}

/// Checks, then saves both settings; the job follows them from its next run.
#[tracing::instrument(name = "op", skip_all, fields(op = "set_attachment_settings", request_id = %crate::request_id()))]
pub async fn set_attachment_settings(
    ctx: &AppContext,
    req: AttachmentSettings,
) -> Result<AttachmentSettingsView, ApiError> {
    let req = req.validate()?;
    let now = ctx.config().now();
    let store = ctx.store();
    store
        .set_setting(ENABLED.0, if req.enabled { "1" } else { "0" }, now)
        .await?;
    store
        .set_setting(
            MAX_BYTES.0,
            &(u64::from(req.max_megabytes) * MB).to_string(),
            now,
        )
        .await?;
    tracing::info!(?req, "attachment settings changed");
    attachment_settings(ctx).await
}

/// A document's attachments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DocumentAttachmentsRequest {
    pub tenant_id: String,
    pub entity: EntityKind,
    pub xero_id: String,
}

/// How a viewer shows a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum AttachmentShow {
    Pdf,
    Image,
    /// In another app ("Open with…").
    Other,
}

/// An attachment kept on this computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentView {
    pub attachment_id: String,
    pub file_name: String,
    pub mime_type: Option<String>,
    /// In bytes.
    pub size: u32,
    pub show: AttachmentShow,
}

/// PDFs and the images a webview draws itself; anything else opens in another app.
fn show_of(file_name: &str, mime_type: Option<&str>) -> AttachmentShow {
    let mime = mime_type.unwrap_or_default().to_ascii_lowercase();
    let ext = Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if mime == "application/pdf" || ext == "pdf" {
        AttachmentShow::Pdf
    } else if matches!(
        mime.as_str(),
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    ) || matches!(ext.as_str(), "png" | "jpg" | "jpeg" | "gif" | "webp")
    {
        AttachmentShow::Image
    } else {
        AttachmentShow::Other
    }
}

fn view_of(a: StoredAttachment) -> AttachmentView {
    AttachmentView {
        show: show_of(&a.meta.file_name, a.meta.mime_type.as_deref()),
        attachment_id: a.meta.attachment_id,
        file_name: a.meta.file_name,
        mime_type: a.meta.mime_type,
        size: saturating(a.content_length),
    }
}

/// The attachments kept for a document, by file name.
#[tracing::instrument(name = "op", skip_all, fields(op = "document_attachments", request_id = %crate::request_id()))]
pub async fn document_attachments(
    ctx: &AppContext,
    req: DocumentAttachmentsRequest,
) -> Result<Vec<AttachmentView>, ApiError> {
    let kept = ctx
        .store()
        .attachments_of(&req.tenant_id, req.entity, &req.xero_id)
        .await?;
    Ok(kept.into_iter().map(view_of).collect())
}

/// One kept attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentRequest {
    pub tenant_id: String,
    pub attachment_id: String,
}

/// A file's bytes, checked against its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentFileView {
    pub attachment: AttachmentView,
    /// The bytes, base64 (standard alphabet, padded).
    pub base64: String,
}

/// The attachment and its bytes, once they hash to what the ledger recorded:
/// a file missing or altered on disk is refused (`corrupt`), never shown as
/// the document's.
async fn checked(
    ctx: &AppContext,
    req: &AttachmentRequest,
) -> Result<(StoredAttachment, Vec<u8>), ApiError> {
    let store = ctx.store();
    let a = store
        .attachment(&req.tenant_id, &req.attachment_id)
        .await?
        .ok_or_else(|| ApiError::invalid("This attachment is not kept on this computer (yet)."))?;
    match store
        .attachment_bytes(&req.tenant_id, &req.attachment_id)
        .await
    {
        Ok(bytes) => Ok((a, bytes)),
        Err(StoreError::Io { .. }) => Err(ApiError::new(
            ErrorCode::Corrupt,
            format!(
                "The file {} is missing from the attachments folder. A restore from a backup brings it back.",
                a.meta.file_name
            ),
        )),
        Err(StoreError::Corrupt { .. }) => Err(ApiError::new(
            ErrorCode::Corrupt,
            format!(
                "The file {} was altered on this computer: its bytes no longer match the ledger's record of them. A restore from a backup brings it back.",
                a.meta.file_name
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

/// An attachment's bytes, checked against its hash, for the viewer.
#[tracing::instrument(name = "op", skip_all, fields(op = "attachment_file", request_id = %crate::request_id()))]
pub async fn attachment_file(
    ctx: &AppContext,
    req: AttachmentRequest,
) -> Result<AttachmentFileView, ApiError> {
    let (a, bytes) = checked(ctx, &req).await?;
    Ok(AttachmentFileView {
        attachment: view_of(a),
        base64: base64::engine::general_purpose::STANDARD.encode(bytes),
    })
}

/// A copy of a file to open in another app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentCopyView {
    pub attachment: AttachmentView,
    /// The copy, under its own file name.
    pub path: String,
}

/// A name safe as one file name on every OS: the file's own, less what a
/// path or a shell would read.
fn safe_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    if trimmed.is_empty() {
        "attachment".to_owned()
    } else {
        trimmed.chars().take(120).collect()
    }
}

/// The folder of the copies opened in other apps: inside the data folder,
/// one folder per attachment, so that each copy keeps its own file name.
fn opened_dir(ctx: &AppContext, attachment_id: &str) -> PathBuf {
    ctx.paths()
        .data_dir
        .join("opened")
        .join(safe_file_name(attachment_id))
}

/// Writes a checked copy of the file under its own name, for the desktop
/// shell to open in the app the OS chooses. The kept file itself is never
/// handed out: another app could change it.
#[tracing::instrument(name = "op", skip_all, fields(op = "attachment_copy", request_id = %crate::request_id()))]
pub async fn attachment_copy(
    ctx: &AppContext,
    req: AttachmentRequest,
) -> Result<AttachmentCopyView, ApiError> {
    let (a, bytes) = checked(ctx, &req).await?;
    let dir = opened_dir(ctx, &req.attachment_id);
    let path = dir.join(safe_file_name(&a.meta.file_name));
    let storage = |e: std::io::Error| {
        ApiError::new(
            ErrorCode::Storage,
            format!(
                "Could not write a copy of the file to {}: {e}.",
                dir.display()
            ),
        )
    };
    tokio::fs::create_dir_all(&dir).await.map_err(storage)?;
    tokio::fs::write(&path, &bytes).await.map_err(storage)?;
    Ok(AttachmentCopyView {
        attachment: view_of(a),
        path: path.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdfs_and_images_show_in_the_app_and_the_rest_opens_elsewhere() {
        assert_eq!(show_of("bill.PDF", None), AttachmentShow::Pdf);
        assert_eq!(
            show_of("scan", Some("application/pdf")),
            AttachmentShow::Pdf
        );
        assert_eq!(
            show_of("receipt.jpg", Some("image/jpeg")),
            AttachmentShow::Image
        );
        assert_eq!(show_of("photo.png", None), AttachmentShow::Image);
        assert_eq!(
            show_of("sheet.xlsx", Some("application/octet-stream")),
            AttachmentShow::Other
        );
        assert_eq!(show_of("drawing.svg", None), AttachmentShow::Other);
    }

    #[test]
    fn a_copy_keeps_the_file_name_but_never_a_path() {
        assert_eq!(safe_file_name("Bill 7.pdf"), "Bill 7.pdf");
        assert_eq!(safe_file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_file_name("a\\b:c.pdf"), "a_b_c.pdf");
        assert_eq!(safe_file_name("..."), "attachment");
        assert_eq!(safe_file_name(""), "attachment");
    }
}
