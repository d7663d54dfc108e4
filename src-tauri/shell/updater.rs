//! Updates through tauri-plugin-updater: check, download with progress, verify
//! the signature against the public key in tauri.conf.json, back the ledger up,
//! install. Installing takes effect when the app restarts.
//!
//! `LEDGERKEEP_UPDATE_URL` replaces the release server (tests, staging). Plain
//! http is allowed only in debug builds and only on loopback, so that the
//! end-to-end test can serve updates from 127.0.0.1; release builds refuse it.
//! Likewise `LEDGERKEEP_UPDATE_PUBKEY` (the tests' own key) replaces the release
//! public key in debug builds only: a release build trusts nothing but the key
//! in tauri.conf.json.

use ledgerkeep_api::ops::updates::{
    manifest_url, update_channel, AvailableUpdate, UpdateProgress, UpdateStatus,
    DEFAULT_UPDATE_BASE,
};
use ledgerkeep_api::{ApiError, AppContext, ErrorCode};
use tauri::{AppHandle, Runtime, Url};
use tauri_plugin_updater::UpdaterExt;
use tauri_specta::Event;

use crate::events::UpdateDownloadProgress;

const UPDATE_URL_ENV: &str = "LEDGERKEEP_UPDATE_URL";
const UPDATE_PUBKEY_ENV: &str = "LEDGERKEEP_UPDATE_PUBKEY";

fn update_base() -> String {
    std::env::var(UPDATE_URL_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_UPDATE_BASE.to_owned())
}

/// In debug builds only: plain http for a loopback `LEDGERKEEP_UPDATE_URL`, and
/// the test key from `LEDGERKEEP_UPDATE_PUBKEY` in place of the release key.
pub fn apply_debug_overrides<R: Runtime>(context: &mut tauri::Context<R>) {
    if !cfg!(debug_assertions) {
        return;
    }
    let loopback = Url::parse(&update_base())
        .ok()
        .filter(|u| u.scheme() == "http")
        .and_then(|u| u.host_str().map(|h| h == "127.0.0.1" || h == "localhost"))
        .unwrap_or(false);
    let pubkey = std::env::var(UPDATE_PUBKEY_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty());
    if let Some(serde_json::Value::Object(updater)) =
        context.config_mut().plugins.0.get_mut("updater")
    {
        if loopback {
            updater.insert(
                "dangerousInsecureTransportProtocol".to_owned(),
                serde_json::Value::Bool(true),
            );
        }
        if let Some(key) = pubkey {
            tracing::warn!(
                "debug build: updates are verified with the key from {UPDATE_PUBKEY_ENV}"
            );
            updater.insert("pubkey".to_owned(), serde_json::Value::String(key));
        }
    }
}

fn updater_error(err: tauri_plugin_updater::Error) -> ApiError {
    use tauri_plugin_updater::Error as E;
    tracing::warn!(error = %err, "update failed");
    let message = match &err {
        E::Minisign(_) | E::Base64(_) | E::SignatureUtf8(_) => {
            "The update's signature does not match Ledgerkeep's key, so it was refused. Nothing was changed.".to_owned()
        }
        E::ReleaseNotFound => "No release was found for this computer.".to_owned(),
        E::Reqwest(_) | E::Network(_) => {
            "The update server could not be reached. Try again later.".to_owned()
        }
        E::InvalidUpdaterFormat => {
            "The update is not in a form this installation can install. Nothing was changed.".to_owned()
        }
        other => format!("The update could not be installed: {other}. Nothing was changed."),
    };
    ApiError::new(ErrorCode::Internal, message)
}

async fn find<R: Runtime>(
    app: &AppHandle<R>,
    ctx: &AppContext,
) -> Result<(UpdateStatus, Option<tauri_plugin_updater::Update>), ApiError> {
    let channel = update_channel(ctx).await?;
    let url = Url::parse(&manifest_url(&update_base(), channel))
        .map_err(|e| ApiError::invalid(format!("The update address is not valid: {e}")))?;
    let updater = app
        .updater_builder()
        .endpoints(vec![url])
        .and_then(|b| b.build())
        .map_err(updater_error)?;
    let update = updater.check().await.map_err(updater_error)?;
    let status = UpdateStatus {
        current_version: app.package_info().version.to_string(),
        channel,
        available: update.as_ref().map(|u| AvailableUpdate {
            version: u.version.clone(),
            notes: u.body.clone(),
        }),
    };
    Ok((status, update))
}

/// Asks the release server whether a newer version is on offer.
pub async fn check<R: Runtime>(
    app: &AppHandle<R>,
    ctx: &AppContext,
) -> Result<UpdateStatus, ApiError> {
    find(app, ctx).await.map(|(status, _)| status)
}

/// Downloads and verifies the newest update, backs the ledger up, and installs
/// it. The new version runs from the next start.
pub async fn install<R: Runtime>(
    app: &AppHandle<R>,
    ctx: &AppContext,
) -> Result<UpdateStatus, ApiError> {
    let (status, update) = find(app, ctx).await?;
    let Some(update) = update else {
        return Ok(status);
    };
    let mut downloaded: u64 = 0;
    let bytes = update
        .download(
            |chunk, total| {
                downloaded += chunk as u64;
                let progress = UpdateProgress {
                    downloaded_bytes: u32::try_from(downloaded).unwrap_or(u32::MAX),
                    total_bytes: total.and_then(|t| u32::try_from(t).ok()),
                };
                let _ = UpdateDownloadProgress(progress).emit(app);
            },
            || {},
        )
        .await
        .map_err(updater_error)?;
    backup_before_install(ctx).await?;
    update.install(bytes).map_err(updater_error)?;
    tracing::info!(version = %update.version, "update installed; it runs from the next start");
    Ok(status)
}

/// The ledger is copied aside before an update replaces the app.
async fn backup_before_install(ctx: &AppContext) -> Result<(), ApiError> {
    let target = ctx.paths().backups_dir.join(format!(
        "before-update-{}.sqlite",
        ctx.config().now().timestamp()
    ));
    ctx.store()
        .backup_to(&target)
        .await
        .map(|_| ())
        .map_err(|err| {
            ApiError::new(
                ErrorCode::Storage,
                format!(
                    "The ledger could not be backed up, so the update was not installed: {err}"
                ),
            )
        })
}

/// Checks at start (after a short pause, so start-up stays quick) and then daily,
/// telling the window when a newer version is on offer.
pub fn spawn_periodic_checks<R: Runtime>(app: AppHandle<R>, ctx: AppContext) {
    tauri::async_runtime::spawn(async move {
        let mut next = std::time::Duration::from_secs(20);
        loop {
            tokio::time::sleep(next).await;
            next = std::time::Duration::from_secs(24 * 3600);
            match check(&app, &ctx).await {
                Ok(status) if status.available.is_some() => {
                    let _ = crate::events::UpdateAvailable(status).emit(&app);
                }
                Ok(_) => {}
                Err(err) => tracing::info!(message = %err.message, "update check did not complete"),
            }
        }
    });
}
