//! The ledger's writer lock: one process at a time writes the ledger from
//! Xero, runs a restore or sends the payment outbox.
//!
//! The lock is an OS file lock (`File::try_lock`: `flock` on Unix,
//! `LockFileEx` on Windows) on `<ledger>.lock`, beside the ledger. The OS
//! releases it when the process ends, however it ends, so a crash never
//! leaves the ledger locked. The file also records which process holds it
//! (pid, front, since when), so that a refusal can name that process; the
//! record is only read while the lock is held by someone else, and is
//! informative (on Windows a locked file cannot be read by another process,
//! and the refusal then says "another Ledgerkeep process").
//!
//! Within one process the lock is shared: every [`LedgerLock`] on one ledger
//! is a handle on the same OS lock, released when the last handle drops. The
//! claim is across processes; tasks of one process coordinate by their own
//! locks.
//!
//! Who holds it when: the desktop app holds it from the moment its ledger
//! opens until it closes ([`Front::App`]); the command line
//! ([`Front::Cli`]) takes it only for the commands that write from Xero or
//! replace the ledger (`sync`, `restore`), and its read-only commands take
//! none.

use std::collections::HashMap;
use std::fs::{File, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, OnceLock, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::error::io_err;
use crate::StoreError;

/// Which Ledgerkeep front this process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Front {
    /// The desktop app: holds the writer lock while its ledger is open.
    App,
    /// `ledgerkeep-cli`: takes the writer lock per command.
    Cli,
}

impl Front {
    /// The name recorded in the lock file.
    pub fn name(self) -> &'static str {
        match self {
            Front::App => "app",
            Front::Cli => "cli",
        }
    }

    /// Whether opening the ledger takes the writer lock for as long as it is open.
    pub fn holds_ledger_while_open(self) -> bool {
        self == Front::App
    }
}

static FRONT: OnceLock<Front> = OnceLock::new();

/// Says which front this process is; call once, first thing. A process that
/// never calls it is the app.
pub fn set_front(front: Front) {
    let _ = FRONT.set(front);
}

/// This process's front ([`Front::App`] unless [`set_front`] said otherwise).
pub fn front() -> Front {
    FRONT.get().copied().unwrap_or(Front::App)
}

/// What the lock file records about the process holding it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    /// `app` or `cli`.
    pub front: String,
    /// When it took the lock (UTC, RFC 3339).
    pub since_utc: String,
}

impl Holder {
    /// "Ledgerkeep (the app, pid 1234)", for a sentence to the owner.
    pub fn describe(&self) -> String {
        let who = match self.front.as_str() {
            "app" => "the app",
            "cli" => "ledgerkeep-cli",
            other => other,
        };
        format!("Ledgerkeep ({who}, pid {})", self.pid)
    }
}

/// Who holds the lock of `ledger`, described for the owner.
fn describe_holder(lock_file: &Path) -> String {
    read_holder_file(lock_file)
        .map_or_else(|| "Another Ledgerkeep process".to_owned(), |h| h.describe())
}

fn read_holder_file(lock_file: &Path) -> Option<Holder> {
    let mut text = String::new();
    File::open(lock_file).ok()?.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

/// `<ledger>.lock`.
pub fn lock_path(ledger: &Path) -> PathBuf {
    let mut name = ledger.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

#[derive(Debug)]
struct Held {
    file: File,
    path: PathBuf,
}

impl Drop for Held {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first makes it
        // visible at once. The file stays: removing it would let a process
        // that opened it before the removal lock a file nobody else sees.
        let _ = self.file.unlock();
        tracing::debug!(lock = %self.path.display(), "ledger lock released");
    }
}

/// The locks this process holds, by lock file (absolute path).
static HELD: LazyLock<Mutex<HashMap<PathBuf, Weak<Held>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// A handle on the writer lock of one ledger; the lock is held until the
/// last handle of this process drops.
#[derive(Debug, Clone)]
pub struct LedgerLock {
    held: Arc<Held>,
}

impl LedgerLock {
    /// Takes the writer lock of `ledger` now, or refuses with
    /// [`StoreError::InUse`] naming the process that holds it.
    pub fn try_acquire(ledger: &Path) -> Result<LedgerLock, StoreError> {
        Self::try_acquire_file(&lock_path(ledger))
    }

    /// Takes the lock on `lock_file` itself (another file than the ledger's).
    pub fn try_acquire_file(lock_file: &Path) -> Result<LedgerLock, StoreError> {
        let key = std::path::absolute(lock_file).map_err(io_err(lock_file))?;
        let mut held = HELD.lock();
        held.retain(|_, w| w.strong_count() > 0);
        if let Some(h) = held.get(&key).and_then(Weak::upgrade) {
            return Ok(LedgerLock { held: h });
        }
        if let Some(dir) = key.parent() {
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&key)
            .map_err(io_err(&key))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::InUse {
                    by: describe_holder(&key),
                })
            }
            Err(TryLockError::Error(e)) => return Err(io_err(&key)(e)),
        }
        let me = Holder {
            pid: std::process::id(),
            front: front().name().to_owned(),
            since_utc: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        };
        // The record is informative: a failure to write it does not undo the lock.
        let record = serde_json::to_vec(&me).unwrap_or_default();
        let written = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(&record));
        if let Err(e) = written {
            tracing::warn!(lock = %key.display(), error = %e, "could not record the lock's holder");
        }
        tracing::debug!(lock = %key.display(), "ledger lock taken");
        let h = Arc::new(Held { file, path: key });
        held.insert(h.path.clone(), Arc::downgrade(&h));
        Ok(LedgerLock { held: h })
    }

    /// Takes the writer lock of `ledger`, waiting for another process to
    /// release it. `waiting` is told once, with the holder's description, if
    /// the lock is not free at once. Checks again every `poll`.
    pub async fn acquire_waiting(
        ledger: &Path,
        poll: Duration,
        waiting: impl FnOnce(&str),
    ) -> Result<LedgerLock, StoreError> {
        let mut waiting = Some(waiting);
        loop {
            match Self::try_acquire(ledger) {
                Err(StoreError::InUse { by }) => {
                    if let Some(tell) = waiting.take() {
                        tell(&by);
                    }
                    tokio::time::sleep(poll).await;
                }
                other => return other,
            }
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.held.path
    }

    /// Who holds the lock of `ledger` now, as its file records it (`None`
    /// when nobody does, or the record cannot be read).
    pub fn holder(ledger: &Path) -> Option<Holder> {
        let path = lock_path(ledger);
        let file = std::fs::OpenOptions::new().read(true).open(&path).ok()?;
        match file.try_lock_shared() {
            // Free: whatever the file says is a past holder's.
            Ok(()) => {
                let _ = file.unlock();
                None
            }
            Err(_) => read_holder_file(&path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_is_shared_within_a_process_and_released_with_its_last_handle() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("ledger.sqlite");
        let a = LedgerLock::try_acquire(&ledger).unwrap();
        let b = LedgerLock::try_acquire(&ledger).unwrap();
        assert!(Arc::ptr_eq(&a.held, &b.held));
        assert_eq!(a.path(), lock_path(&ledger));
        // The file records this process.
        let text = std::fs::read_to_string(lock_path(&ledger)).unwrap();
        let h: Holder = serde_json::from_str(&text).unwrap();
        assert_eq!(h.pid, std::process::id());
        assert_eq!(h.front, "app");
        drop(a);
        // Still held through b: another open file description cannot take it.
        let other = File::open(lock_path(&ledger)).unwrap();
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        drop(b);
        other.try_lock().unwrap();
        // Held by "another process" (another open file): refused, and named.
        let err = LedgerLock::try_acquire(&ledger).unwrap_err();
        match err {
            StoreError::InUse { by } => {
                assert_eq!(
                    by,
                    format!("Ledgerkeep (the app, pid {})", std::process::id())
                )
            }
            other => panic!("{other:?}"),
        }
        other.unlock().unwrap();
        LedgerLock::try_acquire(&ledger).unwrap();
    }

    #[test]
    fn holders_are_described_for_the_owner() {
        let h = |front: &str| Holder {
            pid: 1234,
            front: front.to_owned(),
            since_utc: "2026-01-01T00:00:00Z".to_owned(),
        };
        assert_eq!(h("app").describe(), "Ledgerkeep (the app, pid 1234)");
        assert_eq!(h("cli").describe(), "Ledgerkeep (ledgerkeep-cli, pid 1234)");
    }
}
