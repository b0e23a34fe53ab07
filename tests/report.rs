//! report: the 通报 and the letters as Documents and as rendered files: the
//! consolidate fixture, a heavy month built here (every region, long
//! itemised texts, several 滞后, late and unreported regions) and the
//! samples' returns carried forward to the end of the pilot; page counts,
//! page numbers and the closing read back with poppler, named lists checked
//! against the workbook read with calamine, the docx files with openxml-audit.

use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{open_workbook_auto, Data, Reader};
use chrono::NaiveDate;
use permit_forms::doc::{Block, Document, Table};
use permit_forms::ingest::{self, IngestOptions};
use permit_forms::record::{Issue, Person, Rule, Source};
use permit_forms::render::docx;
use permit_forms::render::pdf::{PdfRenderer, Placed};
use permit_forms::report::{build_report, letters, LetterKind, ISSUER, REPORT_TITLE};
use permit_forms::{consolidate, samples, FormKind, Period, Record, Status};

use crate::consolidate::{as_of, d, fixture};
use crate::util::{self, templates};

fn all_text(doc: &Document) -> String {
    let mut out = format!("{}\n{}\n", doc.title, doc.subtitle.join("\n"));
    for b in &doc.blocks {
        match b {
            Block::Heading { text, .. }
            | Block::Paragraph(text)
            | Block::Note(text)
            | Block::Right(text)
            | Block::Title(text)
            | Block::Line(text) => {
                out.push_str(text);
                out.push('\n');
            }
            Block::Signature { by, date } => {
                out.push_str(&format!("{by}\n{date}\n"));
            }
            Block::Table(t) => {
                for row in t.header.iter().chain(t.rows.iter()) {
                    for c in row {
                        out.push_str(&c.text);
                        out.push('\t');
                    }
                    out.push('\n');
                }
            }
            Block::Chart(c) => {
                out.push_str(&c.title);
                out.push('\n');
            }
            Block::PageBreak | Block::Orientation(_) => {}
        }
    }
    out
}

fn tables(doc: &Document) -> Vec<&Table> {
    doc.blocks.iter().filter_map(|b| if let Block::Table(t) = b { Some(t) } else { None }).collect()
}

fn check_shape(t: &Table) {
    assert!(!t.header.is_empty(), "a table without header rows");
    for row in t.header.iter().chain(t.rows.iter()) {
        let width: usize = row.iter().map(|c| c.span.max(1)).sum();
        assert_eq!(width, t.columns.len(), "row {:?} does not fill the table", row.first().map(|c| &c.text));
    }
}

/// `n` characters of itemised text: `1.…；2.…；` to the length.
fn itemised(what: &str, n: usize) -> String {
    let mut s = String::new();
    let mut i = 1;
    while s.chars().count() < n {
        s.push_str(&format!("{i}.{what}方面开展了排污许可证核发前的企业摸底调查和技术培训工作，"));
        s.push_str("按照时间节点推进各项任务；\n");
        i += 1;
    }
    s.chars().take(n).collect()
}

fn person(name: &str, phone: &str) -> Person {
    Person { name: Some(name.into()), title: None, phone: Some(phone.into()) }
}

/// Regions of the heavy month whose May is 滞后, late, missing; the one
/// with an error and the one with warnings only.
const BEHIND: [&str; 5] = ["天津市", "山东省", "江苏省", "广西壮族自治区", "邢台市"];
const LATE: [&str; 2] = ["河北省", "深圳市"];
const UNREPORTED: [&str; 3] = ["海南省", "无锡市", "临沂市"];
const WITH_ERROR: &str = "山西省";
const WARNINGS_ONLY: &str = "浙江省";

/// As of the heavy month.
fn heavy_as_of() -> NaiveDate {
    d("2017-06-12")
}

/// A heavy month as of 2017-06-12: every region's plan and its 附3 for
/// March to May, each with 600-character progress, 400-character plans and
/// 300-character difficulties; in May five regions 滞后 with 400-character
/// reasons, two late, three unreported, one return with an error and one
/// with warnings only.
pub fn heavy_month() -> Vec<Record> {
    let t = templates();
    let mut out = Vec::new();
    for (_, region) in t.registry.regions() {
        let name = region.name.as_str();
        let mut plan = Record::empty(
            FormKind::Plan,
            Source { file: format!("returns/{name}/附2.xlsx"), sheet: "附2".into(), sha256: "p".into() },
        );
        plan.region = Some(name.into());
        plan.region_raw = name.into();
        plan.submitted_on = Some(d("2017-03-28"));
        plan.contact = person("李四", "13811112222");
        plan.handler = person("王五", "13811113333");
        out.push(plan);
        for month in 3..=5u32 {
            if month == 5 && UNREPORTED.contains(&name) {
                continue;
            }
            let src = Source {
                file: format!("returns/{name}/附3_{month}月.xlsx"),
                sheet: "附3".into(),
                sha256: format!("{month}"),
            };
            let mut r = Record::empty(FormKind::Progress, src);
            r.region = Some(name.into());
            r.region_raw = name.into();
            r.period = Period::month(2017, month);
            r.planned = Some(itemised("工作安排", 400));
            r.actual = Some(itemised("实际进展", 600));
            r.difficulties = Some(itemised("困难和需要的支持", 300));
            r.contact = person("李四", "13811112222");
            r.handler = person("王五", "13811113333");
            r.submitted_on = Some(d(&format!("2017-{:02}-08", month + 1)));
            r.status = Some(Status::OnSchedule);
            if month == 5 {
                if BEHIND.contains(&name) {
                    r.status = Some(Status::Behind);
                    r.delay_reason = Some(itemised("滞后原因", 400));
                }
                if LATE.contains(&name) {
                    r.submitted_on = Some(d("2017-06-11"));
                    r.issues.push(Issue::new(
                        Rule::SubmittedOnLate,
                        "submitted_on",
                        Some("C20".parse().unwrap()),
                        "填报时间晚于截止日2017-06-10".into(),
                    ));
                }
                if name == WITH_ERROR {
                    r.submitter = Some("山西省环境保护局".into());
                    r.issues.push(Issue::new(
                        Rule::ContactNameMissing,
                        "contact.name",
                        Some("B11".parse().unwrap()),
                        "未填写联系人姓名".into(),
                    ));
                }
                if name == WARNINGS_ONLY {
                    r.issues.push(Issue::new(
                        Rule::PhoneInvalid,
                        "contact.phone",
                        Some("C11".parse().unwrap()),
                        "联系人电话“1381111”不是有效的电话号码".into(),
                    ));
                }
            }
            out.push(r);
        }
    }
    out
}

/// The samples' returns carried forward: every 附3 of a region copied to
/// each later month of its window up to 2019-11, sent on time, so the
/// review of 2019-12-11 sees the whole watershed pilot.
fn samples_to_end() -> Vec<Record> {
    let dir = util::tempdir();
    samples::write_to(dir.path()).unwrap();
    let recs =
        ingest::ingest_paths(templates(), &[dir.path().to_path_buf()], &IngestOptions::default()).records;
    let reg = &templates().registry;
    let mut out = recs.clone();
    for r in recs.iter().filter(|r| r.current && r.kind == FormKind::Progress) {
        let Some(from) = r.period.and_then(Period::as_month) else { continue };
        let Some(id) = r.region.as_deref().and_then(|n| reg.region_by_name(n)) else { continue };
        let months: Vec<_> = reg.progress_months(id).into_iter().filter(|m| *m > from).collect();
        for m in months {
            if m > permit_forms::YearMonth::new(2019, 11).unwrap() {
                continue;
            }
            // Only the latest sample of the region goes forward.
            if recs
                .iter()
                .any(|o| o.current && o.region == r.region && o.kind == r.kind && o.period > r.period)
            {
                continue;
            }
            let mut c = r.clone();
            c.period = Some(Period::Month(m));
            c.submitted_on = Some(reg.progress_due(m) - chrono::Duration::days(1));
            c.source.file = format!("{}_{}{:02}", r.source.file, m.year, m.month);
            c.issues.retain(|i| i.rule != Rule::SubmittedOnLate);
            out.push(c);
        }
    }
    out
}

/// Renders `doc` to PDF in `dir`; returns the path and the layout's pages.
fn render(doc: &Document, dir: &Path, name: &str) -> (PathBuf, Vec<permit_forms::render::pdf::PageRecord>) {
    let pdf = PdfRenderer::new(templates()).unwrap();
    let (bytes, missing) = pdf.render_document(doc).unwrap();
    assert!(missing.is_empty(), "{name}: characters missing from the font: {missing:?}");
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, bytes).unwrap();
    (path, pdf.layout_document(doc))
}

/// The 通报 as the office reads it: body ≤ 4 pages ending with the issuing
/// body and date, the whole < 15 pages, every page numbered `— n —`.
fn check_official(doc: &Document, as_of: NaiveDate, name: &str) {
    let dir = util::tempdir();
    let (pdf, pages) = render(doc, dir.path(), name);
    if let Some(out) = std::env::var_os("REPORT_RENDER_DIR") {
        std::fs::copy(&pdf, Path::new(&out).join(format!("{name}.pdf"))).unwrap();
    }
    let total = util::pdf_pages(&pdf);
    assert_eq!(total, pages.len(), "{name}: the layout and the PDF disagree");
    let body = 1 + pages
        .iter()
        .position(|p| p.placed.contains(&Placed::Signature))
        .unwrap_or_else(|| panic!("{name}: no issuing body and date"));
    assert!(body <= 4, "{name}: the body takes {body} pages");
    assert!(total < 15, "{name}: {total} pages in all");
    let date = permit_forms::review::date_zh(as_of);
    for n in 1..=total {
        let text = util::pdf_text_raw(&pdf, Some(n));
        assert!(text.contains(&format!("— {n} —")), "{name}: page {n} lacks its number:\n{text}");
        assert!(!text.contains("第 1 页"), "{name}: old page numbers");
        if n == body {
            let squashed = util::squash(&text.replace(&format!("— {n} —"), ""));
            assert!(
                squashed.ends_with(&format!("{ISSUER}{date}")),
                "{name}: the last body page does not end with the issuer and date:\n{text}"
            );
        }
    }
    let first = util::squash(&util::pdf_text_raw(&pdf, Some(1)));
    assert!(first.contains(REPORT_TITLE), "{name}: title missing");
    for h in ["一、报送情况", "二、试点工作进展", "四、存在的主要问题", "五、回头看", "六、下一步工作"]
    {
        assert!(util::squash(&util::pdf_text(&pdf)).contains(h), "{name}: {h} missing");
    }
    eprintln!("{name}: body {body} pages, {total} in all");
}

#[test]
fn a_heavy_month_is_a_short_official_report() {
    let doc = build_report(templates(), &heavy_month(), heavy_as_of());
    assert_eq!(doc.title, format!("关于2017年5月{REPORT_TITLE}"));
    assert!(doc.running_header.is_empty(), "an official document has no running header");
    tables(&doc).into_iter().for_each(check_shape);
    assert!(tables(&doc).iter().all(|t| t.font_size >= 12.0), "a 附件 table under 小四");
    check_official(&doc, heavy_as_of(), "heavy");
}

#[test]
fn the_end_of_the_pilot_is_a_short_official_report() {
    let as_of = d("2019-12-11");
    let doc = build_report(templates(), &samples_to_end(), as_of);
    assert_eq!(doc.title, format!("关于2019年11月{REPORT_TITLE}"));
    check_official(&doc, as_of, "end_of_pilot");
}

/// The names after `label` in the paragraph that has it: `迟报2个：A、B；`.
fn named(text: &str, label: &str) -> Vec<String> {
    let Some(at) = text.find(label) else { return Vec::new() };
    let rest = &text[at + label.len()..];
    let Some(colon) = rest.find('：') else { return Vec::new() };
    if !rest[..colon].ends_with('个') || rest.starts_with("0个") {
        return Vec::new();
    }
    let list = &rest[colon + '：'.len_utf8()..];
    let end = list.find(['；', '。']).unwrap_or(list.len());
    list[..end].split('、').map(str::to_string).collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn the_named_lists_are_the_workbooks() {
    let t = templates();
    let recs = heavy_month();
    let doc = build_report(t, &recs, heavy_as_of());
    let body: String = doc
        .blocks
        .iter()
        .take_while(|b| !matches!(b, Block::Signature { .. }))
        .filter_map(|b| if let Block::Paragraph(p) = b { Some(p.as_str()) } else { None })
        .collect::<Vec<_>>()
        .join("\n");
    let late = named(&body, "迟报");
    let missing = named(&body, "未报");
    let behind = named(&body, "滞后");
    assert_eq!(sorted(late.clone()), sorted(LATE.map(String::from).to_vec()), "{body}");
    assert_eq!(sorted(missing.clone()), sorted(UNREPORTED.map(String::from).to_vec()), "{body}");
    assert_eq!(sorted(behind.clone()), sorted(BEHIND.map(String::from).to_vec()), "{body}");
    // Each 滞后 region has its reason on one line of its own.
    for b in &behind {
        assert!(body.lines().any(|l| l.starts_with(&format!("{b}：")) && l.chars().count() <= 27), "{b}");
    }

    let dir = util::tempdir();
    let xlsx = dir.path().join("汇总.xlsx");
    std::fs::write(&xlsx, consolidate::consolidate(t, &recs, heavy_as_of()).unwrap()).unwrap();
    let mut wb = open_workbook_auto(&xlsx).unwrap();
    let rows = |wb: &mut calamine::Sheets<_>, sheet: &str| -> Vec<Vec<String>> {
        let range = wb.worksheet_range(sheet).unwrap();
        range.rows().map(|r| r.iter().map(|c: &Data| c.to_string()).collect()).collect()
    };
    let chase = rows(&mut wb, "催报");
    let col = |rows: &[Vec<String>], name: &str| {
        rows.iter()
            .find_map(|r| r.iter().position(|c| c == name))
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (kind, region, form) = (col(&chase, "类别"), col(&chase, "试点地区"), col(&chase, "报表"));
    let of = |k: &str| -> Vec<String> {
        chase
            .iter()
            .filter(|r| r[kind].starts_with(k) && r[form].contains("2017年5月"))
            .map(|r| r[region].clone())
            .collect()
    };
    assert_eq!(sorted(late), sorted(of("迟报")), "the report's 迟报 differ from 催报");
    assert_eq!(sorted(missing), sorted(of("未报")), "the report's 未报 differ from 催报");
    let hard = rows(&mut wb, "滞后与困难");
    let (kind, region, month) = (col(&hard, "类别"), col(&hard, "试点地区"), col(&hard, "月份"));
    let sheet_behind: Vec<String> = hard
        .iter()
        .filter(|r| r[kind] == "进度滞后" && r[month] == "2017年5月")
        .map(|r| r[region].clone())
        .collect();
    assert_eq!(sorted(behind), sorted(sheet_behind), "the report's 滞后 differ from 滞后与困难");
}

#[test]
fn letters_go_to_the_2017_department_by_kind() {
    let t = templates();
    let all = letters(t, &heavy_month(), heavy_as_of());
    let keys: Vec<(&str, LetterKind)> = all.iter().map(|l| (l.key.as_str(), l.kind)).collect();
    // The late regions get none; the error a 退回意见; warnings only a 核实提醒.
    assert_eq!(keys, [(WITH_ERROR, LetterKind::SendBack), (WARNINGS_ONLY, LetterKind::Check)]);
    for l in &all {
        let text = all_text(&l.doc);
        let to = l
            .doc
            .blocks
            .iter()
            .find_map(|b| if let Block::Line(s) = b { Some(s.as_str()) } else { None })
            .unwrap();
        assert!(to.ends_with('：'));
        let sig = l.doc.blocks.iter().find_map(|b| match b {
            Block::Signature { by, date } => Some((by.as_str(), date.as_str())),
            _ => None,
        });
        assert_eq!(sig, Some(("环境保护部排污许可专项小组办公室", "2017年6月12日")));
        assert!(l.doc.running_header.is_empty());
        assert!(!text.contains("填报时间晚于"), "lateness listed as a finding: {text}");
        match l.kind {
            LetterKind::SendBack => {
                // The return says 环境保护局; in 2017 it was the 厅.
                assert_eq!(to, "山西省环境保护厅：");
                assert!(l.doc.title.ends_with("退回意见"));
                assert!(text.contains("重新报送"));
            }
            LetterKind::Check => {
                assert_eq!(to, "浙江省环境保护厅：");
                assert!(l.doc.title.ends_with("核实提醒"));
                assert!(text.contains("无需修改，也无需重新报送"), "{text}");
            }
        }
    }
}

#[test]
fn only_late_regions_get_no_letter_nor_marked_copy() {
    let t = templates();
    let dir = util::tempdir();
    let pdf = PdfRenderer::new(t).unwrap();
    let out =
        permit_forms::report::write_feedback(t, &heavy_month(), heavy_as_of(), &pdf, dir.path()).unwrap();
    let names: Vec<String> = out
        .files
        .iter()
        .map(|p| p.strip_prefix(dir.path()).unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.contains(&format!("退回意见_{WITH_ERROR}.pdf")), "{names:?}");
    assert!(names.contains(&format!("核实提醒_{WARNINGS_ONLY}.docx")), "{names:?}");
    for late in LATE {
        assert!(!names.iter().any(|n| n.contains(late)), "{late} was only late: {names:?}");
    }
    let letter = dir.path().join(format!("核实提醒_{WARNINGS_ONLY}.pdf"));
    let text = util::squash(&util::pdf_text(&letter));
    assert!(text.starts_with(&util::squash("关于浙江省排污许可管理试点报表的核实提醒")), "{text}");
    assert!(text.contains("—1—"), "{text}");
    if let Some(o) = std::env::var_os("REPORT_RENDER_DIR") {
        std::fs::copy(&letter, Path::new(&o).join("letter_check.pdf")).unwrap();
        std::fs::copy(
            dir.path().join(format!("退回意见_{WITH_ERROR}.pdf")),
            Path::new(&o).join("letter_back.pdf"),
        )
        .unwrap();
    }
}

/// The docx 通报 of the heavy month and both kinds of letter pass
/// `openxml-audit -f office2019` with no error; the report has real heading
/// styles and East Asian faces.
#[test]
fn report_and_letters_docx_are_valid() {
    let Some(exe) =
        std::env::var_os("OPENXML_AUDIT").map(PathBuf::from).filter(|p| p.is_file()).or_else(|| {
            std::env::var_os("PATH").and_then(|ps| {
                std::env::split_paths(&ps).map(|d| d.join("openxml-audit")).find(|p| p.is_file())
            })
        })
    else {
        panic!("this test needs `openxml-audit`: install it with `pip install openxml-audit` (scripts/test does this)")
    };
    let t = templates();
    let dir = util::tempdir();
    let report = docx::render_document(&build_report(t, &heavy_month(), heavy_as_of())).unwrap();
    let xml = util::zip_entry(&report, "word/document.xml");
    assert!(xml.contains("w:pStyle w:val=\"Heading1\""), "no Heading 1 paragraphs");
    assert!(xml.contains("w:pStyle w:val=\"Heading2\""), "no Heading 2 paragraphs");
    assert!(xml.contains("w:eastAsia=\"仿宋_GB2312\""), "body face not in the East Asian slot");
    assert!(xml.contains("w:eastAsia=\"方正小标宋简体\""), "title face missing");
    let styles = util::zip_entry(&report, "word/styles.xml");
    assert!(styles.contains("heading 1") && styles.contains("heading 2"), "heading styles missing");
    let footers: String = util::zip_parts_of(&report)
        .into_iter()
        .filter(|(n, _)| n.starts_with("word/footer"))
        .map(|(_, b)| String::from_utf8(b).unwrap())
        .collect();
    assert!(footers.contains("— ") && !footers.contains("NUMPAGES"), "page numbers not — n —");
    std::fs::write(dir.path().join("report.docx"), report).unwrap();
    for l in letters(t, &heavy_month(), heavy_as_of()) {
        std::fs::write(dir.path().join(format!("{}.docx", l.key)), docx::render_document(&l.doc).unwrap())
            .unwrap();
    }
    let out = Command::new(exe)
        .args(["-f", "office2019", "--validator", "ooxml", "-m", "0", "-o", "json", "-r"])
        .arg(dir.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("openxml-audit JSON");
    let files = report.as_array().unwrap();
    assert_eq!(files.len(), 3, "{report}");
    for f in files {
        assert_eq!(f["error_count"].as_u64(), Some(0), "{}", serde_json::to_string_pretty(f).unwrap());
    }
}

#[test]
fn fixture_report_names_the_month_and_its_regions() {
    let t = templates();
    let recs = fixture();
    let doc = build_report(t, &recs, as_of());
    assert_eq!(doc.title, format!("关于2017年4月{REPORT_TITLE}"));
    assert!(!doc.cover_page);
    let text = all_text(&doc);
    for want in
        ["应报21个地区", "滞后1个：河北省", "+86 人员不足", "环境保护部排污许可专项小组办公室\n2017年5月11日"]
    {
        assert!(text.contains(want), "report lacks “{want}”:\n{text}");
    }
    // The matrix: the cell of 天津市 in March says late, filled.
    let ts = tables(&doc);
    ts.iter().for_each(|t| check_shape(t));
    let matrix =
        ts.iter().find(|t| t.header[0][0].text == "试点地区" && t.header[0][1].text == "工作计划").unwrap();
    let tj = matrix.rows.iter().find(|r| r[0].text == "天津市").unwrap();
    assert_eq!(tj[2].text, "迟报(如期)");
    assert!(tj[2].fill.is_some());
}

#[test]
fn feedback_keys_are_file_safe() {
    assert_eq!(permit_forms::report::file_safe("未识别地区_a/b:c.v2"), "未识别地区_a_b_c_v2");
    assert_eq!(permit_forms::report::file_safe(" .. "), "_");
}
