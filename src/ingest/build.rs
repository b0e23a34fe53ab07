//! Building a record from the values located on a sheet: each value goes
//! through its reader in [`normalize`](crate::ingest::normalize), and what
//! cannot be read becomes an issue naming the input cell the clerk must
//! change.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::form::{Field, PersonPart, PersonRole};
use crate::ingest::locate::Located;
use crate::ingest::normalize::{self as n, DateSystem, StatusPick, StatusWords};
use crate::ingest::read::Value;
use crate::period::{Period, YearMonth};
use crate::record::{CellRef, FormKind, Issue, Record, Rule, ScheduleEntry, Source, Status};
use crate::registry::{Registry, Resolution};
use crate::text::compact;

/// Free text longer than this many characters is cut (the default of
/// [`Context::max_text_chars`]).
pub const MAX_TEXT_CHARS: usize = 20_000;

/// What building a record needs besides the located values: prepared once
/// per run, and the date system per workbook.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The registry (regions, windows, first year).
    pub registry: &'a Registry,
    /// The form's status words, from its template.
    pub status: &'a StatusWords,
    /// The workbook's date system, for numbers read as dates.
    pub dates: DateSystem,
    /// Text values longer than this many characters are cut, with a
    /// `text.truncated` warning.
    pub max_text_chars: usize,
}

/// A record with the cells its values came from, for the validator.
#[derive(Debug, Clone)]
pub struct Built {
    /// The record, issues from parsing included.
    pub record: Record,
    /// Field → the input cell of its value (or where the value belongs).
    pub cells: BTreeMap<Field, CellRef>,
    /// Per entry of `record.schedule`: its period cell and arrangement cell.
    pub schedule_cells: Vec<(CellRef, CellRef)>,
    /// The schedule's 时间 header, when found.
    pub schedule_header: Option<CellRef>,
}

impl Built {
    /// True when nothing a clerk fills in is filled: the form as `generate`
    /// wrote it (region, tasks and month are pre-filled).
    pub fn untouched(&self) -> bool {
        let r = &self.record;
        r.status.is_none()
            && [&r.planned, &r.actual, &r.delay_reason, &r.difficulties, &r.division, &r.submitter]
                .iter()
                .all(|v| v.is_none())
            && r.lead.is_empty()
            && r.contact.is_empty()
            && r.handler.is_empty()
            && r.submitted_on.is_none()
            && r.schedule.iter().all(|e| e.arrangement.is_none())
            && !r.issues.iter().any(|i| matches!(i.rule, Rule::StatusMultiple | Rule::StatusAmbiguous))
    }
}

/// Makes an issue of `rule` (severity from the rule); the message starts
/// with the row number when a cell is named.
pub fn issue(rule: Rule, field: &str, cell: Option<CellRef>, message: String) -> Issue {
    let message = match cell {
        Some(c) => format!("第{}行 {message}", c.row + 1),
        None => message,
    };
    Issue::new(rule, field, cell, message)
}

fn at(pos: (u32, u32)) -> CellRef {
    CellRef::at(pos.0, pos.1)
}

/// Cuts `text` to `max` characters with a visible note of the full length,
/// adding a `text.truncated` warning.
fn cap(
    text: Option<String>,
    max: usize,
    field: &str,
    cell: CellRef,
    issues: &mut Vec<Issue>,
) -> Option<String> {
    let t = text?;
    // Bytes bound characters from above: most values skip the count.
    if t.len() <= max {
        return Some(t);
    }
    let total = t.chars().count();
    if total <= max {
        return Some(t);
    }
    let mut cut: String = t.chars().take(max).collect();
    cut.push_str(&format!("…（以下略，原文共 {total} 字）"));
    issues.push(issue(
        Rule::TextTruncated,
        field,
        Some(cell),
        format!("内容过长（共 {total} 字），只读取了前 {max} 字，请精简后重新报送"),
    ));
    Some(cut)
}

/// A month list in words: `2017年1月或2017年10月`.
fn either(months: &[YearMonth]) -> String {
    months.iter().map(|m| m.label_zh()).collect::<Vec<_>>().join("或")
}

/// True when a month cell holds more than the blank form's `年　月`.
fn has_content(v: &Value) -> bool {
    !compact(&v.text()).chars().all(|c| c == '年' || c == '月')
}

/// Normalises located values into a record of `kind`.
pub fn build(kind: FormKind, located: &Located, ctx: &Context, source: Source) -> Built {
    let registry = ctx.registry;
    let max = ctx.max_text_chars;
    let mut rec = Record::empty(kind, source);
    let mut cells = BTreeMap::new();
    let mut issues = Vec::new();
    let mut region_id = None;
    let mut yearless: Option<(Value, CellRef)> = None;
    for (field, slot) in &located.values {
        let cell = at(slot.cell);
        cells.insert(*field, cell);
        let v: &Value = &slot.value;
        let path = field.path();
        let text = |s: Option<String>, issues: &mut Vec<Issue>| cap(s, max, &path, cell, issues);
        match field {
            Field::Region => {
                rec.region_raw = text(n::short_text(v), &mut issues).unwrap_or_default();
                match registry.resolve(&rec.region_raw) {
                    Resolution::Found(id) => {
                        region_id = Some(id);
                        rec.region = Some(registry.region(id).name.clone());
                    }
                    Resolution::Unknown if rec.region_raw.is_empty() => {
                        issues.push(issue(Rule::RegionMissing, "region", Some(cell), "未填写试点地区".into()))
                    }
                    Resolution::Unknown => issues.push(issue(
                        Rule::RegionUnknown,
                        "region",
                        Some(cell),
                        format!("试点地区“{}”不是试点地区名单中的地区", rec.region_raw),
                    )),
                    Resolution::Ambiguous(ids) => {
                        let names: Vec<&str> =
                            ids.iter().map(|&i| registry.region(i).name.as_str()).collect();
                        issues.push(issue(
                            Rule::RegionAmbiguous,
                            "region",
                            Some(cell),
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
                let cands = n::parse_month(v, None, ctx.dates);
                let window = region_id.map(|id| registry.progress_months(id)).unwrap_or_default();
                match n::pick_month(&cands, |m| window.contains(&m)) {
                    Ok(m) => rec.period = Some(Period::Month(m)),
                    // The blank form's "　　年　　月" is not a value.
                    Err(c) if c.is_empty() && !has_content(v) => {}
                    Err(c) if c.is_empty() => issues.push(issue(
                        Rule::PeriodInvalid,
                        "period",
                        Some(cell),
                        format!("时间“{}”无法识别为年月（应如 2017年4月）", v.text().trim()),
                    )),
                    Err(c) => issues.push(issue(
                        Rule::PeriodInvalid,
                        "period",
                        Some(cell),
                        format!(
                            "时间“{}”可能是{}，无法确定（请写成“{}”这样的文字）",
                            v.text().trim(),
                            either(&c),
                            c.last().map(|m| m.label_zh()).unwrap_or_default()
                        ),
                    )),
                }
            }
            Field::Planned => rec.planned = text(n::free_text(v), &mut issues),
            Field::Actual => rec.actual = text(n::free_text(v), &mut issues),
            Field::DelayReason => rec.delay_reason = text(n::free_text(v), &mut issues),
            Field::Difficulties => rec.difficulties = text(n::free_text(v), &mut issues),
            Field::Division => rec.division = text(n::short_text(v), &mut issues),
            Field::Submitter => rec.submitter = text(n::submitter(v), &mut issues),
            Field::Status => {
                let words = || Status::ALL.map(|s| ctx.status.word(s)).join("、");
                match ctx.status.read(v) {
                    StatusPick::One(s) => rec.status = Some(s),
                    StatusPick::None => issues.push(issue(
                        Rule::StatusMissing,
                        "status",
                        Some(cell),
                        format!("进度情况未勾选（应在{}中选择一项）", words()),
                    )),
                    StatusPick::Several => issues.push(issue(
                        Rule::StatusMultiple,
                        "status",
                        Some(cell),
                        format!("进度情况勾选了多项（“{}”），只能选择一项", v.text().trim()),
                    )),
                    StatusPick::Ambiguous => issues.push(issue(
                        Rule::StatusAmbiguous,
                        "status",
                        Some(cell),
                        format!(
                            "进度情况“{}”无法确定选择的是哪一项（请只在{}中的一项旁打√）",
                            v.text().trim(),
                            words()
                        ),
                    )),
                }
            }
            Field::SubmittedOn => {
                rec.submitted_on = n::parse_date(v, ctx.dates);
                if rec.submitted_on.is_none() && n::month_day(v).is_some() {
                    // The year follows from the form's period, once known.
                    yearless = Some((v.clone(), cell));
                } else if rec.submitted_on.is_none() && !v.is_blank() {
                    issues.push(issue(
                        Rule::SubmittedOnInvalid,
                        "submitted_on",
                        Some(cell),
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
                // Parts are visited name, title, phone: a separate title or
                // phone cell that is filled wins over one written beside the name.
                let phone = match part {
                    PersonPart::Name => {
                        let c = n::person_cell(v);
                        person.name = text(c.name, &mut issues);
                        if let Some(why) = &c.unclear {
                            let (field, who) = match role {
                                PersonRole::Lead => ("lead", "总负责人"),
                                PersonRole::Contact => ("contact", "联系人"),
                                PersonRole::Handler => ("handler", "经办人"),
                            };
                            issues.push(issue(
                                Rule::PersonUnclear,
                                field,
                                Some(cell),
                                format!("{who}“{}”：{why}，请只填写一人的姓名和电话", v.text().trim()),
                            ));
                        }
                        if let Some(t) = c.title {
                            person.title = text(Some(t), &mut issues);
                        }
                        c.phone
                    }
                    PersonPart::Title => {
                        if let Some(t) = n::short_text(v) {
                            person.title = text(Some(t), &mut issues);
                        }
                        None
                    }
                    PersonPart::Phone => n::parse_phone(v),
                };
                match phone {
                    Some(Ok(p)) => person.phone = Some(p),
                    Some(Err(raw)) => {
                        person.phone = text(Some(raw.clone()), &mut issues);
                        let field = match role {
                            PersonRole::Lead => "lead.phone",
                            PersonRole::Contact => "contact.phone",
                            PersonRole::Handler => "handler.phone",
                        };
                        issues.push(issue(
                            Rule::PhoneInvalid,
                            field,
                            Some(cell),
                            format!("联系方式“{raw}”不像手机号（11位）或座机号（区号-号码）"),
                        ));
                    }
                    None => {}
                }
            }
            Field::SchedulePeriod | Field::ScheduleArrangement => {}
        }
    }
    if let Some((v, cell)) = yearless {
        let md = n::month_day(&v);
        rec.submitted_on = md.and_then(|md| match (kind, rec.period.and_then(|p| p.as_month())) {
            (FormKind::Progress, Some(m)) => n::day_in_period(md, m),
            (FormKind::Plan, _) => {
                let due = registry.settings.plan_due;
                [due.year(), due.year() - 1]
                    .into_iter()
                    .filter_map(|y| NaiveDate::from_ymd_opt(y, md.0, md.1))
                    .find(|d| (*d - due).num_days().abs() <= 100)
            }
            _ => None,
        });
        if rec.submitted_on.is_none() {
            issues.push(issue(
                Rule::SubmittedOnInvalid,
                "submitted_on",
                Some(cell),
                format!("填报时间“{}”未写年份，无法由报告时间确定年份，请写明年月日", v.text().trim()),
            ));
        }
    }
    let first_year = registry.settings.first_year;
    let window = region_id.map(|id| registry.plan_periods(id));
    let mut schedule_cells = Vec::new();
    for row in &located.schedule {
        let cell = at(row.period.cell);
        let written = row.period.value.text().trim().to_string();
        let cands = n::parse_schedule_period(&row.period.value, first_year, ctx.dates);
        let inside = |p: &Period| window.as_ref().is_none_or(|w| w.contains(p));
        let picked = match cands.as_slice() {
            [p] => Ok(*p),
            [] => Err(format!("计划时间“{written}”无法识别为年月或年份")),
            _ => {
                let fit: Vec<Period> = cands.iter().copied().filter(|p| inside(p)).collect();
                match fit.as_slice() {
                    [p] => Ok(*p),
                    _ => {
                        let months: Vec<YearMonth> = cands.iter().filter_map(|p| p.as_month()).collect();
                        Err(format!("计划时间“{written}”可能是{}，无法确定", either(&months)))
                    }
                }
            }
        };
        let p = match picked {
            Ok(p) => p,
            Err(message) => {
                issues.push(issue(Rule::SchedulePeriodInvalid, "schedule", Some(cell), message));
                continue;
            }
        };
        if !inside(&p) {
            let name = rec.region.clone().unwrap_or_default();
            issues.push(issue(
                Rule::SchedulePeriodOutsideWindow,
                "schedule",
                Some(cell),
                format!("计划时间“{written}”（{}）不在{name}的试点计划时间范围内", p.label_zh()),
            ));
        }
        if rec.schedule.iter().any(|e| e.period == p) {
            issues.push(issue(
                Rule::SchedulePeriodRepeated,
                "schedule",
                Some(cell),
                format!("计划时间“{written}”（{}）与前面的行重复", p.label_zh()),
            ));
            continue;
        }
        let arrangement_cell = at(row.arrangement.cell);
        let arrangement =
            cap(n::free_text(&row.arrangement.value), max, "schedule", arrangement_cell, &mut issues);
        rec.schedule.push(ScheduleEntry { period: p, arrangement });
        let i = rec.schedule.len() - 1;
        schedule_provenance(&mut rec, i, cell, arrangement_cell);
        schedule_cells.push((cell, arrangement_cell));
    }
    rec.issues = issues;
    field_provenance(&mut rec, &cells);
    Built { record: rec, cells, schedule_cells, schedule_header: located.schedule_header.map(at) }
}

/// Records the cells of schedule row `i` in `rec.cells`
/// (`schedule[i].period`, `schedule[i].arrangement`).
fn schedule_provenance(rec: &mut Record, i: usize, period: CellRef, arrangement: CellRef) {
    rec.cells.insert(format!("schedule[{i}].period"), period.to_string());
    rec.cells.insert(format!("schedule[{i}].arrangement"), arrangement.to_string());
}

/// Records the cell of every single-valued field read in `rec.cells`. On
/// 附3 a phone written beside the name (`王强 13811112222`) comes from the
/// name's cell.
fn field_provenance(rec: &mut Record, cells: &BTreeMap<Field, CellRef>) {
    for (field, cell) in cells {
        rec.cells.insert(field.path(), cell.to_string());
    }
    for (role, person) in [("lead", &rec.lead), ("contact", &rec.contact), ("handler", &rec.handler)] {
        let phone = format!("{role}.phone");
        if person.phone.is_some() && !rec.cells.contains_key(&phone) {
            if let Some(at) = rec.cells.get(&format!("{role}.name")).cloned() {
                rec.cells.insert(phone, at);
            }
        }
    }
}
