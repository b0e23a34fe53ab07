//! Tracking: which reports have arrived, on time or late, and which are
//! missing, per region and reporting month, as of a given date.
//!
//! The rules, applied to every region of the registry:
//!
//! - **Arrival.** A record has *arrived* by the as-of date when its 填报时间
//!   (`submitted_on`) is on or before that date. A record without a 填报时间
//!   counts as arrived (we hold it) but can never be judged late. Records of
//!   an unknown region (`region == null`) or without a reporting month are
//!   not tracked (they show only among the findings).
//! - **Which record counts.** Among the arrived records of a region and month,
//!   the one marked `current` counts; when the current one has not arrived
//!   yet as of the date (a resubmission dated later), the latest arrived
//!   earlier submission counts instead (latest 填报时间, then the later file
//!   name), since that is what the office held on that date.
//! - **Due day.** The report on month M is due on
//!   [`Registry::progress_due`]`(M)` (the 10th of M+1 by default). The due
//!   day itself is still on time: 「每月10日前」 is read as "by the 10th".
//! - **Late (迟报).** The *first* arrived submission for the month is dated
//!   after the due day. A correction sent after the due day does not make an
//!   on-time report late. A late report still shows its status.
//! - **Missing (未报).** The as-of date is after the due day and nothing has
//!   arrived. On the due day itself a report is not yet missing.
//! - **Not due (blank).** Nothing has arrived and the due day has not passed.
//! - **Plan (附2).** The same rules with the due date
//!   [`Settings::plan_due`](crate::registry::Settings::plan_due).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::period::{Period, YearMonth};
use crate::record::{FormKind, Person, Record, Status};
use crate::registry::{Milestone, RegionId, Registry, TaskId};

/// The state of one expected report (a monthly 附3 or the 附2) as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Nothing arrived and the due day has not passed (shown blank).
    NotDue,
    /// Nothing arrived and the due day has passed (未报).
    Missing,
    /// A report arrived.
    Reported {
        /// The status ticked on the counting record (`None`: nothing ticked).
        status: Option<Status>,
        /// The first submission came after the due day (迟报).
        late: bool,
    },
}

/// The category a matrix cell is counted and coloured by: a late report
/// counts as 迟报 whatever its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// 超前, on time.
    Ahead,
    /// 如期, on time.
    OnSchedule,
    /// 滞后, on time.
    Behind,
    /// Reported on time with no status ticked.
    Unticked,
    /// 迟报
    Late,
    /// 未报
    Missing,
    /// Not yet due (blank).
    NotDue,
}

impl Category {
    /// Every category, in legend order.
    pub const ALL: [Category; 7] = [
        Category::Ahead,
        Category::OnSchedule,
        Category::Behind,
        Category::Unticked,
        Category::Late,
        Category::Missing,
        Category::NotDue,
    ];

    /// The legend word.
    pub fn label_zh(self) -> &'static str {
        match self {
            Category::Ahead => "超前",
            Category::OnSchedule => "如期",
            Category::Behind => "滞后",
            Category::Unticked => "已报(未勾选)",
            Category::Late => "迟报",
            Category::Missing => "未报",
            Category::NotDue => "未到期",
        }
    }

    /// Bar colour in the overview chart: a deeper shade of [`Category::rgb`],
    /// so the bars read apart.
    pub fn bar_rgb(self) -> (u8, u8, u8) {
        match self {
            Category::Ahead => (0x70, 0xAD, 0x47),
            Category::OnSchedule => (0x5B, 0x9B, 0xD5),
            Category::Behind => (0xFF, 0xC0, 0x00),
            Category::Unticked => (0x8E, 0x7C, 0xC3),
            Category::Late => (0xED, 0x7D, 0x31),
            Category::Missing | Category::NotDue => (0xC0, 0x00, 0x00),
        }
    }

    /// Background colour (RGB) used in the workbook and the report.
    pub fn rgb(self) -> (u8, u8, u8) {
        match self {
            Category::Ahead => (0xC6, 0xEF, 0xCE),
            Category::OnSchedule => (0xDD, 0xEB, 0xF7),
            Category::Behind => (0xFF, 0xEB, 0x9C),
            Category::Unticked => (0xE4, 0xDF, 0xEC),
            Category::Late => (0xF8, 0xCB, 0xAD),
            Category::Missing => (0xFF, 0xC7, 0xCE),
            Category::NotDue => (0xFF, 0xFF, 0xFF),
        }
    }
}

impl State {
    /// The category this state is counted under.
    pub fn category(self) -> Category {
        match self {
            State::NotDue => Category::NotDue,
            State::Missing => Category::Missing,
            State::Reported { late: true, .. } => Category::Late,
            State::Reported { status: Some(Status::Ahead), .. } => Category::Ahead,
            State::Reported { status: Some(Status::OnSchedule), .. } => Category::OnSchedule,
            State::Reported { status: Some(Status::Behind), .. } => Category::Behind,
            State::Reported { status: None, .. } => Category::Unticked,
        }
    }

    /// The text of a matrix cell: `超前`, `如期`, `滞后`, `已报(未勾选)`,
    /// `迟报(如期)`, `迟报(未勾选)`, `未报`, or empty when not yet due.
    pub fn label_zh(self) -> String {
        let status = |s: Option<Status>| s.map_or("未勾选", Status::label_zh);
        match self {
            State::NotDue => String::new(),
            State::Missing => "未报".into(),
            State::Reported { status: s, late: true } => format!("迟报({})", status(s)),
            State::Reported { status: Some(s), late: false } => s.label_zh().into(),
            State::Reported { status: None, late: false } => "已报(未勾选)".into(),
        }
    }
}

/// One expected report of a region.
#[derive(Debug, Clone, Copy)]
pub struct Slot<'a> {
    /// Due date.
    pub due: NaiveDate,
    /// Its state as of the date.
    pub state: State,
    /// The record that counts, when one arrived.
    pub record: Option<&'a Record>,
    /// 填报时间 of the first arrived submission (what lateness is judged on).
    pub first_submitted: Option<NaiveDate>,
}

/// Everything tracked for one region.
#[derive(Debug, Clone)]
pub struct RegionTrack<'a> {
    /// The region.
    pub region: RegionId,
    /// Its canonical name.
    pub name: String,
    /// The work plan (附2).
    pub plan: Slot<'a>,
    /// Each reporting month of the region (all of them, due or not).
    pub months: BTreeMap<YearMonth, Slot<'a>>,
}

impl<'a> RegionTrack<'a> {
    /// The slot of a month, `None` when the region does not report on it.
    pub fn month(&self, m: YearMonth) -> Option<&Slot<'a>> {
        self.months.get(&m)
    }

    /// The latest counting progress record (by reporting month), if any.
    pub fn latest_progress(&self) -> Option<&'a Record> {
        self.months.values().rev().find_map(|s| s.record)
    }

    /// The latest record of the region that carries people (the latest
    /// progress record, else the plan), for 联系人 and 经办人.
    pub fn latest_contact_record(&self) -> Option<&'a Record> {
        let with_people = |r: &&Record| !(r.contact.is_empty() && r.handler.is_empty() && r.lead.is_empty());
        self.months.values().rev().filter_map(|s| s.record).find(with_people).or(self.plan.record)
    }
}

/// Whether a task's milestone is shown met by the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The report for the milestone month says 超前 or 如期 (达成).
    Met,
    /// The report for the milestone month says 滞后 (未达成).
    NotMet,
    /// The report for that month has arrived with nothing ticked.
    Unknown,
    /// The report for that month is due and has not arrived.
    Missing,
    /// That month's report is not yet due.
    NotDue,
    /// The region does not report on that month.
    NotApplicable,
}

impl Outcome {
    /// 已达成 / 未达成(滞后) / 无法判断 / 未报 / 未到期 / 不适用.
    pub fn label_zh(self) -> &'static str {
        match self {
            Outcome::Met => "已达成",
            Outcome::NotMet => "未达成(滞后)",
            Outcome::Unknown => "无法判断(未勾选)",
            Outcome::Missing => "未报",
            Outcome::NotDue => "未到期",
            Outcome::NotApplicable => "不适用",
        }
    }
}

/// The month whose progress report tells whether a milestone was met: the
/// milestone's month, or December for a year milestone (2018, 2019).
pub fn milestone_month(m: &Milestone) -> Option<YearMonth> {
    match m.period {
        Period::Month(ym) => Some(ym),
        Period::Year(y) => YearMonth::new(y, 12),
    }
}

/// The tracking of every region as of a date.
#[derive(Debug, Clone)]
pub struct Tracking<'a> {
    /// The as-of date.
    pub as_of: NaiveDate,
    /// Every region, in registry order.
    pub regions: Vec<RegionTrack<'a>>,
    /// The months to show: every reporting month that has ended by the
    /// as-of date, plus any month a report has arrived for, in order.
    pub months: Vec<YearMonth>,
}

fn arrived(r: &Record, as_of: NaiveDate) -> bool {
    r.submitted_on.is_none_or(|d| d <= as_of)
}

/// Picks the record that counts among the arrived submissions, and the first
/// arrival date.
fn pick(mut arrived: Vec<&Record>) -> (Option<&Record>, Option<NaiveDate>) {
    arrived.sort_by(|a, b| {
        (a.submitted_on, &a.source.file, &a.source.sheet).cmp(&(
            b.submitted_on,
            &b.source.file,
            &b.source.sheet,
        ))
    });
    let first = arrived.iter().filter_map(|r| r.submitted_on).min();
    let counting = arrived.iter().rev().find(|r| r.current).or(arrived.last()).copied();
    (counting, first)
}

fn slot<'a>(due: NaiveDate, as_of: NaiveDate, candidates: Vec<&'a Record>) -> Slot<'a> {
    let (record, first) = pick(candidates);
    let state = match record {
        Some(r) => State::Reported { status: r.status, late: first.is_some_and(|d| d > due) },
        None if as_of > due => State::Missing,
        None => State::NotDue,
    };
    Slot { due, state, record, first_submitted: first }
}

impl<'a> Tracking<'a> {
    /// Tracks `records` against the registry as of `as_of`.
    pub fn new(registry: &Registry, records: &'a [Record], as_of: NaiveDate) -> Self {
        // Group arrived records by (region, kind, month).
        let mut plans: BTreeMap<RegionId, Vec<&'a Record>> = BTreeMap::new();
        let mut progress: BTreeMap<(RegionId, YearMonth), Vec<&'a Record>> = BTreeMap::new();
        for r in records.iter().filter(|r| arrived(r, as_of)) {
            let Some(id) = r.region.as_deref().and_then(|n| registry.region_by_name(n)) else { continue };
            match r.kind {
                FormKind::Plan => plans.entry(id).or_default().push(r),
                FormKind::Progress => {
                    if let Some(m) = r.period.and_then(Period::as_month) {
                        progress.entry((id, m)).or_default().push(r);
                    }
                }
            }
        }
        let mut shown: std::collections::BTreeSet<YearMonth> = Default::default();
        let regions = registry
            .regions()
            .map(|(id, region)| {
                let plan = slot(registry.settings.plan_due, as_of, plans.remove(&id).unwrap_or_default());
                let months = registry
                    .progress_months(id)
                    .into_iter()
                    .map(|m| {
                        let s = slot(
                            registry.progress_due(m),
                            as_of,
                            progress.remove(&(id, m)).unwrap_or_default(),
                        );
                        if m.last_day() < as_of || s.record.is_some() {
                            shown.insert(m);
                        }
                        (m, s)
                    })
                    .collect();
                RegionTrack { region: id, name: region.name.clone(), plan, months }
            })
            .collect();
        Tracking { as_of, regions, months: shown.into_iter().collect() }
    }

    /// The track of one region.
    pub fn region(&self, id: RegionId) -> &RegionTrack<'a> {
        &self.regions[id.0]
    }

    /// Count of each category in one month, over the regions that report on it.
    pub fn counts(&self, m: YearMonth) -> BTreeMap<Category, usize> {
        let mut out = BTreeMap::new();
        for s in self.regions.iter().filter_map(|r| r.month(m)) {
            *out.entry(s.state.category()).or_insert(0) += 1;
        }
        out
    }

    /// Regions to chase (催报) as of the date: every due month that is
    /// missing or came late, and a missing or late plan, by region order then
    /// month. `None` as month stands for the plan.
    pub fn chase(&self) -> Vec<(&RegionTrack<'a>, Option<YearMonth>, &Slot<'a>)> {
        let mut out = Vec::new();
        let wanted = |s: &Slot| matches!(s.state, State::Missing | State::Reported { late: true, .. });
        for r in &self.regions {
            if wanted(&r.plan) {
                out.push((r, None, &r.plan));
            }
            for (m, s) in &r.months {
                if wanted(s) {
                    out.push((r, Some(*m), s));
                }
            }
        }
        out
    }

    /// Whether region `region` met milestone `m` of task `task`, judged by
    /// its progress report for [`milestone_month`]: met when that report
    /// says 超前 or 如期 (on time or late), not met when it says 滞后.
    pub fn outcome(&self, region: RegionId, _task: TaskId, m: &Milestone) -> Outcome {
        let Some(month) = milestone_month(m) else { return Outcome::NotApplicable };
        match self.region(region).month(month).map(|s| s.state) {
            None => Outcome::NotApplicable,
            Some(State::NotDue) => Outcome::NotDue,
            Some(State::Missing) => Outcome::Missing,
            Some(State::Reported { status: Some(Status::Ahead | Status::OnSchedule), .. }) => Outcome::Met,
            Some(State::Reported { status: Some(Status::Behind), .. }) => Outcome::NotMet,
            Some(State::Reported { status: None, .. }) => Outcome::Unknown,
        }
    }
}

/// Which person block of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PersonRole {
    /// 总负责人
    Lead,
    /// 联系人
    Contact,
    /// 经办人
    Handler,
}

impl PersonRole {
    /// The three roles in form order.
    pub const ALL: [PersonRole; 3] = [PersonRole::Lead, PersonRole::Contact, PersonRole::Handler];

    /// 总负责人 / 联系人 / 经办人
    pub fn label_zh(self) -> &'static str {
        match self {
            PersonRole::Lead => "总负责人",
            PersonRole::Contact => "联系人",
            PersonRole::Handler => "经办人",
        }
    }

    /// The block of a record.
    pub fn of(self, r: &Record) -> &Person {
        match self {
            PersonRole::Lead => &r.lead,
            PersonRole::Contact => &r.contact,
            PersonRole::Handler => &r.handler,
        }
    }
}

/// A person of a region's directory, with the record it was taken from.
#[derive(Debug, Clone)]
pub struct Contact<'a> {
    /// Name, title and phone.
    pub person: Person,
    /// The record the name came from.
    pub record: &'a Record,
}

/// The directory of one region: for each role, the person named on the
/// latest current record (by 填报时间, then file) that names one. A title or
/// phone missing there (附3 has only a name cell) is taken from the latest
/// record that gives the same name with it.
pub fn directory<'a>(records: &'a [Record], region: &str) -> BTreeMap<PersonRole, Contact<'a>> {
    let mut recs: Vec<&Record> =
        records.iter().filter(|r| r.current && r.region.as_deref() == Some(region)).collect();
    recs.sort_by(|a, b| (a.submitted_on, &a.source.file).cmp(&(b.submitted_on, &b.source.file)));
    let mut out = BTreeMap::new();
    for role in PersonRole::ALL {
        let Some(latest) = recs.iter().rev().find(|r| role.of(r).name.is_some()) else { continue };
        let mut person = role.of(latest).clone();
        for r in recs.iter().rev() {
            let p = role.of(r);
            if p.name == person.name {
                if person.title.is_none() {
                    person.title.clone_from(&p.title);
                }
                if person.phone.is_none() {
                    person.phone.clone_from(&p.phone);
                }
            }
        }
        out.insert(role, Contact { person, record: latest });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Source;
    use crate::templates::Templates;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn progress(region: &str, month: u32, status: Option<Status>, on: &str) -> Record {
        let src = Source { file: format!("{region}-{month}.xlsx"), sheet: "附3".into(), sha256: "0".into() };
        let mut r = Record::empty(FormKind::Progress, src);
        r.region = Some(region.into());
        r.region_raw = region.into();
        r.period = Period::month(2017, month);
        r.status = status;
        r.submitted_on = Some(d(on));
        r
    }

    fn names(t: &Tracking, m: YearMonth, cat: Category) -> Vec<String> {
        t.regions
            .iter()
            .filter(|r| r.month(m).is_some_and(|s| s.state.category() == cat))
            .map(|r| r.name.clone())
            .collect()
    }

    fn set() -> Vec<Record> {
        vec![
            // March, due 2017-04-10.
            progress("河北省", 3, Some(Status::OnSchedule), "2017-04-08"),
            progress("北京市", 3, Some(Status::Behind), "2017-04-10"), // the due day: on time
            progress("天津市", 3, Some(Status::Ahead), "2017-04-11"),  // late
            // April, due 2017-05-10.
            progress("河北省", 4, Some(Status::OnSchedule), "2017-05-09"),
            progress("北京市", 4, None, "2017-05-10"),
            progress("天津市", 4, Some(Status::OnSchedule), "2017-05-11"), // late, after 05-09
        ]
    }

    #[test]
    fn missing_and_late_as_of_may_11() {
        let t = Templates::embedded().unwrap();
        let recs = set();
        let tr = Tracking::new(&t.registry, &recs, d("2017-05-11"));
        let mar = YearMonth::new(2017, 3).unwrap();
        let apr = YearMonth::new(2017, 4).unwrap();
        assert_eq!(tr.months, vec![mar, apr]);
        assert_eq!(names(&tr, mar, Category::Late), ["天津市"]);
        assert_eq!(names(&tr, mar, Category::Behind), ["北京市"]);
        assert_eq!(names(&tr, apr, Category::Late), ["天津市"]);
        assert_eq!(names(&tr, apr, Category::Unticked), ["北京市"]);
        let missing_apr = names(&tr, apr, Category::Missing);
        assert_eq!(missing_apr.len(), 21 - 3);
        assert!(!missing_apr.contains(&"河北省".to_string()));
        assert!(missing_apr.contains(&"山东省".to_string()));
        let tj = tr.region(t.registry.region_by_name("天津市").unwrap());
        assert_eq!(tj.month(apr).unwrap().state.label_zh(), "迟报(如期)");
    }

    #[test]
    fn missing_and_late_as_of_may_9() {
        let t = Templates::embedded().unwrap();
        let recs = set();
        let tr = Tracking::new(&t.registry, &recs, d("2017-05-09"));
        let mar = YearMonth::new(2017, 3).unwrap();
        let apr = YearMonth::new(2017, 4).unwrap();
        // April is not yet due: nobody is missing it; the two early reports show.
        assert!(names(&tr, apr, Category::Missing).is_empty());
        assert_eq!(names(&tr, apr, Category::OnSchedule), ["河北省"]);
        assert_eq!(names(&tr, apr, Category::NotDue).len(), 20);
        // March: 18 missing, 天津市 late.
        assert_eq!(names(&tr, mar, Category::Missing).len(), 18);
        assert_eq!(names(&tr, mar, Category::Late), ["天津市"]);
        // 催报: only March (and the plan, due 03-31, missing everywhere).
        let chase: Vec<_> = tr.chase().into_iter().filter(|(_, m, _)| m.is_some()).collect();
        assert!(chase.iter().all(|(_, m, _)| *m == Some(mar)));
        assert_eq!(chase.len(), 19);
    }

    #[test]
    fn a_later_resubmission_does_not_count_before_it_arrives() {
        let t = Templates::embedded().unwrap();
        let mut first = progress("河北省", 3, Some(Status::Behind), "2017-04-05");
        first.current = false;
        let second = progress("河北省", 3, Some(Status::OnSchedule), "2017-04-20");
        let recs = vec![first, second];
        let hb = t.registry.region_by_name("河北省").unwrap();
        let mar = YearMonth::new(2017, 3).unwrap();
        let before = Tracking::new(&t.registry, &recs, d("2017-04-15"));
        assert_eq!(before.region(hb).month(mar).unwrap().state.label_zh(), "滞后");
        let after = Tracking::new(&t.registry, &recs, d("2017-04-25"));
        // The correction counts; the first arrival was on time, so not late.
        assert_eq!(after.region(hb).month(mar).unwrap().state.label_zh(), "如期");
    }

    #[test]
    fn milestone_met_from_the_deadline_months_report() {
        let t = Templates::embedded().unwrap();
        let recs = vec![progress("河北省", 3, Some(Status::Ahead), "2017-04-08")];
        let tr = Tracking::new(&t.registry, &recs, d("2017-07-20"));
        let hb = t.registry.region_by_name("河北省").unwrap();
        let (task, _) = t.registry.tasks_of(hb)[0];
        let ms = &t.registry.task(task).milestones;
        assert_eq!(tr.outcome(hb, task, &ms[0]), Outcome::Met);
        assert_eq!(tr.outcome(hb, task, &ms[1]), Outcome::Missing);
        assert_eq!(tr.outcome(hb, task, &ms[2]), Outcome::NotDue);
    }
}
