//! Updates: the channel the owner follows, and what a check found. The checking,
//! downloading and installing is the desktop shell's (the updater is a Tauri plugin);
//! the types and the saved choice live here so that every front shares them.

use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext};

const CHANNEL_KEY: &str = "update_channel";

/// Where releases are published. `LEDGERKEEP_UPDATE_URL` replaces it (tests, staging).
pub const DEFAULT_UPDATE_BASE: &str = "https://updates.ledgerkeep.invalid";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum UpdateChannel {
    #[default]
    Stable,
    Beta,
}

impl UpdateChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateChannel::Stable => "stable",
            UpdateChannel::Beta => "beta",
        }
    }
}

/// The updater's manifest URL for a channel, with the updater's own
/// `{{target}}`, `{{arch}}` and `{{current_version}}` placeholders.
pub fn manifest_url(base: &str, channel: UpdateChannel) -> String {
    format!(
        "{}/{}/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}/latest.json",
        base.trim_end_matches('/'),
        channel.as_str()
    )
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStatus {
    pub current_version: String,
    pub channel: UpdateChannel,
    /// The newer version on offer, if any.
    pub available: Option<AvailableUpdate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AvailableUpdate {
    pub version: String,
    pub notes: Option<String>,
}

/// Progress of an update's download, sent as it arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UpdateProgress {
    pub downloaded_bytes: u32,
    pub total_bytes: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SetUpdateChannelRequest {
    pub channel: UpdateChannel,
}

#[tracing::instrument(name = "op", skip_all, fields(op = "update_channel", request_id = %crate::request_id()))]
pub async fn update_channel(ctx: &AppContext) -> Result<UpdateChannel, ApiError> {
    Ok(ctx
        .store()
        .setting(CHANNEL_KEY)
        .await?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}

#[tracing::instrument(name = "op", skip_all, fields(op = "set_update_channel", request_id = %crate::request_id()))]
pub async fn set_update_channel(
    ctx: &AppContext,
    req: SetUpdateChannelRequest,
) -> Result<UpdateChannel, ApiError> {
    let text = serde_json::to_string(&req.channel)
        .map_err(|e| ApiError::internal(format!("could not save the channel: {e}")))?;
    ctx.store()
        .set_setting(CHANNEL_KEY, &text, ctx.config().now())
        .await?;
    update_channel(ctx).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AppConfig, AppPaths};

    #[test]
    fn the_manifest_url_names_the_channel_and_keeps_the_placeholders() {
        assert_eq!(
            manifest_url("http://127.0.0.1:8080/", UpdateChannel::Beta),
            "http://127.0.0.1:8080/beta/{{target}}/{{arch}}/{{current_version}}/latest.json"
        );
    }

    #[tokio::test]
    async fn the_channel_defaults_to_stable_and_is_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = AppContext::open(AppConfig::new(AppPaths::under(dir.path())))
            .await
            .unwrap();
        assert_eq!(update_channel(&ctx).await.unwrap(), UpdateChannel::Stable);
        let req = SetUpdateChannelRequest {
            channel: UpdateChannel::Beta,
        };
        assert_eq!(
            set_update_channel(&ctx, req).await.unwrap(),
            UpdateChannel::Beta
        );
        assert_eq!(update_channel(&ctx).await.unwrap(), UpdateChannel::Beta);
    }
}
