//! Crash safety of a real process: `ledgerkeep-cli sync` is killed with
//! SIGKILL at random points, then run again to the end. After each resume the
//! ledger equals the simulator's truth, record for record, and the audit chain
//! verifies. The CLI keeps its Xero sign-in in the OS keyring, so this runs
//! inside a desktop session:
//!
//! ```text
//! scripts/with-desktop-session.sh cargo nextest run -p ledgerkeep-cli --run-ignored all
//! LEDGERKEEP_CRASH_KILLS=30 scripts/with-desktop-session.sh cargo nextest run -p ledgerkeep-cli --run-ignored all crash
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use ledgerkeep_sim::{Collection, Limits, RunningSimulator, Size};
use ledgerkeep_store::LedgerStore;
use ledgerkeep_xero::{
    KeyringTokenStore, RedirectTarget, Timekeeping, Xero, XeroEndpoints, XeroOptions,
};
use rand::Rng;
use serde_json::Value;

const BOUNCE_URL: &str = "https://bounce.example/ledgerkeep";
const NEEDS_SESSION: &str =
    "needs a D-Bus session with an unlocked Secret Service: run by `make test`";

fn ensure_default_collection() {
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

async fn sign_in(sim: &RunningSimulator, service: &str) {
    ensure_default_collection();
    let endpoints = XeroEndpoints {
        login_url: sim.base_url().to_owned(),
        identity_url: sim.base_url().to_owned(),
        api_url: sim.base_url().to_owned(),
        client_id: Some(sim.client_id().to_owned()),
        oauth_port: 0,
    };
    let xero = Xero::new(
        endpoints,
        Arc::new(KeyringTokenStore::new(service)),
        Timekeeping::real(),
        None,
        XeroOptions::default(),
    )
    .unwrap();
    let req = xero
        .start_sign_in(&RedirectTarget::Https(BOUNCE_URL.into()))
        .unwrap();
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&req.url)
        .send()
        .await
        .unwrap();
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    xero.complete_sign_in(location.split_once('?').unwrap().1)
        .await
        .unwrap();
}

fn sync_cmd(sim: &RunningSimulator, service: &str, data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"));
    c.arg("--data-dir")
        .arg(data)
        .arg("sync")
        .env("LEDGERKEEP_XERO_LOGIN_URL", sim.base_url())
        .env("LEDGERKEEP_XERO_IDENTITY_URL", sim.base_url())
        .env("LEDGERKEEP_XERO_API_URL", sim.base_url())
        .env("LEDGERKEEP_XERO_CLIENT_ID", sim.client_id())
        .env("LEDGERKEEP_KEYRING_SERVICE", service)
        .env("LEDGERKEEP_XERO_MINUTE_LIMIT", "100000")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// Every synced stream with the simulator's collection behind it.
fn streams() -> Vec<(Collection, ledgerkeep_domain::EntityKind)> {
    ledgerkeep_sync::STREAMS
        .iter()
        .map(|s| (Collection::from_path(s.path).unwrap(), s.kind))
        .collect()
}

async fn assert_equals_truth(sim: &RunningSimulator, ledger: &Path, round: usize) {
    let store = LedgerStore::open(ledger).await.unwrap();
    for t in sim.tenants() {
        for (c, k) in streams() {
            let want: BTreeMap<String, Value> = sim
                .truth()
                .records(&t.tenant_id, c)
                .into_iter()
                .map(|mut v| {
                    v.as_object_mut().unwrap().remove("APIKey");
                    let id = v[c.id_field()].as_str().unwrap().to_ascii_lowercase();
                    (id, v)
                })
                .collect();
            let got: BTreeMap<String, Value> = store
                .raw_records(Some(&t.tenant_id), k)
                .await
                .unwrap()
                .into_iter()
                .map(|(_, raw)| {
                    let v: Value = serde_json::from_str(&raw).unwrap();
                    let id = v[c.id_field()].as_str().unwrap().to_ascii_lowercase();
                    (id, v)
                })
                .collect();
            assert_eq!(got.len(), want.len(), "round {round}: {c} of {}", t.name);
            assert!(
                got == want,
                "round {round}: {c} of {} differs from the truth",
                t.name
            );
        }
    }
    let v = store.verify_audit().await.unwrap();
    assert!(v.is_intact(), "round {round}: {v:?}");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a D-Bus session with an unlocked Secret Service: run by `make test`"]
async fn kill_9_during_syncs_loses_nothing_and_duplicates_nothing() {
    let _ = NEEDS_SESSION;
    let kills: usize = std::env::var("LEDGERKEEP_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let sim = RunningSimulator::builder()
        .seed(3)
        .size(Size::Medium)
        .limits(Limits {
            per_minute: 100_000,
            app_per_minute: 100_000,
            per_day: 1_000_000,
            ..Limits::XERO
        })
        .auto_consent(true)
        .redirect_uri(BOUNCE_URL)
        .start()
        .await
        .unwrap();
    let mut tag = [0u8; 6];
    rand::rng().fill(&mut tag);
    let service = format!(
        "Ledgerkeep-test-{}",
        tag.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    sign_in(&sim, &service).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ledger = data.join("ledger.sqlite");
    let mut rng = rand::rng();
    let mut cut_short = 0;
    // How long a whole full sync takes here: kills are spread over it.
    let started = std::time::Instant::now();
    assert!(sync_cmd(&sim, &service, &data)
        .arg("--full")
        .status()
        .unwrap()
        .success());
    let window_ms = u64::try_from(started.elapsed().as_millis())
        .unwrap()
        .max(500);
    eprintln!("a full sync of the medium books takes {window_ms} ms");
    assert_equals_truth(&sim, &ledger, 0).await;
    for round in 1..=kills {
        // A first sync into an empty ledger writes every record: kill it at a
        // random moment of its run.
        std::fs::remove_dir_all(&data).unwrap();
        let mut child = sync_cmd(&sim, &service, &data)
            .arg("--full")
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(rng.random_range(200..window_ms))).await;
        if child.try_wait().unwrap().is_none() {
            cut_short += 1;
        }
        child.kill().unwrap(); // SIGKILL
        let _ = child.wait();
        // Resume: from the watermarks, finishing the sweep from its saved progress.
        let status = sync_cmd(&sim, &service, &data).status().unwrap();
        assert!(
            status.success(),
            "round {round}: the resumed sync failed: {status}"
        );
        assert_equals_truth(&sim, &ledger, round).await;
    }
    eprintln!("{cut_short} of {kills} syncs were killed mid-run");
    assert!(cut_short > 0, "no sync was killed before it ended");
}
