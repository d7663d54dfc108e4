//! "Connect your own Xero": the checks the first-run guide makes before the
//! owner leaves it. The client id's shape (the same rule the UI applies as
//! the owner types), and a test of the connection once signed in: each
//! organisation answers one cheap call (`Organisation`), and two one-record
//! pages (`Invoices`, `BankTransactions`) tell the book's size, so the first
//! sync's length is estimated from Xero's own figures and the tier's day as
//! read from `X-DayLimit-Remaining`.

use serde::{Deserialize, Serialize};

use ledgerkeep_sync::{streams::MAX_PAGE_SIZE, FirstSyncEstimate, STREAMS};
use ledgerkeep_xero::ApiRequest;

use crate::{ApiError, AppContext};

/// The characters of a Xero client id.
pub const CLIENT_ID_LEN: usize = 32;

/// What is wrong with a client id as typed (`None`: it has Xero's shape:
/// 32 characters, capital letters and digits). Spaces around it are ignored.
pub fn client_id_problem(typed: &str) -> Option<String> {
    let id = typed.trim();
    if id.is_empty() {
        return Some("Paste the client id of your app at developer.xero.com.".to_owned());
    }
    if let Some(c) = id.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Some(format!(
            "A client id has only letters and digits: remove “{c}”."
        ));
    }
    if id.chars().any(|c| c.is_ascii_lowercase()) {
        return Some(
            "A Xero client id is in capital letters: copy it from your app rather than typing it."
                .to_owned(),
        );
    }
    let n = id.chars().count();
    if n != CLIENT_ID_LEN {
        return Some(format!(
            "A Xero client id has {CLIENT_ID_LEN} characters; this has {n}. Copy the whole of it."
        ));
    }
    None
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CheckClientIdRequest {
    pub client_id: String,
}

/// The client id's check: `problem` is `None` when it has Xero's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ClientIdCheck {
    pub problem: Option<String>,
}

/// Checks a client id's shape (no call to Xero).
pub fn check_client_id(req: &CheckClientIdRequest) -> ClientIdCheck {
    ClientIdCheck {
        problem: client_id_problem(&req.client_id),
    }
}

/// One organisation, as the connection test found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TestedOrganisation {
    pub tenant_id: String,
    /// The name Xero's `Organisation` call gave.
    pub name: String,
    /// The tenant's calls a day, as Xero's `X-DayLimit-Remaining` shows it
    /// (1,000 on the Starter tier).
    pub calls_a_day: u32,
    /// Calls left today.
    pub calls_left_today: u32,
    /// The tier's day is the Starter tier's.
    pub starter: bool,
    /// Invoices and bills, and bank transactions, in the book.
    pub invoices: Option<u32>,
    pub bank_transactions: Option<u32>,
    /// The first sync's calls, about (one per stream, and one per further
    /// page of a thousand documents; attachments not counted).
    pub first_sync_calls: u32,
    /// Further days after today the first sync takes (`None`: never).
    pub first_sync_more_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct XeroConnectionTest {
    pub organisations: Vec<TestedOrganisation>,
}

/// The first sync's calls for a book of these sizes: each stream's first
/// page, and a call for each further page of documents.
pub fn first_sync_calls(documents: &[u64]) -> u64 {
    let per_page = MAX_PAGE_SIZE as u64;
    let further: u64 = documents
        .iter()
        .map(|n| n.div_ceil(per_page).saturating_sub(1))
        .sum();
    STREAMS.len() as u64 + further
}

/// A count for the UI (TypeScript numbers): capped at `u32::MAX`.
fn narrow(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Tests the connection: every organisation of every stored sign-in answers
/// `Organisation` and two one-record pages; each says its day.
#[tracing::instrument(name = "op", skip_all, fields(op = "test_xero_connection", request_id = %crate::request_id()))]
pub async fn test_xero_connection(ctx: &AppContext) -> Result<XeroConnectionTest, ApiError> {
    let connections = ctx.xero().tokens().all().await?;
    let client = ctx.xero().client();
    let mut organisations = Vec::new();
    for conn in &connections {
        for org in conn.organisations() {
            let tenant = org.tenant_id.as_str();
            let answer = client.get(tenant, &ApiRequest::get("Organisation")).await?;
            let name = answer.body["Organisations"][0]["Name"]
                .as_str()
                .map_or_else(|| org.tenant_name.clone(), str::to_owned);
            let count = |path: &'static str| async move {
                let page = client
                    .get(
                        tenant,
                        &ApiRequest::get(path)
                            .query("page", "1")
                            .query("pageSize", "1"),
                    )
                    .await?;
                Ok::<_, ApiError>(page.body["pagination"]["itemCount"].as_u64())
            };
            let invoices = count("Invoices").await?;
            let bank_transactions = count("BankTransactions").await?;
            let limiter = client.limiter();
            let per_day = limiter.day_budget(tenant);
            let left = limiter.day_left(tenant);
            let calls = first_sync_calls(&[invoices.unwrap_or(0), bank_transactions.unwrap_or(0)]);
            let reserve = limiter.background_reserve(tenant);
            let estimate = FirstSyncEstimate::new(
                calls,
                u64::from(left.saturating_sub(reserve)),
                u64::from(per_day.saturating_sub(reserve)),
            );
            organisations.push(TestedOrganisation {
                tenant_id: org.tenant_id.clone(),
                name,
                calls_a_day: per_day,
                calls_left_today: left,
                starter: per_day <= 1_000,
                invoices: invoices.map(narrow),
                bank_transactions: bank_transactions.map(narrow),
                first_sync_calls: narrow(calls),
                first_sync_more_days: estimate.more_days.map(narrow),
            });
        }
    }
    if organisations.is_empty() {
        return Err(ApiError::invalid(
            "No organisation is connected yet: sign in to Xero first.",
        ));
    }
    Ok(XeroConnectionTest { organisations })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_id_has_xeros_shape() {
        assert_eq!(
            client_id_problem(" 0123456789ABCDEF0123456789ABCDEF "),
            None
        );
        let short = client_id_problem("0123456789ABCDEF").unwrap();
        assert!(short.contains("32") && short.contains("16"), "{short}");
        let lower = client_id_problem("0123456789abcdef0123456789abcdef").unwrap();
        assert!(lower.contains("capital"), "{lower}");
        let dash = client_id_problem("0123456789ABCDEF-123456789ABCDEF").unwrap();
        assert!(dash.contains('-'), "{dash}");
        assert!(client_id_problem("  ")
            .unwrap()
            .contains("developer.xero.com"));
        assert_eq!(
            check_client_id(&CheckClientIdRequest {
                client_id: "X".repeat(33)
            })
            .problem
            .map(|p| p.contains("33")),
            Some(true)
        );
    }

    #[test]
    fn the_first_syncs_calls_grow_a_call_per_thousand_documents() {
        let base = STREAMS.len() as u64;
        assert_eq!(first_sync_calls(&[0, 0]), base);
        assert_eq!(first_sync_calls(&[1_000, 1]), base);
        assert_eq!(first_sync_calls(&[1_001, 0]), base + 1);
        assert_eq!(first_sync_calls(&[25_000, 3_500]), base + 24 + 3);
    }
}
