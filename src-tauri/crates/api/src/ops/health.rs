//! `health_check`: is everything the app depends on working? The Diagnostics
//! screen and `ledgerkeep-cli doctor` show the same report.

use std::path::Path;
use std::time::{Duration, Instant};

use ledgerkeep_store::{Integrity, LedgerStore};
use ledgerkeep_xero::XeroEndpoints;
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext, AppPaths};

/// How long the keyring and Xero each get to answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
const DISK_FAILED_BELOW: u64 = 200 * 1024 * 1024;
const DISK_WARNING_BELOW: u64 = 1024 * 1024 * 1024;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct HealthRequest {
    /// The webview's version, which only the desktop shell knows.
    pub webview_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct HealthReport {
    pub checks: Vec<HealthCheck>,
    pub versions: Versions,
}

impl HealthReport {
    pub fn check(&self, name: CheckName) -> Option<&HealthCheck> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// True when no check failed (warnings allowed).
    pub fn healthy(&self) -> bool {
        self.checks.iter().all(|c| c.status != CheckStatus::Failed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CheckName {
    Database,
    Keyring,
    Xero,
    Disk,
    Memory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Ok,
    Warning,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheck {
    pub name: CheckName,
    pub status: CheckStatus,
    /// A sentence for the owner: what was found and, when not ok, what to do.
    pub message: String,
    pub latency_ms: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Versions {
    pub app: String,
    /// The schema of the ledger file, when it could be read.
    pub schema: Option<u32>,
    pub latest_schema: u32,
    pub webview: Option<String>,
    pub os: String,
}

/// The report for the running app.
#[tracing::instrument(name = "op", skip_all, fields(op = "health_check", request_id = %crate::request_id()))]
pub async fn health_check(ctx: &AppContext, req: HealthRequest) -> Result<HealthReport, ApiError> {
    let started = Instant::now();
    let database = match ctx.store().quick_check().await {
        Ok(integrity) => database_check(Ok(integrity), started),
        Err(err) => database_check(Err(err.to_string()), started),
    };
    let schema = ctx.store().schema_version().await.ok();
    Ok(run(database, schema, ctx.paths(), &ctx.config().endpoints, req).await)
}

/// The report for a ledger that may not open at all (`doctor`): the file is
/// checked read-only and never migrated.
#[tracing::instrument(name = "op", skip_all, fields(op = "health_check_offline", request_id = %crate::request_id()))]
pub async fn health_check_offline(
    paths: &AppPaths,
    endpoints: &XeroEndpoints,
    req: HealthRequest,
) -> HealthReport {
    let file = paths.ledger_file();
    let started = Instant::now();
    let (database, schema) = if !file.exists() {
        let check = HealthCheck {
            name: CheckName::Database,
            status: CheckStatus::Warning,
            message: format!("There is no ledger yet at {}.", file.display()),
            latency_ms: None,
        };
        (check, None)
    } else {
        let check = database_check(
            ledgerkeep_store::check_file(&file)
                .await
                .map_err(|e| e.to_string()),
            started,
        );
        let schema = read_schema(&file).await;
        (check, schema)
    };
    run(database, schema, paths, endpoints, req).await
}

async fn read_schema(file: &Path) -> Option<u32> {
    let store = LedgerStore::open_read_only(file).await.ok()?;
    let v = store.schema_version().await.ok();
    store.close().await;
    v.and_then(|v| u32::try_from(v).ok())
}

async fn run(
    database: HealthCheck,
    schema: Option<impl TryInto<u32>>,
    paths: &AppPaths,
    endpoints: &XeroEndpoints,
    req: HealthRequest,
) -> HealthReport {
    let (keyring, xero) = tokio::join!(keyring_check(), xero_check(endpoints));
    HealthReport {
        checks: vec![
            database,
            keyring,
            xero,
            disk_check(&paths.data_dir),
            memory_check(),
        ],
        versions: Versions {
            app: env!("CARGO_PKG_VERSION").to_owned(),
            schema: schema.and_then(|s| s.try_into().ok()),
            latest_schema: u32::try_from(ledgerkeep_store::latest_schema_version()).unwrap_or(0),
            webview: req.webview_version,
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        },
    }
}

fn ms_since(started: Instant) -> Option<u32> {
    u32::try_from(started.elapsed().as_millis()).ok()
}

fn database_check(result: Result<Integrity, String>, started: Instant) -> HealthCheck {
    let (status, message) = match result {
        Ok(Integrity::Ok) => (CheckStatus::Ok, "The ledger opens and passes SQLite's integrity check.".to_owned()),
        Ok(Integrity::Damaged(problems)) => (
            CheckStatus::Failed,
            format!(
                "The ledger file is damaged ({}). Restore the latest backup from Settings.",
                problems.into_iter().take(3).collect::<Vec<_>>().join("; ")
            ),
        ),
        Err(err) => (
            CheckStatus::Failed,
            format!("The ledger file could not be read as a database: {err}. Restore the latest backup from Settings."),
        ),
    };
    HealthCheck {
        name: CheckName::Database,
        status,
        message,
        latency_ms: ms_since(started),
    }
}

async fn keyring_check() -> HealthCheck {
    let started = Instant::now();
    let probe = tokio::task::spawn_blocking(|| {
        keyring::Entry::new("Ledgerkeep", "health-probe").and_then(|e| e.get_password())
    });
    let (status, message) = match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
        Ok(Ok(Ok(_) | Err(keyring::Error::NoEntry))) => {
            (CheckStatus::Ok, "The OS keyring answers.".to_owned())
        }
        Ok(Ok(Err(err))) => (
            CheckStatus::Failed,
            format!(
                "No keyring answered ({err}). Ledgerkeep keeps Xero sign-ins only in the OS keyring: \
                 on Linux start GNOME Keyring or KWallet and unlock it, then check again."
            ),
        ),
        Ok(Err(_)) => (CheckStatus::Failed, "The keyring check stopped unexpectedly.".to_owned()),
        Err(_) => (
            CheckStatus::Failed,
            "The keyring did not answer within 5 seconds: it may be locked and waiting for a password.".to_owned(),
        ),
    };
    HealthCheck {
        name: CheckName::Keyring,
        status,
        message,
        latency_ms: ms_since(started),
    }
}

async fn xero_check(endpoints: &XeroEndpoints) -> HealthCheck {
    let started = Instant::now();
    let url = endpoints.connections_url();
    let client = reqwest::Client::builder()
        .timeout(PROBE_TIMEOUT)
        .connect_timeout(PROBE_TIMEOUT)
        .build();
    let answer = match client {
        Ok(client) => client.get(&url).send().await.map(|r| r.status()),
        Err(err) => Err(err),
    };
    let (status, message) = match answer {
        // Without a token Xero answers 401: it is there.
        Ok(code) => (
            CheckStatus::Ok,
            format!("Xero answers at {} (HTTP {}).", endpoints.api_url, code.as_u16()),
        ),
        Err(err) => (
            CheckStatus::Warning,
            format!(
                "Xero could not be reached at {} ({}). Your books are all here; syncs resume when it can be reached.",
                endpoints.api_url,
                describe(&err)
            ),
        ),
    };
    HealthCheck {
        name: CheckName::Xero,
        status,
        message,
        latency_ms: ms_since(started),
    }
}

fn describe(err: &reqwest::Error) -> &'static str {
    if err.is_timeout() {
        "no answer in time"
    } else if err.is_connect() {
        "no connection"
    } else {
        "request failed"
    }
}

fn disk_check(dir: &Path) -> HealthCheck {
    let (status, message) = match fs4::available_space(dir) {
        Ok(free) => {
            let mb = free / (1024 * 1024);
            if free < DISK_FAILED_BELOW {
                (CheckStatus::Failed, format!("Only {mb} MB free where the ledger lives: free some space, or syncs and backups will fail."))
            } else if free < DISK_WARNING_BELOW {
                (
                    CheckStatus::Warning,
                    format!("{mb} MB free where the ledger lives: getting low."),
                )
            } else {
                (
                    CheckStatus::Ok,
                    format!("{mb} MB free where the ledger lives."),
                )
            }
        }
        Err(err) => (
            CheckStatus::Warning,
            format!("Free space could not be read: {err}."),
        ),
    };
    HealthCheck {
        name: CheckName::Disk,
        status,
        message,
        latency_ms: None,
    }
}

fn memory_check() -> HealthCheck {
    let (status, message) = match memory_stats::memory_stats() {
        Some(m) => (
            CheckStatus::Ok,
            format!(
                "This process uses {} MB of memory.",
                m.physical_mem / (1024 * 1024)
            ),
        ),
        None => (
            CheckStatus::Warning,
            "Memory use could not be read on this system.".to_owned(),
        ),
    };
    HealthCheck {
        name: CheckName::Memory,
        status,
        message,
        latency_ms: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::AppConfig;

    fn unreachable_endpoints() -> XeroEndpoints {
        // Port 9 (discard) on loopback: nothing listens.
        XeroEndpoints {
            api_url: "http://127.0.0.1:9".into(),
            ..XeroEndpoints::default()
        }
    }

    #[tokio::test]
    async fn a_healthy_ledger_and_an_unreachable_api() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = AppConfig::new(AppPaths::under(dir.path()));
        config.endpoints = unreachable_endpoints();
        let ctx = AppContext::open(config).await.unwrap();
        let report = health_check(
            &ctx,
            HealthRequest {
                webview_version: Some("2.44".into()),
            },
        )
        .await
        .unwrap();
        assert_eq!(
            report.check(CheckName::Database).unwrap().status,
            CheckStatus::Ok
        );
        let xero = report.check(CheckName::Xero).unwrap();
        assert_eq!(xero.status, CheckStatus::Warning);
        assert!(
            xero.message
                .contains("could not be reached at http://127.0.0.1:9"),
            "{}",
            xero.message
        );
        assert_eq!(report.versions.webview.as_deref(), Some("2.44"));
        assert_eq!(report.versions.schema, Some(report.versions.latest_schema));
        assert_eq!(report.checks.len(), 5);
    }

    #[tokio::test]
    async fn a_reachable_api_is_ok_whatever_it_answers() {
        // A real HTTP server on loopback that answers 401, as Xero does without a token.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(
                    b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
        });
        let endpoints = XeroEndpoints {
            api_url: format!("http://{addr}"),
            ..XeroEndpoints::default()
        };
        let check = xero_check(&endpoints).await;
        assert_eq!(check.status, CheckStatus::Ok, "{}", check.message);
        assert!(check.message.contains("HTTP 401"));
        assert!(check.latency_ms.is_some());
    }

    #[tokio::test]
    async fn a_damaged_ledger_file_is_reported_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        let paths = AppPaths::under(dir.path());
        paths.create_all().unwrap();
        std::fs::write(
            paths.ledger_file(),
            b"this is not a database, just text that was saved over it",
        )
        .unwrap();
        let report =
            health_check_offline(&paths, &unreachable_endpoints(), HealthRequest::default()).await;
        let db = report.check(CheckName::Database).unwrap();
        assert_eq!(db.status, CheckStatus::Failed);
        assert!(
            db.message.contains("could not be read as a database"),
            "{}",
            db.message
        );
        assert!(!report.healthy());
        assert_eq!(report.versions.schema, None);
    }
}
