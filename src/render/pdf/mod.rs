//! PDF renderer: forms ([`Grid`]) and flowing documents ([`Document`]) on A4,
//! with the shipped Chinese face embedded as a per-document subset.
//!
//! The face is parsed once by [`PdfRenderer::new`]; the renderer is then
//! shared read-only by every thread. Each document is laid out into display
//! lists (`canvas`), the face is cut down to the characters used, and
//! printpdf writes the file. Output is deterministic: no dates, a subset tag
//! and file /ID derived from the content.

mod canvas;
mod cff;
mod document;
mod font;
mod form;
mod wrap;

use std::borrow::Cow;

use crate::doc::Document;
use crate::form::Grid;
use crate::render::RenderError;
use crate::templates::Templates;

use font::{Face, Fonts};

pub use document::{PageRecord, Placed};

/// File name of the body face (宋体-style serif). When the templates lack it,
/// the first font file that is not [`TITLE_FONT`] is used.
pub const BODY_FONT: &str = crate::template_file::BODY_FONT_FILE;
/// File name of the optional title face (黑体-style sans) for marks, titles,
/// headings and bold cells; without it those are drawn in the body face,
/// thickened.
pub const TITLE_FONT: &str = "PermitFormsSans-Regular.otf";

/// Fonts parsed once per run and shared by every document (it is `Sync`).
///
/// # Examples
/// ```
/// use permit_forms::form::{layout, FormInstance};
/// use permit_forms::render::pdf::PdfRenderer;
/// use permit_forms::{FormKind, Templates};
///
/// let templates = Templates::embedded()?;
/// let pdf = PdfRenderer::new(&templates)?;
/// let blank = FormInstance { region: None, period: None };
/// let grid = layout(templates.form(FormKind::Progress), &templates.registry, blank);
/// let bytes = pdf.render(&grid)?;
/// assert!(bytes.starts_with(b"%PDF"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct PdfRenderer {
    fonts: Fonts,
}

impl PdfRenderer {
    /// Parses the fonts of `templates` once: [`BODY_FONT`] (or else the
    /// first other font file) and, when present, [`TITLE_FONT`].
    ///
    /// # Errors
    /// [`RenderError::Pdf`] when a font is missing or cannot be parsed.
    pub fn new(templates: &Templates) -> Result<Self, RenderError> {
        let (name, bytes) = templates
            .fonts
            .get_key_value(BODY_FONT)
            .or_else(|| templates.fonts.iter().find(|(n, _)| n.as_str() != TITLE_FONT))
            .ok_or_else(|| RenderError::Pdf(format!("模板中没有字体文件（应有 fonts/{BODY_FONT}）")))?;
        let bytes: Cow<'static, [u8]> = bytes.clone();
        let serif = Face::parse(name, bytes, 0).map_err(RenderError::Pdf)?;
        let sans = match templates.fonts.get(TITLE_FONT) {
            Some(b) => Some(Face::parse(TITLE_FONT, b.clone(), 0).map_err(RenderError::Pdf)?),
            None => None,
        };
        Ok(PdfRenderer { fonts: Fonts { serif, sans } })
    }

    /// Renders a form grid as an A4 portrait PDF: mark, title, the table
    /// exactly as the grid sizes it, centred, and the footer line. A 附2 may
    /// run over several pages (header rows repeated); a 附3 must fit one.
    ///
    /// # Errors
    /// [`RenderError::Pdf`] naming a character the font lacks, or when a 附3
    /// does not fit one page.
    pub fn render(&self, grid: &Grid) -> Result<Vec<u8>, RenderError> {
        let pages = form::pages(&self.fonts, grid).map_err(RenderError::Pdf)?;
        let mut title = format!("{} {}", grid.mark, grid.title);
        if let Some(id) = &grid.identity {
            if let Some(r) = &id.region {
                title.push(' ');
                title.push_str(r);
            }
            if let Some(p) = &id.period {
                title.push(' ');
                title.push_str(&p.to_string());
            }
        }
        canvas::write_pdf(&self.fonts.slots(), &title, &pages).map_err(RenderError::Pdf)
    }

    /// Renders a flowing document. Characters the font lacks are drawn as □
    /// and returned (sorted, without duplicates) so the caller can warn.
    ///
    /// # Errors
    /// [`RenderError::Pdf`] when the file cannot be written.
    pub fn render_document(&self, doc: &Document) -> Result<(Vec<u8>, Vec<char>), RenderError> {
        let (pages, _, missing) = document::pages(&self.fonts, doc);
        let bytes = canvas::write_pdf(&self.fonts.slots(), &doc.title, &pages).map_err(RenderError::Pdf)?;
        Ok((bytes, missing))
    }

    /// Lays a document out as [`render_document`](Self::render_document)
    /// would and returns what went on each page (headings, text, table rows,
    /// charts) and its page-number line, without writing a PDF.
    pub fn layout_document(&self, doc: &Document) -> Vec<PageRecord> {
        document::pages(&self.fonts, doc).1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renderer_is_sync() {
        fn sync<T: Sync + Send>() {}
        sync::<PdfRenderer>();
    }
}
