//! The CLI binary, run as the owner would run it.

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
        .arg("info")
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
