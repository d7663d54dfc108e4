//! Replacing an organisation's general ledger (`GlWriter`): the tables are
//! made again and their indexes at the end, in one transaction. Another
//! organisation's ledger is kept as it was, a reader sees the old ledger until
//! the commit, and the schema comes back as the migrations left it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use common::*;
use ledgerkeep_domain::Money;
use ledgerkeep_store::general_ledger::GlLine;
use ledgerkeep_store::LedgerStore;
use sqlx::Row;

const OTHER: &str = "tenant-2";

/// A document's two lines on `date`: `amount` to the bank, its opposite to sales.
fn document(id: &str, date: &str, amount: &str) -> Vec<GlLine> {
    let line = |account: &str, net: &str| GlLine {
        date: date.to_owned(),
        reference: Some(format!("ref {id}")),
        source_xero_id: id.to_owned(),
        source_type: "CASHREC".to_owned(),
        line_xero_id: None,
        role: "item".to_owned(),
        account_xero_id: Some(account.to_owned()),
        account_code: None,
        account_type: None,
        account_name: None,
        description: Some(format!("{id} to {account}")),
        net: Money::parse(net).unwrap(),
        tax_type: None,
        currency_code: None,
        foreign_amount: None,
        tracking_json: None,
    };
    let opposite = amount
        .strip_prefix('-')
        .map_or_else(|| format!("-{amount}"), str::to_owned);
    vec![line("bank", amount), line("sales", &opposite)]
}

async fn rebuild(store: &LedgerStore, tenant: &str, documents: &[Vec<GlLine>]) {
    let mut writer = store.begin_general_ledger(tenant).await.unwrap();
    for d in documents {
        writer.write(d).await.unwrap();
    }
    writer
        .finish("2026-12-05T00:00:00Z", documents.len() as u64, &[])
        .await
        .unwrap();
}

/// Every entry and line of `tenant`, as text, by entry id and position.
async fn ledger_of(store: &LedgerStore, tenant: &str) -> Vec<String> {
    sqlx::query(
        "SELECT e.id, e.xero_id, e.date, e.reference, e.source_xero_id, e.source_type, \
         l.position, l.account_xero_id, l.description, l.net_amount, l.net_amount_e4 \
         FROM gl_entries e JOIN gl_lines l ON l.parent_id = e.id WHERE e.tenant_id = ? \
         ORDER BY e.id, l.position",
    )
    .bind(tenant)
    .fetch_all(store.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (0..11)
            .map(|i| {
                r.try_get::<Option<String>, _>(i)
                    .ok()
                    .flatten()
                    .or_else(|| {
                        r.try_get::<Option<i64>, _>(i)
                            .ok()
                            .flatten()
                            .map(|n| n.to_string())
                    })
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("|")
    })
    .collect()
}

/// The general ledger's tables, indexes and triggers as SQLite keeps them.
async fn schema(store: &LedgerStore) -> Vec<(String, String, Option<String>)> {
    sqlx::query(
        "SELECT type, name, sql FROM sqlite_schema \
         WHERE tbl_name IN ('gl_entries', 'gl_lines') ORDER BY type, name",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect()
}

#[tokio::test]
async fn replacing_a_ledger_keeps_another_organisations_and_the_schema() {
    let l = ledger().await;
    let schema_before = schema(&l.store).await;
    assert!(
        schema_before
            .iter()
            .any(|(_, name, _)| name == "gl_entries_key"),
        "{schema_before:?}"
    );
    rebuild(
        &l.store,
        OTHER,
        &[
            document("o-1", "2026-01-05", "10.00"),
            document("o-2", "2026-02-06", "-2.50"),
        ],
    )
    .await;
    rebuild(
        &l.store,
        TENANT,
        &[
            document("a-1", "2026-01-07", "7.00"),
            document("a-2", "2026-01-08", "8.00"),
        ],
    )
    .await;
    let other = ledger_of(&l.store, OTHER).await;
    assert_eq!(other.len(), 4, "{other:?}");

    // A reader sees the old ledger while the new one is written.
    let mut writer = l.store.begin_general_ledger(TENANT).await.unwrap();
    writer
        .write(&document("a-3", "2026-03-01", "3.00"))
        .await
        .unwrap();
    let seen = ledger_of(&l.store, TENANT).await;
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert!(seen.iter().all(|r| !r.contains("a-3")), "{seen:?}");
    writer.finish("2026-12-05T01:00:00Z", 1, &[]).await.unwrap();

    let mine = ledger_of(&l.store, TENANT).await;
    assert_eq!(mine.len(), 2, "{mine:?}");
    assert!(
        mine.iter().all(|r| r.contains("a-3@2026-03-01")),
        "{mine:?}"
    );
    assert_eq!(ledger_of(&l.store, OTHER).await, other);
    assert_eq!(schema(&l.store).await, schema_before);

    // The key is still unique, and the lines still name their entries.
    let duplicate = sqlx::query(
        "INSERT INTO gl_entries (tenant_id, xero_id, date, source_xero_id, source_type) \
         VALUES (?, 'a-3@2026-03-01', '2026-03-01', 'a-3', 'CASHREC')",
    )
    .bind(TENANT)
    .execute(l.store.pool())
    .await;
    assert!(
        duplicate.is_err(),
        "a second entry with the same key was kept"
    );
    let orphan = sqlx::query(
        "INSERT INTO gl_lines (parent_id, position, role, net_amount) VALUES (999999, 0, 'item', '1')",
    )
    .execute(l.store.pool())
    .await;
    assert!(orphan.is_err(), "a line of no entry was kept");
    let months: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM gl_month_totals WHERE tenant_id = ? AND month = '2026-01'",
    )
    .bind(TENANT)
    .fetch_one(l.store.pool())
    .await
    .unwrap();
    assert_eq!(months, 0, "the months of the old ledger are gone");
}
