//! Outliers: an amount far above a contact's ordinary amounts of its kind.
//!
//! Among one contact's documents of one kind (bills, invoices, spend or
//! receive money) in one currency, the ordinary amounts are those below
//! `outlier_factor` times the median of all (the median holds while fewer
//! than half are outliers). An amount is an outlier when it is at least
//! `outlier_factor` times the median of the ordinary amounts and at least
//! `outlier_over_max` times the largest of them, and there are at least
//! `outlier_min_history` ordinary amounts besides.

use rust_decimal::{Decimal, RoundingStrategy};

use ledgerkeep_domain::xero::DocumentStatus;

use super::{status_in, AnomalyConfig};

/// The statuses whose amounts count: anything not voided or deleted.
const LIVE: [DocumentStatus; 4] = [
    DocumentStatus::Draft,
    DocumentStatus::Submitted,
    DocumentStatus::Authorised,
    DocumentStatus::Paid,
];

/// One document's amount in a contact's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlierAmount<K> {
    pub key: K,
    pub status: Option<DocumentStatus>,
    pub amount: Decimal,
}

/// An amount far above the contact's ordinary ones, with the figures that
/// show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outlier<K> {
    pub key: K,
    pub amount: Decimal,
    /// The median of the ordinary amounts (the lower middle one of an even count).
    pub median: Decimal,
    /// The largest ordinary amount.
    pub largest: Decimal,
    /// How many ordinary amounts there are.
    pub ordinary: usize,
    /// `amount / median` to one place (half away from zero); `None` when the
    /// quotient is beyond what a decimal holds.
    pub times_median: Option<Decimal>,
}

/// The middle value of `sorted` (the lower one of an even count).
fn lower_median(sorted: &[Decimal]) -> Option<Decimal> {
    let n = sorted.len();
    (n > 0).then(|| sorted[(n - 1) / 2])
}

/// `v < base * factor`; a threshold beyond a decimal's range is above every amount.
fn below(v: Decimal, base: Decimal, factor: Decimal) -> bool {
    base.checked_mul(factor).is_none_or(|t| v < t)
}

/// The outliers among one contact's amounts of one kind in one currency
/// (voided and deleted documents, and amounts of zero or less, do not
/// count), smallest first, equal amounts in key order.
pub fn outliers<K: Ord>(
    amounts: impl IntoIterator<Item = OutlierAmount<K>>,
    config: &AnomalyConfig,
) -> Vec<Outlier<K>> {
    let mut amounts: Vec<OutlierAmount<K>> = amounts
        .into_iter()
        .filter(|a| a.amount > Decimal::ZERO && status_in(a.status.as_ref(), &LIVE))
        .collect();
    if amounts.len() <= config.outlier_min_history {
        return Vec::new();
    }
    amounts.sort_by(|a, b| a.amount.cmp(&b.amount).then(a.key.cmp(&b.key)));
    let sorted: Vec<Decimal> = amounts.iter().map(|a| a.amount).collect();
    let Some(median_all) = lower_median(&sorted) else {
        return Vec::new();
    };
    let body_len = sorted.partition_point(|v| below(*v, median_all, config.outlier_factor));
    let body = &sorted[..body_len];
    let (Some(median), Some(&largest)) = (lower_median(body), body.last()) else {
        return Vec::new();
    };
    if body.len() < config.outlier_min_history || median <= Decimal::ZERO {
        return Vec::new();
    }
    amounts
        .into_iter()
        .skip(body_len)
        .filter(|a| {
            !below(a.amount, median, config.outlier_factor)
                && !below(a.amount, largest, config.outlier_over_max)
        })
        .map(|a| Outlier {
            times_median: a
                .amount
                .checked_div(median)
                .map(|t| t.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)),
            amount: a.amount,
            key: a.key,
            median,
            largest,
            ordinary: body_len,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn history(values: &[&str]) -> Vec<OutlierAmount<usize>> {
        values
            .iter()
            .enumerate()
            .map(|(key, v)| OutlierAmount {
                key,
                status: Some("AUTHORISED".into()),
                amount: d(v),
            })
            .collect()
    }

    fn keys(found: &[Outlier<usize>]) -> Vec<usize> {
        found.iter().map(|o| o.key).collect()
    }

    #[test]
    fn two_outliers_stand_above_the_ordinary_amounts_with_their_figures() {
        let config = AnomalyConfig::default();
        let found = outliers(
            history(&["100", "120", "90", "110", "130", "95", "2600", "5000"]),
            &config,
        );
        assert_eq!(keys(&found), [6, 7]);
        let big = &found[1];
        // The ordinary amounts: 90 95 100 110 120 130; their lower median is 100.
        assert_eq!(big.median, d("100"));
        assert_eq!(big.largest, d("130"));
        assert_eq!(big.ordinary, 6);
        assert_eq!(big.times_median, Some(d("50")));
        assert_eq!(found[0].times_median, Some(d("26")));
    }

    #[test]
    fn an_outlier_needs_both_factors_at_or_above_their_thresholds() {
        let config = AnomalyConfig::default();
        // Ordinary: 100 x5 and 400: median 100, largest 400. An outlier needs
        // at least 1,000 (ten times the median) and 800 (twice the largest).
        let base = ["100", "100", "100", "100", "100", "400"];
        let with = |extra: &str| {
            let mut v = base.to_vec();
            v.push(extra);
            outliers(history(&v), &config)
        };
        assert!(with("999.99").is_empty());
        let at = with("1000");
        assert_eq!(keys(&at), [6]);
        assert_eq!(at[0].times_median, Some(d("10")));
        assert_eq!(keys(&with("1000.01")), [6]);
        // Ten times the median but under twice the largest ordinary amount.
        let wide = ["100", "100", "100", "100", "100", "600", "1100"];
        assert!(outliers(history(&wide), &config).is_empty());
        let wide = ["100", "100", "100", "100", "100", "600", "1200"];
        assert_eq!(keys(&outliers(history(&wide), &config)), [6]);
    }

    #[test]
    fn the_history_must_hold_enough_ordinary_amounts() {
        let config = AnomalyConfig::default();
        // Four ordinary amounts and one large: five in all, not more than five.
        assert!(outliers(history(&["100", "100", "100", "100", "9000"]), &config).is_empty());
        // Five ordinary amounts.
        let found = outliers(
            history(&["100", "100", "100", "100", "100", "9000"]),
            &config,
        );
        assert_eq!(keys(&found), [5]);
        // Six in all but two of them large: only four ordinary.
        assert!(outliers(
            history(&["100", "100", "100", "100", "9000", "9000"]),
            &config
        )
        .is_empty());
        let config = AnomalyConfig {
            outlier_min_history: 6,
            ..AnomalyConfig::default()
        };
        assert!(outliers(
            history(&["100", "100", "100", "100", "100", "9000"]),
            &config
        )
        .is_empty());
    }

    #[test]
    fn voided_deleted_and_non_positive_amounts_do_not_count() {
        let config = AnomalyConfig::default();
        let mut h = history(&["100", "100", "100", "100", "100", "9000"]);
        h[0].status = Some("VOIDED".into());
        assert!(outliers(h.clone(), &config).is_empty());
        h[0].status = Some("DRAFT".into());
        assert_eq!(keys(&outliers(h.clone(), &config)), [5]);
        h[1].status = Some("DELETED".into());
        assert!(outliers(h.clone(), &config).is_empty());
        h[1].status = Some("PAID".into());
        h[2].amount = Decimal::ZERO;
        assert!(outliers(h.clone(), &config).is_empty());
        h[2].amount = d("-100");
        assert!(outliers(h.clone(), &config).is_empty());
        // A voided outlier is not reported either.
        let mut h = history(&["100", "100", "100", "100", "100", "100", "9000"]);
        h[6].status = Some("VOIDED".into());
        assert!(outliers(h, &config).is_empty());
    }

    #[test]
    fn equal_amounts_come_out_in_key_order_and_exactly() {
        let config = AnomalyConfig::default();
        let mut h = history(&["100", "100", "100", "100", "100", "100", "5000.00", "5000"]);
        h.swap(6, 7);
        let found = outliers(h, &config);
        assert_eq!(keys(&found), [6, 7]);
        assert_eq!(found[0].times_median, Some(d("50")));
        // A median of three places: the quotient rounds half away from zero.
        let found = outliers(
            history(&["0.003", "0.003", "0.003", "0.003", "0.003", "0.003", "0.25"]),
            &config,
        );
        assert_eq!(found[0].times_median, Some(d("83.3")));
    }

    #[test]
    fn amounts_near_the_decimal_limit_give_figures_or_none_not_a_panic() {
        let config = AnomalyConfig::default();
        let huge = Decimal::MAX / Decimal::from(3);
        let all_huge: Vec<OutlierAmount<usize>> = (0..8)
            .map(|key| OutlierAmount {
                key,
                status: Some("PAID".into()),
                amount: huge,
            })
            .collect();
        assert!(outliers(all_huge, &config).is_empty());
        let tiny = d("0.0000000000000000000000001");
        let mut h: Vec<OutlierAmount<usize>> = (0..7)
            .map(|key| OutlierAmount {
                key,
                status: Some("PAID".into()),
                amount: tiny,
            })
            .collect();
        h.push(OutlierAmount {
            key: 7,
            status: Some("PAID".into()),
            amount: Decimal::MAX,
        });
        let found = outliers(h, &config);
        assert_eq!(keys(&found), [7]);
        assert_eq!(found[0].times_median, None);
    }
}
