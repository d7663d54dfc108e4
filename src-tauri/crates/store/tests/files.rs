//! The ledger file under bad conditions, and its backups: each failure is a
//! typed error, and none of them changes the user's file.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use std::borrow::Cow;
use std::time::Duration;

use common::*;
use ledgerkeep_store::{backup, LedgerStore, OpenOptions, StoreError, MIGRATOR};
use sqlx::{ConnectOptions, Connection};

fn quick() -> OpenOptions {
    OpenOptions {
        busy_timeout: Duration::from_millis(200),
        ..OpenOptions::default()
    }
}

#[tokio::test]
async fn a_newer_schema_is_refused_and_the_file_is_untouched() {
    let l = ledger().await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', 1, x'00', 0)",
    )
    .execute(l.store.pool())
    .await
    .unwrap();
    l.store.clone().close().await;
    let before = file_digest(&l.path);
    let err = LedgerStore::open(&l.path).await.unwrap_err();
    match err {
        StoreError::NewerSchema { found, supported } => {
            assert_eq!(found, 9999);
            assert_eq!(supported, ledgerkeep_store::latest_schema_version());
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    assert_eq!(file_digest(&l.path), before);
}

#[tokio::test]
async fn a_file_that_is_not_a_ledger_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.sqlite");
    std::fs::write(&text, "these are my notes, not a ledger").unwrap();
    let err = LedgerStore::open(&text).await.unwrap_err();
    assert!(matches!(err, StoreError::NotALedger { .. }), "{err:?}");
    assert_eq!(
        std::fs::read_to_string(&text).unwrap(),
        "these are my notes, not a ledger"
    );

    // Another program's SQLite database: refused, and not switched to WAL.
    let other = dir.path().join("other.db");
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&other)
        .create_if_missing(true)
        .connect()
        .await
        .unwrap();
    sqlx::query("CREATE TABLE recipes (name TEXT)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let before = file_digest(&other);
    let err = LedgerStore::open(&other).await.unwrap_err();
    assert!(matches!(err, StoreError::NotALedger { .. }), "{err:?}");
    assert_eq!(file_digest(&other), before);
}

#[tokio::test]
async fn a_corrupt_file_gives_corrupt_and_is_untouched() {
    let l = ledger().await;
    l.store
        .apply_page(
            TENANT,
            &recs(vec![bank_tx("a", 1, "1.00", "x")]),
            &actor(),
            at(0),
        )
        .await
        .unwrap();
    l.store.clone().close().await;
    // Damage the schema page, past the 100-byte header.
    let mut bytes = std::fs::read(&l.path).unwrap();
    for b in bytes.iter_mut().take(4096).skip(100) {
        *b = 0xA5;
    }
    std::fs::write(&l.path, &bytes).unwrap();
    let err = LedgerStore::open_with(&l.path, quick()).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert_eq!(file_digest(&l.path), bytes);
}

#[tokio::test]
async fn a_locked_database_gives_locked() {
    let l = ledger().await;
    l.store.clone().close().await;
    // Another process holds an exclusive lock on the file.
    let mut other = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&l.path)
        .pragma("locking_mode", "EXCLUSIVE")
        .connect()
        .await
        .unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut other)
        .await
        .unwrap();
    sqlx::query("INSERT INTO settings (key, value) VALUES ('x', '1')")
        .execute(&mut other)
        .await
        .unwrap();
    let err = LedgerStore::open_with(&l.path, quick()).await.unwrap_err();
    assert!(matches!(err, StoreError::Locked), "{err:?}");
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    other.close().await.unwrap();
    // Once released, the ledger opens with everything in it.
    let store = LedgerStore::open(&l.path).await.unwrap();
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM settings WHERE key = 'x'").await,
        0
    );
}

#[tokio::test]
async fn a_writer_blocked_by_another_process_gets_locked_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let store = LedgerStore::open_with(&path, quick()).await.unwrap();
    let mut other = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .connect()
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let err = store
        .apply_page(
            TENANT,
            &recs(vec![bank_tx("a", 1, "1.00", "x")]),
            &actor(),
            at(0),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Locked), "{err:?}");
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM bank_transactions").await,
        0
    );
}

#[tokio::test]
async fn a_full_disk_gives_disk_full_and_loses_nothing() {
    let l = ledger().await;
    l.store
        .apply_page(
            TENANT,
            &recs(vec![bank_tx("keep", 1, "5.00", "kept")]),
            &actor(),
            at(0),
        )
        .await
        .unwrap();
    let pages: i64 = count(&l.store, "PRAGMA page_count").await;
    l.store.clone().close().await;
    // The file may grow by only a few pages: a big page cannot fit.
    let opts = OpenOptions {
        max_page_count: Some(u64::try_from(pages).unwrap() + 2),
        ..quick()
    };
    let store = LedgerStore::open_with(&l.path, opts).await.unwrap();
    let big: Vec<_> = (0..2_000)
        .map(|i| {
            bank_tx(
                &format!("bt-{i}"),
                2_000 + i,
                "1.00",
                &"long reference ".repeat(20),
            )
        })
        .collect();
    let err = store
        .apply_page(TENANT, &recs(big), &actor(), at(1))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::DiskFull), "{err:?}");
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM bank_transactions").await,
        1
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_log").await, 1);
    assert!(store.verify_audit().await.unwrap().is_intact());
    store.integrity_check().await.unwrap();
}

#[tokio::test]
async fn migrating_an_older_ledger_takes_a_checked_backup_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    // A ledger made by a build that knew only the first migration.
    let first_only = sqlx::migrate::Migrator {
        migrations: Cow::Owned(MIGRATOR.iter().take(1).cloned().collect()),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    {
        let pool = sqlx::SqlitePool::connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true),
        )
        .await
        .unwrap();
        first_only.run(&pool).await.unwrap();
        sqlx::query("INSERT INTO settings (key, value) VALUES ('theme', '\"dark\"')")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let backups = dir.path().join("backups");
    assert!(backup::list_backups(&backups).unwrap().is_empty());

    let store = LedgerStore::open_with(
        &path,
        OpenOptions {
            now: Some(at(0)),
            ..OpenOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        store.schema_version().await.unwrap(),
        ledgerkeep_store::latest_schema_version()
    );
    let list = backup::list_backups(&backups).unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    let name = list[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.contains("pre-migration-v1"), "{name}");
    // The backup is the old file: version 1, with its data.
    let info = backup::check_backup(&list[0], Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(info.schema_version, 1);
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&list[0])
        .read_only(true)
        .connect()
        .await
        .unwrap();
    let theme: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'theme'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(theme, "\"dark\"");

    // A ledger already up to date is not backed up again on open.
    store.close().await;
    LedgerStore::open(&path).await.unwrap().close().await;
    assert_eq!(backup::list_backups(&backups).unwrap().len(), 1);
}

#[tokio::test]
async fn backup_restore_and_integrity_check() {
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
    assert!(info.path.exists());
    assert_eq!(info.audit_rows, 1);
    assert_eq!(
        info.schema_version,
        ledgerkeep_store::latest_schema_version()
    );
    l.store.integrity_check().await.unwrap();

    // Later changes...
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

    // ...are undone by a restore, which keeps a copy of what it replaced.
    let keep = l.dir.path().join("replaced");
    let out = backup::restore(&info.path, &l.path, &keep, at(30))
        .await
        .unwrap();
    let previous = out.previous_copy.unwrap();
    assert!(previous.exists());
    let store = LedgerStore::open(&l.path).await.unwrap();
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM bank_transactions").await,
        1
    );
    let total: String = sqlx::query_scalar("SELECT total FROM bank_transactions")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(total, "12.34");
    assert!(store.verify_audit().await.unwrap().is_intact());
    store.integrity_check().await.unwrap();
    // The replaced copy still holds both records.
    let check = backup::check_backup(&previous, Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(check.audit_rows, 2);

    // Listed newest first, each with its time, why it was made and its size.
    std::fs::copy(&previous, dir.join(previous.file_name().unwrap())).unwrap();
    let files = backup::backup_files(&dir).unwrap();
    let seen: Vec<(Option<chrono::DateTime<chrono::Utc>>, &str)> = files
        .iter()
        .map(|f| (f.made_at, f.label.as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![(Some(at(30)), "before-restore"), (Some(at(10)), "backup")]
    );
    assert_eq!(files[1].path, info.path);
    assert_eq!(files[1].bytes, info.bytes);
    assert_eq!(files[0].bytes, std::fs::metadata(&previous).unwrap().len());
}

#[tokio::test]
async fn a_damaged_backup_is_refused_before_anything_is_replaced() {
    let l = ledger().await;
    l.store
        .apply_page(
            TENANT,
            &recs(vec![bank_tx("a", 1, "1.00", "x")]),
            &actor(),
            at(0),
        )
        .await
        .unwrap();
    let dir = l.dir.path().join("backups");
    let info = l.store.backup_now(&dir, at(1), 10).await.unwrap();
    l.store.clone().close().await;
    let before = file_digest(&l.path);

    // Damaged pages.
    let mut bytes = std::fs::read(&info.path).unwrap();
    let len = bytes.len();
    for b in bytes.iter_mut().take(len).skip(100) {
        *b ^= 0x5A;
    }
    let damaged = dir.join("damaged.sqlite");
    std::fs::write(&damaged, &bytes).unwrap();
    let keep = l.dir.path().join("replaced");
    let err = backup::restore(&damaged, &l.path, &keep, at(2))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::BackupDamaged { .. }), "{err:?}");

    // Not a database at all.
    let junk = dir.join("junk.sqlite");
    std::fs::write(&junk, b"junk").unwrap();
    let err = backup::restore(&junk, &l.path, &keep, at(3))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::BackupDamaged { .. }), "{err:?}");

    // A backup whose audit trail was tampered with.
    let tampered = dir.join("tampered.sqlite");
    std::fs::copy(&info.path, &tampered).unwrap();
    {
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&tampered)
            .connect()
            .await
            .unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'cli:forged'")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let err = backup::restore(&tampered, &l.path, &keep, at(4))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::BackupDamaged { .. }), "{err:?}");

    assert_eq!(file_digest(&l.path), before);
    assert!(!keep.exists(), "nothing was replaced, so nothing was kept");
}

#[tokio::test]
async fn backups_are_kept_by_the_retention_setting_and_made_when_due() {
    let l = ledger().await;
    let dir = l.dir.path().join("backups");
    for i in 0..5 {
        l.store.backup_now(&dir, at(i * 60), 3).await.unwrap();
    }
    let list = backup::list_backups(&dir).unwrap();
    assert_eq!(list.len(), 3);
    // The newest three remain.
    let newest = backup::last_backup_time(&dir).unwrap().unwrap();
    assert_eq!(newest, at(240));

    let every = chrono::Duration::hours(24);
    assert!(l
        .store
        .backup_if_due(&dir, at(300), every, 3)
        .await
        .unwrap()
        .is_none());
    let made = l
        .store
        .backup_if_due(&dir, at(240 + 86_400), every, 3)
        .await
        .unwrap();
    assert!(made.is_some());
    assert_eq!(backup::list_backups(&dir).unwrap().len(), 3);

    // A backup never overwrites a file.
    let existing = l.dir.path().join("exists.sqlite");
    std::fs::write(&existing, b"mine").unwrap();
    assert!(matches!(
        l.store.backup_to(&existing).await.unwrap_err(),
        StoreError::Invalid(_)
    ));
    assert_eq!(std::fs::read(&existing).unwrap(), b"mine");
}

#[tokio::test]
async fn sync_runs_are_pruned_after_the_setting_but_the_audit_trail_is_not() {
    let l = ledger().await;
    l.store
        .apply_page(
            TENANT,
            &recs(vec![bank_tx("a", 1, "1.00", "x")]),
            &actor(),
            at(0),
        )
        .await
        .unwrap();
    let day = 86_400;
    l.store
        .start_sync_run("old", TENANT, None, "incremental", at(0))
        .await
        .unwrap();
    l.store
        .start_sync_run("recent", TENANT, None, "incremental", at(80 * day))
        .await
        .unwrap();
    l.store
        .finish_sync_run("recent", "ok", 1, 1, 1, None, at(80 * day + 5))
        .await
        .unwrap();
    l.store
        .set_setting("sync_runs.keep_days", "30", at(0))
        .await
        .unwrap();
    let pruned = l.store.prune_sync_runs(at(100 * day)).await.unwrap();
    assert_eq!(pruned, 1);
    assert_eq!(count(&l.store, "SELECT COUNT(*) FROM sync_runs").await, 1);
    assert_eq!(count(&l.store, "SELECT COUNT(*) FROM audit_log").await, 1);
}

#[tokio::test]
async fn no_column_of_the_ledger_holds_floating_point() {
    let l = ledger().await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(l.store.pool())
    .await
    .unwrap();
    assert!(tables.len() > 25, "{tables:?}");
    for t in tables {
        let types: Vec<String> =
            sqlx::query_scalar(&format!("SELECT type FROM pragma_table_info('{t}')"))
                .fetch_all(l.store.pool())
                .await
                .unwrap();
        for ty in types {
            let ty = ty.to_uppercase();
            assert!(
                !(ty.contains("REAL")
                    || ty.contains("FLOA")
                    || ty.contains("DOUB")
                    || ty.contains("NUMERIC")),
                "{t} has a {ty} column"
            );
        }
    }
}
