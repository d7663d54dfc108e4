//! Everything visible: the explorer lists every kind of document the sync
//! brings, with the filters that fit it, one search finds documents of every
//! kind, and items and tax rates have their own lists; on the simulator's
//! books synced over loopback by the app's own sync engine.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use std::collections::{BTreeMap, BTreeSet};

use ledgerkeep_api::*;
use ledgerkeep_domain::EntityKind;
use ledgerkeep_sim::{Collection, Truth};
use rust_decimal::Decimal;
use serde_json::Value;

/// The simulator's small books of `seed`, synced whole.
async fn synced(seed: u64) -> (common::SignedIn, Truth) {
    let signed = common::signed_in(seed).await;
    let truth = common::sync_all(&signed, false).await;
    (signed, truth)
}

/// Each kind's collection in the simulator, its id's key and its type's key.
fn collection_of(kind: DocumentKindDto) -> (Collection, &'static str, Option<&'static str>) {
    match kind {
        DocumentKindDto::BankTransactions => (
            Collection::BankTransactions,
            "BankTransactionID",
            Some("Type"),
        ),
        DocumentKindDto::Invoices => (Collection::Invoices, "InvoiceID", Some("Type")),
        DocumentKindDto::CreditNotes => (Collection::CreditNotes, "CreditNoteID", Some("Type")),
        DocumentKindDto::Payments => (Collection::Payments, "PaymentID", Some("PaymentType")),
        DocumentKindDto::Overpayments => (Collection::Overpayments, "OverpaymentID", Some("Type")),
        DocumentKindDto::Prepayments => (Collection::Prepayments, "PrepaymentID", Some("Type")),
        DocumentKindDto::BankTransfers => (Collection::BankTransfers, "BankTransferID", None),
        DocumentKindDto::ManualJournals => (Collection::ManualJournals, "ManualJournalID", None),
        DocumentKindDto::PurchaseOrders => (Collection::PurchaseOrders, "PurchaseOrderID", None),
        DocumentKindDto::Quotes => (Collection::Quotes, "QuoteID", None),
        DocumentKindDto::RepeatingInvoices => (
            Collection::RepeatingInvoices,
            "RepeatingInvoiceID",
            Some("Type"),
        ),
        DocumentKindDto::BatchPayments => {
            (Collection::BatchPayments, "BatchPaymentID", Some("Type"))
        }
    }
}

fn filter(tenant: &str, kind: DocumentKindDto) -> DocumentFilterDto {
    DocumentFilterDto {
        kind: Some(kind),
        tenant_id: tenant.to_owned(),
        ..DocumentFilterDto::default()
    }
}

/// Every row of a listing, page by page.
async fn every_row(ctx: &AppContext, filter: DocumentFilterDto) -> Vec<DocumentRowView> {
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = list_documents(
            ctx,
            ListDocumentsRequest {
                filter: filter.clone(),
                sort: SortFieldDto::Date,
                descending: true,
                after: after.take(),
                limit: Some(7),
            },
        )
        .await
        .unwrap();
        rows.extend(page.rows);
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => return rows,
        }
    }
}

#[tokio::test]
async fn every_kind_lists_every_document_the_simulator_holds() {
    let (signed, truth) = synced(41).await;
    let ctx = &signed.ctx;
    let kinds = document_kinds().await.unwrap();
    assert_eq!(
        kinds.iter().map(|k| k.kind).collect::<Vec<_>>(),
        DocumentKindDto::ALL.to_vec()
    );
    let tenant = signed.sim.tenants()[0].tenant_id.clone();
    let mut listed_something = 0;
    for info in &kinds {
        let (collection, id_key, type_key) = collection_of(info.kind);
        let records = truth.records(&tenant, collection);
        let expected: BTreeSet<String> = records
            .iter()
            .map(|r| r[id_key].as_str().unwrap().to_owned())
            .collect();
        let rows = every_row(ctx, filter(&tenant, info.kind)).await;
        let listed: BTreeSet<String> = rows.iter().map(|r| r.xero_id.clone()).collect();
        assert_eq!(listed.len(), rows.len(), "{:?}: a row twice", info.kind);
        assert_eq!(listed, expected, "{:?}", info.kind);
        if !rows.is_empty() {
            listed_something += 1;
        }
        // Newest first across the pages.
        assert!(
            rows.windows(2)
                .all(|w| w[0].date >= w[1].date || w[1].date.is_none()),
            "{:?}: out of order",
            info.kind
        );
        // The filters' choices name every status and type the books use.
        for r in &records {
            if let Some(s) = r["Status"].as_str() {
                assert!(
                    info.statuses.iter().any(|x| x == s),
                    "{:?}: status {s}",
                    info.kind
                );
            }
            if let Some(t) = type_key.and_then(|k| r[k].as_str()) {
                assert!(
                    info.doc_types.iter().any(|x| x == t),
                    "{:?}: type {t}",
                    info.kind
                );
            }
        }
        // Filtered by one status: exactly the simulator's documents in it.
        if let Some(status) = records.iter().find_map(|r| r["Status"].as_str()) {
            let want: BTreeSet<String> = records
                .iter()
                .filter(|r| r["Status"].as_str() == Some(status))
                .map(|r| r[id_key].as_str().unwrap().to_owned())
                .collect();
            let f = DocumentFilterDto {
                status: Some(status.to_owned()),
                ..filter(&tenant, info.kind)
            };
            let got: BTreeSet<String> = every_row(ctx, f.clone())
                .await
                .into_iter()
                .map(|r| r.xero_id)
                .collect();
            assert_eq!(got, want, "{:?} {status}", info.kind);
            // Its totals count the same documents.
            let counted: u32 = document_totals(ctx, f)
                .await
                .unwrap()
                .iter()
                .map(|t| t.count)
                .sum();
            assert_eq!(
                counted as usize,
                want.len(),
                "{:?} {status}: count",
                info.kind
            );
        }
        // By contact, where a kind has one.
        if info.has_contact {
            let contact = rows.iter().find_map(|r| r.contact_id.clone());
            if let Some(contact) = contact {
                let f = DocumentFilterDto {
                    contact: Some(contact.clone()),
                    ..filter(&tenant, info.kind)
                };
                let got = every_row(ctx, f).await;
                let want = rows
                    .iter()
                    .filter(|r| r.contact_id.as_deref() == Some(contact.as_str()))
                    .count();
                assert!(want > 0);
                assert_eq!(got.len(), want, "{:?}: by contact", info.kind);
            }
        } else {
            let f = DocumentFilterDto {
                contact: Some("c".into()),
                ..filter(&tenant, info.kind)
            };
            let e = list_documents(
                ctx,
                ListDocumentsRequest {
                    filter: f,
                    ..ListDocumentsRequest::default()
                },
            )
            .await
            .unwrap_err();
            assert_eq!(e.code, ErrorCode::Invalid, "{:?}", info.kind);
        }
    }
    assert!(
        listed_something >= 8,
        "the books hold too few kinds: {listed_something}"
    );
}

/// The sum of a manual journal's debit lines, from the simulator's record.
fn debits(journal: &Value) -> Decimal {
    journal["JournalLines"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| {
            l["LineAmount"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| l["LineAmount"].as_number().map(|n| n.to_string()))
        })
        .map(|t| t.parse::<Decimal>().unwrap())
        .filter(|d| *d > Decimal::ZERO)
        .sum()
}

#[tokio::test]
async fn totals_and_columns_follow_each_kinds_documents() {
    let (signed, truth) = synced(42).await;
    let ctx = &signed.ctx;
    let tenant = signed.sim.tenants()[0].tenant_id.clone();

    // A manual journal's total is the sum of its debits.
    let journals = truth.records(&tenant, Collection::ManualJournals);
    let rows = every_row(ctx, filter(&tenant, DocumentKindDto::ManualJournals)).await;
    assert!(!rows.is_empty());
    for r in &rows {
        let j = journals
            .iter()
            .find(|j| j["ManualJournalID"].as_str() == Some(r.xero_id.as_str()))
            .unwrap();
        assert_eq!(r.total.unwrap().as_decimal(), debits(j), "{}", r.xero_id);
        assert_eq!(r.reference.as_deref(), j["Narration"].as_str());
    }

    // A transfer shows both of its bank accounts, and either one finds it.
    let transfers = every_row(ctx, filter(&tenant, DocumentKindDto::BankTransfers)).await;
    assert!(!transfers.is_empty());
    let t = &transfers[0];
    let to = t.to_account.clone().expect("the account it went to");
    assert!(t.account.is_some() && t.account != t.to_account);
    assert!(t.account_name.is_some() && t.to_account_name.is_some());
    let by_to = every_row(
        ctx,
        DocumentFilterDto {
            account: Some(to.clone()),
            ..filter(&tenant, DocumentKindDto::BankTransfers)
        },
    )
    .await;
    assert!(by_to.iter().any(|r| r.xero_id == t.xero_id));
    assert!(by_to
        .iter()
        .all(|r| r.account.as_deref() == Some(to.as_str())
            || r.to_account.as_deref() == Some(to.as_str())));

    // Totals per currency equal the sum of the listed amounts, for every kind.
    for kind in DocumentKindDto::ALL {
        let rows = every_row(ctx, filter(&tenant, kind)).await;
        let mut expected: BTreeMap<Option<String>, (u32, Decimal)> = BTreeMap::new();
        for r in &rows {
            let e = expected.entry(r.currency_code.clone()).or_default();
            e.0 += 1;
            e.1 += r.total.map(|t| t.as_decimal()).unwrap_or_default();
        }
        let got: BTreeMap<Option<String>, (u32, Decimal)> =
            document_totals(ctx, filter(&tenant, kind))
                .await
                .unwrap()
                .into_iter()
                .map(|t| (t.currency_code, (t.count, t.total.as_decimal())))
                .collect();
        assert_eq!(got, expected, "{kind:?}");
    }

    // A payment's contact is the one of the invoice it pays.
    let payments = every_row(ctx, filter(&tenant, DocumentKindDto::Payments)).await;
    let invoices = every_row(ctx, filter(&tenant, DocumentKindDto::Invoices)).await;
    let truth_payments = truth.records(&tenant, Collection::Payments);
    let mut checked = 0;
    for p in &payments {
        let tp = truth_payments
            .iter()
            .find(|x| x["PaymentID"].as_str() == Some(p.xero_id.as_str()))
            .unwrap();
        if let Some(inv_id) = tp["Invoice"]["InvoiceID"].as_str() {
            let inv = invoices.iter().find(|i| i.xero_id == inv_id).unwrap();
            assert_eq!(p.contact_name, inv.contact_name);
            assert_eq!(p.number, inv.number);
            checked += 1;
        }
    }
    assert!(checked > 0);
}

#[tokio::test]
async fn one_search_finds_documents_of_every_kind() {
    let (signed, truth) = synced(43).await;
    let ctx = &signed.ctx;
    let tenant = signed.sim.tenants()[0].tenant_id.clone();
    // A credit note's number, and a purchase order's.
    for (collection, id_key, number_key, entity, kind) in [
        (
            Collection::CreditNotes,
            "CreditNoteID",
            "CreditNoteNumber",
            EntityKind::CreditNote,
            DocumentKindDto::CreditNotes,
        ),
        (
            Collection::PurchaseOrders,
            "PurchaseOrderID",
            "PurchaseOrderNumber",
            EntityKind::PurchaseOrder,
            DocumentKindDto::PurchaseOrders,
        ),
        (
            Collection::Quotes,
            "QuoteID",
            "QuoteNumber",
            EntityKind::Quote,
            DocumentKindDto::Quotes,
        ),
    ] {
        let records = truth.records(&tenant, collection);
        let Some(r) = records.iter().find(|r| r[number_key].as_str().is_some()) else {
            continue;
        };
        let number = r[number_key].as_str().unwrap();
        let hits = search_documents(
            ctx,
            SearchDocumentsRequest {
                tenant_id: tenant.clone(),
                text: format!("{number} "),
                limit: Some(200),
            },
        )
        .await
        .unwrap();
        let hit = hits
            .iter()
            .find(|h| h.row.xero_id == r[id_key].as_str().unwrap())
            .unwrap_or_else(|| panic!("{number} not found: {hits:?}"));
        assert_eq!(hit.entity, entity);
        assert_eq!(hit.kind, kind);
    }
    // A word the books use in many kinds: hits of several kinds, newest first.
    let contact = truth.records(&tenant, Collection::Contacts)[0]["Name"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let hits = search_documents(
        ctx,
        SearchDocumentsRequest {
            tenant_id: tenant.clone(),
            text: format!("{contact} "),
            limit: Some(40),
        },
    )
    .await
    .unwrap();
    assert!(!hits.is_empty() && hits.len() <= 40);
    assert!(hits.windows(2).all(|w| w[0].row.date >= w[1].row.date));
    // Nothing typed is refused rather than listing everything.
    let e = search_documents(
        ctx,
        SearchDocumentsRequest {
            tenant_id: tenant.clone(),
            text: "  ".into(),
            limit: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Invalid);
}

#[tokio::test]
async fn items_and_tax_rates_have_their_own_lists() {
    let (signed, truth) = synced(44).await;
    let ctx = &signed.ctx;
    let tenant = signed.sim.tenants()[0].tenant_id.clone();
    let items = list_items(
        ctx,
        ListItemsRequest {
            tenant_id: tenant.clone(),
            text: None,
        },
    )
    .await
    .unwrap();
    let want: BTreeSet<String> = truth
        .records(&tenant, Collection::Items)
        .iter()
        .map(|i| i["ItemID"].as_str().unwrap().to_owned())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(
        items
            .items
            .iter()
            .map(|i| i.xero_id.clone())
            .collect::<BTreeSet<_>>(),
        want
    );
    // Searched by one item's code.
    let first = &items.items[0];
    let code = first.code.clone().unwrap();
    let found = list_items(
        ctx,
        ListItemsRequest {
            tenant_id: tenant.clone(),
            text: Some(code.to_lowercase()),
        },
    )
    .await
    .unwrap();
    assert!(found.items.iter().any(|i| i.xero_id == first.xero_id));
    assert!(found.items.len() <= items.items.len());

    let rates = list_tax_rates(
        ctx,
        ListTaxRatesRequest {
            tenant_id: tenant.clone(),
        },
    )
    .await
    .unwrap();
    let want: BTreeSet<String> = truth
        .records(&tenant, Collection::TaxRates)
        .iter()
        .map(|t| t["TaxType"].as_str().unwrap().to_owned())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(
        rates
            .iter()
            .map(|r| r.tax_type.clone())
            .collect::<BTreeSet<_>>(),
        want
    );
}
