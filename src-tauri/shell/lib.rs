//! The Ledgerkeep desktop shell: the only crate that depends on Tauri.
//!
//! It starts the [`App`] once (`ledgerkeep-api`'s lifecycle, which the CLI
//! shares), hands it to Tauri as the one state value, wires the plugins, and
//! exposes the operations of `ledgerkeep-api` as one-line commands (see
//! [`contract`]). It decides nothing of its own.

pub mod browser;
pub mod commands;
pub mod contract;
pub mod deep_link;
pub mod events;
pub mod menu;
pub mod sync_bridge;
pub mod updater;

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use ledgerkeep_api::{App, AppConfig, AppPaths, StartOptions};
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
    let paths = config.paths.clone();
    let mut context = tauri::generate_context!("tauri.conf.json");
    // Until the owner sets up a Xero app, the demo company's simulator stands in.
    let app = match tauri::async_runtime::block_on(App::start(
        config,
        StartOptions::desktop("Ledgerkeep"),
    )) {
        Ok(app) => app,
        Err(err) => {
            if ledgerkeep_api::ledger_held_by_another_app(&paths) {
                hand_over_to_running_app(context);
            }
            return fail(&err.message);
        }
    };
    let metrics = app.metrics().clone();
    let update_ctx = app.context().clone();
    updater::apply_debug_overrides(&mut context);

    let bridge = contract::builder();
    let window = tauri::Builder::default()
        // Must be registered first: a second launch hands its arguments (a
        // `ledgerkeep://` link among them) to this process and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            deep_link::focus_main_window(app);
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(app)
        .invoke_handler(bridge.invoke_handler())
        .setup(move |tauri_app| {
            bridge.mount_events(tauri_app);
            deep_link::install(tauri_app)?;
            menu::install(tauri_app)?;
            metrics.record_startup(started.elapsed());
            updater::spawn_periodic_checks(tauri_app.handle().clone(), update_ctx);
            sync_bridge::forward_events(tauri_app.handle().clone(), &tauri_app.state::<App>());
            Ok(())
        })
        .build(context);

    let window = match window {
        Ok(window) => window,
        Err(err) => return fail(&format!("The window could not be opened: {err}")),
    };
    window.run(move |handle, event| {
        if let tauri::RunEvent::Exit = event {
            let closing = Instant::now();
            tracing::info!("Ledgerkeep closing");
            // Syncs stopped, the ledger closed, a chosen restore applied, the demo ended.
            tauri::async_runtime::block_on(handle.state::<App>().shutdown());
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
