//! The region answers in its marked-up copy: a 情况说明 written into the
//! copy (its sheet XML edited, not by this tool's writer) and sent back
//! makes the finding 地区已说明 with the text in the ledger; boilerplate
//! does not count; the office's 说明已采纳 closes it; a resubmission that
//! fixes one finding, explains another and changes an unflagged value shows
//! all three in the ledger and in 更正记录.

use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Reader};
use permit_forms::ledger::{self, Value};
use permit_forms::samples;

use crate::ledger::{by_id, docx_text, hebei_plan, read_ledger, review, row_of};
use crate::util::{self, templates};

/// The one marked-up copy of `region` in the review folder `dir`.
fn marked_copy(dir: &Path, region: &str) -> PathBuf {
    let folder = dir.join("退回意见").join(region);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap_or_else(|_| panic!("no marked-up copies for {region}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with("_请修改.xlsx"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.remove(0)
}

/// The part name of sheet `name` (rust_xlsxwriter numbers the parts in
/// sheet order).
fn sheet_part(bytes: &[u8], name: &str) -> String {
    let wb = util::zip_entry(bytes, "xl/workbook.xml");
    let names: Vec<String> = wb
        .split("<sheet ")
        .skip(1)
        .map(|s| s.split("name=\"").nth(1).unwrap().split('"').next().unwrap().to_string())
        .collect();
    let n = names.iter().position(|s| s == name).unwrap_or_else(|| panic!("no sheet {name}: {names:?}"));
    format!("xl/worksheets/sheet{}.xml", n + 1)
}

/// `bytes` with cell `a1` of sheet `sheet` set to `text`, by editing the
/// sheet's XML as another program would write it (an inline string).
fn set_cell(bytes: &[u8], sheet: &str, a1: &str, text: &str) -> Vec<u8> {
    let part = sheet_part(bytes, sheet);
    let xml = util::zip_entry(bytes, &part);
    let start = xml.find(&format!("<c r=\"{a1}\"")).unwrap_or_else(|| panic!("no cell {a1} in {sheet}"));
    let rest = &xml[start..];
    let open_end = rest.find('>').unwrap();
    let end = if rest[..open_end].ends_with('/') { open_end + 1 } else { rest.find("</c>").unwrap() + 4 };
    let style = rest[..open_end]
        .split(" s=\"")
        .nth(1)
        .map(|s| format!(" s=\"{}\"", s.split('"').next().unwrap()))
        .unwrap_or_default();
    let esc = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let cell = format!("<c r=\"{a1}\"{style} t=\"inlineStr\"><is><t>{esc}</t></is></c>");
    let new = format!("{}{cell}{}", &xml[..start], &xml[start + end..]);
    util::with_zip_entry(bytes, &part, new.as_bytes())
}

/// The A1 address of the 情况说明 cell of finding `id` in the copy.
fn answer_cell(copy: &Path, id: &str) -> String {
    let mut wb = open_workbook_auto(copy).unwrap();
    let sheet = wb.worksheet_range("情况说明").expect("a 情况说明 sheet");
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0], ["编号", "单元格", "问题", "情况说明"]);
    let r = rows.iter().position(|r| r[0] == id).unwrap_or_else(|| panic!("no row {id}: {rows:?}"));
    format!("D{}", r + 1)
}

/// The copy of `region` with `text` written as the 情况说明 of `id`,
/// saved into `returns` as the region sends it back.
fn explain(review_dir: &Path, region: &str, id: &str, text: &str, returns: &Path) -> PathBuf {
    let copy = marked_copy(review_dir, region);
    let bytes = set_cell(&std::fs::read(&copy).unwrap(), "情况说明", &answer_cell(&copy, id), text);
    let back = returns.join(format!("{region}_回复.xlsx"));
    std::fs::write(&back, bytes).unwrap();
    back
}

#[test]
fn an_explained_warning_is_explained_boilerplate_is_not_and_an_accepted_one_leaves_the_letters() {
    let dir = util::tempdir();
    let returns = dir.path().join("returns");
    samples::write_to(&returns).unwrap();
    // 河北省's plan with a leader's title and a phone that do not fit (two warnings).
    hebei_plan(&returns.join("河北省/附2_试点工作计划表_河北省.xlsx"), "科员", "123", "2017年3月20日");
    let out = dir.path().join("审阅");
    let first = review(&returns, &out, "2017-05-11");
    let l = read_ledger(&out);
    let id_of = |region: &str, problem: &str| l.text(&l.rows[row_of(&l, region, problem)], "编号");
    // 上海市 and 河北省: a leader's title (warnings); 河南省: no reason for 滞后 (an error).
    let sh = id_of("上海市", "总负责人职务");
    let sz = id_of("河南省", "滞后");
    let sx = id_of("河北省", "总负责人职务");
    let said = "该职务为试点期间临时设置，由综合科代管，已报省厅备案";
    explain(&first.dir, "上海市", &sh, said, &returns);
    explain(&first.dir, "河南省", &sz, "同上", &returns);
    explain(&first.dir, "河北省", &sx, "已核实。", &returns);

    review(&returns, &out, "2017-05-11");
    let l = read_ledger(&out);
    let row = by_id(&l, &sh);
    assert_eq!(l.text(row, "状态"), "地区已说明");
    assert_eq!(l.text(row, "地区说明"), said);
    let row = by_id(&l, &sz);
    assert_eq!(l.text(row, "状态"), "待处理", "同上 is no explanation");
    assert!(l.text(row, "提示").contains("不计为说明"), "{}", l.text(row, "提示"));
    let row = by_id(&l, &sx);
    assert_eq!(l.text(row, "状态"), "地区已说明", "a bare 已核实 counts for a warning");
    assert!(l.text(row, "提示").contains("说明过简"));

    // The office accepts 上海市's explanation: closed, and next month's
    // letters leave it out (it was 上海市's only finding).
    let mut l = l;
    let i = l.rows.iter().position(|r| l.text(r, "编号") == sh).unwrap();
    let c = l.column("处理意见").unwrap();
    l.rows[i].cells[c] = Some(Value::Text("说明已采纳".into()));
    std::fs::write(out.join(ledger::FILE_NAME), ledger::to_bytes(&l, &[]).unwrap()).unwrap();
    let before = first.dir.join("退回意见/核实提醒_上海市.docx");
    assert!(docx_text(&before).contains(&util::squash("总负责人职务")), "the first letter carried it");
    let next = review(&returns, &out, "2017-06-12");
    let l = read_ledger(&out);
    assert_eq!(l.text(by_id(&l, &sh), "状态"), "已采纳说明");
    assert!(
        !next.dir.join("退回意见/核实提醒_上海市.docx").exists(),
        "no letter for an accepted explanation"
    );
    assert!(next.dir.join("退回意见/退回意见_河南省.docx").is_file(), "同上 still goes back");
}

#[test]
fn a_resubmission_fixing_one_explaining_another_and_changing_an_unflagged_value_shows_all_three() {
    let dir = util::tempdir();
    let returns = dir.path().join("returns");
    let out = dir.path().join("审阅");
    hebei_plan(&returns.join("附2_河北省.xlsx"), "科员", "123", "2017年3月20日");
    let first = review(&returns, &out, "2017-04-11");
    let l = read_ledger(&out);
    let title = l.text(&l.rows[row_of(&l, "河北省", "总负责人职务")], "编号");
    let phone = l.text(&l.rows[row_of(&l, "河北省", "“123”")], "编号");

    // The clerk's copy: the title explained, the phone corrected and the
    // contact's name changed though nobody asked.
    let copy = marked_copy(&first.dir, "河北省");
    let bytes = std::fs::read(&copy).unwrap();
    let rec = permit_forms::ingest::ingest_bytes(templates(), "copy.xlsx", &bytes).unwrap().remove(0);
    assert!(rec.explanations.is_empty(), "nothing written yet");
    let sheet = rec.source.sheet.clone();
    let said = "总负责人由综合科科员临时担任，正式人选待省厅任命后报送";
    let bytes = set_cell(&bytes, "情况说明", &answer_cell(&copy, &title), said);
    let bytes = set_cell(&bytes, &sheet, &rec.cells["contact.phone"], "13812345678");
    let old_name = rec.contact.name.clone().unwrap();
    let bytes = set_cell(&bytes, &sheet, &rec.cells["contact.name"], "赵新民");
    std::fs::write(returns.join("附2_河北省_回复.xlsx"), bytes).unwrap();

    let second = review(&returns, &out, "2017-04-12");
    let l = read_ledger(&out);
    assert_eq!(l.text(by_id(&l, &phone), "状态"), "已更正");
    let t = by_id(&l, &title);
    assert_eq!(l.text(t, "状态"), "地区已说明");
    assert_eq!(l.text(t, "地区说明"), said);
    let unasked: Vec<&ledger::Row> =
        l.rows.iter().filter(|r| l.text(r, "问题").contains("未要求的更改")).collect();
    assert_eq!(unasked.len(), 1, "only the name was changed unasked");
    let problem = l.text(unasked[0], "问题");
    assert!(problem.contains(&old_name) && problem.contains("赵新民"), "{problem}");
    assert_eq!(l.text(unasked[0], "状态"), "待处理");
    assert_eq!(l.text(unasked[0], "类别"), "警告");

    // 更正记录 of the workbook: the fix, the explanation and the unasked change.
    let mut wb = open_workbook_auto(second.dir.join("汇总_截至2017-04-12.xlsx")).unwrap();
    let sheet = wb.worksheet_range("更正记录").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let head = rows.iter().position(|r| r.iter().any(|c| c == "类别")).unwrap();
    let kc = rows[head].iter().position(|c| c == "类别").unwrap();
    let kinds: Vec<&str> = rows[head + 1..].iter().map(|r| r[kc].as_str()).collect();
    for want in ["问题已更正", "地区已说明", "未要求的更改"] {
        assert_eq!(kinds.iter().filter(|k| **k == want).count(), 1, "{want} in {kinds:?}");
    }
    let explained = rows[head + 1..].iter().find(|r| r[kc] == "地区已说明").unwrap();
    assert!(explained.iter().any(|c| c == said), "{explained:?}");
}

#[test]
fn an_explanation_saved_by_libreoffice_reads_back_with_its_number() {
    let dir = util::tempdir();
    let returns = dir.path().join("returns");
    samples::write_to(&returns).unwrap();
    let out = dir.path().join("审阅");
    let first = review(&returns, &out, "2017-05-11");
    let l = read_ledger(&out);
    let id = l.text(&l.rows[row_of(&l, "上海市", "总负责人职务")], "编号");
    let staged = dir.path().join("staged");
    std::fs::create_dir_all(&staged).unwrap();
    let said = "职务为临时设置\n已报省厅备案";
    let edited = explain(&first.dir, "上海市", &id, said, &staged);
    // LibreOffice opens and saves it again (its own writer, shared strings).
    let saved = util::soffice_convert(&edited, "xlsx", &dir.path().join("lo"));
    let bytes = std::fs::read(&saved).unwrap();
    let recs = permit_forms::ingest::ingest_bytes(templates(), "上海市_回复.xlsx", &bytes).unwrap();
    assert_eq!(recs.len(), 1, "one form, the 情况说明 sheet is not a form");
    let e = &recs[0].explanations;
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!((e[0].id.as_str(), e[0].text.as_str()), (id.as_str(), said));
    assert_eq!(recs[0].region.as_deref(), Some("上海市"));
}

#[test]
fn explanations_sent_back_without_their_form_are_quoted_in_the_rejection() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("情况说明").unwrap();
    for (c, h) in ["编号", "单元格", "问题", "情况说明"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "BFCA-5927-BAD9").unwrap();
    ws.write_string(1, 3, "职务为临时设置").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let why = permit_forms::ingest::ingest_bytes(templates(), "只有说明.xlsx", &bytes).unwrap_err();
    assert!(why.contains("BFCA-5927-BAD9") && why.contains("职务为临时设置"), "{why}");
}
