//! The CLI binary, run as the owner would run it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

use std::process::Command;

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"))
}

#[test]
fn help_lists_the_commands() {
    let out = cli().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("ledgerkeep-cli"), "{text}");
    assert!(text.contains("info"), "{text}");
}

#[test]
fn info_reports_the_data_dir_it_was_given() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli()
        .env("LEDGERKEEP_DATA_DIR", dir.path())
        .args(["info", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["dataDir"], dir.path().display().to_string());
    assert!(dir.path().join("ledger.sqlite").exists());
}

#[test]
fn an_unusable_data_dir_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let out = cli()
        .arg("--data-dir")
        .arg(&file)
        .arg("info")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("Could not create the data folder"), "{err}");
}

/// The CLI must run on a machine with no window system: it links no GTK or WebKit.
#[cfg(target_os = "linux")]
#[test]
fn links_no_gtk_or_webkit() {
    let out = Command::new("ldd")
        .arg(env!("CARGO_BIN_EXE_ledgerkeep-cli"))
        .output()
        .expect("ldd is part of every Linux libc install");
    assert!(out.status.success());
    let libs = String::from_utf8(out.stdout).unwrap();
    assert!(libs.contains("libc.so"), "ldd printed no libraries: {libs}");
    for banned in ["gtk", "webkit", "gdk", "javascriptcore", "soup"] {
        assert!(
            !libs.to_lowercase().contains(banned),
            "links {banned}:\n{libs}"
        );
    }
}

/// `doctor` in a folder with a damaged ledger, no keyring and no Xero: each is
/// reported with its own message, and the exit code says something failed.
#[test]
fn doctor_reports_a_damaged_ledger_a_stopped_keyring_and_an_unreachable_api() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ledger.sqlite"),
        b"not a database at all, just some text",
    )
    .unwrap();
    let out = cli()
        .env("LEDGERKEEP_DATA_DIR", dir.path())
        .env("LEDGERKEEP_XERO_API_URL", "http://127.0.0.1:9")
        // No session bus: no Secret Service can answer.
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/ledgerkeep-test-bus",
        )
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let check = |name: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(check("database")["status"], "failed");
    assert!(check("database")["message"]
        .as_str()
        .unwrap()
        .contains("could not be read as a database"));
    assert_eq!(check("keyring")["status"], "failed");
    assert!(check("keyring")["message"]
        .as_str()
        .unwrap()
        .contains("No keyring answered"));
    assert_eq!(check("xero")["status"], "warning");
    assert!(check("xero")["message"]
        .as_str()
        .unwrap()
        .contains("could not be reached"));
    // The damaged file was looked at, not replaced.
    assert_eq!(
        std::fs::read(dir.path().join("ledger.sqlite")).unwrap(),
        b"not a database at all, just some text"
    );
}

/// Inside a desktop session with an unlocked keyring (`make test` runs the
/// ignored tests inside one), the keyring check passes.
#[test]
#[ignore = "needs a D-Bus session with an unlocked Secret Service: run by `make test`"]
fn doctor_finds_a_running_keyring() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli()
        .env("LEDGERKEEP_DATA_DIR", dir.path())
        .env("LEDGERKEEP_XERO_API_URL", "http://127.0.0.1:9")
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keyring = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "keyring")
        .cloned()
        .unwrap();
    assert_eq!(keyring["status"], "ok", "{keyring}");
}

#[test]
fn support_bundle_writes_a_zip_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("bundle.zip");
    let out = cli()
        .env("LEDGERKEEP_DATA_DIR", dir.path().join("data"))
        .arg("support-bundle")
        .arg("--to")
        .arg(&to)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        to.display().to_string()
    );
    let bytes = std::fs::read(&to).unwrap();
    assert_eq!(&bytes[..2], b"PK", "not a zip");
}

/// The CLI logs to its own daily JSON file in the logs folder.
#[test]
fn the_cli_writes_a_json_log() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli()
        .env("LEDGERKEEP_DATA_DIR", dir.path())
        .arg("info")
        .output()
        .unwrap();
    assert!(out.status.success());
    let logs: Vec<_> = std::fs::read_dir(dir.path().join("logs"))
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("ledgerkeep-cli.")
        })
        .collect();
    assert_eq!(logs.len(), 1);
    let text = std::fs::read_to_string(logs[0].path()).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert!(first["level"].is_string(), "{first}");
}

fn run_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    cli()
        .env("LEDGERKEEP_DATA_DIR", dir)
        .args(args)
        .output()
        .unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn backup_to_a_path_then_restore_it() {
    let dir = tempfile::tempdir().unwrap();
    // Outside the data folder: the data folder's own files are refused.
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("copy.sqlite");
    let out = run_in(
        dir.path(),
        &["--json", "backup", "--to", target.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(view["path"], target.display().to_string());
    assert!(target.exists());

    // Backing up onto an existing file is refused.
    let again = run_in(dir.path(), &["backup", "--to", target.to_str().unwrap()]);
    assert!(!again.status.success());

    // Into the backups folder by default.
    let out = run_in(dir.path(), &["backup"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_dir(dir.path().join("backups"))
            .unwrap()
            .count(),
        1
    );

    let out = run_in(dir.path(), &["restore", target.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(view["previousCopy"].is_string());
}

#[test]
fn restore_refuses_a_damaged_backup() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run_in(dir.path(), &["info"]).status.success());
    let ledger = dir.path().join("ledger.sqlite");
    let before = std::fs::read(&ledger).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let junk = elsewhere.path().join("junk.sqlite");
    std::fs::write(&junk, b"definitely not a backup").unwrap();
    let out = run_in(dir.path(), &["restore", junk.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("Corrupt") && err.contains("Nothing was restored"),
        "{err}"
    );
    assert_eq!(std::fs::read(&ledger).unwrap(), before);
}

#[tokio::test]
async fn audit_verify_names_the_first_broken_link() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["audit", "verify", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["intact"], true);

    // Forge a chain of two rows, the second edited afterwards.
    let ledger = dir.path().join("ledger.sqlite");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", ledger.display()))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000')",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let out = run_in(dir.path(), &["audit", "verify", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", ledger.display()))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO audit_log (seq, table_name, tenant_id, record_id, action, changes_json, actor, at, prev_hash, hash) \
         VALUES (1, 'contacts', 't', 'c', 'insert', '{}', 'cli:x', '2026-01-01T00:00:00.000Z', \
         '0000000000000000000000000000000000000000000000000000000000000000', 'not-the-hash')",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let out = run_in(dir.path(), &["audit", "verify", "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("broken at row 1") && err.contains("hash_mismatch"),
        "{err}"
    );
}

#[tokio::test]
async fn audit_verify_finds_an_attachment_altered_on_disk() {
    use ledgerkeep_store::attachments::{sha256_hex, AttachmentMeta};
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite");
    let pdf = ledgerkeep_sim::attachments::pdf(&["Bill 7".to_owned(), "Total: 12.50".to_owned()]);
    {
        let store = ledgerkeep_store::LedgerStore::open(&ledger).await.unwrap();
        let meta = AttachmentMeta {
            tenant_id: "t".to_owned(),
            attachment_id: "att-1".to_owned(),
            entity: ledgerkeep_domain::EntityKind::Invoice,
            record_id: "inv-7".to_owned(),
            file_name: "bill-7.pdf".to_owned(),
            mime_type: Some("application/pdf".to_owned()),
        };
        let actor = ledgerkeep_domain::Actor::sync("test");
        store
            .store_attachment(&meta, &pdf, &actor, chrono::Utc::now())
            .await
            .unwrap();
        store.close().await;
    }
    let out = run_in(dir.path(), &["audit", "verify", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["intact"], true);
    assert_eq!(report["filesChecked"], 1);

    // One byte of the kept file changed.
    let file = dir
        .path()
        .join("attachments")
        .join(&sha256_hex(&pdf)[..2])
        .join(sha256_hex(&pdf));
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[20] ^= 0x20;
    std::fs::write(&file, bytes).unwrap();
    let out = run_in(dir.path(), &["audit", "verify", "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["intact"], false);
    assert_eq!(report["fileProblems"][0]["attachmentId"], "att-1");
    assert_eq!(report["fileProblems"][0]["missing"], false);
    assert!(stderr(&out).contains("bill-7.pdf"), "{}", stderr(&out));
}
