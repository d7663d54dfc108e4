//! The Audit log in words, over a real ledger file synced from the simulator
//! over loopback: an invoice paid at Xero reads as its number, its contact
//! and its old and new values, said by the sync; and each filter (record
//! type, contact, who made the change) narrows the log to exactly its rows.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

use std::collections::BTreeSet;
use std::time::Duration;

use ledgerkeep_api::*;
use ledgerkeep_domain::EntityKind;
use ledgerkeep_sim::Collection;
use ledgerkeep_xero::ApiRequest;
use rust_decimal::Decimal;
use serde_json::{json, Value};

mod common;
use common::*;

fn dec(v: &Value) -> Decimal {
    v.to_string().trim_matches('"').parse().unwrap()
}

/// At least 2 dp, every digit kept: how the words give money.
fn cents(mut d: Decimal) -> String {
    if d.scale() < 2 {
        d.rescale(2);
    }
    d.to_string()
}

/// Every page of `req`, 7 rows at a time.
async fn walk(ctx: &AppContext, mut req: AuditLogRequest) -> Vec<AuditLogRowView> {
    req.limit = Some(7);
    let mut all = Vec::new();
    loop {
        let page = audit_log(ctx, req.clone()).await.unwrap();
        all.extend(page.rows);
        match page.next_cursor {
            Some(c) => req.after = Some(c),
            None => return all,
        }
    }
}

fn seqs(rows: &[AuditLogRowView]) -> Vec<u32> {
    rows.iter().map(|r| r.entry.seq).collect()
}

#[tokio::test]
async fn a_paid_invoice_reads_in_words_and_each_filter_narrows_the_log() {
    let s = signed_in(31).await;
    sync_all(&s, false).await;
    let tenant = s.sim.tenants()[0].tenant_id.clone();
    let base = s.sim.tenants()[0].base_currency.clone();
    let truth = s.sim.truth();
    let open: Vec<Value> = truth
        .records(&tenant, Collection::Invoices)
        .into_iter()
        .filter(|i| {
            i["Status"] == "AUTHORISED"
                && i["Type"] == "ACCREC"
                && i["CurrencyCode"] == base.as_str()
                && dec(&i["AmountDue"]) > Decimal::from(10)
                && i["Contact"]["Name"].is_string()
        })
        .collect();
    assert!(open.len() >= 2, "two open sales invoices");
    let inv = &open[0];
    let invoice_id = inv["InvoiceID"].as_str().unwrap().to_owned();
    let contact_id = inv["Contact"]["ContactID"].as_str().unwrap().to_owned();
    let due = dec(&inv["AmountDue"]);
    let bank = payment_accounts(
        &s.ctx,
        PaymentAccountsRequest {
            tenant_id: tenant.clone(),
        },
    )
    .await
    .unwrap()
    .into_iter()
    .find(|a| a.account_type.as_deref() == Some("BANK"))
    .expect("a bank account");

    // The invoice is paid in full at Xero, by another app; the next sync brings it.
    let body = json!({"Payments": [{
        "Invoice": {"InvoiceID": invoice_id},
        "Account": {"AccountID": bank.account_id},
        "Date": "2026-07-01",
        "Amount": serde_json::from_str::<Value>(&due.to_string()).unwrap(),
        "Reference": "paid at Xero"
    }]});
    let r = s
        .xero
        .client()
        .put(
            &tenant,
            &ApiRequest::put("Payments", body, "audit-words-pay".to_owned()),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    s.time.advance(Duration::from_secs(60));
    sync_all(&s, false).await;
    // And the owner queues a payment on another invoice: a change of theirs.
    record_payment(
        &s.ctx,
        None,
        RecordPaymentRequest {
            tenant_id: tenant.clone(),
            invoice_id: open[1]["InvoiceID"].as_str().unwrap().to_owned(),
            account_id: bank.account_id.clone(),
            amount: "5.00".to_owned(),
            date: "2026-07-01".to_owned(),
            reference: "by the owner".to_owned(),
        },
    )
    .await
    .unwrap();

    // The invoice's change, in words.
    let history = walk(
        &s.ctx,
        AuditLogRequest {
            tenant_id: Some(tenant.clone()),
            record_id: Some(invoice_id.clone()),
            ..Default::default()
        },
    )
    .await;
    let paid = history
        .iter()
        .find(|r| r.entry.action == "update")
        .expect("the invoice was changed by the sync");
    let w = &paid.words;
    assert_eq!(
        w.title,
        format!(
            "Invoice {} to {}",
            inv["InvoiceNumber"].as_str().unwrap(),
            inv["Contact"]["Name"].as_str().unwrap()
        )
    );
    assert_eq!((w.action.as_str(), w.by.as_str()), ("changed", "sync"));
    assert_eq!(paid.entity, Some(EntityKind::Invoice));
    assert_eq!(w.contact_id.as_deref(), Some(contact_id.as_str()));
    let change = |field: &str| {
        w.changes
            .iter()
            .find(|c| c.field == field)
            .unwrap_or_else(|| panic!("{field} in {:?}", w.changes))
    };
    let status = change("Status");
    assert_eq!(status.label, "Status");
    assert_eq!(
        (&status.old, &status.new),
        (
            &AuditValueView::Text {
                text: "Authorised".into()
            },
            &AuditValueView::Text {
                text: "Paid".into()
            }
        )
    );
    let amount_due = change("AmountDue");
    assert_eq!(amount_due.label, "Amount due");
    assert_eq!(
        (&amount_due.old, &amount_due.new),
        (
            &AuditValueView::Money { amount: cents(due) },
            &AuditValueView::Money {
                amount: "0.00".into()
            }
        )
    );
    assert_eq!(w.changes[0].field, "Status", "the status first");
    assert!(
        w.changes.iter().all(|c| c.field != "UpdatedDateUTC"),
        "Xero's stamp is left to the details"
    );
    // The stored fields stay beside the words, for the details.
    assert!(paid
        .entry
        .changes
        .iter()
        .any(|c| c.field == "UpdatedDateUTC"));
    // The first sync added it: told by its status and total.
    let added = history.iter().find(|r| r.entry.action == "insert").unwrap();
    assert_eq!(added.words.action, "added");
    assert_eq!(added.words.title, w.title);

    let everything = walk(
        &s.ctx,
        AuditLogRequest {
            tenant_id: Some(tenant.clone()),
            ..Default::default()
        },
    )
    .await;

    // By record type: the invoices' rows, every one of them.
    let invoices = walk(
        &s.ctx,
        AuditLogRequest {
            tenant_id: Some(tenant.clone()),
            table: Some("invoices".into()),
            ..Default::default()
        },
    )
    .await;
    let want: Vec<u32> = everything
        .iter()
        .filter(|r| r.table == "invoices")
        .map(|r| r.entry.seq)
        .collect();
    assert_eq!(seqs(&invoices), want);
    assert!(invoices.len() < everything.len());
    assert!(seqs(&invoices).contains(&paid.entry.seq));

    // By contact: the contact, its documents and its invoices' payments, as
    // the words name their contact; the paid invoice and its payment among them.
    let of_contact = walk(
        &s.ctx,
        AuditLogRequest {
            tenant_id: Some(tenant.clone()),
            contact_id: Some(contact_id.clone()),
            ..Default::default()
        },
    )
    .await;
    let want: Vec<u32> = everything
        .iter()
        .filter(|r| r.words.contact_id.as_deref() == Some(contact_id.as_str()))
        .map(|r| r.entry.seq)
        .collect();
    assert_eq!(seqs(&of_contact), want);
    let tables: BTreeSet<&str> = of_contact.iter().map(|r| r.table.as_str()).collect();
    assert!(
        tables.contains("contacts") && tables.contains("invoices") && tables.contains("payments"),
        "{tables:?}"
    );
    assert!(seqs(&of_contact).contains(&paid.entry.seq));
    assert!(of_contact.len() < everything.len());
    // The contact is the organisation's being looked at when the log is not limited to one.
    let across = walk(
        &s.ctx,
        AuditLogRequest {
            days_of: Some(tenant.clone()),
            contact_id: Some(contact_id.clone()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(seqs(&across), seqs(&of_contact));
    let e = audit_log(
        &s.ctx,
        AuditLogRequest {
            contact_id: Some(contact_id.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.field_errors()[0].field, "contactId");

    // By who made it: the owner's one change, and the sync's every other.
    let yours = walk(
        &s.ctx,
        AuditLogRequest {
            tenant_id: Some(tenant.clone()),
            actor: Some("user".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(!yours.is_empty());
    assert!(yours
        .iter()
        .all(|r| r.words.by == "you" && r.entry.actor.starts_with("user:") && r.table == "outbox"));
    let syncs = walk(
        &s.ctx,
        AuditLogRequest {
            tenant_id: Some(tenant.clone()),
            actor: Some("sync".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(syncs.iter().all(|r| r.words.by.starts_with("sync")));
    assert_eq!(syncs.len() + yours.len(), everything.len());

    // Filters together: each must hold.
    let both = walk(
        &s.ctx,
        AuditLogRequest {
            tenant_id: Some(tenant.clone()),
            contact_id: Some(contact_id.clone()),
            table: Some("invoices".into()),
            actor: Some("sync".into()),
            ..Default::default()
        },
    )
    .await;
    let want: Vec<u32> = of_contact
        .iter()
        .filter(|r| r.table == "invoices")
        .map(|r| r.entry.seq)
        .collect();
    assert_eq!(seqs(&both), want);
    assert!(!want.is_empty());
}
