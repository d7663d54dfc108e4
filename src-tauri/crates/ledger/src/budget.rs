//! Budget against actual: each profit-and-loss account's budget for a month
//! beside what the ledger moved on it that month, as Xero's Budget Variance
//! report sets them side by side.
//!
//! # Rules
//!
//! - **Actual** is the account's movement over the calendar month, as the
//!   profit and loss shows it ([`crate::statements`]): revenue (a credit
//!   balance) negated, so income and expenses both read positive in the
//!   normal case. Only profit-and-loss accounts count; a budget line on a
//!   balance-sheet account is left out.
//! - **Budget** is the budget's amount for the account and month, as Xero
//!   keeps it (positive for a normal balance, like the profit and loss).
//!   None for the month reads as zero.
//! - **Variance** is actual less budget. **Variance %** is the variance over
//!   the budget's size, times 100, to one decimal (half away from zero);
//!   none when the budget is zero.
//! - **Favourable**, as Xero's report reads the variance: for revenue,
//!   actual over budget is favourable; for expenses, actual under budget is.
//!   A zero variance is neither.
//! - An account appears when it has a budget line or a movement in any of
//!   the months asked for, ordered by code then name then key.
//! - **Exact.** Every sum and difference is checked: past a decimal's range
//!   the comparison is a [`StatementOverflow`], never a wrong figure.

use std::collections::BTreeMap;

use ledgerkeep_domain::reports::AccountClass;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::balances::Month;
use crate::statements::{shown, Movements, StatementOverflow};

/// One budget amount: an account (by Xero's AccountID and/or code) in a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetAmount {
    pub account_id: Option<String>,
    pub account_code: Option<String>,
    pub month: Month,
    pub amount: Decimal,
}

/// Whether a variance is good news.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    Favourable,
    Unfavourable,
    /// No variance.
    Even,
}

/// One account's figures in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthFigures {
    pub month: Month,
    pub budget: Decimal,
    pub actual: Decimal,
    /// Actual less budget.
    pub variance: Decimal,
    /// The variance as a percentage of the budget (one decimal); `None` when
    /// the budget is zero.
    pub variance_percent: Option<Decimal>,
    pub direction: Direction,
}

/// One account's row: its figures in each month asked for, in that order,
/// and over them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetRow {
    /// The key the ledger's movements use (the AccountID, or the code).
    pub key: String,
    pub code: Option<String>,
    pub name: Option<String>,
    pub class: Option<AccountClass>,
    pub months: Vec<MonthFigures>,
    pub total: MonthFigures,
}

/// The comparison over some months.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetVsActual {
    pub months: Vec<Month>,
    pub rows: Vec<BudgetRow>,
}

/// An account as the chart names it, for accounts with a budget and no movement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChartAccount {
    pub key: String,
    pub code: Option<String>,
    pub name: Option<String>,
    pub class: Option<AccountClass>,
}

/// The variance's percentage of `budget` (one decimal), `None` for a zero budget.
pub fn variance_percent(variance: Decimal, budget: Decimal) -> Option<Decimal> {
    if budget.is_zero() {
        return None;
    }
    let ratio = variance
        .checked_mul(Decimal::ONE_HUNDRED)?
        .checked_div(budget.abs())?;
    let mut r = ratio.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    if r.is_zero() {
        r.set_sign_positive(true);
    }
    Some(r)
}

/// How Xero's Budget Variance report reads `variance` on an account of `class`.
pub fn direction(class: Option<AccountClass>, variance: Decimal) -> Direction {
    if variance.is_zero() {
        return Direction::Even;
    }
    let revenue = class == Some(AccountClass::Revenue);
    if revenue == variance.is_sign_positive() {
        Direction::Favourable
    } else {
        Direction::Unfavourable
    }
}

fn figures(
    month: Month,
    class: Option<AccountClass>,
    budget: Decimal,
    actual: Decimal,
) -> Result<MonthFigures, StatementOverflow> {
    let variance = shown(actual.checked_sub(budget).ok_or(StatementOverflow)?, false);
    // A percentage past a decimal's range cannot be shown.
    let variance_percent = if budget.is_zero() {
        None
    } else {
        Some(variance_percent(variance, budget).ok_or(StatementOverflow)?)
    };
    Ok(MonthFigures {
        month,
        budget: shown(budget, false),
        actual: shown(actual, false),
        variance,
        variance_percent,
        direction: direction(class, variance),
    })
}

/// Budget against actual over `months`: `moved[i]` is every account's
/// movement over `months[i]` (missing: none), `budget` the budget's amounts
/// (those outside `months` are ignored), `chart` the accounts by key.
pub fn budget_vs_actual(
    months: &[Month],
    moved: &[Movements],
    budget: &[BudgetAmount],
    chart: &[ChartAccount],
) -> Result<BudgetVsActual, StatementOverflow> {
    let by_key: BTreeMap<&str, &ChartAccount> = chart.iter().map(|a| (a.key.as_str(), a)).collect();
    let by_code: BTreeMap<&str, &ChartAccount> = chart
        .iter()
        .filter_map(|a| a.code.as_deref().map(|c| (c, a)))
        .collect();
    let index: BTreeMap<Month, usize> = months.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    // key -> (head, budget per month, actual per month)
    let mut rows: BTreeMap<String, (ChartAccount, Vec<Decimal>, Vec<Decimal>)> = BTreeMap::new();
    let n = months.len();
    for (i, moves) in moved.iter().take(n).enumerate() {
        for m in moves.values() {
            if !m.class.is_some_and(AccountClass::is_profit_and_loss) {
                continue;
            }
            let row = rows.entry(m.key.clone()).or_insert_with(|| {
                let head = by_key.get(m.key.as_str()).map(|a| (*a).clone());
                (
                    head.unwrap_or(ChartAccount {
                        key: m.key.clone(),
                        code: m.code.clone(),
                        name: m.name.clone(),
                        class: m.class,
                    }),
                    vec![Decimal::ZERO; n],
                    vec![Decimal::ZERO; n],
                )
            });
            let negate = m.class.is_some_and(AccountClass::shown_negated);
            let actual = shown(m.net(), negate);
            row.2[i] = row.2[i].checked_add(actual).ok_or(StatementOverflow)?;
        }
    }
    for b in budget {
        let Some(&i) = index.get(&b.month) else {
            continue;
        };
        let head = b
            .account_id
            .as_deref()
            .and_then(|id| by_key.get(id))
            .or_else(|| b.account_code.as_deref().and_then(|c| by_code.get(c)))
            .map(|a| (*a).clone())
            .or_else(|| {
                // Not in the chart: keyed as the ledger keys it.
                let key = b.account_id.clone().or_else(|| b.account_code.clone())?;
                rows.get(&key).map(|r| r.0.clone())
            });
        let Some(head) = head else { continue };
        if !head.class.is_some_and(AccountClass::is_profit_and_loss) {
            continue;
        }
        let row = rows
            .entry(head.key.clone())
            .or_insert_with(|| (head, vec![Decimal::ZERO; n], vec![Decimal::ZERO; n]));
        row.1[i] = row.1[i].checked_add(b.amount).ok_or(StatementOverflow)?;
    }
    let mut out = Vec::with_capacity(rows.len());
    for (_, (head, budgets, actuals)) in rows {
        let mut cells = Vec::with_capacity(n);
        let (mut tb, mut ta) = (Decimal::ZERO, Decimal::ZERO);
        for (i, month) in months.iter().enumerate() {
            tb = tb.checked_add(budgets[i]).ok_or(StatementOverflow)?;
            ta = ta.checked_add(actuals[i]).ok_or(StatementOverflow)?;
            cells.push(figures(*month, head.class, budgets[i], actuals[i])?);
        }
        let last = months
            .last()
            .copied()
            .unwrap_or(Month { year: 0, month: 1 });
        let total = figures(last, head.class, tb, ta)?;
        out.push(BudgetRow {
            key: head.key,
            code: head.code,
            name: head.name,
            class: head.class,
            months: cells,
            total,
        });
    }
    out.sort_by(|a, b| {
        (a.code.is_none(), &a.code, &a.name, &a.key).cmp(&(
            b.code.is_none(),
            &b.code,
            &b.name,
            &b.key,
        ))
    });
    Ok(BudgetVsActual {
        months: months.to_vec(),
        rows: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statements::AccountMovement;
    use proptest::prelude::*;

    fn month(m: u32) -> Month {
        Month {
            year: 2026,
            month: m,
        }
    }

    fn mv(key: &str, class: AccountClass, debit: Decimal, credit: Decimal) -> AccountMovement {
        AccountMovement {
            key: key.to_owned(),
            code: Some(format!("c{key}")),
            name: Some(format!("n{key}")),
            account_type: None,
            class: Some(class),
            debit,
            credit,
            lines: 1,
        }
    }

    fn chart() -> Vec<ChartAccount> {
        vec![
            ChartAccount {
                key: "sales".into(),
                code: Some("200".into()),
                name: Some("Sales".into()),
                class: Some(AccountClass::Revenue),
            },
            ChartAccount {
                key: "rent".into(),
                code: Some("469".into()),
                name: Some("Rent".into()),
                class: Some(AccountClass::Expense),
            },
            ChartAccount {
                key: "bank".into(),
                code: Some("090".into()),
                name: Some("Bank".into()),
                class: Some(AccountClass::Asset),
            },
        ]
    }

    fn dec(cents: i64) -> Decimal {
        Decimal::new(cents, 2)
    }

    #[test]
    fn revenue_over_budget_is_favourable_and_expense_over_is_not() {
        let mut moves = Movements::new();
        moves.insert(
            "sales".into(),
            mv("sales", AccountClass::Revenue, dec(0), dec(120_000)),
        );
        moves.insert(
            "rent".into(),
            mv("rent", AccountClass::Expense, dec(110_000), dec(0)),
        );
        moves.insert(
            "bank".into(),
            mv("bank", AccountClass::Asset, dec(10_000), dec(0)),
        );
        let budget = vec![
            BudgetAmount {
                account_id: Some("sales".into()),
                account_code: None,
                month: month(3),
                amount: dec(100_000),
            },
            BudgetAmount {
                account_id: None,
                account_code: Some("469".into()),
                month: month(3),
                amount: dec(100_000),
            },
            BudgetAmount {
                account_id: Some("bank".into()),
                account_code: None,
                month: month(3),
                amount: dec(5),
            },
        ];
        let r = budget_vs_actual(&[month(3)], &[moves], &budget, &chart()).unwrap();
        assert_eq!(
            r.rows.len(),
            2,
            "the bank account is not on the profit and loss"
        );
        let sales = r.rows.iter().find(|x| x.key == "sales").unwrap();
        let rent = r.rows.iter().find(|x| x.key == "rent").unwrap();
        assert_eq!(sales.months[0].actual, dec(120_000));
        assert_eq!(sales.months[0].variance, dec(20_000));
        assert_eq!(sales.months[0].variance_percent, Some(Decimal::new(200, 1)));
        assert_eq!(sales.months[0].direction, Direction::Favourable);
        assert_eq!(rent.months[0].variance, dec(10_000));
        assert_eq!(rent.months[0].direction, Direction::Unfavourable);
        // Ordered by code.
        assert_eq!(r.rows[0].key, "sales");
    }

    #[test]
    fn a_zero_budget_has_no_percentage_and_budget_only_accounts_appear() {
        let budget = vec![BudgetAmount {
            account_id: Some("rent".into()),
            account_code: None,
            month: month(4),
            amount: dec(5_000),
        }];
        let mut moves = Movements::new();
        moves.insert(
            "sales".into(),
            mv("sales", AccountClass::Revenue, dec(0), dec(700)),
        );
        let r = budget_vs_actual(&[month(4)], &[moves], &budget, &chart()).unwrap();
        let sales = r.rows.iter().find(|x| x.key == "sales").unwrap();
        assert_eq!(sales.months[0].variance_percent, None);
        let rent = r.rows.iter().find(|x| x.key == "rent").unwrap();
        assert_eq!(rent.months[0].actual, Decimal::ZERO);
        assert_eq!(rent.months[0].direction, Direction::Favourable);
        assert_eq!(
            rent.months[0].variance_percent,
            Some(Decimal::new(-1000, 1))
        );
    }

    fn amount() -> impl Strategy<Value = Decimal> {
        (-10_000_000i64..10_000_000).prop_map(dec)
    }

    proptest! {
        #[test]
        fn variance_is_actual_less_budget_and_totals_add_up(
            cells in proptest::collection::vec((amount(), amount(), amount(), any::<bool>()), 1..12)
        ) {
            let months: Vec<Month> = (1..=cells.len() as u32).map(month).collect();
            let mut moved = Vec::new();
            let mut budget = Vec::new();
            for (i, (debit, credit, b, revenue)) in cells.iter().enumerate() {
                let (key, class) = if *revenue { ("sales", AccountClass::Revenue) } else { ("rent", AccountClass::Expense) };
                let mut m = Movements::new();
                m.insert(key.into(), mv(key, class, debit.abs(), credit.abs()));
                moved.push(m);
                budget.push(BudgetAmount { account_id: Some(key.into()), account_code: None, month: months[i], amount: *b });
            }
            let r = budget_vs_actual(&months, &moved, &budget, &chart()).unwrap();
            for row in &r.rows {
                let mut tb = Decimal::ZERO;
                let mut ta = Decimal::ZERO;
                for (i, f) in row.months.iter().enumerate() {
                    prop_assert_eq!(f.variance, f.actual - f.budget);
                    let (debit, credit, b, revenue) = cells[i];
                    let is_row = (row.key == "sales") == revenue;
                    if is_row {
                        let net = debit.abs() - credit.abs();
                        let want = if revenue { -net } else { net };
                        prop_assert_eq!(f.actual, want);
                        prop_assert_eq!(f.budget, b);
                    } else {
                        prop_assert_eq!(f.actual, Decimal::ZERO);
                        prop_assert_eq!(f.budget, Decimal::ZERO);
                    }
                    match f.variance_percent {
                        None => prop_assert!(f.budget.is_zero()),
                        Some(p) => {
                            let exact = f.variance * Decimal::ONE_HUNDRED / f.budget.abs();
                            prop_assert!((p - exact).abs() <= Decimal::new(5, 2));
                            prop_assert!(p.is_zero() || p.is_sign_positive() == f.variance.is_sign_positive());
                        }
                    }
                    let good = if row.key == "sales" { f.variance > Decimal::ZERO } else { f.variance < Decimal::ZERO };
                    match f.direction {
                        Direction::Even => prop_assert!(f.variance.is_zero()),
                        Direction::Favourable => prop_assert!(good),
                        Direction::Unfavourable => prop_assert!(!good && !f.variance.is_zero()),
                    }
                    tb += f.budget;
                    ta += f.actual;
                }
                prop_assert_eq!(row.total.budget, tb);
                prop_assert_eq!(row.total.actual, ta);
                prop_assert_eq!(row.total.variance, ta - tb);
            }
        }
    }
}
