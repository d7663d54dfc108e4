//! The attachments job: the files of every document that says it has
//! attachments, kept offline (`ledgerkeep_store::attachments`).
//!
//! It is a job of its own, which the scheduler runs after a complete sync of
//! the books and never in their way:
//!
//! - it is cancelled (at its next safe point: between files, or by
//!   abandoning the call in flight) as soon as a sync is due or the owner
//!   asks for something, and runs again after that sync;
//! - each call is background work, and the job stops while the day's budget
//!   is at or below the background reserve plus [`BOOKS_SHARE_PERCENT`] of
//!   the rest: the books' own syncs keep at least that. Stopped so, the job
//!   goes on when the budget grows again (the next day), where it stopped,
//!   because a document is listed again until its files are kept;
//! - a document's files are listed (one call), then each file not kept yet is
//!   fetched (one call each), and the document's files are kept together:
//!   a document is never left half kept. A file kept already is never
//!   fetched again. A document with a file over the size cap is remembered
//!   under that cap, so that it is not listed on every run, and listed again
//!   when the cap changes.
//!
//! The setting `attachments.enabled` (`1`, the default: on; `0`: off) turns
//! the job on; `attachments.max_bytes` skips larger files (counted, not
//! fetched).

use chrono::{DateTime, Utc};
use ledgerkeep_domain::{Actor, EntityKind};
use ledgerkeep_store::attachments::{AttachmentMeta, Stored};
use ledgerkeep_store::{LedgerStore, StoreError};
use ledgerkeep_xero::{ApiRequest, XeroError, XeroResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cancel::CancelToken;
use crate::engine::SyncEngine;

/// Turns the job on when `1` (the default), off when `0`.
pub const ENABLED: (&str, i64) = ("attachments.enabled", 1);
/// Files larger than this are not fetched (Xero's own limit: 10 MB).
pub const MAX_BYTES: (&str, i64) = ("attachments.max_bytes", 10 * 1024 * 1024);
/// The part (percent) of the day's calls above the background reserve that
/// the job leaves to the books: it makes no call while no more than that
/// and the reserve are left. With Xero's 5,000 a day and a reserve of 500,
/// the books keep 2,750, well over what 15-minute syncs spend.
pub const BOOKS_SHARE_PERCENT: u32 = 50;
/// Documents read from the ledger at a time.
const DOCUMENTS_PER_BATCH: u32 = 200;

/// How a run of the job ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum JobEnd {
    /// No document left to list (but those that failed this time).
    #[default]
    Done,
    /// The setting turns the job off.
    Off,
    /// The day's calls left are the books': it goes on when the budget grows.
    DailyLimit,
    /// A sync was due, or the app stops: it goes on after.
    Cancelled,
    /// The sign-in may not read attachments, or is not connected.
    Refused,
}

/// What a run of the job did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentsReport {
    pub tenant: String,
    pub documents_listed: usize,
    pub files_fetched: usize,
    /// Files listed that the ledger already kept.
    pub files_kept_already: usize,
    /// Files over `attachments.max_bytes`, not fetched.
    pub files_too_large: usize,
    /// Kept files found gone from disk, fetched again.
    pub files_repaired: usize,
    pub bytes_fetched: u64,
    /// Documents whose files could not be read this time (Xero failed, or
    /// answered something unreadable): listed again next run.
    pub documents_failed: usize,
    /// Calls made to Xero (listings and files).
    pub calls: u64,
    pub end: JobEnd,
    /// Why the job stopped before the end, in words, if it did.
    pub stopped: Option<String>,
}

/// Why a run failed: the ledger, or Xero for another reason than its budget.
#[derive(Debug, thiserror::Error)]
pub enum AttachmentsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Xero(#[from] XeroError),
}

/// Why one document's work stopped.
enum Halt {
    Cancelled,
    /// The calls the document needs are the books'.
    Budget(String),
    Failed(AttachmentsError),
}

impl From<StoreError> for Halt {
    fn from(e: StoreError) -> Self {
        Halt::Failed(AttachmentsError::Store(e))
    }
}

impl From<XeroError> for Halt {
    fn from(e: XeroError) -> Self {
        Halt::Failed(AttachmentsError::Xero(e))
    }
}

/// Documents with a file over the size cap (kept in the settings): not
/// listed again under that cap, and listed again (`revisit`) under another.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TooLarge {
    max_bytes: u64,
    /// `(entity as Xero names it, record id)`.
    documents: Vec<(String, String)>,
    revisit: Vec<(String, String)>,
}

fn too_large_key(tenant: &str) -> String {
    format!("attachments.too_large.{tenant}")
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

type Busy = Option<Box<dyn Send + Sync>>;

impl SyncEngine {
    /// Runs the attachments job for `tenant` until no document is left, the
    /// day's calls left are the books', or `cancel` (checked between files,
    /// and it abandons a call in flight).
    pub async fn sync_attachments(
        &self,
        tenant: &str,
        cancel: &CancelToken,
    ) -> Result<AttachmentsReport, AttachmentsError> {
        // The job's work on the ledger takes no virtual time; the calls
        // release it (see `RunState::busy`).
        let mut busy = self.time().sleeper.hold();
        let store = self.store();
        let mut report = AttachmentsReport {
            tenant: tenant.to_owned(),
            ..AttachmentsReport::default()
        };
        if store.setting_i64(ENABLED).await? == 0 {
            report.end = JobEnd::Off;
            return Ok(report);
        }
        let max_bytes = u64::try_from(store.setting_i64(MAX_BYTES).await?).unwrap_or(0);
        let mut large = load_too_large(store, tenant, max_bytes).await;
        let actor = Actor::sync(format!("attachments-{}", uuid::Uuid::new_v4()));
        // Kept files gone from disk first: a backup cannot carry them.
        if let Some(end) = self
            .repair_missing(tenant, &actor, &mut busy, cancel, &mut report)
            .await?
        {
            report.end = end;
            drop(busy);
            return Ok(report);
        }
        // Listed this run and nothing kept (failed, or none listed): not
        // listed again until the next run.
        let mut listed: Vec<String> = Vec::new();
        loop {
            // Those with a file over another cap first, then those never kept.
            let documents: Vec<(EntityKind, String)> = if large.revisit.is_empty() {
                let skip: Vec<String> = large
                    .documents
                    .iter()
                    .map(|d| d.1.clone())
                    .chain(listed.iter().cloned())
                    .collect();
                store
                    .documents_to_list(tenant, DOCUMENTS_PER_BATCH, &skip)
                    .await?
            } else {
                large
                    .revisit
                    .iter()
                    .filter_map(|(e, id)| EntityKind::from_stream(e).map(|k| (k, id.clone())))
                    .collect()
            };
            if documents.is_empty() {
                large.revisit.clear();
                break;
            }
            let end = self
                .keep_batch(
                    tenant,
                    documents,
                    max_bytes,
                    &actor,
                    &mut busy,
                    cancel,
                    &mut report,
                    &mut large,
                    &mut listed,
                )
                .await?;
            if let Some(end) = end {
                report.end = end;
                break;
            }
        }
        drop(busy);
        tracing::info!(?report, tenant, "attachments job");
        Ok(report)
    }

    /// One batch of documents; `Some(end)` when the run stops.
    #[allow(clippy::too_many_arguments)]
    async fn keep_batch(
        &self,
        tenant: &str,
        documents: Vec<(EntityKind, String)>,
        max_bytes: u64,
        actor: &Actor,
        busy: &mut Busy,
        cancel: &CancelToken,
        report: &mut AttachmentsReport,
        large: &mut TooLarge,
        listed: &mut Vec<String>,
    ) -> Result<Option<JobEnd>, AttachmentsError> {
        for (entity, record_id) in documents {
            if cancel.is_cancelled() {
                return Ok(Some(JobEnd::Cancelled));
            }
            let done = match self.books_keep_the_rest(tenant, 1) {
                Some(why) => Err(Halt::Budget(why)),
                None => {
                    self.keep_files_of(
                        tenant, entity, &record_id, max_bytes, actor, busy, cancel, report,
                    )
                    .await
                }
            };
            let key = (entity.stream().to_owned(), record_id.clone());
            match done {
                Ok(doc) => {
                    let revisited = large.revisit.first() == Some(&key);
                    if revisited {
                        large.revisit.remove(0);
                    }
                    if doc.too_large {
                        large.documents.push(key);
                    } else {
                        // Every file it lists is kept: not listed again
                        // until Xero changes the document.
                        self.store()
                            .note_attachments_listed(tenant, entity, &record_id, self.now())
                            .await?;
                    }
                    if !doc.kept_any {
                        listed.push(record_id);
                    }
                    if revisited || doc.too_large {
                        save_too_large(self.store(), tenant, large, self.now()).await;
                    }
                }
                Err(Halt::Cancelled) => return Ok(Some(JobEnd::Cancelled)),
                Err(Halt::Budget(why)) => {
                    report.stopped = Some(why);
                    return Ok(Some(JobEnd::DailyLimit));
                }
                Err(Halt::Failed(AttachmentsError::Xero(e @ XeroError::DailyLimit(_)))) => {
                    report.stopped = Some(e.to_string());
                    return Ok(Some(JobEnd::DailyLimit));
                }
                Err(Halt::Failed(AttachmentsError::Xero(
                    e @ (XeroError::NotPermitted { .. }
                    | XeroError::NeedsReauthorisation { .. }
                    | XeroError::NotConnected(_)
                    | XeroError::TenantNotConnected(_)),
                ))) => {
                    report.stopped = Some(e.to_string());
                    return Ok(Some(JobEnd::Refused));
                }
                Err(Halt::Failed(AttachmentsError::Xero(e))) => {
                    tracing::warn!(error = %e, ?entity, "a document's attachments could not be read");
                    report.documents_failed += 1;
                    if large.revisit.first() == Some(&key) {
                        // Tried again next run.
                        large.revisit.remove(0);
                        large.documents.push(key);
                    }
                    listed.push(record_id);
                }
                Err(Halt::Failed(e)) => return Err(e),
            }
        }
        Ok(None)
    }

    /// Fetches again the files of kept attachments that are gone from disk
    /// (at most a batch a run); `Some(end)` when the run stops.
    async fn repair_missing(
        &self,
        tenant: &str,
        actor: &Actor,
        busy: &mut Busy,
        cancel: &CancelToken,
        report: &mut AttachmentsReport,
    ) -> Result<Option<JobEnd>, AttachmentsError> {
        let missing = self
            .store()
            .attachments_missing(tenant, DOCUMENTS_PER_BATCH as usize)
            .await?;
        for a in missing {
            if let Some(why) = self.books_keep_the_rest(tenant, 1) {
                report.stopped = Some(why);
                return Ok(Some(JobEnd::DailyLimit));
            }
            let path = format!(
                "{}/{}/Attachments/{}",
                a.meta.entity.stream(),
                a.meta.record_id,
                a.meta.attachment_id
            );
            let req = ApiRequest::file(path).background();
            let answer = match self
                .attachment_call(tenant, &req, busy, cancel, report)
                .await
            {
                Ok(answer) => answer,
                Err(Halt::Cancelled) => return Ok(Some(JobEnd::Cancelled)),
                Err(Halt::Budget(why)) => {
                    report.stopped = Some(why);
                    return Ok(Some(JobEnd::DailyLimit));
                }
                Err(Halt::Failed(AttachmentsError::Xero(e @ XeroError::DailyLimit(_)))) => {
                    report.stopped = Some(e.to_string());
                    return Ok(Some(JobEnd::DailyLimit));
                }
                Err(Halt::Failed(AttachmentsError::Xero(e))) => {
                    tracing::warn!(error = %e, "a lost attachment file could not be fetched again");
                    continue;
                }
                Err(Halt::Failed(e)) => return Err(e),
            };
            let Some((_, bytes)) = answer.file else {
                continue;
            };
            if self
                .store()
                .store_attachment(&a.meta, &bytes, actor, self.now())
                .await?
                != Stored::Unchanged
            {
                report.files_repaired += 1;
            }
        }
        Ok(None)
    }

    /// `Some(why)` when `need` more calls would reach into the books' part
    /// of the day's calls (see [`BOOKS_SHARE_PERCENT`]).
    fn books_keep_the_rest(&self, tenant: &str, need: usize) -> Option<String> {
        let limiter = self.xero().client().limiter();
        // The tenant's day as Xero shows it: a Starter app's 1,000, not the
        // configured 5,000, once its readings say so.
        let day = limiter.day_budget(tenant);
        let reserve = limiter.background_reserve(tenant);
        let above_reserve = day.saturating_sub(reserve);
        let keep = reserve.saturating_add(above_reserve.saturating_mul(BOOKS_SHARE_PERCENT) / 100);
        let left = limiter.day_left(tenant);
        let need = u32::try_from(need).unwrap_or(u32::MAX);
        (left < keep.saturating_add(need)).then(|| {
            format!(
                "{left} of the day's Xero calls are left, kept for the books: the attachments go on when the day's budget grows again."
            )
        })
    }

    /// One background call, with virtual time free while it waits.
    async fn attachment_call(
        &self,
        tenant: &str,
        req: &ApiRequest,
        busy: &mut Busy,
        cancel: &CancelToken,
        report: &mut AttachmentsReport,
    ) -> Result<XeroResponse, Halt> {
        if cancel.is_cancelled() {
            return Err(Halt::Cancelled);
        }
        *busy = None;
        let answer = tokio::select! {
            biased;
            () = cancel.cancelled() => None,
            r = self.xero().client().get(tenant, req) => Some(r),
        };
        *busy = self.time().sleeper.hold();
        let answer = answer.ok_or(Halt::Cancelled)?;
        report.calls += 1;
        Ok(answer?)
    }

    /// Lists one document's files and keeps those not kept yet: all of them
    /// or none (the files are fetched, then kept), so that a document is
    /// never left half kept by the budget, a cancel or a failed call (it is
    /// listed again until its files are kept).
    #[allow(clippy::too_many_arguments)]
    async fn keep_files_of(
        &self,
        tenant: &str,
        entity: EntityKind,
        record_id: &str,
        max_bytes: u64,
        actor: &Actor,
        busy: &mut Busy,
        cancel: &CancelToken,
        report: &mut AttachmentsReport,
    ) -> Result<Document, Halt> {
        let store = self.store();
        let base = format!("{}/{record_id}/Attachments", entity.stream());
        let listed = self
            .attachment_call(
                tenant,
                &ApiRequest::get(&base).background(),
                busy,
                cancel,
                report,
            )
            .await?;
        report.documents_listed += 1;
        let files = listed
            .body
            .get("Attachments")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut doc = Document::default();
        let mut wanted = Vec::new();
        for f in files {
            let (Some(id), Some(name)) = (text(&f, "AttachmentID"), text(&f, "FileName")) else {
                continue;
            };
            if store.attachment(tenant, &id).await?.is_some() {
                report.files_kept_already += 1;
                doc.kept_any = true;
                continue;
            }
            let length = f.get("ContentLength").and_then(Value::as_u64).unwrap_or(0);
            if length > max_bytes {
                report.files_too_large += 1;
                doc.too_large = true;
                continue;
            }
            wanted.push((id, name, text(&f, "MimeType")));
        }
        // The whole document within the books' share, or none of it.
        if let Some(why) = self.books_keep_the_rest(tenant, wanted.len()) {
            return Err(Halt::Budget(why));
        }
        let mut fetched = Vec::new();
        for (id, name, mime_type) in wanted {
            let answer = self
                .attachment_call(
                    tenant,
                    &ApiRequest::file(format!("{base}/{id}")).background(),
                    busy,
                    cancel,
                    report,
                )
                .await?;
            let Some((mime, bytes)) = answer.file else {
                continue;
            };
            if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max_bytes {
                // Listed smaller than it came: the cap holds all the same.
                report.files_too_large += 1;
                doc.too_large = true;
                continue;
            }
            let meta = AttachmentMeta {
                tenant_id: tenant.to_owned(),
                attachment_id: id,
                entity,
                record_id: record_id.to_owned(),
                file_name: name,
                mime_type: mime_type.or(Some(mime)),
            };
            fetched.push((meta, bytes));
        }
        for (meta, bytes) in fetched {
            doc.kept_any = true;
            if store
                .store_attachment(&meta, &bytes, actor, self.now())
                .await?
                != Stored::Unchanged
            {
                report.files_fetched += 1;
                report.bytes_fetched += bytes.len() as u64;
            }
        }
        Ok(doc)
    }
}

/// What one document's listing found.
#[derive(Debug, Default)]
struct Document {
    /// A file of it is kept (now, or before).
    kept_any: bool,
    /// A file of it is over the size cap.
    too_large: bool,
}

async fn load_too_large(store: &LedgerStore, tenant: &str, max_bytes: u64) -> TooLarge {
    let kept = match store.setting(&too_large_key(tenant)).await {
        Ok(Some(json)) => serde_json::from_str::<TooLarge>(&json).ok(),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "the documents with files over the size cap could not be read");
            None
        }
    };
    let mut large = kept.unwrap_or_default();
    if large.max_bytes != max_bytes {
        // Under another cap, each such document is listed again.
        let earlier = std::mem::take(&mut large.documents);
        large.revisit.extend(earlier);
        large.max_bytes = max_bytes;
    }
    large
        .revisit
        .retain(|(e, _)| EntityKind::from_stream(e).is_some());
    large
}

async fn save_too_large(store: &LedgerStore, tenant: &str, large: &TooLarge, now: DateTime<Utc>) {
    let json = serde_json::to_string(large).unwrap_or_default();
    if let Err(e) = store.set_setting(&too_large_key(tenant), &json, now).await {
        tracing::warn!(error = %e, "could not keep the documents with files over the size cap");
    }
}
