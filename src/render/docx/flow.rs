//! A flowing [`Document`] (review report, feedback letters) as a Word
//! document: cover, headings, paragraphs, notes and tables that run over
//! pages with their header rows repeated, a running header and page numbers.

use docx_rs::{
    AlignmentType, BorderType, BreakType, DocGrid, Docx, FieldCharType, Footer, Header, InstrPAGE, InstrText,
    LineSpacing, LineSpacingType, PageNumType, PageOrientationType, PageSize, Paragraph, ParagraphBorder,
    ParagraphBorderPosition, ParagraphBorders, Run, SectionProperty, Shading, ShdType, SpecialIndentType,
    Table, TableAlignmentType, TableCell, TableCellMargins, TableLayoutType, TableRow, VAlignType, WidthType,
};

use super::package::package;
use super::{alignment, fonts, half_points, text_run, twips, A4_HEIGHT, A4_WIDTH, MARGINS};
use crate::doc::{self, Block, Document, Orientation};
use crate::render::RenderError;

/// Face of body text, tables and notes (a Song face, as official documents).
pub(super) const BODY_FONT: &str = "宋体";
/// Face of the title and headings (a Hei face).
pub(super) const HEADING_FONT: &str = "黑体";
/// Body size when the document gives none.
const DEFAULT_SIZE: f32 = 12.0;
/// Colour of notes and of the running header and footer.
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
        self.width - MARGINS.left - MARGINS.right
    }

    fn section(&self) -> SectionProperty {
        SectionProperty::new()
            .page_size(PageSize::new().size(self.width, self.height).orient(self.orient))
            .page_margin(MARGINS.page_margin())
            .doc_grid(DocGrid::with_empty())
    }
}

pub(super) fn render(doc: &Document) -> Result<Vec<u8>, RenderError> {
    let size = if doc.font_size > 0.0 { doc.font_size } else { DEFAULT_SIZE };
    let page = Page::of(doc.orientation);
    let mut docx = Docx::new()
        .page_size(page.width, page.height)
        .page_orient(page.orient)
        .page_margin(MARGINS.page_margin())
        .default_fonts(fonts(BODY_FONT))
        .default_size(half_points(size));
    docx.document = docx.document.doc_grid(DocGrid::with_empty());

    // Cover.
    let title_size = size * 1.8;
    let mut title = Paragraph::new()
        .align(AlignmentType::Center)
        .add_run(text_run(&doc.title, HEADING_FONT, title_size))
        .line_spacing(spacing(title_size * 1.4, if doc.cover_page { 180.0 } else { 0.0 }, size));
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
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => {
                let (s, before, after) = if *level <= 1 {
                    (size * 4.0 / 3.0, size, size * 0.5)
                } else {
                    (size * 7.0 / 6.0, size * 0.6, size * 0.3)
                };
                docx = docx.add_paragraph(
                    Paragraph::new()
                        .add_run(text_run(text, HEADING_FONT, s))
                        .line_spacing(spacing(s * 1.5, before, after))
                        .keep_next(true)
                        .outline_lvl(usize::from(level.saturating_sub(1).min(8))),
                );
            }
            Block::Paragraph(text) => {
                docx = docx.add_paragraph(
                    Paragraph::new()
                        .add_run(text_run(text, BODY_FONT, size))
                        .line_spacing(spacing(size * 1.5, 0.0, size * 0.3))
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
        }
    }

    docx = docx.header(running_header(&doc.running_header, size)).footer(page_number_footer(size));
    if doc.cover_page {
        docx = docx.page_num_type(PageNumType::new().start(1));
    }
    // Marks the document as this tool's output, so `ingest` skips it when it
    // lies among the returns.
    let mark = [(crate::ingest::sniff::OUTPUT_PROPERTY.to_string(), doc.title.clone())];
    package(docx, &header_rows, &[BODY_FONT, HEADING_FONT], &mark)
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

/// `第 N 页`, N a PAGE field.
fn page_number_footer(size: f32) -> Footer {
    let s = (size * 0.75).max(8.0);
    let run = || Run::new().fonts(fonts(BODY_FONT)).size(half_points(s));
    let p = Paragraph::new()
        .align(AlignmentType::Center)
        .line_spacing(spacing(s * 1.4, 0.0, 0.0))
        .add_run(run().add_text("第 "))
        .add_run(run().add_field_char(FieldCharType::Begin, false))
        .add_run(run().add_instr_text(InstrText::PAGE(InstrPAGE::new())))
        .add_run(run().add_field_char(FieldCharType::Separate, false))
        .add_run(run().add_text("1"))
        .add_run(run().add_field_char(FieldCharType::End, false))
        .add_run(run().add_text(" 页"));
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
    columns.resize(ncols, columns.last().copied().unwrap_or(1.0));
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
