//! 收文登记: the office's receipt log, the most trusted evidence of when a
//! return arrived.
//!
//! One row per file the tool has seen, keyed by the SHA-256 of its bytes
//! (never by row position: the office may sort or filter the sheet), with
//! the path, region, form and period the tool read, the 填报时间 written on
//! it, the date of the mail it came in, the day a run first read it (for
//! information only: the review runs after the deadline, so that day is no
//! evidence of receipt), and two columns the office types: 收文日期 and 备注.
//!
//! What the office typed is kept exactly (a date cell stays a date cell, a
//! text stays the same text) through every later run and a re-save by
//! Excel, WPS or LibreOffice. A 收文日期 that cannot be read as a date stops
//! the run with the file and cell named, and the log is not rewritten.
//!
//! [`read_sheet`] and [`write_sheet`] work on one sheet, so that any
//! workbook can host it; until the findings ledger (`审核台账.xlsx`) does,
//! the review folder keeps it in its own workbook [`FILE`] ([`load`],
//! [`save`]).

use std::collections::BTreeMap;
use std::path::Path;

use calamine::{Data, DataType, Range, Reader};
use chrono::NaiveDate;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};

use crate::record::{ReceivedBasis, Record};
use crate::templates::Templates;

/// The sheet's name.
pub const SHEET: &str = "收文登记";
/// The 表格 column of a file that could not be read as a form (see
/// `rejected.jsonl` for why).
pub const UNREAD_FORM: &str = "未能读取";
/// The workbook that holds the sheet in the review folder: the findings
/// ledger (`审核台账.xlsx`, the contract's place for 收文登记).
pub const FILE: &str = crate::ledger::FILE_NAME;

/// The column headers, in the order written. The office may reorder the
/// columns: they are found by these words in row 1.
pub const COLUMNS: [&str; 11] = [
    "SHA-256",
    "文件",
    "地区",
    "表格",
    "期间",
    "填报时间",
    "邮件日期",
    "发件人",
    "首次读取日期",
    "收文日期",
    "备注",
];

const SHA: usize = 0;
const RECEIVED: usize = 9;
const NOTE: usize = 10;

/// A cell the office typed, kept as typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    /// Text as typed.
    Text(String),
    /// A number.
    Number(f64),
    /// A date cell.
    Date(NaiveDate),
}

/// 收文日期 as the office typed it, and the day it means.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedCell {
    /// The cell as typed.
    pub typed: Typed,
    /// The day.
    pub date: NaiveDate,
}

/// One row of the log.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entry {
    /// SHA-256 of the file's bytes, lower-case hex: the row's key.
    pub sha256: String,
    /// The file as shown in the records (`returns/河北省.eml!进展表.xlsx`).
    pub file: String,
    /// Region read from the file.
    pub region: String,
    /// Form (附2 / 附3).
    pub form: String,
    /// Period, for a progress report.
    pub period: String,
    /// 填报时间 as read.
    pub submitted_on: Option<NaiveDate>,
    /// China date of the mail it came in.
    pub mail_date: Option<NaiveDate>,
    /// The mail's sender.
    pub sender: String,
    /// The day a run first read it.
    pub first_read: Option<NaiveDate>,
    /// 收文日期, typed by the office.
    pub received: Option<ReceivedCell>,
    /// 备注, typed by the office.
    pub note: Option<Typed>,
}

/// Why the log cannot be used. The run stops and the log is left as it is.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// The workbook cannot be opened as a spreadsheet.
    #[error("{file}：无法打开收文登记（{detail}），本次未运行，文件未改动")]
    Open {
        /// The workbook.
        file: String,
        /// The reader's message.
        detail: String,
    },
    /// The workbook has no sheet 收文登记.
    #[error("{file}：找不到工作表“{SHEET}”，本次未运行，文件未改动")]
    NoSheet {
        /// The workbook.
        file: String,
    },
    /// Row 1 lacks a header the log needs.
    #[error("{file} 工作表“{SHEET}”第1行：找不到列“{column}”，请恢复该列标题，本次未运行，文件未改动")]
    NoColumn {
        /// The workbook.
        file: String,
        /// The missing header.
        column: &'static str,
    },
    /// A cell that cannot be understood.
    #[error("{file} 工作表“{SHEET}”{cell}：{problem}，本次未运行，文件未改动")]
    Cell {
        /// The workbook.
        file: String,
        /// A1 address.
        cell: String,
        /// What is wrong.
        problem: String,
    },
}

fn a1(row: u32, col: u32) -> String {
    crate::record::CellRef::at(row, col).to_string()
}

/// Reads a 收文登记 written as text: `2017-05-12`, `2017/5/12`, `2017.5.12`,
/// `2017年5月12日`.
fn parse_day(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let nums: Vec<&str> = s.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).collect();
    let shape_ok = s.chars().all(|c| c.is_ascii_digit() || "-/.年月日 ".contains(c));
    match nums.as_slice() {
        [y, m, d] if shape_ok && y.len() == 4 => {
            NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
        }
        _ => None,
    }
}

fn typed(d: &Data) -> Option<Typed> {
    match d {
        Data::Empty => None,
        Data::String(s) if s.trim().is_empty() => None,
        Data::String(s) => Some(Typed::Text(s.clone())),
        Data::Float(f) => Some(Typed::Number(*f)),
        Data::Int(i) => Some(Typed::Number(*i as f64)),
        Data::Bool(b) => Some(Typed::Text(if *b { "TRUE" } else { "FALSE" }.into())),
        Data::DateTime(_) | Data::DateTimeIso(_) => match d.as_date() {
            Some(day) => Some(Typed::Date(day)),
            None => Some(Typed::Text(d.to_string())),
        },
        Data::DurationIso(s) => Some(Typed::Text(s.clone())),
        Data::Error(e) => Some(Typed::Text(e.to_string())),
    }
}

fn text(d: Option<&Data>) -> String {
    match d.and_then(typed) {
        Some(Typed::Text(s)) => s.trim().to_string(),
        Some(Typed::Number(f)) => crate::ingest::read::format_number(f),
        Some(Typed::Date(day)) => day.to_string(),
        None => String::new(),
    }
}

fn day(d: Option<&Data>) -> Option<NaiveDate> {
    match d.and_then(typed)? {
        Typed::Date(day) => Some(day),
        Typed::Text(s) => parse_day(&s),
        Typed::Number(_) => None,
    }
}

/// Reads the rows of a 收文登记 sheet (`file` names the workbook in
/// messages). Columns are found by their header in row 1; rows without a
/// SHA-256 and without anything typed are passed over.
///
/// # Errors
/// A header missing, a row with 收文日期 or 备注 but no SHA-256, a SHA-256
/// listed twice, or a 收文日期 that is not a date: each names the cell.
pub fn read_sheet(range: &Range<Data>, file: &str) -> Result<Vec<Entry>, ReceiptError> {
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let at = |row: u32, col: u32| range.get_value((row, col));
    let width = range.end().map_or(0, |e| e.1 + 1);
    let mut col: [Option<u32>; COLUMNS.len()] = [None; COLUMNS.len()];
    for c in c0..width {
        let h = text(at(r0, c));
        if let Some(i) = COLUMNS.iter().position(|w| *w == h) {
            col[i].get_or_insert(c);
        }
    }
    for must in [SHA, RECEIVED] {
        if col[must].is_none() {
            return Err(ReceiptError::NoColumn { file: file.into(), column: COLUMNS[must] });
        }
    }
    let cell = |row: u32, i: usize| col[i].and_then(|c| at(row, c));
    let end = range.end().map_or(0, |e| e.0);
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    let mut out = Vec::new();
    for row in r0 + 1..=end {
        let sha = text(cell(row, SHA)).to_ascii_lowercase();
        let received = cell(row, RECEIVED).and_then(typed);
        let note = cell(row, NOTE).and_then(typed);
        let bad = |i: usize, problem: String| ReceiptError::Cell {
            file: file.into(),
            cell: a1(row, col[i].unwrap_or(0)),
            problem,
        };
        if sha.is_empty() {
            if received.is_some() || note.is_some() {
                return Err(bad(SHA, "该行填写了收文日期或备注，但缺少 SHA-256，无法对应到文件".into()));
            }
            continue;
        }
        if !(sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(bad(SHA, format!("“{sha}”不是工具写入的 SHA-256（64 位十六进制），请勿修改该列")));
        }
        if let Some(first) = seen.insert(sha.clone(), row) {
            return Err(bad(SHA, format!("与第{}行是同一个文件（SHA-256 相同），请删去其中一行", first + 1)));
        }
        let received = match received {
            None => None,
            Some(t) => {
                let date = match &t {
                    Typed::Date(d) => Some(*d),
                    Typed::Text(s) => parse_day(s),
                    Typed::Number(_) => None,
                };
                let Some(date) = date else {
                    let shown = match &t {
                        Typed::Text(s) => s.clone(),
                        Typed::Number(f) => crate::ingest::read::format_number(*f),
                        Typed::Date(d) => d.to_string(),
                    };
                    return Err(bad(
                        RECEIVED,
                        format!("收文日期“{shown}”无法识别为日期，请填写为 2017-05-12 或 2017年5月12日"),
                    ));
                };
                Some(ReceivedCell { typed: t, date })
            }
        };
        out.push(Entry {
            sha256: sha,
            file: text(cell(row, 1)),
            region: text(cell(row, 2)),
            form: text(cell(row, 3)),
            period: text(cell(row, 4)),
            submitted_on: day(cell(row, 5)),
            mail_date: day(cell(row, 6)),
            sender: text(cell(row, 7)),
            first_read: day(cell(row, 8)),
            received,
            note,
        });
    }
    Ok(out)
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// Writes the log into `ws` (named [`SHEET`]): the header, then one row per
/// entry in the order given, the office's cells as they were typed.
///
/// # Errors
/// What rust_xlsxwriter reports.
pub fn write_sheet(ws: &mut Worksheet, entries: &[Entry]) -> Result<(), XlsxError> {
    ws.set_name(SHEET)?;
    let head = Format::new().set_bold().set_background_color("D9E1F2").set_align(FormatAlign::Center);
    let office_head = head.clone().set_background_color("FFF2CC");
    let date = Format::new().set_num_format("yyyy-mm-dd").set_align(FormatAlign::Center);
    let office_date = date.clone().set_background_color("FFF2CC");
    let office = Format::new().set_background_color("FFF2CC");
    let widths = [20.0, 48.0, 14.0, 8.0, 10.0, 12.0, 12.0, 24.0, 13.0, 13.0, 24.0];
    for (c, (h, w)) in COLUMNS.iter().zip(widths).enumerate() {
        let f = if c == RECEIVED || c == NOTE { &office_head } else { &head };
        ws.write_string_with_format(0, c as u16, *h, f)?;
        ws.set_column_width(c as u16, w)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let put_day = |ws: &mut Worksheet, r: u32, c: u16, d: Option<NaiveDate>| -> Result<(), XlsxError> {
        if let Some(d) = d {
            ws.write_datetime_with_format(r, c, excel_date(d)?, &date)?;
        }
        Ok(())
    };
    let put_typed = |ws: &mut Worksheet, r: u32, c: u16, t: &Typed| -> Result<(), XlsxError> {
        match t {
            Typed::Text(s) => ws.write_string_with_format(r, c, s, &office)?,
            Typed::Number(f) => ws.write_number_with_format(r, c, *f, &office)?,
            Typed::Date(d) => ws.write_datetime_with_format(r, c, excel_date(*d)?, &office_date)?,
        };
        Ok(())
    };
    for (i, e) in entries.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &e.sha256)?;
        for (c, s) in [(1u16, &e.file), (2, &e.region), (3, &e.form), (4, &e.period), (7, &e.sender)] {
            if !s.is_empty() {
                ws.write_string(r, c, s)?;
            }
        }
        put_day(ws, r, 5, e.submitted_on)?;
        put_day(ws, r, 6, e.mail_date)?;
        put_day(ws, r, 8, e.first_read)?;
        match &e.received {
            Some(cell) => put_typed(ws, r, RECEIVED as u16, &cell.typed)?,
            None => {
                ws.write_blank(r, RECEIVED as u16, &office)?;
            }
        }
        match &e.note {
            Some(t) => put_typed(ws, r, NOTE as u16, t)?,
            None => {
                ws.write_blank(r, NOTE as u16, &office)?;
            }
        }
    }
    Ok(())
}

/// Reads the log in the workbook `path`; an absent file, or one without
/// the sheet, is an empty log.
///
/// # Errors
/// A [`ReceiptError`] naming the file and, where one is to blame, the cell.
pub fn load(path: &Path) -> Result<Vec<Entry>, ReceiptError> {
    let file = path.display().to_string();
    if !path.exists() {
        return Ok(Vec::new());
    }
    // By content, not by name: the ledger that holds the log may have been
    // saved as ods under its xlsx name.
    let bytes =
        std::fs::read(path).map_err(|e| ReceiptError::Open { file: file.clone(), detail: e.to_string() })?;
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| ReceiptError::Open { file: file.clone(), detail: e.to_string() })?;
    if !wb.sheet_names().iter().any(|n| n == SHEET) {
        // A ledger written before it held the log: nothing typed yet.
        return Ok(Vec::new());
    }
    let range = wb
        .worksheet_range(SHEET)
        .map_err(|e| ReceiptError::Open { file: file.clone(), detail: e.to_string() })?;
    read_sheet(&range, &file)
}

/// The log as a workbook of its own ([`FILE`]), with fixed document
/// properties so that the same log gives the same bytes.
///
/// # Errors
/// What rust_xlsxwriter reports.
pub fn workbook_bytes(entries: &[Entry]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_title(SHEET)
            .set_creation_datetime(&ExcelDateTime::from_ymd(2017, 3, 1)?),
    );
    write_sheet(wb.add_worksheet(), entries)?;
    wb.save_to_buffer()
}

/// Writes the log to `path` atomically.
///
/// # Errors
/// The workbook could not be made or written.
pub fn save(path: &Path, entries: &[Entry]) -> std::io::Result<()> {
    let bytes = workbook_bytes(entries).map_err(std::io::Error::other)?;
    crate::output::write_atomic(path, &bytes)
}

/// The log after a run read `records` (as ingest gave them, before
/// [`apply`]): each file's row (found by SHA-256)
/// gets the tool's columns as read now; rows of files not read this time
/// stay as they were; a new file gets a row with an empty 收文日期 and
/// `today` as the day first read. What the office typed is never changed.
/// Rows are ordered by region, form, period and file.
pub fn merge(
    templates: &Templates,
    old: Vec<Entry>,
    records: &[Record],
    rejected: &[crate::record::Rejected],
    today: NaiveDate,
) -> Vec<Entry> {
    let mut by_sha: BTreeMap<String, Entry> = old.into_iter().map(|e| (e.sha256.clone(), e)).collect();
    // A file refused as a whole: listed by its name and hash, so that the
    // office can note when it came (its form, region and period unknown).
    for r in rejected {
        let Some(sha) = r.sha256.as_ref().filter(|s| !s.is_empty()) else { continue };
        let e = by_sha.entry(sha.clone()).or_insert_with(|| Entry {
            sha256: sha.clone(),
            first_read: Some(today),
            ..Entry::default()
        });
        e.first_read.get_or_insert(today);
        e.file.clone_from(&r.file);
        e.form = UNREAD_FORM.to_string();
    }
    for r in records {
        if r.source.sha256.is_empty() {
            continue;
        }
        let e = by_sha.entry(r.source.sha256.clone()).or_insert_with(|| Entry {
            sha256: r.source.sha256.clone(),
            first_read: Some(today),
            ..Entry::default()
        });
        e.first_read.get_or_insert(today);
        e.file.clone_from(&r.source.file);
        e.region = r.region.clone().unwrap_or_else(|| r.region_raw.clone());
        e.form = templates.form(r.kind).mark.clone();
        e.period = r.period.map(|p| p.label_zh()).unwrap_or_default();
        e.submitted_on = r.submitted_on;
        e.mail_date = if r.received_basis == ReceivedBasis::Mail { r.received_on } else { None };
        e.sender = r.sender.clone().unwrap_or_default();
    }
    let mut out: Vec<Entry> = by_sha.into_values().collect();
    out.sort_by(|a, b| {
        (&a.region, &a.form, &a.period, &a.file, &a.sha256)
            .cmp(&(&b.region, &b.form, &b.period, &b.file, &b.sha256))
    });
    out
}

/// Gives each record whose file has a 收文日期 in the log that date, basis
/// 收文登记, and says whether any record got one. (Then
/// [`ingest::current::settle`](crate::ingest::current::settle) decides
/// again which version is current and which are late.)
pub fn apply(entries: &[Entry], records: &mut [Record]) -> bool {
    let dates: BTreeMap<&str, NaiveDate> =
        entries.iter().filter_map(|e| e.received.as_ref().map(|c| (e.sha256.as_str(), c.date))).collect();
    let mut any = false;
    for r in records {
        if let Some(d) = dates.get(r.source.sha256.as_str()) {
            r.received_on = Some(*d);
            r.received_basis = ReceivedBasis::Log;
            any = true;
        }
    }
    any
}

/// Today in China time (the day a run first read a file).
pub fn today_in_china() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_days_are_read_in_the_usual_ways() {
        for s in ["2017-05-12", "2017/5/12", "2017.5.12", "2017年5月12日", " 2017-5-12 "] {
            assert_eq!(parse_day(s), NaiveDate::from_ymd_opt(2017, 5, 12), "{s}");
        }
        for s in ["5月12日", "2017-13-01", "十二日", "2017-05-12 上午", "20170512"] {
            assert_eq!(parse_day(s), None, "{s}");
        }
    }
}
