//! Attachments kept offline, on a real ledger file and a real folder: each
//! file once under its SHA-256, its hash in the audit chain, the same file
//! again writes nothing, and a file altered or removed on disk is found.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use ledgerkeep_domain::EntityKind;
use ledgerkeep_store::attachments::{sha256_hex, AttachmentMeta, Stored};
use ledgerkeep_store::StoreError;

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
