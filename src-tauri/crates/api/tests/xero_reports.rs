//! Each report beside Xero's own, against the simulator over loopback: after a
//! sync the ledger's profit and loss, balance sheet and trial balance match the
//! Reports endpoints' figures exactly; after Xero's books change, and before
//! Xero's reports are fetched again, the comparison names the accounts and
//! lines that moved, with both amounts; a later fetch matches again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use ledgerkeep_api::*;
use ledgerkeep_sim::Collection;
use rust_decimal::Decimal;

mod common;
use common::sync_ok as sync;

const DAY_MS: i64 = 86_400_000;

fn period(from: Option<&str>, to: &str) -> ReportPeriod {
    ReportPeriod {
        from: from.map(str::to_owned),
        to: to.to_owned(),
    }
}

async fn report(ctx: &AppContext, tenant: &str, kind: ReportKind, p: ReportPeriod) -> ReportView {
    common::report_over(ctx, tenant, kind, p).await
}

/// The four reports the sync fetches on 2026-07-01 (the simulator's day one;
/// the year ends on 31 March).
fn fetched() -> Vec<(ReportKind, ReportPeriod)> {
    vec![
        (
            ReportKind::ProfitAndLoss,
            period(Some("2026-07-01"), "2026-07-31"),
        ),
        (
            ReportKind::ProfitAndLoss,
            period(Some("2026-04-01"), "2027-03-31"),
        ),
        (ReportKind::BalanceSheet, period(None, "2026-06-30")),
        (ReportKind::TrialBalance, period(None, "2026-06-30")),
    ]
}

/// Signed in to a simulator of `seed`'s books, its first organisation, and a
/// sync service whose network probe stays out of the way.
async fn synced_setup(seed: u64) -> (common::SignedIn, String, SyncService) {
    let s = common::signed_in(seed).await;
    let tenant = s.sim.tenants()[0].tenant_id.clone();
    let svc = common::test_service(
        &s.ctx,
        &s.xero,
        &s.time,
        std::time::Duration::from_secs(3600),
    )
    .await;
    (s, tenant, svc)
}

/// Each difference as label → (local, Xero), with the account's id.
fn differences(v: &ReportView) -> BTreeMap<String, (Option<String>, Decimal, Decimal)> {
    v.xero
        .differences
        .iter()
        .map(|d| {
            let amount =
                |m: &Option<ledgerkeep_domain::Money>| m.map_or(Decimal::ZERO, |m| m.as_decimal());
            (
                d.label.clone(),
                (d.account.clone(), amount(&d.local), amount(&d.xero)),
            )
        })
        .collect()
}

#[tokio::test]
async fn after_a_sync_the_reports_match_xero_and_a_later_change_is_named_until_the_next_fetch() {
    let (s, tenant, svc) = synced_setup(21).await;

    // The first sync fetches Xero's four reports (four calls) and stores them,
    // with a run's worth of the month-end trial balances that anchor the ledger.
    let first = sync(&svc, &tenant).await;
    assert_eq!(
        first.xero_reports,
        4 + u32::try_from(ledgerkeep_sync::reports::ANCHORS_PER_RUN).unwrap()
    );
    for (kind, p) in fetched() {
        let v = report(&s.ctx, &tenant, kind, p.clone()).await;
        assert_eq!(
            v.xero.status,
            XeroComparisonStatus::Matches,
            "{kind:?} {p:?}: {} {:?}",
            v.xero.message,
            v.xero.differences
        );
        assert!(
            v.xero.message.starts_with("Matches Xero"),
            "{}",
            v.xero.message
        );
        assert!(v.xero.fetched_at.is_some());
    }
    // Not vacuous: the year's profit and the balance sheet hold real figures.
    let year = report(
        &s.ctx,
        &tenant,
        ReportKind::ProfitAndLoss,
        fetched()[1].1.clone(),
    )
    .await;
    let net = year
        .summary
        .iter()
        .find(|r| r.label == "Net profit")
        .unwrap();
    assert!(!net.cells[0].amount.unwrap().as_decimal().is_zero());
    let bs = report(
        &s.ctx,
        &tenant,
        ReportKind::BalanceSheet,
        fetched()[2].1.clone(),
    )
    .await;
    assert!(bs.sections.iter().map(|s| s.rows.len()).sum::<usize>() >= 5);

    // A period Xero's report was not fetched for says so, and names those that were.
    let other = report(
        &s.ctx,
        &tenant,
        ReportKind::ProfitAndLoss,
        period(Some("2026-01-01"), "2026-01-31"),
    )
    .await;
    assert_eq!(other.xero.status, XeroComparisonStatus::NotFetched);
    assert_eq!(
        other.xero.available,
        vec![fetched()[1].1.clone(), fetched()[0].1.clone()]
    );
    let aged = report(
        &s.ctx,
        &tenant,
        ReportKind::AgedReceivables,
        period(None, "2026-06-30"),
    )
    .await;
    assert_eq!(aged.xero.status, XeroComparisonStatus::NotCompared);

    // At Xero, a spend of 123.45 from the bank (090) to General Expenses (429),
    // dated in June. The next sync brings its journal but, within six hours of
    // the last fetch, not Xero's reports.
    let amount = Decimal::new(12345, 2);
    let (bank, expenses) = s
        .sim
        .plant(&tenant, |p| {
            let contact = p.first(Collection::Contacts, |_| true).unwrap();
            let june_15 = ledgerkeep_sim::clock::DEFAULT_START_MS - 16 * DAY_MS;
            p.spend(
                contact["ContactID"].as_str().unwrap(),
                amount,
                june_15,
                "Late receipt",
            );
            let id = |code: &str| {
                p.first(Collection::Accounts, |a| a["Code"] == code)
                    .unwrap()["AccountID"]
                    .as_str()
                    .unwrap()
                    .to_ascii_lowercase()
            };
            (id("090"), id("429"))
        })
        .unwrap();
    s.time.advance(std::time::Duration::from_secs(600));
    let stored_before = s.ctx.store().xero_reports(&tenant).await.unwrap().len();
    let second = sync(&svc, &tenant).await;
    // Only the rest of the earlier month-ends' trial balances, none of the four.
    let stored_after = s.ctx.store().xero_reports(&tenant).await.unwrap().len();
    assert_eq!(
        usize::try_from(second.xero_reports).unwrap(),
        stored_after - stored_before
    );
    assert!(second.records_changed >= 2);

    // The balance sheet at 30 June: the bank is 123.45 lower, so are the year's
    // earnings and the totals; the line and both amounts are named.
    let bs = report(
        &s.ctx,
        &tenant,
        ReportKind::BalanceSheet,
        fetched()[2].1.clone(),
    )
    .await;
    assert_eq!(bs.xero.status, XeroComparisonStatus::Differs);
    assert!(
        bs.xero.message.contains("5 figures differ"),
        "{}",
        bs.xero.message
    );
    let d = differences(&bs);
    let labels: Vec<&str> = d.keys().map(String::as_str).collect();
    assert_eq!(
        labels,
        [
            "090 Business Bank Account",
            "Current year earnings",
            "Net assets",
            "Total assets",
            "Total equity"
        ]
    );
    for (label, (account, local, xero)) in &d {
        assert_eq!(*local, *xero - amount, "{label}");
        if label.starts_with("090") {
            assert_eq!(account.as_deref(), Some(bank.as_str()));
        } else {
            assert_eq!(*account, None);
        }
    }

    // The year's profit and loss: General Expenses 123.45 higher, profit lower.
    let pl = report(
        &s.ctx,
        &tenant,
        ReportKind::ProfitAndLoss,
        fetched()[1].1.clone(),
    )
    .await;
    let d = differences(&pl);
    assert_eq!(
        d.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "429 General Expenses",
            "Net profit",
            "Total operating expenses"
        ]
    );
    assert_eq!(
        d["429 General Expenses"].0.as_deref(),
        Some(expenses.as_str())
    );
    assert_eq!(
        d["429 General Expenses"].1,
        d["429 General Expenses"].2 + amount
    );
    assert_eq!(
        d["Total operating expenses"].1,
        d["Total operating expenses"].2 + amount
    );
    assert_eq!(d["Net profit"].1, d["Net profit"].2 - amount);
    // July's profit and loss is untouched by a June spend.
    let july = report(
        &s.ctx,
        &tenant,
        ReportKind::ProfitAndLoss,
        fetched()[0].1.clone(),
    )
    .await;
    assert_eq!(july.xero.status, XeroComparisonStatus::Matches);

    // The trial balance: the two accounts, as nets (debit positive).
    let tb = report(
        &s.ctx,
        &tenant,
        ReportKind::TrialBalance,
        fetched()[3].1.clone(),
    )
    .await;
    assert!(
        tb.xero.message.contains("debit positive"),
        "{}",
        tb.xero.message
    );
    let accounts: BTreeMap<String, (Decimal, Decimal)> = tb
        .xero
        .differences
        .iter()
        .filter_map(|d| {
            Some((
                d.account.clone()?,
                (d.local.unwrap().as_decimal(), d.xero.unwrap().as_decimal()),
            ))
        })
        .collect();
    assert_eq!(accounts.len(), 2, "{:?}", tb.xero.differences);
    assert_eq!(accounts[&bank].0, accounts[&bank].1 - amount);
    assert_eq!(accounts[&expenses].0, accounts[&expenses].1 + amount);
    let fetched_before = tb.xero.fetched_at.clone();

    // Six hours on, the next sync fetches Xero's reports again: they match.
    s.time.advance(std::time::Duration::from_secs(6 * 3600));
    let third = sync(&svc, &tenant).await;
    assert_eq!(third.xero_reports, 4);
    for (kind, p) in fetched() {
        let v = report(&s.ctx, &tenant, kind, p.clone()).await;
        assert_eq!(
            v.xero.status,
            XeroComparisonStatus::Matches,
            "{kind:?} {p:?}: {:?}",
            v.xero.differences
        );
        if kind == ReportKind::TrialBalance {
            assert_ne!(v.xero.fetched_at, fetched_before);
        }
    }
    svc.shutdown().await;
}

#[tokio::test]
async fn a_stored_report_that_does_not_read_is_named_not_compared() {
    let (s, tenant, svc) = synced_setup(22).await;
    assert!(sync(&svc, &tenant).await.xero_reports >= 4);
    // The balance sheet's stored JSON, broken in the file: a row of a type Xero does not have.
    sqlx::query("UPDATE xero_reports SET report_json = ? WHERE kind = 'BalanceSheet'")
        .bind(r#"{"ReportType":"BalanceSheet","Rows":[{"RowType":"Header","Cells":[{"Value":""},{"Value":"30 Jun 2026"}]},{"RowType":"Banner"}]}"#)
        .execute(s.ctx.store().pool())
        .await
        .unwrap();
    let bs = report(
        &s.ctx,
        &tenant,
        ReportKind::BalanceSheet,
        fetched()[2].1.clone(),
    )
    .await;
    assert_eq!(bs.xero.status, XeroComparisonStatus::Unreadable);
    assert_eq!(
        bs.xero.message,
        "Xero's BalanceSheet report could not be read: row 2 has the type \"Banner\""
    );
    assert!(bs.xero.differences.is_empty());
    // The report itself is still the ledger's, whole.
    assert!(bs.sections.iter().map(|s| s.rows.len()).sum::<usize>() >= 5);
    svc.shutdown().await;
}
