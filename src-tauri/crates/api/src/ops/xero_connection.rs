//! Connecting to Xero: start a sign-in, complete it (loopback or deep link),
//! list and keep organisations, disconnect. Tokens never leave the keyring
//! and the Xero crate; nothing here returns or logs one.

use serde::{Deserialize, Serialize};

use ledgerkeep_xero::{Connection, ConnectionStatus, LoopbackListener, RedirectTarget};

use crate::{ApiError, AppContext};

/// Where Xero sends the browser back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum SignInRoute {
    /// `http://localhost:<port>/callback`, answered by the app itself.
    Loopback,
    /// An https bounce page registered in the owner's Xero app that forwards to
    /// `ledgerkeep://oauth/callback` (see `docs/oauth-bounce.html`).
    #[serde(rename_all = "camelCase")]
    BouncePage { url: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StartSignInRequest {
    pub route: SignInRoute,
}

impl StartSignInRequest {
    pub(crate) fn validate(&self) -> Result<RedirectTarget, ApiError> {
        match &self.route {
            SignInRoute::Loopback => Ok(RedirectTarget::Loopback),
            SignInRoute::BouncePage { url } if url.starts_with("https://") => {
                Ok(RedirectTarget::Https(url.clone()))
            }
            SignInRoute::BouncePage { .. } => Err(ApiError::invalid(
                "The bounce page must be an https address (Xero accepts no other redirect but localhost).",
            )),
        }
    }
}

/// A started sign-in: open `authorizeUrl` in the system browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SignInStarted {
    pub authorize_url: String,
    /// Names the flow for [`finish_loopback_sign_in`]; useless without the PKCE
    /// verifier, which stays in this process.
    pub state: String,
}

/// Starts a sign-in. For the loopback route the port is bound now, so that a
/// port already in use is reported before the browser opens.
#[tracing::instrument(name = "op", skip_all, fields(op = "start_sign_in", request_id = %crate::request_id()))]
pub async fn start_sign_in(
    ctx: &AppContext,
    req: StartSignInRequest,
) -> Result<SignInStarted, ApiError> {
    let target = req.validate()?;
    let listener = match target {
        RedirectTarget::Loopback => {
            // One port, one loopback sign-in: a newer start replaces an older
            // one, whether it was abandoned before its wait or is waiting now
            // (that wait ends as replaced and frees the port at once).
            let abandoned: Vec<String> = ctx
                .listeners()
                .lock()
                .drain()
                .map(|(state, _)| state)
                .collect();
            for state in abandoned {
                ctx.xero().sign_in().cancel(&state);
            }
            Some(LoopbackListener::take_over(ctx.config().endpoints.oauth_port).await?)
        }
        RedirectTarget::Https(_) => None,
    };
    let started = ctx.xero().start_sign_in(&target)?;
    if let Some(l) = listener {
        ctx.listeners().lock().insert(started.state.clone(), l);
    }
    Ok(SignInStarted {
        authorize_url: started.url,
        state: started.state,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FinishLoopbackSignInRequest {
    pub state: String,
}

/// A connection made: its organisations (none kept yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Connected {
    pub connection_id: String,
    pub organisations: Vec<OrganisationView>,
}

/// Waits for the browser to come back to the loopback listener of `state`.
#[tracing::instrument(name = "op", skip_all, fields(op = "finish_loopback_sign_in", request_id = %crate::request_id()))]
pub async fn finish_loopback_sign_in(
    ctx: &AppContext,
    req: FinishLoopbackSignInRequest,
) -> Result<Connected, ApiError> {
    let listener = ctx.listeners().lock().remove(&req.state).ok_or_else(|| {
        ApiError::invalid("No sign-in with the loopback route is waiting: start it again.")
    })?;
    let conn = ctx
        .xero()
        .complete_sign_in_on_loopback(listener, &req.state)
        .await?;
    crate::ops::diagnostics::count_connections(ctx).await;
    Ok(connected(&conn))
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CompleteSignInRequest {
    /// The query of `ledgerkeep://oauth/callback?…` (`code=…&state=…`).
    pub query: String,
}

/// The query holds the authorisation code and the state: Debug says only
/// whether one came.
impl std::fmt::Debug for CompleteSignInRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompleteSignInRequest")
            .field("query", &(!self.query.is_empty()).then_some("<redacted>"))
            .finish()
    }
}

/// Completes a sign-in from the deep link's query, with the same checks as the
/// loopback listener (one handler for both).
#[tracing::instrument(name = "op", skip_all, fields(op = "complete_sign_in", request_id = %crate::request_id()))]
pub async fn complete_sign_in(
    ctx: &AppContext,
    req: CompleteSignInRequest,
) -> Result<Connected, ApiError> {
    let conn = ctx.xero().complete_sign_in(&req.query).await?;
    crate::ops::diagnostics::count_connections(ctx).await;
    Ok(connected(&conn))
}

/// One organisation, as the UI lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationView {
    pub connection_id: String,
    pub tenant_id: String,
    pub name: String,
    pub kept: bool,
    pub status: OrganisationStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum OrganisationStatus {
    Connected,
    /// Xero refused the sign-in: connect again to resume syncing.
    NeedsReauthorisation,
}

fn views(conn: &Connection) -> Vec<OrganisationView> {
    let kept = conn.kept();
    let status = match conn.status() {
        ConnectionStatus::Active => OrganisationStatus::Connected,
        ConnectionStatus::NeedsReauthorisation => OrganisationStatus::NeedsReauthorisation,
    };
    conn.organisations()
        .into_iter()
        .map(|o| OrganisationView {
            connection_id: conn.id().to_owned(),
            kept: kept.contains(&o.tenant_id),
            tenant_id: o.tenant_id,
            name: o.tenant_name,
            status,
        })
        .collect()
}

fn connected(conn: &Connection) -> Connected {
    Connected {
        connection_id: conn.id().to_owned(),
        organisations: views(conn),
    }
}

/// Every organisation of every connection in the keyring.
#[tracing::instrument(name = "op", skip_all, fields(op = "list_organisations", request_id = %crate::request_id()))]
pub async fn list_organisations(ctx: &AppContext) -> Result<Vec<OrganisationView>, ApiError> {
    let all = ctx.xero().tokens().all().await?;
    Ok(all.iter().flat_map(|c| views(c)).collect())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeepOrganisationsRequest {
    pub connection_id: String,
    /// The tenants to keep (sync); the others of this connection are not synced.
    pub tenant_ids: Vec<String>,
}

/// Chooses which organisations of a connection are kept.
#[tracing::instrument(name = "op", skip_all, fields(op = "keep_organisations", request_id = %crate::request_id()))]
pub async fn keep_organisations(
    ctx: &AppContext,
    req: KeepOrganisationsRequest,
) -> Result<Vec<OrganisationView>, ApiError> {
    ctx.xero().keep(&req.connection_id, &req.tenant_ids).await?;
    let conn = ctx.xero().tokens().connection(&req.connection_id).await?;
    Ok(views(&conn))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DisconnectRequest {
    /// One organisation; `None`: every connection.
    pub tenant_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DisconnectOutcome {
    /// The organisations disconnected.
    pub tenant_ids: Vec<String>,
    /// Whether Xero confirmed the revocation (the sign-in is forgotten here either way).
    pub revoked: bool,
    /// What happens to the local data, for the owner to read.
    pub local_data: String,
}

/// Disconnects one organisation, or everything: revokes at Xero, deletes the
/// keyring entry. The local ledger is kept, read-only, until the owner removes it.
#[tracing::instrument(name = "op", skip_all, fields(op = "disconnect", request_id = %crate::request_id()))]
pub async fn disconnect(
    ctx: &AppContext,
    req: DisconnectRequest,
) -> Result<DisconnectOutcome, ApiError> {
    let (tenant_ids, revoked) = match &req.tenant_id {
        Some(t) => {
            let d = ctx.xero().disconnect_tenant(t).await?;
            (d.tenant_ids, d.revoked)
        }
        None => {
            let mut tenants = Vec::new();
            let mut revoked = true;
            for conn in ctx.xero().tokens().all().await? {
                let d = ctx.xero().disconnect(conn.id()).await?;
                tenants.extend(d.tenant_ids);
                revoked &= d.revoked;
            }
            (tenants, revoked)
        }
    };
    crate::ops::diagnostics::count_connections(ctx).await;
    Ok(DisconnectOutcome {
        local_data: "The books already on this computer are kept, read-only, until you remove them in Settings. Nothing more is fetched from Xero for these organisations.".to_owned(),
        tenant_ids,
        revoked,
    })
}

/// The whole loopback sign-in for a front with a browser: start it, hand the
/// address to `open_browser` (the system browser, never a webview), and wait
/// for the callback. The state stays in this process.
#[tracing::instrument(name = "op", skip_all, fields(op = "connect_via_loopback", request_id = %crate::request_id()))]
pub async fn connect_via_loopback(
    ctx: &AppContext,
    open_browser: impl FnOnce(&str) -> Result<(), String>,
) -> Result<Connected, ApiError> {
    let started = start_sign_in(
        ctx,
        StartSignInRequest {
            route: SignInRoute::Loopback,
        },
    )
    .await?;
    if let Err(err) = open_browser(&started.authorize_url) {
        tracing::warn!(%err, "the system browser could not be opened");
        ctx.xero().sign_in().cancel(&started.state);
        ctx.listeners().lock().remove(&started.state);
        return Err(ApiError::internal(format!(
            "The system browser could not be opened ({err}). Open Ledgerkeep's sign-in from the CLI instead: ledgerkeep-cli connect"
        )));
    }
    finish_loopback_sign_in(
        ctx,
        FinishLoopbackSignInRequest {
            state: started.state,
        },
    )
    .await
}

/// Starts a sign-in that comes back through the owner's https bounce page and
/// the `ledgerkeep://oauth/callback` deep link, and opens the browser on it.
/// [`complete_sign_in`] finishes it when the link arrives.
#[tracing::instrument(name = "op", skip_all, fields(op = "start_bounce_sign_in", request_id = %crate::request_id()))]
pub async fn start_bounce_sign_in(
    ctx: &AppContext,
    bounce_page: String,
    open_browser: impl FnOnce(&str) -> Result<(), String>,
) -> Result<(), ApiError> {
    let started = start_sign_in(
        ctx,
        StartSignInRequest {
            route: SignInRoute::BouncePage { url: bounce_page },
        },
    )
    .await?;
    open_browser(&started.authorize_url).map_err(|err| {
        ctx.xero().sign_in().cancel(&started.state);
        ApiError::internal(format!("The system browser could not be opened ({err})."))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deep_links_query_never_prints() {
        let req = CompleteSignInRequest {
            query: "code=c0de-secret-9&state=st4te-secret-8".to_owned(),
        };
        let printed = format!("{req:?}");
        assert!(!printed.contains("c0de-secret-9"), "{printed}");
        assert!(!printed.contains("st4te-secret-8"), "{printed}");
        assert!(printed.contains("<redacted>"), "{printed}");
    }
}
