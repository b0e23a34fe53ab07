//! docx renderer (in progress).

use crate::form::Grid;
use crate::render::RenderError;

/// Renders a form grid as a Word document.
///
/// # Errors
/// [`RenderError::Docx`] when the document cannot be built.
pub fn render(_grid: &Grid) -> Result<Vec<u8>, RenderError> {
    Err(RenderError::Docx("docx 输出尚未实现".into()))
}
