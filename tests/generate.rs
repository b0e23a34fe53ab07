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

        let validations = tags(&sheet, "dataValidation");
        if kind == FormKind::Progress {
            let status = grid.cell_of(Field::Status).unwrap();
            let first = xlsx::cell_ref(status.row, status.col);
            assert_eq!(validations.len(), 1);
            let v = validations[0];
            assert_eq!(attr(v, "type"), Some("list"));
            assert!(attr(v, "sqref").unwrap().starts_with(&first), "dropdown not on {first}: {v}");
            assert!(v.contains("\"超前,如期,滞后\""), "{v}");
        } else {
            assert!(validations.is_empty());
        }
        // Printable: A4 portrait, fit to one page wide, print area set.
        assert!(sheet.contains("paperSize=\"9\"") && sheet.contains("orientation=\"portrait\""));
        assert!(sheet.contains("fitToHeight=\"0\""), "not fitted to page width");
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
    let (code, _, err) = run(&[
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
    assert!(err.contains("已生成 1 份表格"), "{err}");
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
