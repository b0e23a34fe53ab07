//! Reading template files: the error type every template reader returns
//! (with file and line), TOML parsing into it, and the font files embedded
//! as defaults. The registry and the form models both parse through here,
//! so neither depends on [`crate::templates`], which assembles them.

use serde::de::DeserializeOwned;

use crate::text::line_of;

/// Why the templates could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// A template file could not be read.
    #[error("{file}：无法读取（{source}）")]
    Io {
        /// The file.
        file: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file is not valid TOML, or has keys of the wrong type.
    #[error("{file}:{line}：格式错误：{message}")]
    Syntax {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// The facts do not hold together.
    #[error("{file}:{line}：{problem}")]
    Invalid {
        /// The file.
        file: String,
        /// 1-based line (0 when not known).
        line: usize,
        /// What is wrong, in Chinese.
        problem: String,
    },
}

impl TemplateError {
    /// A TOML syntax or type error in `file`, with the line it points at.
    pub(crate) fn syntax(file: &str, text: &str, e: &toml::de::Error) -> Self {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
        TemplateError::Syntax { file: file.to_string(), line, message: e.message().trim().to_string() }
    }
}

/// Parses `text`, the contents of the template file `file`, as TOML.
///
/// # Errors
/// [`TemplateError::Syntax`] with the line of the first problem.
pub fn parse_toml<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, TemplateError> {
    toml::from_str(text).map_err(|e| TemplateError::syntax(file, text, &e))
}

/// File name of the body face (宋体-style serif) the PDF embeds and layout
/// measures text with.
pub const BODY_FONT_FILE: &str = "PermitFormsSerif-Regular.otf";

/// Fonts shipped in `templates/fonts/`, embedded in the binary.
pub const EMBEDDED_FONTS: &[(&str, &[u8])] = &[
    ("PermitFormsSans-Regular.otf", include_bytes!("../templates/fonts/PermitFormsSans-Regular.otf")),
    ("PermitFormsSerif-Regular.otf", include_bytes!("../templates/fonts/PermitFormsSerif-Regular.otf")),
];
