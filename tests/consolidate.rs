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

// ---- printing: what Excel prints, from the package's XML ---------------------

/// `attr="value"` inside one XML start tag.
fn xml_attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(&tag[start..end])
}

/// Every start tag `<name …>` in `xml` (up to its `>`).
fn start_tags<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name} ");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let tail = &rest[i..];
        let end = tail.find('>').map_or(tail.len(), |e| e + 1);
        out.push(&tail[..end]);
        rest = &tail[end..];
    }
    out
}

/// Column index (0-based) of letters `A`, `AB`.
fn col_index(letters: &str) -> u32 {
    letters.bytes().fold(0, |n, b| n * 26 + u32::from(b - b'A') + 1) - 1
}

/// How one worksheet of an xlsx prints, worked out as Excel does from its
/// column widths, row heights, margins, page setup and print area.
#[derive(Debug)]
pub(crate) struct Printed {
    /// Print scale, as a fraction (Excel's whole per cent).
    pub scale: f64,
    /// Width of the print area's columns, in points at 100 %.
    pub content_width: f64,
    /// Printable width of the paper within the margins, in points.
    pub printable_width: f64,
    /// Height of the print area's rows, in points at 100 %.
    pub content_height: f64,
    /// Printable height, in points.
    pub printable_height: f64,
    /// The smallest font size the workbook's styles use.
    pub least_font: f64,
    /// Every row height set in the sheet, in points, with its row number.
    pub heights: Vec<(u32, f64)>,
    /// The print area's columns (first, last; 0-based).
    pub columns: (u32, u32),
    /// Rows repeated at the top of each page (`_xlnm.Print_Titles`), as written.
    pub titles: Option<String>,
}

/// How sheet number `index` (0-based, in workbook order) of `xlsx` prints.
pub(crate) fn printed(xlsx: &[u8], index: usize) -> Printed {
    let sheet = util::zip_entry(xlsx, &format!("xl/worksheets/sheet{}.xml", index + 1));
    let workbook = util::zip_entry(xlsx, "xl/workbook.xml");
    let styles = util::zip_entry(xlsx, "xl/styles.xml");
    let defined = |name: &str| -> Option<String> {
        let key = format!("name=\"{name}\" localSheetId=\"{index}\">");
        let start = workbook.find(&key)? + key.len();
        let end = workbook[start..].find("</definedName>")? + start;
        Some(workbook[start..end].to_string())
    };
    // 'Sheet'!$A$1:$L$120
    let area = defined("_xlnm.Print_Area").expect("no print area");
    let range = area.rsplit('!').next().unwrap().replace('$', "");
    let (a, b) = range.split_once(':').unwrap();
    let split = |s: &str| {
        let i = s.find(|c: char| c.is_ascii_digit()).unwrap();
        (col_index(&s[..i]), s[i..].parse::<u32>().unwrap() - 1)
    };
    let ((c0, r0), (c1, r1)) = (split(a), split(b));
    // Excel's pixels of a column `w` characters wide (7 px digits of the
    // default font), 96 px per inch.
    let px = |w: f64| ((256.0 * w + (128.0f64 / 7.0).trunc()) / 256.0 * 7.0).trunc();
    let mut widths = BTreeMap::new();
    for col in start_tags(&sheet, "col") {
        let w: f64 = xml_attr(col, "width").unwrap().parse().unwrap();
        let (lo, hi): (u32, u32) =
            (xml_attr(col, "min").unwrap().parse().unwrap(), xml_attr(col, "max").unwrap().parse().unwrap());
        for c in lo..=hi {
            widths.insert(c - 1, w);
        }
    }
    let content_width: f64 = (c0..=c1).map(|c| px(*widths.get(&c).unwrap_or(&8.43)) * 0.75).sum();
    let default_height: f64 = start_tags(&sheet, "sheetFormatPr")
        .first()
        .and_then(|t| xml_attr(t, "defaultRowHeight"))
        .map_or(15.0, |h| h.parse().unwrap());
    let heights: Vec<(u32, f64)> = start_tags(&sheet, "row")
        .iter()
        .filter_map(|r| {
            let n: u32 = xml_attr(r, "r")?.parse().ok()?;
            Some((n - 1, xml_attr(r, "ht")?.parse().ok()?))
        })
        .collect();
    let set: BTreeMap<u32, f64> = heights.iter().copied().collect();
    let content_height: f64 = (r0..=r1).map(|r| *set.get(&r).unwrap_or(&default_height)).sum();
    let setup = start_tags(&sheet, "pageSetup");
    let setup = setup.first().copied().unwrap_or("");
    let landscape = xml_attr(setup, "orientation") == Some("landscape");
    assert_eq!(xml_attr(setup, "paperSize"), Some("9"), "not A4");
    let margins = start_tags(&sheet, "pageMargins");
    let margin = |m: &str| -> f64 { xml_attr(margins[0], m).unwrap().parse::<f64>().unwrap() * 72.0 };
    let (paper_w, paper_h) = if landscape { (841.89, 595.28) } else { (595.28, 841.89) };
    let printable_width = paper_w - margin("left") - margin("right");
    let printable_height = paper_h - margin("top") - margin("bottom");
    let fit = sheet.contains("fitToPage=\"1\"");
    let scale = if fit {
        let n = |k: &str| xml_attr(setup, k).map_or(1.0, |v| v.parse::<f64>().unwrap());
        let mut s: f64 = 1.0;
        if n("fitToWidth") > 0.0 {
            s = s.min(n("fitToWidth") * printable_width / content_width);
        }
        if n("fitToHeight") > 0.0 {
            s = s.min(n("fitToHeight") * printable_height / content_height);
        }
        (s * 100.0 + 1e-9).floor() / 100.0
    } else {
        xml_attr(setup, "scale").map_or(100.0, |v| v.parse().unwrap()) / 100.0
    };
    let fonts = &styles[styles.find("<fonts").unwrap()..styles.find("</fonts>").unwrap()];
    // Each font's size, but the notes' (Tahoma 8, shown in pop-ups and not
    // printed, the writer's comment colour 81).
    let least_font = fonts
        .split("<font>")
        .skip(1)
        .filter(|f| !f.contains("indexed=\"81\""))
        .flat_map(|f| start_tags(f, "sz"))
        .map(|t| xml_attr(t, "val").unwrap().parse::<f64>().unwrap())
        .fold(f64::INFINITY, f64::min);
    Printed {
        scale,
        content_width,
        printable_width,
        content_height,
        printable_height,
        least_font,
        heights,
        columns: (c0, c1),
        titles: defined("_xlnm.Print_Titles"),
    }
}

/// `n` characters (line breaks not counted) of a clerk's text written as
/// numbered items of about 40 characters, one per line; the last item ends
/// with `last`.
pub(crate) fn itemised(n: usize, last: &str) -> String {
    const WORDS: &str =
        "组织重点行业企业开展排污许可证申请填报培训并对照技术规范逐项核实排放口和污染物排放量";
    let words: Vec<char> = WORDS.chars().collect();
    let mut items = Vec::new();
    let mut count = 0;
    let mut k = 0;
    while count < n {
        let head = format!("（{}）", items.len() + 1);
        let room = (n - count).min(40);
        let body_len = room.saturating_sub(head.chars().count() + 1);
        let body: String = (0..body_len).map(|i| words[(k + i) % words.len()]).collect();
        k += 7;
        let item = format!("{head}{body}。");
        count += item.chars().count();
        items.push(item);
    }
    let mut text = items.join("\n");
    let cut: usize = last.chars().count();
    // The last item's end is `last`, the length kept.
    let keep: String = text.chars().take(text.chars().count() - cut).collect();
    text = format!("{keep}{last}");
    text
}

/// A heavy month as of 2017-06-12: every region's plan (150 characters a
/// row) and its 附3 for March to May with itemised texts at the forms'
/// capacities (600, 400, 300, 300), some behind, findings, resubmissions,
/// and one 附3 pasted with 3,000 characters of progress.
pub(crate) fn heavy_month() -> Vec<Record> {
    let t = templates();
    let reg = &t.registry;
    let mut out = Vec::new();
    for (n, (id, region)) in reg.regions().enumerate() {
        let name = region.name.clone();
        let file = |what: &str| format!("returns/{name}/{what}.xlsx");
        let src =
            |what: &str| Source {
                file: file(what), sheet: "附3 试点工作进展表".into(), sha256: "00".into()
            };
        let mut plan =
            Record::empty(FormKind::Plan, Source { sheet: "附2 试点工作计划表".into(), ..src("计划") });
        plan.region = Some(name.clone());
        plan.region_raw = name.clone();
        plan.submitted_on = Some(d("2017-03-28"));
        plan.lead = person("张三", Some("副厅长"), Some("0311-80000000"));
        plan.contact = person("李四", Some("处长"), Some("0311-87654321"));
        plan.handler = person("王五", Some("主任科员"), Some("13811112222"));
        for p in reg.plan_periods(id) {
            plan.schedule.push(ScheduleEntry { period: p, arrangement: Some(itemised(150, "安排完毕")) });
        }
        out.push(plan);
        for m in 3..=5u32 {
            let status = match (n + m as usize) % 3 {
                0 => Status::Behind,
                1 => Status::OnSchedule,
                _ => Status::Ahead,
            };
            let mut r = progress(
                Some(&name),
                m,
                Some(status),
                &format!("2017-0{}-09", m + 1),
                &file(&format!("{m}月")),
            );
            r.source = src(&format!("{m}月"));
            r.planned = Some(itemised(400, "安排到此为止"));
            r.actual = Some(itemised(600, "进展到此为止"));
            r.delay_reason = Some(itemised(300, "原因到此为止"));
            r.difficulties = Some(itemised(300, "困难到此为止"));
            r.contact = person("李四", None, None);
            r.issues.push(issue(Severity::Warning, Rule::SubmittedOnLate, "C20", &itemised(120, "请核实")));
            r.issues.push(issue(
                Severity::Error,
                Rule::StatusMissing,
                "B7",
                "进度情况未勾选（超前/如期/滞后选一项）",
            ));
            if m == 5 && n % 4 == 0 {
                // Sent twice: the first copy said something else.
                let mut first = r.clone();
                first.current = false;
                first.submitted_on = Some(d("2017-06-05"));
                first.source = src("5月（初稿）");
                first.actual = Some(itemised(600, "初稿到此为止"));
                out.push(first);
            }
            out.push(r);
        }
    }
    // One return pasted with far more than the form holds.
    let pasted = out.iter_mut().rev().find(|r| r.kind == FormKind::Progress && r.current).unwrap();
    pasted.actual = Some(pasted_text());
    out
}

/// The 3,000 characters one return of [`heavy_month`] was pasted with.
fn pasted_text() -> String {
    format!("粘贴的全文：\n{}", itemised(3000, "长文到此为止"))
}

pub(crate) fn heavy_as_of() -> NaiveDate {
    d("2017-06-12")
}

#[test]
fn a_heavy_month_prints_every_sheet_at_8_pt_or_more_and_no_row_is_over_409_pt() {
    let t = templates();
    let recs = heavy_month();
    let bytes = consolidate(t, &recs, heavy_as_of()).unwrap();
    for (i, name) in SHEETS.iter().enumerate() {
        let p = printed(&bytes, i);
        for (r, h) in &p.heights {
            assert!(*h <= 409.0, "{name} row {}: {h} pt, over Excel's 409", r + 1);
        }
        let body = p.scale * p.least_font;
        assert!(body >= 8.0 - 1e-9, "{name} prints at {body:.1} pt (scale {:.2}, {p:?})", p.scale);
        // Nothing printed runs past the page's width unless the sheet is
        // scaled to a fixed size and repeats its first column.
        if p.titles.as_deref().is_none_or(|t| !t.contains("$A:$A")) {
            assert!(
                p.content_width * p.scale <= p.printable_width + 0.5,
                "{name}: {:.0} pt printed on {:.0}",
                p.content_width * p.scale,
                p.printable_width
            );
        }
    }
    // 校验问题 prints A:I: the finding and where it is.
    assert_eq!(printed(&bytes, 7).columns, (0, 8));
    // 总览: the matrix fills the page (scaled up to it) and the chart has a page of its own.
    let overview = printed(&bytes, 0);
    assert!(overview.scale > 1.0, "{overview:?}");
    let sheet1 = util::zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert_eq!(start_tags(&sheet1, "brk").len(), 2, "pages: matrix, statistics, chart");
}

#[test]
fn text_longer_than_a_row_continues_in_rows_marked_continued_and_nothing_is_cut() {
    let t = templates();
    let recs = heavy_month();
    let dir = util::tempdir();
    let path = write(dir.path(), &consolidate(t, &recs, heavy_as_of()).unwrap());
    let rows = table(&path, "进展明细");
    let long = pasted_text();
    let at = rows.iter().position(|r| long.starts_with(&r["月度实际进展"]) && !r["月度实际进展"].is_empty());
    let at = at.expect("the pasted text's first row");
    let mut joined = rows[at]["月度实际进展"].clone();
    let region = rows[at]["试点地区"].clone();
    let mut more = 0;
    for r in &rows[at + 1..] {
        if r["试点地区"] != format!("{region}（续）") {
            break;
        }
        let piece = &r["月度实际进展"];
        // A piece starts a new line where the text did.
        if long[joined.len()..].starts_with('\n') {
            joined.push('\n');
        }
        joined.push_str(piece);
        more += 1;
    }
    assert!(more >= 2, "{more} continuation rows");
    assert_eq!(joined, long, "the text continued is the text");
    // Where the column is wide enough for an item a line (66 characters),
    // a 600-character itemised text fits one row.
    let behind = table(&path, "滞后与困难");
    let at_capacity = behind.iter().filter(|r| r["月度实际进展"] == itemised(600, "进展到此为止")).count();
    assert!(at_capacity > 40, "{at_capacity}");
}
