//! The owner's Xero app: its client id, the loopback port registered with it,
//! the scopes asked for and, for a stand-in server, the three endpoint bases.
//!
//! The scopes follow what the app is and does: Xero's granular read-only
//! scopes by default, the broad ones for a Xero app made before March 2026
//! ("legacy broad scopes"), plus write access to payments when payments are
//! recorded from Ledgerkeep. Xero's scopes are additive: a feature turned on
//! after signing in needs a second sign-in, and the view says which scopes the
//! current sign-in lacks.
//!
//! Kept in `xero-app.json` in the data folder (nothing in it is secret: a PKCE
//! app has no client secret). The environment (`LEDGERKEEP_XERO_LOGIN_URL`,
//! `LEDGERKEEP_XERO_IDENTITY_URL`, `LEDGERKEEP_XERO_API_URL`,
//! `LEDGERKEEP_XERO_CLIENT_ID`, `LEDGERKEEP_OAUTH_PORT`) overrides it field by
//! field; what neither sets is Xero's default. Read once when the app starts
//! ([`crate::AppConfig::new`]): a change applies at the next start.

use std::path::{Path, PathBuf};

use ledgerkeep_xero::{
    missing_scopes, scope_endpoints, scope_granted, GrantedScopes, ScopeChoice, XeroEndpoints,
};
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
    /// The Xero app was made before March 2026 and keeps Xero's broad scopes
    /// (Journals included) instead of the granular ones.
    #[serde(default)]
    #[specta(optional)]
    pub legacy_scopes: Option<bool>,
    /// Payments are recorded in Xero from Ledgerkeep: asks for write access to
    /// payments (sign in again after turning it on).
    #[serde(default)]
    #[specta(optional)]
    pub record_payments: Option<bool>,
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
        // Off is the default: saved as "not set".
        self.legacy_scopes = self.legacy_scopes.filter(|on| *on);
        self.record_payments = self.record_payments.filter(|on| *on);
        let blank_to_none = |v: Option<String>| {
            v.map(|s| s.trim().trim_end_matches('/').to_owned())
                .filter(|s| !s.is_empty())
        };
        self.client_id = blank_to_none(self.client_id);
        // The first-run guide's rule, as the owner types: Xero's shape.
        if let Some(problem) = self
            .client_id
            .as_deref()
            .and_then(crate::ops::onboarding::client_id_problem)
        {
            problems.push(format!("Client id: {problem}"));
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

/// An https base, or plain http to this computer only (a stand-in such as the
/// simulator). The host is read by parsing the URL, so that
/// `http://localhost:1@evil.example` (host `evil.example`) is refused. No user
/// name, password, query or fragment.
fn base_url_allowed(url: &str) -> bool {
    use reqwest::Url;
    if url.contains(char::is_whitespace) || url.contains(['?', '#']) {
        return false;
    }
    let Ok(parsed) = Url::parse(url) else {
        return false;
    };
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return false;
    }
    let host = parsed.host_str().unwrap_or_default();
    match parsed.scheme() {
        "https" => !host.is_empty(),
        "http" => {
            host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        _ => false,
    }
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

/// The kind of Xero app and the features the settings turn on.
pub fn scope_choice(settings: &XeroAppSettings) -> ScopeChoice {
    ScopeChoice {
        legacy: settings.legacy_scopes.unwrap_or(false),
        record_payments: settings.record_payments.unwrap_or(false),
    }
}

/// The scopes asked for: the settings' own list, else the list for the kind
/// of Xero app; with payments recorded from Ledgerkeep, plus write access to
/// payments (added to an own list that lacks it).
pub fn scopes(settings: &XeroAppSettings) -> Vec<String> {
    let choice = scope_choice(settings);
    let Some(mut own) = settings.scopes.clone().filter(|s| !s.is_empty()) else {
        return choice.scopes();
    };
    if choice.record_payments {
        let listed = own.join(" ");
        let write = choice
            .scopes()
            .into_iter()
            .filter(|s| !s.ends_with(".read") && s.starts_with("accounting."));
        for needed in write {
            if !scope_granted(&listed, &needed) {
                own.push(needed);
            }
        }
    }
    own
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
    /// The broad scopes of a Xero app made before March 2026 are in use.
    pub legacy_scopes: bool,
    /// Payments are recorded in Xero (write access to payments is asked for).
    pub record_payments: bool,
    /// The scopes in use that a current sign-in was not granted (Xero's
    /// scopes are additive: sign in again to add them). Empty when every
    /// sign-in holds them all, or none exists.
    pub missing_scopes: Vec<String>,
    /// Each scope in use, in `scopes`' order: whether the stored sign-ins
    /// hold it, and what it opens.
    pub scope_grants: Vec<ScopeGrantView>,
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

/// Whether the stored sign-ins hold a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ScopeGrant {
    /// Every stored sign-in holds it (or no Accounting call needs it).
    Granted,
    /// A stored sign-in lacks it: Xero refuses what it opens to that
    /// sign-in's organisations until the owner signs in again.
    NotGranted,
    /// No sign-in is stored yet.
    NotSignedIn,
    /// The keyring could not be read (it has its own message).
    Unknown,
}

/// One scope in use: whether it is granted, to whom not, and what it opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ScopeGrantView {
    /// Xero's name (`accounting.invoices.read`).
    pub scope: String,
    pub grant: ScopeGrant,
    /// The organisations (names) whose sign-in lacks the scope.
    pub lacking: Vec<String>,
    /// The Xero endpoints it opens, named as the sync names its streams and
    /// a refusal its endpoint (`BankTransactions`, `Reports/ProfitAndLoss`);
    /// none for the identity scopes.
    pub opens: Vec<String>,
}

/// The stored sign-ins' grants, or `None` when the keyring cannot be read.
type Grants = Option<Vec<GrantedScopes>>;

/// The scopes in `needed` that any stored sign-in lacks, each once.
fn missing_for(grants: &Grants, needed: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for g in grants.iter().flatten() {
        for m in missing_scopes(&g.scope, needed) {
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    out
}

/// Each scope of `needed`, granted or not and to whom not, with what it opens.
fn scope_grants(grants: &Grants, needed: &[String]) -> Vec<ScopeGrantView> {
    needed
        .iter()
        .map(|scope| {
            let one = std::slice::from_ref(scope);
            let lacking_sign_ins: Vec<&GrantedScopes> = grants
                .iter()
                .flatten()
                .filter(|g| !missing_scopes(&g.scope, one).is_empty())
                .collect();
            let grant = match grants {
                None => ScopeGrant::Unknown,
                Some(g) if g.is_empty() => ScopeGrant::NotSignedIn,
                Some(_) if lacking_sign_ins.is_empty() => ScopeGrant::Granted,
                Some(_) => ScopeGrant::NotGranted,
            };
            let mut lacking: Vec<String> = Vec::new();
            for name in lacking_sign_ins.iter().flat_map(|g| &g.organisations) {
                if !lacking.contains(name) {
                    lacking.push(name.clone());
                }
            }
            ScopeGrantView {
                scope: scope.clone(),
                grant,
                lacking,
                opens: scope_endpoints(scope)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            }
        })
        .collect()
}

fn view(ctx: &AppContext, saved: XeroAppSettings, grants: &Grants) -> XeroAppView {
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
        legacy_scopes: config
            .scopes
            .iter()
            .any(|s| s == "accounting.transactions.read" || s == "accounting.transactions"),
        record_payments: config
            .scopes
            .iter()
            .any(|s| s == "accounting.payments" || s == "accounting.transactions"),
        missing_scopes: missing_for(grants, &config.scopes),
        scope_grants: scope_grants(grants, &config.scopes),
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
    let grants = grants(ctx).await;
    Ok(view(ctx, load_settings(ctx.paths()), &grants))
}

/// What each stored sign-in was granted (`None` when the keyring cannot be
/// read: that has its own message, and no scope is then called missing).
async fn grants(ctx: &AppContext) -> Grants {
    match ctx.xero().granted_scopes().await {
        Ok(g) => Some(g),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the granted scopes");
            None
        }
    }
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
    let grants = grants(ctx).await;
    Ok(view(ctx, settings, &grants))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledgerkeep_xero::DEFAULT_SCOPES;

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
    fn the_default_scopes_are_granular_read_only_and_features_add_to_them() {
        let default = scopes(&XeroAppSettings::default());
        assert!(default.iter().any(|s| s == "accounting.invoices.read"));
        assert!(default
            .iter()
            .any(|s| s == "accounting.reports.profitandloss.read"));
        for broad in [
            "accounting.transactions.read",
            "accounting.reports.read",
            "accounting.journals.read",
            "accounting.payments",
        ] {
            assert!(!default.iter().any(|s| s == broad), "{broad} by default");
        }
        let pay = scopes(&XeroAppSettings {
            record_payments: Some(true),
            ..XeroAppSettings::default()
        });
        assert_eq!(pay.len(), default.len() + 1);
        assert!(pay.iter().any(|s| s == "accounting.payments"));

        let legacy = scopes(&XeroAppSettings {
            legacy_scopes: Some(true),
            ..XeroAppSettings::default()
        });
        assert!(legacy.iter().any(|s| s == "accounting.transactions.read"));
        assert!(legacy.iter().any(|s| s == "accounting.journals.read"));
        assert!(!legacy.iter().any(|s| s == "accounting.invoices.read"));
        let legacy_pay = scopes(&XeroAppSettings {
            legacy_scopes: Some(true),
            record_payments: Some(true),
            ..XeroAppSettings::default()
        });
        assert!(legacy_pay.iter().any(|s| s == "accounting.transactions"));

        // An own list is kept as written; recording payments adds write access once.
        let own = XeroAppSettings {
            scopes: Some(vec!["openid".into(), "offline_access".into()]),
            record_payments: Some(true),
            ..XeroAppSettings::default()
        };
        assert_eq!(
            scopes(&own),
            vec!["openid", "offline_access", "accounting.payments"]
        );
        let own_with_write = XeroAppSettings {
            scopes: Some(vec!["offline_access".into(), "accounting.payments".into()]),
            record_payments: Some(true),
            ..XeroAppSettings::default()
        };
        assert_eq!(scopes(&own_with_write).len(), 2);
    }

    #[test]
    fn features_turned_off_are_saved_as_not_set() {
        let s = XeroAppSettings {
            legacy_scopes: Some(false),
            record_payments: Some(true),
            ..XeroAppSettings::default()
        }
        .validate()
        .unwrap();
        assert_eq!((s.legacy_scopes, s.record_payments), (None, Some(true)));
        // A file saved before the features existed still reads.
        let old: XeroAppSettings = serde_json::from_str(r#"{"clientId":"ABC"}"#).unwrap();
        assert_eq!((old.legacy_scopes, old.record_payments), (None, None));
    }

    #[test]
    fn only_loopback_may_use_plain_http_and_the_host_is_parsed() {
        for ok in [
            "https://api.xero.com",
            "http://localhost:8080",
            "http://LOCALHOST",
            "http://127.0.0.1:9000",
            "http://[::1]:9000/",
        ] {
            assert!(base_url_allowed(ok), "{ok} refused");
        }
        for bad in [
            // The host is evil.example: "localhost:1" is a user name and password.
            "http://localhost:1@evil.example",
            "http://localhost@evil.example",
            "http://127.0.0.1:80@evil.example/",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example",
            "http://[::1].evil.example",
            "https://user:pw@api.example",
            "http://evil.example",
            "ftp://localhost",
            "https://",
            "https://api.example/?x=1",
            "https://api example",
            "localhost:8080",
        ] {
            assert!(!base_url_allowed(bad), "{bad} allowed");
        }
        let err = XeroAppSettings {
            api_url: Some("http://localhost:1@evil.example".into()),
            ..XeroAppSettings::default()
        }
        .validate()
        .unwrap_err();
        assert!(err.message.starts_with("API address:"), "{}", err.message);
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
            ..XeroAppSettings::default()
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
            client_id: Some(" 0123456789ABCDEF0123456789ABCDEF ".into()),
            oauth_port: Some(53682),
            scopes: Some(vec!["openid offline_access".into()]),
            api_url: Some("http://127.0.0.1:9000/".into()),
            login_url: Some("  ".into()),
            ..XeroAppSettings::default()
        }
        .validate()
        .unwrap();
        assert_eq!(
            good.client_id.as_deref(),
            Some("0123456789ABCDEF0123456789ABCDEF")
        );
        for (typed, why) in [
            ("0123456789abcdef0123456789abcdef", "capital letters"),
            ("0123456789ABCDEF", "has 16"),
            ("0123456789ABCDEF-0123456789ABCDE", "remove “-”"),
        ] {
            let err = XeroAppSettings {
                client_id: Some(typed.into()),
                ..XeroAppSettings::default()
            }
            .validate()
            .unwrap_err();
            assert!(
                err.message.starts_with("Client id:") && err.message.contains(why),
                "{typed}: {}",
                err.message
            );
        }
        assert_eq!(good.scopes.unwrap(), vec!["openid", "offline_access"]);
        assert_eq!(good.api_url.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(good.login_url, None);
    }

    fn grant(scope: &str, organisations: &[&str]) -> GrantedScopes {
        GrantedScopes {
            connection_id: format!("c-{}", organisations.join("-")),
            scope: scope.to_owned(),
            organisations: organisations.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn each_scope_says_whether_every_sign_in_holds_it_and_whose_lacks_it() {
        let needed = scopes(&XeroAppSettings {
            record_payments: Some(true),
            ..XeroAppSettings::default()
        });
        let all_read = DEFAULT_SCOPES.join(" ");
        let grants = Some(vec![
            grant(&format!("{all_read} accounting.payments"), &["Alpha Ltd"]),
            grant(&all_read, &["Beta Ltd", "Gamma Ltd"]),
        ]);
        let views = scope_grants(&grants, &needed);
        assert_eq!(
            views.iter().map(|v| v.scope.as_str()).collect::<Vec<_>>(),
            needed.iter().map(String::as_str).collect::<Vec<_>>(),
            "one per scope in use, in order"
        );
        let of = |s: &str| views.iter().find(|v| v.scope == s).unwrap();
        let pay = of("accounting.payments");
        assert_eq!(pay.grant, ScopeGrant::NotGranted);
        assert_eq!(pay.lacking, vec!["Beta Ltd", "Gamma Ltd"]);
        assert!(pay.opens.iter().any(|e| e == "Payments"));
        let bank = of("accounting.banktransactions.read");
        assert_eq!(bank.grant, ScopeGrant::Granted);
        assert!(bank.lacking.is_empty());
        assert_eq!(bank.opens, vec!["BankTransactions", "BankTransfers"]);
        assert!(of("offline_access").opens.is_empty());
        // The same answer as the list of what is missing.
        let not_granted: Vec<String> = views
            .iter()
            .filter(|v| v.grant == ScopeGrant::NotGranted)
            .map(|v| v.scope.clone())
            .collect();
        assert_eq!(not_granted, missing_for(&grants, &needed));

        // No sign-in yet, or a keyring that cannot be read: nothing is called missing.
        for (g, state) in [
            (Some(Vec::new()), ScopeGrant::NotSignedIn),
            (None, ScopeGrant::Unknown),
        ] {
            assert!(missing_for(&g, &needed).is_empty());
            assert!(scope_grants(&g, &needed)
                .iter()
                .all(|v| v.grant == state && v.lacking.is_empty()));
        }
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
