//! `ledgerkeep-cli`: the headless front. It calls the same operations as the
//! desktop app, through `ledgerkeep-api`, and never links a window system.

mod doctor;
mod ledger_cmds;
mod output;
mod report_cmds;
mod text;
mod xero;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use ledgerkeep_api::{ApiError, AppConfig, AppContext, AppPaths};
use ledgerkeep_obs::logging::{self, LogConfig};
use output::{FormatArg, Output};

mod simulator;
mod sync_cmds;

#[derive(Debug, Parser)]
#[command(
    name = "ledgerkeep-cli",
    version,
    about = "Ledgerkeep without a window: your Xero books, offline",
    after_help = EXIT_CODES
)]
struct Cli {
    /// Keep all data, logs and backups under this folder
    /// (default: $LEDGERKEEP_DATA_DIR, else the OS's per-user data folder).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Print the report as JSON (the API's fields), for scripts; the same as
    /// --format json. Default: readable text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the app version, the ledger's schema version and where files are kept.
    Info(FormatArg),
    /// Check the ledger, the keyring, Xero, disk and memory; exit 1 if a check fails.
    Doctor(FormatArg),
    /// Make a zip of logs, metrics, crash reports and versions (no secrets) to send to support.
    SupportBundle {
        /// Where to write the zip (default: the app's support folder).
        #[arg(long, value_name = "PATH")]
        to: Option<PathBuf>,
    },

    // --- The ledger's maintenance (ledger_cmds.rs) ---
    /// Back up the ledger (checked with PRAGMA integrity_check) into the backups
    /// folder, or to exactly PATH.
    Backup {
        /// Write the backup to this file (it must not exist).
        #[arg(long, value_name = "PATH")]
        to: Option<PathBuf>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Replace the ledger with a backup, after checking the backup. The replaced
    /// ledger is kept in the backups folder. Close the app first.
    Restore {
        /// The backup file.
        #[arg(value_name = "PATH")]
        path: PathBuf,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Run the Xero simulator on loopback until Ctrl-C; prints its base URL and client id.
    Simulator(simulator::SimulatorArgs),
    /// Connect to Xero: print the sign-in address, wait for the browser, keep the organisations.
    Connect(xero::ConnectArgs),
    /// Disconnect from Xero (revoke and forget the sign-in); the local books are kept.
    Disconnect(xero::DisconnectArgs),
    // --- Syncing with Xero (sync_cmds.rs) ---
    /// Sync every kept organisation (or one) now; a progress bar on stderr, then
    /// what each sync did. Exit 2 if a sync stopped early. While another
    /// Ledgerkeep process (the app) holds the ledger, it waits for it to close,
    /// unless --no-wait (then exit 4).
    Sync {
        /// Do not wait for another process that holds the ledger: exit 4 at once.
        #[arg(long)]
        no_wait: bool,
        #[arg(long, value_name = "ID")]
        tenant: Option<String>,
        /// Read every stream whole (a full sweep).
        #[arg(long)]
        full: bool,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Per organisation and stream: watermark, counts, last result, rate-limit use.
    Status {
        #[arg(long, value_name = "ID")]
        tenant: Option<String>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Write one entity's records (Invoices, Contacts, ...) to stdout, with
    /// Xero's field names, exact amounts and ISO 8601 dates.
    Export {
        entity: String,
        /// csv or json (--json is --format json).
        #[arg(long, value_parser = sync_cmds::parse_format, required_unless_present = "json")]
        format: Option<ledgerkeep_api::ExportFormat>,
        #[arg(long, value_name = "ID")]
        tenant: Option<String>,
    },
    /// Payments recorded through Ledgerkeep and their way to Xero (queued,
    /// sending, recorded, failed, cancelled, or unknown: Xero may hold it, and
    /// each sync checks its invoice).
    Payments {
        #[arg(long, value_name = "ID")]
        tenant: Option<String>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Record a payment on an invoice or bill: checked against the ledger and
    /// queued for Xero; the next `sync` sends it.
    Pay {
        #[arg(long, value_name = "ID")]
        tenant: String,
        /// The invoice's or bill's InvoiceID.
        #[arg(long, value_name = "ID")]
        invoice: String,
        /// The paying account's AccountID.
        #[arg(long, value_name = "ID")]
        account: String,
        /// The amount, exactly: 125.50.
        #[arg(long)]
        amount: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        date: String,
        #[arg(long, default_value = "")]
        reference: String,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Cancel a queued payment (by the id `payments` shows).
    CancelPayment {
        id: u32,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Print a report from the ledger (read only: it runs beside the app):
    /// a table by default, or --format json|csv. JSON rows carry the section, the account code and name (or the line's
    /// label) and each column's amount as exact decimal text; CSV has one
    /// header line and one line per row. A report that lacks a stream (refused
    /// by Xero, or not synced yet) says so in `notes` and `incomplete`, and on
    /// stderr. Exit 1 when the report cannot be made (unknown organisation,
    /// bad date, a basis the report does not offer), 2 for a command-line
    /// mistake (unknown report, format or option). --json is --format json.
    Report(report_cmds::ReportArgs),
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Print a completion script for a shell to stdout, e.g.
    /// `ledgerkeep-cli completions bash > ~/.local/share/bash-completion/completions/ledgerkeep-cli`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Walk the whole hash chain; exit 3 and name the first broken link if it is broken.
    Verify(FormatArg),
}

/// The exit codes, as `--help` shows them (and docs/RUNBOOK.md).
const EXIT_CODES: &str = "\
Output:
  Reports print as readable text (tables as wide as the terminal, colour on a
  terminal unless NO_COLOR is set). --json (or --format json) prints the same
  report as JSON for scripts; report and export also take --format csv.

Exit codes:
  0  done
  1  an error, said on stderr (doctor: a check failed; report: the report
     could not be made)
  2  a command-line mistake (unknown command, option or value); sync: a sync
     stopped early, or Ctrl-C while waiting for the ledger
  3  audit verify: the audit chain is broken, or a kept attachment is
     missing or altered
  4  sync --no-wait: another Ledgerkeep process holds the ledger";

#[tokio::main]
async fn main() -> ExitCode {
    // This process is the command line: it takes the ledger's writer lock per
    // command (sync, restore), not for as long as the ledger is open.
    ledgerkeep_store::lock::set_front(ledgerkeep_store::Front::Cli);
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
    // The simulator keeps no ledger: it needs no data folder.
    let command = match cli.command {
        Command::Simulator(args) => return simulator::run(args).await.map(|()| ExitCode::SUCCESS),
        Command::Completions { shell } => {
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut Cli::command(), "ledgerkeep-cli", &mut out);
            return Ok(ExitCode::SUCCESS);
        }
        other => other,
    };
    let json = cli.json;
    let out = |format: FormatArg| Output::detect(json, format);
    let paths = match cli.data_dir {
        Some(dir) => AppPaths::under(&dir),
        None => AppPaths::from_env().ok_or_else(|| {
            ApiError::invalid("No home folder found: pass --data-dir or set LEDGERKEEP_DATA_DIR")
        })?,
    };
    let mut config = AppConfig::new(paths);
    if let Some(clock) = test_clock() {
        config.clock = clock;
    }
    // Logging is best effort: a CLI that cannot write its log still works.
    let log = logging::init(
        &LogConfig::new(&config.paths.logs_dir, "ledgerkeep-cli"),
        config.clock.clone(),
    )
    .ok();
    if let Some(guard) = &log {
        config.log_control = guard.control();
    }
    ledgerkeep_obs::crash::install_panic_hook(
        config.paths.crashes_dir.clone(),
        env!("CARGO_PKG_VERSION"),
        config.clock.clone(),
    );

    match &command {
        Command::Doctor(format) => return doctor::run(config, out(*format)).await,
        // Restore runs with the ledger closed: it may be the damaged file being replaced.
        Command::Restore { path, format } => {
            return ledger_cmds::restore(&config, path, out(*format)).await
        }
        _ => {}
    }
    // The app's own lifecycle, as the desktop's: no demo, no scheduler here.
    let app = ledgerkeep_api::App::start(
        config,
        ledgerkeep_api::StartOptions::command_line(xero_setup()),
    )
    .await?;
    let ctx: &AppContext = &app;
    let ok = |()| ExitCode::SUCCESS;
    let result = match command {
        Command::Info(format) => {
            let info = ledgerkeep_api::app_info(ctx).await?;
            out(format).print(&info, |o| text::info(o, &info)).map(ok)
        }
        Command::SupportBundle { to } => {
            let req = ledgerkeep_api::SupportBundleRequest {
                to: to.map(ledger_cmds::typed_path),
            };
            let bundle = ledgerkeep_api::make_support_bundle(ctx, req).await?;
            print_line(&bundle.path).map(ok)
        }
        Command::Backup { to, format } => ledger_cmds::backup(ctx, to, out(format)).await,
        Command::Audit {
            command: AuditCommand::Verify(format),
        } => ledger_cmds::audit_verify(ctx, out(format)).await,
        Command::Sync {
            tenant,
            full,
            no_wait,
            format,
        } => sync_cmds::sync(ctx, tenant, full, !no_wait, out(format)).await,
        Command::Status { tenant, format } => sync_cmds::status(ctx, tenant, out(format)).await,
        Command::Export {
            entity,
            format,
            tenant,
        } => {
            let format = match format {
                Some(f) if !json => f,
                _ => ledgerkeep_api::ExportFormat::Json,
            };
            sync_cmds::export(ctx, entity, format, tenant).await
        }
        Command::Payments { tenant, format } => {
            let req = ledgerkeep_api::ListPaymentsRequest {
                tenant_id: tenant,
                invoice_id: None,
            };
            let list = ledgerkeep_api::list_payments(ctx, req).await?;
            out(format)
                .print(&list, |o| text::payments(o, &list))
                .map(ok)
        }
        Command::Pay {
            tenant,
            invoice,
            account,
            amount,
            date,
            reference,
            format,
        } => {
            let req = ledgerkeep_api::RecordPaymentRequest {
                tenant_id: tenant,
                invoice_id: invoice,
                account_id: account,
                amount,
                date,
                reference,
            };
            let actor = ledgerkeep_api::Actor::cli("pay");
            let p = ledgerkeep_api::record_payment_as(ctx, None, req, actor).await;
            let p = print_refusal(p)?;
            out(format).print(&p, |o| text::payment(o, &p)).map(ok)
        }
        Command::CancelPayment { id, format } => {
            let req = ledgerkeep_api::CancelPaymentRequest { id };
            let actor = ledgerkeep_api::Actor::cli("cancel-payment");
            let p = ledgerkeep_api::cancel_payment_as(ctx, req, actor).await?;
            out(format).print(&p, |o| text::payment(o, &p)).map(ok)
        }
        Command::Report(args) => report_cmds::report(ctx, args, json).await,
        Command::Doctor(_)
        | Command::Restore { .. }
        | Command::Simulator(_)
        | Command::Completions { .. } => Ok(ExitCode::SUCCESS),
        Command::Connect(args) => xero::connect(ctx, args).await.map(|_| ExitCode::SUCCESS),
        Command::Disconnect(args) => xero::disconnect(ctx, args).await.map(|_| ExitCode::SUCCESS),
    };
    app.shutdown().await;
    result
}

/// Debug builds only: `LEDGERKEEP_TEST_NOW_MS` starts this run's clock at that
/// instant (ms since the epoch; it runs on at the system's pace), so a test
/// drives the command line on the same virtual clock as its simulator and its
/// in-process app. A release build always reads the system's clock.
#[cfg(debug_assertions)]
fn test_clock() -> Option<ledgerkeep_obs::SharedClock> {
    let ms = std::env::var("LEDGERKEEP_TEST_NOW_MS")
        .ok()?
        .trim()
        .parse::<i64>()
        .ok()?;
    ledgerkeep_obs::ShiftedClock::starting_at_ms(ms).map(|c| c as ledgerkeep_obs::SharedClock)
}

#[cfg(not(debug_assertions))]
fn test_clock() -> Option<ledgerkeep_obs::SharedClock> {
    None
}

/// The OS keyring under `Ledgerkeep`, or under `$LEDGERKEEP_KEYRING_SERVICE`
/// (a test or a second profile). `LEDGERKEEP_XERO_MINUTE_LIMIT` sets the calls
/// per minute per organisation (default: Xero's 60; a test against the
/// simulator raises it, as the simulator can be told to allow more).
fn xero_setup() -> ledgerkeep_api::XeroSetup {
    let service = std::env::var("LEDGERKEEP_KEYRING_SERVICE")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "Ledgerkeep".to_owned());
    let mut setup = ledgerkeep_api::XeroSetup::keyring_service(&service);
    if let Some(n) = std::env::var("LEDGERKEEP_XERO_MINUTE_LIMIT")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| *n > 0)
    {
        setup.options.client.limits.per_minute = n;
    }
    setup
}

/// A form's refusal names each field on stderr before the error itself.
fn print_refusal<T>(r: Result<T, ApiError>) -> Result<T, ApiError> {
    if let Err(e) = &r {
        for f in e.field_errors() {
            let _ = writeln!(std::io::stderr(), "{}: {}", f.field, f.message);
        }
    }
    r
}

pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<(), ApiError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| ApiError::internal(format!("could not format the answer: {e}")))?;
    print_line(&text)
}

pub(crate) fn print_line(text: &str) -> Result<(), ApiError> {
    writeln!(std::io::stdout(), "{text}")
        .map_err(|e| ApiError::internal(format!("could not write to standard output: {e}")))
}
