//! Tauri commands. Each is one line: call the operation, return its result.
//! Parsing and validation live on the request types in `ledgerkeep-api`.

use ledgerkeep_api::{ApiError, AppContext, AppInfo};
use tauri::State;

type Ctx<'a> = State<'a, AppContext>;

#[tauri::command]
#[specta::specta]
pub async fn app_info(ctx: Ctx<'_>) -> Result<AppInfo, ApiError> {
    ledgerkeep_api::app_info(&ctx).await
}
