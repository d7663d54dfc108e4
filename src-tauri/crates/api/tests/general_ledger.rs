//! The general ledger screen's operation on a ledger holding the simulator's
//! books, rebuilt as the sync rebuilds it: for every account, the lines of a
//! period that crosses the simulator's 31 March year end, paged through a few
//! at a time, run from the opening balance to the closing balance that the
//! trial balance shows for that account on the period's last day; the lines
//! are those the report drill-down lists for the account and period.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod seeded;

use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use ledgerkeep_api::*;
use rust_decimal::Decimal;
use seeded::{busiest, seeded_from_sim};

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn amount(c: &ReportCellView) -> Decimal {
    c.amount.map_or(Decimal::ZERO, |m| m.as_decimal())
}

/// Every page of the account's lines in `from..=to`, `limit` at a time.
async fn pages(
    ctx: &AppContext,
    tenant: &str,
    account: &str,
    from: NaiveDate,
    to: NaiveDate,
    limit: u32,
) -> Vec<GeneralLedgerPageView> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = general_ledger(
            ctx,
            GeneralLedgerRequest {
                tenant_id: tenant.to_owned(),
                account: account.to_owned(),
                from: ymd(from),
                to: ymd(to),
                after: after.clone(),
                limit: Some(limit),
            },
        )
        .await
        .unwrap();
        assert!(page.rows.len() <= limit as usize);
        after = page.next_cursor.clone();
        let last = after.is_none();
        assert_eq!(page.closing_balance.is_some(), last);
        out.push(page);
        if last {
            return out;
        }
    }
}

/// The sum of a drill's lines over the account and period, and their count.
async fn drill(
    ctx: &AppContext,
    tenant: &str,
    account: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> (Decimal, usize) {
    let mut sum = Decimal::ZERO;
    let mut n = 0;
    let mut after = None;
    loop {
        let page = report_drill(
            ctx,
            DrillRequest {
                tenant_id: tenant.to_owned(),
                drill: DrillView::Ledger(LedgerDrillView {
                    account: account.to_owned(),
                    from: Some(ymd(from)),
                    to: ymd(to),
                    sign: None,
                    negate: false,
                    tracking: None,
                }),
                after,
                limit: Some(500),
            },
        )
        .await
        .unwrap();
        n += page.rows.len();
        sum += page
            .rows
            .iter()
            .map(|r| r.amount.as_decimal())
            .sum::<Decimal>();
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => return (sum, n),
        }
    }
}

#[tokio::test]
async fn each_accounts_running_balance_ends_at_its_trial_balance_figure() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let (tenant, last) = busiest(&truth);
    // From 1 February before the last year end (31 March) to the books' last day.
    let year = if last.month() >= 4 {
        last.year()
    } else {
        last.year() - 1
    };
    let from = NaiveDate::from_ymd_opt(year, 2, 1).unwrap();
    let to = last;
    assert!(
        from < NaiveDate::from_ymd_opt(year, 3, 31).unwrap()
            && to >= NaiveDate::from_ymd_opt(year, 4, 1).unwrap()
    );

    // Built from its JSON, as a front sends it: the fields left out take their defaults.
    let request: ReportRequest = serde_json::from_value(serde_json::json!({
        "tenantId": tenant,
        "kind": "trialBalance",
        "period": { "from": null, "to": ymd(to) },
    }))
    .unwrap();
    assert_eq!(request.kind, ReportKind::TrialBalance);
    let tb = run_report(&ctx, request).await.unwrap();
    // The trial balance's figure for each account, debit positive.
    let figure = |account: &str| -> Option<Decimal> {
        tb.sections.iter().flat_map(|s| &s.rows).find_map(|r| {
            let named = r
                .cells
                .iter()
                .any(|c| matches!(&c.drill, Some(DrillView::Ledger(d)) if d.account == account));
            named.then(|| amount(&r.cells[0]) - amount(&r.cells[1]))
        })
    };

    let accounts = list_accounts(
        &ctx,
        ListAccountsRequest {
            tenant_id: tenant.clone(),
            as_at: ymd(to),
        },
    )
    .await
    .unwrap();
    let (mut checked, mut restarted, mut lines_seen) = (0, 0, 0);
    for a in &accounts {
        // Equity's trial balance row also holds the earlier years' earnings.
        if a.class.as_deref() == Some("equity") {
            continue;
        }
        let pages = pages(&ctx, &tenant, &a.xero_id, from, to, 9).await;
        let rows: Vec<&GeneralLedgerRowView> = pages.iter().flat_map(|p| &p.rows).collect();
        let first = &pages[0];
        let negated = first.balance_negated;
        assert!(pages
            .iter()
            .all(|p| p.opening_balance == first.opening_balance));
        assert_eq!(
            negated,
            matches!(a.class.as_deref(), Some("liability" | "revenue"))
        );
        let net = |shown: Decimal| if negated { -shown } else { shown };
        let closing = net(pages.last().unwrap().closing_balance.unwrap().as_decimal());

        // The closing balance is the trial balance's figure (and the chart's).
        assert_eq!(
            closing,
            figure(&a.xero_id).unwrap_or(Decimal::ZERO),
            "{:?} {:?}",
            a.code,
            a.name
        );
        assert_eq!(net(a.balance.as_decimal()), closing, "{:?}", a.name);

        // The lines are the drill-down's, in date order.
        let moved: Decimal = rows
            .iter()
            .map(|r| {
                r.debit.map_or(Decimal::ZERO, |m| m.as_decimal())
                    - r.credit.map_or(Decimal::ZERO, |m| m.as_decimal())
            })
            .sum();
        let (drilled, n) = drill(&ctx, &tenant, &a.xero_id, from, to).await;
        assert_eq!((moved, rows.len()), (drilled, n), "{:?}", a.name);
        assert!(rows.windows(2).all(|w| w[0].date <= w[1].date));
        // Each balance is the one before it plus the line (or, at a new
        // financial year, the line alone); the first starts from the opening.
        let mut balance = net(first.opening_balance.as_decimal());
        for r in &rows {
            if r.year_start {
                balance = Decimal::ZERO;
                restarted += 1;
            }
            balance += r.debit.map_or(Decimal::ZERO, |m| m.as_decimal())
                - r.credit.map_or(Decimal::ZERO, |m| m.as_decimal());
            assert_eq!(net(r.balance.as_decimal()), balance);
            assert!(!r.xero_id.is_empty());
        }
        // The closing balance is the last one, unless a revenue or expense
        // account's year ended after its last line (then it starts at zero).
        let pnl = matches!(a.class.as_deref(), Some("revenue" | "expense"));
        assert!(
            closing == balance || (pnl && closing.is_zero()),
            "{:?}",
            a.name
        );
        lines_seen += rows.len();
        checked += 1;
    }
    assert!(checked > 10, "{checked} accounts");
    assert!(lines_seen > 100, "{lines_seen} lines");
    assert!(
        restarted > 0,
        "no profit-and-loss account crossed the year end"
    );

    // A document's line opens it: an invoice's lines name the invoice.
    let sales = accounts
        .iter()
        .find(|a| a.code.as_deref() == Some("200"))
        .unwrap();
    let started = Instant::now();
    let page = general_ledger(
        &ctx,
        GeneralLedgerRequest {
            tenant_id: tenant.clone(),
            account: sales.xero_id.clone(),
            from: ymd(from),
            to: ymd(to),
            after: None,
            limit: None,
        },
    )
    .await
    .unwrap();
    println!("first page of sales: {:?}", started.elapsed());
    let invoice = page
        .rows
        .iter()
        .find(|r| r.source_type == "ACCREC")
        .unwrap();
    assert_eq!(invoice.entity, Some(ledgerkeep_domain::EntityKind::Invoice));
    assert!(truth
        .records(&tenant, ledgerkeep_sim::Collection::Invoices)
        .iter()
        .any(|i| i["InvoiceID"] == invoice.xero_id.as_str()));
}

#[tokio::test]
async fn a_bad_request_is_refused() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let (tenant, last) = busiest(&truth);
    let req = |from: &str, to: &str, after: Option<&str>| GeneralLedgerRequest {
        tenant_id: tenant.clone(),
        account: "any".to_owned(),
        from: from.to_owned(),
        to: to.to_owned(),
        after: after.map(str::to_owned),
        limit: None,
    };
    assert!(general_ledger(&ctx, req("2026-02-01", "2026-01-01", None))
        .await
        .is_err());
    assert!(general_ledger(&ctx, req("yesterday", "2026-01-01", None))
        .await
        .is_err());
    assert!(
        general_ledger(&ctx, req("2026-01-01", "2026-02-01", Some("nope")))
            .await
            .is_err()
    );
    // An account with no lines: an empty page that opens and closes at zero.
    let empty = general_ledger(&ctx, req("2000-01-01", &ymd(last), None))
        .await
        .unwrap();
    assert!(empty.rows.is_empty());
    assert_eq!(
        empty.closing_balance.map(|m| m.as_decimal()),
        Some(Decimal::ZERO)
    );
}
