//! The demo company: until the owner sets up a Xero app, Ledgerkeep runs the
//! Xero simulator in-process and points its Xero endpoints at it, so that
//! "Explore the demo company" goes through the same sign-in (and sync) as a
//! real connection. Everything it shows is labelled as demo data.

#[cfg(feature = "demo")]
use ledgerkeep_sim::{Limits, RunningSimulator, Size};
#[cfg(feature = "demo")]
use ledgerkeep_xero::XeroEndpoints;
use ledgerkeep_xero::XeroOptions;

use crate::ops::sync::{sync_now, SyncNowRequest, SyncService};
use crate::ops::xero_connection::{
    connect_via_loopback, keep_organisations, KeepOrganisationsRequest, OrganisationView,
};
use crate::{ApiError, AppConfig, AppContext};

/// The demo's simulator. Keep it alive as long as the app runs.
#[cfg(feature = "demo")]
#[derive(Debug)]
pub struct DemoServer(RunningSimulator);

/// A build without the demo company (`--no-default-features`) never has one.
#[cfg(not(feature = "demo"))]
#[derive(Debug)]
pub struct DemoServer(std::convert::Infallible);

/// The demo's simulator allows this many calls a minute, and the client paces
/// itself to it, so that the demo fills in seconds rather than minutes. Real
/// connections keep Xero's 60.
const DEMO_CALLS_PER_MINUTE: u32 = 6_000;

impl DemoServer {
    /// The Xero client's options for the demo: Xero's defaults, with the demo's
    /// pace. The demo's app is on the Starter tier (1,000 calls a day), and the
    /// client is not told so: as for an owner's own app, it learns the day
    /// from what the simulator says is left (`RateLimiter::day_budget`).
    pub fn xero_options(&self) -> XeroOptions {
        let mut options = XeroOptions::default();
        options.client.limits.per_minute = DEMO_CALLS_PER_MINUTE;
        options
    }

    #[cfg(feature = "demo")]
    pub fn base_url(&self) -> &str {
        self.0.base_url()
    }

    #[cfg(feature = "demo")]
    pub async fn stop(self) {
        self.0.stop().await;
    }
}

/// Without the demo feature there is no demo company: the owner sets up their
/// own Xero app.
#[cfg(not(feature = "demo"))]
pub async fn start_demo_if_unconfigured(
    _config: &mut AppConfig,
) -> Result<Option<DemoServer>, ApiError> {
    Ok(None)
}

/// When no Xero app is configured, starts the demo company's simulator and
/// points `config` at it. Returns `None` (and changes nothing) otherwise.
#[cfg(feature = "demo")]
pub async fn start_demo_if_unconfigured(
    config: &mut AppConfig,
) -> Result<Option<DemoServer>, ApiError> {
    if config.endpoints.client_id.is_some() {
        return Ok(None);
    }
    // The demo is what an owner meets with their own new Xero app: the free
    // Starter tier (granular scopes only, 1,000 calls a day, no Journals).
    // The books end on the demo organisation's today and move with the
    // calendar: another day's demo is another organisation (new ids), so no
    // ledger row of an earlier demo is rewritten. The simulator reads the
    // app's clock, so its reports, due dates and changes are of today too.
    let today = demo_today(config.now());
    let sim = RunningSimulator::builder()
        .seed(2026)
        .client_id(demo_client_id(today))
        .size(Size::Small)
        .living_demo(today)
        .clock(config.clock.clone())
        .new_starter_app()
        .limits(Limits {
            per_minute: DEMO_CALLS_PER_MINUTE,
            ..Limits::STARTER
        })
        .auto_consent(true)
        .start()
        .await
        .map_err(|e| ApiError::internal(format!("The demo company could not start: {e}")))?;
    plant_demo_anomalies(&sim);
    #[cfg(debug_assertions)]
    cut_when_file_appears(&sim);
    let base = sim.base_url().to_owned();
    config.endpoints = XeroEndpoints {
        login_url: base.clone(),
        identity_url: base.clone(),
        api_url: base,
        client_id: Some(sim.client_id().to_owned()),
        oauth_port: config.endpoints.oauth_port,
    };
    // The demo shows recording a payment too: its sign-in asks for the
    // payments write scope, as an owner's does once they turn that feature on.
    config.scopes = ledgerkeep_xero::ScopeChoice {
        legacy: false,
        record_payments: true,
    }
    .scopes();
    config.demo = true;
    config.demo_day = Some(today);
    tracing::info!("no Xero app is configured: the demo company is available");
    Ok(Some(DemoServer(sim)))
}

/// A few things for the owner to find in the demo organisation's books: a
/// recent bill entered twice (same supplier and amount, three days apart),
/// and a bill from a regular supplier for six times their usual.
#[cfg(feature = "demo")]
fn plant_demo_anomalies(sim: &RunningSimulator) {
    let Some(tenant) = sim.tenants().first().map(|t| t.tenant_id.clone()) else {
        return;
    };
    sim.plant(&tenant, |p| {
        const DAY_MS: i64 = 86_400_000;
        let recent = |days: i64| {
            let now = p.now;
            move |v: &serde_json::Value| {
                v["Type"] == "ACCPAY"
                    && v["Status"] == "PAID"
                    && v["Date"]
                        .as_str()
                        .and_then(ledgerkeep_sim::wire::parse_ms_date)
                        .is_some_and(|d| d < now - days * DAY_MS && d > now - 60 * DAY_MS)
            }
        };
        let bills = p.all(ledgerkeep_sim::Collection::Invoices, recent(10));
        let mut ids = bills
            .iter()
            .rev()
            .filter_map(|v| v["InvoiceID"].as_str().map(str::to_owned));
        if let Some(bill) = ids.next() {
            p.duplicate_bill(&bill, 3, false);
        }
        if let Some(bill) = ids.next() {
            let day = (p.now / DAY_MS - 5) * DAY_MS;
            p.scaled_bill(&bill, rust_decimal::Decimal::from(6), day, "BILL-UNUSUAL");
        }
    });
}

/// The demo's Xero app (client id, Xero's shape: 32 hex digits): one per demo
/// day, as each day's demo is another organisation. A sign-in stored with an
/// earlier day's demo is then one made with another app, and is not used.
#[cfg(feature = "demo")]
pub fn demo_client_id(today: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    const DEMO: u128 = 0x4C45_4447_4552_4B45_4550_0000_0000_0000;
    format!(
        "{:032X}",
        DEMO | u128::from(today.num_days_from_ce().unsigned_abs())
    )
}

/// The demo's simulator starts afresh with each run of the app, so a demo
/// sign-in stored by an earlier run holds tokens it never issued: forgets
/// those (the demo's books stay in the ledger), so that no sync runs on them
/// and the Dashboard offers the demo again.
#[tracing::instrument(name = "op", skip_all, fields(op = "forget_earlier_demo_sign_ins", request_id = %crate::request_id()))]
pub async fn forget_earlier_demo_sign_ins(ctx: &AppContext) -> Result<(), ApiError> {
    if !ctx.config().demo {
        return Ok(());
    }
    let Some(client_id) = ctx.config().endpoints.client_id.clone() else {
        return Ok(());
    };
    let gone = ctx.xero().tokens().forget_made_with(&client_id).await?;
    if !gone.is_empty() {
        tracing::info!(
            sign_ins = gone.len(),
            "forgot the demo sign-ins of an earlier run"
        );
    }
    Ok(())
}

/// The demo organisation's (Kōwhai Plumbing's, New Zealand's) calendar day at `now`.
#[cfg(feature = "demo")]
pub fn demo_today(now: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    let utc_day = now.date_naive();
    let zone = ledgerkeep_domain::timezone::iana_timezone(DEMO_TIMEZONE);
    // The latest of the days around the UTC one that has begun there.
    [utc_day.succ_opt(), Some(utc_day), utc_day.pred_opt()]
        .into_iter()
        .flatten()
        .find(|day| {
            zone.and_then(|z| ledgerkeep_domain::timezone::local_day_start_utc(z, *day))
                .is_some_and(|start| start <= now)
        })
        .unwrap_or(utc_day)
}

/// The demo organisation's time zone, as Xero names it.
#[cfg(feature = "demo")]
const DEMO_TIMEZONE: &str = "NEWZEALANDSTANDARDTIME";

/// In debug builds, the name of a file whose appearance cuts the demo's
/// simulator off the network for good ([`ledgerkeep_sim::NetworkCut`]): the
/// end-to-end tests create it to show that what the window shows afterwards
/// (an attachment, say) comes from this computer, not from "Xero".
#[cfg(all(feature = "demo", debug_assertions))]
pub const DEMO_CUT_FILE_ENV: &str = "LEDGERKEEP_DEMO_CUT_FILE";

/// Watches for the file named by [`DEMO_CUT_FILE_ENV`], when that is set.
#[cfg(all(feature = "demo", debug_assertions))]
fn cut_when_file_appears(sim: &RunningSimulator) {
    let Some(path) = std::env::var_os(DEMO_CUT_FILE_ENV).map(std::path::PathBuf::from) else {
        return;
    };
    let cut = sim.network_cut();
    tokio::spawn(async move {
        while !path.exists() {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        cut.cut();
        tracing::warn!("the demo company's simulator is cut off the network ({DEMO_CUT_FILE_ENV})");
    });
}

/// Connects to the demo company the way a real connection is made: the loopback
/// sign-in, with this process playing the browser (the simulator's authorize
/// page consents at once and redirects to the loopback callback). Keeps every
/// organisation it offers, and syncs each through the scheduler.
#[tracing::instrument(name = "op", skip_all, fields(op = "explore_demo", request_id = %crate::request_id()))]
pub async fn explore_demo(
    ctx: &AppContext,
    sync: &SyncService,
) -> Result<Vec<OrganisationView>, ApiError> {
    if !ctx.config().demo {
        return Err(ApiError::invalid(
            "The demo company is offered only while no Xero app is set up.",
        ));
    }
    let connected = connect_via_loopback(ctx, |url| {
        let url = url.to_owned();
        tokio::spawn(async move {
            if let Err(err) = play_browser(&url).await {
                tracing::warn!(%err, "the demo sign-in's browser step failed");
            }
        });
        Ok(())
    })
    .await?;
    let tenant_ids = connected
        .organisations
        .iter()
        .map(|o| o.tenant_id.clone())
        .collect();
    let kept = keep_organisations(
        ctx,
        KeepOrganisationsRequest {
            connection_id: connected.connection_id,
            tenant_ids,
        },
    )
    .await?;
    if let Some(day) = ctx.config().demo_day {
        let ids: Vec<String> = kept.iter().map(|o| o.tenant_id.clone()).collect();
        ctx.store()
            .note_demo_organisations(&ids, &day.to_string())
            .await?;
    }
    for org in &kept {
        sync.scheduler()
            .add_tenant(org.tenant_id.clone(), org.name.clone());
        sync_now(
            sync,
            SyncNowRequest {
                tenant_id: org.tenant_id.clone(),
                full: false,
            },
        )
        .await?;
    }
    Ok(kept)
}

/// Follows the authorize page's redirect to the loopback callback, as a browser would.
async fn play_browser(authorize_url: &str) -> Result<(), reqwest::Error> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let answer = client.get(authorize_url).send().await?;
    if let Some(next) = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
    {
        client.get(next).send().await?;
    }
    Ok(())
}
