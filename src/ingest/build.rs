//! Building a record from the values located on a sheet: each value goes
//! through its parser, and what cannot be read becomes an issue naming the
//! cell.

use std::collections::BTreeMap;

use crate::form::{Field, PersonPart, PersonRole};
use crate::ingest::locate::Located;
use crate::ingest::normalize::{self as n, StatusPick};
use crate::ingest::read::Value;
use crate::period::Period;
use crate::record::{FormKind, Issue, Record, ScheduleEntry, Severity, Source};
use crate::registry::{Registry, Resolution};
use crate::render::xlsx::a1;

/// A record with the cells its values came from, for the validator.
#[derive(Debug, Clone)]
pub struct Built {
    /// The record, issues from parsing included.
    pub record: Record,
    /// Field path → sheet position of its value.
    pub cells: BTreeMap<String, (u32, u32)>,
    /// Sheet position of each schedule row's period cell.
    pub schedule_cells: Vec<(u32, u32)>,
}

/// Makes an issue; `cell` is a sheet position.
pub fn issue(
    severity: Severity,
    rule: &str,
    field: &str,
    cell: Option<(u32, u32)>,
    message: String,
) -> Issue {
    let message = match cell {
        Some((r, _)) => format!("第{}行 {message}", r + 1),
        None => message,
    };
    Issue {
        severity,
        rule: rule.to_string(),
        field: field.to_string(),
        cell: cell.map(|(r, c)| a1(r, c as u16)),
        message,
        compared: None,
    }
}

/// Normalises located values into a record of `kind`.
pub fn build(kind: FormKind, located: &Located, registry: &Registry, source: Source) -> Built {
    let mut rec = Record::empty(kind, source);
    let mut cells = BTreeMap::new();
    let mut issues = Vec::new();
    for (field, slot) in &located.values {
        cells.insert(field.path(), slot.cell);
        let v: &Value = &slot.value;
        let at = Some(slot.cell);
        match field {
            Field::Region => {
                rec.region_raw = v.text().trim().to_string();
                match registry.resolve(&rec.region_raw) {
                    Resolution::Found(id) => rec.region = Some(registry.region(id).name.clone()),
                    Resolution::Unknown if rec.region_raw.is_empty() => issues.push(issue(
                        Severity::Error,
                        "region.missing",
                        "region",
                        at,
                        "未填写试点地区".into(),
                    )),
                    Resolution::Unknown => issues.push(issue(
                        Severity::Error,
                        "region.unknown",
                        "region",
                        at,
                        format!("试点地区“{}”不是试点地区名单中的地区", rec.region_raw),
                    )),
                    Resolution::Ambiguous(ids) => {
                        let names: Vec<&str> =
                            ids.iter().map(|&i| registry.region(i).name.as_str()).collect();
                        issues.push(issue(
                            Severity::Error,
                            "region.ambiguous",
                            "region",
                            at,
                            format!("试点地区“{}”同时对应{}，无法确定", rec.region_raw, names.join("、")),
                        ))
                    }
                }
            }
            Field::Tasks => {
                rec.tasks = registry
                    .find_tasks(&v.text())
                    .into_iter()
                    .map(|t| registry.task(t).name.clone())
                    .collect();
            }
            Field::Period => {
                rec.period = n::parse_month(v, None).map(Period::Month);
                // The blank form's "　　年　　月" is not a value.
                if rec.period.is_none() && v.text().chars().any(|c| c.is_ascii_digit() || c.is_numeric()) {
                    issues.push(issue(
                        Severity::Error,
                        "period.invalid",
                        "period",
                        at,
                        format!("时间“{}”无法识别为年月（应如 2017年4月）", v.text().trim()),
                    ));
                }
            }
            Field::Planned => rec.planned = n::free_text(v),
            Field::Actual => rec.actual = n::free_text(v),
            Field::DelayReason => rec.delay_reason = n::free_text(v),
            Field::Difficulties => rec.difficulties = n::free_text(v),
            Field::Division => rec.division = n::short_text(v),
            Field::Submitter => rec.submitter = n::short_text(v),
            Field::Status => match n::parse_status(v) {
                StatusPick::One(s) => rec.status = Some(s),
                StatusPick::None => issues.push(issue(
                    Severity::Error,
                    "status.missing",
                    "status",
                    at,
                    "进度情况未勾选（应在超前、如期、滞后中选择一项）".into(),
                )),
                StatusPick::Several => issues.push(issue(
                    Severity::Error,
                    "status.multiple",
                    "status",
                    at,
                    format!("进度情况勾选了多项（“{}”），只能选择一项", v.text().trim()),
                )),
            },
            Field::SubmittedOn => {
                rec.submitted_on = n::parse_date(v);
                if rec.submitted_on.is_none() && !v.is_blank() {
                    issues.push(issue(
                        Severity::Warning,
                        "submitted_on.invalid",
                        "submitted_on",
                        at,
                        format!("填报时间“{}”无法识别为日期（应如 2017年5月8日）", v.text().trim()),
                    ));
                }
            }
            Field::Person(role, part) => {
                let person = match role {
                    PersonRole::Lead => &mut rec.lead,
                    PersonRole::Contact => &mut rec.contact,
                    PersonRole::Handler => &mut rec.handler,
                };
                let phone = match part {
                    PersonPart::Name if kind == FormKind::Progress => {
                        let (name, phone) = n::name_and_phone(v);
                        person.name = name;
                        phone
                    }
                    PersonPart::Name => {
                        person.name = n::name(v);
                        None
                    }
                    PersonPart::Title => {
                        person.title = n::short_text(v);
                        None
                    }
                    PersonPart::Phone => n::parse_phone(v),
                };
                match phone {
                    Some(Ok(p)) => person.phone = Some(p),
                    Some(Err(raw)) => {
                        person.phone = Some(raw.clone());
                        issues.push(issue(
                            Severity::Warning,
                            "phone.invalid",
                            &field.path().replace(".name", ".phone"),
                            at,
                            format!("联系方式“{raw}”不像手机号（11位）或座机号（区号-号码）"),
                        ));
                    }
                    None => {}
                }
            }
            Field::SchedulePeriod | Field::ScheduleArrangement => {}
        }
    }
    let first_year = registry.settings.first_year;
    let mut schedule_cells = Vec::new();
    for row in &located.schedule {
        match n::parse_schedule_period(&row.period.value, first_year) {
            Some(p) => {
                rec.schedule
                    .push(ScheduleEntry { period: p, arrangement: n::free_text(&row.arrangement.value) });
                schedule_cells.push(row.period.cell);
            }
            None => issues.push(issue(
                Severity::Error,
                "schedule.period_invalid",
                "schedule",
                Some(row.period.cell),
                format!("计划时间“{}”无法识别为年月或年份", row.period.value.text().trim()),
            )),
        }
    }
    rec.issues = issues;
    Built { record: rec, cells, schedule_cells }
}
