//! A finding's stable identity: the [`Key`] (region, form, period, rule,
//! field and a fingerprint of the judged value) and the 编号 made from it.
//! Nothing of where the file lies, its name or the order of the returns
//! enters the key, so a re-ingest, another folder layout or more returns
//! give the same 编号 for the same finding on the same value.

use sha2::{Digest, Sha256};

use crate::form::{Field, PersonPart, PersonRole};
use crate::record::{Issue, Record};

/// Where a finding stands and on what value: equal keys are the same
/// finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Key {
    /// The canonical region, or `?` and the region as written when it
    /// matches none.
    pub region: String,
    /// `plan` / `progress`.
    pub form: String,
    /// `YYYY-MM` (a month), `YYYY` (a year) or empty (a plan, or no month read).
    pub period: String,
    /// The rule id (`status.missing`).
    pub rule: String,
    /// The record field (`contact.name`, `schedule`).
    pub field: String,
    /// 16 hex digits of the SHA-256 of the value judged (the field's value,
    /// or the finding's message where the field is a whole table such as
    /// `schedule`, whose message names the row).
    pub value: String,
}

impl Key {
    /// The key of `issue` of `record` (without the tie-break that
    /// [`keys_of`] adds when a record raises one rule twice on one value).
    pub fn of(record: &Record, issue: &Issue) -> Key {
        // An empty value (a field the reader could not take, such as a phone
        // it refused) is judged by the message, which quotes what was written.
        let judged = judged_value(record, &issue.field)
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| format!("\u{1}{}", issue.message));
        Key {
            region: region_key(record),
            form: record.kind.id().to_string(),
            period: record.period.map(|p| p.to_string()).unwrap_or_default(),
            rule: issue.rule.id().to_string(),
            field: issue.field.clone(),
            value: fingerprint(&judged),
        }
    }

    /// The key of a value a resubmission of `record`'s form changed where
    /// no finding pointed (rule `correction.unrequested`): `field` is the
    /// record path, `old` and `new` the values.
    pub fn of_change(record: &Record, field: &str, old: &str, new: &str) -> Key {
        Key {
            region: region_key(record),
            form: record.kind.id().to_string(),
            period: record.period.map(|p| p.to_string()).unwrap_or_default(),
            rule: UNREQUESTED_RULE.to_string(),
            field: field.to_string(),
            value: fingerprint(&format!("{old}\u{1}{new}")),
        }
    }

    /// The key as one line of text (`|` between the parts), as the hidden
    /// sheet keeps it.
    pub fn text(&self) -> String {
        [&self.region, &self.form, &self.period, &self.rule, &self.field, &self.value]
            .map(|s| s.as_str())
            .join("|")
    }

    /// The 编号: twelve hex digits of the key's SHA-256, in three groups
    /// (`3F9A-2C1B-77E0`).
    ///
    /// # Examples
    /// ```
    /// use permit_forms::ledger::Key;
    /// let k = Key { region: "河北省".into(), form: "progress".into(), period: "2017-04".into(),
    ///     rule: "status.missing".into(), field: "status".into(), value: "0".into() };
    /// assert_eq!(k.id().len(), 14);
    /// assert_eq!(k.id(), k.clone().id());
    /// ```
    pub fn id(&self) -> String {
        let h = Sha256::digest(self.text().as_bytes());
        let hex: String = h.iter().take(6).map(|b| format!("{b:02X}")).collect();
        format!("{}-{}-{}", &hex[0..4], &hex[4..8], &hex[8..12])
    }

    /// The same finding's place, whatever the value: region, form, period,
    /// rule and field. A key not raised any more whose place another key
    /// now holds was replaced by it (已失效, linked).
    pub fn place(&self) -> (&str, &str, &str, &str, &str) {
        (&self.region, &self.form, &self.period, &self.rule, &self.field)
    }

    /// The form the finding is on: region, form and period.
    pub fn slot(&self) -> Slot {
        Slot { region: self.region.clone(), form: self.form.clone(), period: self.period.clone() }
    }
}

/// The rule id of a value changed where no finding pointed.
pub const UNREQUESTED_RULE: &str = "correction.unrequested";

/// One form of one region and period, as the keys name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot {
    /// As [`Key::region`].
    pub region: String,
    /// As [`Key::form`].
    pub form: String,
    /// As [`Key::period`].
    pub period: String,
}

impl Slot {
    /// The slot of `record`.
    pub fn of(record: &Record) -> Slot {
        Slot {
            region: region_key(record),
            form: record.kind.id().to_string(),
            period: record.period.map(|p| p.to_string()).unwrap_or_default(),
        }
    }
}

/// The key of every finding of `record`, in its order. Two findings that
/// would share a key (one rule raised twice on one value) are told apart
/// by their messages, then by their order.
pub fn keys_of(record: &Record) -> Vec<Key> {
    let mut keys: Vec<Key> = record.issues.iter().map(|i| Key::of(record, i)).collect();
    for i in 0..keys.len() {
        let twins: Vec<usize> = (0..keys.len()).filter(|&j| j != i && keys[j] == keys[i]).collect();
        if twins.is_empty() {
            continue;
        }
        for j in std::iter::once(i).chain(twins) {
            let msg = &record.issues[j].message;
            keys[j].value = fingerprint(&format!("{}\u{1}{msg}", keys[j].value));
        }
    }
    // Same message too: numbered in order.
    for i in 0..keys.len() {
        let mut n = 1;
        for j in i + 1..keys.len() {
            if keys[j] == keys[i] {
                n += 1;
                keys[j].value = format!("{}#{n}", keys[j].value);
            }
        }
    }
    keys
}

fn region_key(record: &Record) -> String {
    match &record.region {
        Some(r) => r.clone(),
        None => format!("?{}", record.region_raw),
    }
}

fn fingerprint(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The value a finding on `field` judged, as text; `None` when the field
/// is not one value (a whole table, a sheet).
fn judged_value(r: &Record, field: &str) -> Option<String> {
    let t = |s: &Option<String>| s.clone().unwrap_or_default();
    Some(match Field::from_path(field)? {
        Field::Region => r.region_raw.clone(),
        Field::Tasks => r.tasks.join("\n"),
        Field::Period => r.period.map(|p| p.to_string()).unwrap_or_default(),
        Field::Planned => t(&r.planned),
        Field::Actual => t(&r.actual),
        Field::Status => r.status.map(|s| s.label_zh().to_string()).unwrap_or_default(),
        Field::DelayReason => t(&r.delay_reason),
        Field::Difficulties => t(&r.difficulties),
        Field::Person(role, part) => {
            let p = match role {
                PersonRole::Lead => &r.lead,
                PersonRole::Contact => &r.contact,
                PersonRole::Handler => &r.handler,
            };
            t(match part {
                PersonPart::Name => &p.name,
                PersonPart::Title => &p.title,
                PersonPart::Phone => &p.phone,
            })
        }
        Field::Division => t(&r.division),
        Field::Submitter => t(&r.submitter),
        Field::SubmittedOn => r.submitted_on.map(|d| d.to_string()).unwrap_or_default(),
        Field::SchedulePeriod | Field::ScheduleArrangement => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{FormKind, Rule, Source};

    fn rec(actual: &str) -> Record {
        let mut r = Record::empty(
            FormKind::Progress,
            Source { file: "a/b.xlsx".into(), sheet: "S".into(), sha256: "x".into() },
        );
        r.region = Some("河北省".into());
        r.period = Some("2017-04".parse().unwrap());
        r.actual = Some(actual.into());
        r
    }

    fn issue(rule: Rule, field: &str, msg: &str) -> Issue {
        crate::ingest::build::issue(rule, field, None, msg.into())
    }

    #[test]
    fn the_key_ignores_where_the_file_lies_and_follows_the_value() {
        let mut a = rec("完成");
        a.issues.push(issue(Rule::SameAsLastMonth, "actual", "与上月相同"));
        let mut b = a.clone();
        b.source.file = "elsewhere/c.xlsx".into();
        b.issues[0].message = "与上月相同（另一种说法）".into();
        assert_eq!(keys_of(&a), keys_of(&b));
        let mut c = a.clone();
        c.actual = Some("完成了".into());
        assert_ne!(keys_of(&a)[0].id(), keys_of(&c)[0].id());
        assert_eq!(keys_of(&a)[0].place(), keys_of(&c)[0].place());
    }

    #[test]
    fn twins_on_one_value_get_their_own_keys() {
        let mut a = rec("x");
        a.issues.push(issue(Rule::SchedulePeriodInvalid, "schedule", "计划时间“13月”无法识别"));
        a.issues.push(issue(Rule::SchedulePeriodInvalid, "schedule", "计划时间“14月”无法识别"));
        a.issues.push(issue(Rule::SameTextOtherRegion, "actual", "同文"));
        a.issues.push(issue(Rule::SameTextOtherRegion, "actual", "同文"));
        let ids: std::collections::BTreeSet<String> = keys_of(&a).iter().map(|k| k.id()).collect();
        assert_eq!(ids.len(), 4);
    }
}
