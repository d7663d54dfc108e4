//! The Ledgerkeep desktop shell: the only crate that depends on Tauri.
//!
//! It builds the [`AppContext`] once, hands it to Tauri as the one state value,
//! wires the plugins, and exposes the operations of `ledgerkeep-api` as
//! one-line commands (see [`contract`]). It decides nothing of its own.

pub mod browser;
pub mod commands;
pub mod contract;
pub mod deep_link;
pub mod events;
pub mod menu;
pub mod reminders;
pub mod sync_bridge;
pub mod updater;

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use ledgerkeep_api::{AppConfig, AppContext, AppPaths};
use ledgerkeep_obs::logging::{self, LogConfig};
use tauri::Manager;

/// Starts the desktop app. Returns when the last window closes.
pub fn run() -> ExitCode {
    let started = Instant::now();
    let Some(paths) = AppPaths::from_env() else {
        return fail(
            "No home folder was found to keep the ledger in. Set LEDGERKEEP_DATA_DIR to a folder.",
        );
    };
    let mut config = AppConfig::new(paths);
    let log = match logging::init(
        &LogConfig::new(&config.paths.logs_dir, "ledgerkeep"),
        config.clock.clone(),
    ) {
        Ok(guard) => Some(guard),
        Err(err) => {
            let _ = writeln!(
                std::io::stderr(),
                "Ledgerkeep will run without a log file: {err}"
            );
            None
        }
    };
    if let Some(guard) = &log {
        config.log_control = guard.control();
    }
    ledgerkeep_obs::crash::install_panic_hook(
        config.paths.crashes_dir.clone(),
        env!("CARGO_PKG_VERSION"),
        config.clock.clone(),
    );
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "Ledgerkeep starting");
    // Until the owner sets up a Xero app, the demo company's simulator stands in.
    let demo = match tauri::async_runtime::block_on(
        ledgerkeep_api::ops::demo::start_demo_if_unconfigured(&mut config),
    ) {
        Ok(demo) => demo,
        Err(err) => {
            tracing::warn!(message = %err.message, "the demo company is not available");
            None
        }
    };
    let mut xero = ledgerkeep_api::XeroSetup::keyring_service("Ledgerkeep");
    if let Some(server) = &demo {
        xero.options = server.xero_options();
    }
    let audit_anchor = std::sync::Arc::clone(&xero.audit_anchor);
    let paths = config.paths.clone();
    let mut context = tauri::generate_context!("tauri.conf.json");
    let ctx = match tauri::async_runtime::block_on(AppContext::open_with(config, xero)) {
        Ok(ctx) => ctx,
        Err(err) => {
            if ledgerkeep_api::ledger_held_by_another_app(&paths) {
                hand_over_to_running_app(context);
            }
            return fail(&err.message);
        }
    };
    let sync = match tauri::async_runtime::block_on(sync_bridge::start(&ctx)) {
        Ok(sync) => sync,
        Err(err) => return fail(&err.message),
    };
    let metrics = ctx.metrics().clone();
    let update_ctx = ctx.clone();
    let reminder_ctx = ctx.clone();
    let sync_events = sync.clone();
    updater::apply_debug_overrides(&mut context);

    let bridge = contract::builder();
    let app = tauri::Builder::default()
        // Must be registered first: a second launch hands its arguments (a
        // `ledgerkeep://` link among them) to this process and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            deep_link::focus_main_window(app);
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(ctx)
        .manage(sync.clone())
        .invoke_handler(bridge.invoke_handler())
        .setup(move |app| {
            bridge.mount_events(app);
            deep_link::install(app)?;
            menu::install(app)?;
            metrics.record_startup(started.elapsed());
            updater::spawn_periodic_checks(app.handle().clone(), update_ctx);
            sync_bridge::forward_events(app.handle().clone(), &sync_events);
            reminders::spawn(reminder_ctx);
            Ok(())
        })
        .build(context);

    let app = match app {
        Ok(app) => app,
        Err(err) => return fail(&format!("The window could not be opened: {err}")),
    };
    // The demo's simulator lives as long as the app.
    let mut demo = demo;
    app.run(move |handle, event| {
        if let tauri::RunEvent::Exit = event {
            let ctx = handle.state::<AppContext>().inner().clone();
            let sync = handle
                .state::<ledgerkeep_api::SyncService>()
                .inner()
                .clone();
            let closing = Instant::now();
            tracing::info!("Ledgerkeep closing");
            let paths = ctx.paths().clone();
            let now = ctx.config().now();
            tauri::async_runtime::block_on(async {
                // Stop syncing first: the page in flight commits whole or rolls back.
                // Bounded, so that a call hanging on the network cannot hold the exit.
                if tokio::time::timeout(std::time::Duration::from_secs(5), sync.shutdown())
                    .await
                    .is_err()
                {
                    tracing::warn!("syncs did not stop within 5 s; closing anyway");
                }
                if tokio::time::timeout(std::time::Duration::from_secs(5), ctx.close())
                    .await
                    .is_err()
                {
                    tracing::warn!("the ledger did not close within 5 s");
                } else {
                    // A restore chosen in Settings runs once the ledger is closed.
                    ledgerkeep_api::ops::backups::apply_pending_restore(
                        &paths,
                        now,
                        std::sync::Arc::clone(&audit_anchor),
                    )
                    .await;
                }
                // The demo's simulator ends with the process; waiting on its idle
                // keep-alive connections would only hold the exit.
                drop(demo.take());
            });
            tracing::info!(
                ms = u64::try_from(closing.elapsed().as_millis()).unwrap_or(u64::MAX),
                "Ledgerkeep closed"
            );
        }
    });
    ExitCode::SUCCESS
}

/// Another Ledgerkeep window holds the ledger: the single-instance plugin
/// hands this launch's arguments (a `ledgerkeep://` link among them) to it and
/// ends this process. Returns only if no such window answers.
fn hand_over_to_running_app(context: tauri::Context) {
    tracing::info!("another Ledgerkeep window has the ledger: handing this launch to it");
    let _ = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|_, _, _| {}))
        .build(context);
}

fn fail(message: &str) -> ExitCode {
    tracing::error!(message, "start-up failed");
    let _ = writeln!(std::io::stderr(), "Ledgerkeep could not start: {message}");
    ExitCode::FAILURE
}
