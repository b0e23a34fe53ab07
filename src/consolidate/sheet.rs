//! Writing kit for the workbook's sheets: styles (宋体, GB2312 charset, a
//! fill per status category), text cells that never become formulas, table
//! sheets with a repeated header row, and print settings.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

use crate::review::Category;
use crate::text::xlsx_writable;

/// GB2312 character set id: makes Excel and WPS pick the Chinese face.
const CHARSET_GB2312: u8 = 134;
const FONT: &str = "宋体";

pub(super) struct Styles {
    pub(super) title: Format,
    pub(super) header: Format,
    pub(super) cell: Format,
    pub(super) center: Format,
    pub(super) fills: BTreeMap<Category, Format>,
    /// The fills on the top-left aligned [`Styles::cell`] format, for a
    /// sheet whose rows are all top-left (更正记录).
    pub(super) cell_fills: BTreeMap<Category, Format>,
    /// A note under a table.
    pub(super) note: Format,
}

pub(super) fn base() -> Format {
    Format::new().set_font_name(FONT).set_font_charset(CHARSET_GB2312).set_font_size(10)
}

pub(super) fn rgb(c: (u8, u8, u8)) -> Color {
    Color::RGB(((c.0 as u32) << 16) | ((c.1 as u32) << 8) | c.2 as u32)
}

impl Styles {
    pub(super) fn new() -> Self {
        let cell = base().set_border(FormatBorder::Thin).set_text_wrap().set_align(FormatAlign::Top);
        let center = base()
            .set_border(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter);
        let filled = |on: &Format| -> BTreeMap<Category, Format> {
            Category::MONTH
                .into_iter()
                .chain([Category::Received, Category::Met, Category::NotMet])
                .filter_map(|c| {
                    let f = c.fill()?;
                    Some((c, on.clone().set_background_color(rgb((f.0, f.1, f.2)))))
                })
                .collect()
        };
        Styles {
            title: base().set_font_size(14).set_bold(),
            header: center.clone().set_bold().set_background_color(Color::RGB(0xE7E6E6)),
            fills: filled(&center),
            cell_fills: filled(&cell),
            note: base().set_text_wrap().set_align(FormatAlign::Top),
            cell,
            center,
        }
    }

    /// Every format, in one fixed order: the workbook numbers them before
    /// its streamed sheets are filled (see `consolidate::workbook`), so a
    /// format a streamed sheet uses must be one of these.
    pub(super) fn all(&self) -> impl Iterator<Item = &Format> {
        [&self.title, &self.header, &self.cell, &self.center, &self.note]
            .into_iter()
            .chain(self.fills.values())
            .chain(self.cell_fills.values())
    }
}

impl Styles {
    /// The centred format ([`Styles::center`]) with a category's fill; plain
    /// centred when there is none.
    pub(super) fn center_fill(&self, c: Option<Category>) -> &Format {
        c.and_then(|c| self.fills.get(&c)).unwrap_or(&self.center)
    }

    /// The top-left format ([`Styles::cell`]) with a category's fill; plain
    /// top-left when there is none.
    pub(super) fn cell_fill(&self, c: Option<Category>) -> &Format {
        c.and_then(|c| self.cell_fills.get(&c)).unwrap_or(&self.cell)
    }
}

/// Writes user text as a string (never a formula), made writable (see
/// [`writable`]); empty text as a blank cell.
pub(super) fn put(ws: &mut Worksheet, r: u32, c: u16, text: &str, f: &Format) -> Result<(), XlsxError> {
    let text = xlsx_writable(text);
    if text.is_empty() {
        ws.write_blank(r, c, f)?;
    } else {
        ws.write_string_with_format(r, c, text.as_ref(), f)?;
    }
    Ok(())
}

pub(super) fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

pub(super) fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

pub(super) fn as_of_zh(d: NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

/// A table sheet: title in row 0, header in row 2, body from row 3.
pub(super) struct TableSheet<'w> {
    pub(super) ws: &'w mut Worksheet,
    pub(super) row: u32,
    pub(super) ncols: u16,
    pub(super) widths: Vec<f64>,
    /// Continuation rows of the last body row written (text too long for
    /// one row), written before the next row: until then the last row is
    /// still the current one, so its 来源 cell can be linked.
    pending: Vec<(Vec<String>, Vec<Format>)>,
}

/// Height in points of one line of the 10 pt table text, as Excel, WPS and
/// LibreOffice draw it: 宋体 needs about 13.5, and LibreOffice on a machine
/// without it falls back to a CJK face with taller lines (14.5).
const LINE_PT: f64 = 14.5;

/// Excel's tallest row, in points.
pub(super) const MAX_ROW_PT: f64 = 409.0;

/// Most lines of table text a row holds (28): text with more continues in
/// the rows after it, marked 续.
pub(super) const MAX_LINES: usize = ((MAX_ROW_PT - 3.0) / LINE_PT) as usize;

/// Height in points of a row of `lines` lines of table text (at most
/// [`MAX_LINES`]; 3 points of padding).
fn row_height(lines: usize) -> f64 {
    (lines.clamp(1, MAX_LINES) as f64) * LINE_PT + 3.0
}

/// Weight of a character in tenths of a character width (see [`wrapped_lines`]).
fn weight(c: char) -> usize {
    if c.is_ascii() {
        10
    } else {
        16
    }
}

/// `text` cut into pieces of at most `max` lines each in a wrapped cell
/// `width` characters wide, lines counted as [`wrapped_lines`] counts them
/// (a piece never counts more than `max`). Paragraphs stay whole where
/// they fit; nothing is dropped: the pieces joined are the text.
pub(super) fn split_lines(text: &str, width: f64, max: usize) -> Vec<String> {
    let per_line = ((((width - 1.0).max(2.0)) * 10.0).round() as usize).max(1);
    let max = max.max(1);
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut lines = 0;
    for (i, part) in text.split('\n').enumerate() {
        // The paragraph's lines, broken where the next character no longer fits.
        let mut wrapped = vec![String::new()];
        let mut w = 0;
        for c in part.chars() {
            if w + weight(c) > per_line && w > 0 {
                wrapped.push(String::new());
                w = 0;
            }
            if let Some(l) = wrapped.last_mut() {
                l.push(c);
            }
            w += weight(c);
        }
        for (j, line) in wrapped.into_iter().enumerate() {
            if lines == max {
                pieces.push(std::mem::take(&mut piece));
                lines = 0;
            } else if i > 0 && j == 0 {
                piece.push('\n');
            }
            piece.push_str(&line);
            lines += 1;
        }
    }
    pieces.push(piece);
    pieces
}

/// Lines a text takes in a wrapped cell `width` characters wide (an
/// ideograph of the 10 pt face counts about 1.6): row heights are set from it, since LibreOffice
/// does not grow rows of a generated file when it prints.
pub(super) fn wrapped_lines(text: &str, width: f64) -> usize {
    let per_line = (width - 1.0).max(2.0);
    // A character weighs at most its UTF-8 length: short text fits one line.
    if (text.len() as f64) <= per_line && !text.contains('\n') {
        return 1;
    }
    // Counted exactly, in tenths of a character.
    let per_line = ((per_line * 10.0).round() as usize).max(1);
    text.split('\n')
        .map(|part| {
            let w: usize = part.chars().map(|c| if c.is_ascii() { 10 } else { 16 }).sum();
            w.div_ceil(per_line).max(1)
        })
        .sum()
}

/// A body row's text as written (see [`xlsx_writable`]) and the lines its
/// tallest cell takes: worked out apart from the sheet, so that the rows of
/// a long table can be prepared in parallel while the sheet is written on
/// one thread.
pub(super) struct RowText<'a> {
    texts: Vec<Cow<'a, str>>,
    lines: usize,
    /// The rows continuing text that did not fit [`MAX_LINES`]: the first
    /// cell marked 续, the rest of each long text in its column.
    more: Vec<Vec<String>>,
}

impl<'a> RowText<'a> {
    /// The row of `cells` in a table of column `widths` (characters).
    pub(super) fn new(widths: &[f64], cells: &[&'a str]) -> RowText<'a> {
        let width = |c: usize| widths.get(c).copied().unwrap_or(10.0);
        let counts: Vec<usize> = cells.iter().enumerate().map(|(c, t)| wrapped_lines(t, width(c))).collect();
        let lines = counts.iter().copied().max().unwrap_or(1);
        let mut texts: Vec<Cow<'a, str>> = cells.iter().map(|t| xlsx_writable(t)).collect();
        let mut more = Vec::new();
        if lines > MAX_LINES {
            let pieces: Vec<Vec<String>> = texts
                .iter()
                .enumerate()
                .map(|(c, t)| {
                    if counts[c] > MAX_LINES {
                        split_lines(t, width(c), MAX_LINES)
                    } else {
                        vec![t.to_string()]
                    }
                })
                .collect();
            let rows = pieces.iter().map(Vec::len).max().unwrap_or(1);
            let first = texts.first().map(|t| t.to_string()).unwrap_or_default();
            for k in 1..rows {
                let mut row: Vec<String> = pieces
                    .iter()
                    .map(|p| if p.len() > 1 { p.get(k).cloned().unwrap_or_default() } else { String::new() })
                    .collect();
                if pieces.first().is_some_and(|p| p.len() == 1) {
                    row[0] = format!("{first}（续）");
                }
                more.push(row);
            }
            for (t, p) in texts.iter_mut().zip(pieces) {
                if p.len() > 1 {
                    *t = Cow::Owned(p.into_iter().next().unwrap_or_default());
                }
            }
        }
        RowText { texts, lines, more }
    }
}

impl<'w> TableSheet<'w> {
    pub(super) fn new(
        ws: &'w mut Worksheet,
        st: &Styles,
        name: &str,
        title: &str,
        columns: &[(&str, f64)],
    ) -> Result<Self, XlsxError> {
        ws.set_name(name)?;
        ws.write_string_with_format(0, 0, title, &st.title)?;
        // The widths are set by `finish_printing`, after the rows.
        for (c, (h, _)) in columns.iter().enumerate() {
            ws.write_string_with_format(2, c as u16, *h, &st.header)?;
        }
        ws.set_row_height(2, 27)?;
        Ok(TableSheet {
            ws,
            row: 3,
            ncols: columns.len() as u16,
            widths: columns.iter().map(|c| c.1).collect(),
            pending: Vec::new(),
        })
    }

    /// Writes the continuation rows of the last row (see [`RowText::new`]).
    fn flush(&mut self) -> Result<(), XlsxError> {
        for (texts, formats) in std::mem::take(&mut self.pending) {
            let lines = texts
                .iter()
                .enumerate()
                .map(|(c, t)| wrapped_lines(t, self.widths.get(c).copied().unwrap_or(10.0)))
                .max()
                .unwrap_or(1);
            for (c, t) in texts.iter().enumerate() {
                if !t.is_empty() {
                    self.ws.write_string(self.row, c as u16, t)?;
                }
            }
            for (c, f) in formats.iter().enumerate() {
                self.ws.set_cell_format(self.row, c as u16, f)?;
            }
            if lines > 1 {
                self.ws.set_row_height(self.row, row_height(lines))?;
            }
            self.row += 1;
        }
        Ok(())
    }

    /// Writes a body row: user text as strings (never formulas, see
    /// [`put`]), empty text as a blank cell of its format.
    pub(super) fn row(&mut self, cells: &[(&str, &Format)]) -> Result<(), XlsxError> {
        let texts: Vec<&str> = cells.iter().map(|c| c.0).collect();
        let formats: Vec<&Format> = cells.iter().map(|c| c.1).collect();
        self.row_text(&RowText::new(&self.widths, &texts), &formats)
    }

    /// Writes a body row prepared by [`RowText::new`] (with this sheet's
    /// widths), cell `i` in `formats[i]`. The formats are set once per run
    /// of neighbouring cells sharing one: the writer looks a format up by
    /// hashing it, which in a sheet of many thousand rows cost more than
    /// writing the text.
    pub(super) fn row_text(&mut self, text: &RowText, formats: &[&Format]) -> Result<(), XlsxError> {
        self.flush()?;
        for (c, t) in text.texts.iter().enumerate() {
            if !t.is_empty() {
                self.ws.write_string(self.row, c as u16, t.as_ref())?;
            }
        }
        let mut first = 0;
        for c in 1..=formats.len() {
            if c == formats.len() || !std::ptr::eq(formats[c], formats[first]) {
                self.ws.set_range_format(self.row, first as u16, self.row, c as u16 - 1, formats[first])?;
                first = c;
            }
        }
        if text.lines > 1 {
            self.ws.set_row_height(self.row, row_height(text.lines))?;
        }
        self.row += 1;
        for more in &text.more {
            let formats = formats.iter().map(|f| (*f).clone()).collect();
            self.pending.push((more.clone(), formats));
        }
        Ok(())
    }

    /// A note row under the table, merged across it.
    /// A long note continues in the rows under it, none over [`MAX_LINES`].
    pub(super) fn note(&mut self, st: &Styles, text: &str) -> Result<(), XlsxError> {
        self.flush()?;
        self.row += 1;
        let text = xlsx_writable(text);
        let f = &st.note;
        let width: f64 = self.widths.iter().sum();
        for piece in split_lines(&text, width, MAX_LINES) {
            if self.ncols > 1 {
                self.ws.merge_range(self.row, 0, self.row, self.ncols - 1, &piece, f)?;
            } else {
                self.ws.write_string_with_format(self.row, 0, &piece, f)?;
            }
            self.ws.set_row_height(self.row, row_height(wrapped_lines(&piece, width)))?;
            self.row += 1;
        }
        Ok(())
    }

    /// Ends a sheet written in the writer's low-memory or constant-memory
    /// mode (rows go out as XML as they are filled). There, a last row with
    /// a set height is written twice when the workbook is saved
    /// (rust_xlsxwriter 0.102, `flush_last_row`), which Excel reports as
    /// damage; an empty unformatted cell on the next row makes that row the
    /// last one, and the table's rows are written once.
    pub(super) fn end_streamed(&mut self) -> Result<(), XlsxError> {
        self.flush()?;
        self.ws.write_blank(self.row, 0, &Format::new())?;
        Ok(())
    }

    pub(super) fn finish(self, landscape: bool, filter: bool) -> Result<(), XlsxError> {
        let n = self.ncols;
        self.finish_printing(landscape, filter, n)
    }

    /// Like `finish`, printing only the first `printed` columns.
    pub(super) fn finish_printing(
        mut self,
        landscape: bool,
        filter: bool,
        printed: u16,
    ) -> Result<(), XlsxError> {
        self.flush()?;
        // Set last: the writer looks for a column format on every cell
        // written without one while any column has settings (a hash
        // lookup per cell, about 4 % of filling a sheet of tens of thousands
        // of rows); the widths only matter when the sheet is saved.
        for (c, w) in self.widths.iter().enumerate() {
            self.ws.set_column_width(c as u16, *w)?;
        }
        let last = self.row.max(3) - 1;
        if filter && self.row > 3 {
            self.ws.autofilter(2, 0, last, self.ncols - 1)?;
        }
        self.ws.set_freeze_panes(3, 0)?;
        print_setup(self.ws, landscape, Some(2), last, printed.clamp(1, self.ncols) - 1)
    }
}

/// Side margins of every sheet, in inches.
pub(super) const SIDE_MARGIN_IN: f64 = 0.5;
/// Top and bottom margins, in inches.
pub(super) const TOP_MARGIN_IN: f64 = 0.6;

/// Pixels (96 per inch) Excel draws a column `width` characters wide in:
/// 7 px per character of the default font and 5 px of padding.
pub(super) fn column_px(width: f64) -> f64 {
    (width * 7.0).round() + 5.0
}

/// The printable area of an A4 landscape page in pixels (96 per inch).
pub(super) fn page_px(scale: u16) -> (f64, f64) {
    let s = f64::from(scale) / 100.0;
    ((11.69 - 2.0 * SIDE_MARGIN_IN) * 96.0 / s, (8.27 - 2.0 * TOP_MARGIN_IN) * 96.0 / s)
}

/// The print scale (per cent) at which a landscape block of columns
/// `widths` (characters) and `height` points fills an A4 page: never
/// below 80 (10 pt text prints at 8 pt or more), at most 400 (Excel's most).
/// A tenth of the page's height is left for LibreOffice, which prints the
/// page footer inside it and may draw header rows taller.
pub(super) fn page_scale(widths: &[f64], height: f64) -> u16 {
    let (w, h) = page_px(100);
    let h = h * 0.9;
    let content: f64 = widths.iter().map(|w| column_px(*w)).sum();
    let fit = (w / content).min(h / (height / 0.75));
    ((fit * 100.0).floor() as u16).clamp(80, 400)
}

/// A4, one page wide (see [`page_scale`] for 总览, which sets its own
/// scale after), the `header` row repeated on every page, page numbers.
pub(super) fn print_setup(
    ws: &mut Worksheet,
    landscape: bool,
    header: Option<u32>,
    last_row: u32,
    last_col: u16,
) -> Result<(), XlsxError> {
    ws.set_paper_size(9);
    if landscape {
        ws.set_landscape();
    } else {
        ws.set_portrait();
    }
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(SIDE_MARGIN_IN, SIDE_MARGIN_IN, TOP_MARGIN_IN, TOP_MARGIN_IN, 0.3, 0.3);
    if let Some(h) = header {
        ws.set_repeat_rows(h, h)?;
    }
    ws.set_print_area(0, 0, last_row, last_col)?;
    ws.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{split_lines, wrapped_lines};

    #[test]
    fn split_pieces_fit_their_lines_and_join_to_the_text() {
        let text: String = (1..=40)
            .map(|i| format!("（{i}）{}", "许可证核发".repeat(i % 7 + 1)))
            .collect::<Vec<_>>()
            .join("\n");
        for (width, max) in [(20.0, 5), (34.0, 28), (66.0, 3), (8.0, 1)] {
            let pieces = split_lines(&text, width, max);
            assert!(pieces.len() > 1, "{width} {max}");
            for p in &pieces {
                assert!(wrapped_lines(p, width) <= max, "{width} {max}: {p}");
            }
            // A piece ends a line or a paragraph; a break between pieces
            // stands where the text had one.
            let mut joined = String::new();
            for p in &pieces {
                if text[joined.len()..].starts_with('\n') {
                    joined.push('\n');
                }
                joined.push_str(p);
            }
            assert_eq!(joined, text, "{width} {max}");
        }
        assert_eq!(split_lines("短", 10.0, 28), vec!["短".to_string()]);
    }

    #[test]
    fn lines_weigh_an_ideograph_as_one_and_six_tenths() {
        // 8 characters wide: 7 a line.
        assert_eq!(wrapped_lines("abcdefg", 8.0), 1);
        assert_eq!(wrapped_lines("abcdefgh", 8.0), 2);
        // Ten ideographs weigh exactly 16.
        assert_eq!(wrapped_lines("一二三四五六七八九十", 17.0), 1);
        assert_eq!(wrapped_lines("一二三四五六七八九十a", 17.0), 2);
        // Every line counts, empty ones too.
        assert_eq!(wrapped_lines("一\n二\n\n", 10.0), 4);
        // Any character outside ASCII weighs 1.6, whatever its length.
        assert_eq!(wrapped_lines("éé🌿🌿🌿ab", 9.0), 2);
        assert_eq!(wrapped_lines("éé🌿🌿a", 9.0), 1);
        // Fifteen weights of 1.6 added one by one come to a little over 24;
        // counted in tenths they are exactly 24 and fit a line of 24.
        assert!((0..15).map(|_| 1.6).sum::<f64>() > 24.0);
        assert_eq!(wrapped_lines(&"许".repeat(15), 25.0), 1);
        assert_eq!(wrapped_lines(&"许".repeat(16), 25.0), 2);
    }
}
