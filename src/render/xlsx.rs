//! xlsx renderer: a [`Grid`] becomes a protected, printable worksheet whose
//! input cells are the only unlocked ones, with the form's identity in a very
//! hidden sheet and in custom document properties.

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties, ExcelDateTime, Format,
    FormatAlign, FormatBorder, ProtectionOptions, Workbook, Worksheet, XlsxError,
};

use crate::form::layout::{choice_text, MARK_LINE, TITLE_AFTER, TITLE_LINE};
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

/// Text as an xlsx cell can hold it ([`crate::text::xlsx_writable`]).
fn safe(text: &str) -> std::borrow::Cow<'_, str> {
    crate::text::xlsx_writable(text)
}

/// Most characters of a cell note (comment): a note is read in a pop-up,
/// and Excel's limit for it is lower than a cell's.
const NOTE_MAX_CHARS: usize = 2_000;

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

/// Points to the column-width pixels Excel stores (96 dpi), rounded down
/// so the columns never add up to more than the layout's width.
fn pt_to_px(pt: f32) -> u32 {
    (pt / 0.75 + 1e-3).floor() as u32
}

/// `pt` rounded down to whole pixels (96 dpi), as the writer stores a row
/// height: rounded to the nearest, the rows of a form that just fits its
/// page would add up to more than the page.
fn row_pt(pt: f32) -> f64 {
    f64::from((pt / 0.75 + 1e-3).floor()) * 0.75
}

/// Screen zoom (per cent) that shows a form written at its printed size
/// (see [`write_form`]) about as large as laid out.
fn screen_zoom(grid: &Grid) -> u16 {
    ((100.0 / grid.scale).round() as u16).clamp(10, 400)
}

fn cell_format(grid: &Grid, cell: &GridCell, border: bool) -> Format {
    let mut f = Format::new()
        .set_font_name(&grid.text_font)
        .set_font_charset(CHARSET_GB2312)
        .set_font_size(grid.font_size * grid.scale)
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

/// A new workbook with the form's document properties: title, author, a
/// fixed creation date (byte-identical output between runs) and the hidden
/// identity as `permit-forms.*` custom properties.
fn form_workbook(grid: &Grid) -> Result<Workbook, RenderError> {
    let mut wb = Workbook::new();
    // Level 2 instead of 6: deflating is most of the writer's time on a
    // form, and level 2 is about a seventh faster for 0.3 KB more per form
    // (8.5 KB instead of 8.2 KB; level 1 makes 9.7 KB).
    wb.set_zip_compression_level(2);
    let mut props = DocProperties::new()
        .set_title(format!("{} {}", grid.mark, grid.title))
        .set_author("排污许可管理试点")
        .set_creation_datetime(&ExcelDateTime::from_ymd(2017, 3, 1)?);
    if let Some(id) = &grid.identity {
        for (k, v) in id.pairs() {
            props = props.set_custom_property(format!("{META_PROPERTY_PREFIX}{k}"), v.as_str());
        }
    }
    wb.set_properties(&props);
    Ok(wb)
}

/// Renders a form grid as an xlsx workbook.
///
/// # Errors
/// [`RenderError::Xlsx`] when the writer refuses the workbook.
pub fn render(grid: &Grid) -> Result<Vec<u8>, RenderError> {
    let mut wb = form_workbook(grid)?;
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
        ws.write_string(i as u32, 0, &*safe(k))?;
        ws.write_string(i as u32, 1, &*safe(&v))?;
    }
    ws.set_very_hidden(true);
    Ok(())
}

/// Writes the form at the size it prints, as the PDF draws it: every
/// width, height and font size of the layout times its scale, so the
/// columns fit A4's printable width and body text prints at the layout's
/// size (9 pt or more) with the client's print scale at 100 %. The screen
/// is zoomed to show it as large as laid out.
fn write_form(ws: &mut Worksheet, grid: &Grid, name: &str) -> Result<(), XlsxError> {
    ws.set_name(name)?;
    let ncols = grid.columns.len() as u16;
    let k = grid.scale;
    for (c, w) in grid.columns.iter().enumerate() {
        ws.set_column_width_pixels(c as u16, pt_to_px(*w * k))?;
    }
    let title_font = |size: f32| {
        Format::new().set_font_name(&grid.title_font).set_font_charset(CHARSET_GB2312).set_font_size(size * k)
    };
    ws.write_string_with_format(
        0,
        0,
        &*safe(&grid.mark),
        &title_font(grid.mark_size).set_align(FormatAlign::Left),
    )?;
    ws.set_row_height(0, row_pt(grid.mark_size * MARK_LINE * k))?;
    ws.merge_range(
        1,
        0,
        1,
        ncols - 1,
        &safe(&grid.title),
        &title_font(grid.title_size).set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter),
    )?;
    // The title's line and the space under it (the PDF's space above it
    // is the row's own padding here).
    ws.set_row_height(1, row_pt(grid.title_size * (TITLE_LINE + TITLE_AFTER) * k))?;

    // A spreadsheet does not grow a merged cell as the clerk types: every
    // row is written at the height that holds its inputs' capacity.
    for (r, row) in grid.rows.iter().enumerate() {
        ws.set_row_height(r as u32 + TABLE_ORIGIN_ROW, row_pt(row.hold * k))?;
    }
    for cell in &grid.cells {
        let border = grid.rows[cell.row].border;
        let fmt = cell_format(grid, cell, border);
        let (r0, c0) = (cell.row as u32 + TABLE_ORIGIN_ROW, cell.col as u16);
        let (r1, c1) = (r0 + cell.rows as u32 - 1, c0 + cell.cols as u16 - 1);
        if cell.is_merged() {
            ws.merge_range(r0, c0, r1, c1, &safe(&cell.text), &fmt)?;
        } else if cell.text.is_empty() {
            ws.write_blank(r0, c0, &fmt)?;
        } else {
            ws.write_string_with_format(r0, c0, &*safe(&cell.text), &fmt)?;
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
        } else if cell.capacity > 0 && cell.kind == CellKind::Input {
            // The clerk is told how much the cell holds when entering it,
            // and warned (not stopped) on typing more.
            let cap = cell.capacity;
            let dv = DataValidation::new()
                .allow_text_length(DataValidationRule::LessThanOrEqualTo(cap as u32))
                .set_input_title("填写字数")?
                .set_input_message(format!(
                    "本栏打印时可完整显示约{cap}字（逐条分行时略少）；超出部分在表格和打印件中可能显示不全。"
                ))?
                .set_error_title("超过字数")?
                .set_error_message(format!(
                    "已超过{cap}字，超出部分在表格和打印件中可能显示不全，请精简或另附说明。"
                ))?
                .set_error_style(DataValidationErrorStyle::Warning);
            ws.add_data_validation(r0, c0, r1, c1, &dv)?;
        }
    }

    let last_row = grid.rows.len() as u32 + TABLE_ORIGIN_ROW - 1;
    let page = &grid.page;
    let inch = |pt: f32| f64::from(pt) / 72.0;
    ws.set_paper_size(9); // A4
    ws.set_portrait();
    ws.set_zoom(screen_zoom(grid));
    if page.one_page {
        // One page: the rows already hold every input's capacity (a
        // spreadsheet does not grow them as the clerk types) and fit the
        // page at this size; fitting it is only a guard.
        ws.set_print_fit_to_pages(1, 1);
    } else {
        // One page wide (the columns fit it at 100 %), as many pages long
        // as the rows need; a continuation page repeats the title.
        ws.set_print_fit_to_pages(1, 0);
        ws.set_repeat_rows(1, 1)?;
    }
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

// ---- marked-up forms -----------------------------------------------------------
// An additive extension for `feedback`'s marked-up returns: the form written
// exactly as `render` writes it, then some cells filled and given notes, a
// legend under the form and an optional second sheet.

/// One highlighted cell of a marked-up form.
#[derive(Debug, Clone, PartialEq)]
pub struct CellMark {
    /// Grid row of the cell (its top-left position).
    pub row: usize,
    /// Grid column of the cell.
    pub col: usize,
    /// Background fill, RGB.
    pub fill: (u8, u8, u8),
    /// Text of the cell's note (comment).
    pub note: String,
}

/// What a marked-up workbook shows besides the form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Markup {
    /// Highlighted cells; several marks on one cell are joined (first fill wins).
    pub marks: Vec<CellMark>,
    /// Legend written under the form: a fill swatch and its meaning.
    pub legend: Vec<((u8, u8, u8), String)>,
    /// A line of explanation written after the legend.
    pub legend_note: String,
    /// A second sheet: its name, then rows of text (the first is the header).
    pub extra_sheet: Option<(String, Vec<Vec<String>>)>,
    /// The sheet where the region answers each finding (情况说明): its
    /// name, then rows of text (the first is the header); the last column
    /// is left unlocked for the region to fill.
    pub answer_sheet: Option<(String, Vec<Vec<String>>)>,
}

fn rgb_color(c: (u8, u8, u8)) -> rust_xlsxwriter::Color {
    rust_xlsxwriter::Color::RGB(((c.0 as u32) << 16) | ((c.1 as u32) << 8) | c.2 as u32)
}

/// Renders a form grid as an xlsx workbook like [`render`] (same sheet,
/// locks, identity), with the cells of `markup` filled and annotated, a
/// legend under the form and an optional second sheet.
///
/// # Errors
/// [`RenderError::Xlsx`] when the writer refuses the workbook (a mark outside
/// the grid, an over-long sheet name).
pub fn render_marked(grid: &Grid, markup: &Markup) -> Result<Vec<u8>, RenderError> {
    let mut wb = form_workbook(grid)?;
    let ws = wb.add_worksheet();
    write_form(ws, grid, &grid.sheet)?;
    write_marks(ws, grid, markup)?;
    if let Some((name, rows)) = &markup.extra_sheet {
        write_list(wb.add_worksheet(), grid, name, rows)?;
    }
    if let Some((name, rows)) = &markup.answer_sheet {
        write_answers(wb.add_worksheet(), grid, name, rows)?;
    }
    if let Some(id) = &grid.identity {
        write_identity(wb.add_worksheet(), id)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// The cell and header formats of the sheets of rows beside a form (the
/// 情况说明 sheet, the list of unplaced values): the form's face, a little
/// smaller, wrapped, top-aligned, thin borders; the header bold on grey.
fn list_formats(grid: &Grid) -> (Format, Format) {
    let base = Format::new()
        .set_font_name(&grid.text_font)
        .set_font_charset(CHARSET_GB2312)
        .set_font_size(grid.font_size * 0.85)
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    let header = base.clone().set_bold().set_background_color(rgb_color((0xE7, 0xE6, 0xE6)));
    (base, header)
}

/// The 情况说明 sheet: 编号, 单元格 and 问题 locked, the last column
/// unlocked, wide and wrapped, rows tall enough to write a few lines;
/// printed on A4 landscape, one page wide, the header repeated.
fn write_answers(ws: &mut Worksheet, grid: &Grid, name: &str, rows: &[Vec<String>]) -> Result<(), XlsxError> {
    ws.set_name(name)?;
    let (base, header) = list_formats(grid);
    let input = base.clone().set_unlocked();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths = [18.0, 12.0, 46.0, 60.0];
    for c in 0..width {
        let w = if c + 1 == width { 60.0 } else { widths.get(c).copied().unwrap_or(20.0) };
        ws.set_column_width(c as u16, w)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            let f = if r == 0 {
                &header
            } else if c + 1 == width {
                &input
            } else {
                &base
            };
            if text.is_empty() {
                ws.write_blank(r as u32, c as u16, f)?;
            } else {
                ws.write_string_with_format(r as u32, c as u16, &*safe(text), f)?;
            }
        }
        if r > 0 {
            ws.set_row_height(r as u32, grid.font_size * 5.0)?;
        }
    }
    ws.set_paper_size(9); // A4
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0)?;
    ws.set_freeze_panes(1, 0)?;
    let last = rows.len().max(1) as u32 - 1;
    ws.set_print_area(0, 0, last, width.max(1) as u16 - 1)?;
    let options =
        ProtectionOptions { format_rows: true, format_columns: true, ..ProtectionOptions::default() };
    ws.protect_with_options(&options);
    Ok(())
}

fn write_marks(ws: &mut Worksheet, grid: &Grid, markup: &Markup) -> Result<(), XlsxError> {
    // Marks on one cell become one note, in the order given.
    let mut seen: Vec<(usize, usize)> = Vec::new();
    for m in &markup.marks {
        if seen.contains(&(m.row, m.col)) {
            continue;
        }
        seen.push((m.row, m.col));
        let Some(cell) = grid.cells.iter().find(|c| c.row == m.row && c.col == m.col) else {
            return Err(XlsxError::ParameterError(format!("no cell at grid ({}, {})", m.row, m.col)));
        };
        let text: Vec<&str> = markup
            .marks
            .iter()
            .filter(|o| o.row == m.row && o.col == m.col)
            .map(|o| o.note.as_str())
            .collect();
        let fmt = cell_format(grid, cell, grid.rows[cell.row].border).set_background_color(rgb_color(m.fill));
        let (r0, c0) = (cell.row as u32 + TABLE_ORIGIN_ROW, cell.col as u16);
        for r in r0..r0 + cell.rows as u32 {
            for c in c0..c0 + cell.cols as u16 {
                if (r, c) == (r0, c0) && !cell.text.is_empty() {
                    ws.write_string_with_format(r, c, &*safe(&cell.text), &fmt)?;
                } else {
                    ws.write_blank(r, c, &fmt)?;
                }
            }
        }
        let lines = text.iter().map(|t| t.chars().count() / 18 + 1).sum::<usize>() as u32;
        let note = rust_xlsxwriter::Note::new(&*crate::text::writable(&text.join("\n"), NOTE_MAX_CHARS))
            .set_author("审核意见")
            .add_author_prefix(false)
            .set_width(260)
            .set_height(24 + 20 * lines.min(20));
        ws.insert_note(r0, c0, &note)?;
    }
    if markup.legend.is_empty() && markup.legend_note.is_empty() {
        return Ok(());
    }
    let base = Format::new()
        .set_font_name(&grid.text_font)
        .set_font_charset(CHARSET_GB2312)
        .set_font_size(grid.font_size * grid.scale)
        .set_align(FormatAlign::VerticalCenter);
    // One blank row between the form and the legend.
    let row = grid.rows.len() as u32 + TABLE_ORIGIN_ROW + 1;
    let ncols = grid.columns.len().max(1) as u16;
    for (i, (fill, text)) in markup.legend.iter().enumerate() {
        let col = (i as u16).min(ncols - 1);
        let f = base
            .clone()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Center)
            .set_background_color(rgb_color(*fill));
        ws.write_string_with_format(row, col, &*safe(text), &f)?;
    }
    if !markup.legend_note.is_empty() {
        ws.merge_range(
            row + 1,
            0,
            row + 1,
            ncols - 1,
            &safe(&markup.legend_note),
            &base.clone().set_text_wrap(),
        )?;
        ws.set_row_height(row + 1, grid.font_size * grid.scale * 3.0)?;
    }
    ws.set_print_area(0, 0, row + 1, ncols - 1)?;
    Ok(())
}

fn write_list(ws: &mut Worksheet, grid: &Grid, name: &str, rows: &[Vec<String>]) -> Result<(), XlsxError> {
    ws.set_name(name)?;
    let (base, header) = list_formats(grid);
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    for c in 0..width {
        let chars = rows
            .iter()
            .filter_map(|r| r.get(c))
            .map(|t| crate::form::measure::Measure::embedded().width(t, 1.0))
            .fold(4.0, f32::max);
        ws.set_column_width(c as u16, f64::from(chars.clamp(6.0, 40.0) * 2.0 + 2.0))?;
    }
    for (r, row) in rows.iter().enumerate() {
        let f = if r == 0 { &header } else { &base };
        for (c, text) in row.iter().enumerate() {
            if text.is_empty() {
                ws.write_blank(r as u32, c as u16, f)?;
            } else {
                ws.write_string_with_format(r as u32, c as u16, &*safe(text), f)?;
            }
        }
    }
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
