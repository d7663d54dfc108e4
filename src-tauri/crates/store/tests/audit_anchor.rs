//! The audit chain's head anchored outside the ledger file: a chain cut short
//! with its head rewritten, a chain emptied, and an older or foreign ledger
//! file put in place are all caught, naming the last good row; a restore
//! adopts the backup's head; a locked keyring never loses a commit. Real
//! ledger files on disk; the anchor is in memory (the keyring test at the
//! end needs a desktop session).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use ledgerkeep_store::audit::{
    adopt_anchor_from_file, AnchorCheck, AnchorUpdate, AuditAnchor, ChainAnchor, KeyringAnchor,
    MemoryAnchor, GENESIS_HASH,
};
use ledgerkeep_store::{BreakKind, LedgerStore};

/// One page of one new record: one audit row, one commit.
async fn commit_one(store: &LedgerStore, i: usize) {
    let id = format!("bt-{i}");
    store
        .apply_page(
            TENANT,
            &recs(vec![bank_tx(&id, 1_000 + i as i64, "1.00", "r")]),
            &actor(),
            at(i as i64),
        )
        .await
        .unwrap();
}

/// A ledger of `n` rows, each commit followed by the anchor's update, as the
/// store does after each COMMIT that extends the chain.
async fn anchored_chain(n: usize) -> (Ledger, Arc<MemoryAnchor>, ChainAnchor) {
    let l = ledger().await;
    let memory = Arc::new(MemoryAnchor::default());
    let anchor = ChainAnchor::new(memory.clone(), &l.path);
    extend(&l.store, &anchor, 0, n).await;
    (l, memory, anchor)
}

async fn extend(store: &LedgerStore, anchor: &ChainAnchor, from: usize, to: usize) {
    for i in from..to {
        commit_one(store, i).await;
        let update = store.anchor_audit_head(anchor).await;
        assert_eq!(update, AnchorUpdate::Advanced { seq: i as i64 + 1 });
    }
}

async fn exec(store: &LedgerStore, sql: &str) {
    sqlx::query(sql).execute(store.pool()).await.unwrap();
}

/// Puts the file `from` where the ledger `to` is, as someone with write
/// access to the data folder could (or as a restore does).
async fn swap_file(store: LedgerStore, from: &Path, to: &Path) -> LedgerStore {
    store.close().await;
    for suffix in ["-wal", "-shm"] {
        let mut side = to.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(std::path::PathBuf::from(side));
    }
    std::fs::copy(from, to).unwrap();
    LedgerStore::open(to).await.unwrap()
}

#[tokio::test]
async fn a_fresh_ledger_and_many_commits_verify_against_the_anchor() {
    let l = ledger().await;
    let memory = Arc::new(MemoryAnchor::default());
    let anchor = ChainAnchor::new(memory.clone(), &l.path);

    // Nothing anchored yet: only the file is checked, and it is fine.
    let report = l.store.verify_audit_anchored(&anchor).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.anchor, AnchorCheck::NotAnchored);

    extend(&l.store, &anchor, 0, 150).await;
    let report = l.store.verify_audit_anchored(&anchor).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.rows_checked, 150);
    assert_eq!(report.anchor, AnchorCheck::Matches { seq: 150 });
    assert_eq!(memory.saves(), 150);

    // The anchor holds the head and a few earlier heads, each a real row.
    let entry = memory.entry(anchor.key()).unwrap();
    assert_eq!(entry.head.seq, 150);
    assert!(
        !entry.earlier.is_empty() && entry.earlier.len() <= 8,
        "{entry:?}"
    );
    for p in entry.points() {
        let hash: String = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = ?")
            .bind(p.seq)
            .fetch_one(l.store.pool())
            .await
            .unwrap();
        assert_eq!(hash, p.hash);
    }

    // A commit that writes no audit row leaves the anchor where it is.
    commit_one(&l.store, 149).await;
    assert_eq!(
        l.store.anchor_audit_head(&anchor).await,
        AnchorUpdate::Current
    );
    assert_eq!(memory.saves(), 150);
}

#[tokio::test]
async fn deleting_the_last_rows_and_rewriting_the_head_is_caught() {
    let (l, _memory, anchor) = anchored_chain(10).await;
    // The tail removed and the head moved back onto row 7: the file alone
    // looks whole.
    exec(&l.store, "DELETE FROM audit_log WHERE seq > 7").await;
    exec(
        &l.store,
        "UPDATE audit_head SET seq = 7, hash = (SELECT hash FROM audit_log WHERE seq = 7)",
    )
    .await;
    assert!(l.store.verify_audit().await.unwrap().is_intact());

    let report = l.store.verify_audit_anchored(&anchor).await.unwrap();
    assert!(!report.is_intact());
    let b = report.first_break.unwrap();
    assert_eq!(
        (b.kind, b.seq, b.last_good_seq),
        (BreakKind::Truncated, 8, 7)
    );
    assert!(b.detail.contains("the last good row is 7"), "{}", b.detail);
    assert!(b.detail.contains("rows 8 to 10"), "{}", b.detail);
    assert_eq!(report.anchor, AnchorCheck::Contradicted { anchor_seq: 10 });

    // Later commits extend the cut chain, but the anchor is kept as evidence
    // and the break is still reported, even once the chain is long again.
    for i in 100..105 {
        commit_one(&l.store, i).await;
        assert_eq!(
            l.store.anchor_audit_head(&anchor).await,
            AnchorUpdate::Refused {
                anchor_seq: 10,
                chain_end: i as i64 - 92
            }
        );
    }
    let b = l
        .store
        .verify_audit_anchored(&anchor)
        .await
        .unwrap()
        .first_break
        .unwrap();
    assert_eq!(b.kind, BreakKind::AnchorMismatch);
    // The first anchored row past the cut that the new rows now contradict.
    assert!((8..=10).contains(&b.seq), "{b:?}");
    assert!(b.last_good_seq <= 7, "{b:?}");
    assert!(
        b.detail
            .contains(&format!("the last good row is {}", b.last_good_seq)),
        "{}",
        b.detail
    );
}

#[tokio::test]
async fn a_store_with_the_anchor_attached_moves_it_after_every_commit() {
    let l = ledger().await;
    let memory = Arc::new(MemoryAnchor::default());
    let anchor = Arc::new(ChainAnchor::new(memory.clone(), &l.path));
    let store = l.store.clone().with_audit_anchor(Arc::clone(&anchor));

    // No explicit anchor call: each commit that writes an audit row moves it.
    for i in 0..6 {
        commit_one(&store, i).await;
        let head: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM audit_log")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(head, i as i64 + 1);
        assert_eq!(memory.entry(anchor.key()).unwrap().head.seq, head);
        assert_eq!(memory.saves(), i + 1);
    }
    // A page that changes nothing writes no audit row and no anchor.
    commit_one(&store, 5).await;
    assert_eq!(memory.saves(), 6);
    assert_eq!(
        store.verify_audit_anchored(&anchor).await.unwrap().anchor,
        AnchorCheck::Matches { seq: 6 }
    );

    // The tail cut off and the head rewritten is caught against the anchor
    // that the commits alone kept up to date.
    exec(&store, "DELETE FROM audit_log WHERE seq > 4").await;
    exec(
        &store,
        "UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_log WHERE seq = 4)",
    )
    .await;
    assert!(store.verify_audit().await.unwrap().is_intact());
    let report = store.verify_audit_anchored(&anchor).await.unwrap();
    let b = report.first_break.unwrap();
    assert_eq!(
        (b.kind, b.seq, b.last_good_seq),
        (BreakKind::Truncated, 5, 4)
    );
    assert_eq!(report.anchor, AnchorCheck::Contradicted { anchor_seq: 6 });

    // A later commit does not move the anchor back onto the cut chain.
    commit_one(&store, 50).await;
    assert_eq!(memory.entry(anchor.key()).unwrap().head.seq, 6);
    assert_eq!(memory.saves(), 6);
}

#[tokio::test]
async fn emptying_the_chain_table_and_head_is_caught() {
    let (l, _memory, anchor) = anchored_chain(6).await;
    exec(&l.store, "DELETE FROM audit_log").await;
    exec(&l.store, "DELETE FROM audit_head").await;
    let plain = l.store.verify_audit().await.unwrap();
    assert!(plain.is_intact() && plain.rows_checked == 0);

    let report = l.store.verify_audit_anchored(&anchor).await.unwrap();
    let b = report.first_break.unwrap();
    assert_eq!((b.kind, b.seq, b.last_good_seq), (BreakKind::Emptied, 1, 0));
    assert!(b.detail.contains("records 6 rows"), "{}", b.detail);
}

#[tokio::test]
async fn an_older_ledger_file_put_in_place_is_caught() {
    let (l, _memory, anchor) = anchored_chain(4).await;
    let older = l.dir.path().join("older.sqlite");
    l.store.backup_to(&older).await.unwrap();
    extend(&l.store, &anchor, 4, 9).await;

    let store = swap_file(l.store, &older, &l.path).await;
    assert!(store.verify_audit().await.unwrap().is_intact());
    let b = store
        .verify_audit_anchored(&anchor)
        .await
        .unwrap()
        .first_break
        .unwrap();
    assert_eq!(
        (b.kind, b.seq, b.last_good_seq),
        (BreakKind::Truncated, 5, 4)
    );
    assert!(b.detail.contains("older ledger file"), "{}", b.detail);
    store.close().await;
}

#[tokio::test]
async fn a_ledger_file_from_elsewhere_put_in_place_is_caught() {
    let (l, memory, anchor) = anchored_chain(5).await;
    // Another ledger, longer, with its own (valid) chain.
    let other = ledger().await;
    for i in 0..12 {
        commit_one(&other.store, 1_000 + i).await;
    }
    let copy = l.dir.path().join("foreign.sqlite");
    other.store.backup_to(&copy).await.unwrap();

    let store = swap_file(l.store, &copy, &l.path).await;
    assert!(store.verify_audit().await.unwrap().is_intact());
    let report = store.verify_audit_anchored(&anchor).await.unwrap();
    let b = report.first_break.unwrap();
    assert_eq!(b.kind, BreakKind::AnchorMismatch);
    // Its first row already differs from what the anchor vouches for.
    let first_point = memory
        .entry(anchor.key())
        .unwrap()
        .points()
        .next()
        .unwrap()
        .seq;
    assert_eq!((b.seq, b.last_good_seq), (first_point, 0));
    assert!(b.detail.contains("the last good row is 0"), "{}", b.detail);
    store.close().await;
}

#[tokio::test]
async fn a_locked_keyring_defers_the_anchor_and_loses_nothing() {
    let (l, memory, anchor) = anchored_chain(3).await;
    memory.set_locked(true);
    for i in 3..6 {
        commit_one(&l.store, i).await;
        assert!(matches!(
            l.store.anchor_audit_head(&anchor).await,
            AnchorUpdate::Deferred { .. }
        ));
    }
    // Every commit landed.
    assert_eq!(count(&l.store, "SELECT COUNT(*) FROM audit_log").await, 6);
    // While locked, verify checks the file alone and says so.
    let report = l.store.verify_audit_anchored(&anchor).await.unwrap();
    assert!(report.is_intact());
    assert!(
        matches!(&report.anchor, AnchorCheck::Unavailable { reason } if reason.contains("locked")),
        "{:?}",
        report.anchor
    );

    // Unlocked: the anchor is behind, which is not tampering.
    memory.set_locked(false);
    let report = l.store.verify_audit_anchored(&anchor).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(
        report.anchor,
        AnchorCheck::Behind {
            anchor_seq: 3,
            head_seq: 6
        }
    );
    // The next commit catches the anchor up.
    commit_one(&l.store, 6).await;
    assert_eq!(
        l.store.anchor_audit_head(&anchor).await,
        AnchorUpdate::Advanced { seq: 7 }
    );
    let report = l.store.verify_audit_anchored(&anchor).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.anchor, AnchorCheck::Matches { seq: 7 });
}

#[tokio::test]
async fn a_first_anchor_that_could_not_be_read_is_retried() {
    let l = ledger().await;
    let memory = Arc::new(MemoryAnchor::default());
    memory.set_locked(true);
    let anchor = ChainAnchor::new(memory.clone(), &l.path);
    commit_one(&l.store, 0).await;
    assert!(matches!(
        l.store.anchor_audit_head(&anchor).await,
        AnchorUpdate::Deferred { .. }
    ));
    memory.set_locked(false);
    commit_one(&l.store, 1).await;
    assert_eq!(
        l.store.anchor_audit_head(&anchor).await,
        AnchorUpdate::Advanced { seq: 2 }
    );
    assert_eq!(memory.entry(anchor.key()).unwrap().head.seq, 2);
}

#[tokio::test]
async fn a_restore_adopts_the_backups_head() {
    let (l, memory, anchor) = anchored_chain(3).await;
    let backup = l.dir.path().join("backup.sqlite");
    l.store.backup_to(&backup).await.unwrap();
    extend(&l.store, &anchor, 3, 8).await;

    // The restore puts the backup in place, then adopts its head.
    l.store.close().await;
    let restored = swap_file(LedgerStore::open(&l.path).await.unwrap(), &backup, &l.path).await;
    restored.close().await;
    let head = adopt_anchor_from_file(memory.clone(), &l.path)
        .await
        .unwrap();
    assert_eq!(head.seq, 3);

    // A fresh process (a new ChainAnchor over the same keyring) agrees.
    let store = LedgerStore::open(&l.path).await.unwrap();
    let anchor = ChainAnchor::new(memory.clone(), &l.path);
    let report = store.verify_audit_anchored(&anchor).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.anchor, AnchorCheck::Matches { seq: 3 });
    // And the chain goes on from there.
    extend(&store, &anchor, 3, 5).await;
    assert_eq!(memory.entry(anchor.key()).unwrap().head.seq, 5);
    store.close().await;
}

#[tokio::test]
async fn the_anchor_is_kept_per_ledger_place() {
    let a = ledger().await;
    let b = ledger().await;
    let memory = Arc::new(MemoryAnchor::default());
    let anchor_a = ChainAnchor::new(memory.clone(), &a.path);
    let anchor_b = ChainAnchor::new(memory.clone(), &b.path);
    assert_ne!(anchor_a.key(), anchor_b.key());
    // The same place, written another way, is the same ledger.
    let dotted = a.dir.path().join(".").join("ledger.sqlite");
    assert_eq!(ChainAnchor::ledger_key(&dotted), anchor_a.key());

    extend(&a.store, &anchor_a, 0, 3).await;
    assert_eq!(memory.entry(anchor_a.key()).unwrap().head.seq, 3);
    assert!(memory.entry(anchor_b.key()).is_none());
    let report = b.store.verify_audit_anchored(&anchor_b).await.unwrap();
    assert_eq!(report.anchor, AnchorCheck::NotAnchored);
    // An empty ledger anchors the genesis, and an emptied one is then caught.
    assert_eq!(
        b.store.anchor_audit_head(&anchor_b).await,
        AnchorUpdate::Advanced { seq: 0 }
    );
    assert_eq!(
        memory.entry(anchor_b.key()).unwrap().head.hash,
        GENESIS_HASH
    );
}

fn unique_service() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("Ledgerkeep-test-audit-{}-{nanos}", std::process::id())
}

#[tokio::test]
#[ignore = "needs a D-Bus session with an unlocked Secret Service: run by `make test`"]
async fn the_os_keyring_anchors_the_chain() {
    let l = ledger().await;
    let keyring = Arc::new(KeyringAnchor::new(unique_service()));
    let anchor = ChainAnchor::new(keyring.clone(), &l.path);
    extend(&l.store, &anchor, 0, 4).await;

    // Seen through the keyring directly, and by a new process.
    let entry = keyring.load(anchor.key()).unwrap().unwrap();
    assert_eq!(entry.head.seq, 4);
    let fresh = ChainAnchor::new(keyring.clone(), &l.path);
    let report = l.store.verify_audit_anchored(&fresh).await.unwrap();
    assert_eq!(report.anchor, AnchorCheck::Matches { seq: 4 });

    exec(&l.store, "DELETE FROM audit_log WHERE seq > 2").await;
    exec(
        &l.store,
        "UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_log WHERE seq = 2)",
    )
    .await;
    let b = l
        .store
        .verify_audit_anchored(&fresh)
        .await
        .unwrap()
        .first_break
        .unwrap();
    assert_eq!(
        (b.kind, b.seq, b.last_good_seq),
        (BreakKind::Truncated, 3, 2)
    );
    keyring.delete(anchor.key()).unwrap();
    assert!(keyring.load(anchor.key()).unwrap().is_none());
}
