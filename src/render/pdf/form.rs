//! A form [`Grid`] on its pages, exactly as the layout placed it: the mark
//! and title, the table rows of each page, the footer line under the table,
//! the title with （续） on a continuation page and page numbers when there
//! is more than one page. Everything is drawn at the grid's scale; nothing
//! here decides a size or a break.

use super::canvas::{Page, BLACK};
use super::font::{Face, Fonts, Pen, Style};
use super::wrap::wrap;
use crate::form::layout::{CELL_PAD, LINE_HEIGHT, MARK_LINE, TITLE_BEFORE, TITLE_LINE};
use crate::form::{Align, Grid, GridCell};

/// Width of the table rules in points.
pub(crate) const RULE: f32 = 0.75;

/// Draws `lines` inside the box (`x`, `top`, `w`, `h`): aligned
/// horizontally, centred vertically unless `top_align`. `justify` spreads
/// every line but a paragraph's last across the box, as the seed's table text.
#[allow(clippy::too_many_arguments)]
pub(crate) fn place_lines(
    page: &mut Page,
    pen: Pen<'_>,
    lines: &[String],
    (x, top, w, h): (f32, f32, f32, f32),
    align: Align,
    size: f32,
    top_align: bool,
    color: crate::doc::Rgb,
) {
    place_lines_with(page, pen, lines, (x, top, w, h), (align, &[]), size, (top_align, 0.0), color);
}

/// [`place_lines`] with justification and a top padding.
#[allow(clippy::too_many_arguments)]
fn place_lines_with(
    page: &mut Page,
    pen: Pen<'_>,
    lines: &[String],
    (x, top, w, h): (f32, f32, f32, f32),
    (align, justify): (Align, &[bool]),
    size: f32,
    (top_align, pad_top): (bool, f32),
    color: crate::doc::Rgb,
) {
    let face = pen.face;
    let lh = size * LINE_HEIGHT;
    let block = lines.len() as f32 * lh;
    let y0 = if top_align { top + pad_top.max(CELL_PAD) } else { top + (h - block) / 2.0 };
    // Centre the glyph box (ascent + descent) inside each line's height.
    let glyph_h = (face.ascent + face.descent) * size;
    let inner = w - 2.0 * CELL_PAD;
    for (i, line) in lines.iter().enumerate() {
        let baseline = y0 + i as f32 * lh + (lh - glyph_h) / 2.0 + face.ascent * size;
        let lw = face.width(line, size);
        let lx = match align {
            Align::Left => x + CELL_PAD,
            Align::Center => x + (w - lw) / 2.0,
            Align::Right => x + w - CELL_PAD - lw,
        };
        let n = line.chars().count();
        let spread = inner - lw;
        if justify.get(i).copied().unwrap_or(false) && n > 1 && spread > 0.0 && spread < size * 2.5 {
            page.text_spaced(lx, baseline, size, line, pen, color, spread / (n - 1) as f32);
        } else {
            page.text(lx, baseline, size, line, pen, color);
        }
    }
}

/// Wraps `text` for a box `w` wide.
pub(crate) fn fit(face: &Face, text: &str, size: f32, w: f32) -> Vec<String> {
    wrap(face, text, size, (w - 2.0 * CELL_PAD).max(1.0))
}

/// The first character of `text` the face lacks.
fn missing(face: &Face, text: &str) -> Option<char> {
    text.chars().find(|c| !c.is_whitespace() && !face.has(*c))
}

/// Draws a laid-out grid, page by page.
///
/// # Errors
/// A message naming a character the face lacks.
pub(crate) fn pages(fonts: &Fonts, grid: &Grid) -> Result<Vec<Page>, String> {
    let face = &fonts.serif;
    let continued = format!("{}{}", grid.title, grid.page.continued);
    let texts = [grid.mark.clone(), continued.clone()].into_iter();
    for t in texts.chain(grid.cells.iter().map(|c| c.text.clone())) {
        if let Some(c) = missing(face, &t) {
            return Err(format!("字体缺少字符“{c}”（U+{:04X}），出现在“{t}”中", c as u32));
        }
    }
    let s = grid.scale;
    let spec = &grid.page;
    let x0 = grid.table_left();
    let lefts = grid.col_lefts();
    let table_rows = grid.table_rows();
    let count = grid.pages.len();
    let mut out = Vec::with_capacity(count);
    for (i, rows) in grid.pages.iter().enumerate() {
        let mut page = Page::new(spec.width, spec.height);
        let mut y = spec.top;
        let title_base = |y: f32, face: &Face| {
            let (size, line) = (grid.title_size * s, grid.title_size * TITLE_LINE * s);
            y + grid.title_size * TITLE_BEFORE * s
                + (line - (face.ascent + face.descent) * size) / 2.0
                + face.ascent * size
        };
        if i == 0 {
            let pen = fonts.pen(Style::Strong, &grid.mark);
            let (size, line) = (grid.mark_size * s, grid.mark_size * MARK_LINE * s);
            let base =
                y + (line - (pen.face.ascent + pen.face.descent) * size) / 2.0 + pen.face.ascent * size;
            page.text(x0, base, size, &grid.mark, pen, BLACK);
            y += line;
        }
        let title = if i == 0 { &grid.title } else { &continued };
        let pen = fonts.pen(Style::Strong, title);
        let size = grid.title_size * s;
        let tw = pen.face.width(title, size);
        page.text(x0 + (grid.width() * s - tw) / 2.0, title_base(y, pen.face), size, title, pen, BLACK);
        y += grid.continued_heading_height() * s;

        let mut tops = Vec::new();
        for r in rows.first..rows.end {
            if r == table_rows && r > 0 {
                y += grid.footer_gap() * s;
            }
            tops.push((r, y));
            y += grid.rows[r].height * s;
        }
        for &(r, top) in &tops {
            for cell in grid.cells.iter().filter(|c| c.row == r) {
                let x = x0 + lefts[cell.col] * s;
                let w = grid.cell_width(cell) * s;
                let h = grid.cell_height(cell) * s;
                if grid.rows[r].border {
                    page.rect(x, top, w, h, Some(RULE), None);
                }
                draw_cell(&mut page, fonts, grid, cell, (x, top, w, h));
            }
        }
        if count > 1 {
            let number = format!("第 {} 页 共 {count} 页", i + 1);
            let pen = fonts.pen(Style::Regular, "");
            let size = grid.font_size * s * 0.85;
            let w = pen.face.width(&number, size);
            let base = spec.height - spec.bottom / 2.0;
            page.text(x0 + (grid.width() * s - w) / 2.0, base, size, &number, pen, BLACK);
        }
        out.push(page);
    }
    Ok(out)
}

fn draw_cell(page: &mut Page, fonts: &Fonts, grid: &Grid, cell: &GridCell, rect: (f32, f32, f32, f32)) {
    let face = &fonts.serif;
    let pen = fonts.pen(Style::Regular, "");
    let text = &cell.text;
    if text.is_empty() {
        return;
    }
    let size = grid.font_size * grid.scale;
    if !grid.rows[cell.row].border {
        // Footer line (填报单位：): no box to stay inside, so one line per
        // `\n`, never wrapped.
        let lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        place_lines(page, pen, &lines, rect, cell.align, size, false, BLACK);
        return;
    }
    // Free text and the long pre-filled task text read as paragraphs:
    // every line but a paragraph's last is justified, as the seed's table
    // text is.
    let mut lines = Vec::new();
    let mut justify = Vec::new();
    for para in text.split('\n') {
        let mut l = fit(face, para, size, rect.2);
        if l.is_empty() {
            l.push(String::new());
        }
        let n = l.len();
        justify.extend((0..n).map(|k| cell.align == Align::Left && k + 1 < n));
        lines.extend(l);
    }
    let top_align = cell.is_free_text();
    place_lines_with(
        page,
        pen,
        &lines,
        rect,
        (cell.align, &justify),
        size,
        (top_align, crate::form::layout::CELL_VPAD * grid.scale),
        BLACK,
    );
}
