//! `make_support_bundle`: one zip for the owner to send to support, with the
//! logs, metrics, crash reports, versions and configuration, and no secrets.
//!
//! Every text file passes through the same scrubbing as the logs on its way in,
//! so that a secret that somehow reached a file still does not leave the machine.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use ledgerkeep_obs::redact::scrub;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
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
    let now = ctx.config().clock.now();
    let stamp = now.unix_timestamp();
    let target = match req.to.filter(|t| !t.trim().is_empty()) {
        Some(to) => PathBuf::from(to),
        None => paths
            .support_dir
            .join(format!("ledgerkeep-support-{stamp}.zip")),
    };
    let versions = serde_json::json!({
        "app": env!("CARGO_PKG_VERSION"),
        "schema": ctx.store().schema_version().await.ok(),
        "latestSchema": ledgerkeep_store::latest_schema_version(),
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "madeAt": now.format(&Rfc3339).unwrap_or_default(),
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

fn write_bundle(
    target: &Path,
    paths: &crate::AppPaths,
    versions: &serde_json::Value,
    config: &serde_json::Value,
    metrics_today: &[u8],
) -> std::io::Result<Vec<String>> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = target.with_extension("zip.partial");
    let mut zip = ZipWriter::new(File::create(&tmp)?);
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
    std::fs::rename(&tmp, target)?;
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

        let out = dir.path().join("out/bundle.zip");
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
}
