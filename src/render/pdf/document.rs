//! A flowing [`Document`] (review report, feedback letters) on A4 pages:
//! optional cover, headings, paragraphs, notes and tables that break between
//! rows with their header rows repeated, a running header and 第 N 页 共 M 页.

use std::collections::BTreeSet;

use super::canvas::{Page, A4_H, A4_W, BLACK};
use super::font::{Face, Fonts, Pen, Style};
use super::form::place_lines;
use super::wrap::wrap;
use crate::doc::{Block, Document, Orientation, Rgb, Table, TableCell};
use crate::form::layout::{CELL_PAD, LINE_HEIGHT};

/// Left and right margins in points (2 cm).
const MARGIN_X: f32 = 56.7;
/// Top of the body (under the running header).
const BODY_TOP: f32 = 72.0;
/// Space kept under the body for the page number.
const BODY_BOTTOM: f32 = 62.0;
/// Grey for notes and the running header.
const GREY: Rgb = Rgb(0x59, 0x59, 0x59);
/// Line height of paragraphs, as a multiple of the size.
const PARA_LEADING: f32 = 1.5;
/// Vertical padding inside table cells.
const CELL_VPAD: f32 = 3.0;
/// Stand-in for a character the face lacks.
const MISSING: char = '□';

struct Flow<'a> {
    fonts: &'a Fonts,
    face: &'a Face,
    pages: Vec<Page>,
    width: f32,
    height: f32,
    y: f32,
    body: f32,
    missing: BTreeSet<char>,
}

/// One laid-out cell of a table row.
struct Placed<'c, 'f> {
    x: f32,
    w: f32,
    lines: Vec<String>,
    size: f32,
    pen: Pen<'f>,
    cell: &'c TableCell,
}

impl<'a> Flow<'a> {
    fn left(&self) -> f32 {
        MARGIN_X
    }
    fn text_width(&self) -> f32 {
        self.width - 2.0 * MARGIN_X
    }
    fn bottom(&self) -> f32 {
        self.height - BODY_BOTTOM
    }
    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::new(self.width, self.height));
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }
    fn new_page(&mut self) {
        self.pages.push(Page::new(self.width, self.height));
        self.y = BODY_TOP;
    }
    /// Starts a new page unless `h` more points fit on this one (or the page is empty).
    fn ensure(&mut self, h: f32) {
        if self.y + h > self.bottom() + 0.01 && self.y > BODY_TOP + 0.01 {
            self.new_page();
        }
    }

    /// Replaces characters the face lacks with □, remembering them; drops
    /// control characters other than `\n`.
    fn clean(&mut self, s: &str) -> String {
        s.chars()
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
    fn lines(&mut self, text: &str, size: f32, style: Style, color: Rgb, leading: f32) {
        let text = self.clean(text);
        let lh = size * leading;
        let width = self.text_width();
        let pen = self.fonts.pen(style, &text);
        let face = pen.face;
        for line in wrap(face, &text, size, width) {
            self.ensure(lh);
            let (x, y) = (self.left(), self.y + (lh - size) / 2.0 + face.ascent * size);
            self.page().text(x, y, size, &line, pen, color);
            self.y += lh;
        }
    }

    fn heading(&mut self, level: u8, text: &str) {
        let size = if level <= 1 { self.body * 1.35 } else { self.body * 1.15 };
        let before = if level <= 1 { 12.0 } else { 8.0 };
        if self.y > BODY_TOP + 0.01 {
            self.y += before;
        }
        // Keep the heading with two lines of what follows.
        self.ensure(size * LINE_HEIGHT + 2.0 * self.body * PARA_LEADING);
        self.lines(text, size, Style::Strong, BLACK, LINE_HEIGHT);
        self.y += 4.0;
    }

    fn layout_row<'c>(&mut self, row: &'c [TableCell], widths: &[f32], size: f32) -> Vec<Placed<'c, 'a>> {
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
            out.push(Placed { x, w, lines, size, pen, cell });
            x += w;
            col += span;
        }
        out
    }

    fn row_height(row: &[Placed<'_, '_>]) -> f32 {
        let n = row.iter().map(|p| p.lines.len()).max().unwrap_or(0).max(1);
        n as f32 * row.first().map_or(10.0, |p| p.size) * LINE_HEIGHT + 2.0 * CELL_VPAD
    }

    /// Draws one row segment (`lines[from..from + take]` of each cell) at `self.y`.
    fn draw_row(&mut self, row: &[Placed<'_, '_>], from: usize, take: usize, h: f32) {
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

    fn table(&mut self, t: &Table) {
        let total: f32 = t.columns.iter().filter(|w| w.is_finite() && **w > 0.0).sum();
        if total <= 0.0 {
            return;
        }
        let widths: Vec<f32> = t
            .columns
            .iter()
            .map(|w| if w.is_finite() && *w > 0.0 { w / total * self.text_width() } else { 0.0 })
            .collect();
        let size = if t.font_size > 0.0 { t.font_size } else { self.body };
        let lh = size * LINE_HEIGHT;
        let header: Vec<Vec<Placed<'_, '_>>> =
            t.header.iter().map(|r| self.layout_row(r, &widths, size)).collect();
        let header_h: f32 = header.iter().map(|r| Self::row_height(r)).sum();
        let draw_header = |flow: &mut Flow<'_>| {
            for r in &header {
                let h = Self::row_height(r);
                flow.draw_row(r, 0, usize::MAX, h);
            }
        };
        let body: Vec<Vec<Placed<'_, '_>>> =
            t.rows.iter().map(|r| self.layout_row(r, &widths, size)).collect();
        let first_h = body.first().map_or(0.0, |r| Self::row_height(r));
        self.ensure(header_h + first_h);
        draw_header(self);
        for row in &body {
            let h = Self::row_height(row);
            if self.y + h > self.bottom() + 0.01 {
                self.new_page();
                draw_header(self);
            }
            if self.y + h <= self.bottom() + 0.01 {
                self.draw_row(row, 0, usize::MAX, h);
                continue;
            }
            // Taller than a page: split its lines over pages.
            let n = row.iter().map(|p| p.lines.len()).max().unwrap_or(1);
            let mut from = 0;
            while from < n {
                let room = ((self.bottom() - self.y - 2.0 * CELL_VPAD) / lh).floor().max(1.0) as usize;
                let take = room.min(n - from);
                let seg_h = take as f32 * lh + 2.0 * CELL_VPAD;
                self.draw_row(row, from, take, seg_h);
                from += take;
                if from < n {
                    self.new_page();
                    draw_header(self);
                }
            }
        }
        self.y += 8.0;
    }
}

/// Lays a document out on pages; returns them with the first numbered page
/// index and the characters the face lacked.
pub(crate) fn pages(fonts: &Fonts, doc: &Document) -> (Vec<Page>, usize, Vec<char>) {
    let face = &fonts.serif;
    let (width, height) = match doc.orientation {
        Orientation::Portrait => (A4_W, A4_H),
        Orientation::Landscape => (A4_H, A4_W),
    };
    let body = if doc.font_size > 0.0 { doc.font_size } else { 11.0 };
    let mut f =
        Flow { fonts, face, pages: Vec::new(), width, height, y: BODY_TOP, body, missing: BTreeSet::new() };
    let title = f.clean(&doc.title);
    let subtitle: Vec<String> = doc.subtitle.iter().map(|s| f.clean(s)).collect();
    let first_numbered = if doc.cover_page {
        let mut page = Page::new(width, height);
        let mut y = height * 0.3;
        let ts = 26.0;
        let pen = fonts.pen(Style::Strong, &title);
        for line in wrap(pen.face, &title, ts, f.text_width()) {
            let w = pen.face.width(&line, ts);
            page.text((width - w) / 2.0, y, ts, &line, pen, BLACK);
            y += ts * 1.5;
        }
        y += 24.0;
        for s in &subtitle {
            for line in wrap(face, s, 15.0, f.text_width()) {
                let w = face.width(&line, 15.0);
                page.text((width - w) / 2.0, y, 15.0, &line, fonts.pen(Style::Regular, ""), BLACK);
                y += 15.0 * 1.8;
            }
        }
        f.pages.push(page);
        f.new_page();
        1
    } else {
        f.new_page();
        let ts = 20.0;
        let pen = fonts.pen(Style::Strong, &title);
        for line in wrap(pen.face, &title, ts, f.text_width()) {
            let w = pen.face.width(&line, ts);
            let y = f.y + pen.face.ascent * ts;
            f.page().text((width - w) / 2.0, y, ts, &line, pen, BLACK);
            f.y += ts * 1.5;
        }
        for s in &subtitle {
            for line in wrap(face, s, body, f.text_width()) {
                let w = face.width(&line, body);
                let y = f.y + face.ascent * body;
                f.page().text((width - w) / 2.0, y, body, &line, fonts.pen(Style::Regular, ""), BLACK);
                f.y += body * PARA_LEADING;
            }
        }
        f.y += 12.0;
        0
    };
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => f.heading(*level, text),
            Block::Paragraph(t) => {
                f.lines(t, body, Style::Regular, BLACK, PARA_LEADING);
                f.y += 4.0;
            }
            Block::Note(t) => {
                f.lines(t, body * 0.85, Style::Regular, GREY, LINE_HEIGHT);
                f.y += 4.0;
            }
            Block::Table(t) => f.table(t),
            Block::PageBreak => {
                if f.y > BODY_TOP + 0.01 {
                    f.new_page();
                }
            }
        }
    }
    // Running header and page numbers, now that the count is known.
    let header = f.clean(&doc.running_header);
    let total = f.pages.len() - first_numbered;
    for (i, page) in f.pages.iter_mut().enumerate().skip(first_numbered) {
        let hs = 9.0;
        if !header.trim().is_empty() {
            let line = wrap(face, &header, hs, width - 2.0 * MARGIN_X).into_iter().next().unwrap_or_default();
            let w = face.width(&line, hs);
            page.text((width - w) / 2.0, 44.0, hs, &line, fonts.pen(Style::Regular, ""), GREY);
            page.line(MARGIN_X, 50.0, width - MARGIN_X, 50.0, 0.5);
        }
        let num = format!("第 {} 页 共 {} 页", i - first_numbered + 1, total);
        let w = face.width(&num, hs);
        page.text((width - w) / 2.0, height - 34.0, hs, &num, fonts.pen(Style::Regular, ""), GREY);
    }
    let missing = f.missing.into_iter().collect();
    (f.pages, first_numbered, missing)
}
