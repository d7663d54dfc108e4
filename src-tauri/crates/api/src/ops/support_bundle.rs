//! `make_support_bundle`: one zip for the owner to send to support, with the
//! logs, metrics, crash reports, versions and configuration, and no secrets.
//!
//! Every text file passes through the same scrubbing as the logs on its way in,
//! so that a secret that somehow reached a file still does not leave the machine.
//!
//! The zip is owner-only (`0600` on Unix), and never replaces a file: a
//! destination from the UI must be a new file outside the data folder's own
//! files (see `AppPaths::new_file_destination`).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use ledgerkeep_obs::private_files;
use ledgerkeep_obs::redact::scrub;
use serde::{Deserialize, Serialize};
use zip::write::SimpleFileOptions;
use zip::ZipWriter;

use crate::{ApiError, AppContext, ErrorCode};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SupportBundleRequest {
    /// Where to write the zip; default: a new file in the app's support folder.
    pub to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SupportBundle {
    pub path: String,
    /// The files inside, by their names in the zip.
    pub files: Vec<String>,
}

#[tracing::instrument(name = "op", skip_all, fields(op = "make_support_bundle", request_id = %crate::request_id()))]
pub async fn make_support_bundle(
    ctx: &AppContext,
    req: SupportBundleRequest,
) -> Result<SupportBundle, ApiError> {
    let paths = ctx.paths().clone();
    let now = ctx.config().now();
    let stamp = now.timestamp();
    let target = match req.to.filter(|t| !t.trim().is_empty()) {
        Some(to) => paths.new_file_destination(&to, &paths.support_dir)?,
        None => free_name(&paths.support_dir, stamp),
    };
    let versions = serde_json::json!({
        "app": env!("CARGO_PKG_VERSION"),
        "schema": ctx.store().schema_version().await.ok(),
        "latestSchema": ledgerkeep_store::latest_schema_version(),
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "madeAt": ledgerkeep_obs::clock::rfc3339(now),
    });
    let settings = read_settings(ctx).await?;
    let endpoints = &ctx.config().endpoints;
    let config = serde_json::json!({
        "settings": settings,
        "xero": {
            "loginUrl": endpoints.login_url,
            "identityUrl": endpoints.identity_url,
            "apiUrl": endpoints.api_url,
            "clientIdConfigured": endpoints.client_id.is_some(),
            "oauthPort": endpoints.oauth_port,
        },
    });
    let metrics_today = serde_json::to_vec_pretty(&ctx.metrics().snapshot())
        .map_err(|e| ApiError::internal(format!("could not write the metrics: {e}")))?;

    let written = tokio::task::spawn_blocking(move || {
        write_bundle(&target, &paths, &versions, &config, &metrics_today)
            .map(|files| (target, files))
    })
    .await
    .map_err(|e| ApiError::internal(format!("the bundle could not be made: {e}")))?;
    let (target, files) = written.map_err(|e| {
        ApiError::new(
            ErrorCode::Storage,
            format!("The support bundle could not be written: {e}"),
        )
    })?;
    tracing::info!(files = files.len(), "support bundle made");
    Ok(SupportBundle {
        path: target.display().to_string(),
        files,
    })
}

/// The app's own settings, minus anything whose name suggests a secret.
async fn read_settings(
    ctx: &AppContext,
) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    let rows = ctx.store().settings().await?;
    Ok(rows
        .into_iter()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !["token", "secret", "password", "verifier", "code"]
                .iter()
                .any(|s| k.contains(s))
        })
        .map(|(k, v)| (k, serde_json::Value::String(scrub(&v).into_owned())))
        .collect())
}

/// `ledgerkeep-support-<stamp>.zip` in `dir`, or `…-<stamp>-2.zip`... if taken.
fn free_name(dir: &Path, stamp: i64) -> PathBuf {
    let mut n = 1u32;
    loop {
        let name = if n == 1 {
            format!("ledgerkeep-support-{stamp}.zip")
        } else {
            format!("ledgerkeep-support-{stamp}-{n}.zip")
        };
        let p = dir.join(name);
        if std::fs::symlink_metadata(&p).is_err() {
            return p;
        }
        n += 1;
    }
}

fn write_bundle(
    target: &Path,
    paths: &crate::AppPaths,
    versions: &serde_json::Value,
    config: &serde_json::Value,
    metrics_today: &[u8],
) -> std::io::Result<Vec<String>> {
    if let Some(parent) = target.parent() {
        if parent == paths.support_dir {
            private_files::owner_only_dir(parent)?;
        }
    }
    // The name is taken first (never replacing a file, even one made since it
    // was checked); the zip is written beside it and then put in its place, so
    // that a half-written bundle never has the real name.
    private_files::create_new_owner_only(target)?;
    let tmp = target.with_extension("zip.partial");
    let written = zip_into(&tmp, paths, versions, config, metrics_today)
        .and_then(|names| std::fs::rename(&tmp, target).map(|()| names));
    let names = match written {
        Ok(names) => names,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            let _ = std::fs::remove_file(target);
            return Err(e);
        }
    };
    // The crash reports have been offered: move them aside so the offer is not repeated.
    let sent = paths.crashes_dir.join("sent");
    for file in files_with_ext(&paths.crashes_dir, "json") {
        std::fs::create_dir_all(&sent)?;
        if let Some(name) = file.file_name() {
            std::fs::rename(&file, sent.join(name))?;
        }
    }
    Ok(names)
}

/// The zip, written to `tmp` (a new owner-only file).
fn zip_into(
    tmp: &Path,
    paths: &crate::AppPaths,
    versions: &serde_json::Value,
    config: &serde_json::Value,
    metrics_today: &[u8],
) -> std::io::Result<Vec<String>> {
    let _ = std::fs::remove_file(tmp);
    let mut zip = ZipWriter::new(private_files::create_new_owner_only(tmp)?);
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut names = Vec::new();
    let mut add = |zip: &mut ZipWriter<File>, name: String, text: &str| -> std::io::Result<()> {
        zip.start_file(name.as_str(), opts)
            .map_err(std::io::Error::other)?;
        zip.write_all(scrub(text).as_bytes())?;
        names.push(name);
        Ok(())
    };
    add(&mut zip, "versions.json".into(), &pretty(versions))?;
    add(&mut zip, "config.json".into(), &pretty(config))?;
    add(
        &mut zip,
        "metrics/today.json".into(),
        &String::from_utf8_lossy(metrics_today),
    )?;
    for (dir, prefix, ext) in [
        (&paths.logs_dir, "logs", "jsonl"),
        (&paths.metrics_dir, "metrics", "json"),
        (&paths.crashes_dir, "crashes", "json"),
    ] {
        for file in files_with_ext(dir, ext) {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("unnamed");
            add(&mut zip, format!("{prefix}/{name}"), &text)?;
        }
    }
    zip.finish().map_err(std::io::Error::other)?;
    Ok(names)
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == ext))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::AppConfig;
    use crate::AppPaths;
    use std::io::Read;

    #[tokio::test]
    async fn the_bundle_holds_logs_metrics_and_crashes_without_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = AppContext::open(AppConfig::new(AppPaths::under(dir.path())))
            .await
            .unwrap();
        let p = ctx.paths();
        std::fs::write(
            p.logs_dir.join("ledgerkeep.2026-11-01.jsonl"),
            "{\"message\":\"token exchange\",\"body\":\"grant_type=authorization_code&code=SEKRIT-CODE-1&code_verifier=SEKRIT-VERIFIER-2\"}\n",
        )
        .unwrap();
        std::fs::write(
            p.crashes_dir.join("crash-1-2.json"),
            "{\"message\":\"panicked near Bearer SEKRIT-BEARER-3\"}",
        )
        .unwrap();
        ctx.metrics()
            .record_xero_call("Invoices", 200, std::time::Duration::from_millis(5));

        let elsewhere = tempfile::tempdir().unwrap();
        let out = elsewhere.path().join("bundle.zip");
        let bundle = make_support_bundle(
            &ctx,
            SupportBundleRequest {
                to: Some(out.display().to_string()),
            },
        )
        .await
        .unwrap();
        assert_eq!(bundle.path, out.display().to_string());
        for expected in [
            "versions.json",
            "config.json",
            "metrics/today.json",
            "logs/ledgerkeep.2026-11-01.jsonl",
            "crashes/crash-1-2.json",
        ] {
            assert!(
                bundle.files.iter().any(|f| f == expected),
                "{expected} missing from {:?}",
                bundle.files
            );
        }

        let mut archive = zip::ZipArchive::new(File::open(&out).unwrap()).unwrap();
        let mut all = String::new();
        for i in 0..archive.len() {
            archive
                .by_index(i)
                .unwrap()
                .read_to_string(&mut all)
                .unwrap();
        }
        for secret in ["SEKRIT-CODE-1", "SEKRIT-VERIFIER-2", "SEKRIT-BEARER-3"] {
            assert!(!all.contains(secret), "{secret} is in the bundle");
        }
        assert!(
            all.contains("\"xeroCalls\": 1"),
            "today's metrics are in it"
        );
        // The crash report was offered once and moved aside.
        assert!(!p.crashes_dir.join("crash-1-2.json").exists());
        assert!(p.crashes_dir.join("sent/crash-1-2.json").exists());
    }

    async fn opened() -> (tempfile::TempDir, AppContext) {
        let dir = tempfile::tempdir().unwrap();
        let ctx = AppContext::open(AppConfig::new(AppPaths::under(dir.path())))
            .await
            .unwrap();
        (dir, ctx)
    }

    fn to(p: &Path) -> SupportBundleRequest {
        SupportBundleRequest {
            to: Some(p.display().to_string()),
        }
    }

    #[tokio::test]
    async fn an_existing_file_is_never_overwritten() {
        let (_dir, ctx) = opened().await;
        let elsewhere = tempfile::tempdir().unwrap();
        let taken = elsewhere.path().join("report.pdf");
        std::fs::write(&taken, "the owner's own file").unwrap();
        let err = make_support_bundle(&ctx, to(&taken)).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::Invalid);
        assert!(err.message.contains("never overwrites"), "{}", err.message);
        assert_eq!(
            std::fs::read_to_string(&taken).unwrap(),
            "the owner's own file"
        );
    }

    #[tokio::test]
    async fn relative_paths_and_the_data_folders_own_files_are_refused() {
        let (dir, ctx) = opened().await;
        for bad in [
            "bundle.zip".to_owned(),
            dir.path()
                .join("support/../ledger.zip")
                .display()
                .to_string(),
            dir.path().join("logs/bundle.zip").display().to_string(),
            dir.path().join("bundle.zip").display().to_string(),
            ctx.paths().ledger_file().display().to_string(),
        ] {
            let err = make_support_bundle(
                &ctx,
                SupportBundleRequest {
                    to: Some(bad.clone()),
                },
            )
            .await
            .unwrap_err();
            assert_eq!(err.code, ErrorCode::Invalid, "{bad}");
        }
        assert!(!dir.path().join("logs/bundle.zip").exists());
        assert!(!dir.path().join("bundle.zip").exists());
        // The ledger is untouched and still opens.
        ctx.store().schema_version().await.unwrap();
        // Its own folder is fine.
        let own = ctx.paths().support_dir.join("mine.zip");
        make_support_bundle(&ctx, to(&own)).await.unwrap();
        assert!(own.is_file());
    }

    #[tokio::test]
    async fn two_bundles_in_the_same_second_are_two_files() {
        let (_dir, ctx) = opened().await;
        let a = make_support_bundle(&ctx, SupportBundleRequest::default())
            .await
            .unwrap();
        let b = make_support_bundle(&ctx, SupportBundleRequest::default())
            .await
            .unwrap();
        assert_ne!(a.path, b.path);
        assert!(Path::new(&a.path).is_file() && Path::new(&b.path).is_file());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_bundle_is_owner_only() {
        use ledgerkeep_obs::private_files::mode_of;
        let (_dir, ctx) = opened().await;
        let made = make_support_bundle(&ctx, SupportBundleRequest::default())
            .await
            .unwrap();
        assert_eq!(mode_of(Path::new(&made.path)).unwrap(), 0o600);
        assert_eq!(mode_of(&ctx.paths().support_dir).unwrap(), 0o700);
        let elsewhere = tempfile::tempdir().unwrap();
        let chosen = elsewhere.path().join("for-support.zip");
        make_support_bundle(&ctx, to(&chosen)).await.unwrap();
        assert_eq!(mode_of(&chosen).unwrap(), 0o600);
    }
}
