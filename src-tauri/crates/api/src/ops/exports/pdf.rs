//! PDF exports: a table with its title, laid out on A4 pages (the method is
//! in docs/design/pdf.md).
//!
//! - The text is set in DejaVu Sans and DejaVu Sans Bold, embedded and cut
//!   down to the glyphs the PDF shows ([`font`]): Latin with every accent
//!   and macron (`Kōwhai`, `Łódź`), Greek and Cyrillic print as typed, and
//!   the text can be copied and searched (each glyph's character is in the
//!   PDF). A character the fonts lack is written as its base letter when
//!   that is in them, else as `?`, and then a note under the table says so
//!   (Japanese names need a font of megabytes; the CSV and Excel files keep
//!   every character).
//! - Every amount is its exact decimal text, grouped in thousands
//!   (`-1,234.5678`, [`grouped`]): nothing is rounded, and no amount passes
//!   through a float.
//! - The layout is integer arithmetic in thousandths of a point; each page is
//!   drawn scaled by 1/1000, so the only floats are the page's fixed size and
//!   that scale.
//! - A4 portrait when the table fits across it at 9 pt, else A4 landscape; the
//!   text is the largest size from 9 pt down to 6 pt at which the table fits.
//! - Every page repeats the title lines and the table's heading and ends with
//!   "Page n of N". A long text wraps in its column (three lines at most, the
//!   last shortened with an ellipsis); a row is never split across pages, and
//!   a section's heading is never the last line of a page.

use std::collections::BTreeMap;

use ledgerkeep_domain::Money;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use unicode_normalization::UnicodeNormalization;

mod font;

/// A length in thousandths of a point.
type Mpt = i64;

const PT: Mpt = 1000;
const MARGIN: Mpt = 36 * PT;
/// The space between two columns' text.
const GAP: Mpt = 8 * PT;
const MAX_FONT: Mpt = 9 * PT;
const MIN_FONT: Mpt = 6 * PT;
const FONT_STEP: Mpt = PT / 2;
const TITLE_FONT: Mpt = 14 * PT;
const SUBTITLE_FONT: Mpt = 9 * PT;
const SMALL_FONT: Mpt = 8 * PT;
/// The narrowest a text column is ever made (its text shortened with an ellipsis).
const MIN_TEXT_COLUMN: Mpt = 60 * PT;
/// A text column's text is kept whole up to this width, the text made smaller
/// (down to [`KEEP_TEXT_FONT`]) before it is shortened.
const WHOLE_TEXT_COLUMN: Mpt = 150 * PT;
const KEEP_TEXT_FONT: Mpt = 7 * PT;

/// A4, in points, as the page's media box (floats only here).
const A4_PORTRAIT: (f32, f32) = (595.276, 841.89);
const A4_LANDSCAPE: (f32, f32) = (841.89, 595.276);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Orientation {
    Portrait,
    Landscape,
}

impl Orientation {
    /// Width and height in thousandths of a point.
    fn size(self) -> (Mpt, Mpt) {
        match self {
            Orientation::Portrait => (595_276, 841_890),
            Orientation::Landscape => (841_890, 595_276),
        }
    }

    fn media_box(self) -> Rect {
        let (w, h) = match self {
            Orientation::Portrait => A4_PORTRAIT,
            Orientation::Landscape => A4_LANDSCAPE,
        };
        Rect::new(0.0, 0.0, w, h)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Face {
    Regular,
    Bold,
}

impl Face {
    const BOTH: [Face; 2] = [Face::Regular, Face::Bold];

    fn font(self) -> Option<&'static font::Font> {
        match self {
            Face::Regular => font::regular(),
            Face::Bold => font::bold(),
        }
    }

    fn index(self) -> usize {
        match self {
            Face::Regular => 0,
            Face::Bold => 1,
        }
    }

    fn resource(self) -> Name<'static> {
        match self {
            Face::Regular => Name(b"F1"),
            Face::Bold => Name(b"F2"),
        }
    }
}

/// A column of the table: its heading, and how its cells are aligned
/// (amounts to the right).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    pub label: String,
    pub align: Align,
}

impl Column {
    pub fn text(label: impl Into<String>) -> Self {
        Column {
            label: label.into(),
            align: Align::Left,
        }
    }

    pub fn amount(label: impl Into<String>) -> Self {
        Column {
            label: label.into(),
            align: Align::Right,
        }
    }
}

/// A line of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Row {
    /// A heading across the table (a report's section), kept with the row after it.
    Heading(String),
    /// One cell per column; a total is bold, under a rule.
    Cells { cells: Vec<String>, total: bool },
}

/// What a PDF export shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Document {
    pub title: String,
    /// Lines under the title, on every page (the organisation, the basis).
    pub subtitle: Vec<String>,
    /// Labelled values before the table, on the first page (a record's header).
    pub fields: Vec<(String, String)>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// Paragraphs after the table.
    pub notes: Vec<String>,
}

/// An amount's exact decimal text, its whole part grouped in thousands with
/// commas: `-1234567.8900` is `-1,234,567.8900`.
pub(crate) fn grouped(m: &Money) -> String {
    let text = m.to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let mut out = String::with_capacity(text.len() + whole.len() / 3);
    out.push_str(sign);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = fraction {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// Windows-1252's codes 0x80 to 0x9F (`\0` where it has none).
/// Text as the layout handles it: characters both faces can show.
type Glyphs = Vec<char>;

const ELLIPSIS: char = '…';

/// Whether both faces have a glyph for `c`.
fn shown(c: char) -> bool {
    Face::BOTH
        .iter()
        .all(|f| f.font().is_some_and(|f| f.glyph(c).is_some()))
}

/// Latin letters with no decomposition to a base letter, and their base letter.
const LATIN_BASE: [(char, char); 12] = [
    ('Ł', 'L'),
    ('ł', 'l'),
    ('Đ', 'D'),
    ('đ', 'd'),
    ('Ħ', 'H'),
    ('ħ', 'h'),
    ('ı', 'i'),
    ('Ŧ', 'T'),
    ('ŧ', 't'),
    ('Ŀ', 'L'),
    ('ŀ', 'l'),
    ('ƒ', 'f'),
];

/// A character as the fonts show it: a control character becomes a space,
/// one the fonts lack its base letter (`ā` → `a`) when they have that;
/// `None` when they have neither.
fn encode_char(c: char) -> Option<char> {
    if c.is_control() {
        return Some(' ');
    }
    [Some(c), c.nfd().next()]
        .into_iter()
        .flatten()
        .chain(LATIN_BASE.iter().filter(|(l, _)| *l == c).map(|(_, b)| *b))
        .find(|&c| shown(c))
}

/// Text as the fonts show it ([`encode_char`], after composing accents with
/// their letters), `?` for a character they cannot show.
fn encode(s: &str) -> Glyphs {
    s.nfc().map(|c| encode_char(c).unwrap_or('?')).collect()
}

/// Whether `s` has a character the fonts cannot show.
fn lossy(s: &str) -> bool {
    s.nfc().any(|c| encode_char(c).is_none())
}

/// Whether any text of `doc` has a character the fonts cannot show.
fn document_lossy(doc: &Document) -> bool {
    let rows = doc.rows.iter().any(|r| match r {
        Row::Heading(t) => lossy(t),
        Row::Cells { cells, .. } => cells.iter().any(|c| lossy(c)),
    });
    rows || lossy(&doc.title)
        || doc.subtitle.iter().any(|s| lossy(s))
        || doc.fields.iter().any(|(l, v)| lossy(l) || lossy(v))
        || doc.columns.iter().any(|c| lossy(&c.label))
        || doc.notes.iter().any(|n| lossy(n))
}

/// The note under a document with characters the fonts cannot show.
pub(crate) const LOSSY_NOTE: &str = "Characters that this PDF's fonts cannot show (such as \
    Japanese or Chinese characters, or emoji) are printed as ?. The CSV and Excel exports keep every character.";

/// How wide `text` (encoded) is in `face` at `size`.
fn width(text: &[char], face: Face, size: Mpt) -> Mpt {
    let Some(font) = face.font() else {
        return 0;
    };
    let units: Mpt = text.iter().map(|&c| font.advance(c)).sum();
    units * size / font.upem.max(1)
}

/// `text` shortened with an ellipsis to fit `room`.
fn fit(text: &[char], face: Face, size: Mpt, room: Mpt) -> Glyphs {
    if width(text, face, size) <= room {
        return text.to_vec();
    }
    let mut out = text.to_vec();
    let ellipsis = width(&[ELLIPSIS], face, size);
    while !out.is_empty() && width(&out, face, size) + ellipsis > room {
        out.pop();
    }
    while out.last() == Some(&' ') {
        out.pop();
    }
    out.push(ELLIPSIS);
    out
}

/// `text` broken at spaces into lines that fit `room`; a word wider than the
/// room is cut to fit.
fn wrap(text: &[char], face: Face, size: Mpt, room: Mpt) -> Vec<Glyphs> {
    let mut lines: Vec<Glyphs> = Vec::new();
    let mut line: Glyphs = Vec::new();
    for word in text.split(|&c| c == ' ').filter(|w| !w.is_empty()) {
        let mut candidate = line.clone();
        if !candidate.is_empty() {
            candidate.push(' ');
        }
        candidate.extend_from_slice(word);
        if width(&candidate, face, size) <= room || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::take(&mut line));
            line = word.to_vec();
        }
        if width(&line, face, size) > room {
            lines.push(fit(&line, face, size, room));
            line.clear();
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The most lines a cell of text takes; the last of them is shortened.
const MAX_CELL_LINES: usize = 3;

/// A cell's text in lines that fit `room`, at most [`MAX_CELL_LINES`].
fn wrap_cell(text: &[char], face: Face, size: Mpt, room: Mpt) -> Vec<Glyphs> {
    let mut lines = wrap(text, face, size, room);
    if lines.len() > MAX_CELL_LINES {
        let rest = lines.split_off(MAX_CELL_LINES - 1).join(&' ');
        lines.push(fit(&rest, face, size, room));
    }
    lines
}

/// The widest word of `text`.
fn widest_word(text: &[char], face: Face, size: Mpt) -> Mpt {
    text.split(|&c| c == ' ')
        .map(|w| width(w, face, size))
        .max()
        .unwrap_or(0)
}

/// The table's columns at one text size: their widths (text only, the gaps
/// apart) and headings.
#[derive(Debug)]
struct Table {
    font: Mpt,
    orientation: Orientation,
    widths: Vec<Mpt>,
    /// Each column's heading, in lines.
    headings: Vec<Vec<Glyphs>>,
}

/// Each column's (least, natural) width at `font`.
fn column_bounds(doc: &Document, cells: &[Vec<Glyphs>], font: Mpt) -> Vec<(Mpt, Mpt)> {
    doc.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let heading = encode(&c.label);
            let widest_cell = doc
                .rows
                .iter()
                .zip(cells)
                .filter_map(|(r, cs)| match r {
                    Row::Cells { total, .. } => cs.get(i).map(|t| {
                        let face = if *total { Face::Bold } else { Face::Regular };
                        width(t, face, font)
                    }),
                    Row::Heading(_) => None,
                })
                .max()
                .unwrap_or(0);
            let natural = widest_cell.max(width(&heading, Face::Bold, font));
            let word = widest_word(&heading, Face::Bold, font);
            let least = match c.align {
                // An amount is never shortened; its heading wraps.
                Align::Right => widest_cell.max(word),
                Align::Left => natural.min(MIN_TEXT_COLUMN.max(word)),
            };
            (least, natural)
        })
        .collect()
}

/// Shares `extra` among columns toward their natural widths, evenly, a
/// column taking no more than it lacks.
fn share(widths: &mut [Mpt], natural: &[Mpt], which: &[usize], extra: &mut Mpt) {
    loop {
        let wanting: Vec<usize> = which
            .iter()
            .copied()
            .filter(|&i| widths[i] < natural[i])
            .collect();
        let Ok(n) = Mpt::try_from(wanting.len()) else {
            return;
        };
        if n == 0 || *extra < n {
            return;
        }
        let each = *extra / n;
        for i in wanting {
            let take = each.min(natural[i] - widths[i]);
            widths[i] += take;
            *extra -= take;
        }
    }
}

/// The page and text size the table fits, and its columns' widths.
fn layout(doc: &Document, cells: &[Vec<Glyphs>]) -> Table {
    let gaps = GAP * Mpt::try_from(doc.columns.len().saturating_sub(1)).unwrap_or(0);
    let usable = |o: Orientation| o.size().0 - 2 * MARGIN - gaps;
    let least_sum =
        |font: Mpt| -> Mpt { column_bounds(doc, cells, font).iter().map(|b| b.0).sum() };
    // Amounts whole and text columns whole up to WHOLE_TEXT_COLUMN.
    let wanted_sum = |font: Mpt| -> Mpt {
        column_bounds(doc, cells, font)
            .iter()
            .zip(&doc.columns)
            .map(|(&(least, natural), c)| match c.align {
                Align::Right => least,
                Align::Left => least.max(natural.min(WHOLE_TEXT_COLUMN)),
            })
            .sum()
    };
    let orientation = if wanted_sum(MAX_FONT) <= usable(Orientation::Portrait) {
        Orientation::Portrait
    } else {
        Orientation::Landscape
    };
    let room = usable(orientation);
    let sizes = || (0..).map(|k| MAX_FONT - k * FONT_STEP);
    let font = sizes()
        .take_while(|&f| f >= KEEP_TEXT_FONT)
        .find(|&f| wanted_sum(f) <= room)
        .or_else(|| {
            sizes()
                .take_while(|&f| f >= MIN_FONT)
                .find(|&f| least_sum(f) <= room)
        })
        .unwrap_or(MIN_FONT);
    let bounds = column_bounds(doc, cells, font);
    let mut widths: Vec<Mpt> = bounds.iter().map(|b| b.0).collect();
    let natural: Vec<Mpt> = bounds.iter().map(|b| b.1).collect();
    let mut extra = (room - widths.iter().sum::<Mpt>()).max(0);
    // Text whole up to WHOLE_TEXT_COLUMN first, then amount headings on one
    // line, then text columns toward their full width.
    let by_align = |a: Align| -> Vec<usize> {
        (0..doc.columns.len())
            .filter(|&i| doc.columns[i].align == a)
            .collect()
    };
    let text_whole: Vec<Mpt> = natural.iter().map(|&n| n.min(WHOLE_TEXT_COLUMN)).collect();
    share(&mut widths, &text_whole, &by_align(Align::Left), &mut extra);
    share(&mut widths, &natural, &by_align(Align::Right), &mut extra);
    share(&mut widths, &natural, &by_align(Align::Left), &mut extra);
    // What is left widens the widest text column (else the first), so the
    // amounts sit at the right margin.
    let widest_text = by_align(Align::Left)
        .into_iter()
        .max_by_key(|&i| (natural[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if let Some(w) = widths.get_mut(widest_text) {
        *w += extra;
    }
    let headings = doc
        .columns
        .iter()
        .zip(&widths)
        .map(|(c, &w)| wrap(&encode(&c.label), Face::Bold, font, w))
        .collect();
    Table {
        font,
        orientation,
        widths,
        headings,
    }
}

/// A mark on a page; `y` is a baseline (or a rule's height) measured down from the page's top.
#[derive(Debug)]
enum Mark {
    Text {
        x: Mpt,
        y: Mpt,
        face: Face,
        size: Mpt,
        text: Glyphs,
    },
    Rule {
        x0: Mpt,
        x1: Mpt,
        y: Mpt,
        thickness: Mpt,
    },
}

/// Fills pages top to bottom, starting a page (with the repeated headings) when one is full.
struct Pager<'a> {
    doc: &'a Document,
    table: &'a Table,
    pages: Vec<Vec<Mark>>,
    y: Mpt,
    /// Whether the page being filled shows the table's heading.
    in_table: bool,
}

impl Pager<'_> {
    fn page_height(&self) -> Mpt {
        self.table.orientation.size().1
    }

    fn page_width(&self) -> Mpt {
        self.table.orientation.size().0
    }

    fn bottom(&self) -> Mpt {
        self.page_height() - MARGIN
    }

    fn line_height(&self) -> Mpt {
        self.table.font * 3 / 2
    }

    fn text(&mut self, x: Mpt, y: Mpt, face: Face, size: Mpt, text: Glyphs) {
        if let Some(page) = self.pages.last_mut() {
            page.push(Mark::Text {
                x,
                y,
                face,
                size,
                text,
            });
        }
    }

    fn rule(&mut self, y: Mpt, thickness: Mpt) {
        let x1 = self.page_width() - MARGIN;
        if let Some(page) = self.pages.last_mut() {
            page.push(Mark::Rule {
                x0: MARGIN,
                x1,
                y,
                thickness,
            });
        }
    }

    /// A new page: the title, the subtitle lines and, in the table, its heading.
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        let room = self.page_width() - 2 * MARGIN;
        self.y = MARGIN + TITLE_FONT;
        let title = fit(&encode(&self.doc.title), Face::Bold, TITLE_FONT, room);
        self.text(MARGIN, self.y, Face::Bold, TITLE_FONT, title);
        self.y += TITLE_FONT / 2;
        for line in &self.doc.subtitle {
            self.y += SUBTITLE_FONT * 3 / 2;
            let text = fit(&encode(line), Face::Regular, SUBTITLE_FONT, room);
            self.text(MARGIN, self.y, Face::Regular, SUBTITLE_FONT, text);
        }
        self.y += SUBTITLE_FONT;
        if self.in_table {
            self.table_heading();
        }
    }

    fn table_heading(&mut self) {
        let font = self.table.font;
        let lines = self.table.headings.iter().map(Vec::len).max().unwrap_or(1);
        let top = self.y;
        let mut x = MARGIN;
        for ((col, heading), &w) in self
            .doc
            .columns
            .iter()
            .zip(&self.table.headings)
            .zip(&self.table.widths)
        {
            // Headings sit on the rule: a short one on the last line.
            let skip = Mpt::try_from(lines - heading.len()).unwrap_or(0);
            for (k, line) in heading.iter().enumerate() {
                let k = Mpt::try_from(k).unwrap_or(0);
                let y = top + (skip + k + 1) * self.line_height();
                let lx = match col.align {
                    Align::Left => x,
                    Align::Right => x + w - width(line, Face::Bold, font),
                };
                self.text(lx, y, Face::Bold, font, line.clone());
            }
            x += w + GAP;
        }
        self.y = top + Mpt::try_from(lines).unwrap_or(1) * self.line_height() + font / 3;
        self.rule(self.y, 750);
        self.y += font / 4;
    }

    /// Room for `lines` more lines on this page, else a new page.
    fn ensure(&mut self, lines: Mpt) {
        if self.y + lines * self.line_height() > self.bottom() {
            self.new_page();
        }
    }

    fn fields(&mut self) {
        if self.doc.fields.is_empty() {
            return;
        }
        let font = SUBTITLE_FONT;
        let room = self.page_width() - 2 * MARGIN;
        let label_width = self
            .doc
            .fields
            .iter()
            .map(|(l, _)| width(&encode(l), Face::Bold, font))
            .max()
            .unwrap_or(0)
            .min(room / 3);
        let value_x = MARGIN + label_width + GAP;
        for (label, value) in &self.doc.fields {
            let lines = wrap(
                &encode(value),
                Face::Regular,
                font,
                room - label_width - GAP,
            );
            self.ensure(Mpt::try_from(lines.len()).unwrap_or(1));
            let label = fit(&encode(label), Face::Bold, font, label_width);
            self.y += font * 3 / 2;
            self.text(MARGIN, self.y, Face::Bold, font, label);
            for (k, line) in lines.into_iter().enumerate() {
                if k > 0 {
                    self.y += font * 3 / 2;
                }
                self.text(value_x, self.y, Face::Regular, font, line);
            }
        }
        self.y += font;
    }

    fn rows(&mut self, cells: &[Vec<Glyphs>]) {
        let font = self.table.font;
        let rows = &self.doc.rows;
        let mut after_total = false;
        for (i, (row, texts)) in rows.iter().zip(cells).enumerate() {
            match row {
                Row::Heading(title) => {
                    after_total = false;
                    // Kept with the row after it.
                    let with_next = if i + 1 < rows.len() { 2 } else { 1 };
                    self.ensure(with_next);
                    self.y += self.line_height() + font / 3;
                    let room = self.page_width() - 2 * MARGIN;
                    let text = fit(&encode(title), Face::Bold, font, room);
                    self.text(MARGIN, self.y, Face::Bold, font, text);
                }
                Row::Cells { total, .. } => {
                    let face = if *total { Face::Bold } else { Face::Regular };
                    // Text wraps in its column (amounts stay on the row's first line).
                    let cells: Vec<Vec<Glyphs>> = self
                        .doc
                        .columns
                        .iter()
                        .zip(texts)
                        .zip(&self.table.widths)
                        .map(|((col, text), &w)| match col.align {
                            Align::Left => wrap_cell(text, face, font, w),
                            Align::Right => vec![fit(text, face, font, w)],
                        })
                        .collect();
                    let lines = cells.iter().map(Vec::len).max().unwrap_or(1);
                    self.ensure(Mpt::try_from(lines).unwrap_or(1));
                    // A rule above the first of a run of totals.
                    if *total && !after_total {
                        self.rule(self.y + font / 3, 400);
                    }
                    after_total = *total;
                    self.y += self.line_height();
                    let mut x = MARGIN;
                    for ((col, cell), &w) in
                        self.doc.columns.iter().zip(cells).zip(&self.table.widths)
                    {
                        let mut y = self.y;
                        for text in cell {
                            let tx = match col.align {
                                Align::Left => x,
                                Align::Right => x + w - width(&text, face, font),
                            };
                            self.text(tx, y, face, font, text);
                            y += self.line_height();
                        }
                        x += w + GAP;
                    }
                    let more = Mpt::try_from(lines.saturating_sub(1)).unwrap_or(0);
                    self.y += more * self.line_height();
                }
            }
        }
    }

    fn notes(&mut self) {
        if self.doc.notes.is_empty() {
            return;
        }
        self.in_table = false;
        let font = SMALL_FONT;
        let room = self.page_width() - 2 * MARGIN;
        self.y += font;
        for note in &self.doc.notes {
            for line in wrap(&encode(note), Face::Regular, font, room) {
                if self.y + font * 3 / 2 > self.bottom() {
                    self.new_page();
                }
                self.y += font * 3 / 2;
                self.text(MARGIN, self.y, Face::Regular, font, line);
            }
            self.y += font / 2;
        }
    }

    /// Each page's footer: the title on the left, "Page n of N" on the right.
    fn footers(&mut self) {
        let count = self.pages.len();
        let (w, h) = self.table.orientation.size();
        let title = fit(
            &encode(&self.doc.title),
            Face::Regular,
            SMALL_FONT,
            (w - 2 * MARGIN) / 2,
        );
        for (n, page) in self.pages.iter_mut().enumerate() {
            let label = encode(&format!("Page {} of {count}", n + 1));
            let y = h - MARGIN / 2;
            page.push(Mark::Text {
                x: w - MARGIN - width(&label, Face::Regular, SMALL_FONT),
                y,
                face: Face::Regular,
                size: SMALL_FONT,
                text: label,
            });
            page.push(Mark::Text {
                x: MARGIN,
                y,
                face: Face::Regular,
                size: SMALL_FONT,
                text: title.clone(),
            });
        }
    }
}

/// The document as the bytes of a PDF file.
pub(crate) fn render(doc: &Document) -> Vec<u8> {
    if document_lossy(doc) {
        let mut noted = doc.clone();
        noted.notes.push(LOSSY_NOTE.to_owned());
        return render_as_is(&noted);
    }
    render_as_is(doc)
}

fn render_as_is(doc: &Document) -> Vec<u8> {
    let (orientation, pages) = pages_of(doc);
    write_pdf(doc, orientation, &pages)
}

/// The document laid out: its orientation and each page's marks.
fn pages_of(doc: &Document) -> (Orientation, Vec<Vec<Mark>>) {
    let cells: Vec<Vec<Glyphs>> = doc
        .rows
        .iter()
        .map(|r| match r {
            Row::Cells { cells, .. } => cells.iter().map(|c| encode(c)).collect(),
            Row::Heading(_) => Vec::new(),
        })
        .collect();
    let table = layout(doc, &cells);
    let mut pager = Pager {
        doc,
        table: &table,
        pages: Vec::new(),
        y: 0,
        in_table: false,
    };
    pager.new_page();
    pager.fields();
    if !doc.columns.is_empty() {
        pager.in_table = true;
        // The heading and two rows, or a new page (which draws the heading).
        let heading =
            Mpt::try_from(table.headings.iter().map(Vec::len).max().unwrap_or(1)).unwrap_or(1);
        if pager.y + (heading + 2) * pager.line_height() > pager.bottom() {
            pager.new_page();
        } else {
            pager.table_heading();
        }
        pager.rows(&cells);
    }
    pager.notes();
    pager.footers();
    (table.orientation, pager.pages)
}

/// Mpt as a coordinate on a page drawn at 1/1000 scale (exact below 2^24).
#[allow(clippy::cast_precision_loss)]
fn coord(v: Mpt) -> f32 {
    v as f32
}

/// A width in thousandths of an em, as a PDF number.
#[allow(clippy::cast_precision_loss)]
fn em(v: i64) -> f32 {
    v as f32
}

/// The embedded fonts' character collection: glyph ids as CIDs.
const IDENTITY: SystemInfo = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

/// Writes `face` as a Type 0 font at `id`, cut down to `used` (glyph →
/// character); the new id of each glyph is in the answer.
fn write_font(
    pdf: &mut Pdf,
    id: Ref,
    face: Face,
    used: &BTreeMap<u16, char>,
    fresh: &mut impl FnMut() -> Ref,
) -> Option<font::Subset> {
    let font = face.font()?;
    let subset = font.subset(used);
    let name = format!("{}+{}", subset.tag(), font.name);
    let name = Name(name.as_bytes());
    let (cid_id, descriptor_id, file_id, cmap_id) = (fresh(), fresh(), fresh(), fresh());
    pdf.type0_font(id)
        .base_font(name)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);
    let mut cid = pdf.cid_font(cid_id);
    cid.subtype(CidFontType::Type2)
        .base_font(name)
        .system_info(IDENTITY)
        .font_descriptor(descriptor_id)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    {
        let mut widths = cid.widths();
        for g in &subset.glyphs {
            widths.consecutive(g.id, [em(g.width)]);
        }
    }
    cid.finish();
    let m = font.metrics();
    pdf.font_descriptor(descriptor_id)
        .name(name)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            em(m.bbox[0]),
            em(m.bbox[1]),
            em(m.bbox[2]),
            em(m.bbox[3]),
        ))
        .italic_angle(0.0)
        .ascent(em(m.ascent))
        .descent(em(m.descent))
        .cap_height(em(m.cap_height))
        .stem_v(if face == Face::Bold { 120.0 } else { 80.0 })
        .font_file2(file_id);
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(&subset.file, 6);
    pdf.stream(file_id, &packed)
        .filter(Filter::FlateDecode)
        .pair(
            Name(b"Length1"),
            i32::try_from(subset.file.len()).unwrap_or(i32::MAX),
        );
    // Each glyph's character, so that the text can be copied and searched.
    let mut cmap = UnicodeCmap::new(Name(b"Custom"), IDENTITY);
    for g in &subset.glyphs {
        cmap.pair(g.id, g.character);
    }
    pdf.cmap(cmap_id, &cmap.finish());
    Some(subset)
}

fn write_pdf(doc: &Document, orientation: Orientation, pages: &[Vec<Mark>]) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let fonts = [Ref::new(3), Ref::new(4)];
    let info = Ref::new(5);
    let mut next = 6;
    let mut fresh = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    pdf.catalog(catalog).pages(tree);
    // The glyphs each face shows, and the character each stands for.
    let mut used: [BTreeMap<u16, char>; 2] = [BTreeMap::new(), BTreeMap::new()];
    for mark in pages.iter().flatten() {
        if let Mark::Text { face, text, .. } = mark {
            if let Some(font) = face.font() {
                for &c in text {
                    if let Some(g) = font.glyph(c) {
                        used[face.index()].entry(g).or_insert(c);
                    }
                }
            }
        }
    }
    let subsets = Face::BOTH.map(|face| {
        write_font(
            &mut pdf,
            fonts[face.index()],
            face,
            &used[face.index()],
            &mut fresh,
        )
    });
    let height = orientation.size().1;
    let mut kids = Vec::with_capacity(pages.len());
    for marks in pages {
        let page_id = fresh();
        let content_id = fresh();
        kids.push(page_id);
        let mut page = pdf.page(page_id);
        page.media_box(orientation.media_box())
            .parent(tree)
            .contents(content_id);
        page.resources()
            .fonts()
            .pair(Face::Regular.resource(), fonts[0])
            .pair(Face::Bold.resource(), fonts[1]);
        page.finish();
        let mut content = Content::new();
        // Black on white, in thousandths of a point.
        content.transform([0.001, 0.0, 0.0, 0.001, 0.0, 0.0]);
        content.set_fill_gray(0.0).set_stroke_gray(0.0);
        for mark in marks {
            match mark {
                Mark::Text {
                    x,
                    y,
                    face,
                    size,
                    text,
                } => {
                    // Two bytes a glyph: its id in the embedded font.
                    let (font, subset) = (face.font(), &subsets[face.index()]);
                    let codes: Vec<u8> = text
                        .iter()
                        .map(|&c| {
                            let old = font.and_then(|f| f.glyph(c)).unwrap_or(0);
                            subset.as_ref().map_or(0, |s| s.id_of(old))
                        })
                        .flat_map(u16::to_be_bytes)
                        .collect();
                    content
                        .begin_text()
                        .set_font(face.resource(), coord(*size))
                        .next_line(coord(*x), coord(height - y))
                        .show(Str(&codes))
                        .end_text();
                }
                Mark::Rule {
                    x0,
                    x1,
                    y,
                    thickness,
                } => {
                    content
                        .set_line_width(coord(*thickness))
                        .move_to(coord(*x0), coord(height - y))
                        .line_to(coord(*x1), coord(height - y))
                        .stroke();
                }
            }
        }
        let data = content.finish();
        pdf.stream(content_id, &data);
    }
    let count = i32::try_from(kids.len()).unwrap_or(i32::MAX);
    pdf.pages(tree).kids(kids).count(count);
    pdf.document_info(info)
        .title(TextStr(&doc.title))
        .creator(TextStr("Ledgerkeep"))
        .producer(TextStr("Ledgerkeep"));
    pdf.finish()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn amounts_keep_every_digit_and_group_thousands() {
        let g = |s: &str| grouped(&Money::parse(s).unwrap());
        assert_eq!(g("0"), "0");
        assert_eq!(g("-12.50"), "-12.50");
        assert_eq!(g("1234.5678"), "1,234.5678");
        assert_eq!(g("-123456.00"), "-123,456.00");
        assert_eq!(g("98765432109876.54"), "98,765,432,109,876.54");
        assert_eq!(g("100"), "100");
        assert_eq!(g("1000"), "1,000");
    }

    fn text(s: &str) -> String {
        encode(s).into_iter().collect()
    }

    /// Each page's texts, in the order drawn.
    fn page_texts(doc: &Document) -> Vec<Vec<String>> {
        pages_of(doc)
            .1
            .iter()
            .map(|marks| {
                marks
                    .iter()
                    .filter_map(|m| match m {
                        Mark::Text { text, .. } => Some(text.iter().collect()),
                        Mark::Rule { .. } => None,
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn latin_greek_and_cyrillic_print_as_typed_and_the_rest_as_base_letters_or_marks() {
        for typed in [
            "Café €5 – ok",
            "Kōwhai Māori Kererū",
            "Łódź Zoë's Ñandú",
            "Χαρά Привет",
        ] {
            assert_eq!(text(typed), typed);
            assert!(!lossy(typed), "{typed}");
        }
        // An accent typed apart from its letter is composed with it.
        assert_eq!(text("Ko\u{304}whai"), "Kōwhai");
        assert_eq!(text("a\tb\nc"), "a b c");
        assert_eq!(text("日本"), "??");
        assert!(lossy("さくら商事") && lossy("Receipt 🧾"));
    }

    #[test]
    fn both_faces_are_built_in_and_readable() {
        for face in Face::BOTH {
            let font = face.font().unwrap();
            assert!(
                font.glyph('ō').is_some() && font.glyph('Ж').is_some(),
                "{font:?}"
            );
            assert!(font.glyph('日').is_none());
        }
    }

    #[test]
    fn a_document_with_characters_the_fonts_lack_says_so() {
        let mut doc = table(1, 3);
        let plain = page_texts(&doc).concat();
        assert!(!plain.iter().any(|t| t.starts_with("Characters that")));
        doc.rows.push(Row::Cells {
            cells: vec!["さくら Trading".into(), "1.00".into()],
            total: false,
        });
        let mut noted = doc.clone();
        noted.notes.push(LOSSY_NOTE.to_owned());
        let texts = page_texts(&noted).concat();
        assert!(texts.iter().any(|t| t == "??? Trading"), "{texts:?}");
        assert!(texts.iter().any(|t| t.starts_with("Characters that")));
        // `render` adds the note itself: its file is the noted document's.
        assert_eq!(render(&doc), render_as_is(&noted));
        assert_ne!(render(&doc), render_as_is(&doc));
    }

    #[test]
    fn the_fonts_are_embedded_cut_down_to_the_glyphs_shown() {
        let pdf = render(&table(2, 5));
        let raw = String::from_utf8_lossy(&pdf);
        assert_eq!(raw.matches("/FontFile2").count(), 2, "both faces embedded");
        assert_eq!(raw.matches("/ToUnicode").count(), 2);
        assert!(raw.contains("+DejaVuSans-Bold"));
        // A few dozen glyphs, not the whole faces (over 1.4 MB).
        assert!(pdf.len() < 60_000, "{} bytes", pdf.len());
    }

    /// What a PDF reader reads back (poppler's `pdftotext`, which the test
    /// command installs).
    fn read_back(pdf: &[u8]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.pdf");
        std::fs::write(&path, pdf).unwrap();
        let out = std::process::Command::new("pdftotext")
            .args(["-layout", path.to_str().unwrap(), "-"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn a_reader_reads_back_every_name_as_typed() {
        let mut doc = table(1, 2);
        doc.subtitle = vec!["Kōwhai Plumbing Ltd".into()];
        for name in [
            "Māori Kererū Café",
            "Łódź Zoë Ñandú",
            "Χαρά Привет",
            "さくら Trading",
        ] {
            doc.rows.push(Row::Cells {
                cells: vec![name.into(), "-1,234.56".into()],
                total: false,
            });
        }
        let text = read_back(&render(&doc));
        for typed in [
            "Kōwhai Plumbing Ltd",
            "Māori Kererū Café",
            "Łódź Zoë Ñandú",
            "Χαρά Привет",
            "??? Trading",
            "-1,234.56",
        ] {
            assert!(text.contains(typed), "{typed}: {text}");
        }
        assert!(text.contains("Characters that"), "{text}");
    }

    #[test]
    fn widths_follow_the_fonts_metrics_and_long_text_is_shortened() {
        // Every digit is as wide as the others, so amounts line up.
        let zero = width(&['0'], Face::Regular, 10 * PT);
        assert!(zero > 0);
        for d in '1'..='9' {
            assert_eq!(width(&[d], Face::Regular, 10 * PT), zero, "{d}");
        }
        let font = Face::Regular.font().unwrap();
        assert_eq!(
            width(&encode("0123456789"), Face::Regular, 10 * PT),
            10 * font.advance('0') * 10 * PT / font.upem
        );
        assert!(width(&['W'], Face::Bold, PT) > width(&['i'], Face::Bold, PT));
        let long = encode("A very long account name that will not fit");
        let short = fit(&long, Face::Regular, MAX_FONT, 60 * PT);
        assert!(width(&short, Face::Regular, MAX_FONT) <= 60 * PT);
        assert_eq!(short.last(), Some(&ELLIPSIS));
        let lines = wrap(&long, Face::Regular, MAX_FONT, 60 * PT);
        assert!(lines.len() > 1);
        let cell = wrap_cell(&long, Face::Regular, MAX_FONT, 40 * PT);
        assert_eq!(cell.len(), MAX_CELL_LINES);
        assert_eq!(cell.last().and_then(|l| l.last()), Some(&ELLIPSIS));
        assert!(lines
            .iter()
            .all(|l| width(l, Face::Regular, MAX_FONT) <= 60 * PT));
    }

    fn table(columns: usize, rows: usize) -> Document {
        let mut cols = vec![Column::text("Account")];
        cols.extend(
            (0..columns).map(|i| Column::amount(format!("2025-{i:02}-01 to 2025-{i:02}-28"))),
        );
        Document {
            title: "Profit and loss".into(),
            subtitle: vec!["Demo Company (NZ)".into()],
            columns: cols,
            rows: (0..rows)
                .map(|r| Row::Cells {
                    cells: std::iter::once(format!("Account {r}"))
                        .chain((0..columns).map(|_| "-1,234,567.89".to_owned()))
                        .collect(),
                    total: r % 10 == 9,
                })
                .collect(),
            ..Document::default()
        }
    }

    #[test]
    fn a_wide_table_goes_landscape_and_a_narrow_one_stays_portrait() {
        let layout_of = |d: &Document| {
            let cells: Vec<Vec<Glyphs>> = d
                .rows
                .iter()
                .map(|r| match r {
                    Row::Cells { cells, .. } => cells.iter().map(|c| encode(c)).collect(),
                    Row::Heading(_) => Vec::new(),
                })
                .collect();
            layout(d, &cells)
        };
        let narrow = layout_of(&table(2, 5));
        assert_eq!(narrow.orientation, Orientation::Portrait);
        assert_eq!(narrow.font, MAX_FONT);
        let wide = layout_of(&table(13, 5));
        assert_eq!(wide.orientation, Orientation::Landscape);
        // Every column fits across the page.
        let used: Mpt = wide.widths.iter().sum::<Mpt>() + GAP * 13;
        assert!(
            used <= Orientation::Landscape.size().0 - 2 * MARGIN,
            "{used}"
        );
    }

    #[test]
    fn a_long_table_gets_many_pages_each_with_its_heading() {
        let doc = table(2, 200);
        assert!(render(&doc).starts_with(b"%PDF-"));
        let pages = page_texts(&doc);
        let n = pages.len();
        assert!(n > 1, "{n}");
        for (i, texts) in pages.iter().enumerate() {
            assert!(texts.contains(&format!("Page {} of {n}", i + 1)));
            // The heading, and the title twice (head and foot), on every page.
            assert_eq!(texts.iter().filter(|t| *t == "Account").count(), 1);
            assert_eq!(texts.iter().filter(|t| *t == "Profit and loss").count(), 2);
        }
        // Every row once.
        let all = pages.concat();
        for r in [0, 99, 199] {
            assert_eq!(
                all.iter().filter(|t| **t == format!("Account {r}")).count(),
                1
            );
        }
    }
}
