//! The record: one form found in a returned file, as written to
//! `records.jsonl`. Field names are part of the outside contract.

use std::collections::BTreeMap;

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
    /// Stable rule id, written as `region.unknown`, `status.missing`, ….
    pub rule: Rule,
    /// The record field concerned, dotted for a part (`contact.name`).
    pub field: String,
    /// The input cell the clerk must change, written `B7` (`表1!B7` in a
    /// Word table), when one cell is to blame.
    pub cell: Option<CellRef>,
    /// What is wrong, in words a clerk understands.
    pub message: String,
    /// For a cross-check finding: the other form it compared this one with.
    /// Absent from `records.jsonl` when `None`, so older files read unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compared: Option<Compared>,
}

/// The other form a cross-check compared a record with: where to look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compared {
    /// `source.file` of the other record.
    pub file: String,
    /// `source.sheet` of the other record.
    pub sheet: String,
    /// A1 address of the compared value in that sheet, when known.
    pub cell: Option<String>,
}

impl Issue {
    /// A finding of `rule` (its severity is the rule's) on `field`.
    pub fn new(rule: Rule, field: &str, cell: Option<CellRef>, message: String) -> Self {
        Issue { severity: rule.severity(), rule, field: field.to_string(), cell, message, compared: None }
    }
}

macro_rules! rules {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $sev:ident; )*) => {
        /// A validation rule. Written to `records.jsonl` as its dotted id
        /// (`status.ambiguous`); each rule has one severity.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Rule {
            $( $(#[$doc])* #[serde(rename = $id)] $variant, )*
        }

        impl Rule {
            /// Every rule, in declaration order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            /// The stable id written in `records.jsonl`.
            pub fn id(self) -> &'static str {
                match self { $(Rule::$variant => $id,)* }
            }

            /// How serious a finding of this rule is.
            pub fn severity(self) -> Severity {
                match self { $(Rule::$variant => Severity::$sev,)* }
            }
        }
    };
}

rules! {
    /// 试点地区 blank, or its label not found.
    RegionMissing = "region.missing", Error;
    /// 试点地区 matches no registered region.
    RegionUnknown = "region.unknown", Error;
    /// 试点地区 matches several regions.
    RegionAmbiguous = "region.ambiguous", Error;
    /// A task named that is not the region's.
    TaskNotRegion = "task.not_region", Error;
    /// 附3 时间 blank.
    PeriodMissing = "period.missing", Error;
    /// 附3 时间 unreadable, or readable two ways.
    PeriodInvalid = "period.invalid", Error;
    /// 附3 month outside the region's reporting months.
    PeriodOutsideWindow = "period.outside_window", Error;
    /// No 进度情况 ticked.
    StatusMissing = "status.missing", Error;
    /// Several 进度情况 ticked.
    StatusMultiple = "status.multiple", Error;
    /// Marks in 进度情况 that do not single out one choice.
    StatusAmbiguous = "status.ambiguous", Error;
    /// 滞后 without 进度滞后的原因.
    DelayReasonMissing = "delay_reason.missing", Error;
    /// Blank 联系人 name.
    ContactNameMissing = "contact.name.missing", Error;
    /// 附2: a period of the region's window has no row.
    ScheduleMonthMissing = "schedule.month_missing", Error;
    /// 附2: a deadline period's row has no arrangement.
    ScheduleDeadlineEmpty = "schedule.deadline_empty", Error;
    /// 附2: a row whose 时间 is unreadable.
    SchedulePeriodInvalid = "schedule.period_invalid", Error;
    /// 附2: a row whose period is outside the region's window.
    SchedulePeriodOutsideWindow = "schedule.period_outside_window", Error;
    /// 附2: a row repeating the period of an earlier row.
    SchedulePeriodRepeated = "schedule.period_repeated", Error;
    /// 附2: 总负责人 title not a 分管领导 / 主要领导.
    LeadTitle = "lead.title", Warning;
    /// 附2: 联系人 title not a division leader.
    ContactTitle = "contact.title", Warning;
    /// A phone that is neither a mobile nor a landline.
    PhoneInvalid = "phone.invalid", Warning;
    /// 填报时间 blank.
    SubmittedOnMissing = "submitted_on.missing", Warning;
    /// 填报时间 unreadable.
    SubmittedOnInvalid = "submitted_on.invalid", Warning;
    /// Received after the due day (迟报), judged on the receipt date.
    SubmittedOnLate = "submitted_on.late", Warning;
    /// 附3: 月度工作安排 blank.
    PlannedMissing = "planned.missing", Warning;
    /// 附3: 月度实际进展 blank (text typed into a floating text box leaves the cell empty).
    ActualMissing = "actual.missing", Warning;
    /// The form was read from a hidden sheet.
    SheetHidden = "sheet.hidden", Warning;
    /// The workbook also holds an untouched blank copy of the form, not read.
    SheetBlankCopy = "sheet.blank_copy", Warning;
    /// A text longer than the limit was cut.
    TextTruncated = "text.truncated", Warning;
    /// Cross-check: the region's 附2 has no arrangement for the 附3's month (or year).
    PlanMissingMonth = "cross.plan_missing_month", Warning;
    /// Cross-check: 月度工作安排 differs substantially from the 附2's arrangement.
    PlanDiffers = "cross.plan_differs", Warning;
    /// Cross-check: a deadline month ticked 如期/超前 whose 月度实际进展 names
    /// none of the milestone's key words.
    MilestoneWords = "cross.milestone_words", Warning;
    /// Cross-check: 月度实际进展 or 存在的困难 (nearly) the same as the previous month's.
    SameAsLastMonth = "cross.same_as_last_month", Warning;
    /// Cross-check: 月度实际进展 (nearly) the same as 月度工作安排 of the same form.
    ActualEqualsPlanned = "cross.actual_equals_planned", Warning;
    /// Cross-check: 滞后 last month, 超前 now, with nothing about catching up.
    BehindToAhead = "cross.behind_to_ahead", Warning;
    /// Cross-check: the same text block in another region's 附3 of the same month.
    SameTextOtherRegion = "cross.same_text_other_region", Warning;
    /// A person cell that does not single out one name and one phone (two
    /// people, two phones).
    PersonUnclear = "person.unclear", Warning;
    /// A sheet or document holds a further form that could not be read.
    FormUnread = "form.unread", Error;
    /// Cross-check against the receipt: 填报时间 after the day the office
    /// received the file, or long before it. For the office only.
    SubmittedVsReceived = "cross.submitted_vs_received", Warning;
}

impl Rule {
    /// The rule in a few Chinese words, for the office's tables (the id stays
    /// beside it where a column has room).
    pub fn label_zh(self) -> &'static str {
        match self {
            Rule::RegionMissing => "未填写地区",
            Rule::RegionUnknown => "地区无法识别",
            Rule::RegionAmbiguous => "地区不明确",
            Rule::TaskNotRegion => "任务不属于该地区",
            Rule::PeriodMissing => "未填写月份",
            Rule::PeriodInvalid => "月份无效",
            Rule::PeriodOutsideWindow => "月份不在报送期内",
            Rule::StatusMissing => "未勾选进度",
            Rule::StatusMultiple => "勾选有误（多选）",
            Rule::StatusAmbiguous => "进度状态无法识别",
            Rule::DelayReasonMissing => "滞后未填原因",
            Rule::ContactNameMissing => "未填写联系人",
            Rule::ScheduleMonthMissing => "缺少月份行",
            Rule::ScheduleDeadlineEmpty => "时间节点无安排",
            Rule::SchedulePeriodInvalid => "时间行无效",
            Rule::SchedulePeriodOutsideWindow => "时间行超出计划期",
            Rule::SchedulePeriodRepeated => "时间行重复",
            Rule::LeadTitle => "负责人职务不符",
            Rule::ContactTitle => "联系人职务不符",
            Rule::PhoneInvalid => "电话号码无效",
            Rule::SubmittedOnMissing => "未填写填报时间",
            Rule::SubmittedOnInvalid => "填报时间无效",
            Rule::SubmittedOnLate => "迟报",
            Rule::PlannedMissing => "未填写月度工作安排",
            Rule::ActualMissing => "未填写月度实际进展",
            Rule::SheetHidden => "表格在隐藏工作表中",
            Rule::SheetBlankCopy => "另有空白表未读取",
            Rule::TextTruncated => "内容过长已截断",
            Rule::PlanMissingMonth => "计划表无该月安排",
            Rule::PlanDiffers => "与计划安排差别较大",
            Rule::MilestoneWords => "节点月份进展待核实",
            Rule::SameAsLastMonth => "与上月相同",
            Rule::ActualEqualsPlanned => "进展与安排相同",
            Rule::BehindToAhead => "由滞后变超前",
            Rule::SameTextOtherRegion => "与其他地区文字相同",
            Rule::PersonUnclear => "人员信息不明确",
            Rule::FormUnread => "另有表格未能读取",
            Rule::SubmittedVsReceived => "填报时间与收文日期不符",
        }
    }

    /// True for the cross-checks between forms (`cross.*`), which compare a
    /// record with others rather than read one file.
    pub fn is_cross(self) -> bool {
        self.id().starts_with("cross.")
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl std::str::FromStr for Rule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Rule::ALL.iter().copied().find(|r| r.id() == s).ok_or_else(|| format!("unknown rule `{s}`"))
    }
}

/// A cell of the returned file: a sheet position shown as `B7`, or a cell
/// of a Word table shown as `表1!B7` (table numbers from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellRef {
    /// Word table number (1-based), `None` for a worksheet.
    pub table: Option<u32>,
    /// Row, 0-based.
    pub row: u32,
    /// Column, 0-based.
    pub col: u32,
}

impl CellRef {
    /// A worksheet cell at a 0-based (row, column).
    pub fn at(row: u32, col: u32) -> Self {
        CellRef { table: None, row, col }
    }
}

impl std::fmt::Display for CellRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(t) = self.table {
            write!(f, "表{t}!")?;
        }
        let mut name = Vec::new();
        let mut c = self.col as u64 + 1;
        while c > 0 {
            name.push(b'A' + ((c - 1) % 26) as u8);
            c = (c - 1) / 26;
        }
        name.reverse();
        write!(f, "{}{}", String::from_utf8_lossy(&name), self.row as u64 + 1)
    }
}

impl std::str::FromStr for CellRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("not a cell reference: `{s}`");
        let (table, a1) = match s.split_once('!') {
            Some((t, rest)) => {
                let n = t.strip_prefix("表").and_then(|n| n.parse::<u32>().ok()).ok_or_else(bad)?;
                (Some(n), rest)
            }
            None => (None, s),
        };
        let split = a1.find(|c: char| c.is_ascii_digit()).ok_or_else(bad)?;
        let (letters, digits) = a1.split_at(split);
        if letters.is_empty() || !letters.bytes().all(|b| b.is_ascii_uppercase()) || letters.len() > 4 {
            return Err(bad());
        }
        let col = letters.bytes().fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1)) - 1;
        let row = digits.parse::<u32>().ok().filter(|r| *r >= 1).ok_or_else(bad)? - 1;
        Ok(CellRef { table, row, col })
    }
}

impl Serialize for CellRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CellRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
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
    /// Provenance: for every field read, the A1 address of the cell it came
    /// from in `source.sheet` (`submitted_on` → `D13`, `lead.name` → `B11`,
    /// `schedule[3].arrangement` → `B12`). Absent in records written before
    /// it existed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cells: BTreeMap<String, String>,
    /// The path the file was read from, when `source.file` shows it by
    /// another name (`review` names the demo's samples relative to its
    /// folder); `None` when `source.file` is that path. Kept in memory
    /// only: what is written is the name shown.
    #[serde(skip)]
    pub read_from: Option<String>,
    /// The day the office received the file, when it has evidence of it:
    /// the 收文日期 of its 收文登记 or the Date of the mail it came in
    /// (China time). `None` when lateness rests on 填报时间.
    #[serde(default)]
    pub received_on: Option<NaiveDate>,
    /// What the receipt date rests on: 收文登记, 邮件 or 填报时间.
    #[serde(default)]
    pub received_basis: ReceivedBasis,
    /// The sender of the mail the file came in (its From), when it came in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// The region's 情况说明 read from a returned marked-up copy (sheet
    /// [`crate::ingest::explanations::SHEET`]), one per row written, in row
    /// order; absent for ordinary returns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explanations: Vec<Explanation>,
}

/// What a record's receipt date rests on, in the order of trust: the
/// office's 收文登记, the mail the file came in, the 填报时间 the region
/// wrote. Written as the Chinese word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub enum ReceivedBasis {
    /// 收文日期 typed in the office's 收文登记.
    #[serde(rename = "收文登记")]
    Log,
    /// The Date of the saved mail (.eml) the file was attached to.
    #[serde(rename = "邮件")]
    Mail,
    /// No evidence of receipt: the region's own 填报时间.
    #[default]
    #[serde(rename = "填报时间")]
    SelfReported,
}

impl ReceivedBasis {
    /// The word written in records, the workbook and the report.
    pub fn label_zh(self) -> &'static str {
        match self {
            ReceivedBasis::Log => "收文登记",
            ReceivedBasis::Mail => "邮件",
            ReceivedBasis::SelfReported => "填报时间",
        }
    }
}

/// One 情况说明 a region wrote in its marked-up copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The 编号 of the finding it answers, as written (may be altered or empty).
    pub id: String,
    /// The 单元格 the row names.
    pub cell: String,
    /// The text as written (trimmed).
    pub text: String,
    /// The A1 address of the text in the explanations sheet.
    pub at: String,
}

fn default_current() -> bool {
    true
}

impl Record {
    /// The record as it goes back to its region: only the findings of its
    /// own file. The cross-checks between forms ([`Rule::is_cross`]) are
    /// questions for the office, shown in the workbook and the report, not
    /// corrections asked of the clerk.
    pub fn for_region(&self) -> Record {
        let mut r = self.clone();
        r.issues.retain(|i| !i.rule.is_cross());
        r
    }

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
            cells: BTreeMap::new(),
            read_from: None,
            received_on: None,
            received_basis: ReceivedBasis::SelfReported,
            sender: None,
            explanations: Vec::new(),
        }
    }

    /// The day the record counts as received and what that rests on: the
    /// receipt date when there is evidence of one, else 填报时间 (which may
    /// be blank). Arrival, lateness and which resubmission is current are
    /// all judged on this date.
    pub fn receipt(&self) -> (Option<NaiveDate>, ReceivedBasis) {
        match self.received_on {
            Some(d) if self.received_basis != ReceivedBasis::SelfReported => (Some(d), self.received_basis),
            _ => (self.submitted_on, ReceivedBasis::SelfReported),
        }
    }

    /// The path the record's file was read from (see [`Record::read_from`]).
    pub fn read_path(&self) -> &str {
        self.read_from.as_deref().unwrap_or(&self.source.file)
    }

    /// Shows the record's file by `name`, keeping the path it was read from.
    pub fn show_file_as(&mut self, name: String) {
        if self.read_from.is_none() {
            self.read_from = Some(std::mem::replace(&mut self.source.file, name));
        } else {
            self.source.file = name;
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
    /// SHA-256 of the file's bytes, when they were read (the 收文登记 lists
    /// the file by it too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
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

    #[test]
    fn rules_and_cells_serialise_as_strings() {
        let i = Issue::new(Rule::StatusAmbiguous, "status", Some(CellRef::at(7, 1)), "x".into());
        let v = serde_json::to_value(&i).unwrap();
        assert_eq!(v["rule"], "status.ambiguous");
        assert_eq!(v["severity"], "error");
        assert_eq!(v["cell"], "B8");
        assert_eq!(serde_json::from_value::<Issue>(v).unwrap(), i);
        for r in Rule::ALL {
            assert_eq!(r.id().parse::<Rule>(), Ok(*r));
        }
        for s in ["A1", "Z9", "AA10", "表2!C3", "XFD1048576"] {
            assert_eq!(s.parse::<CellRef>().unwrap().to_string(), s);
        }
        assert_eq!(CellRef::at(0, 27).to_string(), "AB1");
        for s in ["", "7", "b7", "A0", "表x!A1"] {
            assert!(s.parse::<CellRef>().is_err(), "{s}");
        }
    }
}
