//! Attachments kept offline, on a real ledger file and a real folder: each
//! file once under its SHA-256, its hash in the audit chain, the same file
//! again writes nothing, and a file altered or removed on disk is found.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use ledgerkeep_domain::EntityKind;
use std::time::Duration;

use ledgerkeep_store::attachments::{attachments_dir_of, sha256_hex, AttachmentMeta, Stored};
use ledgerkeep_store::{backup, StoreError};

fn meta(attachment_id: &str, record_id: &str, file_name: &str) -> AttachmentMeta {
    AttachmentMeta {
        tenant_id: TENANT.to_owned(),
        attachment_id: attachment_id.to_owned(),
        entity: EntityKind::Invoice,
        record_id: record_id.to_owned(),
        file_name: file_name.to_owned(),
        mime_type: Some("application/pdf".to_owned()),
    }
}

/// Bytes that differ per seed, like real files of a few kilobytes.
fn file(seed: u8, len: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.4\n".to_vec();
    b.extend((0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    b
}

#[tokio::test]
async fn a_file_is_kept_once_under_its_hash_and_its_hash_is_audited() {
    let l = ledger().await;
    let bill = file(1, 5_000);
    let audit_before = count(&l.store, "SELECT COUNT(*) FROM audit_log").await;
    let stored = l
        .store
        .store_attachment(&meta("a-1", "inv-1", "bill.pdf"), &bill, &actor(), at(10))
        .await
        .unwrap();
    assert_eq!(stored, Stored::New);
    let sha = sha256_hex(&bill);
    let path = l.store.attachment_path(&sha);
    assert!(
        path.starts_with(l.dir.path()),
        "beside the ledger: {path:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), bill);
    assert_eq!(l.store.attachment_bytes(TENANT, "a-1").await.unwrap(), bill);
    // One audit row, naming the attachment and holding its hash.
    assert_eq!(
        count(&l.store, "SELECT COUNT(*) FROM audit_log").await,
        audit_before + 1
    );
    let changes: String = sqlx::query_scalar(
        "SELECT changes_json FROM audit_log WHERE table_name = 'attachments' AND record_id = 'a-1'",
    )
    .fetch_one(l.store.pool())
    .await
    .unwrap();
    assert!(changes.contains(&sha), "{changes}");
    assert!(l.store.verify_audit().await.unwrap().is_intact());

    // The same attachment again writes nothing and audits nothing.
    let again = l
        .store
        .store_attachment(&meta("a-1", "inv-1", "bill.pdf"), &bill, &actor(), at(20))
        .await
        .unwrap();
    assert_eq!(again, Stored::Unchanged);
    assert_eq!(
        count(&l.store, "SELECT COUNT(*) FROM audit_log").await,
        audit_before + 1
    );

    // The same bytes on another document: listed twice, kept once.
    l.store
        .store_attachment(&meta("a-2", "inv-2", "copy.pdf"), &bill, &actor(), at(30))
        .await
        .unwrap();
    let photo = file(2, 700);
    l.store
        .store_attachment(&meta("a-3", "inv-2", "photo.png"), &photo, &actor(), at(30))
        .await
        .unwrap();
    let space = l.store.attachment_space().await.unwrap();
    assert_eq!((space.attachments, space.files), (3, 2));
    assert_eq!(space.bytes, (bill.len() + photo.len()) as u64);
    let names: Vec<String> = l
        .store
        .attachments_of(TENANT, EntityKind::Invoice, "inv-2")
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.meta.file_name)
        .collect();
    assert_eq!(names, ["copy.pdf", "photo.png"]);
    let files = walk(&l.store.attachments_dir());
    assert_eq!(files.len(), 2, "{files:?}");

    // New bytes for an attachment replace it, and the audit says from what to what.
    let revised = file(3, 5_000);
    let replaced = l
        .store
        .store_attachment(
            &meta("a-1", "inv-1", "bill.pdf"),
            &revised,
            &actor(),
            at(40),
        )
        .await
        .unwrap();
    assert_eq!(replaced, Stored::Replaced);
    let changes: String = sqlx::query_scalar(
        "SELECT changes_json FROM audit_log WHERE record_id = 'a-1' ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(l.store.pool())
    .await
    .unwrap();
    assert!(changes.contains(&sha) && changes.contains(&sha256_hex(&revised)));
    assert!(l
        .store
        .verify_attachments()
        .await
        .unwrap()
        .problems
        .is_empty());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn a_file_altered_or_removed_on_disk_is_found_and_never_shown() {
    let l = ledger().await;
    let (a, b) = (file(5, 3_000), file(6, 3_000));
    for (id, bytes) in [("a-1", &a), ("a-2", &b)] {
        l.store
            .store_attachment(
                &meta(id, "inv-1", &format!("{id}.pdf")),
                bytes,
                &actor(),
                at(1),
            )
            .await
            .unwrap();
    }
    let check = l.store.verify_attachments().await.unwrap();
    assert_eq!((check.files_checked, check.problems.len()), (2, 0));

    // One byte changed in one file, the other file deleted.
    let path_a = l.store.attachment_path(&sha256_hex(&a));
    let mut altered = std::fs::read(&path_a).unwrap();
    altered[100] ^= 1;
    std::fs::write(&path_a, &altered).unwrap();
    std::fs::remove_file(l.store.attachment_path(&sha256_hex(&b))).unwrap();

    let check = l.store.verify_attachments().await.unwrap();
    assert_eq!(check.files_checked, 2);
    let mut found: Vec<(String, bool)> = check
        .problems
        .iter()
        .map(|p| (p.attachment_id.clone(), p.missing))
        .collect();
    found.sort();
    assert_eq!(found, [("a-1".to_owned(), false), ("a-2".to_owned(), true)]);
    assert!(matches!(
        l.store.attachment_bytes(TENANT, "a-1").await,
        Err(StoreError::Corrupt { .. })
    ));
    assert!(matches!(
        l.store.attachment_bytes(TENANT, "a-2").await,
        Err(StoreError::Io { .. })
    ));

    // Storing the attachment again puts the right bytes back, with no new audit row.
    let audit_before = count(&l.store, "SELECT COUNT(*) FROM audit_log").await;
    let stored = l
        .store
        .store_attachment(&meta("a-1", "inv-1", "a-1.pdf"), &a, &actor(), at(2))
        .await
        .unwrap();
    assert_eq!(stored, Stored::Repaired);
    assert_eq!(l.store.attachment_bytes(TENANT, "a-1").await.unwrap(), a);
    assert_eq!(
        count(&l.store, "SELECT COUNT(*) FROM audit_log").await,
        audit_before
    );
}

/// A ledger with three files on two documents (one file on both), and a
/// backup of it in `backups/` beside it.
async fn backed_up() -> (Ledger, std::path::PathBuf, Vec<Vec<u8>>) {
    let l = ledger().await;
    let files = vec![file(1, 4_000), file(2, 9_000), file(3, 700)];
    for (i, (doc, bytes)) in [
        ("inv-1", &files[0]),
        ("inv-1", &files[1]),
        ("inv-2", &files[2]),
    ]
    .into_iter()
    .enumerate()
    {
        l.store
            .store_attachment(
                &meta(&format!("a-{i}"), doc, &format!("f{i}.pdf")),
                bytes,
                &actor(),
                at(10),
            )
            .await
            .unwrap();
    }
    // The first file on a second document too: one file, two attachments.
    l.store
        .store_attachment(
            &meta("a-9", "inv-2", "copy.pdf"),
            &files[0],
            &actor(),
            at(11),
        )
        .await
        .unwrap();
    let dir = backup::default_dir(&l.path);
    let info = l.store.backup_now(&dir, at(20), 5).await.unwrap();
    (l, info.path, files)
}

#[tokio::test]
async fn a_backup_carries_each_file_once_and_its_check_hashes_them() {
    let (l, made, files) = backed_up().await;
    let info = backup::check_backup(&made, Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(info.attachment_files, 3);
    assert_eq!(
        info.attachment_bytes,
        files.iter().map(|f| f.len() as u64).sum::<u64>()
    );
    // Beside the backup, under each hash, byte for byte.
    let carried = attachments_dir_of(&made);
    assert_ne!(carried, l.store.attachments_dir());
    for f in &files {
        let sha = sha256_hex(f);
        assert_eq!(
            &std::fs::read(carried.join(&sha[..2]).join(&sha)).unwrap(),
            f
        );
    }
    assert_eq!(walk(&carried).len(), 3);
    // A second backup shares them: still one copy of each.
    let second = l
        .store
        .backup_now(&backup::default_dir(&l.path), at(30), 5)
        .await
        .unwrap();
    assert_eq!(attachments_dir_of(&second.path), carried);
    assert_eq!(walk(&carried).len(), 3);
}

#[tokio::test]
async fn a_backup_whose_file_is_missing_or_altered_fails_its_check_and_is_not_restored() {
    let (l, made, files) = backed_up().await;
    let sha = sha256_hex(&files[1]);
    let carried = attachments_dir_of(&made).join(&sha[..2]).join(&sha);
    let original = std::fs::read(&carried).unwrap();

    // Altered.
    let mut altered = original.clone();
    altered[100] ^= 0xff;
    std::fs::write(&carried, &altered).unwrap();
    let err = backup::check_backup(&made, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::BackupDamaged { detail, .. } if detail.contains(&sha) && detail.contains("altered")),
        "{err}"
    );

    // Missing.
    std::fs::remove_file(&carried).unwrap();
    let err = backup::check_backup(&made, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::BackupDamaged { detail, .. } if detail.contains(&sha) && detail.contains("missing")),
        "{err}"
    );

    // A restore from it is refused, and the ledger in place is untouched.
    let audit_rows = count(&l.store, "SELECT COUNT(*) FROM audit_log").await;
    l.store.close().await;
    let keep = l.dir.path().join("kept");
    let err = backup::restore(&made, &l.path, &keep, at(40))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::BackupDamaged { .. }), "{err}");
    let store = ledgerkeep_store::LedgerStore::open(&l.path).await.unwrap();
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM audit_log").await,
        audit_rows
    );
    assert!(store
        .verify_attachments()
        .await
        .unwrap()
        .problems
        .is_empty());
}

#[tokio::test]
async fn a_backup_is_refused_when_the_ledgers_own_file_is_damaged() {
    let l = ledger().await;
    let bytes = file(5, 3_000);
    l.store
        .store_attachment(&meta("a-1", "inv-1", "bill.pdf"), &bytes, &actor(), at(10))
        .await
        .unwrap();
    std::fs::remove_file(l.store.attachment_path(&sha256_hex(&bytes))).unwrap();
    let dir = backup::default_dir(&l.path);
    let err = l.store.backup_now(&dir, at(20), 5).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Backup(m) if m.contains(&sha256_hex(&bytes))),
        "{err}"
    );
    // No backup is left that would fail its own check.
    assert!(backup::list_backups(&dir).unwrap().is_empty());
}

#[tokio::test]
async fn a_restore_brings_back_the_files_the_ledger_lost() {
    let (l, made, files) = backed_up().await;
    // After the backup: one file lost, one altered, in the ledger's folder.
    let lost = l.store.attachment_path(&sha256_hex(&files[0]));
    let bent = l.store.attachment_path(&sha256_hex(&files[2]));
    std::fs::remove_file(&lost).unwrap();
    std::fs::write(&bent, b"not the file").unwrap();
    assert_eq!(
        l.store.verify_attachments().await.unwrap().problems.len(),
        3
    );
    let dir = l.store.attachments_dir();
    l.store.close().await;

    let keep = l.dir.path().join("kept");
    let out = backup::restore(&made, &l.path, &keep, at(40))
        .await
        .unwrap();
    assert!(out.previous_copy.is_some());
    let store = ledgerkeep_store::LedgerStore::open(&l.path).await.unwrap();
    let check = store.verify_attachments().await.unwrap();
    assert!(check.problems.is_empty(), "{check:?}");
    assert_eq!(check.files_checked, 3);
    assert_eq!(std::fs::read(&lost).unwrap(), files[0]);
    assert_eq!(std::fs::read(&bent).unwrap(), files[2]);
    assert_eq!(
        store.attachment_bytes(TENANT, "a-9").await.unwrap(),
        files[0]
    );
    assert!(dir.starts_with(l.dir.path()));
}

/// An invoice as Xero sends it, changed at `updated_ms`.
fn invoice(
    id: &str,
    updated_ms: i64,
    has_attachments: bool,
) -> ledgerkeep_domain::XeroRecord<ledgerkeep_domain::xero::Invoice> {
    ledgerkeep_domain::XeroRecord::from_json(&format!(
        r#"{{"InvoiceID": "{id}", "Type": "ACCPAY", "HasAttachments": {has_attachments}, "UpdatedDateUTC": "/Date({updated_ms}+0000)/"}}"#
    ))
    .unwrap()
}

/// A document is listed once per version: after its listing is noted it is
/// not asked again (even when it listed no file), and a change at Xero (a
/// file added or removed changes the document) has it listed again. The
/// partial index finds the documents with files without reading every row.
#[tokio::test]
async fn a_document_is_listed_again_only_when_xero_changes_it() {
    let l = ledger().await;
    let page = [
        invoice("b1", 1_000, true),
        invoice("b2", 1_000, true),
        invoice("b3", 1_000, false),
    ];
    l.store
        .apply_page(TENANT, &page, &actor(), at(0))
        .await
        .unwrap();
    let to_list = || async { l.store.documents_to_list(TENANT, 50, &[]).await.unwrap() };
    let ids = |v: Vec<(EntityKind, String)>| v.into_iter().map(|(_, id)| id).collect::<Vec<_>>();
    assert_eq!(ids(to_list().await), ["b1", "b2"]);

    // b1 listed (its file kept), b2 listed with no file: neither is asked again.
    l.store
        .store_attachment(
            &meta("a-1", "b1", "receipt.pdf"),
            &file(1, 2_000),
            &actor(),
            at(1),
        )
        .await
        .unwrap();
    for id in ["b1", "b2"] {
        l.store
            .note_attachments_listed(TENANT, EntityKind::Invoice, id, at(1))
            .await
            .unwrap();
    }
    assert!(to_list().await.is_empty());

    // The same version again changes nothing; a newer one of b2 is listed again.
    l.store
        .apply_page(TENANT, &[invoice("b2", 1_000, true)], &actor(), at(2))
        .await
        .unwrap();
    assert!(to_list().await.is_empty());
    l.store
        .apply_page(TENANT, &[invoice("b2", 5_000, true)], &actor(), at(3))
        .await
        .unwrap();
    assert_eq!(ids(to_list().await), ["b2"]);

    // A kind Xero keeps no files on is refused, not noted.
    assert!(l
        .store
        .note_attachments_listed(TENANT, EntityKind::Payment, "p1", at(4))
        .await
        .is_err());

    use sqlx::Row;
    let plan: Vec<String> = sqlx::query(
        "EXPLAIN QUERY PLAN SELECT d.xero_id FROM invoices d \
         WHERE d.tenant_id = ? AND json_extract(d.raw_json, '$.HasAttachments') = 1 ORDER BY d.id",
    )
    .bind(TENANT)
    .fetch_all(l.store.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<String, _>("detail"))
    .collect();
    assert!(
        plan.iter().any(|d| d.contains("invoices_with_attachments")),
        "{plan:?}"
    );
}
