//! Which files ingest reads and how each is accounted for: Word returns,
//! zip archives, unreadable formats, the tool's own outputs, the walk
//! (links, pipes, duplicates, odd names) and the outputs' writing.

use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use permit_forms::ingest::{write_outputs, IngestOutcome};
use permit_forms::render::{docx, xlsx};
use permit_forms::FormKind;

use crate::ingest::{all_jobs, assert_record, base, expected, filled_grid, sha, values_for};
use crate::util::{self, templates};

/// Ingests `inputs`, keeping the per-file findings only (the cross-checks
/// between forms are tested in crosscheck.rs).
fn ingest(inputs: &[PathBuf]) -> IngestOutcome {
    crate::ingest::ingest(inputs)
}

/// Every regular file under `dir`, as ingest shows it when `dir` is given.
fn files_under(dir: &Path, shown: &str, out: &mut BTreeSet<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let show = format!("{shown}/{}", e.file_name().to_string_lossy());
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            files_under(&e.path(), &show, out);
        } else if ft.is_file() {
            out.insert(show);
        }
    }
}

/// Each file is in exactly one of records (by source file), rejected and
/// skipped.
fn assert_accounted(out: &IngestOutcome, files: &BTreeSet<String>) {
    let recs: BTreeSet<String> = out.records.iter().map(|r| r.source.file.clone()).collect();
    let rej: BTreeSet<String> = out.rejected.iter().map(|r| r.file.clone()).collect();
    let skip: BTreeSet<String> = out.skipped.iter().map(|s| s.file.clone()).collect();
    assert_eq!(rej.len(), out.rejected.len(), "a file rejected twice");
    assert_eq!(skip.len(), out.skipped.len(), "a file skipped twice");
    for f in files {
        let n = usize::from(recs.contains(f)) + usize::from(rej.contains(f)) + usize::from(skip.contains(f));
        assert_eq!(n, 1, "{f} is in {n} of records/rejected/skipped");
    }
}

// ---- Word returns ------------------------------------------------------------------

#[test]
fn docx_round_trip_every_generated_form() {
    let dir = util::tempdir();
    let root = dir.path().join("returns");
    std::fs::create_dir_all(&root).unwrap();
    let mut made = Vec::new();
    for (i, job) in all_jobs().into_iter().enumerate() {
        let v = values_for(&job, i as u64);
        let bytes = docx::render(&filled_grid(&job, &v)).unwrap();
        let name = format!("{i:03}.docx");
        std::fs::write(root.join(&name), bytes).unwrap();
        made.push((job, v, name));
    }
    assert_eq!(made.len(), 293);
    let out = ingest(std::slice::from_ref(&root));
    assert!(out.rejected.is_empty(), "{:?}", out.rejected.first());
    assert_eq!(out.records.len(), 293);
    for ((job, v, name), got) in made.iter().zip(&out.records) {
        let path = root.join(name);
        let bytes = std::fs::read(&path).unwrap();
        let want = expected(job, v, &path.to_string_lossy(), "表1", &sha(&bytes));
        assert_record(got, &want);
    }
}

/// A docx and an xlsx of the same unfilled form report the same cells.
#[test]
fn docx_cells_have_the_xlsx_addresses() {
    let t = templates();
    for (kind, month) in [(FormKind::Progress, Some((2017, 4))), (FormKind::Plan, None)] {
        let (job, _) = base(kind, "河北省", month);
        let g = permit_forms::form::layout(t.form(kind), &t.registry, job.instance);
        let from_xlsx = permit_forms::ingest::ingest_bytes(t, "a.xlsx", &xlsx::render(&g).unwrap()).unwrap();
        let from_docx = permit_forms::ingest::ingest_bytes(t, "a.docx", &docx::render(&g).unwrap()).unwrap();
        let cells = |r: &permit_forms::Record| -> Vec<(String, Option<String>)> {
            r.issues.iter().map(|i| (i.rule.id().to_string(), i.cell.map(|c| c.to_string()))).collect()
        };
        assert!(!cells(&from_xlsx[0]).is_empty());
        assert_eq!(cells(&from_docx[0]), cells(&from_xlsx[0]), "{kind:?}");
        assert_eq!(from_docx[0].source.sheet, "表1");
    }
}

/// A Word form whose table grid gives its column widths as the schema also
/// allows, in inches, or as text no program should write: docx-rs panics on
/// both, and the return was refused as damaged. The first reads exactly as
/// the form as written; the second with its values (a width read as 0 may
/// move where a tab stop of the footer line falls).
#[test]
fn word_grid_widths_in_inches_or_unreadable_are_read() {
    let (job, v) = base(FormKind::Progress, "河北省", Some((2017, 4)));
    let original = docx::render(&filled_grid(&job, &v)).unwrap();
    let want = permit_forms::ingest::ingest_bytes(templates(), "a.docx", &original).unwrap();
    let xml = util::zip_entry(&original, "word/document.xml");
    let widths = grid_widths(&xml);
    assert!(widths.len() > 2, "the form's grid: {widths:?}");
    let inches = |w: &str| format!("{}in", w.parse::<f64>().unwrap() / 1440.0);
    let unreadable = |_: &str| "宽".to_string();
    for (k, unit) in [&inches as &dyn Fn(&str) -> String, &unreadable].into_iter().enumerate() {
        let mut edited = xml.clone();
        for w in &widths {
            edited = edited.replacen(
                &format!("<w:gridCol w:w=\"{w}\""),
                &format!("<w:gridCol w:w=\"{}\"", unit(w)),
                1,
            );
        }
        assert!(grid_widths(&edited).iter().all(|w| w.ends_with("in") || w == "宽"), "{edited}");
        let bytes = util::with_zip_entry(&original, "word/document.xml", edited.as_bytes());
        let got = permit_forms::ingest::ingest_bytes(templates(), "a.docx", &bytes)
            .unwrap_or_else(|e| panic!("case {k}: {e}"));
        assert_eq!(got.len(), 1);
        let (got, want) = (&got[0], &want[0]);
        assert_eq!(
            (&got.region, &got.actual, &got.status, &got.submitter, &got.submitted_on),
            (&want.region, &want.actual, &want.status, &want.submitter, &want.submitted_on),
            "case {k}"
        );
        if k == 0 {
            assert_eq!(got.cells, want.cells);
            assert_eq!(got.issues, want.issues);
        }
    }
}

/// The `w:w` values of a document's `w:gridCol`s, in order.
fn grid_widths(xml: &str) -> Vec<String> {
    xml.split("<w:gridCol w:w=\"").skip(1).filter_map(|s| s.split('"').next()).map(str::to_string).collect()
}

/// A Word table typed by a clerk: no identity, label and value cells, the
/// footer line in a paragraph under the table.
#[test]
fn a_retyped_word_table_is_read() {
    use docx_rs::{Docx, Paragraph, Run, Table, TableCell, TableRow};
    let cell = |s: &str| TableCell::new().add_paragraph(Paragraph::new().add_run(Run::new().add_text(s)));
    let row = |cells: Vec<TableCell>| TableRow::new(cells);
    let table = Table::new(vec![
        row(vec![cell("试点地区"), cell("试点任务及要求完成时间").grid_span(3)]),
        row(vec![cell("河北省"), cell("钢铁行业（牵头）").grid_span(3)]),
        row(vec![cell("时间"), cell("2017年4月").grid_span(3)]),
        row(vec![cell("月度工作安排"), cell("完成培训").grid_span(3)]),
        row(vec![cell("月度实际进展"), cell("已完成培训").grid_span(3)]),
        row(vec![cell("进度情况（勾选）"), cell("□超前 √如期 □滞后").grid_span(3)]),
        row(vec![cell("进度滞后的原因（若有）"), cell("").grid_span(3)]),
        row(vec![cell("存在的困难和需要的支持（若有）"), cell("无").grid_span(3)]),
        row(vec![cell("总负责人"), cell("张三"), cell("责任处室"), cell("大气处")]),
        row(vec![cell("联系人"), cell("李四 13811112222"), cell("经办人"), cell("王五")]),
    ]);
    let mut buf = std::io::Cursor::new(Vec::new());
    Docx::new()
        .add_paragraph(Paragraph::new().add_run(Run::new().add_text("附3")))
        .add_paragraph(Paragraph::new().add_run(Run::new().add_text("试点工作进展表")))
        .add_table(table)
        .add_paragraph(Paragraph::new().add_run(
            Run::new().add_text("填报单位：河北省环境保护厅").add_tab().add_text("填报时间：2017年5月8日"),
        ))
        .build()
        .pack(&mut buf)
        .unwrap();
    let recs = permit_forms::ingest::ingest_bytes(templates(), "河北.docx", buf.get_ref()).unwrap();
    assert_eq!(recs.len(), 1);
    let r = &recs[0];
    assert_eq!(r.kind, FormKind::Progress);
    assert_eq!(r.region.as_deref(), Some("河北省"));
    assert_eq!(r.actual.as_deref(), Some("已完成培训"));
    assert_eq!(r.contact.phone.as_deref(), Some("13811112222"));
    assert_eq!(r.submitted_on.map(|d| d.to_string()).as_deref(), Some("2017-05-08"));
}

// ---- archives and formats ----------------------------------------------------------

fn zip_of(members: &[(&[u8], bool, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, _, bytes) in members {
        let opts = zip::write::SimpleFileOptions::default();
        w.start_file(std::str::from_utf8(name).unwrap(), opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// An OLE compound file holding one stream of this name (a .doc or .wps).
fn ole_with(stream: &str) -> Vec<u8> {
    let mut c = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    c.create_stream(stream).unwrap().write_all(&[0u8; 600]).unwrap();
    c.flush().unwrap();
    c.into_inner().into_inner()
}

#[test]
fn a_zip_of_returns_is_read_member_by_member() {
    let dir = util::tempdir();
    let (job, v) = base(FormKind::Progress, "河北省", Some((2017, 4)));
    let form = xlsx::render(&filled_grid(&job, &v)).unwrap();
    let (pjob, pv) = base(FormKind::Plan, "济宁市", None);
    let plan = docx::render(&filled_grid(&pjob, &pv)).unwrap();
    let inner = zip_of(&[(b"x.xlsx", true, &form)]);
    let archive = zip_of(&[
        (b"4mm/abcdef.xlsx", true, &form),
        ("计划表.docx".as_bytes(), true, &plan),
        ("说明.doc".as_bytes(), true, &ole_with("WordDocument")),
        ("内层.zip".as_bytes(), true, &inner),
        ("__MACOSX/._计划表.docx".as_bytes(), true, b"\0\x05\x16\x07"),
        ("~$计划表.docx".as_bytes(), true, b"lock"),
    ]);
    // A Chinese Windows zip: the first name in GBK bytes, without the UTF-8
    // flag (the ASCII placeholder has the same length and no flag).
    let (gbk, _, _) = encoding_rs::GBK.encode("4月/进展表.xlsx");
    assert_eq!(gbk.len(), 15);
    let mut archive = archive;
    let mut at = 0;
    while let Some(i) = archive[at..].windows(15).position(|w| w == b"4mm/abcdef.xlsx") {
        archive[at + i..at + i + 15].copy_from_slice(&gbk);
        at += i + 15;
    }
    assert!(at > 0);
    let path = dir.path().join("河北省.zip");
    std::fs::write(&path, &archive).unwrap();
    let out = ingest(std::slice::from_ref(&path));
    let shown = path.to_string_lossy();
    let files: Vec<&str> = out.records.iter().map(|r| r.source.file.as_str()).collect();
    assert_eq!(files, [format!("{shown}!/4月/进展表.xlsx"), format!("{shown}!/计划表.docx")]);
    assert_eq!(out.records[0].source.sha256, sha(&form), "hash of the member's bytes");
    assert_eq!(out.records[1].region.as_deref(), Some("济宁市"));
    let rej: Vec<(&str, &str)> = out.rejected.iter().map(|r| (r.file.as_str(), r.reason.as_str())).collect();
    assert_eq!(rej.len(), 2, "{rej:?}");
    assert!(rej[0].0.ends_with("!/内层.zip") && rej[0].1.contains("压缩包内的压缩包"), "{rej:?}");
    assert!(rej[1].0.ends_with("!/说明.doc") && rej[1].1.contains("Word 97-2003 文档（.doc）"), "{rej:?}");
    assert_eq!(out.skipped.len(), 2, "{:?}", out.skipped);
}

#[test]
fn unreadable_formats_are_rejected_with_what_to_ask_for_and_et_is_read() {
    let dir = util::tempdir();
    let root = dir.path().join("returns");
    std::fs::create_dir_all(&root).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wps-et-file.et");
    std::fs::copy(&fixture, root.join("河北省.et")).unwrap();
    std::fs::write(root.join("a.doc"), ole_with("WordDocument")).unwrap();
    std::fs::write(root.join("b.wps"), ole_with("WordDocument")).unwrap();
    std::fs::write(root.join("c.pdf"), b"%PDF-1.4\n1 0 obj << /Producer (Scanner) >> endobj\n").unwrap();
    std::fs::write(root.join("d.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]).unwrap();
    std::fs::write(root.join("e.rar"), b"Rar!\x1a\x07\x01\x00").unwrap();
    let out = ingest(std::slice::from_ref(&root));
    assert_eq!(out.records.len(), 1, "{:?}", out.rejected);
    assert!(out.records[0].source.file.ends_with("河北省.et"));
    let reasons: Vec<&str> = out.rejected.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "Word 97-2003 文档（.doc）无法读取，请地区另存为 .docx 或 .xlsx 后重新报送",
            "WPS 文字文档（.wps）无法读取，请地区另存为 .docx 或 .xlsx 后重新报送",
            "PDF 文件（扫描件或打印件）无法读取，请地区报送填好的 .xlsx 或 .docx 表格文件",
            "图片（扫描件或照片）无法读取，请地区报送填好的 .xlsx 或 .docx 表格文件",
            "RAR 压缩包无法读取，请地区改用 .zip 压缩，或直接发送表格文件",
        ]
    );
}

/// Regression: a 汇总.xlsx among the returns became two fake 北京市 records.
/// The demo writes every kind of output (forms, 汇总, report, letters,
/// records); ingesting its whole folder reads the forms and skips the rest.
#[test]
fn the_tool_s_own_outputs_are_skipped_never_read() {
    let dir = util::tempdir();
    let out_dir = dir.path().join("演示");
    permit_forms::demo::run(templates(), &out_dir, permit_forms::demo::default_as_of()).unwrap();
    // Renamed outputs are recognised by content.
    std::fs::copy(out_dir.join("2017-05-11/汇总_截至2017-05-11.xlsx"), out_dir.join("河北省4月.xlsx"))
        .unwrap();
    let out = ingest(std::slice::from_ref(&out_dir));
    let mut files = BTreeSet::new();
    files_under(&out_dir, &out_dir.to_string_lossy(), &mut files);
    assert_accounted(&out, &files);
    let skipped: BTreeSet<&str> = out.skipped.iter().map(|s| s.file.as_str()).collect();
    for f in &files {
        let own = f.contains("汇总_")
            || f.contains("河北省4月")
            || f.contains("调度会报告")
            // The marked-up returns (`_请修改.xlsx`) are forms meant to come back
            // corrected: they are read, not skipped.
            || (f.contains("/退回意见/") && !f.ends_with("_请修改.xlsx"))
            || f.ends_with(".jsonl")
            || f.ends_with(".pdf");
        if own {
            assert!(skipped.contains(f.as_str()), "{f} not skipped");
        }
    }
    assert!(out
        .records
        .iter()
        .all(|r| !r.source.file.contains("汇总") && !r.source.file.contains("河北省4月")));
    assert!(out.summary_zh().contains("本工具的输出"), "{}", out.summary_zh());
}

// ---- the walk ----------------------------------------------------------------------

#[test]
fn links_pipes_duplicates_and_odd_names_are_each_accounted_for_once() {
    let dir = util::tempdir();
    let root = dir.path().join("r");
    let sub = root.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    let (job, v) = base(FormKind::Progress, "河北省", Some((2017, 4)));
    let form = xlsx::render(&filled_grid(&job, &v)).unwrap();
    std::fs::write(sub.join("a.xlsx"), &form).unwrap();
    // Two loops: a link to the parent and a link to itself's folder.
    std::os::unix::fs::symlink("..", sub.join("up")).unwrap();
    std::os::unix::fs::symlink(".", sub.join("here")).unwrap();
    std::os::unix::fs::symlink("a.xlsx", sub.join("link.xlsx")).unwrap();
    std::os::unix::fs::symlink("missing.xlsx", sub.join("dangling.xlsx")).unwrap();
    let fifo = sub.join("pipe.xlsx");
    let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid C string path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    // Two names that differ only in bytes that are not UTF-8 (GBK 报表).
    for name in [&b"\xB1\xA8\xB1\xED1.xlsx"[..], &b"\xB1\xA8\xB1\xED2.xlsx"[..]] {
        std::fs::write(sub.join(std::ffi::OsStr::from_bytes(name)), &form).unwrap();
    }
    let a = sub.join("a.xlsx");
    let inputs =
        vec![root.clone(), a.clone(), root.join("sub/../sub/a.xlsx"), std::fs::canonicalize(&a).unwrap()];
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(ingest(&inputs)).unwrap());
    let out = rx.recv_timeout(Duration::from_secs(60)).expect("ingest finishes (no loop, no pipe wait)");
    let shown_root = root.to_string_lossy();
    let files: Vec<&str> = out.records.iter().map(|r| r.source.file.as_str()).collect();
    assert_eq!(
        files,
        [
            format!("{shown_root}/sub/a.xlsx"),
            // GBK names (as a Chinese Windows share has them) shown decoded.
            format!("{shown_root}/sub/报表1.xlsx"),
            format!("{shown_root}/sub/报表2.xlsx"),
        ],
        "each file once, odd names decoded and distinct"
    );
    let rej: Vec<(String, String)> =
        out.rejected.iter().map(|r| (r.file.clone(), r.reason.clone())).collect();
    assert_eq!(rej.len(), 2, "{rej:?}");
    assert!(rej[0].0.ends_with("dangling.xlsx") && rej[0].1.contains("不存在"));
    assert!(rej[1].0.ends_with("pipe.xlsx") && rej[1].1.contains("不是普通文件"));
    let dup = out.skipped.iter().filter(|s| s.reason.contains("同一个文件")).count();
    let loops = out.skipped.iter().filter(|s| s.reason.contains("链接")).count();
    assert_eq!((dup, loops), (4, 2), "{:?}", out.skipped);
}

// ---- outputs -----------------------------------------------------------------------

#[test]
fn outputs_are_written_together_with_umask_permissions_and_wait_for_a_running_writer() {
    let dir = util::tempdir();
    let out_dir = dir.path().join("记录");
    let (job, v) = base(FormKind::Progress, "河北省", Some((2017, 4)));
    let path = dir.path().join("a.xlsx");
    std::fs::write(&path, xlsx::render(&filled_grid(&job, &v)).unwrap()).unwrap();
    std::fs::write(dir.path().join("b.doc"), ole_with("WordDocument")).unwrap();
    let outcome = ingest(&[path, dir.path().join("b.doc")]);
    // Another run holds the folder for a moment: this one waits, then writes.
    let mut holder = hold(&out_dir, "0.3");
    let start = std::time::Instant::now();
    write_outputs(&outcome, &out_dir).unwrap();
    assert!(start.elapsed() >= Duration::from_millis(200), "it waited for the other run");
    holder.wait().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["records.jsonl", "rejected.jsonl", "skipped.jsonl"], "no temp or lock file left");
    // SAFETY: reading the umask means setting it; it is put back at once.
    let umask = unsafe {
        let m = libc::umask(0o022);
        libc::umask(m);
        m
    } as u32;
    for n in &names {
        let mode = std::fs::metadata(out_dir.join(n)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666 & !umask, "{n}: {mode:o}");
    }
    let rejected = std::fs::read_to_string(out_dir.join("rejected.jsonl")).unwrap();
    assert!(rejected.contains(".doc"), "{rejected}");
}

/// Makes `out_dir` held by another process for `secs` seconds: flock(1)
/// takes the same kernel lock as the tool; kill the child to let go.
fn hold(out_dir: &Path, secs: &str) -> std::process::Child {
    std::fs::create_dir_all(out_dir).unwrap();
    let lock = out_dir.join(permit_forms::lock::LOCK_NAME);
    let child =
        std::process::Command::new("flock").arg("-o").arg(&lock).args(["sleep", secs]).spawn().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !lock.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(50));
    child
}

#[test]
fn a_second_cli_run_into_a_held_folder_refuses_with_a_message() {
    let dir = util::tempdir();
    let out_dir = dir.path().join("记录");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let mut sleeper = hold(&out_dir, "30");
    let start = std::time::Instant::now();
    let res = std::process::Command::new(env!("CARGO_BIN_EXE_permit-forms"))
        .arg("ingest")
        .arg(&input)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(!res.status.success(), "{stderr}");
    assert!(stderr.contains("正被另一次运行占用"), "{stderr}");
    assert!(start.elapsed() >= Duration::from_secs(9), "it waited before giving up");
    assert!(!out_dir.join("records.jsonl").exists());
}

/// Ctrl-C while the run waits for a held folder: its temporary files (already
/// written) are removed and nothing replaces the outputs.
#[test]
fn an_interrupted_run_leaves_no_temp_files() {
    let dir = util::tempdir();
    let out_dir = dir.path().join("记录");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let mut sleeper = hold(&out_dir, "30");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_permit-forms"))
        .arg("ingest")
        .arg(&input)
        .arg("--out")
        .arg(&out_dir)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let temps = || -> Vec<String> {
        std::fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    };
    let start = std::time::Instant::now();
    while temps().len() < 3 && start.elapsed() < Duration::from_secs(8) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(temps().len(), 3, "the run staged its three outputs");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let status = child.wait().unwrap();
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    assert_eq!(status.code(), Some(128 + libc::SIGINT), "{status:?}");
    assert!(temps().is_empty(), "{:?}", temps());
    assert!(!out_dir.join("records.jsonl").exists());
}

// ---- the path read from and the name shown -------------------------------------------

/// A return whose 进度情况 ticks two words (`■超前　■如期`, status.multiple),
/// shown by a name relative to the review's folder as the demo shows its
/// samples: the record keeps the path it was read from, so the marked-up
/// copy still finds the clerk's own text in the file.
#[test]
fn a_record_shown_by_another_name_still_reads_its_file() {
    use permit_forms::form::Field;
    let (job, mut v) = base(FormKind::Progress, "河北省", Some((2017, 4)));
    v.values.insert(Field::Status, "■超前　■如期　□滞后".into());
    let dir = util::tempdir();
    let path = dir.path().join("样例").join("河北省.xlsx");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, xlsx::render(&filled_grid(&job, &v)).unwrap()).unwrap();
    let out = ingest_in(&path);
    let mut rec = out.records.into_iter().next().unwrap();
    assert!(rec.issues.iter().any(|i| i.rule.id() == "status.multiple"), "{:?}", rec.issues);
    let want = permit_forms::markup::original_texts(&rec);
    assert!(want.get("status").is_some_and(|t| t.contains("■超前")), "{want:?}");
    rec.show_file_as("样例/河北省.xlsx".into());
    assert_eq!(rec.source.file, "样例/河北省.xlsx");
    assert_eq!(rec.read_path(), path.to_string_lossy());
    assert_eq!(permit_forms::markup::original_texts(&rec), want);
    // What is written is the name shown.
    let line = serde_json::to_string(&rec).unwrap();
    assert!(line.contains("样例/河北省.xlsx") && !line.contains(&*dir.path().to_string_lossy()), "{line}");
}

fn ingest_in(path: &Path) -> IngestOutcome {
    ingest(&[path.to_path_buf()])
}
