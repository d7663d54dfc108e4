//! Attachments kept offline, through the operations the UI calls, on real
//! files in a temporary data folder: the settings with the space used, a
//! document's list, a file's bytes only after its hash is checked (a missing
//! or altered file is refused), a copy to open in another app, and backups
//! that carry the files and a restore that brings them back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use base64::Engine as _;
use chrono::{TimeZone, Utc};
use ledgerkeep_api::ops::attachments::{
    attachment_copy, attachment_file, attachment_settings, document_attachments,
    set_attachment_settings, AttachmentRequest, AttachmentSettings, AttachmentShow,
    DocumentAttachmentsRequest,
};
use ledgerkeep_api::ops::backups::{apply_pending_restore, choose_restore};
use ledgerkeep_api::{backup_now, AppContext, AppPaths, BackupRequest, ErrorCode, RestoreRequest};
use ledgerkeep_domain::{Actor, EntityKind};
use ledgerkeep_store::attachments::{sha256_hex, AttachmentMeta};
use ledgerkeep_store::audit::MemoryAnchor;
use ledgerkeep_store::LedgerStore;

mod common;

use common::open_app_in as open;

const TENANT: &str = "tenant-1";

fn at(hour: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, hour, 0, 0).unwrap()
}

/// The simulator's real small PDF and PNG, and a spreadsheet's first bytes.
fn files() -> Vec<(&'static str, &'static str, Option<&'static str>, Vec<u8>)> {
    vec![
        (
            "a-pdf",
            "Bill 7.pdf",
            Some("application/pdf"),
            ledgerkeep_sim::attachments::pdf(&["Bill 7".to_owned(), "Total: 12.50".to_owned()]),
        ),
        (
            "a-png",
            "receipt.png",
            Some("image/png"),
            ledgerkeep_sim::attachments::png(7),
        ),
        (
            "a-xls",
            "costs.xlsx",
            None,
            b"PK\x03\x04 not really a spreadsheet".to_vec(),
        ),
    ]
}

/// The app on `dir`, with the three files kept on the invoice `inv-1`.
async fn with_files(dir: &std::path::Path) -> AppContext {
    let ctx = open(dir).await;
    for (id, name, mime, bytes) in files() {
        ctx.store()
            .store_attachment(
                &AttachmentMeta {
                    tenant_id: TENANT.to_owned(),
                    attachment_id: id.to_owned(),
                    entity: EntityKind::Invoice,
                    record_id: "inv-1".to_owned(),
                    file_name: name.to_owned(),
                    mime_type: mime.map(str::to_owned),
                },
                &bytes,
                &Actor::sync("run-1"),
                at(1),
            )
            .await
            .unwrap();
    }
    ctx
}

fn request(id: &str) -> AttachmentRequest {
    AttachmentRequest {
        tenant_id: TENANT.to_owned(),
        attachment_id: id.to_owned(),
    }
}

#[tokio::test]
async fn the_settings_say_on_by_default_save_within_range_and_show_the_space_used() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = open(dir.path()).await;
    let empty = attachment_settings(&ctx).await.unwrap();
    assert_eq!(
        empty.settings,
        AttachmentSettings {
            enabled: true,
            max_megabytes: 10
        }
    );
    assert_eq!((empty.attachments, empty.files, empty.size_kib), (0, 0, 0));
    ctx.close().await;

    let ctx = with_files(dir.path()).await;
    let view = attachment_settings(&ctx).await.unwrap();
    let bytes: u64 = files().iter().map(|f| f.3.len() as u64).sum();
    assert_eq!((view.attachments, view.files), (3, 3));
    assert_eq!(u64::from(view.size_kib), bytes.div_ceil(1024));
    assert!(view.folder.starts_with(&dir.path().display().to_string()));

    for bad in [0, 26] {
        let err = set_attachment_settings(
            &ctx,
            AttachmentSettings {
                enabled: true,
                max_megabytes: bad,
            },
        )
        .await
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::Invalid);
        assert_eq!(err.fields.unwrap()[0].field, "maxMegabytes");
    }
    let saved = set_attachment_settings(
        &ctx,
        AttachmentSettings {
            enabled: false,
            max_megabytes: 3,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        saved.settings,
        AttachmentSettings {
            enabled: false,
            max_megabytes: 3
        }
    );
    // What the attachments job reads.
    let store = ctx.store();
    assert_eq!(
        store
            .setting_i64(ledgerkeep_sync::attachments::ENABLED)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .setting_i64(ledgerkeep_sync::attachments::MAX_BYTES)
            .await
            .unwrap(),
        3 * 1024 * 1024
    );
    ctx.close().await;
}

#[tokio::test]
async fn a_files_bytes_are_given_only_when_they_match_their_hash() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = with_files(dir.path()).await;
    let listed = document_attachments(
        &ctx,
        DocumentAttachmentsRequest {
            tenant_id: TENANT.to_owned(),
            entity: EntityKind::Invoice,
            xero_id: "inv-1".to_owned(),
        },
    )
    .await
    .unwrap();
    let shows: Vec<(&str, AttachmentShow)> = listed
        .iter()
        .map(|a| (a.file_name.as_str(), a.show))
        .collect();
    assert_eq!(
        shows,
        [
            ("Bill 7.pdf", AttachmentShow::Pdf),
            ("costs.xlsx", AttachmentShow::Other),
            ("receipt.png", AttachmentShow::Image),
        ]
    );
    for (id, _, _, bytes) in files() {
        let got = attachment_file(&ctx, request(id)).await.unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&got.base64)
            .unwrap();
        assert_eq!(decoded, bytes, "{id}");
        assert_eq!(got.attachment.size as usize, bytes.len());
    }

    // Altered on disk: refused, never shown.
    let pdf = &files()[0].3;
    let path = ctx.store().attachment_path(&sha256_hex(pdf));
    let mut bent = pdf.clone();
    bent[20] ^= 0x55;
    std::fs::write(&path, &bent).unwrap();
    let err = attachment_file(&ctx, request("a-pdf")).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Corrupt);
    assert!(err.message.contains("altered"), "{}", err.message);
    let err = attachment_copy(&ctx, request("a-pdf")).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Corrupt);
    // Gone: refused too.
    std::fs::remove_file(&path).unwrap();
    let err = attachment_file(&ctx, request("a-pdf")).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Corrupt);
    assert!(err.message.contains("missing"), "{}", err.message);
    // Not kept at all.
    let err = attachment_file(&ctx, request("a-none")).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    ctx.close().await;
}

#[tokio::test]
async fn a_copy_to_open_elsewhere_keeps_its_name_inside_the_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = with_files(dir.path()).await;
    let copy = attachment_copy(&ctx, request("a-xls")).await.unwrap();
    let path = std::path::PathBuf::from(&copy.path);
    assert!(path.starts_with(dir.path()), "{}", copy.path);
    assert_eq!(path.file_name().unwrap(), "costs.xlsx");
    assert_eq!(std::fs::read(&path).unwrap(), files()[2].3);
    // The kept file is not the one handed out.
    assert_ne!(
        path,
        ctx.store().attachment_path(&sha256_hex(&files()[2].3))
    );
    ctx.close().await;
}

#[tokio::test]
async fn a_backup_carries_the_files_and_a_restore_brings_them_back() {
    let dir = tempfile::tempdir().unwrap();
    let paths = AppPaths::under(dir.path());
    let ctx = with_files(dir.path()).await;
    let made = backup_now(&ctx, BackupRequest::default(), at(2))
        .await
        .unwrap();
    // The files are lost from the data folder after the backup.
    let kept = ctx.store().attachments_dir();
    std::fs::remove_dir_all(&kept).unwrap();
    let err = attachment_file(&ctx, request("a-png")).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Corrupt);

    choose_restore(
        &ctx,
        RestoreRequest {
            from: made.path.clone(),
        },
    )
    .await
    .unwrap();
    ctx.close().await;
    let done = apply_pending_restore(&paths, at(3), Arc::new(MemoryAnchor::default()))
        .await
        .unwrap();
    assert!(done.restored, "{}", done.message);

    let ctx = open(dir.path()).await;
    for (id, _, _, bytes) in files() {
        let got = attachment_file(&ctx, request(id)).await.unwrap();
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(&got.base64)
                .unwrap(),
            bytes
        );
    }
    ctx.close().await;
    let store = LedgerStore::open(&paths.ledger_file()).await.unwrap();
    assert!(store
        .verify_attachments()
        .await
        .unwrap()
        .problems
        .is_empty());
}

#[tokio::test]
async fn a_backup_whose_file_was_altered_is_refused_for_restore() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = with_files(dir.path()).await;
    let made = backup_now(&ctx, BackupRequest::default(), at(2))
        .await
        .unwrap();
    let png = &files()[1].3;
    let sha = sha256_hex(png);
    let carried =
        ledgerkeep_store::attachments::attachments_dir_of(std::path::Path::new(&made.path))
            .join(&sha[..2])
            .join(&sha);
    std::fs::write(&carried, b"something else").unwrap();
    let err = choose_restore(
        &ctx,
        RestoreRequest {
            from: made.path.clone(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Corrupt, "{}", err.message);
    ctx.close().await;
}
