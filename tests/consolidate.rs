//! consolidate: the 汇总 workbook read back with calamine, checked against
//! what a synthetic set of records says, and converted by LibreOffice.

use std::collections::BTreeMap;
use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};
use chrono::NaiveDate;
use permit_forms::consolidate::{consolidate, MATRIX_HEADER_ROW, SHEETS};
use permit_forms::record::{Issue, Person, Rule, ScheduleEntry, Source};
use permit_forms::{FormKind, Period, Record, Severity, Status};

use crate::util::{self, templates};

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The as-of date of the fixture.
pub fn as_of() -> NaiveDate {
    d("2017-05-11")
}

fn person(name: &str, title: Option<&str>, phone: Option<&str>) -> Person {
    Person { name: Some(name.into()), title: title.map(Into::into), phone: phone.map(Into::into) }
}

fn progress(region: Option<&str>, month: u32, status: Option<Status>, on: &str, file: &str) -> Record {
    let src = Source { file: file.into(), sheet: "附3".into(), sha256: "00".into() };
    let mut r = Record::empty(FormKind::Progress, src);
    r.region = region.map(Into::into);
    r.region_raw = region.unwrap_or("某某省环保厅").into();
    r.period = Period::month(2017, month);
    r.status = status;
    r.submitted_on = Some(d(on));
    r.actual = Some(format!("{}{}月进展", region.unwrap_or("某某"), month));
    r
}

pub fn issue(sev: Severity, rule: Rule, cell: &str, message: &str) -> Issue {
    assert_eq!(rule.severity(), sev, "{rule}");
    Issue::new(rule, "status", Some(cell.parse().unwrap()), message.into())
}

/// Values from returned files that look like formulas.
pub const FORMULA_LIKE: [&str; 3] = ["=SUM(A1:A3)", "+86 人员不足", "@进展顺利"];

/// Records as of 2017-05-11: several regions and months, behind with
/// reasons, late, missing, unticked, difficulties, findings, a resubmission
/// that replaced an earlier one, and a record of an unknown region.
pub fn fixture() -> Vec<Record> {
    let mut out = Vec::new();
    // 河北省: plan on time, one schedule month missing and a deadline month empty.
    let mut plan = Record::empty(
        FormKind::Plan,
        Source { file: "returns/河北省/计划.xlsx".into(), sheet: "附2".into(), sha256: "01".into() },
    );
    plan.region = Some("河北省".into());
    plan.region_raw = "河北省环境保护厅".into();
    plan.submitted_on = Some(d("2017-03-30"));
    plan.lead = person("张三", Some("副厅长"), Some("0311-80000000"));
    plan.contact = person("李四", Some("处长"), Some("0311-87654321"));
    plan.handler = person("王五", Some("主任科员"), Some("13811112222"));
    for m in 3..=10 {
        if m == 5 {
            continue; // missing month
        }
        let arrangement = if m == 6 { None } else { Some(format!("{m}月安排")) };
        plan.schedule.push(ScheduleEntry { period: Period::month(2017, m).unwrap(), arrangement });
    }
    out.push(plan);

    let mut r =
        progress(Some("河北省"), 3, Some(Status::OnSchedule), "2017-04-08", "returns/河北省/3月.xlsx");
    r.contact = person("李四", None, None);
    r.handler = person("王五", None, None);
    out.push(r);
    // April: first sent on time as 如期, then replaced (still on time) by 滞后 with a reason.
    let mut first =
        progress(Some("河北省"), 4, Some(Status::OnSchedule), "2017-05-05", "returns/河北省/4月.xlsx");
    first.current = false;
    first.issues.push(issue(
        Severity::Error,
        Rule::ContactNameMissing,
        "B9",
        "旧版本的问题，不应出现在退回意见中",
    ));
    out.push(first);
    let mut second =
        progress(Some("河北省"), 4, Some(Status::Behind), "2017-05-09", "returns/河北省/4月（修改）.xlsx");
    second.delay_reason = Some(FORMULA_LIKE[1].into());
    second.difficulties = Some(FORMULA_LIKE[0].into());
    second.actual = Some(FORMULA_LIKE[2].into());
    second.contact = person("李四", None, None);
    second.handler = person("王五", None, None);
    out.push(second);

    // 北京市: March ahead on the due day itself; April missing.
    let mut r = progress(Some("北京市"), 3, Some(Status::Ahead), "2017-04-10", "returns/北京市.xlsx");
    r.contact = person("赵六", None, Some("13900001111"));
    r.handler = person("钱七", None, Some("010-66556655"));
    r.difficulties = Some("需要部里组织技术培训".into());
    out.push(r);

    // 天津市: March late (如期), April on time.
    let mut r = progress(Some("天津市"), 3, Some(Status::OnSchedule), "2017-04-11", "returns/天津市3.xlsx");
    r.issues.push(issue(Severity::Warning, Rule::SubmittedOnLate, "C20", "填报时间晚于截止日2017-04-10"));
    out.push(r);
    out.push(progress(Some("天津市"), 4, Some(Status::OnSchedule), "2017-05-10", "returns/天津市4.xlsx"));

    // 山东省: March with nothing ticked; April dated after the as-of date.
    let mut r = progress(Some("山东省"), 3, None, "2017-04-09", "returns/山东省.xlsx");
    r.issues.push(issue(
        Severity::Error,
        Rule::StatusMissing,
        "B7",
        "进度情况未勾选（超前/如期/滞后选一项）",
    ));
    out.push(r);
    out.push(progress(Some("山东省"), 4, Some(Status::Ahead), "2017-05-20", "returns/山东省4.xlsx"));

    // A form naming no known region.
    let mut r = progress(None, 3, Some(Status::OnSchedule), "2017-04-01", "returns/某某.xlsx");
    r.issues.push(issue(Severity::Error, Rule::RegionUnknown, "A4", "试点地区“某某省环保厅”不是试点地区"));
    out.push(r);
    out
}

/// Expected matrix cell as of 2017-05-11 for (region, month), from the
/// fixture by hand.
pub fn expected_cell(region: &str, month: u32) -> &'static str {
    match (region, month) {
        ("河北省", 3) => "如期",
        ("河北省", 4) => "滞后",
        ("北京市", 3) => "超前",
        ("天津市", 3) => "迟报(如期)",
        ("天津市", 4) => "如期",
        // Nothing ticked (finding status.missing).
        ("山东省", 3) => "未勾选",
        _ => "未报",
    }
}

fn text(d: Option<&Data>) -> String {
    match d {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => format!("{f}"),
        Some(Data::Int(i)) => format!("{i}"),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    }
}

fn write(dir: &Path, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join("汇总.xlsx");
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Rows of a table sheet (header on row 3 of the sheet, body below), as maps
/// from header to text.
pub(crate) fn table(path: &Path, sheet: &str) -> Vec<BTreeMap<String, String>> {
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    let (h, width) = (2u32, range.end().map_or(0, |e| e.1 + 1));
    let head: Vec<String> = (0..width).map(|c| text(range.get_value((h, c)))).collect();
    let last = range.end().map_or(0, |e| e.0);
    ((h + 1)..=last)
        .map(|r| {
            head.iter().enumerate().map(|(c, k)| (k.clone(), text(range.get_value((r, c as u32))))).collect()
        })
        .collect()
}

#[test]
fn workbook_has_every_sheet_and_the_matrix_says_what_the_records_say() {
    let t = templates();
    let recs = fixture();
    let dir = util::tempdir();
    let path = write(dir.path(), &consolidate(t, &recs, as_of()).unwrap());
    let mut wb = open_workbook_auto(&path).unwrap();
    assert_eq!(wb.sheet_names(), SHEETS.iter().map(|s| s.to_string()).collect::<Vec<_>>());

    let m = wb.worksheet_range("总览").unwrap();
    let h = MATRIX_HEADER_ROW;
    let cols: BTreeMap<String, u32> = (0..m.width() as u32).map(|c| (text(m.get_value((h, c))), c)).collect();
    assert!(cols.contains_key("2017年3月") && cols.contains_key("2017年4月"), "{cols:?}");
    assert!(!cols.contains_key("2017年5月"), "May is not yet shown: {cols:?}");
    let mut regions = 0;
    let mut row = h + 1;
    while !text(m.get_value((row, 0))).is_empty() {
        let region = text(m.get_value((row, 0)));
        for month in [3, 4] {
            let got = text(m.get_value((row, cols[&format!("2017年{month}月")])));
            assert_eq!(got, expected_cell(&region, month), "总览 {region} 2017年{month}月 (row {})", row + 1);
        }
        regions += 1;
        row += 1;
    }
    assert_eq!(regions, t.registry.region_count());
    // 工作计划 column: only 河北省 has sent its plan.
    let plan_col = cols["工作计划"];
    for r in (h + 1)..row {
        let want = if text(m.get_value((r, 0))) == "河北省" { "已报" } else { "未报" };
        assert_eq!(text(m.get_value((r, plan_col))), want);
    }

    // Per-month counts equal the counts of the expected cells.
    let counts_row =
        (row..row + 5).find(|r| text(m.get_value((*r, 0))) == "各月统计（地区数）").expect("counts");
    for month in [3, 4] {
        let c = cols[&format!("2017年{month}月")];
        let mut want: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, reg) in t.registry.regions() {
            let label = expected_cell(&reg.name, month);
            let cat = if label.starts_with("迟报") { "迟报" } else { label };
            *want.entry(cat).or_default() += 1;
        }
        for r in counts_row + 1..counts_row + 10 {
            let cat = text(m.get_value((r, 0)));
            let n = match m.get_value((r, c)) {
                Some(Data::Float(f)) => *f as usize,
                other => panic!("count at row {} is {other:?}", r + 1),
            };
            assert_eq!(n, want.get(cat.as_str()).copied().unwrap_or(0), "count of {cat} in 2017年{month}月");
        }
    }
}

#[test]
fn chase_list_is_right_for_the_as_of_date() {
    let t = templates();
    let recs = fixture();
    let dir = util::tempdir();
    let path = write(dir.path(), &consolidate(t, &recs, as_of()).unwrap());
    let rows = table(&path, "催报");
    let key = |r: &BTreeMap<String, String>| (r["试点地区"].clone(), r["报表"].clone());
    let got: BTreeMap<(String, String), BTreeMap<String, String>> =
        rows.iter().map(|r| (key(r), r.clone())).collect();
    assert_eq!(got.len(), rows.len(), "no duplicate rows");
    // Expected: 20 plans missing; March: 17 missing + 天津 late; April: 19 missing.
    let mut want = 0;
    for (_, reg) in t.registry.regions() {
        want += usize::from(reg.name != "河北省");
        for m in [3, 4] {
            let cell = expected_cell(&reg.name, m);
            if cell == "未报" || cell.starts_with("迟报") {
                want += 1;
                let row = &got[&(reg.name.clone(), format!("附3 2017年{m}月"))];
                assert_eq!(row["截止日"], format!("2017-0{}-10", m + 1));
                assert!(row["情况"].starts_with(if cell == "未报" { "未报" } else { "迟报" }), "{row:?}");
            }
        }
    }
    assert_eq!(rows.len(), want);
    let bj = &got[&("北京市".into(), "附3 2017年4月".into())];
    assert_eq!((bj["联系人"].as_str(), bj["联系人电话"].as_str()), ("赵六", "13900001111"));
    assert_eq!((bj["经办人"].as_str(), bj["经办人电话"].as_str()), ("钱七", "010-66556655"));
    assert!(!got.contains_key(&("河北省".into(), "附3 2017年4月".into())));
    // As of the due day itself April is not yet missing.
    let path2 = dir.path().join("b.xlsx");
    std::fs::write(&path2, consolidate(t, &recs, d("2017-05-10")).unwrap()).unwrap();
    assert!(table(&path2, "催报").iter().all(|r| r["报表"] != "附3 2017年4月"));
}

#[test]
fn other_sheets_carry_the_records() {
    let t = templates();
    let recs = fixture();
    let dir = util::tempdir();
    let path = write(dir.path(), &consolidate(t, &recs, as_of()).unwrap());

    let details = table(&path, "进展明细");
    assert_eq!(details.len(), recs.iter().filter(|r| r.current && r.kind == FormKind::Progress).count());
    assert!(details.iter().any(|r| r["试点地区"] == "天津市"
        && r["月份"] == "2017年3月"
        && r["是否迟报"] == "迟报（填报时间）"));

    let behind = table(&path, "滞后与困难");
    assert!(behind
        .iter()
        .any(|r| r["类别"] == "进度滞后" && r["试点地区"] == "河北省" && r["内容"] == FORMULA_LIKE[1]));
    assert!(behind.iter().any(|r| r["类别"] == "困难和支持" && r["内容"] == "需要部里组织技术培训"));

    let issues = table(&path, "校验问题");
    assert_eq!(issues.len(), recs.iter().map(|r| r.issues.len()).sum::<usize>());
    let sd = issues.iter().find(|r| r["规则代码"] == "status.missing").unwrap();
    // The rule in words, the code beside it.
    assert_eq!(sd["问题"], "未勾选进度");
    assert_eq!(
        (sd["试点地区"].as_str(), sd["单元格"].as_str(), sd["严重程度"].as_str()),
        ("山东省", "B7", "错误")
    );
    assert_eq!(sd["文件"], "returns/山东省.xlsx");
    assert!(issues.iter().any(|r| r["问题"] == "地区无法识别" && r["试点地区"].contains("某某省环保厅")));

    let plan = table(&path, "计划");
    let hb: Vec<_> = plan.iter().filter(|r| r["试点地区"] == "河北省").collect();
    assert_eq!(hb.len(), 8);
    assert_eq!(hb.iter().find(|r| r["时间"] == "2017年5月").unwrap()["问题"], "缺少该时间行");
    assert_eq!(hb.iter().find(|r| r["时间"] == "2017年6月").unwrap()["问题"], "时间节点无安排");
    assert_eq!(hb.iter().find(|r| r["时间"] == "2017年3月").unwrap()["试点任务安排"], "3月安排");

    let contacts = table(&path, "联系人");
    let lead = contacts.iter().find(|r| r["试点地区"] == "河北省" && r["角色"] == "联系人").unwrap();
    // Name from the latest progress report, title and phone from the plan.
    assert_eq!((lead["姓名"].as_str(), lead["职务"].as_str()), ("李四", "处长"));
    assert_eq!(lead["联系方式"], "0311-87654321");

    let tasks = table(&path, "按任务");
    let steel = tasks.iter().find(|r| r["试点地区"] == "河北省" && r["角色"] == "牵头").unwrap();
    assert_eq!(steel["最近一期进展表"], "2017年4月：滞后");
    assert_eq!(steel["时间节点①"], "已达成（据进展表）", "{steel:?}");
}

#[test]
fn text_that_looks_like_a_formula_stays_text() {
    let t = templates();
    let dir = util::tempdir();
    let path = write(dir.path(), &consolidate(t, &fixture(), as_of()).unwrap());
    let mut wb = open_workbook_auto(&path).unwrap();
    for sheet in ["进展明细", "滞后与困难"] {
        let values = wb.worksheet_range(sheet).unwrap();
        for want in FORMULA_LIKE {
            let hit = values.cells().find(|(_, _, v)| matches!(v, Data::String(s) if s == want));
            assert!(
                hit.is_some() || (sheet == "滞后与困难" && want == FORMULA_LIKE[2]),
                "{sheet}: {want} not text"
            );
        }
        let formulas = wb.worksheet_formula(sheet).unwrap();
        let any: Vec<_> = formulas.cells().filter(|(_, _, f)| !f.is_empty()).collect();
        assert!(any.is_empty(), "{sheet} has formulas: {any:?}");
    }
}

#[test]
fn same_input_gives_identical_bytes() {
    let t = templates();
    let recs = fixture();
    let a = consolidate(t, &recs, as_of()).unwrap();
    let mut shuffled = recs.clone();
    shuffled.reverse();
    let b = consolidate(t, &shuffled, as_of()).unwrap();
    assert!(a == b, "output differs between runs or with input order");
}

/// Every region's April to July returns, each sent three times with
/// changes and findings: 更正记录 of some hundreds of rows beside full
/// status sheets.
fn resubmitted() -> Vec<Record> {
    let t = templates();
    let mut out = Vec::new();
    for (i, (_, region)) in t.registry.regions().enumerate() {
        for month in 4..=7 {
            for round in 0..3 {
                let day = format!("2017-{:02}-{:02}", month + 1, 3 + round + i % 5);
                let file = format!("returns/{}/{month}月-{round}.xlsx", region.name);
                let status = [Some(Status::OnSchedule), Some(Status::Behind), None][(i + round) % 3];
                let mut r = progress(Some(&region.name), month, status, &day, &file);
                r.actual = Some(format!("{}{month}月第{round}版进展", region.name));
                r.contact = person(&format!("联系人{round}"), None, Some("13811112222"));
                if (i + round) % 2 == 0 {
                    r.issues.push(issue(Severity::Error, Rule::StatusMissing, "B8", "未勾选进度情况"));
                }
                r.current = round == 2;
                out.push(r);
            }
        }
    }
    out
}

#[test]
fn many_resubmissions_give_identical_bytes_every_time() {
    // 更正记录 is filled on one thread while the other sheets are filled on
    // another; formats and shared strings must still be numbered the same
    // on every run.
    let t = templates();
    let recs = resubmitted();
    let first = consolidate(t, &recs, d("2017-08-31")).unwrap();
    let rows = util::zip_entry(&first, "xl/worksheets/sheet9.xml").matches("<row ").count();
    assert!(rows > 300, "only {rows} rows in 更正记录");
    for _ in 0..7 {
        assert!(consolidate(t, &recs, d("2017-08-31")).unwrap() == first, "output differs between runs");
    }
}

#[test]
fn the_workbook_is_made_on_threads_with_half_the_usual_stack() {
    // The workbook's sheets are filled on two threads of the pool it is
    // called in. A debug build once passed eight worksheets by value through
    // the join and needed more than 1 MiB of a thread's stack (2 MiB by
    // default), so a run that nested a little deeper aborted.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).stack_size(1 << 20).build().unwrap();
    let recs = resubmitted();
    let bytes = pool.install(|| consolidate(templates(), &recs, d("2017-08-31"))).unwrap();
    assert!(bytes.starts_with(b"PK"));
}

#[test]
fn libreoffice_prints_the_workbook() {
    let t = templates();
    let dir = util::tempdir();
    let path = write(dir.path(), &consolidate(t, &fixture(), as_of()).unwrap());
    let pdf = util::soffice_convert(&path, "pdf", &dir.path().join("pdf"));
    let text = util::squash(&util::pdf_text(&pdf));
    for want in ["试点工作进展总览", "河北省", "催报名单", "需要部里组织技术培训", "=SUM(A1:A3)"]
    {
        assert!(text.contains(want), "{want} missing from the printed workbook");
    }
    assert!(util::pdf_pages(&pdf) >= SHEETS.len());
}

#[test]
fn no_records_before_any_due_day_still_give_a_workbook_and_a_report() {
    let t = templates();
    let dir = util::tempdir();
    let path = write(dir.path(), &consolidate(t, &[], d("2017-03-15")).unwrap());
    let wb = open_workbook_auto(&path).unwrap();
    assert_eq!(wb.sheet_names().len(), SHEETS.len());
    assert!(table(&path, "催报").is_empty(), "nothing is due on 2017-03-15");
    let doc = permit_forms::report::build_report(t, &[], d("2017-03-15"));
    assert!(!doc.blocks.is_empty());
    assert!(permit_forms::report::feedback(t, &[], as_of()).is_empty());
}
