//! ingest: generated forms filled and read back (all 293), the same returns
//! after LibreOffice re-saved them as xls/ods/xlsx, hand-altered layouts
//! written with rust_xlsxwriter, every validation rule, bad files, a
//! property test over mutated bytes, and byte-identical outputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use permit_forms::fill::{fill_grid, sample_values, FillValues};
use permit_forms::form::{layout, Field, FormInstance, Grid, PersonPart, PersonRole};
use permit_forms::generate::{plan_jobs, FormJob, GenerateOptions};
use permit_forms::ingest::{ingest_bytes, ingest_paths, write_outputs, IngestOptions, IngestOutcome};
use permit_forms::record::{Person, Rule, ScheduleEntry, Source};
use permit_forms::render::xlsx;
use permit_forms::{FormKind, Period, Record, Severity, Status};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use sha2::{Digest, Sha256};

use crate::util::{self, templates};

pub(crate) fn all_jobs() -> Vec<FormJob> {
    let opts = GenerateOptions {
        out: PathBuf::new(),
        formats: Vec::new(),
        kinds: FormKind::ALL.to_vec(),
        regions: Vec::new(),
        periods: Vec::new(),
        blanks: false,
    };
    plan_jobs(templates(), &opts).expect("jobs")
}

pub(crate) fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn filled_grid(job: &FormJob, values: &FillValues) -> Grid {
    let t = templates();
    let mut g = layout(t.form(job.kind), &t.registry, job.instance);
    fill_grid(&mut g, values);
    g
}

pub(crate) fn values_for(job: &FormJob, seed: u64) -> FillValues {
    let t = templates();
    sample_values(&t.registry, job.kind, job.instance.region.unwrap(), job.instance.period, seed)
}

fn date_zh(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y年%m月%d日").unwrap_or_else(|_| panic!("test date {s}"))
}

/// The record a filled form must give back, built from the values put in.
pub(crate) fn expected(job: &FormJob, v: &FillValues, file: &str, sheet: &str, sha256: &str) -> Record {
    use PersonPart::*;
    use PersonRole::*;
    let t = templates();
    let reg = &t.registry;
    let region = job.instance.region.unwrap();
    let get = |f: Field| v.values.get(&f).cloned();
    let mut r =
        Record::empty(job.kind, Source { file: file.into(), sheet: sheet.into(), sha256: sha256.into() });
    r.region = Some(reg.region(region).name.clone());
    r.region_raw = reg.region(region).name.clone();
    r.tasks = reg.tasks_of(region).into_iter().map(|(id, _)| reg.task(id).name.clone()).collect();
    r.division = get(Field::Division);
    r.submitter = get(Field::Submitter);
    r.submitted_on = get(Field::SubmittedOn).map(|s| date_zh(&s));
    let person = |role| Person {
        name: get(Field::Person(role, Name)),
        title: get(Field::Person(role, Title)),
        phone: get(Field::Person(role, Phone)),
    };
    match job.kind {
        FormKind::Plan => {
            r.lead = person(Lead);
            r.contact = person(Contact);
            r.handler = person(Handler);
            r.schedule = reg
                .plan_periods(region)
                .into_iter()
                .zip(&v.schedule)
                .map(|(p, a)| ScheduleEntry { period: p, arrangement: Some(a.clone()) })
                .collect();
        }
        FormKind::Progress => {
            r.period = job.instance.period.map(Period::Month);
            r.planned = get(Field::Planned);
            r.actual = get(Field::Actual);
            r.status = get(Field::Status).and_then(|s| Status::from_label(&s));
            r.delay_reason = get(Field::DelayReason);
            r.difficulties = get(Field::Difficulties);
            r.lead.name = get(Field::Person(Lead, Name));
            r.handler.name = get(Field::Person(Handler, Name));
            let c = get(Field::Person(Contact, Name)).unwrap();
            let (n, p) = c.split_once(' ').unwrap();
            r.contact.name = Some(n.into());
            r.contact.phone = Some(p.into());
        }
    }
    r
}

pub(crate) fn assert_record(got: &Record, want: &Record) {
    let g = serde_json::to_value(got).unwrap();
    let w = serde_json::to_value(want).unwrap();
    for (k, wv) in w.as_object().unwrap() {
        assert_eq!(&g[k], wv, "{} sheet {}: field `{k}` differs", want.source.file, want.source.sheet);
    }
}

/// Writes every form, filled, into `dir`; returns (job, values, file name).
fn write_all_filled(dir: &Path) -> Vec<(FormJob, FillValues, String)> {
    all_jobs()
        .into_iter()
        .enumerate()
        .map(|(i, job)| {
            let v = values_for(&job, i as u64);
            let bytes = xlsx::render(&filled_grid(&job, &v)).unwrap();
            let name = format!("{i:03}.xlsx");
            std::fs::write(dir.join(&name), bytes).unwrap();
            (job, v, name)
        })
        .collect()
}

/// Ingests `inputs` and keeps the per-file findings only: the cross-checks
/// between forms are tested in `crosscheck.rs`.
pub(crate) fn ingest(inputs: &[PathBuf]) -> IngestOutcome {
    let mut out = ingest_paths(templates(), inputs, &IngestOptions::default());
    for r in &mut out.records {
        r.issues.retain(|i| !i.rule.is_cross());
    }
    out
}

#[test]
fn round_trip_every_generated_form() {
    let dir = util::tempdir();
    let root = dir.path().join("returns");
    std::fs::create_dir_all(&root).unwrap();
    let made = write_all_filled(&root);
    assert_eq!(made.len(), 293);
    let out = ingest(std::slice::from_ref(&root));
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    assert_eq!(out.records.len(), 293);
    assert_eq!(out.files_read, 293);
    for ((job, v, name), got) in made.iter().zip(&out.records) {
        let path = root.join(name);
        let bytes = std::fs::read(&path).unwrap();
        let file = path.to_string_lossy();
        let want = expected(job, v, &file, &templates().form(job.kind).sheet, &sha(&bytes));
        assert_record(got, &want);
        // A clean filled form of every region and month yields no issue at all.
        assert!(got.issues.is_empty(), "{name}: {:?}", got.issues);
    }
    assert!(out
        .summary_zh()
        .starts_with("读取文件 293 个，识别表格 293 份，退回 0 个，错误 0 条，警告 0 条"));
}

/// A few filled returns, with what they must give back.
fn some_returns(dir: &Path) -> Vec<(FormJob, FillValues, PathBuf)> {
    let t = templates();
    let jining = t.registry.region_by_name("济宁市").unwrap();
    let hebei = t.registry.region_by_name("河北省").unwrap();
    let jobs = [
        FormJob { kind: FormKind::Plan, instance: FormInstance { region: Some(jining), period: None } },
        FormJob {
            kind: FormKind::Progress,
            instance: FormInstance { region: Some(hebei), period: permit_forms::YearMonth::new(2017, 5) },
        },
        FormJob {
            kind: FormKind::Progress,
            instance: FormInstance { region: Some(jining), period: permit_forms::YearMonth::new(2018, 2) },
        },
    ];
    jobs.iter()
        .enumerate()
        .map(|(i, job)| {
            let v = values_for(job, 2 + i as u64 * 3);
            let path = dir.join(format!("filled{i}.xlsx"));
            std::fs::write(&path, xlsx::render(&filled_grid(job, &v)).unwrap()).unwrap();
            (*job, v, path)
        })
        .collect()
}

#[test]
fn libreoffice_resaved_returns_read_alike() {
    let dir = util::tempdir();
    let made = some_returns(dir.path());
    for to in ["xls", "ods", "xlsx:Calc MS Excel 2007 XML"] {
        let ext = to.split(':').next().unwrap();
        let out_dir = dir.path().join(format!("lo-{ext}"));
        for (job, v, path) in &made {
            let converted = util::soffice_convert(path, to, &out_dir);
            let bytes = std::fs::read(&converted).unwrap();
            let shown = converted.to_string_lossy().to_string();
            let got = ingest_bytes(templates(), &shown, &bytes).unwrap_or_else(|e| panic!("{shown}: {e}"));
            assert_eq!(got.len(), 1, "{shown}");
            let want = expected(job, v, &shown, &got[0].source.sheet, &sha(&bytes));
            assert_record(&got[0], &want);
        }
    }
}

// ---- hand-made layouts -------------------------------------------------------

/// A cell of a hand-made sheet.
enum V {
    S(&'static str),
    N(f64),
    D(u16, u8, u8),
}

struct SheetSpec {
    name: &'static str,
    cells: Vec<(u32, u16, V)>,
    merges: Vec<(u32, u16, u32, u16)>,
}

fn write_book(path: &Path, sheets: &[SheetSpec]) {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(s.name).unwrap();
        for &(r0, c0, r1, c1) in &s.merges {
            let text = s.cells.iter().find(|c| c.0 == r0 && c.1 == c0).map_or("", |c| match c.2 {
                V::S(t) => t,
                _ => "",
            });
            ws.merge_range(r0, c0, r1, c1, text, &Format::new()).unwrap();
        }
        for (r, c, v) in &s.cells {
            if s.merges.iter().any(|m| m.0 == *r && m.1 == *c) {
                continue;
            }
            match v {
                V::S(t) => ws.write_string(*r, *c, *t).map(|_| ()),
                V::N(n) => ws.write_number(*r, *c, *n).map(|_| ()),
                V::D(y, m, d) => ws
                    .write_datetime_with_format(*r, *c, ExcelDateTime::from_ymd(*y, *m, *d).unwrap(), &date)
                    .map(|_| ()),
            }
            .unwrap();
        }
    }
    wb.save(path).unwrap();
}

/// A retyped 附3: no identity, table at C5 under title rows, unmerged cells,
/// padded, full-width and colon labels, the month typed into the label cell,
/// a ticked status, name and phone in one cell, a real date cell.
fn retyped_progress() -> SheetSpec {
    use V::*;
    let c = |r: u32, c: u16, v: V| (r, c, v);
    SheetSpec {
        name: "进展表",
        cells: vec![
            c(0, 2, S("附3")),
            c(1, 2, S("试点工作进展表")),
            c(2, 2, S("（山东省济宁市环保局填报）")),
            c(4, 2, S("试 点 地 区")),
            c(4, 3, S("试点任务及要求完成时间：")),
            c(5, 2, S("山东省济宁市环境保护局")),
            c(5, 3, S("水泥行业；流域排污许可管理")),
            c(6, 2, S("时间：2017年 4 月")),
            c(7, 2, S("月度工作安排：")),
            c(7, 4, S("  一、组织培训\r\n二、企业申报  ")),
            c(8, 2, S("月度实际进展")),
            c(8, 3, S("完成3家")),
            c(9, 2, S("进度情况（勾选）")),
            c(9, 3, S("超前□ 如期■ 滞后□")),
            c(10, 2, S("进度滞后的原因（若有）")),
            c(11, 2, S("存在的困难和需要的支持（若有）")),
            c(11, 3, S("无")),
            c(12, 2, S("总负责人")),
            c(12, 3, S("李　明")),
            c(12, 4, S("责任处室")),
            c(12, 5, S("污防科")),
            c(13, 2, S("联系人")),
            c(13, 3, S("王强 138 1111 2222")),
            c(13, 4, S("经办人")),
            c(13, 5, S("赵 敏")),
            c(15, 2, S("填报单位：")),
            c(15, 3, S("济宁市环境保护局")),
            c(15, 4, S("填报时间：")),
            c(15, 5, D(2017, 5, 8)),
        ],
        merges: vec![],
    }
}

/// A retyped 附2 with merged blocks, extra columns, year rows written three
/// ways, a bare month, a numeric mobile and landline variants.
fn retyped_plan() -> SheetSpec {
    use V::*;
    let c = |r: u32, c: u16, v: V| (r, c, v);
    SheetSpec {
        name: "附2",
        cells: vec![
            c(0, 0, S("试点工作计划表")),
            c(2, 1, S("试点地区")),
            c(2, 2, S("试点任务及要求完成时间")),
            c(2, 6, S("备注")),
            c(3, 1, S("济宁")),
            c(3, 2, S("水泥行业（参与）；流域排污许可管理")),
            c(4, 1, S("总负责人")),
            c(4, 2, S("姓 名")),
            c(4, 3, S("职务")),
            c(4, 4, S("联系方式")),
            c(5, 2, S("张建国")),
            c(5, 3, S("局长")),
            c(5, 4, S("（0537）2345678")),
            c(6, 1, S("责任处室")),
            c(6, 2, S("污染防治科")),
            c(7, 1, S("时间")),
            c(7, 2, S("试点任务安排")),
            c(8, 1, S("3月")),
            c(8, 2, S("启动")),
            c(9, 1, S("2017.4")),
            c(9, 2, S("培训")),
            c(10, 1, S("2018年全年")),
            c(10, 2, S("推进")),
            c(11, 1, S("2019年度")),
            c(11, 2, S("总结")),
            c(12, 1, S("联系人")),
            c(12, 2, S("姓名")),
            c(12, 3, S("职务")),
            c(12, 4, S("联系方式")),
            c(13, 2, S("孙 丽")),
            c(13, 3, S("科长")),
            c(13, 4, N(13811112222.0)),
            c(14, 1, S("经办人")),
            c(14, 2, S("姓名")),
            c(14, 3, S("职务")),
            c(14, 4, S("联系方式")),
            c(15, 2, S("周涛")),
            c(15, 3, S("科员")),
            c(15, 4, S("０５３７－２３４５６７８")),
            c(17, 1, S("填报单位：（盖章）济宁市环境保护局")),
            c(17, 4, S("填报时间：2017/3/25")),
        ],
        merges: vec![
            (2, 2, 2, 5),
            (3, 2, 3, 5),
            (4, 1, 5, 1),
            (6, 2, 6, 5),
            (7, 2, 7, 5),
            (12, 1, 13, 1),
            (14, 1, 15, 1),
        ],
    }
}

#[test]
fn hand_made_layouts_are_read() {
    let dir = util::tempdir();
    let book = dir.path().join("多表.xlsx");
    let notes = SheetSpec {
        name: "填表说明",
        cells: vec![(0, 0, V::S("填表说明：1. 试点地区填写省（区、市）名称。2. 进度情况请勾选。"))],
        merges: vec![],
    };
    let empty = SheetSpec { name: "Sheet2", cells: vec![], merges: vec![] };
    write_book(&book, &[notes, retyped_progress(), retyped_plan(), empty]);
    let out = ingest(std::slice::from_ref(&book));
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    assert_eq!(out.records.len(), 2, "two forms in one workbook");
    let p = &out.records[0];
    assert_eq!((p.kind, p.source.sheet.as_str()), (FormKind::Progress, "进展表"));
    assert_eq!(p.region.as_deref(), Some("济宁市"));
    assert_eq!(p.region_raw, "山东省济宁市环境保护局");
    assert_eq!(p.tasks, ["水泥行业", "流域排污许可管理"]);
    assert_eq!(p.period, Period::month(2017, 4));
    assert_eq!(p.planned.as_deref(), Some("一、组织培训\n二、企业申报"));
    assert_eq!(p.actual.as_deref(), Some("完成3家"));
    assert_eq!(p.status, Some(Status::OnSchedule));
    assert_eq!(p.delay_reason, None);
    assert_eq!(p.difficulties.as_deref(), Some("无"));
    assert_eq!(p.lead.name.as_deref(), Some("李明"));
    assert_eq!(p.division.as_deref(), Some("污防科"));
    assert_eq!((p.contact.name.as_deref(), p.contact.phone.as_deref()), (Some("王强"), Some("13811112222")));
    assert_eq!(p.handler.name.as_deref(), Some("赵敏"));
    assert_eq!(p.submitter.as_deref(), Some("济宁市环境保护局"));
    assert_eq!(p.submitted_on, NaiveDate::from_ymd_opt(2017, 5, 8));
    assert!(p.issues.is_empty(), "{:?}", p.issues);

    let q = &out.records[1];
    assert_eq!((q.kind, q.region.as_deref()), (FormKind::Plan, Some("济宁市")));
    assert_eq!(
        q.lead,
        Person {
            name: Some("张建国".into()),
            title: Some("局长".into()),
            phone: Some("0537-2345678".into())
        }
    );
    assert_eq!(
        q.contact,
        Person {
            name: Some("孙丽".into()), title: Some("科长".into()), phone: Some("13811112222".into())
        }
    );
    assert_eq!(q.handler.phone.as_deref(), Some("0537-2345678"));
    assert_eq!(q.division.as_deref(), Some("污染防治科"));
    let periods: Vec<String> = q.schedule.iter().map(|e| e.period.to_string()).collect();
    assert_eq!(periods, ["2017-03", "2017-04", "2018", "2019"]);
    assert_eq!(q.schedule[3].arrangement.as_deref(), Some("总结"));
    assert_eq!(q.submitter.as_deref(), Some("济宁市环境保护局"));
    assert_eq!(q.submitted_on, NaiveDate::from_ymd_opt(2017, 3, 25));
    // The short schedule is reported, with the cell-less rule.
    let missing = q.issues.iter().find(|i| i.rule == Rule::ScheduleMonthMissing).expect("month missing");
    assert!(missing.message.contains("2017年5月"), "{}", missing.message);
    assert_eq!(q.issues.iter().filter(|i| i.rule != Rule::ScheduleMonthMissing).count(), 0, "{:?}", q.issues);
}

#[test]
fn a_sparse_retyped_progress_form_is_not_taken_for_a_plan() {
    // No title and four of its five own labels gone: the shared labels alone
    // fit 附2 better (10 of 13) than 附3 (10 of 14).
    let mut spec = retyped_progress();
    spec.cells.retain(|c| {
        !matches!(
            c.2,
            V::S("试点工作进展表")
                | V::S("月度工作安排：")
                | V::S("月度实际进展")
                | V::S("进度滞后的原因（若有）")
                | V::S("存在的困难和需要的支持（若有）")
        )
    });
    let dir = util::tempdir();
    let path = dir.path().join("sparse.xlsx");
    write_book(&path, &[spec]);
    let out = ingest(&[path]);
    assert_eq!(out.records.len(), 1, "{:?}", out.rejected);
    assert_eq!(out.records[0].kind, FormKind::Progress);
    assert_eq!(out.records[0].status, Some(Status::OnSchedule));
}

#[test]
fn hand_made_layouts_survive_libreoffice() {
    let dir = util::tempdir();
    let book = dir.path().join("retyped.xlsx");
    write_book(&book, &[retyped_progress(), retyped_plan()]);
    let original = ingest(std::slice::from_ref(&book));
    assert_eq!(original.records.len(), 2);
    for to in ["xls", "ods"] {
        let converted = util::soffice_convert(&book, to, &dir.path().join(to));
        let out = ingest(std::slice::from_ref(&converted));
        assert_eq!(out.records.len(), 2, "{to}: {:?}", out.rejected);
        for (got, want) in out.records.iter().zip(&original.records) {
            let mut want = want.clone();
            want.source = got.source.clone();
            assert_record(got, &want);
        }
    }
}

#[test]
fn values_beside_labels_and_status_variants() {
    let dir = util::tempdir();
    let cases = [
        ("√如期", Some(Status::OnSchedule)),
        ("如期√", Some(Status::OnSchedule)),
        ("超前/如期/■滞后", Some(Status::Behind)),
        ("☑超前", Some(Status::Ahead)),
        ("超前", Some(Status::Ahead)),
        ("超前/如期/滞后", None),
        ("□超前 □如期 □滞后", None),
    ];
    for (i, (status, want)) in cases.iter().enumerate() {
        use V::*;
        let spec = SheetSpec {
            name: "Sheet1",
            cells: vec![
                (0, 0, S("试点地区：")),
                (0, 1, S("河北")),
                (1, 0, S("试点任务及要求完成时间")),
                (1, 1, S("钢铁行业、原料药制造行业")),
                (2, 0, S("时间")),
                (2, 1, S("2017-4")),
                (3, 0, S("月度工作安排")),
                (4, 0, S("月度实际进展")),
                (5, 0, S("进度情况")),
                (5, 1, S(status)),
                (6, 0, S("进度滞后的原因")),
                (6, 1, S("资金未到位")),
                (7, 0, S("存在的困难和需要的支持")),
                (8, 0, S("总负责人")),
                (8, 1, S("刘洋")),
                (8, 2, S("责任处室")),
                (9, 0, S("联系人")),
                (9, 1, S("陈静 (0311) 87654321")),
                (9, 2, S("经办人")),
                (10, 0, S("填报单位")),
                (10, 2, S("填报时间")),
                (10, 3, N(42863.0)),
            ],
            merges: vec![],
        };
        let path = dir.path().join(format!("s{i}.xlsx"));
        write_book(&path, &[spec]);
        let out = ingest(&[path]);
        let r = &out.records[0];
        assert_eq!(r.status, *want, "{status}");
        assert_eq!(r.region.as_deref(), Some("河北省"));
        assert_eq!(r.tasks, ["钢铁行业", "原料药制造行业"]);
        assert_eq!(r.period, Period::month(2017, 4));
        assert_eq!(r.contact.phone.as_deref(), Some("0311-87654321"));
        assert_eq!(r.handler.name, None);
        assert_eq!(r.division, None);
        assert_eq!(r.submitted_on, NaiveDate::from_ymd_opt(2017, 5, 8), "a bare date serial");
        let rules: Vec<&str> = r.issues.iter().map(|i| i.rule.id()).collect();
        assert_eq!(rules.contains(&"status.missing"), want.is_none(), "{status}: {rules:?}");
    }
}

// ---- validation rules ----------------------------------------------------------

/// A clean filled form of `kind` for `region` (progress month `month`).
pub(crate) fn base(kind: FormKind, region: &str, month: Option<(i32, u32)>) -> (FormJob, FillValues) {
    let t = templates();
    let id = t.registry.region_by_name(region).unwrap();
    let job = FormJob {
        kind,
        instance: FormInstance {
            region: Some(id),
            period: month.and_then(|(y, m)| permit_forms::YearMonth::new(y, m)),
        },
    };
    let v = values_for(&job, 4);
    (job, v)
}

fn rules_of(grid: &Grid) -> Vec<(String, Severity, String, Option<String>)> {
    let bytes = xlsx::render(grid).unwrap();
    let recs = ingest_bytes(templates(), "x.xlsx", &bytes).unwrap();
    recs[0]
        .issues
        .iter()
        .map(|i| (i.rule.id().to_string(), i.severity, i.field.clone(), i.cell.map(|c| c.to_string())))
        .collect()
}

#[test]
fn every_rule_fires_and_clean_forms_are_clean() {
    use PersonPart::*;
    use PersonRole::*;
    use Severity::*;
    type Edit = Box<dyn Fn(&mut FillValues)>;
    let set = |f: Field, s: &'static str| -> Edit {
        Box::new(move |v: &mut FillValues| {
            v.values.insert(f, s.to_string());
        })
    };
    let progress = |edit: Edit, rule: &str, sev: Severity, field: &str| {
        (FormKind::Progress, edit, rule.to_string(), sev, field.to_string())
    };
    let plan = |edit: Edit, rule: &str, sev: Severity, field: &str| {
        (FormKind::Plan, edit, rule.to_string(), sev, field.to_string())
    };
    let cases = vec![
        progress(set(Field::Region, "火星省"), "region.unknown", Error, "region"),
        progress(set(Field::Region, "河北省山东省"), "region.ambiguous", Error, "region"),
        progress(set(Field::Region, " "), "region.missing", Error, "region"),
        progress(set(Field::Tasks, "焦化行业"), "task.not_region", Error, "tasks"),
        progress(set(Field::Period, " "), "period.missing", Error, "period"),
        progress(set(Field::Period, "2017年春季"), "period.invalid", Error, "period"),
        progress(set(Field::Status, "超前如期√滞后"), "status.ambiguous", Error, "status"),
        progress(set(Field::Status, "超前× 如期 滞后×"), "status.ambiguous", Error, "status"),
        progress(set(Field::Actual, ""), "actual.missing", Warning, "actual"),
        progress(set(Field::Planned, " "), "planned.missing", Warning, "planned"),
        progress(set(Field::Period, "　　　　年　　　月"), "period.missing", Error, "period"),
        progress(set(Field::Period, "2017年11月"), "period.outside_window", Error, "period"),
        progress(set(Field::Status, "超前/如期/滞后"), "status.missing", Error, "status"),
        progress(set(Field::Status, "√超前 √滞后"), "status.multiple", Error, "status"),
        progress(
            Box::new(|v: &mut FillValues| {
                v.values.insert(Field::Status, "滞后".into());
                v.values.remove(&Field::DelayReason);
            }),
            "delay_reason.missing",
            Error,
            "delay_reason",
        ),
        progress(set(Field::Person(Contact, Name), ""), "contact.name.missing", Error, "contact.name"),
        progress(set(Field::SubmittedOn, ""), "submitted_on.missing", Warning, "submitted_on"),
        // A year-less day the return's period cannot place (五月八日 on this April
        // return is 2017-05-08; February is before the month reported on).
        progress(set(Field::SubmittedOn, "二月八日"), "submitted_on.invalid", Warning, "submitted_on"),
        progress(set(Field::SubmittedOn, "2017年6月11日"), "submitted_on.late", Warning, "submitted_on"),
        progress(
            set(Field::Person(Contact, Name), "王强 0311-1234"),
            "phone.invalid",
            Warning,
            "contact.phone",
        ),
        plan(set(Field::Person(Lead, Title), "科员"), "lead.title", Warning, "lead.title"),
        plan(set(Field::Person(Contact, Title), "科员"), "contact.title", Warning, "contact.title"),
        plan(set(Field::Person(Contact, Name), ""), "contact.name.missing", Error, "contact.name"),
        plan(set(Field::SubmittedOn, "2017年4月2日"), "submitted_on.late", Warning, "submitted_on"),
        plan(
            Box::new(|v: &mut FillValues| v.schedule[0].clear()),
            "schedule.deadline_empty",
            Error,
            "schedule",
        ),
    ];
    for (kind, edit, rule, sev, field) in cases {
        let (job, clean) = base(kind, "河北省", (kind == FormKind::Progress).then_some((2017, 5)));
        assert!(rules_of(&filled_grid(&job, &clean)).is_empty(), "clean {kind:?} form has issues");
        let mut v = clean.clone();
        edit(&mut v);
        let found = rules_of(&filled_grid(&job, &v));
        let hit =
            found.iter().find(|f| f.0 == rule).unwrap_or_else(|| panic!("{rule} not raised: {found:?}"));
        assert_eq!((hit.1, hit.2.as_str()), (sev, field.as_str()), "{rule}");
        if rule == "submitted_on.late" {
            // Lateness rests on the receipt: the region is never asked to change 填报时间.
            assert!(hit.3.is_none(), "{rule} names a cell");
        } else if !rule.starts_with("region.missing") {
            assert!(hit.3.is_some(), "{rule} names no cell");
        }
    }
    // Municipal lead: a deputy does not fit; the head does.
    let (job, mut v) = base(FormKind::Plan, "济宁市", None);
    assert!(rules_of(&filled_grid(&job, &v)).is_empty());
    v.values.insert(Field::Person(Lead, Title), "副局长".into());
    assert!(rules_of(&filled_grid(&job, &v)).iter().any(|f| f.0 == "lead.title"));
    // A schedule month missing: two rows say 2017年3月, 2017年4月 is gone.
    let (job, v) = base(FormKind::Plan, "河北省", None);
    let mut g = filled_grid(&job, &v);
    let second = g.cells.iter_mut().filter(|c| c.field == Some(Field::SchedulePeriod)).nth(1).unwrap();
    second.text = "2017年3月".into();
    let found = rules_of(&g);
    // Each names the input cell to change: the repeated row's 时间, and for
    // the missing month the row it belongs before (the third row, 2017年5月).
    let at = |f: Field, n: usize| {
        let c = g.cells.iter().filter(|c| c.field == Some(f)).nth(n).unwrap();
        Some(xlsx::cell_ref(c.row, c.col))
    };
    let cell_of = |rule: &str| found.iter().find(|f| f.0 == rule).map(|f| f.3.clone());
    assert_eq!(cell_of("schedule.period_repeated"), Some(at(Field::SchedulePeriod, 1)), "{found:?}");
    assert_eq!(cell_of("schedule.month_missing"), Some(at(Field::SchedulePeriod, 2)), "{found:?}");
    // A schedule period nobody can read, one outside the window, and an
    // empty deadline row (named by its arrangement cell).
    let mut g = filled_grid(&job, &v);
    let periods = |g: &mut Grid, n: usize, text: &str| {
        g.cells.iter_mut().filter(|c| c.field == Some(Field::SchedulePeriod)).nth(n).unwrap().text =
            text.into();
    };
    periods(&mut g, 2, "某月");
    periods(&mut g, 3, "2018年");
    let last = registry_deadline_row(&job);
    g.cells.iter_mut().filter(|c| c.field == Some(Field::ScheduleArrangement)).nth(last).unwrap().text =
        String::new();
    let found = rules_of(&g);
    let at = |f: Field, n: usize| {
        let c = g.cells.iter().filter(|c| c.field == Some(f)).nth(n).unwrap();
        Some(xlsx::cell_ref(c.row, c.col))
    };
    let cell_of = |rule: &str| found.iter().find(|f| f.0 == rule).map(|f| f.3.clone());
    assert_eq!(cell_of("schedule.period_invalid"), Some(at(Field::SchedulePeriod, 2)), "{found:?}");
    assert_eq!(cell_of("schedule.period_outside_window"), Some(at(Field::SchedulePeriod, 3)), "{found:?}");
    assert_eq!(cell_of("schedule.deadline_empty"), Some(at(Field::ScheduleArrangement, last)), "{found:?}");
}

/// Index of the last schedule row of `job`'s region that is a deadline.
fn registry_deadline_row(job: &FormJob) -> usize {
    let reg = &templates().registry;
    let id = job.instance.region.unwrap();
    let deadlines = reg.deadline_periods(id);
    reg.plan_periods(id).iter().rposition(|p| deadlines.contains(p)).unwrap()
}

#[test]
fn delay_message_names_the_reason_cell() {
    let (job, mut v) = base(FormKind::Progress, "河北省", Some((2017, 5)));
    v.values.insert(Field::Status, "滞后".into());
    v.values.remove(&Field::DelayReason);
    let g = filled_grid(&job, &v);
    let bytes = xlsx::render(&g).unwrap();
    let recs = ingest_bytes(templates(), "x.xlsx", &bytes).unwrap();
    let i = recs[0].issues.iter().find(|i| i.rule == Rule::DelayReasonMissing).unwrap();
    // The cell the clerk must fill, not the status beside it.
    let reason = g.cell_of(Field::DelayReason).unwrap();
    assert_eq!(i.cell.map(|c| c.to_string()), Some(xlsx::cell_ref(reason.row, reason.col)));
    assert_eq!(i.message, format!("第{}行 进度情况为“滞后”，但未填写进度滞后的原因", reason.row + 3));
}

// ---- bad files, resubmissions, determinism ---------------------------------------

fn tree_hashes(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(tree_hashes(&p));
        } else {
            out.insert(p.clone(), sha(&std::fs::read(&p).unwrap()));
        }
    }
    out
}

#[test]
fn bad_files_are_rejected_with_reasons_and_the_run_goes_on() {
    let dir = util::tempdir();
    let root = dir.path().join("returns");
    let sub = root.join("河北省");
    std::fs::create_dir_all(&sub).unwrap();
    let (job, v) = base(FormKind::Progress, "河北省", Some((2017, 5)));
    let good = xlsx::render(&filled_grid(&job, &v)).unwrap();
    std::fs::write(sub.join("good.xlsx"), &good).unwrap();
    std::fs::write(sub.join("~$good.xlsx"), b"lock").unwrap();
    std::fs::write(root.join("empty.xlsx"), b"").unwrap();
    let noise: Vec<u8> = (0..5000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    std::fs::write(root.join("random.xls"), &noise).unwrap();
    std::fs::write(root.join("truncated.xlsx"), &good[..good.len() / 2]).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/encrypted.xlsx"),
        root.join("encrypted.xlsx"),
    )
    .unwrap();
    std::fs::write(root.join("说明.txt"), "请于每月10日前报送").unwrap();
    let unrelated = root.join("unrelated.xlsx");
    write_book(
        &unrelated,
        &[SheetSpec {
            name: "Sheet1",
            cells: vec![(0, 0, V::S("企业名单")), (1, 0, V::N(1.0))],
            merges: vec![],
        }],
    );
    let big = root.join("big.ods");
    std::fs::write(&big, vec![b'x'; 2048]).unwrap();
    let before = tree_hashes(&root);

    let out =
        ingest_paths(templates(), std::slice::from_ref(&root), &IngestOptions::with_max_file_size(1024));
    // The good file is under the limit? No: make the limit fit it.
    assert!(out.rejected.iter().any(|r| r.file.ends_with("big.ods") && r.reason.contains("文件过大")));
    let out =
        ingest_paths(templates(), std::slice::from_ref(&root), &IngestOptions::with_max_file_size(1_000_000));
    assert_eq!(tree_hashes(&root), before, "inputs changed");
    assert_eq!(out.records.len(), 1);
    let shown = format!("{}/河北省/good.xlsx", root.display());
    assert_eq!(out.records[0].source.file, shown);
    let reason = |name: &str| {
        out.rejected
            .iter()
            .find(|r| r.file.ends_with(name))
            .unwrap_or_else(|| panic!("{name} not rejected: {:?}", out.rejected))
            .reason
            .clone()
    };
    assert_eq!(reason("empty.xlsx"), "文件为空");
    assert!(reason("random.xls").contains("不是电子表格文件"));
    assert!(reason("truncated.xlsx").contains("损坏"));
    assert!(reason("encrypted.xlsx").contains("文件已加密"));
    assert!(reason("unrelated.xlsx").contains("没有可识别"));
    assert!(reason("big.ods").contains("不是电子表格文件"));
    // Every file is accounted for: the note is rejected with its type named,
    // the lock file skipped.
    assert!(reason("说明.txt").contains("（.txt）"));
    assert_eq!(out.rejected.len(), 7, "{:?}", out.rejected);
    let skipped: Vec<&str> = out.skipped.iter().map(|s| s.file.as_str()).collect();
    assert_eq!(skipped, [format!("{}/河北省/~$good.xlsx", root.display())]);
    assert_eq!(out.files_read, 8);

    let out_dir = dir.path().join("新建/输出");
    write_outputs(&out, &out_dir).unwrap();
    let rejected = std::fs::read_to_string(out_dir.join("rejected.jsonl")).unwrap();
    assert_eq!(rejected.lines().count(), 7);
    for line in rejected.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["file"].is_string() && v["reason"].is_string());
    }
}

#[test]
fn resubmissions_mark_one_current_and_outputs_are_byte_identical() {
    let dir = util::tempdir();
    let root = dir.path().join("in");
    std::fs::create_dir_all(&root).unwrap();
    let (job, v) = base(FormKind::Progress, "河北省", Some((2017, 5)));
    let mut later = v.clone();
    later.values.insert(Field::SubmittedOn, "2017年6月9日".into());
    let mut same = v.clone();
    same.values.insert(Field::SubmittedOn, "2017年6月9日".into());
    std::fs::write(root.join("a.xlsx"), xlsx::render(&filled_grid(&job, &later)).unwrap()).unwrap();
    std::fs::write(root.join("b.xlsx"), xlsx::render(&filled_grid(&job, &v)).unwrap()).unwrap();
    std::fs::write(root.join("c.xlsx"), xlsx::render(&filled_grid(&job, &same)).unwrap()).unwrap();
    let out = ingest(std::slice::from_ref(&root));
    let current: Vec<bool> = out.records.iter().map(|r| r.current).collect();
    assert_eq!(current, [false, false, true], "latest date, then later file");

    let (a, b) = (dir.path().join("o1"), dir.path().join("o2"));
    write_outputs(&out, &a).unwrap();
    write_outputs(&ingest(std::slice::from_ref(&root)), &b).unwrap();
    for f in ["records.jsonl", "rejected.jsonl"] {
        assert_eq!(std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap(), "{f}");
    }
    let lines = std::fs::read_to_string(a.join("records.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 3);
}

/// An .xls whose workbook stream declares encryption: LibreOffice cannot
/// write a password-protected file headless, so the first record after BOF
/// (INTERFACEHDR, 2 bytes) is turned into a FILEPASS record (0x002F) with a
/// non-zero encryption type, as Excel writes for an encrypted workbook.
#[test]
fn encrypted_xls_is_named() {
    let dir = util::tempdir();
    let (job, v) = base(FormKind::Progress, "河北省", Some((2017, 5)));
    let path = dir.path().join("form.xlsx");
    std::fs::write(&path, xlsx::render(&filled_grid(&job, &v)).unwrap()).unwrap();
    let xls = util::soffice_convert(&path, "xls", dir.path());
    let mut bytes = std::fs::read(&xls).unwrap();
    assert!(ingest_bytes(templates(), "form.xls", &bytes).is_ok(), "the unpatched xls reads");
    let bof = [0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00];
    let at = bytes.windows(8).position(|w| w == bof).expect("BIFF8 BOF") + 20;
    assert_eq!(&bytes[at..at + 4], &[0xE1, 0x00, 0x02, 0x00], "INTERFACEHDR after BOF");
    bytes[at] = 0x2F;
    let err = ingest_bytes(templates(), "form.xls", &bytes).unwrap_err();
    assert!(err.contains("文件已加密"), "{err}");
}

// ---- never panics ---------------------------------------------------------------

mod fuzz {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    /// A filled xlsx, and the same as xls and ods made by LibreOffice.
    fn seeds() -> &'static Vec<Vec<u8>> {
        static S: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
        S.get_or_init(|| {
            let dir = util::tempdir();
            let (job, v) = base(FormKind::Progress, "河北省", Some((2017, 5)));
            let path = dir.path().join("seed.xlsx");
            std::fs::write(&path, xlsx::render(&filled_grid(&job, &v)).unwrap()).unwrap();
            let mut out = vec![std::fs::read(&path).unwrap()];
            for to in ["xls", "ods"] {
                out.push(std::fs::read(util::soffice_convert(&path, to, dir.path())).unwrap());
            }
            out
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]
        #[test]
        fn mutated_bytes_never_panic(
            which in 0usize..3,
            edits in proptest::collection::vec((any::<u32>(), any::<u8>()), 1..16),
            cut in proptest::option::of(any::<u32>()),
        ) {
            let bytes = util::mutate(&seeds()[which], &edits, cut);
            let _ = ingest_bytes(templates(), "fuzz", &bytes);
        }
    }
}
