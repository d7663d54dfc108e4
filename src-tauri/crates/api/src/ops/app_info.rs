//! `app_info`: what this installation is and where it keeps its files.

use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext};

/// The version of the app, the ledger's schema and the folders in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub app_version: String,
    /// The newest migration applied to the open ledger.
    pub schema_version: u32,
    /// The newest migration this build knows.
    pub latest_schema_version: u32,
    pub data_dir: String,
    pub ledger_file: String,
    pub logs_dir: String,
    pub backups_dir: String,
    pub os: String,
    /// True while no Xero app is configured and the demo company stands in.
    pub demo: bool,
    /// Now, by the app's clock (RFC 3339, UTC): the window takes its "today"
    /// from it, so a day given at start moves the window too.
    pub now_utc: String,
}

#[tracing::instrument(name = "op", skip_all, fields(op = "app_info", request_id = %crate::request_id()))]
pub async fn app_info(ctx: &AppContext) -> Result<AppInfo, ApiError> {
    let to_u32 = |v: i64| {
        u32::try_from(v)
            .map_err(|_| ApiError::internal(format!("schema version {v} is out of range")))
    };
    let paths = ctx.paths();
    Ok(AppInfo {
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version: to_u32(ctx.store().schema_version().await?)?,
        latest_schema_version: to_u32(ledgerkeep_store::latest_schema_version())?,
        data_dir: paths.data_dir.display().to_string(),
        ledger_file: ctx.store().path().display().to_string(),
        logs_dir: paths.logs_dir.display().to_string(),
        backups_dir: paths.backups_dir.display().to_string(),
        os: std::env::consts::OS.to_owned(),
        demo: ctx.config().demo,
        now_utc: ctx
            .config()
            .now()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AppConfig, AppPaths};

    #[tokio::test]
    async fn reports_the_folders_in_use_and_the_applied_schema() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = AppContext::open(AppConfig::new(AppPaths::under(dir.path())))
            .await
            .unwrap();
        let info = app_info(&ctx).await.unwrap();
        assert_eq!(info.data_dir, dir.path().display().to_string());
        assert_eq!(
            info.ledger_file,
            dir.path().join("ledger.sqlite").display().to_string()
        );
        assert!(dir.path().join("logs").is_dir());
        assert!(dir.path().join("backups").is_dir());
        assert_eq!(info.schema_version, info.latest_schema_version);
        assert!(info.schema_version >= 1);
        assert_eq!(info.app_version, env!("CARGO_PKG_VERSION"));
    }

    #[tokio::test]
    async fn says_now_by_the_apps_clock_a_day_given_at_start_included() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = AppConfig::new(AppPaths::under(dir.path()));
        config.clock = crate::context::clock_from_env(|name| {
            (name == crate::context::CLOCK_START_ENV).then(|| "2027-03-15".to_owned())
        })
        .unwrap();
        let ctx = AppContext::open(config).await.unwrap();
        let info = app_info(&ctx).await.unwrap();
        assert!(
            info.now_utc.starts_with("2027-03-15T00:0") && info.now_utc.ends_with('Z'),
            "{}",
            info.now_utc
        );
    }

    #[tokio::test]
    async fn an_unwritable_data_folder_is_a_storage_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, b"x").unwrap();
        let err = AppContext::open(AppConfig::new(AppPaths::under(&file)))
            .await
            .unwrap_err();
        assert_eq!(err.code, crate::ErrorCode::Storage);
        assert!(err.message.contains("not-a-folder"), "{}", err.message);
    }
}
