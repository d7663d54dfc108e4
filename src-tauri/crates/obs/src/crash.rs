//! Local crash reports. A panic hook writes one JSON file per panic into the
//! crash folder, through the same scrubbing as the logs; nothing leaves the
//! machine unless the owner puts it into a support bundle.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::clock::{rfc3339, SharedClock};
use crate::redact::scrub;

/// One crash, as written to disk and shown to the owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CrashReport {
    /// The report's file name in the crash folder.
    pub file: String,
    /// When it happened (RFC 3339, UTC).
    pub time: String,
    pub app_version: String,
    pub thread: String,
    pub message: String,
    pub location: String,
    pub backtrace: String,
}

/// Writes a crash report for every panic, then runs the previous hook.
pub fn install_panic_hook(dir: PathBuf, app_version: &'static str, clock: SharedClock) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with no message".to_owned());
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let backtrace = std::backtrace::Backtrace::force_capture().to_string();
        let thread = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_owned();
        match write_report(
            &dir,
            app_version,
            &clock,
            &thread,
            &message,
            &location,
            &backtrace,
        ) {
            Ok(path) => tracing::error!(report = %path.display(), location, "the app crashed"),
            Err(err) => {
                tracing::error!(%err, "the app crashed, and the crash report could not be written")
            }
        }
        previous(info);
    }));
}

fn write_report(
    dir: &Path,
    app_version: &str,
    clock: &SharedClock,
    thread: &str,
    message: &str,
    location: &str,
    backtrace: &str,
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let now = clock.now();
    let file = format!(
        "crash-{}-{}.json",
        now.timestamp_millis(),
        std::process::id()
    );
    let report = CrashReport {
        file: file.clone(),
        time: rfc3339(now),
        app_version: app_version.to_owned(),
        thread: thread.to_owned(),
        message: scrub(message).into_owned(),
        location: location.to_owned(),
        backtrace: scrub(backtrace).into_owned(),
    };
    let path = dir.join(file);
    let json = serde_json::to_vec_pretty(&report).map_err(std::io::Error::other)?;
    std::fs::write(&path, json)?;
    Ok(path)
}

/// The crash reports in `dir`, newest first. Unreadable files are skipped.
pub fn crash_reports(dir: &Path) -> Vec<CrashReport> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<CrashReport> = entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with("crash-") && n.ends_with(".json"))
        })
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter_map(|b| serde_json::from_slice(&b).ok())
        .collect();
    out.sort_by(|a, b| b.time.cmp(&a.time));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn utc(text: &str) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn a_report_is_scrubbed_and_readable() {
        let dir = tempfile::tempdir().unwrap();
        let clock: SharedClock = ManualClock::new(utc("2026-11-03T10:00:00Z"));
        write_report(
            dir.path(),
            "1.2.3",
            &clock,
            "sync-worker",
            "request failed: https://x/cb?code=TOPSECRET9&state=ST4TE",
            "src/a.rs:10",
            "0: frame with Bearer abcdef123",
        )
        .unwrap();
        let reports = crash_reports(dir.path());
        assert_eq!(reports.len(), 1);
        let r = &reports[0];
        assert_eq!(r.app_version, "1.2.3");
        assert_eq!(r.time, "2026-11-03T10:00:00Z");
        assert_eq!(r.thread, "sync-worker");
        let raw = std::fs::read_to_string(dir.path().join(&r.file)).unwrap();
        for secret in ["TOPSECRET9", "ST4TE", "abcdef123"] {
            assert!(!raw.contains(secret), "{secret} leaked: {raw}");
        }
    }

    #[test]
    fn the_hook_writes_a_report_for_a_real_panic() {
        let dir = tempfile::tempdir().unwrap();
        let clock: SharedClock = ManualClock::new(utc("2026-11-03T10:00:00Z"));
        install_panic_hook(dir.path().to_owned(), "9.9.9", clock);
        let joined = std::thread::Builder::new()
            .name("doomed".into())
            .spawn(|| panic!("boom with refresh_token=rt-SECRET-42"))
            .unwrap()
            .join();
        let _ = std::panic::take_hook(); // put the default hook back for other tests
        assert!(joined.is_err());
        let reports = crash_reports(dir.path());
        assert_eq!(reports.len(), 1, "{reports:?}");
        assert_eq!(reports[0].thread, "doomed");
        assert!(reports[0].message.starts_with("boom"));
        assert!(!reports[0].message.contains("rt-SECRET-42"));
        assert!(reports[0].location.contains("crash.rs"));
    }
}
