//! Fault injection: error statuses, slow answers and timeouts, broken JSON,
//! tokens expiring mid-sync, revoked refresh tokens, records changing between
//! pages, a tenant disconnected and the network cut.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use ledgerkeep_sim::wire::updated_ms;
use ledgerkeep_sim::{Clock, Collection, Fault, FaultRule};
use serde_json::Value;

#[tokio::test]
async fn error_statuses_for_the_chosen_calls_only() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    h.sim
        .inject(FaultRule::next(Fault::Status(503), 2).on("Invoices"));
    assert_eq!(h.get(&t.access, &tenant, "Contacts").await.status(), 200);
    let r = h.get(&t.access, &tenant, "Invoices").await;
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("x-minlimit-remaining"));
    assert_eq!(h.get(&t.access, &tenant, "Invoices").await.status(), 503);
    assert_eq!(h.get(&t.access, &tenant, "Invoices").await.status(), 200);
    h.sim.inject(FaultRule::always(Fault::Status(500)).after(1));
    assert_eq!(h.get(&t.access, &tenant, "Accounts").await.status(), 200);
    assert_eq!(h.get(&t.access, &tenant, "Accounts").await.status(), 500);
    assert_eq!(h.get(&t.access, &tenant, "Items").await.status(), 500);
    h.sim.clear_faults();
    assert_eq!(h.get(&t.access, &tenant, "Items").await.status(), 200);
}

#[tokio::test]
async fn a_rate_limited_fault_answers_as_the_minute_limit_and_is_not_counted() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    assert_eq!(h.get(&t.access, &tenant, "Contacts").await.status(), 200);
    h.sim.inject(
        FaultRule::next(
            Fault::RateLimited {
                problem: ledgerkeep_sim::Problem::Minute,
                retry_after_secs: 7,
            },
            1,
        )
        .on("Invoices"),
    );
    let r = h.get(&t.access, &tenant, "Invoices").await;
    assert_eq!(r.status(), 429);
    let header = |name: &str| r.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("retry-after"), "7");
    assert_eq!(header("x-rate-limit-problem"), "minute");
    // One call counted so far (the Contacts one): the refused call is not.
    assert_eq!(header("x-minlimit-remaining"), "59");
    assert_eq!(header("x-daylimit-remaining"), "4999");
    // Until its Retry-After, the tenant stays refused (the limit was spent elsewhere).
    assert_eq!(h.get(&t.access, &tenant, "Invoices").await.status(), 429);
    h.clock.advance(std::time::Duration::from_secs(7));
    let next = h.get(&t.access, &tenant, "Invoices").await;
    assert_eq!(next.status(), 200);
    assert_eq!(next.headers()["x-daylimit-remaining"], "4998");
    let left = h.sim.limiter().remaining(&tenant, h.clock.now_ms());
    assert_eq!(left.day, 4998);
}

#[tokio::test]
async fn truncated_and_malformed_json() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    h.sim.inject(FaultRule::next(Fault::TruncatedJson, 1));
    let r = h.get(&t.access, &tenant, "Invoices").await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(text.starts_with('{') && serde_json::from_str::<Value>(&text).is_err());
    h.sim.inject(FaultRule::next(Fault::MalformedJson, 1));
    let text = h
        .get(&t.access, &tenant, "Invoices")
        .await
        .text()
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());
    let text = h
        .get(&t.access, &tenant, "Invoices")
        .await
        .text()
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_ok());
}

#[tokio::test]
async fn slow_answers_and_timeouts() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    h.sim
        .inject(FaultRule::next(Fault::Delay(Duration::from_millis(300)), 1));
    let started = Instant::now();
    assert_eq!(h.get(&t.access, &tenant, "Currencies").await.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    h.sim.inject(FaultRule::next(Fault::Timeout, 1));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = client
        .get(h.url("/api.xro/2.0/Currencies"))
        .header("accept", "application/json")
        .bearer_auth(&t.access)
        .header("xero-tenant-id", &tenant)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
}

#[tokio::test]
async fn a_token_expiring_mid_sync_then_a_refresh_recovers() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    h.sim.inject(
        FaultRule::next(Fault::ExpireTokens, 1)
            .on("Invoices")
            .after(1),
    );
    assert_eq!(
        h.get(&t.access, &tenant, "Invoices?page=1").await.status(),
        200
    );
    assert_eq!(
        h.get(&t.access, &tenant, "Invoices?page=2").await.status(),
        401
    );
    let fresh: Value = h.refresh(&t.refresh).await.json().await.unwrap();
    let access = fresh["access_token"].as_str().unwrap();
    assert_eq!(
        h.get(access, &tenant, "Invoices?page=2").await.status(),
        200
    );
    // And by direct control.
    h.sim.expire_access_tokens();
    assert_eq!(h.get(access, &tenant, "Invoices").await.status(), 401);
}

#[tokio::test]
async fn a_revoked_refresh_token_and_a_disconnected_tenant() {
    let h = start().await;
    let t = h.login().await;
    h.sim.disconnect_tenant(&h.tenant(1));
    assert_eq!(
        h.get(&t.access, &h.tenant(1), "Invoices").await.status(),
        403
    );
    assert_eq!(
        h.get(&t.access, &h.tenant(0), "Invoices").await.status(),
        200
    );
    h.sim.revoke_refresh_tokens();
    let r = h.refresh(&t.refresh).await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn records_changed_between_two_pages_move_behind_the_cursor() {
    let h = start().await;
    h.clock.advance(Duration::from_secs(3600));
    let t = h.login().await;
    let tenant = h.tenant(0);
    h.sim
        .inject(FaultRule::next(Fault::ChangeServedRecords, 1).on("Invoices"));
    let page1 = h
        .get_json(
            &t.access,
            &tenant,
            "Invoices?order=UpdatedDateUTC%20ASC&page=1&pageSize=10",
        )
        .await;
    let first_ids: Vec<String> = page1["Invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["InvoiceID"].as_str().unwrap().to_owned())
        .collect();
    // The served copies are the old ones; the books now hold newer ones.
    let now = h.clock.now_ms();
    for id in &first_ids {
        let v = h
            .sim
            .truth()
            .tenant(&tenant)
            .unwrap()
            .table(Collection::Invoices)
            .get(id)
            .unwrap()
            .value();
        assert_eq!(updated_ms(&v), Some(now));
    }
    let page2 = h
        .get_json(
            &t.access,
            &tenant,
            "Invoices?order=UpdatedDateUTC%20ASC&page=2&pageSize=10",
        )
        .await;
    let second: Vec<&str> = page2["Invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["InvoiceID"].as_str().unwrap())
        .collect();
    assert!(second.iter().all(|id| !first_ids.iter().any(|f| f == id)));
    let all = h
        .get_json(
            &t.access,
            &tenant,
            "Invoices?order=UpdatedDateUTC%20ASC&pageSize=1000",
        )
        .await;
    let all: Vec<&str> = all["Invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["InvoiceID"].as_str().unwrap())
        .collect();
    let tail: std::collections::BTreeSet<&str> =
        all[all.len() - first_ids.len()..].iter().copied().collect();
    assert_eq!(tail, first_ids.iter().map(String::as_str).collect());
}

#[tokio::test]
async fn a_network_cut_refuses_new_connections_and_answers_nothing_on_open_ones() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    // The harness's client keeps this connection open for the next call.
    assert_eq!(h.get(&t.access, &tenant, "Contacts").await.status(), 200);
    let cut = h.sim.network_cut();
    assert!(!cut.is_cut());
    cut.cut();
    assert!(cut.is_cut());
    // Through the client that had a connection open: no answer (its connection is closed, or
    // open and silent), however long one waits.
    let open = tokio::time::timeout(
        Duration::from_millis(500),
        h.http
            .get(format!("{}/api.xro/2.0/Contacts", h.sim.base_url()))
            .bearer_auth(&t.access)
            .header("xero-tenant-id", &tenant)
            .send(),
    )
    .await;
    assert!(
        !matches!(open, Ok(Ok(_))),
        "a cut simulator answered on an open connection"
    );
    // A new connection is refused.
    let fresh = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let err = fresh
        .get(format!("{}/connections", h.sim.base_url()))
        .send()
        .await
        .expect_err("a cut simulator took a new connection");
    assert!(err.is_connect(), "{err}");
}
