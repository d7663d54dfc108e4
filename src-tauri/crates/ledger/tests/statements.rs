//! The statements' rules, tested on their own, with no SQLite: random
//! balanced journals over a chart of every class, summed over each span the
//! rules ask for, must give statements that keep the accounting identities
//! (the trial balance balances, net assets equal equity, a bank's closing
//! balance is its opening plus what moved, net profit is what the profit and
//! loss accounts moved), and sums past a decimal's range are an error.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, NaiveDate};
use ledgerkeep_domain::reports::AccountClass;
use ledgerkeep_domain::xero_report::{FigureKey, TotalLine};
use ledgerkeep_ledger::statements::{
    account_balance, combined, figures, movements, spans, statement, AccountHead, AccountMovement,
    AccountRow, Cell, Heading, Line, LineSide, Movements, Row, Section, Span, Statement,
    StatementKind, StatementOverflow, YearEnd,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// key, code, type, class
const CHART: &[(&str, &str, &str, AccountClass)] = &[
    ("bank-a", "090", "BANK", AccountClass::Asset),
    ("bank-b", "091", "BANK", AccountClass::Asset),
    ("ar", "610", "CURRENT", AccountClass::Asset),
    ("ap", "800", "CURRLIAB", AccountClass::Liability),
    ("gst", "820", "CURRLIAB", AccountClass::Liability),
    ("capital", "970", "EQUITY", AccountClass::Equity),
    ("sales", "200", "REVENUE", AccountClass::Revenue),
    ("interest", "270", "OTHERINCOME", AccountClass::Revenue),
    ("cogs", "310", "DIRECTCOSTS", AccountClass::Expense),
    ("rent", "469", "OVERHEADS", AccountClass::Expense),
];

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
}

/// One posted line: account index, day offset from `start()`, net (debit positive).
type Posted = (usize, i64, Decimal);

/// Journals of two or three lines that balance, over about three years.
fn journals() -> impl Strategy<Value = Vec<Posted>> {
    let journal = (
        0..CHART.len(),
        0..CHART.len(),
        0..CHART.len(),
        0i64..1100,
        1i64..10_000_000,
        0i64..10_000_000,
    )
        .prop_map(|(a, b, c, day, x, y)| {
            let x = Decimal::new(x, 2);
            let y = Decimal::new(y, 2);
            vec![(a, day, x + y), (b, day, -x), (c, day, -y)]
        });
    prop::collection::vec(journal, 0..40).prop_map(|js| js.into_iter().flatten().collect())
}

/// What the store does: each account's debits and credits over `span`.
fn movements_over(lines: &[Posted], span: Span) -> Movements {
    let mut out = Movements::new();
    for (a, day, net) in lines {
        let date = start() + Duration::days(*day);
        if date > span.to || span.from.is_some_and(|f| date < f) {
            continue;
        }
        let (key, code, ty, class) = CHART[*a];
        let m = out
            .entry(key.to_owned())
            .or_insert_with(|| AccountMovement {
                key: key.to_owned(),
                code: Some(code.to_owned()),
                name: Some(format!("Account {code}")),
                account_type: Some(ty.to_owned()),
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

fn run(kind: StatementKind, columns: &[Span], year_end: YearEnd, lines: &[Posted]) -> Statement {
    let read = spans(kind, columns, year_end);
    let movements: Vec<Movements> = read.iter().map(|s| movements_over(lines, *s)).collect();
    statement(kind, columns, year_end, &movements).unwrap()
}

fn net(lines: &[Posted], span: Span, pick: impl Fn(usize) -> bool) -> Decimal {
    movements_over(lines, span)
        .values()
        .filter(|m| pick(CHART.iter().position(|c| c.0 == m.key).unwrap()))
        .map(AccountMovement::net)
        .sum()
}

fn summary<'a>(st: &'a Statement, line: &Line) -> &'a Row {
    st.summary.iter().find(|r| &r.line == line).unwrap()
}

fn amount(r: &Row, i: usize) -> Decimal {
    r.cells[i].amount.unwrap_or_default()
}

fn columns() -> impl Strategy<Value = Vec<Span>> {
    prop::collection::vec((0i64..1100, 0i64..400), 1..4).prop_map(|cs| {
        cs.into_iter()
            .map(|(to, len)| {
                let to = start() + Duration::days(to);
                Span {
                    from: Some(to - Duration::days(len)),
                    to,
                }
            })
            .collect()
    })
}

fn year_ends() -> impl Strategy<Value = YearEnd> {
    (1u32..=31, 1u32..=12).prop_map(|(day, month)| YearEnd { day, month })
}

fn label(line: &Line) -> String {
    format!("{line:?}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_trial_balance_balances_and_each_account_sits_on_its_side(
        lines in journals(), cols in columns(), ye in year_ends(),
    ) {
        let st = run(StatementKind::TrialBalance, &cols, ye, &lines);
        let total = summary(&st, &Line::GrandTotal);
        for (i, col) in cols.iter().enumerate() {
            prop_assert_eq!(amount(total, 2 * i), amount(total, 2 * i + 1));
            for r in st.sections.iter().flat_map(|s| &s.rows) {
                // One side only, never negative.
                let (d, c) = (&r.cells[2 * i], &r.cells[2 * i + 1]);
                prop_assert!(d.amount.is_none() || c.amount.is_none());
                for x in [d, c] {
                    prop_assert!(x.amount.is_none_or(|a| !a.is_sign_negative()));
                }
                if let Line::Account(a) = &r.line {
                    let (balance, behind) = {
                        let read = spans(StatementKind::BalanceSheet, &[Span { from: None, to: col.to }], ye);
                        let m: Vec<Movements> = read.iter().map(|s| movements_over(&lines, *s)).collect();
                        let class = CHART.iter().find(|c| c.0 == a.key).unwrap().3;
                        account_balance(&a.key, Some(class), col.to, ye, &m).unwrap()
                    };
                    // The chart's balance is the trial balance's figure, on the
                    // side the class shows positive.
                    let shown = if behind.negate { c } else { d };
                    let other = if behind.negate { d } else { c };
                    match shown.amount {
                        Some(v) => prop_assert_eq!(v, balance),
                        None => prop_assert_eq!(other.amount.unwrap(), -balance),
                    }
                    prop_assert_eq!(&behind.span, &d.behind.as_ref().or(c.behind.as_ref()).unwrap().span);
                }
            }
        }
        let f = figures(&st, None, label).unwrap();
        prop_assert_eq!(
            f[&FigureKey::Total(TotalLine::TotalDebit)].amount,
            f[&FigureKey::Total(TotalLine::TotalCredit)].amount
        );
    }

    #[test]
    fn net_assets_equal_equity_and_earnings_split_at_the_year_start(
        lines in journals(), cols in columns(), ye in year_ends(),
    ) {
        let st = run(StatementKind::BalanceSheet, &cols, ye, &lines);
        let pl = |c: usize| CHART[c].3.is_profit_and_loss();
        for (i, col) in cols.iter().enumerate() {
            let net_assets = amount(summary(&st, &Line::Total(TotalLine::NetAssets)), i);
            let equity = amount(summary(&st, &Line::Total(TotalLine::TotalEquity)), i);
            prop_assert_eq!(net_assets, equity);
            let start = st.year_starts[i];
            prop_assert!(start <= col.to && col.to - start < Duration::days(366));
            let rows = &st.sections.iter().find(|s| s.heading == Heading::Equity).unwrap().rows;
            let row = |l: &Line| rows.iter().find(|r| &r.line == l).unwrap();
            let current = -net(&lines, Span { from: Some(start), to: col.to }, pl);
            let all = -net(&lines, Span { from: None, to: col.to }, pl);
            prop_assert_eq!(amount(row(&Line::CurrentYearEarnings), i), current);
            prop_assert_eq!(amount(row(&Line::EarlierYearsEarnings), i), all - current);
        }
        let f = figures(&st, Some("capital"), label).unwrap();
        prop_assert_eq!(
            f[&FigureKey::Total(TotalLine::NetAssets)].amount,
            amount(summary(&st, &Line::Total(TotalLine::NetAssets)), 0)
        );
        // The earlier years' earnings are added to the retained earnings account.
        prop_assert!(!f.contains_key(&FigureKey::EarlierYearsEarnings));
    }

    #[test]
    fn profit_is_what_the_profit_and_loss_accounts_moved(
        lines in journals(), cols in columns(),
    ) {
        let ye = YearEnd { day: 31, month: 12 };
        let st = run(StatementKind::ProfitAndLoss, &cols, ye, &lines);
        for (i, col) in cols.iter().enumerate() {
            let pl = |c: usize| CHART[c].3.is_profit_and_loss();
            let expected = -net(&lines, *col, pl);
            prop_assert_eq!(amount(summary(&st, &Line::Total(TotalLine::NetProfit)), i), expected);
            let direct = -net(&lines, *col, |c| CHART[c].2 == "DIRECTCOSTS");
            let income = -net(&lines, *col, |c| CHART[c].2 == "REVENUE");
            prop_assert_eq!(amount(summary(&st, &Line::Total(TotalLine::GrossProfit)), i), income + direct);
        }
        // Every account that moved sits in the one section its type says.
        for s in &st.sections {
            for r in &s.rows {
                let Line::Account(a) = &r.line else { panic!("only accounts in sections") };
                let ty = CHART.iter().find(|c| c.0 == a.key).unwrap().2;
                let expected = match ty {
                    "REVENUE" => Heading::Income,
                    "OTHERINCOME" => Heading::OtherIncome,
                    "DIRECTCOSTS" => Heading::CostOfSales,
                    _ => Heading::OperatingExpenses,
                };
                prop_assert_eq!(&s.heading, &expected);
            }
            prop_assert!(!s.rows.is_empty());
        }
    }

    #[test]
    fn a_bank_closes_at_its_opening_plus_what_moved(
        lines in journals(), cols in columns(),
    ) {
        let ye = YearEnd { day: 30, month: 6 };
        let st = run(StatementKind::CashSummary, &cols, ye, &lines);
        for s in &st.sections {
            let Heading::Bank(bank) = &s.heading else { panic!("a bank section") };
            let closing = s.total.as_ref().unwrap();
            for (i, col) in cols.iter().enumerate() {
                let [opening, received, spent] = [0, 1, 2].map(|k| amount(&s.rows[k], i));
                prop_assert!(!received.is_sign_negative() && !spent.is_sign_positive() || spent.is_zero());
                prop_assert_eq!(amount(closing, i), opening + received + spent);
                let idx = CHART.iter().position(|c| c.0 == bank.key).unwrap();
                prop_assert_eq!(amount(closing, i), net(&lines, Span { from: None, to: col.to }, |c| c == idx));
                prop_assert_eq!(s.rows[1].cells[i].behind.as_ref().unwrap().side, Some(LineSide::Debits));
                prop_assert_eq!(s.rows[2].cells[i].behind.as_ref().unwrap().side, Some(LineSide::Credits));
            }
        }
        prop_assert!(figures(&st, None, label).unwrap().is_empty());
    }
}

#[test]
fn a_credit_balance_shows_positive_and_a_zero_never_negative() {
    let ye = YearEnd { day: 31, month: 12 };
    // A sale of 100 on credit, then its receipt; and a journal of zero.
    let lines = vec![
        (2, 10, Decimal::new(100, 0)),
        (6, 10, Decimal::new(-100, 0)),
        (0, 20, Decimal::new(100, 0)),
        (2, 20, Decimal::new(-100, 0)),
        (9, 30, Decimal::ZERO),
    ];
    let col = [Span {
        from: Some(start()),
        to: start() + Duration::days(40),
    }];
    let pl = run(StatementKind::ProfitAndLoss, &col, ye, &lines);
    let income = pl.sections.iter().find(|s| s.heading == Heading::Income);
    let sales = &income.unwrap().rows[0];
    assert_eq!(sales.cells[0].amount, Some(Decimal::new(100, 0)));
    assert!(sales.cells[0].behind.as_ref().unwrap().negate);
    let bs = run(StatementKind::BalanceSheet, &col, ye, &lines);
    for r in bs
        .sections
        .iter()
        .flat_map(|s| s.rows.iter().chain(&s.total))
    {
        for c in &r.cells {
            let a = c.amount.unwrap();
            assert!(!(a.is_zero() && a.is_sign_negative()), "{r:?}");
        }
    }
}

fn huge(key: &str, class: AccountClass, debit: Decimal) -> AccountMovement {
    AccountMovement {
        key: key.to_owned(),
        code: None,
        name: None,
        account_type: None,
        class: Some(class),
        debit,
        credit: Decimal::ZERO,
        lines: 1,
    }
}

#[test]
fn sums_past_a_decimal_are_an_error_not_a_panic() {
    let ye = YearEnd { day: 31, month: 12 };
    let col = [Span {
        from: Some(start()),
        to: start(),
    }];
    let two_huge: Movements = [
        ("a", huge("a", AccountClass::Expense, Decimal::MAX)),
        ("b", huge("b", AccountClass::Expense, Decimal::MAX)),
    ]
    .into_iter()
    .map(|(k, m)| (k.to_owned(), m))
    .collect();
    for kind in [
        StatementKind::ProfitAndLoss,
        StatementKind::BalanceSheet,
        StatementKind::TrialBalance,
    ] {
        let m = vec![two_huge.clone(); spans(kind, &col, ye).len()];
        assert_eq!(statement(kind, &col, ye, &m), Err(StatementOverflow));
    }
    // Within range the figures are exact; a trial balance's total debit past
    // the range is refused by name.
    let big = Decimal::MAX - Decimal::ONE;
    let one: Movements = [("a".to_owned(), huge("a", AccountClass::Asset, big))].into();
    let m = vec![one; 2];
    let tb = statement(StatementKind::TrialBalance, &col, ye, &m).unwrap();
    let f = figures(&tb, None, label).unwrap();
    assert_eq!(f[&FigureKey::account("a")].amount, big);
    assert_eq!(f[&FigureKey::Total(TotalLine::TotalDebit)].amount, big);
    // Two balances in range whose sum is not: the statement refuses, and so
    // do its figures when given such a statement (read from elsewhere).
    let two: Movements = [
        ("a".to_owned(), huge("a", AccountClass::Asset, big)),
        ("b".to_owned(), huge("b", AccountClass::Asset, big)),
    ]
    .into();
    let m = vec![two; 2];
    assert_eq!(
        statement(StatementKind::TrialBalance, &col, ye, &m),
        Err(StatementOverflow)
    );
    let row = |key: &str| Row {
        line: Line::Account(AccountRow {
            key: key.to_owned(),
            code: None,
            name: key.to_owned(),
        }),
        cells: vec![
            Cell {
                amount: Some(Decimal::MAX),
                behind: None,
            },
            Cell {
                amount: None,
                behind: None,
            },
        ],
    };
    let tb = Statement {
        kind: StatementKind::TrialBalance,
        sections: vec![Section {
            heading: Heading::Assets,
            rows: vec![row("a"), row("b")],
            total: None,
        }],
        summary: Vec::new(),
        year_starts: Vec::new(),
    };
    let err = figures(&tb, None, label).unwrap_err();
    assert_eq!(err.label, label(&Line::Total(TotalLine::TotalDebit)));
}

fn head(key: &str) -> AccountHead {
    let (_, code, ty, class) = *CHART.iter().find(|c| c.0 == key).unwrap();
    AccountHead {
        code: Some(code.to_owned()),
        name: Some(format!("Account {code}")),
        account_type: Some(ty.to_owned()),
        class: Some(class),
    }
}

proptest! {
    /// The core's sums of dated lines (the cash basis's path) are what the
    /// store's SQL sums per span (`movements_over` plays the store).
    #[test]
    fn movements_sum_each_span_as_the_store_does(lines in journals(), columns in columns()) {
        let dated = lines.iter().map(|(a, day, net)| {
            (start() + Duration::days(*day), CHART[*a].0.to_owned(), *net)
        });
        let got = movements(dated, &columns, head).unwrap();
        prop_assert_eq!(got.len(), columns.len());
        for (m, span) in got.iter().zip(&columns) {
            prop_assert_eq!(m, &movements_over(&lines, *span));
        }
    }
}

#[test]
fn movement_sums_past_a_decimal_are_an_error_not_a_panic() {
    let day = start();
    let lines = [
        (day, "sales".to_owned(), Decimal::MAX),
        (day, "sales".to_owned(), Decimal::MAX),
    ];
    assert_eq!(
        movements(lines, &[Span::to_date(day)], head),
        Err(StatementOverflow)
    );
}

proptest! {
    /// A report split by tracking option: the lines dealt into parts (each
    /// line in one), the parts' movements combined are the whole's, and a
    /// profit and loss with one column per part and one for the combined
    /// movements has each account's parts add up to its total.
    #[test]
    fn parts_combined_are_the_whole(
        lines in journals(),
        tags in prop::collection::vec(0usize..3, 120),
        span in columns(),
    ) {
        let span = span[0];
        let mut parts: Vec<Vec<Posted>> = vec![Vec::new(); 3];
        for (i, l) in lines.iter().enumerate() {
            parts[tags[i % tags.len()]].push(*l);
        }
        let moved: Vec<Movements> = parts.iter().map(|p| movements_over(p, span)).collect();
        let whole = movements_over(&lines, span);
        let total = combined(&moved).unwrap();
        for (key, m) in &whole {
            let t = &total[key];
            prop_assert_eq!((t.debit, t.credit, t.lines), (m.debit, m.credit, m.lines));
        }
        prop_assert_eq!(total.len(), whole.len());
        let mut columns = moved.clone();
        columns.push(total);
        let st = statement(
            StatementKind::ProfitAndLoss,
            &[span; 4],
            YearEnd { day: 31, month: 12 },
            &columns,
        )
        .unwrap();
        for row in st.sections.iter().flat_map(|s| s.rows.iter()) {
            let parts: Decimal = (0..3).map(|i| amount(row, i)).sum();
            prop_assert_eq!(parts, amount(row, 3));
        }
    }
}

#[test]
fn combined_sums_past_a_decimal_are_an_error_not_a_panic() {
    let part = Movements::from([(
        "sales".to_owned(),
        huge("sales", AccountClass::Revenue, Decimal::MAX),
    )]);
    assert_eq!(combined([&part, &part]), Err(StatementOverflow));
}
