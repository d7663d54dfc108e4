//! OAuth 2.0 + PKCE and the identity endpoints, over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;

async fn error_of(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn the_code_flow_gives_tokens_that_reach_every_tenant() {
    let h = start().await;
    let t = h.login().await;
    assert_ne!(t.access, t.refresh);
    let conns: Value = h
        .http
        .get(h.url("/connections"))
        .bearer_auth(&t.access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = conns
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tenantId"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = h.sim.tenants().into_iter().map(|t| t.tenant_id).collect();
    assert_eq!(ids, expected);
    for c in conns.as_array().unwrap() {
        assert_eq!(c["tenantType"], "ORGANISATION");
    }
}

#[tokio::test]
async fn a_wrong_pkce_verifier_is_rejected_and_the_code_is_spent() {
    let h = start().await;
    let code = h.code(VERIFIER).await;
    let (status, error) = error_of(
        h.exchange(
            &code,
            "another-verifier-that-does-not-match-the-challenge-00",
        )
        .await,
    )
    .await;
    assert_eq!((status, error.as_str()), (400, "invalid_grant"));
    // Single use: the right verifier cannot rescue a code already presented.
    let (status, error) = error_of(h.exchange(&code, VERIFIER).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_grant"));
}

#[tokio::test]
async fn the_redirect_uri_and_client_id_must_match_the_authorize_request() {
    let h = start().await;
    let code = h.code(VERIFIER).await;
    let r = h
        .http
        .post(h.url("/connect/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "http://localhost:9999/other"),
            ("client_id", h.sim.client_id()),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await, (400, "invalid_grant".to_owned()));
    let code = h.code(VERIFIER).await;
    let r = h
        .http
        .post(h.url("/connect/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("client_id", "SOMEONEELSE"),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await, (400, "invalid_client".to_owned()));
    // And authorize refuses an unknown client or a non-loopback http redirect.
    let bad = h.authorize_url(VERIFIER).replace(h.sim.client_id(), "NOPE");
    assert_eq!(h.http.get(bad).send().await.unwrap().status(), 400);
    let bad = h
        .authorize_url(VERIFIER)
        .replace("http://localhost:8123", "http://evil.example");
    assert_eq!(h.http.get(bad).send().await.unwrap().status(), 400);
}

#[tokio::test]
async fn the_consent_page_has_a_button_that_redirects_with_a_code() {
    let h = start_with(|b| b.auto_consent(false)).await;
    let r = h.http.get(h.authorize_url(VERIFIER)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("<button"), "{page}");
    assert!(
        page.contains("Xero simulator"),
        "the demo is labelled: {page}"
    );
    for t in h.sim.tenants() {
        assert!(page.contains(&t.name.replace('&', "&amp;")), "{page}");
    }
    let ticket = page
        .split("name=\"ticket\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let r = h
        .http
        .post(h.url("/identity/connect/authorize/consent"))
        .form(&[("ticket", ticket), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(REDIRECT)
            && location.contains("code=")
            && location.contains("state=st4te"),
        "{location}"
    );
    let code = reqwest::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(h.exchange(&code, VERIFIER).await.status(), 200);
    // A ticket is single use.
    let r = h
        .http
        .post(h.url("/identity/connect/authorize/consent"))
        .form(&[("ticket", ticket), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn refresh_rotates_and_the_previous_token_has_a_thirty_minute_grace() {
    let h = start().await;
    let t = h.login().await;
    let r = h.refresh(&t.refresh).await;
    assert_eq!(r.status(), 200);
    let second: Value = r.json().await.unwrap();
    let second_refresh = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, t.refresh, "refresh tokens rotate");
    assert_eq!(second["expires_in"], 1800);

    // The response was "lost": the previous token is retried within the grace.
    h.clock.advance(Duration::from_secs(29 * 60));
    let r = h.refresh(&t.refresh).await;
    assert_eq!(r.status(), 200, "previous token within grace");
    let third: Value = r.json().await.unwrap();
    let third_refresh = third["refresh_token"].as_str().unwrap().to_owned();

    // After the grace, the previous token is refused...
    h.clock.advance(Duration::from_secs(2 * 60));
    assert_eq!(
        error_of(h.refresh(&t.refresh).await).await,
        (400, "invalid_grant".to_owned())
    );
    // ...and so is the token the lost response carried, which was replaced.
    assert_eq!(
        error_of(h.refresh(&second_refresh).await).await,
        (400, "invalid_grant".to_owned())
    );
    // The newest still works, once.
    let r = h.refresh(&third_refresh).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn access_tokens_expire_after_their_lifetime() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    assert_eq!(
        h.get(&t.access, &tenant, "Organisation").await.status(),
        200
    );
    h.clock.advance(Duration::from_secs(29 * 60 + 59));
    assert_eq!(
        h.get(&t.access, &tenant, "Organisation").await.status(),
        200
    );
    h.clock.advance(Duration::from_secs(1));
    let r = h.get(&t.access, &tenant, "Organisation").await;
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    // A foreign token is refused the same way.
    assert_eq!(
        h.get("not-a-token", &tenant, "Organisation").await.status(),
        401
    );
    // A configured lifetime is honoured.
    let h = start_with(|b| b.access_token_lifetime(Duration::from_secs(60))).await;
    let t = h.login().await;
    h.clock.advance(Duration::from_secs(61));
    assert_eq!(
        h.get(&t.access, &h.tenant(0), "Organisation")
            .await
            .status(),
        401
    );
}

#[tokio::test]
async fn an_unused_refresh_token_expires_after_sixty_days() {
    let h = start().await;
    let t = h.login().await;
    // Used just inside its 60 days, it works, and the new one has 60 days of its own.
    h.clock
        .advance(Duration::from_secs(60 * 86_400) - Duration::from_millis(1));
    let r = h.refresh(&t.refresh).await;
    assert_eq!(r.status(), 200);
    let next: Value = r.json().await.unwrap();
    let next = next["refresh_token"].as_str().unwrap().to_owned();
    h.clock.advance(Duration::from_secs(59 * 86_400 + 86_399));
    let r = h.refresh(&next).await;
    assert_eq!(r.status(), 200, "a used token's 60 days start again");
    let last: Value = r.json().await.unwrap();
    let last = last["refresh_token"].as_str().unwrap().to_owned();
    // Left unused for 60 days: refused, as Xero refuses it.
    h.clock.advance(Duration::from_secs(60 * 86_400));
    assert_eq!(
        error_of(h.refresh(&last).await).await,
        (400, "invalid_grant".to_owned())
    );
}

#[tokio::test]
async fn revocation_ends_the_grant() {
    let h = start().await;
    let t = h.login().await;
    let r = h
        .http
        .post(h.url("/connect/revocation"))
        .form(&[("token", t.refresh.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        error_of(h.refresh(&t.refresh).await).await,
        (400, "invalid_grant".to_owned())
    );
    assert_eq!(
        h.get(&t.access, &h.tenant(0), "Organisation")
            .await
            .status(),
        401
    );
}

#[tokio::test]
async fn deleting_a_connection_disconnects_that_tenant_only() {
    let h = start().await;
    let t = h.login().await;
    let conns: Value = h
        .http
        .get(h.url("/connections"))
        .bearer_auth(&t.access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = &conns[0];
    let r = h
        .http
        .delete(h.url(&format!("/connections/{}", first["id"].as_str().unwrap())))
        .bearer_auth(&t.access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let gone = first["tenantId"].as_str().unwrap();
    assert_eq!(h.get(&t.access, gone, "Organisation").await.status(), 403);
    assert_eq!(
        h.get(&t.access, &h.tenant(1), "Organisation")
            .await
            .status(),
        200
    );
    let after: Value = h
        .http
        .get(h.url("/connections"))
        .bearer_auth(&t.access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        after.as_array().unwrap().len(),
        conns.as_array().unwrap().len() - 1
    );
    // Deleting it again: 404.
    let r = h
        .http
        .delete(h.url(&format!("/connections/{}", first["id"].as_str().unwrap())))
        .bearer_auth(&t.access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn cancelling_on_the_consent_page_redirects_with_access_denied() {
    let h = start_with(|b| b.auto_consent(false)).await;
    let page = h
        .http
        .get(h.authorize_url(VERIFIER))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ticket = page
        .split("name=\"ticket\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let r = h
        .http
        .post(h.url("/identity/connect/authorize/consent"))
        .form(&[("ticket", ticket), ("decision", "deny")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    assert!(
        location.contains("error=access_denied") && location.contains("state=st4te"),
        "{location}"
    );
    assert!(!location.contains("code="), "{location}");
}

#[tokio::test]
async fn access_tokens_are_jwt_shaped_with_xeros_claims() {
    use base64::Engine;
    let h = start().await;
    let t = h.login().await;
    let parts: Vec<&str> = t.access.split('.').collect();
    assert_eq!(parts.len(), 3);
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["client_id"], h.sim.client_id());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["nbf"].as_i64().unwrap(),
        1800
    );
    let event = claims["authentication_event_id"].as_str().unwrap();
    let conns: Value = h
        .http
        .get(h.url(&format!("/connections?authEventId={event}")))
        .bearer_auth(&t.access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(conns.as_array().unwrap().len(), 3);
    assert!(conns
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["authEventId"] == event));
    let other: Value = h
        .http
        .get(h.url("/connections?authEventId=00000000-0000-0000-0000-000000000000"))
        .bearer_auth(&t.access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(other.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_client_id_may_come_as_http_basic_auth() {
    let h = start().await;
    let code = h.code(VERIFIER).await;
    let r = h
        .http
        .post(h.url("/connect/token"))
        .basic_auth(h.sim.client_id(), Some(""))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let r = h
        .http
        .post(h.url("/connect/token"))
        .basic_auth("SOMEONEELSE", Some(""))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await, (400, "invalid_grant".to_owned()));
}

#[tokio::test]
async fn a_secret_prefix_gives_known_codes_and_tokens_and_every_secret_is_remembered() {
    let h = start_with(|b| b.secret_prefix("K9known")).await;
    let t = h.login().await;
    assert_eq!(t.access, "K9known-access-1");
    assert_eq!(t.refresh, "K9known-refresh-1");
    assert_eq!(
        h.get(&t.access, &h.tenant(0), "Contacts").await.status(),
        200
    );
    let r = h.refresh(&t.refresh).await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["access_token"], "K9known-access-2");
    assert_eq!(body["refresh_token"], "K9known-refresh-2");
    let seen = h.sim.secrets_seen();
    for s in [
        "st4te",
        "K9known-code-1",
        VERIFIER,
        "K9known-access-1",
        "K9known-refresh-1",
        "K9known-access-2",
        "K9known-refresh-2",
    ] {
        assert!(seen.iter().any(|v| v == s), "{s} not in {seen:?}");
    }
    assert_eq!(seen.len(), 7, "each once: {seen:?}");
}

#[tokio::test]
async fn the_token_endpoint_counts_its_answers_and_can_hold_requests() {
    let h = start().await;
    assert_eq!(h.sim.token_counts(), ledgerkeep_sim::TokenCounts::default());
    let t = h.login().await;
    let r = h.refresh(&t.refresh).await;
    let second: Value = r.json().await.unwrap();
    let second = second["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(h.sim.current_refresh_tokens(), vec![second.clone()]);
    h.clock.advance(Duration::from_secs(31 * 60));
    assert_eq!(
        error_of(h.refresh(&t.refresh).await).await.1,
        "invalid_grant"
    );
    let counts = h.sim.token_counts();
    assert_eq!(
        (
            counts.requests,
            counts.code_grants,
            counts.refresh_grants,
            counts.invalid_grants
        ),
        (3, 1, 1, 1)
    );

    // A held refresh is counted on arrival and answered once the gate opens.
    let gate = ledgerkeep_sim::Gate::new();
    h.sim.hold_token_requests(Some(gate.clone()));
    let held = tokio::spawn({
        let url = h.url("/connect/token");
        let client_id = h.sim.client_id().to_owned();
        let refresh = second.clone();
        async move {
            no_redirects()
                .post(url)
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh.as_str()),
                    ("client_id", client_id.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    while h.sim.token_counts().requests < 4 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!held.is_finished(), "the gate let the refresh through");
    assert_eq!(h.sim.token_counts().refresh_grants, 1);
    gate.open();
    assert_eq!(held.await.unwrap(), 200);
    h.sim.hold_token_requests(None);
    assert_eq!(h.sim.token_counts().refresh_grants, 2);
    assert_ne!(h.sim.current_refresh_tokens(), vec![second]);
}
