//! The reports, run as every front runs them, on a ledger holding the
//! simulator's books, checked against sums made here straight from the
//! simulator's own records (its truth), not from the ledger.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing
#![allow(clippy::needless_range_loop)] // columns index several parallel lists

mod seeded;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use ledgerkeep_api::*;
use ledgerkeep_domain::xero::{Invoice, Organisation, Payment, XeroRecord};
use ledgerkeep_domain::EntityKind;
use ledgerkeep_sim::{Collection, Truth};
use rust_decimal::Decimal;
use seeded::{busiest, dec, ms_date, seeded_from_sim};

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Every journal line of the tenant in the truth: (date, account id, net).
fn truth_lines(truth: &Truth, tenant: &str) -> Vec<(NaiveDate, String, Decimal)> {
    let mut out = Vec::new();
    for j in truth.records(tenant, Collection::Journals) {
        let Some(date) = ms_date(&j["JournalDate"]) else {
            continue;
        };
        for l in j["JournalLines"].as_array().unwrap() {
            out.push((
                date,
                l["AccountID"].as_str().unwrap().to_owned(),
                dec(&l["NetAmount"]),
            ));
        }
    }
    out
}

/// Account id -> Xero's `Class`, from the truth's chart.
fn truth_classes(truth: &Truth, tenant: &str) -> BTreeMap<String, String> {
    truth
        .records(tenant, Collection::Accounts)
        .iter()
        .map(|a| {
            (
                a["AccountID"].as_str().unwrap().to_owned(),
                a["Class"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn amount(c: &ReportCellView) -> Decimal {
    c.amount.map_or(Decimal::ZERO, |m| m.as_decimal())
}

fn summary<'a>(r: &'a ReportView, label: &str) -> &'a ReportRowView {
    r.summary.iter().find(|s| s.label == label).unwrap()
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap()
}

fn month_end(d: NaiveDate) -> NaiveDate {
    let next = if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
    };
    next.unwrap().pred_opt().unwrap()
}

/// Every row of a figure's drill-down, in pages of `limit` (small, so that the cursor is used).
async fn drill_rows(
    ctx: &AppContext,
    tenant: &str,
    drill: &DrillView,
    limit: u32,
) -> Vec<DrillRowView> {
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = report_drill(
            ctx,
            DrillRequest {
                tenant_id: tenant.to_owned(),
                drill: drill.clone(),
                after: after.clone(),
                limit: Some(limit),
            },
        )
        .await
        .unwrap();
        assert!(page.rows.len() <= limit as usize);
        rows.extend(page.rows);
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => return rows,
        }
    }
}

/// Pages through a figure's drill-down and returns its rows' sum and count.
async fn drill_sum(ctx: &AppContext, tenant: &str, drill: &DrillView) -> (Decimal, usize) {
    let rows = drill_rows(ctx, tenant, drill, 7).await;
    (rows.iter().map(|r| r.amount.as_decimal()).sum(), rows.len())
}

fn request(
    tenant: &str,
    kind: ReportKind,
    periods: &[(Option<NaiveDate>, NaiveDate)],
) -> ReportRequest {
    let p = |(f, t): &(Option<NaiveDate>, NaiveDate)| ReportPeriod {
        from: f.map(ymd),
        to: ymd(*t),
    };
    ReportRequest {
        tracking: None,
        by_tracking_category: None,
        tenant_id: tenant.to_owned(),
        kind,
        period: p(&periods[0]),
        comparisons: periods[1..].iter().map(p).collect(),
        basis: None,
    }
}

#[tokio::test]
async fn profit_and_loss_matches_the_simulators_journals_and_every_figure_drills_to_its_lines() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let (tenant, last) = busiest(&truth);
    let this_month = (Some(first_of_month(last)), month_end(last));
    let prev_end = first_of_month(last).pred_opt().unwrap();
    let last_month = (Some(first_of_month(prev_end)), prev_end);
    let whole = (
        Some(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()),
        month_end(last),
    );
    let periods = [this_month, last_month, whole];
    let report = run_report(&ctx, request(&tenant, ReportKind::ProfitAndLoss, &periods))
        .await
        .unwrap();
    assert_eq!(report.basis, ReportBasis::Accrual);
    assert_eq!(report.columns.len(), 3);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["basis"], "accrual");

    // The truth's P&L, per account and period, summed here from its journals.
    let classes = truth_classes(&truth, &tenant);
    let lines = truth_lines(&truth, &tenant);
    let expected = |account: &str, (from, to): (Option<NaiveDate>, NaiveDate)| -> Decimal {
        let s: Decimal = lines
            .iter()
            .filter(|(d, a, _)| a == account && from.is_none_or(|f| *d >= f) && *d <= to)
            .map(|l| l.2)
            .sum();
        if classes[account] == "REVENUE" {
            -s
        } else {
            s
        }
    };
    let mut rows_checked = 0;
    let mut net = [Decimal::ZERO; 3];
    for section in &report.sections {
        for row in &section.rows {
            for (i, cell) in row.cells.iter().enumerate() {
                let Some(DrillView::Ledger(d)) = &cell.drill else {
                    panic!("an account figure without its drill-down: {}", row.label)
                };
                let want = expected(&d.account, periods[i]);
                assert_eq!(amount(cell), want, "{} in column {i}", row.label);
                net[i] += if classes[&d.account] == "REVENUE" {
                    want
                } else {
                    -want
                };
            }
            rows_checked += 1;
        }
    }
    assert!(
        rows_checked >= 4,
        "the books' P&L has income and expense accounts"
    );
    let net_row = summary(&report, "Net profit");
    for (i, want) in net.iter().enumerate() {
        assert_eq!(amount(&net_row.cells[i]), *want, "net profit, column {i}");
    }
    assert_ne!(
        net[0],
        Decimal::ZERO,
        "a month of trading made a profit or a loss"
    );

    // Every figure of the month lists the journal lines that make it.
    for section in &report.sections {
        for row in &section.rows {
            let cell = &row.cells[0];
            let (s, n) = drill_sum(&ctx, &tenant, cell.drill.as_ref().unwrap()).await;
            assert_eq!(s, amount(cell), "{}: its lines add up to it", row.label);
            if !amount(cell).is_zero() {
                assert!(n > 0);
            }
        }
    }
    // A sales line opens the invoice it came from.
    let sales = report.sections[0].rows.first().unwrap();
    let page = report_drill(
        &ctx,
        DrillRequest {
            tenant_id: tenant.clone(),
            drill: sales.cells[2].drill.clone().unwrap(),
            after: None,
            limit: Some(500),
        },
    )
    .await
    .unwrap();
    let from_invoice = page
        .rows
        .iter()
        .find(|r| r.source_type.as_deref() == Some("ACCREC"))
        .expect("sales come from invoices");
    assert_eq!(from_invoice.entity, Some(EntityKind::Invoice));
    let id = from_invoice.xero_id.clone().unwrap();
    assert!(truth
        .records(&tenant, Collection::Invoices)
        .iter()
        .any(|i| i["InvoiceID"] == id.as_str()));
}

#[tokio::test]
async fn trial_balance_balances_and_the_balance_sheet_holds_the_years_profit() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    for t in &truth.tenants {
        let tenant = &t.tenant_id;
        let lines = truth_lines(&truth, tenant);
        let Some(last) = lines.iter().map(|l| l.0).max() else {
            continue;
        };
        // Month ends over the books' span, and the 31 March year end itself.
        let mut dates = Vec::new();
        let mut d = month_end(last);
        for _ in 0..18 {
            dates.push((None, d));
            d = first_of_month(d).pred_opt().unwrap();
        }
        let tb = run_report(
            &ctx,
            request(tenant, ReportKind::TrialBalance, &dates[..13]),
        )
        .await
        .unwrap();
        let total = summary(&tb, "Total");
        for i in 0..13 {
            let (debit, credit) = (amount(&total.cells[2 * i]), amount(&total.cells[2 * i + 1]));
            assert_eq!(
                debit, credit,
                "{tenant}: debits and credits at {:?}",
                dates[i].1
            );
            // And the columns add up to the total.
            let col_sum = |k: usize| -> Decimal {
                tb.sections
                    .iter()
                    .flat_map(|s| &s.rows)
                    .map(|r| amount(&r.cells[k]))
                    .sum()
            };
            assert_eq!(col_sum(2 * i), debit);
            assert_eq!(col_sum(2 * i + 1), credit);
        }
        assert!(!amount(&total.cells[0]).is_zero());

        let bs = run_report(
            &ctx,
            request(tenant, ReportKind::BalanceSheet, &dates[..13]),
        )
        .await
        .unwrap();
        let equity = bs.sections.iter().find(|s| s.title == "Equity").unwrap();
        let current = equity
            .rows
            .iter()
            .find(|r| r.label == "Current year earnings")
            .unwrap();
        for i in 0..13 {
            assert_eq!(
                amount(&summary(&bs, "Net assets").cells[i]),
                amount(&summary(&bs, "Total equity").cells[i]),
                "{tenant}: the balance sheet balances at {:?}",
                dates[i].1
            );
            // The year's profit from 1 April (the simulator's year end is 31 March).
            let to = dates[i].1;
            let fy_start = if to.month() >= 4 {
                NaiveDate::from_ymd_opt(to.year(), 4, 1)
            } else {
                NaiveDate::from_ymd_opt(to.year() - 1, 4, 1)
            }
            .unwrap();
            let pl = run_report(
                &ctx,
                request(tenant, ReportKind::ProfitAndLoss, &[(Some(fy_start), to)]),
            )
            .await
            .unwrap();
            assert_eq!(
                amount(&summary(&pl, "Net profit").cells[0]),
                amount(&current.cells[i]),
                "{tenant}: P&L net profit = current year earnings at {to}"
            );
        }
        // Assets, each to date, equal the truth's sums.
        let classes = truth_classes(&truth, tenant);
        let assets = bs.sections.iter().find(|s| s.title == "Assets").unwrap();
        for r in &assets.rows {
            let Some(DrillView::Ledger(d)) = &r.cells[0].drill else {
                panic!()
            };
            assert_eq!(classes[&d.account], "ASSET");
            let want: Decimal = lines
                .iter()
                .filter(|l| l.1 == d.account && l.0 <= dates[0].1)
                .map(|l| l.2)
                .sum();
            assert_eq!(amount(&r.cells[0]), want, "{}", r.label);
        }
    }
}

#[tokio::test]
async fn aged_reports_sum_what_is_still_due_by_bucket_and_drill_to_the_documents() {
    // At the books' last day, what the payment and allocation history leaves
    // outstanding is what Xero says is still due; the aged report is no
    // longer read from today's AmountDue at other dates (tests/aged.rs).
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let (tenant, last) = busiest(&truth);
    for (kind, doc_type) in [
        (ReportKind::AgedReceivables, "ACCREC"),
        (ReportKind::AgedPayables, "ACCPAY"),
    ] {
        let report = run_report(&ctx, request(&tenant, kind, &[(None, last)]))
            .await
            .unwrap();
        assert_eq!(report.columns.len(), 6);
        // The truth's outstanding documents, bucketed here by days overdue.
        let mut want: BTreeMap<String, [Decimal; 5]> = BTreeMap::new();
        for inv in truth.records(&tenant, Collection::Invoices) {
            if inv["Type"] != doc_type || inv["Status"] != "AUTHORISED" {
                continue;
            }
            let Some(date) = ms_date(&inv["Date"]) else {
                continue;
            };
            let due = dec(&inv["AmountDue"]);
            if date > last || due.is_zero() {
                continue;
            }
            let overdue = ms_date(&inv["DueDate"]).map_or(0, |d| (last - d).num_days());
            let b = match overdue {
                ..=0 => 0,
                1..=30 => 1,
                31..=60 => 2,
                61..=90 => 3,
                _ => 4,
            };
            let c = inv["CurrencyCode"].as_str().unwrap().to_owned();
            want.entry(c).or_insert([Decimal::ZERO; 5])[b] += due;
        }
        // Credit notes and overpayments not yet used net off, as in Xero's
        // aged reports, aged by their date (they have no due date). At the
        // books' last day what the history leaves is Xero's RemainingCredit.
        let (credit, overpayment) = if doc_type == "ACCREC" {
            ("ACCRECCREDIT", "RECEIVE-OVERPAYMENT")
        } else {
            ("ACCPAYCREDIT", "SPEND-OVERPAYMENT")
        };
        for (collection, ty) in [
            (Collection::CreditNotes, credit),
            (Collection::Overpayments, overpayment),
        ] {
            for c in truth.records(&tenant, collection) {
                if c["Type"] != ty || c["Status"] != "AUTHORISED" {
                    continue;
                }
                let Some(date) = ms_date(&c["Date"]) else {
                    continue;
                };
                let left = dec(&c["RemainingCredit"]);
                if date > last || left.is_zero() {
                    continue;
                }
                let b = match (last - date).num_days() {
                    ..=0 => 0,
                    1..=30 => 1,
                    31..=60 => 2,
                    61..=90 => 3,
                    _ => 4,
                };
                let cur = c["CurrencyCode"].as_str().unwrap().to_owned();
                want.entry(cur).or_insert([Decimal::ZERO; 5])[b] -= left;
            }
        }
        assert!(!want.is_empty(), "the books have outstanding {doc_type}");
        assert_eq!(report.sections.len(), want.len());
        for s in &report.sections {
            let buckets = want[&s.title];
            let total = s.total.as_ref().unwrap();
            for (i, b) in buckets.iter().enumerate() {
                assert_eq!(
                    amount(&total.cells[i]),
                    *b,
                    "{doc_type} {} bucket {i}",
                    s.title
                );
                let (sum, _) =
                    drill_sum(&ctx, &tenant, total.cells[i].drill.as_ref().unwrap()).await;
                assert_eq!(sum, *b, "the bucket's documents add up to it");
            }
            assert_eq!(
                amount(&total.cells[5]),
                buckets.iter().copied().sum::<Decimal>()
            );
            // A contact's row: its documents add up to its total.
            let r = &s.rows[0];
            let (sum, n) = drill_sum(&ctx, &tenant, r.cells[5].drill.as_ref().unwrap()).await;
            assert_eq!(sum, amount(&r.cells[5]));
            assert!(n > 0);
        }
    }
}

#[tokio::test]
async fn the_cash_summary_moves_each_bank_account_from_opening_to_closing() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let (tenant, last) = busiest(&truth);
    let lines = truth_lines(&truth, &tenant);
    let periods = [
        (Some(first_of_month(last)), month_end(last)),
        (
            Some(first_of_month(last) - chrono::Duration::days(90)),
            first_of_month(last).pred_opt().unwrap(),
        ),
    ];
    let report = run_report(&ctx, request(&tenant, ReportKind::CashSummary, &periods))
        .await
        .unwrap();
    assert_eq!(report.basis, ReportBasis::Cash);
    assert!(!report.sections.is_empty());
    for s in &report.sections {
        let closing = s.total.as_ref().unwrap();
        for i in 0..2 {
            let [o, r, p] = [0, 1, 2].map(|k| amount(&s.rows[k].cells[i]));
            assert_eq!(o + r + p, amount(&closing.cells[i]), "{}", s.title);
            let Some(DrillView::Ledger(d)) = &closing.cells[i].drill else {
                panic!()
            };
            let want: Decimal = lines
                .iter()
                .filter(|l| l.1 == d.account && l.0 <= periods[i].1)
                .map(|l| l.2)
                .sum();
            assert_eq!(amount(&closing.cells[i]), want);
            for k in 1..3 {
                let (sum, _) =
                    drill_sum(&ctx, &tenant, s.rows[k].cells[i].drill.as_ref().unwrap()).await;
                assert_eq!(sum, amount(&s.rows[k].cells[i]), "{} row {k}", s.title);
            }
        }
    }
}

#[tokio::test]
async fn report_requests_are_checked() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let tenant = truth.tenants[0].tenant_id.clone();
    let d = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
    // The balance sheet has no cash basis (the profit and loss has).
    let mut cash = request(&tenant, ReportKind::BalanceSheet, &[(None, d)]);
    cash.basis = Some(ReportBasis::Cash);
    assert_eq!(
        run_report(&ctx, cash).await.unwrap_err().code,
        ErrorCode::Invalid
    );
    let no_start = request(&tenant, ReportKind::ProfitAndLoss, &[(None, d)]);
    assert_eq!(
        run_report(&ctx, no_start).await.unwrap_err().code,
        ErrorCode::Invalid
    );
    let many = request(&tenant, ReportKind::BalanceSheet, &[(None, d); 14]);
    assert_eq!(
        run_report(&ctx, many).await.unwrap_err().code,
        ErrorCode::Invalid
    );
    let backwards = request(
        &tenant,
        ReportKind::CashSummary,
        &[(Some(d), d.pred_opt().unwrap())],
    );
    assert_eq!(
        run_report(&ctx, backwards).await.unwrap_err().code,
        ErrorCode::Invalid
    );
    let unknown = request("nobody", ReportKind::BalanceSheet, &[(None, d)]);
    assert_eq!(
        run_report(&ctx, unknown).await.unwrap_err().code,
        ErrorCode::Invalid
    );
}

#[tokio::test]
async fn an_aged_drill_row_in_a_foreign_currency_carries_its_amount_due_in_the_base_currency() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = AppContext::open(AppConfig::new(AppPaths::under(dir.path())))
        .await
        .unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-04-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let actor = ledgerkeep_domain::Actor::sync("aged");
    ctx.store()
        .apply_page("t1", &XeroRecord::<Organisation>::page_from_value(serde_json::json!([{"OrganisationID": "t1", "Name": "Kiwi Ltd", "BaseCurrency": "NZD",
                "Timezone": "NEWZEALANDSTANDARDTIME", "FinancialYearEndDay": 31, "FinancialYearEndMonth": 3}])).unwrap(), &actor, now)
        .await
        .unwrap();
    // Amounts as JSON numbers, read from their own digits. 2026-03-01 is 1772323200000 ms.
    // What is outstanding comes from the payments, not from AmountDue: INV-1
    // was paid 20.00 of its 120.00. A foreign invoice without a rate cannot be
    // converted, so it posts nothing and is not in the report.
    let invoices: serde_json::Value = serde_json::from_str(
        r#"[
        {"InvoiceID": "usd-rated", "Type": "ACCREC", "Status": "AUTHORISED", "InvoiceNumber": "INV-1",
         "Contact": {"ContactID": "c1", "Name": "Acme"}, "Date": "/Date(1772323200000+0000)/",
         "DueDate": "/Date(1772323200000+0000)/", "CurrencyCode": "USD", "CurrencyRate": 0.600000,
         "LineAmountTypes": "NoTax", "LineItems": [{"AccountCode": "200", "LineAmount": 120.00}],
         "Total": 120.00, "AmountDue": 100.00, "UpdatedDateUTC": "/Date(5000+0000)/"},
        {"InvoiceID": "usd-no-rate", "Type": "ACCREC", "Status": "AUTHORISED", "InvoiceNumber": "INV-2",
         "Contact": {"ContactID": "c1", "Name": "Acme"}, "Date": "/Date(1772323200000+0000)/",
         "DueDate": "/Date(1772409600000+0000)/", "CurrencyCode": "USD",
         "LineAmountTypes": "NoTax", "LineItems": [{"AccountCode": "200", "LineAmount": 50.00}],
         "Total": 50.00, "AmountDue": 50.00, "UpdatedDateUTC": "/Date(5001+0000)/"},
        {"InvoiceID": "nzd", "Type": "ACCREC", "Status": "AUTHORISED", "InvoiceNumber": "INV-3",
         "Contact": {"ContactID": "c1", "Name": "Acme"}, "Date": "/Date(1772323200000+0000)/",
         "DueDate": "/Date(1772323200000+0000)/", "CurrencyCode": "NZD", "CurrencyRate": 1.000000,
         "LineAmountTypes": "NoTax", "LineItems": [{"AccountCode": "200", "LineAmount": 70.00}],
         "Total": 70.00, "AmountDue": 70.00, "UpdatedDateUTC": "/Date(5002+0000)/"},
        {"InvoiceID": "gbp-bill", "Type": "ACCPAY", "Status": "AUTHORISED", "InvoiceNumber": "BILL-1",
         "Contact": {"ContactID": "c2", "Name": "Brit Supplies"}, "Date": "/Date(1772323200000+0000)/",
         "DueDate": "/Date(1772323200000+0000)/", "CurrencyCode": "GBP", "CurrencyRate": 0.400000,
         "LineAmountTypes": "NoTax", "LineItems": [{"AccountCode": "400", "LineAmount": 33.33}],
         "Total": 33.33, "AmountDue": 33.33, "UpdatedDateUTC": "/Date(5003+0000)/"}
    ]"#,
    )
    .unwrap();
    ctx.store()
        .apply_page(
            "t1",
            &XeroRecord::<Invoice>::page_from_value(invoices).unwrap(),
            &actor,
            now,
        )
        .await
        .unwrap();
    let payments: serde_json::Value = serde_json::from_str(
        r#"[{"PaymentID": "pay-1", "PaymentType": "ACCRECPAYMENT", "Status": "AUTHORISED",
         "Date": "/Date(1772409600000+0000)/", "Amount": 20.00, "CurrencyRate": 0.600000,
         "Account": {"Code": "090"}, "Invoice": {"InvoiceID": "usd-rated", "CurrencyCode": "USD"},
         "UpdatedDateUTC": "/Date(5004+0000)/"}]"#,
    )
    .unwrap();
    ctx.store()
        .apply_page(
            "t1",
            &XeroRecord::<Payment>::page_from_value(payments).unwrap(),
            &actor,
            now,
        )
        .await
        .unwrap();
    let gl = ledgerkeep_sync::general_ledger::rebuild_general_ledger(ctx.store(), "t1", now)
        .await
        .unwrap();
    assert_eq!(gl.unposted.len(), 1, "{:?}", gl.unposted);
    let as_at = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();

    // Every document behind each currency's total (the last column), as the drill table lists it.
    let drilled = |kind| {
        let ctx = &ctx;
        async move {
            let report = run_report(ctx, request("t1", kind, &[(None, as_at)]))
                .await
                .unwrap();
            let mut out = BTreeMap::new();
            for s in &report.sections {
                let total = s.total.as_ref().unwrap();
                let drill = total.cells.last().unwrap().drill.clone().unwrap();
                for r in drill_rows(ctx, "t1", &drill, 2).await {
                    out.insert(r.label.clone(), r);
                }
            }
            out
        }
    };
    let receivables = drilled(ReportKind::AgedReceivables).await;
    assert_eq!(receivables.len(), 2, "{receivables:?}");
    let rated = &receivables["INV-1"];
    assert_eq!(rated.currency_code.as_deref(), Some("USD"));
    assert_eq!(rated.amount.to_string(), "100.00");
    assert_eq!(rated.base_currency.as_deref(), Some("NZD"));
    // What is still due, 100.00 USD / 0.6 = 166.666... NZD, to 2 places (not the total's 200.00).
    assert_eq!(
        rated.base_amount.map(|m| m.to_string()).as_deref(),
        Some("166.67")
    );
    let json = serde_json::to_value(rated).unwrap();
    assert_eq!(json["baseAmount"], "166.67", "crosses as a string");
    assert!(
        !receivables.contains_key("INV-2"),
        "no rate: not posted, not outstanding"
    );
    assert_eq!(
        receivables["INV-3"].base_amount, None,
        "already in the base currency"
    );

    let payables = drilled(ReportKind::AgedPayables).await;
    // 33.33 GBP / 0.4 = 83.325 NZD exactly: half away from zero, as Xero rounds.
    assert_eq!(
        payables["BILL-1"]
            .base_amount
            .map(|m| m.to_string())
            .as_deref(),
        Some("83.33")
    );
}

#[tokio::test]
async fn each_column_says_what_it_holds_for_the_ui_to_word_it() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let (tenant, last) = busiest(&truth);
    let start = first_of_month(last);
    let headings = |r: &ReportView| -> Vec<(ColumnHeading, Option<String>, String)> {
        r.columns
            .iter()
            .map(|c| (c.heading, c.from.clone(), c.to.clone()))
            .collect()
    };
    let before = start.pred_opt().unwrap();
    let pl = run_report(
        &ctx,
        request(
            &tenant,
            ReportKind::ProfitAndLoss,
            &[(Some(start), last), (Some(first_of_month(before)), before)],
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        headings(&pl),
        [
            (ColumnHeading::Period, Some(ymd(start)), ymd(last)),
            (
                ColumnHeading::Period,
                Some(ymd(first_of_month(before))),
                ymd(before)
            ),
        ]
    );
    // The exports' words stay English with ISO dates.
    assert_eq!(
        pl.columns[0].label,
        format!("{} to {}", ymd(start), ymd(last))
    );
    let bs = run_report(
        &ctx,
        request(&tenant, ReportKind::BalanceSheet, &[(None, last)]),
    )
    .await
    .unwrap();
    assert_eq!(headings(&bs), [(ColumnHeading::AsAt, None, ymd(last))]);
    let tb = run_report(
        &ctx,
        request(&tenant, ReportKind::TrialBalance, &[(None, last)]),
    )
    .await
    .unwrap();
    assert_eq!(
        headings(&tb),
        [
            (ColumnHeading::DebitAt, None, ymd(last)),
            (ColumnHeading::CreditAt, None, ymd(last))
        ]
    );
    let aged = run_report(
        &ctx,
        request(&tenant, ReportKind::AgedReceivables, &[(None, last)]),
    )
    .await
    .unwrap();
    assert!(aged
        .columns
        .iter()
        .all(|c| c.heading == ColumnHeading::Named));
    assert_eq!(aged.columns.last().unwrap().label, "Total");
}
