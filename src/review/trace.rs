//! Where the review's values came from, every finding, and what corrected
//! returns changed — decided here once for the workbook (来源 columns and
//! links, 校验问题, 更正记录) and the report (findings and 滞后 sections
//! citing file and cell, 已更正 marks).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::crosscheck::Correction;
use crate::ledger::{keys_of, Decision, Key, State};
use crate::markup::{file_link, issue_label, source_label};
use crate::record::{FormKind, Issue, Record, Severity};
use crate::templates::Templates;

use super::Category;

/// Where a value shown came from: `文件名!工作表!B7` as text, and the file
/// as recorded (for a hyperlink).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Provenance {
    /// `文件名!工作表!B7` (`文件名!工作表` when the cell is unknown).
    pub label: String,
    /// `source.file` of the record.
    pub file: String,
}

impl Provenance {
    /// The cell of `field` (a record path: `status`, `contact.name`) in `record`'s return.
    pub fn of(record: &Record, field: &str) -> Self {
        Provenance { label: source_label(record, field), file: record.source.file.clone() }
    }

    /// The cell a finding points at.
    pub fn of_issue(record: &Record, issue: &Issue) -> Self {
        Provenance { label: issue_label(record, issue), file: record.source.file.clone() }
    }

    /// The return's file and sheet, no cell (a whole form, as for a plan's 已报).
    pub fn of_form(record: &Record) -> Self {
        Self::of(record, "")
    }

    /// A relative path from `workbook_dir` to the return, when it is reachable.
    pub fn link(&self, workbook_dir: &Path) -> Option<String> {
        file_link(&self.file, workbook_dir)
    }
}

/// One finding of one record, as the 校验问题 sheet and the report show it.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingRow {
    /// Region name as shown (canonical, or what was written, marked).
    pub region: String,
    /// `附2` / `附3`.
    pub form: String,
    /// `2017年4月`, or empty.
    pub period: String,
    /// The return's sheet.
    pub sheet: String,
    /// The finding's cell (`B9`), or empty.
    pub cell: String,
    /// The rule in words.
    pub rule: String,
    /// The stable rule id.
    pub rule_id: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// The message.
    pub message: String,
    /// Whether the record is the current one of its region, kind and period.
    pub current: bool,
    /// Whether the return had arrived by the review's date (填报时间 not
    /// after it, or unknown), as [`crate::tracking`] counts it.
    pub arrived: bool,
    /// Whether a later version of the form had arrived by the review's date.
    pub superseded: bool,
    /// Where the finding points.
    pub source: Provenance,
    /// For a cross-check: the other form compared, `文件名!工作表!B7`.
    pub compared: Option<String>,
    /// Whether a later version of the form, arrived by the review's date, no
    /// longer has this finding (已更正).
    pub corrected: bool,
    /// The finding's stable identity ([`Key`]): region, form, period,
    /// rule, field and the judged value.
    pub key: Key,
    /// 编号: the finding's number in the ledger, [`Key::id`] of `key`.
    pub id: String,
    /// 状态 in the ledger; 待处理 until the ledger is applied.
    pub state: State,
    /// The office's 处理意见, when it gave one.
    pub decision: Option<Decision>,
}

impl FindingRow {
    /// Whether the finding is open as of the review's date: raised by the
    /// version of its form that counts then (arrived, not superseded) and
    /// open in the ledger ([`State::is_open`]; open when no ledger exists).
    /// Letters, the report's open problems and the board show only these.
    pub fn is_open(&self) -> bool {
        self.arrived && !self.superseded && self.state.is_open()
    }
}

/// One line of the 更正记录: a field that changed, or a finding fixed,
/// remaining or new, between two versions of a form. Its texts are
/// borrowed from the [`Correction`] and the records it is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionRow<'a> {
    /// Region name.
    pub region: &'a str,
    /// `附2` / `附3`.
    pub form: &'a str,
    /// `2017年3月`, or empty for a plan (made once per correction and
    /// shared by its rows).
    pub period: Arc<str>,
    /// What the row says changed.
    pub kind: CorrectionKind,
    /// The field in words (`月度实际进展`, `计划 2017年4月 试点任务安排`), or the rule in words.
    pub item: Cow<'static, str>,
    /// The earlier value (for a finding: the earlier version's message).
    pub old: &'a str,
    /// The later value (for a finding: the later version's message).
    pub new: &'a str,
    /// Cell in the earlier version.
    pub old_cell: Cow<'a, str>,
    /// Cell in the later version.
    pub new_cell: Cow<'a, str>,
    /// The earlier version's file.
    pub earlier: &'a str,
    /// The later version's file.
    pub later: &'a str,
}

/// What a 更正记录 row says changed between two versions of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrectionKind {
    /// A field's value (字段更改).
    Changed,
    /// A finding of the earlier version the later one no longer has (问题已更正).
    Fixed,
    /// A finding both versions have (问题仍在).
    Remaining,
    /// A finding only the later version has (新问题).
    New,
    /// A finding of the earlier version the region answered with a
    /// 情况说明 in the later one (its marked-up copy sent back).
    Explained,
    /// A value changed where no finding of the earlier version pointed
    /// (rule `correction.unrequested`): a warning for the office.
    Unrequested,
}

impl CorrectionKind {
    /// The kind in the 更正记录's words.
    pub fn label_zh(self) -> &'static str {
        match self {
            CorrectionKind::Changed => "字段更改",
            CorrectionKind::Fixed => "问题已更正",
            CorrectionKind::Remaining => "问题仍在",
            CorrectionKind::New => "新问题",
            CorrectionKind::Explained => "地区已说明",
            CorrectionKind::Unrequested => "未要求的更改",
        }
    }

    /// The colour the row's kind is shown in: fixed as met, new as behind;
    /// `None`: plain.
    pub fn category(self) -> Option<Category> {
        match self {
            CorrectionKind::Fixed => Some(Category::Met),
            CorrectionKind::New => Some(Category::Behind),
            CorrectionKind::Explained => Some(Category::OnSchedule),
            CorrectionKind::Unrequested => Some(Category::Late),
            CorrectionKind::Changed | CorrectionKind::Remaining => None,
        }
    }
}

fn period_of(r: &Record) -> String {
    r.period.map(|p| p.label_zh()).unwrap_or_default()
}

fn form_mark(templates: &Templates, kind: FormKind) -> String {
    templates.form(kind).mark.clone()
}

/// Whether `r` had arrived by `as_of` (填报时间 not after it, or unknown),
/// as [`crate::tracking`] counts it.
pub(super) fn arrived(r: &Record, as_of: NaiveDate) -> bool {
    r.submitted_on.is_none_or(|d| d <= as_of)
}

/// Every finding of `records` (regions in registry order, then month, then
/// file), those that a later version (see `corr`, the corrections of
/// `records`) fixed marked.
pub(super) fn findings_of(
    templates: &Templates,
    records: &[Record],
    corr: &[Correction],
    as_of: NaiveDate,
) -> Vec<FindingRow> {
    let mut order: Vec<usize> = (0..records.len()).collect();
    let key = crate::consolidate::record_order(&templates.registry);
    order.sort_by_cached_key(|&i| key(&&records[i]));
    let arrived = |r: &Record| crate::tracking::arrived(r, as_of);
    // Each version is the earlier one of at most one correction.
    let next: BTreeMap<usize, &Correction> = corr.iter().map(|c| (c.earlier, c)).collect();
    let mut out = Vec::new();
    for idx in order {
        let r = &records[idx];
        for (i, key) in r.issues.iter().zip(keys_of(r)) {
            out.push(FindingRow {
                region: crate::consolidate::region_shown(r),
                form: form_mark(templates, r.kind),
                period: period_of(r),
                sheet: r.source.sheet.clone(),
                cell: i.cell.map(|c| c.to_string()).unwrap_or_default(),
                rule: i.rule.label_zh().to_string(),
                rule_id: i.rule.id(),
                severity: i.severity,
                message: i.message.clone(),
                current: r.current,
                arrived: arrived(r),
                superseded: next.get(&idx).is_some_and(|c| arrived(&records[c.later])),
                source: Provenance::of_issue(r, i),
                compared: i.compared.as_ref().map(|c| {
                    let base = format!("{}!{}", crate::markup::file_name_of(&c.file), c.sheet);
                    match &c.cell {
                        Some(cell) => format!("{base}!{cell}"),
                        None => base,
                    }
                }),
                corrected: next.get(&idx).is_some_and(|c| arrived(&records[c.later]) && c.is_fixed(i)),
                id: key.id(),
                key,
                state: State::default(),
                decision: None,
            });
        }
    }
    out
}

/// The 更正记录 rows of `corr` (corrections of `records`), in its order:
/// each correction's field changes, then the findings fixed, remaining and
/// new.
pub fn correction_rows<'a>(
    templates: &'a Templates,
    records: &'a [Record],
    corr: &'a [Correction],
) -> Vec<CorrectionRow<'a>> {
    // Each correction's rows are made on their own, in parallel; the output
    // keeps the corrections' order.
    corr.par_iter().flat_map_iter(|c| rows_of(templates, records, c)).collect()
}

/// The 更正记录 rows of one correction.
fn rows_of<'a>(templates: &'a Templates, records: &'a [Record], c: &'a Correction) -> Vec<CorrectionRow<'a>> {
    let mut out = Vec::with_capacity(c.changes.len() + c.fixed.len() + c.remaining.len() + c.new.len());
    let (a, b) = (&records[c.earlier], &records[c.later]);
    let period: Arc<str> = c.period.map(|p| p.label_zh()).unwrap_or_default().into();
    let row = |kind: CorrectionKind,
               item: Cow<'static, str>,
               (old, new): (&'a str, &'a str),
               (old_cell, new_cell): (Cow<'a, str>, Cow<'a, str>)| CorrectionRow {
        region: &c.region,
        form: &templates.form(c.kind).mark,
        period: period.clone(),
        kind,
        item,
        old,
        new,
        old_cell,
        new_cell,
        earlier: &a.source.file,
        later: &b.source.file,
    };
    let text = |s: &'a Option<String>| s.as_deref().unwrap_or("");
    let cell_text = |s: &'a Option<String>| Cow::Borrowed(text(s));
    for f in &c.changes {
        let item = match f.period {
            Some(p) => format!("{} {}", p.label_zh(), f.field.label_zh()).into(),
            None => f.field.label_zh().into(),
        };
        out.push(row(
            CorrectionKind::Changed,
            item,
            (text(&f.old), text(&f.new)),
            (cell_text(&f.old_cell), cell_text(&f.new_cell)),
        ));
    }
    for f in c.unrequested(a) {
        let item = match f.period {
            Some(p) => format!("{} {}", p.label_zh(), f.field.label_zh()).into(),
            None => f.field.label_zh().into(),
        };
        out.push(row(
            CorrectionKind::Unrequested,
            item,
            (text(&f.old), text(&f.new)),
            (cell_text(&f.old_cell), cell_text(&f.new_cell)),
        ));
    }
    let cell = |i: &Issue| -> Cow<'a, str> { i.cell.map(|c| c.to_string()).unwrap_or_default().into() };
    let ids: Vec<String> = keys_of(a).iter().map(Key::id).collect();
    for e in &b.explanations {
        if let Some(i) = ids.iter().position(|id| *id == e.id).map(|n| &a.issues[n]) {
            out.push(row(
                CorrectionKind::Explained,
                i.rule.label_zh().into(),
                (&i.message, &e.text),
                (cell(i), Cow::Borrowed(e.at.as_str())),
            ));
        }
    }
    for i in &c.fixed {
        out.push(row(
            CorrectionKind::Fixed,
            i.rule.label_zh().into(),
            (&i.message, ""),
            (cell(i), "".into()),
        ));
    }
    for (what, issues) in [(CorrectionKind::Remaining, &c.remaining), (CorrectionKind::New, &c.new)] {
        for i in issues {
            out.push(row(what, i.rule.label_zh().into(), ("", &i.message), ("".into(), cell(i))));
        }
    }
    out
}
