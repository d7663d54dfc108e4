//! Xero's history and notes of one record (`GET {Endpoint}/{id}/History`),
//! typed here at the edge: each entry's change (`Created`, `Approved`,
//! `Paid`, `Note`...), when (`DateUTC`, else `DateUTCString`), by whom and
//! its details.
//!
//! History is not synced: one call per record, made when the owner asks,
//! through the same client as the sync (the same token, tenant check, rate
//! limiter and daily budget, at the owner's priority). It needs the same
//! read scope as the record's own endpoint.

use ledgerkeep_domain::XeroDateTime;
use serde::Deserialize;
use serde_json::Value;

use crate::client::{ApiRequest, XeroClient};
use crate::error::{Result, XeroError};

/// The Accounting API endpoints that have a `/{id}/History` (Xero's spec).
pub const HISTORY_ENDPOINTS: [&str; 16] = [
    "BankTransactions",
    "BankTransfers",
    "BatchPayments",
    "Contacts",
    "CreditNotes",
    "ExpenseClaims",
    "Invoices",
    "Items",
    "ManualJournals",
    "Overpayments",
    "Payments",
    "Prepayments",
    "PurchaseOrders",
    "Quotes",
    "Receipts",
    "RepeatingInvoices",
];

/// One entry of a record's history, as Xero sent it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HistoryRecord {
    /// What happened: `Created`, `Approved`, `Paid`, `Voided`, `Note`...
    #[serde(rename = "Changes", default)]
    pub changes: Option<String>,
    /// When, in UTC.
    #[serde(rename = "DateUTC", default, deserialize_with = "lenient_instant")]
    pub date_utc: Option<XeroDateTime>,
    /// The same instant as zone-less ISO text (`2017-11-28T18:29:52`).
    #[serde(rename = "DateUTCString", default)]
    pub date_utc_string: Option<String>,
    /// Who: a user's name, or `System Generated`.
    #[serde(rename = "User", default)]
    pub user: Option<String>,
    #[serde(rename = "Details", default)]
    pub details: Option<String>,
}

/// A date Xero sent that does not read is no date, not a failed history.
fn lenient_instant<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<XeroDateTime>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(v.as_ref()
        .and_then(Value::as_str)
        .and_then(|s| XeroDateTime::parse(s).ok()))
}

impl HistoryRecord {
    /// When the entry was made: `DateUTC`, else `DateUTCString` read as UTC.
    pub fn at(&self) -> Option<XeroDateTime> {
        self.date_utc.or_else(|| {
            self.date_utc_string
                .as_deref()
                .and_then(|s| XeroDateTime::parse(s).ok())
        })
    }
}

/// Reads `{"HistoryRecords": [...]}` (a missing list is an empty history).
pub fn history_from_value(body: &Value) -> Result<Vec<HistoryRecord>> {
    match body.get("HistoryRecords") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(list) => Vec::<HistoryRecord>::deserialize(list).map_err(|e| {
            XeroError::Decode(crate::Cause::new(
                "the history's entries could not be read",
                e,
            ))
        }),
    }
}

/// The endpoint's own spelling, for one with a history (any letter case).
pub fn history_endpoint(endpoint: &str) -> Option<&'static str> {
    HISTORY_ENDPOINTS
        .iter()
        .copied()
        .find(|e| e.eq_ignore_ascii_case(endpoint))
}

/// Xero's ids are GUIDs: letters, digits and hyphens, nothing a path could
/// be steered with.
fn plain_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

impl XeroClient {
    /// The history and notes of one record of `endpoint` (`Invoices`...),
    /// as Xero lists them. One call, at the owner's priority, counted by the
    /// tenant's limits like any other.
    pub async fn history(
        &self,
        tenant_id: &str,
        endpoint: &str,
        id: &str,
    ) -> Result<Vec<HistoryRecord>> {
        let Some(endpoint) = history_endpoint(endpoint) else {
            return Err(XeroError::Decode(
                format!("Xero keeps no history for {endpoint}").into(),
            ));
        };
        if !plain_id(id) {
            return Err(XeroError::Decode(
                "a record's id is letters, digits and hyphens".into(),
            ));
        }
        let response = self
            .get(
                tenant_id,
                &ApiRequest::get(format!("{endpoint}/{id}/History")),
            )
            .await?;
        history_from_value(&response.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_xeros_example_and_its_date_forms() {
        let body = serde_json::json!({
            "HistoryRecords": [
                {"Changes": "Approved", "DateUTCString": "2017-11-28T18:29:52",
                 "DateUTC": "/Date(1511893792813+0000)/", "User": "Buzz Lightyear", "Details": ""},
                {"Changes": "Note", "DateUTCString": "2019-02-23T05:23:20", "Details": "Hello World"},
                {"Changes": "Created", "DateUTC": "not a date", "User": "System Generated"}
            ]
        });
        let h = history_from_value(&body).unwrap();
        assert_eq!(h.len(), 3);
        assert_eq!(h[0].changes.as_deref(), Some("Approved"));
        assert_eq!(h[0].at().unwrap().to_iso(), "2017-11-28T18:29:52.813Z");
        assert_eq!(h[1].at().unwrap().to_iso(), "2019-02-23T05:23:20.000Z");
        assert_eq!(h[1].user, None);
        assert_eq!(h[2].at(), None);
        assert!(history_from_value(&serde_json::json!({}))
            .unwrap()
            .is_empty());
        assert!(history_from_value(&serde_json::json!({"HistoryRecords": 3})).is_err());
    }

    #[test]
    fn only_endpoints_with_a_history_and_plain_ids() {
        assert_eq!(history_endpoint("invoices"), Some("Invoices"));
        assert_eq!(history_endpoint("Accounts"), None);
        assert!(plain_id("0f3c6a5e-1b2c-4d5e-8f90-123456789abc"));
        assert!(!plain_id("../Organisation"));
        assert!(!plain_id("a?b"));
        assert!(!plain_id(""));
    }
}
