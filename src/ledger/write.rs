//! Writing the ledger as xlsx: sheet 审核台账 (header row frozen, an
//! autofilter, a dropdown of the four 处理意见 words), the hidden sheet
//! 台账数据 with the tool's entries, and the other sheets carried.

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DocProperties, ExcelDateTime, Format, FormatAlign,
    FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::read::{DATA_HEADERS, DATA_MARK, REOPENED_HEADER};
use super::{Decision, Ledger, Sheet, State, ToolColumn, Value, DATA_SHEET, DECISION_HEADER, SHEET};
use crate::text::writable;

/// Longest text written into one cell (the xlsx limit is 32,767).
const CELL_MAX: usize = 32_000;
/// The last row a dropdown covers (the sheet's last row, 0-based).
const LAST_ROW: u32 = 1_048_575;

/// The ledger as xlsx bytes; `extra` sheets are written after the carried
/// ones, in their place when a carried sheet has the same name (so a
/// later owner of a sheet such as 收文登记 can write it here).
///
/// # Errors
/// The writer's refusal (a sheet name Excel does not allow).
pub fn to_bytes(ledger: &Ledger, extra: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    to_bytes_with(ledger, extra, None)
}

/// [`to_bytes`] with the office's 收文登记 (`receipts`, written by
/// [`crate::receipt::write_sheet`] as the second sheet) when given.
///
/// # Errors
/// As [`to_bytes`].
pub fn to_bytes_with(
    ledger: &Ledger,
    extra: &[Sheet],
    receipts: Option<&[crate::receipt::Entry]>,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title("审核台账")
            .set_author("排污许可管理试点")
            .set_creation_datetime(&ExcelDateTime::from_ymd(2017, 3, 1)?)
            .set_custom_property(crate::ingest::sniff::OUTPUT_PROPERTY, "审核台账"),
    );
    office_sheet(wb.add_worksheet(), ledger)?;
    if let Some(entries) = receipts {
        crate::receipt::write_sheet(wb.add_worksheet(), entries)?;
    }
    let mut others: Vec<&Sheet> =
        ledger.other_sheets.iter().filter(|s| !extra.iter().any(|e| e.name == s.name)).collect();
    others.extend(extra);
    for s in others {
        plain_sheet(wb.add_worksheet(), s)?;
    }
    data_sheet(wb.add_worksheet(), ledger)?;
    wb.save_to_buffer()
}

fn width(header: &str) -> f64 {
    match ToolColumn::from_header(header) {
        Some(ToolColumn::Id | ToolColumn::Link) => 16.0,
        Some(ToolColumn::Region) => 12.0,
        Some(ToolColumn::Form | ToolColumn::Severity) => 6.0,
        Some(ToolColumn::Period | ToolColumn::State | ToolColumn::FirstSeen) => 11.0,
        Some(ToolColumn::Problem) => 50.0,
        Some(ToolColumn::Cell) => 7.0,
        Some(ToolColumn::Source) => 36.0,
        Some(ToolColumn::Note) => 24.0,
        Some(ToolColumn::Explanation) => 40.0,
        None => match header {
            DECISION_HEADER => 17.0,
            "处理人" => 9.0,
            "处理日期" => 11.0,
            "备注" => 30.0,
            _ => 12.0,
        },
    }
}

fn write_value(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    v: &Value,
    text: &Format,
    date: &Format,
) -> Result<(), XlsxError> {
    match v {
        Value::Text(s) => ws.write_string_with_format(r, c, writable(s, CELL_MAX), text)?,
        Value::Number(n) => ws.write_number_with_format(r, c, *n, text)?,
        Value::Bool(b) => ws.write_boolean_with_format(r, c, *b, text)?,
        Value::Date(d) => ws.write_number_with_format(r, c, *d, date)?,
    };
    Ok(())
}

fn office_sheet(ws: &mut Worksheet, ledger: &Ledger) -> Result<(), XlsxError> {
    ws.set_name(SHEET)?;
    let border = |f: Format| f.set_border(FormatBorder::Thin).set_align(FormatAlign::Top).set_text_wrap();
    let head = border(Format::new().set_bold().set_background_color(Color::RGB(0xD9E1F2)));
    let text = border(Format::new());
    let date = border(Format::new().set_num_format("yyyy-mm-dd"));
    let open = border(Format::new().set_background_color(Color::RGB(0xFCE4D6)));
    let closed = border(Format::new().set_background_color(Color::RGB(0xE2EFDA)));
    for (c, h) in ledger.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &head)?;
        ws.set_column_width(c as u16, width(h))?;
    }
    let state_col = ledger.column(ToolColumn::State.header());
    for (i, row) in ledger.rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (c, v) in row.cells.iter().enumerate() {
            let c16 = c as u16;
            match v {
                Some(v) if Some(c) == state_col => {
                    let f = match State::from_label(&v.text()) {
                        Some(s) if s.is_open() => &open,
                        Some(_) => &closed,
                        None => &text,
                    };
                    write_value(ws, r, c16, v, f, &date)?;
                }
                Some(v) => write_value(ws, r, c16, v, &text, &date)?,
                None => {
                    ws.write_blank(r, c16, &text)?;
                }
            }
        }
    }
    let last_col = ledger.headers.len().saturating_sub(1) as u16;
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, ledger.rows.len().max(1) as u32, last_col)?;
    if let Some(c) = ledger.column(DECISION_HEADER) {
        let words: Vec<&str> = Decision::ALL.iter().map(|d| d.label_zh()).collect();
        let dv = DataValidation::new()
            .allow_list_strings(&words)?
            .set_error_style(DataValidationErrorStyle::Stop)
            .set_error_title("处理意见")?
            .set_error_message(
                "请从下拉列表中选择：接受（无需修改）、退回修改、说明已采纳、说明不采纳，或留空。",
            )?;
        ws.add_data_validation(1, c as u16, LAST_ROW, c as u16, &dv)?;
    }
    ws.set_active(true);
    Ok(())
}

fn plain_sheet(ws: &mut Worksheet, s: &Sheet) -> Result<(), XlsxError> {
    ws.set_name(&s.name)?;
    let text = Format::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (r, row) in s.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if let Some(v) = v {
                write_value(ws, r as u32, c as u16, v, &text, &date)?;
            }
        }
    }
    ws.set_hidden(s.hidden);
    Ok(())
}

/// The tool's entries, in the order of the rows that show them.
fn data_sheet(ws: &mut Worksheet, ledger: &Ledger) -> Result<(), XlsxError> {
    ws.set_name(DATA_SHEET)?;
    ws.write_string(0, 0, DATA_MARK)?;
    ws.write_string(0, 1, "本表由工具维护，请勿修改")?;
    for (c, h) in DATA_HEADERS.iter().chain([&REOPENED_HEADER]).enumerate() {
        ws.write_string(1, c as u16, *h)?;
    }
    let id_col = ledger.column(ToolColumn::Id.header());
    let mut order: Vec<&String> = Vec::new();
    for row in &ledger.rows {
        let id = id_col.and_then(|c| row.cells.get(c).cloned().flatten()).map(|v| v.text());
        if let Some((k, _)) = id.and_then(|id| ledger.entries.get_key_value(id.trim())) {
            if !order.contains(&k) {
                order.push(k);
            }
        }
    }
    for k in ledger.entries.keys() {
        if !order.contains(&k) {
            order.push(k);
        }
    }
    for (i, id) in order.into_iter().enumerate() {
        let e = &ledger.entries[id];
        let links = e.links.join("、");
        let first = e.first_seen.to_string();
        let last = e.last_seen.to_string();
        let reopened = e.reopened.map(|d| d.to_string()).unwrap_or_default();
        let cells: [&str; 19] = [
            id,
            &e.key.region,
            &e.key.form,
            &e.key.period,
            &e.key.rule,
            &e.key.field,
            &e.key.value,
            &first,
            &last,
            e.state.label_zh(),
            &links,
            &e.shown.region,
            &e.shown.form,
            &e.shown.period,
            &e.shown.problem,
            &e.shown.cell,
            &e.shown.severity,
            &e.shown.source,
            &reopened,
        ];
        for (c, s) in cells.iter().enumerate() {
            if !s.is_empty() {
                ws.write_string(i as u32 + 2, c as u16, writable(s, CELL_MAX))?;
            }
        }
    }
    ws.set_hidden(true);
    Ok(())
}
