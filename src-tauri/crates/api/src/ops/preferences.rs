//! `preferences` and `set_log_level`: the owner's choices that the app itself
//! applies (more join as later screens need them).

use ledgerkeep_obs::logging::LogLevel;
use ledgerkeep_store::LedgerStore;
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext};

const LOG_LEVEL_KEY: &str = "log_level";
const DEFAULT_LOG_LEVEL: LogLevel = LogLevel::Info;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    pub log_level: LogLevel,
    /// True when `RUST_LOG` is set: it overrides the level chosen here.
    pub log_level_overridden: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SetLogLevelRequest {
    pub level: LogLevel,
}

/// The saved log level, if one was saved and is still readable.
pub(crate) async fn stored_log_level(store: &LedgerStore) -> Option<LogLevel> {
    let text = store.setting(LOG_LEVEL_KEY).await.ok()??;
    serde_json::from_str(&text).ok()
}

#[tracing::instrument(name = "op", skip_all, fields(op = "preferences", request_id = %crate::request_id()))]
pub async fn preferences(ctx: &AppContext) -> Result<Preferences, ApiError> {
    Ok(Preferences {
        log_level: stored_log_level(ctx.store())
            .await
            .unwrap_or(DEFAULT_LOG_LEVEL),
        log_level_overridden: std::env::var_os("RUST_LOG").is_some(),
    })
}

/// Saves the level and applies it at once.
#[tracing::instrument(name = "op", skip_all, fields(op = "set_log_level", request_id = %crate::request_id()))]
pub async fn set_log_level(
    ctx: &AppContext,
    req: SetLogLevelRequest,
) -> Result<Preferences, ApiError> {
    let text = serde_json::to_string(&req.level)
        .map_err(|e| ApiError::internal(format!("could not save the level: {e}")))?;
    ctx.store()
        .set_setting(LOG_LEVEL_KEY, &text, ctx.config().now())
        .await?;
    ctx.config()
        .log_control
        .set_level(req.level)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    tracing::info!(level = req.level.as_str(), "log level changed");
    preferences(ctx).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AppConfig, AppPaths};

    #[tokio::test]
    async fn the_level_is_saved_and_read_back_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let open = || AppContext::open(AppConfig::new(AppPaths::under(dir.path())));
        let ctx = open().await.unwrap();
        assert_eq!(preferences(&ctx).await.unwrap().log_level, LogLevel::Info);
        let p = set_log_level(
            &ctx,
            SetLogLevelRequest {
                level: LogLevel::Debug,
            },
        )
        .await
        .unwrap();
        assert_eq!(p.log_level, LogLevel::Debug);
        ctx.close().await;
        let ctx = open().await.unwrap();
        assert_eq!(preferences(&ctx).await.unwrap().log_level, LogLevel::Debug);
    }

    #[test]
    fn levels_cross_as_lowercase_words() {
        let r: SetLogLevelRequest = serde_json::from_str(r#"{"level":"warn"}"#).unwrap();
        assert_eq!(r.level, LogLevel::Warn);
        assert!(serde_json::from_str::<SetLogLevelRequest>(r#"{"level":"loud"}"#).is_err());
    }
}
