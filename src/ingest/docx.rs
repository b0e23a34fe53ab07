//! Word returns: a .docx form becomes the same plain [`Sheet`]s of values a
//! spreadsheet gives, so locating, normalising and validating are the same.
//!
//! The document is read with docx-rs (`read_docx_with_options`, image
//! previews off). Each top-level table becomes one sheet named `表1`, `表2`
//! …, in document order. The sheet's rows are, in order: the paragraphs
//! before the table (since the previous table), the table's rows, and the
//! paragraphs after it (up to the next table). So the form's mark and title
//! sit above the table and the footer line (填报单位 / 填报时间) below it, as
//! in the xlsx form, and a cell has the same A1 address in both: `表1!B7` is
//! row 7, column B of the first table's sheet.
//!
//! Merged cells are expanded to the grid positions as a spreadsheet holds
//! them: a cell spanning columns (`gridSpan`) or rows (`vMerge`) keeps its
//! text in its top-left position, the covered positions are empty. A
//! paragraph's tab stops split it into cells of consecutive columns
//! (`填报单位：` ⇥ `河北省环境保护厅`), as the footer line is laid out.

use docx_rs::{
    DocumentChild, InsertChild, Paragraph, ParagraphChild, ReadDocxOptions, RunChild, StructuredDataTagChild,
    TabValueType, Table, TableCellContent, TableChild, TableRowChild,
};

use super::guard::{LimitError, Limits};
use super::read::{ReadError, Sheet, Value};

/// Reads a .docx's tables (with the paragraphs around them) as sheets.
///
/// # Errors
/// [`ReadError::Damaged`] when docx-rs cannot read the package;
/// [`ReadError::Limit`] when a table's grid exceeds [`Limits::sheet_cells`]
/// or there are more tables than [`Limits::sheets`].
pub fn read_docx(bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, ReadError> {
    let doc = docx_rs::read_docx_with_options(bytes, ReadDocxOptions::default().with_image_previews(false))
        .map_err(|e| ReadError::damaged(e.to_string()))?;
    // Paragraph rows and tables in document order.
    enum Block<'a> {
        Para(&'a Paragraph),
        Table(&'a Table),
    }
    let mut blocks = Vec::new();
    for child in &doc.document.children {
        match child {
            DocumentChild::Paragraph(p) => blocks.push(Block::Para(p)),
            DocumentChild::Table(t) => blocks.push(Block::Table(t)),
            DocumentChild::StructuredDataTag(sdt) => {
                for c in &sdt.children {
                    match c {
                        StructuredDataTagChild::Paragraph(p) => blocks.push(Block::Para(p)),
                        StructuredDataTagChild::Table(t) => blocks.push(Block::Table(t)),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let tables = blocks.iter().filter(|b| matches!(b, Block::Table(_))).count();
    if tables > limits.sheets {
        return Err(LimitError::TooManySheets { count: tables, limit: limits.sheets }.into());
    }
    let table_at: Vec<usize> =
        blocks.iter().enumerate().filter(|(_, b)| matches!(b, Block::Table(_))).map(|(i, _)| i).collect();
    let mut sheets = Vec::new();
    for k in 0..table_at.len() {
        let start = if k == 0 { 0 } else { table_at[k - 1] + 1 };
        let end = table_at.get(k + 1).copied().unwrap_or(blocks.len());
        let grid = match blocks[table_at[k]] {
            Block::Table(t) => t.grid.as_slice(),
            Block::Para(_) => &[],
        };
        let mut rows: Vec<Vec<Value>> = Vec::new();
        for b in &blocks[start..end] {
            match b {
                Block::Para(p) => rows.push(paragraph_cells(p, grid)),
                // The only table between the neighbouring tables is this one.
                Block::Table(t) => rows.extend(table_rows(t)),
            }
        }
        let name = format!("表{}", k + 1);
        let width = rows.iter().map(Vec::len).max().unwrap_or(0) as u64;
        let cells = width * rows.len() as u64;
        if cells > limits.sheet_cells {
            let sheet = format!("「{name}」");
            return Err(LimitError::SheetTooLarge { sheet, cells, limit: limits.sheet_cells }.into());
        }
        sheets.push(Sheet { name, hidden: false, origin: (0, 0), rows, date1904: false });
    }
    Ok(sheets)
}

/// The rows of a table on its grid: each cell at its grid column (after
/// `gridBefore`), spans and vertical continuations left empty.
fn table_rows(t: &Table) -> Vec<Vec<Value>> {
    let mut rows = Vec::with_capacity(t.rows.len());
    for TableChild::TableRow(row) in &t.rows {
        let before = serde_json::to_value(&row.property)
            .ok()
            .and_then(|v| v.get("gridBefore").and_then(|g| g.as_u64()))
            .unwrap_or(0) as usize;
        let mut cells = vec![Value::Empty; before.min(64)];
        for TableRowChild::TableCell(cell) in &row.cells {
            let prop = serde_json::to_value(&cell.property).unwrap_or_default();
            let span = prop.get("gridSpan").and_then(|g| g.as_u64()).unwrap_or(1).clamp(1, 64) as usize;
            let continued = prop.get("verticalMerge").and_then(|m| m.as_str()) == Some("continue");
            let text = if continued { String::new() } else { cell_text(&cell.children) };
            cells.push(if text.trim().is_empty() { Value::Empty } else { Value::Text(text) });
            cells.extend(std::iter::repeat_n(Value::Empty, span - 1));
        }
        rows.push(cells);
    }
    rows
}

fn cell_text(children: &[TableCellContent]) -> String {
    let mut lines: Vec<String> = Vec::new();
    for c in children {
        match c {
            TableCellContent::Paragraph(p) => lines.push(paragraph_text(p)),
            TableCellContent::Table(t) => {
                for row in table_rows(t) {
                    let texts: Vec<String> = row.iter().filter(|v| !v.is_blank()).map(Value::text).collect();
                    lines.push(texts.join(" "));
                }
            }
            _ => {}
        }
    }
    lines.join("\n")
}

/// A paragraph's text; a tab stays `\t`, a line break is `\n`.
fn paragraph_text(p: &Paragraph) -> String {
    let mut s = String::new();
    push_children(&p.children, &mut s);
    s
}

fn push_children(children: &[ParagraphChild], s: &mut String) {
    for c in children {
        match c {
            ParagraphChild::Run(r) => push_run(&r.children, s),
            ParagraphChild::Insert(ins) => {
                for ic in &ins.children {
                    if let InsertChild::Run(r) = ic {
                        push_run(&r.children, s);
                    }
                }
            }
            ParagraphChild::Hyperlink(h) => push_children(&h.children, s),
            ParagraphChild::StructuredDataTag(sdt) => {
                for sc in &sdt.children {
                    if let StructuredDataTagChild::Run(r) = sc {
                        push_run(&r.children, s);
                    }
                }
            }
            _ => {}
        }
    }
}

fn push_run(children: &[RunChild], s: &mut String) {
    for c in children {
        match c {
            RunChild::Text(t) => s.push_str(&t.text),
            RunChild::Tab(_) | RunChild::PTab(_) => s.push('\t'),
            RunChild::Break(_) | RunChild::CarriageReturn(_) => s.push('\n'),
            _ => {}
        }
    }
}

/// A paragraph outside tables as a row. Its tab-separated parts are put
/// in the columns of the table's grid (`gridCol` widths, twips) where its
/// tab stops fall, as the footer line of a generated form is laid out (a
/// left stop at a column's left edge, a right stop at a cell's right edge);
/// without stops, in consecutive columns.
fn paragraph_cells(p: &Paragraph, grid: &[usize]) -> Vec<Value> {
    let text = paragraph_text(p);
    let mut lefts = Vec::with_capacity(grid.len());
    let mut x = 0usize;
    for w in grid {
        lefts.push(x);
        x = x.saturating_add(*w);
    }
    let mut stops: Vec<(usize, Option<TabValueType>)> =
        p.property.tabs.iter().filter_map(|t| t.pos.map(|pos| (pos, t.val))).collect();
    stops.sort_by_key(|s| s.0);
    // The column a stop puts text in: a right stop ends a cell, so the text
    // belongs to the column left of the edge; others start at the edge.
    // Stops are placed from rounded point sizes: an edge within a point
    // (20 twips) of a stop is that stop's edge.
    const SLACK: usize = 20;
    let column_of = |(pos, val): (usize, Option<TabValueType>)| -> Option<usize> {
        let right = matches!(val, Some(TabValueType::Right | TabValueType::End));
        lefts.iter().rposition(|&l| if right { l + SLACK < pos } else { l <= pos + SLACK })
    };
    let mut cells: Vec<Value> = Vec::new();
    let mut col = 0usize;
    for (i, part) in text.split('\t').enumerate() {
        if i > 0 {
            let mapped = stops.get(i - 1).and_then(|&s| column_of(s));
            col = match mapped {
                Some(c) if c > col => c,
                _ => col + 1,
            };
        }
        if part.trim().is_empty() {
            continue;
        }
        if col >= 256 {
            break;
        }
        if cells.len() <= col {
            cells.resize(col + 1, Value::Empty);
        }
        cells[col] = Value::Text(part.to_string());
    }
    cells
}
