//! The anomaly findings in words: a title, a sentence with the figures, and
//! a label for each record, made from what the rule found
//! ([`FindingFacts`]). The store and the core keep the facts; this is the
//! only place that words them, so a sentence changes here alone.

use ledgerkeep_domain::xero::{BankTransactionType, InvoiceType};
use ledgerkeep_domain::EntityKind;
use ledgerkeep_store::{FindingFacts, RecordRef};
use rust_decimal::Decimal;

use super::AnomalyRecordView;

/// A finding in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worded {
    pub title: String,
    /// A sentence with the figures.
    pub explanation: String,
    pub records: Vec<AnomalyRecordView>,
}

/// `NZD 12,345.60`: the currency and the amount with thousands separators,
/// at the scale it was stored with (at least cents).
pub fn format_amount(currency: Option<&str>, amount: Decimal) -> String {
    let mut abs = amount.abs();
    if abs.scale() < 2 {
        abs.rescale(2);
    }
    let text = abs.to_string();
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_owned(), Some(f.to_owned())),
        None => (text.clone(), None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if amount.is_sign_negative() && !amount.is_zero() {
        "-"
    } else {
        ""
    };
    let number = match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    };
    match currency {
        Some(c) if !c.is_empty() => format!("{c} {number}"),
        _ => number,
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// What the owner knows a record by: its number, else its reference, else its id.
fn label(r: &RecordRef) -> String {
    let given = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    given(&r.number)
        .or_else(|| given(&r.reference))
        .unwrap_or_else(|| r.xero_id.clone())
}

fn view(r: &RecordRef, label: String) -> AnomalyRecordView {
    AnomalyRecordView {
        entity: r.entity,
        xero_id: r.xero_id.clone(),
        label,
    }
}

fn labelled(r: &RecordRef) -> AnomalyRecordView {
    view(r, label(r))
}

fn payment_view(xero_id: &str, label: String) -> AnomalyRecordView {
    AnomalyRecordView {
        entity: EntityKind::Payment,
        xero_id: xero_id.to_owned(),
        label,
    }
}

/// What a document is, by its Xero `Type` (invoices and bank transactions):
/// its noun, and the plural the outlier rule words.
fn doc_nouns(doc_type: Option<&str>) -> (&'static str, &'static str) {
    let Some(t) = doc_type else {
        return ("Document", "documents");
    };
    match (InvoiceType::from(t), BankTransactionType::from(t)) {
        (InvoiceType::AccPay, _) => ("Bill", "bills"),
        (InvoiceType::AccRec, _) => ("Invoice", "invoices"),
        (_, BankTransactionType::Spend) => ("Spend money", "spend money transactions"),
        (_, BankTransactionType::Receive) => ("Receive money", "receive money transactions"),
        _ => ("Document", "documents"),
    }
}

fn doc_noun(doc_type: Option<&InvoiceType>) -> &'static str {
    doc_nouns(doc_type.map(InvoiceType::as_str)).0
}

fn entity_noun(e: EntityKind) -> &'static str {
    match e {
        EntityKind::Invoice => "document",
        EntityKind::BankTransaction => "bank transaction",
        EntityKind::Payment => "payment",
        EntityKind::CreditNote => "credit note",
        EntityKind::ManualJournal => "manual journal",
        EntityKind::BankTransfer => "bank transfer",
        EntityKind::Overpayment => "overpayment",
        EntityKind::Prepayment => "prepayment",
        _ => "record",
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn or_unnamed(contact: &Option<String>) -> &str {
    contact.as_deref().unwrap_or("an unnamed contact")
}

fn journal_label(j: &RecordRef) -> String {
    format!("Journal {}", j.number.as_deref().unwrap_or("0"))
}

/// The title, sentence and record labels of one finding.
pub fn word(facts: &FindingFacts) -> Worded {
    match facts {
        FindingFacts::DuplicateBill {
            contact,
            first,
            second,
            days_apart,
            shared_reference,
        } => {
            let contact = or_unnamed(contact);
            let date = |d: &ledgerkeep_store::anomalies::DatedBill| {
                d.date.map_or("no date".to_owned(), |d| d.to_string())
            };
            let mut why = Vec::new();
            if let (Some(gap), Some(total)) = (days_apart, first.total) {
                why.push(format!(
                    "are both {} and are dated {} and {} ({} apart)",
                    format_amount(first.currency.as_deref(), total),
                    date(first),
                    date(second),
                    plural(*gap, "day", "days")
                ));
            }
            if let Some(r) = shared_reference {
                why.push(format!("have the same supplier reference \"{r}\""));
            }
            Worded {
                title: format!("Possible duplicate bill from {contact}"),
                explanation: format!(
                    "Bills {} and {} from {contact} {}. One may be a duplicate: pay only one of them.",
                    label(&first.bill),
                    label(&second.bill),
                    why.join(", and ")
                ),
                records: vec![labelled(&first.bill), labelled(&second.bill)],
            }
        }
        FindingFacts::BankDetailsChanged {
            contact,
            name,
            supplier,
            changed_on,
            old,
            new,
            waiting_bills,
        } => {
            let name = name.as_deref().unwrap_or("A contact");
            let waiting = if waiting_bills.is_empty() {
                String::new()
            } else {
                format!(
                    " {} to them {} waiting to be paid.",
                    plural(waiting_bills.len() as i64, "bill", "bills"),
                    if waiting_bills.len() == 1 {
                        "is"
                    } else {
                        "are"
                    }
                )
            };
            let when = changed_on.map(|d| d.to_string()).unwrap_or_default();
            let mut records = vec![view(contact, name.to_owned())];
            records.extend(waiting_bills.iter().map(labelled));
            Worded {
                title: format!("{name}'s bank details changed"),
                explanation: format!(
                    "The bank account of {}{name} changed on {when} from {old} to {new}. Confirm the \
                     change with them by phone, on a number you already had, before paying.{waiting}",
                    if *supplier { "the supplier " } else { "" }
                ),
                records,
            }
        }
        FindingFacts::BackdatedEntry {
            source,
            journal,
            date,
            entered,
            days_late,
            locked_to,
        } => {
            let what = match (source, journal) {
                (Some(s), _) => format!("The {} {}", entity_noun(s.entity), label(s)),
                (None, Some(j)) => journal_label(j),
                (None, None) => "An entry".to_owned(),
            };
            let locked = match locked_to {
                Some(l) => format!(" It falls in the period locked up to {l}."),
                None => String::new(),
            };
            let mut records: Vec<AnomalyRecordView> = source.iter().map(labelled).collect();
            records.extend(journal.iter().map(|j| view(j, journal_label(j))));
            Worded {
                title: "Backdated entry".to_owned(),
                explanation: format!(
                    "{what} is dated {date} but was entered on {entered}, {} later.{locked} Reports \
                     for that period may have changed since you read them.",
                    plural(*days_late, "day", "days")
                ),
                records,
            }
        }
        FindingFacts::EditAfterLock {
            record,
            doc_type,
            date,
            edited,
            locked_to,
            changes,
            ..
        } => {
            let noun = match record.entity {
                EntityKind::Invoice | EntityKind::BankTransaction => {
                    doc_nouns(doc_type.as_deref()).0.to_owned()
                }
                other => capitalised(entity_noun(other)),
            };
            let what: Vec<String> = changes
                .iter()
                .map(|c| match (&c.old, &c.new) {
                    (Some(o), Some(n)) => format!("{} {o} → {n}", c.field),
                    _ => c.field.clone(),
                })
                .collect();
            Worded {
                title: format!("{noun} in a locked period was changed"),
                explanation: format!(
                    "{noun} {}, dated {date} in the period locked up to {locked_to}, was changed in \
                     Xero on {edited}: {}.",
                    label(record),
                    what.join("; ")
                ),
                records: vec![labelled(record)],
            }
        }
        FindingFacts::Overpaid {
            document,
            doc_type,
            contact,
            currency,
            total,
            payments,
            paid,
            excess,
        } => {
            let currency = currency.as_deref();
            let noun = doc_noun(doc_type.as_ref());
            let doc = label(document);
            let contact = or_unnamed(contact);
            let count = plural(payments.len() as i64, "payment", "payments");
            let explanation = match (paid, excess) {
                (Some(paid), Some(excess)) => format!(
                    "{noun} {doc} for {contact} totals {} but {count} of {} were recorded against \
                     it, {} too much.",
                    format_amount(currency, *total),
                    format_amount(currency, *paid),
                    format_amount(currency, *excess)
                ),
                _ => format!(
                    "{noun} {doc} for {contact} totals {} but the {count} and credits recorded \
                     against it add up to an amount out of range (larger than Ledgerkeep can \
                     count): check them in Xero.",
                    format_amount(currency, *total),
                ),
            };
            let mut records = vec![labelled(document)];
            records.extend(
                payments
                    .iter()
                    .map(|p| payment_view(&p.xero_id, format_amount(currency, p.amount))),
            );
            Worded {
                title: format!("{noun} {doc} paid more than its total"),
                explanation,
                records,
            }
        }
        FindingFacts::PaidAgainByBank {
            document,
            doc_type,
            contact,
            currency,
            total,
            payment,
            paid_on,
            bank,
            bank_date,
            days_apart,
            outgoing,
        } => {
            let noun = doc_noun(doc_type.as_ref());
            let doc = label(document);
            let contact = or_unnamed(contact);
            let amount = format_amount(currency.as_deref(), *total);
            let bank_label = label(bank);
            Worded {
                title: format!("{noun} {doc} may have been paid twice"),
                explanation: format!(
                    "{noun} {doc} for {contact} ({amount}) was paid on {paid_on}, and a {} \
                     transaction \"{bank_label}\" of the same amount {} {contact} on {bank_date}, {}.",
                    if *outgoing {
                        "spend money"
                    } else {
                        "receive money"
                    },
                    if *outgoing { "went to" } else { "came from" },
                    if *days_apart == 0 {
                        "the same day".to_owned()
                    } else {
                        format!("{} later", plural(*days_apart, "day", "days"))
                    },
                ),
                records: vec![
                    labelled(document),
                    payment_view(&payment.xero_id, format!("Payment of {amount}")),
                    view(bank, bank_label),
                ],
            }
        }
        FindingFacts::AmountOutlier {
            record,
            doc_type,
            contact,
            currency,
            date,
            amount,
            median,
            largest,
            ordinary,
            times_median,
        } => {
            let currency = currency.as_deref();
            let contact = contact.as_deref().unwrap_or("this contact");
            let (noun, plural_noun) = doc_nouns(doc_type.as_deref());
            let times =
                times_median.map_or_else(|| "too many".to_owned(), |t| t.normalize().to_string());
            Worded {
                title: format!("Unusually large amount for {contact}"),
                explanation: format!(
                    "{noun} {} for {contact}{} is {}: {times} times the median ({}) of their \
                     {ordinary} other {plural_noun}, the largest of which is {}.",
                    label(record),
                    date.map(|d| format!(" dated {d}")).unwrap_or_default(),
                    format_amount(currency, *amount),
                    format_amount(currency, *median),
                    format_amount(currency, *largest),
                ),
                records: vec![labelled(record)],
            }
        }
        FindingFacts::RoundSpend {
            record,
            contact,
            currency,
            date,
            amount,
            unit,
        } => Worded {
            title: format!(
                "Round-amount payment to {}",
                contact.as_deref().unwrap_or("a contact")
            ),
            explanation: format!(
                "Spend money \"{}\" paid {} to {} on {}: a round amount (a multiple of {}) with no \
                 bill behind it. Check that it is supported by an invoice or receipt.",
                label(record),
                format_amount(currency.as_deref(), *amount),
                or_unnamed(contact),
                date.map_or("no date".to_owned(), |d| d.to_string()),
                unit.normalize()
            ),
            records: vec![labelled(record)],
        },
        FindingFacts::RoundBillPayment {
            payment,
            paid_on,
            bill,
            contact,
            currency,
            bill_total,
            unit,
        } => {
            let currency = currency.as_deref();
            let contact = or_unnamed(contact);
            let amount = format_amount(currency, payment.amount);
            Worded {
                title: format!("Round-amount payment to {contact}"),
                explanation: format!(
                    "A payment of {amount} to {contact} on {} against bill {} ({}) is a round \
                     amount (a multiple of {}), not the bill's total. Check what it pays for.",
                    paid_on.map_or("no date".to_owned(), |d| d.to_string()),
                    label(bill),
                    bill_total
                        .map(|t| format_amount(currency, t))
                        .unwrap_or_default(),
                    unit.normalize()
                ),
                records: vec![
                    payment_view(&payment.xero_id, format!("Payment of {amount}")),
                    labelled(bill),
                ],
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledgerkeep_domain::XeroDate;
    use ledgerkeep_store::anomalies::{DatedBill, FieldEdit, PaymentRef};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn day(s: &str) -> XeroDate {
        XeroDate::parse(s).unwrap()
    }

    fn invoice(id: &str, number: Option<&str>, reference: Option<&str>) -> RecordRef {
        RecordRef::new(EntityKind::Invoice, id)
            .with_number(number.map(str::to_owned))
            .with_reference(reference.map(str::to_owned))
    }

    fn labels(w: &Worded) -> Vec<(EntityKind, &str, &str)> {
        w.records
            .iter()
            .map(|r| (r.entity, r.xero_id.as_str(), r.label.as_str()))
            .collect()
    }

    #[test]
    fn amounts_are_written_with_their_currency_and_thousands() {
        assert_eq!(
            format_amount(Some("NZD"), d("1234567.50")),
            "NZD 1,234,567.50"
        );
        assert_eq!(format_amount(Some("GBP"), d("100")), "GBP 100.00");
        assert_eq!(format_amount(None, d("-12.3400")), "-12.3400");
        assert_eq!(format_amount(Some("AUD"), d("999.99")), "AUD 999.99");
        assert_eq!(format_amount(Some(""), d("0.5")), "0.50");
    }

    #[test]
    fn a_record_is_labelled_by_its_number_else_its_reference_else_its_id() {
        assert_eq!(label(&invoice("id", Some("INV-1"), Some("R"))), "INV-1");
        assert_eq!(label(&invoice("id", None, Some("R"))), "R");
        assert_eq!(label(&invoice("id", Some(" "), None)), "id");
        // Facts read back from JSON may carry a blank number.
        let mut r = invoice("id", None, Some("R"));
        r.number = Some(String::new());
        assert_eq!(label(&r), "R");
    }

    #[test]
    fn a_duplicate_pair_by_reference_only_says_so() {
        let bill = |id: &str, n: &str| DatedBill {
            bill: invoice(id, Some(n), None),
            date: None,
            total: Some(d("10.00")),
            currency: None,
        };
        let w = word(&FindingFacts::DuplicateBill {
            contact: None,
            first: bill("a", "INV 7"),
            second: bill("b", "inv-7"),
            days_apart: None,
            shared_reference: Some("INV 7".into()),
        });
        assert_eq!(w.title, "Possible duplicate bill from an unnamed contact");
        assert_eq!(
            w.explanation,
            "Bills INV 7 and inv-7 from an unnamed contact have the same supplier reference \
             \"INV 7\". One may be a duplicate: pay only one of them."
        );
    }

    #[test]
    fn a_suppliers_new_bank_details_name_the_bills_waiting() {
        let w = word(&FindingFacts::BankDetailsChanged {
            contact: RecordRef::new(EntityKind::Contact, "c1"),
            name: Some("Harbour Supplies".into()),
            supplier: true,
            changed_on: Some(day("2026-07-01")),
            old: "12-3456-0000001-00".into(),
            new: "99-8888-7777777-66".into(),
            waiting_bills: vec![invoice("b1", Some("BILL-9"), None)],
        });
        assert_eq!(w.title, "Harbour Supplies's bank details changed");
        assert_eq!(
            w.explanation,
            "The bank account of the supplier Harbour Supplies changed on 2026-07-01 from \
             12-3456-0000001-00 to 99-8888-7777777-66. Confirm the change with them by phone, on \
             a number you already had, before paying. 1 bill to them is waiting to be paid."
        );
        assert_eq!(
            labels(&w),
            [
                (EntityKind::Contact, "c1", "Harbour Supplies"),
                (EntityKind::Invoice, "b1", "BILL-9")
            ]
        );
    }

    #[test]
    fn a_backdated_entry_names_its_document_or_its_journal() {
        let facts = |source| FindingFacts::BackdatedEntry {
            source,
            journal: Some(RecordRef::new(EntityKind::Journal, "j1").with_number(Some("42".into()))),
            date: day("2026-01-10"),
            entered: day("2026-04-10"),
            days_late: 90,
            locked_to: Some(day("2026-03-31")),
        };
        let w = word(&facts(Some(invoice("i1", Some("BILL-LATE"), None))));
        assert_eq!(w.title, "Backdated entry");
        assert_eq!(
            w.explanation,
            "The document BILL-LATE is dated 2026-01-10 but was entered on 2026-04-10, 90 days \
             later. It falls in the period locked up to 2026-03-31. Reports for that period may \
             have changed since you read them."
        );
        assert_eq!(
            labels(&w),
            [
                (EntityKind::Invoice, "i1", "BILL-LATE"),
                (EntityKind::Journal, "j1", "Journal 42")
            ]
        );
        let w = word(&facts(None));
        assert!(
            w.explanation.starts_with("Journal 42 is dated"),
            "{}",
            w.explanation
        );
        assert_eq!(w.records.len(), 1);
    }

    #[test]
    fn an_edit_after_the_lock_names_each_field_with_its_values_when_plain() {
        let w = word(&FindingFacts::EditAfterLock {
            record: invoice("i1", Some("BILL-3"), None),
            doc_type: Some("ACCPAY".into()),
            date: day("2026-02-01"),
            edited: day("2026-05-02"),
            locked_to: day("2026-03-31"),
            changes: vec![
                FieldEdit {
                    field: "Total".into(),
                    old: Some("100.00".into()),
                    new: Some("350.00".into()),
                },
                FieldEdit {
                    field: "LineItems".into(),
                    old: None,
                    new: None,
                },
            ],
            new_total: Some(d("350.00")),
        });
        assert_eq!(w.title, "Bill in a locked period was changed");
        assert_eq!(
            w.explanation,
            "Bill BILL-3, dated 2026-02-01 in the period locked up to 2026-03-31, was changed in \
             Xero on 2026-05-02: Total 100.00 → 350.00; LineItems."
        );
        let w = word(&FindingFacts::EditAfterLock {
            record: RecordRef::new(EntityKind::ManualJournal, "m1")
                .with_reference(Some("Accruals".into())),
            doc_type: None,
            date: day("2026-02-01"),
            edited: day("2026-05-02"),
            locked_to: day("2026-03-31"),
            changes: vec![],
            new_total: None,
        });
        assert_eq!(w.title, "Manual journal in a locked period was changed");
        assert!(w.explanation.starts_with("Manual journal Accruals, dated"));
    }

    #[test]
    fn an_overpaid_document_says_by_how_much_or_that_the_sum_is_out_of_range() {
        let facts = |paid, excess| FindingFacts::Overpaid {
            document: invoice("i1", Some("INV-1"), None),
            doc_type: Some(InvoiceType::AccRec),
            contact: Some("Harbour".into()),
            currency: Some("NZD".into()),
            total: d("100.00"),
            payments: vec![
                PaymentRef {
                    xero_id: "p1".into(),
                    amount: d("60.00"),
                },
                PaymentRef {
                    xero_id: "p2".into(),
                    amount: d("50.00"),
                },
            ],
            paid,
            excess,
        };
        let w = word(&facts(Some(d("110.00")), Some(d("10.00"))));
        assert_eq!(w.title, "Invoice INV-1 paid more than its total");
        assert_eq!(
            w.explanation,
            "Invoice INV-1 for Harbour totals NZD 100.00 but 2 payments of NZD 110.00 were \
             recorded against it, NZD 10.00 too much."
        );
        assert_eq!(
            labels(&w),
            [
                (EntityKind::Invoice, "i1", "INV-1"),
                (EntityKind::Payment, "p1", "NZD 60.00"),
                (EntityKind::Payment, "p2", "NZD 50.00")
            ]
        );
        let w = word(&facts(None, None));
        assert!(w.explanation.contains("out of range"), "{}", w.explanation);
    }

    #[test]
    fn a_document_paid_again_by_the_bank_says_when() {
        let facts = |days_apart, outgoing| FindingFacts::PaidAgainByBank {
            document: invoice("i1", Some("BILL-5"), None),
            doc_type: Some(InvoiceType::AccPay),
            contact: Some("Harbour".into()),
            currency: Some("NZD".into()),
            total: d("1234.50"),
            payment: PaymentRef {
                xero_id: "p1".into(),
                amount: d("1234.50"),
            },
            paid_on: day("2026-03-01"),
            bank: RecordRef::new(EntityKind::BankTransaction, "b1")
                .with_reference(Some("Paid again".into())),
            bank_date: day("2026-03-04"),
            days_apart,
            outgoing,
        };
        let w = word(&facts(3, true));
        assert_eq!(w.title, "Bill BILL-5 may have been paid twice");
        assert_eq!(
            w.explanation,
            "Bill BILL-5 for Harbour (NZD 1,234.50) was paid on 2026-03-01, and a spend money \
             transaction \"Paid again\" of the same amount went to Harbour on 2026-03-04, 3 days \
             later."
        );
        assert_eq!(
            labels(&w),
            [
                (EntityKind::Invoice, "i1", "BILL-5"),
                (EntityKind::Payment, "p1", "Payment of NZD 1,234.50"),
                (EntityKind::BankTransaction, "b1", "Paid again")
            ]
        );
        let w = word(&facts(0, false));
        assert!(
            w.explanation
                .contains("receive money transaction \"Paid again\" of the same amount came from")
                && w.explanation.ends_with("the same day."),
            "{}",
            w.explanation
        );
    }

    #[test]
    fn an_outlier_gives_the_median_the_count_and_the_largest() {
        let facts = |times_median| FindingFacts::AmountOutlier {
            record: invoice("i7", Some("BILL-7"), None),
            doc_type: Some("ACCPAY".into()),
            contact: Some("Harbour".into()),
            currency: Some("NZD".into()),
            date: Some(day("2026-06-01")),
            amount: d("5000"),
            median: d("100"),
            largest: d("130"),
            ordinary: 6,
            times_median,
        };
        let w = word(&facts(Some(d("50.0"))));
        assert_eq!(w.title, "Unusually large amount for Harbour");
        assert_eq!(
            w.explanation,
            "Bill BILL-7 for Harbour dated 2026-06-01 is NZD 5,000.00: 50 times the median \
             (NZD 100.00) of their 6 other bills, the largest of which is NZD 130.00."
        );
        let w = word(&facts(None));
        assert!(
            w.explanation.contains("too many times"),
            "{}",
            w.explanation
        );
    }

    #[test]
    fn a_round_bill_payment_names_the_bill_and_its_total() {
        let w = word(&FindingFacts::RoundBillPayment {
            payment: PaymentRef {
                xero_id: "p1".into(),
                amount: d("1000.00"),
            },
            paid_on: Some(day("2026-06-30")),
            bill: invoice("i1", Some("BILL-8"), None),
            contact: Some("Harbour".into()),
            currency: Some("NZD".into()),
            bill_total: Some(d("1850.00")),
            unit: d("1000"),
        });
        assert_eq!(w.title, "Round-amount payment to Harbour");
        assert_eq!(
            w.explanation,
            "A payment of NZD 1,000.00 to Harbour on 2026-06-30 against bill BILL-8 (NZD 1,850.00) \
             is a round amount (a multiple of 1000), not the bill's total. Check what it pays for."
        );
        assert_eq!(
            labels(&w),
            [
                (EntityKind::Payment, "p1", "Payment of NZD 1,000.00"),
                (EntityKind::Invoice, "i1", "BILL-8")
            ]
        );
    }
}
