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
use ledgerkeep_domain::xero::{InvoiceType, JournalSourceType};
use ledgerkeep_domain::xero_report::{compare, parse_report, FigureKey, Figures, XeroReportKind};
use ledgerkeep_domain::{EntityKind, Money};
use ledgerkeep_ledger::statements::{
    self, Behind, Heading, Line, LineSide, Movements, Row, Span, Statement, StatementKind,
    StatementOverflow, YearEnd,
};
use ledgerkeep_ledger::NotVisibleKind;
use ledgerkeep_store::reports::{LedgerLineFilter, LedgerPeriod, LineSign};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use crate::ops::tracking::TrackingFilterDto;
use crate::{ApiError, AppContext};
use ledgerkeep_store::tracking::{TrackingFilter, UNASSIGNED};

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
    /// Only the ledger lines tagged with this tracking option (the profit and
    /// loss, balance sheet, trial balance and cash summary; accrual basis).
    #[serde(default)]
    pub tracking: Option<TrackingFilterDto>,
    /// The profit and loss with one column per option of this tracking
    /// category (its Xero id), then Unassigned and Total, for the first period.
    #[serde(default)]
    pub by_tracking_category: Option<String>,
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
    /// Only the lines tagged with this tracking option (a filtered report's figure).
    #[serde(default)]
    pub tracking: Option<TrackingFilterDto>,
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
    /// The tracking option the figures are narrowed to (`Region: North`);
    /// absent when every line counts.
    #[serde(default)]
    pub tracking: Option<String>,
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
pub(crate) type Period = Span;

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

fn label_of(code: &Option<String>, name: &str) -> String {
    match code {
        Some(c) if !c.is_empty() => format!("{c} {name}"),
        _ => name.to_owned(),
    }
}

/// The message when a figure is beyond a decimal's range.
const OUT_OF_RANGE: &str =
    "A report figure is too large to show: an amount in the books is out of range. Check the largest amounts in Xero.";

fn out_of_range(_: StatementOverflow) -> ApiError {
    ApiError::internal(OUT_OF_RANGE)
}

fn ledger_span(s: &Span) -> LedgerPeriod {
    LedgerPeriod {
        from: s.from.map(ymd),
        to: ymd(s.to),
    }
}

struct Org {
    name: Option<String>,
    currency: Option<String>,
    fy_end_day: u32,
    fy_end_month: u32,
}

impl Org {
    fn year_end(&self) -> YearEnd {
        YearEnd {
            day: self.fy_end_day,
            month: self.fy_end_month,
        }
    }
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
    let tracked = tracking_of(ctx, tenant, &req, basis).await?;
    let org = org(ctx, tenant).await?;
    if let Some(category) = &tracked.columns {
        return columns_by_option(
            ctx,
            tenant,
            &org,
            &periods,
            category,
            tracked.filter.as_ref(),
        )
        .await;
    }
    let filter = tracked.filter.as_ref().map(|(f, _)| f);
    let (mut view, statement) = match statement_kind(req.kind) {
        Some(kind) => {
            let st = statement(ctx, tenant, &org, kind, basis, &periods, filter).await?;
            (statement_view(&st, basis, &periods), Some(st))
        }
        None => {
            let doc_type = match req.kind {
                ReportKind::AgedPayables => InvoiceType::AccPay,
                _ => InvoiceType::AccRec,
            };
            let as_at = periods.first().map(|p| p.to);
            let view =
                super::aged::aged_report(ctx, tenant, doc_type.as_str(), as_at, periods.len())
                    .await?;
            (view, None)
        }
    };
    view.notes
        .extend(not_visible_notes(ctx, tenant, req.kind, &periods[0]).await);
    view.xero = xero_comparison(ctx, tenant, &view, statement.as_ref(), &periods[0]).await;
    if let Some((f, label)) = &tracked.filter {
        filtered_view(&mut view, f, label);
    }
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

/// The tracking a report request asks for, checked against the synced
/// categories.
struct Tracked {
    /// The option to narrow to, and how the owner reads it.
    filter: Option<(TrackingFilter, String)>,
    /// The category whose options make the profit and loss's columns.
    columns: Option<ledgerkeep_store::tracking::TrackingCategoryInfo>,
}

async fn tracking_of(
    ctx: &AppContext,
    tenant: &str,
    req: &ReportRequest,
    basis: ReportBasis,
) -> Result<Tracked, ApiError> {
    let columns = req
        .by_tracking_category
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if req.tracking.is_none() && columns.is_none() {
        return Ok(Tracked {
            filter: None,
            columns: None,
        });
    }
    if matches!(
        req.kind,
        ReportKind::AgedReceivables | ReportKind::AgedPayables
    ) {
        return Err(ApiError::invalid(
            "The aged reports list documents, not ledger lines: they cannot be filtered or split by tracking.",
        ));
    }
    if basis == ReportBasis::Cash && req.kind == ReportKind::ProfitAndLoss {
        return Err(ApiError::invalid(
            "Tracking applies to the accrual profit and loss: choose the accrual basis.",
        ));
    }
    if columns.is_some() && req.kind != ReportKind::ProfitAndLoss {
        return Err(ApiError::invalid(
            "Columns by tracking category are for the profit and loss only.",
        ));
    }
    let filter = match &req.tracking {
        Some(t) => Some(super::tracking::resolve(ctx, tenant, t).await?),
        None => None,
    };
    let columns = match columns {
        Some(id) => Some(super::tracking::category(ctx, tenant, id).await?),
        None => None,
    };
    Ok(Tracked { filter, columns })
}

/// A report narrowed to one tracking option: said in its notes; its
/// figures' drills left out (they list every line of the account) and
/// Xero's unfiltered report not compared.
fn filtered_view(view: &mut ReportView, filter: &TrackingFilter, label: &str) {
    view.tracking = Some(label.to_owned());
    view.notes.insert(
        0,
        format!(
            "Filtered by tracking: only the journal lines tagged {label} are counted; \
             lines without it are left out."
        ),
    );
    let dto = TrackingFilterDto {
        category_id: filter.category_id.clone(),
        option_id: filter.option_id.clone(),
    };
    drills_in(view, |_| Some(Some(dto.clone())));
    view.xero = XeroComparisonView::of(
        XeroComparisonStatus::NotCompared,
        "Xero's report is fetched without a tracking filter, so a filtered report is not compared with it.",
    );
}

/// Each figure's drill as its column's lines are (`lines(column)`): every
/// line of the account (`Some(None)`), those of one option
/// (`Some(Some(option))`), or none listed (`None`: no one option makes them).
fn drills_in(view: &mut ReportView, lines: impl Fn(usize) -> Option<Option<TrackingFilterDto>>) {
    for row in view
        .sections
        .iter_mut()
        .flat_map(|s| s.rows.iter_mut().chain(s.total.iter_mut()))
        .chain(view.summary.iter_mut())
    {
        for (i, c) in row.cells.iter_mut().enumerate() {
            match (&mut c.drill, lines(i)) {
                (Some(DrillView::Ledger(d)), Some(t)) => d.tracking = t,
                _ => c.drill = None,
            }
        }
    }
}

/// The profit and loss over the first period with one column per option of
/// `category` (those with lines, and every active one), then Unassigned (the
/// lines with no option of it) and Total (every line): the core's statement
/// of each part's movements, side by side.
async fn columns_by_option(
    ctx: &AppContext,
    tenant: &str,
    org: &Org,
    periods: &[Period],
    category: &ledgerkeep_store::tracking::TrackingCategoryInfo,
    filter: Option<&(TrackingFilter, String)>,
) -> Result<ReportView, ApiError> {
    let period = periods[0];
    let year_end = org.year_end();
    let mut by = ctx
        .store()
        .account_movements_by_option(
            tenant,
            &[ledger_span(&period)],
            &category.category_id,
            filter.map(|(f, _)| f),
        )
        .await?;
    let mut take = |key: &str| -> Movements {
        by.remove(key)
            .and_then(|v| v.into_iter().next())
            .unwrap_or_default()
    };
    let mut labels: Vec<String> = Vec::new();
    let mut parts: Vec<Movements> = Vec::new();
    // The option whose lines each column's figures are (for their drills).
    let mut options: Vec<Option<TrackingFilterDto>> = Vec::new();
    for o in &category.options {
        let name = o.name.clone().unwrap_or_else(|| o.option_id.clone());
        // Lines that name the option without its id are keyed by its name.
        let by_id = take(&o.option_id);
        let by_name = o.name.as_deref().map(&mut take).unwrap_or_default();
        let moved = statements::combined([&by_id, &by_name]).map_err(out_of_range)?;
        let active = o.status.as_deref().is_none_or(|s| s == "ACTIVE");
        if active || !moved.is_empty() {
            labels.push(name);
            parts.push(moved);
            options.push(Some(TrackingFilterDto {
                category_id: category.category_id.clone(),
                option_id: o.option_id.clone(),
            }));
        }
    }
    let unassigned = take(UNASSIGNED);
    // Options the lines name that the category no longer lists.
    for (key, moved) in std::mem::take(&mut by) {
        labels.push(key);
        parts.push(moved.into_iter().next().unwrap_or_default());
        options.push(None);
    }
    labels.push("Unassigned".to_owned());
    parts.push(unassigned);
    let total = statements::combined(&parts).map_err(out_of_range)?;
    labels.push("Total".to_owned());
    parts.push(total);
    let spans = vec![period; parts.len()];
    let st = statements::statement(StatementKind::ProfitAndLoss, &spans, year_end, &parts)
        .map_err(out_of_range)?;
    let mut view = statement_view(&st, ReportBasis::Accrual, &spans);
    let category_name = category
        .name
        .clone()
        .unwrap_or_else(|| category.category_id.clone());
    for (c, label) in view.columns.iter_mut().zip(labels) {
        c.label = label;
        c.heading = ColumnHeading::Named;
    }
    view.title = format!("Profit and loss by {category_name}");
    view.notes.insert(
        0,
        format!(
            "One column per {category_name} option, from {} to {}; Unassigned: the lines with no {category_name} option; Total: every line.",
            ymd(period.from.unwrap_or(period.to)),
            ymd(period.to)
        ),
    );
    if periods.len() > 1 {
        view.notes
            .push("Comparison periods are not shown with columns by tracking category.".to_owned());
    }
    view.notes
        .extend(not_visible_notes(ctx, tenant, ReportKind::ProfitAndLoss, &period).await);
    match filter {
        // Two options to narrow a drill to: not listed.
        Some((f, label)) => {
            filtered_view(&mut view, f, label);
            drills_in(&mut view, |_| None);
        }
        None => {
            // Unassigned's lines are not one option's: not listed; Total's
            // are every line of the account.
            let total = options.len() + 1;
            drills_in(&mut view, |i| match options.get(i) {
                Some(option) => option.clone().map(Some),
                None if i == total => Some(None),
                None => None,
            });
            view.xero = XeroComparisonView::of(
                XeroComparisonStatus::NotCompared,
                "Xero's report is compared on the report without tracking columns.",
            );
        }
    }
    view.organisation = org.name.clone();
    view.currency = org.currency.clone();
    crate::ops::report_readiness::explain(ctx, tenant, &mut view).await?;
    Ok(view)
}

/// The core's statement for a report (the aged reports are not statements).
fn statement_kind(kind: ReportKind) -> Option<StatementKind> {
    match kind {
        ReportKind::ProfitAndLoss => Some(StatementKind::ProfitAndLoss),
        ReportKind::BalanceSheet => Some(StatementKind::BalanceSheet),
        ReportKind::TrialBalance => Some(StatementKind::TrialBalance),
        ReportKind::CashSummary => Some(StatementKind::CashSummary),
        ReportKind::AgedReceivables | ReportKind::AgedPayables => None,
    }
}

/// Reads the movements the statement needs (the cash basis's for a cash
/// profit and loss) and has the core make it.
async fn statement(
    ctx: &AppContext,
    tenant: &str,
    org: &Org,
    kind: StatementKind,
    basis: ReportBasis,
    periods: &[Period],
    tracking: Option<&TrackingFilter>,
) -> Result<Statement, ApiError> {
    let year_end = org.year_end();
    let spans = statements::spans(kind, periods, year_end);
    let movements = match (kind, basis, tracking) {
        (StatementKind::ProfitAndLoss, ReportBasis::Cash, _) => {
            super::cash_basis::cash_movements(ctx, tenant, &spans).await?
        }
        (_, _, Some(f)) => {
            let read: Vec<LedgerPeriod> = spans.iter().map(ledger_span).collect();
            ctx.store()
                .account_movements_in_option(tenant, &read, f)
                .await?
        }
        _ => {
            let read: Vec<LedgerPeriod> = spans.iter().map(ledger_span).collect();
            ctx.store().account_movements(tenant, &read).await?
        }
    };
    statements::statement(kind, periods, year_end, &movements).map_err(out_of_range)
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
        tracking: None,
    }
}

const GL_NOTE: &str =
    "Computed from the general ledger that Ledgerkeep rebuilds from the documents last synced.";

/// A statement's row as the owner reads it.
fn line_label(line: &Line) -> String {
    match line {
        Line::Account(a) => label_of(&a.code, &a.name),
        Line::CurrentYearEarnings => "Current year earnings".to_owned(),
        Line::EarlierYearsEarnings => "Earlier years' earnings".to_owned(),
        Line::OpeningBalance => "Opening balance".to_owned(),
        Line::CashReceived => "Cash received".to_owned(),
        Line::CashSpent => "Cash spent".to_owned(),
        Line::ClosingBalance => "Closing balance".to_owned(),
        Line::Total(t) => t.label().to_owned(),
        Line::GrandTotal => "Total".to_owned(),
    }
}

fn heading_title(heading: &Heading) -> String {
    match heading {
        Heading::Income => "Income".to_owned(),
        Heading::CostOfSales => "Cost of sales".to_owned(),
        Heading::OtherIncome => "Other income".to_owned(),
        Heading::OperatingExpenses => "Operating expenses".to_owned(),
        Heading::Assets => "Assets".to_owned(),
        Heading::Liabilities => "Liabilities".to_owned(),
        Heading::Equity => "Equity".to_owned(),
        Heading::Revenue => "Revenue".to_owned(),
        Heading::Expenses => "Expenses".to_owned(),
        Heading::Bank(a) => label_of(&a.code, &a.name),
    }
}

fn drill_of(b: &Behind) -> DrillView {
    DrillView::Ledger(LedgerDrillView {
        account: b.account.clone(),
        from: b.span.from.map(ymd),
        to: ymd(b.span.to),
        sign: b.side.map(|s| match s {
            LineSide::Debits => DrillSign::Debits,
            LineSide::Credits => DrillSign::Credits,
        }),
        negate: b.negate,
        tracking: None,
    })
}

fn row_view(r: &Row) -> ReportRowView {
    ReportRowView {
        label: line_label(&r.line),
        code: match &r.line {
            Line::Account(a) => a.code.clone(),
            _ => None,
        },
        cells: r
            .cells
            .iter()
            .map(|c| ReportCellView {
                amount: c.amount.map(Money::new),
                drill: c.behind.as_ref().map(drill_of),
            })
            .collect(),
    }
}

/// The report view of a statement: its rows and sections worded, its
/// columns headed, and what the owner should know of how it was made.
fn statement_view(st: &Statement, basis: ReportBasis, periods: &[Period]) -> ReportView {
    let (kind, basis, title) = match st.kind {
        StatementKind::ProfitAndLoss => (ReportKind::ProfitAndLoss, basis, "Profit and loss"),
        StatementKind::BalanceSheet => (
            ReportKind::BalanceSheet,
            ReportBasis::Accrual,
            "Balance sheet",
        ),
        StatementKind::TrialBalance => (
            ReportKind::TrialBalance,
            ReportBasis::Accrual,
            "Trial balance",
        ),
        StatementKind::CashSummary => (ReportKind::CashSummary, ReportBasis::Cash, "Cash summary"),
    };
    let mut view = empty_view(kind, basis, title);
    view.columns = match st.kind {
        StatementKind::ProfitAndLoss | StatementKind::CashSummary => {
            periods.iter().map(ReportColumnView::of_period).collect()
        }
        StatementKind::BalanceSheet => periods
            .iter()
            .map(|p| ReportColumnView::as_at(p.to))
            .collect(),
        StatementKind::TrialBalance => periods
            .iter()
            .flat_map(|p| [true, false].map(|debit| ReportColumnView::side(debit, p.to)))
            .collect(),
    };
    view.sections = st
        .sections
        .iter()
        .map(|s| ReportSectionView {
            title: heading_title(&s.heading),
            rows: s.rows.iter().map(row_view).collect(),
            total: s.total.as_ref().map(row_view),
        })
        .collect();
    view.summary = st.summary.iter().map(row_view).collect();
    view.notes = match (st.kind, basis) {
        (StatementKind::ProfitAndLoss, ReportBasis::Accrual) => vec![
            "Accrual basis: income and expenses count when invoiced or billed.".to_owned(),
            GL_NOTE.to_owned(),
        ],
        (StatementKind::ProfitAndLoss, ReportBasis::Cash) => vec![
            "Cash basis: an invoice's or bill's lines count when it is paid, in proportion to each payment, credit note or prepayment that settles it, on that day; spend and receive money, prepayments and manual journals count as posted.".to_owned(),
            GL_NOTE.to_owned(),
            "A figure's journal lines are listed as posted, on the accrual basis.".to_owned(),
        ],
        (StatementKind::BalanceSheet, _) => vec![
            "Accrual basis.".to_owned(),
            GL_NOTE.to_owned(),
            format!(
                "Current year earnings run from the start of the financial year ({}).",
                st.year_starts.first().map(|d| ymd(*d)).unwrap_or_default()
            ),
        ],
        (StatementKind::TrialBalance, _) => vec![
            "Accrual basis.".to_owned(),
            GL_NOTE.to_owned(),
            "Revenue and expense accounts show the financial year to date; earlier years' \
             earnings are shown under equity."
                .to_owned(),
        ],
        (StatementKind::CashSummary, _) => vec![
            "Cash basis: money in and out of the bank accounts, transfers between them included."
                .to_owned(),
            GL_NOTE.to_owned(),
        ],
    };
    view
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
    statement: Option<&Statement>,
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
        Ok(xero) => match statement
            .map(|st| statements::figures(st, retained.as_deref(), line_label))
            .unwrap_or_else(|| Ok(Figures::new()))
        {
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
    match JournalSourceType::from(source_type) {
        JournalSourceType::AccRec | JournalSourceType::AccPay => Some(EntityKind::Invoice),
        JournalSourceType::CashRec | JournalSourceType::CashPaid => {
            Some(EntityKind::BankTransaction)
        }
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
            let tracking = match &d.tracking {
                Some(t) => Some(super::tracking::resolve(ctx, tenant, t).await?.0),
                None => None,
            };
            let page = ctx
                .store()
                .ledger_lines_in_option(&filter, tracking.as_ref(), req.after.as_deref(), limit)
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
                        amount: Money::new(statements::shown(l.net.as_decimal(), d.negate)),
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
    let read: Vec<LedgerPeriod> = statements::spans(
        StatementKind::BalanceSheet,
        &[Span::to_date(as_at)],
        org.year_end(),
    )
    .iter()
    .map(ledger_span)
    .collect();
    let moved = ctx.store().account_movements(tenant, &read).await?;
    let chart = ctx.store().chart_of_accounts(tenant).await?;
    chart
        .into_iter()
        .map(|a| {
            let (balance, behind) =
                statements::account_balance(&a.key, a.class, as_at, org.year_end(), &moved)
                    .map_err(out_of_range)?;
            Ok(AccountView {
                balance: Money::new(balance),
                drill: drill_of(&behind),
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
/// `amounts` in pairs as one account's debit and credit in a trial balance,
/// both as the core makes it from movements and as its figures are read for
/// the comparison with Xero's. Each gives the sums made one at a time, or
/// refuses when one of them is out of range; neither panics.
#[cfg(feature = "fuzzing")]
#[allow(clippy::panic, clippy::expect_used)]
pub(crate) fn check_sums(amounts: &[Decimal]) {
    use ledgerkeep_domain::reports::AccountClass;
    use ledgerkeep_domain::xero_report::TotalLine;
    use ledgerkeep_ledger::statements::{AccountRow, Cell, Movements, Section};
    use ledgerkeep_ledger::AccountMovement;

    let account = |i: usize| AccountRow {
        key: format!("a{i}"),
        code: None,
        name: format!("Account {i}"),
    };
    let rows: Vec<Row> = amounts
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| {
            let cell = |d: Option<&Decimal>| Cell {
                amount: d.copied(),
                behind: None,
            };
            Row {
                line: Line::Account(account(i)),
                cells: vec![cell(pair.first()), cell(pair.get(1))],
            }
        })
        .collect();
    let read = Statement {
        kind: StatementKind::TrialBalance,
        sections: vec![Section {
            heading: Heading::Assets,
            rows,
            total: None,
        }],
        summary: Vec::new(),
        year_starts: Vec::new(),
    };
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
    match (statements::figures(&read, None, line_label), sides) {
        (Ok(f), Some((debit, credit))) => {
            assert_eq!(f[&FigureKey::Total(TotalLine::TotalDebit)].amount, debit);
            assert_eq!(f[&FigureKey::Total(TotalLine::TotalCredit)].amount, credit);
        }
        (Err(_), None) => {}
        (got, want) => panic!("local figures {got:?}, the sums one at a time {want:?}"),
    }
    // The trial balance the core makes from the same amounts as movements.
    let movements: Movements = amounts
        .chunks(2)
        .enumerate()
        .map(|(i, p)| {
            let m = AccountMovement {
                key: account(i).key,
                code: None,
                name: None,
                account_type: None,
                class: Some(AccountClass::Asset),
                debit: p[0],
                credit: p.get(1).copied().unwrap_or_default(),
                lines: 1,
            };
            (m.key.clone(), m)
        })
        .collect();
    let to = NaiveDate::from_ymd_opt(2026, 6, 30).expect("a date");
    let year_end = YearEnd { day: 30, month: 6 };
    let tb = statements::statement(
        StatementKind::TrialBalance,
        &[Span::to_date(to)],
        year_end,
        &[movements.clone(), movements],
    );
    match (tb, sides) {
        (Ok(tb), Some((debit, credit))) => {
            let total = &tb.summary[0].cells;
            assert_eq!(total[0].amount, Some(debit));
            assert_eq!(total[1].amount, Some(credit));
        }
        (Err(StatementOverflow), None) => {}
        (got, want) => panic!("the trial balance {got:?}, the sums one at a time {want:?}"),
    }
}
