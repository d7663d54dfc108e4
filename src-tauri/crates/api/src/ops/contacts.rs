//! The Contacts screen: contacts by name, keyset-paginated, each with what it
//! owes and is owed. Its history is the explorer's listing filtered by contact.

use ledgerkeep_domain::Money;
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ListContactsRequest {
    pub tenant_id: String,
    /// Part of a name.
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
    /// 1 to 500; 100 when absent.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Amounts due on approved invoices (`receivable`) and bills (`payable`) in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactBalanceView {
    pub currency_code: Option<String>,
    pub receivable: Money,
    pub payable: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactView {
    pub xero_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub status: Option<String>,
    pub is_customer: bool,
    pub is_supplier: bool,
    pub balances: Vec<ContactBalanceView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactPageView {
    pub rows: Vec<ContactView>,
    pub next_cursor: Option<String>,
}

#[tracing::instrument(name = "op", skip_all, fields(op = "list_contacts", request_id = %crate::request_id()))]
pub async fn list_contacts(
    ctx: &AppContext,
    req: ListContactsRequest,
) -> Result<ContactPageView, ApiError> {
    let tenant = req.tenant_id.trim();
    if tenant.is_empty() {
        return Err(ApiError::invalid("Choose an organisation."));
    }
    let limit = super::page_limit(req.limit, 100)?;
    let page = ctx
        .store()
        .list_contacts(tenant, req.text.as_deref(), req.after.as_deref(), limit)
        .await?;
    Ok(ContactPageView {
        rows: page
            .rows
            .into_iter()
            .map(|c| ContactView {
                xero_id: c.xero_id,
                name: c.name,
                email: c.email,
                status: c.status,
                is_customer: c.is_customer,
                is_supplier: c.is_supplier,
                balances: c
                    .balances
                    .into_iter()
                    .map(|b| ContactBalanceView {
                        currency_code: b.currency_code,
                        receivable: b.receivable,
                        payable: b.payable,
                    })
                    .collect(),
            })
            .collect(),
        next_cursor: page.next_cursor,
    })
}
