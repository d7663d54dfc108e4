//! The aged report's rules on their own, with no SQLite: random documents
//! outstanding on both sides, in several currencies and contacts, some not
//! in the control account (prepayments).
#![allow(clippy::unwrap_used)]

use chrono::{Duration, NaiveDate};
use ledgerkeep_domain::reports::AgeBucket;
use ledgerkeep_domain::XeroDate;
use ledgerkeep_ledger::aged_report::{aged_report, bucket_of, control_account, total_of};
use ledgerkeep_ledger::{AgedDocument, AgedKind, Outstanding, Side};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn as_at() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
}

const CONTACTS: [(&str, &str); 4] = [
    ("c1", "Zed Ltd"),
    ("c2", "able co"),
    ("c3", "Bolt"),
    ("", ""),
];
const CURRENCIES: [Option<&str>; 3] = [None, Some("USD"), Some("EUR")];

fn doc() -> impl Strategy<Value = Outstanding> {
    (
        any::<bool>(),
        0..CONTACTS.len(),
        0..CURRENCIES.len(),
        -200i64..200,
        -1_000_000i64..1_000_000,
        1i64..3,
        prop::bool::weighted(0.85),
    )
        .prop_map(|(receivable, c, cur, days, cents, rate, in_control)| {
            let amount = Decimal::new(cents, 2);
            let (id, name) = CONTACTS[c];
            Outstanding {
                document: AgedDocument {
                    id: format!("d{cents}{days}"),
                    kind: if in_control {
                        AgedKind::Invoice
                    } else {
                        AgedKind::Prepayment
                    },
                    side: if receivable {
                        Side::Receivable
                    } else {
                        Side::Payable
                    },
                    number: None,
                    contact_id: Some(id.to_owned()).filter(|s| !s.is_empty()),
                    contact_name: Some(name.to_owned()).filter(|s| !s.is_empty()),
                    date: XeroDate(as_at()),
                    due_date: XeroDate(as_at() + Duration::days(days)),
                    currency: CURRENCIES[cur].map(str::to_owned),
                    rate: None,
                    total: amount,
                    booked: amount,
                    in_control,
                },
                amount,
                base: amount / Decimal::from(rate),
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn every_document_lands_once_and_the_totals_add_up(
        docs in prop::collection::vec(doc(), 0..60),
        receivable in any::<bool>(),
        documents_net in -1_000_000i64..1_000_000,
        other_net in -10_000i64..10_000,
    ) {
        let side = if receivable { Side::Receivable } else { Side::Payable };
        let (documents_net, other_net) = (Decimal::new(documents_net, 2), Decimal::new(other_net, 2));
        let r = aged_report(&docs, side, as_at(), Some("NZD"), documents_net, other_net).unwrap();
        let mine: Vec<&Outstanding> = docs.iter().filter(|o| o.document.side == side).collect();
        // In the control account: each currency's contacts add up to its total,
        // and the rows hold every document's own amount once.
        let control: Vec<&&Outstanding> = mine.iter().filter(|o| o.document.in_control).collect();
        let own: Decimal = control.iter().map(|o| o.amount).sum();
        let mut rows_sum = Decimal::ZERO;
        for c in &r.currencies {
            let mut total = [Decimal::ZERO; 5];
            for row in &c.contacts {
                for (t, b) in total.iter_mut().zip(row.buckets) { *t += b; }
                rows_sum += total_of(&row.buckets).unwrap();
            }
            prop_assert_eq!(total, c.total);
            // Contacts in name order, whatever the case of the name.
            let names: Vec<String> = c.contacts.iter().map(|x| x.name.clone().unwrap_or_default().to_lowercase()).collect();
            let mut sorted = names.clone();
            sorted.sort();
            prop_assert_eq!(names, sorted);
        }
        prop_assert_eq!(rows_sum, own);
        // The base-currency total is what the documents in the control account hold.
        let base: Decimal = control.iter().map(|o| o.base).sum();
        prop_assert_eq!(total_of(&r.base_total).unwrap(), base);
        // Prepayments are apart from it.
        let prepaid: Vec<&&Outstanding> = mine.iter().filter(|o| !o.document.in_control).collect();
        prop_assert_eq!(r.prepaid_count, prepaid.len());
        prop_assert_eq!(total_of(&r.prepaid).unwrap(), prepaid.iter().map(|o| o.base).sum::<Decimal>());
        // The account's balance, signed as owed, is explained by the documents,
        // the other lines and what is left unexplained, to the cent.
        let sign = if receivable { Decimal::ONE } else { -Decimal::ONE };
        prop_assert_eq!(r.account_balance, sign * (documents_net + other_net));
        prop_assert_eq!(r.other, sign * other_net);
        prop_assert_eq!(r.account_balance, base + r.other + r.unexplained);
    }
}

/// A bill or invoice outstanding at `as_at()`, due then, of `amount` in the base currency.
fn outstanding(side: Side, amount: Decimal) -> Outstanding {
    Outstanding {
        document: AgedDocument {
            id: "i".to_owned(),
            kind: AgedKind::Invoice,
            side,
            number: None,
            contact_id: None,
            contact_name: None,
            date: XeroDate(as_at()),
            due_date: XeroDate(as_at()),
            currency: None,
            rate: None,
            total: amount,
            booked: amount,
            in_control: true,
        },
        amount,
        base: amount,
    }
}

#[test]
fn a_document_is_aged_by_its_due_date() {
    let mut o = outstanding(Side::Receivable, Decimal::ONE);
    for days in [-100i64, -45, -10, 0, 20] {
        o.document.due_date = XeroDate(as_at() + Duration::days(days));
        let expected = AgeBucket::of(Some(o.document.due_date.0), as_at());
        assert_eq!(AgeBucket::ALL[bucket_of(&o, as_at())], expected);
    }
}

#[test]
fn the_control_account_is_the_system_account_else_the_demo_code() {
    let chart = [
        ("a", Some("610"), None),
        ("b", Some("611"), Some("DEBTORS")),
        ("c", Some("800"), None),
    ];
    let (found, code) = control_account(&chart, Side::Receivable, |a| a.2, |a| a.1);
    assert_eq!(found.map(|a| a.0), Some("b"));
    assert_eq!(code, "610");
    let (found, code) = control_account(&chart, Side::Payable, |a| a.2, |a| a.1);
    assert_eq!((found.map(|a| a.0), code), (Some("c"), "800"));
    let none: [(&str, Option<&str>, Option<&str>); 0] = [];
    assert!(control_account(&none, Side::Payable, |a| a.2, |a| a.1)
        .0
        .is_none());
}

#[test]
fn figures_past_a_decimal_are_an_error() {
    let docs = vec![outstanding(Side::Payable, Decimal::MAX); 2];
    assert!(aged_report(
        &docs,
        Side::Payable,
        as_at(),
        None,
        Decimal::ZERO,
        Decimal::ZERO
    )
    .is_err());
    assert!(aged_report(
        &[],
        Side::Payable,
        as_at(),
        None,
        Decimal::MAX,
        Decimal::MAX
    )
    .is_err());
}
