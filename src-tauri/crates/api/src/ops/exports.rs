//! Exports of a report, or of the explorer's current view, as CSV, Excel or
//! PDF, with exact amounts, written to the `exports` folder of the app's data
//! folder (the app has no save dialog; the answer names the file).
//!
//! CSV holds every amount as its exact decimal text. In Excel an amount of
//! at most 15 significant digits is written as a number (formatted
//! `#,##0.00`): every decimal of 15 significant digits survives Excel's
//! double-precision storage and reads back as the same text, so the number is
//! exact. A longer amount (`98765432109876.54`) is written as text, so that no
//! digit is lost. The conversion is rust_xlsxwriter's; no float arithmetic
//! happens here.
//!
//! Text from Xero (a bank reference, a contact's name) is never run by a
//! spreadsheet: in CSV a text cell that starts with `=`, `+`, `-`, `@`, a tab
//! or a carriage return is written with a leading `'` (OWASP's advice on CSV
//! injection), unless it is a plain decimal number such as `-12.50`, which
//! stays a number a spreadsheet can sum ([`spreadsheet_safe`]). Every text cell
//! is quoted. In Excel text is always written as a string cell, never as a
//! formula.
//!
//! A PDF is a printed table (see [`pdf`]): a report keeps its sections and
//! totals, and every amount is its exact decimal text.

mod pdf;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use ledgerkeep_domain::Money;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ops::ledger::{list_documents, DocumentFilterDto, ListDocumentsRequest, SortFieldDto};
use crate::ops::records::{record_detail, FieldValueView, RecordDetailRequest, RecordDetailView};
use crate::ops::reports::{run_report, ReportRequest, ReportRowView, ReportView};
use crate::{ApiError, AppContext};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ExportFileFormat {
    Csv,
    Xlsx,
    /// A printable document, A4.
    Pdf,
}

impl ExportFileFormat {
    fn extension(self) -> &'static str {
        match self {
            ExportFileFormat::Csv => "csv",
            ExportFileFormat::Xlsx => "xlsx",
            ExportFileFormat::Pdf => "pdf",
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

/// Whether `s` is a plain decimal number: an optional sign, digits, and
/// optionally a point and more digits (`-12.50`, `+3`, `1234`). Nothing else
/// (no exponent, no spaces, no thousands separators).
fn is_plain_number(s: &str) -> bool {
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// A CSV cell a spreadsheet will not read as a formula: a cell that starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`,
/// unless it is a plain decimal number (a negative amount stays a number).
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A CSV writer that quotes every cell that is not a number, for cells that
/// went through [`spreadsheet_safe`].
pub(crate) fn csv_writer<W: std::io::Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::NonNumeric)
        .from_writer(w)
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
    title: &str,
    stem: &str,
    format: ExportFileFormat,
    header: &[String],
    rows: &[Vec<Cell>],
) -> Result<ExportedFile, ApiError> {
    save(ctx, stem, format, rows.len(), |path| {
        write_table(path, title, format, header, rows)
    })
}

/// A new file in the exports folder, written by `write` and named when whole.
fn save(
    ctx: &AppContext,
    stem: &str,
    format: ExportFileFormat,
    rows: usize,
    write: impl FnOnce(&Path) -> Result<(), ApiError>,
) -> Result<ExportedFile, ApiError> {
    let dir = ctx.paths().exports_dir();
    std::fs::create_dir_all(&dir).map_err(write_err)?;
    let path = free_path(&dir, stem, format.extension());
    // Written beside, then renamed: a half-written export never has the real name.
    let partial = path.with_extension(format!("{}.partial", format.extension()));
    write(&partial)?;
    std::fs::rename(&partial, &path).map_err(write_err)?;
    Ok(ExportedFile {
        path: path.display().to_string(),
        rows: u32::try_from(rows).unwrap_or(u32::MAX),
    })
}

/// Writes `header` and `rows` to `path` in `format` (`title` heads a PDF).
fn write_table(
    path: &Path,
    title: &str,
    format: ExportFileFormat,
    header: &[String],
    rows: &[Vec<Cell>],
) -> Result<(), ApiError> {
    match format {
        ExportFileFormat::Pdf => {
            let doc = table_document(title, header, rows);
            std::fs::write(path, pdf::render(&doc)).map_err(write_err)?;
        }
        ExportFileFormat::Csv => {
            let file = std::fs::File::create(path).map_err(write_err)?;
            let mut w = csv_writer(std::io::BufWriter::new(file));
            w.write_record(header.iter().map(|h| spreadsheet_safe(h).into_owned()))
                .map_err(write_err)?;
            for r in rows {
                w.write_record(r.iter().map(|c| match c {
                    Cell::Text(t) => spreadsheet_safe(t).into_owned(),
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
                        // A string cell: Excel never evaluates it, whatever it starts with.
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
            book.save(path).map_err(write_err)?;
        }
    }
    Ok(())
}

/// A table as a PDF shows it: a column that holds an amount is aligned right.
fn table_document(title: &str, header: &[String], rows: &[Vec<Cell>]) -> pdf::Document {
    let is_amount = |c: usize| {
        rows.iter()
            .any(|r| matches!(r.get(c), Some(Cell::Amount(_))))
    };
    pdf::Document {
        title: title.to_owned(),
        columns: header
            .iter()
            .enumerate()
            .map(|(i, h)| {
                if is_amount(i) {
                    pdf::Column::amount(h.as_str())
                } else {
                    pdf::Column::text(h.as_str())
                }
            })
            .collect(),
        rows: rows
            .iter()
            .map(|r| pdf::Row::Cells {
                cells: r
                    .iter()
                    .map(|c| match c {
                        Cell::Text(t) => t.clone(),
                        Cell::Amount(m) => pdf::grouped(m),
                        Cell::Empty => String::new(),
                    })
                    .collect(),
                total: false,
            })
            .collect(),
        ..pdf::Document::default()
    }
}

/// A report as a printed page shows it: its sections, each with a heading
/// and a total, then its bottom lines and its notes.
fn report_document(r: &ReportView) -> pdf::Document {
    use crate::ops::reports::ReportBasis;
    let basis = match r.basis {
        ReportBasis::Accrual => "Accrual basis",
        ReportBasis::Cash => "Cash basis",
    };
    let mut subtitle: Vec<String> = r.organisation.iter().cloned().collect();
    subtitle.push(match &r.currency {
        Some(c) => format!("{basis} · amounts in {c}"),
        None => basis.to_owned(),
    });
    let mut columns = vec![pdf::Column::text("Account")];
    columns.extend(
        r.columns
            .iter()
            .map(|c| pdf::Column::amount(c.label.as_str())),
    );
    let line = |row: &ReportRowView, total: bool| pdf::Row::Cells {
        cells: std::iter::once(row.label.clone())
            .chain(
                row.cells
                    .iter()
                    .map(|c| c.amount.as_ref().map(pdf::grouped).unwrap_or_default()),
            )
            .collect(),
        total,
    };
    let mut rows = Vec::new();
    for s in &r.sections {
        rows.push(pdf::Row::Heading(s.title.clone()));
        rows.extend(s.rows.iter().map(|row| line(row, false)));
        rows.extend(s.total.iter().map(|row| line(row, true)));
    }
    rows.extend(r.summary.iter().map(|row| line(row, true)));
    pdf::Document {
        title: r.title.clone(),
        subtitle,
        fields: Vec::new(),
        columns,
        rows,
        notes: r.notes.clone(),
    }
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
    if req.format == ExportFileFormat::Pdf {
        let doc = report_document(&view);
        return save(ctx, &stem, req.format, rows.len(), |path| {
            std::fs::write(path, pdf::render(&doc)).map_err(write_err)
        });
    }
    write_file(ctx, &view.title, &stem, req.format, &header, &rows)
}

/// A record to print: the document whose page `record_detail` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportRecordRequest {
    pub record: RecordDetailRequest,
}

/// The header's totals, printed under the lines rather than among the fields.
const RECORD_TOTALS: [&str; 3] = ["Subtotal", "Tax", "Total"];

fn field_text(v: &FieldValueView) -> String {
    match v {
        FieldValueView::Text { text } => text.clone(),
        FieldValueView::Money { amount, currency } => match currency {
            Some(c) => format!("{} {c}", pdf::grouped(amount)),
            None => pdf::grouped(amount),
        },
        FieldValueView::Date { date } => date.clone(),
        FieldValueView::Instant { at } => at.clone(),
    }
}

/// A record as its printed page shows it: the header's fields, its lines
/// (unit amounts as stored, to 4 places), the totals under them, and the
/// documents linked to it.
fn record_document(r: &RecordDetailView) -> pdf::Document {
    let mut subtitle = Vec::new();
    let status_currency: Vec<&str> = [r.status.as_deref(), r.currency_code.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !status_currency.is_empty() {
        subtitle.push(status_currency.join(" · "));
    }
    // Under the lines when there are lines, else among the fields.
    let fields = r
        .header
        .iter()
        .filter(|f| {
            r.lines.is_empty()
                || !(RECORD_TOTALS.contains(&f.label.as_str())
                    && matches!(f.value, FieldValueView::Money { .. }))
        })
        .map(|f| (f.label.clone(), field_text(&f.value)))
        .collect();
    let money = |m: &Option<Money>| m.as_ref().map(pdf::grouped).unwrap_or_default();
    let has_item = r.lines.iter().any(|l| l.item_code.is_some());
    let mut columns = Vec::new();
    if has_item {
        columns.push(pdf::Column::text("Item"));
    }
    columns.extend([
        pdf::Column::text("Description"),
        pdf::Column::amount("Quantity"),
        pdf::Column::amount("Unit amount"),
        pdf::Column::text("Account"),
        pdf::Column::text("Tax rate"),
        pdf::Column::amount("Tax"),
        pdf::Column::amount("Amount"),
    ]);
    let mut rows: Vec<pdf::Row> = r
        .lines
        .iter()
        .map(|l| {
            let account = match (&l.account_code, &l.account_name) {
                (Some(c), Some(n)) => format!("{c} {n}"),
                (Some(x), None) | (None, Some(x)) => x.clone(),
                (None, None) => String::new(),
            };
            let mut description = l.description.clone().unwrap_or_default();
            for t in &l.tracking {
                description.push_str(&format!(" [{}: {}]", t.category, t.option));
            }
            let mut cells = Vec::new();
            if has_item {
                cells.push(l.item_code.clone().unwrap_or_default());
            }
            cells.extend([
                description,
                l.quantity.clone().unwrap_or_default(),
                money(&l.unit_amount),
                account,
                l.tax_name
                    .clone()
                    .or_else(|| l.tax_type.clone())
                    .unwrap_or_default(),
                money(&l.tax_amount),
                money(&l.line_amount),
            ]);
            pdf::Row::Cells {
                cells,
                total: false,
            }
        })
        .collect();
    let width = columns.len();
    for label in RECORD_TOTALS {
        let Some(FieldValueView::Money { amount, .. }) =
            r.header.iter().find(|f| f.label == label).map(|f| &f.value)
        else {
            continue;
        };
        let mut cells = vec![String::new(); width];
        cells[width - 2] = label.to_owned();
        cells[width - 1] = pdf::grouped(amount);
        rows.push(pdf::Row::Cells { cells, total: true });
    }
    let notes = r
        .links
        .iter()
        .map(|l| {
            let mut parts = vec![format!("{}: {}", l.relation, l.label)];
            parts.extend(l.date.clone());
            if let Some(a) = &l.amount {
                parts.push(match &l.currency_code {
                    Some(c) => format!("{} {c}", pdf::grouped(a)),
                    None => pdf::grouped(a),
                });
            }
            parts.join(", ")
        })
        .collect();
    pdf::Document {
        title: r.title.clone(),
        subtitle,
        fields,
        columns: if r.lines.is_empty() {
            Vec::new()
        } else {
            columns
        },
        rows: if r.lines.is_empty() { Vec::new() } else { rows },
        notes,
    }
}

/// Writes a record's page as a PDF into the exports folder and names it.
#[tracing::instrument(name = "op", skip_all, fields(op = "export_record", request_id = %crate::request_id()))]
pub async fn export_record(
    ctx: &AppContext,
    req: ExportRecordRequest,
) -> Result<ExportedFile, ApiError> {
    let view = record_detail(ctx, req.record).await?;
    let doc = record_document(&view);
    save(
        ctx,
        &file_stem(&view.title),
        ExportFileFormat::Pdf,
        view.lines.len(),
        |path| std::fs::write(path, pdf::render(&doc)).map_err(write_err),
    )
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
    let kind = req
        .filter
        .kind
        .unwrap_or(crate::ops::ledger::DocumentKindDto::BankTransactions)
        .label();
    let mut title = kind.to_owned();
    if let Some(first) = title.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    write_file(ctx, &title, &file_stem(kind), req.format, &header, &rows)
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

    #[test]
    fn cells_that_start_a_formula_are_neutralised_but_numbers_stay_numbers() {
        for risky in [
            r#"=HYPERLINK("http://x","y")"#,
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1:A2)",
            "\tTab",
            "\r=1",
            "-",
            "-1e5",
            "- 12.50",
        ] {
            assert_eq!(spreadsheet_safe(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in [
            "-12.50",
            "+3",
            "1234",
            "0.5",
            "Kōwhai Ltd",
            "",
            "INV-0001",
            "a=b",
        ] {
            assert_eq!(spreadsheet_safe(plain), plain, "{plain:?}");
        }
    }

    fn money(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn a_csv_export_is_inert_and_keeps_negative_amounts_summable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let header = vec!["Reference".to_owned(), "Total".to_owned()];
        let hyperlink = r#"=HYPERLINK("http://x","y")"#;
        let rows = vec![
            vec![
                Cell::Text(hyperlink.to_owned()),
                Cell::Amount(money("-12.50")),
            ],
            vec![Cell::Text("-12.50".to_owned()), Cell::Amount(money("7.25"))],
            vec![Cell::Text("@cmd".to_owned()), Cell::Empty],
        ];
        write_table(&path, "t", ExportFileFormat::Csv, &header, &rows).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // The formula is quoted text with a leading quote mark; the amount a bare number.
        assert_eq!(lines[1], r#""'=HYPERLINK(""http://x"",""y"")",-12.50"#);
        assert_eq!(lines[2], "-12.50,7.25");
        assert_eq!(lines[3], r#""'@cmd","""#);
        let mut r = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(&path)
            .unwrap();
        let read: Vec<Vec<String>> = r
            .records()
            .map(|x| x.unwrap().iter().map(str::to_owned).collect())
            .collect();
        assert_eq!(read[0], vec![format!("'{hyperlink}"), "-12.50".to_owned()]);
        assert!(read.iter().all(|row| !row[0].starts_with(['=', '+', '@'])));
    }

    #[test]
    fn an_excel_export_writes_text_from_xero_as_strings_never_formulas() {
        use std::io::Read;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        let hyperlink = r#"=HYPERLINK("http://x","y")"#;
        let rows = vec![vec![
            Cell::Text(hyperlink.to_owned()),
            Cell::Amount(money("-12.50")),
        ]];
        write_table(
            &path,
            "t",
            ExportFileFormat::Xlsx,
            &["Reference".to_owned(), "Total".to_owned()],
            &rows,
        )
        .unwrap();
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut part = |name: &str| {
            let mut s = String::new();
            zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
            s
        };
        let sheet = part("xl/worksheets/sheet1.xml");
        let shared = part("xl/sharedStrings.xml");
        assert!(!sheet.contains("<f>") && !sheet.contains("<f "), "{sheet}");
        assert!(sheet.contains(r#"<c r="A2" t="s""#), "{sheet}");
        assert!(shared.contains(&format!("<t>{hyperlink}</t>")), "{shared}");
        // The amount is a number cell.
        assert!(sheet.contains("<v>-12.5</v>"), "{sheet}");
    }
}
