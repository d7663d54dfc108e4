//! Why a document could not be posted. Each message is a sentence for the
//! owner, naming the document (its number where it has one, else its id).

use rust_decimal::Decimal;

/// A document that cannot be posted. Nothing is half-posted: the caller gets
/// either the whole balanced posting or one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostingError {
    #[error("The {document} has no {field}, so it cannot be posted to the ledger.")]
    Missing {
        document: String,
        field: &'static str,
    },
    #[error(
        "The {document} has the {field} '{value}', which Ledgerkeep does not know how to post."
    )]
    Unknown {
        document: String,
        field: &'static str,
        value: String,
    },
    #[error("Line {line} of the {document} has an amount but names no account.")]
    LineWithoutAccount { document: String, line: usize },
    #[error("The {document} is in {currency} but its currency rate ({rate}) cannot convert it: a rate must be above zero.")]
    BadRate {
        document: String,
        currency: String,
        rate: String,
    },
    #[error("The lines of the {document} add up to {computed}, but its total says {stated}.")]
    TotalMismatch {
        document: String,
        stated: Decimal,
        computed: Decimal,
    },
    #[error(
        "Line {line} of the {document} says its amounts have no tax, but it carries tax of {tax}."
    )]
    TaxOnNoTaxLine {
        document: String,
        line: usize,
        tax: Decimal,
    },
    #[error("The {document} settles the document {linked}, which the ledger does not hold yet, so its rate is not known.")]
    MissingLinked { document: String, linked: String },
    #[error("The bank account of the {document} is not known: its bank transaction is not in the ledger yet.")]
    MissingBankAccount { document: String },
    #[error("The {document} does not balance: its debits and credits differ by {difference}.")]
    Unbalanced {
        document: String,
        difference: Decimal,
    },
    #[error("An amount on the {document} is too large to add up exactly.")]
    Overflow { document: String },
}
