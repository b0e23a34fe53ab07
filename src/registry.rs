//! The pilot registry: regions, tasks, deadlines and reporting windows, loaded
//! from `registry.toml` (embedded default or an edited copy) and checked once.
//!
//! Everything downstream asks the registry; nothing in `src/` spells a region
//! or task name.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use crate::period::{Period, YearMonth};
use crate::template_file::{parse_toml, TemplateError};
use crate::text::{compact, line_of};

/// Index of a region in the registry (registry order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionId(pub usize);

/// Index of a task in the registry (registry order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub usize);

/// Administrative level of a reporting region; it decides who may be 总负责人.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    /// 省级环保部门: 总负责人 is the 分管领导.
    Provincial,
    /// 市级环保部门: 总负责人 is the 主要领导.
    Municipal,
}

impl RegionKind {
    /// 省级 / 市级
    pub fn label_zh(self) -> &'static str {
        match self {
            RegionKind::Provincial => "省级",
            RegionKind::Municipal => "市级",
        }
    }
}

/// A reporting region.
#[derive(Debug, Clone)]
pub struct Region {
    /// Canonical name (河北省, 广西壮族自治区, 济宁市 …).
    pub name: String,
    /// Provincial or municipal.
    pub kind: RegionKind,
    /// Other spellings a clerk may write.
    pub aliases: Vec<String>,
}

/// A region's part in a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// 牵头
    Lead,
    /// 参与
    Part,
    /// The only region (or one of several equal ones): no role is printed.
    Sole,
}

impl Role {
    /// 牵头 / 参与 / empty.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Lead => "牵头",
            Role::Part => "参与",
            Role::Sole => "",
        }
    }
}

/// A dated milestone (时间节点) of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    /// The deadline.
    pub date: NaiveDate,
    /// The plan row that must carry an arrangement for it.
    pub period: Period,
    /// What must be done.
    pub text: String,
    /// Words of `text` a progress report that meets the milestone is
    /// expected to mention (初稿, 印发, 核发); used by the cross-checks.
    pub keywords: Vec<String>,
}

impl Milestone {
    /// The milestone in words: `2017年3月底前完成初稿`, `2017年底前…`, `2018年…`.
    pub fn describe(&self) -> String {
        match self.period {
            Period::Month(m) if m.month == 12 => format!("{}年底前{}", m.year, self.text),
            Period::Month(m) => format!("{}年{}月底前{}", m.year, m.month, self.text),
            Period::Year(y) => format!("{y}年{}", self.text),
        }
    }
}

/// A reporting window: the plan rows and the progress months of a task kind.
#[derive(Debug, Clone)]
pub struct Window {
    /// Key in the registry (`industry`, `watershed`).
    pub key: String,
    /// Display name (重点行业, 流域).
    pub name: String,
    /// Rows of the plan schedule.
    pub plan: Vec<Period>,
    /// Months a progress report is due for.
    pub progress: Vec<YearMonth>,
}

/// A pilot task (附1).
#[derive(Debug, Clone)]
pub struct Task {
    /// Canonical name (钢铁行业 …).
    pub name: String,
    /// Reporting window key.
    pub window: String,
    /// Deadlines.
    pub milestones: Vec<Milestone>,
    /// 牵头 regions (or the regions, when roles are not printed).
    pub lead: Vec<RegionId>,
    /// 参与 regions.
    pub part: Vec<RegionId>,
    /// Where the work happens, when narrower than the region (株洲市、衡阳市).
    pub sites: Vec<String>,
    /// False when the regions are equals and no 牵头/参与 is printed.
    pub roles: bool,
}

/// Settings that the seed leaves open or that the office may change.
#[derive(Debug, Clone)]
pub struct Settings {
    /// 附2 due date (the seed's "3月××日").
    pub plan_due: NaiveDate,
    /// 附3 for month M is due on this day of month M+1.
    pub progress_due_day: u32,
    /// Due dates that differ from [`Settings::progress_due_day`], by the
    /// month reported on (`due_overrides = { "2017-09" = 20 }`: the report
    /// on September is due on 20 October, a deadline extended around 国庆).
    pub due_overrides: BTreeMap<YearMonth, NaiveDate>,
    /// Year given to a plan row written without one (`3月`).
    pub first_year: i32,
    /// Thresholds and word lists of the cross-checks (`[settings.crosscheck]`).
    pub crosscheck: crate::crosscheck::CrossCheckSettings,
    /// What the feedback letters (退回意见) say about their sender.
    pub letters: LetterSettings,
}

/// Settings of the feedback letters (退回意见).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LetterSettings {
    /// Working days (Monday to Friday) after the letter's date by which the
    /// forms are to be sent again.
    pub resubmit_working_days: u32,
    /// The office that signs the letters.
    pub office: String,
    /// The office's contact person, phone and e-mail; an empty one is left
    /// out of the letter.
    pub contact_name: String,
    /// Phone of the contact.
    pub contact_phone: String,
    /// E-mail of the contact.
    pub contact_email: String,
    /// The letter's 文号 (`许可办函〔2017〕　号`), a placeholder the office
    /// fills in; empty leaves it out.
    pub doc_number: String,
    /// The department a region's letter is addressed to, by region; a region
    /// not listed gets the 填报单位 of its latest form.
    pub departments: BTreeMap<RegionId, String>,
}

/// Outcome of matching a written region name against the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// One region matched.
    Found(RegionId),
    /// The text names several regions of the same level.
    Ambiguous(Vec<RegionId>),
    /// Nothing matched.
    Unknown,
}

/// The loaded, checked registry.
#[derive(Debug, Clone)]
pub struct Registry {
    /// Settings.
    pub settings: Settings,
    regions: Vec<Region>,
    tasks: Vec<Task>,
    windows: BTreeMap<String, Window>,
    /// compacted spelling → region, for exact matches.
    spellings: HashMap<String, RegionId>,
    /// Each task's name compacted, by task index (for [`Registry::find_tasks`]).
    task_keys: Vec<String>,
}

// ---- raw TOML shape -------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegistry {
    settings: RawSettings,
    windows: BTreeMap<String, RawWindow>,
    milestones: BTreeMap<String, Vec<RawMilestone>>,
    regions: Vec<RawRegion>,
    tasks: Vec<RawTask>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    plan_due: Spanned<String>,
    progress_due_day: Spanned<u32>,
    #[serde(default)]
    due_overrides: BTreeMap<String, Spanned<u32>>,
    first_year: i32,
    #[serde(default)]
    crosscheck: Option<Spanned<crate::crosscheck::CrossCheckSettings>>,
    #[serde(default = "default_resubmit_days")]
    resubmit_working_days: u32,
    #[serde(default = "default_office")]
    office: String,
    #[serde(default)]
    office_contact: String,
    #[serde(default)]
    office_phone: String,
    #[serde(default)]
    office_email: String,
    #[serde(default)]
    doc_number: String,
    #[serde(default)]
    departments: BTreeMap<String, Spanned<String>>,
}

fn default_resubmit_days() -> u32 {
    5
}

fn default_office() -> String {
    "环境保护部排污许可专项小组办公室".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    name: String,
    plan: Vec<Spanned<String>>,
    progress: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMilestone {
    date: Spanned<String>,
    period: Spanned<String>,
    text: String,
    #[serde(default)]
    keywords: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    name: Spanned<String>,
    kind: RegionKind,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    name: Spanned<String>,
    window: Spanned<String>,
    milestones: Spanned<String>,
    lead: Vec<Spanned<String>>,
    #[serde(default)]
    part: Vec<Spanned<String>>,
    #[serde(default)]
    sites: Vec<String>,
    #[serde(default)]
    role: Option<String>,
}

/// Administrative suffixes a clerk adds to a region's name.
const ORG_SUFFIXES: &[&str] = &[
    "生态环境保护厅",
    "生态环境厅",
    "生态环境局",
    "环境保护厅",
    "环境保护局",
    "环保厅",
    "环保局",
    "人民政府",
    "政府",
];

impl Registry {
    /// Parses and checks a registry.
    ///
    /// # Errors
    /// [`TemplateError::Syntax`] for malformed TOML, [`TemplateError::Invalid`]
    /// for a fact that does not hold together (a task naming an unknown region,
    /// a bad date, an alias claimed by two regions, a window that ends before it
    /// starts), each with the file and line.
    pub fn from_toml(text: &str, file: &str) -> Result<Self, TemplateError> {
        let raw: RawRegistry = parse_toml(text, file)?;
        let invalid = |span: std::ops::Range<usize>, problem: String| TemplateError::Invalid {
            file: file.to_string(),
            line: line_of(text, span.start),
            problem,
        };

        let date = |s: &Spanned<String>| {
            NaiveDate::parse_from_str(s.get_ref(), "%Y-%m-%d")
                .map_err(|_| invalid(s.span(), format!("日期“{}”无效，应为 YYYY-MM-DD", s.get_ref())))
        };
        let period =
            |s: &Spanned<String>| s.get_ref().parse::<Period>().map_err(|e| invalid(s.span(), e.to_string()));

        let settings = Settings {
            plan_due: date(&raw.settings.plan_due)?,
            progress_due_day: {
                let d = &raw.settings.progress_due_day;
                if !(1..=28).contains(d.get_ref()) {
                    return Err(invalid(d.span(), format!("报送截止日 {} 无效，应为 1 到 28", d.get_ref())));
                }
                *d.get_ref()
            },
            due_overrides: {
                let mut out = BTreeMap::new();
                for (month, day) in &raw.settings.due_overrides {
                    let bad = || {
                        invalid(day.span(), format!("due_overrides 中“{month} = {}”无效，应为 \"YYYY-MM\" = 下月的日期（1 到 31）", day.get_ref()))
                    };
                    let m = month.parse::<Period>().ok().and_then(Period::as_month).ok_or_else(bad)?;
                    let next = m.next();
                    let due =
                        NaiveDate::from_ymd_opt(next.year, next.month, *day.get_ref()).ok_or_else(bad)?;
                    out.insert(m, due);
                }
                out
            },
            first_year: raw.settings.first_year,
            crosscheck: match &raw.settings.crosscheck {
                Some(c) => {
                    c.get_ref().check().map_err(|problem| invalid(c.span(), problem))?;
                    c.get_ref().clone()
                }
                None => crate::crosscheck::CrossCheckSettings::default(),
            },
            letters: LetterSettings {
                resubmit_working_days: raw.settings.resubmit_working_days,
                office: raw.settings.office.trim().to_string(),
                contact_name: raw.settings.office_contact.trim().to_string(),
                contact_phone: raw.settings.office_phone.trim().to_string(),
                contact_email: raw.settings.office_email.trim().to_string(),
                doc_number: raw.settings.doc_number.trim().to_string(),
                departments: BTreeMap::new(),
            },
        };

        // Windows: "YYYY-MM..YYYY-MM" ranges or single periods.
        let expand = |items: &[Spanned<String>]| -> Result<Vec<Period>, TemplateError> {
            let mut out = BTreeSet::new();
            for item in items {
                match item.get_ref().split_once("..") {
                    Some((a, b)) => {
                        let bad = |e: crate::period::ParsePeriodError| invalid(item.span(), e.to_string());
                        let (a, b) = (a.parse::<Period>().map_err(bad)?, b.parse::<Period>().map_err(bad)?);
                        let (Some(a), Some(b)) = (a.as_month(), b.as_month()) else {
                            return Err(invalid(
                                item.span(),
                                format!("范围“{}”两端应为月份", item.get_ref()),
                            ));
                        };
                        if b < a {
                            return Err(invalid(
                                item.span(),
                                format!("窗口“{}”的结束早于开始", item.get_ref()),
                            ));
                        }
                        out.extend(a.through(b).map(Period::Month));
                    }
                    None => {
                        out.insert(period(item)?);
                    }
                }
            }
            Ok(out.into_iter().collect())
        };
        let mut windows = BTreeMap::new();
        for (key, w) in &raw.windows {
            let plan = expand(&w.plan)?;
            let progress_periods = expand(&w.progress)?;
            let mut progress = Vec::new();
            for (p, src) in progress_periods.iter().zip(w.progress.iter().cycle()) {
                match p.as_month() {
                    Some(m) => progress.push(m),
                    None => return Err(invalid(src.span(), format!("进展表窗口只能是月份：“{p}”"))),
                }
            }
            windows.insert(key.clone(), Window { key: key.clone(), name: w.name.clone(), plan, progress });
        }

        let mut milestone_sets: BTreeMap<String, Vec<Milestone>> = BTreeMap::new();
        for (key, list) in &raw.milestones {
            let mut out = Vec::new();
            for m in list {
                let d = date(&m.date)?;
                let p = period(&m.period)?;
                if !p.contains(d) {
                    return Err(invalid(m.period.span(), format!("时间节点日期 {d} 不在期间“{p}”内")));
                }
                for k in &m.keywords {
                    if k.get_ref().is_empty() || !m.text.contains(k.get_ref().as_str()) {
                        return Err(invalid(
                            k.span(),
                            format!("关键词“{}”不在时间节点内容“{}”中", k.get_ref(), m.text),
                        ));
                    }
                }
                let keywords = m.keywords.iter().map(|k| k.get_ref().clone()).collect();
                out.push(Milestone { date: d, period: p, text: m.text.clone(), keywords });
            }
            out.sort_by_key(|m| m.date);
            milestone_sets.insert(key.clone(), out);
        }

        // Regions and their spellings.
        let mut regions = Vec::new();
        let mut spellings: HashMap<String, RegionId> = HashMap::new();
        for (i, r) in raw.regions.iter().enumerate() {
            let id = RegionId(i);
            for s in std::iter::once(&r.name).chain(r.aliases.iter()) {
                let key = compact(s.get_ref());
                if key.is_empty() {
                    return Err(invalid(s.span(), "地区名称或别名为空".into()));
                }
                if let Some(other) = spellings.insert(key, id) {
                    if other != id {
                        let owner: &RawRegion = &raw.regions[other.0];
                        return Err(invalid(
                            s.span(),
                            format!(
                                "别名“{}”同时属于“{}”和“{}”",
                                s.get_ref(),
                                owner.name.get_ref(),
                                r.name.get_ref()
                            ),
                        ));
                    }
                }
            }
            regions.push(Region {
                name: r.name.get_ref().clone(),
                kind: r.kind,
                aliases: r.aliases.iter().map(|a| a.get_ref().clone()).collect(),
            });
        }
        let by_name: HashMap<&str, RegionId> =
            regions.iter().enumerate().map(|(i, r)| (r.name.as_str(), RegionId(i))).collect();

        let mut tasks = Vec::new();
        let mut task_names = BTreeSet::new();
        for t in &raw.tasks {
            if !task_names.insert(t.name.get_ref().clone()) {
                return Err(invalid(t.name.span(), format!("试点任务“{}”重复", t.name.get_ref())));
            }
            if !windows.contains_key(t.window.get_ref()) {
                return Err(invalid(t.window.span(), format!("未定义的报送窗口“{}”", t.window.get_ref())));
            }
            let Some(ms) = milestone_sets.get(t.milestones.get_ref()) else {
                return Err(invalid(
                    t.milestones.span(),
                    format!("未定义的时间节点组“{}”", t.milestones.get_ref()),
                ));
            };
            let resolve = |names: &[Spanned<String>]| -> Result<Vec<RegionId>, TemplateError> {
                names
                    .iter()
                    .map(|n| {
                        by_name.get(n.get_ref().as_str()).copied().ok_or_else(|| {
                            invalid(
                                n.span(),
                                format!(
                                    "试点任务“{}”中的地区“{}”不在地区列表中",
                                    t.name.get_ref(),
                                    n.get_ref()
                                ),
                            )
                        })
                    })
                    .collect()
            };
            let lead = resolve(&t.lead)?;
            let part = resolve(&t.part)?;
            if lead.is_empty() {
                return Err(invalid(t.name.span(), format!("试点任务“{}”没有牵头地区", t.name.get_ref())));
            }
            tasks.push(Task {
                name: t.name.get_ref().clone(),
                window: t.window.get_ref().clone(),
                milestones: ms.clone(),
                lead,
                part,
                sites: t.sites.clone(),
                roles: t.role.as_deref() != Some("none"),
            });
        }

        let task_keys = tasks.iter().map(|t| compact(&t.name)).collect();
        let mut registry = Registry { settings, regions, tasks, windows, spellings, task_keys };
        for (name, dept) in &raw.settings.departments {
            let Some(id) = registry.region_by_name(name) else {
                return Err(invalid(dept.span(), format!("departments 中的“{name}”不是登记的试点地区")));
            };
            registry.settings.letters.departments.insert(id, dept.get_ref().trim().to_string());
        }
        for (i, r) in raw.regions.iter().enumerate() {
            if registry.tasks_of(RegionId(i)).is_empty() {
                return Err(invalid(r.name.span(), format!("地区“{}”没有任何试点任务", r.name.get_ref())));
            }
        }
        Ok(registry)
    }

    /// All regions, in registry order.
    pub fn regions(&self) -> impl ExactSizeIterator<Item = (RegionId, &Region)> {
        self.regions.iter().enumerate().map(|(i, r)| (RegionId(i), r))
    }

    /// Number of regions.
    pub fn region_count(&self) -> usize {
        self.regions.len()
    }

    /// The region with this id.
    pub fn region(&self, id: RegionId) -> &Region {
        &self.regions[id.0]
    }

    /// The region whose canonical name is exactly `name`.
    pub fn region_by_name(&self, name: &str) -> Option<RegionId> {
        self.regions.iter().position(|r| r.name == name).map(RegionId)
    }

    /// All tasks, in registry order.
    pub fn tasks(&self) -> impl ExactSizeIterator<Item = (TaskId, &Task)> {
        self.tasks.iter().enumerate().map(|(i, t)| (TaskId(i), t))
    }

    /// The task with this id.
    pub fn task(&self, id: TaskId) -> &Task {
        &self.tasks[id.0]
    }

    /// The task whose canonical name is exactly `name`.
    pub fn task_by_name(&self, name: &str) -> Option<TaskId> {
        self.tasks.iter().position(|t| t.name == name).map(TaskId)
    }

    /// A window by key.
    pub fn window(&self, key: &str) -> Option<&Window> {
        self.windows.get(key)
    }

    /// The tasks of a region with its role in each, in registry order.
    pub fn tasks_of(&self, region: RegionId) -> Vec<(TaskId, Role)> {
        self.tasks()
            .filter_map(|(id, t)| {
                if t.lead.contains(&region) {
                    let role = if t.roles && !t.part.is_empty() { Role::Lead } else { Role::Sole };
                    Some((id, role))
                } else if t.part.contains(&region) {
                    Some((id, Role::Part))
                } else {
                    None
                }
            })
            .collect()
    }

    /// The windows that apply to a region (one per distinct task window).
    pub fn windows_of(&self, region: RegionId) -> Vec<&Window> {
        let keys: BTreeSet<&str> =
            self.tasks_of(region).into_iter().map(|(t, _)| self.task(t).window.as_str()).collect();
        keys.into_iter().filter_map(|k| self.windows.get(k)).collect()
    }

    /// Plan schedule rows of a region: the union of its windows, in order.
    pub fn plan_periods(&self, region: RegionId) -> Vec<Period> {
        let set: BTreeSet<Period> =
            self.windows_of(region).iter().flat_map(|w| w.plan.iter().copied()).collect();
        set.into_iter().collect()
    }

    /// Months a region reports progress for: the union of its windows, in order.
    pub fn progress_months(&self, region: RegionId) -> Vec<YearMonth> {
        let set: BTreeSet<YearMonth> =
            self.windows_of(region).iter().flat_map(|w| w.progress.iter().copied()).collect();
        set.into_iter().collect()
    }

    /// The milestones that apply to a region, with their task, by date then task order.
    pub fn milestones_of(&self, region: RegionId) -> Vec<(TaskId, &Milestone)> {
        let mut out: Vec<(TaskId, &Milestone)> = self
            .tasks_of(region)
            .into_iter()
            .flat_map(|(t, _)| self.task(t).milestones.iter().map(move |m| (t, m)))
            .collect();
        out.sort_by_key(|(t, m)| (m.date, *t));
        out
    }

    /// The plan periods that carry a deadline for a region.
    pub fn deadline_periods(&self, region: RegionId) -> BTreeSet<Period> {
        self.milestones_of(region).into_iter().map(|(_, m)| m.period).collect()
    }

    /// Due date of the progress report on `month`: the override for that
    /// month when `due_overrides` names it, else the `progress_due_day` of
    /// the next month.
    pub fn progress_due(&self, month: YearMonth) -> NaiveDate {
        if let Some(d) = self.settings.due_overrides.get(&month) {
            return *d;
        }
        let next = month.next();
        NaiveDate::from_ymd_opt(next.year, next.month, self.settings.progress_due_day)
            .expect("due day checked to be 1..=28 at load")
    }

    /// 试点任务及要求完成时间 for a region, one task per line:
    /// `钢铁行业（牵头）：2017年3月底前完成初稿；…。`
    pub fn tasks_text(&self, region: RegionId) -> String {
        self.tasks_of(region)
            .into_iter()
            .map(|(id, role)| {
                let t = self.task(id);
                let mut head = t.name.clone();
                let mut notes: Vec<String> = Vec::new();
                if role != Role::Sole {
                    notes.push(role.label_zh().to_string());
                }
                if !t.sites.is_empty() {
                    notes.push(t.sites.join("、"));
                }
                if !notes.is_empty() {
                    head.push('（');
                    head.push_str(&notes.join("，"));
                    head.push('）');
                }
                let deadlines: Vec<String> = t.milestones.iter().map(Milestone::describe).collect();
                format!("{head}：{}。", deadlines.join("；"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Matches a written region name ("河北", "河北省环境保护厅", "山东省济宁市环保局",
    /// "广西区", with stray or full-width spaces). The most specific registered
    /// region wins: a city over its province.
    pub fn resolve(&self, written: &str) -> Resolution {
        let key = compact(written);
        if key.is_empty() {
            return Resolution::Unknown;
        }
        if let Some(&id) = self.spellings.get(&key) {
            return Resolution::Found(id);
        }
        let mut stripped = key.as_str();
        for suffix in ORG_SUFFIXES {
            if let Some(s) = stripped.strip_suffix(suffix) {
                stripped = s;
                break;
            }
        }
        if let Some(&id) = self.spellings.get(stripped) {
            return Resolution::Found(id);
        }
        let hits: BTreeSet<RegionId> =
            self.spellings.iter().filter(|(s, _)| key.contains(s.as_str())).map(|(_, &id)| id).collect();
        if hits.is_empty() {
            return Resolution::Unknown;
        }
        let municipal: Vec<RegionId> =
            hits.iter().copied().filter(|id| self.region(*id).kind == RegionKind::Municipal).collect();
        let pick: Vec<RegionId> = if municipal.is_empty() { hits.into_iter().collect() } else { municipal };
        match pick.as_slice() {
            [one] => Resolution::Found(*one),
            _ => Resolution::Ambiguous(pick),
        }
    }

    /// Matches task names written in a 试点任务 cell: every registered task
    /// whose name appears (ignoring spaces and width), in registry order.
    /// A longer name that contains a shorter one wins over it.
    pub fn find_tasks(&self, written: &str) -> Vec<TaskId> {
        let key = compact(written);
        let names = &self.task_keys;
        let hits: Vec<TaskId> =
            (0..names.len()).filter(|&i| key.contains(names[i].as_str())).map(TaskId).collect();
        hits.iter()
            .copied()
            .filter(|&id| !hits.iter().any(|&o| o != id && names[o.0].contains(names[id.0].as_str())))
            .collect()
    }
}

#[cfg(test)]
mod tests;
