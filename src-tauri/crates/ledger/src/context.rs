//! What a document alone does not say: the organisation's base currency, its
//! system accounts, and for payments and allocations the documents they settle.

use std::collections::BTreeMap;

use ledgerkeep_domain::XeroDate;
use rust_decimal::Decimal;

use crate::model::{AccountKey, LineRole};

/// The organisation's accounts that Xero posts to by itself (its "system
/// accounts"), as the chart names them. In the simulator's demo chart:
/// receivable `610` (SystemAccount DEBTORS), payable `800` (CREDITORS), tax
/// `820` (GST). The demo chart has no currency-gains or rounding account; a
/// real Xero chart has both (system accounts "Realised Currency Gains" and
/// "Rounding"), and the caller reads them from the chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemAccounts {
    pub receivable: AccountKey,
    pub payable: AccountKey,
    /// Where tax goes when [`PostingContext::tax_by_type`] names no account
    /// for the line's tax type. Xero's TaxRate has no account in the API.
    pub tax: AccountKey,
    /// Realised currency gains and losses.
    pub currency_gains: AccountKey,
    /// The cents that converting a document line by line leaves over.
    pub rounding: AccountKey,
}

/// Which control account a document sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Sales: invoices (ACCREC), their credit notes, customers' overpayments
    /// and prepayments.
    Receivable,
    /// Purchases: bills (ACCPAY), their credit notes, suppliers'
    /// overpayments and prepayments.
    Payable,
}

/// A document a payment or an allocation settles, as far as posting needs it:
/// the rate it was booked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedDocument {
    pub side: Side,
    /// `None` means the base currency.
    pub currency: Option<String>,
    /// Xero's `CurrencyRate`: units of `currency` per unit of the base
    /// currency. `None` for a base-currency document.
    pub rate: Option<Decimal>,
    /// A prepayment's lines (net and tax, each on its account, as the
    /// document states them): where its money sits until it is used up,
    /// so a refund of it (ARPREPAYMENTPAYMENT...) takes its share of each.
    /// Empty for other documents. [`crate::linked`] fills it.
    pub parts: Vec<LinkedPart>,
}

impl LinkedDocument {
    /// A document in the base currency.
    pub fn base(side: Side) -> Self {
        LinkedDocument {
            side,
            currency: None,
            rate: None,
            parts: Vec::new(),
        }
    }

    /// A document in `currency` at `rate` (foreign units per base unit).
    pub fn foreign(side: Side, currency: impl Into<String>, rate: Decimal) -> Self {
        LinkedDocument {
            side,
            currency: Some(currency.into()),
            rate: Some(rate),
            parts: Vec::new(),
        }
    }
}

/// One amount of a prepayment's lines: a line's net on its account, or its
/// tax on the tax account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedPart {
    pub account: AccountKey,
    pub role: LineRole,
    pub tax_type: Option<String>,
    /// As the document states it (positive for a usual line), in its currency.
    pub amount: Decimal,
}

/// Everything posting needs beyond the document itself. Build one per
/// organisation; add the linked documents before posting payments and
/// allocations in a foreign currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingContext {
    /// The organisation's base currency (`NZD`).
    pub base_currency: String,
    pub accounts: SystemAccounts,
    /// Tax account per tax type, where the organisation posts some tax types
    /// elsewhere than [`SystemAccounts::tax`].
    pub tax_by_type: BTreeMap<String, AccountKey>,
    /// Invoices, credit notes, overpayments and prepayments by their Xero id:
    /// what a payment or an allocation in a foreign currency settles.
    pub linked: BTreeMap<String, LinkedDocument>,
    /// The bank account of each overpayment and prepayment, by its Xero id.
    /// Xero's Overpayment and Prepayment carry no bank account: it is on the
    /// bank transaction (Type `RECEIVE-OVERPAYMENT`...) whose `OverpaymentID`
    /// or `PrepaymentID` names the document.
    pub bank_accounts: BTreeMap<String, AccountKey>,
    /// For a (settled document id, payment or allocation id): how much of the
    /// document, in its own currency, earlier payments and allocations had
    /// settled. [`settled_before`] works it out. A foreign document's
    /// settlements are converted on the running total, as
    /// `base(before + amount) - base(before)`, so that however many parts it
    /// is paid in, they clear exactly the base amount it was booked at.
    /// Absent means nothing before.
    pub settled_before: BTreeMap<(String, String), Decimal>,
}

/// One payment or allocation of a document, for [`settled_before`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// The document settled (an invoice, or the credit note, overpayment or
    /// prepayment that is used up).
    pub document_id: String,
    /// The payment's or the allocation's id.
    pub settlement_id: String,
    pub date: XeroDate,
    /// In the settled document's currency.
    pub amount: Decimal,
}

/// The running totals for [`PostingContext::settled_before`]: per document,
/// its settlements in date order (then by id), each with the sum of those
/// before it. `None` when a sum overflows.
pub fn settled_before(
    settlements: impl IntoIterator<Item = Settlement>,
) -> Option<BTreeMap<(String, String), Decimal>> {
    let mut ordered: Vec<Settlement> = settlements.into_iter().collect();
    ordered.sort_by(|a, b| {
        (&a.document_id, a.date, &a.settlement_id).cmp(&(&b.document_id, b.date, &b.settlement_id))
    });
    let mut out = BTreeMap::new();
    let mut current: Option<(String, Decimal)> = None;
    for s in ordered {
        let before = match &current {
            Some((doc, sum)) if *doc == s.document_id => *sum,
            _ => Decimal::ZERO,
        };
        current = Some((s.document_id.clone(), before.checked_add(s.amount)?));
        out.insert((s.document_id, s.settlement_id), before);
    }
    Some(out)
}

impl PostingContext {
    pub fn new(base_currency: impl Into<String>, accounts: SystemAccounts) -> Self {
        PostingContext {
            base_currency: base_currency.into(),
            accounts,
            tax_by_type: BTreeMap::new(),
            linked: BTreeMap::new(),
            bank_accounts: BTreeMap::new(),
            settled_before: BTreeMap::new(),
        }
    }

    /// Adds a document that payments or allocations may settle.
    pub fn with_linked(mut self, id: impl Into<String>, doc: LinkedDocument) -> Self {
        self.linked.insert(id.into(), doc);
        self
    }

    /// Names the bank account of an overpayment or a prepayment.
    pub fn with_bank_account(mut self, document_id: impl Into<String>, bank: AccountKey) -> Self {
        self.bank_accounts.insert(document_id.into(), bank);
        self
    }

    /// Sets the running totals of settlements (see [`settled_before`]).
    pub fn with_settled_before(mut self, before: BTreeMap<(String, String), Decimal>) -> Self {
        self.settled_before = before;
        self
    }

    /// How much of `document` was settled before `settlement`.
    pub fn before(&self, document: &str, settlement: Option<&str>) -> Decimal {
        settlement
            .and_then(|s| {
                self.settled_before
                    .get(&(document.to_owned(), s.to_owned()))
                    .copied()
            })
            .unwrap_or_default()
    }

    /// The account a line's tax goes to.
    pub fn tax_account(&self, tax_type: Option<&str>) -> &AccountKey {
        tax_type
            .and_then(|t| self.tax_by_type.get(t))
            .unwrap_or(&self.accounts.tax)
    }

    pub fn control(&self, side: Side) -> &AccountKey {
        match side {
            Side::Receivable => &self.accounts.receivable,
            Side::Payable => &self.accounts.payable,
        }
    }

    /// Whether `currency` (as a document gives it) is the base currency:
    /// a document that names none is in the base currency.
    pub fn is_base(&self, currency: Option<&str>) -> bool {
        match currency.map(str::trim) {
            None | Some("") => true,
            Some(c) => c.eq_ignore_ascii_case(&self.base_currency),
        }
    }
}
