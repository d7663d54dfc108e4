//! Changes over time, for incremental sync: new, edited, voided, deleted and
//! archived records, and the changes Xero makes without moving `UpdatedDateUTC`.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::books::{Collection, TenantBooks, Truth};
use crate::generate::uuid_from;
use crate::wire::{money, ms_date, parse_ms_date};

/// What a mutation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MutationKind {
    NewInvoice,
    EditInvoice,
    VoidInvoice,
    DeleteDraftInvoice,
    NewContact,
    ArchiveContact,
    DeleteBankTransaction,
    /// Due date moved on a partly paid invoice: `UpdatedDateUTC` does not move.
    SilentDueDate,
    /// Sent flag set on a partly paid invoice: `UpdatedDateUTC` does not move.
    SilentSentFlag,
    /// IsSupplier flipped on a contact: `UpdatedDateUTC` does not move.
    SilentContactRole,
}

impl MutationKind {
    const ALL: [MutationKind; 10] = [
        MutationKind::NewInvoice,
        MutationKind::EditInvoice,
        MutationKind::VoidInvoice,
        MutationKind::DeleteDraftInvoice,
        MutationKind::NewContact,
        MutationKind::ArchiveContact,
        MutationKind::DeleteBankTransaction,
        MutationKind::SilentDueDate,
        MutationKind::SilentSentFlag,
        MutationKind::SilentContactRole,
    ];

    /// Whether the change moves `UpdatedDateUTC` (and so is seen by If-Modified-Since).
    pub fn moves_updated_date(self) -> bool {
        !matches!(
            self,
            MutationKind::SilentDueDate
                | MutationKind::SilentSentFlag
                | MutationKind::SilentContactRole
        )
    }
}

/// One change made to the books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mutation {
    pub tenant_id: String,
    pub collection: Collection,
    pub id: String,
    pub kind: MutationKind,
}

fn dec(v: &Value) -> Decimal {
    v.to_string().parse().unwrap_or(Decimal::ZERO)
}

/// A random record of `c` that passes `ok`: random probes first (cheap on a
/// million records), then a full scan so a rare match is still found.
fn pick(
    b: &TenantBooks,
    c: Collection,
    rng: &mut ChaCha8Rng,
    ok: impl Fn(&Value) -> bool,
) -> Option<Value> {
    let records = b.table(c).records();
    if records.is_empty() {
        return None;
    }
    for _ in 0..64 {
        let v = records[rng.random_range(0..records.len())].value();
        if ok(&v) {
            return Some(v);
        }
    }
    let start = rng.random_range(0..records.len());
    records[start..]
        .iter()
        .chain(&records[..start])
        .map(|r| r.value())
        .find(|v| ok(v))
}

/// Posts a journal that reverses the newest one of `source_id`, and optionally reposts it.
pub(crate) fn repost(
    b: &mut TenantBooks,
    rng: &mut ChaCha8Rng,
    source_id: &str,
    now: i64,
    post_again: bool,
) {
    let Some(last) = b
        .table(Collection::Journals)
        .records()
        .iter()
        .rev()
        .map(|r| r.value())
        .find(|j| j["SourceID"] == source_id)
    else {
        return;
    };
    let mut copies = vec![true];
    if post_again {
        copies.push(false);
    }
    for reverse in copies {
        let mut j = last.clone();
        j["JournalID"] = json!(uuid_from(rng));
        j["JournalNumber"] = json!(b.next_journal_number());
        j["CreatedDateUTC"] = ms_date(now);
        if let Some(lines) = j["JournalLines"].as_array_mut() {
            for l in lines {
                l["JournalLineID"] = json!(uuid_from(rng));
                if reverse {
                    for k in ["NetAmount", "GrossAmount", "TaxAmount"] {
                        let v = -dec(&l[k]);
                        l[k] = money(v);
                    }
                }
            }
        }
        b.put(Collection::Journals, &j);
    }
}

/// Posts the journal of a newly approved invoice: receivable (or payable)
/// against each line's account, tax to the tax account.
pub(crate) fn post_invoice(b: &mut TenantBooks, rng: &mut ChaCha8Rng, inv: &Value, now: i64) {
    let accounts: Vec<Value> = b
        .table(Collection::Accounts)
        .records()
        .iter()
        .map(|r| r.value())
        .collect();
    let account = |code: &str| {
        accounts
            .iter()
            .find(|a| a["Code"] == code)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let sales = inv["Type"] == "ACCREC";
    let sign = if sales {
        Decimal::ONE
    } else {
        Decimal::NEGATIVE_ONE
    };
    let mut lines = Vec::new();
    let mut line = |rng: &mut ChaCha8Rng, code: &str, net: Decimal, tax: Decimal| {
        let a = account(code);
        lines.push(json!({
            "JournalLineID": uuid_from(rng),
            "AccountID": a["AccountID"],
            "AccountCode": code,
            "AccountType": a["Type"],
            "AccountName": a["Name"],
            "Description": "",
            "NetAmount": money(net),
            "GrossAmount": money(net + tax),
            "TaxAmount": money(tax),
            "TrackingCategories": []
        }));
    };
    line(
        rng,
        if sales { "610" } else { "800" },
        sign * dec(&inv["Total"]),
        Decimal::ZERO,
    );
    let mut tax_total = Decimal::ZERO;
    for l in inv["LineItems"].as_array().into_iter().flatten() {
        let tax = dec(&l["TaxAmount"]);
        tax_total += tax;
        line(
            rng,
            l["AccountCode"].as_str().unwrap_or("200"),
            -sign * dec(&l["LineAmount"]),
            -sign * tax,
        );
    }
    if !tax_total.is_zero() {
        line(rng, "820", -sign * tax_total, Decimal::ZERO);
    }
    let journal = json!({
        "JournalID": uuid_from(rng),
        "JournalDate": inv["Date"],
        "JournalNumber": b.next_journal_number(),
        "CreatedDateUTC": ms_date(now),
        "Reference": inv["InvoiceNumber"],
        "SourceID": inv["InvoiceID"],
        "SourceType": inv["Type"],
        "JournalLines": lines
    });
    b.put(Collection::Journals, &journal);
}

/// Marks a served record as edited now: a record changed between two pages.
pub fn touch(b: &mut TenantBooks, c: Collection, id: &str, now: i64) {
    let Some(mut v) = b.table(c).get(id).map(|r| r.value()) else {
        return;
    };
    if v.get("UpdatedDateUTC").is_none() {
        return;
    }
    v["UpdatedDateUTC"] = ms_date(now);
    if let Some(r) = v.get("Reference").and_then(Value::as_str) {
        v["Reference"] = json!(format!("{r} (edited)"));
    }
    b.put(c, &v);
}

fn one(
    b: &mut TenantBooks,
    rng: &mut ChaCha8Rng,
    now: i64,
    kind: MutationKind,
) -> Option<(Collection, String)> {
    let partly_paid =
        |v: &Value| v["Status"] == "AUTHORISED" && dec(&v["AmountPaid"]) > Decimal::ZERO;
    match kind {
        MutationKind::NewInvoice => {
            let mut v = pick(b, Collection::Invoices, rng, |v| {
                v["Status"] == "AUTHORISED"
            })?;
            let id = uuid_from(rng);
            let n = b.table(Collection::Invoices).len() + 1;
            v["InvoiceID"] = json!(id);
            v["InvoiceNumber"] = json!(format!("INV-N{n:05}"));
            v["Payments"] = json!([]);
            v["CreditNotes"] = json!([]);
            v["AmountPaid"] = money(Decimal::ZERO);
            v["AmountCredited"] = money(Decimal::ZERO);
            v["AmountDue"] = v["Total"].clone();
            let today = now.div_euclid(86_400_000) * 86_400_000;
            v["Date"] = ms_date(today);
            v["DueDate"] = ms_date(today + 20 * 86_400_000);
            v["UpdatedDateUTC"] = ms_date(now);
            if let Some(lines) = v["LineItems"].as_array_mut() {
                for l in lines {
                    l["LineItemID"] = json!(uuid_from(rng));
                }
            }
            b.put(Collection::Invoices, &v);
            post_invoice(b, rng, &v, now);
            Some((Collection::Invoices, id))
        }
        MutationKind::EditInvoice => {
            let mut v = pick(b, Collection::Invoices, rng, |v| {
                v["Status"] == "AUTHORISED"
            })?;
            let id = v["InvoiceID"].as_str()?.to_owned();
            v["Reference"] = json!(format!("{} ✎", v["Reference"].as_str().unwrap_or_default()));
            v["UpdatedDateUTC"] = ms_date(now);
            b.put(Collection::Invoices, &v);
            repost(b, rng, &id, now, true);
            Some((Collection::Invoices, id))
        }
        MutationKind::VoidInvoice => {
            let mut v = pick(b, Collection::Invoices, rng, |v| {
                v["Status"] == "AUTHORISED"
                    && dec(&v["AmountPaid"]).is_zero()
                    && dec(&v["AmountCredited"]).is_zero()
            })?;
            let id = v["InvoiceID"].as_str()?.to_owned();
            v["Status"] = json!("VOIDED");
            v["AmountDue"] = money(Decimal::ZERO);
            v["UpdatedDateUTC"] = ms_date(now);
            b.put(Collection::Invoices, &v);
            repost(b, rng, &id, now, false);
            Some((Collection::Invoices, id))
        }
        MutationKind::DeleteDraftInvoice => {
            let mut v = pick(b, Collection::Invoices, rng, |v| v["Status"] == "DRAFT")?;
            v["Status"] = json!("DELETED");
            v["UpdatedDateUTC"] = ms_date(now);
            b.put(Collection::Invoices, &v);
            Some((Collection::Invoices, v["InvoiceID"].as_str()?.to_owned()))
        }
        MutationKind::NewContact => {
            let mut v = pick(b, Collection::Contacts, rng, |_| true)?;
            let id = uuid_from(rng);
            let n = b.table(Collection::Contacts).len() + 1;
            v["ContactID"] = json!(id);
            v["Name"] = json!(format!("Nouveau Café № {n}"));
            v["ContactStatus"] = json!("ACTIVE");
            v["UpdatedDateUTC"] = ms_date(now);
            b.put(Collection::Contacts, &v);
            Some((Collection::Contacts, id))
        }
        MutationKind::ArchiveContact => {
            let mut v = pick(b, Collection::Contacts, rng, |v| {
                v["ContactStatus"] == "ACTIVE"
            })?;
            v["ContactStatus"] = json!("ARCHIVED");
            v["UpdatedDateUTC"] = ms_date(now);
            b.put(Collection::Contacts, &v);
            Some((Collection::Contacts, v["ContactID"].as_str()?.to_owned()))
        }
        MutationKind::DeleteBankTransaction => {
            let mut v = pick(b, Collection::BankTransactions, rng, |v| {
                v["Status"] == "AUTHORISED" && (v["Type"] == "RECEIVE" || v["Type"] == "SPEND")
            })?;
            let id = v["BankTransactionID"].as_str()?.to_owned();
            v["Status"] = json!("DELETED");
            v["UpdatedDateUTC"] = ms_date(now);
            b.put(Collection::BankTransactions, &v);
            repost(b, rng, &id, now, false);
            Some((Collection::BankTransactions, id))
        }
        MutationKind::SilentDueDate => {
            let mut v = pick(b, Collection::Invoices, rng, partly_paid)?;
            let due = v["DueDate"].as_str().and_then(parse_ms_date).unwrap_or(now);
            v["DueDate"] = ms_date(due + 7 * 86_400_000);
            b.put(Collection::Invoices, &v);
            Some((Collection::Invoices, v["InvoiceID"].as_str()?.to_owned()))
        }
        MutationKind::SilentSentFlag => {
            let mut v = pick(b, Collection::Invoices, rng, |v| {
                partly_paid(v) && v["SentToContact"] == false
            })?;
            v["SentToContact"] = json!(true);
            b.put(Collection::Invoices, &v);
            Some((Collection::Invoices, v["InvoiceID"].as_str()?.to_owned()))
        }
        MutationKind::SilentContactRole => {
            let mut v = pick(b, Collection::Contacts, rng, |_| true)?;
            let flipped = v["IsSupplier"] != true;
            v["IsSupplier"] = json!(flipped);
            b.put(Collection::Contacts, &v);
            Some((Collection::Contacts, v["ContactID"].as_str()?.to_owned()))
        }
    }
}

/// Applies `count` changes to the generated tenants' books.
pub fn apply(truth: &mut Truth, rng: &mut ChaCha8Rng, now: i64, count: usize) -> Vec<Mutation> {
    let generated = truth.tenants.len().min(crate::generate::TENANTS.len());
    let mut out = Vec::new();
    let mut attempts = 0;
    while out.len() < count && attempts < count * 20 + 20 {
        attempts += 1;
        if generated == 0 {
            break;
        }
        let t = rng.random_range(0..generated);
        let kind = MutationKind::ALL[rng.random_range(0..MutationKind::ALL.len())];
        let b = &mut truth.tenants[t];
        if let Some((collection, id)) = one(b, rng, now, kind) {
            out.push(Mutation {
                tenant_id: b.tenant_id.clone(),
                collection,
                id,
                kind,
            });
        }
    }
    out
}
