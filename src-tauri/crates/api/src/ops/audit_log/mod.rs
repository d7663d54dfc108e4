//! The Audit log screen: every audit row, newest first, filtered by record,
//! record type (table), contact, actor and date, keyset-paginated, each row
//! in words ([`words`]) beside its stored fields. The chain's check is
//! `maintenance::verify_audit`.

pub mod words;

use chrono::{NaiveDate, NaiveTime};
use ledgerkeep_domain::{timezone, EntityKind};
use ledgerkeep_store::{AuditFilter, AuditKey, ContactOf};
use serde::{Deserialize, Serialize};

use crate::ops::ledger::{entry_view, AuditEntryView};
use crate::{ApiError, AppContext, FieldError};
pub use words::{AuditChangeWordsView, AuditValueView, AuditWordsView};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditLogRequest {
    /// One organisation; every row (the ledger's own settings too) when absent.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// The record: its Xero id (or a local record's key).
    #[serde(default)]
    pub record_id: Option<String>,
    /// The ledger table: `invoices`, `bank_transactions`, `anomaly_findings`...
    #[serde(default)]
    pub table: Option<String>,
    /// The actor, or its start: `sync` matches every sync run, `user` every change by the owner.
    #[serde(default)]
    pub actor: Option<String>,
    /// A contact's Xero id: the rows about the contact, its documents and its
    /// invoices' payments. The contact is one of `tenantId`'s organisation,
    /// or of `daysOf`'s when the log is not limited to one.
    #[serde(default)]
    pub contact_id: Option<String>,
    /// `YYYY-MM-DD`, a day in the organisation's timezone (see `daysOf`), inclusive.
    #[serde(default)]
    pub date_from: Option<String>,
    /// `YYYY-MM-DD`, a day in the organisation's timezone (see `daysOf`), inclusive.
    #[serde(default)]
    pub date_to: Option<String>,
    /// The organisation whose timezone the dates' days are in: the one being
    /// looked at, even when the log is not limited to it. `tenantId` when
    /// absent; UTC days when neither is given or the organisation's timezone
    /// is not known.
    #[serde(default)]
    pub days_of: Option<String>,
    /// The `nextCursor` of the previous page; none for the first.
    #[serde(default)]
    pub after: Option<String>,
    /// 1 to 500; 100 when absent.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One audit row, with what it is about: in words, and as stored (the details).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditLogRowView {
    pub table: String,
    pub tenant_id: String,
    pub record_id: String,
    /// The kind of the record's own page (`/records/<entity>/<recordId>`),
    /// when it has one.
    pub entity: Option<EntityKind>,
    pub words: AuditWordsView,
    pub entry: AuditEntryView,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditLogPageView {
    pub rows: Vec<AuditLogRowView>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn date(field: &str, v: Option<String>, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let v = text(v)?;
    match NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError {
                field: field.to_owned(),
                message: "A date like 2026-03-31.".to_owned(),
            });
            None
        }
    }
}

/// The IANA zone of `tenant`'s organisation, as the ledger holds it; `None`
/// when the ledger does not hold it or its timezone names no zone.
async fn zone_of(ctx: &AppContext, tenant: &str) -> Result<Option<&'static str>, ApiError> {
    Ok(ctx
        .store()
        .organisations()
        .await?
        .into_iter()
        .find(|o| o.tenant_id == tenant)
        .and_then(|o| o.timezone)
        .as_deref()
        .and_then(timezone::iana_timezone))
}

/// The instant `day` begins in `zone` (UTC's midnight without one), as the
/// audit rows are stamped: `YYYY-MM-DDTHH:MM:SS.mmmZ`, compared as text.
fn day_start(zone: Option<&str>, day: NaiveDate) -> String {
    zone.and_then(|z| timezone::local_day_start_utc(z, day))
        .unwrap_or_else(|| day.and_time(NaiveTime::MIN).and_utc())
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A page of the audit log, newest first. Refused fields are named one by one.
#[tracing::instrument(name = "op", skip_all, fields(op = "audit_log", request_id = %crate::request_id()))]
pub async fn audit_log(
    ctx: &AppContext,
    req: AuditLogRequest,
) -> Result<AuditLogPageView, ApiError> {
    let mut errors = Vec::new();
    let from = date("dateFrom", req.date_from, &mut errors);
    let to = date("dateTo", req.date_to, &mut errors);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            errors.push(FieldError {
                field: "dateTo".to_owned(),
                message: "On or after the first date.".to_owned(),
            });
        }
    }
    let limit = req.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        errors.push(FieldError {
            field: "limit".to_owned(),
            message: "A page holds 1 to 500 rows.".to_owned(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let tenant_id = text(req.tenant_id);
    let days_of = text(req.days_of).or_else(|| tenant_id.clone());
    let contact = match text(req.contact_id) {
        Some(contact_id) => match tenant_id.clone().or_else(|| days_of.clone()) {
            Some(tenant_id) => Some(ContactOf {
                tenant_id,
                contact_id,
            }),
            None => {
                return Err(ApiError::fields(vec![FieldError {
                    field: "contactId".to_owned(),
                    message: "A contact of an organisation: choose the organisation first."
                        .to_owned(),
                }]))
            }
        },
        None => None,
    };
    let zone = match days_of {
        Some(t) if from.is_some() || to.is_some() => zone_of(ctx, &t).await?,
        _ => None,
    };
    let filter = AuditFilter {
        tenant_id,
        table: text(req.table),
        record_id: text(req.record_id),
        actor_prefix: text(req.actor),
        at_from: from.map(|d| day_start(zone, d)),
        // The last day ends where the next one begins.
        at_before: to.and_then(|d| d.succ_opt()).map(|d| day_start(zone, d)),
        contact,
    };
    let page = ctx
        .store()
        .audit_page(&filter, text(req.after).as_deref(), limit)
        .await?;
    // What each row's record is now: its number, contact and type, looked up once per page.
    let keys: Vec<AuditKey> = page
        .rows
        .iter()
        .map(|e| AuditKey {
            table: e.table.clone(),
            tenant_id: e.tenant_id.clone(),
            record_id: e.record_id.clone(),
        })
        .collect();
    let subjects = ctx.store().audit_subjects(&keys).await?;
    Ok(AuditLogPageView {
        rows: page
            .rows
            .into_iter()
            .zip(keys)
            .map(|(e, key)| {
                let changes: serde_json::Value = serde_json::from_str(&e.changes_json)
                    .map_err(|_| ApiError::internal("An audit row could not be read."))?;
                let empty = serde_json::Map::new();
                let worded = words::row_words(
                    &e.table,
                    &e.action,
                    &e.actor,
                    changes.as_object().unwrap_or(&empty),
                    subjects.get(&key),
                );
                Ok(AuditLogRowView {
                    table: e.table.clone(),
                    tenant_id: e.tenant_id.clone(),
                    record_id: e.record_id.clone(),
                    entity: words::entity_of(&e.table),
                    words: worded,
                    entry: entry_view(e)?,
                })
            })
            .collect::<Result<_, ApiError>>()?,
        next_cursor: page.next_cursor,
    })
}
