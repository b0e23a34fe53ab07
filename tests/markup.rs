//! Marked-up returns and provenance: the sample returns with findings come
//! back as their official form with each finding's cell filled and noted,
//! read back (calamine, LibreOffice) as the same record with the same
//! findings, and clean once the flagged cells are corrected; every field a
//! record reads names the cell it came from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, Reader};
use permit_forms::fill::{fill_grid, sample_values, FillValues};
use permit_forms::form::{layout, CellKind, Field, FormInstance, Grid, PersonPart, PersonRole};
use permit_forms::ingest::{ingest_bytes, ingest_paths, IngestOptions};
use permit_forms::markup::{self, parse_a1, ERROR_FILL, WARNING_FILL};
use permit_forms::registry::RegionKind;
use permit_forms::render::{pdf::PdfRenderer, xlsx};
use permit_forms::report::write_feedback;
use permit_forms::{FormKind, Record, Severity, YearMonth};
use rust_xlsxwriter::Workbook;

use crate::util::{self, templates};

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/returned")
}

/// The sample returns, ingested.
fn sample_records() -> Vec<Record> {
    let out = ingest_paths(templates(), &[samples_dir()], &IngestOptions::default());
    assert!(out.records.len() > 40, "samples give records");
    out.records
}

/// The record's fields that must survive a round trip (no source, cells,
/// issues or current flag).
fn fields(r: &Record) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap();
    let o = v.as_object_mut().unwrap();
    for k in ["source", "cells", "issues", "current"] {
        o.remove(k);
    }
    v
}

/// The per-file findings: reading one file back cannot repeat the
/// cross-checks between forms (asserted in crosscheck.rs).
fn rules(r: &Record) -> Vec<String> {
    let mut v: Vec<String> = r
        .issues
        .iter()
        .filter(|i| !i.rule.is_cross())
        .map(|i| format!("{:?} {}", i.severity, i.rule))
        .collect();
    v.sort();
    v
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The notes of the first sheet: A1 → text, read from the package's XML.
fn notes(bytes: &[u8]) -> BTreeMap<String, String> {
    let xml = util::zip_entry(bytes, "xl/comments1.xml");
    let mut out = BTreeMap::new();
    for part in xml.split("<comment ref=\"").skip(1) {
        let cell = part.split('"').next().unwrap().to_string();
        let body = part.split("</comment>").next().unwrap();
        let mut text = String::new();
        for t in body.split("<t").skip(1) {
            let inner = t.split_once('>').unwrap().1;
            text.push_str(&unescape(inner.split("</t>").next().unwrap()));
        }
        out.insert(cell, text);
    }
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    tag.split_once(&key).map(|(_, rest)| rest.split('"').next().unwrap().to_string())
}

/// The cell format (`<xf …>…</xf>`) of a cell of the first sheet.
fn xf_at(bytes: &[u8], a1: &str) -> Option<String> {
    let sheet = util::zip_entry(bytes, "xl/worksheets/sheet1.xml");
    let styles = util::zip_entry(bytes, "xl/styles.xml");
    let tag = sheet.split(&format!("<c r=\"{a1}\"")).nth(1)?.split('>').next()?.to_string();
    let xf: usize = attr(&tag, "s").map_or(0, |s| s.parse().unwrap());
    let xfs = styles.split("<cellXfs").nth(1)?.split("</cellXfs>").next()?;
    Some(xfs.split("<xf ").nth(xf + 1)?.to_string())
}

/// The solid fill (RRGGBB) of a cell of the first sheet, from the styles part.
fn fill_at(bytes: &[u8], a1: &str) -> Option<String> {
    let styles = util::zip_entry(bytes, "xl/styles.xml");
    let xf_tag = xf_at(bytes, a1)?.split('>').next()?.to_string();
    let fill_id: usize = attr(&xf_tag, "fillId").map_or(0, |s| s.parse().unwrap());
    let fills = styles.split("<fills").nth(1)?.split("</fills>").next()?;
    let fill = fills.split("<fill>").nth(fill_id + 1)?;
    let fg = fill.split("<fgColor").nth(1)?;
    attr(fg, "rgb").map(|rgb| rgb[rgb.len() - 6..].to_string())
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("{r:02X}{g:02X}{b:02X}")
}

/// What the note of a finding must say: severity and message, without the
/// original sheet's `第N行 ` (the note sits on the cell itself).
fn expected_note(i: &permit_forms::Issue) -> String {
    let msg = match i.message.split_once("行 ") {
        Some((head, rest)) if head.starts_with('第') && head[3..].chars().all(|c| c.is_ascii_digit()) => {
            rest
        }
        _ => i.message.as_str(),
    };
    format!("{}：{msg}", i.severity.label_zh())
}

/// Row number of an A1 address.
fn row_of(a1: &str) -> u32 {
    parse_a1(a1).unwrap().0
}

#[test]
fn marked_up_samples_carry_each_finding_and_read_back_alike() {
    let t = templates();
    let records = sample_records();
    let dir = util::tempdir();
    let written = markup::write_marked_up(t, &records, dir.path()).unwrap();
    let with_findings: Vec<usize> = (0..records.len())
        .filter(|&i| records[i].current && !markup::sent_back(&records[i]).issues.is_empty())
        .collect();
    assert_eq!(written.iter().map(|(i, _)| *i).collect::<Vec<_>>(), with_findings);
    // Lateness alone sends nothing back (the 通报 reports it).
    assert!(written.len() >= 5, "the samples have at least 5 returns with findings to send back");
    for (i, rel) in &written {
        let orig = &markup::sent_back(&records[*i]);
        let name = rel.to_string_lossy();
        assert!(name.ends_with("_请修改.xlsx"), "{name}");
        assert!(name.starts_with(orig.region.as_deref().unwrap()), "{name} in the region's folder");
        let bytes = std::fs::read(dir.path().join(rel)).unwrap();
        let back = ingest_bytes(t, &name, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back.len(), 1, "{name}: one form, the list sheet is not taken for one");
        let back = &back[0];
        assert_eq!(fields(back), fields(orig), "{name}: fields differ from {}", orig.source.file);
        assert_eq!(rules(back), rules(orig), "{name}: findings differ");

        let notes = notes(&bytes);
        for issue in &orig.issues {
            let want = expected_note(issue);
            let cell = match issue.field.as_str() {
                "schedule" => {
                    let (cell, _) = notes
                        .iter()
                        .find(|(_, n)| n.contains(&want))
                        .unwrap_or_else(|| panic!("{name}: no note says {want:?}: {notes:?}"));
                    if issue.rule.id() == "schedule.deadline_empty" {
                        let again = back.issues.iter().find(|i| i.rule == issue.rule).unwrap();
                        assert_eq!(
                            row_of(cell),
                            row_of(&again.cell.unwrap().to_string()),
                            "{name}: note on the row"
                        );
                    }
                    cell.clone()
                }
                field => {
                    let role = field.split('.').next().unwrap();
                    let cell = back
                        .cells
                        .get(field)
                        .or_else(|| back.cells.get(&format!("{role}.name")))
                        .unwrap_or_else(|| panic!("{name}: no cell read for {field}"));
                    let note =
                        notes.get(cell).unwrap_or_else(|| panic!("{name}: no note at {cell} ({field})"));
                    assert!(note.contains(&want), "{name}: note at {cell} is {note:?}, want {want:?}");
                    cell.clone()
                }
            };
            let fill = match issue.severity {
                Severity::Error => ERROR_FILL,
                Severity::Warning => WARNING_FILL,
            };
            let got = fill_at(&bytes, &cell);
            // A cell with an error and a warning shows the error's fill.
            let worst = orig
                .issues
                .iter()
                .filter(|o| {
                    expected_note(o) != want
                        && notes.get(&cell).is_some_and(|n| n.contains(&expected_note(o)))
                })
                .map(|o| o.severity)
                .min()
                .map_or(fill, |s| if s < issue.severity { ERROR_FILL } else { fill });
            assert_eq!(got.as_deref(), Some(hex(worst).as_str()), "{name}: fill of {cell}");
            let xf = xf_at(&bytes, &cell).unwrap();
            assert!(xf.contains("locked=\"0\""), "{name}: {cell} stays unlocked for the correction: {xf}");
        }
        // The samples' values all have a cell on the form.
        let m = markup::mark_up(t, orig);
        assert!(m.unplaced.is_empty(), "{name}: {:?}", m.unplaced);
        // Protected as the blank form, identity kept.
        assert!(util::zip_entry(&bytes, "xl/worksheets/sheet1.xml").contains("<sheetProtection"), "{name}");
        let wanted_region = orig.region.clone().unwrap();
        assert!(util::zip_entry(&bytes, "docProps/custom.xml").contains(&wanted_region), "{name}: identity");
        // The legend names both fills.
        let mut wb = open_workbook_auto(dir.path().join(rel)).unwrap();
        let sheet = wb.sheet_names()[0].clone();
        let range = wb.worksheet_range(&sheet).unwrap();
        let texts: Vec<String> = range.used_cells().map(|(_, _, d)| d.to_string()).collect();
        assert!(
            texts.iter().any(|s| s.contains("错误")) && texts.iter().any(|s| s.contains("警告")),
            "{name}"
        );
    }
}

/// Converts several files with one LibreOffice run (one start-up instead of
/// one per file); returns the produced files in input order.
fn soffice_batch(inputs: &[PathBuf], to: &str, out_dir: &Path) -> Vec<PathBuf> {
    let soffice = util::require("soffice", "libreoffice-calc");
    let profile = util::tempdir();
    let output = std::process::Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.path().display()))
        .args(["--headless", "--norestore", "--convert-to", to, "--outdir"])
        .arg(out_dir)
        .args(inputs)
        .output()
        .expect("run soffice");
    assert!(output.status.success(), "LibreOffice: {}", String::from_utf8_lossy(&output.stderr));
    let ext = to.split(':').next().unwrap();
    inputs
        .iter()
        .map(|p| {
            let out = out_dir.join(format!("{}.{ext}", p.file_stem().unwrap().to_string_lossy()));
            assert!(out.is_file(), "LibreOffice did not convert {}", p.display());
            out
        })
        .collect()
}

#[test]
fn marked_up_samples_survive_libreoffice() {
    let t = templates();
    let records = sample_records();
    let dir = util::tempdir();
    let written = markup::write_marked_up(t, &records, &dir.path().join("fb")).unwrap();
    let inputs: Vec<PathBuf> = written.iter().map(|(_, rel)| dir.path().join("fb").join(rel)).collect();
    let converted = soffice_batch(&inputs, "ods", &dir.path().join("lo"));
    for ((i, rel), out) in written.iter().zip(&converted) {
        let bytes = std::fs::read(out).unwrap();
        let back = ingest_bytes(t, &out.to_string_lossy(), &bytes).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(fields(&back[0]), fields(&records[*i]), "{}", rel.display());
        assert_eq!(rules(&back[0]), rules(&records[*i]), "{}", rel.display());
    }
}

/// A valid value for a flagged cell of the rebuilt form, as a clerk would
/// correct it.
fn correction(t: &permit_forms::Templates, rec: &Record, grid: &Grid, cell: usize) -> String {
    let reg = &t.registry;
    let region = reg.region_by_name(rec.region.as_deref().unwrap()).unwrap();
    let c = &grid.cells[cell];
    match c.field.unwrap() {
        Field::Status => "如期".into(),
        Field::DelayReason => "企业申报材料不全，正在补充。".into(),
        Field::Person(PersonRole::Contact, PersonPart::Name) if rec.kind == FormKind::Progress => {
            "王芳 13811112222".into()
        }
        Field::Person(_, PersonPart::Name) => "王芳".into(),
        Field::Person(PersonRole::Lead, PersonPart::Title) => match reg.region(region).kind {
            RegionKind::Provincial => "副厅长".into(),
            RegionKind::Municipal => "局长".into(),
        },
        Field::Person(_, PersonPart::Title) => "处长".into(),
        Field::Person(_, PersonPart::Phone) => "13811112222".into(),
        Field::ScheduleArrangement => "完成阶段工作。".into(),
        Field::SchedulePeriod => {
            let k = grid
                .cells
                .iter()
                .filter(|g| g.field == Some(Field::SchedulePeriod))
                .position(|g| g == c)
                .unwrap();
            reg.plan_periods(region)[k].label_zh()
        }
        Field::SubmittedOn => {
            let due = match rec.kind {
                FormKind::Plan => reg.settings.plan_due,
                FormKind::Progress => reg.progress_due(rec.period.unwrap().as_month().unwrap()),
            };
            due.format("%Y年%-m月%-d日").to_string()
        }
        Field::Period => rec.period.unwrap().label_zh(),
        Field::Tasks => reg.tasks_text(region),
        other => panic!("no correction for {other:?}"),
    }
}

#[test]
fn corrected_marked_up_samples_read_back_clean() {
    let t = templates();
    let records = sample_records();
    let mut checked = 0;
    for rec in records.iter().filter(|r| r.current && !r.issues.is_empty()) {
        // The clerk corrects what the file itself is wrong in; the cross-checks
        // are questions about its text compared with other forms.
        let mut rec = rec.clone();
        rec.issues.retain(|i| !i.rule.is_cross());
        if rec.issues.is_empty() {
            continue;
        }
        let rec = &rec;
        let mut m = markup::mark_up(t, rec);
        assert!(!m.markup.marks.is_empty(), "{}: marks", rec.source.file);
        let flagged: Vec<usize> = m
            .markup
            .marks
            .iter()
            .map(|mk| m.grid.cells.iter().position(|c| c.row == mk.row && c.col == mk.col).unwrap())
            .collect();
        for &k in &flagged {
            let text = correction(t, rec, &m.grid, k);
            m.grid.cells[k].text = text;
            assert_eq!(
                m.grid.cells[k].kind,
                CellKind::Input,
                "{}: a flagged cell is unlocked",
                rec.source.file
            );
            // A missing plan row needs its arrangement too.
            if m.grid.cells[k].field == Some(Field::SchedulePeriod) {
                let row = m.grid.cells[k].row;
                let a = m
                    .grid
                    .cells
                    .iter()
                    .position(|c| c.row == row && c.field == Some(Field::ScheduleArrangement));
                m.grid.cells[a.unwrap()].text = "完成阶段工作。".into();
            }
        }
        let bytes = xlsx::render_marked(&m.grid, &m.markup).unwrap();
        let back = ingest_bytes(t, "corrected.xlsx", &bytes).unwrap();
        assert_eq!(back.len(), 1);
        assert!(
            back[0].issues.is_empty(),
            "{}: left after correcting: {:?}",
            rec.source.file,
            back[0].issues
        );
        assert_eq!(back[0].region, rec.region);
        assert_eq!(back[0].period, rec.period);
        checked += 1;
    }
    assert!(checked >= 5);
}

#[test]
fn feedback_letters_name_the_marked_up_returns() {
    let t = templates();
    let records = sample_records();
    let dir = util::tempdir();
    let letters = write_feedback(
        t,
        &records,
        chrono::NaiveDate::from_ymd_opt(2017, 5, 11).unwrap(),
        &PdfRenderer::new(t).unwrap(),
        dir.path(),
    )
    .unwrap();
    let marked: Vec<&PathBuf> =
        letters.files.iter().filter(|p| p.extension().is_some_and(|e| e == "xlsx")).collect();
    assert!(marked.len() >= 5);
    for p in marked {
        assert!(p.is_file());
        let rel = p.strip_prefix(dir.path()).unwrap();
        let region = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
        let docx = std::fs::read(dir.path().join(format!("退回意见_{region}.docx")))
            .or_else(|_| std::fs::read(dir.path().join(format!("核实提醒_{region}.docx"))))
            .unwrap();
        let xml = util::zip_entry(&docx, "word/document.xml");
        let name = rel.file_name().unwrap().to_string_lossy();
        assert!(xml.contains(name.as_ref()), "the letter of {region} names {name}");
    }
}

// ---- provenance ---------------------------------------------------------------

/// A cell's value as text, as a clerk sees it (integers without `.0`).
fn data_text(d: &Data) -> String {
    match d {
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// The text at an A1 address of a sheet, read with calamine.
fn text_at(path: &Path, sheet: &str, a1: &str) -> String {
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    let (r, c) = parse_a1(a1).unwrap_or_else(|| panic!("bad address {a1}"));
    range.get_value((r, c)).map(data_text).unwrap_or_default()
}

/// Raw text per record path of a filled grid: what each field is read from.
fn raw_texts(grid: &Grid) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let (mut p, mut a) = (0, 0);
    for c in &grid.cells {
        match c.field {
            Some(Field::SchedulePeriod) => {
                out.insert(format!("schedule[{p}].period"), c.text.clone());
                p += 1;
            }
            Some(Field::ScheduleArrangement) => {
                out.insert(format!("schedule[{a}].arrangement"), c.text.clone());
                a += 1;
            }
            Some(f) => {
                out.insert(f.path(), c.text.clone());
            }
            None => {}
        }
    }
    out
}

/// The record paths that hold a value.
fn paths_with_values(r: &Record) -> Vec<String> {
    let v = serde_json::to_value(r).unwrap();
    let mut out = Vec::new();
    for k in ["region", "period", "planned", "actual", "status", "delay_reason", "difficulties", "division"] {
        if !v[k].is_null() {
            out.push(k.to_string());
        }
    }
    for k in ["submitter", "submitted_on"] {
        if !v[k].is_null() {
            out.push(k.to_string());
        }
    }
    if !r.tasks.is_empty() {
        out.push("tasks".into());
    }
    for role in ["lead", "contact", "handler"] {
        for part in ["name", "title", "phone"] {
            if !v[role][part].is_null() {
                out.push(format!("{role}.{part}"));
            }
        }
    }
    for i in 0..r.schedule.len() {
        out.push(format!("schedule[{i}].period"));
        if r.schedule[i].arrangement.is_some() {
            out.push(format!("schedule[{i}].arrangement"));
        }
    }
    out
}

/// Writes `grid` unmerged, shifted by (rows, cols), with the 时间 of 附3
/// typed into its label cell and numbers for phones: a retyped return.
fn write_shifted(grid: &Grid, path: &Path, dr: u32, dc: u16) -> BTreeMap<String, String> {
    let mut raw = raw_texts(grid);
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("自制表").unwrap();
    ws.write_string(0, dc, &grid.title).unwrap();
    for c in &grid.cells {
        let (r, col) = (c.row as u32 + dr, c.col as u16 + dc);
        let right = grid.cells.iter().find(|o| o.row == c.row && o.col == c.col + c.cols);
        if c.field.is_none() && right.is_some_and(|o| o.field == Some(Field::Period)) {
            let inline = format!("{}：{}", c.text, right.unwrap().text);
            raw.insert("period".into(), inline.clone());
            ws.write_string(r, col, &inline).unwrap();
            continue;
        }
        if c.field == Some(Field::Period) {
            continue;
        }
        if matches!(c.field, Some(Field::Person(_, PersonPart::Phone)))
            && c.text.chars().all(|x| x.is_ascii_digit())
        {
            ws.write_number(r, col, c.text.parse::<f64>().unwrap()).unwrap();
        } else if !c.text.is_empty() {
            ws.write_string(r, col, &c.text).unwrap();
        }
    }
    wb.save(path).unwrap();
    raw
}

#[test]
fn every_field_read_names_the_cell_holding_its_raw_text() {
    let t = templates();
    let reg = &t.registry;
    let dir = util::tempdir();
    let jining = reg.region_by_name("济宁市").unwrap();
    let hebei = reg.region_by_name("河北省").unwrap();
    let jobs = [
        (FormKind::Plan, jining, None),
        (FormKind::Progress, hebei, YearMonth::new(2017, 4)),
        (FormKind::Plan, hebei, None),
    ];
    // (file, expected raw text per path)
    let mut files: Vec<(PathBuf, BTreeMap<String, String>)> = Vec::new();
    for (n, (kind, region, period)) in jobs.into_iter().enumerate() {
        let mut g = layout(t.form(kind), reg, FormInstance { region: Some(region), period });
        let mut v: FillValues = sample_values(reg, kind, region, period, 5 + n as u64);
        if kind == FormKind::Plan {
            // A mobile, to be typed as a number in the shifted copy.
            v.values.insert(Field::Person(PersonRole::Lead, PersonPart::Phone), "13911112222".into());
        }
        fill_grid(&mut g, &v);
        let xlsx_path = dir.path().join(format!("f{n}.xlsx"));
        std::fs::write(&xlsx_path, xlsx::render(&g).unwrap()).unwrap();
        files.push((xlsx_path.clone(), raw_texts(&g)));
        let shifted = dir.path().join(format!("shifted{n}.xlsx"));
        let raw = write_shifted(&g, &shifted, 4, 2);
        files.push((shifted, raw));
    }
    // The same forms after LibreOffice saved them as xls and ods.
    let generated: Vec<(PathBuf, BTreeMap<String, String>)> = files
        .iter()
        .filter(|(p, _)| p.file_name().unwrap().to_string_lossy().starts_with('f'))
        .cloned()
        .collect();
    let paths: Vec<PathBuf> = generated.iter().map(|(p, _)| p.clone()).collect();
    for to in ["xls", "ods"] {
        let out = soffice_batch(&paths, to, &dir.path().join(to));
        files.extend(out.into_iter().zip(generated.iter().map(|(_, raw)| raw.clone())));
    }
    let inputs: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    let out = ingest_paths(t, &inputs, &IngestOptions::default());
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    assert_eq!(out.records.len(), files.len());
    for rec in &out.records {
        let (path, raw) = files.iter().find(|(p, _)| p.to_string_lossy() == rec.source.file).unwrap();
        let at = |p: &str| rec.cells.get(p).unwrap_or_else(|| panic!("{}: no cell for {p}", rec.source.file));
        for p in paths_with_values(rec) {
            let cell = at(&p);
            let got = text_at(path, &rec.source.sheet, cell);
            // 附3: the phone is read from the name cell (`王强 138…`).
            let key = if rec.kind == FormKind::Progress && p.ends_with(".phone") {
                p.replace(".phone", ".name")
            } else {
                p.clone()
            };
            let want =
                raw.get(&key).unwrap_or_else(|| panic!("{}: nothing written for {key}", rec.source.file));
            assert_eq!(&got, want, "{} {p} at {cell}", rec.source.file);
        }
        assert!(rec.cells.len() >= 10, "{}: {:?}", rec.source.file, rec.cells);
    }
}

#[test]
fn source_labels_and_links_lead_to_the_returns() {
    let t = templates();
    // As the user types it: a path relative to the current folder.
    let rel = Path::new("samples/returned");
    assert!(rel.is_dir(), "tests run from the crate root");
    let out = ingest_paths(t, &[rel.to_path_buf()], &IngestOptions::default());
    let dir = util::tempdir();
    let book_dir = dir.path().join("汇总");
    std::fs::create_dir_all(&book_dir).unwrap();
    let mut checked = 0;
    for rec in out.records.iter().step_by(5) {
        let link = markup::source_link(rec, &book_dir).expect("the return is reachable");
        assert!(link.starts_with("../") || !link.starts_with('/'), "{link}");
        assert_eq!(
            std::fs::canonicalize(book_dir.join(&link)).unwrap(),
            std::fs::canonicalize(&rec.source.file).unwrap()
        );
        let label = markup::source_label(rec, "contact.name");
        let cell = rec.cells.get("contact.name").unwrap();
        let file = Path::new(&rec.source.file).file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(label, format!("{file}!{}!{cell}", rec.source.sheet));
        if let Some(name) = &rec.contact.name {
            assert!(text_at(Path::new(&rec.source.file), &rec.source.sheet, cell).contains(name.as_str()));
        }
        checked += 1;
    }
    assert!(checked >= 8);
    let gone = Record {
        source: permit_forms::record::Source {
            file: "不存在/x.xlsx".into(),
            ..out.records[0].source.clone()
        },
        ..out.records[0].clone()
    };
    assert_eq!(markup::source_link(&gone, &book_dir), None);
}

#[test]
fn unknown_region_and_unplaced_rows_are_kept() {
    let t = templates();
    let reg = &t.registry;
    let jining = reg.region_by_name("济宁市").unwrap();
    let mut g = layout(t.form(FormKind::Plan), reg, FormInstance { region: Some(jining), period: None });
    let mut v = sample_values(reg, FormKind::Plan, jining, None, 4);
    v.values.insert(Field::Region, "某某市环境保护局".into());
    v.values.insert(Field::Person(PersonRole::Contact, PersonPart::Name), String::new());
    fill_grid(&mut g, &v);
    let bytes = xlsx::render(&g).unwrap();
    let mut rec = ingest_bytes(t, "unknown.xlsx", &bytes).unwrap().remove(0);
    assert_eq!(rec.region, None);
    assert!(rules(&rec).iter().any(|r| r.ends_with("region.unknown")));
    // More rows than the blank form has: the rebuilt form grows to hold them.
    let n = rec.schedule.len() + 3;
    for y in 0..3 {
        rec.schedule.push(permit_forms::record::ScheduleEntry {
            period: permit_forms::Period::Year(2030 + y),
            arrangement: Some(format!("{}年的安排", 2030 + y)),
        });
    }
    let m = markup::mark_up(t, &rec);
    assert!(m.unplaced.is_empty(), "{:?}", m.unplaced);
    // A region known to the registry has a row per period of its plan: a
    // row of another period cannot be placed and is listed apart.
    let mut known = rec.clone();
    known.region = Some("济宁市".into());
    known.schedule.push(permit_forms::record::ScheduleEntry {
        period: permit_forms::Period::Year(2031),
        arrangement: Some("额外的一行安排".into()),
    });
    let m = markup::mark_up(t, &known);
    assert!(m.unplaced.iter().any(|u| u.text == "额外的一行安排"), "{:?}", m.unplaced);
    let bytes = markup::render_marked_up(t, &known).unwrap();
    let out = util::tempdir();
    let path = out.path().join("known.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let mut wb = open_workbook_auto(&path).unwrap();
    let list = wb.worksheet_range(markup::UNPLACED_SHEET).expect("the list sheet");
    let texts: Vec<String> = list.used_cells().map(|(_, _, d)| d.to_string()).collect();
    assert!(texts.iter().any(|s| s == "额外的一行安排"), "{texts:?}");
    assert!(texts.iter().any(|s| s.contains("2031年")), "{texts:?}");
    let bytes = markup::render_marked_up(t, &rec).unwrap();
    assert_eq!(bytes, markup::render_marked_up(t, &rec).unwrap(), "same record, same bytes");
    let back = ingest_bytes(t, "m.xlsx", &bytes).unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].region_raw, "某某市环境保护局");
    assert_eq!(back[0].region, None);
    assert_eq!(back[0].contact.name, None);
    assert!(rules(&back[0]).iter().any(|r| r.ends_with("region.unknown")));
    assert!(rules(&back[0]).iter().any(|r| r.ends_with("contact.name.missing")));
    assert_eq!(back[0].schedule, rec.schedule, "every row of the unknown region's plan placed");
    assert_eq!(back[0].schedule.len(), n);
}

#[test]
fn flagged_prefilled_cells_are_unlocked_and_missing_rows_say_which() {
    let t = templates();
    let reg = &t.registry;
    let dir = util::tempdir();
    // A 附3 naming a task that is not the region's, in the pre-filled cell.
    let hebei = reg.region_by_name("河北省").unwrap();
    let own: Vec<_> = reg.tasks_of(hebei).into_iter().map(|(id, _)| id).collect();
    let (_, foreign) = reg.tasks().find(|(id, _)| !own.contains(id)).expect("a task of another region");
    let period = YearMonth::new(2017, 4);
    let mut g = layout(t.form(FormKind::Progress), reg, FormInstance { region: Some(hebei), period });
    let mut v = sample_values(reg, FormKind::Progress, hebei, period, 1);
    v.values.insert(Field::Tasks, format!("{}\n{}", reg.tasks_text(hebei), foreign.name));
    fill_grid(&mut g, &v);
    let path = dir.path().join("tasks.xlsx");
    std::fs::write(&path, xlsx::render(&g).unwrap()).unwrap();
    let out = ingest_paths(t, std::slice::from_ref(&path), &IngestOptions::default());
    let rec = &out.records[0];
    assert!(rules(rec).iter().any(|r| r.ends_with("task.not_region")), "{:?}", rec.issues);
    let m = markup::mark_up(t, rec);
    let tasks = m.grid.cells.iter().find(|c| c.field == Some(Field::Tasks)).unwrap();
    assert_eq!(tasks.kind, CellKind::Input, "the flagged pre-filled cell is unlocked");
    assert!(rec.contact.phone.is_some());
    assert!(m.unplaced.is_empty(), "the phone read with the name is placed with it: {:?}", m.unplaced);
    assert!(m.markup.marks.iter().any(|mk| (mk.row, mk.col) == (tasks.row, tasks.col)));
    let bytes = markup::render_marked_up(t, rec).unwrap();
    let back = ingest_bytes(t, "m.xlsx", &bytes).unwrap().remove(0);
    assert_eq!(fields(&back), fields(rec));
    assert_eq!(rules(&back), rules(rec));
    let cell = back.cells.get("tasks").unwrap();
    assert!(xf_at(&bytes, cell).unwrap().contains("locked=\"0\""));
    assert!(notes(&bytes).get(cell).is_some_and(|n| n.contains(foreign.name.as_str())));

    // A plan missing a month: the row is there with its 时间 empty and a note
    // naming the month; it still reads as missing.
    let jining = reg.region_by_name("济宁市").unwrap();
    let mut g = layout(t.form(FormKind::Plan), reg, FormInstance { region: Some(jining), period: None });
    fill_grid(&mut g, &sample_values(reg, FormKind::Plan, jining, None, 2));
    let mut rec = ingest_bytes(t, "plan.xlsx", &xlsx::render(&g).unwrap()).unwrap().remove(0);
    let gone = rec.schedule.remove(2);
    rec.cells.clear();
    let back = ingest_bytes(t, "m.xlsx", &markup::render_marked_up(t, &rec).unwrap()).unwrap().remove(0);
    assert_eq!(back.schedule, rec.schedule);
    let missing =
        back.issues.iter().find(|i| i.rule.id() == "schedule.month_missing").expect("still missing");
    assert!(missing.message.contains(&gone.period.label_zh()));
    let bytes = markup::render_marked_up(t, &back).unwrap();
    let note = format!("本行应为{}", gone.period.label_zh());
    assert!(notes(&bytes).values().any(|n| n.contains(&note)), "{:?}", notes(&bytes));
}

#[test]
fn a_plan_row_with_an_unreadable_period_is_listed_with_its_text() {
    let t = templates();
    let reg = &t.registry;
    let jining = reg.region_by_name("济宁市").unwrap();
    let mut g = layout(t.form(FormKind::Plan), reg, FormInstance { region: Some(jining), period: None });
    fill_grid(&mut g, &sample_values(reg, FormKind::Plan, jining, None, 6));
    let k = g.cells.iter().position(|c| c.field == Some(Field::SchedulePeriod)).unwrap();
    g.cells[k].text = "第三季度".into();
    let row = g.cells[k].row;
    let a = g.cells.iter().position(|c| c.row == row && c.field == Some(Field::ScheduleArrangement)).unwrap();
    g.cells[a].text = "第三季度的安排".into();
    let dir = util::tempdir();
    let path = dir.path().join("plan.xlsx");
    std::fs::write(&path, xlsx::render(&g).unwrap()).unwrap();
    let out = ingest_paths(t, std::slice::from_ref(&path), &IngestOptions::default());
    let rec = &out.records[0];
    assert!(rec.issues.iter().any(|i| i.rule.id() == "schedule.period_invalid"));
    let m = markup::mark_up(t, rec);
    let u = m.unplaced.iter().find(|u| u.what.contains("时间无法识别")).expect("listed");
    assert_eq!(u.text, "第三季度：第三季度的安排");
    // Without the original file the row is still listed, its text unknown.
    let mut moved = rec.clone();
    moved.source.file = dir.path().join("moved.xlsx").to_string_lossy().into_owned();
    let m = markup::mark_up(t, &moved);
    assert!(m.unplaced.iter().any(|u| u.what.contains("时间无法识别") && u.text.is_empty()));
}
