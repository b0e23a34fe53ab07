//! The record: one form found in a returned file, as written to
//! `records.jsonl`. Field names are part of the outside contract.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::period::Period;

/// Which of the two forms a sheet is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    /// 附2 试点工作计划表, the work plan, returned once.
    Plan,
    /// 附3 试点工作进展表, the monthly progress report.
    Progress,
}

impl FormKind {
    /// Both kinds, plan first.
    pub const ALL: [FormKind; 2] = [FormKind::Plan, FormKind::Progress];

    /// The stable identifier used in templates and identities (`plan`, `progress`).
    pub fn id(self) -> &'static str {
        match self {
            FormKind::Plan => "plan",
            FormKind::Progress => "progress",
        }
    }

    /// Parses [`FormKind::id`].
    pub fn from_id(s: &str) -> Option<Self> {
        match s {
            "plan" => Some(FormKind::Plan),
            "progress" => Some(FormKind::Progress),
            _ => None,
        }
    }
}

/// 进度情况: the schedule status a region ticks on 附3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 超前
    Ahead,
    /// 如期
    OnSchedule,
    /// 滞后
    Behind,
}

impl Status {
    /// The three choices in the order the form prints them.
    pub const ALL: [Status; 3] = [Status::Ahead, Status::OnSchedule, Status::Behind];

    /// The word on the form.
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Ahead => "超前",
            Status::OnSchedule => "如期",
            Status::Behind => "滞后",
        }
    }

    /// Parses exactly one of the three words.
    pub fn from_label(s: &str) -> Option<Self> {
        Status::ALL.into_iter().find(|st| st.label_zh() == s)
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The record is unusable or wrong until the region fixes it.
    Error,
    /// The office should look at it but can accept the form.
    Warning,
}

impl Severity {
    /// 错误 / 警告
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
        }
    }
}

/// One validation finding on a record. A finding is data, not an error: the
/// run goes on and the office decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// `error` or `warning`.
    pub severity: Severity,
    /// Stable rule id (`region.unknown`, `status.missing`, …).
    pub rule: String,
    /// The record field concerned, dotted for a part (`contact.name`).
    pub field: String,
    /// A1 address in the original sheet, when one cell is to blame.
    pub cell: Option<String>,
    /// What is wrong, in words a clerk understands.
    pub message: String,
}

/// A person block: 总负责人, 联系人 or 经办人.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// 姓名
    pub name: Option<String>,
    /// 职务
    pub title: Option<String>,
    /// 联系方式: an 11-digit mobile or `area-number`.
    pub phone: Option<String>,
}

impl Person {
    /// True when nothing was filled in.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.title.is_none() && self.phone.is_none()
    }
}

/// One row of the plan schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleEntry {
    /// The month or year of the row.
    pub period: Period,
    /// 试点任务安排 for that period.
    pub arrangement: Option<String>,
}

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The path as the user gave it, joined with the path inside a given folder.
    pub file: String,
    /// Sheet name.
    pub sheet: String,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
}

/// One form found in a returned file (one line of `records.jsonl`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// 附2 or 附3.
    pub kind: FormKind,
    /// Canonical region name; `None` when the text matches no region.
    pub region: Option<String>,
    /// 试点地区 as written.
    pub region_raw: String,
    /// Canonical task names found in 试点任务及要求完成时间.
    pub tasks: Vec<String>,
    /// Progress: the month reported on.
    pub period: Option<Period>,
    /// 月度工作安排
    pub planned: Option<String>,
    /// 月度实际进展
    pub actual: Option<String>,
    /// 进度情况
    pub status: Option<Status>,
    /// 进度滞后的原因
    pub delay_reason: Option<String>,
    /// 存在的困难和需要的支持
    pub difficulties: Option<String>,
    /// 总负责人
    pub lead: Person,
    /// 联系人
    pub contact: Person,
    /// 经办人
    pub handler: Person,
    /// 责任处室
    pub division: Option<String>,
    /// Plan: the schedule rows in form order.
    pub schedule: Vec<ScheduleEntry>,
    /// 填报单位
    pub submitter: Option<String>,
    /// 填报时间
    pub submitted_on: Option<NaiveDate>,
    /// Where the record came from.
    pub source: Source,
    /// Validation findings.
    pub issues: Vec<Issue>,
    /// Whether this is the record that counts among resubmissions of the same
    /// region, kind and period (latest 填报时间, then the later file name).
    #[serde(default = "default_current")]
    pub current: bool,
}

fn default_current() -> bool {
    true
}

impl Record {
    /// An empty record of `kind` from `source`, to be filled by the ingester
    /// or by tests.
    pub fn empty(kind: FormKind, source: Source) -> Self {
        Record {
            kind,
            region: None,
            region_raw: String::new(),
            tasks: Vec::new(),
            period: None,
            planned: None,
            actual: None,
            status: None,
            delay_reason: None,
            difficulties: None,
            lead: Person::default(),
            contact: Person::default(),
            handler: Person::default(),
            division: None,
            schedule: Vec::new(),
            submitter: None,
            submitted_on: None,
            source,
            issues: Vec::new(),
            current: true,
        }
    }

    /// Number of findings of `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.issues.iter().filter(|i| i.severity == severity).count()
    }
}

/// One input that could not be read as a form (one line of `rejected.jsonl`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// The path as the user gave it.
    pub file: String,
    /// Why, in Chinese.
    pub reason: String,
    /// The reading library's own message (English), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_serialises_with_contract_field_names() {
        let src = Source { file: "a.xlsx".into(), sheet: "Sheet1".into(), sha256: "00".into() };
        let mut r = Record::empty(FormKind::Progress, src);
        r.status = Some(Status::OnSchedule);
        r.period = Period::month(2017, 4);
        r.submitted_on = NaiveDate::from_ymd_opt(2017, 5, 8);
        let v: serde_json::Value = serde_json::to_value(&r).unwrap();
        assert_eq!(v["kind"], "progress");
        assert_eq!(v["status"], "on_schedule");
        assert_eq!(v["period"], "2017-04");
        assert_eq!(v["submitted_on"], "2017-05-08");
        assert_eq!(v["lead"]["name"], serde_json::Value::Null);
        for key in [
            "region",
            "region_raw",
            "tasks",
            "planned",
            "actual",
            "delay_reason",
            "difficulties",
            "contact",
            "handler",
            "division",
            "schedule",
            "submitter",
            "source",
            "issues",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        let back: Record = serde_json::from_value(v).unwrap();
        assert_eq!(back, r);
    }
}
