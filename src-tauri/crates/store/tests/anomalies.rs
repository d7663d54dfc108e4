//! Anomaly findings kept as facts, on real ledger files: a finding stored in
//! words by an older version (the v18 fixture) is still read with its words
//! after the upgrade, and keeps its dismissal when detection finds it again
//! and stores its facts.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use ledgerkeep_domain::{Actor, EntityKind};
use ledgerkeep_store::{
    AnomalyConfig, AnomalyRule, DismissOutcome, FindingFacts, Found, LedgerStore, OpenOptions,
};
use sqlx::Connection;

#[path = "../../../../tests/fixtures/ledgers/sql_dump.rs"]
mod sql_dump;

fn fixture(version: i64) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../../tests/fixtures/ledgers/v{version}.sql.gz"))
}

#[tokio::test]
async fn a_finding_worded_before_the_facts_keeps_its_words_and_its_dismissal_through_detection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    sql_dump::restore(&sql_dump::read_gz(&fixture(18)), &path).await;
    // The owner dismissed the duplicate at schema 18, as that version did.
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let (id, tenant, key, title, explanation): (i64, String, String, String, String) =
        sqlx::query_as(
            "SELECT id, tenant_id, finding_key, title, explanation FROM anomaly_findings \
             WHERE rule = 'duplicate_bill' ORDER BY id LIMIT 1",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE anomaly_findings SET dismissed_at = '2026-12-01T00:00:00.000Z', \
         dismissed_by = 'user:dismiss_anomaly', dismissed_reason = 'Two deliveries' WHERE id = ?",
    )
    .bind(id)
    .execute(&mut conn)
    .await
    .unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM anomaly_findings")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let store = LedgerStore::open_with(
        &path,
        OpenOptions {
            backup_dir: Some(dir.path().join("backups")),
            ..OpenOptions::default()
        },
    )
    .await
    .unwrap();
    // Upgraded: every finding is there, in the words it was stored with.
    let all = store.anomaly_findings(None, true).await.unwrap();
    assert_eq!(all.len() as i64, rows);
    let old = all.iter().find(|f| f.id == id).unwrap();
    assert_eq!(old.key, key);
    assert_eq!(old.rule, AnomalyRule::DuplicateBill);
    let Found::Worded(w) = &old.found else {
        panic!("{:?}", old.found)
    };
    assert_eq!((&w.title, &w.explanation), (&title, &explanation));
    assert_eq!(w.records.len(), 2);
    assert_eq!(old.dismissed.as_ref().unwrap().reason, "Two deliveries");
    assert!(all.iter().all(|f| matches!(f.found, Found::Worded(_))));

    // Detection finds it again: the same row, now with its facts, still dismissed.
    let now = Utc.with_ymd_and_hms(2026, 12, 20, 0, 0, 0).unwrap();
    store
        .detect_anomalies(&tenant, &AnomalyConfig::default(), now)
        .await
        .unwrap();
    let all = store.anomaly_findings(Some(&tenant), true).await.unwrap();
    let again = all.iter().find(|f| f.id == id).unwrap();
    assert_eq!(again.key, key);
    let Some(FindingFacts::DuplicateBill { first, second, .. }) = again.found.facts() else {
        panic!("{:?}", again.found)
    };
    // The facts name the bills the old sentence named.
    for bill in [first, second] {
        assert_eq!(bill.bill.entity, EntityKind::Invoice);
        let number = bill.bill.number.as_deref().unwrap();
        assert!(explanation.contains(number), "{number}: {explanation}");
        assert!(w.records.iter().any(|r| r.xero_id == bill.bill.xero_id));
    }
    assert_eq!(again.amount, second.total);
    assert_eq!(again.dismissed.as_ref().unwrap().reason, "Two deliveries");
    assert!(again.resolved_at.is_none());
    assert!(store
        .anomaly_findings(Some(&tenant), false)
        .await
        .unwrap()
        .iter()
        .all(|f| f.id != id));
    // Stored as facts only: the worded columns are left empty.
    let (title, facts): (String, Option<String>) =
        sqlx::query_as("SELECT title, facts_json FROM anomaly_findings WHERE id = ?")
            .bind(id)
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(title, "");
    let facts: serde_json::Value = serde_json::from_str(&facts.unwrap()).unwrap();
    assert_eq!(facts["kind"], "duplicate_bill");
    // A dismissal on the new row is refused as before.
    let outcome = store
        .dismiss_finding(id, "again", &Actor::user("dismiss_anomaly"), now)
        .await
        .unwrap();
    assert!(matches!(outcome, DismissOutcome::AlreadyDismissed(_)));
    store.close().await;
}
