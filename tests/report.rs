//! report: the review report and feedback letters as Documents, built from
//! the consolidate fixture.

use permit_forms::doc::{Block, Document, Table};
use permit_forms::render::pdf::PdfRenderer;
use permit_forms::report::{build_report, feedback, REPORT_TITLE};
use permit_forms::{Period, Status};

use crate::consolidate::{as_of, d, expected_cell, fixture};
use crate::util::{self, templates};

fn all_text(doc: &Document) -> String {
    let mut out = format!("{}\n{}\n", doc.title, doc.subtitle.join("\n"));
    for b in &doc.blocks {
        match b {
            Block::Heading { text, .. }
            | Block::Paragraph(text)
            | Block::Note(text)
            | Block::Right(text)
            | Block::Line(text) => {
                out.push_str(text);
                out.push('\n');
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

#[test]
fn report_has_the_figures_regions_and_tables() {
    let t = templates();
    let recs = fixture();
    let doc = build_report(t, &recs, as_of());
    assert_eq!(doc.title, REPORT_TITLE);
    // An official document: no cover page, the issuer and date under the title.
    assert!(!doc.cover_page);
    assert!(doc.subtitle.iter().any(|s| s.contains("部许可办")));
    assert!(doc.subtitle.iter().any(|s| s.contains("2017年5月11日")));
    assert!(doc.running_header.contains("2017年5月11日"));
    let text = all_text(&doc);
    // April (due 2017-05-10): 河北省 滞后, 天津市 如期, the other 19 missing.
    let april_missing = t.registry.regions().filter(|(_, r)| expected_cell(&r.name, 4) == "未报").count();
    assert_eq!(april_missing, 19);
    for want in [
        "1 个地区报送了试点工作计划",
        "应报 21 个地区，已收到 2 个",
        "如期 1 个",
        "滞后 1 个",
        &format!("未报 {april_missing} 个"),
        "+86 人员不足",
        "需要部里组织技术培训",
        "赵六 13900001111",
        "累计：未报 56 份（须催报；其中工作计划 20 份、进展表 36 份），迟报 1 份，报告进度滞后 1 份",
    ] {
        assert!(text.contains(want), "report lacks “{want}”:\n{text}");
    }
    for (_, r) in t.registry.regions() {
        assert!(text.contains(&r.name), "{} missing", r.name);
    }
    for (_, task) in t.registry.tasks() {
        assert!(text.contains(&task.name), "task {} missing", task.name);
    }
    let ts = tables(&doc);
    assert!(ts.len() >= 5);
    ts.iter().for_each(|t| check_shape(t));
    // The matrix: the cell of 天津市 in March says late, filled.
    let matrix =
        ts.iter().find(|t| t.header[0][0].text == "试点地区" && t.header[0][1].text == "工作计划").unwrap();
    let tj = matrix.rows.iter().find(|r| r[0].text == "天津市").unwrap();
    assert_eq!(tj[1].text, "未报");
    assert_eq!(tj[2].text, "迟报(如期)");
    assert!(tj[2].fill.is_some());
    // The behind-schedule list holds only the current 滞后 report.
    let behind = ts.iter().find(|t| t.header[0].iter().any(|c| c.text == "进度滞后的原因")).unwrap();
    assert_eq!(
        behind.rows.len(),
        recs.iter().filter(|r| r.current && r.status == Some(Status::Behind)).count()
    );
}

#[test]
fn a_long_matrix_is_split_into_tables_of_twelve_months() {
    let t = templates();
    let doc = build_report(t, &fixture(), d("2019-12-31"));
    let matrices: Vec<&Table> = tables(&doc)
        .into_iter()
        .filter(|t| t.header[0][0].text == "试点地区" && t.header[0][1].text == "工作计划")
        .collect();
    let months: usize = matrices.iter().map(|t| t.columns.len() - 2).sum();
    // Every watershed month from 2017-03 to 2019-11 has ended by 2019-12-31.
    assert_eq!(months, 33);
    assert!(matrices.iter().all(|t| t.columns.len() - 2 <= 12), "a matrix table over 12 months");
    assert_eq!(matrices.len(), 3);
}

#[test]
fn feedback_letters_list_each_finding() {
    let t = templates();
    let recs = fixture();
    let letters = feedback(t, &recs, as_of());
    let keys: Vec<&str> = letters.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["天津市", "山东省", "未识别地区_某某"]);
    for (key, doc) in &letters {
        assert!(!key.contains(['/', '\\', ':', ' ']));
        let ts = tables(doc);
        assert_eq!(ts.len(), 1);
        check_shape(ts[0]);
        let text = all_text(doc);
        let mine = recs.iter().filter(|r| {
            r.current
                && !r.issues.is_empty()
                && r.region.as_deref().map_or(key.starts_with("未识别地区"), |n| n == key)
        });
        let mut n = 0;
        for r in mine {
            for i in &r.issues {
                n += 1;
                let row = ts[0]
                    .rows
                    .iter()
                    .find(|row| row.iter().any(|c| c.text == i.message))
                    .unwrap_or_else(|| panic!("{key}: finding “{}” not listed", i.message));
                let cells: Vec<&str> = row.iter().map(|c| c.text.as_str()).collect();
                assert!(cells.contains(&i.cell.unwrap().to_string().as_str()), "{cells:?}");
                assert!(cells.contains(&i.severity.label_zh()), "{cells:?}");
                let name = r.source.file.rsplit('/').next().unwrap();
                assert!(cells.iter().any(|c| c.starts_with(name)), "{cells:?}");
                let period = r.period.map(Period::label_zh).unwrap();
                assert!(cells.contains(&period.as_str()), "{cells:?}");
            }
        }
        assert_eq!(ts[0].rows.len(), n, "{key}");
        assert!(!text.contains("旧版本的问题"), "a superseded record's finding was listed");
    }
}

#[test]
fn report_renders_to_pdf_with_its_figures() {
    let t = templates();
    let doc = build_report(t, &fixture(), as_of());
    let (bytes, missing) = PdfRenderer::new(t).unwrap().render_document(&doc).unwrap();
    assert!(missing.is_empty(), "characters missing from the font: {missing:?}");
    let dir = util::tempdir();
    let pdf = dir.path().join("report.pdf");
    std::fs::write(&pdf, bytes).unwrap();
    let text = util::squash(&util::pdf_text(&pdf));
    for want in [
        REPORT_TITLE,
        "应报21个地区，已收到2个",
        "迟报(如期)",
        "+86人员不足",
        "催报与迟报",
        "赵六13900001111",
    ] {
        assert!(text.contains(want), "{want} missing from the PDF");
    }
    assert!(util::pdf_pages(&pdf) >= 3);
}

#[test]
fn feedback_keys_are_file_safe() {
    assert_eq!(permit_forms::report::file_safe("未识别地区_a/b:c.v2"), "未识别地区_a_b_c_v2");
    assert_eq!(permit_forms::report::file_safe(" .. "), "_");
}
