//! The printable review report and the feedback letters, built from records
//! as [`Document`](crate::doc::Document)s that `render::pdf` and
//! `render::docx` draw.
//!
//! - [`report_document`]: 排污许可管理试点工作进展情况报告, a rendering of the
//!   [`Review`](crate::review::Review) (summary and chart, the status matrix,
//!   one table for all tasks, behind-schedule reasons, difficulties, 未报 to
//!   chase and 迟报 noted); [`build_report`] builds the review first.
//! - [`feedback`]: one 退回意见 letter per region (or per file of an unknown
//!   region) listing every finding.

mod build;
mod feedback;

pub use build::{build_report, report_document, ISSUER, REPORT_TITLE};
pub use feedback::{feedback, file_safe, working_days_after};

use std::path::{Path, PathBuf};

use crate::output::write_atomic;
use crate::record::Record;
use crate::render::{docx, pdf::PdfRenderer, RenderError};
use crate::templates::Templates;

/// Why the feedback letters could not all be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A letter could not be rendered.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A file could not be written.
    #[error("{path}：无法写入（{source}）")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// What [`write_feedback`] wrote.
#[derive(Debug, Clone, Default)]
pub struct Letters {
    /// Files written (docx and pdf per letter, in letter order), then the
    /// marked-up returns.
    pub files: Vec<PathBuf>,
    /// Letters written.
    pub count: usize,
    /// Characters the PDF font lacks (drawn as □), sorted.
    pub missing_glyphs: Vec<char>,
}

/// Writes each region's 退回意见, dated `date`, as `DIR/退回意见_<key>.docx` and
/// `.pdf`, and beside them each record's marked-up return as
/// `DIR/<key>/附3_试点工作进展表_河北省_2017年04月_请修改.xlsx`
/// ([`crate::markup::write_marked_up`]), named in the letter.
///
/// # Errors
/// The first letter that could not be rendered or written.
pub fn write_feedback(
    templates: &Templates,
    records: &[Record],
    date: chrono::NaiveDate,
    pdf: &PdfRenderer,
    dir: &Path,
) -> Result<Letters, WriteError> {
    let mut out = Letters::default();
    // Each record with findings also goes back as its form, marked up; the letter names it.
    let marked = crate::markup::write_marked_up(templates, records, dir).map_err(|e| match e {
        crate::markup::MarkupError::Render(e) => WriteError::Render(e),
        crate::markup::MarkupError::Io { path, source } => WriteError::Io { path, source },
    })?;
    for (key, mut doc) in feedback(templates, records, date) {
        crate::markup::name_in_letter(&mut doc, &key, &marked);
        let base = dir.join(format!("退回意见_{key}"));
        let (pdf_bytes, missing) = pdf.render_document(&doc)?;
        out.missing_glyphs.extend(missing);
        for (ext, bytes) in [("docx", docx::render_document(&doc)?), ("pdf", pdf_bytes)] {
            let path = base.with_extension(ext);
            write_atomic(&path, &bytes)
                .map_err(|source| WriteError::Io { path: path.display().to_string(), source })?;
            out.files.push(path);
        }
        out.count += 1;
    }
    out.files.extend(marked.into_iter().map(|(_, rel)| dir.join(rel)));
    out.missing_glyphs.sort_unstable();
    out.missing_glyphs.dedup();
    Ok(out)
}
