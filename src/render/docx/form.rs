//! A form [`Grid`] as a Word document: mark, title, one table with the
//! grid's columns and rows, and the borderless footer rows as a line with
//! tab stops under it.

use docx_rs::{
    AlignmentType, DocGrid, Docx, HeightRule, LineSpacing, LineSpacingType, Paragraph, Run, Tab,
    TabValueType, Table, TableAlignmentType, TableCell, TableCellMargins, TableLayoutType, TableRow,
    VAlignType, VMergeType, WidthType,
};

use super::package::package;
use super::{
    alignment, exact_lines, fonts, half_points, text_run, twips, Margins, A4_HEIGHT, A4_WIDTH, MARGINS,
    META_PROPERTY_PREFIX,
};
use crate::form::layout::{lines_needed, LINE_HEIGHT};
use crate::form::{Align, CellKind, Grid, GridCell};
use crate::record::FormKind;
use crate::render::RenderError;

/// Inner left and right padding of a cell in twips (4 pt, as the layout
/// assumes when it sizes rows).
const CELL_MARGIN: usize = 80;

/// Line height of the mark, in ems.
const MARK_LINE: f32 = 1.5;
/// Line height of the title and the space before and after it, in ems.
const TITLE_LINE: f32 = 1.5;
const TITLE_BEFORE: f32 = 0.2;
const TITLE_AFTER: f32 = 0.6;

/// Narrowest side margin (1.5 cm) when a wide table needs room.
const MIN_SIDE_MARGIN: u32 = 850;

pub(super) fn render(grid: &Grid) -> Result<Vec<u8>, RenderError> {
    let grid_cols: Vec<usize> = grid.columns.iter().map(|w| twips(*w) as usize).collect();
    let width: usize = grid_cols.iter().sum();
    let margins = side_margins(width as u32);

    let mut docx = Docx::new()
        .page_size(A4_WIDTH, A4_HEIGHT)
        .page_margin(margins.page_margin())
        .default_fonts(fonts(&grid.text_font))
        .default_size(half_points(grid.font_size));
    // No line grid: with one, Word snaps CJK lines to its pitch and rows grow.
    docx.document = docx.document.doc_grid(DocGrid::with_empty());

    docx = docx.add_paragraph(
        Paragraph::new()
            .add_run(text_run(&grid.mark, &grid.title_font, grid.mark_size))
            .fonts(fonts(&grid.title_font))
            .size(half_points(grid.mark_size))
            .line_spacing(exact_lines(grid.mark_size * MARK_LINE)),
    );
    docx = docx.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(text_run(&grid.title, &grid.title_font, grid.title_size))
            .fonts(fonts(&grid.title_font))
            .size(half_points(grid.title_size))
            .line_spacing(
                LineSpacing::new()
                    .line_rule(LineSpacingType::Exact)
                    .line(twips(grid.title_size * TITLE_LINE) as i32)
                    .before(twips(grid.title_size * TITLE_BEFORE))
                    .after(twips(grid.title_size * TITLE_AFTER)),
            ),
    );

    let table_rows = grid.table_rows();
    let heights = row_heights(grid, margins);
    let rows: Vec<TableRow> = (0..table_rows).map(|r| table_row(grid, r, heights[r])).collect();
    let borders = super::single_borders();
    let table = Table::new(rows)
        .set_grid(grid_cols)
        .width(width, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .align(TableAlignmentType::Center)
        .set_borders(borders)
        .margins(TableCellMargins::new().margin(0, CELL_MARGIN, 0, CELL_MARGIN));
    // Word rejects a table without rows.
    if table_rows > 0 {
        docx = docx.add_table(table);
    }

    for (r, &height) in heights.iter().enumerate().skip(table_rows) {
        docx = docx.add_paragraph(footer_line(grid, r, height, r == table_rows));
    }

    // Header rows must lead the table for Word to repeat them.
    let header_rows = grid.rows[..table_rows].iter().take_while(|r| r.header).count();
    let custom: Vec<(String, String)> = grid
        .identity
        .iter()
        .flat_map(|id| id.pairs())
        .map(|(k, v)| (format!("{META_PROPERTY_PREFIX}{k}"), v))
        .collect();
    package(docx, &[header_rows], &[&grid.text_font, &grid.title_font], &custom)
}

/// Space between the table and the first footer line, in points.
fn footer_gap(grid: &Grid) -> f32 {
    grid.font_size * 0.5
}

/// Height of the mark and title paragraphs above the table, in points.
fn heading_height(grid: &Grid) -> f32 {
    grid.mark_size * MARK_LINE + grid.title_size * (TITLE_LINE + TITLE_BEFORE + TITLE_AFTER)
}

/// Room kept free on a one-page form for the differences between the
/// layout's estimate of wrapped text and a word processor's.
const FIT_RESERVE: f32 = 14.0;

/// Row heights in points. A progress form (附3) must print on one page: when
/// its rows do not fit, the writing space of rows holding an empty input
/// shrinks (never below one line), in proportion to each row's spare room,
/// as a print dialog's "fit to page" would. Other forms keep the layout's
/// heights and run over as many pages as they need.
fn row_heights(grid: &Grid, margins: Margins) -> Vec<f32> {
    let mut heights: Vec<f32> = grid.rows.iter().map(|r| r.height).collect();
    if grid.kind != FormKind::Progress {
        return heights;
    }
    let table_rows = grid.table_rows();
    let page = (A4_HEIGHT - margins.top - margins.bottom) as f32 / 20.0;
    let footer: f32 = heights[table_rows..].iter().sum::<f32>()
        + if table_rows < heights.len() { footer_gap(grid) } else { 0.0 };
    let room = page - heading_height(grid) - footer - FIT_RESERVE;
    let total: f32 = heights[..table_rows].iter().sum();
    if total <= room {
        return heights;
    }
    let one_line = grid.font_size * LINE_HEIGHT + 10.0;
    let spare: Vec<f32> = (0..table_rows)
        .map(|r| {
            let cells = || grid.cells.iter().filter(move |c| c.row <= r && r < c.row + c.rows);
            let writing = cells().any(|c| c.kind == CellKind::Input && c.text.is_empty());
            if !writing || cells().any(|c| c.rows > 1) {
                return 0.0;
            }
            let need = cells()
                .map(|c| {
                    lines_needed(&c.print_text(), grid.cell_width(c), grid.font_size) as f32
                        * grid.font_size
                        * LINE_HEIGHT
                        + 10.0
                })
                .fold(one_line, f32::max);
            (heights[r] - need).max(0.0)
        })
        .collect();
    let spare_total: f32 = spare.iter().sum();
    if spare_total > 0.0 {
        let share = ((total - room) / spare_total).min(1.0);
        for (h, s) in heights.iter_mut().zip(&spare) {
            *h = (*h - s * share).floor();
        }
    }
    heights
}

/// Side margins: 2.5 cm, narrower (down to 1.5 cm) when the table needs it.
fn side_margins(table_width: u32) -> Margins {
    let side = A4_WIDTH.saturating_sub(table_width) / 2;
    let side = side.clamp(MIN_SIDE_MARGIN, MARGINS.left);
    Margins { left: side, right: side, ..MARGINS }
}

/// One table row: the cells starting in it, and the continuations of cells
/// merged down from rows above.
fn table_row(grid: &Grid, r: usize, height: f32) -> TableRow {
    let mut slots: Vec<(usize, usize, TableCell)> = Vec::new();
    for cell in &grid.cells {
        if cell.row == r {
            let mut tc = content_cell(grid, cell);
            if cell.rows > 1 {
                tc = tc.vertical_merge(VMergeType::Restart);
            }
            slots.push((cell.col, cell.cols, tc));
        } else if cell.row < r && r < cell.row + cell.rows {
            let tc = empty_cell(grid, cell.col, cell.cols).vertical_merge(VMergeType::Continue);
            slots.push((cell.col, cell.cols, tc));
        }
    }
    slots.sort_by_key(|s| s.0);
    // Columns no cell covers still need a cell, or the row would be short.
    let mut cells = Vec::new();
    let mut next = 0;
    for (col, span, tc) in slots {
        if col < next {
            continue; // overlapping cells: keep the first
        }
        for gap in next..col {
            cells.push(empty_cell(grid, gap, 1));
        }
        cells.push(tc);
        next = col + span;
    }
    for gap in next..grid.columns.len() {
        cells.push(empty_cell(grid, gap, 1));
    }
    TableRow::new(cells).row_height(twips(height) as f32).height_rule(HeightRule::AtLeast).cant_split()
}

fn cell_paragraph(grid: &Grid, text: &str, align: Align) -> Paragraph {
    let mut p = Paragraph::new()
        .align(alignment(align))
        .fonts(fonts(&grid.text_font))
        .size(half_points(grid.font_size))
        .line_spacing(exact_lines(grid.font_size * LINE_HEIGHT));
    if !text.is_empty() {
        p = p.add_run(text_run(text, &grid.text_font, grid.font_size));
    }
    p
}

fn sized(grid: &Grid, tc: TableCell, col: usize, cols: usize) -> TableCell {
    let w: f32 = grid.columns[col..(col + cols).min(grid.columns.len())].iter().sum();
    let tc = tc.width(twips(w) as usize, WidthType::Dxa).vertical_align(VAlignType::Center);
    if cols > 1 {
        tc.grid_span(cols)
    } else {
        tc
    }
}

fn content_cell(grid: &Grid, cell: &GridCell) -> TableCell {
    let p = cell_paragraph(grid, &cell.print_text(), cell.align);
    sized(grid, TableCell::new().add_paragraph(p), cell.col, cell.cols)
}

fn empty_cell(grid: &Grid, col: usize, cols: usize) -> TableCell {
    let p = cell_paragraph(grid, "", Align::Center);
    sized(grid, TableCell::new().add_paragraph(p), col, cols)
}

/// A footer row (no borders) as one line: the first cell's text at the left
/// margin, each further text at a tab stop where its column puts it (right
/// edge for right-aligned labels, left edge for values). Empty inputs leave
/// the room to write in.
fn footer_line(grid: &Grid, r: usize, height: f32, first: bool) -> Paragraph {
    let size = grid.font_size;
    let line = size * LINE_HEIGHT;
    let pad = ((height - line) / 2.0).max(0.0);
    let gap = pad + if first { footer_gap(grid) } else { 0.0 };
    let mut p = Paragraph::new().fonts(fonts(&grid.text_font)).size(half_points(size)).line_spacing(
        LineSpacing::new()
            .line_rule(LineSpacingType::Exact)
            .line(twips(line) as i32)
            .before(twips(gap))
            .after(twips(((grid.rows[r].height - line) / 2.0).max(0.0))),
    );
    let lefts = grid.col_lefts();
    let mut cells: Vec<&GridCell> = grid.cells.iter().filter(|c| c.row == r).collect();
    cells.sort_by_key(|c| c.col);
    for cell in cells {
        let t = cell.print_text();
        if t.is_empty() {
            continue;
        }
        if cell.col > 0 {
            let right = lefts[cell.col] + grid.cell_width(cell);
            let (kind, pos) = match cell.align {
                Align::Right => (TabValueType::Right, right),
                Align::Center => (TabValueType::Center, (lefts[cell.col] + right) / 2.0),
                Align::Left => (TabValueType::Left, lefts[cell.col]),
            };
            p = p
                .add_tab(Tab::new().val(kind).pos(twips(pos) as usize))
                .add_run(Run::new().fonts(fonts(&grid.text_font)).size(half_points(size)).add_tab());
        }
        p = p.add_run(text_run(&t, &grid.text_font, size));
    }
    p
}
