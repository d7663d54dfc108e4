//! The organisation's items and tax rates, listed.

use ledgerkeep_domain::Money;
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext};

/// Which items to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ListItemsRequest {
    pub tenant_id: String,
    /// Words to find in the code, name or description; every item without.
    #[serde(default)]
    pub text: Option<String>,
}

/// One item (a product or service) as its list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ItemView {
    pub xero_id: String,
    pub code: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub is_sold: Option<bool>,
    pub is_purchased: Option<bool>,
    /// Decimal text as Xero sent it (tracked items only).
    pub quantity_on_hand: Option<String>,
    pub sales_unit_price: Option<Money>,
    pub purchase_unit_price: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ItemListView {
    pub items: Vec<ItemView>,
    /// More items matched than the list holds: narrow the search.
    pub truncated: bool,
}

#[tracing::instrument(name = "op", skip_all, fields(op = "list_items", request_id = %crate::request_id()))]
pub async fn list_items(ctx: &AppContext, req: ListItemsRequest) -> Result<ItemListView, ApiError> {
    let tenant_id = req.tenant_id.trim();
    if tenant_id.is_empty() {
        return Err(ApiError::invalid("Choose an organisation."));
    }
    let list = ctx
        .store()
        .list_items(tenant_id, req.text.as_deref())
        .await?;
    Ok(ItemListView {
        items: list
            .items
            .into_iter()
            .map(|i| ItemView {
                xero_id: i.xero_id,
                code: i.code,
                name: i.name,
                description: i.description,
                is_sold: i.is_sold,
                is_purchased: i.is_purchased,
                quantity_on_hand: i.quantity_on_hand,
                sales_unit_price: i.sales_unit_price,
                purchase_unit_price: i.purchase_unit_price,
            })
            .collect(),
        truncated: list.truncated,
    })
}

/// Whose tax rates to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ListTaxRatesRequest {
    pub tenant_id: String,
}

/// One tax rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TaxRateView {
    /// Xero's `TaxType`, the code documents carry (`OUTPUT2`, `INPUT`...).
    pub tax_type: String,
    pub name: Option<String>,
    pub status: Option<String>,
    pub report_tax_type: Option<String>,
    /// Percentages, as decimal text (`15.0000`).
    pub effective_rate: Option<String>,
    pub display_tax_rate: Option<String>,
}

#[tracing::instrument(name = "op", skip_all, fields(op = "list_tax_rates", request_id = %crate::request_id()))]
pub async fn list_tax_rates(
    ctx: &AppContext,
    req: ListTaxRatesRequest,
) -> Result<Vec<TaxRateView>, ApiError> {
    let tenant_id = req.tenant_id.trim();
    if tenant_id.is_empty() {
        return Err(ApiError::invalid("Choose an organisation."));
    }
    Ok(ctx
        .store()
        .list_tax_rates(tenant_id)
        .await?
        .into_iter()
        .map(|t| TaxRateView {
            tax_type: t.tax_type,
            name: t.name,
            status: t.status,
            report_tax_type: t.report_tax_type,
            effective_rate: t.effective_rate,
            display_tax_rate: t.display_tax_rate,
        })
        .collect())
}
