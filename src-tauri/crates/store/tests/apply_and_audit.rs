//! apply_page: idempotent upserts, out-of-order updates, the watermark, and the
//! audit chain, on real ledger files.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use common::*;
use ledgerkeep_domain::xero::{Invoice, Organisation, Page, XeroRecord};
use ledgerkeep_domain::EntityKind;
use ledgerkeep_store::BreakKind;

#[tokio::test]
async fn applying_the_same_page_twice_changes_nothing_and_writes_no_audit_rows() {
    let l = ledger().await;
    let page = recs(vec![
        bank_tx("bt-1", 1_000, "10.00", "A"),
        bank_tx("bt-2", 2_000, "20.50", "B"),
    ]);
    let first = l
        .store
        .apply_page(TENANT, &page, &actor(), at(0))
        .await
        .unwrap();
    assert_eq!((first.inserted, first.updated, first.audit_rows), (2, 0, 2));
    let rows_before = count(&l.store, "SELECT COUNT(*) FROM bank_transactions").await;
    let lines_before = count(&l.store, "SELECT COUNT(*) FROM bank_transaction_lines").await;

    let second = l
        .store
        .apply_page(TENANT, &page, &actor(), at(10))
        .await
        .unwrap();
    assert_eq!(
        (second.inserted, second.updated, second.unchanged),
        (0, 0, 2)
    );
    assert_eq!(second.audit_rows, 0);
    assert_eq!(count(&l.store, "SELECT COUNT(*) FROM audit_log").await, 2);
    assert_eq!(
        count(&l.store, "SELECT COUNT(*) FROM bank_transactions").await,
        rows_before
    );
    assert_eq!(
        count(&l.store, "SELECT COUNT(*) FROM bank_transaction_lines").await,
        lines_before
    );

    // Key order and whitespace in Xero's JSON do not make a record "changed".
    let reordered: serde_json::Value = serde_json::from_str(
        &serde_json::to_string_pretty(&bank_tx("bt-1", 1_000, "10.00", "A")).unwrap(),
    )
    .unwrap();
    let third = l
        .store
        .apply_page(TENANT, &recs(vec![reordered]), &actor(), at(20))
        .await
        .unwrap();
    assert_eq!(third.unchanged, 1);
    assert_eq!(count(&l.store, "SELECT COUNT(*) FROM audit_log").await, 2);
}

#[tokio::test]
async fn an_older_version_never_overwrites_a_newer_one() {
    let l = ledger().await;
    let newer = recs(vec![bank_tx("bt-1", 5_000, "99.99", "NEW")]);
    let older = recs(vec![bank_tx("bt-1", 4_000, "11.11", "OLD")]);
    l.store
        .apply_page(TENANT, &newer, &actor(), at(0))
        .await
        .unwrap();
    let out = l
        .store
        .apply_page(TENANT, &older, &actor(), at(1))
        .await
        .unwrap();
    assert_eq!((out.stale, out.updated, out.audit_rows), (1, 0, 0));
    let (total, reference): (String, String) =
        sqlx::query_as("SELECT total, reference FROM bank_transactions WHERE xero_id = 'bt-1'")
            .fetch_one(l.store.pool())
            .await
            .unwrap();
    assert_eq!((total.as_str(), reference.as_str()), ("99.99", "NEW"));

    // Within one page too: the newer copy wins whatever its position.
    let mixed = recs(vec![
        bank_tx("bt-2", 9_000, "2.00", "NEWER"),
        bank_tx("bt-2", 8_000, "1.00", "OLDER"),
    ]);
    l.store
        .apply_page(TENANT, &mixed, &actor(), at(2))
        .await
        .unwrap();
    let reference: String =
        sqlx::query_scalar("SELECT reference FROM bank_transactions WHERE xero_id = 'bt-2'")
            .fetch_one(l.store.pool())
            .await
            .unwrap();
    assert_eq!(reference, "NEWER");
}

#[tokio::test]
async fn same_timestamp_with_different_content_is_repaired_and_audited() {
    // Xero does not move UpdatedDateUTC for some changes: the full sweep sends
    // the same timestamp with new content, which must be applied.
    let l = ledger().await;
    l.store
        .apply_page(
            TENANT,
            &recs(vec![bank_tx("bt-1", 1_000, "10.00", "A")]),
            &actor(),
            at(0),
        )
        .await
        .unwrap();
    let out = l
        .store
        .apply_page(
            TENANT,
            &recs(vec![bank_tx("bt-1", 1_000, "10.00", "A2")]),
            &actor(),
            at(1),
        )
        .await
        .unwrap();
    assert_eq!((out.updated, out.audit_rows), (1, 1));
}

#[tokio::test]
async fn one_audit_row_per_change_with_the_right_old_and_new_values() {
    let l = ledger().await;
    l.store
        .apply_page(
            TENANT,
            &recs(vec![bank_tx("bt-1", 1_000, "10.00", "A")]),
            &actor(),
            at(0),
        )
        .await
        .unwrap();
    let out = l
        .store
        .apply_page(
            TENANT,
            &recs(vec![bank_tx("bt-1", 2_000, "98765432109876.54", "A")]),
            &ledgerkeep_domain::Actor::user("edit"),
            at(5),
        )
        .await
        .unwrap();
    assert_eq!((out.updated, out.audit_rows), (1, 1));

    let history = l
        .store
        .record_history("bank_transactions", TENANT, "bt-1")
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].action, "insert");
    assert_eq!(history[0].actor, "sync:run-1");
    assert_eq!(history[1].action, "update");
    assert_eq!(history[1].actor, "user:edit");
    assert_eq!(history[1].at, "2023-11-14T22:13:25.000Z");
    let changes: serde_json::Value = serde_json::from_str(&history[1].changes_json).unwrap();
    let fields: Vec<&String> = changes.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["LineItems", "SubTotal", "Total", "UpdatedDateUTC"]);
    assert_eq!(changes["Total"]["old"].to_string(), "10.00");
    assert_eq!(changes["Total"]["new"].to_string(), "98765432109876.54");
    assert_eq!(changes["UpdatedDateUTC"]["old"], "/Date(1000+0000)/");
    assert_eq!(changes["UpdatedDateUTC"]["new"], "/Date(2000+0000)/");
    // The insert row names every field, with no old value.
    let inserted: serde_json::Value = serde_json::from_str(&history[0].changes_json).unwrap();
    assert_eq!(inserted["Reference"]["new"], "A");
    assert!(inserted["Reference"]["old"].is_null());
    // The typed columns and the lines followed the change.
    let (total, e4): (String, i64) =
        sqlx::query_as("SELECT total, total_e4 FROM bank_transactions WHERE xero_id = 'bt-1'")
            .fetch_one(l.store.pool())
            .await
            .unwrap();
    assert_eq!(total, "98765432109876.54");
    assert_eq!(e4, 987_654_321_098_765_400);
    assert_eq!(
        count(&l.store, "SELECT COUNT(*) FROM bank_transaction_lines").await,
        1
    );
    let line: String = sqlx::query_scalar("SELECT line_amount FROM bank_transaction_lines")
        .fetch_one(l.store.pool())
        .await
        .unwrap();
    assert_eq!(line, "98765432109876.54");
}

#[tokio::test]
async fn the_watermark_is_the_max_committed_and_never_goes_back() {
    let l = ledger().await;
    assert_eq!(
        l.store
            .watermark(TENANT, EntityKind::BankTransaction)
            .await
            .unwrap(),
        None
    );
    let out = l
        .store
        .apply_page(
            TENANT,
            &recs(vec![
                bank_tx("a", 3_000, "1.00", "x"),
                bank_tx("b", 7_000, "1.00", "y"),
            ]),
            &actor(),
            at(0),
        )
        .await
        .unwrap();
    assert_eq!(out.watermark.as_deref(), Some("1970-01-01T00:00:07.000Z"));
    l.store
        .apply_page(
            TENANT,
            &recs(vec![bank_tx("c", 5_000, "1.00", "z")]),
            &actor(),
            at(1),
        )
        .await
        .unwrap();
    assert_eq!(
        l.store
            .watermark(TENANT, EntityKind::BankTransaction)
            .await
            .unwrap()
            .as_deref(),
        Some("1970-01-01T00:00:07.000Z")
    );
    // Another tenant's stream is its own.
    assert_eq!(
        l.store
            .watermark("other", EntityKind::BankTransaction)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_page_that_fails_commits_nothing() {
    let l = ledger().await;
    l.store
        .apply_page(
            TENANT,
            &recs(vec![bank_tx("a", 1_000, "1.00", "x")]),
            &actor(),
            at(0),
        )
        .await
        .unwrap();
    // A raw page where the second record is malformed is refused whole,
    // before the store sees any of it: typed pages are read at the edge.
    let page = serde_json::json!({"BankTransactions": [
        bank_tx("b", 2_000, "2.00", "y"),
        {"BankTransactionID": "c", "Date": "not a date"}
    ]});
    let err = Page::from_value(EntityKind::BankTransaction, page).unwrap_err();
    assert!(
        err.to_string()
            .contains("BankTransaction record could not be read at Date"),
        "{err}"
    );
    let err = ledgerkeep_store::StoreError::from(err);
    assert!(
        matches!(err, ledgerkeep_store::StoreError::Entity(_)),
        "{err:?}"
    );
    assert_eq!(
        count(&l.store, "SELECT COUNT(*) FROM bank_transactions").await,
        1
    );
    assert_eq!(
        l.store
            .watermark(TENANT, EntityKind::BankTransaction)
            .await
            .unwrap()
            .as_deref(),
        Some("1970-01-01T00:00:01.000Z")
    );
}

#[tokio::test]
async fn every_field_xero_sends_is_kept_and_secrets_are_not() {
    let l = ledger().await;
    let page = serde_json::json!({"Organisations": [{
        "OrganisationID": "org-1", "Name": "Demo", "BaseCurrency": "NZD", "Timezone": "NEWZEALANDSTANDARDTIME",
        "FinancialYearEndDay": 31, "FinancialYearEndMonth": 3, "PeriodLockDate": "/Date(1546214400000+0000)/",
        "APIKey": "SECRET-API-KEY", "BrandNewField": {"X": 1}
    }]});
    l.store
        .apply_page(
            TENANT,
            &XeroRecord::<Organisation>::page_from_value(page).unwrap(),
            &actor(),
            at(0),
        )
        .await
        .unwrap();
    let (raw, lock, base): (String, String, String) =
        sqlx::query_as("SELECT raw_json, period_lock_date, base_currency FROM organisations")
            .fetch_one(l.store.pool())
            .await
            .unwrap();
    assert!(raw.contains("BrandNewField"));
    assert!(!raw.contains("SECRET-API-KEY"));
    assert_eq!(lock, "2018-12-31");
    assert_eq!(base, "NZD");
    let audit: String = sqlx::query_scalar("SELECT group_concat(changes_json) FROM audit_log")
        .fetch_one(l.store.pool())
        .await
        .unwrap();
    assert!(!audit.contains("SECRET-API-KEY"));

    // Invoices keep line tracking and unit amounts at 4 dp.
    let inv = XeroRecord::<Invoice>::from_json(
        r#"{"InvoiceID": "i-1", "Type": "ACCPAY", "InvoiceNumber": "BILL-7", "CurrencyCode": "NZD",
            "LineItems": [{"Description": "Bolts", "UnitAmount": 1.2345, "LineAmount": 12.35,
                           "Tracking": [{"Name": "Region", "Option": "North"}]}],
            "Total": 12.35, "UpdatedDateUTC": "/Date(1000+0000)/"}"#,
    )
    .unwrap();
    l.store
        .apply_page(TENANT, &[inv], &actor(), at(1))
        .await
        .unwrap();
    let (unit, tracking, cur): (String, String, String) =
        sqlx::query_as("SELECT unit_amount, tracking_json, currency_code FROM invoice_lines")
            .fetch_one(l.store.pool())
            .await
            .unwrap();
    assert_eq!(unit, "1.2345");
    assert!(tracking.contains("North"));
    assert_eq!(cur, "NZD");
}

#[tokio::test]
async fn deleting_a_record_is_audited_with_its_old_values() {
    let l = ledger().await;
    l.store
        .apply_page(
            TENANT,
            &recs(vec![bank_tx("bt-1", 1_000, "10.00", "A")]),
            &actor(),
            at(0),
        )
        .await
        .unwrap();
    let existed = l
        .store
        .delete_record(
            EntityKind::BankTransaction,
            TENANT,
            "bt-1",
            &ledgerkeep_domain::Actor::cli("purge"),
            at(1),
        )
        .await
        .unwrap();
    assert!(existed);
    assert_eq!(
        count(&l.store, "SELECT COUNT(*) FROM bank_transactions").await,
        0
    );
    assert_eq!(
        count(&l.store, "SELECT COUNT(*) FROM bank_transaction_lines").await,
        0
    );
    assert_eq!(
        count(&l.store, "SELECT COUNT(*) FROM bank_transaction_fts").await,
        0
    );
    let history = l
        .store
        .record_history("bank_transactions", TENANT, "bt-1")
        .await
        .unwrap();
    assert_eq!(history.last().unwrap().action, "delete");
    assert!(history
        .last()
        .unwrap()
        .changes_json
        .contains("\"old\":10.00"));
    assert!(l.store.verify_audit().await.unwrap().is_intact());
}

async fn chain_of(n: usize) -> Ledger {
    let l = ledger().await;
    for i in 0..n {
        let id = format!("bt-{i}");
        l.store
            .apply_page(
                TENANT,
                &recs(vec![bank_tx(&id, 1_000, "1.00", "r")]),
                &actor(),
                at(i as i64),
            )
            .await
            .unwrap();
    }
    let report = l.store.verify_audit().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.rows_checked, n as u64);
    l
}

async fn exec(l: &Ledger, sql: &str) {
    sqlx::query(sql).execute(l.store.pool()).await.unwrap();
}

#[tokio::test]
async fn verify_catches_an_edited_row() {
    let l = chain_of(5).await;
    exec(
        &l,
        "UPDATE audit_log SET changes_json = replace(changes_json, '1.00', '9.00') WHERE seq = 3",
    )
    .await;
    let b = l.store.verify_audit().await.unwrap().first_break.unwrap();
    assert_eq!((b.seq, b.kind), (3, BreakKind::HashMismatch));

    let l = chain_of(3).await;
    exec(
        &l,
        "UPDATE audit_log SET actor = 'user:someone-else' WHERE seq = 2",
    )
    .await;
    let b = l.store.verify_audit().await.unwrap().first_break.unwrap();
    assert_eq!((b.seq, b.kind), (2, BreakKind::HashMismatch));
}

#[tokio::test]
async fn verify_catches_a_deleted_row() {
    let l = chain_of(5).await;
    exec(&l, "DELETE FROM audit_log WHERE seq = 2").await;
    let b = l.store.verify_audit().await.unwrap().first_break.unwrap();
    assert_eq!((b.seq, b.kind), (3, BreakKind::SequenceGap));

    // Renumbered to hide the gap: the link still breaks.
    let l = chain_of(5).await;
    exec(&l, "DELETE FROM audit_log WHERE seq = 2").await;
    exec(&l, "UPDATE audit_log SET seq = seq - 1 WHERE seq > 2").await;
    let b = l.store.verify_audit().await.unwrap().first_break.unwrap();
    assert_eq!((b.seq, b.kind), (2, BreakKind::LinkMismatch));

    // The last row removed: the head no longer matches.
    let l = chain_of(5).await;
    exec(&l, "DELETE FROM audit_log WHERE seq = 5").await;
    let b = l.store.verify_audit().await.unwrap().first_break.unwrap();
    assert_eq!(b.kind, BreakKind::HeadMismatch);
}

#[tokio::test]
async fn verify_catches_an_inserted_row() {
    let l = chain_of(4).await;
    // A forged row slipped in after row 2, the rest renumbered.
    exec(&l, "UPDATE audit_log SET seq = seq + 100 WHERE seq > 2").await;
    exec(&l, "UPDATE audit_log SET seq = seq - 99 WHERE seq > 100").await;
    exec(
        &l,
        "INSERT INTO audit_log (seq, table_name, tenant_id, record_id, action, changes_json, actor, at, prev_hash, hash) \
         SELECT 3, table_name, tenant_id, 'forged', action, changes_json, actor, at, hash, hash FROM audit_log WHERE seq = 2",
    )
    .await;
    let b = l.store.verify_audit().await.unwrap().first_break.unwrap();
    assert_eq!((b.seq, b.kind), (3, BreakKind::HashMismatch));

    // A row appended at the end, even with a correct-looking link, misses the head.
    let l = chain_of(2).await;
    exec(
        &l,
        "INSERT INTO audit_log (seq, table_name, tenant_id, record_id, action, changes_json, actor, at, prev_hash, hash) \
         SELECT 3, table_name, tenant_id, 'forged', action, changes_json, actor, at, hash, hash FROM audit_log WHERE seq = 2",
    )
    .await;
    let b = l.store.verify_audit().await.unwrap().first_break.unwrap();
    assert_eq!(b.seq, 3);
}

#[tokio::test]
async fn two_writers_never_extend_the_same_head() {
    let l = ledger().await;
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = l.store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let id = format!("w{w}-{i}");
                store
                    .apply_page(
                        TENANT,
                        &recs(vec![bank_tx(&id, 1_000, "1.00", "r")]),
                        &actor(),
                        at(i),
                    )
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = l.store.verify_audit().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.rows_checked, 40);
}
