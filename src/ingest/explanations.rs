//! The region's 情况说明 in a returned marked-up copy: sheet [`SHEET`],
//! one row per finding (编号, 单元格, 问题, 情况说明), read back with the
//! form's corrected values and kept on the form's record
//! ([`Record::explanations`]). Columns are found by their header words; a
//! row whose 编号 was altered or emptied is kept as written (the ledger
//! lists what it cannot place, it never drops it).

use crate::record::{CellRef, Explanation, Record};

use super::read::Sheet;

/// The sheet's name, as the marked-up copy writes it.
pub const SHEET: &str = "情况说明";
/// Its header words; the last is the region's column.
pub const HEADERS: [&str; 4] = ["编号", "单元格", "问题", "情况说明"];

/// The explanations of `sheet` when it is a 情况说明 sheet (a header row
/// among its first 20 with 编号 and 情况说明, whatever the sheet's name), in
/// row order; rows whose 情况说明 is empty are left out. `None`: not such a
/// sheet.
pub fn read(sheet: &Sheet) -> Option<Vec<Explanation>> {
    let cell_text = |r: usize, c: usize| sheet.get(r, c).text().trim().to_string();
    let head = (0..sheet.rows.len().min(20)).find(|&r| {
        let words: Vec<String> = (0..sheet.width()).map(|c| cell_text(r, c)).collect();
        words.iter().any(|w| w == HEADERS[0]) && words.iter().any(|w| w == HEADERS[3])
    });
    // Without its header row (the area deleted or rewritten) the sheet is
    // read like any other: it may even be a form.
    let head = head?;
    let col = |h: &str| (0..sheet.width()).find(|&c| cell_text(head, c) == h);
    let (id_col, text_col) = (col(HEADERS[0])?, col(HEADERS[3])?);
    let cell_col = col(HEADERS[1]);
    let mut out = Vec::new();
    for r in head + 1..sheet.rows.len() {
        let text = cell_text(r, text_col);
        if text.is_empty() {
            continue;
        }
        let (row0, col0) = sheet.origin;
        out.push(Explanation {
            id: cell_text(r, id_col).to_uppercase(),
            cell: cell_col.map(|c| cell_text(r, c)).unwrap_or_default(),
            text,
            at: format!("{}!{}", sheet.name, CellRef::at(row0 + r as u32, col0 + text_col as u32)),
        });
    }
    Some(out)
}

/// Keeps the explanations found in a workbook on its form's record (the
/// first, as a marked-up copy holds one form).
pub fn attach(records: &mut [Record], found: Vec<Explanation>) {
    if let Some(r) = records.first_mut() {
        r.explanations.extend(found);
    }
}

/// Why a workbook with explanations but no form is rejected: its
/// explanations quoted, so that none is lost.
pub fn without_form(found: &[Explanation]) -> String {
    let listed: Vec<String> = found.iter().map(|e| format!("{}（{}）：{}", e.id, e.at, e.text)).collect();
    format!(
        "工作簿中有“{SHEET}” {} 条，但没有可识别的附2（试点工作计划表）或附3（试点工作进展表）（表格工作表可能被删除），\
         请地区将情况说明连同标注表一并报回。情况说明：{}",
        found.len(),
        listed.join("；")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::read::Value;

    fn sheet(name: &str, rows: &[&[&str]]) -> Sheet {
        Sheet {
            name: name.into(),
            hidden: false,
            origin: (0, 0),
            rows: rows.iter().map(|r| r.iter().map(|s| Value::Text(s.to_string())).collect()).collect(),
            date1904: false,
        }
    }

    #[test]
    fn rows_with_text_are_read_by_their_headers() {
        let s = sheet(
            "任意",
            &[
                &["单元格", "编号", "问题", "备注", "情况说明"],
                &["B5", "ab-1", "x", "", " 已核实，见附件 "],
                &["B6", "CD-2", "y", "", ""],
            ],
        );
        let e = read(&s).unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(
            (e[0].id.as_str(), e[0].cell.as_str(), e[0].text.as_str()),
            ("AB-1", "B5", "已核实，见附件")
        );
        assert_eq!(e[0].at, "任意!E2");
        assert_eq!(read(&sheet("附3", &[&["试点地区"]])), None);
        assert_eq!(read(&sheet(SHEET, &[&["被删改的表头"]])), None);
    }
}
