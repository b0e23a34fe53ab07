//! Nothing a second run, an interrupt or the review folder's own files do
//! can cost the office its month (issue 22): the review folder's lock, the
//! dated folder swapped in whole, nothing under the review folder read as a
//! return.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use permit_forms::samples;

use crate::util;

const AS_OF: &str = "2017-05-11";

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_permit-forms"))
}

/// The sample returns of the named region folders only (a small month, so
/// each run is quick), under `root/name`.
fn returns_of(root: &Path, name: &str, regions: &[&str]) -> PathBuf {
    let all = root.join(format!("{name}-all"));
    samples::write_to(&all).unwrap();
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for r in regions {
        std::fs::rename(all.join(r), dir.join(r)).unwrap();
    }
    std::fs::remove_dir_all(&all).unwrap();
    dir
}

fn review(returns: &Path, out: &Path) -> Command {
    let mut c = Command::new(bin());
    c.arg("review").arg(returns).args(["--as-of", AS_OF, "--out"]).arg(out);
    c
}

fn run_ok(mut c: Command) -> String {
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every file of a folder with its bytes.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    util::walk(dir).into_iter().map(|f| (f.clone(), std::fs::read(dir.join(&f)).unwrap())).collect()
}

/// A finished set, as its file names: fails when it is not one of `sets`.
fn which_set(got: &BTreeMap<String, Vec<u8>>, sets: &[&BTreeMap<String, Vec<u8>>]) -> Option<usize> {
    sets.iter().position(|s| *s == got)
}

/// The entries of a review folder, less the findings ledger that lives
/// beside the dated folders (written whole on its own, see tests/ledger.rs).
fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != permit_forms::ledger::FILE_NAME && n != permit_forms::ledger::PREVIOUS_FILE_NAME)
        .collect();
    v.sort();
    v
}

#[test]
fn two_concurrent_reviews_of_one_folder_leave_one_complete_set() {
    let dir = util::tempdir();
    let returns = returns_of(dir.path(), "returns", &["河南省", "山西省", "深圳市", "北京市"]);
    let reference = dir.path().join("ref");
    run_ok(review(&returns, &reference));
    let want = contents(&reference.join(AS_OF));
    assert!(want.keys().any(|k| k.starts_with("退回意见/退回意见_")), "{:?}", want.keys());

    // Without --wait: the second refuses, naming the first (or, started
    // after the first ended, runs; either way one complete set).
    let out = dir.path().join("out");
    let spawn = |wait: bool| {
        let mut c = review(&returns, &out);
        if wait {
            c.arg("--wait");
        }
        c.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap()
    };
    let (a, b) = (spawn(false), spawn(false));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let refused: Vec<String> = [&a, &b]
        .iter()
        .filter(|o| !o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    assert!(refused.len() <= 1, "{refused:?}");
    for r in &refused {
        assert!(r.contains("正被另一次运行占用") && r.contains("review") && r.contains("进程号"), "{r}");
    }
    assert_eq!(contents(&out.join(AS_OF)), want);
    assert_eq!(names_in(&out), [AS_OF], "no lock, holder or staging folder left");

    // With --wait both run, one after the other.
    let (a, b) = (spawn(true), spawn(true));
    for o in [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()] {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_eq!(contents(&out.join(AS_OF)), want);
    assert_eq!(names_in(&out), [AS_OF]);
}

/// A small deterministic generator (the seed is printed on failure).
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    *state >> 33
}

#[test]
fn sigint_at_random_points_of_review_leaves_the_previous_or_the_new_complete_set() {
    let dir = util::tempdir();
    let a = returns_of(dir.path(), "a", &["河南省", "山西省"]);
    let b = returns_of(dir.path(), "b", &["深圳市", "唐山市", "保定市"]);
    let (ref_a, ref_b) = (dir.path().join("ref-a"), dir.path().join("ref-b"));
    let start = Instant::now();
    run_ok(review(&a, &ref_a));
    let full = start.elapsed();
    run_ok(review(&b, &ref_b));
    let set_a = contents(&ref_a.join(AS_OF));
    let set_b = contents(&ref_b.join(AS_OF));
    assert_ne!(set_a, set_b);

    let out = dir.path().join("out");
    run_ok(review(&a, &out));
    let mut seed =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let first_seed = seed;
    let span = (full.as_millis() as u64).max(50);
    let mut outcomes = [0usize; 2];
    for round in 0..20 {
        let returns = if round % 2 == 0 { &b } else { &a };
        let delay = next(&mut seed) % span;
        let mut child = review(returns, &out).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
        let status = child.wait().unwrap();
        let got = contents(&out.join(AS_OF));
        let which = which_set(&got, &[&set_a, &set_b]).unwrap_or_else(|| {
            panic!(
                "round {round} (seed {first_seed}, {delay} ms, {status:?}): neither complete set: {:?}",
                got.keys().collect::<Vec<_>>()
            )
        });
        outcomes[which] += 1;
        assert_eq!(names_in(&out), [AS_OF], "round {round} ({delay} ms): leftovers");
    }
    eprintln!("sigint loop: {outcomes:?} (previous/new by set), one full run {full:?}");
}

#[test]
fn a_review_folder_inside_the_returns_folder_gives_the_same_records_twice() {
    let dir = util::tempdir();
    let returns = returns_of(dir.path(), "returns", &["河南省", "山西省", "深圳市", "唐山市"]);
    let out = returns.join("审阅");
    let records = |out: &Path| std::fs::read(out.join(AS_OF).join("记录/records.jsonl")).unwrap();
    run_ok(review(&returns, &out));
    let first = records(&out);
    let said = run_ok(review(&returns, &out));
    assert_eq!(records(&out), first, "the tool's own marked-up returns were read: {said}");
    let skipped = std::fs::read_to_string(out.join(AS_OF).join("记录/skipped.jsonl")).unwrap();
    let lines: Vec<&str> = skipped.lines().filter(|l| l.contains("审阅")).collect();
    assert_eq!(lines.len(), 1, "the review folder listed once: {skipped}");
    assert!(lines[0].contains("审核输出文件夹"), "{skipped}");
    // Given directly, a dated folder of the review folder is not read either.
    let o = review(&out.join(AS_OF), &out).output().unwrap();
    let recs = std::fs::read(out.join(AS_OF).join("记录/records.jsonl")).unwrap();
    assert!(!o.status.success() || recs.is_empty(), "{}", String::from_utf8_lossy(&recs));
}

/// `bytes` (an xlsx) with the first occurrence of `from` in its shared
/// strings or sheets replaced by `to`.
fn replace_text(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let parts = util::zip_parts_of(bytes);
    let mut done = false;
    let parts: Vec<(String, Vec<u8>)> = parts
        .into_iter()
        .map(|(name, data)| {
            let text = String::from_utf8_lossy(&data).into_owned();
            if !done && name.ends_with(".xml") && !name.contains("comments") && text.contains(from) {
                done = true;
                (name, text.replacen(from, to, 1).into_bytes())
            } else {
                (name, data)
            }
        })
        .collect();
    assert!(done, "{from} not found");
    util::zip_of_parts(&parts)
}

#[test]
fn a_marked_up_copy_sent_back_changed_is_read_and_unchanged_is_passed_over() {
    let dir = util::tempdir();
    let returns = returns_of(dir.path(), "returns", &["河南省", "山西省"]);
    let out = dir.path().join("审阅");
    run_ok(review(&returns, &out));
    let read_records = || -> Vec<serde_json::Value> {
        std::fs::read_to_string(out.join(AS_OF).join("记录/records.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let before = read_records();
    let marked_dir = out.join(AS_OF).join("退回意见/河南省");
    let marked = util::walk(&marked_dir).into_iter().find(|f| f.ends_with("_请修改.xlsx")).unwrap();
    let bytes = std::fs::read(marked_dir.join(&marked)).unwrap();

    // Sent back unchanged: passed over, with a line in skipped.jsonl.
    let back = returns.join("河南省").join(&marked);
    std::fs::write(&back, &bytes).unwrap();
    run_ok(review(&returns, &out));
    assert_eq!(read_records().len(), before.len());
    let skipped = std::fs::read_to_string(out.join(AS_OF).join("记录/skipped.jsonl")).unwrap();
    assert!(skipped.lines().any(|l| l.contains(marked.as_str()) && l.contains("完全相同")), "{skipped}");

    // Sent back with one value changed: read as the region's return.
    let rec = before.iter().find(|r| r["region"] == "河南省" && r["kind"] == "progress").unwrap();
    let name = rec["contact"]["name"].as_str().unwrap();
    std::fs::write(&back, replace_text(&bytes, name, "赵改名")).unwrap();
    run_ok(review(&returns, &out));
    let after = read_records();
    assert_eq!(after.len(), before.len() + 1);
    let new =
        after.iter().find(|r| r["source"]["file"].as_str().unwrap().ends_with(marked.as_str())).unwrap();
    assert_eq!(new["contact"]["name"], "赵改名");
}

#[test]
fn a_clerks_edited_letter_and_note_survive_a_rerun_and_are_named() {
    let dir = util::tempdir();
    let returns = returns_of(dir.path(), "returns", &["淄博市", "河南省"]);
    let out = dir.path().join("审阅");
    run_ok(review(&returns, &out));
    let fb = out.join(AS_OF).join("退回意见");
    let original = std::fs::read(fb.join("退回意见_淄博市.docx")).unwrap();
    std::fs::write(fb.join("退回意见_淄博市.docx"), b"edited by the section chief").unwrap();
    std::fs::copy(fb.join("退回意见_河南省.docx"), fb.join("退回意见_河南省（科长已改）.docx")).unwrap();
    std::fs::write(out.join(AS_OF).join("备注.txt"), "已电话催报").unwrap();
    let said = run_ok(review(&returns, &out));
    assert_eq!(
        std::fs::read(fb.join("退回意见_淄博市.docx")).unwrap(),
        original,
        "the tool's letter rewritten"
    );
    assert_eq!(
        std::fs::read(fb.join("退回意见_淄博市（已修改）.docx")).unwrap(),
        b"edited by the section chief"
    );
    assert!(fb.join("退回意见_河南省（科长已改）.docx").is_file());
    assert_eq!(std::fs::read_to_string(out.join(AS_OF).join("备注.txt")).unwrap(), "已电话催报");
    for name in ["退回意见_淄博市（已修改）.docx", "退回意见_河南省（科长已改）.docx", "备注.txt"]
    {
        assert!(said.contains(name), "{name} not named: {said}");
    }
}

#[test]
fn control_characters_and_very_long_names_in_the_returns_break_no_output_and_no_letter() {
    let dir = util::tempdir();
    let returns = returns_of(dir.path(), "returns", &["河南省", "淄博市"]);
    // A control character in a name (as zip archives and mail clients bring them).
    std::fs::rename(
        returns.join("河南省/附3_试点工作进展表_河南省_2017年04月.xlsx"),
        returns.join("河南省/附3\u{1}\u{7}\u{1b}\u{b}河南省.xlsx"),
    )
    .unwrap();
    // A 245-character name, as long as the file system allows.
    let long = format!("{}.xlsx", "b".repeat(240));
    std::fs::rename(
        returns.join("淄博市/附2_试点工作计划表_淄博市.xlsx"),
        returns.join("淄博市").join(&long),
    )
    .unwrap();
    // An unknown region's return in a zip under a 100-character name.
    let (job, mut v) = crate::ingest::base(permit_forms::FormKind::Progress, "河北省", Some((2017, 4)));
    v.values.insert(permit_forms::form::Field::Region, "火星省".into());
    let form = permit_forms::render::xlsx::render(&crate::ingest::filled_grid(&job, &v)).unwrap();
    let member = format!("{}.xlsx", "长".repeat(100));
    std::fs::write(returns.join("邮件附件.zip"), util::zip_of_parts(&[(member, form)])).unwrap();

    let out = dir.path().join("审阅");
    let said = run_ok(review(&returns, &out));
    let set = out.join(AS_OF);
    let records = std::fs::read_to_string(set.join("记录/records.jsonl")).unwrap();
    assert!(records.contains("\\u0001") && records.contains(&"b".repeat(240)) && records.contains("火星省"));
    let files = util::walk(&set);
    for want in ["退回意见/退回意见_河南省.docx", "退回意见/退回意见_淄博市.docx"] {
        assert!(files.iter().any(|f| f == want), "{want}: {files:?}\n{said}");
    }
    let unknown: Vec<&String> =
        files.iter().filter(|f| f.starts_with("退回意见/退回意见_未识别地区_长长")).collect();
    assert_eq!(unknown.len(), 2, "the unknown region's letter, docx and pdf: {files:?}");
    assert!(unknown.iter().all(|f| f.len() < 255));

    let wb = set.join(format!("汇总_截至{AS_OF}.xlsx"));
    let audited = crate::validity::audit(&set);
    let name = wb.file_name().unwrap().to_string_lossy().into_owned();
    assert!(audited.get(&name).is_some_and(|e| e.is_empty()), "{audited:?}");
    let csv = util::soffice_convert(&wb, "csv", &dir.path().join("csv"));
    // LibreOffice opened the workbook and wrote its first sheet out.
    assert!(!std::fs::read(csv).unwrap().is_empty());
}

/// A templates folder (the exported defaults) with `file` edited by `edit`.
fn broken_templates(root: &Path, name: &str, file: &str, edit: impl FnOnce(&str) -> Vec<u8>) -> PathBuf {
    let dir = root.join(name);
    permit_forms::templates::export(&dir).unwrap();
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text.as_bytes(), "{name}: the edit changed nothing");
    std::fs::write(dir.join(file), edited).unwrap();
    dir
}

#[test]
fn each_broken_template_is_refused_by_templates_check_and_every_verb_with_file_and_line() {
    let dir = util::tempdir();
    let root = dir.path();
    let progress = "forms/progress.toml";
    let status_row = "[[row]]\nheight = 30\ncells = [\n  { label = \"进度情况\\n（勾选）\" },\n  { field = \"status\", span = 3, choices = [\n      { status = \"ahead\", word = \"超前\" },\n      { status = \"on_schedule\", word = \"如期\" },\n      { status = \"behind\", word = \"滞后\" },\n  ] },\n]\n";
    // (folder, file, edit, the line the message must name, a word it must say)
    type Edit = Box<dyn Fn(&str) -> Vec<u8>>;
    let line_of = |text: &str, needle: &str| text[..text.find(needle).unwrap()].matches('\n').count() + 1;
    let default_progress = std::fs::read_to_string("templates/forms/progress.toml").unwrap();
    let cases: Vec<(&str, &str, Edit, usize, &str)> = vec![
        (
            "no-status-row",
            progress,
            Box::new(move |t: &str| t.replacen(status_row, "", 1).into_bytes()),
            line_of(&default_progress, "[[row]]"),
            "status",
        ),
        (
            "empty-label",
            progress,
            Box::new(|t: &str| t.replacen("label = \"月度工作安排\"", "label = \"\"", 1).into_bytes()),
            line_of(&default_progress, "label = \"月度工作安排\""),
            "label 为空",
        ),
        (
            "duplicate-choices",
            progress,
            Box::new(|t: &str| t.replacen("word = \"超前\"", "word = \"如期\"", 1).into_bytes()),
            line_of(&default_progress, status_row),
            "出现了两次",
        ),
        (
            "missing-choice",
            progress,
            Box::new(|t: &str| {
                t.replacen("      { status = \"ahead\", word = \"超前\" },\n", "", 1).into_bytes()
            }),
            line_of(&default_progress, status_row),
            "缺少",
        ),
        (
            "wrong-kind",
            progress,
            Box::new(|t: &str| t.replacen("kind = \"progress\"", "kind = \"plan\"", 1).into_bytes()),
            line_of(&default_progress, "kind = \"progress\""),
            "kind",
        ),
        (
            "overflowing-row",
            progress,
            Box::new(|t: &str| {
                t.replacen("{ field = \"status\", span = 3,", "{ field = \"status\", span = 4,", 1)
                    .into_bytes()
            }),
            // The row's `[[row]]` header, four lines above the cell.
            line_of(&default_progress, "field = \"status\"") - 4,
            "列",
        ),
        (
            "gbk-registry",
            "registry.toml",
            Box::new(|t: &str| encoding_rs::GBK.encode(t).0.into_owned()),
            0,
            "UTF-8",
        ),
    ];
    let returns = root.join("returns");
    samples::write_to(&returns).unwrap();
    let records = root.join("records");
    run_ok({
        let mut c = Command::new(bin());
        c.arg("ingest").arg(&returns).arg("--out").arg(&records);
        c
    });
    for (name, file, edit, line, word) in cases {
        let t = broken_templates(root, name, file, |text| edit(text));
        let verbs: Vec<Vec<String>> = vec![
            vec!["templates".into(), "check".into(), t.display().to_string()],
            vec!["generate".into(), "--out".into(), root.join("g").display().to_string()],
            vec![
                "ingest".into(),
                returns.display().to_string(),
                "--out".into(),
                root.join("i").display().to_string(),
            ],
            vec![
                "consolidate".into(),
                records.display().to_string(),
                "--as-of".into(),
                AS_OF.into(),
                "--out".into(),
                root.join("c.xlsx").display().to_string(),
            ],
            vec![
                "report".into(),
                records.display().to_string(),
                "--as-of".into(),
                AS_OF.into(),
                "--out".into(),
                root.join("r.pdf").display().to_string(),
            ],
            vec![
                "feedback".into(),
                records.display().to_string(),
                "--out".into(),
                root.join("f").display().to_string(),
            ],
            vec![
                "review".into(),
                returns.display().to_string(),
                "--as-of".into(),
                AS_OF.into(),
                "--out".into(),
                root.join("v").display().to_string(),
            ],
            vec!["demo".into(), "--out".into(), root.join("d").display().to_string()],
        ];
        for args in verbs {
            let o = Command::new(bin()).arg("--templates").arg(&t).args(&args).output().unwrap();
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(!o.status.success(), "{name}: `{}` accepted the broken template", args[0]);
            let at = match line {
                0 => format!("{file}:"),
                n => format!("{file}:{n}："),
            };
            assert!(
                err.contains(&at) && err.contains(word),
                "{name}: `{}` said {err:?}, want {at} and {word}",
                args[0]
            );
            assert!(!err.contains(":0："), "{name}: {err}");
        }
    }
    assert!(!root.join("g").exists() && !root.join("v").exists() && !root.join("d").exists());
}

/// A file size limit (SIGXFSZ) behaves like a full disk: the write fails,
/// the run says so and exits 1, the previous set stays whole and nothing
/// temporary is left.
#[test]
fn a_file_size_limit_mid_review_keeps_the_previous_set_and_leaves_no_temporaries() {
    let dir = util::tempdir();
    let returns = returns_of(dir.path(), "returns", &["河南省", "山西省"]);
    let out = dir.path().join("审阅");
    run_ok(review(&returns, &out));
    let before = contents(&out.join(AS_OF));
    // 60 KB (512-byte blocks): the records and the workbook fit, the report's PDF does not.
    let o = Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 120; exec \"$0\" review \"$1\" --as-of 2017-05-11 --out \"$2\"")
        .arg(bin())
        .arg(&returns)
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("无法写入"), "{err}");
    assert_eq!(contents(&out.join(AS_OF)), before);
    assert_eq!(names_in(&out), [AS_OF], "leftovers");
}

/// A dated folder written before manifests existed: the tool's files are
/// told by their content and replaced; only the clerk's are carried over.
#[test]
fn a_set_without_a_manifest_is_replaced_keeping_only_what_is_not_the_tools() {
    let dir = util::tempdir();
    let returns = returns_of(dir.path(), "returns", &["淄博市", "河南省"]);
    let out = dir.path().join("审阅");
    run_ok(review(&returns, &out));
    let set = out.join(AS_OF);
    let before = util::walk(&set);
    std::fs::remove_file(set.join(".permit-forms-manifest.json")).unwrap();
    std::fs::write(set.join("备注.txt"), "已电话催报").unwrap();
    let said = run_ok(review(&returns, &out));
    let mut want = before.clone();
    want.push("备注.txt".into());
    want.sort();
    assert_eq!(util::walk(&set), want, "{said}");
    assert!(said.contains("备注.txt") && !said.contains("已修改"), "{said}");
}

#[test]
fn feedback_rerun_replaces_only_its_own_unchanged_files_and_keeps_a_clerks_edits() {
    let dir = util::tempdir();
    let returns = returns_of(dir.path(), "returns", &["河南省", "淄博市"]);
    let records = dir.path().join("记录");
    let mut ingest = Command::new(bin());
    ingest.arg("ingest").arg(&returns).arg("--out").arg(&records);
    run_ok(ingest);
    let fb = dir.path().join("退回意见");
    let feedback = || {
        let mut c = Command::new(bin());
        c.arg("feedback").arg(&records).args(["--date", AS_OF, "--out"]).arg(&fb);
        c
    };
    run_ok(feedback());
    let original = std::fs::read(fb.join("退回意见_河南省.docx")).unwrap();
    let marked_before = util::walk(&fb).into_iter().filter(|f| f.ends_with("_请修改.xlsx")).count();
    assert!(marked_before > 0);
    // The section chief edits one letter in place, keeps a renamed copy of
    // another, and leaves a note.
    std::fs::write(fb.join("退回意见_河南省.docx"), b"edited by the section chief").unwrap();
    std::fs::copy(fb.join("退回意见_淄博市.docx"), fb.join("退回意见_淄博市（科长已改）.docx")).unwrap();
    std::fs::write(fb.join("备注.txt"), "已电话联系").unwrap();
    let said = run_ok(feedback());
    assert_eq!(
        std::fs::read(fb.join("退回意见_河南省.docx")).unwrap(),
        original,
        "the tool's letter rewritten"
    );
    assert_eq!(
        std::fs::read(fb.join("退回意见_河南省（已修改）.docx")).unwrap(),
        b"edited by the section chief"
    );
    assert!(said.contains("退回意见_河南省（已修改）.docx"), "{said}");
    assert!(fb.join("退回意见_淄博市（科长已改）.docx").is_file());
    assert_eq!(std::fs::read_to_string(fb.join("备注.txt")).unwrap(), "已电话联系");
    let files = util::walk(&fb);
    assert_eq!(files.iter().filter(|f| f.ends_with("_请修改.xlsx")).count(), marked_before, "{files:?}");
    // A third run with nothing changed leaves the same set (and the kept files).
    run_ok(feedback());
    assert_eq!(util::walk(&fb), files);
}
