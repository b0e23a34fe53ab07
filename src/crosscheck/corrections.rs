//! Resubmission against the first: what a corrected return changed.
//!
//! When a region sends the same form again (same region, kind and period;
//! see [`crate::ingest::current`]), the versions are put in the order that
//! decides the current one (填报时间, a missing one first, then output order)
//! and each version is compared with the one before it. A [`Correction`] says,
//! per field, what changed (old → new, with both cells when known), and which
//! findings of the earlier version are fixed, which remain and which are new.
//! The last correction of a group ends at the current record.
//!
//! This is data for the review outputs (the 更正记录 sheet, the 已更正 marks,
//! letters that leave fixed findings out); it renders nothing.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::crosscheck::cell_of;
use crate::form::{Field, PersonPart, PersonRole};
use crate::period::Period;
use crate::record::{FormKind, Issue, Record, Status};

/// One field that differs between two versions of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The field; its record path ([`Field::path`]: `actual`,
    /// `contact.phone`) keys [`Record::cells`]. A plan's schedule rows are
    /// [`Field::ScheduleArrangement`].
    pub field: Field,
    /// For [`Field::ScheduleArrangement`]: the plan row's period.
    pub period: Option<Period>,
    /// The value in the earlier version, as shown to a clerk (`超前` for a
    /// status, `2017-04-09` for a date, tasks joined with `、`).
    pub old: Option<String>,
    /// The value in the later version.
    pub new: Option<String>,
    /// A1 cell of the value in the earlier version's sheet, when known.
    pub old_cell: Option<String>,
    /// A1 cell in the later version's sheet, when known.
    pub new_cell: Option<String>,
}

/// A later version of a form compared with the one before it.
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    /// The region.
    pub region: String,
    /// 附2 or 附3.
    pub kind: FormKind,
    /// The month of a 附3; `None` for a 附2.
    pub period: Option<Period>,
    /// Index of the earlier version in the records given.
    pub earlier: usize,
    /// Index of the later version.
    pub later: usize,
    /// Fields that differ, in record order, then the plan's schedule rows
    /// in period order.
    pub changes: Vec<FieldChange>,
    /// Findings of the earlier version that the later one no longer has.
    pub fixed: Vec<Issue>,
    /// Findings of the later version the earlier one had too (as in the later).
    pub remaining: Vec<Issue>,
    /// Findings of the later version the earlier one did not have.
    pub new: Vec<Issue>,
}

impl Correction {
    /// Whether `issue` of the earlier version is among the fixed ones.
    pub fn is_fixed(&self, issue: &Issue) -> bool {
        self.fixed.contains(issue)
    }

    /// The changes no finding of `earlier` (the earlier version) pointed
    /// at: values the office did not ask to change (rule
    /// `correction.unrequested`, a warning for the office). A new 填报时间
    /// is what a resubmission is expected to bring: it is not among them.
    pub fn unrequested<'a>(&'a self, earlier: &'a Record) -> impl Iterator<Item = &'a FieldChange> + 'a {
        self.changes.iter().filter(move |f| f.field != Field::SubmittedOn).filter(move |f| {
            let path = f.field.path();
            let schedule = path.starts_with("schedule");
            !earlier.issues.iter().any(|i| i.field == path || (schedule && i.field.starts_with("schedule")))
        })
    }
}

/// The corrections in `records`: for every region, kind and period sent more
/// than once, one [`Correction`] per later version, ordered by region, kind,
/// period, then version. Records with an unknown region are never grouped.
///
/// # Examples
/// ```
/// use permit_forms::crosscheck::corrections;
/// use permit_forms::form::Field;
/// use permit_forms::record::Source;
/// use permit_forms::{FormKind, Period, Record};
/// let src = |f: &str| Source { file: f.into(), sheet: "附3".into(), sha256: String::new() };
/// let mut first = Record::empty(FormKind::Progress, src("4月.xlsx"));
/// first.region = Some("河北省".into());
/// first.period = Period::month(2017, 4);
/// first.actual = Some("完成培训".into());
/// let mut second = first.clone();
/// second.source = src("4月（更正）.xlsx");
/// second.actual = Some("完成培训和审核".into());
/// let c = corrections(&[first, second]);
/// assert_eq!(c.len(), 1);
/// assert_eq!(c[0].changes[0].field, Field::Actual);
/// assert_eq!(c[0].changes[0].new.as_deref(), Some("完成培训和审核"));
/// ```
pub fn corrections(records: &[Record]) -> Vec<Correction> {
    let mut groups: BTreeMap<(&str, FormKind, Option<Period>), Vec<usize>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        if let Some(region) = r.region.as_deref() {
            groups.entry((region, r.kind, r.period)).or_default().push(i);
        }
    }
    // Each form's chain of versions is compared on its own, in parallel;
    // the output keeps the groups' order.
    let groups: Vec<_> = groups.into_iter().filter(|(_, versions)| versions.len() >= 2).collect();
    groups
        .into_par_iter()
        .flat_map_iter(|((region, kind, period), mut versions)| {
            // The order that makes the last one current (stable: output order breaks ties).
            versions.sort_by_key(|&i| crate::ingest::current::order(&records[i]));
            versions
                .windows(2)
                .map(|pair| {
                    let (earlier, later) = (pair[0], pair[1]);
                    let (a, b) = (&records[earlier], &records[later]);
                    let (fixed, remaining, new) = match_findings(&a.issues, &b.issues);
                    Correction {
                        region: region.to_string(),
                        kind,
                        period,
                        earlier,
                        later,
                        changes: field_changes(a, b),
                        fixed,
                        remaining,
                        new,
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Pairs the findings of two versions: first those with the same rule, field
/// and message, then those with the same rule and field (a message that names
/// a row or a date may change when the finding does not). Returns
/// (fixed, remaining, new).
fn match_findings(before: &[Issue], after: &[Issue]) -> (Vec<Issue>, Vec<Issue>, Vec<Issue>) {
    let mut left: Vec<Option<&Issue>> = before.iter().map(Some).collect();
    let mut matched = vec![false; after.len()];
    let passes: [fn(&Issue, &Issue) -> bool; 2] = [
        |a, b| a.rule == b.rule && a.field == b.field && a.message == b.message,
        |a, b| a.rule == b.rule && a.field == b.field,
    ];
    for same in passes {
        for (j, b) in after.iter().enumerate() {
            if matched[j] {
                continue;
            }
            if let Some(slot) = left.iter_mut().find(|s| s.is_some_and(|a| same(a, b))) {
                *slot = None;
                matched[j] = true;
            }
        }
    }
    let fixed = left.into_iter().flatten().cloned().collect();
    let (mut remaining, mut new) = (Vec::new(), Vec::new());
    for (j, b) in after.iter().enumerate() {
        if matched[j] {
            remaining.push(b.clone())
        } else {
            new.push(b.clone())
        }
    }
    (fixed, remaining, new)
}

/// A field's value as the record holds it: compared as it is, and put in
/// words (see [`Value::shown`]) only for the fields that differ.
#[derive(PartialEq)]
enum Value<'r> {
    Text(Option<&'r str>),
    Tasks(&'r [String]),
    Period(Option<Period>),
    Status(Option<Status>),
    Date(Option<NaiveDate>),
}

impl<'r> Value<'r> {
    /// The value as shown to a clerk: `超前` for a status, `2017-04-09`
    /// for a date, tasks joined with `、`; `None` when empty.
    fn shown(&self) -> Option<Cow<'r, str>> {
        match *self {
            Value::Text(t) => t.map(Cow::Borrowed),
            Value::Tasks(t) => (!t.is_empty()).then(|| Cow::Owned(t.join("、"))),
            Value::Period(p) => p.map(|p| Cow::Owned(p.label_zh())),
            Value::Status(s) => s.map(|s| Cow::Borrowed(s.label_zh())),
            Value::Date(d) => d.map(|d| Cow::Owned(d.format("%Y-%m-%d").to_string())),
        }
    }
}

/// Every field of a record as a clerk reads it (`超前` for a status,
/// `2017-04-09` for a date, tasks joined with `、`; `None` when empty), in
/// record order, as the 更正记录 compares them (schedule rows aside): for
/// views that show a record field by field (the status board).
pub fn fields_shown(r: &Record) -> Vec<(Field, Option<String>)> {
    values(r).into_iter().map(|(f, v)| (f, v.shown().map(Cow::into_owned))).collect()
}

/// Every comparable field of a record with its value, in record order
/// (schedule rows come separately).
fn values(r: &Record) -> [(Field, Value<'_>); 20] {
    use PersonPart::{Name, Phone, Title};
    use PersonRole::{Contact, Handler, Lead};
    fn text(v: &Option<String>) -> Value<'_> {
        Value::Text(v.as_deref())
    }
    [
        (Field::Region, Value::Text(Some(r.region_raw.as_str()).filter(|s| !s.is_empty()))),
        (Field::Tasks, Value::Tasks(&r.tasks)),
        (Field::Period, Value::Period(r.period)),
        (Field::Planned, text(&r.planned)),
        (Field::Actual, text(&r.actual)),
        (Field::Status, Value::Status(r.status)),
        (Field::DelayReason, text(&r.delay_reason)),
        (Field::Difficulties, text(&r.difficulties)),
        (Field::Person(Lead, Name), text(&r.lead.name)),
        (Field::Person(Lead, Title), text(&r.lead.title)),
        (Field::Person(Lead, Phone), text(&r.lead.phone)),
        (Field::Person(Contact, Name), text(&r.contact.name)),
        (Field::Person(Contact, Title), text(&r.contact.title)),
        (Field::Person(Contact, Phone), text(&r.contact.phone)),
        (Field::Person(Handler, Name), text(&r.handler.name)),
        (Field::Person(Handler, Title), text(&r.handler.title)),
        (Field::Person(Handler, Phone), text(&r.handler.phone)),
        (Field::Division, text(&r.division)),
        (Field::Submitter, text(&r.submitter)),
        (Field::SubmittedOn, Value::Date(r.submitted_on)),
    ]
}

/// The fields of `b` whose value, as shown to a clerk, differs from `a`'s.
fn field_changes(a: &Record, b: &Record) -> Vec<FieldChange> {
    let mut out: Vec<FieldChange> = values(a)
        .into_iter()
        .zip(values(b))
        .filter(|((_, old), (_, new))| old != new)
        .filter_map(|((field, old), (_, new))| {
            // Different values can read the same (tasks joined with 、).
            let (old, new) = (old.shown(), new.shown());
            (old != new).then(|| {
                let path = field.path();
                FieldChange {
                    old_cell: cell_of(a, &path),
                    new_cell: cell_of(b, &path),
                    field,
                    period: None,
                    old: old.map(Cow::into_owned),
                    new: new.map(Cow::into_owned),
                }
            })
        })
        .collect();
    // Schedule rows by period, in period order; a row only one version has
    // counts as changed from or to nothing.
    let mut rows: BTreeMap<Period, (Option<String>, Option<String>)> = BTreeMap::new();
    for e in &a.schedule {
        rows.entry(e.period).or_default().0 = e.arrangement.clone();
    }
    for e in &b.schedule {
        rows.entry(e.period).or_default().1 = e.arrangement.clone();
    }
    for (period, (old, new)) in rows {
        if old != new {
            out.push(FieldChange {
                field: Field::ScheduleArrangement,
                period: Some(period),
                old,
                new,
                old_cell: None,
                new_cell: None,
            });
        }
    }
    out
}
