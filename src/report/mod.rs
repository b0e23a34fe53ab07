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
    /// Files an earlier run wrote in the folder that somebody changed since
    /// (kept, renamed `…（已修改）…` so that no new letter overwrites them),
    /// one line each, in Chinese.
    pub kept: Vec<String>,
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
    let letters = write_feedback_of(templates, &review, records, date, pdf, dir)?;
    // What this run wrote, so that the next one replaces only that and
    // keeps what a clerk changed (the review verb's set has its own).
    let mut manifest = crate::output::set::Manifest::default();
    for path in &letters.files {
        let io = |source| WriteError::Io { path: path.display().to_string(), source };
        let bytes = std::fs::read(path).map_err(io)?;
        let rel = path.strip_prefix(dir).unwrap_or(path).to_string_lossy().replace('\\', "/");
        manifest.files.insert(rel, crate::output::set::sha256_hex(&bytes));
    }
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| WriteError::Io { path: dir.display().to_string(), source: std::io::Error::other(e) })?;
    let path = dir.join(crate::output::set::MANIFEST_NAME);
    write_atomic(&path, &json)
        .map_err(|source| WriteError::Io { path: path.display().to_string(), source })?;
    Ok(letters)
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
    let kept =
        clear_earlier(dir).map_err(|source| WriteError::Io { path: dir.display().to_string(), source })?;
    let mut out = Letters { kept, ..Letters::default() };
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

/// Removes from `dir` what an earlier [`write_feedback`] wrote there and
/// nobody changed since, so that no old letter lies there looking current.
///
/// With the earlier run's manifest (`.permit-forms-manifest.json`, each
/// file it wrote with its SHA-256): the files it lists whose bytes are
/// unchanged go; a listed file that was changed is kept, renamed
/// `…（已修改）…` (a new letter of the same name would otherwise replace
/// it); anything it does not list (a clerk's renamed copy, a note) is left
/// alone. Without one (a folder of an earlier version): the letters
/// (`退回意见_*` / `核实提醒_*` .docx / .pdf, recognised by content as this
/// tool's output) and, one folder down, the marked-up returns
/// (`*_请修改*.xlsx`). Then the folders that leaves empty. Returns the
/// kept files, one line each in Chinese.
///
/// # Errors
/// A folder that cannot be listed or a file that cannot be removed.
pub fn clear_earlier(dir: &Path) -> std::io::Result<Vec<String>> {
    if let Some(manifest) = crate::output::set::Manifest::read(dir) {
        return clear_listed(dir, &manifest);
    }
    clear_legacy(dir).map(|_| Vec::new())
}

/// [`clear_earlier`] by the earlier run's manifest.
fn clear_listed(dir: &Path, manifest: &crate::output::set::Manifest) -> std::io::Result<Vec<String>> {
    let mut kept = Vec::new();
    let mut folders = std::collections::BTreeSet::new();
    for rel in manifest.files.keys() {
        let path = dir.join(rel);
        if !path.is_file() {
            continue;
        }
        if manifest.is_unchanged(dir, rel) {
            std::fs::remove_file(&path)?;
            if let Some(parent) = path.parent().filter(|p| *p != dir) {
                folders.insert(parent.to_path_buf());
            }
        } else {
            let renamed = changed_name(&path);
            std::fs::rename(&path, &renamed)?;
            let shown = renamed.strip_prefix(dir).unwrap_or(&renamed).display().to_string();
            kept.push(format!("{rel} 在上次生成后被改动过，已保留为 {shown}"));
        }
    }
    for folder in folders {
        if std::fs::read_dir(&folder)?.next().is_none() {
            std::fs::remove_dir(&folder)?;
        }
    }
    std::fs::remove_file(dir.join(crate::output::set::MANIFEST_NAME))?;
    Ok(kept)
}

/// `path` renamed `stem（已修改）.ext` (or `stem（已修改2）.ext` … when taken).
fn changed_name(path: &Path) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    (1..)
        .map(|n| {
            let mark = if n == 1 { "（已修改）".to_string() } else { format!("（已修改{n}）") };
            path.with_file_name(format!("{stem}{mark}{ext}"))
        })
        .find(|p| !p.exists())
        .unwrap_or_else(|| path.to_path_buf())
}

/// [`clear_earlier`] for a folder without a manifest; returns how many
/// files were removed.
fn clear_legacy(dir: &Path) -> std::io::Result<usize> {
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
            && (name.starts_with("退回意见_") || name.starts_with("核实提醒_"))
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
