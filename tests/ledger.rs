//! The findings ledger (审核台账) across months: the office's decisions
//! drive the documents, its typed cells survive LibreOffice (xlsx and ods),
//! sorting and inserted columns, corrected and changed values close their
//! findings, and a ledger the tool cannot use stops the run untouched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use calamine::{open_workbook_auto, Reader};
use permit_forms::fill::{fill_grid, sample_values};
use permit_forms::form::{layout, Field, FormInstance, PersonPart, PersonRole};
use permit_forms::ledger::{self, Ledger, Value};
use permit_forms::render::pdf::PdfRenderer;
use permit_forms::render::xlsx;
use permit_forms::review::{self, ReviewOptions, ReviewOutputs};
use permit_forms::{samples, FormKind};

use crate::util::{self, templates};

pub(crate) fn pdf() -> &'static PdfRenderer {
    static P: OnceLock<PdfRenderer> = OnceLock::new();
    P.get_or_init(|| PdfRenderer::new(templates()).unwrap())
}

pub(crate) fn review(returns: &Path, out: &Path, as_of: &str) -> ReviewOutputs {
    let opts = ReviewOptions {
        returns: vec![returns.to_path_buf()],
        as_of: as_of.parse().unwrap(),
        out: out.to_path_buf(),
        strip_prefix: None,
        allow_empty: false,
    };
    review::run(templates(), &opts, pdf()).unwrap()
}

pub(crate) fn read_ledger(out: &Path) -> Ledger {
    ledger::read(&out.join(ledger::FILE_NAME), &|_| true).unwrap().expect("a ledger")
}

fn write_ledger(path: &Path, l: &Ledger) {
    std::fs::write(path, ledger::to_bytes(l, &[]).unwrap()).unwrap();
}

fn col(l: &Ledger, h: &str) -> usize {
    l.column(h).unwrap_or_else(|| panic!("no column {h}: {:?}", l.headers))
}

/// The row whose 地区 is `region` and whose 问题 contains `problem`.
pub(crate) fn row_of(l: &Ledger, region: &str, problem: &str) -> usize {
    l.rows
        .iter()
        .position(|r| l.text(r, "地区") == region && l.text(r, "问题").contains(problem))
        .unwrap_or_else(|| panic!("no row of {region} about {problem}"))
}

pub(crate) fn by_id<'a>(l: &'a Ledger, id: &str) -> &'a ledger::Row {
    let matching: Vec<_> = l.rows.iter().filter(|r| l.text(r, "编号") == id).collect();
    assert_eq!(matching.len(), 1, "rows with 编号 {id}");
    matching[0]
}

fn set(l: &mut Ledger, row: usize, h: &str, v: Value) {
    let c = col(l, h);
    l.rows[row].cells[c] = Some(v);
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

/// 2017-05-12 as an Excel serial day.
const MAY_12: f64 = 42867.0;

pub(crate) fn docx_text(path: &Path) -> String {
    util::squash(&util::zip_entry(&std::fs::read(path).unwrap(), "word/document.xml"))
}

#[test]
fn a_warning_accepted_after_the_first_month_leaves_the_next_months_letters_and_open_list() {
    let dir = util::tempdir();
    let returns = dir.path().join("returns");
    samples::write_to(&returns).unwrap();
    let out = dir.path().join("审阅");
    let first = review(&returns, &out, "2017-05-11");
    // 上海市's only finding for the region is its 附2 leader's title (a
    // warning): a 核实提醒, not a 退回意见.
    assert!(first.dir.join("退回意见/核实提醒_上海市.docx").is_file());
    let mut l = read_ledger(&out);
    let i = row_of(&l, "上海市", "总负责人职务");
    assert_eq!(l.text(&l.rows[i], "状态"), "待处理");
    let id = l.text(&l.rows[i], "编号");
    let message = l.text(&l.rows[i], "问题").split_once('：').unwrap().1.to_string();
    let report1 = util::squash(&util::pdf_text(&first.dir.join("调度会报告_截至2017-05-11.pdf")));
    // The 通报 counts the open findings by region and rule (附件3).
    let counted = util::squash("上海市负责人职务不符");
    assert!(report1.contains(&counted), "the first report counts it");
    let _ = &message;
    let typed = [
        ("处理意见", text("接受（无需修改）")),
        ("处理人", text("王芳")),
        ("处理日期", Value::Date(MAY_12)),
        ("备注", text("已电话核实：试点期间由综合科代管\n见5月12日记录")),
    ];
    for (h, v) in &typed {
        set(&mut l, i, h, v.clone());
    }
    write_ledger(&out.join(ledger::FILE_NAME), &l);

    let second = review(&returns, &out, "2017-06-12");
    let letters = second.dir.join("退回意见");
    assert!(!letters.join("核实提醒_上海市.docx").exists(), "no letter for an accepted warning");
    assert!(!letters.join("核实提醒_上海市.pdf").exists());
    assert!(!letters.join("上海市").exists(), "no marked-up return either");
    assert!(letters.join("退回意见_河南省.docx").is_file(), "the others still go out");
    let report2 = util::squash(&util::pdf_text(&second.dir.join("调度会报告_截至2017-06-12.pdf")));
    assert!(!report2.contains(&counted), "the open problems leave it out");
    assert!(!report2.contains(&util::squash(&message)));
    assert!(report2.contains("报表校验问题"));

    let l2 = read_ledger(&out);
    let row = by_id(&l2, &id);
    assert_eq!(l2.text(row, "状态"), "已接受");
    for (h, v) in &typed {
        assert_eq!(row.cells[col(&l2, h)].as_ref(), Some(v), "{h}");
    }
    // The previous ledger is kept, as the office left it.
    let prev = ledger::read(&out.join(ledger::PREVIOUS_FILE_NAME), &|_| true).unwrap().unwrap();
    assert_eq!(prev.text(by_id(&prev, &id), "处理人"), "王芳");
    // The workbook's 校验问题 shows the ledger's state beside the 编号.
    let mut wb = open_workbook_auto(second.dir.join("汇总_截至2017-06-12.xlsx")).unwrap();
    let sheet = wb.worksheet_range("校验问题").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let head = rows.iter().position(|r| r.iter().any(|c| c == "编号")).unwrap();
    let (ic, sc) = (
        rows[head].iter().position(|c| c == "编号").unwrap(),
        rows[head].iter().position(|c| c == "台账状态").unwrap(),
    );
    let shown: Vec<&str> = rows.iter().filter(|r| r[ic] == id).map(|r| r[sc].as_str()).collect();
    assert_eq!(shown, ["已接受"]);
}

/// The office's work on a ledger: a column inserted before 处理意见, cells
/// typed in several rows, the rows sorted by 地区 descending. Returns what
/// was typed, by 编号.
fn office_edits(l: &mut Ledger) -> BTreeMap<String, Vec<(String, Value)>> {
    let at = col(l, "处理意见");
    l.headers.insert(at, "核对人".into());
    for r in &mut l.rows {
        r.cells.insert(at, None);
    }
    let mut typed = BTreeMap::new();
    let words = ["接受（无需修改）", "退回修改", "说明已采纳", "说明不采纳"];
    let step = (l.rows.len() / 6).max(1);
    for (n, i) in (0..l.rows.len()).step_by(step).take(6).enumerate() {
        let mut cells = vec![
            ("处理人".to_string(), text(&format!("经办{n}"))),
            ("核对人".to_string(), if n % 2 == 0 { text("李强") } else { Value::Number(n as f64 + 0.5) }),
            ("处理日期".to_string(), Value::Date(MAY_12 + n as f64)),
            ("备注".to_string(), text(&format!("第{n}条：已核实\n另附说明"))),
        ];
        if n < words.len() {
            cells.push(("处理意见".to_string(), text(words[n])));
        }
        for (h, v) in &cells {
            set(l, i, h, v.clone());
        }
        typed.insert(l.text(&l.rows[i], "编号"), cells);
    }
    let region = col(l, "地区");
    let key = |r: &ledger::Row| r.cells[region].as_ref().map(Value::text).unwrap_or_default();
    l.rows.sort_by_key(|r| std::cmp::Reverse(key(r)));
    typed
}

#[test]
fn typed_cells_survive_libreoffice_xlsx_and_ods_sorting_and_an_inserted_column() {
    let dir = util::tempdir();
    let returns = dir.path().join("returns");
    samples::write_to(&returns).unwrap();
    for format in ["xlsx", "ods"] {
        let out = dir.path().join(format!("审阅-{format}"));
        review(&returns, &out, "2017-05-11");
        let mut l = read_ledger(&out);
        let typed = office_edits(&mut l);
        assert_eq!(typed.len(), 6);
        let staged = dir.path().join(format!("staged-{format}"));
        std::fs::create_dir_all(&staged).unwrap();
        write_ledger(&staged.join(ledger::FILE_NAME), &l);
        let saved = util::soffice_convert(&staged.join(ledger::FILE_NAME), format, &dir.path().join(format));
        std::fs::copy(&saved, out.join(ledger::FILE_NAME)).unwrap();

        review(&returns, &out, "2017-05-11");
        let back = read_ledger(&out);
        // The office's column order stays: 核对人 right before 处理意见.
        assert_eq!(col(&back, "核对人") + 1, col(&back, "处理意见"), "{format}: {:?}", back.headers);
        for (id, cells) in &typed {
            let row = by_id(&back, id);
            for (h, v) in cells {
                assert_eq!(row.cells[col(&back, h)].as_ref(), Some(v), "{format}: {id} {h}");
            }
            let decided = cells.iter().find(|(h, _)| h == "处理意见").map(|(_, v)| v.text());
            let want = match decided.as_deref() {
                Some("接受（无需修改）") => "已接受",
                Some("退回修改") => "退回中",
                Some("说明已采纳") => "已采纳说明",
                _ => "待处理",
            };
            assert_eq!(back.text(row, "状态"), want, "{format}: {id}");
        }
        // Nobody else's row got the typed words.
        let others = back.rows.iter().filter(|r| !typed.contains_key(&back.text(r, "编号")));
        for r in others {
            assert_eq!(back.text(r, "处理人"), "", "{format}: {}", back.text(r, "编号"));
        }
    }
}

/// A 附2 of 河北省 with `title` for the leader and `phone` for the contact,
/// dated `on`.
pub(crate) fn hebei_plan(path: &Path, title: &str, phone: &str, on: &str) {
    let t = templates();
    let id = t.registry.region_by_name("河北省").unwrap();
    let mut v = sample_values(&t.registry, FormKind::Plan, id, None, 7);
    v.values.insert(Field::Person(PersonRole::Lead, PersonPart::Title), title.into());
    v.values.insert(Field::Person(PersonRole::Contact, PersonPart::Phone), phone.into());
    v.values.insert(Field::SubmittedOn, on.into());
    let mut g = layout(t.form(FormKind::Plan), &t.registry, FormInstance { region: Some(id), period: None });
    fill_grid(&mut g, &v);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, xlsx::render(&g).unwrap()).unwrap();
}

#[test]
fn a_corrected_value_is_corrected_and_a_changed_failing_one_is_void_and_linked() {
    let dir = util::tempdir();
    let returns = dir.path().join("returns");
    let out = dir.path().join("审阅");
    hebei_plan(&returns.join("附2_河北省.xlsx"), "科员", "123", "2017年3月20日");
    review(&returns, &out, "2017-04-11");
    let l = read_ledger(&out);
    let title = row_of(&l, "河北省", "总负责人职务");
    let phone = row_of(&l, "河北省", "“123”");
    let (title_id, phone_id) = (l.text(&l.rows[title], "编号"), l.text(&l.rows[phone], "编号"));
    // The region sends the plan again: the title corrected, the phone changed and still wrong.
    hebei_plan(&returns.join("附2_河北省_更正.xlsx"), "副厅长", "4567", "2017年4月20日");
    let second = review(&returns, &out, "2017-05-11");
    let l = read_ledger(&out);
    assert_eq!(l.text(by_id(&l, &title_id), "状态"), "已更正");
    let old = by_id(&l, &phone_id);
    assert_eq!(l.text(old, "状态"), "已失效");
    let new = row_of(&l, "河北省", "“4567”");
    let new_id = l.text(&l.rows[new], "编号");
    assert_ne!(new_id, phone_id);
    assert_eq!(l.text(&l.rows[new], "状态"), "待处理");
    assert_eq!(l.text(old, "关联编号"), new_id, "the old finding names its successor");
    assert_eq!(l.text(&l.rows[new], "关联编号"), phone_id, "and the new one its predecessor");
    // Only the open one is asked for in the letter.
    // A phone that is not one is a warning: the region is asked to check it.
    let letter = docx_text(&second.dir.join("退回意见/核实提醒_河北省.docx"));
    assert!(letter.contains("4567"));
    assert!(!letter.contains("科员"));
    // The same returns from another folder layout, read again: the same 编号.
    let moved = dir.path().join("elsewhere/deeper");
    std::fs::create_dir_all(&moved).unwrap();
    for f in ["附2_河北省.xlsx", "附2_河北省_更正.xlsx"] {
        std::fs::copy(returns.join(f), moved.join(format!("副本_{f}"))).unwrap();
    }
    let other = dir.path().join("另一个审阅");
    review(&moved, &other, "2017-05-11");
    let ids = |l: &Ledger| -> Vec<String> {
        let mut v: Vec<String> = l.rows.iter().map(|r| l.text(r, "编号")).collect();
        v.sort();
        v
    };
    assert_eq!(ids(&read_ledger(&other)), ids(&l));
    // The returns taken away: every row stays, and says its finding is void.
    std::fs::remove_dir_all(&returns).unwrap();
    std::fs::create_dir_all(&returns).unwrap();
    // (An empty review stops unless asked for, as the office would ask here.)
    let opts = ReviewOptions {
        returns: vec![returns.clone()],
        as_of: "2017-06-12".parse().unwrap(),
        out: out.clone(),
        strip_prefix: None,
        allow_empty: true,
    };
    review::run(templates(), &opts, pdf()).unwrap();
    let gone = read_ledger(&out);
    assert_eq!(ids(&gone), ids(&l));
    assert!(gone.rows.iter().all(|r| gone.text(r, "状态") == "已失效"));
}

#[test]
fn a_ledger_of_another_pilot_is_refused() {
    let dir = util::tempdir();
    let returns = dir.path().join("returns");
    hebei_plan(&returns.join("附2_河北省.xlsx"), "科员", "123", "2017年3月20日");
    let out = dir.path().join("审阅");
    review(&returns, &out, "2017-04-11");
    let bytes = std::fs::read(out.join(ledger::FILE_NAME)).unwrap();
    let err = ledger::read_bytes(&bytes, "审核台账.xlsx", &|r| r == "某某省").unwrap_err().to_string();
    assert!(err.contains("另一个试点") && err.contains("河北省"), "{err}");
    assert!(ledger::read_bytes(&bytes, "审核台账.xlsx", &|r| r == "河北省").is_ok());
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_permit-forms"))
}

fn run_cli(dir: &Path, as_of: &str) -> std::process::Output {
    Command::new(bin())
        .current_dir(dir)
        .args(["review", "returns", "--as-of", as_of, "--out", "审阅"])
        .output()
        .unwrap()
}

#[test]
fn a_bad_word_a_renamed_column_or_a_damaged_ledger_stops_the_run_untouched() {
    let dir = util::tempdir();
    samples::write_to(&dir.path().join("returns")).unwrap();
    let out = dir.path().join("审阅");
    review(&dir.path().join("returns"), &out, "2017-05-11");
    let path = out.join(ledger::FILE_NAME);
    let good = read_ledger(&out);

    let mut bad = good.clone();
    let c = col(&bad, "处理意见");
    bad.rows[3].cells[c] = Some(text("同意"));
    let cell = format!("{}{}", (b'A' + c as u8) as char, 5);
    let mut renamed = good.clone();
    renamed.headers[c] = "意见".into();
    let damaged = std::fs::read(&path).unwrap()[..400].to_vec();
    let cases: [(&str, Vec<u8>, Vec<&str>); 3] = [
        ("bad word", ledger::to_bytes(&bad, &[]).unwrap(), vec![&cell, "同意", "处理意见"]),
        ("renamed", ledger::to_bytes(&renamed, &[]).unwrap(), vec!["处理意见", "A1"]),
        ("damaged", damaged, vec!["无法读取"]),
    ];
    for (what, bytes, words) in cases {
        std::fs::write(&path, &bytes).unwrap();
        let o = run_cli(dir.path(), "2017-06-12");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{what}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{what}: one line: {err}");
        assert!(err.contains("审核台账.xlsx"), "{what}: {err}");
        for w in words {
            assert!(err.contains(w), "{what}: {w} in {err}");
        }
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{what}: the ledger is untouched");
        assert!(!out.join("2017-06-12").exists(), "{what}: nothing written");
    }
}

#[test]
fn a_ledger_row_whose_number_was_edited_is_kept_and_reported() {
    let dir = util::tempdir();
    samples::write_to(&dir.path().join("returns")).unwrap();
    let out = dir.path().join("审阅");
    review(&dir.path().join("returns"), &out, "2017-05-11");
    let mut l = read_ledger(&out);
    let i = row_of(&l, "上海市", "总负责人职务");
    let id = l.text(&l.rows[i], "编号");
    set(&mut l, i, "编号", text("手改-0001"));
    set(&mut l, i, "备注", text("这一行的编号被改过"));
    write_ledger(&out.join(ledger::FILE_NAME), &l);
    let res = review(&dir.path().join("returns"), &out, "2017-05-11");
    assert!(res.ledger_notes.iter().any(|n| n.contains("手改-0001")), "{:?}", res.ledger_notes);
    let back = read_ledger(&out);
    let kept = by_id(&back, "手改-0001");
    assert_eq!(back.text(kept, "备注"), "这一行的编号被改过");
    assert!(back.text(kept, "提示").contains("编号"));
    // The finding has its own row again, without the words of the edited one.
    assert_eq!(back.text(by_id(&back, &id), "备注"), "");
}

#[test]
fn an_interrupted_run_never_leaves_a_ledger_that_does_not_open() {
    let dir = util::tempdir();
    samples::write_to(&dir.path().join("returns")).unwrap();
    let out = dir.path().join("审阅");
    let path = out.join(ledger::FILE_NAME);
    let first = run_cli(dir.path(), "2017-05-11");
    assert!(first.status.success());
    let mut killed_while_running = 0;
    for (n, ms) in [150u64, 300, 450, 600, 750, 900, 1100, 1300, 1600, 2000].into_iter().enumerate() {
        // Each round the office has decided one more row, so the ledger is rewritten.
        let mut l = read_ledger(&out);
        let c = col(&l, "处理人");
        l.rows[n].cells[c] = Some(text(&format!("第{n}轮")));
        write_ledger(&path, &l);
        let mut child = Command::new(bin())
            .current_dir(dir.path())
            .args(["review", "returns", "--as-of", "2017-06-12", "--out", "审阅"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(ms));
        if child.try_wait().unwrap().is_none() {
            killed_while_running += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        for p in [&path, &out.join(ledger::PREVIOUS_FILE_NAME)] {
            if p.exists() {
                let l = ledger::read(p, &|_| true).unwrap_or_else(|e| panic!("after {ms} ms: {e}"));
                assert!(l.is_some_and(|l| !l.rows.is_empty()), "after {ms} ms");
            }
        }
        let back = read_ledger(&out);
        assert!(back.rows.iter().any(|r| back.text(r, "处理人") == format!("第{n}轮")), "after {ms} ms");
    }
    assert!(killed_while_running > 0, "no run was interrupted");
}

/// A 附3 of `region` for `month` (2017), dated `on`.
fn progress(path: &Path, region: &str, month: u32, on: &str) {
    let t = templates();
    let id = t.registry.region_by_name(region).unwrap();
    let period = permit_forms::YearMonth::new(2017, month);
    let mut v = sample_values(&t.registry, FormKind::Progress, id, period, month as u64);
    v.values.insert(Field::SubmittedOn, on.into());
    let mut g = layout(t.form(FormKind::Progress), &t.registry, FormInstance { region: Some(id), period });
    fill_grid(&mut g, &v);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, xlsx::render(&g).unwrap()).unwrap();
}

#[test]
fn look_back_names_a_region_open_two_months_and_one_late_two_months_running() {
    let dir = util::tempdir();
    let returns = dir.path().join("returns");
    let out = dir.path().join("审阅");
    // 河北省: a leader's title nobody decides on. 山西省: March and April
    // both late, its findings accepted each month.
    hebei_plan(&returns.join("附2_河北省.xlsx"), "科员", "13812345678", "2017年3月20日");
    progress(&returns.join("山西省3月.xlsx"), "山西省", 3, "2017年4月15日");
    progress(&returns.join("山西省4月.xlsx"), "山西省", 4, "2017年5月15日");
    for as_of in ["2017-04-11", "2017-05-11", "2017-06-12"] {
        review(&returns, &out, as_of);
        let mut l = read_ledger(&out);
        for i in 0..l.rows.len() {
            if l.text(&l.rows[i], "地区") == "山西省" {
                set(&mut l, i, "处理意见", text("接受（无需修改）"));
            }
        }
        write_ledger(&out.join(ledger::FILE_NAME), &l);
    }
    let path = out.join(ledger::FILE_NAME);
    let mut wb = open_workbook_auto(&path).unwrap();
    let sheet = wb.worksheet_range(review::LOOK_BACK_SHEET).unwrap();
    let lines: Vec<String> = sheet.rows().skip(1).map(|r| r[1].to_string()).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("河北省：") && lines[0].contains("两个月以上仍未解决"), "{lines:?}");
    assert!(!lines[0].contains("迟报"), "{lines:?}");
    assert_eq!(lines[1], "山西省：连续迟报（2017年3月、2017年4月）", "{lines:?}");
    // The 通报's 回头看 names the same regions, one line each, and nobody else.
    let report = util::pdf_text(&out.join("2017-06-12/调度会报告_截至2017-06-12.pdf"));
    let part = report.split("五、回头看").nth(1).and_then(|s| s.split("六、").next()).expect("a 回头看 part");
    let named: Vec<&str> =
        part.lines().map(str::trim).filter(|l| l.contains('：') && l.ends_with('。')).collect();
    let squashed = util::squash(part);
    for l in &lines {
        assert!(squashed.contains(&util::squash(l)), "{l} not in the report's 回头看:\n{part}");
    }
    assert!(!named.iter().any(|l| l.starts_with("上海市") || l.starts_with("河南省")), "{named:?}");
}
