//! Aged receivables and payables as at any date, from the documents' payment
//! and allocation history rather than the amount due Xero reports today.
//!
//! A document's amount outstanding at a day `D` is its total less what its
//! payments, allocations and refunds dated on or before `D` settled, in its
//! own currency. In the base currency it is what its own posting put in the
//! control account less what those settlements took out of it, converted as
//! posting converts them: on the running total settled, so the parts of a
//! foreign document's settlements up to `D` take out exactly
//! `base(settled up to D)`. Summed over the documents that sit in a control
//! account (invoices, credit notes, overpayments) this equals, to the cent,
//! that account's lines dated on or before `D` that [`crate::post`] gives
//! those documents and their payments and allocations. A prepayment does not
//! sit in the control account (its money sits in its lines' accounts until
//! it is used): it is outstanding too, as Xero's aged reports show it, but
//! flagged [`AgedDocument::in_control`] `false`, so a report can show it as
//! a reconciling row.
//!
//! Amounts are signed as what is owed: positive for an invoice or a bill
//! (the contact owes us, or we owe the supplier), negative for a credit
//! note, an overpayment or a prepayment, on both sides. For receivables the
//! base sum is the control account's debit balance; for payables its credit
//! balance.

use std::collections::BTreeMap;

use ledgerkeep_domain::xero::ContactRef;
use ledgerkeep_domain::XeroDate;
use rust_decimal::Decimal;

use crate::context::{PostingContext, Settlement, Side};
use crate::error::PostingError;
use crate::post::{booked, to_base, Document};
use crate::rebuild::Books;

/// Which kind of document is outstanding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgedKind {
    Invoice,
    CreditNote,
    Overpayment,
    Prepayment,
}

impl AgedKind {
    /// +1 for what the contact owes (an invoice or a bill), -1 for a credit.
    fn sign(self) -> Decimal {
        match self {
            AgedKind::Invoice => Decimal::ONE,
            _ => Decimal::NEGATIVE_ONE,
        }
    }
}

/// A receivable or payable document as the aged reports read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgedDocument {
    pub id: String,
    pub kind: AgedKind,
    pub side: Side,
    /// The invoice's or credit note's number, else its reference.
    pub number: Option<String>,
    pub contact_id: Option<String>,
    pub contact_name: Option<String>,
    pub date: XeroDate,
    /// The date it is aged by: its due date, else (credit notes,
    /// overpayments, prepayments, which have none) its date.
    pub due_date: XeroDate,
    /// `None` for the base currency.
    pub currency: Option<String>,
    /// Xero's `CurrencyRate`; `None` for the base currency.
    pub rate: Option<Decimal>,
    /// The total, signed as owed, in its own currency.
    pub total: Decimal,
    /// Signed as owed, in the base currency: what its own posting put in
    /// the control account, or for a prepayment its total converted.
    pub booked: Decimal,
    /// Whether it sits in the receivable or payable control account.
    pub in_control: bool,
}

/// A document outstanding at a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outstanding {
    pub document: AgedDocument,
    /// Signed as owed, in the document's currency.
    pub amount: Decimal,
    /// Signed as owed, in the base currency.
    pub base: Decimal,
}

/// What is outstanding at a date, and the documents that could not be read
/// (they do not post either, so they are in no control account).
#[derive(Debug, Clone, Default)]
pub struct Aged {
    pub outstanding: Vec<Outstanding>,
    pub errors: Vec<PostingError>,
}

impl Aged {
    /// The base-currency sum of what is outstanding on `side`, of the
    /// documents in the control account (`in_control`) or of those that
    /// are not (prepayments). `None` when it overflows.
    pub fn base_total(&self, side: Side, in_control: bool) -> Option<Decimal> {
        self.outstanding
            .iter()
            .filter(|o| o.document.side == side && o.document.in_control == in_control)
            .try_fold(Decimal::ZERO, |acc, o| acc.checked_add(o.base))
    }
}

fn contact(c: &Option<ContactRef>) -> (Option<String>, Option<String>) {
    c.as_ref()
        .map_or((None, None), |c| (c.contact_id.clone(), c.name.clone()))
}

fn missing_date(what: &str, id: &str) -> PostingError {
    PostingError::Missing {
        document: format!("{what} {id}"),
        field: "Date",
    }
}

/// Reads one document for the aged reports: `None` for a document that is
/// not an invoice, credit note, overpayment or prepayment, or that does not
/// post (a draft, a voided one). The amounts are those [`crate::post`]
/// books, so a document that cannot be posted is an error here too.
pub fn aged_document(
    document: Document<'_>,
    ctx: &PostingContext,
) -> Result<Option<AgedDocument>, PostingError> {
    let Some(b) = booked(document, ctx)? else {
        return Ok(None);
    };
    let (id, kind, number, contact_ref, date, due) = match document {
        Document::Invoice(d) => (
            &d.invoice_id,
            AgedKind::Invoice,
            d.invoice_number.clone().or(d.reference.clone()),
            &d.contact,
            d.date
                .ok_or_else(|| missing_date("invoice", &d.invoice_id))?,
            d.due_date,
        ),
        Document::CreditNote(d) => (
            &d.credit_note_id,
            AgedKind::CreditNote,
            d.credit_note_number.clone().or(d.reference.clone()),
            &d.contact,
            d.date
                .ok_or_else(|| missing_date("credit note", &d.credit_note_id))?,
            None,
        ),
        Document::Overpayment(d) => (
            &d.overpayment_id,
            AgedKind::Overpayment,
            d.reference.clone(),
            &d.contact,
            d.date
                .ok_or_else(|| missing_date("overpayment", &d.overpayment_id))?,
            None,
        ),
        Document::Prepayment(d) => (
            &d.prepayment_id,
            AgedKind::Prepayment,
            d.reference.clone(),
            &d.contact,
            d.date
                .ok_or_else(|| missing_date("prepayment", &d.prepayment_id))?,
            None,
        ),
        _ => return Ok(None),
    };
    let (contact_id, contact_name) = contact(contact_ref);
    let sign = kind.sign();
    let overflow = || PostingError::Overflow {
        document: id.clone(),
    };
    let booked = if b.in_control {
        b.control
    } else {
        b.total_base
    };
    Ok(Some(AgedDocument {
        id: id.clone(),
        kind,
        side: b.side,
        number,
        contact_id,
        contact_name,
        date,
        due_date: due.unwrap_or(date),
        currency: b.currency,
        rate: b.rate,
        total: sign.checked_mul(b.total).ok_or_else(overflow)?,
        booked: sign.checked_mul(booked).ok_or_else(overflow)?,
        in_control: b.in_control,
    }))
}

/// What each of `documents` has outstanding at the end of `as_at`, given
/// every payment, allocation and refund that settles them (each amount in
/// the settled document's currency, as [`crate::Settlement`] holds it).
/// Documents with nothing outstanding in either currency are left out; a
/// document dated after `as_at` counts only what was settled of it by then
/// (normally nothing).
pub fn outstanding_at(
    documents: Vec<AgedDocument>,
    settlements: &[Settlement],
    as_at: XeroDate,
) -> Result<Vec<Outstanding>, PostingError> {
    let mut settled: BTreeMap<&str, Decimal> = BTreeMap::new();
    for s in settlements.iter().filter(|s| s.date <= as_at) {
        let slot = settled.entry(s.document_id.as_str()).or_default();
        *slot = slot
            .checked_add(s.amount)
            .ok_or_else(|| PostingError::Overflow {
                document: s.document_id.clone(),
            })?;
    }
    let mut out = Vec::new();
    for d in documents {
        let paid = settled.get(d.id.as_str()).copied().unwrap_or_default();
        let dated = d.date <= as_at;
        if !dated && paid.is_zero() {
            continue;
        }
        let overflow = || PostingError::Overflow {
            document: d.id.clone(),
        };
        let sign = d.kind.sign();
        let (total, booked) = if dated {
            (d.total, d.booked)
        } else {
            (Decimal::ZERO, Decimal::ZERO)
        };
        let paid_signed = sign.checked_mul(paid).ok_or_else(overflow)?;
        let amount = total.checked_sub(paid_signed).ok_or_else(overflow)?;
        // The running total converted: the settlements up to `as_at` took
        // exactly `base(paid)` out of the control account.
        let paid_base = to_base(&d.id, d.currency.as_deref(), d.rate, paid_signed)?;
        let base = booked.checked_sub(paid_base).ok_or_else(overflow)?;
        if amount.is_zero() && base.is_zero() {
            continue;
        }
        out.push(Outstanding {
            document: d,
            amount,
            base,
        });
    }
    Ok(out)
}

/// The day from which `document` has nothing outstanding for good, given
/// its own `settlements`: the later of its date and its last settlement's,
/// when by then they settle it exactly in both currencies; `None` while
/// something stays outstanding. On that day and after, [`outstanding_at`]
/// leaves it out, so a reader of a kept copy of the documents may skip it.
pub fn settled_from(document: &AgedDocument, settlements: &[Settlement]) -> Option<XeroDate> {
    let last = settlements
        .iter()
        .filter(|s| s.document_id == document.id)
        .map(|s| s.date)
        .fold(document.date, std::cmp::max);
    match outstanding_at(vec![document.clone()], settlements, last) {
        Ok(o) if o.is_empty() => Some(last),
        _ => None,
    }
}

/// What is outstanding at the end of `as_at` in an organisation's books:
/// every invoice, credit note, overpayment and prepayment, settled by the
/// payments and allocations in `books` dated on or before `as_at`. `ctx`
/// needs only the base currency. A document that cannot be read is named in
/// [`Aged::errors`] and left out.
pub fn aged(books: &Books<'_>, ctx: &PostingContext, as_at: XeroDate) -> Aged {
    let mut out = Aged::default();
    let documents = books
        .invoices
        .iter()
        .map(Document::Invoice)
        .chain(books.credit_notes.iter().map(Document::CreditNote))
        .chain(books.overpayments.iter().map(Document::Overpayment))
        .chain(books.prepayments.iter().map(Document::Prepayment));
    let mut read = Vec::new();
    for d in documents {
        match aged_document(d, ctx) {
            Ok(Some(a)) => read.push(a),
            Ok(None) => {}
            Err(e) => out.errors.push(e),
        }
    }
    match outstanding_at(read, &books.settlements(), as_at) {
        Ok(o) => out.outstanding = o,
        Err(e) => out.errors.push(e),
    }
    out
}
