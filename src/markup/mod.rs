//! Marked-up returns and provenance.
//!
//! **Marked-up returns** (退回意见 attachments): a record with findings is
//! rebuilt as the official xlsx form of its region and month — laid out with
//! [`form::layout()`](crate::form::layout()), filled with the record's values by
//! [`fill_grid`], rendered by [`render_marked`] — so a region gets its own
//! values back in the official layout even when it had retyped, shifted or
//! converted the form. Each cell with a finding is filled (errors and
//! warnings in two colours, legend under the form) and carries a note with
//! the finding. Values the form has no cell for are listed on a second
//! sheet. The form keeps its hidden identity and unlocked inputs, so the
//! corrected file reads back as the same region and period.
//!
//! Values the record could not keep (an unreadable 时间 or 填报时间, two
//! ticked statuses) are taken from the original file through the record's
//! `cells` when that file is still reachable at `source.file` and unchanged
//! (same SHA-256); otherwise the cell stays empty and the finding's note says
//! what was wrong.
//!
//! **Provenance helpers** for the consolidated workbook and the report:
//! [`source_label`] (`文件名!工作表!B7`) and [`source_link`] (a relative path
//! from the workbook's folder to the return, for a hyperlink).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::doc::{Block, Document};
use crate::fill::{fill_grid, FillValues};
use crate::form::layout::{lines_needed, LINE_HEIGHT};
use crate::form::{layout, CellKind, Field, FormInstance, Grid, PersonPart, PersonRole};
use crate::ingest::locate::label_key;
use crate::output::{write_atomic, WriteError};
use crate::period::Period;
use crate::record::{FormKind, Issue, Record, Severity};
use crate::render::xlsx::{cell_ref, render_marked, CellMark, Markup};
use crate::render::RenderError;
use crate::report::file_safe;
use crate::templates::Templates;

mod source;

pub(crate) use source::file_name_of;
pub use source::{file_link, issue_label, original_texts, parse_a1, source_label, source_link};

/// Fill of a cell with an error (light red).
pub const ERROR_FILL: (u8, u8, u8) = (0xFF, 0xC7, 0xCE);
/// Fill of a cell with a warning (light yellow).
pub const WARNING_FILL: (u8, u8, u8) = (0xFF, 0xEB, 0x9C);
/// Name of the second sheet listing what could not be placed on the form.
pub const UNPLACED_SHEET: &str = "未能填入的内容";
/// Name of the sheet where the region answers each finding (情况说明),
/// as [`crate::ingest::explanations`] reads it back.
pub const ANSWER_SHEET: &str = crate::ingest::explanations::SHEET;
/// Its header row; only the last column is the region's to fill.
pub const ANSWER_HEADERS: [&str; 4] = crate::ingest::explanations::HEADERS;
/// Ending of a marked-up file's name, before the extension.
pub const FILE_SUFFIX: &str = "请修改";

/// The fill marking a finding of `severity`.
pub fn fill_of(severity: Severity) -> (u8, u8, u8) {
    match severity {
        Severity::Error => ERROR_FILL,
        Severity::Warning => WARNING_FILL,
    }
}

/// Something of a record that has no cell on the rebuilt form: a value the
/// form lacks a field for, a schedule row of a period the form has no row
/// for, or a finding that names no cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unplaced {
    /// What it is (`总负责人职务`, `工作计划 2018年3月`, `问题（错误）`).
    pub what: String,
    /// The text as read.
    pub text: String,
    /// A1 address in the original sheet, when known.
    pub cell: Option<String>,
    /// Why it is listed here.
    pub why: String,
}

/// A record's return rebuilt as the official form, with its marks.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkedUp {
    /// The form filled with the record's values.
    pub grid: Grid,
    /// Marked cells, legend and the second sheet.
    pub markup: Markup,
    /// What could not be placed on the form (also on the second sheet).
    pub unplaced: Vec<Unplaced>,
}

/// A value typed after its label in one cell (`时间：2017年4月`) without the
/// label; other text unchanged.
fn strip_inline_label(text: &str, labels: &[String]) -> String {
    if let Some(p) = text.find(['：', ':']) {
        let head = label_key(&text[..p]);
        if !head.is_empty() && labels.contains(&head) {
            let rest = &text[p + text[p..].chars().next().map_or(1, char::len_utf8)..];
            return rest.trim().to_string();
        }
    }
    text.to_string()
}

/// The issue's message without the `第N行 ` prefix naming the original
/// sheet's row: on the rebuilt form the note sits on the cell itself.
pub fn note_text(issue: &Issue) -> String {
    let m = issue.message.as_str();
    let rest = m
        .strip_prefix('第')
        .and_then(|r| r.split_once("行 "))
        .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .map_or(m, |(_, rest)| rest);
    format!("{}：{rest}", issue.severity.label_zh())
}

/// Whether the record kept a value for `field` (a 附3 phone, read from the
/// name's cell, counts as kept).
fn kept(record: &Record, field: Field) -> bool {
    let person = |role| match role {
        PersonRole::Lead => &record.lead,
        PersonRole::Contact => &record.contact,
        PersonRole::Handler => &record.handler,
    };
    match field {
        Field::Region => record.region.is_some(),
        Field::Tasks => !record.tasks.is_empty(),
        Field::Period => record.period.is_some(),
        Field::Planned => record.planned.is_some(),
        Field::Actual => record.actual.is_some(),
        Field::Status => record.status.is_some(),
        Field::DelayReason => record.delay_reason.is_some(),
        Field::Difficulties => record.difficulties.is_some(),
        Field::Person(role, PersonPart::Name) => person(role).name.is_some(),
        Field::Person(role, PersonPart::Title) => person(role).title.is_some(),
        Field::Person(role, PersonPart::Phone) => person(role).phone.is_some(),
        Field::Division => record.division.is_some(),
        Field::Submitter => record.submitter.is_some(),
        Field::SubmittedOn => record.submitted_on.is_some(),
        Field::SchedulePeriod | Field::ScheduleArrangement => true,
    }
}

/// Index of the grid cell feeding `field` (the first one).
fn cell_index(grid: &Grid, field: Field) -> Option<usize> {
    grid.cells.iter().position(|c| c.field == Some(field))
}

/// Rebuilds `record` as its official form with marks, taking lost values
/// from the original file when reachable ([`original_texts`]).
pub fn mark_up(templates: &Templates, record: &Record) -> MarkedUp {
    mark_up_with(templates, record, &original_texts(record))
}

/// Rebuilds `record` as its official form with marks; `original` holds the
/// original cell texts by field path (see [`original_texts`]), used for the
/// values the record could not keep.
pub fn mark_up_with(templates: &Templates, record: &Record, original: &BTreeMap<String, String>) -> MarkedUp {
    let reg = &templates.registry;
    let model = templates.form(record.kind);
    let region = record.region.as_deref().and_then(|n| reg.region_by_name(n));
    let month = match record.kind {
        FormKind::Progress => record.period.and_then(Period::as_month),
        FormKind::Plan => None,
    };
    let mut grid = if region.is_none() && record.schedule.len() > model.blank_rows {
        // The blank form, with a row for each of the record's schedule rows.
        let mut wider = model.clone();
        wider.blank_rows = record.schedule.len();
        layout(&wider, reg, FormInstance { region, period: month })
    } else {
        layout(model, reg, FormInstance { region, period: month })
    };
    let mut unplaced = Vec::new();

    // Schedule rows: the region's periods, or (region unknown) the record's
    // own periods in the blank rows.
    let row_cells: Vec<usize> = grid
        .cells
        .iter()
        .enumerate()
        .filter(|(_, c)| c.field == Some(Field::SchedulePeriod))
        .map(|(i, _)| i)
        .collect();
    let row_periods: Vec<Period> = match region {
        Some(r) => reg.plan_periods(r),
        None => record.schedule.iter().map(|e| e.period).take(row_cells.len()).collect(),
    };
    let mut values = FillValues::from_record(record, &row_periods);
    if record.kind == FormKind::Progress {
        // 附3 has no 职务 cells: a title read anyway is listed, not lost.
        for (role, p) in [
            (PersonRole::Lead, &record.lead),
            (PersonRole::Contact, &record.contact),
            (PersonRole::Handler, &record.handler),
        ] {
            if let Some(t) = &p.title {
                values.values.insert(Field::Person(role, PersonPart::Title), t.clone());
            }
        }
    }
    // Tasks: the pre-filled text unless the record names other tasks.
    let own: Vec<String> = region
        .map(|r| reg.tasks_of(r).into_iter().map(|(t, _)| reg.task(t).name.clone()).collect())
        .unwrap_or_default();
    if region.is_none() || record.tasks != own {
        let text = original.get("tasks").cloned().unwrap_or_else(|| record.tasks.join("\n"));
        if let Some(i) = cell_index(&grid, Field::Tasks) {
            if !text.is_empty() || region.is_none() {
                grid.cells[i].text = text;
            }
        }
    }
    // Values the record could not keep, as written in the original.
    let labels: Vec<String> = model.labels().into_iter().map(label_key).collect();
    for (path, text) in original {
        let Some(f) = Field::from_path(path) else { continue };
        if matches!(f, Field::Tasks | Field::Region) || values.values.contains_key(&f) || kept(record, f) {
            continue;
        }
        let text = strip_inline_label(text, &labels);
        if !text.trim().is_empty() {
            values.values.insert(f, text);
        }
    }
    fill_grid(&mut grid, &values);
    for (f, text) in &values.values {
        if cell_index(&grid, *f).is_none() && !text.is_empty() {
            unplaced.push(Unplaced {
                what: f.label_zh().to_string(),
                text: text.clone(),
                cell: record.cells.get(&f.path()).cloned(),
                why: "本表没有此栏".into(),
            });
        }
    }
    if region.is_none() {
        for (k, p) in row_cells.iter().zip(&row_periods) {
            grid.cells[*k].text = p.label_zh();
        }
    }
    // A period of the form the record has no row for: its 时间 left empty
    // (and unlocked) so the row reads as missing, as it was.
    let mut missing_rows = Vec::new();
    for (k, p) in row_cells.iter().zip(&row_periods) {
        if !record.schedule.iter().any(|e| e.period == *p) {
            grid.cells[*k].text.clear();
            grid.cells[*k].kind = CellKind::Input;
            missing_rows.push((*k, *p));
        }
    }
    for (i, e) in record.schedule.iter().enumerate() {
        if !row_periods.contains(&e.period) {
            unplaced.push(Unplaced {
                what: format!("工作计划 {}", e.period.label_zh()),
                text: e.arrangement.clone().unwrap_or_default(),
                cell: record.cells.get(&format!("schedule[{i}].arrangement")).cloned(),
                why: "表中没有此时间的行".into(),
            });
        }
    }

    fit_rows(&mut grid);

    // Findings onto cells.
    let mut issues: Vec<(&Issue, String)> =
        record.issues.iter().zip(crate::ledger::keys_of(record)).map(|(i, k)| (i, k.id())).collect();
    issues.sort_by_key(|(i, _)| i.severity);
    let mut marks = Vec::new();
    let mut answers = Vec::new();
    for (issue, id) in issues {
        let at = |i: usize| (grid.cells[i].row, grid.cells[i].col);
        let targets: Vec<(usize, usize)> = match (issue.field.as_str(), issue.rule.id()) {
            ("schedule", "schedule.month_missing") => missing_rows.iter().map(|(k, _)| at(*k)).collect(),
            ("schedule", "schedule.period_invalid") => {
                let raw = |suffix: &str| {
                    issue.cell.as_ref().and_then(|c| original.get(&format!("@{c}{suffix}"))).cloned()
                };
                let text = match (raw(""), raw(">arrangement")) {
                    (Some(p), Some(a)) => format!("{p}：{a}"),
                    (p, a) => p.or(a).unwrap_or_default(),
                };
                unplaced.push(Unplaced {
                    what: "工作计划（时间无法识别）".into(),
                    text,
                    cell: issue.cell.as_ref().map(ToString::to_string),
                    why: note_text(issue),
                });
                answers.push(answer_row(&id, format!("{UNPLACED_SHEET}表"), issue));
                continue;
            }
            ("schedule", _) => {
                // The row whose 时间 or 试点任务安排 cell the finding names.
                let named = issue.cell.as_ref().map(ToString::to_string);
                let entry = (0..record.schedule.len()).find(|i| {
                    named.is_some()
                        && ["period", "arrangement"]
                            .iter()
                            .any(|part| record.cells.get(&format!("schedule[{i}].{part}")) == named.as_ref())
                });
                entry
                    .and_then(|i| row_periods.iter().position(|p| *p == record.schedule[i].period))
                    .and_then(|row| row_cells.get(row))
                    .and_then(|&k| {
                        grid.cells.iter().position(|c| {
                            c.row == grid.cells[k].row && c.field == Some(Field::ScheduleArrangement)
                        })
                    })
                    .map(at)
                    .into_iter()
                    .collect()
            }
            (path, _) => {
                let field = Field::from_path(path).map(|f| match f {
                    // 附3 keeps a person's phone in the name cell.
                    Field::Person(role, PersonPart::Phone | PersonPart::Title)
                        if cell_index(&grid, f).is_none() =>
                    {
                        Field::Person(role, PersonPart::Name)
                    }
                    f => f,
                });
                field.and_then(|f| cell_index(&grid, f)).map(at).into_iter().collect()
            }
        };
        let cells: Vec<String> = targets.iter().map(|&(r, c)| cell_ref(r, c)).collect();
        let place = if cells.is_empty() { format!("{UNPLACED_SHEET}表") } else { cells.join("、") };
        answers.push(answer_row(&id, place, issue));
        if targets.is_empty() {
            unplaced.push(Unplaced {
                what: format!("问题（{}）", issue.severity.label_zh()),
                text: note_text(issue),
                cell: issue.cell.as_ref().map(ToString::to_string),
                why: "无法对应到表中的单元格".into(),
            });
        }
        for (row, col) in targets {
            let mut note = note_text(issue);
            if let Some((_, p)) = missing_rows.iter().find(|(k, _)| at(*k) == (row, col)) {
                note.push_str(&format!("（本行应为{}，请填写时间和安排）", p.label_zh()));
            }
            marks.push(CellMark { row, col, fill: fill_of(issue.severity), note });
        }
    }

    // A flagged cell is the clerk's to correct, pre-filled or not.
    for m in &marks {
        if let Some(c) = grid.cells.iter_mut().find(|c| (c.row, c.col) == (m.row, m.col)) {
            if c.kind == CellKind::Prefilled {
                c.kind = CellKind::Input;
            }
        }
    }
    let extra_sheet = (!unplaced.is_empty()).then(|| {
        let mut rows = vec![["项目", "填写内容", "原表位置", "说明"].map(String::from).to_vec()];
        rows.extend(unplaced.iter().map(|u| {
            vec![
                u.what.clone(),
                u.text.clone(),
                u.cell.as_ref().map(|c| format!("{}!{c}", record.source.sheet)).unwrap_or_default(),
                u.why.clone(),
            ]
        }));
        (UNPLACED_SHEET.to_string(), rows)
    });
    let mut legend_note = String::from(
        "标色的单元格有审核意见（批注），将鼠标移到单元格上即可查看。请直接在本表中修改，保存后重新报送。",
    );
    if !answers.is_empty() {
        legend_note.push_str(&format!(
            "经核实无需修改的，请在“{ANSWER_SHEET}”工作表对应编号的行中填写情况说明（不可只写“同上”“无”）。"
        ));
    }
    if extra_sheet.is_some() {
        legend_note.push_str(&format!("未能填入表中的内容见“{UNPLACED_SHEET}”工作表。"));
    }
    let markup = Markup {
        marks,
        legend: vec![(ERROR_FILL, "错误：须修改".into()), (WARNING_FILL, "警告：请核实".into())],
        legend_note,
        extra_sheet,
        answer_sheet: (!answers.is_empty()).then(|| {
            let mut rows = vec![ANSWER_HEADERS.map(String::from).to_vec()];
            rows.extend(answers);
            (ANSWER_SHEET.to_string(), rows)
        }),
    };
    MarkedUp { grid, markup, unplaced }
}

/// One row of the 情况说明 sheet: 编号, 单元格, 问题, and an empty
/// 情况说明 for the region.
fn answer_row(id: &str, place: String, issue: &Issue) -> Vec<String> {
    vec![id.to_string(), place, note_text(issue), String::new()]
}

/// Makes each row tall enough for the text now in its single-row cells (the
/// layout sized rows for the pre-filled text only).
fn fit_rows(grid: &mut Grid) {
    for i in 0..grid.cells.len() {
        let cell = &grid.cells[i];
        if cell.rows != 1 || cell.text.is_empty() {
            continue;
        }
        let lines = lines_needed(&cell.text, grid.cell_width(cell), grid.font_size) as f32;
        let need = (lines * grid.font_size * LINE_HEIGHT + 10.0).ceil();
        let row = &mut grid.rows[cell.row];
        row.height = row.height.max(need);
    }
}

/// The marked-up return of `record` as xlsx bytes.
///
/// # Errors
/// [`RenderError::Xlsx`] when the workbook cannot be written.
pub fn render_marked_up(templates: &Templates, record: &Record) -> Result<Vec<u8>, RenderError> {
    let m = mark_up(templates, record);
    render_marked(&m.grid, &m.markup)
}

/// The folder a record's letter and marked-up returns go to: the region
/// (`河北省`), or `未识别地区_<file stem>` — the key of its 退回意见 letter.
pub fn letter_key(templates: &Templates, record: &Record) -> String {
    match record.region.as_deref().filter(|n| templates.registry.region_by_name(n).is_some()) {
        Some(n) => file_safe(n),
        None => {
            let name = file_name_of(&record.source.file);
            let stem = match name.rsplit_once('.') {
                Some((s, _)) if !s.is_empty() => s,
                _ => name,
            };
            file_safe(&format!("未识别地区_{stem}"))
        }
    }
}

/// The marked-up file's name: `附3_试点工作进展表_河北省_2017年04月_请修改.xlsx`.
pub fn file_name(templates: &Templates, record: &Record) -> String {
    let model = templates.form(record.kind);
    let region = record.region.clone().unwrap_or_else(|| "未识别地区".into());
    let mut name = format!("{}_{}_{}", model.mark, model.title, region);
    if let (FormKind::Progress, Some(Period::Month(m))) = (record.kind, record.period) {
        name.push_str(&format!("_{}年{:02}月", m.year, m.month));
    }
    format!("{}_{FILE_SUFFIX}.xlsx", file_safe(&name))
}

/// Writes the marked-up return of every current record with findings into
/// `out_dir/<letter key>/<file name>` (see [`letter_key`], [`file_name`]),
/// rendering in parallel; returns (index in `records`, path relative to
/// `out_dir`) in record order. Two records that would share a name get
/// `_2`, `_3` … before `_请修改`.
///
/// # Errors
/// The first form that could not be rendered or written.
///
/// # Examples
/// ```no_run
/// use permit_forms::{markup, records_io, Templates};
/// let t = Templates::embedded().unwrap();
/// let records = records_io::load_records(std::path::Path::new("记录")).unwrap();
/// for (i, rel) in markup::write_marked_up(&t, &records, std::path::Path::new("退回意见")).unwrap() {
///     println!("{} → {}", records[i].source.file, rel.display());
/// }
/// ```
pub fn write_marked_up(
    templates: &Templates,
    records: &[Record],
    out_dir: &Path,
) -> Result<Vec<(usize, PathBuf)>, WriteError> {
    let mut planned: Vec<(usize, PathBuf)> = Vec::new();
    let mut used: BTreeMap<PathBuf, usize> = BTreeMap::new();
    // Only the records that go back are made into what goes back.
    let own: BTreeMap<usize, Record> = records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.current && r.issues.iter().any(goes_back))
        .map(|(i, r)| (i, sent_back(r)))
        .collect();
    for (&i, r) in &own {
        let dir = PathBuf::from(letter_key(templates, r));
        let name = file_name(templates, r);
        let n = used.entry(dir.join(&name)).or_insert(0);
        *n += 1;
        let rel = if *n == 1 {
            dir.join(name)
        } else {
            let tail = format!("_{FILE_SUFFIX}.xlsx");
            dir.join(format!("{}_{}{tail}", name.trim_end_matches(&tail), n))
        };
        planned.push((i, rel));
    }
    planned
        .par_iter()
        .map(|(i, rel)| {
            let bytes = render_marked_up(templates, &own[i])?;
            let path = out_dir.join(rel);
            write_atomic(&path, &bytes)
                .map_err(|source| WriteError::Io { path: path.display().to_string(), source })
        })
        .collect::<Result<Vec<()>, WriteError>>()?;
    Ok(planned)
}

/// Whether a finding goes back to its region in a letter and its marked-up
/// copy: not a cross-check between forms (a question for the office, see
/// [`Record::for_region`]) and not lateness (the 通报 reports it; 填报时间 is
/// never a cell to fix).
pub fn goes_back(i: &crate::record::Issue) -> bool {
    !i.rule.is_cross() && i.rule != crate::record::Rule::SubmittedOnLate
}

/// The record as it goes back to its region: only the findings that
/// [`goes_back`].
pub fn sent_back(r: &Record) -> Record {
    let mut r = r.clone();
    r.issues.retain(goes_back);
    r
}

/// Adds to a 退回意见 letter the paragraph naming its marked-up returns:
/// those of `files` (from [`write_marked_up`]) in the folder `key`. Placed
/// after the table of findings; nothing is added when there are none.
pub fn name_in_letter(doc: &mut Document, key: &str, files: &[(usize, PathBuf)]) {
    let names: Vec<String> = files
        .iter()
        .filter(|(_, p)| p.components().next().is_some_and(|c| c.as_os_str() == key))
        .map(|(_, p)| p.to_string_lossy().replace('\\', "/"))
        .collect();
    if names.is_empty() {
        return;
    }
    let text = format!(
        "随函附上标注版报表（按正式表样重新生成，已填入你单位报送的内容，有问题的单元格已标色并附批注；\
         文件改名不影响识别）：\n{}",
        names.join("\n")
    );
    let at = doc.blocks.iter().position(|b| matches!(b, Block::Table(_))).map_or(doc.blocks.len(), |i| i + 1);
    doc.blocks.insert(at, Block::Paragraph(text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_drop_the_original_row() {
        let i = Issue {
            severity: Severity::Error,
            rule: crate::record::Rule::ContactNameMissing,
            field: "contact.name".into(),
            cell: Some(crate::record::CellRef::at(11, 1)),
            message: "第12行 未填写联系人姓名".into(),
            compared: None,
        };
        assert_eq!(note_text(&i), "错误：未填写联系人姓名");
        let j = Issue { message: "第一批 未完成".into(), ..i };
        assert_eq!(note_text(&j), "错误：第一批 未完成");
    }

    #[test]
    fn inline_labels_are_stripped() {
        let labels = vec!["时间".to_string()];
        assert_eq!(strip_inline_label("时间：2017年13月", &labels), "2017年13月");
        assert_eq!(strip_inline_label("备注：x", &labels), "备注：x");
    }
}
