//! Changes over time for incremental sync, and the truth the ledger is compared to.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use ledgerkeep_sim::wire::updated_ms;
use ledgerkeep_sim::{Clock, Collection, MutationKind};
use serde_json::Value;

#[tokio::test]
async fn if_modified_since_sees_the_changes_that_move_updated_date_and_only_those() {
    let h = start().await;
    h.clock.advance(Duration::from_secs(86_400));
    let t = h.login().await;
    let since = h.clock.now_ms();
    let before = h.sim.truth();
    let changes = h.sim.mutate(60);
    assert_eq!(changes.len(), 60);
    let kinds: BTreeSet<_> = changes.iter().map(|m| format!("{:?}", m.kind)).collect();
    assert!(kinds.len() >= 8, "{kinds:?}");
    let after = h.sim.truth();
    for tenant in h.sim.tenants() {
        for c in [
            Collection::Invoices,
            Collection::Contacts,
            Collection::BankTransactions,
        ] {
            let header = chrono::DateTime::from_timestamp_millis(since)
                .unwrap()
                .to_rfc2822();
            let r = h
                .http
                .get(h.url(&format!(
                    "/api.xro/2.0/{}?pageSize=1000&includeArchived=true",
                    c.path()
                )))
                .bearer_auth(&t.access)
                .header("xero-tenant-id", &tenant.tenant_id)
                .header("If-Modified-Since", header)
                .send()
                .await
                .unwrap();
            let body: Value = r.json().await.unwrap();
            let got: BTreeSet<String> = body[c.key()]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r[c.id_field()].as_str().unwrap().to_owned())
                .collect();
            let moved: BTreeSet<String> = changes
                .iter()
                .filter(|m| {
                    m.tenant_id == tenant.tenant_id
                        && m.collection == c
                        && m.kind.moves_updated_date()
                })
                .map(|m| m.id.clone())
                .collect();
            assert_eq!(got, moved, "{c} of {}", tenant.name);
        }
    }
    // Silent changes changed the record but not its UpdatedDateUTC.
    let silent: Vec<_> = changes
        .iter()
        .filter(|m| !m.kind.moves_updated_date())
        .collect();
    assert!(!silent.is_empty());
    for m in silent {
        // A record made and then changed in the same batch has no "before".
        if changes.iter().filter(|o| o.id == m.id).count() != 1 {
            continue;
        }
        let was = before
            .tenant(&m.tenant_id)
            .unwrap()
            .table(m.collection)
            .get(&m.id)
            .unwrap()
            .value();
        let now = after
            .tenant(&m.tenant_id)
            .unwrap()
            .table(m.collection)
            .get(&m.id)
            .unwrap()
            .value();
        assert_ne!(was, now, "{:?}", m.kind);
        assert_eq!(updated_ms(&was), updated_ms(&now), "{:?}", m.kind);
    }
    // Deletions are status changes, still served.
    for m in changes
        .iter()
        .filter(|m| m.kind == MutationKind::VoidInvoice)
    {
        let v = after
            .tenant(&m.tenant_id)
            .unwrap()
            .table(Collection::Invoices)
            .get(&m.id)
            .unwrap()
            .value();
        assert_eq!(v["Status"], "VOIDED");
        assert_eq!(updated_ms(&v), Some(since));
    }
}

#[tokio::test]
async fn an_edit_posts_a_reversing_journal_and_a_new_one() {
    let h = start().await;
    let mut found = false;
    for _ in 0..40 {
        let before = h.sim.truth();
        let m = h.sim.mutate(1).pop().unwrap();
        if m.kind != MutationKind::EditInvoice {
            continue;
        }
        let after = h.sim.truth();
        let j_before = before.records(&m.tenant_id, Collection::Journals);
        let j_after = after.records(&m.tenant_id, Collection::Journals);
        let had = j_before.iter().any(|j| j["SourceID"] == m.id.as_str());
        if !had {
            continue;
        }
        assert_eq!(j_after.len(), j_before.len() + 2);
        let new = &j_after[j_before.len()..];
        let net = |j: &Value| {
            j["JournalLines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    l["NetAmount"]
                        .to_string()
                        .parse::<rust_decimal::Decimal>()
                        .unwrap()
                })
                .collect::<Vec<_>>()
        };
        let reversed: Vec<_> = net(&new[0]).into_iter().map(|d| -d).collect();
        assert_eq!(reversed, net(&new[1]));
        assert!(new.iter().all(|j| j["SourceID"] == m.id.as_str()));
        found = true;
        break;
    }
    assert!(found, "no invoice edit in 40 seeded mutations");
}

#[tokio::test]
async fn the_same_seed_mutates_the_same_way() {
    let a = start().await;
    let b = start().await;
    let ma = a.sim.mutate(25);
    let mb = b.sim.mutate(25);
    assert_eq!(ma, mb);
    let c = start_with(|b| b.seed(43)).await;
    assert_ne!(c.sim.mutate(25), ma);
    let _ = a.clock.now_ms();
}

#[tokio::test]
async fn the_books_keep_changing_while_a_ticker_is_held() {
    let h = start().await;
    let count = |h: &Harness| {
        h.sim.with_truth(|t| {
            t.tenants
                .iter()
                .map(|b| b.table(Collection::Invoices).len() + b.table(Collection::Contacts).len())
                .sum::<usize>()
        })
    };
    let snapshot = |h: &Harness| {
        h.sim
            .with_truth(|t| t.records(&t.tenants[0].tenant_id, Collection::Invoices))
    };
    let before = (count(&h), snapshot(&h));
    let ticker = h.sim.mutate_every(Duration::from_millis(20), 5);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while (count(&h), snapshot(&h)) == before {
        assert!(
            std::time::Instant::now() < deadline,
            "nothing changed in 10 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(ticker);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let frozen = (count(&h), snapshot(&h));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        (count(&h), snapshot(&h)) == frozen,
        "the ticker stopped when dropped"
    );
}

#[tokio::test]
async fn journals_stay_balanced_numbered_and_complete_after_mutations() {
    use rust_decimal::Decimal;
    let h = start().await;
    let changes = h.sim.mutate(80);
    assert!(changes.iter().any(|m| m.kind == MutationKind::NewInvoice));
    let truth = h.sim.truth();
    for tenant in &truth.tenants {
        let journals = truth.records(&tenant.tenant_id, Collection::Journals);
        let numbers: Vec<i64> = journals
            .iter()
            .map(|j| j["JournalNumber"].as_i64().unwrap())
            .collect();
        assert_eq!(
            numbers,
            (1..=numbers.len() as i64).collect::<Vec<_>>(),
            "{}",
            tenant.name
        );
        for j in &journals {
            let sum: Decimal = j["JournalLines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["NetAmount"].to_string().parse::<Decimal>().unwrap())
                .sum();
            assert!(sum.is_zero(), "unbalanced: {j}");
        }
        for m in changes
            .iter()
            .filter(|m| m.tenant_id == tenant.tenant_id && m.kind == MutationKind::NewInvoice)
        {
            assert!(
                journals.iter().any(|j| j["SourceID"] == m.id.as_str()),
                "a new invoice posts a journal"
            );
        }
    }
}
