//! The ledger's maintenance commands: `backup`, `restore` and `audit verify`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ledgerkeep_api::{ApiError, AppConfig, AppContext, BackupRequest, RestoreRequest};

use crate::output::Output;
use crate::text;

/// `audit verify` exits with this when the chain is broken (1 is any other error).
pub const EXIT_CHAIN_BROKEN: u8 = 3;

/// A path typed on the command line, made full from the current folder (the
/// API takes full paths only).
pub fn typed_path(p: PathBuf) -> String {
    std::path::absolute(&p).unwrap_or(p).display().to_string()
}

/// `ledgerkeep-cli backup [--to PATH]`
pub async fn backup(
    ctx: &AppContext,
    to: Option<PathBuf>,
    out: Output,
) -> Result<ExitCode, ApiError> {
    let req = BackupRequest {
        to: to.map(typed_path),
    };
    let view = ledgerkeep_api::backup_now(ctx, req, ctx.config().now()).await?;
    out.print(&view, |o| text::backup(o, &view))?;
    Ok(ExitCode::SUCCESS)
}

/// `ledgerkeep-cli restore PATH`: runs with the ledger closed.
pub async fn restore(config: &AppConfig, from: &Path, out: Output) -> Result<ExitCode, ApiError> {
    let paths = &config.paths;
    paths.create_all().map_err(|e| {
        ApiError::new(
            ledgerkeep_api::ErrorCode::Storage,
            format!(
                "Could not create the data folder {}: {e}",
                paths.data_dir.display()
            ),
        )
    })?;
    let req = RestoreRequest {
        from: typed_path(from.to_owned()),
    };
    let view = ledgerkeep_api::restore_backup(paths, req, config.now()).await?;
    out.print(&view, |o| text::restore(o, &view))?;
    Ok(ExitCode::SUCCESS)
}

/// `ledgerkeep-cli audit verify`: prints the report, with what the chain's
/// anchor outside the ledger (the OS keyring) said; exits non-zero and names
/// the first broken link and the last good row when the chain is broken, or
/// each attachment whose file is missing or altered (the same exit code). An
/// anchor that could not vouch for the whole chain is said on stderr.
pub async fn audit_verify(ctx: &AppContext, out: Output) -> Result<ExitCode, ApiError> {
    let report = ledgerkeep_api::verify_audit_anchored(ctx).await?;
    out.print(&report, |o| text::audit(o, &report))?;
    if let Some(note) = &report.anchor_note {
        let _ = writeln!(std::io::stderr(), "{note}");
    }
    for p in &report.view.file_problems {
        let _ = writeln!(
            std::io::stderr(),
            "attachment {} ({}) {}",
            p.file_name,
            p.attachment_id,
            if p.missing {
                "is missing from the attachments folder"
            } else {
                "no longer matches the hash the audit trail recorded"
            }
        );
    }
    match &report.view.first_break {
        None if report.view.file_problems.is_empty() => Ok(ExitCode::SUCCESS),
        None => Ok(ExitCode::from(EXIT_CHAIN_BROKEN)),
        Some(b) => {
            let _ = writeln!(
                std::io::stderr(),
                "audit chain broken at row {} ({}): {}",
                b.seq,
                b.kind,
                b.detail
            );
            Ok(ExitCode::from(EXIT_CHAIN_BROKEN))
        }
    }
}
