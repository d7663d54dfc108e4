//! Settings → *Data and sync* and *Backups*: retention and the sync interval
//! saved and used, backups listed, and a restore chosen in the running app
//! that runs when it closes, on real ledger files in a temporary folder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use ledgerkeep_api::ops::backups::{
    apply_pending_restore, cancel_restore, choose_restore, list_backups, BackupKind,
};
use ledgerkeep_api::ops::data_settings::{
    data_settings, scheduler_config, set_data_settings, DataSettings,
};
use ledgerkeep_api::ops::folders::{folder, Folder, FolderRequest};
use ledgerkeep_api::{
    backup_now, AppContext, AppPaths, BackupRequest, BackupView, ErrorCode, RestoreRequest,
};
use ledgerkeep_domain::format_instant;
use ledgerkeep_store::audit::{AnchorCheck, AuditAnchor, ChainAnchor, MemoryAnchor};
use ledgerkeep_store::LedgerStore;

mod common;

use common::open_app_in as open;

/// Where a restore run at close anchors the restored chain's head.
fn memory_anchor() -> Arc<dyn AuditAnchor> {
    Arc::new(MemoryAnchor::default())
}

/// The app on a fresh ledger in `dir`, a backup of it, and a change made after that backup
/// (the data settings set to [`CHANGED`]), which a restore of the backup undoes.
async fn backed_up_then_changed(dir: &Path) -> (AppContext, BackupView) {
    let ctx = open(dir).await;
    let made = backup_now(&ctx, BackupRequest::default(), at(1))
        .await
        .unwrap();
    set_data_settings(&ctx, CHANGED).await.unwrap();
    (ctx, made)
}

fn at(hour: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, hour, 0, 0).unwrap()
}

const CHANGED: DataSettings = DataSettings {
    sync_interval_minutes: 60,
    backup_keep: 3,
    backup_every_hours: 12,
    sync_runs_keep_days: 30,
};

#[tokio::test]
async fn data_settings_are_checked_field_by_field_saved_and_used() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = open(dir.path()).await;
    let defaults = data_settings(&ctx).await.unwrap();
    assert_eq!(
        defaults,
        DataSettings {
            sync_interval_minutes: 15,
            backup_keep: 10,
            backup_every_hours: 24,
            sync_runs_keep_days: 90,
        }
    );

    // Every value out of range is named; nothing is saved.
    let err = set_data_settings(
        &ctx,
        DataSettings {
            sync_interval_minutes: 1,
            backup_keep: 0,
            backup_every_hours: 12,
            sync_runs_keep_days: 99_999,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    let fields: Vec<&str> = err
        .field_errors()
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(
        fields,
        ["syncIntervalMinutes", "backupKeep", "syncRunsKeepDays"]
    );
    assert_eq!(data_settings(&ctx).await.unwrap(), defaults);

    assert_eq!(set_data_settings(&ctx, CHANGED).await.unwrap(), CHANGED);
    ctx.close().await;

    // The next start reads them: the scheduler's interval, and the backups kept.
    let ctx = open(dir.path()).await;
    assert_eq!(data_settings(&ctx).await.unwrap(), CHANGED);
    assert_eq!(
        scheduler_config(&ctx).await.unwrap().interval,
        std::time::Duration::from_secs(60 * 60)
    );
    for hour in 0..5 {
        backup_now(&ctx, BackupRequest::default(), at(hour))
            .await
            .unwrap();
    }
    let list = list_backups(&ctx).await.unwrap();
    let times: Vec<String> = list
        .backups
        .iter()
        .filter_map(|b| b.made_at_utc.clone())
        .collect();
    assert_eq!(
        times,
        [at(4), at(3), at(2)].map(format_instant),
        "the newest three, newest first"
    );
    ctx.close().await;
}

#[tokio::test]
async fn backups_are_listed_with_their_time_kind_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = open(dir.path()).await;
    assert!(list_backups(&ctx).await.unwrap().backups.is_empty());
    let made = backup_now(&ctx, BackupRequest::default(), at(9))
        .await
        .unwrap();
    let list = list_backups(&ctx).await.unwrap();
    assert_eq!(list.folder, ctx.paths().backups_dir.display().to_string());
    assert_eq!(list.backups.len(), 1);
    let b = &list.backups[0];
    assert_eq!(b.path, made.path);
    assert_eq!(b.kind, BackupKind::Backup);
    assert_eq!(b.made_at_utc.as_deref(), Some("2026-03-01T09:00:00.000Z"));
    let bytes = std::fs::metadata(&made.path).unwrap().len();
    assert_eq!(u64::from(b.size_kib), bytes.div_ceil(1024));
    assert!(list.pending_restore.is_none() && list.last_restore.is_none());
    ctx.close().await;
}

#[tokio::test]
async fn a_chosen_restore_runs_when_the_app_closes_and_keeps_the_replaced_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let paths = AppPaths::under(dir.path());
    let (ctx, made) = backed_up_then_changed(dir.path()).await;

    let list = choose_restore(
        &ctx,
        RestoreRequest {
            from: made.path.clone(),
        },
    )
    .await
    .unwrap();
    let pending = list
        .pending_restore
        .expect("the restore waits for the close");
    assert_eq!(pending.from, made.path);
    // Nothing is replaced while the app runs.
    assert_eq!(data_settings(&ctx).await.unwrap(), CHANGED);
    ctx.close().await;

    let anchor = Arc::new(MemoryAnchor::default());
    let done = apply_pending_restore(&paths, at(2), anchor.clone())
        .await
        .unwrap();
    assert!(done.restored, "{}", done.message);
    let previous = done.previous_copy.clone().unwrap();
    assert!(Path::new(&previous).is_file());
    // The anchor outside the file took the restored chain's head, so the
    // older chain is not taken for one cut short.
    let store = LedgerStore::open(&paths.ledger_file()).await.unwrap();
    let report = store
        .verify_audit_anchored(&ChainAnchor::new(anchor, &paths.ledger_file()))
        .await
        .unwrap();
    assert!(report.is_intact(), "{report:?}");
    // Without the adoption this ledger would be `NotAnchored`.
    assert_eq!(
        report.anchor,
        AnchorCheck::Matches {
            seq: report.head_seq
        }
    );
    store.close().await;
    // Only once.
    assert!(apply_pending_restore(&paths, at(3), memory_anchor())
        .await
        .is_none());

    let ctx = open(dir.path()).await;
    assert_eq!(data_settings(&ctx).await.unwrap().backup_keep, 10);
    let list = list_backups(&ctx).await.unwrap();
    assert!(list.pending_restore.is_none());
    assert_eq!(list.last_restore.as_ref(), Some(&done));
    let replaced = list.backups.iter().find(|b| b.path == previous).unwrap();
    assert_eq!(replaced.kind, BackupKind::BeforeRestore);
    ctx.close().await;

    // The replaced ledger is itself a backup that holds the later change.
    let ctx = open(dir.path()).await;
    choose_restore(&ctx, RestoreRequest { from: previous })
        .await
        .unwrap();
    ctx.close().await;
    assert!(
        apply_pending_restore(&paths, at(4), memory_anchor())
            .await
            .unwrap()
            .restored
    );
    let ctx = open(dir.path()).await;
    assert_eq!(data_settings(&ctx).await.unwrap(), CHANGED);
    ctx.close().await;
}

#[tokio::test]
async fn a_damaged_backup_is_refused_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let paths = AppPaths::under(dir.path());
    let (ctx, made) = backed_up_then_changed(dir.path()).await;

    // Refused when chosen: nothing is waiting.
    let junk = dir
        .path()
        .join("backups/ledger-20260301T020000000Z-backup.sqlite");
    std::fs::write(&junk, b"not a ledger at all").unwrap();
    let err = choose_restore(
        &ctx,
        RestoreRequest {
            from: junk.display().to_string(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Corrupt);
    assert!(
        err.message.contains("Nothing was restored"),
        "{}",
        err.message
    );
    assert!(list_backups(&ctx).await.unwrap().pending_restore.is_none());
    let err = choose_restore(
        &ctx,
        RestoreRequest {
            from: dir.path().join("nowhere.sqlite").display().to_string(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);

    // Damaged after it was chosen: checked again at the close, and refused.
    choose_restore(
        &ctx,
        RestoreRequest {
            from: made.path.clone(),
        },
    )
    .await
    .unwrap();
    std::fs::write(&made.path, b"damaged since").unwrap();
    ctx.close().await;
    let done = apply_pending_restore(&paths, at(2), memory_anchor())
        .await
        .unwrap();
    assert!(!done.restored);
    assert!(
        done.message.contains("Nothing was restored"),
        "{}",
        done.message
    );
    let ctx = open(dir.path()).await;
    assert_eq!(
        data_settings(&ctx).await.unwrap(),
        CHANGED,
        "the ledger is as it was"
    );
    assert_eq!(list_backups(&ctx).await.unwrap().last_restore, Some(done));
    ctx.close().await;
}

#[tokio::test]
async fn a_restore_chosen_by_a_process_that_did_not_close_is_not_run_by_another() {
    let dir = tempfile::tempdir().unwrap();
    let paths = AppPaths::under(dir.path());
    let (ctx, made) = backed_up_then_changed(dir.path()).await;
    choose_restore(&ctx, RestoreRequest { from: made.path })
        .await
        .unwrap();
    ctx.close().await;
    // As if another process had chosen it, then crashed.
    let note = dir.path().join("restore-pending.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&note).unwrap()).unwrap();
    json["pid"] = serde_json::json!(std::process::id().wrapping_add(1));
    std::fs::write(&note, json.to_string()).unwrap();

    let ctx = open(dir.path()).await;
    assert!(
        list_backups(&ctx).await.unwrap().pending_restore.is_none(),
        "not this process's choice"
    );
    ctx.close().await;
    let done = apply_pending_restore(&paths, at(2), memory_anchor())
        .await
        .unwrap();
    assert!(!done.restored);
    assert!(
        done.message.contains("did not close normally"),
        "{}",
        done.message
    );
    let ctx = open(dir.path()).await;
    assert_eq!(data_settings(&ctx).await.unwrap(), CHANGED);
    ctx.close().await;
}

#[tokio::test]
async fn a_chosen_restore_can_be_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let paths = AppPaths::under(dir.path());
    let ctx = open(dir.path()).await;
    let made = backup_now(&ctx, BackupRequest::default(), at(1))
        .await
        .unwrap();
    choose_restore(&ctx, RestoreRequest { from: made.path })
        .await
        .unwrap();
    assert!(cancel_restore(&ctx)
        .await
        .unwrap()
        .pending_restore
        .is_none());
    ctx.close().await;
    assert!(apply_pending_restore(&paths, at(2), memory_anchor())
        .await
        .is_none());
}

#[tokio::test]
async fn folders_are_named_and_made() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = open(dir.path()).await;
    let exports = folder(
        &ctx,
        FolderRequest {
            folder: Folder::Exports,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        exports.path,
        dir.path().join("exports").display().to_string()
    );
    assert!(dir.path().join("exports").is_dir());
    let logs = folder(
        &ctx,
        FolderRequest {
            folder: Folder::Logs,
        },
    )
    .await
    .unwrap();
    assert_eq!(logs.path, ctx.paths().logs_dir.display().to_string());
    ctx.close().await;
}
