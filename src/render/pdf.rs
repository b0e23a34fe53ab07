//! PDF renderer (in progress).

use crate::form::Grid;
use crate::render::RenderError;
use crate::templates::Templates;

/// Fonts parsed once per run and shared by every document.
#[derive(Debug)]
pub struct PdfRenderer {}

impl PdfRenderer {
    /// Parses the fonts of `templates` once.
    ///
    /// # Errors
    /// [`RenderError::Pdf`] when a font is missing or cannot be parsed.
    pub fn new(_templates: &Templates) -> Result<Self, RenderError> {
        Ok(PdfRenderer {})
    }

    /// Renders a form grid as a PDF.
    ///
    /// # Errors
    /// [`RenderError::Pdf`] when the document cannot be built.
    pub fn render(&self, _grid: &Grid) -> Result<Vec<u8>, RenderError> {
        Err(RenderError::Pdf("PDF 输出尚未实现".into()))
    }
}
