//! The printable review report and the feedback letters, built from records
//! as [`Document`](crate::doc::Document)s that `render::pdf` and
//! `render::docx` draw.
//!
//! - [`report_document`]: 排污许可管理试点工作进展情况报告, a rendering of the
//!   [`Review`](crate::review::Review) (summary and chart, the status matrix,
//!   one table for all tasks, behind-schedule reasons, difficulties, 未报 to
//!   chase and 迟报 noted); [`build_report`] builds the review first.
//! - [`feedback`]: one letter per region (or per file of an unknown region)
//!   with open findings that go back to it: `退回意见` (errors) or `核实提醒`
//!   (warnings only), listing them; none for a region with nothing open.

mod build;
mod feedback;

pub use build::{build_report, report_document, ISSUER, REPORT_TITLE};
pub use feedback::{feedback, file_safe, letters, letters_of, working_days_after, Letter, LetterKind};

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::output::write_atomic;
use crate::record::Record;
use crate::render::{docx, pdf::PdfRenderer};
use crate::templates::Templates;

pub use crate::output::WriteError;

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

/// Writes each region's letter, dated `date`, as `DIR/退回意见_<key>.docx` and
/// `.pdf` (or `DIR/核实提醒_<key>…` for warnings only), and beside them each record's marked-up return as
/// `DIR/<key>/附3_试点工作进展表_河北省_2017年04月_请修改.xlsx`
/// ([`crate::markup::write_marked_up`]), named in the letter. Letters and
/// marked-up returns an earlier run left in `DIR` are removed first
/// ([`clear_earlier`]), so none of them lies there looking current.
///
/// # Errors
/// A letter or marked-up return that could not be rendered or written.
pub fn write_feedback(
    templates: &Templates,
    records: &[Record],
    date: chrono::NaiveDate,
    pdf: &PdfRenderer,
    dir: &Path,
) -> Result<Letters, WriteError> {
    let review = crate::review::Review::build(templates, records, date);
    write_feedback_of(templates, &review, records, date, pdf, dir)
}

/// [`write_feedback`] for a review already built of `records` (with the
/// findings ledger applied, in `review`), so that the letters follow its
/// findings' states: closed findings make no letter, and a finding the
/// office sent back (退回中) makes a 退回意见.
///
/// # Errors
/// As [`write_feedback`].
pub fn write_feedback_of(
    templates: &Templates,
    review: &crate::review::Review,
    records: &[Record],
    date: chrono::NaiveDate,
    pdf: &PdfRenderer,
    dir: &Path,
) -> Result<Letters, WriteError> {
    let mut out = Letters::default();
    clear_earlier(dir).map_err(|source| WriteError::Io { path: dir.display().to_string(), source })?;
    // Each record with findings also goes back as its form, marked up; the letter names it.
    let marked = crate::markup::write_marked_up(templates, records, dir)?;
    let letters = letters_of(templates, review, records, date);
    // Each letter is rendered and written on its own (in parallel); the
    // files are listed in letter order.
    let written = letters
        .into_par_iter()
        .map(|Letter { key, kind, mut doc }| -> Result<([PathBuf; 2], Vec<char>), WriteError> {
            crate::markup::name_in_letter(&mut doc, &key, &marked);
            let base = dir.join(format!("{}_{key}", kind.label_zh()));
            let (pdf_bytes, missing) = pdf.render_document(&doc)?;
            let paths = [base.with_extension("docx"), base.with_extension("pdf")];
            for (path, bytes) in paths.iter().zip([docx::render_document(&doc)?, pdf_bytes]) {
                write_atomic(path, &bytes)
                    .map_err(|source| WriteError::Io { path: path.display().to_string(), source })?;
            }
            Ok((paths, missing))
        })
        .collect::<Result<Vec<_>, WriteError>>()?;
    for (paths, missing) in written {
        out.files.extend(paths);
        out.missing_glyphs.extend(missing);
        out.count += 1;
    }
    out.files.extend(marked.into_iter().map(|(_, rel)| dir.join(rel)));
    out.missing_glyphs.sort_unstable();
    out.missing_glyphs.dedup();
    Ok(out)
}

/// Removes from `dir` what an earlier [`write_feedback`] wrote there: the
/// letters (`退回意见_*.docx` / `.pdf`, recognised by content as this tool's
/// output) and, one folder down, the marked-up returns (`*_请修改*.xlsx`),
/// then the folders that leaves empty. Anything else in `dir` is left alone.
/// Returns how many files were removed.
///
/// # Errors
/// A folder that cannot be listed or a file that cannot be removed.
pub fn clear_earlier(dir: &Path) -> std::io::Result<usize> {
    use crate::ingest::sniff::{sniff, Content};
    let mut removed = 0;
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(0) };
    let limits = crate::ingest::Limits::default();
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type()?;
        if kind.is_file()
            && name.starts_with("退回意见_")
            && (name.ends_with(".docx") || name.ends_with(".pdf"))
        {
            let own = std::fs::read(&path)
                .ok()
                .is_some_and(|b| matches!(sniff(&b, &name, &limits), Ok(Content::Own(_))));
            if own {
                std::fs::remove_file(&path)?;
                removed += 1;
            }
        } else if kind.is_dir() {
            let mut here = 0;
            for inner in std::fs::read_dir(&path)? {
                let inner = inner?;
                let n = inner.file_name().to_string_lossy().into_owned();
                if inner.file_type()?.is_file() && n.contains("_请修改") && n.ends_with(".xlsx") {
                    std::fs::remove_file(inner.path())?;
                    here += 1;
                }
            }
            // A folder it emptied goes; one holding anything else stays.
            if here > 0 && std::fs::read_dir(&path)?.next().is_none() {
                std::fs::remove_dir(&path)?;
            }
            removed += here;
        }
    }
    Ok(removed)
}
