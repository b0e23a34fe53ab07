//! The `review` verb: one month's work in one dated folder — ingest the
//! returns, then the workbook, the report (PDF and docx) and the letters,
//! and a count of what needs the office's attention.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{Category, Review};
use crate::ingest::{self, IngestOptions};
use crate::output::write_atomic;
use crate::render::{docx, pdf::PdfRenderer};
use crate::report::{self, WriteError};
use crate::templates::Templates;

/// What `review` is asked to do.
#[derive(Debug, Clone)]
pub struct ReviewOptions {
    /// Returned files or folders, as the user gave them.
    pub returns: Vec<PathBuf>,
    /// The as-of date (also the letters' date).
    pub as_of: NaiveDate,
    /// The folder under which the dated folder is made.
    pub out: PathBuf,
    /// A folder prefix taken off `source.file` (the demo writes its samples
    /// inside its output folder and names them relative to it).
    pub strip_prefix: Option<PathBuf>,
}

/// What needs the office's attention, counted over the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Attention {
    /// Reports due and not received (to chase).
    pub missing: usize,
    /// Reports received after their due day.
    pub late: usize,
    /// Received reports that tick 滞后.
    pub behind: usize,
    /// Received reports without one readable status (未勾选, 勾选有误, 状态无法识别).
    pub unclear_status: usize,
    /// 退回意见 letters written.
    pub letters: usize,
}

impl Attention {
    /// Counts from a review (letters left at 0).
    pub fn of(r: &Review) -> Attention {
        let missing = r.chase.iter().filter(|c| c.missing()).count();
        let unclear = [Category::Unticked, Category::Misticked, Category::Unreadable]
            .into_iter()
            .map(|c| r.cells_of(c).len())
            .sum();
        Attention {
            missing,
            late: r.chase.len() - missing,
            behind: r.behind.len(),
            unclear_status: unclear,
            letters: 0,
        }
    }

    /// One line for the terminal.
    pub fn summary_zh(&self) -> String {
        format!(
            "需要处理：未报 {} 份（须催报），迟报 {} 份，滞后 {} 份，进度勾选不清 {} 份，退回意见 {} 封。",
            self.missing, self.late, self.behind, self.unclear_status, self.letters
        )
    }
}

/// Where each output of a review went.
#[derive(Debug, Clone, Default)]
pub struct ReviewOutputs {
    /// The dated folder holding everything.
    pub dir: PathBuf,
    /// (what, path) in the order written.
    pub items: Vec<(String, PathBuf)>,
    /// The ingest summary line.
    pub ingest_summary: String,
    /// What needs attention.
    pub attention: Attention,
    /// Characters the PDF font lacks (drawn as □), sorted.
    pub missing_glyphs: Vec<char>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io { path: path.display().to_string(), source }
}

/// Runs the month's review into `OUT/<as-of>/`: `记录/` (records.jsonl,
/// rejected.jsonl), `汇总_截至<date>.xlsx`, `调度会报告_截至<date>.pdf` and
/// `.docx`, and `退回意见/`. Same inputs give byte-identical files.
///
/// # Errors
/// The first output that could not be rendered or written.
pub fn run(
    templates: &Templates,
    opts: &ReviewOptions,
    pdf: &PdfRenderer,
) -> Result<ReviewOutputs, WriteError> {
    run_read(templates, opts, read_returns(templates, opts, &|| {}), pdf)
}

/// The first step of [`run`]: ingests the returns, with file names made
/// relative to `strip_prefix`. The CLI calls it alone to stop before any
/// document is written when no form was found. `on_file` is called as each
/// file has been read (see [`ingest::ingest_paths_with`]).
pub fn read_returns(
    templates: &Templates,
    opts: &ReviewOptions,
    on_file: &(dyn Fn() + Sync),
) -> ingest::IngestOutcome {
    let mut outcome = ingest::ingest_paths_with(templates, &opts.returns, &IngestOptions::default(), on_file);
    if let Some(prefix) = &opts.strip_prefix {
        // Every file name the outputs carry: each record's own and those of
        // the records its cross-checks compared it with, and the rejected
        // and skipped files.
        let relative = |file: &mut String| {
            if let Ok(rel) = Path::new(file.as_str()).strip_prefix(prefix) {
                *file = rel.to_string_lossy().replace('\\', "/");
            }
        };
        for r in &mut outcome.records {
            relative(&mut r.source.file);
            for issue in &mut r.issues {
                if let Some(c) = &mut issue.compared {
                    relative(&mut c.file);
                }
            }
        }
        outcome.rejected.iter_mut().for_each(|r| relative(&mut r.file));
        outcome.skipped.iter_mut().for_each(|s| relative(&mut s.file));
    }
    outcome
}

/// The rest of [`run`], on returns already read by [`read_returns`].
///
/// # Errors
/// The first output that could not be rendered or written.
pub fn run_read(
    templates: &Templates,
    opts: &ReviewOptions,
    outcome: ingest::IngestOutcome,
    pdf: &PdfRenderer,
) -> Result<ReviewOutputs, WriteError> {
    let tag = opts.as_of.format("%Y-%m-%d").to_string();
    let dir = opts.out.join(&tag);
    let mut res = ReviewOutputs { dir: dir.clone(), ..Default::default() };

    let records_dir = dir.join("记录");
    ingest::write_outputs(&outcome, &records_dir).map_err(io(&records_dir))?;
    res.ingest_summary = outcome.summary_zh();
    res.items.push(("读取结果（records.jsonl、rejected.jsonl）".into(), records_dir));
    let records = outcome.records;

    let review = Review::build(templates, &records, opts.as_of);
    let xlsx = dir.join(format!("汇总_截至{tag}.xlsx"));
    let bytes = crate::consolidate::render_in(
        templates,
        &review,
        &records,
        Some(crate::consolidate::LinkFrom { workbook_dir: &dir, sources_root: opts.strip_prefix.as_deref() }),
    )?;
    write_atomic(&xlsx, &bytes).map_err(io(&xlsx))?;
    res.items.push(("汇总工作簿".into(), xlsx));

    let doc = report::report_document(&review);
    let (bytes, missing) = pdf.render_document(&doc)?;
    res.missing_glyphs = missing;
    let path = dir.join(format!("调度会报告_截至{tag}.pdf"));
    write_atomic(&path, &bytes).map_err(io(&path))?;
    res.items.push(("调度会报告（PDF）".into(), path));
    let path = dir.join(format!("调度会报告_截至{tag}.docx"));
    write_atomic(&path, &docx::render_document(&doc)?).map_err(io(&path))?;
    res.items.push(("调度会报告（Word）".into(), path));

    let fb = dir.join("退回意见");
    let letters = report::write_feedback(templates, &records, opts.as_of, pdf, &fb)?;
    res.missing_glyphs.extend(letters.missing_glyphs);
    res.missing_glyphs.sort_unstable();
    res.missing_glyphs.dedup();
    res.items.push((format!("退回意见 {} 封", letters.count), fb));

    res.attention = Attention { letters: letters.count, ..Attention::of(&review) };
    Ok(res)
}
