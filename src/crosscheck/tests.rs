//! Each rule with a pair of records that triggers it and near misses that
//! must not (a small edit, another month, another region, a superseded
//! record), plus the corrections between two versions.

use chrono::NaiveDate;

use super::*;
use crate::form::Field;
use crate::record::{ScheduleEntry, Severity, Source, Status};
use crate::templates::Templates;

fn templates() -> &'static Templates {
    static T: std::sync::OnceLock<Templates> = std::sync::OnceLock::new();
    T.get_or_init(|| Templates::embedded().expect("embedded templates"))
}

fn src(file: &str) -> Source {
    Source { file: file.into(), sheet: "表".into(), sha256: String::new() }
}

/// A 附3 of 天津市 (钢铁行业: deadlines in March, June, September 2017).
fn progress(region: &str, month: u32, file: &str) -> Record {
    let mut r = Record::empty(FormKind::Progress, src(file));
    r.region = Some(region.into());
    r.period = Period::month(2017, month);
    r.status = Some(Status::OnSchedule);
    r.planned = Some("组织企业填报试点申请材料，开展排污许可证申请与核发验证".into());
    r.actual = Some(format!("{month}月共受理企业申请{}家，完成技术审核{}家，初稿已报部", month * 3, month));
    r
}

/// A 附2 whose arrangement for every month is the 附3's 月度工作安排.
fn plan(region: &str, file: &str) -> Record {
    let mut r = Record::empty(FormKind::Plan, src(file));
    r.region = Some(region.into());
    r.schedule = (3..=10)
        .map(|m| ScheduleEntry {
            period: Period::month(2017, m).unwrap(),
            arrangement: Some("组织企业填报试点申请材料，开展排污许可证申请与核发验证".into()),
        })
        .collect();
    r
}

fn run(records: &[Record]) -> Vec<CrossFinding> {
    let reg = &templates().registry;
    cross_check(records, reg, &reg.settings.crosscheck)
}

/// The (record, rule, field) of every finding.
fn found(records: &[Record]) -> Vec<(usize, &'static str, String)> {
    run(records).into_iter().map(|f| (f.record, f.rule.id(), f.issue.field)).collect()
}

fn rules_of(records: &[Record], rule: Rule) -> Vec<(usize, String)> {
    run(records).into_iter().filter(|f| f.rule == rule).map(|f| (f.record, f.issue.field)).collect()
}

#[test]
fn a_clean_pair_gives_nothing() {
    let recs = [plan("天津市", "p.xlsx"), progress("天津市", 3, "3.xlsx"), progress("天津市", 4, "4.xlsx")];
    assert_eq!(found(&recs), []);
}

#[test]
fn plan_missing_month() {
    let mut p = plan("天津市", "p.xlsx");
    p.schedule.retain(|e| e.period != Period::month(2017, 4).unwrap());
    let recs = [p.clone(), progress("天津市", 4, "4.xlsx")];
    let f = run(&recs);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!((f[0].record, f[0].rule, f[0].issue.field.as_str()), (1, Rule::PlanMissingMonth, "planned"));
    assert_eq!(f[0].issue.severity, Severity::Warning);
    assert!(f[0].issue.message.contains("2017年4月"), "{}", f[0].issue.message);
    assert_eq!(f[0].issue.compared.as_ref().map(|c| c.file.as_str()), Some("p.xlsx"));
    // Near misses: another month; another region's plan lacks the row; no plan at all.
    assert_eq!(found(&[p.clone(), progress("天津市", 5, "5.xlsx")]), []);
    assert_eq!(found(&[p.clone(), plan("唐山市", "t.xlsx"), progress("唐山市", 4, "4.xlsx")]), []);
    assert_eq!(found(&[progress("天津市", 4, "4.xlsx")]), []);
    // An empty arrangement counts as no arrangement.
    let mut e = plan("天津市", "p.xlsx");
    e.schedule[1].arrangement = None;
    assert_eq!(
        rules_of(&[e, progress("天津市", 4, "4.xlsx")], Rule::PlanMissingMonth),
        [(1, "planned".into())]
    );
}

#[test]
fn a_superseded_plan_is_not_the_plan() {
    let mut old = plan("天津市", "p.xlsx");
    old.schedule.clear();
    old.current = false;
    // Output order puts the superseded plan last: only `current` decides.
    let recs = [plan("天津市", "p2.xlsx"), old, progress("天津市", 4, "4.xlsx")];
    assert_eq!(found(&recs), []);
}

#[test]
fn year_rows_serve_the_months_of_2018() {
    let mut p = plan("嘉兴市", "p.xlsx");
    p.schedule
        .push(ScheduleEntry {
            period: Period::Year(2018), arrangement: Some("深化流域排污许可管理".into())
        });
    let mut r = progress("嘉兴市", 3, "x.xlsx");
    r.period = Period::month(2018, 5);
    r.planned = Some("深化流域排污许可管理".into());
    assert_eq!(found(&[p.clone(), r.clone()]), []);
    r.planned = Some("召开年度总结会并编制下一年度计划".into());
    let f = run(&[p, r]);
    assert_eq!(f.iter().map(|f| f.rule).collect::<Vec<_>>(), [Rule::PlanDiffers]);
    assert!(f[0].issue.message.contains("2018年的安排"), "{}", f[0].issue.message);
}

#[test]
fn plan_differs() {
    let mut r = progress("天津市", 4, "4.xlsx");
    r.planned = Some("召开全市钢铁企业环保座谈会".into());
    let recs = [plan("天津市", "p.xlsx"), r.clone()];
    let f = run(&recs);
    assert_eq!(f.iter().map(|f| (f.record, f.rule)).collect::<Vec<_>>(), [(1, Rule::PlanDiffers)]);
    let m = &f[0].issue.message;
    assert!(m.contains("召开全市钢铁企业环保座谈会") && m.contains("组织企业填报试点申请材料"), "{m}");
    // Near miss: the plan's words with a small edit and other punctuation.
    r.planned = Some("组织企业填报申请材料；开展排污许可证的申请与核发验证。".into());
    assert_eq!(found(&[plan("天津市", "p.xlsx"), r]), []);
}

#[test]
fn milestone_words_in_a_deadline_month() {
    // 天津市's 钢铁行业: 2017年3月底前完成行业规范初稿.
    let mut r = progress("天津市", 3, "3.xlsx");
    r.actual = Some("召开试点工作推进会，完成企业培训".into());
    let f = run(&[plan("天津市", "p.xlsx"), r.clone()]);
    assert_eq!(
        f.iter().map(|f| (f.rule, f.issue.field.as_str())).collect::<Vec<_>>(),
        [(Rule::MilestoneWords, "actual")]
    );
    let m = &f[0].issue.message;
    assert!(m.contains("钢铁行业") && m.contains("“初稿”") && m.contains("如期") && m.contains('？'), "{m}");
    // 超前 too.
    r.status = Some(Status::Ahead);
    assert_eq!(rules_of(&[r.clone()], Rule::MilestoneWords).len(), 1);
    // Near misses: the key word is there; 滞后 (the office knows); not a deadline month.
    let mut said = r.clone();
    said.actual = Some("行业规范初稿已完成并报部".into());
    assert_eq!(rules_of(&[said], Rule::MilestoneWords), []);
    let mut behind = r.clone();
    behind.status = Some(Status::Behind);
    assert_eq!(rules_of(&[behind], Rule::MilestoneWords), []);
    let mut april = r.clone();
    april.period = Period::month(2017, 4);
    assert_eq!(rules_of(&[april], Rule::MilestoneWords), []);
    // June needs 印发 or 审批.
    let mut june = r;
    june.period = Period::month(2017, 6);
    assert_eq!(rules_of(&[june.clone()], Rule::MilestoneWords).len(), 1);
    june.actual = Some("行业规范已经部内审批".into());
    assert_eq!(rules_of(&[june], Rule::MilestoneWords), []);
}

#[test]
fn milestone_words_name_every_task_due_once() {
    // 北京市: 水泥行业 and 石化行业 both due in March with the same words.
    let mut r = progress("北京市", 3, "3.xlsx");
    r.actual = Some("召开试点工作推进会".into());
    let f: Vec<CrossFinding> = run(&[r]).into_iter().filter(|f| f.rule == Rule::MilestoneWords).collect();
    assert_eq!(f.len(), 1);
    assert!(f[0].issue.message.contains("水泥行业、石化行业"), "{}", f[0].issue.message);
}

#[test]
fn same_as_last_month() {
    let mut march = progress("天津市", 3, "3.xlsx");
    let mut april = progress("天津市", 4, "4.xlsx");
    march.actual =
        Some("1. 召开试点工作推进会；\n2. 完成3月计划的企业培训和申请材料审核，初稿已报部。".into());
    april.actual =
        Some("1. 召开试点工作推进会；\n2. 完成4月计划的企业培训和申请材料审核，初稿已报部。".into());
    march.difficulties = Some("请部里尽快明确钢铁行业许可证申请表格式".into());
    april.difficulties = march.difficulties.clone();
    let f = run(&[march.clone(), april.clone()]);
    let got: Vec<(usize, Rule, &str)> =
        f.iter().map(|f| (f.record, f.rule, f.issue.field.as_str())).collect();
    assert_eq!(got, [(1, Rule::SameAsLastMonth, "actual"), (1, Rule::SameAsLastMonth, "difficulties")]);
    assert!(f[0].issue.message.contains("几乎相同"), "{}", f[0].issue.message);
    assert!(
        f[1].issue.message.contains("相同：") && f[1].issue.message.contains("2017年3月"),
        "{}",
        f[1].issue.message
    );
    assert_eq!(f[0].issue.compared.as_ref().map(|c| c.file.as_str()), Some("3.xlsx"));
    // Near misses: a real edit; two months apart; another region's March.
    let mut edited = april.clone();
    edited.actual = Some("受理企业申请25家，完成现场核查12家，初稿已报部".into());
    edited.difficulties = None;
    assert_eq!(found(&[march.clone(), edited]), []);
    let mut may = april.clone();
    may.period = Period::month(2017, 5);
    assert_eq!(rules_of(&[march.clone(), may], Rule::SameAsLastMonth), []);
    let mut other = april;
    other.region = Some("唐山市".into());
    assert_eq!(rules_of(&[march, other], Rule::SameAsLastMonth), []);
}

#[test]
fn actual_equals_planned() {
    let mut r = progress("天津市", 4, "4.xlsx");
    r.actual = r.planned.clone().map(|p| format!("{p}。"));
    let f = run(&[r.clone()]);
    assert_eq!(
        f.iter().map(|f| (f.rule, f.issue.field.as_str())).collect::<Vec<_>>(),
        [(Rule::ActualEqualsPlanned, "actual")]
    );
    assert_eq!(f[0].issue.compared, None);
    // Near miss: what was done, in other words.
    r.actual = Some("已组织48家企业填报申请材料，完成核发验证12家".into());
    assert_eq!(found(&[r]), []);
}

#[test]
fn behind_to_ahead() {
    let mut march = progress("天津市", 3, "3.xlsx");
    march.status = Some(Status::Behind);
    march.delay_reason = Some("企业材料不全".into());
    let mut april = progress("天津市", 4, "4.xlsx");
    april.status = Some(Status::Ahead);
    let f = run(&[march.clone(), april.clone()]);
    assert_eq!(
        f.iter().map(|f| (f.record, f.rule, f.issue.field.as_str())).collect::<Vec<_>>(),
        [(1, Rule::BehindToAhead, "status")]
    );
    assert!(
        f[0].issue.message.contains("滞后") && f[0].issue.message.contains("超前"),
        "{}",
        f[0].issue.message
    );
    // Near misses: it says it caught up; 滞后 → 如期; 如期 → 超前.
    let mut caught = april.clone();
    caught.actual = Some("加班加点，已赶上计划进度，4月共受理企业申请12家".into());
    assert_eq!(found(&[march.clone(), caught]), []);
    let mut on = april.clone();
    on.status = Some(Status::OnSchedule);
    assert_eq!(found(&[march.clone(), on]), []);
    march.status = Some(Status::OnSchedule);
    assert_eq!(found(&[march, april]), []);
}

#[test]
fn same_text_other_region() {
    let mut a = progress("天津市", 4, "tj.xlsx");
    let mut b = progress("唐山市", 4, "ts.xlsx");
    a.actual = Some("1. 召开推进会；\n2. 完成本月计划的企业培训和申请材料审核，初稿已报部。".into());
    b.actual = Some("（1）完成本月计划的企业培训和申请材料审核，初稿已报部\n（2）走访企业3家".into());
    let f = run(&[a.clone(), b.clone()]);
    let got: Vec<(usize, Rule, &str)> =
        f.iter().map(|f| (f.record, f.rule, f.issue.field.as_str())).collect();
    assert_eq!(got, [(0, Rule::SameTextOtherRegion, "actual"), (1, Rule::SameTextOtherRegion, "actual")]);
    assert!(f[0].issue.message.contains("唐山市"), "{}", f[0].issue.message);
    assert_eq!(f[0].issue.compared.as_ref().map(|c| c.file.as_str()), Some("ts.xlsx"));
    // Near misses: one character edited; another month; the same region; a short phrase.
    let mut edited = b.clone();
    edited.actual = Some("完成本月计划的企业培训和申请材料初审，初稿已报部".into());
    assert_eq!(found(&[a.clone(), edited]), []);
    let mut may = b.clone();
    may.period = Period::month(2017, 5);
    assert_eq!(rules_of(&[a.clone(), may], Rule::SameTextOtherRegion), []);
    let mut same_region = b.clone();
    same_region.region = Some("天津市".into());
    same_region.current = false;
    assert_eq!(rules_of(&[a.clone(), same_region], Rule::SameTextOtherRegion), []);
    let mut short = b.clone();
    short.actual = Some("召开推进会".into());
    let mut a_short = a.clone();
    a_short.actual = Some("召开推进会".into());
    assert_eq!(found(&[a_short, short]), []);
}

#[test]
fn superseded_records_are_checked_but_never_compared_with() {
    // The first March return is superseded; April compares with the current March.
    let mut first = progress("天津市", 3, "3.xlsx");
    first.current = false;
    first.actual = Some("受理企业申请9家，初稿已报部".into());
    let mut second = progress("天津市", 3, "3更正.xlsx");
    second.submitted_on = NaiveDate::from_ymd_opt(2017, 4, 9);
    let mut april = progress("天津市", 4, "4.xlsx");
    april.actual = first.actual.clone();
    assert_eq!(found(&[first.clone(), second.clone(), april.clone()]), []);
    // A superseded record still gets its own findings.
    let mut copy = first.clone();
    copy.actual = copy.planned.clone();
    assert_eq!(rules_of(&[copy, second], Rule::ActualEqualsPlanned), [(0, "actual".into())]);
}

#[test]
fn apply_replaces_earlier_cross_findings() {
    let mut recs = vec![progress("天津市", 3, "3.xlsx")];
    recs[0].actual = recs[0].planned.clone();
    let reg = &templates().registry;
    apply(&mut recs, reg);
    let once = recs.clone();
    apply(&mut recs, reg);
    assert_eq!(recs, once);
    assert_eq!(recs[0].issues.iter().filter(|i| i.rule.is_cross()).count(), 2, "{:?}", recs[0].issues);
}

#[test]
fn milestone_keywords_must_come_from_the_milestone_text() {
    let text = include_str!("../../templates/registry.toml");
    let bad = text.replacen("keywords = [\"初稿\"]", "keywords = [\"验收\"]", 1);
    assert_ne!(bad.as_str(), text);
    let err = Registry::from_toml(&bad, "registry.toml").unwrap_err().to_string();
    assert!(err.contains("验收"), "{err}");
    let bad = text.replacen("same_from = 0.9", "same_from = 0.1", 1);
    assert!(Registry::from_toml(&bad, "registry.toml").is_err());
    // The keys may be left out: defaults apply.
    let start = text.find("[settings.crosscheck]").unwrap();
    let end = start + text[start..].find("catch_up_words").unwrap();
    let end = end + text[end..].find('\n').unwrap();
    let without = format!("{}{}", &text[..start], &text[end..]);
    let reg = Registry::from_toml(&without, "registry.toml").unwrap();
    assert_eq!(reg.settings.crosscheck, CrossCheckSettings::default());
}

#[test]
fn rule_ids_round_trip() {
    for r in RULES {
        assert_eq!(r.id().parse::<Rule>().ok(), Some(r));
        assert!(r.is_cross());
    }
}

#[test]
fn settings_are_checked() {
    let good = CrossCheckSettings::default();
    assert_eq!(good.check(), Ok(()));
    let bad = CrossCheckSettings { differs_below: 0.95, ..good.clone() };
    assert!(bad.check().is_err());
    let bad = CrossCheckSettings { same_from: 1.5, ..good.clone() };
    assert!(bad.check().is_err());
    let bad = CrossCheckSettings { catch_up_words: vec![" ".into()], ..good };
    assert!(bad.check().is_err());
    // The embedded registry sets them, with words.
    let s = &templates().registry.settings.crosscheck;
    assert!(s.catch_up_words.iter().any(|w| w == "赶上"));
}

#[test]
fn corrections_list_changes_and_findings() {
    let issue = |rule: &str, field: &str, cell: Option<&str>, message: &str| Issue {
        severity: Severity::Error,
        rule: rule.parse().expect("rule id"),
        field: field.into(),
        cell: cell.map(|c| c.parse().expect("A1 cell")),
        message: message.into(),
        compared: None,
    };
    let mut first = progress("天津市", 4, "4.xlsx");
    first.status = None;
    first.submitted_on = NaiveDate::from_ymd_opt(2017, 5, 5);
    first.cells.insert("status".into(), "B8".into());
    first.issues = vec![
        issue("status.multiple", "status", Some("B8"), "第8行 进度情况勾选了多项"),
        issue("phone.invalid", "contact.phone", Some("C12"), "第12行 电话无效"),
    ];
    let mut second = first.clone();
    second.source = src("4（更正）.xlsx");
    second.status = Some(Status::OnSchedule);
    second.submitted_on = NaiveDate::from_ymd_opt(2017, 5, 8);
    second.issues = vec![
        issue("phone.invalid", "contact.phone", Some("C13"), "第13行 电话无效"),
        issue("contact.name.missing", "contact.name", Some("B13"), "第13行 未填写联系人姓名"),
    ];
    // Given in the wrong order: versions are ordered by 填报时间.
    let c = corrections(&[second.clone(), first.clone(), progress("唐山市", 4, "ts.xlsx")]);
    assert_eq!(c.len(), 1);
    let c = &c[0];
    assert_eq!((c.earlier, c.later, c.region.as_str()), (1, 0, "天津市"));
    type Row<'a> = (String, Option<&'a str>, Option<&'a str>, Option<&'a str>);
    let changed: Vec<Row> = c
        .changes
        .iter()
        .map(|f| (f.field.path(), f.old.as_deref(), f.new.as_deref(), f.old_cell.as_deref()))
        .collect();
    assert_eq!(
        changed,
        [
            ("status".into(), None, Some("如期"), Some("B8")),
            ("submitted_on".into(), Some("2017-05-05"), Some("2017-05-08"), None)
        ]
    );
    assert_eq!(c.fixed.iter().map(|i| i.rule.id()).collect::<Vec<_>>(), ["status.multiple"]);
    assert_eq!(c.remaining.iter().map(|i| i.message.as_str()).collect::<Vec<_>>(), ["第13行 电话无效"]);
    assert_eq!(c.new.iter().map(|i| i.rule.id()).collect::<Vec<_>>(), ["contact.name.missing"]);
    assert!(c.is_fixed(&first.issues[0]) && !c.is_fixed(&first.issues[1]));
}

#[test]
fn corrections_compare_values_as_a_clerk_reads_them() {
    let mut a = plan("天津市", "a.xlsx");
    a.tasks = vec!["许可证核发、监管执法".into()];
    // The same tasks split otherwise read the same when joined: no change.
    let mut b = a.clone();
    b.source = src("b.xlsx");
    b.tasks = vec!["许可证核发".into(), "监管执法".into()];
    // Tasks that read differently, and a date, are changes in the clerk's words.
    let mut c = b.clone();
    c.source = src("c.xlsx");
    c.tasks = vec!["许可证核发".into()];
    c.submitted_on = NaiveDate::from_ymd_opt(2017, 4, 9);
    let got = corrections(&[a, b, c]);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].changes, []);
    let shown: Vec<_> =
        got[1].changes.iter().map(|f| (f.field, f.old.as_deref(), f.new.as_deref())).collect();
    assert_eq!(
        shown,
        [
            (Field::Tasks, Some("许可证核发、监管执法"), Some("许可证核发")),
            (Field::SubmittedOn, None, Some("2017-04-09"))
        ]
    );
}

#[test]
fn corrections_chain_three_versions_and_schedule_rows() {
    let a = plan("天津市", "a.xlsx");
    let mut b = a.clone();
    b.source = src("b.xlsx");
    b.schedule[3].arrangement = Some("按行业规范组织企业申请".into());
    let mut c = b.clone();
    c.source = src("c.xlsx");
    c.division = Some("大气处".into());
    let got = corrections(&[a, b, c]);
    assert_eq!(got.iter().map(|c| (c.earlier, c.later)).collect::<Vec<_>>(), [(0, 1), (1, 2)]);
    assert_eq!(got[0].changes.len(), 1);
    assert_eq!(got[0].changes[0].field, Field::ScheduleArrangement);
    assert_eq!(got[0].changes[0].period, Period::month(2017, 6));
    assert_eq!(got[1].changes.iter().map(|f| f.field).collect::<Vec<_>>(), [Field::Division]);
    // A single version, or an unknown region, gives none.
    let mut lone = progress("天津市", 4, "x.xlsx");
    assert_eq!(corrections(std::slice::from_ref(&lone)), []);
    lone.region = None;
    assert_eq!(corrections(&[lone.clone(), lone]), []);
}
