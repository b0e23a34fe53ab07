//! Schema validity of every kind of Office file the project writes, checked
//! by an independent validator (`openxml-audit`, which validates the parts
//! against the Office 2019 schemas and semantic rules the way the Open XML
//! SDK does): Word opens a docx without offering to repair it only when it
//! is valid, and LibreOffice, which the other tests use, forgives what Word
//! does not.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use permit_forms::form::{layout, FormInstance};
use permit_forms::ingest::{self, IngestOptions};
use permit_forms::render::{docx, xlsx};
use permit_forms::{consolidate, demo, report, samples, FormKind};

use crate::util::{self, templates};

/// The validator: `$OPENXML_AUDIT`, else the copy scripts/test installs
/// under target/test-tools (when it is not on PATH), else `openxml-audit`
/// on PATH, else a panic that says how to install it (as `util::require` does for the system packages): the
/// validity test must not skip silently.
fn openxml_audit() -> PathBuf {
    if let Some(p) = std::env::var_os("OPENXML_AUDIT").map(PathBuf::from).filter(|p| p.is_file()) {
        return p;
    }
    // Where scripts/test installs it, so a plain `cargo test` finds it too.
    let installed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/openxml-audit/bin/openxml-audit");
    if installed.is_file() {
        return installed;
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths).map(|d| d.join("openxml-audit")).find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("this test needs `openxml-audit`: install it with `pip install openxml-audit` (scripts/test does this)")
    })
}

/// Validates every file in `dir` and returns, per file name, its errors
/// (description, part and path of each).
pub(crate) fn audit(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let exe = openxml_audit();
    let out = Command::new(exe)
        .args(["-f", "office2019", "--validator", "ooxml", "-m", "0", "-o", "json", "-r"])
        .arg(dir)
        .output()
        .expect("run openxml-audit");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "openxml-audit printed no JSON ({e}); status {:?}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let files = report.as_array().expect("a list of file reports");
    files
        .iter()
        .map(|f| {
            let name = f["file"].as_str().expect("file name");
            let name = Path::new(name).file_name().unwrap().to_string_lossy().into_owned();
            let errors =
                f["errors"].as_array().expect("errors").iter().map(|e| {
                    format!("{} ({} {})", e["description"], e["part_uri"], e["path"]).replace('"', "")
                });
            let mut errors: Vec<String> = errors.collect();
            let count = f["error_count"].as_u64().expect("error_count") as usize;
            if count > errors.len() {
                errors.push(format!("… {} errors in all", count));
            }
            (name, errors)
        })
        .collect()
}

/// One region for each distinct kind of plan: its windows and the dates of
/// its milestones (industry, industry with delayed milestones, watershed,
/// and any mix the registry has), so every shape of 附2 is covered.
fn one_region_per_plan_kind() -> Vec<String> {
    let r = &templates().registry;
    let mut kinds: BTreeMap<Vec<(String, Vec<String>)>, String> = BTreeMap::new();
    for (id, region) in r.regions() {
        let mut sig: Vec<(String, Vec<String>)> = r
            .tasks_of(id)
            .into_iter()
            .map(|(t, _)| {
                let task = r.task(t);
                (task.window.clone(), task.milestones.iter().map(|m| m.date.to_string()).collect())
            })
            .collect();
        sig.sort();
        sig.dedup();
        kinds.entry(sig).or_insert_with(|| region.name.clone());
    }
    kinds.into_values().collect()
}

#[test]
fn every_kind_of_docx_and_xlsx_is_schema_valid() {
    let t = templates();
    let reg = &t.registry;
    let dir = util::tempdir();
    let mut written = Vec::new();
    let mut put = |name: String, bytes: Vec<u8>| {
        std::fs::write(dir.path().join(&name), bytes).expect("write sample");
        written.push(name);
    };

    // Pre-filled 附2 of every plan kind and 附3 of the first and last
    // reporting month of one region of each window.
    let regions = one_region_per_plan_kind();
    let windows: std::collections::BTreeSet<&str> =
        reg.tasks().map(|(_, task)| task.window.as_str()).collect();
    assert!(regions.len() >= windows.len(), "a plan of each window: {regions:?}");
    for name in &regions {
        let id = reg.region_by_name(name).expect("region");
        let plan = layout(t.form(FormKind::Plan), reg, FormInstance { region: Some(id), period: None });
        put(format!("plan_{name}.docx"), docx::render(&plan).unwrap());
        let months = reg.progress_months(id);
        for m in [months.first(), months.last()].into_iter().flatten() {
            let g =
                layout(t.form(FormKind::Progress), reg, FormInstance { region: Some(id), period: Some(*m) });
            put(format!("progress_{name}_{m}.docx"), docx::render(&g).unwrap());
        }
    }
    // Blank forms, and one form as xlsx.
    for kind in FormKind::ALL {
        let g = layout(t.form(kind), reg, FormInstance { region: None, period: None });
        put(format!("blank_{kind:?}.docx"), docx::render(&g).unwrap());
        put(format!("blank_{kind:?}.xlsx"), xlsx::render(&g).unwrap());
    }
    // The review report, one feedback letter and the consolidated workbook
    // from the built-in samples.
    let samples_dir = util::tempdir();
    samples::write_to(samples_dir.path()).unwrap();
    let records =
        ingest::ingest_paths(t, &[samples_dir.path().to_path_buf()], &IngestOptions::default()).records;
    let as_of = demo::default_as_of();
    put("report.docx".into(), docx::render_document(&report::build_report(t, &records, as_of)).unwrap());
    let letters = report::feedback(t, &records, chrono::NaiveDate::from_ymd_opt(2017, 5, 11).unwrap());
    let (_, letter) = letters.first().expect("the samples have findings to send back");
    put("letter.docx".into(), docx::render_document(letter).unwrap());
    put("consolidated.xlsx".into(), consolidate::consolidate(t, &records, as_of).unwrap());
    // A marked-up return (with its 情况说明 sheet).
    let flagged = records.iter().find(|r| r.current && r.issues.iter().any(|i| !i.rule.is_cross())).unwrap();
    put("marked_up.xlsx".into(), permit_forms::markup::render_marked_up(t, &flagged.for_region()).unwrap());
    // The findings ledger (审核台账) of the samples' review.
    let mut review = permit_forms::review::Review::build(t, &records, as_of);
    let merged = review.apply_ledger(t, &records, None);
    put(
        "ledger.xlsx".into(),
        permit_forms::ledger::to_bytes(&merged.ledger, &[review.look_back_sheet()]).unwrap(),
    );

    let results = audit(dir.path());
    written.sort();
    assert_eq!(results.keys().cloned().collect::<Vec<_>>(), written, "the validator read every sample");
    let failed: Vec<String> = results
        .iter()
        .filter(|(_, errors)| !errors.is_empty())
        .map(|(file, errors)| {
            let first: Vec<&str> = errors.iter().take(8).map(String::as_str).collect();
            format!("{file}: {} errors\n    {}", errors.len(), first.join("\n    "))
        })
        .collect();
    assert!(failed.is_empty(), "schema errors (openxml-audit -f office2019):\n{}", failed.join("\n"));
}
