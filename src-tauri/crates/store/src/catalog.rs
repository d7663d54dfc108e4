//! The organisation's items and tax rates, as the sync stored them.

use ledgerkeep_domain::Money;
use serde::Serialize;

use crate::{LedgerStore, StoreError};

/// Most items one listing returns.
pub const MOST_ITEMS: u32 = 5_000;

/// One item (a product or service).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRow {
    pub xero_id: String,
    pub code: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub is_sold: Option<bool>,
    pub is_purchased: Option<bool>,
    /// Decimal text, as Xero sent it (tracked items only).
    pub quantity_on_hand: Option<String>,
    pub sales_unit_price: Option<Money>,
    pub purchase_unit_price: Option<Money>,
    pub updated_utc: Option<String>,
}

/// The items of an organisation, by code, then name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemList {
    pub items: Vec<ItemRow>,
    /// More items matched than [`MOST_ITEMS`].
    pub truncated: bool,
}

/// One tax rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxRateRow {
    /// Xero's `TaxType`, the rate's code (`OUTPUT2`, `INPUT`...).
    pub tax_type: String,
    pub name: Option<String>,
    pub status: Option<String>,
    pub report_tax_type: Option<String>,
    /// Percentages as decimal text, as Xero sent them.
    pub effective_rate: Option<String>,
    pub display_tax_rate: Option<String>,
}

type ItemTuple = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

type TaxRateTuple = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl LedgerStore {
    /// The items of `tenant_id` whose code, name or description holds `text`
    /// (any case, for ASCII), by code then name; all of them without `text`.
    pub async fn list_items(
        &self,
        tenant_id: &str,
        text: Option<&str>,
    ) -> Result<ItemList, StoreError> {
        let _timer = self.timed("list_items");
        let pattern = text.map(str::trim).filter(|t| !t.is_empty()).map(|t| {
            let escaped: String = t
                .chars()
                .flat_map(|c| {
                    let esc = matches!(c, '%' | '_' | '\\').then_some('\\');
                    esc.into_iter().chain(std::iter::once(c))
                })
                .collect();
            format!("%{escaped}%")
        });
        let rows: Vec<ItemTuple> = sqlx::query_as(
            "SELECT xero_id, code, name, description, is_sold, is_purchased, quantity_on_hand, \
             sales_unit_price, purchase_unit_price, updated_utc FROM items \
             WHERE tenant_id = ? AND (? IS NULL OR \
             (COALESCE(code, '') || ' ' || COALESCE(name, '') || ' ' || COALESCE(description, '')) \
             LIKE ? ESCAPE '\\') \
             ORDER BY code IS NULL, code, name, id LIMIT ?",
        )
        .bind(tenant_id)
        .bind(pattern.clone())
        .bind(pattern)
        .bind(i64::from(MOST_ITEMS) + 1)
        .fetch_all(self.pool())
        .await?;
        let truncated = rows.len() > MOST_ITEMS as usize;
        let money = |t: Option<String>| -> Result<Option<Money>, StoreError> {
            t.map(|t| Money::parse(&t).map_err(StoreError::value("a price")))
                .transpose()
        };
        let mut items = Vec::with_capacity(rows.len().min(MOST_ITEMS as usize));
        for r in rows.into_iter().take(MOST_ITEMS as usize) {
            items.push(ItemRow {
                xero_id: r.0,
                code: r.1,
                name: r.2,
                description: r.3,
                is_sold: r.4.map(|b| b != 0),
                is_purchased: r.5.map(|b| b != 0),
                quantity_on_hand: r.6,
                sales_unit_price: money(r.7)?,
                purchase_unit_price: money(r.8)?,
                updated_utc: r.9,
            });
        }
        Ok(ItemList { items, truncated })
    }

    /// The tax rates of `tenant_id`, by name.
    pub async fn list_tax_rates(&self, tenant_id: &str) -> Result<Vec<TaxRateRow>, StoreError> {
        let _timer = self.timed("list_tax_rates");
        let rows: Vec<TaxRateTuple> = sqlx::query_as(
            "SELECT xero_id, name, status, report_tax_type, effective_rate, display_tax_rate \
             FROM tax_rates WHERE tenant_id = ? ORDER BY name IS NULL, name, xero_id",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| TaxRateRow {
                tax_type: r.0,
                name: r.1,
                status: r.2,
                report_tax_type: r.3,
                effective_rate: r.4,
                display_tax_rate: r.5,
            })
            .collect())
    }
}
