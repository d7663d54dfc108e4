//! Where the app keeps its data, logs and backups, and which paths from the
//! UI it accepts.
//!
//! Every folder is owner-only on Unix (`0700`), and so are the ledger and its
//! `-wal` and `-shm` (`0600`): see `ledgerkeep_obs::private_files`, which also
//! notes why Windows needs nothing more.
//!
//! A path from the UI (a backup's or a support bundle's destination, a backup
//! to restore) comes from the shell's file dialog, or is in the app's own
//! folder for it. The API cannot tell a dialog's path from another, so it
//! refuses what a dialog would not give for that purpose: a relative path or
//! one with `..`, a destination that already exists (nothing is ever
//! overwritten), and any path into the data folder's own files (the ledger,
//! its `-wal` and `-shm`, logs, settings), outside the one folder of the data
//! folder meant for that file.

use std::path::{Component, Path, PathBuf};

use ledgerkeep_obs::private_files;

/// The environment variable that puts all of the app's files under one folder
/// (tests, the CLI, a portable install).
pub const DATA_DIR_ENV: &str = "LEDGERKEEP_DATA_DIR";

/// The folders the app writes to. Nothing is written outside them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPaths {
    pub data_dir: PathBuf,
    pub logs_dir: PathBuf,
    pub backups_dir: PathBuf,
    /// Local crash reports, kept until the owner sends or deletes them.
    pub crashes_dir: PathBuf,
    /// One metrics summary per day.
    pub metrics_dir: PathBuf,
    /// Support bundles the owner made.
    pub support_dir: PathBuf,
}

impl AppPaths {
    /// Everything under `root`: `root/`, `root/logs/`, `root/backups/`, …
    pub fn under(root: &Path) -> Self {
        AppPaths {
            data_dir: root.to_owned(),
            logs_dir: root.join("logs"),
            backups_dir: root.join("backups"),
            crashes_dir: root.join("logs").join("crashes"),
            metrics_dir: root.join("metrics"),
            support_dir: root.join("support"),
        }
    }

    /// `override_dir` when given (normally `$LEDGERKEEP_DATA_DIR`), else the
    /// OS's per-user local data folder for Ledgerkeep. `None` when the OS has
    /// no home folder to offer.
    pub fn resolve(override_dir: Option<PathBuf>) -> Option<Self> {
        if let Some(dir) = override_dir.filter(|d| !d.as_os_str().is_empty()) {
            return Some(Self::under(&dir));
        }
        directories::ProjectDirs::from("com", "Ledgerkeep", "Ledgerkeep")
            .map(|dirs| Self::under(dirs.data_local_dir()))
    }

    /// Reads [`DATA_DIR_ENV`] and resolves.
    pub fn from_env() -> Option<Self> {
        Self::resolve(std::env::var_os(DATA_DIR_ENV).map(PathBuf::from))
    }

    /// The ledger file.
    pub fn ledger_file(&self) -> PathBuf {
        self.data_dir.join("ledger.sqlite")
    }

    /// Where exports of reports and views are written (made on the first export).
    pub fn exports_dir(&self) -> PathBuf {
        self.data_dir.join("exports")
    }

    /// Creates every folder, owner-only (and tightens one an older version
    /// made wider), and makes the ledger's files owner-only if they exist.
    pub fn create_all(&self) -> std::io::Result<()> {
        for dir in [
            &self.data_dir,
            &self.logs_dir,
            &self.backups_dir,
            &self.crashes_dir,
            &self.metrics_dir,
            &self.support_dir,
        ] {
            private_files::owner_only_dir(dir)?;
        }
        self.restrict_ledger_files()
    }

    /// The ledger, its `-wal` and its `-shm`.
    pub fn ledger_files(&self) -> [PathBuf; 3] {
        let ledger = self.ledger_file();
        let beside = |suffix: &str| {
            let mut name = ledger.clone().into_os_string();
            name.push(suffix);
            PathBuf::from(name)
        };
        [beside("-wal"), beside("-shm"), ledger]
    }

    /// Makes the ledger and its `-wal` and `-shm` owner-only, those that
    /// exist. Called after the ledger is opened (SQLite creates the file with
    /// the umask's mode, and later makes `-wal` and `-shm` with the ledger's).
    pub fn restrict_ledger_files(&self) -> std::io::Result<()> {
        for file in self.ledger_files() {
            private_files::restrict_file(&file)?;
        }
        Ok(())
    }

    /// A new file the owner chose as the destination of a backup or a support
    /// bundle (a save dialog's path), or one in `own_dir`, the data folder's
    /// folder for that kind of file. Refused: a relative path or one with
    /// `..`, a path that exists, and a path elsewhere in the data folder.
    pub fn new_file_destination(
        &self,
        chosen: &str,
        own_dir: &Path,
    ) -> Result<PathBuf, PathRefused> {
        let path = plain_absolute(chosen)?;
        if std::fs::symlink_metadata(&path).is_ok() {
            return Err(PathRefused::Exists(path));
        }
        self.outside_own_files(path, own_dir)
    }

    /// A backup file to restore, chosen in a file dialog or listed from the
    /// backups folder. Refused: a relative path or one with `..`, and any
    /// other file of the data folder (the ledger itself, its `-wal`...).
    pub fn backup_source(&self, chosen: &str) -> Result<PathBuf, PathRefused> {
        let path = plain_absolute(chosen)?;
        self.outside_own_files(path, &self.backups_dir)
    }

    /// `path`, unless it lies in the data folder outside `own_dir` (both
    /// compared with symbolic links resolved, as far as they exist).
    fn outside_own_files(&self, path: PathBuf, own_dir: &Path) -> Result<PathBuf, PathRefused> {
        let real = resolved(&path);
        let in_data = real.starts_with(resolved(&self.data_dir));
        let in_own = real.starts_with(resolved(own_dir));
        let ledger_file = self.ledger_files().iter().any(|f| resolved(f) == real);
        if ledger_file || (in_data && !in_own) {
            return Err(PathRefused::OwnFile(path));
        }
        Ok(path)
    }
}

/// Why a path from the UI is refused. Each is a sentence for the owner.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathRefused {
    #[error(
        "\"{0}\" is not a full path: choose the file in the file dialog, or give its full path."
    )]
    NotAbsolute(String),
    #[error("{} already exists, and Ledgerkeep never overwrites a file: choose a new name.", .0.display())]
    Exists(PathBuf),
    #[error("{} is among Ledgerkeep's own files: choose a place outside its data folder.", .0.display())]
    OwnFile(PathBuf),
}

impl From<PathRefused> for crate::ApiError {
    fn from(e: PathRefused) -> Self {
        crate::ApiError::invalid(e.to_string())
    }
}

/// `chosen` as an absolute path without `.` or `..` components.
fn plain_absolute(chosen: &str) -> Result<PathBuf, PathRefused> {
    let trimmed = chosen.trim();
    let path = PathBuf::from(trimmed);
    let plain = path
        .components()
        .all(|c| !matches!(c, Component::ParentDir | Component::CurDir));
    if trimmed.is_empty() || !path.is_absolute() || !plain {
        return Err(PathRefused::NotAbsolute(trimmed.to_owned()));
    }
    Ok(path)
}

/// `path` with its longest existing ancestor's symbolic links resolved, and
/// the rest appended as written.
fn resolved(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut at = path;
    loop {
        if let Ok(real) = std::fs::canonicalize(at) {
            return rest.iter().rev().fold(real, |p, name| p.join(name));
        }
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                at = parent;
            }
            _ => return path.to_owned(),
        }
    }
}

/// Whether another Ledgerkeep app process holds this ledger open now: a
/// second launch then hands its arguments to that window instead of opening.
pub fn ledger_held_by_another_app(paths: &AppPaths) -> bool {
    ledgerkeep_store::lock::LedgerLock::holder(&paths.ledger_file())
        .is_some_and(|h| h.front == "app" && h.pid != std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_puts_everything_under_it() {
        let paths = AppPaths::resolve(Some(PathBuf::from("/x/lk"))).unwrap();
        assert_eq!(paths.data_dir, PathBuf::from("/x/lk"));
        assert_eq!(paths.logs_dir, PathBuf::from("/x/lk/logs"));
        assert_eq!(paths.backups_dir, PathBuf::from("/x/lk/backups"));
        assert_eq!(paths.ledger_file(), PathBuf::from("/x/lk/ledger.sqlite"));
    }

    #[test]
    fn an_empty_override_is_ignored() {
        let paths = AppPaths::resolve(Some(PathBuf::new()));
        if let Some(paths) = paths {
            assert!(!paths.data_dir.as_os_str().is_empty());
        }
    }

    fn made(dir: &Path) -> AppPaths {
        let paths = AppPaths::under(dir);
        paths.create_all().unwrap();
        paths
    }

    #[cfg(unix)]
    #[test]
    fn every_folder_and_the_ledgers_files_are_owner_only() {
        use ledgerkeep_obs::private_files::mode_of;
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let paths = AppPaths::under(&root.path().join("data"));
        paths.create_all().unwrap();
        for dir in [
            &paths.data_dir,
            &paths.logs_dir,
            &paths.backups_dir,
            &paths.crashes_dir,
            &paths.metrics_dir,
            &paths.support_dir,
        ] {
            assert_eq!(mode_of(dir).unwrap(), 0o700, "{}", dir.display());
        }
        // As SQLite leaves them under a 022 umask; and a folder an older version made.
        for f in paths.ledger_files() {
            std::fs::write(&f, "").unwrap();
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        std::fs::set_permissions(&paths.data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        paths.restrict_ledger_files().unwrap();
        for f in paths.ledger_files() {
            assert_eq!(mode_of(&f).unwrap(), 0o600, "{}", f.display());
        }
        paths.create_all().unwrap();
        assert_eq!(mode_of(&paths.data_dir).unwrap(), 0o700);
    }

    #[test]
    fn a_destination_is_a_new_file_outside_the_apps_own_files() {
        let root = tempfile::tempdir().unwrap();
        let paths = made(&root.path().join("data"));
        let elsewhere = tempfile::tempdir().unwrap();
        let s = |p: &Path| p.display().to_string();

        let fine = elsewhere.path().join("books.sqlite");
        assert_eq!(
            paths.new_file_destination(&s(&fine), &paths.backups_dir),
            Ok(fine.clone())
        );
        let own = paths.backups_dir.join("mine.sqlite");
        assert_eq!(
            paths.new_file_destination(&s(&own), &paths.backups_dir),
            Ok(own)
        );

        // Never overwritten.
        std::fs::write(&fine, "the owner's file").unwrap();
        assert_eq!(
            paths.new_file_destination(&s(&fine), &paths.backups_dir),
            Err(PathRefused::Exists(fine.clone()))
        );
        // Relative, or with `..`.
        for bad in ["backup.sqlite", "", "  "] {
            assert!(matches!(
                paths.new_file_destination(bad, &paths.backups_dir),
                Err(PathRefused::NotAbsolute(_))
            ));
        }
        let sneaky = paths.backups_dir.join("../ledger.sqlite");
        assert!(matches!(
            paths.new_file_destination(&s(&sneaky), &paths.backups_dir),
            Err(PathRefused::NotAbsolute(_))
        ));
        // The data folder's own files, and its other folders.
        for own in [
            paths.ledger_file(),
            paths.ledger_files()[0].clone(),
            paths.data_dir.join("settings.json"),
            paths.logs_dir.join("x.jsonl"),
            paths.support_dir.join("x.sqlite"),
        ] {
            assert_eq!(
                paths.new_file_destination(&s(&own), &paths.backups_dir),
                Err(PathRefused::OwnFile(own.clone())),
                "{}",
                own.display()
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_into_the_data_folder_is_seen_through() {
        let root = tempfile::tempdir().unwrap();
        let paths = made(&root.path().join("data"));
        let elsewhere = tempfile::tempdir().unwrap();
        let link = elsewhere.path().join("link");
        std::os::unix::fs::symlink(&paths.logs_dir, &link).unwrap();
        let through = link.join("new.zip");
        assert_eq!(
            paths.new_file_destination(&through.display().to_string(), &paths.support_dir),
            Err(PathRefused::OwnFile(through))
        );
    }

    #[test]
    fn a_backup_to_restore_is_not_the_ledger_itself() {
        let root = tempfile::tempdir().unwrap();
        let paths = made(&root.path().join("data"));
        let s = |p: &Path| p.display().to_string();
        let listed = paths
            .backups_dir
            .join("ledger-20260301T020000000Z-backup.sqlite");
        assert_eq!(paths.backup_source(&s(&listed)), Ok(listed));
        let elsewhere = tempfile::tempdir().unwrap();
        let picked = elsewhere.path().join("old.sqlite");
        assert_eq!(paths.backup_source(&s(&picked)), Ok(picked));
        for own in [paths.ledger_file(), paths.ledger_files()[1].clone()] {
            assert_eq!(
                paths.backup_source(&s(&own)),
                Err(PathRefused::OwnFile(own))
            );
        }
        assert!(matches!(
            paths.backup_source("ledger.sqlite"),
            Err(PathRefused::NotAbsolute(_))
        ));
    }
}
