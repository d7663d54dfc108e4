//! Safe schema upgrades: every schema version has a committed ledger with data
//! (`tests/fixtures/ledgers/v<N>.sql.gz`, written by the version that shipped
//! it, kept as the SQL that rebuilds the file). Each is rebuilt in a temporary
//! folder and migrated to this build's schema: every row of every table it had
//! is still there with the same values, a backup of the old file is taken
//! first, and the audit chain still verifies.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ledgerkeep_store::query::{DocumentFilter, DocumentKind};
use ledgerkeep_store::{latest_schema_version, LedgerStore, OpenOptions, MIGRATOR};
use sqlx::{Connection, Row};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/fixtures/ledgers")
}

#[path = "../../../../tests/fixtures/ledgers/sql_dump.rs"]
mod sql_dump;

fn fixture(version: i64) -> PathBuf {
    fixtures_dir().join(format!("v{version}.sql.gz"))
}

/// The fixture of `version`, rebuilt as a SQLite file in `dir`.
async fn rebuilt(version: i64, dir: &Path) -> PathBuf {
    let path = dir.join("ledger.sqlite");
    sql_dump::restore(&sql_dump::read_gz(&fixture(version)), &path).await;
    path
}

/// Every row of every table (by its columns at the time), as SQL literals,
/// in rowid order. FTS shadow tables are derived data and are left out.
type Snapshot = BTreeMap<String, (Vec<String>, Vec<Vec<String>>)>;

async fn snapshot(path: &Path, only: Option<&Snapshot>) -> Snapshot {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT LIKE '%_fts%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut out = Snapshot::new();
    for table in tables {
        let columns: Vec<String> = match only.and_then(|o| o.get(&table)) {
            Some((cols, _)) => cols.clone(),
            None if only.is_some() => continue,
            None => sqlx::query(&format!("PRAGMA table_info(\"{table}\")"))
                .fetch_all(&mut conn)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>("name"))
                .collect(),
        };
        let select = columns
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!("SELECT {select} FROM \"{table}\" ORDER BY rowid"))
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| (0..columns.len()).map(|i| r.get::<String, _>(i)).collect())
            .collect();
        out.insert(table, (columns, rows));
    }
    conn.close().await.unwrap();
    out
}

async fn applied_version(path: &Path) -> i64 {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    let v = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    v
}

#[test]
fn every_schema_version_has_a_fixture_ledger() {
    for m in MIGRATOR.iter() {
        assert!(
            fixture(m.version).exists(),
            "schema version {} ({}) has no fixture ledger; write one with the api crate's \
             ledger_fixture test (see tests/fixtures/ledgers/README.md)",
            m.version,
            m.description
        );
    }
}

#[tokio::test]
async fn every_fixture_migrates_to_the_current_schema_keeping_every_record() {
    let latest = latest_schema_version();
    let mut checked = 0;
    for m in MIGRATOR.iter() {
        let dir = tempfile::tempdir().unwrap();
        let path = rebuilt(m.version, dir.path()).await;
        assert_eq!(
            applied_version(&path).await,
            m.version,
            "fixture v{}",
            m.version
        );
        let before = snapshot(&path, None).await;
        let rows_before: usize = before.values().map(|(_, rows)| rows.len()).sum();
        assert!(rows_before > 0, "fixture v{} holds no data", m.version);

        let backups = dir.path().join("backups");
        let store = LedgerStore::open_with(
            &path,
            OpenOptions {
                backup_dir: Some(backups.clone()),
                ..OpenOptions::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("fixture v{} did not open: {e}", m.version));
        assert_eq!(store.schema_version().await.unwrap(), latest);
        let report = store.verify_audit().await.unwrap();
        assert!(
            report.is_intact(),
            "fixture v{}: {:?}",
            m.version,
            report.first_break
        );
        store.integrity_check().await.unwrap();
        // The explorer's day rollups (0009), filled from the rows already
        // there, give the totals summed from the rows.
        let tenants: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT tenant_id FROM organisations")
                .fetch_all(store.pool())
                .await
                .unwrap();
        for tenant in &tenants {
            for kind in [DocumentKind::BankTransactions, DocumentKind::Invoices] {
                let f = DocumentFilter {
                    tenant_id: tenant.clone(),
                    ..DocumentFilter::default()
                };
                assert_eq!(
                    store.document_totals(kind, &f).await.unwrap(),
                    store.document_totals_by_scan(kind, &f).await.unwrap(),
                    "fixture v{}: {kind:?}",
                    m.version
                );
            }
        }
        store.close().await;

        // Every record is kept. A table that held none may be reshaped or
        // dropped by a later migration (0003 replaced 0002's empty placeholders).
        let with_rows: Snapshot = before
            .iter()
            .filter(|(_, (_, rows))| !rows.is_empty())
            .map(|(t, v)| (t.clone(), v.clone()))
            .collect();
        let after = snapshot(&path, Some(&with_rows)).await;
        for (table, (_, rows)) in &with_rows {
            let (_, rows_after) = after
                .get(table)
                .unwrap_or_else(|| panic!("fixture v{}: table {table} is gone", m.version));
            assert_eq!(
                rows_after, rows,
                "fixture v{}: table {table} changed",
                m.version
            );
        }

        // The old file was kept before anything ran, byte for byte.
        let taken: Vec<_> = std::fs::read_dir(&backups)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        if m.version < latest {
            assert_eq!(taken.len(), 1, "fixture v{}: {taken:?}", m.version);
            assert_eq!(
                snapshot(&taken[0], None).await,
                before,
                "fixture v{}: the backup differs from the file before migrating",
                m.version
            );
        } else {
            assert!(
                taken.is_empty(),
                "nothing to migrate, yet a backup: {taken:?}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, MIGRATOR.iter().count());
}

/// The fixtures are what their names say, and not all alike: the newest holds
/// synced books with an audit trail of inserts and updates.
#[tokio::test]
async fn the_newest_fixture_holds_synced_books_and_their_audit_trail() {
    let dir = tempfile::tempdir().unwrap();
    let path = rebuilt(latest_schema_version(), dir.path()).await;
    let snap = snapshot(&path, None).await;
    for table in [
        "organisations",
        "accounts",
        "contacts",
        "invoices",
        "payments",
        "journals",
    ] {
        assert!(!snap[table].1.is_empty(), "{table} is empty");
    }
    let (cols, rows) = &snap["audit_log"];
    let action = cols.iter().position(|c| c == "action").unwrap();
    for kind in ["'insert'", "'update'"] {
        assert!(
            rows.iter().any(|r| r[action] == kind),
            "no {kind} in the audit log"
        );
    }
}

/// The text is the file: each fixture, rebuilt, dumps to the very text it was
/// rebuilt from (every `CREATE` as written, every row with its rowid, SQLite's
/// and FTS5's own tables), and the rebuilt file is a sound SQLite file whose
/// full-text indexes agree with their rows.
#[tokio::test]
async fn every_fixture_rebuilds_into_the_ledger_it_was_dumped_from() {
    for m in MIGRATOR.iter() {
        let text = sql_dump::read_gz(&fixture(m.version));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        sql_dump::restore(&text, &path).await;
        assert!(
            sql_dump::dump(&path).await == text,
            "fixture v{}: the rebuilt file dumps to other SQL",
            m.version
        );
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let check: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        assert_eq!(check, ["ok"], "fixture v{}", m.version);
        let fts: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE % USING fts5%'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        for table in fts {
            sqlx::query(&format!(
                "INSERT INTO \"{table}\"(\"{table}\", rank) VALUES('integrity-check', 1)"
            ))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("fixture v{}: {table}: {e}", m.version));
        }
        conn.close().await.unwrap();
    }
}

/// The search words of each document in `T`'s full-text index, as the sync
/// writes them (from the record's JSON) and as the index holds them: each
/// column's words, sorted (a column made of several fields may list them in
/// another order).
async fn search_words<T: ledgerkeep_store::StoredEntity + serde::de::DeserializeOwned>(
    store: &LedgerStore,
) -> (
    usize,
    Vec<(i64, Vec<Vec<String>>)>,
    Vec<(i64, Vec<Vec<String>>)>,
) {
    use ledgerkeep_store::rows::RowContext;
    let spec = T::spec();
    let fts = spec.fts.expect("a full-text index");
    let words = |text: &str| {
        let mut w: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        w.sort();
        w
    };
    let docs: Vec<(i64, String, String)> = sqlx::query_as(&format!(
        "SELECT id, tenant_id, raw_json FROM {} ORDER BY id",
        spec.table
    ))
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut written = Vec::new();
    for (id, tenant, json) in &docs {
        let record: T = serde_json::from_str(json).unwrap();
        let row = record.row(&RowContext {
            tenant_id: tenant,
            base_currency: None,
        });
        written.push((*id, row.fts.iter().map(|c| words(c)).collect()));
    }
    let mut held = Vec::new();
    for r in sqlx::query(&format!(
        "SELECT rowid, {} FROM {} ORDER BY rowid",
        fts.columns.join(", "),
        fts.table
    ))
    .fetch_all(store.pool())
    .await
    .unwrap()
    {
        let cols = (1..=fts.columns.len())
            .map(|i| words(&r.get::<String, _>(i)))
            .collect();
        held.push((r.get::<i64, _>(0), cols));
    }
    (docs.len(), written, held)
}

/// Migration 0030 made the search indexes of the ten kinds that had none
/// from the documents already held: each holds the very words the sync
/// writes for the same document.
#[tokio::test]
async fn the_search_indexes_made_for_documents_already_held_are_those_a_sync_writes() {
    use ledgerkeep_domain::xero::*;
    let dir = tempfile::tempdir().unwrap();
    let path = rebuilt(29, dir.path()).await;
    let store = LedgerStore::open_with(
        &path,
        OpenOptions {
            backup_dir: Some(dir.path().join("backups")),
            ..OpenOptions::default()
        },
    )
    .await
    .unwrap();
    let checks = [
        ("credit notes", search_words::<CreditNote>(&store).await),
        ("payments", search_words::<Payment>(&store).await),
        ("overpayments", search_words::<Overpayment>(&store).await),
        ("prepayments", search_words::<Prepayment>(&store).await),
        ("bank transfers", search_words::<BankTransfer>(&store).await),
        (
            "manual journals",
            search_words::<ManualJournal>(&store).await,
        ),
        (
            "purchase orders",
            search_words::<PurchaseOrder>(&store).await,
        ),
        ("quotes", search_words::<Quote>(&store).await),
        (
            "repeating invoices",
            search_words::<RepeatingInvoice>(&store).await,
        ),
        ("batch payments", search_words::<BatchPayment>(&store).await),
    ];
    let mut with_documents = 0;
    for (name, (n, written, held)) in checks {
        assert_eq!(held, written, "{name}");
        if n > 0 {
            with_documents += 1;
            // Not all empty: the index holds words.
            assert!(
                held.iter()
                    .any(|(_, cols)| cols.iter().any(|c| !c.is_empty())),
                "{name}: no words"
            );
        }
    }
    assert!(
        with_documents >= 8,
        "the fixture holds too few kinds: {with_documents}"
    );
    // The planner knows the new indexes: migrating gathered the statistics
    // (without them it took `bank_transactions_updated`, from 0029, for a
    // search at 1M documents and sorted them all: 22 s a page).
    for index in [
        "payments_credit_note",
        "payments_prepayment",
        "payments_overpayment",
        "bank_transactions_updated",
        "invoices_updated",
    ] {
        let stat: Option<String> =
            sqlx::query_scalar("SELECT stat FROM sqlite_stat1 WHERE idx = ?")
                .bind(index)
                .fetch_optional(store.pool())
                .await
                .unwrap();
        assert!(stat.is_some(), "{index} has no statistics");
    }
    store.close().await;
}
