//! A form [`Grid`] on A4 portrait pages: the mark top left, the centred title,
//! the table drawn exactly as the grid sizes it, the footer line under it.
//! A table taller than a page breaks between rows (never inside a merged
//! cell) and repeats its header rows on the next page.

use super::canvas::{Page, A4_H, A4_W, BLACK};
use super::font::{Face, Fonts, Pen, Style};
use super::wrap::wrap;
use crate::form::layout::{CELL_PAD, LINE_HEIGHT};
use crate::form::{Align, CellKind, Grid, GridCell};
use crate::record::FormKind;

/// Top and bottom page margins in points (1.4 cm).
pub(crate) const MARGIN_Y: f32 = 40.0;
/// Width of the table rules in points.
pub(crate) const RULE: f32 = 0.75;
/// Smallest size a cell's text is shrunk to when it would overflow the cell.
const MIN_SIZE: f32 = 7.0;

/// Draws `lines` inside the box (`x`, `top`, `w`, `h`): aligned
/// horizontally, centred vertically unless `top_align`.
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
    let face = pen.face;
    let lh = size * LINE_HEIGHT;
    let block = lines.len() as f32 * lh;
    let y0 = if top_align { top + CELL_PAD } else { top + (h - block) / 2.0 };
    // Centre the glyph box (ascent + descent) inside each line's height.
    let glyph_h = (face.ascent + face.descent) * size;
    for (i, line) in lines.iter().enumerate() {
        let baseline = y0 + i as f32 * lh + (lh - glyph_h) / 2.0 + face.ascent * size;
        let lw = face.width(line, size);
        let lx = match align {
            Align::Left => x + CELL_PAD,
            Align::Center => x + (w - lw) / 2.0,
            Align::Right => x + w - CELL_PAD - lw,
        };
        page.text(lx, baseline, size, line, pen, color);
    }
}

/// Wraps `text` for a box `w` × `h`, shrinking the size (down to 7 pt) when
/// the lines would not fit the height.
pub(crate) fn fit(face: &Face, text: &str, size: f32, w: f32, h: f32) -> (Vec<String>, f32) {
    let inner = (w - 2.0 * CELL_PAD).max(1.0);
    let mut s = size;
    loop {
        let lines = wrap(face, text, s, inner);
        if lines.len() as f32 * s * LINE_HEIGHT <= h - 2.0 || s <= MIN_SIZE {
            return (lines, s);
        }
        s -= 0.5;
    }
}

/// The first character of `text` the face lacks.
fn missing(face: &Face, text: &str) -> Option<char> {
    text.chars().find(|c| !c.is_whitespace() && !face.has(*c))
}

/// Lays a grid out on pages.
///
/// # Errors
/// A message naming a character the face lacks, or saying that a 附3 does not
/// fit one page.
pub(crate) fn pages(fonts: &Fonts, grid: &Grid) -> Result<Vec<Page>, String> {
    let face = &fonts.serif;
    let texts = [grid.mark.clone(), grid.title.clone()].into_iter();
    for t in texts.chain(grid.cells.iter().map(|c| c.print_text())) {
        if let Some(c) = missing(face, &t) {
            return Err(format!("字体缺少字符“{c}”（U+{:04X}），出现在“{t}”中", c as u32));
        }
    }

    let x0 = ((A4_W - grid.width()) / 2.0).max(0.0);
    let mark_base = MARGIN_Y + grid.mark_size * face.ascent;
    let title_base = mark_base + grid.title_size * 1.7;
    let first_top = title_base + grid.title_size * 0.9;
    let bottom = A4_H - MARGIN_Y;

    let n = grid.rows.len();
    // Row heights as drawn: the grid's, except that a 附3 taller than the
    // page is squeezed (rows only, text shrinks to fit) to stay on one page.
    let mut heights: Vec<f32> = grid.rows.iter().map(|r| r.height).collect();
    let total: f32 = heights.iter().sum();
    if grid.kind == FormKind::Progress && first_top + total > bottom {
        let k = (bottom - first_top) / total;
        heights.iter_mut().for_each(|h| *h *= k);
    }
    // Rows that may not be separated from the next one: a merged cell spans
    // the boundary, or the next row is part of the footer.
    let mut glued = vec![false; n];
    for c in &grid.cells {
        for g in glued.iter_mut().take(c.row + c.rows - 1).skip(c.row) {
            *g = true;
        }
    }
    for (g, next) in glued.iter_mut().zip(grid.rows.iter().skip(1)) {
        if !next.border {
            *g = true;
        }
    }
    let headers: Vec<usize> = (0..n).filter(|&r| grid.rows[r].header).collect();

    // Blocks of rows that stay together.
    let mut blocks: Vec<Vec<usize>> = Vec::new();
    let mut cur = Vec::new();
    for (r, &g) in glued.iter().enumerate() {
        cur.push(r);
        if !g {
            blocks.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        blocks.push(cur);
    }

    // (row, top on page) for each page.
    let mut placed: Vec<Vec<(usize, f32)>> = vec![Vec::new()];
    let mut y = first_top;
    for block in blocks {
        let h: f32 = block.iter().map(|&r| heights[r]).sum();
        let body_rows = placed.last().map_or(0, |p| p.iter().filter(|(r, _)| !grid.rows[*r].header).count());
        if y + h > bottom + 0.01 && body_rows > 0 {
            placed.push(Vec::new());
            y = MARGIN_Y;
            if let Some(p) = placed.last_mut() {
                for &r in &headers {
                    p.push((r, y));
                    y += heights[r];
                }
            }
        }
        if let Some(p) = placed.last_mut() {
            for r in block {
                if placed_header(p, r) {
                    continue;
                }
                p.push((r, y));
                y += heights[r];
            }
        }
    }
    if grid.kind == FormKind::Progress && (placed.len() > 1 || y > bottom + 0.01) {
        return Err(format!("{}应为一页，但表格高 {total:.0} pt，超出页面", grid.mark));
    }

    let mut out = Vec::with_capacity(placed.len());
    for (i, rows) in placed.iter().enumerate() {
        let mut page = Page::new(A4_W, A4_H);
        if i == 0 {
            let pen = fonts.pen(Style::Strong, &grid.mark);
            page.text(x0, mark_base, grid.mark_size, &grid.mark, pen, BLACK);
            let pen = fonts.pen(Style::Strong, &grid.title);
            let tw = pen.face.width(&grid.title, grid.title_size);
            page.text((A4_W - tw) / 2.0, title_base, grid.title_size, &grid.title, pen, BLACK);
        }
        let lefts = grid.col_lefts();
        for &(r, top) in rows {
            for cell in grid.cells.iter().filter(|c| c.row == r) {
                let x = x0 + lefts[cell.col];
                let w = grid.cell_width(cell);
                let h: f32 = heights[cell.row..cell.row + cell.rows].iter().sum();
                if grid.rows[r].border {
                    page.rect(x, top, w, h, Some(RULE), None);
                }
                draw_cell(&mut page, fonts, grid, cell, (x, top, w, h));
            }
        }
        out.push(page);
    }
    Ok(out)
}

/// Whether row `r` (a header row) is already on the page.
fn placed_header(p: &[(usize, f32)], r: usize) -> bool {
    p.iter().any(|(pr, _)| *pr == r)
}

fn draw_cell(page: &mut Page, fonts: &Fonts, grid: &Grid, cell: &GridCell, rect: (f32, f32, f32, f32)) {
    let face = &fonts.serif;
    let pen = fonts.pen(Style::Regular, "");
    let text = cell.print_text();
    if text.is_empty() {
        return;
    }
    if !grid.rows[cell.row].border {
        // Footer line (填报单位：（盖章）): no box to stay inside, so one line
        // per `\n`, never wrapped; right-aligned text that would run past the
        // table's left edge starts at that edge instead.
        let lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        let size = grid.font_size;
        let (x, top, w, h) = rect;
        let table_left = (A4_W - grid.width()) / 2.0;
        let widest = lines.iter().map(|l| face.width(l, size)).fold(0.0, f32::max);
        let (x, w, align) = if cell.align == Align::Right && x + w - CELL_PAD - widest < table_left {
            (table_left - CELL_PAD, w, Align::Left)
        } else {
            (x, w, cell.align)
        };
        place_lines(page, pen, &lines, (x, top, w, h), align, size, false, BLACK);
        return;
    }
    let (lines, size) = fit(face, &text, grid.font_size, rect.2, rect.3);
    let top_align = cell.kind == CellKind::Input && cell.align == Align::Left;
    place_lines(page, pen, &lines, rect, cell.align, size, top_align, BLACK);
}
