//! Two processes, one ledger: the writer lock beside the ledger, a restore
//! refused while another process holds it, the copy a restore keeps, and a
//! restore cut short. "Another process" is another open file description of
//! the lock file, which the OS treats exactly as another process's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use common::*;
use ledgerkeep_store::{backup, lock, LedgerLock, LedgerStore, OpenOptions, StoreError};

/// Holds the ledger's lock as another process would, recording `front` and `pid`.
fn hold_as_other(ledger: &Path, front: &str, pid: u32) -> File {
    let path = lock::lock_path(ledger);
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    f.try_lock().unwrap();
    write!(
        f,
        r#"{{"pid": {pid}, "front": "{front}", "since_utc": "2026-12-05T08:00:00Z"}}"#
    )
    .unwrap();
    f
}

async fn ledger_with_a_backup() -> (Ledger, std::path::PathBuf) {
    let l = ledger().await;
    l.store
        .apply_page(
            TENANT,
            &recs(vec![bank_tx("a", 1, "12.34", "first")]),
            &actor(),
            at(0),
        )
        .await
        .unwrap();
    let dir = l.dir.path().join("backups");
    let info = l.store.backup_now(&dir, at(10), 10).await.unwrap();
    l.store
        .apply_page(
            TENANT,
            &recs(vec![bank_tx("b", 2, "99.00", "second")]),
            &actor(),
            at(20),
        )
        .await
        .unwrap();
    l.store.clone().close().await;
    (l, info.path)
}

async fn assert_whole(path: &Path) {
    let store = LedgerStore::open_with(
        path,
        OpenOptions {
            hold_writer_lock: Some(false),
            ..OpenOptions::default()
        },
    )
    .await
    .unwrap();
    store.integrity_check().await.unwrap();
    assert!(store.verify_audit().await.unwrap().is_intact());
    store.close().await;
}

#[tokio::test]
async fn a_restore_while_another_process_holds_the_ledger_is_refused_naming_it() {
    let (l, backup_file) = ledger_with_a_backup().await;
    let before = file_digest(&l.path);
    let keep = l.dir.path().join("backups");

    let other = hold_as_other(&l.path, "app", 4242);
    let err = backup::restore(&backup_file, &l.path, &keep, at(30))
        .await
        .unwrap_err();
    match &err {
        StoreError::InUse { by } => assert_eq!(by, "Ledgerkeep (the app, pid 4242)"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "Ledgerkeep (the app, pid 4242) has the ledger open"
    );
    assert_eq!(LedgerLock::holder(&l.path).unwrap().pid, 4242);
    // Nothing was touched, and nothing of a restore was left behind.
    assert_eq!(file_digest(&l.path), before);
    assert!(!backup::restore_marker(&l.path).exists());
    assert_eq!(backup::list_backups(&keep).unwrap().len(), 1);

    // The app's open is refused the same way; a reader (the command line's
    // read-only commands) opens beside it and reads.
    let err = LedgerStore::open(&l.path).await.unwrap_err();
    assert!(matches!(err, StoreError::InUse { .. }), "{err:?}");
    let reader = LedgerStore::open_with(
        &l.path,
        OpenOptions {
            hold_writer_lock: Some(false),
            ..OpenOptions::default()
        },
    )
    .await
    .unwrap();
    assert!(!reader.holds_writer_lock());
    assert_eq!(
        count(&reader, "SELECT COUNT(*) FROM bank_transactions").await,
        2
    );
    // ...but it cannot take the writer's part while the other holds it.
    assert!(matches!(
        reader.writer_lock(),
        Err(StoreError::InUse { .. })
    ));
    reader.close().await;

    // Once the other process ends, the restore runs.
    drop(other);
    assert!(LedgerLock::holder(&l.path).is_none());
    let out = backup::restore(&backup_file, &l.path, &keep, at(30))
        .await
        .unwrap();
    assert_eq!(out.audit_rows, 1);
    assert_whole(&l.path).await;
    assert!(!backup::restore_marker(&l.path).exists());
}

#[tokio::test]
async fn the_app_holds_the_writer_lock_from_open_to_close() {
    let l = ledger().await;
    assert!(l.store.holds_writer_lock());
    let holder = LedgerLock::holder(&l.path).unwrap();
    assert_eq!(holder.pid, std::process::id());
    assert_eq!(holder.front, "app");
    // Another process cannot take it...
    let other = File::open(lock::lock_path(&l.path)).unwrap();
    assert!(other.try_lock().is_err());
    // ...until the ledger is closed, even with clones of the store left.
    let clone = l.store.clone();
    l.store.close().await;
    other.try_lock().unwrap();
    assert!(!clone.holds_writer_lock());
}

#[tokio::test]
async fn the_copy_kept_before_a_restore_is_never_pruned() {
    let (l, backup_file) = ledger_with_a_backup().await;
    let dir = l.dir.path().join("backups");
    let out = backup::restore(&backup_file, &l.path, &dir, at(30))
        .await
        .unwrap();
    let kept = out.previous_copy.unwrap();
    // The copy holds the ledger as it was, both records.
    let check = backup::check_backup(&kept, Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(check.audit_rows, 2);

    let store = LedgerStore::open(&l.path).await.unwrap();
    for i in 0..4 {
        store.backup_now(&dir, at(100 + i), 1).await.unwrap();
    }
    let left = backup::list_backups(&dir).unwrap();
    assert!(left.contains(&kept), "{left:?}");
    // Retention counted only the others: the newest one of them is left.
    assert_eq!(left.len(), 2, "{left:?}");
    store.close().await;
}

#[tokio::test]
async fn a_backup_with_a_write_ahead_log_beside_it_is_refused() {
    let (l, backup_file) = ledger_with_a_backup().await;
    let before = file_digest(&l.path);
    let mut wal = backup_file.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::write(&wal, b"frames that the file alone does not hold").unwrap();
    let err = backup::restore(&backup_file, &l.path, &l.dir.path().join("k"), at(30))
        .await
        .unwrap_err();
    match &err {
        StoreError::Invalid(why) => assert!(why.contains("write-ahead log"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(file_digest(&l.path), before);
    assert!(!l.dir.path().join("k").exists());
}

#[tokio::test]
async fn a_restore_cut_short_before_the_rename_is_noted_and_its_copy_removed() {
    let (l, backup_file) = ledger_with_a_backup().await;
    // What a restore ended after its check leaves: the marker and the checked copy.
    let mut staging = l.path.as_os_str().to_owned();
    staging.push(".restoring");
    std::fs::copy(&backup_file, &staging).unwrap();
    std::fs::write(
        backup::restore_marker(&l.path),
        format!(
            r#"{{"from": {:?}, "started_at_utc": "x", "pid": 1, "step": "checked", "previous_copy": null}}"#,
            backup_file.display().to_string()
        ),
    )
    .unwrap();

    let store = LedgerStore::open(&l.path).await.unwrap();
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM bank_transactions").await,
        2,
        "the old ledger is in use"
    );
    store.close().await;
    assert!(!std::path::Path::new(&staging).exists());
    assert!(!backup::restore_marker(&l.path).exists());
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(backup::interrupted_record(&l.path)).unwrap(),
    )
    .unwrap();
    assert_eq!(record["step"], "checked");
    assert!(
        record["outcome"]
            .as_str()
            .unwrap()
            .contains("the ledger was not changed"),
        "{record}"
    );
}
