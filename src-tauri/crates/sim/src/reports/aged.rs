//! Xero's `/Reports/AgedReceivablesByContact` and
//! `/Reports/AgedPayablesByContact`: one contact's documents outstanding at
//! the end of `date`, computed from the simulator's own records (the
//! documents, and the payments and allocations dated on or before `date`),
//! not from its Journals and not from the amounts due today.
//!
//! The documents: the contact's authorised or paid invoices (bills), credit
//! notes and overpayments of the side, dated on or before `date`, that still
//! had something outstanding at its end. Prepayments are left out, as Xero's
//! aged reports leave them out. Each is a row of Xero's columns: *Date*,
//! *Number*, *Due Date*, the overdue text, *Total*, *Paid* (payments and
//! refunds), *Credited* (credit notes, overpayments and prepayments
//! allocated) and *Due*; a credit's amounts are negative. The layout is the
//! spec's example: an *Opening Balance* section (what the documents dated
//! before `fromDate` had outstanding), a section of the documents dated from
//! `fromDate` to `toDate` with its *Total*, and the *Closing Balance*. The
//! amounts are in each document's own currency: a contact with documents in
//! more than one currency has one section of documents per currency, titled
//! with the currency's code (the base currency's section is untitled, as in
//! the spec), and an opening and closing row per currency.
//!
//! Query parameters: `contactId` (required), `date` (default: the end of
//! the clock's month), `fromDate` and `toDate` (which documents are listed,
//! by their date; default: all, to `date`).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::{amount, day_of, decimal, long_day, month_end, text};
use crate::api::{bad_request, envelope, flag, not_found, Answer};
use crate::books::{Collection, TenantBooks};
use crate::server::Shared;
use crate::wire::{ms_date_bare, parse_ms_date};

/// Which of the two aged reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgedSide {
    Receivables,
    Payables,
}

impl AgedSide {
    pub fn from_path(segment: &str) -> Option<AgedSide> {
        [AgedSide::Receivables, AgedSide::Payables]
            .into_iter()
            .find(|s| s.path().eq_ignore_ascii_case(segment))
    }

    pub fn path(self) -> &'static str {
        match self {
            AgedSide::Receivables => "AgedReceivablesByContact",
            AgedSide::Payables => "AgedPayablesByContact",
        }
    }

    fn title(self) -> &'static str {
        match self {
            AgedSide::Receivables => "Aged Receivables By Contact",
            AgedSide::Payables => "Aged Payables By Contact",
        }
    }

    /// The invoice, credit note and overpayment types of the side.
    fn types(self) -> [&'static str; 3] {
        match self {
            AgedSide::Receivables => ["ACCREC", "ACCRECCREDIT", "RECEIVE-OVERPAYMENT"],
            AgedSide::Payables => ["ACCPAY", "ACCPAYCREDIT", "SPEND-OVERPAYMENT"],
        }
    }
}

/// A document kind: its collection, its id field and the attribute its cells carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Invoice,
    CreditNote,
    Overpayment,
}

impl Kind {
    fn collection(self) -> Collection {
        match self {
            Kind::Invoice => Collection::Invoices,
            Kind::CreditNote => Collection::CreditNotes,
            Kind::Overpayment => Collection::Overpayments,
        }
    }

    fn id_field(self) -> &'static str {
        match self {
            Kind::Invoice => "InvoiceID",
            Kind::CreditNote => "CreditNoteID",
            Kind::Overpayment => "OverpaymentID",
        }
    }

    /// The key of the document on a payment (`Payments[].Invoice`, ...).
    fn payment_key(self) -> &'static str {
        match self {
            Kind::Invoice => "Invoice",
            Kind::CreditNote => "CreditNote",
            Kind::Overpayment => "Overpayment",
        }
    }

    fn attribute(self) -> &'static str {
        match self {
            Kind::Invoice => "invoiceID",
            Kind::CreditNote => "creditNoteID",
            Kind::Overpayment => "overpaymentID",
        }
    }

    /// What the contact owes is positive: an invoice; a credit is negative.
    fn sign(self) -> Decimal {
        match self {
            Kind::Invoice => Decimal::ONE,
            _ => Decimal::NEGATIVE_ONE,
        }
    }
}

/// One document as at the date, its amounts as owed (a credit's negative).
#[derive(Debug, Clone)]
struct Line {
    id: String,
    kind: Kind,
    number: String,
    date: NaiveDate,
    due_date: Option<NaiveDate>,
    currency: String,
    total: Decimal,
    paid: Decimal,
    credited: Decimal,
}

impl Line {
    fn due(&self) -> Decimal {
        self.total - self.paid - self.credited
    }
}

fn day_field(v: &Value) -> Option<NaiveDate> {
    v.as_str().and_then(parse_ms_date).and_then(day_of)
}

fn same_id(a: &Value, b: &str) -> bool {
    a.as_str().is_some_and(|a| a.eq_ignore_ascii_case(b))
}

/// What settled each document on or before `as_at`, by document id
/// (lowercase): (paid, credited), in the document's currency.
fn settled(b: &TenantBooks, as_at: NaiveDate) -> HashMap<String, (Decimal, Decimal)> {
    let mut out: HashMap<String, (Decimal, Decimal)> = HashMap::new();
    // Payments (and refunds of credits), unless deleted.
    for p in b.table(Collection::Payments).records() {
        let p = p.value();
        if p["Status"] == "DELETED" || day_field(&p["Date"]).is_none_or(|d| d > as_at) {
            continue;
        }
        let Some(amount) = decimal(&p["Amount"]) else {
            continue;
        };
        for kind in [Kind::Invoice, Kind::CreditNote, Kind::Overpayment] {
            if let Some(id) = p[kind.payment_key()][kind.id_field()].as_str() {
                out.entry(id.to_ascii_lowercase()).or_default().0 += amount;
            }
        }
    }
    // Allocations of credit notes, overpayments and prepayments: credited on
    // the invoice, and on the credit itself.
    for (collection, id_field) in [
        (Collection::CreditNotes, "CreditNoteID"),
        (Collection::Overpayments, "OverpaymentID"),
        (Collection::Prepayments, "PrepaymentID"),
    ] {
        for c in b.table(collection).records() {
            let c = c.value();
            if c["Status"] == "VOIDED" || c["Status"] == "DELETED" {
                continue;
            }
            let credit_id = text(&c[id_field]).to_ascii_lowercase();
            for a in c["Allocations"].as_array().into_iter().flatten() {
                if day_field(&a["Date"]).is_none_or(|d| d > as_at) {
                    continue;
                }
                let (Some(amount), Some(inv)) =
                    (decimal(&a["Amount"]), a["Invoice"]["InvoiceID"].as_str())
                else {
                    continue;
                };
                out.entry(inv.to_ascii_lowercase()).or_default().1 += amount;
                out.entry(credit_id.clone()).or_default().1 += amount;
            }
        }
    }
    out
}

/// The contact's documents of `side` dated on or before `as_at` that had
/// something outstanding at its end.
fn lines(
    b: &TenantBooks,
    side: AgedSide,
    contact: &str,
    as_at: NaiveDate,
    base: &str,
) -> Vec<Line> {
    let settled = settled(b, as_at);
    let mut out = Vec::new();
    let types = side.types();
    for (kind, doc_type) in [Kind::Invoice, Kind::CreditNote, Kind::Overpayment]
        .into_iter()
        .zip(types)
    {
        for r in b.table(kind.collection()).records() {
            let d = r.value();
            let posted = d["Status"] == "AUTHORISED" || d["Status"] == "PAID";
            if d["Type"] != doc_type || !posted || !same_id(&d["Contact"]["ContactID"], contact) {
                continue;
            }
            let Some(date) = day_field(&d["Date"]).filter(|d| *d <= as_at) else {
                continue;
            };
            let Some(total) = decimal(&d["Total"]) else {
                continue;
            };
            let id = text(&d[kind.id_field()]);
            let (paid, credited) = settled
                .get(&id.to_ascii_lowercase())
                .copied()
                .unwrap_or_default();
            let number = match kind {
                Kind::Invoice => d["InvoiceNumber"].as_str(),
                Kind::CreditNote => d["CreditNoteNumber"].as_str(),
                Kind::Overpayment => None,
            }
            .filter(|n| !n.is_empty())
            .or_else(|| d["Reference"].as_str())
            .unwrap_or_default()
            .to_owned();
            let line = Line {
                id,
                kind,
                number,
                date,
                due_date: if kind == Kind::Invoice {
                    day_field(&d["DueDate"])
                } else {
                    None
                },
                currency: d["CurrencyCode"]
                    .as_str()
                    .filter(|c| !c.is_empty())
                    .unwrap_or(base)
                    .to_owned(),
                total: kind.sign() * total,
                paid: kind.sign() * paid,
                credited: kind.sign() * credited,
            };
            if !line.due().is_zero() {
                out.push(line);
            }
        }
    }
    out.sort_by(|a, b| (a.date, &a.number, &a.id).cmp(&(b.date, &b.number, &b.id)));
    out
}

/// A currency's documents: those dated before `fromDate` (the opening
/// balance) and those listed.
type Split<'a> = (Vec<&'a Line>, Vec<&'a Line>);

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%dT00:00:00").to_string()
}

fn document_row(l: &Line, as_at: NaiveDate) -> Value {
    let overdue = match l.due_date {
        Some(due) if due < as_at => format!("{} days overdue", (as_at - due).num_days()),
        _ => String::new(),
    };
    let values = [
        iso(l.date),
        l.number.clone(),
        l.due_date.map(iso).unwrap_or_default(),
        overdue,
        amount(l.total),
        amount(l.paid),
        amount(l.credited),
        amount(l.due()),
    ];
    let attrs = json!([{"Value": l.id, "Id": l.kind.attribute()}]);
    json!({
        "RowType": "Row",
        "Cells": values.iter().map(|v| json!({"Value": v, "Attributes": attrs})).collect::<Vec<_>>(),
    })
}

fn summary_row(label: &str, sums: [Decimal; 4]) -> Value {
    let mut cells = vec![json!({"Value": label})];
    cells.extend((0..3).map(|_| json!({"Value": ""})));
    cells.extend(sums.iter().map(|v| json!({"Value": amount(*v)})));
    json!({"RowType": "SummaryRow", "Cells": cells})
}

fn sums<'a>(lines: impl Iterator<Item = &'a Line>) -> [Decimal; 4] {
    let mut s = [Decimal::ZERO; 4];
    for l in lines {
        s[0] += l.total;
        s[1] += l.paid;
        s[2] += l.credited;
        s[3] += l.due();
    }
    s
}

/// A label for a currency's row: plain for the base currency, else with its code.
fn labelled(label: &str, currency: &str, base: &str) -> String {
    if currency == base {
        label.to_owned()
    } else {
        format!("{label} {currency}")
    }
}

fn parse_day(q: &HashMap<String, String>, name: &str) -> Result<Option<NaiveDate>, String> {
    match flag(q, name).filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("'{v}' is not a valid date for {name}; use YYYY-MM-DD")),
    }
}

/// `GET /api.xro/2.0/Reports/Aged{Receivables,Payables}ByContact` for `tenant`.
pub(crate) fn report(
    shared: &Shared,
    tenant: &str,
    side: AgedSide,
    q: &HashMap<String, String>,
) -> Answer {
    let Some(contact) = flag(q, "contactId").map(|c| c.trim().to_owned()) else {
        return bad_request("contactId is required");
    };
    if uuid::Uuid::parse_str(&contact).is_err() {
        return bad_request(&format!("'{contact}' is not a valid contactId"));
    }
    let (date, from, to) = match (
        parse_day(q, "date"),
        parse_day(q, "fromDate"),
        parse_day(q, "toDate"),
    ) {
        (Ok(d), Ok(f), Ok(t)) => (d, f, t),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return bad_request(&e),
    };
    let now = shared.clock.now_ms();
    let Some(today) = day_of(now) else {
        return bad_request("the clock is out of range");
    };
    let as_at = date.unwrap_or_else(|| month_end(today));
    let to = to.unwrap_or(as_at).min(as_at);
    if from.is_some_and(|f| f > to) {
        return bad_request("fromDate is after toDate");
    }
    let books = shared.books.read();
    let Some(b) = books.tenant_named(tenant) else {
        return not_found();
    };
    let Some(c) = b
        .table(Collection::Contacts)
        .records()
        .iter()
        .map(|r| r.value())
        .find(|c| same_id(&c["ContactID"], &contact))
    else {
        return not_found();
    };
    let org = b
        .table(Collection::Organisation)
        .records()
        .first()
        .map(|r| r.value())
        .unwrap_or(Value::Null);
    let base = org["BaseCurrency"].as_str().unwrap_or_default().to_owned();
    let all = lines(b, side, &contact, as_at, &base);
    let from_day = from.unwrap_or_else(|| all.first().map_or(to, |l| l.date.min(to)));
    // Per currency (the base first): the documents before `fromDate`, and those listed.
    let mut by: BTreeMap<(bool, String), Split> = BTreeMap::new();
    for l in all.iter().filter(|l| l.date <= to) {
        let slot = by
            .entry((l.currency != base, l.currency.clone()))
            .or_default();
        if from.is_some_and(|f| l.date < f) {
            slot.0.push(l);
        } else {
            slot.1.push(l);
        }
    }
    if by.is_empty() {
        by.insert((false, base.clone()), Default::default());
    }
    let head: Vec<Value> = [
        "Date", "Number", "Due Date", "", "Total", "Paid", "Credited", "Due",
    ]
    .iter()
    .map(|c| json!({"Value": c}))
    .collect();
    let mut rows = vec![json!({"RowType": "Header", "Cells": head})];
    let opening: Vec<Value> = by
        .iter()
        .map(|((_, cur), (before, _))| {
            let due = sums(before.iter().copied())[3];
            let mut cells = vec![
                json!({"Value": iso(from_day)}),
                json!({"Value": labelled("Opening Balance", cur, &base)}),
            ];
            cells.extend((0..5).map(|_| json!({"Value": ""})));
            cells.push(json!({"Value": amount(due)}));
            json!({"RowType": "Row", "Cells": cells})
        })
        .collect();
    rows.push(json!({"RowType": "Section", "Title": "", "Rows": opening}));
    let mut closing = Vec::new();
    for ((_, cur), (before, listed)) in &by {
        if !listed.is_empty() {
            let mut srows: Vec<Value> = listed.iter().map(|l| document_row(l, as_at)).collect();
            srows.push(summary_row("Total", sums(listed.iter().copied())));
            let title = if *cur == base { "" } else { cur.as_str() };
            rows.push(json!({"RowType": "Section", "Title": title, "Rows": srows}));
        }
        let mut s = sums(listed.iter().copied());
        s[3] += sums(before.iter().copied())[3];
        closing.push(summary_row(&labelled("Closing Balance", cur, &base), s));
    }
    rows.push(json!({"RowType": "Section", "Title": "", "Rows": closing}));
    let name = c["Name"].as_str().unwrap_or_default();
    let what = match side {
        AgedSide::Receivables => "Invoices",
        AgedSide::Payables => "Bills",
    };
    let report = json!({
        "ReportName": side.title(),
        "ReportType": side.path(),
        "ReportTitles": [
            what,
            name,
            format!("From {} to {}", long_day(from_day), long_day(to)),
            format!("Showing payments to {}", long_day(as_at)),
        ],
        "ReportDate": long_day(today),
        "UpdatedDateUTC": ms_date_bare(now),
        "Fields": [],
        "Rows": rows,
    });
    Answer::ok(envelope(shared, "Reports", vec![report], None), Vec::new())
}
