//! `ingest`: returned files become validated records.
//!
//! [`walk`] lists the files under the inputs (sorted, links followed once,
//! only regular files, each file once). Then, per file, run in parallel with
//! the form models and the registry prepared once:
//!
//! 1. [`sniff`]: the bytes (read once, hashed with SHA-256) tell what the
//!    file is — a workbook (xlsx, xlsm, xls, WPS .et, ods) or Word form
//!    (docx), a zip of returns ([`archive`], read member by member), one of
//!    this tool's own outputs (skipped), a saved e-mail ([`mail`], read
//!    attachment by attachment, its date the receipt date), or a format that cannot be read
//!    (rejected with what to ask the region for). [`guard`] checks the
//!    file's claims against its bytes and fixed [`Limits`] before any
//!    reader trusts them.
//! 2. [`read`] (and [`docx`] for Word): the sheets, one at a time, as plain
//!    rows of values, whatever the format.
//! 3. [`locate`]: each sheet is recognised as 附2 or 附3 by its labels (the
//!    hidden identity written by `generate` breaks ties), and every value is
//!    found from the label texts of the form model.
//! 4. [`build`] and [`normalize`]: values become typed record fields.
//! 5. [`validate`]: the seed's rules add issues.
//! 6. [`current`]: among resubmissions, one record counts (by receipt
//!    date, see [`current::order`]); lateness is judged on the receipt date.
//!
//! Every file ends up as records, a rejection or a skip. Outputs are in
//! stable order (by file as given, then sheet order), so the same inputs
//! give byte-identical `records.jsonl`, `rejected.jsonl` and
//! `skipped.jsonl`, which [`write_outputs`] replaces together.

pub mod archive;
pub mod build;
pub mod current;
pub mod docx;
pub mod explanations;
pub mod guard;
pub mod locate;
pub mod mail;
pub mod normalize;
pub mod read;
pub mod sniff;
pub mod validate;
pub mod walk;
pub mod xlsx;

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::lock::lock_review_dir_waiting;
use crate::output::stage_set;
use crate::record::{CellRef, FormKind, Issue, Record, Rejected, Rule, Severity, Source};
use crate::templates::Templates;
pub use guard::Limits;
use locate::Labels;
use read::ReadError;
use sniff::{Content, Format};
pub use walk::Skipped;
use walk::{Input, DUPLICATE_REASON, LOCK_FILE_REASON, LOOP_REASON};

/// Share of a form's labels a sheet must show to count as that form.
const MIN_LABEL_SHARE: f32 = 0.6;

/// Settings of an ingest run.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Files larger than this (bytes) are rejected without being loaded;
    /// also the largest member of a zip of returns.
    pub max_file_size: u64,
    /// The fixed limits every file is read within.
    pub limits: Limits,
    /// Text values longer than this (characters) are cut, with a visible
    /// `…（以下略，原文共 N 字）` and a `text.truncated` warning.
    pub max_text_chars: usize,
    /// The review folder (`review … --out DIR`): nothing under it is read as
    /// a return ([`walk::walk_excluding`]).
    pub review_dir: Option<PathBuf>,
    /// SHA-256 (hex) of the files this tool wrote into the review folder
    /// (its manifests): a file sent back byte-identical (an unchanged
    /// marked-up return) is passed over.
    pub own_outputs: std::collections::BTreeSet<String>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            max_file_size: 20 * 1024 * 1024,
            limits: Limits::default(),
            max_text_chars: build::MAX_TEXT_CHARS,
            review_dir: None,
            own_outputs: std::collections::BTreeSet::new(),
        }
    }
}

impl IngestOptions {
    /// Default limits with another file size limit (bytes).
    pub fn with_max_file_size(max_file_size: u64) -> Self {
        IngestOptions { max_file_size, ..IngestOptions::default() }
    }
}

/// What an ingest run found. Every file under the inputs is in exactly one
/// of `records` (one or more forms), `rejected` or `skipped`.
#[derive(Debug, Clone, Default)]
pub struct IngestOutcome {
    /// One record per form found, by file then sheet order.
    pub records: Vec<Record>,
    /// One entry per input that gave no form, by file.
    pub rejected: Vec<Rejected>,
    /// Files passed over on purpose (lock files, the tool's own outputs,
    /// the same file reached twice), with the reason.
    pub skipped: Vec<Skipped>,
    /// Regular files opened (a zip of returns counts once).
    pub files_read: usize,
}

impl IngestOutcome {
    /// One line for the terminal:
    /// `读取文件 N 个，识别表格 N 份，退回 N 个，跳过 N 个（…），错误 N 条，警告 N 条`.
    pub fn summary_zh(&self) -> String {
        let count = |s| self.records.iter().map(|r| r.count(s)).sum::<usize>();
        let mut line = format!(
            "读取文件 {} 个，识别表格 {} 份，退回 {} 个",
            self.files_read,
            self.records.len(),
            self.rejected.len()
        );
        if !self.skipped.is_empty() {
            let mut kinds: Vec<(String, usize)> = Vec::new();
            for s in &self.skipped {
                let kind = match s.reason.as_str() {
                    LOCK_FILE_REASON => "锁定文件".to_string(),
                    DUPLICATE_REASON => "重复文件".to_string(),
                    LOOP_REASON => "重复文件夹链接".to_string(),
                    r if r.starts_with("本工具") => "本工具的输出".to_string(),
                    r => r.to_string(),
                };
                match kinds.iter_mut().find(|(k, _)| *k == kind) {
                    Some((_, n)) => *n += 1,
                    None => kinds.push((kind, 1)),
                }
            }
            let parts: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n} 个")).collect();
            line.push_str(&format!("，跳过 {} 个（{}）", self.skipped.len(), parts.join("，")));
        }
        line.push_str(&format!("，错误 {} 条，警告 {} 条", count(Severity::Error), count(Severity::Warning)));
        line
    }
}

/// What one file (or archive member) gave.
#[derive(Default)]
struct Found {
    records: Vec<Record>,
    rejected: Vec<Rejected>,
    skipped: Vec<Skipped>,
}

impl Found {
    fn rejected(file: &str, e: ReadError) -> Found {
        let detail = e.detail();
        Found {
            rejected: vec![Rejected { file: file.to_string(), reason: e.to_string(), detail, sha256: None }],
            ..Found::default()
        }
    }

    fn extend(&mut self, other: Found) {
        self.records.extend(other.records);
        self.rejected.extend(other.rejected);
        self.skipped.extend(other.skipped);
    }
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

fn read_file(p: &Prepared, input: &Input, opts: &IngestOptions) -> Found {
    let io = |e: std::io::Error| Found {
        rejected: vec![Rejected {
            file: input.shown.clone(),
            reason: "无法读取文件".into(),
            detail: Some(e.to_string()),
            sha256: None,
        }],
        ..Found::default()
    };
    let file = match std::fs::File::open(&input.path) {
        Ok(f) => f,
        Err(e) => return io(e),
    };
    let size = match file.metadata() {
        Ok(m) if m.len() > opts.max_file_size => {
            return Found::rejected(
                &input.shown,
                ReadError::TooLarge { size: m.len(), limit: opts.max_file_size },
            )
        }
        Ok(m) => m.len(),
        Err(e) => return io(e),
    };
    // Room for the whole file up front: read in one call, not in doubling
    // steps from 32 bytes.
    let mut bytes = Vec::with_capacity(size as usize + 1);
    // The size was checked, but a file may grow while it is read.
    if let Err(e) = file.take(opts.max_file_size + 1).read_to_end(&mut bytes) {
        return io(e);
    }
    if bytes.len() as u64 > opts.max_file_size {
        let size = bytes.len() as u64;
        return Found::rejected(&input.shown, ReadError::TooLarge { size, limit: opts.max_file_size });
    }
    if !opts.own_outputs.is_empty() && opts.own_outputs.contains(&crate::output::set::sha256_hex(&bytes)) {
        let reason = UNCHANGED_OWN_REASON.to_string();
        return Found {
            skipped: vec![walk::Skipped { file: input.shown.clone(), reason }],
            ..Found::default()
        };
    }
    let mut found = read_entry(p, &input.shown, &bytes, opts, true);
    // A file refused as a whole is still a file received: 收文登记 lists it.
    if found.rejected.iter().any(|r| r.file == input.shown) {
        let sha = crate::output::set::sha256_hex(&bytes);
        for r in found.rejected.iter_mut().filter(|r| r.file == input.shown) {
            r.sha256 = Some(sha.clone());
        }
    }
    found
}

/// Reason given for a file byte-identical to one this tool wrote into the
/// review folder (a marked-up return sent back unchanged).
pub const UNCHANGED_OWN_REASON: &str =
    "与本工具写出的文件完全相同（如地区未作修改退回的标注表），不作为退回表格读取";

/// Reads one file's (or archive member's) bytes: a form, a zip of returns
/// (only at the top level: `outer`), one of the tool's outputs, or a
/// rejection.
fn read_entry(p: &Prepared, shown: &str, bytes: &[u8], opts: &IngestOptions, outer: bool) -> Found {
    let content = match sniff::sniff(bytes, shown, &opts.limits) {
        Ok(c) => c,
        Err(e) => return Found::rejected(shown, e),
    };
    match content {
        Content::Own(reason) => {
            Found { skipped: vec![Skipped { file: shown.into(), reason }], ..Found::default() }
        }
        Content::Archive if !outer => Found::rejected(
            shown,
            ReadError::Unsupported("压缩包内的压缩包未读取，请地区解压后直接报送表格文件".into()),
        ),
        Content::Archive => archive::read_archive(shown, bytes, opts, &mut |name, member| match member {
            Ok(b) => read_entry(p, name, &b, opts, false),
            Err(e) => Found::rejected(name, e),
        }),
        Content::Mail if !outer => Found::rejected(
            shown,
            ReadError::Unsupported(
                "压缩包或邮件附件中的邮件文件（.eml）未读取，请将邮件直接放入报表文件夹".into(),
            ),
        ),
        Content::Mail => mail::read_mail(shown, bytes, opts, &mut |name, member| match member {
            // A zip attached to a mail is read as a zip given on its own.
            Ok(b) if matches!(sniff::sniff(&b, name, &opts.limits), Ok(Content::Archive)) => {
                read_entry(p, name, &b, opts, true)
            }
            Ok(b) => read_entry(p, name, &b, opts, false),
            Err(e) => Found::rejected(name, e),
        }),
        Content::Form(format, identity) => {
            let identity = identity.and_then(|i| FormKind::from_id(&i));
            match read_form(p, shown, bytes, format, identity, &opts.limits) {
                Ok(records) => Found { records, ..Found::default() },
                Err(e) => Found::rejected(shown, e),
            }
        }
    }
}

fn read_form(
    p: &Prepared,
    shown: &str,
    bytes: &[u8],
    format: Format,
    identity: Option<FormKind>,
    limits: &Limits,
) -> Result<Vec<Record>, ReadError> {
    let sha = Sha256::digest(bytes);
    let sha256: String = sha.iter().map(|b| format!("{b:02x}")).collect();
    // Sheets come one at a time, each dropped after it is recognised.
    let mut read: Vec<(Record, bool)> = Vec::new();
    let mut said = Vec::new();
    read::read_sheets(bytes, format, identity, limits, &mut |sheet, identity| {
        if let Some(found) = explanations::read(&sheet) {
            said.extend(found);
        } else {
            read.extend(sheet_records(p, shown, &sha256, &sheet, identity));
        }
        Ok(())
    })?;
    let mut records = without_blank_copies(read);
    if records.is_empty() && !said.is_empty() {
        return Err(ReadError::Unsupported(explanations::without_form(&said)));
    }
    explanations::attach(&mut records, said);
    if records.is_empty() {
        let what = if format == Format::Docx { "文档" } else { "工作簿" };
        return Err(ReadError::Unsupported(format!(
            "{what}中没有可识别的附2（试点工作计划表）或附3（试点工作进展表）"
        )));
    }
    Ok(records)
}

/// The records of one workbook without the untouched blank copies of a form
/// that the workbook also holds filled in (a clerk copies the sheet and fills
/// the copy): each filled record of that kind gets a `sheet.blank_copy`
/// warning naming the blank sheet. A workbook with only blank forms keeps
/// them: a blank return is a finding for the office.
fn without_blank_copies(read: Vec<(Record, bool)>) -> Vec<Record> {
    let filled = |kind: FormKind| read.iter().any(|(r, untouched)| !untouched && r.kind == kind);
    let blank: Vec<(FormKind, String)> = read
        .iter()
        .filter(|(r, untouched)| *untouched && filled(r.kind))
        .map(|(r, _)| (r.kind, r.source.sheet.clone()))
        .collect();
    let mut out: Vec<Record> = read
        .into_iter()
        .filter(|(r, untouched)| {
            !(*untouched && blank.iter().any(|(k, s)| *k == r.kind && *s == r.source.sheet))
        })
        .map(|(r, _)| r)
        .collect();
    for r in &mut out {
        for (_, sheet) in blank.iter().filter(|(k, _)| *k == r.kind) {
            r.issues.push(Issue::new(
                Rule::SheetBlankCopy,
                "source.sheet",
                None,
                format!("工作簿中的工作表“{sheet}”是未填写的空白表，未作为报表读取"),
            ));
        }
    }
    out
}

/// The records of one sheet: one per form on it (a second form pasted
/// below or beside the first is a record of its own; one that cannot be
/// read is named on the first record, never dropped in silence), each with
/// whether it is the form as generated.
fn sheet_records(
    p: &Prepared,
    shown: &str,
    sha256: &str,
    sheet: &read::Sheet,
    identity: Option<FormKind>,
) -> Vec<(Record, bool)> {
    let Some((labels, score)) = recognise(&p.labels, sheet, identity) else { return Vec::new() };
    let parts = if score.title { locate::form_parts(labels, sheet) } else { Vec::new() };
    if parts.len() < 2 {
        return sheet_record(p, shown, sha256, sheet, labels, score).into_iter().collect();
    }
    let mut out = Vec::new();
    let mut unread = Vec::new();
    for part in &parts {
        let found = recognise(&p.labels, part, identity)
            .and_then(|(labels, score)| sheet_record(p, shown, sha256, part, labels, score));
        match found {
            Some(found) => out.push(found),
            None => unread.push(CellRef::at(part.origin.0, part.origin.1)),
        }
    }
    if let Some((rec, _)) = out.first_mut() {
        for cell in unread {
            rec.issues.push(build::issue(
                Rule::FormUnread,
                "source.sheet",
                Some(cell),
                format!("“{}”中从{cell}起还有一份表格，未能读取，请分开报送", sheet.name),
            ));
        }
    }
    out
}

/// The record of one sheet recognised as `labels`' form, and whether the
/// sheet is the form as generated (nothing a clerk fills in is filled).
fn sheet_record(
    p: &Prepared,
    shown: &str,
    sha256: &str,
    sheet: &read::Sheet,
    labels: &Labels,
    score: locate::Score,
) -> Option<(Record, bool)> {
    let kind = labels.kind();
    let located = locate::locate(labels, sheet, score);
    let source = Source { file: shown.to_string(), sheet: sheet.name.clone(), sha256: sha256.to_string() };
    let ctx = build::Context {
        registry: &p.templates.registry,
        status: labels.status_words(),
        dates: normalize::DateSystem::from_flag(sheet.date1904),
        max_text_chars: p.max_text_chars,
    };
    let mut built = build::build(kind, &located, &ctx, source);
    if sheet.hidden {
        // A hidden, untouched copy of the blank form is left over from
        // copying the sheet, not a return.
        if built.untouched() {
            return None;
        }
        built.record.issues.push(Issue::new(
            Rule::SheetHidden,
            "source.sheet",
            None,
            format!("表格在隐藏的工作表“{}”中，请确认这是要报送的一份", sheet.name),
        ));
    }
    let untouched = built.untouched();
    validate::validate(&mut built, &p.templates.registry);
    Some((built.record, untouched))
}

/// Reads one file's bytes into its records, as [`ingest_paths`] does for
/// each file (without resubmission marking and cross-checks; with the
/// findings on its receipt date, [`current::receipt_findings`]). `shown` becomes `source.file`.
///
/// # Errors
/// The reason, in Chinese, why the bytes give no form (as in `rejected.jsonl`).
pub fn ingest_bytes(templates: &Templates, shown: &str, bytes: &[u8]) -> Result<Vec<Record>, String> {
    let found = read_entry(
        &Prepared::new(templates, &IngestOptions::default()),
        shown,
        bytes,
        &IngestOptions::default(),
        true,
    );
    if let Some(r) = found.rejected.first().filter(|_| found.records.is_empty()) {
        return Err(r.reason.clone());
    }
    if let Some(s) = found.skipped.first().filter(|_| found.records.is_empty()) {
        return Err(s.reason.clone());
    }
    let mut records = found.records;
    current::receipt_findings(&mut records, &templates.registry);
    Ok(records)
}

/// Which form a sheet is, if any. A form shows at least
/// [`MIN_LABEL_SHARE`] of its labels. When both forms qualify (they share
/// most labels), the title on the sheet decides, then the share of the labels
/// only that form has (月度实际进展 … for 附3, 姓名/试点任务安排 … for 附2),
/// then the hidden identity written by `generate`.
fn recognise<'l>(
    labels: &'l [Labels],
    sheet: &read::Sheet,
    identity: Option<FormKind>,
) -> Option<(&'l Labels, locate::Score)> {
    let mut scores: Vec<locate::Score> = labels.iter().map(|l| locate::score(l, sheet)).collect();
    let mut candidates: Vec<(bool, i32, bool, i32, usize)> = Vec::new();
    for (i, l) in labels.iter().enumerate() {
        let score = &scores[i];
        let share = score.share(l.keys());
        if share < MIN_LABEL_SHARE {
            continue;
        }
        let others: Vec<&String> =
            labels.iter().enumerate().filter(|(j, _)| *j != i).flat_map(|(_, o)| o.keys()).collect();
        let own = score.share(l.keys().iter().filter(|k| !others.contains(k)));
        let pct = |x: f32| (x * 1000.0) as i32;
        candidates.push((score.title, pct(own), identity == Some(l.kind()), pct(share), i));
    }
    let best = candidates.into_iter().max()?.4;
    Some((&labels[best], scores.swap_remove(best)))
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
    ingest_paths_with(templates, inputs, opts, &|| {})
}

/// [`ingest_paths`], calling `on_file` each time a file has been read (from
/// the worker threads: a progress bar counts them).
pub fn ingest_paths_with(
    templates: &Templates,
    inputs: &[PathBuf],
    opts: &IngestOptions,
    on_file: &(dyn Fn() + Sync),
) -> IngestOutcome {
    let walked = walk::walk_excluding(inputs, opts.review_dir.as_deref());
    let mut outcome =
        IngestOutcome { rejected: walked.rejected, skipped: walked.skipped, ..IngestOutcome::default() };
    let prepared = Prepared::new(templates, opts);
    let results: Vec<Found> = walked
        .files
        .par_iter()
        .map(|f| {
            let found = read_file(&prepared, f, opts);
            on_file();
            found
        })
        .collect();
    outcome.files_read = walked.files.len();
    for r in results {
        outcome.records.extend(r.records);
        outcome.rejected.extend(r.rejected);
        outcome.skipped.extend(r.skipped);
    }
    outcome.rejected.sort_by(|a, b| a.file.cmp(&b.file));
    outcome.skipped.sort();
    current::settle(&mut outcome.records, &templates.registry);
    outcome
}

/// JSON lines of `items`, in order (serialised in parallel, in chunks).
fn json_lines<T: serde::Serialize + Sync>(items: &[T]) -> std::io::Result<Vec<u8>> {
    let chunks: Vec<Vec<u8>> = items
        .par_chunks(256)
        .map(|chunk| {
            let mut buf = Vec::with_capacity(chunk.len() * 1024);
            for item in chunk {
                serde_json::to_writer(&mut buf, item).map_err(std::io::Error::other)?;
                buf.push(b'\n');
            }
            Ok(buf)
        })
        .collect::<std::io::Result<_>>()?;
    Ok(chunks.concat())
}

/// How long [`write_outputs`] waits for another run writing the same
/// folder before it gives up.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The three files of an ingest, by name: `records.jsonl`,
/// `rejected.jsonl` and `skipped.jsonl`, one JSON object per line.
///
/// # Errors
/// A record that cannot be serialised (does not happen for read records).
pub fn output_files(outcome: &IngestOutcome) -> std::io::Result<[(&'static str, Vec<u8>); 3]> {
    Ok([
        ("records.jsonl", json_lines(&outcome.records)?),
        ("rejected.jsonl", json_lines(&outcome.rejected)?),
        ("skipped.jsonl", json_lines(&outcome.skipped)?),
    ])
}

/// Writes [`output_files`] into `out_dir` (created when missing). The files
/// are replaced together (all are written completely before any replaces
/// the old one), under the folder's lock ([`crate::lock`]): a second run
/// writing the same folder waits up to 10 s for the first, then gives up
/// with a message naming it.
///
/// # Errors
/// Any I/O error creating the folder or writing a file; the folder held by
/// another run (the message names it).
pub fn write_outputs(outcome: &IngestOutcome, out_dir: &Path) -> std::io::Result<()> {
    let files = output_files(outcome)?;
    std::fs::create_dir_all(out_dir)?;
    // Written before waiting for the folder, so the wait only delays the
    // renames (and an interrupted wait leaves nothing behind).
    let set: Vec<(std::path::PathBuf, &[u8])> =
        files.iter().map(|(name, bytes)| (out_dir.join(name), bytes.as_slice())).collect();
    let staged = stage_set(&set)?;
    let _lock = lock_review_dir_waiting(out_dir, Some(LOCK_WAIT))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    staged.commit()
}
