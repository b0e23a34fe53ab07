//! A flowing document (the review report, feedback letters): headings,
//! paragraphs and tables that run across pages. Built by `report` from
//! records, drawn by `render::pdf` and `render::docx`, which paginate it
//! (running header, page numbers, table headers repeated on each page).

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
    /// A heading; level 1 is a chapter (一、), 2 a section.
    Heading {
        /// 1 or 2.
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
}

/// A document: a cover (title, subtitle lines), then blocks.
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
