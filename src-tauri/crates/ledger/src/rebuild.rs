//! A whole organisation's documents posted at once: the links between them
//! (what each payment and allocation settles, in what order) worked out
//! here, so the caller only hands over the documents.

use ledgerkeep_domain::xero::{
    Allocation, BankTransaction, BankTransfer, BatchPayment, CreditNote, DocumentStatus, Invoice,
    ManualJournal, Overpayment, Payment, Prepayment,
};
use ledgerkeep_domain::XeroDate;

use crate::context::{settled_before, PostingContext, Settlement};
use crate::error::PostingError;
use crate::model::JournalLine;
use crate::post::{linked, post, settled_id, Document};

/// An organisation's documents, as the ledger holds them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Books<'a> {
    pub invoices: &'a [Invoice],
    pub credit_notes: &'a [CreditNote],
    pub payments: &'a [Payment],
    pub overpayments: &'a [Overpayment],
    pub prepayments: &'a [Prepayment],
    pub bank_transactions: &'a [BankTransaction],
    pub bank_transfers: &'a [BankTransfer],
    pub manual_journals: &'a [ManualJournal],
    /// Handed over like the rest; they post nothing (their payments do).
    pub batch_payments: &'a [BatchPayment],
}

/// The rebuilt general ledger: every line of every document that posted,
/// and, one per document, why the others could not be posted. A document in
/// `errors` has no lines in `lines`: nothing is half-posted.
#[derive(Debug, Clone, Default)]
pub struct Rebuilt {
    pub lines: Vec<JournalLine>,
    pub errors: Vec<PostingError>,
}

impl Books<'_> {
    fn documents(&self) -> impl Iterator<Item = Document<'_>> {
        let b = *self;
        b.invoices
            .iter()
            .map(Document::Invoice)
            .chain(b.credit_notes.iter().map(Document::CreditNote))
            .chain(b.overpayments.iter().map(Document::Overpayment))
            .chain(b.prepayments.iter().map(Document::Prepayment))
            .chain(b.payments.iter().map(Document::Payment))
            .chain(b.bank_transactions.iter().map(Document::BankTransaction))
            .chain(b.bank_transfers.iter().map(Document::BankTransfer))
            .chain(b.manual_journals.iter().map(Document::ManualJournal))
            .chain(b.batch_payments.iter().map(Document::BatchPayment))
    }

    /// Every payment and allocation, as settlements of the documents on each
    /// side of it.
    pub fn settlements(&self) -> Vec<Settlement> {
        self.documents().flat_map(settlements_of).collect()
    }
}

/// The settlements one document makes: a payment settles what it pays (when
/// it posts); each allocation of a credit note, overpayment or prepayment
/// settles the invoice and uses up the credit. Other documents make none.
pub fn settlements_of(document: Document<'_>) -> Vec<Settlement> {
    let mut out = Vec::new();
    let (id, doc_date, allocations) = match document {
        Document::Payment(p) => {
            let posts =
                p.status.as_ref().map(DocumentStatus::folded) == Some(DocumentStatus::Authorised);
            if let (true, Some(doc), Some(date), Some(amount)) =
                (posts, settled_id(p), p.date, p.amount)
            {
                out.push(Settlement {
                    document_id: doc.to_owned(),
                    settlement_id: p.payment_id.clone(),
                    date,
                    amount: amount.as_decimal(),
                });
            }
            return out;
        }
        Document::CreditNote(d) => (&d.credit_note_id, d.date, &d.allocations),
        Document::Overpayment(d) => (&d.overpayment_id, d.date, &d.allocations),
        Document::Prepayment(d) => (&d.prepayment_id, d.date, &d.allocations),
        _ => return out,
    };
    for a in allocations {
        push_allocation(&mut out, id, doc_date, a);
    }
    out
}

fn push_allocation(
    out: &mut Vec<Settlement>,
    id: &str,
    doc_date: Option<XeroDate>,
    a: &Allocation,
) {
    if a.is_deleted == Some(true) {
        return;
    }
    let (Some(date), Some(amount), Some(alloc)) =
        (a.date.or(doc_date), a.amount, a.allocation_id.as_deref())
    else {
        return;
    };
    let invoice = a.invoice.as_ref().and_then(|i| i.invoice_id.as_deref());
    for doc in std::iter::once(id).chain(invoice) {
        out.push(Settlement {
            document_id: doc.to_owned(),
            settlement_id: alloc.to_owned(),
            date,
            amount: amount.as_decimal(),
        });
    }
}

/// Posts every document of `books`. `ctx` carries the organisation's base
/// currency, system accounts and the bank accounts of its overpayments and
/// prepayments; the linked documents and the order of settlements are
/// worked out from `books` (what `ctx` already holds of them is replaced).
pub fn rebuild(books: &Books<'_>, ctx: PostingContext) -> Rebuilt {
    let mut ctx = ctx;
    let mut out = Rebuilt::default();
    for d in books.documents() {
        // A document that cannot be read says why in its own posting, below.
        if let Ok(Some(l)) = linked(d, &ctx) {
            ctx.linked.insert(id_of(d).to_owned(), l);
        }
    }
    match settled_before(books.settlements()) {
        Some(before) => ctx.settled_before = before,
        None => out.errors.push(PostingError::Overflow {
            document: "sum of the payments and allocations of a document".to_owned(),
        }),
    }
    for d in books.documents() {
        match post(d, &ctx) {
            Ok(p) => out.lines.extend(p.lines),
            Err(e) => out.errors.push(e),
        }
    }
    out
}

fn id_of(d: Document<'_>) -> &str {
    match d {
        Document::Invoice(x) => &x.invoice_id,
        Document::CreditNote(x) => &x.credit_note_id,
        Document::Payment(x) => &x.payment_id,
        Document::Overpayment(x) => &x.overpayment_id,
        Document::Prepayment(x) => &x.prepayment_id,
        Document::BankTransaction(x) => &x.bank_transaction_id,
        Document::BankTransfer(x) => &x.bank_transfer_id,
        Document::ManualJournal(x) => &x.manual_journal_id,
        Document::BatchPayment(x) => &x.batch_payment_id,
    }
}
