//! Provenance and corrections in the review outputs: the workbook's 来源
//! columns and relative links to the returns (read back with calamine and
//! from the sheets' relationship parts), the compared form of cross-check
//! findings, the 更正记录 sheet, and the report's citations and 已更正 marks
//! (pdftotext and the docx body).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, Reader};
use chrono::NaiveDate;
use permit_forms::consolidate::consolidate_in;
use permit_forms::crosscheck::corrections;
use permit_forms::ingest::{self, IngestOptions};
use permit_forms::markup::{issue_label, source_label};
use permit_forms::render::{docx, pdf::PdfRenderer};
use permit_forms::report::build_report;
use permit_forms::{samples, Record};

use crate::util::{self, templates};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn ingest_dir(dir: &Path) -> Vec<Record> {
    ingest::ingest_paths(templates(), &[dir.to_path_buf()], &IngestOptions::default()).records
}

fn text(d: Option<&Data>) -> String {
    match d {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => format!("{f}"),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    }
}

/// Rows of a table sheet (header on the third row), as maps from header to
/// text, blank rows left out.
fn table(path: &Path, sheet: &str) -> Vec<BTreeMap<String, String>> {
    let mut rows = crate::consolidate::table(path, sheet);
    rows.retain(|row| row.values().any(|v| !v.is_empty()));
    rows
}

/// `%E5%8C%97` → bytes → text.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// External link targets of the `n`th sheet (1-based), from its relationship part.
fn link_targets(xlsx: &[u8], n: usize) -> Vec<String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let Ok(mut entry) = archive.by_name(&format!("xl/worksheets/_rels/sheet{n}.xml.rels")) else {
        return Vec::new();
    };
    let mut rels = String::new();
    std::io::Read::read_to_string(&mut entry, &mut rels).unwrap();
    rels.split("<Relationship ")
        .filter(|r| r.contains("TargetMode=\"External\""))
        .filter_map(|r| r.split("Target=\"").nth(1)?.split('"').next().map(percent_decode))
        .collect()
}

/// The samples in `root/returns`, ingested; the workbook written to `root/out`.
fn samples_workbook(root: &Path, as_of: NaiveDate) -> (Vec<Record>, PathBuf, Vec<u8>) {
    let returns = root.join("returns");
    samples::write_to(&returns).unwrap();
    let records = ingest_dir(&returns);
    let out = root.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let bytes = consolidate_in(templates(), &records, as_of, &out).unwrap();
    let path = out.join("汇总.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    (records, path, bytes)
}

#[test]
fn every_row_names_its_source_cell_and_links_to_the_return() {
    let dir = util::tempdir();
    let (records, path, bytes) = samples_workbook(dir.path(), d("2017-05-11"));
    let out = path.parent().unwrap();
    let by_file = |file: &str, sheet: &str| {
        records.iter().find(|r| r.source.file == file && r.source.sheet == sheet).expect("row's record")
    };

    // 进展明细: the 月度实际进展 cell of the row's record.
    let rows = table(&path, "进展明细");
    assert!(rows.len() > 10, "{}", rows.len());
    for row in &rows {
        let r = by_file(&row["文件"], &row["工作表"]);
        assert_eq!(row["来源"], source_label(r, "actual"));
        assert!(row["来源"].ends_with(&format!("!{}", r.cells["actual"])), "{}", row["来源"]);
    }

    // 滞后与困难: the reason's or the difficulty's cell.
    let mut want: Vec<String> = records
        .iter()
        .filter(|r| r.current)
        .flat_map(|r| {
            let mut v = Vec::new();
            if r.status == Some(permit_forms::Status::Behind) {
                v.push(source_label(r, "delay_reason"));
            }
            if r.difficulties.as_deref().is_some_and(|s| !s.trim().is_empty()) {
                v.push(source_label(r, "difficulties"));
            }
            v
        })
        .collect();
    let mut got: Vec<String> = table(&path, "滞后与困难").iter().map(|r| r["来源"].clone()).collect();
    want.sort();
    got.sort();
    assert!(!got.is_empty());
    assert_eq!(got, want);

    // 校验问题: each finding's own cell, and the compared form of a cross-check.
    let rows = table(&path, "校验问题");
    let mut want: Vec<String> =
        records.iter().flat_map(|r| r.issues.iter().map(|i| issue_label(r, i))).collect();
    let mut got: Vec<String> = rows.iter().map(|r| r["来源"].clone()).collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    let compared = records.iter().flat_map(|r| &r.issues).filter(|i| i.compared.is_some()).count();
    assert!(compared > 0);
    assert_eq!(rows.iter().filter(|r| !r["对照报表"].is_empty()).count(), compared);
    let beijing = rows
        .iter()
        .find(|r| {
            r["试点地区"] == "北京市"
                && r["期间"] == "2017年4月"
                && r["规则代码"] == "cross.same_as_last_month"
        })
        .expect("北京市 April compared with March");
    assert!(
        beijing["对照报表"].starts_with("附3_试点工作进展表_北京市_2017年03月（更正）.xlsx!"),
        "{}",
        beijing["对照报表"]
    );

    // Links: 总览 (sheet 1), 进展明细 (4), 滞后与困难 (5), 校验问题 (8), each to a real return.
    for (n, min) in [(1, 20), (4, rows.len().min(10)), (5, 1), (8, 10)] {
        let targets = link_targets(&bytes, n);
        assert!(targets.len() >= min, "sheet{n}: {} links", targets.len());
        for t in &targets {
            assert!(t.starts_with("../returns/"), "{t}");
            assert!(out.join(t).is_file(), "sheet{n}: {t} is not a file");
        }
    }
    // The linked matrix cells still read as their status words.
    let mut wb = open_workbook_auto(&path).unwrap();
    let range = wb.worksheet_range("总览").unwrap();
    let words: Vec<String> = (3..10).map(|r| text(range.get_value((r, 1)))).collect();
    assert!(words.iter().any(|w| w == "已报"), "{words:?}");

    // Each reported matrix cell names its source cell in a note (sheet 1's comments part).
    let notes = util::zip_entry(&bytes, "xl/comments1.xml");
    let beijing_april = records
        .iter()
        .find(|r| {
            r.current
                && r.region.as_deref() == Some("北京市")
                && r.period == permit_forms::Period::month(2017, 4)
        })
        .unwrap();
    let label = source_label(beijing_april, "status");
    assert!(label.ends_with(&format!("!{}", beijing_april.cells["status"])), "{label}");
    assert!(notes.contains(&format!("来源：{label}")), "no note for {label}");

    // Without a folder to link from, no links.
    let plain = permit_forms::consolidate::consolidate(templates(), &records, d("2017-05-11")).unwrap();
    assert!(link_targets(&plain, 4).is_empty());
}

#[test]
fn the_samples_resubmission_is_in_the_corrections_sheet() {
    let dir = util::tempdir();
    let (records, path, _) = samples_workbook(dir.path(), d("2017-05-11"));
    let c = corrections(&records);
    assert_eq!(c.len(), 1);
    let rows = table(&path, "更正记录");
    let changes: Vec<_> = rows.iter().filter(|r| r["类别"] == "字段更改").collect();
    assert_eq!(changes.len(), 1, "{rows:?}");
    let ch = changes[0];
    assert_eq!(
        (ch["试点地区"].as_str(), ch["报表"].as_str(), ch["期间"].as_str()),
        ("北京市", "附3", "2017年3月")
    );
    assert_eq!(
        (ch["字段或问题"].as_str(), ch["原内容"].as_str(), ch["新内容"].as_str()),
        ("填报时间", "2017-04-05", "2017-04-09")
    );
    let (a, b) = (&records[c[0].earlier], &records[c[0].later]);
    assert_eq!(ch["原单元格"], a.cells["submitted_on"]);
    assert_eq!(ch["新单元格"], b.cells["submitted_on"]);
    assert!(ch["原文件"].ends_with("北京市_2017年03月.xlsx"), "{}", ch["原文件"]);
    assert!(ch["更正文件"].ends_with("北京市_2017年03月（更正）.xlsx"), "{}", ch["更正文件"]);
    let remaining: Vec<&str> =
        rows.iter().filter(|r| r["类别"] == "问题仍在").map(|r| r["字段或问题"].as_str()).collect();
    let want: Vec<&str> = c[0].remaining.iter().map(|i| i.rule.label_zh()).collect();
    assert_eq!(remaining.len(), 2);
    assert_eq!(remaining, want);
    assert!(!rows.iter().any(|r| r["类别"] == "问题已更正"));
}

#[test]
fn a_fixing_resubmission_is_recorded_and_the_report_says_corrected() {
    let dir = util::tempdir();
    let returns = dir.path().join("returns");
    let t = templates();
    let planned = crate::crosscheck::write_fixing_pair(&returns);
    let records = ingest_dir(&returns);
    let c = corrections(&records);
    assert_eq!(c.len(), 1);
    let fixed: Vec<&str> = c[0].fixed.iter().map(|i| i.rule.label_zh()).collect();
    assert_eq!(fixed.len(), 2);
    let as_of = d("2017-06-10");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let path = out.join("汇总.xlsx");
    std::fs::write(&path, consolidate_in(t, &records, as_of, &out).unwrap()).unwrap();

    // 更正记录: the changed fields with their cells, the fixed findings.
    let rows = table(&path, "更正记录");
    let changed: Vec<&str> =
        rows.iter().filter(|r| r["类别"] == "字段更改").map(|r| r["字段或问题"].as_str()).collect();
    let want = ["月度实际进展", "进度滞后的原因", "填报时间"];
    assert_eq!(changed, want);
    let actual = rows.iter().find(|r| r["字段或问题"] == "月度实际进展").unwrap();
    assert_eq!(actual["原内容"], planned);
    assert_eq!(actual["新内容"], "受理企业申请18家，完成现场核查6家");
    assert_eq!(actual["新单元格"], records[c[0].later].cells["actual"]);
    let mut got: Vec<&str> =
        rows.iter().filter(|r| r["类别"] == "问题已更正").map(|r| r["字段或问题"].as_str()).collect();
    let mut want = fixed.clone();
    got.sort();
    want.sort();
    assert_eq!(got, want);

    // 校验问题 marks the first version's fixed findings.
    let issues = table(&path, "校验问题");
    let mut marked: Vec<&str> =
        issues.iter().filter(|r| r["更正情况"] == "已更正").map(|r| r["问题"].as_str()).collect();
    marked.sort();
    assert_eq!(marked, want);

    // The report (PDF and docx) says 已更正 for each, citing the first file.
    let doc = build_report(t, &records, as_of);
    let (pdf_bytes, _) = PdfRenderer::new(t).unwrap().render_document(&doc).unwrap();
    let pdf = dir.path().join("report.pdf");
    std::fs::write(&pdf, pdf_bytes).unwrap();
    let flat = util::squash(&util::pdf_text_raw(&pdf, None));
    let docx_text =
        util::squash(&util::zip_entry(&docx::render_document(&doc).unwrap(), "word/document.xml"));
    // The 通报's 回头看 counts them (the workbook lists them, citing the files).
    let mark = format!("已更正问题{}处", want.len());
    assert!(flat.contains(&mark), "PDF lacks {mark}");
    assert!(docx_text.contains(&mark), "docx lacks {mark}");

    // Before the correction arrived, nothing is corrected: the first version's findings stand.
    let before = build_report(t, &records, d("2017-06-06"));
    let text = util::squash(&util::zip_entry(&docx::render_document(&before).unwrap(), "word/document.xml"));
    assert!(text.contains("已更正问题0处"));
    for rule in &want {
        assert!(text.contains(&util::squash(rule)), "{rule}");
    }
}

#[test]
fn the_report_gives_behind_reasons_in_a_line_and_counts_findings_by_region() {
    let t = templates();
    let dir = util::tempdir();
    samples::write_to(dir.path()).unwrap();
    let records = ingest_dir(dir.path());
    let as_of = d("2017-05-11");
    let review = permit_forms::review::Review::build(t, &records, as_of);
    assert!(!review.behind.is_empty());
    let doc = permit_forms::report::report_document(&review);
    let (bytes, _) = PdfRenderer::new(t).unwrap().render_document(&doc).unwrap();
    let pdf = dir.path().join("report.pdf");
    std::fs::write(&pdf, bytes).unwrap();
    let flat = util::squash(&util::pdf_text_raw(&pdf, None));
    let docx_text =
        util::squash(&util::zip_entry(&docx::render_document(&doc).unwrap(), "word/document.xml"));
    // The 通报 gives each 滞后 region of the month its reason on one line
    // (the workbook's 滞后与困难 cites the cell); no file paths in the body.
    let focus = review.focus.unwrap();
    for e in review.behind.iter().filter(|e| e.month == focus) {
        let head: String = e.text.chars().filter(|c| !c.is_whitespace()).take(6).collect();
        let line = util::squash(&format!("{}：{head}", e.region));
        let line = if e.text.trim().is_empty() {
            util::squash(&format!("{}：未填写原因", e.region))
        } else {
            line
        };
        assert!(flat.contains(&line), "PDF lacks {line}");
        assert!(docx_text.contains(&line), "docx lacks {line}");
        assert!(
            !flat.contains(&util::squash(&format!("（来源：{}）", e.source.label))),
            "a file path in the 通报"
        );
    }
    // Every open finding's region is counted in 附件3.
    let current: Vec<_> =
        review.findings.iter().filter(|f| f.arrived && !f.superseded && f.current).collect();
    assert!(!current.is_empty());
    let annex = &flat[flat.find("附件3尚未解决").expect("附件3")..];
    for f in current.iter().filter(|f| f.rule_id != "submitted_on.late") {
        assert!(annex.contains(&util::squash(&f.region)), "附件3 lacks {}", f.region);
    }
}

#[test]
fn a_long_list_of_findings_is_cut_in_the_report_and_points_to_the_workbook() {
    let t = templates();
    let dir = util::tempdir();
    samples::write_to(dir.path()).unwrap();
    let records = ingest_dir(dir.path());
    let mut review = permit_forms::review::Review::build(t, &records, d("2017-05-11"));
    let one = review.findings.iter().find(|f| f.arrived && !f.superseded).unwrap().clone();
    review.findings = vec![one; 450];
    let doc = permit_forms::report::report_document(&review);
    let text = util::squash(&util::zip_entry(&docx::render_document(&doc).unwrap(), "word/document.xml"));
    // Many open findings are counted by region and rule, the rows in the workbook.
    assert!(text.contains("逐条明细见汇总工作簿“校验问题”表"), "no note of the rest");
    let rows: Vec<&Vec<permit_forms::doc::TableCell>> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            permit_forms::doc::Block::Table(t) if t.header[0].iter().any(|c| c.text == "处数") => {
                Some(&t.rows)
            }
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][3].text, "450");
}
