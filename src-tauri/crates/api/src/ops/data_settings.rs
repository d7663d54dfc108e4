//! Settings → *Data and sync*: how often each organisation syncs, and how much
//! the ledger keeps (backups, the sync-run log). Each is a row of the
//! `settings` table; the store's upkeep and the scheduler read them.

use ledgerkeep_store::settings::{
    BACKUP_EVERY_HOURS, BACKUP_KEEP, SYNC_INTERVAL_MINUTES, SYNC_RUNS_KEEP_DAYS,
};
use ledgerkeep_sync::SchedulerConfig;
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext, FieldError};

/// The owner's choices; also the request that saves them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DataSettings {
    /// Minutes between an organisation's scheduled syncs (applies at the next start).
    pub sync_interval_minutes: u32,
    /// Backups kept in the backups folder; older ones are removed.
    pub backup_keep: u32,
    /// Hours between scheduled backups.
    pub backup_every_hours: u32,
    /// Days of the sync-run log kept. The audit trail is never pruned.
    pub sync_runs_keep_days: u32,
}

/// Each setting's key, its accepted range, its field and a sentence for a refusal.
const RULES: [(&str, u32, u32, &str, &str); 4] = [
    (
        SYNC_INTERVAL_MINUTES.0,
        5,
        1440,
        "syncIntervalMinutes",
        "Sync every 5 to 1,440 minutes (a day).",
    ),
    (
        BACKUP_KEEP.0,
        1,
        365,
        "backupKeep",
        "Keep 1 to 365 backups.",
    ),
    (
        BACKUP_EVERY_HOURS.0,
        1,
        168,
        "backupEveryHours",
        "Back up every 1 to 168 hours (a week).",
    ),
    (
        SYNC_RUNS_KEEP_DAYS.0,
        1,
        3650,
        "syncRunsKeepDays",
        "Keep 1 to 3,650 days (ten years) of the sync log.",
    ),
];

impl DataSettings {
    fn values(&self) -> [u32; 4] {
        [
            self.sync_interval_minutes,
            self.backup_keep,
            self.backup_every_hours,
            self.sync_runs_keep_days,
        ]
    }

    /// Every value outside its range, named field by field.
    pub fn validate(self) -> Result<Self, ApiError> {
        let errors: Vec<FieldError> = RULES
            .iter()
            .zip(self.values())
            .filter(|((_, min, max, _, _), v)| !(*min..=*max).contains(v))
            .map(|((_, _, _, field, message), _)| FieldError {
                field: (*field).to_owned(),
                message: (*message).to_owned(),
            })
            .collect();
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(ApiError::fields(errors))
        }
    }
}

fn u32_of(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

/// The saved settings, or their defaults.
#[tracing::instrument(name = "op", skip_all, fields(op = "data_settings", request_id = %crate::request_id()))]
pub async fn data_settings(ctx: &AppContext) -> Result<DataSettings, ApiError> {
    let store = ctx.store();
    Ok(DataSettings {
        sync_interval_minutes: u32_of(store.setting_i64(SYNC_INTERVAL_MINUTES).await?),
        backup_keep: u32_of(store.setting_i64(BACKUP_KEEP).await?),
        backup_every_hours: u32_of(store.setting_i64(BACKUP_EVERY_HOURS).await?),
        sync_runs_keep_days: u32_of(store.setting_i64(SYNC_RUNS_KEEP_DAYS).await?),
    })
}

/// Checks every value, then saves them all (nothing is saved on a refusal).
/// Backups and the sync log follow them from the next upkeep (after the next
/// sync); the sync interval from the next start.
#[tracing::instrument(name = "op", skip_all, fields(op = "set_data_settings", request_id = %crate::request_id()))]
pub async fn set_data_settings(
    ctx: &AppContext,
    req: DataSettings,
) -> Result<DataSettings, ApiError> {
    let req = req.validate()?;
    let now = ctx.config().now();
    for ((key, ..), value) in RULES.iter().zip(req.values()) {
        ctx.store()
            .set_setting(key, &value.to_string(), now)
            .await?;
    }
    tracing::info!(?req, "data settings changed");
    data_settings(ctx).await
}

/// The scheduler's configuration: the defaults, with the saved sync interval.
#[tracing::instrument(name = "op", skip_all, fields(op = "scheduler_config", request_id = %crate::request_id()))]
pub async fn scheduler_config(ctx: &AppContext) -> Result<SchedulerConfig, ApiError> {
    let minutes = data_settings(ctx).await?.sync_interval_minutes.max(1);
    Ok(SchedulerConfig {
        interval: std::time::Duration::from_secs(u64::from(minutes) * 60),
        ..SchedulerConfig::default()
    })
}
