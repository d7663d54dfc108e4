//! Tracking categories: listed with their options for the pickers, and a
//! chosen option checked against them before a report or the explorer
//! filters by it.

use ledgerkeep_store::tracking::{TrackingCategoryInfo, TrackingFilter};
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext};

/// One option of one tracking category: what a report or the explorer
/// narrows to (the lines tagged with it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TrackingFilterDto {
    /// The category's Xero id.
    pub category_id: String,
    /// The option's Xero id.
    pub option_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ListTrackingRequest {
    pub tenant_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TrackingOptionView {
    pub option_id: String,
    pub name: String,
    /// Xero's status (`ACTIVE`, `ARCHIVED`...).
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TrackingCategoryView {
    pub category_id: String,
    pub name: String,
    pub status: Option<String>,
    pub options: Vec<TrackingOptionView>,
}

fn category_name(c: &TrackingCategoryInfo) -> String {
    c.name.clone().unwrap_or_else(|| c.category_id.clone())
}

/// The organisation's tracking categories with their options, as last synced.
#[tracing::instrument(name = "op", skip_all, fields(op = "list_tracking_categories", request_id = %crate::request_id()))]
pub async fn list_tracking_categories(
    ctx: &AppContext,
    req: ListTrackingRequest,
) -> Result<Vec<TrackingCategoryView>, ApiError> {
    let tenant = req.tenant_id.trim();
    if tenant.is_empty() {
        return Err(ApiError::invalid("Choose an organisation."));
    }
    let categories = ctx.store().tracking_categories(tenant).await?;
    Ok(categories
        .into_iter()
        .map(|c| TrackingCategoryView {
            name: category_name(&c),
            category_id: c.category_id,
            status: c.status,
            options: c
                .options
                .into_iter()
                .map(|o| TrackingOptionView {
                    name: o.name.unwrap_or_else(|| o.option_id.clone()),
                    option_id: o.option_id,
                    status: o.status,
                })
                .collect(),
        })
        .collect())
}

/// A synced category, by id; invalid when there is none.
pub(crate) async fn category(
    ctx: &AppContext,
    tenant: &str,
    category_id: &str,
) -> Result<TrackingCategoryInfo, ApiError> {
    let id = category_id.trim();
    if id.is_empty() {
        return Err(ApiError::invalid("Choose a tracking category."));
    }
    ctx.store()
        .tracking_categories(tenant)
        .await?
        .into_iter()
        .find(|c| c.category_id.eq_ignore_ascii_case(id))
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "There is no tracking category {id} in this organisation: sync, then choose one from the list."
            ))
        })
}

/// The chosen option checked against the synced categories, with how the
/// owner reads it (`Region: North`).
pub(crate) async fn resolve(
    ctx: &AppContext,
    tenant: &str,
    dto: &TrackingFilterDto,
) -> Result<(TrackingFilter, String), ApiError> {
    let c = category(ctx, tenant, &dto.category_id).await?;
    let id = dto.option_id.trim();
    let o = c
        .options
        .iter()
        .find(|o| o.option_id.eq_ignore_ascii_case(id))
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "The tracking category {} has no option {id}: choose one from the list.",
                category_name(&c)
            ))
        })?;
    let label = format!(
        "{}: {}",
        category_name(&c),
        o.name.clone().unwrap_or_else(|| o.option_id.clone())
    );
    Ok((
        TrackingFilter {
            category_id: c.category_id.clone(),
            option_id: o.option_id.clone(),
            option_name: o.name.clone(),
        },
        label,
    ))
}
