//! `ledgerkeep-cli simulator`, run as a developer would run it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// Kills the simulator when the test ends, whatever happens.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str]) -> (Running, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"))
        .arg("simulator")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the simulator printed nothing in 60 s");
    let info: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    (running, info)
}

#[tokio::test]
async fn the_simulator_subcommand_prints_its_base_url_and_client_id_and_serves() {
    let (_sim, info) = start(&[
        "--port",
        "0",
        "--seed",
        "7",
        "--size",
        "small",
        "--auto-consent",
    ]);
    let base = info["baseUrl"].as_str().unwrap();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let client_id = info["clientId"].as_str().unwrap();
    assert_eq!(client_id.len(), 32);
    assert_eq!(info["tenants"].as_array().unwrap().len(), 3);

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = format!(
        "{base}/identity/connect/authorize?response_type=code&client_id={client_id}&redirect_uri=http://localhost:1/cb&scope=offline_access&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
    );
    let r = http.get(url).send().await.unwrap();
    assert_eq!(r.status(), 302, "auto-consent redirects at once");
    let location = r.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("http://localhost:1/cb?code="),
        "{location}"
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_tenants_and_client() {
    let (_a, a) = start(&["--seed", "9"]);
    let (_b, b) = start(&["--seed", "9"]);
    assert_eq!(a["clientId"], b["clientId"]);
    assert_eq!(a["tenants"], b["tenants"]);
    assert_ne!(a["baseUrl"], b["baseUrl"]);
    // Without --auto-consent, the authorize page asks.
    let base = a["baseUrl"].as_str().unwrap();
    let client_id = a["clientId"].as_str().unwrap();
    let url = format!(
        "{base}/identity/connect/authorize?response_type=code&client_id={client_id}&redirect_uri=http://localhost:1/cb&scope=offline_access&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
    );
    let r = reqwest::get(url).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("<button"));
}

#[test]
fn a_bad_size_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"))
        .args(["simulator", "--size", "huge"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("huge"));
}
