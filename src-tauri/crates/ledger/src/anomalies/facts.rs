//! What a rule found, as facts: the records it rests on (as Xero names
//! them: entity, id, number, reference), the contact, the dates and the
//! figures, and no wording.
//!
//! The store keeps each finding's [`FindingFacts`] as JSON (serde-tagged by
//! `kind`; money as decimal strings, dates as `YYYY-MM-DD`), and the fronts
//! word them: the API turns them into the title, sentence and record links
//! the UI shows. A fact a sentence needs is a field here, so that no front
//! reads the ledger again to say what was found.

use ledgerkeep_domain::xero::InvoiceType;
use ledgerkeep_domain::{EntityKind, XeroDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The rules, as findings are grouped and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyRule {
    DuplicateBill,
    BankDetailsChanged,
    BackdatedEntry,
    EditAfterLock,
    PaidTwice,
    AmountOutlier,
    RoundAmount,
}

impl AnomalyRule {
    pub const ALL: [AnomalyRule; 7] = [
        AnomalyRule::DuplicateBill,
        AnomalyRule::BankDetailsChanged,
        AnomalyRule::BackdatedEntry,
        AnomalyRule::EditAfterLock,
        AnomalyRule::PaidTwice,
        AnomalyRule::AmountOutlier,
        AnomalyRule::RoundAmount,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyRule::DuplicateBill => "duplicate_bill",
            AnomalyRule::BankDetailsChanged => "bank_details_changed",
            AnomalyRule::BackdatedEntry => "backdated_entry",
            AnomalyRule::EditAfterLock => "edit_after_lock",
            AnomalyRule::PaidTwice => "paid_twice",
            AnomalyRule::AmountOutlier => "amount_outlier",
            AnomalyRule::RoundAmount => "round_amount",
        }
    }

    pub fn parse(s: &str) -> Option<AnomalyRule> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A record a finding rests on, as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordRef {
    pub entity: EntityKind,
    pub xero_id: String,
    /// Its number (an invoice's `InvoiceNumber`, a journal's `JournalNumber`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Its reference (a manual journal's narration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl RecordRef {
    pub fn new(entity: EntityKind, xero_id: impl Into<String>) -> Self {
        RecordRef {
            entity,
            xero_id: xero_id.into(),
            number: None,
            reference: None,
        }
    }

    pub fn with_number(mut self, number: Option<String>) -> Self {
        self.number = number.filter(|s| !s.trim().is_empty());
        self
    }

    pub fn with_reference(mut self, reference: Option<String>) -> Self {
        self.reference = reference.filter(|s| !s.trim().is_empty());
        self
    }
}

/// A bill of a duplicate pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatedBill {
    pub bill: RecordRef,
    pub date: Option<XeroDate>,
    pub total: Option<Decimal>,
    pub currency: Option<String>,
}

/// A payment a finding names, with its amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRef {
    pub xero_id: String,
    pub amount: Decimal,
}

/// One field an edit changed: the old and new values where they are plain
/// (a number, a text, a date), or neither (lines, a contact).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldEdit {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

/// What one finding rests on. Each variant is one rule's result (paid twice
/// and round amounts have two forms each).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum FindingFacts {
    /// Two bills of one supplier alike ([`super::duplicate_bills`]).
    DuplicateBill {
        contact: Option<String>,
        first: DatedBill,
        second: DatedBill,
        /// Same amount and currency: the days between their dates.
        days_apart: Option<i64>,
        /// The supplier reference they share, as the first bill writes it.
        shared_reference: Option<String>,
    },
    /// A contact's bank account replaced ([`super::bank_details_changed`]).
    BankDetailsChanged {
        contact: RecordRef,
        name: Option<String>,
        supplier: bool,
        /// The day Xero made the change (else the day it was synced).
        changed_on: Option<XeroDate>,
        old: String,
        new: String,
        /// The contact's bills waiting to be paid (at most five).
        waiting_bills: Vec<RecordRef>,
    },
    /// An entry dated well before the day it was entered ([`crate::backdated`]).
    BackdatedEntry {
        /// The document it comes from, when the ledger holds it.
        source: Option<RecordRef>,
        /// The journal, with Journals.
        journal: Option<RecordRef>,
        date: XeroDate,
        entered: XeroDate,
        days_late: i64,
        /// The lock date, when the entry went into the locked period.
        locked_to: Option<XeroDate>,
    },
    /// A locked document changed after the lock date ([`super::edit_after_lock`]).
    EditAfterLock {
        record: RecordRef,
        /// Its Xero `Type` (invoices, credit notes, bank transactions).
        doc_type: Option<String>,
        date: XeroDate,
        edited: XeroDate,
        locked_to: XeroDate,
        /// The material fields changed, in [`super::MATERIAL_FIELDS`] order.
        changes: Vec<FieldEdit>,
        /// The new `Total` (or `Amount`), when the edit changed it.
        new_total: Option<Decimal>,
    },
    /// A document's payments and credits beyond its total ([`super::overpaid`]).
    Overpaid {
        document: RecordRef,
        doc_type: Option<InvoiceType>,
        contact: Option<String>,
        currency: Option<String>,
        total: Decimal,
        /// The authorised payments.
        payments: Vec<PaymentRef>,
        /// Their sum; `None` when beyond a decimal's range.
        paid: Option<Decimal>,
        /// Over the total; `None` when beyond a decimal's range.
        excess: Option<Decimal>,
    },
    /// A paid document whose amount also went (came) by a bank transaction
    /// ([`super::paid_again_by_bank`]).
    PaidAgainByBank {
        document: RecordRef,
        doc_type: Option<InvoiceType>,
        contact: Option<String>,
        currency: Option<String>,
        total: Decimal,
        payment: PaymentRef,
        paid_on: XeroDate,
        bank: RecordRef,
        bank_date: XeroDate,
        days_apart: i64,
        /// Money out (a bill and spend money), not in.
        outgoing: bool,
    },
    /// An amount far above the contact's ordinary ones ([`super::outliers`]).
    AmountOutlier {
        record: RecordRef,
        /// Its Xero `Type` (`ACCPAY`, `ACCREC`, `SPEND`, `RECEIVE`).
        doc_type: Option<String>,
        contact: Option<String>,
        currency: Option<String>,
        date: Option<XeroDate>,
        amount: Decimal,
        median: Decimal,
        largest: Decimal,
        /// How many ordinary amounts there are.
        ordinary: usize,
        /// `amount / median` to one place; `None` beyond a decimal's range.
        times_median: Option<Decimal>,
    },
    /// A spend money transaction of a round amount ([`super::round_spends`]).
    RoundSpend {
        record: RecordRef,
        contact: Option<String>,
        currency: Option<String>,
        date: Option<XeroDate>,
        amount: Decimal,
        unit: Decimal,
    },
    /// A bill payment of a round amount, not the bill's total
    /// ([`super::round_bill_payments`]).
    RoundBillPayment {
        payment: PaymentRef,
        paid_on: Option<XeroDate>,
        bill: RecordRef,
        contact: Option<String>,
        currency: Option<String>,
        bill_total: Option<Decimal>,
        unit: Decimal,
    },
}

impl FindingFacts {
    /// The rule that found it.
    pub fn rule(&self) -> AnomalyRule {
        match self {
            FindingFacts::DuplicateBill { .. } => AnomalyRule::DuplicateBill,
            FindingFacts::BankDetailsChanged { .. } => AnomalyRule::BankDetailsChanged,
            FindingFacts::BackdatedEntry { .. } => AnomalyRule::BackdatedEntry,
            FindingFacts::EditAfterLock { .. } => AnomalyRule::EditAfterLock,
            FindingFacts::Overpaid { .. } | FindingFacts::PaidAgainByBank { .. } => {
                AnomalyRule::PaidTwice
            }
            FindingFacts::AmountOutlier { .. } => AnomalyRule::AmountOutlier,
            FindingFacts::RoundSpend { .. } | FindingFacts::RoundBillPayment { .. } => {
                AnomalyRule::RoundAmount
            }
        }
    }

    /// The amount at stake, if one: the second bill of a duplicate pair, the
    /// excess of an overpaid document, the amount paid again, the outlier,
    /// the round amount, an edit's new total.
    pub fn amount(&self) -> Option<Decimal> {
        match self {
            FindingFacts::DuplicateBill { second, .. } => second.total,
            FindingFacts::BankDetailsChanged { .. } | FindingFacts::BackdatedEntry { .. } => None,
            FindingFacts::EditAfterLock { new_total, .. } => *new_total,
            FindingFacts::Overpaid { excess, .. } => *excess,
            FindingFacts::PaidAgainByBank { total, .. } => Some(*total),
            FindingFacts::AmountOutlier { amount, .. }
            | FindingFacts::RoundSpend { amount, .. } => Some(*amount),
            FindingFacts::RoundBillPayment { payment, .. } => Some(payment.amount),
        }
    }

    /// The currency of [`amount`](Self::amount).
    pub fn currency(&self) -> Option<&str> {
        match self {
            FindingFacts::DuplicateBill { second, .. } => second.currency.as_deref(),
            FindingFacts::BankDetailsChanged { .. }
            | FindingFacts::BackdatedEntry { .. }
            | FindingFacts::EditAfterLock { .. } => None,
            FindingFacts::Overpaid { currency, .. }
            | FindingFacts::PaidAgainByBank { currency, .. }
            | FindingFacts::AmountOutlier { currency, .. }
            | FindingFacts::RoundSpend { currency, .. }
            | FindingFacts::RoundBillPayment { currency, .. } => currency.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn facts_round_trip_through_json_with_exact_money_and_plain_dates() {
        let facts = FindingFacts::PaidAgainByBank {
            document: RecordRef::new(EntityKind::Invoice, "INV-ID")
                .with_number(Some("BILL-7".into()))
                .with_reference(Some("  ".into())),
            doc_type: Some(InvoiceType::AccPay),
            contact: Some("Harbour".into()),
            currency: Some("NZD".into()),
            total: d("98765432109876.54"),
            payment: PaymentRef {
                xero_id: "P1".into(),
                amount: d("98765432109876.54"),
            },
            paid_on: XeroDate::parse("2026-03-01").unwrap(),
            bank: RecordRef::new(EntityKind::BankTransaction, "B1"),
            bank_date: XeroDate::parse("2026-03-04").unwrap(),
            days_apart: 3,
            outgoing: true,
        };
        let json = serde_json::to_value(&facts).unwrap();
        assert_eq!(json["kind"], "paid_again_by_bank");
        assert_eq!(json["total"], "98765432109876.54");
        assert_eq!(json["paidOn"], "2026-03-01");
        assert_eq!(json["docType"], "ACCPAY");
        assert_eq!(json["document"]["number"], "BILL-7");
        // A blank reference is no reference.
        assert!(json["document"].get("reference").is_none());
        let back: FindingFacts = serde_json::from_value(json).unwrap();
        assert_eq!(back, facts);
        assert_eq!(back.rule(), AnomalyRule::PaidTwice);
        assert_eq!(back.amount(), Some(d("98765432109876.54")));
        assert_eq!(back.currency(), Some("NZD"));
    }

    #[test]
    fn every_rule_has_its_name_and_reads_back() {
        for r in AnomalyRule::ALL {
            assert_eq!(AnomalyRule::parse(r.as_str()), Some(r));
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::Value::String(r.as_str().to_owned())
            );
        }
        assert_eq!(AnomalyRule::parse("nope"), None);
    }

    #[test]
    fn an_overpaid_document_out_of_range_has_no_amount_at_stake() {
        let facts = FindingFacts::Overpaid {
            document: RecordRef::new(EntityKind::Invoice, "I"),
            doc_type: Some(InvoiceType::AccRec),
            contact: None,
            currency: Some("NZD".into()),
            total: d("100"),
            payments: vec![],
            paid: None,
            excess: None,
        };
        assert_eq!(facts.amount(), None);
        assert_eq!(facts.rule(), AnomalyRule::PaidTwice);
        let back: FindingFacts =
            serde_json::from_str(&serde_json::to_string(&facts).unwrap()).unwrap();
        assert_eq!(back, facts);
    }
}
