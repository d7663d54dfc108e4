//! The attachments pass: after the books, the files of every document that
//! says it has attachments, kept offline (`ledgerkeep_store::attachments`).
//!
//! - Each call is background work, so Xero's daily budget keeps its reserve
//!   for the books: when the budget says stop, the pass stops, and the next
//!   one (the next sync, or the next day) carries on from where it stopped,
//!   because a document is listed again until its files are kept.
//! - A document's files are listed (one call), then each file not kept yet is
//!   fetched (one call each). A file kept already is never fetched again.
//! - The setting `attachments.enabled` (`1`: on) turns the pass on; it is
//!   off by default for now, because the pass runs inside the sync and a
//!   first pass over large books would hold the sync's end (and its budget)
//!   for many minutes. `attachments.max_bytes` skips larger files (counted,
//!   not fetched).

use chrono::{DateTime, Utc};
use ledgerkeep_domain::{Actor, EntityKind};
use ledgerkeep_store::attachments::{AttachmentMeta, Stored};
use ledgerkeep_store::{LedgerStore, StoreError};
use ledgerkeep_xero::{ApiRequest, XeroClient, XeroError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Turns the pass on when `1` (off by default: see the module docs).
pub const ENABLED: (&str, i64) = ("attachments.enabled", 0);
/// Files larger than this are not fetched (Xero's own limit: 10 MB).
pub const MAX_BYTES: (&str, i64) = ("attachments.max_bytes", 10 * 1024 * 1024);
/// Documents listed per pass at most.
const DOCUMENTS_PER_PASS: u32 = 500;

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentsReport {
    pub documents_listed: usize,
    pub files_fetched: usize,
    /// Files listed that the ledger already kept.
    pub files_kept_already: usize,
    /// Files over `attachments.max_bytes`, not fetched.
    pub files_too_large: usize,
    pub bytes_fetched: u64,
    /// Documents whose files could not be read this time (Xero failed, or
    /// answered something unreadable): listed again next pass.
    pub documents_failed: usize,
    /// Why the pass stopped before the end (the day's budget, or a sign-in
    /// that may not read attachments), if it did.
    pub stopped: Option<String>,
}

/// Why a pass failed: the ledger, or Xero for another reason than its budget.
#[derive(Debug, thiserror::Error)]
pub enum AttachmentsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Xero(#[from] XeroError),
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// One pass over `tenant`'s documents with attachments not kept yet.
pub async fn sync_attachments(
    store: &LedgerStore,
    client: &XeroClient,
    tenant: &str,
    actor: &Actor,
    now: impl Fn() -> DateTime<Utc>,
) -> Result<AttachmentsReport, AttachmentsError> {
    let mut report = AttachmentsReport::default();
    if store.setting_i64(ENABLED).await? == 0 {
        return Ok(report);
    }
    let max_bytes = u64::try_from(store.setting_i64(MAX_BYTES).await?).unwrap_or(0);
    let documents = store.documents_to_list(tenant, DOCUMENTS_PER_PASS).await?;
    for (entity, record_id) in documents {
        match pass_one(
            store,
            client,
            tenant,
            entity,
            &record_id,
            max_bytes,
            actor,
            &now,
            &mut report,
        )
        .await
        {
            Ok(()) => {}
            Err(AttachmentsError::Xero(
                e @ (XeroError::DailyLimit(_)
                | XeroError::NotPermitted { .. }
                | XeroError::NeedsReauthorisation { .. }
                | XeroError::NotConnected(_)
                | XeroError::TenantNotConnected(_)),
            )) => {
                report.stopped = Some(e.to_string());
                break;
            }
            Err(AttachmentsError::Xero(e)) => {
                tracing::warn!(error = %e, ?entity, "a document's attachments could not be read");
                report.documents_failed += 1;
            }
            Err(e) => return Err(e),
        }
    }
    tracing::info!(?report, tenant, "attachments pass");
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn pass_one(
    store: &LedgerStore,
    client: &XeroClient,
    tenant: &str,
    entity: EntityKind,
    record_id: &str,
    max_bytes: u64,
    actor: &Actor,
    now: &impl Fn() -> DateTime<Utc>,
    report: &mut AttachmentsReport,
) -> Result<(), AttachmentsError> {
    let base = format!("{}/{record_id}/Attachments", entity.stream());
    let listed = client
        .get(tenant, &ApiRequest::get(&base).background())
        .await?;
    report.documents_listed += 1;
    let files = listed
        .body
        .get("Attachments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for f in files {
        let (Some(id), Some(name)) = (text(&f, "AttachmentID"), text(&f, "FileName")) else {
            continue;
        };
        if store.attachment(tenant, &id).await?.is_some() {
            report.files_kept_already += 1;
            continue;
        }
        let length = f.get("ContentLength").and_then(Value::as_u64).unwrap_or(0);
        if length > max_bytes {
            report.files_too_large += 1;
            continue;
        }
        let answer = client
            .get(
                tenant,
                &ApiRequest::file(format!("{base}/{id}")).background(),
            )
            .await?;
        let Some((mime, bytes)) = answer.file else {
            continue;
        };
        let meta = AttachmentMeta {
            tenant_id: tenant.to_owned(),
            attachment_id: id,
            entity,
            record_id: record_id.to_owned(),
            file_name: name,
            mime_type: text(&f, "MimeType").or(Some(mime)),
        };
        if store.store_attachment(&meta, &bytes, actor, now()).await? != Stored::Unchanged {
            report.files_fetched += 1;
            report.bytes_fetched += bytes.len() as u64;
        }
    }
    Ok(())
}
