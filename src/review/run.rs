//! The `review` verb: one month's work in one dated folder — ingest the
//! returns, then the workbook, the report (PDF and docx) and the letters,
//! and a count of what needs the office's attention.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{Category, Review};
use crate::ingest::{self, IngestOptions};
use crate::ledger::{self, keys_of, LedgerError};
use crate::lock::lock_review_dir;
use crate::output::{write_atomic, DocumentSet};
use crate::record::Record;
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
    /// Write the documents even when no form was found (`--allow-empty`);
    /// otherwise such a run stops with [`ReviewError::Empty`].
    pub allow_empty: bool,
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
    /// Files in the dated folder the tool did not write (or that were
    /// changed since), carried over untouched: one line each, in Chinese.
    pub carried: Vec<String>,
    /// What the office should know about its ledger rows (a 编号 changed
    /// by hand, repeated or missing), one line each.
    pub ledger_notes: Vec<String>,
}

/// Why `review` stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// An output could not be rendered or written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The findings ledger cannot be used; nothing was written.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// No form was found among the returns; nothing was written.
    #[error(
        "在 {inputs} 中（{summary}）一份表格也没有，未生成任何文件（确要生成空的结果，请加 --allow-empty）"
    )]
    Empty {
        /// The returns as given.
        inputs: String,
        /// The ingest summary line.
        summary: String,
    },
}

impl From<crate::render::RenderError> for ReviewError {
    fn from(e: crate::render::RenderError) -> Self {
        ReviewError::Write(e.into())
    }
}

impl From<rust_xlsxwriter::XlsxError> for ReviewError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        ReviewError::Write(crate::render::RenderError::from(e).into())
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io { path: path.display().to_string(), source }
}

/// Whether a file of a dated folder written before manifests existed is
/// this tool's: the records, a marked-up return, or a document marked as
/// ours (the workbook, the report, a letter), or the status board.
fn earlier_output(rel: &str, path: &Path) -> bool {
    use crate::ingest::sniff::{sniff, Content};
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if rel.starts_with("记录/") && rel.ends_with(".jsonl")
        || rel.ends_with("_请修改.xlsx")
        || rel == name && crate::board::is_file_name(name)
    {
        return true;
    }
    let limits = crate::ingest::Limits::default();
    std::fs::read(path).ok().is_some_and(|b| matches!(sniff(&b, name, &limits), Ok(Content::Own(_))))
}

/// Runs the month's review into `OUT/<as-of>/`: `记录/` (records.jsonl,
/// rejected.jsonl), `汇总_截至<date>.xlsx`, `调度会报告_截至<date>.pdf` and
/// `.docx`, `退回意见/` and `状态看板_截至<date>.html`; and keeps the
/// findings ledger `OUT/审核台账.xlsx` (read back first, the previous kept
/// as `审核台账.上次.xlsx`), whose closed findings no document shows as
/// open. Same inputs give byte-identical files.
///
/// The whole run holds the review folder's lock ([`lock_review_dir`]); the
/// dated folder is written beside the old one and swapped in at the end
/// ([`DocumentSet`]), so an interrupted run leaves the previous complete set.
///
/// # Errors
/// The review folder held by another run, a ledger that cannot be used
/// (both before anything is written), or the first output that could not
/// be rendered or written.
pub fn run(
    templates: &Templates,
    opts: &ReviewOptions,
    pdf: &PdfRenderer,
) -> Result<ReviewOutputs, ReviewError> {
    run_with(templates, opts, pdf, &|| {})
}

/// [`run`], calling `on_file` as each return has been read (see
/// [`ingest::ingest_paths_with`]: a progress bar counts them).
///
/// # Errors
/// As [`run`]; and [`ReviewError::Empty`] when no form was found and
/// [`ReviewOptions::allow_empty`] is not set (nothing is written then).
pub fn run_with(
    templates: &Templates,
    opts: &ReviewOptions,
    pdf: &PdfRenderer,
    on_file: &(dyn Fn() + Sync),
) -> Result<ReviewOutputs, ReviewError> {
    let tag = opts.as_of.format("%Y-%m-%d").to_string();
    let dir = opts.out.join(&tag);
    let mut res = ReviewOutputs { dir: dir.clone(), ..Default::default() };
    let lock = lock_review_dir(&opts.out).map_err(WriteError::from)?;
    // The office's ledger is read before anything is written: one it
    // cannot use stops the run with every file as it was.
    let ledger_path = opts.out.join(ledger::FILE_NAME);
    let reg = &templates.registry;
    let previous = ledger::read(&ledger_path, &|n| reg.region_by_name(n).is_some())?;
    let set = DocumentSet::begin(&lock, &dir).map_err(io(&dir))?;
    // Everything is written under the staging folder; paths shown are final.
    let stage = set.staging().to_path_buf();

    let ingest_opts = IngestOptions {
        review_dir: Some(opts.out.clone()),
        own_outputs: crate::output::set::written_under(&opts.out),
        ..IngestOptions::default()
    };
    let mut outcome = ingest::ingest_paths_with(templates, &opts.returns, &ingest_opts, on_file);
    if outcome.records.is_empty() && !opts.allow_empty {
        let inputs: Vec<String> = opts.returns.iter().map(|p| p.display().to_string()).collect();
        return Err(ReviewError::Empty { inputs: inputs.join("、"), summary: outcome.summary_zh() });
    }
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
            // The name shown changes; the path it was read from stays.
            let mut shown = r.source.file.clone();
            relative(&mut shown);
            r.show_file_as(shown);
            for issue in &mut r.issues {
                if let Some(c) = &mut issue.compared {
                    relative(&mut c.file);
                }
            }
        }
        outcome.rejected.iter_mut().for_each(|r| relative(&mut r.file));
        outcome.skipped.iter_mut().for_each(|s| relative(&mut s.file));
    }
    // The office's 收文登记, a sheet of the ledger (read before anything is
    // written: an unreadable one stops the run), then its 收文日期 decide again.
    let receipts_path = ledger_path.clone();
    let receipts = crate::receipt::load(&receipts_path).map_err(WriteError::from)?;
    let today = crate::receipt::today_in_china();
    let receipts = crate::receipt::merge(templates, receipts, &outcome.records, &outcome.rejected, today);
    if crate::receipt::apply(&receipts, &mut outcome.records) {
        ingest::current::settle(&mut outcome.records, &templates.registry);
    }
    let records_dir = dir.join("记录");
    for (name, bytes) in ingest::output_files(&outcome).map_err(io(&records_dir))? {
        set.write(Path::new("记录").join(name), &bytes).map_err(io(&records_dir.join(name)))?;
    }
    res.ingest_summary = outcome.summary_zh();
    res.items.push(("读取结果（records.jsonl、rejected.jsonl）".into(), records_dir));
    let records = outcome.records;

    let mut review = Review::build(templates, &records, opts.as_of);
    let merged = review.apply_ledger(templates, &records, previous.as_ref());
    let ledger_bytes = ledger::to_bytes_with(&merged.ledger, &[review.look_back_sheet()], Some(&receipts))?;
    res.ledger_notes = merged.notes;
    let closed: BTreeSet<&str> =
        merged.states.iter().filter(|(_, (s, _))| !s.is_open()).map(|(id, _)| id.as_str()).collect();
    let xlsx = dir.join(format!("汇总_截至{tag}.xlsx"));
    let bytes = crate::consolidate::render_in(
        templates,
        &review,
        &records,
        // The staging folder lies beside the dated folder: the same relative links.
        Some(crate::consolidate::LinkFrom {
            workbook_dir: &stage,
            sources_root: opts.strip_prefix.as_deref(),
        }),
    )?;
    set.write(format!("汇总_截至{tag}.xlsx"), &bytes).map_err(io(&xlsx))?;
    res.items.push(("汇总工作簿".into(), xlsx));

    let doc = report::report_document(&review);
    let (bytes, missing) = pdf.render_document(&doc)?;
    res.missing_glyphs = missing;
    let name = format!("调度会报告_截至{tag}.pdf");
    let path = dir.join(&name);
    set.write(&name, &bytes).map_err(io(&path))?;
    res.items.push(("调度会报告（PDF）".into(), path));
    let name = format!("调度会报告_截至{tag}.docx");
    let path = dir.join(&name);
    set.write(&name, &docx::render_document(&doc)?).map_err(io(&path))?;
    res.items.push(("调度会报告（Word）".into(), path));

    let fb = dir.join("退回意见");
    // Letters and marked-up returns ask only about what is still open.
    let open = open_only(&records, &closed);
    let letters =
        report::write_feedback_of(templates, &review, &open, opts.as_of, pdf, &stage.join("退回意见"))?;
    res.missing_glyphs.extend(letters.missing_glyphs);
    res.missing_glyphs.sort_unstable();
    res.missing_glyphs.dedup();
    res.items.push((format!("退回意见 {} 封", letters.count), fb));

    let name = crate::board::file_name(opts.as_of);
    let board = dir.join(&name);
    let html = crate::board::render(&crate::board::Board {
        templates,
        review: &review,
        records: &records,
        // The staging folder lies beside the dated folder: the same relative links.
        dir: &stage,
        sources_root: opts.strip_prefix.as_deref(),
        feedback: &letters.files,
    });
    set.write(&name, html.as_bytes()).map_err(io(&board))?;
    res.items.push(("状态看板".into(), board));

    // The ledger (with its 收文登记) last, just before the set is swapped
    // in: a run stopped while rendering leaves last month's ledger beside
    // last month's set.
    keep_ledger(&ledger_path, &opts.out.join(ledger::PREVIOUS_FILE_NAME), &ledger_bytes)
        .map_err(io(&ledger_path))?;
    res.items.push(("审核台账（含收文登记）".into(), ledger_path));
    res.attention = Attention { letters: letters.count, ..Attention::of(&review) };
    res.carried = set.commit_with(&earlier_output).map_err(io(&dir))?.summary_zh();
    Ok(res)
}

/// `records` with the findings the ledger closed (`closed` 编号) left out.
fn open_only<'a>(records: &'a [Record], closed: &BTreeSet<&str>) -> Cow<'a, [Record]> {
    if closed.is_empty() {
        return Cow::Borrowed(records);
    }
    Cow::Owned(
        records
            .iter()
            .map(|r| {
                let keys = keys_of(r);
                let mut r = r.clone();
                r.issues = std::mem::take(&mut r.issues)
                    .into_iter()
                    .zip(keys)
                    .filter(|(_, k)| !closed.contains(k.id().as_str()))
                    .map(|(i, _)| i)
                    .collect();
                r
            })
            .collect(),
    )
}

/// Writes the ledger's new `bytes` at `path`, first keeping the ledger
/// there as `previous`; nothing is written when the bytes are the same.
/// Each file is replaced whole ([`write_atomic`]): an interrupted run
/// leaves the old ledger or the new one, never part of one.
fn keep_ledger(path: &Path, previous: &Path, bytes: &[u8]) -> std::io::Result<()> {
    match std::fs::read(path) {
        Ok(old) if old == bytes => return Ok(()),
        Ok(old) => write_atomic(previous, &old)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
        }
        Err(e) => return Err(e),
    }
    write_atomic(path, bytes)
}
