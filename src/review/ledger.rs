//! The review and the findings ledger: this run's findings go into the
//! ledger ([`crate::ledger::merge`]) and come back with their 状态, so that
//! every document drops the closed ones ([`FindingRow::is_open`]).

use std::collections::{BTreeMap, BTreeSet};

use chrono::Months;

use crate::ledger::{self, Ledger, Merged, Raised, Shown, Slot, Value};
use crate::period::YearMonth;
use crate::record::Record;
use crate::templates::Templates;

use super::trace::arrived;
use super::{FindingRow, Review};

impl Review {
    /// Merges this review's findings into `prev` (the ledger the office
    /// saved, if any), sets each finding's [`FindingRow::state`] and
    /// decision, and returns the ledger to write with the notes for the
    /// office. `records` are the records the review was built from.
    pub fn apply_ledger(
        &mut self,
        templates: &Templates,
        records: &[Record],
        prev: Option<&Ledger>,
    ) -> Merged {
        let as_of = self.as_of;
        let mut raised: Vec<Raised> = self
            .findings
            .iter()
            .filter(|f| f.arrived)
            .map(|f| Raised { key: f.key.clone(), shown: shown(f), standing: !f.superseded })
            .collect();
        raised.extend(self.unrequested(templates, records));
        let slots: BTreeSet<Slot> = records.iter().filter(|r| arrived(r, as_of)).map(Slot::of).collect();
        let reg = &templates.registry;
        let rank = |k: &ledger::Key| reg.region_by_name(&k.region).map_or(usize::MAX, |id| id.0);
        let said = said_of(records, as_of);
        let merged = ledger::merge_with(prev, &raised, &said, &slots, as_of, &rank);
        for f in &mut self.findings {
            if let Some((state, decision)) = merged.states.get(&f.id) {
                f.state = *state;
                f.decision = *decision;
            }
        }
        self.look_back = self.look_back_of(&merged.ledger, &rank);
        merged
    }

    /// The values each arrived resubmission changed where no finding of the
    /// version before pointed (rule [`ledger::UNREQUESTED_RULE`]), as
    /// warnings for the ledger only: the office sees them, the region's
    /// letter does not ask about them.
    fn unrequested(&self, templates: &Templates, records: &[Record]) -> Vec<Raised> {
        let mut out = Vec::new();
        for c in self.corrections.iter().filter(|c| arrived(&records[c.later], self.as_of)) {
            let (a, b) = (&records[c.earlier], &records[c.later]);
            for f in c.unrequested(a) {
                let (old, new) = (f.old.as_deref().unwrap_or(""), f.new.as_deref().unwrap_or(""));
                let path = f.field.path();
                let item = match f.period {
                    Some(p) => format!("{} {}", p.label_zh(), f.field.label_zh()),
                    None => f.field.label_zh().to_string(),
                };
                let cell = f.new_cell.clone().unwrap_or_default();
                out.push(Raised {
                    key: ledger::Key::of_change(
                        b,
                        &format!("{path}{}", f.period.map(|p| format!("@{p}")).unwrap_or_default()),
                        old,
                        new,
                    ),
                    shown: Shown {
                        region: crate::consolidate::region_shown(b),
                        form: templates.form(b.kind).mark.clone(),
                        period: b.period.map(|p| p.label_zh()).unwrap_or_default(),
                        problem: format!(
                            "未要求的更改：重新报送时“{item}”由“{old}”改为“{new}”，审核意见未指出此处，请核实"
                        ),
                        source: crate::markup::source_label(b, &path),
                        cell,
                        severity: crate::record::Severity::Warning.label_zh().to_string(),
                    },
                    standing: !self
                        .corrections
                        .iter()
                        .any(|n| n.earlier == c.later && arrived(&records[n.later], self.as_of)),
                });
            }
        }
        out
    }

    /// The regions to look back at (回头看) as of the review's date, in
    /// registry order: findings open two months or more, findings raised
    /// again after a return had closed them, reports late two months
    /// running.
    fn look_back_of(&self, ledger: &Ledger, rank: &dyn Fn(&ledger::Key) -> usize) -> Vec<LookBack> {
        let mut by: BTreeMap<(usize, String), LookBack> = BTreeMap::new();
        let two_months_ago = self.as_of.checked_sub_months(Months::new(2)).unwrap_or(self.as_of);
        for e in
            ledger.entries.values().filter(|e| e.state.is_open() && e.key.rule != ledger::UNREQUESTED_RULE)
        {
            let lb = by
                .entry((rank(&e.key), e.shown.region.clone()))
                .or_insert_with(|| LookBack::new(&e.shown.region));
            if e.first_seen <= two_months_ago {
                lb.open_long += 1;
            }
            if e.reopened.is_some() {
                lb.reopened += 1;
            }
        }
        let mut late: BTreeMap<&str, BTreeSet<YearMonth>> = BTreeMap::new();
        for c in self.chase.iter().filter(|c| !c.missing()) {
            if let Some(m) = c.month {
                late.entry(&c.region).or_default().insert(m);
            }
        }
        for (region, months) in late {
            let running: BTreeSet<YearMonth> =
                months.iter().filter(|m| months.contains(&m.next())).flat_map(|m| [*m, m.next()]).collect();
            if !running.is_empty() {
                let key = ledger::Key { region: region.to_string(), ..Default::default() };
                let lb = by.entry((rank(&key), region.to_string())).or_insert_with(|| LookBack::new(region));
                lb.late_running = running.into_iter().collect();
            }
        }
        by.into_values().filter(LookBack::named).collect()
    }

    /// The 回头看 sheet of the ledger workbook: one line per region.
    pub fn look_back_sheet(&self) -> ledger::Sheet {
        let text = |s: &str| Some(Value::Text(s.to_string()));
        let mut rows = vec![vec![text("地区"), text("回头看")]];
        rows.extend(self.look_back.iter().map(|l| vec![text(&l.region), text(&l.line_zh())]));
        if self.look_back.is_empty() {
            rows.push(vec![text("（无）"), text("没有需要回头看的地区")]);
        }
        ledger::Sheet { name: LOOK_BACK_SHEET.into(), rows, hidden: false }
    }
}

/// The name of the ledger workbook's 回头看 sheet.
pub const LOOK_BACK_SHEET: &str = "回头看";

/// A region the office should look back at (回头看), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookBack {
    /// The region as shown.
    pub region: String,
    /// Findings still open two months or more after they were first raised.
    pub open_long: usize,
    /// Open findings raised again after a return had closed them.
    pub reopened: usize,
    /// Months of runs of two or more consecutive late reports.
    pub late_running: Vec<YearMonth>,
}

impl LookBack {
    fn new(region: &str) -> Self {
        LookBack { region: region.to_string(), open_long: 0, reopened: 0, late_running: Vec::new() }
    }

    fn named(&self) -> bool {
        self.open_long > 0 || self.reopened > 0 || !self.late_running.is_empty()
    }

    /// One line for the report and the ledger: `河北省：2 个问题两个月以上仍未解决；…`.
    pub fn line_zh(&self) -> String {
        let mut parts = Vec::new();
        if self.open_long > 0 {
            parts.push(format!("{} 个问题两个月以上仍未解决", self.open_long));
        }
        if self.reopened > 0 {
            parts.push(format!("{} 个问题更正后又出现", self.reopened));
        }
        if !self.late_running.is_empty() {
            let months: Vec<String> = self.late_running.iter().map(|m| m.label_zh()).collect();
            parts.push(format!("连续迟报（{}）", months.join("、")));
        }
        format!("{}：{}", self.region, parts.join("；"))
    }
}

/// The regions' 情况说明 of the arrived records, by 编号, in record order;
/// the same text written again in another file is kept once.
fn said_of(records: &[Record], as_of: chrono::NaiveDate) -> BTreeMap<String, ledger::Answer> {
    let mut said: BTreeMap<String, ledger::Answer> = BTreeMap::new();
    for r in records.iter().filter(|r| arrived(r, as_of)) {
        let file = crate::markup::file_name_of(&r.source.file);
        for e in &r.explanations {
            let a = said.entry(e.id.trim().to_uppercase()).or_default();
            if !a.versions.iter().any(|(t, _)| *t == e.text) {
                a.versions.push((e.text.clone(), format!("{file}!{}", e.at)));
            }
        }
    }
    said
}

/// What the ledger shows of a finding.
fn shown(f: &FindingRow) -> Shown {
    Shown {
        region: f.region.clone(),
        form: f.form.clone(),
        period: f.period.clone(),
        problem: format!("{}：{}", f.rule, f.message),
        cell: f.cell.clone(),
        severity: f.severity.label_zh().to_string(),
        source: f.source.label.clone(),
    }
}
