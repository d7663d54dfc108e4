//! The History endpoints over real HTTP: each document type the simulator
//! serves answers `HistoryRecords` whose entries agree with the document
//! (created on its date, a paid invoice paid, a voided one voided, nothing
//! dated after its last change), behind the document's own read scope, and
//! each call counts against the day's limit like any other.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use ledgerkeep_sim::wire::parse_ms_date;
use ledgerkeep_sim::{Collection, Limits};
use serde_json::Value;

const INVOICES_ONLY: &str =
    "openid offline_access accounting.settings.read accounting.contacts.read accounting.invoices.read";
const EVERYTHING: &str = "openid offline_access accounting.settings.read accounting.contacts.read accounting.invoices.read accounting.payments.read accounting.banktransactions.read accounting.manualjournals.read";

fn ms(v: &Value) -> i64 {
    parse_ms_date(v.as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn every_document_type_answers_a_history_that_agrees_with_the_document() {
    let h = start_with(|b| b.new_starter_app().limits(GENEROUS)).await;
    let (tokens, _) = h.login_with(EVERYTHING).await;
    let tenant = h.tenant(0);
    let truth = h.sim.truth();
    let mut steps_seen = std::collections::BTreeSet::new();
    for c in [
        Collection::Invoices,
        Collection::CreditNotes,
        Collection::Payments,
        Collection::BatchPayments,
        Collection::Overpayments,
        Collection::Prepayments,
        Collection::BankTransactions,
        Collection::BankTransfers,
        Collection::ManualJournals,
        Collection::RepeatingInvoices,
        Collection::PurchaseOrders,
        Collection::Quotes,
        Collection::Contacts,
    ] {
        let records = truth.records(&tenant, c);
        assert!(!records.is_empty(), "{c} in the books");
        // A few of each kind, and every status the kind has.
        let mut picked: Vec<&Value> = Vec::new();
        for r in &records {
            let status = &r["Status"];
            if picked.len() < 3 || !picked.iter().any(|p| &p["Status"] == status) {
                picked.push(r);
            }
        }
        for r in picked {
            let id = r[c.id_field()].as_str().unwrap();
            let body = h
                .get_json(
                    &tokens.access,
                    &tenant,
                    &format!("{}/{id}/History", c.path()),
                )
                .await;
            assert_eq!(body["Status"], "OK");
            let entries = body["HistoryRecords"].as_array().unwrap();
            assert!(!entries.is_empty(), "{c} {id} has a history");
            let at: Vec<i64> = entries.iter().map(|e| ms(&e["DateUTC"])).collect();
            assert!(at.windows(2).all(|w| w[0] >= w[1]), "newest first: {at:?}");
            let updated = r.get("UpdatedDateUTC").map(ms).unwrap_or(i64::MAX);
            assert!(
                at.iter().all(|t| *t <= updated),
                "{c} {id}: none after its last change"
            );
            if let Some(date) = r.get("Date").filter(|d| d.is_string()) {
                let day = ms(date);
                assert!(
                    at.iter().all(|t| *t >= day.min(updated)),
                    "{c} {id}: none before its date"
                );
            }
            let oldest = entries.last().unwrap();
            assert_eq!(oldest["Changes"], "Created", "{c} {id}");
            for e in entries {
                assert!(!e["User"].as_str().unwrap().is_empty());
                let text = e["DateUTCString"].as_str().unwrap();
                let parsed = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
                    .unwrap()
                    .and_utc()
                    .timestamp_millis();
                assert_eq!(
                    parsed / 1000,
                    ms(&e["DateUTC"]) / 1000,
                    "the two dates agree"
                );
                steps_seen.insert(e["Changes"].as_str().unwrap().to_owned());
            }
            let steps: Vec<&str> = entries
                .iter()
                .map(|e| e["Changes"].as_str().unwrap())
                .collect();
            match r["Status"].as_str() {
                Some("PAID") => assert!(steps.contains(&"Paid"), "{c} {id}: {steps:?}"),
                Some("VOIDED") => assert_eq!(steps[0], "Voided", "{c} {id}"),
                Some("DELETED") => assert_eq!(steps[0], "Deleted", "{c} {id}"),
                Some("AUTHORISED")
                    if !matches!(c, Collection::Payments | Collection::BatchPayments) =>
                {
                    assert!(steps.contains(&"Approved"), "{c} {id}: {steps:?}")
                }
                _ => {}
            }
            // The same books answer the same history.
            let again = h
                .get_json(
                    &tokens.access,
                    &tenant,
                    &format!("{}/{id}/History", c.path()),
                )
                .await;
            assert_eq!(again["HistoryRecords"], body["HistoryRecords"]);
        }
    }
    for step in ["Created", "Approved", "Paid", "Note"] {
        assert!(steps_seen.contains(step), "{step} among {steps_seen:?}");
    }
    // No history for a record that does not exist, nor for a kind Xero keeps none for.
    let missing = h
        .get(
            &tokens.access,
            &tenant,
            "Invoices/00000000-0000-0000-0000-000000000001/History",
        )
        .await;
    assert_eq!(missing.status(), 404);
    let account = &truth.records(&tenant, Collection::Accounts)[0];
    let r = h
        .get(
            &tokens.access,
            &tenant,
            &format!(
                "Accounts/{}/History",
                account["AccountID"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn history_needs_the_documents_own_scope_and_counts_against_the_day() {
    let h = start_with(|b| {
        b.new_starter_app().limits(Limits {
            per_day: 3,
            ..GENEROUS
        })
    })
    .await;
    let (tokens, _) = h.login_with(INVOICES_ONLY).await;
    let tenant = h.tenant(0);
    let truth = h.sim.truth();
    let invoice = truth.records(&tenant, Collection::Invoices)[0]["InvoiceID"]
        .as_str()
        .unwrap()
        .to_owned();
    let payment = truth.records(&tenant, Collection::Payments)[0]["PaymentID"]
        .as_str()
        .unwrap()
        .to_owned();

    let ok = h
        .get(
            &tokens.access,
            &tenant,
            &format!("Invoices/{invoice}/History"),
        )
        .await;
    assert_eq!(ok.status(), 200);
    let left: u32 = ok.headers()["x-daylimit-remaining"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(left, 2, "the call was counted");

    // Payments' history needs the payments scope, which this sign-in lacks.
    let refused = h
        .get(
            &tokens.access,
            &tenant,
            &format!("Payments/{payment}/History"),
        )
        .await;
    assert_eq!(refused.status(), 401);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["Detail"], "AuthorizationUnsuccessful");

    // A refusal spent nothing: two calls are left, then a 429 for the day.
    for _ in 0..2 {
        let r = h
            .get(
                &tokens.access,
                &tenant,
                &format!("invoices/{invoice}/history"),
            )
            .await;
        assert_eq!(r.status(), 200, "any letter case");
    }
    let spent = h
        .get(
            &tokens.access,
            &tenant,
            &format!("Invoices/{invoice}/History"),
        )
        .await;
    assert_eq!(spent.status(), 429);
    assert_eq!(spent.headers()["x-rate-limit-problem"], "day");
    assert!(spent.headers().contains_key("retry-after"));
}
