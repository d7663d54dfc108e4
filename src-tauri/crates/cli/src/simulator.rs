//! `ledgerkeep-cli simulator`: the Xero simulator, standalone, until Ctrl-C.
//!
//! Prints one line of JSON on stdout (`baseUrl`, `clientId`, `tier`, `newApp`,
//! `tenants`), so that scripts and tests can point a client at it.

use std::io::Write;

use clap::Args;
use ledgerkeep_api::ApiError;
use ledgerkeep_sim::{Limits, RunningSimulator, Size};

/// Options of the `simulator` subcommand.
#[derive(Debug, Args)]
pub struct SimulatorArgs {
    /// Loopback port to listen on (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Seed of the generated books and tokens.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How many records: small, medium or large.
    #[arg(long, default_value = "small")]
    size: Size,
    /// Redirect from the authorize page at once, without the consent button.
    #[arg(long)]
    auto_consent: bool,
    /// Enforce the Starter tier's 1,000 calls a day instead of 5,000.
    #[arg(long)]
    starter: bool,
    /// Act as a new Xero app on the Starter tier, as an owner's own app is
    /// from 2 March 2026: broad scopes refused, each call's granular scope
    /// checked, at most 5 organisations, 1,000 calls a day, no Journals.
    #[arg(long)]
    new_starter_app: bool,
    /// An https redirect URI the simulated Xero app has registered (a bounce page);
    /// loopback addresses are always accepted. Repeat for several.
    #[arg(long = "redirect-uri", value_name = "URL")]
    redirect_uris: Vec<String>,
}

/// Starts the simulator, prints where it is, and serves until Ctrl-C.
pub async fn run(args: SimulatorArgs) -> Result<(), ApiError> {
    let mut builder = RunningSimulator::builder();
    if args.new_starter_app {
        builder = builder.new_starter_app();
    }
    if args.starter {
        builder = builder.limits(Limits::STARTER);
    }
    for uri in args.redirect_uris {
        builder = builder.redirect_uri(uri);
    }
    let sim = builder
        .seed(args.seed)
        .size(args.size)
        .auto_consent(args.auto_consent)
        .port(args.port)
        .start()
        .await
        .map_err(|e| ApiError::invalid(format!("Could not start the Xero simulator: {e}")))?;
    let tenants: Vec<_> = sim
        .tenants()
        .into_iter()
        .map(|t| {
            serde_json::json!({
                "tenantId": t.tenant_id,
                "name": t.name,
                "baseCurrency": t.base_currency,
                "timezone": t.timezone
            })
        })
        .collect();
    let line = serde_json::json!({
        "baseUrl": sim.base_url(),
        "clientId": sim.client_id(),
        "tier": sim.app().tier.name(),
        "newApp": sim.app().is_new(),
        "tenants": tenants
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| ApiError::internal(format!("could not write to standard output: {e}")))?;
    drop(out);
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| ApiError::internal(format!("could not wait for Ctrl-C: {e}")))?;
    sim.stop().await;
    Ok(())
}
