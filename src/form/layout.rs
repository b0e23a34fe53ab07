//! Layout: a form model plus the pre-fill values of one region and month
//! becomes a [`Grid`], the one description every renderer translates to bytes.
//! Renderers hold no layout of their own.

use crate::form::measure::{wrap, Measure};
use crate::form::model::{Align, Content, Field, Fill, FormModel, PageSpec, RowSpec};
use crate::period::{Period, YearMonth};
use crate::record::FormKind;
use crate::registry::{RegionId, Registry};

/// Which copy of a form to lay out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormInstance {
    /// The region, or `None` for the blank form of the seed.
    pub region: Option<RegionId>,
    /// The reporting month (附3 only).
    pub period: Option<YearMonth>,
}

/// The identity a generated workbook carries invisibly, so a returned file is
/// recognised even when renamed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Plan or progress.
    pub kind: FormKind,
    /// Template version.
    pub version: u32,
    /// Canonical region name.
    pub region: Option<String>,
    /// Reporting month.
    pub period: Option<Period>,
}

impl Identity {
    /// Key/value pairs as stored (`form`, `version`, `region`, `period`).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("form", self.kind.id().to_string()),
            ("version", self.version.to_string()),
            ("region", self.region.clone().unwrap_or_default()),
            ("period", self.period.map(|p| p.to_string()).unwrap_or_default()),
        ]
    }
}

/// Whether a cell is fixed text or something a clerk fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// Fixed label.
    Label,
    /// Pre-filled from the registry; locked.
    Prefilled,
    /// For the clerk; unlocked.
    Input,
}

/// One placed cell of a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GridCell {
    /// First row (0-based, over table and footer rows).
    pub row: usize,
    /// First column.
    pub col: usize,
    /// Rows covered.
    pub rows: usize,
    /// Columns covered.
    pub cols: usize,
    /// Text shown. A pick-one input not yet chosen shows its choices with a
    /// box each (`□超前　□如期　□滞后`), on screen and in print.
    pub text: String,
    /// Label, pre-filled or input.
    pub kind: CellKind,
    /// The record field, for inputs and pre-filled cells.
    pub field: Option<Field>,
    /// Alignment.
    pub align: Align,
    /// Pick-one choices.
    pub choices: Vec<String>,
    /// Characters a clerk must be able to write in it (0: no promise).
    pub capacity: usize,
}

/// Separator between the boxed choices of a pick-one cell.
pub const CHOICE_GAP: &str = "　";

/// The text of a pick-one cell with `chosen` ticked (■) and the other
/// choices boxed (□); `None` ticks none.
pub fn choice_text(choices: &[String], chosen: Option<&str>) -> String {
    choices
        .iter()
        .map(|c| format!("{}{c}", if Some(c.as_str()) == chosen { '■' } else { '□' }))
        .collect::<Vec<_>>()
        .join(CHOICE_GAP)
}

impl GridCell {
    /// Text for print formats (the cell's text; kept for callers that
    /// distinguished it when choices were shown only in print).
    pub fn print_text(&self) -> String {
        self.text.clone()
    }

    /// True when the cell covers more than one grid position.
    pub fn is_merged(&self) -> bool {
        self.rows > 1 || self.cols > 1
    }

    /// True for an input meant for free text (left-aligned, written from the
    /// top of the cell).
    pub fn is_free_text(&self) -> bool {
        self.kind == CellKind::Input && self.align == Align::Left
    }
}

/// One row of a grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridRow {
    /// Height in points as drawn (before the page's scale): the template's
    /// least height, grown to fit the text, and on a one-page form the
    /// capacity of its inputs.
    pub height: f32,
    /// Height that holds the capacity of the row's inputs in a client that
    /// does not grow rows as a clerk types (a spreadsheet's merged cells);
    /// never less than `height`.
    pub hold: f32,
    /// Drawn with borders (table) or without (footer).
    pub border: bool,
}

/// Rows of one printed page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRows {
    /// First row on the page.
    pub first: usize,
    /// One past the last row on the page.
    pub end: usize,
}

/// Line height as a multiple of the font size for text drawn in a cell.
pub const LINE_HEIGHT: f32 = 1.35;
/// Line height reserved for a clerk's text: spreadsheet clients draw the
/// Chinese faces they substitute with up to 1.45 em per line.
pub const HOLD_LINE_HEIGHT: f32 = 1.45;
/// Vertical padding a spreadsheet client leaves in a cell, in points.
const HOLD_VPAD: f32 = 3.0;
/// Inner horizontal padding of a cell in points.
pub const CELL_PAD: f32 = 4.0;
/// Inner vertical padding of a cell (top and bottom) in points.
pub const CELL_VPAD: f32 = 5.0;
/// Height of the mark's line, in ems of the mark size.
pub const MARK_LINE: f32 = 1.5;
/// Height of the title's line, in ems of the title size.
pub const TITLE_LINE: f32 = 1.5;
/// Space above the title, in ems of the title size.
pub const TITLE_BEFORE: f32 = 0.2;
/// Space between the title and the table, in ems of the title size.
pub const TITLE_AFTER: f32 = 0.6;
/// Space between the table and the footer line, in ems of the body size.
pub const FOOTER_GAP: f32 = 0.5;

/// A laid-out form: cells with positions and sizes, merges, locks, choices,
/// identity, and the page it prints on (size, margins, scale, where pages
/// break). Renderers translate it to xlsx, docx or pdf and decide nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Plan or progress.
    pub kind: FormKind,
    /// Worksheet name.
    pub sheet: String,
    /// 附2 / 附3
    pub mark: String,
    /// Form title.
    pub title: String,
    /// Body text size in points.
    pub font_size: f32,
    /// Title size in points.
    pub title_size: f32,
    /// Mark size in points.
    pub mark_size: f32,
    /// East Asian family name for body text.
    pub text_font: String,
    /// East Asian family name for the title.
    pub title_font: String,
    /// Column widths in points.
    pub columns: Vec<f32>,
    /// Rows: the table rows, then the footer rows.
    pub rows: Vec<GridRow>,
    /// Cells in row-major order.
    pub cells: Vec<GridCell>,
    /// Invisible identity (generated forms).
    pub identity: Option<Identity>,
    /// The paper, margins and page rule.
    pub page: PageSpec,
    /// Print scale applied to every size (1 = as laid out): below 1 when the
    /// form is shrunk to fit its page, never below `min_print_size / font_size`.
    pub scale: f32,
    /// The rows of each printed page; the first page has the mark and title,
    /// each later one the title with `page.continued`.
    pub pages: Vec<PageRows>,
    /// Least height of each row, from the template (kept to lay out again
    /// after filling).
    min_heights: Vec<f32>,
}

impl Grid {
    /// Table width in points.
    pub fn width(&self) -> f32 {
        self.columns.iter().sum()
    }

    /// Number of table rows (with borders), before the footer.
    pub fn table_rows(&self) -> usize {
        self.rows.iter().take_while(|r| r.border).count()
    }

    /// Top edge of each row, in points from the table's top.
    pub fn row_tops(&self) -> Vec<f32> {
        let mut y = 0.0;
        self.rows
            .iter()
            .map(|r| {
                let top = y;
                y += r.height;
                top
            })
            .collect()
    }

    /// Left edge of each column, in points from the table's left.
    pub fn col_lefts(&self) -> Vec<f32> {
        let mut x = 0.0;
        self.columns
            .iter()
            .map(|w| {
                let left = x;
                x += w;
                left
            })
            .collect()
    }

    /// Width of a cell in points.
    pub fn cell_width(&self, cell: &GridCell) -> f32 {
        self.columns[cell.col..cell.col + cell.cols].iter().sum()
    }

    /// Height of a cell in points.
    pub fn cell_height(&self, cell: &GridCell) -> f32 {
        self.rows[cell.row..cell.row + cell.rows].iter().map(|r| r.height).sum()
    }

    /// The cell feeding `field` (the first one, for schedule fields).
    pub fn cell_of(&self, field: Field) -> Option<&GridCell> {
        self.cells.iter().find(|c| c.field == Some(field))
    }

    /// Height of the mark and title above the table on the first page.
    pub fn heading_height(&self) -> f32 {
        self.mark_size * MARK_LINE + self.continued_heading_height()
    }

    /// Height of the title above the table on a continuation page.
    pub fn continued_heading_height(&self) -> f32 {
        self.title_size * (TITLE_LINE + TITLE_BEFORE + TITLE_AFTER)
    }

    /// Space between the table and the footer rows.
    pub fn footer_gap(&self) -> f32 {
        if self.table_rows() < self.rows.len() {
            self.font_size * FOOTER_GAP
        } else {
            0.0
        }
    }

    /// Left edge of the table on the page, in printed points: centred
    /// between the side margins.
    pub fn table_left(&self) -> f32 {
        self.page.side + ((self.page.inner_width() - self.width() * self.scale) / 2.0).max(0.0)
    }

    /// Lays the grid out again after its texts changed (a filled form):
    /// row heights, scale and page breaks.
    pub fn relayout(&mut self) {
        paginate(self, Measure::embedded());
    }
}

/// Lines `text` needs in a cell `width` points wide at `size` points, by the
/// face's advances and the renderer's line breaking.
pub fn lines_needed(text: &str, width: f32, size: f32) -> usize {
    let inner = (width - 2.0 * CELL_PAD).max(1.0);
    text.split('\n').map(|l| wrap(Measure::embedded(), l, size, inner).len().max(1)).sum()
}

/// Height a cell `width` wide needs to hold `capacity` ideographs written
/// by a clerk, in the lines of the widest-spaced client.
fn hold_height(capacity: usize, width: f32, size: f32) -> f32 {
    let per_line = ((width - 2.0 * CELL_PAD) / size).floor().max(1.0);
    let lines = (capacity as f32 / per_line).ceil();
    lines * size * HOLD_LINE_HEIGHT + 2.0 * HOLD_VPAD
}

/// Sizes rows, picks the scale and breaks pages.
fn paginate(grid: &mut Grid, m: &Measure) {
    let size = grid.font_size;
    let n = grid.rows.len();
    for r in 0..n {
        let mut text_h = grid.min_heights[r];
        let mut hold_h = text_h;
        let mut cap_h = text_h;
        for c in grid.cells.iter().filter(|c| c.row == r && c.rows == 1) {
            let w = grid.cell_width(c);
            if !c.text.is_empty() {
                let lines = wrap(m, &c.text, size, (w - 2.0 * CELL_PAD).max(1.0)).len();
                let need = lines as f32 * size * LINE_HEIGHT + 2.0 * CELL_VPAD;
                text_h = text_h.max(need.ceil());
                // Spreadsheet clients draw the same lines further apart.
                hold_h = hold_h.max((lines as f32 * size * HOLD_LINE_HEIGHT + 2.0 * HOLD_VPAD).ceil());
            }
            if c.capacity > 0 {
                cap_h = cap_h.max(hold_height(c.capacity, w, size).ceil());
                // Not rounded up: a spreadsheet's rows take fractions, and
                // an industry 附2 fits its page by the difference.
                hold_h = hold_h.max(hold_height(c.capacity, w, size));
            }
        }
        let height = if grid.page.one_page { cap_h.max(text_h) } else { text_h };
        let hold = if grid.page.one_page { hold_h.max(cap_h) } else { hold_h }.max(height);
        grid.rows[r].height = height;
        grid.rows[r].hold = hold;
    }

    let table_rows = grid.table_rows();
    let total: f32 =
        grid.heading_height() + grid.rows.iter().map(|r| r.height).sum::<f32>() + grid.footer_gap();
    let page = &grid.page;
    let fit = (page.inner_height() / total).min(page.inner_width() / grid.width()).min(1.0);
    // Steps of half a point of body text, so every renderer can print it
    // (Word's font sizes are in half points).
    let steps = |s: f32| (s * size * 2.0 + 1e-3).floor() / (size * 2.0);
    let least = steps(page.min_print_size / size + 1e-3).max(0.05);
    grid.scale = steps(fit).max(least).min(1.0);

    // Rows that may not be separated from the next one: a merged cell spans
    // the boundary, or the next row is part of the footer.
    let mut glued = vec![false; n];
    for c in &grid.cells {
        for g in glued.iter_mut().take(c.row + c.rows - 1).skip(c.row) {
            *g = true;
        }
    }
    if table_rows > 0 && table_rows < n {
        glued[table_rows - 1] = true;
        for g in glued.iter_mut().take(n - 1).skip(table_rows) {
            *g = true;
        }
    }
    let room = page.inner_height() / grid.scale;
    if page.one_page {
        give_room_to_longest_input(grid, room);
    }
    let mut pages = Vec::new();
    let mut first = 0;
    let mut y = grid.heading_height();
    let mut r = 0;
    while r < n {
        let mut end = r + 1;
        while end < n && glued[end - 1] {
            end += 1;
        }
        let h: f32 = grid.rows[r..end].iter().map(|row| row.height).sum::<f32>()
            + if r <= table_rows && table_rows < end { grid.footer_gap() } else { 0.0 };
        if y + h > room + 0.01 && r > first {
            pages.push(PageRows { first, end: r });
            first = r;
            y = grid.continued_heading_height();
        }
        y += h;
        r = end;
    }
    pages.push(PageRows { first, end: n });
    grid.pages = pages;
}

/// On a one-page form, the height the page has left once every row holds
/// its inputs' capacity goes to the row of the input with the largest
/// capacity (月度实际进展), in `hold` only (spreadsheets): a clerk who
/// writes it as items, one per line, leaves the end of each line empty.
fn give_room_to_longest_input(grid: &mut Grid, room: f32) {
    let used = grid.heading_height() + grid.rows.iter().map(|r| r.hold).sum::<f32>() + grid.footer_gap();
    let spare = (room - used - 1.0).floor();
    let longest = grid.cells.iter().filter(|c| c.capacity > 0 && c.rows == 1).max_by_key(|c| c.capacity);
    if let (true, Some(cell)) = (spare > 0.0, longest) {
        let r = cell.row;
        grid.rows[r].hold += spare;
    }
}

/// Lays out `model` for `instance`, pre-filling from `registry`.
pub fn layout(model: &FormModel, registry: &Registry, instance: FormInstance) -> Grid {
    let schedule: Vec<Option<Period>> = match instance.region {
        Some(r) => registry.plan_periods(r).into_iter().map(Some).collect(),
        None => vec![None; model.blank_rows],
    };
    let fill_text = |fill: Fill, blank: &Option<String>, sched: Option<Period>| -> Option<String> {
        let value = match fill {
            Fill::Region => instance.region.map(|r| registry.region(r).name.clone()),
            Fill::Tasks => instance.region.map(|r| registry.tasks_text(r)),
            Fill::Period => instance.period.map(|m| m.label_zh()),
            Fill::SchedulePeriod => sched.map(|p| p.label_zh()),
        };
        value.or_else(|| blank.clone())
    };

    let mut rows = Vec::new();
    let mut cells = Vec::new();
    let mut emit = |spec: &RowSpec, border: bool, sched: Option<Period>, rows: &mut Vec<GridRow>| {
        let r = rows.len();
        for c in &spec.cells {
            let (text, kind, field, choices) = match &c.content {
                Content::Label(t) => (t.clone(), CellKind::Label, None, Vec::new()),
                Content::Input { field, fill, choices, blank } => {
                    let filled = fill.and_then(|f| fill_text(f, blank, sched));
                    let kind = match (fill, &filled) {
                        (Some(_), Some(_)) if instance.region.is_some() || sched.is_some() => {
                            CellKind::Prefilled
                        }
                        _ => CellKind::Input,
                    };
                    let text = match filled {
                        Some(t) => t,
                        None if !choices.is_empty() => choice_text(choices, None),
                        None => String::new(),
                    };
                    (text, kind, Some(*field), choices.clone())
                }
            };
            cells.push(GridCell {
                row: r,
                col: c.col,
                rows: c.rows,
                cols: c.span,
                text,
                kind,
                field,
                align: c.align,
                choices,
                capacity: c.capacity,
            });
        }
        rows.push(GridRow { height: spec.height, hold: spec.height, border });
    };
    for spec in &model.rows {
        if spec.repeat {
            for p in &schedule {
                emit(spec, true, *p, &mut rows);
            }
        } else {
            emit(spec, true, None, &mut rows);
        }
    }
    for spec in &model.footer {
        emit(spec, false, None, &mut rows);
    }

    let identity = Some(Identity {
        kind: model.kind,
        version: model.version,
        region: instance.region.map(|r| registry.region(r).name.clone()),
        period: instance.period.map(Period::Month),
    });
    let min_heights = rows.iter().map(|r| r.height).collect();
    let mut grid = Grid {
        kind: model.kind,
        sheet: model.sheet.clone(),
        mark: model.mark.clone(),
        title: model.title.clone(),
        font_size: model.font_size,
        title_size: model.title_size,
        mark_size: model.mark_size,
        text_font: model.text_font.clone(),
        title_font: model.title_font.clone(),
        columns: model.columns.clone(),
        rows,
        cells,
        identity,
        page: model.page.clone(),
        scale: 1.0,
        pages: Vec::new(),
        min_heights,
    };
    paginate(&mut grid, Measure::embedded());
    grid
}
