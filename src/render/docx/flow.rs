//! A flowing [`Document`] (review report, feedback letters) as a Word
//! document laid out as GB/T 9704-2012 does (the margins and sizes of
//! `render::pdf`'s document layout): the title in 方正小标宋简体, body in
//! 仿宋_GB2312, 一、 headings in 黑体 with the paragraph style Heading 1,
//! （一） headings in 楷体_GB2312 with Heading 2 (so Word's navigation pane
//! lists them), every face named in the East Asian slot too; paragraphs,
//! notes, tables that run over pages with their header rows repeated, bar
//! charts as DrawingML chart parts, the issuing body and date at the end,
//! and `— PAGE —` page numbers on the outer side (odd pages right, even
//! left); a running header only when the document gives one. An
//! orientation block starts a new section; every section shows the same
//! header and footer.
//!
//! What docx-rs cannot express is added by a post-pass over the finished
//! package ([`finish`]): the chart parts (see `chart`) with their
//! relationships and content types, the inline drawing in place of a marker
//! paragraph, and the header and footer references of the earlier sections.

use std::io::{Cursor, Read, Write};

use docx_rs::{
    AlignmentType, BorderType, BreakType, DocGrid, Docx, FieldCharType, Footer, Header, InstrPAGE, InstrText,
    LineSpacing, LineSpacingType, PageNumType, PageOrientationType, PageSize, Paragraph, ParagraphBorder,
    ParagraphBorderPosition, ParagraphBorders, Run, SectionProperty, Shading, ShdType, SpecialIndentType,
    Table, TableAlignmentType, TableCell, TableCellMargins, TableLayoutType, TableRow, VAlignType, WidthType,
};

use super::chart::{chart_marker, chart_xml, place_chart};
use super::package::{package, Body};
use super::{alignment, fonts, half_points, text_run, twips, A4_HEIGHT, A4_WIDTH};
use crate::doc::{self, BarChart, Block, Document, Orientation};
use crate::render::RenderError;

/// Face of body text, tables and notes (仿宋, as official documents).
pub(super) const BODY_FONT: &str = "仿宋_GB2312";
/// Face of 一、 headings (黑体).
pub(super) const HEADING_FONT: &str = "黑体";
/// Face of the title and attachment titles (小标宋).
const TITLE_FONT: &str = "方正小标宋简体";
/// Face of （一） headings (楷体).
const KAI_FONT: &str = "楷体_GB2312";
/// Face of the page numbers (宋体, GB/T 9704-2012 7.5).
const NUMBER_FONT: &str = "宋体";
/// Body size when the document gives none (三号).
const DEFAULT_SIZE: f32 = 16.0;
/// Size of the title (二号).
const TITLE_SIZE: f32 = 22.0;
/// Line pitch of body text: 22 lines in the 225 mm of the body.
const BODY_LINE: f32 = 225.0 * 72.0 / 25.4 / 22.0;
/// Paragraph style ids of the two heading levels (Word's built-in names
/// `heading 1` and `heading 2`, so the navigation pane lists them).
const HEADING_STYLES: [(&str, &str); 2] = [("Heading1", "heading 1"), ("Heading2", "heading 2")];

/// Page margins of a flowing document in twips (GB/T 9704-2012 5.2.1):
/// 37 mm top, 35 mm bottom, 28 mm left, 26 mm right.
const FLOW_MARGINS: super::Margins = super::Margins { top: 2098, bottom: 1984, left: 1587, right: 1474 };

fn flow_margin() -> docx_rs::PageMargin {
    // The page number 7 mm under the body.
    docx_rs::PageMargin { footer: 1417, ..FLOW_MARGINS.page_margin() }
}

/// Colour of notes and of the running header.
const GREY: &str = "595959";

/// Page geometry in twips.
struct Page {
    width: u32,
    height: u32,
    orient: PageOrientationType,
}

impl Page {
    fn of(o: Orientation) -> Page {
        match o {
            Orientation::Portrait => {
                Page { width: A4_WIDTH, height: A4_HEIGHT, orient: PageOrientationType::Portrait }
            }
            Orientation::Landscape => {
                Page { width: A4_HEIGHT, height: A4_WIDTH, orient: PageOrientationType::Landscape }
            }
        }
    }

    /// Width between the side margins.
    fn text_width(&self) -> u32 {
        self.width - FLOW_MARGINS.left - FLOW_MARGINS.right
    }

    fn section(&self) -> SectionProperty {
        SectionProperty::new()
            .page_size(PageSize::new().size(self.width, self.height).orient(self.orient))
            .page_margin(flow_margin())
            .doc_grid(DocGrid::with_empty())
    }
}

pub(super) fn render(doc: &Document) -> Result<Vec<u8>, RenderError> {
    let size = if doc.font_size > 0.0 { doc.font_size } else { DEFAULT_SIZE };
    let mut page = Page::of(doc.orientation);
    let mut charts: Vec<&BarChart> = Vec::new();
    let mut docx = Docx::new()
        .page_size(page.width, page.height)
        .page_orient(page.orient)
        .page_margin(flow_margin())
        .default_fonts(fonts(BODY_FONT))
        .default_size(half_points(size));
    docx.document = docx.document.doc_grid(DocGrid::with_empty());
    for (level, (id, name)) in HEADING_STYLES.iter().enumerate() {
        let font = if level == 0 { HEADING_FONT } else { KAI_FONT };
        docx = docx.add_style(
            docx_rs::Style::new(*id, docx_rs::StyleType::Paragraph)
                .name(*name)
                .based_on("Normal")
                .next("Normal")
                .q_format(true)
                .ui_priority(9)
                .fonts(fonts(font))
                .size(half_points(size))
                .outline_lvl(level),
        );
    }

    // Cover.
    let title_size = TITLE_SIZE;
    let mut title = Paragraph::new()
        .align(AlignmentType::Center)
        .add_run(text_run(&doc.title, TITLE_FONT, title_size))
        .line_spacing(spacing(title_size * 1.5, if doc.cover_page { 180.0 } else { 0.0 }, BODY_LINE));
    if !doc.cover_page {
        title = title.keep_next(true);
    }
    docx = docx.add_paragraph(title);
    for (i, line) in doc.subtitle.iter().enumerate() {
        let last = i + 1 == doc.subtitle.len();
        docx = docx.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(text_run(line, BODY_FONT, size * 1.15))
                .line_spacing(spacing(size * 1.15 * 1.5, 0.0, if last { size } else { 0.0 })),
        );
    }
    if doc.cover_page {
        // The cover is a section of its own: no header, no page number, and
        // the pages after it count from 1.
        docx = docx.add_paragraph(Paragraph::new().section_property(page.section()));
    }

    let mut header_rows = Vec::new();
    for (i, block) in doc.blocks.iter().enumerate() {
        match block {
            Block::Heading { level, text } => {
                let (style, font) = if *level <= 1 {
                    (HEADING_STYLES[0].0, HEADING_FONT)
                } else {
                    (HEADING_STYLES[1].0, KAI_FONT)
                };
                docx = docx.add_paragraph(
                    Paragraph::new()
                        .style(style)
                        .add_run(text_run(text, font, size))
                        .line_spacing(spacing(BODY_LINE, 0.0, 0.0))
                        // An attachment's label (level 0, 附件1) flush left.
                        .indent(
                            None,
                            Some(SpecialIndentType::FirstLine(if *level == 0 {
                                0
                            } else {
                                twips(size * 2.0) as i32
                            })),
                            None,
                            None,
                        )
                        .keep_next(true)
                        .outline_lvl(usize::from(level.saturating_sub(1).min(8))),
                );
            }
            Block::Title(text) => {
                docx = docx.add_paragraph(
                    Paragraph::new()
                        .align(AlignmentType::Center)
                        .keep_next(true)
                        .add_run(text_run(text, TITLE_FONT, TITLE_SIZE))
                        .line_spacing(spacing(TITLE_SIZE * 1.5, 0.0, BODY_LINE)),
                );
            }
            Block::Signature { by, date } => {
                // The body two characters from the right margin, the date
                // centred under it (or four characters in, when wider).
                let (bw, dw) = (doc::text_ems(by), doc::text_ems(date));
                let (by_right, date_right) =
                    if bw >= dw { (2.0, 2.0 + (bw - dw) / 2.0) } else { (4.0 + (dw - bw) / 2.0, 4.0) };
                for (k, (line, right)) in [(by, by_right), (date, date_right)].into_iter().enumerate() {
                    docx = docx.add_paragraph(
                        Paragraph::new()
                            .align(AlignmentType::Right)
                            .keep_next(k == 0)
                            .add_run(text_run(line, BODY_FONT, size))
                            .indent(None, None, Some(twips(size * right) as i32), None)
                            .line_spacing(spacing(BODY_LINE, if k == 0 { BODY_LINE } else { 0.0 }, 0.0)),
                    );
                }
            }
            Block::Paragraph(text) => {
                // A paragraph that introduces what follows (ends with ：) keeps with it.
                let intro = text.trim_end().ends_with(['：', ':']);
                docx = docx.add_paragraph(
                    Paragraph::new()
                        .keep_next(intro)
                        .add_run(text_run(text, BODY_FONT, size))
                        .line_spacing(spacing(BODY_LINE, 0.0, 0.0))
                        .indent(
                            None,
                            Some(SpecialIndentType::FirstLine(twips(size * 2.0) as i32)),
                            None,
                            None,
                        ),
                );
            }
            Block::Note(text) => {
                let s = (size * 0.8).max(8.0);
                docx =
                    docx.add_paragraph(
                        Paragraph::new()
                            .add_run(text_run(text, BODY_FONT, s).color(GREY))
                            .line_spacing(spacing(s * 1.4, 0.0, s * 0.4)),
                    );
            }
            // Word rejects a table without rows.
            Block::Table(t) if t.header.is_empty() && t.rows.is_empty() => {}
            Block::Table(t) => {
                header_rows.push(t.header.len());
                docx = docx.add_table(table(t, page.text_width(), size));
                // A paragraph after every table keeps Word from joining two
                // tables, and gives the space after it.
                docx = docx.add_paragraph(
                    Paragraph::new()
                        .line_spacing(spacing(size * 0.6, 0.0, 0.0))
                        .size(half_points(size * 0.6)),
                );
            }
            Block::PageBreak => {
                docx = docx.add_paragraph(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)));
            }
            Block::Orientation(o) => {
                let next = Page::of(*o);
                if next.orient != page.orient || next.width != page.width {
                    // This paragraph ends the section so far, with its page.
                    docx = docx.add_paragraph(
                        Paragraph::new()
                            .line_spacing(spacing(1.0, 0.0, 0.0))
                            .section_property(page.section()),
                    );
                    page = next;
                }
            }
            Block::Right(text) => {
                let first = i == 0 || !matches!(doc.blocks[i - 1], Block::Right(_));
                docx = docx.add_paragraph(
                    Paragraph::new()
                        .align(AlignmentType::Right)
                        .add_run(text_run(text, BODY_FONT, size))
                        .line_spacing(spacing(size * 1.5, if first { size * 2.0 } else { 0.0 }, 0.0)),
                );
            }
            Block::Line(text) => {
                // Lines that lead to the signature (the 附件 list) stay on its page.
                let to_signature = doc.blocks[i..]
                    .iter()
                    .find(|b| !matches!(b, Block::Line(_)))
                    .is_some_and(|b| matches!(b, Block::Signature { .. }));
                docx = docx.add_paragraph(
                    Paragraph::new()
                        .keep_next(to_signature)
                        .add_run(text_run(text, BODY_FONT, size))
                        .line_spacing(spacing(BODY_LINE, 0.0, 0.0)),
                );
            }
            Block::Chart(c) => {
                charts.push(c);
                docx = docx.add_paragraph(
                    Paragraph::new()
                        .align(AlignmentType::Center)
                        .add_run(Run::new().add_text(chart_marker(charts.len())))
                        .line_spacing(LineSpacing::new().before(twips(size * 0.5)).after(twips(size * 0.5))),
                );
            }
        }
    }

    docx = docx
        .page_size(page.width, page.height)
        .page_orient(page.orient)
        .footer(page_number_footer(AlignmentType::Right))
        .even_footer(page_number_footer(AlignmentType::Left));
    if !doc.running_header.is_empty() {
        // Odd and even pages differ in their footers, so even pages need the header too.
        docx = docx
            .header(running_header(&doc.running_header, size))
            .even_header(running_header(&doc.running_header, size));
        if !doc.cover_page {
            // The first page carries the title: no running header there, as in the PDF.
            docx = docx
                .first_header(running_header("", size))
                .first_footer(page_number_footer(AlignmentType::Right));
        }
    }
    if doc.cover_page {
        docx = docx.page_num_type(PageNumType::new().start(1));
    }
    let width_emu = u64::from(page.text_width()) * 635;
    // Marks the document as this tool's output, so `ingest` skips it when it
    // lies among the returns.
    let mark = [(crate::ingest::sniff::OUTPUT_PROPERTY.to_string(), doc.title.clone())];
    let bytes = package(
        docx,
        &Body::HeaderRows(&header_rows),
        &[BODY_FONT, HEADING_FONT, TITLE_FONT, KAI_FONT, NUMBER_FONT],
        &mark,
    )?;
    finish(&bytes, &charts, width_emu, doc.cover_page)
}

/// Post-pass over the package: chart parts in place of their markers, and
/// every section given the header and footer of the last one. Entries keep
/// their order and fixed dates.
fn finish(package: &[u8], charts: &[&BarChart], width_emu: u64, cover: bool) -> Result<Vec<u8>, RenderError> {
    let err = |e: String| RenderError::Docx(format!("打包失败：{e}"));
    let mut zip = zip::ZipArchive::new(Cursor::new(package)).map_err(|e| err(e.to_string()))?;
    let date = zip::DateTime::from_date_and_time(2017, 3, 1, 0, 0, 0).map_err(|e| err(e.to_string()))?;
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(date)
        .unix_permissions(0o644);
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let text = |f: &mut dyn Read| -> Result<String, RenderError> {
        let mut s = String::new();
        f.read_to_string(&mut s).map_err(|e| err(e.to_string()))?;
        Ok(s)
    };
    for i in 0..zip.len() {
        let name = zip
            .by_index_raw(i)
            .map_err(|e| err(e.to_string()))?
            .name()
            .map_err(|e| err(e.to_string()))?
            .to_string();
        let edited = match name.as_str() {
            "word/document.xml" => {
                let mut xml =
                    share_headers(&text(&mut zip.by_index(i).map_err(|e| err(e.to_string()))?)?, cover);
                for k in 0..charts.len() {
                    xml = place_chart(&xml, k + 1, width_emu);
                }
                Some(xml)
            }
            "[Content_Types].xml" if !charts.is_empty() => {
                let mut xml = text(&mut zip.by_index(i).map_err(|e| err(e.to_string()))?)?;
                let decl: String = (1..=charts.len())
                    .map(|k| {
                        format!(
                            "<Override PartName=\"/word/charts/chart{k}.xml\" \
                             ContentType=\"application/vnd.openxmlformats-officedocument.drawingml.chart+xml\" />"
                        )
                    })
                    .collect();
                if let Some(at) = xml.rfind("</Types>") {
                    xml.insert_str(at, &decl);
                }
                Some(xml)
            }
            "word/_rels/document.xml.rels" if !charts.is_empty() => {
                let mut xml = text(&mut zip.by_index(i).map_err(|e| err(e.to_string()))?)?;
                let decl: String = (1..=charts.len())
                    .map(|k| {
                        format!(
                            "<Relationship Id=\"rIdPfChart{k}\" \
                             Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart\" \
                             Target=\"charts/chart{k}.xml\" />"
                        )
                    })
                    .collect();
                if let Some(at) = xml.rfind("</Relationships>") {
                    xml.insert_str(at, &decl);
                }
                Some(xml)
            }
            _ => None,
        };
        match edited {
            Some(xml) => {
                out.start_file(name, options).map_err(|e| err(e.to_string()))?;
                out.write_all(xml.as_bytes()).map_err(|e| err(e.to_string()))?;
            }
            // Unchanged parts are copied as they are, not deflated again.
            None => {
                let raw = zip.by_index_raw(i).map_err(|e| err(e.to_string()))?;
                out.raw_copy_file(raw).map_err(|e| err(e.to_string()))?;
            }
        }
    }
    for (k, c) in charts.iter().enumerate() {
        out.start_file(format!("word/charts/chart{}.xml", k + 1), options).map_err(|e| err(e.to_string()))?;
        out.write_all(chart_xml(c).as_bytes()).map_err(|e| err(e.to_string()))?;
    }
    Ok(out.finish().map_err(|e| err(e.to_string()))?.into_inner())
}

/// Copies the header and footer references of the document's last section
/// into each earlier section that has none (a section without them shows
/// no header or page number), except a cover's section (`cover`: the first).
fn share_headers(xml: &str, cover: bool) -> String {
    let Some(last) = xml.rfind("<w:sectPr") else { return xml.to_string() };
    let refs: String = {
        let tail = &xml[last..];
        let end = tail.find("</w:sectPr>").unwrap_or(tail.len());
        let sect = &tail[..end];
        let mut out = String::new();
        for tag in ["<w:headerReference", "<w:footerReference"] {
            let mut rest = sect;
            while let Some(at) = rest.find(tag) {
                let after = &rest[at..];
                let close = after.find("/>").map_or(after.len(), |e| e + 2);
                out.push_str(&after[..close]);
                rest = &after[close..];
            }
        }
        out
    };
    if refs.is_empty() || last == xml.find("<w:sectPr").unwrap_or(last) {
        return xml.to_string();
    }
    // A distinct first page belongs to the first section, not the last.
    let title_pg = xml[last..].contains("<w:titlePg />");
    let xml = if title_pg {
        format!("{}{}", &xml[..last], xml[last..].replacen("<w:titlePg />", "", 1))
    } else {
        xml.to_string()
    };
    let xml = xml.as_str();
    let mut first = true;
    let mut skip = cover;
    let mut out = String::with_capacity(xml.len() + refs.len() * 2);
    let mut rest = xml;
    let mut offset = 0;
    while let Some(at) = rest.find("<w:sectPr") {
        let abs = offset + at;
        let after = &rest[at..];
        let open_end = after.find('>').map_or(after.len(), |e| e + 1);
        out.push_str(&rest[..at + open_end]);
        let self_closing = after[..open_end].ends_with("/>");
        let body = &after[open_end..];
        let covered = std::mem::take(&mut skip);
        if abs < last
            && !covered
            && !self_closing
            && !body[..body.find("</w:sectPr>").unwrap_or(0)].contains("Reference")
        {
            out.push_str(&refs);
            if first && title_pg {
                let end = body.find("</w:sectPr>").unwrap_or(0);
                let at = body[..end].find("<w:docGrid").unwrap_or(end);
                out.push_str(&body[..at]);
                out.push_str("<w:titlePg />");
                rest = &body[at..];
                offset = abs + open_end + at;
                first = false;
                continue;
            }
        }
        first = false;
        rest = body;
        offset = abs + open_end;
    }
    out.push_str(rest);
    out
}

/// Exact line height `line`, with space before and after, all in points.
fn spacing(line: f32, before: f32, after: f32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(twips(line) as i32)
        .before(twips(before))
        .after(twips(after))
}

fn running_header(text: &str, size: f32) -> Header {
    let s = (size * 0.75).max(8.0);
    let mut p = Paragraph::new().align(AlignmentType::Center).line_spacing(spacing(s * 1.4, 0.0, 0.0));
    if !text.is_empty() {
        p = p.add_run(text_run(text, BODY_FONT, s).color(GREY)).set_borders(
            ParagraphBorders::with_empty().set(
                ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                    .val(BorderType::Single)
                    .size(4)
                    .space(1)
                    .color(GREY),
            ),
        );
    }
    Header::new().add_paragraph(p)
}

/// `— N —`, N a PAGE field, 四号 宋体, on the outer side: `align` Right
/// for odd pages, Left for even, one character in from the margin.
fn page_number_footer(align: AlignmentType) -> Footer {
    let s = 14.0;
    let run = || Run::new().fonts(fonts(NUMBER_FONT)).size(half_points(s));
    let inset = Some(twips(s) as i32);
    let (left, right) = if matches!(align, AlignmentType::Left) { (inset, None) } else { (None, inset) };
    let p = Paragraph::new()
        .align(align)
        .indent(left, None, right, None)
        .line_spacing(spacing(s * 1.4, 0.0, 0.0))
        .add_run(run().add_text("— "))
        .add_run(run().add_field_char(FieldCharType::Begin, false))
        .add_run(run().add_instr_text(InstrText::PAGE(InstrPAGE::new())))
        .add_run(run().add_field_char(FieldCharType::Separate, false))
        .add_run(run().add_text("1"))
        .add_run(run().add_field_char(FieldCharType::End, false))
        .add_run(run().add_text(" —"));
    Footer::new().add_paragraph(p)
}

/// Column widths in twips: the relative widths scaled to `width`, the last
/// column taking the rounding.
fn column_widths(columns: &[f32], width: u32) -> Vec<usize> {
    let n = columns.len().max(1);
    let total: f32 = columns.iter().filter(|w| **w > 0.0).sum();
    let mut out: Vec<usize> = if total > 0.0 {
        columns.iter().map(|w| (w.max(0.0) / total * width as f32).floor() as usize).collect()
    } else {
        vec![width as usize / n; n]
    };
    let used: usize = out.iter().sum();
    if let Some(last) = out.last_mut() {
        *last += (width as usize).saturating_sub(used);
    }
    out
}

fn table(t: &doc::Table, text_width: u32, body: f32) -> Table {
    let size = if t.font_size > 0.0 { t.font_size } else { body };
    let ncols = t.columns.len().max(t.header.iter().chain(&t.rows).map(|r| row_span(r)).max().unwrap_or(1));
    let mut columns = t.columns.clone();
    columns.resize(ncols, t.columns.last().copied().unwrap_or(1.0));
    let resized = doc::Table { columns, header: t.header.clone(), rows: Vec::new(), font_size: t.font_size };
    // The same widths as the PDF (header words kept whole), in twips.
    let columns: Vec<f32> = resized.widths(text_width as f32 / 20.0, body);
    let widths = column_widths(&columns, text_width);
    let rows: Vec<TableRow> = t.header.iter().chain(&t.rows).map(|r| table_row(r, &widths, size)).collect();
    let borders = super::single_borders();
    Table::new(rows)
        .set_grid(widths.clone())
        .width(widths.iter().sum(), WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .align(TableAlignmentType::Center)
        .set_borders(borders)
        .margins(TableCellMargins::new().margin(30, 80, 30, 80))
}

fn row_span(row: &[doc::TableCell]) -> usize {
    row.iter().map(|c| c.span.max(1)).sum()
}

fn table_row(row: &[doc::TableCell], widths: &[usize], size: f32) -> TableRow {
    let mut cells = Vec::new();
    let mut col = 0;
    for c in row {
        if col >= widths.len() {
            break;
        }
        let span = c.span.max(1).min(widths.len() - col);
        cells.push(table_cell(c, widths[col..col + span].iter().sum(), span, size));
        col += span;
    }
    while col < widths.len() {
        cells.push(table_cell(&doc::TableCell::text(""), widths[col], 1, size));
        col += 1;
    }
    TableRow::new(cells).cant_split()
}

fn table_cell(c: &doc::TableCell, width: usize, span: usize, size: f32) -> TableCell {
    let mut p = Paragraph::new()
        .align(alignment(c.align))
        .fonts(fonts(BODY_FONT))
        .size(half_points(size))
        .line_spacing(spacing(size * 1.3, 0.0, 0.0));
    if !c.text.is_empty() {
        let mut run = text_run(&c.text, BODY_FONT, size);
        if c.bold {
            run = run.bold();
        }
        p = p.add_run(run);
    }
    let mut tc =
        TableCell::new().add_paragraph(p).width(width, WidthType::Dxa).vertical_align(VAlignType::Center);
    if span > 1 {
        tc = tc.grid_span(span);
    }
    if let Some(fill) = c.fill {
        tc = tc.shading(Shading::new().shd_type(ShdType::Clear).color("auto").fill(fill.hex()));
    }
    tc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_fill_the_text_width() {
        let w = column_widths(&[1.0, 2.0, 1.0], 9072);
        assert_eq!(w.iter().sum::<usize>(), 9072);
        assert_eq!(w[0], 2268);
        assert_eq!(column_widths(&[0.0, 0.0], 100), vec![50, 50]);
    }
}
