//! Round amounts: money paid out in a round figure with no bill behind it.
//!
//! A spend money transaction, or a payment on a bill that is not the bill's
//! total, of a multiple of `round_unit` and at least `round_min`.

use rust_decimal::Decimal;

use ledgerkeep_domain::xero::{BankTransactionType, DocumentStatus, InvoiceType};

use super::AnomalyConfig;

/// A bank transaction: its Xero `Type`, `Status` and `Total`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spend<K> {
    pub key: K,
    pub bank_type: Option<BankTransactionType>,
    pub status: Option<DocumentStatus>,
    pub total: Decimal,
}

/// A payment, and the document it pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillPayment<K> {
    pub key: K,
    pub status: Option<DocumentStatus>,
    pub amount: Decimal,
    /// The paid document's `Type` (`ACCPAY` for a bill).
    pub doc_type: Option<InvoiceType>,
    pub doc_total: Option<Decimal>,
}

/// A round amount: which record, the amount, and the unit it is a multiple of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundAmount<K> {
    pub key: K,
    pub amount: Decimal,
    pub unit: Decimal,
}

/// `amount` is at least `round_min` and an exact multiple of `round_unit`
/// (a unit of zero or less makes nothing round).
fn is_round(amount: Decimal, config: &AnomalyConfig) -> bool {
    config.round_unit > Decimal::ZERO
        && amount >= config.round_min
        && amount
            .checked_rem(config.round_unit)
            .is_some_and(|r| r.is_zero())
}

fn found<K>(key: K, amount: Decimal, config: &AnomalyConfig) -> RoundAmount<K> {
    RoundAmount {
        key,
        amount,
        unit: config.round_unit,
    }
}

/// The authorised spend money transactions (`SPEND`) of a round amount, in
/// the order given.
pub fn round_spends<K>(
    spends: impl IntoIterator<Item = Spend<K>>,
    config: &AnomalyConfig,
) -> Vec<RoundAmount<K>> {
    spends
        .into_iter()
        .filter(|s| {
            s.bank_type == Some(BankTransactionType::Spend)
                && s.status == Some(DocumentStatus::Authorised)
                && is_round(s.total, config)
        })
        .map(|s| found(s.key, s.total, config))
        .collect()
}

/// The authorised payments on bills (`ACCPAY`) of a round amount that is not
/// the bill's total, in the order given.
pub fn round_bill_payments<K>(
    payments: impl IntoIterator<Item = BillPayment<K>>,
    config: &AnomalyConfig,
) -> Vec<RoundAmount<K>> {
    payments
        .into_iter()
        .filter(|p| {
            p.doc_type == Some(InvoiceType::AccPay)
                && p.status == Some(DocumentStatus::Authorised)
                && Some(p.amount) != p.doc_total
                && is_round(p.amount, config)
        })
        .map(|p| found(p.key, p.amount, config))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn spend(key: u32, total: &str) -> Spend<u32> {
        Spend {
            key,
            bank_type: Some("SPEND".into()),
            status: Some("AUTHORISED".into()),
            total: d(total),
        }
    }

    fn keys<K: Copy>(found: &[RoundAmount<K>]) -> Vec<K> {
        found.iter().map(|r| r.key).collect()
    }

    #[test]
    fn a_spend_is_round_from_the_minimum_up_in_exact_multiples_of_the_unit() {
        let config = AnomalyConfig::default();
        let found = round_spends(
            [
                spend(1, "999.99"),
                spend(2, "1000"),
                spend(3, "1000.00"),
                spend(4, "1000.01"),
                spend(5, "5000"),
                spend(6, "5100"),
                spend(7, "4999.9999"),
                spend(8, "0"),
            ],
            &config,
        );
        assert_eq!(keys(&found), [2, 3, 5]);
        assert_eq!(found[2].amount, d("5000"));
        assert_eq!(found[2].unit, config.round_unit);
    }

    #[test]
    fn the_minimum_and_the_unit_are_separate_thresholds() {
        let config = AnomalyConfig {
            round_min: d("250"),
            round_unit: d("100"),
            ..AnomalyConfig::default()
        };
        let found = round_spends([spend(1, "200"), spend(2, "300"), spend(3, "250")], &config);
        // 200 is a multiple but below the minimum; 250 is at it but not a multiple.
        assert_eq!(keys(&found), [2]);
        // A fractional unit.
        let config = AnomalyConfig {
            round_min: d("1"),
            round_unit: d("0.5"),
            ..AnomalyConfig::default()
        };
        let found = round_spends([spend(1, "7.50"), spend(2, "7.25")], &config);
        assert_eq!(keys(&found), [1]);
    }

    #[test]
    fn a_unit_of_zero_or_less_finds_nothing() {
        for unit in ["0", "-1000"] {
            let config = AnomalyConfig {
                round_unit: d(unit),
                round_min: Decimal::ZERO,
                ..AnomalyConfig::default()
            };
            assert!(round_spends([spend(1, "1000")], &config).is_empty());
        }
    }

    #[test]
    fn only_authorised_spend_money_counts() {
        let config = AnomalyConfig::default();
        let mut voided = spend(1, "2000");
        voided.status = Some("VOIDED".into());
        let mut deleted = spend(2, "2000");
        deleted.status = Some("DELETED".into());
        let mut receive = spend(3, "2000");
        receive.bank_type = Some("RECEIVE".into());
        let mut transfer = spend(4, "2000");
        transfer.bank_type = Some("SPEND-TRANSFER".into());
        let mut unknown = spend(5, "2000");
        unknown.status = None;
        let found = round_spends(
            [
                voided,
                deleted,
                receive,
                transfer,
                unknown,
                spend(6, "2000"),
            ],
            &config,
        );
        assert_eq!(keys(&found), [6]);
    }

    fn payment(key: u32, amount: &str, total: Option<&str>) -> BillPayment<u32> {
        BillPayment {
            key,
            status: Some("AUTHORISED".into()),
            amount: d(amount),
            doc_type: Some("ACCPAY".into()),
            doc_total: total.map(d),
        }
    }

    #[test]
    fn a_round_payment_on_a_bill_counts_unless_it_is_the_bills_total() {
        let config = AnomalyConfig::default();
        let mut on_invoice = payment(4, "1000", Some("1500"));
        on_invoice.doc_type = Some("ACCREC".into());
        let mut voided = payment(5, "1000", Some("1500"));
        voided.status = Some("DELETED".into());
        let found = round_bill_payments(
            [
                payment(1, "1000", Some("1500.00")),
                // The whole bill, at another scale: still its total.
                payment(2, "2000", Some("2000.00")),
                payment(3, "999", Some("1500")),
                on_invoice,
                voided,
                payment(6, "3000", None),
            ],
            &config,
        );
        assert_eq!(keys(&found), [1, 6]);
        assert_eq!(found[0].amount, d("1000"));
    }
}
