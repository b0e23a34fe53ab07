//! docx renderer: a form [`Grid`] becomes a print-ready Word document (one
//! table with the grid's columns, rows, merges and heights), and a flowing
//! [`Document`] (review report, feedback letters) a paginated one with a
//! running header, page numbers and tables whose header rows repeat.
//!
//! docx-rs builds the XML; the `package` module adds what the crate has no setter for
//! (document language, repeated header rows, font table entries) and zips
//! the parts deflated and dated [`FIXED_DATE`], so output is deterministic.

mod chart;
mod flow;
mod form;
mod package;

use docx_rs::{AlignmentType, BreakType, LineSpacing, LineSpacingType, PageMargin, Run, RunFonts};

use crate::doc::Document;
use crate::form::{Align, Grid};
use crate::render::RenderError;

pub use package::FIXED_DATE;

/// Prefix of the custom document properties (`docProps/custom.xml`) that
/// hold a form's identity: `permit-forms.form`, `.version`, `.region`,
/// `.period`, as in the xlsx workbooks.
pub const META_PROPERTY_PREFIX: &str = "permit-forms.";

/// A4 width in twips (1/20 point).
pub const A4_WIDTH: u32 = 11906;
/// A4 height in twips.
pub const A4_HEIGHT: u32 = 16838;

/// Page margins in twips as official forms use them: 2.5 cm left, right and
/// top, 2.2 cm bottom. The text width, 9072 twips (453.6 pt), holds a form
/// table 453 pt wide.
pub const MARGINS: Margins = Margins { top: 1417, bottom: 1247, left: 1417, right: 1417 };

/// Page margins in twips.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Margins {
    /// Top.
    pub top: u32,
    /// Bottom.
    pub bottom: u32,
    /// Left.
    pub left: u32,
    /// Right.
    pub right: u32,
}

impl Margins {
    fn page_margin(self) -> PageMargin {
        PageMargin {
            top: self.top as i32,
            bottom: self.bottom as i32,
            left: self.left as i32,
            right: self.right as i32,
            header: 851,
            footer: 850,
            gutter: 0,
        }
    }
}

/// Renders a form grid as a Word document: the mark and the title, one
/// table with the grid's rows, and the footer rows under it.
///
/// # Errors
/// [`RenderError::Docx`] when the document cannot be built or packed.
///
/// # Examples
/// ```
/// use permit_forms::form::{layout, FormInstance};
/// use permit_forms::{FormKind, Templates};
///
/// let t = Templates::embedded().unwrap();
/// let grid = layout(t.form(FormKind::Progress), &t.registry, FormInstance { region: None, period: None });
/// let bytes = permit_forms::render::docx::render(&grid).unwrap();
/// assert_eq!(&bytes[..2], b"PK");
/// ```
pub fn render(grid: &Grid) -> Result<Vec<u8>, RenderError> {
    form::render(grid)
}

/// Renders a flowing document (report, letter) as a Word document.
///
/// # Errors
/// [`RenderError::Docx`] when the document cannot be built or packed.
pub fn render_document(doc: &Document) -> Result<Vec<u8>, RenderError> {
    flow::render(doc)
}

/// Points to twips.
fn twips(pt: f32) -> u32 {
    (pt * 20.0).round().max(0.0) as u32
}

/// Points to the half-points `w:sz` wants.
fn half_points(pt: f32) -> usize {
    (pt * 2.0).round().max(2.0) as usize
}

/// The same face for East Asian and Latin text.
fn fonts(name: &str) -> RunFonts {
    RunFonts::new().east_asia(name).ascii(name).hi_ansi(name).cs(name)
}

/// A run of `text` whose `\n` become line breaks, made writable first
/// ([`crate::text::writable`]: a character XML forbids would make the whole
/// document unreadable).
fn text_run(text: &str, font: &str, size: f32) -> Run {
    text_run_sized(text, font, half_points(size))
}

/// [`text_run`] with the size in half-points.
fn text_run_sized(text: &str, font: &str, half_points: usize) -> Run {
    let text = crate::text::writable(text, usize::MAX);
    let mut run = Run::new().fonts(fonts(font)).size(half_points);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        if !line.is_empty() {
            run = run.add_text(line);
        }
    }
    run
}

/// Exact line spacing of `line` twips, no space around the paragraph.
fn exact_lines(line: u32) -> LineSpacing {
    LineSpacing::new().line_rule(LineSpacingType::Exact).line(line as i32).before(0).after(0)
}

fn alignment(a: Align) -> AlignmentType {
    match a {
        Align::Left => AlignmentType::Left,
        Align::Center => AlignmentType::Center,
        Align::Right => AlignmentType::Right,
    }
}

/// Thin single borders around and inside a table, as the official forms have.
pub(crate) fn single_borders() -> docx_rs::TableBorders {
    use docx_rs::{BorderType, TableBorder, TableBorderPosition, TableBorders};
    let border = |p| TableBorder::new(p).border_type(BorderType::Single).size(4).color("000000");
    TableBorders::with_empty()
        .set(border(TableBorderPosition::Top))
        .set(border(TableBorderPosition::Left))
        .set(border(TableBorderPosition::Bottom))
        .set(border(TableBorderPosition::Right))
        .set(border(TableBorderPosition::InsideH))
        .set(border(TableBorderPosition::InsideV))
}
