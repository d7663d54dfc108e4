//! Duplicate bills: two bills from one supplier that may be one bill entered
//! twice.
//!
//! Two bills (`ACCPAY`, not voided or deleted) of one contact are alike when
//! they have the same amount (not zero) and currency and are dated at most
//! `duplicate_window_days` apart, or when they share a supplier reference
//! (a bill's number or reference, compared on letters and digits only,
//! ignoring case).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use ledgerkeep_domain::xero::{DocumentStatus, InvoiceType};

use super::AnomalyConfig;

/// A document, as the duplicate rule reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bill {
    pub id: String,
    pub doc_type: Option<InvoiceType>,
    pub status: Option<DocumentStatus>,
    pub contact_id: Option<String>,
    pub number: Option<String>,
    pub reference: Option<String>,
    pub date: Option<NaiveDate>,
    pub currency: Option<String>,
    pub total: Option<Decimal>,
}

/// Two bills alike: their positions in the list given (`first < second`),
/// and what makes them alike (one or both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateBills {
    pub first: usize,
    pub second: usize,
    /// Same amount and currency: the days between their dates.
    pub days_apart: Option<i64>,
    /// The supplier reference they share, as the first bill writes it.
    pub shared_reference: Option<String>,
}

/// Letters and digits only, lower case; `None` when nothing is left.
fn normalise_reference(s: &str) -> Option<String> {
    let n: String = s
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    (!n.is_empty()).then_some(n)
}

fn counts(b: &Bill) -> bool {
    b.doc_type == Some(InvoiceType::AccPay) && b.status.as_ref().is_some_and(|s| !s.is_void())
}

fn ordered(a: usize, b: usize) -> (usize, usize) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// The pairs of alike bills among `bills`, in order of their positions.
/// Within one amount, bills are compared in the order given (the store gives
/// them by contact, date and id).
pub fn duplicate_bills(bills: &[Bill], config: &AnomalyConfig) -> Vec<DuplicateBills> {
    let mut by_contact: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, b) in bills.iter().enumerate() {
        if let Some(c) = b.contact_id.as_deref().filter(|_| counts(b)) {
            by_contact.entry(c).or_default().push(i);
        }
    }
    // (first, second) → (same amount within the window, shared reference)
    let mut pairs: BTreeMap<(usize, usize), (Option<i64>, Option<String>)> = BTreeMap::new();
    for docs in by_contact.values() {
        let mut by_amount: HashMap<(Option<&str>, Decimal), Vec<usize>> = HashMap::new();
        for &i in docs {
            if let Some(t) = bills[i].total.filter(|t| !t.is_zero()) {
                by_amount
                    .entry((bills[i].currency.as_deref(), t.normalize()))
                    .or_default()
                    .push(i);
            }
        }
        for group in by_amount.values() {
            for (n, &a) in group.iter().enumerate() {
                for &b in &group[n + 1..] {
                    let (Some(da), Some(db)) = (bills[a].date, bills[b].date) else {
                        continue;
                    };
                    let gap = (db - da).num_days().abs();
                    if gap <= config.duplicate_window_days {
                        pairs.entry(ordered(a, b)).or_default().0 = Some(gap);
                    }
                }
            }
        }
        let mut by_ref: HashMap<String, Vec<usize>> = HashMap::new();
        for &i in docs {
            let mut refs: Vec<String> = [bills[i].number.as_deref(), bills[i].reference.as_deref()]
                .into_iter()
                .flatten()
                .filter_map(normalise_reference)
                .collect();
            refs.dedup();
            for r in refs {
                by_ref.entry(r).or_default().push(i);
            }
        }
        for group in by_ref.values() {
            for (n, &a) in group.iter().enumerate() {
                for &b in &group[n + 1..] {
                    let (x, y) = (&bills[a], &bills[b]);
                    if x.id == y.id {
                        continue;
                    }
                    let theirs = [y.number.as_deref(), y.reference.as_deref()];
                    let shown = [x.number.as_deref(), x.reference.as_deref()]
                        .into_iter()
                        .flatten()
                        .find(|s| {
                            normalise_reference(s).is_some_and(|n| {
                                theirs
                                    .into_iter()
                                    .flatten()
                                    .any(|t| normalise_reference(t).as_deref() == Some(&n))
                            })
                        })
                        .unwrap_or_default()
                        .to_owned();
                    pairs.entry(ordered(a, b)).or_default().1 = Some(shown);
                }
            }
        }
    }
    pairs
        .into_iter()
        .map(
            |((first, second), (days_apart, shared_reference))| DuplicateBills {
                first,
                second,
                days_apart,
                shared_reference,
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn bill(id: &str, contact: &str, date: &str, total: &str) -> Bill {
        Bill {
            id: id.to_owned(),
            doc_type: Some("ACCPAY".into()),
            status: Some("AUTHORISED".into()),
            contact_id: Some(contact.to_owned()),
            number: None,
            reference: None,
            date: Some(d(date)),
            currency: Some("NZD".to_owned()),
            total: Some(total.parse().unwrap()),
        }
    }

    fn pairs(found: &[DuplicateBills]) -> Vec<(usize, usize, Option<i64>)> {
        found
            .iter()
            .map(|p| (p.first, p.second, p.days_apart))
            .collect()
    }

    #[test]
    fn same_amount_bills_are_alike_up_to_the_window_and_not_beyond() {
        let config = AnomalyConfig::default();
        let bills = [
            bill("a", "c1", "2026-05-01", "120.00"),
            bill("b", "c1", "2026-05-08", "120"),
            bill("c", "c1", "2026-05-09", "120.00"),
            bill("d", "c1", "2026-05-20", "120.00"),
        ];
        // a-b: 7 days (at the window); a-c: 8 (beyond); b-c: 1; c-d: 11.
        assert_eq!(
            pairs(&duplicate_bills(&bills, &config)),
            [(0, 1, Some(7)), (1, 2, Some(1))]
        );
        let config = AnomalyConfig {
            duplicate_window_days: 6,
            ..AnomalyConfig::default()
        };
        assert_eq!(pairs(&duplicate_bills(&bills, &config)), [(1, 2, Some(1))]);
    }

    #[test]
    fn other_suppliers_currencies_amounts_and_zero_totals_are_not_alike() {
        let config = AnomalyConfig::default();
        let mut other_currency = bill("c", "c1", "2026-05-02", "120.00");
        other_currency.currency = Some("AUD".to_owned());
        let bills = [
            bill("a", "c1", "2026-05-01", "120.00"),
            bill("b", "c2", "2026-05-01", "120.00"),
            other_currency,
            bill("d", "c1", "2026-05-02", "120.01"),
            bill("e", "c1", "2026-05-01", "0.00"),
            bill("f", "c1", "2026-05-01", "0"),
        ];
        assert!(duplicate_bills(&bills, &config).is_empty());
    }

    #[test]
    fn voided_deleted_invoices_and_bills_with_no_contact_or_date_are_left_out() {
        let config = AnomalyConfig::default();
        let mut voided = bill("b", "c1", "2026-05-01", "50");
        voided.status = Some("VOIDED".into());
        let mut deleted = bill("c", "c1", "2026-05-01", "50");
        deleted.status = Some("DELETED".into());
        let mut invoice = bill("d", "c1", "2026-05-01", "50");
        invoice.doc_type = Some("ACCREC".into());
        let mut no_contact = bill("e", "c1", "2026-05-01", "50");
        no_contact.contact_id = None;
        let mut undated = bill("f", "c1", "2026-05-01", "50");
        undated.date = None;
        let bills = [
            bill("a", "c1", "2026-05-01", "50"),
            voided,
            deleted,
            invoice,
            no_contact,
            undated,
        ];
        assert!(duplicate_bills(&bills, &config).is_empty());
        // A draft counts.
        let mut draft = bill("g", "c1", "2026-05-03", "50");
        draft.status = Some("DRAFT".into());
        let found = duplicate_bills(&[bills[0].clone(), draft], &config);
        assert_eq!(pairs(&found), [(0, 1, Some(2))]);
    }

    #[test]
    fn a_shared_reference_is_found_whatever_its_punctuation_case_or_field() {
        let config = AnomalyConfig::default();
        let mut a = bill("a", "c1", "2026-01-01", "10");
        a.number = Some("INV-0042".to_owned());
        let mut b = bill("b", "c1", "2026-06-01", "99");
        b.reference = Some("inv 0042".to_owned());
        let mut c = bill("c", "c1", "2026-06-02", "77");
        c.number = Some("INV-0043".to_owned());
        c.reference = Some("--".to_owned());
        let mut e = bill("e", "c2", "2026-06-02", "5");
        e.number = Some("INV-0042".to_owned());
        let found = duplicate_bills(&[a, b, c, e], &config);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].first, found[0].second), (0, 1));
        assert_eq!(found[0].days_apart, None);
        assert_eq!(found[0].shared_reference.as_deref(), Some("INV-0042"));
    }

    #[test]
    fn both_reasons_make_one_pair() {
        let config = AnomalyConfig::default();
        let mut a = bill("a", "c1", "2026-05-03", "10");
        a.reference = Some("PO 7".to_owned());
        let mut b = bill("b", "c1", "2026-05-01", "10.00");
        b.number = Some("po7".to_owned());
        let found = duplicate_bills(&[a, b], &config);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].days_apart, Some(2));
        assert_eq!(found[0].shared_reference.as_deref(), Some("PO 7"));
    }
}
