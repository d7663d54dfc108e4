//! Keeping the ledger safe: backups, restore and the audit-chain check.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ledgerkeep_store::audit::{adopt_anchor_from_file, AnchorCheck, AuditAnchor, KeyringAnchor};
use ledgerkeep_store::backup;
use ledgerkeep_store::settings::{BACKUP_EVERY_HOURS, BACKUP_KEEP};
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext, AppPaths};

/// Where to write a backup: a file path, or the app's backups folder when absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupRequest {
    #[serde(default)]
    pub to: Option<String>,
}

/// A backup that was made and passed its check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupView {
    pub path: String,
    pub size_kib: u32,
    pub schema_version: u32,
    pub audit_rows: u32,
}

fn u32_of(v: impl TryInto<u32>) -> u32 {
    v.try_into().unwrap_or(u32::MAX)
}

/// Backs up the open ledger (`VACUUM INTO`, then `integrity_check` and an audit
/// check of the copy). Into the backups folder, the old ones pruned to the
/// `backup.keep` setting; or to exactly `to`, which must not exist.
#[tracing::instrument(name = "op", skip_all, fields(op = "backup_now", request_id = %crate::request_id()))]
pub async fn backup_now(
    ctx: &AppContext,
    req: BackupRequest,
    now: DateTime<Utc>,
) -> Result<BackupView, ApiError> {
    let info = match req.to.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(to) => {
            let to = ctx
                .paths()
                .new_file_destination(to, &ctx.paths().backups_dir)?;
            ctx.store().backup_to(&to).await?
        }
        None => {
            let keep = ctx.store().setting_i64(BACKUP_KEEP).await?;
            ctx.store()
                .backup_now(
                    &ctx.paths().backups_dir,
                    now,
                    usize::try_from(keep).unwrap_or(10),
                )
                .await?
        }
    };
    restrict_backup(&info.path);
    Ok(view_of(info))
}

/// A backup holds the books: owner-only, wherever it was written. A failure
/// is logged, not fatal (the backup itself is good, and the folder a dialog
/// chose keeps its own permissions).
fn restrict_backup(path: &std::path::Path) {
    if let Err(err) = ledgerkeep_obs::private_files::restrict_file(path) {
        tracing::warn!(file = %path.display(), %err, "a backup could not be made owner-only");
    }
}

fn view_of(info: ledgerkeep_store::BackupInfo) -> BackupView {
    BackupView {
        path: info.path.display().to_string(),
        size_kib: u32_of(info.bytes.div_ceil(1024)),
        schema_version: u32_of(info.schema_version),
        audit_rows: u32_of(info.audit_rows),
    }
}

/// What one round of the ledger's upkeep did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upkeep {
    /// The scheduled backup, when one was due.
    pub backup: Option<BackupView>,
    /// Sync-run log rows older than the retention setting, removed.
    pub sync_runs_pruned: u64,
}

/// The ledger's scheduled upkeep, run at start and after each sync: a checked
/// backup into the backups folder when the newest is older than
/// `backup.every_hours` (keeping `backup.keep`), and the sync-run log pruned to
/// `sync_runs.keep_days`. The audit trail is never pruned.
#[tracing::instrument(name = "op", skip_all, fields(op = "upkeep", request_id = %crate::request_id()))]
pub async fn upkeep(ctx: &AppContext, now: DateTime<Utc>) -> Result<Upkeep, ApiError> {
    let store = ctx.store();
    let every = chrono::Duration::hours(store.setting_i64(BACKUP_EVERY_HOURS).await?.max(1));
    let keep = usize::try_from(store.setting_i64(BACKUP_KEEP).await?).unwrap_or(10);
    let backup = store
        .backup_if_due(&ctx.paths().backups_dir, now, every, keep)
        .await?
        .map(|info| {
            restrict_backup(&info.path);
            view_of(info)
        });
    let sync_runs_pruned = store.prune_sync_runs(now).await?;
    Ok(Upkeep {
        backup,
        sync_runs_pruned,
    })
}

/// Which backup to restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RestoreRequest {
    pub from: String,
}

impl RestoreRequest {
    /// The backup file named, refused when empty, not a file, or one of the
    /// data folder's own files outside its backups folder.
    pub fn backup_path(&self, paths: &AppPaths) -> Result<PathBuf, ApiError> {
        if self.from.trim().is_empty() {
            return Err(ApiError::invalid("Choose the backup file to restore."));
        }
        let from = paths.backup_source(&self.from)?;
        if !from.is_file() {
            return Err(ApiError::invalid(format!(
                "There is no backup file at {}.",
                from.display()
            )));
        }
        Ok(from)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RestoreView {
    pub restored_from: String,
    /// Where the replaced ledger was kept.
    pub previous_copy: Option<String>,
    pub schema_version: u32,
    pub audit_rows: u32,
}

/// Replaces the ledger with a backup. The ledger must be closed (the caller
/// drops its `AppContext` first and opens a new one after). The backup is
/// checked before anything is replaced; the replaced file is kept in the
/// backups folder.
#[tracing::instrument(name = "op", skip_all, fields(op = "restore_backup", request_id = %crate::request_id()))]
pub async fn restore_backup(
    paths: &AppPaths,
    req: RestoreRequest,
    now: DateTime<Utc>,
) -> Result<RestoreView, ApiError> {
    restore_backup_with(paths, req, now, Arc::new(KeyringAnchor::default())).await
}

/// [`restore_backup`], the audit chain's head kept in `audit_anchor` (the
/// app's is the OS keyring). Once the backup is in place, the anchor takes
/// the head the backup carries, so that the restored (older) chain is not
/// taken for a cut one. If the anchor cannot be written, the restore still
/// stands, and `audit verify` will say the chain ends before its anchor.
#[tracing::instrument(name = "op", skip_all, fields(op = "restore_backup_with", request_id = %crate::request_id()))]
pub async fn restore_backup_with(
    paths: &AppPaths,
    req: RestoreRequest,
    now: DateTime<Utc>,
    audit_anchor: Arc<dyn AuditAnchor>,
) -> Result<RestoreView, ApiError> {
    let from = req.backup_path(paths)?;
    let ledger = paths.ledger_file();
    let out = backup::restore(&from, &ledger, &paths.backups_dir, now).await?;
    if let Err(err) = adopt_anchor_from_file(audit_anchor, &ledger).await {
        tracing::warn!(%err, "the restored ledger's audit head could not be anchored outside the file");
    }
    Ok(RestoreView {
        restored_from: out.restored_from.display().to_string(),
        previous_copy: out.previous_copy.map(|p| p.display().to_string()),
        schema_version: u32_of(out.schema_version),
        audit_rows: u32_of(out.audit_rows),
    })
}

/// The first broken link of the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ChainBreakView {
    pub seq: u32,
    /// `hash_mismatch` (edited), `link_mismatch` (a row removed or inserted
    /// before it), `sequence_gap`, `head_mismatch` (rows removed from the end).
    // Checked against the anchor outside the ledger, also `truncated` (rows
    // removed from the end, the head rewritten; or an older file put in
    // place), `emptied` and `anchor_mismatch` (another file put in place).
    // The detail names the last good row.
    pub kind: String,
    pub detail: String,
}

/// A kept attachment whose file is gone or no longer hashes to what the
/// audit trail recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FileProblemView {
    pub tenant_id: String,
    pub attachment_id: String,
    pub file_name: String,
    /// `true`: the file is gone; `false`: its bytes were altered.
    pub missing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditVerifyView {
    /// The chain is unbroken and every kept file matches its hash.
    pub intact: bool,
    pub rows_checked: u32,
    pub first_break: Option<ChainBreakView>,
    /// Attachment files hashed (a file on two documents counts once).
    pub files_checked: u32,
    pub file_problems: Vec<FileProblemView>,
}

/// Walks the whole audit chain, and checks it against its head kept outside
/// the ledger (the OS keyring).
#[tracing::instrument(name = "op", skip_all, fields(op = "verify_audit", request_id = %crate::request_id()))]
pub async fn verify_audit(ctx: &AppContext) -> Result<AuditVerifyView, ApiError> {
    Ok(verified(ctx).await?.view)
}

/// The audit chain checked, with what its anchor outside the ledger said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditVerifyOutcome {
    #[serde(flatten)]
    pub view: AuditVerifyView,
    /// The anchor's state: `matches`, `behind`, `not_anchored`,
    /// `unavailable`, `contradicted` (see `first_break`) or `not_checked`.
    pub anchor: AnchorCheck,
    /// A sentence for the owner when the anchor could not vouch for the whole
    /// chain, though nothing was found wrong.
    pub anchor_note: Option<String>,
}

/// [`verify_audit`], with the anchor's state (what `audit verify` prints).
#[tracing::instrument(name = "op", skip_all, fields(op = "verify_audit_anchored", request_id = %crate::request_id()))]
pub async fn verify_audit_anchored(ctx: &AppContext) -> Result<AuditVerifyOutcome, ApiError> {
    verified(ctx).await
}

async fn verified(ctx: &AppContext) -> Result<AuditVerifyOutcome, ApiError> {
    let report = ctx
        .store()
        .verify_audit_anchored(ctx.audit_anchor())
        .await?;
    let anchor_note = anchor_note(&report.anchor);
    let files = ctx.store().verify_attachments().await?;
    Ok(AuditVerifyOutcome {
        view: AuditVerifyView {
            intact: report.is_intact() && files.problems.is_empty(),
            rows_checked: u32_of(report.rows_checked),
            files_checked: u32_of(files.files_checked),
            file_problems: files
                .problems
                .into_iter()
                .map(|p| FileProblemView {
                    tenant_id: p.tenant_id,
                    attachment_id: p.attachment_id,
                    file_name: p.file_name,
                    missing: p.missing,
                })
                .collect(),
            first_break: report.first_break.map(|b| ChainBreakView {
                seq: u32_of(b.seq),
                kind: b.kind.as_str().to_owned(),
                detail: b.detail,
            }),
        },
        anchor: report.anchor,
        anchor_note,
    })
}

/// What the owner should know about the anchor when it could not vouch for
/// the whole chain (a break is explained by the break itself).
pub fn anchor_note(check: &AnchorCheck) -> Option<String> {
    match check {
        AnchorCheck::NotChecked
        | AnchorCheck::Matches { .. }
        | AnchorCheck::Contradicted { .. } => None,
        AnchorCheck::NotAnchored => Some(
            "No copy of the audit trail's end is kept outside the ledger yet (a new computer or data folder), so only the ledger file itself was checked. The next change records one.".to_owned(),
        ),
        AnchorCheck::Unavailable { reason } => Some(format!(
            "The copy of the audit trail's end kept in the OS keyring could not be read ({reason}), so only the ledger file itself was checked: a trail cut short, or another ledger file put in its place, would not show. Unlock the keyring and check again."
        )),
        AnchorCheck::Behind { anchor_seq, head_seq } => Some(format!(
            "The copy of the audit trail's end kept in the OS keyring is at row {anchor_seq} of {head_seq}, because a write to the keyring failed earlier; it is written again after the next change. The trail agrees with it up to row {anchor_seq}."
        )),
    }
}
