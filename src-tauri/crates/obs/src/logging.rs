//! Daily-rolling JSON log files, scrubbed of secrets, pruned after N days.
//!
//! tracing-subscriber formats each event as one JSON line; tracing-appender's
//! non-blocking writer moves the I/O off the caller's thread; [`DailyLogFiles`]
//! writes each line, through [`scrub`](crate::redact::scrub), to
//! `<prefix>.<YYYY-MM-DD>.jsonl`. The rolling is ours rather than
//! tracing-appender's `RollingFileAppender` because that one reads the system
//! clock, and the rolling and pruning must be testable with a controllable clock.
//!
//! Levels: `RUST_LOG` when set, else the level from the settings.
//!
//! Each line carries its spans (the command's `op` with its request id, the
//! `xero_call` with its own and Xero's correlation id), and each span's end is
//! a line of its own with the time it took.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter};

use crate::clock::SharedClock;
use crate::redact::scrub;

/// How much to log, as the owner picks it in Settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

/// Where and how much to log.
#[derive(Debug, Clone)]
pub struct LogConfig {
    pub dir: PathBuf,
    /// The file name's start: `ledgerkeep` for the app, `ledgerkeep-cli` for the CLI.
    pub prefix: String,
    /// A tracing filter (`info`, `warn,ledgerkeep_sync=debug`), used when `RUST_LOG` is unset.
    pub level: String,
    /// Log files older than this many days are deleted (at least 1: today's).
    pub retention_days: u32,
}

impl LogConfig {
    pub fn new(dir: &Path, prefix: &str) -> Self {
        LogConfig {
            dir: dir.to_owned(),
            prefix: prefix.to_owned(),
            level: "info".to_owned(),
            retention_days: 14,
        }
    }
}

/// Keeps the background writer alive; dropping it flushes what is queued.
#[must_use = "logs stop being written when the guard is dropped"]
#[derive(Debug)]
pub struct LogGuard {
    _worker: tracing_appender::non_blocking::WorkerGuard,
    control: LogControl,
}

impl LogGuard {
    /// A handle that changes the level while the app runs.
    pub fn control(&self) -> LogControl {
        self.control.clone()
    }
}

type FilterHandle = reload::Handle<EnvFilter, tracing_subscriber::Registry>;

/// Changes the log level of the running process (from the settings).
/// `RUST_LOG`, when set, always wins.
#[derive(Clone)]
pub struct LogControl {
    handle: Option<FilterHandle>,
    env_wins: bool,
}

impl std::fmt::Debug for LogControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogControl")
            .field("active", &self.handle.is_some())
            .field("env_wins", &self.env_wins)
            .finish()
    }
}

impl LogControl {
    /// A control that changes nothing (no subscriber was installed).
    pub fn inert() -> Self {
        LogControl {
            handle: None,
            env_wins: false,
        }
    }

    /// Applies `level` unless `RUST_LOG` is set. Returns whether it was applied.
    pub fn set_level(&self, level: LogLevel) -> Result<bool, LogError> {
        let filter = EnvFilter::new(level.as_str());
        match (&self.handle, self.env_wins) {
            (Some(handle), false) => {
                handle.reload(filter).map_err(|_| LogError::AlreadySet)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("could not create the log folder {path}: {source}")]
    Folder { path: PathBuf, source: io::Error },
    #[error("logging was already set up in this process")]
    AlreadySet,
}

/// Installs the process-wide subscriber: JSON lines to the daily files.
pub fn init(config: &LogConfig, clock: SharedClock) -> Result<LogGuard, LogError> {
    log_folder(config)?;
    let files = DailyLogFiles::new(config, clock);
    let (writer, guard) = tracing_appender::non_blocking(files);
    let from_env = EnvFilter::try_from_default_env().ok();
    let env_wins = from_env.is_some();
    let filter = from_env.unwrap_or_else(|| EnvFilter::new(&config.level));
    let (filter, handle) = reload::Layer::new(filter);
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_current_span(true)
                // Every line names the spans it ran in: an event of a Xero call
                // shows the command's `op` span (and request id) too.
                .with_span_list(true)
                // And each span's end is a line with its duration, so every
                // command and every Xero call is in the log even when nothing
                // inside it logged.
                .with_span_events(FmtSpan::CLOSE)
                .with_writer(writer),
        )
        .try_init()
        .map_err(|_| LogError::AlreadySet)?;
    Ok(LogGuard {
        _worker: guard,
        control: LogControl {
            handle: Some(handle),
            env_wins,
        },
    })
}

/// Creates the log folder, owner-only: the logs say what the app did with
/// the books (see `private_files`).
fn log_folder(config: &LogConfig) -> Result<(), LogError> {
    crate::private_files::owner_only_dir(&config.dir).map_err(|source| LogError::Folder {
        path: config.dir.clone(),
        source,
    })
}

/// Writes log lines to one file per UTC day, and deletes the files past retention.
#[derive(Debug)]
pub struct DailyLogFiles {
    dir: PathBuf,
    prefix: String,
    retention_days: u32,
    clock: SharedClock,
    current: Option<(NaiveDate, File)>,
}

impl DailyLogFiles {
    pub fn new(config: &LogConfig, clock: SharedClock) -> Self {
        DailyLogFiles {
            dir: config.dir.clone(),
            prefix: config.prefix.clone(),
            retention_days: config.retention_days.max(1),
            clock,
            current: None,
        }
    }

    /// The file for `day`.
    pub fn path_for(&self, day: NaiveDate) -> PathBuf {
        self.dir
            .join(format!("{}.{}.jsonl", self.prefix, format_day(day)))
    }

    fn file_for_today(&mut self) -> io::Result<&mut File> {
        let today = self.clock.now().date_naive();
        if self.current.as_ref().map(|(day, _)| *day) != Some(today) {
            let file = crate::private_files::append_owner_only(&self.path_for(today))?;
            self.current = Some((today, file));
            self.prune(today);
        }
        match &mut self.current {
            Some((_, file)) => Ok(file),
            None => Err(io::Error::other("no log file is open")),
        }
    }

    /// Deletes this prefix's files dated more than `retention_days - 1` days before `today`.
    fn prune(&self, today: NaiveDate) {
        let oldest_kept = today - TimeDelta::days(i64::from(self.retention_days) - 1);
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(day) = name
                .to_str()
                .and_then(|n| n.strip_prefix(&format!("{}.", self.prefix)))
                .and_then(|rest| rest.strip_suffix(".jsonl"))
                .and_then(parse_day)
            else {
                continue;
            };
            if day < oldest_kept {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

impl Write for DailyLogFiles {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let clean = scrub(&text);
        self.file_for_today()?.write_all(clean.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.current {
            Some((_, file)) => file.flush(),
            None => Ok(()),
        }
    }
}

fn format_day(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    // Exactly `YYYY-MM-DD`: chrono alone would also take `2026-1-5`.
    if text.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use std::time::Duration;

    fn utc(text: &str) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn rolls_at_midnight_utc_and_prunes_past_retention() {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(utc("2026-11-01T23:59:30Z"));
        let mut config = LogConfig::new(dir.path(), "ledgerkeep");
        config.retention_days = 3;
        // A stranger's file in the same folder is never touched.
        fs::write(dir.path().join("notes.txt"), "keep me").unwrap();
        let mut files = DailyLogFiles::new(&config, clock.clone());

        writeln!(files, "{{\"n\":1}}").unwrap();
        clock.advance(Duration::from_secs(60)); // 2026-11-02 00:00:30
        writeln!(files, "{{\"n\":2}}").unwrap();
        writeln!(files, "{{\"n\":3}}").unwrap();
        assert_eq!(
            files_in(dir.path()),
            [
                "ledgerkeep.2026-11-01.jsonl",
                "ledgerkeep.2026-11-02.jsonl",
                "notes.txt"
            ]
        );
        let day2 = fs::read_to_string(dir.path().join("ledgerkeep.2026-11-02.jsonl")).unwrap();
        assert_eq!(day2, "{\"n\":2}\n{\"n\":3}\n");

        // Four days on, only the last three days' files may remain.
        for _ in 0..4 {
            clock.advance(Duration::from_secs(86_400));
            writeln!(files, "{{\"n\":0}}").unwrap();
        }
        assert_eq!(
            files_in(dir.path()),
            [
                "ledgerkeep.2026-11-04.jsonl",
                "ledgerkeep.2026-11-05.jsonl",
                "ledgerkeep.2026-11-06.jsonl",
                "notes.txt"
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_log_folder_and_files_are_owner_only() {
        use crate::private_files::mode_of;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("logs");
        let config = LogConfig::new(&dir, "lk");
        log_folder(&config).unwrap();
        assert_eq!(mode_of(&dir).unwrap(), 0o700);
        let clock = ManualClock::new(utc("2026-11-01T12:00:00Z"));
        let mut files = DailyLogFiles::new(&config, clock.clone());
        writeln!(files, "{{\"n\":1}}").unwrap();
        assert_eq!(mode_of(&dir.join("lk.2026-11-01.jsonl")).unwrap(), 0o600);
        clock.advance(Duration::from_secs(86_400));
        writeln!(files, "{{\"n\":2}}").unwrap();
        assert_eq!(mode_of(&dir.join("lk.2026-11-02.jsonl")).unwrap(), 0o600);
    }

    #[test]
    fn lines_are_scrubbed_before_they_reach_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(utc("2026-11-01T12:00:00Z"));
        let mut files = DailyLogFiles::new(&LogConfig::new(dir.path(), "lk"), clock);
        writeln!(files, r#"{{"url":"/cb?code=SECRETCODE1&state=S7"}}"#).unwrap();
        let text = fs::read_to_string(dir.path().join("lk.2026-11-01.jsonl")).unwrap();
        assert!(
            !text.contains("SECRETCODE1") && !text.contains("S7"),
            "{text}"
        );
    }

    #[test]
    fn a_level_change_applies_at_once_unless_rust_log_is_set() {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(utc("2026-11-01T12:00:00Z"));
        let config = LogConfig::new(dir.path(), "lk");
        let (writer, guard) = tracing_appender::non_blocking(DailyLogFiles::new(&config, clock));
        let (filter, handle) = reload::Layer::new(EnvFilter::new("warn"));
        let control = LogControl {
            handle: Some(handle),
            env_wins: false,
        };
        let subscriber = tracing_subscriber::registry()
            .with(filter)
            .with(tracing_subscriber::fmt::layer().json().with_writer(writer));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("hidden at warn");
            assert!(control.set_level(LogLevel::Info).unwrap());
            tracing::info!("shown at info");
        });
        drop(guard);
        let text = fs::read_to_string(dir.path().join("lk.2026-11-01.jsonl")).unwrap();
        assert!(!text.contains("hidden at warn"), "{text}");
        assert!(text.contains("shown at info"), "{text}");
        // With RUST_LOG set, the settings do not override it.
        let env = LogControl {
            env_wins: true,
            ..control
        };
        assert!(!env.set_level(LogLevel::Debug).unwrap());
    }

    #[test]
    fn the_subscriber_writes_json_lines_with_fields() {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(utc("2026-11-01T12:00:00Z"));
        let config = LogConfig::new(dir.path(), "lk");
        let (writer, guard) = tracing_appender::non_blocking(DailyLogFiles::new(&config, clock));
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::fmt::layer().json().with_writer(writer));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(tenant = "t-1", records = 42, "page applied");
        });
        drop(guard);
        let text = fs::read_to_string(dir.path().join("lk.2026-11-01.jsonl")).unwrap();
        let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(line["fields"]["message"], "page applied");
        assert_eq!(line["fields"]["records"], 42);
        assert_eq!(line["level"], "INFO");
    }
}
