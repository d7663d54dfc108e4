//! `status` and `export` on a ledger, run as the owner would (no keyring needed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn cli(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"));
    c.arg("--data-dir").arg(dir);
    c
}

#[test]
fn status_and_export_of_an_empty_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(dir.path()).args(["status", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["tenants"], serde_json::json!([]));

    let out = cli(dir.path())
        .args(["export", "Invoices", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    // Text cells are quoted (exports neutralise formulas): the one header cell.
    assert_eq!(
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .trim_matches('"'),
        "TenantID"
    );

    let out = cli(dir.path())
        .args(["export", "invoices", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "[]");
    // --json is --format json; neither is a command-line mistake (exit 2).
    let out = cli(dir.path())
        .args(["export", "invoices", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "[]");
    let out = cli(dir.path())
        .args(["export", "invoices"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn export_refuses_an_unknown_entity_or_format() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(dir.path())
        .args(["export", "Widgets", "--format", "csv"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("Unknown entity") && err.contains("BankTransactions"),
        "{err}"
    );
    let out = cli(dir.path())
        .args(["export", "Invoices", "--format", "xml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
