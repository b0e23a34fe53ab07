//! Cross-checks: the comparisons the permit office makes by eye when it
//! reviews a month's returns, run over the whole set of records after
//! per-file ingest.
//!
//! A cross-check finding is always a warning: it is a judgement for the
//! office, never a defect of the form. Each says what it compared (both texts,
//! shortened, and the month) and, when it compared two forms, names the other
//! one in [`Issue::compared`]. The thresholds and word lists are data in
//! `registry.toml` (`[settings.crosscheck]`, and `keywords` on each
//! milestone).
//!
//! | rule | field | compares |
//! |---|---|---|
//! | `cross.plan_missing_month` | `planned` | 附3 month against the region's current 附2: the plan has no arrangement for that month (nor for its year, for the 2018/2019 rows) |
//! | `cross.plan_differs` | `planned` | 附3 月度工作安排 against the 附2 arrangement of that month (or year): similarity below `differs_below` |
//! | `cross.milestone_words` | `actual` | 附3 of a deadline month ticked 如期/超前 against the milestone's key words: 月度实际进展 mentions none of them |
//! | `cross.same_as_last_month` | `actual`, `difficulties` | 附3 against the region's 附3 of the previous month: similarity at least `same_from` |
//! | `cross.actual_equals_planned` | `actual` | 月度实际进展 against 月度工作安排 of the same form: similarity at least `same_from` |
//! | `cross.behind_to_ahead` | `status` | status against the previous month's: 滞后 → 超前 with none of `catch_up_words` in 月度实际进展 |
//! | `cross.same_text_other_region` | `actual`, `difficulties`, `delay_reason` | text blocks (lines, sentences) against other regions' 附3 of the same month: the same block (ignoring spacing, punctuation, item numbers) |
//!
//! Only current records (see [`crate::ingest::current`]) serve as the other
//! side of a comparison; every 附3 with a region and a month is checked,
//! superseded ones included, so that [`corrections()`] can tell which findings a
//! corrected return fixed. Comparisons stay within a region and its month, the
//! previous month, or the same month across regions: the work grows with the
//! number of records, never with its square.

pub mod corrections;
mod rules;
pub mod similarity;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use crate::period::{Period, YearMonth};
use crate::record::{FormKind, Issue, Record};
use crate::registry::{Milestone, Registry, TaskId};
pub use corrections::{corrections, fields_shown, Correction, FieldChange};
use rayon::prelude::*;
use rules::Ctx;
use similarity::{bigrams_of, blocks};

/// Thresholds and word lists of the cross-checks, from `[settings.crosscheck]`
/// in `registry.toml`. Every key may be left out; the defaults are those of
/// the embedded registry, except `catch_up_words`, which is then empty (every
/// 滞后 → 超前 is reported).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrossCheckSettings {
    /// `cross.plan_differs` when the similarity of 月度工作安排 and the plan's
    /// arrangement is below this (0 to 1).
    pub differs_below: f64,
    /// Two texts at least this similar (0 to 1) count as the same or nearly.
    pub same_from: f64,
    /// Text blocks with fewer essential characters than this are not compared
    /// across regions.
    pub min_block_chars: usize,
    /// Words that say a region caught up (赶上, 弥补 …).
    pub catch_up_words: Vec<String>,
}

impl Default for CrossCheckSettings {
    fn default() -> Self {
        CrossCheckSettings {
            differs_below: 0.25,
            same_from: 0.9,
            min_block_chars: 12,
            catch_up_words: Vec::new(),
        }
    }
}

impl CrossCheckSettings {
    /// Checks that the thresholds make sense.
    ///
    /// # Errors
    /// The problem, in Chinese: a threshold outside 0 to 1, `differs_below`
    /// not below `same_from`, a block length under 2, an empty word.
    pub fn check(&self) -> Result<(), String> {
        let unit = |x: f64| (0.0..=1.0).contains(&x);
        if !unit(self.differs_below) || !unit(self.same_from) {
            return Err("交叉核对的相似度阈值应在 0 到 1 之间".into());
        }
        if self.differs_below >= self.same_from {
            return Err(format!(
                "交叉核对的 differs_below（{}）应小于 same_from（{}）",
                self.differs_below, self.same_from
            ));
        }
        if self.min_block_chars < 2 {
            return Err("交叉核对的 min_block_chars 至少为 2".into());
        }
        if self.catch_up_words.iter().any(|w| w.trim().is_empty()) {
            return Err("交叉核对的 catch_up_words 中有空词".into());
        }
        Ok(())
    }
}

/// The cross-check rules are the `cross.*` variants of the one typed rule
/// enum ([`Rule::is_cross`]).
pub use crate::record::Rule;

/// The cross-check rules, in the order of the module table.
pub const RULES: [Rule; 7] = [
    Rule::PlanMissingMonth,
    Rule::PlanDiffers,
    Rule::MilestoneWords,
    Rule::SameAsLastMonth,
    Rule::ActualEqualsPlanned,
    Rule::BehindToAhead,
    Rule::SameTextOtherRegion,
];

/// One cross-check finding: the record it is about (an index into the
/// slice given to [`cross_check`]), the rule, and the issue to add to it.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossFinding {
    /// Index of the record the finding belongs to.
    pub record: usize,
    /// The rule.
    pub rule: Rule,
    /// The finding as stored in the record (`severity` warning, `rule` the
    /// rule's id, `compared` the other form when there is one).
    pub issue: Issue,
}

/// Runs every cross-check over `records` and returns the findings, in record
/// order, then rule order, then field. A pure function: the records are not
/// changed (see [`apply`]). Records whose region or month is unknown are
/// neither checked nor compared with.
///
/// # Examples
/// ```
/// use permit_forms::crosscheck::{cross_check, Rule};
/// use permit_forms::record::Source;
/// use permit_forms::{FormKind, Period, Record, Status, Templates};
/// let t = Templates::embedded().unwrap();
/// let src = |f: &str| Source { file: f.into(), sheet: "附3".into(), sha256: String::new() };
/// let mut recs = Vec::new();
/// for (m, f) in [(3, "3.xlsx"), (4, "4.xlsx")] {
///     let mut r = Record::empty(FormKind::Progress, src(f));
///     r.region = Some("天津市".into());
///     r.period = Period::month(2017, m);
///     r.status = Some(Status::OnSchedule);
///     r.actual = Some("完成企业培训和申请材料审核，召开推进会".into());
///     recs.push(r);
/// }
/// let found = cross_check(&recs, &t.registry, &t.registry.settings.crosscheck);
/// let april: Vec<Rule> = found.iter().filter(|f| f.record == 1).map(|f| f.rule).collect();
/// assert!(april.contains(&Rule::SameAsLastMonth));
/// ```
pub fn cross_check(records: &[Record], registry: &Registry, opts: &CrossCheckSettings) -> Vec<CrossFinding> {
    // Texts are prepared once per record (in parallel), then each 附3 is
    // checked against the index on its own (in parallel, order kept).
    let prepared: Vec<Option<Texts>> =
        records.par_iter().map(|r| checked_month(r).map(|_| Texts::new(r, opts.min_block_chars))).collect();
    let index = Index::new(records, &prepared, registry);
    let per_record: Vec<Vec<CrossFinding>> = records
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            let (Some(region), Some(month), Some(texts)) =
                (r.region.as_deref(), checked_month(r), prepared[i].as_ref())
            else {
                return Vec::new();
            };
            let mut found: Vec<(Rule, Issue)> = Vec::new();
            let ctx = Ctx {
                records,
                prepared: &prepared,
                index: &index,
                opts,
                region,
                month,
                me: i,
                rec: r,
                texts,
            };
            ctx.against_plan(&mut found);
            ctx.milestone_words(&mut found);
            ctx.against_last_month(&mut found);
            ctx.actual_equals_planned(&mut found);
            ctx.same_text_other_region(&mut found);
            found.sort_by(|a, b| (a.0, &a.1.field).cmp(&(b.0, &b.1.field)));
            found.into_iter().map(|(rule, issue)| CrossFinding { record: i, rule, issue }).collect()
        })
        .collect();
    per_record.into_iter().flatten().collect()
}

/// The month of a 附3 that is checked: one with a region and a month.
fn checked_month(r: &Record) -> Option<YearMonth> {
    match (r.kind, &r.region) {
        (FormKind::Progress, Some(_)) => r.period.and_then(Period::as_month),
        _ => None,
    }
}

/// The texts of one 附3, prepared once: the bigrams of the compared fields
/// and the text blocks of [`BLOCK_FIELDS`].
struct Texts {
    planned: Vec<u64>,
    actual: Vec<u64>,
    difficulties: Vec<u64>,
    /// (field, block as written, key), per field in order.
    blocks: Vec<(&'static str, String, String)>,
}

impl Texts {
    fn new(r: &Record, min_block_chars: usize) -> Self {
        let grams = |t: &Option<String>| t.as_deref().map(bigrams_of).unwrap_or_default();
        let mut blocks_of = Vec::new();
        for f in BLOCK_FIELDS {
            if let Some(t) = text_of(r, f) {
                blocks_of.extend(blocks(t, min_block_chars).into_iter().map(|(shown, key)| (f, shown, key)));
            }
        }
        Texts {
            planned: grams(&r.planned),
            actual: grams(&r.actual),
            difficulties: grams(&r.difficulties),
            blocks: blocks_of,
        }
    }

    fn grams(&self, field: &str) -> &[u64] {
        match field {
            "planned" => &self.planned,
            "actual" => &self.actual,
            "difficulties" => &self.difficulties,
            _ => &[],
        }
    }
}

/// Runs [`cross_check`] with the registry's settings and stores the findings
/// in the records: any earlier cross-check findings are removed first (so a
/// second run gives the same records), then each finding is appended to its
/// record's issues.
pub fn apply(records: &mut [Record], registry: &Registry) {
    for r in records.iter_mut() {
        r.issues.retain(|i| !i.rule.is_cross());
    }
    for f in cross_check(records, registry, &registry.settings.crosscheck) {
        records[f.record].issues.push(f.issue);
    }
}

/// The cell of `field` in the record's sheet (`B7`, `表1!B7`), from the
/// record's `cells` (where ingest read each field), when known.
pub fn cell_of(record: &Record, field: &str) -> Option<String> {
    record.cells.get(field).cloned()
}

/// The milestones of one region by deadline month, with their task.
type DueByMonth<'a> = BTreeMap<YearMonth, Vec<(TaskId, &'a Milestone)>>;

/// Lookups built once per run: the current records by region and month, the
/// text blocks of each month, the milestones by region and month.
struct Index<'a> {
    plans: HashMap<&'a str, usize>,
    progress: HashMap<(&'a str, YearMonth), usize>,
    /// (month, block key) → the current 附3 holding it, each once, in order.
    blocks: HashMap<(YearMonth, &'a str), Vec<usize>>,
    /// region → deadline month → the milestones due that month, with their task.
    deadlines: HashMap<&'a str, DueByMonth<'a>>,
    registry: &'a Registry,
}

/// The fields whose text blocks are compared across regions.
const BLOCK_FIELDS: [&str; 3] = ["actual", "difficulties", "delay_reason"];

fn text_of<'r>(r: &'r Record, field: &str) -> Option<&'r str> {
    match field {
        "planned" => r.planned.as_deref(),
        "actual" => r.actual.as_deref(),
        "difficulties" => r.difficulties.as_deref(),
        "delay_reason" => r.delay_reason.as_deref(),
        _ => None,
    }
}

impl<'a> Index<'a> {
    fn new(records: &'a [Record], prepared: &'a [Option<Texts>], registry: &'a Registry) -> Self {
        let mut plans = HashMap::new();
        let mut progress = HashMap::new();
        let mut blocks_at: HashMap<(YearMonth, &str), Vec<usize>> = HashMap::new();
        for (i, r) in records.iter().enumerate() {
            let Some(region) = r.region.as_deref() else { continue };
            if !r.current {
                continue;
            }
            if r.kind == FormKind::Plan {
                plans.insert(region, i);
            }
            let (Some(m), Some(texts)) = (checked_month(r), prepared[i].as_ref()) else { continue };
            progress.insert((region, m), i);
            let mut seen: HashSet<&str> = HashSet::new();
            for (_, _, key) in &texts.blocks {
                if seen.insert(key) {
                    blocks_at.entry((m, key)).or_default().push(i);
                }
            }
        }
        let mut deadlines = HashMap::new();
        for (id, region) in registry.regions() {
            let mut by_month: BTreeMap<YearMonth, Vec<(TaskId, &Milestone)>> = BTreeMap::new();
            for (t, m) in registry.milestones_of(id) {
                by_month.entry(YearMonth::of(m.date)).or_default().push((t, m));
            }
            deadlines.insert(region.name.as_str(), by_month);
        }
        Index { plans, progress, blocks: blocks_at, deadlines, registry }
    }
}
