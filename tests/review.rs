//! review: the one review model on the samples, read back from the model,
//! the workbook (calamine) and the PDF report (pdftotext); the report as an
//! official document (page numbers, headings kept with their text, the
//! chart); the letters; hostile text through every writer; the `review`
//! verb end to end.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{open_workbook_auto, Data, Reader};
use chrono::NaiveDate;
use permit_forms::doc::Document;
use permit_forms::ingest::{self, IngestOptions};
use permit_forms::record::{Issue, Source};
use permit_forms::render::{docx, pdf::PdfRenderer, pdf::Placed};
use permit_forms::report::{self, build_report, report_document};
use permit_forms::review::{Category, Review};
use permit_forms::{samples, FormKind, Period, Record, Templates, YearMonth};

use crate::util::{self, templates};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn april() -> YearMonth {
    YearMonth::new(2017, 4).unwrap()
}

fn sample_records() -> Vec<Record> {
    let dir = util::tempdir();
    samples::write_to(dir.path()).unwrap();
    ingest::ingest_paths(templates(), &[dir.path().to_path_buf()], &IngestOptions::default()).records
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// What the samples say as of 2017-05-11 (samples/README.md): April's
/// regions per category.
fn expected_april() -> BTreeMap<Category, BTreeSet<String>> {
    BTreeMap::from([
        (Category::Missing, set(&["临沂市", "无锡市", "海南省"])),
        (Category::Late, set(&["深圳市"])),
        (Category::Misticked, set(&["保定市"])),
        (Category::Unticked, set(&[])),
        (Category::Behind, set(&["广西壮族自治区", "河南省", "邢台市"])),
    ])
}

/// The category a matrix cell's words stand for.
fn category_of_text(s: &str) -> Option<Category> {
    Some(match s {
        _ if s.starts_with("迟报") => Category::Late,
        "未报" => Category::Missing,
        "勾选有误" => Category::Misticked,
        "未勾选" => Category::Unticked,
        "滞后" => Category::Behind,
        "如期" => Category::OnSchedule,
        "超前" => Category::Ahead,
        "状态无法识别" => Category::Unreadable,
        _ => return None,
    })
}

#[test]
fn review_model_workbook_and_report_agree_on_each_category() {
    let t = templates();
    let recs = sample_records();
    let as_of = d("2017-05-11");
    let review = Review::build(t, &recs, as_of);
    let want = expected_april();

    // The model.
    let apr = review.month(april()).expect("April is shown");
    for (cat, regions) in &want {
        let got: BTreeSet<String> = apr.regions[cat].iter().cloned().collect();
        assert_eq!(&got, regions, "model: April {}", cat.label_zh());
        assert_eq!(apr.count(*cat), regions.len());
    }
    let march_missing: Vec<_> =
        review.cells_of(Category::Missing).into_iter().filter(|(_, m)| m.month == 3).collect();
    assert_eq!(march_missing, vec![("临沂市".to_string(), YearMonth::new(2017, 3).unwrap())]);
    // The chase list: 未报 first (to chase), then 迟报 (noted).
    let kinds: Vec<bool> = review.chase.iter().map(|c| c.missing()).collect();
    assert!(kinds.windows(2).all(|w| w[0] >= w[1]), "未报 rows before 迟报 rows: {kinds:?}");
    assert_eq!(review.chase.iter().filter(|c| c.missing()).count(), 4);

    // The workbook, read back.
    let dir = util::tempdir();
    let xlsx = dir.path().join("a.xlsx");
    std::fs::write(&xlsx, permit_forms::consolidate::consolidate(t, &recs, as_of).unwrap()).unwrap();
    let mut wb = open_workbook_auto(&xlsx).unwrap();
    let m = wb.worksheet_range("总览").unwrap();
    let h = permit_forms::consolidate::MATRIX_HEADER_ROW;
    let text = |d: Option<&Data>| match d {
        Some(Data::String(s)) => s.clone(),
        _ => String::new(),
    };
    let col =
        (0..m.width() as u32).find(|c| text(m.get_value((h, *c))) == "2017年4月").expect("April column");
    let mut from_wb: BTreeMap<Category, BTreeSet<String>> =
        want.keys().map(|c| (*c, BTreeSet::new())).collect();
    for r in h + 1..h + 1 + t.registry.region_count() as u32 {
        if let Some(cat) = category_of_text(&text(m.get_value((r, col)))) {
            from_wb.entry(cat).or_default().insert(text(m.get_value((r, 0))));
        }
    }
    for (cat, regions) in &want {
        assert_eq!(&from_wb[cat], regions, "workbook: April {}", cat.label_zh());
    }

    // The PDF report, read back: the matrix rows (region, plan, March, April).
    let pdf = dir.path().join("r.pdf");
    let (bytes, _) = PdfRenderer::new(t).unwrap().render_document(&report_document(&review)).unwrap();
    std::fs::write(&pdf, bytes).unwrap();
    let layout = util::pdf_text(&pdf);
    let names: BTreeSet<String> = t.registry.regions().map(|(_, r)| r.name.clone()).collect();
    let mut from_pdf: BTreeMap<Category, BTreeSet<String>> =
        want.keys().map(|c| (*c, BTreeSet::new())).collect();
    let mut rows = 0;
    for line in layout.lines() {
        let cells: Vec<&str> = line.split_whitespace().collect();
        if cells.len() == 4 && names.contains(cells[0]) && ["已报", "未报", "迟报"].contains(&cells[1])
        {
            rows += 1;
            if let Some(cat) = category_of_text(cells[3]) {
                from_pdf.entry(cat).or_default().insert(cells[0].to_string());
            }
        }
    }
    assert_eq!(rows, t.registry.region_count(), "matrix rows found in the PDF text:\n{layout}");
    for (cat, regions) in &want {
        assert_eq!(&from_pdf[cat], regions, "PDF: April {}", cat.label_zh());
    }
    let flat = util::squash(&layout);
    assert!(flat.contains("未勾选、勾选有误或无法识别1个：保定市"), "{flat}");
    assert!(flat.contains("未报3个：海南省、无锡市、临沂市"), "{flat}");
}

/// Checks a laid-out and rendered report: footers count the real pages, no
/// page ends with a heading.
fn check_pages(
    doc: &Document,
    dir: &Path,
    name: &str,
) -> (Vec<permit_forms::render::pdf::PageRecord>, PathBuf) {
    let r = PdfRenderer::new(templates()).unwrap();
    let pages = r.layout_document(doc);
    let (bytes, _) = r.render_document(doc).unwrap();
    let pdf = dir.join(name);
    std::fs::write(&pdf, bytes).unwrap();
    let n = util::pdf_pages(&pdf);
    assert_eq!(pages.len(), n);
    for (i, p) in pages.iter().enumerate() {
        // `— n —` (GB/T 9704-2012).
        assert_eq!(p.footer, format!("— {} —", i + 1));
        assert!(
            !matches!(p.placed.last(), Some(Placed::Heading(_))),
            "page {} ends with a heading: {:?}",
            i + 1,
            p
        );
        // What the reader sees on that page says the same.
        let text = util::squash(&util::pdf_text_raw(&pdf, Some(i + 1)));
        assert!(text.contains(&format!("—{}—", i + 1)), "page {} footer: {text}", i + 1);
        if p.placed.contains(&Placed::TableRows { continued: true }) {
            assert!(text.contains("续表"), "page {} continues a table without 续表", i + 1);
        }
    }
    (pages, pdf)
}

#[test]
fn report_pages_are_numbered_headings_kept_and_the_chart_drawn() {
    let t = templates();
    let dir = util::tempdir();
    let recs = sample_records();
    let doc = build_report(t, &recs, d("2017-05-11"));
    let (pages, _) = check_pages(&doc, dir.path(), "samples.pdf");
    // A4 portrait throughout (two months fit), no cover page.
    assert!(pages.iter().all(|p| p.width < p.height));
    assert!(matches!(pages[0].placed.first(), Some(Placed::Heading(h)) if h == "一、报送情况"));
    let bars: usize = pages
        .iter()
        .flat_map(|p| &p.placed)
        .filter_map(|x| if let Placed::Chart { bars } = x { Some(*bars) } else { None })
        .sum();
    assert!(bars >= 2 * 3, "the chart draws a stacked bar per month: {bars} segments");
    assert!(pages.iter().any(|p| p.placed.contains(&Placed::TableRows { continued: false })));

    // A long run: 33 months; the 通报 stays portrait, its body within 4 pages.
    let long = build_report(t, &crate::consolidate::fixture(), d("2019-12-31"));
    let (pages, _) = check_pages(&long, dir.path(), "long.pdf");
    assert!(pages.iter().all(|p| p.width < p.height));
    assert!(pages.iter().take(4).any(|p| p.placed.contains(&Placed::Signature)), "body over 4 pages");

    // The docx: a chart part, declared, placed; LibreOffice opens it and
    // shows the page count.
    let bytes = docx::render_document(&doc).unwrap();
    let chart = util::zip_entry(&bytes, "word/charts/chart1.xml");
    assert!(chart.contains("<c:barChart>") && chart.contains("stacked") && chart.contains("勾选有误"));
    assert!(util::zip_entry(&bytes, "[Content_Types].xml").contains("/word/charts/chart1.xml"));
    assert!(util::zip_entry(&bytes, "word/_rels/document.xml.rels").contains("charts/chart1.xml"));
    assert!(util::zip_entry(&bytes, "word/document.xml").contains("<c:chart "));
    assert!(util::zip_entry(&bytes, "word/footer1.xml").contains("PAGE"));
    let path = dir.path().join("report.docx");
    std::fs::write(&path, &bytes).unwrap();
    let pdf = util::soffice_convert(&path, "pdf", &dir.path().join("lo"));
    let text = util::squash(&util::pdf_text(&pdf));
    let n = util::pdf_pages(&pdf);
    assert!(n >= 1 && text.contains("—1—"), "{text}");
    assert!(text.contains("各月进展表报送情况") && text.contains("勾选有误"));
    // The long one (sections of other orientations) opens too.
    let path = dir.path().join("long.docx");
    std::fs::write(&path, docx::render_document(&long).unwrap()).unwrap();
    let pdf = util::soffice_convert(&path, "pdf", &dir.path().join("lo"));
    assert!(util::squash(&util::pdf_text(&pdf)).contains("试点以来各月报送情况"));
}

/// Regression (issue 9, outputs): feedback into a folder holding an earlier
/// run's letters left those letters beside the new ones, looking current.
#[test]
fn feedback_clears_its_earlier_letters_and_nothing_else() {
    let t = templates();
    let recs = sample_records();
    let dir = util::tempdir();
    let pdf = PdfRenderer::new(t).unwrap();
    let first = report::write_feedback(t, &recs, d("2017-05-11"), &pdf, dir.path()).unwrap();
    assert!(first.count > 1);
    std::fs::write(dir.path().join("说明.txt"), "办公室自己的文件").unwrap();
    // The second run: one region's records only.
    let keep = recs.iter().find(|r| r.current && !r.for_region().issues.is_empty()).unwrap().region.clone();
    let only: Vec<Record> = recs.iter().filter(|r| r.region == keep).cloned().collect();
    let second = report::write_feedback(t, &only, d("2017-05-12"), &pdf, dir.path()).unwrap();
    assert_eq!(second.count, 1);
    let mut left = util::walk(dir.path());
    left.sort();
    let mut want: Vec<String> = second
        .files
        .iter()
        .map(|f| f.strip_prefix(dir.path()).unwrap().to_string_lossy().into_owned())
        .chain(["说明.txt".to_string(), permit_forms::output::set::MANIFEST_NAME.to_string()])
        .collect();
    want.sort();
    assert_eq!(left, want, "only the second run's files (and its manifest) and the office's own file remain");
}

#[test]
fn letters_name_the_department_the_deadline_and_the_contact() {
    let mut t: Templates = templates().clone();
    let henan = t.registry.region_by_name("河南省").unwrap();
    let s = &mut t.registry.settings.letters;
    s.departments.insert(henan, "河南省生态环境厅法规处".into());
    s.contact_name = "周明".into();
    s.contact_phone = "010-66556677".into();
    s.contact_email = "pilot@example.cn".into();
    let recs = sample_records();
    let dir = util::tempdir();
    let pdf = PdfRenderer::new(&t).unwrap();
    // Thursday 2017-05-11 + 5 working days = Thursday 2017-05-18.
    let letters = report::write_feedback(&t, &recs, d("2017-05-11"), &pdf, dir.path()).unwrap();
    // Lateness alone makes no letter (深圳市, 山西省, 邢台市 were only late).
    assert_eq!(letters.count, 5);
    let want = [
        "河南省生态环境厅法规处：",
        "于2017年5月18日前重新报送",
        "联系人：周明",
        "电话：010-66556677",
        "电子邮箱：pilot@example.cn",
        "2017年5月11日",
    ];
    let p = dir.path().join("退回意见_河南省.pdf");
    let layout = util::pdf_text(&p);
    // Page numbers (— n —) out of the way of a line the page break split.
    let text = (1..=9).fold(util::squash(&layout), |t, n| t.replace(&format!("—{n}—"), ""));
    for w in want {
        assert!(text.contains(w), "PDF letter lacks {w}: {text}");
    }
    // Header words whole on their line.
    let header = layout.lines().find(|l| l.contains("问题说明")).expect("table header");
    assert!(header.contains("序号") && header.contains("单元格"), "{header}");
    let x = std::fs::read(dir.path().join("退回意见_河南省.docx")).unwrap();
    let xml = util::squash(&util::zip_entry(&x, "word/document.xml"));
    for w in want {
        assert!(xml.contains(w), "docx letter lacks {w}");
    }
    let lo = util::soffice_convert(&dir.path().join("退回意见_河南省.docx"), "pdf", &dir.path().join("lo"));
    let text = util::squash(&util::pdf_text(&lo));
    for w in want {
        assert!(text.contains(w), "LibreOffice's letter lacks {w}");
    }
    // The default registry names the 2017 department, whatever the 填报单位
    // says; without a contact, no contact line.
    let default = report::feedback(templates(), &recs, d("2017-05-11"));
    let (_, hebei) = default.iter().find(|(k, _)| k == "河南省").unwrap();
    let words = format!("{:?}", hebei.blocks);
    assert!(words.contains("河南省环境保护厅："), "{words}");
    assert!(!words.contains("联系人："));
}

/// A record of 河北省 whose texts carry every character XML forbids, and
/// one of 40,000 characters, with findings so a letter is written.
fn hostile_records() -> Vec<Record> {
    let forbidden: String = (0u32..0x20)
        .filter(|c| ![9, 10, 13].contains(c))
        .filter_map(char::from_u32)
        .chain(['\u{FFFE}', '\u{FFFF}'])
        .collect();
    let mut out = Vec::new();
    for (i, text) in [format!("进展{forbidden}结束"), "长".repeat(40_000)].into_iter().enumerate() {
        let src = Source {
            file: format!("returns/河北省/{forbidden}{i}.xlsx"),
            sheet: format!("附3{forbidden}"),
            sha256: "0".into(),
        };
        let mut r = Record::empty(FormKind::Progress, src);
        r.region = Some("河北省".into());
        r.region_raw = format!("河北省{forbidden}");
        r.period = Some(Period::Month(YearMonth::new(2017, 3 + i as u32).unwrap()));
        r.status = Some(permit_forms::Status::Behind);
        r.submitted_on = Some(d("2017-04-08"));
        r.actual = Some(text.clone());
        r.delay_reason = Some(text.clone());
        r.difficulties = Some(text.clone());
        r.submitter = Some(format!("河北省{forbidden}环保厅"));
        r.contact.name = Some(format!("王{forbidden}强"));
        r.issues.push(Issue::new(
            permit_forms::record::Rule::LeadTitle,
            "lead.title",
            Some(permit_forms::record::CellRef::at(1, 1)),
            text,
        ));
        out.push(r);
    }
    // An unknown region written with them too.
    let mut u = out[0].clone();
    u.region = None;
    u.source.file = format!("returns/{forbidden}.xlsx");
    out.push(u);
    out
}

#[test]
fn hostile_text_goes_through_every_writer_and_every_output_opens() {
    let t = templates();
    let dir = util::tempdir();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/writers");
    let mut recs = ingest::ingest_paths(t, &[fixtures], &IngestOptions::default()).records;
    assert_eq!(recs.len(), 2, "both writer cases read as forms");
    // Let a letter carry their text too.
    for r in &mut recs {
        let text = r.delay_reason.clone().or_else(|| r.actual.clone()).unwrap_or_default();
        r.issues.push(Issue::new(permit_forms::record::Rule::ActualMissing, "actual", None, text));
    }
    for (name, recs) in [("cases", recs), ("synthetic", hostile_records())] {
        let out = dir.path().join(name);
        std::fs::create_dir_all(&out).unwrap();
        let as_of = d("2017-05-11");
        let xlsx = out.join("汇总.xlsx");
        std::fs::write(&xlsx, permit_forms::consolidate::consolidate(t, &recs, as_of).unwrap()).unwrap();
        let doc = build_report(t, &recs, as_of);
        let pdf = PdfRenderer::new(t).unwrap();
        std::fs::write(out.join("报告.pdf"), pdf.render_document(&doc).unwrap().0).unwrap();
        std::fs::write(out.join("报告.docx"), docx::render_document(&doc).unwrap()).unwrap();
        let letters = report::write_feedback(t, &recs, as_of, &pdf, &out.join("信")).unwrap();
        assert!(letters.count >= 1);
        // calamine reads the workbook; a cut cell says so.
        let mut wb = open_workbook_auto(&xlsx).unwrap();
        let details = wb.worksheet_range("进展明细").unwrap();
        let longest = details
            .cells()
            .filter_map(|(_, _, c)| if let Data::String(s) = c { Some(s.chars().count()) } else { None })
            .max()
            .unwrap();
        assert!(longest <= 32_767);
        // LibreOffice opens every output.
        let lo = out.join("lo");
        let mut files = vec![xlsx.clone(), out.join("报告.docx")];
        files.extend(letters.files.iter().filter(|p| p.extension().is_some_and(|e| e == "docx")).cloned());
        for f in &files {
            let converted = util::soffice_convert(f, "pdf", &lo);
            assert!(util::pdf_pages(&converted) >= 1, "{} did not open", f.display());
        }
        for f in letters
            .files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .chain([&out.join("报告.pdf")])
        {
            assert!(util::pdf_pages(f) >= 1);
        }
        let text = util::squash(&util::pdf_text(&lo.join("汇总.pdf")));
        if name == "synthetic" {
            assert!(text.contains("进展结束") || text.contains("进展"), "{name}");
        }
    }
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_permit-forms"))
}

#[test]
fn review_writes_every_output_and_twice_gives_identical_files() {
    let dir = util::tempdir();
    let returns = dir.path().join("returns");
    samples::write_to(&returns).unwrap();
    let mut said = Vec::new();
    for out in ["a", "b"] {
        let o = Command::new(bin())
            .current_dir(dir.path())
            .args(["review", "returns", "--as-of", "2017-05-11", "--out", out])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        said.push(String::from_utf8_lossy(&o.stdout).into_owned());
    }
    let said = &said[0];
    assert!(
        said.contains("未报 4 份")
            && said.contains("迟报 3 份")
            && said.contains("滞后 3 份")
            && said.contains("退回意见 5 封"),
        "{said}"
    );
    let a = dir.path().join("a/2017-05-11");
    let files = util::walk(&a);
    for want in [
        "记录/records.jsonl",
        "记录/rejected.jsonl",
        "汇总_截至2017-05-11.xlsx",
        "调度会报告_截至2017-05-11.pdf",
        "调度会报告_截至2017-05-11.docx",
        "退回意见/退回意见_河南省.docx",
        "退回意见/退回意见_河南省.pdf",
    ] {
        assert!(files.iter().any(|f| f == want), "{want} missing: {files:?}");
        assert!(said.contains(
            &a.join(want)
                .parent()
                .unwrap()
                .display()
                .to_string()
                .replace(&format!("{}/", dir.path().display()), "")
        ));
    }
    // 5 letters (退回意见 or 核实提醒) as docx and pdf, and beside them the marked-up returns.
    let letters = files
        .iter()
        .filter(|f| f.starts_with("退回意见/退回意见_") || f.starts_with("退回意见/核实提醒_"))
        .count();
    assert_eq!(letters, 10);
    assert!(files.iter().any(|f| f.starts_with("退回意见/") && f.ends_with("_请修改.xlsx")));
    let b = dir.path().join("b/2017-05-11");
    assert_eq!(files, util::walk(&b));
    for f in &files {
        assert!(
            std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap(),
            "{f} differs between runs"
        );
    }
    // The workbook names files as given, never made absolute.
    let mut wb = open_workbook_auto(a.join("汇总_截至2017-05-11.xlsx")).unwrap();
    let details = wb.worksheet_range("进展明细").unwrap();
    let header: Vec<String> = (0..details.width() as u32)
        .map(|c| details.get_value((2, c)).map(|d| d.to_string()).unwrap_or_default())
        .collect();
    let fc = header.iter().position(|h| h == "文件").unwrap() as u32;
    for r in 3..details.height() as u32 {
        let f = details.get_value((r, fc)).map(|d| d.to_string()).unwrap_or_default();
        assert!(f.starts_with("returns/"), "row {}: {f}", r + 1);
    }
}

#[test]
fn workbook_prints_readably_and_separates_chasing_from_late() {
    let t = templates();
    let recs = sample_records();
    let bytes = permit_forms::consolidate::consolidate(t, &recs, d("2017-05-11")).unwrap();
    // 进展明细 is the fourth sheet: landscape, one page wide, and its
    // printed columns fit A4 landscape at 80 % or more (10 pt never below 8 pt).
    let xml = util::zip_entry(&bytes, "xl/worksheets/sheet4.xml");
    assert!(xml.contains("orientation=\"landscape\""), "{xml}");
    assert!(xml.contains("fitToHeight=\"0\""));
    let widths: Vec<f64> = permit_forms::consolidate::DETAIL_COLUMNS
        [..permit_forms::consolidate::DETAIL_PRINTED]
        .iter()
        .map(|c| c.1)
        .collect();
    // Excel's column width in characters of 7 px, plus 5 px padding; 96 px per inch.
    let inches: f64 = widths.iter().map(|w| (w * 7.0 + 5.0) / 96.0).sum();
    let printable = 11.69 - 2.0 * 0.5;
    assert!(printable / inches >= 0.8, "printed at {:.0} %", 100.0 * printable / inches);
    let names = util::zip_entry(&bytes, "xl/workbook.xml");
    assert!(names.contains("'进展明细'!$A$1:$L$") || names.contains("进展明细!$A$1:$L$"), "{names}");

    let dir = util::tempdir();
    let path = dir.path().join("a.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let mut wb = open_workbook_auto(&path).unwrap();
    let rows = |wb: &mut calamine::Sheets<_>, name: &str| -> Vec<Vec<String>> {
        let r = wb.worksheet_range(name).unwrap();
        r.rows().skip(3).map(|row| row.iter().map(|c| c.to_string()).collect()).collect()
    };
    let chase = rows(&mut wb, "催报");
    let kinds: Vec<&str> = chase.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| k.starts_with("未报")).count(), 4);
    assert_eq!(kinds.iter().filter(|k| k.starts_with("迟报")).count(), 3);
    assert!(kinds.windows(2).all(|w| !(w[0].starts_with("迟报") && w[1].starts_with("未报"))), "{kinds:?}");
    // 联系人: the 附3 names 刘振华 only; the title and phone come from the 附2.
    let contacts = rows(&mut wb, "联系人");
    let hb = contacts.iter().find(|r| r[0] == "河北省" && r[1] == "联系人").unwrap();
    assert_eq!((hb[2].as_str(), hb[3].as_str(), hb[4].as_str()), ("刘振华", "处长", "13815230226"));
    // The statistics block of 总览 starts a printed page, so it stays with its header.
    let overview = util::zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(overview.contains("<rowBreaks"), "no page break before the statistics");
}
