//! The financial reports, computed from the local ledger: profit and loss,
//! balance sheet, trial balance, aged receivables and payables, and the cash
//! summary, each by period with comparison periods; and the drill-down from
//! any figure to the lines behind it (keyset-paginated).
//!
//! The general-ledger reports are built from Xero's Journals (every posting,
//! stored by the sync), so they are exact and balance by construction. Every
//! amount is a `Decimal` summed in Rust and crosses to the UI as a string.
//! Xero posts no year-end closing entries: the balance sheet and trial
//! balance fold the profit and loss of earlier financial years into equity
//! themselves, by the organisation's year end.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use ledgerkeep_domain::reports::{financial_year_start, AccountClass};
use ledgerkeep_domain::xero_report::{
    add_figure, compare, parse_report, Figure, FigureKey, FigureOutOfRange, Figures, TotalLine,
    XeroReportKind,
};
use ledgerkeep_domain::{EntityKind, Money};
use ledgerkeep_ledger::NotVisibleKind;
use ledgerkeep_store::reports::{AccountMovement, LedgerLineFilter, LedgerPeriod, LineSign};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext};

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ReportKind {
    ProfitAndLoss,
    BalanceSheet,
    TrialBalance,
    AgedReceivables,
    AgedPayables,
    CashSummary,
}

/// Accrual: income and expenses when invoiced or billed. Cash: when money
/// moved (the cash summary's only basis; the profit and loss has both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ReportBasis {
    Accrual,
    Cash,
}

/// A period: `from` to `to` inclusive (`YYYY-MM-DD`). Reports as at a date
/// (balance sheet, trial balance, aged) read only `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReportPeriod {
    #[serde(default)]
    pub from: Option<String>,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReportRequest {
    pub tenant_id: String,
    pub kind: ReportKind,
    pub period: ReportPeriod,
    /// Earlier periods to compare with, shown after the first column (at most 12).
    #[serde(default)]
    pub comparisons: Vec<ReportPeriod>,
    /// Accrual when absent.
    #[serde(default)]
    pub basis: Option<ReportBasis>,
}

/// The most comparison periods a report takes (a year of months beside the first).
pub const MAX_COMPARISONS: usize = 12;

/// A column of figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReportColumnView {
    /// The heading in English with ISO dates, as the exports write it.
    pub label: String,
    /// What the column holds, for the UI to word the heading in the owner's locale from `from` and `to`.
    pub heading: ColumnHeading,
    pub from: Option<String>,
    pub to: String,
}

/// What a report's column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ColumnHeading {
    /// The movements from `from` to `to`.
    Period,
    /// Balances as at `to`.
    AsAt,
    /// The debit balances at `to` (the trial balance).
    DebitAt,
    /// The credit balances at `to` (the trial balance).
    CreditAt,
    /// `label` itself: an ageing bucket, or the total.
    Named,
}

impl ReportColumnView {
    /// A period's column: `from` to `to`, or as at `to` when it has no start.
    fn of_period(p: &Period) -> Self {
        match p.from {
            Some(f) => ReportColumnView {
                label: format!("{} to {}", ymd(f), ymd(p.to)),
                heading: ColumnHeading::Period,
                from: Some(ymd(f)),
                to: ymd(p.to),
            },
            None => Self::as_at(p.to),
        }
    }

    fn as_at(to: NaiveDate) -> Self {
        ReportColumnView {
            label: format!("As at {}", ymd(to)),
            heading: ColumnHeading::AsAt,
            from: None,
            to: ymd(to),
        }
    }

    /// The trial balance's debit or credit column at `to`.
    fn side(debit: bool, to: NaiveDate) -> Self {
        let (side, heading) = if debit {
            ("Debit", ColumnHeading::DebitAt)
        } else {
            ("Credit", ColumnHeading::CreditAt)
        };
        ReportColumnView {
            label: format!("{side} at {}", ymd(to)),
            heading,
            from: None,
            to: ymd(to),
        }
    }

    pub(crate) fn named(label: String, to: NaiveDate) -> Self {
        ReportColumnView {
            label,
            heading: ColumnHeading::Named,
            from: None,
            to: ymd(to),
        }
    }
}

/// Which journal lines make a general-ledger figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LedgerDrillView {
    /// The account's Xero id.
    pub account: String,
    pub from: Option<String>,
    pub to: String,
    /// Only debits (`debits`) or only credits (`credits`).
    pub sign: Option<DrillSign>,
    /// The figure is the lines' sum negated (credit balances are shown positive).
    pub negate: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum DrillSign {
    Debits,
    Credits,
}

/// Which outstanding invoices or bills make an aged figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OutstandingDrillView {
    /// `ACCREC` or `ACCPAY`.
    pub doc_type: String,
    pub as_at: String,
    pub contact: Option<String>,
    pub currency: Option<String>,
    pub due_from: Option<String>,
    pub due_to: Option<String>,
    /// `true`: the prepayments not yet used (a row of their own, outside the
    /// control account); absent or `false`: the invoices, credit notes and
    /// overpayments in the control account.
    #[serde(default)]
    pub prepayments: Option<bool>,
}

/// How to list what is behind a figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum DrillView {
    Ledger(LedgerDrillView),
    Outstanding(OutstandingDrillView),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReportCellView {
    /// Absent where the row has no figure in this column.
    pub amount: Option<Money>,
    /// Absent for computed figures (totals, earnings) that no one account holds.
    pub drill: Option<DrillView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReportRowView {
    pub label: String,
    pub code: Option<String>,
    pub cells: Vec<ReportCellView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReportSectionView {
    pub title: String,
    pub rows: Vec<ReportRowView>,
    pub total: Option<ReportRowView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReportView {
    pub kind: ReportKind,
    pub basis: ReportBasis,
    pub title: String,
    pub organisation: Option<String>,
    /// The currency of every figure (the organisation's base currency), except
    /// in the aged reports, whose sections are per currency.
    pub currency: Option<String>,
    pub columns: Vec<ReportColumnView>,
    pub sections: Vec<ReportSectionView>,
    /// The report's bottom lines (gross and net profit, net assets, totals).
    pub summary: Vec<ReportRowView>,
    /// What the owner should know about how the figures were made.
    pub notes: Vec<String>,
    /// The first period's figures beside Xero's own report of it, as last fetched.
    pub xero: XeroComparisonView,
    /// The streams this report is made from that the ledger does not have
    /// (refused by Xero, or never synced), each explained in `notes` too.
    #[serde(default)]
    pub incomplete: Vec<crate::ops::report_readiness::IncompleteStreamView>,
}

/// How the report compares with Xero's own report of the same kind and period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum XeroComparisonStatus {
    /// Every compared figure is exactly Xero's.
    Matches,
    /// Some figures differ: see `differences`.
    Differs,
    /// Xero's report of this period has not been fetched.
    NotFetched,
    /// Xero's stored report could not be read.
    Unreadable,
    /// Ledgerkeep does not fetch Xero's version of this report.
    NotCompared,
}

/// One figure that is not Xero's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct XeroDifferenceView {
    /// The line, as this report names it (else as Xero does).
    pub label: String,
    /// The account's Xero id, for an account's line.
    pub account: Option<String>,
    /// Absent where the report has no such line (read as zero).
    pub local: Option<Money>,
    pub xero: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct XeroComparisonView {
    pub status: XeroComparisonStatus,
    /// A sentence for the owner.
    pub message: String,
    /// When Xero's report was fetched (UTC, ISO), if one was.
    pub fetched_at: Option<String>,
    pub differences: Vec<XeroDifferenceView>,
    /// Every line of this report that was compared with Xero's, and whether it
    /// is Xero's figure (empty when nothing was compared).
    #[serde(default)]
    pub lines: Vec<XeroLineView>,
    /// The periods of this kind of report whose Xero figures are stored, newest first.
    pub available: Vec<ReportPeriod>,
}

/// One line of the report, compared with Xero's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct XeroLineView {
    /// The line as this report names it.
    pub label: String,
    /// The account's Xero id, for an account's line (else the line is found by its label).
    pub account: Option<String>,
    /// Whether the figure is exactly Xero's.
    pub matches: bool,
}

impl XeroComparisonView {
    fn of(status: XeroComparisonStatus, message: impl Into<String>) -> XeroComparisonView {
        XeroComparisonView {
            status,
            message: message.into(),
            fetched_at: None,
            differences: Vec::new(),
            lines: Vec::new(),
            available: Vec::new(),
        }
    }
}

fn parse_date(name: &str, v: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(format!("{name} must be a date like 2026-03-31.")))
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A checked period: `from` present for the reports over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Period {
    from: Option<NaiveDate>,
    to: NaiveDate,
}

impl ReportRequest {
    pub(crate) fn periods(&self) -> Result<Vec<Period>, ApiError> {
        if self.tenant_id.trim().is_empty() {
            return Err(ApiError::invalid("Choose an organisation."));
        }
        if self.comparisons.len() > MAX_COMPARISONS {
            return Err(ApiError::invalid(format!(
                "A report compares at most {MAX_COMPARISONS} periods."
            )));
        }
        let over_period = matches!(
            self.kind,
            ReportKind::ProfitAndLoss | ReportKind::CashSummary
        );
        let mut out = Vec::new();
        for p in std::iter::once(&self.period).chain(&self.comparisons) {
            let to = parse_date("The end date", &p.to)?;
            let from = match p.from.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(f) if over_period => Some(parse_date("The start date", f)?),
                _ => None,
            };
            if over_period && from.is_none() {
                return Err(ApiError::invalid("This report needs a start date."));
            }
            if from.is_some_and(|f| f > to) {
                return Err(ApiError::invalid("The start date is after the end date."));
            }
            out.push(Period { from, to });
        }
        Ok(out)
    }
}

fn positive_zero(mut d: Decimal) -> Decimal {
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    d
}

fn shown(d: Decimal, negate: bool) -> Money {
    Money::new(positive_zero(if negate { -d } else { d }))
}

fn total_cell(d: Decimal) -> ReportCellView {
    ReportCellView {
        amount: Some(Money::new(positive_zero(d))),
        drill: None,
    }
}

fn row(label: impl Into<String>, cells: Vec<ReportCellView>) -> ReportRowView {
    ReportRowView {
        label: label.into(),
        code: None,
        cells,
    }
}

/// Adds decimals; a report never overflows 28 digits in practice, but if it
/// did the owner gets a sentence, not a wrong figure.
fn sum(values: impl IntoIterator<Item = Decimal>) -> Result<Decimal, ApiError> {
    values.into_iter().try_fold(Decimal::ZERO, |a, b| {
        a.checked_add(b)
            .ok_or_else(|| ApiError::internal("A report total is too large to show."))
    })
}

/// One account row across the columns, from its movement in each column's period.
struct AccountLine {
    key: String,
    code: Option<String>,
    name: String,
    account_type: Option<String>,
    class: AccountClass,
}

fn label_of(code: &Option<String>, name: &str) -> String {
    match code {
        Some(c) if !c.is_empty() => format!("{c} {name}"),
        _ => name.to_owned(),
    }
}

/// Every account that moved in any of the periods, by class, in code order.
fn accounts_in(movements: &[BTreeMap<String, AccountMovement>]) -> Vec<AccountLine> {
    let mut seen: BTreeMap<String, AccountLine> = BTreeMap::new();
    for m in movements.iter().flat_map(|p| p.values()) {
        if seen.contains_key(&m.key) {
            continue;
        }
        let Some(class) = m.class else { continue };
        seen.insert(
            m.key.clone(),
            AccountLine {
                key: m.key.clone(),
                code: m.code.clone(),
                name: m.name.clone().unwrap_or_else(|| m.key.clone()),
                account_type: m.account_type.clone(),
                class,
            },
        );
    }
    let mut lines: Vec<AccountLine> = seen.into_values().collect();
    lines.sort_by(|a, b| {
        (a.code.is_none(), &a.code, &a.name).cmp(&(b.code.is_none(), &b.code, &b.name))
    });
    lines
}

/// The message when a figure is beyond a decimal's range.
const OUT_OF_RANGE: &str =
    "A report figure is too large to show: an amount in the books is out of range. Check the largest amounts in Xero.";

fn out_of_range() -> ApiError {
    ApiError::internal(OUT_OF_RANGE)
}

/// An account's net movement (debit positive), checked.
fn net(m: &AccountMovement) -> Result<Decimal, ApiError> {
    m.debit.checked_sub(m.credit).ok_or_else(out_of_range)
}

fn net_of(m: &BTreeMap<String, AccountMovement>, key: &str) -> Result<Decimal, ApiError> {
    m.get(key).map_or(Ok(Decimal::ZERO), net)
}

/// A section of account rows: each cell the account's net in the column's
/// ledger period, negated for credit-balance classes, with its drill.
fn account_section(
    title: &str,
    accounts: &[&AccountLine],
    movements: &[BTreeMap<String, AccountMovement>],
    drill_periods: &[LedgerPeriod],
    total_label: &str,
) -> Result<ReportSectionView, ApiError> {
    let mut rows = Vec::new();
    let mut totals = vec![Decimal::ZERO; movements.len()];
    for a in accounts {
        let negate = a.class.shown_negated();
        let mut cells = Vec::new();
        for (i, m) in movements.iter().enumerate() {
            let value = net_of(m, &a.key)?;
            let figure = if negate { -value } else { value };
            totals[i] = sum([totals[i], figure])?;
            cells.push(ReportCellView {
                amount: Some(shown(value, negate)),
                drill: Some(DrillView::Ledger(LedgerDrillView {
                    account: a.key.clone(),
                    from: drill_periods[i].from.clone(),
                    to: drill_periods[i].to.clone(),
                    sign: None,
                    negate,
                })),
            });
        }
        rows.push(ReportRowView {
            label: label_of(&a.code, &a.name),
            code: a.code.clone(),
            cells,
        });
    }
    Ok(ReportSectionView {
        title: title.to_owned(),
        rows,
        total: Some(row(
            total_label,
            totals.into_iter().map(total_cell).collect(),
        )),
    })
}

fn section_totals(s: &ReportSectionView, n: usize) -> Vec<Decimal> {
    (0..n)
        .map(|i| {
            s.total
                .as_ref()
                .and_then(|t| t.cells.get(i))
                .and_then(|c| c.amount)
                .map_or(Decimal::ZERO, |m| m.as_decimal())
        })
        .collect()
}

/// `f` of each pair of `a` and `b` (a checked sum or difference); a result
/// out of range is an error for the owner, not a panic.
fn combine(
    a: &[Decimal],
    b: &[Decimal],
    f: impl Fn(Decimal, Decimal) -> Option<Decimal>,
) -> Result<Vec<Decimal>, ApiError> {
    a.iter()
        .zip(b)
        .map(|(x, y)| f(*x, *y).ok_or_else(out_of_range))
        .collect()
}

fn ledger_period(from: Option<NaiveDate>, to: NaiveDate) -> LedgerPeriod {
    LedgerPeriod {
        from: from.map(ymd),
        to: ymd(to),
    }
}

struct Org {
    name: Option<String>,
    currency: Option<String>,
    fy_end_day: u32,
    fy_end_month: u32,
}

async fn org(ctx: &AppContext, tenant: &str) -> Result<Org, ApiError> {
    let o = ctx.store().reporting_organisation(tenant).await?;
    let o = o.ok_or_else(|| {
        ApiError::invalid("This organisation has not been synced yet: there is nothing to report.")
    })?;
    Ok(Org {
        name: o.name,
        currency: o.base_currency,
        fy_end_day: o.financial_year_end_day.unwrap_or(31),
        fy_end_month: o.financial_year_end_month.unwrap_or(12),
    })
}

#[tracing::instrument(name = "op", skip_all, fields(op = "run_report", request_id = %crate::request_id()))]
pub async fn run_report(ctx: &AppContext, req: ReportRequest) -> Result<ReportView, ApiError> {
    let periods = req.periods()?;
    let basis = req.basis.unwrap_or(ReportBasis::Accrual);
    let tenant = req.tenant_id.trim();
    match (req.kind, basis) {
        (ReportKind::CashSummary | ReportKind::ProfitAndLoss, _) => {}
        (_, ReportBasis::Cash) => {
            return Err(ApiError::invalid(
                "This report is computed on the accrual basis only; the profit and loss and the cash summary show cash.",
            ))
        }
        _ => {}
    }
    let org = org(ctx, tenant).await?;
    let mut view = match req.kind {
        ReportKind::ProfitAndLoss => profit_and_loss(ctx, tenant, &periods, basis).await?,
        ReportKind::BalanceSheet => balance_sheet(ctx, tenant, &org, &periods).await?,
        ReportKind::TrialBalance => trial_balance(ctx, tenant, &org, &periods).await?,
        ReportKind::AgedReceivables => {
            let as_at = periods.first().map(|p| p.to);
            super::aged::aged_report(ctx, tenant, "ACCREC", as_at, periods.len()).await?
        }
        ReportKind::AgedPayables => {
            let as_at = periods.first().map(|p| p.to);
            super::aged::aged_report(ctx, tenant, "ACCPAY", as_at, periods.len()).await?
        }
        ReportKind::CashSummary => cash_summary(ctx, tenant, &periods).await?,
    };
    view.notes
        .extend(not_visible_notes(ctx, tenant, req.kind, &periods[0]).await);
    view.xero = xero_comparison(ctx, tenant, &view, &periods[0]).await;
    view.organisation = org.name;
    if view.currency.is_none()
        && !matches!(
            req.kind,
            ReportKind::AgedReceivables | ReportKind::AgedPayables
        )
    {
        view.currency = org.currency;
    }
    crate::ops::report_readiness::explain(ctx, tenant, &mut view).await?;
    Ok(view)
}

/// A sentence for each kind of posting Xero's API cannot show that the
/// report's figures include (kept in the ledger from Xero's trial balances).
async fn not_visible_notes(
    ctx: &AppContext,
    tenant: &str,
    kind: ReportKind,
    period: &Period,
) -> Vec<String> {
    if matches!(
        kind,
        ReportKind::AgedReceivables | ReportKind::AgedPayables | ReportKind::CashSummary
    ) {
        return Vec::new();
    }
    let from = (kind == ReportKind::ProfitAndLoss)
        .then_some(period.from)
        .flatten()
        .map(ymd);
    let lines = match ctx
        .store()
        .not_visible_between(tenant, from.as_deref(), &ymd(period.to))
        .await
    {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "could not read what Xero's API does not show");
            return Vec::new();
        }
    };
    let mut by_kind: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, code, name, _) in lines {
        let account = match (name, code) {
            (Some(n), Some(c)) => format!("{n} ({c})"),
            (Some(n), None) => n,
            (None, Some(c)) => c,
            (None, None) => continue,
        };
        let names = by_kind.entry(k).or_default();
        if !names.contains(&account) {
            names.push(account);
        }
    }
    by_kind
        .into_iter()
        .map(|(k, accounts)| {
            let what = match NotVisibleKind::parse(&k) {
                Some(NotVisibleKind::Payroll) => "Payroll: Xero's API does not show pay runs",
                Some(NotVisibleKind::Depreciation) => {
                    "Depreciation: Xero's API does not show fixed-asset depreciation"
                }
                Some(NotVisibleKind::Revaluation) => {
                    "Currency revaluation: Xero's API does not show month-end revaluations"
                }
                Some(NotVisibleKind::NoDocument) => {
                    "No synced document posts to these accounts (Xero Payroll's pay runs, or another app's journals, for example)"
                }
                Some(NotVisibleKind::Opening) | None => {
                    "Opening balances: Xero's API does not show the balances before the first document"
                }
            };
            format!(
                "Not visible through Xero's API. {what}, so the figures for {} are taken from Xero's own trial balances.",
                accounts.join(", ")
            )
        })
        .collect()
}

pub(crate) fn empty_view(kind: ReportKind, basis: ReportBasis, title: &str) -> ReportView {
    ReportView {
        kind,
        basis,
        title: title.to_owned(),
        organisation: None,
        currency: None,
        columns: Vec::new(),
        sections: Vec::new(),
        summary: Vec::new(),
        notes: Vec::new(),
        xero: XeroComparisonView::of(XeroComparisonStatus::NotCompared, ""),
        incomplete: Vec::new(),
    }
}

const GL_NOTE: &str =
    "Computed from the general ledger that Ledgerkeep rebuilds from the documents last synced.";

async fn profit_and_loss(
    ctx: &AppContext,
    tenant: &str,
    periods: &[Period],
    basis: ReportBasis,
) -> Result<ReportView, ApiError> {
    let ledger: Vec<LedgerPeriod> = periods
        .iter()
        .map(|p| ledger_period(p.from, p.to))
        .collect();
    let movements = match basis {
        ReportBasis::Accrual => ctx.store().account_movements(tenant, &ledger).await?,
        ReportBasis::Cash => super::cash_basis::cash_movements(ctx, tenant, &ledger).await?,
    };
    let accounts = accounts_in(&movements);
    let of_type = |pred: &dyn Fn(&AccountLine) -> bool| -> Vec<&AccountLine> {
        accounts.iter().filter(|a| pred(a)).collect()
    };
    let is_type = |a: &AccountLine, t: &str| a.account_type.as_deref() == Some(t);
    let income = of_type(&|a| a.class == AccountClass::Revenue && !is_type(a, "OTHERINCOME"));
    let other_income = of_type(&|a| a.class == AccountClass::Revenue && is_type(a, "OTHERINCOME"));
    let cost_of_sales = of_type(&|a| a.class == AccountClass::Expense && is_type(a, "DIRECTCOSTS"));
    let expenses = of_type(&|a| a.class == AccountClass::Expense && !is_type(a, "DIRECTCOSTS"));
    let n = periods.len();
    let s_income = account_section("Income", &income, &movements, &ledger, TOTAL_INCOME)?;
    let s_cos = account_section(
        "Cost of sales",
        &cost_of_sales,
        &movements,
        &ledger,
        TOTAL_COST_OF_SALES,
    )?;
    let s_other = account_section(
        "Other income",
        &other_income,
        &movements,
        &ledger,
        TOTAL_OTHER_INCOME,
    )?;
    let s_exp = account_section(
        "Operating expenses",
        &expenses,
        &movements,
        &ledger,
        TOTAL_OPERATING_EXPENSES,
    )?;
    let gross = combine(
        &section_totals(&s_income, n),
        &section_totals(&s_cos, n),
        Decimal::checked_sub,
    )?;
    let net = combine(
        &combine(&gross, &section_totals(&s_other, n), Decimal::checked_add)?,
        &section_totals(&s_exp, n),
        Decimal::checked_sub,
    )?;
    let mut view = empty_view(ReportKind::ProfitAndLoss, basis, "Profit and loss");
    view.columns = periods.iter().map(ReportColumnView::of_period).collect();
    view.sections = [s_income, s_cos, s_other, s_exp]
        .into_iter()
        .filter(|s| !s.rows.is_empty())
        .collect();
    view.summary = vec![
        row(GROSS_PROFIT, gross.into_iter().map(total_cell).collect()),
        row(NET_PROFIT, net.into_iter().map(total_cell).collect()),
    ];
    view.notes = match basis {
        ReportBasis::Accrual => vec![
            "Accrual basis: income and expenses count when invoiced or billed.".to_owned(),
            GL_NOTE.to_owned(),
        ],
        ReportBasis::Cash => vec![
            "Cash basis: an invoice's or bill's lines count when it is paid, in proportion to each payment, credit note or prepayment that settles it, on that day; spend and receive money, prepayments and manual journals count as posted.".to_owned(),
            GL_NOTE.to_owned(),
            "A figure's journal lines are listed as posted, on the accrual basis.".to_owned(),
        ],
    };
    Ok(view)
}

/// The earnings of the financial year holding `to` (from its start) and of
/// every earlier year, for the balance sheet and the trial balance.
struct Earnings {
    /// For each column: the year's start, the current year's P&L net (debit
    /// positive) and the earlier years'.
    year_start: Vec<NaiveDate>,
    current: Vec<Decimal>,
    earlier: Vec<Decimal>,
}

async fn earnings_and_balances(
    ctx: &AppContext,
    tenant: &str,
    org: &Org,
    periods: &[Period],
) -> Result<
    (
        Vec<BTreeMap<String, AccountMovement>>,
        Vec<BTreeMap<String, AccountMovement>>,
        Earnings,
    ),
    ApiError,
> {
    // Per column: everything to date, and the current financial year to date.
    let mut ledger = Vec::new();
    let mut year_start = Vec::new();
    for p in periods {
        let start = financial_year_start(p.to, org.fy_end_day, org.fy_end_month);
        year_start.push(start);
        ledger.push(ledger_period(None, p.to));
        ledger.push(ledger_period(Some(start), p.to));
    }
    let all = ctx.store().account_movements(tenant, &ledger).await?;
    let mut to_date = Vec::new();
    let mut this_year = Vec::new();
    for (i, m) in all.into_iter().enumerate() {
        if i % 2 == 0 {
            to_date.push(m);
        } else {
            this_year.push(m);
        }
    }
    let pl = |m: &BTreeMap<String, AccountMovement>| {
        sum(m
            .values()
            .filter(|a| a.class.is_some_and(AccountClass::is_profit_and_loss))
            .map(net)
            .collect::<Result<Vec<_>, _>>()?)
    };
    let mut current = Vec::new();
    let mut earlier = Vec::new();
    for (all, year) in to_date.iter().zip(&this_year) {
        let c = pl(year)?;
        current.push(c);
        earlier.push(pl(all)?.checked_sub(c).ok_or_else(out_of_range)?);
    }
    Ok((
        to_date,
        this_year,
        Earnings {
            year_start,
            current,
            earlier,
        },
    ))
}

async fn balance_sheet(
    ctx: &AppContext,
    tenant: &str,
    org: &Org,
    periods: &[Period],
) -> Result<ReportView, ApiError> {
    let (to_date, _, earnings) = earnings_and_balances(ctx, tenant, org, periods).await?;
    let ledger: Vec<LedgerPeriod> = periods.iter().map(|p| ledger_period(None, p.to)).collect();
    let accounts = accounts_in(&to_date);
    let of = |c: AccountClass| -> Vec<&AccountLine> {
        accounts.iter().filter(|a| a.class == c).collect()
    };
    let n = periods.len();
    let assets = account_section(
        "Assets",
        &of(AccountClass::Asset),
        &to_date,
        &ledger,
        TOTAL_ASSETS,
    )?;
    let liabilities = account_section(
        "Liabilities",
        &of(AccountClass::Liability),
        &to_date,
        &ledger,
        TOTAL_LIABILITIES,
    )?;
    let mut equity = account_section(
        "Equity",
        &of(AccountClass::Equity),
        &to_date,
        &ledger,
        TOTAL_EQUITY,
    )?;
    // Earnings are credit balances: profit (a negative P&L net) shows positive.
    equity.rows.push(row(
        CURRENT_YEAR_EARNINGS,
        earnings.current.iter().map(|d| total_cell(-*d)).collect(),
    ));
    equity.rows.push(row(
        EARLIER_YEARS_EARNINGS,
        earnings.earlier.iter().map(|d| total_cell(-*d)).collect(),
    ));
    let eq_total = combine(
        &section_totals(&equity, n),
        &combine(&earnings.current, &earnings.earlier, Decimal::checked_add)?,
        Decimal::checked_sub,
    )?;
    equity.total = Some(row(
        TOTAL_EQUITY,
        eq_total.iter().copied().map(total_cell).collect(),
    ));
    let net_assets = combine(
        &section_totals(&assets, n),
        &section_totals(&liabilities, n),
        Decimal::checked_sub,
    )?;
    let mut view = empty_view(
        ReportKind::BalanceSheet,
        ReportBasis::Accrual,
        "Balance sheet",
    );
    view.columns = periods
        .iter()
        .map(|p| ReportColumnView::as_at(p.to))
        .collect();
    view.sections = vec![assets, liabilities, equity];
    view.summary = vec![
        row(NET_ASSETS, net_assets.into_iter().map(total_cell).collect()),
        row(TOTAL_EQUITY, eq_total.into_iter().map(total_cell).collect()),
    ];
    view.notes = vec![
        "Accrual basis.".to_owned(),
        GL_NOTE.to_owned(),
        format!(
            "Current year earnings run from the start of the financial year ({}).",
            earnings
                .year_start
                .first()
                .map(|d| ymd(*d))
                .unwrap_or_default()
        ),
    ];
    Ok(view)
}

async fn trial_balance(
    ctx: &AppContext,
    tenant: &str,
    org: &Org,
    periods: &[Period],
) -> Result<ReportView, ApiError> {
    let (to_date, this_year, earnings) = earnings_and_balances(ctx, tenant, org, periods).await?;
    let accounts = accounts_in(&to_date);
    let mut sections = Vec::new();
    let n = periods.len();
    let mut debits = vec![Decimal::ZERO; n];
    let mut credits = vec![Decimal::ZERO; n];
    for (class, title) in [
        (AccountClass::Asset, "Assets"),
        (AccountClass::Liability, "Liabilities"),
        (AccountClass::Equity, "Equity"),
        (AccountClass::Revenue, "Revenue"),
        (AccountClass::Expense, "Expenses"),
    ] {
        let mut rows = Vec::new();
        for a in accounts.iter().filter(|a| a.class == class) {
            let mut cells = Vec::new();
            for i in 0..n {
                // Profit-and-loss accounts show the year to date; the rest, all to date.
                let (m, from) = if class.is_profit_and_loss() {
                    (&this_year[i], Some(ymd(earnings.year_start[i])))
                } else {
                    (&to_date[i], None)
                };
                let net = net_of(m, &a.key)?;
                let drill = |negate| {
                    Some(DrillView::Ledger(LedgerDrillView {
                        account: a.key.clone(),
                        from: from.clone(),
                        to: ymd(periods[i].to),
                        sign: None,
                        negate,
                    }))
                };
                if net.is_sign_negative() && !net.is_zero() {
                    credits[i] = sum([credits[i], -net])?;
                    cells.push(ReportCellView {
                        amount: None,
                        drill: None,
                    });
                    cells.push(ReportCellView {
                        amount: Some(shown(net, true)),
                        drill: drill(true),
                    });
                } else {
                    debits[i] = sum([debits[i], net])?;
                    cells.push(ReportCellView {
                        amount: Some(shown(net, false)),
                        drill: drill(false),
                    });
                    cells.push(ReportCellView {
                        amount: None,
                        drill: None,
                    });
                }
            }
            rows.push(ReportRowView {
                label: label_of(&a.code, &a.name),
                code: a.code.clone(),
                cells,
            });
        }
        if class == AccountClass::Equity {
            // Earlier years' profit and loss, folded into equity.
            let mut cells = Vec::new();
            for (i, e) in earnings.earlier.iter().enumerate() {
                if e.is_sign_negative() && !e.is_zero() {
                    credits[i] = sum([credits[i], -*e])?;
                    cells.push(ReportCellView {
                        amount: None,
                        drill: None,
                    });
                    cells.push(total_cell(-*e));
                } else {
                    debits[i] = sum([debits[i], *e])?;
                    cells.push(total_cell(*e));
                    cells.push(ReportCellView {
                        amount: None,
                        drill: None,
                    });
                }
            }
            rows.push(row(EARLIER_YEARS_EARNINGS, cells));
        }
        if !rows.is_empty() {
            sections.push(ReportSectionView {
                title: title.to_owned(),
                rows,
                total: None,
            });
        }
    }
    let mut view = empty_view(
        ReportKind::TrialBalance,
        ReportBasis::Accrual,
        "Trial balance",
    );
    for p in periods {
        for debit in [true, false] {
            view.columns.push(ReportColumnView::side(debit, p.to));
        }
    }
    view.sections = sections;
    view.summary = vec![row(
        "Total",
        debits
            .iter()
            .zip(&credits)
            .flat_map(|(d, c)| [total_cell(*d), total_cell(*c)])
            .collect(),
    )];
    view.notes = vec![
        "Accrual basis.".to_owned(),
        GL_NOTE.to_owned(),
        "Revenue and expense accounts show the financial year to date; earlier years' \
         earnings are shown under equity."
            .to_owned(),
    ];
    Ok(view)
}

async fn cash_summary(
    ctx: &AppContext,
    tenant: &str,
    periods: &[Period],
) -> Result<ReportView, ApiError> {
    // Per column: before the period (opening), the period, everything to its end (closing).
    let mut ledger = Vec::new();
    for p in periods {
        let from = p.from.unwrap_or(p.to);
        let before = from.pred_opt().unwrap_or(from);
        ledger.push(ledger_period(None, before));
        ledger.push(ledger_period(Some(from), p.to));
        ledger.push(ledger_period(None, p.to));
    }
    let all = ctx.store().account_movements(tenant, &ledger).await?;
    let banks: Vec<AccountLine> = accounts_in(&all)
        .into_iter()
        .filter(|a| a.account_type.as_deref() == Some("BANK"))
        .collect();
    let n = periods.len();
    let mut totals = [
        vec![Decimal::ZERO; n],
        vec![Decimal::ZERO; n],
        vec![Decimal::ZERO; n],
        vec![Decimal::ZERO; n],
    ];
    let mut sections = Vec::new();
    for b in &banks {
        let mut rows: [Vec<ReportCellView>; 4] = Default::default();
        for i in 0..n {
            let opening = net_of(&all[3 * i], &b.key)?;
            let moved = all[3 * i + 1].get(&b.key);
            let received = moved.map_or(Decimal::ZERO, |m| m.debit);
            let spent = moved.map_or(Decimal::ZERO, |m| m.credit);
            let closing = net_of(&all[3 * i + 2], &b.key)?;
            let lp = |k: usize| &ledger[3 * i + k];
            let drill = |k: usize, sign, negate| {
                Some(DrillView::Ledger(LedgerDrillView {
                    account: b.key.clone(),
                    from: lp(k).from.clone(),
                    to: lp(k).to.clone(),
                    sign,
                    negate,
                }))
            };
            for (j, (value, d)) in [
                (opening, drill(0, None, false)),
                (received, drill(1, Some(DrillSign::Debits), false)),
                (
                    positive_zero(-spent),
                    drill(1, Some(DrillSign::Credits), false),
                ),
                (closing, drill(2, None, false)),
            ]
            .into_iter()
            .enumerate()
            {
                totals[j][i] = sum([totals[j][i], value])?;
                rows[j].push(ReportCellView {
                    amount: Some(Money::new(positive_zero(value))),
                    drill: d,
                });
            }
        }
        let [opening, received, spent, closing] = rows;
        sections.push(ReportSectionView {
            title: label_of(&b.code, &b.name),
            rows: vec![
                row("Opening balance", opening),
                row("Cash received", received),
                row("Cash spent", spent),
            ],
            total: Some(row("Closing balance", closing)),
        });
    }
    let mut view = empty_view(ReportKind::CashSummary, ReportBasis::Cash, "Cash summary");
    view.columns = periods.iter().map(ReportColumnView::of_period).collect();
    view.sections = sections;
    let [opening, received, spent, closing] = totals;
    view.summary = vec![
        row(
            "Opening balance",
            opening.into_iter().map(total_cell).collect(),
        ),
        row(
            "Cash received",
            received.into_iter().map(total_cell).collect(),
        ),
        row("Cash spent", spent.into_iter().map(total_cell).collect()),
        row(
            "Closing balance",
            closing.into_iter().map(total_cell).collect(),
        ),
    ];
    view.notes = vec![
        "Cash basis: money in and out of the bank accounts, transfers between them included."
            .to_owned(),
        GL_NOTE.to_owned(),
    ];
    Ok(view)
}

const TOTAL_INCOME: &str = "Total income";
const TOTAL_COST_OF_SALES: &str = "Total cost of sales";
const TOTAL_OTHER_INCOME: &str = "Total other income";
const TOTAL_OPERATING_EXPENSES: &str = "Total operating expenses";
const GROSS_PROFIT: &str = "Gross profit";
const NET_PROFIT: &str = "Net profit";
const TOTAL_ASSETS: &str = "Total assets";
const TOTAL_LIABILITIES: &str = "Total liabilities";
const TOTAL_EQUITY: &str = "Total equity";
const NET_ASSETS: &str = "Net assets";
const CURRENT_YEAR_EARNINGS: &str = "Current year earnings";
const EARLIER_YEARS_EARNINGS: &str = "Earlier years' earnings";

/// The local report's figures in its first column, as Xero's are read
/// (`ledgerkeep_domain::xero_report`): accounts by id, the bottom lines by
/// name. Xero keeps the earlier years' profit in the retained earnings
/// account, so ours is added to that account (`retained`) where the chart
/// names one. The trial balance is compared as one net per account (debit
/// positive) and its totals as the sums of those nets' two sides.
fn local_figures(view: &ReportView, retained: Option<&str>) -> Result<Figures, FigureOutOfRange> {
    let mut f = Figures::new();
    let amount = |r: &ReportRowView, i: usize| -> Option<Decimal> {
        r.cells
            .get(i)
            .and_then(|c| c.amount)
            .map(|m| m.as_decimal())
    };
    let account_of = |r: &ReportRowView| -> Option<String> {
        r.cells.iter().find_map(|c| match &c.drill {
            Some(DrillView::Ledger(d)) => Some(d.account.clone()),
            _ => None,
        })
    };
    let total_of = |label: &str| -> Option<TotalLine> {
        Some(match label {
            TOTAL_INCOME => TotalLine::TotalIncome,
            TOTAL_COST_OF_SALES => TotalLine::TotalCostOfSales,
            TOTAL_OTHER_INCOME => TotalLine::TotalOtherIncome,
            TOTAL_OPERATING_EXPENSES => TotalLine::TotalOperatingExpenses,
            GROSS_PROFIT => TotalLine::GrossProfit,
            NET_PROFIT => TotalLine::NetProfit,
            TOTAL_ASSETS => TotalLine::TotalAssets,
            TOTAL_LIABILITIES => TotalLine::TotalLiabilities,
            TOTAL_EQUITY => TotalLine::TotalEquity,
            NET_ASSETS => TotalLine::NetAssets,
            _ => return None,
        })
    };
    let trial = view.kind == ReportKind::TrialBalance;
    let rows = view
        .sections
        .iter()
        .flat_map(|s| s.rows.iter().chain(s.total.iter()))
        .chain(view.summary.iter());
    for r in rows {
        let value = if trial {
            amount(r, 0)
                .unwrap_or_default()
                .checked_sub(amount(r, 1).unwrap_or_default())
                .ok_or_else(|| FigureOutOfRange {
                    label: r.label.clone(),
                })?
        } else {
            amount(r, 0).unwrap_or_default()
        };
        if let Some(id) = account_of(r) {
            add_figure(&mut f, FigureKey::account(&id), &r.label, value)?;
        } else if r.label == CURRENT_YEAR_EARNINGS {
            add_figure(&mut f, FigureKey::CurrentYearEarnings, &r.label, value)?;
        } else if r.label == EARLIER_YEARS_EARNINGS {
            match retained {
                Some(id) => add_figure(&mut f, FigureKey::account(id), &r.label, value)?,
                None => add_figure(&mut f, FigureKey::EarlierYearsEarnings, &r.label, value)?,
            }
        } else if let Some(line) = total_of(&r.label).filter(|_| !trial) {
            // A line shown twice (the balance sheet's total equity) counts once.
            f.insert(
                FigureKey::Total(line),
                Figure {
                    label: r.label.clone(),
                    amount: value,
                },
            );
        }
    }
    if trial {
        let (mut debits, mut credits) = (Decimal::ZERO, Decimal::ZERO);
        for fig in f.values() {
            let side = if fig.amount.is_sign_negative() {
                credits.checked_sub(fig.amount).map(|c| credits = c)
            } else {
                debits.checked_add(fig.amount).map(|d| debits = d)
            };
            side.ok_or_else(|| FigureOutOfRange {
                label: if fig.amount.is_sign_negative() {
                    TotalLine::TotalCredit.label().to_owned()
                } else {
                    TotalLine::TotalDebit.label().to_owned()
                },
            })?;
        }
        for (line, v) in [
            (TotalLine::TotalDebit, debits),
            (TotalLine::TotalCredit, credits),
        ] {
            add_figure(&mut f, FigureKey::Total(line), line.label(), v)?;
        }
    }
    Ok(f)
}

fn when(iso: &str) -> String {
    // `2026-07-01T00:05:00.000Z` → `2026-07-01 00:05 UTC`.
    match (iso.get(..10), iso.get(11..16)) {
        (Some(d), Some(t)) => format!("{d} {t} UTC"),
        _ => iso.to_owned(),
    }
}

/// The report's first period beside Xero's stored report of the same kind
/// and period. Never fails the report: a ledger that cannot be read here
/// says so in the comparison.
async fn xero_comparison(
    ctx: &AppContext,
    tenant: &str,
    view: &ReportView,
    period: &Period,
) -> XeroComparisonView {
    let kind =
        match view.kind {
            ReportKind::ProfitAndLoss if view.basis == ReportBasis::Cash => {
                XeroReportKind::ProfitAndLossCash
            }
            ReportKind::ProfitAndLoss => XeroReportKind::ProfitAndLoss,
            ReportKind::BalanceSheet => XeroReportKind::BalanceSheet,
            ReportKind::TrialBalance => XeroReportKind::TrialBalance,
            _ => return XeroComparisonView::of(
                XeroComparisonStatus::NotCompared,
                "Xero's version of this report is not fetched; the profit and loss, balance sheet \
                 and trial balance are compared with Xero's.",
            ),
        };
    let from = period.from.map(ymd);
    let to = ymd(period.to);
    let store = ctx.store();
    let read = async {
        let stored = store
            .xero_report(tenant, kind, from.as_deref(), &to)
            .await?;
        let available = store.xero_reports(tenant).await?;
        let retained = store.retained_earnings_account(tenant).await?;
        Ok::<_, ledgerkeep_store::StoreError>((stored, available, retained))
    };
    let (stored, available, retained) = match read.await {
        Ok(x) => x,
        Err(e) => {
            tracing::warn!(error = %e, "could not read Xero's stored reports");
            return XeroComparisonView::of(
                XeroComparisonStatus::Unreadable,
                "Xero's stored reports could not be read from the ledger.",
            );
        }
    };
    let available: Vec<ReportPeriod> = available
        .into_iter()
        .filter(|a| a.kind == kind)
        .map(|a| ReportPeriod {
            from: a.from,
            to: a.to,
        })
        .collect();
    let Some(stored) = stored else {
        let mut v = XeroComparisonView::of(
            XeroComparisonStatus::NotFetched,
            if available.is_empty() {
                "Xero's report has not been fetched yet: it is fetched after a sync.".to_owned()
            } else {
                "Xero's report of this period has not been fetched; it is stored for the periods below.".to_owned()
            },
        );
        v.available = available;
        return v;
    };
    let fetched = when(&stored.info.fetched_utc);
    let parsed = serde_json::from_str::<serde_json::Value>(&stored.report_json)
        .map_err(|e| e.to_string())
        .and_then(|json| parse_report(kind, &json).map_err(|e| e.to_string()));
    let mut out = match parsed {
        Err(e) => {
            tracing::warn!(error = %e, "Xero's stored report is unreadable");
            XeroComparisonView::of(XeroComparisonStatus::Unreadable, e)
        }
        Ok(xero) => match local_figures(view, retained.as_deref()) {
            Err(e) => {
                tracing::warn!(error = %e, "a local figure is out of range");
                XeroComparisonView::of(
                    XeroComparisonStatus::NotCompared,
                    format!(
                        "This report could not be compared with Xero's: {e}, beyond what Ledgerkeep can count."
                    ),
                )
            }
            Ok(local) => {
                let found = compare(&local, &xero.figures);
                let lines: Vec<XeroLineView> = local
                    .iter()
                    .map(|(key, figure)| XeroLineView {
                        label: figure.label.clone(),
                        account: match key {
                            FigureKey::Account(id) => Some(id.clone()),
                            _ => None,
                        },
                        matches: !found.iter().any(|d| d.key == *key),
                    })
                    .collect();
                let differences: Vec<XeroDifferenceView> = found
                    .into_iter()
                    .map(|d| XeroDifferenceView {
                        label: d.label,
                        account: match d.key {
                            FigureKey::Account(id) => Some(id),
                            _ => None,
                        },
                        local: d.local.map(|v| Money::new(positive_zero(v))),
                        xero: d.xero.map(|v| Money::new(positive_zero(v))),
                    })
                    .collect();
                let mut v = if differences.is_empty() {
                    XeroComparisonView::of(
                        XeroComparisonStatus::Matches,
                        format!("Matches Xero's report, fetched {fetched}."),
                    )
                } else {
                    let n = differences.len();
                    let mut v = XeroComparisonView::of(
                        XeroComparisonStatus::Differs,
                        format!(
                            "{n} {} from Xero's report, fetched {fetched}{}.",
                            if n == 1 {
                                "figure differs"
                            } else {
                                "figures differ"
                            },
                            if kind == XeroReportKind::TrialBalance {
                                " (trial balance figures are debit positive, credit negative)"
                            } else {
                                ""
                            }
                        ),
                    );
                    v.differences = differences;
                    v
                };
                v.lines = lines;
                v
            }
        },
    };
    out.fetched_at = Some(stored.info.fetched_utc);
    out.available = available;
    out
}

/// One page of what is behind a figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DrillRequest {
    pub tenant_id: String,
    pub drill: DrillView,
    #[serde(default)]
    pub after: Option<String>,
    /// 1 to 500; 100 when absent.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One line behind a figure: a journal line, or an outstanding document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DrillRowView {
    pub date: Option<String>,
    /// The document's number or reference, else the journal's number.
    pub label: String,
    pub contact_name: Option<String>,
    pub description: Option<String>,
    /// Xero's source type (`ACCREC`, `CASHPAID`...), or the document's type.
    pub source_type: Option<String>,
    /// The record the line came from, when the explorer can open it.
    pub entity: Option<EntityKind>,
    pub xero_id: Option<String>,
    /// Signed as the figure is: the page's amounts add up to it.
    pub amount: Money,
    pub currency_code: Option<String>,
    /// The organisation's base currency, that of the base amount.
    pub base_currency: Option<String>,
    /// An outstanding document's `amount` in the base currency when it is in
    /// another currency and Xero sent its rate (as the explorer's `baseTotal`);
    /// absent otherwise (journal lines are in the base currency already).
    pub base_amount: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DrillPageView {
    pub rows: Vec<DrillRowView>,
    pub next_cursor: Option<String>,
}

/// The record a journal's source is, when it is one the explorer shows.
pub fn source_entity(source_type: &str) -> Option<EntityKind> {
    match source_type {
        "ACCREC" | "ACCPAY" => Some(EntityKind::Invoice),
        "CASHREC" | "CASHPAID" => Some(EntityKind::BankTransaction),
        _ => None,
    }
}

#[tracing::instrument(name = "op", skip_all, fields(op = "report_drill", request_id = %crate::request_id()))]
pub async fn report_drill(ctx: &AppContext, req: DrillRequest) -> Result<DrillPageView, ApiError> {
    let tenant = req.tenant_id.trim();
    if tenant.is_empty() {
        return Err(ApiError::invalid("Choose an organisation."));
    }
    let limit = super::page_limit(req.limit, 100)?;
    let opt_date = |name: &str, v: &Option<String>| -> Result<Option<String>, ApiError> {
        v.as_deref()
            .map(|d| parse_date(name, d).map(ymd))
            .transpose()
    };
    match &req.drill {
        DrillView::Ledger(d) => {
            let filter = LedgerLineFilter {
                tenant_id: tenant.to_owned(),
                account: d.account.clone(),
                period: LedgerPeriod {
                    from: opt_date("The start date", &d.from)?,
                    to: ymd(parse_date("The end date", &d.to)?),
                },
                sign: d.sign.map(|s| match s {
                    DrillSign::Debits => LineSign::Debits,
                    DrillSign::Credits => LineSign::Credits,
                }),
            };
            let page = ctx
                .store()
                .ledger_lines(&filter, req.after.as_deref(), limit)
                .await?;
            Ok(DrillPageView {
                rows: page
                    .rows
                    .into_iter()
                    .map(|l| DrillRowView {
                        date: l.date,
                        label: l.reference.filter(|r| !r.is_empty()).unwrap_or_else(|| {
                            format!("Journal {}", l.journal_number.unwrap_or(0))
                        }),
                        contact_name: None,
                        description: l.description.filter(|s| !s.is_empty()),
                        entity: l.source_type.as_deref().and_then(source_entity),
                        source_type: l.source_type,
                        xero_id: l.source_xero_id,
                        amount: shown(l.net.as_decimal(), d.negate),
                        currency_code: None,
                        base_currency: None,
                        base_amount: None,
                    })
                    .collect(),
                next_cursor: page.next_cursor,
            })
        }
        DrillView::Outstanding(d) => {
            super::aged::outstanding_drill(ctx, tenant, d, req.after.as_deref(), limit).await
        }
    }
}

/// The chart of accounts with each account's balance at a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ListAccountsRequest {
    pub tenant_id: String,
    /// `YYYY-MM-DD`.
    pub as_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    pub xero_id: String,
    pub code: Option<String>,
    pub name: Option<String>,
    /// Xero's `Type` (`BANK`, `REVENUE`...).
    pub account_type: Option<String>,
    /// `asset`, `liability`, `equity`, `revenue` or `expense`; absent if unknown.
    pub class: Option<String>,
    pub status: Option<String>,
    /// Assets and expenses as debit balances, the rest as credit balances;
    /// revenue and expenses over the financial year to the date.
    pub balance: Money,
    pub drill: DrillView,
}

/// Every account of the chart (a chart holds tens to a few hundred, so it
/// comes whole), with balances computed from the general ledger.
#[tracing::instrument(name = "op", skip_all, fields(op = "list_accounts", request_id = %crate::request_id()))]
pub async fn list_accounts(
    ctx: &AppContext,
    req: ListAccountsRequest,
) -> Result<Vec<AccountView>, ApiError> {
    let tenant = req.tenant_id.trim();
    if tenant.is_empty() {
        return Err(ApiError::invalid("Choose an organisation."));
    }
    let as_at = parse_date("The date", &req.as_at)?;
    let org = org(ctx, tenant).await?;
    let start = financial_year_start(as_at, org.fy_end_day, org.fy_end_month);
    let periods = [
        ledger_period(None, as_at),
        ledger_period(Some(start), as_at),
    ];
    let moved = ctx.store().account_movements(tenant, &periods).await?;
    let chart = ctx.store().chart_of_accounts(tenant).await?;
    chart
        .into_iter()
        .map(|a| {
            let pl = a.class.is_some_and(AccountClass::is_profit_and_loss);
            let (m, p) = if pl {
                (&moved[1], &periods[1])
            } else {
                (&moved[0], &periods[0])
            };
            let negate = a.class.is_some_and(AccountClass::shown_negated);
            Ok(AccountView {
                balance: shown(net_of(m, &a.key)?, negate),
                drill: DrillView::Ledger(LedgerDrillView {
                    account: a.key.clone(),
                    from: p.from.clone(),
                    to: p.to.clone(),
                    sign: None,
                    negate,
                }),
                class: a.class.map(|c| format!("{c:?}").to_lowercase()),
                xero_id: a.key,
                code: a.code,
                name: a.name,
                account_type: a.account_type,
                status: a.status,
            })
        })
        .collect()
}

/// The fuzzing property of the report sums (`fuzzing::report_sums`):
/// `amounts` in pairs as one account's debit and credit in a trial balance.
#[cfg(feature = "fuzzing")]
#[allow(clippy::panic, clippy::expect_used)]
pub(crate) fn check_sums(amounts: &[Decimal]) {
    let rows: Vec<ReportRowView> = amounts
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| {
            let drill = Some(DrillView::Ledger(LedgerDrillView {
                account: format!("a{i}"),
                from: None,
                to: "2026-06-30".to_owned(),
                sign: None,
                negate: false,
            }));
            let cell = |d: Option<&Decimal>| ReportCellView {
                amount: d.copied().map(Money::new),
                drill: drill.clone(),
            };
            row(
                format!("Account {i}"),
                vec![cell(pair.first()), cell(pair.get(1))],
            )
        })
        .collect();
    let mut view = empty_view(
        ReportKind::TrialBalance,
        ReportBasis::Accrual,
        "Trial balance",
    );
    view.sections = vec![ReportSectionView {
        title: "Accounts".to_owned(),
        rows,
        total: None,
    }];
    // The same sums, one at a time: None when any is out of range.
    let nets: Option<Vec<Decimal>> = amounts
        .chunks(2)
        .map(|p| p[0].checked_sub(p.get(1).copied().unwrap_or_default()))
        .collect();
    let sides = nets.as_ref().and_then(|nets| {
        let (mut debit, mut credit) = (Decimal::ZERO, Decimal::ZERO);
        for n in nets {
            if n.is_sign_negative() {
                credit = credit.checked_sub(*n)?;
            } else {
                debit = debit.checked_add(*n)?;
            }
        }
        Some((debit, credit))
    });
    match (local_figures(&view, None), sides) {
        (Ok(f), Some((debit, credit))) => {
            assert_eq!(f[&FigureKey::Total(TotalLine::TotalDebit)].amount, debit);
            assert_eq!(f[&FigureKey::Total(TotalLine::TotalCredit)].amount, credit);
        }
        (Err(_), None) => {}
        (got, want) => panic!("local figures {got:?}, the sums one at a time {want:?}"),
    }
    let (a, b) = amounts.split_at(amounts.len() / 2);
    let sums = combine(a, b, Decimal::checked_add);
    let want: Option<Vec<Decimal>> = a.iter().zip(b).map(|(x, y)| x.checked_add(*y)).collect();
    assert_eq!(sums.ok(), want);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn account_row(id: &str, debit: Decimal, credit: Option<Decimal>) -> ReportRowView {
        let drill = Some(DrillView::Ledger(LedgerDrillView {
            account: id.to_owned(),
            from: None,
            to: "2026-06-30".to_owned(),
            sign: None,
            negate: false,
        }));
        ReportRowView {
            label: format!("Account {id}"),
            code: None,
            cells: vec![
                ReportCellView {
                    amount: Some(Money::new(debit)),
                    drill: drill.clone(),
                },
                ReportCellView {
                    amount: credit.map(Money::new),
                    drill,
                },
            ],
        }
    }

    fn trial_balance_of(rows: Vec<ReportRowView>) -> ReportView {
        let mut view = empty_view(
            ReportKind::TrialBalance,
            ReportBasis::Accrual,
            "Trial balance",
        );
        view.sections = vec![ReportSectionView {
            title: "Assets".to_owned(),
            rows,
            total: None,
        }];
        view
    }

    #[test]
    fn sums_near_the_decimal_limit_are_an_error_not_a_panic() {
        let max = [Decimal::MAX];
        let err = combine(&max, &max, Decimal::checked_add).unwrap_err();
        assert_eq!(err.message, OUT_OF_RANGE);
        let err = combine(&[Decimal::MIN], &max, Decimal::checked_sub).unwrap_err();
        assert_eq!(err.message, OUT_OF_RANGE);
        assert_eq!(
            combine(&max, &[Decimal::ONE], Decimal::checked_sub).unwrap(),
            vec![Decimal::MAX - Decimal::ONE]
        );
        assert!(sum([Decimal::MAX, Decimal::ONE]).is_err());
    }

    #[test]
    fn local_figures_near_the_decimal_limit_are_refused_not_a_panic() {
        // Two accounts of the largest debit: their total debit is out of range.
        let view = trial_balance_of(vec![
            account_row("a", Decimal::MAX, None),
            account_row("b", Decimal::MAX, None),
        ]);
        let err = local_figures(&view, None).unwrap_err();
        assert_eq!(err.label, TotalLine::TotalDebit.label());
        // One account's debit less its credit is out of range.
        let view = trial_balance_of(vec![account_row("a", Decimal::MAX, Some(Decimal::MIN))]);
        assert!(local_figures(&view, None).is_err());
        // One account on two rows whose sum is out of range.
        let view = trial_balance_of(vec![
            account_row("a", Decimal::MAX, None),
            account_row("a", Decimal::ONE, None),
        ]);
        assert!(local_figures(&view, None).is_err());
        // Within range, the figures are exact.
        let big = Decimal::MAX - Decimal::ONE;
        let view = trial_balance_of(vec![account_row("a", big, Some(Decimal::ZERO))]);
        let f = local_figures(&view, None).unwrap();
        assert_eq!(f[&FigureKey::account("a")].amount, big);
        assert_eq!(f[&FigureKey::Total(TotalLine::TotalDebit)].amount, big);
    }
}
