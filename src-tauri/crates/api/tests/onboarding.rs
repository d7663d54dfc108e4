//! "Connect your own Xero": the connection test the first-run guide makes,
//! against the simulator over loopback as a new app on the Starter tier.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use ledgerkeep_api::ops::onboarding::{client_id_problem, test_xero_connection};
use ledgerkeep_api::{AppConfig, AppContext, AppPaths, ErrorCode, XeroSetup};
use ledgerkeep_sim::{Collection, RunningSimulator, Size};
use ledgerkeep_xero::MemoryTokenStore;

mod common;

#[tokio::test]
async fn a_new_starter_app_is_tested_before_the_owner_leaves_the_guide() {
    let sim = RunningSimulator::builder()
        .seed(21)
        .size(Size::Small)
        .new_starter_app()
        .auto_consent(true)
        .redirect_uri(common::BOUNCE_URL)
        .start()
        .await
        .unwrap();
    // The simulator hands out client ids of Xero's shape.
    assert_eq!(client_id_problem(sim.client_id()), None);

    let dir = tempfile::tempdir().unwrap();
    let mut config = AppConfig::new(AppPaths::under(dir.path()));
    config.endpoints = common::endpoints_of(&sim);
    let ctx = AppContext::open_with(
        config,
        XeroSetup {
            store: Arc::new(MemoryTokenStore::default()),
            ..XeroSetup::default()
        },
    )
    .await
    .unwrap();

    // Before signing in there is nothing to test, and the guide says so.
    let err = test_xero_connection(&ctx).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert!(err.message.contains("sign in"), "{}", err.message);

    common::sign_in_by_bounce(ctx.xero()).await;
    let tested = test_xero_connection(&ctx).await.unwrap();

    let tenants = sim.tenants();
    assert_eq!(tested.organisations.len(), tenants.len());
    let truth = sim.truth();
    for t in &tenants {
        let o = tested
            .organisations
            .iter()
            .find(|o| o.tenant_id == t.tenant_id)
            .unwrap_or_else(|| panic!("{} not tested", t.name));
        assert_eq!(o.name, t.name, "the name Xero's Organisation call gave");
        // The tier's day as read from X-DayLimit-Remaining: Starter's 1,000.
        assert_eq!(o.calls_a_day, 1_000, "{}", t.name);
        assert!(o.starter);
        // The test's own calls are counted against today.
        assert!(
            o.calls_left_today < 1_000 && o.calls_left_today >= 990,
            "{}",
            o.calls_left_today
        );
        let books = truth
            .tenants
            .iter()
            .find(|b| b.tenant_id == t.tenant_id)
            .unwrap();
        let invoices = o.invoices.expect("Xero's itemCount for Invoices");
        assert!(
            invoices > 0 && invoices as usize <= books.table(Collection::Invoices).len(),
            "{invoices}"
        );
        assert!(o.bank_transactions.is_some());
        assert!(o.first_sync_calls as usize >= ledgerkeep_sync::STREAMS.len());
        // Small books fit in the first day of a Starter app.
        assert_eq!(o.first_sync_more_days, Some(0));
    }
}
