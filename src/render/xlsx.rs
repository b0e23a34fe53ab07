//! xlsx renderer: a [`Grid`] becomes a protected, printable worksheet whose
//! input cells are the only unlocked ones, with the form's identity in a very
//! hidden sheet and in custom document properties.

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DocProperties, ExcelDateTime, Format, FormatAlign,
    FormatBorder, ProtectionOptions, Workbook, Worksheet, XlsxError,
};

use crate::form::layout::{choice_text, MARK_LINE, TITLE_AFTER, TITLE_BEFORE, TITLE_LINE};
use crate::form::{Align, CellKind, Grid, GridCell, Identity};
use crate::render::RenderError;

/// Sheet row (0-based) where the table's first row is written: the mark and
/// the title take the two rows above it.
pub const TABLE_ORIGIN_ROW: u32 = 2;

/// Name of the very hidden sheet holding the identity.
pub const META_SHEET: &str = "_meta";

/// Prefix of the custom document properties holding the identity.
pub const META_PROPERTY_PREFIX: &str = "permit-forms.";

/// GB2312 character set id: makes Excel and WPS pick the Chinese face.
const CHARSET_GB2312: u8 = 134;

/// A1 address of a grid position in the rendered sheet (`B4`).
pub fn cell_ref(grid_row: usize, col: usize) -> String {
    a1(grid_row as u32 + TABLE_ORIGIN_ROW, col as u16)
}

/// A1 address of a 0-based sheet position.
pub fn a1(row: u32, col: u16) -> String {
    let mut name = String::new();
    let mut c = col as u32 + 1;
    while c > 0 {
        let rem = (c - 1) % 26;
        name.insert(0, (b'A' + rem as u8) as char);
        c = (c - 1) / 26;
    }
    format!("{name}{}", row + 1)
}

/// Points to the column-width pixels Excel stores (96 dpi).
fn pt_to_px(pt: f32) -> u32 {
    (pt / 0.75).round() as u32
}

fn cell_format(grid: &Grid, cell: &GridCell, border: bool) -> Format {
    let mut f = Format::new()
        .set_font_name(&grid.text_font)
        .set_font_charset(CHARSET_GB2312)
        .set_font_size(grid.font_size)
        .set_text_wrap()
        .set_align(match cell.align {
            Align::Left => FormatAlign::Left,
            Align::Center => FormatAlign::Center,
            Align::Right => FormatAlign::Right,
        });
    // Long free text starts at the top; short values sit in the middle.
    f = if cell.is_free_text() && border {
        f.set_align(FormatAlign::Top)
    } else {
        f.set_align(FormatAlign::VerticalCenter)
    };
    if border {
        f = f.set_border(FormatBorder::Thin);
    }
    if cell.kind == CellKind::Input {
        f = f.set_unlocked();
    }
    f
}

/// Renders a form grid as an xlsx workbook.
///
/// # Errors
/// [`RenderError::Xlsx`] when the writer refuses the workbook.
pub fn render(grid: &Grid) -> Result<Vec<u8>, RenderError> {
    let mut wb = Workbook::new();
    let mut props = DocProperties::new()
        .set_title(format!("{} {}", grid.mark, grid.title))
        .set_author("排污许可管理试点")
        // A fixed date keeps the output byte-identical between runs.
        .set_creation_datetime(&ExcelDateTime::from_ymd(2017, 3, 1)?);
    if let Some(id) = &grid.identity {
        for (k, v) in id.pairs() {
            props = props.set_custom_property(format!("{META_PROPERTY_PREFIX}{k}"), v.as_str());
        }
    }
    wb.set_properties(&props);

    let ws = wb.add_worksheet();
    write_form(ws, grid, &grid.sheet)?;
    if let Some(id) = &grid.identity {
        let meta = wb.add_worksheet();
        write_identity(meta, id)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// Renders several forms into one workbook, one sheet each, as a region
/// that keeps all its months in one file does. No identity is stored: each
/// sheet is recognised by its labels.
///
/// # Errors
/// [`RenderError::Xlsx`] when the writer refuses the workbook (duplicate or
/// over-long sheet names).
pub fn render_workbook(sheets: &[(&str, &Grid)]) -> Result<Vec<u8>, RenderError> {
    let mut wb = Workbook::new();
    wb.set_properties(&DocProperties::new().set_creation_datetime(&ExcelDateTime::from_ymd(2017, 3, 1)?));
    for (name, grid) in sheets {
        write_form(wb.add_worksheet(), grid, name)?;
    }
    Ok(wb.save_to_buffer()?)
}

fn write_identity(ws: &mut Worksheet, id: &Identity) -> Result<(), XlsxError> {
    ws.set_name(META_SHEET)?;
    for (i, (k, v)) in id.pairs().into_iter().enumerate() {
        ws.write_string(i as u32, 0, k)?;
        ws.write_string(i as u32, 1, v)?;
    }
    ws.set_very_hidden(true);
    Ok(())
}

fn write_form(ws: &mut Worksheet, grid: &Grid, name: &str) -> Result<(), XlsxError> {
    ws.set_name(name)?;
    let ncols = grid.columns.len() as u16;
    for (c, w) in grid.columns.iter().enumerate() {
        ws.set_column_width_pixels(c as u16, pt_to_px(*w))?;
    }
    let title_font = |size: f32| {
        Format::new().set_font_name(&grid.title_font).set_font_charset(CHARSET_GB2312).set_font_size(size)
    };
    ws.write_string_with_format(0, 0, &grid.mark, &title_font(grid.mark_size).set_align(FormatAlign::Left))?;
    ws.set_row_height(0, grid.mark_size * MARK_LINE)?;
    ws.merge_range(
        1,
        0,
        1,
        ncols - 1,
        &grid.title,
        &title_font(grid.title_size).set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter),
    )?;
    ws.set_row_height(1, grid.title_size * (TITLE_LINE + TITLE_BEFORE + TITLE_AFTER))?;

    // A spreadsheet does not grow a merged cell as the clerk types: every
    // row is written at the height that holds its inputs' capacity.
    for (r, row) in grid.rows.iter().enumerate() {
        ws.set_row_height(r as u32 + TABLE_ORIGIN_ROW, row.hold)?;
    }
    for cell in &grid.cells {
        let border = grid.rows[cell.row].border;
        let fmt = cell_format(grid, cell, border);
        let (r0, c0) = (cell.row as u32 + TABLE_ORIGIN_ROW, cell.col as u16);
        let (r1, c1) = (r0 + cell.rows as u32 - 1, c0 + cell.cols as u16 - 1);
        if cell.is_merged() {
            ws.merge_range(r0, c0, r1, c1, &cell.text, &fmt)?;
        } else if cell.text.is_empty() {
            ws.write_blank(r0, c0, &fmt)?;
        } else {
            ws.write_string_with_format(r0, c0, &cell.text, &fmt)?;
        }
        if !cell.choices.is_empty() && cell.kind == CellKind::Input {
            // The list offers each choice ticked among the others, so the
            // printed cell shows all of them; anything typed instead (√如期,
            // a bare 如期) is accepted with a warning and read back by ingest.
            let options: Vec<String> =
                cell.choices.iter().map(|c| choice_text(&cell.choices, Some(c))).collect();
            let options: Vec<&str> = options.iter().map(String::as_str).collect();
            let words = cell.choices.join("、");
            let dv = DataValidation::new()
                .allow_list_strings(&options)?
                .set_input_title("进度情况")?
                .set_input_message(format!("请从下拉列表中选择{words}之一"))?
                .set_error_title("进度情况")?
                .set_error_message(format!("请从下拉列表中选择{words}之一"))?
                .set_error_style(DataValidationErrorStyle::Warning);
            ws.add_data_validation(r0, c0, r1, c1, &dv)?;
        }
    }

    let last_row = grid.rows.len() as u32 + TABLE_ORIGIN_ROW - 1;
    let page = &grid.page;
    let inch = |pt: f32| f64::from(pt) / 72.0;
    ws.set_paper_size(9); // A4
    ws.set_portrait();
    // One page: the rows already hold every input's capacity (a spreadsheet
    // does not grow them as the clerk types), so the sheet prints as laid
    // out, shrunk by the client to fit one A4 page.
    ws.set_print_fit_to_pages(1, 1);
    ws.set_print_center_horizontally(true);
    ws.set_margins(inch(page.side), inch(page.side), inch(page.top), inch(page.bottom), 0.3, 0.3);
    ws.set_print_area(0, 0, last_row, ncols - 1)?;
    ws.set_screen_gridlines(false);
    // Layout cells are locked, input cells not; no password, so the office or a
    // clerk can lift the protection when a form really needs changing.
    let options =
        ProtectionOptions { format_rows: true, format_columns: true, ..ProtectionOptions::default() };
    ws.protect_with_options(&options);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_names() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(9, 25), "Z10");
        assert_eq!(a1(0, 26), "AA1");
        assert_eq!(cell_ref(0, 1), "B3");
    }
}
