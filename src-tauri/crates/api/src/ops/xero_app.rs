//! The owner's Xero app: its client id, the loopback port registered with it,
//! the scopes asked for and, for a stand-in server, the three endpoint bases.
//!
//! Kept in `xero-app.json` in the data folder (nothing in it is secret: a PKCE
//! app has no client secret). The environment (`LEDGERKEEP_XERO_LOGIN_URL`,
//! `LEDGERKEEP_XERO_IDENTITY_URL`, `LEDGERKEEP_XERO_API_URL`,
//! `LEDGERKEEP_XERO_CLIENT_ID`, `LEDGERKEEP_OAUTH_PORT`) overrides it field by
//! field; what neither sets is Xero's default. Read once when the app starts
//! ([`crate::AppConfig::new`]): a change applies at the next start.

use std::path::{Path, PathBuf};

use ledgerkeep_xero::{XeroEndpoints, DEFAULT_SCOPES};
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext, AppPaths};

const FILE: &str = "xero-app.json";

/// The environment variables that override the settings, in field order.
const VARS: [(&str, &str); 5] = [
    ("clientId", "LEDGERKEEP_XERO_CLIENT_ID"),
    ("oauthPort", "LEDGERKEEP_OAUTH_PORT"),
    ("loginUrl", "LEDGERKEEP_XERO_LOGIN_URL"),
    ("identityUrl", "LEDGERKEEP_XERO_IDENTITY_URL"),
    ("apiUrl", "LEDGERKEEP_XERO_API_URL"),
];

/// What the owner saved. A field left out takes the environment's value, or Xero's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct XeroAppSettings {
    pub client_id: Option<String>,
    pub oauth_port: Option<u16>,
    pub scopes: Option<Vec<String>>,
    pub login_url: Option<String>,
    pub identity_url: Option<String>,
    pub api_url: Option<String>,
}

impl XeroAppSettings {
    fn value_of(&self, var: &str) -> Option<String> {
        match var {
            "LEDGERKEEP_XERO_CLIENT_ID" => self.client_id.clone(),
            "LEDGERKEEP_OAUTH_PORT" => self.oauth_port.map(|p| p.to_string()),
            "LEDGERKEEP_XERO_LOGIN_URL" => self.login_url.clone(),
            "LEDGERKEEP_XERO_IDENTITY_URL" => self.identity_url.clone(),
            "LEDGERKEEP_XERO_API_URL" => self.api_url.clone(),
            _ => None,
        }
    }

    /// Checks every field, trims what may be trimmed, and names each field
    /// that is wrong and why.
    pub fn validate(mut self) -> Result<Self, ApiError> {
        let mut problems = Vec::new();
        let blank_to_none = |v: Option<String>| {
            v.map(|s| s.trim().trim_end_matches('/').to_owned())
                .filter(|s| !s.is_empty())
        };
        self.client_id = blank_to_none(self.client_id);
        if let Some(id) = &self.client_id {
            if id.len() > 64
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                problems.push("Client id: copy it from your app at developer.xero.com (letters and digits only).".to_owned());
            }
        }
        if let Some(port) = self.oauth_port {
            if port < 1024 {
                problems.push("Port: choose one from 1024 to 65535, and register http://localhost:<port>/callback in your Xero app.".to_owned());
            }
        }
        if let Some(scopes) = self.scopes.take() {
            let scopes: Vec<String> = scopes
                .iter()
                .flat_map(|s| s.split_whitespace())
                .map(str::to_owned)
                .collect();
            if !scopes.iter().any(|s| s == "offline_access") {
                problems.push(
                    "Scopes: offline_access is needed to stay signed in between syncs.".to_owned(),
                );
            }
            self.scopes = Some(scopes);
        }
        for (label, field) in [
            ("Login address", &mut self.login_url),
            ("Identity address", &mut self.identity_url),
            ("API address", &mut self.api_url),
        ] {
            *field = blank_to_none(field.take());
            if let Some(url) = field.as_deref() {
                if !base_url_allowed(url) {
                    problems.push(format!(
                        "{label}: use an https address (plain http only on this computer, e.g. http://127.0.0.1:8080)."
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(ApiError::invalid(problems.join(" ")))
        }
    }
}

fn base_url_allowed(url: &str) -> bool {
    let rest = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(r), _) => r,
        // Plain http only to this computer (a stand-in such as the simulator).
        (None, Some(r)) => {
            let loopback = ["localhost", "127.0.0.1", "[::1]"].iter().any(|h| {
                r.strip_prefix(h)
                    .is_some_and(|after| after.is_empty() || after.starts_with([':', '/']))
            });
            if !loopback {
                return false;
            }
            r
        }
        (None, None) => return false,
    };
    !rest.is_empty() && !rest.contains(char::is_whitespace) && !rest.contains(['?', '#'])
}

/// Where the settings are kept.
pub(crate) fn settings_file(paths: &AppPaths) -> PathBuf {
    paths.data_dir.join(FILE)
}

/// The saved settings; none saved (or a file that cannot be read) gives the defaults.
pub(crate) fn load_settings(paths: &AppPaths) -> XeroAppSettings {
    read_settings(&settings_file(paths))
}

fn read_settings(file: &Path) -> XeroAppSettings {
    match std::fs::read_to_string(file) {
        Ok(text) => serde_json::from_str(&text).unwrap_or_else(|err| {
            tracing::warn!(%err, "the saved Xero app settings could not be read; Xero's defaults apply");
            XeroAppSettings::default()
        }),
        Err(_) => XeroAppSettings::default(),
    }
}

/// The endpoints in force: the environment (`var`), else the settings, else Xero's.
pub fn endpoints(
    settings: &XeroAppSettings,
    var: impl Fn(&str) -> Option<String>,
) -> XeroEndpoints {
    XeroEndpoints::from_vars(|name| {
        var(name)
            .filter(|v| !v.trim().is_empty())
            .or_else(|| settings.value_of(name))
    })
}

/// The scopes asked for: the settings', else the default list.
pub fn scopes(settings: &XeroAppSettings) -> Vec<String> {
    settings
        .scopes
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect())
}

/// The Xero app as the running Ledgerkeep uses it, and as saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct XeroAppView {
    /// What is saved (applies at the next start).
    pub saved: XeroAppSettings,
    /// The client id in use (`None`: no Xero app, the demo company is offered).
    pub client_id: Option<String>,
    pub oauth_port: u16,
    /// The loopback redirect URI to register in the Xero app.
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub login_url: String,
    pub identity_url: String,
    pub api_url: String,
    /// The fields the environment sets, which the saved settings cannot change.
    pub from_environment: Vec<String>,
    /// The saved settings differ from those in use: restart Ledgerkeep to apply them.
    pub restart_needed: bool,
    /// The built-in demo company's simulator stands in for Xero.
    pub demo: bool,
}

fn view(ctx: &AppContext, saved: XeroAppSettings) -> XeroAppView {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let config = ctx.config();
    let e = &config.endpoints;
    let would_be = endpoints(&saved, env);
    // In the demo, only a client id saved since makes a difference (a real Xero app).
    let restart_needed = if config.demo {
        would_be.client_id.is_some()
    } else {
        would_be != *e || scopes(&saved) != config.scopes
    };
    XeroAppView {
        client_id: (!config.demo).then(|| e.client_id.clone()).flatten(),
        oauth_port: e.oauth_port,
        redirect_uri: format!("http://localhost:{}/callback", e.oauth_port),
        scopes: config.scopes.clone(),
        login_url: e.login_url.clone(),
        identity_url: e.identity_url.clone(),
        api_url: e.api_url.clone(),
        from_environment: VARS
            .iter()
            .filter(|(_, var)| env(var).is_some())
            .map(|(field, _)| (*field).to_owned())
            .collect(),
        restart_needed,
        demo: config.demo,
        saved,
    }
}

/// The Xero app in use and as saved.
#[tracing::instrument(name = "op", skip_all, fields(op = "xero_app", request_id = %crate::request_id()))]
pub async fn xero_app(ctx: &AppContext) -> Result<XeroAppView, ApiError> {
    Ok(view(ctx, load_settings(ctx.paths())))
}

/// Saves the owner's Xero app (every field checked first; the message names
/// each one that is wrong). It applies the next time Ledgerkeep starts.
#[tracing::instrument(name = "op", skip_all, fields(op = "set_xero_app", request_id = %crate::request_id()))]
pub async fn set_xero_app(ctx: &AppContext, req: XeroAppSettings) -> Result<XeroAppView, ApiError> {
    let settings = req.validate()?;
    let file = settings_file(ctx.paths());
    let text = serde_json::to_string_pretty(&settings)
        .map_err(|e| ApiError::internal(format!("The settings could not be written: {e}")))?;
    let tmp = file.with_extension("json.tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, &file))
        .map_err(|e| {
            ApiError::new(
                crate::ErrorCode::Storage,
                format!(
                    "Could not save the Xero app settings in {}: {e}",
                    file.display()
                ),
            )
        })?;
    tracing::info!(
        client_id_set = settings.client_id.is_some(),
        "Xero app settings saved"
    );
    Ok(view(ctx, settings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_overrides_the_settings_field_by_field_and_xero_is_the_default() {
        let saved = XeroAppSettings {
            client_id: Some("SAVED".into()),
            oauth_port: Some(8123),
            api_url: Some("http://127.0.0.1:9000".into()),
            ..XeroAppSettings::default()
        };
        let e = endpoints(&saved, |name| {
            (name == "LEDGERKEEP_XERO_CLIENT_ID").then(|| "FROM-ENV".to_owned())
        });
        assert_eq!(e.client_id.as_deref(), Some("FROM-ENV"));
        assert_eq!(e.oauth_port, 8123);
        assert_eq!(e.api_url, "http://127.0.0.1:9000");
        assert_eq!(e.login_url, "https://login.xero.com");
        assert_eq!(
            endpoints(&XeroAppSettings::default(), |_| None),
            XeroEndpoints::default()
        );
        assert!(scopes(&saved).contains(&"offline_access".to_owned()));
    }

    #[test]
    fn validation_names_each_wrong_field() {
        let bad = XeroAppSettings {
            client_id: Some("has spaces!".into()),
            oauth_port: Some(80),
            scopes: Some(vec!["accounting.transactions.read".into()]),
            login_url: Some("http://login.example".into()),
            identity_url: Some("ftp://x".into()),
            api_url: Some("https://api.example/".into()),
        };
        let err = bad.validate().unwrap_err();
        for field in [
            "Client id:",
            "Port:",
            "Scopes:",
            "Login address:",
            "Identity address:",
        ] {
            assert!(
                err.message.contains(field),
                "{field} missing from {}",
                err.message
            );
        }
        assert!(!err.message.contains("API address"), "{}", err.message);
        let good = XeroAppSettings {
            client_id: Some(" 0123ABCD ".into()),
            oauth_port: Some(53682),
            scopes: Some(vec!["openid offline_access".into()]),
            api_url: Some("http://127.0.0.1:9000/".into()),
            login_url: Some("  ".into()),
            ..XeroAppSettings::default()
        }
        .validate()
        .unwrap();
        assert_eq!(good.client_id.as_deref(), Some("0123ABCD"));
        assert_eq!(good.scopes.unwrap(), vec!["openid", "offline_access"]);
        assert_eq!(good.api_url.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(good.login_url, None);
    }

    #[test]
    fn a_missing_or_broken_file_gives_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(FILE);
        assert_eq!(read_settings(&file), XeroAppSettings::default());
        std::fs::write(&file, "{not json").unwrap();
        assert_eq!(read_settings(&file), XeroAppSettings::default());
        std::fs::write(&file, r#"{"clientId":"ABC","oauthPort":9000}"#).unwrap();
        assert_eq!(read_settings(&file).oauth_port, Some(9000));
    }
}
