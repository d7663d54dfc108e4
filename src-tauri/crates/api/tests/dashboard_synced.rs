//! The Dashboard on a ledger the app's own sync filled from the simulator over
//! loopback: the bank tiles are the ledger's bank balances, the twelve
//! months' money in and out add up to the bank accounts' movement over them,
//! the months' profit is the Reports screen's, the ageing bars add up to what
//! is outstanding, and "since your last look" counts what a later sync
//! brought.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use ledgerkeep_api::*;
use ledgerkeep_sim::mutate::MutationKind;
use ledgerkeep_sim::Collection;
use rust_decimal::Decimal;

fn request(tenant: &str, as_at: NaiveDate) -> DashboardRequest {
    DashboardRequest {
        tenant_id: tenant.to_owned(),
        as_at: common::ymd(as_at),
        recent_limit: Some(10),
    }
}

fn today(s: &common::SignedIn) -> NaiveDate {
    DateTime::<Utc>::from_timestamp_millis(s.time.now_ms())
        .unwrap()
        .date_naive()
}

/// Every bank account's ledger balance at the end of `day`.
async fn bank_balances(
    ctx: &AppContext,
    tenant: &str,
    day: NaiveDate,
) -> BTreeMap<String, Decimal> {
    list_accounts(
        ctx,
        ListAccountsRequest {
            tenant_id: tenant.to_owned(),
            as_at: common::ymd(day),
        },
    )
    .await
    .unwrap()
    .into_iter()
    .filter(|a| a.account_type.as_deref() == Some("BANK"))
    .map(|a| (a.xero_id, a.balance.as_decimal()))
    .collect()
}

fn d(m: &ledgerkeep_domain::Money) -> Decimal {
    m.as_decimal()
}

#[tokio::test]
async fn the_dashboard_adds_up_on_a_synced_ledger_and_counts_what_came_since_the_last_look() {
    let s = common::signed_in(11).await;
    common::sync_all(&s, false).await;
    let tenants = s.sim.tenants();
    let tenant = tenants[0].tenant_id.clone();
    let as_at = today(&s);

    // The first look: nothing to count from yet.
    let first = dashboard_look(
        &s.ctx,
        DashboardLookRequest {
            tenant_id: tenant.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(first.previous_utc, None);
    let view = dashboard(&s.ctx, request(&tenant, as_at)).await.unwrap();
    assert_eq!(view.since_last_look, None);

    // The tiles are the ledger's bank balances, synced just now.
    let balances = bank_balances(&s.ctx, &tenant, as_at).await;
    assert!(!balances.is_empty(), "the books have bank accounts");
    let tiles: BTreeMap<String, Decimal> = view
        .banks
        .iter()
        .map(|b| (b.xero_id.clone(), d(&b.balance)))
        .collect();
    assert_eq!(tiles, balances);
    assert!(tiles.values().any(|v| !v.is_zero()), "some account moved");
    for b in &view.banks {
        let synced: DateTime<Utc> = b.last_synced_utc.as_deref().unwrap().parse().unwrap();
        assert!(synced.date_naive() <= as_at);
    }

    // Twelve months to the day, oldest first; in less out is each month's
    // bank movement, so their sum is the balances' change over the year.
    assert_eq!(view.months.len(), 12);
    assert_eq!(view.months[11].to, common::ymd(as_at));
    let start: NaiveDate = view.months[0].from.parse().unwrap();
    let before = bank_balances(&s.ctx, &tenant, start.pred_opt().unwrap()).await;
    let moved: Decimal = balances.values().sum::<Decimal>() - before.values().sum::<Decimal>();
    let net: Decimal = view
        .months
        .iter()
        .map(|m| d(&m.money_in) - d(&m.money_out))
        .sum();
    assert_eq!(net, moved);
    assert!(view
        .months
        .iter()
        .any(|m| !m.money_in.as_decimal().is_zero()));
    for (i, m) in view.months.iter().enumerate() {
        assert!(!m.money_in.as_decimal().is_sign_negative(), "{m:?}");
        assert!(!m.money_out.as_decimal().is_sign_negative(), "{m:?}");
        // Each month's in and out on its own: the months' balances' change.
        let from: NaiveDate = m.from.parse().unwrap();
        let to: NaiveDate = m.to.parse().unwrap();
        let open = bank_balances(&s.ctx, &tenant, from.pred_opt().unwrap()).await;
        let close = bank_balances(&s.ctx, &tenant, to).await;
        assert_eq!(
            d(&m.money_in) - d(&m.money_out),
            close.values().sum::<Decimal>() - open.values().sum::<Decimal>(),
            "month {i}"
        );
        assert_eq!(d(&m.income) - d(&m.expenses), d(&m.net_profit), "{m:?}");
    }

    // A whole month's profit is the Reports screen's profit and loss for it.
    let m = &view.months[10];
    let pl = run_report(
        &s.ctx,
        ReportRequest {
            tenant_id: tenant.clone(),
            kind: ReportKind::ProfitAndLoss,
            period: ReportPeriod {
                from: Some(m.from.clone()),
                to: m.to.clone(),
            },
            comparisons: Vec::new(),
            basis: None,
            tracking: None,
            by_tracking_category: None,
        },
    )
    .await
    .unwrap();
    let net_profit = pl
        .summary
        .iter()
        .find(|r| r.label == "Net profit")
        .and_then(|r| r.cells[0].amount)
        .unwrap();
    assert_eq!(m.net_profit, net_profit);
    assert!(view.months.iter().any(|m| !m.income.as_decimal().is_zero()));

    // The ageing bars add up to what is outstanding, the control account's figure.
    for (ageing, total) in [
        (&view.receivables_ageing, view.receivables_total.unwrap()),
        (&view.payables_ageing, view.payables_total.unwrap()),
    ] {
        assert_eq!(ageing.buckets.len(), 5);
        let sum: Decimal = ageing.buckets.iter().map(|b| d(&b.amount)).sum();
        assert_eq!(sum, d(&ageing.total));
        assert_eq!(ageing.total, total);
        let past: Decimal = ageing.buckets[1..].iter().map(|b| d(&b.amount)).sum();
        assert_eq!(past, d(&ageing.past_due));
        assert!(!total.as_decimal().is_zero(), "{}", ageing.doc_type);
    }

    // An hour on, the owner looks again: the first look is the one counted from.
    s.time.advance(std::time::Duration::from_secs(3600));
    let second = dashboard_look(
        &s.ctx,
        DashboardLookRequest {
            tenant_id: tenant.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        second.previous_utc.as_deref(),
        Some(first.current_utc.as_str())
    );
    // Drawn again in the same visit: the same look.
    let again = dashboard_look(
        &s.ctx,
        DashboardLookRequest {
            tenant_id: tenant.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(again, second);
    let quiet = dashboard(&s.ctx, request(&tenant, as_at)).await.unwrap();
    let since = quiet.since_last_look.unwrap();
    assert_eq!(since.since_utc, first.current_utc);
    assert_eq!(
        (since.new_invoices, since.records_changed),
        (0, 0),
        "nothing came in"
    );

    // Xero's books change, a later sync brings the changes, and the next look counts them.
    s.time.advance(std::time::Duration::from_secs(3600));
    let mutations = s.sim.mutate(60);
    s.time.advance(std::time::Duration::from_secs(60));
    let truth = common::sync_all(&s, false).await;
    s.time.advance(std::time::Duration::from_secs(3600));
    dashboard_look(
        &s.ctx,
        DashboardLookRequest {
            tenant_id: tenant.clone(),
        },
    )
    .await
    .unwrap();
    let after = dashboard(&s.ctx, request(&tenant, today(&s)))
        .await
        .unwrap();
    let since = after.since_last_look.unwrap();
    assert_eq!(since.since_utc, second.current_utc);
    let types: BTreeMap<String, String> = truth
        .records(&tenant, Collection::Invoices)
        .iter()
        .map(|i| {
            (
                i["InvoiceID"].as_str().unwrap().to_owned(),
                i["Type"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let new_of = |ty: &str| {
        mutations
            .iter()
            .filter(|m| m.tenant_id == tenant && m.kind == MutationKind::NewInvoice)
            .filter(|m| types.get(&m.id).map(String::as_str) == Some(ty))
            .count() as u32
    };
    assert_eq!(since.new_invoices, new_of("ACCREC"));
    assert_eq!(since.new_bills, new_of("ACCPAY"));
    let seen: BTreeSet<&str> = mutations
        .iter()
        .filter(|m| m.tenant_id == tenant && m.kind.moves_updated_date())
        .map(|m| m.id.as_str())
        .collect();
    assert!(!seen.is_empty(), "the tenant's books changed");
    assert!(
        since.records_changed as usize >= seen.len(),
        "{} changed records, {} changed in Xero",
        since.records_changed,
        seen.len()
    );
    assert_ne!(
        (since.new_invoices, since.records_changed),
        (0, 0),
        "the counts moved"
    );
}
