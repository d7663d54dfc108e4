//! Settings → *Backups*: the backups in the backups folder, and a restore
//! chosen there.
//!
//! The running app holds the ledger open (the whole `AppContext` is built
//! once), so a restore cannot replace the file under it. Choosing a backup
//! checks it at once (a damaged one is refused and nothing changes) and
//! records the choice in `restore-pending.json` in the data folder, with the
//! process that chose it. When that process closes, after its ledger is
//! closed, [`apply_pending_restore`] checks the backup again and restores it,
//! keeping the replaced ledger in the backups folder; what it did is kept in
//! `restore-last.json` and shown at the next start. A choice left by a process
//! that did not close normally is not applied by another one.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ledgerkeep_domain::format_instant;
use ledgerkeep_store::audit::{adopt_anchor_from_file, AuditAnchor};
use ledgerkeep_store::backup;
use serde::{Deserialize, Serialize};

use crate::ops::maintenance::RestoreRequest;
use crate::{ApiError, AppContext, AppPaths, ErrorCode};

const PENDING_FILE: &str = "restore-pending.json";
const LAST_FILE: &str = "restore-last.json";

/// Why a backup was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum BackupKind {
    /// Asked for, or the daily scheduled one.
    Backup,
    /// The ledger a restore replaced.
    BeforeRestore,
    /// The ledger as it was before its schema was brought up to date.
    BeforeMigration,
    Other,
}

/// One file in the backups folder (not checked until it is chosen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupFileView {
    pub path: String,
    pub file_name: String,
    /// When it was made (UTC, RFC 3339), from its name.
    pub made_at_utc: Option<String>,
    pub size_kib: u32,
    pub kind: BackupKind,
}

/// A restore chosen, waiting for the app to close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PendingRestoreView {
    pub from: String,
    pub chosen_at_utc: String,
    /// What the check found in the backup.
    pub schema_version: u32,
    pub audit_rows: u32,
}

/// What the last restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LastRestoreView {
    pub at_utc: String,
    pub from: String,
    pub restored: bool,
    /// A sentence for the owner: what was restored, or why nothing was.
    pub message: String,
    /// Where the replaced ledger was kept.
    pub previous_copy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupsView {
    pub folder: String,
    /// Newest first.
    pub backups: Vec<BackupFileView>,
    pub pending_restore: Option<PendingRestoreView>,
    pub last_restore: Option<LastRestoreView>,
}

/// The pending restore as saved: the view, and the process that chose it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PendingRestore {
    #[serde(flatten)]
    view: PendingRestoreView,
    pid: u32,
}

fn u32_of(v: impl TryInto<u32>) -> u32 {
    v.try_into().unwrap_or(u32::MAX)
}

fn kind_of(label: &str) -> BackupKind {
    match label {
        "backup" => BackupKind::Backup,
        "before-restore" => BackupKind::BeforeRestore,
        l if l.starts_with("pre-migration") => BackupKind::BeforeMigration,
        _ => BackupKind::Other,
    }
}

fn storage(path: &Path, e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorCode::Storage,
        format!("Could not use the file {}: {e}.", path.display()),
    )
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    let text = std::fs::read_to_string(path).ok()?;
    match serde_json::from_str(&text) {
        Ok(v) => Some(v),
        Err(err) => {
            tracing::warn!(file = %path.display(), %err, "an unreadable restore note is ignored");
            None
        }
    }
}

/// Written under a temporary name, then renamed: never half a file.
fn write_json(path: &Path, value: &impl Serialize) -> Result<(), ApiError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| storage(path, e))?;
    let tmp = path.with_extension("json.partial");
    std::fs::write(&tmp, text).map_err(|e| storage(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| storage(path, e))
}

fn remove(path: &Path) -> Result<(), ApiError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(storage(path, e)),
    }
}

/// This process's pending restore, if it chose one.
fn own_pending(paths: &AppPaths) -> Option<PendingRestoreView> {
    read_json::<PendingRestore>(&paths.data_dir.join(PENDING_FILE))
        .filter(|p| p.pid == std::process::id())
        .map(|p| p.view)
}

/// The backups folder's backups, newest first, a restore waiting for the app
/// to close, and what the last restore did.
#[tracing::instrument(name = "op", skip_all, fields(op = "list_backups", request_id = %crate::request_id()))]
pub async fn list_backups(ctx: &AppContext) -> Result<BackupsView, ApiError> {
    let paths = ctx.paths();
    let backups = backup::backup_files(&paths.backups_dir)?
        .into_iter()
        .map(|f| BackupFileView {
            file_name: f
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            path: f.path.display().to_string(),
            made_at_utc: f.made_at.map(format_instant),
            size_kib: u32_of(f.bytes.div_ceil(1024)),
            kind: kind_of(&f.label),
        })
        .collect();
    Ok(BackupsView {
        folder: paths.backups_dir.display().to_string(),
        backups,
        pending_restore: own_pending(paths),
        last_restore: read_json(&paths.data_dir.join(LAST_FILE)),
    })
}

/// Checks the backup now (a damaged one is refused and nothing changes) and
/// restores it when the app closes. Choosing again replaces the choice.
#[tracing::instrument(name = "op", skip_all, fields(op = "choose_restore", request_id = %crate::request_id()))]
pub async fn choose_restore(
    ctx: &AppContext,
    req: RestoreRequest,
) -> Result<BackupsView, ApiError> {
    let from = req.backup_path(ctx.paths())?;
    let info = backup::check_backup(&from, Duration::from_secs(5)).await?;
    let pending = PendingRestore {
        view: PendingRestoreView {
            from: from.display().to_string(),
            chosen_at_utc: format_instant(ctx.config().now()),
            schema_version: u32_of(info.schema_version),
            audit_rows: u32_of(info.audit_rows),
        },
        pid: std::process::id(),
    };
    write_json(&ctx.paths().data_dir.join(PENDING_FILE), &pending)?;
    tracing::info!(from = %from.display(), "a restore is chosen; it runs when the app closes");
    list_backups(ctx).await
}

/// Forgets the chosen restore.
#[tracing::instrument(name = "op", skip_all, fields(op = "cancel_restore", request_id = %crate::request_id()))]
pub async fn cancel_restore(ctx: &AppContext) -> Result<BackupsView, ApiError> {
    remove(&ctx.paths().data_dir.join(PENDING_FILE))?;
    list_backups(ctx).await
}

/// Runs the restore this process chose, once its ledger is closed: the
/// backup is checked again, and a damaged one leaves the ledger as it was.
/// Returns what it did (also kept for the next start), or `None` when no
/// restore was chosen. A choice left by another process (one that did not
/// close normally) is dropped, not applied.
#[tracing::instrument(name = "op", skip_all, fields(op = "apply_pending_restore", request_id = %crate::request_id()))]
pub async fn apply_pending_restore(
    paths: &AppPaths,
    now: DateTime<Utc>,
    audit_anchor: Arc<dyn AuditAnchor>,
) -> Option<LastRestoreView> {
    let pending_file = paths.data_dir.join(PENDING_FILE);
    let pending: PendingRestore = read_json(&pending_file)?;
    // Removed first: whatever happens, a restore is never tried twice.
    if let Err(err) = remove(&pending_file) {
        tracing::error!(message = %err.message, "the chosen restore could not be cleared, so it is not run");
        return None;
    }
    let from = PathBuf::from(&pending.view.from);
    let last = if pending.pid != std::process::id() {
        LastRestoreView {
            at_utc: format_instant(now),
            from: pending.view.from.clone(),
            restored: false,
            message: format!(
                "The restore of {} chosen earlier did not run, because Ledgerkeep did not close normally. Your ledger was not changed; choose the backup again to restore it.",
                from.display()
            ),
            previous_copy: None,
        }
    } else {
        match backup::restore(&from, &paths.ledger_file(), &paths.backups_dir, now).await {
            Ok(out) => {
                // The restored (older) chain's head becomes the anchor, so
                // that it is not taken for a chain cut short.
                let ledger = paths.ledger_file();
                if let Err(err) = adopt_anchor_from_file(audit_anchor, &ledger).await {
                    tracing::warn!(%err, "the restored ledger's audit head could not be anchored outside the file");
                }
                LastRestoreView {
                    at_utc: format_instant(now),
                    from: pending.view.from.clone(),
                    restored: true,
                    message: format!(
                        "The ledger was restored from {} ({} audit rows, checked). The ledger it replaced is kept in the backups folder.",
                        from.display(),
                        out.audit_rows
                    ),
                    previous_copy: out.previous_copy.map(|p| p.display().to_string()),
                }
            }
            Err(err) => LastRestoreView {
                at_utc: format_instant(now),
                from: pending.view.from.clone(),
                restored: false,
                message: ApiError::from(err).message,
                previous_copy: None,
            },
        }
    };
    tracing::info!(restored = last.restored, message = %last.message, "the chosen restore finished");
    if let Err(err) = write_json(&paths.data_dir.join(LAST_FILE), &last) {
        tracing::warn!(message = %err.message, "what the restore did could not be noted");
    }
    Some(last)
}
