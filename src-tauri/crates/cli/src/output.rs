//! How a report reaches the terminal: readable text by default (tables as
//! wide as the terminal, colour only on a terminal that wants it), or the
//! API's view as JSON with `--json` / `--format json`, for scripts.
//!
//! Text never cuts a figure: amounts and counts are right-aligned and kept
//! whole; only text columns are shortened (with `…`) to fit the width.

use std::io::IsTerminal;

use anstyle::{AnsiColor, Style};
use clap::{Args, ValueEnum};
use ledgerkeep_api::ApiError;

use crate::{print_json, print_line};

/// `--format` of the commands that print a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Readable text: summaries and tables.
    Text,
    /// The report as JSON, with the same fields as the API's view.
    Json,
}

/// The `--format text|json` of one command (`--json` is global).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct FormatArg {
    /// text (default) or json (the same as --json).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<OutputFormat>,
}

/// Where and how this run prints.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
    pub color: bool,
    /// Columns of the terminal (a wide default when stdout is not one).
    pub width: usize,
}

/// Used when stdout is no terminal and `COLUMNS` says nothing.
const DEFAULT_WIDTH: usize = 120;
/// A text column is never shortened below this many characters.
const MIN_TEXT: usize = 6;

impl Output {
    /// JSON when asked; colour only when stdout is a terminal and neither
    /// `NO_COLOR` nor `TERM=dumb` says otherwise (anstream's rules).
    pub fn detect(global_json: bool, format: FormatArg) -> Self {
        let json = global_json || format.format == Some(OutputFormat::Json);
        let stdout = std::io::stdout();
        let color = stdout.is_terminal()
            && anstream::AutoStream::choice(&stdout) != anstream::ColorChoice::Never;
        let width = terminal_size::terminal_size()
            .map(|(w, _)| usize::from(w.0))
            .or_else(|| {
                std::env::var("COLUMNS")
                    .ok()
                    .and_then(|c| c.trim().parse().ok())
            })
            .filter(|w| *w >= 20)
            .unwrap_or(DEFAULT_WIDTH);
        Output { json, color, width }
    }

    /// Prints `value` as JSON, or the text `words` makes of it.
    pub fn print<T: serde::Serialize>(
        &self,
        value: &T,
        words: impl FnOnce(&Self) -> String,
    ) -> Result<(), ApiError> {
        if self.json {
            print_json(value)
        } else {
            print_line(words(self).trim_end_matches('\n'))
        }
    }

    pub fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    pub fn good(&self, text: &str) -> String {
        self.paint(AnsiColor::Green.on_default(), text)
    }

    pub fn warn(&self, text: &str) -> String {
        self.paint(AnsiColor::Yellow.on_default(), text)
    }

    pub fn bad(&self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default().bold(), text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }
}

/// How a column's cells sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text: may be shortened to fit.
    Left,
    /// Figures: right-aligned, never cut.
    Right,
}

/// A table of text cells, laid out to a width.
#[derive(Debug, Clone)]
pub struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// `s` cut to `width` characters, its last one `…` when cut.
fn shorten(s: &str, width: usize) -> String {
    if chars(s) <= width {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl Table {
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Table {
            columns: columns.iter().map(|(h, a)| ((*h).to_owned(), *a)).collect(),
            rows: Vec::new(),
        }
    }

    /// One row; line breaks in a cell become spaces.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(
            cells
                .into_iter()
                .map(|c| c.replace(['\n', '\r', '\t'], " "))
                .collect(),
        );
    }

    /// The widths that fit `width`: figures whole, the widest text column
    /// shortened first, down to [`MIN_TEXT`].
    fn widths(&self, width: usize) -> Vec<usize> {
        let mut w: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (h, _))| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|c| chars(c))
                    .chain([chars(h)])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let gaps = 2 * self.columns.len().saturating_sub(1);
        loop {
            let total: usize = w.iter().sum::<usize>() + gaps;
            if total <= width {
                break;
            }
            // One character at a time off the widest: the columns end even.
            let widest = self
                .columns
                .iter()
                .enumerate()
                .filter(|(i, (_, a))| *a == Align::Left && w[*i] > MIN_TEXT)
                .max_by_key(|(i, _)| w[*i])
                .map(|(i, _)| i);
            match widest {
                Some(i) => w[i] -= 1,
                // Nothing left to shorten: the figures stay whole, the line runs long.
                None => break,
            }
        }
        w
    }

    pub fn render(&self, out: &Output) -> String {
        let widths = self.widths(out.width);
        let line = |cells: Vec<String>| -> Vec<String> {
            cells
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    let (w, a) = (widths[i], self.columns[i].1);
                    let c = if a == Align::Left { shorten(&c, w) } else { c };
                    let pad = " ".repeat(w.saturating_sub(chars(&c)));
                    match a {
                        Align::Left => format!("{c}{pad}"),
                        Align::Right => format!("{pad}{c}"),
                    }
                })
                .collect()
        };
        let mut text = String::new();
        let header = line(self.columns.iter().map(|(h, _)| h.clone()).collect());
        let header = header.join("  ");
        text.push_str(&out.bold(header.trim_end()));
        text.push('\n');
        for r in &self.rows {
            let mut cells = r.clone();
            cells.resize(self.columns.len(), String::new());
            text.push_str(line(cells).join("  ").trim_end());
            text.push('\n');
        }
        text
    }
}

/// `label: value` lines, the labels aligned.
pub fn fields(out: &Output, pairs: &[(&str, String)]) -> String {
    let w = pairs.iter().map(|(l, _)| chars(l)).max().unwrap_or(0);
    let mut text = String::new();
    for (l, v) in pairs {
        let label = format!("{l}:{}", " ".repeat(w - chars(l)));
        text.push_str(&format!("{} {v}\n", out.dim(&label)));
    }
    text
}

/// A serde enum's wire name (`"queued"`), for the text.
pub fn word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// An optional cell.
pub fn or_dash(v: Option<&str>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or("-").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(width: usize) -> Output {
        Output {
            json: false,
            color: false,
            width,
        }
    }

    fn table() -> Table {
        let mut t = Table::new(&[
            ("Contact", Align::Left),
            ("Note", Align::Left),
            ("Amount", Align::Right),
        ]);
        t.row(vec![
            "A very long contact name that goes on".to_owned(),
            "short".to_owned(),
            "98765432109876.54".to_owned(),
        ]);
        t
    }

    #[test]
    fn a_narrow_terminal_shortens_text_and_keeps_amounts_whole() {
        let text = table().render(&plain(40));
        for l in text.lines() {
            assert!(l.chars().count() <= 40, "{l:?}");
        }
        assert!(text.contains("98765432109876.54"), "{text}");
        assert!(text.contains('…'), "{text}");
        assert!(!text.contains("goes on"), "{text}");
    }

    #[test]
    fn a_wide_terminal_shows_every_cell_whole_and_amounts_right_aligned() {
        let text = table().render(&plain(200));
        assert!(
            text.contains("A very long contact name that goes on"),
            "{text}"
        );
        let lines: Vec<&str> = text.lines().collect();
        // The amount ends where its header ends.
        assert_eq!(lines[0].chars().count(), lines[1].chars().count());
        assert!(lines[0].ends_with("Amount") && lines[1].ends_with("98765432109876.54"));
    }

    #[test]
    fn colour_only_when_asked() {
        let mut out = plain(80);
        assert_eq!(out.bad("FAILED"), "FAILED");
        out.color = true;
        assert!(out.bad("FAILED").contains('\u{1b}'));
    }
}
