//! The anomaly rules: facts in, findings out, with the figures that make
//! them and no wording.
//!
//! The store reads the facts (documents, payments, bank transactions, the
//! audit trail's changes), and keeps what each rule found as its
//! [`FindingFacts`] (`facts`); the fronts word them for the owner. The
//! rules themselves live here, each tested on plain values. Each rule re-checks on
//! the exact `Decimal`s whatever the store narrowed in SQL (its integer
//! `*_e4` columns), and re-checks the types and statuses it counts, so a
//! wider query never changes what is found.
//!
//! - [`round_spends`], [`round_bill_payments`]: round amounts;
//! - [`outliers`]: an amount far above a contact's ordinary ones;
//! - [`duplicate_bills`]: two bills of one supplier alike in amount and date,
//!   or in reference;
//! - [`overpaid`], [`paid_again_by_bank`]: a document paid twice;
//! - [`edit_after_lock`]: a locked document changed after the lock date;
//! - [`bank_details_changed`]: a contact's bank account replaced.
//!
//! Backdated entries are [`crate::backdated`].

mod bank_details;
mod duplicates;
mod facts;
mod locked;
mod outliers;
mod paid_twice;
mod round;

use rust_decimal::Decimal;

pub use bank_details::{bank_details_changed, BankDetailsChange};
pub use duplicates::{duplicate_bills, Bill, DuplicateBills};
pub use facts::{AnomalyRule, DatedBill, FieldEdit, FindingFacts, PaymentRef, RecordRef};
pub use locked::{edit_after_lock, Edit, EditAfterLock, FieldChange, MATERIAL_FIELDS};
pub use outliers::{outliers, Outlier, OutlierAmount};
pub use paid_twice::{
    overpaid, paid_again_by_bank, BankMoney, Overpaid, PaidAgain, PaidDocument, PaymentOn,
};
pub use round::{round_bill_payments, round_spends, BillPayment, RoundAmount, Spend};

/// The thresholds. Each is the setting `anomalies.<field>`; absent or
/// unreadable settings take the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnomalyConfig {
    /// Two bills of one supplier and amount this many days apart or fewer are duplicates.
    pub duplicate_window_days: i64,
    /// An entry made more than this many days after its date is backdated.
    pub backdated_days: i64,
    /// A spend (receive) money transaction this many days from a payment of
    /// the same amount to the same contact pays the document a second time.
    pub paid_twice_window_days: i64,
    /// A contact needs this many other documents of a kind before one is an outlier.
    pub outlier_min_history: usize,
    /// An outlier is at least this many times the median of the contact's
    /// ordinary amounts...
    pub outlier_factor: Decimal,
    /// ...and at least this many times the largest of them.
    pub outlier_over_max: Decimal,
    /// Round amounts below this are not reported.
    pub round_min: Decimal,
    /// A round amount is a multiple of this. At 100, about one itemised
    /// purchase in 10,000 lands on a round total by chance (four in the
    /// simulator's medium books); at 1,000, one in 100,000.
    pub round_unit: Decimal,
}

impl Default for AnomalyConfig {
    fn default() -> Self {
        AnomalyConfig {
            duplicate_window_days: 7,
            backdated_days: 30,
            paid_twice_window_days: 14,
            outlier_min_history: 5,
            outlier_factor: Decimal::from(10),
            outlier_over_max: Decimal::from(2),
            round_min: Decimal::from(1000),
            round_unit: Decimal::from(1000),
        }
    }
}

/// `status` is one of `statuses`.
fn status_in<S: PartialEq>(status: Option<&S>, statuses: &[S]) -> bool {
    status.is_some_and(|s| statuses.contains(s))
}
