//! The Contacts and Accounts screens' operations, on a ledger holding the
//! simulator's books, checked against sums made here from its own records.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod seeded;

use std::collections::BTreeMap;

use ledgerkeep_api::*;
use ledgerkeep_sim::Collection;
use rust_decimal::Decimal;
use seeded::{dec, document_journals, ms_date, seeded_from_sim};

#[tokio::test]
async fn contacts_come_by_name_in_pages_with_what_they_owe_and_are_owed() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let tenant = truth.tenants[0].tenant_id.clone();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = list_contacts(
            &ctx,
            ListContactsRequest {
                tenant_id: tenant.clone(),
                text: None,
                after: after.take(),
                limit: Some(9),
            },
        )
        .await
        .unwrap();
        assert!(page.rows.len() <= 9);
        seen.extend(page.rows);
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    let contacts = truth.records(&tenant, Collection::Contacts);
    assert_eq!(seen.len(), contacts.len());
    let names: Vec<String> = seen
        .iter()
        .map(|c| c.name.clone().unwrap_or_default())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);

    // What each owes and is owed, summed here from the simulator's invoices.
    let mut want: BTreeMap<(String, String), (Decimal, Decimal)> = BTreeMap::new();
    for i in truth.records(&tenant, Collection::Invoices) {
        if i["Status"] != "AUTHORISED" {
            continue;
        }
        let key = (
            i["Contact"]["ContactID"].as_str().unwrap().to_owned(),
            i["CurrencyCode"].as_str().unwrap().to_owned(),
        );
        let e = want.entry(key).or_default();
        if i["Type"] == "ACCPAY" {
            e.1 += dec(&i["AmountDue"]);
        } else {
            e.0 += dec(&i["AmountDue"]);
        }
    }
    let mut got: BTreeMap<(String, String), (Decimal, Decimal)> = BTreeMap::new();
    for c in &seen {
        for b in &c.balances {
            got.insert(
                (
                    c.xero_id.clone(),
                    b.currency_code.clone().unwrap_or_default(),
                ),
                (b.receivable.as_decimal(), b.payable.as_decimal()),
            );
        }
    }
    assert!(want.len() > 3);
    assert_eq!(got, want);

    // A fragment of a name finds exactly the contacts holding it.
    let fragment: String = names[names.len() / 2].chars().take(4).collect();
    let found = list_contacts(
        &ctx,
        ListContactsRequest {
            tenant_id: tenant.clone(),
            text: Some(fragment.clone()),
            after: None,
            limit: Some(500),
        },
    )
    .await
    .unwrap();
    let expected = names
        .iter()
        .filter(|n| n.to_lowercase().contains(&fragment.to_lowercase()))
        .count();
    assert_eq!(found.rows.len(), expected);
    assert!(expected >= 1);
}

#[tokio::test]
async fn the_chart_of_accounts_carries_each_balance_and_its_lines() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let tenant = truth.tenants[0].tenant_id.clone();
    let journals = document_journals(&truth, &tenant);
    let last = journals
        .iter()
        .filter_map(|j| ms_date(&j["JournalDate"]))
        .max()
        .unwrap();
    let accounts = list_accounts(
        &ctx,
        ListAccountsRequest {
            tenant_id: tenant.clone(),
            as_at: last.to_string(),
        },
    )
    .await
    .unwrap();
    let chart = truth.records(&tenant, Collection::Accounts);
    assert_eq!(accounts.len(), chart.len());
    let mut checked = 0;
    for a in &accounts {
        let class = chart
            .iter()
            .find(|c| c["AccountID"] == a.xero_id.as_str())
            .map(|c| c["Class"].as_str().unwrap().to_owned())
            .unwrap();
        if class == "REVENUE" || class == "EXPENSE" {
            continue;
        }
        let mut net = Decimal::ZERO;
        for j in &journals {
            if ms_date(&j["JournalDate"]).is_none_or(|d| d > last) {
                continue;
            }
            for l in j["JournalLines"].as_array().unwrap() {
                if l["AccountID"] == a.xero_id.as_str() {
                    net += dec(&l["NetAmount"]);
                }
            }
        }
        let shown = if class == "ASSET" { net } else { -net };
        assert_eq!(a.balance.as_decimal(), shown, "{:?}", a.name);
        checked += 1;
    }
    assert!(checked >= 4);
    // The lines behind the bank account's balance add up to it.
    let bank = accounts
        .iter()
        .find(|a| a.account_type.as_deref() == Some("BANK") && !a.balance.as_decimal().is_zero())
        .unwrap();
    let mut sum = Decimal::ZERO;
    let mut after = None;
    loop {
        let page = report_drill(
            &ctx,
            DrillRequest {
                tenant_id: tenant.clone(),
                drill: bank.drill.clone(),
                after: after.take(),
                limit: Some(50),
            },
        )
        .await
        .unwrap();
        sum += page
            .rows
            .iter()
            .map(|r| r.amount.as_decimal())
            .sum::<Decimal>();
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    assert_eq!(sum, bank.balance.as_decimal());
}
