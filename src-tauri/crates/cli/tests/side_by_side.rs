//! The app and the command line side by side for 8 virtual hours (issue #19):
//! the app's scheduler in this process and `ledgerkeep-cli sync` run again and
//! again as a child process, on one data folder and one keyring, across many
//! token rotations. No `invalid_grant`, no new sign-in, and exactly one
//! refresh per rotation, as the simulator counts them.
//!
//! The real app holds the ledger's writer lock from start to close, so a real
//! `ledgerkeep-cli sync` waits for it to close. Here the app side leaves the
//! ledger lock free (this process is a `Front::Cli`) so that the command
//! line's syncs run between *and during* the app's scheduled syncs: the two
//! processes meet only at `tokens.lock` and the keyring, each with its own
//! copy of the sign-in, which is the case the token lock exists for.
//!
//! One virtual clock: the simulator and the app read it, and each command
//! line run starts its clock at the same instant (`LEDGERKEEP_TEST_NOW_MS`,
//! read by debug builds only). The test moves it between steps, when every
//! sync of the step has finished; within a step only the app's own short
//! waits move it, by milliseconds.
//!
//! Rotations are counted at the simulator: a step's syncs must make exactly
//! one refresh when the access token the simulator issued last has expired,
//! and none otherwise. In a race step the simulator holds the first refresh
//! to arrive for 1.5 s: a second process refreshing its own copy meanwhile
//! would reach it too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ledgerkeep_api::{AppConfig, AppContext, AppPaths, SyncService, XeroSetup};
use ledgerkeep_sim::{Gate, Limits, RunningSimulator, Size};
use ledgerkeep_store::audit::KeyringAnchor;
use ledgerkeep_sync::{SchedulerConfig, SyncEvent};
use ledgerkeep_xero::time::SleepFuture;
use ledgerkeep_xero::{
    ConnectionStatus, KeyringTokenStore, Sleeper, Timekeeping, TokenStore, VirtualTime,
    XeroEndpoints, XeroOptions,
};
use rand::{Rng, SeedableRng};
use tokio::sync::{broadcast, Notify};

const MINUTE: i64 = 60_000;
/// The simulator's access tokens live this long: a rotation every ten minutes or so.
const ACCESS_TOKEN_MS: i64 = 10 * MINUTE;
/// The client refreshes a minute ahead of expiry: no sync is run in the last
/// minute of a token's life, where refreshing early or at expiry would both be right.
const AHEAD_MS: i64 = MINUTE;
/// The app's scheduler ticks this often (the app's default).
const INTERVAL_MS: i64 = 15 * MINUTE;
const RUN_FOR_MS: i64 = 8 * 60 * MINUTE;
/// Far above anything a run makes: a frozen virtual minute never runs out.
const PLENTY: u32 = 1_000_000;

/// The app side's waits: a short one (the rate limiter's spacing of calls)
/// moves the clock on by itself, as the time passing while the app works; a
/// long one (the scheduler's next tick) ends only when the test moves the
/// clock past it.
#[derive(Debug)]
struct Stepped {
    time: Arc<VirtualTime>,
    moved: Arc<Notify>,
    /// How many long waits are pending: the scheduler's tenant loops asleep
    /// until their next tick (so that tick is computed).
    asleep: Arc<AtomicUsize>,
}

/// One pending long wait, counted for as long as it lives.
struct Asleep(Arc<AtomicUsize>);

impl Drop for Asleep {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Sleeper for Stepped {
    fn sleep(&self, d: Duration) -> SleepFuture<'_> {
        if d < Duration::from_secs(60) {
            // Whole milliseconds, rounded up: the clock counts no less.
            let ms = d.as_nanos().div_ceil(1_000_000).max(1);
            self.time
                .advance(Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX)));
            return Box::pin(tokio::task::yield_now());
        }
        let target = self
            .time
            .now_ms()
            .saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Box::pin(async move {
            self.asleep.fetch_add(1, Ordering::SeqCst);
            let _asleep = Asleep(Arc::clone(&self.asleep));
            loop {
                let moved = self.moved.notified();
                tokio::pin!(moved);
                moved.as_mut().enable();
                if self.time.now_ms() >= target {
                    break;
                }
                moved.await;
            }
        })
    }
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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// How the command line is run: the shared folder, keyring and simulator.
struct CliEnv {
    dir: PathBuf,
    service: String,
    base: String,
    client_id: String,
    port: u16,
}

impl CliEnv {
    fn command(&self, now_ms: i64, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"));
        c.args(args)
            .env("LEDGERKEEP_DATA_DIR", &self.dir)
            .env("LEDGERKEEP_KEYRING_SERVICE", &self.service)
            .env("LEDGERKEEP_XERO_LOGIN_URL", &self.base)
            .env("LEDGERKEEP_XERO_IDENTITY_URL", &self.base)
            .env("LEDGERKEEP_XERO_API_URL", &self.base)
            .env("LEDGERKEEP_XERO_CLIENT_ID", &self.client_id)
            .env("LEDGERKEEP_OAUTH_PORT", self.port.to_string())
            .env("LEDGERKEEP_XERO_MINUTE_LIMIT", PLENTY.to_string())
            .env("LEDGERKEEP_TEST_NOW_MS", now_ms.to_string())
            .env_remove("RUST_LOG");
        c
    }
}

/// `ledgerkeep-cli connect`, the simulator consenting for every organisation.
async fn connect(env: &CliEnv, now_ms: i64) -> Output {
    use std::io::{BufRead, BufReader, Read};
    let mut child = env
        .command(now_ms, &["connect", "--no-browser"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
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
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let location = http.get(url.trim()).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let page = http
        .get(location.replace("localhost", "127.0.0.1"))
        .header("host", format!("localhost:{}", env.port))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let status = child.wait().unwrap();
    // The address carries the sign-in's state, as it must: the rest of
    // what the command line prints is checked for secrets.
    let mut out = Vec::new();
    stdout.read_to_end(&mut out).unwrap();
    let mut err = Vec::new();
    child.stderr.take().unwrap().read_to_end(&mut err).unwrap();
    Output {
        status,
        stdout: out,
        stderr: err,
    }
}

/// One `ledgerkeep-cli sync`, which must succeed for every organisation.
async fn cli_sync(env: &CliEnv, now_ms: i64, outputs: &mut Vec<Output>) -> u32 {
    let mut cmd = env.command(now_ms, &["sync", "--json"]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "the command line's sync failed: {err}"
    );
    let reports: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reports = reports.as_array().unwrap();
    assert!(!reports.is_empty());
    for r in reports {
        assert_eq!(r["ok"], true, "the command line's sync: {r}");
    }
    outputs.push(out);
    u32::try_from(reports.len()).unwrap()
}

/// Waits until each of the scheduler's `n` tenant loops is asleep until its
/// next tick: only then may the clock move (a loop that read the clock after
/// the move would skip the tick the test counts on).
async fn scheduler_settles(asleep: &AtomicUsize, n: usize) {
    let waited = Instant::now();
    while asleep.load(Ordering::SeqCst) < n {
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "the app's scheduler did not go back to sleep"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Waits for `n` scheduled syncs of the app to finish; each must succeed.
async fn app_syncs_finish(events: &mut broadcast::Receiver<SyncEvent>, n: usize) {
    let mut finished = 0;
    while finished < n {
        let event = tokio::time::timeout(Duration::from_secs(60), events.recv())
            .await
            .expect("the app's scheduled sync did not finish")
            .unwrap();
        if let SyncEvent::Finished(r) = event {
            assert!(
                r.succeeded(),
                "the app's sync of {} stopped: {:?} {:?}",
                r.tenant,
                r.stopped,
                r.error
            );
            finished += 1;
        }
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs a D-Bus session with an unlocked Secret Service: run by `make test`"]
async fn the_app_and_the_command_line_share_one_sign_in_for_eight_virtual_hours() {
    let wall = Instant::now();
    // This process plays the app, without holding the ledger from start to close.
    ledgerkeep_store::lock::set_front(ledgerkeep_store::Front::Cli);
    ensure_default_collection();
    let time = VirtualTime::starting_at(ledgerkeep_sim::clock::DEFAULT_START_MS);
    let moved = Arc::new(Notify::new());
    let asleep = Arc::new(AtomicUsize::new(0));
    let sim = RunningSimulator::builder()
        .seed(19)
        .size(Size::Small)
        .limits(Limits {
            concurrent: 5,
            per_minute: PLENTY,
            per_day: PLENTY,
            app_per_minute: PLENTY,
        })
        .clock(time.clone())
        .access_token_lifetime(Duration::from_millis(ACCESS_TOKEN_MS.unsigned_abs()))
        .auto_consent(true)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut tag = [0u8; 6];
    getrandom::fill(&mut tag).unwrap();
    let env = CliEnv {
        dir: dir.path().to_owned(),
        service: format!(
            "Ledgerkeep-test-side-{}",
            tag.iter().map(|b| format!("{b:02x}")).collect::<String>()
        ),
        base: sim.base_url().to_owned(),
        client_id: sim.client_id().to_owned(),
        port: free_port(),
    };
    let mut outputs = Vec::new();

    // Connect once, from the command line.
    let out = connect(&env, time.now_ms()).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    outputs.push(out);
    assert_eq!(sim.token_counts().code_grants, 1);
    let tenants = sim.tenants().len();

    // The app: its own context and client on the same folder and keyring.
    let timekeeping = Timekeeping {
        clock: Arc::clone(&time) as ledgerkeep_obs::SharedClock,
        sleeper: Arc::new(Stepped {
            time: Arc::clone(&time),
            moved: Arc::clone(&moved),
            asleep: Arc::clone(&asleep),
        }),
    };
    let mut config = AppConfig::new(AppPaths::under(dir.path()));
    config.clock = Arc::clone(&time) as ledgerkeep_obs::SharedClock;
    config.endpoints = XeroEndpoints {
        login_url: env.base.clone(),
        identity_url: env.base.clone(),
        api_url: env.base.clone(),
        client_id: Some(env.client_id.clone()),
        oauth_port: 0,
    };
    let mut options = XeroOptions::default();
    options.client.limits.per_minute = PLENTY;
    let ctx = AppContext::open_with(
        config,
        XeroSetup {
            store: Arc::new(KeyringTokenStore::new(&env.service)),
            audit_anchor: Arc::new(KeyringAnchor::new(&env.service)),
            time: Some(timekeeping.clone()),
            options,
        },
    )
    .await
    .unwrap();
    let svc = SyncService::start_probing(
        &ctx,
        Arc::clone(ctx.xero()),
        timekeeping,
        SchedulerConfig {
            interval: Duration::from_millis(INTERVAL_MS.unsigned_abs()),
            sync_on_launch: false,
            ..SchedulerConfig::default()
        },
        Arc::new(ledgerkeep_sync::Silent),
        Duration::from_secs(24 * 3600),
    )
    .await
    .unwrap();
    let mut events = svc.subscribe();
    let start = time.now_ms();

    // The plan, seeded: steps of 2 to 13 minutes; every fifth step jumps to
    // the app's next tick after the token's expiry and races the command
    // line against it; the other steps run the command line, the app's
    // scheduled sync when a tick falls in the step, or both, one after the other.
    let mut rng = rand::rngs::StdRng::seed_from_u64(19);
    let mut next_tick = start + INTERVAL_MS;
    // When the access token in use was issued, as the simulator's counts say.
    let mut issued = start;
    let mut counts = sim.token_counts();
    let (mut rotations, mut steps, mut races) = (0u64, 0u32, 0u32);
    let (mut app_runs, mut cli_runs) = (0usize, 0u32);
    while time.now_ms() - start < RUN_FOR_MS {
        scheduler_settles(&asleep, tenants).await;
        steps += 1;
        let now = time.now_ms();
        let race = steps % 5 == 0;
        let mut at = if race {
            (issued + ACCESS_TOKEN_MS).max(now + MINUTE).max(next_tick)
        } else {
            now + rng.random_range(2..=13) * MINUTE
        };
        // Never in the last minute of the token's life (see AHEAD_MS), nor
        // in the last minute before a tick of the app's (the app's own work
        // moves the clock on a little).
        while (issued + ACCESS_TOKEN_MS - AHEAD_MS..issued + ACCESS_TOKEN_MS).contains(&at)
            || (at - start).rem_euclid(INTERVAL_MS) >= INTERVAL_MS - MINUTE
        {
            at += MINUTE;
        }
        let app_due = at >= next_tick;
        let cli_runs_now = race || !app_due || rng.random_bool(0.5);
        let expired = at >= issued + ACCESS_TOKEN_MS;
        sim.mutate(3);
        eprintln!(
            "step {steps}: +{} min, token issued +{}, app tick +{}, race {race}, app {app_due}, cli {cli_runs_now}, expired {expired}",
            (at - start) / MINUTE,
            (issued - start) / MINUTE,
            (next_tick - start) / MINUTE
        );

        if race && app_due {
            // The app's tick and the command line start together. The token
            // endpoint holds the first refresh to arrive; the other process,
            // finding its own copy as old, must wait on the token lock
            // rather than refresh it too. Whoever arrives within 1.5 s is let
            // through together.
            races += 1;
            let gate = Gate::new();
            sim.hold_token_requests(Some(gate.clone()));
            let before = sim.token_counts().requests;
            let cli = {
                let mut cmd = env.command(at, &["sync", "--json"]);
                tokio::task::spawn_blocking(move || cmd.output().unwrap())
            };
            time.advance(Duration::from_millis((at - now).unsigned_abs()));
            moved.notify_waiters();
            if expired {
                let waited = Instant::now();
                while sim.token_counts().requests == before {
                    assert!(
                        waited.elapsed() < Duration::from_secs(30),
                        "step {steps}: no refresh came"
                    );
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                tokio::time::sleep(Duration::from_millis(1_500)).await;
                assert_eq!(
                    sim.token_counts().requests - before,
                    1,
                    "step {steps}: both processes refreshed at once"
                );
            }
            gate.open();
            sim.hold_token_requests(None);
            app_syncs_finish(&mut events, tenants).await;
            app_runs += tenants;
            let out = cli.await.unwrap();
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(out.status.success(), "step {steps}: {err}");
            let reports: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            for r in reports.as_array().unwrap() {
                assert_eq!(r["ok"], true, "step {steps}: the command line's sync: {r}");
            }
            outputs.push(out);
            cli_runs += 1;
        } else {
            time.advance(Duration::from_millis((at - now).unsigned_abs()));
            let cli_first = cli_runs_now && steps % 2 == 0;
            if cli_first {
                cli_sync(&env, time.now_ms(), &mut outputs).await;
                cli_runs += 1;
            }
            moved.notify_waiters();
            if app_due {
                app_syncs_finish(&mut events, tenants).await;
                app_runs += tenants;
            }
            if cli_runs_now && !cli_first {
                cli_sync(&env, time.now_ms(), &mut outputs).await;
                cli_runs += 1;
            }
        }
        if app_due {
            // The scheduler's next tick: the first on its grid after its sync.
            while next_tick <= time.now_ms() {
                next_tick += INTERVAL_MS;
            }
        }

        // The simulator's side: one refresh when the token had expired, none otherwise.
        let after = sim.token_counts();
        assert_eq!(
            after.invalid_grants, 0,
            "step {steps}: Xero answered invalid_grant"
        );
        assert_eq!(after.code_grants, 1, "step {steps}: a new sign-in");
        assert_eq!(
            after.refresh_grants - counts.refresh_grants,
            u64::from(expired),
            "step {steps} at +{} min (token issued at +{} min): refreshes",
            (at - start) / MINUTE,
            (issued - start) / MINUTE
        );
        if expired {
            issued = at;
            rotations += 1;
        }
        counts = after;
    }

    // Whatever ran last, the app's sign-in is active and the keyring holds
    // the set the simulator answers to now.
    for conn in ctx.xero().tokens().all().await.unwrap() {
        assert_eq!(conn.status(), ConnectionStatus::Active);
    }
    let store = KeyringTokenStore::new(&env.service);
    let ids = store.list().unwrap();
    assert_eq!(ids.len(), 1);
    let entry = keyring::Entry::new(&env.service, &format!("connection:{}", ids[0]))
        .unwrap()
        .get_password()
        .unwrap();
    let entry: serde_json::Value = serde_json::from_str(&entry).unwrap();
    assert_eq!(
        sim.current_refresh_tokens(),
        vec![entry["refresh_token"].as_str().unwrap().to_owned()],
        "the keyring does not hold the newest set"
    );
    assert_eq!(sim.token_counts().refresh_grants, rotations);
    assert!(rotations >= 30, "only {rotations} rotations");
    assert!(races >= 5, "only {races} races");

    svc.shutdown().await;
    ctx.close().await;
    eprintln!(
        "{steps} steps over 8 virtual hours: {rotations} rotations, {races} races, \
         {app_runs} scheduled syncs of the app, {cli_runs} runs of the command line, \
         {:.1} s of wall time",
        wall.elapsed().as_secs_f64()
    );

    // No token, code or verifier in what the command line printed or wrote.
    let secrets: BTreeSet<String> = sim.secrets_seen().into_iter().collect();
    assert!(secrets.len() > usize::try_from(rotations).unwrap());
    for out in &outputs {
        let text = [&out.stdout[..], &out.stderr[..]].concat();
        let text = String::from_utf8_lossy(&text);
        for (i, s) in secrets.iter().enumerate() {
            assert!(
                !text.contains(s.as_str()),
                "secret {i} of {} in the command line's output",
                secrets.len()
            );
        }
    }
    let mut log_files = 0;
    for f in files_under(dir.path()) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        if f.starts_with(dir.path().join("logs")) {
            log_files += 1;
        }
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{} holds a secret", f.display());
        }
    }
    assert!(log_files > 0, "the command line wrote no log");
    let adopted: usize = files_under(&dir.path().join("logs"))
        .iter()
        .map(|f| {
            String::from_utf8_lossy(&std::fs::read(f).unwrap())
                .matches("refreshed by another process")
                .count()
        })
        .sum();
    eprintln!("the command line took the app's rotated set {adopted} times");
    store.delete(&ids[0]).unwrap();
    sim.stop().await;
    eprintln!(
        "and no secret leaked: {:.1} s of wall time",
        wall.elapsed().as_secs_f64()
    );
}
