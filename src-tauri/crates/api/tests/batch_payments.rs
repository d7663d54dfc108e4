//! Batch payments end to end, over loopback to the simulator: the app's own
//! sync brings them, the explorer lists them with the filters that fit (date
//! range, bank account, status, type, amount, search), and a batch's page
//! shows its payments as lines and links to each, while each payment's page
//! links back to its batch. What should be seen is read from the simulator's
//! truth, not from the ledger.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use std::collections::BTreeSet;

use ledgerkeep_api::ops::records::{FieldValueView, RecordDetailView};
use ledgerkeep_api::*;
use ledgerkeep_domain::{EntityKind, Money};
use ledgerkeep_sim::Collection;
use rust_decimal::Decimal;
use serde_json::Value;

fn dec(v: &Value) -> Decimal {
    v.to_string().trim_matches('"').parse().unwrap()
}

fn filter(tenant: &str) -> DocumentFilterDto {
    DocumentFilterDto {
        kind: Some(DocumentKindDto::BatchPayments),
        tenant_id: tenant.to_owned(),
        ..DocumentFilterDto::default()
    }
}

/// The ids of every row of a listing, page by page (5 a page).
async fn listed(ctx: &AppContext, filter: DocumentFilterDto) -> Vec<DocumentRowView> {
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
                limit: Some(5),
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

fn ids(rows: &[DocumentRowView]) -> BTreeSet<String> {
    rows.iter().map(|r| r.xero_id.clone()).collect()
}

fn want(batches: &[Value], keep: impl Fn(&Value) -> bool) -> BTreeSet<String> {
    batches
        .iter()
        .filter(|b| keep(b))
        .map(|b| b["BatchPaymentID"].as_str().unwrap().to_owned())
        .collect()
}

async fn detail(ctx: &AppContext, tenant: &str, entity: EntityKind, id: &str) -> RecordDetailView {
    record_detail(
        ctx,
        RecordDetailRequest {
            tenant_id: tenant.to_owned(),
            entity,
            xero_id: id.to_owned(),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{entity:?} {id}: {e:?}"))
}

#[tokio::test]
async fn synced_batches_are_listed_filtered_and_open_with_their_payments_linked_both_ways() {
    let signed = common::signed_in(42).await;
    let truth = common::sync_all(&signed, false).await;
    let ctx = &signed.ctx;

    // The explorer offers the kind, with its statuses and types.
    let kinds = document_kinds().await.unwrap();
    let info = kinds
        .iter()
        .find(|k| k.kind == DocumentKindDto::BatchPayments)
        .unwrap();
    assert_eq!(info.entity, EntityKind::BatchPayment);
    assert!(!info.has_contact);
    assert_eq!(info.doc_types, ["PAYBATCH", "RECBATCH"]);

    let mut opened = 0;
    let mut payments_linked = 0;
    for t in signed.sim.tenants() {
        let tenant = t.tenant_id.as_str();
        let batches = truth.records(tenant, Collection::BatchPayments);
        let rows = listed(ctx, filter(tenant)).await;
        assert_eq!(ids(&rows), want(&batches, |_| true), "every batch, once");
        assert_eq!(rows.len(), batches.len());
        if batches.is_empty() {
            continue;
        }
        for r in &rows {
            let b = batches
                .iter()
                .find(|b| b["BatchPaymentID"] == r.xero_id.as_str())
                .unwrap();
            assert_eq!(
                r.total.map(|m| m.as_decimal()),
                Some(dec(&b["TotalAmount"]))
            );
            assert_eq!(r.account.as_deref(), b["Account"]["AccountID"].as_str());
            assert!(r.account_name.is_some(), "the bank account's name");
            assert_eq!(r.doc_type.as_deref(), b["Type"].as_str());
            assert_eq!(r.reference.as_deref(), b["Reference"].as_str());
        }
        assert!(
            rows.windows(2).all(|w| w[0].date >= w[1].date),
            "newest first"
        );

        // Filters: bank account, type, status, date range, amount, search.
        let first = &batches[0];
        let account = first["Account"]["AccountID"].as_str().unwrap();
        let got = listed(
            ctx,
            DocumentFilterDto {
                account: Some(account.to_owned()),
                ..filter(tenant)
            },
        )
        .await;
        assert_eq!(
            ids(&got),
            want(&batches, |b| b["Account"]["AccountID"] == account)
        );
        let got = listed(
            ctx,
            DocumentFilterDto {
                doc_type: Some("RECBATCH".into()),
                ..filter(tenant)
            },
        )
        .await;
        assert_eq!(ids(&got), want(&batches, |b| b["Type"] == "RECBATCH"));
        let got = listed(
            ctx,
            DocumentFilterDto {
                status: Some("DELETED".into()),
                ..filter(tenant)
            },
        )
        .await;
        let deleted = want(&batches, |b| b["Status"] == "DELETED");
        assert!(!deleted.is_empty(), "the books hold a deleted batch");
        assert_eq!(ids(&got), deleted);
        let day = rows[rows.len() / 2].date.clone().unwrap();
        let got = listed(
            ctx,
            DocumentFilterDto {
                date_from: Some(day.clone()),
                ..filter(tenant)
            },
        )
        .await;
        assert_eq!(
            ids(&got),
            ids(&rows
                .iter()
                .filter(|r| r.date.as_deref() >= Some(day.as_str()))
                .cloned()
                .collect::<Vec<_>>())
        );
        assert!(!got.is_empty() && got.len() <= rows.len());
        let floor = dec(&first["TotalAmount"]);
        let got = listed(
            ctx,
            DocumentFilterDto {
                amount_min: Some(Money::new(floor)),
                ..filter(tenant)
            },
        )
        .await;
        assert_eq!(
            ids(&got),
            want(&batches, |b| dec(&b["TotalAmount"]) >= floor)
        );
        // Its reference, and the number of a bill it pays: each word typed
        // is found whole in the batch's own words or in one of its invoices'
        // numbers and contacts, the last as a prefix (it is being typed).
        let invoices = truth.records(tenant, Collection::Invoices);
        let tokens = |text: &str| -> Vec<String> {
            text.split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect()
        };
        // Each source of words: the batch's own, then each invoice's.
        let sources_of = |b: &Value| -> Vec<Vec<String>> {
            let own = ["Reference", "Particulars", "Code", "Details", "Narrative"]
                .iter()
                .filter_map(|k| b[*k].as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let mut out = vec![tokens(&own)];
            for m in b["Payments"].as_array().unwrap() {
                if let Some(inv) = invoices
                    .iter()
                    .find(|i| i["InvoiceID"] == m["Invoice"]["InvoiceID"])
                {
                    out.push(tokens(&format!(
                        "{} {}",
                        inv["InvoiceNumber"].as_str().unwrap_or(""),
                        inv["Contact"]["Name"].as_str().unwrap_or("")
                    )));
                }
            }
            out
        };
        let reference = first["Reference"].as_str().unwrap();
        let paid = first["Payments"][0]["Invoice"]["InvoiceNumber"]
            .as_str()
            .unwrap();
        for words in [reference, paid] {
            let got = listed(
                ctx,
                DocumentFilterDto {
                    text: Some(words.to_owned()),
                    ..filter(tenant)
                },
            )
            .await;
            let chunks: Vec<&str> = words.split_whitespace().collect();
            let expected = want(&batches, |b| {
                let sources = sources_of(b);
                chunks.iter().enumerate().all(|(c, chunk)| {
                    let terms = tokens(chunk);
                    sources.iter().any(|src| {
                        terms.iter().enumerate().all(|(i, t)| {
                            let typing =
                                c + 1 == chunks.len() && i + 1 == terms.len() && t.len() >= 3;
                            src.iter().any(|w| {
                                if typing {
                                    w.starts_with(t.as_str())
                                } else {
                                    w == t
                                }
                            })
                        })
                    })
                })
            });
            assert!(expected.contains(first["BatchPaymentID"].as_str().unwrap()));
            assert_eq!(ids(&got), expected, "{words}");
        }
        // Totals agree with the rows.
        let totals = document_totals(ctx, filter(tenant)).await.unwrap();
        let sum: Decimal = totals.iter().map(|t| t.total.as_decimal()).sum();
        let count: u32 = totals.iter().map(|t| t.count).sum();
        assert_eq!(count as usize, batches.len());
        assert_eq!(
            sum,
            batches
                .iter()
                .map(|b| dec(&b["TotalAmount"]))
                .sum::<Decimal>()
        );

        // Each batch's page: its header, its payments as lines, links both ways.
        for b in batches.iter().take(4) {
            let id = b["BatchPaymentID"].as_str().unwrap();
            let page = detail(ctx, tenant, EntityKind::BatchPayment, id).await;
            opened += 1;
            assert!(page.title.starts_with("Batch payment"), "{}", page.title);
            let total = page
                .header
                .iter()
                .find(|f| f.label == "Total")
                .map(|f| match &f.value {
                    FieldValueView::Money { amount, .. } => amount.as_decimal(),
                    other => panic!("{other:?}"),
                });
            assert_eq!(total, Some(dec(&b["TotalAmount"])));
            let members = b["Payments"].as_array().unwrap();
            assert_eq!(page.lines.len(), members.len());
            for (line, m) in page.lines.iter().zip(members) {
                assert_eq!(
                    line.line_amount.map(|a| a.as_decimal()),
                    Some(dec(&m["Amount"]))
                );
                assert_eq!(line.account_code.as_deref(), b["Account"]["Code"].as_str());
                let number = m["Invoice"]["InvoiceNumber"].as_str().unwrap();
                assert!(
                    line.description.as_deref().unwrap().contains(number),
                    "{:?} names {number}",
                    line.description
                );
                let pid = m["PaymentID"].as_str().unwrap();
                let link = page
                    .links
                    .iter()
                    .find(|l| l.entity == EntityKind::Payment && l.xero_id == pid)
                    .unwrap_or_else(|| panic!("{} links {pid}", page.title));
                assert!(link.held);
                assert_eq!(link.amount.map(|a| a.as_decimal()), Some(dec(&m["Amount"])));
                // And back: the payment's page names its batch.
                let back = detail(ctx, tenant, EntityKind::Payment, pid).await;
                let to_batch: Vec<_> = back
                    .links
                    .iter()
                    .filter(|l| l.entity == EntityKind::BatchPayment)
                    .collect();
                assert_eq!(to_batch.len(), 1, "{}", back.title);
                assert_eq!(to_batch[0].xero_id, id);
                assert!(to_batch[0].held);
                assert_eq!(
                    to_batch[0].amount.map(|a| a.as_decimal()),
                    Some(dec(&b["TotalAmount"]))
                );
                payments_linked += 1;
            }
        }
        // A payment in no batch links to none.
        let alone = truth
            .records(tenant, Collection::Payments)
            .into_iter()
            .find(|p| p.get("BatchPaymentID").is_none())
            .unwrap();
        let page = detail(
            ctx,
            tenant,
            EntityKind::Payment,
            alone["PaymentID"].as_str().unwrap(),
        )
        .await;
        assert!(page
            .links
            .iter()
            .all(|l| l.entity != EntityKind::BatchPayment));
    }
    assert!(opened >= 2, "{opened} batches opened");
    assert!(payments_linked >= 4, "{payments_linked} payments linked");
}
