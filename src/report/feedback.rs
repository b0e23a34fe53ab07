//! Feedback letters (退回意见): every finding of a region's current records,
//! one letter per region, so the office can send the forms back.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::consolidate::region_shown;
use crate::doc::{Block, Document, Orientation, Table, TableCell};
use crate::record::{Record, Severity};
use crate::registry::LetterSettings;
use crate::review::date_zh;
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
pub fn file_safe(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| if c.is_control() || c.is_whitespace() || r#"/\:*?"<>|."#.contains(c) { '_' } else { c })
        .collect();
    let out = out.trim_matches(|c| c == '.' || c == '_').to_string();
    if out.is_empty() {
        "_".into()
    } else {
        out
    }
}

fn stem(file: &str) -> String {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    match name.rsplit_once('.') {
        Some((s, _)) if !s.is_empty() => s.to_string(),
        _ => name.to_string(),
    }
}

/// One 退回意见 letter per region that has findings of its own files (not
/// the cross-checks, see [`Record::for_region`]) on its current records,
/// keyed by a file-name-safe name: the region (`河北省`), or
/// `未识别地区_<file stem>` for records whose region is unknown (one letter
/// per source file). Superseded records (`current == false`) are left out:
/// their findings no longer stand. Letters come in registry order, then the
/// unknown ones by key. Each is dated `date` and asks for the forms again
/// within the registry's working days.
pub fn feedback(templates: &Templates, records: &[Record], date: NaiveDate) -> Vec<(String, Document)> {
    let reg = &templates.registry;
    // A letter asks for what the region's own files need (Record::for_region).
    let own: Vec<Record> = records
        .iter()
        .filter(|r| r.current && r.issues.iter().any(|i| !i.rule.is_cross()))
        .map(Record::for_region)
        .collect();
    // (sort key, file key) → records
    let mut groups: BTreeMap<(usize, String), Vec<&Record>> = BTreeMap::new();
    for r in own.iter().filter(|r| r.current && !r.issues.is_empty()) {
        let key = match r.region.as_deref().and_then(|n| reg.region_by_name(n).map(|id| (id.0, n))) {
            Some((i, n)) => (i, file_safe(n)),
            None => (usize::MAX, file_safe(&format!("未识别地区_{}", stem(&r.source.file)))),
        };
        groups.entry(key).or_default().push(r);
    }
    groups
        .into_iter()
        .map(|((_, key), mut recs)| {
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
            (key, letter(templates, settings, &who, &to, date, &recs))
        })
        .collect()
}

fn letter(
    templates: &Templates,
    settings: &LetterSettings,
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
            let form = format!("{} {}", model.mark, model.title);
            rows.push(vec![
                TableCell::center(n.to_string()),
                TableCell::center(form),
                TableCell::center(r.period.map(|p| p.label_zh()).unwrap_or_default()),
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
        columns: vec![0.5, 1.3, 1.35, 2.45, 0.7, 0.7, 3.4],
        header: vec![["序号", "报表", "期间", "文件 / 工作表", "单元格", "类别", "问题说明"]
            .into_iter()
            .map(TableCell::header)
            .collect()],
        rows,
        font_size: 9.0,
    };
    let title = format!("关于{who}排污许可管理试点报表的退回意见");
    let deadline = working_days_after(date, settings.resubmit_working_days);
    let mut blocks = vec![
        Block::Line(format!("{to}：")),
        Block::Paragraph(format!(
            "经审核，你单位报送的排污许可管理试点报表共发现 {} 个问题（错误 {errors} 个，警告 {warnings} 个），详见下表。\
             标为“错误”的问题须修改后重新报送；标为“警告”的请核实，必要时说明情况。",
            errors + warnings
        )),
        Block::Table(table),
        Block::Paragraph(format!(
            "请在原报表上修改，保留原文件名中的地区和月份，于{}前重新报送。",
            date_zh(deadline)
        )),
    ];
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
    if !settings.office.is_empty() {
        blocks.push(Block::Right(settings.office.clone()));
    }
    blocks.push(Block::Right(date_zh(date)));
    Document {
        title: title.clone(),
        subtitle: Vec::new(),
        cover_page: false,
        running_header: title,
        orientation: Orientation::Portrait,
        font_size: 11.0,
        blocks,
    }
}

/// The last component of a path as given (`returns/河北省/x.xlsx` → `x.xlsx`).
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}
