//! `ledgerkeep-cli connect` and `disconnect` against the simulator, with the
//! real keyring: the binary prints the address, we play the browser.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use ledgerkeep_sim::RunningSimulator;

const SERVICE_PREFIX: &str = "Ledgerkeep-test-cli-";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn ensure_default_collection() {
    // The test session's throwaway keyring has no `default` collection.
    let _ = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.SetAlias",
            "string:default",
            "objpath:/org/freedesktop/secrets/collection/session",
        ])
        .output();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a D-Bus session with an unlocked Secret Service: run by `make test`"]
async fn connect_prints_the_address_waits_for_the_callback_and_disconnect_forgets() {
    ensure_default_collection();
    let sim = RunningSimulator::builder()
        .seed(5)
        .auto_consent(true)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut tag = [0u8; 6];
    getrandom::fill(&mut tag).unwrap();
    let service = format!(
        "{SERVICE_PREFIX}{}",
        tag.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let cli = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"));
        c.args(args)
            .env("LEDGERKEEP_DATA_DIR", dir.path())
            .env("LEDGERKEEP_KEYRING_SERVICE", &service)
            .env("LEDGERKEEP_XERO_LOGIN_URL", sim.base_url())
            .env("LEDGERKEEP_XERO_IDENTITY_URL", sim.base_url())
            .env("LEDGERKEEP_XERO_API_URL", sim.base_url())
            .env("LEDGERKEEP_XERO_CLIENT_ID", sim.client_id())
            .env("LEDGERKEEP_OAUTH_PORT", port.to_string());
        c
    };

    let mut child = cli(&["connect", "--no-browser"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    while !url.starts_with("http") {
        url.clear();
        assert!(
            stdout.read_line(&mut url).unwrap() > 0,
            "no address printed"
        );
    }
    let url = url.trim().to_owned();
    // The browser: the simulator consents and sends us to the CLI's loopback callback.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let location = http.get(&url).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        location.starts_with(&format!("http://localhost:{port}/callback?")),
        "{location}"
    );
    let page = http
        .get(location.replace("localhost", "127.0.0.1"))
        .header("host", format!("localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let status = child.wait().unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{err}");
    for t in sim.tenants() {
        assert!(
            rest.contains(&format!("kept: {} ({})", t.name, t.tenant_id)),
            "{rest}"
        );
    }

    // The tokens are in the keyring, and nowhere in what the CLI printed or wrote.
    let index = keyring::Entry::new(&service, "connections")
        .unwrap()
        .get_password()
        .unwrap();
    let ids: Vec<String> = serde_json::from_str(&index).unwrap();
    let entry = keyring::Entry::new(&service, &format!("connection:{}", ids[0]))
        .unwrap()
        .get_password()
        .unwrap();
    let entry: serde_json::Value = serde_json::from_str(&entry).unwrap();
    let refresh = entry["refresh_token"].as_str().unwrap().to_owned();
    let access = entry["access_token"].as_str().unwrap().to_owned();
    for secret in [&refresh, &access] {
        assert!(
            !rest.contains(secret.as_str())
                && !err.contains(secret.as_str())
                && !url.contains(secret.as_str())
        );
        for f in walk(dir.path()) {
            let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
            assert!(
                !text.contains(secret.as_str()),
                "{} holds a token",
                f.display()
            );
        }
    }

    // A sync in words: each organisation by name, and its streams' counts;
    // then one as JSON for scripts.
    let out = cli(&["sync"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "{text:?}");
    for t in sim.tenants() {
        let heading = format!("{} ({}) synced:", t.name, t.tenant_id);
        let at = text
            .find(&heading)
            .unwrap_or_else(|| panic!("{heading} missing: {text}"));
        let out = cli(&[
            "export",
            "Invoices",
            "--format",
            "json",
            "--tenant",
            &t.tenant_id,
        ])
        .output()
        .unwrap();
        let kept: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        let row = text[at..]
            .lines()
            .find(|l| l.starts_with("Invoices "))
            .unwrap();
        // Stream, status, calls, seen: every invoice kept was seen once.
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells[3], kept.len().to_string(), "{row}");
    }
    let out = cli(&["sync", "--json"]).output().unwrap();
    assert!(out.status.success());
    let reports: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), sim.tenants().len());
    assert!(reports.iter().all(|r| r["ok"] == true), "{reports:?}");

    let out = cli(&["disconnect"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("kept, read-only"), "{text}");
    assert!(matches!(
        keyring::Entry::new(&service, "connections")
            .unwrap()
            .get_password(),
        Err(keyring::Error::NoEntry)
    ));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn with_no_usable_keyring_disconnect_says_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"))
        .arg("disconnect")
        .env("LEDGERKEEP_DATA_DIR", dir.path())
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}/no-bus", dir.path().display()),
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("KeyringUnavailable"), "{err}");
    assert!(err.contains("unlock it"), "{err}");
}
