//! Reading the office's ledger back: any workbook calamine opens (xlsx as
//! Excel or WPS save it, ods as LibreOffice does), columns found by their
//! header words, every cell kept as typed; a 处理意见 outside the four
//! words, a missing column or an unreadable file stops the run.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use calamine::{open_workbook_auto_from_rs, Data, Range, Reader, SheetVisible};
use chrono::NaiveDate;
use rust_xlsxwriter::utility::row_col_to_cell;

use super::key::Key;
use super::{
    Decision, Entry, Ledger, LedgerError, Row, Sheet, Shown, State, ToolColumn, Value, DATA_SHEET,
    DECISION_HEADER, OFFICE_HEADERS, PREVIOUS_FILE_NAME, SHEET,
};

/// How far down the header row may have been pushed by rows the office
/// inserted above it.
const HEADER_SEARCH_ROWS: u32 = 20;

/// The hidden sheet's columns, in the order they are written.
pub(super) const DATA_HEADERS: [&str; 18] = [
    "编号",
    "地区键",
    "表格键",
    "期间键",
    "规则",
    "字段",
    "值指纹",
    "首次发现",
    "最近发现",
    "状态",
    "关联编号",
    "地区",
    "表格",
    "期间",
    "问题",
    "单元格",
    "类别",
    "来源",
];
/// The hidden sheet's column of the date a finding came back.
pub(super) const REOPENED_HEADER: &str = "重新出现";
/// The hidden sheet's first cell, saying what the workbook is.
pub(super) const DATA_MARK: &str = "permit-forms 审核台账";

/// Reads the ledger at `path`; `Ok(None)` when there is none yet.
/// `known_region` says whether a region name is one of this pilot's.
///
/// # Errors
/// A [`LedgerError`] naming the file (and the cell) when the ledger cannot
/// be used; the file is not touched.
pub fn read(path: &Path, known_region: &dyn Fn(&str) -> bool) -> Result<Option<Ledger>, LedgerError> {
    let file = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(LedgerError::Unreadable { file, detail: e.to_string(), previous: PREVIOUS_FILE_NAME })
        }
    };
    read_bytes(&bytes, &file, known_region).map(Some)
}

/// Reads a ledger from its bytes; `file` names it in messages.
///
/// # Errors
/// As [`read`].
pub fn read_bytes(
    bytes: &[u8],
    file: &str,
    known_region: &dyn Fn(&str) -> bool,
) -> Result<Ledger, LedgerError> {
    let unreadable = |detail: String| LedgerError::Unreadable {
        file: file.to_string(),
        detail,
        previous: PREVIOUS_FILE_NAME,
    };
    // A damaged file must stop the run, never end it with a panic.
    let opened = std::panic::catch_unwind(|| -> Result<_, calamine::Error> {
        let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))?;
        let meta: Vec<(String, bool)> = wb
            .sheets_metadata()
            .iter()
            .map(|s| (s.name.clone(), s.visible != SheetVisible::Visible))
            .collect();
        let mut sheets = Vec::new();
        for (name, hidden) in meta {
            let range = wb.worksheet_range(&name)?;
            sheets.push((name, hidden, range));
        }
        Ok(sheets)
    });
    let sheets = match opened {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(unreadable(e.to_string())),
        Err(_) => return Err(unreadable("文件已损坏".into())),
    };
    let Some((_, _, main)) = sheets.iter().find(|(n, _, _)| n == SHEET) else {
        return Err(LedgerError::NoSheet { file: file.to_string(), sheet: SHEET });
    };
    let mut ledger = office_sheet(main, file)?;
    if let Some((_, _, data)) = sheets.iter().find(|(n, _, _)| n == DATA_SHEET) {
        ledger.entries = data_sheet(data, file)?;
    }
    ledger.other_sheets = sheets
        .iter()
        // 收文登记 is read and written by its owner (crate::receipt).
        .filter(|(n, _, _)| n != SHEET && n != DATA_SHEET && n != crate::receipt::SHEET)
        .map(|(name, hidden, range)| Sheet { name: name.clone(), rows: grid(range), hidden: *hidden })
        .collect();
    // A ledger of another pilot names none of this pilot's regions.
    let regions: Vec<String> = if ledger.entries.is_empty() {
        ledger.rows.iter().map(|r| ledger.text(r, ToolColumn::Region.header())).collect()
    } else {
        ledger.entries.values().map(|e| e.key.region.clone()).filter(|r| !r.starts_with('?')).collect()
    };
    let named: Vec<&String> = regions.iter().filter(|r| !r.is_empty() && !r.contains("未识别")).collect();
    if !named.is_empty() && !named.iter().any(|r| known_region(r)) {
        return Err(LedgerError::OtherPilot { file: file.to_string(), region: named[0].clone() });
    }
    Ok(ledger)
}

/// A cell as the office typed it; `None` when empty.
fn value(d: &Data) -> Option<Value> {
    Some(match d {
        Data::Empty => return None,
        Data::String(s) if s.is_empty() => return None,
        Data::String(s) => Value::Text(s.clone()),
        Data::Float(f) => Value::Number(*f),
        Data::Int(i) => Value::Number(*i as f64),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(dt) if dt.is_datetime() => Value::Date(dt.as_f64()),
        Data::DateTime(dt) => Value::Number(dt.as_f64()),
        Data::DateTimeIso(s) => iso_serial(s).map_or_else(|| Value::Text(s.clone()), Value::Date),
        Data::DurationIso(s) => Value::Text(s.clone()),
        Data::Error(e) => Value::Text(e.to_string()),
    })
}

/// An ISO date or date-time (as ods stores them) as an Excel serial.
fn iso_serial(s: &str) -> Option<f64> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    let dt = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))?;
    Some((dt - base).num_milliseconds() as f64 / 86_400_000.0)
}

/// Every cell of `range` by absolute row and column from A1.
fn grid(range: &Range<Data>) -> Vec<Vec<Option<Value>>> {
    let Some((end_r, end_c)) = range.end() else { return Vec::new() };
    (0..=end_r).map(|r| (0..=end_c).map(|c| range.get_value((r, c)).and_then(value)).collect()).collect()
}

fn office_sheet(range: &Range<Data>, file: &str) -> Result<Ledger, LedgerError> {
    let cells = grid(range);
    let text = |v: &Option<Value>| v.as_ref().map(|v| v.text().trim().to_string()).unwrap_or_default();
    let wanted: Vec<&str> = ToolColumn::ALL
        .into_iter()
        .filter(|c| c.required())
        .map(|c| c.header())
        .chain(OFFICE_HEADERS)
        .collect();
    // The header row: the one among the first rows holding most of the
    // required words (row 1 unless the office inserted rows above it).
    let (header_at, _) = cells
        .iter()
        .take(HEADER_SEARCH_ROWS as usize)
        .enumerate()
        .map(|(i, row)| (i, wanted.iter().filter(|w| row.iter().any(|c| text(c) == **w)).count()))
        .fold((0, 0), |best, (i, n)| if n > best.1 { (i, n) } else { best });
    let header_row = cells.get(header_at).cloned().unwrap_or_default();
    let width = cells.iter().map(Vec::len).max().unwrap_or(0);
    let headers: Vec<String> = (0..width).map(|c| header_row.get(c).map(text).unwrap_or_default()).collect();
    if let Some(missing) = wanted.iter().find(|w| !headers.iter().any(|h| h == *w)) {
        return Err(LedgerError::MissingColumn {
            file: file.to_string(),
            sheet: SHEET,
            cell: row_col_to_cell(header_at as u32, 0),
            missing: missing.to_string(),
        });
    }
    let mut ledger = Ledger { headers, ..Default::default() };
    let decision_col = ledger.column(DECISION_HEADER).unwrap_or(0);
    for (i, row) in cells.iter().enumerate().skip(header_at + 1) {
        if row.iter().all(Option::is_none) {
            continue;
        }
        let mut cells = row.clone();
        cells.resize(width, None);
        if let Some(v) = &cells[decision_col] {
            let word = v.text();
            if Decision::parse(&word).is_err() {
                return Err(LedgerError::BadDecision {
                    file: file.to_string(),
                    sheet: SHEET,
                    cell: row_col_to_cell(i as u32, decision_col as u16),
                    word,
                });
            }
        }
        ledger.rows.push(Row { cells, at: Some(i as u32 + 1) });
    }
    Ok(ledger)
}

fn data_sheet(range: &Range<Data>, file: &str) -> Result<BTreeMap<String, Entry>, LedgerError> {
    let cells = grid(range);
    let bad = |r: usize, c: usize, detail: String| LedgerError::BadData {
        file: file.to_string(),
        sheet: DATA_SHEET,
        cell: row_col_to_cell(r as u32, c as u16),
        detail,
        previous: PREVIOUS_FILE_NAME,
    };
    let at = |r: usize, c: usize| -> String {
        cells.get(r).and_then(|row| row.get(c)).cloned().flatten().map(|v| v.text()).unwrap_or_default()
    };
    if at(0, 0) != DATA_MARK {
        return Err(bad(0, 0, format!("第一格应为“{DATA_MARK}”")));
    }
    let col: Vec<usize> = DATA_HEADERS
        .iter()
        .map(|h| {
            let width = cells.get(1).map_or(0, Vec::len);
            (0..width).find(|&c| at(1, c) == *h).ok_or_else(|| bad(1, 0, format!("缺少列“{h}”")))
        })
        .collect::<Result<_, _>>()?;
    // Added after the first ledgers were written: optional.
    let reopened_col = (0..cells.get(1).map_or(0, Vec::len)).find(|&c| at(1, c) == REOPENED_HEADER);
    let mut out = BTreeMap::new();
    for r in 2..cells.len() {
        let get = |i: usize| at(r, col[i]);
        if get(0).is_empty() {
            continue;
        }
        let date = |i: usize| {
            let s = get(i);
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| bad(r, col[i], format!("日期“{s}”无法识别")))
        };
        let state =
            State::from_label(&get(9)).ok_or_else(|| bad(r, col[9], format!("状态“{}”无法识别", get(9))))?;
        let key =
            Key { region: get(1), form: get(2), period: get(3), rule: get(4), field: get(5), value: get(6) };
        let id = get(0);
        if key.id() != id {
            return Err(bad(r, col[0], format!("编号“{id}”与其键不符")));
        }
        let links = get(10).split('、').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
        let entry = Entry {
            key,
            shown: Shown {
                region: get(11),
                form: get(12),
                period: get(13),
                problem: get(14),
                cell: get(15),
                severity: get(16),
                source: get(17),
            },
            state,
            links,
            first_seen: date(7)?,
            last_seen: date(8)?,
            reopened: match reopened_col.map(|c| at(r, c)).filter(|s| !s.trim().is_empty()) {
                None => None,
                Some(s) => Some(
                    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                        .map_err(|_| bad(r, reopened_col.unwrap_or(0), format!("日期“{s}”无法识别")))?,
                ),
            },
        };
        out.insert(id, entry);
    }
    Ok(out)
}
