//! The Accounting API's GETs: paging, If-Modified-Since, filters, the tenant
//! header, Journals by offset, unit amounts and exact money.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::*;
use ledgerkeep_sim::wire::{parse_ms_date, updated_ms};
use ledgerkeep_sim::Collection;
use serde_json::Value;

fn ids(body: &Value, c: Collection) -> Vec<String> {
    body[c.key()]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[c.id_field()].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_collection_is_served_with_xeros_envelope() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(1);
    for c in Collection::ALL {
        let r = h.get(&t.access, &tenant, c.path()).await;
        assert_eq!(r.status(), 200, "{c}");
        assert!(r.headers().contains_key("xero-correlation-id"), "{c}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["Status"], "OK");
        assert!(parse_ms_date(body["DateTimeUTC"].as_str().unwrap()).is_some());
        assert!(
            !body[c.key()].as_array().unwrap().is_empty(),
            "{c} has records"
        );
    }
}

#[tokio::test]
async fn pages_cover_the_truth_exactly_once_with_pagination() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let truth: Vec<String> = h
        .sim
        .truth()
        .tenant(&tenant)
        .unwrap()
        .table(Collection::Invoices)
        .records()
        .iter()
        .map(|r| r.id.clone())
        .collect();
    for size in [7usize, 100, 1000] {
        let mut seen = Vec::new();
        let mut page = 1;
        loop {
            let body = h
                .get_json(
                    &t.access,
                    &tenant,
                    &format!("Invoices?page={page}&pageSize={size}"),
                )
                .await;
            let p = &body["pagination"];
            assert_eq!(p["page"], page);
            assert_eq!(p["pageSize"], size);
            assert_eq!(p["itemCount"], truth.len());
            assert_eq!(p["pageCount"], truth.len().div_ceil(size));
            let got = ids(&body, Collection::Invoices);
            assert!(got.len() <= size);
            if got.is_empty() {
                break;
            }
            seen.extend(got);
            page += 1;
        }
        assert_eq!(seen, truth, "page size {size}");
    }
    // The default page is 100; pageSize is capped at 1000.
    let body = h.get_json(&t.access, &tenant, "Invoices").await;
    assert_eq!(body["pagination"]["pageSize"], 100);
    let body = h
        .get_json(&t.access, &tenant, "Invoices?pageSize=5000")
        .await;
    assert_eq!(body["pagination"]["pageSize"], 1000);
}

#[tokio::test]
async fn if_modified_since_returns_records_updated_since_that_second() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let truth = h.sim.truth().records(&tenant, Collection::Invoices);
    let mut times: Vec<i64> = truth.iter().filter_map(updated_ms).collect();
    times.sort();
    let pivot = times[times.len() / 2];
    let since_second = pivot / 1000 * 1000;
    let header = chrono::DateTime::from_timestamp_millis(since_second)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let expected: BTreeSet<String> = truth
        .iter()
        .filter(|r| updated_ms(r).unwrap() >= since_second)
        .map(|r| r["InvoiceID"].as_str().unwrap().to_owned())
        .collect();
    let r = h
        .http
        .get(h.url("/api.xro/2.0/Invoices?order=UpdatedDateUTC%20ASC&pageSize=1000"))
        .bearer_auth(&t.access)
        .header("xero-tenant-id", &tenant)
        .header("If-Modified-Since", &header)
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    let got = ids(&body, Collection::Invoices);
    assert_eq!(got.iter().cloned().collect::<BTreeSet<_>>(), expected);
    assert!(expected.len() < truth.len() && !expected.is_empty());
    let stamps: Vec<i64> = body["Invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| updated_ms(r).unwrap())
        .collect();
    assert!(
        stamps.windows(2).all(|w| w[0] <= w[1]),
        "ordered by UpdatedDateUTC"
    );
}

#[tokio::test]
async fn the_tenant_header_is_required_and_checked_against_the_connections() {
    let h = start().await;
    let t = h.login().await;
    let r = h
        .http
        .get(h.url("/api.xro/2.0/Invoices"))
        .bearer_auth(&t.access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = h
        .get(
            &t.access,
            "00000000-0000-0000-0000-000000000001",
            "Invoices",
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = h
        .http
        .get(h.url("/api.xro/2.0/Invoices"))
        .header("xero-tenant-id", h.tenant(0))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Tenants are separate books.
    let a = h.get_json(&t.access, &h.tenant(0), "Organisation").await;
    let b = h.get_json(&t.access, &h.tenant(1), "Organisation").await;
    assert_ne!(
        a["Organisations"][0]["BaseCurrency"],
        b["Organisations"][0]["BaseCurrency"]
    );
    assert_ne!(
        a["Organisations"][0]["Timezone"],
        b["Organisations"][0]["Timezone"]
    );
}

#[tokio::test]
async fn where_statuses_ids_and_include_archived_filter_like_xero() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let truth = h.sim.truth().records(&tenant, Collection::Invoices);
    let count = |f: &dyn Fn(&Value) -> bool| truth.iter().filter(|r| f(r)).count();

    let body = h.get_json(&t.access, &tenant, "Invoices?pageSize=1000&where=Type%3D%3D%22ACCPAY%22%20AND%20Status%3D%3D%22AUTHORISED%22").await;
    assert_eq!(
        body["Invoices"].as_array().unwrap().len(),
        count(&|r| r["Type"] == "ACCPAY" && r["Status"] == "AUTHORISED")
    );
    assert!(body["Invoices"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["Type"] == "ACCPAY" && r["Status"] == "AUTHORISED"));

    let body = h
        .get_json(
            &t.access,
            &tenant,
            "Invoices?pageSize=1000&Statuses=VOIDED,DELETED",
        )
        .await;
    assert_eq!(
        body["Invoices"].as_array().unwrap().len(),
        count(&|r| r["Status"] == "VOIDED" || r["Status"] == "DELETED")
    );

    let wanted: Vec<String> = truth
        .iter()
        .step_by(17)
        .map(|r| r["InvoiceID"].as_str().unwrap().to_owned())
        .collect();
    let body = h
        .get_json(
            &t.access,
            &tenant,
            &format!("Invoices?IDs={}", wanted.join(",")),
        )
        .await;
    assert_eq!(
        ids(&body, Collection::Invoices)
            .into_iter()
            .collect::<BTreeSet<_>>(),
        wanted.into_iter().collect()
    );

    let contacts = h.sim.truth().records(&tenant, Collection::Contacts);
    let archived = contacts
        .iter()
        .filter(|c| c["ContactStatus"] == "ARCHIVED")
        .count();
    assert!(archived > 0);
    let body = h
        .get_json(&t.access, &tenant, "Contacts?pageSize=1000")
        .await;
    assert_eq!(
        body["Contacts"].as_array().unwrap().len(),
        contacts.len() - archived
    );
    let body = h
        .get_json(
            &t.access,
            &tenant,
            "Contacts?pageSize=1000&includeArchived=true",
        )
        .await;
    assert_eq!(body["Contacts"].as_array().unwrap().len(), contacts.len());

    let r = h
        .get(&t.access, &tenant, "Invoices?where=Status%20is%20nice")
        .await;
    assert_eq!(r.status(), 400);

    let body = h
        .get_json(
            &t.access,
            &tenant,
            "Invoices?pageSize=1000&order=InvoiceNumber%20DESC&where=Type%3D%3D%22ACCREC%22",
        )
        .await;
    let numbers: Vec<&str> = body["Invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["InvoiceNumber"].as_str().unwrap())
        .collect();
    let mut sorted = numbers.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(numbers, sorted);
}

#[tokio::test]
async fn journals_come_by_offset_at_most_one_hundred_oldest_first() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let total = h
        .sim
        .truth()
        .tenant(&tenant)
        .unwrap()
        .table(Collection::Journals)
        .len();
    assert!(total > 100, "small books still need two calls: {total}");
    let mut offset = 0;
    let mut seen = Vec::new();
    loop {
        let body = h
            .get_json(&t.access, &tenant, &format!("Journals?offset={offset}"))
            .await;
        let numbers: Vec<i64> = body["Journals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["JournalNumber"].as_i64().unwrap())
            .collect();
        assert!(numbers.len() <= 100);
        if numbers.is_empty() {
            break;
        }
        assert!(numbers.iter().all(|n| *n > offset));
        assert!(numbers.windows(2).all(|w| w[0] < w[1]));
        offset = *numbers.last().unwrap();
        seen.extend(numbers);
    }
    assert_eq!(seen, (1..=total as i64).collect::<Vec<_>>());
}

#[tokio::test]
async fn unit_amounts_are_rounded_unless_unitdp_is_four_and_money_is_exact() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let truth = h.sim.truth();
    let raw = |body: &Value| body.to_string();
    let four = h
        .get_json(&t.access, &tenant, "Invoices?pageSize=1000&unitdp=4")
        .await;
    let two = h
        .get_json(&t.access, &tenant, "Invoices?pageSize=1000")
        .await;
    let served4 = four["Invoices"].as_array().unwrap();
    let expected = truth.records(&tenant, Collection::Invoices);
    assert_eq!(served4, &expected, "unitdp=4 serves the records exactly");
    let mut rounded = 0;
    for (a, b) in two["Invoices"].as_array().unwrap().iter().zip(served4) {
        for (la, lb) in a["LineItems"]
            .as_array()
            .unwrap()
            .iter()
            .zip(b["LineItems"].as_array().unwrap())
        {
            let text = la["UnitAmount"].to_string();
            assert!(
                text.split('.').nth(1).is_none_or(|f| f.len() <= 2),
                "{text}"
            );
            if la["UnitAmount"] != lb["UnitAmount"] {
                rounded += 1;
            }
            assert_eq!(la["LineAmount"], lb["LineAmount"]);
        }
    }
    assert!(rounded > 0);
    // Totals keep two decimals in the wire text.
    let text = raw(&four);
    assert!(text.contains("\"Total\":"));
    for inv in served4 {
        let total = inv["Total"].to_string();
        assert_eq!(total.split('.').nth(1).map(str::len), Some(2), "{total}");
    }
}

#[tokio::test]
async fn one_record_by_id_or_number() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let inv = &h.sim.truth().records(&tenant, Collection::Invoices)[3];
    let id = inv["InvoiceID"].as_str().unwrap();
    let body = h
        .get_json(&t.access, &tenant, &format!("Invoices/{id}?unitdp=4"))
        .await;
    assert_eq!(&body["Invoices"][0], inv);
    let number = inv["InvoiceNumber"].as_str().unwrap();
    let body = h
        .get_json(&t.access, &tenant, &format!("Invoices/{number}?unitdp=4"))
        .await;
    assert_eq!(&body["Invoices"][0], inv);
    let r = h
        .get(
            &t.access,
            &tenant,
            "Invoices/00000000-0000-0000-0000-000000000000",
        )
        .await;
    assert_eq!(r.status(), 404);
}
