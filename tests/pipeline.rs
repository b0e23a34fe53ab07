//! The whole pipeline on the built-in samples: demo end to end, missing and
//! late reports on the sample dates, and the outputs opened by LibreOffice
//! and poppler.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{open_workbook_auto, Reader};
use chrono::NaiveDate;
use permit_forms::ingest::{self, IngestOptions};
use permit_forms::review::Category;
use permit_forms::tracking::Tracking;
use permit_forms::{samples, Record, YearMonth};

use crate::util::{self, templates};

fn sample_records() -> Vec<Record> {
    let dir = util::tempdir();
    samples::write_to(dir.path()).unwrap();
    let outcome = ingest::ingest_paths(templates(), &[dir.path().to_path_buf()], &IngestOptions::default());
    // The damaged workbook and the note (说明.txt): every file is accounted for.
    assert_eq!(outcome.rejected.len(), 2, "{:?}", outcome.rejected);
    outcome.records
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Regions in `category` for month `m` as of `as_of`.
fn regions_in(records: &[Record], as_of: NaiveDate, m: YearMonth, category: Category) -> BTreeSet<String> {
    let t = Tracking::new(&templates().registry, records, as_of);
    t.regions
        .iter()
        .filter(|r| r.month(m).is_some_and(|s| Category::of(s.state) == category))
        .map(|r| r.name.clone())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn missing_and_late_on_the_sample_dates() {
    let records = sample_records();
    let march = YearMonth::new(2017, 3).unwrap();
    let april = YearMonth::new(2017, 4).unwrap();

    // 2017-05-09: April is not yet due (due 05-10); 深圳市's April (sent 05-11) has not arrived.
    let d = date(2017, 5, 9);
    assert_eq!(regions_in(&records, d, march, Category::Missing), set(&["临沂市"]));
    assert_eq!(regions_in(&records, d, march, Category::Late), set(&["山西省"]));
    assert_eq!(regions_in(&records, d, april, Category::Missing), set(&[]));
    assert_eq!(regions_in(&records, d, april, Category::Late), set(&[]));
    assert!(regions_in(&records, d, april, Category::NotDue).contains("深圳市"));

    // 2017-05-11: April is due; three never came, 深圳市 came a day late.
    let d = date(2017, 5, 11);
    assert_eq!(regions_in(&records, d, april, Category::Missing), set(&["临沂市", "无锡市", "海南省"]));
    assert_eq!(regions_in(&records, d, april, Category::Late), set(&["深圳市"]));
    assert_eq!(regions_in(&records, d, march, Category::Missing), set(&["临沂市"]));
    let behind = regions_in(&records, d, april, Category::Behind);
    assert_eq!(behind, set(&["广西壮族自治区", "河南省", "邢台市"]));
    // 湖南省 retyped its April form, 江苏省 keeps both months in one workbook.
    assert_eq!(regions_in(&records, d, april, Category::OnSchedule).len(), 21 - 3 - 1 - 3 - 2);
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_permit-forms"))
}

fn run(args: &[&str]) -> String {
    let out = Command::new(bin()).args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?} failed: {err}");
    String::from_utf8_lossy(&out.stdout).into_owned() + &err
}

fn lines(p: &Path) -> usize {
    std::fs::read_to_string(p).unwrap().lines().count()
}

#[test]
fn demo_runs_the_whole_pipeline_and_clients_open_every_output() {
    let dir = util::tempdir();
    let out = dir.path().join("out");
    let said = run(&["demo", "--out", out.to_str().unwrap()]);
    assert!(said.contains("识别表格 60 份"), "{said}");
    let day = out.join("2017-05-11");
    let rec = day.join("记录");
    assert_eq!(lines(&rec.join("records.jsonl")), 60);
    let rejected = std::fs::read_to_string(rec.join("rejected.jsonl")).unwrap();
    assert!(rejected.contains("损坏的表格.xlsx"), "{rejected}");
    // Every file name in the records, rejections and skips (the files that
    // cross-checks compared with included) is relative to the output folder.
    let outside = out.to_string_lossy().into_owned();
    for part in ["records.jsonl", "rejected.jsonl", "skipped.jsonl"] {
        let text = std::fs::read_to_string(rec.join(part)).unwrap();
        assert!(!text.contains(&outside), "{part} names the output folder: {text}");
    }
    // 293 forms in three formats, and the two blanks.
    let forms = util::walk(&out.join("表格"));
    assert_eq!(forms.len(), 295 * 3);

    // The consolidated workbook: every sheet, and LibreOffice prints it.
    let xlsx = day.join("汇总_截至2017-05-11.xlsx");
    let wb = open_workbook_auto(&xlsx).unwrap();
    for sheet in ["总览", "按任务", "计划", "进展明细", "滞后与困难", "催报", "联系人", "校验问题"]
    {
        assert!(wb.sheet_names().iter().any(|s| s == sheet), "sheet {sheet} missing: {:?}", wb.sheet_names());
    }
    let pdf = util::soffice_convert(&xlsx, "pdf", &dir.path().join("lo"));
    let text = util::squash(&util::pdf_text(&pdf));
    assert!(text.contains("临沂市") && text.contains("未报"), "workbook print lacks the chase list");

    // The PDF report: fonts embedded and subset, text extractable.
    let report = day.join("调度会报告_截至2017-05-11.pdf");
    let fonts = util::poppler("pdffonts", &[], &report);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty());
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(&cols[n - 5..n - 2], &["yes", "yes", "yes"], "font not embedded/subset: {row}");
    }
    let text = util::squash(&util::pdf_text(&report));
    for name in ["河北省", "广西壮族自治区", "济宁市", "临沂市", "深圳市"] {
        assert!(text.contains(name), "report lacks {name}");
    }
    assert!(text.contains("制糖企业集中在榨季生产"), "behind-schedule reason missing");
    // The figures, as the samples make them (see samples/README.md).
    assert!(
        text.contains("应报21个地区。按时报送17个；迟报1个：深圳市；未报3个：海南省、无锡市、临沂市"),
        "April figures wrong"
    );
    assert!(text.contains("滞后3个：河南省、广西壮族自治区、邢台市"), "April 滞后 wrong");

    // The Word report and a feedback letter convert with LibreOffice.
    let docx = day.join("调度会报告_截至2017-05-11.docx");
    let pdf = util::soffice_convert(&docx, "pdf", &dir.path().join("lo"));
    assert!(util::squash(&util::pdf_text(&pdf)).contains("临沂市"));
    let letter = day.join("退回意见/退回意见_河南省.docx");
    let pdf = util::soffice_convert(&letter, "pdf", &dir.path().join("lo"));
    // In content order, so a cell's lines stay together.
    let text = util::squash(&util::pdf_text_raw(&pdf, None));
    // The finding names the empty 进度滞后的原因 cell (B9), the one to fill.
    assert!(text.contains("B9") && text.contains("进度滞后的原因"), "feedback lacks the finding: {text}");
}

#[test]
fn consolidate_and_report_are_byte_identical_across_runs() {
    let dir = util::tempdir();
    let rec = dir.path().join("rec");
    let samples_dir = dir.path().join("samples");
    samples::write_to(&samples_dir).unwrap();
    run(&["ingest", samples_dir.to_str().unwrap(), "--out", rec.to_str().unwrap()]);
    for i in 0..2 {
        for (verb, name) in [("consolidate", "a.xlsx"), ("report", "a.pdf"), ("report", "a.docx")] {
            let out = dir.path().join(format!("{i}{name}"));
            run(&[verb, rec.to_str().unwrap(), "--as-of", "2017-05-11", "--out", out.to_str().unwrap()]);
        }
    }
    for name in ["a.xlsx", "a.pdf", "a.docx"] {
        let a = std::fs::read(dir.path().join(format!("0{name}"))).unwrap();
        let b = std::fs::read(dir.path().join(format!("1{name}"))).unwrap();
        assert!(a == b, "{name} differs between runs");
    }
}

#[test]
fn verbs_refuse_bad_dates_and_missing_records() {
    let dir = util::tempdir();
    let d = dir.path().to_str().unwrap();
    let out = Command::new(bin())
        .args(["consolidate", d, "--as-of", "2017/05/11", "--out", "x.xlsx"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("应为 YYYY-MM-DD"));
    let out =
        Command::new(bin()).args(["report", d, "--as-of", "2017-05-11", "--out", "x.pdf"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("records.jsonl"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}
