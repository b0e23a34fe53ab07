//! A flowing [`Document`] (review report, feedback letters) on A4 pages,
//! laid out as GB/T 9704-2012 lays out an official document: 37 mm top,
//! 35 mm bottom, 28 mm left and 26 mm right margins; the title 二号 (22 pt)
//! in the serif face standing in for 小标宋; body 三号 (16 pt) in the serif
//! face standing in for 仿宋, 22 lines to the page; 一、 headings in the sans
//! face (黑体), （一） headings in the serif face (no free 楷体 face is
//! shipped); `— 1 —` page numbers 四号 on the outer side (odd pages right,
//! even pages left), no running header unless the document gives one; the
//! issuing body and date at the end ([`Block::Signature`]). Headings are
//! kept with what follows them; tables break between rows with their header
//! rows repeated under a 续表 line; bar charts are vectors. A block may
//! switch the orientation: it starts a new page.
//!
//! The layout keeps a record of what went on each page ([`PageRecord`]), so
//! tests can check page breaks without reading the PDF back.

use std::collections::BTreeSet;

use super::canvas::{Page, A4_H, A4_W, BLACK};
use super::font::{Face, Fonts, Pen, Style};
use super::form::place_lines;
use super::wrap::wrap;
use crate::doc::{BarChart, Block, Document, Orientation, Rgb, Table, TableCell};
use crate::form::layout::{CELL_PAD, LINE_HEIGHT};
use crate::form::Align;
use crate::text::writable;

/// Points per millimetre.
const MM: f32 = 72.0 / 25.4;
/// Left margin (28 mm, GB/T 9704-2012 5.2.1).
const MARGIN_LEFT: f32 = 28.0 * MM;
/// Right margin (26 mm).
const MARGIN_RIGHT: f32 = 26.0 * MM;
/// Top of the body (37 mm).
const BODY_TOP: f32 = 37.0 * MM;
/// Bottom margin (35 mm); the page number stands 7 mm under the body.
const BODY_BOTTOM: f32 = 35.0 * MM;
/// Size of the title (二号) and of an attachment's title.
const TITLE_SIZE: f32 = 22.0;
/// Size of the page number (四号).
const PAGE_NUMBER_SIZE: f32 = 14.0;
/// Grey for notes and the running header.
const GREY: Rgb = Rgb(0x59, 0x59, 0x59);
/// Light grey for chart grid lines.
const GRID: Rgb = Rgb(0xD9, 0xD9, 0xD9);
/// Line height of paragraphs, as a multiple of the size: 22 lines of
/// 三号 text fill the 225 mm of the body (GB/T 9704-2012 5.2.2).
const PARA_LEADING: f32 = 225.0 * MM / 22.0 / 16.0;
/// Vertical padding inside table cells.
const CELL_VPAD: f32 = 3.0;
/// Stand-in for a character the face lacks.
const MISSING: char = '□';
/// Height of a chart block, title and legend included.
const CHART_H: f32 = 250.0;

/// What one laid-out page holds, in order: for tests and checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Placed {
    /// A heading (its text).
    Heading(String),
    /// Lines of a paragraph, note or right-aligned line.
    Text,
    /// Rows of a table; `continued` when the table began on an earlier page
    /// (the page then shows 续表 and the header again).
    TableRows {
        /// The table began on an earlier page.
        continued: bool,
    },
    /// A bar chart with this many bars drawn (rectangles, not an image).
    Chart {
        /// Bar segments drawn.
        bars: usize,
    },
    /// The issuing body and date that end the document's body.
    Signature,
}

/// The record of one page: its size and what went on it.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRecord {
    /// Width in points.
    pub width: f32,
    /// Height in points.
    pub height: f32,
    /// The blocks placed on it, in order (the title is not listed).
    pub placed: Vec<Placed>,
    /// The page-number line printed at its foot.
    pub footer: String,
}

struct Flow<'a> {
    fonts: &'a Fonts,
    face: &'a Face,
    pages: Vec<Page>,
    records: Vec<PageRecord>,
    width: f32,
    height: f32,
    y: f32,
    body: f32,
    missing: BTreeSet<char>,
}

/// One laid-out cell of a table row.
struct Cellout<'c, 'f> {
    x: f32,
    w: f32,
    lines: Vec<String>,
    size: f32,
    pen: Pen<'f>,
    cell: &'c TableCell,
}

impl<'a> Flow<'a> {
    fn left(&self) -> f32 {
        MARGIN_LEFT
    }
    fn text_width(&self) -> f32 {
        self.width - MARGIN_LEFT - MARGIN_RIGHT
    }
    fn bottom(&self) -> f32 {
        self.height - BODY_BOTTOM
    }
    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.new_page();
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }
    fn new_page(&mut self) {
        self.pages.push(Page::new(self.width, self.height));
        self.records.push(PageRecord {
            width: self.width,
            height: self.height,
            placed: Vec::new(),
            footer: String::new(),
        });
        self.y = BODY_TOP;
    }
    fn at_top(&self) -> bool {
        self.y <= BODY_TOP + 0.01
    }
    /// Starts a new page unless `h` more points fit on this one (or the page is empty).
    fn ensure(&mut self, h: f32) {
        if self.y + h > self.bottom() + 0.01 && !self.at_top() {
            self.new_page();
        }
    }
    fn record(&mut self, p: Placed) {
        if self.records.is_empty() {
            self.new_page();
        }
        let last = self.records.len() - 1;
        let placed = &mut self.records[last].placed;
        // Consecutive text lines of one block count once.
        if !(p == Placed::Text && placed.last() == Some(&Placed::Text)) {
            placed.push(p);
        }
    }

    /// Text made writable, characters the face lacks replaced with □ (and
    /// remembered), control characters other than `\n` dropped.
    fn clean(&mut self, s: &str) -> String {
        writable(s, usize::MAX)
            .chars()
            .filter_map(|c| match c {
                '\n' => Some('\n'),
                '\t' => Some(' '),
                c if c.is_control() => None,
                c if self.face.has(c) => Some(c),
                c if c.is_whitespace() => Some(' '),
                c => {
                    self.missing.insert(c);
                    Some(MISSING)
                }
            })
            .collect()
    }

    /// Wrapped lines at the full text width, breaking pages between lines.
    fn lines(&mut self, text: &str, size: f32, style: Style, color: Rgb, leading: f32, align: Align) {
        let text = self.clean(text);
        let lh = size * leading;
        let width = self.text_width();
        let pen = self.fonts.pen(style, &text);
        let face = pen.face;
        for line in wrap(face, &text, size, width) {
            self.ensure(lh);
            let lw = face.width(&line, size);
            let x = match align {
                Align::Right => self.left() + width - lw,
                Align::Center => self.left() + (width - lw) / 2.0,
                Align::Left => self.left(),
            };
            let y = self.y + (lh - size) / 2.0 + face.ascent * size;
            self.page().text(x, y, size, &line, pen, color);
            self.record(Placed::Text);
            self.y += lh;
        }
    }

    /// Size, space before and style of a heading: 一、 in 黑体 (the sans
    /// face), （一） in the serif face, both at the body size.
    fn heading_size(&self, level: u8) -> (f32, f32, Style) {
        if level <= 1 {
            (self.body, 0.0, Style::Strong)
        } else {
            (self.body, 0.0, Style::Regular)
        }
    }

    /// Height the start of `block` needs on the page where a heading before
    /// it goes: two lines of text, a table's header and first row, a whole
    /// chart, or a further heading with its own next.
    fn lead_height(&mut self, blocks: &[Block]) -> f32 {
        match blocks.first() {
            None | Some(Block::PageBreak) | Some(Block::Orientation(_)) => 0.0,
            Some(Block::Heading { level, text }) => {
                let (size, before, _) = self.heading_size(*level);
                let n = wrap(self.face, text, size, self.text_width()).len().max(1) as f32;
                before + n * size * PARA_LEADING + self.lead_height(&blocks[1..])
            }
            Some(Block::Title(t)) => {
                let n = wrap(self.face, t, TITLE_SIZE, self.text_width()).len().max(1) as f32;
                n * TITLE_SIZE * 1.5 + self.body + self.lead_height(&blocks[1..])
            }
            Some(Block::Signature { .. }) => 3.0 * self.body * PARA_LEADING,
            Some(Block::Paragraph(t)) | Some(Block::Right(t)) | Some(Block::Line(t)) => {
                let n = wrap(self.face, t, self.body, self.text_width()).len().clamp(1, 2) as f32;
                let own = n * self.body * PARA_LEADING;
                // A paragraph that introduces what follows (ends with ：) keeps with it.
                if introduces(t) {
                    own + 4.0 + self.lead_height(&blocks[1..])
                } else {
                    own
                }
            }
            Some(Block::Note(t)) => {
                let s = self.body * 0.85;
                wrap(self.face, t, s, self.text_width()).len().clamp(1, 2) as f32 * s * LINE_HEIGHT
            }
            Some(Block::Chart(_)) => CHART_H,
            Some(Block::Table(t)) => {
                let widths = t.widths(self.text_width(), self.body);
                let size = if t.font_size > 0.0 { t.font_size } else { self.body };
                let mut h = 0.0;
                for r in t.header.iter().chain(t.rows.first()) {
                    let row = self.layout_row(r, &widths, size);
                    h += Self::row_height(&row).min(self.bottom() - BODY_TOP - 40.0);
                }
                h
            }
        }
    }

    fn heading(&mut self, level: u8, text: &str, rest: &[Block]) {
        let (size, before, style) = self.heading_size(level);
        if !self.at_top() {
            self.y += before;
        }
        // Keep the heading with the start of what follows.
        let own = wrap(self.face, text, size, self.text_width()).len().max(1) as f32 * size * PARA_LEADING;
        let next = self.lead_height(rest);
        self.ensure(own + next);
        // Indented two characters, as the paragraphs; an attachment's
        // label (level 0, 附件1) flush left.
        let text = if level == 0 { text.to_string() } else { format!("\u{3000}\u{3000}{text}") };
        self.lines(&text, size, style, BLACK, PARA_LEADING, Align::Left);
        // `lines` recorded Text; say it was a heading.
        if let Some(last) = self.records.last_mut() {
            if last.placed.last() == Some(&Placed::Text) {
                last.placed.pop();
            }
            last.placed.push(Placed::Heading(text.trim_start_matches('\u{3000}').to_string()));
        }
    }

    /// A centred title in the title face (an attachment's), a blank line under it.
    fn title(&mut self, text: &str, rest: &[Block]) {
        let need = self.lead_height(std::slice::from_ref(&Block::Title(text.to_string())))
            - self.lead_height(&[])
            + self.lead_height(rest).min(self.bottom() - BODY_TOP - 80.0);
        self.ensure(need);
        let text = self.clean(text);
        let pen = self.fonts.pen(Style::Regular, &text);
        for line in wrap(pen.face, &text, TITLE_SIZE, self.text_width()) {
            self.ensure(TITLE_SIZE * 1.5);
            let w = pen.face.width(&line, TITLE_SIZE);
            let y = self.y + pen.face.ascent * TITLE_SIZE;
            let x = self.left() + (self.text_width() - w) / 2.0;
            self.page().text(x, y, TITLE_SIZE, &line, pen, BLACK);
            self.record(Placed::Text);
            self.y += TITLE_SIZE * 1.5;
        }
        self.y += self.body;
    }

    /// The issuing body two characters from the right margin, the date
    /// centred under it (or, when the date is the wider, the date four
    /// characters from the margin and the body centred over it), a blank
    /// line above; both on one page.
    fn signature(&mut self, by: &str, date: &str) {
        let lh = self.body * PARA_LEADING;
        self.ensure(3.0 * lh);
        if !self.at_top() {
            self.y += lh;
        }
        let (by, date) = (self.clean(by), self.clean(date));
        let pen = self.fonts.pen(Style::Regular, &format!("{by}{date}"));
        let (bw, dw) = (pen.face.width(&by, self.body), pen.face.width(&date, self.body));
        let right = self.left() + self.text_width();
        let centre =
            if bw >= dw { right - 2.0 * self.body - bw / 2.0 } else { right - 4.0 * self.body - dw / 2.0 };
        for (line, lw) in [(by, bw), (date, dw)] {
            if line.is_empty() {
                continue;
            }
            let y = self.y + (lh - self.body) / 2.0 + pen.face.ascent * self.body;
            let x = (centre - lw / 2.0).max(self.left());
            let size = self.body;
            self.page().text(x, y, size, &line, pen, BLACK);
            self.y += lh;
        }
        self.record(Placed::Signature);
    }

    fn layout_row<'c>(&mut self, row: &'c [TableCell], widths: &[f32], size: f32) -> Vec<Cellout<'c, 'a>> {
        let mut out = Vec::new();
        let mut col = 0;
        let mut x = self.left();
        for cell in row {
            if col >= widths.len() {
                break;
            }
            let span = cell.span.max(1).min(widths.len() - col);
            let w: f32 = widths[col..col + span].iter().sum();
            let text = self.clean(&cell.text);
            let style = if cell.bold { Style::Strong } else { Style::Regular };
            let pen = self.fonts.pen(style, &text);
            let lines = wrap(pen.face, &text, size, (w - 2.0 * CELL_PAD).max(1.0));
            out.push(Cellout { x, w, lines, size, pen, cell });
            x += w;
            col += span;
        }
        out
    }

    fn row_height(row: &[Cellout<'_, '_>]) -> f32 {
        let n = row.iter().map(|p| p.lines.len()).max().unwrap_or(0).max(1);
        n as f32 * row.first().map_or(10.0, |p| p.size) * LINE_HEIGHT + 2.0 * CELL_VPAD
    }

    /// Draws one row segment (`lines[from..from + take]` of each cell) at `self.y`.
    fn draw_row(&mut self, row: &[Cellout<'_, '_>], from: usize, take: usize, h: f32) {
        let y = self.y;
        let page = self.page();
        for p in row {
            if let Some(fill) = p.cell.fill {
                page.rect(p.x, y, p.w, h, None, Some(fill));
            }
        }
        for p in row {
            let end = (from + take).min(p.lines.len());
            let lines = if from < end { &p.lines[from..end] } else { &[][..] };
            let bx = (p.x, y + CELL_VPAD, p.w, h - 2.0 * CELL_VPAD);
            place_lines(page, p.pen, lines, bx, p.cell.align, p.size, false, BLACK);
        }
        for p in row {
            page.rect(p.x, y, p.w, h, Some(0.5), None);
        }
        self.y += h;
    }

    /// A new page for a table that goes on: 续表, then the header again.
    fn continue_table(&mut self, header: &[Vec<Cellout<'_, '_>>]) {
        self.new_page();
        let s = self.body * 0.8;
        let pen = self.fonts.pen(Style::Regular, "续表");
        let y = self.y + self.face.ascent * s;
        let x = self.left();
        self.page().text(x, y, s, "续表", pen, GREY);
        self.y += s * LINE_HEIGHT + 2.0;
        self.record(Placed::TableRows { continued: true });
        for r in header {
            let h = Self::row_height(r);
            self.draw_row(r, 0, usize::MAX, h);
        }
    }

    fn table(&mut self, t: &Table) {
        if t.columns.is_empty() {
            return;
        }
        let widths = t.widths(self.text_width(), self.body);
        let size = if t.font_size > 0.0 { t.font_size } else { self.body };
        let lh = size * LINE_HEIGHT;
        let header: Vec<Vec<Cellout<'_, '_>>> =
            t.header.iter().map(|r| self.layout_row(r, &widths, size)).collect();
        let header_h: f32 = header.iter().map(|r| Self::row_height(r)).sum();
        let body: Vec<Vec<Cellout<'_, '_>>> =
            t.rows.iter().map(|r| self.layout_row(r, &widths, size)).collect();
        let first_h = body.first().map_or(0.0, |r| Self::row_height(r));
        self.ensure(header_h + first_h.min(self.bottom() - BODY_TOP - header_h - 40.0));
        self.record(Placed::TableRows { continued: false });
        for r in &header {
            let h = Self::row_height(r);
            self.draw_row(r, 0, usize::MAX, h);
        }
        let room = self.bottom() - BODY_TOP - header_h - 20.0;
        for (i, row) in body.iter().enumerate() {
            let h = Self::row_height(row);
            // Never leave the last row alone on a page: when it would not
            // fit after this one, the two go over together.
            let orphan = i >= 1 && i + 2 == body.len() && {
                let next = Self::row_height(&body[i + 1]);
                self.y + h <= self.bottom() + 0.01
                    && self.y + h + next > self.bottom() + 0.01
                    && h + next <= room
            };
            if orphan || (self.y + h > self.bottom() + 0.01 && h <= room) {
                self.continue_table(&header);
            }
            if self.y + h <= self.bottom() + 0.01 {
                self.draw_row(row, 0, usize::MAX, h);
                continue;
            }
            // Taller than the room left: split its lines over pages.
            let n = row.iter().map(|p| p.lines.len()).max().unwrap_or(1);
            let mut from = 0;
            while from < n {
                let room = ((self.bottom() - self.y - 2.0 * CELL_VPAD) / lh).floor();
                if room < 1.0 {
                    self.continue_table(&header);
                    continue;
                }
                let take = (room as usize).min(n - from);
                let seg_h = take as f32 * lh + 2.0 * CELL_VPAD;
                self.draw_row(row, from, take, seg_h);
                from += take;
                if from < n {
                    self.continue_table(&header);
                }
            }
        }
        self.y += 8.0;
    }

    /// A stacked bar chart drawn with rectangles and lines, its legend under it.
    fn chart(&mut self, c: &BarChart) {
        if c.categories.is_empty() {
            return;
        }
        self.ensure(CHART_H);
        self.y += 4.0;
        let top = self.y;
        let (x0, width) = (self.left(), self.text_width());
        let title = self.clean(&c.title);
        let ts = self.body;
        let pen = self.fonts.pen(Style::Strong, &title);
        let tw = pen.face.width(&title, ts);
        let ty = top + pen.face.ascent * ts;
        self.page().text(x0 + (width - tw) / 2.0, ty, ts, &title, pen, BLACK);
        // Plot area.
        let ls = 8.0;
        let plot_top = top + ts * 1.8;
        let legend_h = 2.0 * ls * LINE_HEIGHT + 6.0;
        let plot_bottom = top + CHART_H - 16.0 - legend_h - ls * LINE_HEIGHT;
        let plot_left = x0 + 30.0;
        let plot_w = width - 40.0;
        let max = c.max_total().max(1);
        let step =
            [1u32, 2, 5, 10, 20, 50, 100, 200, 500, 1000].into_iter().find(|s| max / s <= 6).unwrap_or(1000);
        let top_value = max.div_ceil(step) * step;
        let scale = (plot_bottom - plot_top) / top_value as f32;
        let regular = self.fonts.pen(Style::Regular, "");
        let face = regular.face;
        let mut v = 0;
        while v <= top_value {
            let y = plot_bottom - v as f32 * scale;
            self.page().rect(plot_left, y - 0.2, plot_w, 0.4, None, Some(GRID));
            let label = v.to_string();
            let lw = face.width(&label, ls);
            self.page().text(plot_left - 4.0 - lw, y + ls * 0.35, ls, &label, regular, GREY);
            v += step;
        }
        let axis = self.clean(&c.value_axis);
        self.page().text(x0, plot_top - 4.0, ls, &axis, regular, GREY);
        let n = c.categories.len();
        let slot = plot_w / n as f32;
        let bar_w = (slot * 0.6).min(36.0);
        // Label every k-th bar so the labels do not overlap.
        let labels: Vec<String> = c.categories.iter().map(|s| self.clean(s)).collect();
        let widest = labels.iter().map(|l| face.width(l, ls)).fold(0.0f32, f32::max);
        let every = ((widest + 4.0) / slot).ceil().max(1.0) as usize;
        let mut bars = 0;
        for (i, label) in labels.iter().enumerate() {
            let cx = plot_left + slot * (i as f32 + 0.5);
            let mut base = plot_bottom;
            for s in &c.series {
                let v = s.values.get(i).copied().unwrap_or(0);
                if v == 0 {
                    continue;
                }
                let h = v as f32 * scale;
                self.page().rect(cx - bar_w / 2.0, base - h, bar_w, h, Some(0.3), Some(s.color));
                bars += 1;
                base -= h;
            }
            if i % every == 0 {
                let lw = face.width(label, ls);
                self.page().text(cx - lw / 2.0, plot_bottom + ls * 1.3, ls, label, regular, BLACK);
            }
        }
        self.page().line(plot_left, plot_bottom, plot_left + plot_w, plot_bottom, 0.6);
        // Legend: a swatch and the name of each series, wrapping.
        let mut lx = plot_left;
        let mut ly = plot_bottom + ls * LINE_HEIGHT + 10.0;
        for s in &c.series {
            let name = self.clean(&s.name);
            let w = 10.0 + 3.0 + face.width(&name, ls) + 12.0;
            if lx + w > plot_left + plot_w {
                lx = plot_left;
                ly += ls * LINE_HEIGHT + 2.0;
            }
            self.page().rect(lx, ly, 10.0, 7.0, Some(0.3), Some(s.color));
            self.page().text(lx + 13.0, ly + 7.0, ls, &name, regular, BLACK);
            lx += w;
        }
        self.record(Placed::Chart { bars });
        self.y = top + CHART_H;
    }
}

/// Whether a paragraph introduces the block after it (ends with a colon),
/// so it is kept on the page with that block's start.
fn introduces(t: &str) -> bool {
    t.trim_end().ends_with(['：', ':'])
}

/// Lays a document out on pages; returns them, the record of each, and the
/// characters the face lacked.
pub(crate) fn pages(fonts: &Fonts, doc: &Document) -> (Vec<Page>, Vec<PageRecord>, Vec<char>) {
    let face = &fonts.serif;
    let size_of = |o: Orientation| match o {
        Orientation::Portrait => (A4_W, A4_H),
        Orientation::Landscape => (A4_H, A4_W),
    };
    let (width, height) = size_of(doc.orientation);
    let body = if doc.font_size > 0.0 { doc.font_size } else { 11.0 };
    let mut f = Flow {
        fonts,
        face,
        pages: Vec::new(),
        records: Vec::new(),
        width,
        height,
        y: BODY_TOP,
        body,
        missing: BTreeSet::new(),
    };
    let title = f.clean(&doc.title);
    let subtitle: Vec<String> = doc.subtitle.iter().map(|s| f.clean(s)).collect();
    let first_numbered = if doc.cover_page {
        f.new_page();
        let mut y = height * 0.3;
        let ts = 26.0;
        let pen = fonts.pen(Style::Strong, &title);
        for line in wrap(pen.face, &title, ts, f.text_width()) {
            let w = pen.face.width(&line, ts);
            f.page().text((width - w) / 2.0, y, ts, &line, pen, BLACK);
            y += ts * 1.5;
        }
        y += 24.0;
        for s in &subtitle {
            for line in wrap(face, s, 15.0, f.text_width()) {
                let w = face.width(&line, 15.0);
                f.page().text((width - w) / 2.0, y, 15.0, &line, fonts.pen(Style::Regular, ""), BLACK);
                y += 15.0 * 1.8;
            }
        }
        f.new_page();
        1
    } else {
        f.new_page();
        // 二号 in the serif face (standing in for 小标宋), centred.
        let ts = TITLE_SIZE;
        let pen = fonts.pen(Style::Regular, &title);
        let left = f.left();
        let tw = f.text_width();
        for line in wrap(pen.face, &title, ts, tw) {
            let w = pen.face.width(&line, ts);
            let y = f.y + pen.face.ascent * ts;
            f.page().text(left + (tw - w) / 2.0, y, ts, &line, pen, BLACK);
            f.y += ts * 1.5;
        }
        // A blank line between the title and the text.
        f.y += body * PARA_LEADING - ts * 0.5;
        for s in &subtitle {
            for line in wrap(face, s, body, f.text_width()) {
                let w = face.width(&line, body);
                let y = f.y + face.ascent * body;
                f.page().text(left + (tw - w) / 2.0, y, body, &line, fonts.pen(Style::Regular, ""), BLACK);
                f.y += body * PARA_LEADING;
            }
        }
        0
    };
    for (i, block) in doc.blocks.iter().enumerate() {
        match block {
            Block::Heading { level, text } => f.heading(*level, text, &doc.blocks[i + 1..]),
            Block::Paragraph(t) => {
                if introduces(t) {
                    let need = f.lead_height(&doc.blocks[i..]);
                    f.ensure(need);
                }
                // First-line indent of two characters, as official text.
                let indented = format!("\u{3000}\u{3000}{t}");
                f.lines(&indented, body, Style::Regular, BLACK, PARA_LEADING, Align::Left);
            }
            Block::Line(t) => {
                // Lines that lead to the signature (the 附件 list) stay on
                // its page, so it never stands alone.
                if i == 0 || !matches!(doc.blocks[i - 1], Block::Line(_)) {
                    let run = doc.blocks[i..].iter().take_while(|b| matches!(b, Block::Line(_))).count();
                    if matches!(doc.blocks.get(i + run), Some(Block::Signature { .. })) {
                        f.ensure((run as f32 + 3.0) * body * PARA_LEADING);
                    }
                }
                f.lines(t, body, Style::Regular, BLACK, PARA_LEADING, Align::Left);
            }
            Block::Title(t) => f.title(t, &doc.blocks[i + 1..]),
            Block::Signature { by, date } => f.signature(by, date),
            Block::Right(t) => {
                // The signature block stands apart from the text above it.
                if i > 0 && !matches!(doc.blocks[i - 1], Block::Right(_)) {
                    f.y += body * 2.0;
                }
                f.lines(t, body, Style::Regular, BLACK, PARA_LEADING, Align::Right);
            }
            Block::Note(t) => {
                f.lines(t, body * 0.85, Style::Regular, GREY, LINE_HEIGHT, Align::Left);
                f.y += 4.0;
            }
            Block::Table(t) => f.table(t),
            Block::Chart(c) => f.chart(c),
            Block::PageBreak => {
                if !f.at_top() {
                    f.new_page();
                }
            }
            Block::Orientation(o) => {
                let (w, h) = size_of(*o);
                if (w, h) != (f.width, f.height) {
                    f.width = w;
                    f.height = h;
                    f.new_page();
                }
            }
        }
    }
    // Drop an empty trailing page (an orientation switch at the very end).
    if f.pages.len() > first_numbered + 1 && f.records.last().is_some_and(|r| r.placed.is_empty()) {
        f.pages.pop();
        f.records.pop();
    }
    // Running header and page numbers, now that the count is known.
    let header = f.clean(&doc.running_header);
    for (i, (page, rec)) in f.pages.iter_mut().zip(f.records.iter_mut()).enumerate().skip(first_numbered) {
        let hs = 9.0;
        let (pw, ph) = (page.width, page.height);
        // The first page carries the title; the header starts on the second.
        if !header.trim().is_empty() && (doc.cover_page || i > first_numbered) {
            let line = wrap(face, &header, hs, pw - MARGIN_LEFT - MARGIN_RIGHT)
                .into_iter()
                .next()
                .unwrap_or_default();
            let w = face.width(&line, hs);
            page.text((pw - w) / 2.0, BODY_TOP - 16.0, hs, &line, fonts.pen(Style::Regular, ""), GREY);
            page.line(MARGIN_LEFT, BODY_TOP - 10.0, pw - MARGIN_RIGHT, BODY_TOP - 10.0, 0.5);
        }
        // `— 1 —`, 四号, 7 mm under the body; odd pages on the right, even
        // pages on the left, one character in from the margin.
        let n = i - first_numbered + 1;
        let num = format!("— {n} —");
        let ns = PAGE_NUMBER_SIZE;
        let pen = fonts.pen(Style::Regular, &num);
        let w = pen.face.width(&num, ns);
        let x = if n % 2 == 1 { pw - MARGIN_RIGHT - ns - w } else { MARGIN_LEFT + ns };
        let y = ph - BODY_BOTTOM + 7.0 * MM + pen.face.ascent * ns;
        page.text(x, y, ns, &num, pen, BLACK);
        rec.footer = num;
    }
    let missing = f.missing.into_iter().collect();
    (f.pages, f.records, missing)
}
