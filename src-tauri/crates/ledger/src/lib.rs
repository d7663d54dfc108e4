//! The general ledger, rebuilt from Xero's documents.
//!
//! A Xero app below the Advanced tier cannot read Xero's Journals, so
//! Ledgerkeep posts the documents it syncs itself: [`post`] takes one
//! document ([`Document`]) and a [`PostingContext`] (the base currency, the
//! system accounts, and what payments and allocations settle) and returns
//! its [`Posting`]: [`JournalLine`]s in the base currency, debit positive,
//! each naming its account (code and/or AccountID, as the document gives
//! them), its source (document kind, id, line or allocation id), tax type,
//! tracking, and the foreign amount for a foreign-currency document.
//! [`trial_balance`] and [`monthly_balances`] sum lines per account, and per
//! account per month. [`linked`] reads what a payment or an allocation needs
//! of the document it settles, and [`settled_before`] orders settlements;
//! [`rebuild`] does all of it for an organisation's [`Books`] at once.
//! [`budget`] sets each profit-and-loss account's budget beside its actual per month.
//! [`statements`] makes the profit and loss, balance sheet, trial balance
//! and cash summary from account movements, and their figures as Xero's
//! reports are compared.
//! [`account_transactions`] runs one account's balance through its lines
//! (the general ledger screen, as Xero's Account Transactions report).
//! [`tax_summary`] sums documents' lines by tax rate; [`tax_return`] sets
//! such a summary against the GST/BAS return Xero published for its period.
//! [`aged`] says what each receivable and payable document had outstanding
//! at any date, from its payment and allocation history, in its currency
//! and in the base currency as the control account holds it.
//! [`aged_report`] makes the aged receivables and payables report from it.
//! [`cash_basis`] dates the ledger's lines as the cash basis counts them:
//! an invoice's, bill's or credit note's lines in proportion to each payment
//! or allocation, on its date; everything else as posted.
//!
//! # Invariants
//!
//! - **Pure.** No I/O, no clock, no randomness: the same document and context
//!   always give the same lines. The crate depends on `ledgerkeep-domain` and
//!   plain libraries only.
//! - **Balanced.** Every posting's lines sum to exactly zero in the base
//!   currency (checked before it is returned; a manual journal that does
//!   not balance is an error, never a silently balanced posting).
//! - **Exact.** Money is `Decimal` throughout; every sum, product and
//!   quotient over Xero's numbers is checked, and an overflow is a
//!   [`PostingError`], never a panic or a wrong figure.
//! - **All or nothing.** A document either posts whole or gives an error that
//!   names it and says why (a sentence for the owner).
//!
//! # The rules
//!
//! - **What posts.** Invoices, credit notes, overpayments and prepayments
//!   when AUTHORISED or PAID; payments and bank transactions when AUTHORISED;
//!   manual journals when POSTED; bank transfers unless DELETED or VOIDED.
//!   DRAFT, SUBMITTED, DELETED and VOIDED post nothing: Xero reverses a
//!   voided document's journal on the same date, so for a rebuild a voided
//!   document has no lines. An unknown status is an error.
//! - **Invoices** (ACCREC): the receivable control account is debited with the
//!   total; each line's account is credited with its net, and the tax
//!   account with its tax. Bills (ACCPAY) are the mirror image with
//!   payables. `LineAmountTypes`: Exclusive (net = LineAmount), Inclusive
//!   (net = LineAmount - TaxAmount), NoTax (no tax; a NoTax line with tax is
//!   an error). The lines must add up to the document's Total.
//! - **Credit notes** (ACCRECCREDIT, ACCPAYCREDIT) post the reverse.
//! - **Allocations** of a credit note or an overpayment to an invoice move an
//!   amount from one side of a control account to the other: nothing posts
//!   when both documents' base amounts agree. In a foreign currency, where
//!   the credit's rate and the invoice's differ, the allocation posts both
//!   control lines (each at its own document's rate) and the difference to
//!   realised currency gains. A **prepayment**'s allocation reverses its
//!   lines (accounts and tax) in the allocated share, against the control
//!   account the invoice sits in, so a prepayment's "received in advance"
//!   account clears when it is used and the invoice's receivable is settled.
//!   (Inferred from how Xero presents prepayments, "like a credit note";
//!   to be confirmed against a real organisation's Journals.)
//! - **Overpayments** post the bank against the control account (a
//!   customer's overpayment sits as a credit in receivables); **prepayments**
//!   post the bank against their lines' accounts and tax. Both share one
//!   posting with invoices and credit notes. Their bank account is not on
//!   the document; the context names it (from the bank transaction whose
//!   OverpaymentID or PrepaymentID it is).
//! - **Payments** debit the bank and credit the control account for money in
//!   (ACCRECPAYMENT, APCREDITPAYMENT, AP...PAYMENT refunds), and the reverse
//!   for money out. In a foreign currency the bank side is at the payment's
//!   rate (its BankAmount when the bank account is in the base currency),
//!   the control side at the settled document's rate, and the difference
//!   goes to realised currency gains. A prepayment's refund
//!   (ARPREPAYMENTPAYMENT, APPREPAYMENTPAYMENT) takes its share of the
//!   prepayment's lines back, against the bank, as an allocation does
//!   against the control account; [`linked`] reads those lines.
//! - **Settling in parts.** A foreign document's payments and allocations
//!   convert the running total settled (`base(before + amount) -
//!   base(before)`, with `before` from [`settled_before`] in the context),
//!   and a prepayment's allocations take shares of its lines the same way,
//!   so however many parts a document is settled in, its control account
//!   (and a prepayment's lines) clear to exactly zero.
//! - **Bank transactions** RECEIVE and SPEND post the bank against each
//!   line's account and tax. The `-OVERPAYMENT` and `-PREPAYMENT` types are
//!   the bank side of an Overpayment or Prepayment document, and the
//!   `-TRANSFER` types the two legs of a BankTransfer: each of those posts
//!   once, through its own document, and the bank transaction posts nothing.
//! - **Bank transfers** debit the receiving bank and credit the sending one,
//!   with the amount converted at the transfer's rate when the sending
//!   account is in a foreign currency.
//! - **Manual journals**: each line to its account as given (debit
//!   positive); tax to the tax account when `LineAmountTypes` carries tax
//!   (default NoTax).
//! - **Currency**: Xero's `CurrencyRate` is units of the foreign currency per
//!   base unit, so base = foreign / rate, rounded per line to 2 places half
//!   away from zero (`Money::in_base_currency`). The cents that per-line
//!   rounding leaves over go to the rounding account, so every document
//!   balances exactly in the base currency.

pub mod account_transactions;
mod aged;
pub mod aged_report;
mod anomalies;
mod backdated;
mod balances;
pub mod budget;
mod cash;
mod close;
mod context;
mod error;
mod model;
mod not_visible;
mod post;
mod rebuild;
pub mod statements;
pub mod tax_form;
pub mod tax_return;
pub mod tax_summary;

pub use aged::{
    aged, aged_document, outstanding_at, settled_from, Aged, AgedDocument, AgedKind, Outstanding,
};
pub use anomalies::{
    bank_details_changed, duplicate_bills, edit_after_lock, outliers, overpaid, paid_again_by_bank,
    round_bill_payments, round_spends, AnomalyConfig, AnomalyRule, BankDetailsChange, BankMoney,
    Bill, BillPayment, DatedBill, DuplicateBills, Edit, EditAfterLock, FieldChange, FieldEdit,
    FindingFacts, Outlier, OutlierAmount, Overpaid, PaidAgain, PaidDocument, PaymentOn, PaymentRef,
    RecordRef, RoundAmount, Spend, MATERIAL_FIELDS,
};
pub use backdated::{backdated, Backdated, Entered};
pub use balances::{monthly_balances, sum_by, trial_balance, BalanceOverflow, Month, Sums};
pub use cash::{cash_basis, counts_when_settled, off_cash_basis};
pub use close::{
    account_balance, bank_accounts_behind, is_suspense_account, lock_state, stale_draft_cutoff,
    suspense_off, CloseFinding, STALE_DRAFT_DAYS,
};
pub use context::{
    settled_before, LinkedDocument, LinkedPart, PostingContext, Settlement, Side, SystemAccounts,
};
pub use error::PostingError;
pub use model::{
    AccountKey, ForeignAmount, JournalLine, LineRole, Posting, Source, SourceKind, Tracking,
};
pub use not_visible::{
    kind_of, not_visible, year_start_for, AccountFacts, NotVisibleKind, NotVisibleLine,
    TrialBalanceAt,
};
pub use post::{linked, post, Document};
pub use rebuild::{rebuild, settlements_of, Books, Rebuilt};
pub use statements::AccountMovement;
