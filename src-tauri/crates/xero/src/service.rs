//! Everything of Xero the app holds, put together: sign-in, tokens, the client.
//! The API crate's operations and the sync engine use this.

use std::sync::Arc;
use std::time::Duration;

use ledgerkeep_obs::Metrics;

use crate::callback::LoopbackListener;
use crate::client::{ClientSettings, XeroClient};
use crate::error::{Result, XeroError};
use crate::oauth::{AuthorizeRequest, RedirectTarget, SignIn, TokenSet, DEFAULT_SCOPES};
use crate::time::Timekeeping;
use crate::tokens::{Connection, StoredConnection, TokenManager, TokenStore};
use crate::XeroEndpoints;

/// What can be set about Xero besides the endpoints.
#[derive(Debug, Clone)]
pub struct XeroOptions {
    /// The OAuth scopes asked for (a setting: Xero's granular names move).
    pub scopes: Vec<String>,
    pub client: ClientSettings,
    /// How long the loopback listener waits for the browser.
    pub callback_timeout: Duration,
}

impl Default for XeroOptions {
    fn default() -> Self {
        XeroOptions {
            scopes: DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            client: ClientSettings::default(),
            callback_timeout: Duration::from_secs(5 * 60),
        }
    }
}

/// What disconnecting did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disconnected {
    /// Xero accepted the revocation of the refresh token.
    pub revoked: bool,
    /// The organisations the connection reached (their local data is kept, read-only).
    pub tenant_ids: Vec<String>,
}

/// Sign-in, tokens and the client, built once.
#[derive(Debug)]
pub struct Xero {
    sign_in: Arc<SignIn>,
    tokens: Arc<TokenManager>,
    client: XeroClient,
    options: XeroOptions,
}

/// What one stored sign-in was granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantedScopes {
    pub connection_id: String,
    /// Xero's space-separated `scope`.
    pub scope: String,
    /// The names of the organisations the sign-in reaches.
    pub organisations: Vec<String>,
}

impl Xero {
    pub fn new(
        endpoints: XeroEndpoints,
        store: Arc<dyn TokenStore>,
        time: Timekeeping,
        metrics: Option<Arc<Metrics>>,
        options: XeroOptions,
    ) -> Result<Self> {
        let sign_in = Arc::new(SignIn::new(
            endpoints.clone(),
            options.scopes.clone(),
            time.clone(),
        )?);
        let tokens = Arc::new(TokenManager::new(
            store,
            Arc::clone(&sign_in),
            time.clone(),
            metrics.clone(),
        ));
        let client = XeroClient::new(
            endpoints,
            Arc::clone(&tokens),
            time,
            metrics,
            options.client.clone(),
        )?;
        Ok(Xero {
            sign_in,
            tokens,
            client,
            options,
        })
    }

    pub fn sign_in(&self) -> &Arc<SignIn> {
        &self.sign_in
    }

    /// Starts sweeping expired sign-ins in the background (call once, inside
    /// a tokio runtime); the task ends when this `Xero` is dropped.
    pub fn spawn_sweeper(&self) -> tokio::task::JoinHandle<()> {
        self.sign_in.spawn_sweeper()
    }

    pub fn tokens(&self) -> &Arc<TokenManager> {
        &self.tokens
    }

    pub fn client(&self) -> &XeroClient {
        &self.client
    }

    pub fn options(&self) -> &XeroOptions {
        &self.options
    }

    /// The scopes Xero granted each stored sign-in, as last written to the
    /// token store, with the organisations the sign-in reaches.
    pub async fn granted_scopes(&self) -> Result<Vec<GrantedScopes>> {
        let store = Arc::clone(self.tokens.store());
        tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            for id in store.list()? {
                if let Some(stored) = store.load(&id)? {
                    out.push(GrantedScopes {
                        connection_id: stored.id,
                        scope: stored.tokens.scope,
                        organisations: stored
                            .organisations
                            .into_iter()
                            .map(|o| o.tenant_name)
                            .collect(),
                    });
                }
            }
            Ok(out)
        })
        .await
        .map_err(|e| {
            XeroError::Keyring(crate::Cause::new(
                format!("the keyring call stopped: {e}"),
                e,
            ))
        })?
    }

    /// Starts a sign-in; open the URL in the system browser.
    pub fn start_sign_in(&self, target: &RedirectTarget) -> Result<AuthorizeRequest> {
        self.sign_in.start(target)
    }

    /// Completes a sign-in from a callback's query (the deep-link path): the
    /// same checks as the loopback listener, then the organisations, then the keyring.
    pub async fn complete_sign_in(&self, query: &str) -> Result<Arc<Connection>> {
        let tokens = self.sign_in.complete(query).await?;
        self.connect(tokens).await
    }

    /// Waits on the loopback listener for the flow `state`, then connects.
    pub async fn complete_sign_in_on_loopback(
        &self,
        listener: LoopbackListener,
        state: &str,
    ) -> Result<Arc<Connection>> {
        let tokens = listener
            .wait(
                Arc::clone(&self.sign_in),
                state,
                self.options.callback_timeout,
            )
            .await?;
        self.connect(tokens).await
    }

    /// A fresh token set: reads its organisations, then writes the connection
    /// to the keyring (replacing an older set of the same sign-in).
    async fn connect(&self, tokens: TokenSet) -> Result<Arc<Connection>> {
        let (auth_event, organisations) =
            self.client.connections_with(&tokens.access_token).await?;
        let id = auth_event.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        tracing::info!(connection = %id, organisations = organisations.len(), "connected to Xero");
        let conn = self
            .tokens
            .add(StoredConnection {
                id,
                tokens,
                organisations,
                kept: Vec::new(),
                client_id: self.sign_in.client_id().map(str::to_owned),
            })
            .await?;
        self.supersede_older_connections(&conn).await?;
        Ok(conn)
    }

    /// A new sign-in that reaches organisations an older one reached (signing
    /// in again after "needs re-authorisation") takes them over: the older
    /// connection lets them go (and is forgotten when none are left), and the
    /// organisations it kept stay kept, so their syncs resume.
    async fn supersede_older_connections(&self, conn: &Arc<Connection>) -> Result<()> {
        let mut kept = Vec::new();
        for older in self.tokens.all().await? {
            if older.id() == conn.id() {
                continue;
            }
            let orgs = older.organisations();
            let (moved, rest): (Vec<_>, Vec<_>) =
                orgs.into_iter().partition(|o| conn.reaches(&o.tenant_id));
            if moved.is_empty() {
                continue;
            }
            kept.extend(
                older
                    .kept()
                    .into_iter()
                    .filter(|t| moved.iter().any(|o| o.tenant_id.eq_ignore_ascii_case(t))),
            );
            if rest.is_empty() {
                // Not revoked: at Xero the organisations now belong to the new sign-in.
                tracing::info!(older = %older.id(), newer = %conn.id(), "an older sign-in is replaced by a newer one");
                self.tokens.remove(older.id()).await?;
            } else {
                self.tokens.set_organisations(&older, rest).await?;
            }
        }
        if !kept.is_empty() {
            let tenant_ids: Vec<String> = conn
                .organisations()
                .into_iter()
                .map(|o| o.tenant_id)
                .filter(|t| kept.iter().any(|k| k.eq_ignore_ascii_case(t)))
                .collect();
            self.tokens.keep(conn, &tenant_ids).await?;
        }
        Ok(())
    }

    /// Keeps (syncs) these organisations of a connection.
    pub async fn keep(&self, connection_id: &str, tenant_ids: &[String]) -> Result<()> {
        let conn = self.tokens.connection(connection_id).await?;
        self.tokens.keep(&conn, tenant_ids).await
    }

    /// Revokes the connection's refresh token at Xero and deletes its keyring
    /// entry. Local data is kept, read-only, until the owner removes it.
    pub async fn disconnect(&self, connection_id: &str) -> Result<Disconnected> {
        let conn = self.tokens.connection(connection_id).await?;
        let refresh = self.tokens.refresh_token(&conn).await;
        let revoked = match self.sign_in.revoke(&refresh).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(connection = %connection_id, error = %e, "Xero did not confirm the revocation; the sign-in is forgotten here anyway");
                false
            }
        };
        let tenant_ids = conn
            .organisations()
            .into_iter()
            .map(|o| o.tenant_id)
            .collect();
        self.tokens.remove(connection_id).await?;
        Ok(Disconnected {
            revoked,
            tenant_ids,
        })
    }

    /// Disconnects one organisation (`DELETE /connections/{id}` at Xero). The
    /// last one disconnects the whole sign-in.
    pub async fn disconnect_tenant(&self, tenant_id: &str) -> Result<Disconnected> {
        let conn = self.tokens.connection_for_tenant(tenant_id).await?;
        let orgs = conn.organisations();
        if orgs.len() <= 1 {
            return self.disconnect(conn.id()).await;
        }
        let org = orgs
            .iter()
            .find(|o| o.tenant_id.eq_ignore_ascii_case(tenant_id))
            .ok_or_else(|| XeroError::TenantNotConnected(tenant_id.to_owned()))?;
        self.client
            .delete_connection(&conn, &org.xero_connection_id)
            .await?;
        let rest = orgs
            .iter()
            .filter(|o| !o.tenant_id.eq_ignore_ascii_case(tenant_id))
            .cloned()
            .collect();
        self.tokens.set_organisations(&conn, rest).await?;
        Ok(Disconnected {
            revoked: true,
            tenant_ids: vec![org.tenant_id.clone()],
        })
    }
}
