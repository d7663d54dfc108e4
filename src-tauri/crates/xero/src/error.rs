//! What can go wrong when talking to Xero, typed so that callers can branch.

/// A failure of the Xero client, the sign-in or the token store.
///
/// Messages never hold a token, a code or a verifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XeroError {
    /// No Xero app (client id) is configured.
    #[error("No Xero app is configured: set the client id of your Xero app in Settings (or LEDGERKEEP_XERO_CLIENT_ID).")]
    NotConfigured,
    /// A callback whose state was never issued, was already used, or belongs to no flow.
    #[error("This sign-in link is not one Ledgerkeep started, or it was already used. Start the sign-in again.")]
    UnknownState,
    /// A callback whose state was issued more than ten minutes ago.
    #[error("This sign-in took longer than ten minutes and has expired. Start the sign-in again.")]
    ExpiredState,
    /// A callback that is not a well-formed answer (no code, no state).
    #[error("The sign-in answer was incomplete: {0}")]
    BadCallback(String),
    /// The user (or Xero) refused access on the consent page.
    #[error("Xero did not grant access ({0}). Start the sign-in again to retry.")]
    Denied(String),
    /// No callback arrived before the sign-in's timeout.
    #[error("No answer came back from Xero within {0} seconds. Start the sign-in again.")]
    CallbackTimeout(u64),
    /// A newer sign-in took over the loopback port while this one was waiting.
    #[error("This sign-in was replaced by a newer one started in Ledgerkeep.")]
    SignInReplaced,
    /// The loopback port for the sign-in could not be opened.
    #[error("Could not listen for Xero's answer on 127.0.0.1:{port}: {reason}")]
    Listen { port: u16, reason: String },
    /// Xero refused the code or the refresh token for another reason than `invalid_grant`.
    #[error("Xero refused the sign-in: {0}")]
    TokenEndpoint(String),
    /// The connection's refresh token was refused (`invalid_grant`): the user must sign in again.
    #[error("Xero no longer accepts this connection's sign-in. Connect to Xero again to resume syncing.")]
    NeedsReauthorisation { connection_id: String },
    /// No usable OS keyring.
    #[error("No OS keyring is available ({0}). Ledgerkeep keeps Xero sign-ins only in the OS keyring: on Linux start GNOME Keyring or KWallet and unlock it, then try again.")]
    KeyringUnavailable(#[source] Cause),
    /// The keyring answered, but reading or writing failed.
    #[error("The OS keyring could not be read or written ({0}). Unlock it and try again.")]
    Keyring(#[source] Cause),
    /// No stored connection with this id or for this tenant.
    #[error("This organisation is not connected: connect to Xero first.")]
    NotConnected(String),
    /// The tenant is not among the token's connections: refused before any request.
    #[error("The organisation {0} is not among this sign-in's connections.")]
    TenantNotConnected(String),
    /// The tenant's daily budget is spent (or, for background work, its reserve reached).
    #[error("The daily limit of calls to Xero for this organisation is reached ({0}). Syncs resume when Xero's day for it turns.")]
    DailyLimit(String),
    /// Xero answered with a status that retrying will not fix.
    #[error("Xero answered HTTP {status}{}: {detail}", correlation_id.as_ref().map(|c| format!(" (correlation id {c})")).unwrap_or_default())]
    Status {
        status: u16,
        detail: String,
        correlation_id: Option<String>,
    },
    /// Xero does not let this sign-in make the call (a 401 whose problem says
    /// `AuthorizationUnsuccessful`, with no `invalid_token`): a scope not
    /// granted, or an endpoint the app's Xero plan does not open (Journals
    /// below Advanced). A refresh would not help, nor a retry.
    #[error("Xero does not let this sign-in read {endpoint}: the Xero plan or the access granted at sign-in does not include it.")]
    NotPermitted {
        /// The endpoint refused (`Journals`, `Reports/ProfitAndLoss`).
        endpoint: String,
        correlation_id: Option<String>,
    },
    /// The network failed or Xero kept failing after every retry.
    #[error("Xero could not be reached: {0}")]
    Network(#[source] Cause),
    /// The operation's deadline passed.
    #[error("The call to Xero did not finish within its deadline of {0} seconds.")]
    Deadline(u64),
    /// The answer was larger than the client accepts.
    #[error("Xero's answer was larger than {0} bytes and was refused.")]
    TooLarge(usize),
    /// The answer was not the JSON expected.
    #[error("Xero's answer could not be read: {0}")]
    Decode(#[source] Cause),
}

impl XeroError {
    /// Whether trying the same call again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            XeroError::Network(_) | XeroError::Deadline(_) | XeroError::Keyring(_)
        )
    }
}

pub type Result<T, E = XeroError> = std::result::Result<T, E>;

/// What lies behind a [`XeroError`]: a sentence for people, and the error that
/// caused it when one exists and is safe to keep ([`std::error::Error::source`]
/// walks on to it). Safe means it quotes no URL (a query may carry a code) and
/// holds no secret: a transport error is kept without its URL, a keyring error
/// only when it carries no stored bytes, and a token endpoint's error not at all
/// (its body may hold tokens).
///
/// Equal when the sentences are: the source is for reading, not for branching.
#[derive(Debug, Clone)]
pub struct Cause {
    what: String,
    source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
}

impl Cause {
    /// `what`, caused by `source`.
    pub fn new(
        what: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Cause {
            what: what.into(),
            source: Some(std::sync::Arc::new(source)),
        }
    }

    /// The sentence.
    pub fn what(&self) -> &str {
        &self.what
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        self.what == other.what
    }
}

impl Eq for Cause {}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.what)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<String> for Cause {
    fn from(what: String) -> Self {
        Cause { what, source: None }
    }
}

impl From<&str> for Cause {
    fn from(what: &str) -> Self {
        what.to_owned().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn a_cause_keeps_its_source_and_compares_by_its_sentence() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let e = XeroError::Network(Cause::new("could not connect", io));
        assert_eq!(
            e.to_string(),
            "Xero could not be reached: could not connect"
        );
        let cause = e.source().expect("the cause");
        let io = cause.source().expect("the io error");
        assert_eq!(io.to_string(), "refused");
        assert_eq!(e, XeroError::Network("could not connect".into()));
        assert_ne!(e, XeroError::Network("timed out".into()));
        assert!(XeroError::Decode("eof".into())
            .source()
            .unwrap()
            .source()
            .is_none());
    }
}
