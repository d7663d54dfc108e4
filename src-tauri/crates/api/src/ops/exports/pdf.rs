//! PDF exports: a table with its title, laid out on A4 pages (the method is
//! in docs/design/pdf.md).
//!
//! - The text is set in Helvetica and Helvetica-Bold, two of the standard
//!   fonts every PDF reader carries, so no font is embedded. Their encoding is
//!   WinAnsi (Windows-1252): a character outside it is written as its base
//!   letter when it has one (`ō` as `o`, `Ł` as `L`), else as `?`, and then
//!   a note under the table says so (Japanese or Greek names need a font
//!   this export does not embed; the CSV and Excel files keep every character).
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

use ledgerkeep_domain::Money;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use unicode_normalization::UnicodeNormalization;

mod helvetica;

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
    fn widths(self) -> &'static [u16; 224] {
        match self {
            Face::Regular => &helvetica::REGULAR,
            Face::Bold => &helvetica::BOLD,
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
const WIN_ANSI_HIGH: [char; 32] = [
    '€', '\0', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\0', 'Ž', '\0', '\0', '‘',
    '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\0', 'ž', 'Ÿ',
];
const ELLIPSIS: u8 = 0x85;

/// The WinAnsi code of a printable character, if it has one.
fn win_ansi(c: char) -> Option<u8> {
    let u = u32::from(c);
    match u {
        0x20..=0x7e | 0xa0..=0xff => u8::try_from(u).ok(),
        _ if c != '\0' => WIN_ANSI_HIGH
            .iter()
            .position(|&x| x == c)
            .and_then(|i| u8::try_from(0x80 + i).ok()),
        _ => None,
    }
}

/// Latin letters with no decomposition to a base letter, and their base letter.
const LATIN_BASE: [(char, u8); 12] = [
    ('Ł', b'L'),
    ('ł', b'l'),
    ('Đ', b'D'),
    ('đ', b'd'),
    ('Ħ', b'H'),
    ('ħ', b'h'),
    ('ı', b'i'),
    ('Ŧ', b'T'),
    ('ŧ', b't'),
    ('Ŀ', b'L'),
    ('ŀ', b'l'),
    ('ƒ', b'f'),
];

/// A character in the fonts' encoding: a control character becomes a space,
/// a character WinAnsi lacks its base letter (`ā` → `a`); `None` when it has
/// none.
fn encode_char(c: char) -> Option<u8> {
    if c.is_control() {
        return Some(b' ');
    }
    win_ansi(c)
        .or_else(|| c.nfd().next().and_then(win_ansi))
        .or_else(|| LATIN_BASE.iter().find(|(l, _)| *l == c).map(|(_, b)| *b))
}

/// Text in the fonts' encoding ([`encode_char`]), `?` for a character it cannot show.
fn encode(s: &str) -> Vec<u8> {
    s.chars().map(|c| encode_char(c).unwrap_or(b'?')).collect()
}

/// Whether `s` has a character the fonts cannot show.
fn lossy(s: &str) -> bool {
    s.chars().any(|c| encode_char(c).is_none())
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
pub(crate) const LOSSY_NOTE: &str = "Characters that this PDF's standard fonts cannot show \
    (such as Japanese or Greek letters) are printed as ?. The CSV and Excel exports keep every character.";

/// How wide `text` (encoded) is in `face` at `size`.
fn width(text: &[u8], face: Face, size: Mpt) -> Mpt {
    let table = face.widths();
    let units: Mpt = text
        .iter()
        .map(|&b| {
            usize::from(b)
                .checked_sub(32)
                .and_then(|i| table.get(i))
                .map_or(0, |&w| Mpt::from(w))
        })
        .sum();
    units * size / 1000
}

/// `text` shortened with an ellipsis to fit `room`.
fn fit(text: &[u8], face: Face, size: Mpt, room: Mpt) -> Vec<u8> {
    if width(text, face, size) <= room {
        return text.to_vec();
    }
    let mut out = text.to_vec();
    let ellipsis = width(&[ELLIPSIS], face, size);
    while !out.is_empty() && width(&out, face, size) + ellipsis > room {
        out.pop();
    }
    while out.last() == Some(&b' ') {
        out.pop();
    }
    out.push(ELLIPSIS);
    out
}

/// `text` broken at spaces into lines that fit `room`; a word wider than the
/// room is cut to fit.
fn wrap(text: &[u8], face: Face, size: Mpt, room: Mpt) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in text.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let mut candidate = line.clone();
        if !candidate.is_empty() {
            candidate.push(b' ');
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
fn wrap_cell(text: &[u8], face: Face, size: Mpt, room: Mpt) -> Vec<Vec<u8>> {
    let mut lines = wrap(text, face, size, room);
    if lines.len() > MAX_CELL_LINES {
        let rest = lines.split_off(MAX_CELL_LINES - 1).join(&b' ');
        lines.push(fit(&rest, face, size, room));
    }
    lines
}

/// The widest word of `text`.
fn widest_word(text: &[u8], face: Face, size: Mpt) -> Mpt {
    text.split(|&b| b == b' ')
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
    headings: Vec<Vec<Vec<u8>>>,
}

/// Each column's (least, natural) width at `font`.
fn column_bounds(doc: &Document, cells: &[Vec<Vec<u8>>], font: Mpt) -> Vec<(Mpt, Mpt)> {
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
fn layout(doc: &Document, cells: &[Vec<Vec<u8>>]) -> Table {
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
        text: Vec<u8>,
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

    fn text(&mut self, x: Mpt, y: Mpt, face: Face, size: Mpt, text: Vec<u8>) {
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

    fn rows(&mut self, cells: &[Vec<Vec<u8>>]) {
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
                    let cells: Vec<Vec<Vec<u8>>> = self
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
    let cells: Vec<Vec<Vec<u8>>> = doc
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
    write_pdf(doc, table.orientation, &pager.pages)
}

/// Mpt as a coordinate on a page drawn at 1/1000 scale (exact below 2^24).
#[allow(clippy::cast_precision_loss)]
fn coord(v: Mpt) -> f32 {
    v as f32
}

fn write_pdf(doc: &Document, orientation: Orientation, pages: &[Vec<Mark>]) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let mut next = 6;
    let mut fresh = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    pdf.catalog(catalog).pages(tree);
    for (id, name) in [
        (regular, Name(b"Helvetica")),
        (bold, Name(b"Helvetica-Bold")),
    ] {
        pdf.type1_font(id)
            .base_font(name)
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
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
            .pair(Face::Regular.resource(), regular)
            .pair(Face::Bold.resource(), bold);
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
                    content
                        .begin_text()
                        .set_font(face.resource(), coord(*size))
                        .next_line(coord(*x), coord(height - y))
                        .show(Str(text))
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

    #[test]
    fn text_is_encoded_in_win_ansi_with_base_letters_for_the_rest() {
        assert_eq!(encode("Café €5 – ok"), b"Caf\xe9 \x805 \x96 ok".to_vec());
        assert_eq!(encode("Kōwhai Māori"), b"Kowhai Maori".to_vec());
        assert_eq!(encode("a\tb\nc"), b"a b c".to_vec());
        assert_eq!(encode("日本"), b"??".to_vec());
        assert_eq!(encode("Łódź"), b"L\xf3dz".to_vec());
        assert!(!lossy("Łódź Kererū Zoë's Ñandú €"));
        assert!(lossy("さくら商事") && lossy("Χαρά") && lossy("Flat white ☕"));
    }

    #[test]
    fn a_document_with_characters_the_fonts_lack_says_so() {
        let mut doc = table(1, 3);
        let plain = String::from_utf8_lossy(&render(&doc)).into_owned();
        assert!(!plain.contains("(Characters that"));
        doc.rows.push(Row::Cells {
            cells: vec!["さくら Trading".into(), "1.00".into()],
            total: false,
        });
        let noted = String::from_utf8_lossy(&render(&doc)).into_owned();
        assert!(noted.contains("(??? Trading) Tj"));
        assert!(noted.contains("(Characters that"));
    }

    #[test]
    fn widths_follow_the_fonts_metrics_and_long_text_is_shortened() {
        // Every digit of Helvetica is 556/1000 em wide: ten of them at 10 pt are 55.6 pt.
        assert_eq!(width(b"0123456789", Face::Regular, 10 * PT), 55_600);
        assert!(width(b"W", Face::Bold, PT) > width(b"i", Face::Bold, PT));
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
            let cells: Vec<Vec<Vec<u8>>> = d
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
        let pdf = render(&table(2, 200));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-"));
        let pages = text.matches("(Page ").count();
        assert!(pages > 1, "{pages}");
        assert!(text.contains(&format!("(Page {pages} of {pages}) Tj")));
        // The heading and the title on every page.
        assert_eq!(text.matches("(Account) Tj").count(), pages);
        assert_eq!(text.matches("(Profit and loss) Tj").count(), pages * 2);
        // Every row once.
        for r in [0, 99, 199] {
            assert_eq!(text.matches(&format!("(Account {r}) Tj")).count(), 1);
        }
    }
}
