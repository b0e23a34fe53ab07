//! pdf: forms and documents read back with poppler (pdffonts, pdftotext,
//! pdfinfo) and with lopdf, whose content streams give the boxes as drawn.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use permit_forms::doc::{Block, Document, Orientation, Rgb, Table, TableCell};
use permit_forms::form::{layout, FormInstance, Grid};
use permit_forms::render::pdf::PdfRenderer;
use permit_forms::{FormKind, YearMonth};

use crate::util::{self, pdf_pages, pdf_text_raw, poppler, squash, templates};

fn renderer() -> &'static PdfRenderer {
    static R: std::sync::OnceLock<PdfRenderer> = std::sync::OnceLock::new();
    R.get_or_init(|| PdfRenderer::new(templates()).expect("fonts parse"))
}

fn grid(kind: FormKind, region: &str, month: Option<(i32, u32)>) -> Grid {
    let t = templates();
    let id = t.registry.region_by_name(region).unwrap_or_else(|| panic!("region {region}"));
    let period = month.map(|(y, m)| YearMonth::new(y, m).expect("month"));
    layout(t.form(kind), &t.registry, FormInstance { region: Some(id), period })
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write pdf");
    p
}

/// Every font of the file is embedded, subset and has a ToUnicode map.
fn assert_fonts_embedded(pdf: &Path) {
    let out = poppler("pdffonts", &[], pdf);
    let rows: Vec<&str> = out.lines().skip(2).filter(|l| !l.trim().is_empty()).collect();
    assert!(!rows.is_empty(), "{}: no fonts\n{out}", pdf.display());
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert!(n >= 5, "{}: odd pdffonts row {row}", pdf.display());
        // ... emb sub uni object ID
        assert_eq!(
            &cols[n - 5..n - 2],
            ["yes", "yes", "yes"],
            "{}: font not emb/sub/uni: {row}",
            pdf.display()
        );
        assert!(cols[0].contains('+'), "{}: subset font without tag: {row}", pdf.display());
    }
}

const REGIONS: [&str; 4] = ["河北省", "济宁市", "上海市", "嘉兴市"];

#[test]
fn pdf_forms_embed_subset_fonts_and_extract_exact_text() {
    let t = templates();
    let dir = util::tempdir();
    for region in REGIONS {
        let id = t.registry.region_by_name(region).expect("region");
        let months = t.registry.progress_months(id);
        let first = months.first().expect("a month");
        let cases = [(FormKind::Plan, None), (FormKind::Progress, Some((first.year, first.month)))];
        for (kind, month) in cases {
            let g = grid(kind, region, month);
            let bytes = renderer().render(&g).unwrap_or_else(|e| panic!("{region} {kind:?}: {e}"));
            let pdf = write(dir.path(), &format!("{}_{region}.pdf", g.mark), &bytes);
            assert_fonts_embedded(&pdf);
            let text = squash(&pdf_text_raw(&pdf, None));
            for want in [region.to_string(), g.title.clone(), g.mark.clone(), t.registry.tasks_text(id)] {
                assert!(text.contains(&squash(&want)), "{region} {}: text lacks “{want}”:\n{text}", g.mark);
            }
            if kind == FormKind::Progress {
                assert_eq!(pdf_pages(&pdf), 1, "{region} 附3 must be one page");
                assert!(text.contains("□超前□如期□滞后"), "{region}: status boxes missing:\n{text}");
                assert!(text.contains(&squash(&first.label_zh())), "{region}: month missing");
            }
        }
    }
}

#[test]
fn pdf_progress_forms_fit_one_page_and_stay_small() {
    let t = templates();
    let dir = util::tempdir();
    let mut sizes = Vec::new();
    for region in REGIONS {
        let id = t.registry.region_by_name(region).expect("region");
        for m in t.registry.progress_months(id).into_iter().step_by(3) {
            let g = grid(FormKind::Progress, region, Some((m.year, m.month)));
            let bytes = renderer().render(&g).expect("render");
            sizes.push(bytes.len());
            let pdf = write(dir.path(), &format!("{region}_{}.pdf", m), &bytes);
            assert_eq!(pdf_pages(&pdf), 1, "{region} {m}");
        }
        let bytes = renderer().render(&grid(FormKind::Plan, region, None)).expect("render");
        sizes.push(bytes.len());
    }
    sizes.sort_unstable();
    let median = sizes[sizes.len() / 2];
    // The watershed forms of this sample carry about 190 distinct
    // characters, at about 157 bytes each in the embedded face.
    assert!(median <= 40 * 1024, "median PDF size {median} bytes over 40 KB ({sizes:?})");
    assert!(sizes[sizes.len() - 1] < 120 * 1024, "largest PDF {} bytes", sizes[sizes.len() - 1]);
}

#[test]
fn pdf_filled_plan_runs_over_with_continued_title_and_page_numbers() {
    let t = templates();
    let mut g = grid(FormKind::Plan, "济宁市", None);
    assert_eq!(g.pages.len(), 1, "the blank 济宁市 附2 is one page");
    let id = t.registry.region_by_name("济宁市").unwrap();
    let mut v = permit_forms::fill::sample_values(&t.registry, FormKind::Plan, id, None, 1);
    v.schedule = v.schedule.iter().map(|_| long_text(150, "本行结束")).collect();
    permit_forms::fill::fill_grid(&mut g, &v);
    let dir = util::tempdir();
    let pdf = write(dir.path(), "plan.pdf", &renderer().render(&g).expect("render"));
    let pages = pdf_pages(&pdf);
    assert!(pages > 1, "{} rows of 150 characters run over", v.schedule.len());
    assert_eq!(pages, g.pages.len(), "the PDF has the pages the layout decided");
    let label = squash("试点任务及要求完成时间");
    let mut rows = 0;
    for p in 1..=pages {
        let text = squash(&pdf_text_raw(&pdf, Some(p)));
        assert!(text.contains(&format!("第{p}页共{pages}页")), "page {p} lacks its number:\n{text}");
        if p > 1 {
            assert!(text.contains("试点工作计划表（续）"), "page {p} lacks the continued title:\n{text}");
            assert!(!text.contains(&label), "the label row is repeated on page {p}");
        }
        rows += text.matches("本行结束").count();
    }
    assert_eq!(rows, v.schedule.len(), "every schedule row's text is printed whole, once");
}

/// About `n` characters of a clerk's prose, ending with the sentence `last`.
pub(crate) fn long_text(n: usize, last: &str) -> String {
    let words = "组织重点企业开展排污许可证申请前的培训与现场核查，";
    let mut s = String::new();
    while s.chars().count() + words.chars().count() + last.chars().count() + 1 < n {
        s.push_str(words);
    }
    let fill = n.saturating_sub(s.chars().count() + last.chars().count() + 1);
    s.extend(std::iter::repeat_n('核', fill));
    s.push('。');
    s.push_str(last);
    s
}

#[test]
fn pdf_missing_character_in_form_is_an_error_naming_it() {
    let mut g = grid(FormKind::Progress, "河北省", Some((2017, 4)));
    let cell = g.cells.iter_mut().find(|c| c.text == "河北省").expect("region cell");
    cell.text = "河北省𠀀".into();
    let err = renderer().render(&g).expect_err("a character the font lacks must fail").to_string();
    assert!(err.contains('𠀀'), "error should name the character: {err}");
}

#[test]
fn pdf_output_is_deterministic() {
    let g = grid(FormKind::Plan, "河北省", None);
    let a = renderer().render(&g).expect("render");
    let b = renderer().render(&g).expect("render");
    assert!(a == b, "two renders of the same form differ");
    let d = sample_document();
    let (x, _) = renderer().render_document(&d).expect("render");
    let (y, _) = renderer().render_document(&d).expect("render");
    assert!(x == y, "two renders of the same document differ");
}

fn num(o: &lopdf::Object) -> f32 {
    match o {
        lopdf::Object::Integer(i) => *i as f32,
        lopdf::Object::Real(r) => *r,
        other => panic!("not a number: {other:?}"),
    }
}

/// Stroked rectangles (`x y w h re … S`) of each page, top-down points
/// rounded to 0.1 pt, read from the decompressed content streams.
fn stroked_boxes(bytes: &[u8]) -> Vec<Vec<[f32; 4]>> {
    let doc = lopdf::Document::load_mem(bytes).expect("lopdf reads the PDF");
    let mut pages = Vec::new();
    for (_, id) in doc.get_pages() {
        let height = doc
            .get_dictionary(id)
            .and_then(|d| d.get(b"MediaBox"))
            .and_then(|o| o.as_array())
            .map(|a| num(&a[3]))
            .expect("MediaBox");
        let content = lopdf::content::Content::decode(&doc.get_page_content(id)).expect("content");
        let mut pending: Vec<[f32; 4]> = Vec::new();
        let mut boxes = Vec::new();
        for op in content.operations {
            match op.operator.as_str() {
                "re" => {
                    let v: Vec<f32> = op.operands.iter().map(num).collect();
                    pending.push([v[0], height - v[1] - v[3], v[2], v[3]]);
                }
                "S" | "s" | "B" | "b" => boxes.append(&mut pending),
                "f" | "F" | "f*" | "n" => pending.clear(),
                _ => {}
            }
        }
        let r = |v: f32| (v * 10.0).round() / 10.0;
        pages.push(boxes.into_iter().map(|b| b.map(r)).collect());
    }
    pages
}

fn golden_text(pages: &[Vec<[f32; 4]>]) -> String {
    let mut s = String::from("# page x y width height (points, from the top left; cell boxes as drawn)\n");
    for (i, p) in pages.iter().enumerate() {
        for b in p {
            s.push_str(&format!("{} {:.1} {:.1} {:.1} {:.1}\n", i + 1, b[0], b[1], b[2], b[3]));
        }
    }
    s
}

fn parse_golden(text: &str) -> Vec<(usize, [f32; 4])> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let v: Vec<f32> = l.split_whitespace().map(|x| x.parse().expect("number")).collect();
            (v[0] as usize, [v[1], v[2], v[3], v[4]])
        })
        .collect()
}

#[test]
fn pdf_layout_matches_golden_cell_boxes() {
    let cases = [
        ("pdf_plan_hebei.txt", grid(FormKind::Plan, "河北省", None)),
        ("pdf_plan_jining.txt", grid(FormKind::Plan, "济宁市", None)),
        ("pdf_progress_hebei_2017-04.txt", grid(FormKind::Progress, "河北省", Some((2017, 4)))),
    ];
    let golden_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    for (file, g) in cases {
        let bytes = renderer().render(&g).expect("render");
        let pages = stroked_boxes(&bytes);

        // Independent of the golden file: the first page holds one box per
        // bordered cell of the grid, with the grid's sizes, and the table is
        // centred on the page.
        let mut want: BTreeMap<(i32, i32), usize> = BTreeMap::new();
        let mut got: BTreeMap<(i32, i32), usize> = BTreeMap::new();
        let key = |w: f32, h: f32| ((w * 2.0).round() as i32, (h * 2.0).round() as i32);
        let on_first: Vec<_> = pages[0].clone();
        let first_rows: usize = if pages.len() == 1 { g.table_rows() } else { 0 };
        if first_rows > 0 {
            for c in g.cells.iter().filter(|c| g.rows[c.row].border) {
                *want.entry(key(g.cell_width(c) * g.scale, g.cell_height(c) * g.scale)).or_default() += 1;
            }
            for b in &on_first {
                *got.entry(key(b[2], b[3])).or_default() += 1;
            }
            assert_eq!(got, want, "{file}: cell boxes differ from the grid's cell sizes");
        }
        let left = on_first.iter().map(|b| b[0]).fold(f32::MAX, f32::min);
        let right = on_first.iter().map(|b| b[0] + b[2]).fold(f32::MIN, f32::max);
        assert!((left - (595.28 - right)).abs() < 1.0, "{file}: table not centred ({left}..{right})");
        assert!(
            (right - left - g.width() * g.scale).abs() < 0.5,
            "{file}: table width {} vs grid {} at scale {}",
            right - left,
            g.width(),
            g.scale
        );

        let path = golden_dir.join(file);
        let text = golden_text(&pages);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(&golden_dir).expect("golden dir");
            std::fs::write(&path, &text).expect("write golden");
            continue;
        }
        let stored = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
        let (a, b) = (parse_golden(&stored), parse_golden(&text));
        assert_eq!(a.len(), b.len(), "{file}: {} boxes stored, {} drawn", a.len(), b.len());
        for (i, ((pa, ba), (pb, bb))) in a.iter().zip(&b).enumerate() {
            let close = ba.iter().zip(bb).all(|(x, y)| (x - y).abs() <= 0.2);
            assert!(
                pa == pb && close,
                "{file}: box {} differs: stored page {pa} {ba:?}, drawn page {pb} {bb:?}",
                i + 1
            );
        }
    }
}

fn sample_document() -> Document {
    let rows: Vec<Vec<TableCell>> = (1..=70)
        .map(|i| {
            vec![
                TableCell::center(i.to_string()),
                TableCell::text(format!(
                    "第{i}个试点地区：本月按计划推进排污许可证核发，完成情况良好，材料齐全。"
                )),
                TableCell::center("如期").with_fill(Rgb(0xC6, 0xEF, 0xCE)),
            ]
        })
        .collect();
    Document {
        title: "试点工作进展审核报告".into(),
        subtitle: vec!["截至2017年5月".into()],
        cover_page: true,
        running_header: "排污许可管理试点进展".into(),
        orientation: Orientation::Portrait,
        font_size: 11.0,
        blocks: vec![
            Block::Heading { level: 1, text: "一、总体情况".into() },
            Block::Paragraph("各试点地区按要求报送进展表。".into()),
            Block::Note("注：个别名称含生僻字𠀀，以方框代替。".into()),
            Block::Table(Table {
                columns: vec![1.0, 6.0, 2.0],
                header: vec![vec![
                    TableCell::header("序号"),
                    TableCell::header("地区及说明"),
                    TableCell::header("进度情况"),
                ]],
                rows,
                font_size: 0.0,
            }),
        ],
    }
}

#[test]
fn pdf_document_paginates_table_with_headers_and_page_numbers() {
    let doc = sample_document();
    let (bytes, missing) = renderer().render_document(&doc).expect("render");
    assert_eq!(missing, vec!['𠀀'], "the missing character is reported");
    let dir = util::tempdir();
    let pdf = write(dir.path(), "report.pdf", &bytes);
    assert_fonts_embedded(&pdf);
    let pages = pdf_pages(&pdf);
    assert!(pages > 2, "cover plus a 70-row table should take several pages, got {pages}");
    let numbered = pages - 1;
    let cover = squash(&pdf_text_raw(&pdf, Some(1)));
    assert!(cover.contains("试点工作进展审核报告") && cover.contains("截至2017年5月"), "cover: {cover}");
    assert!(!cover.contains("—1—"), "the cover has no page number: {cover}");
    let mut seen_rows = 0;
    for p in 2..=pages {
        let text = squash(&pdf_text_raw(&pdf, Some(p)));
        for h in ["序号", "地区及说明", "进度情况"] {
            assert!(text.contains(h), "page {p} lacks the table header {h}:\n{text}");
        }
        let n = p - 1;
        // `— n —` (GB/T 9704-2012), no page count.
        assert!(numbered >= n && text.contains(&format!("—{n}—")), "page {p} lacks —{n}—:\n{text}");
        assert!(text.contains("排污许可管理试点进展"), "page {p} lacks the running header");
        seen_rows += (1..=70).filter(|i| text.contains(&format!("第{i}个试点地区"))).count();
    }
    assert_eq!(seen_rows, 70, "every body row appears exactly once");
    let all = squash(&pdf_text_raw(&pdf, None));
    assert!(all.contains("以方框代替") && all.contains('□'), "missing character drawn as □");
}

#[test]
fn pdf_landscape_document_has_landscape_pages() {
    let mut doc = sample_document();
    doc.orientation = Orientation::Landscape;
    doc.cover_page = false;
    let (bytes, _) = renderer().render_document(&doc).expect("render");
    let dir = util::tempdir();
    let pdf = write(dir.path(), "wide.pdf", &bytes);
    let info = poppler("pdfinfo", &[], &pdf);
    let size: Vec<f32> = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .map(|s| s.split_whitespace().filter_map(|w| w.parse().ok()).collect())
        .expect("pdfinfo prints Page size:");
    assert!((size[0] - 841.89).abs() < 0.1 && (size[1] - 595.28).abs() < 0.1, "not A4 landscape:\n{info}");
    let first = squash(&pdf_text_raw(&pdf, Some(1)));
    assert!(first.contains("试点工作进展审核报告") && first.contains("—1—") && pdf_pages(&pdf) >= 1);
}

/// Throwaway timing (the lead writes the real benchmark):
/// `cargo test --release --test main pdf_time_all_forms -- --ignored --nocapture`.
#[test]
#[ignore]
fn pdf_time_all_forms() {
    use rayon::prelude::*;
    let t = templates();
    let start = std::time::Instant::now();
    let r = PdfRenderer::new(t).expect("fonts");
    let parse = start.elapsed();
    let mut jobs = Vec::new();
    for (id, _) in t.registry.regions() {
        jobs.push((FormKind::Plan, FormInstance { region: Some(id), period: None }));
        for m in t.registry.progress_months(id) {
            jobs.push((FormKind::Progress, FormInstance { region: Some(id), period: Some(m) }));
        }
    }
    let start = std::time::Instant::now();
    let mut sizes: Vec<usize> = jobs
        .par_iter()
        .map(|(k, i)| r.render(&layout(t.form(*k), &t.registry, *i)).expect("render").len())
        .collect();
    let took = start.elapsed();
    sizes.sort_unstable();
    println!(
        "font parse {parse:?}; {} forms in {took:?}; median {} B, max {} B",
        sizes.len(),
        sizes[sizes.len() / 2],
        sizes[sizes.len() - 1]
    );
}
