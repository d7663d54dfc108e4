//! Xero's own history of a record, over real loopback HTTP to the
//! simulator (a new Starter app, granular scopes): nothing is kept until the
//! owner asks; one refresh is one call against the day's budget, and keeps
//! what Xero answered (newest first, with when it was fetched); the kept
//! history reads back from the ledger alone after the simulator is gone,
//! while a refresh then says Xero cannot be reached and changes nothing; a
//! sign-in without the record's scope is told which scope to grant; and a
//! spent day says when it resets, without a further call reaching Xero.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use std::sync::Arc;
use std::time::Duration;

use ledgerkeep_api::*;
use ledgerkeep_domain::EntityKind;
use ledgerkeep_sim::{Collection, Limits, RunningSimulator, Size};
use ledgerkeep_xero::{ClientSettings, MemoryTokenStore, Xero, XeroOptions, DEFAULT_SCOPES};
use serde_json::Value;

fn request(tenant: &str, entity: EntityKind, id: &str) -> RecordDetailRequest {
    RecordDetailRequest {
        tenant_id: tenant.to_owned(),
        entity,
        xero_id: id.to_owned(),
    }
}

/// A client that gives up quickly on a cut network (the default waits minutes).
fn quick_options() -> XeroOptions {
    XeroOptions {
        client: ClientSettings {
            connect_timeout: Duration::from_secs(2),
            read_timeout: Duration::from_secs(2),
            deadline: Duration::from_secs(20),
            max_retries: 1,
            ..ClientSettings::default()
        },
        ..XeroOptions::default()
    }
}

async fn starter(seed: u64) -> common::SignedIn {
    common::signed_in_on(
        RunningSimulator::builder()
            .seed(seed)
            .size(Size::Small)
            .new_starter_app()
            .limits(Limits::STARTER),
        quick_options(),
    )
    .await
}

/// The simulator's day left for `tenant`, as it counts.
fn sim_day_left(s: &common::SignedIn, tenant: &str) -> u32 {
    s.sim
        .limiter()
        .remaining(&tenant.to_ascii_lowercase(), s.time.now_ms())
        .day
}

#[tokio::test]
async fn a_refresh_is_one_call_kept_and_read_back_offline() {
    let s = starter(5).await;
    let truth = common::sync_all(&s, false).await;
    let tenant = s.sim.tenants()[0].tenant_id.clone();
    let svc = common::test_service(&s.ctx, &s.xero, &s.time, Duration::from_secs(3600)).await;
    let invoice: Value = truth
        .records(&tenant, Collection::Invoices)
        .into_iter()
        .find(|r| r["Status"] == "PAID")
        .unwrap();
    let id = invoice["InvoiceID"].as_str().unwrap().to_owned();
    let req = request(&tenant, EntityKind::Invoice, &id);

    // Nothing is kept until the owner asks.
    let before = record_xero_history(&s.ctx, req.clone()).await.unwrap();
    assert!(before.available);
    assert_eq!(before.fetched_at, None);
    assert!(before.entries.is_empty());
    assert_eq!(before.scope.as_deref(), Some("accounting.invoices.read"));

    let sim_left = sim_day_left(&s, &tenant);
    let got = refresh_record_xero_history(&svc, req.clone())
        .await
        .unwrap();
    assert_eq!(sim_day_left(&s, &tenant), sim_left - 1, "one call at Xero");
    assert_eq!(
        s.xero.client().limiter().day_left(&tenant),
        sim_left - 1,
        "counted by the app's own limiter, the sync's"
    );
    let fetched_at = chrono::DateTime::from_timestamp_millis(s.time.now_ms()).unwrap();
    assert_eq!(
        got.fetched_at.as_deref(),
        Some(ledgerkeep_domain::format_instant(fetched_at).as_str())
    );

    // What Xero answered, entry for entry, newest first.
    let xero = ledgerkeep_sim::history::history_of(Collection::Invoices, &invoice);
    assert_eq!(got.entries.len(), xero.len());
    for (mine, theirs) in got.entries.iter().zip(&xero) {
        assert_eq!(mine.change, theirs["Changes"].as_str().unwrap());
        assert_eq!(mine.user.as_deref(), theirs["User"].as_str());
        let ms = ledgerkeep_sim::wire::parse_ms_date(theirs["DateUTC"].as_str().unwrap()).unwrap();
        let at = chrono::DateTime::from_timestamp_millis(ms).unwrap();
        assert_eq!(
            mine.at.as_deref(),
            Some(ledgerkeep_domain::format_instant(at).as_str())
        );
    }
    let changes: Vec<&str> = got.entries.iter().map(|e| e.change.as_str()).collect();
    assert!(
        changes.contains(&"Paid") && changes.last() == Some(&"Created"),
        "{changes:?}"
    );
    assert_eq!(record_xero_history(&s.ctx, req.clone()).await.unwrap(), got);

    // The network goes: the kept history still reads, a refresh says why it
    // could not, and what was kept is unchanged.
    s.sim.network_cut().cut();
    let err = refresh_record_xero_history(&svc, req.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::XeroUnavailable, "{}", err.message);
    assert!(
        err.message.contains("could not be reached"),
        "{}",
        err.message
    );
    assert_eq!(record_xero_history(&s.ctx, req.clone()).await.unwrap(), got);

    // And from the ledger file alone, in a new window, with no Xero at all.
    svc.shutdown().await;
    drop(svc);
    let dir = s.dir.path().to_owned();
    let common::SignedIn {
        sim,
        ctx,
        dir: _keep,
        ..
    } = s;
    sim.stop().await;
    ctx.close().await;
    let offline = common::open_app_in(&dir).await;
    assert_eq!(record_xero_history(&offline, req).await.unwrap(), got);
    offline.close().await;
}

#[tokio::test]
async fn a_sign_in_without_the_scope_is_told_which_to_grant() {
    let s = starter(6).await;
    let truth = common::sync_all(&s, false).await;
    let tenant = s.sim.tenants()[0].tenant_id.clone();
    let payment = truth.records(&tenant, Collection::Payments)[0]["PaymentID"]
        .as_str()
        .unwrap()
        .to_owned();
    // The owner revoked the app in Xero (which takes its scopes back) and
    // connected again without the payments scope.
    s.sim.revoke_refresh_tokens();
    let scopes: Vec<String> = DEFAULT_SCOPES
        .iter()
        .filter(|s| !s.starts_with("accounting.payments"))
        .map(|s| (*s).to_owned())
        .collect();
    let narrow = Arc::new(
        Xero::new(
            common::endpoints_of(&s.sim),
            Arc::new(MemoryTokenStore::default()),
            s.time.timekeeping(),
            None,
            XeroOptions {
                scopes,
                ..quick_options()
            },
        )
        .unwrap(),
    );
    common::sign_in_by_bounce(&narrow).await;
    let svc = common::test_service(&s.ctx, &narrow, &s.time, Duration::from_secs(3600)).await;
    let req = request(&tenant, EntityKind::Payment, &payment);
    let err = refresh_record_xero_history(&svc, req.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert_eq!(
        err.message,
        "Xero's history needs the accounting.payments.read scope; reconnect to Xero to grant it."
    );
    let kept = record_xero_history(&s.ctx, req).await.unwrap();
    assert_eq!(kept.fetched_at, None, "nothing kept from a refusal");
    assert_eq!(kept.scope.as_deref(), Some("accounting.payments.read"));
    // A batch payment's history needs the same scope.
    let batch = truth.records(&tenant, Collection::BatchPayments)[0]["BatchPaymentID"]
        .as_str()
        .unwrap()
        .to_owned();
    let err = refresh_record_xero_history(&svc, request(&tenant, EntityKind::BatchPayment, &batch))
        .await
        .unwrap_err();
    assert!(
        err.message.contains("accounting.payments.read"),
        "{}",
        err.message
    );

    // An invoice is within the narrower sign-in's scopes.
    let invoice = truth.records(&tenant, Collection::Invoices)[0]["InvoiceID"]
        .as_str()
        .unwrap()
        .to_owned();
    let ok = refresh_record_xero_history(&svc, request(&tenant, EntityKind::Invoice, &invoice))
        .await
        .unwrap();
    assert!(!ok.entries.is_empty());
    svc.shutdown().await;
}

#[tokio::test]
async fn a_spent_day_says_when_it_resets_and_asks_xero_no_more() {
    let s = starter(7).await;
    let truth = common::sync_all(&s, false).await;
    let tenant = s.sim.tenants()[0].tenant_id.clone();
    let svc = common::test_service(&s.ctx, &s.xero, &s.time, Duration::from_secs(3600)).await;
    let id = truth.records(&tenant, Collection::BankTransactions)[0]["BankTransactionID"]
        .as_str()
        .unwrap()
        .to_owned();
    let req = request(&tenant, EntityKind::BankTransaction, &id);

    // The organisation's day is spent at Xero (another app shared it).
    let used = Limits::STARTER.per_day - sim_day_left(&s, &tenant);
    s.sim.limiter().set_limits(Limits {
        per_day: used,
        ..Limits::STARTER
    });
    let err = refresh_record_xero_history(&svc, req.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::XeroUnavailable, "{}", err.message);
    let turns = s
        .xero
        .client()
        .limiter()
        .day_turns_at_ms(&tenant)
        .expect("Xero said when the day turns");
    let now = s.time.now_ms();
    assert!(turns > now && turns <= now + 86_400_000);
    let at = chrono::DateTime::from_timestamp_millis(turns).unwrap();
    let expected = format!(
        "It resets at {} UTC on {}.",
        at.format("%H:%M"),
        at.format("%-d %b %Y")
    );
    assert!(
        err.message
            .starts_with("Xero's daily limit of calls for this organisation is reached")
            && err.message.ends_with(&expected),
        "{}",
        err.message
    );

    // Asked again, the app refuses it itself: no call reaches Xero.
    let refused_before = s.sim.limiter().remaining(&tenant.to_ascii_lowercase(), now);
    let again = refresh_record_xero_history(&svc, req.clone())
        .await
        .unwrap_err();
    assert!(again.message.ends_with(&expected), "{}", again.message);
    assert_eq!(
        s.sim.limiter().remaining(&tenant.to_ascii_lowercase(), now),
        refused_before
    );
    let kept = record_xero_history(&s.ctx, req).await.unwrap();
    assert_eq!(kept.fetched_at, None);
    svc.shutdown().await;
}
