//! generate: xlsx forms read back with calamine, their protection and
//! dropdown checked in the package XML, and opened by LibreOffice.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{open_workbook_auto, Data, Reader, SheetVisible};
use permit_forms::form::{layout, CellKind, Field, FormInstance, Grid};
use permit_forms::generate::{self, FormJob, GenerateOptions};
use permit_forms::render::{xlsx, Format};
use permit_forms::{FormKind, Period};

use crate::util::{self, templates};

fn options(out: &Path, formats: &[Format]) -> GenerateOptions {
    GenerateOptions {
        out: out.to_path_buf(),
        formats: formats.to_vec(),
        kinds: FormKind::ALL.to_vec(),
        regions: Vec::new(),
        periods: Vec::new(),
        blanks: true,
    }
}

fn grid_of(job: &FormJob) -> Grid {
    let t = templates();
    layout(t.form(job.kind), &t.registry, job.instance)
}

fn zip_part(path: &Path, name: &str) -> String {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut s = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} missing in {}", path.display()))
        .read_to_string(&mut s)
        .unwrap();
    s
}

/// `attr="value"` inside one XML start tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(&tag[start..end])
}

/// Every start tag `<name ...>` (or self-closed) in `xml`, with the text up to
/// the matching close for container tags.
fn tags<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name} ");
    let open_bare = format!("<{name}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open).or_else(|| rest.find(&open_bare)) {
        let tail = &rest[i..];
        let close = format!("</{name}>");
        let end = match (tail.find("/>"), tail.find('>'), tail.find(&close)) {
            (Some(sc), Some(gt), _) if sc + 1 == gt => gt + 1,
            (_, _, Some(c)) => c + close.len(),
            (_, Some(gt), None) => gt + 1,
            _ => tail.len(),
        };
        out.push(&tail[..end]);
        rest = &tail[end..];
    }
    out
}

#[test]
fn every_xlsx_reads_back_with_prefill_and_identity() {
    let t = templates();
    let dir = util::tempdir();
    let opts = options(dir.path(), &[Format::Xlsx]);
    let summary = generate::generate(t, &opts, &|| {}).unwrap();
    assert_eq!(summary.forms, 293 + 2, "21 附2 + 272 附3 + 2 blanks");
    let jobs = generate::plan_jobs(t, &opts).unwrap();
    assert_eq!(jobs.iter().filter(|j| j.kind == FormKind::Plan && j.instance.region.is_some()).count(), 21);
    assert_eq!(
        jobs.iter().filter(|j| j.kind == FormKind::Progress && j.instance.region.is_some()).count(),
        272
    );

    for job in &jobs {
        let rel = generate::file_name(t, job, Format::Xlsx);
        let path = dir.path().join(&rel);
        let grid = grid_of(job);
        let mut wb = open_workbook_auto(&path).unwrap_or_else(|e| panic!("{}: {e}", rel.display()));
        let range = wb.worksheet_range(&grid.sheet).unwrap();
        let at = |field: Field| -> String {
            let cell = grid.cell_of(field).unwrap();
            let pos = (cell.row as u32 + xlsx::TABLE_ORIGIN_ROW, cell.col as u32);
            match range.get_value(pos) {
                Some(Data::String(s)) => s.clone(),
                Some(Data::Empty) | None => String::new(),
                Some(other) => panic!("{}: {field:?} holds {other:?}", rel.display()),
            }
        };
        let meta = wb.sheets_metadata().iter().find(|s| s.name == xlsx::META_SHEET).cloned();
        let meta = meta.unwrap_or_else(|| panic!("{}: no identity sheet", rel.display()));
        assert_eq!(meta.visible, SheetVisible::VeryHidden, "{}", rel.display());
        let ident = wb.worksheet_range(xlsx::META_SHEET).unwrap();
        let pairs: BTreeMap<String, String> = ident
            .rows()
            .map(|r| (r[0].to_string(), r.get(1).map(|d| d.to_string()).unwrap_or_default()))
            .collect();
        assert_eq!(pairs["form"], job.kind.id());
        let props = wb.workbook_properties().unwrap().custom_properties;
        assert_eq!(props.get("permit-forms.form").map(String::as_str), Some(job.kind.id()));
        match job.instance.region {
            Some(r) => {
                let name = &t.registry.region(r).name;
                assert_eq!(&at(Field::Region), name, "{}", rel.display());
                assert_eq!(at(Field::Tasks), t.registry.tasks_text(r), "{}", rel.display());
                assert_eq!(&pairs["region"], name);
                assert_eq!(props.get("permit-forms.region"), Some(name));
                assert!(rel.starts_with(name), "{} not in its region's folder", rel.display());
            }
            None => {
                assert_eq!(at(Field::Region), "");
                assert_eq!(pairs["region"], "");
            }
        }
        if let Some(m) = job.instance.period {
            assert_eq!(at(Field::Period), m.label_zh());
            assert_eq!(pairs["period"], m.to_string());
            assert!(rel.to_string_lossy().ends_with(&format!("{}年{:02}月.xlsx", m.year, m.month)));
        }
        if job.kind == FormKind::Plan {
            // Exactly the region's schedule rows, in order.
            let col = grid.cell_of(Field::SchedulePeriod).unwrap().col as u32;
            let labels: Vec<String> = grid
                .cells
                .iter()
                .filter(|c| c.field == Some(Field::SchedulePeriod))
                .map(|c| range.get_value((c.row as u32 + xlsx::TABLE_ORIGIN_ROW, col)).unwrap().to_string())
                .collect();
            let want: Vec<String> = match job.instance.region {
                Some(r) => t.registry.plan_periods(r).iter().map(|p| p.label_zh()).collect(),
                None => vec![String::new(); t.plan.blank_rows],
            };
            assert_eq!(labels, want, "{}", rel.display());
        }
    }
}

#[test]
fn inputs_unlocked_layout_locked_and_status_dropdown() {
    let t = templates();
    let dir = util::tempdir();
    let hebei = t.registry.region_by_name("河北省").unwrap();
    for (kind, period) in
        [(FormKind::Progress, Some(Period::month(2017, 4).unwrap())), (FormKind::Plan, None)]
    {
        let instance = FormInstance { region: Some(hebei), period: period.and_then(Period::as_month) };
        let grid = layout(t.form(kind), &t.registry, instance);
        let path = dir.path().join(format!("{}.xlsx", kind.id()));
        std::fs::write(&path, xlsx::render(&grid).unwrap()).unwrap();

        let styles = zip_part(&path, "xl/styles.xml");
        let cell_xfs = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
        let locked: Vec<bool> = tags(cell_xfs, "xf").iter().map(|xf| !xf.contains("locked=\"0\"")).collect();
        let sheet = zip_part(&path, "xl/worksheets/sheet1.xml");
        let style_of: BTreeMap<String, usize> = tags(&sheet, "c")
            .iter()
            .map(|c| (attr(c, "r").unwrap().to_string(), attr(c, "s").map_or(0, |s| s.parse().unwrap())))
            .collect();
        let mut inputs = 0;
        for cell in &grid.cells {
            let r = xlsx::cell_ref(cell.row, cell.col);
            let s = *style_of.get(&r).unwrap_or_else(|| panic!("{r} not written"));
            let want_locked = cell.kind != CellKind::Input;
            assert_eq!(locked[s], want_locked, "{kind:?} {r} ({:?}) lock", cell.field);
            inputs += usize::from(!want_locked);
        }
        assert!(inputs >= 8, "{kind:?}: only {inputs} input cells");
        let protection = tags(&sheet, "sheetProtection");
        assert_eq!(protection.len(), 1, "sheet protection missing");
        assert!(attr(protection[0], "password").is_none() && attr(protection[0], "hashValue").is_none());

        let all = tags(&sheet, "dataValidation");
        // Every input with a capacity tells the clerk its limit on entry and
        // warns past it.
        let (lists, lengths): (Vec<&str>, Vec<&str>) =
            all.iter().partition(|v| attr(v, "type") == Some("list"));
        let capacities: Vec<&permit_forms::form::GridCell> =
            grid.cells.iter().filter(|c| c.capacity > 0 && c.kind == CellKind::Input).collect();
        assert_eq!(lengths.len(), capacities.len(), "{kind:?}: {lengths:?}");
        for c in &capacities {
            let at = xlsx::cell_ref(c.row, c.col);
            let v =
                lengths.iter().find(|v| attr(v, "sqref").unwrap().starts_with(&format!("{at}:"))).unwrap();
            assert_eq!(attr(v, "type"), Some("textLength"), "{v}");
            assert!(v.contains(&format!("<formula1>{}</formula1>", c.capacity)), "{v}");
            assert!(
                attr(v, "promptTitle").is_some()
                    && attr(v, "prompt").unwrap().contains(&c.capacity.to_string())
            );
            assert_eq!(attr(v, "errorStyle"), Some("warning"), "{v}");
        }
        let validations = lists;
        if kind == FormKind::Progress {
            let status = grid.cell_of(Field::Status).unwrap();
            let first = xlsx::cell_ref(status.row, status.col);
            assert_eq!(validations.len(), 1);
            let v = validations[0];
            assert_eq!(attr(v, "type"), Some("list"));
            assert!(attr(v, "sqref").unwrap().starts_with(&first), "dropdown not on {first}: {v}");
            // Each choice ticked among the others, so the print shows them all;
            // other ways of marking are allowed with a warning, not refused.
            assert!(v.contains("\"■超前　□如期　□滞后,□超前　■如期　□滞后,□超前　□如期　■滞后\""), "{v}");
            assert_eq!(attr(v, "errorStyle"), Some("warning"), "{v}");
            let shown = grid.cell_of(Field::Status).unwrap();
            assert_eq!(shown.text, "□超前　□如期　□滞后", "the blank status shows its options");
        } else {
            assert!(validations.is_empty());
        }
        // Printable: A4 portrait, fit to one page wide, print area set; a
        // 附3 one page high, a 附2 as long as it runs, its title repeated.
        assert!(sheet.contains("paperSize=\"9\"") && sheet.contains("orientation=\"portrait\""));
        assert!(sheet.contains("fitToPage=\"1\""), "not fitted to the page");
        if grid.page.one_page {
            assert!(!sheet.contains("fitToHeight=\"0\""), "fitted to the width only: may print on two pages");
        } else {
            assert!(sheet.contains("fitToHeight=\"0\""), "a 附2 runs on as long as it needs");
        }
        let workbook = zip_part(&path, "xl/workbook.xml");
        assert!(workbook.contains("_xlnm.Print_Area"), "no print area");
    }
}

#[test]
fn output_is_deterministic() {
    let t = templates();
    let (a, b) = (util::tempdir(), util::tempdir());
    let mut opts = options(a.path(), &[Format::Xlsx]);
    opts.regions = vec![t.registry.region_by_name("济宁市").unwrap()];
    opts.blanks = false;
    let first = generate::generate(t, &opts, &|| {}).unwrap();
    opts.out = b.path().to_path_buf();
    generate::generate(t, &opts, &|| {}).unwrap();
    assert_eq!(first.files.len(), 35);
    for rel in &first.files {
        assert_eq!(
            std::fs::read(a.path().join(rel)).unwrap(),
            std::fs::read(b.path().join(rel)).unwrap(),
            "{}",
            rel.display()
        );
    }
}

#[test]
fn libreoffice_opens_and_converts_generated_xlsx() {
    let t = templates();
    let dir = util::tempdir();
    let jining = t.registry.region_by_name("济宁市").unwrap();
    let cases = [
        (FormKind::Plan, FormInstance { region: Some(jining), period: None }),
        (
            FormKind::Progress,
            FormInstance { region: Some(jining), period: Period::month(2018, 5).and_then(Period::as_month) },
        ),
    ];
    for (kind, instance) in cases {
        let job = FormJob { kind, instance };
        let path = dir.path().join(generate::file_name(t, &job, Format::Xlsx));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, xlsx::render(&grid_of(&job)).unwrap()).unwrap();
        let pdf = util::soffice_convert(&path, "pdf", &dir.path().join("pdf"));
        let text = util::squash(&util::pdf_text(&pdf));
        assert!(text.contains("济宁市"), "{kind:?}: region missing from LibreOffice PDF");
        assert!(text.contains(&t.form(kind).title), "{kind:?}: title missing");
        assert!(text.contains("流域排污许可管理"), "{kind:?}: tasks missing");
    }
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_permit-forms"))
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin()).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn cli_usage_errors_exit_2_with_one_line() {
    let dir = util::tempdir();
    let out = dir.path().to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["generate", "--out", out, "--region", "广东省"], "未知的试点地区“广东省”。可选：北京市、"),
        (
            &["generate", "--out", out, "--region", "河北", "--period", "2018-05"],
            "不在 河北省 的报送期内。可选月份：2017-03 至 2017-10",
        ),
        (&["generate", "--out", out, "--format", "odt"], "未知的输出格式“odt”"),
        (&["generate", "--out", out, "--period", "2017-4"], "应为 YYYY-MM"),
        (&["generate"], "--out"),
    ];
    for (args, want) in cases {
        let (code, _, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: not one line: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "a usage error wrote files");
}

#[test]
fn cli_generates_selected_region_and_month_with_aliases() {
    let dir = util::tempdir();
    let out = dir.path().to_str().unwrap();
    let (code, said, err) = run(&[
        "generate",
        "--out",
        out,
        "--format",
        "xlsx",
        "--region",
        "广西区",
        "--period",
        "2017-05",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    let files: Vec<_> = util::walk(dir.path());
    assert_eq!(
        files,
        vec!["广西壮族自治区/附3_试点工作进展表_广西壮族自治区_2017年05月.xlsx".to_string()],
        "{err}"
    );
    assert!(said.contains("已生成 1 份表格"), "{said}");
}

#[test]
fn templates_export_then_load_edited_copy() {
    let dir = util::tempdir();
    let tdir = dir.path().join("模板");
    let (code, _, err) = run(&["templates", "export", tdir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    // Edit: rename a label; generate must use it.
    let prog = tdir.join("forms/progress.toml");
    let text = std::fs::read_to_string(&prog)
        .unwrap()
        .replace("label = \"月度实际进展\"", "label = \"本月实际进展\"");
    std::fs::write(&prog, text).unwrap();
    let out = dir.path().join("out");
    let (code, _, err) = run(&[
        "generate",
        "--templates",
        tdir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "xlsx",
        "--region",
        "河北省",
        "--period",
        "2017-04",
    ]);
    assert_eq!(code, 0, "{err}");
    let file = out.join("河北省/附3_试点工作进展表_河北省_2017年04月.xlsx");
    let mut wb = open_workbook_auto(&file).unwrap();
    let range = wb.worksheet_range("附3 试点工作进展表").unwrap();
    assert!(range.used_cells().any(|(_, _, d)| *d == "本月实际进展"));
    // A broken edit is refused with file and line.
    let reg = tdir.join("registry.toml");
    let text = std::fs::read_to_string(&reg).unwrap().replacen("lead = [\"河北省\"]", "lead = [\"河北\"]", 1);
    std::fs::write(&reg, text).unwrap();
    let (code, _, err) =
        run(&["generate", "--templates", tdir.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("registry.toml:") && err.contains("不在地区列表中"), "{err}");
}

#[test]
fn cli_without_a_command_says_so_in_one_line() {
    for args in [&[][..], &["templates"][..]] {
        let (code, _, err) = run(args);
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains("缺少命令"), "{err}");
    }
}

/// The layout itself, as text: page rule, scale, where pages break, each
/// row's height and held height, each cell's place, kind, field and text.
fn grid_dump(g: &Grid) -> String {
    let mut s = format!(
        "# {} {}: page {:.1}x{:.1} pt, margins top {:.1} side {:.1} bottom {:.1}, one_page {}\n",
        g.mark, g.title, g.page.width, g.page.height, g.page.top, g.page.side, g.page.bottom, g.page.one_page
    );
    s.push_str(&format!("scale {:.4}\ncolumns {:?}\n", g.scale, g.columns));
    for (i, p) in g.pages.iter().enumerate() {
        s.push_str(&format!("page {}: rows {}..{}\n", i + 1, p.first, p.end));
    }
    for (r, row) in g.rows.iter().enumerate() {
        s.push_str(&format!(
            "row {r}: height {:.1} hold {:.1}{}\n",
            row.height,
            row.hold,
            if row.border { "" } else { " footer" }
        ));
        for c in g.cells.iter().filter(|c| c.row == r) {
            let text: String = c.text.replace('\n', "⏎").chars().take(24).collect();
            s.push_str(&format!(
                "  cell r{} c{} {}x{} {:?} {} {:?} cap {} “{text}”\n",
                c.row,
                c.col,
                c.rows,
                c.cols,
                c.kind,
                c.field.map(|f| f.path()).unwrap_or_default(),
                c.align,
                c.capacity
            ));
        }
    }
    s
}

#[test]
fn grid_layout_matches_golden() {
    let t = templates();
    let id = |n: &str| t.registry.region_by_name(n);
    let cases = [
        ("grid_plan_blank.txt", FormKind::Plan, FormInstance { region: None, period: None }),
        ("grid_progress_blank.txt", FormKind::Progress, FormInstance { region: None, period: None }),
        ("grid_plan_jining.txt", FormKind::Plan, FormInstance { region: id("济宁市"), period: None }),
        (
            "grid_progress_hebei_2017-04.txt",
            FormKind::Progress,
            FormInstance {
                region: id("河北省"), period: Period::month(2017, 4).and_then(Period::as_month)
            },
        ),
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    for (file, kind, inst) in cases {
        let dump = grid_dump(&layout(t.form(kind), &t.registry, inst));
        let path = dir.join(file);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &dump).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
        for (i, (a, b)) in want.lines().zip(dump.lines()).enumerate() {
            assert_eq!(b, a, "{file} line {}: layout differs from the reviewed golden file", i + 1);
        }
        assert_eq!(dump.lines().count(), want.lines().count(), "{file}: number of lines");
    }
}

/// Every generated form is one page in our PDF (counted by lopdf), and the
/// layout says so: blank, pre-filled, every region and month.
#[test]
fn every_generated_pdf_is_one_page() {
    let t = templates();
    let dir = util::tempdir();
    let opts = options(dir.path(), &[Format::Pdf]);
    let summary = generate::generate(t, &opts, &|| {}).unwrap();
    assert_eq!(summary.files.len(), 295);
    for rel in &summary.files {
        let doc = lopdf::Document::load(dir.path().join(rel)).unwrap();
        assert_eq!(doc.get_pages().len(), 1, "{} is not one page", rel.display());
    }
    for job in generate::plan_jobs(t, &opts).unwrap() {
        let g = grid_of(&job);
        assert_eq!(g.pages.len(), 1, "{:?}", job);
        assert!(g.scale * g.font_size >= 9.0 - 1e-3, "{job:?} prints below 9 pt: scale {}", g.scale);
    }
}

/// About `n` characters of a clerk's prose without line breaks, ending with
/// the sentence `last` (the PDF tests' filler text).
fn prose(n: usize, last: &str) -> String {
    crate::pdf::long_text(n, last)
}

/// The sample of the issue: one 附2 per window and the blank, three 附3.
fn sample_jobs() -> Vec<FormJob> {
    let t = templates();
    let id = |n: &str| t.registry.region_by_name(n);
    let month = |y, m| Period::month(y, m).and_then(Period::as_month);
    let job = |kind, region, period| FormJob { kind, instance: FormInstance { region, period } };
    vec![
        job(FormKind::Plan, id("河北省"), None),
        job(FormKind::Plan, id("济宁市"), None),
        job(FormKind::Plan, None, None),
        job(FormKind::Progress, None, None),
        job(FormKind::Progress, id("济宁市"), month(2018, 5)),
        job(FormKind::Progress, id("河北省"), month(2017, 4)),
    ]
}

fn render_to(dir: &Path, name: &str, grid: &Grid, format: Format) -> PathBuf {
    let bytes = match format {
        Format::Xlsx => xlsx::render(grid).unwrap(),
        Format::Docx => permit_forms::render::docx::render(grid).unwrap(),
        Format::Pdf => {
            permit_forms::render::pdf::PdfRenderer::new(templates()).unwrap().render(grid).unwrap()
        }
    };
    let path = dir.join(format!("{name}.{}", format.ext()));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn libreoffice_prints_sample_blank_forms_on_one_page() {
    let dir = util::tempdir();
    for (i, job) in sample_jobs().iter().enumerate() {
        let g = grid_of(job);
        for format in [Format::Xlsx, Format::Docx] {
            let path = render_to(dir.path(), &format!("f{i}"), &g, format);
            let pdf = util::soffice_convert(&path, "pdf", &dir.path().join(format.ext()));
            // The xlsx of a watershed 附2 holds 150 characters in each of its
            // twelve rows and continues on a second page (see
            // `xlsx_forms_print_at_9_pt_within_the_printable_width`).
            let pages = if format == Format::Xlsx { g.pages.len().max(xlsx_pages(&g)) } else { 1 };
            assert_eq!(
                util::pdf_pages(&pdf),
                pages,
                "{job:?} as {format:?} prints on {} pages",
                util::pdf_pages(&pdf)
            );
            let text = util::squash(&util::pdf_text(&pdf));
            assert!(text.contains("填报时间"), "{job:?} {format:?}: footer missing");
            if job.kind == FormKind::Progress {
                assert!(text.contains("□超前□如期□滞后"), "{job:?} {format:?}: status options not printed");
            }
        }
    }
}

#[test]
fn filled_progress_at_capacity_prints_every_long_field_on_one_page() {
    let dir = util::tempdir();
    let caps = [
        (Field::Planned, 400, "安排到此为止"),
        (Field::Actual, 600, "进展到此为止"),
        (Field::DelayReason, 300, "原因到此为止"),
        (Field::Difficulties, 300, "困难到此为止"),
    ];
    for (i, job) in sample_jobs().iter().filter(|j| j.kind == FormKind::Progress).enumerate() {
        let mut g = grid_of(job);
        for (field, n, _) in caps {
            assert!(g.cell_of(field).unwrap().capacity >= n, "{field:?} promises less than {n}");
        }
        let mut values = permit_forms::fill::FillValues::default();
        for (field, n, last) in caps {
            values.values.insert(field, prose(n, last));
        }
        values.values.insert(Field::Status, "滞后".into());
        permit_forms::fill::fill_grid(&mut g, &values);
        assert_eq!(g.pages.len(), 1, "{job:?}: filled at capacity, laid out on one page");
        for format in Format::ALL {
            let path = render_to(dir.path(), &format!("filled{i}"), &g, format);
            let pdf = match format {
                Format::Pdf => path,
                _ => util::soffice_convert(&path, "pdf", &dir.path().join(format.ext())),
            };
            assert_eq!(util::pdf_pages(&pdf), 1, "{job:?} filled, as {format:?}: not one page");
            let text = util::squash(&util::pdf_text_raw(&pdf, None));
            for (field, _, last) in caps {
                assert!(text.contains(last), "{job:?} as {format:?}: the end of {field:?} is not printed");
            }
            assert!(text.contains("□超前□如期■滞后"), "{job:?} as {format:?}: the choice is not shown");
        }
    }
}

/// Every pre-filled task, site, region and deadline sentence is the seed's
/// own wording: found verbatim in the work plan (tests/fixtures/seed).
#[test]
fn prefilled_wording_is_found_in_the_seed() {
    let seed = util::squash(include_str!("fixtures/seed/pilot_plan.txt"));
    let t = templates();
    let reg = &t.registry;
    let mut checked = 0;
    for (id, region) in reg.regions() {
        assert!(seed.contains(&region.name), "region {} is not in the seed", region.name);
        for (task, _) in reg.tasks_of(id) {
            let task = reg.task(task);
            assert!(seed.contains(&task.name), "task {} is not in the seed", task.name);
            for site in &task.sites {
                assert!(seed.contains(site.as_str()), "site {site} is not in the seed");
            }
            for m in &task.milestones {
                // The clause itself, word for word; the seed writes it after
                // its date and, in places, a subject (试点省、市).
                assert!(
                    seed.contains(&util::squash(&m.text)),
                    "{}: “{}” is not the seed's wording",
                    task.name,
                    m.text
                );
                checked += 1;
            }
        }
        // The date phrases the pre-fill writes, except the one-month delays
        // that the seed gives as a rule (各时间节点后延1个月).
        let text = reg.tasks_text(id);
        for phrase in ["2017年3月底前", "6月底前", "9月底前", "2017年底前", "2018年", "2019年"]
        {
            let short = phrase.trim_start_matches("2017年");
            if text.contains(phrase) {
                assert!(seed.contains(short) || seed.contains(phrase), "{phrase} not in the seed");
            }
        }
    }
    assert!(checked > 40, "only {checked} sentences checked");
    // The watershed 2017 milestone keeps the seed's middle clause.
    let jining = reg.tasks_text(reg.region_by_name("济宁市").unwrap());
    assert!(jining.contains("基本整合衔接相关固定污染源环境管理制度"), "{jining}");
}

/// Pages the xlsx of `grid` prints on at 100 %: one, or as many as its
/// height needs (the title repeated on each).
fn xlsx_pages(grid: &Grid) -> usize {
    let p = crate::consolidate::printed(&xlsx::render(grid).unwrap(), 0);
    if p.content_height <= p.printable_height {
        1
    } else {
        let title = p.heights.iter().find(|(r, _)| *r == 1).map_or(0.0, |h| h.1);
        1 + ((p.content_height - p.printable_height) / (p.printable_height - title)).ceil() as usize
    }
}

/// The xlsx 附3 and every 附2 (blank and each region's), as Excel prints
/// them from their column widths, margins and fit-to-page: the columns
/// within A4's printable width, body text at 9 pt or more, a 附3 and an
/// industry 附2 on one page, a watershed 附2 on two with its title
/// repeated; LibreOffice prints the same page counts.
#[test]
fn xlsx_forms_print_at_9_pt_within_the_printable_width() {
    let t = templates();
    let month = Period::month(2017, 4).and_then(Period::as_month);
    let mut jobs = vec![
        FormJob { kind: FormKind::Plan, instance: FormInstance { region: None, period: None } },
        FormJob { kind: FormKind::Progress, instance: FormInstance { region: None, period: None } },
    ];
    for (id, _) in t.registry.regions() {
        jobs.push(FormJob {
            kind: FormKind::Plan,
            instance: FormInstance { region: Some(id), period: None },
        });
        jobs.push(FormJob {
            kind: FormKind::Progress,
            instance: FormInstance { region: Some(id), period: month },
        });
    }
    let mut two_pages = 0;
    for job in &jobs {
        let g = grid_of(job);
        let p = crate::consolidate::printed(&xlsx::render(&g).unwrap(), 0);
        assert!(
            p.content_width <= p.printable_width,
            "{job:?}: columns {:.1} pt, printable {:.1}",
            p.content_width,
            p.printable_width
        );
        let body = p.scale * p.least_font;
        assert!(body >= 9.0 - 1e-6, "{job:?} prints at {body:.2} pt: {p:?}");
        let pages = xlsx_pages(&g);
        let schedule = g.cells.iter().filter(|c| c.field == Some(Field::ScheduleArrangement)).count();
        match (job.kind, schedule) {
            (FormKind::Progress, _) => assert_eq!(pages, 1, "{job:?}"),
            (FormKind::Plan, n) if n > 8 => {
                assert_eq!(pages, 2, "{job:?}: watershed 附2 on {pages} pages");
                assert!(
                    p.titles.as_deref().is_some_and(|t| t.ends_with("$2:$2")),
                    "title not repeated: {p:?}"
                );
                two_pages += 1;
            }
            (FormKind::Plan, _) => assert_eq!(pages, 1, "{job:?}"),
        }
    }
    assert!(two_pages >= 1, "no watershed 附2 among the regions");
    // LibreOffice, as an independent client, prints the same, given
    // Calibri's metrics (the width unit of every xlsx column).
    let calibri = Command::new("fc-match")
        .arg("Calibri")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    assert!(
        calibri.as_deref().is_ok_and(|f| f.contains("Carlito")),
        "LibreOffice needs Carlito for Calibri's widths (apt-get install fonts-crosextra-carlito; scripts/test does): {calibri:?}"
    );
    let dir = util::tempdir();
    let id = |n: &str| t.registry.region_by_name(n);
    for (kind, region, period, want) in [
        (FormKind::Progress, id("河北省"), month, 1),
        (FormKind::Plan, id("河北省"), None, 1),
        (FormKind::Plan, id("济宁市"), None, 2),
    ] {
        let g = grid_of(&FormJob { kind, instance: FormInstance { region, period } });
        let path = render_to(dir.path(), &format!("{}{}", kind.id(), want), &g, Format::Xlsx);
        let pdf = util::soffice_convert(&path, "pdf", &dir.path().join("pdf"));
        assert_eq!(
            util::pdf_pages(&pdf),
            want,
            "{kind:?} {region:?} prints on {} pages",
            util::pdf_pages(&pdf)
        );
        if want == 2 {
            let second = util::squash(&util::pdf_text_raw(&pdf, Some(2)));
            assert!(second.contains(&g.title), "the second page repeats the title: {second}");
        }
    }
}

/// A 600-character 月度实际进展 written as items, one per line, shows whole
/// in the xlsx 附3: its row is as high as its lines at the printed size, and
/// LibreOffice prints every item on the one page.
#[test]
fn an_itemised_600_character_progress_shows_whole_in_the_xlsx() {
    let t = templates();
    let job = FormJob {
        kind: FormKind::Progress,
        instance: FormInstance {
            region: t.registry.region_by_name("河北省"),
            period: Period::month(2017, 4).and_then(Period::as_month),
        },
    };
    let mut g = grid_of(&job);
    let text = crate::consolidate::itemised(600, "进展到此为止");
    assert_eq!(text.chars().filter(|c| *c != '\n').count(), 600);
    let items = text.lines().count();
    let mut values = permit_forms::fill::FillValues::default();
    values.values.insert(Field::Actual, text.clone());
    permit_forms::fill::fill_grid(&mut g, &values);
    let bytes = xlsx::render(&g).unwrap();
    let p = crate::consolidate::printed(&bytes, 0);
    assert!((p.scale - 1.0).abs() < 1e-9, "shrunk to {}", p.scale);
    let cell = g.cell_of(Field::Actual).unwrap().clone();
    let row = cell.row as u32 + xlsx::TABLE_ORIGIN_ROW;
    let height = p.heights.iter().find(|(r, _)| *r == row).unwrap().1;
    // The cell as printed: the layout's width times its scale, at the body size.
    let size = p.least_font;
    let width = g.cell_width(&cell) * g.scale;
    let lines = permit_forms::form::layout::lines_needed(&text, width, size as f32);
    assert!(lines >= items, "{lines} lines for {items} items");
    let need = lines as f32 * size as f32 * permit_forms::form::layout::HOLD_LINE_HEIGHT;
    assert!(height as f32 >= need, "row {} is {height} pt, its {lines} lines need {need:.1}", row + 1);
    let dir = util::tempdir();
    let path = dir.path().join("itemised.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let pdf = util::soffice_convert(&path, "pdf", &dir.path().join("pdf"));
    assert_eq!(util::pdf_pages(&pdf), 1);
    let printed = util::squash(&util::pdf_text_raw(&pdf, None));
    for item in text.lines() {
        assert!(printed.contains(&util::squash(item)), "not printed: {item}");
    }
}
