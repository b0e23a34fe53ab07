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
//! docx-rs builds a tree of every part it reads and of every formatting
//! element in them, which ingest never looks at (fonts, sizes, spacing,
//! borders, styles, numbering, themes, comments). So it is given a package
//! of the main document alone, without the formatting: every run's and
//! paragraph mark's properties (`w:rPr`) and the sections' (`w:sectPr`)
//! are left out, and of the paragraph, row, cell and table properties only
//! what ingest reads is kept (tab stops; `gridBefore`; `gridSpan` and
//! `vMerge`). Text, tables, rows, cells and the table grid stay as written,
//! except that a grid width docx-rs cannot read (it panics on any but a
//! plain number) is given in twips.
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

use std::io::{Cursor, Read, Write};

use quick_xml::events::Event;

use super::guard::{LimitError, Limits};
use super::read::{ReadError, Sheet, Value};

/// Reads a .docx's tables (with the paragraphs around them) as sheets.
///
/// # Errors
/// [`ReadError::Damaged`] when docx-rs cannot read the package;
/// [`ReadError::Limit`] when a table's grid exceeds [`Limits::sheet_cells`]
/// or there are more tables than [`Limits::sheets`].
pub fn read_docx(bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, ReadError> {
    let package = slim_package(bytes, limits)?;
    let doc =
        docx_rs::read_docx_with_options(&package, ReadDocxOptions::default().with_image_previews(false))
            .map_err(damaged)?;
    // Paragraph rows and tables in document order.
    enum Block<'a> {
        Para(&'a Paragraph),
        Table(&'a Table),
    }
    // Blocks of the body in order, then tables joined (a split table).
    enum Group<'a> {
        Para(&'a Paragraph),
        Tables(Vec<&'a Table>),
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
    // A table the clerk split in two (only empty paragraphs between the
    // parts) is one table: the parts' rows one after the other, a header
    // row the second part repeats left out.
    let blank = |b: &Block| matches!(b, Block::Para(p) if paragraph_text(p).trim().is_empty());
    let mut grouped: Vec<Group> = Vec::new();
    let mut pending: Vec<&Paragraph> = Vec::new();
    for b in &blocks {
        match b {
            Block::Para(p) => pending.push(p),
            Block::Table(t) => {
                let joins = matches!(grouped.last(), Some(Group::Tables(_)))
                    && pending.iter().all(|p| blank(&Block::Para(p)));
                if joins {
                    if let Some(Group::Tables(ts)) = grouped.last_mut() {
                        ts.push(t);
                    }
                } else {
                    grouped.extend(pending.iter().map(|p| Group::Para(p)));
                    grouped.push(Group::Tables(vec![t]));
                }
                pending.clear();
            }
        }
    }
    grouped.extend(pending.iter().map(|p| Group::Para(p)));
    let blocks = grouped;
    let tables = blocks.iter().filter(|b| matches!(b, Group::Tables(_))).count();
    if tables > limits.sheets {
        return Err(LimitError::TooManySheets { count: tables, limit: limits.sheets }.into());
    }
    let table_at: Vec<usize> =
        blocks.iter().enumerate().filter(|(_, b)| matches!(b, Group::Tables(_))).map(|(i, _)| i).collect();
    let mut sheets = Vec::new();
    for k in 0..table_at.len() {
        let start = if k == 0 { 0 } else { table_at[k - 1] + 1 };
        let end = table_at.get(k + 1).copied().unwrap_or(blocks.len());
        let grid = match &blocks[table_at[k]] {
            Group::Tables(ts) => ts.first().map_or(&[][..], |t| t.grid.as_slice()),
            Group::Para(_) => &[],
        };
        let mut rows: Vec<Vec<Value>> = Vec::new();
        for b in &blocks[start..end] {
            match b {
                Group::Para(p) => rows.push(paragraph_cells(p, grid)),
                // The only table between the neighbouring tables is this one.
                Group::Tables(ts) => {
                    let mut header: Option<Vec<Value>> = None;
                    for (i, t) in ts.iter().enumerate() {
                        let mut part = table_rows(t);
                        if i == 0 {
                            header = part.first().cloned();
                        } else if part.first().is_some_and(|r| Some(r) == header.as_ref()) {
                            part.remove(0);
                        }
                        rows.extend(part);
                    }
                }
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
        // docx-rs keeps these properties private; they are read from their
        // serialised form (only when the row or cell has any).
        let before = if row.property == Default::default() {
            0
        } else {
            serde_json::to_value(&row.property)
                .ok()
                .and_then(|v| v.get("gridBefore").and_then(|g| g.as_u64()))
                .unwrap_or(0) as usize
        };
        let mut cells = vec![Value::Empty; before.min(64)];
        for TableRowChild::TableCell(cell) in &row.cells {
            let prop = if cell.property == Default::default() {
                serde_json::Value::Null
            } else {
                serde_json::to_value(&cell.property).unwrap_or_default()
            };
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

/// Children kept in a property element (by local name): what the reading
/// below uses. Any other child of these is left out; elements elsewhere are
/// kept unless [`DROPPED`] names them.
const KEPT_PROPERTIES: &[(&str, &[&str])] = &[
    ("pPr", &["tabs"]),
    ("trPr", &["gridBefore"]),
    ("tcPr", &["gridSpan", "vMerge"]),
    ("tblPr", &[]),
    ("tblPrEx", &[]),
];

/// Elements left out wherever they are, with everything inside them:
/// formatting; what Word does not show (text deleted or moved away in
/// tracked changes, a field's instructions); a content control's properties.
const DROPPED: &[&[u8]] =
    &[b"rPr", b"sectPr", b"del", b"moveFrom", b"delText", b"instrText", b"sdtPr", b"sdtEndPr", b"fldChar"];

/// Wrappers left out while their content is kept, so docx-rs sees the
/// content where Word shows it: text moved here in tracked changes
/// (`w:moveTo`), content controls at any level (`w:sdt`, a rich-text
/// control in a cell holding several paragraphs), smart tags and custom XML.
const UNWRAPPED: &[&[u8]] = &[b"moveTo", b"sdt", b"sdtContent", b"smartTag", b"customXml"];

/// What a kept element is, for its end tag.
#[derive(Clone, Copy)]
enum Open {
    /// Written; the index of its entry in KEPT_PROPERTIES, when it is a
    /// property element.
    Kept(Option<usize>),
    /// Left out, its content kept ([`UNWRAPPED`]).
    Unwrapped,
}

/// A legacy form checkbox (`w:fldChar` begin holding `w:ffData/w:checkBox`)
/// being read: whether a `w:checked` or `w:default` was seen and its state.
#[derive(Default)]
struct CheckBox {
    seen: bool,
    checked: Option<bool>,
    default: Option<bool>,
}

/// An on/off attribute `w:val` (absent: on).
fn on_off(e: &quick_xml::events::BytesStart) -> bool {
    e.attributes()
        .flatten()
        .find(|a| local_name(a.key.as_ref().as_bytes()) == b"val")
        .is_none_or(|a| !matches!(a.value.as_ref(), "0" | "false" | "off"))
}

/// The character a Wingdings symbol (`w:sym`) shows, when it is a box or a
/// tick: Word's checkboxes drawn with the symbol font.
fn symbol_char(e: &quick_xml::events::BytesStart) -> Option<char> {
    let mut font = String::new();
    let mut code = String::new();
    for a in e.attributes().flatten() {
        match local_name(a.key.as_ref().as_bytes()) {
            b"font" => font = a.value.to_lowercase(),
            b"char" => code = a.value.to_uppercase(),
            _ => {}
        }
    }
    let code = u32::from_str_radix(&code, 16).ok()? & 0xFF;
    match font.as_str() {
        "wingdings" => match code {
            0xFE => Some('☑'),
            0xFD => Some('☒'),
            0xFC => Some('√'),
            0xFB => Some('×'),
            0xA8 | 0x6F => Some('□'),
            _ => None,
        },
        "wingdings 2" => match code {
            0x52 => Some('☑'),
            0x54 | 0x53 => Some('☒'),
            0x50 => Some('√'),
            0xA3 | 0x2A => Some('□'),
            _ => None,
        },
        _ => None,
    }
}

/// The local part of a qualified XML name (`w:tcPr` → `tcPr`).
fn local_name(name: &[u8]) -> &[u8] {
    name.iter().rposition(|&b| b == b':').map_or(name, |i| &name[i + 1..])
}

/// Writes `<w:t>c</w:t>` (with the prefix of `like`), as a run's text.
fn write_text(writer: &mut quick_xml::Writer<Vec<u8>>, like: &[u8], c: char) -> Result<(), ReadError> {
    let prefix = like.iter().rposition(|&b| b == b':').map_or(&like[..0], |i| &like[..=i]);
    let name = format!("{}t", String::from_utf8_lossy(prefix));
    writer.write_event(Event::Start(quick_xml::events::BytesStart::new(name.as_str()))).map_err(damaged)?;
    writer
        .write_event(Event::Text(quick_xml::events::BytesText::new(c.encode_utf8(&mut [0; 4]))))
        .map_err(damaged)?;
    writer.write_event(Event::End(quick_xml::events::BytesEnd::new(name.as_str()))).map_err(damaged)?;
    Ok(())
}

/// The main document part as Word shows it and without its formatting (see
/// the module docs), and the number of elements kept.
///
/// # Errors
/// [`ReadError::Damaged`] for XML that does not parse;
/// [`ReadError::Limit`] when kept elements nest deeper than
/// [`Limits::word_depth`].
fn slim_document(xml: &[u8], limits: &Limits) -> Result<(Vec<u8>, u64), ReadError> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(xml.len() / 2));
    let mut open: Vec<Open> = Vec::new();
    // Per open content control: it shows its placeholder (`w:showingPlcHdr`).
    let mut controls: Vec<bool> = Vec::new();
    // Depth inside an element being left out (0: not inside one).
    let mut skipping = 0usize;
    // A form field's begin mark being skipped.
    let mut field: Option<CheckBox> = None;
    let mut elements = 0u64;
    let kept = |open: &[Open], name: &[u8]| -> bool {
        if DROPPED.contains(&name) {
            return false;
        }
        match open.iter().rev().find_map(|o| match o {
            Open::Kept(p) => Some(*p),
            Open::Unwrapped => None,
        }) {
            Some(Some(p)) => KEPT_PROPERTIES[p].1.iter().any(|c| c.as_bytes() == name),
            _ => true,
        }
    };
    let property = |name: &[u8]| KEPT_PROPERTIES.iter().position(|(p, _)| p.as_bytes() == name);
    // What a skipped element tells: a placeholder shown, a checkbox's state.
    let note = |name: &[u8],
                e: &quick_xml::events::BytesStart,
                controls: &mut Vec<bool>,
                field: &mut Option<CheckBox>| {
        match name {
            b"showingPlcHdr" if on_off(e) => {
                if let Some(c) = controls.last_mut() {
                    *c = true;
                }
            }
            b"checkBox" => {
                if let Some(f) = field.as_mut() {
                    f.seen = true;
                }
            }
            b"checked" | b"default" => {
                if let Some(f) = field.as_mut() {
                    let on = if name == b"default" {
                        e.attributes()
                            .flatten()
                            .find(|a| local_name(a.key.as_ref().as_bytes()) == b"val")
                            .is_some_and(|a| !matches!(a.value.as_ref(), "0" | "false" | "off"))
                    } else {
                        on_off(e)
                    };
                    if name == b"checked" {
                        f.checked = Some(on);
                    } else {
                        f.default = Some(on);
                    }
                }
            }
            _ => {}
        }
    };
    loop {
        let event = reader.read_event().map_err(damaged)?;
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                let qname = e.name();
                let name = local_name(qname.as_ref().as_bytes());
                if skipping > 0 {
                    skipping += 1;
                    note(name, &e, &mut controls, &mut field);
                } else if UNWRAPPED.contains(&name) {
                    if name == b"sdtContent" && controls.last().copied().unwrap_or(false) {
                        // Word's placeholder text is no value.
                        skipping = 1;
                    } else {
                        if name == b"sdt" {
                            controls.push(false);
                        }
                        open.push(Open::Unwrapped);
                    }
                } else if kept(&open, name) {
                    if open.len() >= limits.word_depth {
                        return Err(LimitError::WordTooDeep { limit: limits.word_depth }.into());
                    }
                    open.push(Open::Kept(property(name)));
                    elements += 1;
                    let e = if name == b"gridCol" { readable_grid_col(&e)? } else { e };
                    writer.write_event(Event::Start(e)).map_err(damaged)?;
                } else {
                    skipping = 1;
                    if name == b"fldChar" {
                        field = Some(CheckBox::default());
                    }
                }
            }
            Event::Empty(e) => {
                let qname = e.name();
                let name = local_name(qname.as_ref().as_bytes());
                if skipping > 0 {
                    note(name, &e, &mut controls, &mut field);
                } else if name == b"sym" {
                    if let Some(c) = symbol_char(&e) {
                        elements += 1;
                        write_text(&mut writer, qname.as_ref().as_bytes(), c)?;
                    }
                } else if !UNWRAPPED.contains(&name) && kept(&open, name) {
                    elements += 1;
                    let e = if name == b"gridCol" { readable_grid_col(&e)? } else { e };
                    writer.write_event(Event::Empty(e)).map_err(damaged)?;
                }
            }
            Event::End(e) => {
                if skipping > 0 {
                    skipping -= 1;
                    if skipping == 0 && local_name(e.name().as_ref().as_bytes()) == b"fldChar" {
                        // A legacy checkbox shows its state where it stands.
                        if let Some(f) = field.take().filter(|f| f.seen) {
                            let on = f.checked.or(f.default).unwrap_or(false);
                            elements += 1;
                            write_text(
                                &mut writer,
                                e.name().as_ref().as_bytes(),
                                if on { '☒' } else { '□' },
                            )?;
                        }
                    }
                } else {
                    match open.pop() {
                        Some(Open::Kept(_)) => writer.write_event(Event::End(e)).map_err(damaged)?,
                        Some(Open::Unwrapped) if local_name(e.name().as_ref().as_bytes()) == b"sdt" => {
                            controls.pop();
                        }
                        Some(Open::Unwrapped) | None => {}
                    }
                }
            }
            other => {
                if skipping == 0 {
                    writer.write_event(other).map_err(damaged)?;
                }
            }
        }
    }
    Ok((writer.into_inner(), elements))
}

/// A table grid column (`w:gridCol`) with its width (`w:w`) as docx-rs
/// 0.4 reads it: a plain number of twips. The schema also allows a
/// universal measure (`2.5cm`, `1in`, `36pt`; ST_TwipsMeasure, ISO/IEC
/// 29500-1 §22.9.2.14), which is converted; any other text, which docx-rs
/// would panic on, becomes 0. The widths only place a paragraph's tab stops
/// in the table's columns.
///
/// # Errors
/// [`ReadError::Damaged`] for a malformed attribute.
fn readable_grid_col<'a>(
    e: &quick_xml::events::BytesStart<'a>,
) -> Result<quick_xml::events::BytesStart<'a>, ReadError> {
    let mut out = e.to_owned();
    out.clear_attributes();
    for a in e.attributes() {
        let a = a.map_err(damaged)?;
        if local_name(a.key.as_ref().as_bytes()) == b"w" {
            // The raw text: a width written with character references
            // reads as no width.
            let twips = twips_of(&a.value).unwrap_or(0);
            out.push_attribute((a.key.as_ref(), twips.to_string().as_str()));
        } else {
            out.push_attribute(a);
        }
    }
    Ok(out)
}

/// A width in twips: a number (as docx-rs reads it, a `%` ignored), or a
/// universal measure in `mm`, `cm`, `in`, `pt`, `pc` or `pi`
/// (ST_UniversalMeasure, ISO/IEC 29500-1 §22.9.2.15), rounded.
fn twips_of(value: &str) -> Option<i64> {
    let value = value.trim();
    let plain = value.replace('%', "");
    let (number, per_unit) = match plain.parse::<f64>() {
        Ok(n) => (n, 1.0),
        Err(_) => {
            let split = value.len().checked_sub(2).filter(|&i| value.is_char_boundary(i))?;
            let (number, unit) = value.split_at(split);
            let per_unit = match unit {
                "mm" => 1440.0 / 25.4,
                "cm" => 1440.0 / 2.54,
                "in" => 1440.0,
                "pt" => 20.0,
                "pc" | "pi" => 240.0,
                _ => return None,
            };
            (number.trim().parse::<f64>().ok()?, per_unit)
        }
    };
    let twips = (number * per_unit).round();
    // Saturating: a grid column is never wider than i32 twips.
    twips.is_finite().then(|| twips.clamp(-(i32::MAX as f64), i32::MAX as f64) as i64)
}

/// A library error as a damaged file, its message kept as the detail.
fn damaged(e: impl std::fmt::Display) -> ReadError {
    ReadError::damaged(e.to_string())
}

/// `[Content_Types].xml` of the package handed to docx-rs.
const SLIM_CONTENT_TYPES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
    r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
    r#"<Default Extension="xml" ContentType="application/xml"/>"#,
    r#"<Override PartName="/word/document.xml" "#,
    r#"ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>"#,
    r#"</Types>"#
);

/// `_rels/.rels` of the package handed to docx-rs: the main document only.
const SLIM_PACKAGE_RELS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" "#,
    r#"Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" "#,
    r#"Target="word/document.xml"/>"#,
    r#"</Relationships>"#
);

/// `word/_rels/document.xml.rels` of the package handed to docx-rs: none
/// (no styles, numbering, headers, pictures: nothing ingest reads).
const SLIM_DOCUMENT_RELS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>"#
);

/// The package docx-rs reads: the main document without formatting (see the
/// module docs), with the parts docx-rs requires around it, stored.
///
/// # Errors
/// [`ReadError::Damaged`] when the main document is missing or not XML;
/// [`ReadError::Limit`] when it keeps more than [`Limits::word_elements`]
/// elements (the tree docx-rs would build), nests them deeper than
/// [`Limits::word_depth`] or inflates beyond [`Limits::part_bytes`].
fn slim_package(bytes: &[u8], limits: &Limits) -> Result<Vec<u8>, ReadError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(damaged)?;
    let mut document = Vec::new();
    {
        let entry = zip.by_name("word/document.xml").map_err(damaged)?;
        let size = entry.size().min(limits.part_bytes);
        document.reserve(size.min(4 << 20) as usize + 1);
        entry.take(limits.part_bytes + 1).read_to_end(&mut document).map_err(damaged)?;
    }
    if document.len() as u64 > limits.part_bytes {
        return Err(LimitError::part_too_large("word/document.xml", limits).into());
    }
    let (document, elements) = slim_document(&document, limits)?;
    if elements > limits.word_elements {
        return Err(LimitError::WordTooComplex { count: elements, limit: limits.word_elements }.into());
    }
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(document.len() + 2048)));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in [
        ("[Content_Types].xml", SLIM_CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", SLIM_PACKAGE_RELS.as_bytes()),
        ("word/_rels/document.xml.rels", SLIM_DOCUMENT_RELS.as_bytes()),
        ("word/document.xml", document.as_slice()),
    ] {
        out.start_file(name, stored).map_err(damaged)?;
        out.write_all(data).map_err(damaged)?;
    }
    Ok(out.finish().map_err(damaged)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_widths_are_read_in_any_unit_the_schema_allows() {
        assert_eq!(twips_of("900"), Some(900));
        assert_eq!(twips_of("2.54cm"), Some(1440));
        assert_eq!(twips_of("1in"), Some(1440));
        assert_eq!(twips_of("25.4mm"), Some(1440));
        assert_eq!(twips_of("36pt"), Some(720));
        assert_eq!(twips_of("1pc"), Some(240));
        assert_eq!(twips_of("50%"), Some(50));
        assert_eq!(twips_of("宽"), None);
        assert_eq!(twips_of("abc"), None);
        assert_eq!(twips_of(""), None);
        assert_eq!(twips_of("NaN"), None);
        // docx-rs 0.4 panics on a width it cannot parse as a number: the
        // slimmed document gives it one.
        let xml = concat!(
            r#"<w:document xmlns:w="w"><w:body><w:tbl><w:tblGrid>"#,
            r#"<w:gridCol w:w="2.5cm"/><w:gridCol w:w="宽"/><w:gridCol w:w="900"></w:gridCol>"#,
            r#"</w:tblGrid><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl></w:body></w:document>"#
        );
        let (slim, _) = slim_document(xml.as_bytes(), &Limits::default()).unwrap();
        let slim = String::from_utf8(slim).unwrap();
        assert!(
            slim.contains(r#"<w:gridCol w:w="1417"/><w:gridCol w:w="0"/><w:gridCol w:w="900"></w:gridCol>"#),
            "{slim}"
        );
    }

    #[test]
    fn elements_nested_deeper_than_the_limit_are_refused() {
        // document, body, then three levels per table and the paragraph.
        let nested = |tables: usize| {
            format!(
                r#"<w:document xmlns:w="w"><w:body>{}<w:p/>{}</w:body></w:document>"#,
                "<w:tbl><w:tr><w:tc>".repeat(tables),
                "</w:tc></w:tr></w:tbl>".repeat(tables)
            )
        };
        let limits = Limits::default();
        let fits = (limits.word_depth - 3) / 3;
        assert!(slim_document(nested(fits).as_bytes(), &limits).is_ok());
        let err = slim_document(nested(fits + 1).as_bytes(), &limits).unwrap_err();
        assert!(err.to_string().contains("层层嵌套"), "{err}");
        // Formatting left out does not count: it never reaches docx-rs.
        let deep_format = format!(
            r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:rPr>{}</w:rPr></w:r></w:p></w:body></w:document>"#,
            "<w:x>".repeat(500) + &"</w:x>".repeat(500)
        );
        assert!(slim_document(deep_format.as_bytes(), &limits).is_ok());
    }

    #[test]
    fn formatting_is_left_out_and_what_ingest_reads_is_kept() {
        let xml = concat!(
            r#"<w:document xmlns:w="w"><w:body><w:p><w:pPr><w:spacing w:after="0"/>"#,
            r#"<w:tabs><w:tab w:val="left" w:pos="2000"/></w:tabs><w:rPr><w:b/></w:rPr></w:pPr>"#,
            r#"<w:r><w:rPr><w:rFonts w:eastAsia="宋体"/><w:sz w:val="24"/></w:rPr><w:t>填报单位：</w:t>"#,
            r#"<w:tab/><w:t xml:space="preserve">河北 &amp; 省</w:t></w:r></w:p>"#,
            r#"<w:tbl><w:tblPr><w:tblW w:w="0"/></w:tblPr><w:tblGrid><w:gridCol w:w="900"/></w:tblGrid>"#,
            r#"<w:tr><w:trPr><w:gridBefore w:val="1"/><w:trHeight w:val="400"/></w:trPr>"#,
            r#"<w:tc><w:tcPr><w:tcW w:w="900"/><w:gridSpan w:val="2"/><w:vMerge/></w:tcPr>"#,
            r#"<w:p><w:r><w:t>√</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#,
            r#"<w:sectPr><w:pgSz w:w="11906"/></w:sectPr></w:body></w:document>"#
        );
        let (slim, elements) = slim_document(xml.as_bytes(), &Limits::default()).unwrap();
        let slim = String::from_utf8(slim).unwrap();
        for gone in
            ["<w:rPr", "<w:rFonts", "<w:spacing", "<w:sectPr", "<w:tblW", "<w:trHeight", "<w:tcW", "<w:b/>"]
        {
            assert!(!slim.contains(gone), "{gone} kept: {slim}");
        }
        for kept in [
            r#"<w:tabs><w:tab w:val="left" w:pos="2000"/></w:tabs>"#,
            r#"<w:gridBefore w:val="1"/>"#,
            r#"<w:gridSpan w:val="2"/><w:vMerge/>"#,
            r#"<w:gridCol w:w="900"/>"#,
            r#"<w:t xml:space="preserve">河北 &amp; 省</w:t>"#,
            "<w:tab/>",
            "<w:t>√</w:t>",
        ] {
            assert!(slim.contains(kept), "{kept} lost: {slim}");
        }
        assert_eq!(elements, slim.matches('<').count() as u64 - slim.matches("</").count() as u64);
    }
}
