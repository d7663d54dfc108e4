//! `ledgerkeep-cli connect` and `ledgerkeep-cli disconnect`: Xero sign-in from
//! a terminal, through the same operations as the app.

use std::process::ExitCode;

use clap::Args;
use ledgerkeep_api::{
    ApiError, AppContext, DisconnectRequest, FinishLoopbackSignInRequest, KeepOrganisationsRequest,
    SignInRoute, StartSignInRequest,
};

use crate::print_line;

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Keep only these organisations (tenant ids); default: every one the sign-in reaches.
    #[arg(long = "keep", value_name = "TENANT_ID")]
    keep: Vec<String>,
    /// Do not try to open a browser; only print the address.
    #[arg(long)]
    no_browser: bool,
}

#[derive(Debug, Args)]
pub struct DisconnectArgs {
    /// Disconnect only this organisation (default: every connection).
    #[arg(long = "tenant", value_name = "TENANT_ID")]
    tenant: Option<String>,
}

/// Prints the authorize URL on its own line, opens a browser where there is
/// one, waits for the loopback callback and keeps the chosen organisations.
pub async fn connect(ctx: &AppContext, args: ConnectArgs) -> Result<ExitCode, ApiError> {
    let started = ledgerkeep_api::start_sign_in(
        ctx,
        StartSignInRequest {
            route: SignInRoute::Loopback,
        },
    )
    .await?;
    print_line("Open this address in your browser to connect Ledgerkeep to Xero:")?;
    print_line(&started.authorize_url)?;
    if !args.no_browser {
        open_browser(&started.authorize_url);
    }
    let connected = ledgerkeep_api::finish_loopback_sign_in(
        ctx,
        FinishLoopbackSignInRequest {
            state: started.state,
        },
    )
    .await?;
    let keep: Vec<String> = if args.keep.is_empty() {
        connected
            .organisations
            .iter()
            .map(|o| o.tenant_id.clone())
            .collect()
    } else {
        args.keep
    };
    let views = ledgerkeep_api::keep_organisations(
        ctx,
        KeepOrganisationsRequest {
            connection_id: connected.connection_id,
            tenant_ids: keep,
        },
    )
    .await?;
    for o in views.iter().filter(|o| o.kept) {
        print_line(&format!("kept: {} ({})", o.name, o.tenant_id))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn disconnect(ctx: &AppContext, args: DisconnectArgs) -> Result<ExitCode, ApiError> {
    let out = ledgerkeep_api::disconnect(
        ctx,
        DisconnectRequest {
            tenant_id: args.tenant,
        },
    )
    .await?;
    for t in &out.tenant_ids {
        print_line(&format!("disconnected: {t}"))?;
    }
    if !out.revoked {
        print_line(
            "Xero did not confirm the revocation; the sign-in is forgotten on this computer.",
        )?;
    }
    print_line(&out.local_data)?;
    Ok(ExitCode::SUCCESS)
}

/// Best effort: where there is a desktop, hand the address to its opener.
fn open_browser(url: &str) {
    let has_display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    // On Windows through rundll32, not `cmd /C start`: cmd would read the
    // URL's `&`s as command separators.
    let opener: Option<(&str, &[&str])> = if cfg!(target_os = "macos") {
        Some(("open", &[]))
    } else if cfg!(target_os = "windows") {
        Some(("rundll32", &["url.dll,FileProtocolHandler"]))
    } else if has_display {
        Some(("xdg-open", &[]))
    } else {
        None
    };
    if let Some((cmd, before)) = opener {
        let _ = std::process::Command::new(cmd)
            .args(before)
            .arg(url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
}
