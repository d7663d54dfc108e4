//! `ledgerkeep-cli report <kind>`: one report from the ledger, as a table
//! (the default), JSON or CSV on stdout. The report is the API's (`run_report_query`, which fills in
//! the organisation and the dates left out); this file only words it.
//!
//! It reads the ledger only, so it runs beside the app as `export` does: it
//! takes no writer lock.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use ledgerkeep_api::ops::exports::spreadsheet_safe;
use ledgerkeep_api::{
    ApiError, AppContext, DrillView, ReportBasis, ReportKind, ReportQuery, ReportRowView,
    ReportView,
};
use serde::Serialize;

use crate::output::{Align, FormatArg as OutFormat, Output, Table};
use crate::print_json;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    ProfitAndLoss,
    BalanceSheet,
    TrialBalance,
    CashSummary,
    AgedReceivables,
    AgedPayables,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BasisArg {
    Accrual,
    Cash,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum FormatArg {
    /// A table as wide as the terminal.
    #[default]
    Text,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Which report.
    #[arg(value_enum)]
    kind: KindArg,
    /// A period's first day, YYYY-MM-DD (profit and loss, cash summary;
    /// default: the start of the financial year holding --to).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// A period's last day, YYYY-MM-DD (default: today in the organisation's time zone).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// The date of a balance sheet, trial balance or aged report, YYYY-MM-DD
    /// (default: --to, else today in the organisation's time zone).
    #[arg(long, value_name = "DATE")]
    as_at: Option<String>,
    /// Accrual (default) or cash.
    #[arg(long, value_enum)]
    basis: Option<BasisArg>,
    /// The organisation's tenant id; may be left out when the ledger holds one.
    #[arg(long, value_name = "ID")]
    tenant: Option<String>,
    /// text (default), json or csv.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
}

/// `ledgerkeep-cli report <kind> ...`
/// `json`: the global `--json`, the same as `--format json`.
pub async fn report(ctx: &AppContext, a: ReportArgs, json: bool) -> Result<ExitCode, ApiError> {
    let query = ReportQuery {
        kind: match a.kind {
            KindArg::ProfitAndLoss => ReportKind::ProfitAndLoss,
            KindArg::BalanceSheet => ReportKind::BalanceSheet,
            KindArg::TrialBalance => ReportKind::TrialBalance,
            KindArg::CashSummary => ReportKind::CashSummary,
            KindArg::AgedReceivables => ReportKind::AgedReceivables,
            KindArg::AgedPayables => ReportKind::AgedPayables,
        },
        tenant_id: a.tenant,
        from: a.from,
        to: a.to,
        as_at: a.as_at,
        basis: a.basis.map(|b| match b {
            BasisArg::Accrual => ReportBasis::Accrual,
            BasisArg::Cash => ReportBasis::Cash,
        }),
    };
    let view = ledgerkeep_api::run_report_query(ctx, query).await?;
    let printed = Printed::of(&view);
    let format = if json { FormatArg::Json } else { a.format };
    match format {
        FormatArg::Json => print_json(&printed)?,
        FormatArg::Text => {
            let out = Output::detect(false, OutFormat::default());
            crate::print_line(printed.to_text(&out).trim_end())?;
        }
        FormatArg::Csv => write_out(&printed.to_csv()?)?,
    }
    // What the report is missing is said on stderr too, so a script piping
    // the CSV still tells its user.
    if !view.incomplete.is_empty() {
        for n in &view.incomplete {
            let _ = writeln!(std::io::stderr(), "{}", n.message);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The report as printed: one flat row per line of the report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Printed<'a> {
    title: &'a str,
    kind: ReportKind,
    organisation: Option<&'a str>,
    currency: Option<&'a str>,
    basis: ReportBasis,
    period: PrintedPeriod<'a>,
    columns: Vec<&'a str>,
    rows: Vec<PrintedRow<'a>>,
    notes: &'a [String],
    xero: PrintedXero<'a>,
    incomplete: &'a [ledgerkeep_api::IncompleteStreamView],
}

#[derive(Debug, Serialize)]
struct PrintedPeriod<'a> {
    from: Option<&'a str>,
    to: Option<&'a str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PrintedXero<'a> {
    status: ledgerkeep_api::XeroComparisonStatus,
    message: &'a str,
}

/// What a printed row is.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
enum RowKind {
    /// An account's figures.
    Account,
    /// A line that is neither an account nor a total (a contact in the aged
    /// reports, earnings in the balance sheet).
    Line,
    /// A section's total.
    Total,
    /// One of the report's bottom lines (gross and net profit, net assets).
    Summary,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PrintedRow<'a> {
    section: &'a str,
    kind: RowKind,
    account_code: Option<&'a str>,
    /// The account's name; for other lines, their label.
    name: &'a str,
    /// One per column, exact decimal text; absent where the row has no figure.
    amounts: Vec<Option<String>>,
}

const SUMMARY: &str = "Summary";

impl<'a> Printed<'a> {
    fn of(v: &'a ReportView) -> Self {
        let mut rows = Vec::new();
        for s in &v.sections {
            for r in &s.rows {
                // An account's cells list its general ledger's lines (an
                // account may have no code); computed lines list none.
                let account = r.code.is_some()
                    || r.cells
                        .iter()
                        .any(|c| matches!(c.drill, Some(DrillView::Ledger(_))));
                let kind = if account {
                    RowKind::Account
                } else {
                    RowKind::Line
                };
                rows.push(PrintedRow::of(&s.title, kind, r));
            }
            if let Some(t) = &s.total {
                rows.push(PrintedRow::of(&s.title, RowKind::Total, t));
            }
        }
        for r in &v.summary {
            rows.push(PrintedRow::of(SUMMARY, RowKind::Summary, r));
        }
        let first = v.columns.first();
        Printed {
            title: &v.title,
            kind: v.kind,
            organisation: v.organisation.as_deref(),
            currency: v.currency.as_deref(),
            basis: v.basis,
            period: PrintedPeriod {
                from: first.and_then(|c| c.from.as_deref()),
                to: first.map(|c| c.to.as_str()),
            },
            columns: v.columns.iter().map(|c| c.label.as_str()).collect(),
            rows,
            notes: &v.notes,
            xero: PrintedXero {
                status: v.xero.status,
                message: &v.xero.message,
            },
            incomplete: &v.incomplete,
        }
    }

    /// The title, then a table: each section's rows under its name, the
    /// figures right-aligned and whole; then the notes.
    fn to_text(&self, out: &Output) -> String {
        let mut head = vec![self.title.to_owned()];
        head.extend(self.organisation.map(str::to_owned));
        head.extend(self.currency.map(str::to_owned));
        head.push(
            match self.basis {
                ReportBasis::Accrual => "accrual basis",
                ReportBasis::Cash => "cash basis",
            }
            .to_owned(),
        );
        head.push(match (self.period.from, self.period.to) {
            (Some(f), Some(t)) => format!("{f} to {t}"),
            (None, Some(t)) => format!("as at {t}"),
            _ => String::new(),
        });
        head.retain(|h| !h.is_empty());
        let mut text = format!("{}\n", out.bold(&head.join(" · ")));
        let mut columns = vec![("Section", Align::Left), ("Account", Align::Left)];
        columns.extend(self.columns.iter().map(|c| (*c, Align::Right)));
        let mut table = Table::new(&columns);
        let mut last_section = "";
        for r in &self.rows {
            let section = if r.section == last_section {
                String::new()
            } else {
                r.section.to_owned()
            };
            last_section = r.section;
            let name = match r.account_code.filter(|c| !c.is_empty()) {
                Some(code) => format!("{code} {}", r.name),
                None => r.name.to_owned(),
            };
            let mut cells = vec![section, name];
            cells.extend(r.amounts.iter().map(|a| a.clone().unwrap_or_default()));
            table.row(cells);
        }
        text.push_str(&table.render(out));
        for n in self.notes {
            text.push_str(&format!("{n}\n"));
        }
        if !self.xero.message.is_empty() {
            text.push_str(&format!("{}\n", self.xero.message));
        }
        text
    }

    /// One header line (`section,kind,account_code,name`, then the columns),
    /// one line per row; every text cell spreadsheet-safe, amounts as numbers.
    fn to_csv(&self) -> Result<String, ApiError> {
        let mut w = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::NonNumeric)
            .from_writer(Vec::new());
        let failed =
            |e: csv::Error| ApiError::internal(format!("The CSV could not be written: {e}"));
        let safe = |s: &str| spreadsheet_safe(s).into_owned();
        let header = ["section", "kind", "account_code", "name"]
            .into_iter()
            .chain(self.columns.iter().copied())
            .map(safe);
        w.write_record(header).map_err(failed)?;
        for r in &self.rows {
            let kind = match r.kind {
                RowKind::Account => "account",
                RowKind::Line => "line",
                RowKind::Total => "total",
                RowKind::Summary => "summary",
            };
            let cells = [r.section, kind, r.account_code.unwrap_or(""), r.name]
                .into_iter()
                .map(safe)
                .chain(r.amounts.iter().map(|a| a.clone().unwrap_or_default()));
            w.write_record(cells).map_err(failed)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| ApiError::internal(format!("The CSV could not be written: {e}")))?;
        String::from_utf8(bytes)
            .map_err(|e| ApiError::internal(format!("The CSV could not be written: {e}")))
    }
}

impl<'a> PrintedRow<'a> {
    fn of(section: &'a str, kind: RowKind, r: &'a ReportRowView) -> Self {
        // An account's label is "<code> <name>": the name is what follows the code.
        let name = r
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .and_then(|c| r.label.strip_prefix(c))
            .map_or(r.label.as_str(), str::trim_start);
        PrintedRow {
            section,
            kind,
            account_code: r.code.as_deref(),
            name,
            amounts: r
                .cells
                .iter()
                .map(|c| c.amount.map(|m| m.as_decimal().to_string()))
                .collect(),
        }
    }
}

fn write_out(text: &str) -> Result<(), ApiError> {
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| ApiError::internal(format!("could not write to standard output: {e}")))
}
