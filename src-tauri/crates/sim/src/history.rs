//! Xero's history and notes of a record, as `GET {Collection}/{id}/History`
//! serves them: `HistoryRecords`, each with `Changes` (`Created`,
//! `Approved`, `Paid`, `Voided`, `Note`...), `DateUTCString`, `DateUTC`,
//! `User` and `Details`.
//!
//! Like attachments, history holds no state of its own: it is made from the
//! record's JSON (its id, dates, status, number, contact and total), so the
//! same books always serve the same history, and a record changed by a
//! mutation (voided, deleted, paid) gains the entry that says so, dated at
//! its `UpdatedDateUTC`. Every entry lies between the document's date and
//! its last change: nothing is dated after the record was last touched.
//! Newest first, as Xero's own page lists them.

use serde_json::{json, Value};

use crate::books::Collection;
use crate::wire::{parse_ms_date, updated_ms};

/// The people who keep the simulated books.
pub const USERS: [&str; 4] = ["Ava Thompson", "Noah Patel", "Mia Chen", "Liam O'Connor"];

/// Notes an owner leaves on a record.
const NOTES: [&str; 4] = [
    "Called about this one; they will pay by the end of the month.",
    "Checked against the signed delivery note.",
    "Receipt filed in the blue folder.",
    "Agreed by email.",
];

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The collections with a History endpoint in Xero that the simulator serves
/// (Xero's list less the deprecated expense claims and receipts).
pub fn carries_history(collection: Collection) -> bool {
    matches!(
        collection,
        Collection::Contacts
            | Collection::Items
            | Collection::Invoices
            | Collection::CreditNotes
            | Collection::Payments
            | Collection::BatchPayments
            | Collection::Overpayments
            | Collection::Prepayments
            | Collection::BankTransactions
            | Collection::BankTransfers
            | Collection::ManualJournals
            | Collection::RepeatingInvoices
            | Collection::PurchaseOrders
            | Collection::Quotes
    )
}

/// FNV-1a of the record id: stable, and no draw from the books' generator.
fn fnv(text: &str, salt: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn text_of(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn ms_of(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_str).and_then(parse_ms_date)
}

/// One entry as Xero serves it.
pub fn entry(changes: &str, at_ms: i64, user: &str, details: &str) -> Value {
    let text = chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default();
    json!({
        "Changes": changes,
        "DateUTCString": text,
        "DateUTC": format!("/Date({at_ms}+0000)/"),
        "User": user,
        "Details": details,
    })
}

/// What the record is, in a history's details: "INV-0042 to Acme Ltd for
/// 1150.00", "Payment of 200.00".
fn describe(collection: Collection, record: &Value) -> String {
    let number = [
        "InvoiceNumber",
        "CreditNoteNumber",
        "PurchaseOrderNumber",
        "QuoteNumber",
        "Reference",
        "Narration",
        "Code",
        "Name",
    ]
    .iter()
    .map(|k| text_of(record, k))
    .find(|s| !s.trim().is_empty());
    let contact = record
        .get("Contact")
        .map(|c| text_of(c, "Name"))
        .filter(|s| !s.is_empty());
    let amount = ["Total", "Amount", "TotalAmount"]
        .iter()
        .map(|k| text_of(record, k))
        .find(|s| !s.is_empty());
    let mut out = number.unwrap_or_else(|| collection.path().trim_end_matches('s').to_owned());
    if let Some(c) = contact {
        out.push_str(&format!(" to {c}"));
    }
    if let Some(a) = amount {
        let currency = text_of(record, "CurrencyCode");
        if currency.is_empty() {
            out.push_str(&format!(" for {a}"));
        } else {
            out.push_str(&format!(" for {currency} {a}"));
        }
    }
    out.push('.');
    out
}

/// The history of a record, newest first (empty for a collection Xero keeps
/// none for).
pub fn history_of(collection: Collection, record: &Value) -> Vec<Value> {
    if !carries_history(collection) {
        return Vec::new();
    }
    let id = text_of(record, collection.id_field());
    let h = fnv(&id, 11);
    let updated = updated_ms(record);
    // A repeating invoice's day is its schedule's start.
    let dated = ms_of(record, "Date")
        .or_else(|| record.get("Schedule").and_then(|s| ms_of(s, "StartDate")));
    // The last moment the record was touched; nothing is dated after it.
    let last = match (updated, dated) {
        (Some(u), _) => u,
        (None, Some(d)) => d + 17 * HOUR_MS,
        (None, None) => return Vec::new(),
    };
    // Created in office hours of the document's day, never after its last change.
    let created = dated
        .map(|d| d + 8 * HOUR_MS + i64::try_from(h % (8 * 60)).unwrap_or(0) * 60_000)
        .unwrap_or(last)
        .min(last);
    let creator = USERS[usize::try_from(h % 4).unwrap_or(0)];
    let approver = USERS[usize::try_from((h >> 8) % 4).unwrap_or(0)];
    // Approved within three days of creation, and not after the last change.
    let approved = (created + i64::try_from((h >> 16) % 3).unwrap_or(0) * DAY_MS + HOUR_MS)
        .min(last)
        .max(created);
    let what = describe(collection, record);
    let status = match collection {
        Collection::Contacts => text_of(record, "ContactStatus"),
        _ => text_of(record, "Status"),
    };
    let mut entries: Vec<(i64, Value)> = vec![(created, entry("Created", created, creator, &what))];
    let approve = |entries: &mut Vec<(i64, Value)>| {
        entries.push((approved, entry("Approved", approved, approver, &what)));
    };
    match status.as_str() {
        "SUBMITTED" => entries.push((
            approved,
            entry("Submitted", approved, creator, "Submitted for approval."),
        )),
        // A payment is made, not approved.
        "AUTHORISED" if !matches!(collection, Collection::Payments | Collection::BatchPayments) => {
            approve(&mut entries)
        }
        "POSTED" => entries.push((approved, entry("Posted", approved, approver, &what))),
        "PAID" => {
            approve(&mut entries);
            // Recorded when the last payment was entered: the last change.
            let on = ms_of(record, "FullyPaidOnDate")
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map(|d| format!(" on {}", d.format("%-d %b %Y")))
                .unwrap_or_default();
            entries.push((
                last,
                entry(
                    "Paid",
                    last,
                    "System Generated",
                    &format!("Payment received in full{on}."),
                ),
            ));
        }
        "VOIDED" => {
            approve(&mut entries);
            entries.push((last, entry("Voided", last, approver, &what)));
        }
        "DELETED" => entries.push((last, entry("Deleted", last, approver, &what))),
        "ARCHIVED" => entries.push((last, entry("Archived", last, creator, ""))),
        "SENT" | "ACCEPTED" | "DECLINED" | "INVOICED" | "BILLED" => {
            approve(&mut entries);
            let word = match status.as_str() {
                "SENT" => "Sent",
                "ACCEPTED" => "Accepted",
                "DECLINED" => "Declined",
                "INVOICED" => "Invoiced",
                _ => "Billed",
            };
            entries.push((last, entry(word, last, approver, &what)));
        }
        _ => {}
    }
    // A change after the last of these that moved no status: an edit.
    let newest = entries.iter().map(|(at, _)| *at).max().unwrap_or(created);
    if last - newest > HOUR_MS && !matches!(status.as_str(), "VOIDED" | "DELETED" | "ARCHIVED") {
        entries.push((last, entry("Edited", last, creator, "Details changed.")));
    }
    // A third of the records carry a note, left between creation and the last change.
    if h >> 24 & 3 == 0 {
        let span = (last - created).max(0);
        let at = created + span / 2;
        let note = NOTES[usize::try_from((h >> 32) % 4).unwrap_or(0)];
        entries.push((at, entry("Note", at, creator, note)));
    }
    // Newest first; for equal instants the later step first.
    let mut indexed: Vec<(usize, (i64, Value))> = entries.into_iter().enumerate().collect();
    indexed.sort_by(|(ia, (a, _)), (ib, (b, _))| b.cmp(a).then(ib.cmp(ia)));
    indexed.into_iter().map(|(_, (_, v))| v).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paid_invoice_was_created_approved_and_paid_in_that_order() {
        let invoice = json!({
            "InvoiceID": "a1", "InvoiceNumber": "INV-7", "Status": "PAID",
            "Contact": {"Name": "Acme"}, "Total": 12.5, "CurrencyCode": "NZD",
            "Date": "/Date(1767225600000+0000)/",
            "FullyPaidOnDate": "/Date(1768435200000+0000)/",
            "UpdatedDateUTC": "/Date(1768500000000+0000)/",
        });
        let h = history_of(Collection::Invoices, &invoice);
        let steps: Vec<&str> = h
            .iter()
            .filter(|e| e["Changes"] != "Note")
            .map(|e| e["Changes"].as_str().unwrap())
            .collect();
        assert_eq!(steps, ["Paid", "Approved", "Created"]);
        let at: Vec<i64> = h
            .iter()
            .map(|e| parse_ms_date(e["DateUTC"].as_str().unwrap()).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] >= w[1]), "newest first: {at:?}");
        assert!(at
            .iter()
            .all(|t| *t >= 1_767_225_600_000 && *t <= 1_768_500_000_000));
        assert_eq!(h.last().unwrap()["Details"], "INV-7 to Acme for NZD 12.5.");
        assert!(history_of(Collection::Accounts, &invoice).is_empty());
    }
}
