//! Backups and restore.
//!
//! A backup is `VACUUM INTO` a new file (an online, consistent snapshot), then
//! checked: `PRAGMA integrity_check`, it is a ledger this build can open, and
//! its audit chain is intact. It is written under a temporary name and only
//! renamed to `ledger-<UTC time>-<label>.sqlite` once it has passed.
//! Restore checks the backup the same way *before* it replaces anything, and
//! keeps a copy of the file it replaces.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Connection;

use crate::error::io_err;
use crate::{audit, inspect_conn, read_only, LedgerStore, StoreError};

/// A backup that was made and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub bytes: u64,
    pub schema_version: i64,
    pub audit_rows: u64,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreOutcome {
    pub restored_from: PathBuf,
    /// The copy of the file that was replaced, if there was one.
    pub previous_copy: Option<PathBuf>,
    pub schema_version: i64,
    pub audit_rows: u64,
}

/// `backups/` beside the ledger file.
pub fn default_dir(ledger: &Path) -> PathBuf {
    ledger
        .parent()
        .map_or_else(|| PathBuf::from("backups"), |p| p.join("backups"))
}

const PREFIX: &str = "ledger-";
const SUFFIX: &str = ".sqlite";

fn backup_name(label: &str, now: DateTime<Utc>) -> String {
    format!(
        "{PREFIX}{}-{label}{SUFFIX}",
        now.format("%Y%m%dT%H%M%S%3fZ")
    )
}

/// The backups in `dir`, oldest first (their names sort by time).
pub fn list_backups(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(dir)(e)),
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Keeps the newest `keep` backups in `dir`; returns the ones removed.
pub fn prune_backups(dir: &Path, keep: usize) -> Result<Vec<PathBuf>, StoreError> {
    let all = list_backups(dir)?;
    let excess = all.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for p in all.into_iter().take(excess) {
        std::fs::remove_file(&p).map_err(io_err(&p))?;
        removed.push(p);
    }
    Ok(removed)
}

/// When the newest backup in `dir` was made, from its name.
pub fn last_backup_time(dir: &Path) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(list_backups(dir)?.last().and_then(|p| made_at(p)))
}

/// When a backup was made, from its name (`ledger-<UTC time>-<label>.sqlite`).
fn made_at(path: &Path) -> Option<DateTime<Utc>> {
    let name = path.file_name()?.to_str()?;
    let stamp = name.strip_prefix(PREFIX)?.get(..18)?;
    chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%S%3f")
        .ok()
        .map(|n| n.and_utc())
}

/// A backup file in the backups folder, as its name and size tell (not checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupFile {
    pub path: PathBuf,
    /// From the name; `None` for a name this build does not read.
    pub made_at: Option<DateTime<Utc>>,
    /// Why it was made: `backup` (asked for or scheduled), `before-restore`
    /// (the ledger a restore replaced), `pre-migration-v<N>`.
    pub label: String,
    pub bytes: u64,
}

/// The backups in `dir`, newest first, with their time, label and size.
pub fn backup_files(dir: &Path) -> Result<Vec<BackupFile>, StoreError> {
    let mut out = Vec::new();
    for path in list_backups(dir)?.into_iter().rev() {
        let bytes = std::fs::metadata(&path).map_err(io_err(&path))?.len();
        let label = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(SUFFIX))
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|n| n.get(20..))
            .unwrap_or_default()
            .to_owned();
        out.push(BackupFile {
            made_at: made_at(&path),
            path,
            label,
            bytes,
        });
    }
    Ok(out)
}

/// Checks a file as a restorable ledger: SQLite, `integrity_check` ok, a
/// ledger of a schema this build knows, and an intact audit chain.
pub async fn check_backup(path: &Path, busy: Duration) -> Result<BackupInfo, StoreError> {
    let damaged = |detail: String| StoreError::BackupDamaged {
        path: path.to_owned(),
        detail,
    };
    let meta = std::fs::metadata(path).map_err(|e| damaged(e.to_string()))?;
    let state = crate::inspect_file(path, busy)
        .await
        .map_err(|e| damaged(e.to_string()))?;
    let Some(schema_version) = state.applied else {
        return Err(damaged("it holds no ledger".to_owned()));
    };
    let mut conn = read_only(path, busy)
        .await
        .map_err(|e| damaged(e.to_string()))?;
    let result = async {
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&mut conn)
            .await?;
        if rows.len() != 1 || rows[0] != "ok" {
            return Err(StoreError::Corrupt {
                detail: rows.join("; "),
            });
        }
        inspect_conn(&mut conn, path).await?;
        let has_audit: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'",
        )
        .fetch_one(&mut conn)
        .await?;
        if has_audit == 0 {
            // A ledger from before the audit trail existed.
            return Ok(0);
        }
        let report = audit::verify(&mut conn).await?;
        if let Some(b) = report.first_break {
            return Err(StoreError::Data(format!(
                "its audit trail is broken at row {}: {}",
                b.seq, b.detail
            )));
        }
        Ok(report.rows_checked)
    }
    .await;
    let _ = conn.close().await;
    let audit_rows = result.map_err(|e| damaged(e.to_string()))?;
    Ok(BackupInfo {
        path: path.to_owned(),
        bytes: meta.len(),
        schema_version,
        audit_rows,
    })
}

/// Backs up a ledger file that is not open in this process (before a migration).
pub(crate) async fn backup_file(
    src: &Path,
    dir: &Path,
    label: &str,
    now: DateTime<Utc>,
    busy: Duration,
) -> Result<BackupInfo, StoreError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let dest = dir.join(backup_name(label, now));
    let partial = partial_name(&dest);
    let mut conn = read_only(src, busy).await?;
    let r = sqlx::query("VACUUM INTO ?")
        .bind(partial.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
    if let Err(e) = r {
        let _ = std::fs::remove_file(&partial);
        return Err(crate::error::classify(e));
    }
    finish(&partial, &dest, busy).await
}

fn partial_name(dest: &Path) -> PathBuf {
    let mut name = dest.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Checks the finished snapshot, then gives it its final name.
async fn finish(partial: &Path, dest: &Path, busy: Duration) -> Result<BackupInfo, StoreError> {
    match check_backup(partial, busy).await {
        Ok(mut info) => {
            std::fs::rename(partial, dest).map_err(io_err(dest))?;
            info.path = dest.to_owned();
            Ok(info)
        }
        Err(e) => {
            let _ = std::fs::remove_file(partial);
            Err(StoreError::Backup(e.to_string()))
        }
    }
}

impl LedgerStore {
    /// Writes a checked snapshot of the open ledger to `dest` (which must not exist).
    pub async fn backup_to(&self, dest: &Path) -> Result<BackupInfo, StoreError> {
        let _timer = self.timed("backup_to");
        if dest.exists() {
            return Err(StoreError::Invalid(format!(
                "{} already exists; a backup never overwrites a file",
                dest.display()
            )));
        }
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        let partial = partial_name(dest);
        let _ = std::fs::remove_file(&partial);
        if let Err(e) = sqlx::query("VACUUM INTO ?")
            .bind(partial.to_string_lossy().into_owned())
            .execute(self.pool())
            .await
        {
            let _ = std::fs::remove_file(&partial);
            return Err(crate::error::classify(e));
        }
        finish(&partial, dest, Duration::from_secs(5)).await
    }

    /// A backup into `dir`, named by `now`, then keeps only the newest `keep`.
    pub async fn backup_now(
        &self,
        dir: &Path,
        now: DateTime<Utc>,
        keep: usize,
    ) -> Result<BackupInfo, StoreError> {
        let _timer = self.timed("backup_now");
        let info = self
            .backup_to(&dir.join(backup_name("backup", now)))
            .await?;
        prune_backups(dir, keep.max(1))?;
        Ok(info)
    }

    /// The scheduled backup: makes one if the newest in `dir` is older than
    /// `every` (or there is none). The scheduler calls this on each tick.
    pub async fn backup_if_due(
        &self,
        dir: &Path,
        now: DateTime<Utc>,
        every: chrono::Duration,
        keep: usize,
    ) -> Result<Option<BackupInfo>, StoreError> {
        let _timer = self.timed("backup_if_due");
        let due = match last_backup_time(dir)? {
            None => true,
            Some(last) => now - last >= every,
        };
        if !due {
            return Ok(None);
        }
        self.backup_now(dir, now, keep).await.map(Some)
    }
}

/// Replaces the ledger at `target` with the backup at `backup`. The ledger
/// must not be open. The backup is checked first ([`check_backup`]): a damaged
/// backup is refused with [`StoreError::BackupDamaged`] and nothing is
/// touched. The replaced file is first copied into `keep_dir`.
pub async fn restore(
    backup: &Path,
    target: &Path,
    keep_dir: &Path,
    now: DateTime<Utc>,
) -> Result<RestoreOutcome, StoreError> {
    let busy = Duration::from_secs(5);
    let info = check_backup(backup, busy).await?;

    let mut previous_copy = None;
    if target.exists() {
        std::fs::create_dir_all(keep_dir).map_err(io_err(keep_dir))?;
        let copy = keep_dir.join(backup_name("before-restore", now));
        std::fs::copy(target, &copy).map_err(io_err(&copy))?;
        for suffix in ["-wal", "-shm"] {
            let side = sidecar(target, suffix);
            if side.exists() {
                let dest = sidecar(&copy, suffix);
                std::fs::copy(&side, &dest).map_err(io_err(&dest))?;
            }
        }
        previous_copy = Some(copy);
    }

    let tmp = partial_name(target);
    std::fs::copy(backup, &tmp).map_err(io_err(&tmp))?;
    {
        let f = std::fs::File::open(&tmp).map_err(io_err(&tmp))?;
        f.sync_all().map_err(io_err(&tmp))?;
    }
    for suffix in ["-wal", "-shm"] {
        let side = sidecar(target, suffix);
        if side.exists() {
            std::fs::remove_file(&side).map_err(io_err(&side))?;
        }
    }
    std::fs::rename(&tmp, target).map_err(io_err(target))?;
    Ok(RestoreOutcome {
        restored_from: backup.to_owned(),
        previous_copy,
        schema_version: info.schema_version,
        audit_rows: info.audit_rows,
    })
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
