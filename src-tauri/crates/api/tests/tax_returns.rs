//! Xero's published GST/BAS returns beside the tax summary, on books synced
//! over loopback HTTP from the simulator by a new Starter app: the sync
//! keeps every return the simulator lists for a New Zealand and an
//! Australian organisation, each return's figures are the simulator's to
//! the cent, and the ledger's tax summary of each return's period matches
//! it to the cent (our rules against the simulator's own computation). A
//! later sync fetches no return twice; a stored figure off by a cent is
//! caught and named.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use ledgerkeep_api::*;
use ledgerkeep_sim::{Limits, Size};
use rust_decimal::Decimal;
use serde_json::Value;

mod common;

/// (tax type, section) -> (net, tax), from a report's rows.
fn served(report: &Value) -> BTreeMap<(String, String), (Decimal, Decimal)> {
    let mut out = BTreeMap::new();
    for s in report["Rows"].as_array().unwrap() {
        let title = s["Title"].as_str().unwrap_or_default().to_owned();
        for r in s["Rows"].as_array().into_iter().flatten() {
            if r["RowType"] != "Row" {
                continue;
            }
            let c = r["Cells"].as_array().unwrap();
            let t = c[0]["Attributes"][0]["Value"].as_str().unwrap().to_owned();
            let n = |i: usize| c[i]["Value"].as_str().unwrap().parse().unwrap();
            out.insert((t, title.clone()), (n(1), n(2)));
        }
    }
    out
}

#[tokio::test]
async fn each_published_return_matches_the_tax_summary_of_its_period() {
    let s = common::starter_signed_in(29, Size::Small, Limits::STARTER).await;
    let svc = common::test_service(
        &s.ctx,
        &s.xero,
        &s.time,
        std::time::Duration::from_secs(3600),
    )
    .await;
    let today = chrono::DateTime::from_timestamp_millis(s.time.now_ms())
        .unwrap()
        .date_naive();
    let mut compared = 0;
    for i in [0, 1] {
        let tenant = s.sim.tenants()[i].tenant_id.clone();
        common::sync_ok(&svc, &tenant).await;
        let listed = list_tax_returns(
            &s.ctx,
            TaxReturnsRequest {
                tenant_id: tenant.clone(),
            },
        )
        .await
        .unwrap();
        let truth: Vec<Value> = s.sim.with_truth(|t| {
            ledgerkeep_sim::tax_returns::list(t.tenant_named(&tenant).unwrap(), today)
        });
        assert!(truth.len() >= 4);
        let ids: Vec<&str> = listed.iter().map(|r| r.report_id.as_str()).collect();
        let want: Vec<&str> = truth
            .iter()
            .map(|r| r["ReportID"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids, want,
            "every published return is kept, the latest first"
        );

        for r in &listed {
            let view = compare_tax_return(
                &s.ctx,
                TaxReturnComparisonRequest {
                    tenant_id: tenant.clone(),
                    report_id: r.report_id.clone(),
                },
            )
            .await
            .unwrap();
            // Xero's figures are the simulator's, to the cent.
            let report = s.sim.with_truth(|t| {
                ledgerkeep_sim::tax_returns::one(
                    t.tenant_named(&tenant).unwrap(),
                    &r.report_id,
                    today,
                )
                .unwrap()
            });
            let theirs = served(&report);
            assert!(theirs.len() >= 2, "{theirs:?}");
            for ((t, section), (net, tax)) in &theirs {
                let rate = view.rates.iter().find(|x| &x.tax_type == t).unwrap();
                let p = if section == "Sales" {
                    rate.published_sales.as_ref()
                } else {
                    rate.published_purchases.as_ref()
                }
                .unwrap();
                assert_eq!((p.net.as_decimal(), p.tax.as_decimal()), (*net, *tax));
            }
            // The ledger's tax summary of the same period matches it.
            assert!(
                view.matches,
                "{} {}..{}: {:?}",
                tenant, r.from, r.to, view.differences
            );
            assert!(view.differences.is_empty());
            assert_eq!(view.skipped_lines, 0);
            assert!(!view.published_sales.tax.as_decimal().is_zero());
            assert!(!view.published_purchases.tax.as_decimal().is_zero());
            assert_eq!(view.net_tax, view.published_net_tax);
            // The same figures as the tax summary screen shows for the period.
            let summary = tax_summary(
                &s.ctx,
                TaxSummaryRequest {
                    tenant_id: tenant.clone(),
                    from: r.from.clone(),
                    to: r.to.clone(),
                },
            )
            .await
            .unwrap();
            for rate in &view.rates {
                let row = summary
                    .rates
                    .iter()
                    .find(|x| x.tax_type == rate.tax_type)
                    .unwrap();
                assert_eq!(row.sales, rate.sales);
                assert_eq!(row.purchases, rate.purchases);
            }
            // Laid out as the country's form, every box agrees with Xero's
            // figures; its boxes are the summary screen's.
            let form = view.form.as_ref().expect("NZ and AU have a form");
            assert!(form.matches, "{:?}", form.boxes);
            assert!(form.boxes.iter().all(|b| b.difference.is_none()));
            let screen = summary.form.as_ref().unwrap();
            assert_eq!(form.name, screen.name);
            for (b, shown) in form.boxes.iter().zip(&screen.boxes) {
                assert_eq!((&b.label, &b.local), (&shown.label, &shown.amount));
            }
            assert!(screen.unplaced.is_empty(), "{:?}", screen.unplaced);
            // The GST to pay on the form is the return's net tax, except that
            // the GST101A takes 3/23 of the sums where each line's tax was
            // rounded to the cent: they may part by up to a cent a line.
            let to_pay = form.boxes.last().unwrap().local.unwrap().as_decimal();
            let gap = (to_pay - view.net_tax.as_decimal()).abs();
            let lines: u32 = summary.rates.iter().map(|r| r.lines).sum();
            assert!(
                gap <= Decimal::new(i64::from(lines), 2),
                "{to_pay} vs {} over {lines} lines",
                view.net_tax
            );
            if form.name.contains("BAS") || form.name.contains("activity") {
                assert_eq!(to_pay, view.net_tax.as_decimal());
            }
            let charged = screen.charged_sales.as_decimal() - screen.charged_purchases.as_decimal();
            assert_eq!(charged, view.net_tax.as_decimal());
            // "No GST" lines are outside the return, not a difference.
            assert!(
                view.outside.iter().all(|t| t == "NONE"),
                "{:?}",
                view.outside
            );
            compared += 1;
        }

        // A later sync, with the reports due again, fetches no return twice.
        s.time.advance(std::time::Duration::from_secs(7 * 3600));
        common::sync_ok(&svc, &tenant).await;
        let again = list_tax_returns(
            &s.ctx,
            TaxReturnsRequest {
                tenant_id: tenant.clone(),
            },
        )
        .await
        .unwrap();
        assert_eq!(again, listed, "kept as first fetched");
    }
    assert!(compared >= 8, "{compared}");

    // A stored figure a cent off is caught, named by its rate and figure.
    let tenant = s.sim.tenants()[0].tenant_id.clone();
    let stored = s.ctx.store().tax_returns(&tenant).await.unwrap();
    let first = stored[0].clone();
    let kept = s
        .ctx
        .store()
        .tax_return(&tenant, &first.report_id)
        .await
        .unwrap()
        .unwrap();
    let mut json: Value = serde_json::from_str(&kept.report_json).unwrap();
    let cell = &mut json["Rows"][1]["Rows"][0]["Cells"][2]["Value"];
    let tax: Decimal = cell.as_str().unwrap().parse().unwrap();
    let tax_type = json["Rows"][1]["Rows"][0]["Cells"][0]["Attributes"][0]["Value"]
        .as_str()
        .unwrap()
        .to_owned();
    let cell = &mut json["Rows"][1]["Rows"][0]["Cells"][2]["Value"];
    *cell = Value::String((tax + Decimal::new(1, 2)).to_string());
    s.ctx
        .store()
        .save_tax_return(
            &tenant,
            &first,
            &ledgerkeep_domain::canonical_json(&json),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let view = compare_tax_return(
        &s.ctx,
        TaxReturnComparisonRequest {
            tenant_id: tenant.clone(),
            report_id: first.report_id.clone(),
        },
    )
    .await
    .unwrap();
    assert!(!view.matches);
    let d = &view.differences[0];
    assert_eq!(d.tax_type.as_deref(), Some(tax_type.as_str()));
    assert_eq!(d.figure, TaxReturnFigure::SalesTax);
    assert_eq!(d.difference.as_decimal(), Decimal::new(-1, 2));
    assert!(view
        .differences
        .iter()
        .any(|d| d.figure == TaxReturnFigure::NetTax && d.tax_type.is_none()));
    // Box by box, the cent shows where the form takes Xero's tax on sales:
    // the GST101A's box 5 (sales including GST) or the BAS's G1 and 1A.
    let form = view.form.as_ref().unwrap();
    assert!(!form.matches);
    let differing: Vec<&str> = form
        .boxes
        .iter()
        .filter(|b| b.difference.is_some())
        .map(|b| b.label.as_str())
        .collect();
    assert!(
        differing.starts_with(&["5", "7"]) || differing == ["G1", "1A", "1A − 1B"],
        "{differing:?}"
    );
    let first_box = form.boxes.iter().find(|b| b.difference.is_some()).unwrap();
    assert_eq!(
        first_box.difference.as_ref().unwrap().as_decimal(),
        Decimal::new(-1, 2)
    );
    // An unknown return is refused with words.
    let e = compare_tax_return(
        &s.ctx,
        TaxReturnComparisonRequest {
            tenant_id: tenant,
            report_id: "nope".to_owned(),
        },
    )
    .await
    .unwrap_err();
    assert!(e.message.contains("sync"), "{}", e.message);
}
