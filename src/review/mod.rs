//! The one review view of the records as of a date: typed rows whose cells
//! carry their text and their [`Category`]. Every decision about what the
//! office reads — plan and month words, milestone outcomes, the chase rows,
//! counts, colours, legend — is made here, once; the workbook
//! ([`crate::consolidate`]) and the report ([`crate::report`], PDF and docx)
//! only render it.
//!
//! [`run`] is the `review` verb: ingest, workbook, report and letters of one
//! month in one dated folder.

mod category;
mod ledger;
mod run;
mod trace;

pub use category::Category;
pub use ledger::{LookBack, LOOK_BACK_SHEET};
pub use run::{run, run_with, Attention, ReviewError, ReviewOptions, ReviewOutputs};
pub use trace::{correction_rows, CorrectionKind, CorrectionRow, FindingRow, Provenance};

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::crosscheck::{self, Correction};
use crate::doc::{BarChart, Series};
use crate::period::{Period, YearMonth};
use crate::record::{FormKind, Person, Record, Status};
use crate::registry::{Registry, Role};
use crate::templates::Templates;
use crate::text::writable;
use crate::tracking::{self, Outcome, PersonRole, State, Tracking};

/// Longest free text (进展, 原因, 困难) the review carries into the report;
/// longer text is cut with a note (the workbook's record sheets keep up to
/// the xlsx cell limit).
pub const REPORT_TEXT_MAX: usize = 2000;

/// One cell of the review: what it says and how it is counted and coloured
/// (`None`: plain text).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cell {
    /// The text shown.
    pub text: String,
    /// The category, when the cell is a judgement.
    pub category: Option<Category>,
    /// Where the value came from, when it was read from a record.
    pub source: Option<Provenance>,
}

impl Cell {
    /// A plain text cell.
    pub fn plain(text: impl Into<String>) -> Self {
        Cell { text: text.into(), category: None, source: None }
    }

    /// A judgement cell.
    pub fn of(text: impl Into<String>, category: Category) -> Self {
        Cell { text: text.into(), category: Some(category), source: None }
    }

    /// The same cell, traced to `source`.
    pub fn from(self, source: Option<Provenance>) -> Self {
        Cell { source, ..self }
    }
}

/// The matrix cell of a monthly report: `超前`, `如期`, `滞后`, `未勾选`,
/// `勾选有误`, `状态无法识别`, `迟报(如期)` …, `未报`, or blank when not yet due.
pub fn month_cell(state: State) -> Cell {
    let cat = Category::of(state);
    let text = match state {
        State::NotDue => String::new(),
        State::Missing => Category::Missing.label_zh().into(),
        State::Reported { tick, late: true } => {
            format!("{}({})", Category::Late.label_zh(), Category::of_tick(tick).label_zh())
        }
        State::Reported { .. } => cat.label_zh().into(),
    };
    Cell::of(text, cat)
}

/// The matrix cell of the work plan: `已报`, `迟报`, `未报`, or blank.
pub fn plan_cell(state: State) -> Cell {
    match state {
        State::NotDue => Cell::of("", Category::NotDue),
        State::Missing => Cell::of("未报", Category::Missing),
        State::Reported { late: true, .. } => Cell::of("迟报", Category::Late),
        State::Reported { .. } => Cell::of("已报", Category::Received),
    }
}

/// The cell of a milestone: judged from the tick of the milestone month's
/// progress report, and saying so (据进展表), since the forms report a
/// status, not the milestone itself.
pub fn milestone_cell(o: Outcome) -> Cell {
    match o {
        Outcome::Met => Cell::of("已达成（据进展表）", Category::Met),
        Outcome::NotMet => Cell::of("未达成（据进展表，滞后）", Category::NotMet),
        Outcome::Unknown(tick) => {
            let c = Category::of_tick(tick);
            Cell::of(format!("无法判断（{}）", c.label_zh()), c)
        }
        Outcome::Missing => Cell::of("未报", Category::Missing),
        Outcome::NotDue => Cell::of("未到期", Category::NotDue),
        Outcome::NotApplicable => Cell::plain("—"),
    }
}

/// One region's row of the status matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionRow {
    /// Canonical name.
    pub region: String,
    /// The work plan (附2).
    pub plan: Cell,
    /// One cell per [`Review::months`]; `—` where the region does not report.
    pub months: Vec<Cell>,
}

/// The count of each category in one month, with the regions in each.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthCount {
    /// The reporting month.
    pub month: YearMonth,
    /// Its due day.
    pub due: NaiveDate,
    /// Regions per category, in registry order (every category present, maybe empty).
    pub regions: BTreeMap<Category, Vec<String>>,
}

impl MonthCount {
    /// How many regions fall in `c`.
    pub fn count(&self, c: Category) -> usize {
        self.regions.get(&c).map_or(0, Vec::len)
    }

    /// Regions that report on the month.
    pub fn total(&self) -> usize {
        self.regions.values().map(Vec::len).sum()
    }
}

/// One region of one task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    /// Task name.
    pub task: String,
    /// Region name.
    pub region: String,
    /// 牵头 / 参与 / empty.
    pub role: String,
    /// The latest month due (or reported): `2017年4月：未报`, with its category.
    pub current: Cell,
    /// 月度实际进展 of the latest report received (cut to [`REPORT_TEXT_MAX`]).
    pub latest_actual: String,
    /// One cell per milestone of the task.
    pub milestones: Vec<Cell>,
}

/// The milestones of one or more tasks that share them, said once.
#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneNote {
    /// The tasks.
    pub tasks: Vec<String>,
    /// `①2017年3月31日前：…；②…`
    pub text: String,
}

/// A report's free text of one kind (滞后原因, 困难和支持).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Region name.
    pub region: String,
    /// Reporting month.
    pub month: YearMonth,
    /// The text (cut to [`REPORT_TEXT_MAX`]).
    pub text: String,
    /// 月度实际进展 of the same report (cut likewise).
    pub actual: String,
    /// The cell the text was read from.
    pub source: Provenance,
}

/// A report to chase (未报) or to note as late (迟报).
#[derive(Debug, Clone, PartialEq)]
pub struct ChaseRow {
    /// Region name.
    pub region: String,
    /// `附2 工作计划` or `附3 2017年4月`.
    pub form: String,
    /// The reporting month; `None` for the work plan.
    pub month: Option<YearMonth>,
    /// Due day.
    pub due: NaiveDate,
    /// `未报`, or `迟报` and the day it came (`迟报\n2017-05-12 收到`); category Missing or Late.
    pub state: Cell,
    /// The region's 联系人.
    pub contact: Person,
    /// The region's 经办人.
    pub handler: Person,
}

impl ChaseRow {
    /// Whether it is still missing (to chase) rather than received late.
    pub fn missing(&self) -> bool {
        self.state.category == Some(Category::Missing)
    }
}

/// One person of a region's directory.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactRow {
    /// Region name.
    pub region: String,
    /// 总负责人 / 联系人 / 经办人.
    pub role: &'static str,
    /// Name, title (taken from the 附2 when the 附3 gives only a name), phone.
    pub person: Person,
    /// The form the name came from (`附3 2017年4月`).
    pub source: String,
    /// Its 填报时间.
    pub submitted_on: Option<NaiveDate>,
}

/// One period of a region's work plan (附2) against its time nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    /// Region name.
    pub region: String,
    /// The plan's state: `已报（2017-03-30）`, `未报`, `未到期`, ….
    pub state: String,
    /// The schedule row's period.
    pub period: Period,
    /// The region's time nodes in that period, one line each (`任务：节点`).
    pub deadlines: String,
    /// 试点任务安排 the plan gives for the period (empty when none).
    pub arrangement: String,
    /// What is wrong with the row, with its category (Missing): the plan
    /// lacks the period, or gives no arrangement (at a time node or not).
    pub problem: Cell,
}

/// The review as of a date.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// The as-of date.
    pub as_of: NaiveDate,
    /// Day of month M+1 a month M report is due.
    pub due_day: u32,
    /// The work plan's due date.
    pub plan_due: NaiveDate,
    /// Regions that have sent the work plan by the date.
    pub plans_received: usize,
    /// The months shown (ended by the date, or reported on).
    pub months: Vec<YearMonth>,
    /// The latest month whose report was due before the date.
    pub focus: Option<YearMonth>,
    /// The status matrix, one row per region in registry order.
    pub matrix: Vec<RegionRow>,
    /// Counts per shown month.
    pub counts: Vec<MonthCount>,
    /// Every region's work plan by period, regions in registry order.
    pub plans: Vec<PlanRow>,
    /// Every task's regions, in registry order.
    pub tasks: Vec<TaskRow>,
    /// Milestone texts, once per set of tasks sharing them.
    pub milestone_notes: Vec<MilestoneNote>,
    /// Reports received that tick 滞后, with the reason.
    pub behind: Vec<Entry>,
    /// Reports received that state difficulties.
    pub difficulties: Vec<Entry>,
    /// 未报 rows first, then 迟报, each by region then month.
    pub chase: Vec<ChaseRow>,
    /// The contact directory.
    pub contacts: Vec<ContactRow>,
    /// Every finding of every record (superseded versions too), regions in
    /// registry order, then month, then file.
    pub findings: Vec<FindingRow>,
    /// What each resubmission changed, compared with the version before it
    /// (`crosscheck::corrections` of the records); the workbook's 更正记录
    /// shows it as [`correction_rows`]. Shared, so that the workbook can
    /// start on it while the rest of the review is built.
    pub corrections: Arc<[Correction]>,
    /// The regions to look back at (回头看), once the ledger is applied
    /// ([`Review::apply_ledger`]); empty before.
    pub look_back: Vec<LookBack>,
}

/// The rows of every region's work plan against its time nodes.
fn plan_rows(reg: &Registry, tr: &Tracking) -> Vec<PlanRow> {
    let mut rows = Vec::new();
    for rt in &tr.regions {
        let cell = plan_cell(rt.plan.state);
        let state = match (rt.plan.state, rt.plan.first_submitted) {
            (State::Reported { .. }, Some(d)) => format!("{}（{d}）", cell.text),
            (State::NotDue, _) => Category::NotDue.label_zh().into(),
            _ => cell.text,
        };
        let deadlines: BTreeMap<Period, Vec<String>> =
            reg.milestones_of(rt.region).into_iter().fold(BTreeMap::new(), |mut acc, (tid, m)| {
                acc.entry(m.period).or_default().push(format!("{}：{}", reg.task(tid).name, m.describe()));
                acc
            });
        for period in reg.plan_periods(rt.region) {
            let entry = rt.plan.record.and_then(|r| r.schedule.iter().find(|e| e.period == period));
            let arrangement = entry.and_then(|e| e.arrangement.as_deref()).unwrap_or("");
            let deadlines = deadlines.get(&period).map(|v| v.join("\n")).unwrap_or_default();
            let problem = match (rt.plan.record, entry) {
                (None, _) => "",
                (Some(_), None) => "缺少该时间行",
                (Some(_), Some(_)) if !deadlines.is_empty() && arrangement.trim().is_empty() => {
                    "时间节点无安排"
                }
                (Some(_), Some(_)) if arrangement.trim().is_empty() => "无安排",
                _ => "",
            };
            rows.push(PlanRow {
                region: rt.name.clone(),
                state: state.clone(),
                period,
                deadlines,
                arrangement: arrangement.to_string(),
                problem: if problem.is_empty() {
                    Cell::plain("")
                } else {
                    Cell::of(problem, Category::Missing)
                },
            });
        }
    }
    rows
}

fn cut(s: &str) -> String {
    writable(s, REPORT_TEXT_MAX).into_owned()
}

/// `2017年5月11日`
pub fn date_zh(d: NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

/// ①②③… for milestone numbers.
pub fn circled(i: usize) -> String {
    char::from_u32(0x2460 + i as u32).filter(|_| i < 20).map_or_else(|| format!("({})", i + 1), String::from)
}

impl Review {
    /// Builds the review of `records` as of `as_of`, by the rules of
    /// [`crate::tracking`].
    ///
    /// # Examples
    /// ```
    /// use permit_forms::{review::Review, Templates};
    /// let t = Templates::embedded()?;
    /// let as_of = chrono::NaiveDate::from_ymd_opt(2017, 5, 11).unwrap();
    /// let r = Review::build(&t, &[], as_of);
    /// assert_eq!(r.matrix.len(), t.registry.region_count());
    /// assert_eq!(r.matrix[0].months[0].text, "未报");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(templates: &Templates, records: &[Record], as_of: NaiveDate) -> Review {
        Self::made(templates, records, as_of, || crosscheck::corrections(records).into())
    }

    /// Like [`Review::build`], with `corrections` already made:
    /// `crosscheck::corrections(records)`.
    pub fn with_corrections(
        templates: &Templates,
        records: &[Record],
        as_of: NaiveDate,
        corrections: Arc<[Correction]>,
    ) -> Review {
        Self::made(templates, records, as_of, || corrections)
    }

    fn made(
        templates: &Templates,
        records: &[Record],
        as_of: NaiveDate,
        corrections: impl FnOnce() -> Arc<[Correction]> + Send,
    ) -> Review {
        // The findings (marked by the corrections, which compare every
        // version of every form) are worked out beside the status views.
        let (status, (corrections, findings)) = rayon::join(
            || Self::status(templates, records, as_of),
            || {
                let corrections = corrections();
                let findings = trace::findings_of(templates, records, &corrections, as_of);
                (corrections, findings)
            },
        );
        Review { findings, corrections, ..status }
    }

    /// The review without its findings and corrections.
    fn status(templates: &Templates, records: &[Record], as_of: NaiveDate) -> Review {
        let reg = &templates.registry;
        let tr = Tracking::new(reg, records, as_of);
        let matrix = tr
            .regions
            .iter()
            .map(|rt| RegionRow {
                region: rt.name.clone(),
                plan: plan_cell(rt.plan.state).from(rt.plan.record.map(Provenance::of_form)),
                months: tr
                    .months
                    .iter()
                    .map(|m| {
                        rt.month(*m).map_or_else(
                            || Cell::plain("—"),
                            |s| month_cell(s.state).from(s.record.map(|r| Provenance::of(r, "status"))),
                        )
                    })
                    .collect(),
            })
            .collect();
        let counts = tr
            .months
            .iter()
            .map(|m| {
                let mut regions: BTreeMap<Category, Vec<String>> =
                    Category::MONTH.iter().map(|c| (*c, Vec::new())).collect();
                for rt in &tr.regions {
                    if let Some(s) = rt.month(*m) {
                        regions.entry(Category::of(s.state)).or_default().push(rt.name.clone());
                    }
                }
                MonthCount { month: *m, due: reg.progress_due(*m), regions }
            })
            .collect();
        let focus = tr.months.iter().rev().find(|m| reg.progress_due(**m) < as_of).copied();
        let plans = plan_rows(reg, &tr);
        let (tasks, milestone_notes) = tasks(reg, &tr);
        let counting: Vec<(&str, YearMonth, &Record)> = tr
            .regions
            .iter()
            .flat_map(|rt| {
                rt.months.iter().filter_map(move |(m, s)| s.record.map(|r| (rt.name.as_str(), *m, r)))
            })
            .collect();
        let entry = |n: &str, m: YearMonth, text: &str, r: &Record, field: &str| Entry {
            region: n.to_string(),
            month: m,
            text: cut(text),
            actual: cut(r.actual.as_deref().unwrap_or("")),
            source: Provenance::of(r, field),
        };
        let behind = counting
            .iter()
            .filter(|(_, _, r)| r.status == Some(Status::Behind))
            .map(|(n, m, r)| {
                entry(n, *m, r.delay_reason.as_deref().unwrap_or("（未填写原因）"), r, "delay_reason")
            })
            .collect();
        let difficulties = counting
            .iter()
            .filter_map(|(n, m, r)| {
                let d = r.difficulties.as_deref().filter(|s| !s.trim().is_empty())?;
                Some(entry(n, *m, d, r, "difficulties"))
            })
            .collect();
        let mut dirs = BTreeMap::new();
        let mut chase: Vec<ChaseRow> = tr
            .chase()
            .into_iter()
            .map(|(rt, month, slot)| {
                let dir = dirs.entry(rt.region).or_insert_with(|| tracking::directory(records, &rt.name));
                let person =
                    |role| dir.get(&role).map(|c: &tracking::Contact| c.person.clone()).unwrap_or_default();
                let state = match slot.state {
                    State::Missing => Cell::of("未报", Category::Missing),
                    _ => Cell::of(
                        match (slot.first_submitted, slot.first_basis) {
                            (Some(d), Some(b)) => format!("迟报\n{d} 收到\n依据{}", b.label_zh()),
                            (Some(d), None) => format!("迟报\n{d} 收到"),
                            (None, _) => "迟报".into(),
                        },
                        Category::Late,
                    ),
                };
                ChaseRow {
                    region: rt.name.clone(),
                    form: match month {
                        None => templates.form_label(FormKind::Plan, None),
                        Some(m) => templates.form_label(FormKind::Progress, Some(Period::Month(m))),
                    },
                    month,
                    due: slot.due,
                    state,
                    contact: person(PersonRole::Contact),
                    handler: person(PersonRole::Handler),
                }
            })
            .collect();
        // Stable: region and month order kept within each kind.
        chase.sort_by_key(|c| !c.missing());
        let mut contacts = Vec::new();
        for rt in &tr.regions {
            let dir = dirs.remove(&rt.region).unwrap_or_else(|| tracking::directory(records, &rt.name));
            for (role, c) in dir {
                contacts.push(ContactRow {
                    region: rt.name.clone(),
                    role: role.label_zh(),
                    person: c.person,
                    source: templates.form_label(c.record.kind, c.record.period),
                    submitted_on: c.record.submitted_on,
                });
            }
        }
        Review {
            as_of,
            due_day: reg.settings.progress_due_day,
            plan_due: reg.settings.plan_due,
            plans_received: tr
                .regions
                .iter()
                .filter(|r| matches!(r.plan.state, State::Reported { .. }))
                .count(),
            months: tr.months.clone(),
            focus,
            matrix,
            counts,
            plans,
            tasks,
            milestone_notes,
            behind,
            difficulties,
            chase,
            contacts,
            findings: Vec::new(),
            corrections: Arc::from([]),
            look_back: Vec::new(),
        }
    }

    /// Every (region, month) whose matrix cell is of category `c`, by month then region.
    pub fn cells_of(&self, c: Category) -> Vec<(String, YearMonth)> {
        self.counts
            .iter()
            .flat_map(|mc| mc.regions.get(&c).into_iter().flatten().map(move |r| (r.clone(), mc.month)))
            .collect()
    }

    /// The counts of one month.
    pub fn month(&self, m: YearMonth) -> Option<&MonthCount> {
        self.counts.iter().find(|c| c.month == m)
    }

    /// The legend note under the matrix.
    pub fn legend_note(&self) -> String {
        format!(
            "说明：迟报 = 收到日期晚于截止日（每月{}日当天仍为按时），括号内为其勾选的进度；未报 = 截止日已过仍未收到；\
             未勾选 = 进度情况一项也未勾选；勾选有误 = 勾选了不止一项；状态无法识别 = 有标记但无法判断勾选了哪一项；\
             空白 = 未到截止日；— = 该地区无需报送该月。",
            self.due_day
        )
    }

    /// Reports per month by category, as a stacked bar chart.
    pub fn chart(&self) -> BarChart {
        BarChart {
            title: "各月进展表报送情况（地区数）".into(),
            categories: self.months.iter().map(|m| m.label_zh()).collect(),
            series: Category::MONTH
                .into_iter()
                .filter(|c| *c != Category::NotDue)
                .map(|c| Series {
                    name: c.label_zh().into(),
                    color: c.bar(),
                    values: self.counts.iter().map(|mc| mc.count(c) as u32).collect(),
                })
                .collect(),
            value_axis: "地区数".into(),
        }
    }

    /// The summary paragraph: plans received, the focus month's figures,
    /// what needs the office's attention.
    pub fn summary_zh(&self) -> String {
        let date = date_zh(self.as_of);
        let mut s = format!(
            "试点地区共 {} 个。截至{date}，{} 个地区报送了试点工作计划（附2，截止日 {}）。",
            self.matrix.len(),
            self.plans_received,
            self.plan_due
        );
        if let Some(mc) = self.focus.and_then(|m| self.month(m)) {
            let n = |c| mc.count(c);
            let received = mc.total() - n(Category::Missing) - n(Category::NotDue);
            s.push_str(&format!(
                "{}进展表（截止日 {}）应报 {} 个地区，已收到 {received} 个：如期 {} 个、超前 {} 个、滞后 {} 个、\
                 迟报 {} 个，未勾选进度 {} 个、勾选有误 {} 个、状态无法识别 {} 个；未报 {} 个。",
                mc.month.label_zh(),
                mc.due,
                mc.total(),
                n(Category::OnSchedule),
                n(Category::Ahead),
                n(Category::Behind),
                n(Category::Late),
                n(Category::Unticked),
                n(Category::Misticked),
                n(Category::Unreadable),
                n(Category::Missing),
            ));
        }
        let missing = self.chase.iter().filter(|c| c.missing()).count();
        let plans = self.chase.iter().filter(|c| c.missing() && c.month.is_none()).count();
        let late = self.chase.len() - missing;
        s.push_str(&format!(
            "自试点开始累计：未报 {missing} 份（须催报；其中工作计划 {plans} 份、进展表 {} 份），迟报 {late} 份，\
             报告进度滞后 {} 份。",
            missing - plans,
            self.behind.len()
        ));
        s
    }
}

/// The task rows and the milestone notes.
fn tasks(reg: &Registry, tr: &Tracking) -> (Vec<TaskRow>, Vec<MilestoneNote>) {
    let mut rows = Vec::new();
    let mut notes: Vec<MilestoneNote> = Vec::new();
    for (tid, task) in reg.tasks() {
        for &rid in task.lead.iter().chain(task.part.iter()) {
            let rt = tr.region(rid);
            let role = reg.tasks_of(rid).into_iter().find(|(t, _)| *t == tid).map_or(Role::Sole, |(_, r)| r);
            let current = rt.months.iter().rev().find(|(_, s)| s.state != State::NotDue).map_or_else(
                || Cell::of("未到期", Category::NotDue),
                |(m, s)| {
                    let c = month_cell(s.state);
                    Cell {
                        text: format!("{}：{}", m.label_zh(), c.text), category: c.category, source: None
                    }
                },
            );
            rows.push(TaskRow {
                task: task.name.clone(),
                region: rt.name.clone(),
                role: role.label_zh().to_string(),
                current,
                latest_actual: rt
                    .latest_progress()
                    .and_then(|r| r.actual.as_deref())
                    .map(cut)
                    .unwrap_or_default(),
                milestones: task.milestones.iter().map(|m| milestone_cell(tr.outcome(rid, tid, m))).collect(),
            });
        }
        let text = task
            .milestones
            .iter()
            .enumerate()
            .map(|(i, m)| format!("{}{}", circled(i), m.describe()))
            .collect::<Vec<_>>()
            .join("；");
        match notes.iter_mut().find(|n| n.text == text) {
            Some(n) => n.tasks.push(task.name.clone()),
            None => notes.push(MilestoneNote { tasks: vec![task.name.clone()], text }),
        }
    }
    (rows, notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracking::Tick;

    #[test]
    fn words_say_why_a_status_is_missing() {
        let on_time = |tick| month_cell(State::Reported { tick, late: false });
        assert_eq!(on_time(Tick::Several), Cell::of("勾选有误", Category::Misticked));
        assert_eq!(on_time(Tick::None), Cell::of("未勾选", Category::Unticked));
        assert_eq!(on_time(Tick::Unreadable), Cell::of("状态无法识别", Category::Unreadable));
        assert_eq!(on_time(Tick::One(Status::Behind)), Cell::of("滞后", Category::Behind));
        let late = month_cell(State::Reported { tick: Tick::Several, late: true });
        assert_eq!(late, Cell::of("迟报(勾选有误)", Category::Late));
        assert_eq!(month_cell(State::Missing), Cell::of("未报", Category::Missing));
        assert_eq!(month_cell(State::NotDue).text, "");
    }

    #[test]
    fn milestones_say_they_are_judged_from_the_progress_form() {
        assert!(milestone_cell(Outcome::Met).text.contains("据进展表"));
        assert!(milestone_cell(Outcome::NotMet).text.contains("据进展表"));
        assert_eq!(milestone_cell(Outcome::Unknown(Tick::Several)).text, "无法判断（勾选有误）");
        assert_eq!(milestone_cell(Outcome::Missing), Cell::of("未报", Category::Missing));
    }

    #[test]
    fn rule_codes_read_as_words() {
        assert_eq!(crate::record::Rule::StatusMultiple.label_zh(), "勾选有误（多选）");
        assert_eq!(crate::record::Rule::StatusAmbiguous.label_zh(), "进度状态无法识别");
    }
}
