//! The checks the seed sets on a returned form. Each finding is an
//! [`Issue`](crate::record::Issue) of a [`Rule`] (the rules, their ids and
//! severities are listed on that enum), naming the input cell the clerk must
//! change: the empty cell itself for a missing value (a missing delay reason
//! points at 进度滞后的原因, not at the status), and for a missing 附2 month the
//! schedule row it belongs before.

use crate::form::{Field, PersonPart, PersonRole};
use crate::ingest::build::{issue, Built};
use crate::record::{FormKind, Rule, Status};
use crate::registry::{RegionKind, Registry};

use crate::ingest::normalize::{
    DIVISION_LEAD_TITLES as DIVISION_LEAD, MUNICIPAL_LEAD_TITLES as MUNICIPAL_LEAD,
    PROVINCIAL_LEAD_TITLES as PROVINCIAL_LEAD,
};

fn fits(title: &str, words: &[&str]) -> bool {
    words.iter().any(|w| title.contains(w))
}

/// Adds the validation findings to a built record.
pub fn validate(built: &mut Built, registry: &Registry) {
    let cell = |f: Field| built.cells.get(&f).copied();
    let rec = &built.record;
    let mut out = Vec::new();
    let region = rec.region.as_deref().and_then(|n| registry.region_by_name(n));
    if let Some(id) = region {
        let own: Vec<String> =
            registry.tasks_of(id).into_iter().map(|(t, _)| registry.task(t).name.clone()).collect();
        for t in &rec.tasks {
            if !own.contains(t) {
                out.push(issue(
                    Rule::TaskNotRegion,
                    "tasks",
                    cell(Field::Tasks),
                    format!("试点任务“{t}”不是{}的试点任务", registry.region(id).name),
                ));
            }
        }
    }
    if !built.cells.contains_key(&Field::Region) {
        out.push(issue(Rule::RegionMissing, "region", None, "未找到试点地区".into()));
    }
    let name = rec.region.clone().unwrap_or_default();
    match rec.kind {
        FormKind::Progress => {
            match (rec.period, region) {
                (None, _) if !rec.issues.iter().any(|i| i.rule == Rule::PeriodInvalid) => out.push(issue(
                    Rule::PeriodMissing,
                    "period",
                    cell(Field::Period),
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
                            Rule::PeriodOutsideWindow,
                            "period",
                            cell(Field::Period),
                            format!("报告时间{}不在{name}的报送期{range}内", p.label_zh()),
                        ));
                    }
                }
                _ => {}
            }
            if rec.status == Some(Status::Behind) && rec.delay_reason.is_none() {
                out.push(issue(
                    Rule::DelayReasonMissing,
                    "delay_reason",
                    cell(Field::DelayReason).or(cell(Field::Status)),
                    "进度情况为“滞后”，但未填写进度滞后的原因".into(),
                ));
            }
            if !built.cells.contains_key(&Field::Status) {
                out.push(issue(Rule::StatusMissing, "status", None, "未找到进度情况".into()));
            }
            // A clerk who typed into a text box floating over the cell
            // leaves the cell empty: the office must hear of it.
            if rec.planned.is_none() {
                out.push(issue(
                    Rule::PlannedMissing,
                    "planned",
                    cell(Field::Planned),
                    "未填写月度工作安排（如写在了浮于表格上的文本框里，请改填到单元格中）".into(),
                ));
            }
            if rec.actual.is_none() {
                out.push(issue(
                    Rule::ActualMissing,
                    "actual",
                    cell(Field::Actual),
                    "未填写月度实际进展（如写在了浮于表格上的文本框里，请改填到单元格中）".into(),
                ));
            }
        }
        FormKind::Plan => {
            if let Some(id) = region {
                let have: Vec<_> = rec.schedule.iter().map(|e| e.period).collect();
                let missing: Vec<crate::Period> =
                    registry.plan_periods(id).into_iter().filter(|p| !have.contains(p)).collect();
                if let Some(first) = missing.first() {
                    // The row the first missing period belongs before, else
                    // the last row, else the schedule's header.
                    let place = rec
                        .schedule
                        .iter()
                        .position(|e| e.period > *first)
                        .or(rec.schedule.len().checked_sub(1))
                        .and_then(|i| built.schedule_cells.get(i).map(|c| c.0))
                        .or(built.schedule_header);
                    let names: Vec<String> = missing.iter().map(|p| p.label_zh()).collect();
                    out.push(issue(
                        Rule::ScheduleMonthMissing,
                        "schedule",
                        place,
                        format!("工作计划缺少以下时间的安排行：{}", names.join("、")),
                    ));
                }
                for p in registry.deadline_periods(id) {
                    if let Some(i) = rec.schedule.iter().position(|e| e.period == p) {
                        if rec.schedule[i].arrangement.is_none() {
                            out.push(issue(
                                Rule::ScheduleDeadlineEmpty,
                                "schedule",
                                built.schedule_cells.get(i).map(|c| c.1),
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
                        Rule::LeadTitle,
                        "lead.title",
                        cell(Field::Person(PersonRole::Lead, PersonPart::Title))
                            .or(cell(Field::Person(PersonRole::Lead, PersonPart::Name))),
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
                    Rule::ContactTitle,
                    "contact.title",
                    cell(Field::Person(PersonRole::Contact, PersonPart::Title))
                        .or(cell(Field::Person(PersonRole::Contact, PersonPart::Name))),
                    match t {
                        Some(t) => format!("联系人职务“{t}”不像责任处室领导（如处长、副处长、科长）"),
                        None => "未填写联系人职务，应为责任处室领导（如处长、副处长）".into(),
                    },
                )),
            }
        }
    }
    let unclear = rec.issues.iter().any(|i| i.rule == Rule::PersonUnclear && i.field == "contact");
    if rec.contact.name.is_none() && !unclear {
        out.push(issue(
            Rule::ContactNameMissing,
            "contact.name",
            cell(Field::Person(PersonRole::Contact, PersonPart::Name)),
            "未填写联系人姓名".into(),
        ));
    }
    // Lateness rests on the receipt date, known only once every file (and
    // the mail it came in) is read: see `current::receipt_findings`.
    if rec.submitted_on.is_none() && !rec.issues.iter().any(|i| i.rule == Rule::SubmittedOnInvalid) {
        out.push(issue(
            Rule::SubmittedOnMissing,
            "submitted_on",
            cell(Field::SubmittedOn),
            "未填写填报时间".into(),
        ));
    }
    built.record.issues.extend(out);
}
