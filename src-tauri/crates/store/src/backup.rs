//! Backups and restore.
//!
//! A backup is `VACUUM INTO` a new file (an online, consistent snapshot), then
//! checked: `PRAGMA integrity_check`, it is a ledger this build can open, and
//! its audit chain is intact. It is written under a temporary name and only
//! renamed to `ledger-<UTC time>-<label>.sqlite` once it has passed.
//! Restore checks the backup the same way *before* it replaces anything, and
//! keeps a copy of the file it replaces.
//!
//! A backup carries the attachments its ledger lists: each file, once, in
//! the `attachments/` folder beside the backup (content-addressed like the
//! ledger's own, so backups share the files they have in common). Its check
//! hashes every one of them: a file missing or altered fails it. A restore
//! brings them back into the ledger's folder before the ledger is replaced.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{ConnectOptions, Connection};

use crate::error::io_err;
use crate::{audit, inspect_conn, read_only, LedgerStore, StoreError};

/// A backup that was made and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub bytes: u64,
    pub schema_version: i64,
    pub audit_rows: u64,
    /// Attachment files the backup lists, each checked against its hash.
    pub attachment_files: u64,
    /// Their bytes.
    pub attachment_bytes: u64,
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

/// Keeps the newest `keep` backups in `dir`; returns the ones removed. The
/// copies of ledgers that a restore replaced (`before-restore`) are never
/// pruned, nor counted: they are the way back from a restore.
pub fn prune_backups(dir: &Path, keep: usize) -> Result<Vec<PathBuf>, StoreError> {
    let all: Vec<PathBuf> = list_backups(dir)?
        .into_iter()
        .filter(|p| label_of(p) != BEFORE_RESTORE)
        .collect();
    let excess = all.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for p in all.into_iter().take(excess) {
        std::fs::remove_file(&p).map_err(io_err(&p))?;
        removed.push(p);
    }
    Ok(removed)
}

/// The label of a copy a restore keeps of the ledger it replaced.
pub const BEFORE_RESTORE: &str = "before-restore";

/// Why a backup was made, from its name (`ledger-<UTC time>-<label>.sqlite`).
fn label_of(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(SUFFIX))
        .and_then(|n| n.strip_prefix(PREFIX))
        .and_then(|n| n.get(20..))
        .unwrap_or_default()
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
        let label = label_of(&path).to_owned();
        out.push(BackupFile {
            made_at: made_at(&path),
            path,
            label,
            bytes,
        });
    }
    Ok(out)
}

/// The hashes of the attachment files a ledger lists (none for a ledger from
/// before attachments were kept).
async fn attachment_hashes(conn: &mut sqlx::SqliteConnection) -> Result<Vec<String>, StoreError> {
    let has: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'attachments'",
    )
    .fetch_one(&mut *conn)
    .await?;
    if has == 0 {
        return Ok(Vec::new());
    }
    Ok(
        sqlx::query_scalar("SELECT DISTINCT sha256 FROM attachments ORDER BY sha256")
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// The hashes of the attachment files the ledger file at `path` lists.
async fn attachment_hashes_of(path: &Path, busy: Duration) -> Result<Vec<String>, StoreError> {
    let mut conn = read_only(path, busy).await?;
    let r = attachment_hashes(&mut conn).await;
    let _ = conn.close().await;
    r
}

/// Whether the file at `path` holds bytes that hash to `sha256`; its length.
fn file_holds(path: &Path, sha256: &str) -> Result<u64, &'static str> {
    match std::fs::read(path) {
        Ok(b) if crate::attachments::sha256_hex(&b) == sha256 => Ok(b.len() as u64),
        Ok(_) => Err("altered"),
        Err(_) => Err("missing"),
    }
}

/// Hashes each listed file in the attachments folder `dir`: `(files, bytes)`
/// of those whole, or (when they are required) what is wrong with the first
/// that is missing or altered.
fn check_files(hashes: &[String], dir: &Path, files: Files) -> Result<(u64, u64), String> {
    let (mut count, mut bytes) = (0, 0);
    for h in hashes {
        match file_holds(&crate::attachments::file_in(dir, h), h) {
            Ok(n) => {
                count += 1;
                bytes += n;
            }
            Err(what) if files == Files::Required => {
                return Err(format!("its attachment file {h} is {what}"))
            }
            Err(what) => {
                tracing::warn!(sha256 = %h, what, "an attachment file is not in the backup");
            }
        }
    }
    Ok((count, bytes))
}

/// How strictly a copy of attachment files treats its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Carry {
    /// Every file must be whole in the source (a restore's backup).
    SourceWhole,
    /// Every file must end whole at the destination (a backup): one held
    /// there already is not read again from the source.
    DestinationWhole,
    /// As many as are whole (the copy of a ledger a restore replaces).
    AsMayBe,
}

/// Copies each listed file from the attachments folder `from` into `to`
/// (to a temporary name, synced, then renamed), unless `to` holds it already.
/// A file missing or altered in `from` is an error but under
/// [`Carry::AsMayBe`]. Returns the files copied.
fn carry_files(hashes: &[String], from: &Path, to: &Path, how: Carry) -> Result<u64, StoreError> {
    use std::io::Write;
    let mut copied = 0;
    for h in hashes {
        let dest = crate::attachments::file_in(to, h);
        if how != Carry::SourceWhole && file_holds(&dest, h).is_ok() {
            continue;
        }
        let src = crate::attachments::file_in(from, h);
        let bytes = match std::fs::read(&src) {
            Ok(b) if crate::attachments::sha256_hex(&b) == *h => b,
            read => {
                let what = if read.is_ok() { "altered" } else { "missing" };
                if how != Carry::AsMayBe {
                    return Err(StoreError::Data(format!(
                        "the attachment file {h} is {what} in {}",
                        from.display()
                    )));
                }
                tracing::warn!(sha256 = %h, what, "an attachment file could not be carried");
                continue;
            }
        };
        if file_holds(&dest, h).is_ok() {
            continue;
        }
        let dir = dest.parent().unwrap_or(to);
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        let tmp = dir.join(format!(".{h}.{}.partial", std::process::id()));
        let written = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &dest)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(io_err(&dest)(e));
        }
        copied += 1;
    }
    Ok(copied)
}

/// Carries the attachments the ledger file `listing` lists from the folder
/// beside `from_ledger` to the folder beside `to_ledger`.
async fn carry_attachments(
    listing: &Path,
    from_ledger: &Path,
    to_ledger: &Path,
    how: Carry,
    busy: Duration,
) -> Result<u64, StoreError> {
    let hashes = attachment_hashes_of(listing, busy).await?;
    if hashes.is_empty() {
        return Ok(0);
    }
    let from = crate::attachments::attachments_dir_of(from_ledger);
    let to = crate::attachments::attachments_dir_of(to_ledger);
    tokio::task::spawn_blocking(move || carry_files(&hashes, &from, &to, how))
        .await
        .map_err(|e| StoreError::Data(format!("the attachments' copy stopped: {e}")))?
}

/// Checks a file as a restorable ledger: SQLite, `integrity_check` ok, a
/// ledger of a schema this build knows, an intact audit chain, and every
/// attachment file it lists beside it (`attachments/`) with its bytes.
pub async fn check_backup(path: &Path, busy: Duration) -> Result<BackupInfo, StoreError> {
    check(path, busy, Files::Required).await
}

/// Whether a check requires every attachment file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Files {
    Required,
    /// Those present are counted (a backup before a migration must never
    /// stop the ledger from opening because a file is gone).
    AsFound,
}

async fn check(path: &Path, busy: Duration, files: Files) -> Result<BackupInfo, StoreError> {
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
            return Ok((0, Vec::new()));
        }
        let report = audit::verify(&mut conn).await?;
        if let Some(b) = report.first_break {
            return Err(StoreError::Data(format!(
                "its audit trail is broken at row {}: {}",
                b.seq, b.detail
            )));
        }
        Ok((report.rows_checked, attachment_hashes(&mut conn).await?))
    }
    .await;
    let _ = conn.close().await;
    let (audit_rows, hashes) = result.map_err(|e| damaged(e.to_string()))?;
    let dir = crate::attachments::attachments_dir_of(path);
    let (attachment_files, attachment_bytes) =
        tokio::task::spawn_blocking(move || check_files(&hashes, &dir, files))
            .await
            .map_err(|e| damaged(format!("the attachments' check stopped: {e}")))?
            .map_err(damaged)?;
    Ok(BackupInfo {
        path: path.to_owned(),
        bytes: meta.len(),
        schema_version,
        audit_rows,
        attachment_files,
        attachment_bytes,
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
    // The files as they are: a file lost must not stop the ledger from
    // opening (and migrating); the backup then lacks it, and says so.
    if let Err(e) = carry_attachments(&partial, src, &dest, Carry::AsMayBe, busy).await {
        let _ = std::fs::remove_file(&partial);
        return Err(StoreError::Backup(e.to_string()));
    }
    finish(&partial, &dest, busy, Files::AsFound).await
}

fn partial_name(dest: &Path) -> PathBuf {
    let mut name = dest.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Checks the finished snapshot, then gives it its final name.
async fn finish(
    partial: &Path,
    dest: &Path,
    busy: Duration,
    files: Files,
) -> Result<BackupInfo, StoreError> {
    match check(partial, busy, files).await {
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
        let busy = Duration::from_secs(5);
        // The files the snapshot lists, beside it (a file the ledger's folder
        // lost or altered fails the backup, naming it).
        if let Err(e) =
            carry_attachments(&partial, self.path(), dest, Carry::DestinationWhole, busy).await
        {
            let _ = std::fs::remove_file(&partial);
            return Err(StoreError::Backup(e.to_string()));
        }
        finish(&partial, dest, busy, Files::Required).await
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

/// The environment variable that makes a restore abort the process
/// (`std::process::abort`, as a kill -9 would end it) at the named step:
/// `marked`, `staged`, `checked`, `folded`, `kept` or `renamed`. For the
/// crash tests only.
pub const ABORT_AT_ENV: &str = "LEDGERKEEP_RESTORE_ABORT_AT";

/// The steps of a restore, in order.
pub const RESTORE_STEPS: [&str; 6] = ["marked", "staged", "checked", "folded", "kept", "renamed"];

fn reached(step: &str) {
    tracing::debug!(step, "restore step done");
    if std::env::var(ABORT_AT_ENV).is_ok_and(|s| s == step) {
        std::process::abort();
    }
}

/// `<ledger>.restore.json`: present from the start of a restore until it has
/// finished (or was refused), so that a restore cut short is seen.
pub fn restore_marker(ledger: &Path) -> PathBuf {
    sidecar(ledger, ".restore.json")
}

/// `<ledger>.restore-interrupted.json`: what a restore cut short left, noted
/// by the next open or restore.
pub fn interrupted_record(ledger: &Path) -> PathBuf {
    sidecar(ledger, ".restore-interrupted.json")
}

/// The checked copy of the backup, beside the ledger (same folder, so that
/// the final rename is atomic).
fn staging_file(ledger: &Path) -> PathBuf {
    sidecar(ledger, ".restoring")
}

/// What the marker records.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
struct RestoreMarker {
    from: PathBuf,
    started_at_utc: String,
    pid: u32,
    /// The last step done.
    step: String,
    previous_copy: Option<PathBuf>,
    /// Written when the marker is found after a restore was cut short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    outcome: Option<String>,
}

fn write_marker(ledger: &Path, m: &RestoreMarker) -> Result<(), StoreError> {
    let path = restore_marker(ledger);
    let tmp = sidecar(&path, ".tmp");
    let bytes = serde_json::to_vec_pretty(m)
        .map_err(|e| StoreError::Invalid(format!("could not note the restore: {e}")))?;
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp).map_err(io_err(&tmp))?;
        f.write_all(&bytes).map_err(io_err(&tmp))?;
        f.sync_all().map_err(io_err(&tmp))?;
    }
    std::fs::rename(&tmp, &path).map_err(io_err(&path))?;
    sync_dir(ledger);
    Ok(())
}

/// Makes a rename in the ledger's folder durable (best effort; not on Windows).
fn sync_dir(ledger: &Path) {
    #[cfg(unix)]
    if let Some(dir) = ledger.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = ledger;
}

fn remove_if_exists(path: &Path) -> Result<(), StoreError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err(path)(e)),
    }
}

fn remove_with_sidecars(path: &Path) -> Result<(), StoreError> {
    remove_if_exists(path)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        remove_if_exists(&sidecar(path, suffix))?;
    }
    Ok(())
}

/// After a restore that was cut short (the process ended between its
/// steps): removes its unfinished copy, and keeps what happened in
/// [`interrupted_record`]. The ledger in place is whole either way: the old
/// one (the copy was not yet renamed over it) or the restored one. The
/// caller holds the writer lock.
pub fn recover_interrupted_restore(ledger: &Path) -> Result<(), StoreError> {
    let marker_path = restore_marker(ledger);
    let text = match std::fs::read_to_string(&marker_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(&marker_path)(e)),
    };
    let staging = staging_file(ledger);
    let staged_left = staging.exists();
    let mut m: RestoreMarker = serde_json::from_str(&text).unwrap_or(RestoreMarker {
        from: PathBuf::new(),
        started_at_utc: String::new(),
        pid: 0,
        step: "unknown".to_owned(),
        previous_copy: None,
        outcome: None,
    });
    let renamed = m.step == "renamed"
        || (!staged_left && ["checked", "folded", "kept"].contains(&m.step.as_str()));
    m.outcome = Some(if renamed {
        format!(
            "The restore from {} was cut short after the backup was put in place: the restored ledger is in use.",
            m.from.display()
        )
    } else {
        format!(
            "The restore from {} was cut short before the ledger was replaced: the ledger was not changed.",
            m.from.display()
        )
    });
    remove_with_sidecars(&staging)?;
    let record = interrupted_record(ledger);
    let bytes = serde_json::to_vec_pretty(&m).unwrap_or_default();
    std::fs::write(&record, bytes).map_err(io_err(&record))?;
    std::fs::remove_file(&marker_path).map_err(io_err(&marker_path))?;
    tracing::warn!(
        from = %m.from.display(),
        step = %m.step,
        replaced = renamed,
        "a restore was cut short; noted in {}",
        record.display()
    );
    Ok(())
}

/// Replaces the ledger at `target` with the backup at `backup`. The ledger
/// must not be open in another process: the writer lock is taken first, and
/// a restore while another process holds it is refused with
/// [`StoreError::InUse`] naming it.
///
/// Crash-safe, in steps (each named in [`RESTORE_STEPS`]; a marker file is
/// kept from the first to the last): the backup is copied beside the ledger
/// and the *copy* is checked ([`check_backup`]: a damaged backup is refused
/// with [`StoreError::BackupDamaged`] and nothing is touched); the ledger's
/// write-ahead log is folded into it, so that it is one whole file; a copy
/// of it is kept in `keep_dir` (never pruned by retention); then the checked
/// copy is renamed over it, atomically. A process ended at any step leaves
/// the old ledger or the new one, and the marker says what happened.
///
/// A backup with a write-ahead log beside it is refused: the file alone is
/// not the whole backup.
pub async fn restore(
    backup: &Path,
    target: &Path,
    keep_dir: &Path,
    now: DateTime<Utc>,
) -> Result<RestoreOutcome, StoreError> {
    let _lock = crate::LedgerLock::try_acquire(target)?;
    recover_interrupted_restore(target)?;
    let wal = sidecar(backup, "-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Err(StoreError::Invalid(format!(
            "The backup {} has a write-ahead log beside it ({}), so the file alone is not the whole backup. Nothing was restored; open that backup in Ledgerkeep once, or choose a backup made by Ledgerkeep",
            backup.display(),
            wal.display()
        )));
    }
    let mut marker = RestoreMarker {
        from: backup.to_owned(),
        started_at_utc: now.to_rfc3339(),
        pid: std::process::id(),
        step: "marked".to_owned(),
        previous_copy: None,
        outcome: None,
    };
    write_marker(target, &marker)?;
    reached("marked");
    let staging = staging_file(target);
    let result = restore_steps(backup, target, keep_dir, now, &staging, &mut marker).await;
    if result.is_err() {
        // Refused or failed before the rename: the old ledger stays.
        let _ = remove_with_sidecars(&staging);
    }
    remove_if_exists(&restore_marker(target))?;
    sync_dir(target);
    result
}

async fn restore_steps(
    backup: &Path,
    target: &Path,
    keep_dir: &Path,
    now: DateTime<Utc>,
    staging: &Path,
    marker: &mut RestoreMarker,
) -> Result<RestoreOutcome, StoreError> {
    let busy = Duration::from_secs(5);
    remove_with_sidecars(staging)?;
    std::fs::copy(backup, staging).map_err(|e| match io_err(staging)(e) {
        StoreError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            StoreError::BackupDamaged {
                path: backup.to_owned(),
                detail: "the file is gone".to_owned(),
            }
        }
        other => other,
    })?;
    {
        let f = std::fs::File::open(staging).map_err(io_err(staging))?;
        f.sync_all().map_err(io_err(staging))?;
    }
    // The backup's attachment files, into the ledger's folder: files are
    // kept under their hash, so adding them changes nothing the ledger in
    // place reads. A file missing or altered in the backup refuses it.
    carry_attachments(staging, backup, target, Carry::SourceWhole, busy)
        .await
        .map_err(|e| StoreError::BackupDamaged {
            path: backup.to_owned(),
            detail: e.to_string(),
        })?;
    marker.step = "staged".to_owned();
    write_marker(target, marker)?;
    reached("staged");

    // The copy is what is checked, and what is put in place.
    let info = check_backup(staging, busy).await.map_err(|e| match e {
        StoreError::BackupDamaged { detail, .. } => StoreError::BackupDamaged {
            path: backup.to_owned(),
            detail,
        },
        other => other,
    })?;
    // Whatever the read-only check left beside the copy (it wrote nothing).
    for suffix in ["-wal", "-shm"] {
        remove_if_exists(&sidecar(staging, suffix))?;
    }
    marker.step = "checked".to_owned();
    write_marker(target, marker)?;
    reached("checked");

    let mut previous_copy = None;
    if target.exists() {
        let folded = fold_wal(target, busy).await?;
        marker.step = "folded".to_owned();
        write_marker(target, marker)?;
        reached("folded");

        std::fs::create_dir_all(keep_dir).map_err(io_err(keep_dir))?;
        let copy = keep_dir.join(backup_name(BEFORE_RESTORE, now));
        let partial = partial_name(&copy);
        std::fs::copy(target, &partial).map_err(io_err(&partial))?;
        {
            let f = std::fs::File::open(&partial).map_err(io_err(&partial))?;
            f.sync_all().map_err(io_err(&partial))?;
        }
        if !folded {
            // A ledger that could not be read whole keeps its log beside its copy.
            for suffix in ["-wal", "-shm"] {
                let side = sidecar(target, suffix);
                if side.exists() {
                    let dest = sidecar(&copy, suffix);
                    std::fs::copy(&side, &dest).map_err(io_err(&dest))?;
                }
            }
        }
        // The replaced ledger's files go with its copy, as far as they are
        // whole: it may be replaced because it is damaged.
        if folded {
            if let Err(e) = carry_attachments(&partial, target, &copy, Carry::AsMayBe, busy).await {
                tracing::warn!(error = %e, "the replaced ledger's attachments were not all kept with its copy");
            }
        }
        std::fs::rename(&partial, &copy).map_err(io_err(&copy))?;
        marker.previous_copy = Some(copy.clone());
        marker.step = "kept".to_owned();
        write_marker(target, marker)?;
        reached("kept");
        // The old log must never be read with the new file.
        for suffix in ["-wal", "-shm", "-journal"] {
            remove_if_exists(&sidecar(target, suffix))?;
        }
        previous_copy = Some(copy);
    }

    std::fs::rename(staging, target).map_err(io_err(target))?;
    sync_dir(target);
    marker.step = "renamed".to_owned();
    write_marker(target, marker)?;
    reached("renamed");
    Ok(RestoreOutcome {
        restored_from: backup.to_owned(),
        previous_copy,
        schema_version: info.schema_version,
        audit_rows: info.audit_rows,
    })
}

/// Folds the ledger's write-ahead log into the file (a full checkpoint that
/// empties the log), so that the file alone is the whole ledger. `false` when the file cannot be read as a database (a
/// damaged ledger being replaced): its log is then kept beside its copy.
async fn fold_wal(target: &Path, busy: Duration) -> Result<bool, StoreError> {
    // A reader that is just closing (a command line's `status`) is waited for
    // a little; one that stays is not ours to replace under.
    let mut tries = 0;
    loop {
        match fold_wal_once(target, busy).await {
            Err(StoreError::Locked) if tries < 20 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

async fn fold_wal_once(target: &Path, busy: Duration) -> Result<bool, StoreError> {
    let opened = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(target)
        .busy_timeout(busy)
        .connect()
        .await;
    let mut conn = match opened.map_err(crate::error::classify) {
        Ok(c) => c,
        Err(StoreError::Corrupt { .. }) => return Ok(false),
        Err(StoreError::Locked) => return Err(StoreError::Locked),
        Err(e) => {
            tracing::warn!(error = %e, "the ledger being replaced could not be opened; its log is kept as it is");
            return Ok(false);
        }
    };
    // Every frame of the log copied into the file, and the log emptied. An
    // open connection elsewhere that reads nothing does not stop it; one in
    // the middle of a read does (busy), and the ledger is then not replaced.
    let r: Result<(i64, i64, i64), StoreError> = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut conn)
        .await
        .map_err(crate::error::classify);
    let _ = conn.close().await;
    match r {
        Ok((0, log, copied)) if log == copied || log <= 0 => Ok(true),
        Ok(_) | Err(StoreError::Locked) => Err(StoreError::Locked),
        Err(StoreError::Corrupt { .. }) => Ok(false),
        Err(e) => {
            tracing::warn!(error = %e, "the ledger's log could not be folded in; it is kept beside the copy");
            Ok(false)
        }
    }
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
