//! The financial statements' rules: profit and loss, balance sheet, trial
//! balance and cash summary, from the general ledger's account movements;
//! and the figures of a statement as Xero's own report is compared
//! ([`figures`]).
//!
//! A statement is facts with their reasons: each figure says which account's
//! lines in which [`Span`] make it ([`Behind`]), and each row and section
//! says what it is ([`Line`], [`Heading`]), not how it is worded: the words
//! live at the edge.
//!
//! The caller asks [`spans`] which spans of the ledger a statement reads,
//! sums each account's lines over each of them (its [`AccountMovement`]s, in
//! the same order), and hands them to [`statement`].
//!
//! # Rules
//!
//! - **Profit and loss** (one span per column): revenue accounts as income,
//!   except `OTHERINCOME` as other income; expense accounts as operating
//!   expenses, except `DIRECTCOSTS` as cost of sales. Gross profit is income
//!   less cost of sales; net profit is gross profit plus other income less
//!   operating expenses. Empty sections are left out.
//! - **Balance sheet** (as at each column's end): assets, liabilities and
//!   equity, each account's balance to date. Xero posts no year-end closing
//!   entries, so equity gains the current financial year's earnings (from
//!   the year's start, by the organisation's year end) and the earlier
//!   years' earnings (everything before); net assets are assets less
//!   liabilities.
//! - **Trial balance** (as at each column's end, two cells: debit, credit):
//!   balance-sheet accounts to date, profit-and-loss accounts for the
//!   financial year to date, and the earlier years' earnings under equity.
//! - **Cash summary** (per bank account and column): the opening balance
//!   (to the day before the span), cash received (the span's debits), cash
//!   spent (its credits) and the closing balance.
//! - Credit-balance classes (liabilities, equity, revenue) show their
//!   balances negated, so a normal balance is positive. A zero is never
//!   shown negative.
//! - **Exact.** Every sum is checked: past a decimal's range the statement
//!   is a [`StatementOverflow`], never a wrong figure or a panic.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use ledgerkeep_domain::reports::{financial_year_start, AccountClass};
use ledgerkeep_domain::xero::AccountType;
use ledgerkeep_domain::xero_report::{
    add_figure, Figure, FigureKey, FigureOutOfRange, Figures, TotalLine,
};
use rust_decimal::Decimal;

/// The debits and credits posted to one account over one span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountMovement {
    pub key: String,
    pub code: Option<String>,
    pub name: Option<String>,
    pub account_type: Option<String>,
    pub class: Option<AccountClass>,
    /// The sum of the positive net amounts.
    pub debit: Decimal,
    /// The sum of the negative net amounts, as a positive number.
    pub credit: Decimal,
    /// How many journal lines.
    pub lines: u64,
}

impl AccountMovement {
    /// Debits less credits: the balance's movement, debit positive.
    pub fn net(&self) -> Decimal {
        self.debit - self.credit
    }
}

/// Every account's movement over one span, by account key.
pub type Movements = BTreeMap<String, AccountMovement>;

/// Ledger lines dated from `from` (inclusive; `None` = since the beginning)
/// to `to` (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: Option<NaiveDate>,
    pub to: NaiveDate,
}

impl Span {
    pub fn to_date(to: NaiveDate) -> Span {
        Span { from: None, to }
    }
}

/// Which statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    ProfitAndLoss,
    BalanceSheet,
    TrialBalance,
    CashSummary,
}

/// The organisation's financial year end (day and month).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearEnd {
    pub day: u32,
    pub month: u32,
}

/// One side of an account's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineSide {
    Debits,
    Credits,
}

/// The ledger lines behind a figure: `account`'s lines in `span` (only one
/// side of them where `side` says), summed and negated where `negate` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Behind {
    pub account: String,
    pub span: Span,
    pub side: Option<LineSide>,
    pub negate: bool,
}

/// A figure, or an empty cell (the other side of a trial balance row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub amount: Option<Decimal>,
    /// Absent for computed figures (totals, earnings) that no account holds.
    pub behind: Option<Behind>,
}

/// An account as a statement shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub key: String,
    pub code: Option<String>,
    /// The account's name, else its key.
    pub name: String,
}

/// What a row is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Account(AccountRow),
    CurrentYearEarnings,
    EarlierYearsEarnings,
    OpeningBalance,
    CashReceived,
    CashSpent,
    ClosingBalance,
    /// A total Xero's reports also have.
    Total(TotalLine),
    /// The trial balance's debits and credits.
    GrandTotal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: Line,
    pub cells: Vec<Cell>,
}

/// What a section is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heading {
    Income,
    CostOfSales,
    OtherIncome,
    OperatingExpenses,
    Assets,
    Liabilities,
    Equity,
    Revenue,
    Expenses,
    /// The cash summary's section of one bank account.
    Bank(AccountRow),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: Heading,
    pub rows: Vec<Row>,
    pub total: Option<Row>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub kind: StatementKind,
    pub sections: Vec<Section>,
    /// The bottom lines.
    pub summary: Vec<Row>,
    /// Where each column's financial year starts (balance sheet and trial
    /// balance), for the current year's earnings.
    pub year_starts: Vec<NaiveDate>,
}

/// A figure went beyond a decimal's range (about 7.9 × 10^28).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a statement figure is out of range")]
pub struct StatementOverflow;

/// An account as the chart, or failing it a ledger line, names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountHead {
    pub code: Option<String>,
    pub name: Option<String>,
    pub account_type: Option<String>,
    pub class: Option<AccountClass>,
}

/// Sums dated ledger amounts (debit positive, keyed by account) into each
/// span's [`AccountMovement`]s, in the order of `spans`: a line counts in
/// every span that holds its date. `head` names an account the first time
/// it moves in a span.
pub fn movements(
    lines: impl IntoIterator<Item = (NaiveDate, String, Decimal)>,
    spans: &[Span],
    head: impl Fn(&str) -> AccountHead,
) -> Result<Vec<Movements>, StatementOverflow> {
    let mut out: Vec<Movements> = vec![Movements::new(); spans.len()];
    for (date, key, amount) in lines {
        for (i, span) in spans.iter().enumerate() {
            if date > span.to || span.from.is_some_and(|f| date < f) {
                continue;
            }
            let m = out[i].entry(key.clone()).or_insert_with(|| {
                let h = head(&key);
                AccountMovement {
                    key: key.clone(),
                    code: h.code,
                    name: h.name,
                    account_type: h.account_type,
                    class: h.class,
                    debit: Decimal::ZERO,
                    credit: Decimal::ZERO,
                    lines: 0,
                }
            });
            if amount.is_sign_negative() {
                m.credit = m.credit.checked_sub(amount).ok_or(StatementOverflow)?;
            } else {
                m.debit = m.debit.checked_add(amount).ok_or(StatementOverflow)?;
            }
            m.lines += 1;
        }
    }
    Ok(out)
}

/// The movements of several parts of the ledger over one span, summed per
/// account (the total of a report split by tracking option, whose parts
/// hold every line once). An account keeps the first part's names.
pub fn combined<'a>(
    parts: impl IntoIterator<Item = &'a Movements>,
) -> Result<Movements, StatementOverflow> {
    let mut out = Movements::new();
    for part in parts {
        for (key, m) in part {
            match out.get_mut(key) {
                Some(have) => {
                    have.debit = have.debit.checked_add(m.debit).ok_or(StatementOverflow)?;
                    have.credit = have.credit.checked_add(m.credit).ok_or(StatementOverflow)?;
                    have.lines += m.lines;
                }
                None => {
                    out.insert(key.clone(), m.clone());
                }
            }
        }
    }
    Ok(out)
}

/// The spans of the ledger a statement of `kind` over `columns` reads, in
/// the order [`statement`] takes their movements.
pub fn spans(kind: StatementKind, columns: &[Span], year_end: YearEnd) -> Vec<Span> {
    match kind {
        StatementKind::ProfitAndLoss => columns.to_vec(),
        StatementKind::BalanceSheet | StatementKind::TrialBalance => columns
            .iter()
            .flat_map(|c| {
                let start = year_start(c.to, year_end);
                [
                    Span::to_date(c.to),
                    Span {
                        from: Some(start),
                        to: c.to,
                    },
                ]
            })
            .collect(),
        StatementKind::CashSummary => columns
            .iter()
            .flat_map(|c| {
                let from = c.from.unwrap_or(c.to);
                let before = from.pred_opt().unwrap_or(from);
                [
                    Span::to_date(before),
                    Span {
                        from: Some(from),
                        to: c.to,
                    },
                    Span::to_date(c.to),
                ]
            })
            .collect(),
    }
}

/// The statement of `kind` over `columns`, from the movements over each of
/// [`spans`]`(kind, columns, year_end)`, in that order.
///
/// # Panics
/// Never on any input; `movements` shorter than the spans reads as no movement.
pub fn statement(
    kind: StatementKind,
    columns: &[Span],
    year_end: YearEnd,
    movements: &[Movements],
) -> Result<Statement, StatementOverflow> {
    let read = spans(kind, columns, year_end);
    let empty = Movements::new();
    let m: Vec<&Movements> = (0..read.len())
        .map(|i| movements.get(i).unwrap_or(&empty))
        .collect();
    match kind {
        StatementKind::ProfitAndLoss => profit_and_loss(columns, &m),
        StatementKind::BalanceSheet => balance_sheet(columns, year_end, &m),
        StatementKind::TrialBalance => trial_balance(columns, year_end, &m),
        StatementKind::CashSummary => cash_summary(columns, &read, &m),
    }
}

fn year_start(to: NaiveDate, year_end: YearEnd) -> NaiveDate {
    financial_year_start(to, year_end.day, year_end.month)
}

fn positive_zero(mut d: Decimal) -> Decimal {
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    d
}

/// A net (debit positive) as a figure shows it: negated where the figure is
/// a credit balance shown positive, and never a negative zero.
pub fn shown(d: Decimal, negate: bool) -> Decimal {
    positive_zero(if negate { -d } else { d })
}

fn total(d: Decimal) -> Cell {
    Cell {
        amount: Some(positive_zero(d)),
        behind: None,
    }
}

const EMPTY: Cell = Cell {
    amount: None,
    behind: None,
};

fn sum(values: impl IntoIterator<Item = Decimal>) -> Result<Decimal, StatementOverflow> {
    values.into_iter().try_fold(Decimal::ZERO, |a, b| {
        a.checked_add(b).ok_or(StatementOverflow)
    })
}

fn net(m: &AccountMovement) -> Result<Decimal, StatementOverflow> {
    m.debit.checked_sub(m.credit).ok_or(StatementOverflow)
}

fn net_of(m: &Movements, key: &str) -> Result<Decimal, StatementOverflow> {
    m.get(key).map_or(Ok(Decimal::ZERO), net)
}

/// `f` of each pair of `a` and `b`, checked.
fn combine(
    a: &[Decimal],
    b: &[Decimal],
    f: impl Fn(Decimal, Decimal) -> Option<Decimal>,
) -> Result<Vec<Decimal>, StatementOverflow> {
    a.iter()
        .zip(b)
        .map(|(x, y)| f(*x, *y).ok_or(StatementOverflow))
        .collect()
}

/// An account that moved, with what the rules sort it by.
struct Moved {
    row: AccountRow,
    account_type: Option<String>,
    class: AccountClass,
}

impl Moved {
    fn is_type(&self, t: AccountType) -> bool {
        self.account_type.as_deref().map(AccountType::from) == Some(t)
    }
}

/// Every account that moved in any of the spans and has a class, in code
/// order (accounts without a code last, by name).
fn accounts_in(movements: &[&Movements]) -> Vec<Moved> {
    let mut seen: BTreeMap<&str, Moved> = BTreeMap::new();
    for m in movements.iter().flat_map(|p| p.values()) {
        if seen.contains_key(m.key.as_str()) {
            continue;
        }
        let Some(class) = m.class else { continue };
        seen.insert(
            &m.key,
            Moved {
                row: AccountRow {
                    key: m.key.clone(),
                    code: m.code.clone(),
                    name: m.name.clone().unwrap_or_else(|| m.key.clone()),
                },
                account_type: m.account_type.clone(),
                class,
            },
        );
    }
    let mut lines: Vec<Moved> = seen.into_values().collect();
    lines.sort_by(|a, b| {
        (a.row.code.is_none(), &a.row.code, &a.row.name).cmp(&(
            b.row.code.is_none(),
            &b.row.code,
            &b.row.name,
        ))
    });
    lines
}

/// A section of account rows: each cell the account's net over the column's
/// span, negated for credit-balance classes; its total by column.
fn account_section(
    heading: Heading,
    accounts: &[&Moved],
    movements: &[&Movements],
    spans: &[Span],
    total_line: TotalLine,
) -> Result<(Section, Vec<Decimal>), StatementOverflow> {
    let mut rows = Vec::new();
    let mut totals = vec![Decimal::ZERO; movements.len()];
    for a in accounts {
        let negate = a.class.shown_negated();
        let mut cells = Vec::new();
        for (i, m) in movements.iter().enumerate() {
            let value = net_of(m, &a.row.key)?;
            totals[i] = sum([totals[i], if negate { -value } else { value }])?;
            cells.push(Cell {
                amount: Some(shown(value, negate)),
                behind: Some(Behind {
                    account: a.row.key.clone(),
                    span: spans[i],
                    side: None,
                    negate,
                }),
            });
        }
        rows.push(Row {
            line: Line::Account(a.row.clone()),
            cells,
        });
    }
    let section = Section {
        heading,
        rows,
        total: Some(Row {
            line: Line::Total(total_line),
            cells: totals.iter().copied().map(total).collect(),
        }),
    };
    Ok((section, totals))
}

fn totals_row(line: Line, values: &[Decimal]) -> Row {
    Row {
        line,
        cells: values.iter().copied().map(total).collect(),
    }
}

fn profit_and_loss(
    columns: &[Span],
    movements: &[&Movements],
) -> Result<Statement, StatementOverflow> {
    let accounts = accounts_in(movements);
    let of = |pred: &dyn Fn(&Moved) -> bool| -> Vec<&Moved> {
        accounts.iter().filter(|a| pred(a)).collect()
    };
    let revenue = |a: &Moved| a.class == AccountClass::Revenue;
    let expense = |a: &Moved| a.class == AccountClass::Expense;
    let section = |heading, pick: &dyn Fn(&Moved) -> bool, line| {
        account_section(heading, &of(pick), movements, columns, line)
    };
    let (income, t_income) = section(
        Heading::Income,
        &|a| revenue(a) && !a.is_type(AccountType::OtherIncome),
        TotalLine::TotalIncome,
    )?;
    let (cost, t_cost) = section(
        Heading::CostOfSales,
        &|a| expense(a) && a.is_type(AccountType::DirectCosts),
        TotalLine::TotalCostOfSales,
    )?;
    let (other, t_other) = section(
        Heading::OtherIncome,
        &|a| revenue(a) && a.is_type(AccountType::OtherIncome),
        TotalLine::TotalOtherIncome,
    )?;
    let (expenses, t_expenses) = section(
        Heading::OperatingExpenses,
        &|a| expense(a) && !a.is_type(AccountType::DirectCosts),
        TotalLine::TotalOperatingExpenses,
    )?;
    let gross = combine(&t_income, &t_cost, Decimal::checked_sub)?;
    let net = combine(
        &combine(&gross, &t_other, Decimal::checked_add)?,
        &t_expenses,
        Decimal::checked_sub,
    )?;
    Ok(Statement {
        kind: StatementKind::ProfitAndLoss,
        sections: [income, cost, other, expenses]
            .into_iter()
            .filter(|s| !s.rows.is_empty())
            .collect(),
        summary: vec![
            totals_row(Line::Total(TotalLine::GrossProfit), &gross),
            totals_row(Line::Total(TotalLine::NetProfit), &net),
        ],
        year_starts: Vec::new(),
    })
}

/// Per column: the balances to date, the financial year to date, where the
/// year starts, and the current and earlier years' earnings (profit and
/// loss net, debit positive).
struct Years<'a> {
    to_date: Vec<&'a Movements>,
    this_year: Vec<&'a Movements>,
    starts: Vec<NaiveDate>,
    current: Vec<Decimal>,
    earlier: Vec<Decimal>,
}

fn years<'a>(
    columns: &[Span],
    year_end: YearEnd,
    movements: &[&'a Movements],
) -> Result<Years<'a>, StatementOverflow> {
    let to_date: Vec<&Movements> = movements.iter().step_by(2).copied().collect();
    let this_year: Vec<&Movements> = movements.iter().skip(1).step_by(2).copied().collect();
    let pl = |m: &Movements| {
        let nets = m
            .values()
            .filter(|a| a.class.is_some_and(AccountClass::is_profit_and_loss))
            .map(net)
            .collect::<Result<Vec<_>, _>>()?;
        sum(nets)
    };
    let mut current = Vec::new();
    let mut earlier = Vec::new();
    for (all, year) in to_date.iter().zip(&this_year) {
        let c = pl(year)?;
        current.push(c);
        earlier.push(pl(all)?.checked_sub(c).ok_or(StatementOverflow)?);
    }
    Ok(Years {
        to_date,
        this_year,
        starts: columns.iter().map(|c| year_start(c.to, year_end)).collect(),
        current,
        earlier,
    })
}

fn balance_sheet(
    columns: &[Span],
    year_end: YearEnd,
    movements: &[&Movements],
) -> Result<Statement, StatementOverflow> {
    let y = years(columns, year_end, movements)?;
    let spans: Vec<Span> = columns.iter().map(|c| Span::to_date(c.to)).collect();
    let accounts = accounts_in(&y.to_date);
    let of =
        |c: AccountClass| -> Vec<&Moved> { accounts.iter().filter(|a| a.class == c).collect() };
    let (assets, t_assets) = account_section(
        Heading::Assets,
        &of(AccountClass::Asset),
        &y.to_date,
        &spans,
        TotalLine::TotalAssets,
    )?;
    let (liabilities, t_liabilities) = account_section(
        Heading::Liabilities,
        &of(AccountClass::Liability),
        &y.to_date,
        &spans,
        TotalLine::TotalLiabilities,
    )?;
    let (mut equity, t_equity) = account_section(
        Heading::Equity,
        &of(AccountClass::Equity),
        &y.to_date,
        &spans,
        TotalLine::TotalEquity,
    )?;
    // Earnings are credit balances: a profit (a negative net) shows positive.
    let negated = |v: &[Decimal]| -> Vec<Decimal> { v.iter().map(|d| -*d).collect() };
    equity
        .rows
        .push(totals_row(Line::CurrentYearEarnings, &negated(&y.current)));
    equity
        .rows
        .push(totals_row(Line::EarlierYearsEarnings, &negated(&y.earlier)));
    let equity_total = combine(
        &t_equity,
        &combine(&y.current, &y.earlier, Decimal::checked_add)?,
        Decimal::checked_sub,
    )?;
    equity.total = Some(totals_row(
        Line::Total(TotalLine::TotalEquity),
        &equity_total,
    ));
    let net_assets = combine(&t_assets, &t_liabilities, Decimal::checked_sub)?;
    Ok(Statement {
        kind: StatementKind::BalanceSheet,
        sections: vec![assets, liabilities, equity],
        summary: vec![
            totals_row(Line::Total(TotalLine::NetAssets), &net_assets),
            totals_row(Line::Total(TotalLine::TotalEquity), &equity_total),
        ],
        year_starts: y.starts,
    })
}

/// A trial balance's two cells for a net (debit positive), added to the
/// column's debits or credits.
fn sides(
    net: Decimal,
    behind: impl Fn(bool) -> Option<Behind>,
    debits: &mut Decimal,
    credits: &mut Decimal,
) -> Result<[Cell; 2], StatementOverflow> {
    Ok(if net.is_sign_negative() && !net.is_zero() {
        *credits = sum([*credits, -net])?;
        [
            EMPTY,
            Cell {
                amount: Some(shown(net, true)),
                behind: behind(true),
            },
        ]
    } else {
        *debits = sum([*debits, net])?;
        [
            Cell {
                amount: Some(shown(net, false)),
                behind: behind(false),
            },
            EMPTY,
        ]
    })
}

fn trial_balance(
    columns: &[Span],
    year_end: YearEnd,
    movements: &[&Movements],
) -> Result<Statement, StatementOverflow> {
    let y = years(columns, year_end, movements)?;
    let accounts = accounts_in(&y.to_date);
    let n = columns.len();
    let mut debits = vec![Decimal::ZERO; n];
    let mut credits = vec![Decimal::ZERO; n];
    let mut sections = Vec::new();
    for (class, heading) in [
        (AccountClass::Asset, Heading::Assets),
        (AccountClass::Liability, Heading::Liabilities),
        (AccountClass::Equity, Heading::Equity),
        (AccountClass::Revenue, Heading::Revenue),
        (AccountClass::Expense, Heading::Expenses),
    ] {
        let mut rows = Vec::new();
        for a in accounts.iter().filter(|a| a.class == class) {
            let mut cells = Vec::new();
            for i in 0..n {
                // Profit-and-loss accounts show the year to date; the rest, all to date.
                let (m, from) = if class.is_profit_and_loss() {
                    (y.this_year[i], Some(y.starts[i]))
                } else {
                    (y.to_date[i], None)
                };
                let behind = |negate| {
                    Some(Behind {
                        account: a.row.key.clone(),
                        span: Span {
                            from,
                            to: columns[i].to,
                        },
                        side: None,
                        negate,
                    })
                };
                let net = net_of(m, &a.row.key)?;
                cells.extend(sides(net, behind, &mut debits[i], &mut credits[i])?);
            }
            rows.push(Row {
                line: Line::Account(a.row.clone()),
                cells,
            });
        }
        if class == AccountClass::Equity {
            // Earlier years' profit and loss, folded into equity.
            let mut cells = Vec::new();
            for (i, e) in y.earlier.iter().enumerate() {
                let [d, c] = sides(*e, |_| None, &mut debits[i], &mut credits[i])?;
                cells.extend([d, c]);
            }
            rows.push(Row {
                line: Line::EarlierYearsEarnings,
                cells,
            });
        }
        if !rows.is_empty() {
            sections.push(Section {
                heading,
                rows,
                total: None,
            });
        }
    }
    Ok(Statement {
        kind: StatementKind::TrialBalance,
        sections,
        summary: vec![Row {
            line: Line::GrandTotal,
            cells: debits
                .iter()
                .zip(&credits)
                .flat_map(|(d, c)| [total(*d), total(*c)])
                .collect(),
        }],
        year_starts: y.starts,
    })
}

fn cash_summary(
    columns: &[Span],
    read: &[Span],
    movements: &[&Movements],
) -> Result<Statement, StatementOverflow> {
    let banks: Vec<Moved> = accounts_in(movements)
        .into_iter()
        .filter(|a| a.is_type(AccountType::Bank))
        .collect();
    let n = columns.len();
    let mut totals = [
        vec![Decimal::ZERO; n],
        vec![Decimal::ZERO; n],
        vec![Decimal::ZERO; n],
        vec![Decimal::ZERO; n],
    ];
    let mut sections = Vec::new();
    for b in &banks {
        let key = &b.row.key;
        let mut rows: [Vec<Cell>; 4] = Default::default();
        for i in 0..n {
            let moved = movements[3 * i + 1].get(key);
            let behind = |k: usize, side| Behind {
                account: key.clone(),
                span: read[3 * i + k],
                side,
                negate: false,
            };
            for (j, (value, behind)) in [
                (net_of(movements[3 * i], key)?, behind(0, None)),
                (
                    moved.map_or(Decimal::ZERO, |m| m.debit),
                    behind(1, Some(LineSide::Debits)),
                ),
                (
                    -moved.map_or(Decimal::ZERO, |m| m.credit),
                    behind(1, Some(LineSide::Credits)),
                ),
                (net_of(movements[3 * i + 2], key)?, behind(2, None)),
            ]
            .into_iter()
            .enumerate()
            {
                let value = positive_zero(value);
                totals[j][i] = sum([totals[j][i], value])?;
                rows[j].push(Cell {
                    amount: Some(value),
                    behind: Some(behind),
                });
            }
        }
        let [opening, received, spent, closing] = rows;
        let row = |line, cells| Row { line, cells };
        sections.push(Section {
            heading: Heading::Bank(b.row.clone()),
            rows: vec![
                row(Line::OpeningBalance, opening),
                row(Line::CashReceived, received),
                row(Line::CashSpent, spent),
            ],
            total: Some(row(Line::ClosingBalance, closing)),
        });
    }
    let [opening, received, spent, closing] = totals;
    Ok(Statement {
        kind: StatementKind::CashSummary,
        sections,
        summary: vec![
            totals_row(Line::OpeningBalance, &opening),
            totals_row(Line::CashReceived, &received),
            totals_row(Line::CashSpent, &spent),
            totals_row(Line::ClosingBalance, &closing),
        ],
        year_starts: Vec::new(),
    })
}

/// The statement's figures in its first column, as Xero's report of it is
/// read (`ledgerkeep_domain::xero_report`), each labelled by `label`:
/// accounts by id, the bottom lines by what they are. Xero keeps the earlier
/// years' profit in the retained earnings account, so ours is added to that
/// account (`retained`) where the chart names one. The trial balance is
/// compared as one net per account (debit positive), and its totals as the
/// sums of those nets' two sides. The cash summary has no Xero figures.
pub fn figures(
    statement: &Statement,
    retained: Option<&str>,
    label: impl Fn(&Line) -> String,
) -> Result<Figures, FigureOutOfRange> {
    let mut f = Figures::new();
    if statement.kind == StatementKind::CashSummary {
        return Ok(f);
    }
    let trial = statement.kind == StatementKind::TrialBalance;
    let amount = |r: &Row, i: usize| r.cells.get(i).and_then(|c| c.amount);
    let rows = statement
        .sections
        .iter()
        .flat_map(|s| s.rows.iter().chain(s.total.iter()))
        .chain(statement.summary.iter());
    for r in rows {
        let name = label(&r.line);
        let value = if trial {
            amount(r, 0)
                .unwrap_or_default()
                .checked_sub(amount(r, 1).unwrap_or_default())
                .ok_or_else(|| FigureOutOfRange {
                    label: name.clone(),
                })?
        } else {
            amount(r, 0).unwrap_or_default()
        };
        match &r.line {
            Line::Account(a) => add_figure(&mut f, FigureKey::account(&a.key), &name, value)?,
            Line::CurrentYearEarnings => {
                add_figure(&mut f, FigureKey::CurrentYearEarnings, &name, value)?
            }
            Line::EarlierYearsEarnings => match retained {
                Some(id) => add_figure(&mut f, FigureKey::account(id), &name, value)?,
                None => add_figure(&mut f, FigureKey::EarlierYearsEarnings, &name, value)?,
            },
            // A line shown twice (the balance sheet's total equity) counts once.
            Line::Total(t) if !trial => {
                f.insert(
                    FigureKey::Total(*t),
                    Figure {
                        label: name,
                        amount: value,
                    },
                );
            }
            _ => {}
        }
    }
    if trial {
        let (mut debits, mut credits) = (Decimal::ZERO, Decimal::ZERO);
        for fig in f.values() {
            let (side, line) = if fig.amount.is_sign_negative() {
                (
                    credits.checked_sub(fig.amount).map(|c| credits = c),
                    TotalLine::TotalCredit,
                )
            } else {
                (
                    debits.checked_add(fig.amount).map(|d| debits = d),
                    TotalLine::TotalDebit,
                )
            };
            side.ok_or_else(|| FigureOutOfRange {
                label: label(&Line::Total(line)),
            })?;
        }
        for (line, v) in [
            (TotalLine::TotalDebit, debits),
            (TotalLine::TotalCredit, credits),
        ] {
            add_figure(
                &mut f,
                FigureKey::Total(line),
                &label(&Line::Total(line)),
                v,
            )?;
        }
    }
    Ok(f)
}

/// An account's balance as the chart of accounts shows it as at `to`: a
/// balance-sheet account's to date, a profit-and-loss account's for the
/// financial year to date, negated for a credit-balance class; from the
/// movements over [`spans`]`(BalanceSheet, [to_date(to)], year_end)`.
pub fn account_balance(
    key: &str,
    class: Option<AccountClass>,
    to: NaiveDate,
    year_end: YearEnd,
    movements: &[Movements],
) -> Result<(Decimal, Behind), StatementOverflow> {
    let read = spans(StatementKind::BalanceSheet, &[Span::to_date(to)], year_end);
    let i = usize::from(class.is_some_and(AccountClass::is_profit_and_loss));
    let negate = class.is_some_and(AccountClass::shown_negated);
    let value = movements
        .get(i)
        .map_or(Ok(Decimal::ZERO), |m| net_of(m, key))?;
    Ok((
        shown(value, negate),
        Behind {
            account: key.to_owned(),
            span: read[i],
            side: None,
            negate,
        },
    ))
}
