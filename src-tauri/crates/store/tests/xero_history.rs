//! Xero's history of a record kept on a real ledger file: read back in
//! Xero's order with when it was fetched, a later fetch replaces the entries
//! whole, records of another kind or organisation are apart, nothing is
//! audited, and the history is still there after the file is closed and
//! opened again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use ledgerkeep_domain::EntityKind;
use ledgerkeep_store::xero_history::XeroHistoryEntry;
use ledgerkeep_store::LedgerStore;

fn e(changes: &str, at: Option<&str>, user: &str, details: &str) -> XeroHistoryEntry {
    XeroHistoryEntry {
        at_utc: at.map(str::to_owned),
        user: Some(user.to_owned()),
        changes: Some(changes.to_owned()),
        details: Some(details.to_owned()),
    }
}

#[tokio::test]
async fn a_fetch_is_kept_replaced_whole_and_read_back_after_reopening() {
    let l = ledger().await;
    let s = &l.store;
    assert_eq!(
        s.xero_history(TENANT, EntityKind::Invoice, "i-1")
            .await
            .unwrap(),
        None
    );
    let audit_before = count(s, "SELECT count(*) FROM audit_log").await;

    let first = vec![
        e(
            "Paid",
            Some("2026-03-02T10:00:00.000Z"),
            "System Generated",
            "Paid in full.",
        ),
        e(
            "Approved",
            Some("2026-03-01T09:30:00.000Z"),
            "Mia Chen",
            "INV-1 to Acme.",
        ),
        e("Created", None, "Ava Thompson", "INV-1 to Acme."),
    ];
    s.save_xero_history(TENANT, EntityKind::Invoice, "i-1", &first, at(10))
        .await
        .unwrap();
    let got = s
        .xero_history(TENANT, EntityKind::Invoice, "i-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.entries, first, "in Xero's order, dates as given");
    assert_eq!(got.fetched_utc, ledgerkeep_domain::format_instant(at(10)));

    // Another kind and another organisation with the same id are apart.
    assert_eq!(
        s.xero_history(TENANT, EntityKind::CreditNote, "i-1")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.xero_history("tenant-2", EntityKind::Invoice, "i-1")
            .await
            .unwrap(),
        None
    );

    // A later fetch replaces the entries, not adds to them.
    let second = vec![
        e(
            "Note",
            Some("2026-03-05T08:00:00.000Z"),
            "Noah Patel",
            "Agreed by email.",
        ),
        e(
            "Created",
            Some("2026-03-01T09:00:00.000Z"),
            "Ava Thompson",
            "INV-1 to Acme.",
        ),
    ];
    s.save_xero_history(TENANT, EntityKind::Invoice, "i-1", &second, at(20))
        .await
        .unwrap();
    let got = s
        .xero_history(TENANT, EntityKind::Invoice, "i-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.entries, second);
    assert_eq!(got.fetched_utc, ledgerkeep_domain::format_instant(at(20)));
    // An empty history is kept as fetched (known empty, not unknown).
    s.save_xero_history(TENANT, EntityKind::Payment, "p-1", &[], at(30))
        .await
        .unwrap();
    let empty = s
        .xero_history(TENANT, EntityKind::Payment, "p-1")
        .await
        .unwrap()
        .unwrap();
    assert!(empty.entries.is_empty());
    assert_eq!(
        count(s, "SELECT count(*) FROM audit_log").await,
        audit_before,
        "Xero's history is not a change to the books"
    );

    let path = l.path.clone();
    l.store.close().await;
    let again = LedgerStore::open(&path).await.unwrap();
    let got = again
        .xero_history(TENANT, EntityKind::Invoice, "i-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.entries, second);
    again.close().await;
}
