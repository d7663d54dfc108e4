//! The explorer's saved views: named filters and sort orders, kept in the
//! ledger's settings (`explorer.saved_views`, JSON) so that they survive a
//! restart and a backup. A view holds no organisation: it applies to the one
//! being looked at.

use serde::{Deserialize, Serialize};

use crate::ops::ledger::{DocumentFilterDto, SortFieldDto};
use crate::{ApiError, AppContext, FieldError};

const KEY: &str = "explorer.saved_views";

/// The longest name a view may have, in characters.
pub const MAX_NAME: usize = 60;
/// The most views kept.
pub const MAX_VIEWS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SavedView {
    pub name: String,
    /// The filters; `tenantId` is ignored and stored empty.
    pub filter: DocumentFilterDto,
    #[serde(default)]
    pub sort: SortFieldDto,
    #[serde(default)]
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeleteViewRequest {
    pub name: String,
}

fn field(name: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: name.to_owned(),
        message: message.into(),
    }
}

async fn read(ctx: &AppContext) -> Result<Vec<SavedView>, ApiError> {
    Ok(ctx
        .store()
        .setting(KEY)
        .await?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}

async fn write(ctx: &AppContext, views: &[SavedView]) -> Result<(), ApiError> {
    let text = serde_json::to_string(views)
        .map_err(|_| ApiError::internal("The saved views could not be written."))?;
    ctx.store()
        .set_setting(KEY, &text, ctx.config().now())
        .await?;
    Ok(())
}

/// Every saved view, by name.
#[tracing::instrument(name = "op", skip_all, fields(op = "saved_views", request_id = %crate::request_id()))]
pub async fn saved_views(ctx: &AppContext) -> Result<Vec<SavedView>, ApiError> {
    read(ctx).await
}

/// Saves a view under its name (replacing one of the same name) and returns them all.
#[tracing::instrument(name = "op", skip_all, fields(op = "save_view", request_id = %crate::request_id()))]
pub async fn save_view(ctx: &AppContext, view: SavedView) -> Result<Vec<SavedView>, ApiError> {
    let name = view.name.trim().to_owned();
    let mut refused = Vec::new();
    if name.is_empty() {
        refused.push(field("name", "Give the view a name."));
    } else if name.chars().count() > MAX_NAME {
        refused.push(field(
            "name",
            format!("A name holds at most {MAX_NAME} characters."),
        ));
    }
    let filter = DocumentFilterDto {
        tenant_id: String::new(),
        ..view.filter
    };
    // The filters are checked as a listing would check them.
    let check = DocumentFilterDto {
        tenant_id: "any".to_owned(),
        ..filter.clone()
    };
    if let Err(e) = check.validate() {
        refused.push(field("filter", e.message));
    }
    if !refused.is_empty() {
        return Err(ApiError::fields(refused));
    }
    let mut views = read(ctx).await?;
    views.retain(|v| v.name != name);
    if views.len() >= MAX_VIEWS {
        return Err(ApiError::invalid(format!(
            "At most {MAX_VIEWS} views are kept: delete one first."
        )));
    }
    views.push(SavedView {
        name,
        filter,
        sort: view.sort,
        descending: view.descending,
    });
    views.sort_by_key(|v| v.name.to_lowercase());
    write(ctx, &views).await?;
    Ok(views)
}

/// Deletes the view of that name (if any) and returns the rest.
#[tracing::instrument(name = "op", skip_all, fields(op = "delete_view", request_id = %crate::request_id()))]
pub async fn delete_view(
    ctx: &AppContext,
    req: DeleteViewRequest,
) -> Result<Vec<SavedView>, ApiError> {
    let mut views = read(ctx).await?;
    views.retain(|v| v.name != req.name.trim());
    write(ctx, &views).await?;
    Ok(views)
}
