//! A form [`Grid`] as a Word document: mark, title, one table with the
//! grid's columns and rows, and the borderless footer rows as a line with
//! tab stops under it.

use docx_rs::{
    AlignmentType, DocGrid, Docx, FieldCharType, Footer, HeightRule, InstrNUMPAGES, InstrPAGE, InstrText,
    LineSpacing, LineSpacingType, PageMargin, Paragraph, Run, Tab, TabValueType, Table, TableAlignmentType,
    TableCell, TableCellMargins, TableLayoutType, TableRow, VAlignType, VMergeType, WidthType,
};

use super::package::package;
use super::{alignment, exact_lines, fonts, half_points, text_run, twips, META_PROPERTY_PREFIX};
use crate::form::layout::{LINE_HEIGHT, MARK_LINE, TITLE_AFTER, TITLE_BEFORE, TITLE_LINE};
use crate::form::{Align, Grid, GridCell};
use crate::render::RenderError;

/// Inner left and right padding of a cell in points (as the layout assumes
/// when it sizes rows).
const CELL_MARGIN: f32 = 4.0;

/// Everything at the grid's print scale.
struct Scaled<'a> {
    grid: &'a Grid,
    s: f32,
}

impl Scaled<'_> {
    fn pt(&self, v: f32) -> f32 {
        v * self.s
    }
    fn body(&self) -> f32 {
        self.grid.font_size * self.s
    }
}

pub(super) fn render(grid: &Grid) -> Result<Vec<u8>, RenderError> {
    let k = Scaled { grid, s: grid.scale };
    let page = &grid.page;
    let grid_cols: Vec<usize> = grid.columns.iter().map(|w| twips(k.pt(*w)) as usize).collect();
    let width: usize = grid_cols.iter().sum();

    let mut docx = Docx::new()
        .page_size(twips(page.width), twips(page.height))
        .page_margin(PageMargin {
            top: twips(page.top) as i32,
            bottom: twips(page.bottom) as i32,
            left: twips(page.side) as i32,
            right: twips(page.side) as i32,
            header: twips(page.top / 2.0) as i32,
            footer: twips(page.bottom / 3.0) as i32,
            gutter: 0,
        })
        .default_fonts(fonts(&grid.text_font))
        .default_size(half_points(k.body()));
    // No line grid: with one, Word snaps CJK lines to its pitch and rows grow.
    docx.document = docx.document.doc_grid(DocGrid::with_empty());

    let mark_size = k.pt(grid.mark_size);
    docx = docx.add_paragraph(
        Paragraph::new()
            .add_run(text_run(&grid.mark, &grid.title_font, mark_size))
            .fonts(fonts(&grid.title_font))
            .size(half_points(mark_size))
            .line_spacing(exact_lines(mark_size * MARK_LINE)),
    );
    let table_rows = grid.table_rows();
    let mut tables = 0;
    for (i, rows) in grid.pages.iter().enumerate() {
        let title = if i == 0 { grid.title.clone() } else { format!("{}{}", grid.title, page.continued) };
        docx = docx.add_paragraph(title_paragraph(&k, &title, i > 0));
        let body: Vec<TableRow> =
            (rows.first..rows.end.min(table_rows)).map(|r| table_row(&k, r, rows.first)).collect();
        // Word rejects a table without rows.
        if !body.is_empty() {
            let table = Table::new(body)
                .set_grid(grid_cols.clone())
                .width(width, WidthType::Dxa)
                .layout(TableLayoutType::Fixed)
                .align(TableAlignmentType::Center)
                .set_borders(super::single_borders())
                .margins(TableCellMargins::new().margin(
                    0,
                    twips(k.pt(CELL_MARGIN)) as usize,
                    0,
                    twips(k.pt(CELL_MARGIN)) as usize,
                ));
            docx = docx.add_table(table);
            tables += 1;
        }
        for r in rows.first.max(table_rows)..rows.end {
            docx = docx.add_paragraph(footer_line(&k, r, r == table_rows));
        }
    }
    if grid.pages.len() > 1 {
        docx = docx.footer(page_number_footer(&k));
    }

    let custom: Vec<(String, String)> = grid
        .identity
        .iter()
        .flat_map(|id| id.pairs())
        .map(|(k, v)| (format!("{META_PROPERTY_PREFIX}{k}"), v))
        .collect();
    // No row repeats: the label row is part of the form, not a column header.
    package(docx, &vec![0; tables], &[&grid.text_font, &grid.title_font], &custom)
}

/// The title, centred; on a continuation page it starts the new page.
fn title_paragraph(k: &Scaled<'_>, title: &str, new_page: bool) -> Paragraph {
    let grid = k.grid;
    let size = k.pt(grid.title_size);
    Paragraph::new()
        .align(AlignmentType::Center)
        .add_run(text_run(title, &grid.title_font, size))
        .fonts(fonts(&grid.title_font))
        .size(half_points(size))
        .page_break_before(new_page)
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Exact)
                .line(twips(size * TITLE_LINE) as i32)
                .before(twips(size * TITLE_BEFORE))
                .after(twips(size * TITLE_AFTER)),
        )
}

/// `第 N 页 共 M 页`, N and M fields, for a form that runs over.
fn page_number_footer(k: &Scaled<'_>) -> Footer {
    let s = k.body() * 0.85;
    let font = &k.grid.text_font;
    let run = || Run::new().fonts(fonts(font)).size(half_points(s));
    let field = |instr: InstrText| {
        vec![
            run().add_field_char(FieldCharType::Begin, false),
            run().add_instr_text(instr),
            run().add_field_char(FieldCharType::Separate, false),
            run().add_text("1"),
            run().add_field_char(FieldCharType::End, false),
        ]
    };
    let mut p = Paragraph::new().align(AlignmentType::Center).add_run(run().add_text("第 "));
    for r in field(InstrText::PAGE(InstrPAGE::new())) {
        p = p.add_run(r);
    }
    p = p.add_run(run().add_text(" 页 共 "));
    for r in field(InstrText::NUMPAGES(InstrNUMPAGES::new())) {
        p = p.add_run(r);
    }
    Footer::new().add_paragraph(p.add_run(run().add_text(" 页")))
}

/// One table row: the cells starting in it, and the continuations of cells
/// merged down from rows above.
fn table_row(k: &Scaled<'_>, r: usize, page_first: usize) -> TableRow {
    let grid = k.grid;
    let height = k.pt(grid.rows[r].height);
    let mut slots: Vec<(usize, usize, TableCell)> = Vec::new();
    for cell in &grid.cells {
        if cell.row == r {
            let mut tc = content_cell(k, cell);
            if cell.rows > 1 {
                tc = tc.vertical_merge(VMergeType::Restart);
            }
            slots.push((cell.col, cell.cols, tc));
        } else if cell.row < r && r < cell.row + cell.rows && cell.row >= page_first {
            let tc = empty_cell(k, cell.col, cell.cols).vertical_merge(VMergeType::Continue);
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
            cells.push(empty_cell(k, gap, 1));
        }
        cells.push(tc);
        next = col + span;
    }
    for gap in next..grid.columns.len() {
        cells.push(empty_cell(k, gap, 1));
    }
    TableRow::new(cells).row_height(twips(height) as f32).height_rule(HeightRule::AtLeast).cant_split()
}

fn cell_paragraph(k: &Scaled<'_>, text: &str, align: Align) -> Paragraph {
    let grid = k.grid;
    let size = k.body();
    let mut p = Paragraph::new()
        .align(alignment(align))
        .fonts(fonts(&grid.text_font))
        .size(half_points(size))
        .line_spacing(exact_lines(size * LINE_HEIGHT));
    if !text.is_empty() {
        p = p.add_run(text_run(text, &grid.text_font, size));
    }
    p
}

fn sized(k: &Scaled<'_>, tc: TableCell, col: usize, cols: usize, top: bool) -> TableCell {
    let grid = k.grid;
    let w: f32 = grid.columns[col..(col + cols).min(grid.columns.len())].iter().sum();
    let tc = tc.width(twips(k.pt(w)) as usize, WidthType::Dxa).vertical_align(if top {
        VAlignType::Top
    } else {
        VAlignType::Center
    });
    if cols > 1 {
        tc.grid_span(cols)
    } else {
        tc
    }
}

fn content_cell(k: &Scaled<'_>, cell: &GridCell) -> TableCell {
    // Free text and the long task text read as paragraphs: justified, as
    // the seed's table text is.
    let align = if cell.align == Align::Left { Align::Left } else { cell.align };
    let mut p = cell_paragraph(k, &cell.text, align);
    if cell.align == Align::Left {
        p = p.align(AlignmentType::Both);
    }
    sized(k, TableCell::new().add_paragraph(p), cell.col, cell.cols, cell.is_free_text())
}

fn empty_cell(k: &Scaled<'_>, col: usize, cols: usize) -> TableCell {
    let p = cell_paragraph(k, "", Align::Center);
    sized(k, TableCell::new().add_paragraph(p), col, cols, false)
}

/// A footer row (no borders) as one line: each text at a tab stop where its
/// column puts it (right edge for right-aligned labels, left edge for
/// values and left-aligned labels). Empty inputs leave the room to write in.
fn footer_line(k: &Scaled<'_>, r: usize, first: bool) -> Paragraph {
    let grid = k.grid;
    let size = k.body();
    let line = size * LINE_HEIGHT;
    let height = k.pt(grid.rows[r].height);
    let pad = ((height - line) / 2.0).max(0.0);
    let gap = pad + if first { k.pt(grid.footer_gap()) } else { 0.0 };
    let mut p = Paragraph::new().fonts(fonts(&grid.text_font)).size(half_points(size)).line_spacing(
        LineSpacing::new()
            .line_rule(LineSpacingType::Exact)
            .line(twips(line) as i32)
            .before(twips(gap))
            .after(twips(pad)),
    );
    // Tab positions are measured from the text margin; the table is centred
    // in it, so shift by the table's indent.
    let indent = (grid.page.inner_width() - k.pt(grid.width())).max(0.0) / 2.0;
    let lefts = grid.col_lefts();
    let mut cells: Vec<&GridCell> = grid.cells.iter().filter(|c| c.row == r).collect();
    cells.sort_by_key(|c| c.col);
    for cell in cells {
        let t = &cell.text;
        if t.is_empty() {
            continue;
        }
        let left = indent + k.pt(lefts[cell.col]);
        let right = left + k.pt(grid.cell_width(cell));
        let (kind, pos) = match cell.align {
            Align::Right => (TabValueType::Right, right),
            Align::Center => (TabValueType::Center, (left + right) / 2.0),
            Align::Left => (TabValueType::Left, left),
        };
        if pos > 0.5 {
            p = p
                .add_tab(Tab::new().val(kind).pos(twips(pos) as usize))
                .add_run(Run::new().fonts(fonts(&grid.text_font)).size(half_points(size)).add_tab());
        }
        p = p.add_run(text_run(t, &grid.text_font, size));
    }
    p
}
