//! A flowing [`Document`] as a Word document.

use crate::doc::Document;
use crate::render::RenderError;

pub(super) fn render(_doc: &Document) -> Result<Vec<u8>, RenderError> {
    Err(RenderError::Docx("未实现".into()))
}
