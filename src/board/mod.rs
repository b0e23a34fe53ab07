//! The status board: one self-contained HTML file per review
//! (`状态看板_截至<date>.html`) that the office opens by double-click. It
//! renders the one [`Review`] — the region × month matrix with its words and
//! colours, the counts, the chart, the 催报 list, the findings — and, for
//! each cell, the record behind it with links to the return, its marked-up
//! copy and the letter. It decides no category, colour or count itself.
//!
//! Everything from a return is text: the page is made with [`maud`], which
//! escapes every value in one place; links are relative paths built from
//! percent-encoded segments ([`links`]). No script, style or font is
//! fetched: CSS, script and the SVG chart are inline, and the page works
//! with JavaScript off (each record is a section shown by `:target`).

pub mod links;
mod page;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::record::{FormKind, Record};
use crate::review::{correction_rows, CorrectionRow, FindingRow, Review};
use crate::templates::Templates;

/// What the board is made from, and where it is saved (for its links).
#[derive(Debug, Clone, Copy)]
pub struct Board<'a> {
    /// The templates the review was made with (form marks, file names).
    pub templates: &'a Templates,
    /// The review.
    pub review: &'a Review,
    /// The records the review was built from.
    pub records: &'a [Record],
    /// The folder the board is saved in; links are relative to it.
    pub dir: &'a Path,
    /// The folder a relative `source.file` is relative to (the `review`
    /// verb's stripped prefix); `None`: the current directory.
    pub sources_root: Option<&'a Path>,
    /// The letters and marked-up returns written (under `dir`), as
    /// [`crate::report::Letters::files`] lists them.
    pub feedback: &'a [PathBuf],
}

/// The board's file name: `状态看板_截至2017-05-11.html`.
pub fn file_name(as_of: chrono::NaiveDate) -> String {
    format!("{PREFIX}{}.html", as_of.format("%Y-%m-%d"))
}

const PREFIX: &str = "状态看板_截至";

/// Whether `name` is a board's file name (any date), as [`file_name`] makes it.
pub fn is_file_name(name: &str) -> bool {
    name.strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_suffix(".html"))
        .is_some_and(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
}

/// The board as one HTML document. Same inputs give the same bytes.
///
/// # Examples
/// ```
/// use permit_forms::{board, review::Review, Templates};
/// let t = Templates::embedded()?;
/// let as_of = chrono::NaiveDate::from_ymd_opt(2017, 5, 11).unwrap();
/// let review = Review::build(&t, &[], as_of);
/// let html = board::render(&board::Board {
///     templates: &t,
///     review: &review,
///     records: &[],
///     dir: std::path::Path::new("."),
///     sources_root: None,
///     feedback: &[],
/// });
/// assert!(html.starts_with("<!DOCTYPE html>") && html.contains("未报"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn render(board: &Board) -> String {
    page::page(&Index::new(board)).into_string()
}

/// The ledger's word for a finding (`待处理`, `已更正` …) and the office's
/// 处理意见, once the findings ledger gives them to [`FindingRow`]: the one
/// place the board reads them. `review` always applies the ledger (a
/// first run starts one), so every finding has a state here.
fn ledger_state(finding: &FindingRow) -> Option<(&str, &str)> {
    Some((finding.state.label_zh(), finding.decision.map_or("", |d| d.label_zh())))
}

/// A record's key among its versions: region, form, period.
type FormKey = (String, FormKind, Option<crate::period::Period>);

/// The lookups the page is drawn from, made once.
struct Index<'a> {
    b: &'a Board<'a>,
    /// Every version of a form, oldest first (by 填报时间, then file), the
    /// current one marked on the record.
    versions: BTreeMap<FormKey, Vec<&'a Record>>,
    /// The findings of each return sheet (file, sheet).
    findings: BTreeMap<(&'a str, &'a str), Vec<&'a FindingRow>>,
    /// The 更正记录 rows by region, form mark and period label.
    corrections: BTreeMap<(&'a str, &'a str, String), Vec<CorrectionRow<'a>>>,
    /// Letters and marked-up returns, relative to the board's folder.
    feedback: Vec<PathBuf>,
    /// Whether any finding has a ledger state.
    ledger: bool,
    /// The section of each return sheet (file, sheet) among the matrix's cells.
    slots: BTreeMap<(&'a str, &'a str), String>,
}

impl<'a> Index<'a> {
    fn new(b: &'a Board<'a>) -> Self {
        let mut versions: BTreeMap<FormKey, Vec<&Record>> = BTreeMap::new();
        for r in b.records {
            if let Some(region) = &r.region {
                versions.entry((region.clone(), r.kind, r.period)).or_default().push(r);
            }
        }
        for v in versions.values_mut() {
            v.sort_by(|x, y| {
                (x.current, x.submitted_on, &x.source.file).cmp(&(y.current, y.submitted_on, &y.source.file))
            });
        }
        let mut findings: BTreeMap<(&str, &str), Vec<&FindingRow>> = BTreeMap::new();
        for f in &b.review.findings {
            findings.entry((f.source.file.as_str(), f.sheet.as_str())).or_default().push(f);
        }
        let mut corrections: BTreeMap<(&str, &str, String), Vec<CorrectionRow>> = BTreeMap::new();
        for row in correction_rows(b.templates, b.records, &b.review.corrections) {
            corrections.entry((row.region, row.form, row.period.to_string())).or_default().push(row);
        }
        let feedback =
            b.feedback.iter().filter_map(|p| p.strip_prefix(b.dir).ok().map(Path::to_path_buf)).collect();
        let ledger = b.review.findings.iter().any(|f| ledger_state(f).is_some());
        let mut slots = BTreeMap::new();
        for (i, row) in b.review.matrix.iter().enumerate() {
            let months = b.review.months.iter().map(|m| Some(*m));
            for month in std::iter::once(None).chain(months) {
                let (kind, period) = match month {
                    Some(m) => (FormKind::Progress, Some(crate::period::Period::Month(m))),
                    None => (FormKind::Plan, None),
                };
                for r in versions.get(&(row.region.clone(), kind, period)).into_iter().flatten() {
                    slots.insert((r.source.file.as_str(), r.source.sheet.as_str()), page::slot_id(i, month));
                }
            }
        }
        Index { b, versions, findings, corrections, feedback, ledger, slots }
    }

    /// Every version of the form of `region`, `kind` and `period`.
    fn versions(&self, region: &str, kind: FormKind, period: Option<crate::period::Period>) -> &[&'a Record] {
        self.versions.get(&(region.to_string(), kind, period)).map_or(&[], Vec::as_slice)
    }

    /// The section of the record a finding is of, when the matrix shows it.
    fn slot_of(&self, f: &'a FindingRow) -> Option<&str> {
        self.slots.get(&(f.source.file.as_str(), f.sheet.as_str())).map(String::as_str)
    }

    /// The findings of one record.
    fn findings_of(&self, r: &'a Record) -> &[&'a FindingRow] {
        self.findings.get(&(r.source.file.as_str(), r.source.sheet.as_str())).map_or(&[], Vec::as_slice)
    }

    /// The 更正记录 rows of a form.
    fn corrections_of(&self, r: &'a Record) -> &[CorrectionRow<'a>] {
        let Some(region) = r.region.as_deref() else { return &[] };
        let mark = self.b.templates.form(r.kind).mark.as_str();
        let period = r.period.map(|p| p.label_zh()).unwrap_or_default();
        self.corrections.get(&(region, mark, period)).map_or(&[], Vec::as_slice)
    }

    /// The letters (`退回意见/退回意见_河北省.pdf` …) and the marked-up
    /// returns of `r`'s form, relative to the board's folder.
    fn feedback_of(&self, r: &Record) -> (Vec<&Path>, Vec<&Path>) {
        let key = crate::markup::letter_key(self.b.templates, r);
        let marked = crate::markup::file_name(self.b.templates, r);
        let stem = marked.trim_end_matches(".xlsx").trim_end_matches(crate::markup::FILE_SUFFIX);
        let names = |p: &Path| -> Vec<String> {
            p.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect()
        };
        let mut letters = Vec::new();
        let mut returns = Vec::new();
        for p in &self.feedback {
            let n = names(p);
            match n.as_slice() {
                // 退回意见_<key>.docx, 核实提醒_<key>.pdf …
                [_, letter]
                    if Path::new(letter)
                        .file_stem()
                        .and_then(|s| s.to_str()?.split_once('_'))
                        .is_some_and(|(_, k)| k == key) =>
                {
                    letters.push(p.as_path())
                }
                [_, k, file] if *k == key && r.current && file.starts_with(stem) => returns.push(p.as_path()),
                _ => {}
            }
        }
        (letters, returns)
    }
}
