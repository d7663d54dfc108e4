//! Xero's own history and notes of a record, beside the ledger's audit of
//! it on the record's page. Not synced: every call counts against the
//! organisation's day (1,000 on the Starter tier), so it is fetched only
//! when the owner asks ([`refresh_record_xero_history`]: one call, at the
//! owner's priority, through the sync's client and limiter) and kept, so
//! that [`record_xero_history`] shows it offline with the time it was
//! fetched. It needs the same read scope as the record's own endpoint.

use chrono::DateTime;
use ledgerkeep_domain::EntityKind;
use ledgerkeep_store::xero_history::{XeroHistory, XeroHistoryEntry};
use ledgerkeep_xero::history::history_endpoint;
use ledgerkeep_xero::XeroError;
use serde::{Deserialize, Serialize};

use super::records::RecordDetailRequest;
use crate::{ApiError, AppContext, ErrorCode, SyncService};

/// One entry of Xero's history of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct XeroHistoryEntryView {
    /// When, `YYYY-MM-DDTHH:MM:SS.mmmZ`; `None` when Xero gave no readable date.
    pub at: Option<String>,
    /// Who: a user's name, or "System Generated".
    pub user: Option<String>,
    /// What: "Created", "Approved", "Paid", "Note"...
    pub change: String,
    pub details: Option<String>,
}

/// Xero's history of a record as last fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct XeroHistoryView {
    /// Whether Xero keeps a history for this kind of record.
    pub available: bool,
    /// The scope that reading it needs (`accounting.invoices.read`).
    pub scope: Option<String>,
    /// When it was fetched from Xero (`YYYY-MM-DDTHH:MM:SS.mmmZ`); `None`
    /// when it never was.
    pub fetched_at: Option<String>,
    /// Newest first (entries with no date last, in Xero's order).
    pub entries: Vec<XeroHistoryEntryView>,
}

/// The read scope of a History endpoint, as Xero's granular table names it.
pub fn history_scope(endpoint: &str) -> Option<String> {
    const FAMILIES: [&str; 7] = [
        "accounting.invoices",
        "accounting.payments",
        "accounting.banktransactions",
        "accounting.manualjournals",
        "accounting.contacts",
        "accounting.settings",
        "accounting.classicexpenses",
    ];
    FAMILIES
        .iter()
        .find(|f| {
            ledgerkeep_xero::scope_endpoints(f)
                .iter()
                .any(|e| e.eq_ignore_ascii_case(endpoint))
        })
        .map(|f| format!("{f}.read"))
}

fn view_of(kind: EntityKind, kept: Option<XeroHistory>) -> XeroHistoryView {
    let endpoint = history_endpoint(kind.stream());
    let (fetched_at, entries) = match kept {
        Some(h) => (Some(h.fetched_utc), h.entries),
        None => (None, Vec::new()),
    };
    let mut entries: Vec<XeroHistoryEntryView> = entries
        .into_iter()
        .map(|e| XeroHistoryEntryView {
            at: e.at_utc,
            user: e.user.filter(|u| !u.trim().is_empty()),
            change: e
                .changes
                .filter(|c| !c.trim().is_empty())
                .unwrap_or_else(|| "Change".to_owned()),
            details: e.details.filter(|d| !d.trim().is_empty()),
        })
        .collect();
    // Newest first; the fixed-width ISO text sorts as it compares; a stable
    // sort keeps Xero's order among equals and for entries with no date.
    entries.sort_by(|a, b| match (&a.at, &b.at) {
        (Some(x), Some(y)) => y.cmp(x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    XeroHistoryView {
        available: endpoint.is_some(),
        scope: endpoint.and_then(history_scope),
        fetched_at,
        entries,
    }
}

/// Xero's history of the record as last fetched, from the ledger alone (works offline).
#[tracing::instrument(name = "op", skip_all, fields(op = "record_xero_history", request_id = %crate::request_id()))]
pub async fn record_xero_history(
    ctx: &AppContext,
    req: RecordDetailRequest,
) -> Result<XeroHistoryView, ApiError> {
    let (tenant, id) = req.validate()?;
    let kept = ctx.store().xero_history(&tenant, req.entity, &id).await?;
    Ok(view_of(req.entity, kept))
}

/// Fetches the record's history from Xero (one call), keeps it, and returns
/// it. On failure nothing kept is changed, and the error says why: offline,
/// the scope not granted, or the day's calls spent (and when they return).
#[tracing::instrument(name = "op", skip_all, fields(op = "refresh_record_xero_history", request_id = %crate::request_id()))]
pub async fn refresh_record_xero_history(
    sync: &SyncService,
    req: RecordDetailRequest,
) -> Result<XeroHistoryView, ApiError> {
    let (tenant, id) = req.validate()?;
    let kind = req.entity;
    let engine = sync.engine();
    let store = engine.store();
    let Some(endpoint) = history_endpoint(kind.stream()) else {
        return Err(ApiError::invalid(
            "Xero keeps no history for this kind of record.",
        ));
    };
    if store.record_row(kind, &tenant, &id).await?.is_none() {
        return Err(ApiError::invalid(
            "This record is not in the ledger: sync it before loading its history from Xero.",
        ));
    }
    let client = engine.xero().client();
    let fetched = client
        .history(&tenant, endpoint, &id)
        .await
        .map_err(|e| history_error(e, endpoint, client.limiter().day_frees_at_ms(&tenant)))?;
    let entries: Vec<XeroHistoryEntry> = fetched
        .into_iter()
        .map(|r| XeroHistoryEntry {
            at_utc: r.at().map(|t| t.to_iso()),
            user: r.user,
            changes: r.changes,
            details: r.details,
        })
        .collect();
    let now = DateTime::from_timestamp_millis(engine.time().now_ms()).unwrap_or_default();
    store
        .save_xero_history(&tenant, kind, &id, &entries, now)
        .await?;
    let kept = store.xero_history(&tenant, kind, &id).await?;
    Ok(view_of(kind, kept))
}

/// The owner's sentence for a failed fetch of a history.
fn history_error(e: XeroError, endpoint: &str, day_frees_at_ms: Option<i64>) -> ApiError {
    match e {
        XeroError::NotPermitted { .. } => {
            let scope = history_scope(endpoint).unwrap_or_else(|| "matching".to_owned());
            tracing::info!(%endpoint, "Xero refused the history: scope not granted");
            ApiError::invalid(format!(
                "Xero's history needs the {scope} scope; reconnect to Xero to grant it."
            ))
        }
        XeroError::DailyLimit(_) => {
            tracing::info!(%endpoint, "the day's calls to Xero are spent: no history fetched");
            let when = day_frees_at_ms
                .and_then(DateTime::from_timestamp_millis)
                .map(|t| {
                    format!(
                        "It resets at {} UTC on {}.",
                        t.format("%H:%M"),
                        t.format("%-d %b %Y")
                    )
                })
                .unwrap_or_else(|| "It resets when Xero's day for this organisation turns.".to_owned());
            ApiError::new(
                ErrorCode::XeroUnavailable,
                format!(
                    "Xero's daily limit of calls for this organisation is reached, so its history was not loaded. {when}"
                ),
            )
        }
        XeroError::Network(_) | XeroError::Deadline(_) => {
            tracing::info!(%endpoint, error = %e, "Xero not reached: no history fetched");
            ApiError::new(
                ErrorCode::XeroUnavailable,
                "Xero could not be reached (offline?), so its history was not loaded. What was loaded before is still shown.",
            )
        }
        XeroError::Status { status: 404, .. } => ApiError::invalid(
            "Xero no longer has this record (it may have been deleted there); sync to bring the ledger up to date.",
        ),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_history_names_its_documents_read_scope() {
        assert_eq!(
            history_scope("Invoices").as_deref(),
            Some("accounting.invoices.read")
        );
        assert_eq!(
            history_scope("Prepayments").as_deref(),
            Some("accounting.payments.read")
        );
        assert_eq!(
            history_scope("BankTransfers").as_deref(),
            Some("accounting.banktransactions.read")
        );
        assert_eq!(
            history_scope("Contacts").as_deref(),
            Some("accounting.contacts.read")
        );
        assert_eq!(history_scope("Nothing"), None);
    }

    #[test]
    fn entries_come_newest_first_with_undated_ones_last() {
        let e = |at: Option<&str>, c: &str| XeroHistoryEntry {
            at_utc: at.map(str::to_owned),
            user: Some(" ".into()),
            changes: Some(c.into()),
            details: Some(String::new()),
        };
        let v = view_of(
            EntityKind::Invoice,
            Some(XeroHistory {
                fetched_utc: "2026-03-01T00:00:00.000Z".into(),
                entries: vec![
                    e(Some("2026-01-01T09:00:00.000Z"), "Created"),
                    e(None, "Note"),
                    e(Some("2026-02-01T09:00:00.000Z"), "Paid"),
                ],
            }),
        );
        let order: Vec<&str> = v.entries.iter().map(|e| e.change.as_str()).collect();
        assert_eq!(order, ["Paid", "Created", "Note"]);
        assert_eq!(v.entries[0].user, None, "a blank user is no user");
        assert_eq!(v.entries[0].details, None);
        assert!(v.available);
        assert_eq!(v.scope.as_deref(), Some("accounting.invoices.read"));
        let never = view_of(EntityKind::Account, None);
        assert!(!never.available && never.fetched_at.is_none());
    }

    #[test]
    fn a_spent_day_says_when_it_resets() {
        let e = history_error(
            XeroError::DailyLimit("none left".into()),
            "Invoices",
            Some(1_767_229_200_000),
        );
        assert_eq!(e.code, ErrorCode::XeroUnavailable);
        assert!(
            e.message.ends_with("It resets at 01:00 UTC on 1 Jan 2026."),
            "{}",
            e.message
        );
        let e = history_error(
            XeroError::NotPermitted {
                endpoint: "Payments".into(),
                correlation_id: None,
            },
            "Payments",
            None,
        );
        assert!(
            e.message.contains("accounting.payments.read"),
            "{}",
            e.message
        );
    }
}
