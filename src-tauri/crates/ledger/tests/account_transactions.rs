//! An account's running balance (the general ledger screen), tested on its
//! own with no SQLite: over random balanced journals of every class, an
//! account's balance after the period's last line, started from the opening
//! balance the rule names, is the opening plus the period's lines, and is the
//! account's balance as the chart of accounts and the trial balance read it
//! at the period's end; each line's debit less credit is its amount.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, NaiveDate};
use ledgerkeep_domain::reports::AccountClass;
use ledgerkeep_ledger::account_transactions::{opening_span, RunningBalance};
use ledgerkeep_ledger::statements::{
    account_balance, spans, AccountMovement, Movements, Span, StatementKind, YearEnd,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

const CHART: &[(&str, AccountClass)] = &[
    ("bank", AccountClass::Asset),
    ("ap", AccountClass::Liability),
    ("capital", AccountClass::Equity),
    ("sales", AccountClass::Revenue),
    ("rent", AccountClass::Expense),
];

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
}

/// (account index, day offset, net): journals of two lines that balance.
fn journals() -> impl Strategy<Value = Vec<(usize, i64, Decimal)>> {
    let journal = (
        0..CHART.len(),
        0..CHART.len(),
        0i64..1100,
        -10_000_000i64..10_000_000,
    )
        .prop_map(|(a, b, day, x)| {
            let x = Decimal::new(x, 2);
            vec![(a, day, x), (b, day, -x)]
        });
    prop::collection::vec(journal, 0..60).prop_map(|js| js.into_iter().flatten().collect())
}

fn movements_over(lines: &[(usize, i64, Decimal)], span: Span) -> Movements {
    let mut out = Movements::new();
    for (a, day, net) in lines {
        let date = start() + Duration::days(*day);
        if date > span.to || span.from.is_some_and(|f| date < f) {
            continue;
        }
        let (key, class) = CHART[*a];
        let m = out
            .entry(key.to_owned())
            .or_insert_with(|| AccountMovement {
                key: key.to_owned(),
                code: None,
                name: None,
                account_type: None,
                class: Some(class),
                debit: Decimal::ZERO,
                credit: Decimal::ZERO,
                lines: 0,
            });
        if net.is_sign_negative() {
            m.credit -= net;
        } else {
            m.debit += net;
        }
        m.lines += 1;
    }
    out
}

proptest! {
    #[test]
    fn the_running_balance_ends_at_the_opening_plus_the_lines_and_at_the_trial_balance(
        lines in journals(),
        account in 0..CHART.len(),
        from_day in 0i64..1100,
        len in 0i64..800,
        year_end_month in 1u32..=12,
    ) {
        let year_end = YearEnd { day: 31, month: year_end_month };
        let (key, class) = CHART[account];
        let from = start() + Duration::days(from_day);
        let to = from + Duration::days(len);
        let opening = opening_span(Some(class), from, year_end)
            .map(|s| movements_over(&lines, s).get(key).map_or(Decimal::ZERO, AccountMovement::net))
            .unwrap_or_default();
        // The period's lines of the account, by date (the store's order).
        let mut period: Vec<(NaiveDate, Decimal)> = lines
            .iter()
            .filter(|(a, _, _)| *a == account)
            .map(|(_, day, net)| (start() + Duration::days(*day), *net))
            .filter(|(d, _)| *d >= from && *d <= to)
            .collect();
        period.sort_by_key(|(d, _)| *d);

        let mut run = RunningBalance::start(Some(class), year_end, from, opening);
        let mut restarted = false;
        let mut sum = Decimal::ZERO;
        for (date, net) in &period {
            let l = run.post(*date, *net).unwrap();
            prop_assert_eq!(l.debit - l.credit, *net);
            prop_assert!(!l.debit.is_sign_negative() && !l.credit.is_sign_negative());
            prop_assert_eq!(l.shown, if class.shown_negated() { -l.balance } else { l.balance });
            restarted |= l.year_restarted;
            sum += net;
        }
        // Within one financial year (or for a balance-sheet account), the
        // balance is the opening plus every line.
        if !restarted {
            prop_assert_eq!(run.state().balance, opening + sum);
        }
        if !class.is_profit_and_loss() {
            prop_assert!(!restarted);
        }
        // And at the period's end it is what the chart of accounts shows.
        let read = spans(StatementKind::BalanceSheet, &[Span::to_date(to)], year_end);
        let movements: Vec<Movements> = read.iter().map(|s| movements_over(&lines, *s)).collect();
        let (figure, _) = account_balance(key, Some(class), to, year_end, &movements).unwrap();
        prop_assert_eq!(run.closing_shown(to), figure);
    }
}
