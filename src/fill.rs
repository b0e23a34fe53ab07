//! Filling a laid-out form with values, as a region would before returning
//! it. rust_xlsxwriter cannot edit a workbook, so a "filled return" is the
//! form written again from its grid with text in the input cells. Used by the
//! tests, the benchmarks and the demo samples.

use std::collections::BTreeMap;

use crate::form::layout::choice_text;
use crate::form::{CellKind, Field, Grid, PersonPart, PersonRole};
use crate::period::{Period, YearMonth};
use crate::record::{FormKind, Record, Status};
use crate::registry::{RegionId, RegionKind, Registry};

/// Values to put into a form's cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FillValues {
    /// Text per field, for the single cells. A value here also replaces a
    /// pre-filled cell (to write a region name differently, say).
    pub values: BTreeMap<Field, String>,
    /// 试点任务安排 per schedule row, top to bottom (附2).
    pub schedule: Vec<String>,
}

/// Puts `values` into the cells of `grid` that feed their fields, then lays
/// the grid out again (rows grow to the text; a 附2 may run over pages).
/// A status value is shown among the boxed choices it was picked from
/// (`□超前　■如期　□滞后`), as the xlsx dropdown writes it.
pub fn fill_grid(grid: &mut Grid, values: &FillValues) {
    let mut row = 0;
    for cell in &mut grid.cells {
        let Some(field) = cell.field else { continue };
        if field == Field::ScheduleArrangement {
            if let Some(text) = values.schedule.get(row) {
                cell.text = text.clone();
            }
            row += 1;
        } else if let Some(text) = values.values.get(&field) {
            if cell.kind == CellKind::Input || !text.is_empty() {
                cell.text = if cell.choices.iter().any(|c| c == text) {
                    choice_text(&cell.choices, Some(text))
                } else {
                    text.clone()
                };
            }
        }
    }
    grid.relayout();
}

impl FillValues {
    /// The values of a record as a clerk would type them into the form, the
    /// inverse of ingest: dates as `2017年5月8日`, the status word, on 附3 a
    /// person's phone after the name (`王强 13811112222`). `rows` are the
    /// periods of the form's schedule rows, top to bottom; each row gets the
    /// arrangement of the record's entry for that period (empty when none).
    /// Region and tasks are left to the form's pre-fill unless the record
    /// differs from it.
    pub fn from_record(record: &Record, rows: &[Period]) -> FillValues {
        use PersonPart::*;
        use PersonRole::*;
        let mut v = BTreeMap::new();
        let mut put = |f: Field, s: Option<String>| {
            if let Some(s) = s {
                v.insert(f, s);
            }
        };
        put(Field::Region, Some(record.region.clone().unwrap_or_else(|| record.region_raw.clone())));
        put(Field::Period, record.period.map(Period::label_zh));
        put(Field::Planned, record.planned.clone());
        put(Field::Actual, record.actual.clone());
        put(Field::Status, record.status.map(|s| s.label_zh().to_string()));
        put(Field::DelayReason, record.delay_reason.clone());
        put(Field::Difficulties, record.difficulties.clone());
        put(Field::Division, record.division.clone());
        put(Field::Submitter, record.submitter.clone());
        put(Field::SubmittedOn, record.submitted_on.map(|d| d.format("%Y年%-m月%-d日").to_string()));
        for (role, p) in [(Lead, &record.lead), (Contact, &record.contact), (Handler, &record.handler)] {
            match record.kind {
                FormKind::Plan => {
                    put(Field::Person(role, Name), p.name.clone());
                    put(Field::Person(role, Title), p.title.clone());
                    put(Field::Person(role, Phone), p.phone.clone());
                }
                FormKind::Progress => {
                    let joined = match (&p.name, &p.phone) {
                        (Some(n), Some(ph)) => Some(format!("{n} {ph}")),
                        (n, ph) => n.clone().or_else(|| ph.clone()),
                    };
                    put(Field::Person(role, Name), joined);
                }
            }
        }
        let schedule = rows
            .iter()
            .map(|p| {
                record
                    .schedule
                    .iter()
                    .find(|e| e.period == *p)
                    .and_then(|e| e.arrangement.clone())
                    .unwrap_or_default()
            })
            .collect();
        FillValues { values: v, schedule }
    }
}

const SURNAMES: &[char] =
    &['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '胡', '朱', '高'];
const GIVEN: &[&str] =
    &["芳", "强", "伟", "敏", "静", "磊", "洋", "艳", "军", "杰", "娟", "涛", "明", "超", "霞", "建国"];

/// A deterministic name for `seed`.
pub fn sample_name(seed: u64) -> String {
    let s = SURNAMES[(seed % SURNAMES.len() as u64) as usize];
    let g = GIVEN[((seed / SURNAMES.len() as u64) % GIVEN.len() as u64) as usize];
    format!("{s}{g}")
}

/// Realistic, deterministic values for one form: the people, phones (mobile
/// and landline), multi-line free text, a status with its reason, a 填报时间
/// before the due day. `seed` makes different forms differ.
pub fn sample_values(
    registry: &Registry,
    kind: FormKind,
    region: RegionId,
    period: Option<YearMonth>,
    seed: u64,
) -> FillValues {
    use PersonPart::*;
    use PersonRole::*;
    let r = registry.region(region);
    let mut v = BTreeMap::new();
    let lead_title = match r.kind {
        RegionKind::Provincial => ["副厅长", "副局长", "巡视员"][(seed % 3) as usize],
        RegionKind::Municipal => ["局长", "主任"][(seed % 2) as usize],
    };
    let mobile = |k: u64| format!("13{:09}", (seed * 7919 + k * 104_729) % 1_000_000_000);
    let landline = |k: u64| format!("0311-{:08}", 80_000_000 + (seed * 31 + k) % 10_000_000);
    let division = "水环境管理处".to_string();
    v.insert(Field::Division, division);
    v.insert(Field::Submitter, format!("{}环境保护厅", r.name));
    match kind {
        FormKind::Plan => {
            v.insert(Field::Person(Lead, Name), sample_name(seed));
            v.insert(Field::Person(Lead, Title), lead_title.to_string());
            v.insert(Field::Person(Lead, Phone), landline(1));
            v.insert(Field::Person(Contact, Name), sample_name(seed + 1));
            v.insert(Field::Person(Contact, Title), ["处长", "副处长"][(seed % 2) as usize].to_string());
            v.insert(Field::Person(Contact, Phone), mobile(2));
            v.insert(Field::Person(Handler, Name), sample_name(seed + 2));
            v.insert(Field::Person(Handler, Title), "主任科员".to_string());
            v.insert(Field::Person(Handler, Phone), mobile(3));
            v.insert(Field::SubmittedOn, format!("2017年3月{}日", 20 + seed % 10));
        }
        FormKind::Progress => {
            let month = period.unwrap_or(YearMonth { year: 2017, month: 4 });
            let status = Status::ALL[(seed % 3) as usize];
            v.insert(
                Field::Planned,
                format!("{}：组织企业申报。\n召开第{}次培训会。", month.label_zh(), seed % 9 + 1),
            );
            v.insert(
                Field::Actual,
                format!("已完成{}家企业的核发。\n第{}批材料审核中。", seed % 50 + 1, seed % 7 + 1),
            );
            v.insert(Field::Status, status.label_zh().to_string());
            if status == Status::Behind {
                v.insert(Field::DelayReason, "企业申报材料不完整，\n需退回补充。".to_string());
            }
            if seed.is_multiple_of(2) {
                v.insert(Field::Difficulties, "技术规范尚未印发，请部里尽快明确。".to_string());
            }
            v.insert(Field::Person(Lead, Name), sample_name(seed));
            v.insert(Field::Person(Contact, Name), format!("{} {}", sample_name(seed + 1), mobile(2)));
            v.insert(Field::Person(Handler, Name), sample_name(seed + 2));
            let due = registry.progress_due(month);
            v.insert(
                Field::SubmittedOn,
                format!("{}年{}月{}日", due.format("%Y"), due.format("%-m"), 1 + seed % 9),
            );
        }
    }
    let schedule = match kind {
        FormKind::Plan => registry
            .plan_periods(region)
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{}：完成第{}阶段工作。\n落实责任分工。", p.label_zh(), i + 1))
            .collect(),
        FormKind::Progress => Vec::new(),
    };
    FillValues { values: v, schedule }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{layout, FormInstance};
    use crate::templates::Templates;

    #[test]
    fn fills_inputs_and_schedule_rows() {
        let t = Templates::embedded().unwrap();
        let (id, _) = t.registry.regions().next().unwrap();
        let mut g = layout(&t.plan, &t.registry, FormInstance { region: Some(id), period: None });
        let vals = sample_values(&t.registry, FormKind::Plan, id, None, 3);
        fill_grid(&mut g, &vals);
        let name = g.cell_of(Field::Person(PersonRole::Lead, PersonPart::Name)).unwrap();
        assert_eq!(name.text, sample_name(3));
        let rows: Vec<_> = g.cells.iter().filter(|c| c.field == Some(Field::ScheduleArrangement)).collect();
        assert_eq!(rows.len(), vals.schedule.len());
        assert_eq!(rows[0].text, vals.schedule[0]);
    }
}
