//! `verify_audit` against the audit chain's head kept outside the ledger, and
//! a restore that moves that anchor, on a real data folder. The anchor is in
//! memory (the OS keyring's own test is in the store crate).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

use std::path::Path;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use ledgerkeep_api::*;
use ledgerkeep_domain::xero::{BankTransaction, XeroRecord};
use ledgerkeep_domain::Actor;
use ledgerkeep_store::audit::{AnchorCheck, AnchorUpdate, MemoryAnchor};
use ledgerkeep_xero::MemoryTokenStore;

fn now() -> chrono::DateTime<Utc> {
    Utc.timestamp_opt(1_750_000_000, 0).unwrap()
}

async fn open(dir: &Path, anchor: &Arc<MemoryAnchor>) -> AppContext {
    AppContext::open_with(
        AppConfig::new(AppPaths::under(dir)),
        XeroSetup {
            store: Arc::new(MemoryTokenStore::default()),
            audit_anchor: anchor.clone(),
            ..XeroSetup::default()
        },
    )
    .await
    .unwrap()
}

/// Bank transactions `from..to`, one page, one commit: one audit row each.
async fn sync_page(ctx: &AppContext, from: i64, to: i64) {
    let page: Vec<serde_json::Value> = (from..to)
        .map(|i| {
            serde_json::from_str(&format!(
                r#"{{"BankTransactionID": "bt-{i}", "Type": "SPEND", "Status": "AUTHORISED",
                    "Date": "/Date({}+0000)/", "CurrencyCode": "NZD", "Total": {i}.25,
                    "BankAccount": {{"AccountID": "bank-1"}},
                    "LineItems": [{{"Description": "beans", "LineAmount": {i}.25}}],
                    "UpdatedDateUTC": "/Date({}+0000)/"}}"#,
                i * 86_400_000,
                1_000 + i
            ))
            .unwrap()
        })
        .collect();
    ctx.store()
        .apply_page(
            "t1",
            &XeroRecord::<BankTransaction>::page_from_value(serde_json::Value::Array(page))
                .unwrap(),
            &Actor::sync("r1"),
            now(),
        )
        .await
        .unwrap();
}

async fn exec(ctx: &AppContext, sql: &str) {
    sqlx::query(sql).execute(ctx.store().pool()).await.unwrap();
}

#[tokio::test]
async fn a_cut_chain_is_reported_and_a_restore_moves_the_anchor_back() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(MemoryAnchor::default());
    let ctx = open(dir.path(), &memory).await;
    // Opening anchored the empty chain.
    assert_eq!(memory.saves(), 1);
    sync_page(&ctx, 0, 5).await;
    // The commit moved the anchor by itself: nothing is left to anchor.
    assert_eq!(memory.entry(ctx.audit_anchor().key()).unwrap().head.seq, 5);
    assert_eq!(
        ctx.store().anchor_audit_head(ctx.audit_anchor()).await,
        AnchorUpdate::Current
    );
    let report = verify_audit_anchored(&ctx).await.unwrap();
    assert!(report.view.intact, "{report:?}");
    assert_eq!(report.anchor, AnchorCheck::Matches { seq: 5 });
    assert_eq!(report.anchor_note, None);

    let backup = backup_now(&ctx, BackupRequest::default(), now())
        .await
        .unwrap();
    sync_page(&ctx, 5, 8).await;
    assert_eq!(memory.entry(ctx.audit_anchor().key()).unwrap().head.seq, 8);

    // Rows 6 to 8 removed and the head rewritten: the file alone looks whole.
    exec(&ctx, "DELETE FROM audit_log WHERE seq > 5").await;
    exec(
        &ctx,
        "UPDATE audit_head SET seq = 5, hash = (SELECT hash FROM audit_log WHERE seq = 5)",
    )
    .await;
    assert!(ctx.store().verify_audit().await.unwrap().is_intact());
    let view = verify_audit(&ctx).await.unwrap();
    assert!(!view.intact);
    let b = view.first_break.unwrap();
    assert_eq!((b.seq, b.kind.as_str()), (6, "truncated"));
    assert!(b.detail.contains("the last good row is 5"), "{}", b.detail);

    // The owner restores the backup (5 rows): the anchor takes its head.
    let paths = ctx.paths().clone();
    ctx.close().await;
    let out = restore_backup_with(
        &paths,
        RestoreRequest {
            from: backup.path.clone(),
        },
        now(),
        memory.clone(),
    )
    .await
    .unwrap();
    assert_eq!(out.audit_rows, 5);
    let ctx = open(dir.path(), &memory).await;
    let report = verify_audit_anchored(&ctx).await.unwrap();
    assert!(report.view.intact, "{report:?}");
    assert_eq!(report.anchor, AnchorCheck::Matches { seq: 5 });
    ctx.close().await;
}

#[tokio::test]
async fn a_locked_keyring_is_said_and_not_taken_for_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(MemoryAnchor::default());
    memory.set_locked(true);
    // The app opens, and the ledger takes changes, with the keyring locked.
    let ctx = open(dir.path(), &memory).await;
    sync_page(&ctx, 0, 3).await;
    assert!(matches!(
        ctx.store().anchor_audit_head(ctx.audit_anchor()).await,
        AnchorUpdate::Deferred { .. }
    ));
    let report = verify_audit_anchored(&ctx).await.unwrap();
    assert!(report.view.intact);
    assert!(matches!(report.anchor, AnchorCheck::Unavailable { .. }));
    let note = report.anchor_note.unwrap();
    assert!(note.contains("OS keyring could not be read"), "{note}");
    assert!(note.contains("locked"), "{note}");

    // Unlocked, before the next change: nothing is anchored yet.
    memory.set_locked(false);
    let report = verify_audit_anchored(&ctx).await.unwrap();
    assert!(report.view.intact);
    assert_eq!(report.anchor, AnchorCheck::NotAnchored);
    assert!(report.anchor_note.unwrap().contains("only the ledger file"));

    // The next change anchors the head, with no call but the commit.
    sync_page(&ctx, 3, 4).await;
    assert_eq!(memory.entry(ctx.audit_anchor().key()).unwrap().head.seq, 4);
    assert_eq!(
        ctx.store().anchor_audit_head(ctx.audit_anchor()).await,
        AnchorUpdate::Current
    );
    let report = verify_audit_anchored(&ctx).await.unwrap();
    assert_eq!(report.anchor, AnchorCheck::Matches { seq: 4 });
    assert_eq!(report.anchor_note, None);
    ctx.close().await;
}
