//! A record's own page (`record_detail`), on a ledger filled by a real sync
//! of the simulator's books: every document type opens with its lines as
//! Xero sent them (unit amounts to 4 places, exactly), the names of their
//! accounts, tax rates and tracking, the documents linked to it in both
//! directions, its attachments and its audit history; an unknown record is a
//! clear refusal. What the page should show is read from the simulator's own
//! records (its truth), not from the ledger.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use std::collections::BTreeMap;

use ledgerkeep_api::ops::records::{FieldValueView, RecordDetailView, RECORD_ENTITIES};
use ledgerkeep_api::*;
use ledgerkeep_domain::EntityKind;
use ledgerkeep_sim::{Collection, Truth};
use serde_json::Value;

/// The simulator's small books of `seed`, synced whole (every stream, the
/// attachments pass included) by the app's own sync engine.
async fn synced(seed: u64) -> (common::SignedIn, Truth) {
    let signed = common::signed_in(seed).await;
    let truth = common::sync_all(&signed, true).await;
    (signed, truth)
}

/// Each document type: its collection in the simulator and its id's key.
fn collection_of(kind: EntityKind) -> (Collection, &'static str) {
    match kind {
        EntityKind::Invoice => (Collection::Invoices, "InvoiceID"),
        EntityKind::CreditNote => (Collection::CreditNotes, "CreditNoteID"),
        EntityKind::Payment => (Collection::Payments, "PaymentID"),
        EntityKind::Overpayment => (Collection::Overpayments, "OverpaymentID"),
        EntityKind::Prepayment => (Collection::Prepayments, "PrepaymentID"),
        EntityKind::BankTransaction => (Collection::BankTransactions, "BankTransactionID"),
        EntityKind::BankTransfer => (Collection::BankTransfers, "BankTransferID"),
        EntityKind::ManualJournal => (Collection::ManualJournals, "ManualJournalID"),
        EntityKind::PurchaseOrder => (Collection::PurchaseOrders, "PurchaseOrderID"),
        EntityKind::Quote => (Collection::Quotes, "QuoteID"),
        EntityKind::RepeatingInvoice => (Collection::RepeatingInvoices, "RepeatingInvoiceID"),
        EntityKind::BatchPayment => (Collection::BatchPayments, "BatchPaymentID"),
        other => panic!("{other:?} has no page"),
    }
}

/// A JSON value's own digits (a number or a string), as Xero sent them.
fn digits(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

async fn detail(
    ctx: &AppContext,
    tenant: &str,
    entity: EntityKind,
    id: &str,
) -> Result<RecordDetailView, ApiError> {
    record_detail(
        ctx,
        RecordDetailRequest {
            tenant_id: tenant.to_owned(),
            entity,
            xero_id: id.to_owned(),
        },
    )
    .await
}

/// The truth's chart (code → name) and tax rates (TaxType → name) of a tenant.
fn names(truth: &Truth, tenant: &str) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let of = |c: Collection, key: &str| {
        truth
            .records(tenant, c)
            .iter()
            .filter_map(|r| Some((text(&r[key])?, text(&r["Name"])?)))
            .collect::<BTreeMap<_, _>>()
    };
    (
        of(Collection::Accounts, "Code"),
        of(Collection::TaxRates, "TaxType"),
    )
}

/// The page's lines are the record's lines in the truth, field by field: unit
/// amounts with Xero's own digits (4 places), account and tax names from the
/// chart, tracking as category and option.
fn assert_lines_match(
    page: &RecordDetailView,
    record: &Value,
    accounts: &BTreeMap<String, String>,
    taxes: &BTreeMap<String, String>,
) {
    let key = if page.entity == EntityKind::ManualJournal {
        "JournalLines"
    } else {
        "LineItems"
    };
    let want = record[key].as_array().unwrap();
    assert_eq!(page.lines.len(), want.len(), "{}: lines", page.title);
    for (got, want) in page.lines.iter().zip(want) {
        assert_eq!(
            got.description,
            text(&want["Description"]),
            "{}",
            page.title
        );
        assert_eq!(
            got.unit_amount.map(|m| m.to_string()),
            digits(&want["UnitAmount"]),
            "{}: a unit amount as Xero sent it",
            page.title
        );
        assert_eq!(
            got.line_amount.map(|m| m.as_decimal()),
            digits(&want["LineAmount"]).map(|d| d.parse().unwrap()),
            "{}",
            page.title
        );
        assert_eq!(
            got.account_code,
            text(&want["AccountCode"]),
            "{}",
            page.title
        );
        if let Some(code) = &got.account_code {
            assert_eq!(got.account_name.as_ref(), accounts.get(code), "{code}");
        }
        assert_eq!(got.tax_type, text(&want["TaxType"]), "{}", page.title);
        if let Some(t) = &got.tax_type {
            assert_eq!(got.tax_name.as_ref(), taxes.get(t), "{t}");
        }
        let tracking: Vec<(String, String)> = want["Tracking"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|t| (text(&t["Name"]).unwrap(), text(&t["Option"]).unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        let shown: Vec<(String, String)> = got
            .tracking
            .iter()
            .map(|t| (t.category.clone(), t.option.clone()))
            .collect();
        assert_eq!(shown, tracking, "{}: tracking", page.title);
    }
}

fn has_link(page: &RecordDetailView, entity: EntityKind, id: &str) -> bool {
    page.links
        .iter()
        .any(|l| l.entity == entity && l.xero_id == id)
}

fn money_field(page: &RecordDetailView, label: &str) -> Option<String> {
    page.header
        .iter()
        .find(|f| f.label == label)
        .and_then(|f| match &f.value {
            FieldValueView::Money { amount, .. } => Some(amount.to_string()),
            _ => None,
        })
}

#[tokio::test]
async fn every_document_type_opens_with_its_lines_links_files_and_history() {
    let (signed, truth) = synced(7).await;
    let ctx = &signed.ctx;
    let mut four_places = 0;
    let mut files_checked = 0;
    let mut slowest = std::time::Duration::ZERO;
    // Links checked from both ends, by what they link.
    let mut both_ways: BTreeMap<&str, usize> = BTreeMap::new();
    let mut opened = BTreeMap::new();
    for t in signed.sim.tenants() {
        let tenant = t.tenant_id.as_str();
        let (accounts, taxes) = names(&truth, tenant);
        for kind in RECORD_ENTITIES {
            let (collection, id_key) = collection_of(kind);
            // The first 20 of each type per organisation, and the first 10 with allocations.
            let records = truth.records(tenant, collection);
            let allocated = records
                .iter()
                .filter(|r| r["Allocations"].as_array().is_some_and(|a| !a.is_empty()))
                .take(10);
            for record in records.iter().take(20).chain(allocated) {
                let id = record[id_key].as_str().unwrap();
                let started = std::time::Instant::now();
                let page = detail(ctx, tenant, kind, id).await.unwrap_or_else(|e| {
                    panic!("{kind:?} {id}: {e:?}");
                });
                slowest = slowest.max(started.elapsed());
                *opened.entry(format!("{kind:?}")).or_insert(0) += 1;
                assert_eq!(page.entity, kind);
                assert_eq!(page.xero_id, id);
                assert!(!page.title.is_empty());
                // The record came from a sync: its history starts with that insert.
                assert_eq!(
                    page.history.first().map(|h| h.action.as_str()),
                    Some("insert")
                );
                assert!(
                    page.history[0].actor.starts_with("sync:"),
                    "{}",
                    page.history[0].actor
                );
                match kind {
                    EntityKind::Payment => {
                        // One movement on the bank account, of the payment's amount.
                        assert_eq!(page.lines.len(), 1);
                        assert_eq!(
                            page.lines[0].line_amount.map(|m| m.as_decimal()),
                            digits(&record["Amount"]).map(|d| d.parse().unwrap())
                        );
                        assert_eq!(page.lines[0].account_code, text(&record["Account"]["Code"]));
                    }
                    EntityKind::BankTransfer => {
                        assert_eq!(page.lines.len(), 2, "out of one account, into another");
                        assert_eq!(
                            page.lines[0].account_code,
                            text(&record["FromBankAccount"]["Code"])
                        );
                        assert_eq!(
                            page.lines[1].account_code,
                            text(&record["ToBankAccount"]["Code"])
                        );
                    }
                    EntityKind::BatchPayment => {
                        // One line per payment, on the batch's bank account.
                        let payments = record["Payments"].as_array().unwrap();
                        assert_eq!(page.lines.len(), payments.len());
                        for (line, p) in page.lines.iter().zip(payments) {
                            assert_eq!(
                                line.line_amount.map(|m| m.as_decimal()),
                                digits(&p["Amount"]).map(|d| d.parse().unwrap())
                            );
                            assert_eq!(line.account_code, text(&record["Account"]["Code"]));
                        }
                    }
                    _ => assert_lines_match(&page, record, &accounts, &taxes),
                }
                four_places += page
                    .lines
                    .iter()
                    .filter(|l| {
                        l.unit_amount
                            .is_some_and(|u| u.scale() == 4 && !u.to_string().ends_with('0'))
                    })
                    .count();
                if let Some(total) = digits(&record["Total"]) {
                    assert_eq!(
                        money_field(&page, "Total")
                            .map(|m| m.parse::<rust_decimal::Decimal>().unwrap()),
                        Some(total.parse().unwrap()),
                        "{}",
                        page.title
                    );
                }

                // Linked both ways.
                match kind {
                    EntityKind::Payment => {
                        for (key, entity, id_key) in [
                            ("Invoice", EntityKind::Invoice, "InvoiceID"),
                            ("CreditNote", EntityKind::CreditNote, "CreditNoteID"),
                        ] {
                            let Some(target) = record[key][id_key].as_str() else {
                                continue;
                            };
                            assert!(
                                has_link(&page, entity, target),
                                "{}: pays {target}",
                                page.title
                            );
                            let back = detail(ctx, tenant, entity, target).await.unwrap();
                            let l = back
                                .links
                                .iter()
                                .find(|l| l.entity == EntityKind::Payment && l.xero_id == id)
                                .unwrap_or_else(|| panic!("{} lists its payment {id}", back.title));
                            assert_eq!(
                                l.amount.map(|m| m.as_decimal()),
                                digits(&record["Amount"]).map(|d| d.parse().unwrap())
                            );
                            *both_ways.entry("payment").or_default() += 1;
                        }
                    }
                    EntityKind::CreditNote | EntityKind::Overpayment | EntityKind::Prepayment => {
                        for a in record["Allocations"].as_array().into_iter().flatten() {
                            let invoice = a["Invoice"]["InvoiceID"].as_str().unwrap();
                            let to = page
                                .links
                                .iter()
                                .find(|l| l.entity == EntityKind::Invoice && l.xero_id == invoice)
                                .unwrap_or_else(|| panic!("{} allocated to {invoice}", page.title));
                            assert_eq!(
                                to.amount.map(|m| m.as_decimal()),
                                digits(&a["Amount"]).map(|d| d.parse().unwrap())
                            );
                            let back = detail(ctx, tenant, EntityKind::Invoice, invoice)
                                .await
                                .unwrap();
                            assert!(
                                has_link(&back, kind, id),
                                "{} lists the credit {id}",
                                back.title
                            );
                            *both_ways.entry("allocation").or_default() += 1;
                        }
                        if kind != EntityKind::CreditNote {
                            // The bank transaction that received or spent it.
                            let made_by: Vec<String> = truth
                                .records(tenant, Collection::BankTransactions)
                                .iter()
                                .filter(|b| b[id_key].as_str() == Some(id))
                                .map(|b| text(&b["BankTransactionID"]).unwrap())
                                .collect();
                            assert!(!made_by.is_empty());
                            for bt in made_by {
                                assert!(has_link(&page, EntityKind::BankTransaction, &bt));
                                let back = detail(ctx, tenant, EntityKind::BankTransaction, &bt)
                                    .await
                                    .unwrap();
                                assert!(has_link(&back, kind, id), "{} made {id}", back.title);
                                *both_ways.entry("made by").or_default() += 1;
                            }
                        }
                    }
                    EntityKind::BatchPayment => {
                        for p in record["Payments"].as_array().into_iter().flatten() {
                            let pid = p["PaymentID"].as_str().unwrap();
                            assert!(has_link(&page, EntityKind::Payment, pid), "{pid}");
                            let back = detail(ctx, tenant, EntityKind::Payment, pid).await.unwrap();
                            assert!(has_link(&back, kind, id), "{} in batch {id}", back.title);
                            *both_ways.entry("batch").or_default() += 1;
                        }
                    }
                    EntityKind::BankTransfer => {
                        for side in ["FromBankTransactionID", "ToBankTransactionID"] {
                            let bt = record[side].as_str().unwrap();
                            assert!(has_link(&page, EntityKind::BankTransaction, bt), "{side}");
                            if let Ok(back) =
                                detail(ctx, tenant, EntityKind::BankTransaction, bt).await
                            {
                                assert!(has_link(&back, kind, id));
                            }
                        }
                    }
                    _ => {}
                }

                // Its files, as Xero lists them, each kept on this computer.
                if record["HasAttachments"] == Value::Bool(true) {
                    let files = ledgerkeep_sim::attachments::attachments_of(collection, record);
                    let mut want: Vec<(String, u32)> = files
                        .iter()
                        .map(|f| (f.file_name.clone(), u32::try_from(f.bytes.len()).unwrap()))
                        .collect();
                    want.sort();
                    let mut got: Vec<(String, u32)> = page
                        .attachments
                        .iter()
                        .map(|a| (a.file_name.clone(), a.size))
                        .collect();
                    got.sort();
                    assert_eq!(got, want, "{}: files", page.title);
                    assert!(page.attachments.iter().all(|a| a.held));
                    files_checked += 1;
                }
            }
        }
    }
    for kind in RECORD_ENTITIES {
        assert!(
            opened.get(&format!("{kind:?}")).is_some_and(|n| *n > 0),
            "no {kind:?} in the books: {opened:?}"
        );
    }
    assert!(four_places > 0, "no unit amount with 4 places was checked");
    for what in ["payment", "allocation", "made by", "batch"] {
        assert!(
            both_ways.get(what).is_some_and(|n| *n > 0),
            "no {what} link checked: {both_ways:?}"
        );
    }
    assert!(files_checked > 0, "no record with files was checked");
    eprintln!("pages opened: {opened:?}; the slowest took {slowest:?}");
}

#[tokio::test]
async fn an_unknown_record_or_a_list_is_refused_clearly() {
    let (signed, truth) = synced(11).await;
    let ctx = &signed.ctx;
    let tenants = signed.sim.tenants();
    let tenant = tenants[0].tenant_id.as_str();
    let err = detail(ctx, tenant, EntityKind::Invoice, "no-such-invoice")
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert!(err.message.contains("no-such-invoice"), "{}", err.message);
    assert!(err.message.contains("invoice"), "{}", err.message);

    // A real invoice asked for as a credit note, or in another organisation, is not found either.
    let invoice = truth.records(tenant, Collection::Invoices)[0]["InvoiceID"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(detail(ctx, tenant, EntityKind::Invoice, &invoice)
        .await
        .is_ok());
    assert!(detail(ctx, tenant, EntityKind::CreditNote, &invoice)
        .await
        .is_err());
    if let Some(other) = tenants.get(1) {
        assert!(detail(ctx, &other.tenant_id, EntityKind::Invoice, &invoice)
            .await
            .is_err());
    }
    // An account has no page.
    let err = detail(ctx, tenant, EntityKind::Account, "a")
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
}
