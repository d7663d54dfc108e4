//! Crash safety of a real process: `ledgerkeep-cli sync` is killed with
//! SIGKILL at random points, then run again to the end. After each resume the
//! ledger equals the simulator's truth, record for record, and the audit chain
//! verifies. The CLI keeps its Xero sign-in in the OS keyring, so this runs
//! inside a desktop session:
//!
//! ```text
//! scripts/with-desktop-session.sh cargo nextest run -p ledgerkeep-cli --run-ignored all
//! LEDGERKEEP_CRASH_KILLS=3 scripts/with-desktop-session.sh cargo nextest run -p ledgerkeep-cli --run-ignored all crash
//! ```
//! 30 kills by default (the issue's figure); `LEDGERKEEP_CRASH_KILLS` sets another number.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use ledgerkeep_domain::canonical_json;
use ledgerkeep_sim::{Collection, Limits, RunningSimulator, Size};
use ledgerkeep_store::LedgerStore;
use ledgerkeep_xero::{
    KeyringTokenStore, RedirectTarget, Timekeeping, Xero, XeroEndpoints, XeroOptions,
};
use rand::Rng;

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

/// Per organisation and stream, every record of the simulator's truth as
/// canonical JSON (the form the ledger keeps), sorted. The books do not change
/// during the test, so this is made once.
struct Truth(
    Vec<(
        String,
        String,
        Collection,
        ledgerkeep_domain::EntityKind,
        Vec<String>,
    )>,
);

fn truth(sim: &RunningSimulator) -> Truth {
    let tenants = sim.tenants();
    // Read in place: `sim.truth()` would copy all the books for each stream.
    sim.with_truth(|books| {
        let mut out = Vec::new();
        for t in &tenants {
            for (c, k) in streams() {
                let mut want: Vec<String> = books
                    .records(&t.tenant_id, c)
                    .into_iter()
                    .map(|mut v| {
                        v.as_object_mut().unwrap().remove("APIKey");
                        canonical_json(&v)
                    })
                    .collect();
                want.sort_unstable();
                out.push((t.tenant_id.clone(), t.name.clone(), c, k, want));
            }
        }
        Truth(out)
    })
}

async fn assert_equals_truth(truth: &Truth, ledger: &Path, round: usize) {
    let store = LedgerStore::open(ledger).await.unwrap();
    for (tenant, name, c, k, want) in &truth.0 {
        // Equal sorted lists: the same records, field for field, none missing
        // and none twice.
        let mut got: Vec<String> = store
            .raw_records(Some(tenant), *k)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, raw)| raw)
            .collect();
        got.sort_unstable();
        assert_eq!(got.len(), want.len(), "round {round}: {c} of {name}");
        if let Some((g, w)) = got.iter().zip(want).find(|(g, w)| g != w) {
            panic!("round {round}: {c} of {name} differs from the truth:\nledger {g}\ntruth  {w}");
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
        .unwrap_or(30);
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
    let mut window_ms = u64::try_from(started.elapsed().as_millis())
        .unwrap()
        .max(500);
    eprintln!("a full sync of the medium books takes {window_ms} ms");
    let t = std::time::Instant::now();
    let truth = truth(&sim);
    assert_equals_truth(&truth, &ledger, 0).await;
    eprintln!("compare: {} ms", t.elapsed().as_millis());
    // `kills` syncs killed mid-run, each at a random moment.
    let mut round = 0;
    while cut_short < kills {
        round += 1;
        assert!(
            round <= 2 * kills + 5,
            "only {cut_short} of {} syncs were killed before they ended",
            round - 1
        );
        // A first sync into an empty ledger writes every record: kill it at a
        // random moment of its run.
        std::fs::remove_dir_all(&data).unwrap();
        let mut child = sync_cmd(&sim, &service, &data)
            .arg("--full")
            .spawn()
            .unwrap();
        let delay_ms = rng.random_range(200..window_ms);
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        if child.try_wait().unwrap().is_none() {
            cut_short += 1;
        } else {
            // It ran faster than the first (a quieter machine): aim within its time.
            window_ms = delay_ms.max(500);
        }
        child.kill().unwrap(); // SIGKILL
        let _ = child.wait();
        // Resume: from the watermarks, finishing the sweep from its saved progress.
        let t = std::time::Instant::now();
        let status = sync_cmd(&sim, &service, &data).status().unwrap();
        assert!(
            status.success(),
            "round {round}: the resumed sync failed: {status}"
        );
        let resume_ms = t.elapsed().as_millis();
        let t = std::time::Instant::now();
        assert_equals_truth(&truth, &ledger, round).await;
        eprintln!(
            "round {round}: resume {resume_ms} ms, compare {} ms",
            t.elapsed().as_millis()
        );
    }
    eprintln!("{cut_short} of {round} syncs were killed mid-run");
}
