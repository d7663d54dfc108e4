//! Edits after the lock date: a document in a locked period changed in Xero
//! after the period was locked.
//!
//! An edit counts when it changed what the document says (its amounts,
//! lines, date, contact, currency, accounts, or its status to voided or
//! deleted: [`MATERIAL_FIELDS`]); a new reference, or a payment added later,
//! does not (Xero allows those). The document's date is the one it had
//! before the edit (an edit may move it out of the locked period); it must
//! be on or before the lock date, and the edit after it.

use chrono::NaiveDate;
use ledgerkeep_domain::xero::DocumentStatus;

/// Fields whose change alters what a locked document says, in the order
/// they are reported.
pub const MATERIAL_FIELDS: [&str; 16] = [
    "Total",
    "SubTotal",
    "TotalTax",
    "LineItems",
    "JournalLines",
    "Date",
    "Contact",
    "CurrencyCode",
    "CurrencyRate",
    "Type",
    "Amount",
    "BankAmount",
    "Account",
    "BankAccount",
    "LineAmountTypes",
    "Status",
];

/// One field an edit changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// Xero's name for it (`Total`, `Status`, ...).
    pub field: String,
    /// Its new value, when that is text (what a status became).
    pub new_text: Option<String>,
}

/// One edit of a document, as the audit trail recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit<K> {
    pub key: K,
    pub changes: Vec<FieldChange>,
    /// The document's date before the edit, when the edit changed it.
    pub date_before: Option<NaiveDate>,
    /// The document's date now.
    pub date_now: Option<NaiveDate>,
    /// The day Xero made the edit.
    pub edited: Option<NaiveDate>,
}

/// An edit into the locked period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditAfterLock<K> {
    pub key: K,
    /// The date the document had when it was edited.
    pub date: NaiveDate,
    pub edited: NaiveDate,
    pub lock: NaiveDate,
    /// What it changed, in [`MATERIAL_FIELDS`] order.
    pub fields: Vec<&'static str>,
}

fn material(changes: &[FieldChange]) -> Vec<&'static str> {
    MATERIAL_FIELDS
        .into_iter()
        .filter(|f| {
            changes.iter().any(|c| {
                c.field == *f
                    // A status matters only when the document is voided or deleted.
                    && (*f != "Status"
                        || c
                            .new_text
                            .as_deref()
                            .is_some_and(|t| DocumentStatus::from(t).is_void()))
            })
        })
        .collect()
}

/// Whether `edit` changed a document of the period locked up to `lock`
/// after the lock date.
pub fn edit_after_lock<K>(edit: Edit<K>, lock: NaiveDate) -> Option<EditAfterLock<K>> {
    let fields = material(&edit.changes);
    if fields.is_empty() {
        return None;
    }
    let date = edit.date_before.or(edit.date_now)?;
    let edited = edit.edited?;
    (date <= lock && edited > lock).then_some(EditAfterLock {
        key: edit.key,
        date,
        edited,
        lock,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn change(field: &str, new_text: Option<&str>) -> FieldChange {
        FieldChange {
            field: field.to_owned(),
            new_text: new_text.map(str::to_owned),
        }
    }

    fn edit(changes: Vec<FieldChange>, date: &str, edited: &str) -> Edit<u32> {
        Edit {
            key: 1,
            changes,
            date_before: None,
            date_now: Some(day(date)),
            edited: Some(day(edited)),
        }
    }

    const LOCK: &str = "2026-06-30";

    #[test]
    fn a_material_edit_on_or_before_the_lock_date_made_after_it_is_found() {
        let lock = day(LOCK);
        let e = edit(vec![change("Total", None)], "2026-06-30", "2026-07-01");
        let found = edit_after_lock(e, lock).unwrap();
        assert_eq!(found.fields, ["Total"]);
        assert_eq!(
            (found.date, found.edited, found.lock),
            (lock, day("2026-07-01"), lock)
        );
        // Dated the day after the lock: an open period.
        let e = edit(vec![change("Total", None)], "2026-07-01", "2026-07-02");
        assert_eq!(edit_after_lock(e, lock), None);
        // Edited on the lock date itself: before the period was locked.
        let e = edit(vec![change("Total", None)], "2026-06-01", "2026-06-30");
        assert_eq!(edit_after_lock(e, lock), None);
        // No day for the edit or the document: nothing to judge.
        let mut e = edit(vec![change("Total", None)], "2026-06-01", "2026-07-02");
        e.edited = None;
        assert_eq!(edit_after_lock(e, lock), None);
        let mut e = edit(vec![change("Total", None)], "2026-06-01", "2026-07-02");
        e.date_now = None;
        assert_eq!(edit_after_lock(e, lock), None);
    }

    #[test]
    fn the_date_before_the_edit_decides_so_moving_a_document_out_is_found() {
        let lock = day(LOCK);
        let mut e = edit(vec![change("Date", None)], "2026-08-01", "2026-08-02");
        e.date_before = Some(day("2026-05-01"));
        let found = edit_after_lock(e, lock).unwrap();
        assert_eq!(found.date, day("2026-05-01"));
        // Moved into the locked period from an open one: it was not locked when edited.
        let mut e = edit(vec![change("Date", None)], "2026-05-01", "2026-08-02");
        e.date_before = Some(day("2026-08-01"));
        assert_eq!(edit_after_lock(e, lock), None);
    }

    #[test]
    fn a_reference_a_payment_or_another_status_is_no_material_change() {
        let lock = day(LOCK);
        let minor = edit(
            vec![
                change("Reference", Some("Job renamed")),
                change("AmountPaid", None),
                change("AmountDue", None),
                change("Status", Some("PAID")),
                change("UpdatedDateUTC", None),
            ],
            "2026-06-01",
            "2026-07-02",
        );
        assert_eq!(edit_after_lock(minor, lock), None);
        for status in ["VOIDED", "DELETED"] {
            let e = edit(
                vec![change("Status", Some(status))],
                "2026-06-01",
                "2026-07-02",
            );
            assert_eq!(edit_after_lock(e, lock).unwrap().fields, ["Status"]);
        }
    }

    #[test]
    fn the_fields_come_in_their_fixed_order_once_each() {
        let lock = day(LOCK);
        let e = edit(
            vec![
                change("Status", Some("VOIDED")),
                change("Reference", None),
                change("LineItems", None),
                change("Total", None),
                change("Contact", None),
            ],
            "2026-06-01",
            "2026-07-02",
        );
        assert_eq!(
            edit_after_lock(e, lock).unwrap().fields,
            ["Total", "LineItems", "Contact", "Status"]
        );
    }
}
