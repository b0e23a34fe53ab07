//! A form [`Grid`] as a Word document: mark, title, one table with the
//! grid's columns and rows, and the borderless footer rows as a line with
//! tab stops under it.

use docx_rs::{
    AlignmentType, BuildXML, DocGrid, Docx, FieldCharType, Footer, HeightRule, InstrNUMPAGES, InstrPAGE,
    InstrText, LineSpacing, LineSpacingType, PageMargin, Paragraph, Run, Tab, TabValueType, Table,
    TableAlignmentType, TableCell, TableCellMargins, TableLayoutType, TableRow, VAlignType, VMergeType,
    WidthType,
};

use std::sync::Arc;

use super::package::{self, package, Body};
use super::{
    alignment, exact_lines, fonts, half_points, text_run, text_run_sized, twips, META_PROPERTY_PREFIX,
};
use crate::form::layout::{LINE_HEIGHT, MARK_LINE, TITLE_AFTER, TITLE_BEFORE, TITLE_LINE};
use crate::form::{Align, Grid, GridCell};
use crate::memo::Memo;
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
            .line_spacing(exact_lines(twips(mark_size * MARK_LINE))),
    );
    let table_rows = grid.table_rows();
    let mut rows_of_tables: Vec<Vec<Arc<str>>> = Vec::new();
    for (i, rows) in grid.pages.iter().enumerate() {
        let title = if i == 0 { grid.title.clone() } else { format!("{}{}", grid.title, page.continued) };
        docx = docx.add_paragraph(title_paragraph(&k, &title, i > 0));
        let body = (rows.first..rows.end.min(table_rows))
            .map(|r| row_xml(RowSpec::new(&k, r, rows.first)))
            .collect::<Result<Vec<_>, _>>()?;
        // Word rejects a table without rows.
        if !body.is_empty() {
            // The rows go in finished when the document is packaged.
            let table = Table::new(Vec::new())
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
            rows_of_tables.push(body);
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
    package(docx, &Body::Rows(&rows_of_tables), &[&grid.text_font, &grid.title_font], &custom)
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

/// Everything one table row's XML depends on, at print scale and in the
/// units WordprocessingML writes (twips, half-points). A row is made from its
/// spec alone ([`RowSpec::table_row`]), so equal specs give equal XML and a
/// run makes each distinct row once ([`row_xml`]): forms repeat most of
/// their rows (the labels of every form, a region's tasks in each month's
/// 附3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct RowSpec {
    /// Text face of every cell.
    font: String,
    /// Text size in half-points.
    size: usize,
    /// Exact line height in twips.
    line: u32,
    /// Least row height in twips.
    height: u32,
    /// The row's cells, left to right, covering every column.
    cells: Vec<CellSpec>,
}

/// One cell of a [`RowSpec`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CellSpec {
    /// Width in twips.
    width: u32,
    /// Grid columns spanned.
    span: usize,
    /// Text at the top (free text) rather than centred vertically.
    top: bool,
    /// Vertical merge: `Some(true)` starts one, `Some(false)` continues one.
    merge: Option<bool>,
    /// Alignment of the paragraph; left-aligned text is justified (free
    /// text and the long task text read as paragraphs, as the seed's table
    /// text does).
    align: Align,
    /// Text (empty for none).
    text: String,
}

impl RowSpec {
    /// Row `r` of the grid as it stands on a page whose first row is
    /// `page_first`: the cells starting in it, the continuations of cells
    /// merged down from rows above on the same page, and empty cells where
    /// no cell covers a column.
    fn new(k: &Scaled<'_>, r: usize, page_first: usize) -> RowSpec {
        let grid = k.grid;
        let mut slots: Vec<(usize, CellSpec)> = Vec::new();
        for cell in &grid.cells {
            if cell.row == r {
                let mut c = content_cell(k, cell);
                if cell.rows > 1 {
                    c.merge = Some(true);
                }
                slots.push((cell.col, c));
            } else if cell.row < r && r < cell.row + cell.rows && cell.row >= page_first {
                let mut c = empty_cell(k, cell.col, cell.cols);
                c.merge = Some(false);
                slots.push((cell.col, c));
            }
        }
        slots.sort_by_key(|s| s.0);
        // Columns no cell covers still need a cell, or the row would be short.
        let mut cells = Vec::new();
        let mut next = 0;
        for (col, c) in slots {
            if col < next {
                continue; // overlapping cells: keep the first
            }
            for gap in next..col {
                cells.push(empty_cell(k, gap, 1));
            }
            next = col + c.span;
            cells.push(c);
        }
        for gap in next..grid.columns.len() {
            cells.push(empty_cell(k, gap, 1));
        }
        let size = k.body();
        RowSpec {
            font: grid.text_font.clone(),
            size: half_points(size),
            line: twips(size * LINE_HEIGHT),
            height: twips(k.pt(grid.rows[r].height)),
            cells,
        }
    }

    /// The row as docx-rs builds it.
    fn table_row(&self) -> TableRow {
        let cells = self.cells.iter().map(|c| self.cell(c)).collect();
        TableRow::new(cells).row_height(self.height as f32).height_rule(HeightRule::AtLeast).cant_split()
    }

    fn cell(&self, c: &CellSpec) -> TableCell {
        let align = if c.align == Align::Left { AlignmentType::Both } else { alignment(c.align) };
        let mut p = Paragraph::new()
            .align(align)
            .fonts(fonts(&self.font))
            .size(self.size)
            .line_spacing(exact_lines(self.line));
        if !c.text.is_empty() {
            p = p.add_run(text_run_sized(&c.text, &self.font, self.size));
        }
        let mut tc = TableCell::new()
            .add_paragraph(p)
            .width(c.width as usize, WidthType::Dxa)
            .vertical_align(if c.top { VAlignType::Top } else { VAlignType::Center });
        if c.span > 1 {
            tc = tc.grid_span(c.span);
        }
        match c.merge {
            Some(true) => tc.vertical_merge(VMergeType::Restart),
            Some(false) => tc.vertical_merge(VMergeType::Continue),
            None => tc,
        }
    }
}

/// Distinct rows kept; past this the memo starts again (the 293 forms of a
/// run have about 600 distinct rows).
const ROW_LIMIT: usize = 4096;

/// Finished rows of this run by spec.
static ROWS: Memo<RowSpec, Arc<str>> = Memo::new(ROW_LIMIT);

/// The finished XML of the row `spec` describes (`w:tr`, in schema order),
/// made on first use and then reused.
fn row_xml(spec: RowSpec) -> Result<Arc<str>, RenderError> {
    if let Some(hit) = ROWS.get(&spec) {
        // Debug builds (the tests) check that the spec holds everything
        // the row depends on.
        debug_assert_eq!(*hit, *finish_row(&spec)?, "row XML not determined by its spec");
        return Ok(hit);
    }
    let xml = finish_row(&spec)?;
    ROWS.insert(spec, Arc::clone(&xml));
    Ok(xml)
}

fn finish_row(spec: &RowSpec) -> Result<Arc<str>, RenderError> {
    let built = String::from_utf8(spec.table_row().build())
        .map_err(|e| RenderError::Docx(format!("XML 编码错误：{e}")))?;
    Ok(Arc::from(package::fragment(&built)?))
}

fn content_cell(k: &Scaled<'_>, cell: &GridCell) -> CellSpec {
    CellSpec {
        text: cell.text.clone(),
        align: cell.align,
        top: cell.is_free_text(),
        ..empty_cell(k, cell.col, cell.cols)
    }
}

fn empty_cell(k: &Scaled<'_>, col: usize, cols: usize) -> CellSpec {
    let grid = k.grid;
    let w: f32 = grid.columns[col..(col + cols).min(grid.columns.len())].iter().sum();
    CellSpec {
        width: twips(k.pt(w)),
        span: cols,
        top: false,
        merge: None,
        align: Align::Center,
        text: String::new(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{layout, FormInstance};
    use crate::{FormKind, Templates};

    fn zip_entry(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    }

    /// Finished rows put into empty tables give the same document as
    /// docx-rs building the rows inside the tables and the schema-order
    /// pass run over the whole part.
    #[test]
    fn spliced_rows_equal_rows_built_in_the_table() {
        let t = Templates::embedded().unwrap();
        let region = t.registry.regions().next().map(|(id, _)| id);
        let month = region.and_then(|r| t.registry.progress_months(r).first().copied());
        let grid = layout(t.form(FormKind::Progress), &t.registry, FormInstance { region, period: month });
        let k = Scaled { grid: &grid, s: grid.scale };
        let specs: Vec<RowSpec> = (0..grid.table_rows()).map(|r| RowSpec::new(&k, r, 0)).collect();
        let table =
            |rows: Vec<TableRow>| Table::new(rows).set_grid(vec![100, 200]).width(300, WidthType::Dxa);
        let inside = Docx::new().add_table(table(specs.iter().map(RowSpec::table_row).collect()));
        let rows = vec![specs.iter().cloned().map(row_xml).collect::<Result<Vec<_>, _>>().unwrap()];
        let spliced = Docx::new().add_table(table(Vec::new()));
        let a = package(inside, &Body::HeaderRows(&[0]), &["宋体"], &[]).unwrap();
        let b = package(spliced, &Body::Rows(&rows), &["宋体"], &[]).unwrap();
        let doc = zip_entry(&a, "word/document.xml");
        assert!(doc.matches("<w:tr>").count() == specs.len() && doc.contains(&*grid.cells[0].text));
        assert_eq!(doc, zip_entry(&b, "word/document.xml"));
    }

    /// Equal rows are made once: the second form's label row is the first's.
    #[test]
    fn equal_rows_are_made_once() {
        let t = Templates::embedded().unwrap();
        let mut regions = t.registry.regions().map(|(id, _)| id);
        let (a, b) = (regions.next(), regions.next());
        let rows = |region| {
            let grid = layout(t.form(FormKind::Plan), &t.registry, FormInstance { region, period: None });
            let k = Scaled { grid: &grid, s: grid.scale };
            (0..grid.table_rows()).map(|r| row_xml(RowSpec::new(&k, r, 0)).unwrap()).collect::<Vec<_>>()
        };
        let (first, second) = (rows(a), rows(b));
        assert!(Arc::ptr_eq(&first[0], &second[0]), "the label row is shared");
        assert!(first.iter().zip(&second).any(|(x, y)| x != y), "region rows differ");
    }
}
