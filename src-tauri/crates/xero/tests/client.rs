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
