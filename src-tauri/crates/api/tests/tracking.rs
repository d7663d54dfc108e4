//! Tracking categories in the reports and the explorer, on a ledger holding
//! the simulator's books: the profit and loss with a column per option adds
//! up to the report without them, a filtered profit and loss is the lines
//! the simulator's documents tag with the option, and the explorer finds
//! the documents with a line in it. What is expected is worked out here from
//! the simulator's records and the ledger's rows, not by the code under test.
//!
//! The simulator answers Xero's report endpoints with a tracking filter
//! with an error ("not simulated"), so Xero's own tracked report is not
//! compared here.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod seeded;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use ledgerkeep_api::ops::tracking::{
    list_tracking_categories, ListTrackingRequest, TrackingCategoryView, TrackingFilterDto,
};
use ledgerkeep_api::*;
use ledgerkeep_domain::xero::Page;
use ledgerkeep_domain::{with_records, Actor, EntityKind};
use ledgerkeep_sim::{Collection, Truth};
use rust_decimal::Decimal;
use seeded::{busiest, seeded_from_sim};
use serde_json::Value;
use sqlx::Row;

/// Every row of a figure's drill-down, summed, in pages of 50.
async fn drill_sum(ctx: &AppContext, tenant: &str, drill: &DrillView) -> (Decimal, usize) {
    let (mut sum, mut n, mut after) = (Decimal::ZERO, 0, None);
    loop {
        let page = report_drill(
            ctx,
            DrillRequest {
                tenant_id: tenant.to_owned(),
                drill: drill.clone(),
                after,
                limit: Some(50),
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

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn amount(c: &ReportCellView) -> Decimal {
    c.amount.map_or(Decimal::ZERO, |m| m.as_decimal())
}

/// The simulator's tracking categories, kept as the sync keeps them.
async fn seed_tracking(ctx: &AppContext, truth: &Truth) {
    let now = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
    for t in &truth.tenants {
        let records = truth.records(&t.tenant_id, Collection::TrackingCategories);
        let page =
            Page::from_value(EntityKind::TrackingCategory, Value::Array(records.to_vec())).unwrap();
        with_records!(&page.records, recs => {
            ctx.store().apply_page(&t.tenant_id, recs, &Actor::sync("seed"), now).await
        })
        .unwrap();
    }
}

fn request(
    tenant: &str,
    kind: ReportKind,
    from: Option<NaiveDate>,
    to: NaiveDate,
) -> ReportRequest {
    serde_json::from_value(serde_json::json!({
        "tenantId": tenant,
        "kind": kind,
        "period": {"from": from.map(ymd), "to": ymd(to)},
    }))
    .unwrap()
}

/// Row label -> cells, over the sections and the summary.
fn rows(r: &ReportView) -> BTreeMap<String, Vec<Decimal>> {
    r.sections
        .iter()
        .flat_map(|s| s.rows.iter().chain(s.total.iter()))
        .chain(&r.summary)
        .map(|row| (row.label.clone(), row.cells.iter().map(amount).collect()))
        .collect()
}

/// The ids of the simulator's document lines tagged with `option`, and the
/// documents (kind's collection) that have one.
fn tagged_lines(truth: &Truth, tenant: &str, category: &str, option: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for c in [
        Collection::Invoices,
        Collection::CreditNotes,
        Collection::BankTransactions,
        Collection::Overpayments,
        Collection::Prepayments,
    ] {
        for d in truth.records(tenant, c) {
            for l in d["LineItems"].as_array().into_iter().flatten() {
                let tagged = l["Tracking"].as_array().into_iter().flatten().any(|t| {
                    t["TrackingCategoryID"] == category && t["TrackingOptionID"] == option
                });
                if tagged {
                    out.insert(l["LineItemID"].as_str().unwrap().to_owned());
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn profit_and_loss_by_tracking_option_adds_up_and_a_filter_keeps_the_tagged_lines() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    seed_tracking(&ctx, &truth).await;
    let (tenant, last) = busiest(&truth);

    // The pickers' list is the simulator's categories.
    let categories: Vec<TrackingCategoryView> = list_tracking_categories(
        &ctx,
        ListTrackingRequest {
            tenant_id: tenant.clone(),
        },
    )
    .await
    .unwrap();
    let truth_categories = truth.records(&tenant, Collection::TrackingCategories);
    assert_eq!(categories.len(), truth_categories.len());
    let region = categories.iter().find(|c| c.name == "Region").unwrap();
    let truth_region = truth_categories
        .iter()
        .find(|c| c["Name"] == "Region")
        .unwrap();
    assert_eq!(region.category_id, truth_region["TrackingCategoryID"]);
    let names: Vec<&str> = region.options.iter().map(|o| o.name.as_str()).collect();
    let truth_names: Vec<&str> = truth_region["Options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, truth_names);

    // The financial year to the last journal's month end.
    let to = {
        let next = NaiveDate::from_ymd_opt(
            last.year() + i32::from(last.month() == 12),
            last.month() % 12 + 1,
            1,
        )
        .unwrap();
        next.pred_opt().unwrap()
    };
    let from = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();

    let plain = run_report(
        &ctx,
        request(&tenant, ReportKind::ProfitAndLoss, Some(from), to),
    )
    .await
    .unwrap();
    assert_eq!(plain.tracking, None);
    let mut by = request(&tenant, ReportKind::ProfitAndLoss, Some(from), to);
    by.by_tracking_category = Some(region.category_id.clone());
    let started = std::time::Instant::now();
    let split = run_report(&ctx, by).await.unwrap();
    eprintln!("profit and loss by option: {:?}", started.elapsed());
    let labels: Vec<&str> = split.columns.iter().map(|c| c.label.as_str()).collect();
    let mut want_labels = truth_names.clone();
    want_labels.extend(["Unassigned", "Total"]);
    assert_eq!(labels, want_labels);
    // Each account's options and Unassigned add up to its Total, and the
    // Total is the report without tracking.
    let plain_rows = rows(&plain);
    let split_rows = rows(&split);
    assert_eq!(
        split_rows.keys().collect::<Vec<_>>(),
        plain_rows.keys().collect::<Vec<_>>()
    );
    let n = want_labels.len();
    let mut tagged_somewhere = 0;
    for (label, cells) in &split_rows {
        assert_eq!(cells.len(), n, "{label}");
        let parts: Decimal = cells[..n - 1].iter().sum();
        assert_eq!(
            parts,
            cells[n - 1],
            "{label}: the options add up to the total"
        );
        assert_eq!(
            cells[n - 1],
            plain_rows[label][0],
            "{label}: the total is the plain report"
        );
        if cells[..n - 2].iter().any(|c| !c.is_zero()) {
            tagged_somewhere += 1;
        }
    }
    assert!(
        tagged_somewhere >= 2,
        "the books tag lines with Region's options"
    );

    // Filtered to North: each account's figure is the ledger's lines that
    // post a document line the simulator tagged North, summed here.
    let north = &region.options.iter().find(|o| o.name == "North").unwrap();
    let north_lines = tagged_lines(&truth, &tenant, &region.category_id, &north.option_id);
    assert!(!north_lines.is_empty());
    let gl = sqlx::query(
        "SELECT j.date, l.account_xero_id, l.account_type, l.net_amount, l.line_xero_id, l.role \
         FROM gl_entries j JOIN gl_lines l ON l.parent_id = j.id WHERE j.tenant_id = ?",
    )
    .bind(&tenant)
    .fetch_all(ctx.store().pool())
    .await
    .unwrap();
    let classes: BTreeMap<String, String> = truth
        .records(&tenant, Collection::Accounts)
        .iter()
        .map(|a| {
            (
                a["AccountID"].as_str().unwrap().to_owned(),
                a["Class"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let mut expected: BTreeMap<String, Decimal> = BTreeMap::new();
    for r in &gl {
        let date: String = r.get("date");
        let role: String = r.get("role");
        let line: Option<String> = r.get("line_xero_id");
        let account: Option<String> = r.get("account_xero_id");
        let (Some(line), Some(account)) = (line, account) else {
            continue;
        };
        if role != "item" || date < ymd(from) || date > ymd(to) || !north_lines.contains(&line) {
            continue;
        }
        let class = classes.get(&account).map(String::as_str).unwrap_or("");
        if !matches!(class, "REVENUE" | "EXPENSE") {
            continue;
        }
        let net: Decimal = r.get::<String, _>("net_amount").parse().unwrap();
        *expected.entry(account).or_default() += if class == "REVENUE" { -net } else { net };
    }
    assert!(expected.values().any(|v| !v.is_zero()));
    let mut filtered = request(&tenant, ReportKind::ProfitAndLoss, Some(from), to);
    filtered.tracking = Some(TrackingFilterDto {
        category_id: region.category_id.clone(),
        option_id: north.option_id.clone(),
    });
    let started = std::time::Instant::now();
    let f = run_report(&ctx, filtered).await.unwrap();
    eprintln!("profit and loss filtered: {:?}", started.elapsed());
    assert_eq!(f.tracking.as_deref(), Some("Region: North"));
    assert!(f.notes[0].contains("Region: North"), "{:?}", f.notes);
    // Account rows are found by their label in the plain report's drills.
    let account_of: BTreeMap<String, String> = plain
        .sections
        .iter()
        .flat_map(|s| &s.rows)
        .filter_map(|r| match &r.cells[0].drill {
            Some(DrillView::Ledger(d)) => Some((r.label.clone(), d.account.clone())),
            _ => None,
        })
        .collect();
    let mut seen = BTreeSet::new();
    for row in f.sections.iter().flat_map(|s| &s.rows) {
        let account = &account_of[&row.label];
        assert_eq!(
            amount(&row.cells[0]),
            expected.get(account).copied().unwrap_or_default(),
            "{}",
            row.label
        );
        // Its drill lists exactly the tagged lines that make it.
        let Some(DrillView::Ledger(d)) = &row.cells[0].drill else {
            panic!("{}: a figure without its drill", row.label)
        };
        assert_eq!(
            d.tracking.as_ref().map(|t| &t.option_id),
            Some(&north.option_id)
        );
        let (sum, n) = drill_sum(&ctx, &tenant, row.cells[0].drill.as_ref().unwrap()).await;
        assert_eq!(sum, amount(&row.cells[0]), "{}: its drill", row.label);
        assert!(n > 0 || amount(&row.cells[0]).is_zero());
        seen.insert(account.clone());
    }
    for (account, v) in &expected {
        assert!(
            v.is_zero() || seen.contains(account),
            "{account} is missing"
        );
    }
    // North's column of the split report is the filtered report.
    let north_column = want_labels.iter().position(|l| *l == "North").unwrap();
    for (label, cells) in rows(&f) {
        assert_eq!(split_rows[&label][north_column], cells[0], "{label}");
    }
    // Each option's and the Total's figures drill to their lines;
    // Unassigned's (no one option's lines) list none.
    let mut drilled = 0;
    for row in split.sections.iter().flat_map(|s| &s.rows) {
        for (i, cell) in row.cells.iter().enumerate() {
            if want_labels[i] == "Unassigned" {
                assert!(cell.drill.is_none(), "{}", row.label);
                continue;
            }
            let drill = cell.drill.as_ref().unwrap();
            let (sum, _) = drill_sum(&ctx, &tenant, drill).await;
            assert_eq!(sum, amount(cell), "{} in {}", row.label, want_labels[i]);
            drilled += 1;
        }
    }
    assert!(drilled > 4);

    // Every ledger report takes the filter and says so.
    for kind in [
        ReportKind::BalanceSheet,
        ReportKind::TrialBalance,
        ReportKind::CashSummary,
    ] {
        let mut r = request(&tenant, kind, Some(from), to);
        r.tracking = Some(TrackingFilterDto {
            category_id: region.category_id.clone(),
            option_id: north.option_id.clone(),
        });
        let v = run_report(&ctx, r).await.unwrap();
        assert_eq!(v.tracking.as_deref(), Some("Region: North"), "{kind:?}");
        assert_eq!(v.xero.status, XeroComparisonStatus::NotCompared);
    }

    // The explorer: the invoices with a line tagged North.
    let want: BTreeSet<String> = truth
        .records(&tenant, Collection::Invoices)
        .iter()
        .filter(|d| {
            d["LineItems"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|l| north_lines.contains(l["LineItemID"].as_str().unwrap_or("")))
        })
        .map(|d| d["InvoiceID"].as_str().unwrap().to_owned())
        .collect();
    assert!(!want.is_empty());
    let mut got = BTreeSet::new();
    let mut after = None;
    loop {
        let page = list_documents(
            &ctx,
            ListDocumentsRequest {
                filter: DocumentFilterDto {
                    kind: Some(DocumentKindDto::Invoices),
                    tenant_id: tenant.clone(),
                    tracking: Some(TrackingFilterDto {
                        category_id: region.category_id.clone(),
                        option_id: north.option_id.clone(),
                    }),
                    ..DocumentFilterDto::default()
                },
                sort: SortFieldDto::Date,
                descending: false,
                after,
                limit: Some(100),
            },
        )
        .await
        .unwrap();
        got.extend(page.rows.into_iter().map(|r| r.xero_id));
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    assert_eq!(got, want);
}

#[tokio::test]
async fn tracking_requests_are_checked() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    seed_tracking(&ctx, &truth).await;
    let (tenant, last) = busiest(&truth);
    let region = list_tracking_categories(
        &ctx,
        ListTrackingRequest {
            tenant_id: tenant.clone(),
        },
    )
    .await
    .unwrap()
    .into_iter()
    .find(|c| c.name == "Region")
    .unwrap();
    let from = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let check = |mut r: ReportRequest, tracking: Option<(&str, &str)>, columns: Option<&str>| {
        r.tracking = tracking.map(|(c, o)| TrackingFilterDto {
            category_id: c.to_owned(),
            option_id: o.to_owned(),
        });
        r.by_tracking_category = columns.map(str::to_owned);
        r
    };
    let pl = || request(&tenant, ReportKind::ProfitAndLoss, Some(from), last);
    let option = region.options[0].option_id.as_str();
    let cases = [
        (
            check(pl(), Some(("no-such-category", option)), None),
            "no-such-category",
        ),
        (
            check(pl(), Some((&region.category_id, "no-such-option")), None),
            "no-such-option",
        ),
        (
            check(pl(), None, Some("no-such-category")),
            "no-such-category",
        ),
        (
            check(
                request(&tenant, ReportKind::BalanceSheet, None, last),
                None,
                Some(&region.category_id),
            ),
            "profit and loss only",
        ),
        (
            check(
                request(&tenant, ReportKind::AgedReceivables, None, last),
                Some((&region.category_id, option)),
                None,
            ),
            "aged reports",
        ),
    ];
    for (r, says) in cases {
        let e = run_report(&ctx, r).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Invalid);
        assert!(e.message.contains(says), "{}", e.message);
    }
    let mut cash = check(pl(), Some((&region.category_id, option)), None);
    cash.basis = Some(ReportBasis::Cash);
    assert_eq!(
        run_report(&ctx, cash).await.unwrap_err().code,
        ErrorCode::Invalid
    );
    // The explorer checks the option too, and that the kind has lines.
    let filter = |kind, option: &str| DocumentFilterDto {
        kind: Some(kind),
        tenant_id: tenant.clone(),
        tracking: Some(TrackingFilterDto {
            category_id: region.category_id.clone(),
            option_id: option.to_owned(),
        }),
        ..DocumentFilterDto::default()
    };
    let e = document_totals(&ctx, filter(DocumentKindDto::Invoices, "no-such-option"))
        .await
        .unwrap_err();
    assert!(e.message.contains("no-such-option"), "{}", e.message);
    let e = document_totals(&ctx, filter(DocumentKindDto::Payments, option))
        .await
        .unwrap_err();
    assert!(e.message.contains("no lines"), "{}", e.message);
}
