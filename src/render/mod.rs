//! Renderers: free functions that translate a [`crate::form::Grid`] into the
//! bytes of one format. They hold no layout of their own and never depend on
//! each other.

pub mod docx;
pub mod pdf;
pub mod xlsx;

/// An output format of `generate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Excel workbook, to be filled in.
    Xlsx,
    /// Word document, to be filled in or printed.
    Docx,
    /// PDF, to be printed.
    Pdf,
}

impl Format {
    /// All formats.
    pub const ALL: [Format; 3] = [Format::Xlsx, Format::Docx, Format::Pdf];

    /// The file extension.
    pub fn ext(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
        }
    }

    /// Parses an extension name (`xlsx`, `docx`, `pdf`).
    pub fn from_ext(s: &str) -> Option<Self> {
        Format::ALL.into_iter().find(|f| f.ext().eq_ignore_ascii_case(s.trim()))
    }
}

/// Why a grid could not be turned into bytes.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The xlsx writer refused the workbook (a limit of the format, such as a
    /// sheet name over 31 characters).
    #[error("生成 xlsx 失败：{0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// The docx writer failed.
    #[error("生成 docx 失败：{0}")]
    Docx(String),
    /// The PDF writer failed, or a character is missing from the font.
    #[error("生成 PDF 失败：{0}")]
    Pdf(String),
}
