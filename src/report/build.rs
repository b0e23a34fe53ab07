//! The review report (排污许可管理试点工作进展情况报告) as a [`Document`].

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::consolidate::person_line;
use crate::doc::{Block, Document, Orientation, Rgb, Table, TableCell};
use crate::period::{Period, YearMonth};
use crate::record::Status;
use crate::record::{FormKind, Record};
use crate::templates::Templates;
use crate::tracking::{self, Category, PersonRole, State, Tracking};

/// Title of the report.
pub const REPORT_TITLE: &str = "排污许可管理试点工作进展情况报告";

/// Months per matrix table, so a table fits the landscape page.
const MONTHS_PER_TABLE: usize = 12;

fn fill(c: Category) -> Rgb {
    let (r, g, b) = c.rgb();
    Rgb(r, g, b)
}

fn h1(text: &str) -> Block {
    Block::Heading { level: 1, text: text.into() }
}

fn h2(text: impl Into<String>) -> Block {
    Block::Heading { level: 2, text: text.into() }
}

fn header_row(cells: &[&str]) -> Vec<Vec<TableCell>> {
    vec![cells.iter().map(|s| TableCell::header(*s)).collect()]
}

/// Builds the review report as of `as_of`: cover, summary figures, the
/// status matrix (tables of at most 12 months), per-task progress, the
/// behind-schedule list with reasons, difficulties and support requests, and
/// the chase list. Statuses follow [`crate::tracking`]; only records that
/// have arrived by `as_of` count.
///
/// # Examples
/// ```
/// use permit_forms::{report::build_report, Templates};
/// let t = Templates::embedded()?;
/// let as_of = chrono::NaiveDate::from_ymd_opt(2017, 5, 11).unwrap();
/// let doc = build_report(&t, &[], as_of);
/// assert!(doc.subtitle[0].contains("2017年5月11日"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn build_report(templates: &Templates, records: &[Record], as_of: NaiveDate) -> Document {
    let reg = &templates.registry;
    let tr = Tracking::new(reg, records, as_of);
    let date_zh = as_of.format("%Y年%-m月%-d日").to_string();
    let mut blocks = Vec::new();

    // 一、总体情况
    blocks.push(h1("一、总体情况"));
    let plans_in = tr.regions.iter().filter(|r| matches!(r.plan.state, State::Reported { .. })).count();
    // The latest month that is due as of the date, the one the summary speaks of.
    let due_month =
        tr.months.iter().rev().find(|m| reg.progress_due(**m) < as_of).or(tr.months.last()).copied();
    let mut summary = format!(
        "试点地区共 {} 个。截至{date_zh}，{plans_in} 个地区报送了试点工作计划（附2）。",
        tr.regions.len()
    );
    if let Some(m) = due_month {
        let c = tr.counts(m);
        let n = |cat| c.get(&cat).copied().unwrap_or(0);
        let expected: usize = c.values().sum();
        let reported = expected - n(Category::Missing) - n(Category::NotDue);
        summary.push_str(&format!(
            "{}进展表（截止日 {}）应报 {expected} 个地区，已报 {reported} 个，其中如期 {} 个、超前 {} 个、滞后 {} 个、\
             迟报 {} 个、未勾选进度 {} 个；未报 {} 个。",
            m.label_zh(),
            reg.progress_due(m),
            n(Category::OnSchedule),
            n(Category::Ahead),
            n(Category::Behind),
            n(Category::Late),
            n(Category::Unticked),
            n(Category::Missing),
        ));
    }
    let chase = tr.chase();
    let missing = chase.iter().filter(|(_, m, s)| m.is_some() && s.state == State::Missing).count();
    let late = chase.iter().filter(|(_, m, s)| m.is_some() && s.state != State::Missing).count();
    let behind = tr
        .regions
        .iter()
        .flat_map(|r| r.months.values())
        .filter(|s| s.record.is_some_and(|r| r.status == Some(Status::Behind)))
        .count();
    summary.push_str(&format!(
        "自试点开始累计：未报进展表 {missing} 份，迟报 {late} 份，报告进度滞后 {behind} 份。"
    ));
    blocks.push(Block::Paragraph(summary));
    if !tr.months.is_empty() {
        let cats: Vec<Category> = Category::ALL.into_iter().collect();
        let mut head = vec!["月份"];
        head.extend(cats.iter().map(|c| c.label_zh()));
        head.push("合计");
        let rows = tr
            .months
            .iter()
            .map(|m| {
                let c = tr.counts(*m);
                let mut row = vec![TableCell::center(m.label_zh())];
                row.extend(
                    cats.iter().map(|k| TableCell::center(c.get(k).copied().unwrap_or(0).to_string())),
                );
                row.push(TableCell::center(c.values().sum::<usize>().to_string()));
                row
            })
            .collect();
        let mut columns = vec![1.4];
        columns.extend(std::iter::repeat_n(1.0, cats.len() + 1));
        blocks.push(Block::Table(Table {
            columns,
            header: vec![head
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let cell = TableCell::header(*s);
                    match i.checked_sub(1).and_then(|k| cats.get(k)) {
                        Some(c) if *c != Category::NotDue => cell.with_fill(fill(*c)),
                        _ => cell,
                    }
                })
                .collect()],
            rows,
            font_size: 9.0,
        }));
        blocks.push(Block::Note("表中数字为地区数；迟报按迟报计，不再计入其勾选的进度情况。".into()));
    }

    // 二、各地区进度情况
    blocks.push(h1("二、各地区进度情况"));
    blocks.push(Block::Note(format!(
        "图例：{}。迟报 = 填报时间晚于截止日（截止日当天仍为按时）；未报 = 截止日已过仍未收到；空白 = 未到截止日；— = 该地区无需报送该月。",
        Category::ALL.iter().map(|c| c.label_zh()).collect::<Vec<_>>().join("、")
    )));
    for chunk in tr.months.chunks(MONTHS_PER_TABLE) {
        blocks.push(Block::Table(matrix(&tr, chunk)));
    }

    // 三、各试点任务进展
    blocks.push(h1("三、各试点任务进展"));
    for (tid, task) in reg.tasks() {
        blocks.push(h2(task.name.clone()));
        let names = |ids: &[crate::registry::RegionId]| {
            ids.iter().map(|id| reg.region(*id).name.as_str()).collect::<Vec<_>>().join("、")
        };
        let mut who = if task.part.is_empty() {
            format!("试点地区：{}", names(&task.lead))
        } else {
            format!("牵头：{}；参与：{}", names(&task.lead), names(&task.part))
        };
        if !task.sites.is_empty() {
            who.push_str(&format!("（{}）", task.sites.join("、")));
        }
        who.push('。');
        blocks.push(Block::Paragraph(who));
        blocks.push(Block::Table(task_table(reg, &tr, tid)));
        let numbered: Vec<String> = task
            .milestones
            .iter()
            .enumerate()
            .map(|(i, m)| format!("{}{}", circled(i), m.describe()))
            .collect();
        blocks.push(Block::Note(format!("时间节点：{}。", numbered.join("；"))));
    }
    blocks.push(Block::Note(
        "时间节点“已达成”：该节点所在月份（年度节点为当年12月）的进展表勾选超前或如期；“未达成”：勾选滞后。"
            .into(),
    ));

    // 四、进度滞后情况
    blocks.push(h1("四、进度滞后情况及原因"));
    let counting: Vec<(&str, YearMonth, &Record)> = tr
        .regions
        .iter()
        .flat_map(|rt| rt.months.iter().filter_map(move |(m, s)| s.record.map(|r| (rt.name.as_str(), *m, r))))
        .collect();
    let behind: Vec<Vec<TableCell>> = counting
        .iter()
        .filter(|(_, _, r)| r.status == Some(Status::Behind))
        .map(|(n, m, r)| {
            vec![
                TableCell::center(*n),
                TableCell::center(m.label_zh()),
                TableCell::text(r.delay_reason.clone().unwrap_or_else(|| "（未填写原因）".into())),
                TableCell::text(r.actual.clone().unwrap_or_default()),
            ]
        })
        .collect();
    if behind.is_empty() {
        blocks.push(Block::Paragraph("截至报告日，没有地区报告进度滞后。".into()));
    } else {
        blocks.push(Block::Paragraph(format!("共 {} 份进展表勾选进度滞后：", behind.len())));
        blocks.push(Block::Table(Table {
            columns: vec![1.2, 1.0, 4.0, 4.0],
            header: header_row(&["试点地区", "月份", "进度滞后的原因", "月度实际进展"]),
            rows: behind,
            font_size: 9.0,
        }));
    }

    // 五、困难和支持
    blocks.push(h1("五、存在的困难和需要的支持"));
    let hard: Vec<Vec<TableCell>> = counting
        .iter()
        .filter_map(|(n, m, r)| {
            let d = r.difficulties.as_deref().filter(|s| !s.trim().is_empty())?;
            Some(vec![TableCell::center(*n), TableCell::center(m.label_zh()), TableCell::text(d)])
        })
        .collect();
    if hard.is_empty() {
        blocks.push(Block::Paragraph("各地区未提出困难和支持需求。".into()));
    } else {
        blocks.push(Block::Table(Table {
            columns: vec![1.2, 1.0, 8.0],
            header: header_row(&["试点地区", "月份", "存在的困难和需要的支持"]),
            rows: hard,
            font_size: 9.0,
        }));
    }

    // 六、催报
    blocks.push(h1("六、催报名单"));
    let mut dirs = BTreeMap::new();
    let chase: Vec<Vec<TableCell>> = tr
        .chase()
        .into_iter()
        .map(|(rt, month, slot)| {
            let dir = dirs.entry(rt.region).or_insert_with(|| tracking::directory(records, &rt.name));
            let person =
                |role| dir.get(&role).map(|c: &tracking::Contact| person_line(&c.person)).unwrap_or_default();
            let what = match slot.state {
                State::Missing => "未报".to_string(),
                _ => format!("迟报（{}）", slot.first_submitted.map(|d| d.to_string()).unwrap_or_default()),
            };
            let cat = if slot.state == State::Missing { Category::Missing } else { Category::Late };
            vec![
                TableCell::center(rt.name.clone()),
                TableCell::center(match month {
                    None => templates.form_label(FormKind::Plan, None),
                    Some(m) => templates.form_label(FormKind::Progress, Some(Period::Month(m))),
                }),
                TableCell::center(slot.due.to_string()),
                TableCell::center(what).with_fill(fill(cat)),
                TableCell::text(person(PersonRole::Contact)),
                TableCell::text(person(PersonRole::Handler)),
            ]
        })
        .collect();
    if chase.is_empty() {
        blocks.push(Block::Paragraph(format!("截至{date_zh}，没有未报或迟报的报表。")));
    } else {
        blocks.push(Block::Paragraph(format!(
            "截至{date_zh}，截止日已过仍未报送或迟报的报表共 {} 份：",
            chase.len()
        )));
        blocks.push(Block::Table(Table {
            columns: vec![1.2, 1.4, 1.1, 1.4, 2.5, 2.5],
            header: header_row(&["试点地区", "报表", "截止日", "情况", "联系人", "经办人"]),
            rows: chase,
            font_size: 9.0,
        }));
    }

    Document {
        title: REPORT_TITLE.into(),
        subtitle: vec![format!("（截至{date_zh}）"), "部许可办".into()],
        cover_page: true,
        running_header: format!("{REPORT_TITLE}（截至{date_zh}）"),
        orientation: Orientation::Landscape,
        font_size: 10.5,
        blocks,
    }
}

/// ①②③… for milestone numbers.
fn circled(i: usize) -> String {
    char::from_u32(0x2460 + i as u32).filter(|_| i < 20).map_or_else(|| format!("({})", i + 1), String::from)
}

/// One row per region of a task: role, latest report and its 实际进展, and
/// whether each milestone is met.
fn task_table(reg: &crate::registry::Registry, tr: &Tracking, tid: crate::registry::TaskId) -> Table {
    let task = reg.task(tid);
    let mut head: Vec<TableCell> = ["试点地区", "角色", "最新报告", "进度情况", "最新月度实际进展"]
        .into_iter()
        .map(TableCell::header)
        .collect();
    head.extend(
        task.milestones
            .iter()
            .enumerate()
            .map(|(i, m)| TableCell::header(format!("节点{}\n{}", circled(i), m.date))),
    );
    let rows = task
        .lead
        .iter()
        .chain(task.part.iter())
        .map(|id| {
            let rt = tr.region(*id);
            let role =
                reg.tasks_of(*id).into_iter().find(|(t, _)| *t == tid).map_or("", |(_, r)| r.label_zh());
            let latest = rt.months.iter().rev().find_map(|(m, s)| s.record.map(|r| (m, s, r)));
            let mut row = vec![TableCell::center(rt.name.clone()), TableCell::center(role)];
            match latest {
                Some((m, s, r)) => {
                    row.push(TableCell::center(m.label_zh()));
                    let c = s.state.category();
                    row.push(TableCell::center(s.state.label_zh()).with_fill(fill(c)));
                    row.push(TableCell::text(r.actual.clone().unwrap_or_else(|| "（未填写）".into())));
                }
                None => {
                    row.push(TableCell::center("—"));
                    row.push(TableCell::center("无报告"));
                    row.push(TableCell::text(""));
                }
            }
            row.extend(task.milestones.iter().map(|m| {
                let o = tr.outcome(*id, tid, m);
                let cell = TableCell::center(o.label_zh());
                match o {
                    tracking::Outcome::Met => cell.with_fill(fill(Category::Ahead)),
                    tracking::Outcome::NotMet => cell.with_fill(fill(Category::Behind)),
                    tracking::Outcome::Missing => cell.with_fill(fill(Category::Missing)),
                    _ => cell,
                }
            }));
            row
        })
        .collect();
    let mut columns = vec![1.3, 0.7, 1.1, 1.1, 5.0];
    columns.extend(std::iter::repeat_n(1.2, task.milestones.len()));
    Table { columns, header: vec![head], rows, font_size: 9.0 }
}

/// The status matrix for `months`: a row per region, coloured by category.
fn matrix(tr: &Tracking, months: &[YearMonth]) -> Table {
    let mut head = vec![TableCell::header("试点地区"), TableCell::header("工作计划")];
    head.extend(months.iter().map(|m| TableCell::header(format!("{}年\n{}月", m.year, m.month))));
    // A region that reports on none of these months (an industry region
    // after 2017) is left out of this table.
    let rows = tr
        .regions
        .iter()
        .filter(|rt| months.iter().any(|m| rt.month(*m).is_some()))
        .map(|rt| {
            let plan = match rt.plan.state {
                State::Reported { late: true, .. } => {
                    TableCell::center("迟报").with_fill(fill(Category::Late))
                }
                State::Reported { .. } => TableCell::center("已报"),
                State::Missing => TableCell::center("未报").with_fill(fill(Category::Missing)),
                State::NotDue => TableCell::center(""),
            };
            let mut row = vec![TableCell::center(rt.name.clone()), plan];
            row.extend(months.iter().map(|m| match rt.month(*m) {
                Some(s) => {
                    let c = s.state.category();
                    let cell = TableCell::center(s.state.label_zh());
                    if c == Category::NotDue {
                        cell
                    } else {
                        cell.with_fill(fill(c))
                    }
                }
                None => TableCell::center("—"),
            }));
            row
        })
        .collect();
    let mut columns = vec![1.6, 1.0];
    columns.extend(std::iter::repeat_n(1.0, months.len()));
    Table { columns, header: vec![head], rows, font_size: 8.0 }
}
