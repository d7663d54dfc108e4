//! Where Xero (or a stand-in such as the simulator) is. Xero's own paths are
//! appended beneath each base.

/// The three bases, the app's client id and the loopback port for sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XeroEndpoints {
    /// `…/identity/connect/authorize` lives beneath it.
    pub login_url: String,
    /// `…/connect/token` and `…/connect/revocation` live beneath it.
    pub identity_url: String,
    /// `…/connections` and `…/api.xro/2.0/…` live beneath it.
    pub api_url: String,
    /// The owner's Xero app; `None` until one is configured.
    pub client_id: Option<String>,
    /// The loopback port registered in the Xero app (`http://localhost:<port>/callback`).
    pub oauth_port: u16,
}

pub const DEFAULT_OAUTH_PORT: u16 = 53682;

impl Default for XeroEndpoints {
    fn default() -> Self {
        XeroEndpoints {
            login_url: "https://login.xero.com".to_owned(),
            identity_url: "https://identity.xero.com".to_owned(),
            api_url: "https://api.xero.com".to_owned(),
            client_id: None,
            oauth_port: DEFAULT_OAUTH_PORT,
        }
    }
}

impl XeroEndpoints {
    /// Xero's defaults, overridden by `LEDGERKEEP_XERO_LOGIN_URL`,
    /// `LEDGERKEEP_XERO_IDENTITY_URL`, `LEDGERKEEP_XERO_API_URL`,
    /// `LEDGERKEEP_XERO_CLIENT_ID` and `LEDGERKEEP_OAUTH_PORT` as `var` returns them.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let d = XeroEndpoints::default();
        let base = |name: &str, default: String| {
            var(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| v.trim().trim_end_matches('/').to_owned())
                .unwrap_or(default)
        };
        XeroEndpoints {
            login_url: base("LEDGERKEEP_XERO_LOGIN_URL", d.login_url),
            identity_url: base("LEDGERKEEP_XERO_IDENTITY_URL", d.identity_url),
            api_url: base("LEDGERKEEP_XERO_API_URL", d.api_url),
            client_id: var("LEDGERKEEP_XERO_CLIENT_ID").filter(|v| !v.trim().is_empty()),
            oauth_port: var("LEDGERKEEP_OAUTH_PORT")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(d.oauth_port),
        }
    }

    /// [`from_vars`](Self::from_vars) over the process environment.
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// `GET` this to list the token's organisations.
    pub fn connections_url(&self) -> String {
        format!("{}/connections", self.api_url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_xeros_own() {
        let e = XeroEndpoints::from_vars(|_| None);
        assert_eq!(e, XeroEndpoints::default());
        assert_eq!(e.connections_url(), "https://api.xero.com/connections");
    }

    #[test]
    fn the_environment_overrides_each_base() {
        let e = XeroEndpoints::from_vars(|name| match name {
            "LEDGERKEEP_XERO_API_URL" => Some("http://127.0.0.1:9000/".into()),
            "LEDGERKEEP_OAUTH_PORT" => Some("8123".into()),
            "LEDGERKEEP_XERO_CLIENT_ID" => Some("  ".into()),
            _ => None,
        });
        assert_eq!(e.connections_url(), "http://127.0.0.1:9000/connections");
        assert_eq!(e.oauth_port, 8123);
        assert_eq!(e.client_id, None, "a blank client id is no client id");
        assert_eq!(e.login_url, "https://login.xero.com");
    }
}
