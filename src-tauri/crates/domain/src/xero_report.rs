//! Xero's own reports (the Reports endpoints' `ReportWithRows`), read into the
//! figures Ledgerkeep compares with its reports from the local ledger, and
//! the comparison itself. No I/O.
//!
//! A report is `Rows` of `Header`, `Section` (with `Title` and `Rows`), `Row`
//! and `SummaryRow`; each cell has a `Value` string and, on an account's
//! cells, the attribute `{"Id": "account", "Value": <AccountID>}`. What is
//! compared, in the report's first period: every account's figure (by its
//! id), the balance sheet's *Current Year Earnings* (Xero gives it the nil
//! account id), and the report's bottom lines, found by Xero's English titles
//! (*Total Income*, *Gross Profit*, *Net Profit*, *Total Assets*, *Net
//! Assets*, the trial balance's *Total*...). Sub-totals Xero shows and
//! Ledgerkeep does not (*Total Bank*) are not compared. The trial balance is
//! compared on its balance columns (*YTD Debit*, *YTD Credit*), each account
//! as one net, debit positive.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::reports::financial_year_start;

/// The reports Ledgerkeep fetches from Xero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum XeroReportKind {
    ProfitAndLoss,
    BalanceSheet,
    TrialBalance,
    /// The profit and loss on the cash basis (`paymentsOnly=true`): Xero's
    /// `ProfitAndLoss` report, stored and compared apart from the accrual one.
    ProfitAndLossCash,
}

impl XeroReportKind {
    pub const ALL: [XeroReportKind; 4] = [
        XeroReportKind::ProfitAndLoss,
        XeroReportKind::BalanceSheet,
        XeroReportKind::TrialBalance,
        XeroReportKind::ProfitAndLossCash,
    ];

    /// How the ledger names it; for the accrual reports also the path under
    /// `/Reports/` and its `ReportType` (see [`XeroReportKind::report_type`]).
    pub fn as_str(self) -> &'static str {
        match self {
            XeroReportKind::ProfitAndLoss => "ProfitAndLoss",
            XeroReportKind::BalanceSheet => "BalanceSheet",
            XeroReportKind::TrialBalance => "TrialBalance",
            XeroReportKind::ProfitAndLossCash => "ProfitAndLossCash",
        }
    }

    /// The path under `/Reports/` and the report's `ReportType`: the cash
    /// basis is Xero's `ProfitAndLoss` with `paymentsOnly=true`.
    pub fn report_type(self) -> &'static str {
        self.layout().as_str()
    }

    /// The query parameters that select this report beside its period.
    pub fn query(self) -> &'static [(&'static str, &'static str)] {
        match self {
            XeroReportKind::ProfitAndLossCash => &[("paymentsOnly", "true")],
            _ => &[],
        }
    }

    /// The report whose rows this one has (the cash basis: the P&L's).
    fn layout(self) -> XeroReportKind {
        match self {
            XeroReportKind::ProfitAndLossCash => XeroReportKind::ProfitAndLoss,
            k => k,
        }
    }

    pub fn parse(s: &str) -> Option<XeroReportKind> {
        XeroReportKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for XeroReportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One report of Xero's to fetch: its kind and period (`from` only for the P&L).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportToFetch {
    pub kind: XeroReportKind,
    pub from: Option<NaiveDate>,
    pub to: NaiveDate,
}

/// The reports the sync fetches on `today`, for an organisation whose
/// financial year ends on `fy_end_day`/`fy_end_month`: the profit and loss of
/// this calendar month (the Reports screen's first view) and of this
/// financial year, and the balance sheet and trial balance at the end of the
/// last month (the last month-end close). Four calls.
pub fn reports_to_fetch(
    today: NaiveDate,
    fy_end_day: u32,
    fy_end_month: u32,
) -> Vec<ReportToFetch> {
    let month_start = today.with_day(1).unwrap_or(today);
    let month_end = month_start
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(today);
    let last_month_end = month_start.pred_opt().unwrap_or(month_start);
    let year_start = financial_year_start(today, fy_end_day, fy_end_month);
    let year_end = year_start
        .checked_add_months(Months::new(12))
        .and_then(|d| d.pred_opt())
        .unwrap_or(today);
    vec![
        ReportToFetch {
            kind: XeroReportKind::ProfitAndLoss,
            from: Some(month_start),
            to: month_end,
        },
        ReportToFetch {
            kind: XeroReportKind::ProfitAndLoss,
            from: Some(year_start),
            to: year_end,
        },
        ReportToFetch {
            kind: XeroReportKind::BalanceSheet,
            from: None,
            to: last_month_end,
        },
        ReportToFetch {
            kind: XeroReportKind::TrialBalance,
            from: None,
            to: last_month_end,
        },
    ]
}

/// How many month-ends back the ledger is anchored to Xero's trial balances.
pub const ANCHOR_MONTHS: u32 = 24;

/// The trial balances that anchor the rebuilt ledger to Xero's own figures:
/// one at each month-end before `today`, newest first, back to the month of
/// the earliest document in the ledger (at most [`ANCHOR_MONTHS`]), and one
/// as at the day before that document (the opening balances, which the
/// documents cannot show), leaving out those already `stored` and keeping
/// at most `limit`. A past month's trial balance is fetched once; the last
/// month-end's is kept fresh by [`reports_to_fetch`]. With no document yet,
/// nothing: there is no span to anchor.
pub fn anchors_to_fetch(
    today: NaiveDate,
    earliest_document: Option<NaiveDate>,
    stored: &[ReportToFetch],
    limit: usize,
) -> Vec<ReportToFetch> {
    let Some(earliest) = earliest_document.filter(|e| *e < today) else {
        return Vec::new();
    };
    let trial_balance = |to: NaiveDate| ReportToFetch {
        kind: XeroReportKind::TrialBalance,
        from: None,
        to,
    };
    let mut wanted = Vec::new();
    let mut month_start = today.with_day(1).unwrap_or(today);
    for _ in 0..ANCHOR_MONTHS {
        let Some(month_end) = month_start.pred_opt() else {
            break;
        };
        if month_end < earliest {
            break;
        }
        wanted.push(trial_balance(month_end));
        month_start = month_end.with_day(1).unwrap_or(month_end);
    }
    if let Some(opening) = earliest.pred_opt() {
        wanted.push(trial_balance(opening));
    }
    wanted.retain(|w| !stored.contains(w));
    wanted.truncate(limit);
    wanted
}

/// The nil account id Xero gives *Current Year Earnings*.
pub const NIL_ACCOUNT: &str = "00000000-0000-0000-0000-000000000000";

/// A bottom line of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TotalLine {
    TotalIncome,
    TotalCostOfSales,
    GrossProfit,
    TotalOtherIncome,
    TotalOperatingExpenses,
    NetProfit,
    TotalAssets,
    TotalLiabilities,
    NetAssets,
    TotalEquity,
    TotalDebit,
    TotalCredit,
}

impl TotalLine {
    /// The line's name as Ledgerkeep shows it.
    pub fn label(self) -> &'static str {
        match self {
            TotalLine::TotalIncome => "Total income",
            TotalLine::TotalCostOfSales => "Total cost of sales",
            TotalLine::GrossProfit => "Gross profit",
            TotalLine::TotalOtherIncome => "Total other income",
            TotalLine::TotalOperatingExpenses => "Total operating expenses",
            TotalLine::NetProfit => "Net profit",
            TotalLine::TotalAssets => "Total assets",
            TotalLine::TotalLiabilities => "Total liabilities",
            TotalLine::NetAssets => "Net assets",
            TotalLine::TotalEquity => "Total equity",
            TotalLine::TotalDebit => "Total debits",
            TotalLine::TotalCredit => "Total credits",
        }
    }

    /// The line Xero titles `title` in a report of `kind` (trial balance
    /// totals are read separately: one title, two figures).
    fn of_xero_title(kind: XeroReportKind, title: &str) -> Option<TotalLine> {
        let t = title.trim().to_ascii_lowercase();
        let found = match (kind.layout(), t.as_str()) {
            (XeroReportKind::ProfitAndLoss, "total income") => TotalLine::TotalIncome,
            (XeroReportKind::ProfitAndLoss, "total cost of sales") => TotalLine::TotalCostOfSales,
            (XeroReportKind::ProfitAndLoss, "gross profit") => TotalLine::GrossProfit,
            (XeroReportKind::ProfitAndLoss, "total other income") => TotalLine::TotalOtherIncome,
            (XeroReportKind::ProfitAndLoss, "total operating expenses") => {
                TotalLine::TotalOperatingExpenses
            }
            (XeroReportKind::ProfitAndLoss, "net profit") => TotalLine::NetProfit,
            (XeroReportKind::BalanceSheet, "total assets") => TotalLine::TotalAssets,
            (XeroReportKind::BalanceSheet, "total liabilities") => TotalLine::TotalLiabilities,
            (XeroReportKind::BalanceSheet, "net assets") => TotalLine::NetAssets,
            (XeroReportKind::BalanceSheet, "total equity") => TotalLine::TotalEquity,
            _ => return None,
        };
        Some(found)
    }
}

/// What one compared figure is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FigureKey {
    /// An account's figure; the id in lower case.
    Account(String),
    /// The balance sheet's profit of the financial year so far.
    CurrentYearEarnings,
    /// The profit of earlier years, where no retained earnings account holds it.
    EarlierYearsEarnings,
    Total(TotalLine),
}

impl FigureKey {
    pub fn account(id: &str) -> FigureKey {
        FigureKey::Account(id.trim().to_ascii_lowercase())
    }
}

/// One figure and the name of its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub label: String,
    pub amount: Decimal,
}

/// A report's compared figures.
pub type Figures = BTreeMap<FigureKey, Figure>;

/// A figure's sum went beyond what a decimal holds (about 7.9 × 10^28).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the figure \"{label}\" adds up to an amount out of range")]
pub struct FigureOutOfRange {
    pub label: String,
}

/// Adds `amount` to the figure at `key` (a line split in two on one side, as
/// a trial balance's debit and credit cells are, becomes one figure). The sum
/// is checked: past a decimal's range the figure is left as it was and the
/// error names it.
pub fn add_figure(
    figures: &mut Figures,
    key: FigureKey,
    label: &str,
    amount: Decimal,
) -> Result<(), FigureOutOfRange> {
    match figures.entry(key) {
        std::collections::btree_map::Entry::Occupied(mut e) => {
            let f = e.get_mut();
            f.amount = f
                .amount
                .checked_add(amount)
                .ok_or_else(|| FigureOutOfRange {
                    label: f.label.clone(),
                })?;
        }
        std::collections::btree_map::Entry::Vacant(e) => {
            e.insert(Figure {
                label: label.to_owned(),
                amount,
            });
        }
    }
    Ok(())
}

/// `debit - credit`, checked.
fn net(debit: Decimal, credit: Decimal, label: &str) -> Result<Decimal, FigureOutOfRange> {
    debit.checked_sub(credit).ok_or_else(|| FigureOutOfRange {
        label: label.to_owned(),
    })
}

/// Xero's report, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XeroReport {
    pub kind: XeroReportKind,
    /// `ReportTitles`, e.g. `["Balance Sheet", "Demo Ltd", "As at 30 June 2026"]`.
    pub titles: Vec<String>,
    /// The header row's cells (`""`, `"30 Jun 2026"`...).
    pub columns: Vec<String>,
    pub figures: Figures,
}

/// Why a report could not be read. The message names the report and the row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Xero's {kind} report could not be read: {detail}")]
pub struct ReportError {
    pub kind: XeroReportKind,
    pub detail: String,
}

/// The report inside a Reports answer (`{"Reports": [report]}`), or the
/// report itself if `body` is one.
pub fn report_of(kind: XeroReportKind, body: &Value) -> Result<&Value, ReportError> {
    let err = |detail: &str| ReportError {
        kind,
        detail: detail.to_owned(),
    };
    if body.get("Rows").is_some() {
        return Ok(body);
    }
    match body.get("Reports").and_then(Value::as_array) {
        Some(list) if list.len() == 1 => Ok(&list[0]),
        Some(list) if list.is_empty() => Err(err("the answer holds no report")),
        Some(_) => Err(err("the answer holds more than one report")),
        None => Err(err("the answer has no Reports list")),
    }
}

fn cell_text<'a>(cell: &'a Value, kind: XeroReportKind, at: &str) -> Result<&'a str, ReportError> {
    match cell.get("Value") {
        None | Some(Value::Null) => Ok(""),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(ReportError {
            kind,
            detail: format!("{at} has a cell whose Value is {other}, not text"),
        }),
    }
}

fn account_of(cell: &Value) -> Option<&str> {
    cell.get("Attributes")?
        .as_array()?
        .iter()
        .find(|a| a.get("Id").and_then(Value::as_str) == Some("account"))?
        .get("Value")?
        .as_str()
        .filter(|s| !s.is_empty())
}

/// An amount cell: empty is none; anything else must be a plain decimal.
fn amount_of(text: &str, kind: XeroReportKind, at: &str) -> Result<Option<Decimal>, ReportError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let amount = t.parse::<Decimal>().map_err(|_| ReportError {
        kind,
        detail: format!("{at} has the amount \"{t}\", which is not a number"),
    })?;
    // Far beyond any book's figure, and far enough below `Decimal`'s range
    // that a report's sums of them cannot overflow.
    if amount.abs() >= MAX_AMOUNT {
        return Err(ReportError {
            kind,
            detail: format!("{at} has the amount \"{t}\", which is too large"),
        });
    }
    Ok(Some(amount))
}

/// The largest magnitude a report's amount may have: 10^18.
const MAX_AMOUNT: Decimal = Decimal::from_parts(0xA764_0000, 0x0DE0_B6B3, 0, false, 0);

/// Reads a report of `kind` (the answer or the report alone), checking its
/// shape: the report type, the header, every row's type and every amount of
/// the rows that are compared.
pub fn parse_report(kind: XeroReportKind, body: &Value) -> Result<XeroReport, ReportError> {
    let err = |detail: String| ReportError { kind, detail };
    let out_of_range = |e: FigureOutOfRange| ReportError {
        kind,
        detail: e.to_string(),
    };
    let report = report_of(kind, body)?;
    if let Some(t) = report.get("ReportType").and_then(Value::as_str) {
        if !t.eq_ignore_ascii_case(kind.report_type()) {
            return Err(err(format!("it is a {t} report")));
        }
    }
    let rows = report
        .get("Rows")
        .and_then(Value::as_array)
        .ok_or_else(|| err("it has no Rows".to_owned()))?;
    let titles = report
        .get("ReportTitles")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut columns: Option<Vec<String>> = None;
    let mut figures = Figures::new();
    // The flattened rows: (section title, row).
    let mut flat: Vec<(String, &Value)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let row_type = r.get("RowType").and_then(Value::as_str).unwrap_or("");
        match row_type {
            "Header" => {
                let cells = r
                    .get("Cells")
                    .and_then(Value::as_array)
                    .ok_or_else(|| err("its header has no cells".to_owned()))?;
                let at = "the header";
                columns = Some(
                    cells
                        .iter()
                        .map(|c| cell_text(c, kind, at).map(str::to_owned))
                        .collect::<Result<_, _>>()?,
                );
            }
            "Section" => {
                let title = r.get("Title").and_then(Value::as_str).unwrap_or("");
                let inner = match r.get("Rows") {
                    None | Some(Value::Null) => &[][..],
                    Some(Value::Array(a)) => a.as_slice(),
                    Some(_) => {
                        return Err(err(format!(
                            "the section \"{title}\" has Rows that are not a list"
                        )))
                    }
                };
                for inner_row in inner {
                    let t = inner_row
                        .get("RowType")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    if t != "Row" && t != "SummaryRow" {
                        return Err(err(format!(
                            "the section \"{title}\" holds a row of type \"{t}\""
                        )));
                    }
                    flat.push((title.to_owned(), inner_row));
                }
            }
            "Row" | "SummaryRow" => flat.push((String::new(), r)),
            other => return Err(err(format!("row {} has the type \"{other}\"", i + 1))),
        }
    }
    let columns = columns.ok_or_else(|| err("it has no header row".to_owned()))?;
    if columns.len() < 2 {
        return Err(err("its header names no column of figures".to_owned()));
    }
    // Which cells hold the compared figure(s).
    let (first, second) = match kind {
        XeroReportKind::TrialBalance => {
            let find = |name: &str| {
                columns
                    .iter()
                    .position(|c| c.trim().eq_ignore_ascii_case(name))
            };
            match (find("YTD Debit"), find("YTD Credit")) {
                (Some(d), Some(c)) => (d, Some(c)),
                _ => {
                    return Err(err(
                        "its header has no YTD Debit and YTD Credit columns".to_owned()
                    ))
                }
            }
        }
        _ => (1, None),
    };
    for (section, r) in flat {
        let cells = r
            .get("Cells")
            .and_then(Value::as_array)
            .ok_or_else(|| err(format!("a row of the section \"{section}\" has no cells")))?;
        let Some(label_cell) = cells.first() else {
            continue;
        };
        let at_section = format!("a row of the section \"{section}\"");
        let label = cell_text(label_cell, kind, &at_section)?.to_owned();
        let at = format!("the row \"{label}\"");
        for c in cells {
            cell_text(c, kind, &at)?;
        }
        let get = |idx: usize| -> Result<Option<Decimal>, ReportError> {
            match cells.get(idx) {
                Some(c) => amount_of(cell_text(c, kind, &at)?, kind, &at),
                None => Err(ReportError {
                    kind,
                    detail: format!(
                        "{at} has {} cells, fewer than the header's {}",
                        cells.len(),
                        columns.len()
                    ),
                }),
            }
        };
        let account = account_of(label_cell).or_else(|| cells.get(first).and_then(account_of));
        match (kind, account) {
            (XeroReportKind::TrialBalance, Some(id)) => {
                let debit = get(first)?.unwrap_or_default();
                let credit = second.map(get).transpose()?.flatten().unwrap_or_default();
                let v = net(debit, credit, &label).map_err(out_of_range)?;
                add_figure(&mut figures, FigureKey::account(id), &label, v)
                    .map_err(out_of_range)?;
            }
            (XeroReportKind::TrialBalance, None) => {
                let debit = get(first)?.unwrap_or_default();
                let credit = second.map(get).transpose()?.flatten().unwrap_or_default();
                if label.trim().eq_ignore_ascii_case("total") {
                    let (d, c) = (TotalLine::TotalDebit, TotalLine::TotalCredit);
                    add_figure(&mut figures, FigureKey::Total(d), d.label(), debit)
                        .map_err(out_of_range)?;
                    add_figure(&mut figures, FigureKey::Total(c), c.label(), credit)
                        .map_err(out_of_range)?;
                } else {
                    // A row without an account: earlier years' earnings where
                    // no retained earnings account holds them.
                    let v = net(debit, credit, &label).map_err(out_of_range)?;
                    add_figure(&mut figures, FigureKey::EarlierYearsEarnings, &label, v)
                        .map_err(out_of_range)?;
                }
            }
            (_, Some(id)) => {
                let key = if id == NIL_ACCOUNT {
                    FigureKey::CurrentYearEarnings
                } else {
                    FigureKey::account(id)
                };
                let v = get(first)?.unwrap_or_default();
                add_figure(&mut figures, key, &label, v).map_err(out_of_range)?;
            }
            (_, None) => {
                if let Some(line) = TotalLine::of_xero_title(kind, &label) {
                    let v = get(first)?.unwrap_or_default();
                    add_figure(&mut figures, FigureKey::Total(line), line.label(), v)
                        .map_err(out_of_range)?;
                } else if kind == XeroReportKind::BalanceSheet
                    && label.trim().eq_ignore_ascii_case("current year earnings")
                {
                    let v = get(first)?.unwrap_or_default();
                    add_figure(&mut figures, FigureKey::CurrentYearEarnings, &label, v)
                        .map_err(out_of_range)?;
                } else if kind == XeroReportKind::BalanceSheet
                    && label.trim().eq_ignore_ascii_case("retained earnings")
                {
                    let v = get(first)?.unwrap_or_default();
                    add_figure(&mut figures, FigureKey::EarlierYearsEarnings, &label, v)
                        .map_err(out_of_range)?;
                }
                // Other lines (sub-totals such as "Total Bank") are not compared.
            }
        }
    }
    Ok(XeroReport {
        kind,
        titles,
        columns,
        figures,
    })
}

/// A figure that is not the same in both reports. Absent means the report has
/// no such line (which is read as zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureDifference {
    pub key: FigureKey,
    pub label: String,
    pub local: Option<Decimal>,
    pub xero: Option<Decimal>,
}

/// Every figure that differs, exactly (as decimals: `1.5` equals `1.50`); a
/// line only one report has counts as zero in the other. In key order:
/// accounts first, then the bottom lines.
pub fn compare(local: &Figures, xero: &Figures) -> Vec<FigureDifference> {
    let mut keys: Vec<&FigureKey> = local.keys().chain(xero.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let l = local.get(k);
            let x = xero.get(k);
            let lv = l.map_or(Decimal::ZERO, |f| f.amount);
            let xv = x.map_or(Decimal::ZERO, |f| f.amount);
            (lv != xv).then(|| FigureDifference {
                key: k.clone(),
                label: l.or(x).map(|f| f.label.clone()).unwrap_or_default(),
                local: l.map(|f| f.amount),
                xero: x.map(|f| f.amount),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn acct(label: &str, id: &str, values: &[&str]) -> Value {
        let attr = json!([{"Id": "account", "Value": id}]);
        let mut cells = vec![json!({"Value": label, "Attributes": attr})];
        cells.extend(
            values
                .iter()
                .map(|v| json!({"Value": v, "Attributes": attr})),
        );
        json!({"RowType": "Row", "Cells": cells})
    }

    fn pl(rows: Vec<Value>) -> Value {
        json!({"Reports": [{"ReportType": "ProfitAndLoss", "ReportTitles": ["Profit and Loss", "Org", "1 July 2026 to 31 July 2026"],
            "Rows": [{"RowType": "Header", "Cells": [{"Value": ""}, {"Value": "31 Jul 2026"}]},
                     {"RowType": "Section", "Title": "Income", "Rows": rows},
                     {"RowType": "Section", "Title": "", "Rows": [{"RowType": "Row", "Cells": [{"Value": "Net Profit"}, {"Value": "100.00"}]}]}]}]})
    }

    #[test]
    fn reads_accounts_and_bottom_lines_of_a_profit_and_loss() {
        let r = parse_report(
            XeroReportKind::ProfitAndLoss,
            &pl(vec![acct("Sales", "AB-12", &["100.00"])]),
        )
        .unwrap();
        assert_eq!(
            r.figures[&FigureKey::account("ab-12")].amount,
            Decimal::new(100, 0)
        );
        assert_eq!(
            r.figures[&FigureKey::Total(TotalLine::NetProfit)].amount,
            Decimal::new(10000, 2)
        );
        assert_eq!(r.columns, vec!["", "31 Jul 2026"]);
    }

    #[test]
    fn the_cash_basis_is_xeros_profit_and_loss_stored_under_its_own_name() {
        let kind = XeroReportKind::ProfitAndLossCash;
        assert_eq!(XeroReportKind::parse(kind.as_str()), Some(kind));
        assert_ne!(kind.as_str(), XeroReportKind::ProfitAndLoss.as_str());
        assert_eq!(kind.report_type(), "ProfitAndLoss");
        assert_eq!(kind.query(), &[("paymentsOnly", "true")]);
        assert!(XeroReportKind::ProfitAndLoss.query().is_empty());
        let r = parse_report(kind, &pl(vec![acct("Sales", "AB-12", &["100.00"])])).unwrap();
        assert_eq!(
            r.figures[&FigureKey::Total(TotalLine::NetProfit)].amount,
            Decimal::new(100, 0)
        );
        let bs = json!({"Reports": [{"ReportType": "BalanceSheet", "Rows": []}]});
        assert_eq!(
            parse_report(kind, &bs).unwrap_err().detail,
            "it is a BalanceSheet report"
        );
    }

    #[test]
    fn an_amount_too_large_for_any_book_is_refused_not_summed_into_an_overflow() {
        assert_eq!(MAX_AMOUNT.to_string(), "1000000000000000000");
        let kind = XeroReportKind::TrialBalance;
        assert!(amount_of("999999999999999999.99", kind, "row 1").is_ok());
        let err = amount_of("-1000000000000000000", kind, "row 1").unwrap_err();
        assert!(err.detail.contains("too large"), "{}", err.detail);
    }

    #[test]
    fn figures_near_the_decimal_limit_are_refused_not_a_panic() {
        let mut f = Figures::new();
        let key = FigureKey::account("big");
        add_figure(&mut f, key.clone(), "Big", Decimal::MAX).unwrap();
        let err = add_figure(&mut f, key.clone(), "Big", Decimal::MAX).unwrap_err();
        assert_eq!(err.label, "Big");
        assert!(err.to_string().contains("out of range"), "{err}");
        // The figure is left as it was.
        assert_eq!(f[&key].amount, Decimal::MAX);
        add_figure(&mut f, key.clone(), "Big", Decimal::NEGATIVE_ONE).unwrap();
        assert_eq!(f[&key].amount, Decimal::MAX - Decimal::ONE);
        assert!(net(Decimal::MAX, Decimal::MIN, "x").is_err());
        assert_eq!(
            net(Decimal::MAX, Decimal::ONE, "x").unwrap(),
            Decimal::MAX - Decimal::ONE
        );
    }

    #[test]
    fn a_malformed_report_is_refused_with_a_clear_error() {
        let bad_amount = parse_report(
            XeroReportKind::ProfitAndLoss,
            &pl(vec![acct("Sales", "ab", &["1,0x"])]),
        )
        .unwrap_err();
        assert_eq!(
            bad_amount.to_string(),
            "Xero's ProfitAndLoss report could not be read: the row \"Sales\" has the amount \"1,0x\", which is not a number"
        );
        let wrong_type = parse_report(
            XeroReportKind::ProfitAndLoss,
            &pl(vec![json!({"RowType": "Banner", "Cells": []})]),
        )
        .unwrap_err();
        assert!(
            wrong_type.detail.contains("type \"Banner\""),
            "{wrong_type}"
        );
        let no_rows = parse_report(
            XeroReportKind::BalanceSheet,
            &json!({"Reports": [{"ReportType": "BalanceSheet"}]}),
        )
        .unwrap_err();
        assert_eq!(no_rows.detail, "it has no Rows");
        let other = parse_report(XeroReportKind::BalanceSheet, &pl(vec![])).unwrap_err();
        assert_eq!(other.detail, "it is a ProfitAndLoss report");
        let empty =
            parse_report(XeroReportKind::TrialBalance, &json!({"Reports": []})).unwrap_err();
        assert_eq!(empty.detail, "the answer holds no report");
        let short = parse_report(
            XeroReportKind::ProfitAndLoss,
            &pl(vec![acct("Sales", "ab", &[])]),
        )
        .unwrap_err();
        assert!(
            short.detail.contains("fewer than the header's 2"),
            "{short}"
        );
        let not_text = parse_report(
            XeroReportKind::ProfitAndLoss,
            &pl(vec![
                json!({"RowType": "Row", "Cells": [{"Value": "Sales"}, {"Value": 12.5}]}),
            ]),
        )
        .unwrap_err();
        assert!(not_text.detail.contains("not text"), "{not_text}");
    }

    #[test]
    fn trial_balance_accounts_are_one_net_from_the_balance_columns() {
        let body = json!({"Reports": [{"ReportType": "TrialBalance", "Rows": [
            {"RowType": "Header", "Cells": [{"Value": "Account"}, {"Value": "Debit"}, {"Value": "Credit"}, {"Value": "YTD Debit"}, {"Value": "YTD Credit"}]},
            {"RowType": "Section", "Title": "Revenue", "Rows": [acct("Sales (200)", "S", &["", "5.00", "", "80.00"])]},
            {"RowType": "Section", "Title": "Assets", "Rows": [acct("Bank (090)", "B", &["5.00", "", "80.00", ""])]},
            {"RowType": "Section", "Title": "", "Rows": [{"RowType": "SummaryRow", "Cells": [{"Value": "Total"}, {"Value": "5.00"}, {"Value": "5.00"}, {"Value": "80.00"}, {"Value": "80.00"}]}]}
        ]}]});
        let r = parse_report(XeroReportKind::TrialBalance, &body).unwrap();
        assert_eq!(
            r.figures[&FigureKey::account("s")].amount,
            Decimal::new(-80, 0)
        );
        assert_eq!(
            r.figures[&FigureKey::account("b")].amount,
            Decimal::new(80, 0)
        );
        assert_eq!(
            r.figures[&FigureKey::Total(TotalLine::TotalCredit)].amount,
            Decimal::new(80, 0)
        );
    }

    #[test]
    fn the_sync_fetches_this_month_this_year_and_the_last_month_end() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let plan = reports_to_fetch(d("2026-07-01"), 31, 3);
        let got: Vec<(XeroReportKind, Option<NaiveDate>, NaiveDate)> =
            plan.iter().map(|r| (r.kind, r.from, r.to)).collect();
        assert_eq!(
            got,
            vec![
                (
                    XeroReportKind::ProfitAndLoss,
                    Some(d("2026-07-01")),
                    d("2026-07-31")
                ),
                (
                    XeroReportKind::ProfitAndLoss,
                    Some(d("2026-04-01")),
                    d("2027-03-31")
                ),
                (XeroReportKind::BalanceSheet, None, d("2026-06-30")),
                (XeroReportKind::TrialBalance, None, d("2026-06-30")),
            ]
        );
        let feb = reports_to_fetch(d("2028-02-10"), 29, 2);
        assert_eq!(
            (feb[1].from, feb[1].to),
            (Some(d("2027-03-01")), d("2028-02-29"))
        );
    }

    #[test]
    fn compare_reads_a_missing_line_as_zero_and_equal_decimals_as_equal() {
        let mut a = Figures::new();
        let mut b = Figures::new();
        add_figure(&mut a, FigureKey::account("x"), "X", Decimal::new(150, 2)).unwrap();
        add_figure(&mut b, FigureKey::account("x"), "X", Decimal::new(15, 1)).unwrap();
        add_figure(&mut a, FigureKey::account("zero"), "Zero", Decimal::ZERO).unwrap();
        add_figure(&mut b, FigureKey::account("y"), "Y", Decimal::new(1, 2)).unwrap();
        let d = compare(&a, &b);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].key, FigureKey::account("y"));
        assert_eq!((d[0].local, d[0].xero), (None, Some(Decimal::new(1, 2))));
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn anchors_are_month_end_trial_balances_back_to_the_first_document_and_its_opening_day() {
        let got = anchors_to_fetch(day(2026, 7, 15), Some(day(2026, 2, 10)), &[], 100);
        let dates: Vec<NaiveDate> = got.iter().map(|r| r.to).collect();
        assert_eq!(
            dates,
            vec![
                day(2026, 6, 30),
                day(2026, 5, 31),
                day(2026, 4, 30),
                day(2026, 3, 31),
                day(2026, 2, 28),
                day(2026, 2, 9),
            ]
        );
        assert!(got
            .iter()
            .all(|r| r.kind == XeroReportKind::TrialBalance && r.from.is_none()));
    }

    #[test]
    fn anchors_leave_out_what_is_stored_keep_to_the_limit_and_to_24_months() {
        let all = anchors_to_fetch(day(2026, 7, 1), Some(day(2020, 1, 1)), &[], 1000);
        assert_eq!(all.len(), ANCHOR_MONTHS as usize + 1);
        assert_eq!(all[0].to, day(2026, 6, 30));
        assert_eq!(all[23].to, day(2024, 7, 31));
        assert_eq!(all[24].to, day(2019, 12, 31));
        let stored = vec![all[0], all[2]];
        let rest = anchors_to_fetch(day(2026, 7, 1), Some(day(2020, 1, 1)), &stored, 3);
        assert_eq!(rest, vec![all[1], all[3], all[4]]);
        assert!(anchors_to_fetch(day(2026, 7, 1), None, &[], 10).is_empty());
        // A first document this month: only its opening day.
        let new = anchors_to_fetch(day(2026, 7, 20), Some(day(2026, 7, 3)), &[], 10);
        assert_eq!(
            new.iter().map(|r| r.to).collect::<Vec<_>>(),
            vec![day(2026, 7, 2)]
        );
    }
}
