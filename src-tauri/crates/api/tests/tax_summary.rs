//! The tax summary on a ledger holding the simulator's books, checked against
//! sums made here straight from the simulator's own documents (its truth):
//! each tax type's net and tax on sales and on purchases over a year.
//! Xero's published GST/BAS returns are compared in `tax_returns.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod seeded;

use std::collections::BTreeMap;

use ledgerkeep_api::*;
use ledgerkeep_domain::xero::Page;
use ledgerkeep_domain::{with_records, EntityKind};
use ledgerkeep_sim::Collection;
use rust_decimal::{Decimal, RoundingStrategy};
use seeded::{busiest, dec, ms_date, seeded_from_sim};
use serde_json::Value;

/// (tax type) -> [sales net, sales tax, purchases net, purchases tax]
type Sums = BTreeMap<String, [Decimal; 4]>;

fn base(amount: Decimal, doc: &Value, base_currency: &str) -> Decimal {
    let foreign = doc["CurrencyCode"]
        .as_str()
        .is_some_and(|c| c != base_currency);
    if !foreign {
        return amount;
    }
    let rate = dec(&doc["CurrencyRate"]);
    let mut b = (amount / rate).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    b.rescale(2);
    b
}

#[tokio::test]
async fn each_tax_rates_sums_are_the_documents_lines() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let (tenant, last) = busiest(&truth);
    let from = last - chrono::Duration::days(365);
    let org = &truth.records(&tenant, Collection::Organisation)[0];
    let base_currency = org["BaseCurrency"].as_str().unwrap().to_owned();

    let expected = sums_of(&truth, &tenant, from, last);

    let view = rates_then_summary(&ctx, &truth, &tenant, from, last).await;
    assert!(view.skipped.is_empty(), "{:?}", view.skipped);
    let got: Sums = view
        .rates
        .iter()
        .map(|r| {
            (
                r.tax_type.clone(),
                [
                    r.sales.net.as_decimal(),
                    r.sales.tax.as_decimal(),
                    r.purchases.net.as_decimal(),
                    r.purchases.tax.as_decimal(),
                ],
            )
        })
        .filter(|(_, v)| v.iter().any(|d| !d.is_zero()))
        .collect();
    assert_eq!(got, expected);
    // Both sides carry tax, and the totals are the rates' sums.
    assert!(!view.sales.tax.as_decimal().is_zero());
    assert!(!view.purchases.tax.as_decimal().is_zero());
    let total = |i: usize| got.values().map(|v| v[i]).sum::<Decimal>();
    assert_eq!(view.sales.tax.as_decimal(), total(1));
    assert_eq!(view.purchases.net.as_decimal(), total(2));
    assert_eq!(view.net_tax.as_decimal(), total(1) - total(3));
    // The rates are named from the organisation's tax rates.
    assert!(view
        .rates
        .iter()
        .any(|r| r.name.is_some() && r.rate.is_some()));
    assert_eq!(view.currency.as_deref(), Some(base_currency.as_str()));

    // A period with nothing in it sums to nothing; a bad period is refused.
    let empty = tax_summary(
        &ctx,
        TaxSummaryRequest {
            tenant_id: tenant.clone(),
            from: "1990-01-01".to_owned(),
            to: "1990-12-31".to_owned(),
        },
    )
    .await
    .unwrap();
    assert!(empty.rates.is_empty());
    assert!(tax_summary(
        &ctx,
        TaxSummaryRequest {
            tenant_id: tenant,
            from: "2026-02-01".to_owned(),
            to: "2026-01-01".to_owned(),
        },
    )
    .await
    .is_err());
}

/// The organisation's tax rates written as a sync writes them (the shared
/// seed leaves them out), then its tax summary over `from..=last`.
async fn rates_then_summary(
    ctx: &AppContext,
    truth: &ledgerkeep_sim::Truth,
    tenant: &str,
    from: chrono::NaiveDate,
    last: chrono::NaiveDate,
) -> TaxSummaryView {
    let rates = rates_of(truth, tenant);
    let page = Page::from_value(EntityKind::TaxRate, Value::Array(rates)).unwrap();
    let now = chrono::Utc::now();
    with_records!(&page.records, recs => {
        ctx.store().apply_page(tenant, recs, &Actor::sync("seed"), now).await
    })
    .unwrap();
    tax_summary(
        ctx,
        TaxSummaryRequest {
            tenant_id: tenant.to_owned(),
            from: from.format("%Y-%m-%d").to_string(),
            to: last.format("%Y-%m-%d").to_string(),
        },
    )
    .await
    .unwrap()
}

fn rates_of(truth: &ledgerkeep_sim::Truth, tenant: &str) -> Vec<Value> {
    truth.records(tenant, Collection::TaxRates)
}

/// The form's boxes, worked out here from the documents' sums and the
/// simulator's tax rates, by the forms' own definitions.
fn form_follows_the_rates(view: &TaxSummaryView, sums: &Sums, rates: &[Value], org: &Value) {
    let report = |t: &str| {
        let r = rates.iter().find(|r| r["TaxType"] == t).unwrap();
        let pct: Decimal = dec(&r["EffectiveRate"]);
        (r["ReportTaxType"].as_str().unwrap().to_owned(), pct)
    };
    let gross = |filter: &dyn Fn(&str, Decimal) -> bool, i: usize| -> Decimal {
        sums.iter()
            .filter(|(t, _)| {
                let (kind, pct) = report(t);
                filter(&kind, pct)
            })
            .map(|(_, v)| v[i] + v[i + 1])
            .sum()
    };
    let tax = |kind: &str, i: usize| -> Decimal {
        sums.iter()
            .filter(|(t, _)| report(t).0 == kind)
            .map(|(_, v)| v[i + 1])
            .sum()
    };
    let third = |x: Decimal| {
        (x * Decimal::from(3) / Decimal::from(23))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    };
    let want: Vec<(&str, Option<Decimal>)> = match org["CountryCode"].as_str() {
        Some("NZ") => {
            let five = gross(&|k, _| k == "OUTPUT", 0);
            let six = gross(&|k, p| k == "OUTPUT" && p.is_zero(), 0);
            let eleven = gross(&|k, p| k == "INPUT" && !p.is_zero(), 2);
            let (eight, twelve) = (third(five - six), third(eleven));
            vec![
                ("5", Some(five)),
                ("6", Some(six)),
                ("7", Some(five - six)),
                ("8", Some(eight)),
                ("9", None),
                ("10", Some(eight)),
                ("11", Some(eleven)),
                ("12", Some(twelve)),
                ("13", None),
                ("14", Some(twelve)),
                ("15", Some(eight - twelve)),
            ]
        }
        Some("AU") => {
            let (a, b) = (tax("OUTPUT", 0), tax("INPUT", 2));
            vec![
                ("G1", Some(gross(&|k, _| k == "OUTPUT", 0))),
                ("G2", Some(Decimal::ZERO)),
                ("G3", Some(Decimal::ZERO)),
                ("G10", Some(Decimal::ZERO)),
                ("G11", Some(gross(&|k, _| k == "INPUT", 2))),
                ("1A", Some(a)),
                ("1B", Some(b)),
                ("1A − 1B", Some(a - b)),
            ]
        }
        _ => {
            assert!(view.form.is_none());
            return;
        }
    };
    let form = view.form.as_ref().unwrap();
    let got: Vec<(&str, Option<Decimal>)> = form
        .boxes
        .iter()
        .map(|b| (b.label.as_str(), b.amount.as_ref().map(|m| m.as_decimal())))
        .collect();
    assert_eq!(got, want);
    assert!(!got[0].1.unwrap().is_zero());
    assert!(form.unplaced.is_empty(), "{:?}", form.unplaced);
    assert_eq!(form.charged_sales.as_decimal(), tax("OUTPUT", 0));
}

/// Every organisation's summary laid out as its country's return form: New
/// Zealand's GST101A, Australia's BAS, none for the rest.
#[tokio::test]
async fn each_organisations_summary_fills_its_countrys_form() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let (_, last) = busiest(&truth);
    let from = last - chrono::Duration::days(365);
    let mut countries = Vec::new();
    for t in &truth.tenants {
        let tenant = t.tenant_id.clone();
        let rates = rates_of(&truth, &tenant);
        let view = rates_then_summary(&ctx, &truth, &tenant, from, last).await;
        let org = &truth.records(&tenant, Collection::Organisation)[0];
        let sums = sums_of(&truth, &tenant, from, last);
        form_follows_the_rates(&view, &sums, &rates, org);
        countries.push(org["CountryCode"].as_str().unwrap().to_owned());
    }
    for c in ["NZ", "AU", "GB"] {
        assert!(countries.iter().any(|x| x == c), "{countries:?}");
    }
}

/// Each tax type's sums over `from..=last`, straight from the simulator's documents.
fn sums_of(
    truth: &ledgerkeep_sim::Truth,
    tenant: &str,
    from: chrono::NaiveDate,
    last: chrono::NaiveDate,
) -> Sums {
    let org = &truth.records(tenant, Collection::Organisation)[0];
    let base_currency = org["BaseCurrency"].as_str().unwrap().to_owned();
    let mut expected = Sums::new();
    let mut add = |doc: &Value, purchases: bool, sign: Decimal| {
        let Some(date) = ms_date(&doc["Date"]) else {
            return;
        };
        if date < from || date > last {
            return;
        }
        if !matches!(doc["Status"].as_str(), Some("AUTHORISED" | "PAID")) {
            return;
        }
        let inclusive = doc["LineAmountTypes"].as_str() == Some("Inclusive");
        for l in doc["LineItems"].as_array().into_iter().flatten() {
            let amount = dec(&l["LineAmount"]);
            let tax = if l["TaxAmount"].is_null() {
                Decimal::ZERO
            } else {
                dec(&l["TaxAmount"])
            };
            let net = if inclusive { amount - tax } else { amount };
            let key = l["TaxType"].as_str().unwrap_or_default().to_owned();
            let slot = expected.entry(key).or_default();
            let i = if purchases { 2 } else { 0 };
            slot[i] += sign * base(net, doc, &base_currency);
            slot[i + 1] += sign * base(tax, doc, &base_currency);
        }
    };
    for i in truth.records(tenant, Collection::Invoices) {
        add(&i, i["Type"] == "ACCPAY", Decimal::ONE);
    }
    for c in truth.records(tenant, Collection::CreditNotes) {
        add(&c, c["Type"] == "ACCPAYCREDIT", Decimal::NEGATIVE_ONE);
    }
    for b in truth.records(tenant, Collection::BankTransactions) {
        match b["Type"].as_str() {
            Some("RECEIVE") => add(&b, false, Decimal::ONE),
            Some("SPEND") => add(&b, true, Decimal::ONE),
            _ => {}
        }
    }
    for (c, purchases) in [
        (Collection::Overpayments, "SPEND-OVERPAYMENT"),
        (Collection::Prepayments, "SPEND-PREPAYMENT"),
    ] {
        for d in truth.records(tenant, c) {
            add(&d, d["Type"] == purchases, Decimal::ONE);
        }
    }
    expected.retain(|_, v| v.iter().any(|d| !d.is_zero()));
    expected
}
