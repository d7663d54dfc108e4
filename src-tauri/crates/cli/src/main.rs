//! `ledgerkeep-cli`: the headless front. It calls the same operations as the
//! desktop app, through `ledgerkeep-api`, and never links a window system.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ledgerkeep_api::{ApiError, AppContext, AppPaths};

mod ledger_cmds;

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

    // --- The ledger's maintenance (ledger_cmds.rs) ---
    /// Back up the ledger (checked with PRAGMA integrity_check) into the backups
    /// folder, or to exactly PATH.
    Backup {
        /// Write the backup to this file (it must not exist).
        #[arg(long, value_name = "PATH")]
        to: Option<PathBuf>,
    },
    /// Replace the ledger with a backup, after checking the backup. The replaced
    /// ledger is kept in the backups folder. Close the app first.
    Restore {
        /// The backup file.
        #[arg(value_name = "PATH")]
        path: PathBuf,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Walk the whole hash chain; exit 3 and name the first broken link if it is broken.
    Verify,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "error ({:?}): {}", err.code, err.message);
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, ApiError> {
    let paths = match cli.data_dir {
        Some(dir) => AppPaths::under(&dir),
        None => AppPaths::from_env().ok_or_else(|| {
            ApiError::invalid("No home folder found: pass --data-dir or set LEDGERKEEP_DATA_DIR")
        })?,
    };
    // Restore runs with the ledger closed: it may be the damaged file being replaced.
    if let Command::Restore { path } = &cli.command {
        return ledger_cmds::restore(&paths, path).await;
    }
    let ctx = AppContext::open(paths).await?;
    let result = match cli.command {
        Command::Info => {
            print_json(&ledgerkeep_api::app_info(&ctx).await?).map(|()| ExitCode::SUCCESS)
        }
        Command::Backup { to } => ledger_cmds::backup(&ctx, to).await,
        Command::Audit {
            command: AuditCommand::Verify,
        } => ledger_cmds::audit_verify(&ctx).await,
        Command::Restore { .. } => Err(ApiError::internal("restore runs without an open ledger")),
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
