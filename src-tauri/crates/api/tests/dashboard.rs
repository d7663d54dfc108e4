//! The Dashboard's figures on a ledger holding the simulator's books, each
//! compared with a sum made here from the simulator's own records (its truth).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod seeded;

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone, Utc};
use ledgerkeep_api::*;
use ledgerkeep_domain::EntityKind;
use ledgerkeep_sim::Collection;
use ledgerkeep_store::anomalies::{Finding, FindingFacts, RecordRef};
use rust_decimal::Decimal;
use seeded::{busiest, dec, ms_date, seeded_from_sim};
use serde_json::Value;

fn request(tenant: &str, as_at: NaiveDate, recent: u32) -> DashboardRequest {
    DashboardRequest {
        tenant_id: tenant.to_owned(),
        as_at: as_at.format("%Y-%m-%d").to_string(),
        recent_limit: Some(recent),
    }
}

/// `/Date(1539993600000+0000)/` as milliseconds.
fn ms(v: &Value) -> i64 {
    let inner = v.as_str().unwrap().strip_prefix("/Date(").unwrap();
    inner
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect::<String>()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn cash_per_bank_account_is_the_sum_of_its_journal_lines_to_the_day() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let (tenant, last) = busiest(&truth);
    // A day inside the books, so that later lines must be left out.
    let as_at = last - chrono::Duration::days(45);
    let banks: BTreeMap<String, String> = truth
        .records(&tenant, Collection::Accounts)
        .iter()
        .filter(|a| a["Type"] == "BANK")
        .map(|a| {
            (
                a["AccountID"].as_str().unwrap().to_owned(),
                a["Name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(!banks.is_empty(), "the books have bank accounts");
    let mut want: BTreeMap<String, Decimal> =
        banks.keys().map(|k| (k.clone(), Decimal::ZERO)).collect();
    for j in truth.records(&tenant, Collection::Journals) {
        if ms_date(&j["JournalDate"]).is_none_or(|d| d > as_at) {
            continue;
        }
        for l in j["JournalLines"].as_array().unwrap() {
            if let Some(sum) = want.get_mut(l["AccountID"].as_str().unwrap()) {
                *sum += dec(&l["NetAmount"]);
            }
        }
    }
    let view = dashboard(&ctx, request(&tenant, as_at, 10)).await.unwrap();
    let got: BTreeMap<String, Decimal> = view
        .cash
        .iter()
        .map(|a| (a.xero_id.clone(), a.balance.as_decimal()))
        .collect();
    assert_eq!(got, want);
    assert!(
        want.values().any(|v| !v.is_zero()),
        "some bank account moved"
    );
    for a in &view.cash {
        assert_eq!(a.name.as_deref(), Some(banks[&a.xero_id].as_str()));
    }
    let base = truth.records(&tenant, Collection::Organisation)[0]["BaseCurrency"]
        .as_str()
        .map(str::to_owned);
    assert_eq!(view.base_currency, base);
}

/// Per currency, what was outstanding at the date from the payments and
/// allocations: at the books' last day that is what Xero says is still due
/// today (invoices' `AmountDue`, less the credit notes' and overpayments'
/// `RemainingCredit`). (Before the aged figures came from the history, the
/// Dashboard summed today's `AmountDue` whatever the date, and this test
/// asked for that at a past date.)
#[tokio::test]
async fn receivables_and_payables_are_due_and_overdue_per_currency() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let (tenant, as_at) = busiest(&truth);
    let view = dashboard(&ctx, request(&tenant, as_at, 10)).await.unwrap();
    for (doc_type, credit, overpayment, got) in [
        (
            "ACCREC",
            "ACCRECCREDIT",
            "RECEIVE-OVERPAYMENT",
            &view.receivables,
        ),
        (
            "ACCPAY",
            "ACCPAYCREDIT",
            "SPEND-OVERPAYMENT",
            &view.payables,
        ),
    ] {
        // currency -> (due, count, overdue, count)
        let mut want: BTreeMap<String, (Decimal, u32, Decimal, u32)> = BTreeMap::new();
        for inv in truth.records(&tenant, Collection::Invoices) {
            if inv["Type"] != doc_type || inv["Status"] != "AUTHORISED" {
                continue;
            }
            let due = dec(&inv["AmountDue"]);
            if due.is_zero() || ms_date(&inv["Date"]).is_none_or(|d| d > as_at) {
                continue;
            }
            let w = want
                .entry(inv["CurrencyCode"].as_str().unwrap().to_owned())
                .or_default();
            w.0 += due;
            w.1 += 1;
            if ms_date(&inv["DueDate"]).is_some_and(|d| d < as_at) {
                w.2 += due;
                w.3 += 1;
            }
        }
        for (collection, ty) in [
            (Collection::CreditNotes, credit),
            (Collection::Overpayments, overpayment),
        ] {
            for c in truth.records(&tenant, collection) {
                if c["Type"] != ty || c["Status"] != "AUTHORISED" {
                    continue;
                }
                let left = dec(&c["RemainingCredit"]);
                if left.is_zero() || ms_date(&c["Date"]).is_none_or(|d| d > as_at) {
                    continue;
                }
                let w = want
                    .entry(c["CurrencyCode"].as_str().unwrap().to_owned())
                    .or_default();
                w.0 -= left;
                w.1 += 1;
            }
        }
        assert!(!want.is_empty(), "the books have outstanding {doc_type}");
        let got: BTreeMap<String, (Decimal, u32, Decimal, u32)> = got
            .iter()
            .map(|t| {
                (
                    t.currency_code.clone().unwrap(),
                    (
                        t.due.as_decimal(),
                        t.due_count,
                        t.overdue.as_decimal(),
                        t.overdue_count,
                    ),
                )
            })
            .collect();
        assert_eq!(got, want, "{doc_type}");
    }
}

/// The one figure for what customers owe (and what is owed to suppliers):
/// in the base currency, at a past date, the receivable (payable) control
/// account's lines to that date in the simulator's own Journals.
#[tokio::test]
async fn what_customers_owe_is_the_receivable_account_at_the_date() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let (tenant, last) = busiest(&truth);
    let accounts = truth.records(&tenant, Collection::Accounts);
    let system = |s: &str| -> String {
        accounts
            .iter()
            .find(|a| a["SystemAccount"] == s)
            .and_then(|a| a["AccountID"].as_str())
            .unwrap()
            .to_owned()
    };
    for as_at in [last - chrono::Duration::days(45), last] {
        let mut want: BTreeMap<String, Decimal> = BTreeMap::new();
        for j in truth.records(&tenant, Collection::Journals) {
            if ms_date(&j["JournalDate"]).is_none_or(|d| d > as_at) {
                continue;
            }
            for l in j["JournalLines"].as_array().unwrap() {
                *want
                    .entry(l["AccountID"].as_str().unwrap().to_owned())
                    .or_default() += dec(&l["NetAmount"]);
            }
        }
        let view = dashboard(&ctx, request(&tenant, as_at, 10)).await.unwrap();
        let owed = want.get(&system("DEBTORS")).copied().unwrap_or_default();
        let owing = -want.get(&system("CREDITORS")).copied().unwrap_or_default();
        assert!(!owed.is_zero() && !owing.is_zero());
        assert_eq!(
            view.receivables_total.unwrap().as_decimal(),
            owed,
            "{as_at}"
        );
        assert_eq!(view.payables_total.unwrap().as_decimal(), owing, "{as_at}");
    }
}

#[tokio::test]
async fn recent_activity_is_the_latest_changed_documents_newest_first() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let (tenant, last) = busiest(&truth);
    let limit = 12;
    let view = dashboard(&ctx, request(&tenant, last, limit))
        .await
        .unwrap();
    // Every document's change time in the truth, by id.
    let mut updated: BTreeMap<String, i64> = BTreeMap::new();
    for (c, id) in [
        (Collection::Invoices, "InvoiceID"),
        (Collection::BankTransactions, "BankTransactionID"),
    ] {
        for r in truth.records(&tenant, c) {
            updated.insert(r[id].as_str().unwrap().to_owned(), ms(&r["UpdatedDateUTC"]));
        }
    }
    assert_eq!(view.recent.len(), limit as usize);
    let shown: Vec<i64> = view
        .recent
        .iter()
        .map(|r| updated[&r.document.xero_id])
        .collect();
    assert!(
        shown.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {shown:?}"
    );
    // Nothing newer than the oldest shown was left out.
    let mut all: Vec<i64> = updated.values().copied().collect();
    all.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(shown, all[..limit as usize].to_vec());
    let ids: std::collections::BTreeSet<&str> = view
        .recent
        .iter()
        .map(|r| r.document.xero_id.as_str())
        .collect();
    assert_eq!(ids.len(), limit as usize, "each document once");
    assert!(
        dashboard(&ctx, request(&tenant, last, 51)).await.is_err(),
        "at most 50 recent documents"
    );
}

#[tokio::test]
async fn alerts_name_a_failed_sync_and_the_open_anomalies() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let (tenant, last) = busiest(&truth);
    let before = dashboard(&ctx, request(&tenant, last, 5)).await.unwrap();
    assert_eq!(before.alerts.last_sync_failed, None);
    assert!(!before.alerts.reauthorisation_needed);
    let open = list_anomalies(
        &ctx,
        ListAnomaliesRequest {
            tenant_id: Some(tenant.clone()),
            include_closed: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(before.alerts.anomalies as usize, open.len());

    let now = Utc.timestamp_opt(1_790_000_100, 0).unwrap();
    let store = ctx.store();
    store
        .start_sync_run("r1", &tenant, None, "incremental", now)
        .await
        .unwrap();
    store
        .finish_sync_run(
            "r1",
            "failed",
            0,
            0,
            0,
            Some("Xero could not be reached."),
            now,
        )
        .await
        .unwrap();
    let after = dashboard(&ctx, request(&tenant, last, 5)).await.unwrap();
    assert_eq!(
        after.alerts.last_sync_failed.as_deref(),
        Some("Xero could not be reached.")
    );
    // A later successful run clears it.
    store
        .start_sync_run("r2", &tenant, None, "incremental", now)
        .await
        .unwrap();
    store
        .finish_sync_run("r2", "ok", 1, 1, 0, None, now)
        .await
        .unwrap();
    let cleared = dashboard(&ctx, request(&tenant, last, 5)).await.unwrap();
    assert_eq!(cleared.alerts.last_sync_failed, None);

    // Two findings open, then one of them no longer found (resolved).
    let finding = |key: &str| Finding {
        key: key.to_owned(),
        facts: FindingFacts::RoundSpend {
            record: RecordRef::new(EntityKind::BankTransaction, key),
            contact: None,
            currency: None,
            date: None,
            amount: Decimal::new(500_000, 2),
            unit: Decimal::from(1000),
        },
    };
    store
        .store_findings(&tenant, &[finding("a"), finding("b")], now)
        .await
        .unwrap();
    let two = dashboard(&ctx, request(&tenant, last, 5)).await.unwrap();
    assert_eq!(
        two.alerts.anomalies, 2,
        "storing marks the earlier ones resolved"
    );
    store
        .store_findings(&tenant, &[finding("a")], now)
        .await
        .unwrap();
    let one = dashboard(&ctx, request(&tenant, last, 5)).await.unwrap();
    assert_eq!(one.alerts.anomalies, 1);
}
