//! Where the app keeps its data, logs and backups.

use std::path::{Path, PathBuf};

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

    /// Creates every folder.
    pub fn create_all(&self) -> std::io::Result<()> {
        for dir in [
            &self.data_dir,
            &self.logs_dir,
            &self.backups_dir,
            &self.crashes_dir,
            &self.metrics_dir,
            &self.support_dir,
        ] {
            std::fs::create_dir_all(dir)?;
        }
        Ok(())
    }
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
}
