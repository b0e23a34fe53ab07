//! Feedback letters: one per region with open findings that go back to it,
//! a 退回意见 (errors: correct and send again by a deadline) or a 核实提醒
//! (warnings only: check, send again only if something is wrong).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::consolidate::region_shown;
use crate::doc::{Block, Document, Orientation, Table, TableCell};
use crate::record::{Record, Severity};
use crate::registry::LetterSettings;
use crate::review::{date_zh, FindingRow, Review};
use crate::templates::Templates;

/// The day `n` working days (Monday to Friday) after `from`.
///
/// # Examples
/// ```
/// use chrono::NaiveDate;
/// use permit_forms::report::working_days_after;
/// let thu = NaiveDate::from_ymd_opt(2017, 5, 11).unwrap();
/// assert_eq!(working_days_after(thu, 5), NaiveDate::from_ymd_opt(2017, 5, 18).unwrap());
/// ```
pub fn working_days_after(from: NaiveDate, n: u32) -> NaiveDate {
    let mut d = from;
    let mut left = n;
    while left > 0 {
        d = d.succ_opt().unwrap_or(d);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

/// Makes `s` safe as a file name on Windows, macOS and Linux: path
/// separators, reserved characters, dots (so a caller may add an
/// extension), control characters and white space are replaced by `_`;
/// never empty.
/// Bounded in length ([`crate::names::file_component`], the one owner).
pub fn file_safe(s: &str) -> String {
    crate::names::file_component(s)
}

fn stem(file: &str) -> String {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    match name.rsplit_once('.') {
        Some((s, _)) if !s.is_empty() => s.to_string(),
        _ => name.to_string(),
    }
}

/// Which letter a region gets (the contract's rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterKind {
    /// 退回意见: open errors (or findings sent back); the forms are to be
    /// corrected and sent again by a deadline.
    SendBack,
    /// 核实提醒: open warnings only; the region checks them and sends
    /// nothing again unless something is wrong.
    Check,
}

impl LetterKind {
    /// The start of the letter's file name and its kind in the title:
    /// `退回意见` or `核实提醒`.
    pub fn label_zh(self) -> &'static str {
        match self {
            LetterKind::SendBack => "退回意见",
            LetterKind::Check => "核实提醒",
        }
    }
}

/// One letter: the file-name-safe key of its region, its kind and the document.
#[derive(Debug, Clone)]
pub struct Letter {
    /// The region (`河北省`) or `未识别地区_<file stem>`; also the folder of
    /// its marked-up returns.
    pub key: String,
    /// 退回意见 or 核实提醒.
    pub kind: LetterKind,
    /// The letter.
    pub doc: Document,
}

/// Whether a finding of the review is open, for the letters and the 通报:
/// the review model decides it ([`FindingRow::is_open`]: arrived, not
/// superseded, and open in the findings ledger).
pub(crate) fn is_open(f: &FindingRow) -> bool {
    f.is_open()
}

/// Whether a finding goes back to its region (see [`crate::markup::goes_back`]):
/// not a cross-check, not lateness.
pub(crate) fn goes_back(f: &FindingRow) -> bool {
    !f.rule_id.starts_with("cross.") && f.rule_id != crate::record::Rule::SubmittedOnLate.id()
}

/// The letter the open findings `open` (of one region) call for: 退回意见
/// when one is an error or the office sent it back (退回修改, ledger state
/// 退回中), 核实提醒 when all are warnings, none when there are none (the
/// contract's rule for the review folder's letters).
pub(crate) fn kind_of<'a>(open: impl IntoIterator<Item = &'a FindingRow>) -> Option<LetterKind> {
    let mut kind = None;
    for f in open {
        if f.severity == Severity::Error || f.state == crate::ledger::State::SentBack {
            return Some(LetterKind::SendBack);
        }
        kind = Some(LetterKind::Check);
    }
    kind
}

/// One letter per region whose open findings ([`FindingRow::is_open`], from the
/// review's findings) go back to it: a 退回意见 when one is an error, a
/// 核实提醒 when all are warnings, none when nothing is open (lateness alone
/// makes no letter, nor do the cross-checks). Keyed by a file-name-safe
/// name: the region (`河北省`), or `未识别地区_<file stem>` for records whose
/// region is unknown (one letter per source file). Letters come in registry
/// order, then the unknown ones by key. Each is addressed to the region's
/// department as the registry names it, signed by the office, dated `date`.
pub fn letters(templates: &Templates, records: &[Record], date: NaiveDate) -> Vec<Letter> {
    let review = crate::review::Review::build(templates, records, date);
    letters_of(templates, &review, records, date)
}

/// The [`letters`] as (key, document) pairs.
pub fn feedback(templates: &Templates, records: &[Record], date: NaiveDate) -> Vec<(String, Document)> {
    letters(templates, records, date).into_iter().map(|l| (l.key, l.doc)).collect()
}

/// [`letters`] for a review already built of `records`.
pub fn letters_of(
    templates: &Templates,
    review: &Review,
    records: &[Record],
    date: NaiveDate,
) -> Vec<Letter> {
    let reg = &templates.registry;
    // The open findings that go back, by the return they are of.
    let mut open: BTreeMap<(&str, &str), Vec<&FindingRow>> = BTreeMap::new();
    for f in review.findings.iter().filter(|f| is_open(f) && goes_back(f)) {
        open.entry((f.source.file.as_str(), f.sheet.as_str())).or_default().push(f);
    }
    let own: Vec<Record> = records
        .iter()
        .filter(|r| r.current && open.contains_key(&(r.source.file.as_str(), r.source.sheet.as_str())))
        .map(crate::markup::sent_back)
        .filter(|r| !r.issues.is_empty())
        .collect();
    // (sort key, file key) → records
    let mut groups: BTreeMap<(usize, String), Vec<&Record>> = BTreeMap::new();
    for r in &own {
        let key = match r.region.as_deref().and_then(|n| reg.region_by_name(n).map(|id| (id.0, n))) {
            Some((i, n)) => (i, file_safe(n)),
            None => (usize::MAX, file_safe(&format!("未识别地区_{}", stem(&r.source.file)))),
        };
        groups.entry(key).or_default().push(r);
    }
    groups
        .into_iter()
        .filter_map(|((_, key), mut recs)| {
            let kind = kind_of(
                recs.iter()
                    .flat_map(|r| open.get(&(r.source.file.as_str(), r.source.sheet.as_str())))
                    .flatten()
                    .copied(),
            )?;
            recs.sort_by(|a, b| {
                (a.kind, a.period, &a.source.file, &a.source.sheet).cmp(&(
                    b.kind,
                    b.period,
                    &b.source.file,
                    &b.source.sheet,
                ))
            });
            let region = recs[0].region.as_deref().and_then(|n| reg.region_by_name(n));
            let who = match recs[0].region.as_deref() {
                Some(n) => n.to_string(),
                None => region_shown(recs[0]),
            };
            let settings = &reg.settings.letters;
            // The department: as the registry names it, else the 填报单位 of
            // the region's latest form that gives one, else the region.
            let submitter = || {
                let mut with: Vec<&Record> = records
                    .iter()
                    .filter(|r| r.current && r.region.is_some() && r.region == recs[0].region)
                    .filter(|r| r.submitter.as_deref().is_some_and(|s| !s.trim().is_empty()))
                    .collect();
                with.sort_by_key(|r| crate::ingest::current::order(r));
                with.last().and_then(|r| r.submitter.clone())
            };
            let to = region
                .and_then(|id| settings.departments.get(&id).cloned())
                .or_else(|| if region.is_some() { submitter() } else { recs[0].submitter.clone() })
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| who.clone());
            Some(Letter { doc: letter(templates, settings, kind, &who, &to, date, &recs), key, kind })
        })
        .collect()
}

fn letter(
    templates: &Templates,
    settings: &LetterSettings,
    kind: LetterKind,
    who: &str,
    to: &str,
    date: NaiveDate,
    recs: &[&Record],
) -> Document {
    let errors: usize = recs.iter().map(|r| r.count(Severity::Error)).sum();
    let warnings: usize = recs.iter().map(|r| r.count(Severity::Warning)).sum();
    let mut rows = Vec::new();
    let mut n = 0;
    for r in recs {
        let mut issues: Vec<_> = r.issues.iter().collect();
        issues.sort_by(|a, b| (a.severity, &a.cell, &a.rule).cmp(&(b.severity, &b.cell, &b.rule)));
        for i in issues {
            n += 1;
            let model = templates.form(r.kind);
            let period = r.period.map(|p| p.label_zh()).unwrap_or_default();
            rows.push(vec![
                TableCell::center(n.to_string()),
                TableCell::center(format!("{}\n{period}", model.mark)),
                // The region knows its file by name; the office's folders are noise to it.
                TableCell::text(format!("{}\n{}", file_name(&r.source.file), r.source.sheet)),
                TableCell::center(i.cell.map(|c| c.to_string()).unwrap_or_default()),
                TableCell::center(i.severity.label_zh()),
                TableCell::text(
                    crate::text::writable(&i.message, crate::review::REPORT_TEXT_MAX).into_owned(),
                ),
            ]);
        }
    }
    let table = Table {
        columns: vec![0.6, 1.6, 2.4, 0.9, 0.8, 3.7],
        header: vec![["序号", "报表", "文件 / 工作表", "单元格", "类别", "问题说明"]
            .into_iter()
            .map(TableCell::header)
            .collect()],
        rows,
        font_size: 12.0,
    };
    let title = format!("关于{who}排污许可管理试点报表的{}", kind.label_zh());
    let deadline = date_zh(working_days_after(date, settings.resubmit_working_days));
    let mut blocks = Vec::new();
    if !settings.doc_number.trim().is_empty() {
        blocks.push(Block::Right(settings.doc_number.trim().to_string()));
    }
    blocks.push(Block::Line(format!("{to}：")));
    let (intro, ask) = match kind {
        LetterKind::SendBack => (
            format!(
                "经审核，你单位报送的排污许可管理试点报表有 {} 处问题（错误 {errors} 处，警告 {warnings} 处），详见下表。\
                 标为“错误”的须修改；标为“警告”的请核实，属实的无需修改。",
                errors + warnings
            ),
            format!(
                "请在标注版报表中逐项修改；确需保留原填报内容的，在标注版报表“{sheet}”工作表中该问题一行写明情况说明。\
                 修改和说明完成后，将标注版报表于{deadline}前重新报送。",
                sheet = crate::ingest::explanations::SHEET
            ),
        ),
        LetterKind::Check => (
            format!(
                "经审核，你单位报送的排污许可管理试点报表有 {warnings} 处需要核实的情况（警告，不是错误），详见下表。"
            ),
            format!(
                "请逐项核实。情况属实的，无需修改，也无需重新报送（如需说明，可在标注版报表“{sheet}”工作表中写明）；\
                 确有错误的，请在标注版报表中修改，于{deadline}前报送。",
                sheet = crate::ingest::explanations::SHEET
            ),
        ),
    };
    blocks.push(Block::Paragraph(intro));
    blocks.push(Block::Table(table));
    blocks.push(Block::Paragraph(ask));
    let contact: Vec<String> = [
        ("联系人", &settings.contact_name),
        ("电话", &settings.contact_phone),
        ("电子邮箱", &settings.contact_email),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}：{v}"))
    .collect();
    if !contact.is_empty() {
        blocks.push(Block::Paragraph(format!("{}。", contact.join("；"))));
    }
    blocks.push(Block::Signature { by: settings.office.clone(), date: date_zh(date) });
    Document {
        title,
        subtitle: Vec::new(),
        cover_page: false,
        running_header: String::new(),
        orientation: Orientation::Portrait,
        font_size: 16.0,
        blocks,
    }
}

/// The last component of a path as given (`returns/河北省/x.xlsx` → `x.xlsx`).
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}
