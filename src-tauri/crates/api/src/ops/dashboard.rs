//! The Dashboard's figures for one organisation, all from the local ledger:
//! cash per bank account, receivables and payables (due and overdue, per
//! currency), the latest changed documents, and the alerts.

use chrono::NaiveDate;
use ledgerkeep_domain::xero::{AccountType, InvoiceType};
use ledgerkeep_domain::Money;
use serde::{Deserialize, Serialize};

use crate::ops::ledger::{
    list_documents, DocumentFilterDto, DocumentKindDto, DocumentRowView, ListDocumentsRequest,
    SortFieldDto,
};
use crate::ops::reports::{list_accounts, AccountView, ListAccountsRequest};
use crate::ops::xero_connection::OrganisationStatus;
use crate::{ApiError, AppContext};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DashboardRequest {
    pub tenant_id: String,
    /// Today in the organisation's timezone, `YYYY-MM-DD`: balances are to
    /// this day and a document due before it is overdue.
    pub as_at: String,
    /// How many recently changed documents, 1 to 50; 10 when absent.
    #[serde(default)]
    pub recent_limit: Option<u32>,
}

/// What was outstanding at the date on approved invoices (or bills) in one
/// currency, less the credit notes and overpayments not yet used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DueTotalView {
    pub currency_code: Option<String>,
    /// Every outstanding document's amount (credits negative).
    pub due: Money,
    /// How many documents, credits included.
    pub due_count: u32,
    /// The part of `due` on invoices (bills) whose due date has passed.
    pub overdue: Money,
    pub overdue_count: u32,
}

/// A document changed lately, from either listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecentDocumentView {
    pub kind: DocumentKindDto,
    pub document: DocumentRowView,
}

/// What needs the owner's attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DashboardAlertsView {
    /// Xero refused this organisation's sign-in: connect again to resume syncing.
    pub reauthorisation_needed: bool,
    /// The newest sync run of the organisation failed: its error, for the owner.
    pub last_sync_failed: Option<String>,
    /// Open anomaly findings (neither dismissed nor resolved).
    pub anomalies: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DashboardView {
    pub as_at: String,
    /// The general ledger's currency: the bank balances are in it.
    pub base_currency: Option<String>,
    /// Every bank account of the chart with its balance at `as_at`.
    pub cash: Vec<AccountView>,
    pub receivables: Vec<DueTotalView>,
    pub payables: Vec<DueTotalView>,
    /// What customers owe, in the base currency: the aged receivables total,
    /// equal to the receivable control account's balance at `as_at`.
    #[serde(default)]
    pub receivables_total: Option<Money>,
    /// What is owed to suppliers, in the base currency: the aged payables
    /// total, equal to the payable control account's balance at `as_at`.
    #[serde(default)]
    pub payables_total: Option<Money>,
    /// Newest change first.
    pub recent: Vec<RecentDocumentView>,
    pub alerts: DashboardAlertsView,
}

/// What `doc_type` documents had outstanding at the end of `as_at`, from
/// their payments and allocations (the aged report's figures): per currency,
/// credits netted, and in the base currency the total that equals the
/// control account's balance.
async fn due_totals(
    ctx: &AppContext,
    tenant: &str,
    doc_type: &str,
    as_at: NaiveDate,
) -> Result<(Vec<DueTotalView>, Money), ApiError> {
    let owed = crate::ops::aged::owed_totals(ctx, tenant, doc_type, as_at).await?;
    let per_currency = owed
        .by_currency
        .into_iter()
        .map(
            |(currency_code, (due, due_count, overdue, overdue_count))| DueTotalView {
                currency_code,
                due: Money::new(due),
                due_count,
                overdue: Money::new(overdue),
                overdue_count,
            },
        )
        .collect();
    Ok((per_currency, Money::new(owed.base_total)))
}

/// The `limit` latest changed documents: each listing's newest `limit` by
/// `updatedUtc` (a keyset page), merged.
async fn recent(
    ctx: &AppContext,
    tenant: &str,
    limit: u32,
) -> Result<Vec<RecentDocumentView>, ApiError> {
    let mut all = Vec::new();
    for kind in [DocumentKindDto::Invoices, DocumentKindDto::BankTransactions] {
        let page = list_documents(
            ctx,
            ListDocumentsRequest {
                filter: DocumentFilterDto {
                    kind: Some(kind),
                    tenant_id: tenant.to_owned(),
                    ..DocumentFilterDto::default()
                },
                sort: SortFieldDto::Updated,
                descending: true,
                after: None,
                limit: Some(limit),
            },
        )
        .await?;
        all.extend(
            page.rows
                .into_iter()
                .map(|document| RecentDocumentView { kind, document }),
        );
    }
    // Newest first; a document without a change time last.
    all.sort_by(|a, b| b.document.updated_utc.cmp(&a.document.updated_utc));
    all.truncate(limit as usize);
    Ok(all)
}

/// Whether a connection in the keyring holds this organisation and Xero
/// refused its sign-in. A keyring that cannot be read raises no alert here
/// (Settings shows that error); it is logged.
async fn needs_reauthorisation(ctx: &AppContext, tenant: &str) -> bool {
    match crate::ops::xero_connection::list_organisations(ctx).await {
        Ok(orgs) => orgs
            .iter()
            .any(|o| o.tenant_id == tenant && o.status == OrganisationStatus::NeedsReauthorisation),
        Err(e) => {
            tracing::warn!(code = ?e.code, "could not read the connections for the dashboard");
            false
        }
    }
}

#[tracing::instrument(name = "op", skip_all, fields(op = "dashboard", request_id = %crate::request_id()))]
pub async fn dashboard(ctx: &AppContext, req: DashboardRequest) -> Result<DashboardView, ApiError> {
    let tenant = req.tenant_id.trim();
    if tenant.is_empty() {
        return Err(ApiError::invalid("Choose an organisation."));
    }
    let as_at = NaiveDate::parse_from_str(req.as_at.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid("The date must be YYYY-MM-DD."))?;
    let limit = req.recent_limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::invalid(
            "Recent activity shows 1 to 50 documents.",
        ));
    }
    let org = ctx.store().reporting_organisation(tenant).await?;
    let cash = if org.is_some() {
        list_accounts(
            ctx,
            ListAccountsRequest {
                tenant_id: tenant.to_owned(),
                as_at: as_at.format("%Y-%m-%d").to_string(),
            },
        )
        .await?
        .into_iter()
        .filter(|a| a.account_type.as_deref().map(AccountType::from) == Some(AccountType::Bank))
        .collect()
    } else {
        Vec::new()
    };
    let last_sync_failed = ctx
        .store()
        .last_sync_run(tenant)
        .await?
        .filter(|r| r.status == "failed")
        .map(|r| r.error.unwrap_or_else(|| "The sync stopped.".to_owned()));
    let anomalies = ctx
        .store()
        .anomaly_findings(Some(tenant), false)
        .await?
        .len();
    let (receivables, receivables_total) =
        due_totals(ctx, tenant, InvoiceType::AccRec.as_str(), as_at).await?;
    let (payables, payables_total) =
        due_totals(ctx, tenant, InvoiceType::AccPay.as_str(), as_at).await?;
    Ok(DashboardView {
        as_at: as_at.format("%Y-%m-%d").to_string(),
        base_currency: org.and_then(|o| o.base_currency),
        cash,
        receivables,
        payables,
        receivables_total: Some(receivables_total),
        payables_total: Some(payables_total),
        recent: recent(ctx, tenant, limit).await?,
        alerts: DashboardAlertsView {
            reauthorisation_needed: needs_reauthorisation(ctx, tenant).await,
            last_sync_failed,
            anomalies: u32::try_from(anomalies).unwrap_or(u32::MAX),
        },
    })
}
