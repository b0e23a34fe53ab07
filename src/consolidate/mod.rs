//! The consolidated ministry workbook (汇总): the status matrix, the per-task
//! view, plan coverage, every progress record, behind-schedule reasons and
//! difficulties, the chase list, the contact directory and every finding.
//!
//! The status sheets (总览, 按任务, 计划, 催报) judge as of the date by the
//! rules of [`crate::tracking`]; the list sheets (进展明细, 滞后与困难, 联系人)
//! show every current record, 校验问题 every record's findings (a
//! superseded one marked so), whatever its date.
//!
//! Every text that came from a returned file is written with
//! `write_string`, so a value starting with `=`, `+`, `-` or `@` stays text
//! and never becomes a formula. Output is deterministic: fixed document
//! date, registry order for regions, then month, then file.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_xlsxwriter::{
    Chart, ChartFormat, ChartSolidFill, ChartType, DocProperties, ExcelDateTime, Format, FormatAlign,
    Workbook, Worksheet, XlsxError,
};

use crate::period::{Period, YearMonth};
use crate::record::{FormKind, Person, Record, Status};
use crate::registry::{Registry, Role};
use crate::render::RenderError;
use crate::templates::Templates;
use crate::tracking::{self, Category, PersonRole, State, Tracking};

mod sheet;
use sheet::{as_of_zh, base, date, opt, print_setup, put, rgb, Styles, TableSheet};

/// Sheet names, in workbook order.
pub const SHEETS: [&str; 8] =
    ["总览", "按任务", "计划", "进展明细", "滞后与困难", "催报", "联系人", "校验问题"];

/// Row (0-based) of the matrix header on 总览; regions start on the next row.
pub const MATRIX_HEADER_ROW: u32 = 2;

/// `王强 13811112222` style one-line description of a person.
pub fn person_line(p: &Person) -> String {
    [&p.name, &p.title, &p.phone].iter().filter_map(|s| s.as_deref()).collect::<Vec<_>>().join(" ")
}

/// Regions first in registry order, then records of unknown regions by the
/// text written; then month, then file.
fn record_order(reg: &Registry) -> impl Fn(&&Record) -> (usize, String, Option<Period>, String, String) + '_ {
    move |r: &&Record| {
        let idx = r.region.as_deref().and_then(|n| reg.region_by_name(n)).map_or(usize::MAX, |id| id.0);
        (idx, r.region_raw.clone(), r.period, r.source.file.clone(), r.source.sheet.clone())
    }
}

/// The region name to show: canonical, else what was written, marked.
pub fn region_shown(r: &Record) -> String {
    match &r.region {
        Some(n) => n.clone(),
        None if r.region_raw.is_empty() => "（未识别地区）".into(),
        None => format!("{}（未识别）", r.region_raw),
    }
}

/// Builds the consolidated workbook as of `as_of`: the sheets in
/// [`SHEETS`], statuses by the rules of [`crate::tracking`].
///
/// # Examples
/// ```
/// use permit_forms::{consolidate::consolidate, Templates};
/// let t = Templates::embedded()?;
/// let as_of = chrono::NaiveDate::from_ymd_opt(2017, 5, 11).unwrap();
/// let xlsx: Vec<u8> = consolidate(&t, &[], as_of)?;
/// assert!(xlsx.starts_with(b"PK"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`RenderError::Xlsx`] when the writer refuses the workbook.
pub fn consolidate(
    templates: &Templates,
    records: &[Record],
    as_of: NaiveDate,
) -> Result<Vec<u8>, RenderError> {
    let reg = &templates.registry;
    let tr = Tracking::new(reg, records, as_of);
    let st = Styles::new();
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("排污许可管理试点工作汇总（截至{}）", as_of_zh(as_of)))
            .set_author("排污许可管理试点")
            .set_creation_datetime(&ExcelDateTime::from_ymd(2017, 3, 1)?),
    );
    overview(wb.add_worksheet(), &st, &tr, reg.settings.progress_due_day)?;
    by_task(wb.add_worksheet(), &st, reg, &tr)?;
    plans(wb.add_worksheet(), &st, reg, &tr)?;
    let mut current: Vec<&Record> = records.iter().filter(|r| r.current).collect();
    current.sort_by_key(record_order(reg));
    details(wb.add_worksheet(), &st, reg, &current)?;
    behind(wb.add_worksheet(), &st, templates, &current)?;
    chase(wb.add_worksheet(), &st, templates, records, &tr)?;
    contacts(wb.add_worksheet(), &st, templates, records, &tr)?;
    let mut all: Vec<&Record> = records.iter().collect();
    all.sort_by_key(record_order(reg));
    issues(wb.add_worksheet(), &st, templates, &all)?;
    Ok(wb.save_to_buffer()?)
}

fn overview(ws: &mut Worksheet, st: &Styles, tr: &Tracking, due_day: u32) -> Result<(), XlsxError> {
    ws.set_name(SHEETS[0])?;
    ws.write_string_with_format(0, 0, format!("试点工作进展总览（截至{}）", as_of_zh(tr.as_of)), &st.title)?;
    let h = MATRIX_HEADER_ROW;
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 10)?;
    ws.write_string_with_format(h, 0, "试点地区", &st.header)?;
    ws.write_string_with_format(h, 1, "工作计划", &st.header)?;
    for (i, m) in tr.months.iter().enumerate() {
        ws.set_column_width(2 + i as u16, 11)?;
        ws.write_string_with_format(h, 2 + i as u16, m.label_zh(), &st.header)?;
    }
    let last_col = 1 + tr.months.len() as u16;
    for (i, r) in tr.regions.iter().enumerate() {
        let row = h + 1 + i as u32;
        ws.write_string_with_format(row, 0, &r.name, &st.center)?;
        let plan = match r.plan.state {
            State::Reported { late: true, .. } => ("迟报", Category::Late),
            State::Reported { .. } => ("已报", Category::OnSchedule),
            State::Missing => ("未报", Category::Missing),
            State::NotDue => ("", Category::NotDue),
        };
        put(ws, row, 1, plan.0, &st.fills[&plan.1])?;
        for (j, m) in tr.months.iter().enumerate() {
            let c = 2 + j as u16;
            match r.month(*m) {
                Some(s) => put(ws, row, c, &s.state.label_zh(), &st.fills[&s.state.category()])?,
                None => put(ws, row, c, "—", &st.center)?,
            }
        }
    }
    // Per-month counts; the coloured label cells are the legend.
    let counts_head = h + 2 + tr.regions.len() as u32;
    ws.write_string_with_format(counts_head, 0, "各月统计（地区数）", &st.header)?;
    ws.write_string_with_format(counts_head, 1, "", &st.header)?;
    for (j, m) in tr.months.iter().enumerate() {
        ws.write_string_with_format(counts_head, 2 + j as u16, m.label_zh(), &st.header)?;
    }
    let mut chart = Chart::new(ChartType::ColumnStacked);
    for (k, cat) in Category::ALL.into_iter().enumerate() {
        let row = counts_head + 1 + k as u32;
        ws.merge_range(row, 0, row, 1, cat.label_zh(), &st.fills[&cat])?;
        for (j, m) in tr.months.iter().enumerate() {
            let n = tr.counts(*m).get(&cat).copied().unwrap_or(0);
            ws.write_number_with_format(row, 2 + j as u16, n as f64, &st.center)?;
        }
        if cat != Category::NotDue && !tr.months.is_empty() {
            chart
                .add_series()
                .set_name((SHEETS[0], row, 0))
                .set_categories((SHEETS[0], counts_head, 2, counts_head, last_col))
                .set_values((SHEETS[0], row, 2, row, last_col))
                .set_format(
                    ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(rgb(cat.bar_rgb()))),
                );
        }
    }
    let legend_row = counts_head + 1 + Category::ALL.len() as u32;
    // The note and the chart span at least ten columns, so they print whole.
    let wide = last_col.max(9);
    let note = format!(
        "说明：迟报 = 填报时间晚于截止日（每月{}日当天仍为按时）；未报 = 截止日已过仍未收到；空白 = 未到截止日；— = 该地区无需报送该月。",
        due_day
    );
    ws.merge_range(
        legend_row,
        0,
        legend_row,
        wide,
        &note,
        &base().set_text_wrap().set_align(FormatAlign::Top),
    )?;
    ws.set_row_height(legend_row, 30)?;
    let mut last_row = legend_row;
    if !tr.months.is_empty() {
        chart.title().set_name("各月进度情况（地区数）");
        chart.y_axis().set_name("地区数");
        chart.set_width(680).set_height(320);
        ws.insert_chart(legend_row + 2, 0, &chart)?;
        last_row = legend_row + 2 + 17;
    }
    ws.set_freeze_panes(h + 1, 1)?;
    print_setup(ws, true, h, h, last_row, wide)
}

fn by_task(ws: &mut Worksheet, st: &Styles, reg: &Registry, tr: &Tracking) -> Result<(), XlsxError> {
    let max_ms = reg.tasks().map(|(_, t)| t.milestones.len()).max().unwrap_or(0);
    let mut cols: Vec<(String, f64)> = vec![
        ("试点任务".into(), 18.0),
        ("角色".into(), 6.0),
        ("试点地区".into(), 12.0),
        ("最新报告月份".into(), 11.0),
        ("最新进度".into(), 10.0),
        ("最新月度实际进展".into(), 40.0),
    ];
    for i in 0..max_ms {
        cols.push((format!("时间节点{}", i + 1), 24.0));
    }
    let colrefs: Vec<(&str, f64)> = cols.iter().map(|(s, w)| (s.as_str(), *w)).collect();
    let mut t = TableSheet::new(
        ws,
        st,
        SHEETS[1],
        &format!(
            "按试点任务（截至{}）　时间节点“已达成”：该节点所在月份（年度节点为当年12月）的进展表勾选超前或如期",
            as_of_zh(tr.as_of)
        ),
        &colrefs,
    )?;
    for (tid, task) in reg.tasks() {
        let members = task.lead.iter().chain(task.part.iter());
        for &rid in members {
            let role = reg.tasks_of(rid).into_iter().find(|(t, _)| *t == tid).map_or(Role::Sole, |(_, r)| r);
            let rt = tr.region(rid);
            let latest = rt.months.iter().rev().find_map(|(m, s)| s.record.map(|r| (m, s, r)));
            let (month, status, actual) = match latest {
                Some((m, s, r)) => (m.label_zh(), s.state.label_zh(), opt(&r.actual).to_string()),
                None => (String::new(), "无报告".into(), String::new()),
            };
            let ms: Vec<(String, Category)> = task
                .milestones
                .iter()
                .map(|m| {
                    let o = tr.outcome(rid, tid, m);
                    let cat = match o {
                        tracking::Outcome::Met => Category::Ahead,
                        tracking::Outcome::NotMet => Category::Behind,
                        tracking::Outcome::Missing => Category::Missing,
                        tracking::Outcome::Unknown => Category::Unticked,
                        _ => Category::NotDue,
                    };
                    (format!("{}：{}\n{}", m.date, o.label_zh(), m.text), cat)
                })
                .collect();
            let mut cells: Vec<(&str, &Format)> = vec![
                (&task.name, &st.cell),
                (role.label_zh(), &st.center),
                (&rt.name, &st.center),
                (&month, &st.center),
                (&status, &st.center),
                (&actual, &st.cell),
            ];
            cells.extend(ms.iter().map(|(s, c)| (s.as_str(), &st.fills[c])));
            t.row(&cells)?;
        }
    }
    t.finish(true, true)
}

fn plans(ws: &mut Worksheet, st: &Styles, reg: &Registry, tr: &Tracking) -> Result<(), XlsxError> {
    let mut t = TableSheet::new(
        ws,
        st,
        SHEETS[2],
        &format!(
            "工作计划（附2）与时间节点（截至{}，计划截止日 {}）",
            as_of_zh(tr.as_of),
            reg.settings.plan_due
        ),
        &[
            ("试点地区", 12.0),
            ("计划报送情况", 14.0),
            ("时间", 10.0),
            ("时间节点", 36.0),
            ("试点任务安排", 50.0),
            ("问题", 22.0),
        ],
    )?;
    for rt in &tr.regions {
        let status = match (rt.plan.state, rt.plan.first_submitted) {
            (State::Reported { late: true, .. }, d) => format!("迟报（{}）", date(d)),
            (State::Reported { .. }, Some(d)) => format!("已报（{d}）"),
            (State::Reported { .. }, None) => "已报".into(),
            (State::Missing, _) => "未报".into(),
            (State::NotDue, _) => "未到期".into(),
        };
        let deadlines: BTreeMap<Period, Vec<String>> =
            reg.milestones_of(rt.region).into_iter().fold(BTreeMap::new(), |mut acc, (tid, m)| {
                acc.entry(m.period).or_default().push(format!("{}：{}", reg.task(tid).name, m.describe()));
                acc
            });
        for p in reg.plan_periods(rt.region) {
            let entry = rt.plan.record.and_then(|r| r.schedule.iter().find(|e| e.period == p));
            let arrangement = entry.and_then(|e| e.arrangement.as_deref()).unwrap_or("");
            let dl = deadlines.get(&p).map(|v| v.join("\n")).unwrap_or_default();
            let problem = match (rt.plan.record, entry) {
                (None, _) => "",
                (Some(_), None) => "缺少该时间行",
                (Some(_), Some(_)) if !dl.is_empty() && arrangement.trim().is_empty() => "时间节点无安排",
                (Some(_), Some(_)) if arrangement.trim().is_empty() => "无安排",
                _ => "",
            };
            let pf = if problem.is_empty() { &st.center } else { &st.fills[&Category::Missing] };
            t.row(&[
                (&rt.name, &st.center),
                (&status, &st.center),
                (&p.label_zh(), &st.center),
                (&dl, &st.cell),
                (arrangement, &st.cell),
                (problem, pf),
            ])?;
        }
    }
    t.finish(true, true)
}

fn details(ws: &mut Worksheet, st: &Styles, reg: &Registry, recs: &[&Record]) -> Result<(), XlsxError> {
    let mut t = TableSheet::new(
        ws,
        st,
        SHEETS[3],
        "进展明细（每个地区每月的有效进展表）",
        &[
            ("试点地区", 12.0),
            ("月份", 10.0),
            ("进度情况", 8.0),
            ("填报时间", 11.0),
            ("截止日", 11.0),
            ("是否迟报", 8.0),
            ("月度工作安排", 36.0),
            ("月度实际进展", 36.0),
            ("进度滞后的原因", 26.0),
            ("存在的困难和需要的支持", 26.0),
            ("总负责人", 10.0),
            ("联系人", 16.0),
            ("经办人", 16.0),
            ("填报单位", 16.0),
            ("文件", 30.0),
            ("工作表", 10.0),
        ],
    )?;
    for r in recs.iter().filter(|r| r.kind == FormKind::Progress) {
        let month = r.period.map(|p| p.label_zh()).unwrap_or_default();
        let due = r.period.and_then(Period::as_month).map(|m| reg.progress_due(m));
        let late = match (r.submitted_on, due) {
            (Some(s), Some(d)) if s > d => "迟报",
            (Some(_), Some(_)) => "按时",
            _ => "",
        };
        t.row(&[
            (&region_shown(r), &st.center),
            (&month, &st.center),
            (r.status.map_or("未勾选", Status::label_zh), &st.center),
            (&date(r.submitted_on), &st.center),
            (&date(due), &st.center),
            (late, &st.center),
            (opt(&r.planned), &st.cell),
            (opt(&r.actual), &st.cell),
            (opt(&r.delay_reason), &st.cell),
            (opt(&r.difficulties), &st.cell),
            (&person_line(&r.lead), &st.cell),
            (&person_line(&r.contact), &st.cell),
            (&person_line(&r.handler), &st.cell),
            (opt(&r.submitter), &st.cell),
            (&r.source.file, &st.cell),
            (&r.source.sheet, &st.cell),
        ])?;
    }
    t.finish(true, true)
}

fn behind(ws: &mut Worksheet, st: &Styles, templates: &Templates, recs: &[&Record]) -> Result<(), XlsxError> {
    let mut t = TableSheet::new(
        ws,
        st,
        SHEETS[4],
        "进度滞后的原因；存在的困难和需要的支持",
        &[
            ("类别", 10.0),
            ("试点地区", 12.0),
            ("报表", 8.0),
            ("月份", 10.0),
            ("进度情况", 8.0),
            ("内容", 50.0),
            ("月度实际进展", 40.0),
        ],
    )?;
    for (kind, pick) in [
        (
            "进度滞后",
            (|r: &Record| (r.status == Some(Status::Behind)).then(|| opt(&r.delay_reason)))
                as fn(&Record) -> Option<&str>,
        ),
        ("困难和支持", |r: &Record| r.difficulties.as_deref().filter(|s| !s.trim().is_empty())),
    ] {
        for r in recs {
            let Some(text) = pick(r) else { continue };
            let text = if text.is_empty() { "（未填写原因）" } else { text };
            let fill = if kind == "进度滞后" { &st.fills[&Category::Behind] } else { &st.center };
            t.row(&[
                (kind, fill),
                (&region_shown(r), &st.center),
                (&templates.form(r.kind).mark, &st.center),
                (&r.period.map(|p| p.label_zh()).unwrap_or_default(), &st.center),
                (r.status.map_or("", Status::label_zh), &st.center),
                (text, &st.cell),
                (opt(&r.actual), &st.cell),
            ])?;
        }
    }
    t.finish(true, true)
}

fn chase(
    ws: &mut Worksheet,
    st: &Styles,
    templates: &Templates,
    records: &[Record],
    tr: &Tracking,
) -> Result<(), XlsxError> {
    let mut t = TableSheet::new(
        ws,
        st,
        SHEETS[5],
        &format!("催报名单（截至{}：截止日已过未报，或迟报）", as_of_zh(tr.as_of)),
        &[
            ("试点地区", 12.0),
            ("报表", 16.0),
            ("截止日", 11.0),
            ("情况", 18.0),
            ("联系人", 10.0),
            ("联系人电话", 14.0),
            ("经办人", 10.0),
            ("经办人电话", 14.0),
        ],
    )?;
    let mut dirs = BTreeMap::new();
    for (rt, month, slot) in tr.chase() {
        let dir = dirs.entry(rt.region).or_insert_with(|| tracking::directory(records, &rt.name));
        let form = match month {
            None => templates.form_label(FormKind::Plan, None),
            Some(m) => templates.form_label(FormKind::Progress, Some(Period::Month(m))),
        };
        let what = match slot.state {
            State::Missing => "未报".to_string(),
            _ => format!("迟报（{}）", date(slot.first_submitted)),
        };
        let p = |role| dir.get(&role).map(|c: &tracking::Contact| c.person.clone()).unwrap_or_default();
        let (c, h) = (p(PersonRole::Contact), p(PersonRole::Handler));
        let fill = if slot.state == State::Missing {
            &st.fills[&Category::Missing]
        } else {
            &st.fills[&Category::Late]
        };
        t.row(&[
            (&rt.name, &st.center),
            (&form, &st.center),
            (&slot.due.to_string(), &st.center),
            (&what, fill),
            (opt(&c.name), &st.center),
            (opt(&c.phone), &st.center),
            (opt(&h.name), &st.center),
            (opt(&h.phone), &st.center),
        ])?;
    }
    t.finish(false, true)
}

fn contacts(
    ws: &mut Worksheet,
    st: &Styles,
    templates: &Templates,
    records: &[Record],
    tr: &Tracking,
) -> Result<(), XlsxError> {
    let mut t = TableSheet::new(
        ws,
        st,
        SHEETS[6],
        "联系人名录（取自各地区最新报表）",
        &[
            ("试点地区", 12.0),
            ("角色", 10.0),
            ("姓名", 10.0),
            ("职务", 20.0),
            ("联系方式", 14.0),
            ("来源报表", 30.0),
            ("填报时间", 11.0),
        ],
    )?;
    for rt in &tr.regions {
        let dir = tracking::directory(records, &rt.name);
        for (role, c) in &dir {
            let src = templates.form_label(c.record.kind, c.record.period);
            t.row(&[
                (&rt.name, &st.center),
                (role.label_zh(), &st.center),
                (opt(&c.person.name), &st.center),
                (opt(&c.person.title), &st.cell),
                (opt(&c.person.phone), &st.center),
                (&src, &st.cell),
                (&date(c.record.submitted_on), &st.center),
            ])?;
        }
    }
    t.finish(false, true)
}

fn issues(ws: &mut Worksheet, st: &Styles, templates: &Templates, recs: &[&Record]) -> Result<(), XlsxError> {
    let mut t = TableSheet::new(
        ws,
        st,
        SHEETS[7],
        "校验问题（全部报表的全部问题）",
        &[
            ("试点地区", 14.0),
            ("报表", 8.0),
            ("期间", 10.0),
            ("文件", 30.0),
            ("工作表", 10.0),
            ("单元格", 7.0),
            ("规则", 16.0),
            ("严重程度", 8.0),
            ("说明", 44.0),
            ("有效版本", 8.0),
        ],
    )?;
    for r in recs {
        for i in &r.issues {
            let sev = if i.severity == crate::record::Severity::Error {
                &st.fills[&Category::Missing]
            } else {
                &st.fills[&Category::Behind]
            };
            t.row(&[
                (&region_shown(r), &st.center),
                (&templates.form(r.kind).mark, &st.center),
                (&r.period.map(|p| p.label_zh()).unwrap_or_default(), &st.center),
                (&r.source.file, &st.cell),
                (&r.source.sheet, &st.cell),
                (&i.cell.map(|c| c.to_string()).unwrap_or_default(), &st.center),
                (i.rule.id(), &st.cell),
                (i.severity.label_zh(), sev),
                (&i.message, &st.cell),
                (if r.current { "是" } else { "否（已被重报替代）" }, &st.center),
            ])?;
        }
    }
    t.finish(true, true)
}

/// The months of the status matrix (re-exported for callers that lay out
/// their own view).
pub fn shown_months(templates: &Templates, records: &[Record], as_of: NaiveDate) -> Vec<YearMonth> {
    Tracking::new(&templates.registry, records, as_of).months
}
