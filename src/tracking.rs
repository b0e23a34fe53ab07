//! Tracking: which reports have arrived, on time or late, and which are
//! missing, per region and reporting month, as of a given date.
//!
//! The rules, applied to every region of the registry:
//!
//! - **Receipt date.** Every judgement below rests on the day the office
//!   received a file ([`Record::receipt`]): the 收文日期 of the office's
//!   收文登记, else the Date of the mail the file came in, else (no evidence
//!   of receipt) the 填报时间 the region wrote. Each judgement keeps the
//!   word of what it rests on ([`ReceivedBasis`]).
//! - **Arrival.** A record has *arrived* by the as-of date when it was
//!   received on or before that date. A record without any date counts as
//!   arrived (we hold it) but can never be judged late. Records of an
//!   unknown region (`region == null`) or without a reporting month are not
//!   tracked (they show only among the findings).
//! - **Which record counts.** Among the arrived records of a region and month,
//!   the one marked `current` counts; when the current one has not arrived
//!   yet as of the date (a resubmission received later), the latest arrived
//!   earlier submission counts instead (by the order of
//!   [`current::order`](crate::ingest::current::order)), since that is what
//!   the office held on that date.
//! - **Due day.** The report on month M is due on
//!   [`Registry::progress_due`]`(M)` (the 10th of M+1 by default, or the
//!   registry's `due_overrides` for M). The due day itself is still on time:
//!   「每月10日前」 is read as "by the 10th" ([`is_late`]).
//! - **Late (迟报).** The *first* arrived submission for the month was
//!   received after the due day. A correction sent after 退回 keeps the first
//!   return's receipt date: it does not make an on-time report late. A late
//!   report still shows its status.
//! - **Missing (未报).** The as-of date is after the due day and nothing has
//!   arrived. On the due day itself a report is not yet missing.
//! - **Not due (blank).** Nothing has arrived and the due day has not passed.
//! - **Plan (附2).** The same rules with the due date
//!   [`Settings::plan_due`](crate::registry::Settings::plan_due).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::period::{Period, YearMonth};
use crate::record::{FormKind, Person, ReceivedBasis, Record, Rule, Status};
use crate::registry::{Milestone, RegionId, Registry, TaskId};

/// What a report says about its progress status (进度情况): one status
/// ticked, or why none could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tick {
    /// One of 超前/如期/滞后 is ticked.
    One(Status),
    /// Nothing is ticked.
    None,
    /// Several boxes are ticked (finding `status.multiple`).
    Several,
    /// A mark is there but cannot be read as one status (finding
    /// `status.ambiguous`).
    Unreadable,
}

impl Tick {
    /// Reads the tick of a record: its status, else what its findings say
    /// about the status cell.
    pub fn of(r: &Record) -> Tick {
        if let Some(s) = r.status {
            return Tick::One(s);
        }
        let has = |rule: Rule| r.issues.iter().any(|i| i.rule == rule);
        if has(Rule::StatusMultiple) {
            Tick::Several
        } else if has(Rule::StatusAmbiguous) {
            Tick::Unreadable
        } else {
            Tick::None
        }
    }
}

/// The state of one expected report (a monthly 附3 or the 附2) as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Nothing arrived and the due day has not passed (shown blank).
    NotDue,
    /// Nothing arrived and the due day has passed (未报).
    Missing,
    /// A report arrived.
    Reported {
        /// The status ticked on the counting record.
        tick: Tick,
        /// The first submission came after the due day (迟报).
        late: bool,
    },
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
    /// Receipt date ([`Record::receipt`]) of the first arrived submission:
    /// what lateness is judged on.
    pub first_submitted: Option<NaiveDate>,
    /// What [`Slot::first_submitted`] rests on (收文登记, 邮件 or 填报时间).
    pub first_basis: Option<ReceivedBasis>,
}

/// The due date of a form: [`Settings::plan_due`](crate::registry::Settings::plan_due)
/// for the plan, [`Registry::progress_due`] of its month for a progress
/// report (`None` without a month).
pub fn due_of(registry: &Registry, kind: FormKind, period: Option<Period>) -> Option<NaiveDate> {
    match kind {
        FormKind::Plan => Some(registry.settings.plan_due),
        FormKind::Progress => period.and_then(Period::as_month).map(|m| registry.progress_due(m)),
    }
}

/// Whether a form received on `received` is late for `due`: the due day
/// itself is on time. The one place lateness is decided.
pub fn is_late(received: NaiveDate, due: NaiveDate) -> bool {
    received > due
}

/// A record received after its due day, judged on the record alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lateness {
    /// The due date.
    pub due: NaiveDate,
    /// The receipt date.
    pub received: NaiveDate,
    /// What the receipt date rests on.
    pub basis: ReceivedBasis,
}

/// The record's lateness on its own receipt date ([`Record::receipt`]), or
/// `None` when it is on time or has no date or due date. (Whether a month
/// counts as 迟报 also looks at earlier submissions: see [`Tracking`].)
pub fn lateness(registry: &Registry, r: &Record) -> Option<Lateness> {
    let due = due_of(registry, r.kind, r.period)?;
    let (received, basis) = r.receipt();
    let received = received?;
    is_late(received, due).then_some(Lateness { due, received, basis })
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
    /// The report for that month has arrived without one status ticked.
    Unknown(Tick),
    /// The report for that month is due and has not arrived.
    Missing,
    /// That month's report is not yet due.
    NotDue,
    /// The region does not report on that month.
    NotApplicable,
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

/// Whether the record had been received by `as_of` (a record without any
/// date counts as received: we hold it).
pub fn arrived(r: &Record, as_of: NaiveDate) -> bool {
    r.receipt().0.is_none_or(|d| d <= as_of)
}

/// Picks the record that counts among the arrived submissions, and the first
/// receipt date with its basis.
fn pick(mut arrived: Vec<&Record>) -> (Option<&Record>, Option<(NaiveDate, ReceivedBasis)>) {
    arrived.sort_by_key(|r| crate::ingest::current::order(r));
    let first = arrived.iter().filter_map(|r| r.receipt().0.map(|d| (d, r.receipt().1))).min();
    let counting = arrived.iter().rev().find(|r| r.current).or(arrived.last()).copied();
    (counting, first)
}

fn slot<'a>(due: NaiveDate, as_of: NaiveDate, candidates: Vec<&'a Record>) -> Slot<'a> {
    let (record, first) = pick(candidates);
    let state = match record {
        Some(r) => State::Reported { tick: Tick::of(r), late: first.is_some_and(|(d, _)| is_late(d, due)) },
        None if as_of > due => State::Missing,
        None => State::NotDue,
    };
    Slot { due, state, record, first_submitted: first.map(|f| f.0), first_basis: first.map(|f| f.1) }
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
            Some(State::Reported { tick: Tick::One(Status::Ahead | Status::OnSchedule), .. }) => Outcome::Met,
            Some(State::Reported { tick: Tick::One(Status::Behind), .. }) => Outcome::NotMet,
            Some(State::Reported { tick, .. }) => Outcome::Unknown(tick),
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
/// latest current record (by [`current::order`](crate::ingest::current::order)) that names one. A title or
/// phone missing there (附3 has only a name cell) is taken from the latest
/// record that gives the same name with it.
pub fn directory<'a>(records: &'a [Record], region: &str) -> BTreeMap<PersonRole, Contact<'a>> {
    let mut recs: Vec<&Record> =
        records.iter().filter(|r| r.current && r.region.as_deref() == Some(region)).collect();
    recs.sort_by_key(|r| crate::ingest::current::order(r));
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
    use crate::review::{month_cell, Category};
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
            .filter(|r| r.month(m).is_some_and(|s| Category::of(s.state) == cat))
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
        assert_eq!(month_cell(tj.month(apr).unwrap().state).text, "迟报(如期)");
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
        assert_eq!(month_cell(before.region(hb).month(mar).unwrap().state).text, "滞后");
        let after = Tracking::new(&t.registry, &recs, d("2017-04-25"));
        // The correction counts; the first arrival was on time, so not late.
        assert_eq!(month_cell(after.region(hb).month(mar).unwrap().state).text, "如期");
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

    #[test]
    fn a_due_override_moves_one_months_deadline_and_lateness_follows() {
        let text = include_str!("../templates/registry.toml").replace(
            "progress_due_day = 10\n",
            "progress_due_day = 10\ndue_overrides = { \"2017-09\" = 20 }\n",
        );
        let reg = Registry::from_toml(&text, "registry.toml").unwrap();
        let sep = YearMonth::new(2017, 9).unwrap();
        assert_eq!(reg.progress_due(sep), d("2017-10-20"));
        assert_eq!(reg.progress_due(YearMonth::new(2017, 8).unwrap()), d("2017-09-10"));
        let r = progress("河北省", 9, Some(Status::OnSchedule), "2017-10-15");
        assert_eq!(lateness(&reg, &r), None);
        let t = Templates::embedded().unwrap();
        assert_eq!(lateness(&t.registry, &r).map(|l| l.due), Some(d("2017-10-10")));
        let bad = include_str!("../templates/registry.toml").replace(
            "progress_due_day = 10\n",
            "progress_due_day = 10\ndue_overrides = { \"2017-09\" = 32 }\n",
        );
        let e = Registry::from_toml(&bad, "registry.toml").unwrap_err().to_string();
        assert!(e.contains("due_overrides"), "{e}");
    }

    #[test]
    fn lateness_and_arrival_rest_on_the_receipt_date() {
        let t = Templates::embedded().unwrap();
        let mut r = progress("河北省", 4, Some(Status::OnSchedule), "2017-05-08");
        let apr = YearMonth::new(2017, 4).unwrap();
        let hb = t.registry.region_by_name("河北省").unwrap();
        let state = |recs: &[Record], as_of| {
            let tr = Tracking::new(&t.registry, recs, d(as_of));
            let s = *tr.region(hb).month(apr).unwrap();
            (month_cell(s.state).text, s.first_basis)
        };
        assert_eq!(
            state(std::slice::from_ref(&r), "2017-05-12"),
            ("如期".into(), Some(ReceivedBasis::SelfReported))
        );
        r.received_on = Some(d("2017-05-15"));
        r.received_basis = ReceivedBasis::Mail;
        // Not yet received on the 12th: missing; received on the 15th: late.
        assert_eq!(state(std::slice::from_ref(&r), "2017-05-12").0, "未报");
        assert_eq!(
            state(std::slice::from_ref(&r), "2017-05-16"),
            ("迟报(如期)".into(), Some(ReceivedBasis::Mail))
        );
    }
}
