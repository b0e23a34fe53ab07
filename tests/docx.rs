//! docx: form documents and flowing documents read back (docx-rs'
//! reader and the package's XML), and converted to PDF by LibreOffice.

use std::path::{Path, PathBuf};

use permit_forms::doc::{Block, Document, Orientation, Rgb, Table, TableCell};
use permit_forms::form::{layout, CellKind, FormInstance, Grid};
use permit_forms::render::docx;
use permit_forms::FormKind;

use crate::util::{self, templates};

/// The grid of a form for `region` (the first reporting month for 附3).
fn grid(kind: FormKind, region: &str) -> Grid {
    let t = templates();
    let id = t.registry.region_by_name(region).expect("region in registry");
    let period = match kind {
        FormKind::Plan => None,
        FormKind::Progress => t.registry.progress_months(id).first().copied(),
    };
    layout(t.form(kind), &t.registry, FormInstance { region: Some(id), period })
}

/// The region whose plan has the most schedule rows (the longest 附2).
fn longest_schedule() -> String {
    let r = &templates().registry;
    let (id, _) = r.regions().max_by_key(|(id, _)| r.plan_periods(*id).len()).expect("regions");
    r.region(id).name.clone()
}

/// The region with the longest task text (the tallest 附3).
fn longest_tasks() -> String {
    let r = &templates().registry;
    let (id, _) = r.regions().max_by_key(|(id, _)| r.tasks_text(*id).chars().count()).expect("regions");
    r.region(id).name.clone()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write docx");
    path
}

/// Text of the `w:t` elements of an XML fragment, unescaped.
fn texts(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(at) = rest.find("<w:t") {
        rest = &rest[at + 4..];
        // `<w:t>` or `<w:t xml:space=…>`, not `<w:tc>`, `<w:tbl>` …
        if !(rest.starts_with('>') || rest.starts_with(' ')) {
            continue;
        }
        let Some(open_end) = rest.find('>') else { break };
        if rest[..open_end].ends_with('/') {
            rest = &rest[open_end + 1..];
            continue;
        }
        let body = &rest[open_end + 1..];
        let Some(close) = body.find("</w:t>") else { break };
        out.push_str(&body[..close]);
        rest = &body[close..];
    }
    out.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}

/// The elements `<tag>…</tag>` (or `<tag …>…</tag>`) directly in `xml`, in
/// order. Our documents do not nest tables.
fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open_a, open_b, close) = (format!("<{tag}>"), format!("<{tag} "), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    loop {
        let a = rest.find(&open_a);
        let b = rest.find(&open_b);
        let Some(start) = [a, b].into_iter().flatten().min() else { break };
        let Some(end) = rest[start..].find(&close) else { break };
        out.push(&rest[start..start + end + close.len()]);
        rest = &rest[start + end + close.len()..];
    }
    out
}

/// A `w:tc` of a rendered table.
struct Tc {
    /// First grid column.
    col: usize,
    /// `w:gridSpan` (1 when absent).
    span: usize,
    /// `w:vMerge` value.
    vmerge: Option<String>,
    /// The element.
    xml: String,
}

/// Cells of each row of the first table.
fn first_table_cells(xml: &str) -> Vec<Vec<Tc>> {
    let table = elements(xml, "w:tbl").first().copied().expect("a table").to_string();
    elements(&table, "w:tr")
        .into_iter()
        .map(|tr| {
            let mut col = 0;
            elements(tr, "w:tc")
                .into_iter()
                .map(|tc| {
                    let span = attr(tc, "<w:gridSpan ", "w:val").map_or(1, |v| v.parse().expect("span"));
                    let vmerge = attr(tc, "<w:vMerge ", "w:val");
                    let cell = Tc { col, span, vmerge, xml: tc.to_string() };
                    col += span;
                    cell
                })
                .collect()
        })
        .collect()
}

/// The value of `name` on the first element starting with `open`.
fn attr(xml: &str, open: &str, name: &str) -> Option<String> {
    let at = xml.find(open)?;
    let el = &xml[at..at + xml[at..].find('>')?];
    let key = format!("{name}=\"");
    let v = &el[el.find(&key)? + key.len()..];
    Some(v[..v.find('"')?].to_string())
}

fn document_xml(bytes: &[u8]) -> String {
    util::zip_entry(bytes, "word/document.xml")
}

#[test]
fn form_reads_back_with_docx_rs() {
    let g = grid(FormKind::Progress, &longest_tasks());
    let bytes = docx::render(&g).unwrap();
    let doc = docx_rs::read_docx(&bytes).expect("docx-rs reads the document back");
    let tables: Vec<_> = doc
        .document
        .children
        .iter()
        .filter_map(|c| match c {
            docx_rs::DocumentChild::Table(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(tables.len(), 1, "one table");
    assert_eq!(tables[0].rows.len(), g.table_rows(), "the grid's table rows");
    // Drawn at the layout's print scale.
    let grid_cols: Vec<usize> = g.columns.iter().map(|w| (w * g.scale * 20.0).round() as usize).collect();
    assert_eq!(tables[0].grid, grid_cols, "gridCol in twips");
}

#[test]
fn form_prefilled_cells_hold_region_tasks_and_month() {
    let region = longest_tasks();
    let g = grid(FormKind::Progress, &region);
    let xml = document_xml(&docx::render(&g).unwrap());
    let rows = first_table_cells(&xml);
    assert_eq!(rows.len(), g.table_rows());
    let mut checked = 0;
    for cell in g.cells.iter().filter(|c| c.row < g.table_rows()) {
        let tc = rows[cell.row].iter().find(|c| c.col == cell.col).unwrap_or_else(|| {
            panic!("no cell at row {} column {}", cell.row, cell.col);
        });
        // `\n` becomes a line break, so the text runs on without it.
        let want = cell.print_text().replace('\n', "");
        assert_eq!(texts(&tc.xml), want, "text of row {} column {}", cell.row, cell.col);
        if cell.kind == CellKind::Prefilled {
            checked += 1;
        }
    }
    assert!(checked >= 3, "region, tasks and month are pre-filled ({checked})");
    let t = templates();
    let tasks = t.registry.tasks_text(t.registry.region_by_name(&region).unwrap());
    assert!(texts(&xml).contains(&tasks.replace('\n', "")), "task text present");
    assert!(texts(&xml).contains(&region));
    assert!(texts(&xml).contains("□超前"), "status boxes printed");
    if tasks.contains('\n') {
        assert!(xml.contains("<w:br w:type=\"textWrapping\" />"), "line breaks kept");
    }
}

#[test]
fn form_merges_become_grid_span_and_vmerge() {
    let g = grid(FormKind::Plan, &longest_schedule());
    let xml = document_xml(&docx::render(&g).unwrap());
    let rows = first_table_cells(&xml);
    let mut spans = 0;
    let mut vmerges = 0;
    for cell in g.cells.iter().filter(|c| c.row < g.table_rows()) {
        for (r, row) in rows.iter().enumerate().skip(cell.row).take(cell.rows) {
            let tc = row.iter().find(|c| c.col == cell.col).unwrap_or_else(|| {
                panic!("no cell at row {r} column {} (merged from row {})", cell.col, cell.row);
            });
            assert_eq!(tc.span, cell.cols, "gridSpan at row {r} column {}", cell.col);
            let want = match (cell.rows > 1, r == cell.row) {
                (false, _) => None,
                (true, true) => Some("restart"),
                (true, false) => Some("continue"),
            };
            assert_eq!(tc.vmerge.as_deref(), want, "vMerge at row {r} column {}", cell.col);
            spans += usize::from(cell.cols > 1);
            vmerges += usize::from(cell.rows > 1);
        }
        let covered: usize = rows[cell.row].iter().map(|c| c.span).sum();
        assert_eq!(covered, g.columns.len(), "row {} covers every column", cell.row);
    }
    assert!(spans > 0 && vmerges > 0, "the 附2 has merged cells ({spans} spans, {vmerges} vertical)");
}

#[test]
fn form_table_width_fits_the_page_and_matches_grid_cols() {
    let g = grid(FormKind::Plan, &longest_schedule());
    let xml = document_xml(&docx::render(&g).unwrap());
    let tbl_w: u32 = attr(&xml, "<w:tblW ", "w:w").unwrap().parse().unwrap();
    let cols: u32 = elements(&xml, "w:tblGrid")[0]
        .split("<w:gridCol ")
        .skip(1)
        .map(|c| attr(&format!("<w:gridCol {c}"), "<w:gridCol ", "w:w").unwrap().parse::<u32>().unwrap())
        .sum();
    assert_eq!(tbl_w, cols, "tblW equals the sum of gridCol");
    let scaled: u32 = g.columns.iter().map(|w| (w * g.scale * 20.0).round() as u32).sum();
    assert_eq!(tbl_w, scaled, "the grid's width at its print scale");
    let page: u32 = attr(&xml, "<w:pgSz ", "w:w").unwrap().parse().unwrap();
    let left: u32 = attr(&xml, "<w:pgMar ", "w:left").unwrap().parse().unwrap();
    let right: u32 = attr(&xml, "<w:pgMar ", "w:right").unwrap().parse().unwrap();
    assert_eq!(page, 11906, "A4 portrait");
    assert!(tbl_w <= page - left - right, "table {tbl_w} twips fits the text width {}", page - left - right);
}

#[test]
fn form_runs_name_east_asian_fonts_and_chinese_language() {
    let g = grid(FormKind::Progress, &longest_tasks());
    let bytes = docx::render(&g).unwrap();
    let xml = document_xml(&bytes);
    let runs = elements(&xml, "w:r");
    assert!(runs.len() > 10);
    for run in runs.iter().filter(|r| !texts(r).is_empty()) {
        let ea = attr(run, "<w:rFonts ", "w:eastAsia").unwrap_or_else(|| panic!("no eastAsia font on {run}"));
        let ascii = attr(run, "<w:rFonts ", "w:ascii").unwrap_or_else(|| panic!("no ascii font on {run}"));
        assert_eq!(ea, ascii);
        let want = if texts(run) == g.title || texts(run) == g.mark { &g.title_font } else { &g.text_font };
        assert_eq!(&ea, want, "font of {:?}", texts(run));
    }
    let styles = util::zip_entry(&bytes, "word/styles.xml");
    let defaults = &styles[styles.find("<w:docDefaults>").expect("docDefaults")..];
    assert_eq!(attr(defaults, "<w:lang ", "w:eastAsia").as_deref(), Some("zh-CN"), "zh-CN language");
    let fonts = util::zip_entry(&bytes, "word/fontTable.xml");
    assert!(fonts.contains(&format!("w:name=\"{}\"", g.text_font)), "font table declares the text face");
}

/// The run properties of one paragraph: of the paragraph mark (`w:pPr/w:rPr`)
/// and of each run (`w:r/w:rPr`).
struct ParaFonts {
    /// Text of the paragraph's `w:t` elements.
    text: String,
    /// (is the paragraph mark, name of the first child, `w:eastAsia` of `w:rFonts`).
    props: Vec<(bool, Option<String>, Option<String>)>,
}

/// Every paragraph of `xml` with its run properties, read with an XML parser
/// (the order of children matters here, which the string helpers ignore).
fn paragraph_fonts(xml: &str) -> Vec<ParaFonts> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut para: Option<ParaFonts> = None;
    loop {
        let event = reader.read_event().expect("well-formed document.xml");
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let name = String::from_utf8_lossy(e.name().as_ref().as_bytes()).into_owned();
            let parent = stack.last().map(String::as_str);
            match (name.as_str(), parent) {
                ("w:p", _) => para = Some(ParaFonts { text: String::new(), props: Vec::new() }),
                ("w:rPr", Some("w:r" | "w:pPr")) => {
                    if let Some(p) = para.as_mut() {
                        p.props.push((parent == Some("w:pPr"), None, None));
                    }
                }
                (child, Some("w:rPr")) => {
                    let last = para.as_mut().and_then(|p| p.props.last_mut());
                    if let Some((_, first, east_asia)) = last {
                        if first.is_none() {
                            *first = Some(child.to_string());
                        }
                        if child == "w:rFonts" {
                            *east_asia = e
                                .try_get_attribute("w:eastAsia")
                                .ok()
                                .flatten()
                                .map(|a| a.value.into_owned());
                        }
                    }
                }
                _ => {}
            }
            if !empty {
                stack.push(name);
            }
        }
        match event {
            Event::Text(t) if stack.last().map(String::as_str) == Some("w:t") => {
                if let Some(p) = para.as_mut() {
                    p.text.push_str(&t.xml10_content());
                }
            }
            Event::End(_) => {
                let closed = stack.pop();
                if closed.as_deref() == Some("w:p") {
                    out.extend(para.take());
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// Issue 13: Word reads a run's East Asian font only when `w:rFonts` sits
/// where the schema puts it, first in `w:rPr`. Every run and paragraph mark
/// of the forms must name the template's face there (the title face for the
/// mark and the title, the text face elsewhere), and so must the defaults.
#[test]
fn form_east_asian_font_first_in_every_run_and_paragraph_mark() {
    let t = templates();
    let blank = |kind| layout(t.form(kind), &t.registry, FormInstance { region: None, period: None });
    let grids = [
        grid(FormKind::Plan, &longest_schedule()),
        grid(FormKind::Progress, &longest_tasks()),
        blank(FormKind::Plan),
        blank(FormKind::Progress),
    ];
    for g in &grids {
        let bytes = docx::render(g).unwrap();
        let paras = paragraph_fonts(&document_xml(&bytes));
        assert!(paras.len() > 10, "{}: paragraphs", g.title);
        let mut runs = 0;
        for p in &paras {
            let heading = p.text == g.title.replace('\n', "") || p.text == g.mark.replace('\n', "");
            let want = if heading { &g.title_font } else { &g.text_font };
            assert_eq!(
                p.props.iter().filter(|(mark, ..)| *mark).count(),
                1,
                "{}: mark of {:?}",
                g.title,
                p.text
            );
            for (mark, first, east_asia) in &p.props {
                let what = if *mark { "paragraph mark" } else { "run" };
                assert_eq!(first.as_deref(), Some("w:rFonts"), "{}: {what} of {:?}", g.title, p.text);
                assert_eq!(east_asia.as_ref(), Some(want), "{}: {what} of {:?}", g.title, p.text);
                runs += usize::from(!mark);
            }
        }
        assert!(runs > 10, "{}: runs", g.title);
        let styles = util::zip_entry(&bytes, "word/styles.xml");
        let defaults = &styles[styles.find("<w:rPrDefault><w:rPr>").expect("run defaults")..];
        let first = &defaults["<w:rPrDefault><w:rPr>".len()..];
        assert!(first.starts_with("<w:rFonts "), "defaults start with the fonts: {first}");
        assert_eq!(attr(first, "<w:rFonts ", "w:eastAsia").as_ref(), Some(&g.text_font));
    }
}

#[test]
fn form_label_row_is_not_a_repeated_header() {
    let g = grid(FormKind::Plan, &longest_schedule());
    let xml = document_xml(&docx::render(&g).unwrap());
    assert!(!xml.contains("<w:tblHeader"), "the label row 试点地区 | 试点任务及要求完成时间 must not repeat");
}

#[test]
fn form_package_is_deflated_and_dated_fixed() {
    let bytes = docx::render(&grid(FormKind::Progress, &longest_tasks())).unwrap();
    let entries = util::zip_methods(&bytes);
    assert!(entries.iter().any(|(n, _)| n == "word/document.xml"));
    for (name, method) in &entries {
        assert_eq!(*method, zip::CompressionMethod::Deflated, "{name} is deflated");
    }
    let core = util::zip_entry(&bytes, "docProps/core.xml");
    assert!(core.contains(docx::FIXED_DATE), "fixed creation date: {core}");
    let custom = util::zip_entry(&bytes, "docProps/custom.xml");
    assert!(custom.contains(&longest_tasks()), "identity in custom properties");
    assert!(custom.contains(&format!("name=\"{}region\"", docx::META_PROPERTY_PREFIX)), "{custom}");
}

#[test]
fn form_output_is_byte_identical() {
    let g = grid(FormKind::Plan, &longest_schedule());
    let a = docx::render(&g).unwrap();
    // Another thread, after other documents were built: docx-rs' counters
    // must not leak into the output.
    let g2 = g.clone();
    let b = std::thread::spawn(move || {
        let _ = docx::render(&grid(FormKind::Progress, &longest_tasks()));
        docx::render(&g2).unwrap()
    })
    .join()
    .unwrap();
    let c = docx::render(&g).unwrap();
    assert!(a == b && a == c, "same grid, same bytes");
}

#[test]
fn libreoffice_prints_plan_and_one_page_progress() {
    let dir = util::tempdir();
    let plan_region = longest_schedule();
    let plan = grid(FormKind::Plan, &plan_region);
    let plan_pdf = util::soffice_convert(
        &write(dir.path(), "plan.docx", &docx::render(&plan).unwrap()),
        "pdf",
        dir.path(),
    );
    let text = util::squash(&util::pdf_text(&plan_pdf));
    assert!(text.contains(&plan.title) && text.contains(&plan_region), "附2 PDF text: {text}");
    // The longest blank 附2 prints on one page; its label row appears once.
    assert_eq!(util::pdf_pages(&plan_pdf), 1, "附2 of {plan_region} prints on one page");
    assert_eq!(text.matches(&util::squash("试点任务及要求完成时间")).count(), 1);

    for region in [longest_tasks(), plan_region] {
        let g = grid(FormKind::Progress, &region);
        let path = write(dir.path(), "progress.docx", &docx::render(&g).unwrap());
        let pdf = util::soffice_convert(&path, "pdf", dir.path());
        assert_eq!(util::pdf_pages(&pdf), 1, "附3 of {region} prints on one page");
        let text = util::squash(&util::pdf_text(&pdf));
        assert!(text.contains(&region) && text.contains(&g.title), "附3 PDF text: {text}");
        assert!(text.contains("填报时间"), "footer line printed");
    }
}

/// A report-like document with a table long enough for several pages.
fn long_document() -> Document {
    let mut rows = Vec::new();
    for i in 1..=90 {
        rows.push(vec![
            TableCell::center(format!("地区{i:03}")),
            TableCell::text(format!("第{i}行说明：按期报送，内容完整。")),
            TableCell::center(if i % 3 == 0 { "滞后" } else { "如期" }).with_fill(Rgb(0xFF, 0xEB, 0x9C)),
        ]);
    }
    rows.push(vec![
        TableCell { bold: true, ..TableCell::center("合计") }.with_span(2),
        TableCell::center("90"),
    ]);
    Document {
        title: "试点工作进展审核报告".into(),
        subtitle: vec!["截至2017年4月".into(), "部许可办".into()],
        cover_page: true,
        running_header: "排污许可管理试点 审核报告".into(),
        orientation: Orientation::Portrait,
        font_size: 12.0,
        blocks: vec![
            Block::Heading { level: 1, text: "一、总体情况".into() },
            Block::Paragraph("本月应报送18个地区，已报送15个。\n其余3个地区未报送。".into()),
            Block::Note("注：滞后以黄色标出。".into()),
            Block::Heading { level: 2, text: "（一）各地区进展".into() },
            Block::Table(Table {
                columns: vec![1.0, 3.0, 1.0],
                header: vec![vec![
                    TableCell::header("试点地区"),
                    TableCell::header("审核意见"),
                    TableCell::header("进度情况"),
                ]],
                rows,
                font_size: 0.0,
            }),
            Block::PageBreak,
            Block::Paragraph("附：说明。".into()),
        ],
    }
}

#[test]
fn document_xml_has_tables_shading_spans_and_page_numbers() {
    let bytes = docx::render_document(&long_document()).unwrap();
    let xml = document_xml(&bytes);
    let table = elements(&xml, "w:tbl")[0];
    let rows = elements(table, "w:tr");
    assert_eq!(rows.len(), 92);
    assert!(rows[0].contains("<w:tblHeader />") && !rows[1].contains("<w:tblHeader />"));
    assert_eq!(attr(rows[0], "<w:shd ", "w:fill").as_deref(), Some("E7E6E6"), "header shading");
    assert!(rows[0].contains("<w:b />"), "bold header");
    assert_eq!(attr(rows[91], "<w:gridSpan ", "w:val").as_deref(), Some("2"), "spanned total");
    let tbl_w: u32 = attr(table, "<w:tblW ", "w:w").unwrap().parse().unwrap();
    // GB/T 9704-2012 margins: 28 mm left, 26 mm right.
    assert_eq!(tbl_w, 11906 - 1587 - 1474, "table fills the text width");
    let footers: Vec<String> = util::zip_methods(&bytes)
        .into_iter()
        .filter(|(n, _)| n.starts_with("word/footer"))
        .map(|(n, _)| util::zip_entry(&bytes, &n))
        .collect();
    assert!(footers.iter().any(|f| f.contains("PAGE") && texts(f).starts_with("— ")), "page number field");
    for (name, method) in util::zip_methods(&bytes) {
        assert_eq!(method, zip::CompressionMethod::Deflated, "{name} is deflated");
    }
    assert_eq!(bytes, docx::render_document(&long_document()).unwrap(), "byte-identical");
}

#[test]
fn libreoffice_repeats_document_table_header_on_each_page() {
    let dir = util::tempdir();
    let doc = long_document();
    let path = write(dir.path(), "report.docx", &docx::render_document(&doc).unwrap());
    let pdf = util::soffice_convert(&path, "pdf", dir.path());
    let pages = util::pdf_pages(&pdf);
    assert!(pages >= 4, "cover, several table pages, last page: {pages}");
    let text = util::pdf_text(&pdf);
    let pages_text: Vec<String> = text.split('\u{c}').map(util::squash).filter(|p| !p.is_empty()).collect();
    assert_eq!(pages_text.len(), pages);
    assert!(pages_text[0].contains("试点工作进展审核报告") && pages_text[0].contains("截至2017年4月"));
    assert!(!pages_text[0].contains("—1—"), "no page number on the cover");
    assert!(pages_text[1].contains("—1—"), "numbering starts after the cover: {}", pages_text[1]);
    // Every page the table runs over starts with its header row.
    let table_pages: Vec<&String> = pages_text.iter().filter(|p| p.contains("地区0")).collect();
    assert!(table_pages.len() >= 2, "the table runs over pages");
    for (i, p) in table_pages.iter().enumerate() {
        assert!(p.contains("试点地区审核意见进度情况"), "header row on table page {i}: {p}");
        assert!(p.contains("排污许可管理试点审核报告"), "running header on table page {i}");
    }
}

/// The structure of a form document, one line per paragraph, table row and
/// cell: sizes, merges, alignment, fonts and text, without ids or order of
/// attributes that do not matter.
fn structure(xml: &str) -> String {
    let body = &xml[xml.find("<w:body>").expect("body")..];
    let mut out = String::new();
    let mut rest = body;
    loop {
        let p = rest.find("<w:p>").or_else(|| rest.find("<w:p "));
        let t = rest.find("<w:tbl>");
        let sect = rest.find("<w:sectPr");
        let next = [p, t, sect].into_iter().flatten().min();
        let Some(at) = next else { break };
        rest = &rest[at..];
        if Some(at) == sect && p.is_none_or(|p| p > at) && t.is_none_or(|t| t > at) {
            let s = elements(rest, "w:sectPr")[0];
            let get = |open: &str, a: &str| attr(s, open, a).unwrap_or_default();
            out.push_str(&format!(
                "page {}x{} margins {} {} {} {}\n",
                get("<w:pgSz ", "w:w"),
                get("<w:pgSz ", "w:h"),
                get("<w:pgMar ", "w:top"),
                get("<w:pgMar ", "w:right"),
                get("<w:pgMar ", "w:bottom"),
                get("<w:pgMar ", "w:left")
            ));
            break;
        }
        if rest.starts_with("<w:tbl>") {
            let tbl = elements(rest, "w:tbl")[0];
            let grid: Vec<String> = tbl
                .split("<w:gridCol ")
                .skip(1)
                .map(|c| attr(&format!("<w:gridCol {c}"), "<w:gridCol ", "w:w").unwrap())
                .collect();
            out.push_str(&format!(
                "table width {} grid {}\n",
                attr(tbl, "<w:tblW ", "w:w").unwrap(),
                grid.join(" ")
            ));
            for tr in elements(tbl, "w:tr") {
                out.push_str(&format!(
                    "  row {} {}{}\n",
                    attr(tr, "<w:trHeight ", "w:val").unwrap_or_default(),
                    attr(tr, "<w:trHeight ", "w:hRule").unwrap_or_default(),
                    if tr.contains("<w:tblHeader") { " header" } else { "" }
                ));
                for tc in elements(tr, "w:tc") {
                    out.push_str(&format!(
                        "    cell span {} vmerge {} jc {} font {} size {} {:?}\n",
                        attr(tc, "<w:gridSpan ", "w:val").unwrap_or("1".into()),
                        attr(tc, "<w:vMerge ", "w:val").unwrap_or("-".into()),
                        attr(tc, "<w:jc ", "w:val").unwrap_or_default(),
                        attr(tc, "<w:rFonts ", "w:eastAsia").unwrap_or_default(),
                        attr(tc, "<w:sz ", "w:val").unwrap_or_default(),
                        texts(tc)
                    ));
                }
            }
            rest = &rest[tbl.len()..];
        } else {
            let para = elements(rest, "w:p")[0];
            let stops = elements(para, "w:tabs").first().copied().unwrap_or_default();
            let tabs: Vec<String> = stops
                .split("<w:tab ")
                .skip(1)
                .map(|t| {
                    let t = format!("<w:tab {t}");
                    format!(
                        "{}@{}",
                        attr(&t, "<w:tab ", "w:val").unwrap(),
                        attr(&t, "<w:tab ", "w:pos").unwrap()
                    )
                })
                .collect();
            out.push_str(&format!(
                "para jc {} font {} size {} tabs [{}] {:?}\n",
                attr(para, "<w:jc ", "w:val").unwrap_or_default(),
                attr(para, "<w:rFonts ", "w:eastAsia").unwrap_or_default(),
                attr(para, "<w:sz ", "w:val").unwrap_or_default(),
                tabs.join(" "),
                texts(para)
            ));
            rest = &rest[para.len()..];
        }
    }
    out
}

/// Compares `actual` with tests/golden/`name`; UPDATE_GOLDEN=1 rewrites it.
fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden file {name}: run with UPDATE_GOLDEN=1"));
    for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        assert_eq!(a, e, "{name} line {}", i + 1);
    }
    assert_eq!(actual.lines().count(), expected.lines().count(), "{name}: number of lines");
}

#[test]
fn golden_blank_form_structure() {
    let t = templates();
    for (name, kind) in
        [("docx_plan_blank.txt", FormKind::Plan), ("docx_progress_blank.txt", FormKind::Progress)]
    {
        let g = layout(t.form(kind), &t.registry, FormInstance { region: None, period: None });
        golden(name, &structure(&document_xml(&docx::render(&g).unwrap())));
    }
}

/// Writes sample documents to DOCX_DUMP for looking at them by eye.
#[test]
#[ignore]
fn dump_samples() {
    let Some(dir) = std::env::var_os("DOCX_DUMP") else { return };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    write(&dir, "plan.docx", &docx::render(&grid(FormKind::Plan, &longest_schedule())).unwrap());
    write(&dir, "progress.docx", &docx::render(&grid(FormKind::Progress, &longest_tasks())).unwrap());
    write(&dir, "report.docx", &docx::render_document(&long_document()).unwrap());
    let letter = Document {
        cover_page: false,
        orientation: Orientation::Landscape,
        font_size: 0.0,
        ..long_document()
    };
    write(&dir, "letter.docx", &docx::render_document(&letter).unwrap());
    let t = templates();
    for (name, kind) in [("blank_plan.docx", FormKind::Plan), ("blank_progress.docx", FormKind::Progress)] {
        let g = layout(t.form(kind), &t.registry, FormInstance { region: None, period: None });
        write(&dir, name, &docx::render(&g).unwrap());
    }
}

/// Renders every form (plans, progress months, blanks) once and prints the
/// time and the median size. Run in release:
/// `cargo test --release --test main docx::measure -- --ignored --nocapture`.
#[test]
#[ignore]
fn measure_all_forms() {
    let t = templates();
    let r = &t.registry;
    let mut grids = Vec::new();
    for (id, _) in r.regions() {
        grids.push(layout(t.form(FormKind::Plan), r, FormInstance { region: Some(id), period: None }));
        for m in r.progress_months(id) {
            grids.push(layout(
                t.form(FormKind::Progress),
                r,
                FormInstance { region: Some(id), period: Some(m) },
            ));
        }
    }
    for kind in FormKind::ALL {
        grids.push(layout(t.form(kind), r, FormInstance { region: None, period: None }));
    }
    let start = std::time::Instant::now();
    let mut sizes: Vec<usize> = grids.iter().map(|g| docx::render(g).unwrap().len()).collect();
    let elapsed = start.elapsed();
    sizes.sort_unstable();
    println!(
        "{} forms as docx in {:.1} ms ({:.2} ms each, one thread); median {} bytes, min {}, max {}",
        sizes.len(),
        elapsed.as_secs_f64() * 1000.0,
        elapsed.as_secs_f64() * 1000.0 / sizes.len() as f64,
        sizes[sizes.len() / 2],
        sizes[0],
        sizes[sizes.len() - 1]
    );
}
