//! The review and the findings ledger: this run's findings go into the
//! ledger ([`crate::ledger::merge`]) and come back with their 状态, so that
//! every document drops the closed ones ([`FindingRow::is_open`]).

use std::collections::BTreeSet;

use crate::ledger::{self, Ledger, Merged, Raised, Shown, Slot};
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
        let raised: Vec<Raised> = self
            .findings
            .iter()
            .filter(|f| f.arrived)
            .map(|f| Raised { key: f.key.clone(), shown: shown(f), standing: !f.superseded })
            .collect();
        let slots: BTreeSet<Slot> = records.iter().filter(|r| arrived(r, as_of)).map(Slot::of).collect();
        let reg = &templates.registry;
        let rank = |k: &ledger::Key| reg.region_by_name(&k.region).map_or(usize::MAX, |id| id.0);
        let merged = ledger::merge(prev, &raised, &slots, as_of, &rank);
        for f in &mut self.findings {
            if let Some((state, decision)) = merged.states.get(&f.id) {
                f.state = *state;
                f.decision = *decision;
            }
        }
        merged
    }
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
