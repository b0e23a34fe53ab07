//! A flowing document (the review report, feedback letters): headings,
//! paragraphs and tables that run across pages. Built by `report` from
//! records, drawn by `render::pdf` and `render::docx`, which paginate it
//! as an official document (GB/T 9704-2012 practice: its margins and
//! sizes, `— 1 —` page numbers on the outer side, table headers repeated
//! on each page; a running header only when the document gives one).

use crate::form::Align;

/// Page orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Orientation {
    /// A4 portrait.
    #[default]
    Portrait,
    /// A4 landscape, for wide tables.
    Landscape,
}

/// An RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `RRGGBB` hex, as docx and xlsx want it.
    pub fn hex(self) -> String {
        format!("{:02X}{:02X}{:02X}", self.0, self.1, self.2)
    }
}

/// One cell of a document table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableCell {
    /// Text; `\n` breaks the line.
    pub text: String,
    /// Columns covered (1 when 0).
    pub span: usize,
    /// Background colour.
    pub fill: Option<Rgb>,
    /// Bold text.
    pub bold: bool,
    /// Alignment.
    pub align: Align,
}

impl TableCell {
    /// A plain, left-aligned cell.
    pub fn text(s: impl Into<String>) -> Self {
        TableCell { text: s.into(), span: 1, fill: None, bold: false, align: Align::Left }
    }

    /// A centred cell.
    pub fn center(s: impl Into<String>) -> Self {
        TableCell { align: Align::Center, ..TableCell::text(s) }
    }

    /// A bold, centred, shaded header cell.
    pub fn header(s: impl Into<String>) -> Self {
        TableCell { bold: true, fill: Some(Rgb(0xE7, 0xE6, 0xE6)), ..TableCell::center(s) }
    }

    /// With a background colour.
    pub fn with_fill(mut self, fill: Rgb) -> Self {
        self.fill = Some(fill);
        self
    }

    /// Covering `span` columns.
    pub fn with_span(mut self, span: usize) -> Self {
        self.span = span;
        self
    }
}

/// A table that may run over several pages; `header` rows repeat on each.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Relative column widths (scaled to the text width of the page).
    pub columns: Vec<f32>,
    /// Header rows, repeated at the top of every page the table covers.
    pub header: Vec<Vec<TableCell>>,
    /// Body rows.
    pub rows: Vec<Vec<TableCell>>,
    /// Font size in points (the document's body size when 0).
    pub font_size: f32,
}

/// A block of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading; level 1 is a chapter (一、), 2 a section; level 0 an
    /// attachment's label (附件1: flush left, in the navigation as level 1).
    Heading {
        /// 0, 1 or 2.
        level: u8,
        /// Text.
        text: String,
    },
    /// A paragraph of body text; `\n` breaks the line.
    Paragraph(String),
    /// Small grey text (notes, legends).
    Note(String),
    /// A table.
    Table(Table),
    /// Start a new page.
    PageBreak,
    /// Start a new page in this orientation (a wide table gets a landscape
    /// page; the text after it goes back to portrait).
    Orientation(Orientation),
    /// A right-aligned line.
    Right(String),
    /// A centred title in the title face (an attachment's title, under its
    /// 附件N line).
    Title(String),
    /// The issuing body and the date that end an official document
    /// (GB/T 9704-2012 7.3.5.1: the body two characters from the right
    /// margin, the date centred under it).
    Signature {
        /// The issuing body (发文机关署名).
        by: String,
        /// The date (成文日期), as `2017年6月12日`.
        date: String,
    },
    /// A line of body text flush left, without the paragraph indent (a
    /// letter's addressee).
    Line(String),
    /// A stacked bar chart, drawn as vectors in the PDF and as a chart part
    /// in the docx.
    Chart(BarChart),
}

/// One series (one colour) of a stacked bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// Bar colour.
    pub color: Rgb,
    /// One value per category (bar).
    pub values: Vec<u32>,
}

/// A stacked bar chart: one bar per category, one stacked segment per series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BarChart {
    /// Title above the chart.
    pub title: String,
    /// Bar labels under the axis.
    pub categories: Vec<String>,
    /// Series, stacked bottom-up in this order.
    pub series: Vec<Series>,
    /// Name of the value axis.
    pub value_axis: String,
}

impl BarChart {
    /// The tallest stack.
    pub fn max_total(&self) -> u32 {
        (0..self.categories.len())
            .map(|i| self.series.iter().map(|s| s.values.get(i).copied().unwrap_or(0)).sum())
            .max()
            .unwrap_or(0)
    }
}

/// Display width of `s` in ems: an ideograph (or other wide character) is
/// one em, ASCII about half. Used to keep header words whole.
pub fn text_ems(s: &str) -> f32 {
    s.chars().map(|c| if (c as u32) < 0x2E80 { 0.55 } else { 1.0 }).sum()
}

impl Table {
    /// Column widths in points for a table `total` points wide: the relative
    /// widths, scaled, then widened where a one-column header word
    /// (序号, 单元格) would otherwise break inside itself, the extra taken
    /// from the widest columns. Both renderers use it, so the PDF and the
    /// docx break their cells alike.
    pub fn widths(&self, total: f32, body: f32) -> Vec<f32> {
        let size = if self.font_size > 0.0 { self.font_size } else { body };
        let sum: f32 = self.columns.iter().filter(|w| w.is_finite() && **w > 0.0).sum();
        if sum <= 0.0 {
            return vec![total / self.columns.len().max(1) as f32; self.columns.len()];
        }
        let mut w: Vec<f32> = self
            .columns
            .iter()
            .map(|c| if c.is_finite() && *c > 0.0 { c / sum * total } else { 0.0 })
            .collect();
        // Padding each side of a cell (the renderers' cell margin) and a little slack.
        let pad = 2.0 * crate::form::layout::CELL_PAD + 1.0;
        let mut need = vec![0.0f32; w.len()];
        for row in &self.header {
            let mut col = 0;
            for cell in row {
                let span = cell.span.max(1);
                if span == 1 && col < need.len() {
                    let longest = cell.text.split('\n').map(text_ems).fold(0.0f32, f32::max);
                    need[col] = need[col].max(longest * size + pad);
                }
                col += span;
            }
        }
        for i in 0..w.len() {
            let short = need[i] - w[i];
            if short <= 0.0 {
                continue;
            }
            // Take from the columns with the most room to spare.
            let spare: f32 = (0..w.len()).filter(|&j| j != i).map(|j| (w[j] - need[j]).max(0.0)).sum();
            if spare <= 0.0 {
                continue;
            }
            let take = short.min(spare);
            for j in 0..w.len() {
                if j != i {
                    let room = (w[j] - need[j]).max(0.0);
                    w[j] -= take * room / spare;
                }
            }
            w[i] += take;
        }
        w
    }
}

/// A document: a title (with subtitle lines under it, or on a cover page of
/// its own), then blocks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// Title on the cover and in the PDF metadata.
    pub title: String,
    /// Lines under the title on the cover (as-of date, issuer).
    pub subtitle: Vec<String>,
    /// Whether the title and subtitle stand on a cover page of their own.
    pub cover_page: bool,
    /// Running header text on every page after the cover.
    pub running_header: String,
    /// Page orientation.
    pub orientation: Orientation,
    /// Body text size in points.
    pub font_size: f32,
    /// Content.
    pub blocks: Vec<Block>,
}
