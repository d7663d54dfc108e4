//! Exports of a report, or of the explorer's current view, as CSV or Excel,
//! with exact amounts, written to the `exports` folder of the app's data
//! folder (the app has no save dialog; the answer names the file).
//!
//! CSV holds every amount as its exact decimal text. In Excel an amount of
//! at most 15 significant digits is written as a number (formatted
//! `#,##0.00`): every decimal of 15 significant digits survives Excel's
//! double-precision storage and reads back as the same text, so the number is
//! exact. A longer amount (`98765432109876.54`) is written as text, so that no
//! digit is lost. The conversion is rust_xlsxwriter's; no float arithmetic
//! happens here.

use std::path::{Path, PathBuf};

use ledgerkeep_domain::Money;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ops::ledger::{list_documents, DocumentFilterDto, ListDocumentsRequest, SortFieldDto};
use crate::ops::reports::{run_report, ReportRequest, ReportRowView, ReportView};
use crate::{ApiError, AppContext};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ExportFileFormat {
    Csv,
    Xlsx,
}

impl ExportFileFormat {
    fn extension(self) -> &'static str {
        match self {
            ExportFileFormat::Csv => "csv",
            ExportFileFormat::Xlsx => "xlsx",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportReportRequest {
    pub report: ReportRequest,
    pub format: ExportFileFormat,
}

/// The explorer's view: its filters and sort, every matching row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportViewRequest {
    pub filter: DocumentFilterDto,
    #[serde(default)]
    pub sort: SortFieldDto,
    #[serde(default)]
    pub descending: bool,
    pub format: ExportFileFormat,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportedFile {
    /// The file written, in full.
    pub path: String,
    /// Rows written, the heading row not counted.
    pub rows: u32,
}

/// A cell of an export: text, or an exact amount.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cell {
    Text(String),
    Amount(Money),
    Empty,
}

/// The most significant digits an Excel number holds exactly.
const EXCEL_DIGITS: u32 = 15;

/// Whether an amount is written to Excel as a number (see the module's note).
pub fn fits_excel_number(d: Decimal) -> bool {
    let digits = d
        .mantissa()
        .unsigned_abs()
        .checked_ilog10()
        .map_or(1, |n| n + 1);
    digits <= EXCEL_DIGITS
}

pub(crate) fn file_stem(title: &str) -> String {
    let s: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if s.is_empty() {
        "export".to_owned()
    } else {
        s
    }
}

/// A new file name in `dir`: `<stem>.<ext>`, or `<stem>-2.<ext>`... if taken.
fn free_path(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    let mut n = 1;
    loop {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let p = dir.join(name);
        if !p.exists() {
            return p;
        }
        n += 1;
    }
}

fn write_err(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "export failed");
    ApiError::new(
        crate::ErrorCode::Storage,
        "The export could not be written. Check that the disk has free space.",
    )
}

fn write_file(
    ctx: &AppContext,
    stem: &str,
    format: ExportFileFormat,
    header: &[String],
    rows: &[Vec<Cell>],
) -> Result<ExportedFile, ApiError> {
    let dir = ctx.paths().exports_dir();
    std::fs::create_dir_all(&dir).map_err(write_err)?;
    let path = free_path(&dir, stem, format.extension());
    // Written beside, then renamed: a half-written export never has the real name.
    let partial = path.with_extension(format!("{}.partial", format.extension()));
    match format {
        ExportFileFormat::Csv => {
            let mut w = csv::Writer::from_path(&partial).map_err(write_err)?;
            w.write_record(header).map_err(write_err)?;
            for r in rows {
                w.write_record(r.iter().map(|c| match c {
                    Cell::Text(t) => t.clone(),
                    Cell::Amount(m) => m.to_string(),
                    Cell::Empty => String::new(),
                }))
                .map_err(write_err)?;
            }
            w.flush().map_err(write_err)?;
        }
        ExportFileFormat::Xlsx => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let bold = rust_xlsxwriter::Format::new().set_bold();
            let amount = rust_xlsxwriter::Format::new().set_num_format("#,##0.00");
            let sheet = book.add_worksheet();
            for (c, h) in header.iter().enumerate() {
                let c = u16::try_from(c).map_err(write_err)?;
                sheet
                    .write_string_with_format(0, c, h, &bold)
                    .map_err(write_err)?;
            }
            for (r, row) in rows.iter().enumerate() {
                let r = u32::try_from(r + 1).map_err(write_err)?;
                for (c, cell) in row.iter().enumerate() {
                    let c = u16::try_from(c).map_err(write_err)?;
                    match cell {
                        Cell::Text(t) => {
                            sheet.write_string(r, c, t).map_err(write_err)?;
                        }
                        Cell::Amount(m) if fits_excel_number(m.as_decimal()) => {
                            sheet
                                .write_with_format(r, c, m.as_decimal(), &amount)
                                .map_err(write_err)?;
                        }
                        Cell::Amount(m) => {
                            sheet.write_string(r, c, m.to_string()).map_err(write_err)?;
                        }
                        Cell::Empty => {}
                    }
                }
            }
            book.save(&partial).map_err(write_err)?;
        }
    }
    std::fs::rename(&partial, &path).map_err(write_err)?;
    Ok(ExportedFile {
        path: path.display().to_string(),
        rows: u32::try_from(rows.len()).unwrap_or(u32::MAX),
    })
}

/// A report as a table: section, line, then one column per report column.
fn report_rows(r: &ReportView) -> (Vec<String>, Vec<Vec<Cell>>) {
    let mut header = vec!["Section".to_owned(), "Line".to_owned()];
    header.extend(r.columns.iter().map(|c| c.label.clone()));
    let line = |section: &str, row: &ReportRowView| -> Vec<Cell> {
        let mut out = vec![
            Cell::Text(section.to_owned()),
            Cell::Text(row.label.clone()),
        ];
        out.extend(
            row.cells
                .iter()
                .map(|c| c.amount.map_or(Cell::Empty, Cell::Amount)),
        );
        out
    };
    let mut rows = Vec::new();
    for s in &r.sections {
        for row in &s.rows {
            rows.push(line(&s.title, row));
        }
        if let Some(t) = &s.total {
            rows.push(line(&s.title, t));
        }
    }
    for row in &r.summary {
        rows.push(line("", row));
    }
    (header, rows)
}

#[tracing::instrument(name = "op", skip_all, fields(op = "export_report", request_id = %crate::request_id()))]
pub async fn export_report(
    ctx: &AppContext,
    req: ExportReportRequest,
) -> Result<ExportedFile, ApiError> {
    let view = run_report(ctx, req.report.clone()).await?;
    let (header, rows) = report_rows(&view);
    let stem = file_stem(&format!("{} {}", view.title, req.report.period.to));
    write_file(ctx, &stem, req.format, &header, &rows)
}

/// The most rows an export of the explorer's view writes.
pub const MAX_VIEW_ROWS: usize = 1_000_000;

#[tracing::instrument(name = "op", skip_all, fields(op = "export_view", request_id = %crate::request_id()))]
pub async fn export_view(
    ctx: &AppContext,
    req: ExportViewRequest,
) -> Result<ExportedFile, ApiError> {
    let header: Vec<String> = [
        "Date",
        "Type",
        "Number",
        "Reference",
        "Contact",
        "Status",
        "Currency",
        "Total",
        "Xero id",
    ]
    .map(str::to_owned)
    .to_vec();
    let mut rows = Vec::new();
    let mut after = None;
    // Page by page along the view's own order, as the explorer reads it.
    loop {
        let page = list_documents(
            ctx,
            ListDocumentsRequest {
                filter: req.filter.clone(),
                sort: req.sort,
                descending: req.descending,
                after: after.take(),
                limit: Some(500),
            },
        )
        .await?;
        let text = |v: Option<String>| v.map_or(Cell::Empty, Cell::Text);
        for d in page.rows {
            rows.push(vec![
                text(d.date),
                text(d.doc_type),
                text(d.number),
                text(d.reference),
                text(d.contact_name),
                text(d.status),
                text(d.currency_code),
                d.total.map_or(Cell::Empty, Cell::Amount),
                Cell::Text(d.xero_id),
            ]);
        }
        if rows.len() > MAX_VIEW_ROWS {
            return Err(ApiError::invalid(
                "This view has more than a million rows: narrow the filters to export it.",
            ));
        }
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    let kind = match req.filter.kind {
        Some(crate::ops::ledger::DocumentKindDto::Invoices) => "invoices and bills",
        _ => "bank transactions",
    };
    write_file(ctx, &file_stem(kind), req.format, &header, &rows)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn amounts_of_at_most_15_digits_are_excel_numbers() {
        let d = |s: &str| Money::parse(s).unwrap().as_decimal();
        assert!(fits_excel_number(d("0")));
        assert!(fits_excel_number(d("-1234.56")));
        assert!(fits_excel_number(d("9999999999999.99")));
        assert!(!fits_excel_number(d("98765432109876.54")));
        assert!(!fits_excel_number(d("0.1234567890123456")));
    }

    #[test]
    fn file_names_are_plain_and_never_overwrite() {
        assert_eq!(
            file_stem("Profit and loss 2026-03-31"),
            "profit-and-loss-2026-03-31"
        );
        assert_eq!(file_stem("«»"), "export");
        let dir = tempfile::tempdir().unwrap();
        let a = free_path(dir.path(), "x", "csv");
        std::fs::write(&a, "").unwrap();
        let b = free_path(dir.path(), "x", "csv");
        assert_ne!(a, b);
        assert!(b.ends_with("x-2.csv"));
    }
}
