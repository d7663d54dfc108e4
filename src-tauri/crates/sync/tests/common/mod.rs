//! Shared by the sync tests: the simulator on virtual time, a signed-in Xero
//! client with an in-memory token store, a ledger in a temporary file, and
//! comparisons with the simulator's truth.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use ledgerkeep_domain::xero::EntityKind;
use ledgerkeep_obs::Metrics;
use ledgerkeep_sim::{Collection, Limits, RunningSimulator, Size};
use ledgerkeep_store::LedgerStore;
use ledgerkeep_sync::SyncEngine;
use ledgerkeep_xero::{
    MemoryTokenStore, RedirectTarget, VirtualTime, Xero, XeroEndpoints, XeroOptions,
};
use rust_decimal::Decimal;
use serde_json::Value;
use sqlx::Row;

pub const BOUNCE_URL: &str = "https://bounce.example/ledgerkeep";

pub struct Harness {
    pub sim: RunningSimulator,
    pub time: Arc<VirtualTime>,
    pub xero: Arc<Xero>,
    pub store: LedgerStore,
    pub engine: Arc<SyncEngine>,
    pub metrics: Arc<Metrics>,
    pub dir: tempfile::TempDir,
}

impl Harness {
    pub fn tenant(&self) -> String {
        self.sim.tenants()[0].tenant_id.clone()
    }

    pub fn tenants(&self) -> Vec<String> {
        self.sim
            .tenants()
            .into_iter()
            .map(|t| t.tenant_id)
            .collect()
    }

    /// Calls the simulator has answered for the API (from the client's metrics).
    pub fn api_calls(&self) -> u64 {
        self.engine.calls()
    }

    /// A second engine on the same ledger file, as after a restart.
    pub async fn reopen(&self) -> Arc<SyncEngine> {
        let store = LedgerStore::open(self.store.path()).await.unwrap();
        Arc::new(SyncEngine::new(
            Arc::clone(&self.xero),
            store,
            self.time.timekeeping(),
            None,
        ))
    }
}

/// The client's limits are the server's.
pub async fn harness(size: Size, limits: Limits) -> Harness {
    let mut options = XeroOptions::default();
    options.client.limits.per_day = limits.per_day;
    options.client.limits.per_minute = limits.per_minute;
    harness_with(size, limits, options).await
}

/// The client's limits as `options` say (they may differ from the server's).
pub async fn harness_with(size: Size, limits: Limits, options: XeroOptions) -> Harness {
    harness_seeded(11, size, limits, options).await
}

/// Books generated from `seed`.
pub async fn harness_seeded(
    seed: u64,
    size: Size,
    limits: Limits,
    options: XeroOptions,
) -> Harness {
    let builder = RunningSimulator::builder()
        .seed(seed)
        .size(size)
        .limits(limits);
    harness_of(builder, options).await
}

/// A new Xero app on the Starter tier (made after 2 March 2026: granular
/// scopes only, 1,000 calls a day, no Journals), with the client's limits as
/// Starter's and the default (granular) scopes.
pub async fn harness_starter(size: Size) -> Harness {
    let mut options = XeroOptions::default();
    options.client.limits.per_day = Limits::STARTER.per_day;
    options.client.limits.per_minute = Limits::STARTER.per_minute;
    let builder = RunningSimulator::builder()
        .seed(11)
        .size(size)
        .new_starter_app();
    harness_of(builder, options).await
}

/// The simulator `builder` makes, on virtual time, signed in and kept.
pub async fn harness_of(
    builder: ledgerkeep_sim::SimulatorBuilder,
    options: XeroOptions,
) -> Harness {
    let time = VirtualTime::starting_at(ledgerkeep_sim::clock::DEFAULT_START_MS);
    let sim = builder
        .clock(time.clone())
        .auto_consent(true)
        .redirect_uri(BOUNCE_URL)
        .start()
        .await
        .unwrap();
    let endpoints = XeroEndpoints {
        login_url: sim.base_url().to_owned(),
        identity_url: sim.base_url().to_owned(),
        api_url: sim.base_url().to_owned(),
        client_id: Some(sim.client_id().to_owned()),
        oauth_port: 0,
    };
    let metrics = Arc::new(Metrics::new(time.timekeeping().clock, None));
    let xero = Arc::new(
        Xero::new(
            endpoints,
            Arc::new(MemoryTokenStore::default()),
            time.timekeeping(),
            Some(Arc::clone(&metrics)),
            options,
        )
        .unwrap(),
    );
    connect(&xero).await;
    let dir = tempfile::tempdir().unwrap();
    let store = LedgerStore::open(&dir.path().join("ledger.sqlite"))
        .await
        .unwrap()
        .with_metrics(Arc::clone(&metrics));
    let engine = Arc::new(SyncEngine::new(
        Arc::clone(&xero),
        store.clone(),
        time.timekeeping(),
        Some(Arc::clone(&metrics)),
    ));
    Harness {
        sim,
        time,
        xero,
        store,
        engine,
        metrics,
        dir,
    }
}

/// How many times the store ran the named query (`optimize`...).
pub fn query_calls(h: &Harness, name: &str) -> u32 {
    h.metrics
        .snapshot()
        .queries
        .iter()
        .find(|q| q.name == name)
        .map_or(0, |q| q.calls)
}

/// Signs in through the https bounce route, as the deep link does.
pub async fn connect(xero: &Xero) {
    let req = xero
        .start_sign_in(&RedirectTarget::Https(BOUNCE_URL.into()))
        .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client.get(&req.url).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let query = location.split_once('?').unwrap().1;
    let conn = xero.complete_sign_in(query).await.unwrap();
    let all: Vec<String> = conn
        .organisations()
        .into_iter()
        .map(|o| o.tenant_id)
        .collect();
    xero.keep(conn.id(), &all).await.unwrap();
}

/// The simulator's collection for an entity.
pub fn collection_of(kind: EntityKind) -> Collection {
    let path = ledgerkeep_sync::stream_of(kind).path;
    Collection::from_path(path).unwrap()
}

/// Every stored record of `kind` for `tenant`: id → JSON.
pub async fn stored(
    store: &LedgerStore,
    tenant: &str,
    kind: EntityKind,
) -> BTreeMap<String, Value> {
    let table = ledgerkeep_store::rows::table_of(kind);
    let rows = sqlx::query(&format!(
        "SELECT xero_id, raw_json FROM {table} WHERE tenant_id = ?"
    ))
    .bind(tenant)
    .fetch_all(store.pool())
    .await
    .unwrap();
    rows.iter()
        .map(|r| {
            let id: String = r.get("xero_id");
            let raw: String = r.get("raw_json");
            (id.to_ascii_lowercase(), serde_json::from_str(&raw).unwrap())
        })
        .collect()
}

/// The simulator's records of `kind` for `tenant`: id → JSON (less APIKey).
pub fn truth(sim: &RunningSimulator, tenant: &str, kind: EntityKind) -> BTreeMap<String, Value> {
    let c = collection_of(kind);
    sim.truth()
        .records(tenant, c)
        .into_iter()
        .map(|mut v| {
            if let Some(o) = v.as_object_mut() {
                o.remove("APIKey");
            }
            let id = v[c.id_field()]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v[c.id_field()].to_string());
            (id.to_ascii_lowercase(), v)
        })
        .collect()
}

/// Asserts that the ledger holds exactly the truth, every field of every
/// record of every stream of every tenant. Returns how many records compared.
pub async fn assert_ledger_equals_truth(h: &Harness, store: &LedgerStore) -> usize {
    let mut compared = 0;
    for tenant in h.tenants() {
        for s in ledgerkeep_sync::STREAMS {
            let want = truth(&h.sim, &tenant, s.kind);
            let got = stored(store, &tenant, s.kind).await;
            let missing: Vec<_> = want
                .keys()
                .filter(|k| !got.contains_key(*k))
                .take(3)
                .collect();
            let extra: Vec<_> = got
                .keys()
                .filter(|k| !want.contains_key(*k))
                .take(3)
                .collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{tenant} {}: {} stored, {} in the truth; missing {missing:?}, extra {extra:?}",
                s.path,
                got.len(),
                want.len()
            );
            for (id, w) in &want {
                assert_eq!(
                    &got[id], w,
                    "{tenant} {} {id} differs from the truth",
                    s.path
                );
            }
            compared += want.len();
        }
    }
    compared
}

/// Each account's balance (sum of its Journal lines' NetAmount) in the truth.
pub fn truth_balances(sim: &RunningSimulator, tenant: &str) -> BTreeMap<String, Decimal> {
    let mut out = BTreeMap::new();
    for j in sim.truth().records(tenant, Collection::Journals) {
        for l in j["JournalLines"].as_array().into_iter().flatten() {
            let acc = l["AccountID"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let amt: Decimal = l["NetAmount"].to_string().parse().unwrap();
            *out.entry(acc).or_insert(Decimal::ZERO) += amt;
        }
    }
    out
}

/// The same from the ledger's typed journal-line columns, summed in Rust.
pub async fn ledger_balances(store: &LedgerStore, tenant: &str) -> BTreeMap<String, Decimal> {
    let rows = sqlx::query(
        "SELECT l.account_xero_id AS acc, l.net_amount AS amt FROM journal_lines l \
         JOIN journals j ON j.id = l.parent_id WHERE j.tenant_id = ?",
    )
    .bind(tenant)
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for r in rows {
        let acc: Option<String> = r.get("acc");
        let amt: Option<String> = r.get("amt");
        let amt: Decimal = amt.unwrap_or_default().parse().unwrap();
        *out.entry(acc.unwrap_or_default().to_ascii_lowercase())
            .or_insert(Decimal::ZERO) += amt;
    }
    out
}

/// Asserts that every stored record equals its truth (the ledger may hold less
/// than the truth, never anything else). Returns the count per stream.
pub async fn assert_ledger_is_part_of_truth(
    h: &Harness,
    tenant: &str,
) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for s in ledgerkeep_sync::STREAMS {
        let want = truth(&h.sim, tenant, s.kind);
        let got = stored(&h.store, tenant, s.kind).await;
        for (id, v) in &got {
            assert_eq!(Some(v), want.get(id), "{} {id}: not the truth", s.path);
        }
        out.insert(s.path, got.len());
    }
    out
}

/// Options for fault tests: short read timeouts, quick retries.
pub fn quick_options() -> XeroOptions {
    let mut o = XeroOptions::default();
    o.client.read_timeout = std::time::Duration::from_millis(300);
    o.client.deadline = std::time::Duration::from_secs(60);
    o.client.max_retries = 3;
    o
}
