//! Helpers the integration tests share: start a simulator on a loopback port
//! with a manual clock, and go through OAuth like the client does, over HTTP.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use ledgerkeep_sim::{Limits, ManualClock, RunningSimulator, SimulatorBuilder, Size};
use reqwest::header::LOCATION;
use serde_json::Value;

pub const REDIRECT: &str = "http://localhost:8123/callback";
pub const VERIFIER: &str = "a-verifier-of-enough-length-0123456789-abcdefghijklmnop";

pub struct Harness {
    pub sim: RunningSimulator,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::Client,
}

pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

pub fn no_redirects() -> reqwest::Client {
    // Xero answers XML unless asked for JSON, so every call asks, as the client must.
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn start_with(f: impl FnOnce(SimulatorBuilder) -> SimulatorBuilder) -> Harness {
    let clock = ledgerkeep_sim::clock::manual_clock();
    let builder = RunningSimulator::builder()
        .seed(42)
        .size(Size::Small)
        .clock(clock.clone())
        .auto_consent(true);
    let sim = f(builder).start().await.unwrap();
    Harness {
        sim,
        clock,
        http: no_redirects(),
    }
}

pub async fn start() -> Harness {
    start_with(|b| b).await
}

/// Limits high enough that a test walking every page is never refused.
pub const GENEROUS: Limits = Limits {
    concurrent: 5,
    per_minute: 1_000_000,
    per_day: 1_000_000,
    app_per_minute: 1_000_000,
};

pub async fn start_limited(limits: Limits) -> Harness {
    start_with(|b| b.limits(limits)).await
}

/// The S256 challenge, computed here independently of the simulator.
pub fn challenge(verifier: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.sim.base_url(), path)
    }

    pub fn authorize_url(&self, verifier: &str) -> String {
        format!(
            "{}/identity/connect/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid%20offline_access%20accounting.transactions.read&state=st4te&code_challenge={}&code_challenge_method=S256",
            self.sim.base_url(),
            self.sim.client_id(),
            REDIRECT,
            challenge(verifier)
        )
    }

    /// The authorize address asking for `scope` (space-separated).
    pub fn authorize_url_with(&self, verifier: &str, scope: &str) -> String {
        format!(
            "{}/identity/connect/authorize?response_type=code&client_id={}&redirect_uri={}&scope={}&state=st4te&code_challenge={}&code_challenge_method=S256",
            self.sim.base_url(),
            self.sim.client_id(),
            REDIRECT,
            scope.replace(' ', "%20"),
            challenge(verifier)
        )
    }

    /// Where authorize (with auto-consent) sends the browser back, as its
    /// query's pairs: `code` or `error`, `state`, ...
    pub async fn authorize_with(
        &self,
        verifier: &str,
        scope: &str,
    ) -> std::collections::HashMap<String, String> {
        let r = self
            .http
            .get(self.authorize_url_with(verifier, scope))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 302, "{:?}", r.text().await);
        let location = r.headers()[LOCATION].to_str().unwrap().to_owned();
        assert!(location.starts_with(REDIRECT), "{location}");
        let url = reqwest::Url::parse(&location).unwrap();
        url.query_pairs().into_owned().collect()
    }

    /// Signs in asking for `scope`; the token response's body too.
    pub async fn login_with(&self, scope: &str) -> (Tokens, Value) {
        let q = self.authorize_with(VERIFIER, scope).await;
        let code = q.get("code").unwrap_or_else(|| panic!("no code: {q:?}"));
        let r = self.exchange(code, VERIFIER).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        let tokens = Tokens {
            access: body["access_token"].as_str().unwrap().to_owned(),
            refresh: body["refresh_token"].as_str().unwrap().to_owned(),
        };
        (tokens, body)
    }

    /// Follows the authorize redirect and returns the code.
    pub async fn code(&self, verifier: &str) -> String {
        let r = self
            .http
            .get(self.authorize_url(verifier))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 302, "{:?}", r.text().await);
        let location = r.headers()[LOCATION].to_str().unwrap().to_owned();
        assert!(location.starts_with(REDIRECT), "{location}");
        let url = reqwest::Url::parse(&location).unwrap();
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["state"], "st4te");
        q["code"].clone()
    }

    pub async fn exchange(&self, code: &str, verifier: &str) -> reqwest::Response {
        self.http
            .post(self.url("/connect/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("client_id", self.sim.client_id()),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .unwrap()
    }

    pub async fn refresh(&self, refresh: &str) -> reqwest::Response {
        self.http
            .post(self.url("/connect/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh),
                ("client_id", self.sim.client_id()),
            ])
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self) -> Tokens {
        let code = self.code(VERIFIER).await;
        let r = self.exchange(&code, VERIFIER).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        Tokens {
            access: body["access_token"].as_str().unwrap().to_owned(),
            refresh: body["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    pub fn tenant(&self, i: usize) -> String {
        self.sim.tenants()[i].tenant_id.clone()
    }

    pub async fn get(&self, access: &str, tenant: &str, path_and_query: &str) -> reqwest::Response {
        self.http
            .get(self.url(&format!("/api.xro/2.0/{path_and_query}")))
            .bearer_auth(access)
            .header("xero-tenant-id", tenant)
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
    }

    pub async fn get_json(&self, access: &str, tenant: &str, path_and_query: &str) -> Value {
        let r = self.get(access, tenant, path_and_query).await;
        assert_eq!(r.status(), 200, "{path_and_query}");
        let text = r.text().await.unwrap();
        serde_json::from_str(&text).unwrap()
    }
}
