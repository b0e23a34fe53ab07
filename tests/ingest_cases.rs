//! ingest reads what the clerk meant, or says that it cannot: the shared
//! cases (tests/fixtures/cases/ingest, each `NAME.expected.json` beside its
//! return), the seed's one-line footer typed the ways clerks type it, tick,
//! date and invisible-character layouts through xlsx, xls and ods, a
//! template with edited status choices, hidden sheets, control characters
//! and over-long text.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use permit_forms::form::{layout, CellKind, Field, FormInstance, Grid, GridCell, PersonPart, PersonRole};
use permit_forms::generate::FormJob;
use permit_forms::ingest::{ingest_bytes, ingest_paths, IngestOptions};
use permit_forms::record::Rule;
use permit_forms::render::xlsx;
use permit_forms::{FormKind, Period, Record, Severity, Status, Templates};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::Value as Json;

use crate::ingest::{base, filled_grid, ingest};
use crate::util::{self, templates};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cases/ingest")
}

/// The fields of `want` that differ in `got` (person blocks and the
/// schedule compared part by part), as check.py compares them.
fn differences(want: &serde_json::Map<String, Json>, got: &Json) -> Vec<String> {
    let mut out = Vec::new();
    for (k, w) in want {
        let g = &got[k];
        match k.as_str() {
            "lead" | "contact" | "handler" => {
                for (part, wp) in w.as_object().expect("person object") {
                    if &g[part] != wp {
                        out.push(format!("{k}.{part}: want {wp} got {}", g[part]));
                    }
                }
            }
            "schedule" => {
                let periods = |v: &Json| -> Vec<Json> {
                    v.as_array().map(|a| a.iter().map(|e| e["period"].clone()).collect()).unwrap_or_default()
                };
                if periods(w) != periods(g) {
                    out.push(format!("schedule periods: want {:?} got {:?}", periods(w), periods(g)));
                }
                for e in w.as_array().into_iter().flatten() {
                    let found = g.as_array().into_iter().flatten().find(|x| x["period"] == e["period"]);
                    if let Some(x) = found {
                        if x["arrangement"] != e["arrangement"] {
                            out.push(format!("schedule[{}].arrangement differs", e["period"]));
                        }
                    }
                }
            }
            _ if g != w => out.push(format!("{k}: want {w} got {g}")),
            _ => {}
        }
    }
    out
}

#[test]
fn every_shared_case_gives_exactly_its_expected_fields() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".expected.json"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "the cases are copied into tests/fixtures/cases/ingest");
    let mut failures = Vec::new();
    for case in &cases {
        let exp: Json = serde_json::from_str(&std::fs::read_to_string(case).unwrap()).unwrap();
        let input = exp["input"].as_str().unwrap();
        let dir = util::tempdir();
        let arg = if exp["run_as_folder"].as_bool().unwrap_or(false) {
            let folder = dir.path().join("returns");
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::copy(fixtures().join(input), folder.join(input)).unwrap();
            folder
        } else {
            let file = dir.path().join(input);
            std::fs::copy(fixtures().join(input), &file).unwrap();
            file
        };
        let out = ingest(&[arg]);
        let want_n = exp["records"].as_u64().unwrap_or(1) as usize;
        if out.records.len() != want_n {
            failures.push(format!("{input}: {} records, want {want_n}", out.records.len()));
            continue;
        }
        // With several records, each expected record is matched by period
        // (as check.py does); `or_issue` excuses a field flagged at its cell.
        let records: Vec<Json> = out.records.iter().map(|r| serde_json::to_value(r).unwrap()).collect();
        let or_issue = exp["or_issue"].as_object().cloned().unwrap_or_default();
        let wanted =
            std::iter::once(&exp["record"]).chain(exp["other_records"].as_array().into_iter().flatten());
        for want in wanted {
            let want = want.as_object().unwrap();
            let got = records.iter().find(|r| want_n == 1 || r["period"] == want["period"]);
            let Some(got) = got else {
                failures.push(format!("{input}: no record for period {}", want["period"]));
                continue;
            };
            let flagged = |field: &str| {
                or_issue.get(field).is_some_and(|cell| {
                    got["issues"].as_array().into_iter().flatten().any(|i| {
                        let f = i["field"].as_str().unwrap_or("");
                        (f == field || f.starts_with(&format!("{field}.")))
                            && (cell.is_null() || &i["cell"] == cell)
                    })
                })
            };
            for d in differences(want, got) {
                let field = d.split(':').next().unwrap_or("");
                if !flagged(field) && !flagged(field.split('.').next().unwrap_or("")) {
                    failures.push(format!("{input}: {d}"));
                }
            }
        }
        let allowed: Vec<&str> = exp["issues"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["field"].as_str())
            .chain(or_issue.keys().map(String::as_str))
            .collect();
        for r in &out.records {
            for i in &r.issues {
                let ok = allowed.iter().any(|a| i.field == *a || i.field.starts_with(&format!("{a}.")));
                if i.severity == Severity::Error && !ok {
                    failures
                        .push(format!("{input}: unexpected error {} at {:?}: {}", i.rule, i.cell, i.message));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- the seed's one-line footer -------------------------------------------------

/// `grid` with its footer turned into the seed's single line: the
/// 填报单位 label cell holds `line`, the other footer cells hold nothing
/// except the date input beside it, which holds `beside`.
fn one_line_footer(mut grid: Grid, line: &str, beside: &str) -> Grid {
    let label = |c: &GridCell, start: &str| {
        c.kind == CellKind::Label && c.text.replace(char::is_whitespace, "").starts_with(start)
    };
    for c in &mut grid.cells {
        if label(c, "填报单位") {
            c.text = line.to_string();
        } else if label(c, "填报时间") || c.field == Some(Field::Submitter) {
            c.text.clear();
        } else if c.field == Some(Field::SubmittedOn) {
            c.text = beside.to_string();
        }
    }
    grid
}

fn read_grid(grid: &Grid) -> Record {
    let recs = ingest_bytes(templates(), "x.xlsx", &xlsx::render(grid).unwrap()).unwrap();
    assert_eq!(recs.len(), 1);
    recs.into_iter().next().unwrap()
}

#[test]
fn seed_one_line_footer_gives_submitter_and_date_on_both_forms() {
    let may8 = NaiveDate::from_ymd_opt(2017, 5, 8);
    let cases = [
        ("填报单位：河北省环境保护厅（盖章）        填报时间：2017年5月8日", ""),
        ("填报单位：（盖章）河北省环境保护厅        填报时间：2017年5月8日", ""),
        ("填报单位：河北省环境保护厅　　　　填报时间：２０１７年５月８日", ""),
        ("填报单位（盖章）：河北省环境保护厅 填报时间:2017-05-08", ""),
        ("填报单位:河北省环境保护厅　填报时间：二〇一七年五月八日", ""),
        ("填报单位：河北省环境保护厅（盖章）        填报时间：", "2017年5月8日"),
        ("填报单位：河北省环境保护厅        填报时间：", "2017/5/8"),
    ];
    for kind in FormKind::ALL {
        let month = (kind == FormKind::Progress).then_some((2017, 4));
        let (job, v) = base(kind, "河北省", month);
        for (line, beside) in cases {
            // The plan is due by 2017-03-31: its date moves into March.
            let (line, beside, want) = match kind {
                FormKind::Plan => (
                    line.replace("5月8日", "3月8日")
                        .replace("05-08", "03-08")
                        .replace("５月", "３月")
                        .replace("五月", "三月"),
                    beside.replace("5月", "3月").replace("/5/", "/3/"),
                    may8.and_then(|d| d.with_month(3)),
                ),
                FormKind::Progress => (line.to_string(), beside.to_string(), may8),
            };
            let grid = one_line_footer(filled_grid(&job, &v), &line, &beside);
            let r = read_grid(&grid);
            assert_eq!(r.submitter.as_deref(), Some("河北省环境保护厅"), "{kind:?} {line}");
            assert_eq!(r.submitted_on, want, "{kind:?} {line} | {beside}");
            assert!(r.issues.is_empty(), "{kind:?} {line}: {:?}", r.issues);
        }
        // Left blank: both fields missing, and the issue names the footer
        // cell, where the clerk must type.
        let grid = one_line_footer(filled_grid(&job, &v), "填报单位：（盖章）        填报时间：", "");
        let footer = grid.cells.iter().find(|c| c.text.starts_with("填报单位")).unwrap();
        let cell = xlsx::cell_ref(footer.row, footer.col);
        let r = read_grid(&grid);
        assert_eq!((r.submitter.as_deref(), r.submitted_on), (None, None));
        let i = r.issues.iter().find(|i| i.rule == Rule::SubmittedOnMissing).expect("submitted_on.missing");
        assert_eq!(i.cell.map(|c| c.to_string()), Some(cell));
    }
}

#[test]
fn several_labels_in_a_person_cell_and_bracketed_titles() {
    use PersonPart::*;
    use PersonRole::*;
    let (job, v) = base(FormKind::Progress, "河北省", Some((2017, 4)));
    let mut g = filled_grid(&job, &v);
    for c in &mut g.cells {
        match (c.kind, c.text.as_str(), c.field) {
            (CellKind::Label, "总负责人", _) => {
                c.text = "总负责人：赵立新（副厅长）  责任处室：综合处".into()
            }
            (CellKind::Label, "责任处室", _) => c.text.clear(),
            (_, _, Some(Field::Person(Lead, Name)) | Some(Field::Division)) => c.text.clear(),
            (_, _, Some(Field::Person(Contact, Name))) => c.text = "李四(处长) 13800000000".into(),
            _ => {}
        }
    }
    let r = read_grid(&g);
    assert_eq!(
        (r.lead.name.as_deref(), r.lead.title.as_deref(), r.division.as_deref()),
        (Some("赵立新"), Some("副厅长"), Some("综合处"))
    );
    assert_eq!(
        (r.contact.name.as_deref(), r.contact.title.as_deref(), r.contact.phone.as_deref()),
        (Some("李四"), Some("处长"), Some("13800000000"))
    );
    assert!(r.issues.is_empty(), "{:?}", r.issues);

    // 附2: a title beside the name; where the title cell is filled too, the cell wins.
    let (job, mut v) = base(FormKind::Plan, "河北省", None);
    v.values.insert(Field::Person(Lead, Name), "王芳（副厅长）".into());
    v.values.insert(Field::Person(Lead, Title), String::new());
    v.values.insert(Field::Person(Contact, Name), "孙丽（科员）".into());
    let r = read_grid(&filled_grid(&job, &v));
    assert_eq!((r.lead.name.as_deref(), r.lead.title.as_deref()), (Some("王芳"), Some("副厅长")));
    let title = v.values[&Field::Person(Contact, Title)].clone();
    assert_eq!((r.contact.name.as_deref(), r.contact.title.as_deref()), (Some("孙丽"), Some(title.as_str())));
    assert!(r.issues.is_empty(), "{:?}", r.issues);
}

// ---- ticks, dates and invisible characters through xlsx, xls and ods -------------

/// A cell value of a hand-made sheet.
#[derive(Clone)]
enum C {
    S(String),
    N(f64),
    D(u16, u8, u8),
}

fn s(t: &str) -> C {
    C::S(t.to_string())
}

/// A retyped 附3 (labels left, values right), with `over` replacing the
/// values of some labels.
fn progress_sheet(over: &[(&str, C)]) -> Vec<(u32, u16, C)> {
    type Row<'a> = (&'a str, C, Option<(&'a str, C)>);
    let rows: [Row; 11] = [
        ("试点地区", s("河北省"), None),
        ("试点任务及要求完成时间", s("钢铁行业、原料药制造行业"), None),
        ("时间", s("2017年4月"), None),
        ("月度工作安排", s("组织培训"), None),
        ("月度实际进展", s("完成3家"), None),
        ("进度情况（勾选）", s("如期"), None),
        ("进度滞后的原因（若有）", s(""), None),
        ("存在的困难和需要的支持（若有）", s("无"), None),
        ("总负责人", s("刘洋"), Some(("责任处室", s("综合处")))),
        ("联系人", s("陈静 13811112222"), Some(("经办人", s("王芳")))),
        ("填报单位：", s("河北省环境保护厅"), Some(("填报时间：", s("2017年5月8日")))),
    ];
    let value = |label: &str, default: C| over.iter().find(|o| o.0 == label).map_or(default, |o| o.1.clone());
    let mut cells = vec![(0, 0, s("试点工作进展表"))];
    for (i, (label, v, right)) in rows.into_iter().enumerate() {
        let r = i as u32 + 2;
        cells.push((r, 0, s(label)));
        cells.push((r, 1, value(label, v)));
        if let Some((l2, v2)) = right {
            cells.push((r, 2, s(l2)));
            cells.push((r, 3, value(l2, v2)));
        }
    }
    cells
}

type SheetCells = Vec<(u32, u16, C)>;

fn write_sheets(path: &Path, sheets: &[(String, SheetCells, bool)]) {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    for (name, cells, hidden) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        for (r, c, v) in cells {
            match v {
                C::S(t) if t.is_empty() => {}
                C::S(t) => {
                    ws.write_string(*r, *c, t).unwrap();
                }
                C::N(n) => {
                    ws.write_number(*r, *c, *n).unwrap();
                }
                C::D(y, m, d) => {
                    let when = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                    ws.write_datetime_with_format(*r, *c, when, &date).unwrap();
                }
            }
        }
        if *hidden {
            ws.set_hidden(true);
        }
    }
    wb.save(path).unwrap();
}

/// What one sheet must give back.
struct Want {
    status: Option<Status>,
    rule: Option<Rule>,
    period: Option<Period>,
    submitted_on: Option<NaiveDate>,
    text: Vec<(&'static str, &'static str)>,
}

fn want() -> Want {
    Want {
        status: Some(Status::OnSchedule),
        rule: None,
        period: Period::month(2017, 4),
        submitted_on: NaiveDate::from_ymd_opt(2017, 5, 8),
        text: Vec::new(),
    }
}

fn layouts() -> Vec<(Vec<(&'static str, C)>, Want)> {
    use Status::*;
    let status = |t: &str, st: Option<Status>| {
        let rule = st.is_none().then_some(Rule::StatusAmbiguous);
        (
            vec![("进度情况（勾选）", s(t)), ("进度滞后的原因（若有）", s("资金未到位"))],
            Want { status: st, rule, ..want() },
        )
    };
    let dates = |period: C, on: C, p: Option<Period>, d: Option<NaiveDate>| {
        (vec![("时间", period), ("填报时间：", on)], Want { period: p, submitted_on: d, ..want() })
    };
    let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    let apr = Period::month(2017, 4);
    vec![
        status("超前　　如期√　　滞后", Some(OnSchedule)),
        status("超前√　　如期　　滞后", Some(Ahead)),
        status("超前　☑\u{FE0F}如期　滞后", Some(OnSchedule)),
        status("超前　✓\u{FE0E}如期　滞后", Some(OnSchedule)),
        status("超前×　如期√　滞后×", Some(OnSchedule)),
        status("✗超前　✔如期　╳滞后", Some(OnSchedule)),
        status("□超前　□如期　■滞后", Some(Behind)),
        status("超前（ ）如期（√）滞后（ ）", Some(OnSchedule)),
        status("○超前　●如期　○滞后", Some(OnSchedule)),
        status("□超前□如期■滞后", Some(Behind)),
        status("☒超前", Some(Ahead)),
        status("超前如期√滞后", None),
        status("超前×　如期　滞后×", None),
        status("超前 √ 如期 滞后", None),
        dates(s("二〇一七年四月"), s("二○一七年五月八日"), apr, ymd(2017, 5, 8)),
        dates(s("二零一七年四月份"), s("二〇一七年五月八号"), apr, ymd(2017, 5, 8)),
        dates(s("２０１７年４月"), s("２０１７年５月８日"), apr, ymd(2017, 5, 8)),
        dates(C::N(201704.0), s("20170508"), apr, ymd(2017, 5, 8)),
        dates(C::N(2017.04), C::N(20170508.0), apr, ymd(2017, 5, 8)),
        dates(s("2017年4月"), C::N(42863.0), apr, ymd(2017, 5, 8)),
        dates(C::D(2017, 4, 1), C::D(2017, 5, 8), apr, ymd(2017, 5, 8)),
        // 2017.10 typed into a number cell is kept as 2017.1: only October is
        // among 河北省's reporting months.
        dates(C::N(2017.1), s("2017年11月8日"), Period::month(2017, 10), ymd(2017, 11, 8)),
        (
            vec![
                ("试点地区", s("河北省\u{FEFF}")),
                ("总负责人", s("\u{200B}刘洋")),
                ("责任处室", s("\u{00A0}综合处\u{200B}")),
                ("联系人", s("陈静\u{2060} 13811112222")),
                ("经办人", s("王\u{200C}芳\u{200D}")),
                ("填报单位：", s("河北省\u{00AD}环境保护厅\u{202F}\u{200B}")),
            ],
            Want {
                text: vec![
                    ("region_raw", "河北省"),
                    ("lead.name", "刘洋"),
                    ("division", "综合处"),
                    ("contact.name", "陈静"),
                    ("contact.phone", "13811112222"),
                    ("handler.name", "王芳"),
                    ("submitter", "河北省环境保护厅"),
                ],
                ..want()
            },
        ),
    ]
}

fn check_layouts(records: &[Record], what: &str) {
    let layouts = layouts();
    assert_eq!(records.len(), layouts.len(), "{what}");
    for (i, ((_, w), r)) in layouts.iter().zip(records).enumerate() {
        let at = format!("{what} sheet {} ({})", i + 1, r.source.sheet);
        assert_eq!(r.status, w.status, "{at}");
        assert_eq!(r.period, w.period, "{at}");
        assert_eq!(r.submitted_on, w.submitted_on, "{at}");
        let json = serde_json::to_value(r).unwrap();
        for (path, value) in &w.text {
            let got = path.split('.').fold(&json, |j, k| &j[k]);
            assert_eq!(got, value, "{at}: {path}");
        }
        match w.rule {
            Some(rule) => {
                let rules: Vec<Rule> = r.issues.iter().map(|i| i.rule).collect();
                let i = r.issues.iter().find(|i| i.rule == rule).unwrap_or_else(|| panic!("{at}: {rules:?}"));
                assert_eq!(i.cell.map(|c| c.to_string()).as_deref(), Some("B8"), "{at}: the status cell");
            }
            None => assert!(r.issues.is_empty(), "{at}: {:?}", r.issues),
        }
    }
}

#[test]
fn tick_date_and_invisible_layouts_read_alike_in_xlsx_xls_and_ods() {
    let dir = util::tempdir();
    let book = dir.path().join("layouts.xlsx");
    let sheets: Vec<(String, SheetCells, bool)> = layouts()
        .into_iter()
        .enumerate()
        .map(|(i, (over, _))| (format!("表{}", i + 1), progress_sheet(&over), false))
        .collect();
    write_sheets(&book, &sheets);
    check_layouts(&ingest(std::slice::from_ref(&book)).records, "xlsx");
    for to in ["xls", "ods", "xlsx:Calc MS Excel 2007 XML"] {
        let ext = to.split(':').next().unwrap();
        let converted = util::soffice_convert(&book, to, &dir.path().join(format!("lo-{ext}")));
        let out = ingest(std::slice::from_ref(&converted));
        assert!(out.rejected.is_empty(), "{to}: {:?}", out.rejected);
        check_layouts(&out.records, to);
    }
}

#[test]
fn a_1904_workbook_reads_alike_in_xlsx_xls_and_ods() {
    let dir = util::tempdir();
    let case = dir.path().join("date1904.xlsx");
    std::fs::copy(fixtures().join("date1904-serial.xlsx"), &case).unwrap();
    let mut files = vec![case.clone()];
    for to in ["xls", "ods"] {
        files.push(util::soffice_convert(&case, to, &dir.path().join(to)));
    }
    for f in files {
        let out = ingest(std::slice::from_ref(&f));
        assert_eq!(out.records.len(), 1, "{}", f.display());
        let r = &out.records[0];
        let want = NaiveDate::from_ymd_opt(2017, 6, 7);
        assert_eq!(r.submitted_on, want, "{}: 41431 in the 1904 system", f.display());
        assert!(r.issues.is_empty(), "{}: {:?}", f.display(), r.issues);
    }
}

// ---- a template whose status choices were edited ---------------------------------

#[test]
fn a_template_with_edited_status_choices_reads_back_its_own_forms() {
    let dir = util::tempdir();
    permit_forms::templates::export(dir.path()).unwrap();
    let file = dir.path().join(permit_forms::templates::form_file(FormKind::Progress));
    let text = std::fs::read_to_string(&file).unwrap();
    let from = "choices = [\n      { status = \"ahead\", word = \"超前\" },\n      { status = \"on_schedule\", word = \"如期\" },\n      { status = \"behind\", word = \"滞后\" },\n  ]";
    assert!(text.contains(from), "the default choices");
    let keyed = |a: &str, o: &str, b: &str| {
        format!(
            "choices = [{{ status = \"{a}\", word = \"{}\" }}, {{ status = \"{o}\", word = \"{}\" }}, {{ status = \"{b}\", word = \"{}\" }}]",
            "提前完成", "按计划", "延误"
        )
    };
    std::fs::write(&file, text.replace(from, &keyed("ahead", "on_schedule", "behind"))).unwrap();
    let edited = Templates::load(dir.path()).unwrap();
    let hebei = edited.registry.region_by_name("河北省").unwrap();
    let job = FormJob {
        kind: FormKind::Progress,
        instance: FormInstance { region: Some(hebei), period: permit_forms::YearMonth::new(2017, 4) },
    };
    let (_, mut v) = base(FormKind::Progress, "河北省", Some((2017, 4)));
    v.values.insert(Field::DelayReason, "资金未到位".into());
    let cases = [
        ("按计划", Some(Status::OnSchedule)),
        ("提前完成", Some(Status::Ahead)),
        ("□提前完成　■按计划　□延误", Some(Status::OnSchedule)),
        ("提前完成　按计划　延误√", Some(Status::Behind)),
        ("提前完成/按计划/延误", None),
    ];
    for (written, want) in cases {
        v.values.insert(Field::Status, written.to_string());
        let mut g = layout(edited.form(FormKind::Progress), &edited.registry, job.instance);
        permit_forms::fill::fill_grid(&mut g, &v);
        let status = g.cells.iter().find(|c| c.field == Some(Field::Status)).unwrap();
        assert_eq!(status.choices, ["提前完成", "按计划", "延误"], "the form offers the edited words");
        let bytes = xlsx::render(&g).unwrap();
        let r = &ingest_bytes(&edited, "x.xlsx", &bytes).unwrap()[0];
        assert_eq!(r.status, want, "{written}");
        // Read with the default words, these are not status words: never a guess.
        let r = &ingest_bytes(templates(), "x.xlsx", &bytes).unwrap()[0];
        assert_eq!(r.status, None, "{written} read with the default words");
    }
}

/// Status choices mean the status they are keyed by, not their place:
/// reordered words read as before; a template that leaves a status without
/// a word, keys one twice, or (written before the key) names a word that is
/// not one of the built-in three is refused at load with the problem.
#[test]
fn status_choices_are_keyed_by_status_and_checked_at_load() {
    let dir = util::tempdir();
    permit_forms::templates::export(dir.path()).unwrap();
    let file = dir.path().join(permit_forms::templates::form_file(FormKind::Progress));
    let text = std::fs::read_to_string(&file).unwrap();
    let start = text.find("choices = [\n").unwrap();
    let end = start + text[start..].find("] },").unwrap() + 1;
    let with = |choices: &str| {
        std::fs::write(&file, format!("{}{choices}{}", &text[..start], &text[end..])).unwrap();
        Templates::load(dir.path())
    };
    // Printed 滞后 first: the form shows that order, a ticked 滞后 is behind.
    let reordered = with(concat!(
        r#"choices = [{ status = "behind", word = "滞后" }, { status = "on_schedule", word = "如期" }, "#,
        r#"{ status = "ahead", word = "超前" }]"#
    ))
    .unwrap();
    let hebei = reordered.registry.region_by_name("河北省").unwrap();
    let job = FormJob {
        kind: FormKind::Progress,
        instance: FormInstance { region: Some(hebei), period: permit_forms::YearMonth::new(2017, 4) },
    };
    let (_, mut v) = base(FormKind::Progress, "河北省", Some((2017, 4)));
    v.values.insert(Field::DelayReason, "资金未到位".into());
    for (written, want) in [("滞后", Status::Behind), ("超前", Status::Ahead), ("如期", Status::OnSchedule)]
    {
        v.values.insert(Field::Status, written.to_string());
        let mut g = layout(reordered.form(FormKind::Progress), &reordered.registry, job.instance);
        permit_forms::fill::fill_grid(&mut g, &v);
        let status = g.cells.iter().find(|c| c.field == Some(Field::Status)).unwrap();
        assert_eq!(status.choices, ["滞后", "如期", "超前"], "printed in the template's order");
        let r = &ingest_bytes(&reordered, "x.xlsx", &xlsx::render(&g).unwrap()).unwrap()[0];
        assert_eq!(r.status, Some(want), "{written}");
    }
    // The built-in words without keys still mean what they say, in any order.
    let old = with(r#"choices = ["滞后", "超前", "如期"]"#).unwrap();
    let words = old.form(FormKind::Progress).status_choices().to_vec();
    assert_eq!(words[0], (Status::Behind, "滞后".to_string()));
    for (choices, problem) in [
        (
            r#"choices = [{ status = "ahead", word = "超前" }, { status = "on_schedule", word = "如期" }]"#,
            "缺少 behind",
        ),
        (
            r#"choices = [{ status = "ahead", word = "超前" }, { status = "ahead", word = "提前" }, { status = "behind", word = "滞后" }]"#,
            "ahead 有两个",
        ),
        (r#"choices = ["提前完成", "按计划", "延误"]"#, "没有写明代表哪种进度"),
        (
            r#"choices = [{ status = "late", word = "超前" }, { status = "on_schedule", word = "如期" }, { status = "behind", word = "滞后" }]"#,
            "无法识别",
        ),
    ] {
        let err = with(choices).unwrap_err().to_string();
        assert!(err.contains(problem), "{choices}: {err}");
    }
}

// ---- hidden sheets, control characters, long text --------------------------------

/// A 附3 sheet as generated: every field a clerk fills left blank.
fn blank_progress() -> Vec<(u32, u16, C)> {
    progress_sheet(&[
        ("月度工作安排", s("")),
        ("月度实际进展", s("")),
        ("进度情况（勾选）", s("□超前　□如期　□滞后")),
        ("存在的困难和需要的支持（若有）", s("")),
        ("总负责人", s("")),
        ("责任处室", s("")),
        ("联系人", s("")),
        ("经办人", s("")),
        ("填报单位：", s("")),
        ("填报时间：", s("")),
    ])
}

#[test]
fn a_filled_hidden_sheet_is_read_with_a_warning_and_a_blank_one_is_not() {
    let dir = util::tempdir();
    let path = dir.path().join("hidden.xlsx");
    let blank = blank_progress();
    // The first sheet is the active one, which a workbook cannot hide.
    let sheets = [
        ("Sheet1".into(), Vec::new(), false),
        ("空白".into(), blank, true),
        ("已填".into(), progress_sheet(&[]), true),
    ];
    write_sheets(&path, &sheets);
    let out = ingest(std::slice::from_ref(&path));
    let names: Vec<&str> = out.records.iter().map(|r| r.source.sheet.as_str()).collect();
    assert_eq!(names, ["已填"]);
    let r = &out.records[0];
    assert_eq!(r.status, Some(Status::OnSchedule));
    let rules: Vec<Rule> = r.issues.iter().map(|i| i.rule).collect();
    assert_eq!(rules, [Rule::SheetHidden]);
    assert_eq!(r.issues[0].severity, Severity::Warning);
}

#[test]
fn a_visible_blank_copy_beside_the_filled_form_is_named_not_read_and_a_blank_return_is_read() {
    let dir = util::tempdir();
    let blank = blank_progress;
    let both = dir.path().join("both.xlsx");
    write_sheets(&both, &[("附3".into(), blank(), false), ("附3 (2)".into(), progress_sheet(&[]), false)]);
    let out = ingest(std::slice::from_ref(&both));
    let names: Vec<&str> = out.records.iter().map(|r| r.source.sheet.as_str()).collect();
    assert_eq!(names, ["附3 (2)"]);
    let r = &out.records[0];
    assert_eq!(r.status, Some(Status::OnSchedule));
    let copy: Vec<&permit_forms::record::Issue> =
        r.issues.iter().filter(|i| i.rule == Rule::SheetBlankCopy).collect();
    assert_eq!(copy.len(), 1, "{:?}", r.issues);
    assert_eq!(copy[0].severity, Severity::Warning);
    assert!(copy[0].message.contains("“附3”"), "{}", copy[0].message);
    // Only the blank form: it is the return, with its findings.
    let only = dir.path().join("only.xlsx");
    write_sheets(&only, &[("附3".into(), blank(), false)]);
    let out = ingest(std::slice::from_ref(&only));
    assert_eq!(out.records.len(), 1);
    assert!(
        out.records[0].issues.iter().any(|i| i.rule == Rule::StatusMissing),
        "{:?}",
        out.records[0].issues
    );
    assert!(!out.records[0].issues.iter().any(|i| i.rule == Rule::SheetBlankCopy));
}

#[test]
fn control_characters_become_line_breaks_or_go() {
    let (job, mut v) = base(FormKind::Progress, "河北省", Some((2017, 4)));
    v.values.insert(Field::Actual, "第一段\u{0B}第二段\r\n第三段\u{0}\u{1}".into());
    v.values.insert(Field::Division, "综合\u{0B}处".into());
    v.values.insert(Field::Difficulties, "\u{FEFF}无\u{200B}".into());
    let r = read_grid(&filled_grid(&job, &v));
    assert_eq!(r.actual.as_deref(), Some("第一段\n第二段\n第三段"));
    assert_eq!(r.division.as_deref(), Some("综合 处"));
    assert_eq!(r.difficulties.as_deref(), Some("无"));
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("\\u000b") && !json.contains("\\u0000"), "{json}");
}

#[test]
fn over_long_text_is_cut_visibly_with_a_warning_naming_the_cell() {
    let (job, mut v) = base(FormKind::Progress, "河北省", Some((2017, 4)));
    let long: String = "进展".repeat(15_000);
    v.values.insert(Field::Actual, long.clone());
    let g = filled_grid(&job, &v);
    let bytes = xlsx::render(&g).unwrap();
    assert_eq!(IngestOptions::default().max_text_chars, 20_000);
    let r = &ingest_bytes(templates(), "x.xlsx", &bytes).unwrap()[0];
    let note = "…（以下略，原文共 30000 字）";
    let actual = r.actual.as_deref().unwrap();
    let kept: String = long.chars().take(20_000).collect();
    assert_eq!(actual, format!("{kept}{note}"));
    let i = r.issues.iter().find(|i| i.rule == Rule::TextTruncated).expect("text.truncated");
    let cell = g.cell_of(Field::Actual).unwrap();
    assert_eq!(i.cell.map(|c| c.to_string()), Some(xlsx::cell_ref(cell.row, cell.col)));
    assert_eq!((i.field.as_str(), i.severity), ("actual", Severity::Warning));
    // The limit is a setting.
    let dir = util::tempdir();
    let path = dir.path().join("long.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let opts = IngestOptions { max_text_chars: 100, ..IngestOptions::default() };
    let out = ingest_paths(templates(), &[path], &opts);
    let kept: String = long.chars().take(100).collect();
    assert_eq!(out.records[0].actual, Some(format!("{kept}{note}")));
}

// ---- 附2 schedules as clerks write them -----------------------------------------------

#[test]
fn plan_schedule_months_in_chinese_numerals_and_as_numbers() {
    let (job, v) = base(FormKind::Plan, "济宁市", None);
    let mut g = filled_grid(&job, &v);
    let written = [
        "三月",
        "四月",
        "五月",
        "六月",
        "七月",
        "八月",
        "九月",
        "十月",
        "十一月",
        "十二月",
        "二〇一八年",
        "二〇一九年度",
    ];
    let rows: Vec<&mut GridCell> =
        g.cells.iter_mut().filter(|c| c.field == Some(Field::SchedulePeriod)).collect();
    assert_eq!(rows.len(), written.len());
    for (c, w) in rows.into_iter().zip(written) {
        c.text = w.to_string();
    }
    let r = read_grid(&g);
    let periods: Vec<Period> = r.schedule.iter().map(|e| e.period).collect();
    assert_eq!(periods, templates().registry.plan_periods(job.instance.region.unwrap()));
    assert!(r.issues.is_empty(), "{:?}", r.issues);

    // A number 2017.1 (what Excel keeps of 2017.10) is October in an
    // industry plan, whose rows hold no January ...
    let (job, v) = base(FormKind::Plan, "河北省", None);
    let r = read_plan_with_numbers(&filled_grid(&job, &v), &BTreeMap::from([(7, 2017.1)]));
    assert_eq!(r.schedule.last().map(|e| e.period), Period::month(2017, 10));
    assert!(r.issues.is_empty(), "{:?}", r.issues);
    // ... and a question in a plan whose window holds both months.
    let (job, v) = base(FormKind::Plan, "济宁市", None);
    let r = read_plan_with_numbers(&filled_grid(&job, &v), &BTreeMap::from([(7, 2018.1)]));
    let i = r.issues.iter().find(|i| i.rule == Rule::SchedulePeriodInvalid).expect("2018.1 is ambiguous");
    assert!(i.message.contains("2018年1月或2018年10月"), "{}", i.message);
}

/// Writes the plan `grid` as a plain sheet of strings, with the numbers of
/// `numbers` in the schedule period rows of those indexes, and reads it.
fn read_plan_with_numbers(grid: &Grid, numbers: &BTreeMap<usize, f64>) -> Record {
    let dir = util::tempdir();
    let path = dir.path().join("plan.xlsx");
    let mut row = 0;
    let mut cells: SheetCells = vec![(0, 0, s(&grid.title))];
    for c in &grid.cells {
        let v = if c.field == Some(Field::SchedulePeriod) {
            row += 1;
            numbers.get(&(row - 1)).map_or_else(|| s(&c.text), |n| C::N(*n))
        } else {
            s(&c.text)
        };
        cells.push((c.row as u32 + 2, c.col as u16, v));
    }
    write_sheets(&path, &[("附2".into(), cells, false)]);
    let out = ingest(&[path]);
    assert_eq!(out.records.len(), 1, "{:?}", out.rejected);
    out.records.into_iter().next().unwrap()
}

// ---- forms laid out other ways: retyped horizontally, two beside each other ------------

/// A 附3 retyped as a horizontal table: a row of the form's labels, the
/// values in the row below; `blank` labels get no value.
fn horizontal_sheet(blank: &[&str]) -> SheetCells {
    let fields = [
        ("试点地区", "河北省"),
        ("试点任务及要求完成时间", "钢铁行业、原料药制造行业"),
        ("时间", "2017年4月"),
        ("月度工作安排", "组织培训"),
        ("月度实际进展", "完成3家"),
        ("进度情况（勾选）", "如期"),
        ("进度滞后的原因（若有）", ""),
        ("存在的困难和需要的支持（若有）", "无"),
        ("总负责人", "刘洋"),
        ("责任处室", "综合处"),
        ("联系人", "陈静 13811112222"),
        ("经办人", "王芳"),
    ];
    let mut cells = vec![(0, 0, s("试点工作进展表"))];
    for (c, (label, v)) in fields.iter().enumerate() {
        cells.push((2, c as u16, s(label)));
        cells.push((3, c as u16, s(if blank.contains(label) { "" } else { v })));
    }
    cells.extend([
        (5, 0, s("填报单位：")),
        (5, 1, s("河北省环境保护厅")),
        (5, 2, s("填报时间：")),
        (5, 3, s("2017年5月8日")),
    ]);
    cells
}

#[test]
fn a_form_retyped_horizontally_is_read_and_a_missing_value_is_missing_below_its_label() {
    let dir = util::tempdir();
    let full = dir.path().join("横排.xlsx");
    let gap = dir.path().join("横排缺进展.xlsx");
    write_sheets(&full, &[("附3".into(), horizontal_sheet(&[]), false)]);
    write_sheets(&gap, &[("附3".into(), horizontal_sheet(&["月度实际进展"]), false)]);
    let ods = util::soffice_convert(&full, "ods", &dir.path().join("lo"));
    for file in [&full, &ods] {
        let out = ingest(std::slice::from_ref(file));
        assert_eq!(out.records.len(), 1, "{}", file.display());
        let r = &out.records[0];
        assert_eq!(r.region.as_deref(), Some("河北省"));
        assert_eq!(r.period, Period::month(2017, 4));
        assert_eq!((r.planned.as_deref(), r.actual.as_deref()), (Some("组织培训"), Some("完成3家")));
        assert_eq!(r.status, Some(Status::OnSchedule));
        assert_eq!(r.difficulties.as_deref(), Some("无"));
        assert_eq!(r.lead.name.as_deref(), Some("刘洋"));
        assert_eq!(r.division.as_deref(), Some("综合处"));
        assert_eq!(
            (r.contact.name.as_deref(), r.contact.phone.as_deref()),
            (Some("陈静"), Some("13811112222"))
        );
        assert_eq!(r.handler.name.as_deref(), Some("王芳"));
        assert_eq!(r.submitted_on, NaiveDate::from_ymd_opt(2017, 5, 8));
        assert_eq!(r.count(Severity::Error), 0, "{}: {:?}", file.display(), r.issues);
    }
    let r = &ingest(std::slice::from_ref(&gap)).records[0];
    let missing: Vec<_> = r.issues.iter().filter(|i| i.field == "actual").collect();
    assert_eq!(missing.len(), 1, "{:?}", r.issues);
    // Below its label (E3, row 4), not at the next label (F3).
    assert_eq!(missing[0].cell.map(|c| c.to_string()).as_deref(), Some("E4"), "{:?}", missing[0]);
}

#[test]
fn two_forms_beside_each_other_on_one_sheet_give_two_records() {
    let dir = util::tempdir();
    let path = dir.path().join("两份.xlsx");
    let mut cells = progress_sheet(&[]);
    let may = progress_sheet(&[("时间", s("2017年5月")), ("填报时间：", s("2017年6月7日"))]);
    cells.extend(may.into_iter().map(|(r, c, v)| (r, c + 5, v)));
    write_sheets(&path, &[("附3".into(), cells, false)]);
    let ods = util::soffice_convert(&path, "ods", &dir.path().join("lo"));
    for file in [&path, &ods] {
        let out = ingest(std::slice::from_ref(file));
        let periods: Vec<_> = out.records.iter().map(|r| r.period).collect();
        assert_eq!(periods, [Period::month(2017, 4), Period::month(2017, 5)], "{}", file.display());
        for r in &out.records {
            assert_eq!(r.count(Severity::Error), 0, "{:?}", r.issues);
            assert_eq!(r.contact.name.as_deref(), Some("陈静"));
        }
        // The second form's cells keep their place on the sheet.
        assert_eq!(out.records[1].cells.get("period").map(String::as_str), Some("G5"));
    }
    // A second form that cannot be read is named, never dropped in silence.
    let broken = dir.path().join("第二份残缺.xlsx");
    let mut cells = progress_sheet(&[]);
    cells.extend([(20, 0, s("试点工作进展表")), (21, 0, s("时间")), (21, 1, s("2017年5月"))]);
    write_sheets(&broken, &[("附3".into(), cells, false)]);
    let out = ingest(std::slice::from_ref(&broken));
    assert_eq!(out.records.len(), 1);
    let unread: Vec<_> = out.records[0].issues.iter().filter(|i| i.rule == Rule::FormUnread).collect();
    assert_eq!(unread.len(), 1, "{:?}", out.records[0].issues);
    assert_eq!(unread[0].cell.map(|c| c.to_string()).as_deref(), Some("A21"));
}
