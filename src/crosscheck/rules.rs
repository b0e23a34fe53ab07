//! The rules: one 附3 ([`Ctx`]) against its region's plan, its previous
//! month, its own plan text and the same month's other regions, each rule
//! adding warnings in the words the office reads.

use std::collections::BTreeMap;

use super::{cell_of, text_of, CrossCheckSettings, Index, Rule, Texts};
use crate::crosscheck::similarity::{bigrams_of, dice, percent, shorten};
use crate::form::Field;
use crate::period::{Period, YearMonth};
use crate::record::{Compared, Issue, Record, Status};
use crate::registry::Milestone;

/// How many characters of a text a message quotes.
const QUOTE_CHARS: usize = 30;

/// Where another record's `field` is, for [`Issue::compared`].
fn compared(other: &Record, field: &str) -> Compared {
    Compared {
        file: other.source.file.clone(),
        sheet: other.source.sheet.clone(),
        cell: cell_of(other, field),
    }
}

/// How alike two texts found the same are, in words: `相同`, or
/// `几乎相同（相似度N%）`.
fn sameness(sim: f64) -> String {
    if sim >= 1.0 {
        "相同".to_string()
    } else {
        format!("几乎相同（相似度{}%）", percent(sim))
    }
}

fn warning(
    rule: Rule,
    field: &str,
    cell: Option<String>,
    message: String,
    other: Option<Compared>,
) -> (Rule, Issue) {
    (
        rule,
        Issue {
            severity: rule.severity(),
            rule,
            field: field.to_string(),
            cell: cell.and_then(|c| c.parse().ok()),
            message,
            compared: other,
        },
    )
}

/// The month before `m`.
fn previous(m: YearMonth) -> Option<YearMonth> {
    if m.month == 1 {
        YearMonth::new(m.year - 1, 12)
    } else {
        YearMonth::new(m.year, m.month - 1)
    }
}

/// The form's label of a field, for messages.
fn field_zh(field: &str) -> &'static str {
    Field::from_path(field).map_or("", Field::label_zh)
}

/// One 附3 being checked.
pub(super) struct Ctx<'a, 'b> {
    pub(super) records: &'a [Record],
    pub(super) prepared: &'a [Option<Texts>],
    pub(super) index: &'b Index<'a>,
    pub(super) opts: &'b CrossCheckSettings,
    pub(super) region: &'a str,
    pub(super) month: YearMonth,
    pub(super) me: usize,
    pub(super) rec: &'a Record,
    pub(super) texts: &'a Texts,
}

impl<'a> Ctx<'a, '_> {
    /// `cross.plan_missing_month` and `cross.plan_differs`.
    pub(super) fn against_plan(&self, out: &mut Vec<(Rule, Issue)>) {
        let Some(&p) = self.index.plans.get(self.region) else { return };
        let plan = &self.records[p];
        let row = plan
            .schedule
            .iter()
            .find(|e| e.period == Period::Month(self.month))
            .or_else(|| plan.schedule.iter().find(|e| e.period == Period::Year(self.month.year)));
        let Some((row_period, arrangement)) =
            row.and_then(|e| e.arrangement.as_deref().map(|a| (e.period, a)))
        else {
            out.push(warning(
                Rule::PlanMissingMonth,
                "planned",
                cell_of(self.rec, "planned"),
                format!(
                    "本地区附2试点工作计划表中没有{}的试点任务安排，无法与本表的月度工作安排对照，请核实",
                    self.month.label_zh()
                ),
                Some(compared(plan, "schedule")),
            ));
            return;
        };
        let Some(planned) = self.rec.planned.as_deref() else { return };
        let sim = dice(&self.texts.planned, &bigrams_of(arrangement));
        if sim < self.opts.differs_below {
            out.push(warning(
                Rule::PlanDiffers,
                "planned",
                cell_of(self.rec, "planned"),
                format!(
                    "月度工作安排与本地区附2中{}的安排差别较大（相似度{}%）：本表为“{}”，附2为“{}”，请核实",
                    row_period.label_zh(),
                    percent(sim),
                    shorten(planned, QUOTE_CHARS),
                    shorten(arrangement, QUOTE_CHARS)
                ),
                Some(compared(plan, "schedule")),
            ));
        }
    }

    /// `cross.milestone_words`.
    pub(super) fn milestone_words(&self, out: &mut Vec<(Rule, Issue)>) {
        let Some(status @ (Status::OnSchedule | Status::Ahead)) = self.rec.status else { return };
        let Some(due) = self.index.deadlines.get(self.region).and_then(|d| d.get(&self.month)) else {
            return;
        };
        let actual = self.rec.actual.as_deref().unwrap_or("");
        // One finding per milestone text, naming every task that shares it.
        let mut by_text: BTreeMap<&str, (Vec<&str>, &Milestone)> = BTreeMap::new();
        for (t, m) in due {
            by_text
                .entry(m.text.as_str())
                .or_insert_with(|| (Vec::new(), m))
                .0
                .push(&self.index.registry.task(*t).name);
        }
        let mut ordered: Vec<(Vec<&str>, &Milestone)> = by_text.into_values().collect();
        ordered.sort_by_key(|(_, m)| (m.date, m.text.clone()));
        for (tasks, m) in ordered {
            if m.keywords.is_empty() || m.keywords.iter().any(|k| actual.contains(k.as_str())) {
                continue;
            }
            let words: Vec<String> = m.keywords.iter().map(|k| format!("“{k}”")).collect();
            out.push(warning(
                Rule::MilestoneWords,
                "actual",
                cell_of(self.rec, "actual"),
                format!(
                    "{}是{}的时间节点（{}），本表进度情况为“{}”，但月度实际进展中未提到{}：该节点的工作是否已经完成？请核实",
                    self.month.label_zh(),
                    tasks.join("、"),
                    m.describe(),
                    status.label_zh(),
                    words.join("或")
                ),
                None,
            ));
        }
    }

    /// `cross.same_as_last_month` and `cross.behind_to_ahead`.
    pub(super) fn against_last_month(&self, out: &mut Vec<(Rule, Issue)>) {
        let Some(prev_month) = previous(self.month) else { return };
        let Some(&p) = self.index.progress.get(&(self.region, prev_month)) else { return };
        let prev = &self.records[p];
        for field in ["actual", "difficulties"] {
            let (Some(now), Some(_), Some(before)) =
                (text_of(self.rec, field), text_of(prev, field), self.prepared[p].as_ref())
            else {
                continue;
            };
            let sim = dice(self.texts.grams(field), before.grams(field));
            if sim >= self.opts.same_from {
                let how = sameness(sim);
                out.push(warning(
                    Rule::SameAsLastMonth,
                    field,
                    cell_of(self.rec, field),
                    format!(
                        "{}与上月（{}）进展表{}：“{}”，是否沿用了上月的内容？请核实",
                        field_zh(field),
                        prev_month.label_zh(),
                        how,
                        shorten(now, QUOTE_CHARS)
                    ),
                    Some(compared(prev, field)),
                ));
            }
        }
        if prev.status == Some(Status::Behind) && self.rec.status == Some(Status::Ahead) {
            let says_caught_up = [self.rec.actual.as_deref(), self.rec.delay_reason.as_deref()]
                .into_iter()
                .flatten()
                .any(|t| self.opts.catch_up_words.iter().any(|w| t.contains(w.as_str())));
            if !says_caught_up {
                out.push(warning(
                    Rule::BehindToAhead,
                    "status",
                    cell_of(self.rec, "status"),
                    format!(
                        "上月（{}）进度情况为“滞后”，本月为“超前”，但月度实际进展中没有追赶进度的说明：是否已经赶上？请核实",
                        prev_month.label_zh()
                    ),
                    Some(compared(prev, "status")),
                ));
            }
        }
    }

    /// `cross.actual_equals_planned`.
    pub(super) fn actual_equals_planned(&self, out: &mut Vec<(Rule, Issue)>) {
        let (Some(actual), Some(_)) = (self.rec.actual.as_deref(), self.rec.planned.as_deref()) else {
            return;
        };
        let sim = dice(&self.texts.actual, &self.texts.planned);
        if sim >= self.opts.same_from {
            let how = sameness(sim);
            out.push(warning(
                Rule::ActualEqualsPlanned,
                "actual",
                cell_of(self.rec, "actual"),
                format!(
                    "月度实际进展与本表的月度工作安排{how}：“{}”，实际进展应写本月实际完成的工作，请核实",
                    shorten(actual, QUOTE_CHARS)
                ),
                None,
            ));
        }
    }

    /// `cross.same_text_other_region`: one finding per field and block, naming
    /// the other regions; `compared` is the first of them in record order.
    pub(super) fn same_text_other_region(&self, out: &mut Vec<(Rule, Issue)>) {
        let own_current = self.index.progress.get(&(self.region, self.month));
        for &(field, ref shown, ref key) in &self.texts.blocks {
            let Some(holders) = self.index.blocks.get(&(self.month, key.as_str())) else { continue };
            // Holders are current records in record order, one per region and
            // month: only this region's own current 附3 can be among them.
            let own = own_current.is_some_and(|o| holders.binary_search(o).is_ok());
            let count = holders.len() - usize::from(own);
            if count == 0 {
                continue;
            }
            let mut others = holders
                .iter()
                .filter(|&&o| o != self.me && self.records[o].region.as_deref() != Some(self.region));
            let Some(&first) = others.next() else { continue };
            let shown_names: Vec<&str> = std::iter::once(first)
                .chain(others.take(2).copied())
                .filter_map(|o| self.records[o].region.as_deref())
                .collect();
            let regions = if count > shown_names.len() {
                format!("{}等{}个地区", shown_names.join("、"), count)
            } else {
                shown_names.join("、")
            };
            out.push(warning(
                Rule::SameTextOtherRegion,
                field,
                cell_of(self.rec, field),
                format!(
                    "{}中的“{}”与{}同月（{}）进展表中的文字相同，请核实是否为本地区的情况",
                    field_zh(field),
                    shorten(shown, QUOTE_CHARS),
                    regions,
                    self.month.label_zh()
                ),
                Some(compared(&self.records[first], field)),
            ));
        }
    }
}
