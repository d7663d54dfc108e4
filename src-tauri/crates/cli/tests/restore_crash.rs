//! A restore is crash-safe, and refused while another process holds the
//! ledger. The real `ledgerkeep-cli restore` runs as a child process and is
//! aborted (`std::process::abort`, as abrupt as a kill -9) at each of the
//! restore's steps in turn; after each, the ledger opens, passes
//! `PRAGMA integrity_check` and its audit chain verifies, and it is either
//! the old ledger or the restored one, with a record of what happened.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{DateTime, TimeZone, Utc};
use ledgerkeep_domain::xero::{BankTransaction, XeroRecord};
use ledgerkeep_domain::Actor;
use ledgerkeep_store::{backup, LedgerStore, OpenOptions};

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
}

fn bank_tx(id: &str, total: &str) -> XeroRecord<BankTransaction> {
    let text = format!(
        r#"{{"BankTransactionID": "{id}", "Type": "SPEND", "Status": "AUTHORISED",
            "Contact": {{"ContactID": "c-1", "Name": "Acme Supplies"}},
            "BankAccount": {{"AccountID": "bank-1", "Code": "090"}},
            "Date": "/Date(1539993600000+0000)/", "Reference": "{id}",
            "CurrencyCode": "NZD", "LineAmountTypes": "Inclusive",
            "LineItems": [{{"Description": "Paper", "UnitAmount": {total}, "Quantity": 1,
                            "LineAmount": {total}, "AccountCode": "400"}}],
            "SubTotal": {total}, "TotalTax": 0.00, "Total": {total},
            "UpdatedDateUTC": "/Date(1700000000000+0000)/"}}"#
    );
    XeroRecord::from_value(serde_json::from_str(&text).unwrap()).unwrap()
}

/// A data folder whose ledger holds two records, and a checked backup of it
/// when it held one.
async fn data_folder() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite");
    let store = LedgerStore::open(&ledger).await.unwrap();
    let actor = Actor::sync("test");
    store
        .apply_page("tenant-1", &[bank_tx("a", "12.34")], &actor, at(0))
        .await
        .unwrap();
    let info = store
        .backup_now(&dir.path().join("backups"), at(10), 10)
        .await
        .unwrap();
    store
        .apply_page("tenant-1", &[bank_tx("b", "99.00")], &actor, at(20))
        .await
        .unwrap();
    store.close().await;
    (dir, ledger, info.path)
}

fn restore(data: &Path, from: &Path, abort_at: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"));
    c.env("LEDGERKEEP_DATA_DIR", data)
        .env(
            "LEDGERKEEP_KEYRING_SERVICE",
            "ledgerkeep-test-restore-crash",
        )
        .args(["restore", from.to_str().unwrap()]);
    match abort_at {
        Some(step) => c.env(backup::ABORT_AT_ENV, step),
        None => c.env_remove(backup::ABORT_AT_ENV),
    };
    c.output().unwrap()
}

/// Opens the ledger as a reader (no writer lock, no tidying), checks it
/// whole, and counts its records.
async fn whole_and_counted(ledger: &Path) -> i64 {
    let store = LedgerStore::open_with(
        ledger,
        OpenOptions {
            hold_writer_lock: Some(false),
            ..OpenOptions::default()
        },
    )
    .await
    .unwrap();
    store.integrity_check().await.unwrap();
    let v = store.verify_audit().await.unwrap();
    assert!(v.is_intact(), "{v:?}");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bank_transactions")
        .fetch_one(store.pool())
        .await
        .unwrap();
    store.close().await;
    n
}

#[tokio::test]
async fn a_restore_aborted_at_each_step_leaves_the_old_ledger_or_the_new_one() {
    for step in backup::RESTORE_STEPS {
        let (dir, ledger, from) = data_folder().await;
        let out = restore(dir.path(), &from, Some(step));
        assert!(
            !out.status.success(),
            "{step}: the restore was to be cut short: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            backup::restore_marker(&ledger).exists(),
            "{step}: the marker stays until the restore has finished: {}",
            String::from_utf8_lossy(&out.stderr)
        );

        // The ledger as the process left it: whole, old or new.
        let records = whole_and_counted(&ledger).await;
        let replaced = step == "renamed";
        assert_eq!(
            records,
            if replaced { 1 } else { 2 },
            "{step}: the {} ledger",
            if replaced { "restored" } else { "old" }
        );

        // The next open (the app's, which takes the writer lock) notes what
        // happened and tidies up; the ledger is the same.
        let store = LedgerStore::open(&ledger).await.unwrap();
        store.integrity_check().await.unwrap();
        store.close().await;
        assert!(!backup::restore_marker(&ledger).exists(), "{step}");
        let record: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(backup::interrupted_record(&ledger)).unwrap(),
        )
        .unwrap();
        assert_eq!(record["step"], step);
        let outcome = record["outcome"].as_str().unwrap();
        if replaced {
            assert!(
                outcome.contains("the restored ledger is in use"),
                "{step}: {outcome}"
            );
        } else {
            assert!(
                outcome.contains("the ledger was not changed"),
                "{step}: {outcome}"
            );
        }
        assert_eq!(
            whole_and_counted(&ledger).await,
            if replaced { 1 } else { 2 }
        );
        let leftovers: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.contains(".restoring") || n.ends_with(".partial"))
            .collect();
        assert!(leftovers.is_empty(), "{step}: {leftovers:?}");

        // And a restore run again to its end restores.
        let out = restore(dir.path(), &from, None);
        assert!(
            out.status.success(),
            "{step}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(whole_and_counted(&ledger).await, 1, "{step}");
        assert!(!backup::restore_marker(&ledger).exists());
    }
}

#[tokio::test]
async fn a_restore_while_the_app_holds_the_ledger_is_refused_naming_it() {
    let (dir, ledger, from) = data_folder().await;
    // This test process plays the app: it holds the ledger open.
    let app = LedgerStore::open(&ledger).await.unwrap();
    assert!(app.holds_writer_lock());

    let out = restore(dir.path(), &from, None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "Ledgerkeep (the app, pid {}) has the ledger open; close it and try again",
            std::process::id()
        )),
        "{err}"
    );
    // The ledger the app holds is untouched and whole.
    app.integrity_check().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bank_transactions")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert!(!backup::restore_marker(&ledger).exists());
    app.close().await;

    // Closed: the restore runs.
    let out = restore(dir.path(), &from, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(whole_and_counted(&ledger).await, 1);
}

fn cli(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"));
    c.env("LEDGERKEEP_DATA_DIR", data)
        .env("LEDGERKEEP_KEYRING_SERVICE", "ledgerkeep-test-side-by-side")
        .env_remove(backup::ABORT_AT_ENV)
        .args(args);
    c
}

#[tokio::test]
async fn beside_the_app_reads_run_and_a_sync_waits_for_it_or_exits_4() {
    let (dir, ledger, _) = data_folder().await;
    let app = LedgerStore::open(&ledger).await.unwrap();
    let me = format!("Ledgerkeep (the app, pid {})", std::process::id());

    // Read-only commands need no writer lock.
    for args in [
        &["info"][..],
        &["status"],
        &["audit", "verify"],
        &["payments"],
    ] {
        let out = cli(dir.path(), args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // `sync --no-wait` names the app and exits 4.
    let out = cli(dir.path(), &["sync", "--no-wait"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{me} has the ledger open")), "{err}");

    // `sync` waits, saying so, until the app closes.
    let mut child = cli(dir.path(), &["sync"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "the sync did not wait for the app"
    );
    app.close().await;
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("Waiting: {me} has the ledger open")),
        "{err}"
    );
    // Whatever the sync then did (no organisation is signed in here), the
    // ledger is whole.
    assert_eq!(whole_and_counted(&ledger).await, 2);
}
