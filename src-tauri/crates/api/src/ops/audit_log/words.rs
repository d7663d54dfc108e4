//! The audit log in words: what a row is about ("Invoice INV-0042 to Café
//! Plumbing"), each changed field named as an owner knows it ("Amount due")
//! with its old and new values typed (money as exact decimal text with at
//! least 2 dp, dates as `YYYY-MM-DD`, codes in words: `AUTHORISED` is
//! "Authorised"), and who made the change. The store keeps the rows and the
//! records' facts; this is the only place that words them. Pure: no I/O.
//! The front formats the typed values and the instant in the owner's locale
//! and time zone.

use std::str::FromStr;

use ledgerkeep_domain::{EntityKind, XeroDate};
use ledgerkeep_store::AuditSubject;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One value of a changed field, typed for the front to format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AuditValueView {
    /// No value: the field was absent or empty.
    None,
    /// Words, shown as given.
    Text { text: String },
    /// An exact decimal, at least 2 dp (`120.00`), never rounded.
    Money { amount: String },
    /// A calendar date, `YYYY-MM-DD`, shown as given.
    Date { date: String },
    /// A list or group (line items, payments): changed, its values not listed.
    Many,
}

/// One changed field in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditChangeWordsView {
    /// The field as stored (`AmountDue`), for the details.
    pub field: String,
    /// As an owner knows it: `Amount due`.
    pub label: String,
    pub old: AuditValueView,
    pub new: AuditValueView,
}

/// A row in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditWordsView {
    /// The record: `Invoice INV-0042 to Café Plumbing`, `Contact Café Plumbing`.
    pub title: String,
    /// `added`, `changed` or `removed`.
    pub action: String,
    /// Who or what made the change: `sync`, `you`, `the command line (pay)`.
    pub by: String,
    /// The fields an owner reads, most telling first: for a change, every
    /// changed field but Xero's own stamps; for an addition, its status,
    /// amounts and dates.
    pub changes: Vec<AuditChangeWordsView>,
    /// The record's contact, when it has one, for the contact filter.
    pub contact_id: Option<String>,
    pub contact_name: Option<String>,
}

/// How a field's values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Money,
    Date,
    /// A Xero code, in words.
    Code,
    Bool,
    /// An object, by the first of these keys it has.
    Object(&'static [&'static str]),
    Many,
}

/// The fields an owner knows, in the order they are most telling: `(field, label, kind)`.
const FIELDS: &[(&str, &str, Kind)] = &[
    ("Status", "Status", Kind::Code),
    ("ContactStatus", "Status", Kind::Code),
    ("Type", "Type", Kind::Code),
    (
        "Contact",
        "Contact",
        Kind::Object(&["Name", "ContactNumber", "ContactID"]),
    ),
    ("InvoiceNumber", "Number", Kind::Text),
    ("CreditNoteNumber", "Number", Kind::Text),
    ("PurchaseOrderNumber", "Number", Kind::Text),
    ("QuoteNumber", "Number", Kind::Text),
    ("Reference", "Reference", Kind::Text),
    ("Name", "Name", Kind::Text),
    ("Narration", "Narration", Kind::Text),
    ("Date", "Date", Kind::Date),
    ("DueDate", "Due date", Kind::Date),
    ("ExpectedPaymentDate", "Expected payment date", Kind::Date),
    ("PlannedPaymentDate", "Planned payment date", Kind::Date),
    ("FullyPaidOnDate", "Fully paid on", Kind::Date),
    ("DeliveryDate", "Delivery date", Kind::Date),
    ("ExpiryDate", "Expiry date", Kind::Date),
    ("Total", "Total", Kind::Money),
    ("SubTotal", "Subtotal", Kind::Money),
    ("TotalTax", "Tax", Kind::Money),
    ("TotalDiscount", "Discount", Kind::Money),
    ("Amount", "Amount", Kind::Money),
    ("BankAmount", "Bank amount", Kind::Money),
    ("AmountDue", "Amount due", Kind::Money),
    ("AmountPaid", "Amount paid", Kind::Money),
    ("AmountCredited", "Amount credited", Kind::Money),
    ("RemainingCredit", "Remaining credit", Kind::Money),
    ("CurrencyCode", "Currency", Kind::Text),
    ("CurrencyRate", "Currency rate", Kind::Text),
    ("LineAmountTypes", "Amounts are", Kind::Code),
    ("PaymentType", "Payment type", Kind::Code),
    ("IsReconciled", "Reconciled", Kind::Bool),
    ("SentToContact", "Sent to contact", Kind::Bool),
    ("IsSupplier", "Supplier", Kind::Bool),
    ("IsCustomer", "Customer", Kind::Bool),
    ("EmailAddress", "Email", Kind::Text),
    ("Code", "Code", Kind::Text),
    ("Description", "Description", Kind::Text),
    (
        "Account",
        "Account",
        Kind::Object(&["Name", "Code", "AccountID"]),
    ),
    (
        "BankAccount",
        "Bank account",
        Kind::Object(&["Name", "Code", "AccountID"]),
    ),
    (
        "Invoice",
        "Invoice",
        Kind::Object(&["InvoiceNumber", "InvoiceID"]),
    ),
    (
        "CreditNote",
        "Credit note",
        Kind::Object(&["CreditNoteNumber", "CreditNoteID"]),
    ),
    ("HasAttachments", "Has attachments", Kind::Bool),
    ("LineItems", "Line items", Kind::Many),
    ("JournalLines", "Journal lines", Kind::Many),
    ("Payments", "Payments", Kind::Many),
    ("CreditNotes", "Credit notes", Kind::Many),
    ("Allocations", "Allocations", Kind::Many),
    ("Overpayments", "Overpayments", Kind::Many),
    ("Prepayments", "Prepayments", Kind::Many),
    ("Attachments", "Attachments", Kind::Many),
];

/// Xero's own stamps and flags, which say nothing an owner changed: kept in
/// the details, left out of the words.
const STAMPS: &[&str] = &[
    "UpdatedDateUTC",
    "HasErrors",
    "HasValidationErrors",
    "ValidationErrors",
    "Warnings",
    "StatusAttributeString",
];

/// The fields an addition is told by.
const SUMMARY: &[&str] = &[
    "Status",
    "ContactStatus",
    "Date",
    "DueDate",
    "Total",
    "Amount",
];

/// A Xero code in words. Unknown codes are made readable: `SOME_CODE` is "Some code".
pub fn code_words(code: &str) -> String {
    let known = match code {
        "AUTHORISED" => "Authorised",
        "SUBMITTED" => "Awaiting approval",
        "ACCREC" => "Sales invoice",
        "ACCPAY" => "Bill",
        "ACCRECCREDIT" => "Sales credit note",
        "ACCPAYCREDIT" => "Purchase credit note",
        "ACCRECPAYMENT" => "Invoice payment",
        "ACCPAYPAYMENT" => "Bill payment",
        "ARCREDITPAYMENT" => "Sales credit note refund",
        "APCREDITPAYMENT" => "Purchase credit note refund",
        "RECEIVE" => "Receive money",
        "SPEND" => "Spend money",
        "RECEIVE-OVERPAYMENT" => "Received overpayment",
        "SPEND-OVERPAYMENT" => "Spent overpayment",
        "RECEIVE-PREPAYMENT" => "Received prepayment",
        "SPEND-PREPAYMENT" => "Spent prepayment",
        "RECEIVE-TRANSFER" => "Transfer in",
        "SPEND-TRANSFER" => "Transfer out",
        "NoTax" => "No tax",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    if code.chars().any(|c| c.is_ascii_lowercase()) {
        return code.to_owned();
    }
    let spaced = code.replace(['_', '-'], " ").to_lowercase();
    capitalised(&spaced)
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A field the list does not know, in words: `BrandingThemeID` is "Branding theme id",
/// `period_lock_date` "Period lock date".
pub fn field_words(field: &str) -> String {
    if let Some((_, label, _)) = FIELDS.iter().find(|(f, _, _)| *f == field) {
        return (*label).to_owned();
    }
    let mut words = String::new();
    let chars: Vec<char> = field.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' {
            words.push(' ');
            continue;
        }
        let starts_word = c.is_uppercase()
            && i > 0
            && (chars[i - 1].is_lowercase()
                || chars.get(i + 1).is_some_and(|n| n.is_lowercase()) && chars[i - 1] != '_');
        if starts_word && !words.ends_with(' ') {
            words.push(' ');
        }
        words.extend(c.to_lowercase());
    }
    capitalised(words.trim())
}

fn kind_of(field: &str) -> Option<Kind> {
    FIELDS
        .iter()
        .find(|(f, _, _)| *f == field)
        .map(|(_, _, k)| *k)
}

/// An exact decimal from a JSON number or text, at least 2 dp.
fn money(v: &Value) -> Option<String> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    let mut d = Decimal::from_str_exact(text.trim())
        .or_else(|_| Decimal::from_str(text.trim()))
        .ok()?;
    if d.scale() < 2 {
        d.rescale(2);
    }
    Some(d.to_string())
}

fn date(v: &Value) -> Option<String> {
    let s = v.as_str()?;
    XeroDate::parse(s).ok().map(|d| d.to_string())
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "Yes" } else { "No" }.to_owned()),
        _ => None,
    }
}

/// A value of `field` in words.
pub fn value_words(field: &str, v: &Value) -> AuditValueView {
    let text = |t: Option<String>| match t {
        Some(text) => AuditValueView::Text { text },
        None => AuditValueView::None,
    };
    if v.is_null() {
        return AuditValueView::None;
    }
    match kind_of(field) {
        Some(Kind::Money) => match money(v) {
            Some(amount) => AuditValueView::Money { amount },
            None => text(scalar_text(v)),
        },
        Some(Kind::Date) => match date(v) {
            Some(date) => AuditValueView::Date { date },
            None => text(scalar_text(v)),
        },
        Some(Kind::Code) => text(v.as_str().map(code_words).or_else(|| scalar_text(v))),
        Some(Kind::Bool) | Some(Kind::Text) => text(scalar_text(v)),
        Some(Kind::Object(keys)) => text(
            keys.iter()
                .find_map(|k| v.get(*k).and_then(scalar_text))
                .or_else(|| scalar_text(v)),
        ),
        Some(Kind::Many) => AuditValueView::Many,
        // A field the list does not know, by its value's shape.
        None => match v {
            Value::Array(_) | Value::Object(_) => AuditValueView::Many,
            Value::String(s) if s.starts_with("/Date(") => match date(v) {
                Some(date) => AuditValueView::Date { date },
                None => text(scalar_text(v)),
            },
            _ => text(scalar_text(v)),
        },
    }
}

/// Where a field comes in the words: the known ones in their order, then the rest by name.
fn rank(field: &str) -> (usize, String) {
    let i = FIELDS
        .iter()
        .position(|(f, _, _)| *f == field)
        .unwrap_or(FIELDS.len());
    (i, field.to_owned())
}

/// The fields of one audit row in words (`changes` is its stored
/// `{"Field":{"new":..,"old":..}}`). An addition is told by its summary
/// fields, a removal by none.
pub fn changes_words(action: &str, changes: &Map<String, Value>) -> Vec<AuditChangeWordsView> {
    let mut fields: Vec<&String> = changes
        .keys()
        .filter(|f| !STAMPS.contains(&f.as_str()))
        .filter(|f| match action {
            "insert" => SUMMARY.contains(&f.as_str()),
            "delete" => false,
            _ => true,
        })
        .collect();
    fields.sort_by_key(|f| rank(f));
    fields
        .into_iter()
        .map(|f| {
            let c = &changes[f];
            AuditChangeWordsView {
                field: f.clone(),
                label: field_words(f),
                old: value_words(f, &c["old"]),
                new: value_words(f, &c["new"]),
            }
        })
        .filter(|c| c.old != c.new || c.old == AuditValueView::Many)
        .collect()
}

/// Who or what made a change, from the stored actor (`sync:<run>`, `user:<action>`, `cli:<command>`).
pub fn actor_words(actor: &str) -> String {
    match actor.split_once(':') {
        Some(("sync", "outbox")) => "sync (payments sent to Xero)".to_owned(),
        Some(("sync", _)) => "sync".to_owned(),
        Some(("user", _)) => "you".to_owned(),
        Some(("cli", command)) if !command.is_empty() => format!("the command line ({command})"),
        Some(("cli", _)) => "the command line".to_owned(),
        _ if actor == "restore" || actor.starts_with("restore") => "restore".to_owned(),
        _ => actor.to_owned(),
    }
}

/// `insert` is "added", `update` "changed", `delete` "removed".
pub fn action_words(action: &str) -> &'static str {
    match action {
        "insert" => "added",
        "delete" => "removed",
        _ => "changed",
    }
}

/// The record page's kind for a table's records, when the record has a page.
pub fn entity_of(table: &str) -> Option<EntityKind> {
    Some(match table {
        "invoices" => EntityKind::Invoice,
        "credit_notes" => EntityKind::CreditNote,
        "payments" => EntityKind::Payment,
        "overpayments" => EntityKind::Overpayment,
        "prepayments" => EntityKind::Prepayment,
        "bank_transactions" => EntityKind::BankTransaction,
        "bank_transfers" => EntityKind::BankTransfer,
        "manual_journals" => EntityKind::ManualJournal,
        "purchase_orders" => EntityKind::PurchaseOrder,
        "quotes" => EntityKind::Quote,
        "repeating_invoices" => EntityKind::RepeatingInvoice,
        _ => return None,
    })
}

/// What a table's records are called, by their type where it tells (a bill is an invoice of type `ACCPAY`).
pub fn kind_words(table: &str, doc_type: Option<&str>) -> String {
    let t = doc_type.unwrap_or_default();
    let words = match table {
        "invoices" if t == "ACCPAY" => "Bill",
        "invoices" => "Invoice",
        "credit_notes" if t == "ACCPAYCREDIT" => "Purchase credit note",
        "credit_notes" => "Credit note",
        "payments" if t == "ACCPAY" => "Payment of bill",
        "payments" if t == "ACCREC" => "Payment of invoice",
        "payments" => "Payment",
        "overpayments" => "Overpayment",
        "prepayments" => "Prepayment",
        "bank_transactions" if t.starts_with("SPEND") => "Spend money",
        "bank_transactions" if t.starts_with("RECEIVE") => "Receive money",
        "bank_transactions" => "Bank transaction",
        "bank_transfers" => "Bank transfer",
        "manual_journals" => "Manual journal",
        "journals" => "Journal",
        "purchase_orders" => "Purchase order",
        "quotes" => "Quote",
        "repeating_invoices" if t == "ACCPAY" => "Repeating bill",
        "repeating_invoices" => "Repeating invoice",
        "contacts" => "Contact",
        "contact_groups" => "Contact group",
        "accounts" => "Account",
        "items" => "Item",
        "tax_rates" => "Tax rate",
        "tracking_categories" => "Tracking category",
        "currencies" => "Currency",
        "organisations" => "Organisation",
        "anomaly_findings" => "Finding",
        "outbox" => "Payment to send to Xero",
        "attachments" => "Attachment",
        "budgets" => "Budget",
        "budget_lines" => "Budget line",
        other => {
            let singular = other.strip_suffix('s').unwrap_or(other);
            return capitalised(&singular.replace('_', " "));
        }
    };
    words.to_owned()
}

/// Whether the contact is where the record comes from (a bill is from its supplier) rather than whom it is to.
fn from_contact(table: &str, doc_type: Option<&str>) -> bool {
    let t = doc_type.unwrap_or_default();
    match table {
        "invoices" | "payments" | "repeating_invoices" => t == "ACCPAY",
        "credit_notes" => t == "ACCPAYCREDIT",
        "bank_transactions" | "overpayments" | "prepayments" => t.starts_with("RECEIVE"),
        _ => false,
    }
}

/// A field's value as a row kept it: the new one, else the old one.
fn told<'a>(changes: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    let c = changes.get(field)?;
    [&c["new"], &c["old"]].into_iter().find(|v| !v.is_null())
}

/// What a row's stored fields say of its record, for a record the ledger
/// no longer holds: an addition's new values, a removal's old ones.
pub fn subject_from_changes(changes: &Map<String, Value>) -> AuditSubject {
    let text = |f: &str| told(changes, f).and_then(scalar_text);
    let contact = told(changes, "Contact");
    AuditSubject {
        doc_type: text("Type"),
        number: [
            "InvoiceNumber",
            "CreditNoteNumber",
            "PurchaseOrderNumber",
            "QuoteNumber",
            "Code",
        ]
        .into_iter()
        .find_map(&text),
        reference: text("Reference"),
        name: text("Name").or_else(|| text("Narration")),
        contact_id: contact
            .and_then(|c| c.get("ContactID"))
            .and_then(scalar_text),
        contact_name: contact.and_then(|c| c.get("Name")).and_then(scalar_text),
    }
}

/// The record in words: `Invoice INV-0042 to Café Plumbing`, `Bill B-7 from
/// Kauri Supplies`, `Contact Café Plumbing`, `Account 200 Sales`.
pub fn title(table: &str, s: &AuditSubject) -> String {
    let mut out = kind_words(table, s.doc_type.as_deref());
    let label = match (&s.number, &s.name) {
        (Some(n), Some(name)) if table == "accounts" || table == "items" => {
            Some(format!("{n} {name}"))
        }
        (Some(n), _) if !n.trim().is_empty() => Some(n.clone()),
        _ => s
            .reference
            .clone()
            .filter(|r| !r.trim().is_empty())
            .or_else(|| s.name.clone().filter(|n| !n.trim().is_empty())),
    };
    if let Some(label) = label {
        out.push(' ');
        out.push_str(&label);
    }
    if table != "contacts" {
        if let Some(contact) = s.contact_name.as_ref().filter(|c| !c.trim().is_empty()) {
            out.push_str(if from_contact(table, s.doc_type.as_deref()) {
                " from "
            } else {
                " to "
            });
            out.push_str(contact);
        }
    }
    out
}

/// One audit row in words: its record's facts as the ledger holds them
/// (`subject`), else as the row itself tells them.
pub fn row_words(
    table: &str,
    action: &str,
    actor: &str,
    changes: &Map<String, Value>,
    subject: Option<&AuditSubject>,
) -> AuditWordsView {
    let told = subject_from_changes(changes);
    let s = match subject {
        Some(s) => AuditSubject {
            doc_type: s.doc_type.clone().or(told.doc_type),
            number: s.number.clone().or(told.number),
            reference: s.reference.clone().or(told.reference),
            name: s.name.clone().or(told.name),
            contact_id: s.contact_id.clone().or(told.contact_id),
            contact_name: s.contact_name.clone().or(told.contact_name),
        },
        None => told,
    };
    AuditWordsView {
        title: title(table, &s),
        action: action_words(action).to_owned(),
        by: actor_words(actor),
        changes: changes_words(action, changes),
        contact_id: s.contact_id,
        contact_name: s.contact_name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn a_paid_invoice_reads_in_words() {
        let changes = map(json!({
            "AmountDue": {"old": 120, "new": 0.00},
            "AmountPaid": {"old": 0, "new": 120.5},
            "Status": {"old": "AUTHORISED", "new": "PAID"},
            "UpdatedDateUTC": {"old": "/Date(1)/", "new": "/Date(2)/"},
            "Payments": {"old": [], "new": [{"PaymentID": "p"}]},
            "FullyPaidOnDate": {"old": null, "new": "/Date(1764892800000+0000)/"},
        }));
        let subject = AuditSubject {
            doc_type: Some("ACCREC".into()),
            number: Some("INV-0042".into()),
            contact_name: Some("Café Plumbing".into()),
            contact_id: Some("c-1".into()),
            ..Default::default()
        };
        let w = row_words("invoices", "update", "sync:run-9", &changes, Some(&subject));
        assert_eq!(w.title, "Invoice INV-0042 to Café Plumbing");
        assert_eq!((w.action.as_str(), w.by.as_str()), ("changed", "sync"));
        let labels: Vec<&str> = w.changes.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Status",
                "Fully paid on",
                "Amount due",
                "Amount paid",
                "Payments"
            ]
        );
        assert_eq!(
            (&w.changes[0].old, &w.changes[0].new),
            (
                &AuditValueView::Text {
                    text: "Authorised".into()
                },
                &AuditValueView::Text {
                    text: "Paid".into()
                }
            )
        );
        assert_eq!(
            w.changes[1].new,
            AuditValueView::Date {
                date: "2025-12-05".into()
            }
        );
        assert_eq!(w.changes[1].old, AuditValueView::None);
        assert_eq!(
            (&w.changes[2].old, &w.changes[2].new),
            (
                &AuditValueView::Money {
                    amount: "120.00".into()
                },
                &AuditValueView::Money {
                    amount: "0.00".into()
                }
            )
        );
        assert_eq!(
            w.changes[3].new,
            AuditValueView::Money {
                amount: "120.50".into()
            }
        );
        assert_eq!(w.changes[4].new, AuditValueView::Many);
        assert_eq!(w.contact_id.as_deref(), Some("c-1"));
    }

    #[test]
    fn money_keeps_every_digit_it_was_given() {
        assert_eq!(
            value_words("UnitAmount", &json!("1.2345")),
            AuditValueView::Text {
                text: "1.2345".into()
            }
        );
        let v: Value = serde_json::from_str("98765432109876.54").unwrap();
        assert_eq!(
            value_words("Total", &v),
            AuditValueView::Money {
                amount: "98765432109876.54".into()
            }
        );
        assert_eq!(
            value_words("Total", &json!(-3)),
            AuditValueView::Money {
                amount: "-3.00".into()
            }
        );
    }

    #[test]
    fn a_bill_is_from_its_contact_and_an_account_is_its_code_and_name() {
        let bill = AuditSubject {
            doc_type: Some("ACCPAY".into()),
            number: Some("B-7".into()),
            contact_name: Some("Kauri Supplies".into()),
            ..Default::default()
        };
        assert_eq!(title("invoices", &bill), "Bill B-7 from Kauri Supplies");
        assert_eq!(
            title("payments", &bill),
            "Payment of bill B-7 from Kauri Supplies"
        );
        let account = AuditSubject {
            number: Some("200".into()),
            name: Some("Sales".into()),
            ..Default::default()
        };
        assert_eq!(title("accounts", &account), "Account 200 Sales");
        let contact = AuditSubject {
            name: Some("Café Plumbing".into()),
            contact_name: Some("Café Plumbing".into()),
            ..Default::default()
        };
        assert_eq!(title("contacts", &contact), "Contact Café Plumbing");
        assert_eq!(title("close_runs", &AuditSubject::default()), "Close run");
    }

    #[test]
    fn a_removed_record_is_named_by_what_its_row_kept() {
        let changes = map(json!({
            "InvoiceNumber": {"old": "INV-9", "new": null},
            "Type": {"old": "ACCREC", "new": null},
            "Contact": {"old": {"ContactID": "c-2", "Name": "Moana Cafe"}, "new": null},
            "Status": {"old": "DRAFT", "new": null},
        }));
        let w = row_words("invoices", "delete", "user:x", &changes, None);
        assert_eq!(w.title, "Invoice INV-9 to Moana Cafe");
        assert_eq!((w.action.as_str(), w.by.as_str()), ("removed", "you"));
        assert!(w.changes.is_empty());
        assert_eq!(w.contact_id.as_deref(), Some("c-2"));
    }

    #[test]
    fn an_addition_is_told_by_its_summary() {
        let changes = map(json!({
            "InvoiceNumber": {"old": null, "new": "INV-1"},
            "Status": {"old": null, "new": "SUBMITTED"},
            "Total": {"old": null, "new": 10},
            "LineItems": {"old": null, "new": [{}]},
        }));
        let w = row_words("invoices", "insert", "cli:pay", &changes, None);
        assert_eq!(w.action, "added");
        assert_eq!(w.by, "the command line (pay)");
        let labels: Vec<&str> = w.changes.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["Status", "Total"]);
        assert_eq!(
            w.changes[0].new,
            AuditValueView::Text {
                text: "Awaiting approval".into()
            }
        );
    }

    #[test]
    fn unknown_fields_and_codes_are_made_readable() {
        assert_eq!(field_words("BrandingThemeID"), "Branding theme id");
        assert_eq!(field_words("period_lock_date"), "Period lock date");
        assert_eq!(field_words("AmountDue"), "Amount due");
        assert_eq!(code_words("VOIDED"), "Voided");
        assert_eq!(code_words("PART_PAID"), "Part paid");
        assert_eq!(code_words("Exclusive"), "Exclusive");
        assert_eq!(actor_words("sync:outbox"), "sync (payments sent to Xero)");
        assert_eq!(actor_words("something"), "something");
        assert_eq!(
            value_words("Contact", &json!({"ContactID": "c", "Name": "Ana"})),
            AuditValueView::Text { text: "Ana".into() }
        );
        assert_eq!(
            value_words("IsSupplier", &json!(true)),
            AuditValueView::Text { text: "Yes".into() }
        );
    }
}
