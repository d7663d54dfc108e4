//! The files attached to the owner's documents, kept offline.
//!
//! Each file is kept once, whatever documents it belongs to, in a
//! content-addressed folder beside the ledger:
//! `attachments/<first two hex digits>/<sha256>`. The table `attachments`
//! (migration 0019) says which document each of Xero's attachments belongs
//! to, with the file's hash; storing one appends an audit row holding that
//! hash, so the chain vouches for the bytes as it does for the records, and
//! [`LedgerStore::verify_attachments`] finds a file that is missing or whose
//! bytes no longer hash to it.
//!
//! A file is written to a temporary name in the same folder, synced, then
//! renamed into place, so a crash or a full disk never leaves a partial file
//! under its hash; the row and its audit go in after, in one transaction.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ledgerkeep_domain::{format_instant, Actor, EntityKind};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::audit::{self, AuditAction, PendingAudit};
use crate::{LedgerStore, StoreError};

/// The kinds of record that Xero keeps files on (`{Endpoint}/{id}/Attachments`
/// in Xero's API), in the order the attachments job lists them: the bills'
/// and invoices' files first, the ones an owner looks for most.
pub const WITH_ATTACHMENTS: [EntityKind; 10] = [
    EntityKind::Invoice,
    EntityKind::CreditNote,
    EntityKind::BankTransaction,
    EntityKind::BankTransfer,
    EntityKind::ManualJournal,
    EntityKind::PurchaseOrder,
    EntityKind::Quote,
    EntityKind::RepeatingInvoice,
    EntityKind::Contact,
    EntityKind::Account,
];

/// An attachment as Xero lists it on a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentMeta {
    pub tenant_id: String,
    pub attachment_id: String,
    pub entity: EntityKind,
    pub record_id: String,
    pub file_name: String,
    pub mime_type: Option<String>,
}

/// An attachment kept in the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    pub meta: AttachmentMeta,
    pub content_length: u64,
    pub sha256: String,
    pub stored_at: String,
}

/// What storing a file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new attachment (its bytes written, unless another held them).
    New,
    /// The attachment's bytes changed.
    Replaced,
    /// The same attachment with the same bytes: nothing was written.
    Unchanged,
    /// The same attachment, whose file was missing or altered on disk: the
    /// file was written again (the ledger's row and audit already say so).
    Repaired,
}

/// A file that does not match the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentProblem {
    pub tenant_id: String,
    pub attachment_id: String,
    pub file_name: String,
    pub sha256: String,
    /// `true`: the file is gone; `false`: its bytes no longer hash to it.
    pub missing: bool,
}

/// The check of every kept file against its hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttachmentCheck {
    pub files_checked: u64,
    pub problems: Vec<AttachmentProblem>,
}

/// The space the attachments take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttachmentSpace {
    /// Attachments listed on documents.
    pub attachments: u64,
    /// Distinct files kept (a file on two documents counts once).
    pub files: u64,
    pub bytes: u64,
}

/// The hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

pub(crate) fn entity_of(text: &str) -> Result<EntityKind, StoreError> {
    EntityKind::from_stream(text)
        .ok_or_else(|| StoreError::Data(format!("an attachment of an unknown kind '{text}'")))
}

fn from_row(r: &sqlx::sqlite::SqliteRow) -> Result<StoredAttachment, StoreError> {
    let length: i64 = r.try_get("content_length")?;
    Ok(StoredAttachment {
        meta: AttachmentMeta {
            tenant_id: r.try_get("tenant_id")?,
            attachment_id: r.try_get("attachment_id")?,
            entity: entity_of(&r.try_get::<String, _>("entity")?)?,
            record_id: r.try_get("record_id")?,
            file_name: r.try_get("file_name")?,
            mime_type: r.try_get("mime_type")?,
        },
        content_length: u64::try_from(length).unwrap_or(0),
        sha256: r.try_get("sha256")?,
        stored_at: r.try_get("stored_at")?,
    })
}

const COLUMNS: &str = "tenant_id, attachment_id, entity, record_id, file_name, mime_type, \
                       content_length, sha256, stored_at";

impl LedgerStore {
    /// The folder the files are kept in, beside the ledger file.
    pub fn attachments_dir(&self) -> PathBuf {
        attachments_dir_of(self.path())
    }

    /// Where the file with this hash is kept.
    pub fn attachment_path(&self, sha256: &str) -> PathBuf {
        file_in(&self.attachments_dir(), sha256)
    }

    /// Keeps `bytes` as the attachment `meta`: the file once under its hash,
    /// the row, and an audit row with the hash, by `actor` at `now`. The same
    /// attachment with the same bytes again writes nothing.
    pub async fn store_attachment(
        &self,
        meta: &AttachmentMeta,
        bytes: &[u8],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Stored, StoreError> {
        let _timer = self.timed("store_attachment");
        let sha256 = sha256_hex(bytes);
        let before = self
            .attachment(&meta.tenant_id, &meta.attachment_id)
            .await?;
        let same = before
            .as_ref()
            .is_some_and(|b| b.sha256 == sha256 && b.meta == *meta);
        // One read of the file: it may be there already, for this
        // attachment or for another with the same bytes.
        let on_disk = self.file_matches(&sha256).await;
        if same && on_disk {
            return Ok(Stored::Unchanged);
        }
        if !on_disk {
            self.write_file(&sha256, bytes).await?;
        }
        if same {
            return Ok(Stored::Repaired);
        }
        let at = format_instant(now);
        let length = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(&format!(
            "INSERT INTO attachments ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (tenant_id, attachment_id) DO UPDATE SET entity = excluded.entity, \
             record_id = excluded.record_id, file_name = excluded.file_name, \
             mime_type = excluded.mime_type, content_length = excluded.content_length, \
             sha256 = excluded.sha256, stored_at = excluded.stored_at"
        ))
        .bind(&meta.tenant_id)
        .bind(&meta.attachment_id)
        .bind(meta.entity.stream())
        .bind(&meta.record_id)
        .bind(&meta.file_name)
        .bind(&meta.mime_type)
        .bind(length)
        .bind(&sha256)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        let changes = json!({
            "Entity": meta.entity.stream(),
            "RecordID": meta.record_id,
            "FileName": meta.file_name,
            "MimeType": meta.mime_type,
            "ContentLength": length,
            "SHA256": {"old": before.as_ref().map(|b| &b.sha256), "new": sha256},
        });
        audit::append(
            &mut tx,
            &[PendingAudit {
                table: "attachments",
                tenant_id: meta.tenant_id.clone(),
                record_id: meta.attachment_id.clone(),
                action: if before.is_some() {
                    AuditAction::Update
                } else {
                    AuditAction::Insert
                },
                changes_json: changes.to_string(),
            }],
            &actor.to_string(),
            &at,
        )
        .await?;
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(if before.is_some() {
            Stored::Replaced
        } else {
            Stored::New
        })
    }

    /// Writes the file for `sha256`: to a temporary name, synced, then
    /// renamed into place.
    async fn write_file(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.attachment_path(sha256);
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            let dir = path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
            let tmp = dir.join(format!(".{name}.{}.partial", std::process::id()));
            let written = (|| {
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(&bytes)?;
                f.sync_all()?;
                std::fs::rename(&tmp, &path)
            })();
            if let Err(source) = written {
                let _ = std::fs::remove_file(&tmp);
                return Err(StoreError::Io { path, source });
            }
            Ok(())
        })
        .await
        .map_err(|e| StoreError::Data(format!("the attachment writer stopped: {e}")))?
    }

    /// Whether the file for `sha256` is there with those bytes.
    async fn file_matches(&self, sha256: &str) -> bool {
        let path = self.attachment_path(sha256);
        let want = sha256.to_owned();
        tokio::task::spawn_blocking(move || {
            std::fs::read(&path).is_ok_and(|b| sha256_hex(&b) == want)
        })
        .await
        .unwrap_or(false)
    }

    /// One attachment, if the ledger keeps it.
    pub async fn attachment(
        &self,
        tenant_id: &str,
        attachment_id: &str,
    ) -> Result<Option<StoredAttachment>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM attachments WHERE tenant_id = ? AND attachment_id = ?"
        ))
        .bind(tenant_id)
        .bind(attachment_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// A document's attachments, by file name.
    pub async fn attachments_of(
        &self,
        tenant_id: &str,
        entity: EntityKind,
        record_id: &str,
    ) -> Result<Vec<StoredAttachment>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM attachments \
             WHERE tenant_id = ? AND entity = ? AND record_id = ? ORDER BY file_name, attachment_id"
        ))
        .bind(tenant_id)
        .bind(entity.stream())
        .bind(record_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// An attachment's bytes, checked against its hash: a file that is gone
    /// or altered is an error, never shown as the document's.
    pub async fn attachment_bytes(
        &self,
        tenant_id: &str,
        attachment_id: &str,
    ) -> Result<Vec<u8>, StoreError> {
        let a = self
            .attachment(tenant_id, attachment_id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("no attachment {attachment_id}")))?;
        let path = self.attachment_path(&a.sha256);
        let bytes = tokio::fs::read(&path).await.map_err(io_err(&path))?;
        if sha256_hex(&bytes) != a.sha256 {
            return Err(StoreError::Corrupt {
                detail: format!(
                    "the attachment {} no longer matches its hash",
                    a.meta.file_name
                ),
            });
        }
        Ok(bytes)
    }

    /// Up to `limit` of the tenant's attachments whose file is not on disk
    /// (one look at each file, no hashing): what a sync fetches again.
    pub async fn attachments_missing(
        &self,
        tenant_id: &str,
        limit: usize,
    ) -> Result<Vec<StoredAttachment>, StoreError> {
        let _timer = self.timed("attachments_missing");
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM attachments WHERE tenant_id = ? ORDER BY sha256, attachment_id"
        ))
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        let all = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        let dir = self.attachments_dir();
        tokio::task::spawn_blocking(move || {
            all.into_iter()
                .filter(|a| !file_in(&dir, &a.sha256).is_file())
                .take(limit)
                .collect()
        })
        .await
        .map_err(|e| StoreError::Data(format!("the attachment look-up stopped: {e}")))
    }

    /// Hashes every kept file and names each that is missing or altered.
    pub async fn verify_attachments(&self) -> Result<AttachmentCheck, StoreError> {
        let _timer = self.timed("verify_attachments");
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM attachments ORDER BY sha256, tenant_id, attachment_id"
        ))
        .fetch_all(self.pool())
        .await?;
        let all = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        let dir = self.attachments_dir();
        tokio::task::spawn_blocking(move || {
            let mut check = AttachmentCheck::default();
            let mut last: Option<(String, Option<bool>)> = None;
            for a in all {
                // A file on several documents is hashed once.
                let state = match &last {
                    Some((sha, state)) if *sha == a.sha256 => *state,
                    _ => {
                        check.files_checked += 1;
                        let path = file_in(&dir, &a.sha256);
                        let state = match std::fs::read(&path) {
                            Ok(b) if sha256_hex(&b) == a.sha256 => None,
                            Ok(_) => Some(false),
                            Err(_) => Some(true),
                        };
                        last = Some((a.sha256.clone(), state));
                        state
                    }
                };
                if let Some(missing) = state {
                    check.problems.push(AttachmentProblem {
                        tenant_id: a.meta.tenant_id,
                        attachment_id: a.meta.attachment_id,
                        file_name: a.meta.file_name,
                        sha256: a.sha256,
                        missing,
                    });
                }
            }
            check
        })
        .await
        .map_err(|e| StoreError::Data(format!("the attachment check stopped: {e}")))
    }

    /// Up to `limit` documents that say they have attachments and have none
    /// kept yet, oldest first, but for those in `skip` (record ids): what an
    /// attachments pass lists next.
    pub async fn documents_to_list(
        &self,
        tenant_id: &str,
        limit: u32,
        skip: &[String],
    ) -> Result<Vec<(EntityKind, String)>, StoreError> {
        let skip = serde_json::to_string(skip)
            .map_err(|e| StoreError::Data(format!("the documents to skip: {e}")))?;
        let _timer = self.timed("documents_to_list");
        let mut out = Vec::new();
        for entity in WITH_ATTACHMENTS {
            let table = crate::rows::table_of(entity);
            let left = i64::from(limit).saturating_sub(i64::try_from(out.len()).unwrap_or(0));
            if left <= 0 {
                break;
            }
            // Never listed, or changed at Xero since (`updated_utc` is
            // fixed-width UTC text, so text order is time order).
            let ids: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT d.xero_id FROM {table} d \
                 WHERE d.tenant_id = ? AND json_extract(d.raw_json, '$.HasAttachments') = 1 \
                   AND NOT EXISTS (SELECT 1 FROM attachment_listings l \
                                   WHERE l.tenant_id = d.tenant_id AND l.entity = ? AND l.record_id = d.xero_id \
                                     AND COALESCE(l.updated_utc, '') >= COALESCE(d.updated_utc, '')) \
                   AND d.xero_id NOT IN (SELECT value FROM json_each(?)) \
                 ORDER BY d.id LIMIT ?"
            ))
            .bind(tenant_id)
            .bind(entity.stream())
            .bind(&skip)
            .bind(left)
            .fetch_all(self.pool())
            .await?;
            out.extend(ids.into_iter().map(|id| (entity, id)));
        }
        Ok(out)
    }

    /// Notes that `record_id`'s attachments were listed (and every file it
    /// lists kept) at its current version: it is not listed again until Xero
    /// changes it.
    pub async fn note_attachments_listed(
        &self,
        tenant_id: &str,
        entity: EntityKind,
        record_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if !WITH_ATTACHMENTS.contains(&entity) {
            return Err(StoreError::Invalid(format!(
                "{entity:?} has no attachments the job lists"
            )));
        }
        let table = crate::rows::table_of(entity);
        sqlx::query(&format!(
            "INSERT INTO attachment_listings (tenant_id, entity, record_id, updated_utc, listed_at) \
             VALUES (?, ?, ?, (SELECT updated_utc FROM {table} WHERE tenant_id = ? AND xero_id = ?), ?) \
             ON CONFLICT (tenant_id, entity, record_id) DO UPDATE SET \
               updated_utc = excluded.updated_utc, listed_at = excluded.listed_at"
        ))
        .bind(tenant_id)
        .bind(entity.stream())
        .bind(record_id)
        .bind(tenant_id)
        .bind(record_id)
        .bind(format_instant(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// How many attachments and files the ledger keeps, and their bytes.
    pub async fn attachment_space(&self) -> Result<AttachmentSpace, StoreError> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n, \
                    (SELECT COUNT(*) FROM (SELECT DISTINCT sha256 FROM attachments)) AS files, \
                    (SELECT COALESCE(SUM(content_length), 0) FROM \
                       (SELECT sha256, MAX(content_length) AS content_length FROM attachments GROUP BY sha256)) AS bytes \
             FROM attachments",
        )
        .fetch_one(self.pool())
        .await?;
        let count = |c: &str| -> Result<u64, StoreError> {
            Ok(u64::try_from(r.try_get::<i64, _>(c)?).unwrap_or(0))
        };
        Ok(AttachmentSpace {
            attachments: count("n")?,
            files: count("files")?,
            bytes: count("bytes")?,
        })
    }
}

/// Where the file with this hash sits in the attachments folder `dir`.
pub(crate) fn file_in(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(sha256.get(..2).unwrap_or("00")).join(sha256)
}

/// The attachments folder of the ledger at `ledger_path` (backups copy it
/// beside theirs).
pub fn attachments_dir_of(ledger_path: &Path) -> PathBuf {
    ledger_path
        .parent()
        .unwrap_or(Path::new("."))
        .join("attachments")
}
