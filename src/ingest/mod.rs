//! `ingest`: returned workbooks become validated records.
//!
//! The pipeline per file, run in parallel with the form models and the
//! registry prepared once:
//!
//! 1. [`read`]: the file's bytes (read once, hashed with SHA-256) become
//!    plain sheets of values, whatever the format (xlsx, xlsm, xls, ods);
//!    bad files (empty, truncated, encrypted, not a spreadsheet) get a reason.
//! 2. [`locate`]: each sheet is recognised as 附2 or 附3 by its labels (the
//!    hidden identity written by `generate` breaks ties), and every value is
//!    found from the label texts of the form model.
//! 3. [`build`] and [`normalize`]: values become typed record fields.
//! 4. [`validate`]: the seed's rules add issues.
//! 5. [`current`]: among resubmissions, one record counts.
//!
//! Outputs are in stable order (by file as given, then sheet order), so the
//! same inputs give byte-identical `records.jsonl` and `rejected.jsonl`.

pub mod build;
pub mod current;
pub mod locate;
pub mod normalize;
pub mod read;
pub mod validate;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::output::write_atomic;
use crate::record::{FormKind, Issue, Record, Rejected, Rule, Severity, Source};
use crate::templates::Templates;
use locate::Labels;
use read::ReadError;

/// File extensions read as workbooks (compared in lower case).
pub const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "ods"];

/// Share of a form's labels a sheet must show to count as that form.
const MIN_LABEL_SHARE: f32 = 0.6;

/// Settings of an ingest run.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Files larger than this (bytes) are rejected without being loaded.
    pub max_file_size: u64,
    /// Text values longer than this (characters) are cut, with a visible
    /// `…（以下略，原文共 N 字）` and a `text.truncated` warning.
    pub max_text_chars: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions { max_file_size: 20 * 1024 * 1024, max_text_chars: build::MAX_TEXT_CHARS }
    }
}

/// What an ingest run found.
#[derive(Debug, Clone, Default)]
pub struct IngestOutcome {
    /// One record per form found, by file then sheet order.
    pub records: Vec<Record>,
    /// One entry per input that gave no form, by file.
    pub rejected: Vec<Rejected>,
    /// Spreadsheet files attempted.
    pub files_read: usize,
    /// Files in the given folders that are not spreadsheets, passed over.
    pub passed_over: Vec<String>,
}

impl IngestOutcome {
    /// One line for the terminal:
    /// `读取文件 N 个，识别表格 N 份，退回 N 个，错误 N 条，警告 N 条`.
    pub fn summary_zh(&self) -> String {
        let count = |s| self.records.iter().map(|r| r.count(s)).sum::<usize>();
        let mut line = format!(
            "读取文件 {} 个，识别表格 {} 份，退回 {} 个，错误 {} 条，警告 {} 条",
            self.files_read,
            self.records.len(),
            self.rejected.len(),
            count(Severity::Error),
            count(Severity::Warning)
        );
        if !self.passed_over.is_empty() {
            line.push_str(&format!("，跳过非表格文件 {} 个", self.passed_over.len()));
        }
        line
    }
}

/// One file to read: the name shown to the user and where it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Input {
    shown: String,
    path: PathBuf,
}

fn is_lock_file(name: &str) -> bool {
    name.starts_with("~$") || name.starts_with(".~lock.")
}

fn has_workbook_ext(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Walks a folder in sorted name order (never the file system's order).
fn walk(
    dir: &Path,
    shown: &Path,
    files: &mut Vec<Input>,
    passed: &mut Vec<String>,
    rejected: &mut Vec<Rejected>,
) {
    let mut entries: Vec<(String, PathBuf)> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .collect(),
        Err(e) => {
            rejected.push(Rejected {
                file: shown.to_string_lossy().into_owned(),
                reason: format!("无法读取文件夹（{e}）"),
            });
            return;
        }
    };
    entries.sort();
    for (name, path) in entries {
        let show = shown.join(&name);
        if path.is_dir() {
            walk(&path, &show, files, passed, rejected);
        } else if is_lock_file(&name) {
            continue;
        } else if has_workbook_ext(&path) {
            files.push(Input { shown: show.to_string_lossy().into_owned(), path });
        } else {
            passed.push(show.to_string_lossy().into_owned());
        }
    }
}

/// Result of reading one file.
enum FileResult {
    Records(Vec<Record>),
    Rejected(Rejected),
}

/// The prepared models.
struct Prepared<'a> {
    templates: &'a Templates,
    labels: Vec<Labels>,
    max_text_chars: usize,
}

impl<'a> Prepared<'a> {
    fn new(templates: &'a Templates, opts: &IngestOptions) -> Self {
        Prepared {
            templates,
            labels: FormKind::ALL.iter().map(|&k| Labels::new(templates.form(k))).collect(),
            max_text_chars: opts.max_text_chars,
        }
    }
}

fn read_file(p: &Prepared, input: &Input, opts: &IngestOptions) -> FileResult {
    let reject = |reason: String| FileResult::Rejected(Rejected { file: input.shown.clone(), reason });
    match std::fs::metadata(&input.path) {
        Ok(m) if m.len() > opts.max_file_size => {
            return reject(ReadError::TooLarge { size: m.len(), limit: opts.max_file_size }.to_string())
        }
        Ok(_) => {}
        Err(e) => return reject(format!("无法读取文件（{e}）")),
    }
    let bytes = match std::fs::read(&input.path) {
        Ok(b) => b,
        Err(e) => return reject(format!("无法读取文件（{e}）")),
    };
    match read_bytes(p, &input.shown, &bytes) {
        Ok(records) => FileResult::Records(records),
        Err(reason) => reject(reason),
    }
}

fn read_bytes(p: &Prepared, shown: &str, bytes: &[u8]) -> Result<Vec<Record>, String> {
    let sha = Sha256::digest(bytes);
    let sha256: String = sha.iter().map(|b| format!("{b:02x}")).collect();
    let wb = read::read_workbook(bytes).map_err(|e| e.to_string())?;
    let dates = normalize::DateSystem::from_flag(wb.date1904);
    let mut records = Vec::new();
    for sheet in &wb.sheets {
        let Some(kind) = recognise(&p.labels, sheet, wb.identity) else { continue };
        let Some(labels) = p.labels.iter().find(|l| l.kind() == kind) else { continue };
        let located = locate::locate(labels, sheet);
        let source = Source { file: shown.to_string(), sheet: sheet.name.clone(), sha256: sha256.clone() };
        let ctx = build::Context {
            registry: &p.templates.registry,
            status: labels.status_words(),
            dates,
            max_text_chars: p.max_text_chars,
        };
        let mut built = build::build(kind, &located, &ctx, source);
        if sheet.hidden {
            // A hidden, untouched copy of the blank form is left over from
            // copying the sheet, not a return.
            if built.untouched() {
                continue;
            }
            built.record.issues.push(Issue::new(
                Rule::SheetHidden,
                "source.sheet",
                None,
                format!("表格在隐藏的工作表“{}”中，请确认这是要报送的一份", sheet.name),
            ));
        }
        validate::validate(&mut built, &p.templates.registry);
        records.push(built.record);
    }
    if records.is_empty() {
        return Err("工作簿中没有可识别的附2（试点工作计划表）或附3（试点工作进展表）".into());
    }
    Ok(records)
}

/// Reads one file's bytes into its records, as [`ingest_paths`] does for
/// each file (without resubmission marking). `shown` becomes `source.file`.
///
/// # Errors
/// The reason, in Chinese, why the bytes give no form (as in `rejected.jsonl`).
pub fn ingest_bytes(templates: &Templates, shown: &str, bytes: &[u8]) -> Result<Vec<Record>, String> {
    read_bytes(&Prepared::new(templates, &IngestOptions::default()), shown, bytes)
}

/// Which form a sheet is, if any. A form shows at least
/// [`MIN_LABEL_SHARE`] of its labels. When both forms qualify (they share
/// most labels), the title on the sheet decides, then the share of the labels
/// only that form has (月度实际进展 … for 附3, 姓名/试点任务安排 … for 附2),
/// then the hidden identity written by `generate`.
fn recognise(labels: &[Labels], sheet: &read::Sheet, identity: Option<FormKind>) -> Option<FormKind> {
    let scores: Vec<locate::Score> = labels.iter().map(|l| locate::score(l, sheet)).collect();
    let mut candidates: Vec<(bool, i32, bool, i32, FormKind)> = Vec::new();
    for (i, l) in labels.iter().enumerate() {
        let share = scores[i].share(l.keys());
        if share < MIN_LABEL_SHARE {
            continue;
        }
        let others: Vec<&String> =
            labels.iter().enumerate().filter(|(j, _)| *j != i).flat_map(|(_, o)| o.keys()).collect();
        let own = scores[i].share(l.keys().iter().filter(|k| !others.contains(k)));
        let pct = |x: f32| (x * 1000.0) as i32;
        candidates.push((scores[i].title, pct(own), identity == Some(l.kind()), pct(share), l.kind()));
    }
    candidates.into_iter().max().map(|c| c.4)
}

/// Reads every input (files, or folders recursively in sorted order) and
/// returns the records found, the rejected files and a count of what was
/// read. Inputs are never modified. Files are read in parallel; the result
/// is in stable order: records by file then sheet order, rejections by file.
///
/// # Examples
/// ```no_run
/// use permit_forms::ingest::{ingest_paths, write_outputs, IngestOptions};
/// use permit_forms::Templates;
/// let t = Templates::embedded().unwrap();
/// let outcome = ingest_paths(&t, &["returns".into()], &IngestOptions::default());
/// write_outputs(&outcome, std::path::Path::new("out")).unwrap();
/// println!("{}", outcome.summary_zh());
/// ```
pub fn ingest_paths(templates: &Templates, inputs: &[PathBuf], opts: &IngestOptions) -> IngestOutcome {
    let mut files = Vec::new();
    let mut outcome = IngestOutcome::default();
    for input in inputs {
        let shown = input.to_string_lossy().into_owned();
        if input.is_dir() {
            walk(input, input, &mut files, &mut outcome.passed_over, &mut outcome.rejected);
        } else if !input.exists() {
            outcome.rejected.push(Rejected { file: shown, reason: "找不到该文件或文件夹".into() });
        } else if has_workbook_ext(input) {
            files.push(Input { shown, path: input.clone() });
        } else {
            outcome.rejected.push(Rejected {
                file: shown,
                reason: "不是受支持的电子表格文件（应为 .xlsx、.xlsm、.xls 或 .ods）".into(),
            });
        }
    }
    files.sort();
    files.dedup();
    let prepared = Prepared::new(templates, opts);
    let results: Vec<FileResult> = files.par_iter().map(|f| read_file(&prepared, f, opts)).collect();
    outcome.files_read = files.len();
    for r in results {
        match r {
            FileResult::Records(v) => outcome.records.extend(v),
            FileResult::Rejected(r) => outcome.rejected.push(r),
        }
    }
    outcome.rejected.sort_by(|a, b| a.file.cmp(&b.file));
    outcome.passed_over.sort();
    current::mark_current(&mut outcome.records);
    crate::crosscheck::apply(&mut outcome.records, &templates.registry);
    outcome
}

/// Writes `records.jsonl` and `rejected.jsonl` into `out_dir` (created when
/// missing), each atomically, one JSON object per line.
///
/// # Errors
/// Any I/O error creating the folder or writing a file.
pub fn write_outputs(outcome: &IngestOutcome, out_dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(out_dir)?;
    let lines = |items: Vec<serde_json::Result<String>>| -> std::io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        for l in items {
            buf.extend_from_slice(l.map_err(std::io::Error::other)?.as_bytes());
            buf.push(b'\n');
        }
        Ok(buf)
    };
    let recs = lines(outcome.records.iter().map(serde_json::to_string).collect())?;
    let rej = lines(outcome.rejected.iter().map(serde_json::to_string).collect())?;
    write_atomic(&out_dir.join("records.jsonl"), &recs)?;
    write_atomic(&out_dir.join("rejected.jsonl"), &rej)?;
    Ok(())
}
