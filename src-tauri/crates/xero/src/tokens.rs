//! Token sets in the OS keyring, and their lifecycle: refresh ahead of expiry,
//! ONE refresh in flight per connection, the rotated set persisted before any
//! request uses it, and `invalid_grant` as a typed "needs re-authorisation".
//!
//! A *connection* is one Xero sign-in (one grant, Xero's `authEventId`): one
//! token set reaching one or more organisations (tenants).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ledgerkeep_obs::redact::forget_secret;
use ledgerkeep_obs::{Metrics, SecretString};
use parking_lot::Mutex;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::error::{Cause, Result, XeroError};
use crate::oauth::{RefreshFailure, SignIn, TokenSet};
use crate::time::Timekeeping;

/// The keyring service every entry is filed under.
pub const KEYRING_SERVICE: &str = "Ledgerkeep";
/// Refresh this long after the access token was issued (it lives 30 minutes).
pub const REFRESH_AFTER: Duration = Duration::from_secs(25 * 60);
/// How often a refresh whose answer was lost is retried with the same token
/// (Xero accepts the previous token for a 30-minute grace window).
const REFRESH_RETRIES: u32 = 3;

/// One organisation a connection reaches, as `GET /connections` lists it. Not secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organisation {
    /// Xero's id of this tenant's connection (for `DELETE /connections/{id}`).
    pub xero_connection_id: String,
    pub tenant_id: String,
    pub tenant_name: String,
    pub tenant_type: String,
}

/// What one connection keeps in its keyring entry.
#[derive(Debug, Clone)]
pub struct StoredConnection {
    /// Xero's `authEventId` of the sign-in.
    pub id: String,
    pub tokens: TokenSet,
    /// Every organisation the sign-in reaches.
    pub organisations: Vec<Organisation>,
    /// The tenant ids the owner chose to keep (synced). Empty until chosen.
    pub kept: Vec<String>,
    /// The Xero app (client id) the sign-in was made with; `None` for one
    /// stored before this was recorded. A sign-in made with another app (the
    /// demo company's, or an app the owner has since replaced) is kept in the
    /// keyring but not used: its tokens would be refused.
    pub client_id: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct WireConnection {
    version: u32,
    id: String,
    access_token: String,
    refresh_token: String,
    obtained_at_ms: i64,
    expires_at_ms: i64,
    scope: String,
    organisations: Vec<Organisation>,
    kept: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
}

impl StoredConnection {
    /// The JSON of the keyring entry. It holds secrets: it is built only to be
    /// written to the keyring, and never logged.
    fn to_secret_json(&self) -> Result<SecretString> {
        let wire = WireConnection {
            version: 1,
            id: self.id.clone(),
            access_token: self.tokens.access_token.expose_secret().to_owned(),
            refresh_token: self.tokens.refresh_token.expose_secret().to_owned(),
            obtained_at_ms: self.tokens.obtained_at_ms,
            expires_at_ms: self.tokens.expires_at_ms,
            scope: self.tokens.scope.clone(),
            organisations: self.organisations.clone(),
            kept: self.kept.clone(),
            client_id: self.client_id.clone(),
        };
        serde_json::to_string(&wire)
            .map(SecretString::from)
            .map_err(|e| {
                XeroError::Keyring(Cause::new(format!("could not encode the entry: {e}"), e))
            })
    }

    fn from_secret_json(json: &str) -> Result<Self> {
        let w: WireConnection = serde_json::from_str(json)
            .map_err(|_| XeroError::Keyring("a stored sign-in could not be read".into()))?;
        Ok(StoredConnection {
            id: w.id,
            tokens: TokenSet::new(
                w.access_token,
                w.refresh_token,
                w.obtained_at_ms,
                w.expires_at_ms,
                w.scope,
            ),
            organisations: w.organisations,
            kept: w.kept,
            client_id: w.client_id,
        })
    }
}

/// Where token sets live. Blocking calls: the manager runs them off the runtime.
pub trait TokenStore: Send + Sync + std::fmt::Debug {
    fn load(&self, id: &str) -> Result<Option<StoredConnection>>;
    fn save(&self, connection: &StoredConnection) -> Result<()>;
    fn delete(&self, id: &str) -> Result<()>;
    /// The ids of every stored connection.
    fn list(&self) -> Result<Vec<String>>;
}

/// The OS keyring (Secret Service, Keychain, Credential Manager). One entry per
/// connection (`connection:<id>`), and one index entry (`connections`) naming them,
/// all under one service. There is no plaintext fallback.
#[derive(Debug, Clone)]
pub struct KeyringTokenStore {
    service: String,
    /// Serialises index updates within this process.
    index_lock: Arc<Mutex<()>>,
}

impl Default for KeyringTokenStore {
    fn default() -> Self {
        Self::new(KEYRING_SERVICE)
    }
}

fn keyring_error(e: keyring::Error) -> XeroError {
    match e {
        keyring::Error::NoDefaultStore | keyring::Error::NoStorageAccess(_) => {
            XeroError::KeyringUnavailable(Cause::new(e.to_string(), e))
        }
        // These carry the stored bytes, a secret: only their sentence is kept.
        keyring::Error::BadEncoding(_) | keyring::Error::BadDataFormat(..) => {
            XeroError::Keyring(e.to_string().into())
        }
        other => XeroError::Keyring(Cause::new(other.to_string(), other)),
    }
}

impl KeyringTokenStore {
    /// A store under `service` (the app uses [`KEYRING_SERVICE`]; tests their own).
    pub fn new(service: impl Into<String>) -> Self {
        KeyringTokenStore {
            service: service.into(),
            index_lock: Arc::new(Mutex::new(())),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, user: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, user).map_err(keyring_error)
    }

    fn read(&self, user: &str) -> Result<Option<String>> {
        match self.entry(user)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn write_index(&self, ids: &[String]) -> Result<()> {
        let json = serde_json::to_string(ids).map_err(|e| {
            XeroError::Keyring(Cause::new(format!("could not encode the index: {e}"), e))
        })?;
        self.entry("connections")?
            .set_password(&json)
            .map_err(keyring_error)
    }
}

impl TokenStore for KeyringTokenStore {
    fn load(&self, id: &str) -> Result<Option<StoredConnection>> {
        self.read(&format!("connection:{id}"))?
            .map(|json| StoredConnection::from_secret_json(&json))
            .transpose()
    }

    fn save(&self, connection: &StoredConnection) -> Result<()> {
        let json = connection.to_secret_json()?;
        self.entry(&format!("connection:{}", connection.id))?
            .set_password(json.expose_secret())
            .map_err(keyring_error)?;
        let _guard = self.index_lock.lock();
        let mut ids = self.list()?;
        if !ids.contains(&connection.id) {
            ids.push(connection.id.clone());
            self.write_index(&ids)?;
        }
        Ok(())
    }

    fn delete(&self, id: &str) -> Result<()> {
        match self.entry(&format!("connection:{id}"))?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => {}
            Err(e) => return Err(keyring_error(e)),
        }
        let _guard = self.index_lock.lock();
        let mut ids = self.list()?;
        ids.retain(|i| i != id);
        if ids.is_empty() {
            match self.entry("connections")?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(keyring_error(e)),
            }
        } else {
            self.write_index(&ids)
        }
    }

    fn list(&self) -> Result<Vec<String>> {
        Ok(self
            .read("connections")?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default())
    }
}

/// A store in memory, for unit tests: it can be told to fail writes.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    entries: Mutex<HashMap<String, String>>,
    failing_writes: Mutex<u32>,
    writes: AtomicU64,
}

impl MemoryTokenStore {
    /// The next `n` saves fail as a locked keyring would.
    pub fn fail_next_writes(&self, n: u32) {
        *self.failing_writes.lock() = n;
    }

    /// Successful saves so far.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self, id: &str) -> Result<Option<StoredConnection>> {
        self.entries
            .lock()
            .get(id)
            .map(|json| StoredConnection::from_secret_json(json))
            .transpose()
    }

    fn save(&self, connection: &StoredConnection) -> Result<()> {
        {
            let mut failing = self.failing_writes.lock();
            if *failing > 0 {
                *failing -= 1;
                return Err(XeroError::Keyring("the keyring is locked".into()));
            }
        }
        let json = connection.to_secret_json()?;
        self.entries
            .lock()
            .insert(connection.id.clone(), json.expose_secret().to_owned());
        self.writes.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn delete(&self, id: &str) -> Result<()> {
        self.entries.lock().remove(id);
        Ok(())
    }

    fn list(&self) -> Result<Vec<String>> {
        let mut ids: Vec<String> = self.entries.lock().keys().cloned().collect();
        ids.sort();
        Ok(ids)
    }
}

/// Whether a connection can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionStatus {
    Active,
    /// Xero refused the refresh token (`invalid_grant`): sign in again. Calls stop.
    NeedsReauthorisation,
}

#[derive(Debug)]
struct ConnectionState {
    stored: StoredConnection,
    /// A rotated set whose keyring write failed: retried before anything else,
    /// and never used until written.
    unsaved: Option<TokenSet>,
}

/// One connection at run time: its lock is the single refresh in flight.
#[derive(Debug)]
pub struct Connection {
    id: String,
    /// The Xero app the sign-in was made with ([`StoredConnection::client_id`]).
    client_id: Option<String>,
    state: tokio::sync::Mutex<ConnectionState>,
    status: Mutex<ConnectionStatus>,
    /// Bumped each time a new access token comes into use.
    generation: AtomicU64,
    /// When the access token in use expires (ms since the epoch).
    expires_ms: AtomicI64,
    organisations: Mutex<(Vec<Organisation>, Vec<String>)>,
    /// When the organisation list was last read from `/connections` (ms; 0:
    /// loaded from the keyring, not read since this process started).
    organisations_read_ms: AtomicI64,
    /// One re-read of `/connections` at a time.
    reading_organisations: tokio::sync::Mutex<()>,
}

impl Connection {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn status(&self) -> ConnectionStatus {
        *self.status.lock()
    }

    /// Every organisation the sign-in reaches.
    pub fn organisations(&self) -> Vec<Organisation> {
        self.organisations.lock().0.clone()
    }

    /// The tenant ids the owner kept.
    pub fn kept(&self) -> Vec<String> {
        self.organisations.lock().1.clone()
    }

    /// Whether the access token of `generation` is still the one in use and
    /// has not expired at `now_ms`.
    pub fn is_fresh(&self, generation: u64, now_ms: i64) -> bool {
        self.generation.load(Ordering::SeqCst) == generation
            && now_ms < self.expires_ms.load(Ordering::SeqCst)
    }

    /// When the organisation list was last read from Xero (ms since the epoch).
    pub fn organisations_read_ms(&self) -> i64 {
        self.organisations_read_ms.load(Ordering::SeqCst)
    }

    /// Counts the list as read at `now_ms` (a failed read is not retried at once).
    pub fn organisations_read_now(&self, now_ms: i64) {
        self.organisations_read_ms.store(now_ms, Ordering::SeqCst);
    }

    /// Marks the organisation list as due for a re-read (Xero refused a tenant).
    pub fn organisations_stale(&self) {
        self.organisations_read_ms.store(0, Ordering::SeqCst);
    }

    /// Holds the single re-read of `/connections` of this connection.
    pub async fn lock_organisations_read(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.reading_organisations.lock().await
    }

    /// Whether `tenant_id` is among the token's connections.
    pub fn reaches(&self, tenant_id: &str) -> bool {
        self.organisations
            .lock()
            .0
            .iter()
            .any(|o| o.tenant_id.eq_ignore_ascii_case(tenant_id))
    }
}

/// When a token set is due for refresh: 25 minutes after issue, and at the
/// latest a minute before it expires.
fn refresh_due(t: &TokenSet) -> i64 {
    t.obtained_at_ms
        .saturating_add(i64::try_from(REFRESH_AFTER.as_millis()).unwrap_or(i64::MAX))
        .min(t.expires_at_ms - 60_000)
}

/// An access token to put on one request, and the generation it belongs to.
#[derive(Debug)]
pub struct AccessGrant {
    pub token: SecretString,
    pub generation: u64,
}

/// Every connection, their tokens and their refreshes.
#[derive(Debug)]
pub struct TokenManager {
    store: Arc<dyn TokenStore>,
    sign_in: Arc<SignIn>,
    time: Timekeeping,
    metrics: Option<Arc<Metrics>>,
    connections: Mutex<HashMap<String, Arc<Connection>>>,
    /// The lock shared with the other processes, when one was handed in.
    token_lock: Mutex<Option<TokenLock>>,
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| XeroError::Keyring(Cause::new(format!("the keyring call stopped: {e}"), e)))?
}

/// One lock across processes around every write of a token set (a refresh,
/// a change of organisations): the app and the command line each hold their
/// own copy of a connection, and Xero refuses a rotated refresh token, so
/// only one of them may refresh at a time, and each re-reads the stored set
/// once it holds the lock. An OS file lock (`File::lock`): released by the OS
/// when the process ends, however it ends.
#[derive(Debug, Clone)]
pub struct TokenLock {
    path: std::path::PathBuf,
}

/// Held while a token set is re-read, refreshed and written.
#[derive(Debug)]
struct TokenLockGuard {
    file: std::fs::File,
}

impl Drop for TokenLockGuard {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

impl TokenLock {
    /// A lock on the file at `path` (made if missing; the app's is
    /// `tokens.lock` in its data folder).
    pub fn new(path: impl Into<std::path::PathBuf>) -> Self {
        TokenLock { path: path.into() }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Waits for the lock (off the runtime: the wait blocks a thread).
    async fn hold(&self) -> Result<TokenLockGuard> {
        let path = self.path.clone();
        let failed = |e: std::io::Error| {
            XeroError::Keyring(Cause::new(
                format!("the lock on the token sets could not be taken: {e}"),
                e,
            ))
        };
        blocking(move || {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(failed)?;
            }
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(failed)?;
            file.lock().map_err(failed)?;
            Ok(TokenLockGuard { file })
        })
        .await
    }
}

/// Whether `a` was obtained after `b` (a newer set, from another process's refresh).
fn newer(a: &TokenSet, b: &TokenSet) -> bool {
    a.obtained_at_ms > b.obtained_at_ms
}

impl TokenManager {
    pub fn new(
        store: Arc<dyn TokenStore>,
        sign_in: Arc<SignIn>,
        time: Timekeeping,
        metrics: Option<Arc<Metrics>>,
    ) -> Self {
        TokenManager {
            store,
            sign_in,
            time,
            metrics,
            connections: Mutex::new(HashMap::new()),
            token_lock: Mutex::new(None),
        }
    }

    /// The same manager, refreshing under `lock` (shared with other processes).
    pub fn with_token_lock(self, lock: TokenLock) -> Self {
        *self.token_lock.lock() = Some(lock);
        self
    }

    /// From now on, refreshes and writes of token sets take `lock` first.
    pub fn set_token_lock(&self, lock: TokenLock) {
        *self.token_lock.lock() = Some(lock);
    }

    /// The lock in use, if any.
    pub fn token_lock(&self) -> Option<TokenLock> {
        self.token_lock.lock().clone()
    }

    async fn hold_lock(&self) -> Result<Option<TokenLockGuard>> {
        let lock = self.token_lock.lock().clone();
        match lock {
            Some(l) => l.hold().await.map(Some),
            None => Ok(None),
        }
    }

    async fn load_stored(&self, id: &str) -> Result<Option<StoredConnection>> {
        let store = Arc::clone(&self.store);
        let key = id.to_owned();
        blocking(move || store.load(&key)).await
    }

    /// Writes `next` (a change of organisations or of the kept ones) under
    /// the lock, with the newest token set: when the stored one is newer
    /// than ours (another process refreshed), it is kept and adopted, never
    /// overwritten by ours.
    async fn save_merged(
        &self,
        conn: &Connection,
        state: &mut ConnectionState,
        mut next: StoredConnection,
    ) -> Result<()> {
        let _guard = self.hold_lock().await?;
        let current = self.load_stored(&conn.id).await?;
        let adopt_stored = current
            .as_ref()
            .is_some_and(|c| newer(&c.tokens, &next.tokens));
        if let Some(c) = current.filter(|_| adopt_stored) {
            next.tokens = c.tokens;
        }
        self.save(next.clone()).await?;
        if adopt_stored {
            state.unsaved = None;
            self.adopt(conn, state, next);
        } else {
            state.stored = next;
        }
        Ok(())
    }

    pub fn sign_in(&self) -> &Arc<SignIn> {
        &self.sign_in
    }

    pub fn store(&self) -> &Arc<dyn TokenStore> {
        &self.store
    }

    fn register(&self, stored: StoredConnection, read_ms: i64) -> Arc<Connection> {
        let conn = Arc::new(Connection {
            client_id: stored.client_id.clone(),
            organisations_read_ms: AtomicI64::new(read_ms),
            reading_organisations: tokio::sync::Mutex::new(()),
            expires_ms: AtomicI64::new(stored.tokens.expires_at_ms),
            id: stored.id.clone(),
            organisations: Mutex::new((stored.organisations.clone(), stored.kept.clone())),
            state: tokio::sync::Mutex::new(ConnectionState {
                stored,
                unsaved: None,
            }),
            status: Mutex::new(ConnectionStatus::Active),
            generation: AtomicU64::new(1),
        });
        self.connections
            .lock()
            .insert(conn.id.clone(), Arc::clone(&conn));
        conn
    }

    async fn save(&self, stored: StoredConnection) -> Result<()> {
        let store = Arc::clone(&self.store);
        blocking(move || store.save(&stored)).await
    }

    /// Writes a new connection (its organisations just read from Xero) to the
    /// keyring, then makes it usable.
    pub async fn add(&self, stored: StoredConnection) -> Result<Arc<Connection>> {
        self.save(stored.clone()).await?;
        Ok(self.register(stored, self.time.now_ms()))
    }

    /// The connection with this id, loaded from the keyring on first use.
    pub async fn connection(&self, id: &str) -> Result<Arc<Connection>> {
        if let Some(c) = self.connections.lock().get(id) {
            return Ok(Arc::clone(c));
        }
        let store = Arc::clone(&self.store);
        let key = id.to_owned();
        match blocking(move || store.load(&key)).await? {
            Some(stored) => Ok(self.register(stored, 0)),
            None => Err(XeroError::NotConnected(id.to_owned())),
        }
    }

    /// Every stored connection made with this app's Xero app (client id). A
    /// sign-in made with another (yesterday's demo company, an app the owner
    /// replaced) is left in the keyring but not used, and an index entry whose
    /// sign-in is gone is passed over: neither stops the others.
    pub async fn all(&self) -> Result<Vec<Arc<Connection>>> {
        let store = Arc::clone(&self.store);
        let ids = blocking(move || store.list()).await?;
        let mut out = Vec::new();
        for id in ids {
            match self.connection(&id).await {
                Ok(conn) if self.made_here(&conn) => out.push(conn),
                Ok(_) => {
                    tracing::debug!(connection = %id, "a sign-in made with another Xero app is not used")
                }
                Err(XeroError::NotConnected(_)) => {
                    tracing::warn!(connection = %id, "the keyring lists a sign-in it no longer holds");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Forgets every stored sign-in made with the Xero app `client_id` (the
    /// demo company's of an earlier run, whose simulator is gone with its
    /// tokens). Returns their ids.
    pub async fn forget_made_with(&self, client_id: &str) -> Result<Vec<String>> {
        let store = Arc::clone(&self.store);
        let client_id = client_id.to_owned();
        let gone = blocking(move || {
            let mut gone = Vec::new();
            for id in store.list()? {
                let made_with = store.load(&id)?.and_then(|s| s.client_id);
                if made_with.as_deref() == Some(client_id.as_str()) {
                    store.delete(&id)?;
                    gone.push(id);
                }
            }
            Ok(gone)
        })
        .await?;
        let mut loaded = self.connections.lock();
        for id in &gone {
            loaded.remove(id);
        }
        Ok(gone)
    }

    /// Whether `conn` was made with this app's Xero app (or before that was recorded).
    fn made_here(&self, conn: &Connection) -> bool {
        match (conn.client_id.as_deref(), self.sign_in.client_id()) {
            (Some(made_with), Some(ours)) => made_with == ours,
            _ => true,
        }
    }

    /// The connection that reaches `tenant_id`.
    pub async fn connection_for_tenant(&self, tenant_id: &str) -> Result<Arc<Connection>> {
        let loaded = self
            .connections
            .lock()
            .values()
            .find(|c| c.reaches(tenant_id) && self.made_here(c))
            .cloned();
        if let Some(c) = loaded {
            return Ok(c);
        }
        let all = self.all().await?;
        all.into_iter()
            .find(|c| c.reaches(tenant_id))
            .ok_or_else(|| XeroError::TenantNotConnected(tenant_id.to_owned()))
    }

    /// Sets which organisations of a connection are kept, in the keyring first.
    pub async fn keep(&self, conn: &Connection, tenant_ids: &[String]) -> Result<()> {
        let mut state = conn.state.lock().await;
        for t in tenant_ids {
            if !conn.reaches(t) {
                return Err(XeroError::TenantNotConnected(t.clone()));
            }
        }
        let mut next = state.stored.clone();
        next.kept = tenant_ids.to_vec();
        self.save_merged(conn, &mut state, next).await?;
        conn.organisations.lock().1 = state.stored.kept.clone();
        Ok(())
    }

    /// Replaces the organisation list (after a fresh `GET /connections`).
    pub async fn set_organisations(
        &self,
        conn: &Connection,
        orgs: Vec<Organisation>,
    ) -> Result<()> {
        let mut state = conn.state.lock().await;
        let mut next = state.stored.clone();
        next.kept.retain(|k| orgs.iter().any(|o| &o.tenant_id == k));
        next.organisations = orgs;
        if next.organisations != state.stored.organisations || next.kept != state.stored.kept {
            self.save_merged(conn, &mut state, next).await?;
        } else {
            state.stored = next;
        }
        *conn.organisations.lock() = (
            state.stored.organisations.clone(),
            state.stored.kept.clone(),
        );
        conn.organisations_read_ms
            .store(self.time.now_ms(), Ordering::SeqCst);
        Ok(())
    }

    /// An access token for one request: refreshed first when due (25 minutes
    /// after issue, or when `stale` names the generation a 401 was seen with).
    /// Concurrent callers queue on the connection's lock and re-check once they hold it,
    /// so one refresh serves them all.
    pub async fn access_token(&self, conn: &Connection, stale: Option<u64>) -> Result<AccessGrant> {
        let mut state = conn.state.lock().await;
        if conn.status() == ConnectionStatus::NeedsReauthorisation {
            return Err(XeroError::NeedsReauthorisation {
                connection_id: conn.id.clone(),
            });
        }
        let now = self.time.now_ms();
        if let Some(pending) = state.unsaved.take() {
            // A rotated set waits for its keyring write: retry the write, never refresh again.
            let mut next = state.stored.clone();
            next.tokens = pending.clone();
            let saved = async {
                let _guard = self.hold_lock().await?;
                match self.load_stored(&conn.id).await? {
                    // Another process wrote a newer set meanwhile: that one holds.
                    Some(current) if newer(&current.tokens, &pending) => Ok(current),
                    _ => self.save(next.clone()).await.map(|()| next),
                }
            }
            .await;
            match saved {
                Ok(next) => self.adopt(conn, &mut state, next),
                Err(e) => {
                    state.unsaved = Some(pending);
                    // The old set still holds (grace window): use its access token while it lives.
                    if now < state.stored.tokens.expires_at_ms {
                        return Ok(AccessGrant {
                            token: state.stored.tokens.access_token.clone(),
                            generation: conn.generation.load(Ordering::SeqCst),
                        });
                    }
                    return Err(e);
                }
            }
        }
        let due = refresh_due(&state.stored.tokens);
        let generation = conn.generation.load(Ordering::SeqCst);
        if now >= due || stale == Some(generation) {
            self.refresh_locked(conn, &mut state).await?;
        }
        Ok(AccessGrant {
            token: state.stored.tokens.access_token.clone(),
            generation: conn.generation.load(Ordering::SeqCst),
        })
    }

    fn adopt(&self, conn: &Connection, state: &mut ConnectionState, next: StoredConnection) {
        conn.expires_ms
            .store(next.tokens.expires_at_ms, Ordering::SeqCst);
        let old = std::mem::replace(&mut state.stored, next);
        // The scrubber's list of values holds the tokens in use, not every
        // token ever held: it would grow with each refresh for as long as the
        // app runs (the patterns still blank any token in a known field).
        forget_secret(old.tokens.access_token.expose_secret());
        let rotated = old.tokens.refresh_token.expose_secret();
        if rotated != state.stored.tokens.refresh_token.expose_secret() {
            forget_secret(rotated);
        }
        conn.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Refreshes the connection's token set, once across processes: under
    /// the token lock, the stored set is re-read first, and when it is newer
    /// than ours (another process refreshed) it is used instead of
    /// refreshing. An `invalid_grant` re-reads it once more, and retries once
    /// with a set rotated meanwhile by a process that did not take the lock.
    async fn refresh_locked(&self, conn: &Connection, state: &mut ConnectionState) -> Result<()> {
        let _guard = self.hold_lock().await?;
        if self.adopt_newer_stored(conn, state).await? && !self.due_now(state) {
            return Ok(());
        }
        let mut retried_with_stored = false;
        let fresh = loop {
            let presented = state.stored.tokens.refresh_token.clone();
            let mut attempt = 0;
            let outcome = loop {
                match self.sign_in.refresh(&presented).await {
                    Err(RefreshFailure::Transient(reason)) if attempt < REFRESH_RETRIES => {
                        // The answer may be lost after Xero rotated: the same token is
                        // accepted again within the grace window.
                        attempt += 1;
                        tracing::info!(connection = %conn.id, attempt, %reason, "token refresh failed; retrying with the same token");
                        self.time
                            .sleeper
                            .sleep(Duration::from_millis(500 * (1 << attempt)))
                            .await;
                    }
                    other => break other,
                }
            };
            match outcome {
                Ok(t) => break t,
                Err(RefreshFailure::InvalidGrant) => {
                    if !retried_with_stored && self.adopt_newer_stored(conn, state).await? {
                        // Another process rotated the token without our lock.
                        retried_with_stored = true;
                        tracing::info!(connection = %conn.id, "Xero refused a token rotated elsewhere; using the stored set");
                        if !self.due_now(state) {
                            return Ok(());
                        }
                        continue;
                    }
                    self.count_refresh(false);
                    *conn.status.lock() = ConnectionStatus::NeedsReauthorisation;
                    tracing::warn!(connection = %conn.id, "Xero refused the refresh token: the connection needs re-authorisation");
                    return Err(XeroError::NeedsReauthorisation {
                        connection_id: conn.id.clone(),
                    });
                }
                Err(RefreshFailure::Transient(reason)) => {
                    self.count_refresh(false);
                    return Err(XeroError::Network(reason.into()));
                }
                Err(RefreshFailure::Refused(reason)) => {
                    self.count_refresh(false);
                    return Err(XeroError::TokenEndpoint(reason));
                }
            }
        };
        self.count_refresh(true);
        tracing::info!(connection = %conn.id, "token set refreshed");
        let mut next = state.stored.clone();
        next.tokens = fresh.clone();
        match self.save(next.clone()).await {
            Ok(()) => {
                self.adopt(conn, state, next);
                Ok(())
            }
            Err(e) => {
                tracing::warn!(connection = %conn.id, error = %e, "the rotated token set could not be written to the keyring; the old set holds for the grace window");
                state.unsaved = Some(fresh);
                if self.time.now_ms() < state.stored.tokens.expires_at_ms {
                    Ok(())
                } else {
                    Err(e)
                }
            }
        }
    }

    /// Whether the set in use is due for refresh now.
    fn due_now(&self, state: &ConnectionState) -> bool {
        self.time.now_ms() >= refresh_due(&state.stored.tokens)
    }

    /// Re-reads the stored set; when it is newer than ours, adopts it (its
    /// organisations too) and says so.
    async fn adopt_newer_stored(
        &self,
        conn: &Connection,
        state: &mut ConnectionState,
    ) -> Result<bool> {
        match self.load_stored(&conn.id).await? {
            Some(current) if newer(&current.tokens, &state.stored.tokens) => {
                tracing::info!(connection = %conn.id, "the token set was refreshed by another process; using it");
                *conn.organisations.lock() = (current.organisations.clone(), current.kept.clone());
                state.unsaved = None;
                self.adopt(conn, state, current);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn count_refresh(&self, ok: bool) {
        if let Some(m) = &self.metrics {
            m.record_token_refresh(ok);
        }
    }

    /// The refresh token of a connection, for revocation. Only the HTTP request needs it.
    pub async fn refresh_token(&self, conn: &Connection) -> SecretString {
        let state = conn.state.lock().await;
        state.unsaved.as_ref().map_or_else(
            || state.stored.tokens.refresh_token.clone(),
            |t| t.refresh_token.clone(),
        )
    }

    /// Forgets a connection: deletes its keyring entry.
    pub async fn remove(&self, id: &str) -> Result<()> {
        let store = Arc::clone(&self.store);
        let key = id.to_owned();
        blocking(move || store.delete(&key)).await?;
        self.connections.lock().remove(id);
        Ok(())
    }
}
