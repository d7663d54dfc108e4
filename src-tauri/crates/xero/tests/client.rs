//! The client's edges against the simulator: timeouts, the size cap,
//! disconnecting (revocation and one organisation), exact numbers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use ledgerkeep_sim::{Fault, FaultRule, Limits};
use ledgerkeep_xero::oauth::RefreshFailure;
use ledgerkeep_xero::{
    ApiRequest, ClientSettings, MemoryTokenStore, TokenStore, XeroError, XeroOptions,
};

fn options(client: ClientSettings) -> XeroOptions {
    XeroOptions {
        client,
        ..XeroOptions::default()
    }
}

#[tokio::test]
async fn a_call_that_times_out_is_retried() {
    let h = harness(Limits::XERO).await;
    let (xero, metrics) = xero_with_metrics(
        &h,
        Arc::new(MemoryTokenStore::default()),
        options(ClientSettings {
            read_timeout: Duration::from_millis(300),
            ..ClientSettings::default()
        }),
    );
    connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    h.sim.inject(FaultRule::next(Fault::Timeout, 1));
    let r = xero
        .client()
        .get(&tenant, &ApiRequest::get("Contacts"))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    let snap = metrics.snapshot();
    assert_eq!((snap.xero_calls, snap.xero_errors), (2, 1));
}

#[tokio::test]
async fn an_answer_over_the_cap_is_refused() {
    let h = harness(Limits::XERO).await;
    let xero = xero(
        &h,
        Arc::new(MemoryTokenStore::default()),
        options(ClientSettings {
            max_response_bytes: 1_000,
            ..ClientSettings::default()
        }),
    );
    connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    let err = xero
        .client()
        .get(&tenant, &ApiRequest::get("Invoices"))
        .await
        .unwrap_err();
    assert_eq!(err, XeroError::TooLarge(1_000));
}

#[tokio::test]
async fn amounts_keep_their_digits() {
    let h = harness(Limits::XERO).await;
    let xero = xero(
        &h,
        Arc::new(MemoryTokenStore::default()),
        XeroOptions::default(),
    );
    connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    let r = xero
        .client()
        .get(&tenant, &ApiRequest::get("Invoices"))
        .await
        .unwrap();
    let total = &r.body["Invoices"][0]["Total"];
    assert!(total.is_number(), "{total}");
    let truth = h.sim.truth();
    let id = r.body["Invoices"][0]["InvoiceID"].as_str().unwrap();
    let record = truth.tenants[0]
        .table(ledgerkeep_sim::Collection::Invoices)
        .get(id)
        .unwrap();
    let stored: serde_json::Value = serde_json::from_str(&record.json).unwrap();
    let expected = stored["Total"].to_string();
    assert!(
        expected.contains('.'),
        "pick a record with cents: {expected}"
    );
    assert_eq!(total.to_string(), expected, "the number lost digits");
}

#[tokio::test]
async fn disconnect_revokes_at_xero_and_forgets_the_connection() {
    let h = harness(Limits::XERO).await;
    let store = Arc::new(MemoryTokenStore::default());
    let xero = xero(&h, store.clone(), XeroOptions::default());
    let conn = connect(&xero).await;
    let old = store.load(conn.id()).unwrap().unwrap().tokens.refresh_token;
    let out = xero.disconnect(conn.id()).await.unwrap();
    assert!(out.revoked);
    assert!(store.load(conn.id()).unwrap().is_none());
    assert_eq!(
        xero.sign_in().refresh(&old).await.unwrap_err(),
        RefreshFailure::InvalidGrant,
        "the refresh token still works at Xero"
    );
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    let err = xero
        .client()
        .get(&tenant, &ApiRequest::get("Invoices"))
        .await
        .unwrap_err();
    assert!(matches!(err, XeroError::TenantNotConnected(_)), "{err:?}");
}

#[tokio::test]
async fn one_organisation_can_be_disconnected_and_the_others_stay() {
    let h = harness(Limits::XERO).await;
    let tenants = h.sim.tenants();
    assert!(
        tenants.len() >= 2,
        "the simulator's small books need two organisations for this test"
    );
    let xero = xero(
        &h,
        Arc::new(MemoryTokenStore::default()),
        XeroOptions::default(),
    );
    let conn = connect(&xero).await;
    let gone = tenants[0].tenant_id.clone();
    let kept = tenants[1].tenant_id.clone();
    xero.disconnect_tenant(&gone).await.unwrap();
    assert!(!conn.reaches(&gone));
    let err = xero
        .client()
        .get(&gone, &ApiRequest::get("Invoices"))
        .await
        .unwrap_err();
    assert!(matches!(err, XeroError::TenantNotConnected(_)), "{err:?}");
    // Xero's side agrees: its /connections no longer lists it.
    let listed = xero.client().fetch_organisations(&conn).await.unwrap();
    assert!(listed.iter().all(|o| o.tenant_id != gone));
    assert_eq!(
        xero.client()
            .get(&kept, &ApiRequest::get("Invoices"))
            .await
            .unwrap()
            .status,
        200
    );
}

/// A PUT whose answer is lost (Xero recorded it; the answer never came in
/// time) is retried with the same Idempotency-Key, and Xero answers the first
/// result again: one payment, whose id the client gets.
#[tokio::test]
async fn a_put_whose_answer_is_lost_is_retried_with_its_key_and_recorded_once() {
    use ledgerkeep_sim::{Collection, Gate};
    let h = harness(Limits::XERO).await;
    let (xero, metrics) = xero_with_metrics(
        &h,
        Arc::new(MemoryTokenStore::default()),
        options(ClientSettings {
            read_timeout: Duration::from_millis(300),
            ..ClientSettings::default()
        }),
    );
    connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    let truth = h.sim.truth();
    let invoice = truth
        .records(&tenant, Collection::Invoices)
        .into_iter()
        // Authorised means something is still due: a paid one is PAID.
        .find(|i| i["Status"] == "AUTHORISED")
        .unwrap();
    let bank = truth
        .records(&tenant, Collection::Accounts)
        .into_iter()
        .find(|a| a["Type"] == "BANK")
        .unwrap();
    let body = serde_json::json!({"Payments": [{
        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
        "Account": {"AccountID": bank["AccountID"]},
        "Date": "2026-07-01",
        "Amount": serde_json::from_str::<serde_json::Value>("0.01").unwrap(),
        "Reference": "lost answer"
    }]});
    let gate = Gate::new();
    h.sim
        .inject(FaultRule::next(Fault::HoldAnswer(gate.clone()), 1).on("Payments"));
    let req =
        ApiRequest::put("Payments", body, "key-lost-answer").query("summarizeErrors", "false");
    let r = xero.client().put(&tenant, &req).await.unwrap();
    gate.open();
    assert_eq!(r.status, 200);
    let recorded: Vec<_> = h
        .sim
        .truth()
        .records(&tenant, Collection::Payments)
        .into_iter()
        .filter(|p| p["Reference"] == "lost answer")
        .collect();
    assert_eq!(recorded.len(), 1);
    assert_eq!(r.body["Payments"][0]["PaymentID"], recorded[0]["PaymentID"]);
    assert_eq!(r.body["Payments"][0]["Amount"].to_string(), "0.01");
    let snap = metrics.snapshot();
    assert_eq!((snap.xero_calls, snap.xero_errors), (2, 1));

    // Without a key, a PUT is refused before anything is sent.
    let mut keyless = req.clone();
    keyless.idempotency_key = None;
    assert!(matches!(
        xero.client().put(&tenant, &keyless).await,
        Err(XeroError::Decode(_))
    ));
    assert_eq!(metrics.snapshot().xero_calls, 2);
}
