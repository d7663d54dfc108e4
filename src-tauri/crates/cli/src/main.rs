//! `ledgerkeep-cli`: the headless front. It calls the same operations as the
//! desktop app, through `ledgerkeep-api`, and never links a window system.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ledgerkeep_api::{ApiError, AppContext, AppPaths};

mod simulator;

#[derive(Debug, Parser)]
#[command(
    name = "ledgerkeep-cli",
    version,
    about = "Ledgerkeep without a window: your Xero books, offline"
)]
struct Cli {
    /// Keep all data, logs and backups under this folder
    /// (default: $LEDGERKEEP_DATA_DIR, else the OS's per-user data folder).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the app version, the ledger's schema version and where files are kept, as JSON.
    Info,
    /// Run the Xero simulator on loopback until Ctrl-C; prints its base URL and client id.
    Simulator(simulator::SimulatorArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "error ({:?}): {}", err.code, err.message);
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), ApiError> {
    // The simulator keeps no ledger: it needs no data folder.
    let command = match cli.command {
        Command::Simulator(args) => return simulator::run(args).await,
        other => other,
    };
    let paths = match cli.data_dir {
        Some(dir) => AppPaths::under(&dir),
        None => AppPaths::from_env().ok_or_else(|| {
            ApiError::invalid("No home folder found: pass --data-dir or set LEDGERKEEP_DATA_DIR")
        })?,
    };
    let ctx = AppContext::open(paths).await?;
    let result = match command {
        Command::Info => print_json(&ledgerkeep_api::app_info(&ctx).await?),
        Command::Simulator(_) => Ok(()),
    };
    ctx.close().await;
    result
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), ApiError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| ApiError::internal(format!("could not format the answer: {e}")))?;
    writeln!(std::io::stdout(), "{text}")
        .map_err(|e| ApiError::internal(format!("could not write to standard output: {e}")))
}
