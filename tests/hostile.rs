//! Hostile and damaged files: each must be rejected (or read) in under 2 s
//! with peak memory under 300 MB, and a good return beside it still read.
//!
//! Every case runs the real CLI in a child process under an address-space
//! limit (`setrlimit(RLIMIT_AS)`), so an allocation failure — which aborts
//! the process and no panic guard can catch — shows as a failed run instead
//! of hiding or taking the test binary down. Time and peak resident memory
//! come from `wait4`'s resource usage.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use permit_forms::render::{docx, xlsx};
use permit_forms::FormKind;
use proptest::prelude::*;

use crate::ingest::{base, filled_grid};
use crate::util;

/// Address space the child may use (300 MB).
const MEMORY_LIMIT: u64 = 300 * 1024 * 1024;
/// Wall time one hostile file may take.
const TIME_LIMIT: Duration = Duration::from_secs(2);

/// How a limited child run ended.
#[derive(Debug)]
struct Run {
    /// Exit code, or `None` when killed by a signal (an abort).
    code: Option<i32>,
    signal: Option<i32>,
    took: Duration,
    peak_kb: i64,
    stderr: String,
}

/// Runs `permit-forms ingest INPUT --out OUT` under the memory limit,
/// killing it after `timeout`.
fn ingest_limited(input: &Path, out: &Path, timeout: Duration) -> Run {
    let err_path = out.with_extension("stderr");
    let err = std::fs::File::create(&err_path).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_permit-forms"));
    cmd.arg("ingest").arg(input).arg("--out").arg(out);
    // Fixed threads and malloc arenas: the limit is on address space, which
    // grows with both, whatever the machine.
    cmd.env("RAYON_NUM_THREADS", "2").env("MALLOC_ARENA_MAX", "2");
    cmd.stdout(Stdio::null()).stderr(err);
    // SAFETY: setrlimit is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit { rlim_cur: MEMORY_LIMIT, rlim_max: MEMORY_LIMIT };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let start = Instant::now();
    // Reaped by wait4 below (which also gives the resource usage).
    #[allow(clippy::zombie_processes)]
    let child = cmd.spawn().expect("spawn permit-forms");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain wait4 on our own child, with zeroed out-parameters.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4 failed");
        if start.elapsed() > timeout {
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::wait4(pid, &mut status, 0, &mut usage);
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let took = start.elapsed();
    let exited = libc::WIFEXITED(status);
    Run {
        code: exited.then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        took,
        peak_kb: usage.ru_maxrss,
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile").join(name)
}

const GOOD: &str = "good_progress_hebei_2017-04.xlsx";

fn jsonl(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Puts `bytes` as `name` beside the good return, runs ingest under the
/// limits and checks: normal exit within 2 s and 300 MB, the good file read,
/// the hostile one rejected with a reason containing `reason`. Returns the
/// figures for the note.
fn check_case(name: &str, bytes: &[u8], reason: &str) -> String {
    let dir = util::tempdir();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join(name), bytes).unwrap();
    std::fs::copy(fixture(GOOD), input.join(GOOD)).unwrap();
    let out = dir.path().join("out");
    let run = ingest_limited(&input, &out, Duration::from_secs(60));
    assert_eq!((run.code, run.signal), (Some(0), None), "{name}: run failed: {}", run.stderr);
    assert!(run.took < TIME_LIMIT, "{name}: took {:?}", run.took);
    assert!(run.peak_kb < (MEMORY_LIMIT / 1024) as i64, "{name}: peak {} KB", run.peak_kb);
    let records = jsonl(&out.join("records.jsonl"));
    assert_eq!(records.len(), 1, "{name}: the good file beside it is read");
    assert!(records[0]["source"]["file"].as_str().unwrap().ends_with(GOOD));
    assert_eq!(records[0]["region"], "河北省");
    let rejected = jsonl(&out.join("rejected.jsonl"));
    assert_eq!(rejected.len(), 1, "{name}: {rejected:?}");
    let why = rejected[0]["reason"].as_str().unwrap();
    assert!(rejected[0]["file"].as_str().unwrap().contains(name));
    assert!(why.contains(reason), "{name}: reason {why:?} lacks {reason:?}");
    let line = format!("{name}: {:.3} s, peak {} KB: {why}", run.took.as_secs_f64(), run.peak_kb);
    eprintln!("{line}");
    line
}

#[test]
fn shared_hostile_cases_are_rejected_fast_in_bounded_memory() {
    let cases = [
        ("sst_uniqueCount_1e10.xlsx", "共享字符串表声明"),
        ("xls_dimensions_huge.xls", "上限"),
        ("ods_repeat_98M_cells.ods", "上限"),
        ("xlsx_300_sheets_window_corners.xlsx", "工作表，超过 50 个的上限"),
        ("xlsx_bomb_1GB_comment.xlsx", "解压后超过 32 MB 的上限"),
    ];
    for (name, reason) in cases {
        check_case(name, &std::fs::read(fixture(name)).unwrap(), reason);
    }
}

// ---- building more of each kind ----------------------------------------------------

/// The Word package `word` with `xml` put first in its document's body.
fn body_starting_with(word: &[u8], xml: &str) -> Vec<u8> {
    let text = util::zip_entry(word, "word/document.xml");
    let edited = text.replacen("<w:body>", &format!("<w:body>{xml}"), 1);
    assert_ne!(edited, text, "a document with a body");
    util::with_zip_entry(word, "word/document.xml", edited.as_bytes())
}

fn good_form() -> Vec<u8> {
    let (job, v) = base(FormKind::Progress, "河北省", Some((2017, 4)));
    xlsx::render(&filled_grid(&job, &v)).unwrap()
}

/// An xlsx whose part `part` gets `pad` bytes of XML white space inserted
/// after its first tag end (a zip bomb: it deflates about 1000:1).
fn padded(package: &[u8], part: &str, pad: usize) -> Vec<u8> {
    let mut parts = util::zip_parts_of(package);
    let (_, b) = parts.iter_mut().find(|(n, _)| n == part).unwrap_or_else(|| panic!("no {part}"));
    let at = b.windows(2).position(|w| w == b"?>").map_or(0, |i| i + 2);
    let mut nb = b[..at].to_vec();
    nb.extend(std::iter::repeat_n(b' ', pad));
    nb.extend_from_slice(&b[at..]);
    *b = nb;
    util::zip_of_parts(&parts)
}

fn workbook(f: impl FnOnce(&mut rust_xlsxwriter::Workbook)) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    f(&mut wb);
    wb.save_to_buffer().unwrap()
}

fn ods(content_body: &str) -> Vec<u8> {
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content \
         xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\">\
         <office:body><office:spreadsheet>{content_body}</office:spreadsheet></office:body></office:document-content>"
    );
    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest \
        xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\">\
        <manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
        <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>";
    util::zip_of_parts(&[
        ("mimetype".into(), b"application/vnd.oasis.opendocument.spreadsheet".to_vec()),
        ("content.xml".into(), content.into_bytes()),
        ("META-INF/manifest.xml".into(), manifest.as_bytes().to_vec()),
    ])
}

#[test]
fn built_hostile_xlsx_ods_docx_and_zip_variants_are_rejected_fast() {
    let good = good_form();
    // Shared strings claiming 10^12 entries.
    let sst = workbook(|wb| {
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "试点地区").unwrap();
        ws.write_string(1, 0, "河北省").unwrap();
    });
    let mut parts = util::zip_parts_of(&sst);
    let (_, s) = parts.iter_mut().find(|(n, _)| n == "xl/sharedStrings.xml").expect("an sst part");
    let text = String::from_utf8(s.clone()).unwrap();
    let patched = text.replacen("uniqueCount=\"2\"", "uniqueCount=\"1000000000000\"", 1);
    assert_ne!(patched, text, "{text}");
    // The same claim behind 100 KB of white space and comments, past the
    // head that is read to find it.
    let padded_claim =
        patched.replacen("<sst", &format!("{}<!--{}--><sst", " ".repeat(50_000), "x".repeat(50_000)), 1);
    *s = patched.into_bytes();
    check_case("sst_claim.xlsx", &util::zip_of_parts(&parts), "共享字符串表声明");
    let (_, s) = parts.iter_mut().find(|(n, _)| n == "xl/sharedStrings.xml").expect("an sst part");
    *s = padded_claim.into_bytes();
    check_case("sst_claim_padded.xlsx", &util::zip_of_parts(&parts), "共享字符串表的开头");
    // A sheet part that inflates to 40 MB.
    check_case("bomb.xlsx", &padded(&good, "xl/worksheets/sheet1.xml", 40 << 20), "解压后超过 32 MB");
    // 60 sheets.
    let many = workbook(|wb| {
        for i in 0..60 {
            wb.add_worksheet().write_string(0, 0, format!("表{i}")).unwrap();
        }
    });
    check_case("many_sheets.xlsx", &many, "60 个工作表");
    // Two cells at the corners of the area a form can reach.
    let corners = workbook(|wb| {
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "试点地区").unwrap();
        ws.write_string(4_999, 199, "x").unwrap();
    });
    check_case("corners.xlsx", &corners, "使用区域（1000000 个单元格）");
    // An .ods repeating a filled cell 16,000 columns by 10,000 rows.
    let repeat = ods(
        "<table:table table:name=\"表\"><table:table-row table:number-rows-repeated=\"10000\">\
         <table:table-cell table:number-columns-repeated=\"16000\" office:value-type=\"float\" office:value=\"1\"/>\
         </table:table-row></table:table>",
    );
    check_case("repeat.ods", &repeat, "上限");
    // An .ods with 80 tables.
    let tables: String = (0..80).map(|i| format!("<table:table table:name=\"t{i}\"/>")).collect();
    check_case("tables.ods", &ods(&tables), "80 个工作表");
    // A Word return whose document part inflates to 40 MB.
    let (job, v) = base(FormKind::Progress, "河北省", Some((2017, 4)));
    let word = docx::render(&filled_grid(&job, &v)).unwrap();
    check_case("bomb.docx", &padded(&word, "word/document.xml", 40 << 20), "解压后超过 32 MB");
    // A Word return of 100,000 empty paragraphs (a tree of gigabytes in docx-rs).
    check_case("paragraphs.docx", &body_starting_with(&word, &"<w:p/>".repeat(100_000)), "结构元素过多");
    // A Word return with 2,000 tables each in the cell of the one before:
    // docx-rs reads and drops such a tree a call per level, and about 600
    // levels of tables overflowed even the main thread's stack and ended
    // the run.
    let nested =
        format!("{}<w:p/>{}", "<w:tbl><w:tr><w:tc>".repeat(2_000), "</w:tc></w:tr></w:tbl>".repeat(2_000));
    check_case("nested_tables.docx", &body_starting_with(&word, &nested), "层层嵌套");
    // A zip of returns holding a bomb: the member is rejected by name.
    let archive =
        util::zip_of_parts(&[("河北/炸弹.xlsx".into(), padded(&good, "xl/worksheets/sheet1.xml", 40 << 20))]);
    check_case("returns.zip", &archive, "解压后超过 32 MB");
}

/// An .xls made by LibreOffice whose worksheet DIMENSIONS record is patched
/// to claim about four billion rows, and another whose last row is before
/// its first.
#[test]
fn built_hostile_xls_variants_are_rejected_fast() {
    let dir = util::tempdir();
    let path = dir.path().join("form.xlsx");
    std::fs::write(&path, good_form()).unwrap();
    let xls = std::fs::read(util::soffice_convert(&path, "xls", dir.path())).unwrap();
    // DIMENSIONS: type 0x0200, length 14.
    let at = xls.windows(4).position(|w| w == [0x00, 0x02, 0x0E, 0x00]).expect("a DIMENSIONS record") + 4;
    let mut huge = xls.clone();
    huge[at + 4..at + 8].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    check_case("dims_huge.xls", &huge, "上限");
    let mut backwards = xls.clone();
    backwards[at..at + 4].copy_from_slice(&1000u32.to_le_bytes());
    backwards[at + 4..at + 8].copy_from_slice(&10u32.to_le_bytes());
    check_case("dims_backwards.xls", &backwards, "行列范围无效");
}

// ---- property test: mutated files under the memory limit -----------------------------

/// Seeds: a filled progress form as xlsx, xls and ods (LibreOffice) and docx.
fn seeds() -> &'static Vec<(&'static str, Vec<u8>)> {
    static S: OnceLock<Vec<(&'static str, Vec<u8>)>> = OnceLock::new();
    S.get_or_init(|| {
        let dir = util::tempdir();
        let path = dir.path().join("seed.xlsx");
        std::fs::write(&path, good_form()).unwrap();
        let (job, v) = base(FormKind::Progress, "河北省", Some((2017, 4)));
        vec![
            ("xlsx", good_form()),
            ("xls", std::fs::read(util::soffice_convert(&path, "xls", dir.path())).unwrap()),
            ("ods", std::fs::read(util::soffice_convert(&path, "ods", dir.path())).unwrap()),
            ("docx", docx::render(&filled_grid(&job, &v)).unwrap()),
        ]
    })
}

fn mutated() -> impl Strategy<Value = (usize, Vec<(u32, u8)>, Option<u32>)> {
    (
        0usize..4,
        proptest::collection::vec((any::<u32>(), any::<u8>()), 1..24),
        proptest::option::of(any::<u32>()),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    /// Eight mutated files per run: the CLI must exit normally under the
    /// memory limit and account for each file (record, rejection or skip).
    #[test]
    fn mutated_files_never_abort_or_exhaust_the_run(cases in proptest::collection::vec(mutated(), 8)) {
        let dir = util::tempdir();
        let input = dir.path().join("in");
        std::fs::create_dir_all(&input).unwrap();
        for (i, (which, edits, cut)) in cases.into_iter().enumerate() {
            let (ext, seed) = &seeds()[which];
            let bytes = util::mutate(seed, &edits, cut);
            std::fs::write(input.join(format!("{i}.{ext}")), bytes).unwrap();
        }
        let out = dir.path().join("out");
        let run = ingest_limited(&input, &out, Duration::from_secs(30));
        prop_assert_eq!((run.code, run.signal), (Some(0), None), "{}", run.stderr);
        let mut files = std::collections::BTreeSet::new();
        for r in jsonl(&out.join("records.jsonl")) {
            files.insert(r["source"]["file"].as_str().unwrap().to_string());
        }
        let rejected = jsonl(&out.join("rejected.jsonl"));
        let skipped = jsonl(&out.join("skipped.jsonl"));
        let accounted = files.len() + rejected.len() + skipped.len();
        prop_assert_eq!(accounted, 8, "{:?} {:?} {:?}", files, rejected, skipped);
    }
}
