//! The checks the seed sets on a returned form. Each finding is an
//! [`Issue`](crate::record::Issue) with a stable rule id:
//!
//! | rule | severity | when |
//! |---|---|---|
//! | `region.missing` / `region.unknown` / `region.ambiguous` | error | 试点地区 blank, matching no region, or several |
//! | `task.not_region` | error | a task named that is not the region's |
//! | `period.missing` / `period.invalid` | error | 附3 时间 blank or unreadable |
//! | `period.outside_window` | error | 附3 month outside the region's reporting months |
//! | `status.missing` / `status.multiple` | error | no 进度情况 ticked, or several |
//! | `delay_reason.missing` | error | 滞后 without 进度滞后的原因 |
//! | `contact.name.missing` | error | blank 联系人 name |
//! | `schedule.month_missing` | error | 附2: a period of the region's window has no row |
//! | `schedule.deadline_empty` | error | 附2: a deadline period's row has no arrangement |
//! | `schedule.period_invalid` | error | 附2: a schedule row whose 时间 is unreadable |
//! | `lead.title` | warning | 附2: 总负责人 title not a 分管领导 (provincial) / 主要领导 (municipal) |
//! | `contact.title` | warning | 附2: 联系人 title not a division leader |
//! | `phone.invalid` | warning | a phone that is neither a mobile nor a landline |
//! | `submitted_on.missing` / `submitted_on.invalid` | warning | 填报时间 blank or unreadable |
//! | `submitted_on.late` | warning | 填报时间 after the due day |

use crate::ingest::build::{issue, Built};
use crate::record::{FormKind, Severity, Status};
use crate::registry::{RegionKind, Registry};

/// Titles of a provincial department's leader in charge (分管领导).
const PROVINCIAL_LEAD: &[&str] =
    &["副厅长", "副局长", "副主任", "巡视员", "总工程师", "总工", "副书记", "副院长", "分管"];
/// Titles of a municipal department's head (主要领导).
const MUNICIPAL_LEAD: &[&str] = &["局长", "主任", "书记", "厅长"];
/// Titles of a division's leaders (处室领导).
const DIVISION_LEAD: &[&str] = &["处长", "科长", "主任", "调研员", "所长", "站长"];

fn fits(title: &str, words: &[&str]) -> bool {
    words.iter().any(|w| title.contains(w))
}

/// Adds the validation findings to a built record.
pub fn validate(built: &mut Built, registry: &Registry) {
    let cell = |path: &str| built.cells.get(path).copied();
    let rec = &built.record;
    let mut out = Vec::new();
    let region = rec.region.as_deref().and_then(|n| registry.region_by_name(n));
    if let Some(id) = region {
        let own: Vec<String> =
            registry.tasks_of(id).into_iter().map(|(t, _)| registry.task(t).name.clone()).collect();
        for t in &rec.tasks {
            if !own.contains(t) {
                out.push(issue(
                    Severity::Error,
                    "task.not_region",
                    "tasks",
                    cell("tasks"),
                    format!("试点任务“{t}”不是{}的试点任务", registry.region(id).name),
                ));
            }
        }
    }
    if !built.cells.contains_key("region") {
        out.push(issue(Severity::Error, "region.missing", "region", None, "未找到试点地区".into()));
    }
    let name = rec.region.clone().unwrap_or_default();
    match rec.kind {
        FormKind::Progress => {
            match (rec.period, region) {
                (None, _) if !rec.issues.iter().any(|i| i.rule == "period.invalid") => out.push(issue(
                    Severity::Error,
                    "period.missing",
                    "period",
                    cell("period"),
                    "未填写报告时间（年月）".into(),
                )),
                (Some(p), Some(id)) => {
                    let months = registry.progress_months(id);
                    if !p.as_month().is_some_and(|m| months.contains(&m)) {
                        let (a, b) = (months.first(), months.last());
                        let range = match (a, b) {
                            (Some(a), Some(b)) => format!("（{}至{}）", a.label_zh(), b.label_zh()),
                            _ => String::new(),
                        };
                        out.push(issue(
                            Severity::Error,
                            "period.outside_window",
                            "period",
                            cell("period"),
                            format!("报告时间{}不在{name}的报送期{range}内", p.label_zh()),
                        ));
                    }
                }
                _ => {}
            }
            if rec.status == Some(Status::Behind) && rec.delay_reason.is_none() {
                out.push(issue(
                    Severity::Error,
                    "delay_reason.missing",
                    "delay_reason",
                    cell("status"),
                    "进度情况为“滞后”，但未填写进度滞后的原因".into(),
                ));
            }
            if !built.cells.contains_key("status") {
                out.push(issue(Severity::Error, "status.missing", "status", None, "未找到进度情况".into()));
            }
        }
        FormKind::Plan => {
            if let Some(id) = region {
                let have: Vec<_> = rec.schedule.iter().map(|e| e.period).collect();
                let missing: Vec<String> = registry
                    .plan_periods(id)
                    .into_iter()
                    .filter(|p| !have.contains(p))
                    .map(|p| p.label_zh())
                    .collect();
                if !missing.is_empty() {
                    out.push(issue(
                        Severity::Error,
                        "schedule.month_missing",
                        "schedule",
                        None,
                        format!("工作计划缺少以下时间的安排行：{}", missing.join("、")),
                    ));
                }
                for p in registry.deadline_periods(id) {
                    if let Some(i) = rec.schedule.iter().position(|e| e.period == p) {
                        if rec.schedule[i].arrangement.is_none() {
                            out.push(issue(
                                Severity::Error,
                                "schedule.deadline_empty",
                                "schedule",
                                built.schedule_cells.get(i).copied(),
                                format!("{}是试点任务的时间节点，但未填写试点任务安排", p.label_zh()),
                            ));
                        }
                    }
                }
                let lead_ok = |t: &str| match registry.region(id).kind {
                    RegionKind::Provincial => fits(t, PROVINCIAL_LEAD),
                    RegionKind::Municipal => fits(t, MUNICIPAL_LEAD) && !t.contains('副'),
                };
                let want = match registry.region(id).kind {
                    RegionKind::Provincial => "省级部门的分管领导（如副厅长、副局长、巡视员）",
                    RegionKind::Municipal => "市级部门的主要领导（如局长、主任）",
                };
                match rec.lead.title.as_deref() {
                    Some(t) if lead_ok(t) => {}
                    t => out.push(issue(
                        Severity::Warning,
                        "lead.title",
                        "lead.title",
                        cell("lead.title"),
                        match t {
                            Some(t) => format!("总负责人职务“{t}”不像{want}"),
                            None => format!("未填写总负责人职务，应为{want}"),
                        },
                    )),
                }
            }
            match rec.contact.title.as_deref() {
                Some(t) if fits(t, DIVISION_LEAD) => {}
                t => out.push(issue(
                    Severity::Warning,
                    "contact.title",
                    "contact.title",
                    cell("contact.title"),
                    match t {
                        Some(t) => format!("联系人职务“{t}”不像责任处室领导（如处长、副处长、科长）"),
                        None => "未填写联系人职务，应为责任处室领导（如处长、副处长）".into(),
                    },
                )),
            }
        }
    }
    if rec.contact.name.is_none() {
        out.push(issue(
            Severity::Error,
            "contact.name.missing",
            "contact.name",
            cell("contact.name"),
            "未填写联系人姓名".into(),
        ));
    }
    let due = match rec.kind {
        FormKind::Plan => Some(registry.settings.plan_due),
        FormKind::Progress => rec.period.and_then(|p| p.as_month()).map(|m| registry.progress_due(m)),
    };
    match rec.submitted_on {
        None if !rec.issues.iter().any(|i| i.rule == "submitted_on.invalid") => out.push(issue(
            Severity::Warning,
            "submitted_on.missing",
            "submitted_on",
            cell("submitted_on"),
            "未填写填报时间".into(),
        )),
        Some(d) if due.is_some_and(|due| d > due) => {
            let due = due.map(|d| d.format("%Y年%-m月%-d日").to_string()).unwrap_or_default();
            out.push(issue(
                Severity::Warning,
                "submitted_on.late",
                "submitted_on",
                cell("submitted_on"),
                format!("填报时间{}晚于报送截止日{due}", d.format("%Y年%-m月%-d日")),
            ));
        }
        _ => {}
    }
    built.record.issues.extend(out);
}
